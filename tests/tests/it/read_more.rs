//! The read API of Kintell ingestion, program management and the community directory through
//! the real HTTP endpoint: pagination of every new list, filters against SQL, natural-key
//! lookups, relations against the rows, soft-deleted members, and bad arguments.

use std::collections::HashSet;

use migration::demo::DemoSize;
use serde_json::{Value, json};
use tests::TestApp;
use tests::sql::{text, uuid};

fn size() -> DemoSize {
    DemoSize {
        companies: 3,
        campaigns: 4,
        instances_per_campaign: 2,
        days: 5,
        seed: 7,
    }
}

const NIL: &str = "00000000-0000-0000-0000-000000000000";

pub fn assert_no_gaps_or_repeats(ids: &[String], expected: &[String], what: &str) {
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "repeats in {what}");
    assert_eq!(ids, expected, "{what}: every row once, in order");
}

/// Every id of a filtered list (walking its pages), checking `totalCount` against them.
async fn filtered_ids(
    app: &TestApp,
    field: &str,
    filter_type: &str,
    filter: &Value,
) -> Vec<String> {
    let query = format!(
        "query Filtered($filter: {filter_type}, $after: String) {{ {field}(first: 30, after: $after, filter: $filter) {{
           totalCount pageInfo {{ hasNextPage endCursor }} edges {{ node {{ id }} }} }} }}"
    );
    let mut ids = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app
            .data(&query, json!({ "filter": filter, "after": after }))
            .await;
        let connection = &data[field];
        ids.extend(
            connection["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["id"].as_str().unwrap().to_owned()),
        );
        if !connection["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            assert_eq!(
                connection["totalCount"].as_u64().unwrap() as usize,
                ids.len(),
                "{field} {filter}"
            );
            return ids;
        }
        after = connection["pageInfo"]["endCursor"].clone();
    }
}

#[tokio::test]
async fn every_new_nested_list_pages_forward_without_gaps_or_repeats() {
    let app = TestApp::spawn_with_demo(&size()).await;
    crate::paging::walk_each_batch_of_sessions(&app, 4).await;
    for instance in app
        .db
        .ids(
            "SELECT id FROM program_instances WHERE external_system = 'kintell'",
            vec![],
        )
        .await
    {
        let expected = app.db.ids("SELECT id FROM kintell_sessions WHERE program_instance_id = $1 ORDER BY completed_at IS NULL, completed_at, id",
            vec![uuid(&instance)],
        )
        .await;
        assert!(!expected.is_empty());
        let ids = app
            .walk_nested(
                "programInstance",
                &instance,
                "kintellSessions",
                9,
                expected.len(),
            )
            .await;
        assert_no_gaps_or_repeats(&ids, &expected, "ProgramInstance.kintellSessions");
    }
    for program in app.db.ids("SELECT id FROM programs", vec![]).await {
        let expected = app
            .db
            .ids(
                "SELECT id FROM program_enrollments WHERE program_id = $1 ORDER BY enrolled_at, id",
                vec![uuid(&program)],
            )
            .await;
        let ids = app
            .walk_nested("program", &program, "enrollments", 3, expected.len())
            .await;
        assert_no_gaps_or_repeats(&ids, &expected, "Program.enrollments");
        let expected = app.db.ids("SELECT id FROM applications WHERE program_id = $1 ORDER BY submitted_at DESC, id DESC",
            vec![uuid(&program)],
        )
        .await;
        let ids = app
            .walk_nested("program", &program, "applications", 3, expected.len())
            .await;
        assert_no_gaps_or_repeats(&ids, &expected, "Program.applications");
    }
    for member in ["#200", "#203", "#214"] {
        let id = app
            .db
            .id(
                "SELECT id FROM community_members WHERE member_id = $1",
                vec![text(member)],
            )
            .await;
        let expected = app.db.ids("SELECT id FROM member_participation WHERE member_id = $1 ORDER BY occurred_at DESC, id DESC",
            vec![text(member)],
        )
        .await;
        let ids = app
            .walk_nested("communityMember", &id, "participation", 4, expected.len())
            .await;
        assert_no_gaps_or_repeats(&ids, &expected, "CommunityMember.participation");
        let expected = app
            .db
            .ids(
                "SELECT invitation_id FROM community_invitations WHERE created_by = $1 \
             ORDER BY created_at DESC, invitation_id DESC",
                vec![text(member)],
            )
            .await;
        assert!(!expected.is_empty(), "{member} created invitations");
        let ids = app
            .walk_nested(
                "communityMember",
                &id,
                "invitationsCreated",
                1,
                expected.len(),
            )
            .await;
        assert_no_gaps_or_repeats(&ids, &expected, "CommunityMember.invitationsCreated");
    }
}

