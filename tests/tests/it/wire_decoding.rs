//! The fast decoders of `numeric` and `timestamptz` (`api::graphql::prefetch::wire`) read
//! every value PostgreSQL sends exactly as sqlx's own decoders do: the same `Decimal` bits
//! (mantissa, scale, sign) and the same instant, or an error where sqlx gives one.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::sqlx::{self, Row, postgres::PgRow};
use tests::database::TestDatabase;

use api::graphql::prefetch::wire::{WireDecimal, WireTimestamp};

async fn rows(db: &TestDatabase, sql: &str) -> Vec<PgRow> {
    let pool = db.connection.get_postgres_connection_pool();
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_all(pool)
        .await
        .expect("query")
}

/// Numbers of every scale up to 28 places and beyond, both signs, zeros written with a scale,
/// the largest a `Decimal` holds and past it, NaN and the infinities.
const NUMBERS: &str = "
    SELECT v FROM (
        SELECT n, round(((n::bigint * n * 104729) % 1000000007)::numeric
                        / power(10::numeric, n % 31) * (CASE WHEN n % 3 = 0 THEN -1 ELSE 1 END),
                        n % 33) AS v
        FROM generate_series(1, 4000) AS n
        UNION ALL SELECT 5000 + k, v FROM unnest(ARRAY[
            NULL, 0, 0.000, -0.0, 1, 10000, 0.0001, 0.00010000, 12.34, -12.34, 0.75, 0.7500,
            1e27, -1e-28, 1e-28, 1e-29, 123456789.123456789,
            9999999999999999999999999999, 79228162514264337593543950335,
            79228162514264337593543950336, 'NaN', 'Infinity', '-Infinity'
        ]::numeric[]) WITH ORDINALITY AS t(v, k)
    ) AS numbers ORDER BY n";

fn bits(decimal: Decimal) -> [u8; 16] {
    decimal.serialize()
}

#[tokio::test]
#[ignore = "needs PostgreSQL: it reads PostgreSQL's binary numeric and timestamptz"]
async fn numbers_read_as_sqlx_reads_them() {
    let db = TestDatabase::new().await;
    db.require_postgres();
    let (mut read, mut refused) = (0, 0);
    for row in rows(&db, NUMBERS).await {
        let sqlx = row.try_get::<Option<Decimal>, _>(0);
        let wire = row.try_get::<Option<WireDecimal>, _>(0);
        match (sqlx, wire) {
            (Ok(sqlx), Ok(wire)) => {
                assert_eq!(sqlx.map(bits), wire.map(|w| bits(w.0)), "{sqlx:?}");
                read += 1;
            }
            (Err(_), Err(_)) => refused += 1,
            (sqlx, wire) => panic!(
                "sqlx read {sqlx:?}, the wire decoder {:?}",
                wire.map(|w| w.map(|w| w.0))
            ),
        }
    }
    // NaN, the infinities, the number past 96 bits and 27 with more places than a `Decimal`
    // holds are refused; all else reads.
    assert_eq!((read, refused), (3992, 31));

    // The same numbers as one array (what the prefetch reads), NULLs included.
    let array = format!(
        "SELECT array_agg(v ORDER BY n) FROM ({}) AS listed WHERE v IS NULL OR (v BETWEEN -1e28 AND 1e28 AND scale(v) <= 28)",
        NUMBERS.replace("SELECT v FROM", "SELECT n, v FROM")
    );
    let row = rows(&db, &array).await.remove(0);
    let sqlx: Vec<Option<Decimal>> = row.try_get(0).expect("sqlx reads the array");
    let wire: Vec<Option<WireDecimal>> = row.try_get(0).expect("the wire decoder reads it");
    assert!(sqlx.len() > 3500);
    let wire: Vec<_> = wire.into_iter().map(|w| w.map(|w| bits(w.0))).collect();
    assert_eq!(
        sqlx.into_iter().map(|d| d.map(bits)).collect::<Vec<_>>(),
        wire
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL: it reads PostgreSQL's binary numeric and timestamptz"]
async fn timestamps_read_as_sqlx_reads_them() {
    let db = TestDatabase::new().await;
    db.require_postgres();
    // From year 1 to 9999, before and after both epochs, with every fraction length.
    let sql = "SELECT array_agg(t ORDER BY n) FROM (
        SELECT n, timestamptz '0001-01-01 00:00:00+00'
                  + (n::bigint * 3155695199999) * interval '1 microsecond' * 20 AS t
        FROM generate_series(0, 4999) AS n
        UNION ALL SELECT 6000 + k, t FROM unnest(ARRAY[
            NULL, '1970-01-01 00:00:00+00', '1999-12-31 23:59:59.999999+00',
            '2000-01-01 00:00:00+00', '2000-01-01 00:00:00.000001+00',
            '2026-12-07 17:33:56.5+01', '9999-12-31 23:59:59.999999+00'
        ]::timestamptz[]) WITH ORDINALITY AS s(t, k)
    ) AS moments";
    let row = rows(&db, sql).await.remove(0);
    let sqlx: Vec<Option<DateTime<Utc>>> = row.try_get(0).expect("sqlx reads the array");
    let wire: Vec<Option<WireTimestamp>> = row.try_get(0).expect("the wire decoder reads it");
    assert_eq!(sqlx.len(), 5007);
    assert_eq!(
        sqlx,
        wire.into_iter().map(|w| w.map(|w| w.0)).collect::<Vec<_>>()
    );
}
