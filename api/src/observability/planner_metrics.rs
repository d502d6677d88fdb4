//! The planner's series: how each query operation ran (planned, resolved, or planned and then
//! handed back to the resolvers).

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

use super::metrics::ResultLabels;

/// How one query operation ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlannerPath {
    /// Answered by its plan.
    Planned,
    /// Its plan could not answer it (an error to report, an argument to check, a field the
    /// caller may not read): the resolvers answered.
    FellBack,
    /// No plan (not plannable, not yet seen, or the planner is off): the resolvers answered.
    Resolved,
}

/// The planner's series.
#[derive(Debug)]
pub struct PlannerMetrics {
    planned: Counter,
    fell_back: Counter,
    resolved: Counter,
}

impl PlannerMetrics {
    pub fn register(registry: &mut Registry) -> PlannerMetrics {
        let operations = Family::<ResultLabels, Counter>::default();
        registry.register(
            "planner_operations",
            "Query operations by how they ran (planned, fell_back, resolved)",
            operations.clone(),
        );
        let result = |result| operations.get_or_create_owned(&ResultLabels { result });
        PlannerMetrics {
            planned: result("planned"),
            fell_back: result("fell_back"),
            resolved: result("resolved"),
        }
    }

    pub fn record(&self, path: PlannerPath) {
        match path {
            PlannerPath::Planned => self.planned.inc(),
            PlannerPath::FellBack => self.fell_back.inc(),
            PlannerPath::Resolved => self.resolved.inc(),
        };
    }
}