#[tokio::test]
async fn filters_return_exactly_the_rows_sql_finds() {
    let app = TestApp::spawn_with_demo(&size()).await;
    let hash = app
        .db
        .text(
            "SELECT file_hash FROM ingestion_batches ORDER BY created_at LIMIT 1",
            vec![],
        )
        .await;
    let batch = app
        .db
        .id(
            "SELECT id FROM ingestion_batches ORDER BY created_at LIMIT 1",
            vec![],
        )
        .await;
    let instance = app
        .db
        .id(
            "SELECT id FROM program_instances WHERE program_slug = 'language-ukraine-2025-q1'",
            vec![],
        )
        .await;
    let program = app
        .db
        .id("SELECT id FROM programs WHERE name = 'DeFi-esta'", vec![])
        .await;

    let cases: Vec<(&str, &str, Value, String)> = vec![
        ("ingestionBatches", "IngestionBatchFilter", json!({ "status": ["FAILED"] }),
         "SELECT id FROM ingestion_batches WHERE status = 'failed'".into()),
        ("ingestionBatches", "IngestionBatchFilter", json!({ "status": ["COMPLETED", "PAUSED"], "sourceSystem": "kintell" }),
         "SELECT id FROM ingestion_batches WHERE status IN ('completed', 'paused') AND source_system = 'kintell'".into()),
        ("ingestionBatches", "IngestionBatchFilter", json!({ "programType": "mentors_ukraine" }),
         "SELECT id FROM ingestion_batches WHERE program_type = 'mentors_ukraine'".into()),
        ("ingestionBatches", "IngestionBatchFilter", json!({ "fileHash": hash }),
         format!("SELECT id FROM ingestion_batches WHERE file_hash = '{hash}'")),
        ("kintellSessions", "KintellSessionFilter", json!({ "sessionType": "language" }),
         "SELECT id FROM kintell_sessions WHERE session_type = 'language'".into()),
        ("kintellSessions", "KintellSessionFilter", json!({ "batchId": batch }),
         "SELECT id FROM kintell_sessions WHERE batch_id = (SELECT id FROM ingestion_batches ORDER BY created_at LIMIT 1)".into()),
        ("kintellSessions", "KintellSessionFilter", json!({ "programInstanceId": instance, "sessionType": "language" }),
         "SELECT id FROM kintell_sessions WHERE program_instance_id = (SELECT id FROM program_instances WHERE program_slug = 'language-ukraine-2025-q1') AND session_type = 'language'".into()),
        ("programs", "ProgramFilter", json!({ "programType": "COHORT" }),
         "SELECT id FROM programs WHERE program_type = 'cohort'".into()),
        ("programs", "ProgramFilter", json!({ "isActive": true, "nameContains": "DEFI" }),
         "SELECT id FROM programs WHERE is_active = true AND lower(name) LIKE '%defi%'".into()),
        ("applications", "ApplicationFilter", json!({ "status": ["PENDING"] }),
         "SELECT id FROM applications WHERE status = 'pending'".into()),
        ("applications", "ApplicationFilter", json!({ "programId": program, "status": ["APPROVED", "REJECTED"] }),
         "SELECT id FROM applications WHERE program_id = (SELECT id FROM programs WHERE name = 'DeFi-esta') AND status IN ('approved', 'rejected')".into()),
        ("applications", "ApplicationFilter", json!({ "githubUsername": "DEV-7" }),
         "SELECT id FROM applications WHERE lower(github_username) = 'dev-7'".into()),
        ("users", "UserFilter", json!({ "role": "volunteer" }),
         "SELECT id FROM users WHERE role = 'volunteer'".into()),
        ("users", "UserFilter", json!({ "emailContains": "1@EXAMPLE" }),
         "SELECT id FROM users WHERE lower(email) LIKE '%1@example%'".into()),
        ("communityMembers", "CommunityMemberFilter", json!({ "status": ["INACTIVE"] }),
         "SELECT id FROM community_members WHERE status = 'inactive' AND deleted_at IS NULL".into()),
        ("communityMembers", "CommunityMemberFilter", json!({ "githubVerified": true }),
         "SELECT id FROM community_members WHERE github_verified = true AND deleted_at IS NULL".into()),
        ("communityMembers", "CommunityMemberFilter", json!({ "reputationAtLeast": 600, "status": ["ACTIVE"] }),
         "SELECT id FROM community_members WHERE reputation_score >= 600 AND status = 'active' AND deleted_at IS NULL".into()),
        ("communityMembers", "CommunityMemberFilter", json!({ "nameContains": "A" }),
         "SELECT id FROM community_members WHERE lower(name) LIKE '%a%' AND deleted_at IS NULL".into()),
        ("communityInvitations", "CommunityInvitationFilter", json!({ "status": ["ACCEPTED"] }),
         "SELECT invitation_id FROM community_invitations WHERE status = 'accepted'".into()),
        ("communityInvitations", "CommunityInvitationFilter", json!({ "createdBy": "#201", "status": ["PENDING", "EXPIRED"] }),
         "SELECT invitation_id FROM community_invitations WHERE created_by = '#201' AND status IN ('pending', 'expired')".into()),
    ];
    for (field, filter_type, filter, sql) in cases {
        let expected: HashSet<String> = app.db.ids(&sql, vec![]).await.into_iter().collect();
        assert!(
            !expected.is_empty(),
            "the demo data should have rows for {field} {filter}"
        );
        let ids: HashSet<String> = filtered_ids(&app, field, filter_type, &filter)
            .await
            .into_iter()
            .collect();
        assert_eq!(ids, expected, "{field} {filter}");
    }

    // A nested filter: a program's enrollments in some states.
    let data = app
        .data(
            "query P($id: ID!) { program(id: $id) { enrollments(first: 100, filter: {status: [ACTIVE, COMPLETED]}) {
               totalCount nodes { id enrollmentStatus } } } }",
            json!({ "id": program }),
        )
        .await;
    let expected: HashSet<String> = app.db.ids("SELECT id FROM program_enrollments WHERE program_id = $1 AND enrollment_status IN ('active', 'completed')",
        vec![uuid(&program)],
    )
    .await
    .into_iter()
    .collect();
    let enrollments = &data["program"]["enrollments"];
    let ids: HashSet<String> = enrollments["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(ids, expected);
    assert_eq!(
        enrollments["totalCount"].as_u64().unwrap() as usize,
        expected.len()
    );
}

