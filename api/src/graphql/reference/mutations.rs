//! Reference data mutations: the GraphQL face of `domain::reference` — beneficiary groups,
//! versioned program templates, and the companies campaigns are sold to. Arguments are parsed
//! into domain input, one service call runs inside one change, the changed objects return.

use async_graphql::{Context, ID, Object};

use crate::domain::reference::rules::templates::{
    NewProgramTemplateVersion, ProgramTemplateChanges,
};
use crate::domain::reference::service::{self, CompanyChanges, NewCompany};
use crate::error::AppResult;
use crate::graphql::change::{open, patch};
use crate::graphql::reference::{BeneficiaryGroup, Company, ProgramTemplate};
use crate::graphql::{parse_id, to_id};

use crate::graphql::reference::inputs::*;

#[derive(Default)]
pub struct ReferenceMutations;

#[Object]
impl ReferenceMutations {
    /// Creates a beneficiary group. Admins only. Refuses (`BAD_USER_INPUT`, naming the field) an
    /// age range outside 0–120 or with min above max, a country that is not an ISO 3166-1
    /// alpha-2 code, a language that is not an ISO 639-1 code, negative group sizes or a
    /// minimum above the maximum, and free text carrying an e-mail address or phone number.
    async fn create_beneficiary_group(
        &self,
        context: &Context<'_>,
        input: CreateBeneficiaryGroupInput,
    ) -> AppResult<BeneficiaryGroup> {
        let input = input.try_into()?;
        let mut write = open(context).await?;
        let created = service::create_group(&mut write, input).await?;
        write.commit().await?;
        Ok(BeneficiaryGroup::from(created))
    }

    /// Changes a beneficiary group; the rules of `createBeneficiaryGroup` apply to the result.
    /// Admins only.
    async fn update_beneficiary_group(
        &self,
        context: &Context<'_>,
        id: ID,
        input: UpdateBeneficiaryGroupInput,
    ) -> AppResult<BeneficiaryGroup> {
        let id = parse_id(&id, "id")?;
        let input = input.try_into()?;
        let mut write = open(context).await?;
        let updated = service::update_group(&mut write, id, input).await?;
        write.commit().await?;
        Ok(BeneficiaryGroup::from(updated))
    }

    /// Takes a beneficiary group out of use for new campaigns; the campaigns that already serve
    /// it are not touched. This is how a group in use is retired. Admins only.
    async fn deactivate_beneficiary_group(
        &self,
        context: &Context<'_>,
        id: ID,
    ) -> AppResult<BeneficiaryGroup> {
        let id = parse_id(&id, "id")?;
        let mut write = open(context).await?;
        let updated = service::deactivate_group(&mut write, id).await?;
        write.commit().await?;
        Ok(BeneficiaryGroup::from(updated))
    }

    /// Deletes a beneficiary group that no campaign or program instance uses. A group in use is
    /// `CONFLICT`: deactivate it instead. Admins only.
    async fn delete_beneficiary_group(
        &self,
        context: &Context<'_>,
        id: ID,
    ) -> AppResult<DeleteBeneficiaryGroupPayload> {
        let id = parse_id(&id, "id")?;
        let mut write = open(context).await?;
        let deleted = service::delete_group(&mut write, id).await?;
        write.commit().await?;
        Ok(DeleteBeneficiaryGroupPayload {
            deleted_id: to_id(deleted),
        })
    }

    /// Creates a program template: the first version of a new lineage. The version must be a
    /// semantic version, the name must not be taken (`CONFLICT` on `input.name`), and
    /// `defaultConfig` must have the shape of the program type: unknown keys, values of the
    /// wrong type or out of range are `BAD_USER_INPUT` naming the key
    /// (`input.defaultConfig.sessionFormat`). Admins only.
    async fn create_program_template(
        &self,
        context: &Context<'_>,
        input: CreateProgramTemplateInput,
    ) -> AppResult<ProgramTemplate> {
        let input = input.try_into()?;
        let mut write = open(context).await?;
        let created = service::create_template(&mut write, input).await?;
        write.commit().await?;
        Ok(ProgramTemplate::from(created))
    }

