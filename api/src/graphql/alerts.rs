//! Capacity alerts in GraphQL (DESIGN.md "Capacity alerts"): `Query.capacityAlerts`, the alerts
//! active now (the capacity alerts widget of seed 002), and `Subscription.capacityAlerts`, each
//! alert the moment the change that raised it commits. A dashboard loads the first and then
//! subscribes to the second.
//!
//! Both read through the caller's visibility: a company user sees only its own company's
//! alerts, and naming another company's campaign or company reads as an unknown id.

use std::sync::Arc;

use async_graphql::{Context, Enum, ErrorExtensions, ID, InputObject, Object, Subscription};
use chrono::{DateTime, Utc};
use futures_util::Stream;
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, DbBackend, QueryFilter};
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use entity::capacity_alert::{Column, Model};
use entity::prelude::CapacityAlert as AlertEntity;

use crate::domain::capacity::bus::{AlertBus, AlertEvent};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::graphql::campaigns::Campaign;
use crate::graphql::connection::{connection_types, list_complexity};
use crate::paging::{Ordering, PageArgs, SortKey, fetch_page};

use crate::domain::policy::{Domain, Visibility};
use crate::graphql::reference::Company;
use crate::graphql::scope::{RequestScope, root_scope, scope};
use crate::graphql::{parse_id, to_id};

/// How close a campaign dimension is to its capacity, in rising order.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq, PartialOrd, Ord, Hash)]
pub enum AlertSeverity {
    /// Utilization reached 0.80.
    Warning,
    /// Utilization reached 0.90.
    High,
    /// Utilization reached 1.00: over capacity.
    Critical,
}

/// Every variant of a GraphQL enum, in declaration order (as its derive lists them).
fn every<E: async_graphql::resolver_utils::EnumType>() -> impl Iterator<Item = E> {
    E::items().iter().map(|item| item.value)
}

impl AlertSeverity {
    /// As `capacity_alerts.severity` stores it.
    fn stored(self) -> &'static str {
        match self {
            AlertSeverity::Warning => "warning",
            AlertSeverity::High => "high",
            AlertSeverity::Critical => "critical",
        }
    }

    pub(crate) fn of_stored(stored: &str) -> AlertSeverity {
        every::<Self>()
            .find(|severity| severity.stored() == stored)
            .unwrap_or(AlertSeverity::Warning)
    }

    /// This severity and every one above it, as stored.
    fn at_least(self) -> Vec<&'static str> {
        every::<Self>()
            .filter(|severity| *severity >= self)
            .map(AlertSeverity::stored)
            .collect()
    }
}

/// A dimension a campaign's capacity is measured in.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq, Hash)]
pub enum CapacityAlertDimension {
    Volunteers,
    Beneficiaries,
    Sessions,
    Budget,
}

impl CapacityAlertDimension {
    fn stored(self) -> &'static str {
        match self {
            CapacityAlertDimension::Volunteers => "volunteers",
            CapacityAlertDimension::Beneficiaries => "beneficiaries",
            CapacityAlertDimension::Sessions => "sessions",
            CapacityAlertDimension::Budget => "budget",
        }
    }

    pub(crate) fn of_stored(stored: &str) -> CapacityAlertDimension {
        every::<Self>()
            .find(|dimension| dimension.stored() == stored)
            .unwrap_or(CapacityAlertDimension::Volunteers)
    }
}

/// What raised an alert.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq, Hash)]
pub enum CapacityAlertSource {
    /// A metrics snapshot was recorded.
    Snapshot,
    /// The campaign's targets, budget or spend changed.
    CapacityChange,
    /// A program instance reported progress, which rolled up into the campaign.
    Progress,
}

impl CapacityAlertSource {
    fn of_stored(stored: &str) -> CapacityAlertSource {
        match stored {
            "capacity_change" => CapacityAlertSource::CapacityChange,
            "progress" => CapacityAlertSource::Progress,
            _ => CapacityAlertSource::Snapshot,
        }
    }
}

