//! Community directory mutations through the real server: invitation codes and their single
//! use, member numbers and unique Telegram ids, GitHub verification, soft delete,
//! participation events with their daily highlights, reputation tiers, and who may write.

use api::auth::Role;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{Value, json};
use tests::TestApp;
use tests::app::token;
use tests::sql::{text, uuid};
use uuid::Uuid;

const MEMBER_FIELDS: &str = "id memberId telegramId telegramUsername name primaryRole organization
  country status reputationScore reputationTier registrationFeePaid registrationFeeTxHash
  githubUsername githubVerified githubVerifiedAt githubProfileData lastActiveAt profileData
  invitedBy { memberId }";

const INVITATION_FIELDS: &str = "id invitationCode invitedTelegramUsername status expiresAt
  acceptedAt createdBy { memberId } acceptedBy { memberId }";

fn create_member_query() -> String {
    format!(
        "mutation Create($input: CreateMemberInput!) {{ createMember(input: $input) {{ {MEMBER_FIELDS} }} }}"
    )
}

fn update_member_query() -> String {
    format!(
        "mutation Update($id: ID!, $input: UpdateMemberInput!) {{
           updateMember(id: $id, input: $input) {{ {MEMBER_FIELDS} }} }}"
    )
}

fn create_invitation_query() -> String {
    format!(
        "mutation Invite($input: CreateInvitationInput!) {{
           createInvitation(input: $input) {{ {INVITATION_FIELDS} }} }}"
    )
}

fn accept_query() -> String {
    format!(
        "mutation Accept($code: String!, $input: MemberDetailsInput!) {{
           acceptInvitation(code: $code, input: $input) {{
             member {{ {MEMBER_FIELDS} }}
             invitation {{ {INVITATION_FIELDS} }}
             relationship {{ entityIdA entityIdB relationshipType content }} }} }}"
    )
}

const REVOKE: &str = "mutation Revoke($id: ID!) { revokeInvitation(id: $id) { id status } }";

const VERIFY: &str = "mutation Verify($id: ID!, $input: VerifyMemberGithubInput!) {
  verifyMemberGithub(id: $id, input: $input) {
    id githubUsername githubVerified githubVerifiedAt githubProfileData } }";

const DELETE: &str = "mutation Remove($id: ID!) {
  deleteMember(id: $id) { id memberId deletedAt revokedInvitations { id status } } }";

const RECORD: &str = "mutation Record($memberId: ID!, $input: RecordParticipationInput!) {
  recordParticipation(memberId: $memberId, input: $input) {
    member { id lastActiveAt }
    event { id eventType platform roomId eventMetadata occurredAt }
    highlight { highlightDate messageCount reactionCount voiceMinutes reputationEarned } } }";

const ADJUST: &str = "mutation Adjust($memberId: ID!, $input: AdjustReputationInput!) {
  adjustReputation(memberId: $memberId, input: $input) {
    member { id reputationScore reputationTier }
    previousScore previousTier
    event { eventType platform roomId eventMetadata }
    highlight { highlightDate reputationEarned } } }";

/// Details of a new member with this Telegram id.
fn details(telegram_id: &str, name: &str) -> Value {
    json!({ "telegramId": telegram_id, "name": name, "primaryRole": "developer" })
}

/// Creates a member as an admin; returns (row id, member number).
async fn create_member(app: &TestApp, telegram_id: &str, name: &str) -> (Uuid, String) {
    let data = app
        .data(
            &create_member_query(),
            json!({ "input": details(telegram_id, name) }),
        )
        .await;
    let member = &data["createMember"];
    (
        member["id"].as_str().unwrap().parse().unwrap(),
        member["memberId"].as_str().unwrap().to_owned(),
    )
}

/// Creates an invitation by `inviter` as an admin; returns (row id, code).
async fn create_invitation(app: &TestApp, inviter: Uuid, extra: Value) -> (Uuid, String) {
    let mut input = json!({ "createdBy": inviter });
    if let (Some(input), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
        input.extend(extra.clone());
    }
    let data = app
        .data(&create_invitation_query(), json!({ "input": input }))
        .await;
    let invitation = &data["createInvitation"];
    (
        invitation["id"].as_str().unwrap().parse().unwrap(),
        invitation["invitationCode"].as_str().unwrap().to_owned(),
    )
}

fn timestamp(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .unwrap_or_else(|| panic!("a timestamp, got {value}"))
        .parse()
        .unwrap()
}

