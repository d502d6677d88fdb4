//! Program management mutations through the real server: programs and their ordered
//! activities, applications, the enrollment lifecycle and attendance marking, who may run
//! them, and that a refused mutation writes nothing.

use api::auth::{Claims, Role};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use tests::TestApp;
use tests::app::{TEST_SECRET, token};
use uuid::Uuid;

const CREATE_PROGRAM: &str = "mutation Create($input: CreateProgramInput!) {
  createProgram(input: $input) { id name description programType startDate endDate isActive }
}";

const UPDATE_PROGRAM: &str = "mutation Update($id: ID!, $input: UpdateProgramInput!) {
  updateProgram(id: $id, input: $input) { id name description programType startDate endDate isActive }
}";

const ADD_ACTIVITY: &str = "mutation Add($programId: ID!, $input: AddProgramActivityInput!) {
  addProgramActivity(programId: $programId, input: $input) {
    program { id activities { orderIndex activity { id name } } }
    programActivity { id isRequired orderIndex activity { id name } }
  }
}";

const MOVE_ACTIVITY: &str = "mutation Move($programId: ID!, $activityId: ID!, $position: Int!) {
  moveProgramActivity(programId: $programId, activityId: $activityId, position: $position) {
    program { activities { orderIndex activity { name } } }
    programActivity { orderIndex activity { name } }
  }
}";

const REMOVE_ACTIVITY: &str = "mutation Remove($programId: ID!, $activityId: ID!) {
  removeProgramActivity(programId: $programId, activityId: $activityId) {
    program { activities { orderIndex activity { name } } }
    removedProgramActivityId
  }
}";

const SUBMIT: &str = "mutation Submit($input: SubmitApplicationInput!) {
  submitApplication(input: $input) { id status goal githubUsername twitterUsername }
}";

const ENROLL: &str = "mutation Enroll($input: EnrollInProgramInput!) {
  enrollInProgram(input: $input) {
    id enrollmentStatus promotedAt completedAt metadata
    user { id } program { id } application { id }
  }
}";

const TRANSITION: &str = "mutation Transition($id: ID!, $to: EnrollmentStatus!, $reason: String) {
  transitionEnrollment(id: $id, to: $to, reason: $reason) {
    id enrollmentStatus promotedAt completedAt metadata
  }
}";

const MARK: &str = "mutation Mark($input: MarkAttendanceInput!) {
  markAttendance(input: $input) {
    corrected
    attendanceRecord {
      id attendanceStatus notes markedAt createdAt
      user { id } activity { id } program { id } markedBy { id }
    }
  }
}";

/// A goal of `length` characters.
fn goal(length: usize) -> String {
    "I will ship a portfolio site for a real client. "
        .chars()
        .cycle()
        .take(length)
        .collect()
}

/// A token for `role` whose subject is `subject` (a platform user's id, for attendance).
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

fn time(value: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().expect("a timestamp"))
        .expect("an RFC 3339 timestamp")
        .with_timezone(&Utc)
}

fn id_of(value: &Value) -> Uuid {
    Uuid::parse_str(value.as_str().expect("an id")).expect("a UUID")
}

async fn insert_activity(app: &TestApp, name: &str) -> Uuid {
    let id = Uuid::new_v4();
    app.db
        .execute(
            "INSERT INTO activities (id, name) VALUES ($1, $2)",
            vec![id.into(), name.into()],
        )
        .await
        .expect("insert activity");
    id
}

async fn seeded_program(app: &TestApp, name: &str) -> Uuid {
    let data = app
        .data(
            "query($name: String!) { programByName(name: $name) { id } }",
            json!({ "name": name }),
        )
        .await;
    id_of(&data["programByName"]["id"])
}

async fn create_program(app: &TestApp, input: Value) -> Uuid {
    let data = app.data(CREATE_PROGRAM, json!({ "input": input })).await;
    id_of(&data["createProgram"]["id"])
}

fn cohort(name: &str) -> Value {
    json!({
        "name": name,
        "description": "Twelve weeks of web development, one real client project.",
        "programType": "COHORT",
        "startDate": "2026-03-02T09:00:00Z",
        "endDate": "2026-05-29T17:00:00Z",
    })
}

async fn enroll(app: &TestApp, user: Uuid, program: Uuid) -> Uuid {
    let data = app
        .data(
            ENROLL,
            json!({ "input": { "userId": user, "programId": program } }),
        )
        .await;
    id_of(&data["enrollInProgram"]["id"])
}

