//! The read and write policy of the platform, in one place: who is acting ([`Caller`], its
//! [`Role`]), which part of the platform each table belongs to ([`Domain`], [`Scoped`]), which
//! rows each role reads ([`Visibility`], [`visible`]) and writes ([`write_rule`]), which
//! fields of a readable row only some roles read ([`RestrictedField`]), and which private
//! reference data a company may see and use ([`shares_reference`]).
//!
//! A company user asking for another company's row gets exactly what an unknown id gets:
//! nothing. Queries start from [`visible`]; services check [`write_rule`] through
//! `Write::authorize` before they change anything.

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, Select};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// What a caller may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything.
    Admin,
    /// Reads and writes its own company's campaigns, instances and snapshots.
    CompanyAdmin,
    /// Reads its own company's data.
    CompanyViewer,
    /// The Kintell ingestion mutations only.
    Ingestion,
    /// Program management: enrollments, attendance.
    ProgramStaff,
    /// Community directory writes.
    CommunityModerator,
}

impl Role {
    /// The role as tokens spell it.
    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::CompanyAdmin => "company_admin",
            Role::CompanyViewer => "company_viewer",
            Role::Ingestion => "ingestion",
            Role::ProgramStaff => "program_staff",
            Role::CommunityModerator => "community_moderator",
        }
    }

    pub fn is_company_role(self) -> bool {
        matches!(self, Role::CompanyAdmin | Role::CompanyViewer)
    }
}

/// An authenticated caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub subject: String,
    pub role: Role,
    /// Set exactly for the company roles.
    pub company_id: Option<Uuid>,
    /// When the token stops being valid (seconds since the epoch).
    pub expires_at: i64,
}

impl Caller {
    /// The platform itself, acting on its own schedule (jobs) or for an operator at the
    /// command line: an admin that names what it is in the audit log.
    pub fn system(subject: &str) -> Caller {
        Caller {
            subject: subject.to_owned(),
            role: Role::Admin,
            company_id: None,
            expires_at: i64::MAX,
        }
    }
}

/// The part of the platform a table belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Domain {
    /// Companies and what they buy: campaigns, program instances, metrics snapshots.
    Campaigns,
    /// Program templates and beneficiary groups: the public ones readable by every
    /// authenticated caller, a private one by admins and its owner company's users.
    Reference,
    /// Kintell ingestion batches and sessions.
    Ingestion,
    /// Program management: programs, activities, applications, enrollments, attendance.
    Programs,
    /// Learn-to-Impact subscriptions, which bundle-priced campaigns draw on: a company reads
    /// its own, and only admins (sales) change them.
    Monetization,
    /// The community directory.
    Community,
    /// Platform user accounts.
    Users,
    /// The platform's own operations: the scheduled jobs' history. Admins only.
    Operations,
}

impl Domain {
    pub fn describe(self) -> &'static str {
        match self {
            Domain::Campaigns => "campaign data",
            Domain::Reference => "reference data",
            Domain::Ingestion => "ingestion data",
            Domain::Programs => "program management data",
            Domain::Monetization => "L2I subscriptions",
            Domain::Community => "the community directory",
            Domain::Users => "user accounts",
            Domain::Operations => "the platform's job history",
        }
    }
}

/// Which rows of a domain a caller reads or writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    All,
    OwnCompany(Uuid),
    /// The rows shared with every company (public reference data) and, for a company role,
    /// its own company's private ones.
    Shared(Option<Uuid>),
    Nothing,
}

/// What the caller may read, per domain.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
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
            Reach::All => true,
            Reach::OwnCompany(own) | Reach::Shared(Some(own)) => own == company,
            Reach::Shared(None) | Reach::Nothing => false,
        }
    }

    /// The read rule: admins read everything; everybody reads public reference data and a
    /// company role its own company's private reference data too; company roles their own
    /// company's campaigns and ingestion; each service role its own domain.
    pub fn rule(&self, domain: Domain) -> Reach {
        use Domain::*;
        match (self.role, domain) {
            (Role::Admin, _) => Reach::All,
            (_, Reference) => Reach::Shared(self.company.filter(|_| self.role.is_company_role())),
            (Role::CompanyAdmin | Role::CompanyViewer, Campaigns | Monetization | Ingestion) => {
                match self.company {
                    Some(company) => Reach::OwnCompany(company),
                    None => Reach::Nothing,
                }
            }
            (Role::Ingestion, Ingestion) => Reach::All,
            (Role::ProgramStaff, Programs | Users) => Reach::All,
            (Role::CommunityModerator, Community) => Reach::All,
            _ => Reach::Nothing,
        }
    }

    /// `FORBIDDEN` unless the caller may read some of `domain`.
    pub fn require_read(&self, domain: Domain) -> AppResult<()> {
        match self.rule(domain) {
            Reach::Nothing => Err(AppError::Forbidden(format!(
                "the {} role cannot read {}",
                self.role.name(),
                domain.describe()
            ))),
            _ => Ok(()),
        }
    }
}

