//! Running a plan: its arguments resolved against the request's variables, its cost checked,
//! its rows loaded ([`super::load`]), and the answer written straight to JSON in selection
//! order.
//!
//! Anything the resolvers would answer with an error (an argument that does not parse, a bad
//! cursor, a field the caller may not read, a failed statement) makes the run give up
//! (`None`), and the resolvers answer the request instead, so errors are theirs, byte for byte.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use async_graphql::{InputType, Name, Variables};
use async_graphql_value::{ConstValue, Value};
use sea_orm::EntityTrait;
use uuid::Uuid;

use entity::campaign;

use crate::graphql::RequestScope;
use crate::graphql::campaigns::Campaign;
use crate::graphql::connection::list_complexity;
use crate::planner::json::Json;
use crate::planner::load::{CampaignPage, ChildPage, PageRows, Relations};
use crate::planner::plan::{
    CampaignField, Condition, ConnectionField, Cost, EdgeField, Field, PageInfoField, Plan,
    RootField, Row, RowField,
};

/// The answer of `plan` as a response body (`{"data":…}`), or `None` when the resolvers
/// must answer.
pub async fn run(
    plan: &Plan,
    scope: &Arc<RequestScope>,
    variables: &Variables,
    max_complexity: usize,
) -> Option<Vec<u8>> {
    let vars = Vars::of(plan, variables)?;
    if cost(&plan.cost, &vars)? > max_complexity {
        return None;
    }
    if !plan
        .restricted
        .iter()
        .all(|field| scope.visibility.reads_field(*field))
    {
        return None;
    }
    let mut pages = Vec::with_capacity(plan.root.len());
    for field in &plan.root {
        pages.push(match &field.kind {
            RootField::Campaigns(connection) if vars.active(&field.when)? => {
                Some(CampaignPage::load(scope, &vars, field, connection, plan.slots).await?)
            }
            _ => None,
        });
    }
    let mut out = Json::with_capacity(plan.answer_size.load(Relaxed).max(4096) + 1024);
    out.raw(b"{\"data\":");
    object(
        &mut out,
        &vars,
        &plan.root,
        |out, field, index| match &field.kind {
            RootField::Typename => {
                out.str("Query");
                Some(())
            }
            RootField::Campaigns(connection) => {
                let page = pages.get(index)?.as_ref()?;
                let cursor = |node: &Campaign| page.page.cursor(node);
                connection_of(
                    out,
                    &vars,
                    connection,
                    &root_view(page, &cursor),
                    &|out, fields, node| {
                        campaign_node(out, &vars, fields, &node.0, &page.relations)
                    },
                )
            }
        },
    )?;
    out.raw(b"}");
    plan.answer_size.store(out.len(), Relaxed);
    Some(out.into_bytes())
}

/// The request's variables as the plan uses them: each declared variable's value, its
/// default, or null (nullable and not given); a non-null one missing makes the run give up.
pub(super) struct Vars {
    values: HashMap<Name, ConstValue>,
}

impl Vars {
    fn of(plan: &Plan, variables: &Variables) -> Option<Vars> {
        let mut values = HashMap::new();
        for definition in &plan.variables {
            let name = &definition.node.name.node;
            let value = variables
                .get(name)
                .or_else(|| definition.node.default_value())?;
            values.insert(name.clone(), value.clone());
        }
        Some(Vars { values })
    }

    fn resolve(&self, value: &Value) -> Option<ConstValue> {
        value
            .clone()
            .into_const_with(|name| self.values.get(&name).cloned().ok_or(()))
            .ok()
    }

    /// An argument of `field`, parsed as its resolver parses it. One that holds a variable
    /// with an input object or a list must come back unchanged from parsing, so that a value
    /// async-graphql's own variable checks would refuse (an unknown input field) is left to
    /// them.
    pub(super) fn argument<K, T: InputType>(&self, field: &Field<K>, name: &str) -> Option<T> {
        let given = field
            .arguments
            .iter()
            .find(|(argument, _)| argument.as_str() == name)
            .map(|(_, value)| value);
        let Some(given) = given else {
            return T::parse(None).ok();
        };
        let value = self.resolve(given)?;
        let parsed = T::parse(Some(value.clone())).ok()?;
        let structured = matches!(value, ConstValue::Object(_) | ConstValue::List(_));
        if structured && given.clone().into_const().is_none() {
            let as_json = |value: &ConstValue| serde_json::to_value(value).ok();
            if !kept(&as_json(&value)?, &as_json(&parsed.to_value())?) {
                return None;
            }
        }
        Some(parsed)
    }

