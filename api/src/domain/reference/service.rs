//! Reference data services: creating, changing, deactivating and deleting beneficiary groups
//! and program template versions, adding a version to a template's lineage, and creating and
//! changing companies. Each authorizes the caller for `Domain::Reference`, checks the input
//! under [`rules`](crate::domain::reference::rules), locks what it changes, writes, and records
//! the rows it touched.
//!
//! A group or template may name an owning company. Made private (`is_public` false), it is
//! shared with that company only ([`crate::domain::policy::shares_reference`]): a change that
//! would take it away from a campaign of another company that already uses it is `CONFLICT`.

use std::collections::HashSet;

use sea_orm::sea_query::{Expr, ExprTrait, Func, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, DatabaseTransaction, DbErr,
    EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, SqlErr,
};

use uuid::Uuid;

use entity::prelude::{
    BeneficiaryGroup as GroupEntity, Campaign as CampaignEntity, Company as CompanyEntity,
    ProgramInstance as InstanceEntity, ProgramTemplate as TemplateEntity,
};
use entity::{beneficiary_group, company, program_template};

use crate::domain::policy::Domain;
use crate::domain::reference::rules::groups::{
    BeneficiaryGroupChanges, GroupFields, NewBeneficiaryGroup, blank_group,
};
use crate::domain::reference::rules::templates::{
    NewProgramTemplate, NewProgramTemplateVersion, ProgramTemplateChanges, TemplateFields,
    blank_template,
};
use crate::domain::reference::rules::{
    NAME_MAX, company_text, highest_version, is_above, parse_version, usage,
};
use crate::domain::validate::{Patch, checked, required_text};
use crate::domain::write::Write;
use crate::error::{AppError, AppResult};

/// A new company.
#[derive(Clone, Debug)]
pub struct NewCompany {
    pub name: String,
    pub industry: Option<String>,
    pub country: Option<String>,
    pub is_active: bool,
}

/// Changes to a company: `None` keeps a value, a cleared [`Patch`] clears an optional one.
#[derive(Clone, Debug, Default)]
pub struct CompanyChanges {
    pub name: Option<String>,
    pub industry: Patch<String>,
    pub country: Patch<String>,
    pub is_active: Option<bool>,
}

/// A new template version and the version it superseded.
#[derive(Clone, Debug)]
pub struct TemplateVersion {
    pub template: program_template::Model,
    pub superseded: program_template::Model,
}

/// A deleted template version and the older versions relinked around it.
#[derive(Clone, Debug)]
pub struct DeletedTemplate {
    pub id: Uuid,
    pub relinked: Vec<program_template::Model>,
}

/// Creates a beneficiary group. Refuses (`BAD_USER_INPUT`, naming the field) an age range
/// outside 0–120 or with min above max, a country that is not an ISO 3166-1 alpha-2 code, a
/// language that is not an ISO 639-1 code, negative group sizes or a minimum above the
/// maximum, and free text carrying an e-mail address or phone number.
pub async fn create_group(
    write: &mut Write,
    input: NewBeneficiaryGroup,
) -> AppResult<beneficiary_group::Model> {
    write.authorize(Domain::Reference)?;
    let now = write.now();
    let group_type = input.group_type;
    require_owner(write, input.owner_company_id).await?;
    let group = GroupFields::of_new(input)?.apply(blank_group(group_type, now))?;
    let created = group.into_active_model().insert(write.txn()).await?;
    write.touch("BeneficiaryGroup", created.id);
    Ok(created)
}

/// Changes a beneficiary group; the rules of [`create_group`] apply to the result.
pub async fn update_group(
    write: &mut Write,
    id: Uuid,
    input: BeneficiaryGroupChanges,
) -> AppResult<beneficiary_group::Model> {
    write.authorize(Domain::Reference)?;
    if let Some(owner) = input.owner_company_id {
        require_owner(write, owner).await?;
    }
    let fields = GroupFields::of_changes(input)?;
    let group = write
        .find::<GroupEntity>(id, "beneficiary group", "id")
        .await?;
    let mut group = fields.apply(group)?;
    refuse_unsharing(
        write,
        entity::campaign::Column::BeneficiaryGroupId.eq(id),
        (group.is_public, group.owner_company_id),
        &format!("beneficiary group {:?}", group.name),
    )
    .await?;
    group.updated_at = write.now();
    let updated = group
        .into_active_model()
        .reset_all()
        .update(write.txn())
        .await?;
    write.touch("BeneficiaryGroup", updated.id);
    Ok(updated)
}

