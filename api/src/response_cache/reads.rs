//! What one read touched: the tables its statements named, and whether any failed.
//!
//! The request runs on its own handle of the pool whose statement callback feeds a
//! [`ReadLog`]. A statement's tables are found by matching its words against the catalog of
//! tracked tables: a column that shares a table's name only adds a dependency, which can make
//! an entry miss sooner but never serve stale data.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// The tracked tables, numbered (see [`migration::change_tracking`]).
#[derive(Debug, Default)]
pub struct TableCatalog {
    names: Vec<String>,
    numbers: HashMap<String, usize>,
}

impl TableCatalog {
    pub fn new(names: Vec<String>) -> TableCatalog {
        let numbers = names
            .iter()
            .enumerate()
            .map(|(number, name)| (name.clone(), number))
            .collect();
        TableCatalog { names, numbers }
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    pub fn number(&self, table: &str) -> Option<usize> {
        self.numbers.get(table).copied()
    }

    pub fn name(&self, number: usize) -> Option<&str> {
        self.names.get(number).map(String::as_str)
    }
}

/// The tables the statements of one read named, and whether one failed.
#[derive(Debug)]
pub struct ReadLog {
    catalog: Arc<TableCatalog>,
    tables: Vec<AtomicU64>,
    failed: AtomicBool,
}

impl ReadLog {
    pub fn new(catalog: Arc<TableCatalog>) -> ReadLog {
        let words = catalog.len().div_ceil(64).max(1);
        ReadLog {
            catalog,
            tables: (0..words).map(|_| AtomicU64::new(0)).collect(),
            failed: AtomicBool::new(false),
        }
    }

    /// Notes a statement the read ran.
    pub fn record(&self, sql: &str, failed: bool) {
        if failed {
            self.failed.store(true, Ordering::Relaxed);
        }
        for word in sql.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            if let Some(number) = self.catalog.number(word) {
                self.tables[number / 64].fetch_or(1 << (number % 64), Ordering::Relaxed);
            }
        }
    }

    pub fn failed(&self) -> bool {
        self.failed.load(Ordering::Relaxed)
    }

    /// The numbers of the tables read, ascending.
    pub fn tables(&self) -> Vec<usize> {
        let mut numbers = Vec::new();
        for (word, bits) in self.tables.iter().enumerate() {
            let mut bits = bits.load(Ordering::Relaxed);
            while bits != 0 {
                let bit = bits.trailing_zeros() as usize;
                numbers.push(word * 64 + bit);
                bits &= bits - 1;
            }
        }
        numbers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_and_bare_table_names_are_found_and_other_words_are_not() {
        let catalog = Arc::new(TableCatalog::new(
            (0..70).map(|number| format!("t{number}")).collect(),
        ));
        let log = ReadLog::new(catalog);
        log.record(
            r#"SELECT "t3"."id" FROM "t3" JOIN t65 AS x ON x.t3_id = "t3"."id" WHERE name = 't1x'"#,
            false,
        );
        assert_eq!(log.tables(), [3, 65]);
        assert!(!log.failed());
        log.record("SELECT 1", true);
        assert!(log.failed());
    }
}
