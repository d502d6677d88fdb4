//! `RequestScope`: what one GraphQL request reads through — the database, the caller, the
//! request's own DataLoaders (never shared between requests or users), and the one gate every
//! read passes, [`visible`], which keeps out the rows the caller may not see.
//!
//! Each table belongs to a [`Domain`]; a caller's role decides, per domain, whether it reads
//! every row, only its own company's rows, or none. A company user asking for another
//! company's row therefore gets exactly what an unknown id gets: nothing.

use std::sync::Arc;

use async_graphql::Context;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, Select,
};
use uuid::Uuid;

use crate::auth::{Caller, Role};
use crate::error::{AppError, AppResult};
use crate::graphql::loaders::Loaders;

/// The part of the platform a table belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Domain {
    /// Companies and what they buy: campaigns, program instances, metrics snapshots.
    Campaigns,
    /// Program templates and beneficiary groups: readable by every authenticated caller.
    Reference,
    /// Kintell ingestion batches and sessions.
    Ingestion,
    /// Program management: programs, activities, applications, enrollments, attendance.
    Programs,
    /// The community directory.
    Community,
    /// Platform user accounts.
    Users,
}

/// How a caller may read a domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadRule {
    All,
    OwnCompany(Uuid),
    Nothing,
}

/// What the caller may read, per domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Visibility {
    role: Role,
    company: Option<Uuid>,
}

impl Visibility {
    pub fn of(caller: &Caller) -> Visibility {
        Visibility {
            role: caller.role,
            company: caller.company_id,
        }
    }

    /// Whether the caller reads `company`'s rows of `domain`: the row-level rule of
    /// [`visible`], for rows already in memory (alerts on the bus).
    pub fn reads_company(&self, domain: Domain, company: Uuid) -> bool {
        match self.rule(domain) {
            ReadRule::All => true,
            ReadRule::OwnCompany(own) => own == company,
            ReadRule::Nothing => false,
        }
    }

    pub fn rule(&self, domain: Domain) -> ReadRule {
        use Domain::*;
        match (self.role, domain) {
            (Role::Admin, _) | (_, Reference) => ReadRule::All,
            (Role::CompanyAdmin | Role::CompanyViewer, Campaigns | Ingestion) => match self.company
            {
                Some(company) => ReadRule::OwnCompany(company),
                None => ReadRule::Nothing,
            },
            (Role::Ingestion, Ingestion) => ReadRule::All,
            (Role::ProgramStaff, Programs | Users) => ReadRule::All,
            (Role::CommunityModerator, Community) => ReadRule::All,
            _ => ReadRule::Nothing,
        }
    }
}

/// A table's place in the access rules.
pub trait Scoped: EntityTrait {
    const DOMAIN: Domain;

    /// The rows of this table belonging to `company` (only company-owned tables have any).
    fn of_company(company: Uuid) -> Condition {
        let _ = company;
        Condition::any()
    }
}

/// `column IN (SELECT id FROM table WHERE company_id = company)`.
fn owned_through(column: impl ColumnTrait, table: &'static str, company: Uuid) -> Condition {
    let ids = Query::select()
        .column(sea_orm::sea_query::Alias::new("id"))
        .from(sea_orm::sea_query::Alias::new(table))
        .and_where(Expr::col(sea_orm::sea_query::Alias::new("company_id")).eq(company))
        .to_owned();
    Condition::all().add(column.in_subquery(ids))
}

macro_rules! scoped {
    ($domain:ident: $($entity:ty),* $(,)?) => {
        $(impl Scoped for $entity {
            const DOMAIN: Domain = Domain::$domain;
        })*
    };
}

use entity::prelude::*;

scoped!(Reference: ProgramTemplate, BeneficiaryGroup);
scoped!(Programs: Program, Activity, ProgramActivity, ProgramEnrollment, AttendanceRecord, Application);
scoped!(Community: CommunityMember, CommunityInvitation, MemberRelationship, MemberParticipation, MemberDailyHighlight);
scoped!(Users: User);

impl Scoped for Company {
    const DOMAIN: Domain = Domain::Campaigns;
    fn of_company(company: Uuid) -> Condition {
        Condition::all().add(entity::company::Column::Id.eq(company))
    }
}

impl Scoped for L2iSubscription {
    const DOMAIN: Domain = Domain::Campaigns;
    fn of_company(company: Uuid) -> Condition {
        Condition::all().add(entity::l2i_subscription::Column::CompanyId.eq(company))
    }
}

impl Scoped for Campaign {
    const DOMAIN: Domain = Domain::Campaigns;
    fn of_company(company: Uuid) -> Condition {
        Condition::all().add(entity::campaign::Column::CompanyId.eq(company))
    }
}

