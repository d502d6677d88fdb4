//! Kintell ingestion mutations through the real server: starting a batch (hash format,
//! re-import detection, who imported it), importing session rows (upsert by Kintell id, bad
//! rows recorded while good rows import, resuming after a partial import), the batch state
//! machine, who may run them, and that a refused call writes nothing.

use api::auth::Role;
use serde_json::{Value, json};
use tests::TestApp;
use tests::app::{TEST_SECRET, token};
use tests::sql::uuid;
use uuid::Uuid;

const START: &str = "mutation Start($input: StartIngestionBatchInput!) {
  startIngestionBatch(input: $input) {
    id fileName fileHash fileSizeBytes programType sourceSystem importMethod totalRows
    successRows errorRows skippedRows lastProcessedRow status importedByService
    importedBy { id } programInstance { id }
    csvMetadata { delimiter encoding headerRow columnMapping sourceFileModifiedAt }
    errorSummary { totalErrors } startedAt completedAt
  }
}";

const IMPORT: &str = "mutation Import($batchId: ID!, $rows: [KintellSessionRowInput!]!,
                                     $more: Boolean! = false) {
  importKintellSessions(batchId: $batchId, rows: $rows, moreRowsFollow: $more) {
    createdRows updatedRows skippedRows errorRows alreadyProcessedRows
    rowErrors { row field reason externalSessionId }
    sessions { id externalSessionId sessionType rating completedAt languageLevel metadata
               batch { id } programInstance { id } participant { id } }
    batch {
      id status totalRows successRows errorRows skippedRows lastProcessedRow startedAt completedAt
      errorSummary { totalErrors errorsByType failureReason
                     rowErrors { row field reason externalSessionId } }
    }
  }
}";

const PAUSE: &str = "mutation Pause($id: ID!) { pauseIngestionBatch(id: $id) { id status } }";

const FAIL: &str = "mutation Fail($id: ID!, $reason: String!) {
  failIngestionBatch(id: $id, reason: $reason) {
    id status completedAt errorSummary { failureReason totalErrors }
  }
}";

/// A SHA-256-shaped hash made of one repeated byte.
fn hash(byte: u8) -> String {
    format!("{byte:02x}").repeat(32)
}

fn batch_input(file_hash: &str) -> Value {
    json!({
        "fileName": "mentors-for-ukraine-2024-Q4.csv",
        "fileHash": file_hash,
        "programType": "mentors_ukraine",
    })
}

/// A program instance imported from Kintell, of `program_type` (`mentorship`, `language`).
async fn insert_kintell_instance(app: &TestApp, program_type: &str) -> Uuid {
    let id = Uuid::new_v4();
    // Literals, not parameters: on PostgreSQL the columns are native enums.
    app.db
        .execute(
            &format!(
                "INSERT INTO program_instances (id, name, start_date, status, program_type,
                                                program_name, program_slug, external_system)
                 VALUES ($1, 'Mentors for Ukraine - Q4 2024', $2, 'active', '{program_type}',
                         'Mentors for Ukraine', $3, 'kintell')"
            ),
            vec![
                uuid(id),
                tests::fixtures::date(2024, 10, 1).into(),
                format!("kintell-{id}").into(),
            ],
        )
        .await
        .expect("insert a Kintell program instance");
    id
}

async fn start_batch(app: &TestApp, input: Value) -> Uuid {
    let data = app.data(START, json!({ "input": input })).await;
    data["startIngestionBatch"]["id"]
        .as_str()
        .expect("a batch id")
        .parse()
        .expect("a uuid")
}

async fn import(app: &TestApp, batch: Uuid, rows: Value, more: bool) -> Value {
    let data = app
        .data(
            IMPORT,
            json!({ "batchId": batch, "rows": rows, "more": more }),
        )
        .await;
    data["importKintellSessions"].clone()
}

/// Plain valid rows `numbers`, with Kintell ids `KS-<number>`.
fn rows(numbers: impl IntoIterator<Item = i32>) -> Value {
    numbers
        .into_iter()
        .map(|n| {
            json!({
                "rowNumber": n,
                "externalSessionId": format!("KS-{n}"),
                "completedAt": "2024-10-05 14:00",
                "durationMinutes": 60,
                "rating": "4.5",
            })
        })
        .collect()
}

