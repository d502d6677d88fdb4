//! The program admin actions of issue 17 through the real server: reviewing applications
//! (approval enrolls a guest), the activity catalogue (create, update, retire), enrolling in
//! one run of a program (a program instance), and the per-user and per-activity lists. Each
//! mutation's rule, its refusals (coded, writing nothing), its audit row, and who may run it.

use api::auth::{Claims, Role};
use chrono::Utc;
use serde_json::{Value, json};
use tests::TestApp;
use tests::app::{TEST_SECRET, token};
use uuid::Uuid;

const SUBMIT: &str = "mutation Submit($input: SubmitApplicationInput!) {
  submitApplication(input: $input) { id status }
}";

const REVIEW: &str = "mutation Review($id: ID!, $decision: ApplicationDecision!, $reason: String) {
  reviewApplication(id: $id, decision: $decision, reason: $reason) {
    application { id status reviewedAt reviewReason }
    enrollment { id enrollmentStatus user { id } program { id } application { id } }
  }
}";

const CREATE_ACTIVITY: &str = "mutation Create($input: CreateActivityInput!) {
  createActivity(input: $input) { id name description activityType startsAt endsAt retiredAt }
}";

const UPDATE_ACTIVITY: &str = "mutation Update($id: ID!, $input: UpdateActivityInput!) {
  updateActivity(id: $id, input: $input) { id name description activityType startsAt endsAt retiredAt }
}";

const RETIRE_ACTIVITY: &str = "mutation Retire($id: ID!) {
  retireActivity(id: $id) { id retiredAt }
}";

const ADD_ACTIVITY: &str = "mutation Add($programId: ID!, $input: AddProgramActivityInput!) {
  addProgramActivity(programId: $programId, input: $input) { programActivity { id } }
}";

const ENROLL: &str = "mutation Enroll($input: EnrollInProgramInput!) {
  enrollInProgram(input: $input) { id enrollmentStatus programInstance { id programName } }
}";

const MARK: &str = "mutation Mark($input: MarkAttendanceInput!) {
  markAttendance(input: $input) { attendanceRecord { id } }
}";

fn goal() -> String {
    "I will ship a portfolio site for a real client and write about what I learn. "
        .chars()
        .cycle()
        .take(160)
        .collect()
}

/// A token for `role` whose subject is `subject` (a platform user, for attendance marks).
fn token_for(role: Role, subject: Uuid) -> String {
    let claims = Claims {
        sub: subject.to_string(),
        role,
        company_id: None,
        exp: Utc::now().timestamp() + 3600,
        nbf: None,
        iss: None,
        aud: None,
    };
    api::auth::sign_hs256(TEST_SECRET, &claims).expect("sign a test token")
}

fn id_of(value: &Value) -> Uuid {
    Uuid::parse_str(value.as_str().expect("an id")).expect("a UUID")
}

async fn program(app: &TestApp, name: &str) -> Uuid {
    let data = app
        .data(
            "query($name: String!) { programByName(name: $name) { id } }",
            json!({ "name": name }),
        )
        .await;
    id_of(&data["programByName"]["id"])
}

async fn submit(app: &TestApp, user: Uuid, program: Uuid) -> Uuid {
    let data = app
        .data(
            SUBMIT,
            json!({ "input": { "userId": user, "programId": program, "goal": goal() } }),
        )
        .await;
    id_of(&data["submitApplication"]["id"])
}

async fn create_activity(app: &TestApp, input: Value) -> Value {
    app.data(CREATE_ACTIVITY, json!({ "input": input })).await["createActivity"].clone()
}

async fn audited(app: &TestApp, mutation: &str, touched: &str) -> i64 {
    // `touched` lists the rows a change wrote, as JSON text on both backends.
    app.db
        .count(
            "SELECT COUNT(*) FROM audit_log WHERE mutation = $1 AND CAST(touched AS TEXT) LIKE $2",
            vec![mutation.into(), format!("%{touched}%").into()],
        )
        .await
}

