//! Community relationships, the reputation leaderboard and participation across members,
//! through the real server: moderators record and end MENTORED and COLLABORATED relationships
//! (coded refusals write nothing; every change is audited), members list them by kind, the
//! leaderboard pages by keyset on reputation, and participation is queried by date range,
//! type and platform.

use api::auth::Role;
use serde_json::{Value, json};
use tests::TestApp;
use tests::app::token;
use uuid::Uuid;

const CREATE: &str = "mutation Relate($input: CreateMemberRelationshipInput!) {
  createMemberRelationship(input: $input) {
    id entityIdA entityIdB relationshipType content endedAt memberA { memberId } memberB { memberId } } }";

const END: &str = "mutation End($id: ID!) { endMemberRelationship(id: $id) { id endedAt } }";

const RELATIONSHIPS: &str = "query($id: ID!, $type: MemberRelationshipType, $ended: Boolean) {
  communityMember(id: $id) { relationships(type: $type, includeEnded: $ended) {
    id relationshipType entityIdA entityIdB endedAt } } }";

/// Creates a member as an admin; returns (row id, member number).
async fn member(app: &TestApp, telegram_id: &str, name: &str) -> (String, String) {
    let data = app
        .data(
            "mutation($input: CreateMemberInput!) { createMember(input: $input) { id memberId } }",
            json!({ "input": { "telegramId": telegram_id, "name": name, "primaryRole": "developer" } }),
        )
        .await;
    (
        data["createMember"]["id"].as_str().unwrap().to_owned(),
        data["createMember"]["memberId"]
            .as_str()
            .unwrap()
            .to_owned(),
    )
}

fn relate(a: &str, b: &str, kind: &str) -> Value {
    json!({ "input": { "memberId": a, "relatedMemberId": b, "relationshipType": kind } })
}

