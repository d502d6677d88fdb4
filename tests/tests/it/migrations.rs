//! Migrations: every step reverses exactly, `up` is idempotent, `reset` leaves nothing behind,
//! every table announces its changes to the response cache, and the seeds' own verification
//! queries return what the seeds say.

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Statement};
use tests::catalog::{catalog_dump, diff};
use tests::{Backend, TestDatabase};

#[tokio::test]
async fn every_migration_step_rolls_back_to_exactly_the_schema_before_it() {
    let db = TestDatabase::new().await;
    let steps = Migrator::migrations().len();
    for step in 0..steps {
        let before = catalog_dump(&db.connection).await;
        Migrator::up(&db.connection, Some(1))
            .await
            .expect("up one step");
        let applied = catalog_dump(&db.connection).await;
        Migrator::down(&db.connection, Some(1))
            .await
            .expect("down one step");
        let after = catalog_dump(&db.connection).await;
        let name = Migrator::migrations()[step].name().to_owned();
        assert!(
            before == after,
            "down of {name} did not restore the schema:\n{}",
            diff(&before, &after)
        );
        if name != "m20250101_000003_seed_programs" {
            assert_ne!(before, applied, "up of {name} changed nothing");
        }
        Migrator::up(&db.connection, Some(1))
            .await
            .expect("up the step again");
    }
}

#[tokio::test]
async fn every_table_announces_its_changes() {
    let db = TestDatabase::new().await;
    Migrator::up(&db.connection, None).await.expect("up");
    let tables = migration::change_tracking::data_tables(&db.connection)
        .await
        .expect("the tables");
    assert!(
        tables.iter().any(|table| table == "campaigns"),
        "{tables:?}"
    );
    let untracked: Vec<String> = match db.backend {
        Backend::Postgres => {
            db.texts(
                "SELECT c.relname::text FROM pg_class c
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE c.relkind = 'r' AND n.nspname = current_schema()
                   AND c.relname <> 'seaql_migrations'
                   AND NOT EXISTS (SELECT 1 FROM pg_trigger t
                                   WHERE t.tgrelid = c.oid AND t.tgname = 'zz_table_changed')",
                vec![],
            )
            .await
        }
        Backend::Sqlite => {
            let mut untracked = Vec::new();
            for table in &tables {
                let triggers = db
                    .scalar_i64(
                        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'                          AND tbl_name = $1 AND name LIKE 'zz_table_changed_%'",
                        vec![table.clone().into()],
                    )
                    .await;
                let versions = db
                    .scalar_i64(
                        "SELECT COUNT(*) FROM table_versions WHERE table_name = $1",
                        vec![table.clone().into()],
                    )
                    .await;
                if (triggers, versions) != (3, 1) {
                    untracked.push(table.clone());
                }
            }
            untracked
        }
    };
    assert_eq!(
        untracked,
        Vec::<String>::new(),
        "a migration that creates a table calls migration::change_tracking::track for it"
    );
}

#[tokio::test]
async fn running_up_twice_is_a_no_op() {
    let db = TestDatabase::new().await;
    Migrator::up(&db.connection, None).await.expect("first up");
    let first = catalog_dump(&db.connection).await;
    let programs = db.scalar_i64("SELECT COUNT(*) FROM programs", vec![]).await;
    Migrator::up(&db.connection, None).await.expect("second up");
    let second = catalog_dump(&db.connection).await;
    assert!(
        first == second,
        "the second up changed the schema:\n{}",
        diff(&first, &second)
    );
    assert_eq!(
        programs,
        db.scalar_i64("SELECT COUNT(*) FROM programs", vec![]).await
    );
    assert_eq!(
        programs, 3,
        "the three programs of seed 004 are seeded once"
    );
}

