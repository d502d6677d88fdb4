//! When an invitation code has expired (seed 003): a PENDING code whose `expires_at` has
//! passed is EXPIRED, whether or not the expiry job has stored that yet. Reads resolve the
//! status and filter by it through these functions, so `status`, the `PENDING` / `EXPIRED`
//! filters and `isExpired` never disagree; the job ([`expire_invitations`]) then stores what
//! reads already show.

use chrono::{DateTime, NaiveDateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use entity::community_invitation::{self, Column};
use entity::enums::InvitationStatus as InvitationState;
use entity::prelude::CommunityInvitation as InvitationEntity;

use crate::domain::community::rules::stored_time;
use crate::domain::policy::{Caller, Domain};
use crate::domain::write::{Audit, Write};
use crate::error::AppResult;

/// Whether a code valid until `expires_at` has expired at `now` (the moment it stops being
/// accepted, as `accept_invitation` decides it).
pub fn is_expired(expires_at: NaiveDateTime, now: DateTime<Utc>) -> bool {
    expires_at <= stored_time(now)
}

/// The invitation's status as of `now`: a PENDING code past its expiry is EXPIRED.
pub fn effective_status(
    invitation: &community_invitation::Model,
    now: DateTime<Utc>,
) -> InvitationState {
    match invitation.status {
        InvitationState::Pending if is_expired(invitation.expires_at, now) => {
            InvitationState::Expired
        }
        status => status,
    }
}

/// Invitations whose status as of `now` ([`effective_status`]) is any of `statuses`.
pub fn status_condition(statuses: &[InvitationState], now: DateTime<Utc>) -> Condition {
    let now = stored_time(now);
    let mut condition = Condition::any();
    for status in statuses {
        condition = condition.add(match status {
            InvitationState::Pending => Condition::all()
                .add(Column::Status.eq(InvitationState::Pending))
                .add(Column::ExpiresAt.gt(now)),
            InvitationState::Expired => Condition::any()
                .add(Column::Status.eq(InvitationState::Expired))
                .add(
                    Condition::all()
                        .add(Column::Status.eq(InvitationState::Pending))
                        .add(Column::ExpiresAt.lte(now)),
                ),
            other => Condition::all().add(Column::Status.eq(*other)),
        });
    }
    condition
}

/// The codes the expiry job turned (or, in a dry run, would turn) EXPIRED.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expired {
    pub codes: Vec<String>,
}

/// Stores EXPIRED on every PENDING invitation past its expiry at `at`, in one change audited
/// as `jobs.expire_invitations`; a dry run only lists them.
pub async fn expire_invitations(
    db: &DatabaseConnection,
    at: DateTime<Utc>,
    dry_run: bool,
) -> AppResult<Expired> {
    let overdue = || {
        InvitationEntity::find()
            .filter(Column::Status.eq(InvitationState::Pending))
            .filter(Column::ExpiresAt.lte(stored_time(at)))
            .order_by_asc(Column::ExpiresAt)
            .order_by_asc(Column::InvitationId)
    };
    if dry_run {
        let codes = overdue()
            .all(db)
            .await?
            .into_iter()
            .map(|invitation| invitation.invitation_code)
            .collect();
        return Ok(Expired { codes });
    }
    let mut write = Write::begin(
        db,
        &Caller::system("jobs"),
        Audit::action("jobs.expire_invitations"),
        None,
    )
    .await?
    .at(at);
    write.authorize(Domain::Community)?;
    let invitations = overdue().lock_exclusive().all(write.txn()).await?;
    if invitations.is_empty() {
        return Ok(Expired::default());
    }
    let ids: Vec<_> = invitations
        .iter()
        .map(|invitation| invitation.invitation_id)
        .collect();
    for chunk in ids.chunks(500) {
        InvitationEntity::update_many()
            .col_expr(Column::Status, Expr::value(InvitationState::Expired))
            .col_expr(Column::UpdatedAt, Expr::value(stored_time(at)))
            .filter(Column::InvitationId.is_in(chunk.iter().copied()))
            .filter(Column::Status.eq(InvitationState::Pending))
            .exec(write.txn())
            .await?;
    }
    for id in &ids {
        write.touch("CommunityInvitation", id);
    }
    write.commit().await?;
    Ok(Expired {
        codes: invitations
            .into_iter()
            .map(|invitation| invitation.invitation_code)
            .collect(),
    })
}
