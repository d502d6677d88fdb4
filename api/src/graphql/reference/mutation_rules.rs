//! The rules reference data must satisfy, as plain functions: country and language codes,
//! the contact-detail detector that keeps beneficiary groups free of personal data, semantic
//! versions of program templates, and the shape of each program type's configuration.
//!
//! Code lists come from maintained crates rather than tables of our own: `rust_iso3166`
//! (ISO 3166-1, data from Debian's iso-codes) and `isolang` (ISO 639). Versions follow
//! Semantic Versioning 2.0 through the `semver` crate.

use std::cmp::Ordering;
use std::collections::HashSet;

use entity::enums::ProgramType;
use semver::Version;
use serde_json::{Map, Value};

use crate::error::{AppError, AppResult};

// ---------------------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------------------

/// `text` trimmed; `BAD_USER_INPUT` on `field` when it is empty or longer than `max_chars`.
pub fn required_text(field: &str, text: &str, max_chars: usize) -> AppResult<String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(AppError::bad_input(field, "must not be empty"));
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

/// Every item trimmed and non-empty, duplicates dropped (first occurrence kept).
pub fn text_list(field: &str, items: &[String], max_chars: usize) -> AppResult<Vec<String>> {
    let mut seen = HashSet::new();
    let mut list = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let item = required_text(&format!("{field}[{index}]"), item, max_chars)?;
        if seen.insert(item.clone()) {
            list.push(item);
        }
    }
    Ok(list)
}

/// `items` without repeats, in first-seen order (for lists of enum values).
pub fn distinct<T: Copy + PartialEq>(items: &[T]) -> Vec<T> {
    let mut list: Vec<T> = Vec::with_capacity(items.len());
    for item in items {
        if !list.contains(item) {
            list.push(*item);
        }
    }
    list
}

// ---------------------------------------------------------------------------------------------
// Country and language codes
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Contact details
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Semantic versions
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Program configuration shapes
// ---------------------------------------------------------------------------------------------

/// What one configuration key may hold.
#[derive(Clone, Copy, Debug)]
enum Shape {
    /// Any non-empty text.
    Text,
    /// One of these texts.
    OneOf(&'static [&'static str]),
    /// An `http(s)://` URL.
    Url,
    /// A whole number in this range.
    Int(i64, i64),
    /// A number in this range.
    Number(f64, f64),
    Bool,
    /// A list of non-empty texts.
    TextList,
    /// A list of these texts.
    OneOfList(&'static [&'static str]),
    /// A list of ISO 639-1 codes.
    LanguageList,
    /// An object of text keys to URLs.
    UrlMap,
    /// A nested object with these keys.
    Object(&'static [(&'static str, Shape)]),
}

const FREQUENCIES: &[&str] = &["weekly", "bi-weekly", "monthly"];
const MAX_WEEKS: i64 = 104;
const MAX_AMOUNT: f64 = 1e9;

const MENTOR_REQUIREMENTS: &[(&str, Shape)] = &[
    ("minExperience", Shape::Int(0, 60)),
    ("industries", Shape::TextList),
    ("languages", Shape::LanguageList),
    ("certifications", Shape::TextList),
];

const MENTORSHIP: &[(&str, Shape)] = &[
    (
        "sessionFormat",
        Shape::OneOf(&["1-on-1", "group", "hybrid"]),
    ),
    ("sessionDuration", Shape::Int(15, 480)),
    (
        "sessionFrequency",
        Shape::OneOf(&["weekly", "bi-weekly", "monthly", "flexible"]),
    ),
    ("totalDuration", Shape::Int(1, MAX_WEEKS)),
    ("totalSessionsRecommended", Shape::Int(1, 1000)),
    ("matchingCriteria", Shape::TextList),
    ("autoMatching", Shape::Bool),
    ("focusAreas", Shape::TextList),
    ("outcomesTracked", Shape::TextList),
    ("mentorRequirements", Shape::Object(MENTOR_REQUIREMENTS)),
    ("onboardingMaterialsUrl", Shape::Url),
    ("sessionGuidelinesUrl", Shape::Url),
];

