//! Company isolation of the mutations, through the real server: a company admin of company A
//! runs every mutation of the schema against company B's rows (or B's company id), gets
//! `NOT_FOUND` for B's campaigns, program instances, snapshots and subscriptions — exactly what
//! an unknown id gets — and `FORBIDDEN` in the domains the role does not write, sees no id of
//! B's it did not send, and changes nothing: the database after the corpus is the one before.

use std::collections::HashSet;

use api::auth::Role;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use tests::TestApp;
use tests::app::token;

use super::isolation::{batch_owner, owned_ids, schema_fields, size};
use tests::sql::uuid;
use uuid::Uuid;

/// Another company's row in the campaigns domain: indistinguishable from an unknown id.
const NOT_FOUND: &str = "NOT_FOUND";
/// A domain the company admin role does not write at all.
const FORBIDDEN: &str = "FORBIDDEN";

/// The rows the corpus aims at: B's (and, where a mutation links rows, A's own row with B's).
struct Targets {
    a_company: String,
    a_campaign: String,
    b_company: String,
    b_campaign: String,
    /// A status B's campaign may move to, so only the company check can refuse the move.
    b_campaign_next_status: String,
    b_campaign_start: String,
    /// The date of one of B's stored snapshots: a second one there would be a `CONFLICT`.
    b_snapshot_date: String,
    b_instance: String,
    b_subscription: String,
    b_batch: String,
    template: String,
    group: String,
    /// A program template private to B.
    b_private_template: String,
    member: String,
    /// Another live member, for a relationship between two.
    other_member: String,
    relationship: String,
    invitation: String,
    invitation_code: String,
    program: String,
    activity: String,
    user: String,
    enrollment: String,
    application: String,
}

impl Targets {
    /// Unknown ids of the right shapes: enough to list the corpus without a database.
    fn placeholder() -> Targets {
        let id = || Uuid::new_v4().to_string();
        Targets {
            a_company: id(),
            a_campaign: id(),
            b_company: id(),
            b_campaign: id(),
            b_campaign_next_status: "ACTIVE".to_owned(),
            b_campaign_start: "2026-01-01".to_owned(),
            b_snapshot_date: "2026-11-01T00:00:00Z".to_owned(),
            b_instance: id(),
            b_subscription: id(),
            b_batch: id(),
            template: id(),
            group: id(),
            b_private_template: id(),
            member: id(),
            other_member: id(),
            relationship: id(),
            invitation: id(),
            invitation_code: "ABCDEFGHJKMNPQRS".to_owned(),
            program: id(),
            activity: id(),
            user: id(),
            enrollment: id(),
            application: id(),
        }
    }
}