#[tokio::test]
async fn starting_a_batch_stores_it_pending_with_its_file_instance_and_caller() {
    let app = TestApp::spawn().await;
    let instance = insert_kintell_instance(&app, "mentorship").await;
    let data = app
        .data(
            START,
            json!({ "input": {
                "fileName": " mentors-for-ukraine-2024-Q4.csv ",
                "fileHash": hash(0xAB).to_uppercase(),
                "fileSizeBytes": 51200,
                "programType": "mentors_ukraine",
                "programInstanceId": instance,
                "totalRows": 100,
                "csvMetadata": {
                    "delimiter": ";",
                    "encoding": "utf-8",
                    "headerRow": ["session_id", "completed_at"],
                    "columnMapping": { "session_id": "externalSessionId" },
                    "sourceFileModifiedAt": "2024-12-31T10:00:00Z",
                },
            }}),
        )
        .await;
    let batch = &data["startIngestionBatch"];
    assert_eq!(batch["fileName"], "mentors-for-ukraine-2024-Q4.csv");
    assert_eq!(batch["fileHash"], hash(0xab), "stored lowercase");
    assert_eq!(batch["fileSizeBytes"], 51200);
    assert_eq!(batch["programType"], "mentors_ukraine");
    assert_eq!(batch["sourceSystem"], "kintell");
    assert_eq!(batch["importMethod"], "csv_upload");
    assert_eq!(batch["totalRows"], 100);
    assert_eq!(batch["status"], "PENDING");
    assert_eq!(batch["lastProcessedRow"], 0);
    assert_eq!(batch["importedByService"], "Admin-tester");
    assert_eq!(batch["importedBy"], Value::Null);
    assert_eq!(batch["programInstance"]["id"], instance.to_string());
    assert_eq!(
        batch["csvMetadata"]["columnMapping"],
        json!({ "session_id": "externalSessionId" })
    );
    assert_eq!(batch["csvMetadata"]["delimiter"], ";");
    assert_eq!(batch["startedAt"], Value::Null);
    assert_eq!(batch["errorSummary"], Value::Null);

    let id: Uuid = batch["id"].as_str().unwrap().parse().unwrap();
    let stored = app
        .db
        .count(
            "SELECT COUNT(*) FROM ingestion_batches WHERE id = $1 AND status = 'pending'
           AND file_hash = $2 AND program_instance_id = $3 AND imported_by IS NULL
           AND imported_by_service = 'Admin-tester' AND total_rows = 100
           AND success_rows = 0 AND started_at IS NULL",
            vec![uuid(id), hash(0xab).into(), uuid(instance)],
        )
        .await;
    assert_eq!(stored, 1);
    let audited = app
        .db
        .count(
            "SELECT COUNT(*) FROM audit_log WHERE mutation = 'startIngestionBatch'",
            vec![],
        )
        .await;
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn a_batch_records_the_importing_user_when_the_token_subject_is_one() {
    let app = TestApp::spawn().await;
    let user = app.db.insert_user().await;
    let signed_as = |subject: String| {
        let claims = api::auth::Claims {
            sub: subject,
            // An admin reads users back; the ingestion role cannot, so `importedBy` would be null.
            role: Role::Admin,
            company_id: None,
            exp: chrono::Utc::now().timestamp() + 3600,
            nbf: None,
            iss: None,
            aud: None,
        };
        api::auth::sign_hs256(TEST_SECRET, &claims).unwrap()
    };

    let (_, body) = app
        .graphql_as(
            Some(&signed_as(user.to_string())),
            START,
            json!({ "input": batch_input(&hash(1)) }),
        )
        .await;
    let batch = &body["data"]["startIngestionBatch"];
    assert_eq!(batch["importedBy"]["id"], user.to_string(), "{body}");
    assert_eq!(batch["importedByService"], Value::Null);

    let stranger = Uuid::new_v4();
    let (_, body) = app
        .graphql_as(
            Some(&signed_as(stranger.to_string())),
            START,
            json!({ "input": batch_input(&hash(2)) }),
        )
        .await;
    let batch = &body["data"]["startIngestionBatch"];
    assert_eq!(batch["importedBy"], Value::Null, "{body}");
    assert_eq!(batch["importedByService"], stranger.to_string());

    let stored = app.db.count("SELECT COUNT(*) FROM ingestion_batches WHERE imported_by = $1 AND imported_by_service IS NULL",
        vec![uuid(user)],
    )
    .await;
    assert_eq!(stored, 1);
}

#[tokio::test]
async fn invalid_batch_input_is_refused_with_its_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let language = insert_kintell_instance(&app, "language").await;
    let before = app.db.contents().await;
    let with = |field: &str, value: Value| {
        let mut input = batch_input(&hash(3));
        input[field] = value;
        input
    };
    let cases = [
        (with("fileHash", json!("a1b2c3d4e5f6")), "input.fileHash"),
        (with("fileHash", json!(hash(3) + "0")), "input.fileHash"),
        (
            with("fileHash", json!(format!("{}zz", &hash(3)[..62]))),
            "input.fileHash",
        ),
        (with("fileName", json!("  ")), "input.fileName"),
        (with("fileSizeBytes", json!(-1)), "input.fileSizeBytes"),
        (with("programType", json!("weei")), "input.programType"),
        (with("totalRows", json!(-3)), "input.totalRows"),
        (
            with("sourceSystem", json!("Kintell API")),
            "input.sourceSystem",
        ),
        (
            with("programInstanceId", json!("not-a-uuid")),
            "input.programInstanceId",
        ),
        (
            with("programInstanceId", json!(language)),
            "input.programInstanceId",
        ),
        (
            with("csvMetadata", json!({ "delimiter": ";;" })),
            "input.csvMetadata.delimiter",
        ),
        (
            with(
                "csvMetadata",
                json!({ "headerRow": ["id"], "columnMapping": { "date": "completedAt" } }),
            ),
            "input.csvMetadata.columnMapping",
        ),
    ];
    for (input, expected_field) in cases {
        let (code, field, message) = app.error(START, json!({ "input": input })).await;
        assert_eq!(
            (code.as_str(), field.as_deref()),
            ("BAD_USER_INPUT", Some(expected_field)),
            "{message}"
        );
    }
    let (code, _, message) = app
        .error(
            START,
            json!({ "input": with("programInstanceId", json!(Uuid::new_v4())) }),
        )
        .await;
    assert_eq!(code, "NOT_FOUND", "{message}");
    assert_eq!(app.db.contents().await, before);
}

