//! Puts each response object's fields in the order of the selection set, as the GraphQL spec's
//! "Serialized Map Ordering" requires. async-graphql resolves an object's fields concurrently and
//! inserts each into the map when it completes, so a field that waits on the database (a root
//! list such as `campaigns`) lands after faster siblings. The order is rebuilt from the
//! document once per request: a plan of response keys (aliases included, fragments expanded in
//! place) applied to every object of the data.

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Selection, SelectionSet,
};
use async_graphql::{Name, Value};

/// The response keys of one selection, in document order, each with the plan of its own
/// selection (fields selected more than once under one key are merged, as execution merges
/// them).
#[derive(Debug, Default)]
struct Plan {
    fields: Vec<(Name, Plan)>,
}

/// Fragments nest at most this deep in a plan; validation has already refused cycles, this
/// only bounds the work on a document that slipped past it.
const MAX_NESTING: usize = 64;

/// Reorders `data`, the result of the operation `operation_name` of `document`.
pub fn reorder(document: &ExecutableDocument, operation_name: Option<&str>, data: &mut Value) {
    let operation = match &document.operations {
        DocumentOperations::Single(operation) => operation,
        DocumentOperations::Multiple(operations) => {
            let named = operation_name.and_then(|name| operations.get(name));
            match named {
                Some(operation) => operation,
                None if operations.len() == 1 => match operations.values().next() {
                    Some(operation) => operation,
                    None => return,
                },
                None => return,
            }
        }
    };
    let plan = plan(document, &[&operation.node.selection_set.node], 0);
    apply(&plan, data);
}

fn plan(document: &ExecutableDocument, selections: &[&SelectionSet], depth: usize) -> Plan {
    let mut keys: Vec<(Name, Vec<&SelectionSet>)> = Vec::new();
    for selection_set in selections {
        collect(document, selection_set, &mut keys, depth);
    }
    Plan {
        fields: keys
            .into_iter()
            .map(|(key, children)| {
                let child = if depth < MAX_NESTING {
                    plan(document, &children, depth + 1)
                } else {
                    Plan::default()
                };
                (key, child)
            })
            .collect(),
    }
}

/// Adds the response keys of `selection_set` to `keys` in document order.
fn collect<'a>(
    document: &'a ExecutableDocument,
    selection_set: &'a SelectionSet,
    keys: &mut Vec<(Name, Vec<&'a SelectionSet>)>,
    depth: usize,
) {
    if depth > MAX_NESTING {
        return;
    }
    for selection in &selection_set.items {
        match &selection.node {
            Selection::Field(field) => {
                let key = field.node.response_key().node.clone();
                let children = &field.node.selection_set.node;
                match keys.iter_mut().find(|(existing, _)| *existing == key) {
                    Some((_, sets)) => sets.push(children),
                    None => keys.push((key, vec![children])),
                }
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node) {
                    collect(document, &fragment.node.selection_set.node, keys, depth + 1);
                }
            }
            Selection::InlineFragment(fragment) => {
                collect(document, &fragment.node.selection_set.node, keys, depth + 1);
            }
        }
    }
}

fn apply(plan: &Plan, value: &mut Value) {
    match value {
        Value::Object(object) => {
            let mut ordered = IndexMap::with_capacity(object.len());
            for (key, child) in &plan.fields {
                if let Some(mut field) = object.shift_remove(key) {
                    apply(child, &mut field);
                    ordered.insert(key.clone(), field);
                }
            }
            // A key the plan does not know (none in practice) keeps its place after them.
            ordered.extend(object.drain(..));
            *object = ordered;
        }
        Value::List(items) => items.iter_mut().for_each(|item| apply(plan, item)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    fn keys(value: &Value) -> Vec<String> {
        match value {
            Value::Object(object) => object.keys().map(|key| key.to_string()).collect(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn fields_follow_the_document_through_aliases_fragments_and_lists() {
        let document = parse_query(
            "query Q { b: companies { ...Parts } a: campaigns { edges { node { name id } } } }
             fragment Parts on CompanyConnection { totalCount ... on CompanyConnection { pageInfo { hasNextPage } } }",
        )
        .unwrap();
        let mut data = Value::from_json(serde_json::json!({
            "a": { "edges": [ { "node": { "id": "1", "name": "x" } }, { "node": { "id": "2", "name": "y" } } ] },
            "b": { "pageInfo": { "hasNextPage": false }, "totalCount": 3 },
        }))
        .unwrap();
        reorder(&document, Some("Q"), &mut data);
        assert_eq!(keys(&data), ["b", "a"]);
        let Value::Object(root) = &data else {
            panic!("an object")
        };
        assert_eq!(keys(&root["b"]), ["totalCount", "pageInfo"]);
        let Value::Object(campaigns) = &root["a"] else {
            panic!("an object")
        };
        let Value::List(edges) = &campaigns["edges"] else {
            panic!("a list")
        };
        for edge in edges {
            let Value::Object(edge) = edge else {
                panic!("an object")
            };
            assert_eq!(keys(&edge["node"]), ["name", "id"]);
        }
    }
}
