//! The activity catalogue (seed 004's `activities`, the sessions and workshops programs are
//! built from): creating, changing and retiring activities. A retired activity keeps its
//! program links and attendance as history, but is no longer changed or added to a program.
//! Each service authorizes the caller for `Domain::Programs`, checks the input, writes, and
//! records the rows it touched.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
use uuid::Uuid;

use entity::activity;
use entity::prelude::Activity as ActivityEntity;

use crate::domain::policy::Domain;
use crate::domain::programs::rules::{
    ACTIVITY_DESCRIPTION_MAX, ACTIVITY_NAME_MAX, ACTIVITY_TYPE_MAX, check_activity_times,
};
use crate::domain::validate::{Patch, checked, optional_text, patched, required_text};
use crate::domain::write::Write;
use crate::error::{AppError, AppResult};

/// The kind an activity has when none is given (the column's default).
pub const DEFAULT_ACTIVITY_TYPE: &str = "session";

/// A new activity.
#[derive(Clone, Debug)]
pub struct NewActivity {
    pub name: String,
    pub description: Option<String>,
    /// `session` when left out.
    pub activity_type: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
}

/// Changes to an activity; `None` keeps a value.
#[derive(Clone, Debug, Default)]
pub struct ActivityChanges {
    pub name: Option<String>,
    pub description: Patch<String>,
    pub activity_type: Option<String>,
    pub starts_at: Patch<DateTime<Utc>>,
    pub ends_at: Patch<DateTime<Utc>>,
}

/// Creates an activity. The name and kind are not blank; it does not end before it starts.
pub async fn create_activity(write: &mut Write, input: NewActivity) -> AppResult<activity::Model> {
    write.authorize(Domain::Programs)?;
    let name = required_text("input.name", &input.name, ACTIVITY_NAME_MAX)?;
    let description = optional_text(
        "input.description",
        input.description.as_deref(),
        ACTIVITY_DESCRIPTION_MAX,
    )?;
    let activity_type = match input.activity_type.as_deref() {
        None => DEFAULT_ACTIVITY_TYPE.to_owned(),
        Some(kind) => required_text("input.activityType", kind, ACTIVITY_TYPE_MAX)?,
    };
    check_activity_times(input.starts_at, input.ends_at)?;
    let now = write.now();
    let created = activity::ActiveModel {
        id: Set(Uuid::new_v4()),
        name: Set(name),
        description: Set(description),
        activity_type: Set(activity_type),
        starts_at: Set(input.starts_at),
        ends_at: Set(input.ends_at),
        created_at: Set(now),
        updated_at: Set(now),
        retired_at: Set(None),
    }
    .insert(write.txn())
    .await?;
    write.touch("Activity", created.id);
    Ok(created)
}

/// Changes an activity that is not retired (`CONFLICT` on `id` if it is). The times after the
/// change must still be in order.
pub async fn update_activity(
    write: &mut Write,
    id: Uuid,
    input: ActivityChanges,
) -> AppResult<activity::Model> {
    write.authorize(Domain::Programs)?;
    let name = input
        .name
        .as_deref()
        .map(|name| required_text("input.name", name, ACTIVITY_NAME_MAX))
        .transpose()?;
    let description = checked(input.description, |text| {
        optional_text("input.description", Some(&text), ACTIVITY_DESCRIPTION_MAX)
    })?
    .map(Option::flatten);
    let activity_type = input
        .activity_type
        .as_deref()
        .map(|kind| required_text("input.activityType", kind, ACTIVITY_TYPE_MAX))
        .transpose()?;
    let activity = write.find::<ActivityEntity>(id, "activity", "id").await?;
    ensure_not_retired(&activity, "id", "changed")?;
    let starts_at = patched(input.starts_at, activity.starts_at);
    let ends_at = patched(input.ends_at, activity.ends_at);
    check_activity_times(starts_at, ends_at)?;
    let mut change = activity.into_active_model();
    if let Some(name) = name {
        change.name = Set(name);
    }
    if let Some(description) = description {
        change.description = Set(description);
    }
    if let Some(kind) = activity_type {
        change.activity_type = Set(kind);
    }
    change.starts_at = Set(starts_at);
    change.ends_at = Set(ends_at);
    change.updated_at = Set(write.now());
    let updated = change.update(write.txn()).await?;
    write.touch("Activity", updated.id);
    Ok(updated)
}

/// Retires an activity: `retiredAt` is set, its program links and attendance stay. Retiring
/// it again is `CONFLICT` on `id`.
pub async fn retire_activity(write: &mut Write, id: Uuid) -> AppResult<activity::Model> {
    write.authorize(Domain::Programs)?;
    let activity = write.find::<ActivityEntity>(id, "activity", "id").await?;
    ensure_not_retired(&activity, "id", "retired again")?;
    let now = write.now();
    let mut change = activity.into_active_model();
    change.retired_at = Set(Some(now));
    change.updated_at = Set(now);
    let retired = change.update(write.txn()).await?;
    write.touch("Activity", retired.id);
    Ok(retired)
}

/// `CONFLICT` on `field` if `activity` is retired (it cannot be `what`).
pub(super) fn ensure_not_retired(
    activity: &activity::Model,
    field: &str,
    what: &str,
) -> AppResult<()> {
    match activity.retired_at {
        Some(retired_at) => Err(AppError::conflict_on(
            field,
            format!(
                "activity {:?} ({}) was retired at {}: it cannot be {what}",
                activity.name,
                activity.id,
                retired_at.to_rfc3339()
            ),
        )),
        None => Ok(()),
    }
}
