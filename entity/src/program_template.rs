//! Reusable program templates for mentorship, language, buddy, upskilling, and weei programs.
//! Templates serve as blueprints for campaigns (table `program_templates`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::Numeric;
use crate::enums::ProgramType;
use crate::json::{ProgramConfig, StringList};

/// A reusable program blueprint.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "program_templates")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Template name.
    #[sea_orm(column_type = "String(StringLen::N(255))")]
    pub name: String,
    /// What the template is for.
    #[sea_orm(column_type = "Text")]
    pub description: Option<String>,
    /// Type of program: mentorship, language, buddy, upskilling, or weei
    pub program_type: ProgramType,
    /// Semantic version (e.g., 1.0.0) for template evolution tracking
    #[sea_orm(column_type = "String(StringLen::N(20))")]
    pub version: String,
    /// JSONB configuration specific to program type (structure varies by program_type)
    ///
    /// Read it typed with [`Model::typed_config`].
    #[sea_orm(column_type = "JsonBinary")]
    pub default_config: Json,
    /// Recommended minimum participants for program viability
    pub default_min_participants: i32,
    /// Recommended maximum participants for program capacity
    pub default_max_participants: i32,
    /// Recommended number of volunteers needed
    pub default_volunteers_needed: i32,
    /// Array of outcome metrics tracked by this template
    #[sea_orm(column_type = "JsonBinary")]
    pub outcome_metrics: StringList,
    /// Tags matching beneficiary_groups.tags for compatibility checks
    #[sea_orm(column_type = "JsonBinary")]
    pub suitable_for_groups: StringList,
    /// Estimated cost per participant (USD/EUR) for pricing guidance
    #[sea_orm(column_type = "Decimal(Some((10, 2)))")]
    pub estimated_cost_per_participant: Option<Numeric>,
    /// Estimated total hours per volunteer for capacity planning
    #[sea_orm(column_type = "Decimal(Some((8, 2)))")]
    pub estimated_hours_per_volunteer: Option<Numeric>,
    /// Can be used for new campaigns
    pub is_active: bool,
    /// Available to all companies (false = private/custom template)
    pub is_public: bool,
    /// User who created the template.
    pub created_by: Option<Uuid>,
    /// Tags for search.
    #[sea_orm(column_type = "JsonBinary")]
    pub tags: StringList,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// When the row was last updated.
    pub updated_at: DateTimeUtc,
    /// When this template was marked as deprecated
    pub deprecated_at: Option<DateTimeUtc>,
    /// ID of newer template version that replaces this one
    pub superseded_by: Option<Uuid>,
    /// Company that owns the row (NULL = platform-wide); a private one (`is_public` false) is
    /// visible to and usable by that company only.
    pub owner_company_id: Option<Uuid>,
}

impl Model {
    /// The default configuration, typed by the template's program type.
    pub fn typed_config(&self) -> Result<ProgramConfig, serde_json::Error> {
        ProgramConfig::from_json(self.program_type, &self.default_config)
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The user who created the template.
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::CreatedBy",
        to = "super::user::Column::Id",
        on_update = "NoAction",
        on_delete = "NoAction"
    )]
    Creator,
    /// The newer template version that replaces this one.
    #[sea_orm(
        belongs_to = "Entity",
        from = "Column::SupersededBy",
        to = "Column::Id",
        on_update = "NoAction",
        on_delete = "NoAction"
    )]
    SupersededBy,
    /// Older template versions this one replaces.
    #[sea_orm(has_many = "Entity", via_rel = "Relation::SupersededBy")]
    Supersedes,
    /// Campaigns instantiating the template.
    #[sea_orm(has_many = "super::campaign::Entity")]
    Campaigns,
    /// Program instances built from the template.
    #[sea_orm(has_many = "super::program_instance::Entity")]
    ProgramInstances,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Creator.def()
    }
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

/// Template → the newer version that replaces it.
#[derive(Clone, Copy, Debug)]
pub struct ToSupersededBy;

impl Linked for ToSupersededBy {
    type FromEntity = Entity;
    type ToEntity = Entity;

    fn link(&self) -> Vec<RelationDef> {
        vec![Relation::SupersededBy.def()]
    }
}

/// Template → the older versions it replaces.
#[derive(Clone, Copy, Debug)]
pub struct ToSupersedes;

impl Linked for ToSupersedes {
    type FromEntity = Entity;
    type ToEntity = Entity;

    fn link(&self) -> Vec<RelationDef> {
        vec![Relation::Supersedes.def()]
    }
}

impl ActiveModelBehavior for ActiveModel {}
