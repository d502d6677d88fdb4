//! The response cache through the real server: a repeated read answered without SQL, every
//! kind of write seen by the next read (through GraphQL, through plain SQL, on another
//! replica), tables a read did not touch leaving its entry alone, visibility in the key, the
//! clock bounding an entry, errors never kept, the size bound and `--response-cache-mb 0`,
//! and the same read missed together running once.

use std::time::Duration;

use api::auth::Role;
use serde_json::{Value, json};
use tests::TestApp;
use tests::app::{post_graphql, token};
use uuid::Uuid;

use crate::metrics::Scrape;

const CAMPAIGNS: &str = "query Campaigns { campaigns(first: 10) { edges { node { id name } } } }";

const RENAME: &str = "mutation Rename($id: ID!, $name: String!) {
  updateCampaign(id: $id, input: { name: $name }) { id name }
}";

/// A campaign of the test graph that a rename through `updateCampaign` accepts (its seats
/// pricing needs committed seats).
async fn renameable_campaign(app: &TestApp) -> Uuid {
    let (_, _, _, campaign) = app.db.insert_campaign_graph().await;
    app.db
        .execute(
            "UPDATE campaigns SET committed_seats = 50, seat_price_per_month = 10 WHERE id = $1",
            vec![campaign.into()],
        )
        .await
        .unwrap();
    campaign
}

fn names(body: &Value) -> Vec<String> {
    body["data"]["campaigns"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("no campaigns in {body:#}"))
        .iter()
        .map(|edge| edge["node"]["name"].as_str().unwrap().to_owned())
        .collect()
}

/// The value of the response cache counter for `result` on the gateway's metrics.
async fn lookups(metrics: &str, result: &str) -> u64 {
    metric(
        metrics,
        "gateway_response_cache_lookups_total",
        &[("result", result)],
    )
    .await as u64
}

/// The value of the series `name` with these labels, which must exist.
async fn metric(metrics: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    Scrape::of(metrics)
        .await
        .sample(name, labels)
        .unwrap_or_else(|| panic!("no {name} {labels:?} on /metrics"))
}

/// Renames a campaign in plain SQL: `$1` the name, `$2` the campaign.
const RENAME_IN_SQL: &str = "UPDATE campaigns SET name = $1 WHERE id = $2";

#[tokio::test]
async fn a_repeated_read_is_answered_without_sql_and_the_callers_write_is_seen_at_once() {
    let app = TestApp::spawn().await;
    let metrics = app.serve_metrics().await;
    let campaign = renameable_campaign(&app).await;
    let first = app.graphql(CAMPAIGNS, json!({})).await;
    assert!(!app.take_statements().is_empty());
    let second = app.graphql(CAMPAIGNS, json!({})).await;
    assert_eq!(first, second);
    assert_eq!(app.take_statements(), Vec::<String>::new());
    assert_eq!(lookups(&metrics, "hit").await, 1);
    assert_eq!(lookups(&metrics, "miss").await, 1);

    let renamed = app
        .data(RENAME, json!({ "id": campaign, "name": "Renamed" }))
        .await;
    assert_eq!(renamed["updateCampaign"]["name"], "Renamed");
    let third = app.graphql(CAMPAIGNS, json!({})).await;
    assert_eq!(names(&third), ["Renamed"]);
    assert_eq!(lookups(&metrics, "stale").await, 1);
}

