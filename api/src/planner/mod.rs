//! The planned read path: a query operation compiled once into a [`plan::Plan`] (the batched,
//! projected statements the resolvers' prefetch runs, and the order the answer is written in),
//! then answered by [`run::run`] straight into JSON bytes, with no per-field futures and no
//! `Value` tree.
//!
//! async-graphql stays the front door and the oracle. An operation is planned only after the
//! resolvers have answered it once without errors, which proves the document valid (the
//! checks that depend on variables, complexity and argument values, are repeated per request by
//! the plan). Anything the plan cannot answer exactly as the resolvers would (mutations,
//! subscriptions, fields outside the plannable subset, any error) runs through async-graphql
//! whole. `--planner off` turns planning off.

mod children;
mod compile;
mod cost;
pub mod fields;
pub mod json;
mod load;
pub mod plan;
mod roots;
mod rows;
pub mod run;
mod write;

use std::sync::Arc;

use async_graphql::parser::types::ExecutableDocument;
use quick_cache::Equivalent;

use crate::planner::plan::Plan;

/// Whether query operations are planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlannerSwitch {
    On,
    Off,
}

/// Operations (document and operation name) whose plan, or whose being unplannable, is
/// remembered.
const PLANS_KEPT: usize = 1024;

/// The plans of the operations this replica has answered.
pub struct Planner {
    /// `Some(plan)`, or `None` for an operation that does not compile.
    plans: quick_cache::sync::Cache<PlanKey, Option<Arc<Plan>>>,
}

#[derive(Clone, Hash, PartialEq, Eq)]
struct PlanKey {
    query: String,
    operation_name: Option<String>,
}

/// A [`PlanKey`] borrowed from a request, to look up without copying the query.
#[derive(Hash)]
struct PlanKeyRef<'a> {
    query: &'a str,
    operation_name: Option<&'a str>,
}

impl Equivalent<PlanKey> for PlanKeyRef<'_> {
    fn equivalent(&self, key: &PlanKey) -> bool {
        self.query == key.query && self.operation_name == key.operation_name.as_deref()
    }
}

impl Default for Planner {
    fn default() -> Self {
        Planner {
            plans: quick_cache::sync::Cache::new(PLANS_KEPT),
        }
    }
}

impl Planner {
    /// The plan of an operation the resolvers have answered without errors before.
    pub fn plan(&self, query: &str, operation_name: Option<&str>) -> Option<Arc<Plan>> {
        self.plans
            .get(&PlanKeyRef {
                query,
                operation_name,
            })
            .flatten()
    }

    /// Called once the resolvers answered `document` without errors: compiles its plan (or
    /// remembers that it has none) unless that is known already.
    pub fn learn(&self, query: &str, operation_name: Option<&str>, document: &ExecutableDocument) {
        let key = PlanKeyRef {
            query,
            operation_name,
        };
        if self.plans.get(&key).is_some() {
            return;
        }
        let plan = compile::compile(document, operation_name).map(Arc::new);
        self.plans.insert(
            PlanKey {
                query: query.to_owned(),
                operation_name: operation_name.map(str::to_owned),
            },
            plan,
        );
    }

    /// How many operations have a plan (tests, metrics).
    pub fn planned_operations(&self) -> usize {
        self.plans.iter().filter(|(_, plan)| plan.is_some()).count()
    }
}