    /// Whether a field's `@include`/`@skip` conditions let it through.
    fn active(&self, when: &[Condition]) -> Option<bool> {
        for condition in when {
            match self.resolve(&condition.value)? {
                ConstValue::Boolean(value) if value != condition.include_when => {
                    return Some(false);
                }
                ConstValue::Boolean(_) => {}
                _ => return None,
            }
        }
        Some(true)
    }
}

/// Whether parsing kept everything `given` holds: each of its input fields, with the same
/// value, and nothing else of it dropped (`parsed` may add the fields left out).
fn kept(given: &serde_json::Value, parsed: &serde_json::Value) -> bool {
    use serde_json::Value::{Array, Object};
    match (given, parsed) {
        (Object(given), Object(parsed)) => given
            .iter()
            .all(|(name, value)| parsed.get(name).is_some_and(|parsed| kept(value, parsed))),
        (Array(given), Array(parsed)) => {
            given.len() == parsed.len() && given.iter().zip(parsed).all(|(g, p)| kept(g, p))
        }
        _ => given == parsed,
    }
}

/// The operation's complexity, counted as async-graphql counts it.
fn cost(costs: &[Cost], vars: &Vars) -> Option<usize> {
    let mut total = 0usize;
    for item in costs {
        total = total.saturating_add(match item {
            Cost::Field(children) => cost(children, vars)?.saturating_add(1),
            Cost::List { first, children } => {
                let first = match first {
                    None => None,
                    Some(value) => Option::<i32>::parse(Some(vars.resolve(value)?)).ok()?,
                };
                list_complexity(first, cost(children, vars)?)
            }
        });
    }
    Some(total)
}

/// Writes an object of `fields`, each active one by `write` (given its index).
fn object<K>(
    out: &mut Json,
    vars: &Vars,
    fields: &[Field<K>],
    mut write: impl FnMut(&mut Json, &Field<K>, usize) -> Option<()>,
) -> Option<()> {
    out.raw(b"{");
    let mut first = true;
    for (index, field) in fields.iter().enumerate() {
        if !vars.active(&field.when)? {
            continue;
        }
        if !first {
            out.raw(b",");
        }
        first = false;
        out.raw(&field.key);
        write(out, field, index)?;
    }
    out.raw(b"}");
    Some(())
}

fn row<M>(out: &mut Json, vars: &Vars, fields: &[Field<RowField<M>>], model: &M) -> Option<()> {
    object(out, vars, fields, |out, field, _| {
        match &field.kind {
            RowField::Typename(name) => out.str(name),
            RowField::Scalar(write) => write(model, out),
            RowField::Object(_, fields) => row(out, vars, fields, model)?,
        }
        Some(())
    })
}

/// A page as a connection writes it.
struct PageView<'a, N> {
    nodes: &'a [N],
    has_next_page: bool,
    has_previous_page: bool,
    cursor: &'a dyn Fn(&N) -> String,
    total: Option<i64>,
}

type NodeWriter<'a, F, N> = dyn Fn(&mut Json, &[Field<F>], &N) -> Option<()> + 'a;

fn connection_of<F, N>(
    out: &mut Json,
    vars: &Vars,
    fields: &[Field<ConnectionField<F>>],
    page: &PageView<'_, N>,
    node: &NodeWriter<'_, F, N>,
) -> Option<()> {
    object(out, vars, fields, |out, field, _| {
        match &field.kind {
            ConnectionField::Typename(name) => out.str(name),
            ConnectionField::TotalCount => out.int(page.total?),
            ConnectionField::Nodes(fields) => {
                list(out, page.nodes, |out, item| node(out, fields, item))?
            }
            ConnectionField::Edges(fields) => list(out, page.nodes, |out, item| {
                object(out, vars, fields, |out, field, _| {
                    match &field.kind {
                        EdgeField::Typename(name) => out.str(name),
                        EdgeField::Cursor => out.str(&(page.cursor)(item)),
                        EdgeField::Node(fields) => node(out, fields, item)?,
                    }
                    Some(())
                })
            })?,
            ConnectionField::PageInfo(fields) => object(out, vars, fields, |out, field, _| {
                match &field.kind {
                    PageInfoField::Typename => out.str("PageInfo"),
                    PageInfoField::HasNextPage => out.bool(page.has_next_page),
                    PageInfoField::HasPreviousPage => out.bool(page.has_previous_page),
                    PageInfoField::StartCursor => {
                        out.opt(page.nodes.first().map(page.cursor), |out, c| out.str(&c))
                    }
                    PageInfoField::EndCursor => {
                        out.opt(page.nodes.last().map(page.cursor), |out, c| out.str(&c))
                    }
                }
                Some(())
            })?,
        }
        Some(())
    })
}

