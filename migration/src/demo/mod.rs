//! Deterministic demo data: the same seed, sizes and anchor day always produce the same rows.
//!
//! The data follows the domain: most campaigns run below 80 % of capacity, some above 80 %
//! and some over 100 %; each campaign has daily metrics snapshots (ending on the anchor day)
//! whose utilization climbs toward the campaign's current state and stores the capacity alerts
//! each day crossed into; instances split their campaign's counts; programs have enrollments
//! and attendance; Kintell batches carry sessions; the community directory has members,
//! invitations and activity. Rows go in with multi-row inserts in one transaction, so the
//! benchmark size (500 campaigns × 10 instances × 365 days) loads in seconds on PostgreSQL.

mod campaigns;
mod catalog;
mod community;
mod kintell;
mod programs;
mod reference;

use std::fmt;

use chrono::{DateTime, Days, NaiveDate, NaiveDateTime, Utc};
use rand::prelude::*;
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    PaginatorTrait, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use entity::enums::*;
use entity::json::{
    AgeRange, CsvMetadata, EligibleProgramTypes, Engagement, ErrorSummary, FullSnapshot,
    IaasMetrics, InstanceCounts, LegalStatusCategories, OutcomeScores, RowError, StringList,
};
use entity::{Numeric, capacity, prelude::*};

use catalog::{ACTIVITY_NAMES, COMPANY_NAMES, FIRST_NAMES, GROUPS, LAST_NAMES, TEMPLATES};

/// How much to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoSize {
    pub companies: u32,
    pub campaigns: u32,
    pub instances_per_campaign: u32,
    /// Daily snapshots per campaign, ending on the anchor day.
    pub days: u32,
    pub seed: u64,
}

impl Default for DemoSize {
    fn default() -> Self {
        DemoSize {
            companies: 10,
            campaigns: 40,
            instances_per_campaign: 5,
            days: 90,
            seed: 42,
        }
    }
}

/// Rows written per table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub users: usize,
    pub companies: usize,
    pub beneficiary_groups: usize,
    pub program_templates: usize,
    pub campaigns: usize,
    pub program_instances: usize,
    pub metrics_snapshots: usize,
    pub activities: usize,
    pub applications: usize,
    pub enrollments: usize,
    pub attendance_records: usize,
    pub ingestion_batches: usize,
    pub kintell_sessions: usize,
    pub community_members: usize,
    pub community_invitations: usize,
    pub capacity_alerts: usize,
}

impl fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "demo data: {} companies, {} campaigns, {} program instances, {} metrics snapshots, \
             {} beneficiary groups, {} templates, {} users, {} activities, {} applications, \
             {} enrollments, {} attendance records, {} ingestion batches, {} kintell sessions, \
             {} community members, {} invitations, {} capacity alerts",
            self.companies,
            self.campaigns,
            self.program_instances,
            self.metrics_snapshots,
            self.beneficiary_groups,
            self.program_templates,
            self.users,
            self.activities,
            self.applications,
            self.enrollments,
            self.attendance_records,
            self.ingestion_batches,
            self.kintell_sessions,
            self.community_members,
            self.community_invitations,
            self.capacity_alerts
        )
    }
}

/// Whether the database holds no campaigns yet (so `serve --demo` may fill it).
pub async fn is_empty<C: ConnectionTrait>(db: &C) -> Result<bool, DbErr> {
    Ok(Campaign::find().count(db).await? == 0)
}

/// Generates the demo data in one transaction, dated so the last snapshot falls on `anchor`.
pub async fn generate<C>(db: &C, size: &DemoSize, anchor: NaiveDate) -> Result<DemoSummary, DbErr>
where
    C: ConnectionTrait + TransactionTrait,
{
    generate_with_progress(db, size, anchor, &|_| {}).await
}

/// How far [`generate_with_progress`] has got: `done` of `total` units of `step`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DemoProgress {
    pub step: &'static str,
    pub done: u64,
    pub total: u64,
}

/// [`generate`], telling `progress` as each step advances (the metrics snapshots, most of the
/// benchmark-sized data, campaign by campaign).
pub async fn generate_with_progress<C>(
    db: &C,
    size: &DemoSize,
    anchor: NaiveDate,
    progress: &(dyn Fn(DemoProgress) + Sync),
) -> Result<DemoSummary, DbErr>
where
    C: ConnectionTrait + TransactionTrait,
{
    let transaction = db.begin().await?;
    let mut generator = Generator::new(size.clone(), anchor, progress);
    generator.run(&transaction).await?;
    transaction.commit().await?;
    Ok(generator.summary)
}

/// Bind parameters one multi-row INSERT may carry: PostgreSQL allows 65,535, SQLite 32,766.
fn parameters_per_insert(backend: sea_orm::DbBackend) -> usize {
    match backend {
        sea_orm::DbBackend::Sqlite => 32_000,
        _ => 65_000,
    }
}

