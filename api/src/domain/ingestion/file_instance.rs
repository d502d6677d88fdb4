//! The program instance of an imported file, named by its Kintell program id rather than by a
//! platform id: an export of a Kintell program that the platform does not know yet creates
//! its Kintell instance ([`crate::domain::instances::kintell`]) from the file itself — the
//! program type from the file's program label, the dates from the earliest and latest session
//! time in the file (scheduled or completed; today when no row carries one). A program the
//! platform knows already (a Kintell instance with that id) is simply used, so the next
//! export of the same program lands in the same instance.
//!
//! The dates need one more pass over the file before the import, made only when the instance
//! is to be created; rows that cannot be read are left out of it, as the import rejects them.

use std::collections::BTreeMap;
use std::io::Read;

use chrono::NaiveDate;
use csv::StringRecord;
use uuid::Uuid;

use crate::domain::ingestion::csv_file::{self, Columns, Survey};
use crate::domain::ingestion::rows::parse_timestamp;
use crate::domain::instances::kintell::{
    KINTELL, NewKintellInstance, create_kintell, kintell_instance,
};
use crate::domain::write::Write;
use crate::error::AppResult;

/// A file's Kintell program: used when known, created from the file when not.
#[derive(Clone, Debug)]
pub struct KintellProgram {
    /// Kintell's id of the program (`externalSystemId` of its instance).
    pub external_system_id: String,
    /// The instance's name when it is created.
    pub name: String,
}

/// The earliest and latest day a session of the file is scheduled or completed, in UTC.
pub fn session_days<R: Read>(
    file: R,
    survey: &Survey,
    column_mapping: &BTreeMap<String, String>,
) -> Option<(NaiveDate, NaiveDate)> {
    let mut records = csv_file::open(file, survey);
    let columns = Columns::resolve(records.headers().ok()?, column_mapping).ok()?;
    let mut record = StringRecord::new();
    let mut row_number = 0;
    let mut days: Option<(NaiveDate, NaiveDate)> = None;
    while records.read_record(&mut record).ok()? {
        row_number += 1;
        let row = columns.read(row_number, &record).row;
        let times = [row.scheduled_at, row.completed_at];
        for day in times
            .iter()
            .flatten()
            .filter_map(|text| parse_timestamp(text))
            .map(|at| at.date_naive())
        {
            days = Some(match days {
                Some((first, last)) => (first.min(day), last.max(day)),
                None => (day, day),
            });
        }
    }
    days
}

/// The id of `program`'s Kintell instance, creating it (as a `label` program over `days`)
/// when the platform does not know it yet.
pub async fn instance_of_program(
    write: &mut Write,
    program: &KintellProgram,
    label: &str,
    days: Option<(NaiveDate, NaiveDate)>,
) -> AppResult<Uuid> {
    let known = kintell_instance(write, &program.external_system_id).await?;
    if let Some(instance) = known {
        return Ok(instance.id);
    }
    let today = write.now().date_naive();
    let (start_date, end_date) = match days {
        Some((first, last)) => (first, (last > first).then_some(last)),
        None => (today, None),
    };
    let created = create_kintell(
        write,
        NewKintellInstance {
            name: program.name.clone(),
            external_system: KINTELL.to_owned(),
            external_system_id: program.external_system_id.clone(),
            program_type: label.to_owned(),
            start_date,
            end_date,
            status: None,
            description: None,
        },
    )
    .await?;
    Ok(created.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_days_span_every_readable_session_time_of_the_file() {
        let text = "session_id,session_type,volunteer_email,participant_email,scheduled_at,completed_at\n\
                    1,buddy,a@x.org,b@x.org,2025-03-09 10:00,\n\
                    2,buddy,a@x.org,b@x.org,,2025-02-27T23:30:00-02:00\n\
                    3,buddy,a@x.org,b@x.org,not a date,2025-04-01 08:00\n";
        let survey = csv_file::survey(&mut text.as_bytes()).unwrap();
        let days = session_days(text.as_bytes(), &survey, &BTreeMap::new());
        assert_eq!(
            days,
            Some((
                NaiveDate::from_ymd_opt(2025, 2, 28).unwrap(),
                NaiveDate::from_ymd_opt(2025, 4, 1).unwrap()
            ))
        );
        let header_only = "session_id,session_type,volunteer_email,participant_email\n";
        let survey = csv_file::survey(&mut header_only.as_bytes()).unwrap();
        assert_eq!(
            session_days(header_only.as_bytes(), &survey, &BTreeMap::new()),
            None
        );
    }
}
