//! Kintell ingestion (seed 001): a batch for one export file is started, its session rows are
//! imported in chunks, and a batch may be paused or failed — the batch's rules ([`rules`]),
//! how one row is read ([`rows`]), and the services that apply them ([`service`]).
//!
//! How a batch moves ([`rules::next_status`] decides it):
//! - `PENDING` when started; the first import call moves it on.
//! - `RUNNING` while the importer sends chunks: a call with `moreRowsFollow: true` leaves the
//!   batch running, waiting for the next chunk.
//! - The last call (`moreRowsFollow: false`) finishes it: `FAILED` when every row the batch
//!   processed was rejected, `COMPLETED` otherwise (an empty file completes too).
//! - `PAUSED` only by `pauseIngestionBatch` (an operator stops a pending or running import);
//!   `FAILED` also by `failIngestionBatch`, with a reason. A paused or failed batch resumes with
//!   the next import call, after its `lastProcessedRow`. A completed batch is final: its file is
//!   imported again only through a new batch (`force: true`).
//!
//! How rows count:
//! - *success*: the row created a session, or changed the stored session of its Kintell id;
//! - *error*: the row was rejected; its reason goes to the batch's `errorSummary` and the other
//!   rows still import;
//! - *skipped*: the session is already stored exactly as the row describes it (an identical
//!   re-import), so nothing is written; the session keeps the batch that last changed it;
//! - rows at or below the batch's `lastProcessedRow` were processed by an earlier call (a resumed
//!   import that starts over from the top of the file): they are ignored and counted in no batch
//!   counter again, only in the payload's `alreadyProcessedRows`.
//!
//! So `successRows + errorRows + skippedRows` is the number of distinct rows the batch processed.

pub mod csv_file;
pub mod file_import;
pub mod file_instance;
pub mod legacy;
pub mod resume;
pub mod rows;
pub mod rules;
pub mod service;
