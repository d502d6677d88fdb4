//! Kintell ingestion (seed 001): the audit trail of CSV imports and API ingestion runs, and the
//! mentorship and language-practice sessions they imported, with their lineage back to the
//! batch and to the program instance they belong to.

pub mod mutations;
pub mod upload;

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, Condition, QueryFilter, Select};
use uuid::Uuid;

use entity::ingestion_batch::{Column as BatchColumn, Model as BatchModel};
use entity::kintell_session::{Column as SessionColumn, Model as SessionModel};
use entity::prelude::{IngestionBatch as BatchEntity, KintellSession as SessionEntity};

use crate::error::AppResult;
use crate::graphql::RequestScope;
use crate::graphql::connection::{connection_types, list_complexity, node_of_row};
use crate::graphql::enums::IngestionStatus;
use crate::graphql::instances::ProgramInstance;
use crate::graphql::loaders::{ChildList, child_total, related};
use crate::graphql::programs::User;
use crate::graphql::scope::{root_scope, scope};
use crate::graphql::{parse_id, to_id};
use crate::paging::{Ordering, Page, PageArgs, SortKey, fetch_page};

/// One CSV import or API ingestion run (audit trail for CSV imports and API ingestion runs):
/// what was read, imported, rejected and skipped, and where a failed import can resume.
#[derive(Clone)]
pub struct IngestionBatch(pub BatchModel);
node_of_row!(IngestionBatch, BatchModel);

/// A mentorship or language-practice session imported from Kintell.
#[derive(Clone)]
pub struct KintellSession(pub SessionModel);
node_of_row!(KintellSession, SessionModel);

connection_types!(
    IngestionBatchConnection,
    IngestionBatchEdge,
    IngestionBatch,
    "ingestion batches"
);
connection_types!(
    KintellSessionConnection,
    KintellSessionEdge,
    KintellSession,
    "Kintell sessions"
);

impl IngestionBatch {
    /// Newest created first.
    pub fn ordering() -> Ordering<BatchEntity> {
        Ordering::by(SortKey::desc(BatchColumn::CreatedAt, |m| m.created_at))
    }
}

impl KintellSession {
    /// Oldest completion first; sessions without a completion time come last.
    pub fn ordering() -> Ordering<SessionEntity> {
        Ordering::by(SortKey::asc(SessionColumn::CompletedAt, |m| m.completed_at))
    }
}

/// One CSV import or API ingestion run (audit trail for CSV imports and API ingestion runs):
/// what was read, imported, rejected and skipped, and where a failed import can resume.
#[Object]
impl IngestionBatch {
    /// Row id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// Name of the imported file.
    async fn file_name(&self) -> &str {
        &self.0.file_name
    }
    /// SHA-256 hash for re-import detection.
    async fn file_hash(&self) -> &str {
        &self.0.file_hash
    }
    /// Size of the imported file in bytes.
    async fn file_size_bytes(&self) -> Option<i32> {
        self.0.file_size_bytes
    }
    /// Program type label of the import, as the source names it (e.g. `mentors_ukraine`).
    async fn program_type(&self) -> &str {
        &self.0.program_type
    }
    /// Source system (`kintell` by default).
    async fn source_system(&self) -> &str {
        &self.0.source_system
    }
    /// How the data arrived (`csv_upload` by default).
    async fn import_method(&self) -> &str {
        &self.0.import_method
    }
    /// Rows in the file.
    async fn total_rows(&self) -> i32 {
        self.0.total_rows
    }
    /// Rows imported.
    async fn success_rows(&self) -> i32 {
        self.0.success_rows
    }
    /// Rows rejected.
    async fn error_rows(&self) -> i32 {
        self.0.error_rows
    }
    /// Rows skipped (already imported).
    async fn skipped_rows(&self) -> i32 {
        self.0.skipped_rows
    }
    /// Last CSV row processed, so a failed import can resume after it.
    async fn last_processed_row(&self) -> i32 {
        self.0.last_processed_row
    }
    /// Where the rejected rows were written.
    async fn error_file_path(&self) -> Option<&str> {
        self.0.error_file_path.as_deref()
    }
    /// Where the `ingestion` and `admin` roles download the error file (the rejected rows with
    /// an `error` column), relative to the gateway: `GET` it with the same bearer token as
    /// `/graphql`. None while the batch has no error file.
    async fn error_file_url(&self) -> Option<String> {
        error_file_url(&self.0)
    }
    /// How the CSV file was read.
    async fn csv_metadata(&self) -> Option<&entity::json::CsvMetadata> {
        self.0.csv_metadata.as_ref()
    }
    /// Service that started the import, when no user did.
    async fn imported_by_service(&self) -> Option<&str> {
        self.0.imported_by_service.as_deref()
    }
    /// pending, running, completed, failed, paused.
    async fn status(&self) -> IngestionStatus {
        self.0.status.into()
    }
    /// Reasons for rejected rows, by row number.
    async fn error_summary(&self) -> Option<&entity::json::ErrorSummary> {
        self.0.error_summary.as_ref()
    }
    /// When processing started.
    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.0.started_at
    }
    /// When processing finished.
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }
    /// When the row was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the row was last updated.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Program instance the rows were imported into.
    async fn program_instance(&self, context: &Context<'_>) -> AppResult<Option<ProgramInstance>> {
        related(
            &scope(context)?.loaders.program_instance,
            self.0.program_instance_id,
        )
        .await
    }
    /// User who started the import.
    async fn imported_by(&self, context: &Context<'_>) -> AppResult<Option<User>> {
        related(&scope(context)?.loaders.user, self.0.imported_by).await
    }
    /// Kintell sessions this batch imported, oldest completion first.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn kintell_sessions(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> AppResult<KintellSessionConnection> {
        kintell_sessions_of(context, SessionParent::Batch, self.0.id, first, after).await
    }
}

