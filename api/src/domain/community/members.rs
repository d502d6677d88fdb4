//! The steps several community services share on member rows (finding a live member, keeping
//! Telegram ids unique, allocating member numbers, inserting a member) and on the rows that
//! record what a member did (participation events, daily highlights).

use chrono::{NaiveDate, NaiveDateTime};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    DbBackend, DbErr, IntoActiveModel, QueryFilter, Statement,
};
use uuid::Uuid;

use serde_json::Value;

use entity::enums::MemberStatus as MemberState;
use entity::prelude::{CommunityMember as MemberEntity, MemberDailyHighlight as HighlightEntity};
use entity::{community_member, member_daily_highlight, member_participation};

use crate::domain::community::rules::{NewMember, next_member_id, reputation_tier, stored_time};
use crate::domain::write::Write;
use crate::error::{AppError, AppResult};

/// Tells concurrent member creations on PostgreSQL apart from every other advisory lock:
/// member numbers are allocated one transaction at a time (SQLite's write lock does the same).
const MEMBER_NUMBER_LOCK: i64 = 0x0003_6d65_6d62;

/// The unique key that keeps two members from sharing a Telegram id.
const TELEGRAM_ID_KEY: &str = "community_members_telegram_id_unique";

/// The live member with row id `id`, locked until commit; a removed one is `NOT_FOUND`.
pub async fn find_member(
    write: &Write,
    id: Uuid,
    field: &str,
) -> AppResult<community_member::Model> {
    let member = write
        .find::<MemberEntity>(id, "community member", field)
        .await?;
    if member.deleted_at.is_some() {
        return Err(AppError::not_found("community member", field, id));
    }
    Ok(member)
}

/// `CONFLICT` on `field` if another member (removed ones included: the constraint keeps their
/// ids) has this Telegram id.
pub async fn require_free_telegram_id(
    write: &Write,
    telegram_id: &str,
    except: Option<Uuid>,
    field: &str,
) -> AppResult<()> {
    let mut select = write
        .select::<MemberEntity>()
        .filter(community_member::Column::TelegramId.eq(telegram_id));
    if let Some(except) = except {
        select = select.filter(community_member::Column::Id.ne(except));
    }
    if let Some(holder) = select.one(write.txn()).await? {
        let removed = if holder.deleted_at.is_some() {
            "removed "
        } else {
            ""
        };
        return Err(AppError::conflict_on(
            field,
            format!(
                "Telegram id {telegram_id} already belongs to {removed}member {}",
                holder.member_id
            ),
        ));
    }
    Ok(())
}

/// A unique violation from a member insert or update: a Telegram id taken by a concurrent
/// writer is a conflict on `telegram_field`; any other key a conflict of the whole change;
/// anything else the error it is.
pub fn member_write_error(error: DbErr, telegram_field: &str, telegram_id: &str) -> AppError {
    AppError::on_unique(error, |key| {
        if key == TELEGRAM_ID_KEY {
            AppError::conflict_on(
                telegram_field,
                format!("Telegram id {telegram_id} already belongs to another member"),
            )
        } else {
            AppError::Conflict("another member was added at the same moment; try again".to_owned())
        }
    })
}

/// The next member number. On PostgreSQL a transaction-scoped advisory lock makes concurrent
/// creations take turns (SQLite's `BEGIN IMMEDIATE` already does), so two members never get
/// one number. Removed members keep their numbers: they count.
async fn allocate_member_id(txn: &DatabaseTransaction) -> AppResult<String> {
    let backend = txn.get_database_backend();
    let highest = match backend {
        DbBackend::Postgres => {
            txn.execute_raw(Statement::from_sql_and_values(
                backend,
                "SELECT pg_advisory_xact_lock($1)",
                [MEMBER_NUMBER_LOCK.into()],
            ))
            .await?;
            "SELECT MAX(CAST(SUBSTRING(member_id FROM 2) AS BIGINT)) FROM community_members \
             WHERE member_id ~ '^#[0-9]{1,18}$'"
        }
        _ => {
            "SELECT MAX(CAST(SUBSTR(member_id, 2) AS INTEGER)) FROM community_members \
             WHERE member_id GLOB '#[0-9]*' AND SUBSTR(member_id, 2) NOT GLOB '*[^0-9]*' \
             AND LENGTH(member_id) <= 19"
        }
    };
    let highest: Option<i64> = match txn
        .query_one_raw(Statement::from_string(backend, highest))
        .await?
    {
        Some(row) => row.try_get_by_index(0)?,
        None => None,
    };
    next_member_id(highest)
        .ok_or_else(|| AppError::Internal("member numbers are exhausted".to_owned()))
}

