//! The community directory's root query fields (members, invitations) and the reads they
//! answer from, which the planner calls too: each list's page and each lookup by another key.

use async_graphql::{Context, ID, Object};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func};
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};

use entity::prelude::{CommunityInvitation as InvitationEntity, CommunityMember as MemberEntity};

use crate::error::AppResult;
use crate::graphql::community::{
    CommunityInvitation, CommunityInvitationConnection, CommunityInvitationFilter, CommunityMember,
    CommunityMemberConnection, CommunityMemberFilter, CommunityMemberOrder, member_by_member_id,
};
use crate::graphql::connection::list_complexity;
use crate::graphql::parse_id;
use crate::graphql::scope::{RequestScope, root_scope};
use crate::paging::{Page, PageArgs, fetch_page};

/// The member with this Telegram user id the caller can see and not removed, or None (the
/// resolver and the planner both read it here).
pub async fn find_member_by_telegram_id(
    scope: &RequestScope,
    telegram_id: String,
) -> AppResult<Option<CommunityMember>> {
    Ok(scope
        .select::<MemberEntity>()
        .filter(entity::community_member::Column::DeletedAt.is_null())
        .filter(entity::community_member::Column::TelegramId.eq(telegram_id))
        .one(&scope.db)
        .await?
        .map(CommunityMember))
}

/// The page of the root `communityInvitations` list its arguments ask for, newest first (the
/// resolver and the planner both answer from it).
pub async fn community_invitation_page(
    scope: &RequestScope,
    first: Option<i32>,
    after: Option<String>,
    filter: Option<CommunityInvitationFilter>,
) -> AppResult<Page<CommunityInvitation>> {
    let args = PageArgs::parse(first, after)?;
    let select = scope
        .select::<InvitationEntity>()
        .filter(filter.unwrap_or_default().condition(&scope.clock));
    fetch_page(
        &scope.db,
        select,
        &CommunityInvitation::ordering(),
        &args,
        CommunityInvitation,
    )
    .await
}

/// The invitation with this code the caller can see, or None (the resolver and the planner
/// both read it here).
pub async fn find_invitation_by_code(
    scope: &RequestScope,
    code: String,
) -> AppResult<Option<CommunityInvitation>> {
    Ok(scope
        .select::<InvitationEntity>()
        .filter(entity::community_invitation::Column::InvitationCode.eq(code))
        .one(&scope.db)
        .await?
        .map(CommunityInvitation))
}

/// The first member, in the directory's order, whose GitHub username is `github_username`
/// (any case) that the caller can see and is not removed, or None (the resolver and the
/// planner both read it here).
pub async fn find_member_by_github_username(
    scope: &RequestScope,
    github_username: String,
) -> AppResult<Option<CommunityMember>> {
    let column = Expr::col((
        Alias::new("community_members"),
        Alias::new("github_username"),
    ));
    let mut select = scope
        .select::<MemberEntity>()
        .filter(entity::community_member::Column::DeletedAt.is_null())
        .filter(Expr::expr(Func::lower(column)).eq(github_username.to_lowercase()));
    for (expr, order, nulls) in CommunityMember::ordering().order_by(scope.backend()) {
        select = select.order_by_with_nulls(expr, order, nulls);
    }
    Ok(select.one(&scope.db).await?.map(CommunityMember))
}

/// The page of the root `communityMembers` list its arguments ask for (the resolver and the
/// planner both answer from it): members not removed, in `order_by`.
pub async fn community_member_page(
    scope: &RequestScope,
    first: Option<i32>,
    after: Option<String>,
    filter: Option<CommunityMemberFilter>,
    order_by: CommunityMemberOrder,
) -> AppResult<Page<CommunityMember>> {
    let args = PageArgs::parse(first, after)?;
    let condition = filter.unwrap_or_default().condition()?;
    let select = scope
        .select::<MemberEntity>()
        .filter(entity::community_member::Column::DeletedAt.is_null())
        .filter(condition);
    fetch_page(
        &scope.db,
        select,
        &order_by.ordering(),
        &args,
        CommunityMember,
    )
    .await
}

/// The member with this member number, not removed, or None (the resolvers and the planner
/// both read it here, through the request's loader).
pub async fn find_member_by_member_id(
    scope: &RequestScope,
    member_id: String,
) -> AppResult<Option<CommunityMember>> {
    Ok(scope
        .loaders
        .community_member
        .load_one(member_id)
        .await?
        .map(CommunityMember))
}

/// The community directory query fields.
#[derive(Default)]
pub struct CommunityQueries;

#[Object]
impl CommunityQueries {
    /// Community members matching `filter`, oldest member first unless `orderBy` says
    /// otherwise (`REPUTATION_DESC` is the leaderboard). Removed members never appear.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn community_members(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<CommunityMemberFilter>,
        #[graphql(default)] order_by: CommunityMemberOrder,
    ) -> AppResult<CommunityMemberConnection> {
        community_member_page(root_scope(context)?, first, after, filter, order_by)
            .await
            .map(CommunityMemberConnection)
    }

    /// The community member with this id, or null (also when removed).
    async fn community_member(
        &self,
        context: &Context<'_>,
        id: ID,
    ) -> AppResult<Option<CommunityMember>> {
        Ok(root_scope(context)?
            .loaders
            .community_member
            .load_one(parse_id(&id, "id")?)
            .await?
            .map(CommunityMember))
    }

    /// The community member with this member number (e.g. `#247`), or null (also when
    /// removed).
    async fn community_member_by_member_id(
        &self,
        context: &Context<'_>,
        member_id: String,
    ) -> AppResult<Option<CommunityMember>> {
        root_scope(context)?;
        member_by_member_id(context, &member_id).await
    }

    /// The community member with this Telegram user id, or null (also when removed).
    async fn community_member_by_telegram_id(
        &self,
        context: &Context<'_>,
        telegram_id: String,
    ) -> AppResult<Option<CommunityMember>> {
        find_member_by_telegram_id(root_scope(context)?, telegram_id).await
    }

    /// The community member with this GitHub username (case-insensitive; the oldest member
    /// if several claim it), or null (also when removed).
    async fn community_member_by_github_username(
        &self,
        context: &Context<'_>,
        github_username: String,
    ) -> AppResult<Option<CommunityMember>> {
        find_member_by_github_username(root_scope(context)?, github_username).await
    }

    /// Invitation codes matching `filter`, newest first.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn community_invitations(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<CommunityInvitationFilter>,
    ) -> AppResult<CommunityInvitationConnection> {
        community_invitation_page(root_scope(context)?, first, after, filter)
            .await
            .map(CommunityInvitationConnection)
    }

    /// The invitation with this id, or null.
    async fn community_invitation(
        &self,
        context: &Context<'_>,
        id: ID,
    ) -> AppResult<Option<CommunityInvitation>> {
        Ok(root_scope(context)?
            .loaders
            .community_invitation
            .load_one(parse_id(&id, "id")?)
            .await?
            .map(CommunityInvitation::from))
    }

    /// The invitation with this 16-character code, or null.
    async fn community_invitation_by_code(
        &self,
        context: &Context<'_>,
        code: String,
    ) -> AppResult<Option<CommunityInvitation>> {
        find_invitation_by_code(root_scope(context)?, code).await
    }
}
