//! The planned read path against its oracle, the resolvers, through the real server: a
//! gateway with the planner on and one with it off (both without the response cache) answer
//! the same requests over the same database, and the answers must be the same bytes. The
//! planned gateway answers each request twice: the first time through the resolvers (which is
//! how it learns the operation), the second time from the plan, which its metrics must show.
//!
//! A corpus covers connections with their filters, orderings, cursors and page sizes, nested
//! lists, aliases, fragments, variables, directives, each role's visibility, NULLs, empty
//! pages and errors; a property test adds random selections over the plannable subset.

use api::auth::Role;
use api::config::HttpOptions;
use api::planner::PlannerSwitch;
use migration::demo::DemoSize;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};
use tests::TestApp;
use tests::app::token;

use crate::metrics::Scrape;

fn size() -> DemoSize {
    DemoSize {
        companies: 3,
        campaigns: 9,
        instances_per_campaign: 3,
        days: 20,
        seed: 11,
    }
}

/// A gateway with the planner on, and the address of a replica with it off; neither caches
/// responses.
pub(crate) struct Pair {
    pub(crate) planned: TestApp,
    pub(crate) resolved: String,
    metrics: String,
}

impl Pair {
    pub(crate) async fn start() -> Pair {
        let http = HttpOptions {
            response_cache_mb: 0,
            ..HttpOptions::default()
        };
        // Every case asks three times; the rate limit is not under test here.
        let limits = api::limits::Limits {
            rate_limit_per_minute: 100_000,
            rate_limit_burst: 10_000,
            ..api::limits::Limits::default()
        };
        let planned = TestApp::spawn_with_demo_configured(&size(), limits, http.clone()).await;
        let resolved = planned
            .replica_with(HttpOptions {
                planner: PlannerSwitch::Off,
                ..http
            })
            .await
            .address;
        let metrics = planned.serve_metrics().await;
        Pair {
            planned,
            resolved,
            metrics,
        }
    }

    pub(crate) async fn counted(&self, result: &str) -> f64 {
        Scrape::of(&self.metrics)
            .await
            .sample("gateway_planner_operations_total", &[("result", result)])
            .unwrap_or_else(|| panic!("no planner series {result}"))
    }

    /// The statements the planned gateway has run so far.
    pub(crate) async fn statements(&self) -> f64 {
        Scrape::of(&self.metrics)
            .await
            .sample("gateway_sql_statements_total", &[("outcome", "ok")])
            .unwrap_or(0.0)
    }

    /// The statements the planned gateway runs for `query` asked twice as a text it has not
    /// seen: first through the resolvers (which is how it learns the operation), then through
    /// its plan. Returns (resolved, planned).
    pub(crate) async fn statements_of(
        &self,
        token: &str,
        query: &str,
        variables: &Value,
    ) -> (f64, f64) {
        let body = json!({ "query": format!("{query} # counted"), "variables": variables });
        let mut counts = Vec::new();
        for _ in 0..2 {
            let before = self.statements().await;
            let (status, _) = self.post(&self.planned.address, token, &body).await;
            assert_eq!(status, 200);
            counts.push(self.statements().await - before);
        }
        (counts[0], counts[1])
    }

    /// Posts `body` with `token` to `address`, returning the status and the body's bytes.
    pub(crate) async fn post(&self, address: &str, token: &str, body: &Value) -> (u16, Vec<u8>) {
        let response = self
            .planned
            .client
            .post(format!("{address}/graphql"))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("POST /graphql");
        let status = response.status().as_u16();
        (status, response.bytes().await.expect("a body").to_vec())
    }

    /// Asks both gateways; requires the same bytes from the resolvers and, on the second ask,
    /// from the plan. Returns how the second ask ran (`planned` or `fell_back`) and the answer.
    pub(crate) async fn compare(
        &self,
        token: &str,
        query: &str,
        variables: &Value,
    ) -> (&'static str, Value) {
        let body = json!({ "query": query, "variables": variables });
        let expected = self.post(&self.resolved, token, &body).await;
        let learned = self.post(&self.planned.address, token, &body).await;
        assert_eq!(
            String::from_utf8_lossy(&learned.1),
            String::from_utf8_lossy(&expected.1),
            "the planning gateway's resolvers differ for {query} {variables}"
        );
        let (planned_before, fell_back_before) = (
            self.counted("planned").await,
            self.counted("fell_back").await,
        );
        let answered = self.post(&self.planned.address, token, &body).await;
        assert_eq!(
            (answered.0, String::from_utf8_lossy(&answered.1)),
            (expected.0, String::from_utf8_lossy(&expected.1)),
            "the plan's answer differs for {query} {variables}"
        );
        let path = if self.counted("planned").await > planned_before {
            "planned"
        } else if self.counted("fell_back").await > fell_back_before {
            "fell_back"
        } else {
            "resolved"
        };
        (path, serde_json::from_slice(&expected.1).expect("JSON"))
    }
}

