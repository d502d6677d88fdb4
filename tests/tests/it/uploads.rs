//! Kintell exports uploaded through the real `POST /graphql` multipart endpoint
//! (`uploadKintellCsv`): the batch answered at once `RUNNING` and imported in the background,
//! the error file downloaded from `errorFileUrl`, the same file refused and forced, a
//! Windows-1252 file with `;`, the upload size limit, the roles, and a gateway stopped
//! mid-import whose batch the next gateway resumes.

use std::time::Duration;

use serde_json::{Value, json};

use api::auth::Role;
use tests::TestApp;
use tests::app::{TestUploads, token};
use tests::sql::uuid;
use tests::upload::{HEADER, clean_export, upload};

/// The batch's state, polled until its import ends (`COMPLETED` or `FAILED`; 60 s at most).
async fn wait_for_batch(app: &TestApp, id: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let data = app
            .data(
                "query Batch($id: ID!) { ingestionBatch(id: $id) { id status successRows errorRows skippedRows lastProcessedRow errorFileUrl } }",
                json!({ "id": id }),
            )
            .await;
        let batch = data["ingestionBatch"].clone();
        if batch["status"] == "COMPLETED" || batch["status"] == "FAILED" {
            return batch;
        }
        assert!(tokio::time::Instant::now() < deadline, "still {batch}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn admin() -> String {
    token(Role::Admin, None)
}

/// Files kept in the upload directory (none once every import has ended).
fn kept_files(uploads: &TestUploads) -> Vec<String> {
    match std::fs::read_dir(uploads.upload_dir()) {
        Ok(entries) => entries
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Waits (5 s at most) until the upload directory holds nothing: an import's task deletes its
/// kept upload just after the batch's last transaction.
async fn nothing_kept(uploads: &TestUploads) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !kept_files(uploads).is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{:?}",
            kept_files(uploads)
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn spawn(chunk_rows: usize) -> (TestApp, TestUploads) {
    let uploads = TestUploads::new(chunk_rows);
    let limits = api::limits::Limits {
        rate_limit_per_minute: 1_000_000,
        rate_limit_burst: 100_000,
        ..api::limits::Limits::default()
    };
    (
        TestApp::spawn_with_uploads(limits, uploads.clone()).await,
        uploads,
    )
}

#[tokio::test]
async fn a_clean_upload_answers_its_batch_running_and_imports_every_row_into_the_instance() {
    let (app, uploads) = spawn(7).await;
    let (company, template, group, campaign) = app.db.insert_campaign_graph().await;
    let instance = app
        .db
        .insert_instance(campaign, company, template, group)
        .await;
    // Bigger than the 256 KiB of an ordinary JSON body.
    let file = clean_export(2_000, "mentors_ukraine");
    assert!(file.len() > 256 * 1024);

    let (status, body) = upload(
        &app.client,
        &app.address,
        Some(&admin()),
        "export.csv",
        &file,
        json!({ "programType": "mentors_ukraine", "programInstanceId": instance.to_string() }),
    )
    .await;

    assert_eq!(status, 200, "{body}");
    let started = &body["data"]["uploadKintellCsv"];
    assert_eq!(started["status"], "RUNNING", "{body}");
    assert_eq!(started["fileName"], "export.csv");
    let id = started["id"].as_str().unwrap();
    let batch = wait_for_batch(&app, id).await;
    assert_eq!(
        (
            &batch["status"],
            &batch["successRows"],
            &batch["errorRows"],
            &batch["lastProcessedRow"],
            &batch["errorFileUrl"]
        ),
        (
            &json!("COMPLETED"),
            &json!(2000),
            &json!(0),
            &json!(2000),
            &Value::Null
        )
    );
    assert_eq!(
        app.db
            .count(
                "SELECT COUNT(DISTINCT external_session_id) FROM kintell_sessions WHERE program_instance_id = $1",
                vec![uuid(instance)]
            )
            .await,
        2000
    );
    assert_eq!(
        app.db.count("SELECT COUNT(*) FROM users", vec![]).await,
        550
    );
    // 2,000 completed sessions of 30 minutes: 1,000 hours.
    let totals = app
        .db
        .text(
            "SELECT total_sessions_held || ' ' || CAST(total_hours_logged AS TEXT) \
             FROM program_instances WHERE id = $1",
            vec![uuid(instance)],
        )
        .await;
    let (sessions, hours) = totals.split_once(' ').unwrap();
    assert_eq!(
        (sessions, hours.parse::<rust_decimal::Decimal>().unwrap()),
        ("2000", rust_decimal::Decimal::from(1000))
    );
    nothing_kept(&uploads).await;
}

#[tokio::test]
async fn bad_rows_are_in_the_error_file_at_its_url_and_the_same_file_is_refused_unless_forced() {
    let (app, uploads) = spawn(500).await;
    let file = format!(
        "{HEADER}\nKS-1,buddy,v@x.org,V,p@x.org,P,,2025-03-01 10:00,60,4,,,\n\
         KS-2,buddy,v@x.org,V,p@x.org,P,,2025-03-01 10:00,60,7,,,\n\
         KS-3,buddy,v@x.org,V,p@x.org,P,,yesterday,60,,,,\n\
         KS-4,buddy,v@x.org\n"
    );
    let admin_token = admin();
    let send = |force: bool| {
        upload(
            &app.client,
            &app.address,
            Some(&admin_token),
            "bad.csv",
            file.as_bytes(),
            json!({ "programType": "buddy", "force": force }),
        )
    };
    let (_, body) = send(false).await;
    let id = body["data"]["uploadKintellCsv"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    let batch = wait_for_batch(&app, &id).await;
    assert_eq!(
        (&batch["status"], &batch["successRows"], &batch["errorRows"]),
        (&json!("COMPLETED"), &json!(1), &json!(3))
    );
    let url = batch["errorFileUrl"].as_str().unwrap();
    assert_eq!(url, format!("/ingestion/batches/{id}/errors.csv"));

    let download = |role: Role| {
        let request = app
            .client
            .get(format!("{}{url}", app.address))
            .bearer_auth(token(role, None));
        async move {
            let response = request.send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    for role in [Role::Admin, Role::Ingestion] {
        let (status, error_file) = download(role).await;
        assert_eq!(status, 200, "{role:?}: {error_file}");
        let lines: Vec<&str> = error_file.lines().collect();
        assert_eq!(lines.len(), 4, "{error_file}");
        assert_eq!(lines[0], format!("{HEADER},error"));
        assert!(lines[1].starts_with("KS-2,") && lines[1].contains("is not a rating from 0 to 5"));
        assert!(lines[2].starts_with("KS-3,") && lines[2].contains("is not a date"));
        assert!(lines[3].starts_with("KS-4,buddy,v@x.org,") && lines[3].contains("fields"));
    }
    let (status, refused) = download(Role::ProgramStaff).await;
    assert_eq!(status, 403, "{refused}");
    assert!(refused.contains("FORBIDDEN"), "{refused}");
    let (status, _) = download(Role::Admin).await;
    assert_eq!(status, 200);
    let unknown = app
        .client
        .get(format!(
            "{}/ingestion/batches/{}/errors.csv",
            app.address,
            uuid::Uuid::new_v4()
        ))
        .bearer_auth(admin())
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status().as_u16(), 404);
    let anonymous = app
        .client
        .get(format!("{}{url}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);

    let before = app.db.contents().await;
    let (_, again) = send(false).await;
    let error = &again["errors"][0];
    assert_eq!(error["extensions"]["code"], "CONFLICT", "{again}");
    assert!(
        error["message"].as_str().unwrap().contains(&id),
        "names the batch: {again}"
    );
    assert_eq!(
        app.db.contents().await,
        before,
        "a refused upload wrote rows"
    );

    let (_, forced) = send(true).await;
    let forced_id = forced["data"]["uploadKintellCsv"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{forced}"))
        .to_owned();
    assert_ne!(forced_id, id);
    let batch = wait_for_batch(&app, &forced_id).await;
    assert_eq!(
        (&batch["status"], &batch["skippedRows"], &batch["errorRows"]),
        (&json!("COMPLETED"), &json!(1), &json!(3))
    );
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM kintell_sessions", vec![])
            .await,
        1
    );
    nothing_kept(&uploads).await;
}

#[tokio::test]
async fn a_windows_1252_upload_with_semicolons_imports_with_its_names_intact() {
    let (app, _uploads) = spawn(500).await;
    let mut file = HEADER.replace(',', ";").into_bytes();
    file.extend_from_slice(b"\r\nKS-1;language_ukraine;z@x.org;Zo\xeb M\xfcller;p@x.org;Pia;;2025-03-01 10:00;45;5;;A2;\r\n");

    let (_, body) = upload(
        &app.client,
        &app.address,
        Some(&token(Role::Ingestion, None)),
        "cp1252.csv",
        &file,
        json!({ "programType": "language_ukraine" }),
    )
    .await;
    let id = body["data"]["uploadKintellCsv"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    let batch = wait_for_batch(&app, &id).await;
    assert_eq!(
        (&batch["status"], &batch["successRows"]),
        (&json!("COMPLETED"), &json!(1))
    );
    let data = app
        .data(
            "query Batch($id: ID!) { ingestionBatch(id: $id) { csvMetadata { delimiter encoding } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        data["ingestionBatch"]["csvMetadata"],
        json!({ "delimiter": ";", "encoding": "windows-1252" })
    );
    assert_eq!(
        app.db
            .text(
                "SELECT first_name || ' ' || last_name FROM users WHERE email = 'z@x.org'",
                vec![]
            )
            .await,
        "Zoë Müller"
    );
}

#[tokio::test]
async fn an_upload_over_the_limit_is_413_and_keeps_nothing() {
    let uploads = TestUploads::new(500);
    let limits = api::limits::Limits {
        max_upload_bytes: 20_000,
        ..api::limits::Limits::default()
    };
    let app = TestApp::spawn_with_uploads(limits, uploads.clone()).await;
    let before = app.db.contents().await;

    let (status, body) = upload(
        &app.client,
        &app.address,
        Some(&admin()),
        "big.csv",
        &clean_export(200, "buddy"),
        json!({ "programType": "buddy" }),
    )
    .await;

    assert_eq!(status, 413, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE");
    assert_eq!(app.db.contents().await, before);
    assert!(kept_files(&uploads).is_empty());
    // Under the limit, the same endpoint takes the file.
    let (status, body) = upload(
        &app.client,
        &app.address,
        Some(&admin()),
        "small.csv",
        &clean_export(20, "buddy"),
        json!({ "programType": "buddy" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["uploadKintellCsv"]["status"], "RUNNING");
}

#[tokio::test]
async fn roles_that_do_not_import_are_forbidden_and_keep_nothing() {
    let (app, uploads) = spawn(500).await;
    let before = app.db.contents().await;
    for role in [Role::ProgramStaff, Role::CommunityModerator] {
        let (status, body) = upload(
            &app.client,
            &app.address,
            Some(&token(role, None)),
            "export.csv",
            &clean_export(3, "buddy"),
            json!({ "programType": "buddy" }),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{role:?}: {body}"
        );
    }
    let (status, body) = upload(
        &app.client,
        &app.address,
        None,
        "export.csv",
        &clean_export(3, "buddy"),
        json!({ "programType": "buddy" }),
    )
    .await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(app.db.contents().await, before);
    assert!(kept_files(&uploads).is_empty());
}

#[tokio::test]
async fn a_gateway_stopped_mid_import_leaves_its_batch_running_and_the_next_one_imports_every_row_once()
 {
    const ROWS: i64 = 4_000;
    let (app, uploads) = spawn(10).await;
    let (_, body) = upload(
        &app.client,
        &app.address,
        Some(&admin()),
        "big.csv",
        &clean_export(ROWS as usize, "mentors_ukraine"),
        json!({ "programType": "mentors_ukraine" }),
    )
    .await;
    let id = body["data"]["uploadKintellCsv"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    let progress = || async {
        app.db
            .text(
                "SELECT status || ' ' || last_processed_row || ' ' || success_rows FROM ingestion_batches",
                vec![],
            )
            .await
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let now = progress().await;
        let row: i64 = now.split(' ').nth(1).unwrap().parse().unwrap();
        if row >= 50 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{now}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    app.shutdown.request();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stopped = progress().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        progress().await,
        stopped,
        "the import went on after the stop"
    );
    let parts: Vec<&str> = stopped.split(' ').collect();
    let row: i64 = parts[1].parse().unwrap();
    assert_eq!(parts[0], "running", "{stopped}");
    assert!(row < ROWS, "the import ended before the stop: {stopped}");
    assert_eq!(
        parts[2], parts[1],
        "every processed row is counted: {stopped}"
    );
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM kintell_sessions", vec![])
            .await,
        row,
        "the sessions are exactly the processed rows"
    );
    assert_eq!(kept_files(&uploads).len(), 1, "the upload is kept");

    // A new gateway on the same database and storage resumes the batch.
    let restarted = app.replica().await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !progress().await.starts_with("completed") {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{}",
            progress().await
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let batch = app
        .db
        .text(
            "SELECT success_rows || ' ' || skipped_rows || ' ' || error_rows || ' ' || last_processed_row FROM ingestion_batches",
            vec![],
        )
        .await;
    assert_eq!(
        batch,
        format!("{ROWS} 0 0 {ROWS}"),
        "one batch, every row once"
    );
    let (_, resumed) = tests::app::post_graphql(
        &app.client,
        &restarted.address,
        Some(&admin()),
        &json!({ "query": "query Batch($id: ID!) { ingestionBatch(id: $id) { status } }", "variables": { "id": id } }),
    )
    .await;
    assert_eq!(resumed["data"]["ingestionBatch"]["status"], "COMPLETED");
    assert_eq!(
        app.db
            .count(
                "SELECT COUNT(DISTINCT external_session_id) FROM kintell_sessions",
                vec![]
            )
            .await,
        ROWS
    );
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM kintell_sessions", vec![])
            .await,
        ROWS
    );
    nothing_kept(&uploads).await;
    assert_eq!(restarted.resumed, 1);
    restarted.shutdown.request();
}

#[tokio::test]
#[ignore = "needs PostgreSQL: advisory locks"]
async fn a_replica_starting_while_another_imports_a_file_leaves_that_import_alone() {
    const ROWS: i64 = 3_000;
    let (app, uploads) = spawn(10).await;
    let (_, body) = upload(
        &app.client,
        &app.address,
        Some(&admin()),
        "big.csv",
        &clean_export(ROWS as usize, "mentors_ukraine"),
        json!({ "programType": "mentors_ukraine" }),
    )
    .await;
    let id = body["data"]["uploadKintellCsv"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();

    // The batch is RUNNING and its upload kept: only the lock keeps the replica off it.
    let replica = app.replica().await;
    assert_eq!(
        app.db
            .count(
                "SELECT COUNT(*) FROM ingestion_batches WHERE status = 'running'",
                vec![]
            )
            .await,
        1,
        "the import ended before the replica started; upload a bigger file"
    );
    assert_eq!(replica.resumed, 0, "the replica took over a live import");

    let batch = wait_for_batch(&app, &id).await;
    assert_eq!(
        (
            &batch["status"],
            &batch["successRows"],
            &batch["skippedRows"]
        ),
        (&json!("COMPLETED"), &json!(ROWS), &json!(0))
    );
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM kintell_sessions", vec![])
            .await,
        ROWS
    );
    nothing_kept(&uploads).await;
    replica.shutdown.request();
}
