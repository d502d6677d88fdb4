//! Reference data mutations through the real server: beneficiary groups (privacy rules, codes,
//! ranges), program templates (configuration shapes, semantic versions, lineages), companies,
//! deleting versus deactivating rows in use, and that only admins write any of it.

use api::auth::Role;
use serde_json::{Value, json};
use tests::TestApp;
use tests::app::token;
use uuid::Uuid;

const GROUP_FIELDS: &str = "id name description groupType countryCode region city
  ageRange { min max } genderFocus primaryLanguages languageRequirement legalStatusCategories
  eligibleProgramTypes eligibilityRules minGroupSize maxGroupSize tags partnerOrganizations
  isActive isPublic";

const TEMPLATE_FIELDS: &str = "id name version programType isActive deprecatedAt
  supersededBy { id version } defaultMinParticipants defaultMaxParticipants
  estimatedCostPerParticipant tags
  defaultConfig { ... on MentorshipConfig { sessionFormat sessionDuration matchingCriteria
    mentorRequirements { minExperience languages } }
    ... on LanguageConfig { classSizeMin classSizeMax targetLanguages } }";

fn create_group() -> String {
    format!(
        "mutation CreateGroup($input: CreateBeneficiaryGroupInput!) {{
           createBeneficiaryGroup(input: $input) {{ {GROUP_FIELDS} }} }}"
    )
}

fn update_group() -> String {
    format!(
        "mutation UpdateGroup($id: ID!, $input: UpdateBeneficiaryGroupInput!) {{
           updateBeneficiaryGroup(id: $id, input: $input) {{ {GROUP_FIELDS} }} }}"
    )
}

const DEACTIVATE_GROUP: &str = "mutation DeactivateGroup($id: ID!) {
  deactivateBeneficiaryGroup(id: $id) { id isActive } }";

const DELETE_GROUP: &str = "mutation DeleteGroup($id: ID!) {
  deleteBeneficiaryGroup(id: $id) { deletedId } }";

fn create_template() -> String {
    format!(
        "mutation CreateTemplate($input: CreateProgramTemplateInput!) {{
           createProgramTemplate(input: $input) {{ {TEMPLATE_FIELDS} }} }}"
    )
}

fn update_template() -> String {
    format!(
        "mutation UpdateTemplate($id: ID!, $input: UpdateProgramTemplateInput!) {{
           updateProgramTemplate(id: $id, input: $input) {{ {TEMPLATE_FIELDS} }} }}"
    )
}

fn create_version() -> String {
    format!(
        "mutation NewVersion($templateId: ID!, $input: CreateProgramTemplateVersionInput!) {{
           createProgramTemplateVersion(templateId: $templateId, input: $input) {{
             template {{ {TEMPLATE_FIELDS} }} superseded {{ {TEMPLATE_FIELDS} }} }} }}"
    )
}

const DEACTIVATE_TEMPLATE: &str = "mutation DeactivateTemplate($id: ID!) {
  deactivateProgramTemplate(id: $id) { id isActive } }";

const DELETE_TEMPLATE: &str = "mutation DeleteTemplate($id: ID!) {
  deleteProgramTemplate(id: $id) {
    deletedId relinkedVersions { id version deprecatedAt supersededBy { id } } } }";

const CREATE_COMPANY: &str = "mutation CreateCompany($input: CreateCompanyInput!) {
  createCompany(input: $input) { id name industry country isActive } }";

const UPDATE_COMPANY: &str = "mutation UpdateCompany($id: ID!, $input: UpdateCompanyInput!) {
  updateCompany(id: $id, input: $input) { id name industry country isActive } }";

fn group_input() -> Value {
    json!({
        "name": "Syrian Refugees in Berlin",
        "description": "Adults aged 18-35 who arrived since 2015; about 120 families in 2024.",
        "groupType": "REFUGEES",
        "countryCode": "de",
        "region": "Berlin",
        "city": "Berlin",
        "ageRange": { "min": 18, "max": 45 },
        "primaryLanguages": ["AR", "en", "ar"],
        "languageRequirement": "BEGINNER",
        "legalStatusCategories": ["REFUGEE", "ASYLUM_SEEKER"],
        "eligibleProgramTypes": ["MENTORSHIP", "LANGUAGE"],
        "eligibilityRules": { "minAge": 18, "residency": "Berlin, since 2015-01-01" },
        "minGroupSize": 5,
        "maxGroupSize": 40,
        "tags": ["refugees", "berlin"],
        "partnerOrganizations": ["Berliner Stadtmission"],
        "internalNotes": "Cohort of 2024-2025."
    })
}

