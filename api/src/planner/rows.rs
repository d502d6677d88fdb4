//! The root fields a row alone answers: the lookups (by id or by another key) and the lists of
//! the reference, ingestion, program management and community types. Each is its selection
//! and the function its resolver reads through, behind one interface, so that the plan loads
//! and writes them all alike and a new one is a line here and a line in the compiler.

use std::sync::Arc;

use async_graphql::futures_util::future::BoxFuture;
use entity::{
    activity, application, beneficiary_group, community_invitation, community_member, company,
    ingestion_batch, job_run, kintell_session, member_participation, program, program_template,
    user,
};

use crate::graphql::RequestScope;
use crate::graphql::community::participation::{MemberParticipation, member_participation_page};
use crate::graphql::community::{
    CommunityInvitation, CommunityMember, CommunityMemberOrder, community_invitation_page,
    community_member_page, find_invitation_by_code, find_member_by_github_username,
    find_member_by_member_id, find_member_by_telegram_id,
};
use crate::graphql::ingestion::{
    IngestionBatch, KintellSession, find_kintell_session_by_external_id, ingestion_batch_page,
    kintell_session_page,
};
use crate::graphql::jobs::{JobRun, job_run_page};
use crate::graphql::programs::queries::{
    activity_page, application_page, find_application_by_github_username, find_program_by_name,
    program_page, user_page,
};
use crate::graphql::programs::{Activity, Application, Program, User};
use crate::graphql::reference::{
    BeneficiaryGroup, Company, ProgramTemplate, beneficiary_group_page, company_page,
    program_template_page,
};
use crate::planner::json::Json;
use crate::planner::load::{RowPage, lookup, lookup_by};
use crate::planner::plan::{Field, RootField, Row, RowConnection};
use crate::planner::run::Vars;
use crate::planner::write::{related, row_connection};

/// A root field answered from rows alone.
pub trait RowRoot: Send + Sync {
    /// Reads its rows as its resolver would, or `None` where the resolver would answer with an
    /// error.
    fn load<'a>(
        &'a self,
        scope: &'a Arc<RequestScope>,
        vars: &'a Vars,
        field: &'a Field<RootField>,
    ) -> BoxFuture<'a, Option<Box<dyn RowsRead + 'a>>>;
}

/// What a [`RowRoot`] read, ready to be written.
pub trait RowsRead: Send + Sync {
    fn write(&self, out: &mut Json, vars: &Vars) -> Option<()>;
}

/// How a lookup finds its row: `Some(None)` when the caller cannot see one.
pub type Find<M> = for<'a> fn(
    &'a Arc<RequestScope>,
    &'a Vars,
    &'a Field<RootField>,
) -> BoxFuture<'a, Option<Option<Arc<M>>>>;

/// How a list of `M` rows, its resolver's nodes being `N`, reads the page its connection
/// selects (and counts it, if the connection asks).
pub type ReadPage<M, N> = for<'a> fn(
    &'a Arc<RequestScope>,
    &'a Vars,
    &'a Field<RootField>,
    &'a RowConnection<M>,
) -> BoxFuture<'a, Option<RowPage<N>>>;

/// A root lookup of one row.
pub struct Lookup<M> {
    pub fields: Row<M>,
    pub find: Find<M>,
}

struct Found<'a, M> {
    fields: &'a Row<M>,
    row: Option<Arc<M>>,
}

impl<M: Send + Sync + 'static> RowRoot for Lookup<M> {
    fn load<'a>(
        &'a self,
        scope: &'a Arc<RequestScope>,
        vars: &'a Vars,
        field: &'a Field<RootField>,
    ) -> BoxFuture<'a, Option<Box<dyn RowsRead + 'a>>> {
        Box::pin(async move {
            let row = (self.find)(scope, vars, field).await?;
            let found: Box<dyn RowsRead + 'a> = Box::new(Found {
                fields: &self.fields,
                row,
            });
            Some(found)
        })
    }
}

impl<M: Send + Sync> RowsRead for Found<'_, M> {
    fn write(&self, out: &mut Json, vars: &Vars) -> Option<()> {
        related(out, vars, self.fields, self.row.as_deref())
    }
}

/// A root list of rows, `N` being its resolver's node type.
pub struct List<M, N> {
    pub connection: RowConnection<M>,
    pub read: ReadPage<M, N>,
}

struct Listed<'a, M, N> {
    connection: &'a RowConnection<M>,
    page: RowPage<N>,
}

impl<M: Send + Sync + 'static, N: AsRef<M> + Send + Sync + 'static> RowRoot for List<M, N> {
    fn load<'a>(
        &'a self,
        scope: &'a Arc<RequestScope>,
        vars: &'a Vars,
        field: &'a Field<RootField>,
    ) -> BoxFuture<'a, Option<Box<dyn RowsRead + 'a>>> {
        Box::pin(async move {
            let page = (self.read)(scope, vars, field, &self.connection).await?;
            let listed: Box<dyn RowsRead + 'a> = Box::new(Listed {
                connection: &self.connection,
                page,
            });
            Some(listed)
        })
    }
}