/// The ids of a member's relationships, as listed.
async fn listed(app: &TestApp, member: &str, kind: Value, ended: Value) -> Vec<String> {
    let data = app
        .data(
            RELATIONSHIPS,
            json!({ "id": member, "type": kind, "ended": ended }),
        )
        .await;
    data["communityMember"]["relationships"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_moderator_records_and_ends_relationships_and_members_list_them_by_kind() {
    let app = TestApp::spawn().await;
    let (ada, ada_number) = member(&app, "700000001", "Ada").await;
    let (bob, bob_number) = member(&app, "700000002", "Bob").await;
    let (cy, _) = member(&app, "700000003", "Cy").await;
    let moderator = token(Role::CommunityModerator, None);

    let (_, body) = app
        .graphql_as(
            Some(&moderator),
            CREATE,
            json!({ "input": { "memberId": ada, "relatedMemberId": bob, "relationshipType": "MENTORED",
                               "content": { "topic": "Rust" } } }),
        )
        .await;
    let mentored = &body["data"]["createMemberRelationship"];
    assert_eq!(mentored["relationshipType"], "MENTORED", "{body}");
    assert_eq!(mentored["entityIdA"], ada_number.as_str());
    assert_eq!(mentored["entityIdB"], bob_number.as_str());
    assert_eq!(mentored["content"], json!({ "topic": "Rust" }));
    assert_eq!(mentored["memberB"]["memberId"], bob_number.as_str());
    assert!(mentored["endedAt"].is_null());
    let mentored = mentored["id"].as_str().unwrap().to_owned();
    let collaborated =
        app.data(CREATE, relate(&cy, &ada, "COLLABORATED")).await["createMemberRelationship"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
    // The other direction of a mentorship is another relationship.
    let mentored_back =
        app.data(CREATE, relate(&bob, &ada, "MENTORED")).await["createMemberRelationship"]["id"]
            .as_str()
            .unwrap()
            .to_owned();

    assert_eq!(
        listed(&app, &ada, Value::Null, Value::Null).await,
        [
            mentored.clone(),
            collaborated.clone(),
            mentored_back.clone()
        ]
    );
    assert_eq!(
        listed(&app, &ada, json!("MENTORED"), Value::Null).await,
        [mentored.clone(), mentored_back.clone()]
    );
    assert_eq!(
        listed(&app, &cy, json!("COLLABORATED"), Value::Null).await,
        std::slice::from_ref(&collaborated)
    );
    assert!(
        listed(&app, &cy, json!("MENTORED"), Value::Null)
            .await
            .is_empty()
    );

    let (_, body) = app
        .graphql_as(Some(&moderator), END, json!({ "id": mentored }))
        .await;
    assert!(
        !body["data"]["endMemberRelationship"]["endedAt"].is_null(),
        "{body}"
    );
    assert_eq!(
        listed(&app, &bob, Value::Null, Value::Null).await,
        std::slice::from_ref(&mentored_back)
    );
    assert_eq!(
        listed(&app, &bob, Value::Null, json!(true)).await,
        [mentored.clone(), mentored_back]
    );
    // Ended, the pair may start a new mentorship.
    app.data(CREATE, relate(&ada, &bob, "MENTORED")).await;

    for mutation in ["createMemberRelationship", "endMemberRelationship"] {
        let audited = app
            .db
            .texts(
                "SELECT CAST(touched AS TEXT) FROM audit_log WHERE mutation = $1",
                vec![mutation.into()],
            )
            .await;
        assert!(!audited.is_empty(), "{mutation} has no audit row");
        assert!(
            audited.iter().all(|row| row.contains("MemberRelationship")),
            "{audited:?}"
        );
    }
    let by_moderator = app
        .db
        .count(
            "SELECT COUNT(*) FROM audit_log WHERE role = 'community_moderator'
             AND mutation IN ('createMemberRelationship', 'endMemberRelationship')",
            vec![],
        )
        .await;
    assert_eq!(by_moderator, 2);
}

#[tokio::test]
async fn relationships_that_break_a_rule_are_refused_and_write_nothing() {
    let app = TestApp::spawn().await;
    let (ada, _) = member(&app, "700000001", "Ada").await;
    let (bob, _) = member(&app, "700000002", "Bob").await;
    let (gone, _) = member(&app, "700000003", "Gone").await;
    app.data(
        "mutation($id: ID!) { deleteMember(id: $id) { id } }",
        json!({ "id": gone }),
    )
    .await;
    let collaboration = app
        .data(CREATE, relate(&ada, &bob, "COLLABORATED"))
        .await["createMemberRelationship"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    app.refused(
        CREATE,
        relate(&ada, &ada, "MENTORED"),
        "BAD_USER_INPUT",
        Some("input.relatedMemberId"),
    )
    .await;
    app.refused(
        CREATE,
        relate(&ada, &bob, "INVITED"),
        "BAD_USER_INPUT",
        Some("input.relationshipType"),
    )
    .await;
    app.refused(
        CREATE,
        relate(&ada, "nope", "MENTORED"),
        "BAD_USER_INPUT",
        Some("input.relatedMemberId"),
    )
    .await;
    let mut not_an_object = relate(&ada, &bob, "MENTORED");
    not_an_object["input"]["content"] = json!([1, 2]);
    app.refused(
        CREATE,
        not_an_object,
        "BAD_USER_INPUT",
        Some("input.content"),
    )
    .await;
    for (a, b) in [
        (ada.clone(), gone.clone()),
        (Uuid::new_v4().to_string(), bob.clone()),
    ] {
        app.refused(CREATE, relate(&a, &b, "MENTORED"), "NOT_FOUND", None)
            .await;
    }
    // A collaboration has no direction: B with A is the one A with B already has.
    let message = app
        .refused(CREATE, relate(&bob, &ada, "COLLABORATED"), "CONFLICT", None)
        .await;
    assert!(message.contains("COLLABORATED"), "{message}");

    app.db
        .execute(
            "INSERT INTO member_relationships (id, entity_id_a, entity_id_b, relationship_type, content, created_at)
             VALUES ($1, '#1', '#2', 'INVITED', '{}', '2026-01-01 00:00:00')",
            vec![tests::sql::uuid(Uuid::new_v4())],
        )
        .await
        .expect("an INVITED row");
    let invited = app
        .db
        .id(
            "SELECT id FROM member_relationships WHERE relationship_type = 'INVITED'",
            vec![],
        )
        .await;
    app.refused(END, json!({ "id": invited }), "CONFLICT", None)
        .await;
    app.data(END, json!({ "id": collaboration })).await;
    app.refused(END, json!({ "id": collaboration }), "CONFLICT", None)
        .await;
    app.refused(END, json!({ "id": Uuid::new_v4() }), "NOT_FOUND", None)
        .await;

    let before = app.db.contents().await;
    for role in [
        Role::CompanyAdmin,
        Role::CompanyViewer,
        Role::ProgramStaff,
        Role::Ingestion,
    ] {
        let caller = token(role, role.is_company_role().then(Uuid::new_v4));
        let (_, body) = app
            .graphql_as(Some(&caller), CREATE, relate(&ada, &bob, "MENTORED"))
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{role:?}: {body}"
        );
    }
    assert_eq!(app.db.contents().await, before);
}

#[tokio::test]
async fn the_leaderboard_orders_members_by_reputation_and_pages_by_keyset() {
    let app = TestApp::spawn().await;
    let scores = [120, 900, 0, 450, 900, 30, 450];
    let mut members = Vec::new();
    for (index, score) in scores.iter().enumerate() {
        let (id, _) = member(
            &app,
            &format!("70000001{index}"),
            &format!("Member {index}"),
        )
        .await;
        if *score > 0 {
            app.data(
                "mutation($id: ID!, $delta: Int!) { adjustReputation(memberId: $id, input: {delta: $delta, reason: \"Helped\"}) { previousScore } }",
                json!({ "id": id, "delta": score }),
            )
            .await;
        }
        members.push((id, *score, index));
    }
    // Highest first; on a tie, the member who joined first.
    let mut expected = members.clone();
    expected.sort_by_key(|(_, score, index)| (-score, *index));
    let expected: Vec<String> = expected.into_iter().map(|(id, _, _)| id).collect();
    for page_size in [1, 2, 3, 7] {
        assert_eq!(
            app.walk("communityMembers", ", orderBy: REPUTATION_DESC", page_size)
                .await,
            expected,
            "pages of {page_size}"
        );
    }
    let data = app
        .data(
            "{ communityMembers(first: 2, orderBy: REPUTATION_DESC, filter: { reputationAtLeast: 400 }) {
                 totalCount nodes { reputationScore reputationTier } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["communityMembers"]["totalCount"], 4);
    assert_eq!(data["communityMembers"]["nodes"][0]["reputationScore"], 900);

    // A cursor of the default order does not page the leaderboard.
    let cursor = app
        .data(
            "{ communityMembers(first: 1) { pageInfo { endCursor } } }",
            json!({}),
        )
        .await["communityMembers"]["pageInfo"]["endCursor"]
        .clone();
    let (code, field, _) = app
        .error(
            "query($after: String) { communityMembers(after: $after, orderBy: REPUTATION_DESC) { totalCount } }",
            json!({ "after": cursor }),
        )
        .await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("BAD_USER_INPUT", Some("after"))
    );
}

#[tokio::test]
async fn participation_is_queried_across_members_by_date_range_and_type() {
    let app = TestApp::spawn().await;
    let (ada, ada_number) = member(&app, "700000001", "Ada").await;
    let (bob, _) = member(&app, "700000002", "Bob").await;
    let (gone, _) = member(&app, "700000003", "Gone").await;
    let record = |member: &str, kind: &str, platform: &str, at: &str| {
        json!({ "id": member, "input": { "eventType": kind, "platform": platform, "roomId": "general",
                                          "occurredAt": at, "voiceMinutes": if kind == "VOICE" { json!(15) } else { Value::Null } } })
    };
    let events = [
        (&ada, "MESSAGE", "telegram", "2026-03-01T10:00:00Z"),
        (&ada, "VOICE", "discord", "2026-03-02T10:00:00Z"),
        (&bob, "MESSAGE", "telegram", "2026-03-03T10:00:00Z"),
        (&bob, "REACTION", "telegram", "2026-03-04T10:00:00Z"),
        (&ada, "MESSAGE", "telegram", "2026-03-05T10:00:00Z"),
        (&gone, "MESSAGE", "telegram", "2026-03-03T12:00:00Z"),
    ];
    let mut ids = Vec::new();
    for (member, kind, platform, at) in events {
        let data = app
            .data(
                "mutation($id: ID!, $input: RecordParticipationInput!) { recordParticipation(memberId: $id, input: $input) { event { id } } }",
                record(member, kind, platform, at),
            )
            .await;
        ids.push(
            data["recordParticipation"]["event"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    app.data(
        "mutation($id: ID!) { deleteMember(id: $id) { id } }",
        json!({ "id": gone }),
    )
    .await;

    // Newest first, removed members' events left out, every row once across pages.
    let all = app.walk("memberParticipation", "", 2).await;
    assert_eq!(
        all,
        [
            ids[4].clone(),
            ids[3].clone(),
            ids[2].clone(),
            ids[1].clone(),
            ids[0].clone()
        ]
    );

    let window = ", filter: { from: \"2026-03-02T00:00:00Z\", to: \"2026-03-05T00:00:00Z\" }";
    assert_eq!(
        app.walk("memberParticipation", window, 1).await,
        [ids[3].clone(), ids[2].clone(), ids[1].clone()]
    );
    let messages = ", filter: { type: [\"message\"], platform: \"Telegram\" }";
    assert_eq!(
        app.walk("memberParticipation", messages, 5).await,
        [ids[4].clone(), ids[2].clone(), ids[0].clone()]
    );
    let data = app
        .data(
            "query($members: [String!]) { memberParticipation(filter: { memberIds: $members, type: [\"MESSAGE\", \"VOICE\"] }) {
                 totalCount nodes { eventType member { memberId } } } }",
            json!({ "members": [ada_number] }),
        )
        .await;
    assert_eq!(data["memberParticipation"]["totalCount"], 3);
    assert_eq!(
        data["memberParticipation"]["nodes"][0]["member"]["memberId"],
        ada_number.as_str()
    );

    let (code, field, _) = app
        .error(
            "{ memberParticipation(filter: { from: \"2026-03-05T00:00:00Z\", to: \"2026-03-01T00:00:00Z\" }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("BAD_USER_INPUT", Some("filter.to"))
    );
    let (_, body) = app
        .graphql_as(
            Some(&token(Role::CompanyViewer, Some(Uuid::new_v4()))),
            "{ memberParticipation { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{body}"
    );
}