/// A field that not everyone who reads its row may read. Everything else follows its row:
/// whoever reads the row reads every field of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RestrictedField {
    /// A campaign's internal notes: "for sales/CS (not visible to customer)" (seed 000).
    CampaignInternalNotes,
    /// A campaign's upsell score: sales prioritization (seed 000).
    CampaignUpsellOpportunityScore,
    /// Whether a campaign is high-value: the sales signal the upsell score is built on.
    CampaignIsHighValue,
    /// A beneficiary group's internal notes: partnership notes for the platform's staff.
    BeneficiaryGroupInternalNotes,
    /// Whether a campaign is under legal hold: a hold usually concerns a dispute or an
    /// investigation the company's own users are not party to, so only the platform's staff
    /// read it (and only they place or lift one, [`require_legal_hold_setter`]).
    CampaignLegalHold,
}

impl RestrictedField {
    pub const ALL: [RestrictedField; 5] = [
        RestrictedField::CampaignInternalNotes,
        RestrictedField::CampaignUpsellOpportunityScore,
        RestrictedField::CampaignIsHighValue,
        RestrictedField::BeneficiaryGroupInternalNotes,
        RestrictedField::CampaignLegalHold,
    ];

    /// The roles that read the field (on the rows they read at all). Sales and customer
    /// success work as platform admins; no company role is among them.
    pub fn readers(self) -> &'static [Role] {
        match self {
            RestrictedField::CampaignInternalNotes
            | RestrictedField::CampaignUpsellOpportunityScore
            | RestrictedField::CampaignIsHighValue
            | RestrictedField::BeneficiaryGroupInternalNotes
            | RestrictedField::CampaignLegalHold => &[Role::Admin],
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            RestrictedField::CampaignInternalNotes => "a campaign's internal notes",
            RestrictedField::CampaignUpsellOpportunityScore => "a campaign's upsell score",
            RestrictedField::CampaignIsHighValue => "whether a campaign is high-value",
            RestrictedField::CampaignLegalHold => "whether a campaign is under legal hold",
            RestrictedField::BeneficiaryGroupInternalNotes => {
                "a beneficiary group's internal notes"
            }
        }
    }
}

impl Visibility {
    /// Whether the caller reads `field` on the rows it reads.
    pub fn reads_field(&self, field: RestrictedField) -> bool {
        field.readers().contains(&self.role)
    }

    /// `FORBIDDEN` unless the caller reads `field`.
    pub fn require_field(&self, field: RestrictedField) -> AppResult<()> {
        if self.reads_field(field) {
            Ok(())
        } else {
            Err(AppError::Forbidden(self.cannot_read(field)))
        }
    }

    /// `FORBIDDEN` on the input field `input` (a filter or an ordering) unless the caller reads
    /// `field`, which that input would reveal.
    pub fn require_field_for(&self, field: RestrictedField, input: &str) -> AppResult<()> {
        if self.reads_field(field) {
            Ok(())
        } else {
            Err(AppError::ForbiddenOn {
                field: input.to_owned(),
                message: format!("{input}: {}", self.cannot_read(field)),
            })
        }
    }

    fn cannot_read(&self, field: RestrictedField) -> String {
        format!(
            "the {} role cannot read {}",
            self.role.name(),
            field.describe()
        )
    }
}

/// The write rule: admins write everything; company admins their own company's campaigns,
/// instances and snapshots; each service role its own domain; reference data only admins.
pub fn write_rule(caller: &Caller, domain: Domain) -> Reach {
    use Domain::*;
    match (caller.role, domain) {
        (Role::Admin, _) => Reach::All,
        (Role::CompanyAdmin, Campaigns) => match caller.company_id {
            Some(company) => Reach::OwnCompany(company),
            None => Reach::Nothing,
        },
        (Role::Ingestion, Ingestion) => Reach::All,
        (Role::ProgramStaff, Programs) => Reach::All,
        (Role::CommunityModerator, Community) => Reach::All,
        _ => Reach::Nothing,
    }
}

/// Whether a company shares a reference row (a program template or a beneficiary group):
/// a public row is every company's, a private one only its owner's. The company's users see
/// the rows it shares ([`Scoped::shared_with`] is this rule in SQL), and its campaigns may
/// use those and no others.
pub fn shares_reference(is_public: bool, owner: Option<Uuid>, company: Uuid) -> bool {
    is_public || owner == Some(company)
}

/// A table's place in the access rules.
pub trait Scoped: EntityTrait {
    const DOMAIN: Domain;

    /// The rows of this table belonging to `company` (only company-owned tables have any).
    fn of_company(company: Uuid) -> Condition {
        let _ = company;
        Condition::any()
    }

    /// The rows of this table shared with `company`, or with every company when `None`
    /// (only reference tables have private rows; the others share every row).
    fn shared_with(company: Option<Uuid>) -> Condition {
        let _ = company;
        Condition::all()
    }
}

