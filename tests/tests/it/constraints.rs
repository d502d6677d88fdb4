//! The schema's own rules: foreign keys, unique pairs, CHECKs and enum values refuse bad rows;
//! cascades and restrictions behave as the seeds say; decimals and old rows survive intact.

use chrono::{TimeZone, Utc};
use migration::{Migrator, MigratorTrait};
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DbErr, Value};
use std::str::FromStr;
use tests::sql::uuid;
use tests::{Backend, TestDatabase};
use uuid::Uuid;

async fn migrated() -> TestDatabase {
    let db = TestDatabase::new().await;
    Migrator::up(&db.connection, None).await.expect("migrate");
    db
}

fn message(result: Result<impl std::fmt::Debug, DbErr>) -> String {
    match result {
        Ok(value) => panic!("expected the database to refuse the row, but it stored {value:?}"),
        Err(error) => error.to_string().to_lowercase(),
    }
}

#[tokio::test]
async fn a_campaign_pointing_at_a_missing_company_is_refused() {
    let db = migrated().await;
    let template = db.insert_template().await;
    let group = db.insert_group().await;
    let error = message(
        db.try_insert_campaign(Uuid::new_v4(), template, group, Decimal::ONE)
            .await,
    );
    assert!(error.contains("foreign key"), "{error}");
}

#[tokio::test]
async fn the_same_activity_cannot_be_added_to_a_program_twice() {
    let db = migrated().await;
    let activity = Uuid::new_v4();
    db.execute(
        "INSERT INTO activities (id, name) VALUES ($1, 'Kick-off')",
        vec![uuid(activity)],
    )
    .await
    .unwrap();
    let insert = "INSERT INTO program_activities (program_id, activity_id)
                  SELECT id, $1 FROM programs WHERE name = 'Open'";
    db.execute(insert, vec![uuid(activity)]).await.unwrap();
    let error = message(
        db.execute(insert, vec![uuid(activity)])
            .await
            .map(|r| r.rows_affected()),
    );
    assert!(error.contains("unique"), "{error}");
}

#[tokio::test]
async fn a_user_enrolls_in_a_program_once_and_is_marked_once_per_activity() {
    let db = migrated().await;
    let user = db.insert_user().await;
    let enroll = "INSERT INTO program_enrollments (user_id, program_id)
                  SELECT $1, id FROM programs WHERE name = 'DeFi-esta'";
    db.execute(enroll, vec![uuid(user)]).await.unwrap();
    let error = message(
        db.execute(enroll, vec![uuid(user)])
            .await
            .map(|r| r.rows_affected()),
    );
    assert!(error.contains("unique"), "{error}");

    let activity = Uuid::new_v4();
    db.execute(
        "INSERT INTO activities (id, name) VALUES ($1, 'Workshop')",
        vec![uuid(activity)],
    )
    .await
    .unwrap();
    let mark = "INSERT INTO attendance_records (user_id, activity_id, marked_by, attendance_status)
                VALUES ($1, $2, $1, 'present')";
    db.execute(mark, vec![uuid(user), uuid(activity)])
        .await
        .unwrap();
    let error = message(
        db.execute(mark, vec![uuid(user), uuid(activity)])
            .await
            .map(|r| r.rows_affected()),
    );
    assert!(error.contains("unique"), "{error}");
}

#[tokio::test]
async fn a_second_snapshot_for_the_same_campaign_and_timestamp_is_refused() {
    let db = migrated().await;
    let (_, _, _, campaign) = db.insert_campaign_graph().await;
    let taken_at = Utc.with_ymd_and_hms(2025, 3, 1, 0, 0, 0).unwrap();
    db.try_insert_snapshot(campaign, taken_at).await.unwrap();
    let error = message(db.try_insert_snapshot(campaign, taken_at).await);
    assert!(error.contains("unique"), "{error}");
    db.try_insert_snapshot(campaign, Utc.with_ymd_and_hms(2025, 3, 2, 0, 0, 0).unwrap())
        .await
        .expect("the next day is a new snapshot");
}

