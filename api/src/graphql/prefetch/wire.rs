//! The two values the fetched arrays hold by the thousand — `numeric` and `timestamptz` —
//! read from PostgreSQL's binary form straight into the value sqlx's own decoder gives.
//!
//! Why: a dashboard page decodes about 3,000 snapshot numbers and dates per request. sqlx turns
//! each `numeric` into a `Decimal` with a heap-allocated digit list and a `Decimal` power,
//! product and sum per base-10000 digit, and each timestamp by rebuilding the PostgreSQL epoch
//! as a calendar date; together they were about a tenth of the planned dashboard's CPU. Here a
//! number is one integer accumulation and a timestamp one addition. A value outside these fast
//! paths (NaN, infinities, more than 28 decimal places or 96 bits, text format) goes to sqlx's
//! decoder, so every value reads exactly as before; a test holds the two to the same bits.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::sqlx::error::BoxDynError;
use sea_orm::sqlx::postgres::{PgHasArrayType, PgTypeInfo, PgValueFormat, PgValueRef};
use sea_orm::sqlx::{Decode, Postgres, Type};

/// A `numeric`, read as sqlx reads it into a `Decimal` (same mantissa, scale and sign).
pub struct WireDecimal(pub Decimal);

/// A `timestamptz`, read as sqlx reads it into a `DateTime<Utc>`.
pub struct WireTimestamp(pub DateTime<Utc>);

impl Type<Postgres> for WireDecimal {
    fn type_info() -> PgTypeInfo {
        <Decimal as Type<Postgres>>::type_info()
    }
}

impl Type<Postgres> for WireTimestamp {
    fn type_info() -> PgTypeInfo {
        <DateTime<Utc> as Type<Postgres>>::type_info()
    }
}

impl PgHasArrayType for WireDecimal {
    fn array_type_info() -> PgTypeInfo {
        <Decimal as PgHasArrayType>::array_type_info()
    }
}

impl PgHasArrayType for WireTimestamp {
    fn array_type_info() -> PgTypeInfo {
        <DateTime<Utc> as PgHasArrayType>::array_type_info()
    }
}

impl<'r> Decode<'r, Postgres> for WireDecimal {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        if let PgValueFormat::Binary = value.format()
            && let Some(decimal) = decimal_from_binary(value.as_bytes()?)
        {
            return Ok(WireDecimal(decimal));
        }
        <Decimal as Decode<Postgres>>::decode(value).map(WireDecimal)
    }
}

impl<'r> Decode<'r, Postgres> for WireTimestamp {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        if let PgValueFormat::Binary = value.format()
            && let Some(moment) = timestamp_from_binary(value.as_bytes()?)
        {
            return Ok(WireTimestamp(moment));
        }
        <DateTime<Utc> as Decode<Postgres>>::decode(value).map(WireTimestamp)
    }
}

const POSITIVE: u16 = 0x0000;
const NEGATIVE: u16 = 0x4000;

/// The largest mantissa a `Decimal` holds (96 bits).
const MANTISSA_LIMIT: u128 = 1 << 96;

