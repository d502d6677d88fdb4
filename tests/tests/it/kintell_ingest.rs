//! Kintell exports imported end to end through the `platform-gateway ingest` command (its
//! real argument parsing and entry point, in process): a clean file and its program
//! instance's totals, bad rows and the error file, the same file refused and forced, a
//! Windows-1252 file with `;` delimiters, and files that cannot be imported at all.

use std::path::{Path, PathBuf};

use clap::Parser;
use tests::TestApp;
use tests::sql::uuid;

pub(crate) const HEADER: &str = "session_id,session_type,volunteer_email,volunteer_name,participant_email,\
participant_name,scheduled_at,completed_at,duration_minutes,rating,feedback,language_level,topics";

/// A directory of its own for one test's files and archive.
pub(crate) fn work_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "kintell-ingest-{name}-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `platform-gateway ingest FILE …` against the test's database; `Err` is a non-zero exit.
pub(crate) async fn ingest(
    app: &TestApp,
    dir: &Path,
    file: &Path,
    extra: &[&str],
) -> Result<(), String> {
    let archive = url::Url::from_directory_path(dir.join("archive"))
        .unwrap()
        .to_string();
    let mut argv = vec![
        "platform-gateway".to_owned(),
        "--database-url".to_owned(),
        app.db.url.clone(),
        "--log-level".to_owned(),
        "warn".to_owned(),
        "ingest".to_owned(),
        file.display().to_string(),
        "--archive-url".to_owned(),
        archive,
    ];
    argv.extend(extra.iter().map(|arg| (*arg).to_owned()));
    let cli = api::config::Cli::try_parse_from(argv).map_err(|error| error.to_string())?;
    api::run(cli).await.map_err(|error| error.to_string())
}

