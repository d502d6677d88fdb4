//! Reviewing applications (seed 004): a pending application is approved (the applicant is
//! enrolled in the program as a GUEST, linked to the application), rejected with a reason, or
//! withdrawn. A decided application is final. The service authorizes the caller for
//! `Domain::Programs`, locks the application, applies
//! [`rules`](crate::domain::programs::rules), writes, and records the rows it touched.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
use uuid::Uuid;

use entity::prelude::Application as ApplicationEntity;
use entity::{application, program_enrollment};

use crate::domain::policy::Domain;
use crate::domain::programs::participation::{Guest, enroll_guest, open_program};
use crate::domain::programs::rules::{Decision, check_decision, review_reason};
use crate::domain::write::Write;
use crate::error::{AppError, AppResult};

/// An application after its review, and the guest enrollment an approval made.
#[derive(Clone, Debug)]
pub struct Reviewed {
    pub application: application::Model,
    pub enrollment: Option<program_enrollment::Model>,
}

/// Takes `decision` on the pending application `id`. Approval enrolls the applicant in the
/// application's program as a GUEST (the program must be open, and the applicant not already
/// enrolled in it: `CONFLICT` on `id`); rejection needs a `reason`, withdrawal may give one.
/// Approval and rejection set `reviewedAt`. A decided application is `CONFLICT` on `decision`.
pub async fn review_application(
    write: &mut Write,
    id: Uuid,
    decision: Decision,
    reason: Option<String>,
) -> AppResult<Reviewed> {
    write.authorize(Domain::Programs)?;
    let reason = review_reason(decision, reason.as_deref())?;
    let application = write
        .find::<ApplicationEntity>(id, "application", "id")
        .await?;
    check_decision(application.status, decision)?;
    let enrollment = match decision {
        Decision::Approve => Some(enroll_applicant(write, &application).await?),
        Decision::Reject | Decision::Withdraw => None,
    };
    let now = write.now();
    let mut change = application.into_active_model();
    change.status = Set(decision.status());
    change.review_reason = Set(reason);
    if decision != Decision::Withdraw {
        change.reviewed_at = Set(Some(now));
    }
    change.updated_at = Set(now);
    let reviewed = change.update(write.txn()).await?;
    write.touch("Application", reviewed.id);
    Ok(Reviewed {
        application: reviewed,
        enrollment,
    })
}

/// The guest enrollment an approval makes: the applicant in the application's program.
async fn enroll_applicant(
    write: &mut Write,
    application: &application::Model,
) -> AppResult<program_enrollment::Model> {
    let Some(program_id) = application.program_id else {
        return Err(AppError::conflict_on(
            "id",
            format!(
                "application {} names no program, so approving it cannot enroll anyone: \
                 reject or withdraw it instead",
                application.id
            ),
        ));
    };
    let program = open_program(write, program_id, "id").await?;
    enroll_guest(
        write,
        Guest {
            user_id: application.user_id,
            program: &program,
            application_id: Some(application.id),
            program_instance_id: None,
        },
        "id",
    )
    .await
}
