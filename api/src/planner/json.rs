//! The planned path's JSON writer: values written straight into the response bytes, each in
//! the exact form async-graphql's own serialization gives it (`ID` and `Decimal` as strings,
//! `DateTime` as RFC 3339, dates as `YYYY-MM-DD`, enums by their GraphQL names), so a planned
//! answer and a resolved one are the same bytes.

use std::io::Write;

use async_graphql::resolver_utils::EnumType;
use chrono::format::{Fixed, Item, Numeric, Pad};
use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

/// `YYYY-MM-DD`, the date as chrono's `%Y-%m-%d` writes it.
const DATE: [Item<'static>; 5] = [
    Item::Numeric(Numeric::Year, Pad::Zero),
    Item::Literal("-"),
    Item::Numeric(Numeric::Month, Pad::Zero),
    Item::Literal("-"),
    Item::Numeric(Numeric::Day, Pad::Zero),
];

/// A response body being written.
#[derive(Default)]
pub struct Json {
    bytes: Vec<u8>,
}

impl Json {
    pub fn with_capacity(capacity: usize) -> Json {
        Json {
            bytes: Vec::with_capacity(capacity),
        }
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Bytes already in JSON form (punctuation, a pre-rendered `"key":`).
    pub fn raw(&mut self, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
    }

    pub fn null(&mut self) {
        self.raw(b"null");
    }

    pub fn bool(&mut self, value: bool) {
        self.raw(if value { b"true" } else { b"false" });
    }

    pub fn int(&mut self, value: i64) {
        self.raw(itoa::Buffer::new().format(value).as_bytes());
    }

    /// A string, escaped as serde_json escapes it.
    pub fn str(&mut self, value: &str) {
        // Writing into a Vec cannot fail, and a &str always serializes.
        let _ = serde_json::to_writer(&mut self.bytes, value);
    }

    pub fn id(&mut self, id: Uuid) {
        let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
        let text = id.hyphenated().encode_lower(&mut text);
        self.raw(b"\"");
        self.raw(text.as_bytes());
        self.raw(b"\"");
    }

    /// A decimal as a string (its text never needs escaping).
    pub fn decimal(&mut self, value: Decimal) {
        let _ = write!(self.bytes, "\"{value}\"");
    }

    /// RFC 3339 as `to_rfc3339` writes a UTC time: the date, `T`, the time to the second, then
    /// 0, 3, 6 or 9 fraction digits as needed, then `+00:00`. Formatted as the naive UTC time
    /// with chrono's items and written through `write_to`: formatting the `DateTime` itself
    /// renders its offset's name into a `String`, and chrono's `Display` builds another.
    pub fn date_time(&mut self, value: DateTime<Utc>) {
        let utc = value.naive_utc();
        let (year, nanosecond) = (utc.year(), utc.nanosecond());
        // Four-digit years and no leap second (all a timestamp column holds) are written
        // digit by digit, the rest as chrono writes them: a dashboard writes thousands.
        if !(0..=9999).contains(&year) || nanosecond >= 1_000_000_000 {
            const TIME_UTC: [Item<'static>; 8] = [
                Item::Literal("T"),
                Item::Numeric(Numeric::Hour, Pad::Zero),
                Item::Literal(":"),
                Item::Numeric(Numeric::Minute, Pad::Zero),
                Item::Literal(":"),
                Item::Numeric(Numeric::Second, Pad::Zero),
                Item::Fixed(Fixed::Nanosecond),
                Item::Literal("+00:00"),
            ];
            let items = DATE.iter().chain(TIME_UTC.iter());
            self.formatted(|sink| utc.format_with_items(items).write_to(sink));
            return;
        }
        self.raw(b"\"");
        self.digits(year as u32, 4);
        self.raw(b"-");
        self.digits(utc.month(), 2);
        self.raw(b"-");
        self.digits(utc.day(), 2);
        self.raw(b"T");
        self.digits(utc.hour(), 2);
        self.raw(b":");
        self.digits(utc.minute(), 2);
        self.raw(b":");
        self.digits(utc.second(), 2);
        // chrono's `Fixed::Nanosecond`: the fewest of 0, 3, 6 or 9 digits that are exact.
        if nanosecond > 0 {
            let (fraction, width) = match nanosecond {
                n if n % 1_000_000 == 0 => (n / 1_000_000, 3),
                n if n % 1_000 == 0 => (n / 1_000, 6),
                n => (n, 9),
            };
            self.raw(b".");
            self.digits(fraction, width);
        }
        self.raw(b"+00:00\"");
    }

    /// `YYYY-MM-DD`, as `%Y-%m-%d` formats it, without parsing that pattern per value.
    pub fn date(&mut self, value: NaiveDate) {
        self.formatted(|sink| value.format_with_items(DATE.iter()).write_to(sink));
    }

    /// `value` in decimal, zero-padded to `width` digits (it has no more).
    fn digits(&mut self, value: u32, width: usize) {
        let mut text = [b'0'; 10];
        let mut rest = value;
        for digit in text[..width].iter_mut().rev() {
            *digit = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        self.raw(&text[..width]);
    }

    /// A value chrono formats, quoted.
    fn formatted(&mut self, write: impl FnOnce(&mut Utf8Sink<'_>) -> std::fmt::Result) {
        self.raw(b"\"");
        // Writing into a Vec cannot fail; chrono fails only for values it cannot represent,
        // which a decoded timestamp never is.
        let _ = write(&mut Utf8Sink(&mut self.bytes));
        self.raw(b"\"");
    }

    /// An enum by its GraphQL name.
    pub fn enumeration<E: EnumType + PartialEq>(&mut self, value: E) {
        match E::items().iter().find(|item| item.value == value) {
            Some(item) => self.str(item.name),
            None => self.null(),
        }
    }

    pub fn strings<'a>(&mut self, values: impl IntoIterator<Item = &'a String>) {
        self.raw(b"[");
        for (index, value) in values.into_iter().enumerate() {
            if index > 0 {
                self.raw(b",");
            }
            self.str(value);
        }
        self.raw(b"]");
    }

    /// `value` written by `write`, or null.
    pub fn opt<T>(&mut self, value: Option<T>, write: impl FnOnce(&mut Json, T)) {
        match value {
            Some(value) => write(self, value),
            None => self.null(),
        }
    }
}

/// `fmt::Write` into the response bytes.
struct Utf8Sink<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Utf8Sink<'_> {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        self.0.extend_from_slice(text.as_bytes());
        Ok(())
    }
}

