//! Rows inserted with plain SQL, for tests that exercise the schema itself (constraints,
//! cascades, migrations) without going through the API.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sea_orm::{DbErr, Value};
use uuid::Uuid;

use crate::TestDatabase;

fn id() -> (Uuid, Value) {
    let id = Uuid::new_v4();
    (id, Value::Uuid(Some(id)))
}

fn uuid(value: Uuid) -> Value {
    Value::Uuid(Some(value))
}

pub fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("a valid calendar date")
}

impl TestDatabase {
    pub async fn insert_user(&self) -> Uuid {
        let (id, value) = id();
        self.execute(
            "INSERT INTO users (id, email, role) VALUES ($1, $2, 'admin')",
            vec![value, format!("{id}@example.org").into()],
        )
        .await
        .expect("insert user");
        id
    }

    pub async fn insert_company(&self, name: &str) -> Uuid {
        let (id, value) = id();
        self.execute(
            "INSERT INTO companies (id, name) VALUES ($1, $2)",
            vec![value, name.into()],
        )
        .await
        .expect("insert company");
        id
    }

    pub async fn insert_template(&self) -> Uuid {
        let (id, value) = id();
        self.execute(
            "INSERT INTO program_templates (id, name, program_type, default_config)
             VALUES ($1, 'Mentorship 1:1', 'mentorship', $2)",
            vec![value, serde_json::json!({"sessionFormat": "1:1"}).into()],
        )
        .await
        .expect("insert template");
        id
    }

    pub async fn insert_group(&self) -> Uuid {
        let (id, value) = id();
        self.execute(
            "INSERT INTO beneficiary_groups (id, name, group_type, country_code, eligible_program_types)
             VALUES ($1, 'Syrian Refugees in Berlin', 'refugees', 'DE', $2)",
            vec![value, serde_json::json!(["mentorship", "language"]).into()],
        )
        .await
        .expect("insert beneficiary group");
        id
    }

    /// A campaign with the given budget; the ids it points at must exist (or the insert fails).
    pub async fn try_insert_campaign(
        &self,
        company: Uuid,
        template: Uuid,
        group: Uuid,
        budget_allocated: Decimal,
    ) -> Result<Uuid, DbErr> {
        let (id, value) = id();
        self.execute(
            "INSERT INTO campaigns (id, name, company_id, program_template_id, beneficiary_group_id,
                                    start_date, end_date, status, target_volunteers,
                                    target_beneficiaries, budget_allocated, pricing_model,
                                    capacity_utilization)
             VALUES ($1, 'Mentors for Syrian Refugees', $2, $3, $4, $5, $6, 'active', 50, 200, $7,
                     'seats', $8)",
            vec![
                value,
                uuid(company),
                uuid(template),
                uuid(group),
                date(2025, 1, 1).into(),
                date(2025, 12, 31).into(),
                budget_allocated.into(),
                Decimal::new(8500, 4).into(),
            ],
        )
        .await?;
        Ok(id)
    }

    /// A company, template, group and campaign; returns (company, template, group, campaign).
    pub async fn insert_campaign_graph(&self) -> (Uuid, Uuid, Uuid, Uuid) {
        let company = self.insert_company("Acme").await;
        let template = self.insert_template().await;
        let group = self.insert_group().await;
        let campaign = self
            .try_insert_campaign(company, template, group, Decimal::new(5_000_000, 2))
            .await
            .expect("insert campaign");
        (company, template, group, campaign)
    }

    /// A program instance of the campaign, with the program columns seed 001 requires.
    pub async fn insert_instance(
        &self,
        campaign: Uuid,
        company: Uuid,
        template: Uuid,
        group: Uuid,
    ) -> Uuid {
        let (id, value) = id();
        // The program type as a literal: on PostgreSQL the column is a native enum.
        self.execute(
            "INSERT INTO program_instances (id, name, campaign_id, company_id, program_template_id,
                                            beneficiary_group_id, start_date, end_date, status,
                                            program_type, program_name, program_slug)
             VALUES ($1, 'Berlin cohort 1', $2, $3, $4, $5, $6, $7, 'active',
                     'mentorship', 'Mentorship 1:1', $8)",
            vec![
                value,
                uuid(campaign),
                uuid(company),
                uuid(template),
                uuid(group),
                date(2025, 2, 1).into(),
                date(2025, 6, 30).into(),
                format!("berlin-cohort-1-{}", id.simple()).into(),
            ],
        )
        .await
        .expect("insert program instance");
        id
    }

    /// A program instance as seed 000 alone stores it, before seed 001 adds the program
    /// columns (for tests that stop the migrations there).
    pub async fn insert_seed_000_instance(
        &self,
        campaign: Uuid,
        company: Uuid,
        template: Uuid,
        group: Uuid,
    ) -> Uuid {
        let (id, value) = id();
        self.execute(
            "INSERT INTO program_instances (id, name, campaign_id, company_id, program_template_id,
                                            beneficiary_group_id, start_date, end_date, status)
             VALUES ($1, 'Berlin cohort 1', $2, $3, $4, $5, $6, $7, 'active')",
            vec![
                value,
                uuid(campaign),
                uuid(company),
                uuid(template),
                uuid(group),
                date(2025, 2, 1).into(),
                date(2025, 6, 30).into(),
            ],
        )
        .await
        .expect("insert program instance");
        id
    }

    pub async fn try_insert_snapshot(
        &self,
        campaign: Uuid,
        taken_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Uuid, DbErr> {
        let (id, value) = id();
        self.execute(
            "INSERT INTO campaign_metrics_snapshots (
               id, campaign_id, snapshot_date, volunteers_target, volunteers_current,
               volunteers_utilization, beneficiaries_target, beneficiaries_current,
               beneficiaries_utilization, sessions_current, budget_allocated, budget_spent,
               budget_remaining, budget_utilization, full_snapshot)
             VALUES ($1, $2, $3, 50, 45, $4, 200, 120, $5, 10, $6, $7, $8, $9, $10)",
            vec![
                value,
                uuid(campaign),
                taken_at.into(),
                Decimal::new(9000, 4).into(),
                Decimal::new(6000, 4).into(),
                Decimal::new(5_000_000, 2).into(),
                Decimal::new(1_250_050, 2).into(),
                Decimal::new(3_749_950, 2).into(),
                Decimal::new(2500, 4).into(),
                serde_json::json!({"campaignName": "Mentors for Syrian Refugees", "status": "active"}).into(),
            ],
        )
        .await?;
        Ok(id)
    }
}
