//! SQL fragments that differ between PostgreSQL and SQLite, so each table is written once.
//!
//! Migrations are plain SQL (the seeds' own language) with the few backend-specific pieces
//! rendered here: PostgreSQL gets native enums, `UUID`, `JSONB`, exact `NUMERIC`, GIN indexes,
//! PL/pgSQL triggers and `COMMENT ON`; SQLite gets text + CHECK for enums, BLOB uuids (as
//! SeaORM binds them), TEXT decimals (so money is never turned into a float), plain triggers,
//! and no comments or GIN indexes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

/// A PostgreSQL enum type (or, on SQLite, a text column restricted by CHECK to the same values).
#[derive(Debug, Clone, Copy)]
pub struct EnumType {
    pub name: &'static str,
    pub values: &'static [&'static str],
}

impl EnumType {
    /// `'a', 'b', 'c'` — the values as a SQL list.
    pub fn value_list(&self) -> String {
        quoted_list(self.values)
    }
}

/// `'a', 'b'` for a list of plain identifiers-as-strings.
pub fn quoted_list(values: &[&str]) -> String {
    values
        .iter()
        .map(|value| quote(value))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A SQL string literal with embedded quotes doubled.
pub fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The backend a migration is running against, and the DDL spelled for it.
#[derive(Debug, Clone, Copy)]
pub struct Dialect {
    backend: DbBackend,
}

impl Dialect {
    pub fn of(manager: &SchemaManager<'_>) -> Self {
        Self {
            backend: manager.get_database_backend(),
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.backend == DbBackend::Postgres
    }

    /// Primary key column type: a random UUID.
    pub fn uuid_pk(&self) -> &'static str {
        if self.is_postgres() {
            "UUID PRIMARY KEY DEFAULT gen_random_uuid()"
        } else {
            "BLOB PRIMARY KEY NOT NULL DEFAULT (randomblob(16))"
        }
    }

    pub fn uuid(&self) -> &'static str {
        if self.is_postgres() { "UUID" } else { "BLOB" }
    }

    pub fn jsonb(&self) -> &'static str {
        if self.is_postgres() { "JSONB" } else { "TEXT" }
    }

    /// A JSON literal as a column default: `'[]'::jsonb` on PostgreSQL.
    pub fn json_default(&self, json: &str) -> String {
        if self.is_postgres() {
            format!("{}::jsonb", quote(json))
        } else {
            quote(json)
        }
    }

    /// Exact decimal. SQLite has no such type, so the value is kept as its decimal text.
    pub fn decimal(&self, precision: u32, scale: u32) -> String {
        if self.is_postgres() {
            format!("DECIMAL({precision}, {scale})")
        } else {
            "TEXT".to_owned()
        }
    }

    /// A decimal column as a number inside a CHECK or index predicate.
    pub fn num(&self, column: &str) -> String {
        if self.is_postgres() {
            column.to_owned()
        } else {
            format!("CAST({column} AS REAL)")
        }
    }

    pub fn timestamptz(&self) -> &'static str {
        if self.is_postgres() {
            "TIMESTAMPTZ"
        } else {
            "TEXT"
        }
    }

    /// Timestamp without time zone (the community directory seed uses these).
    pub fn timestamp(&self) -> &'static str {
        if self.is_postgres() {
            "TIMESTAMP"
        } else {
            "TEXT"
        }
    }

    pub fn date(&self) -> &'static str {
        if self.is_postgres() { "DATE" } else { "TEXT" }
    }

    /// The current time as a column default, in the text form sqlx writes on SQLite.
    pub fn now(&self) -> &'static str {
        if self.is_postgres() {
            "NOW()"
        } else {
            "(strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'))"
        }
    }

    /// Current time for a `timestamp without time zone` default.
    pub fn now_naive(&self) -> &'static str {
        if self.is_postgres() {
            "NOW()"
        } else {
            "(strftime('%Y-%m-%d %H:%M:%f', 'now'))"
        }
    }

    /// The type of a column holding `enum_type` values.
    pub fn enum_column(&self, enum_type: &EnumType, column: &str) -> String {
        if self.is_postgres() {
            enum_type.name.to_owned()
        } else {
            format!("TEXT CHECK ({column} IN ({}))", enum_type.value_list())
        }
    }

    /// `CREATE TYPE … AS ENUM` on PostgreSQL; nothing on SQLite.
    pub fn create_enum(&self, enum_type: &EnumType) -> Vec<String> {
        if self.is_postgres() {
            vec![format!(
                "CREATE TYPE {} AS ENUM ({})",
                enum_type.name,
                enum_type.value_list()
            )]
        } else {
            Vec::new()
        }
    }

    pub fn drop_enum(&self, enum_type: &EnumType) -> Vec<String> {
        if self.is_postgres() {
            vec![format!("DROP TYPE IF EXISTS {}", enum_type.name)]
        } else {
            Vec::new()
        }
    }

    /// A GIN index over a JSONB column (PostgreSQL only: SQLite has no equivalent).
    pub fn gin_index(&self, name: &str, table: &str, column: &str) -> Vec<String> {
        if self.is_postgres() {
            vec![format!(
                "CREATE INDEX IF NOT EXISTS {name} ON {table} USING GIN ({column} jsonb_path_ops)"
            )]
        } else {
            Vec::new()
        }
    }

    /// `COMMENT ON TABLE` and `COMMENT ON COLUMN` (PostgreSQL only).
    pub fn comments(
        &self,
        table: &str,
        table_comment: &str,
        columns: &[(&str, &str)],
    ) -> Vec<String> {
        if !self.is_postgres() {
            return Vec::new();
        }
        let mut statements = vec![format!(
            "COMMENT ON TABLE {table} IS {}",
            quote(table_comment)
        )];
        statements.extend(columns.iter().map(|(column, text)| {
            format!("COMMENT ON COLUMN {table}.{column} IS {}", quote(text))
        }));
        statements
    }

    /// The `updated_at` trigger of `table`: a `update_<table>_timestamp()` function and a
    /// `<table>_updated_at_trigger` on PostgreSQL, an equivalent AFTER UPDATE trigger on SQLite.
    pub fn updated_at_trigger(&self, table: &str) -> Vec<String> {
        if self.is_postgres() {
            vec![
                format!(
                    "CREATE OR REPLACE FUNCTION update_{table}_timestamp() RETURNS TRIGGER AS $$\n\
                     BEGIN\n  NEW.updated_at = NOW();\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql"
                ),
                format!(
                    "CREATE TRIGGER {table}_updated_at_trigger BEFORE UPDATE ON {table} \
                     FOR EACH ROW EXECUTE FUNCTION update_{table}_timestamp()"
                ),
            ]
        } else {
            vec![format!(
                "CREATE TRIGGER {table}_updated_at_trigger AFTER UPDATE ON {table} FOR EACH ROW \
                 WHEN NEW.updated_at IS OLD.updated_at BEGIN \
                 UPDATE {table} SET updated_at = {} WHERE id = NEW.id; END",
                self.now()
            )]
        }
    }

    pub fn drop_updated_at_trigger(&self, table: &str) -> Vec<String> {
        if self.is_postgres() {
            vec![
                format!("DROP TRIGGER IF EXISTS {table}_updated_at_trigger ON {table}"),
                format!("DROP FUNCTION IF EXISTS update_{table}_timestamp()"),
            ]
        } else {
            vec![format!("DROP TRIGGER IF EXISTS {table}_updated_at_trigger")]
        }
    }
}