/// A binary `numeric` (digit count, weight, sign, display scale, then base-10000 digits, most
/// significant first, the first of them worth 10000^weight), or `None` to leave it to sqlx.
fn decimal_from_binary(bytes: &[u8]) -> Option<Decimal> {
    let word = |at: usize| Some(u16::from_be_bytes([*bytes.get(at)?, *bytes.get(at + 1)?]));
    let count = usize::from(word(0)?);
    let weight = i32::from(word(2)? as i16);
    let sign = word(4)?;
    let scale = u32::from(word(6)?);
    if bytes.len() != 8 + 2 * count || (sign != POSITIVE && sign != NEGATIVE) {
        return None;
    }
    if count == 0 {
        // sqlx gives zero at scale 0, whatever the column's scale.
        return Some(Decimal::ZERO);
    }
    if scale > Decimal::MAX_SCALE {
        return None;
    }
    let mut digits: u128 = 0;
    for at in (8..bytes.len()).step_by(2) {
        let digit = word(at)?;
        if digit >= 10_000 {
            return None;
        }
        digits = digits.checked_mul(10_000)?.checked_add(u128::from(digit))?;
    }
    // The last digit is worth 10000^(weight - count + 1); the mantissa counts 10^-scale units.
    let shift = 4 * (weight - count as i32 + 1) + scale as i32;
    let mantissa = if shift >= 0 {
        digits.checked_mul(10u128.checked_pow(shift as u32)?)?
    } else {
        let divisor = 10u128.checked_pow(shift.unsigned_abs())?;
        // Digits below the display scale would be rounded; sqlx decides how.
        if !digits.is_multiple_of(divisor) {
            return None;
        }
        digits / divisor
    };
    if mantissa >= MANTISSA_LIMIT {
        return None;
    }
    let mut decimal = Decimal::from_i128_with_scale(mantissa as i128, scale);
    decimal.set_sign_negative(sign == NEGATIVE);
    Some(decimal)
}

/// Microseconds between the Unix epoch and PostgreSQL's (2000-01-01 00:00:00 UTC).
const POSTGRES_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// A binary `timestamptz` (microseconds since PostgreSQL's epoch), or `None` to leave it to sqlx
/// (a value chrono cannot hold, such as `infinity`).
fn timestamp_from_binary(bytes: &[u8]) -> Option<DateTime<Utc>> {
    let micros = i64::from_be_bytes(bytes.try_into().ok()?);
    DateTime::from_timestamp_micros(micros.checked_add(POSTGRES_EPOCH_MICROS)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binary(weight: i16, sign: u16, scale: u16, digits: &[u16]) -> Vec<u8> {
        let mut bytes = Vec::new();
        for word in [digits.len() as u16, weight as u16, sign, scale]
            .into_iter()
            .chain(digits.iter().copied())
        {
            bytes.extend_from_slice(&word.to_be_bytes());
        }
        bytes
    }

    #[test]
    fn numbers_keep_their_scale_and_sign() {
        let read = |weight, sign, scale, digits: &[u16]| {
            decimal_from_binary(&binary(weight, sign, scale, digits)).map(|d| d.to_string())
        };
        assert_eq!(read(-1, POSITIVE, 4, &[7500]).as_deref(), Some("0.7500"));
        assert_eq!(read(-1, POSITIVE, 2, &[7500]).as_deref(), Some("0.75"));
        assert_eq!(read(0, NEGATIVE, 2, &[12, 3400]).as_deref(), Some("-12.34"));
        assert_eq!(read(1, POSITIVE, 0, &[1]).as_deref(), Some("10000"));
        assert_eq!(read(0, POSITIVE, 3, &[]).as_deref(), Some("0"));
        assert_eq!(read(-2, POSITIVE, 6, &[1200]).as_deref(), Some("0.000012"));
        assert_eq!(read(-2, POSITIVE, 8, &[12]).as_deref(), Some("0.00000012"));
        // Below the display scale, NaN, a digit out of range: sqlx's decoder decides.
        assert_eq!(read(-1, POSITIVE, 2, &[7510]), None);
        assert_eq!(read(0, 0xC000, 0, &[]), None);
        assert_eq!(read(0, POSITIVE, 0, &[10_000]), None);
        assert_eq!(read(7, POSITIVE, 0, &[9, 0, 0, 0, 0, 0, 0, 0]), None);
    }

    #[test]
    fn timestamps_count_from_the_postgres_epoch() {
        let at = |micros: i64| timestamp_from_binary(&micros.to_be_bytes());
        assert_eq!(
            at(0).map(|moment| moment.to_rfc3339()).as_deref(),
            Some("2000-01-01T00:00:00+00:00")
        );
        assert_eq!(
            at(-1).map(|moment| moment.to_rfc3339()).as_deref(),
            Some("1999-12-31T23:59:59.999999+00:00")
        );
        assert_eq!(at(i64::MAX), None);
    }
}