fn template_input() -> Value {
    json!({
        "name": "Career Mentorship",
        "programType": "MENTORSHIP",
        "defaultConfig": {
            "sessionFormat": "1-on-1",
            "sessionDuration": 60,
            "matchingCriteria": ["industry", "language"],
            "mentorRequirements": { "minExperience": 3, "languages": ["EN", "uk"] }
        },
        "defaultMinParticipants": 5,
        "defaultMaxParticipants": 30,
        "estimatedCostPerParticipant": "149.50",
        "tags": ["career"]
    })
}

/// `base` with `key` set to `value` (`null` removes nothing: it sends an explicit null).
fn with(mut base: Value, key: &str, value: Value) -> Value {
    base[key] = value;
    base
}

fn id_of(value: &Value) -> Uuid {
    value["id"]
        .as_str()
        .expect("an id")
        .parse()
        .expect("a uuid")
}

// ---------------------------------------------------------------------------------------------
// Beneficiary groups
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_beneficiary_group_is_stored_with_normalized_codes_and_is_audited() {
    let app = TestApp::spawn().await;
    let data = app
        .data(&create_group(), json!({ "input": group_input() }))
        .await;
    let group = &data["createBeneficiaryGroup"];
    assert_eq!(group["name"], "Syrian Refugees in Berlin");
    assert_eq!(group["countryCode"], "DE");
    assert_eq!(group["primaryLanguages"], json!(["ar", "en"]));
    assert_eq!(group["ageRange"], json!({ "min": 18, "max": 45 }));
    assert_eq!(group["genderFocus"], "ALL");
    assert_eq!(group["languageRequirement"], "BEGINNER");
    assert_eq!(
        group["legalStatusCategories"],
        json!(["REFUGEE", "ASYLUM_SEEKER"])
    );
    assert_eq!(
        group["eligibleProgramTypes"],
        json!(["MENTORSHIP", "LANGUAGE"])
    );
    assert_eq!(group["eligibilityRules"]["minAge"], 18);
    assert_eq!(
        group["partnerOrganizations"],
        json!(["Berliner Stadtmission"])
    );
    assert_eq!(
        (group["isActive"].as_bool(), group["isPublic"].as_bool()),
        (Some(true), Some(true))
    );
    let id = id_of(group);

    let stored = app
        .db
        .count(
            "SELECT COUNT(*) FROM beneficiary_groups WHERE id = $1 AND name = $2 \
         AND country_code = 'DE' AND region = 'Berlin' AND min_group_size = 5 \
         AND max_group_size = 40 AND group_type = 'refugees' AND gender_focus = 'all' \
         AND internal_notes = 'Cohort of 2024-2025.'",
            vec![id.into(), "Syrian Refugees in Berlin".into()],
        )
        .await;
    assert_eq!(stored, 1);
    let read = app
        .data(
            "query Group($id: ID!) { beneficiaryGroup(id: $id) { ageRange { min max } primaryLanguages tags } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        read["beneficiaryGroup"],
        json!({ "ageRange": { "min": 18, "max": 45 }, "primaryLanguages": ["ar", "en"],
                "tags": ["refugees", "berlin"] })
    );
    let audited = app.db.count("SELECT COUNT(*) FROM audit_log WHERE mutation = 'createBeneficiaryGroup' AND role = 'admin'",
        vec![],
    )
    .await;
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn a_group_with_bad_codes_ranges_or_contact_details_is_refused_at_the_field() {
    let app = TestApp::spawn().await;
    let query = create_group();
    let base = group_input();
    let cases = [
        (
            with(base.clone(), "ageRange", json!({ "min": -1, "max": 30 })),
            "input.ageRange.min",
        ),
        (
            with(base.clone(), "ageRange", json!({ "min": 18, "max": 121 })),
            "input.ageRange.max",
        ),
        (
            with(base.clone(), "ageRange", json!({ "min": 40, "max": 18 })),
            "input.ageRange.min",
        ),
        (
            with(base.clone(), "countryCode", json!("XX")),
            "input.countryCode",
        ),
        (
            with(base.clone(), "countryCode", json!("UK")),
            "input.countryCode",
        ),
        (
            with(base.clone(), "countryCode", json!("DEU")),
            "input.countryCode",
        ),
        (
            with(base.clone(), "primaryLanguages", json!(["ar", "xx"])),
            "input.primaryLanguages[1]",
        ),
        (
            with(base.clone(), "primaryLanguages", json!(["ara"])),
            "input.primaryLanguages[0]",
        ),
        (
            with(base.clone(), "minGroupSize", json!(-1)),
            "input.minGroupSize",
        ),
        (
            with(base.clone(), "minGroupSize", json!(50)),
            "input.minGroupSize",
        ),
        (
            with(base.clone(), "eligibleProgramTypes", json!([])),
            "input.eligibleProgramTypes",
        ),
        (with(base.clone(), "name", json!("  ")), "input.name"),
        (
            with(
                base.clone(),
                "description",
                json!("Contact maria.k@helpers-berlin.de"),
            ),
            "input.description",
        ),
        (
            with(
                base.clone(),
                "internalNotes",
                json!("Coordinator: +49 30 1234567"),
            ),
            "input.internalNotes",
        ),
        (
            with(
                base.clone(),
                "tags",
                json!(["refugees", "call (030) 123-4567"]),
            ),
            "input.tags[1]",
        ),
        (
            with(base.clone(), "name", json!("Group 0301234567")),
            "input.name",
        ),
        (
            with(base.clone(), "city", json!("Berlin 030/1234567")),
            "input.city",
        ),
        (
            with(
                base.clone(),
                "partnerOrganizations",
                json!(["info@stadtmission.de"]),
            ),
            "input.partnerOrganizations[0]",
        ),
        (
            with(
                base.clone(),
                "eligibilityRules",
                json!({ "contact": { "lead": "a.b@c.org" } }),
            ),
            "input.eligibilityRules.contact.lead",
        ),
        (
            with(base.clone(), "eligibilityRules", json!([1, 2])),
            "input.eligibilityRules",
        ),
    ];
    for (input, field) in cases {
        app.refused(
            &query,
            json!({ "input": input }),
            "BAD_USER_INPUT",
            Some(field),
        )
        .await;
    }
    // Enum values only: GraphQL itself refuses a value outside the enum.
    app.refused(
        &query,
        json!({ "input": with(base.clone(), "groupType", json!("TOURISTS")) }),
        "BAD_USER_INPUT",
        None,
    )
    .await;
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM beneficiary_groups", vec![])
            .await,
        0
    );
}

