//! The planned lists and lookups of rows the row alone answers, outside the campaigns' read
//! model, against the resolvers, byte for byte, through the real server (see
//! [`crate::planner`]): the ingestion batches and Kintell sessions, the program management
//! lists, the community directory, and the lookups by another key than the id, each with its
//! filters, cursors, orderings, missing rows, each role's visibility and the resolvers' errors.

use api::auth::Role;
use serde_json::json;
use tests::app::token;

use crate::planner::Pair;
use crate::planner_roots::{NOWHERE, id};

const INGESTION: &str = "query Ingestion($first: Int, $after: String, $batch: ID!, $session: ID!, $batchOf: ID) {
  ingestionBatches(first: 2) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { __typename id fileName fileHash fileSizeBytes programType sourceSystem importMethod
      totalRows successRows errorRows skippedRows lastProcessedRow errorFilePath errorFileUrl
      importedByService status startedAt completedAt createdAt updatedAt } }
  }
  kintellSessions(first: $first, after: $after, filter: { batchId: $batchOf }) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes { id externalSessionId sessionType scheduledAt completedAt durationMinutes rating feedbackText
      languageLevel createdAt updatedAt }
  }
  ingestionBatch(id: $batch) { id status errorFileUrl }
  session: kintellSession(id: $session) { __typename id rating }
}";

#[tokio::test]
async fn ingestion_lists_and_lookups_are_the_resolvers_bytes() {
    let pair = Pair::start().await;
    let admin = token(Role::Admin, None);
    let (_, listed) = pair
        .compare(
            &admin,
            "{ ingestionBatches(first: 1) { nodes { id } } kintellSessions(first: 1) { nodes { id } } }",
            &json!({}),
        )
        .await;
    let batch = id(&listed["data"]["ingestionBatches"]["nodes"][0]["id"]);
    let session = id(&listed["data"]["kintellSessions"]["nodes"][0]["id"]);

    // The demo leaves these empty; give them values (one to escape) so that they are compared.
    let db = &pair.planned.db;
    db.execute(
        "UPDATE ingestion_batches SET error_file_path = 'errors/batch.csv'",
        vec![],
    )
    .await
    .expect("error files");
    db.execute(
        "UPDATE kintell_sessions SET feedback_text = $1",
        vec!["\"Very\" good,\n\tthank you \u{1F44D} \u{7}".into()],
    )
    .await
    .expect("feedback");

    let ids = json!({ "first": 5, "batch": batch, "session": session });
    let (path, first_page) = pair.compare(&admin, INGESTION, &ids).await;
    assert_eq!(path, "planned", "{first_page}");
    assert_eq!(first_page["data"]["ingestionBatch"]["id"], batch.as_str());
    assert!(
        first_page["data"]["ingestionBatch"]["errorFileUrl"].is_string(),
        "{first_page}"
    );
    let sessions = &first_page["data"]["kintellSessions"]["nodes"];
    assert!(sessions[0]["feedbackText"].is_string(), "{first_page}");
    assert!(
        first_page["data"]["session"]["rating"].is_string()
            || first_page["data"]["session"]["rating"].is_null(),
        "{first_page}"
    );
    // The next page through its cursor, one batch's sessions, rows that do not exist.
    let end = first_page["data"]["kintellSessions"]["pageInfo"]["endCursor"].clone();
    assert!(end.is_string(), "{first_page}");
    let next =
        json!({ "first": 5, "after": end, "batch": NOWHERE, "session": NOWHERE, "batchOf": batch });
    let (path, body) = pair.compare(&admin, INGESTION, &next).await;
    assert_eq!(path, "planned", "{body}");
    assert!(body["data"]["ingestionBatch"].is_null(), "{body}");
    assert!(body["data"]["session"].is_null(), "{body}");

    // The resolvers' errors: a filter id that does not parse, a bad cursor, and a caller who
    // may not read ingestion.
    for variables in [
        json!({ "batch": batch, "session": session, "batchOf": "not an id" }),
        json!({ "batch": batch, "session": session, "after": "not a cursor" }),
    ] {
        let (path, body) = pair.compare(&admin, INGESTION, &variables).await;
        assert_eq!(path, "fell_back", "{body}");
        assert!(body["errors"].is_array(), "{body}");
    }
    let staff = token(Role::ProgramStaff, None);
    let (path, body) = pair.compare(&staff, INGESTION, &ids).await;
    assert_eq!(path, "fell_back", "{body}");
    assert!(body["errors"].is_array(), "{body}");
    // The ingestion service reads every batch; another company's viewer none of them.
    let service = token(Role::Ingestion, None);
    let (path, body) = pair.compare(&service, INGESTION, &ids).await;
    assert_eq!(path, "planned", "{body}");
    assert_eq!(body["data"]["ingestionBatch"]["id"], batch.as_str());
    let viewer = token(Role::CompanyViewer, Some(uuid::Uuid::new_v4()));
    let (path, body) = pair.compare(&viewer, INGESTION, &ids).await;
    assert_eq!(path, "planned", "{body}");
    assert_eq!(body["data"]["ingestionBatches"]["totalCount"], 0, "{body}");
}

