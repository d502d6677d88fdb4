//! Checks every domain shares when it turns input into domain values: bounded text, lists of
//! text, JSON objects, patches of nullable columns, and how an enum value is named in a message.
//! Each returns `BAD_USER_INPUT` naming the input field (its path from the argument, like
//! `input.name`).

use std::collections::HashSet;
use std::hash::Hash;

use serde::Serialize;
use serde_json::Value;

use crate::error::{AppError, AppResult};

/// `text` trimmed; `BAD_USER_INPUT` on `field` when that leaves nothing or more than
/// `max_chars` characters.
pub fn required_text(field: &str, text: &str, max_chars: usize) -> AppResult<String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(AppError::bad_input(field, "must not be blank"));
    }
    if trimmed.chars().count() > max_chars {
        return Err(AppError::bad_input(
            field,
            format!("must be at most {max_chars} characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// Like [`required_text`], but blank text means "none".
pub fn optional_text(
    field: &str,
    text: Option<&str>,
    max_chars: usize,
) -> AppResult<Option<String>> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => required_text(field, text, max_chars).map(Some),
    }
}

/// `items` without repeats, in first-seen order.
pub fn distinct<T: Eq + Hash + Clone>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut seen = HashSet::new();
    items
        .into_iter()
        .filter(|item| seen.insert(item.clone()))
        .collect()
}

/// Every item trimmed and non-blank (`field[index]` names a bad one), duplicates dropped
/// (first occurrence kept).
pub fn text_list(field: &str, items: &[String], max_chars: usize) -> AppResult<Vec<String>> {
    let checked = items
        .iter()
        .enumerate()
        .map(|(index, item)| required_text(&format!("{field}[{index}]"), item, max_chars))
        .collect::<AppResult<Vec<String>>>()?;
    Ok(distinct(checked))
}

/// A JSON object of at most `max_bytes` bytes once serialized.
pub fn json_object(field: &str, value: Value, max_bytes: usize) -> AppResult<Value> {
    if !value.is_object() {
        return Err(AppError::bad_input(field, "must be a JSON object"));
    }
    if value.to_string().len() > max_bytes {
        return Err(AppError::bad_input(
            field,
            format!("must be at most {max_bytes} bytes of JSON"),
        ));
    }
    Ok(value)
}

/// A change to a nullable column: `None` leaves it, `Some(None)` clears it, `Some(Some(v))`
/// sets it.
pub type Patch<T> = Option<Option<T>>;

/// The patch with its new value checked by `check`.
pub fn checked<T, U>(
    patch: Patch<T>,
    check: impl FnOnce(T) -> AppResult<U>,
) -> AppResult<Patch<U>> {
    match patch {
        None => Ok(None),
        Some(None) => Ok(Some(None)),
        Some(Some(value)) => Ok(Some(Some(check(value)?))),
    }
}

/// `patch` applied to `stored`: left out keeps it, cleared clears it.
pub fn patched<T>(patch: Patch<T>, stored: Option<T>) -> Option<T> {
    match patch {
        None => stored,
        Some(value) => value,
    }
}

/// An enum value as clients spell it (`RECRUITING`), for messages.
pub fn enum_name(value: impl Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|value| value.as_str().map(str::to_uppercase))
        .unwrap_or_default()
}

/// `CONFLICT` for a move a lifecycle does not allow, listing the moves it does.
pub fn refused_move<S: Serialize + Copy>(what: &str, from: S, to: S, allowed: &[S]) -> AppError {
    let names: Vec<String> = allowed.iter().map(|status| enum_name(*status)).collect();
    AppError::Conflict(format!(
        "a {} {what} cannot move to {}; it may move to: {}",
        enum_name(from),
        enum_name(to),
        if names.is_empty() {
            "nothing (it is final)".to_owned()
        } else {
            names.join(", ")
        }
    ))
}

/// The input field a refusal names, for the rules' unit tests: panics unless `result` is
/// `BAD_USER_INPUT`.
#[cfg(test)]
pub fn refused_field<T: std::fmt::Debug>(result: AppResult<T>) -> String {
    match result {
        Err(AppError::BadUserInput { field, .. }) => field,
        other => panic!("expected BAD_USER_INPUT, got {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(required_text("input.name", "  a  ", 3).unwrap(), "a");
        assert!(required_text("input.name", "   ", 3).is_err());
        assert!(required_text("input.name", "abcd", 3).is_err());
        assert_eq!(optional_text("input.note", Some("  "), 3).unwrap(), None);
    }

    #[test]
    fn lists_drop_repeats_and_name_the_bad_item() {
        let items = ["a".to_owned(), "a".to_owned(), "b".to_owned()];
        assert_eq!(text_list("input.tags", &items, 5).unwrap(), ["a", "b"]);
        match text_list("input.tags", &["a".to_owned(), " ".to_owned()], 5) {
            Err(AppError::BadUserInput { field, .. }) => assert_eq!(field, "input.tags[1]"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn patches_leave_clear_or_set() {
        assert_eq!(patched(None, Some(1)), Some(1));
        assert_eq!(patched(Some(None), Some(1)), None);
        assert_eq!(patched(Some(Some(2)), Some(1)), Some(2));
    }
}
