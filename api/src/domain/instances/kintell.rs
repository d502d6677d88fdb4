//! Kintell program instances: instances that run outside any campaign, whose sessions come
//! from Kintell exports (seed 001). They have no company, template or group; what identifies
//! them is `external_system = 'kintell'` with Kintell's own id for the program
//! (`external_system_id`), which must be unique among Kintell instances. Their program type
//! comes from a Kintell program label (all four of 001 map, see
//! [`program_type_of_label`]); Kintell's own label is kept in `metadata.sourceProgramType`,
//! as the sessions imported under it keep it.
//!
//! Creating one is an ingestion change: the `ingestion` role (the importer) and admins may.

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use entity::enums::ProgramInstanceStatus as Status;
use entity::prelude::ProgramInstance as InstanceEntity;
use entity::program_instance;

use crate::domain::ingestion::rules::{is_source_label, program_type_of_label};
use crate::domain::instances::{free_slug, insert_new, unstarted};
use crate::domain::policy::Domain;
use crate::domain::write::Write;
use crate::error::{AppError, AppResult};

/// `program_instances.external_system` of an instance fed by Kintell exports.
pub const KINTELL: &str = "kintell";

/// A new Kintell program instance.
#[derive(Clone, Debug)]
pub struct NewKintellInstance {
    pub name: String,
    /// Must be [`KINTELL`]: an instance without a campaign is a Kintell instance.
    pub external_system: String,
    /// Kintell's id of the program run.
    pub external_system_id: String,
    /// A Kintell program label (`mentors_ukraine`, `language_ukraine`, `buddy`, `upskilling`)
    /// or the platform's name of the type.
    pub program_type: String,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub status: Option<Status>,
    pub description: Option<String>,
}

/// The Kintell instance of Kintell's program `external_id`, if the platform has it.
pub async fn kintell_instance(
    write: &Write,
    external_id: &str,
) -> AppResult<Option<program_instance::Model>> {
    Ok(InstanceEntity::find()
        .filter(program_instance::Column::ExternalSystem.eq(KINTELL))
        .filter(program_instance::Column::ExternalSystemId.eq(external_id.trim()))
        .one(write.txn())
        .await?)
}

/// The checks a Kintell instance passes before anything is read: the trimmed name and
/// external id, and the platform program type.
fn validate(input: &NewKintellInstance) -> AppResult<(String, String)> {
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 255 {
        return Err(AppError::bad_input(
            "input.name",
            "must be 1 to 255 characters",
        ));
    }
    if input.external_system.trim() != KINTELL {
        return Err(AppError::bad_input(
            "input.externalSystem",
            format!("an instance without a campaign is a Kintell instance: must be \"{KINTELL}\""),
        ));
    }
    let external_id = input.external_system_id.trim().to_owned();
    if external_id.is_empty() || external_id.chars().count() > 255 {
        return Err(AppError::bad_input(
            "input.externalSystemId",
            "must be 1 to 255 characters",
        ));
    }
    if let Some(end) = input.end_date
        && end <= input.start_date
    {
        return Err(AppError::bad_input(
            "input.endDate",
            "must be after startDate",
        ));
    }
    Ok((name, external_id))
}

/// Creates a Kintell program instance (see the module documentation). Refused: a caller who
/// does not write ingestion data (`FORBIDDEN`), bad input (`BAD_USER_INPUT` on its field), a
/// Kintell id another instance already has (`CONFLICT` naming that instance).
pub async fn create_kintell(
    write: &mut Write,
    input: NewKintellInstance,
) -> AppResult<program_instance::Model> {
    write.authorize(Domain::Ingestion)?;
    let (name, external_id) = validate(&input)?;
    let label = input.program_type.trim();
    let program_type = program_type_of_label(label).ok_or_else(|| {
        AppError::bad_input(
            "input.programType",
            format!(
                "{label:?} is not a Kintell program: mentors_ukraine, language_ukraine, buddy \
                 or upskilling"
            ),
        )
    })?;
    if let Some(taken) = kintell_instance(write, &external_id).await? {
        return Err(AppError::conflict_on(
            "input.externalSystemId",
            format!(
                "the Kintell program {external_id} is already the program instance {} ({})",
                taken.program_slug, taken.id
            ),
        ));
    }
    let slug = free_slug(write, &name).await?;
    let instance = program_instance::Model {
        end_date: input.end_date,
        status: input.status.unwrap_or(Status::Planned),
        external_system_id: Some(external_id),
        external_system: Some(KINTELL.to_owned()),
        description: input.description,
        metadata: is_source_label(label).then(|| json!({ "sourceProgramType": label })),
        ..unstarted(
            write,
            name.clone(),
            slug,
            program_type,
            name,
            input.start_date,
        )
    };
    let created = insert_new(write, instance).await?;
    Ok(created)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> NewKintellInstance {
        NewKintellInstance {
            name: " Mentors for Ukraine, spring ".to_owned(),
            external_system: KINTELL.to_owned(),
            external_system_id: "KP-7".to_owned(),
            program_type: "mentors_ukraine".to_owned(),
            start_date: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap_or_default(),
            end_date: None,
            status: None,
            description: None,
        }
    }

    fn refused_field(input: NewKintellInstance) -> String {
        match validate(&input) {
            Err(AppError::BadUserInput { field, .. }) => field,
            other => panic!("expected BAD_USER_INPUT, got {other:?}"),
        }
    }

    #[test]
    fn a_kintell_instance_needs_kintell_an_external_id_and_an_end_after_its_start() {
        assert_eq!(
            validate(&input()).ok(),
            Some(("Mentors for Ukraine, spring".to_owned(), "KP-7".to_owned()))
        );
        let mut other_system = input();
        other_system.external_system = "salesforce".to_owned();
        assert_eq!(refused_field(other_system), "input.externalSystem");
        let mut blank_id = input();
        blank_id.external_system_id = "  ".to_owned();
        assert_eq!(refused_field(blank_id), "input.externalSystemId");
        let mut backwards = input();
        backwards.end_date = NaiveDate::from_ymd_opt(2026, 2, 1);
        assert_eq!(refused_field(backwards), "input.endDate");
    }
}
