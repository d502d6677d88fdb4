//! Reading a Kintell export file (DESIGN.md, "Kintell export format") without holding it in
//! memory. A first pass ([`survey`]) reads the raw bytes once, in 64 KiB blocks: it computes
//! the file's SHA-256, tells its encoding (UTF-8 with a BOM, valid UTF-8, otherwise
//! Windows-1252), refuses empty and binary files, and picks the delimiter (`,`, `;` or tab)
//! from the header line. A second pass ([`CsvFile::open`]) decodes the bytes to UTF-8 as they
//! stream (`encoding_rs_io`) into the `csv` crate's reader, whose header the column mapping
//! resolves ([`Columns`]) and whose records become [`FileRow`]s.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use csv::StringRecord;
use encoding_rs_io::{DecodeReaderBytes, DecodeReaderBytesBuilder};
use sha2::{Digest, Sha256};

use crate::domain::ingestion::rows::{RowProblem, SessionRow};

/// Bytes read at a time by the first pass.
const BLOCK: usize = 64 * 1024;

/// The text encodings a Kintell export comes in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    Utf8WithBom,
    Windows1252,
}

impl TextEncoding {
    /// The name stored in the batch's `csvMetadata.encoding`.
    pub fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Utf8WithBom => "utf-8-bom",
            TextEncoding::Windows1252 => "windows-1252",
        }
    }
}

/// What the first pass learnt of a file. `refusal` says why the file cannot be imported at
/// all (empty, binary); the hash and size are known even then, so the refusal can be
/// recorded on a batch of its own.
#[derive(Clone, Debug)]
pub struct Survey {
    pub sha256: String,
    pub size_bytes: u64,
    pub encoding: TextEncoding,
    pub delimiter: u8,
    pub refusal: Option<String>,
}

/// Reads `file` to its end once: hash, size, encoding, delimiter, and whether it is text.
pub fn survey(file: &mut impl Read) -> std::io::Result<Survey> {
    let mut hasher = Sha256::new();
    let mut block = vec![0u8; BLOCK];
    let mut size_bytes: u64 = 0;
    // The first line (at most one block), for the BOM and the delimiter.
    let mut head: Vec<u8> = Vec::new();
    // UTF-8 is checked block by block; a character cut by a block boundary waits here.
    let mut pending: Vec<u8> = Vec::new();
    let mut valid_utf8 = true;
    let mut binary = false;
    loop {
        let read = file.read(&mut block)?;
        if read == 0 {
            break;
        }
        let bytes = &block[..read];
        hasher.update(bytes);
        size_bytes += read as u64;
        if head.len() < BLOCK && !head.contains(&b'\n') {
            head.extend_from_slice(&bytes[..read.min(BLOCK - head.len())]);
        }
        // Text never holds C0 controls other than tab, line ends and form feed.
        binary |= bytes
            .iter()
            .any(|&byte| byte < 0x20 && !matches!(byte, b'\t' | b'\n' | b'\r' | 0x0c));
        if valid_utf8 {
            pending.extend_from_slice(bytes);
            match std::str::from_utf8(&pending) {
                Ok(_) => pending.clear(),
                Err(error) if error.error_len().is_none() => {
                    pending.drain(..error.valid_up_to());
                }
                Err(_) => valid_utf8 = false,
            }
        }
    }
    valid_utf8 &= pending.is_empty();
    let with_bom = head.starts_with(b"\xEF\xBB\xBF");
    let encoding = match (with_bom, valid_utf8) {
        (true, _) => TextEncoding::Utf8WithBom,
        (false, true) => TextEncoding::Utf8,
        (false, false) => TextEncoding::Windows1252,
    };
    let text = if with_bom { &head[3..] } else { &head[..] };
    let first_line = text.split(|&byte| byte == b'\n').next().unwrap_or_default();
    let refusal = if binary {
        Some("the file is binary, not a CSV text file".to_owned())
    } else if text.iter().all(u8::is_ascii_whitespace) {
        Some("the file is empty: a Kintell export starts with a header row".to_owned())
    } else {
        None
    };
    Ok(Survey {
        sha256: hasher
            .finalize()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect(),
        size_bytes,
        encoding,
        delimiter: delimiter_of(first_line),
        refusal,
    })
}