/// One mutation request of the corpus: (mutation, query, variables, expected error code).
type Case = (&'static str, &'static str, Value, &'static str);

/// Every mutation of the schema, as company A's admin, aimed at B.
fn corpus(t: &Targets) -> Vec<Case> {
    let b_campaign_input = json!({
        "name": "Mentors for Newcomers",
        "companyId": t.b_company,
        "programTemplateId": t.template,
        "beneficiaryGroupId": t.group,
        "startDate": "2026-01-01",
        "endDate": "2026-12-31",
        "targetVolunteers": 50,
        "targetBeneficiaries": 200,
        "budgetAllocated": "50000.00",
        "pricingModel": "SEATS",
        "pricing": { "committedSeats": 50, "seatPricePerMonth": "120.00" }
    });
    let mut bundle_on_b_subscription = b_campaign_input.clone();
    bundle_on_b_subscription["companyId"] = json!(t.a_company);
    bundle_on_b_subscription["pricingModel"] = json!("BUNDLE");
    bundle_on_b_subscription["pricing"] = json!({
        "l2iSubscriptionId": t.b_subscription, "bundleAllocationPercentage": "0.5"
    });
    let mut a_campaign_on_b_private_template = b_campaign_input.clone();
    a_campaign_on_b_private_template["companyId"] = json!(t.a_company);
    a_campaign_on_b_private_template["programTemplateId"] = json!(t.b_private_template);
    let member =
        json!({ "telegramId": "700000999", "name": "Eve Example", "primaryRole": "developer" });
    let goal =
        "I will ship a portfolio site for a real client and write about what I learn. ".repeat(3);
    vec![
        // Campaigns domain: B's rows are NOT_FOUND.
        (
            "recordCampaignMetricsSnapshot",
            "mutation($id: ID!, $at: DateTime!) { recordCampaignMetricsSnapshot(campaignId: $id, snapshotDate: $at) { __typename } }",
            json!({ "id": t.b_campaign, "at": t.b_snapshot_date }),
            NOT_FOUND,
        ),
        (
            "createCampaign",
            "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { __typename } }",
            json!({ "input": b_campaign_input }),
            NOT_FOUND,
        ),
        // B's L2I subscription named by A's own campaign: NOT_FOUND like an unknown id, never
        // an answer that tells it exists and whose it is.
        (
            "createCampaign",
            "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { __typename } }",
            json!({ "input": bundle_on_b_subscription }),
            NOT_FOUND,
        ),
        // B's private template, for A's own campaign (new or existing): A cannot see it.
        (
            "createCampaign",
            "mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { __typename } }",
            json!({ "input": a_campaign_on_b_private_template }),
            NOT_FOUND,
        ),
        (
            "updateCampaign",
            "mutation($id: ID!, $template: ID!) { updateCampaign(id: $id, input: {programTemplateId: $template}) { __typename } }",
            json!({ "id": t.a_campaign, "template": t.b_private_template }),
            NOT_FOUND,
        ),
        (
            "updateCampaign",
            "mutation($id: ID!) { updateCampaign(id: $id, input: {name: \"Renamed by A\"}) { __typename } }",
            json!({ "id": t.b_campaign }),
            NOT_FOUND,
        ),
        (
            "updateCampaign",
            "mutation($id: ID!, $subscription: ID!) { updateCampaign(id: $id, input: {pricingModel: BUNDLE,
               pricing: {l2iSubscriptionId: $subscription, bundleAllocationPercentage: \"0.5\"}}) { __typename } }",
            json!({ "id": t.a_campaign, "subscription": t.b_subscription }),
            NOT_FOUND,
        ),
        (
            "transitionCampaign",
            "mutation($id: ID!, $to: CampaignStatus!) { transitionCampaign(id: $id, to: $to) { __typename } }",
            json!({ "id": t.b_campaign, "to": t.b_campaign_next_status }),
            NOT_FOUND,
        ),
        (
            "archiveCampaign",
            "mutation($id: ID!) { archiveCampaign(id: $id) { __typename } }",
            json!({ "id": t.b_campaign }),
            NOT_FOUND,
        ),
        (
            "deleteCampaign",
            "mutation($id: ID!) { deleteCampaign(id: $id) { deletedId } }",
            json!({ "id": t.b_campaign }),
            NOT_FOUND,
        ),
        (
            "createProgramInstance",
            "mutation($id: ID!, $start: NaiveDate!) { createProgramInstance(campaignId: $id,
               input: {name: \"A's cohort\", startDate: $start}) { __typename } }",
            json!({ "id": t.b_campaign, "start": t.b_campaign_start }),
            NOT_FOUND,
        ),
        (
            "updateProgramInstanceProgress",
            "mutation($id: ID!) { updateProgramInstanceProgress(id: $id, input: {enrolledVolunteers: 999}) { __typename } }",
            json!({ "id": t.b_instance }),
            NOT_FOUND,
        ),
        // Reference data: only admins write it.
        (
            "createBeneficiaryGroup",
            "mutation { createBeneficiaryGroup(input: {name: \"Newcomers in Lyon\", groupType: NEWCOMERS,
               countryCode: \"FR\", eligibleProgramTypes: [MENTORSHIP]}) { __typename } }",
            json!({}),
            FORBIDDEN,
        ),
        (
            "updateBeneficiaryGroup",
            "mutation($id: ID!) { updateBeneficiaryGroup(id: $id, input: {name: \"Renamed by A\"}) { __typename } }",
            json!({ "id": t.group }),
            FORBIDDEN,
        ),
        (
            "deactivateBeneficiaryGroup",
            "mutation($id: ID!) { deactivateBeneficiaryGroup(id: $id) { __typename } }",
            json!({ "id": t.group }),
            FORBIDDEN,
        ),
        (
            "deleteBeneficiaryGroup",
            "mutation($id: ID!) { deleteBeneficiaryGroup(id: $id) { __typename } }",
            json!({ "id": t.group }),
            FORBIDDEN,
        ),
        (
            "createProgramTemplate",
            "mutation($config: JSON!) { createProgramTemplate(input: {name: \"A's Mentorship\",
               programType: MENTORSHIP, defaultConfig: $config}) { __typename } }",
            json!({ "config": { "sessionFormat": "1-on-1", "sessionDuration": 60 } }),
            FORBIDDEN,
        ),
        (
            "updateProgramTemplate",
            "mutation($id: ID!) { updateProgramTemplate(id: $id, input: {name: \"Renamed by A\"}) { __typename } }",
            json!({ "id": t.template }),
            FORBIDDEN,
        ),
        (
            "createProgramTemplateVersion",
            "mutation($id: ID!) { createProgramTemplateVersion(templateId: $id, input: {version: \"9.0.0\"}) { __typename } }",
            json!({ "id": t.template }),
            FORBIDDEN,
        ),
        (
            "deactivateProgramTemplate",
            "mutation($id: ID!) { deactivateProgramTemplate(id: $id) { __typename } }",
            json!({ "id": t.template }),
            FORBIDDEN,
        ),
        (
            "deleteProgramTemplate",
            "mutation($id: ID!) { deleteProgramTemplate(id: $id) { __typename } }",
            json!({ "id": t.template }),
            FORBIDDEN,
        ),
        (
            "createCompany",
            "mutation { createCompany(input: {name: \"A's Subsidiary\"}) { __typename } }",
            json!({}),
            FORBIDDEN,
        ),
        (
            "updateCompany",
            "mutation($id: ID!) { updateCompany(id: $id, input: {name: \"Taken over by A\", isActive: false}) { __typename } }",
            json!({ "id": t.b_company }),
            FORBIDDEN,
        ),
        // The community directory: community moderators and admins only.
        (
            "createInvitation",
            "mutation($member: ID!) { createInvitation(input: {createdBy: $member}) { __typename } }",
            json!({ "member": t.member }),
            FORBIDDEN,
        ),
        (
            "revokeInvitation",
            "mutation($id: ID!) { revokeInvitation(id: $id) { __typename } }",
            json!({ "id": t.invitation }),
            FORBIDDEN,
        ),
        (
            "acceptInvitation",
            "mutation($code: String!, $input: MemberDetailsInput!) { acceptInvitation(code: $code, input: $input) { __typename } }",
            json!({ "code": t.invitation_code, "input": member }),
            FORBIDDEN,
        ),
        (
            "createMember",
            "mutation($input: CreateMemberInput!) { createMember(input: $input) { __typename } }",
            json!({ "input": member }),
            FORBIDDEN,
        ),
        (
            "updateMember",
            "mutation($id: ID!) { updateMember(id: $id, input: {name: \"Renamed by A\"}) { __typename } }",
            json!({ "id": t.member }),
            FORBIDDEN,
        ),
        (
            "verifyMemberGithub",
            "mutation($id: ID!) { verifyMemberGithub(id: $id, input: {githubUsername: \"eve-example\", profileData: {}}) { __typename } }",
            json!({ "id": t.member }),
            FORBIDDEN,
        ),
        (
            "deleteMember",
            "mutation($id: ID!) { deleteMember(id: $id) { __typename } }",
            json!({ "id": t.member }),
            FORBIDDEN,
        ),
        (
            "recordParticipation",
            "mutation($id: ID!) { recordParticipation(memberId: $id, input: {eventType: MESSAGE,
               platform: \"telegram\", roomId: \"general\"}) { __typename } }",
            json!({ "id": t.member }),
            FORBIDDEN,
        ),
        (
            "adjustReputation",
            "mutation($id: ID!) { adjustReputation(memberId: $id, input: {delta: 50, reason: \"Helped A\"}) { __typename } }",
            json!({ "id": t.member }),
            FORBIDDEN,
        ),
        (
            "createMemberRelationship",
            "mutation($a: ID!, $b: ID!) { createMemberRelationship(input: {memberId: $a, relatedMemberId: $b,
               relationshipType: MENTORED}) { __typename } }",
            json!({ "a": t.member, "b": t.other_member }),
            FORBIDDEN,
        ),
        (
            "endMemberRelationship",
            "mutation($id: ID!) { endMemberRelationship(id: $id) { __typename } }",
            json!({ "id": t.relationship }),
            FORBIDDEN,
        ),
        // L2I subscriptions: admins (sales) only, B's as much as A's own company's.
        (
            "createL2iSubscription",
            "mutation($company: ID!) { createL2iSubscription(input: {companyId: $company, planName: \"A's bundle\"}) { __typename } }",
            json!({ "company": t.b_company }),
            FORBIDDEN,
        ),
        (
            "createL2iSubscription",
            "mutation($company: ID!) { createL2iSubscription(input: {companyId: $company, planName: \"A's bundle\"}) { __typename } }",
            json!({ "company": t.a_company }),
            FORBIDDEN,
        ),
        (
            "updateL2iSubscription",
            "mutation($id: ID!) { updateL2iSubscription(id: $id, input: {status: PAUSED}) { __typename } }",
            json!({ "id": t.b_subscription }),
            FORBIDDEN,
        ),
        (
            "endL2iSubscription",
            "mutation($id: ID!) { endL2iSubscription(id: $id, input: {status: CANCELLED}) { __typename } }",
            json!({ "id": t.b_subscription }),
            FORBIDDEN,
        ),
        // Program management: program staff and admins only.
        (
            "createProgram",
            "mutation { createProgram(input: {name: \"A's Bootcamp\", description: \"Twelve weeks.\",
               programType: COHORT, startDate: \"2026-03-02T09:00:00Z\", endDate: \"2026-05-29T17:00:00Z\"}) { __typename } }",
            json!({}),
            FORBIDDEN,
        ),
        (
            "updateProgram",
            "mutation($id: ID!) { updateProgram(id: $id, input: {name: \"Renamed by A\"}) { __typename } }",
            json!({ "id": t.program }),
            FORBIDDEN,
        ),
        (
            "addProgramActivity",
            "mutation($program: ID!, $activity: ID!) { addProgramActivity(programId: $program,
               input: {activityId: $activity}) { __typename } }",
            json!({ "program": t.program, "activity": t.activity }),
            FORBIDDEN,
        ),
        (
            "moveProgramActivity",
            "mutation($program: ID!, $activity: ID!) { moveProgramActivity(programId: $program,
               activityId: $activity, position: 1) { __typename } }",
            json!({ "program": t.program, "activity": t.activity }),
            FORBIDDEN,
        ),
        (
            "removeProgramActivity",
            "mutation($program: ID!, $activity: ID!) { removeProgramActivity(programId: $program,
               activityId: $activity) { __typename } }",
            json!({ "program": t.program, "activity": t.activity }),
            FORBIDDEN,
        ),
        (
            "submitApplication",
            "mutation($user: ID!, $program: ID!, $goal: String!) { submitApplication(input: {userId: $user,
               programId: $program, goal: $goal}) { __typename } }",
            json!({ "user": t.user, "program": t.program, "goal": goal.trim() }),
            FORBIDDEN,
        ),
        (
            "enrollInProgram",
            "mutation($user: ID!, $program: ID!, $instance: ID!) { enrollInProgram(input: {userId: $user,
               programId: $program, programInstanceId: $instance}) { __typename } }",
            json!({ "user": t.user, "program": t.program, "instance": t.b_instance }),
            FORBIDDEN,
        ),
        (
            "reviewApplication",
            "mutation($id: ID!) { reviewApplication(id: $id, decision: APPROVE) { __typename } }",
            json!({ "id": t.application }),
            FORBIDDEN,
        ),
        (
            "createActivity",
            "mutation { createActivity(input: {name: \"A's workshop\"}) { __typename } }",
            json!({}),
            FORBIDDEN,
        ),
        (
            "updateActivity",
            "mutation($id: ID!) { updateActivity(id: $id, input: {name: \"Renamed by A\"}) { __typename } }",
            json!({ "id": t.activity }),
            FORBIDDEN,
        ),
        (
            "retireActivity",
            "mutation($id: ID!) { retireActivity(id: $id) { __typename } }",
            json!({ "id": t.activity }),
            FORBIDDEN,
        ),
        (
            "transitionEnrollment",
            "mutation($id: ID!) { transitionEnrollment(id: $id, to: ACTIVE) { __typename } }",
            json!({ "id": t.enrollment }),
            FORBIDDEN,
        ),
        (
            "markAttendance",
            "mutation($user: ID!, $activity: ID!) { markAttendance(input: {userId: $user, activityId: $activity,
               attendanceStatus: PRESENT}) { __typename } }",
            json!({ "user": t.user, "activity": t.activity }),
            FORBIDDEN,
        ),
        // Kintell ingestion: the ingestion service and admins only, even on B's own batches.
        (
            "startIngestionBatch",
            "mutation($instance: ID!, $hash: String!) { startIngestionBatch(input: {fileName: \"b.csv\",
               fileHash: $hash, programType: \"mentors_ukraine\", programInstanceId: $instance}) { __typename } }",
            json!({ "instance": t.b_instance, "hash": "ab".repeat(32) }),
            FORBIDDEN,
        ),
        // Sent as a GraphQL multipart request with a file part (see the loop below).
        (
            "uploadKintellCsv",
            tests::upload::UPLOAD,
            json!({ "programType": "mentors_ukraine", "programInstanceId": t.b_instance }),
            FORBIDDEN,
        ),
        (
            "importKintellSessions",
            "mutation($id: ID!) { importKintellSessions(batchId: $id, rows: [{rowNumber: 1, externalSessionId: \"KS-A-1\",
               completedAt: \"2024-10-05 14:00\", durationMinutes: 60, rating: \"4.5\"}]) { __typename } }",
            json!({ "id": t.b_batch }),
            FORBIDDEN,
        ),
        (
            "pauseIngestionBatch",
            "mutation($id: ID!) { pauseIngestionBatch(id: $id) { __typename } }",
            json!({ "id": t.b_batch }),
            FORBIDDEN,
        ),
        (
            "failIngestionBatch",
            "mutation($id: ID!) { failIngestionBatch(id: $id, reason: \"Given up by A\") { __typename } }",
            json!({ "id": t.b_batch }),
            FORBIDDEN,
        ),
    ]
}

