//! The pure rules of reference data: country and language codes, semantic versions of
//! program templates, amounts, and how a row in use is described; with the rules of
//! beneficiary groups ([`groups`]), program templates ([`templates`]), the contact-detail
//! detector that keeps groups free of personal data ([`contact`]), and the shape of each
//! program type's configuration ([`config`]).
//!
//! Code lists come from maintained crates rather than tables of our own: `rust_iso3166`
//! (ISO 3166-1, data from Debian's iso-codes) and `isolang` (ISO 639). Versions follow
//! Semantic Versioning 2.0 through the `semver` crate.

use std::cmp::Ordering;

use rust_decimal::Decimal;
use semver::Version;

use entity::Numeric;

use crate::domain::validate::optional_text;
use crate::error::{AppError, AppResult};

pub mod config;
pub mod contact;
pub mod groups;
pub mod templates;

/// Longest name (the `name` columns are VARCHAR(255)).
pub const NAME_MAX: usize = 255;
/// Longest region, city, industry or company country (VARCHAR(100)).
pub const SHORT_TEXT_MAX: usize = 100;
/// Longest description or note: the columns are TEXT, this keeps them readable.
pub const LONG_TEXT_MAX: usize = 10_000;
/// Longest tag, metric or partner organization name.
pub const LIST_ITEM_MAX: usize = 255;

/// The ISO 3166-1 alpha-2 code `text` names, upper-cased (`de` → `DE`); `None` for anything
/// that is not an assigned code (`UK`, `XX`, `DEU`).
pub fn country_code(text: &str) -> Option<String> {
    let code = text.trim().to_ascii_uppercase();
    rust_iso3166::from_alpha2(&code).map(|country| country.alpha2.to_owned())
}

/// The ISO 639-1 code `text` names, lower-cased (`AR` → `ar`); `None` for anything that is
/// not a two-letter ISO 639-1 code (`xx`, `ara`, `en-GB`).
pub fn language_code(text: &str) -> Option<String> {
    let code = text.trim().to_ascii_lowercase();
    isolang::Language::from_639_1(&code).map(|_| code)
}

/// `BAD_USER_INPUT` naming the item unless every item is an ISO 639-1 code; the codes
/// normalized and without repeats.
pub fn language_codes(field: &str, items: &[String]) -> AppResult<Vec<String>> {
    let mut list: Vec<String> = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let code = language_code(item).ok_or_else(|| {
            AppError::bad_input(
                format!("{field}[{index}]"),
                format!("{item:?} is not an ISO 639-1 language code (like \"ar\" or \"en\")"),
            )
        })?;
        if !list.contains(&code) {
            list.push(code);
        }
    }
    Ok(list)
}

pub fn country(field: &str, text: &str) -> AppResult<String> {
    country_code(text).ok_or_else(|| {
        AppError::bad_input(
            field,
            format!("{text:?} is not an ISO 3166-1 alpha-2 country code (like \"DE\")"),
        )
    })
}

/// Longest version the `program_templates.version` column holds.
pub const VERSION_MAX_CHARS: usize = 20;

/// `text` as a semantic version (`1.2.0`, `2.0.0-beta.1`), or why it is not one.
pub fn parse_version(text: &str) -> Result<Version, String> {
    let text = text.trim();
    if text.len() > VERSION_MAX_CHARS {
        return Err(format!("must be at most {VERSION_MAX_CHARS} characters"));
    }
    Version::parse(text).map_err(|error| {
        format!("{text:?} is not a semantic version like 1.2.0 or 2.0.0-beta.1: {error}")
    })
}

/// Whether `candidate` may follow `latest`: it must have higher precedence. Build metadata
/// does not count (`1.0.0+build.2` is not above `1.0.0`), as Semantic Versioning says.
pub fn is_above(candidate: &Version, latest: &Version) -> bool {
    candidate.cmp_precedence(latest) == Ordering::Greater
}

/// The highest version among `versions` (stored texts); texts that do not parse are skipped.
pub fn highest_version<'a>(versions: impl IntoIterator<Item = &'a str>) -> Option<Version> {
    versions
        .into_iter()
        .filter_map(|text| Version::parse(text.trim()).ok())
        .max_by(|a, b| a.cmp_precedence(b))
}

