//! Field-level read policy through the real server. The schema itself says what to walk: every
//! object type reachable from `Query`, every leaf field of it, as every role. A restricted field
//! (`api::graphql::access::RESTRICTED_FIELDS`) answers null with `FORBIDDEN` on its path to a
//! role the policy does not name, and its value to one it does; every other field answers
//! whoever reads its row. The README's policy table must say the same as the code.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use api::auth::Role;
use api::domain::policy::RestrictedField;
use api::graphql::access::RESTRICTED_FIELDS;
use serde_json::{Value, json};
use tests::TestApp;
use tests::app::token;

const INTROSPECTION: &str = "{ __schema { types { kind name possibleTypes { name } fields { name
    args { name defaultValue type { kind } }
    type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }";

/// Object types no list or field of `Query` leads to without an argument it must be given:
/// mutation payloads, the roots, and the time-series buckets and widgets (`metricsSeries` and
/// `budgetBurn` need their `bucket`, `activityHeatmap` its `timezone`). A type added to the schema must either be reachable, so this test walks it, or
/// be named here.
const NOT_REACHED_FROM_QUERY: &[&str] = &[
    "AcceptInvitationPayload",
    "AdjustReputationPayload",
    "BudgetBurn",
    "BudgetBurnPoint",
    "DeleteBeneficiaryGroupPayload",
    "DeleteCampaignPayload",
    "DeleteMemberPayload",
    "DeleteProgramTemplatePayload",
    "HeatmapCell",
    "ImportKintellSessionsPayload",
    "MarkAttendancePayload",
    "MetricsBucket",
    "Mutation",
    "ProgramActivityPayload",
    "ProgramInstancePayload",
    "ProgramTemplateVersionPayload",
    "RecordParticipationPayload",
    "RemoveProgramActivityPayload",
    "ReviewApplicationPayload",
    "Subscription",
];

const ROLES: [Role; 6] = [
    Role::Admin,
    Role::CompanyAdmin,
    Role::CompanyViewer,
    Role::Ingestion,
    Role::ProgramStaff,
    Role::CommunityModerator,
];

/// One field of an object type, as introspection describes it.
struct Field {
    name: String,
    /// The named type under any list and non-null wrappers, and whether it is a leaf.
    target: String,
    leaf: bool,
    /// Whether every argument may be left out.
    callable: bool,
    has_first: bool,
}

/// One step from an object to the next: a field, or a union's member (`... on Type`).
#[derive(Clone, Debug)]
enum Step {
    Field(String),
    On(String),
}

struct Schema {
    objects: BTreeMap<String, Vec<Field>>,
    unions: BTreeMap<String, Vec<String>>,
}

impl Schema {
    async fn introspect(app: &TestApp) -> Schema {
        let data = app.data(INTROSPECTION, json!({})).await;
        let mut objects = BTreeMap::new();
        let mut unions = BTreeMap::new();
        for ty in data["__schema"]["types"].as_array().unwrap() {
            let name = ty["name"].as_str().unwrap();
            if ty["kind"] == "UNION" {
                let members = ty["possibleTypes"].as_array().unwrap().iter();
                let members = members.map(|t| t["name"].as_str().unwrap().to_owned());
                unions.insert(name.to_owned(), members.collect());
                continue;
            }
            if ty["kind"] != "OBJECT" || name.starts_with("__") {
                continue;
            }
            let fields = ty["fields"]
                .as_array()
                .unwrap()
                .iter()
                .map(|field| {
                    let mut named = &field["type"];
                    while named["name"].is_null() {
                        named = &named["ofType"];
                    }
                    let args = field["args"].as_array().unwrap();
                    Field {
                        name: field["name"].as_str().unwrap().to_owned(),
                        target: named["name"].as_str().unwrap().to_owned(),
                        leaf: matches!(named["kind"].as_str(), Some("SCALAR" | "ENUM")),
                        callable: args.iter().all(|arg| {
                            arg["type"]["kind"] != "NON_NULL" || !arg["defaultValue"].is_null()
                        }),
                        has_first: args.iter().any(|arg| arg["name"] == "first"),
                    }
                })
                .collect();
            objects.insert(name.to_owned(), fields);
        }
        Schema { objects, unions }
    }

    /// The shortest chain of callable fields (and union members) from `Query` to every
    /// object type it reaches.
    fn paths_from_query(&self) -> BTreeMap<String, Vec<Step>> {
        let mut paths = BTreeMap::from([("Query".to_owned(), Vec::new())]);
        let mut queue = VecDeque::from(["Query".to_owned()]);
        while let Some(ty) = queue.pop_front() {
            for field in &self.objects[&ty] {
                if field.leaf || !field.callable || paths.contains_key(&field.target) {
                    continue;
                }
                let mut path = paths[&ty].clone();
                path.push(Step::Field(field.name.clone()));
                if let Some(members) = self.unions.get(&field.target) {
                    for member in members {
                        if paths.contains_key(member) {
                            continue;
                        }
                        let mut path = path.clone();
                        path.push(Step::On(member.clone()));
                        paths.insert(member.clone(), path);
                        queue.push_back(member.clone());
                    }
                } else if self.objects.contains_key(&field.target) {
                    paths.insert(field.target.clone(), path);
                    queue.push_back(field.target.clone());
                }
            }
        }
        paths
    }