#[tokio::test]
async fn an_update_changes_only_what_it_names_and_is_checked_against_the_stored_row() {
    let app = TestApp::spawn().await;
    let created = app
        .data(&create_group(), json!({ "input": group_input() }))
        .await;
    let id = id_of(&created["createBeneficiaryGroup"]);
    let query = update_group();

    // The stored minimum is 5: a maximum of 3 contradicts it.
    app.refused(
        &query,
        json!({ "id": id, "input": { "maxGroupSize": 3 } }),
        "BAD_USER_INPUT",
        Some("input.maxGroupSize"),
    )
    .await;
    app.refused(
        &query,
        json!({ "id": id, "input": { "region": "Mitte, phone 030 1234567" } }),
        "BAD_USER_INPUT",
        Some("input.region"),
    )
    .await;
    app.refused(
        &query,
        json!({ "id": id, "input": { "ageRange": { "min": 30, "max": 20 } } }),
        "BAD_USER_INPUT",
        Some("input.ageRange.min"),
    )
    .await;
    app.refused(
        &query,
        json!({ "id": "nope", "input": { "name": "x" } }),
        "BAD_USER_INPUT",
        Some("id"),
    )
    .await;
    app.refused(
        &query,
        json!({ "id": Uuid::new_v4(), "input": { "name": "x" } }),
        "NOT_FOUND",
        None,
    )
    .await;

    let data = app
        .data(
            &query,
            json!({ "id": id, "input": {
                "countryCode": "at", "city": "Wien", "description": null, "ageRange": null,
                "minGroupSize": null, "maxGroupSize": 3, "primaryLanguages": ["de"]
            } }),
        )
        .await;
    let group = &data["updateBeneficiaryGroup"];
    assert_eq!(group["countryCode"], "AT");
    assert_eq!(group["city"], "Wien");
    assert_eq!(group["region"], "Berlin", "left out, so unchanged");
    assert!(group["description"].is_null() && group["ageRange"].is_null());
    assert_eq!(
        (group["minGroupSize"].clone(), group["maxGroupSize"].clone()),
        (Value::Null, json!(3))
    );
    assert_eq!(group["primaryLanguages"], json!(["de"]));
    assert_eq!(group["name"], "Syrian Refugees in Berlin");
    let stored = app
        .db
        .count(
            "SELECT COUNT(*) FROM beneficiary_groups WHERE id = $1 AND country_code = 'AT' \
         AND city = 'Wien' AND description IS NULL AND age_range IS NULL \
         AND min_group_size IS NULL AND max_group_size = 3",
            vec![id.into()],
        )
        .await;
    assert_eq!(stored, 1);
}