/// Takes a beneficiary group out of use for new campaigns; the campaigns that already serve it
/// are not touched.
pub async fn deactivate_group(write: &mut Write, id: Uuid) -> AppResult<beneficiary_group::Model> {
    write.authorize(Domain::Reference)?;
    let group = write
        .find::<GroupEntity>(id, "beneficiary group", "id")
        .await?;
    let mut change = group.into_active_model();
    change.is_active = Set(false);
    change.updated_at = Set(write.now());
    let updated = change.update(write.txn()).await?;
    write.touch("BeneficiaryGroup", updated.id);
    Ok(updated)
}

/// Deletes a beneficiary group that no campaign or program instance uses; a group in use is
/// `CONFLICT`. Returns the deleted group's id.
pub async fn delete_group(write: &mut Write, id: Uuid) -> AppResult<Uuid> {
    write.authorize(Domain::Reference)?;
    let group = write
        .find::<GroupEntity>(id, "beneficiary group", "id")
        .await?;
    let in_use = |users: &str| {
        format!(
            "beneficiary group {:?} is used by {users} and cannot be deleted; deactivate it \
             instead (deactivateBeneficiaryGroup)",
            group.name
        )
    };
    refuse_in_use(
        write,
        entity::campaign::Column::BeneficiaryGroupId.eq(id),
        entity::program_instance::Column::BeneficiaryGroupId.eq(id),
        &in_use,
    )
    .await?;
    GroupEntity::delete_by_id(id)
        .exec(write.txn())
        .await
        .map_err(|error| conflict_on_reference(error, || in_use("a campaign")))?;
    write.touch("BeneficiaryGroup", id);
    Ok(id)
}

/// Creates a program template: the first version of a new lineage. The version must be a
/// semantic version, the name must not be taken (`CONFLICT` on `input.name`), and the default
/// configuration must have the shape of the program type.
pub async fn create_template(
    write: &mut Write,
    input: NewProgramTemplate,
) -> AppResult<program_template::Model> {
    write.authorize(Domain::Reference)?;
    let version = parse_version(&input.version)
        .map_err(|message| AppError::bad_input("input.version", message))?;
    let now = write.now();
    let mut template = TemplateFields::of_new(&input)?.apply(blank_template(
        input.program_type,
        version.to_string(),
        now,
    ))?;
    require_owner(write, input.owner_company_id).await?;
    template.owner_company_id = input.owner_company_id;
    refuse_taken_template_name(write.txn(), &template.name, &[]).await?;
    let created = template.into_active_model().insert(write.txn()).await?;
    write.touch("ProgramTemplate", created.id);
    Ok(created)
}

/// Changes one version of a program template (not its version or program type). A new name
/// must not be taken outside the template's lineage.
pub async fn update_template(
    write: &mut Write,
    id: Uuid,
    input: ProgramTemplateChanges,
) -> AppResult<program_template::Model> {
    write.authorize(Domain::Reference)?;
    let fields =
        TemplateFields::of_settings(input.name.as_deref(), input.is_active, input.settings)?;
    if let Some(owner) = input.owner_company_id {
        require_owner(write, owner).await?;
    }
    let template = write
        .find::<TemplateEntity>(id, "program template", "id")
        .await?;
    if let Some(name) = fields.name()
        && !name.eq_ignore_ascii_case(&template.name)
    {
        let versions: Vec<Uuid> = lineage(write.txn(), &template)
            .await?
            .iter()
            .map(|version| version.id)
            .collect();
        refuse_taken_template_name(write.txn(), name, &versions).await?;
    }
    let mut template = fields.apply(template)?;
    if let Some(owner) = input.owner_company_id {
        template.owner_company_id = owner;
    }
    refuse_unsharing(
        write,
        entity::campaign::Column::ProgramTemplateId.eq(id),
        (template.is_public, template.owner_company_id),
        &format!(
            "program template {:?} version {}",
            template.name, template.version
        ),
    )
    .await?;
    template.updated_at = write.now();
    let updated = template
        .into_active_model()
        .reset_all()
        .update(write.txn())
        .await?;
    write.touch("ProgramTemplate", updated.id);
    Ok(updated)
}