#[tokio::test]
async fn approving_an_application_enrolls_the_applicant_as_a_guest_of_its_program() {
    let app = TestApp::spawn().await;
    let user = app.db.insert_user().await;
    let open = program(&app, "Open").await;
    let application = submit(&app, user, open).await;

    let data = app
        .data(REVIEW, json!({ "id": application, "decision": "APPROVE" }))
        .await;
    let reviewed = &data["reviewApplication"];
    assert_eq!(reviewed["application"]["status"], "APPROVED");
    assert!(reviewed["application"]["reviewedAt"].is_string(), "{data}");
    assert!(reviewed["application"]["reviewReason"].is_null());
    let enrollment = &reviewed["enrollment"];
    assert_eq!(enrollment["enrollmentStatus"], "GUEST");
    assert_eq!(id_of(&enrollment["user"]["id"]), user);
    assert_eq!(id_of(&enrollment["program"]["id"]), open);
    assert_eq!(id_of(&enrollment["application"]["id"]), application);
    let enrollment = id_of(&enrollment["id"]);
    assert_eq!(
        app.db
            .count(
                "SELECT COUNT(*) FROM program_enrollments WHERE user_id = $1 AND program_id = $2 \
                 AND application_id = $3 AND enrollment_status = 'guest'",
                vec![user.into(), open.into(), application.into()],
            )
            .await,
        1
    );
    assert_eq!(
        audited(&app, "reviewApplication", &application.to_string()).await,
        1
    );
    assert_eq!(
        audited(&app, "reviewApplication", &enrollment.to_string()).await,
        1
    );
}

#[tokio::test]
async fn a_rejection_keeps_its_reason_and_a_withdrawal_enrolls_nobody() {
    let app = TestApp::spawn().await;
    let user = app.db.insert_user().await;
    let open = program(&app, "Open").await;
    let defi = program(&app, "DeFi-esta").await;
    let rejected = submit(&app, user, open).await;
    let withdrawn = submit(&app, user, defi).await;

    let data = app
        .data(
            REVIEW,
            json!({ "id": rejected, "decision": "REJECT", "reason": "  The cohort is full.  " }),
        )
        .await;
    let application = &data["reviewApplication"]["application"];
    assert_eq!(application["status"], "REJECTED");
    assert_eq!(application["reviewReason"], "The cohort is full.");
    assert!(application["reviewedAt"].is_string());
    assert!(data["reviewApplication"]["enrollment"].is_null());

    let data = app
        .data(REVIEW, json!({ "id": withdrawn, "decision": "WITHDRAW" }))
        .await;
    let application = &data["reviewApplication"]["application"];
    assert_eq!(application["status"], "WITHDRAWN");
    assert!(application["reviewedAt"].is_null(), "nobody reviewed it");
    assert!(data["reviewApplication"]["enrollment"].is_null());
    assert_eq!(
        app.db
            .count(
                "SELECT COUNT(*) FROM program_enrollments WHERE user_id = $1",
                vec![user.into()]
            )
            .await,
        0
    );
    assert_eq!(audited(&app, "reviewApplication", "Application").await, 2);
}