#[tokio::test]
async fn a_cohort_program_is_created_with_its_dates_and_an_evergreen_one_without() {
    let app = TestApp::spawn().await;
    let data = app
        .data(
            CREATE_PROGRAM,
            json!({ "input": {
                "name": "  Rust desde Cero  ",
                "description": "Systems programming for web developers.",
                "programType": "COHORT",
                "startDate": "2026-03-02T09:00:00Z",
                "endDate": "2026-05-29T17:00:00Z",
            } }),
        )
        .await;
    let program = &data["createProgram"];
    assert_eq!(program["name"], "Rust desde Cero");
    assert_eq!(program["programType"], "COHORT");
    assert_eq!(program["isActive"], true);
    assert_eq!(
        time(&program["startDate"]).to_rfc3339(),
        "2026-03-02T09:00:00+00:00"
    );
    assert_eq!(
        time(&program["endDate"]).to_rfc3339(),
        "2026-05-29T17:00:00+00:00"
    );
    let id = id_of(&program["id"]);
    let stored = app
        .db
        .count(
            "SELECT COUNT(*) FROM programs WHERE id = $1 AND name = 'Rust desde Cero' \
         AND program_type = 'cohort' AND is_active = true \
         AND start_date IS NOT NULL AND end_date IS NOT NULL",
            vec![id.into()],
        )
        .await;
    assert_eq!(stored, 1);
    let read = app
        .data(
            "query($id: ID!) { program(id: $id) { startDate endDate } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        time(&read["program"]["startDate"]),
        time(&program["startDate"])
    );
    assert_eq!(time(&read["program"]["endDate"]), time(&program["endDate"]));

    let data = app
        .data(
            CREATE_PROGRAM,
            json!({ "input": {
                "name": "Open Source Fridays",
                "description": "Contribute to open source every Friday.",
                "programType": "EVERGREEN",
                "isActive": false,
            } }),
        )
        .await;
    let evergreen = &data["createProgram"];
    assert_eq!(evergreen["programType"], "EVERGREEN");
    assert_eq!(evergreen["startDate"], Value::Null);
    assert_eq!(evergreen["isActive"], false);
    let stored = app
        .db
        .count(
            "SELECT COUNT(*) FROM programs WHERE id = $1 AND program_type = 'evergreen' \
         AND is_active = false AND start_date IS NULL AND end_date IS NULL",
            vec![id_of(&evergreen["id"]).into()],
        )
        .await;
    assert_eq!(stored, 1);
    let audited = app
        .db
        .count(
            "SELECT COUNT(*) FROM audit_log WHERE mutation = 'createProgram' AND role = 'admin'",
            vec![],
        )
        .await;
    assert_eq!(audited, 2);
}

#[tokio::test]
async fn a_program_with_a_taken_name_or_dates_that_do_not_fit_its_kind_is_refused() {
    let app = TestApp::spawn().await;
    let with = |changes: Value| {
        let mut input = cohort("Rust desde Cero");
        for (key, value) in changes.as_object().expect("an object") {
            input[key] = value.clone();
        }
        json!({ "input": input })
    };
    let cases = [
        (json!({ "name": "   " }), "BAD_USER_INPUT", "input.name"),
        (
            json!({ "name": "n".repeat(101) }),
            "BAD_USER_INPUT",
            "input.name",
        ),
        (
            json!({ "description": "" }),
            "BAD_USER_INPUT",
            "input.description",
        ),
        (
            json!({ "startDate": null }),
            "BAD_USER_INPUT",
            "input.startDate",
        ),
        (
            json!({ "endDate": null }),
            "BAD_USER_INPUT",
            "input.endDate",
        ),
        (
            json!({ "endDate": "2026-03-01T09:00:00Z" }),
            "BAD_USER_INPUT",
            "input.endDate",
        ),
        (
            json!({ "endDate": "2026-03-02T09:00:00Z" }),
            "BAD_USER_INPUT",
            "input.endDate",
        ),
        (
            json!({ "programType": "EVERGREEN", "endDate": null }),
            "BAD_USER_INPUT",
            "input.startDate",
        ),
        (
            json!({ "programType": "EVERGREEN", "startDate": null }),
            "BAD_USER_INPUT",
            "input.endDate",
        ),
        // Seeded by the migration.
        (json!({ "name": "DeFi-esta" }), "CONFLICT", "input.name"),
        (json!({ "name": " Open " }), "CONFLICT", "input.name"),
    ];
    for (changes, code, field) in cases {
        app.refused(CREATE_PROGRAM, with(changes), code, Some(field))
            .await;
    }
    assert_eq!(
        app.db.count("SELECT COUNT(*) FROM programs", vec![]).await,
        3
    );
}

#[tokio::test]
async fn two_programs_created_at_once_with_one_name_store_one() {
    let app = TestApp::spawn().await;
    let variables = json!({ "input": cohort("Rust desde Cero") });
    let (first, second) = tokio::join!(
        app.graphql(CREATE_PROGRAM, variables.clone()),
        app.graphql(CREATE_PROGRAM, variables.clone()),
    );
    let mut outcomes: Vec<String> = [&first, &second]
        .iter()
        .map(|body| match body["errors"][0]["extensions"].as_object() {
            Some(extensions) => format!("{} {}", extensions["code"], extensions["field"]),
            None => "created".to_owned(),
        })
        .collect();
    outcomes.sort();
    assert_eq!(
        outcomes,
        ["\"CONFLICT\" \"input.name\"", "created"],
        "{first} {second}"
    );
    let stored = app
        .db
        .count(
            "SELECT COUNT(*) FROM programs WHERE name = 'Rust desde Cero'",
            vec![],
        )
        .await;
    assert_eq!(stored, 1);
}