/// The delimiter the header line uses most often outside quotes (`,` when it has none).
fn delimiter_of(line: &[u8]) -> u8 {
    let mut counts = [(b',', 0), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for &byte in line {
        if byte == b'"' {
            quoted = !quoted;
        } else if !quoted && let Some(count) = counts.iter_mut().find(|(d, _)| *d == byte) {
            count.1 += 1;
        }
    }
    counts
        .iter()
        .fold((b',', 0), |best, &candidate| {
            if candidate.1 > best.1 {
                candidate
            } else {
                best
            }
        })
        .0
}

/// A platform field a Kintell column maps to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    SessionId,
    SessionType,
    VolunteerEmail,
    VolunteerName,
    ParticipantEmail,
    ParticipantName,
    ScheduledAt,
    CompletedAt,
    DurationMinutes,
    Rating,
    Feedback,
    LanguageLevel,
    Topics,
}

/// The default column names of a Kintell export, and the field each maps to.
pub const DEFAULT_COLUMNS: &[(&str, Field)] = &[
    ("session_id", Field::SessionId),
    ("session_type", Field::SessionType),
    ("volunteer_email", Field::VolunteerEmail),
    ("volunteer_name", Field::VolunteerName),
    ("participant_email", Field::ParticipantEmail),
    ("participant_name", Field::ParticipantName),
    ("scheduled_at", Field::ScheduledAt),
    ("completed_at", Field::CompletedAt),
    ("duration_minutes", Field::DurationMinutes),
    ("rating", Field::Rating),
    ("feedback", Field::Feedback),
    ("language_level", Field::LanguageLevel),
    ("topics", Field::Topics),
];

/// What a column mapping may map a column to besides a default column name: nothing.
pub const IGNORED_COLUMN: &str = "ignore";

const REQUIRED: [Field; 4] = [
    Field::SessionId,
    Field::SessionType,
    Field::VolunteerEmail,
    Field::ParticipantEmail,
];

fn field_named(name: &str) -> Option<Field> {
    DEFAULT_COLUMNS
        .iter()
        .find(|(column, _)| *column == name)
        .map(|(_, field)| *field)
}

/// Where each field sits in a file's records, resolved from its header row.
#[derive(Clone, Debug)]
pub struct Columns {
    pub header: Vec<String>,
    index: HashMap<Field, usize>,
}

