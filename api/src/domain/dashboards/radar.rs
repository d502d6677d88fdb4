//! Outcome radar (seed 002, widget 7): a campaign's outcome scores per dimension
//! (`full_snapshot.outcomeScores`: integration, language, …) in its latest snapshot that
//! carries them, beside the same scores in the latest such snapshot at least 30 days older.
//! One statement for a whole batch of campaigns.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult, Statement};
use uuid::Uuid;

use crate::domain::dashboards::batch::Binds;
use crate::domain::policy::Visibility;

/// How far back the comparison snapshot lies, in days before the latest one.
pub const COMPARE_DAYS: i64 = 30;

/// One dimension of the radar.
#[derive(Clone, Debug, PartialEq, FromQueryResult)]
pub struct OutcomeAxis {
    pub campaign_id: Uuid,
    pub dimension: String,
    /// The latest snapshot carrying outcome scores.
    pub latest_at: DateTime<Utc>,
    /// The comparison snapshot, if one is old enough.
    pub earlier_at: Option<DateTime<Utc>>,
    /// Score in the latest snapshot (null: that snapshot has no number for the dimension).
    pub latest_score: Option<f64>,
    /// Score in the comparison snapshot.
    pub earlier_score: Option<f64>,
}

/// Each campaign's radar axes in dimension order; campaigns whose snapshots carry no outcome
/// scores are absent.
pub async fn radars(
    db: &impl ConnectionTrait,
    visibility: &Visibility,
    campaigns: &[Uuid],
) -> Result<HashMap<Uuid, Vec<OutcomeAxis>>, DbErr> {
    let mut result: HashMap<Uuid, Vec<OutcomeAxis>> = HashMap::new();
    if campaigns.is_empty() {
        return Ok(result);
    }
    let statement = radar_statement(db.get_database_backend(), visibility, campaigns);
    for axis in OutcomeAxis::find_by_statement(statement).all(db).await? {
        result.entry(axis.campaign_id).or_default().push(axis);
    }
    Ok(result)
}

fn radar_statement(backend: DbBackend, visibility: &Visibility, campaigns: &[Uuid]) -> Statement {
    let mut binds = Binds::new(backend);
    let ids = binds.ids(campaigns);
    let rule = binds.campaign_rule("campaign_id", visibility);
    let postgres = backend == DbBackend::Postgres;
    let (scores, has_scores, older, keys, each, is_number, value) = if postgres {
        (
            "full_snapshot -> 'outcomeScores'",
            "jsonb_typeof(full_snapshot -> 'outcomeScores') = 'object'",
            format!("r.snapshot_date <= l.snapshot_date - INTERVAL '{COMPARE_DAYS} days'"),
            "jsonb_object_keys",
            "jsonb_each",
            "jsonb_typeof(%.value) = 'number'",
            "(%.value #>> '{}')::float8",
        )
    } else {
        (
            "json_extract(full_snapshot, '$.outcomeScores')",
            "json_type(full_snapshot, '$.outcomeScores') = 'object'",
            format!("julianday(r.snapshot_date) <= julianday(l.snapshot_date) - {COMPARE_DAYS}"),
            "json_each",
            "json_each",
            "%.type IN ('integer', 'real')",
            "CAST(%.value AS REAL)",
        )
    };
    let key = if postgres { "k" } else { "k.key" };
    let score = |alias: &str| {
        format!(
            "CASE WHEN {} THEN {} END",
            is_number.replace('%', alias),
            value.replace('%', alias)
        )
    };
    let (latest_score, earlier_score) = (score("lv"), score("ev"));
    let join = |source: &str, alias: &str| {
        if postgres {
            format!("LEFT JOIN LATERAL {each}({source}) AS {alias} ON {alias}.key = d.dimension")
        } else {
            format!("LEFT JOIN {each}({source}) AS {alias} ON {alias}.key = d.dimension")
        }
    };
    let (latest_values, earlier_values) = (join("l.scores", "lv"), join("e.scores", "ev"));
    let sql = format!(
        "WITH ranked AS (
           SELECT campaign_id, snapshot_date, {scores} AS scores,
                  ROW_NUMBER() OVER (PARTITION BY campaign_id ORDER BY snapshot_date DESC) AS recency
           FROM campaign_metrics_snapshots
           WHERE campaign_id IN ({ids}){rule} AND {has_scores}),
         latest AS (SELECT campaign_id, snapshot_date, scores FROM ranked WHERE recency = 1),
         earlier AS (
           SELECT campaign_id, snapshot_date, scores FROM (
             SELECT r.campaign_id, r.snapshot_date, r.scores,
                    ROW_NUMBER() OVER (PARTITION BY r.campaign_id ORDER BY r.snapshot_date DESC)
                      AS recency
             FROM ranked r JOIN latest l ON l.campaign_id = r.campaign_id
             WHERE {older}) AS older
           WHERE recency = 1),
         dims AS (
           SELECT l.campaign_id, {key} AS dimension FROM latest l, {keys}(l.scores) AS k
           UNION
           SELECT e.campaign_id, {key} AS dimension FROM earlier e, {keys}(e.scores) AS k)
         SELECT d.campaign_id, d.dimension, l.snapshot_date AS latest_at,
                e.snapshot_date AS earlier_at, {latest_score} AS latest_score,
                {earlier_score} AS earlier_score
         FROM dims d
         JOIN latest l ON l.campaign_id = d.campaign_id
         LEFT JOIN earlier e ON e.campaign_id = d.campaign_id
         {latest_values}
         {earlier_values}
         ORDER BY d.campaign_id, d.dimension"
    );
    Statement::from_sql_and_values(backend, sql, binds.values)
}
