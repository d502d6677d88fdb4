//! Evidence snippets of a campaign (seed 002's "top evidence snippets" widget): the ids of
//! the evidence explorer's snippets an admin pins to a campaign, validated as that service
//! shapes them and kept in the order given.

use crate::error::{AppError, AppResult};

/// Most snippets a campaign pins.
pub const MAX_SNIPPETS: usize = 20;
/// Longest snippet id the evidence service issues, in characters.
pub const MAX_ID_CHARS: usize = 64;

/// The ids as given, in order, or `BAD_USER_INPUT` on `field` (naming the offending entry)
/// when one is blank, one is longer than [`MAX_ID_CHARS`], or there are more than
/// [`MAX_SNIPPETS`].
pub fn validate_snippet_ids(ids: Vec<String>, field: &str) -> AppResult<Vec<String>> {
    if ids.len() > MAX_SNIPPETS {
        return Err(AppError::bad_input(
            field,
            format!(
                "at most {MAX_SNIPPETS} evidence snippets, got {}",
                ids.len()
            ),
        ));
    }
    for (index, id) in ids.iter().enumerate() {
        if id.trim().is_empty() {
            return Err(AppError::bad_input(
                field,
                format!("entry {index} is empty: an evidence snippet id is required"),
            ));
        }
        if id.chars().count() > MAX_ID_CHARS {
            return Err(AppError::bad_input(
                field,
                format!("entry {index} is longer than {MAX_ID_CHARS} characters"),
            ));
        }
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELD: &str = "input.evidenceSnippetIds";

    #[test]
    fn keeps_valid_ids_in_the_order_given() {
        let ids = vec!["ev-9".to_owned(), "ev-1".to_owned(), "é".repeat(64)];
        assert_eq!(validate_snippet_ids(ids.clone(), FIELD).unwrap(), ids);
        assert!(validate_snippet_ids(Vec::new(), FIELD).unwrap().is_empty());
    }

    #[test]
    fn refuses_blank_long_or_too_many_ids_on_the_field() {
        for ids in [
            vec!["ok".to_owned(), "  ".to_owned()],
            vec!["x".repeat(65)],
            (0..21).map(|i| format!("ev-{i}")).collect(),
        ] {
            let error = validate_snippet_ids(ids, FIELD).unwrap_err();
            assert_eq!(error.code(), crate::error::ErrorCode::BadUserInput);
            assert_eq!(error.field(), Some(FIELD));
        }
    }
}