    /// Changes one version of a program template (not its version or program type: a new
    /// version is `createProgramTemplateVersion`). A new `defaultConfig` must have the shape of
    /// the template's program type. Admins only.
    async fn update_program_template(
        &self,
        context: &Context<'_>,
        id: ID,
        input: UpdateProgramTemplateInput,
    ) -> AppResult<ProgramTemplate> {
        let id = parse_id(&id, "id")?;
        let input = ProgramTemplateChanges {
            name: input.name,
            is_active: input.is_active,
            settings: input.settings.into(),
            owner_company_id: owner_change(input.owner_company_id)?,
        };
        let mut write = open(context).await?;
        let updated = service::update_template(&mut write, id, input).await?;
        write.commit().await?;
        Ok(ProgramTemplate::from(updated))
    }

    /// Adds a version to the lineage of the template `templateId` (any version of it). The new
    /// version must be greater than every version of the lineage (`CONFLICT` on
    /// `input.version` otherwise); it copies the latest version's settings unless the input
    /// gives them, and that latest version becomes deprecated and superseded by the new one.
    /// Admins only.
    async fn create_program_template_version(
        &self,
        context: &Context<'_>,
        template_id: ID,
        input: CreateProgramTemplateVersionInput,
    ) -> AppResult<ProgramTemplateVersionPayload> {
        let template_id = parse_id(&template_id, "templateId")?;
        let input = NewProgramTemplateVersion {
            version: input.version,
            settings: input.settings.into(),
        };
        let mut write = open(context).await?;
        let added = service::create_template_version(&mut write, template_id, input).await?;
        write.commit().await?;
        Ok(ProgramTemplateVersionPayload {
            template: ProgramTemplate::from(added.template),
            superseded: ProgramTemplate::from(added.superseded),
        })
    }

    /// Takes a program template version out of use for new campaigns; campaigns that already
    /// use it are not touched. This is how a template in use is retired. Admins only.
    async fn deactivate_program_template(
        &self,
        context: &Context<'_>,
        id: ID,
    ) -> AppResult<ProgramTemplate> {
        let id = parse_id(&id, "id")?;
        let mut write = open(context).await?;
        let updated = service::deactivate_template(&mut write, id).await?;
        write.commit().await?;
        Ok(ProgramTemplate::from(updated))
    }

    /// Deletes a program template version that no campaign or program instance uses (`CONFLICT`
    /// otherwise: deactivate it instead). Older versions that it superseded are relinked to its
    /// successor; if it was the latest version, the one before it is the latest again. Admins
    /// only.
    async fn delete_program_template(
        &self,
        context: &Context<'_>,
        id: ID,
    ) -> AppResult<DeleteProgramTemplatePayload> {
        let id = parse_id(&id, "id")?;
        let mut write = open(context).await?;
        let deleted = service::delete_template(&mut write, id).await?;
        write.commit().await?;
        Ok(DeleteProgramTemplatePayload {
            deleted_id: to_id(deleted.id),
            relinked_versions: deleted
                .relinked
                .into_iter()
                .map(ProgramTemplate::from)
                .collect(),
        })
    }

    /// Creates a company. Its name must not be taken (`CONFLICT` on `input.name`). Admins only.
    async fn create_company(
        &self,
        context: &Context<'_>,
        input: CreateCompanyInput,
    ) -> AppResult<Company> {
        let input = NewCompany {
            name: input.name,
            industry: input.industry,
            country: input.country,
            is_active: input.is_active,
        };
        let mut write = open(context).await?;
        let created = service::create_company(&mut write, input).await?;
        write.commit().await?;
        Ok(Company::from(created))
    }

    /// Changes a company; a new name must not be taken (`CONFLICT` on `input.name`). Admins
    /// only.
    async fn update_company(
        &self,
        context: &Context<'_>,
        id: ID,
        input: UpdateCompanyInput,
    ) -> AppResult<Company> {
        let id = parse_id(&id, "id")?;
        let input = CompanyChanges {
            name: input.name,
            industry: patch(input.industry),
            country: patch(input.country),
            is_active: input.is_active,
        };
        let mut write = open(context).await?;
        let updated = service::update_company(&mut write, id, input).await?;
        write.commit().await?;
        Ok(Company::from(updated))
    }
}