#[tokio::test]
async fn re_importing_a_completed_file_is_a_conflict_naming_the_earlier_batch_unless_forced() {
    let app = TestApp::spawn().await;
    let first = start_batch(&app, batch_input(&hash(4))).await;
    // While the first batch is unfinished, the same file cannot start another (issue 15).
    let (code, _, message) = app
        .error(START, json!({ "input": batch_input(&hash(4)) }))
        .await;
    assert_eq!(code, "CONFLICT");
    assert!(
        message.contains(&first.to_string()) && message.contains("PENDING"),
        "{message}"
    );
    let done = import(&app, first, rows(1..=2), false).await;
    assert_eq!(done["batch"]["status"], "COMPLETED");

    let before = app.db.contents().await;
    let (code, _, message) = app
        .error(
            START,
            json!({ "input": batch_input(&hash(4).to_uppercase()) }),
        )
        .await;
    assert_eq!(code, "CONFLICT");
    assert!(message.contains(&first.to_string()), "{message}");
    assert_eq!(app.db.contents().await, before);

    let mut forced = batch_input(&hash(4));
    forced["force"] = json!(true);
    let again = start_batch(&app, forced).await;
    assert_ne!(again, first);
    let batches = app
        .db
        .count(
            "SELECT COUNT(*) FROM ingestion_batches WHERE file_hash = $1",
            vec![hash(4).into()],
        )
        .await;
    assert_eq!(batches, 2);
}