/// Adds a version to the lineage of the template `template_id` (any version of it). The new
/// version must be greater than every version of the lineage (`CONFLICT` on `input.version`);
/// it copies the latest version's settings unless the input gives them, and that latest
/// version becomes deprecated and superseded by the new one.
pub async fn create_template_version(
    write: &mut Write,
    template_id: Uuid,
    input: NewProgramTemplateVersion,
) -> AppResult<TemplateVersion> {
    write.authorize(Domain::Reference)?;
    let version = parse_version(&input.version)
        .map_err(|message| AppError::bad_input("input.version", message))?;
    let fields = TemplateFields::of_settings(None, None, input.settings)?;
    let template = write
        .find::<TemplateEntity>(template_id, "program template", "templateId")
        .await?;
    let (versions, latest) = locked_lineage(write, template).await?;
    if let Some(highest) = highest_version(versions.iter().map(|v| v.version.as_str()))
        && !is_above(&version, &highest)
    {
        return Err(AppError::conflict_on(
            "input.version",
            format!(
                "version {version} of program template {:?} must be greater than its latest \
                 version {highest}",
                latest.name
            ),
        ));
    }
    let now = write.now();
    let next = fields.apply(program_template::Model {
        id: Uuid::new_v4(),
        version: version.to_string(),
        is_active: true,
        created_by: None,
        created_at: now,
        updated_at: now,
        deprecated_at: None,
        superseded_by: None,
        ..latest.clone()
    })?;
    let created = next.into_active_model().insert(write.txn()).await?;
    let mut previous = latest.clone().into_active_model();
    previous.superseded_by = Set(Some(created.id));
    previous.deprecated_at = Set(Some(latest.deprecated_at.unwrap_or(now)));
    previous.updated_at = Set(now);
    let superseded = previous.update(write.txn()).await?;
    write.touch("ProgramTemplate", created.id);
    write.touch("ProgramTemplate", superseded.id);
    Ok(TemplateVersion {
        template: created,
        superseded,
    })
}

/// Takes a program template version out of use for new campaigns; campaigns that already use
/// it are not touched.
pub async fn deactivate_template(
    write: &mut Write,
    id: Uuid,
) -> AppResult<program_template::Model> {
    write.authorize(Domain::Reference)?;
    let template = write
        .find::<TemplateEntity>(id, "program template", "id")
        .await?;
    let mut change = template.into_active_model();
    change.is_active = Set(false);
    change.updated_at = Set(write.now());
    let updated = change.update(write.txn()).await?;
    write.touch("ProgramTemplate", updated.id);
    Ok(updated)
}

/// Deletes a program template version that no campaign or program instance uses (`CONFLICT`
/// otherwise). Older versions that it superseded are relinked to its successor; if it was the
/// latest version, the one before it is the latest again.
pub async fn delete_template(write: &mut Write, id: Uuid) -> AppResult<DeletedTemplate> {
    write.authorize(Domain::Reference)?;
    let template = write
        .find::<TemplateEntity>(id, "program template", "id")
        .await?;
    let in_use = |users: &str| {
        format!(
            "program template {:?} version {} is used by {users} and cannot be deleted; \
             deactivate it instead (deactivateProgramTemplate)",
            template.name, template.version
        )
    };
    refuse_in_use(
        write,
        entity::campaign::Column::ProgramTemplateId.eq(id),
        entity::program_instance::Column::ProgramTemplateId.eq(id),
        &in_use,
    )
    .await?;
    let predecessors = TemplateEntity::find()
        .filter(program_template::Column::SupersededBy.eq(id))
        .all(write.txn())
        .await?;
    let now = write.now();
    let mut relinked = Vec::with_capacity(predecessors.len());
    for predecessor in predecessors {
        let mut change = predecessor.into_active_model();
        change.superseded_by = Set(template.superseded_by);
        if template.superseded_by.is_none() {
            change.deprecated_at = Set(None);
        }
        change.updated_at = Set(now);
        let updated = change.update(write.txn()).await?;
        write.touch("ProgramTemplate", updated.id);
        relinked.push(updated);
    }
    TemplateEntity::delete_by_id(id)
        .exec(write.txn())
        .await
        .map_err(|error| conflict_on_reference(error, || in_use("a campaign")))?;
    write.touch("ProgramTemplate", id);
    Ok(DeletedTemplate { id, relinked })
}