/// A non-negative amount with at most two decimal places and at most `integer_digits` digits
/// before the point (the precision of its NUMERIC column).
pub fn amount(field: &str, value: Decimal, integer_digits: u32) -> AppResult<Numeric> {
    if value.is_sign_negative() && !value.is_zero() {
        return Err(AppError::bad_input(field, "must not be negative"));
    }
    if value.normalize().scale() > 2 {
        return Err(AppError::bad_input(
            field,
            "must have at most 2 decimal places",
        ));
    }
    let limit = Decimal::from(10_i64.pow(integer_digits));
    if value >= limit {
        return Err(AppError::bad_input(
            field,
            format!("must be less than {limit}"),
        ));
    }
    Ok(Numeric(value.round_dp(2)))
}

/// "2 campaigns and 1 program instance", or `None` when nothing uses the row.
pub fn usage(campaigns: u64, instances: u64) -> Option<String> {
    let count = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    match (campaigns, instances) {
        (0, 0) => None,
        (c, 0) => Some(count(c, "campaign", "campaigns")),
        (0, i) => Some(count(i, "program instance", "program instances")),
        (c, i) => Some(format!(
            "{} and {}",
            count(c, "campaign", "campaigns"),
            count(i, "program instance", "program instances")
        )),
    }
}

/// An industry or country of a company: trimmed, bounded, blank meaning none.
pub fn company_text(field: &str, text: &str) -> AppResult<Option<String>> {
    optional_text(field, Some(text), SHORT_TEXT_MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::validate::refused_field;

    #[test]
    fn country_codes_are_assigned_iso_3166_alpha_2_codes() {
        assert_eq!(country_code("DE").as_deref(), Some("DE"));
        assert_eq!(country_code(" ua ").as_deref(), Some("UA"));
        assert_eq!(country_code("SS").as_deref(), Some("SS"));
        for not_a_code in ["UK", "XX", "EU", "DEU", "D", "", "1A"] {
            assert_eq!(country_code(not_a_code), None, "{not_a_code}");
        }
    }

    #[test]
    fn language_codes_are_iso_639_1_codes() {
        assert_eq!(language_code("ar").as_deref(), Some("ar"));
        assert_eq!(language_code("UK").as_deref(), Some("uk"));
        for not_a_code in ["xx", "ara", "en-GB", "e", ""] {
            assert_eq!(language_code(not_a_code), None, "{not_a_code}");
        }
        let codes = language_codes(
            "input.primaryLanguages",
            &["AR".into(), "en".into(), "ar".into()],
        );
        assert_eq!(codes.unwrap(), ["ar", "en"]);
        let error = language_codes("input.primaryLanguages", &["en".into(), "klingon".into()]);
        assert_eq!(refused_field(error), "input.primaryLanguages[1]");
    }

    #[test]
    fn versions_are_semantic_and_ordered_by_precedence() {
        let parse = |text: &str| parse_version(text).unwrap();
        assert!(parse_version("1.0").is_err());
        assert!(parse_version("v1.0.0").is_err());
        assert!(parse_version("1.0.0-alpha.1.2.3.4.5.6.7").is_err()); // longer than the column
        assert!(is_above(&parse("1.10.0"), &parse("1.9.9")));
        assert!(is_above(&parse("2.0.0"), &parse("2.0.0-rc.1")));
        assert!(!is_above(&parse("1.0.0"), &parse("1.0.0")));
        assert!(!is_above(&parse("1.0.0+build.2"), &parse("1.0.0")));
        assert!(!is_above(&parse("0.9.0"), &parse("1.0.0")));
        assert_eq!(
            highest_version(["1.0.0", "1.10.0", "not a version", "1.9.0"]),
            Some(parse("1.10.0"))
        );
        assert_eq!(highest_version(["draft"]), None);
    }

    #[test]
    fn amounts_are_not_negative_have_cents_at_most_and_fit_their_column() {
        let amount_of = |text: &str| amount("input.cost", text.parse().unwrap(), 3);
        assert_eq!(
            amount_of("12.50").unwrap(),
            Numeric("12.5".parse().unwrap())
        );
        assert_eq!(refused_field(amount_of("-1")), "input.cost");
        assert_eq!(refused_field(amount_of("1.005")), "input.cost");
        assert_eq!(refused_field(amount_of("1000")), "input.cost");
    }

    #[test]
    fn usage_counts_campaigns_and_instances_in_words() {
        assert_eq!(usage(0, 0), None);
        assert_eq!(usage(1, 0).as_deref(), Some("1 campaign"));
        assert_eq!(
            usage(2, 1).as_deref(),
            Some("2 campaigns and 1 program instance")
        );
    }
}