#[tokio::test]
async fn members_get_numbers_in_sequence_after_the_highest_one_removed_members_included() {
    let app = TestApp::spawn().await;
    let data = app
        .data(
            &create_member_query(),
            json!({ "input": {
                "telegramId": " 700000001 ", "telegramUsername": "@maria_dev", "name": " María López ",
                "primaryRole": "designer", "organization": "Frutero", "country": "Mexico",
                "profileData": { "bio": "UX" } } }),
        )
        .await;
    let first = &data["createMember"];
    assert_eq!(first["memberId"], "#1");
    assert_eq!(first["telegramId"], "700000001");
    assert_eq!(first["telegramUsername"], "maria_dev");
    assert_eq!(first["name"], "María López");
    assert_eq!(first["status"], "ACTIVE");
    assert_eq!(first["reputationScore"], 0);
    assert_eq!(first["reputationTier"], "Novice");
    assert_eq!(first["githubVerified"], false);
    assert_eq!(first["profileData"], json!({ "bio": "UX" }));
    assert!(first["invitedBy"].is_null());
    let first_id: Uuid = first["id"].as_str().unwrap().parse().unwrap();
    let stored = app
        .db
        .scalar_i64(
            "SELECT COUNT(*) FROM community_members WHERE id = $1 AND member_id = '#1' \
             AND telegram_id = '700000001' AND name = 'María López' AND status = 'active' \
             AND reputation_tier = 'Novice' AND invited_by IS NULL AND deleted_at IS NULL",
            vec![uuid(first_id)],
        )
        .await;
    assert_eq!(stored, 1);

    let (_, second) = create_member(&app, "700000002", "Pedro").await;
    assert_eq!(second, "#2");

    // A removed #247 still holds its number; a number that is not numeric is ignored.
    app.db
        .execute(
            "INSERT INTO community_members (id, member_id, telegram_id, name, primary_role, deleted_at) \
             VALUES ($1, '#247', '700000247', 'Gone', 'developer', $2)",
            vec![
                uuid(Uuid::new_v4()),
                Utc::now().naive_utc().into(),
            ],
        )
        .await
        .unwrap();
    app.db
        .execute(
            "INSERT INTO community_members (id, member_id, telegram_id, name, primary_role) \
             VALUES ($1, '#vip9999', '700009999', 'Guest', 'founder')",
            vec![uuid(Uuid::new_v4())],
        )
        .await
        .unwrap();
    let data = app
        .data(
            &create_member_query(),
            json!({ "input": { "telegramId": "700000003", "name": "Ana", "primaryRole": "student",
                               "status": "PENDING" } }),
        )
        .await;
    assert_eq!(data["createMember"]["memberId"], "#248");
    assert_eq!(data["createMember"]["status"], "PENDING");
    let numbered = app
        .db
        .scalar_i64(
            "SELECT COUNT(*) FROM community_members WHERE member_id IN ('#1', '#2', '#248')",
            vec![],
        )
        .await;
    assert_eq!(numbered, 3);
}

#[tokio::test]
async fn a_taken_telegram_id_is_a_conflict_on_that_field_even_when_its_member_was_removed() {
    let app = TestApp::spawn().await;
    let (first, _) = create_member(&app, "700000001", "María").await;
    let (second, _) = create_member(&app, "700000002", "Pedro").await;

    let message = app
        .refused(
            &create_member_query(),
            json!({ "input": details("700000001", "Copy") }),
            "CONFLICT",
            Some("input.telegramId"),
        )
        .await;
    assert!(message.contains("#1"), "{message}");

    let message = app
        .refused(
            &update_member_query(),
            json!({ "id": second, "input": { "telegramId": "700000001" } }),
            "CONFLICT",
            Some("input.telegramId"),
        )
        .await;
    assert!(message.contains("#1"), "{message}");

    app.data(DELETE, json!({ "id": first })).await;
    let message = app
        .refused(
            &create_member_query(),
            json!({ "input": details("700000001", "Back again") }),
            "CONFLICT",
            Some("input.telegramId"),
        )
        .await;
    assert!(message.contains("removed member #1"), "{message}");
}

#[tokio::test]
async fn member_details_are_checked_before_anything_is_written() {
    let app = TestApp::spawn().await;
    let (inviter, _) = create_member(&app, "700000001", "María").await;
    let (_, code) = create_invitation(&app, inviter, json!({})).await;
    let cases = [
        ("telegramId", json!("12ab"), "input.telegramId"),
        ("telegramUsername", json!("abc"), "input.telegramUsername"),
        ("name", json!("   "), "input.name"),
        ("primaryRole", json!("x".repeat(51)), "input.primaryRole"),
        ("organization", json!(""), "input.organization"),
        ("country", json!("c".repeat(101)), "input.country"),
        ("profileData", json!([1, 2]), "input.profileData"),
    ];
    for (key, value, field) in cases {
        let mut input = details("700000009", "Ana");
        input[key] = value;
        app.refused(
            &create_member_query(),
            json!({ "input": input.clone() }),
            "BAD_USER_INPUT",
            Some(field),
        )
        .await;
        app.refused(
            &accept_query(),
            json!({ "code": code, "input": input }),
            "BAD_USER_INPUT",
            Some(field),
        )
        .await;
    }
    app.refused(
        &update_member_query(),
        json!({ "id": inviter, "input": { "registrationFeeTxHash": "0x12 34" } }),
        "BAD_USER_INPUT",
        Some("input.registrationFeeTxHash"),
    )
    .await;
    app.refused(
        &update_member_query(),
        json!({ "id": "nope", "input": { "name": "X" } }),
        "BAD_USER_INPUT",
        Some("id"),
    )
    .await;
}

