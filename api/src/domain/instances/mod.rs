//! Program instances of campaigns: creating one (company, template and group copied from the
//! campaign; configuration = template defaults ← campaign overrides ← the instance's own,
//! deep-merged; a unique slug), recording its progress, and the roll-up of every instance into
//! its campaign's current counts and totals — with the capacity alerts that raises — in the
//! same transaction.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect,
};
use serde_json::Value;
use uuid::Uuid;

use entity::enums::{ProgramInstanceStatus as Status, ProgramType};
use entity::json::OutcomeScores;
use entity::prelude::{
    Campaign as CampaignEntity, ProgramInstance as InstanceEntity, ProgramTemplate,
};
use entity::{Numeric, campaign, program_instance};

pub mod kintell;

use crate::domain::campaigns::rules::recompute_derived;
use crate::domain::capacity::alerts::{self, AlertSource};
use crate::domain::policy::Domain;
use crate::domain::validate::refused_move;
use crate::domain::write::Write;
use crate::error::{AppError, AppResult, conflict_on_unique};

/// `overlay` merged into `base`: objects merge key by key, recursively; anything else in
/// `overlay` replaces what `base` has.
pub fn deep_merge(base: &mut Value, overlay: &Value) {
    match (base, overlay) {
        (Value::Object(base), Value::Object(overlay)) => {
            for (key, value) in overlay {
                match base.get_mut(key) {
                    Some(existing) => deep_merge(existing, value),
                    None => {
                        base.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (base, overlay) => *base = overlay.clone(),
    }
}

/// A new program instance of a campaign.
#[derive(Clone, Debug)]
pub struct NewInstance {
    pub name: String,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub status: Option<Status>,
    pub config: Option<Value>,
    pub description: Option<String>,
    /// The system that also runs it (`kintell`, say) and its id there.
    pub external_system: Option<String>,
    pub external_system_id: Option<String>,
    /// Refused: an instance of a campaign runs its template's program type.
    pub program_type: Option<String>,
}

/// Progress of a program instance; `None` keeps a value. Counts are totals, not increments,
/// so the same progress recorded twice changes nothing.
#[derive(Clone, Debug, Default)]
pub struct Progress {
    pub status: Option<Status>,
    pub enrolled_volunteers: Option<i32>,
    pub enrolled_beneficiaries: Option<i32>,
    pub active_pairs: Option<i32>,
    pub active_groups: Option<i32>,
    pub total_sessions_held: Option<i32>,
    pub total_hours_logged: Option<Decimal>,
    pub sroi_score: Option<Decimal>,
    pub average_vis_score: Option<Decimal>,
    /// Replaces the instance's outcome scores.
    pub outcome_scores: Option<Vec<OutcomeScore>>,
    pub volunteers_consumed: Option<i32>,
    pub credits_consumed: Option<Decimal>,
    pub learners_served: Option<i32>,
}

/// One outcome dimension's score, 0 to 1.
#[derive(Clone, Debug)]
pub struct OutcomeScore {
    pub dimension: String,
    pub score: f64,
}

/// An instance, and its campaign when the change rolled up into one.
pub type InstanceChange = (program_instance::Model, Option<campaign::Model>);

/// Starts a program instance of campaign `campaign_id` and rolls it up into the campaign.
pub async fn create(
    write: &mut Write,
    campaign_id: Uuid,
    input: NewInstance,
) -> AppResult<InstanceChange> {
    write.authorize(Domain::Campaigns)?;
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 255 {
        return Err(AppError::bad_input(
            "input.name",
            "must be 1 to 255 characters",
        ));
    }
    if input
        .config
        .as_ref()
        .is_some_and(|config| !config.is_object())
    {
        return Err(AppError::bad_input("input.config", "must be a JSON object"));
    }
    if input.program_type.is_some() {
        return Err(AppError::bad_input(
            "input.programType",
            "an instance of a campaign runs its program template's type; give it only for a \
             Kintell instance, without a campaign",
        ));
    }
    let external_system = optional_external("input.externalSystem", input.external_system, 50)?;
    let external_system_id =
        optional_external("input.externalSystemId", input.external_system_id, 255)?;
    let campaign = write
        .find::<CampaignEntity>(campaign_id, "campaign", "campaignId")
        .await?;
    if input.start_date < campaign.start_date || input.start_date > campaign.end_date {
        return Err(AppError::bad_input(
            "input.startDate",
            format!(
                "must be within the campaign's period {} to {}",
                campaign.start_date, campaign.end_date
            ),
        ));
    }
    if let Some(end) = input.end_date
        && (end <= input.start_date || end > campaign.end_date)
    {
        return Err(AppError::bad_input(
            "input.endDate",
            format!(
                "must be after startDate and no later than the campaign's end {}",
                campaign.end_date
            ),
        ));
    }
    let template = write
        .find_any::<ProgramTemplate>(
            campaign.program_template_id,
            "program template",
            "campaignId",
        )
        .await?;
    let mut config = template.default_config.clone();
    if !config.is_object() {
        config = Value::Object(Default::default());
    }
    if let Some(overrides) = &campaign.config_overrides {
        deep_merge(&mut config, overrides);
    }
    if let Some(own) = &input.config {
        deep_merge(&mut config, own);
    }
    let slug = free_slug(write, &name).await?;
    let instance = program_instance::Model {
        campaign_id: Some(campaign.id),
        program_template_id: Some(template.id),
        company_id: Some(campaign.company_id),
        beneficiary_group_id: Some(campaign.beneficiary_group_id),
        end_date: input.end_date,
        status: input.status.unwrap_or(Status::Planned),
        config,
        external_system_id,
        external_system,
        description: input.description,
        ..unstarted(
            write,
            name,
            slug,
            template.program_type,
            template.name.clone(),
            input.start_date,
        )
    };
    let created = insert_new(write, instance).await?;
    let campaign = roll_up(write, campaign).await?;
    Ok((created, Some(campaign)))
}

/// A program instance that has not started: nothing counted yet, linked to nothing, PLANNED,
/// with an empty configuration; the creator sets what it links to.
fn unstarted(
    write: &Write,
    name: String,
    slug: String,
    program_type: ProgramType,
    program_name: String,
    start_date: NaiveDate,
) -> program_instance::Model {
    let now = write.now();
    program_instance::Model {
        id: Uuid::new_v4(),
        name,
        campaign_id: None,
        program_template_id: None,
        company_id: None,
        beneficiary_group_id: None,
        start_date,
        end_date: None,
        status: Status::Planned,
        config: Value::Object(Default::default()),
        enrolled_volunteers: 0,
        enrolled_beneficiaries: 0,
        active_pairs: None,
        active_groups: None,
        total_sessions_held: 0,
        total_hours_logged: Numeric(Decimal::ZERO),
        sroi_score: None,
        average_vis_score: None,
        outcome_scores: None,
        volunteers_consumed: 0,
        credits_consumed: None,
        learners_served: 0,
        created_at: now,
        updated_at: now,
        last_activity_at: None,
        program_type,
        program_name,
        program_slug: slug,
        external_system_id: None,
        external_system: None,
        description: None,
        target_participants: None,
        program_goals: None,
        metadata: None,
    }
}

/// Inserts a new instance (its slug from [`free_slug`]; a race for it is a `CONFLICT`).
async fn insert_new(
    write: &mut Write,
    instance: program_instance::Model,
) -> AppResult<program_instance::Model> {
    let slug = instance.program_slug.clone();
    let created = instance
        .into_active_model()
        .reset_all()
        .insert(write.txn())
        .await
        .map_err(|error| {
            conflict_on_unique(error, || {
                format!("the slug {slug} was just taken; try again")
            })
        })?;
    write.touch("ProgramInstance", created.id);
    Ok(created)
}

/// Records a program instance's progress; the campaign's current counts, totals, utilization
/// and flags are rolled up from all its instances, and any capacity alert the change crosses
/// into is raised.
pub async fn record_progress(
    write: &mut Write,
    id: Uuid,
    input: Progress,
) -> AppResult<InstanceChange> {
    write.authorize(Domain::Campaigns)?;
    for (field, value) in [
        ("input.enrolledVolunteers", input.enrolled_volunteers),
        ("input.enrolledBeneficiaries", input.enrolled_beneficiaries),
        ("input.activePairs", input.active_pairs),
        ("input.activeGroups", input.active_groups),
        ("input.totalSessionsHeld", input.total_sessions_held),
        ("input.volunteersConsumed", input.volunteers_consumed),
        ("input.learnersServed", input.learners_served),
    ] {
        non_negative(field, value)?;
    }
    for (field, value) in [
        ("input.totalHoursLogged", input.total_hours_logged),
        ("input.sroiScore", input.sroi_score),
        ("input.averageVisScore", input.average_vis_score),
        ("input.creditsConsumed", input.credits_consumed),
    ] {
        non_negative_decimal(field, value)?;
    }
    if let Some(scores) = &input.outcome_scores {
        for (index, score) in scores.iter().enumerate() {
            if !(0.0..=1.0).contains(&score.score) || !score.score.is_finite() {
                return Err(AppError::bad_input(
                    format!("input.outcomeScores[{index}].score"),
                    "must be between 0 and 1",
                ));
            }
            if score.dimension.trim().is_empty() {
                return Err(AppError::bad_input(
                    format!("input.outcomeScores[{index}].dimension"),
                    "must not be empty",
                ));
            }
        }
    }
    let instance = write
        .find::<InstanceEntity>(id, "program instance", "id")
        .await?;
    let campaign = match instance.campaign_id {
        Some(campaign_id) => Some(
            write
                .find::<CampaignEntity>(campaign_id, "campaign", "id")
                .await?,
        ),
        None => None,
    };
    let mut changed = instance.clone();
    if let Some(status) = input.status
        && status != instance.status
    {
        let allowed = next_statuses(instance.status);
        if !allowed.contains(&status) {
            return Err(refused_move(
                "program instance",
                instance.status,
                status,
                allowed,
            ));
        }
        changed.status = status;
    }
    macro_rules! assign {
        ($($field:ident),*) => {$(
            if let Some(value) = input.$field {
                changed.$field = value.into();
            }
        )*};
    }
    assign!(
        enrolled_volunteers,
        enrolled_beneficiaries,
        total_sessions_held,
        volunteers_consumed,
        learners_served
    );
    if input.active_pairs.is_some() {
        changed.active_pairs = input.active_pairs;
    }
    if input.active_groups.is_some() {
        changed.active_groups = input.active_groups;
    }
    if let Some(hours) = input.total_hours_logged {
        changed.total_hours_logged = Numeric(hours);
    }
    if let Some(sroi) = input.sroi_score {
        changed.sroi_score = Some(Numeric(sroi));
    }
    if let Some(vis) = input.average_vis_score {
        changed.average_vis_score = Some(Numeric(vis));
    }
    if let Some(credits) = input.credits_consumed {
        changed.credits_consumed = Some(Numeric(credits));
    }
    if let Some(scores) = &input.outcome_scores {
        changed.outcome_scores = Some(OutcomeScores(
            scores
                .iter()
                .map(|score| (score.dimension.trim().to_owned(), score.score))
                .collect(),
        ));
    }
    let now = write.now();
    changed.updated_at = now;
    changed.last_activity_at = Some(now);
    let updated = changed
        .into_active_model()
        .reset_all()
        .update(write.txn())
        .await?;
    write.touch("ProgramInstance", updated.id);
    let campaign = match campaign {
        Some(campaign) => Some(roll_up(write, campaign).await?),
        None => None,
    };
    Ok((updated, campaign))
}

/// Recomputes the campaign's current counts and totals from all its instances (under the
/// campaign's row lock), its derived utilization and flags, stores it, and raises the capacity
/// alerts the change crossed into.
pub async fn roll_up(write: &mut Write, campaign: campaign::Model) -> AppResult<campaign::Model> {
    let instances = InstanceEntity::find()
        .filter(program_instance::Column::CampaignId.eq(campaign.id))
        .all(write.txn())
        .await?;
    let mut rolled = campaign.clone();
    rolled.current_volunteers = instances.iter().map(|i| i.enrolled_volunteers).sum();
    rolled.current_beneficiaries = instances.iter().map(|i| i.enrolled_beneficiaries).sum();
    rolled.current_sessions = instances.iter().map(|i| i.total_sessions_held).sum();
    rolled.total_sessions_completed = Some(rolled.current_sessions);
    rolled.total_hours_logged = Some(Numeric(
        instances.iter().map(|i| i.total_hours_logged.0).sum(),
    ));
    let average = |values: Vec<Decimal>| {
        (!values.is_empty()).then(|| {
            Numeric((values.iter().sum::<Decimal>() / Decimal::from(values.len())).round_dp(2))
        })
    };
    rolled.cumulative_sroi = average(
        instances
            .iter()
            .filter_map(|i| i.sroi_score.map(|s| s.0))
            .collect(),
    );
    rolled.average_vis = average(
        instances
            .iter()
            .filter_map(|i| i.average_vis_score.map(|s| s.0))
            .collect(),
    );
    let credits: Decimal = instances
        .iter()
        .filter_map(|i| i.credits_consumed.map(|c| c.0))
        .sum();
    recompute_derived(&mut rolled, Some(credits));
    rolled.updated_at = write.now();
    let stored = rolled
        .into_active_model()
        .reset_all()
        .update(write.txn())
        .await?;
    alerts::observe(write, &stored, AlertSource::Progress, None).await?;
    write.touch("Campaign", stored.id);
    Ok(stored)
}

/// The credits a campaign's instances have consumed.
pub async fn credits_consumed(write: &Write, campaign_id: Uuid) -> AppResult<Decimal> {
    let consumed: Vec<Option<Numeric>> = InstanceEntity::find()
        .select_only()
        .column(program_instance::Column::CreditsConsumed)
        .filter(program_instance::Column::CampaignId.eq(campaign_id))
        .into_tuple()
        .all(write.txn())
        .await?;
    Ok(consumed
        .into_iter()
        .flatten()
        .map(|credits| credits.0)
        .sum())
}

/// A URL-friendly slug of `name` not yet taken by another instance.
async fn free_slug(write: &Write, name: &str) -> AppResult<String> {
    let base = slug::slugify(name);
    let base = if base.is_empty() {
        "program".to_owned()
    } else {
        base
    };
    let taken: Vec<String> = InstanceEntity::find()
        .select_only()
        .column(program_instance::Column::ProgramSlug)
        .filter(program_instance::Column::ProgramSlug.starts_with(base.as_str()))
        .into_tuple()
        .all(write.txn())
        .await?;
    let taken: std::collections::HashSet<String> = taken.into_iter().collect();
    let mut candidate = base.clone();
    let mut suffix = 2;
    while taken.contains(&candidate) {
        candidate = format!("{base}-{suffix}");
        suffix += 1;
    }
    Ok(candidate)
}

/// An optional external reference, trimmed: 1 to `max` characters when given.
fn optional_external(field: &str, value: Option<String>, max: usize) -> AppResult<Option<String>> {
    match value.map(|text| text.trim().to_owned()) {
        Some(text) if text.is_empty() || text.chars().count() > max => Err(AppError::bad_input(
            field,
            format!("must be 1 to {max} characters"),
        )),
        other => Ok(other),
    }
}

fn non_negative(field: &str, value: Option<i32>) -> AppResult<()> {
    match value {
        Some(value) if value < 0 => Err(AppError::bad_input(field, "must not be negative")),
        _ => Ok(()),
    }
}

fn non_negative_decimal(field: &str, value: Option<Decimal>) -> AppResult<()> {
    match value {
        Some(value) if value < Decimal::ZERO => {
            Err(AppError::bad_input(field, "must not be negative"))
        }
        _ => Ok(()),
    }
}

/// The statuses an instance in `from` may move to: planned → active ⇄ paused → completed,
/// and cancelled from any state that is not final. Completed and cancelled are final.
pub fn next_statuses(from: Status) -> &'static [Status] {
    match from {
        Status::Planned => &[Status::Active, Status::Cancelled],
        Status::Active => &[Status::Paused, Status::Completed, Status::Cancelled],
        Status::Paused => &[Status::Active, Status::Completed, Status::Cancelled],
        Status::Completed | Status::Cancelled => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_instance_runs_planned_active_paused_completed_and_cancels_until_final() {
        use Status::*;
        let moves = |from| next_statuses(from).to_vec();
        assert_eq!(moves(Planned), [Active, Cancelled]);
        assert!(moves(Active).contains(&Paused) && moves(Paused).contains(&Active));
        assert!(moves(Active).contains(&Completed));
        assert!(
            !moves(Planned).contains(&Completed),
            "an instance that never ran"
        );
        for from in [Planned, Active, Paused] {
            assert!(moves(from).contains(&Cancelled), "{from:?}");
        }
        assert!(moves(Completed).is_empty() && moves(Cancelled).is_empty());
    }

    #[test]
    fn deep_merge_layers_objects_and_replaces_everything_else() {
        let mut config = json!({"sessionFormat": "online", "matching": {"byLanguage": true, "byCity": false}, "focus": ["jobs"]});
        deep_merge(
            &mut config,
            &json!({"matching": {"byCity": true}, "focus": ["language"]}),
        );
        deep_merge(&mut config, &json!({"sessionFormat": "hybrid"}));
        assert_eq!(
            config,
            json!({"sessionFormat": "hybrid", "matching": {"byLanguage": true, "byCity": true}, "focus": ["language"]})
        );
    }
}