#[tokio::test]
async fn a_group_in_use_can_be_deactivated_but_not_deleted_and_an_unused_one_can_be_deleted() {
    let app = TestApp::spawn().await;
    let (_, _, group, _) = app.db.insert_campaign_graph().await;
    let message = app
        .refused(DELETE_GROUP, json!({ "id": group }), "CONFLICT", None)
        .await;
    assert!(
        message.contains("deactivate") && message.contains("1 campaign"),
        "{message}"
    );

    let data = app.data(DEACTIVATE_GROUP, json!({ "id": group })).await;
    assert_eq!(data["deactivateBeneficiaryGroup"]["isActive"], false);
    let inactive = app
        .db
        .count(
            "SELECT COUNT(*) FROM beneficiary_groups WHERE id = $1 AND is_active = $2",
            vec![group.into(), false.into()],
        )
        .await;
    assert_eq!(inactive, 1);

    let unused = app
        .data(&create_group(), json!({ "input": group_input() }))
        .await;
    let unused = id_of(&unused["createBeneficiaryGroup"]);
    let data = app.data(DELETE_GROUP, json!({ "id": unused })).await;
    assert_eq!(
        data["deleteBeneficiaryGroup"]["deletedId"],
        unused.to_string()
    );
    let left = app
        .db
        .count(
            "SELECT COUNT(*) FROM beneficiary_groups WHERE id = $1",
            vec![unused.into()],
        )
        .await;
    assert_eq!(left, 0);
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM beneficiary_groups", vec![])
            .await,
        1
    );
    app.refused(DELETE_GROUP, json!({ "id": unused }), "NOT_FOUND", None)
        .await;
}

// ---------------------------------------------------------------------------------------------
// Program templates
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_template_is_created_with_a_configuration_of_its_program_type() {
    let app = TestApp::spawn().await;
    let data = app
        .data(&create_template(), json!({ "input": template_input() }))
        .await;
    let template = &data["createProgramTemplate"];
    assert_eq!(template["version"], "1.0.0");
    assert_eq!(template["programType"], "MENTORSHIP");
    assert_eq!(template["defaultConfig"]["sessionFormat"], "1-on-1");
    assert_eq!(template["defaultConfig"]["sessionDuration"], 60);
    assert_eq!(
        template["defaultConfig"]["mentorRequirements"],
        json!({ "minExperience": 3, "languages": ["en", "uk"] })
    );
    assert_eq!(template["estimatedCostPerParticipant"], "149.50");
    assert!(template["deprecatedAt"].is_null() && template["supersededBy"].is_null());
    let id = id_of(template);
    let stored = app
        .db
        .count(
            "SELECT COUNT(*) FROM program_templates WHERE id = $1 AND version = '1.0.0' \
         AND program_type = 'mentorship' AND default_min_participants = 5 \
         AND default_max_participants = 30 \
         AND CAST(estimated_cost_per_participant AS REAL) = 149.5",
            vec![id.into()],
        )
        .await;
    assert_eq!(stored, 1);

    let language = json!({
        "name": "German A1-B1",
        "programType": "LANGUAGE",
        "version": "0.9.0-beta.1",
        "defaultConfig": { "classSizeMin": 4, "classSizeMax": 12, "targetLanguages": ["DE"] }
    });
    let data = app
        .data(&create_template(), json!({ "input": language }))
        .await;
    let template = &data["createProgramTemplate"];
    assert_eq!(template["version"], "0.9.0-beta.1");
    assert_eq!(template["defaultConfig"]["targetLanguages"], json!(["de"]));
    assert_eq!(template["defaultConfig"]["classSizeMax"], 12);
}

