//! Relationships between community members (INVITED, MENTORED, COLLABORATED): the
//! `MemberRelationship` type with the members at either end, the per-member list
//! (`CommunityMember.relationships(type:, includeEnded:)`, batched across members in one
//! statement per distinct arguments), and the moderators' mutations that record and end them
//! (rules and services in `domain::community::relationships`).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
};

use entity::prelude::MemberRelationship as RelationshipEntity;

use crate::domain::community::relationships::{self, NewRelationship, RelationshipKind};
use crate::domain::policy::{Visibility, visible};
use crate::error::AppResult;
use crate::graphql::change::open;
use crate::graphql::community::{CommunityMember, member_by_member_id, member_ids, utc};
use crate::graphql::scope::scope;
use crate::graphql::{parse_id, to_id};

/// A typed relationship between two community entities (INVITED, MENTORED, ...) for ElizaOS
/// memory. The entity ids are free-form strings, usually member numbers.
#[derive(Clone)]
pub struct MemberRelationship(pub entity::member_relationship::Model);

/// Kinds of relationship between members (seed 003).
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq, Hash)]
pub enum MemberRelationshipType {
    /// Entity A invited entity B: recorded when an invitation is accepted.
    Invited,
    /// Entity A mentored entity B.
    Mentored,
    /// The two members worked together (no direction).
    Collaborated,
}

impl From<MemberRelationshipType> for RelationshipKind {
    fn from(kind: MemberRelationshipType) -> Self {
        match kind {
            MemberRelationshipType::Invited => RelationshipKind::Invited,
            MemberRelationshipType::Mentored => RelationshipKind::Mentored,
            MemberRelationshipType::Collaborated => RelationshipKind::Collaborated,
        }
    }
}

/// A typed relationship between two community entities (INVITED, MENTORED, ...) for ElizaOS
/// memory. The entity ids are free-form strings, usually member numbers.
#[Object]
impl MemberRelationship {
    /// Row id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// First entity of the relationship (the inviting member's number, the mentor's).
    async fn entity_id_a(&self) -> &str {
        &self.0.entity_id_a
    }
    /// Second entity of the relationship (the invited member's number, the mentee's).
    async fn entity_id_b(&self) -> &str {
        &self.0.entity_id_b
    }
    /// Kind of relationship (INVITED, MENTORED, COLLABORATED, ...).
    async fn relationship_type(&self) -> &str {
        &self.0.relationship_type
    }
    /// Flexible relationship metadata.
    async fn content(&self) -> &serde_json::Value {
        &self.0.content
    }
    /// When the row was created.
    async fn created_at(&self) -> DateTime<Utc> {
        utc(self.0.created_at)
    }
    /// When a moderator ended the relationship; null while it is current.
    async fn ended_at(&self) -> Option<DateTime<Utc>> {
        self.0.ended_at.map(utc)
    }
    /// The member that is entity A, or null (not a member number, or a removed member).
    async fn member_a(&self, context: &Context<'_>) -> AppResult<Option<CommunityMember>> {
        member_by_member_id(context, &self.0.entity_id_a).await
    }
    /// The member that is entity B, or null (not a member number, or a removed member).
    async fn member_b(&self, context: &Context<'_>) -> AppResult<Option<CommunityMember>> {
        member_by_member_id(context, &self.0.entity_id_b).await
    }
}

/// Which of a member's relationships to list.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RelationshipsOf {
    pub kind: Option<MemberRelationshipType>,
    pub include_ended: bool,
}

/// `CommunityMember.relationships`: batched across the members of a request.
pub async fn member_relationships(
    context: &Context<'_>,
    member_id: &str,
    kind: Option<MemberRelationshipType>,
    include_ended: bool,
) -> AppResult<Vec<MemberRelationship>> {
    let list = RelationshipsOf {
        kind,
        include_ended,
    };
    Ok(scope(context)?
        .loaders
        .member_relationships
        .load_one((member_id.to_owned(), list))
        .await?
        .unwrap_or_default()
        .into_iter()
        .map(MemberRelationship)
        .collect())
}

/// Loads the relationships of many members (as either entity), oldest first, leaving out
/// those with a soft-deleted member; one statement per distinct arguments.
pub struct RelationshipLoader {
    db: DatabaseConnection,
    visibility: Visibility,
}

