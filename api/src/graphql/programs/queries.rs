//! The program management query fields: programs, activities, applications and users, each
//! a list with its filter and a by-id (or by-name) lookup, read through the caller's
//! visibility.

use async_graphql::{Context, ID, Object};
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};

use entity::prelude::{
    Activity as ActivityEntity, Application as ApplicationEntity, Program as ProgramEntity,
    User as UserEntity,
};

use crate::error::AppResult;
use crate::graphql::RequestScope;
use crate::graphql::connection::list_complexity;
use crate::graphql::parse_id;
use crate::graphql::programs::{
    Activity, ActivityConnection, ActivityFilter, Application, ApplicationConnection,
    ApplicationFilter, Program, ProgramConnection, ProgramFilter, User, UserConnection, UserFilter,
    github_username_is,
};
use crate::graphql::scope::root_scope;
use crate::paging::{Page, PageArgs, fetch_page};

/// The page of the root `programs` list its arguments ask for (the resolver and the planner
/// both answer from it).
pub async fn program_page(
    scope: &RequestScope,
    first: Option<i32>,
    after: Option<String>,
    filter: Option<ProgramFilter>,
) -> AppResult<Page<Program>> {
    let args = PageArgs::parse(first, after)?;
    let select = scope
        .select::<ProgramEntity>()
        .filter(filter.unwrap_or_default().condition());
    fetch_page(&scope.db, select, &Program::ordering(), &args, Program).await
}

/// The page of the root `activities` list its arguments ask for.
pub async fn activity_page(
    scope: &RequestScope,
    first: Option<i32>,
    after: Option<String>,
    filter: Option<ActivityFilter>,
) -> AppResult<Page<Activity>> {
    let args = PageArgs::parse(first, after)?;
    let select = scope
        .select::<ActivityEntity>()
        .filter(filter.unwrap_or_default().condition());
    fetch_page(&scope.db, select, &Activity::ordering(), &args, Activity).await
}

/// The page of the root `applications` list its arguments ask for.
pub async fn application_page(
    scope: &RequestScope,
    first: Option<i32>,
    after: Option<String>,
    filter: Option<ApplicationFilter>,
) -> AppResult<Page<Application>> {
    let args = PageArgs::parse(first, after)?;
    let condition = filter.unwrap_or_default().condition()?;
    let select = scope.select::<ApplicationEntity>().filter(condition);
    let ordering = Application::ordering();
    fetch_page(&scope.db, select, &ordering, &args, Application).await
}

/// The page of the root `users` list its arguments ask for.
pub async fn user_page(
    scope: &RequestScope,
    first: Option<i32>,
    after: Option<String>,
    filter: Option<UserFilter>,
) -> AppResult<Page<User>> {
    let args = PageArgs::parse(first, after)?;
    let select = scope
        .select::<UserEntity>()
        .filter(filter.unwrap_or_default().condition());
    fetch_page(&scope.db, select, &User::ordering(), &args, User).await
}

/// The program with this exact name the caller can see, or None (the resolver and the planner
/// both read it here).
pub async fn find_program_by_name(
    scope: &RequestScope,
    name: String,
) -> AppResult<Option<Program>> {
    Ok(scope
        .select::<ProgramEntity>()
        .filter(entity::program::Column::Name.eq(name))
        .one(&scope.db)
        .await?
        .map(Program))
}

/// The latest application of this GitHub user the caller can see, or None (the resolver and
/// the planner both read it here).
pub async fn find_application_by_github_username(
    scope: &RequestScope,
    github_username: String,
) -> AppResult<Option<Application>> {
    use entity::application::Column;
    Ok(scope
        .select::<ApplicationEntity>()
        .filter(github_username_is(&github_username))
        .order_by_desc(Column::SubmittedAt)
        .order_by_desc(Column::Id)
        .one(&scope.db)
        .await?
        .map(Application))
}

/// The program management query fields.
#[derive(Default)]
pub struct ProgramQueries;

#[Object]
impl ProgramQueries {
    /// Programs matching `filter`, by name.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn programs(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<ProgramFilter>,
    ) -> AppResult<ProgramConnection> {
        program_page(root_scope(context)?, first, after, filter)
            .await
            .map(ProgramConnection)
    }

    /// The program with this id, or null.
    async fn program(&self, context: &Context<'_>, id: ID) -> AppResult<Option<Program>> {
        Ok(root_scope(context)?
            .loaders
            .program
            .load_one(parse_id(&id, "id")?)
            .await?
            .map(Program::from))
    }

    /// The program with this exact name (e.g. "DeFi-esta"), or null.
    async fn program_by_name(
        &self,
        context: &Context<'_>,
        name: String,
    ) -> AppResult<Option<Program>> {
        find_program_by_name(root_scope(context)?, name).await
    }

    /// Activities matching `filter` (by default the ones still offered, not retired),
    /// earliest start first.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn activities(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<ActivityFilter>,
    ) -> AppResult<ActivityConnection> {
        activity_page(root_scope(context)?, first, after, filter)
            .await
            .map(ActivityConnection)
    }

    /// The activity with this id, or null.
    async fn activity(&self, context: &Context<'_>, id: ID) -> AppResult<Option<Activity>> {
        Ok(root_scope(context)?
            .loaders
            .activity
            .load_one(parse_id(&id, "id")?)
            .await?
            .map(Activity::from))
    }

    /// Applications matching `filter`, newest submission first.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn applications(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<ApplicationFilter>,
    ) -> AppResult<ApplicationConnection> {
        application_page(root_scope(context)?, first, after, filter)
            .await
            .map(ApplicationConnection)
    }

    /// The application with this id, or null.
    async fn application(&self, context: &Context<'_>, id: ID) -> AppResult<Option<Application>> {
        Ok(root_scope(context)?
            .loaders
            .application
            .load_one(parse_id(&id, "id")?)
            .await?
            .map(Application::from))
    }

    /// The most recently submitted application by the applicant with this GitHub username
    /// (case-insensitive), or null.
    async fn application_by_github_username(
        &self,
        context: &Context<'_>,
        github_username: String,
    ) -> AppResult<Option<Application>> {
        find_application_by_github_username(root_scope(context)?, github_username).await
    }

    /// Users matching `filter`, by e-mail address.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn users(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<UserFilter>,
    ) -> AppResult<UserConnection> {
        user_page(root_scope(context)?, first, after, filter)
            .await
            .map(UserConnection)
    }

    /// The user with this id, or null.
    async fn user(&self, context: &Context<'_>, id: ID) -> AppResult<Option<User>> {
        Ok(root_scope(context)?
            .loaders
            .user
            .load_one(parse_id(&id, "id")?)
            .await?
            .map(User::from))
    }
}
