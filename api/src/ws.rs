//! GraphQL over WebSocket at `/graphql/ws` (and `GET /graphql` with an upgrade): the modern
//! `graphql-transport-ws` protocol (the graphql-ws library, Apollo Client, urql) and the legacy
//! `graphql-ws` one (subscriptions-transport-ws). async-graphql speaks the protocols; this module
//! owns the socket around them:
//! - credentials arrive in the `connection_init` payload (browsers cannot set headers on a
//!   WebSocket), or in the upgrade request's `Authorization` header; a bad token is refused
//!   with close code 4403 (`connection_error` first on the legacy protocol);
//! - a socket is closed (4401) the moment its token expires;
//! - keep-alive: a ping frame every interval (and a `ka` message on the legacy protocol); a
//!   client silent for three intervals is dropped, and one that has not completed
//!   `connection_init` by then is closed with 4408;
//! - opening a socket counts against the caller's rate limit, and an operation breaking the
//!   alias or root-field limits is refused, as over HTTP;
//! - on shutdown every socket closes with 1001 ("going away");
//! - closing the socket drops its subscriptions, which releases their bus receivers.

use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason, Session};
use async_graphql::http::{WebSocket, WebSocketProtocols, WsMessage};
use async_graphql::{Data, ErrorExtensions};
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::AppState;
use crate::auth::Caller;
use crate::error::ErrorCode;
use crate::graphql::RequestScope;

/// Client messages read but not yet taken by the protocol; a client past this is flooding.
const INCOMING_BACKLOG: usize = 256;

