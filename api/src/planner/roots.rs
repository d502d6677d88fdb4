//! What each active root field of a plan reads: its page or the row it looks up, through the
//! same functions and loaders its resolver uses, after the same access check.

use std::sync::Arc;

use entity::{
    activity, application, beneficiary_group, campaign, community_member, company, ingestion_batch,
    kintell_session, program, program_instance, program_template, user,
};

use crate::graphql::RequestScope;
use crate::graphql::community::{
    CommunityMember, CommunityMemberOrder, community_member_page, find_member_by_member_id,
    find_member_by_telegram_id,
};
use crate::graphql::ingestion::{
    IngestionBatch, KintellSession, find_kintell_session_by_external_id, ingestion_batch_page,
    kintell_session_page,
};
use crate::graphql::instances::{
    ProgramInstance, find_program_instance_by_slug, program_instance_page,
};
use crate::graphql::programs::queries::{
    activity_page, application_page, find_application_by_github_username, find_program_by_name,
    program_page, user_page,
};
use crate::graphql::programs::{Activity, Application, Program, User};
use crate::graphql::reference::{
    BeneficiaryGroup, Company, ProgramTemplate, beneficiary_group_page, company_page,
    program_template_page,
};
use crate::planner::load::{CampaignPage, RowPage, lookup, lookup_by};
use crate::planner::plan::{Field, RootField};
use crate::planner::run::Vars;

/// What one active root field read.
pub(super) enum Loaded {
    /// `__typename` reads nothing.
    Nothing,
    Campaigns(Box<CampaignPage>),
    Campaign(Option<Arc<campaign::Model>>),
    Company(Option<Arc<company::Model>>),
    ProgramTemplate(Option<Arc<program_template::Model>>),
    BeneficiaryGroup(Option<Arc<beneficiary_group::Model>>),
    ProgramInstance(Option<Arc<program_instance::Model>>),
    Companies(RowPage<Company>),
    ProgramTemplates(RowPage<ProgramTemplate>),
    BeneficiaryGroups(RowPage<BeneficiaryGroup>),
    ProgramInstances(RowPage<ProgramInstance>),
    IngestionBatch(Option<Arc<ingestion_batch::Model>>),
    KintellSession(Option<Arc<kintell_session::Model>>),
    IngestionBatches(RowPage<IngestionBatch>),
    KintellSessions(RowPage<KintellSession>),
    Program(Option<Arc<program::Model>>),
    Activity(Option<Arc<activity::Model>>),
    Application(Option<Arc<application::Model>>),
    User(Option<Arc<user::Model>>),
    Programs(RowPage<Program>),
    Activities(RowPage<Activity>),
    Applications(RowPage<Application>),
    Users(RowPage<User>),
    CommunityMembers(RowPage<CommunityMember>),
    CommunityMember(Option<Arc<community_member::Model>>),
}