#[tokio::test]
async fn a_template_with_a_bad_version_configuration_or_name_is_refused() {
    let app = TestApp::spawn().await;
    let query = create_template();
    let base = template_input();
    let config = |value: Value| with(base.clone(), "defaultConfig", value);
    let cases = [
        (with(base.clone(), "version", json!("1.0")), "input.version"),
        (with(base.clone(), "version", json!("v2")), "input.version"),
        (
            config(json!({ "shoeSize": 42 })),
            "input.defaultConfig.shoeSize",
        ),
        (
            config(json!({ "sessionFormat": "1:1" })),
            "input.defaultConfig.sessionFormat",
        ),
        (
            config(json!({ "sessionDuration": "an hour" })),
            "input.defaultConfig.sessionDuration",
        ),
        (
            config(json!({ "sessionDuration": 5 })),
            "input.defaultConfig.sessionDuration",
        ),
        (
            config(json!({ "matchingCriteria": "industry" })),
            "input.defaultConfig.matchingCriteria",
        ),
        (
            config(json!({ "mentorRequirements": { "languages": ["english"] } })),
            "input.defaultConfig.mentorRequirements.languages[0]",
        ),
        // A language program's key is not a mentorship key.
        (
            config(json!({ "classSizeMin": 4 })),
            "input.defaultConfig.classSizeMin",
        ),
        (config(json!("1-on-1")), "input.defaultConfig"),
        (
            with(
                with(base.clone(), "programType", json!("LANGUAGE")),
                "defaultConfig",
                json!({ "classSizeMin": 12, "classSizeMax": 4 }),
            ),
            "input.defaultConfig.classSizeMin",
        ),
        (
            with(base.clone(), "defaultMinParticipants", json!(40)),
            "input.defaultMinParticipants",
        ),
        (
            with(base.clone(), "defaultMinParticipants", json!(0)),
            "input.defaultMinParticipants",
        ),
        (
            with(base.clone(), "estimatedCostPerParticipant", json!("-1")),
            "input.estimatedCostPerParticipant",
        ),
        (
            with(base.clone(), "estimatedCostPerParticipant", json!("1.005")),
            "input.estimatedCostPerParticipant",
        ),
        (
            with(base.clone(), "tags", json!(["ok", " "])),
            "input.tags[1]",
        ),
    ];
    for (input, field) in cases {
        app.refused(
            &query,
            json!({ "input": input }),
            "BAD_USER_INPUT",
            Some(field),
        )
        .await;
    }

    app.data(&query, json!({ "input": base.clone() })).await;
    let message = app
        .refused(
            &query,
            json!({ "input": with(base.clone(), "name", json!("career MENTORSHIP")) }),
            "CONFLICT",
            Some("input.name"),
        )
        .await;
    assert!(
        message.contains("createProgramTemplateVersion"),
        "{message}"
    );
}