const DASHBOARD: &str = "{ campaigns(first: 100) { edges { node { id name status
    capacity { volunteers { utilization } } budget { utilization }
    company { name } programTemplate { name } beneficiaryGroup { name }
    programInstances(first: 10) { edges { node { id status } } }
    latestSnapshot { snapshotDate sroiScore }
    metricsSnapshots(first: 30) { edges { node { snapshotDate volunteersUtilization } } } } } } }";

const EVERYTHING: &str = "query Everything($first: Int, $after: String, $withInstances: Boolean!, $skipSnapshots: Boolean = false) {
  __typename
  list: campaigns(first: $first, after: $after, orderBy: [{ field: NAME, direction: DESC }]) {
    __typename totalCount
    pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor }
    edges { __typename cursor node { ...Card } }
    nodes { id ... on Campaign { quarter priority description } }
  }
}
fragment Card on Campaign {
  __typename id name description startDate endDate quarter status priority
  capacity { __typename volunteers { target current utilization } beneficiaries { target current utilization } sessions { __typename target current utilization } }
  budget { allocated spent remaining utilization currency }
  cumulativeSroi averageVis totalHoursLogged totalSessionsCompleted capacityUtilization
  isNearCapacity isOverCapacity evidenceSnippetIds tags isActive isArchived createdAt updatedAt lastMetricsUpdateAt
  owner: company { __typename id name industry country isActive createdAt }
  programTemplate { id name description programType version defaultMinParticipants defaultMaxParticipants defaultVolunteersNeeded outcomeMetrics suitableForGroups estimatedCostPerParticipant estimatedHoursPerVolunteer isActive isPublic }
  beneficiaryGroup { id name description groupType countryCode region city isActive isPublic }
  programInstances(first: 2) @include(if: $withInstances) {
    __typename totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { __typename id name startDate endDate status programType programName programSlug externalSystem externalSystemId description targetParticipants enrolledVolunteers enrolledBeneficiaries activePairs activeGroups totalSessionsHeld totalHoursLogged sroiScore averageVisScore volunteersConsumed creditsConsumed learnersServed createdAt updatedAt lastActivityAt } }
  }
  recent: metricsSnapshots(first: 3) @skip(if: $skipSnapshots) {
    totalCount nodes { id campaignId snapshotDate volunteersTarget volunteersCurrent volunteersUtilization beneficiariesTarget beneficiariesCurrent beneficiariesUtilization sessionsTarget sessionsCurrent sessionsUtilization budgetAllocated budgetSpent budgetRemaining budgetUtilization sroiScore averageVisScore totalHoursLogged totalSessionsCompleted seatsUsed seatsCommitted creditsConsumed creditsAllocated learnersServed learnersCommitted createdAt sampleCount }
  }
  latestSnapshot { __typename id snapshotDate budgetSpent }
}";

