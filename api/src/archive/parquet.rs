//! Metrics snapshots as Parquet, through the `parquet` crate's low-level column writer (no
//! Arrow): one file holds rows of `campaign_metrics_snapshots`, a column each, named as in
//! the table. Ids are UTF-8 strings, instants microseconds since the epoch (UTC), decimals
//! 64-bit `DECIMAL(18, scale)` at the table's scale, `full_snapshot` its JSON text; every
//! column is optional so that one writer path serves them all. Pages are Snappy-compressed.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use parquet::basic::Compression;
use parquet::data_type::{ByteArray, ByteArrayType, Int32Type, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::reader::{ChunkReader, FileReader};
use parquet::file::serialized_reader::SerializedFileReader;
use parquet::file::writer::SerializedFileWriter;
use parquet::record::Field;
use parquet::schema::parser::parse_message_type;
use rust_decimal::Decimal;
use uuid::Uuid;

use entity::Numeric;
use entity::campaign_metrics_snapshot::Model;

use crate::error::{AppError, AppResult};

/// How a column is stored.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Instant,
    Int,
    /// A decimal at this scale.
    Decimal(u32),
}

/// The columns, in file order.
const COLUMNS: [(&str, Kind); 33] = [
    ("id", Kind::Text),
    ("campaign_id", Kind::Text),
    ("snapshot_date", Kind::Instant),
    ("volunteers_target", Kind::Int),
    ("volunteers_current", Kind::Int),
    ("volunteers_utilization", Kind::Decimal(4)),
    ("beneficiaries_target", Kind::Int),
    ("beneficiaries_current", Kind::Int),
    ("beneficiaries_utilization", Kind::Decimal(4)),
    ("sessions_target", Kind::Int),
    ("sessions_current", Kind::Int),
    ("sessions_utilization", Kind::Decimal(4)),
    ("budget_allocated", Kind::Decimal(2)),
    ("budget_spent", Kind::Decimal(2)),
    ("budget_remaining", Kind::Decimal(2)),
    ("budget_utilization", Kind::Decimal(4)),
    ("sroi_score", Kind::Decimal(2)),
    ("average_vis_score", Kind::Decimal(2)),
    ("total_hours_logged", Kind::Decimal(2)),
    ("total_sessions_completed", Kind::Int),
    ("seats_used", Kind::Int),
    ("seats_committed", Kind::Int),
    ("credits_consumed", Kind::Decimal(2)),
    ("credits_allocated", Kind::Decimal(2)),
    ("learners_served", Kind::Int),
    ("learners_committed", Kind::Int),
    ("full_snapshot", Kind::Text),
    ("created_at", Kind::Instant),
    ("sample_count", Kind::Int),
    ("sroi_sum", Kind::Decimal(2)),
    ("sroi_samples", Kind::Int),
    ("vis_sum", Kind::Decimal(2)),
    ("vis_samples", Kind::Int),
];

/// One value of a row, as stored.
#[derive(Clone, Debug, PartialEq)]
enum Cell {
    Null,
    Text(String),
    Long(i64),
    Int(i32),
}

fn schema() -> String {
    let fields: String = COLUMNS
        .iter()
        .map(|(name, kind)| match kind {
            Kind::Text => format!("OPTIONAL BYTE_ARRAY {name} (UTF8);\n"),
            Kind::Instant => format!("OPTIONAL INT64 {name} (TIMESTAMP(MICROS, true));\n"),
            Kind::Int => format!("OPTIONAL INT32 {name};\n"),
            Kind::Decimal(scale) => format!("OPTIONAL INT64 {name} (DECIMAL(18, {scale}));\n"),
        })
        .collect();
    format!("message campaign_metrics_snapshots {{\n{fields}}}")
}

fn encode_error(error: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("parquet archive: {error}"))
}