const LANGUAGE: &[(&str, Shape)] = &[
    ("classSizeMin", Shape::Int(1, 50)),
    ("classSizeMax", Shape::Int(1, 50)),
    ("sessionDuration", Shape::Int(30, 480)),
    ("sessionsPerWeek", Shape::Int(1, 7)),
    ("totalWeeks", Shape::Int(1, MAX_WEEKS)),
    (
        "proficiencyLevels",
        Shape::OneOfList(&["A1", "A2", "B1", "B2", "C1", "C2"]),
    ),
    ("targetLanguages", Shape::LanguageList),
    (
        "deliveryMode",
        Shape::OneOf(&["in-person", "online", "hybrid"]),
    ),
    ("platform", Shape::Text),
    ("curriculumFocus", Shape::TextList),
    (
        "assessmentFrequency",
        Shape::OneOf(&["weekly", "bi-weekly", "monthly", "end-of-course"]),
    ),
    ("certificationOffered", Shape::Bool),
    ("textbookRequired", Shape::Bool),
    ("textbookTitle", Shape::Text),
    ("materialsUrl", Shape::Url),
];

const BUDDY: &[(&str, Shape)] = &[
    (
        "matchMethod",
        Shape::OneOf(&["skill_based", "random", "interest_based", "manual"]),
    ),
    ("pairDuration", Shape::Int(1, MAX_WEEKS)),
    ("allowGroupBuddies", Shape::Bool),
    ("maxBuddiesPerVolunteer", Shape::Int(1, 10)),
    ("checkInFrequency", Shape::OneOf(FREQUENCIES)),
    (
        "checkInFormat",
        Shape::OneOf(&["survey", "call", "meeting", "flexible"]),
    ),
    ("requiredCheckIns", Shape::Int(0, 1000)),
    ("suggestedActivities", Shape::TextList),
    ("mandatoryActivities", Shape::TextList),
    ("activityTracking", Shape::Bool),
    ("primaryGoals", Shape::TextList),
    ("buddyTrainingRequired", Shape::Bool),
    ("buddyTrainingUrl", Shape::Url),
    ("ongoingSupportUrl", Shape::Url),
];

const UPSKILLING: &[(&str, Shape)] = &[
    (
        "coursePlatforms",
        Shape::OneOfList(&[
            "linkedin_learning",
            "coursera",
            "udemy",
            "pluralsight",
            "custom",
        ]),
    ),
    ("platformUrls", Shape::UrlMap),
    ("skillTracks", Shape::TextList),
    (
        "difficultyLevels",
        Shape::OneOfList(&["beginner", "intermediate", "advanced"]),
    ),
    ("certificationRequired", Shape::Bool),
    ("certificationProvider", Shape::Text),
    ("minimumCompletionRate", Shape::Number(0.0, 100.0)),
    ("timeToComplete", Shape::Int(1, MAX_WEEKS)),
    ("milestones", Shape::TextList),
    ("progressTrackingFrequency", Shape::OneOf(FREQUENCIES)),
    ("mentorSupport", Shape::Bool),
    ("peerGroupsEnabled", Shape::Bool),
    ("officeHoursUrl", Shape::Url),
    ("maxCostPerParticipant", Shape::Number(0.0, MAX_AMOUNT)),
    ("stipendProvided", Shape::Bool),
    ("stipendAmount", Shape::Number(0.0, MAX_AMOUNT)),
];

const WEEI: &[(&str, Shape)] = &[
    (
        "programType",
        Shape::OneOf(&[
            "internship",
            "apprenticeship",
            "job_placement",
            "work_experience",
            "mixed",
        ]),
    ),
    ("duration", Shape::Int(1, MAX_WEEKS)),
    ("hoursPerWeek", Shape::Number(1.0, 80.0)),
    (
        "placementType",
        Shape::OneOf(&["internal", "external_partner", "mixed"]),
    ),
    ("partnerOrganizations", Shape::TextList),
    ("industries", Shape::TextList),
    ("skillsRequired", Shape::TextList),
    ("skillsDeveloped", Shape::TextList),
    ("jobCoachProvided", Shape::Bool),
    ("jobCoachHours", Shape::Number(0.0, 10_000.0)),
    ("cvReviewProvided", Shape::Bool),
    ("interviewPrepProvided", Shape::Bool),
    ("targetOutcomes", Shape::TextList),
    ("successMetrics", Shape::TextList),
    ("compensated", Shape::Bool),
    ("compensationAmount", Shape::Number(0.0, MAX_AMOUNT)),
    (
        "compensationType",
        Shape::OneOf(&["hourly", "monthly", "stipend"]),
    ),
];