/// Creates a company. Its name must not be taken (`CONFLICT` on `input.name`).
pub async fn create_company(write: &mut Write, input: NewCompany) -> AppResult<company::Model> {
    write.authorize(Domain::Reference)?;
    let name = required_text("input.name", &input.name, NAME_MAX)?;
    let industry = input
        .industry
        .as_deref()
        .map(|text| company_text("input.industry", text))
        .transpose()?
        .flatten();
    let country = input
        .country
        .as_deref()
        .map(|text| company_text("input.country", text))
        .transpose()?
        .flatten();
    refuse_taken_company_name(write.txn(), &name, None).await?;
    let now = write.now();
    let created = company::Model {
        id: Uuid::new_v4(),
        name,
        industry,
        country,
        is_active: input.is_active,
        created_at: now,
        updated_at: now,
    }
    .into_active_model()
    .insert(write.txn())
    .await?;
    write.touch("Company", created.id);
    Ok(created)
}

/// Changes a company; a new name must not be taken (`CONFLICT` on `input.name`).
pub async fn update_company(
    write: &mut Write,
    id: Uuid,
    input: CompanyChanges,
) -> AppResult<company::Model> {
    write.authorize(Domain::Reference)?;
    let name = input
        .name
        .as_deref()
        .map(|name| required_text("input.name", name, NAME_MAX))
        .transpose()?;
    let industry = checked(input.industry, |text| company_text("input.industry", &text))?;
    let country = checked(input.country, |text| company_text("input.country", &text))?;
    let company = write.find::<CompanyEntity>(id, "company", "id").await?;
    let mut change = company.into_active_model();
    if let Some(name) = name {
        refuse_taken_company_name(write.txn(), &name, Some(id)).await?;
        change.name = Set(name);
    }
    if let Some(industry) = industry {
        change.industry = Set(industry.flatten());
    }
    if let Some(country) = country {
        change.country = Set(country.flatten());
    }
    if let Some(active) = input.is_active {
        change.is_active = Set(active);
    }
    change.updated_at = Set(write.now());
    let updated = change.update(write.txn()).await?;
    write.touch("Company", updated.id);
    Ok(updated)
}

/// `NOT_FOUND` on `input.ownerCompanyId` unless the owner a reference row names exists.
async fn require_owner(write: &Write, owner: Option<Uuid>) -> AppResult<()> {
    if let Some(owner) = owner {
        write
            .find_any::<CompanyEntity>(owner, "company", "input.ownerCompanyId")
            .await?;
    }
    Ok(())
}

/// `CONFLICT` when a reference row, with the sharing `(is_public, owner)` a change gives it,
/// would no longer be shared with a company whose campaigns (those matching `campaigns`) use
/// it; `what` names the row for the message.
async fn refuse_unsharing(
    write: &Write,
    campaigns: SimpleExpr,
    (is_public, owner): (bool, Option<Uuid>),
    what: &str,
) -> AppResult<()> {
    if is_public {
        return Ok(());
    }
    // The campaigns `shares_reference` would refuse: every one without an owner, else those
    // of other companies.
    let mut users = CampaignEntity::find().filter(campaigns);
    if let Some(owner) = owner {
        users = users.filter(entity::campaign::Column::CompanyId.ne(owner));
    }
    let others = users.count(write.txn()).await?;
    if others == 0 {
        return Ok(());
    }
    Err(AppError::Conflict(format!(
        "{what} is used by {others} campaign(s) of other companies than its owner; a private \
         one may only be used by its owner's campaigns"
    )))
}

/// `CONFLICT` when campaigns or program instances (those matching `campaigns` and `instances`)
/// use a row; `in_use` words the refusal, given who uses it.
async fn refuse_in_use(
    write: &Write,
    campaigns: SimpleExpr,
    instances: SimpleExpr,
    in_use: &(dyn Fn(&str) -> String + Sync),
) -> AppResult<()> {
    let campaigns = CampaignEntity::find()
        .filter(campaigns)
        .count(write.txn())
        .await?;
    let instances = InstanceEntity::find()
        .filter(instances)
        .count(write.txn())
        .await?;
    match usage(campaigns, instances) {
        Some(users) => Err(AppError::Conflict(in_use(&users))),
        None => Ok(()),
    }
}

