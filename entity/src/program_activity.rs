//! Junction table linking programs to activities (table `program_activities`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One activity of one program.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "program_activities")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The program.
    pub program_id: Uuid,
    /// The activity.
    pub activity_id: Uuid,
    /// Whether participants must attend the activity.
    pub is_required: bool,
    /// Optional position of the activity within its program
    pub order_index: Option<i32>,
    /// When the row was created.
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The program.
    #[sea_orm(
        belongs_to = "super::program::Entity",
        from = "Column::ProgramId",
        to = "super::program::Column::Id",
        on_update = "NoAction",
        on_delete = "Cascade"
    )]
    Program,
    /// The activity.
    #[sea_orm(
        belongs_to = "super::activity::Entity",
        from = "Column::ActivityId",
        to = "super::activity::Column::Id",
        on_update = "NoAction",
        on_delete = "Cascade"
    )]
    Activity,
}

impl Related<super::program::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Program.def()
    }
}

impl Related<super::activity::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Activity.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
