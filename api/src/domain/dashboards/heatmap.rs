//! The activity heatmap: Kintell sessions completed per weekday × hour of the viewer's
//! timezone, from the sessions of the campaign's program instances.
//!
//! One statement per batch of campaigns (and window and timezone):
//! - **PostgreSQL** converts in SQL (`completed_at AT TIME ZONE $zone`) and groups by the local
//!   ISO weekday and hour: the rows are the cells.
//! - **SQLite** has no timezones. It groups by UTC *15-minute slot* (date, hour, quarter of the
//!   hour) and the few slots that hold sessions are mapped to local time here with `chrono-tz`.
//!   That is exact: every offset in use is a whole number of quarter hours (India +05:30, Nepal
//!   +05:45), so all of a UTC quarter hour falls in one local hour, and the slot keeps its date,
//!   so each slot is converted with the offset in force on that day (daylight saving included).
//!
//! Both backends read the zone from the IANA database (PostgreSQL's own, `chrono-tz`'s here);
//! a name `chrono-tz` does not know is refused before any SQL runs.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult};
use uuid::Uuid;

use crate::domain::dashboards::batch::Binds;
use crate::domain::policy::Reach;
use crate::error::{AppError, AppResult};

/// The sessions completed in one local weekday and hour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    /// ISO weekday: 1 = Monday … 7 = Sunday.
    pub weekday: u32,
    /// Local hour, 0–23.
    pub hour: u32,
    pub sessions: i64,
}

/// The window (`from` inclusive, `to` exclusive, both optional) and the viewer's zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HeatmapArgs {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub timezone: Tz,
}

impl HeatmapArgs {
    /// Validated arguments: a known IANA zone name (exact spelling), `from` not after `to`.
    pub fn new(
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        timezone: &str,
    ) -> AppResult<HeatmapArgs> {
        let timezone = timezone.parse::<Tz>().map_err(|_| {
            AppError::bad_input(
                "timezone",
                "must be an IANA timezone name such as Europe/Berlin",
            )
        })?;
        if let (Some(from), Some(to)) = (from, to)
            && from > to
        {
            return Err(AppError::bad_input("to", "must not be before from"));
        }
        Ok(HeatmapArgs { from, to, timezone })
    }
}

#[derive(Debug, FromQueryResult)]
struct LocalCellRow {
    campaign_id: Uuid,
    weekday: i32,
    hour: i32,
    sessions: i64,
}

#[derive(Debug, FromQueryResult)]
struct UtcSlotRow {
    campaign_id: Uuid,
    /// `YYYY-MM-DD HH` of the slot, UTC.
    utc_hour: String,
    quarter: i32,
    sessions: i64,
}

/// The local weekday and hour of a UTC 15-minute slot.
fn local_cell(utc_hour: &str, quarter: i32, zone: Tz) -> Option<(u32, u32)> {
    let start = NaiveDateTime::parse_from_str(&format!("{utc_hour}:00:00"), "%Y-%m-%d %H:%M:%S")
        .ok()?
        + chrono::Duration::minutes(15 * i64::from(quarter));
    let local = zone.from_utc_datetime(&start);
    Some((local.weekday().number_from_monday(), local.hour()))
}

/// The heatmap cells of `campaigns`, each list ordered by weekday then hour, only cells with
/// sessions.
pub async fn load(
    db: &impl ConnectionTrait,
    campaigns: &[Uuid],
    reach: Reach,
    args: HeatmapArgs,
) -> Result<HashMap<Uuid, Vec<Cell>>, DbErr> {
    let backend = db.get_database_backend();
    let mut binds = Binds::new(backend);
    let restriction = binds.campaigns("i.campaign_id", campaigns, reach);
    let mut window = String::new();
    if let Some(from) = args.from {
        window.push_str(&format!(" AND k.completed_at >= {}", binds.bind(from)));
    }
    if let Some(to) = args.to {
        window.push_str(&format!(" AND k.completed_at < {}", binds.bind(to)));
    }
    let sessions = format!(
        "FROM kintell_sessions k JOIN program_instances i ON i.id = k.program_instance_id
         WHERE {restriction} AND k.completed_at IS NOT NULL{window}"
    );
    let mut grouped: HashMap<Uuid, BTreeMap<(u32, u32), i64>> = HashMap::new();
    match backend {
        DbBackend::Postgres => {
            let zone = binds.bind(args.timezone.name());
            let local = format!("(k.completed_at AT TIME ZONE {zone})");
            let sql = format!(
                "SELECT i.campaign_id, CAST(EXTRACT(ISODOW FROM {local}) AS INTEGER) AS weekday,
                        CAST(EXTRACT(HOUR FROM {local}) AS INTEGER) AS hour, COUNT(*) AS sessions
                 {sessions}
                 GROUP BY 1, 2, 3"
            );
            for row in LocalCellRow::find_by_statement(binds.statement(sql))
                .all(db)
                .await?
            {
                let (Ok(weekday), Ok(hour)) = (u32::try_from(row.weekday), u32::try_from(row.hour))
                else {
                    continue;
                };
                *grouped
                    .entry(row.campaign_id)
                    .or_default()
                    .entry((weekday, hour))
                    .or_default() += row.sessions;
            }
        }
        _ => {
            let sql = format!(
                "SELECT i.campaign_id, strftime('%Y-%m-%d %H', k.completed_at) AS utc_hour,
                        CAST(strftime('%M', k.completed_at) AS INTEGER) / 15 AS quarter,
                        COUNT(*) AS sessions
                 {sessions}
                 GROUP BY i.campaign_id, utc_hour, quarter"
            );
            for row in UtcSlotRow::find_by_statement(binds.statement(sql))
                .all(db)
                .await?
            {
                let Some(cell) = local_cell(&row.utc_hour, row.quarter, args.timezone) else {
                    continue;
                };
                *grouped
                    .entry(row.campaign_id)
                    .or_default()
                    .entry(cell)
                    .or_default() += row.sessions;
            }
        }
    }
    Ok(grouped
        .into_iter()
        .map(|(campaign, cells)| {
            let cells = cells
                .into_iter()
                .map(|((weekday, hour), sessions)| Cell {
                    weekday,
                    hour,
                    sessions,
                })
                .collect();
            (campaign, cells)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_utc_slot_maps_to_the_local_hour_of_its_own_day() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        // Saturday 2025-03-29 23:30 UTC is Sunday 00:30 in Berlin (UTC+1) …
        assert_eq!(local_cell("2025-03-29 23", 2, berlin), Some((7, 0)));
        // … and after the change on Sunday 30 March, 23:30 UTC is Monday 01:30 (UTC+2).
        assert_eq!(local_cell("2025-03-30 23", 2, berlin), Some((1, 1)));
        let kathmandu: Tz = "Asia/Kathmandu".parse().unwrap();
        // 10:15 UTC is 16:00 in Nepal (+05:45); 10:00 UTC is still 15:45.
        assert_eq!(local_cell("2025-03-03 10", 1, kathmandu), Some((1, 16)));
        assert_eq!(local_cell("2025-03-03 10", 0, kathmandu), Some((1, 15)));
    }

    #[test]
    fn an_unknown_zone_is_refused_on_timezone() {
        assert!(HeatmapArgs::new(None, None, "Mars/Olympus").is_err());
        assert!(HeatmapArgs::new(None, None, "Europe/Berlin").is_ok());
    }
}