#[tokio::test]
async fn an_application_goal_must_be_140_to_280_characters() {
    let db = migrated().await;
    let user = db.insert_user().await;
    let insert = "INSERT INTO applications (user_id, goal) VALUES ($1, $2)";
    let error = message(
        db.execute(insert, vec![uuid(user), "g".repeat(100).into()])
            .await
            .map(|r| r.rows_affected()),
    );
    assert!(
        error.contains("goal_length_check") || error.contains("check"),
        "{error}"
    );
    let error = message(
        db.execute(insert, vec![uuid(user), "g".repeat(281).into()])
            .await
            .map(|r| r.rows_affected()),
    );
    assert!(error.contains("check"), "{error}");
    db.execute(insert, vec![uuid(user), "g".repeat(140).into()])
        .await
        .expect("140 characters is enough");
    db.execute(insert, vec![uuid(user), Value::String(None)])
        .await
        .expect("no goal is allowed");
}

#[tokio::test]
async fn an_enum_value_that_does_not_exist_is_refused() {
    let db = migrated().await;
    let (_, _, _, campaign) = db.insert_campaign_graph().await;
    let error = message(
        db.execute(
            "UPDATE campaigns SET status = 'launched' WHERE id = $1",
            vec![uuid(campaign)],
        )
        .await
        .map(|r| r.rows_affected()),
    );
    match db.backend {
        Backend::Postgres => assert!(
            error.contains("invalid input value for enum campaign_status"),
            "{error}"
        ),
        Backend::Sqlite => assert!(error.contains("check constraint"), "{error}"),
    }
    let error = message(
        db.execute(
            "UPDATE programs SET program_type = 'rolling' WHERE name = 'Open'",
            vec![],
        )
        .await
        .map(|r| r.rows_affected()),
    );
    assert!(error.contains("check"), "{error}");
}

#[tokio::test]
async fn deleting_a_campaign_removes_its_instances_and_snapshots() {
    let db = migrated().await;
    let (company, template, group, campaign) = db.insert_campaign_graph().await;
    db.insert_instance(campaign, company, template, group).await;
    db.try_insert_snapshot(campaign, Utc::now()).await.unwrap();
    db.execute("DELETE FROM campaigns WHERE id = $1", vec![uuid(campaign)])
        .await
        .unwrap();
    assert_eq!(
        db.scalar_i64("SELECT COUNT(*) FROM program_instances", vec![])
            .await,
        0
    );
    assert_eq!(
        db.scalar_i64("SELECT COUNT(*) FROM campaign_metrics_snapshots", vec![])
            .await,
        0
    );
}

#[tokio::test]
async fn a_template_or_group_used_by_a_campaign_cannot_be_deleted() {
    let db = migrated().await;
    let (_, template, group, _) = db.insert_campaign_graph().await;
    let error = message(
        db.execute(
            "DELETE FROM program_templates WHERE id = $1",
            vec![uuid(template)],
        )
        .await
        .map(|r| r.rows_affected()),
    );
    assert!(error.contains("foreign key"), "{error}");
    let error = message(
        db.execute(
            "DELETE FROM beneficiary_groups WHERE id = $1",
            vec![uuid(group)],
        )
        .await
        .map(|r| r.rows_affected()),
    );
    assert!(error.contains("foreign key"), "{error}");
}

#[tokio::test]
async fn money_and_rates_round_trip_exactly() {
    let db = migrated().await;
    let company = db.insert_company("Acme").await;
    let template = db.insert_template().await;
    let group = db.insert_group().await;
    let budget = Decimal::from_str("12345678.91").unwrap();
    let campaign = db
        .try_insert_campaign(company, template, group, budget)
        .await
        .unwrap();
    let row = db
        .connection
        .query_one_raw(db.statement(
            "SELECT budget_allocated, capacity_utilization FROM campaigns WHERE id = $1",
            vec![uuid(campaign)],
        ))
        .await
        .unwrap()
        .unwrap();
    let stored: entity::Numeric = row.try_get("", "budget_allocated").unwrap();
    let utilization: entity::Numeric = row.try_get("", "capacity_utilization").unwrap();
    assert_eq!(stored.to_string(), "12345678.91");
    assert_eq!(utilization.to_string(), "0.8500");
}