/// Rows whose `column` equals `name`, ignoring case.
fn named(column: impl ColumnTrait, name: &str) -> Condition {
    Condition::all().add(Expr::expr(Func::lower(Expr::col(column))).eq(name.to_lowercase()))
}

/// `CONFLICT` with `message` when `error` is a foreign-key violation (a campaign started using
/// the row between the usage check and the delete); any other error is internal.
fn conflict_on_reference(error: DbErr, message: impl FnOnce() -> String) -> AppError {
    match error.sql_err() {
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => AppError::Conflict(message()),
        _ => error.into(),
    }
}

/// Every version in the lineage of `start`: the templates reachable through `superseded_by`
/// in either direction.
async fn lineage(
    txn: &DatabaseTransaction,
    start: &program_template::Model,
) -> AppResult<Vec<program_template::Model>> {
    use program_template::Column;
    let mut members = vec![start.clone()];
    let mut known: HashSet<Uuid> = HashSet::from([start.id]);
    let mut frontier = vec![start.clone()];
    while !frontier.is_empty() {
        let ids: Vec<Uuid> = frontier.iter().map(|template| template.id).collect();
        let successors: Vec<Uuid> = frontier
            .iter()
            .filter_map(|template| template.superseded_by)
            .filter(|id| !known.contains(id))
            .collect();
        let mut linked = Condition::any().add(Column::SupersededBy.is_in(ids));
        if !successors.is_empty() {
            linked = linked.add(Column::Id.is_in(successors));
        }
        frontier = TemplateEntity::find()
            .filter(linked)
            .all(txn)
            .await?
            .into_iter()
            .filter(|template| known.insert(template.id))
            .collect();
        members.extend(frontier.iter().cloned());
    }
    Ok(members)
}

/// The lineage of `start` and its latest version, locked: a concurrent new version of the
/// same lineage waits for this write and then sees its result.
async fn locked_lineage(
    write: &Write,
    start: program_template::Model,
) -> AppResult<(Vec<program_template::Model>, program_template::Model)> {
    let mut start = start;
    // Each round follows a version another writer added meanwhile; a handful is plenty.
    for _ in 0..5 {
        let members = lineage(write.txn(), &start).await?;
        let Some(head) = members.iter().find(|t| t.superseded_by.is_none()) else {
            return Err(AppError::Internal(format!(
                "the lineage of program template {} has no latest version",
                start.id
            )));
        };
        let head = write
            .find::<TemplateEntity>(head.id, "program template", "templateId")
            .await?;
        if head.superseded_by.is_none() {
            return Ok((members, head));
        }
        start = head;
    }
    Err(AppError::Conflict(
        "the template's versions changed while adding this one; try again".to_owned(),
    ))
}

/// `CONFLICT` on `input.name` if a template outside `lineage` already has `name`.
async fn refuse_taken_template_name(
    txn: &DatabaseTransaction,
    name: &str,
    lineage: &[Uuid],
) -> AppResult<()> {
    use program_template::Column;
    let mut condition = named(Column::Name, name);
    if !lineage.is_empty() {
        condition = condition.add(Column::Id.is_not_in(lineage.iter().copied()));
    }
    if let Some(taken) = TemplateEntity::find().filter(condition).one(txn).await? {
        return Err(AppError::conflict_on(
            "input.name",
            format!(
                "a program template named {:?} already exists (id {}); add a version to it with \
                 createProgramTemplateVersion instead",
                taken.name, taken.id
            ),
        ));
    }
    Ok(())
}

/// `CONFLICT` on `input.name` if another company already has `name`.
async fn refuse_taken_company_name(
    txn: &DatabaseTransaction,
    name: &str,
    except: Option<Uuid>,
) -> AppResult<()> {
    use company::Column;
    let mut condition = named(Column::Name, name);
    if let Some(id) = except {
        condition = condition.add(Column::Id.ne(id));
    }
    if let Some(taken) = CompanyEntity::find().filter(condition).one(txn).await? {
        return Err(AppError::conflict_on(
            "input.name",
            format!(
                "a company named {:?} already exists (id {})",
                taken.name, taken.id
            ),
        ));
    }
    Ok(())
}
