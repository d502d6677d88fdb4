//! The planned lookups (`campaign`, `company`, `programTemplate`, `beneficiaryGroup` by id) and
//! reference lists (`companies`, `programTemplates`, `beneficiaryGroups`) against the
//! resolvers, byte for byte, through the real server (see [`crate::planner`]): found and
//! missing rows, rows the caller cannot see, several roots in one operation, restricted fields
//! and the resolvers' errors; and program instances with their relations, at the root and
//! under a campaign. The lists of rows alone are in [`crate::planner_rows`].

use api::auth::Role;
use serde_json::{Value, json};
use tests::app::token;

use crate::planner::Pair;

const LOOKUP: &str = "query Lookup($campaign: ID!, $company: ID!, $template: ID!, $group: ID!) {
  campaign(id: $campaign) {
    __typename id name status capacity { volunteers { target utilization } } budget { spent }
    company { id name } programTemplate { name version } beneficiaryGroup { name region }
    programInstances(first: 2) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id status sroiScore } } }
    metricsSnapshots(first: 3) { totalCount nodes { campaignId snapshotDate budgetSpent } }
    latestSnapshot { id sroiScore }
  }
  company(id: $company) { __typename id name industry country isActive createdAt }
  programTemplate(id: $template) { __typename id name version programType tags createdAt deprecatedAt outcomeMetrics estimatedCostPerParticipant }
  beneficiaryGroup(id: $group) { __typename id name groupType countryCode primaryLanguages minGroupSize maxGroupSize tags partnerOrganizations createdAt updatedAt }
}";

const REFERENCE: &str = "query Reference($first: Int, $after: String, $public: Boolean) {
  companies(first: $first, after: $after) {
    __typename totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { __typename cursor node { id name country isActive } }
  }
  programTemplates(filter: { isActive: true }) { totalCount nodes { id name version isPublic tags deprecatedAt } }
  groups: beneficiaryGroups(first: 3, filter: { isPublic: $public }) { pageInfo { hasNextPage } nodes { id name city isPublic } }
}";

pub(crate) const NOWHERE: &str = "00000000-0000-0000-0000-000000000000";

pub(crate) fn id(value: &Value) -> String {
    value.as_str().expect("an id").to_owned()
}