impl<M: Send + Sync, N: AsRef<M> + Send + Sync> RowsRead for Listed<'_, M, N> {
    fn write(&self, out: &mut Json, vars: &Vars) -> Option<()> {
        row_connection(out, vars, self.connection, &self.page)
    }
}

/// A lookup by id through the resolver's loader.
macro_rules! by_id {
    ($name:ident: $model:ty => $loader:ident) => {
        pub const $name: Find<$model> =
            |scope, vars, field| Box::pin(lookup(scope, &scope.loaders.$loader, vars, field));
    };
}

/// A lookup by the argument `$key` through the resolver's function `$find`.
macro_rules! by_key {
    ($name:ident: $model:ty, $key:literal => $find:path) => {
        pub const $name: Find<$model> = |scope, vars, field| {
            Box::pin(async move {
                let find = |key| $find(scope, key);
                let found = lookup_by(scope, vars, field, $key, find).await?;
                Some(found.map(|node| Arc::new(node.0)))
            })
        };
    };
}

/// A list through the resolver's page function `$page(scope, first, after, filter)`.
macro_rules! list {
    ($name:ident: $model:ty, $node:ty => $page:path) => {
        pub const $name: ReadPage<$model, $node> = |scope, vars, field, connection| {
            let page = |first, after, filter| $page(scope, first, after, filter);
            Box::pin(RowPage::load(scope, vars, field, connection, page))
        };
    };
}

by_id!(COMPANY: company::Model => company);
by_id!(PROGRAM_TEMPLATE: program_template::Model => program_template);
by_id!(BENEFICIARY_GROUP: beneficiary_group::Model => beneficiary_group);
by_id!(INGESTION_BATCH: ingestion_batch::Model => ingestion_batch);
by_id!(KINTELL_SESSION: kintell_session::Model => kintell_session);
by_id!(PROGRAM: program::Model => program);
by_id!(ACTIVITY: activity::Model => activity);
by_id!(APPLICATION: application::Model => application);
by_id!(USER: user::Model => user);

by_key!(KINTELL_SESSION_BY_EXTERNAL_ID: kintell_session::Model, "externalSessionId"
    => find_kintell_session_by_external_id);
by_key!(PROGRAM_BY_NAME: program::Model, "name" => find_program_by_name);
by_key!(APPLICATION_BY_GITHUB_USERNAME: application::Model, "githubUsername"
    => find_application_by_github_username);
by_key!(COMMUNITY_MEMBER_BY_MEMBER_ID: community_member::Model, "memberId"
    => find_member_by_member_id);
by_key!(COMMUNITY_MEMBER_BY_TELEGRAM_ID: community_member::Model, "telegramId"
    => find_member_by_telegram_id);
by_key!(COMMUNITY_MEMBER_BY_GITHUB_USERNAME: community_member::Model, "githubUsername"
    => find_member_by_github_username);
by_id!(COMMUNITY_INVITATION: community_invitation::Model => community_invitation);
by_key!(COMMUNITY_INVITATION_BY_CODE: community_invitation::Model, "code"
    => find_invitation_by_code);

/// By id through the loader that hides removed members, as the resolver reads it.
pub const COMMUNITY_MEMBER: Find<community_member::Model> = |scope, vars, field| {
    Box::pin(async move {
        let found = lookup(scope, &scope.loaders.community_member, vars, field).await?;
        Some(found.map(Arc::new))
    })
};

list!(COMPANIES: company::Model, Company => company_page);
list!(PROGRAM_TEMPLATES: program_template::Model, ProgramTemplate => program_template_page);
list!(BENEFICIARY_GROUPS: beneficiary_group::Model, BeneficiaryGroup => beneficiary_group_page);
list!(INGESTION_BATCHES: ingestion_batch::Model, IngestionBatch => ingestion_batch_page);
list!(KINTELL_SESSIONS: kintell_session::Model, KintellSession => kintell_session_page);
list!(PROGRAMS: program::Model, Program => program_page);
list!(ACTIVITIES: activity::Model, Activity => activity_page);
list!(APPLICATIONS: application::Model, Application => application_page);
list!(USERS: user::Model, User => user_page);
list!(COMMUNITY_INVITATIONS: community_invitation::Model, CommunityInvitation
    => community_invitation_page);
list!(MEMBER_PARTICIPATION: member_participation::Model, MemberParticipation
    => member_participation_page);
list!(JOB_RUNS: job_run::Model, JobRun => job_run_page);

/// In the order `orderBy` asks for: omitted, the argument's default; given, it must parse as
/// the resolver parses it (a null is its error, not the default).
pub const COMMUNITY_MEMBERS: ReadPage<community_member::Model, CommunityMember> =
    |scope, vars, field, connection| {
        Box::pin(async move {
            let given = field
                .arguments
                .iter()
                .any(|(name, _)| name.as_str() == "orderBy");
            let order = match given {
                true => vars.argument::<_, CommunityMemberOrder>(field, "orderBy")?,
                false => CommunityMemberOrder::default(),
            };
            let page =
                |first, after, filter| community_member_page(scope, first, after, filter, order);
            RowPage::load(scope, vars, field, connection, page).await
        })
    };
