//! The planned lists and lookups of rows the row alone answers, outside the campaigns' read
//! model, against the resolvers, byte for byte, through the real server (see
//! [`crate::planner`]): the ingestion batches and Kintell sessions, the program management
//! lists, the community directory, its invitations (whose status reads the clock) and
//! participation events, and the lookups by another key than the id, each with its
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

const INVITATIONS: &str =
    "query Invitations($first: Int, $after: String, $status: [InvitationStatus!],
    $id: ID!, $code: String!, $github: String!, $from: DateTime, $to: DateTime) {
  communityInvitations(first: $first, after: $after, filter: { status: $status }) {
    __typename totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { __typename id invitationCode invitedTelegramUsername status expiresAt
      isExpired acceptedAt createdAt updatedAt } }
  }
  communityInvitation(id: $id) { id status isExpired }
  byCode: communityInvitationByCode(code: $code) { id invitationCode status }
  memberParticipation(first: 5, filter: { type: [\"message\"], from: $from, to: $to }) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { __typename id eventType platform roomId occurredAt }
  }
  communityMemberByGithubUsername(githubUsername: $github) { id githubUsername name }
}";

#[tokio::test]
async fn invitations_participation_and_members_by_github_are_the_resolvers_bytes() {
    let pair = Pair::start().await;
    let admin = token(Role::Admin, None);
    let (_, listed) = pair
        .compare(
            &admin,
            "{ communityInvitations(first: 1) { nodes { id invitationCode } }
               communityMembers(first: 50) { nodes { memberId githubUsername } } }",
            &json!({}),
        )
        .await;
    let data = &listed["data"];
    // Two pending codes: one not yet expired, one past its expiry that the expiry job has not
    // stored as expired (the demo's have been), which reads EXPIRED all the same.
    let now = chrono::Utc::now().naive_utc();
    let inviter = data["communityMembers"]["nodes"][0]["memberId"]
        .as_str()
        .expect("a member number");
    for (code, expires_in) in [("PLANNEDPENDING23", 24 * 60), ("PLANNEDEXPIRED23", -60)] {
        pair.planned
            .db
            .execute(
                "INSERT INTO community_invitations (invitation_id, invitation_code, created_by, \
                 status, expires_at, created_at, updated_at) \
                 VALUES ($1, $2, $3, 'pending', $4, $5, $5)",
                vec![
                    uuid::Uuid::new_v4().into(),
                    code.into(),
                    inviter.into(),
                    (now + chrono::Duration::minutes(expires_in)).into(),
                    now.into(),
                ],
            )
            .await
            .expect("a pending code");
    }
    let invitation = &data["communityInvitations"]["nodes"][0];
    let github = data["communityMembers"]["nodes"]
        .as_array()
        .expect("members")
        .iter()
        .find_map(|node| node["githubUsername"].as_str())
        .expect("a member with a GitHub username");
    // In another case than stored: the lookup ignores case.
    let keys = json!({
        "first": 40,
        "id": invitation["id"],
        "code": invitation["invitationCode"],
        "github": github.to_uppercase(),
    });
    let (path, body) = pair.compare(&admin, INVITATIONS, &keys).await;
    assert_eq!(path, "planned", "{body}");
    let data = &body["data"];
    // Pending codes past their expiry read EXPIRED, as of now.
    let nodes: Vec<&serde_json::Value> = data["communityInvitations"]["edges"]
        .as_array()
        .expect("invitations")
        .iter()
        .map(|edge| &edge["node"])
        .collect();
    let read_as = |code: &str, status: &str, expired: bool| {
        nodes.iter().any(|node| {
            node["invitationCode"] == code
                && node["status"] == status
                && node["isExpired"] == expired
        })
    };
    assert!(
        read_as("PLANNEDEXPIRED23", "EXPIRED", true)
            && read_as("PLANNEDPENDING23", "PENDING", false),
        "{body}"
    );
    assert_eq!(
        data["communityInvitation"]["id"], invitation["id"],
        "{body}"
    );
    assert_eq!(data["byCode"]["id"], invitation["id"], "{body}");
    assert!(
        data["memberParticipation"]["totalCount"].as_i64() > Some(0),
        "{body}"
    );
    assert!(
        data["communityMemberByGithubUsername"]["id"].is_string(),
        "{body}"
    );
    // The next page, a status filter (read as of now), rows that do not exist.
    let end = data["communityInvitations"]["pageInfo"]["endCursor"].clone();
    let next = json!({ "first": 3, "after": end, "status": ["EXPIRED"],
        "id": NOWHERE, "code": "NOWHERE", "github": "nobody" });
    let (path, body) = pair.compare(&admin, INVITATIONS, &next).await;
    assert_eq!(path, "planned", "{body}");
    for root in [
        "communityInvitation",
        "byCode",
        "communityMemberByGithubUsername",
    ] {
        assert!(body["data"][root].is_null(), "{root}: {body}");
    }
    let expired = json!({ "first": 40, "status": ["EXPIRED"], "id": NOWHERE, "code": "x",
        "github": "x" });
    let (path, body) = pair.compare(&admin, INVITATIONS, &expired).await;
    assert_eq!(path, "planned", "{body}");
    let statuses = &body["data"]["communityInvitations"]["edges"];
    assert!(
        statuses.as_array().is_some_and(|edges| !edges.is_empty()
            && edges.iter().all(|edge| edge["node"]["status"] == "EXPIRED")),
        "{body}"
    );
    // Events from a moment no event has reached are none; a range that ends before it starts
    // is the resolvers' error, and a role that may not read the community is theirs too.
    let mut future = json!({ "first": 1, "id": NOWHERE, "code": "x", "github": "x",
        "from": "2999-01-01T00:00:00Z" });
    let (path, body) = pair.compare(&admin, INVITATIONS, &future).await;
    assert_eq!(path, "planned", "{body}");
    assert_eq!(
        body["data"]["memberParticipation"]["totalCount"], 0,
        "{body}"
    );
    future["to"] = json!("2000-01-01T00:00:00Z");
    let (path, body) = pair.compare(&admin, INVITATIONS, &future).await;
    assert_eq!(path, "fell_back", "{body}");
    assert!(body["errors"].is_array(), "{body}");
    let staff = token(Role::ProgramStaff, None);
    let (path, body) = pair.compare(&staff, INVITATIONS, &keys).await;
    assert_ne!(path, "planned", "{body}");
    // The relations of invitations and events, and their JSON, are not planned.
    let related = "{ communityInvitations(first: 2) { nodes { id createdBy { name } } } }";
    assert_eq!(
        pair.compare(&admin, related, &json!({})).await.0,
        "resolved"
    );
}

