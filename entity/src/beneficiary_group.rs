//! Privacy-first beneficiary group definitions for CSR campaign targeting. NO individual PII -
//! only aggregated group-level data (table `beneficiary_groups`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{BeneficiaryGroupType, GenderFocus, LanguageRequirement};
use crate::json::{AgeRange, EligibleProgramTypes, LegalStatusCategories, StringList};

/// A target population of campaigns, described only in aggregate.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "beneficiary_groups")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Group name.
    #[sea_orm(column_type = "String(StringLen::N(255))")]
    pub name: String,
    /// Who the group is.
    #[sea_orm(column_type = "Text")]
    pub description: Option<String>,
    /// Primary classification of beneficiary population
    pub group_type: BeneficiaryGroupType,
    /// ISO 3166-1 alpha-2 country code
    #[sea_orm(column_type = "String(StringLen::N(2))")]
    pub country_code: String,
    /// Region within the country.
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub region: Option<String>,
    /// City.
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub city: Option<String>,
    /// Age range ONLY (e.g., {"min": 18, "max": 35}), never specific ages or birthdates
    #[sea_orm(column_type = "JsonBinary")]
    pub age_range: Option<AgeRange>,
    /// Program design focus, not individual gender tracking
    pub gender_focus: Option<GenderFocus>,
    /// ISO 639-1 language codes (e.g., ["ar", "en"])
    #[sea_orm(column_type = "JsonBinary")]
    pub primary_languages: StringList,
    /// Language proficiency the group needs to take part.
    pub language_requirement: Option<LanguageRequirement>,
    /// Broad legal status categories ONLY, never visa numbers or permit details
    #[sea_orm(column_type = "JsonBinary")]
    pub legal_status_categories: Option<LegalStatusCategories>,
    /// Which program types can serve this beneficiary group
    #[sea_orm(column_type = "JsonBinary")]
    pub eligible_program_types: EligibleProgramTypes,
    /// Flexible JSONB field for complex eligibility logic
    #[sea_orm(column_type = "JsonBinary")]
    pub eligibility_rules: Option<Json>,
    /// Smallest viable group size.
    pub min_group_size: Option<i32>,
    /// Largest group size.
    pub max_group_size: Option<i32>,
    /// Tags for search and filtering
    #[sea_orm(column_type = "JsonBinary")]
    pub tags: StringList,
    /// Partner organization names (no contact details or agreements)
    #[sea_orm(column_type = "JsonBinary")]
    pub partner_organizations: Option<StringList>,
    /// Internal notes, not shown to companies.
    #[sea_orm(column_type = "Text")]
    pub internal_notes: Option<String>,
    /// Is this group active and available for new campaigns?
    pub is_active: bool,
    /// Is this group publicly visible to all companies?
    pub is_public: bool,
    /// User who created the group.
    pub created_by: Option<Uuid>,
    /// User who last updated the group.
    pub updated_by: Option<Uuid>,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// When the row was last updated.
    pub updated_at: DateTimeUtc,
    /// Company that owns the row (NULL = platform-wide); a private one (`is_public` false) is
    /// visible to and usable by that company only.
    pub owner_company_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The user who created the group.
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::CreatedBy",
        to = "super::user::Column::Id",
        on_update = "NoAction",
        on_delete = "NoAction"
    )]
    CreatedBy,
    /// The user who last updated the group.
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UpdatedBy",
        to = "super::user::Column::Id",
        on_update = "NoAction",
        on_delete = "NoAction"
    )]
    UpdatedBy,
    /// Campaigns targeting the group.
    #[sea_orm(has_many = "super::campaign::Entity")]
    Campaigns,
    /// Program instances serving the group.
    #[sea_orm(has_many = "super::program_instance::Entity")]
    ProgramInstances,
}

impl Related<super::campaign::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Campaigns.def()
    }
}

impl Related<super::program_instance::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ProgramInstances.def()
    }
}

/// Beneficiary group → the user who created it.
#[derive(Clone, Copy, Debug)]
pub struct ToCreatedBy;

impl Linked for ToCreatedBy {
    type FromEntity = Entity;
    type ToEntity = super::user::Entity;

    fn link(&self) -> Vec<RelationDef> {
        vec![Relation::CreatedBy.def()]
    }
}

/// Beneficiary group → the user who last updated it.
#[derive(Clone, Copy, Debug)]
pub struct ToUpdatedBy;

impl Linked for ToUpdatedBy {
    type FromEntity = Entity;
    type ToEntity = super::user::Entity;

    fn link(&self) -> Vec<RelationDef> {
        vec![Relation::UpdatedBy.def()]
    }
}

impl ActiveModelBehavior for ActiveModel {}