#[tokio::test]
async fn a_write_in_plain_sql_is_seen_as_soon_as_the_gateway_hears_of_it() {
    let app = TestApp::spawn().await;
    let metrics = app.serve_metrics().await;
    let (_, _, _, campaign) = app.db.insert_campaign_graph().await;
    let before = names(&app.graphql(CAMPAIGNS, json!({})).await);
    assert_eq!(names(&app.graphql(CAMPAIGNS, json!({})).await), before);
    assert_eq!(lookups(&metrics, "hit").await, 1);
    app.db
        .execute_out_of_band(
            RENAME_IN_SQL,
            vec!["Changed by an operator".into(), campaign.into()],
        )
        .await
        .unwrap();
    // SQLite: the next read. PostgreSQL: once this replica's listener has the NOTIFY, which
    // the commit sends (well under the bound; every read until then is the old answer).
    let started = std::time::Instant::now();
    loop {
        let after = names(&app.graphql(CAMPAIGNS, json!({})).await);
        if after == ["Changed by an operator"] {
            break;
        }
        assert_eq!(after, before);
        assert!(
            app.db.backend == tests::Backend::Postgres
                && started.elapsed() < Duration::from_secs(1),
            "the write was not seen after {:?}",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    // The harness's own writes wait, like a mutation, until the gateway has heard of them.
    app.db
        .execute(RENAME_IN_SQL, vec!["Changed again".into(), campaign.into()])
        .await
        .unwrap();
    assert_eq!(
        names(&app.graphql(CAMPAIGNS, json!({})).await),
        ["Changed again"]
    );
}

#[tokio::test]
async fn a_write_to_a_table_the_read_did_not_touch_leaves_its_entry_alone() {
    let app = TestApp::spawn().await;
    app.db.insert_campaign_graph().await;
    app.graphql(CAMPAIGNS, json!({})).await;
    let member = app
        .data(
            "mutation($input: CreateMemberInput!) { createMember(input: $input) { id } }",
            json!({ "input": { "telegramId": "42", "name": "Ada", "primaryRole": "developer" } }),
        )
        .await;
    assert!(member["createMember"]["id"].is_string());
    app.take_statements();
    app.graphql(CAMPAIGNS, json!({})).await;
    assert_eq!(app.take_statements(), Vec::<String>::new());
}

#[tokio::test]
async fn callers_who_see_different_rows_never_share_an_entry() {
    let app = TestApp::spawn().await;
    let (company, _, _, _) = app.db.insert_campaign_graph().await;
    let other = app.db.insert_company("Globex").await;
    let admin = app.graphql(CAMPAIGNS, json!({})).await;
    assert_eq!(names(&admin).len(), 1);
    let (_, own) = app
        .graphql_as(
            Some(&token(Role::CompanyViewer, Some(company))),
            CAMPAIGNS,
            json!({}),
        )
        .await;
    assert_eq!(names(&own).len(), 1);
    let (_, foreign) = app
        .graphql_as(
            Some(&token(Role::CompanyViewer, Some(other))),
            CAMPAIGNS,
            json!({}),
        )
        .await;
    assert_eq!(names(&foreign), Vec::<String>::new());
    // Variables are part of the key too.
    let query = "query One($first: Int) { campaigns(first: $first) { totalCount edges { node { name } } } }";
    let none = app.data(query, json!({ "first": 0 })).await;
    let one = app.data(query, json!({ "first": 1 })).await;
    assert_eq!(none["campaigns"]["edges"], json!([]));
    assert_eq!(one["campaigns"]["edges"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn an_answer_that_depends_on_the_time_is_kept_only_until_it_changes() {
    let app = TestApp::spawn().await;
    let member = app
        .data(
            "mutation($input: CreateMemberInput!) { createMember(input: $input) { memberId } }",
            json!({ "input": { "telegramId": "7", "name": "Grace", "primaryRole": "developer" } }),
        )
        .await;
    let created_by = member["createMember"]["memberId"]
        .as_str()
        .unwrap()
        .to_owned();
    // Two pending codes, expiring 1.5 s and 3.5 s from now (newest created first).
    let now = chrono::Utc::now().naive_utc();
    for (code, expires_in, created_ago) in [
        ("ABCDEFGHJKMNPQRS", 1500, 0),
        ("BCDEFGHJKMNPQRST", 3500, 1000),
    ] {
        app.db
            .execute(
                "INSERT INTO community_invitations (invitation_id, invitation_code, created_by, \
                 status, expires_at, created_at, updated_at) \
                 VALUES ($1, $2, $3, 'pending', $4, $5, $5)",
                vec![
                    Uuid::new_v4().into(),
                    code.into(),
                    created_by.clone().into(),
                    (now + chrono::Duration::milliseconds(expires_in)).into(),
                    (now - chrono::Duration::milliseconds(created_ago)).into(),
                ],
            )
            .await
            .unwrap();
    }
    let metrics = app.serve_metrics().await;
    let query = "{ communityInvitations(first: 5) { edges { node { status isExpired } } } }";
    let states = |data: &serde_json::Value| {
        data["communityInvitations"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|edge| edge["node"]["status"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    // The resolvers answer first; the answer is kept until the first code expires.
    let fresh = app.data(query, json!({})).await;
    assert_eq!(
        fresh["communityInvitations"]["edges"][0]["node"],
        json!({ "status": "PENDING", "isExpired": false })
    );
    assert_eq!(states(&fresh), ["PENDING", "PENDING"]);
    app.take_statements();
    assert_eq!(app.data(query, json!({})).await, fresh);
    assert_eq!(app.take_statements(), Vec::<String>::new());
    tokio::time::sleep(Duration::from_millis(1700)).await;
    // Then the plan answers, and its answer is kept only until the second code expires.
    let later = app.data(query, json!({})).await;
    assert_eq!(
        later["communityInvitations"]["edges"][0]["node"],
        json!({ "status": "EXPIRED", "isExpired": true })
    );
    assert_eq!(states(&later), ["EXPIRED", "PENDING"]);
    let planned = Scrape::of(&metrics)
        .await
        .sample("gateway_planner_operations_total", &[("result", "planned")]);
    assert_eq!(planned, Some(1.0));
    assert_eq!(app.data(query, json!({})).await, later);
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let latest = app.data(query, json!({})).await;
    assert_eq!(states(&latest), ["EXPIRED", "EXPIRED"]);
}

#[tokio::test]
async fn answers_with_errors_are_never_kept() {
    let app = TestApp::spawn().await;
    let metrics = app.serve_metrics().await;
    let query = "{ campaigns(first: 5, after: \"not a cursor\") { totalCount } }";
    let first = app.graphql(query, json!({})).await;
    assert!(first.get("errors").is_some(), "{first:#}");
    let second = app.graphql(query, json!({})).await;
    assert_eq!(first, second);
    assert_eq!(lookups(&metrics, "hit").await, 0);
    assert_eq!(lookups(&metrics, "miss").await, 2);
}

#[tokio::test]
async fn a_cache_of_zero_megabytes_is_off() {
    let http = api::config::HttpOptions {
        response_cache_mb: 0,
        ..api::config::HttpOptions::default()
    };
    let app = TestApp::spawn_configured(api::limits::Limits::default(), http).await;
    app.db.insert_campaign_graph().await;
    app.graphql(CAMPAIGNS, json!({})).await;
    app.take_statements();
    app.graphql(CAMPAIGNS, json!({})).await;
    assert!(!app.take_statements().is_empty());
}

#[tokio::test]
async fn the_cache_stays_within_its_size_and_counts_what_it_evicts() {
    let http = api::config::HttpOptions {
        response_cache_mb: 1,
        ..api::config::HttpOptions::default()
    };
    let app = TestApp::spawn_configured(api::limits::Limits::default(), http).await;
    let metrics = app.serve_metrics().await;
    app.db.insert_campaign_graph().await;
    // Distinct queries of about 40 KiB each: 60 of them are more than a megabyte.
    let padding = "a".repeat(40 * 1024);
    for number in 0..60 {
        let query =
            format!("query Q{number} {{ campaigns(first: 1) {{ totalCount }} }} # {padding}");
        let body = app.graphql(&query, json!({})).await;
        assert!(body.get("errors").is_none(), "{body:#}");
    }
    let size = metric(&metrics, "gateway_response_cache_size_bytes", &[]).await;
    assert!(size > 0.0 && size <= 1024.0 * 1024.0, "{size}");
    assert!(metric(&metrics, "gateway_response_cache_evictions_total", &[]).await > 0.0);
}

#[tokio::test]
#[ignore = "needs PostgreSQL: one SQLite file serves one replica"]
async fn a_write_on_one_replica_is_seen_by_the_next_read_on_another() {
    let app = TestApp::spawn().await;
    let campaign = renameable_campaign(&app).await;
    let replica = app.replica().await;
    let client = reqwest::Client::new();
    let admin = token(Role::Admin, None);
    let read = || async {
        let (_, body) = post_graphql(
            &client,
            &replica.address,
            Some(&admin),
            &json!({ "query": CAMPAIGNS }),
        )
        .await;
        names(&body)
    };
    let before = read().await;
    assert_eq!(read().await, before);
    for round in 0..20 {
        let name = format!("Round {round}");
        app.data(RENAME, json!({ "id": campaign, "name": name }))
            .await;
        assert_eq!(read().await, [name]);
    }
}

#[tokio::test]
async fn the_overview_is_kept_until_a_snapshot_ages_into_its_week_comparison() {
    let app = TestApp::spawn().await;
    let (_, _, _, campaign) = app.db.insert_campaign_graph().await;
    let almost_a_week_ago =
        chrono::Utc::now() - chrono::Duration::days(7) + chrono::Duration::milliseconds(1500);
    app.db
        .try_insert_snapshot(campaign, almost_a_week_ago)
        .await
        .unwrap();
    let query = "query Overview($id: ID!) { campaign(id: $id) {
        overview { changeSince7Days { snapshotDate } } } }";
    let week =
        |data: &Value| data["campaign"]["overview"]["changeSince7Days"]["snapshotDate"].clone();
    let before = app.data(query, json!({ "id": campaign })).await;
    assert_eq!(week(&before), Value::Null);
    app.take_statements();
    assert_eq!(app.data(query, json!({ "id": campaign })).await, before);
    assert_eq!(app.take_statements(), Vec::<String>::new());
    tokio::time::sleep(Duration::from_millis(1700)).await;
    let after = app.data(query, json!({ "id": campaign })).await;
    assert!(week(&after).is_string(), "{after:#}");
}

#[tokio::test]
#[ignore = "needs PostgreSQL: SQLite reads its versions from the database, with no listener"]
async fn a_replica_whose_listener_is_lost_bypasses_the_cache_until_it_listens_again() {
    let app = TestApp::spawn().await;
    let metrics = app.serve_metrics().await;
    let (_, _, _, campaign) = app.db.insert_campaign_graph().await;
    app.graphql(CAMPAIGNS, json!({})).await;
    app.graphql(CAMPAIGNS, json!({})).await;
    assert_eq!(lookups(&metrics, "hit").await, 1);
    let terminated = app
        .db
        .scalar_i64(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE application_name = 'platform-gateway cache listener' \
               AND datname = current_database()",
            vec![],
        )
        .await;
    assert_eq!(terminated, 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Sent while nobody listens: this NOTIFY is lost.
    app.db
        .execute_out_of_band(
            RENAME_IN_SQL,
            vec!["Renamed while deaf".into(), campaign.into()],
        )
        .await
        .unwrap();
    assert_eq!(
        names(&app.graphql(CAMPAIGNS, json!({})).await),
        ["Renamed while deaf"]
    );
    // Listening again (after a second): older entries are not trusted, new ones are kept.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let hits = lookups(&metrics, "hit").await;
        let body = app.graphql(CAMPAIGNS, json!({})).await;
        assert_eq!(names(&body), ["Renamed while deaf"]);
        if lookups(&metrics, "hit").await > hits {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the cache never came back"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(lookups(&metrics, "bypass").await >= 1);
}

/// Reads that miss together run their statements once: while the first runs (held here by a
/// lock on its table), the same read asked again waits for its answer instead of running it.
#[tokio::test]
#[ignore = "needs PostgreSQL: a table lock holds the first read"]
async fn the_same_read_missed_together_runs_its_statements_once() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let app = TestApp::spawn().await;
    app.db.require_postgres();
    let metrics = app.serve_metrics().await;
    let campaign = renameable_campaign(&app).await;
    let lock = app.db.connection.begin().await.unwrap();
    lock.execute_unprepared("LOCK TABLE campaigns IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    app.take_statements();
    let askers = 6;
    let asked =
        futures_util::future::join_all((0..askers).map(|_| app.graphql(CAMPAIGNS, json!({}))));
    let released = async {
        let started = std::time::Instant::now();
        let waiting = "gateway_response_cache_waited_total";
        while metric(&metrics, waiting, &[]).await < f64::from(askers - 1) {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{} of the {} later askers wait for the first",
                metric(&metrics, waiting, &[]).await,
                askers - 1
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        lock.commit().await.unwrap();
    };
    let (answers, ()) = tokio::join!(asked, released);
    assert!(answers.iter().all(|answer| *answer == answers[0]));
    assert_eq!(names(&answers[0]).len(), 1, "{:#}", answers[0]);
    let together = app.take_statements();

    // What one read alone runs, once a write has made it a miss again.
    app.db
        .execute(RENAME_IN_SQL, vec!["Renamed".into(), campaign.into()])
        .await
        .unwrap();
    app.take_statements();
    assert_eq!(names(&app.graphql(CAMPAIGNS, json!({})).await), ["Renamed"]);
    let alone = app.take_statements();
    assert!(!alone.is_empty());
    assert_eq!(together, alone);
    assert_eq!(lookups(&metrics, "miss").await, askers as u64);
    assert_eq!(lookups(&metrics, "stale").await, 1);
}
