//! Bind values and the campaign restriction every batched dashboard statement starts from: the
//! batch's campaign ids, narrowed again by the caller's reach over campaigns (the ids come from
//! visible campaigns; the statement repeats the restriction all the same).

use sea_orm::{DbBackend, Statement, Value};
use uuid::Uuid;

use crate::domain::policy::Reach;

/// A statement's bind values, in the placeholder style of its backend.
pub struct Binds {
    backend: DbBackend,
    values: Vec<Value>,
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
