//! How deep a GraphQL document nests, measured separately for data and for introspection.
//!
//! The data depth limit (12 by default) would refuse the introspection query every mainstream
//! client sends: graphql-js's `getIntrospectionQuery()` nests `ofType` nine times below
//! `__schema { types { fields { args { type` and reaches depth 15. Introspection is therefore
//! measured on its own: a selection under `__schema` or `__type` counts against the
//! introspection depth, everything else against the data depth. Introspection also gets a bound
//! the data side does not need: its lists carry no `first`, so list fields nested in one another
//! (`types { fields { type { fields { type { fields …`) multiply without a page size. The
//! standard query nests three (`types`, `fields`, `args`); more is refused.

use std::collections::{HashMap, HashSet};

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

/// Introspection fields that return a list of objects: each one nested in another multiplies
/// the response by the size of the schema.
const INTROSPECTION_LISTS: [&str; 8] = [
    "types",
    "directives",
    "fields",
    "args",
    "inputFields",
    "interfaces",
    "possibleTypes",
    "enumValues",
];

/// The deepest nesting in one operation (fragments inlined).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Depth {
    /// Deepest chain of fields outside introspection, counting the root field as 1.
    pub data: usize,
    /// Deepest chain of fields from `__schema` or `__type` (counted as 1) down.
    pub introspection: usize,
    /// Most introspection list fields nested in one another on one path.
    pub introspection_lists: usize,
}

impl Depth {
    fn max(self, other: Depth) -> Depth {
        Depth {
            data: self.data.max(other.data),
            introspection: self.introspection.max(other.introspection),
            introspection_lists: self.introspection_lists.max(other.introspection_lists),
        }
    }
}

/// Measures every operation of `document`; returns the deepest of each kind.
pub fn measure(document: &ExecutableDocument) -> Depth {
    let mut measurer = Measurer {
        document,
        fragments: HashMap::new(),
        entered: HashSet::new(),
    };
    document
        .operations
        .iter()
        .map(|(_, operation)| measurer.selection_set(&operation.node.selection_set.node, false))
        .fold(Depth::default(), Depth::max)
}

struct Measurer<'a> {
    document: &'a ExecutableDocument,
    /// Each fragment's depth, once measured, by name and by whether it sits in introspection:
    /// a fragment spread many times is measured once, so fan-out cannot make this exponential.
    fragments: HashMap<(&'a str, bool), Depth>,
    /// Fragments being measured: a cycle (which validation refuses later) stops here.
    entered: HashSet<&'a str>,
}

impl<'a> Measurer<'a> {
    fn selection_set(&mut self, selection_set: &'a SelectionSet, introspection: bool) -> Depth {
        let mut deepest = Depth::default();
        for selection in &selection_set.items {
            let depth = match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let name = field.name.node.as_str();
                    let starts_introspection = name == "__schema" || name == "__type";
                    let inside = introspection || starts_introspection;
                    let below = self.selection_set(&field.selection_set.node, inside);
                    if inside {
                        let is_list = introspection && INTROSPECTION_LISTS.contains(&name);
                        Depth {
                            data: below.data,
                            introspection: below.introspection + 1,
                            introspection_lists: below.introspection_lists + usize::from(is_list),
                        }
                    } else {
                        Depth {
                            data: below.data + 1,
                            ..below
                        }
                    }
                }
                Selection::InlineFragment(fragment) => {
                    self.selection_set(&fragment.node.selection_set.node, introspection)
                }
                Selection::FragmentSpread(spread) => {
                    self.fragment(spread.node.fragment_name.node.as_str(), introspection)
                }
            };
            deepest = deepest.max(depth);
        }
        deepest
    }

    fn fragment(&mut self, name: &'a str, introspection: bool) -> Depth {
        if let Some(depth) = self.fragments.get(&(name, introspection)) {
            return *depth;
        }
        let Some(fragment) = self.document.fragments.get(name) else {
            return Depth::default();
        };
        if !self.entered.insert(name) {
            return Depth::default();
        }
        let depth = self.selection_set(&fragment.node.selection_set.node, introspection);
        self.entered.remove(name);
        self.fragments.insert((name, introspection), depth);
        depth
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn depth_of(query: &str) -> Depth {
        measure(&async_graphql::parser::parse_query(query).unwrap())
    }

    #[test]
    fn data_and_introspection_are_measured_apart() {
        let depth = depth_of(
            "{ a { b { c } } __schema { types { fields { type { ofType { name } } } } } }",
        );
        assert_eq!(
            depth,
            Depth {
                data: 3,
                introspection: 6,
                introspection_lists: 2
            }
        );
    }

    #[test]
    fn fragments_count_where_they_are_spread() {
        let depth = depth_of(
            "query { __type(name: \"A\") { ...T } x { ...D } }
             fragment T on __Type { fields { type { ...R } } }
             fragment R on __Type { ofType { name } }
             fragment D on X { y { z } }",
        );
        assert_eq!(
            depth,
            Depth {
                data: 3,
                introspection: 5,
                introspection_lists: 1
            }
        );
    }

    #[test]
    fn fragment_cycles_and_fan_out_end() {
        let cycle = depth_of("{ ...A } fragment A on Query { a { ...A } }");
        assert_eq!(cycle.data, 1);
        let mut fan_out = String::from("{ ...F0 }");
        for level in 0..40 {
            let next = level + 1;
            fan_out.push_str(&format!(
                " fragment F{level} on Query {{ a {{ ...F{next} ...F{next} }} }}"
            ));
        }
        fan_out.push_str(" fragment F40 on Query { b }");
        assert_eq!(depth_of(&fan_out).data, 41);
    }
}
