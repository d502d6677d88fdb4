//! `GraphQLSocket`: a real WebSocket client speaking either GraphQL WebSocket protocol to the
//! gateway under test, as the graphql-ws library (`graphql-transport-ws`) or
//! subscriptions-transport-ws (`graphql-ws`) would.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Which GraphQL WebSocket protocol a client speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// `graphql-transport-ws`: graphql-ws, Apollo Client, urql.
    TransportWs,
    /// `graphql-ws`: the legacy subscriptions-transport-ws.
    Legacy,
}

impl Protocol {
    pub fn name(self) -> &'static str {
        match self {
            Protocol::TransportWs => "graphql-transport-ws",
            Protocol::Legacy => "graphql-ws",
        }
    }

    fn subscribe_type(self) -> &'static str {
        match self {
            Protocol::TransportWs => "subscribe",
            Protocol::Legacy => "start",
        }
    }

    fn event_type(self) -> &'static str {
        match self {
            Protocol::TransportWs => "next",
            Protocol::Legacy => "data",
        }
    }
}

/// What the socket saw instead of the message a test waited for.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    /// The server closed the socket with this code and reason.
    Closed(u16, String),
    /// Nothing arrived in time.
    TimedOut,
}

pub struct GraphQLSocket {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    pub protocol: Protocol,
    /// Keep-alive signals seen so far: ping frames, and `ka` messages on the legacy protocol.
    pub keepalives: usize,
}

impl GraphQLSocket {
    /// Opens a socket to `address` (`http://host:port`) at `path`, offering `protocol`.
    pub async fn open_at(address: &str, path: &str, protocol: Protocol) -> GraphQLSocket {
        let url = format!("{}{path}", address.replacen("http://", "ws://", 1));
        let mut request = url.into_client_request().expect("a WebSocket request");
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_static(protocol.name()),
        );
        let (stream, response) = tokio_tungstenite::connect_async(request)
            .await
            .expect("the WebSocket upgrade succeeds");
        assert_eq!(
            response
                .headers()
                .get("sec-websocket-protocol")
                .and_then(|value| value.to_str().ok()),
            Some(protocol.name()),
            "the server agrees on the protocol"
        );
        GraphQLSocket {
            stream,
            protocol,
            keepalives: 0,
        }
    }

    pub async fn open(address: &str, protocol: Protocol) -> GraphQLSocket {
        Self::open_at(address, "/graphql/ws", protocol).await
    }

    /// Opens a socket and completes `connection_init` with `token`; panics unless acknowledged.
    pub async fn connect(address: &str, protocol: Protocol, token: &str) -> GraphQLSocket {
        let mut socket = Self::open(address, protocol).await;
        let answer = socket
            .init(json!({ "Authorization": format!("Bearer {token}") }))
            .await;
        assert_eq!(answer, Ok(json!({ "type": "connection_ack" })));
        socket
    }

    /// Sends `connection_init` with `payload` and returns the server's answer.
    pub async fn init(&mut self, payload: Value) -> Result<Value, Ended> {
        self.send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        self.next_message(Duration::from_secs(10)).await
    }

    pub async fn send(&mut self, message: Value) {
        self.stream
            .send(Message::text(message.to_string()))
            .await
            .expect("send on the WebSocket");
    }

    /// Starts the operation `query` under `id`.
    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        let message = json!({
            "id": id,
            "type": self.protocol.subscribe_type(),
            "payload": { "query": query, "variables": variables },
        });
        self.send(message).await;
    }

    /// The next protocol message (keep-alives are counted and skipped), or how the socket ended.
    pub async fn next_message(&mut self, within: Duration) -> Result<Value, Ended> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let frame = match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Err(_) => return Err(Ended::TimedOut),
                Ok(frame) => frame,
            };
            match frame {
                Some(Ok(Message::Text(text))) => {
                    let message: Value = serde_json::from_str(&text).expect("a JSON message");
                    if message["type"] == "ka" {
                        self.keepalives += 1;
                        continue;
                    }
                    return Ok(message);
                }
                Some(Ok(Message::Ping(_))) => self.keepalives += 1,
                Some(Ok(Message::Close(frame))) => {
                    let (code, reason) = frame
                        .map(|frame| (u16::from(frame.code), frame.reason.to_string()))
                        .unwrap_or((1005, String::new()));
                    return Err(Ended::Closed(code, reason));
                }
                Some(Ok(_)) => {}
                Some(Err(error)) => return Err(Ended::Closed(1006, error.to_string())),
                None => return Err(Ended::Closed(1006, "the stream ended".into())),
            }
        }
    }

    /// The payload of the next event of operation `id`; panics on anything else.
    pub async fn next_event(&mut self, id: &str, within: Duration) -> Value {
        let message = self
            .next_message(within)
            .await
            .unwrap_or_else(|ended| panic!("expected an event for {id}, got {ended:?}"));
        assert_eq!(message["type"], self.protocol.event_type(), "{message}");
        assert_eq!(message["id"], id, "{message}");
        message["payload"].clone()
    }

    /// Asserts nothing but keep-alives arrives for `quiet`.
    pub async fn expect_silence(&mut self, quiet: Duration) {
        match self.next_message(quiet).await {
            Err(Ended::TimedOut) => {}
            other => panic!("expected silence, got {other:?}"),
        }
    }

    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }
}