#[tokio::test]
async fn a_review_off_the_rules_is_refused_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let user = app.db.insert_user().await;
    let other = app.db.insert_user().await;
    let open = program(&app, "Open").await;
    let defi = program(&app, "DeFi-esta").await;
    let application = submit(&app, user, open).await;

    // Reasons: REJECT needs one, APPROVE takes none, none is longer than 500 characters.
    for (decision, reason, field) in [
        ("REJECT", Value::Null, "reason"),
        ("REJECT", json!("   "), "reason"),
        ("APPROVE", json!("welcome"), "reason"),
        ("WITHDRAW", json!("x".repeat(501)), "reason"),
    ] {
        app.refused(
            REVIEW,
            json!({ "id": application, "decision": decision, "reason": reason }),
            "BAD_USER_INPUT",
            Some(field),
        )
        .await;
    }
    app.refused(
        REVIEW,
        json!({ "id": Uuid::new_v4(), "decision": "APPROVE" }),
        "NOT_FOUND",
        None,
    )
    .await;
    app.refused(
        REVIEW,
        json!({ "id": "not-a-uuid", "decision": "APPROVE" }),
        "BAD_USER_INPUT",
        Some("id"),
    )
    .await;

    // A decided application is final, whatever the decision.
    app.data(
        REVIEW,
        json!({ "id": application, "decision": "REJECT", "reason": "Not this time." }),
    )
    .await;
    for (decision, reason) in [
        ("APPROVE", Value::Null),
        ("REJECT", json!("again")),
        ("WITHDRAW", Value::Null),
    ] {
        let message = app
            .refused(
                REVIEW,
                json!({ "id": application, "decision": decision, "reason": reason }),
                "CONFLICT",
                Some("decision"),
            )
            .await;
        assert!(message.contains("REJECTED"), "{message}");
        assert!(message.contains("none (it is final)"), "{message}");
    }

    // Approval needs an applicant not yet enrolled, in an open program.
    let enrolled = submit(&app, other, open).await;
    app.data(
        ENROLL,
        json!({ "input": { "userId": other, "programId": open } }),
    )
    .await;
    let message = app
        .refused(
            REVIEW,
            json!({ "id": enrolled, "decision": "APPROVE" }),
            "CONFLICT",
            Some("id"),
        )
        .await;
    assert!(message.contains("already enrolled"), "{message}");
    let closing = submit(&app, other, defi).await;
    app.data(
        "mutation($id: ID!) { updateProgram(id: $id, input: {isActive: false}) { id } }",
        json!({ "id": defi }),
    )
    .await;
    app.refused(
        REVIEW,
        json!({ "id": closing, "decision": "APPROVE" }),
        "CONFLICT",
        Some("id"),
    )
    .await;
    // Rejecting is still possible once the program closed.
    app.data(
        REVIEW,
        json!({ "id": closing, "decision": "REJECT", "reason": "The program closed." }),
    )
    .await;
}

#[tokio::test]
async fn activities_are_created_changed_and_retired_and_retired_ones_leave_the_default_list() {
    let app = TestApp::spawn().await;
    let created = create_activity(
        &app,
        json!({ "name": "  Kick-off  ", "description": "Meet the cohort.",
                "startsAt": "2026-03-02T09:00:00Z", "endsAt": "2026-03-02T11:00:00Z" }),
    )
    .await;
    assert_eq!(created["name"], "Kick-off");
    assert_eq!(created["activityType"], "session", "the column's default");
    assert!(created["retiredAt"].is_null());
    let id = id_of(&created["id"]);
    assert_eq!(audited(&app, "createActivity", &id.to_string()).await, 1);

    let data = app
        .data(
            UPDATE_ACTIVITY,
            json!({ "id": id, "input": { "activityType": "workshop", "description": null,
                                          "endsAt": "2026-03-02T12:00:00Z" } }),
        )
        .await;
    let updated = &data["updateActivity"];
    assert_eq!(updated["name"], "Kick-off", "left out, kept");
    assert_eq!(updated["activityType"], "workshop");
    assert!(updated["description"].is_null(), "null clears it");
    assert_eq!(updated["startsAt"], created["startsAt"]);
    assert_eq!(updated["endsAt"], "2026-03-02T12:00:00+00:00");
    assert_eq!(audited(&app, "updateActivity", &id.to_string()).await, 1);

    let listed = "query($filter: ActivityFilter) { activities(first: 100, filter: $filter) {
      totalCount edges { node { id } } } }";
    let ids = |data: &Value| -> Vec<Uuid> {
        data["activities"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|edge| id_of(&edge["node"]["id"]))
            .collect()
    };
    assert!(ids(&app.data(listed, json!({})).await).contains(&id));

    let data = app.data(RETIRE_ACTIVITY, json!({ "id": id })).await;
    assert!(data["retireActivity"]["retiredAt"].is_string(), "{data}");
    assert_eq!(audited(&app, "retireActivity", &id.to_string()).await, 1);
    assert!(!ids(&app.data(listed, json!({})).await).contains(&id));
    assert_eq!(
        ids(&app
            .data(listed, json!({ "filter": { "retired": true } }))
            .await),
        vec![id]
    );
    let data = app
        .data(
            "query($id: ID!) { activity(id: $id) { id retiredAt } }",
            json!({ "id": id }),
        )
        .await;
    assert!(
        data["activity"]["retiredAt"].is_string(),
        "still readable by id"
    );
}