#[tokio::test]
async fn updating_a_member_changes_only_the_fields_given_and_null_clears() {
    let app = TestApp::spawn().await;
    let data = app
        .data(
            &create_member_query(),
            json!({ "input": { "telegramId": "700000001", "name": "María", "primaryRole": "designer",
                               "organization": "Frutero", "country": "Mexico" } }),
        )
        .await;
    let id = data["createMember"]["id"].clone();
    let data = app
        .data(
            &update_member_query(),
            json!({ "id": id, "input": {
                "name": "María José", "organization": null, "status": "SUSPENDED",
                "registrationFeePaid": true, "registrationFeeTxHash": "0xabc123",
                "telegramUsername": "maria_jose" } }),
        )
        .await;
    let member = &data["updateMember"];
    assert_eq!(member["name"], "María José");
    assert!(member["organization"].is_null());
    assert_eq!(member["country"], "Mexico");
    assert_eq!(member["primaryRole"], "designer");
    assert_eq!(member["status"], "SUSPENDED");
    assert_eq!(member["registrationFeePaid"], true);
    assert_eq!(member["registrationFeeTxHash"], "0xabc123");
    assert_eq!(member["telegramUsername"], "maria_jose");
    let stored = app
        .db
        .scalar_i64(
            "SELECT COUNT(*) FROM community_members WHERE name = 'María José' \
             AND organization IS NULL AND country = 'Mexico' AND status = 'suspended' \
             AND registration_fee_paid = true AND registration_fee_tx_hash = '0xabc123' \
             AND telegram_username = 'maria_jose'",
            vec![],
        )
        .await;
    assert_eq!(stored, 1);

    // A suspended member cannot invite.
    let message = app
        .refused(
            &create_invitation_query(),
            json!({ "input": { "createdBy": id } }),
            "CONFLICT",
            None,
        )
        .await;
    assert!(message.contains("SUSPENDED"), "{message}");
}

#[tokio::test]
async fn an_invitation_gets_a_unique_sixteen_character_code_valid_for_seven_days() {
    let app = TestApp::spawn().await;
    let (inviter, _) = create_member(&app, "700000001", "María").await;
    let data = app
        .data(
            &create_invitation_query(),
            json!({ "input": { "createdBy": inviter, "invitedTelegramUsername": "@pedro_dev" } }),
        )
        .await;
    let invitation = &data["createInvitation"];
    let code = invitation["invitationCode"].as_str().unwrap();
    assert_eq!(code.len(), 16);
    assert!(
        code.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            && !code.contains(['0', 'O', '1', 'I', 'L']),
        "{code}"
    );
    assert_eq!(invitation["status"], "PENDING");
    assert_eq!(invitation["createdBy"]["memberId"], "#1");
    assert_eq!(invitation["invitedTelegramUsername"], "pedro_dev");
    assert!(invitation["acceptedBy"].is_null());
    let expires = timestamp(&invitation["expiresAt"]);
    let week = Utc::now() + Duration::days(7);
    assert!((expires - week).num_seconds().abs() < 60, "{expires}");
    let stored = app
        .db
        .scalar_i64(
            "SELECT COUNT(*) FROM community_invitations WHERE invitation_code = $1 \
             AND created_by = '#1' AND status = 'pending' AND accepted_by IS NULL \
             AND expires_at > $2 AND expires_at < $3",
            vec![
                text(code),
                (week - Duration::minutes(1)).naive_utc().into(),
                (week + Duration::minutes(1)).naive_utc().into(),
            ],
        )
        .await;
    assert_eq!(stored, 1);

    let data = app
        .data(
            &create_invitation_query(),
            json!({ "input": { "createdBy": inviter, "expiresInDays": 14 } }),
        )
        .await;
    let expires = timestamp(&data["createInvitation"]["expiresAt"]);
    assert!(
        (expires - (Utc::now() + Duration::days(14)))
            .num_seconds()
            .abs()
            < 60
    );

    let mut codes = std::collections::HashSet::new();
    for _ in 0..10 {
        let (_, code) = create_invitation(&app, inviter, json!({})).await;
        codes.insert(code);
    }
    assert_eq!(codes.len(), 10);
    let distinct = app
        .db
        .scalar_i64(
            "SELECT COUNT(DISTINCT invitation_code) FROM community_invitations",
            vec![],
        )
        .await;
    assert_eq!(distinct, 12);
}

