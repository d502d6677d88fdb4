//! What every dashboard statement over a batch of campaigns shares: bind placeholders for
//! both backends, the campaign id list, and the caller's company restriction repeated in SQL
//! (keys come from campaigns the caller already reads; the statement checks it all the same).

use sea_orm::{DbBackend, Value};
use uuid::Uuid;

use crate::domain::policy::{Domain, Reach, Visibility};

/// Bind values of a statement under construction, with the placeholder syntax of its backend.
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

    /// Binds `value` and returns its placeholder.
    pub fn bind(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => format!("${}", self.values.len()),
            _ => format!("?{}", self.values.len()),
        }
    }

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
