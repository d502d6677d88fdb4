//! Kintell program instances and legacy lineage, end to end: `createProgramInstance` without
//! a campaign (who may, what it stores, each refusal writing nothing), a file imported into
//! such an instance through the `ingest` command, and `ingest --adopt-legacy` linking the
//! sessions without a batch to one `legacy_import` batch, once.

use api::auth::Role;
use serde_json::{Value, json};
use tests::TestApp;
use tests::app::token;
use tests::sql::uuid;
use uuid::Uuid;

use crate::kintell_ingest::{HEADER, ingest, work_dir, write};

const CREATE: &str = "mutation($campaignId: ID, $input: CreateProgramInstanceInput!) {
  createProgramInstance(campaignId: $campaignId, input: $input) {
    programInstance { id programSlug programType externalSystem externalSystemId metadata
                      campaign { id } totalSessionsHeld }
    campaign { id }
  }
}";

fn kintell_input(external_id: &str) -> Value {
    json!({
        "name": "Mentors for Ukraine, spring 2025",
        "startDate": "2025-03-01",
        "endDate": "2025-06-30",
        "externalSystem": "kintell",
        "externalSystemId": external_id,
        "programType": "mentors_ukraine",
    })
}

#[tokio::test]
async fn the_ingestion_role_creates_a_kintell_instance_without_a_campaign_and_imports_into_it() {
    let app = TestApp::spawn().await;
    let ingestion = token(Role::Ingestion, None);
    let (status, body) = app
        .graphql_as(
            Some(&ingestion),
            CREATE,
            json!({ "input": kintell_input("KP-2025-1") }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("errors").is_none(), "{body:#}");
    let payload = &body["data"]["createProgramInstance"];
    let instance = &payload["programInstance"];
    assert_eq!(instance["programType"], "MENTORSHIP");
    assert_eq!(instance["externalSystem"], "kintell");
    assert_eq!(instance["externalSystemId"], "KP-2025-1");
    assert_eq!(
        instance["metadata"],
        json!({ "sourceProgramType": "mentors_ukraine" })
    );
    assert_eq!(instance["campaign"], Value::Null);
    assert_eq!(payload["campaign"], Value::Null);
    let id = Uuid::parse_str(instance["id"].as_str().unwrap()).unwrap();
    assert_eq!(
        app.db
            .count(
                "SELECT COUNT(*) FROM program_instances WHERE id = $1 AND company_id IS NULL \
                 AND campaign_id IS NULL AND program_template_id IS NULL",
                vec![uuid(id)]
            )
            .await,
        1
    );

    // A file imported into it updates its totals; there is no campaign to roll up.
    let dir = work_dir("kintell-instance");
    let file = write(
        &dir,
        "spring.csv",
        format!(
            "{HEADER}\nKS-1,mentors_ukraine,ann@x.org,Ann Lee,bo@x.org,Bo Berg,,2025-03-01 10:00,60,4,,,\n\
             KS-2,mentors_ukraine,ann@x.org,Ann Lee,cy@x.org,Cy,,2025-03-08 10:00,45,5,,,\n"
        )
        .as_bytes(),
    );
    let slug = instance["programSlug"].as_str().unwrap();
    ingest(
        &app,
        &dir,
        &file,
        &[
            "--program-type",
            "mentors_ukraine",
            "--program-instance",
            slug,
        ],
    )
    .await
    .unwrap();
    let totals = app
        .db
        .text(
            "SELECT total_sessions_held || ' ' || CAST(total_hours_logged AS TEXT) \
             FROM program_instances WHERE id = $1",
            vec![uuid(id)],
        )
        .await;
    let (sessions, hours) = totals.split_once(' ').unwrap();
    assert_eq!(
        (sessions, hours.parse::<rust_decimal::Decimal>().unwrap()),
        ("2", rust_decimal::Decimal::new(175, 2))
    );
    std::fs::remove_dir_all(dir).unwrap();

    // Admins may too; all four Kintell labels map.
    for (label, program_type) in [
        ("language_ukraine", "LANGUAGE"),
        ("buddy", "BUDDY"),
        ("upskilling", "UPSKILLING"),
    ] {
        let mut input = kintell_input(&format!("KP-{label}"));
        input["programType"] = json!(label);
        let data = app.data(CREATE, json!({ "input": input })).await;
        assert_eq!(
            data["createProgramInstance"]["programInstance"]["programType"],
            program_type
        );
    }
}

#[tokio::test]
async fn a_kintell_instance_is_refused_with_the_field_at_fault_and_nothing_written() {
    let app = TestApp::spawn().await;
    app.data(CREATE, json!({ "input": kintell_input("KP-1") }))
        .await;

    let message = app
        .refused(
            CREATE,
            json!({ "input": kintell_input(" KP-1 ") }),
            "CONFLICT",
            Some("input.externalSystemId"),
        )
        .await;
    assert!(message.contains("KP-1"), "{message}");
    for (key, value, field) in [
        (
            "externalSystem",
            json!("salesforce"),
            "input.externalSystem",
        ),
        ("externalSystem", Value::Null, "input.externalSystem"),
        ("externalSystemId", json!(""), "input.externalSystemId"),
        ("programType", json!("chess_club"), "input.programType"),
        ("endDate", json!("2025-02-01"), "input.endDate"),
        ("name", json!("  "), "input.name"),
    ] {
        let mut input = kintell_input("KP-2");
        input[key] = value;
        app.refused(
            CREATE,
            json!({ "input": input }),
            "BAD_USER_INPUT",
            Some(field),
        )
        .await;
    }

    // An instance of a campaign runs its template's program type.
    let (_, _, _, campaign) = app.db.insert_campaign_graph().await;
    let mut of_campaign = kintell_input("KP-3");
    of_campaign["startDate"] = json!("2030-01-01");
    of_campaign["endDate"] = Value::Null;
    app.refused(
        CREATE,
        json!({ "campaignId": campaign, "input": of_campaign }),
        "BAD_USER_INPUT",
        Some("input.programType"),
    )
    .await;

    // Only admins and the ingestion role create Kintell instances.
    let company = app.db.insert_company("Acme").await;
    for role in [Role::CompanyAdmin, Role::ProgramStaff, Role::CompanyViewer] {
        let company = role.is_company_role().then_some(company);
        let (_, body) = app
            .graphql_as(
                Some(&token(role, company)),
                CREATE,
                json!({ "input": kintell_input("KP-4") }),
            )
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{role:?}: {body}"
        );
    }
    assert_eq!(
        app.db
            .count(
                "SELECT COUNT(*) FROM program_instances WHERE external_system = 'kintell'",
                vec![]
            )
            .await,
        1
    );
}