#[tokio::test]
async fn importing_rows_creates_sessions_linked_to_the_batch_and_its_instance() {
    let app = TestApp::spawn().await;
    let instance = insert_kintell_instance(&app, "mentorship").await;
    let participant = app.db.insert_user().await;
    let mut input = batch_input(&hash(5));
    input["programInstanceId"] = json!(instance);
    let batch = start_batch(&app, input).await;

    let payload = import(
        &app,
        batch,
        json!([
            { "rowNumber": 2, "externalSessionId": "KS-1001", "participantId": participant,
              "scheduledAt": "2024-10-05T13:00:00Z", "completedAt": "2024-10-05 14:00",
              "durationMinutes": 60, "rating": "4.50", "topics": ["cv", "interview"],
              "metadata": { "room": "7" } },
            { "rowNumber": 3, "externalSessionId": "KS-1002", "languageLevel": "b2",
              "rating": "", "feedbackText": "Very helpful" },
        ]),
        false,
    )
    .await;
    assert_eq!(payload["createdRows"], 2);
    assert_eq!(
        (
            payload["updatedRows"].clone(),
            payload["skippedRows"].clone()
        ),
        (json!(0), json!(0))
    );
    assert_eq!(payload["errorRows"], 0);
    let sessions = payload["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    let first = &sessions[0];
    assert_eq!(first["externalSessionId"], "KS-1001");
    assert_eq!(first["sessionType"], "mentorship");
    assert_eq!(first["rating"], "4.50");
    assert_eq!(first["completedAt"], "2024-10-05T14:00:00+00:00");
    assert_eq!(
        first["metadata"],
        json!({ "room": "7", "sourceProgramType": "mentors_ukraine" })
    );
    assert_eq!(first["batch"]["id"], batch.to_string());
    assert_eq!(first["programInstance"]["id"], instance.to_string());
    assert_eq!(first["participant"]["id"], participant.to_string());
    assert_eq!(sessions[1]["languageLevel"], "B2");
    assert_eq!(sessions[1]["rating"], Value::Null);

    let state = &payload["batch"];
    assert_eq!(state["status"], "COMPLETED");
    assert_eq!(state["successRows"], 2);
    assert_eq!(state["lastProcessedRow"], 3);
    assert_eq!(state["totalRows"], 2, "counted when the start did not say");
    assert!(state["startedAt"].is_string() && state["completedAt"].is_string());
    assert_eq!(state["errorSummary"], Value::Null);

    let stored = app
        .db
        .count(
            "SELECT COUNT(*) FROM kintell_sessions WHERE batch_id = $1 AND program_instance_id = $2
           AND session_type = 'mentorship'",
            vec![uuid(batch), uuid(instance)],
        )
        .await;
    assert_eq!(stored, 2);
    let first_row = app
        .db
        .count(
            "SELECT COUNT(*) FROM kintell_sessions WHERE external_session_id = 'KS-1001'
           AND participant_id = $1 AND duration_minutes = 60 AND CAST(rating AS REAL) = 4.5",
            vec![uuid(participant)],
        )
        .await;
    assert_eq!(first_row, 1);
    let batch_row = app
        .db
        .count(
            "SELECT COUNT(*) FROM ingestion_batches WHERE id = $1 AND status = 'completed'
           AND success_rows = 2 AND error_rows = 0 AND skipped_rows = 0
           AND last_processed_row = 3 AND total_rows = 2 AND started_at IS NOT NULL
           AND completed_at IS NOT NULL",
            vec![uuid(batch)],
        )
        .await;
    assert_eq!(batch_row, 1);
}

#[tokio::test]
async fn a_session_imported_again_is_updated_or_skipped_never_duplicated() {
    let app = TestApp::spawn().await;
    let first = start_batch(&app, batch_input(&hash(6))).await;
    import(&app, first, rows(1..=3), false).await;

    let second = start_batch(&app, batch_input(&hash(7))).await;
    let mut again = rows(1..=3);
    again[1]["rating"] = json!("3.00"); // KS-2 changed
    let payload = import(&app, second, again, false).await;
    assert_eq!(payload["createdRows"], 0);
    assert_eq!(payload["updatedRows"], 1);
    assert_eq!(payload["skippedRows"], 2, "KS-1 and KS-3 are identical");
    assert_eq!(payload["sessions"][0]["externalSessionId"], "KS-2");
    assert_eq!(payload["sessions"][0]["rating"], "3.00");
    assert_eq!(payload["batch"]["status"], "COMPLETED");
    assert_eq!(payload["batch"]["successRows"], 1);
    assert_eq!(payload["batch"]["skippedRows"], 2);

    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM kintell_sessions", vec![])
            .await,
        3
    );
    let moved = app
        .db
        .count(
            "SELECT COUNT(*) FROM kintell_sessions WHERE external_session_id = 'KS-2'
           AND batch_id = $1 AND CAST(rating AS REAL) = 3.0",
            vec![uuid(second)],
        )
        .await;
    assert_eq!(
        moved, 1,
        "the changed session now traces to the batch that changed it"
    );
    let kept = app
        .db
        .count(
            "SELECT COUNT(*) FROM kintell_sessions WHERE batch_id = $1",
            vec![uuid(first)],
        )
        .await;
    assert_eq!(kept, 2, "unchanged sessions keep their batch");
}