#[tokio::test]
async fn every_mutation_field_is_in_the_isolation_corpus() {
    let fields = schema_fields("Mutation");
    assert!(fields.contains("importKintellSessions"), "{fields:?}");
    let covered: HashSet<String> = corpus(&Targets::placeholder())
        .iter()
        .map(|(mutation, ..)| (*mutation).to_owned())
        .collect();
    let mut missing: Vec<_> = fields.difference(&covered).collect();
    let mut unknown: Vec<_> = covered.difference(&fields).collect();
    missing.sort();
    unknown.sort();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "mutations missing from the corpus: {missing:?}; corpus entries the schema lacks: {unknown:?}"
    );
}

/// A status a campaign in `status` may move to (none from CLOSED).
fn next_status(status: &str) -> Option<&'static str> {
    match status {
        "DRAFT" => Some("PLANNED"),
        "PLANNED" => Some("RECRUITING"),
        "RECRUITING" | "PAUSED" => Some("ACTIVE"),
        "ACTIVE" => Some("COMPLETED"),
        "COMPLETED" => Some("CLOSED"),
        _ => None,
    }
}

/// A campaign of `company` that can still move, with the status it may move to.
async fn movable_campaign(app: &TestApp, company: Uuid) -> (String, &'static str) {
    let data = app
        .data(
            "query($c: ID!) { campaigns(first: 100, filter: {companyId: $c}) { edges { node { id status } } } }",
            json!({ "c": company }),
        )
        .await;
    data["campaigns"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|edge| {
            let next = next_status(edge["node"]["status"].as_str()?)?;
            Some((edge["node"]["id"].as_str()?.to_owned(), next))
        })
        .unwrap_or_else(|| panic!("company {company} has no campaign that can move: {data}"))
}

