//! The one pagination mechanism end to end: paging 5 at a time through lists whose sort keys
//! are NULL in some rows sees every row exactly once, NULLs last, as many as `totalCount`; a
//! cursor of another ordering and a filter that does not parse are refused, naming the field.

use std::collections::HashSet;

use migration::demo::DemoSize;
use serde_json::{Value, json};
use tests::TestApp;
use tests::sql::uuid;

/// The campaigns a list shows when no filter says otherwise: all but the archived.
const LISTED: &str = "COALESCE(is_archived, FALSE) = FALSE";

use crate::read_more::assert_no_gaps_or_repeats;

fn size() -> DemoSize {
    DemoSize {
        companies: 3,
        campaigns: 4,
        instances_per_campaign: 2,
        days: 5,
        seed: 11,
    }
}

const PAGE: i64 = 5;

/// The `totalCount` of a top-level list with these arguments.
async fn total_count(app: &TestApp, field: &str, arguments: &str) -> usize {
    let query = format!("{{ {field}(first: 0{arguments}) {{ totalCount }} }}");
    app.data(&query, json!({})).await[field]["totalCount"]
        .as_u64()
        .expect("a totalCount") as usize
}

/// The `endCursor` of the first page of a top-level list with these arguments.
async fn first_cursor(app: &TestApp, field: &str, arguments: &str) -> String {
    let query = format!("{{ {field}(first: 2{arguments}) {{ pageInfo {{ endCursor }} }} }}");
    app.data(&query, json!({})).await[field]["pageInfo"]["endCursor"]
        .as_str()
        .expect("an endCursor")
        .to_owned()
}

/// Walks the Kintell sessions of every ingestion batch `page_size` at a time, checking every
/// row once in order (NULL completion times last) and `totalCount` on every page; returns how
/// many of those sessions have no completion time.
pub async fn walk_each_batch_of_sessions(app: &TestApp, page_size: i64) -> i64 {
    let mut without_completion = 0;
    for batch in app.db.ids("SELECT id FROM ingestion_batches", vec![]).await {
        let expected = app
            .db
            .ids(
                "SELECT id FROM kintell_sessions WHERE batch_id = $1 \
                 ORDER BY completed_at IS NULL, completed_at, id",
                vec![uuid(&batch)],
            )
            .await;
        without_completion += app
            .db
            .count(
                "SELECT COUNT(*) FROM kintell_sessions WHERE batch_id = $1 AND completed_at IS NULL",
                vec![uuid(&batch)],
            )
            .await;
        let ids = app
            .walk_nested(
                "ingestionBatch",
                &batch,
                "kintellSessions",
                page_size,
                expected.len(),
            )
            .await;
        assert_no_gaps_or_repeats(&ids, &expected, "IngestionBatch.kintellSessions");
    }
    without_completion
}

#[tokio::test]
async fn every_new_list_pages_forward_without_gaps_or_repeats() {
    let app = TestApp::spawn_with_demo(&size()).await;
    for (table, column) in [
        ("activities", "starts_at"),
        ("kintell_sessions", "completed_at"),
    ] {
        let nulls = app
            .db
            .count(
                &format!("SELECT COUNT(*) FROM {table} WHERE {column} IS NULL"),
                vec![],
            )
            .await;
        assert!(nulls > 0, "the demo data leaves some {table}.{column} NULL");
    }
    for (field, sql) in [
        (
            "ingestionBatches",
            "SELECT id FROM ingestion_batches ORDER BY created_at DESC, id DESC",
        ),
        (
            "kintellSessions",
            "SELECT id FROM kintell_sessions ORDER BY completed_at IS NULL, completed_at, id",
        ),
        ("programs", "SELECT id FROM programs ORDER BY name, id"),
        (
            "activities",
            "SELECT id FROM activities ORDER BY starts_at IS NULL, starts_at, id",
        ),
        (
            "applications",
            "SELECT id FROM applications ORDER BY submitted_at DESC, id DESC",
        ),
        ("users", "SELECT id FROM users ORDER BY email, id"),
        (
            "communityMembers",
            "SELECT id FROM community_members WHERE deleted_at IS NULL ORDER BY created_at, id",
        ),
        (
            "communityInvitations",
            "SELECT invitation_id FROM community_invitations ORDER BY created_at DESC, invitation_id DESC",
        ),
    ] {
        let expected = app.db.ids(sql, vec![]).await;
        assert!(expected.len() > 2, "the demo data should fill {field}");
        assert_eq!(
            expected.len(),
            total_count(&app, field, "").await,
            "{field}"
        );
        for page_size in [2, PAGE, 7] {
            let ids = app.walk(field, "", page_size).await;
            assert_no_gaps_or_repeats(&ids, &expected, field);
        }
    }
}