#[tokio::test]
async fn updating_a_program_changes_what_is_given_and_keeps_the_rules() {
    let app = TestApp::spawn().await;
    // The seeded cohorts have no dates: they can still be renamed and closed.
    let defi = seeded_program(&app, "DeFi-esta").await;
    let data = app
        .data(
            UPDATE_PROGRAM,
            json!({ "id": defi, "input": { "name": "DeFi-esta 2026", "isActive": false } }),
        )
        .await;
    let updated = &data["updateProgram"];
    assert_eq!(updated["name"], "DeFi-esta 2026");
    assert_eq!(updated["isActive"], false);
    assert_eq!(updated["programType"], "COHORT");
    assert_eq!(updated["startDate"], Value::Null);
    let stored = app
        .db
        .count(
            "SELECT COUNT(*) FROM programs WHERE id = $1 AND name = 'DeFi-esta 2026' \
         AND is_active = false AND description LIKE 'Master DeFi%'",
            vec![defi.into()],
        )
        .await;
    assert_eq!(stored, 1);

    let rust = create_program(&app, cohort("Rust desde Cero")).await;
    // Keeping its own name is not a conflict; a cohort becomes evergreen by clearing its dates.
    let data = app
        .data(
            UPDATE_PROGRAM,
            json!({ "id": rust, "input": {
                "name": "Rust desde Cero",
                "programType": "EVERGREEN",
                "startDate": null,
                "endDate": null,
            } }),
        )
        .await;
    assert_eq!(data["updateProgram"]["programType"], "EVERGREEN");
    assert_eq!(data["updateProgram"]["endDate"], Value::Null);
    let stored = app
        .db
        .count(
            "SELECT COUNT(*) FROM programs WHERE id = $1 AND program_type = 'evergreen' \
         AND start_date IS NULL AND end_date IS NULL",
            vec![rust.into()],
        )
        .await;
    assert_eq!(stored, 1);

    let go = create_program(&app, cohort("Go para Backend")).await;
    let cases = [
        (json!({ "name": "Open" }), "CONFLICT", Some("input.name")),
        (json!({ "name": "" }), "BAD_USER_INPUT", Some("input.name")),
        (
            json!({ "programType": "EVERGREEN" }),
            "BAD_USER_INPUT",
            Some("input.startDate"),
        ),
        (
            json!({ "endDate": "2026-01-01T00:00:00Z" }),
            "BAD_USER_INPUT",
            Some("input.endDate"),
        ),
        (
            json!({ "startDate": null }),
            "BAD_USER_INPUT",
            Some("input.startDate"),
        ),
    ];
    for (input, code, field) in cases {
        app.refused(
            UPDATE_PROGRAM,
            json!({ "id": go, "input": input }),
            code,
            field,
        )
        .await;
    }
    // A seeded cohort cannot get one date without the other.
    let chamba = seeded_program(&app, "De Cero a Chamba").await;
    app.refused(
        UPDATE_PROGRAM,
        json!({ "id": chamba, "input": { "startDate": "2026-03-02T09:00:00Z" } }),
        "BAD_USER_INPUT",
        Some("input.endDate"),
    )
    .await;
    app.refused(
        UPDATE_PROGRAM,
        json!({ "id": Uuid::new_v4(), "input": { "isActive": false } }),
        "NOT_FOUND",
        None,
    )
    .await;
    app.refused(
        UPDATE_PROGRAM,
        json!({ "id": "nope", "input": { "isActive": false } }),
        "BAD_USER_INPUT",
        Some("id"),
    )
    .await;
}

/// The program's activity names in order, with their positions, as the payload lists them.
fn order(program: &Value) -> Vec<(i64, String)> {
    program["activities"]
        .as_array()
        .expect("activities")
        .iter()
        .map(|link| {
            (
                link["orderIndex"].as_i64().expect("a position"),
                link["activity"]["name"]
                    .as_str()
                    .expect("a name")
                    .to_owned(),
            )
        })
        .collect()
}

/// The stored positions of the program's activities, by activity name.
async fn stored_order(app: &TestApp, program: Uuid, names: &[&str]) -> Vec<(i64, String)> {
    let mut order = Vec::new();
    for name in names {
        let position = app.db.count("SELECT CAST(COALESCE(MAX(pa.order_index), -1) AS BIGINT) FROM program_activities pa \
             JOIN activities a ON a.id = pa.activity_id WHERE pa.program_id = $1 AND a.name = $2",
            vec![program.into(), (*name).into()],
        )
        .await;
        order.push((position, (*name).to_owned()));
    }
    order.sort();
    order
}

fn named(order: &[(i64, &str)]) -> Vec<(i64, String)> {
    order
        .iter()
        .map(|(position, name)| (*position, (*name).to_owned()))
        .collect()
}

