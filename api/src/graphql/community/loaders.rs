//! The community directory's DataLoaders: members by row id or member number
//! ([`MemberLoader`]), the lists under a member limited per member in SQL ([`MemberPages`],
//! [`MemberCounts`]) and members' daily highlights by range ([`HighlightLoader`]). Community
//! tables reference members by `member_id`, so these key on that text, not on row ids.

use super::*;

/// Loads community members that are not soft-deleted, by row id (`Uuid` keys) or by public
/// member number (`String` keys), one statement per batch.
pub struct MemberLoader {
    db: DatabaseConnection,
    visibility: Visibility,
}

impl MemberLoader {
    /// A loader reading through the request's database and visibility.
    pub fn new(db: &DatabaseConnection, visibility: &Visibility) -> MemberLoader {
        MemberLoader {
            db: db.clone(),
            visibility: visibility.clone(),
        }
    }
}

impl Loader<Uuid> for MemberLoader {
    type Value = entity::community_member::Model;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Arc<DbErr>> {
        let rows = visible_members(&self.visibility)
            .filter(entity::community_member::Column::Id.is_in(keys.iter().copied()))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}

impl Loader<String> for MemberLoader {
    type Value = entity::community_member::Model;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Arc<DbErr>> {
        let rows = visible_members(&self.visibility)
            .filter(entity::community_member::Column::MemberId.is_in(keys.iter().cloned()))
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| (row.member_id.clone(), row))
            .collect())
    }
}

/// Arguments of a list under a member, whose rows hold the member's `member_id`.
pub trait MemberList: Clone + Eq + Hash + Send + Sync + 'static {
    type Entity: crate::domain::policy::Scoped;
    /// The child column holding the member's `member_id`.
    fn member_column(&self) -> <Self::Entity as EntityTrait>::Column;
    /// The ordering of the list.
    fn ordering(&self) -> Ordering<Self::Entity>;
    /// Which page to fetch.
    fn page(&self) -> &PageArgs;
}

/// The invitation codes a member created (the nested `CommunityMember.invitationsCreated`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MemberInvitations {
    pub page: PageArgs,
}

impl MemberList for MemberInvitations {
    type Entity = InvitationEntity;
    fn member_column(&self) -> entity::community_invitation::Column {
        entity::community_invitation::Column::CreatedBy
    }
    fn ordering(&self) -> Ordering<InvitationEntity> {
        CommunityInvitation::ordering()
    }
    fn page(&self) -> &PageArgs {
        &self.page
    }
}

/// A member's engagement events (the nested `CommunityMember.participation`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MemberEvents {
    pub page: PageArgs,
}

impl MemberList for MemberEvents {
    type Entity = ParticipationEntity;
    fn member_column(&self) -> entity::member_participation::Column {
        entity::member_participation::Column::MemberId
    }
    fn ordering(&self) -> Ordering<ParticipationEntity> {
        MemberParticipation::ordering()
    }
    fn page(&self) -> &PageArgs {
        &self.page
    }
}

fn string_of(value: Value) -> Option<String> {
    match value {
        Value::String(Some(text)) => Some(text),
        _ => None,
    }
}

/// Loads a page of a list for many members at once, one statement per distinct arguments.
pub struct MemberPages<L> {
    db: DatabaseConnection,
    visibility: Visibility,
    list: PhantomData<fn() -> L>,
}

impl<L> MemberPages<L> {
    /// A loader reading through the request's database and visibility.
    pub fn new(db: &DatabaseConnection, visibility: &Visibility) -> MemberPages<L> {
        MemberPages {
            db: db.clone(),
            visibility: visibility.clone(),
            list: PhantomData,
        }
    }
}

fn group_by_list<L: MemberList>(keys: &[(String, L)]) -> HashMap<&L, Vec<String>> {
    let mut by_list: HashMap<&L, Vec<String>> = HashMap::new();
    for (member, list) in keys {
        by_list.entry(list).or_default().push(member.clone());
    }
    by_list
}

impl<L> Loader<(String, L)> for MemberPages<L>
where
    L: MemberList,
    <L::Entity as EntityTrait>::Model: FromQueryResult + Clone + Send + Sync + 'static,
{
    type Value = Vec<<L::Entity as EntityTrait>::Model>;
    type Error = Arc<DbErr>;

    async fn load(
        &self,
        keys: &[(String, L)],
    ) -> Result<HashMap<(String, L), Self::Value>, Arc<DbErr>> {
        let mut result = HashMap::new();
        for (list, members) in group_by_list(keys) {
            let ordering = list.ordering();
            let mut select = visible(L::Entity::find(), &self.visibility);
            if let Some(after) = &list.page().after {
                let backend = self.db.get_database_backend();
                let condition = after
                    .cursor()
                    .and_then(|cursor| ordering.after(&cursor, backend))
                    .map_err(|error| DbErr::Custom(error.message()))?;
                select = select.filter(condition);
            }
            let rows = page_per_member::<L::Entity>(
                &self.db,
                select,
                list.member_column(),
                &members,
                &ordering,
                list.page().first + 1,
            )
            .await?;
            let mut grouped: HashMap<String, Vec<_>> = HashMap::new();
            for row in rows {
                if let Some(member) = string_of(row.get(list.member_column())) {
                    grouped.entry(member).or_default().push(row);
                }
            }
            for member in members {
                let rows = grouped.remove(&member).unwrap_or_default();
                result.insert((member, list.clone()), rows);
            }
        }
        Ok(result)
    }
}