/// [`shares_reference`] as a condition on a reference table's `is_public` and
/// `owner_company_id` columns.
fn shared_reference(
    is_public: impl ColumnTrait,
    owner: impl ColumnTrait,
    company: Option<Uuid>,
) -> Condition {
    let condition = Condition::any().add(is_public.eq(true));
    match company {
        Some(company) => condition.add(owner.eq(company)),
        None => condition,
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

impl Scoped for ProgramTemplate {
    const DOMAIN: Domain = Domain::Reference;
    fn shared_with(company: Option<Uuid>) -> Condition {
        use entity::program_template::Column;
        shared_reference(Column::IsPublic, Column::OwnerCompanyId, company)
    }
}

impl Scoped for BeneficiaryGroup {
    const DOMAIN: Domain = Domain::Reference;
    fn shared_with(company: Option<Uuid>) -> Condition {
        use entity::beneficiary_group::Column;
        shared_reference(Column::IsPublic, Column::OwnerCompanyId, company)
    }
}
scoped!(Programs: Program, Activity, ProgramActivity, ProgramEnrollment, AttendanceRecord, Application);
scoped!(Community: CommunityMember, CommunityInvitation, MemberRelationship, MemberParticipation, MemberDailyHighlight);
scoped!(Users: User);
scoped!(Operations: JobRun);

impl Scoped for Company {
    const DOMAIN: Domain = Domain::Campaigns;
    fn of_company(company: Uuid) -> Condition {
        Condition::all().add(entity::company::Column::Id.eq(company))
    }
}

impl Scoped for L2iSubscription {
    const DOMAIN: Domain = Domain::Monetization;
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
        Reach::All => select,
        Reach::OwnCompany(company) => select.filter(E::of_company(company)),
        Reach::Shared(company) => select.filter(E::shared_with(company)),
        Reach::Nothing => select.filter(Expr::cust("1 = 0")),
    }
}

/// `FORBIDDEN` on `field` unless `caller` may place or lift a campaign's legal hold: platform
/// admins only, the readers of [`RestrictedField::CampaignLegalHold`].
pub fn require_legal_hold_setter(caller: &Caller, field: &str) -> AppResult<()> {
    if RestrictedField::CampaignLegalHold
        .readers()
        .contains(&caller.role)
    {
        return Ok(());
    }
    Err(AppError::ForbiddenOn {
        field: field.to_owned(),
        message: format!(
            "{field}: the {} role cannot place or lift a legal hold",
            caller.role.name()
        ),
    })
}

/// `FORBIDDEN` on `field` unless `caller` may pin evidence snippets to a campaign: platform
/// admins only (the evidence explorer is curated by the platform's staff, seed 002).
pub fn require_evidence_curator(caller: &Caller, field: &str) -> AppResult<()> {
    if caller.role == Role::Admin {
        return Ok(());
    }
    Err(AppError::ForbiddenOn {
        field: field.to_owned(),
        message: format!(
            "{field}: the {} role cannot pin evidence snippets",
            caller.role.name()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visibility(role: Role) -> Visibility {
        Visibility {
            role,
            company: role.is_company_role().then(Uuid::new_v4),
        }
    }

    #[test]
    fn only_admins_read_the_sales_fields() {
        for field in RestrictedField::ALL {
            assert!(visibility(Role::Admin).reads_field(field));
            for role in [Role::CompanyAdmin, Role::CompanyViewer, Role::Ingestion] {
                assert!(
                    !visibility(role).reads_field(field),
                    "{role:?} reads {field:?}"
                );
            }
        }
    }

    #[test]
    fn private_reference_data_is_its_owners_and_the_admins_only() {
        let owner = Uuid::new_v4();
        let own = Visibility {
            role: Role::CompanyViewer,
            company: Some(owner),
        };
        assert_eq!(own.rule(Domain::Reference), Reach::Shared(Some(owner)));
        assert_eq!(
            visibility(Role::ProgramStaff).rule(Domain::Reference),
            Reach::Shared(None)
        );
        assert_eq!(visibility(Role::Admin).rule(Domain::Reference), Reach::All);
        assert!(shares_reference(true, None, owner));
        assert!(shares_reference(true, Some(Uuid::new_v4()), owner));
        assert!(shares_reference(false, Some(owner), owner));
        assert!(!shares_reference(false, Some(Uuid::new_v4()), owner));
        assert!(!shares_reference(false, None, owner));
    }

    #[test]
    fn a_filter_on_a_restricted_field_is_forbidden_on_that_input() {
        let error = visibility(Role::CompanyViewer)
            .require_field_for(RestrictedField::CampaignIsHighValue, "filter.isHighValue")
            .unwrap_err();
        assert_eq!(error.code(), crate::error::ErrorCode::Forbidden);
        assert_eq!(error.field(), Some("filter.isHighValue"));
    }
}