impl Columns {
    /// Resolves `header` through `mapping` (a file column → a default column name, or
    /// `ignore`; unmapped columns keep their own name): the reason the file is refused when a
    /// column is unknown or repeated, or a required one is missing.
    pub fn resolve(
        header: &StringRecord,
        mapping: &BTreeMap<String, String>,
    ) -> Result<Columns, String> {
        let header: Vec<String> = header.iter().map(|name| name.trim().to_owned()).collect();
        let mut index = HashMap::new();
        let mut unknown = Vec::new();
        for (position, name) in header.iter().enumerate() {
            let target = mapping.get(name).map_or(name.as_str(), String::as_str);
            if target == IGNORED_COLUMN {
                continue;
            }
            match field_named(target) {
                Some(field) => {
                    if index.insert(field, position).is_some() {
                        return Err(format!("two columns of the header row map to {target:?}"));
                    }
                }
                None => unknown.push(name.clone()),
            }
        }
        if index.is_empty() {
            return Err(
                "the file has no header row: its first line names none of the Kintell columns \
                 (session_id, session_type, volunteer_email, participant_email, …)"
                    .to_owned(),
            );
        }
        if !unknown.is_empty() {
            return Err(format!(
                "unknown column(s) {unknown:?} in the header row; map them to a Kintell column \
                 or to \"{IGNORED_COLUMN}\" with the column mapping"
            ));
        }
        let missing: Vec<&str> = DEFAULT_COLUMNS
            .iter()
            .filter(|(_, field)| REQUIRED.contains(field) && !index.contains_key(field))
            .map(|(name, _)| *name)
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "the header row lacks the required column(s) {missing:?}"
            ));
        }
        Ok(Columns { header, index })
    }

    fn cell<'r>(&self, record: &'r StringRecord, field: Field) -> Option<&'r str> {
        self.index
            .get(&field)
            .and_then(|&position| record.get(position))
            .map(str::trim)
            .filter(|cell| !cell.is_empty())
    }

    /// Record `row_number` (1 for the first row under the header) as a session row and the
    /// two people it names; a row that cannot be read carries its problem.
    pub fn read(&self, row_number: i32, record: &StringRecord) -> FileRow {
        let cell = |field| self.cell(record, field).map(str::to_owned);
        let mut row = SessionRow {
            row_number,
            external_session_id: cell(Field::SessionId).unwrap_or_default(),
            scheduled_at: cell(Field::ScheduledAt),
            completed_at: cell(Field::CompletedAt),
            rating: cell(Field::Rating),
            feedback_text: cell(Field::Feedback),
            language_level: cell(Field::LanguageLevel),
            topics: cell(Field::Topics).map(|topics| {
                topics
                    .split('|')
                    .map(|topic| topic.trim().to_owned())
                    .filter(|topic| !topic.is_empty())
                    .collect()
            }),
            ..SessionRow::default()
        };
        let person = |email: Field, name: Field| Person {
            email: cell(email).map(|email| email.to_lowercase()),
            name: cell(name),
        };
        let volunteer = person(Field::VolunteerEmail, Field::VolunteerName);
        let participant = person(Field::ParticipantEmail, Field::ParticipantName);
        row.unreadable = if record.len() != self.header.len() {
            Some(RowProblem::new(
                "wrong_field_count",
                "row",
                format!(
                    "the row has {} fields; the header row has {}",
                    record.len(),
                    self.header.len()
                ),
            ))
        } else {
            self.problem_of(&mut row, record, &volunteer, &participant)
        };
        FileRow {
            row,
            session_type: cell(Field::SessionType),
            volunteer,
            participant,
            record: record.clone(),
        }
    }

    fn problem_of(
        &self,
        row: &mut SessionRow,
        record: &StringRecord,
        volunteer: &Person,
        participant: &Person,
    ) -> Option<RowProblem> {
        if let Some(text) = self.cell(record, Field::DurationMinutes) {
            match text.parse::<i32>() {
                Ok(minutes) => row.duration_minutes = Some(minutes),
                Err(_) => {
                    return Some(RowProblem::new(
                        "invalid_value",
                        "duration_minutes",
                        format!("{text:?} is not a whole number of minutes"),
                    ));
                }
            }
        }
        for (person, field) in [
            (volunteer, "volunteer_email"),
            (participant, "participant_email"),
        ] {
            match &person.email {
                None => {
                    return Some(RowProblem::new(
                        "missing_field",
                        field,
                        "the e-mail address is missing",
                    ));
                }
                Some(email) if !is_email(email) => {
                    return Some(RowProblem::new(
                        "invalid_value",
                        field,
                        format!("{email:?} is not an e-mail address"),
                    ));
                }
                Some(_) => {}
            }
        }
        None
    }
}

/// A plausible address: one `@` with text on both sides and a dot in the domain, at most the
/// 255 characters `users.email` holds.
fn is_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.contains('@')
                && !text.contains(char::is_whitespace)
                && text.chars().count() <= 255
        }
        None => false,
    }
}