impl Loaded {
    pub(super) async fn of(
        scope: &Arc<RequestScope>,
        vars: &Vars,
        field: &Field<RootField>,
        slots: usize,
    ) -> Option<Loaded> {
        let loaders = &scope.loaders;
        Some(match &field.kind {
            RootField::Typename => Loaded::Nothing,
            RootField::Campaigns(connection) => Loaded::Campaigns(Box::new(
                CampaignPage::load(scope, vars, field, connection, slots).await?,
            )),
            RootField::Campaign(_) => {
                Loaded::Campaign(lookup(scope, &loaders.campaign, vars, field).await?)
            }
            RootField::Company(_) => {
                Loaded::Company(lookup(scope, &loaders.company, vars, field).await?)
            }
            RootField::ProgramTemplate(_) => Loaded::ProgramTemplate(
                lookup(scope, &loaders.program_template, vars, field).await?,
            ),
            RootField::BeneficiaryGroup(_) => Loaded::BeneficiaryGroup(
                lookup(scope, &loaders.beneficiary_group, vars, field).await?,
            ),
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
            RootField::Companies(connection) => {
                let page = |first, after, filter| company_page(scope, first, after, filter);
                Loaded::Companies(RowPage::load(scope, vars, field, connection, page).await?)
            }
            RootField::ProgramTemplates(connection) => {
                let page =
                    |first, after, filter| program_template_page(scope, first, after, filter);
                Loaded::ProgramTemplates(RowPage::load(scope, vars, field, connection, page).await?)
            }
            RootField::BeneficiaryGroups(connection) => {
                let page =
                    |first, after, filter| beneficiary_group_page(scope, first, after, filter);
                Loaded::BeneficiaryGroups(
                    RowPage::load(scope, vars, field, connection, page).await?,
                )
            }
            RootField::IngestionBatch(_) => {
                Loaded::IngestionBatch(lookup(scope, &loaders.ingestion_batch, vars, field).await?)
            }
            RootField::KintellSession(_) => Loaded::KintellSession(match field.name.as_str() {
                "kintellSessionByExternalId" => {
                    let find = |id| find_kintell_session_by_external_id(scope, id);
                    let found = lookup_by(scope, vars, field, "externalSessionId", find).await?;
                    found.map(|session| Arc::new(session.0))
                }
                _ => lookup(scope, &loaders.kintell_session, vars, field).await?,
            }),
            RootField::IngestionBatches(connection) => {
                let page = |first, after, filter| ingestion_batch_page(scope, first, after, filter);
                Loaded::IngestionBatches(RowPage::load(scope, vars, field, connection, page).await?)
            }
            RootField::KintellSessions(connection) => {
                let page = |first, after, filter| kintell_session_page(scope, first, after, filter);
                Loaded::KintellSessions(RowPage::load(scope, vars, field, connection, page).await?)
            }
            RootField::Program(_) => Loaded::Program(match field.name.as_str() {
                "programByName" => {
                    let find = |name| find_program_by_name(scope, name);
                    let found = lookup_by(scope, vars, field, "name", find).await?;
                    found.map(|program| Arc::new(program.0))
                }
                _ => lookup(scope, &loaders.program, vars, field).await?,
            }),
            RootField::Activity(_) => {
                Loaded::Activity(lookup(scope, &loaders.activity, vars, field).await?)
            }
            RootField::Application(_) => Loaded::Application(match field.name.as_str() {
                "applicationByGithubUsername" => {
                    let find = |name| find_application_by_github_username(scope, name);
                    let found = lookup_by(scope, vars, field, "githubUsername", find).await?;
                    found.map(|application| Arc::new(application.0))
                }
                _ => lookup(scope, &loaders.application, vars, field).await?,
            }),
            RootField::User(_) => Loaded::User(lookup(scope, &loaders.user, vars, field).await?),
            RootField::Programs(connection) => {
                let page = |first, after, filter| program_page(scope, first, after, filter);
                Loaded::Programs(RowPage::load(scope, vars, field, connection, page).await?)
            }
            RootField::Activities(connection) => {
                let page = |first, after, filter| activity_page(scope, first, after, filter);
                Loaded::Activities(RowPage::load(scope, vars, field, connection, page).await?)
            }
            RootField::Applications(connection) => {
                let page = |first, after, filter| application_page(scope, first, after, filter);
                Loaded::Applications(RowPage::load(scope, vars, field, connection, page).await?)
            }
            RootField::Users(connection) => {
                let page = |first, after, filter| user_page(scope, first, after, filter);
                Loaded::Users(RowPage::load(scope, vars, field, connection, page).await?)
            }
            RootField::CommunityMember(_) => {
                // By id and by member number through the loader that hides removed members,
                // by Telegram id through the resolver's own select.
                let found = match field.name.as_str() {
                    "communityMemberByTelegramId" => {
                        let find = |id| find_member_by_telegram_id(scope, id);
                        let found = lookup_by(scope, vars, field, "telegramId", find).await?;
                        found.map(|member| member.0)
                    }
                    "communityMemberByMemberId" => {
                        let find = |number| find_member_by_member_id(scope, number);
                        let found = lookup_by(scope, vars, field, "memberId", find).await?;
                        found.map(|member| member.0)
                    }
                    _ => lookup(scope, &loaders.community_member, vars, field).await?,
                };
                Loaded::CommunityMember(found.map(Arc::new))
            }
            RootField::CommunityMembers(connection) => {
                // Omitted, the order is the argument's default; given, it must parse as the
                // resolver's (a null is its error, not the default).
                let order = match field
                    .arguments
                    .iter()
                    .any(|(name, _)| name.as_str() == "orderBy")
                {
                    true => vars.argument::<_, CommunityMemberOrder>(field, "orderBy")?,
                    false => CommunityMemberOrder::default(),
                };
                let page = |first, after, filter| {
                    community_member_page(scope, first, after, filter, order)
                };
                Loaded::CommunityMembers(RowPage::load(scope, vars, field, connection, page).await?)
            }
        })
    }
}