/// `value` at `scale` as the 64-bit integer a `DECIMAL(18, scale)` stores.
fn unscaled(value: Decimal, scale: u32) -> AppResult<i64> {
    let mut scaled = value;
    scaled.rescale(scale);
    if scaled != value {
        return Err(encode_error(format!(
            "{value} does not fit {scale} decimal places"
        )));
    }
    i64::try_from(scaled.mantissa()).map_err(encode_error)
}

fn cells(row: &Model) -> AppResult<Vec<Cell>> {
    let int = |value: Option<i32>| value.map_or(Cell::Null, Cell::Int);
    let instant = |value: DateTime<Utc>| Cell::Long(value.timestamp_micros());
    let decimal = |value: Option<Numeric>, scale: u32| -> AppResult<Cell> {
        Ok(match value {
            Some(value) => Cell::Long(unscaled(value.0, scale)?),
            None => Cell::Null,
        })
    };
    let full_snapshot = serde_json::to_string(&row.full_snapshot).map_err(encode_error)?;
    Ok(vec![
        Cell::Text(row.id.to_string()),
        Cell::Text(row.campaign_id.to_string()),
        instant(row.snapshot_date),
        Cell::Int(row.volunteers_target),
        Cell::Int(row.volunteers_current),
        decimal(Some(row.volunteers_utilization), 4)?,
        Cell::Int(row.beneficiaries_target),
        Cell::Int(row.beneficiaries_current),
        decimal(Some(row.beneficiaries_utilization), 4)?,
        int(row.sessions_target),
        Cell::Int(row.sessions_current),
        decimal(row.sessions_utilization, 4)?,
        decimal(Some(row.budget_allocated), 2)?,
        decimal(Some(row.budget_spent), 2)?,
        decimal(Some(row.budget_remaining), 2)?,
        decimal(Some(row.budget_utilization), 4)?,
        decimal(row.sroi_score, 2)?,
        decimal(row.average_vis_score, 2)?,
        decimal(row.total_hours_logged, 2)?,
        int(row.total_sessions_completed),
        int(row.seats_used),
        int(row.seats_committed),
        decimal(row.credits_consumed, 2)?,
        decimal(row.credits_allocated, 2)?,
        int(row.learners_served),
        int(row.learners_committed),
        Cell::Text(full_snapshot),
        instant(row.created_at),
        Cell::Int(row.sample_count),
        decimal(row.sroi_sum, 2)?,
        int(row.sroi_samples),
        decimal(row.vis_sum, 2)?,
        int(row.vis_samples),
    ])
}

/// `rows` as one Parquet file (one row group).
pub fn encode(rows: &[Model]) -> AppResult<Vec<u8>> {
    let table: Vec<Vec<Cell>> = rows.iter().map(cells).collect::<AppResult<_>>()?;
    let schema = Arc::new(parse_message_type(&schema()).map_err(encode_error)?);
    let properties = Arc::new(
        WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_created_by("platform-gateway retention".to_owned())
            .build(),
    );
    let mut writer =
        SerializedFileWriter::new(Vec::new(), schema, properties).map_err(encode_error)?;
    let mut group = writer.next_row_group().map_err(encode_error)?;
    let mut index = 0;
    while let Some(mut column) = group.next_column().map_err(encode_error)? {
        let column_cells = table.iter().map(|row| &row[index]);
        let levels: Vec<i16> = column_cells
            .clone()
            .map(|cell| i16::from(*cell != Cell::Null))
            .collect();
        match COLUMNS[index].1 {
            Kind::Text => {
                let values: Vec<ByteArray> = column_cells
                    .filter_map(|cell| match cell {
                        Cell::Text(text) => Some(ByteArray::from(text.as_str())),
                        _ => None,
                    })
                    .collect();
                column
                    .typed::<ByteArrayType>()
                    .write_batch(&values, Some(&levels), None)
            }
            Kind::Int => {
                let values: Vec<i32> = column_cells
                    .filter_map(|cell| match cell {
                        Cell::Int(value) => Some(*value),
                        _ => None,
                    })
                    .collect();
                column
                    .typed::<Int32Type>()
                    .write_batch(&values, Some(&levels), None)
            }
            Kind::Instant | Kind::Decimal(_) => {
                let values: Vec<i64> = column_cells
                    .filter_map(|cell| match cell {
                        Cell::Long(value) => Some(*value),
                        _ => None,
                    })
                    .collect();
                column
                    .typed::<Int64Type>()
                    .write_batch(&values, Some(&levels), None)
            }
        }
        .map_err(encode_error)?;
        column.close().map_err(encode_error)?;
        index += 1;
    }
    group.close().map_err(encode_error)?;
    writer.into_inner().map_err(encode_error)
}

