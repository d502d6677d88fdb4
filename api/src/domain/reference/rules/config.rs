//! The shape of each program type's configuration (`program_templates.default_config`): the
//! keys a mentorship, language, buddy, upskilling or WEEI program takes, what each may hold,
//! and the check that refuses anything else at the offending key.

use entity::enums::ProgramType;
use serde_json::{Map, Value};

use crate::domain::reference::rules::language_code;
use crate::error::{AppError, AppResult};

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
    use crate::domain::validate::refused_field;
    use entity::json::ProgramConfig;
    use serde_json::json;

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
            refused_field(program_config(program_type, &config, "input.defaultConfig"))
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