#[tokio::test]
async fn reset_leaves_no_table_enum_type_or_function_behind() {
    let db = TestDatabase::new().await;
    Migrator::up(&db.connection, None).await.expect("up");
    Migrator::reset(&db.connection).await.expect("reset");
    let leftovers = match db.backend {
        Backend::Postgres => {
            db.scalar_i64(
                "SELECT (SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public')
                      + (SELECT COUNT(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                         WHERE n.nspname = 'public' AND t.typtype = 'e')
                      + (SELECT COUNT(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                         WHERE n.nspname = 'public')",
                vec![],
            )
            .await
        }
        Backend::Sqlite => {
            db.scalar_i64("SELECT COUNT(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'", vec![])
                .await
        }
    };
    assert_eq!(leftovers, 0);
}

const SWARM6_TABLES: &str = "'beneficiary_groups', 'program_templates', 'campaigns', \
                             'program_instances', 'campaign_metrics_snapshots'";
const SWARM6_LAST_STEP: u32 = 8;

async fn rows(db: &TestDatabase, sql: &str) -> Vec<sea_orm::QueryResult> {
    db.connection
        .query_all_raw(Statement::from_string(db.db_backend(), sql.to_owned()))
        .await
        .unwrap_or_else(|error| panic!("{sql}: {error}"))
}

/// Explicitly created indexes (not primary keys or unique constraints) per SWARM-6 table.
async fn explicit_index_counts(db: &TestDatabase) -> Vec<(String, i64)> {
    let sql = match db.backend {
        Backend::Postgres => format!(
            "SELECT i.tablename, COUNT(*) FROM pg_indexes i
             WHERE i.schemaname = 'public' AND i.tablename IN ({SWARM6_TABLES})
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
             GROUP BY i.tablename ORDER BY i.tablename"
        ),
        Backend::Sqlite => format!(
            "SELECT tbl_name, COUNT(*) FROM sqlite_master
             WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({SWARM6_TABLES})
             GROUP BY tbl_name ORDER BY tbl_name"
        ),
    };
    rows(db, &sql)
        .await
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
async fn swarm6_creates_the_index_set_of_seed_000s_detailed_lists() {
    let db = TestDatabase::new().await;
    Migrator::up(&db.connection, Some(SWARM6_LAST_STEP))
        .await
        .expect("up to SWARM 6");
    // 9 + 8 + 17 + 11 + 10 = 55 on PostgreSQL; SQLite has no GIN, which accounts for 9 of them.
    let expected: Vec<(String, i64)> = match db.backend {
        Backend::Postgres => vec![
            ("beneficiary_groups".into(), 9),
            ("campaign_metrics_snapshots".into(), 10),
            ("campaigns".into(), 17),
            ("program_instances".into(), 11),
            ("program_templates".into(), 8),
        ],
        Backend::Sqlite => vec![
            ("beneficiary_groups".into(), 7),
            ("campaign_metrics_snapshots".into(), 9),
            ("campaigns".into(), 15),
            ("program_instances".into(), 10),
            ("program_templates".into(), 5),
        ],
    };
    assert_eq!(explicit_index_counts(&db).await, expected);
}

#[tokio::test]
#[ignore = "needs PostgreSQL: the seed queries read information_schema and pg_type"]
async fn seed_000_validation_queries_return_what_the_seed_says() {
    let db = TestDatabase::new().await;
    db.require_postgres();
    Migrator::up(&db.connection, None).await.expect("up");

    let tables = rows(
        &db,
        &format!(
            "SELECT table_name, table_type FROM information_schema.tables
             WHERE table_name IN ({SWARM6_TABLES}) ORDER BY table_name"
        ),
    )
    .await;
    let names: Vec<String> = tables
        .iter()
        .map(|r| r.try_get_by_index(0).unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "beneficiary_groups",
            "campaign_metrics_snapshots",
            "campaigns",
            "program_instances",
            "program_templates"
        ]
    );

    let enums = rows(
        &db,
        "SELECT typname::text FROM pg_type WHERE typname IN (
           'beneficiary_group_type', 'gender_focus', 'language_requirement',
           'legal_status_category', 'eligible_program_type', 'program_type',
           'campaign_status', 'pricing_model', 'campaign_priority',
           'program_instance_status') ORDER BY typname",
    )
    .await;
    assert_eq!(enums.len(), 10, "seed 000 lists ten enum types");

    let foreign_keys = rows(
        &db,
        &format!(
            "SELECT tc.table_name::text, kcu.column_name::text, ccu.table_name::text AS foreign_table_name,
                    ccu.column_name::text AS foreign_column_name
             FROM information_schema.table_constraints AS tc
             JOIN information_schema.key_column_usage AS kcu ON tc.constraint_name = kcu.constraint_name
             JOIN information_schema.constraint_column_usage AS ccu ON ccu.constraint_name = tc.constraint_name
             WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_name IN ({SWARM6_TABLES})
             ORDER BY tc.table_name, kcu.column_name"
        ),
    )
    .await;
    let fks: Vec<String> = foreign_keys
        .iter()
        .map(|r| {
            format!(
                "{}.{}->{}.{}",
                r.try_get_by_index::<String>(0).unwrap(),
                r.try_get_by_index::<String>(1).unwrap(),
                r.try_get_by_index::<String>(2).unwrap(),
                r.try_get_by_index::<String>(3).unwrap()
            )
        })
        .collect();
    assert_eq!(
        fks,
        [
            "beneficiary_groups.created_by->users.id",
            "beneficiary_groups.owner_company_id->companies.id",
            "beneficiary_groups.updated_by->users.id",
            "campaign_metrics_snapshots.campaign_id->campaigns.id",
            "campaigns.beneficiary_group_id->beneficiary_groups.id",
            "campaigns.company_id->companies.id",
            "campaigns.l2i_subscription_id->l2i_subscriptions.id",
            "campaigns.program_template_id->program_templates.id",
            "program_instances.beneficiary_group_id->beneficiary_groups.id",
            "program_instances.campaign_id->campaigns.id",
            "program_instances.company_id->companies.id",
            "program_instances.program_template_id->program_templates.id",
            "program_templates.created_by->users.id",
            "program_templates.owner_company_id->companies.id",
            "program_templates.superseded_by->program_templates.id",
        ],
        "seed 000 has 13 foreign keys among its tables; step 000015 adds the two owners"
    );

    let indexes = rows(
        &db,
        &format!(
            "SELECT tablename, indexname, indexdef FROM pg_indexes
             WHERE tablename IN ({SWARM6_TABLES}) ORDER BY tablename, indexname"
        ),
    )
    .await;
    // 55 of seed 000, 5 primary keys, the unique (campaign_id, snapshot_date), the five
    // program_instances indexes seed 001 adds, and the two owner indexes of step 000015.
    assert_eq!(indexes.len(), 55 + 5 + 1 + 5 + 2);

    let triggers = db
        .scalar_i64(
            &format!(
                // The change-tracking triggers of step 000019 came after the seed.
                "SELECT COUNT(*) FROM information_schema.triggers WHERE event_object_table IN ({SWARM6_TABLES}) \
                 AND trigger_name <> 'zz_table_changed'"
            ),
            vec![],
        )
        .await;
    assert_eq!(
        triggers, 4,
        "an updated_at trigger on every SWARM-6 table but the snapshots"
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL: the seed queries are PostgreSQL SQL"]
async fn seed_001_post_migration_verification_returns_what_the_seed_says() {
    let db = TestDatabase::new().await;
    db.require_postgres();
    Migrator::up(&db.connection, None).await.expect("up");
    let tables = db
        .scalar_i64(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'
             AND table_name IN ('program_instances', 'ingestion_batches')",
            vec![],
        )
        .await;
    assert_eq!(tables, 2);
    let columns = db
        .scalar_i64(
            "SELECT COUNT(*) FROM information_schema.columns WHERE table_name = 'kintell_sessions'
             AND column_name IN ('batch_id', 'program_instance_id')",
            vec![],
        )
        .await;
    assert_eq!(columns, 2);
    // Verbatim, operator precedence included, as the seed wrote it.
    let indexes = db
        .scalar_i64(
            "SELECT COUNT(*) FROM (SELECT indexname FROM pg_indexes
             WHERE tablename IN ('program_instances', 'ingestion_batches', 'kintell_sessions', 'program_enrollments')
               AND indexname LIKE '%batch%' OR indexname LIKE '%program_instance%') AS seed_query",
            vec![],
        )
        .await;
    assert!(indexes >= 10, "expected 10+ rows, got {indexes}");
    let foreign_keys = db
        .scalar_i64(
            "SELECT COUNT(*) FROM information_schema.table_constraints AS tc
             JOIN information_schema.key_column_usage AS kcu ON tc.constraint_name = kcu.constraint_name
             JOIN information_schema.constraint_column_usage AS ccu ON ccu.constraint_name = tc.constraint_name
             WHERE tc.constraint_type = 'FOREIGN KEY'
               AND tc.table_name IN ('kintell_sessions', 'program_enrollments', 'ingestion_batches')",
            vec![],
        )
        .await;
    assert!(foreign_keys >= 5, "expected 5+ rows, got {foreign_keys}");
}

#[tokio::test]
#[ignore = "needs PostgreSQL: SQLite keeps no comments"]
async fn table_and_column_comments_from_the_seeds_are_in_the_catalog() {
    let db = TestDatabase::new().await;
    db.require_postgres();
    Migrator::up(&db.connection, None).await.expect("up");
    let comment = rows(
        &db,
        "SELECT col_description('campaigns'::regclass, attnum) FROM pg_attribute
         WHERE attrelid = 'campaigns'::regclass AND attname = 'is_near_capacity'",
    )
    .await;
    let text: String = comment[0].try_get_by_index(0).unwrap();
    assert_eq!(text, "Flag for campaigns >80% capacity (upsell trigger)");
    let commented_columns = db
        .scalar_i64(
            "SELECT COUNT(*) FROM pg_description d JOIN pg_class c ON c.oid = d.objoid
             WHERE c.relname IN ('beneficiary_groups', 'program_templates', 'campaigns',
                                 'program_instances', 'campaign_metrics_snapshots')",
            vec![],
        )
        .await;
    assert!(
        commented_columns >= 60,
        "seed 000 promises 60+ comments, found {commented_columns}"
    );
}

const FIDELITY_STEP: &str = "m20250101_000017_program_admin_and_fidelity";

/// Applies every migration step before `name`.
async fn migrate_to_just_before(db: &TestDatabase, name: &str) {
    let index = Migrator::migrations()
        .iter()
        .position(|step| step.name() == name)
        .unwrap_or_else(|| panic!("no migration step {name}"));
    Migrator::up(&db.connection, Some(index as u32))
        .await
        .expect("up to the step before");
}

/// A program instance as rows stored before step 17 could be: only the columns given.
async fn insert_bare_instance(
    db: &TestDatabase,
    name: &str,
    campaign: Option<uuid::Uuid>,
    template: Option<uuid::Uuid>,
    created_at: &str,
) -> uuid::Uuid {
    let id = uuid::Uuid::new_v4();
    db.execute(
        "INSERT INTO program_instances (id, name, campaign_id, program_template_id, start_date,
                                        status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'active', $6, $6)",
        vec![
            id.into(),
            name.into(),
            sea_orm::Value::Uuid(campaign),
            sea_orm::Value::Uuid(template),
            tests::fixtures::date(2025, 2, 1).into(),
            chrono::DateTime::parse_from_rfc3339(created_at)
                .expect("a timestamp")
                .with_timezone(&chrono::Utc)
                .into(),
        ],
    )
    .await
    .expect("insert a bare program instance");
    id
}

async fn instance_columns(db: &TestDatabase, id: uuid::Uuid) -> (String, String, String, String) {
    let row = db
        .rows(
            "SELECT CAST(program_type AS TEXT), program_name, program_slug,
                    CAST(updated_at AS TEXT)
             FROM program_instances WHERE id = $1",
            vec![id.into()],
        )
        .await
        .into_iter()
        .next()
        .expect("the instance");
    (
        row.try_get_by_index(0).unwrap(),
        row.try_get_by_index(1).unwrap(),
        row.try_get_by_index(2).unwrap(),
        row.try_get_by_index(3).unwrap(),
    )
}

#[tokio::test]
async fn step_17_backfills_instance_program_columns_then_holds_them_not_null() {
    let db = TestDatabase::new().await;
    migrate_to_just_before(&db, FIDELITY_STEP).await;
    let (_, template, _, campaign) = db.insert_campaign_graph().await;
    // An imported instance that already has its columns, holding the slug the others want.
    db.execute(
        "INSERT INTO program_instances (id, name, start_date, status, program_type, program_name,
                                        program_slug)
         VALUES ($1, 'Berlin Cohort 1', $2, 'active', 'language', 'Language Cafe',
                 'berlin-cohort-1')",
        vec![
            uuid::Uuid::new_v4().into(),
            tests::fixtures::date(2024, 10, 1).into(),
        ],
    )
    .await
    .expect("insert an imported instance");
    let own_template = insert_bare_instance(
        &db,
        "Berlin Cohort 1",
        None,
        Some(template),
        "2025-01-01T00:00:00Z",
    )
    .await;
    let through_campaign = insert_bare_instance(
        &db,
        "Berlin Cohort 1",
        Some(campaign),
        None,
        "2025-01-02T00:00:00Z",
    )
    .await;
    let before = instance_columns_updated_at(&db, own_template).await;
    let snapshot = db
        .try_insert_snapshot(campaign, chrono::Utc::now())
        .await
        .expect("a snapshot before step 17");

    Migrator::up(&db.connection, Some(1))
        .await
        .expect("step 17");

    let (kind, name, slug, updated_at) = instance_columns(&db, own_template).await;
    assert_eq!(
        (kind.as_str(), name.as_str(), slug.as_str()),
        ("mentorship", "Mentorship 1:1", "berlin-cohort-1-2")
    );
    assert_eq!(updated_at, before, "the backfill left updated_at alone");
    let (kind, name, slug, _) = instance_columns(&db, through_campaign).await;
    assert_eq!(
        (kind.as_str(), name.as_str(), slug.as_str()),
        ("mentorship", "Mentorship 1:1", "berlin-cohort-1-3")
    );
    assert_eq!(
        db.count(
            "SELECT COUNT(*) FROM program_instances WHERE program_slug = 'berlin-cohort-1' \
             AND program_name = 'Language Cafe'",
            vec![]
        )
        .await,
        1,
        "an instance that had its columns keeps them"
    );
    for column in ["program_type", "program_name", "program_slug"] {
        let error = db
            .execute(
                &format!("UPDATE program_instances SET {column} = NULL WHERE id = $1"),
                vec![own_template.into()],
            )
            .await;
        assert!(error.is_err(), "{column} accepted NULL after step 17");
    }

    // The snapshot totals are nullable without a default, as seed 002 has them.
    let stored: Option<i32> = db
        .rows(
            "SELECT total_sessions_completed FROM campaign_metrics_snapshots WHERE id = $1",
            vec![snapshot.into()],
        )
        .await[0]
        .try_get_by_index(0)
        .unwrap();
    assert_eq!(stored, Some(0), "the earlier default stays on earlier rows");
    let unknown = db
        .try_insert_snapshot(campaign, chrono::Utc::now() + chrono::Duration::days(1))
        .await
        .expect("a snapshot without totals");
    assert_eq!(
        db.count(
            "SELECT COUNT(*) FROM campaign_metrics_snapshots WHERE id = $1 \
             AND total_hours_logged IS NULL AND total_sessions_completed IS NULL",
            vec![unknown.into()],
        )
        .await,
        1
    );

    // Down stores the earlier default where the totals are unknown.
    Migrator::down(&db.connection, Some(1)).await.expect("down");
    assert_eq!(
        db.count(
            "SELECT COUNT(*) FROM campaign_metrics_snapshots WHERE id = $1 \
             AND CAST(total_hours_logged AS REAL) = 0 AND total_sessions_completed = 0",
            vec![unknown.into()],
        )
        .await,
        1
    );
}