/// Inserts a member with the next member number, after checking that its Telegram id is free.
pub async fn insert_member(
    write: &mut Write,
    member: NewMember,
    status: MemberState,
    invited_by: Option<String>,
) -> AppResult<community_member::Model> {
    let member = member.into_details();
    require_free_telegram_id(write, &member.telegram_id, None, "input.telegramId").await?;
    let member_id = allocate_member_id(write.txn()).await?;
    let at = stored_time(write.now());
    let telegram_id = member.telegram_id.clone();
    let inserted = community_member::ActiveModel {
        id: Set(Uuid::new_v4()),
        member_id: Set(member_id),
        telegram_id: Set(member.telegram_id),
        telegram_username: Set(member.telegram_username),
        name: Set(member.name),
        primary_role: Set(member.primary_role),
        organization: Set(member.organization),
        country: Set(member.country),
        github_username: Set(None),
        github_verified: Set(false),
        github_verified_at: Set(None),
        github_profile_data: Set(None),
        status: Set(status),
        reputation_score: Set(0),
        reputation_tier: Set(Some(reputation_tier(0).to_owned())),
        invited_by: Set(invited_by),
        registration_fee_paid: Set(Some(false)),
        registration_fee_tx_hash: Set(None),
        profile_data: Set(member.profile_data),
        created_at: Set(at),
        updated_at: Set(at),
        last_active_at: Set(None),
        deleted_at: Set(None),
    }
    .insert(write.txn())
    .await
    .map_err(|error| member_write_error(error, "input.telegramId", &telegram_id))?;
    write.touch("CommunityMember", inserted.id);
    Ok(inserted)
}

/// Adds to the member's totals for `day`, creating the day's row if it has none. The member's
/// row is locked, so two events for one member and day cannot both create it.
pub async fn add_to_highlight(
    write: &mut Write,
    member_id: &str,
    day: NaiveDate,
    add: impl FnOnce(&mut member_daily_highlight::Model),
) -> AppResult<member_daily_highlight::Model> {
    use member_daily_highlight::Column;
    let existing = write
        .select::<HighlightEntity>()
        .filter(Column::MemberId.eq(member_id))
        .filter(Column::HighlightDate.eq(day))
        .one(write.txn())
        .await?;
    let stored = match existing {
        Some(mut row) => {
            add(&mut row);
            row.into_active_model()
                .reset_all()
                .update(write.txn())
                .await?
        }
        None => {
            let mut row = member_daily_highlight::Model {
                id: Uuid::new_v4(),
                member_id: member_id.to_owned(),
                highlight_date: day,
                message_count: Some(0),
                reaction_count: Some(0),
                voice_minutes: Some(0),
                reputation_earned: Some(0),
                created_at: stored_time(write.now()),
            };
            add(&mut row);
            row.into_active_model()
                .reset_all()
                .insert(write.txn())
                .await?
        }
    };
    write.touch("MemberDailyHighlight", stored.id);
    Ok(stored)
}

/// Records an event row.
pub async fn insert_event(
    write: &mut Write,
    member_id: &str,
    event_type: &str,
    platform: String,
    room_id: String,
    metadata: Option<Value>,
    occurred_at: NaiveDateTime,
) -> AppResult<member_participation::Model> {
    let event = member_participation::ActiveModel {
        id: Set(Uuid::new_v4()),
        member_id: Set(member_id.to_owned()),
        event_type: Set(event_type.to_owned()),
        platform: Set(platform),
        room_id: Set(room_id),
        event_metadata: Set(metadata),
        occurred_at: Set(occurred_at),
    }
    .insert(write.txn())
    .await?;
    write.touch("MemberParticipation", event.id);
    Ok(event)
}