#[tokio::test]
async fn planned_answers_are_the_resolvers_bytes() {
    let pair = Pair::start().await;
    // Zeros among the numbers: the driver decodes a numeric zero without its scale (`0`, not
    // `0.0000`), and the plan, which reads the nested lists' numbers as array elements on
    // PostgreSQL, must print them alike.
    for zeroed in [
        "UPDATE campaign_metrics_snapshots SET volunteers_utilization = 0, sroi_score = 0 \
         WHERE snapshot_date = (SELECT max(snapshot_date) FROM campaign_metrics_snapshots)",
        "UPDATE program_instances SET total_hours_logged = 0, credits_consumed = 0 \
         WHERE enrolled_volunteers % 2 = 0",
    ] {
        pair.planned.db.execute(zeroed, vec![]).await.expect(zeroed);
    }
    let admin = token(Role::Admin, None);
    let (path, _) = pair.compare(&admin, DASHBOARD, &json!({})).await;
    assert_eq!(path, "planned", "the dashboard is planned");
    assert_eq!(
        pair.counted("resolved").await,
        1.0,
        "the ask the planner learned from was answered by the resolvers"
    );

    let variables = json!({ "first": 4, "withInstances": true });
    let (path, first_page) = pair.compare(&admin, EVERYTHING, &variables).await;
    assert_eq!(path, "planned");
    let end = first_page["data"]["list"]["pageInfo"]["endCursor"].clone();
    assert!(end.is_string(), "{first_page}");
    // The next page through `after`, and the directives the other way.
    let next = json!({ "first": 4, "after": end, "withInstances": false, "skipSnapshots": true });
    assert_eq!(pair.compare(&admin, EVERYTHING, &next).await.0, "planned");

    let company = first_page["data"]["list"]["edges"][0]["node"]["owner"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    for caller in [Role::CompanyAdmin, Role::CompanyViewer] {
        let (path, seen) = pair
            .compare(&token(caller, Some(company)), EVERYTHING, &variables)
            .await;
        assert_eq!(path, "planned", "{caller:?}");
        assert!(
            seen["data"]["list"]["totalCount"].as_i64().unwrap() < 9,
            "a company sees its own campaigns only: {seen}"
        );
    }

    let cases: &[(&str, Value, &str)] = &[
        // Filters (literal and through a variable), orderings, an empty page, NULLs.
        (
            "{ campaigns(first: 5, filter: { status: [ACTIVE, COMPLETED], nearCapacity: false }, orderBy: [{ field: CAPACITY_UTILIZATION }, { field: START_DATE, direction: DESC }]) { totalCount edges { cursor node { id status capacityUtilization startDate } } } }",
            json!({}),
            "planned",
        ),
        (
            "query Filtered($filter: CampaignFilter) { campaigns(filter: $filter) { totalCount nodes { id name priority } } }",
            json!({ "filter": { "nameContains": "a", "archived": false } }),
            "planned",
        ),
        (
            "{ campaigns(filter: { nameContains: \"no campaign is called this\" }) { totalCount pageInfo { hasNextPage startCursor endCursor } edges { node { id } } } }",
            json!({}),
            "planned",
        ),
        // Nested lists both ways: a date window, `latestSnapshot` on a list of its own,
        // `latestSnapshot` beside a window that cannot serve it.
        (
            "{ campaigns(first: 3) { nodes { id metricsSnapshots(first: 2, from: \"2026-10-20T00:00:00Z\", to: \"2026-10-25T00:00:00Z\") { totalCount pageInfo { hasNextPage hasPreviousPage } edges { cursor node { snapshotDate } } } latestSnapshot { sroiScore } } } }",
            json!({}),
            "planned",
        ),
        (
            "{ campaigns(first: 3) { nodes { id latestSnapshot { id volunteersUtilization } } } }",
            json!({}),
            "planned",
        ),
        (
            "{ campaigns(first: 2) { nodes { programInstances(first: 0) { totalCount pageInfo { hasNextPage } nodes { id } } a: programInstances(first: 1, filter: { status: [ACTIVE] }) { nodes { id status } } } } }",
            json!({}),
            "planned",
        ),
        // Restricted fields: an admin's are planned.
        (
            "{ campaigns(first: 3) { nodes { id isHighValue upsellOpportunityScore legalHold internalNotes } } }",
            json!({}),
            "planned",
        ),
        // Errors are the resolvers' own: a bad cursor, page sizes out of range, a filter
        // input the schema does not have (through a variable).
        (
            "query Bad($after: String) { campaigns(after: $after) { nodes { id } } }",
            json!({ "after": "not a cursor" }),
            "fell_back",
        ),
        (
            "query Sized($first: Int) { campaigns(first: $first) { nodes { id } } }",
            json!({ "first": -1 }),
            "fell_back",
        ),
        (
            "query Sized($first: Int) { campaigns(first: $first) { nodes { id } } }",
            json!({ "first": 100000 }),
            "fell_back",
        ),
        (
            "query Filtered($filter: CampaignFilter) { campaigns(filter: $filter) { totalCount nodes { id name priority } } }",
            json!({ "filter": { "nameContains": "a", "noSuchField": 1 } }),
            "fell_back",
        ),
        // Beyond the subset: resolved, and still the same bytes.
        (
            "{ campaigns(first: 2) { nodes { id overview { daysRemaining } } } }",
            json!({}),
            "resolved",
        ),
    ];
    for (query, variables, expected) in cases {
        if *expected == "fell_back" {
            // Learned first from a request the resolvers answer without errors.
            assert_eq!(pair.compare(&admin, query, &json!({})).await.0, "planned");
        }
        let (path, _) = pair.compare(&admin, query, variables).await;
        assert_eq!(path, *expected, "{query} {variables}");
    }

    // A company viewer may not read the restricted fields: the resolvers answer, with their
    // FORBIDDEN errors on those paths.
    let restricted = "{ campaigns(first: 3) { nodes { id isHighValue upsellOpportunityScore } } }";
    assert_eq!(
        pair.compare(&admin, restricted, &json!({})).await.0,
        "planned"
    );
    let viewer = token(Role::CompanyViewer, Some(company));
    let (path, body) = pair.compare(&viewer, restricted, &json!({})).await;
    assert_eq!(path, "fell_back", "{body}");
    assert!(body["errors"].is_array(), "{body}");

    // Complexity depends on the variables: a plan learned with small pages refuses what the
    // resolvers refuse with large ones.
    let nested = "query Nested($n: Int, $m: Int) { campaigns(first: $n) { nodes { metricsSnapshots(first: $m) { nodes { id snapshotDate volunteersCurrent volunteersTarget sessionsCurrent sessionsTarget budgetSpent budgetRemaining seatsUsed sampleCount } } } } }";
    let small = pair
        .compare(&admin, nested, &json!({ "n": 2, "m": 2 }))
        .await;
    assert_eq!(small.0, "planned");
    let body = json!({ "query": nested, "variables": { "n": 500, "m": 500 } });
    let resolved = pair.post(&pair.resolved, &admin, &body).await;
    let planned = pair.post(&pair.planned.address, &admin, &body).await;
    assert_eq!(
        String::from_utf8_lossy(&planned.1),
        String::from_utf8_lossy(&resolved.1)
    );
    let refusal = String::from_utf8_lossy(&resolved.1);
    assert!(refusal.contains("complex"), "{refusal}");
}

/// One random selection over the plannable subset.
#[derive(Debug, Clone)]
struct Selection {
    first: Option<u8>,
    order: Option<(&'static str, &'static str)>,
    campaign_fields: Vec<&'static str>,
    aliased: bool,
    instances: Option<(u8, Vec<&'static str>, bool)>,
    snapshots: Option<(u8, Vec<&'static str>, bool)>,
    latest: Option<Vec<&'static str>>,
    relation: Option<(&'static str, Vec<&'static str>)>,
    through_fragment: bool,
    edges: bool,
    /// The node through `campaign(id:)` instead of the list.
    lookup: bool,
}

const CAMPAIGN_FIELDS: &[&str] = &[
    "id",
    "name",
    "description",
    "startDate",
    "endDate",
    "quarter",
    "status",
    "priority",
    "cumulativeSroi",
    "averageVis",
    "totalHoursLogged",
    "totalSessionsCompleted",
    "capacityUtilization",
    "isNearCapacity",
    "isOverCapacity",
    "isHighValue",
    "upsellOpportunityScore",
    "tags",
    "isActive",
    "createdAt",
    "lastMetricsUpdateAt",
    "budget { spent utilization }",
    "capacity { sessions { target utilization } }",
    "__typename",
];
const INSTANCE_FIELDS: &[&str] = &[
    "id",
    "name",
    "status",
    "endDate",
    "activePairs",
    "sroiScore",
    "creditsConsumed",
    "lastActivityAt",
    "totalHoursLogged",
    "__typename",
    "company { id name }",
    "programTemplate { name version }",
    "beneficiaryGroup { __typename region }",
];
const SNAPSHOT_FIELDS: &[&str] = &[
    "id",
    "snapshotDate",
    "sessionsTarget",
    "sessionsUtilization",
    "budgetRemaining",
    "seatsUsed",
    "learnersCommitted",
    "sampleCount",
];
const ORDERS: &[&str] = &[
    "NAME",
    "START_DATE",
    "CAPACITY_UTILIZATION",
    "SROI",
    "CREATED_AT",
    "VIS",
];

fn some_of(fields: &'static [&'static str]) -> impl Strategy<Value = Vec<&'static str>> {
    proptest::sample::subsequence(fields, 1..=fields.len().min(6))
}

fn selection() -> impl Strategy<Value = Selection> {
    let relations = prop_oneof![
        Just(("company", vec!["id", "name", "country"])),
        Just((
            "programTemplate",
            vec!["name", "programType", "estimatedCostPerParticipant"]
        )),
        Just(("beneficiaryGroup", vec!["name", "groupType", "region"])),
    ];
    (
        (
            proptest::option::of(0u8..12),
            proptest::option::of((
                proptest::sample::select(ORDERS),
                proptest::sample::select(&["ASC", "DESC"][..]),
            )),
            some_of(CAMPAIGN_FIELDS),
            any::<bool>(),
        ),
        (
            proptest::option::of((0u8..4, some_of(INSTANCE_FIELDS), any::<bool>())),
            proptest::option::of((0u8..4, some_of(SNAPSHOT_FIELDS), any::<bool>())),
            proptest::option::of(some_of(SNAPSHOT_FIELDS)),
            proptest::option::of(relations),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                (first, order, campaign_fields, aliased),
                (instances, snapshots, latest, relation, through_fragment, edges, lookup),
            )| {
                Selection {
                    first,
                    order,
                    campaign_fields,
                    aliased,
                    instances,
                    snapshots,
                    latest,
                    relation,
                    through_fragment,
                    edges,
                    lookup,
                }
            },
        )
}

fn list(name: &str, first: u8, fields: &[&str], total: bool) -> String {
    format!(
        "{name}(first: {first}) {{ {} pageInfo {{ hasNextPage endCursor }} edges {{ cursor node {{ {} }} }} }}",
        if total { "totalCount" } else { "" },
        fields.join(" ")
    )
}

impl Selection {
    /// The selection as a query; a lookup reads the campaign `lookup_id`.
    fn query(&self, lookup_id: &str) -> String {
        let mut node: Vec<String> = self
            .campaign_fields
            .iter()
            .enumerate()
            .map(|(index, field)| match (self.aliased, field.contains(' ')) {
                (true, false) => format!("f{index}: {field}"),
                _ => (*field).to_owned(),
            })
            .collect();
        if let Some((first, fields, total)) = &self.instances {
            node.push(list("programInstances", *first, fields, *total));
        }
        if let Some((first, fields, total)) = &self.snapshots {
            node.push(list("metricsSnapshots", *first, fields, *total));
        }
        if let Some(fields) = &self.latest {
            node.push(format!("latestSnapshot {{ {} }}", fields.join(" ")));
        }
        if let Some((relation, fields)) = &self.relation {
            node.push(format!("{relation} {{ {} }}", fields.join(" ")));
        }
        let node = node.join(" ");
        let (node, fragment) = if self.through_fragment {
            (
                "...Node".to_owned(),
                format!("fragment Node on Campaign {{ {node} }}"),
            )
        } else {
            (node, String::new())
        };
        if self.lookup {
            return format!("{{ campaign(id: \"{lookup_id}\") {{ {node} }} }} {fragment}");
        }
        let mut arguments = Vec::new();
        if let Some(first) = self.first {
            arguments.push(format!("first: {first}"));
        }
        if let Some((field, direction)) = self.order {
            arguments.push(format!(
                "orderBy: [{{ field: {field}, direction: {direction} }}]"
            ));
        }
        let arguments = if arguments.is_empty() {
            String::new()
        } else {
            format!("({})", arguments.join(", "))
        };
        let shape = if self.edges {
            format!("edges {{ node {{ {node} }} }}")
        } else {
            format!("nodes {{ {node} }}")
        };
        format!("{{ campaigns{arguments} {{ totalCount {shape} }} }} {fragment}")
    }
}

#[tokio::test]
async fn random_selections_are_planned_to_the_resolvers_bytes() {
    let pair = Pair::start().await;
    let admin = token(Role::Admin, None);
    let mut runner = TestRunner::new(Config {
        cases: 40,
        ..Config::default()
    });
    let (_, listed) = pair
        .compare(
            &admin,
            "{ campaigns(first: 1) { nodes { id } } }",
            &json!({}),
        )
        .await;
    let lookup_id = listed["data"]["campaigns"]["nodes"][0]["id"]
        .as_str()
        .expect("a campaign")
        .to_owned();
    let strategy = selection();
    for _ in 0..40 {
        let selection = strategy
            .new_tree(&mut runner)
            .expect("a selection")
            .current();
        let query = selection.query(&lookup_id);
        let (path, body) = pair.compare(&admin, &query, &json!({})).await;
        assert!(body.get("errors").is_none(), "{query}: {body}");
        assert_eq!(path, "planned", "{query}");
    }
}
