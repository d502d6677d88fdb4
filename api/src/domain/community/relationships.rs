//! Relationships between community members (seed 003: INVITED, MENTORED, …): which kinds
//! there are and which a moderator may record, which are directed, and the services that
//! create and end them. An INVITED relationship is recorded by accepting an invitation and is
//! that invitation's history: a moderator neither creates nor ends one. Ending keeps the row
//! and stamps `ended_at`; a pair has at most one current relationship of a kind (either way
//! round for an undirected kind).

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, IntoActiveModel, QueryFilter,
    QuerySelect,
};
use serde_json::{Value, json};
use uuid::Uuid;

use entity::member_relationship;
use entity::prelude::MemberRelationship as RelationshipEntity;

use crate::domain::community::members::find_member;
use crate::domain::community::rules::{document, stored_time};
use crate::domain::policy::Domain;
use crate::domain::write::Write;
use crate::error::{AppError, AppResult};

/// A kind of relationship, as `member_relationships.relationship_type` stores it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RelationshipKind {
    /// A member invited another (entity A invited entity B): recorded by accepting an
    /// invitation.
    Invited,
    /// A member mentored another (entity A mentored entity B).
    Mentored,
    /// Two members worked together (no direction).
    Collaborated,
}

impl RelationshipKind {
    pub const ALL: [RelationshipKind; 3] = [
        RelationshipKind::Invited,
        RelationshipKind::Mentored,
        RelationshipKind::Collaborated,
    ];

    /// The stored spelling.
    pub fn stored(self) -> &'static str {
        match self {
            RelationshipKind::Invited => "INVITED",
            RelationshipKind::Mentored => "MENTORED",
            RelationshipKind::Collaborated => "COLLABORATED",
        }
    }

    /// Whether "A to B" differs from "B to A".
    pub fn is_directed(self) -> bool {
        !matches!(self, RelationshipKind::Collaborated)
    }

    /// Whether moderators record and end it; INVITED belongs to the invitation flow.
    pub fn is_moderated(self) -> bool {
        !matches!(self, RelationshipKind::Invited)
    }

    /// The kind of a stored value, if it is one of ours.
    pub fn of_stored(value: &str) -> Option<RelationshipKind> {
        RelationshipKind::ALL
            .into_iter()
            .find(|kind| kind.stored() == value)
    }
}

/// A relationship a moderator records between two members (row ids).
#[derive(Clone, Debug)]
pub struct NewRelationship {
    /// Entity A: the mentor of a MENTORED relationship.
    pub member: Uuid,
    /// Entity B: the mentee of a MENTORED relationship.
    pub related_member: Uuid,
    pub kind: RelationshipKind,
    /// Metadata for the ElizaOS memory; `{}` when `None`.
    pub content: Option<Value>,
}

/// `BAD_USER_INPUT` unless a moderator may record `kind` between these two members.
pub fn check_new(kind: RelationshipKind, member: Uuid, related_member: Uuid) -> AppResult<()> {
    if !kind.is_moderated() {
        return Err(AppError::bad_input(
            "input.relationshipType",
            "INVITED is recorded when an invitation is accepted, not by hand",
        ));
    }
    if member == related_member {
        return Err(AppError::bad_input(
            "input.relatedMemberId",
            "must be another member than input.memberId",
        ));
    }
    Ok(())
}

/// Records a relationship between two live members. A removed or unknown member is
/// `NOT_FOUND`; a current relationship of the kind between them already (either way round
/// for COLLABORATED) is `CONFLICT`.
pub async fn create_relationship(
    write: &mut Write,
    input: NewRelationship,
) -> AppResult<member_relationship::Model> {
    write.authorize(Domain::Community)?;
    check_new(input.kind, input.member, input.related_member)?;
    let content = document("input.content", input.content.unwrap_or_else(|| json!({})))?;
    let a = find_member(write, input.member, "input.memberId").await?;
    let b = find_member(write, input.related_member, "input.relatedMemberId").await?;
    let (a, b) = (a.member_id, b.member_id);
    let pair = |x: &str, y: &str| {
        Condition::all()
            .add(member_relationship::Column::EntityIdA.eq(x))
            .add(member_relationship::Column::EntityIdB.eq(y))
    };
    let mut pairs = Condition::any().add(pair(&a, &b));
    if !input.kind.is_directed() {
        pairs = pairs.add(pair(&b, &a));
    }
    let current = write
        .select::<RelationshipEntity>()
        .filter(member_relationship::Column::RelationshipType.eq(input.kind.stored()))
        .filter(member_relationship::Column::EndedAt.is_null())
        .filter(pairs)
        .lock_exclusive()
        .one(write.txn())
        .await?;
    if current.is_some() {
        return Err(AppError::Conflict(format!(
            "{a} and {b} already have a current {} relationship",
            input.kind.stored()
        )));
    }
    let created = member_relationship::ActiveModel {
        id: Set(Uuid::new_v4()),
        entity_id_a: Set(a),
        entity_id_b: Set(b),
        relationship_type: Set(input.kind.stored().to_owned()),
        content: Set(content),
        created_at: Set(stored_time(write.now())),
        ended_at: Set(None),
    }
    .insert(write.txn())
    .await?;
    write.touch("MemberRelationship", created.id);
    Ok(created)
}

/// Ends a current relationship: the row stays, with `ended_at`. An ended one, or an INVITED
/// one (an accepted invitation's record), is `CONFLICT`.
pub async fn end_relationship(
    write: &mut Write,
    id: Uuid,
) -> AppResult<member_relationship::Model> {
    write.authorize(Domain::Community)?;
    let relationship = write
        .find::<RelationshipEntity>(id, "member relationship", "id")
        .await?;
    if relationship.ended_at.is_some() {
        return Err(AppError::Conflict(
            "the relationship has already ended".to_owned(),
        ));
    }
    if RelationshipKind::of_stored(&relationship.relationship_type)
        .is_some_and(|kind| !kind.is_moderated())
    {
        return Err(AppError::Conflict(format!(
            "an {} relationship records an accepted invitation and does not end",
            relationship.relationship_type
        )));
    }
    let mut change = relationship.into_active_model();
    change.ended_at = Set(Some(stored_time(write.now())));
    let ended = change.update(write.txn()).await?;
    write.touch("MemberRelationship", ended.id);
    Ok(ended)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::validate::refused_field;

    #[test]
    fn every_kind_reads_back_from_its_stored_spelling() {
        for kind in RelationshipKind::ALL {
            assert_eq!(RelationshipKind::of_stored(kind.stored()), Some(kind));
        }
        assert_eq!(RelationshipKind::of_stored("FRIENDS"), None);
    }

    #[test]
    fn moderators_record_mentorships_and_collaborations_between_two_members() {
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        assert!(check_new(RelationshipKind::Mentored, a, b).is_ok());
        assert!(check_new(RelationshipKind::Collaborated, a, b).is_ok());
        assert_eq!(
            refused_field(check_new(RelationshipKind::Invited, a, b)),
            "input.relationshipType"
        );
        assert_eq!(
            refused_field(check_new(RelationshipKind::Mentored, a, a)),
            "input.relatedMemberId"
        );
    }

    #[test]
    fn only_a_collaboration_has_no_direction() {
        assert!(RelationshipKind::Mentored.is_directed());
        assert!(RelationshipKind::Invited.is_directed());
        assert!(!RelationshipKind::Collaborated.is_directed());
    }
}