/// Runs each statement in order on the migration's connection.
pub async fn run(manager: &SchemaManager<'_>, statements: Vec<String>) -> Result<(), DbErr> {
    let connection = manager.get_connection();
    for statement in statements {
        connection.execute_unprepared(&statement).await?;
    }
    Ok(())
}

impl Dialect {
    /// Statements that run `statements` without firing `table`'s updated_at trigger, so a
    /// backfill of a new column leaves existing rows' `updated_at` as it was.
    pub fn without_updated_at_trigger(&self, table: &str, statements: Vec<String>) -> Vec<String> {
        let mut sql = Vec::new();
        if self.is_postgres() {
            sql.push(format!(
                "ALTER TABLE {table} DISABLE TRIGGER {table}_updated_at_trigger"
            ));
            sql.extend(statements);
            sql.push(format!(
                "ALTER TABLE {table} ENABLE TRIGGER {table}_updated_at_trigger"
            ));
        } else {
            sql.extend(self.drop_updated_at_trigger(table));
            sql.extend(statements);
            sql.extend(self.updated_at_trigger(table));
        }
        sql
    }
}

/// Rewrites part of a SQLite table's stored `CREATE TABLE` text, the procedure SQLite documents
/// for changing a CHECK constraint without rebuilding the table. The caller makes sure existing
/// rows satisfy the new constraint.
pub async fn sqlite_rewrite_table_sql(
    manager: &SchemaManager<'_>,
    table: &str,
    from: &str,
    to: &str,
) -> Result<(), DbErr> {
    use sea_orm_migration::sea_orm::Statement;
    let connection = manager.get_connection();
    let backend = manager.get_database_backend();
    let version_row = connection
        .query_one_raw(Statement::from_string(backend, "PRAGMA schema_version"))
        .await?
        .ok_or_else(|| DbErr::Custom("PRAGMA schema_version returned nothing".to_owned()))?;
    let schema_version: i64 = version_row.try_get_by_index(0)?;
    let matched = connection
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ? AND instr(sql, ?) > 0",
            [table.into(), from.into()],
        ))
        .await?
        .map(|row| row.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0);
    if matched != 1 {
        return Err(DbErr::Migration(format!(
            "table {table} does not contain the SQL text to rewrite: {from}"
        )));
    }
    connection
        .execute_unprepared("PRAGMA writable_schema = ON")
        .await?;
    connection
        .execute_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE sqlite_master SET sql = replace(sql, ?, ?) WHERE type = 'table' AND name = ?",
            [from.into(), to.into(), table.into()],
        ))
        .await?;
    connection
        .execute_unprepared(&format!("PRAGMA schema_version = {}", schema_version + 1))
        .await?;
    connection
        .execute_unprepared("PRAGMA writable_schema = OFF")
        .await?;
    Ok(())
}