/// Someone a row names: an e-mail address (lowercased) and a display name.
#[derive(Clone, Debug, Default)]
pub struct Person {
    pub email: Option<String>,
    pub name: Option<String>,
}

/// One record of the file: the session row it reads as, its `session_type` cell, the two
/// people it names, and the record itself (for the error file).
#[derive(Clone, Debug)]
pub struct FileRow {
    pub row: SessionRow,
    pub session_type: Option<String>,
    pub volunteer: Person,
    pub participant: Person,
    pub record: StringRecord,
}

/// The second pass over a surveyed file: records decoded to UTF-8 as they stream.
pub type CsvFile<R> = csv::Reader<DecodeReaderBytes<R, Vec<u8>>>;

/// Opens the record reader of `file` (read from its start) as `survey` found it. Records may
/// differ in length from the header (the row is then rejected, not the file).
pub fn open<R: Read>(file: R, survey: &Survey) -> CsvFile<R> {
    let encoding = match survey.encoding {
        TextEncoding::Utf8 | TextEncoding::Utf8WithBom => encoding_rs::UTF_8,
        TextEncoding::Windows1252 => encoding_rs::WINDOWS_1252,
    };
    let decoded = DecodeReaderBytesBuilder::new()
        .encoding(Some(encoding))
        .build(file);
    csv::ReaderBuilder::new()
        .delimiter(survey.delimiter)
        .flexible(true)
        .from_reader(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_survey_tells_encoding_delimiter_and_refusals() {
        let utf8 = survey(&mut "session_id;session_type\n1;buddy\n".as_bytes()).unwrap();
        assert_eq!(
            (utf8.encoding, utf8.delimiter, utf8.refusal),
            (TextEncoding::Utf8, b';', None)
        );
        let bom = survey(&mut &b"\xEF\xBB\xBFa\tb,c\tx\n"[..]).unwrap();
        assert_eq!(
            (bom.encoding, bom.delimiter),
            (TextEncoding::Utf8WithBom, b'\t')
        );
        let latin = survey(&mut &b"name,\"a;b;c\"\nJos\xe9,1\n"[..]).unwrap();
        assert_eq!(
            (latin.encoding, latin.delimiter),
            (TextEncoding::Windows1252, b',')
        );
        assert!(survey(&mut &b""[..]).unwrap().refusal.is_some());
        assert!(
            survey(&mut &b"\x89PNG\r\n\x1a\n\x00\x00"[..])
                .unwrap()
                .refusal
                .is_some()
        );
        assert_eq!(
            survey(&mut &b""[..]).unwrap().sha256,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn the_header_is_resolved_through_the_mapping() {
        let header = StringRecord::from(vec![
            "id",
            "session_type",
            "volunteer_email",
            "participant_email",
            "notes",
        ]);
        let mut mapping = BTreeMap::new();
        assert!(
            Columns::resolve(&header, &mapping)
                .unwrap_err()
                .contains("unknown")
        );
        mapping.insert("id".to_owned(), "session_id".to_owned());
        mapping.insert("notes".to_owned(), IGNORED_COLUMN.to_owned());
        let columns = Columns::resolve(&header, &mapping).unwrap();
        let row = columns.read(
            1,
            &StringRecord::from(vec!["KS-1", "buddy", "V@X.org", "p@x.org", "hi"]),
        );
        assert_eq!(row.row.external_session_id, "KS-1");
        assert_eq!(row.volunteer.email.as_deref(), Some("v@x.org"));
        assert!(row.row.unreadable.is_none());
        let short = columns.read(2, &StringRecord::from(vec!["KS-2", "buddy"]));
        assert_eq!(short.row.unreadable.unwrap().kind, "wrong_field_count");
        let data = StringRecord::from(vec!["KS-1", "buddy", "v@x.org"]);
        assert!(
            Columns::resolve(&data, &BTreeMap::new())
                .unwrap_err()
                .contains("no header")
        );
    }
}