#[tokio::test]
async fn an_activity_off_the_rules_or_retired_is_refused_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    for (input, field) in [
        (json!({ "name": "   " }), "input.name"),
        (json!({ "name": "x".repeat(256) }), "input.name"),
        (
            json!({ "name": "Demo day", "activityType": " " }),
            "input.activityType",
        ),
        (
            json!({ "name": "Demo day", "activityType": "x".repeat(51) }),
            "input.activityType",
        ),
        (
            json!({ "name": "Demo day", "startsAt": "2026-03-02T09:00:00Z",
                    "endsAt": "2026-03-02T08:59:59Z" }),
            "input.endsAt",
        ),
    ] {
        app.refused(
            CREATE_ACTIVITY,
            json!({ "input": input }),
            "BAD_USER_INPUT",
            Some(field),
        )
        .await;
    }
    let id = id_of(
        &create_activity(
            &app,
            json!({ "name": "Demo day", "startsAt": "2026-03-02T09:00:00Z" }),
        )
        .await["id"],
    );
    app.refused(
        UPDATE_ACTIVITY,
        json!({ "id": id, "input": { "endsAt": "2026-03-01T09:00:00Z" } }),
        "BAD_USER_INPUT",
        Some("input.endsAt"),
    )
    .await;
    app.refused(
        UPDATE_ACTIVITY,
        json!({ "id": Uuid::new_v4(), "input": { "name": "Ghost" } }),
        "NOT_FOUND",
        None,
    )
    .await;

    let open = program(&app, "Open").await;
    app.data(RETIRE_ACTIVITY, json!({ "id": id })).await;
    let message = app
        .refused(RETIRE_ACTIVITY, json!({ "id": id }), "CONFLICT", Some("id"))
        .await;
    assert!(message.contains("retired"), "{message}");
    app.refused(
        UPDATE_ACTIVITY,
        json!({ "id": id, "input": { "name": "Demo night" } }),
        "CONFLICT",
        Some("id"),
    )
    .await;
    app.refused(
        ADD_ACTIVITY,
        json!({ "programId": open, "input": { "activityId": id } }),
        "CONFLICT",
        Some("input.activityId"),
    )
    .await;
}

/// A program instance run by `program_name`, in `status`, of a new campaign of a new company.
async fn insert_instance_of(app: &TestApp, program_name: &str, status: &str) -> Uuid {
    let (company, template, group, campaign) = app.db.insert_campaign_graph().await;
    let id = Uuid::new_v4();
    // Literals for the enum columns: on PostgreSQL they are native enums.
    app.db
        .execute(
            &format!(
                "INSERT INTO program_instances (id, name, campaign_id, company_id,
                   program_template_id, beneficiary_group_id, start_date, status, program_type,
                   program_name, program_slug)
                 VALUES ($1, 'Spring run', $2, $3, $4, $5, $6, '{status}', 'upskilling', $7, $8)"
            ),
            vec![
                id.into(),
                campaign.into(),
                company.into(),
                template.into(),
                group.into(),
                tests::fixtures::date(2026, 3, 2).into(),
                program_name.into(),
                format!("spring-run-{}", id.simple()).into(),
            ],
        )
        .await
        .expect("insert a program instance");
    id
}

