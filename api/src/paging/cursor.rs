//! Opaque, stable keyset cursors: the ordering they belong to, the sort key values of a row
//! and its id, base64-encoded.
//!
//! A cursor names a position in an ordering rather than an offset, so pages stay correct when
//! rows are inserted or deleted between requests.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::error::AppError;

/// Where a row sits in an ordering: which ordering, its sort values (JSON; decimals as
/// strings, NULL as null) and its id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    /// The signature of the ordering that issued the cursor, so a cursor of another list
    /// (even one with keys of the same kind) is refused rather than misread.
    #[serde(rename = "o")]
    pub ordering: String,
    #[serde(rename = "k")]
    pub keys: Vec<Value>,
    #[serde(rename = "i")]
    pub id: Uuid,
}

impl Cursor {
    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }

    /// Parses a cursor a client sent back; `field` names the argument for the error.
    pub fn decode(text: &str, field: &str) -> Result<Cursor, AppError> {
        URL_SAFE_NO_PAD
            .decode(text.as_bytes())
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| AppError::bad_input(field, "is not a cursor this API issued"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_survives_its_round_trip() {
        let cursor = Cursor {
            ordering: "campaigns:capacity_utilization+".into(),
            keys: vec![Value::String("0.8500".into()), Value::Null],
            id: Uuid::new_v4(),
        };
        assert_eq!(Cursor::decode(&cursor.encode(), "after").unwrap(), cursor);
    }

    #[test]
    fn garbage_is_a_bad_user_input_naming_the_argument() {
        match Cursor::decode("not a cursor", "after") {
            Err(AppError::BadUserInput { field, .. }) => assert_eq!(field, "after"),
            other => panic!("unexpected {other:?}"),
        }
    }
}