async fn instance_columns_updated_at(db: &TestDatabase, id: uuid::Uuid) -> String {
    db.text(
        "SELECT CAST(updated_at AS TEXT) FROM program_instances WHERE id = $1",
        vec![id.into()],
    )
    .await
}

#[tokio::test]
async fn step_17_refuses_an_instance_whose_program_type_cannot_be_derived() {
    let db = TestDatabase::new().await;
    migrate_to_just_before(&db, FIDELITY_STEP).await;
    let (_, template, _, _) = db.insert_campaign_graph().await;
    let typed =
        insert_bare_instance(&db, "Typed", None, Some(template), "2025-01-01T00:00:00Z").await;
    let orphan = insert_bare_instance(&db, "Orphan", None, None, "2025-01-02T00:00:00Z").await;

    let error = Migrator::up(&db.connection, Some(1))
        .await
        .expect_err("an instance without a type to derive");
    let message = error.to_string();
    assert!(
        message.contains(&orphan.to_string()) && message.contains("program_type"),
        "{message}"
    );
    assert!(!message.contains(&typed.to_string()), "{message}");
    // The step ran in a transaction: nothing of its backfill stayed, and it is still pending.
    assert_eq!(
        db.count(
            "SELECT COUNT(*) FROM program_instances WHERE program_name IS NOT NULL",
            vec![]
        )
        .await,
        0
    );
    assert_eq!(
        Migrator::get_pending_migrations(&db.connection)
            .await
            .expect("pending steps")
            .len(),
        Migrator::migrations().len()
            - Migrator::migrations()
                .iter()
                .position(|step| step.name() == FIDELITY_STEP)
                .unwrap_or_default()
    );

    db.execute(
        "UPDATE program_instances SET program_type = 'buddy' WHERE id = $1",
        vec![orphan.into()],
    )
    .await
    .expect("the operator sets the type");
    Migrator::up(&db.connection, Some(1))
        .await
        .expect("step 17 once every instance has a type");
    let (kind, name, slug, _) = instance_columns(&db, orphan).await;
    assert_eq!(
        (kind.as_str(), name.as_str(), slug.as_str()),
        ("buddy", "Orphan", "orphan")
    );
}
