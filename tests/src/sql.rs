//! Bind values for the raw SQL the tests run against their database (`TestDatabase::rows`,
//! `count`, `ids`, …), so no test file keeps its own copy.

use sea_orm::Value;
use uuid::Uuid;

/// Something a test holds a UUID as: the value itself or its text.
pub trait AsUuid {
    fn as_uuid(&self) -> Uuid;
}

impl AsUuid for Uuid {
    fn as_uuid(&self) -> Uuid {
        *self
    }
}

impl AsUuid for &Uuid {
    fn as_uuid(&self) -> Uuid {
        **self
    }
}

impl AsUuid for &str {
    fn as_uuid(&self) -> Uuid {
        self.parse()
            .unwrap_or_else(|error| panic!("{self} is not a uuid: {error}"))
    }
}

impl AsUuid for &String {
    fn as_uuid(&self) -> Uuid {
        self.as_str().as_uuid()
    }
}

/// A UUID bind value.
pub fn uuid(value: impl AsUuid) -> Value {
    Value::Uuid(Some(value.as_uuid()))
}

/// A text bind value.
pub fn text(value: &str) -> Value {
    value.into()
}
