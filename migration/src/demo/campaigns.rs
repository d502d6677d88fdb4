//! Demo campaigns with their program instances and daily metrics snapshots (and the capacity alerts each day crossed into).

use super::*;

impl Generator<'_> {
    /// Final utilization of a campaign: mostly below 80 %, some near and some over capacity.
    pub(super) fn final_utilization(&mut self) -> f64 {
        let roll: f64 = self.rng.random();
        if roll < 0.68 {
            self.rng.random_range(0.25..0.79)
        } else if roll < 0.88 {
            self.rng.random_range(0.80..0.99)
        } else {
            self.rng.random_range(1.0..1.3)
        }
    }

    pub(super) async fn campaigns<C: ConnectionTrait>(
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

    pub(super) fn instances_of(
        &mut self,
        plan: &CampaignPlan,
    ) -> Vec<entity::program_instance::ActiveModel> {
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
    pub(super) fn snapshots_of(
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
}
