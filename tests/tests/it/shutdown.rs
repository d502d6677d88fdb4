//! Graceful shutdown through the real server: a stop (what SIGTERM requests) lets an in-flight
//! HTTP request finish and closes every GraphQL WebSocket with 1001 "going away".

use std::time::Duration;

use api::auth::Role;
use serde_json::json;
use tests::TestApp;
use tests::app::token;
use tests::ws::{Ended, GraphQLSocket, Protocol};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::test]
async fn stopping_finishes_the_request_in_flight_and_closes_websockets_with_going_away() {
    let app = TestApp::spawn().await;
    let admin = token(Role::Admin, None);
    let mut socket = GraphQLSocket::connect(app.ws_address(), Protocol::TransportWs, &admin).await;
    socket
        .subscribe(
            "alerts",
            "subscription { capacityAlerts { id severity } }",
            json!({}),
        )
        .await;
    app.wait_for_subscribers(1).await;

    // A request whose body is still arriving when the stop comes: in flight for certain.
    let body = json!({ "query": "{ companies { totalCount } }" }).to_string();
    let host = app.address.trim_start_matches("http://");
    let mut request = TcpStream::connect(host).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Authorization: Bearer {admin}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    request.write_all(head.as_bytes()).await.unwrap();
    request.write_all(&body.as_bytes()[..10]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    app.shutdown.request();

    match socket.next_message(Duration::from_secs(5)).await {
        Err(Ended::Closed(code, reason)) => {
            assert_eq!(code, 1001, "{reason}");
            assert_eq!(reason, "the server is shutting down");
        }
        other => panic!("expected a 1001 close frame, got {other:?}"),
    }

    request.write_all(&body.as_bytes()[10..]).await.unwrap();
    let mut response = String::new();
    tokio::time::timeout(
        Duration::from_secs(5),
        request.read_to_string(&mut response),
    )
    .await
    .expect("the in-flight request is answered")
    .unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.contains(r#"{"data":{"companies":{"totalCount":0}}}"#),
        "{response}"
    );

    // New connections are refused once the server has stopped.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while TcpStream::connect(host).await.is_ok() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the server still accepts connections"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
