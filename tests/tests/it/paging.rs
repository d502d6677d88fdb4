//! The one pagination mechanism end to end: paging 5 at a time through lists whose sort keys
//! are NULL in some rows sees every row exactly once, NULLs last, as many as `totalCount`; a
//! cursor of another ordering and a filter that does not parse are refused, naming the field.

use std::collections::HashSet;

use migration::demo::DemoSize;
use serde_json::{Value, json};
use tests::TestApp;
use tests::sql::uuid;

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

/// `ids` hold no repeats and are exactly `expected`, in order.
fn assert_every_row_once(ids: &[String], expected: &[String], what: &str) {
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "{what}: a row came twice");
    assert_eq!(ids, expected, "{what}: every row once, NULL keys last");
}

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

#[tokio::test]
async fn top_level_lists_with_null_sort_keys_page_through_every_row_once() {
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
            "activities",
            "SELECT id FROM activities ORDER BY starts_at IS NULL, starts_at, id",
        ),
        (
            "kintellSessions",
            "SELECT id FROM kintell_sessions ORDER BY completed_at IS NULL, completed_at, id",
        ),
        (
            "communityMembers",
            "SELECT id FROM community_members WHERE deleted_at IS NULL ORDER BY created_at, id",
        ),
        (
            "communityInvitations",
            "SELECT invitation_id FROM community_invitations \
             ORDER BY created_at DESC, invitation_id DESC",
        ),
    ] {
        let expected = app.db.ids(sql, vec![]).await;
        assert!(
            expected.len() > PAGE as usize,
            "the demo data fills {field}"
        );
        let ids = app.walk(field, "", PAGE).await;
        assert_every_row_once(&ids, &expected, field);
        assert_eq!(ids.len(), total_count(&app, field, "").await, "{field}");
    }
}

#[tokio::test]
async fn campaigns_by_a_nullable_key_page_through_every_row_once_nulls_last() {
    let app = TestApp::spawn_with_demo(&size()).await;
    let all: HashSet<String> = app
        .db
        .ids("SELECT id FROM campaigns", vec![])
        .await
        .into_iter()
        .collect();
    let null_keys: HashSet<String> = app
        .db
        .ids(
            "SELECT id FROM campaigns WHERE capacity_utilization IS NULL",
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
async fn nested_lists_with_null_sort_keys_page_through_every_row_once() {
    let app = TestApp::spawn_with_demo(&size()).await;
    let mut saw_null = false;
    for batch in app.db.ids("SELECT id FROM ingestion_batches", vec![]).await {
        let expected = app
            .db
            .ids(
                "SELECT id FROM kintell_sessions WHERE batch_id = $1 \
                 ORDER BY completed_at IS NULL, completed_at, id",
                vec![uuid(&batch)],
            )
            .await;
        saw_null |= app
            .db
            .count(
                "SELECT COUNT(*) FROM kintell_sessions WHERE batch_id = $1 AND completed_at IS NULL",
                vec![uuid(&batch)],
            )
            .await
            > 0;
        let ids = app
            .walk_nested(
                "ingestionBatch",
                &batch,
                "kintellSessions",
                PAGE,
                expected.len(),
            )
            .await;
        assert_every_row_once(&ids, &expected, "IngestionBatch.kintellSessions");
    }
    assert!(
        saw_null,
        "some batch holds sessions without a completion time"
    );

    let member = app
        .db
        .id(
            "SELECT m.id FROM community_members m WHERE m.deleted_at IS NULL AND \
             (SELECT COUNT(*) FROM community_invitations i WHERE i.created_by = m.member_id) > 1 \
             ORDER BY m.id LIMIT 1",
            vec![],
        )
        .await;
    let expected = app
        .db
        .ids(
            "SELECT invitation_id FROM community_invitations WHERE created_by = \
             (SELECT member_id FROM community_members WHERE id = $1) \
             ORDER BY created_at DESC, invitation_id DESC",
            vec![uuid(&member)],
        )
        .await;
    let ids = app
        .walk_nested(
            "communityMember",
            &member,
            "invitationsCreated",
            1,
            expected.len(),
        )
        .await;
    assert_every_row_once(&ids, &expected, "CommunityMember.invitationsCreated");
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