#[tokio::test]
async fn a_new_version_must_be_above_the_latest_of_its_lineage_and_supersedes_it() {
    let app = TestApp::spawn().await;
    let first = app
        .data(&create_template(), json!({ "input": template_input() }))
        .await;
    let first = id_of(&first["createProgramTemplate"]);
    let query = create_version();

    let data = app
        .data(
            &query,
            json!({ "templateId": first, "input": { "version": "1.1.0", "defaultMaxParticipants": 40 } }),
        )
        .await;
    let payload = &data["createProgramTemplateVersion"];
    let second = id_of(&payload["template"]);
    assert_eq!(payload["template"]["version"], "1.1.0");
    assert_eq!(payload["template"]["name"], "Career Mentorship");
    assert_eq!(payload["template"]["defaultMaxParticipants"], 40);
    assert_eq!(
        payload["template"]["defaultMinParticipants"], 5,
        "copied from 1.0.0"
    );
    assert_eq!(
        payload["template"]["defaultConfig"]["sessionDuration"], 60,
        "copied"
    );
    assert!(payload["template"]["supersededBy"].is_null());
    assert_eq!(payload["superseded"]["id"], first.to_string());
    assert_eq!(
        payload["superseded"]["supersededBy"]["id"],
        second.to_string()
    );
    assert!(payload["superseded"]["deprecatedAt"].is_string());
    let linked = app
        .db
        .count(
            "SELECT COUNT(*) FROM program_templates WHERE id = $1 AND superseded_by = $2 \
         AND deprecated_at IS NOT NULL",
            vec![first.into(), second.into()],
        )
        .await;
    assert_eq!(linked, 1);

    // Named through any version of the lineage, the latest (1.1.0) is what counts.
    for version in ["1.0.5", "1.1.0", "1.1.0+build.7", "0.1.0"] {
        let message = app
            .refused(
                &query,
                json!({ "templateId": first, "input": { "version": version } }),
                "CONFLICT",
                Some("input.version"),
            )
            .await;
        assert!(message.contains("1.1.0"), "{message}");
    }
    app.refused(
        &query,
        json!({ "templateId": second, "input": { "version": "1.2" } }),
        "BAD_USER_INPUT",
        Some("input.version"),
    )
    .await;
    app.refused(
        &query,
        json!({ "templateId": second, "input": { "version": "1.2.0",
                "defaultConfig": { "sessionFrequency": "daily" } } }),
        "BAD_USER_INPUT",
        Some("input.defaultConfig.sessionFrequency"),
    )
    .await;
    app.refused(&query,
        json!({ "templateId": second, "input": { "version": "1.2.0", "defaultMinParticipants": 41 } }),
        "BAD_USER_INPUT",
        Some("input.defaultMinParticipants"),
    )
    .await;
    app.refused(
        &query,
        json!({ "templateId": Uuid::new_v4(), "input": { "version": "9.0.0" } }),
        "NOT_FOUND",
        None,
    )
    .await;

    // A pre-release of 2.0.0 is above 1.1.0, and 2.0.0 above its pre-release.
    let data = app
        .data(
            &query,
            json!({ "templateId": first, "input": { "version": "2.0.0-rc.1",
                    "defaultConfig": { "sessionFormat": "group" } } }),
        )
        .await;
    let candidate = &data["createProgramTemplateVersion"];
    assert_eq!(candidate["superseded"]["id"], second.to_string());
    assert_eq!(
        candidate["template"]["defaultConfig"]["sessionFormat"],
        "group"
    );
    assert!(
        candidate["template"]["defaultConfig"]["sessionDuration"].is_null(),
        "replaced"
    );
    let data = app
        .data(
            &query,
            json!({ "templateId": first, "input": { "version": "2.0.0" } }),
        )
        .await;
    assert_eq!(
        data["createProgramTemplateVersion"]["template"]["version"],
        "2.0.0"
    );
    let latest = app
        .db
        .count(
            "SELECT COUNT(*) FROM program_templates WHERE superseded_by IS NULL",
            vec![],
        )
        .await;
    assert_eq!(latest, 1);
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM program_templates", vec![])
            .await,
        4
    );
}

#[tokio::test]
async fn an_update_keeps_the_version_and_checks_config_and_name() {
    let app = TestApp::spawn().await;
    let created = app
        .data(&create_template(), json!({ "input": template_input() }))
        .await;
    let id = id_of(&created["createProgramTemplate"]);
    let other = with(
        with(template_input(), "name", json!("Buddy Basics")),
        "programType",
        json!("BUDDY"),
    );
    app.data(
        &create_template(),
        json!({ "input": with(other, "defaultConfig", json!({ "matchMethod": "random" })) }),
    )
    .await;
    let query = update_template();

    app.refused(
        &query,
        json!({ "id": id, "input": { "name": "buddy basics" } }),
        "CONFLICT",
        Some("input.name"),
    )
    .await;
    app.refused(
        &query,
        json!({ "id": id, "input": { "defaultConfig": { "matchMethod": "random" } } }),
        "BAD_USER_INPUT",
        Some("input.defaultConfig.matchMethod"),
    )
    .await;
    app.refused(
        &query,
        json!({ "id": id, "input": { "defaultMaxParticipants": 4 } }),
        "BAD_USER_INPUT",
        Some("input.defaultMaxParticipants"),
    )
    .await;

    let data = app
        .data(
            &query,
            json!({ "id": id, "input": {
                "name": "Career Mentorship Plus",
                "defaultConfig": { "sessionFormat": "hybrid", "sessionDuration": 90 },
                "estimatedCostPerParticipant": null, "tags": ["career", "plus"]
            } }),
        )
        .await;
    let template = &data["updateProgramTemplate"];
    assert_eq!(template["name"], "Career Mentorship Plus");
    assert_eq!(template["version"], "1.0.0");
    assert_eq!(template["defaultConfig"]["sessionDuration"], 90);
    assert!(template["estimatedCostPerParticipant"].is_null());
    assert_eq!(template["tags"], json!(["career", "plus"]));
    let stored = app.db.count("SELECT COUNT(*) FROM program_templates WHERE id = $1 AND name = 'Career Mentorship Plus' \
         AND version = '1.0.0' AND estimated_cost_per_participant IS NULL \
         AND default_min_participants = 5",
        vec![id.into()],
    )
    .await;
    assert_eq!(stored, 1);
}

