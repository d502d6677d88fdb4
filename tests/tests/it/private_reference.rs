//! Private reference data through the real server: a private program template or beneficiary
//! group (`isPublic: false`) belongs to its `ownerCompany`; admins and that company's users
//! read it (lists, by id, nested under campaigns), nobody else does, and only that company's
//! campaigns may use it. Refusals are coded and write nothing.

use api::auth::Role;
use serde_json::{Value, json};
use tests::TestApp;
use tests::app::token;
use uuid::Uuid;

const CREATE_TEMPLATE: &str = "mutation CreateTemplate($input: CreateProgramTemplateInput!) {
  createProgramTemplate(input: $input) { id isPublic ownerCompany { id } } }";

const UPDATE_TEMPLATE: &str =
    "mutation UpdateTemplate($id: ID!, $input: UpdateProgramTemplateInput!) {
  updateProgramTemplate(id: $id, input: $input) { id isPublic ownerCompany { id } } }";

const CREATE_GROUP: &str = "mutation CreateGroup($input: CreateBeneficiaryGroupInput!) {
  createBeneficiaryGroup(input: $input) { id isPublic ownerCompany { id } } }";

const UPDATE_GROUP: &str = "mutation UpdateGroup($id: ID!, $input: UpdateBeneficiaryGroupInput!) {
  updateBeneficiaryGroup(id: $id, input: $input) { id isPublic ownerCompany { id } } }";

const CREATE_CAMPAIGN: &str = "mutation CreateCampaign($input: CreateCampaignInput!) {
  createCampaign(input: $input) { id programTemplate { id } beneficiaryGroup { id } } }";

const READ_ALL: &str = "query Reference($template: ID!, $group: ID!) {
  programTemplates(first: 100) { edges { node { id } } }
  beneficiaryGroups(first: 100) { edges { node { id } } }
  programTemplate(id: $template) { id }
  beneficiaryGroup(id: $group) { id } }";

/// Two companies, a private template and group of `owner`, and a public template and group.
struct World {
    app: TestApp,
    owner: Uuid,
    other: Uuid,
    private_template: String,
    private_group: String,
    public_template: String,
    public_group: String,
}

fn template_input(name: &str, owner: Option<Uuid>) -> Value {
    json!({
        "name": name,
        "programType": "MENTORSHIP",
        "defaultConfig": { "sessionFormat": "1-on-1", "sessionDuration": 60 },
        "isPublic": owner.is_none(),
        "ownerCompanyId": owner,
    })
}

fn group_input(name: &str, owner: Option<Uuid>) -> Value {
    json!({
        "name": name,
        "groupType": "REFUGEES",
        "countryCode": "DE",
        "eligibleProgramTypes": ["MENTORSHIP"],
        "isPublic": owner.is_none(),
        "ownerCompanyId": owner,
    })
}

fn campaign_input(company: Uuid, template: &str, group: &str) -> Value {
    json!({
        "name": "Mentors for Newcomers",
        "companyId": company,
        "programTemplateId": template,
        "beneficiaryGroupId": group,
        "startDate": "2026-01-01",
        "endDate": "2026-12-31",
        "targetVolunteers": 10,
        "targetBeneficiaries": 40,
        "budgetAllocated": "10000.00",
        "pricingModel": "SEATS",
        "pricing": { "committedSeats": 10, "seatPricePerMonth": "100.00" }
    })
}

impl World {
    async fn new() -> World {
        let app = TestApp::spawn().await;
        let owner = app.db.insert_company("Acme").await;
        let other = app.db.insert_company("Globex").await;
        let id = |data: &Value, field: &str| data[field]["id"].as_str().unwrap().to_owned();
        let private_template = app
            .data(
                CREATE_TEMPLATE,
                json!({ "input": template_input("Acme Mentoring", Some(owner)) }),
            )
            .await;
        assert_eq!(
            private_template["createProgramTemplate"]["ownerCompany"]["id"],
            owner.to_string()
        );
        assert_eq!(private_template["createProgramTemplate"]["isPublic"], false);
        let public_template = app
            .data(
                CREATE_TEMPLATE,
                json!({ "input": template_input("Open Mentoring", None) }),
            )
            .await;
        let private_group = app
            .data(
                CREATE_GROUP,
                json!({ "input": group_input("Acme Newcomers", Some(owner)) }),
            )
            .await;
        let public_group = app
            .data(
                CREATE_GROUP,
                json!({ "input": group_input("Newcomers in Berlin", None) }),
            )
            .await;
        World {
            private_template: id(&private_template, "createProgramTemplate"),
            public_template: id(&public_template, "createProgramTemplate"),
            private_group: id(&private_group, "createBeneficiaryGroup"),
            public_group: id(&public_group, "createBeneficiaryGroup"),
            app,
            owner,
            other,
        }
    }

