//! Demo Kintell ingestion (seed 001): batches and the sessions they carry.

use super::*;

impl Generator<'_> {
    pub(super) async fn kintell<C: ConnectionTrait>(
        &mut self,
        db: &C,
        companies: &[Uuid],
    ) -> Result<(), DbErr> {
        // Instances imported from Kintell before campaigns existed: no campaign, template or group.
        let imported = [
            (
                "Mentors for Ukraine - Q4 2024",
                "mentors-ukraine-2024-q4",
                ProgramType::Mentorship,
                "mentors_ukraine",
                420u64,
            ),
            (
                "Language for Ukraine - Q1 2025",
                "language-ukraine-2025-q1",
                ProgramType::Language,
                "language_ukraine",
                330u64,
            ),
        ];
        let mut instance_ids = Vec::new();
        let mut rows = Vec::new();
        for (name, slug_text, program_type, source_label, started) in imported {
            let id = self.id();
            instance_ids.push((id, source_label));
            let start = self.day(started).date_naive();
            rows.push(
                entity::program_instance::Model {
                    id,
                    name: name.to_owned(),
                    campaign_id: None,
                    program_template_id: None,
                    company_id: companies.first().copied(),
                    beneficiary_group_id: None,
                    start_date: start,
                    end_date: start.checked_add_days(Days::new(91)),
                    status: ProgramInstanceStatus::Completed,
                    config: serde_json::json!({}),
                    enrolled_volunteers: 35,
                    enrolled_beneficiaries: 60,
                    active_pairs: None,
                    active_groups: None,
                    total_sessions_held: 0,
                    total_hours_logged: Numeric::ZERO,
                    sroi_score: None,
                    average_vis_score: None,
                    outcome_scores: None,
                    volunteers_consumed: 0,
                    credits_consumed: None,
                    learners_served: 0,
                    created_at: self.day(started),
                    updated_at: self.day(started),
                    last_activity_at: None,
                    program_type,
                    program_name: name.to_owned(),
                    program_slug: slug_text.to_owned(),
                    external_system_id: Some(format!("kintell-{slug_text}")),
                    external_system: Some("kintell".to_owned()),
                    description: Some(format!("{name} cohort imported from Kintell")),
                    target_participants: Some("Ukrainian refugees in Norway".to_owned()),
                    program_goals: Some(serde_json::json!(["integration", "employment"])),
                    metadata: Some(serde_json::json!({ "sourceProgramType": source_label })),
                }
                .into_active_model(),
            );
        }
        insert_all(db, rows).await?;

        let mut batches = Vec::new();
        let mut sessions = Vec::new();
        let mut session_number = 1000;
        for (batch_index, (instance, source_label)) in
            instance_ids.iter().cycle().take(3).enumerate()
        {
            let batch = self.id();
            let failed = batch_index == 2;
            let total = self.rng.random_range(25..45);
            let errors = if failed {
                4
            } else {
                self.rng.random_range(0..3)
            };
            let started = self.day(200 - batch_index as u64 * 40);
            let mut hash = String::with_capacity(64);
            for _ in 0..32 {
                hash.push_str(&format!("{:02x}", self.rng.random::<u8>()));
            }
            let row_errors: Vec<RowError> = (0..errors)
                .map(|e| RowError {
                    row: 2 + e * 7,
                    field: Some("completed_at".to_owned()),
                    reason: "not a date".to_owned(),
                    external_session_id: Some(format!("KS-{}", 9000 + e)),
                })
                .collect();
            let success = total - errors;
            let imported_rows = if failed { success / 2 } else { success };
            batches.push(
                entity::ingestion_batch::Model {
                    id: batch,
                    file_name: format!("{source_label}-export-{}.csv", batch_index + 1),
                    file_hash: hash,
                    file_size_bytes: Some(total * 512),
                    program_type: (*source_label).to_owned(),
                    program_instance_id: Some(*instance),
                    source_system: "kintell".to_owned(),
                    import_method: "csv_upload".to_owned(),
                    total_rows: total,
                    success_rows: imported_rows,
                    error_rows: errors,
                    skipped_rows: 0,
                    last_processed_row: if failed {
                        imported_rows + errors
                    } else {
                        total
                    },
                    error_file_path: None,
                    csv_metadata: Some(CsvMetadata {
                        delimiter: Some(",".to_owned()),
                        encoding: Some("utf-8".to_owned()),
                        header_row: Some(vec![
                            "session_id".into(),
                            "participant".into(),
                            "volunteer".into(),
                            "completed_at".into(),
                        ]),
                        column_mapping: None,
                        source_file_modified_at: None,
                    }),
                    imported_by: Some(self.admin),
                    imported_by_service: Some("kintell-connector".to_owned()),
                    status: if failed {
                        IngestionStatus::Failed
                    } else {
                        IngestionStatus::Completed
                    },
                    error_summary: (errors > 0).then(|| ErrorSummary {
                        total_errors: errors,
                        errors_by_type: [("invalid_date".to_owned(), errors)].into_iter().collect(),
                        row_errors: row_errors.clone(),
                        failure_reason: None,
                    }),
                    started_at: Some(started),
                    completed_at: Some(started + chrono::Duration::minutes(3)),
                    created_at: started,
                    updated_at: started + chrono::Duration::minutes(3),
                }
                .into_active_model(),
            );
            for _ in 0..imported_rows {
                session_number += 1;
                let completed = started - chrono::Duration::days(self.rng.random_range(1..80));
                let participant = self.participant();
                let volunteer = self.participant();
                sessions.push(
                    entity::kintell_session::Model {
                        id: self.id(),
                        external_session_id: format!("KS-{session_number}"),
                        session_type: if source_label.starts_with("language") {
                            "language"
                        } else {
                            "mentorship"
                        }
                        .to_owned(),
                        participant_id: Some(participant),
                        volunteer_id: Some(volunteer),
                        scheduled_at: Some(completed - chrono::Duration::hours(1)),
                        // Every sixth session has no completion time recorded, so lists
                        // sorted by completion have NULL keys to page past.
                        completed_at: (session_number % 6 != 0).then_some(completed),
                        duration_minutes: Some(self.rng.random_range(30..90)),
                        rating: Some(Numeric(Decimal::new(self.rng.random_range(300..500), 2))),
                        feedback_text: None,
                        language_level: source_label
                            .starts_with("language")
                            .then(|| "A2".to_owned()),
                        topics: Some(serde_json::json!(["cv", "interview"])),
                        metadata: None,
                        created_at: started,
                        updated_at: started,
                        batch_id: Some(batch),
                        program_instance_id: Some(*instance),
                    }
                    .into_active_model(),
                );
            }
        }
        self.summary.ingestion_batches = insert_all(db, batches).await?;
        self.summary.kintell_sessions = insert_all(db, sessions).await?;
        Ok(())
    }
}