fn list<N>(
    out: &mut Json,
    items: &[N],
    mut write: impl FnMut(&mut Json, &N) -> Option<()>,
) -> Option<()> {
    out.raw(b"[");
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            out.raw(b",");
        }
        write(out, item)?;
    }
    out.raw(b"]");
    Some(())
}

fn campaign_node(
    out: &mut Json,
    vars: &Vars,
    fields: &[Field<CampaignField>],
    model: &campaign::Model,
    relations: &Relations,
) -> Option<()> {
    object(out, vars, fields, |out, field, _| {
        match &field.kind {
            CampaignField::Own(RowField::Typename(name)) => out.str(name),
            CampaignField::Own(RowField::Scalar(write)) => write(model, out),
            CampaignField::Own(RowField::Object(_, fields)) => row(out, vars, fields, model)?,
            CampaignField::Company(fields) => related(
                out,
                vars,
                fields,
                relations.companies.get(&model.company_id).map(Arc::as_ref),
            )?,
            CampaignField::ProgramTemplate(fields) => related(
                out,
                vars,
                fields,
                relations
                    .templates
                    .get(&model.program_template_id)
                    .map(Arc::as_ref),
            )?,
            CampaignField::BeneficiaryGroup(fields) => related(
                out,
                vars,
                fields,
                relations
                    .groups
                    .get(&model.beneficiary_group_id)
                    .map(Arc::as_ref),
            )?,
            CampaignField::ProgramInstances { slot, connection } => {
                let child = relations.instances.get(*slot)?.as_ref()?;
                child_connection(out, vars, child, connection, model.id)?
            }
            CampaignField::MetricsSnapshots { slot, connection } => {
                let child = relations.snapshots.get(*slot)?.as_ref()?;
                child_connection(out, vars, child, connection, model.id)?
            }
            CampaignField::LatestSnapshot { slot, fields } => {
                let child = relations.snapshots.get(*slot)?.as_ref()?;
                let latest = child.rows.get(&model.id).and_then(PageRows::first);
                related(out, vars, fields, latest)?
            }
        }
        Some(())
    })
}

fn related<M>(out: &mut Json, vars: &Vars, fields: &Row<M>, model: Option<&M>) -> Option<()> {
    match model {
        Some(model) => row(out, vars, fields, model),
        None => {
            out.null();
            Some(())
        }
    }
}

/// One nested list's page under `parent`, as a connection.
fn child_connection<E: EntityTrait>(
    out: &mut Json,
    vars: &Vars,
    child: &ChildPage<E>,
    connection: &[Field<ConnectionField<RowField<E::Model>>>],
    parent: Uuid,
) -> Option<()> {
    match child.rows.get(&parent) {
        Some(PageRows::Owned(rows)) => {
            page_of_rows(out, vars, child, connection, parent, rows.as_slice())
        }
        Some(PageRows::Shared(rows)) => {
            page_of_rows(out, vars, child, connection, parent, rows.as_slice())
        }
        None => page_of_rows::<E, E::Model>(out, vars, child, connection, parent, &[]),
    }
}

/// `rows` (the page and the row past it, if any) as a connection.
fn page_of_rows<E: EntityTrait, N: Borrow<E::Model>>(
    out: &mut Json,
    vars: &Vars,
    child: &ChildPage<E>,
    connection: &[Field<ConnectionField<RowField<E::Model>>>],
    parent: Uuid,
    rows: &[N],
) -> Option<()> {
    let cursor = |row: &N| child.ordering.cursor(row.borrow()).encode();
    let view = PageView {
        nodes: &rows[..rows.len().min(child.first)],
        has_next_page: rows.len() > child.first,
        has_previous_page: child.after,
        cursor: &cursor,
        total: child
            .counts
            .as_ref()
            .map(|counts| counts.get(&parent).copied().unwrap_or(0)),
    };
    connection_of(out, vars, connection, &view, &|out, fields, node| {
        row(out, vars, fields, node.borrow())
    })
}

/// The root page as a connection writes it.
fn root_view<'a>(
    page: &'a CampaignPage,
    cursor: &'a dyn Fn(&Campaign) -> String,
) -> PageView<'a, Campaign> {
    PageView {
        nodes: &page.page.nodes,
        has_next_page: page.page.has_next_page(),
        has_previous_page: page.page.has_previous_page(),
        cursor,
        total: page.total,
    }
}