fn shape_of(program_type: ProgramType) -> (&'static str, &'static [(&'static str, Shape)]) {
    match program_type {
        ProgramType::Mentorship => ("mentorship", MENTORSHIP),
        ProgramType::Language => ("language", LANGUAGE),
        ProgramType::Buddy => ("buddy", BUDDY),
        ProgramType::Upskilling => ("upskilling", UPSKILLING),
        ProgramType::Weei => ("weei", WEEI),
    }
}

/// Checks `config` against the configuration shape of `program_type` and returns it as it
/// is stored: the same object without its `null` entries. A key the shape does not know, a
/// value of the wrong type or outside its range, and a class size minimum above its maximum
/// are `BAD_USER_INPUT` naming the key's path under `field` (`input.defaultConfig.sessionFormat`).
pub fn program_config(program_type: ProgramType, config: &Value, field: &str) -> AppResult<Value> {
    let (type_name, fields) = shape_of(program_type);
    let Value::Object(entries) = config else {
        return Err(AppError::bad_input(
            field,
            format!("must be an object: the configuration of a {type_name} program"),
        ));
    };
    let checked = object(
        entries,
        fields,
        field,
        &format!("a {type_name} configuration"),
    )?;
    if program_type == ProgramType::Language {
        let size = |key: &str| checked.get(key).and_then(Value::as_i64);
        if let (Some(min), Some(max)) = (size("classSizeMin"), size("classSizeMax"))
            && min > max
        {
            return Err(AppError::bad_input(
                format!("{field}.classSizeMin"),
                format!("must not exceed classSizeMax ({max})"),
            ));
        }
    }
    Ok(Value::Object(checked))
}

fn object(
    entries: &Map<String, Value>,
    fields: &'static [(&'static str, Shape)],
    field: &str,
    what: &str,
) -> AppResult<Map<String, Value>> {
    let mut checked = Map::new();
    for (key, value) in entries {
        let path = format!("{field}.{key}");
        let Some((_, shape)) = fields.iter().find(|(name, _)| name == key) else {
            let known: Vec<&str> = fields.iter().map(|(name, _)| *name).collect();
            return Err(AppError::bad_input(
                path,
                format!(
                    "is not a field of {what}; its fields are {}",
                    known.join(", ")
                ),
            ));
        };
        if value.is_null() {
            continue;
        }
        checked.insert(key.clone(), shaped(value, *shape, &path)?);
    }
    Ok(checked)
}