#[tokio::test]
async fn an_enrollment_names_a_visible_unfinished_run_of_its_own_program() {
    let app = TestApp::spawn().await;
    let user = app.db.insert_user().await;
    let staff = app.db.insert_user().await;
    let open = program(&app, "Open").await;
    let run = insert_instance_of(&app, "open", "active").await;
    let other_run = insert_instance_of(&app, "DeFi-esta", "active").await;
    let finished = insert_instance_of(&app, "Open", "completed").await;
    let enroll = |instance: Uuid| {
        json!({ "input": { "userId": user, "programId": open,
                                                     "programInstanceId": instance } })
    };

    app.refused(
        ENROLL,
        enroll(other_run),
        "BAD_USER_INPUT",
        Some("input.programInstanceId"),
    )
    .await;
    app.refused(
        ENROLL,
        enroll(finished),
        "CONFLICT",
        Some("input.programInstanceId"),
    )
    .await;
    let message = app
        .refused(ENROLL, enroll(Uuid::new_v4()), "NOT_FOUND", None)
        .await;
    assert!(message.contains("input.programInstanceId"), "{message}");
    // Program staff do not read campaign data: to them the run is an unknown id.
    let before = app.db.contents().await;
    let (_, body) = app
        .graphql_as(
            Some(&token_for(Role::ProgramStaff, staff)),
            ENROLL,
            enroll(run),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{body}"
    );
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("input.programInstanceId"),
        "{body}"
    );
    assert_eq!(app.db.contents().await, before);

    let data = app.data(ENROLL, enroll(run)).await;
    let enrollment = &data["enrollInProgram"];
    assert_eq!(enrollment["enrollmentStatus"], "GUEST");
    assert_eq!(id_of(&enrollment["programInstance"]["id"]), run);
    assert_eq!(
        app.db
            .count(
                "SELECT COUNT(*) FROM program_enrollments WHERE user_id = $1 \
                 AND program_instance_id = $2",
                vec![user.into(), run.into()],
            )
            .await,
        1
    );
}