#[tokio::test]
async fn activities_go_last_or_at_a_position_and_moving_or_removing_closes_up() {
    let app = TestApp::spawn().await;
    let program = create_program(&app, cohort("Rust desde Cero")).await;
    let [kickoff, ownership, traits] = [
        insert_activity(&app, "Kick-off").await,
        insert_activity(&app, "Ownership").await,
        insert_activity(&app, "Traits").await,
    ];
    let add = |activity: Uuid, extra: Value| {
        let mut input = json!({ "activityId": activity });
        for (key, value) in extra.as_object().expect("an object") {
            input[key] = value.clone();
        }
        json!({ "programId": program, "input": input })
    };

    let data = app.data(ADD_ACTIVITY, add(ownership, json!({}))).await;
    let link = &data["addProgramActivity"]["programActivity"];
    assert_eq!(link["orderIndex"], 1);
    assert_eq!(link["isRequired"], false);
    assert_eq!(link["activity"]["id"], ownership.to_string());
    app.data(ADD_ACTIVITY, add(traits, json!({ "isRequired": true })))
        .await;
    let data = app
        .data(ADD_ACTIVITY, add(kickoff, json!({ "position": 1 })))
        .await;
    let expected = named(&[(1, "Kick-off"), (2, "Ownership"), (3, "Traits")]);
    assert_eq!(order(&data["addProgramActivity"]["program"]), expected);
    let names = ["Kick-off", "Ownership", "Traits"];
    assert_eq!(stored_order(&app, program, &names).await, expected);
    let required = app
        .db
        .count(
            "SELECT COUNT(*) FROM program_activities WHERE program_id = $1 AND activity_id = $2 \
         AND is_required = true",
            vec![program.into(), traits.into()],
        )
        .await;
    assert_eq!(required, 1);

    let data = app
        .data(
            MOVE_ACTIVITY,
            json!({ "programId": program, "activityId": traits, "position": 1 }),
        )
        .await;
    let expected = named(&[(1, "Traits"), (2, "Kick-off"), (3, "Ownership")]);
    assert_eq!(order(&data["moveProgramActivity"]["program"]), expected);
    assert_eq!(
        data["moveProgramActivity"]["programActivity"]["orderIndex"],
        1
    );
    assert_eq!(stored_order(&app, program, &names).await, expected);

    let link = app
        .db
        .count(
            "SELECT COUNT(*) FROM program_activities WHERE activity_id = $1",
            vec![kickoff.into()],
        )
        .await;
    assert_eq!(link, 1);
    let data = app
        .data(
            REMOVE_ACTIVITY,
            json!({ "programId": program, "activityId": kickoff }),
        )
        .await;
    let expected = named(&[(1, "Traits"), (2, "Ownership")]);
    assert_eq!(order(&data["removeProgramActivity"]["program"]), expected);
    assert_eq!(
        stored_order(&app, program, &["Ownership", "Traits"]).await,
        expected
    );
    let remaining = app
        .db
        .count(
            "SELECT COUNT(*) FROM program_activities WHERE activity_id = $1",
            vec![kickoff.into()],
        )
        .await;
    assert_eq!(remaining, 0);
    let activity_kept = app
        .db
        .count(
            "SELECT COUNT(*) FROM activities WHERE id = $1",
            vec![kickoff.into()],
        )
        .await;
    assert_eq!(activity_kept, 1);
}

#[tokio::test]
async fn an_activity_is_in_a_program_once_and_only_at_a_position_that_exists() {
    let app = TestApp::spawn().await;
    let program = create_program(&app, cohort("Rust desde Cero")).await;
    let kickoff = insert_activity(&app, "Kick-off").await;
    let traits = insert_activity(&app, "Traits").await;
    app.data(
        ADD_ACTIVITY,
        json!({ "programId": program, "input": { "activityId": kickoff } }),
    )
    .await;
    let add = |input: Value| json!({ "programId": program, "input": input });

    let message = app
        .refused(
            ADD_ACTIVITY,
            add(json!({ "activityId": kickoff })),
            "CONFLICT",
            Some("input.activityId"),
        )
        .await;
    assert!(message.contains("already part of"), "{message}");
    app.refused(
        ADD_ACTIVITY,
        add(json!({ "activityId": traits, "position": 0 })),
        "BAD_USER_INPUT",
        Some("input.position"),
    )
    .await;
    let message = app
        .refused(
            ADD_ACTIVITY,
            add(json!({ "activityId": traits, "position": 3 })),
            "BAD_USER_INPUT",
            Some("input.position"),
        )
        .await;
    assert!(message.contains("between 1 and 2"), "{message}");
    app.refused(
        ADD_ACTIVITY,
        add(json!({ "activityId": Uuid::new_v4() })),
        "NOT_FOUND",
        None,
    )
    .await;
    app.refused(
        ADD_ACTIVITY,
        add(json!({ "activityId": "kick-off" })),
        "BAD_USER_INPUT",
        Some("input.activityId"),
    )
    .await;
    app.refused(
        ADD_ACTIVITY,
        json!({ "programId": Uuid::new_v4(), "input": { "activityId": traits } }),
        "NOT_FOUND",
        None,
    )
    .await;
    app.refused(
        MOVE_ACTIVITY,
        json!({ "programId": program, "activityId": traits, "position": 1 }),
        "NOT_FOUND",
        None,
    )
    .await;
    app.refused(
        MOVE_ACTIVITY,
        json!({ "programId": program, "activityId": kickoff, "position": 2 }),
        "BAD_USER_INPUT",
        Some("position"),
    )
    .await;
    app.refused(
        REMOVE_ACTIVITY,
        json!({ "programId": program, "activityId": traits }),
        "NOT_FOUND",
        None,
    )
    .await;
}

#[tokio::test]
async fn an_application_is_stored_pending_with_its_goal_and_usernames() {
    let app = TestApp::spawn().await;
    let user = app.db.insert_user().await;
    let program = seeded_program(&app, "De Cero a Chamba").await;
    let text = goal(200);
    let data = app
        .data(
            SUBMIT,
            json!({ "input": {
                "userId": user,
                "programId": program,
                "goal": format!("  {text}  "),
                "githubUsername": "mona-lisa",
                "twitterUsername": "@Ada_Lovelace",
            } }),
        )
        .await;
    let application = &data["submitApplication"];
    assert_eq!(application["status"], "PENDING");
    assert_eq!(application["goal"], text.as_str());
    assert_eq!(application["githubUsername"], "mona-lisa");
    assert_eq!(application["twitterUsername"], "Ada_Lovelace");
    let stored = app
        .db
        .count(
            "SELECT COUNT(*) FROM applications WHERE id = $1 AND user_id = $2 AND program_id = $3 \
         AND status = 'pending' AND goal = $4 AND github_username = 'mona-lisa' \
         AND twitter_username = 'Ada_Lovelace'",
            vec![
                id_of(&application["id"]).into(),
                user.into(),
                program.into(),
                text.into(),
            ],
        )
        .await;
    assert_eq!(stored, 1);

    // Without social accounts; the goal at both bounds.
    for length in [140, 280] {
        let other = app.db.insert_user().await;
        let data = app
            .data(
                SUBMIT,
                json!({ "input": {
                    "userId": other, "programId": program, "goal": goal(length),
                    "githubUsername": "  ",
                } }),
            )
            .await;
        assert_eq!(data["submitApplication"]["githubUsername"], Value::Null);
        assert_eq!(data["submitApplication"]["twitterUsername"], Value::Null);
    }
}