#[tokio::test]
async fn invitation_requests_are_checked_before_anything_is_written() {
    let app = TestApp::spawn().await;
    let (inviter, _) = create_member(&app, "700000001", "María").await;
    let (removed, _) = create_member(&app, "700000002", "Gone").await;
    app.data(DELETE, json!({ "id": removed })).await;
    let query = create_invitation_query();
    for (input, field) in [
        (
            json!({ "createdBy": inviter, "expiresInDays": 0 }),
            "input.expiresInDays",
        ),
        (
            json!({ "createdBy": inviter, "expiresInDays": 31 }),
            "input.expiresInDays",
        ),
        (json!({ "createdBy": "member-1" }), "input.createdBy"),
        (
            json!({ "createdBy": inviter, "invitedTelegramUsername": "no" }),
            "input.invitedTelegramUsername",
        ),
    ] {
        app.refused(
            &query,
            json!({ "input": input }),
            "BAD_USER_INPUT",
            Some(field),
        )
        .await;
    }
    for unknown in [Uuid::new_v4(), removed] {
        let message = app
            .refused(
                &query,
                json!({ "input": { "createdBy": unknown } }),
                "NOT_FOUND",
                None,
            )
            .await;
        assert!(message.contains("input.createdBy"), "{message}");
    }
}

#[tokio::test]
async fn accepting_an_invitation_creates_the_invited_member_and_uses_up_the_code() {
    let app = TestApp::spawn().await;
    let (inviter, _) = create_member(&app, "700000001", "María").await;
    let (invitation, code) = create_invitation(
        &app,
        inviter,
        json!({ "invitedTelegramUsername": "pedro_dev" }),
    )
    .await;
    let mut input = details("700000002", "Pedro");
    input["telegramUsername"] = json!("@Pedro_Dev");
    let data = app
        .data(
            &accept_query(),
            json!({ "code": format!(" {} ", code.to_lowercase()), "input": input }),
        )
        .await;
    let payload = &data["acceptInvitation"];
    let member = &payload["member"];
    assert_eq!(member["memberId"], "#2");
    assert_eq!(member["name"], "Pedro");
    assert_eq!(member["status"], "ACTIVE");
    assert_eq!(member["invitedBy"]["memberId"], "#1");
    let accepted = &payload["invitation"];
    assert_eq!(accepted["id"], invitation.to_string());
    assert_eq!(accepted["status"], "ACCEPTED");
    assert_eq!(accepted["acceptedBy"]["memberId"], "#2");
    assert!(
        (timestamp(&accepted["acceptedAt"]) - Utc::now())
            .num_seconds()
            .abs()
            < 60
    );
    assert_eq!(
        payload["relationship"],
        json!({ "entityIdA": "#1", "entityIdB": "#2", "relationshipType": "INVITED",
                "content": { "source": "invitation", "invitationCode": code } })
    );

    let member_id: Uuid = member["id"].as_str().unwrap().parse().unwrap();
    let counts = [
        (
            "SELECT COUNT(*) FROM community_members WHERE id = $1 AND member_id = '#2' \
             AND invited_by = '#1' AND telegram_id = '700000002' AND status = 'active'",
            vec![uuid(member_id)],
        ),
        (
            "SELECT COUNT(*) FROM community_invitations WHERE invitation_id = $1 \
             AND status = 'accepted' AND accepted_by = '#2' AND accepted_at IS NOT NULL",
            vec![uuid(invitation)],
        ),
        (
            "SELECT COUNT(*) FROM member_relationships WHERE entity_id_a = '#1' \
             AND entity_id_b = '#2' AND relationship_type = 'INVITED'",
            vec![],
        ),
    ];
    for (sql, values) in counts {
        assert_eq!(app.db.scalar_i64(sql, values).await, 1, "{sql}");
    }
    let data = app
        .data(
            "query M($id: ID!) { communityMember(id: $id) { invitedBy { memberId } } }",
            json!({ "id": member_id }),
        )
        .await;
    assert_eq!(data["communityMember"]["invitedBy"]["memberId"], "#1");
}