#[tokio::test]
async fn lookups_and_reference_lists_are_the_resolvers_bytes() {
    let pair = Pair::start().await;
    let admin = token(Role::Admin, None);
    let (_, listed) = pair
        .compare(
            &admin,
            "{ campaigns(first: 9) { nodes { id company { id } programTemplate { id } beneficiaryGroup { id } } } }",
            &json!({}),
        )
        .await;
    let campaigns = listed["data"]["campaigns"]["nodes"]
        .as_array()
        .expect("campaigns");
    let campaign = &campaigns[0];
    let owner = id(&campaign["company"]["id"]);
    let other = campaigns
        .iter()
        .map(|node| id(&node["company"]["id"]))
        .find(|company| *company != owner)
        .expect("campaigns of two companies");
    let found = json!({
        "campaign": id(&campaign["id"]),
        "company": owner,
        "template": id(&campaign["programTemplate"]["id"]),
        "group": id(&campaign["beneficiaryGroup"]["id"]),
    });

    let (path, body) = pair.compare(&admin, LOOKUP, &found).await;
    assert_eq!(path, "planned", "{body}");
    assert_eq!(body["data"]["campaign"]["id"], found["campaign"], "{body}");
    assert!(
        body["data"]["beneficiaryGroup"]["name"].is_string(),
        "{body}"
    );

    // The plan runs no more statements than the resolvers (8 against 9–12 here: it serves
    // `latestSnapshot` from the snapshot list, and the campaign's relations from the rows the
    // other lookups read).
    let (resolved, planned) = pair.statements_of(&admin, LOOKUP, &found).await;
    assert!(
        planned >= 4.0 && planned <= resolved,
        "statements: planned {planned}, resolved {resolved}"
    );

    // Rows that do not exist are null, from the same plan.
    let missing =
        json!({ "campaign": NOWHERE, "company": NOWHERE, "template": NOWHERE, "group": NOWHERE });
    let (path, body) = pair.compare(&admin, LOOKUP, &missing).await;
    assert_eq!(path, "planned", "{body}");
    for root in ["campaign", "company", "programTemplate", "beneficiaryGroup"] {
        assert!(body["data"][root].is_null(), "{root}: {body}");
    }

    // Another company's users do not see the campaign or its company: null, planned.
    let outsider = token(Role::CompanyAdmin, Some(other.parse().expect("uuid")));
    let (path, body) = pair.compare(&outsider, LOOKUP, &found).await;
    assert_eq!(path, "planned", "{body}");
    assert!(body["data"]["campaign"].is_null(), "{body}");
    assert!(body["data"]["company"].is_null(), "{body}");
    // Its owner's users do.
    let insider = token(Role::CompanyViewer, Some(owner.parse().expect("uuid")));
    let (path, body) = pair.compare(&insider, LOOKUP, &found).await;
    assert_eq!(path, "planned", "{body}");
    assert_eq!(body["data"]["campaign"]["id"], found["campaign"], "{body}");

    // An id that does not parse is the resolvers' BAD_USER_INPUT.
    let unparsed = json!({ "campaign": "not an id", "company": NOWHERE, "template": NOWHERE, "group": NOWHERE });
    let (path, body) = pair.compare(&admin, LOOKUP, &unparsed).await;
    assert_eq!(path, "fell_back", "{body}");
    assert!(body["errors"].is_array(), "{body}");

    // Several lookups of one kind in one operation, and a nested list's bad cursor, which the
    // resolvers refuse only when the campaign exists.
    let twice = "query Twice($a: ID!, $b: ID!, $after: String) {
      a: campaign(id: $a) { id name programInstances(first: 1, after: $after) { nodes { id } } }
      b: campaign(id: $b) { id name company { name } }
    }";
    let pair_of = json!({ "a": id(&campaigns[1]["id"]), "b": id(&campaigns[2]["id"]) });
    let (path, body) = pair.compare(&admin, twice, &pair_of).await;
    assert_eq!(path, "planned", "{body}");
    assert!(body["data"]["b"]["company"]["name"].is_string(), "{body}");
    let bad_cursor = json!({ "a": id(&campaigns[1]["id"]), "b": NOWHERE, "after": "not a cursor" });
    let (path, body) = pair.compare(&admin, twice, &bad_cursor).await;
    assert_eq!(path, "fell_back", "{body}");
    assert!(body["errors"].is_array(), "{body}");
    let bad_cursor_nowhere = json!({ "a": NOWHERE, "b": NOWHERE, "after": "not a cursor" });
    let (path, body) = pair.compare(&admin, twice, &bad_cursor_nowhere).await;
    assert_eq!(path, "planned", "{body}");
    assert!(body.get("errors").is_none(), "{body}");

    // The reference lists: a page, the next one through its cursor, and each visibility.
    let (path, first_page) = pair
        .compare(&admin, REFERENCE, &json!({ "first": 2 }))
        .await;
    assert_eq!(path, "planned", "{first_page}");
    let end = first_page["data"]["companies"]["pageInfo"]["endCursor"].clone();
    assert!(end.is_string(), "{first_page}");
    let (path, body) = pair
        .compare(
            &admin,
            REFERENCE,
            &json!({ "first": 2, "after": end, "public": false }),
        )
        .await;
    assert_eq!(path, "planned", "{body}");
    assert_eq!(
        body["data"]["companies"]["pageInfo"]["hasPreviousPage"],
        true
    );
    for caller in [&insider, &outsider] {
        let (path, body) = pair
            .compare(caller, REFERENCE, &json!({ "public": true }))
            .await;
        assert_eq!(path, "planned", "{body}");
    }
    let (path, body) = pair
        .compare(&admin, REFERENCE, &json!({ "after": "not a cursor" }))
        .await;
    assert_eq!(path, "fell_back", "{body}");
    assert!(body["errors"].is_array(), "{body}");

    // A restricted field: planned for the staff who may read it, the resolvers' FORBIDDEN for
    // the others.
    let notes = "{ beneficiaryGroups(first: 3) { nodes { id internalNotes } } }";
    assert_eq!(pair.compare(&admin, notes, &json!({})).await.0, "planned");
    let (path, body) = pair.compare(&insider, notes, &json!({})).await;
    assert_eq!(path, "fell_back", "{body}");
    assert!(body["errors"].is_array(), "{body}");

    // Program instances: the list with its filter and cursor, the lookup, their relations,
    // each visibility.
    let instances = "query Instances($id: ID!, $after: String) {
      programInstance(id: $id) { __typename id name startDate endDate status programType totalHoursLogged sroiScore creditsConsumed lastActivityAt
        company { id name } programTemplate { name version } }
      programInstances(first: 3, after: $after, filter: { status: [ACTIVE, PLANNED, COMPLETED] }) {
        totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
        edges { cursor node { id name status enrolledVolunteers company { name } beneficiaryGroup { __typename name city } } }
      }
    }";
    let (_, listed) = pair
        .compare(
            &admin,
            "{ programInstances(first: 1) { nodes { id } } }",
            &json!({}),
        )
        .await;
    let instance = id(&listed["data"]["programInstances"]["nodes"][0]["id"]);
    let (path, first_page) = pair
        .compare(&admin, instances, &json!({ "id": instance }))
        .await;
    assert_eq!(path, "planned", "{first_page}");
    assert_eq!(
        first_page["data"]["programInstance"]["id"],
        instance.as_str()
    );
    let end = first_page["data"]["programInstances"]["pageInfo"]["endCursor"].clone();
    let next = json!({ "id": NOWHERE, "after": end });
    let (path, body) = pair.compare(&admin, instances, &next).await;
    assert_eq!(path, "planned", "{body}");
    assert!(body["data"]["programInstance"].is_null(), "{body}");
    for caller in [&insider, &outsider] {
        let (path, body) = pair
            .compare(caller, instances, &json!({ "id": instance }))
            .await;
        assert_eq!(path, "planned", "{body}");
    }

    // An instance's campaign, with what the campaign selects under it, and a campaign's
    // instances with their relations: planned, with no more statements than the resolvers.
    let through = "query Through($id: ID!) {
      programInstance(id: $id) { id campaign { id name company { name } latestSnapshot { sroiScore }
        programInstances(first: 2) { totalCount nodes { id company { id name } beneficiaryGroup { name } } } } }
      programInstances(first: 4) { nodes { id campaign { __typename id status programTemplate { name } } } }
      campaigns(first: 3) { nodes { id company { name } programInstances(first: 2) { edges { node { id programTemplate { version } company { name } } } } } }
    }";
    let (_, listed) = pair
        .compare(
            &admin,
            "{ campaigns(first: 1) { nodes { programInstances(first: 1) { nodes { id } } } } }",
            &json!({}),
        )
        .await;
    let instance =
        id(&listed["data"]["campaigns"]["nodes"][0]["programInstances"]["nodes"][0]["id"]);
    let (path, body) = pair
        .compare(&admin, through, &json!({ "id": instance }))
        .await;
    assert_eq!(path, "planned", "{body}");
    let nested = &body["data"]["programInstance"]["campaign"]["programInstances"]["nodes"][0];
    assert!(nested["company"]["name"].is_string(), "{body}");
    let campaigns = body["data"]["programInstances"]["nodes"]
        .as_array()
        .expect("instances")
        .iter()
        .filter(|node| node["campaign"]["programTemplate"]["name"].is_string())
        .count();
    assert!(campaigns > 0, "{body}");
    // 11 planned against 11–12 resolved here: the instances' relations are read with their
    // campaigns', and rows an earlier round read come from the loaders' cache.
    let (resolved, planned) = pair
        .statements_of(&admin, through, &json!({ "id": instance }))
        .await;
    assert!(
        planned >= 6.0 && planned <= resolved,
        "statements: planned {planned}, resolved {resolved}"
    );
    // Another company's users see neither the instance nor its campaign.
    for caller in [&insider, &outsider] {
        let (path, body) = pair
            .compare(caller, through, &json!({ "id": instance }))
            .await;
        assert_eq!(path, "planned", "{body}");
    }

    // Beyond the subset: a company's own campaigns list, and a campaign's instances' campaign.
    let back =
        "{ campaigns(first: 1) { nodes { programInstances { nodes { campaign { id } } } } } }";
    assert_eq!(pair.compare(&admin, back, &json!({})).await.0, "resolved");
    let beyond = "{ companies(first: 1) { nodes { id campaigns(first: 1) { nodes { id } } } } }";
    assert_eq!(pair.compare(&admin, beyond, &json!({})).await.0, "resolved");
}
