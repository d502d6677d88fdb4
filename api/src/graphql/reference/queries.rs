//! The reference lists at the root: the company, beneficiary group and program template
//! filters and the `companies`/`beneficiaryGroups`/`programTemplates` queries and lookups.

use super::*;
use crate::graphql::scope::RequestScope;

/// Which companies to return.
#[derive(Clone, Debug, Default, InputObject)]
pub struct CompanyFilter {
    /// Whose name contains this text (case-insensitive).
    pub name_contains: Option<String>,
    pub country: Option<String>,
    pub industry: Option<String>,
    pub is_active: Option<bool>,
}

/// Which beneficiary groups to return.
#[derive(Clone, Debug, Default, InputObject)]
pub struct BeneficiaryGroupFilter {
    pub group_type: Option<Vec<BeneficiaryGroupType>>,
    /// ISO 3166-1 alpha-2 country code.
    pub country_code: Option<String>,
    /// Groups a program of this type can serve.
    pub eligible_for: Option<EligibleProgramType>,
    pub name_contains: Option<String>,
    pub is_active: Option<bool>,
    pub is_public: Option<bool>,
}

/// Which program templates to return.
#[derive(Clone, Debug, Default, InputObject)]
pub struct ProgramTemplateFilter {
    pub program_type: Option<Vec<ProgramType>>,
    pub name_contains: Option<String>,
    pub is_active: Option<bool>,
    pub is_public: Option<bool>,
    /// Leave out (false) or keep only (true) deprecated versions.
    pub deprecated: Option<bool>,
}

/// The reference data query fields.
#[derive(Default)]
pub struct ReferenceQueries;

#[Object]
impl ReferenceQueries {
    /// Companies matching `filter`, by name.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn companies(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<CompanyFilter>,
    ) -> AppResult<CompanyConnection> {
        company_page(root_scope(context)?, first, after, filter)
            .await
            .map(CompanyConnection)
    }

    /// The company with this id, or null.
    async fn company(&self, context: &Context<'_>, id: ID) -> AppResult<Option<Company>> {
        Ok(root_scope(context)?
            .loaders
            .company
            .load_one(parse_id(&id, "id")?)
            .await?
            .map(Company))
    }

    /// Beneficiary groups matching `filter`, by name.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn beneficiary_groups(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<BeneficiaryGroupFilter>,
    ) -> AppResult<BeneficiaryGroupConnection> {
        beneficiary_group_page(root_scope(context)?, first, after, filter)
            .await
            .map(BeneficiaryGroupConnection)
    }

    /// The beneficiary group with this id, or null.
    async fn beneficiary_group(
        &self,
        context: &Context<'_>,
        id: ID,
    ) -> AppResult<Option<BeneficiaryGroup>> {
        Ok(root_scope(context)?
            .loaders
            .beneficiary_group
            .load_one(parse_id(&id, "id")?)
            .await?
            .map(BeneficiaryGroup))
    }

    /// Program templates matching `filter`, by name.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn program_templates(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<ProgramTemplateFilter>,
    ) -> AppResult<ProgramTemplateConnection> {
        program_template_page(root_scope(context)?, first, after, filter)
            .await
            .map(ProgramTemplateConnection)
    }

    /// The program template with this id, or null.
    async fn program_template(
        &self,
        context: &Context<'_>,
        id: ID,
    ) -> AppResult<Option<ProgramTemplate>> {
        Ok(root_scope(context)?
            .loaders
            .program_template
            .load_one(parse_id(&id, "id")?)
            .await?
            .map(ProgramTemplate))
    }
}

/// The page of the root `companies` list its arguments ask for (the resolver and the
/// planner both answer from it).
pub async fn company_page(
    scope: &RequestScope,
    first: Option<i32>,
    after: Option<String>,
    filter: Option<CompanyFilter>,
) -> AppResult<Page<Company>> {
    use entity::company::Column;
    let args = PageArgs::parse(first, after)?;
    let filter = filter.unwrap_or_default();
    let mut condition = Condition::all();
    if let Some(text) = &filter.name_contains {
        condition = condition.add(contains_ignoring_case("companies", "name", text));
    }
    if let Some(country) = filter.country {
        condition = condition.add(Column::Country.eq(country));
    }
    if let Some(industry) = filter.industry {
        condition = condition.add(Column::Industry.eq(industry));
    }
    if let Some(active) = filter.is_active {
        condition = condition.add(Column::IsActive.eq(active));
    }
    let select = scope.select::<CompanyEntity>().filter(condition);
    fetch_page(
        &scope.db,
        select,
        &Company::ordering(),
        &args,
        Company::from,
    )
    .await
}

