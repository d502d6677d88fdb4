//! Live capacity alerts through the real server: `Subscription.capacityAlerts` over both
//! WebSocket protocols, its filters and company isolation, the socket's authentication and
//! keep-alive, what a vanished subscriber releases, `Query.capacityAlerts` (the alerts active
//! now), and on PostgreSQL delivery across two replicas and after the listener reconnects.

use std::time::Duration;

use api::auth::Role;
use serde_json::{Value, json};
use tests::TestApp;
use tests::app::{post_graphql, token, token_expiring_in, wait_for_subscribers};
use tests::ws::{Ended, GraphQLSocket, Protocol};
use uuid::Uuid;

const ALERTS: &str =
    "subscription Alerts($campaignId: ID, $companyId: ID, $minSeverity: AlertSeverity) {
  capacityAlerts(campaignId: $campaignId, companyId: $companyId, minSeverity: $minSeverity) {
    id campaignId companyId campaign { id name } dimension severity threshold utilization
    current target source snapshotId raisedAt
  }
}";

const SNAPSHOT: &str = "mutation Snap($campaignId: ID!, $at: DateTime!) {
  recordCampaignMetricsSnapshot(campaignId: $campaignId, snapshotDate: $at) { id }
}";

const ACTIVE: &str = "query Active($filter: CapacityAlertFilter) {
  capacityAlerts(first: 100, filter: $filter) {
    totalCount edges { node { campaignId dimension severity utilization } }
  }
}";

const WAIT: Duration = Duration::from_secs(10);
const QUIET: Duration = Duration::from_millis(700);

/// Sets the campaign's current volunteers (of its 50) without raising anything.
async fn set_volunteers(app: &TestApp, campaign: Uuid, volunteers: i32) {
    app.db
        .execute(
            "UPDATE campaigns SET current_volunteers = $1 WHERE id = $2",
            vec![volunteers.into(), campaign.into()],
        )
        .await
        .unwrap();
}