/// The rows the corpus aims at, company A being `a` and company B `b`.
async fn targets(app: &TestApp, a: Uuid, b: Uuid) -> Targets {
    let (b_campaign, b_next) = movable_campaign(app, b).await;
    let (a_campaign, _) = movable_campaign(app, a).await;
    let b_details = app
        .data(
            "query($id: ID!) { campaign(id: $id) { startDate programTemplate { id } beneficiaryGroup { id }
               metricsSnapshots(first: 1) { edges { node { snapshotDate } } } } }",
            json!({ "id": b_campaign }),
        )
        .await;
    let b_details = &b_details["campaign"];
    let text = |value: &Value| value.as_str().expect("a string").to_owned();
    let company = sea_orm::Value::Uuid(Some(b));
    let b_instance = app
        .db
        .id(
            "SELECT id FROM program_instances WHERE campaign_id = $1 ORDER BY id",
            vec![uuid(&b_campaign)],
        )
        .await;
    let invitation = app
        .db
        .id(
            "SELECT invitation_id FROM community_invitations ORDER BY invitation_id",
            vec![],
        )
        .await;
    let invitation_code = app
        .db
        .connection
        .query_one_raw(app.db.statement(
            "SELECT invitation_code FROM community_invitations WHERE invitation_id = $1",
            vec![uuid(&invitation)],
        ))
        .await
        .unwrap()
        .expect("an invitation")
        .try_get_by_index::<String>(0)
        .unwrap();
    let b_private_template = app
        .data(
            "mutation($input: CreateProgramTemplateInput!) { createProgramTemplate(input: $input) { id } }",
            json!({ "input": {
                "name": "B's own mentoring", "programType": "MENTORSHIP",
                "defaultConfig": { "sessionFormat": "1-on-1" },
                "isPublic": false, "ownerCompanyId": b
            } }),
        )
        .await["createProgramTemplate"]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    Targets {
        b_private_template,
        a_company: a.to_string(),
        a_campaign,
        b_company: b.to_string(),
        b_campaign: b_campaign.clone(),
        b_campaign_next_status: b_next.to_owned(),
        b_campaign_start: text(&b_details["startDate"]),
        b_snapshot_date: text(&b_details["metricsSnapshots"]["edges"][0]["node"]["snapshotDate"]),
        b_instance,
        b_subscription: app.db.id("SELECT id FROM l2i_subscriptions WHERE company_id = $1 ORDER BY id",
            vec![company.clone()],
        )
        .await,
        b_batch: app.db.id("SELECT b.id FROM ingestion_batches b JOIN program_instances i ON i.id = b.program_instance_id \
             WHERE i.company_id = $1 ORDER BY b.id",
            vec![company],
        )
        .await,
        template: text(&b_details["programTemplate"]["id"]),
        group: text(&b_details["beneficiaryGroup"]["id"]),
        member: app.db.id("SELECT id FROM community_members WHERE deleted_at IS NULL ORDER BY id",
            vec![],
        )
        .await,
        other_member: app.db.ids("SELECT id FROM community_members WHERE deleted_at IS NULL ORDER BY id",
            vec![],
        )
        .await[1]
            .clone(),
        relationship: app.db.id("SELECT id FROM member_relationships ORDER BY id", vec![]).await,
        invitation,
        invitation_code,
        program: app.db.id("SELECT program_id FROM program_activities ORDER BY id",
            vec![],
        )
        .await,
        activity: app.db.id("SELECT activity_id FROM program_activities ORDER BY id",
            vec![],
        )
        .await,
        user: app.db.id("SELECT id FROM users ORDER BY id", vec![]).await,
        enrollment: app.db.id("SELECT id FROM program_enrollments ORDER BY id", vec![]).await,
        application: app
            .db
            .id(
                "SELECT id FROM applications WHERE status = 'pending' ORDER BY id",
                vec![],
            )
            .await,
    }
}

