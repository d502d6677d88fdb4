//! Engagement table (seed 002, widget 12): per program instance of a campaign, how many
//! participants enrolled, stayed and dropped out, how often they attended, and how many
//! Kintell sessions each completed on average. The counts come from one statement for a
//! whole batch of campaigns; the rates are exact decimals of those counts.

use std::collections::HashMap;

use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult, Statement};
use uuid::Uuid;

use crate::domain::dashboards::batch::Binds;
use crate::domain::policy::Visibility;

/// The counts of one program instance.
#[derive(Clone, Debug, PartialEq, FromQueryResult)]
pub struct InstanceCounts {
    pub campaign_id: Uuid,
    pub program_instance_id: Uuid,
    pub name: String,
    /// Enrollments linked to the instance, whatever their status.
    pub enrollments: i64,
    /// Enrollments ACTIVE or COMPLETED.
    pub retained: i64,
    /// Enrollments DROPPED.
    pub dropped: i64,
    /// Attendance records PRESENT or ABSENT (EXCUSED ones count for neither) of the
    /// instance's enrolled users at activities of the enrollment's program.
    pub attendance_marked: i64,
    pub attendance_present: i64,
    /// Kintell sessions of the instance with a completion time.
    pub sessions_completed: i64,
    /// Distinct participants of those sessions.
    pub session_participants: i64,
}

/// One row of the engagement table.
#[derive(Clone, Debug, PartialEq)]
pub struct InstanceEngagement {
    pub counts: InstanceCounts,
    /// `retained / enrollments` (null without enrollments).
    pub retention_rate: Option<Decimal>,
    /// `dropped / enrollments`.
    pub dropout_rate: Option<Decimal>,
    /// `present / (present + absent)` (null without attendance).
    pub attendance_rate: Option<Decimal>,
    /// `sessions completed / distinct session participants` (null without sessions).
    pub average_sessions_per_participant: Option<Decimal>,
}

impl From<InstanceCounts> for InstanceEngagement {
    fn from(counts: InstanceCounts) -> InstanceEngagement {
        let ratio = |part: i64, whole: i64| {
            entity::capacity::ratio(Decimal::from(part), Decimal::from(whole))
                .map(|r| r.normalize())
        };
        InstanceEngagement {
            retention_rate: ratio(counts.retained, counts.enrollments),
            dropout_rate: ratio(counts.dropped, counts.enrollments),
            attendance_rate: ratio(counts.attendance_present, counts.attendance_marked),
            average_sessions_per_participant: ratio(
                counts.sessions_completed,
                counts.session_participants,
            ),
            counts,
        }
    }
}

/// Each campaign's instances (oldest start first) with their engagement; campaigns without
/// an instance the caller reads are absent.
pub async fn engagement(
    db: &impl ConnectionTrait,
    visibility: &Visibility,
    campaigns: &[Uuid],
) -> Result<HashMap<Uuid, Vec<InstanceEngagement>>, DbErr> {
    let mut result: HashMap<Uuid, Vec<InstanceEngagement>> = HashMap::new();
    if campaigns.is_empty() {
        return Ok(result);
    }
    let statement = engagement_statement(db.get_database_backend(), visibility, campaigns);
    for counts in InstanceCounts::find_by_statement(statement).all(db).await? {
        result
            .entry(counts.campaign_id)
            .or_default()
            .push(counts.into());
    }
    Ok(result)
}

fn engagement_statement(
    backend: DbBackend,
    visibility: &Visibility,
    campaigns: &[Uuid],
) -> Statement {
    let mut binds = Binds::new(backend);
    // Each use binds its own values: SQLite numbers its placeholders once each.
    let instances = |binds: &mut Binds| {
        let ids = binds.ids(campaigns);
        let rule = binds.company_rule("i.company_id", visibility);
        format!("SELECT i.id FROM program_instances i WHERE i.campaign_id IN ({ids}){rule}")
    };
    let (enrolled, attending, sessions, listed) = (
        instances(&mut binds),
        instances(&mut binds),
        instances(&mut binds),
        instances(&mut binds),
    );
    let sql = format!(
        "SELECT i.campaign_id, i.id AS program_instance_id, i.name,
                COALESCE(e.enrollments, 0) AS enrollments, COALESCE(e.retained, 0) AS retained,
                COALESCE(e.dropped, 0) AS dropped,
                COALESCE(a.marked, 0) AS attendance_marked,
                COALESCE(a.present, 0) AS attendance_present,
                COALESCE(k.completed, 0) AS sessions_completed,
                COALESCE(k.participants, 0) AS session_participants
         FROM program_instances i
         LEFT JOIN (
           SELECT program_instance_id, COUNT(*) AS enrollments,
                  SUM(CASE WHEN enrollment_status IN ('active', 'completed') THEN 1 ELSE 0 END)
                    AS retained,
                  SUM(CASE WHEN enrollment_status = 'dropped' THEN 1 ELSE 0 END) AS dropped
           FROM program_enrollments WHERE program_instance_id IN ({enrolled})
           GROUP BY program_instance_id) e ON e.program_instance_id = i.id
         LEFT JOIN (
           SELECT en.program_instance_id,
                  SUM(CASE WHEN ar.attendance_status IN ('present', 'absent') THEN 1 ELSE 0 END)
                    AS marked,
                  SUM(CASE WHEN ar.attendance_status = 'present' THEN 1 ELSE 0 END) AS present
           FROM program_enrollments en
           JOIN attendance_records ar
             ON ar.user_id = en.user_id AND ar.program_id = en.program_id
           WHERE en.program_instance_id IN ({attending})
           GROUP BY en.program_instance_id) a ON a.program_instance_id = i.id
         LEFT JOIN (
           SELECT program_instance_id, COUNT(*) AS completed,
                  COUNT(DISTINCT participant_id) AS participants
           FROM kintell_sessions
           WHERE completed_at IS NOT NULL AND program_instance_id IN ({sessions})
           GROUP BY program_instance_id) k ON k.program_instance_id = i.id
         WHERE i.id IN ({listed})
         ORDER BY i.campaign_id, i.start_date, i.id"
    );
    Statement::from_sql_and_values(backend, sql, binds.values)
}