/// A mentorship or language-practice session imported from Kintell.
#[Object]
impl KintellSession {
    /// Row id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// Kintell session id; the natural key for idempotent re-imports.
    async fn external_session_id(&self) -> &str {
        &self.0.external_session_id
    }
    /// mentorship or language.
    async fn session_type(&self) -> &str {
        &self.0.session_type
    }
    /// When the session was scheduled for.
    async fn scheduled_at(&self) -> Option<DateTime<Utc>> {
        self.0.scheduled_at
    }
    /// When the session was completed.
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }
    /// Length of the session in minutes.
    async fn duration_minutes(&self) -> Option<i32> {
        self.0.duration_minutes
    }
    /// Participant rating from 0.00 to 5.00.
    async fn rating(&self) -> Option<Decimal> {
        self.0.rating.map(|n| n.0)
    }
    /// Participant's written feedback.
    async fn feedback_text(&self) -> Option<&str> {
        self.0.feedback_text.as_deref()
    }
    /// Language level practised (e.g. B1), for language sessions.
    async fn language_level(&self) -> Option<&str> {
        self.0.language_level.as_deref()
    }
    /// Topics covered, as Kintell exported them.
    async fn topics(&self) -> Option<&serde_json::Value> {
        self.0.topics.as_ref()
    }
    /// Further source data of the session.
    async fn metadata(&self) -> Option<&serde_json::Value> {
        self.0.metadata.as_ref()
    }
    /// When the row was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the row was last updated.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Ingestion batch that imported the session (data lineage).
    async fn batch(&self, context: &Context<'_>) -> AppResult<Option<IngestionBatch>> {
        related(&scope(context)?.loaders.ingestion_batch, self.0.batch_id).await
    }
    /// Program instance the session belongs to (Q4 2024 vs Q1 2025).
    async fn program_instance(&self, context: &Context<'_>) -> AppResult<Option<ProgramInstance>> {
        related(
            &scope(context)?.loaders.program_instance,
            self.0.program_instance_id,
        )
        .await
    }
    /// The participant (learner or mentee).
    async fn participant(&self, context: &Context<'_>) -> AppResult<Option<User>> {
        related(&scope(context)?.loaders.user, self.0.participant_id).await
    }
    /// The volunteer (mentor or language partner).
    async fn volunteer(&self, context: &Context<'_>) -> AppResult<Option<User>> {
        related(&scope(context)?.loaders.user, self.0.volunteer_id).await
    }
}