    /// The reference ids `token` reads: listed templates and groups, and whether the private
    /// template and group read by id.
    async fn reads(&self, token: &str) -> (Vec<String>, bool, bool) {
        let (status, body) = self
            .app
            .graphql_as(
                Some(token),
                READ_ALL,
                json!({ "template": self.private_template, "group": self.private_group }),
            )
            .await;
        assert_eq!(status, 200);
        assert!(body.get("errors").is_none(), "{body}");
        let data = &body["data"];
        let mut listed: Vec<String> = ["programTemplates", "beneficiaryGroups"]
            .iter()
            .flat_map(|list| data[list]["edges"].as_array().unwrap().clone())
            .map(|edge| edge["node"]["id"].as_str().unwrap().to_owned())
            .collect();
        listed.sort();
        (
            listed,
            !data["programTemplate"].is_null(),
            !data["beneficiaryGroup"].is_null(),
        )
    }

    /// Asserts that `query` as `token` is refused with `code` about `field` and writes
    /// nothing. `NOT_FOUND` names the argument in its message; the others in
    /// `extensions.field`.
    async fn refused_as(
        &self,
        token: &str,
        query: &str,
        variables: Value,
        code: &str,
        field: Option<&str>,
    ) {
        let before = self.app.db.contents().await;
        let (_, body) = self.app.graphql_as(Some(token), query, variables).await;
        let error = &body["errors"][0];
        assert_eq!(error["extensions"]["code"], code, "{body}");
        if code == "NOT_FOUND" {
            let message = error["message"].as_str().unwrap_or_default();
            assert!(message.contains(field.unwrap_or_default()), "{body}");
        } else {
            assert_eq!(error["extensions"]["field"].as_str(), field, "{body}");
        }
        assert_eq!(self.app.db.contents().await, before, "{body} wrote rows");
    }
}

#[tokio::test]
async fn a_private_template_or_group_is_read_by_admins_and_its_owners_users_only() {
    let world = World::new().await;
    let mut everything = vec![
        world.private_template.clone(),
        world.private_group.clone(),
        world.public_template.clone(),
        world.public_group.clone(),
    ];
    everything.sort();
    let mut public = vec![world.public_template.clone(), world.public_group.clone()];
    public.sort();

    assert_eq!(
        world.reads(&token(Role::Admin, None)).await,
        (everything.clone(), true, true)
    );
    for role in [Role::CompanyAdmin, Role::CompanyViewer] {
        assert_eq!(
            world.reads(&token(role, Some(world.owner))).await,
            (everything.clone(), true, true),
            "{role:?} of the owner"
        );
        assert_eq!(
            world.reads(&token(role, Some(world.other))).await,
            (public.clone(), false, false),
            "{role:?} of another company"
        );
    }
    for role in [
        Role::ProgramStaff,
        Role::Ingestion,
        Role::CommunityModerator,
    ] {
        assert_eq!(
            world.reads(&token(role, None)).await,
            (public.clone(), false, false),
            "{role:?}"
        );
    }
}

#[tokio::test]
async fn only_the_owners_campaigns_use_a_private_template_or_group_and_read_it_nested() {
    let world = World::new().await;
    let owner_admin = token(Role::CompanyAdmin, Some(world.owner));
    let other_admin = token(Role::CompanyAdmin, Some(world.other));

    // Another company's admin cannot see the private rows: NOT_FOUND, as for unknown ids.
    world
        .refused_as(
            &other_admin,
            CREATE_CAMPAIGN,
            json!({ "input": campaign_input(world.other, &world.private_template, &world.public_group) }),
            "NOT_FOUND",
            Some("input.programTemplateId"),
        )
        .await;
    world
        .refused_as(
            &other_admin,
            CREATE_CAMPAIGN,
            json!({ "input": campaign_input(world.other, &world.public_template, &world.private_group) }),
            "NOT_FOUND",
            Some("input.beneficiaryGroupId"),
        )
        .await;
    // An admin sees them, but the campaign's company does not own them.
    let admin = token(Role::Admin, None);
    world
        .refused_as(
            &admin,
            CREATE_CAMPAIGN,
            json!({ "input": campaign_input(world.other, &world.private_template, &world.public_group) }),
            "BAD_USER_INPUT",
            Some("input.programTemplateId"),
        )
        .await;
    world
        .refused_as(
            &admin,
            CREATE_CAMPAIGN,
            json!({ "input": campaign_input(world.other, &world.public_template, &world.private_group) }),
            "BAD_USER_INPUT",
            Some("input.beneficiaryGroupId"),
        )
        .await;

    // The owner's admin uses both, and its viewers read them nested under the campaign.
    let (status, body) = world
        .app
        .graphql_as(
            Some(&owner_admin),
            CREATE_CAMPAIGN,
            json!({ "input": campaign_input(world.owner, &world.private_template, &world.private_group) }),
        )
        .await;
    assert_eq!(status, 200);
    assert!(body.get("errors").is_none(), "{body}");
    let campaign = body["data"]["createCampaign"]["id"].as_str().unwrap();
    let audited = world
        .app
        .db
        .count(
            "SELECT COUNT(*) FROM audit_log WHERE mutation = 'createCampaign' AND role = 'company_admin'",
            vec![],
        )
        .await;
    assert_eq!(audited, 1);
    let nested =
        "query($id: ID!) { campaign(id: $id) { programTemplate { id } beneficiaryGroup { id } } }";
    let (_, body) = world
        .app
        .graphql_as(
            Some(&token(Role::CompanyViewer, Some(world.owner))),
            nested,
            json!({ "id": campaign }),
        )
        .await;
    assert_eq!(
        body["data"]["campaign"],
        json!({ "programTemplate": { "id": world.private_template },
                "beneficiaryGroup": { "id": world.private_group } }),
        "{body}"
    );
    // An admin cannot move that campaign onto another company's private template either.
    let third = world.app.db.insert_company("Initech").await;
    let foreign = world
        .app
        .data(
            CREATE_TEMPLATE,
            json!({ "input": template_input("Initech Mentoring", Some(third)) }),
        )
        .await;
    world
        .refused_as(
            &admin,
            "mutation($id: ID!, $template: ID!) { updateCampaign(id: $id, input: {programTemplateId: $template}) { id } }",
            json!({ "id": campaign, "template": foreign["createProgramTemplate"]["id"] }),
            "BAD_USER_INPUT",
            Some("input.programTemplateId"),
        )
        .await;
}