/// Every column of one row, as text, keyed by column name.
async fn row_as_text(
    db: &TestDatabase,
    table: &str,
    id: Uuid,
) -> std::collections::BTreeMap<String, String> {
    let sql = match db.backend {
        Backend::Postgres => format!(
            "SELECT key, COALESCE(value::text, 'null') FROM {table} t, jsonb_each(to_jsonb(t)) WHERE t.id = $1"
        ),
        Backend::Sqlite => {
            let columns = db
                .connection
                .query_all_raw(db.statement(
                    &format!("SELECT name FROM pragma_table_info('{table}')"),
                    vec![],
                ))
                .await
                .unwrap()
                .into_iter()
                .map(|row| row.try_get_by_index::<String>(0).unwrap())
                .map(|column| {
                    format!("SELECT '{column}', quote({column}) FROM {table} WHERE id = $1")
                })
                .collect::<Vec<_>>();
            columns.join(" UNION ALL ")
        }
    };
    db.connection
        .query_all_raw(db.statement(&sql, vec![uuid(id)]))
        .await
        .unwrap()
        .into_iter()
        .map(|row| {
            (
                row.try_get_by_index(0).unwrap(),
                row.try_get_by_index(1).unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn rows_written_after_an_early_migration_survive_every_later_one_unchanged() {
    let db = TestDatabase::new().await;
    Migrator::up(&db.connection, Some(2)).await.unwrap();
    let user = db.insert_user().await;
    let enrollment = Uuid::new_v4();
    db.execute(
        "INSERT INTO program_enrollments (id, user_id, program_id, enrollment_status)
         SELECT $1, $2, id, 'active' FROM programs WHERE name = 'Open'",
        vec![uuid(enrollment), uuid(user)],
    )
    .await
    .map(|result| {
        assert_eq!(
            result.rows_affected(),
            0,
            "the programs are seeded by the next step"
        )
    })
    .unwrap();
    Migrator::up(&db.connection, Some(1)).await.unwrap();
    db.execute(
        "INSERT INTO program_enrollments (id, user_id, program_id, enrollment_status)
         SELECT $1, $2, id, 'active' FROM programs WHERE name = 'Open'",
        vec![uuid(enrollment), uuid(user)],
    )
    .await
    .unwrap();
    Migrator::up(&db.connection, Some(5)).await.unwrap();
    let (company, template, group, campaign) = db.insert_campaign_graph().await;
    let instance = db
        .insert_seed_000_instance(campaign, company, template, group)
        .await;
    let snapshot = db.try_insert_snapshot(campaign, Utc::now()).await.unwrap();

    let tracked = [
        ("users", user),
        ("program_enrollments", enrollment),
        ("companies", company),
        ("campaigns", campaign),
        ("program_instances", instance),
        ("campaign_metrics_snapshots", snapshot),
    ];
    let mut before = Vec::new();
    for (table, id) in tracked {
        before.push(row_as_text(&db, table, id).await);
    }
    Migrator::up(&db.connection, None).await.unwrap();
    for ((table, id), before) in tracked.into_iter().zip(before) {
        let after = row_as_text(&db, table, id).await;
        for (column, value) in &before {
            assert_eq!(Some(value), after.get(column), "{table}.{column} changed");
        }
    }
    let program_type = db
        .scalar_i64(
            "SELECT COUNT(*) FROM program_instances WHERE id = $1 AND program_type = 'mentorship'",
            vec![uuid(instance)],
        )
        .await;
    assert_eq!(
        program_type, 1,
        "seed 001's program_type is backfilled from the template"
    );
}