#[tokio::test]
async fn lookups_by_natural_key_work_and_unknown_keys_are_null() {
    let app = TestApp::spawn_with_demo(&size()).await;
    let telegram = app
        .db
        .text(
            "SELECT telegram_id FROM community_members WHERE member_id = '#203'",
            vec![],
        )
        .await;
    let github = app
        .db
        .text(
            "SELECT github_username FROM community_members WHERE member_id = '#203'",
            vec![],
        )
        .await;
    let code = app
        .db
        .text(
            "SELECT invitation_code FROM community_invitations ORDER BY invitation_code LIMIT 1",
            vec![],
        )
        .await;
    let data = app
        .data(
            "query L($telegram: String!, $github: String!, $code: String!) {
               session: kintellSessionByExternalId(externalSessionId: \"KS-1001\") { externalSessionId }
               program: programByName(name: \"DeFi-esta\") { name programType }
               application: applicationByGithubUsername(githubUsername: \"DEV-1\") { githubUsername }
               member: communityMemberByMemberId(memberId: \"#201\") { memberId }
               byTelegram: communityMemberByTelegramId(telegramId: $telegram) { memberId }
               byGithub: communityMemberByGithubUsername(githubUsername: $github) { memberId githubUsername }
               invitation: communityInvitationByCode(code: $code) { invitationCode }
               noSession: kintellSessionByExternalId(externalSessionId: \"KS-0\") { id }
               noProgram: programByName(name: \"No such program\") { id }
               noApplication: applicationByGithubUsername(githubUsername: \"nobody-here\") { id }
               noMember: communityMemberByMemberId(memberId: \"#999\") { id }
               noTelegram: communityMemberByTelegramId(telegramId: \"1\") { id }
               noGithub: communityMemberByGithubUsername(githubUsername: \"nobody-here\") { id }
               noInvitation: communityInvitationByCode(code: \"AAAAAAAAAAAAAAAA\") { id } }",
            json!({ "telegram": telegram, "github": github.to_uppercase(), "code": code }),
        )
        .await;
    assert_eq!(data["session"]["externalSessionId"], "KS-1001");
    assert_eq!(data["program"]["name"], "DeFi-esta");
    assert_eq!(data["application"]["githubUsername"], "dev-1");
    assert_eq!(data["member"]["memberId"], "#201");
    assert_eq!(data["byTelegram"]["memberId"], "#203");
    assert_eq!(data["byGithub"]["memberId"], "#203");
    assert_eq!(data["byGithub"]["githubUsername"], github.as_str());
    assert_eq!(data["invitation"]["invitationCode"], code.as_str());
    for missing in [
        "noSession",
        "noProgram",
        "noApplication",
        "noMember",
        "noTelegram",
        "noGithub",
        "noInvitation",
    ] {
        assert!(data[missing].is_null(), "{missing}: {data:#}");
    }

    // By id: each field finds its row, and an unknown id is null.
    for (field, sql) in [
        ("ingestionBatch", "SELECT id FROM ingestion_batches LIMIT 1"),
        ("kintellSession", "SELECT id FROM kintell_sessions LIMIT 1"),
        ("program", "SELECT id FROM programs LIMIT 1"),
        ("activity", "SELECT id FROM activities LIMIT 1"),
        ("application", "SELECT id FROM applications LIMIT 1"),
        ("user", "SELECT id FROM users LIMIT 1"),
        (
            "communityMember",
            "SELECT id FROM community_members WHERE deleted_at IS NULL LIMIT 1",
        ),
        (
            "communityInvitation",
            "SELECT invitation_id FROM community_invitations LIMIT 1",
        ),
    ] {
        let id = app.db.id(sql, vec![]).await;
        let query = format!(
            "query ById($id: ID!) {{ found: {field}(id: $id) {{ id }} missing: {field}(id: \"{NIL}\") {{ id }} }}"
        );
        let data = app.data(&query, json!({ "id": id })).await;
        assert_eq!(data["found"]["id"], id.as_str(), "{field}");
        assert!(data["missing"].is_null(), "{field}");
    }
}

#[tokio::test]
async fn the_soft_deleted_member_229_never_appears() {
    let app = TestApp::spawn_with_demo(&size()).await;
    // The demo removes #229; make it look like an inviter and a GitHub user too.
    app.db
        .execute(
            "UPDATE community_members SET github_username = 'ghost-229', github_verified = true \
             WHERE member_id = '#229'",
            vec![],
        )
        .await
        .unwrap();
    app.db
        .execute(
            "UPDATE community_members SET invited_by = '#229' WHERE member_id = '#210'",
            vec![],
        )
        .await
        .unwrap();
    let id = app
        .db
        .id(
            "SELECT id FROM community_members WHERE member_id = '#229' AND deleted_at IS NOT NULL",
            vec![],
        )
        .await;
    let telegram = app
        .db
        .text(
            "SELECT telegram_id FROM community_members WHERE member_id = '#229'",
            vec![],
        )
        .await;

    // Not in the list, under any filter that would match it.
    let data = app
        .data(
            "{ all: communityMembers(first: 100) { totalCount nodes { memberId invitedBy { memberId }
                 relationships { entityIdA entityIdB } } }
               inactive: communityMembers(first: 100, filter: {status: [INACTIVE], githubVerified: true}) { totalCount nodes { memberId } } }",
            json!({}),
        )
        .await;
    let live = app
        .db
        .scalar_i64(
            "SELECT COUNT(*) FROM community_members WHERE deleted_at IS NULL",
            vec![],
        )
        .await;
    assert_eq!(live, 29);
    assert_eq!(data["all"]["totalCount"], live);
    let rendered = data.to_string();
    assert!(!rendered.contains("#229"), "{data:#}");
    let member_210 = data["all"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["memberId"] == "#210")
        .unwrap();
    assert!(
        member_210["invitedBy"].is_null(),
        "an inviter that was removed is null"
    );

    // Not found by any key.
    let data = app
        .data(
            "query Gone_id($id: ID!, $telegram: String!) {
               byId: communityMember(id: $id) { id }
               byMemberId: communityMemberByMemberId(memberId: \"#229\") { id }
               byTelegram: communityMemberByTelegramId(telegramId: $telegram) { id }
               byGithub: communityMemberByGithubUsername(githubUsername: \"ghost-229\") { id }
               created: communityInvitations(first: 100, filter: {createdBy: \"#229\"}) { totalCount } }",
            json!({ "id": id, "telegram": telegram }),
        )
        .await;
    for key in ["byId", "byMemberId", "byTelegram", "byGithub"] {
        assert!(data[key].is_null(), "{key}: {data:#}");
    }
    assert_eq!(data["created"]["totalCount"], 0);

    // Not as the creator or acceptor of an invitation.
    let created = app
        .db
        .ids(
            "SELECT invitation_id FROM community_invitations WHERE created_by = '#229'",
            vec![],
        )
        .await;
    let accepted = app
        .db
        .ids(
            "SELECT invitation_id FROM community_invitations WHERE accepted_by = '#229'",
            vec![],
        )
        .await;
    assert!(!created.is_empty() && !accepted.is_empty());
    for invitation in created.iter().chain(&accepted) {
        let data = app
            .data(
                "query I($id: ID!) { communityInvitation(id: $id) { id createdBy { memberId } acceptedBy { memberId } } }",
                json!({ "id": invitation }),
            )
            .await;
        assert!(!data.to_string().contains("#229"), "{data:#}");
    }
    let data = app
        .data(
            "{ communityInvitations(first: 100) { nodes { createdBy { memberId } acceptedBy { memberId } } } }",
            json!({}),
        )
        .await;
    assert!(!data.to_string().contains("#229"));
}

#[tokio::test]
async fn relations_match_the_rows_in_the_database() {
    let app = TestApp::spawn_with_demo(&size()).await;

    // Ingestion: batch → instance, importer, sessions; session → batch, instance, people.
    let data = app
        .data(
            "{ ingestionBatches { nodes { id status programInstance { id } importedBy { id role }
                 csvMetadata { delimiter headerRow } errorSummary { totalErrors rowErrors { row reason } }
                 kintellSessions(first: 100) { totalCount nodes { id completedAt batch { id }
                   programInstance { id } participant { id } volunteer { id } } } } } }",
            json!({}),
        )
        .await;
    let batches = data["ingestionBatches"]["nodes"].as_array().unwrap();
    assert_eq!(batches.len(), 3);
    for batch in batches {
        let id = batch["id"].as_str().unwrap();
        let instance = app
            .db
            .id(
                "SELECT program_instance_id FROM ingestion_batches WHERE id = $1",
                vec![uuid(id)],
            )
            .await;
        let importer = app
            .db
            .id(
                "SELECT imported_by FROM ingestion_batches WHERE id = $1",
                vec![uuid(id)],
            )
            .await;
        assert_eq!(batch["programInstance"]["id"], instance.as_str());
        assert_eq!(batch["importedBy"]["id"], importer.as_str());
        assert_eq!(batch["importedBy"]["role"], "admin");
        assert_eq!(batch["csvMetadata"]["delimiter"], ",");
        if batch["status"] == "FAILED" {
            assert_eq!(batch["errorSummary"]["totalErrors"], 4);
            assert_eq!(
                batch["errorSummary"]["rowErrors"][0]["reason"],
                "not a date"
            );
        }
        let sessions = &batch["kintellSessions"];
        let count = app
            .db
            .scalar_i64(
                "SELECT COUNT(*) FROM kintell_sessions WHERE batch_id = $1",
                vec![uuid(id)],
            )
            .await;
        assert_eq!(sessions["totalCount"], count);
        let nodes = sessions["nodes"].as_array().unwrap();
        let completed: Vec<Option<&str>> =
            nodes.iter().map(|n| n["completedAt"].as_str()).collect();
        let mut oldest_first = completed.clone();
        oldest_first.sort_by_key(|at| (at.is_none(), *at));
        assert_eq!(
            completed, oldest_first,
            "oldest completion first, none last"
        );
        for session in nodes {
            assert_eq!(session["batch"]["id"], id);
            assert_eq!(session["programInstance"]["id"], instance.as_str());
            let session_id = session["id"].as_str().unwrap();
            let people = &app
                .db
                .rows(
                    "SELECT participant_id, volunteer_id FROM kintell_sessions WHERE id = $1",
                    vec![uuid(session_id)],
                )
                .await[0];
            let people: Vec<String> = (0..2)
                .map(|i| {
                    people
                        .try_get_by_index::<uuid::Uuid>(i)
                        .unwrap()
                        .to_string()
                })
                .collect();
            assert_eq!(session["participant"]["id"], people[0].as_str());
            assert_eq!(session["volunteer"]["id"], people[1].as_str());
        }
    }

    // Programs: activities in order, enrollments with their relations and attendance.
    let data = app
        .data(
            "{ programs { nodes { id activities { orderIndex isRequired activity { id programs { id } } }
                 enrollments(first: 100) { totalCount nodes { id user { id } program { id } application { id user { id } }
                   attendance { id user { id } program { id } activity { id } markedBy { role } } } }
                 applications(first: 100) { totalCount nodes { id user { id } program { id } } } } } }",
            json!({}),
        )
        .await;
    let programs = data["programs"]["nodes"].as_array().unwrap();
    assert_eq!(programs.len(), 3);
    for program in programs {
        let id = program["id"].as_str().unwrap();
        let expected = app.db.ids("SELECT pa.activity_id FROM program_activities pa JOIN activities a ON a.id = pa.activity_id \
             WHERE pa.program_id = $1 ORDER BY pa.order_index, a.name",
            vec![uuid(id)],
        )
        .await;
        let activities = program["activities"].as_array().unwrap();
        let ids: Vec<&str> = activities
            .iter()
            .map(|a| a["activity"]["id"].as_str().unwrap())
            .collect();
        assert!(!ids.is_empty());
        assert_eq!(ids, expected, "activities by position, then name");
        for activity in activities {
            assert!(
                activity["activity"]["programs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|p| p["id"] == id)
            );
        }
        let enrollments = &program["enrollments"];
        let count = app
            .db
            .scalar_i64(
                "SELECT COUNT(*) FROM program_enrollments WHERE program_id = $1",
                vec![uuid(id)],
            )
            .await;
        assert_eq!(enrollments["totalCount"], count);
        let mut attended = 0;
        for enrollment in enrollments["nodes"].as_array().unwrap() {
            assert_eq!(enrollment["program"]["id"], id);
            let user = enrollment["user"]["id"].as_str().unwrap();
            assert_eq!(enrollment["application"]["user"]["id"], user);
            let expected: HashSet<String> = app
                .db
                .ids(
                    "SELECT id FROM attendance_records WHERE user_id = $1 AND program_id = $2",
                    vec![uuid(user), uuid(id)],
                )
                .await
                .into_iter()
                .collect();
            let attendance = enrollment["attendance"].as_array().unwrap();
            let ids: HashSet<String> = attendance
                .iter()
                .map(|a| a["id"].as_str().unwrap().to_owned())
                .collect();
            assert_eq!(ids, expected);
            attended += ids.len();
            for record in attendance {
                assert_eq!(record["user"]["id"], user);
                assert_eq!(record["program"]["id"], id);
                assert!(ids_contain(
                    &ids_of(activities, "activity"),
                    &record["activity"]["id"]
                ));
                assert_eq!(record["markedBy"]["role"], "staff");
            }
        }
        assert!(attended > 0, "attendance was recorded in {id}");
        let applications = &program["applications"];
        let count = app
            .db
            .scalar_i64(
                "SELECT COUNT(*) FROM applications WHERE program_id = $1",
                vec![uuid(id)],
            )
            .await;
        assert_eq!(applications["totalCount"], count);
        for application in applications["nodes"].as_array().unwrap() {
            assert_eq!(application["program"]["id"], id);
            let user = app
                .db
                .id(
                    "SELECT user_id FROM applications WHERE id = $1",
                    vec![uuid(application["id"].as_str().unwrap())],
                )
                .await;
            assert_eq!(application["user"]["id"], user.as_str());
        }
    }

    // Program instances: the reverse of KintellSession.programInstance.
    let data = app
        .data(
            "{ programInstances(first: 100, filter: {externalSystem: \"kintell\"}) { nodes { id
                 kintellSessions(first: 5) { totalCount nodes { programInstance { id } } } } } }",
            json!({}),
        )
        .await;
    for instance in data["programInstances"]["nodes"].as_array().unwrap() {
        let id = instance["id"].as_str().unwrap();
        let count = app
            .db
            .scalar_i64(
                "SELECT COUNT(*) FROM kintell_sessions WHERE program_instance_id = $1",
                vec![uuid(id)],
            )
            .await;
        assert!(count > 0);
        assert_eq!(instance["kintellSessions"]["totalCount"], count);
        let nodes = instance["kintellSessions"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), 5);
        assert!(nodes.iter().all(|n| n["programInstance"]["id"] == id));
    }

    // Community: inviter, invitations, participation, highlights, relationships.
    let member = app
        .db
        .id(
            "SELECT id FROM community_members WHERE member_id = '#203'",
            vec![],
        )
        .await;
    let data = app
        .data(
            "query M($id: ID!) { communityMember(id: $id) { memberId invitedBy { memberId }
               invitationsCreated(first: 100) { totalCount nodes { createdBy { memberId } } }
               participation(first: 100) { totalCount nodes { occurredAt } }
               dailyHighlights { highlightDate messageCount }
               lastThree: dailyHighlights(from: \"2026-10-30\", to: \"2026-11-01\") { highlightDate }
               relationships { entityIdA entityIdB relationshipType } } }",
            json!({ "id": member }),
        )
        .await;
    let node = &data["communityMember"];
    assert_eq!(node["memberId"], "#203");
    assert_eq!(node["invitedBy"]["memberId"], "#201");
    let count = app
        .db
        .scalar_i64(
            "SELECT COUNT(*) FROM community_invitations WHERE created_by = '#203'",
            vec![],
        )
        .await;
    assert_eq!(node["invitationsCreated"]["totalCount"], count);
    assert!(
        node["invitationsCreated"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["createdBy"]["memberId"] == "#203")
    );
    let count = app
        .db
        .scalar_i64(
            "SELECT COUNT(*) FROM member_participation WHERE member_id = '#203'",
            vec![],
        )
        .await;
    assert_eq!(node["participation"]["totalCount"], count);
    let occurred: Vec<&str> = node["participation"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["occurredAt"].as_str().unwrap())
        .collect();
    let mut newest_first = occurred.clone();
    newest_first.sort_by(|a, b| b.cmp(a));
    assert_eq!(occurred, newest_first);
    let days: Vec<&str> = node["dailyHighlights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["highlightDate"].as_str().unwrap())
        .collect();
    let expected = app.db.texts("SELECT CAST(highlight_date AS TEXT) FROM member_daily_highlights WHERE member_id = '#203' ORDER BY highlight_date",
        vec![],
    )
    .await;
    assert_eq!(days.len(), 7);
    assert_eq!(days, expected);
    let last_three: Vec<&str> = node["lastThree"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["highlightDate"].as_str().unwrap())
        .collect();
    assert_eq!(last_three, ["2026-10-30", "2026-10-31", "2026-11-01"]);
    let relationships = node["relationships"].as_array().unwrap();
    let count = app
        .db
        .scalar_i64(
            "SELECT COUNT(*) FROM member_relationships WHERE entity_id_a = '#203' OR entity_id_b = '#203'",
            vec![],
        )
        .await;
    assert_eq!(relationships.len() as i64, count);
    assert!(
        relationships
            .iter()
            .all(|r| r["entityIdA"] == "#203" || r["entityIdB"] == "#203")
    );

    // Invitations: creator and acceptor by member number.
    let data = app
        .data(
            "{ communityInvitations(first: 100, filter: {status: [ACCEPTED]}) { nodes { id status isExpired expiresAt
                 createdBy { memberId } acceptedBy { memberId } } } }",
            json!({}),
        )
        .await;
    for invitation in data["communityInvitations"]["nodes"].as_array().unwrap() {
        let id = invitation["id"].as_str().unwrap();
        let row = &app.db.rows("SELECT created_by, accepted_by FROM community_invitations WHERE invitation_id = $1",
            vec![uuid(id)],
        )
        .await[0];
        let members: Vec<String> = (0..2)
            .map(|i| row.try_get_by_index::<String>(i).unwrap())
            .collect();
        if members[0] != "#229" {
            assert_eq!(invitation["createdBy"]["memberId"], members[0].as_str());
        }
        if members[1] != "#229" {
            assert_eq!(invitation["acceptedBy"]["memberId"], members[1].as_str());
        }
        let expires: chrono::DateTime<chrono::Utc> =
            invitation["expiresAt"].as_str().unwrap().parse().unwrap();
        assert_eq!(invitation["isExpired"], expires < chrono::Utc::now());
    }
}