const JOB_RUNS: &str = "query Runs($first: Int, $after: String, $outcome: JobRunOutcome) {
  jobRuns(first: $first, after: $after, filter: { outcome: $outcome }) {
    __typename totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { __typename id job replica startedAt finishedAt outcome dryRun errorMessage } }
  }
}";

#[tokio::test]
async fn job_runs_are_the_resolvers_bytes() {
    let pair = Pair::start().await;
    let admin = token(Role::Admin, None);
    let db = &pair.planned.db;
    let runs = [
        ("snapshots", "succeeded", false, None, 3),
        (
            "expire_invitations",
            "failed",
            true,
            Some("INTERNAL: \"boom\"\n\tat step 2"),
            2,
        ),
        ("retention", "running", false, None, 1),
    ];
    for (job, outcome, dry_run, error, minutes_ago) in runs {
        db.execute(
            "INSERT INTO job_runs (id, job, replica, started_at, finished_at, outcome, dry_run, \
             counts, error_message) VALUES ($1, $2, 'host:1', $3, \
             CASE WHEN $4 = 'running' THEN NULL ELSE $3 END, $4, $5, '{}', $6)",
            vec![
                uuid::Uuid::new_v4().into(),
                job.into(),
                (chrono::Utc::now() - chrono::Duration::minutes(minutes_ago)).into(),
                outcome.into(),
                dry_run.into(),
                error.map(str::to_owned).into(),
            ],
        )
        .await
        .expect("a job run");
    }
    let (path, body) = pair.compare(&admin, JOB_RUNS, &json!({ "first": 2 })).await;
    assert_eq!(path, "planned", "{body}");
    let end = body["data"]["jobRuns"]["pageInfo"]["endCursor"].clone();
    let (path, body) = pair
        .compare(&admin, JOB_RUNS, &json!({ "first": 2, "after": end }))
        .await;
    assert_eq!(path, "planned", "{body}");
    assert_eq!(
        body["data"]["jobRuns"]["edges"][0]["node"]["job"],
        "SNAPSHOTS"
    );
    let (path, body) = pair
        .compare(&admin, JOB_RUNS, &json!({ "outcome": "FAILED" }))
        .await;
    assert_eq!(path, "planned", "{body}");
    assert_eq!(body["data"]["jobRuns"]["totalCount"], 1, "{body}");
    assert!(body["data"]["jobRuns"]["edges"][0]["node"]["errorMessage"].is_string());
    // Only admins read the history; a job this version does not know is the resolvers' error.
    let viewer = token(Role::CompanyViewer, Some(uuid::Uuid::new_v4()));
    let (path, body) = pair.compare(&viewer, JOB_RUNS, &json!({})).await;
    assert_ne!(path, "planned", "{body}");
    assert!(body["errors"].is_array(), "{body}");
    db.execute(
        "UPDATE job_runs SET job = 'retired_job' WHERE job = 'retention'",
        vec![],
    )
    .await
    .expect("an unknown job");
    let (path, body) = pair.compare(&admin, JOB_RUNS, &json!({})).await;
    assert_eq!(path, "fell_back", "{body}");
    assert!(body["errors"].is_array(), "{body}");
}