/// A campaign dimension whose utilization crossed 0.80 (`WARNING`), 0.90 (`HIGH`) or 1.00
/// (`CRITICAL`) upward: a campaign running out of capacity, and an upsell signal.
pub struct CapacityAlert(Arc<AlertEvent>);

impl CapacityAlert {
    fn alert(&self) -> &Model {
        &self.0.alert
    }

    /// Newest raised first.
    fn ordering() -> Ordering<AlertEntity> {
        Ordering::by(SortKey::desc(Column::RaisedAt, |m| m.raised_at))
    }
}

impl AsRef<Model> for CapacityAlert {
    fn as_ref(&self) -> &Model {
        &self.0.alert
    }
}

connection_types!(
    CapacityAlertConnection,
    CapacityAlertEdge,
    CapacityAlert,
    "capacity alerts"
);

#[Object]
impl CapacityAlert {
    /// Row id.
    async fn id(&self) -> ID {
        to_id(self.alert().id)
    }
    /// Id of the campaign whose capacity it concerns.
    async fn campaign_id(&self) -> ID {
        to_id(self.alert().campaign_id)
    }
    /// The campaign whose capacity it concerns.
    async fn campaign(&self, context: &Context<'_>) -> AppResult<Option<Campaign>> {
        let scope = scope(context)?;
        if let Some(campaign) = &self.0.campaign {
            let visible = scope
                .visibility
                .reads_company(Domain::Campaigns, campaign.company_id);
            return Ok(visible.then(|| Campaign(campaign.as_ref().clone())));
        }
        Ok(scope
            .loaders
            .campaign
            .load_one(self.alert().campaign_id)
            .await?
            .map(Campaign::from))
    }
    /// Id of the campaign's company.
    async fn company_id(&self) -> ID {
        to_id(self.alert().company_id)
    }
    /// The campaign's company.
    async fn company(&self, context: &Context<'_>) -> AppResult<Option<Company>> {
        Ok(scope(context)?
            .loaders
            .company
            .load_one(self.alert().company_id)
            .await?
            .map(Company))
    }
    /// The dimension that ran short.
    async fn dimension(&self) -> CapacityAlertDimension {
        CapacityAlertDimension::of_stored(&self.alert().dimension)
    }
    /// How close to capacity: the threshold crossed.
    async fn severity(&self) -> AlertSeverity {
        AlertSeverity::of_stored(&self.alert().severity)
    }
    /// The threshold crossed, as a fraction (0.8000, 0.9000 or 1.0000).
    async fn threshold(&self) -> Decimal {
        self.alert().threshold.0
    }
    /// Utilization after the change that raised the alert, as a fraction.
    async fn utilization(&self) -> Decimal {
        self.alert().utilization.0
    }
    /// Current count (volunteers, beneficiaries, sessions) or spend (budget).
    async fn current(&self) -> Decimal {
        self.alert().current_value.0
    }
    /// Target count or allocated budget.
    async fn target(&self) -> Decimal {
        self.alert().target_value.0
    }
    /// What raised it.
    async fn source(&self) -> CapacityAlertSource {
        CapacityAlertSource::of_stored(&self.alert().source)
    }
    /// The metrics snapshot that raised it, for alerts a snapshot raised.
    async fn snapshot_id(&self) -> Option<ID> {
        self.alert().snapshot_id.map(to_id)
    }
    /// When it was raised.
    async fn raised_at(&self) -> DateTime<Utc> {
        self.alert().raised_at
    }
}

/// Which alerts to list or deliver.
#[derive(InputObject, Clone, Default)]
pub struct CapacityAlertFilter {
    /// Only this campaign's alerts.
    pub campaign_id: Option<ID>,
    /// Only this company's alerts.
    pub company_id: Option<ID>,
    /// Only alerts at least this severe.
    pub min_severity: Option<AlertSeverity>,
    /// Only alerts in these dimensions.
    pub dimensions: Option<Vec<CapacityAlertDimension>>,
}

/// A validated filter: ids parsed and, for a subscription (which would otherwise wait forever
/// on a typo), any campaign or company it names visible to the caller (another company's
/// reads as unknown: `NOT_FOUND`). A list filter naming one simply matches nothing, as every
/// other list's filters do.
#[derive(Clone, Debug)]
struct AlertMatch {
    campaign: Option<Uuid>,
    company: Option<Uuid>,
    severities: Vec<&'static str>,
    dimensions: Option<Vec<&'static str>>,
}