#[tokio::test]
async fn a_company_admin_cannot_read_or_change_another_companys_rows_through_any_mutation() {
    let app = TestApp::spawn_with_demo(&size()).await;
    // B owns the Kintell batches (and much else); A is another company.
    let b = batch_owner(&app).await;
    let a = app
        .db
        .ids("SELECT id FROM companies ORDER BY name", vec![])
        .await
        .into_iter()
        .map(|id| Uuid::parse_str(&id).unwrap())
        .find(|company| *company != b)
        .unwrap();
    let targets = targets(&app, a, b).await;
    let b_ids = owned_ids(&app, b).await;
    assert!(b_ids.contains(&targets.b_campaign) && b_ids.contains(&targets.b_batch));
    let a_token = token(Role::CompanyAdmin, Some(a));
    let before = app.db.contents().await;

    let mut failures = Vec::new();
    for (mutation, query, variables, expected) in corpus(&targets) {
        let (status, body) = if mutation == "uploadKintellCsv" {
            let file = format!(
                "{}\nKS-A-1,mentors_ukraine,a@x.org,A,b@x.org,B,,,,,,,\n",
                tests::upload::HEADER
            );
            tests::upload::upload(
                &app.client,
                &app.address,
                Some(&a_token),
                "b.csv",
                file.as_bytes(),
                variables.clone(),
            )
            .await
        } else {
            app.graphql_as(Some(&a_token), query, variables.clone())
                .await
        };
        let sent = format!("{query}{variables}");
        let text = body.to_string();
        let error = &body["errors"][0];
        let leaked: Vec<&String> = b_ids
            .iter()
            .filter(|id| text.contains(id.as_str()) && !sent.contains(id.as_str()))
            .collect();
        let refused = body["data"].is_null() || body["data"][mutation].is_null();
        if status != 200
            || !refused
            || error["extensions"]["code"] != expected
            || error["path"][0] != mutation
            || !leaked.is_empty()
        {
            failures.push(format!(
                "{mutation} (expected {expected}): HTTP {status}, leaked {leaked:?}\n  request: {query} {variables}\n  response: {body}"
            ));
        }
    }
    let after = app.db.contents().await;
    if after != before {
        let changed: Vec<&String> = before
            .keys()
            .filter(|table| before.get(*table) != after.get(*table))
            .collect();
        failures.push(format!("the corpus changed the tables {changed:?}"));
    }

    // The positive control: the same token does change its own company's campaign.
    let (a_campaign, to) = movable_campaign(&app, a).await;
    let (status, body) = app
        .graphql_as(
            Some(&a_token),
            "mutation($id: ID!, $to: CampaignStatus!) { transitionCampaign(id: $id, to: $to) { id status } }",
            json!({ "id": a_campaign, "to": to }),
        )
        .await;
    assert_eq!(status, 200);
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(body["data"]["transitionCampaign"]["status"], to, "{body}");
    let audited = app
        .db
        .scalar_i64(
            "SELECT COUNT(*) FROM audit_log WHERE mutation = 'transitionCampaign' AND company_id = $1",
            vec![sea_orm::Value::Uuid(Some(a))],
        )
        .await;
    assert_eq!(audited, 1);

    assert!(
        failures.is_empty(),
        "{} failure(s) of company isolation:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