#[tokio::test]
async fn an_application_with_a_bad_goal_or_username_or_program_is_refused() {
    let app = TestApp::spawn().await;
    let user = app.db.insert_user().await;
    let program = seeded_program(&app, "Open").await;
    let closed = seeded_program(&app, "DeFi-esta").await;
    app.data(
        UPDATE_PROGRAM,
        json!({ "id": closed, "input": { "isActive": false } }),
    )
    .await;
    let submit = |changes: Value| {
        let mut input = json!({ "userId": user, "programId": program, "goal": goal(160) });
        for (key, value) in changes.as_object().expect("an object") {
            input[key] = value.clone();
        }
        json!({ "input": input })
    };
    let cases = [
        (
            json!({ "goal": goal(139) }),
            "BAD_USER_INPUT",
            Some("input.goal"),
        ),
        (
            json!({ "goal": goal(281) }),
            "BAD_USER_INPUT",
            Some("input.goal"),
        ),
        (
            json!({ "githubUsername": "-mona" }),
            "BAD_USER_INPUT",
            Some("input.githubUsername"),
        ),
        (
            json!({ "githubUsername": "mona--lisa" }),
            "BAD_USER_INPUT",
            Some("input.githubUsername"),
        ),
        (
            json!({ "githubUsername": "mona_lisa" }),
            "BAD_USER_INPUT",
            Some("input.githubUsername"),
        ),
        (
            json!({ "githubUsername": "m".repeat(40) }),
            "BAD_USER_INPUT",
            Some("input.githubUsername"),
        ),
        (
            json!({ "twitterUsername": "ada-lovelace" }),
            "BAD_USER_INPUT",
            Some("input.twitterUsername"),
        ),
        (
            json!({ "twitterUsername": "a".repeat(16) }),
            "BAD_USER_INPUT",
            Some("input.twitterUsername"),
        ),
        (
            json!({ "userId": "x" }),
            "BAD_USER_INPUT",
            Some("input.userId"),
        ),
        (json!({ "programId": Uuid::new_v4() }), "NOT_FOUND", None),
        (json!({ "userId": Uuid::new_v4() }), "NOT_FOUND", None),
        (
            json!({ "programId": closed }),
            "CONFLICT",
            Some("input.programId"),
        ),
    ];
    for (changes, code, field) in cases {
        app.refused(SUBMIT, submit(changes), code, field).await;
    }
    app.data(SUBMIT, submit(json!({}))).await;
    let message = app
        .refused(SUBMIT, submit(json!({})), "CONFLICT", Some("input.userId"))
        .await;
    assert!(message.contains("pending application"), "{message}");
}

#[tokio::test]
async fn an_enrollment_starts_as_guest_and_promotion_and_completion_set_their_times() {
    let app = TestApp::spawn().await;
    let user = app.db.insert_user().await;
    let program = seeded_program(&app, "Open").await;
    let data = app
        .data(
            SUBMIT,
            json!({ "input": { "userId": user, "programId": program, "goal": goal(150) } }),
        )
        .await;
    let application = id_of(&data["submitApplication"]["id"]);
    let data = app
        .data(
            ENROLL,
            json!({ "input": { "userId": user, "programId": program, "applicationId": application } }),
        )
        .await;
    let enrollment = &data["enrollInProgram"];
    assert_eq!(enrollment["enrollmentStatus"], "GUEST");
    assert_eq!(enrollment["promotedAt"], Value::Null);
    assert_eq!(enrollment["user"]["id"], user.to_string());
    assert_eq!(enrollment["program"]["id"], program.to_string());
    assert_eq!(enrollment["application"]["id"], application.to_string());
    let id = id_of(&enrollment["id"]);
    let stored = app
        .db
        .count(
            "SELECT COUNT(*) FROM program_enrollments WHERE id = $1 AND user_id = $2 \
         AND program_id = $3 AND application_id = $4 AND enrollment_status = 'guest' \
         AND promoted_at IS NULL AND completed_at IS NULL",
            vec![id.into(), user.into(), program.into(), application.into()],
        )
        .await;
    assert_eq!(stored, 1);

    let before = Utc::now();
    let data = app
        .data(TRANSITION, json!({ "id": id, "to": "ACTIVE" }))
        .await;
    let promoted = &data["transitionEnrollment"];
    assert_eq!(promoted["enrollmentStatus"], "ACTIVE");
    assert!(time(&promoted["promotedAt"]) >= before - chrono::Duration::seconds(1));
    assert_eq!(promoted["completedAt"], Value::Null);
    let stored = app.db.count("SELECT COUNT(*) FROM program_enrollments WHERE id = $1 AND enrollment_status = 'active' \
         AND promoted_at IS NOT NULL AND completed_at IS NULL",
        vec![id.into()],
    )
    .await;
    assert_eq!(stored, 1);

    let data = app
        .data(TRANSITION, json!({ "id": id, "to": "COMPLETED" }))
        .await;
    let completed = &data["transitionEnrollment"];
    assert_eq!(completed["enrollmentStatus"], "COMPLETED");
    assert_eq!(completed["promotedAt"], promoted["promotedAt"]);
    assert!(time(&completed["completedAt"]) >= time(&promoted["promotedAt"]));
    let stored = app
        .db
        .count(
            "SELECT COUNT(*) FROM program_enrollments WHERE id = $1 \
         AND enrollment_status = 'completed' AND promoted_at IS NOT NULL \
         AND completed_at IS NOT NULL",
            vec![id.into()],
        )
        .await;
    assert_eq!(stored, 1);
}

