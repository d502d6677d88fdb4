//! An operation's complexity as async-graphql's analysis counts it: the tree is taken from the
//! document once, when the plan is compiled, and counted per request, since a page size may
//! come from a variable.

use async_graphql::InputType;
use async_graphql::parser::types::{
    ExecutableDocument, Field as AstField, Selection, SelectionSet,
};
use async_graphql_value::Value;

use crate::graphql::connection::list_complexity;
use crate::planner::compile::MAX_FRAGMENT_DEPTH;
use crate::planner::run::Vars;

/// async-graphql's complexity of a field: 1 plus its children's, or, for a list with a page
/// size, `list_complexity(first, children)`.
pub enum Cost {
    Field(Vec<Cost>),
    List {
        first: Option<Value>,
        children: Vec<Cost>,
    },
}

/// Fields whose cost is `list_complexity(first, children)`.
const PAGED_LISTS: &[&str] = &[
    "campaigns",
    "programInstances",
    "metricsSnapshots",
    "companies",
    "programTemplates",
    "beneficiaryGroups",
];

/// The cost tree of `set`, as async-graphql's complexity analysis walks it (fragments
/// inlined, every field counted whatever its directives).
pub fn of(document: &ExecutableDocument, set: &SelectionSet) -> Option<Vec<Cost>> {
    let mut collected = Vec::new();
    collect_all(document, set, 0, &mut collected)?;
    collected
        .into_iter()
        .map(|field| {
            let children = of(document, &field.selection_set.node)?;
            let name = field.name.node.as_str();
            Some(if PAGED_LISTS.contains(&name) {
                let first = field
                    .arguments
                    .iter()
                    .find(|(argument, _)| argument.node.as_str() == "first")
                    .map(|(_, value)| value.node.clone());
                Cost::List { first, children }
            } else {
                Cost::Field(children)
            })
        })
        .collect()
}

/// Every field of `set`, fragments inlined (the plan's compiler checked their type
/// conditions).
fn collect_all<'a>(
    document: &'a ExecutableDocument,
    set: &'a SelectionSet,
    depth: usize,
    out: &mut Vec<&'a AstField>,
) -> Option<()> {
    if depth > MAX_FRAGMENT_DEPTH {
        return None;
    }
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => out.push(&field.node),
            Selection::FragmentSpread(spread) => {
                let fragment = document.fragments.get(&spread.node.fragment_name.node)?;
                collect_all(document, &fragment.node.selection_set.node, depth + 1, out)?;
            }
            Selection::InlineFragment(inline) => {
                collect_all(document, &inline.node.selection_set.node, depth + 1, out)?;
            }
        }
    }
    Some(())
}

/// The operation's complexity with the request's variables.
pub(super) fn count(costs: &[Cost], vars: &Vars) -> Option<usize> {
    let mut total = 0usize;
    for item in costs {
        total = total.saturating_add(match item {
            Cost::Field(children) => count(children, vars)?.saturating_add(1),
            Cost::List { first, children } => {
                let first = match first {
                    None => None,
                    Some(value) => Option::<i32>::parse(Some(vars.resolve(value)?)).ok()?,
                };
                list_complexity(first, count(children, vars)?)
            }
        });
    }
    Some(total)
}