/// Inserts `rows` with as few multi-row INSERT statements as the parameter limit allows.
async fn insert_all<A, C>(db: &C, rows: Vec<A>) -> Result<usize, DbErr>
where
    A: ActiveModelTrait + Send,
    C: ConnectionTrait,
{
    let count = rows.len();
    let columns = <<A::Entity as EntityTrait>::Column as sea_orm::Iterable>::iter().count();
    let per_statement = (parameters_per_insert(db.get_database_backend()) / columns.max(1)).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(per_statement).collect();
        A::Entity::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
    Ok(count)
}

fn money(cents: i64) -> Numeric {
    Numeric(Decimal::new(cents, 2))
}

/// A ratio rounded to the four decimals a `numeric(5,4)` column keeps.
fn fraction(value: f64) -> Numeric {
    Numeric(Decimal::new((value * 10_000.0).round() as i64, 4))
}

fn score(value: f64) -> Numeric {
    Numeric(Decimal::new((value * 100.0).round() as i64, 2))
}

fn ratio(current: i32, target: i32) -> f64 {
    if target <= 0 {
        0.0
    } else {
        f64::from(current) / f64::from(target)
    }
}

fn strings(values: &[&str]) -> StringList {
    StringList(values.iter().map(|v| (*v).to_owned()).collect())
}

/// A URL-friendly form of `text`: lowercase ASCII letters and digits, runs of anything else as
/// one hyphen, none at either end.
pub(crate) fn slug(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_matches('-').to_owned()
}

pub use entity::capacity::{ALERT_THRESHOLDS, crossed_alerts};

struct Generator<'p> {
    progress: &'p (dyn Fn(DemoProgress) + Sync),
    size: DemoSize,
    anchor: NaiveDate,
    rng: ChaCha8Rng,
    summary: DemoSummary,
    users: Vec<Uuid>,
    admin: Uuid,
}

/// The capacity alerts the demo snapshots crossed into, and each campaign's last observed
/// levels: what `capacity_alerts` and `capacity_alert_levels` hold after real mutations.
#[derive(Default)]
struct AlertLog {
    alerts: Vec<entity::capacity_alert::ActiveModel>,
    levels: Vec<entity::capacity_alert_level::ActiveModel>,
}

struct CampaignPlan {
    model: entity::campaign::Model,
    program_type: ProgramType,
    template_name: &'static str,
    beneficiaries_final: f64,
    sessions_final: f64,
    spent_final: f64,
}

impl<'p> Generator<'p> {
    fn new(size: DemoSize, anchor: NaiveDate, progress: &'p (dyn Fn(DemoProgress) + Sync)) -> Self {
        let rng = ChaCha8Rng::seed_from_u64(size.seed);
        Generator {
            progress,
            size,
            anchor,
            rng,
            summary: DemoSummary::default(),
            users: Vec::new(),
            admin: Uuid::nil(),
        }
    }

    fn id(&mut self) -> Uuid {
        uuid::Builder::from_random_bytes(self.rng.random()).into_uuid()
    }

    /// Midnight UTC, `days_before` days before the anchor.
    fn day(&self, days_before: u64) -> DateTime<Utc> {
        let date = self
            .anchor
            .checked_sub_days(Days::new(days_before))
            .unwrap_or(self.anchor);
        date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
    }

    fn date(&self, offset_days: i64) -> NaiveDate {
        if offset_days >= 0 {
            self.anchor.checked_add_days(Days::new(offset_days as u64))
        } else {
            self.anchor
                .checked_sub_days(Days::new(offset_days.unsigned_abs()))
        }
        .unwrap_or(self.anchor)
    }

    fn naive(&self, days_before: u64) -> NaiveDateTime {
        self.day(days_before).naive_utc()
    }

    /// A random user who is not staff (the first five users are admin and staff).
    fn participant(&mut self) -> Uuid {
        let index = self
            .rng
            .random_range(5.min(self.users.len() - 1)..self.users.len());
        self.users[index]
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.random_range(0..items.len())]
    }

    fn report(&self, step: &'static str, done: u64, total: u64) {
        (self.progress)(DemoProgress { step, done, total });
    }

    async fn run<C: ConnectionTrait>(&mut self, db: &C) -> Result<(), DbErr> {
        self.report("reference data", 0, 1);
        self.users(db).await?;
        let companies = self.companies(db).await?;
        let subscriptions = self.subscriptions(db, &companies).await?;
        let groups = self.beneficiary_groups(db).await?;
        let templates = self.templates(db).await?;
        self.report("reference data", 1, 1);
        self.campaigns(db, &companies, &subscriptions, &groups, &templates)
            .await?;
        self.report("programs, Kintell sessions and community", 0, 3);
        self.program_management(db).await?;
        self.report("programs, Kintell sessions and community", 1, 3);
        self.kintell(db, &companies).await?;
        self.report("programs, Kintell sessions and community", 2, 3);
        self.community(db).await?;
        self.report("programs, Kintell sessions and community", 3, 3);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_url_friendly() {
        assert_eq!(
            slug("Mentors for Ukraine – Q4 2024"),
            "mentors-for-ukraine-q4-2024"
        );
    }
}