/// Stores a mentorship session with no batch, as imports before batches did.
async fn insert_legacy_session(app: &TestApp, external_id: &str) {
    app.db
        .execute(
            "INSERT INTO kintell_sessions (id, external_session_id, session_type) \
             VALUES ($1, $2, 'mentorship')",
            vec![uuid(Uuid::new_v4()), external_id.into()],
        )
        .await
        .unwrap();
}

async fn adopt_legacy(app: &TestApp) {
    let cli = <api::config::Cli as clap::Parser>::try_parse_from([
        "platform-gateway",
        "--database-url",
        app.db.url.as_str(),
        "--log-level",
        "warn",
        "ingest",
        "--adopt-legacy",
    ])
    .unwrap();
    api::run(cli).await.unwrap();
}

#[tokio::test]
async fn adopting_legacy_sessions_links_them_to_one_legacy_batch_once() {
    let app = TestApp::spawn().await;
    for id in ["L-1", "L-2", "L-3"] {
        insert_legacy_session(&app, id).await;
    }
    adopt_legacy(&app).await;
    let legacy = "SELECT file_name || ' ' || import_method || ' ' || program_type || ' ' \
                  || status || ' ' || total_rows || ' ' || success_rows FROM ingestion_batches";
    assert_eq!(
        app.db.texts(legacy, vec![]).await,
        ["legacy_import legacy_import mentors_ukraine completed 3 3"]
    );
    let unlinked = "SELECT COUNT(*) FROM kintell_sessions WHERE batch_id IS NULL";
    assert_eq!(app.db.count(unlinked, vec![]).await, 0);

    // Again: the batch and the sessions stay as they are, and there is still one batch.
    let lineage = |contents: std::collections::BTreeMap<String, Vec<String>>| {
        (
            contents["ingestion_batches"].clone(),
            contents["kintell_sessions"].clone(),
        )
    };
    let before = lineage(app.db.contents().await);
    adopt_legacy(&app).await;
    assert_eq!(lineage(app.db.contents().await), before);
    assert_eq!(before.0.len(), 1);

    // A session stored without a batch later joins the same batch.
    insert_legacy_session(&app, "L-4").await;
    adopt_legacy(&app).await;
    assert_eq!(
        app.db.texts(legacy, vec![]).await,
        ["legacy_import legacy_import mentors_ukraine completed 4 4"]
    );
    assert_eq!(app.db.count(unlinked, vec![]).await, 0);
}

#[tokio::test]
async fn an_export_of_an_unknown_kintell_program_creates_its_instance_from_the_file() {
    let app = TestApp::spawn().await;
    let dir = work_dir("kintell-program");
    let first = write(
        &dir,
        "autumn-1.csv",
        format!(
            "{HEADER}\nB-1,buddy,ann@x.org,Ann,bo@x.org,Bo,2025-09-03 10:00,2025-09-03 11:00,60,,,,\n\
             B-2,buddy,ann@x.org,Ann,cy@x.org,Cy,2025-11-20 09:00,,,,,,\n"
        )
        .as_bytes(),
    );
    let program = [
        "--program-type",
        "buddy",
        "--kintell-program",
        "KB-42",
        "--instance-name",
        "Buddy autumn",
    ];
    ingest(&app, &dir, &first, &program).await.unwrap();
    let instance = "SELECT name || ' ' || program_type || ' ' || CAST(start_date AS TEXT) || ' ' \
                    || CAST(end_date AS TEXT) || ' ' || total_sessions_held \
                    FROM program_instances WHERE external_system = 'kintell' \
                    AND external_system_id = 'KB-42'";
    assert_eq!(
        app.db.texts(instance, vec![]).await,
        ["Buddy autumn buddy 2025-09-03 2025-11-20 1"]
    );

    // The program's next export lands in the same instance.
    let second = write(
        &dir,
        "autumn-2.csv",
        format!("{HEADER}\nB-3,buddy,ann@x.org,Ann,bo@x.org,Bo,,2025-12-01 10:00,30,,,,\n")
            .as_bytes(),
    );
    ingest(&app, &dir, &second, &program).await.unwrap();
    assert_eq!(
        app.db.texts(instance, vec![]).await,
        ["Buddy autumn buddy 2025-09-03 2025-11-20 2"]
    );
    assert_eq!(
        app.db
            .count(
                "SELECT COUNT(*) FROM kintell_sessions s JOIN program_instances i \
                 ON i.id = s.program_instance_id WHERE i.external_system_id = 'KB-42'",
                vec![]
            )
            .await,
        3
    );
    std::fs::remove_dir_all(dir).unwrap();
}