#[tokio::test]
async fn a_template_in_use_is_deactivated_not_deleted_and_deleting_a_version_relinks_the_lineage() {
    let app = TestApp::spawn().await;
    let (_, used, _, _) = app.db.insert_campaign_graph().await;
    let message = app
        .refused(DELETE_TEMPLATE, json!({ "id": used }), "CONFLICT", None)
        .await;
    assert!(message.contains("deactivate"), "{message}");
    let data = app.data(DEACTIVATE_TEMPLATE, json!({ "id": used })).await;
    assert_eq!(data["deactivateProgramTemplate"]["isActive"], false);
    let inactive = app
        .db
        .count(
            "SELECT COUNT(*) FROM program_templates WHERE id = $1 AND is_active = $2",
            vec![used.into(), false.into()],
        )
        .await;
    assert_eq!(inactive, 1);

    // 1.0.0 → 1.1.0 → 2.0.0, none used by a campaign.
    let first = app
        .data(&create_template(), json!({ "input": template_input() }))
        .await;
    let first = id_of(&first["createProgramTemplate"]);
    let mut versions = vec![first];
    for version in ["1.1.0", "2.0.0"] {
        let data = app
            .data(
                &create_version(),
                json!({ "templateId": first, "input": { "version": version } }),
            )
            .await;
        versions.push(id_of(&data["createProgramTemplateVersion"]["template"]));
    }
    let (middle, last) = (versions[1], versions[2]);

    let data = app.data(DELETE_TEMPLATE, json!({ "id": middle })).await;
    let payload = &data["deleteProgramTemplate"];
    assert_eq!(payload["deletedId"], middle.to_string());
    assert_eq!(payload["relinkedVersions"][0]["id"], first.to_string());
    assert_eq!(
        payload["relinkedVersions"][0]["supersededBy"]["id"],
        last.to_string()
    );
    let relinked = app
        .db
        .count(
            "SELECT COUNT(*) FROM program_templates WHERE id = $1 AND superseded_by = $2",
            vec![first.into(), last.into()],
        )
        .await;
    assert_eq!(relinked, 1);

    let data = app.data(DELETE_TEMPLATE, json!({ "id": last })).await;
    let restored = &data["deleteProgramTemplate"]["relinkedVersions"][0];
    assert_eq!(restored["id"], first.to_string());
    assert!(restored["supersededBy"].is_null() && restored["deprecatedAt"].is_null());
    let latest_again = app
        .db
        .count(
            "SELECT COUNT(*) FROM program_templates WHERE id = $1 AND superseded_by IS NULL \
         AND deprecated_at IS NULL",
            vec![first.into()],
        )
        .await;
    assert_eq!(latest_again, 1);
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM program_templates", vec![])
            .await,
        2
    );
    // The lineage is 1.0.0 alone again: 1.1.0 is free to take.
    let data = app
        .data(
            &create_version(),
            json!({ "templateId": first, "input": { "version": "1.1.0" } }),
        )
        .await;
    assert_eq!(
        data["createProgramTemplateVersion"]["superseded"]["id"],
        first.to_string()
    );
}

