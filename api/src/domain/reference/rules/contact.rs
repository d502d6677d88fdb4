//! The contact-detail detector that keeps beneficiary groups free of personal data: e-mail
//! addresses and phone numbers in free text (and in every key and string of a JSON value) are
//! refused, while dates, ranges, counts and amounts are let through.

use serde_json::Value;

use crate::error::{AppError, AppResult};

/// Personal contact data found in free text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContactDetail {
    EmailAddress,
    PhoneNumber,
}

impl ContactDetail {
    fn describe(self) -> &'static str {
        match self {
            ContactDetail::EmailAddress => "an e-mail address",
            ContactDetail::PhoneNumber => "a phone number",
        }
    }
}

/// The first e-mail address or phone number in `text`, if any.
///
/// An e-mail address is `local@domain.tld`. A phone number is a run of 7 to 15 digits,
/// possibly grouped by spaces, `-`, `.`, `/` or parentheses, that reads like one: it starts with
/// `+` (international), `(` or `0` (area code, trunk prefix), or it has 10 digits or more and is
/// not grouped by spaces alone. Dates (`2024-01-15`, `15.01.2024`, `20240115`), year and count
/// ranges (`2024-2025`, `1000-5000`), thousands (`1 000 000`) and decimals are not phone
/// numbers, and neither are small numbers (`18-35`, `2024`). A seven-digit local number without
/// an area code (`555-1234`) reads like a count range and is let through.
pub fn find_contact_detail(text: &str) -> Option<ContactDetail> {
    if contains_email_address(text) {
        Some(ContactDetail::EmailAddress)
    } else if contains_phone_number(text) {
        Some(ContactDetail::PhoneNumber)
    } else {
        None
    }
}

/// `BAD_USER_INPUT` on `field` if `text` carries an e-mail address or a phone number.
pub fn refuse_contact_details(field: &str, text: &str) -> AppResult<()> {
    match find_contact_detail(text) {
        None => Ok(()),
        Some(detail) => Err(AppError::bad_input(
            field,
            format!(
                "contains {}: beneficiary groups hold aggregated data only, never contact details",
                detail.describe()
            ),
        )),
    }
}

/// [`refuse_contact_details`] for every key and string of a JSON value, naming the path.
pub fn refuse_contact_details_in_json(field: &str, value: &Value) -> AppResult<()> {
    match value {
        Value::String(text) => refuse_contact_details(field, text),
        Value::Array(items) => items.iter().enumerate().try_for_each(|(index, item)| {
            refuse_contact_details_in_json(&format!("{field}[{index}]"), item)
        }),
        Value::Object(entries) => entries.iter().try_for_each(|(key, item)| {
            let path = format!("{field}.{key}");
            refuse_contact_details(&path, key)?;
            refuse_contact_details_in_json(&path, item)
        }),
        Value::Null | Value::Bool(_) | Value::Number(_) => Ok(()),
    }
}

fn is_email_local_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "._%+-".contains(c)
}

fn is_email_domain_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '.' || c == '-'
}

fn contains_email_address(text: &str) -> bool {
    text.char_indices()
        .filter(|(_, c)| *c == '@')
        .any(|(at, _)| {
            let local = text[..at]
                .chars()
                .rev()
                .take_while(|c| is_email_local_char(*c))
                .count();
            let domain: String = text[at + 1..]
                .chars()
                .take_while(|c| is_email_domain_char(*c))
                .collect();
            let domain = domain.trim_end_matches(['.', '-']);
            let labels: Vec<&str> = domain.split('.').collect();
            local > 0
                && labels.len() >= 2
                && labels.iter().all(|label| !label.is_empty())
                && labels.last().is_some_and(|tld| {
                    tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic())
                })
        })
}

fn is_phone_separator(c: char) -> bool {
    matches!(c, ' ' | '-' | '.' | '/' | '(' | ')' | '\u{2013}')
}

/// Runs of digits and phone separators in `text`, each starting at `+`, `(` or a digit that
/// does not continue a word, and ending at its last digit.
fn number_runs(text: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut runs = Vec::new();
    let mut index = 0;
    while index < chars.len() {
        let (start, c) = chars[index];
        let follows_word = index > 0 && chars[index - 1].1.is_alphanumeric();
        let starts_number = c.is_ascii_digit()
            || ((c == '+' || c == '(')
                && chars
                    .get(index + 1)
                    .is_some_and(|(_, n)| n.is_ascii_digit()));
        if !starts_number || follows_word {
            index += 1;
            continue;
        }
        let mut end = index + 1;
        let mut last_digit = if c.is_ascii_digit() {
            Some(index)
        } else {
            None
        };
        while end < chars.len() {
            let next = chars[end].1;
            if next.is_ascii_digit() {
                last_digit = Some(end);
            } else if !is_phone_separator(next) {
                break;
            }
            end += 1;
        }
        if let Some(last) = last_digit {
            // A run glued to a following letter is a code (`A1234567B`), not a number.
            let glued = chars
                .get(last + 1)
                .is_some_and(|(_, c)| c.is_alphanumeric());
            if !glued {
                let stop = chars[last].0 + chars[last].1.len_utf8();
                runs.push(&text[start..stop]);
            }
        }
        index = end;
    }
    runs
}

fn contains_phone_number(text: &str) -> bool {
    number_runs(text).into_iter().any(looks_like_phone_number)
}