const PROGRAMS: &str = "query Programs($first: Int, $after: String, $program: ID!, $activity: ID!,
    $application: ID!, $user: ID!, $programOf: ID) {
  programs(first: 3, filter: { isActive: true }) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { __typename id name description programType startDate endDate isActive createdAt updatedAt } }
  }
  activities(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
    nodes { id name description activityType startsAt endsAt createdAt updatedAt retiredAt }
  }
  applications(first: 4, filter: { programId: $programOf }) {
    nodes { id status submittedAt reviewedAt createdAt updatedAt goal githubUsername twitterUsername reviewReason }
  }
  users(first: 4) { totalCount nodes { id email role firstName lastName isActive createdAt } }
  program(id: $program) { id name programType }
  activity(id: $activity) { id name retiredAt }
  application(id: $application) { id status }
  user(id: $user) { __typename id email }
}";

#[tokio::test]
async fn program_management_lists_and_lookups_are_the_resolvers_bytes() {
    let pair = Pair::start().await;
    let admin = token(Role::Admin, None);
    let (_, listed) = pair
        .compare(
            &admin,
            "{ programs(first: 1) { nodes { id } } activities(first: 1) { nodes { id } }
               applications(first: 1) { nodes { id program { id } } } users(first: 1) { nodes { id } } }",
            &json!({}),
        )
        .await;
    let data = &listed["data"];
    let ids = json!({
        "first": 3,
        "program": id(&data["programs"]["nodes"][0]["id"]),
        "activity": id(&data["activities"]["nodes"][0]["id"]),
        "application": id(&data["applications"]["nodes"][0]["id"]),
        "user": id(&data["users"]["nodes"][0]["id"]),
    });
    let (path, first_page) = pair.compare(&admin, PROGRAMS, &ids).await;
    assert_eq!(path, "planned", "{first_page}");
    for lookup in ["program", "activity", "application", "user"] {
        assert_eq!(
            first_page["data"][lookup]["id"], ids[lookup],
            "{first_page}"
        );
    }
    assert!(
        first_page["data"]["applications"]["nodes"][0]["status"].is_string(),
        "{first_page}"
    );

    // The next page, one program's applications, rows that do not exist; program staff.
    let end = first_page["data"]["activities"]["pageInfo"]["endCursor"].clone();
    let next = json!({
        "first": 3, "after": end, "program": NOWHERE, "activity": NOWHERE, "application": NOWHERE,
        "user": NOWHERE, "programOf": data["applications"]["nodes"][0]["program"]["id"],
    });
    let (path, body) = pair.compare(&admin, PROGRAMS, &next).await;
    assert_eq!(path, "planned", "{body}");
    assert!(body["data"]["program"].is_null(), "{body}");
    let staff = token(Role::ProgramStaff, None);
    let (path, body) = pair.compare(&staff, PROGRAMS, &ids).await;
    assert_eq!(path, "planned", "{body}");

    // The resolvers' errors: a filter id that does not parse, and a caller who may not read
    // program management.
    let unparsed = json!({ "programOf": "not an id", "program": NOWHERE, "activity": NOWHERE,
        "application": NOWHERE, "user": NOWHERE });
    let (path, body) = pair.compare(&admin, PROGRAMS, &unparsed).await;
    assert_eq!(path, "fell_back", "{body}");
    assert!(body["errors"].is_array(), "{body}");
    let viewer = token(Role::CompanyViewer, Some(uuid::Uuid::new_v4()));
    let (path, body) = pair.compare(&viewer, PROGRAMS, &ids).await;
    assert_eq!(path, "fell_back", "{body}");
    assert!(body["errors"].is_array(), "{body}");
}