impl RelationshipLoader {
    /// A loader reading through the request's database and visibility.
    pub fn new(db: &DatabaseConnection, visibility: &Visibility) -> RelationshipLoader {
        RelationshipLoader {
            db: db.clone(),
            visibility: visibility.clone(),
        }
    }
}

type RelationshipKey = (String, RelationshipsOf);

impl Loader<RelationshipKey> for RelationshipLoader {
    type Value = Vec<entity::member_relationship::Model>;
    type Error = Arc<DbErr>;

    async fn load(
        &self,
        keys: &[RelationshipKey],
    ) -> Result<HashMap<RelationshipKey, Self::Value>, Arc<DbErr>> {
        use entity::member_relationship::Column;
        let mut by_list: HashMap<&RelationshipsOf, Vec<String>> = HashMap::new();
        for (member, list) in keys {
            by_list.entry(list).or_default().push(member.clone());
        }
        let mut result: HashMap<RelationshipKey, Self::Value> =
            keys.iter().map(|key| (key.clone(), Vec::new())).collect();
        for (list, members) in by_list {
            let mut select = visible(RelationshipEntity::find(), &self.visibility)
                .filter(
                    Condition::any()
                        .add(Column::EntityIdA.is_in(members.iter().cloned()))
                        .add(Column::EntityIdB.is_in(members.iter().cloned())),
                )
                .filter(Column::EntityIdA.not_in_subquery(member_ids(true)))
                .filter(Column::EntityIdB.not_in_subquery(member_ids(true)));
            if let Some(kind) = list.kind {
                select = select
                    .filter(Column::RelationshipType.eq(RelationshipKind::from(kind).stored()));
            }
            if !list.include_ended {
                select = select.filter(Column::EndedAt.is_null());
            }
            let rows = select
                .order_by_asc(Column::CreatedAt)
                .order_by_asc(Column::Id)
                .all(&self.db)
                .await?;
            let wanted: HashSet<&String> = members.iter().collect();
            for row in rows {
                let mut sides = vec![&row.entity_id_a];
                if row.entity_id_b != row.entity_id_a {
                    sides.push(&row.entity_id_b);
                }
                for side in sides {
                    if wanted.contains(side)
                        && let Some(rows) = result.get_mut(&(side.clone(), list.clone()))
                    {
                        rows.push(row.clone());
                    }
                }
            }
        }
        Ok(result)
    }
}

/// A relationship a moderator records between two members.
#[derive(InputObject)]
pub struct CreateMemberRelationshipInput {
    /// Entity A (row id): the mentor of a MENTORED relationship.
    pub member_id: ID,
    /// Entity B (row id): the mentee of a MENTORED relationship.
    pub related_member_id: ID,
    /// MENTORED or COLLABORATED (INVITED is recorded by accepting an invitation).
    pub relationship_type: MemberRelationshipType,
    /// Metadata for the ElizaOS memory (a JSON object); `{}` if left out.
    pub content: Option<serde_json::Value>,
}

#[derive(Default)]
pub struct RelationshipMutations;

#[Object]
impl RelationshipMutations {
    /// Records a relationship between two members (moderators and admins). A removed or
    /// unknown member is `NOT_FOUND`; a member related to itself or INVITED is
    /// `BAD_USER_INPUT`; a current relationship of the kind between the two already (either
    /// way round for COLLABORATED) is `CONFLICT`.
    async fn create_member_relationship(
        &self,
        context: &Context<'_>,
        input: CreateMemberRelationshipInput,
    ) -> AppResult<MemberRelationship> {
        let input = NewRelationship {
            member: parse_id(&input.member_id, "input.memberId")?,
            related_member: parse_id(&input.related_member_id, "input.relatedMemberId")?,
            kind: input.relationship_type.into(),
            content: input.content,
        };
        let mut write = open(context).await?;
        let created = relationships::create_relationship(&mut write, input).await?;
        write.commit().await?;
        Ok(MemberRelationship(created))
    }

    /// Ends a current relationship (moderators and admins): it stays listed with
    /// `includeEnded`, stamped with `endedAt`. An ended one, or an INVITED one (an accepted
    /// invitation's record), is `CONFLICT`.
    async fn end_member_relationship(
        &self,
        context: &Context<'_>,
        id: ID,
    ) -> AppResult<MemberRelationship> {
        let id = parse_id(&id, "id")?;
        let mut write = open(context).await?;
        let ended = relationships::end_relationship(&mut write, id).await?;
        write.commit().await?;
        Ok(MemberRelationship(ended))
    }
}
