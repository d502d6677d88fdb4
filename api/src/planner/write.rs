//! Writing what a plan loaded as JSON, in selection order: objects of the active fields,
//! connections over a page (edges, nodes, cursors, `pageInfo`, `totalCount`), rows and the
//! relations and nested lists under them.

use std::borrow::Borrow;
use std::sync::Arc;

use sea_orm::EntityTrait;
use uuid::Uuid;

use entity::campaign;
use entity::campaign_metrics_snapshot::Model as Snapshot;
use entity::program_instance::{self, Model as Instance};

use crate::graphql::prefetch::related::RelatedRows;
use crate::paging::Page;
use crate::planner::children::{ChildPage, PageRows};
use crate::planner::json::Json;
use crate::planner::load::{Relations, RowPage};
use crate::planner::plan::{
    CampaignField, ConnectionField, EdgeField, Field, InstanceField, PageInfoField, Row,
    RowConnection, RowField,
};
use crate::planner::run::Vars;

/// Writes an object of `fields`, each active one by `write` (given its index).
pub(super) fn object<K>(
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
        row_field(out, vars, &field.kind, model)
    })
}

/// One field a row answers alone.
fn row_field<M>(out: &mut Json, vars: &Vars, field: &RowField<M>, model: &M) -> Option<()> {
    match field {
        RowField::Typename(name) => out.str(name),
        RowField::Scalar(write) => write(model, out),
        RowField::Clocked(write) => write(model, &vars.clock, out),
        RowField::Checked(write) => write(model, out)?,
        RowField::Object(_, fields) => row(out, vars, fields, model)?,
    }
    Some(())
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

/// A program instance; `campaigns`, what the campaigns of root instances select, is `None`
/// under a campaign (whose instances do not select theirs).
pub(super) fn instance_node(
    out: &mut Json,
    vars: &Vars,
    fields: &[Field<InstanceField>],
    model: &program_instance::Model,
    rows: &RelatedRows,
    campaigns: Option<&Relations>,
) -> Option<()> {
    object(out, vars, fields, |out, field, _| match &field.kind {
        InstanceField::Own(field) => row_field(out, vars, field, model),
        InstanceField::Company(fields) => {
            let company = model.company_id.and_then(|id| rows.companies.get(&id));
            related(out, vars, fields, company.map(Arc::as_ref))
        }
        InstanceField::ProgramTemplate(fields) => {
            let template = model
                .program_template_id
                .and_then(|id| rows.templates.get(&id));
            related(out, vars, fields, template.map(Arc::as_ref))
        }
        InstanceField::BeneficiaryGroup(fields) => {
            let group = model
                .beneficiary_group_id
                .and_then(|id| rows.groups.get(&id));
            related(out, vars, fields, group.map(Arc::as_ref))
        }
        InstanceField::Campaign(fields) => {
            match model.campaign_id.and_then(|id| rows.campaigns.get(&id)) {
                Some(campaign) => campaign_node(out, vars, fields, campaign, campaigns?),
                None => {
                    out.null();
                    Some(())
                }
            }
        }
    })
}

pub(super) fn campaign_node(
    out: &mut Json,
    vars: &Vars,
    fields: &[Field<CampaignField>],
    model: &campaign::Model,
    relations: &Relations,
) -> Option<()> {
    object(out, vars, fields, |out, field, _| {
        match &field.kind {
            CampaignField::Own(field) => row_field(out, vars, field, model)?,
            CampaignField::Company(fields) => related(
                out,
                vars,
                fields,
                relations
                    .related
                    .companies
                    .get(&model.company_id)
                    .map(Arc::as_ref),
            )?,
            CampaignField::ProgramTemplate(fields) => related(
                out,
                vars,
                fields,
                relations
                    .related
                    .templates
                    .get(&model.program_template_id)
                    .map(Arc::as_ref),
            )?,
            CampaignField::BeneficiaryGroup(fields) => related(
                out,
                vars,
                fields,
                relations
                    .related
                    .groups
                    .get(&model.beneficiary_group_id)
                    .map(Arc::as_ref),
            )?,
            CampaignField::ProgramInstances { slot, connection } => {
                let child = relations.instances.get(*slot)?.as_ref()?;
                let instance =
                    |out: &mut Json, fields: &[Field<InstanceField>], node: &Instance| {
                        instance_node(out, vars, fields, node, &relations.related, None)
                    };
                child_connection(out, vars, child, connection, model.id, &instance)?
            }
            CampaignField::MetricsSnapshots { slot, connection } => {
                let child = relations.snapshots.get(*slot)?.as_ref()?;
                let snapshot =
                    |out: &mut Json, fields: &[Field<RowField<Snapshot>>], node: &Snapshot| {
                        row(out, vars, fields, node)
                    };
                child_connection(out, vars, child, connection, model.id, &snapshot)?
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

pub(super) fn related<M>(
    out: &mut Json,
    vars: &Vars,
    fields: &Row<M>,
    model: Option<&M>,
) -> Option<()> {
    match model {
        Some(model) => row(out, vars, fields, model),
        None => {
            out.null();
            Some(())
        }
    }
}

/// One nested list's page under `parent`, as a connection, each node written by `node`.
fn child_connection<E: EntityTrait, F>(
    out: &mut Json,
    vars: &Vars,
    child: &ChildPage<E>,
    connection: &[Field<ConnectionField<F>>],
    parent: Uuid,
    node: &NodeWriter<'_, F, E::Model>,
) -> Option<()> {
    match child.rows.get(&parent) {
        Some(PageRows::Owned(rows)) => {
            page_of_rows(out, vars, child, connection, parent, rows.as_slice(), node)
        }
        Some(PageRows::Shared(rows)) => {
            page_of_rows(out, vars, child, connection, parent, rows.as_slice(), node)
        }
        None => page_of_rows::<E, E::Model, F>(out, vars, child, connection, parent, &[], node),
    }
}

/// `rows` (the page and the row past it, if any) as a connection.
fn page_of_rows<E: EntityTrait, N: Borrow<E::Model>, F>(
    out: &mut Json,
    vars: &Vars,
    child: &ChildPage<E>,
    connection: &[Field<ConnectionField<F>>],
    parent: Uuid,
    rows: &[N],
    node: &NodeWriter<'_, F, E::Model>,
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
    connection_of(out, vars, connection, &view, &|out, fields, item: &N| {
        node(out, fields, item.borrow())
    })
}

/// A root page as a connection, each node written by `node`.
pub(super) fn page_connection<F, N>(
    out: &mut Json,
    vars: &Vars,
    connection: &[Field<ConnectionField<F>>],
    page: &Page<N>,
    total: Option<i64>,
    node: &NodeWriter<'_, F, N>,
) -> Option<()> {
    let cursor = |node: &N| page.cursor(node);
    let view = PageView {
        nodes: &page.nodes,
        has_next_page: page.has_next_page(),
        has_previous_page: page.has_previous_page(),
        cursor: &cursor,
        total,
    };
    connection_of(out, vars, connection, &view, node)
}

/// A root list of rows as a connection.
pub(super) fn row_connection<N: AsRef<M>, M>(
    out: &mut Json,
    vars: &Vars,
    connection: &RowConnection<M>,
    page: &RowPage<N>,
) -> Option<()> {
    page_connection(
        out,
        vars,
        connection,
        &page.page,
        page.total,
        &|out, fields, node| row(out, vars, fields, node.as_ref()),
    )
}