impl Scoped for ProgramInstance {
    const DOMAIN: Domain = Domain::Campaigns;
    fn of_company(company: Uuid) -> Condition {
        Condition::all().add(entity::program_instance::Column::CompanyId.eq(company))
    }
}

impl Scoped for CampaignMetricsSnapshot {
    const DOMAIN: Domain = Domain::Campaigns;
    fn of_company(company: Uuid) -> Condition {
        owned_through(
            entity::campaign_metrics_snapshot::Column::CampaignId,
            "campaigns",
            company,
        )
    }
}

impl Scoped for CapacityAlert {
    const DOMAIN: Domain = Domain::Campaigns;
    fn of_company(company: Uuid) -> Condition {
        Condition::all().add(entity::capacity_alert::Column::CompanyId.eq(company))
    }
}

impl Scoped for IngestionBatch {
    const DOMAIN: Domain = Domain::Ingestion;
    fn of_company(company: Uuid) -> Condition {
        owned_through(
            entity::ingestion_batch::Column::ProgramInstanceId,
            "program_instances",
            company,
        )
    }
}

impl Scoped for KintellSession {
    const DOMAIN: Domain = Domain::Ingestion;
    fn of_company(company: Uuid) -> Condition {
        owned_through(
            entity::kintell_session::Column::ProgramInstanceId,
            "program_instances",
            company,
        )
    }
}

/// The rows of `E` the caller may read: the filter every query starts from.
pub fn visible<E: Scoped>(select: Select<E>, visibility: &Visibility) -> Select<E> {
    match visibility.rule(E::DOMAIN) {
        ReadRule::All => select,
        ReadRule::OwnCompany(company) => select.filter(E::of_company(company)),
        ReadRule::Nothing => select.filter(Expr::cust("1 = 0")),
    }
}

/// The per-request context every resolver reads through.
pub struct RequestScope {
    pub db: DatabaseConnection,
    /// Who is asking.
    pub caller: Caller,
    pub visibility: Visibility,
    pub loaders: Loaders,
    pub snapshot_reuse: crate::graphql::campaigns::SnapshotReuse,
}

impl RequestScope {
    pub fn new(db: DatabaseConnection, caller: Caller) -> Arc<RequestScope> {
        let visibility = Visibility::of(&caller);
        Arc::new(RequestScope {
            loaders: Loaders::new(&db, &visibility),
            snapshot_reuse: Default::default(),
            db,
            caller,
            visibility,
        })
    }

    /// The scope of a WebSocket connection: it lives as long as the socket, so its loaders
    /// batch but never cache (each event reads the rows as they are when it is delivered).
    pub fn for_socket(db: DatabaseConnection, caller: Caller) -> Arc<RequestScope> {
        let scope = RequestScope::new(db, caller);
        scope.loaders.disable_caches();
        scope
    }

    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// Every row of `E` this request may read: the starting point of every query.
    pub fn select<E: Scoped>(&self) -> Select<E> {
        visible(E::find(), &self.visibility)
    }

    /// `FORBIDDEN` unless the caller may read some of `domain`.
    pub fn require_read(&self, domain: Domain) -> AppResult<()> {
        match self.visibility.rule(domain) {
            ReadRule::Nothing => Err(AppError::Forbidden(format!(
                "the {} role cannot read {}",
                self.caller.role.name(),
                domain.describe()
            ))),
            _ => Ok(()),
        }
    }
}

impl Domain {
    pub fn describe(self) -> &'static str {
        match self {
            Domain::Campaigns => "campaign data",
            Domain::Reference => "reference data",
            Domain::Ingestion => "ingestion data",
            Domain::Programs => "program management data",
            Domain::Community => "the community directory",
            Domain::Users => "user accounts",
        }
    }
}

/// The request's scope for a root query field: `FORBIDDEN` unless the caller's role may read
/// the domain the field belongs to (see [`crate::graphql::access::ROOT_FIELDS`]; a root field
/// missing from that table is refused).
pub fn root_scope<'a>(context: &Context<'a>) -> AppResult<&'a Arc<RequestScope>> {
    let scope = scope(context)?;
    let field = context.field().name();
    let domain = crate::graphql::access::domain_of(field)
        .ok_or_else(|| AppError::Forbidden(format!("{field} is not available")))?;
    scope.require_read(domain)?;
    Ok(scope)
}

/// The request's scope from a resolver's context.
pub fn scope<'a>(context: &Context<'a>) -> AppResult<&'a Arc<RequestScope>> {
    context
        .data::<Arc<RequestScope>>()
        .map_err(|_| AppError::Internal("request scope missing from the GraphQL context".into()))
}