#[tokio::test]
async fn dropping_an_enrollment_records_when_from_where_and_why() {
    let app = TestApp::spawn().await;
    let user = app.db.insert_user().await;
    let program = seeded_program(&app, "DeFi-esta").await;
    let id = enroll(&app, user, program).await;
    app.data(TRANSITION, json!({ "id": id, "to": "ACTIVE" }))
        .await;
    let data = app
        .data(
            TRANSITION,
            json!({ "id": id, "to": "DROPPED", "reason": "  Moved to another city  " }),
        )
        .await;
    let dropped = &data["transitionEnrollment"];
    assert_eq!(dropped["enrollmentStatus"], "DROPPED");
    let record = &dropped["metadata"]["dropped"];
    assert_eq!(record["reason"], "Moved to another city");
    assert_eq!(record["from"], "active");
    assert!(time(&record["at"]) <= Utc::now());
    let stored = app
        .db
        .count(
            "SELECT COUNT(*) FROM program_enrollments WHERE id = $1 \
         AND enrollment_status = 'dropped' AND completed_at IS NULL \
         AND CAST(metadata AS TEXT) LIKE '%Moved to another city%'",
            vec![id.into()],
        )
        .await;
    assert_eq!(stored, 1);

    let guest = enroll(&app, app.db.insert_user().await, program).await;
    let data = app
        .data(TRANSITION, json!({ "id": guest, "to": "DROPPED" }))
        .await;
    assert_eq!(
        data["transitionEnrollment"]["metadata"]["dropped"]["from"],
        "guest"
    );
    assert_eq!(
        data["transitionEnrollment"]["metadata"]["dropped"]["reason"],
        Value::Null
    );
}

#[tokio::test]
async fn a_second_enrollment_or_a_move_off_the_lifecycle_is_a_conflict() {
    let app = TestApp::spawn().await;
    let user = app.db.insert_user().await;
    let other = app.db.insert_user().await;
    let program = seeded_program(&app, "Open").await;
    let elsewhere = seeded_program(&app, "DeFi-esta").await;
    let id = enroll(&app, user, program).await;

    let message = app
        .refused(
            ENROLL,
            json!({ "input": { "userId": user, "programId": program } }),
            "CONFLICT",
            Some("input.userId"),
        )
        .await;
    assert!(message.contains("already enrolled"), "{message}");

    let message = app
        .refused(
            TRANSITION,
            json!({ "id": id, "to": "COMPLETED" }),
            "CONFLICT",
            None,
        )
        .await;
    assert!(
        message.contains("ACTIVE, DROPPED") && message.contains("GUEST"),
        "{message}"
    );
    app.refused(
        TRANSITION,
        json!({ "id": id, "to": "GUEST" }),
        "CONFLICT",
        None,
    )
    .await;
    app.refused(
        TRANSITION,
        json!({ "id": id, "to": "ACTIVE", "reason": "promoted early" }),
        "BAD_USER_INPUT",
        Some("reason"),
    )
    .await;
    app.refused(
        TRANSITION,
        json!({ "id": id, "to": "DROPPED", "reason": "r".repeat(501) }),
        "BAD_USER_INPUT",
        Some("reason"),
    )
    .await;
    app.refused(
        TRANSITION,
        json!({ "id": Uuid::new_v4(), "to": "ACTIVE" }),
        "NOT_FOUND",
        None,
    )
    .await;
    app.data(TRANSITION, json!({ "id": id, "to": "DROPPED" }))
        .await;
    let message = app
        .refused(
            TRANSITION,
            json!({ "id": id, "to": "ACTIVE" }),
            "CONFLICT",
            None,
        )
        .await;
    assert!(message.contains("nothing (it is final)"), "{message}");

    // The application must be the same user's, to the same program, and still alive.
    let data = app
        .data(
            SUBMIT,
            json!({ "input": { "userId": user, "programId": elsewhere, "goal": goal(150) } }),
        )
        .await;
    let application = id_of(&data["submitApplication"]["id"]);
    app.refused(ENROLL,
        json!({ "input": { "userId": other, "programId": elsewhere, "applicationId": application } }),
        "BAD_USER_INPUT",
        Some("input.applicationId"),
    )
    .await;
    app.refused(
        ENROLL,
        json!({ "input": { "userId": other, "programId": program, "applicationId": application } }),
        "BAD_USER_INPUT",
        Some("input.applicationId"),
    )
    .await;
    app.db
        .execute(
            "UPDATE applications SET status = 'rejected' WHERE id = $1",
            vec![application.into()],
        )
        .await
        .expect("reject the application");
    app.refused(ENROLL,
        json!({ "input": { "userId": user, "programId": elsewhere, "applicationId": application } }),
        "CONFLICT",
        Some("input.applicationId"),
    )
    .await;
    app.data(
        UPDATE_PROGRAM,
        json!({ "id": elsewhere, "input": { "isActive": false } }),
    )
    .await;
    app.refused(
        ENROLL,
        json!({ "input": { "userId": other, "programId": elsewhere } }),
        "CONFLICT",
        Some("input.programId"),
    )
    .await;
    app.refused(
        ENROLL,
        json!({ "input": { "userId": Uuid::new_v4(), "programId": program } }),
        "NOT_FOUND",
        None,
    )
    .await;
}

