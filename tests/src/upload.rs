//! Uploads through the real multipart endpoint: a GraphQL multipart request body built by hand
//! (the `operations`, `map` and file parts apollo-upload-client sends), Kintell exports to send,
//! and waiting for a batch's background import to end.

use serde_json::{Value, json};

/// The upload mutation, answering the batch's state.
pub const UPLOAD: &str = "mutation Upload($file: Upload!, $programType: String!, $programInstanceId: ID, $force: Boolean, $columnMapping: [ColumnMappingInput!]) {
  uploadKintellCsv(file: $file, programType: $programType, programInstanceId: $programInstanceId, force: $force, columnMapping: $columnMapping) {
    id status fileName fileHash successRows errorRows lastProcessedRow errorFileUrl
  }
}";

/// The header of a Kintell export (DESIGN.md's columns).
pub const HEADER: &str = "session_id,session_type,volunteer_email,volunteer_name,participant_email,\
participant_name,scheduled_at,completed_at,duration_minutes,rating,feedback,language_level,topics";

pub const BOUNDARY: &str = "----gateway-upload-boundary-5c1d";

/// A GraphQL multipart request body: `operations` (the [`UPLOAD`] mutation with `variables`,
/// `file` set to null), `map` (`file` part 0) and the file part.
pub fn multipart_body(file_name: &str, file: &[u8], variables: &Value) -> Vec<u8> {
    let mut variables = variables.clone();
    variables["file"] = Value::Null;
    let operations = json!({ "query": UPLOAD, "variables": variables });
    let mut body = Vec::with_capacity(file.len() + 2048);
    let part = |body: &mut Vec<u8>, headers: &str, content: &[u8]| {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n{headers}\r\n\r\n").as_bytes());
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    };
    part(
        &mut body,
        "Content-Disposition: form-data; name=\"operations\"",
        operations.to_string().as_bytes(),
    );
    part(
        &mut body,
        "Content-Disposition: form-data; name=\"map\"",
        br#"{"0":["variables.file"]}"#,
    );
    part(
        &mut body,
        &format!(
            "Content-Disposition: form-data; name=\"0\"; filename=\"{file_name}\"\r\nContent-Type: text/csv"
        ),
        file,
    );
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// POSTs `file` to `address`'s `/graphql` as a multipart upload with `token`; the HTTP status
/// and the JSON body.
pub async fn upload(
    client: &reqwest::Client,
    address: &str,
    token: Option<&str>,
    file_name: &str,
    file: &[u8],
    variables: Value,
) -> (u16, Value) {
    let mut request = client
        .post(format!("{address}/graphql"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart_body(file_name, file, &variables));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("POST /graphql (multipart)");
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON body"))
}

/// A clean Kintell export of `rows` sessions (`KS-<n>`, completed, 30 minutes each) between
/// 50 volunteers and 500 participants.
pub fn clean_export(rows: usize, label: &str) -> Vec<u8> {
    let mut file = format!("{HEADER}\n").into_bytes();
    for row in 1..=rows {
        let line = format!(
            "KS-{row},{label},volunteer{v}@example.org,Vol {v},participant{p}@example.org,Part {p},\
             2025-03-01 09:00,2025-03-01 10:00,30,4.5,\"fine, thanks\",B1,cv|jobs\n",
            v = row % 50,
            p = row % 500,
        );
        file.extend_from_slice(line.as_bytes());
    }
    file
}