#[tokio::test]
async fn unknown_used_expired_and_revoked_codes_are_refused_with_a_reason() {
    let app = TestApp::spawn().await;
    let (inviter, _) = create_member(&app, "700000001", "María").await;
    let accept = accept_query();

    let message = app
        .refused(
            &accept,
            json!({ "code": "ABCDEFGHJKMNPQRS", "input": details("700000002", "Pedro") }),
            "NOT_FOUND",
            None,
        )
        .await;
    assert!(message.contains("ABCDEFGHJKMNPQRS"), "{message}");

    let (_, used) = create_invitation(&app, inviter, json!({})).await;
    app.data(
        &accept,
        json!({ "code": used, "input": details("700000002", "Pedro") }),
    )
    .await;
    let message = app
        .refused(
            &accept,
            json!({ "code": used, "input": details("700000003", "Ana") }),
            "CONFLICT",
            None,
        )
        .await;
    assert!(message.contains("already used by member #2"), "{message}");

    let (_, expired) = create_invitation(&app, inviter, json!({})).await;
    app.db
        .execute(
            "UPDATE community_invitations SET expires_at = $1 WHERE invitation_code = $2",
            vec![
                (Utc::now() - Duration::hours(1)).naive_utc().into(),
                text(&expired),
            ],
        )
        .await
        .unwrap();
    let message = app
        .refused(
            &accept,
            json!({ "code": expired, "input": details("700000003", "Ana") }),
            "CONFLICT",
            None,
        )
        .await;
    assert!(message.contains("expired"), "{message}");

    let (revoked_id, revoked) = create_invitation(&app, inviter, json!({})).await;
    let data = app.data(REVOKE, json!({ "id": revoked_id })).await;
    assert_eq!(data["revokeInvitation"]["status"], "REVOKED");
    let message = app
        .refused(
            &accept,
            json!({ "code": revoked, "input": details("700000003", "Ana") }),
            "CONFLICT",
            None,
        )
        .await;
    assert!(message.contains("revoked"), "{message}");
    let message = app
        .refused(REVOKE, json!({ "id": revoked_id }), "CONFLICT", None)
        .await;
    assert!(message.contains("revoked"), "{message}");

    let (_, personal) = create_invitation(
        &app,
        inviter,
        json!({ "invitedTelegramUsername": "pedro_dev" }),
    )
    .await;
    let mut someone_else = details("700000004", "Luis");
    someone_else["telegramUsername"] = json!("luis_dev");
    let message = app
        .refused(
            &accept,
            json!({ "code": personal, "input": someone_else }),
            "BAD_USER_INPUT",
            Some("input.telegramUsername"),
        )
        .await;
    assert!(message.contains("pedro_dev"), "{message}");

    let (_, fresh) = create_invitation(&app, inviter, json!({})).await;
    app.refused(
        &accept,
        json!({ "code": fresh, "input": details("700000001", "Copy of María") }),
        "CONFLICT",
        Some("input.telegramId"),
    )
    .await;
}

