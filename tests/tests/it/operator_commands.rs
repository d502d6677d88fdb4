//! The operators' commands: `migrate status` and `verify` write their reports themselves (not
//! through the logger), and `verify` holds a database to the seeds' verification queries.

use migration::{Migrator, MigratorTrait};
use tests::{Backend, TestDatabase};

async fn migration_status(db: &TestDatabase) -> (usize, String) {
    let mut out = Vec::new();
    let pending = api::operator::write_migration_status(&db.connection, &mut out)
        .await
        .expect("migration status");
    (pending, String::from_utf8(out).expect("UTF-8"))
}

async fn verify_report(db: &TestDatabase) -> (bool, String) {
    let mut out = Vec::new();
    let passed = api::operator::verify::write_report(&db.connection, &mut out)
        .await
        .expect("verify runs");
    (passed, String::from_utf8(out).expect("UTF-8"))
}

#[tokio::test]
async fn migrate_status_lists_every_migration_with_its_state() {
    let db = TestDatabase::new().await;
    let total = Migrator::migrations().len();
    let (pending, table) = migration_status(&db).await;
    assert_eq!(pending, total, "{table}");
    assert!(
        table.contains("m20250101_000001_create_base_tables  ") && table.contains("pending"),
        "{table}"
    );

    Migrator::up(&db.connection, Some(2)).await.unwrap();
    let (pending, table) = migration_status(&db).await;
    assert_eq!(pending, total - 2, "{table}");
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines.len(),
        total + 2,
        "header, one line each, summary: {table}"
    );
    assert!(lines[1].ends_with("applied"), "{table}");
    assert!(lines[2].ends_with("applied"), "{table}");
    assert!(lines[3].ends_with("pending"), "{table}");
    assert_eq!(
        lines[total + 1],
        format!("2 applied, {} pending", total - 2)
    );
}

#[tokio::test]
async fn verify_passes_on_a_migrated_database_and_says_what_sqlite_lacks() {
    let db = TestDatabase::new().await;
    Migrator::up(&db.connection, None).await.unwrap();
    let (passed, report) = verify_report(&db).await;
    assert!(passed, "{report}");
    assert!(!report.contains("FAIL"), "{report}");
    for line in [
        "PASS  [seed 000] table campaign_metrics_snapshots",
        "PASS  [seed 000] index campaigns_status_idx on campaigns",
        "PASS  [seed 000] trigger campaigns_updated_at_trigger on campaigns",
        "PASS  [seed 000] foreign key campaigns.program_template_id -> program_templates",
        "PASS  [seed 000] enum campaign_status",
        "PASS  [seed 001] column kintell_sessions.batch_id",
        "PASS  [seed 001] index ingestion_batches_file_hash_idx on ingestion_batches",
        "PASS  [seed 004] program \"Open\" (evergreen)",
    ] {
        assert!(report.contains(line), "missing {line:?} in\n{report}");
    }
    let gin = "index campaigns_tags_gin_idx on campaigns";
    match db.backend {
        Backend::Postgres => {
            assert!(
                report.contains(&format!("PASS  [seed 000] {gin}")),
                "{report}"
            );
            assert!(report.contains("0 skipped on PostgreSQL"), "{report}");
        }
        Backend::Sqlite => {
            assert!(
                report.contains(&format!("SKIP  [seed 000] {gin}: PostgreSQL only")),
                "{report}"
            );
            assert!(report.contains("0 failed"), "{report}");
        }
    }
}

#[tokio::test]
async fn verify_fails_and_names_a_dropped_index_and_a_missing_program() {
    let db = TestDatabase::new().await;
    Migrator::up(&db.connection, None).await.unwrap();
    db.execute("DROP INDEX campaigns_status_idx", vec![])
        .await
        .unwrap();
    db.execute("DELETE FROM programs WHERE name = 'DeFi-esta'", vec![])
        .await
        .unwrap();
    let (passed, report) = verify_report(&db).await;
    assert!(!passed, "{report}");
    let failures: Vec<&str> = report.lines().filter(|l| l.starts_with("FAIL")).collect();
    assert_eq!(
        failures,
        [
            "FAIL  [seed 000] index campaigns_status_idx on campaigns: index campaigns_status_idx is missing",
            "FAIL  [seed 004] program \"DeFi-esta\" (cohort): program is missing",
        ],
        "{report}"
    );
    assert!(report.contains(", 2 failed,"), "{report}");
}