const MEMBERS: &str = "query Members($first: Int, $after: String, $order: CommunityMemberOrder!) {
  communityMembers(first: $first, after: $after, orderBy: $order) {
    __typename totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { __typename id memberId telegramId telegramUsername name primaryRole
      organization country githubUsername githubVerified githubVerifiedAt status reputationScore
      reputationTier registrationFeePaid registrationFeeTxHash createdAt updatedAt lastActiveAt } }
  }
  joined: communityMembers(first: 2) { nodes { memberId } }
}";

#[tokio::test]
async fn community_members_are_the_resolvers_bytes() {
    let pair = Pair::start().await;
    let admin = token(Role::Admin, None);
    for order in ["JOINED_ASC", "REPUTATION_DESC"] {
        let first = json!({ "first": 4, "order": order });
        let (path, page) = pair.compare(&admin, MEMBERS, &first).await;
        assert_eq!(path, "planned", "{page}");
        let nodes = &page["data"]["communityMembers"]["edges"];
        assert_eq!(nodes.as_array().map(Vec::len), Some(4), "{page}");
        let end = page["data"]["communityMembers"]["pageInfo"]["endCursor"].clone();
        let next = json!({ "first": 4, "after": end, "order": order });
        let (path, body) = pair.compare(&admin, MEMBERS, &next).await;
        assert_eq!(path, "planned", "{body}");
        assert_eq!(
            body["data"]["communityMembers"]["pageInfo"]["hasPreviousPage"],
            true
        );
    }
    // A cursor of the other ordering, and a filter on a member that does not parse, are the
    // resolvers' errors; the moderators read the directory too.
    let (_, joined) = pair
        .compare(
            &admin,
            MEMBERS,
            &json!({ "first": 1, "order": "JOINED_ASC" }),
        )
        .await;
    let end = joined["data"]["communityMembers"]["pageInfo"]["endCursor"].clone();
    let crossed = json!({ "first": 1, "after": end, "order": "REPUTATION_DESC" });
    let (path, body) = pair.compare(&admin, MEMBERS, &crossed).await;
    assert_eq!(path, "fell_back", "{body}");
    assert!(body["errors"].is_array(), "{body}");
    let moderator = token(Role::CommunityModerator, None);
    let first = json!({ "first": 3, "order": "REPUTATION_DESC" });
    let (path, body) = pair.compare(&moderator, MEMBERS, &first).await;
    assert_eq!(path, "planned", "{body}");
    let staff = token(Role::ProgramStaff, None);
    let (path, body) = pair.compare(&staff, MEMBERS, &first).await;
    assert_ne!(path, "planned", "{body}");
    // Selected JSON fields are not planned: the resolvers answer.
    let profile = "{ communityMembers(first: 2) { nodes { id profileData } } }";
    assert_eq!(
        pair.compare(&admin, profile, &json!({})).await.0,
        "resolved"
    );
    // The lookups: by id, by member number, by Telegram id; a removed member is null to all.
    let lookups = "query Member($id: ID!, $number: String!, $telegram: String!) {
      communityMember(id: $id) { __typename id memberId name reputationScore }
      byNumber: communityMemberByMemberId(memberId: $number) { id memberId }
      byTelegram: communityMemberByTelegramId(telegramId: $telegram) { id telegramId status }
    }";
    let (_, listed) = pair
        .compare(
            &admin,
            "{ communityMembers(first: 2) { nodes { id memberId telegramId } } }",
            &json!({}),
        )
        .await;
    let members = &listed["data"]["communityMembers"]["nodes"];
    let keys_of = |member: &serde_json::Value| json!({ "id": member["id"], "number": member["memberId"], "telegram": member["telegramId"] });
    let (path, body) = pair.compare(&admin, lookups, &keys_of(&members[0])).await;
    assert_eq!(path, "planned", "{body}");
    assert_eq!(body["data"]["byNumber"]["id"], members[0]["id"], "{body}");
    assert_eq!(body["data"]["byTelegram"]["id"], members[0]["id"], "{body}");
    pair.planned
        .db
        .execute(
            "UPDATE community_members SET deleted_at = CURRENT_TIMESTAMP WHERE member_id = $1",
            vec![
                members[1]["memberId"]
                    .as_str()
                    .expect("a member number")
                    .into(),
            ],
        )
        .await
        .expect("remove a member");
    let (path, body) = pair.compare(&admin, lookups, &keys_of(&members[1])).await;
    assert_eq!(path, "planned", "{body}");
    for root in ["communityMember", "byNumber", "byTelegram"] {
        assert!(body["data"][root].is_null(), "{root}: {body}");
    }
    let unparsed = json!({ "id": "not an id", "number": "#0", "telegram": "0" });
    let (path, body) = pair.compare(&admin, lookups, &unparsed).await;
    assert_eq!(path, "fell_back", "{body}");
    assert!(body["errors"].is_array(), "{body}");
}