/// The page of the root `beneficiaryGroups` list its arguments ask for (the resolver and the
/// planner both answer from it).
pub async fn beneficiary_group_page(
    scope: &RequestScope,
    first: Option<i32>,
    after: Option<String>,
    filter: Option<BeneficiaryGroupFilter>,
) -> AppResult<Page<BeneficiaryGroup>> {
    use entity::beneficiary_group::Column;
    let args = PageArgs::parse(first, after)?;
    let filter = filter.unwrap_or_default();
    let mut condition = Condition::all();
    if let Some(types) = &filter.group_type {
        let values: Vec<entity::enums::BeneficiaryGroupType> =
            types.iter().map(|t| (*t).into()).collect();
        condition = condition.add(Column::GroupType.is_in(values));
    }
    if let Some(code) = filter.country_code {
        condition = condition.add(Column::CountryCode.eq(code.to_uppercase()));
    }
    if let Some(program_type) = filter.eligible_for {
        // The JSON array holds the enum's snake_case value; matching the quoted value
        // works the same on PostgreSQL's jsonb text and SQLite's text.
        let value: entity::enums::EligibleProgramType = program_type.into();
        let quoted = serde_json::to_string(&value).unwrap_or_default();
        let column = Expr::col((
            Alias::new("beneficiary_groups"),
            Alias::new("eligible_program_types"),
        ));
        condition = condition
            .add(Expr::expr(Func::cast_as(column, Alias::new("TEXT"))).like(format!("%{quoted}%")));
    }
    if let Some(text) = &filter.name_contains {
        condition = condition.add(contains_ignoring_case("beneficiary_groups", "name", text));
    }
    if let Some(active) = filter.is_active {
        condition = condition.add(Column::IsActive.eq(active));
    }
    if let Some(public) = filter.is_public {
        condition = condition.add(Column::IsPublic.eq(public));
    }
    let select = scope.select::<GroupEntity>().filter(condition);
    fetch_page(
        &scope.db,
        select,
        &BeneficiaryGroup::ordering(),
        &args,
        BeneficiaryGroup::from,
    )
    .await
}

/// The page of the root `programTemplates` list its arguments ask for (the resolver and the
/// planner both answer from it).
pub async fn program_template_page(
    scope: &RequestScope,
    first: Option<i32>,
    after: Option<String>,
    filter: Option<ProgramTemplateFilter>,
) -> AppResult<Page<ProgramTemplate>> {
    use entity::program_template::Column;
    let args = PageArgs::parse(first, after)?;
    let filter = filter.unwrap_or_default();
    let mut condition = Condition::all();
    if let Some(types) = &filter.program_type {
        let values: Vec<entity::enums::ProgramType> = types.iter().map(|t| (*t).into()).collect();
        condition = condition.add(Column::ProgramType.is_in(values));
    }
    if let Some(text) = &filter.name_contains {
        condition = condition.add(contains_ignoring_case("program_templates", "name", text));
    }
    if let Some(active) = filter.is_active {
        condition = condition.add(Column::IsActive.eq(active));
    }
    if let Some(public) = filter.is_public {
        condition = condition.add(Column::IsPublic.eq(public));
    }
    if let Some(deprecated) = filter.deprecated {
        condition = condition.add(if deprecated {
            Column::DeprecatedAt.is_not_null()
        } else {
            Column::DeprecatedAt.is_null()
        });
    }
    let select = scope.select::<TemplateEntity>().filter(condition);
    fetch_page(
        &scope.db,
        select,
        &ProgramTemplate::ordering(),
        &args,
        ProgramTemplate::from,
    )
    .await
}