#[tokio::test]
async fn two_enrollments_of_one_user_at_once_store_one() {
    let app = TestApp::spawn().await;
    let user = app.db.insert_user().await;
    let program = seeded_program(&app, "Open").await;
    let variables = json!({ "input": { "userId": user, "programId": program } });
    let (first, second) = tokio::join!(
        app.graphql(ENROLL, variables.clone()),
        app.graphql(ENROLL, variables.clone()),
    );
    let refused: Vec<&Value> = [&first, &second]
        .into_iter()
        .filter(|body| body.get("errors").is_some())
        .collect();
    assert_eq!(refused.len(), 1, "{first} {second}");
    assert_eq!(refused[0]["errors"][0]["extensions"]["code"], "CONFLICT");
    let stored = app
        .db
        .count(
            "SELECT COUNT(*) FROM program_enrollments WHERE user_id = $1",
            vec![user.into()],
        )
        .await;
    assert_eq!(stored, 1);
}

#[tokio::test]
async fn marking_attendance_again_corrects_the_record_and_records_the_marker() {
    let app = TestApp::spawn().await;
    let staff = app.db.insert_user().await;
    let admin = app.db.insert_user().await;
    let participant = app.db.insert_user().await;
    let program = create_program(&app, cohort("Rust desde Cero")).await;
    let workshop = insert_activity(&app, "Ownership workshop").await;
    app.data(
        ADD_ACTIVITY,
        json!({ "programId": program, "input": { "activityId": workshop } }),
    )
    .await;
    let mark = |status: &str, notes: Value| {
        json!({ "input": {
            "userId": participant, "activityId": workshop,
            "attendanceStatus": status, "notes": notes,
        } })
    };

    let (_, body) = app
        .graphql_as(
            Some(&token_for(Role::ProgramStaff, staff)),
            MARK,
            mark("ABSENT", json!("No show, no message")),
        )
        .await;
    let first = &body["data"]["markAttendance"];
    assert_eq!(first["corrected"], false, "{body}");
    let record = &first["attendanceRecord"];
    assert_eq!(record["attendanceStatus"], "ABSENT");
    assert_eq!(record["notes"], "No show, no message");
    assert_eq!(record["user"]["id"], participant.to_string());
    assert_eq!(record["activity"]["id"], workshop.to_string());
    // The activity is in one program: the mark belongs to it.
    assert_eq!(record["program"]["id"], program.to_string());
    assert_eq!(record["markedBy"]["id"], staff.to_string());
    let stored = app
        .db
        .count(
            "SELECT COUNT(*) FROM attendance_records WHERE user_id = $1 AND activity_id = $2 \
         AND program_id = $3 AND marked_by = $4 AND attendance_status = 'absent' \
         AND notes = 'No show, no message'",
            vec![
                participant.into(),
                workshop.into(),
                program.into(),
                staff.into(),
            ],
        )
        .await;
    assert_eq!(stored, 1);

    let (_, body) = app
        .graphql_as(
            Some(&token_for(Role::Admin, admin)),
            MARK,
            mark("EXCUSED", Value::Null),
        )
        .await;
    let second = &body["data"]["markAttendance"];
    assert_eq!(second["corrected"], true, "{body}");
    let corrected = &second["attendanceRecord"];
    assert_eq!(corrected["id"], record["id"]);
    assert_eq!(corrected["attendanceStatus"], "EXCUSED");
    assert_eq!(corrected["notes"], Value::Null);
    assert_eq!(corrected["markedBy"]["id"], admin.to_string());
    assert_eq!(time(&corrected["createdAt"]), time(&record["createdAt"]));
    assert!(time(&corrected["markedAt"]) >= time(&record["markedAt"]));
    let rows = app
        .db
        .count(
            "SELECT COUNT(*) FROM attendance_records WHERE user_id = $1",
            vec![participant.into()],
        )
        .await;
    assert_eq!(rows, 1);
    let stored = app
        .db
        .count(
            "SELECT COUNT(*) FROM attendance_records WHERE id = $1 AND marked_by = $2 \
         AND attendance_status = 'excused' AND notes IS NULL",
            vec![id_of(&record["id"]).into(), admin.into()],
        )
        .await;
    assert_eq!(stored, 1);
}

