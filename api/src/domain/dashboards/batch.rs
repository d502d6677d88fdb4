//! What every batched dashboard statement starts from: bind placeholders for both backends,
//! the batch's campaign ids, and the caller's reach over campaigns repeated in SQL (the ids
//! come from campaigns the caller already reads; the statement checks it all the same).

use sea_orm::{DbBackend, Statement, Value};
use uuid::Uuid;

use crate::domain::policy::{Domain, Reach, Visibility};

/// A statement's bind values, in the placeholder style of its backend.
pub struct Binds {
    backend: DbBackend,
    pub values: Vec<Value>,
}

impl Binds {
    pub fn new(backend: DbBackend) -> Binds {
        Binds {
            backend,
            values: Vec::new(),
        }
    }

    pub fn backend(&self) -> DbBackend {
        self.backend
    }

    /// Binds `value` and returns its placeholder.
    pub fn bind(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => format!("${}", self.values.len()),
            _ => format!("?{}", self.values.len()),
        }
    }

    /// `column IN (…the batch…)` and the caller's reach over the campaigns `column` points at.
    pub fn campaigns(&mut self, column: &str, campaigns: &[Uuid], reach: Reach) -> String {
        let ids = campaigns
            .iter()
            .map(|id| self.bind(Value::Uuid(Some(*id))))
            .collect::<Vec<_>>();
        // An empty batch never reaches SQL through a loader; `IN ()` would not parse.
        let mut clause = if ids.is_empty() {
            "1 = 0".to_owned()
        } else {
            format!("{column} IN ({})", ids.join(", "))
        };
        match reach {
            Reach::All => {}
            Reach::OwnCompany(company) => {
                let company = self.bind(Value::Uuid(Some(company)));
                clause.push_str(&format!(
                    " AND {column} IN (SELECT id FROM campaigns WHERE company_id = {company})"
                ));
            }
            // Campaign rows are never shared: a reach that shares is no reach here.
            Reach::Shared(_) | Reach::Nothing => clause.push_str(" AND 1 = 0"),
        }
        clause
    }

    pub fn statement(self, sql: String) -> Statement {
        Statement::from_sql_and_values(self.backend, sql, self.values)
    }
}

impl Binds {
    /// `a, b, c`: the placeholders of `ids`, for an `IN (…)` list.
    pub fn ids(&mut self, ids: &[Uuid]) -> String {
        ids.iter()
            .map(|id| self.bind(Value::Uuid(Some(*id))))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// ` AND <campaign_column> IN (<the caller's campaigns>)`, or nothing for callers who read
    /// every campaign; a caller who reads none matches nothing.
    pub fn campaign_rule(&mut self, campaign_column: &str, visibility: &Visibility) -> String {
        match visibility.rule(Domain::Campaigns) {
            Reach::All => String::new(),
            Reach::OwnCompany(company) => {
                let company = self.bind(Value::Uuid(Some(company)));
                format!(
                    " AND {campaign_column} IN (SELECT id FROM campaigns WHERE company_id = {company})"
                )
            }
            Reach::Shared(_) | Reach::Nothing => " AND 1 = 0".to_owned(),
        }
    }
}

impl Binds {
    /// ` AND <company_column> = <the caller's company>` for a company-owned row, nothing for
    /// callers who read every campaign, and a match of nothing for those who read none.
    pub fn company_rule(&mut self, company_column: &str, visibility: &Visibility) -> String {
        match visibility.rule(Domain::Campaigns) {
            Reach::All => String::new(),
            Reach::OwnCompany(company) => {
                let company = self.bind(Value::Uuid(Some(company)));
                format!(" AND {company_column} = {company}")
            }
            Reach::Shared(_) | Reach::Nothing => " AND 1 = 0".to_owned(),
        }
    }
}

/// A decimal column as a number SQLite computes with (decimals are stored as text there).
pub fn number(backend: DbBackend, column: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("{column}::float8"),
        _ => format!("CAST({column} AS REAL)"),
    }
}

/// Days from `to` back to `from` (both timestamps), as a float: negative when `from` is
/// earlier.
pub fn days_between(backend: DbBackend, from: &str, to: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("(EXTRACT(EPOCH FROM ({from} - {to})) / 86400.0)"),
        _ => format!("(julianday({from}) - julianday({to}))"),
    }
}