pub(crate) fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[tokio::test]
async fn a_clean_file_imports_every_row_creates_its_people_and_updates_the_instance_totals() {
    let app = TestApp::spawn().await;
    let (company, template, group, campaign) = app.db.insert_campaign_graph().await;
    let instance = app
        .db
        .insert_instance(campaign, company, template, group)
        .await;
    let slug = app
        .db
        .text(
            "SELECT program_slug FROM program_instances WHERE id = $1",
            vec![uuid(instance)],
        )
        .await;
    let dir = work_dir("clean");
    let file = write(
        &dir,
        "clean.csv",
        format!(
            "{HEADER}\r\nKS-1,mentors_ukraine,Ann@X.org,Ann Lee,bo@x.org,Bo Berg,,2025-03-01 10:00,60,4.5,\"good, \"\"really\"\"\",B1,cv|jobs\r\n\
             KS-2,mentors_ukraine,ann@x.org,Ann Lee,cy@x.org,Cy,,2025-03-02T10:00:00+01:00,30,,\"two\nlines\",,\r\n\
             KS-3,mentors_ukraine,ann@x.org,Ann Lee,cy@x.org,Cy,2025-03-09 10:00,,,,,,\r\n"
        )
        .as_bytes(),
    );

    ingest(
        &app,
        &dir,
        &file,
        &[
            "--program-type",
            "mentors_ukraine",
            "--program-instance",
            &slug,
        ],
    )
    .await
    .unwrap();

    let batch = app
        .db
        .texts(
            "SELECT status || ' ' || success_rows || ' ' || error_rows || ' ' || last_processed_row \
             FROM ingestion_batches",
            vec![],
        )
        .await;
    assert_eq!(batch, ["completed 3 0 3"]);
    assert_eq!(
        app.db
            .count(
                "SELECT COUNT(*) FROM kintell_sessions WHERE program_instance_id = $1",
                vec![uuid(instance)]
            )
            .await,
        3
    );
    let people = app
        .db
        .texts("SELECT email || ' ' || role || ' ' || COALESCE(last_name, '-') FROM users ORDER BY email", vec![])
        .await;
    assert_eq!(
        people,
        [
            "ann@x.org volunteer Lee",
            "bo@x.org participant Berg",
            "cy@x.org participant -"
        ]
    );
    let feedback = app
        .db
        .text(
            "SELECT feedback_text FROM kintell_sessions WHERE external_session_id = 'KS-1'",
            vec![],
        )
        .await;
    assert_eq!(feedback, "good, \"really\"");
    // Two completed sessions, 90 minutes; the campaign rolls the instance up.
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
        ("2", rust_decimal::Decimal::new(15, 1))
    );
    assert_eq!(
        app.db
            .scalar_i64(
                "SELECT CAST(current_sessions AS BIGINT) FROM campaigns WHERE id = $1",
                vec![uuid(campaign)]
            )
            .await,
        2
    );
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM program_instances WHERE id = $1 AND last_activity_at IS NOT NULL", vec![uuid(instance)])
            .await,
        1
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn bad_rows_go_to_the_error_file_and_the_same_file_is_refused_unless_forced() {
    let app = TestApp::spawn().await;
    let dir = work_dir("bad");
    let file = write(
        &dir,
        "bad.csv",
        format!(
            "{HEADER}\nKS-1,buddy,v@x.org,V,p@x.org,P,,2025-03-01 10:00,60,4,,,\n\
             KS-2,buddy,v@x.org,V,p@x.org,P,,2025-03-01 10:00,60,7,,,\n\
             KS-3,buddy,v@x.org,V,p@x.org,P,,yesterday,60,,,,\n\
             KS-4,buddy,v@x.org\n"
        )
        .as_bytes(),
    );

    ingest(&app, &dir, &file, &["--program-type", "buddy"])
        .await
        .unwrap();

    let row = app
        .db
        .rows(
            "SELECT id, status, success_rows, error_rows, error_file_path FROM ingestion_batches",
            vec![],
        )
        .await;
    assert_eq!(row.len(), 1);
    let status: String = row[0].try_get("", "status").unwrap();
    let counts: (i32, i32) = (
        row[0].try_get("", "success_rows").unwrap(),
        row[0].try_get("", "error_rows").unwrap(),
    );
    assert_eq!((status.as_str(), counts), ("completed", (1, 3)));
    let path: String = row[0].try_get("", "error_file_path").unwrap();
    let error_file =
        std::fs::read_to_string(url::Url::parse(&path).unwrap().to_file_path().unwrap()).unwrap();
    let lines: Vec<&str> = error_file.lines().collect();
    assert_eq!(lines.len(), 4, "{error_file}");
    assert_eq!(lines[0], format!("{HEADER},error"));
    assert!(lines[1].starts_with("KS-2,") && lines[1].contains("is not a rating from 0 to 5"));
    assert!(lines[2].starts_with("KS-3,") && lines[2].contains("is not a date"));
    assert!(lines[3].starts_with("KS-4,buddy,v@x.org,") && lines[3].contains("fields"));

    let again = ingest(&app, &dir, &file, &["--program-type", "buddy"])
        .await
        .unwrap_err();
    assert!(
        again.contains("CONFLICT") && again.contains("already imported"),
        "{again}"
    );
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM ingestion_batches", vec![])
            .await,
        1
    );

    ingest(&app, &dir, &file, &["--program-type", "buddy", "--force"])
        .await
        .unwrap();
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM ingestion_batches", vec![])
            .await,
        2
    );
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM kintell_sessions", vec![])
            .await,
        1
    );
    assert_eq!(
        app.db
            .count(
                "SELECT COUNT(*) FROM ingestion_batches WHERE skipped_rows = 1 AND error_rows = 3",
                vec![]
            )
            .await,
        1
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_windows_1252_file_with_semicolons_imports_and_a_dry_run_writes_nothing() {
    let app = TestApp::spawn().await;
    let dir = work_dir("latin");
    let mut bytes =
        b"session_id;session_type;volunteer_email;volunteer_name;participant_email;feedback\r\n"
            .to_vec();
    bytes.extend_from_slice(
        b"KS-9;language_ukraine;v@x.org;Ren\xe9e M\xfcller;p@x.org;Tr\xe8s bien, merci\r\n",
    );
    let file = write(&dir, "latin.csv", &bytes);

    ingest(
        &app,
        &dir,
        &file,
        &["--program-type", "language_ukraine", "--dry-run"],
    )
    .await
    .unwrap();
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM ingestion_batches", vec![])
            .await,
        0
    );
    assert_eq!(app.db.count("SELECT COUNT(*) FROM users", vec![]).await, 0);

    ingest(&app, &dir, &file, &["--program-type", "language_ukraine"])
        .await
        .unwrap();
    let session = app
        .db
        .text(
            "SELECT session_type || '/' || feedback_text FROM kintell_sessions",
            vec![],
        )
        .await;
    assert_eq!(session, "language/Très bien, merci");
    assert_eq!(
        app.db
            .text(
                "SELECT last_name FROM users WHERE email = 'v@x.org'",
                vec![]
            )
            .await,
        "Müller"
    );
    let metadata = app
        .db
        .text(
            "SELECT CAST(csv_metadata AS TEXT) FROM ingestion_batches",
            vec![],
        )
        .await;
    assert!(
        metadata.contains("windows-1252") && metadata.contains("\";\""),
        "{metadata}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn files_that_cannot_be_read_fail_their_batch_with_the_reason() {
    let app = TestApp::spawn().await;
    let dir = work_dir("unreadable");
    let files: [(&str, &[u8], &str); 4] = [
        ("empty.csv", b"", "empty"),
        (
            "photo.csv",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "binary",
        ),
        ("data.csv", b"KS-1,buddy,v@x.org,p@x.org\n", "no header"),
        (
            "extra.csv",
            b"session_id,session_type,volunteer_email,participant_email,notes\n",
            "unknown column",
        ),
    ];
    for (name, bytes, reason) in files {
        let file = write(&dir, name, bytes);
        let error = ingest(&app, &dir, &file, &["--program-type", "buddy"])
            .await
            .unwrap_err();
        assert!(error.contains("failed"), "{name}: {error}");
        let summary = app
            .db
            .text(
                "SELECT status || ' ' || CAST(error_summary AS TEXT) FROM ingestion_batches WHERE file_name = $1",
                vec![name.into()],
            )
            .await;
        assert!(
            summary.starts_with("failed ") && summary.contains(reason),
            "{name}: {summary}"
        );
    }
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM kintell_sessions", vec![])
            .await,
        0
    );
    std::fs::remove_dir_all(dir).unwrap();
}