#[tokio::test]
async fn two_marks_at_once_for_one_user_and_activity_leave_one_record() {
    let app = TestApp::spawn().await;
    let staff = app.db.insert_user().await;
    let participant = app.db.insert_user().await;
    let workshop = insert_activity(&app, "Ownership workshop").await;
    let as_staff = token_for(Role::ProgramStaff, staff);
    let mark = |status: &str| {
        json!({ "input": {
            "userId": participant, "activityId": workshop, "attendanceStatus": status,
        } })
    };
    let (first, second) = tokio::join!(
        app.graphql_as(Some(&as_staff), MARK, mark("PRESENT")),
        app.graphql_as(Some(&as_staff), MARK, mark("ABSENT")),
    );
    for (_, body) in [&first, &second] {
        assert!(body.get("errors").is_none(), "{body}");
    }
    let mut corrected: Vec<bool> = [&first, &second]
        .iter()
        .map(|(_, body)| {
            body["data"]["markAttendance"]["corrected"]
                .as_bool()
                .expect("a flag")
        })
        .collect();
    corrected.sort();
    assert_eq!(corrected, [false, true]);
    let rows = app
        .db
        .count(
            "SELECT COUNT(*) FROM attendance_records WHERE user_id = $1 AND activity_id = $2 \
         AND program_id IS NULL",
            vec![participant.into(), workshop.into()],
        )
        .await;
    assert_eq!(rows, 1);
}

#[tokio::test]
async fn attendance_needs_a_marker_who_is_a_user_and_an_activity_of_the_given_program() {
    let app = TestApp::spawn().await;
    let staff = app.db.insert_user().await;
    let participant = app.db.insert_user().await;
    let workshop = insert_activity(&app, "Ownership workshop").await;
    let program = seeded_program(&app, "Open").await;
    let as_staff = token_for(Role::ProgramStaff, staff);
    let mark = |changes: Value| {
        let mut input = json!({
            "userId": participant, "activityId": workshop, "attendanceStatus": "PRESENT",
        });
        for (key, value) in changes.as_object().expect("an object") {
            input[key] = value.clone();
        }
        json!({ "input": input })
    };
    let before = app.db.contents().await;
    let cases = [
        (
            json!({ "programId": program }),
            "BAD_USER_INPUT",
            Some("input.programId"),
        ),
        (json!({ "programId": Uuid::new_v4() }), "NOT_FOUND", None),
        (json!({ "activityId": Uuid::new_v4() }), "NOT_FOUND", None),
        (json!({ "userId": Uuid::new_v4() }), "NOT_FOUND", None),
        (
            json!({ "notes": "n".repeat(2001) }),
            "BAD_USER_INPUT",
            Some("input.notes"),
        ),
        (
            json!({ "activityId": "w" }),
            "BAD_USER_INPUT",
            Some("input.activityId"),
        ),
    ];
    for (changes, code, field) in cases {
        let (_, body) = app
            .graphql_as(Some(&as_staff), MARK, mark(changes.clone()))
            .await;
        let error = &body["errors"][0]["extensions"];
        assert_eq!(error["code"], code, "{changes}: {body}");
        assert_eq!(error["field"].as_str(), field, "{changes}: {body}");
    }
    // The test admin token's subject is not a user id: nobody to record as the marker.
    let (code, field, message) = app.error(MARK, mark(json!({}))).await;
    assert_eq!((code.as_str(), field), ("FORBIDDEN", None));
    assert!(message.contains("not a platform user"), "{message}");
    let (_, body) = app
        .graphql_as(
            Some(&token_for(Role::ProgramStaff, Uuid::new_v4())),
            MARK,
            mark(json!({})),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{body}"
    );
    assert_eq!(app.db.contents().await, before);
}

#[tokio::test]
async fn only_program_staff_and_admins_write_programs() {
    let app = TestApp::spawn().await;
    let staff = app.db.insert_user().await;
    let user = app.db.insert_user().await;
    let program = seeded_program(&app, "Open").await;
    let activity = insert_activity(&app, "Kick-off").await;
    let company = app.db.insert_company("Acme").await;
    let enrollment = enroll(&app, user, seeded_program(&app, "DeFi-esta").await).await;
    let mutations = [
        (
            CREATE_PROGRAM,
            json!({ "input": cohort("Rust desde Cero") }),
        ),
        (
            UPDATE_PROGRAM,
            json!({ "id": program, "input": { "description": "Learn at your own pace." } }),
        ),
        (
            ADD_ACTIVITY,
            json!({ "programId": program, "input": { "activityId": activity } }),
        ),
        (
            MOVE_ACTIVITY,
            json!({ "programId": program, "activityId": activity, "position": 1 }),
        ),
        (
            REMOVE_ACTIVITY,
            json!({ "programId": program, "activityId": activity }),
        ),
        (
            SUBMIT,
            json!({ "input": { "userId": user, "programId": program, "goal": goal(150) } }),
        ),
        (
            ENROLL,
            json!({ "input": { "userId": user, "programId": program } }),
        ),
        (TRANSITION, json!({ "id": enrollment, "to": "ACTIVE" })),
        (
            MARK,
            json!({ "input": {
                "userId": user, "activityId": activity, "attendanceStatus": "PRESENT",
            } }),
        ),
    ];
    let before = app.db.contents().await;
    for role in [
        Role::CompanyAdmin,
        Role::CompanyViewer,
        Role::Ingestion,
        Role::CommunityModerator,
    ] {
        let company = role.is_company_role().then_some(company);
        let as_role = token(role, company);
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
    let audited = app
        .db
        .count(
            "SELECT COUNT(*) FROM audit_log WHERE role = 'program_staff' AND subject = $1",
            vec![staff.to_string().into()],
        )
        .await;
    assert_eq!(audited, mutations.len() as i64);
}
