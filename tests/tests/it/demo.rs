//! The demo data generator: deterministic, sized by its arguments, and consistent with the
//! domain rules the dashboards and alerts rely on.

use chrono::NaiveDate;
use entity::prelude::*;
use migration::demo::{DemoSize, generate};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use tests::TestDatabase;

fn anchor() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
}

fn size(campaigns: u32) -> DemoSize {
    DemoSize {
        companies: 4,
        campaigns,
        instances_per_campaign: 3,
        days: 30,
        seed: 7,
    }
}

async fn generated(size: &DemoSize) -> (TestDatabase, migration::demo::DemoSummary) {
    let db = TestDatabase::new().await;
    Migrator::up(&db.connection, None).await.unwrap();
    let summary = generate(&db.connection, size, anchor())
        .await
        .expect("demo data");
    (db, summary)
}

#[tokio::test]
async fn the_same_seed_and_sizes_give_the_same_rows() {
    let (first, _) = generated(&size(12)).await;
    let (second, _) = generated(&size(12)).await;
    let campaigns = |db: &TestDatabase| {
        let db = db.connection.clone();
        async move {
            Campaign::find()
                .order_by_asc(entity::campaign::Column::Id)
                .all(&db)
                .await
                .unwrap()
        }
    };
    assert_eq!(campaigns(&first).await, campaigns(&second).await);
    let snapshots = |db: &TestDatabase| {
        let db = db.connection.clone();
        async move {
            CampaignMetricsSnapshot::find()
                .order_by_asc(entity::campaign_metrics_snapshot::Column::Id)
                .all(&db)
                .await
                .unwrap()
        }
    };
    assert_eq!(snapshots(&first).await, snapshots(&second).await);
}

#[tokio::test]
async fn sizes_decide_how_many_rows_are_written() {
    let size = size(10);
    let (db, summary) = generated(&size).await;
    assert_eq!(summary.campaigns, 10);
    assert_eq!(Campaign::find().count(&db.connection).await.unwrap(), 10);
    assert_eq!(Company::find().count(&db.connection).await.unwrap(), 4);
    // Three instances per campaign, plus the two imported from Kintell without a campaign.
    assert_eq!(
        ProgramInstance::find().count(&db.connection).await.unwrap(),
        10 * 3 + 2
    );
    assert_eq!(
        CampaignMetricsSnapshot::find()
            .count(&db.connection)
            .await
            .unwrap(),
        10 * 30
    );
    assert_eq!(summary.metrics_snapshots, 300);
    assert!(
        summary.kintell_sessions > 0 && summary.enrollments > 0 && summary.community_members > 0
    );
}

#[tokio::test]
async fn campaigns_span_the_capacity_range_and_snapshots_end_on_their_state() {
    let (db, _) = generated(&size(60)).await;
    let campaigns = Campaign::find().all(&db.connection).await.unwrap();
    let utilization = |c: &entity::campaign::Model| {
        f64::from(c.current_volunteers) / f64::from(c.target_volunteers)
    };
    let below = campaigns.iter().filter(|c| utilization(c) < 0.8).count();
    let near = campaigns
        .iter()
        .filter(|c| (0.8..1.0).contains(&utilization(c)))
        .count();
    let over = campaigns.iter().filter(|c| utilization(c) >= 1.0).count();
    assert!(
        below > near && near > 0 && over > 0,
        "below {below}, near {near}, over {over}"
    );

    for campaign in &campaigns {
        let latest = CampaignMetricsSnapshot::find()
            .filter(entity::campaign_metrics_snapshot::Column::CampaignId.eq(campaign.id))
            .order_by_desc(entity::campaign_metrics_snapshot::Column::SnapshotDate)
            .one(&db.connection)
            .await
            .unwrap()
            .expect("every campaign has snapshots");
        assert_eq!(latest.snapshot_date.date_naive(), anchor());
        assert_eq!(latest.volunteers_current, campaign.current_volunteers);
        assert_eq!(latest.budget_spent, campaign.budget_spent);
        assert_eq!(
            Some(latest.volunteers_utilization),
            campaign.capacity_utilization
        );
        assert_eq!(campaign.is_over_capacity, Some(utilization(campaign) > 1.0));
    }
}

#[tokio::test]
async fn stored_alerts_mark_exactly_the_snapshots_that_crossed_a_threshold() {
    let (db, _) = generated(&size(30)).await;
    let snapshots = CampaignMetricsSnapshot::find()
        .order_by_asc(entity::campaign_metrics_snapshot::Column::CampaignId)
        .order_by_asc(entity::campaign_metrics_snapshot::Column::SnapshotDate)
        .all(&db.connection)
        .await
        .unwrap();
    let mut previous: Option<&entity::campaign_metrics_snapshot::Model> = None;
    let mut alerts_seen = 0;
    for snapshot in &snapshots {
        let before = previous
            .filter(|p| p.campaign_id == snapshot.campaign_id)
            .map(|p| p.volunteers_utilization.0)
            .unwrap_or_default();
        let now = snapshot.volunteers_utilization.0;
        let raised: Vec<f64> = snapshot
            .full_snapshot
            .alerts
            .iter()
            .filter(|a| a.dimension.as_deref() == Some("volunteers"))
            .map(|a| a.threshold)
            .collect();
        for threshold in [0.8, 0.9, 1.0] {
            let t = rust_decimal::Decimal::try_from(threshold).unwrap();
            let crossed = before < t && now >= t;
            assert_eq!(
                crossed,
                raised.contains(&threshold),
                "{} on {}",
                snapshot.campaign_id,
                snapshot.snapshot_date
            );
        }
        alerts_seen += raised.len();
        previous = Some(snapshot);
    }
    assert!(alerts_seen > 0);
}

/// The benchmark dataset (500 campaigns × 10 instances × 365 days) must load in under a minute
/// on PostgreSQL. Run with `cargo test -p tests --release -- --ignored benchmark_size`.
#[tokio::test]
#[ignore = "loads 182,500 snapshots; run on demand"]
async fn benchmark_size_loads_in_under_a_minute() {
    let db = TestDatabase::new().await;
    Migrator::up(&db.connection, None).await.unwrap();
    let size = DemoSize {
        companies: 20,
        campaigns: 500,
        instances_per_campaign: 10,
        days: 365,
        seed: 42,
    };
    let started = std::time::Instant::now();
    let summary = generate(&db.connection, &size, anchor()).await.unwrap();
    let elapsed = started.elapsed();
    println!("{summary}\nloaded in {elapsed:?}");
    assert_eq!(summary.metrics_snapshots, 500 * 365);
    assert!(elapsed.as_secs() < 60, "took {elapsed:?}");
}