fn shaped(value: &Value, shape: Shape, path: &str) -> AppResult<Value> {
    let refuse = |message: String| Err(AppError::bad_input(path, message));
    match shape {
        Shape::Text => match value.as_str().map(str::trim) {
            Some(text) if !text.is_empty() => Ok(Value::from(text)),
            _ => refuse("must be a non-empty text".to_owned()),
        },
        Shape::OneOf(allowed) => match value.as_str() {
            Some(text) if allowed.contains(&text) => Ok(value.clone()),
            _ => refuse(format!("must be one of {}", quoted(allowed))),
        },
        Shape::Url => match value.as_str() {
            Some(text) if is_web_url(text) => Ok(value.clone()),
            _ => refuse("must be an http:// or https:// URL".to_owned()),
        },
        Shape::Int(min, max) => match value.as_i64() {
            Some(number) if (min..=max).contains(&number) => Ok(value.clone()),
            _ => refuse(format!("must be a whole number from {min} to {max}")),
        },
        Shape::Number(min, max) => match value.as_f64() {
            Some(number) if (min..=max).contains(&number) => Ok(value.clone()),
            _ => refuse(format!("must be a number from {min} to {max}")),
        },
        Shape::Bool => match value {
            Value::Bool(_) => Ok(value.clone()),
            _ => refuse("must be true or false".to_owned()),
        },
        Shape::TextList | Shape::OneOfList(_) | Shape::LanguageList => {
            let Value::Array(items) = value else {
                return refuse("must be a list".to_owned());
            };
            let item_shape = match shape {
                Shape::OneOfList(allowed) => Shape::OneOf(allowed),
                _ => Shape::Text,
            };
            let mut list = Vec::with_capacity(items.len());
            for (index, item) in items.iter().enumerate() {
                let item_path = format!("{path}[{index}]");
                let item = shaped(item, item_shape, &item_path)?;
                if matches!(shape, Shape::LanguageList) {
                    let code = item.as_str().and_then(language_code).ok_or_else(|| {
                        AppError::bad_input(&item_path, "must be an ISO 639-1 language code")
                    })?;
                    list.push(Value::from(code));
                } else {
                    list.push(item);
                }
            }
            Ok(Value::Array(list))
        }
        Shape::UrlMap => {
            let Value::Object(entries) = value else {
                return refuse("must be an object of names to URLs".to_owned());
            };
            let mut checked = Map::new();
            for (key, url) in entries {
                checked.insert(
                    key.clone(),
                    shaped(url, Shape::Url, &format!("{path}.{key}"))?,
                );
            }
            Ok(Value::Object(checked))
        }
        Shape::Object(fields) => match value {
            Value::Object(entries) => {
                object(entries, fields, path, "this object").map(Value::Object)
            }
            _ => refuse("must be an object".to_owned()),
        },
    }
}