impl AlertMatch {
    async fn resolve(
        scope: &RequestScope,
        filter: CapacityAlertFilter,
        field_prefix: &str,
        require_visible: bool,
    ) -> AppResult<AlertMatch> {
        let (campaign_field, company_field) = (
            format!("{field_prefix}campaignId"),
            format!("{field_prefix}companyId"),
        );
        let campaign = filter
            .campaign_id
            .as_ref()
            .map(|id| parse_id(id, &campaign_field))
            .transpose()?;
        let company = filter
            .company_id
            .as_ref()
            .map(|id| parse_id(id, &company_field))
            .transpose()?;
        if require_visible {
            if let Some(id) = campaign
                && scope.loaders.campaign.load_one(id).await?.is_none()
            {
                return Err(AppError::not_found("campaign", &campaign_field, id));
            }
            if let Some(id) = company
                && scope.loaders.company.load_one(id).await?.is_none()
            {
                return Err(AppError::not_found("company", &company_field, id));
            }
        }
        Ok(AlertMatch {
            campaign,
            company,
            severities: filter
                .min_severity
                .unwrap_or(AlertSeverity::Warning)
                .at_least(),
            dimensions: filter.dimensions.map(|dimensions| {
                dimensions
                    .into_iter()
                    .map(CapacityAlertDimension::stored)
                    .collect()
            }),
        })
    }

    /// Whether a delivered alert matches, for a caller with `visibility`.
    fn matches(&self, alert: &Model, visibility: &Visibility) -> bool {
        visibility.reads_company(Domain::Campaigns, alert.company_id)
            && self.campaign.is_none_or(|id| alert.campaign_id == id)
            && self.company.is_none_or(|id| alert.company_id == id)
            && self.severities.contains(&alert.severity.as_str())
            && self
                .dimensions
                .as_ref()
                .is_none_or(|dimensions| dimensions.contains(&alert.dimension.as_str()))
    }

    /// The same filter in SQL.
    fn condition(&self) -> Condition {
        let mut condition = Condition::all()
            .add(Column::Severity.is_in(self.severities.iter().copied()))
            .add_option(self.campaign.map(|id| Column::CampaignId.eq(id)))
            .add_option(self.company.map(|id| Column::CompanyId.eq(id)));
        if let Some(dimensions) = &self.dimensions {
            condition = condition.add(Column::Dimension.is_in(dimensions.iter().copied()));
        }
        condition
    }
}

/// Alerts that are active now: for each campaign dimension, the alert of the severity band its
/// last observed utilization is in (the latest alert whose threshold that utilization still
/// reaches). A dimension that fell back below 0.80 has none; one that fell from over 0.90 to
/// 0.85 shows its `WARNING` again.
fn active(backend: DbBackend) -> Condition {
    // Decimals are text on SQLite: compare them as numbers there.
    let number = |column: &str| match backend {
        DbBackend::Sqlite => format!("CAST({column} AS REAL)"),
        _ => column.to_owned(),
    };
    let (a_threshold, b_threshold, level) = (
        number("a.threshold"),
        number("b.threshold"),
        number("l.utilization"),
    );
    Condition::all().add(Expr::cust(format!(
        "capacity_alerts.id IN (
           SELECT a.id FROM capacity_alerts a
           JOIN capacity_alert_levels l
             ON l.campaign_id = a.campaign_id AND l.dimension = a.dimension
           WHERE {a_threshold} <= {level}
             AND NOT EXISTS (
               SELECT 1 FROM capacity_alerts b
               WHERE b.campaign_id = a.campaign_id AND b.dimension = a.dimension
                 AND {b_threshold} <= {level}
                 AND ({b_threshold} > {a_threshold}
                      OR ({b_threshold} = {a_threshold}
                          AND (b.raised_at > a.raised_at
                               OR (b.raised_at = a.raised_at AND b.id > a.id))))))"
    )))
}

