//! Demo program management (seed 004): programs, activities, applications, enrollments and attendance.

use super::*;

impl Generator<'_> {
    pub(super) async fn program_management<C: ConnectionTrait>(
        &mut self,
        db: &C,
    ) -> Result<(), DbErr> {
        let programs = Program::find().all(db).await?;
        let mut activities = Vec::new();
        let mut links = Vec::new();
        for (index, name) in ACTIVITY_NAMES.iter().enumerate() {
            let id = self.id();
            let starts = self.day(60 - (index as u64) * 4);
            // Every fifth activity is not scheduled yet, so lists sorted by start have
            // NULL keys to page past.
            let starts = (index % 5 != 4).then_some(starts);
            activities.push(
                entity::activity::Model {
                    id,
                    name: (*name).to_owned(),
                    description: Some(format!("{name} session")),
                    activity_type: if index % 4 == 0 {
                        "workshop"
                    } else {
                        "session"
                    }
                    .to_owned(),
                    starts_at: starts,
                    ends_at: starts.map(|at| at + chrono::Duration::hours(2)),
                    created_at: self.day(90),
                    updated_at: self.day(90),
                    retired_at: None,
                }
                .into_active_model(),
            );
            if let Some(program) = programs.get(index % programs.len().max(1)) {
                links.push((program.id, id, index as i32));
            }
        }
        self.summary.activities = insert_all(db, activities).await?;
        let link_rows = links
            .iter()
            .map(|(program, activity, order)| {
                entity::program_activity::Model {
                    id: uuid::Builder::from_random_bytes(self.rng.random()).into_uuid(),
                    program_id: *program,
                    activity_id: *activity,
                    is_required: order % 2 == 0,
                    order_index: Some(*order / programs.len().max(1) as i32 + 1),
                    created_at: self.day(90),
                }
                .into_active_model()
            })
            .collect::<Vec<_>>();
        insert_all(db, link_rows).await?;

        let mut applications = Vec::new();
        let mut enrollments = Vec::new();
        let mut attendance = Vec::new();
        let participants: Vec<Uuid> = self.users.iter().skip(5).copied().collect();
        for (index, user) in participants.iter().enumerate() {
            let Some(program) = programs.get(index % programs.len().max(1)) else {
                break;
            };
            let application = self.id();
            let goal = format!(
                "I want to finish {} so that I can build real projects for paying clients, grow a \
                 portfolio the community can review, and help the next cohort the way mentors helped me.",
                program.name
            );
            applications.push(
                entity::application::Model {
                    id: application,
                    user_id: *user,
                    status: if index % 5 == 4 {
                        ApplicationStatus::Pending
                    } else {
                        ApplicationStatus::Approved
                    },
                    submitted_at: self.day(80),
                    reviewed_at: (index % 5 != 4).then(|| self.day(75)),
                    created_at: self.day(80),
                    updated_at: self.day(75),
                    program_id: Some(program.id),
                    goal: Some(goal),
                    github_username: Some(format!("dev-{}", index + 1)),
                    twitter_username: (index % 2 == 0).then(|| format!("dev_{}", index + 1)),
                    review_reason: None,
                }
                .into_active_model(),
            );
            if index % 5 == 4 {
                continue;
            }
            let status = match index % 7 {
                0 => EnrollmentStatus::Guest,
                1 => EnrollmentStatus::Completed,
                2 => EnrollmentStatus::Dropped,
                _ => EnrollmentStatus::Active,
            };
            enrollments.push(
                entity::program_enrollment::Model {
                    id: self.id(),
                    user_id: *user,
                    program_id: program.id,
                    application_id: Some(application),
                    enrollment_status: status,
                    enrolled_at: self.day(74),
                    completed_at: (status == EnrollmentStatus::Completed).then(|| self.day(5)),
                    promoted_at: (status != EnrollmentStatus::Guest).then(|| self.day(60)),
                    created_at: self.day(74),
                    updated_at: self.day(5),
                    metadata: None,
                    program_instance_id: None,
                }
                .into_active_model(),
            );
            if matches!(
                status,
                EnrollmentStatus::Active | EnrollmentStatus::Completed
            ) {
                for (program_id, activity, _) in links.iter().filter(|(p, _, _)| *p == program.id) {
                    let attendance_status = match self.rng.random_range(0..10) {
                        0 => AttendanceStatus::Absent,
                        1 => AttendanceStatus::Excused,
                        _ => AttendanceStatus::Present,
                    };
                    attendance.push(
                        entity::attendance_record::Model {
                            id: self.id(),
                            user_id: *user,
                            activity_id: *activity,
                            program_id: Some(*program_id),
                            marked_by: self.users[1],
                            attendance_status,
                            notes: (attendance_status == AttendanceStatus::Excused)
                                .then(|| "Travelling".to_owned()),
                            marked_at: self.day(30),
                            created_at: self.day(30),
                            metadata: None,
                        }
                        .into_active_model(),
                    );
                }
            }
        }
        self.summary.applications = insert_all(db, applications).await?;
        self.summary.enrollments = insert_all(db, enrollments).await?;
        self.summary.attendance_records = insert_all(db, attendance).await?;
        Ok(())
    }
}