/// The protocol of the socket a subscription runs over, in its connection data (a metrics
/// label).
pub struct SocketProtocol(pub &'static str);

/// Close code: the token was refused at `connection_init` (graphql-transport-ws "Forbidden").
const CLOSE_FORBIDDEN: u16 = 4403;
/// Close code: the token expired while the socket was open.
const CLOSE_TOKEN_EXPIRED: u16 = 4401;
/// Close code: no `connection_init` in time (graphql-transport-ws "Connection initialisation
/// timeout").
const CLOSE_INIT_TIMEOUT: u16 = 4408;

/// `GET /graphql/ws`: upgrades to a GraphQL WebSocket. Without a supported
/// `Sec-WebSocket-Protocol` the upgrade is refused (400), as the protocols require.
pub async fn graphql_ws(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: web::Payload,
) -> actix_web::Result<HttpResponse> {
    // Opening a socket counts against the caller's rate like a request; the token arrives only
    // later, in `connection_init`, so the caller is known by its address here.
    if let Err(wait) = state
        .rate_limiter
        .check(&crate::http::address_rate_key(&request))
    {
        state
            .metrics
            .record_rate_limited(crate::observability::metrics::Transport::WebSocket);
        return Ok(crate::http::too_many_requests(wait));
    }
    let Some(protocol) = offered_protocol(&request) else {
        return Ok(HttpResponse::BadRequest().json(crate::http::error_body(
            ErrorCode::BadUserInput,
            "a GraphQL WebSocket needs Sec-WebSocket-Protocol: graphql-transport-ws (or the legacy graphql-ws)",
            Some("Sec-WebSocket-Protocol"),
        )));
    };
    let (response, session, frames) =
        actix_ws::handle_with_protocols(&request, body, &[protocol.sec_websocket_protocol()])?;
    let header_credentials = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let socket = GraphQLSocket {
        state: state.into_inner(),
        protocol,
        header_credentials,
    };
    actix_web::rt::spawn(socket.run(session, frames));
    Ok(response)
}

/// The first GraphQL WebSocket protocol the client offers that the gateway speaks.
fn offered_protocol(request: &HttpRequest) -> Option<WebSocketProtocols> {
    request
        .headers()
        .get(header::SEC_WEBSOCKET_PROTOCOL)?
        .to_str()
        .ok()?
        .split(',')
        .find_map(|offered| WebSocketProtocols::from_str(offered.trim()).ok())
}

/// The bearer credentials in a `connection_init` payload, as the common clients send them:
/// `{"Authorization": "Bearer …"}`, `{"headers": {"Authorization": …}}` or `{"token": "…"}`.
fn payload_credentials(payload: &Value) -> Option<String> {
    let field = |object: &Value, names: &[&str]| {
        names
            .iter()
            .find_map(|name| object.get(*name)?.as_str().map(str::to_owned))
    };
    field(payload, &["Authorization", "authorization"])
        .or_else(|| field(payload.get("headers")?, &["Authorization", "authorization"]))
        .or_else(|| {
            field(payload, &["token", "authToken", "accessToken"]).map(|t| format!("Bearer {t}"))
        })
}

struct GraphQLSocket {
    state: Arc<AppState>,
    protocol: WebSocketProtocols,
    header_credentials: Option<String>,
}

/// What `connection_init` decided, for the socket loop to act on.
#[derive(Default)]
struct Handshake {
    refused: AtomicBool,
    expires_at: Mutex<Option<i64>>,
}

impl GraphQLSocket {
    async fn run(self, mut session: Session, frames: actix_ws::MessageStream) {
        let _open = self
            .state
            .metrics
            .websocket_opened(self.protocol.sec_websocket_protocol());
        let max_message = self.state.limits.max_body_bytes;
        let keepalive = Duration::from_secs(self.state.http.ws_keepalive_seconds.max(1));
        let handshake = Arc::new(Handshake::default());
        let (to_protocol, mut from_client) = mpsc::channel::<Vec<u8>>(INCOMING_BACKLOG);
        let incoming = futures_util::stream::poll_fn(move |cx| from_client.poll_recv(cx));
        let mut protocol = WebSocket::new(self.state.schema.clone(), incoming, self.protocol)
            .on_connection_init(self.connection_init(handshake.clone()));
        let mut frames = frames
            .max_frame_size(max_message)
            .aggregate_continuations()
            .max_continuation_size(max_message);
        let mut ticks = tokio::time::interval_at(Instant::now() + keepalive, keepalive);
        let opened = Instant::now();
        let mut last_heard = opened;
        let mut expires: Option<Instant> = None;
        let legacy = self.protocol == WebSocketProtocols::SubscriptionsTransportWS;
        let shutdown = self.state.shutdown.clone();

        let close = loop {
            let expiry = async {
                match expires {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                frame = frames.next() => {
                    let text = match frame {
                        Some(Ok(AggregatedMessage::Text(text))) => text.into_bytes().to_vec(),
                        Some(Ok(AggregatedMessage::Binary(bytes))) => bytes.to_vec(),
                        Some(Ok(AggregatedMessage::Ping(bytes))) => {
                            last_heard = Instant::now();
                            if session.pong(&bytes).await.is_err() {
                                return;
                            }
                            continue;
                        }
                        Some(Ok(AggregatedMessage::Pong(_))) => {
                            last_heard = Instant::now();
                            continue;
                        }
                        Some(Ok(AggregatedMessage::Close(_))) => break None,
                        Some(Err(error)) => {
                            break Some(reason(CloseCode::Protocol, &error.to_string()));
                        }
                        None => return,
                    };
                    last_heard = Instant::now();
                    if let Some(refusal) = self.over_limits(&text) {
                        if session.text(refusal.to_string()).await.is_err() {
                            return;
                        }
                        continue;
                    }
                    if to_protocol.try_send(text).is_err() {
                        break Some(reason(CloseCode::Policy, "too many messages in flight"));
                    }
                }
                message = protocol.next() => match message {
                    Some(WsMessage::Text(text)) => {
                        if expires.is_none() {
                            expires = handshake.expiry();
                        }
                        if session.text(text).await.is_err() {
                            return;
                        }
                    }
                    Some(WsMessage::Close(code, message)) => {
                        let code = if handshake.refused.load(Ordering::Relaxed) {
                            CLOSE_FORBIDDEN
                        } else {
                            code
                        };
                        break Some(reason(CloseCode::from(code), &message));
                    }
                    None if handshake.refused.load(Ordering::Relaxed) => {
                        break Some(reason(CloseCode::from(CLOSE_FORBIDDEN), "unauthenticated"));
                    }
                    None => break None,
                },
                () = expiry => {
                    let message = "the token has expired";
                    if legacy {
                        let error = json!({ "type": "connection_error", "payload": {
                            "message": message, "extensions": { "code": ErrorCode::Unauthenticated.as_str() } } });
                        let _ = session.text(error.to_string()).await;
                    }
                    break Some(reason(CloseCode::from(CLOSE_TOKEN_EXPIRED), message));
                }
                () = shutdown.requested() => {
                    break Some(reason(CloseCode::Away, "the server is shutting down"));
                }
                _ = ticks.tick() => {
                    if last_heard.elapsed() > keepalive * 3 {
                        break Some(reason(CloseCode::Away, "no message from the client in time"));
                    }
                    if expires.is_none() && opened.elapsed() > keepalive * 3 {
                        break Some(reason(
                            CloseCode::from(CLOSE_INIT_TIMEOUT),
                            "connection_init did not arrive in time",
                        ));
                    }
                    if session.ping(b"").await.is_err() {
                        return;
                    }
                    if legacy && expires.is_some() && session.text(r#"{"type":"ka"}"#).await.is_err() {
                        return;
                    }
                }
            }
        };
        let _ = session.close(close).await;
    }

    /// The protocol's error message for an operation whose document breaks the alias or
    /// root-field limits (the same limits HTTP requests get; depth and complexity are the
    /// schema's own and apply to both).
    fn over_limits(&self, message: &[u8]) -> Option<Value> {
        let message: Value = serde_json::from_slice(message).ok()?;
        if !matches!(message["type"].as_str(), Some("subscribe" | "start")) {
            return None;
        }
        let query = message["payload"]["query"].as_str()?;
        let error = self.state.limits.check_document(query).err()?;
        let error = serde_json::to_value(&error).ok()?;
        Some(match self.protocol {
            WebSocketProtocols::GraphQLWS => {
                json!({ "id": message["id"], "type": "error", "payload": [error] })
            }
            WebSocketProtocols::SubscriptionsTransportWS => {
                json!({ "id": message["id"], "type": "error", "payload": error })
            }
        })
    }

    /// Verifies the credentials of `connection_init` (or of the upgrade request) and gives the
    /// socket its scope: the caller, and loaders that never cache across events.
    fn connection_init(
        &self,
        handshake: Arc<Handshake>,
    ) -> impl FnOnce(Value) -> std::future::Ready<async_graphql::Result<Data>> + Send + 'static
    {
        let state = self.state.clone();
        let header_credentials = self.header_credentials.clone();
        let protocol = self.protocol.sec_websocket_protocol();
        move |payload| {
            let credentials = payload_credentials(&payload).or(header_credentials);
            std::future::ready(
                match state.auth.verifier.verify_header(credentials.as_deref()) {
                    Ok(caller) => {
                        handshake.accept(&caller);
                        let mut data = Data::default();
                        data.insert(RequestScope::for_socket(
                            state.database.clone(),
                            caller,
                            &state.metrics,
                        ));
                        data.insert(SocketProtocol(protocol));
                        Ok(data)
                    }
                    Err(error) => {
                        handshake.refused.store(true, Ordering::Relaxed);
                        Err(error.extend())
                    }
                },
            )
        }
    }
}

impl Handshake {
    fn accept(&self, caller: &Caller) {
        if let Ok(mut expires_at) = self.expires_at.lock() {
            *expires_at = Some(caller.expires_at);
        }
    }

    /// When the accepted token expires, as a point on the socket loop's clock.
    fn expiry(&self) -> Option<Instant> {
        let expires_at = (*self.expires_at.lock().ok()?)?;
        let left = expires_at - chrono::Utc::now().timestamp();
        Some(Instant::now() + Duration::from_secs(left.max(0) as u64))
    }
}

fn reason(code: CloseCode, description: &str) -> CloseReason {
    CloseReason {
        code,
        description: Some(description.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_found_where_the_common_clients_put_them() {
        let bearer = Some("Bearer abc".to_owned());
        assert_eq!(
            payload_credentials(&json!({ "Authorization": "Bearer abc" })),
            bearer
        );
        assert_eq!(
            payload_credentials(&json!({ "authorization": "Bearer abc" })),
            bearer
        );
        assert_eq!(
            payload_credentials(&json!({ "headers": { "Authorization": "Bearer abc" } })),
            bearer
        );
        assert_eq!(payload_credentials(&json!({ "token": "abc" })), bearer);
        assert_eq!(payload_credentials(&json!({})), None);
        assert_eq!(payload_credentials(&Value::Null), None);
    }
}