    fn field(&self, ty: &str, name: &str) -> &Field {
        self.objects[ty].iter().find(|f| f.name == name).unwrap()
    }

    /// A query that follows `path` from `Query` (two rows per list) and selects every leaf
    /// field of `ty` that needs no argument.
    fn query(&self, path: &[Step], ty: &str) -> String {
        let leaves: Vec<&str> = self.objects[ty]
            .iter()
            .filter(|f| f.leaf && f.callable)
            .map(|f| f.name.as_str())
            .collect();
        let mut selection = format!("__typename {}", leaves.join(" "));
        // The type each step starts from.
        let mut owners = vec!["Query".to_owned()];
        for step in path {
            let owner = owners.last().unwrap();
            owners.push(match step {
                Step::Field(name) => self.field(owner, name).target.clone(),
                Step::On(member) => member.clone(),
            });
        }
        for (step, owner) in path.iter().zip(&owners).rev() {
            selection = match step {
                Step::Field(name) => {
                    let first = self.field(owner, name).has_first;
                    let args = if first { "(first: 2)" } else { "" };
                    format!("{name}{args} {{ {selection} }}")
                }
                Step::On(member) => format!("__typename ... on {member} {{ {selection} }}"),
            };
        }
        format!("{{ {selection} }}")
    }
}

/// Every object the response holds at the end of `path` (lists flattened, nulls skipped).
fn objects_at<'a>(data: &'a Value, path: &[Step]) -> Vec<&'a Value> {
    let mut level = vec![data];
    for step in path {
        level = match step {
            Step::Field(name) => {
                let mut next = Vec::new();
                for value in level {
                    match &value[name.as_str()] {
                        Value::Array(items) => next.extend(items.iter().filter(|v| !v.is_null())),
                        Value::Null => {}
                        object => next.push(object),
                    }
                }
                next
            }
            Step::On(member) => level
                .into_iter()
                .filter(|value| value["__typename"] == member.as_str())
                .collect(),
        };
    }
    level
}

fn role_name(role: Role) -> String {
    serde_json::to_value(role)
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}

fn restricted(ty: &str, field: &str) -> Option<RestrictedField> {
    RESTRICTED_FIELDS
        .iter()
        .find(|(t, f, _)| *t == ty && *f == field)
        .map(|(_, _, restricted)| *restricted)
}