#[tokio::test]
async fn a_users_enrollments_applications_and_attendance_and_an_activitys_attendance_are_listed() {
    let app = TestApp::spawn().await;
    let staff = app.db.insert_user().await;
    let user = app.db.insert_user().await;
    let someone_else = app.db.insert_user().await;
    let open = program(&app, "Open").await;
    let defi = program(&app, "DeFi-esta").await;
    let chamba = program(&app, "De Cero a Chamba").await;
    let approved = submit(&app, user, open).await;
    app.data(REVIEW, json!({ "id": approved, "decision": "APPROVE" }))
        .await;
    let pending = submit(&app, user, defi).await;
    submit(&app, someone_else, defi).await;
    app.data(
        ENROLL,
        json!({ "input": { "userId": user, "programId": chamba } }),
    )
    .await;
    let kickoff = id_of(&create_activity(&app, json!({ "name": "Kick-off" })).await["id"]);
    let demo = id_of(&create_activity(&app, json!({ "name": "Demo day" })).await["id"]);
    let as_staff = token_for(Role::ProgramStaff, staff);
    for (who, activity, status) in [
        (user, kickoff, "PRESENT"),
        (user, demo, "ABSENT"),
        (someone_else, kickoff, "EXCUSED"),
    ] {
        let (_, body) = app
            .graphql_as(
                Some(&as_staff),
                MARK,
                json!({ "input": { "userId": who, "activityId": activity, "attendanceStatus": status } }),
            )
            .await;
        assert!(body.get("errors").is_none(), "{body}");
    }

    let query = "query($user: ID!, $activity: ID!) {
      user(id: $user) {
        enrollments { totalCount edges { node { enrollmentStatus program { name } } } }
        guests: enrollments(filter: {status: [GUEST]}) { totalCount }
        applications { totalCount edges { node { id status } } }
        pending: applications(filter: {status: [PENDING]}) { edges { node { id } } }
        attendance { totalCount edges { node { attendanceStatus activity { name } } } }
        absences: attendance(filter: {status: [ABSENT]}) { totalCount }
      }
      activity(id: $activity) {
        attendance(first: 1) { totalCount pageInfo { hasNextPage } edges { node { user { id } } } }
      }
    }";
    let (_, body) = app
        .graphql_as(
            Some(&as_staff),
            query,
            json!({ "user": user, "activity": kickoff }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let data = &body["data"];
    let listed = &data["user"];
    assert_eq!(listed["enrollments"]["totalCount"], 2);
    let mut programs: Vec<&str> = listed["enrollments"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"]["program"]["name"].as_str().unwrap())
        .collect();
    programs.sort_unstable();
    assert_eq!(programs, ["De Cero a Chamba", "Open"]);
    assert_eq!(listed["guests"]["totalCount"], 2);
    assert_eq!(listed["applications"]["totalCount"], 2);
    assert_eq!(
        listed["applications"]["edges"][0]["node"]["id"],
        pending.to_string(),
        "newest first"
    );
    assert_eq!(
        listed["pending"]["edges"],
        json!([{ "node": { "id": pending.to_string() } }])
    );
    assert_eq!(listed["attendance"]["totalCount"], 2);
    assert_eq!(
        listed["attendance"]["edges"][0]["node"],
        json!({ "attendanceStatus": "PRESENT", "activity": { "name": "Kick-off" } }),
        "in the order it was marked"
    );
    assert_eq!(listed["absences"]["totalCount"], 1);
    let at_kickoff = &data["activity"]["attendance"];
    assert_eq!(at_kickoff["totalCount"], 2);
    assert_eq!(at_kickoff["pageInfo"]["hasNextPage"], true);
    assert_eq!(
        at_kickoff["edges"][0]["node"]["user"]["id"],
        user.to_string()
    );

    // Walking the activity's attendance page by page visits each record once.
    let ids = app
        .walk_nested("activity", &kickoff.to_string(), "attendance", 1, 2)
        .await;
    assert_eq!(ids.len(), 2);
}

#[tokio::test]
async fn only_program_staff_and_admins_run_the_program_admin_actions() {
    let app = TestApp::spawn().await;
    let staff = app.db.insert_user().await;
    let user = app.db.insert_user().await;
    let open = program(&app, "Open").await;
    let application = submit(&app, user, open).await;
    let activity = id_of(&create_activity(&app, json!({ "name": "Kick-off" })).await["id"]);
    let company = app.db.insert_company("Acme").await;
    let mutations = [
        (REVIEW, json!({ "id": application, "decision": "APPROVE" })),
        (
            CREATE_ACTIVITY,
            json!({ "input": { "name": "Office hours" } }),
        ),
        (
            UPDATE_ACTIVITY,
            json!({ "id": activity, "input": { "name": "Kick-off (day 1)" } }),
        ),
        (RETIRE_ACTIVITY, json!({ "id": activity })),
    ];
    let before = app.db.contents().await;
    for role in [
        Role::CompanyAdmin,
        Role::CompanyViewer,
        Role::Ingestion,
        Role::CommunityModerator,
    ] {
        let as_role = token(role, role.is_company_role().then_some(company));
        for (query, variables) in &mutations {
            let (_, body) = app
                .graphql_as(Some(&as_role), query, variables.clone())
                .await;
            assert_eq!(
                body["errors"][0]["extensions"]["code"], "FORBIDDEN",
                "{role:?}: {body}"
            );
        }
    }
    assert_eq!(app.db.contents().await, before);

    let as_staff = token_for(Role::ProgramStaff, staff);
    for (query, variables) in &mutations {
        let (_, body) = app
            .graphql_as(Some(&as_staff), query, variables.clone())
            .await;
        assert!(body.get("errors").is_none(), "{query}: {body}");
    }
    assert_eq!(
        app.db
            .count(
                "SELECT COUNT(*) FROM audit_log WHERE role = 'program_staff' AND subject = $1",
                vec![staff.to_string().into()],
            )
            .await,
        mutations.len() as i64
    );
}