#[tokio::test]
async fn campaigns_by_a_nullable_key_page_through_every_row_once_nulls_last() {
    let app = TestApp::spawn_with_demo(&size()).await;
    let all: HashSet<String> = app
        .db
        .ids(&format!("SELECT id FROM campaigns WHERE {LISTED}"), vec![])
        .await
        .into_iter()
        .collect();
    let null_keys: HashSet<String> = app
        .db
        .ids(
            &format!("SELECT id FROM campaigns WHERE capacity_utilization IS NULL AND {LISTED}"),
            vec![],
        )
        .await
        .into_iter()
        .collect();
    for direction in ["ASC", "DESC"] {
        let arguments =
            format!(", orderBy: [{{field: CAPACITY_UTILIZATION, direction: {direction}}}]");
        let ids = app.walk("campaigns", &arguments, PAGE).await;
        let unique: HashSet<String> = ids.iter().cloned().collect();
        assert_eq!(
            unique.len(),
            ids.len(),
            "{direction}: a campaign came twice"
        );
        assert_eq!(unique, all, "{direction}: every campaign once");
        assert_eq!(ids.len(), total_count(&app, "campaigns", &arguments).await);
        let tail: HashSet<String> = ids[ids.len() - null_keys.len()..].iter().cloned().collect();
        assert_eq!(tail, null_keys, "{direction}: NULL utilizations come last");
    }
}

#[tokio::test]
async fn each_batch_of_sessions_pages_through_every_row_once_nulls_last() {
    let app = TestApp::spawn_with_demo(&size()).await;
    let with_nulls = walk_each_batch_of_sessions(&app, PAGE).await;
    assert!(
        with_nulls > 0,
        "some batch holds sessions without a completion time"
    );
}

#[tokio::test]
async fn a_cursor_of_another_ordering_is_bad_input_on_after() {
    let app = TestApp::spawn_with_demo(&size()).await;
    let activities = first_cursor(&app, "activities", "").await;
    let programs = first_cursor(&app, "programs", "").await;
    let members = first_cursor(&app, "communityMembers", "").await;
    let by_name = first_cursor(&app, "campaigns", ", orderBy: [{field: NAME}]").await;
    let batch = app
        .db
        .id(
            "SELECT id FROM ingestion_batches ORDER BY id LIMIT 1",
            vec![],
        )
        .await;
    // Each pair has sort keys of the same kind, so only the ordering tells them apart.
    for query in [
        format!("{{ kintellSessions(after: \"{activities}\") {{ totalCount }} }}"),
        format!("{{ users(after: \"{programs}\") {{ totalCount }} }}"),
        format!("{{ communityInvitations(after: \"{members}\") {{ totalCount }} }}"),
        format!(
            "{{ campaigns(after: \"{by_name}\", orderBy: [{{field: NAME, direction: DESC}}]) {{ totalCount }} }}"
        ),
        format!(
            "{{ ingestionBatch(id: \"{batch}\") {{ kintellSessions(after: \"{activities}\") {{ totalCount }} }} }}"
        ),
    ] {
        app.refused(&query, Value::Null, "BAD_USER_INPUT", Some("after"))
            .await;
    }
}

#[tokio::test]
async fn a_filter_that_does_not_parse_is_bad_input_naming_the_field() {
    let app = TestApp::spawn_with_demo(&size()).await;
    for (query, field) in [
        (
            "{ companies(first: 2) { nodes { campaigns(filter: {companyId: \"x\"}) { totalCount } } } }",
            "filter.companyId",
        ),
        (
            "{ companies(first: 2) { nodes { campaigns(filter: {utilizationAtLeast: \"-1\"}) { totalCount } } } }",
            "filter.utilizationAtLeast",
        ),
        (
            "{ campaigns(first: 2) { nodes { programInstances(filter: {campaignId: \"x\"}) { totalCount } } } }",
            "filter.campaignId",
        ),
    ] {
        app.refused(query, Value::Null, "BAD_USER_INPUT", Some(field))
            .await;
    }
}