#[tokio::test]
async fn every_field_of_every_type_answers_each_role_as_the_policy_says() {
    let app = TestApp::spawn_with_demo(&crate::isolation::size()).await;
    app.db
        .execute(
            "UPDATE campaigns SET internal_notes = 'renewal at risk', upsell_opportunity_score = 70",
            vec![],
        )
        .await
        .unwrap();
    app.db
        .execute(
            "UPDATE beneficiary_groups SET internal_notes = 'partner agreement renews in May'",
            vec![],
        )
        .await
        .unwrap();
    let company = app.db.id("SELECT company_id FROM campaigns", vec![]).await;
    let company: uuid::Uuid = company.parse().unwrap();
    // A job run, so the walk reads `jobRuns` rows too.
    api::jobs::JobRunner::new(app.db.connection.clone(), None, "walk".to_owned())
        .run(api::jobs::Job::ExpireInvitations, chrono::Utc::now(), true)
        .await
        .unwrap();

    let schema = Schema::introspect(&app).await;
    let paths = schema.paths_from_query();
    let unreached: Vec<&str> = schema
        .objects
        .keys()
        .filter(|ty| !paths.contains_key(*ty))
        .map(String::as_str)
        .collect();
    assert_eq!(
        unreached, NOT_REACHED_FROM_QUERY,
        "object types the walk misses"
    );

    // Which (role, restricted field) pairs were seen on at least one row, and how.
    let mut seen: HashMap<(String, RestrictedField), bool> = HashMap::new();
    for (ty, path) in paths.iter().filter(|(ty, _)| *ty != "Query") {
        let query = schema.query(path, ty);
        for role in ROLES {
            let company = role.is_company_role().then_some(company);
            let (_, body) = app
                .graphql_as(Some(&token(role, company)), &query, json!({}))
                .await;
            let objects = objects_at(&body["data"], path);
            let errors = body["errors"].as_array().cloned().unwrap_or_default();
            for error in &errors {
                let code = error["extensions"]["code"].as_str().unwrap_or_default();
                let error_path: Vec<&str> = error["path"]
                    .as_array()
                    .map(|p| p.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let refused_root = error_path.len() == 1 && code == "FORBIDDEN";
                let refused_field = code == "FORBIDDEN"
                    && error_path
                        .last()
                        .and_then(|field| restricted(ty, field))
                        .is_some();
                assert!(
                    refused_root || refused_field,
                    "{role:?} on {ty} via {query}: unexpected error {error}"
                );
            }
            for field in schema.objects[ty].iter().filter(|f| f.leaf && f.callable) {
                let Some(rule) = restricted(ty, &field.name) else {
                    continue;
                };
                let reads = rule.readers().contains(&role);
                for object in &objects {
                    let value = &object[field.name.as_str()];
                    assert_eq!(
                        !value.is_null(),
                        reads,
                        "{role:?} reads {ty}.{} = {value}",
                        field.name
                    );
                }
                if !objects.is_empty() {
                    let forbidden_on_field = errors.iter().any(|error| {
                        error["extensions"]["code"] == "FORBIDDEN"
                            && error["path"].as_array().and_then(|p| p.last())
                                == Some(&json!(field.name))
                    });
                    assert_eq!(
                        forbidden_on_field, !reads,
                        "{role:?} on {ty}.{}",
                        field.name
                    );
                    seen.insert((role_name(role), rule), reads);
                }
            }
        }
    }
    // The walk must not pass by seeing nothing: every restricted field was read by an admin
    // and refused to a company viewer on real rows.
    for (_, _, rule) in RESTRICTED_FIELDS {
        assert_eq!(
            seen.get(&("admin".to_owned(), *rule)),
            Some(&true),
            "{rule:?}"
        );
        assert_eq!(
            seen.get(&("company_viewer".to_owned(), *rule)),
            Some(&false),
            "{rule:?}"
        );
    }
}

#[test]
fn the_readme_table_and_the_schema_map_say_what_the_policy_says() {
    let mapped: HashSet<RestrictedField> =
        RESTRICTED_FIELDS.iter().map(|(_, _, rule)| *rule).collect();
    assert_eq!(mapped, RestrictedField::ALL.into_iter().collect());
    // A rule may guard more than one field (the upsell score is also a comparison figure),
    // but each field is named once.
    let coordinates: HashSet<(&str, &str)> = RESTRICTED_FIELDS
        .iter()
        .map(|(ty, field, _)| (*ty, *field))
        .collect();
    assert_eq!(
        coordinates.len(),
        RESTRICTED_FIELDS.len(),
        "a field mapped twice"
    );

    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let section = readme
        .split("\n## ")
        .find(|section| section.starts_with("Who reads which field"))
        .expect("README has a section \"Who reads which field\"");
    let table: BTreeMap<String, String> = section
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let coordinate = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            coordinate.contains('.').then(|| {
                (
                    coordinate.to_owned(),
                    cells.get(2).unwrap_or(&"").to_string(),
                )
            })
        })
        .collect();
    let code: BTreeMap<String, String> = RESTRICTED_FIELDS
        .iter()
        .map(|(ty, field, rule)| {
            let readers: Vec<String> = rule
                .readers()
                .iter()
                .map(|role| format!("`{}`", role_name(*role)))
                .collect();
            (format!("{ty}.{field}"), readers.join(", "))
        })
        .collect();
    assert_eq!(table, code, "README's field policy table");
}

#[tokio::test]
async fn filtering_by_a_restricted_field_is_forbidden_and_writes_nothing() {
    let app = TestApp::spawn_with_demo(&crate::isolation::size()).await;
    let company: uuid::Uuid = app
        .db
        .id("SELECT company_id FROM campaigns", vec![])
        .await
        .parse()
        .unwrap();
    let viewer = token(Role::CompanyViewer, Some(company));
    for query in [
        "{ campaigns(filter: { isHighValue: true }) { totalCount } }",
        "{ companies { nodes { campaigns(filter: { isHighValue: false }) { totalCount } } } }",
    ] {
        let (_, body) = app.graphql_as(Some(&viewer), query, json!({})).await;
        let error = &body["errors"][0];
        assert_eq!(error["extensions"]["code"], "FORBIDDEN", "{body}");
        assert_eq!(error["extensions"]["field"], "filter.isHighValue", "{body}");
        assert!(!body.to_string().contains("totalCount\":"), "{body}");
    }
    // An admin filters by it.
    let data = app
        .data(
            "{ campaigns(filter: { isHighValue: true }) { totalCount } }",
            json!({}),
        )
        .await;
    let high_value = app
        .db
        .count(
            "SELECT COUNT(*) FROM campaigns WHERE is_high_value = true",
            vec![],
        )
        .await;
    assert_eq!(data["campaigns"]["totalCount"], json!(high_value));
}