const BY_KEY: &str = "query ByKey($slug: String!, $name: String!, $external: String!, $github: String!) {
  programInstanceBySlug(slug: $slug) { __typename id name status company { name } campaign { id name } }
  programByName(name: $name) { id name programType }
  kintellSessionByExternalId(externalSessionId: $external) { id externalSessionId rating }
  applicationByGithubUsername(githubUsername: $github) { id status githubUsername }
}";

#[tokio::test]
async fn lookups_by_another_key_are_the_resolvers_bytes() {
    let pair = Pair::start().await;
    let admin = token(Role::Admin, None);
    let (_, listed) = pair
        .compare(
            &admin,
            "{ campaigns(first: 1) { nodes { programInstances(first: 1) { nodes { programSlug } } } }
               programs(first: 1) { nodes { name } } kintellSessions(first: 1) { nodes { externalSessionId } }
               applications(first: 20) { nodes { githubUsername } } }",
            &json!({}),
        )
        .await;
    let data = &listed["data"];
    let github = data["applications"]["nodes"]
        .as_array()
        .expect("applications")
        .iter()
        .find_map(|node| node["githubUsername"].as_str())
        .expect("an application with a GitHub username");
    let keys = json!({
        "slug": data["campaigns"]["nodes"][0]["programInstances"]["nodes"][0]["programSlug"],
        "name": data["programs"]["nodes"][0]["name"],
        "external": data["kintellSessions"]["nodes"][0]["externalSessionId"],
        "github": github,
    });
    let (path, body) = pair.compare(&admin, BY_KEY, &keys).await;
    assert_eq!(path, "planned", "{body}");
    for root in [
        "programInstanceBySlug",
        "programByName",
        "kintellSessionByExternalId",
        "applicationByGithubUsername",
    ] {
        assert!(body["data"][root]["id"].is_string(), "{root}: {body}");
    }
    assert!(
        body["data"]["programInstanceBySlug"]["campaign"]["name"].is_string(),
        "{body}"
    );
    // Keys that match nothing are null, from the same plan; another company's viewer sees no
    // instance and may not read programs, which is the resolvers' FORBIDDEN.
    let nowhere =
        json!({ "slug": "nowhere", "name": "nowhere", "external": "KS-0", "github": "nobody" });
    let (path, body) = pair.compare(&admin, BY_KEY, &nowhere).await;
    assert_eq!(path, "planned", "{body}");
    assert!(body["data"]["programInstanceBySlug"].is_null(), "{body}");
    let viewer = token(Role::CompanyViewer, Some(uuid::Uuid::new_v4()));
    let (path, body) = pair.compare(&viewer, BY_KEY, &keys).await;
    assert_eq!(path, "fell_back", "{body}");
    assert!(body["errors"].is_array(), "{body}");
    let instance_only = "query Slug($slug: String!) { programInstanceBySlug(slug: $slug) { id } }";
    let slug = json!({ "slug": keys["slug"] });
    let (path, body) = pair.compare(&viewer, instance_only, &slug).await;
    assert_eq!(path, "planned", "{body}");
    assert!(body["data"]["programInstanceBySlug"].is_null(), "{body}");
}