/// What Kintell sessions hang off: the batch that imported them or their program instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SessionParent {
    Batch,
    ProgramInstance,
}

/// The Kintell sessions of a batch or a program instance (a nested list), oldest completion
/// first.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct KintellSessionsOf {
    pub parent: SessionParent,
    pub page: PageArgs,
}

impl ChildList for KintellSessionsOf {
    type Entity = SessionEntity;
    fn parent_column(&self) -> SessionColumn {
        match self.parent {
            SessionParent::Batch => SessionColumn::BatchId,
            SessionParent::ProgramInstance => SessionColumn::ProgramInstanceId,
        }
    }
    fn filtered(&self, select: Select<SessionEntity>) -> AppResult<Select<SessionEntity>> {
        Ok(select)
    }
    fn ordering(&self) -> Ordering<SessionEntity> {
        KintellSession::ordering()
    }
    fn page(&self) -> &PageArgs {
        &self.page
    }
}

/// One page of the Kintell sessions of a batch or program instance.
pub async fn kintell_sessions_of(
    context: &Context<'_>,
    parent: SessionParent,
    id: Uuid,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<KintellSessionConnection> {
    let scope = scope(context)?;
    let list = KintellSessionsOf {
        parent,
        page: PageArgs::parse(first, after)?,
    };
    // A cursor of another ordering is bad input, reported before the loader runs.
    if let Some(after) = &list.page.after {
        list.ordering().after(&after.cursor()?, scope.backend())?;
    }
    let rows = scope
        .loaders
        .kintell_sessions_of
        .load_one((id, list.clone()))
        .await?
        .unwrap_or_default();
    let total = child_total(scope, id, list.clone(), |s| {
        &s.loaders.kintell_sessions_of_counts
    });
    Ok(KintellSessionConnection(Page::from_shared_rows(
        &rows,
        &list.page,
        &list.ordering(),
        KintellSession::from,
        total,
    )))
}

/// Which ingestion batches to return. All conditions must hold.
#[derive(Clone, Debug, Default, InputObject)]
pub struct IngestionBatchFilter {
    /// In any of these states.
    pub status: Option<Vec<IngestionStatus>>,
    /// With this source program type label (e.g. `mentors_ukraine`).
    pub program_type: Option<String>,
    /// From this source system (e.g. `kintell`).
    pub source_system: Option<String>,
    /// Of the file with this SHA-256 hash (re-import detection).
    pub file_hash: Option<String>,
}

impl IngestionBatchFilter {
    /// The filter as a condition (nothing in it can be invalid).
    pub fn condition(&self) -> Condition {
        let mut condition = Condition::all();
        if let Some(statuses) = &self.status {
            let values: Vec<entity::enums::IngestionStatus> =
                statuses.iter().map(|s| (*s).into()).collect();
            condition = condition.add(BatchColumn::Status.is_in(values));
        }
        if let Some(program_type) = &self.program_type {
            condition = condition.add(BatchColumn::ProgramType.eq(program_type.clone()));
        }
        if let Some(system) = &self.source_system {
            condition = condition.add(BatchColumn::SourceSystem.eq(system.clone()));
        }
        if let Some(hash) = &self.file_hash {
            condition = condition.add(BatchColumn::FileHash.eq(hash.clone()));
        }
        condition
    }
}

/// Which Kintell sessions to return. All conditions must hold.
#[derive(Clone, Debug, Default, InputObject)]
pub struct KintellSessionFilter {
    /// Imported by this ingestion batch.
    pub batch_id: Option<ID>,
    /// Belonging to this program instance.
    pub program_instance_id: Option<ID>,
    /// Of this session type (`mentorship` or `language`).
    pub session_type: Option<String>,
}

impl KintellSessionFilter {
    /// Checks the ids and turns the filter into a condition.
    pub fn condition(&self) -> AppResult<Condition> {
        let mut condition = Condition::all();
        if let Some(id) = &self.batch_id {
            condition = condition.add(SessionColumn::BatchId.eq(parse_id(id, "filter.batchId")?));
        }
        if let Some(id) = &self.program_instance_id {
            condition = condition.add(
                SessionColumn::ProgramInstanceId.eq(parse_id(id, "filter.programInstanceId")?),
            );
        }
        if let Some(session_type) = &self.session_type {
            condition = condition.add(SessionColumn::SessionType.eq(session_type.clone()));
        }
        Ok(condition)
    }
}

/// Where a batch's error file is downloaded, relative to the gateway; None while it has none.
pub fn error_file_url(batch: &BatchModel) -> Option<String> {
    batch
        .error_file_path
        .as_ref()
        .map(|_| format!("/ingestion/batches/{}/errors.csv", batch.id))
}

/// The page of the root `ingestionBatches` list its arguments ask for (the resolver and the
/// planner both answer from it).
pub async fn ingestion_batch_page(
    scope: &RequestScope,
    first: Option<i32>,
    after: Option<String>,
    filter: Option<IngestionBatchFilter>,
) -> AppResult<Page<IngestionBatch>> {
    let args = PageArgs::parse(first, after)?;
    let select = scope
        .select::<BatchEntity>()
        .filter(filter.unwrap_or_default().condition());
    fetch_page(
        &scope.db,
        select,
        &IngestionBatch::ordering(),
        &args,
        IngestionBatch,
    )
    .await
}

/// The page of the root `kintellSessions` list its arguments ask for (the resolver and the
/// planner both answer from it).
pub async fn kintell_session_page(
    scope: &RequestScope,
    first: Option<i32>,
    after: Option<String>,
    filter: Option<KintellSessionFilter>,
) -> AppResult<Page<KintellSession>> {
    let args = PageArgs::parse(first, after)?;
    let condition = filter.unwrap_or_default().condition()?;
    let select = scope.select::<SessionEntity>().filter(condition);
    fetch_page(
        &scope.db,
        select,
        &KintellSession::ordering(),
        &args,
        KintellSession,
    )
    .await
}

/// The Kintell session with this Kintell session id the caller can see, or None (the resolver
/// and the planner both read it here).
pub async fn find_kintell_session_by_external_id(
    scope: &RequestScope,
    external_session_id: String,
) -> AppResult<Option<KintellSession>> {
    Ok(scope
        .select::<SessionEntity>()
        .filter(SessionColumn::ExternalSessionId.eq(external_session_id))
        .one(&scope.db)
        .await?
        .map(KintellSession))
}

/// The ingestion query fields.
#[derive(Default)]
pub struct IngestionQueries;

#[Object]
impl IngestionQueries {
    /// Ingestion batches matching `filter`, newest created first.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn ingestion_batches(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<IngestionBatchFilter>,
    ) -> AppResult<IngestionBatchConnection> {
        ingestion_batch_page(root_scope(context)?, first, after, filter)
            .await
            .map(IngestionBatchConnection)
    }

    /// The ingestion batch with this id, or null.
    async fn ingestion_batch(
        &self,
        context: &Context<'_>,
        id: ID,
    ) -> AppResult<Option<IngestionBatch>> {
        Ok(root_scope(context)?
            .loaders
            .ingestion_batch
            .load_one(parse_id(&id, "id")?)
            .await?
            .map(IngestionBatch::from))
    }

    /// Kintell sessions matching `filter`, oldest completion first.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn kintell_sessions(
        &self,
        context: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<KintellSessionFilter>,
    ) -> AppResult<KintellSessionConnection> {
        kintell_session_page(root_scope(context)?, first, after, filter)
            .await
            .map(KintellSessionConnection)
    }

    /// The Kintell session with this id, or null.
    async fn kintell_session(
        &self,
        context: &Context<'_>,
        id: ID,
    ) -> AppResult<Option<KintellSession>> {
        Ok(root_scope(context)?
            .loaders
            .kintell_session
            .load_one(parse_id(&id, "id")?)
            .await?
            .map(KintellSession::from))
    }

    /// The Kintell session with this Kintell session id (e.g. `KS-1001`), or null.
    async fn kintell_session_by_external_id(
        &self,
        context: &Context<'_>,
        external_session_id: String,
    ) -> AppResult<Option<KintellSession>> {
        find_kintell_session_by_external_id(root_scope(context)?, external_session_id).await
    }
}