#[tokio::test]
async fn bad_rows_are_recorded_in_the_error_summary_while_good_rows_import() {
    let app = TestApp::spawn().await;
    let batch = start_batch(&app, batch_input(&hash(8))).await;
    let payload = import(
        &app,
        batch,
        json!([
            { "rowNumber": 1, "externalSessionId": "KS-1", "completedAt": "2024-10-05 14:00" },
            { "rowNumber": 2, "externalSessionId": "KS-2", "completedAt": "not a date" },
            { "rowNumber": 3, "externalSessionId": " " },
            { "rowNumber": 4, "externalSessionId": "KS-4", "participantId": Uuid::new_v4() },
            { "rowNumber": 5, "externalSessionId": "KS-1" },
            { "rowNumber": 6, "externalSessionId": "KS-6", "rating": "7" },
            { "rowNumber": 7, "externalSessionId": "KS-7" },
        ]),
        false,
    )
    .await;
    assert_eq!(payload["createdRows"], 2);
    assert_eq!(payload["errorRows"], 5);
    let errors: Vec<(i64, String, String)> = payload["rowErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_i64().unwrap(),
                e["field"].as_str().unwrap().to_owned(),
                e["externalSessionId"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let expected = [
        (2, "completedAt", "KS-2"),
        (3, "externalSessionId", ""),
        (4, "participantId", "KS-4"),
        (5, "externalSessionId", "KS-1"),
        (6, "rating", "KS-6"),
    ];
    assert_eq!(
        errors,
        expected
            .iter()
            .map(|(row, field, id)| (*row, (*field).to_owned(), (*id).to_owned()))
            .collect::<Vec<_>>()
    );
    let state = &payload["batch"];
    assert_eq!(state["status"], "COMPLETED");
    assert_eq!(
        (state["successRows"].as_i64(), state["errorRows"].as_i64()),
        (Some(2), Some(5))
    );
    let summary = &state["errorSummary"];
    assert_eq!(summary["totalErrors"], 5);
    assert_eq!(
        summary["errorsByType"],
        json!({ "invalid_date": 1, "missing_field": 1, "unknown_user": 1,
                "duplicate_session": 1, "invalid_value": 1 })
    );
    assert_eq!(summary["rowErrors"], payload["rowErrors"]);

    // Read back from the database, not from the mutation's memory.
    let stored = app
        .data(
            "query($id: ID!) { ingestionBatch(id: $id) { errorSummary { totalErrors rowErrors { row } } } }",
            json!({ "id": batch }),
        )
        .await;
    assert_eq!(
        stored["ingestionBatch"]["errorSummary"]["rowErrors"],
        json!([{ "row": 2 }, { "row": 3 }, { "row": 4 }, { "row": 5 }, { "row": 6 }])
    );
    let sessions = app.db.count("SELECT COUNT(*) FROM kintell_sessions WHERE batch_id = $1 AND external_session_id IN ('KS-1', 'KS-7')",
        vec![uuid(batch)],
    )
    .await;
    assert_eq!(sessions, 2);
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM kintell_sessions", vec![])
            .await,
        2
    );
    let counted = app.db.count("SELECT COUNT(*) FROM ingestion_batches WHERE id = $1 AND error_rows = 5 AND success_rows = 2
           AND error_summary IS NOT NULL",
        vec![uuid(batch)],
    )
    .await;
    assert_eq!(counted, 1);
}

#[tokio::test]
async fn a_batch_whose_every_row_is_rejected_fails() {
    let app = TestApp::spawn().await;
    let batch = start_batch(&app, batch_input(&hash(9))).await;
    let payload = import(
        &app,
        batch,
        json!([
            { "rowNumber": 1, "externalSessionId": "KS-1", "durationMinutes": -5 },
            { "rowNumber": 2, "externalSessionId": "KS-2", "languageLevel": "fluent" },
        ]),
        false,
    )
    .await;
    assert_eq!(payload["batch"]["status"], "FAILED");
    assert_eq!(payload["batch"]["errorRows"], 2);
    let stored = app
        .db
        .count(
            "SELECT COUNT(*) FROM ingestion_batches WHERE id = $1 AND status = 'failed'
           AND completed_at IS NOT NULL",
            vec![uuid(batch)],
        )
        .await;
    assert_eq!(stored, 1);
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM kintell_sessions", vec![])
            .await,
        0
    );
}