#[derive(Default)]
pub struct AlertQueries;

#[Object]
impl AlertQueries {
    /// The capacity alerts active now, newest raised first: per campaign dimension, the alert
    /// of the severity band its utilization is in. Load these, then subscribe to
    /// `Subscription.capacityAlerts` for what comes next.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn capacity_alerts(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<CapacityAlertFilter>,
    ) -> AppResult<CapacityAlertConnection> {
        let scope = root_scope(context)?;
        let args = PageArgs::parse(first, after)?;
        let matching =
            AlertMatch::resolve(scope, filter.unwrap_or_default(), "filter.", false).await?;
        let select = scope
            .select::<AlertEntity>()
            .filter(matching.condition())
            .filter(active(scope.backend()));
        fetch_page(
            &scope.db,
            select,
            &CapacityAlert::ordering(),
            &args,
            |model| CapacityAlert(Arc::new(AlertEvent::from(model))),
        )
        .await
        .map(CapacityAlertConnection)
    }
}

#[derive(Default)]
pub struct SubscriptionRoot;

/// Every subscription of the API.
#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// Each capacity alert the moment the change that raised it commits, on whichever gateway
    /// replica it happened: a campaign dimension whose utilization crossed 0.80, 0.90 or 1.00
    /// upward. Staying above a threshold raises nothing more; falling below and rising again
    /// raises it again. A subscriber that falls more than 4096 alerts behind is told how many
    /// it missed (`EVENTS_DROPPED`) and reloads `Query.capacityAlerts`. `dimensions` keeps
    /// only alerts in those dimensions (all when absent; an empty list matches none).
    async fn capacity_alerts(
        &self,
        context: &Context<'_>,
        campaign_id: Option<ID>,
        company_id: Option<ID>,
        min_severity: Option<AlertSeverity>,
        dimensions: Option<Vec<CapacityAlertDimension>>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<CapacityAlert>> + use<>>
    {
        let scope = root_scope(context)?;
        let filter = CapacityAlertFilter {
            campaign_id,
            company_id,
            min_severity,
            dimensions,
        };
        let matching = AlertMatch::resolve(scope, filter, "", true).await?;
        let bus = context
            .data::<AlertBus>()
            .map_err(|_| AppError::Internal("alert bus missing from the schema".into()))?;
        let protocol = context
            .data_opt::<crate::ws::SocketProtocol>()
            .map_or("unknown", |protocol| protocol.0);
        let delivery = Delivery {
            receiver: bus.subscribe(),
            matching,
            visibility: scope.visibility.clone(),
            metrics: bus.metrics().clone(),
            _active: bus.metrics().subscription_started(protocol),
        };
        Ok(futures_util::stream::unfold(
            delivery,
            |mut delivery| async move {
                let event = delivery.next().await?;
                Some((event, delivery))
            },
        ))
    }
}

/// One subscriber's view of the bus.
struct Delivery {
    receiver: tokio::sync::broadcast::Receiver<Arc<AlertEvent>>,
    matching: AlertMatch,
    visibility: Visibility,
    metrics: crate::observability::Metrics,
    /// Counts this subscription as active until it ends.
    _active: crate::observability::metrics::ActiveGuard,
}

impl Delivery {
    /// The next alert for this subscriber; `None` when the bus is gone (the server stops).
    async fn next(&mut self) -> Option<async_graphql::Result<CapacityAlert>> {
        loop {
            match self.receiver.recv().await {
                Ok(event) if self.matching.matches(&event.alert, &self.visibility) => {
                    self.metrics.record_alert_delivered();
                    return Some(Ok(CapacityAlert(event)));
                }
                Ok(_) => {}
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "a capacity alert subscriber fell behind");
                    self.metrics.record_alerts_dropped(missed);
                    let error = async_graphql::Error::new(format!(
                        "this subscriber fell behind and missed {missed} capacity alerts; \
                         reload Query.capacityAlerts"
                    ))
                    .extend_with(|_, extensions| {
                        extensions.set("code", ErrorCode::EventsDropped.as_str());
                        extensions.set("missed", missed);
                    });
                    return Some(Err(error));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    }
}
