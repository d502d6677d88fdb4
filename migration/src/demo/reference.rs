//! Demo reference data and accounts: users, companies with their L2I subscriptions, beneficiary groups and program templates.

use super::*;

impl Generator<'_> {
    pub(super) async fn users<C: ConnectionTrait>(&mut self, db: &C) -> Result<(), DbErr> {
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

    pub(super) async fn companies<C: ConnectionTrait>(
        &mut self,
        db: &C,
    ) -> Result<Vec<Uuid>, DbErr> {
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

    pub(super) async fn subscriptions<C: ConnectionTrait>(
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

    pub(super) async fn beneficiary_groups<C: ConnectionTrait>(
        &mut self,
        db: &C,
    ) -> Result<Vec<Uuid>, DbErr> {
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

    pub(super) async fn templates<C: ConnectionTrait>(
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

    pub(super) fn template_row(
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
}