// ---------------------------------------------------------------------------------------------
// Companies
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn companies_are_created_and_renamed_with_unique_names() {
    let app = TestApp::spawn().await;
    let data = app
        .data(
            CREATE_COMPANY,
            json!({ "input": { "name": " Acme Logistics ", "industry": "Logistics", "country": "Germany" } }),
        )
        .await;
    let company = &data["createCompany"];
    assert_eq!(company["name"], "Acme Logistics");
    assert_eq!(company["isActive"], true);
    let id = id_of(company);
    let stored = app
        .db
        .count(
            "SELECT COUNT(*) FROM companies WHERE id = $1 AND name = 'Acme Logistics' \
         AND industry = 'Logistics' AND country = 'Germany'",
            vec![id.into()],
        )
        .await;
    assert_eq!(stored, 1);
    app.db.insert_company("Globex").await;

    app.refused(
        CREATE_COMPANY,
        json!({ "input": { "name": "ACME logistics" } }),
        "CONFLICT",
        Some("input.name"),
    )
    .await;
    app.refused(
        CREATE_COMPANY,
        json!({ "input": { "name": "" } }),
        "BAD_USER_INPUT",
        Some("input.name"),
    )
    .await;
    app.refused(
        UPDATE_COMPANY,
        json!({ "id": id, "input": { "name": "globex" } }),
        "CONFLICT",
        Some("input.name"),
    )
    .await;
    app.refused(
        UPDATE_COMPANY,
        json!({ "id": id, "input": { "industry": "x".repeat(101) } }),
        "BAD_USER_INPUT",
        Some("input.industry"),
    )
    .await;

    let data = app
        .data(
            UPDATE_COMPANY,
            json!({ "id": id, "input": { "name": "Acme Group", "industry": null, "isActive": false } }),
        )
        .await;
    let company = &data["updateCompany"];
    assert_eq!(company["name"], "Acme Group");
    assert!(company["industry"].is_null());
    assert_eq!(company["country"], "Germany");
    assert_eq!(company["isActive"], false);
    let stored = app
        .db
        .count(
            "SELECT COUNT(*) FROM companies WHERE id = $1 AND name = 'Acme Group' \
         AND industry IS NULL AND is_active = $2",
            vec![id.into(), false.into()],
        )
        .await;
    assert_eq!(stored, 1);
}

// ---------------------------------------------------------------------------------------------
// Who may write
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn only_admins_write_reference_data() {
    let app = TestApp::spawn().await;
    let (company, template, group, _) = app.db.insert_campaign_graph().await;
    let attempts = [
        (create_group(), json!({ "input": group_input() })),
        (
            update_group(),
            json!({ "id": group, "input": { "name": "Renamed" } }),
        ),
        (DEACTIVATE_GROUP.to_owned(), json!({ "id": group })),
        (DELETE_GROUP.to_owned(), json!({ "id": group })),
        (create_template(), json!({ "input": template_input() })),
        (
            update_template(),
            json!({ "id": template, "input": { "tags": ["x"] } }),
        ),
        (
            create_version(),
            json!({ "templateId": template, "input": { "version": "2.0.0" } }),
        ),
        (DEACTIVATE_TEMPLATE.to_owned(), json!({ "id": template })),
        (DELETE_TEMPLATE.to_owned(), json!({ "id": template })),
        (
            CREATE_COMPANY.to_owned(),
            json!({ "input": { "name": "Initech" } }),
        ),
        (
            UPDATE_COMPANY.to_owned(),
            json!({ "id": company, "input": { "name": "Acme 2" } }),
        ),
    ];
    let before = app.db.contents().await;
    for role in [
        Role::CompanyAdmin,
        Role::CompanyViewer,
        Role::Ingestion,
        Role::ProgramStaff,
        Role::CommunityModerator,
    ] {
        let caller = token(role, role.is_company_role().then_some(company));
        for (query, variables) in &attempts {
            let (_, body) = app
                .graphql_as(Some(&caller), query, variables.clone())
                .await;
            assert_eq!(
                body["errors"][0]["extensions"]["code"], "FORBIDDEN",
                "{role:?} {query}: {body}"
            );
        }
    }
    assert_eq!(app.db.contents().await, before);

    let admin = token(Role::Admin, None);
    for (query, variables) in attempts.iter().take(3) {
        let (_, body) = app.graphql_as(Some(&admin), query, variables.clone()).await;
        assert!(body.get("errors").is_none(), "{query}: {body}");
    }
    let (_, body) = app
        .graphql_as(Some(&admin), UPDATE_COMPANY, attempts[10].1.clone())
        .await;
    assert_eq!(body["data"]["updateCompany"]["name"], "Acme 2", "{body}");
}