#[tokio::test]
async fn a_resumed_import_skips_the_rows_already_processed() {
    let app = TestApp::spawn().await;
    let batch = start_batch(&app, batch_input(&hash(10))).await;

    let chunk = import(&app, batch, rows(1..=3), true).await;
    assert_eq!(chunk["batch"]["status"], "RUNNING");
    assert_eq!(chunk["batch"]["lastProcessedRow"], 3);
    assert_eq!(chunk["batch"]["completedAt"], Value::Null);

    // The importer crashes and says so; then it resumes by sending the file from the top.
    let failed = app
        .data(FAIL, json!({ "id": batch, "reason": "connector crashed" }))
        .await;
    assert_eq!(failed["failIngestionBatch"]["status"], "FAILED");
    assert_eq!(
        failed["failIngestionBatch"]["errorSummary"]["failureReason"],
        "connector crashed"
    );

    let resumed = import(&app, batch, rows(1..=5), false).await;
    assert_eq!(resumed["alreadyProcessedRows"], 3);
    assert_eq!(resumed["createdRows"], 2);
    assert_eq!(resumed["skippedRows"], 0);
    let ids: Vec<&str> = resumed["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["externalSessionId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["KS-4", "KS-5"]);
    let state = &resumed["batch"];
    assert_eq!(state["status"], "COMPLETED");
    assert_eq!(state["successRows"], 5, "rows 1-3 are not counted twice");
    assert_eq!(state["lastProcessedRow"], 5);
    assert_eq!(state["totalRows"], 5);

    assert_eq!(
        app.db
            .count(
                "SELECT COUNT(*) FROM kintell_sessions WHERE batch_id = $1",
                vec![uuid(batch)]
            )
            .await,
        5
    );
    let stored = app
        .db
        .count(
            "SELECT COUNT(*) FROM ingestion_batches WHERE id = $1 AND status = 'completed'
           AND success_rows = 5 AND last_processed_row = 5",
            vec![uuid(batch)],
        )
        .await;
    assert_eq!(stored, 1);
}

#[tokio::test]
async fn a_paused_batch_resumes_and_a_finished_one_cannot_be_paused_or_failed() {
    let app = TestApp::spawn().await;
    let batch = start_batch(&app, batch_input(&hash(11))).await;
    let paused = app.data(PAUSE, json!({ "id": batch })).await;
    assert_eq!(paused["pauseIngestionBatch"]["status"], "PAUSED");
    assert_eq!(
        app.db
            .count(
                "SELECT COUNT(*) FROM ingestion_batches WHERE id = $1 AND status = 'paused'",
                vec![uuid(batch)]
            )
            .await,
        1
    );

    let before = app.db.contents().await;
    let (code, _, message) = app.error(PAUSE, json!({ "id": batch })).await;
    assert_eq!(code, "CONFLICT");
    assert!(message.contains("PENDING, RUNNING"), "{message}");
    assert_eq!(app.db.contents().await, before);

    let payload = import(&app, batch, rows(1..=1), true).await;
    assert_eq!(payload["batch"]["status"], "RUNNING");
    let payload = import(&app, batch, json!([]), false).await;
    assert_eq!(payload["batch"]["status"], "COMPLETED");
    assert_eq!(payload["batch"]["successRows"], 1);

    let before = app.db.contents().await;
    let (code, _, _) = app.error(PAUSE, json!({ "id": batch })).await;
    assert_eq!(code, "CONFLICT");
    let (code, _, message) = app
        .error(FAIL, json!({ "id": batch, "reason": "too late" }))
        .await;
    assert_eq!(code, "CONFLICT");
    assert!(message.contains("COMPLETED"), "{message}");
    let (code, field, _) = app
        .error(FAIL, json!({ "id": batch, "reason": "  " }))
        .await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("BAD_USER_INPUT", Some("reason"))
    );
    let (code, field, _) = app.error(PAUSE, json!({ "id": "batch-1" })).await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("BAD_USER_INPUT", Some("id"))
    );
    let (code, _, _) = app.error(PAUSE, json!({ "id": Uuid::new_v4() })).await;
    assert_eq!(code, "NOT_FOUND");
    assert_eq!(app.db.contents().await, before);
}