#[tokio::test]
async fn two_simultaneous_accepts_of_one_code_accept_exactly_once() {
    let app = TestApp::spawn().await;
    let (inviter, _) = create_member(&app, "700000001", "María").await;
    let accept = accept_query();
    for round in 0..3 {
        let (invitation, code) = create_invitation(&app, inviter, json!({})).await;
        let first = details(&format!("71000000{round}"), "First");
        let second = details(&format!("72000000{round}"), "Second");
        let (a, b) = tokio::join!(
            app.graphql(&accept, json!({ "code": code, "input": first })),
            app.graphql(&accept, json!({ "code": code, "input": second })),
        );
        let (winner, loser) = if a["errors"].is_null() {
            (a, b)
        } else {
            (b, a)
        };
        assert!(winner["errors"].is_null(), "{winner}");
        assert_eq!(
            loser["errors"][0]["extensions"]["code"], "CONFLICT",
            "{loser}"
        );
        assert!(
            loser["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("already used"),
            "{loser}"
        );
        let new_member = winner["data"]["acceptInvitation"]["member"]["memberId"]
            .as_str()
            .unwrap()
            .to_owned();
        let members = app
            .db
            .scalar_i64(
                "SELECT COUNT(*) FROM community_members WHERE telegram_id IN ($1, $2)",
                vec![
                    text(&format!("71000000{round}")),
                    text(&format!("72000000{round}")),
                ],
            )
            .await;
        assert_eq!(members, 1, "round {round}");
        let accepted = app
            .db
            .scalar_i64(
                "SELECT COUNT(*) FROM community_invitations WHERE invitation_id = $1 \
                 AND status = 'accepted' AND accepted_by = $2",
                vec![uuid(invitation), text(&new_member)],
            )
            .await;
        assert_eq!(accepted, 1, "round {round}");
    }
    let relationships = app
        .db
        .scalar_i64("SELECT COUNT(*) FROM member_relationships", vec![])
        .await;
    assert_eq!(relationships, 3);
}

#[tokio::test]
async fn members_created_at_the_same_moment_get_different_numbers() {
    let app = TestApp::spawn().await;
    let create = create_member_query();
    let request = |telegram_id: &'static str| {
        app.graphql(
            &create,
            json!({ "input": details(telegram_id, "Same moment") }),
        )
    };
    let (a, b, c, d) = tokio::join!(
        request("700000001"),
        request("700000002"),
        request("700000003"),
        request("700000004"),
    );
    let mut numbers: Vec<String> = [a, b, c, d]
        .iter()
        .map(|body| {
            assert!(body["errors"].is_null(), "{body}");
            body["data"]["createMember"]["memberId"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    numbers.sort();
    assert_eq!(numbers, ["#1", "#2", "#3", "#4"]);
}

#[tokio::test]
async fn github_verification_stores_the_profile_and_the_time() {
    let app = TestApp::spawn().await;
    let (maria, _) = create_member(&app, "700000001", "María").await;
    let (pedro, _) = create_member(&app, "700000002", "Pedro").await;
    let profile = json!({ "publicRepos": 12, "followers": 30, "company": "Frutero" });
    let data = app
        .data(
            VERIFY,
            json!({ "id": maria, "input": { "githubUsername": "Octo-Cat", "profileData": profile } }),
        )
        .await;
    let verified = &data["verifyMemberGithub"];
    assert_eq!(verified["githubUsername"], "Octo-Cat");
    assert_eq!(verified["githubVerified"], true);
    assert_eq!(verified["githubProfileData"], profile);
    assert!(
        (timestamp(&verified["githubVerifiedAt"]) - Utc::now())
            .num_seconds()
            .abs()
            < 60
    );
    let stored = app
        .db
        .scalar_i64(
            "SELECT COUNT(*) FROM community_members WHERE id = $1 AND github_username = 'Octo-Cat' \
             AND github_verified = true AND github_verified_at IS NOT NULL \
             AND github_profile_data IS NOT NULL",
            vec![uuid(maria)],
        )
        .await;
    assert_eq!(stored, 1);

    for (input, field) in [
        (
            json!({ "githubUsername": "-octo", "profileData": {} }),
            "input.githubUsername",
        ),
        (
            json!({ "githubUsername": "octo", "profileData": "a string" }),
            "input.profileData",
        ),
    ] {
        app.refused(
            VERIFY,
            json!({ "id": pedro, "input": input }),
            "BAD_USER_INPUT",
            Some(field),
        )
        .await;
    }
    let message = app
        .refused(
            VERIFY,
            json!({ "id": pedro, "input": { "githubUsername": "octo-cat", "profileData": {} } }),
            "CONFLICT",
            Some("input.githubUsername"),
        )
        .await;
    assert!(message.contains("#1"), "{message}");
    app.refused(
        VERIFY,
        json!({ "id": Uuid::new_v4(), "input": { "githubUsername": "octo", "profileData": {} } }),
        "NOT_FOUND",
        None,
    )
    .await;
}

#[tokio::test]
async fn a_removed_member_is_hidden_from_reads_kept_in_the_table_and_cannot_be_removed_twice() {
    let app = TestApp::spawn().await;
    let (maria, _) = create_member(&app, "700000001", "María").await;
    create_member(&app, "700000002", "Pedro").await;
    let (invitation, code) = create_invitation(&app, maria, json!({})).await;

    let data = app.data(DELETE, json!({ "id": maria })).await;
    let payload = &data["deleteMember"];
    assert_eq!(payload["id"], maria.to_string());
    assert_eq!(payload["memberId"], "#1");
    assert!(
        (timestamp(&payload["deletedAt"]) - Utc::now())
            .num_seconds()
            .abs()
            < 60
    );
    assert_eq!(
        payload["revokedInvitations"],
        json!([{ "id": invitation.to_string(), "status": "REVOKED" }])
    );

    let data = app
        .data(
            "query M($id: ID!) {
               communityMember(id: $id) { id }
               communityMemberByMemberId(memberId: \"#1\") { id }
               communityMembers { totalCount edges { node { memberId } } } }",
            json!({ "id": maria }),
        )
        .await;
    assert!(data["communityMember"].is_null());
    assert!(data["communityMemberByMemberId"].is_null());
    assert_eq!(data["communityMembers"]["totalCount"], 1);
    assert_eq!(
        data["communityMembers"]["edges"][0]["node"]["memberId"],
        "#2"
    );
    let kept = app
        .db
        .scalar_i64(
            "SELECT COUNT(*) FROM community_members WHERE id = $1 AND deleted_at IS NOT NULL",
            vec![uuid(maria)],
        )
        .await;
    assert_eq!(kept, 1);
    let revoked = app
        .db
        .scalar_i64(
            "SELECT COUNT(*) FROM community_invitations WHERE invitation_id = $1 AND status = 'revoked'",
            vec![uuid(invitation)],
        )
        .await;
    assert_eq!(revoked, 1);

    app.refused(DELETE, json!({ "id": maria }), "NOT_FOUND", None)
        .await;
    app.refused(
        &update_member_query(),
        json!({ "id": maria, "input": { "name": "Back" } }),
        "NOT_FOUND",
        None,
    )
    .await;
    let message = app
        .refused(
            &accept_query(),
            json!({ "code": code, "input": details("700000003", "Ana") }),
            "CONFLICT",
            None,
        )
        .await;
    assert!(message.contains("removed"), "{message}");
}

#[tokio::test]
async fn participation_events_move_last_activity_and_count_in_that_days_highlight() {
    let app = TestApp::spawn().await;
    let (member, member_id) = create_member(&app, "700000001", "María").await;
    let yesterday = (Utc::now() - Duration::days(1)).date_naive();
    let day_before = yesterday - Duration::days(1);
    let at = |day: NaiveDate, hour: u32| day.and_hms_opt(hour, 0, 0).unwrap().and_utc();

    let events = [
        (
            json!({ "eventType": "MESSAGE", "platform": "Telegram", "roomId": "general",
                 "occurredAt": at(yesterday, 10), "eventMetadata": { "messageId": 42 } }),
            yesterday,
        ),
        (
            json!({ "eventType": "REACTION", "platform": "telegram", "roomId": "general",
                 "occurredAt": at(yesterday, 11) }),
            yesterday,
        ),
        (
            json!({ "eventType": "VOICE", "platform": "discord", "roomId": "stage",
                 "occurredAt": at(yesterday, 12), "voiceMinutes": 15 }),
            yesterday,
        ),
        (
            json!({ "eventType": "MESSAGE", "platform": "telegram", "roomId": "general",
                 "occurredAt": at(day_before, 9) }),
            day_before,
        ),
    ];
    let mut payloads = Vec::new();
    for (input, day) in events {
        let data = app
            .data(RECORD, json!({ "memberId": member, "input": input }))
            .await;
        let payload = data["recordParticipation"].clone();
        assert_eq!(payload["highlight"]["highlightDate"], day.to_string());
        payloads.push(payload);
    }
    assert_eq!(payloads[0]["event"]["platform"], "telegram");
    assert_eq!(payloads[0]["event"]["eventType"], "MESSAGE");
    assert_eq!(
        payloads[0]["event"]["eventMetadata"],
        json!({ "messageId": 42 })
    );
    assert_eq!(
        payloads[2]["event"]["eventMetadata"],
        json!({ "voiceMinutes": 15 })
    );
    assert_eq!(
        payloads[2]["highlight"],
        json!({ "highlightDate": yesterday.to_string(), "messageCount": 1, "reactionCount": 1,
                "voiceMinutes": 15, "reputationEarned": 0 })
    );
    assert_eq!(payloads[3]["highlight"]["messageCount"], 1);
    // The older event leaves the last activity where the newest one put it.
    for (index, expected) in [
        (0, at(yesterday, 10)),
        (2, at(yesterday, 12)),
        (3, at(yesterday, 12)),
    ] {
        assert_eq!(
            timestamp(&payloads[index]["member"]["lastActiveAt"]),
            expected
        );
    }

    let checks = [
        (
            "SELECT COUNT(*) FROM member_daily_highlights WHERE member_id = $1 AND highlight_date = $2 \
             AND message_count = 1 AND reaction_count = 1 AND voice_minutes = 15",
            vec![text(&member_id), yesterday.into()],
            1,
        ),
        (
            "SELECT COUNT(*) FROM member_daily_highlights WHERE member_id = $1 AND highlight_date = $2 \
             AND message_count = 1 AND reaction_count = 0 AND voice_minutes = 0",
            vec![text(&member_id), day_before.into()],
            1,
        ),
        (
            "SELECT COUNT(*) FROM member_daily_highlights WHERE member_id = $1",
            vec![text(&member_id)],
            2,
        ),
        (
            "SELECT COUNT(*) FROM member_participation WHERE member_id = $1",
            vec![text(&member_id)],
            4,
        ),
        (
            "SELECT COUNT(*) FROM community_members WHERE id = $1 AND last_active_at = $2",
            vec![uuid(member), at(yesterday, 12).naive_utc().into()],
            1,
        ),
    ];
    for (sql, values, expected) in checks {
        assert_eq!(app.db.scalar_i64(sql, values).await, expected, "{sql}");
    }

    let message = json!({ "eventType": "MESSAGE", "platform": "telegram", "roomId": "general" });
    let with = |key: &str, value: Value| {
        let mut input = message.clone();
        input[key] = value;
        input
    };
    for (input, field) in [
        (with("eventType", json!("VOICE")), "input.voiceMinutes"),
        (with("voiceMinutes", json!(5)), "input.voiceMinutes"),
        (
            json!({ "eventType": "VOICE", "platform": "discord", "roomId": "stage", "voiceMinutes": 0 }),
            "input.voiceMinutes",
        ),
        (
            with("occurredAt", json!(Utc::now() + Duration::hours(1))),
            "input.occurredAt",
        ),
        (with("platform", json!(" ")), "input.platform"),
        (with("roomId", json!("")), "input.roomId"),
        (with("eventMetadata", json!(7)), "input.eventMetadata"),
    ] {
        app.refused(
            RECORD,
            json!({ "memberId": member, "input": input }),
            "BAD_USER_INPUT",
            Some(field),
        )
        .await;
    }
    app.refused(
        RECORD,
        json!({ "memberId": "x", "input": message }),
        "BAD_USER_INPUT",
        Some("memberId"),
    )
    .await;
    app.refused(
        RECORD,
        json!({ "memberId": Uuid::new_v4(), "input": message }),
        "NOT_FOUND",
        None,
    )
    .await;
}

#[tokio::test]
async fn reputation_changes_move_the_tier_and_record_the_reason() {
    let app = TestApp::spawn().await;
    let (member, member_id) = create_member(&app, "700000001", "María").await;
    let steps = [
        (
            150,
            "Organized the hackathon",
            0,
            "Novice",
            150,
            "Contributor",
            150,
        ),
        (
            500,
            "Mentored five members",
            150,
            "Contributor",
            650,
            "Expert",
            650,
        ),
        (-1000, "Spam", 650, "Expert", 0, "Novice", 0),
    ];
    for (delta, reason, previous_score, previous_tier, score, tier, earned_today) in steps {
        let data = app
            .data(
                ADJUST,
                json!({ "memberId": member, "input": { "delta": delta, "reason": reason } }),
            )
            .await;
        let payload = &data["adjustReputation"];
        assert_eq!(payload["previousScore"], previous_score);
        assert_eq!(payload["previousTier"], previous_tier);
        assert_eq!(payload["member"]["reputationScore"], score);
        assert_eq!(payload["member"]["reputationTier"], tier);
        assert_eq!(payload["event"]["eventType"], "REPUTATION");
        assert_eq!(payload["event"]["eventMetadata"]["reason"], reason);
        assert_eq!(payload["event"]["eventMetadata"]["delta"], delta);
        assert_eq!(
            payload["event"]["eventMetadata"]["applied"],
            score - previous_score
        );
        assert_eq!(payload["highlight"]["reputationEarned"], earned_today);
        let stored = app
            .db
            .scalar_i64(
                "SELECT COUNT(*) FROM community_members WHERE id = $1 AND reputation_score = $2 \
                 AND reputation_tier = $3",
                vec![uuid(member), score.into(), text(tier)],
            )
            .await;
        assert_eq!(stored, 1, "after {delta}");
    }
    let recorded = app
        .db
        .scalar_i64(
            "SELECT COUNT(*) FROM member_participation WHERE member_id = $1 AND event_type = 'REPUTATION'",
            vec![text(&member_id)],
        )
        .await;
    assert_eq!(recorded, 3);
    let today = app
        .db
        .scalar_i64(
            "SELECT COUNT(*) FROM member_daily_highlights WHERE member_id = $1 \
             AND highlight_date = $2 AND reputation_earned = 0",
            vec![text(&member_id), Utc::now().date_naive().into()],
        )
        .await;
    assert_eq!(today, 1);

    for (input, field) in [
        (json!({ "delta": 0, "reason": "nothing" }), "input.delta"),
        (
            json!({ "delta": 10001, "reason": "too much" }),
            "input.delta",
        ),
        (
            json!({ "delta": -10001, "reason": "too much" }),
            "input.delta",
        ),
        (json!({ "delta": 5, "reason": "  " }), "input.reason"),
    ] {
        app.refused(
            ADJUST,
            json!({ "memberId": member, "input": input }),
            "BAD_USER_INPUT",
            Some(field),
        )
        .await;
    }
}

#[tokio::test]
async fn only_community_moderators_and_admins_write_the_directory() {
    let app = TestApp::spawn().await;
    let company = app.db.insert_company("Acme").await;
    let (inviter, _) = create_member(&app, "700000001", "María").await;
    let (_, code) = create_invitation(&app, inviter, json!({})).await;
    let create = create_member_query();
    let accept = accept_query();
    let before = app.db.contents().await;
    for role in [
        Role::CompanyAdmin,
        Role::CompanyViewer,
        Role::Ingestion,
        Role::ProgramStaff,
    ] {
        let token = token(role, role.is_company_role().then_some(company));
        for (query, variables) in [
            (
                create.as_str(),
                json!({ "input": details("700000002", "Pedro") }),
            ),
            (
                accept.as_str(),
                json!({ "code": code, "input": details("700000002", "Pedro") }),
            ),
            (
                ADJUST,
                json!({ "memberId": inviter, "input": { "delta": 5, "reason": "r" } }),
            ),
        ] {
            let (_, body) = app.graphql_as(Some(&token), query, variables).await;
            assert_eq!(
                body["errors"][0]["extensions"]["code"], "FORBIDDEN",
                "{role:?}: {body}"
            );
        }
    }
    assert_eq!(app.db.contents().await, before);

    let moderator = token(Role::CommunityModerator, None);
    let (_, body) = app
        .graphql_as(
            Some(&moderator),
            &create,
            json!({ "input": details("700000002", "Pedro") }),
        )
        .await;
    assert_eq!(body["data"]["createMember"]["memberId"], "#2", "{body}");
    let (_, body) = app
        .graphql_as(
            Some(&moderator),
            &accept,
            json!({ "code": code, "input": details("700000003", "Ana") }),
        )
        .await;
    assert_eq!(
        body["data"]["acceptInvitation"]["member"]["memberId"], "#3",
        "{body}"
    );
    let audited = app
        .db
        .scalar_i64(
            "SELECT COUNT(*) FROM audit_log WHERE role = 'community_moderator' \
             AND mutation IN ('createMember', 'acceptInvitation')",
            vec![],
        )
        .await;
    assert_eq!(audited, 2);
}
