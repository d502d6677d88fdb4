//! Deterministic demo data: the same seed, sizes and anchor day always produce the same rows.
//!
//! The data follows the domain: most campaigns run below 80 % of capacity, some above 80 %
//! and some over 100 %; each campaign has daily metrics snapshots (ending on the anchor day)
//! whose utilization climbs toward the campaign's current state and stores the capacity alerts
//! each day crossed into; instances split their campaign's counts; programs have enrollments
//! and attendance; Kintell batches carry sessions; the community directory has members,
//! invitations and activity. Rows go in with multi-row inserts in one transaction, so the
//! benchmark size (500 campaigns × 10 instances × 365 days) loads in seconds on PostgreSQL.

mod catalog;

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

    async fn users<C: ConnectionTrait>(&mut self, db: &C) -> Result<(), DbErr> {
        let count = 40 + 4 * self.size.companies as usize;
        let created = self.day(400);
        let mut rows = Vec::with_capacity(count);
        for index in 0..count {
            let id = self.id();
            let first = *self.pick(FIRST_NAMES);
            let last = *self.pick(LAST_NAMES);
            let role = match index {
                0 => "admin",
                1..=4 => "staff",
                _ if index % 3 == 0 => "volunteer",
                _ => "participant",
            };
            rows.push(
                entity::user::Model {
                    id,
                    email: format!("{}.{}{}@example.org", slug(first), slug(last), index),
                    role: role.to_owned(),
                    first_name: Some(first.to_owned()),
                    last_name: Some(last.to_owned()),
                    is_active: true,
                    created_at: created,
                    updated_at: created,
                }
                .into_active_model(),
            );
            self.users.push(id);
        }
        self.admin = self.users[0];
        self.summary.users = insert_all(db, rows).await?;
        Ok(())
    }

    async fn companies<C: ConnectionTrait>(&mut self, db: &C) -> Result<Vec<Uuid>, DbErr> {
        let created = self.day(500);
        let mut ids = Vec::new();
        let mut rows = Vec::new();
        for index in 0..self.size.companies.max(1) as usize {
            let (name, industry, country) = COMPANY_NAMES[index % COMPANY_NAMES.len()];
            let round = index / COMPANY_NAMES.len();
            let name = if round == 0 {
                name.to_owned()
            } else {
                format!("{name} {}", round + 1)
            };
            let id = self.id();
            ids.push(id);
            rows.push(
                entity::company::Model {
                    id,
                    name,
                    industry: Some(industry.to_owned()),
                    country: Some(country.to_owned()),
                    is_active: true,
                    created_at: created,
                    updated_at: created,
                }
                .into_active_model(),
            );
        }
        self.summary.companies = insert_all(db, rows).await?;
        Ok(ids)
    }

    async fn subscriptions<C: ConnectionTrait>(
        &mut self,
        db: &C,
        companies: &[Uuid],
    ) -> Result<Vec<Uuid>, DbErr> {
        let starts = self.day(365);
        let mut ids = Vec::new();
        let mut rows = Vec::new();
        for company in companies {
            let id = self.id();
            ids.push(id);
            rows.push(
                entity::l2i_subscription::Model {
                    id,
                    company_id: *company,
                    plan_name: "L2I Growth".to_owned(),
                    status: SubscriptionStatus::Active,
                    starts_at: starts,
                    ends_at: Some(starts + chrono::Duration::days(730)),
                    created_at: starts,
                    updated_at: starts,
                }
                .into_active_model(),
            );
        }
        insert_all(db, rows).await?;
        Ok(ids)
    }

    async fn beneficiary_groups<C: ConnectionTrait>(&mut self, db: &C) -> Result<Vec<Uuid>, DbErr> {
        let created = self.day(450);
        let mut ids = Vec::new();
        let mut rows = Vec::new();
        for spec in GROUPS {
            let id = self.id();
            ids.push(id);
            let legal = match spec.group_type {
                BeneficiaryGroupType::Refugees | BeneficiaryGroupType::DisplacedPersons => {
                    vec![LegalStatusCategory::Refugee]
                }
                BeneficiaryGroupType::AsylumSeekers => vec![LegalStatusCategory::AsylumSeeker],
                BeneficiaryGroupType::Students => vec![LegalStatusCategory::Student],
                _ => vec![LegalStatusCategory::Migrant, LegalStatusCategory::Citizen],
            };
            rows.push(
                entity::beneficiary_group::Model {
                    id,
                    name: spec.name.to_owned(),
                    description: Some(format!(
                        "Aggregated target population: {} in {}.",
                        spec.name, spec.city
                    )),
                    group_type: spec.group_type,
                    country_code: spec.country_code.to_owned(),
                    region: Some(spec.region.to_owned()),
                    city: Some(spec.city.to_owned()),
                    age_range: Some(AgeRange {
                        min: spec.ages.0,
                        max: spec.ages.1,
                    }),
                    gender_focus: Some(spec.gender_focus),
                    primary_languages: strings(spec.languages),
                    language_requirement: Some(spec.language_requirement),
                    legal_status_categories: Some(LegalStatusCategories(legal)),
                    eligible_program_types: EligibleProgramTypes(spec.eligible.to_vec()),
                    eligibility_rules: None,
                    min_group_size: Some(5),
                    max_group_size: Some(200),
                    tags: strings(spec.tags),
                    partner_organizations: Some(strings(spec.partners)),
                    internal_notes: None,
                    is_active: true,
                    is_public: true,
                    created_by: Some(self.admin),
                    updated_by: None,
                    created_at: created,
                    updated_at: created,
                    owner_company_id: None,
                }
                .into_active_model(),
            );
        }
        self.summary.beneficiary_groups = insert_all(db, rows).await?;
        Ok(ids)
    }

    async fn templates<C: ConnectionTrait>(
        &mut self,
        db: &C,
    ) -> Result<Vec<(Uuid, &'static catalog::TemplateSpec)>, DbErr> {
        let created = self.day(420);
        let mut current = Vec::new();
        let mut rows = Vec::new();
        for spec in TEMPLATES {
            let id = self.id();
            current.push((id, spec));
            rows.push(self.template_row(id, spec, "2.1.0", created, None, None));
        }
        // An older, deprecated version of the first template, superseded by the current one.
        let (newest, spec) = current[0];
        let old = self.id();
        rows.push(self.template_row(
            old,
            spec,
            "1.4.0",
            self.day(700),
            Some(self.day(420)),
            Some(newest),
        ));
        self.summary.program_templates = insert_all(db, rows).await?;
        Ok(current)
    }

    fn template_row(
        &self,
        id: Uuid,
        spec: &catalog::TemplateSpec,
        version: &str,
        created: DateTime<Utc>,
        deprecated_at: Option<DateTime<Utc>>,
        superseded_by: Option<Uuid>,
    ) -> entity::program_template::ActiveModel {
        entity::program_template::Model {
            id,
            name: spec.name.to_owned(),
            description: Some(format!("Reusable blueprint for {} programs.", spec.name)),
            program_type: spec.program_type,
            version: version.to_owned(),
            default_config: catalog::default_config(spec.program_type),
            default_min_participants: 5,
            default_max_participants: spec.max_participants,
            default_volunteers_needed: spec.volunteers_needed,
            outcome_metrics: strings(spec.outcome_metrics),
            suitable_for_groups: strings(spec.tags),
            estimated_cost_per_participant: Some(money(spec.cost_per_participant)),
            estimated_hours_per_volunteer: Some(money(spec.hours_per_volunteer)),
            is_active: deprecated_at.is_none(),
            is_public: true,
            created_by: Some(self.admin),
            tags: strings(spec.tags),
            created_at: created,
            updated_at: created,
            deprecated_at,
            superseded_by,
            owner_company_id: None,
        }
        .into_active_model()
    }

    /// Final utilization of a campaign: mostly below 80 %, some near and some over capacity.
    fn final_utilization(&mut self) -> f64 {
        let roll: f64 = self.rng.random();
        if roll < 0.68 {
            self.rng.random_range(0.25..0.79)
        } else if roll < 0.88 {
            self.rng.random_range(0.80..0.99)
        } else {
            self.rng.random_range(1.0..1.3)
        }
    }

    async fn campaigns<C: ConnectionTrait>(
        &mut self,
        db: &C,
        companies: &[Uuid],
        subscriptions: &[Uuid],
        groups: &[Uuid],
        templates: &[(Uuid, &'static catalog::TemplateSpec)],
    ) -> Result<(), DbErr> {
        const STATUSES: [(CampaignStatus, u32); 7] = [
            (CampaignStatus::Active, 58),
            (CampaignStatus::Recruiting, 10),
            (CampaignStatus::Planned, 5),
            (CampaignStatus::Paused, 6),
            (CampaignStatus::Completed, 11),
            (CampaignStatus::Draft, 5),
            (CampaignStatus::Closed, 5),
        ];
        let days = self.size.days.max(1);
        let mut plans = Vec::new();
        for index in 0..self.size.campaigns as usize {
            let company_index = index % companies.len();
            let (template_id, template) = templates[index % templates.len()];
            let eligible: Vec<usize> = GROUPS
                .iter()
                .enumerate()
                .filter(|(_, g)| {
                    g.eligible
                        .iter()
                        .any(|e| e.to_value() == template.program_type.to_value())
                })
                .map(|(i, _)| i)
                .collect();
            let group_index = *self.pick(&eligible);
            let roll = self.rng.random_range(0..100);
            let mut acc = 0;
            let status = STATUSES
                .iter()
                .find(|(_, weight)| {
                    acc += weight;
                    roll < acc
                })
                .map(|(s, _)| *s)
                .unwrap_or(CampaignStatus::Active);
            let lead_in: i64 = self.rng.random_range(0..60);
            let start = self.date(-(i64::from(days) + lead_in));
            let end = {
                let offset = self.rng.random_range(30..300);
                self.date(offset)
            };
            let target_volunteers = self.rng.random_range(20..200);
            let target_beneficiaries = target_volunteers * self.rng.random_range(2..5);
            let max_sessions = target_volunteers * self.rng.random_range(6..14);
            let utilization = self.final_utilization();
            let current_volunteers = (f64::from(target_volunteers) * utilization).round() as i32;
            let beneficiaries_final = (utilization * self.rng.random_range(0.8..1.1)).max(0.05);
            let sessions_final = (utilization * self.rng.random_range(0.6..1.05)).max(0.02);
            let current_beneficiaries =
                (f64::from(target_beneficiaries) * beneficiaries_final).round() as i32;
            let current_sessions = (f64::from(max_sessions) * sessions_final).round() as i32;
            let budget_cents = self.rng.random_range(20_000..500_000) * 100;
            let spent_final = (utilization * self.rng.random_range(0.75..1.0)).min(1.15);
            let budget_spent = (budget_cents as f64 * spent_final).round() as i64;
            let sroi = self.rng.random_range(1.5..6.5);
            let vis = self.rng.random_range(40.0..95.0);
            let hours = f64::from(current_sessions) * self.rng.random_range(1.0..2.0);
            let pricing = match index % 5 {
                0 => PricingModel::Seats,
                1 => PricingModel::Credits,
                2 => PricingModel::Bundle,
                3 => PricingModel::Iaas,
                _ => PricingModel::Custom,
            };
            let group = &GROUPS[group_index];
            let name = format!("{} for {}", template.name, group.name);
            let quarter = format!(
                "{}-Q{}",
                start.format("%Y"),
                (start.format("%m").to_string().parse::<u32>().unwrap_or(1) - 1) / 3 + 1
            );
            let created = self.day(u64::from(days) + 70);
            let is_high_value = capacity::is_high_value(Some(sroi), Some(vis));
            let upsell = capacity::upsell_score(utilization, is_high_value);
            let model = entity::campaign::Model {
                id: self.id(),
                name,
                description: Some(format!(
                    "{} run by {} with {}.",
                    template.name,
                    COMPANY_NAMES[company_index % COMPANY_NAMES.len()].0,
                    group.name
                )),
                company_id: companies[company_index],
                program_template_id: template_id,
                beneficiary_group_id: groups[group_index],
                start_date: start,
                end_date: end,
                quarter: Some(quarter),
                status,
                priority: Some(*self.pick(&[
                    CampaignPriority::Low,
                    CampaignPriority::Medium,
                    CampaignPriority::Medium,
                    CampaignPriority::High,
                    CampaignPriority::Critical,
                ])),
                target_volunteers,
                current_volunteers,
                target_beneficiaries,
                current_beneficiaries,
                max_sessions: Some(max_sessions),
                current_sessions,
                budget_allocated: money(budget_cents),
                budget_spent: money(budget_spent),
                currency: "EUR".to_owned(),
                pricing_model: pricing,
                committed_seats: (pricing == PricingModel::Seats).then_some(target_volunteers),
                seat_price_per_month: (pricing == PricingModel::Seats)
                    .then(|| money(self.rng.random_range(80..400) * 100)),
                credit_allocation: (pricing == PricingModel::Credits).then_some(max_sessions * 10),
                credit_consumption_rate: (pricing == PricingModel::Credits)
                    .then(|| Numeric(Decimal::new(self.rng.random_range(5_000..20_000), 4))),
                credits_remaining: (pricing == PricingModel::Credits).then_some(
                    ((1.0 - sessions_final).max(0.0) * f64::from(max_sessions * 10)).round() as i32,
                ),
                iaas_metrics: (pricing == PricingModel::Iaas).then(|| IaasMetrics {
                    learners_committed: Some(target_beneficiaries),
                    price_per_learner: Some(money(self.rng.random_range(150..900) * 100)),
                    outcomes_guaranteed: vec!["job_readiness".to_owned()],
                    outcome_thresholds: [("job_readiness".to_owned(), 0.6)].into_iter().collect(),
                }),
                l2i_subscription_id: (pricing == PricingModel::Bundle)
                    .then(|| subscriptions[company_index]),
                bundle_allocation_percentage: (pricing == PricingModel::Bundle)
                    .then(|| fraction(self.rng.random_range(0.1..0.5))),
                custom_pricing_terms: (pricing == PricingModel::Custom).then(|| {
                    entity::json::CustomPricingTerms {
                        description: Some("Fixed fee plus milestone payments".to_owned()),
                        fixed_fee: Some(money(budget_cents / 4)),
                        variable_components: Vec::new(),
                        milestone_payments: vec![
                            serde_json::json!({"milestone": "midpoint", "amount": "5000.00"}),
                        ],
                    }
                }),
                config_overrides: Some(serde_json::json!({})),
                cumulative_sroi: Some(score(sroi)),
                average_vis: Some(score(vis)),
                total_hours_logged: Some(score(hours)),
                total_sessions_completed: Some(current_sessions),
                capacity_utilization: Some(fraction(ratio(current_volunteers, target_volunteers))),
                is_near_capacity: Some(capacity::is_near_capacity(ratio(
                    current_volunteers,
                    target_volunteers,
                ))),
                is_over_capacity: Some(capacity::is_over_capacity(ratio(
                    current_volunteers,
                    target_volunteers,
                ))),
                is_high_value: Some(is_high_value),
                upsell_opportunity_score: Some(upsell),
                evidence_snippet_ids: Some(StringList(Vec::new())),
                tags: Some(strings(template.tags)),
                internal_notes: None,
                is_active: Some(!matches!(
                    status,
                    CampaignStatus::Closed | CampaignStatus::Completed
                )),
                is_archived: Some(status == CampaignStatus::Closed),
                created_at: created,
                updated_at: created,
                last_metrics_update_at: Some(self.day(0)),
                created_by: Some(self.admin),
                legal_hold: false,
            };
            plans.push(CampaignPlan {
                model,
                program_type: template.program_type,
                template_name: template.name,
                beneficiaries_final,
                sessions_final,
                spent_final,
            });
        }
        let rows = plans
            .iter()
            .map(|p| p.model.clone().into_active_model())
            .collect();
        self.summary.campaigns = insert_all(db, rows).await?;

        let mut instances = Vec::new();
        for plan in &plans {
            instances.extend(self.instances_of(plan));
        }
        self.summary.program_instances = insert_all(db, instances).await?;

        // Snapshots go in campaign by campaign so memory stays flat at the benchmark size.
        let mut pending = Vec::new();
        let mut alert_log = AlertLog::default();
        let total = plans.len() as u64;
        for (done, plan) in plans.iter().enumerate() {
            self.report("campaigns' daily metrics snapshots", done as u64, total);
            pending.extend(self.snapshots_of(plan, &mut alert_log));
            if pending.len() >= 20_000 {
                self.summary.metrics_snapshots +=
                    insert_all(db, std::mem::take(&mut pending)).await?;
            }
        }
        self.summary.metrics_snapshots += insert_all(db, pending).await?;
        self.report("campaigns' daily metrics snapshots", total, total);
        self.summary.capacity_alerts = insert_all(db, alert_log.alerts).await?;
        insert_all(db, alert_log.levels).await?;
        Ok(())
    }

    fn instances_of(&mut self, plan: &CampaignPlan) -> Vec<entity::program_instance::ActiveModel> {
        let count = self.size.instances_per_campaign as i32;
        let campaign = &plan.model;
        let mut rows = Vec::new();
        for index in 0..count {
            let share = |total: i32| total / count + i32::from(index < total % count);
            let status = match campaign.status {
                CampaignStatus::Completed | CampaignStatus::Closed => {
                    ProgramInstanceStatus::Completed
                }
                CampaignStatus::Paused => ProgramInstanceStatus::Paused,
                CampaignStatus::Draft | CampaignStatus::Planned | CampaignStatus::Recruiting => {
                    ProgramInstanceStatus::Planned
                }
                _ if index == count - 1 && count > 2 => ProgramInstanceStatus::Planned,
                _ => ProgramInstanceStatus::Active,
            };
            let id = self.id();
            let name = format!("{} – cohort {}", campaign.name, index + 1);
            let sessions = share(campaign.current_sessions);
            let volunteers = share(campaign.current_volunteers);
            let beneficiaries = share(campaign.current_beneficiaries);
            let sroi = self.rng.random_range(1.2..7.0);
            let vis = self.rng.random_range(35.0..98.0);
            let outcome: OutcomeScores = OutcomeScores(
                [
                    (
                        "integration".to_owned(),
                        (self.rng.random_range(0.4..0.95f64) * 100.0).round() / 100.0,
                    ),
                    (
                        "language".to_owned(),
                        (self.rng.random_range(0.3..0.9f64) * 100.0).round() / 100.0,
                    ),
                ]
                .into_iter()
                .collect(),
            );
            let last_activity_days_ago = self.rng.random_range(0..5);
            let started = campaign
                .start_date
                .checked_add_days(Days::new((index as u64) * 14))
                .unwrap_or(campaign.start_date);
            rows.push(
                entity::program_instance::Model {
                    id,
                    name: name.clone(),
                    campaign_id: Some(campaign.id),
                    program_template_id: Some(campaign.program_template_id),
                    company_id: Some(campaign.company_id),
                    beneficiary_group_id: Some(campaign.beneficiary_group_id),
                    start_date: started,
                    end_date: Some(campaign.end_date.max(started)),
                    status,
                    config: catalog::default_config(plan.program_type),
                    enrolled_volunteers: volunteers,
                    enrolled_beneficiaries: beneficiaries,
                    active_pairs: matches!(
                        plan.program_type,
                        ProgramType::Mentorship | ProgramType::Buddy
                    )
                    .then_some(volunteers.min(beneficiaries)),
                    active_groups: (plan.program_type == ProgramType::Language)
                        .then_some((beneficiaries / 8).max(1)),
                    total_sessions_held: sessions,
                    total_hours_logged: score(f64::from(sessions) * 1.5),
                    sroi_score: Some(score(sroi)),
                    average_vis_score: Some(score(vis)),
                    outcome_scores: Some(outcome),
                    volunteers_consumed: volunteers,
                    credits_consumed: (campaign.pricing_model == PricingModel::Credits)
                        .then(|| score(f64::from(sessions) * 10.0)),
                    learners_served: beneficiaries,
                    created_at: campaign.created_at,
                    updated_at: campaign.created_at,
                    last_activity_at: (status == ProgramInstanceStatus::Active)
                        .then(|| self.day(last_activity_days_ago)),
                    program_type: plan.program_type,
                    program_name: plan.template_name.to_owned(),
                    program_slug: format!("{}-{}", slug(&name), &id.simple().to_string()[..8]),
                    external_system_id: None,
                    external_system: None,
                    description: None,
                    target_participants: None,
                    program_goals: None,
                    metadata: None,
                }
                .into_active_model(),
            );
        }
        rows
    }

    /// Daily snapshots ending on the anchor day, converging on the campaign's current state.
    /// The alerts they cross into go to `alert_log` as the gateway's mutations would store
    /// them, with the campaign's final utilization as its observed level.
    fn snapshots_of(
        &mut self,
        plan: &CampaignPlan,
        alert_log: &mut AlertLog,
    ) -> Vec<entity::campaign_metrics_snapshot::ActiveModel> {
        let campaign = &plan.model;
        let days = self.size.days.max(1);
        let volunteers_final = ratio(campaign.current_volunteers, campaign.target_volunteers);
        let budget_cents = (campaign.budget_allocated.0 * Decimal::from(100))
            .trunc()
            .to_string()
            .parse::<i64>()
            .unwrap_or(0);
        let sessions_target = campaign.max_sessions.unwrap_or(0);
        let sroi_final = campaign
            .cumulative_sroi
            .map(|s| s.0.to_string().parse::<f64>().unwrap_or(3.0))
            .unwrap_or(3.0);
        let vis_final = campaign
            .average_vis
            .map(|s| s.0.to_string().parse::<f64>().unwrap_or(60.0))
            .unwrap_or(60.0);
        let instances_total = self.size.instances_per_campaign as i32;
        let mut previous = [0.0f64; 4];
        let mut rows = Vec::with_capacity(days as usize);
        for day in 0..days {
            let progress = f64::from(day + 1) / f64::from(days);
            let last = day + 1 == days;
            let mut curve = |final_value: f64| {
                if last {
                    final_value
                } else {
                    let noise: f64 = self.rng.random_range(-0.015..0.015);
                    (final_value * (0.15 + 0.85 * progress.powf(0.8)) + noise).max(0.0)
                }
            };
            let volunteers_current = if last {
                campaign.current_volunteers
            } else {
                (f64::from(campaign.target_volunteers) * curve(volunteers_final)).round() as i32
            };
            let beneficiaries_current = if last {
                campaign.current_beneficiaries
            } else {
                (f64::from(campaign.target_beneficiaries) * curve(plan.beneficiaries_final)).round()
                    as i32
            };
            let sessions_current = if last {
                campaign.current_sessions
            } else {
                (f64::from(sessions_target) * curve(plan.sessions_final)).round() as i32
            };
            let spent = if last {
                (campaign.budget_spent.0 * Decimal::from(100))
                    .trunc()
                    .to_string()
                    .parse::<i64>()
                    .unwrap_or(0)
            } else {
                (budget_cents as f64 * plan.spent_final * (0.05 + 0.95 * progress.powf(1.1)))
                    .round() as i64
            };
            let utilization = [
                ratio(volunteers_current, campaign.target_volunteers),
                ratio(beneficiaries_current, campaign.target_beneficiaries),
                ratio(sessions_current, sessions_target),
                if budget_cents == 0 {
                    0.0
                } else {
                    spent as f64 / budget_cents as f64
                },
            ];
            let mut alerts = Vec::new();
            for (index, dimension) in ["volunteers", "beneficiaries", "sessions", "budget"]
                .iter()
                .enumerate()
            {
                alerts.extend(crossed_alerts(
                    dimension,
                    previous[index],
                    utilization[index],
                ));
            }
            previous = utilization;
            let early = day < 7;
            let taken_at = self.day(u64::from(days - 1 - day));
            let snapshot_id = self.id();
            let counts = [
                (volunteers_current, campaign.target_volunteers),
                (beneficiaries_current, campaign.target_beneficiaries),
                (sessions_current, sessions_target),
            ];
            for alert in &alerts {
                let (current, target) = match alert.dimension.as_deref() {
                    Some("volunteers") => counts[0],
                    Some("beneficiaries") => counts[1],
                    Some("sessions") => counts[2],
                    _ => (0, 0),
                };
                let (current, target) = if alert.dimension.as_deref() == Some("budget") {
                    (money(spent), money(budget_cents))
                } else {
                    (
                        money(i64::from(current) * 100),
                        money(i64::from(target) * 100),
                    )
                };
                let id = self.id();
                alert_log.alerts.push(
                    entity::capacity_alert::Model {
                        id,
                        campaign_id: campaign.id,
                        company_id: campaign.company_id,
                        dimension: alert.dimension.clone().unwrap_or_default(),
                        severity: alert.severity.clone().unwrap_or_default().to_lowercase(),
                        threshold: fraction(alert.threshold),
                        utilization: fraction(alert.utilization.unwrap_or_default()),
                        current_value: current,
                        target_value: target,
                        source: "snapshot".to_owned(),
                        snapshot_id: Some(snapshot_id),
                        raised_at: taken_at,
                    }
                    .into_active_model(),
                );
            }
            if last {
                for (index, dimension) in capacity::DIMENSIONS.iter().enumerate() {
                    // As the gateway observes: a dimension without a positive target has no level.
                    let measured = match *dimension {
                        "volunteers" => campaign.target_volunteers > 0,
                        "beneficiaries" => campaign.target_beneficiaries > 0,
                        "sessions" => sessions_target > 0,
                        _ => budget_cents > 0,
                    };
                    if measured {
                        alert_log.levels.push(
                            entity::capacity_alert_level::Model {
                                campaign_id: campaign.id,
                                dimension: (*dimension).to_owned(),
                                utilization: fraction(utilization[index]),
                                observed_at: taken_at,
                            }
                            .into_active_model(),
                        );
                    }
                }
            }
            let sroi = (!early).then(|| score(sroi_final * (0.6 + 0.4 * progress)));
            let vis = (!early).then(|| score(vis_final * (0.7 + 0.3 * progress)));
            let active_instances = ((f64::from(instances_total) * progress.min(1.0)).ceil() as i32)
                .min(instances_total);
            rows.push(
                entity::campaign_metrics_snapshot::Model {
                    id: snapshot_id,
                    campaign_id: campaign.id,
                    snapshot_date: taken_at,
                    volunteers_target: campaign.target_volunteers,
                    volunteers_current,
                    volunteers_utilization: fraction(utilization[0]),
                    beneficiaries_target: campaign.target_beneficiaries,
                    beneficiaries_current,
                    beneficiaries_utilization: fraction(utilization[1]),
                    sessions_target: campaign.max_sessions,
                    sessions_current,
                    sessions_utilization: campaign.max_sessions.map(|_| fraction(utilization[2])),
                    budget_allocated: campaign.budget_allocated,
                    budget_spent: money(spent),
                    budget_remaining: money((budget_cents - spent).max(0)),
                    budget_utilization: fraction(utilization[3]),
                    sroi_score: sroi,
                    average_vis_score: vis,
                    total_hours_logged: Some(score(f64::from(sessions_current) * 1.5)),
                    total_sessions_completed: Some(sessions_current),
                    seats_used: (campaign.pricing_model == PricingModel::Seats)
                        .then_some(volunteers_current),
                    seats_committed: campaign.committed_seats,
                    credits_consumed: campaign
                        .credit_allocation
                        .map(|_| score(f64::from(sessions_current) * 10.0)),
                    credits_allocated: campaign
                        .credit_allocation
                        .map(|c| money(i64::from(c) * 100)),
                    learners_served: (campaign.pricing_model == PricingModel::Iaas)
                        .then_some(beneficiaries_current),
                    learners_committed: campaign
                        .iaas_metrics
                        .as_ref()
                        .and_then(|m| m.learners_committed),
                    full_snapshot: FullSnapshot {
                        campaign_name: campaign.name.clone(),
                        status: campaign.status.to_value(),
                        program_template_id: Some(campaign.program_template_id),
                        beneficiary_group_id: Some(campaign.beneficiary_group_id),
                        program_instances: Some(InstanceCounts {
                            active_count: active_instances,
                            total_count: instances_total,
                        }),
                        engagement: Some(Engagement {
                            volunteer_retention_rate: Some(
                                (0.95 - 0.1 * progress * 100.0).round() / 100.0,
                            ),
                            beneficiary_retention_rate: Some(
                                (0.9 - 0.1 * progress * 100.0).round() / 100.0,
                            ),
                            average_sessions_per_volunteer: Some(if volunteers_current > 0 {
                                (f64::from(sessions_current) / f64::from(volunteers_current) * 10.0)
                                    .round()
                                    / 10.0
                            } else {
                                0.0
                            }),
                            dropout_rate: Some(0.05),
                        }),
                        outcome_scores: Some(
                            [
                                (
                                    "integration".to_owned(),
                                    (0.4 + 0.3 * progress * 100.0).round() / 100.0,
                                ),
                                (
                                    "language".to_owned(),
                                    (0.3 + 0.4 * progress * 100.0).round() / 100.0,
                                ),
                            ]
                            .into_iter()
                            .collect(),
                        ),
                        alerts,
                    },
                    created_at: taken_at,
                    sample_count: 1,
                    sroi_sum: None,
                    sroi_samples: None,
                    vis_sum: None,
                    vis_samples: None,
                }
                .into_active_model(),
            );
        }
        rows
    }

    async fn program_management<C: ConnectionTrait>(&mut self, db: &C) -> Result<(), DbErr> {
        let programs = Program::find().all(db).await?;
        let mut activities = Vec::new();
        let mut links = Vec::new();
        for (index, name) in ACTIVITY_NAMES.iter().enumerate() {
            let id = self.id();
            let starts = self.day(60 - (index as u64) * 4);
            // Every fifth activity is not scheduled yet, so lists sorted by start have
            // NULL keys to page past.
            let starts = (index % 5 != 4).then_some(starts);
            activities.push(
                entity::activity::Model {
                    id,
                    name: (*name).to_owned(),
                    description: Some(format!("{name} session")),
                    activity_type: if index % 4 == 0 {
                        "workshop"
                    } else {
                        "session"
                    }
                    .to_owned(),
                    starts_at: starts,
                    ends_at: starts.map(|at| at + chrono::Duration::hours(2)),
                    created_at: self.day(90),
                    updated_at: self.day(90),
                    retired_at: None,
                }
                .into_active_model(),
            );
            if let Some(program) = programs.get(index % programs.len().max(1)) {
                links.push((program.id, id, index as i32));
            }
        }
        self.summary.activities = insert_all(db, activities).await?;
        let link_rows = links
            .iter()
            .map(|(program, activity, order)| {
                entity::program_activity::Model {
                    id: uuid::Builder::from_random_bytes(self.rng.random()).into_uuid(),
                    program_id: *program,
                    activity_id: *activity,
                    is_required: order % 2 == 0,
                    order_index: Some(*order / programs.len().max(1) as i32 + 1),
                    created_at: self.day(90),
                }
                .into_active_model()
            })
            .collect::<Vec<_>>();
        insert_all(db, link_rows).await?;

        let mut applications = Vec::new();
        let mut enrollments = Vec::new();
        let mut attendance = Vec::new();
        let participants: Vec<Uuid> = self.users.iter().skip(5).copied().collect();
        for (index, user) in participants.iter().enumerate() {
            let Some(program) = programs.get(index % programs.len().max(1)) else {
                break;
            };
            let application = self.id();
            let goal = format!(
                "I want to finish {} so that I can build real projects for paying clients, grow a \
                 portfolio the community can review, and help the next cohort the way mentors helped me.",
                program.name
            );
            applications.push(
                entity::application::Model {
                    id: application,
                    user_id: *user,
                    status: if index % 5 == 4 {
                        ApplicationStatus::Pending
                    } else {
                        ApplicationStatus::Approved
                    },
                    submitted_at: self.day(80),
                    reviewed_at: (index % 5 != 4).then(|| self.day(75)),
                    created_at: self.day(80),
                    updated_at: self.day(75),
                    program_id: Some(program.id),
                    goal: Some(goal),
                    github_username: Some(format!("dev-{}", index + 1)),
                    twitter_username: (index % 2 == 0).then(|| format!("dev_{}", index + 1)),
                    review_reason: None,
                }
                .into_active_model(),
            );
            if index % 5 == 4 {
                continue;
            }
            let status = match index % 7 {
                0 => EnrollmentStatus::Guest,
                1 => EnrollmentStatus::Completed,
                2 => EnrollmentStatus::Dropped,
                _ => EnrollmentStatus::Active,
            };
            enrollments.push(
                entity::program_enrollment::Model {
                    id: self.id(),
                    user_id: *user,
                    program_id: program.id,
                    application_id: Some(application),
                    enrollment_status: status,
                    enrolled_at: self.day(74),
                    completed_at: (status == EnrollmentStatus::Completed).then(|| self.day(5)),
                    promoted_at: (status != EnrollmentStatus::Guest).then(|| self.day(60)),
                    created_at: self.day(74),
                    updated_at: self.day(5),
                    metadata: None,
                    program_instance_id: None,
                }
                .into_active_model(),
            );
            if matches!(
                status,
                EnrollmentStatus::Active | EnrollmentStatus::Completed
            ) {
                for (program_id, activity, _) in links.iter().filter(|(p, _, _)| *p == program.id) {
                    let attendance_status = match self.rng.random_range(0..10) {
                        0 => AttendanceStatus::Absent,
                        1 => AttendanceStatus::Excused,
                        _ => AttendanceStatus::Present,
                    };
                    attendance.push(
                        entity::attendance_record::Model {
                            id: self.id(),
                            user_id: *user,
                            activity_id: *activity,
                            program_id: Some(*program_id),
                            marked_by: self.users[1],
                            attendance_status,
                            notes: (attendance_status == AttendanceStatus::Excused)
                                .then(|| "Travelling".to_owned()),
                            marked_at: self.day(30),
                            created_at: self.day(30),
                            metadata: None,
                        }
                        .into_active_model(),
                    );
                }
            }
        }
        self.summary.applications = insert_all(db, applications).await?;
        self.summary.enrollments = insert_all(db, enrollments).await?;
        self.summary.attendance_records = insert_all(db, attendance).await?;
        Ok(())
    }

    async fn kintell<C: ConnectionTrait>(
        &mut self,
        db: &C,
        companies: &[Uuid],
    ) -> Result<(), DbErr> {
        // Instances imported from Kintell before campaigns existed: no campaign, template or group.
        let imported = [
            (
                "Mentors for Ukraine - Q4 2024",
                "mentors-ukraine-2024-q4",
                ProgramType::Mentorship,
                "mentors_ukraine",
                420u64,
            ),
            (
                "Language for Ukraine - Q1 2025",
                "language-ukraine-2025-q1",
                ProgramType::Language,
                "language_ukraine",
                330u64,
            ),
        ];
        let mut instance_ids = Vec::new();
        let mut rows = Vec::new();
        for (name, slug_text, program_type, source_label, started) in imported {
            let id = self.id();
            instance_ids.push((id, source_label));
            let start = self.day(started).date_naive();
            rows.push(
                entity::program_instance::Model {
                    id,
                    name: name.to_owned(),
                    campaign_id: None,
                    program_template_id: None,
                    company_id: companies.first().copied(),
                    beneficiary_group_id: None,
                    start_date: start,
                    end_date: start.checked_add_days(Days::new(91)),
                    status: ProgramInstanceStatus::Completed,
                    config: serde_json::json!({}),
                    enrolled_volunteers: 35,
                    enrolled_beneficiaries: 60,
                    active_pairs: None,
                    active_groups: None,
                    total_sessions_held: 0,
                    total_hours_logged: Numeric::ZERO,
                    sroi_score: None,
                    average_vis_score: None,
                    outcome_scores: None,
                    volunteers_consumed: 0,
                    credits_consumed: None,
                    learners_served: 0,
                    created_at: self.day(started),
                    updated_at: self.day(started),
                    last_activity_at: None,
                    program_type,
                    program_name: name.to_owned(),
                    program_slug: slug_text.to_owned(),
                    external_system_id: Some(format!("kintell-{slug_text}")),
                    external_system: Some("kintell".to_owned()),
                    description: Some(format!("{name} cohort imported from Kintell")),
                    target_participants: Some("Ukrainian refugees in Norway".to_owned()),
                    program_goals: Some(serde_json::json!(["integration", "employment"])),
                    metadata: Some(serde_json::json!({ "sourceProgramType": source_label })),
                }
                .into_active_model(),
            );
        }
        insert_all(db, rows).await?;

        let mut batches = Vec::new();
        let mut sessions = Vec::new();
        let mut session_number = 1000;
        for (batch_index, (instance, source_label)) in
            instance_ids.iter().cycle().take(3).enumerate()
        {
            let batch = self.id();
            let failed = batch_index == 2;
            let total = self.rng.random_range(25..45);
            let errors = if failed {
                4
            } else {
                self.rng.random_range(0..3)
            };
            let started = self.day(200 - batch_index as u64 * 40);
            let mut hash = String::with_capacity(64);
            for _ in 0..32 {
                hash.push_str(&format!("{:02x}", self.rng.random::<u8>()));
            }
            let row_errors: Vec<RowError> = (0..errors)
                .map(|e| RowError {
                    row: 2 + e * 7,
                    field: Some("completed_at".to_owned()),
                    reason: "not a date".to_owned(),
                    external_session_id: Some(format!("KS-{}", 9000 + e)),
                })
                .collect();
            let success = total - errors;
            let imported_rows = if failed { success / 2 } else { success };
            batches.push(
                entity::ingestion_batch::Model {
                    id: batch,
                    file_name: format!("{source_label}-export-{}.csv", batch_index + 1),
                    file_hash: hash,
                    file_size_bytes: Some(total * 512),
                    program_type: (*source_label).to_owned(),
                    program_instance_id: Some(*instance),
                    source_system: "kintell".to_owned(),
                    import_method: "csv_upload".to_owned(),
                    total_rows: total,
                    success_rows: imported_rows,
                    error_rows: errors,
                    skipped_rows: 0,
                    last_processed_row: if failed {
                        imported_rows + errors
                    } else {
                        total
                    },
                    error_file_path: None,
                    csv_metadata: Some(CsvMetadata {
                        delimiter: Some(",".to_owned()),
                        encoding: Some("utf-8".to_owned()),
                        header_row: Some(vec![
                            "session_id".into(),
                            "participant".into(),
                            "volunteer".into(),
                            "completed_at".into(),
                        ]),
                        column_mapping: None,
                        source_file_modified_at: None,
                    }),
                    imported_by: Some(self.admin),
                    imported_by_service: Some("kintell-connector".to_owned()),
                    status: if failed {
                        IngestionStatus::Failed
                    } else {
                        IngestionStatus::Completed
                    },
                    error_summary: (errors > 0).then(|| ErrorSummary {
                        total_errors: errors,
                        errors_by_type: [("invalid_date".to_owned(), errors)].into_iter().collect(),
                        row_errors: row_errors.clone(),
                        failure_reason: None,
                    }),
                    started_at: Some(started),
                    completed_at: Some(started + chrono::Duration::minutes(3)),
                    created_at: started,
                    updated_at: started + chrono::Duration::minutes(3),
                }
                .into_active_model(),
            );
            for _ in 0..imported_rows {
                session_number += 1;
                let completed = started - chrono::Duration::days(self.rng.random_range(1..80));
                let participant = self.participant();
                let volunteer = self.participant();
                sessions.push(
                    entity::kintell_session::Model {
                        id: self.id(),
                        external_session_id: format!("KS-{session_number}"),
                        session_type: if source_label.starts_with("language") {
                            "language"
                        } else {
                            "mentorship"
                        }
                        .to_owned(),
                        participant_id: Some(participant),
                        volunteer_id: Some(volunteer),
                        scheduled_at: Some(completed - chrono::Duration::hours(1)),
                        // Every sixth session has no completion time recorded, so lists
                        // sorted by completion have NULL keys to page past.
                        completed_at: (session_number % 6 != 0).then_some(completed),
                        duration_minutes: Some(self.rng.random_range(30..90)),
                        rating: Some(Numeric(Decimal::new(self.rng.random_range(300..500), 2))),
                        feedback_text: None,
                        language_level: source_label
                            .starts_with("language")
                            .then(|| "A2".to_owned()),
                        topics: Some(serde_json::json!(["cv", "interview"])),
                        metadata: None,
                        created_at: started,
                        updated_at: started,
                        batch_id: Some(batch),
                        program_instance_id: Some(*instance),
                    }
                    .into_active_model(),
                );
            }
        }
        self.summary.ingestion_batches = insert_all(db, batches).await?;
        self.summary.kintell_sessions = insert_all(db, sessions).await?;
        Ok(())
    }

    async fn community<C: ConnectionTrait>(&mut self, db: &C) -> Result<(), DbErr> {
        const TIERS: [(i32, &str); 5] = [
            (0, "Novice"),
            (100, "Contributor"),
            (300, "Regular"),
            (600, "Expert"),
            (1000, "Legend"),
        ];
        let count = 30usize;
        let mut members = Vec::new();
        let mut member_ids = Vec::new();
        for index in 0..count {
            let member_id = format!("#{}", 200 + index);
            let reputation = self.rng.random_range(0..1200);
            let tier = TIERS
                .iter()
                .rev()
                .find(|(floor, _)| reputation >= *floor)
                .map(|(_, t)| *t)
                .unwrap_or("Novice");
            let verified = index % 3 == 0;
            let last_active_days_ago = self.rng.random_range(0..20);
            let first = *self.pick(FIRST_NAMES);
            let last = *self.pick(LAST_NAMES);
            members.push(
                entity::community_member::Model {
                    id: self.id(),
                    member_id: member_id.clone(),
                    telegram_id: format!("{}", 700_000_000 + index * 7919),
                    telegram_username: Some(format!("{}_{}", slug(first), index)),
                    name: format!("{first} {last}"),
                    primary_role: (*self.pick(&["developer", "designer", "founder", "student"])).to_owned(),
                    organization: None,
                    country: Some((*self.pick(&["Mexico", "Colombia", "Argentina", "Peru", "Chile"])).to_owned()),
                    github_username: verified.then(|| format!("{}-{}", slug(first), index)),
                    github_verified: verified,
                    github_verified_at: verified.then(|| self.naive(50)),
                    github_profile_data: verified.then(|| serde_json::json!({ "publicRepos": self.rng.random_range(1..60), "followers": self.rng.random_range(0..300) })),
                    status: if index % 10 == 9 { MemberStatus::Inactive } else { MemberStatus::Active },
                    reputation_score: reputation,
                    reputation_tier: Some(tier.to_owned()),
                    // Each member after the first was invited by an earlier one.
                    invited_by: (index > 0).then(|| format!("#{}", 200 + index / 2)),
                    registration_fee_paid: Some(index % 2 == 0),
                    registration_fee_tx_hash: None,
                    profile_data: None,
                    created_at: self.naive(120 - index as u64),
                    updated_at: self.naive(10),
                    last_active_at: Some(self.naive(last_active_days_ago)),
                    deleted_at: (index == count - 1).then(|| self.naive(3)),
                }
                .into_active_model(),
            );
            member_ids.push(member_id);
        }
        // Members reference their inviters, so insert in order: the first, then the rest.
        let mut members = members.into_iter();
        let first: Vec<_> = members.by_ref().take(1).collect();
        insert_all(db, first).await?;
        self.summary.community_members = 1 + insert_all(db, members.collect()).await?;

        let mut invitations = Vec::new();
        for index in 0..40usize {
            let code: String = (0..16)
                .map(|_| *self.pick(b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789".as_ref()) as char)
                .collect();
            let status = match index % 4 {
                0 => InvitationStatus::Accepted,
                1 => InvitationStatus::Expired,
                _ => InvitationStatus::Pending,
            };
            let created = self.naive(30 - (index as u64 % 25));
            invitations.push(
                entity::community_invitation::Model {
                    invitation_id: self.id(),
                    invitation_code: code,
                    created_by: member_ids[index % member_ids.len()].clone(),
                    invited_telegram_username: Some(format!("friend_{index}")),
                    status,
                    expires_at: created + chrono::Duration::days(7),
                    accepted_by: (status == InvitationStatus::Accepted)
                        .then(|| member_ids[(index + 1) % member_ids.len()].clone()),
                    accepted_at: (status == InvitationStatus::Accepted)
                        .then(|| created + chrono::Duration::days(1)),
                    created_at: created,
                    updated_at: created,
                }
                .into_active_model(),
            );
        }
        self.summary.community_invitations = insert_all(db, invitations).await?;

        let mut participation = Vec::new();
        let mut highlights = Vec::new();
        for member in &member_ids {
            for day in 0..7u64 {
                let messages = self.rng.random_range(0..12);
                let reactions = self.rng.random_range(0..20);
                for event in 0..messages.min(3) {
                    participation.push(
                        entity::member_participation::Model {
                            id: self.id(),
                            member_id: member.clone(),
                            event_type: if event == 2 { "REACTION" } else { "MESSAGE" }.to_owned(),
                            platform: "telegram".to_owned(),
                            room_id: "frutero-general".to_owned(),
                            event_metadata: None,
                            occurred_at: self.naive(day),
                        }
                        .into_active_model(),
                    );
                }
                highlights.push(
                    entity::member_daily_highlight::Model {
                        id: self.id(),
                        member_id: member.clone(),
                        highlight_date: self.date(-(day as i64)),
                        message_count: Some(messages),
                        reaction_count: Some(reactions),
                        voice_minutes: Some(self.rng.random_range(0..30)),
                        reputation_earned: Some(messages + reactions / 2),
                        created_at: self.naive(day),
                    }
                    .into_active_model(),
                );
            }
        }
        insert_all(db, participation).await?;
        insert_all(db, highlights).await?;

        let mut relationships = Vec::new();
        for index in 1..member_ids.len() {
            relationships.push(
                entity::member_relationship::Model {
                    id: self.id(),
                    entity_id_a: member_ids[index / 2].clone(),
                    entity_id_b: member_ids[index].clone(),
                    relationship_type: "INVITED".to_owned(),
                    content: serde_json::json!({ "source": "invitation" }),
                    created_at: self.naive(100),
                    ended_at: None,
                }
                .into_active_model(),
            );
        }
        insert_all(db, relationships).await?;
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