#[tokio::test]
async fn a_template_or_group_in_use_cannot_be_taken_away_from_the_companies_that_use_it() {
    let world = World::new().await;
    let admin = token(Role::Admin, None);
    let campaign = world
        .app
        .data(
            CREATE_CAMPAIGN,
            json!({ "input": campaign_input(world.other, &world.public_template, &world.public_group) }),
        )
        .await;
    assert!(campaign["createCampaign"]["id"].is_string());

    // Made private to the owner (or to nobody) while another company's campaign uses it.
    for input in [
        json!({ "isPublic": false, "ownerCompanyId": world.owner }),
        json!({ "isPublic": false }),
    ] {
        world
            .refused_as(
                &admin,
                UPDATE_TEMPLATE,
                json!({ "id": world.public_template, "input": input }),
                "CONFLICT",
                None,
            )
            .await;
        world
            .refused_as(
                &admin,
                UPDATE_GROUP,
                json!({ "id": world.public_group, "input": input }),
                "CONFLICT",
                None,
            )
            .await;
    }
    // Made private to the company that uses it: allowed, and audited.
    let data = world
        .app
        .data(
            UPDATE_TEMPLATE,
            json!({ "id": world.public_template,
                    "input": { "isPublic": false, "ownerCompanyId": world.other } }),
        )
        .await;
    assert_eq!(
        data["updateProgramTemplate"],
        json!({ "id": world.public_template, "isPublic": false,
                "ownerCompany": { "id": world.other.to_string() } })
    );
    let stored = world
        .app
        .db
        .count(
            "SELECT COUNT(*) FROM program_templates WHERE owner_company_id = $1 AND is_public = false",
            vec![world.other.into()],
        )
        .await;
    assert_eq!(stored, 1);
    let audited = world
        .app
        .db
        .count(
            "SELECT COUNT(*) FROM audit_log WHERE mutation = 'updateProgramTemplate'",
            vec![],
        )
        .await;
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn an_owner_must_be_a_known_company_and_only_admins_set_one() {
    let world = World::new().await;
    let admin = token(Role::Admin, None);
    for (query, input, field) in [
        (
            CREATE_TEMPLATE,
            template_input("Ghost Mentoring", Some(Uuid::new_v4())),
            "input.ownerCompanyId",
        ),
        (
            CREATE_GROUP,
            group_input("Ghost Newcomers", Some(Uuid::new_v4())),
            "input.ownerCompanyId",
        ),
    ] {
        world
            .refused_as(
                &admin,
                query,
                json!({ "input": input }),
                "NOT_FOUND",
                Some(field),
            )
            .await;
    }
    world
        .refused_as(
            &admin,
            UPDATE_GROUP,
            json!({ "id": world.private_group, "input": { "ownerCompanyId": "not-an-id" } }),
            "BAD_USER_INPUT",
            Some("input.ownerCompanyId"),
        )
        .await;
    // The owner's own admin does not write reference data, not even its own.
    world
        .refused_as(
            &token(Role::CompanyAdmin, Some(world.owner)),
            UPDATE_TEMPLATE,
            json!({ "id": world.private_template, "input": { "isPublic": true } }),
            "FORBIDDEN",
            None,
        )
        .await;
}