/// Records a snapshot of `campaign` now (alerts it crosses are raised); returns the snapshot's
/// id.
async fn snapshot(address: &str, campaign: Uuid) -> String {
    let variables = json!({ "campaignId": campaign, "at": chrono::Utc::now() });
    let (_, body) = post_graphql(
        &reqwest::Client::new(),
        address,
        Some(&token(Role::Admin, None)),
        &json!({ "query": SNAPSHOT, "variables": variables }),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body:#}");
    body["data"]["recordCampaignMetricsSnapshot"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A campaign of a second company, beside the graph's first.
async fn second_campaign(app: &TestApp, template: Uuid, group: Uuid) -> (Uuid, Uuid) {
    let company = app.db.insert_company("Globex").await;
    let campaign = app
        .db
        .try_insert_campaign(
            company,
            template,
            group,
            rust_decimal::Decimal::new(1_000_000, 2),
        )
        .await
        .unwrap();
    (company, campaign)
}

#[tokio::test]
async fn a_snapshot_crossing_90_percent_delivers_exactly_one_high_alert() {
    let app = TestApp::spawn().await;
    let (company, _, _, campaign) = app.db.insert_campaign_graph().await;
    set_volunteers(&app, campaign, 42).await;
    // 0.84: WARNING, delivered (to this test's own receiver) before anyone subscribes.
    let mut earlier = app.alerts.subscribe();
    snapshot(&app.address, campaign).await;
    let warning = tokio::time::timeout(WAIT, earlier.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(warning.alert.severity, "warning");
    drop(earlier);

    let mut socket = GraphQLSocket::connect(
        app.ws_address(),
        Protocol::TransportWs,
        &token(Role::Admin, None),
    )
    .await;
    socket.subscribe("alerts", ALERTS, json!({})).await;
    app.wait_for_subscribers(1).await;
    set_volunteers(&app, campaign, 46).await;
    let snapshot_id = snapshot(&app.address, campaign).await; // 0.92: HIGH

    let event = socket.next_event("alerts", WAIT).await;
    assert!(event.get("errors").is_none(), "{event:#}");
    let alert = &event["data"]["capacityAlerts"];
    assert_eq!(alert["campaignId"], campaign.to_string());
    assert_eq!(alert["companyId"], company.to_string());
    assert_eq!(
        alert["campaign"],
        json!({ "id": campaign.to_string(), "name": "Mentors for Syrian Refugees" })
    );
    assert_eq!(alert["dimension"], "VOLUNTEERS");
    assert_eq!(alert["severity"], "HIGH");
    assert_eq!(alert["threshold"], "0.9000");
    assert_eq!(alert["utilization"], "0.9200");
    assert_eq!(alert["current"], "46.00");
    assert_eq!(alert["target"], "50.00");
    assert_eq!(alert["source"], "SNAPSHOT");
    assert_eq!(alert["snapshotId"], snapshot_id);
    let stored_id = app
        .db
        .scalar_i64(
            "SELECT COUNT(*) FROM capacity_alerts WHERE severity = 'high' AND snapshot_id IS NOT NULL",
            vec![],
        )
        .await;
    assert_eq!(stored_id, 1);
    let raised_at = chrono::DateTime::parse_from_rfc3339(alert["raisedAt"].as_str().unwrap());
    assert_eq!(raised_at.unwrap().offset().local_minus_utc(), 0);
    socket.expect_silence(QUIET).await;

    // Staying above 0.9 raises nothing more.
    set_volunteers(&app, campaign, 47).await;
    snapshot(&app.address, campaign).await;
    socket.expect_silence(QUIET).await;
}

#[tokio::test]
async fn subscriptions_filter_by_campaign_company_and_severity() {
    let app = TestApp::spawn().await;
    let (company_a, template, group, campaign_a) = app.db.insert_campaign_graph().await;
    let (company_b, campaign_b) = second_campaign(&app, template, group).await;
    let admin = token(Role::Admin, None);
    let mut by_campaign = GraphQLSocket::connect(&app.address, Protocol::TransportWs, &admin).await;
    by_campaign
        .subscribe("a", ALERTS, json!({ "campaignId": campaign_a }))
        .await;
    let mut by_company = GraphQLSocket::connect(&app.address, Protocol::TransportWs, &admin).await;
    by_company
        .subscribe("b", ALERTS, json!({ "companyId": company_b }))
        .await;
    let mut critical = GraphQLSocket::connect(&app.address, Protocol::TransportWs, &admin).await;
    critical
        .subscribe("c", ALERTS, json!({ "minSeverity": "CRITICAL" }))
        .await;
    app.wait_for_subscribers(3).await;

    set_volunteers(&app, campaign_a, 41).await; // A: 0.82, WARNING
    snapshot(&app.address, campaign_a).await;
    set_volunteers(&app, campaign_b, 51).await; // B: 1.02, WARNING + HIGH + CRITICAL
    snapshot(&app.address, campaign_b).await;

    let event = by_campaign.next_event("a", WAIT).await;
    assert_eq!(event["data"]["capacityAlerts"]["severity"], "WARNING");
    assert_eq!(
        event["data"]["capacityAlerts"]["campaignId"],
        campaign_a.to_string()
    );
    by_campaign.expect_silence(QUIET).await;

    let mut severities = Vec::new();
    for _ in 0..3 {
        let event = by_company.next_event("b", WAIT).await;
        assert_eq!(
            event["data"]["capacityAlerts"]["companyId"],
            company_b.to_string()
        );
        severities.push(event["data"]["capacityAlerts"]["severity"].clone());
    }
    assert_eq!(
        severities,
        [json!("WARNING"), json!("HIGH"), json!("CRITICAL")]
    );
    by_company.expect_silence(QUIET).await;

    let event = critical.next_event("c", WAIT).await;
    assert_eq!(event["data"]["capacityAlerts"]["severity"], "CRITICAL");
    assert_eq!(
        event["data"]["capacityAlerts"]["campaignId"],
        campaign_b.to_string()
    );
    critical.expect_silence(QUIET).await;
    let _ = company_a;
}

#[tokio::test]
async fn the_legacy_graphql_ws_protocol_delivers_alerts_and_keeps_the_socket_alive() {
    let http = api::config::HttpOptions {
        ws_keepalive_seconds: 1,
        ..api::config::HttpOptions::default()
    };
    let app = TestApp::spawn_configured(api::limits::Limits::default(), http).await;
    let (_, _, _, campaign) = app.db.insert_campaign_graph().await;
    let mut socket =
        GraphQLSocket::connect(&app.address, Protocol::Legacy, &token(Role::Admin, None)).await;
    socket
        .subscribe("1", ALERTS, json!({ "campaignId": campaign }))
        .await;
    app.wait_for_subscribers(1).await;
    set_volunteers(&app, campaign, 45).await; // 0.90: WARNING and HIGH
    snapshot(&app.address, campaign).await;
    let first = socket.next_event("1", WAIT).await;
    let second = socket.next_event("1", WAIT).await;
    assert_eq!(
        [
            &first["data"]["capacityAlerts"]["severity"],
            &second["data"]["capacityAlerts"]["severity"]
        ],
        [&json!("WARNING"), &json!("HIGH")]
    );
    // Keep-alives (`ka` and ping frames) arrive while nothing else does.
    socket.expect_silence(Duration::from_millis(2500)).await;
    assert!(socket.keepalives >= 2, "{} keep-alives", socket.keepalives);
    socket.send(json!({ "id": "1", "type": "stop" })).await;
    assert_eq!(
        socket.next_message(WAIT).await,
        Ok(json!({ "id": "1", "type": "complete" }))
    );
    app.wait_for_subscribers(0).await;
}

#[tokio::test]
async fn a_socket_that_never_initialises_is_closed() {
    let http = api::config::HttpOptions {
        ws_keepalive_seconds: 1,
        ..api::config::HttpOptions::default()
    };
    let app = TestApp::spawn_configured(api::limits::Limits::default(), http).await;
    let mut socket = GraphQLSocket::open(&app.address, Protocol::TransportWs).await;
    match socket.next_message(Duration::from_secs(10)).await {
        Err(Ended::Closed(4408, _)) => {}
        other => panic!("expected a 4408 close, got {other:?}"),
    }
}

#[tokio::test]
async fn the_graphql_endpoint_itself_upgrades_to_a_websocket() {
    let app = TestApp::spawn().await;
    let mut socket = GraphQLSocket::open_at(&app.address, "/graphql", Protocol::TransportWs).await;
    let answer = socket
        .init(json!({ "Authorization": format!("Bearer {}", token(Role::Admin, None)) }))
        .await;
    assert_eq!(answer, Ok(json!({ "type": "connection_ack" })));
}

#[tokio::test]
async fn an_upgrade_without_a_graphql_subprotocol_is_refused() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(format!("{}/graphql/ws", app.address))
        .header("Connection", "Upgrade")
        .header("Upgrade", "websocket")
        .header("Sec-WebSocket-Version", "13")
        .header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_subscriber_that_vanishes_releases_its_receiver_and_others_keep_receiving() {
    let app = TestApp::spawn().await;
    let (_, _, _, campaign) = app.db.insert_campaign_graph().await;
    let admin = token(Role::Admin, None);
    let mut staying = GraphQLSocket::connect(&app.address, Protocol::TransportWs, &admin).await;
    staying.subscribe("s", ALERTS, json!({})).await;
    let mut leaving = GraphQLSocket::connect(&app.address, Protocol::TransportWs, &admin).await;
    leaving.subscribe("l", ALERTS, json!({})).await;
    app.wait_for_subscribers(2).await;

    set_volunteers(&app, campaign, 41).await;
    snapshot(&app.address, campaign).await;
    staying.next_event("s", WAIT).await;
    leaving.next_event("l", WAIT).await;

    drop(leaving); // no close handshake: the client just disappears
    app.wait_for_subscribers(1).await;
    set_volunteers(&app, campaign, 46).await;
    snapshot(&app.address, campaign).await;
    let event = staying.next_event("s", WAIT).await;
    assert_eq!(event["data"]["capacityAlerts"]["severity"], "HIGH");

    // A subscription stopped by the client is released too.
    staying.send(json!({ "id": "s", "type": "complete" })).await;
    app.wait_for_subscribers(0).await;
}

#[tokio::test]
async fn a_company_user_receives_only_its_own_companys_alerts() {
    let app = TestApp::spawn().await;
    let (company_a, template, group, campaign_a) = app.db.insert_campaign_graph().await;
    let (company_b, campaign_b) = second_campaign(&app, template, group).await;
    let viewer = token(Role::CompanyViewer, Some(company_a));
    let mut socket = GraphQLSocket::connect(&app.address, Protocol::TransportWs, &viewer).await;

    // Naming the other company's campaign or company reads as an unknown id.
    for (id, variables) in [
        ("other-campaign", json!({ "campaignId": campaign_b })),
        ("other-company", json!({ "companyId": company_b })),
        ("unknown", json!({ "campaignId": Uuid::new_v4() })),
    ] {
        socket.subscribe(id, ALERTS, variables).await;
        let event = socket.next_event(id, WAIT).await;
        assert_eq!(
            event["errors"][0]["extensions"]["code"], "NOT_FOUND",
            "{event}"
        );
        assert_eq!(
            socket.next_message(WAIT).await,
            Ok(json!({ "id": id, "type": "complete" }))
        );
    }

    socket.subscribe("mine", ALERTS, json!({})).await;
    app.wait_for_subscribers(1).await;
    set_volunteers(&app, campaign_b, 46).await;
    snapshot(&app.address, campaign_b).await;
    set_volunteers(&app, campaign_a, 41).await;
    snapshot(&app.address, campaign_a).await;
    let event = socket.next_event("mine", WAIT).await;
    assert_eq!(
        event["data"]["capacityAlerts"]["campaignId"],
        campaign_a.to_string()
    );
    socket.expect_silence(QUIET).await;

    // The active alerts it can list are its own too.
    let (status, body) = app.graphql_as(Some(&viewer), ACTIVE, json!({})).await;
    assert_eq!(status, 200);
    let active = &body["data"]["capacityAlerts"];
    assert_eq!(active["totalCount"], 1, "{body}");
    assert_eq!(
        active["edges"][0]["node"]["campaignId"],
        campaign_a.to_string()
    );
}

#[tokio::test]
async fn an_operation_over_the_alias_limit_is_refused_on_the_socket_too() {
    let app = TestApp::spawn().await;
    let aliases: String = (0..40)
        .map(|i| format!("a{i}: capacityAlerts {{ id }} "))
        .collect();
    for protocol in [Protocol::TransportWs, Protocol::Legacy] {
        let mut socket =
            GraphQLSocket::connect(&app.address, protocol, &token(Role::Admin, None)).await;
        socket
            .subscribe("bomb", &format!("subscription {{ {aliases} }}"), json!({}))
            .await;
        let message = socket.next_message(WAIT).await.unwrap();
        assert_eq!(message["type"], "error", "{message}");
        assert_eq!(message["id"], "bomb");
        let error = match protocol {
            Protocol::TransportWs => &message["payload"][0],
            Protocol::Legacy => &message["payload"],
        };
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{message}");
        assert!(error["message"].as_str().unwrap().contains("aliases"));
        // The socket stays usable.
        socket.subscribe("ok", ALERTS, json!({})).await;
        app.wait_for_subscribers(1).await;
        socket.close().await;
        app.wait_for_subscribers(0).await;
    }
}

#[tokio::test]
async fn a_role_that_reads_no_campaign_data_cannot_subscribe() {
    let app = TestApp::spawn().await;
    let mut socket = GraphQLSocket::connect(
        &app.address,
        Protocol::TransportWs,
        &token(Role::ProgramStaff, None),
    )
    .await;
    socket.subscribe("x", ALERTS, json!({})).await;
    let event = socket.next_event("x", WAIT).await;
    assert_eq!(
        event["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{event}"
    );
}

#[tokio::test]
async fn bad_credentials_are_refused_at_connection_init() {
    let app = TestApp::spawn().await;
    let expired = token_expiring_in(Role::Admin, None, -60);
    for payload in [
        json!({}),
        json!({ "Authorization": "Bearer not-a-token" }),
        json!({ "Authorization": format!("Bearer {expired}") }),
    ] {
        let mut socket = GraphQLSocket::open(&app.address, Protocol::TransportWs).await;
        match socket.init(payload.clone()).await {
            Err(Ended::Closed(4403, _)) => {}
            other => panic!("{payload}: expected a 4403 close, got {other:?}"),
        }
        let mut legacy = GraphQLSocket::open(&app.address, Protocol::Legacy).await;
        let answer = legacy.init(payload.clone()).await.unwrap();
        assert_eq!(answer["type"], "connection_error", "{payload}: {answer}");
    }
    // Nothing can be started on a socket that was refused.
    assert_eq!(app.alerts.subscriber_count(), 0);
}

#[tokio::test]
async fn a_socket_is_closed_when_its_token_expires() {
    let app = TestApp::spawn().await;
    let short_lived = token_expiring_in(Role::Admin, None, 2);
    let mut socket =
        GraphQLSocket::connect(&app.address, Protocol::TransportWs, &short_lived).await;
    socket.subscribe("a", ALERTS, json!({})).await;
    app.wait_for_subscribers(1).await;
    match socket.next_message(Duration::from_secs(10)).await {
        Err(Ended::Closed(4401, reason)) => assert!(reason.contains("expired"), "{reason}"),
        other => panic!("expected a 4401 close, got {other:?}"),
    }
    app.wait_for_subscribers(0).await;

    let mut legacy = GraphQLSocket::connect(
        &app.address,
        Protocol::Legacy,
        &token_expiring_in(Role::Admin, None, 1),
    )
    .await;
    let message = legacy.next_message(Duration::from_secs(10)).await.unwrap();
    assert_eq!(message["type"], "connection_error");
    assert_eq!(message["payload"]["extensions"]["code"], "UNAUTHENTICATED");
}

#[tokio::test]
async fn active_alerts_follow_the_severity_band_utilization_is_in() {
    let app = TestApp::spawn().await;
    let (_, template, group, campaign) = app.db.insert_campaign_graph().await;
    let (_, quiet) = second_campaign(&app, template, group).await;
    let severities = |data: Value| -> Vec<(String, String)> {
        data["capacityAlerts"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|edge| {
                (
                    edge["node"]["dimension"].as_str().unwrap().to_owned(),
                    edge["node"]["severity"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    set_volunteers(&app, quiet, 10).await;
    snapshot(&app.address, quiet).await;

    set_volunteers(&app, campaign, 46).await;
    snapshot(&app.address, campaign).await; // 0.92
    let active = app.data(ACTIVE, json!({})).await;
    assert_eq!(severities(active), [("VOLUNTEERS".into(), "HIGH".into())]);

    set_volunteers(&app, campaign, 43).await;
    snapshot(&app.address, campaign).await; // 0.86
    let active = app.data(ACTIVE, json!({})).await;
    assert_eq!(
        severities(active),
        [("VOLUNTEERS".into(), "WARNING".into())]
    );
    let high_only = app
        .data(ACTIVE, json!({ "filter": { "minSeverity": "HIGH" } }))
        .await;
    assert_eq!(severities(high_only), []);

    set_volunteers(&app, campaign, 20).await;
    snapshot(&app.address, campaign).await; // 0.40
    let active = app.data(ACTIVE, json!({})).await;
    assert_eq!(severities(active), []);

    let (code, field, _) = app
        .error(ACTIVE, json!({ "filter": { "campaignId": "nope" } }))
        .await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("BAD_USER_INPUT", Some("filter.campaignId"))
    );
}

#[tokio::test]
async fn the_demo_data_has_active_alerts_matching_its_campaigns() {
    let app = TestApp::spawn_with_demo(&migration::demo::DemoSize::default()).await;
    let data = app
        .data(
            "{ capacityAlerts(first: 100, filter: { dimensions: [VOLUNTEERS] }) {
                 totalCount edges { node { severity threshold campaign { capacity { volunteers { utilization } } } } } } }",
            json!({}),
        )
        .await;
    let connection = &data["capacityAlerts"];
    let edges = connection["edges"].as_array().unwrap();
    assert!(!edges.is_empty(), "the demo has campaigns near capacity");
    for edge in edges {
        let node = &edge["node"];
        let threshold: f64 = node["threshold"].as_str().unwrap().parse().unwrap();
        let utilization: f64 = node["campaign"]["capacity"]["volunteers"]["utilization"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(utilization >= threshold, "{node}");
        let next = threshold + 0.1 - 1e-9;
        let expected_band = if threshold >= 1.0 {
            true
        } else {
            utilization < next
        };
        assert!(
            expected_band,
            "the alert of the band utilization is in: {node}"
        );
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL: one SQLite file serves one replica"]
async fn an_alert_raised_on_one_replica_reaches_subscribers_on_another() {
    let app = TestApp::spawn().await;
    app.db.require_postgres();
    let replica = app.replica().await;
    let (_, _, _, campaign) = app.db.insert_campaign_graph().await;
    let admin = token(Role::Admin, None);
    let mut on_a = GraphQLSocket::connect(&app.address, Protocol::TransportWs, &admin).await;
    on_a.subscribe("a", ALERTS, json!({})).await;
    let mut on_b = GraphQLSocket::connect(&replica.address, Protocol::Legacy, &admin).await;
    on_b.subscribe("b", ALERTS, json!({})).await;
    app.wait_for_subscribers(1).await;
    wait_for_subscribers(&replica.alerts, 1).await;

    set_volunteers(&app, campaign, 41).await;
    snapshot(&replica.address, campaign).await; // raised on B
    let on_a_event = on_a.next_event("a", WAIT).await;
    let on_b_event = on_b.next_event("b", WAIT).await;
    assert_eq!(on_a_event["data"], on_b_event["data"]);
    assert_eq!(on_a_event["data"]["capacityAlerts"]["severity"], "WARNING");

    set_volunteers(&app, campaign, 46).await;
    snapshot(&app.address, campaign).await; // raised on A
    assert_eq!(
        on_b.next_event("b", WAIT).await["data"]["capacityAlerts"]["severity"],
        "HIGH"
    );
    assert_eq!(
        on_a.next_event("a", WAIT).await["data"]["capacityAlerts"]["severity"],
        "HIGH"
    );
    on_a.expect_silence(QUIET).await;
    on_b.expect_silence(QUIET).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: SQLite delivers alerts in-process, with no listener to lose"]
async fn alerts_committed_while_the_listener_was_disconnected_are_recovered() {
    let app = TestApp::spawn().await;
    app.db.require_postgres();
    let (company, _, _, campaign) = app.db.insert_campaign_graph().await;
    let mut socket = GraphQLSocket::connect(
        &app.address,
        Protocol::TransportWs,
        &token(Role::Admin, None),
    )
    .await;
    socket.subscribe("a", ALERTS, json!({})).await;
    app.wait_for_subscribers(1).await;

    // An alert committed without a notification, as one sent while the listener's connection
    // is down is lost; then the listener's connection dies.
    let lost = Uuid::new_v4();
    app.db
        .execute(
            "INSERT INTO capacity_alerts (id, campaign_id, company_id, dimension, severity,
               threshold, utilization, current_value, target_value, source, raised_at)
             VALUES ($1, $2, $3, 'budget', 'critical', 1.0, 1.02, 51000, 50000,
                     'capacity_change', now())",
            vec![lost.into(), campaign.into(), company.into()],
        )
        .await
        .unwrap();
    let killed = app
        .db
        .scalar_i64(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
             WHERE datname = current_database()
               AND application_name = 'platform-gateway alert listener'",
            vec![],
        )
        .await;
    assert_eq!(killed, 1, "the listener's connection was found and ended");

    let event = socket.next_event("a", Duration::from_secs(20)).await;
    assert_eq!(event["data"]["capacityAlerts"]["id"], lost.to_string());
    assert_eq!(event["data"]["capacityAlerts"]["severity"], "CRITICAL");

    // And the listener is back: the next alert arrives as usual, exactly once.
    set_volunteers(&app, campaign, 41).await;
    snapshot(&app.address, campaign).await;
    let event = socket.next_event("a", WAIT).await;
    assert_eq!(event["data"]["capacityAlerts"]["severity"], "WARNING");
    socket.expect_silence(QUIET).await;
}
