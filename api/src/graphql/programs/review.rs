//! Reviewing applications (seed 004): the `reviewApplication` mutation, its decision and its
//! payload (the application, and the guest enrollment an approval made).

use async_graphql::{Context, Enum, ID, Object, SimpleObject};

use crate::domain::programs::review;
use crate::domain::programs::rules::Decision;
use crate::error::AppResult;
use crate::graphql::change::open;
use crate::graphql::parse_id;
use crate::graphql::programs::{Application, ProgramEnrollment};

/// What a review decides about a pending application.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum ApplicationDecision {
    /// Accept the applicant: they are enrolled in the program as a GUEST.
    Approve,
    /// Turn the application down; a `reason` is required.
    Reject,
    /// The applicant takes the application back; a `reason` is optional.
    Withdraw,
}

impl From<ApplicationDecision> for Decision {
    fn from(decision: ApplicationDecision) -> Decision {
        match decision {
            ApplicationDecision::Approve => Decision::Approve,
            ApplicationDecision::Reject => Decision::Reject,
            ApplicationDecision::Withdraw => Decision::Withdraw,
        }
    }
}

/// An application after its review.
#[derive(SimpleObject)]
pub struct ReviewApplicationPayload {
    /// The application, with its new status.
    pub application: Application,
    /// The GUEST enrollment an approval made (null for a rejection or withdrawal).
    pub enrollment: Option<ProgramEnrollment>,
}

/// The review of applications: by program staff and admins.
#[derive(Default)]
pub struct ReviewMutations;

#[Object]
impl ReviewMutations {
    /// Decides on a PENDING application: APPROVE enrolls the applicant in the program as a
    /// GUEST linked to the application (the program must be open and the applicant not yet
    /// enrolled in it: `CONFLICT` on `id`); REJECT needs a `reason`; WITHDRAW may give one.
    /// `reason` is at most 500 characters, and APPROVE takes none. An application already
    /// decided is final: `CONFLICT` on `decision`, listing the decisions open to it.
    async fn review_application(
        &self,
        context: &Context<'_>,
        id: ID,
        decision: ApplicationDecision,
        reason: Option<String>,
    ) -> AppResult<ReviewApplicationPayload> {
        let id = parse_id(&id, "id")?;
        let mut write = open(context).await?;
        let reviewed = review::review_application(&mut write, id, decision.into(), reason).await?;
        write.commit().await?;
        Ok(ReviewApplicationPayload {
            application: Application::from(reviewed.application),
            enrollment: reviewed.enrollment.map(ProgramEnrollment::from),
        })
    }
}