/// Counts each member's rows of a list (for a nested `totalCount`).
pub struct MemberCounts<L> {
    db: DatabaseConnection,
    visibility: Visibility,
    list: PhantomData<fn() -> L>,
}

impl<L> MemberCounts<L> {
    /// A loader reading through the request's database and visibility.
    pub fn new(db: &DatabaseConnection, visibility: &Visibility) -> MemberCounts<L> {
        MemberCounts {
            db: db.clone(),
            visibility: visibility.clone(),
            list: PhantomData,
        }
    }
}

impl<L: MemberList> Loader<(String, L)> for MemberCounts<L> {
    type Value = i64;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[(String, L)]) -> Result<HashMap<(String, L), i64>, Arc<DbErr>> {
        let mut result = HashMap::new();
        for (list, members) in group_by_list(keys) {
            let column = list.member_column();
            let counts: Vec<(String, i64)> = visible(L::Entity::find(), &self.visibility)
                .filter(column.is_in(members.iter().cloned()))
                .select_only()
                .column(column)
                .column_as(Expr::col(column).count(), "count")
                .group_by(column)
                .into_tuple()
                .all(&self.db)
                .await?;
            let counts: HashMap<String, i64> = counts.into_iter().collect();
            for member in members {
                let count = counts.get(&member).copied().unwrap_or(0);
                result.insert((member, list.clone()), count);
            }
        }
        Ok(result)
    }
}

/// A member list's `totalCount`, counted (batched across members) only if a client asks.
pub(super) fn member_total<L, F>(
    scope: &Arc<RequestScope>,
    member: String,
    list: L,
    loader: F,
) -> TotalCount
where
    L: MemberList,
    F: Fn(&RequestScope) -> &crate::graphql::loaders::Batched<MemberCounts<L>>
        + Send
        + Sync
        + 'static,
{
    let scope = scope.clone();
    let loader = Arc::new(loader);
    TotalCount::deferred(move || {
        let scope = scope.clone();
        let member = member.clone();
        let list = list.clone();
        let loader = loader.clone();
        async move { Ok(loader(&scope).load_one((member, list)).await?.unwrap_or(0)) }
    })
}

/// The first `limit` rows per member of `select` in `ordering`, for all `members`, in one
/// statement (members are referenced by their text `member_id`).
async fn page_per_member<E>(
    db: &DatabaseConnection,
    select: Select<E>,
    member_column: E::Column,
    members: &[String],
    ordering: &Ordering<E>,
    limit: u64,
) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
    E::Model: FromQueryResult,
{
    crate::graphql::loaders::page_per_parent::<E, String>(
        db,
        select,
        ordering.table(),
        member_column,
        members,
        "text",
        ordering.order_by(db.get_database_backend()),
        limit,
    )
    .await
}

/// Days of a member's daily highlights, both ends inclusive and optional.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct HighlightRange {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl HighlightRange {
    /// Refuses a range that ends before it starts.
    pub fn new(from: Option<NaiveDate>, to: Option<NaiveDate>) -> AppResult<HighlightRange> {
        if let (Some(from), Some(to)) = (from, to)
            && to < from
        {
            return Err(AppError::bad_input("to", "must not be before from"));
        }
        Ok(HighlightRange { from, to })
    }
}

/// Loads the daily highlights of many members within a range, oldest day first, one
/// statement per distinct range.
pub struct HighlightLoader {
    db: DatabaseConnection,
    visibility: Visibility,
}

impl HighlightLoader {
    /// A loader reading through the request's database and visibility.
    pub fn new(db: &DatabaseConnection, visibility: &Visibility) -> HighlightLoader {
        HighlightLoader {
            db: db.clone(),
            visibility: visibility.clone(),
        }
    }
}

impl Loader<(String, HighlightRange)> for HighlightLoader {
    type Value = Vec<entity::member_daily_highlight::Model>;
    type Error = Arc<DbErr>;

    async fn load(
        &self,
        keys: &[(String, HighlightRange)],
    ) -> Result<HashMap<(String, HighlightRange), Self::Value>, Arc<DbErr>> {
        use entity::member_daily_highlight::Column;
        let mut by_range: HashMap<HighlightRange, Vec<String>> = HashMap::new();
        for (member, range) in keys {
            by_range.entry(*range).or_default().push(member.clone());
        }
        let mut result = HashMap::new();
        for (range, members) in by_range {
            let mut select = visible(HighlightEntity::find(), &self.visibility)
                .filter(Column::MemberId.is_in(members.iter().cloned()));
            if let Some(from) = range.from {
                select = select.filter(Column::HighlightDate.gte(from));
            }
            if let Some(to) = range.to {
                select = select.filter(Column::HighlightDate.lte(to));
            }
            let rows = select
                .order_by_asc(Column::HighlightDate)
                .order_by_asc(Column::Id)
                .all(&self.db)
                .await?;
            let mut grouped: HashMap<String, Self::Value> = HashMap::new();
            for row in rows {
                grouped.entry(row.member_id.clone()).or_default().push(row);
            }
            for member in members {
                let rows = grouped.remove(&member).unwrap_or_default();
                result.insert((member, range), rows);
            }
        }
        Ok(result)
    }
}