/// The `"key":` prefix of a response key, rendered once when the plan is made.
pub fn key_prefix(key: &str) -> Box<[u8]> {
    let mut json = Json::default();
    json.str(key);
    json.raw(b":");
    json.into_bytes().into_boxed_slice()
}

#[cfg(test)]
mod tests {
    use async_graphql::ScalarType;

    use super::*;

    /// Each writer against the value async-graphql would serialize for the same scalar.
    #[test]
    fn scalars_are_written_as_async_graphql_serializes_them() {
        let oracle = |value: async_graphql::Value| serde_json::to_vec(&value).unwrap();
        let mut json = Json::default();
        let decimal: Decimal = "-12.3400".parse().unwrap();
        json.decimal(decimal);
        assert_eq!(json.into_bytes(), oracle(decimal.to_value()));
        for text in [
            "2026-03-01T10:20:30.123456Z",
            "2026-03-01T10:20:30Z",
            "2026-03-01T10:20:30.120Z",
            "2026-03-01T10:20:30.123456789Z",
            "0999-12-31T23:59:59.5+02:00",
        ] {
            let moment = DateTime::parse_from_rfc3339(text)
                .unwrap()
                .with_timezone(&Utc);
            let mut json = Json::default();
            json.date_time(moment);
            assert_eq!(json.into_bytes(), oracle(moment.to_value()), "{text}");
        }
        // Every fraction length, a leap second, years of other widths, and a spread of
        // ordinary moments, each against async-graphql's own serialization.
        let mut moments: Vec<DateTime<Utc>> = [
            "2026-12-31T23:59:60.5Z",
            "+10000-01-01T00:00:00Z",
            "-0001-06-30T12:00:00.000001Z",
            "0000-01-01T00:00:00.001Z",
        ]
        .iter()
        .map(|text| {
            chrono::NaiveDateTime::parse_from_str(text, "%+")
                .map(|naive| naive.and_utc())
                .or_else(|_| DateTime::parse_from_rfc3339(text).map(|at| at.with_timezone(&Utc)))
                .unwrap_or_else(|error| panic!("{text}: {error}"))
        })
        .collect();
        let mut seconds: i64 = 1_700_000_000;
        for step in 0..2_000u32 {
            seconds = (seconds * 6_364_136 + 1_442_695) % 253_402_300_799;
            let nanos = match step % 4 {
                0 => 0,
                1 => step % 1_000 * 1_000_000,
                2 => step * 997 % 1_000_000 * 1_000,
                _ => step * 104_729 % 1_000_000_000,
            };
            moments.push(DateTime::from_timestamp(seconds, nanos).unwrap());
        }
        for moment in moments {
            let mut json = Json::default();
            json.date_time(moment);
            assert_eq!(json.into_bytes(), oracle(moment.to_value()), "{moment:?}");
        }
        let date = NaiveDate::from_ymd_opt(2026, 2, 3).unwrap();
        let mut json = Json::default();
        json.date(date);
        assert_eq!(json.into_bytes(), oracle(date.to_value()));
        let text = "quote \" backslash \\ newline \n tab \t control \u{1} é ✓";
        let mut json = Json::default();
        json.str(text);
        assert_eq!(
            json.into_bytes(),
            oracle(async_graphql::Value::String(text.into()))
        );
        let id = Uuid::new_v4();
        let mut json = Json::default();
        json.id(id);
        assert_eq!(
            json.into_bytes(),
            oracle(async_graphql::ID(id.to_string()).to_value())
        );
    }
}
