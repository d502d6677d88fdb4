//! The entities whose rows can be read with only some of their columns, or as column arrays
//! ([`super::projection`], [`super::arrays`]): each model's fields in column order, and the
//! GraphQL fields of its node type that read other columns than their own.

use sea_orm::sqlx::postgres::PgRow;
use sea_orm::{DbErr, QueryResult};

use super::arrays::Arrays;
use super::projection::{Cells, Columns, Projected, decoder};

impl Projected for entity::campaign::Entity {
    decoder!(campaign {
        id,
        name,
        description,
        company_id,
        program_template_id,
        beneficiary_group_id,
        start_date,
        end_date,
        quarter,
        status,
        priority,
        target_volunteers,
        current_volunteers,
        target_beneficiaries,
        current_beneficiaries,
        max_sessions,
        current_sessions,
        budget_allocated,
        budget_spent,
        currency,
        pricing_model,
        committed_seats,
        seat_price_per_month,
        credit_allocation,
        credit_consumption_rate,
        credits_remaining,
        iaas_metrics,
        l2i_subscription_id,
        bundle_allocation_percentage,
        custom_pricing_terms,
        config_overrides,
        cumulative_sroi,
        average_vis,
        total_hours_logged,
        total_sessions_completed,
        capacity_utilization,
        is_near_capacity,
        is_over_capacity,
        is_high_value,
        upsell_opportunity_score,
        evidence_snippet_ids,
        tags,
        internal_notes,
        is_active,
        is_archived,
        created_at,
        updated_at,
        last_metrics_update_at,
        created_by,
        legal_hold,
    });

    fn derived(field: &str) -> Option<&'static [Self::Column]> {
        use entity::campaign::Column::*;
        Some(match field {
            "capacity" => &[
                TargetVolunteers,
                CurrentVolunteers,
                TargetBeneficiaries,
                CurrentBeneficiaries,
                MaxSessions,
                CurrentSessions,
            ],
            "budget" => &[BudgetAllocated, BudgetSpent, Currency],
            "pricing" => &[
                PricingModel,
                CommittedSeats,
                SeatPricePerMonth,
                CreditAllocation,
                CreditConsumptionRate,
                CreditsRemaining,
                IaasMetrics,
                BundleAllocationPercentage,
                CustomPricingTerms,
                L2iSubscriptionId,
            ],
            "company" => &[CompanyId],
            "programTemplate" => &[ProgramTemplateId],
            "beneficiaryGroup" => &[BeneficiaryGroupId],
            "programInstances" | "metricsSnapshots" | "latestSnapshot" | "metricsSeries" => &[],
            _ => return None,
        })
    }
}

impl Projected for entity::program_instance::Entity {
    decoder!(program_instance {
        id,
        name,
        campaign_id,
        program_template_id,
        company_id,
        beneficiary_group_id,
        start_date,
        end_date,
        status,
        config,
        enrolled_volunteers,
        enrolled_beneficiaries,
        active_pairs,
        active_groups,
        total_sessions_held,
        total_hours_logged,
        sroi_score,
        average_vis_score,
        outcome_scores,
        volunteers_consumed,
        credits_consumed,
        learners_served,
        created_at,
        updated_at,
        last_activity_at,
        program_type,
        program_name,
        program_slug,
        external_system_id,
        external_system,
        description,
        target_participants,
        program_goals,
        metadata,
    });

    fn derived(field: &str) -> Option<&'static [Self::Column]> {
        use entity::program_instance::Column::*;
        Some(match field {
            "campaign" => &[CampaignId],
            "company" => &[CompanyId],
            "programTemplate" => &[ProgramTemplateId],
            "beneficiaryGroup" => &[BeneficiaryGroupId],
            "kintellSessions" => &[],
            _ => return None,
        })
    }
}

impl Projected for entity::campaign_metrics_snapshot::Entity {
    decoder!(campaign_metrics_snapshot {
        id,
        campaign_id,
        snapshot_date,
        volunteers_target,
        volunteers_current,
        volunteers_utilization,
        beneficiaries_target,
        beneficiaries_current,
        beneficiaries_utilization,
        sessions_target,
        sessions_current,
        sessions_utilization,
        budget_allocated,
        budget_spent,
        budget_remaining,
        budget_utilization,
        sroi_score,
        average_vis_score,
        total_hours_logged,
        total_sessions_completed,
        seats_used,
        seats_committed,
        credits_consumed,
        credits_allocated,
        learners_served,
        learners_committed,
        full_snapshot,
        created_at,
        sample_count,
        sroi_sum,
        sroi_samples,
        vis_sum,
        vis_samples,
    });

    fn derived(_field: &str) -> Option<&'static [Self::Column]> {
        None
    }
}

/// The reference rows read by id ([`super::related`]): always every column, as the by-id
/// loaders' cache holds them, so no field is derived.
impl Projected for entity::company::Entity {
    decoder!(company {
        id,
        name,
        industry,
        country,
        is_active,
        created_at,
        updated_at,
    });

    fn derived(_field: &str) -> Option<&'static [Self::Column]> {
        None
    }
}

impl Projected for entity::program_template::Entity {
    decoder!(program_template {
        id,
        name,
        description,
        program_type,
        version,
        default_config,
        default_min_participants,
        default_max_participants,
        default_volunteers_needed,
        outcome_metrics,
        suitable_for_groups,
        estimated_cost_per_participant,
        estimated_hours_per_volunteer,
        is_active,
        is_public,
        created_by,
        tags,
        created_at,
        updated_at,
        deprecated_at,
        superseded_by,
        owner_company_id,
    });

    fn derived(_field: &str) -> Option<&'static [Self::Column]> {
        None
    }
}

impl Projected for entity::beneficiary_group::Entity {
    decoder!(beneficiary_group {
        id,
        name,
        description,
        group_type,
        country_code,
        region,
        city,
        age_range,
        gender_focus,
        primary_languages,
        language_requirement,
        legal_status_categories,
        eligible_program_types,
        eligibility_rules,
        min_group_size,
        max_group_size,
        tags,
        partner_organizations,
        internal_notes,
        is_active,
        is_public,
        created_by,
        updated_by,
        created_at,
        updated_at,
        owner_company_id,
    });

    fn derived(_field: &str) -> Option<&'static [Self::Column]> {
        None
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{IdenStatic, Iterable};

    use super::*;

    fn fields_follow_the_columns<E: Projected>() {
        let columns: Vec<&str> = E::Column::iter().map(|c| c.as_str()).collect();
        assert_eq!(E::FIELDS, columns.as_slice());
        assert!(columns.len() <= 64);
    }

    #[test]
    fn decoders_list_every_field_in_column_order() {
        fields_follow_the_columns::<entity::campaign::Entity>();
        fields_follow_the_columns::<entity::program_instance::Entity>();
        fields_follow_the_columns::<entity::campaign_metrics_snapshot::Entity>();
        fields_follow_the_columns::<entity::company::Entity>();
        fields_follow_the_columns::<entity::program_template::Entity>();
        fields_follow_the_columns::<entity::beneficiary_group::Entity>();
    }
}