#[tokio::test]
async fn structural_errors_refuse_the_whole_import_and_write_nothing() {
    let app = TestApp::spawn().await;
    let open = start_batch(&app, batch_input(&hash(12))).await;
    let completed = start_batch(&app, batch_input(&hash(13))).await;
    import(&app, completed, rows(1..=1), false).await;
    let before = app.db.contents().await;

    let refusal = |batch: Value, rows: Value| {
        let app = &app;
        async move {
            app.error(IMPORT, json!({ "batchId": batch, "rows": rows }))
                .await
        }
    };

    let (code, field, _) = refusal(json!("nope"), rows(1..=1)).await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("BAD_USER_INPUT", Some("batchId"))
    );
    let (code, _, message) = refusal(json!(Uuid::new_v4()), rows(1..=1)).await;
    assert_eq!(code, "NOT_FOUND", "{message}");
    let (code, _, message) = refusal(json!(completed), rows(2..=3)).await;
    assert_eq!(code, "CONFLICT");
    assert!(
        message.contains(&completed.to_string()) && message.contains("force"),
        "{message}"
    );
    let (code, field, _) = refusal(json!(open), rows(1..=501)).await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("BAD_USER_INPUT", Some("rows"))
    );
    let (code, field, _) = refusal(json!(open), rows([1, 3, 2])).await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("BAD_USER_INPUT", Some("rows[2].rowNumber"))
    );
    let (code, field, _) = refusal(json!(open), rows([0, 1])).await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("BAD_USER_INPUT", Some("rows[0].rowNumber"))
    );
    assert_eq!(app.db.contents().await, before);

    // The largest chunk allowed goes through (KS-1 is already stored, identical: skipped).
    let payload = import(&app, open, rows(1..=500), false).await;
    assert_eq!(payload["createdRows"], 499);
    assert_eq!(payload["skippedRows"], 1);
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM kintell_sessions", vec![])
            .await,
        500
    );
}

#[tokio::test]
async fn only_the_ingestion_and_admin_roles_run_ingestion_mutations() {
    let app = TestApp::spawn().await;
    let company = app.db.insert_company("Acme").await;
    let batch = start_batch(&app, batch_input(&hash(14))).await;
    let before = app.db.contents().await;
    let attempts = [
        (START, json!({ "input": batch_input(&hash(15)) })),
        (IMPORT, json!({ "batchId": batch, "rows": rows(1..=1) })),
        (PAUSE, json!({ "id": batch })),
        (FAIL, json!({ "id": batch, "reason": "no" })),
    ];
    for role in [
        Role::CompanyViewer,
        Role::ProgramStaff,
        Role::CommunityModerator,
        Role::CompanyAdmin,
    ] {
        let as_role = token(role, role.is_company_role().then_some(company));
        for (query, variables) in &attempts {
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

    let as_ingestion = token(Role::Ingestion, None);
    let (_, body) = app
        .graphql_as(Some(&as_ingestion), IMPORT, attempts[1].1.clone())
        .await;
    assert_eq!(
        body["data"]["importKintellSessions"]["batch"]["status"], "COMPLETED",
        "{body}"
    );
    let (_, body) = app
        .graphql_as(Some(&as_ingestion), START, attempts[0].1.clone())
        .await;
    assert_eq!(
        body["data"]["startIngestionBatch"]["importedByService"], "Ingestion-tester",
        "{body}"
    );
    let second = body["data"]["startIngestionBatch"]["id"].clone();
    let (_, body) = app
        .graphql_as(
            Some(&token(Role::Admin, None)),
            PAUSE,
            json!({ "id": second }),
        )
        .await;
    assert_eq!(
        body["data"]["pauseIngestionBatch"]["status"], "PAUSED",
        "{body}"
    );
    let (_, body) = app
        .graphql_as(
            Some(&as_ingestion),
            FAIL,
            json!({ "id": second, "reason": "operator gave up" }),
        )
        .await;
    assert_eq!(
        body["data"]["failIngestionBatch"]["status"], "FAILED",
        "{body}"
    );
}