fn ids_of(list: &[Value], field: &str) -> HashSet<String> {
    list.iter()
        .map(|item| item[field]["id"].as_str().unwrap().to_owned())
        .collect()
}

fn ids_contain(ids: &HashSet<String>, id: &Value) -> bool {
    ids.contains(id.as_str().unwrap())
}

#[tokio::test]
async fn bad_arguments_are_bad_user_input_naming_the_field() {
    let app = TestApp::spawn_with_demo(&size()).await;
    let programs_cursor = app
        .data(
            "{ programs(first: 1) { pageInfo { endCursor } } }",
            json!({}),
        )
        .await["programs"]["pageInfo"]["endCursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let cases: Vec<(String, &str)> = vec![
        ("{ ingestionBatches(first: 101) { totalCount } }".into(), "first"),
        ("{ kintellSessions(first: -1) { totalCount } }".into(), "first"),
        ("{ communityInvitations(first: 1000) { totalCount } }".into(), "first"),
        ("{ users(after: \"garbage\") { totalCount } }".into(), "after"),
        ("{ communityMembers(after: \"garbage\") { totalCount } }".into(), "after"),
        (format!("{{ communityMembers(after: \"{programs_cursor}\") {{ totalCount }} }}"), "after"),
        (format!("{{ activities(after: \"{programs_cursor}\") {{ totalCount }} }}"), "after"),
        ("{ ingestionBatch(id: \"x\") { id } }".into(), "id"),
        ("{ kintellSession(id: \"x\") { id } }".into(), "id"),
        ("{ program(id: \"x\") { id } }".into(), "id"),
        ("{ activity(id: \"x\") { id } }".into(), "id"),
        ("{ application(id: \"x\") { id } }".into(), "id"),
        ("{ user(id: \"x\") { id } }".into(), "id"),
        ("{ communityMember(id: \"x\") { id } }".into(), "id"),
        ("{ communityInvitation(id: \"x\") { id } }".into(), "id"),
        ("{ kintellSessions(filter: {batchId: \"x\"}) { totalCount } }".into(), "filter.batchId"),
        ("{ kintellSessions(filter: {programInstanceId: \"x\"}) { totalCount } }".into(), "filter.programInstanceId"),
        ("{ applications(filter: {programId: \"x\"}) { totalCount } }".into(), "filter.programId"),
        ("{ communityMembers(filter: {reputationAtLeast: -5}) { totalCount } }".into(), "filter.reputationAtLeast"),
        ("{ programs(first: 1) { nodes { enrollments(first: 500) { totalCount } } } }".into(), "first"),
        ("{ programs(first: 1) { nodes { applications(after: \"garbage\") { totalCount } } } }".into(), "after"),
        ("{ ingestionBatches(first: 1) { nodes { kintellSessions(first: 101) { totalCount } } } }".into(), "first"),
        (format!("{{ ingestionBatches(first: 1) {{ nodes {{ kintellSessions(after: \"{programs_cursor}\") {{ totalCount }} }} }} }}"), "after"),
        ("{ communityMembers(first: 1) { nodes { participation(first: 101) { totalCount } } } }".into(), "first"),
        (format!("{{ communityMembers(first: 1) {{ nodes {{ invitationsCreated(after: \"{programs_cursor}\") {{ totalCount }} }} }} }}"), "after"),
        ("{ communityMembers(first: 1) { nodes { dailyHighlights(from: \"2026-10-10\", to: \"2026-10-01\") { id } } } }".into(), "to"),
    ];
    for (query, field) in cases {
        let (code, error_field, message) = app.error(&query, json!({})).await;
        assert_eq!(code, "BAD_USER_INPUT", "{query}: {message}");
        assert_eq!(error_field.as_deref(), Some(field), "{query}: {message}");
    }
}