fn quoted(values: &[&str]) -> String {
    values
        .iter()
        .map(|value| format!("{value:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An absolute `http://` or `https://` URL with a host and no whitespace.
pub fn is_web_url(text: &str) -> bool {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"));
    match rest {
        Some(rest) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
            !host.is_empty() && text.len() <= 2048 && !text.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use entity::json::ProgramConfig;
    use serde_json::json;

    fn field_of(error: AppError) -> String {
        match error {
            AppError::BadUserInput { field, .. } => field,
            other => panic!("expected BAD_USER_INPUT, got {other:?}"),
        }
    }

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
        assert_eq!(field_of(error.unwrap_err()), "input.primaryLanguages[1]");
    }

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
        let error = refuse_contact_details_in_json("input.eligibilityRules", &rules).unwrap_err();
        assert_eq!(field_of(error), "input.eligibilityRules.notes[1]");
        assert!(refuse_contact_details_in_json("input.eligibilityRules", &json!({"a": 1})).is_ok());
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
    fn text_is_trimmed_and_bounded() {
        assert_eq!(required_text("input.name", "  Acme ", 10).unwrap(), "Acme");
        assert_eq!(
            field_of(required_text("input.name", "  ", 10).unwrap_err()),
            "input.name"
        );
        assert!(required_text("input.name", "ééééé", 5).is_ok());
        assert!(required_text("input.name", "ééééé!", 5).is_err());
        assert_eq!(optional_text("input.city", Some(" "), 5).unwrap(), None);
        let tags = text_list("input.tags", &["a".into(), " a ".into(), "b".into()], 10);
        assert_eq!(tags.unwrap(), ["a", "b"]);
        let error = text_list("input.tags", &["a".into(), "".into()], 10).unwrap_err();
        assert_eq!(field_of(error), "input.tags[1]");
    }

    /// A value of every key of a shape, accepted by the shape.
    fn sample(fields: &[(&str, Shape)]) -> Value {
        let mut object = Map::new();
        for (key, shape) in fields {
            let value = match shape {
                Shape::Text => json!("text"),
                Shape::OneOf(allowed) => json!(allowed[0]),
                Shape::Url => json!("https://example.org/guide"),
                Shape::Int(min, _) => json!(min),
                Shape::Number(_, max) => json!(max),
                Shape::Bool => json!(true),
                Shape::TextList => json!(["one", "two"]),
                Shape::OneOfList(allowed) => json!(allowed),
                Shape::LanguageList => json!(["en", "uk"]),
                Shape::UrlMap => json!({"portal": "https://example.org"}),
                Shape::Object(fields) => sample(fields),
            };
            object.insert((*key).to_owned(), value);
        }
        Value::Object(object)
    }

    #[test]
    fn every_shape_key_is_a_field_of_the_typed_configuration() {
        for program_type in [
            ProgramType::Mentorship,
            ProgramType::Language,
            ProgramType::Buddy,
            ProgramType::Upskilling,
            ProgramType::Weei,
        ] {
            let (_, fields) = shape_of(program_type);
            let full = sample(fields);
            let checked = program_config(program_type, &full, "input.defaultConfig").unwrap();
            assert_eq!(checked, full);
            // The typed struct drops keys it does not know: a round trip that keeps every key
            // shows the shape and the struct agree.
            let typed = ProgramConfig::from_json(program_type, &checked).unwrap();
            assert_eq!(typed.to_json(), full, "{program_type:?}");
        }
    }

    #[test]
    fn a_configuration_is_refused_at_the_offending_key() {
        let check = |program_type, config: Value| {
            field_of(program_config(program_type, &config, "input.defaultConfig").unwrap_err())
        };
        use ProgramType::*;
        assert_eq!(check(Mentorship, json!([])), "input.defaultConfig");
        assert_eq!(
            check(Mentorship, json!({"sessionFormat": "1:1"})),
            "input.defaultConfig.sessionFormat"
        );
        assert_eq!(
            check(Mentorship, json!({"sessionDuration": "an hour"})),
            "input.defaultConfig.sessionDuration"
        );
        assert_eq!(
            check(Mentorship, json!({"sessionDuration": 60.5})),
            "input.defaultConfig.sessionDuration"
        );
        assert_eq!(
            check(Mentorship, json!({"classSizeMin": 4})),
            "input.defaultConfig.classSizeMin"
        );
        assert_eq!(
            check(
                Mentorship,
                json!({"mentorRequirements": {"languages": ["en", "xx"]}})
            ),
            "input.defaultConfig.mentorRequirements.languages[1]"
        );
        assert_eq!(
            check(Mentorship, json!({"mentorRequirements": {"shoeSize": 42}})),
            "input.defaultConfig.mentorRequirements.shoeSize"
        );
        assert_eq!(
            check(Language, json!({"classSizeMin": 12, "classSizeMax": 4})),
            "input.defaultConfig.classSizeMin"
        );
        assert_eq!(
            check(Language, json!({"proficiencyLevels": ["A1", "D9"]})),
            "input.defaultConfig.proficiencyLevels[1]"
        );
        assert_eq!(
            check(Buddy, json!({"maxBuddiesPerVolunteer": 11})),
            "input.defaultConfig.maxBuddiesPerVolunteer"
        );
        assert_eq!(
            check(Upskilling, json!({"platformUrls": {"coursera": "ftp://x"}})),
            "input.defaultConfig.platformUrls.coursera"
        );
        assert_eq!(
            check(Weei, json!({"hoursPerWeek": 0})),
            "input.defaultConfig.hoursPerWeek"
        );
        assert_eq!(
            check(Weei, json!({"compensated": "yes"})),
            "input.defaultConfig.compensated"
        );
    }

    #[test]
    fn null_entries_are_dropped_and_language_codes_normalized() {
        let checked = program_config(
            ProgramType::Language,
            &json!({"classSizeMin": null, "targetLanguages": ["DE", "uk"]}),
            "input.defaultConfig",
        )
        .unwrap();
        assert_eq!(checked, json!({"targetLanguages": ["de", "uk"]}));
    }

    #[test]
    fn web_urls_need_a_scheme_and_a_host() {
        assert!(is_web_url("https://example.org/a?b=c"));
        assert!(!is_web_url("https:///path"));
        assert!(!is_web_url("example.org"));
        assert!(!is_web_url("https://exa mple.org"));
    }
}