/// The rows of a Parquet file [`encode`] wrote.
pub fn decode(file: impl ChunkReader + 'static) -> AppResult<Vec<Model>> {
    let reader = SerializedFileReader::new(file).map_err(encode_error)?;
    let mut rows = Vec::new();
    for row in reader.get_row_iter(None).map_err(encode_error)? {
        let fields: Vec<(String, Field)> = row.map_err(encode_error)?.into_columns();
        if fields.len() != COLUMNS.len() {
            return Err(encode_error(format!(
                "{} columns, not {}",
                fields.len(),
                COLUMNS.len()
            )));
        }
        let cells = fields
            .into_iter()
            .zip(COLUMNS)
            .map(|((name, field), (column, kind))| {
                if name != column {
                    return Err(encode_error(format!(
                        "column {name} where {column} belongs"
                    )));
                }
                Ok(match (field, kind) {
                    (Field::Null, _) => Cell::Null,
                    (Field::Str(text), Kind::Text) => Cell::Text(text),
                    (Field::Int(value), Kind::Int) => Cell::Int(value),
                    (Field::TimestampMicros(value), Kind::Instant) => Cell::Long(value),
                    (Field::Decimal(value), Kind::Decimal(_)) => {
                        let bytes: [u8; 8] = value.data().try_into().map_err(encode_error)?;
                        Cell::Long(i64::from_be_bytes(bytes))
                    }
                    (other, _) => {
                        return Err(encode_error(format!("column {column} holds {other:?}")));
                    }
                })
            })
            .collect::<AppResult<Vec<Cell>>>()?;
        rows.push(model(cells)?);
    }
    Ok(rows)
}