fn looks_like_phone_number(run: &str) -> bool {
    let digits = run.chars().filter(char::is_ascii_digit).count();
    if !(7..=15).contains(&digits) {
        return false;
    }
    let groups: Vec<&str> = run
        .split(|c: char| !c.is_ascii_digit())
        .filter(|group| !group.is_empty())
        .collect();
    let separators: String = run
        .trim_start_matches(['+', '('])
        .chars()
        .filter(|c| !c.is_ascii_digit())
        .collect();
    if is_date(&groups, &separators)
        || is_range(&groups, &separators)
        || is_thousands(&groups, &separators)
        || is_decimal(&groups, &separators)
    {
        return false;
    }
    let international = run.starts_with('+');
    let area_code = run.starts_with('(') || run.starts_with('0');
    let spaces_only = !separators.is_empty() && separators.chars().all(|c| c == ' ');
    international || area_code || (digits >= 10 && !spaces_only)
}

fn is_year(group: &str) -> bool {
    group.len() == 4 && (group.starts_with("19") || group.starts_with("20"))
}

fn is_date(groups: &[&str], separators: &str) -> bool {
    let day_or_month = |group: &str| (1..=2).contains(&group.len());
    let same_separator = separators.len() == 2
        && separators.chars().all(|c| matches!(c, '-' | '.' | '/'))
        && separators.chars().all(|c| separators.starts_with(c));
    match groups {
        [year, month, day] if same_separator => {
            (is_year(year) && day_or_month(month) && day_or_month(day))
                || (day_or_month(year) && day_or_month(month) && is_year(day))
        }
        [compact] if compact.len() == 8 && is_year(&compact[..4]) => {
            let month: u32 = compact[4..6].parse().unwrap_or(0);
            let day: u32 = compact[6..].parse().unwrap_or(0);
            (1..=12).contains(&month) && (1..=31).contains(&day)
        }
        _ => false,
    }
}

/// `2024-2025`, `1000-5000`: two equally long numbers, ascending.
fn is_range(groups: &[&str], separators: &str) -> bool {
    let dash = matches!(separators.trim(), "-" | "/" | "\u{2013}");
    match groups {
        [from, to] if dash && from.len() == to.len() && from.len() <= 4 => {
            from.parse::<u32>().unwrap_or(u32::MAX) < to.parse::<u32>().unwrap_or(0)
        }
        _ => false,
    }
}

/// `1 000 000`, `12.500.000`: a leading group of 1 to 3 digits, then groups of exactly 3.
fn is_thousands(groups: &[&str], separators: &str) -> bool {
    let uniform = separators
        .chars()
        .all(|c| (c == ' ' || c == '.') && separators.starts_with(c));
    uniform
        && groups.len() >= 2
        && separators.len() == groups.len() - 1
        && (1..=3).contains(&groups[0].len())
        && !groups[0].starts_with('0')
        && groups[1..].iter().all(|group| group.len() == 3)
}

/// `3.14159265`: two groups joined by one dot.
fn is_decimal(groups: &[&str], separators: &str) -> bool {
    groups.len() == 2 && separators == "." && !groups[0].starts_with('0')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::validate::refused_field;
    use serde_json::json;

    #[test]
    fn e_mail_addresses_are_contact_details() {
        for text in [
            "write to anna.schmidt@example.org",
            "contact:x@y.de",
            "Leiterin (m.muster+refugees@verein-berlin.de)",
        ] {
            assert_eq!(
                find_contact_detail(text),
                Some(ContactDetail::EmailAddress),
                "{text}"
            );
        }
        for text in ["@berlin_helpers on Telegram", "a@b", "meet @ 5pm", "x@.de"] {
            assert_eq!(find_contact_detail(text), None, "{text}");
        }
    }

    #[test]
    fn phone_numbers_are_contact_details() {
        for text in [
            "call +49 30 1234567",
            "(030) 123-4567",
            "0301234567",
            "Tel. 030/1234567",
            "+380441234567",
            "ring 555-123-4567 after six",
            "+1 (212) 555-0199",
        ] {
            assert_eq!(
                find_contact_detail(text),
                Some(ContactDetail::PhoneNumber),
                "{text}"
            );
        }
    }

    #[test]
    fn years_dates_ranges_and_counts_are_not_phone_numbers() {
        for text in [
            "ages 18-35",
            "since 2024",
            "founded 2015, 120 families",
            "2024-01-15",
            "15.01.2024",
            "15/01/2024",
            "20240115",
            "2024-2025 school year",
            "groups of 1000-5000 people",
            "budget 1 000 000",
            "population 12.500.000",
            "ratio 3.14159265",
            "ISO3166 and A1234567B codes",
            "between 10 and 25 participants",
            "12 to 18 months",
        ] {
            assert_eq!(find_contact_detail(text), None, "{text}");
        }
    }

    #[test]
    fn contact_details_in_json_are_found_with_their_path() {
        let rules = json!({"minAge": 18, "notes": ["ok", "call 0301234567"]});
        assert_eq!(
            refused_field(refuse_contact_details_in_json(
                "input.eligibilityRules",
                &rules
            )),
            "input.eligibilityRules.notes[1]"
        );
        assert!(refuse_contact_details_in_json("input.eligibilityRules", &json!({"a": 1})).is_ok());
    }
}
