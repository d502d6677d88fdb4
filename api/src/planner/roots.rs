//! What each active root field of a plan reads: its page or the row it looks up, through the
//! same functions and loaders its resolver uses, after the same access check.

use std::sync::Arc;

use entity::{campaign, program_instance};

use crate::graphql::RequestScope;
use crate::graphql::instances::{
    ProgramInstance, find_program_instance_by_slug, program_instance_page,
};
use crate::planner::load::{CampaignPage, RowPage, lookup, lookup_by};
use crate::planner::plan::{Field, RootField};
use crate::planner::rows::RowsRead;
use crate::planner::run::Vars;

/// What one active root field read.
pub(super) enum Loaded<'a> {
    /// `__typename` reads nothing.
    Nothing,
    Campaigns(Box<CampaignPage>),
    Campaign(Option<Arc<campaign::Model>>),
    ProgramInstance(Option<Arc<program_instance::Model>>),
    ProgramInstances(RowPage<ProgramInstance>),
    /// A lookup or a list the rows alone answer.
    Rows(Box<dyn RowsRead + 'a>),
}

impl<'a> Loaded<'a> {
    pub(super) async fn of(
        scope: &'a Arc<RequestScope>,
        vars: &'a Vars,
        field: &'a Field<RootField>,
        slots: usize,
    ) -> Option<Loaded<'a>> {
        let loaders = &scope.loaders;
        Some(match &field.kind {
            RootField::Typename => Loaded::Nothing,
            RootField::Campaigns(connection) => Loaded::Campaigns(Box::new(
                CampaignPage::load(scope, vars, field, connection, slots).await?,
            )),
            RootField::Campaign(_) => {
                Loaded::Campaign(lookup(scope, &loaders.campaign, vars, field).await?)
            }
            RootField::ProgramInstance(_) => Loaded::ProgramInstance(match field.name.as_str() {
                "programInstanceBySlug" => {
                    let find = |slug| find_program_instance_by_slug(scope, slug);
                    lookup_by(scope, vars, field, "slug", find)
                        .await?
                        .map(|found| found.0)
                }
                _ => lookup(scope, &loaders.program_instance, vars, field).await?,
            }),
            RootField::ProgramInstances(connection) => {
                let page =
                    |first, after, filter| program_instance_page(scope, first, after, filter);
                Loaded::ProgramInstances(RowPage::load(scope, vars, field, connection, page).await?)
            }
            RootField::Rows(rows) => Loaded::Rows(rows.load(scope, vars, field).await?),
        })
    }
}