fn model(cells: Vec<Cell>) -> AppResult<Model> {
    let mut cells = cells.into_iter().zip(COLUMNS);
    let mut next = move || cells.next().ok_or_else(|| encode_error("a row ends early"));
    macro_rules! take {
        (text) => {{
            match next()? {
                (Cell::Text(text), _) => Some(text),
                _ => None,
            }
        }};
        (int) => {{
            match next()? {
                (Cell::Int(value), _) => Some(value),
                _ => None,
            }
        }};
        (instant) => {{
            match next()? {
                (Cell::Long(micros), _) => DateTime::from_timestamp_micros(micros),
                _ => None,
            }
        }};
        (decimal) => {{
            match next()? {
                (Cell::Long(value), (_, Kind::Decimal(scale))) => {
                    Some(Numeric(Decimal::new(value, scale)))
                }
                _ => None,
            }
        }};
    }
    let missing = |column: &str| encode_error(format!("{column} is missing"));
    let uuid = |text: Option<String>, column: &str| {
        text.and_then(|text| Uuid::parse_str(&text).ok())
            .ok_or_else(|| missing(column))
    };
    Ok(Model {
        id: uuid(take!(text), "id")?,
        campaign_id: uuid(take!(text), "campaign_id")?,
        snapshot_date: take!(instant).ok_or_else(|| missing("snapshot_date"))?,
        volunteers_target: take!(int).ok_or_else(|| missing("volunteers_target"))?,
        volunteers_current: take!(int).ok_or_else(|| missing("volunteers_current"))?,
        volunteers_utilization: take!(decimal).ok_or_else(|| missing("volunteers_utilization"))?,
        beneficiaries_target: take!(int).ok_or_else(|| missing("beneficiaries_target"))?,
        beneficiaries_current: take!(int).ok_or_else(|| missing("beneficiaries_current"))?,
        beneficiaries_utilization: take!(decimal)
            .ok_or_else(|| missing("beneficiaries_utilization"))?,
        sessions_target: take!(int),
        sessions_current: take!(int).ok_or_else(|| missing("sessions_current"))?,
        sessions_utilization: take!(decimal),
        budget_allocated: take!(decimal).ok_or_else(|| missing("budget_allocated"))?,
        budget_spent: take!(decimal).ok_or_else(|| missing("budget_spent"))?,
        budget_remaining: take!(decimal).ok_or_else(|| missing("budget_remaining"))?,
        budget_utilization: take!(decimal).ok_or_else(|| missing("budget_utilization"))?,
        sroi_score: take!(decimal),
        average_vis_score: take!(decimal),
        total_hours_logged: take!(decimal),
        total_sessions_completed: take!(int),
        seats_used: take!(int),
        seats_committed: take!(int),
        credits_consumed: take!(decimal),
        credits_allocated: take!(decimal),
        learners_served: take!(int),
        learners_committed: take!(int),
        full_snapshot: take!(text)
            .and_then(|json| serde_json::from_str(&json).ok())
            .ok_or_else(|| missing("full_snapshot"))?,
        created_at: take!(instant).ok_or_else(|| missing("created_at"))?,
        sample_count: take!(int).ok_or_else(|| missing("sample_count"))?,
        sroi_sum: take!(decimal),
        sroi_samples: take!(int),
        vis_sum: take!(decimal),
        vis_samples: take!(int),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use entity::json::FullSnapshot;

    fn row() -> Model {
        let money = |cents: i64| Numeric(Decimal::new(cents, 2));
        let fraction = |units: i64| Numeric(Decimal::new(units, 4));
        Model {
            id: Uuid::new_v4(),
            campaign_id: Uuid::new_v4(),
            snapshot_date: Utc.with_ymd_and_hms(2022, 4, 1, 0, 0, 0).unwrap(),
            volunteers_target: 10,
            volunteers_current: 7,
            volunteers_utilization: fraction(7000),
            beneficiaries_target: 20,
            beneficiaries_current: 5,
            beneficiaries_utilization: fraction(2500),
            sessions_target: None,
            sessions_current: 3,
            sessions_utilization: None,
            budget_allocated: money(100_000),
            budget_spent: money(12_345),
            budget_remaining: money(87_655),
            budget_utilization: fraction(1235),
            sroi_score: Some(money(312)),
            average_vis_score: None,
            total_hours_logged: Some(money(4_550)),
            total_sessions_completed: Some(42),
            seats_used: Some(7),
            seats_committed: None,
            credits_consumed: None,
            credits_allocated: Some(money(-5)),
            learners_served: None,
            learners_committed: Some(9),
            full_snapshot: FullSnapshot {
                campaign_name: "Q2 mentoring".to_owned(),
                status: "active".to_owned(),
                ..FullSnapshot::default()
            },
            created_at: Utc.with_ymd_and_hms(2026, 12, 5, 7, 1, 2).unwrap(),
            sample_count: 91,
            sroi_sum: Some(money(28_392)),
            sroi_samples: Some(91),
            vis_sum: None,
            vis_samples: Some(0),
        }
    }

    #[test]
    fn rows_round_trip_through_a_parquet_file() {
        let rows = vec![row(), row()];
        let file = encode(&rows).unwrap();
        assert_eq!(&file[..4], b"PAR1");
        let read = decode(bytes::Bytes::from(file)).unwrap();
        assert_eq!(read, rows);
    }

    #[test]
    fn a_decimal_finer_than_its_column_is_refused() {
        let mut row = row();
        row.budget_spent = Numeric(Decimal::new(1, 3));
        assert!(encode(&[row]).is_err());
    }
}
