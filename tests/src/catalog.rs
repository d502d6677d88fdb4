//! A textual dump of a database's schema, complete enough that two dumps are equal exactly when
//! the schemas are: tables, columns (type, default, nullability), indexes, constraints, enum
//! types and their values, triggers, functions and comments on PostgreSQL; every object's
//! stored SQL on SQLite. The migration bookkeeping table is left out.

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

const POSTGRES_QUERIES: &[(&str, &str)] = &[
    (
        "table",
        "SELECT table_name FROM information_schema.tables
         WHERE table_schema = 'public' AND table_name <> 'seaql_migrations'",
    ),
    (
        "column",
        "SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || udt_name
                || ' len=' || COALESCE(character_maximum_length::text, '-')
                || ' num=' || COALESCE(numeric_precision::text, '-') || ',' || COALESCE(numeric_scale::text, '-')
                || ' null=' || is_nullable || ' default=' || COALESCE(column_default, '-')
         FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name <> 'seaql_migrations'",
    ),
    (
        "index",
        "SELECT tablename || ' ' || indexname || ' ' || indexdef FROM pg_indexes
         WHERE schemaname = 'public' AND tablename <> 'seaql_migrations'",
    ),
    (
        "constraint",
        "SELECT c.conrelid::regclass::text || ' ' || c.conname || ' ' || c.contype::text || ' ' || pg_get_constraintdef(c.oid)
         FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
         WHERE n.nspname = 'public' AND c.conrelid <> 0 AND c.conrelid::regclass::text <> 'seaql_migrations'",
    ),
    (
        "enum",
        "SELECT t.typname || ' ' || string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
         FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
         JOIN pg_namespace n ON n.oid = t.typnamespace
         WHERE n.nspname = 'public' GROUP BY t.typname",
    ),
    (
        "type",
        "SELECT t.typname || ' ' || t.typtype::text FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
         WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd', 'c') AND t.typrelid = 0",
    ),
    (
        "trigger",
        "SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t
         JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND NOT t.tgisinternal",
    ),
    (
        "function",
        "SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') ' || md5(p.prosrc)
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'",
    ),
    (
        "comment",
        "SELECT c.relname || COALESCE('.' || a.attname, '') || ' ' || d.description
         FROM pg_description d
         JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid AND d.objsubid > 0
         WHERE n.nspname = 'public'",
    ),
];

const SQLITE_QUERY: &str =
    "SELECT type || ' ' || name || ' ' || tbl_name || ' ' || COALESCE(sql, '-')
     FROM sqlite_master
     WHERE name NOT LIKE 'sqlite_%' AND tbl_name <> 'seaql_migrations'";

/// Every schema object as one sorted line each, prefixed by its kind.
pub async fn catalog_dump(connection: &DatabaseConnection) -> Vec<String> {
    let backend = connection.get_database_backend();
    let queries: Vec<(&str, &str)> = match backend {
        DbBackend::Postgres => POSTGRES_QUERIES.to_vec(),
        _ => vec![("object", SQLITE_QUERY)],
    };
    let mut lines = Vec::new();
    for (kind, sql) in queries {
        let rows = connection
            .query_all_raw(Statement::from_string(backend, sql))
            .await
            .unwrap_or_else(|error| panic!("catalog query for {kind} failed: {error}"));
        for row in rows {
            let text: String = row.try_get_by_index(0).expect("catalog rows are text");
            lines.push(format!("{kind} {text}"));
        }
    }
    lines.sort();
    lines
}

/// The lines only in `before` and only in `after`, for a readable assertion message.
pub fn diff(before: &[String], after: &[String]) -> String {
    let missing: Vec<&String> = before.iter().filter(|line| !after.contains(line)).collect();
    let extra: Vec<&String> = after.iter().filter(|line| !before.contains(line)).collect();
    format!("missing after: {missing:#?}\nunexpected after: {extra:#?}")
}
