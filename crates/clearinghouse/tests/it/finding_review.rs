//! The validation workflow over HTTP, on both backends: who may move a
//! finding where (403 for the wrong person, 409 for the wrong state, 422
//! for a missing reason or code), the CHX vulnerability a validation makes
//! (grouped with the CVE the reporter named, matched against SBOMs,
//! numbered uniquely under concurrency), near-duplicate decisions, shared
//! credit, and reporter quality counts.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::both_backends;
use crate::exposure::{CVE, GHSA, asset, cyclonedx, import, operator, osv_paramiko, upload};
use crate::harness::TestApp;

const TARGET: &str = "pkg:pypi/paramiko@2.4.0";

/// The people of a review: a reporting lab (A) with a member and its own
/// validator, an independent lab (B) with two validators, a coordinator.
struct Cast {
    org_a: String,
    org_b: String,
    reporter: String,
    reporter_b: String,
    validator_a: String,
    validator_b: String,
    validator_b_id: String,
    validator_b2: String,
    coordinator: String,
}

async fn cast(app: &TestApp) -> Cast {
    let org_a = app.org("Lab A", "researcher").await;
    let org_b = app.org("Lab B", "researcher").await;
    let gov = app.org("Coordination Centre", "government_agency").await;
    let (_, reporter) = app.user(&org_a, "reporter-a", &["member"]).await;
    let (_, reporter_b) = app.user(&org_b, "reporter-b", &["member"]).await;
    let (_, validator_a) = app.user(&org_a, "validator-a", &["validator"]).await;
    let (validator_b_id, validator_b) = app.user(&org_b, "validator-b", &["validator"]).await;
    let (_, validator_b2) = app.user(&org_b, "validator-b2", &["validator"]).await;
    let (_, coordinator) = app.user(&gov, "coordinator", &["coordinator"]).await;
    Cast {
        org_a,
        org_b,
        reporter,
        reporter_b,
        validator_a,
        validator_b,
        validator_b_id,
        validator_b2,
        coordinator,
    }
}

fn finding(title: &str, aliases: &[&str]) -> Value {
    json!({"title": title, "description": format!("{title}: details"), "cwe": ["CWE-287"],
           "severity": "high", "aliases": aliases, "fingerprint": title})
}

/// Submits native findings as the token's organisation (TLP `tlp`); returns
/// the id of the finding each item created or was linked to, in order.
///
/// Until finding intake lands this writes the rows intake would write.
async fn submit(app: &TestApp, token: &str, findings: &[Value], tlp: &str) -> Vec<String> {
    let (_, me) = app.get(token, "/api/v1/me").await;
    let user = me["user"]["id"].as_str().unwrap().to_owned();
    let org = me["user"]["org_id"].as_str().unwrap().to_owned();
    let pool = &app.app.store.pool;
    let now = clearinghouse::clock::now_text();
    let sub = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO submissions (id, org_id, submitted_by, idempotency_key, sha256, size_bytes, \
         artifact_key, format, tlp, visibility_id, state, created_at, finished_at) \
         VALUES ($1, $2, $3, $1, 'x', 1, 'x', 'native', $4, 1, 'done', $5, $5)",
    )
    .bind(&sub)
    .bind(&org)
    .bind(&user)
    .bind(tlp)
    .bind(&now)
    .execute(pool)
    .await
    .unwrap();
    let (mut ids, mut new) = (Vec::new(), 0i64);
    for (i, f) in findings.iter().enumerate() {
        let fp = f["fingerprint"].as_str().unwrap().to_owned();
        let target = f["target"].as_str().unwrap_or(TARGET).to_owned();
        let (identity, version) = target.split_once('@').unwrap();
        let existing: Option<String> =
            sqlx::query_scalar("SELECT id FROM findings WHERE fingerprint = $1")
                .bind(&fp)
                .fetch_optional(pool)
                .await
                .unwrap();
        let now = clearinghouse::clock::now_text();
        let id = match existing {
            Some(id) => id,
            None => {
                let id = uuid::Uuid::now_v7().to_string();
                sqlx::query(
                    "INSERT INTO findings (id, fingerprint, target_kind, target_identity, target, title, \
                     description, cwes, cvss_vector, aliases, reporter_org, reported_by, submission_id, position, \
                     tlp, visibility_id, state, created_at, updated_at) VALUES ($1, $2, 'package', $3, $4, $5, \
                     $6, $7, $8, $9, $10, $11, $12, $13, $14, 1, 'received', $15, $15)",
                )
                .bind(&id)
                .bind(&fp)
                .bind(identity)
                .bind(&target)
                .bind(f["title"].as_str().unwrap())
                .bind(f["description"].as_str().unwrap_or(""))
                .bind(f["cwe"].to_string())
                .bind(f["cvss"].as_str())
                .bind(f["aliases"].to_string())
                .bind(&org)
                .bind(&user)
                .bind(&sub)
                .bind(format!("findings[{i}]"))
                .bind(tlp)
                .bind(&now)
                .execute(pool)
                .await
                .unwrap();
                new += 1;
                id
            }
        };
        sqlx::query(
            "INSERT INTO finding_sightings (finding_id, org_id, version, submission_id, seen_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (finding_id, org_id, version) DO NOTHING",
        )
        .bind(&id)
        .bind(&org)
        .bind(version)
        .bind(&sub)
        .bind(&now)
        .execute(pool)
        .await
        .unwrap();
        ids.push(id);
    }
    let n = findings.len() as i64;
    sqlx::query(
        "UPDATE submissions SET items = $1, new_findings = $2, duplicates = $3 WHERE id = $4",
    )
    .bind(n)
    .bind(new)
    .bind(n - new)
    .bind(&sub)
    .execute(pool)
    .await
    .unwrap();
    ids
}

/// The finding's workflow history as `GET /findings/{id}` lists it.
async fn events(app: &TestApp, id: &str) -> Vec<(String, String, String)> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT from_state, to_state, reason FROM finding_events WHERE finding_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&app.app.store.pool)
    .await
    .unwrap();
    rows
}

async fn decide(app: &TestApp, token: &str, id: &str, body: Value) -> (u16, Value) {
    app.post(token, &format!("/api/v1/findings/{id}/review"), &body)
        .await
}

/// Makes `decide` succeed, returning the finding.
async fn ok(app: &TestApp, token: &str, id: &str, body: Value) -> Value {
    let (s, v) = decide(app, token, id, body.clone()).await;
    assert_eq!(s, 200, "{body}: {v}");
    v
}

/// Triage, then validator B takes the finding.
async fn to_validating(app: &TestApp, c: &Cast, id: &str) {
    ok(
        app,
        &c.coordinator,
        id,
        json!({"action": "triage", "reason": "plausible"}),
    )
    .await;
    ok(
        app,
        &c.validator_b,
        id,
        json!({"action": "start_validation", "reason": "reproducing"}),
    )
    .await;
}

fn is_chx(id: &str) -> bool {
    let parts: Vec<&str> = id.split('-').collect();
    parts.len() == 3
        && parts[0] == "CHX"
        && parts[1].len() == 4
        && parts[2].len() == 5
        && parts[1..]
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

async fn audit_actions(app: &TestApp, object_id: &str) -> Vec<String> {
    let (_, cp) = app.get(&app.admin_token, "/api/v1/audit/checkpoint").await;
    let n = cp["tree_size"].as_u64().unwrap();
    let (s, v) = app
        .get(
            &app.admin_token,
            &format!("/api/v1/audit/entries?start=0&end={n}"),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| serde_json::from_str::<Value>(e["entry"].as_str().unwrap()).unwrap())
        .filter(|e| e["object"]["id"] == object_id)
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

async fn happy_path_needs_an_independent_validator(app: TestApp) {
    let c = cast(&app).await;
    let (s, v) = import(
        &app,
        &app.admin_token,
        "ghsa.json",
        serde_json::to_vec(&osv_paramiko()).unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let id = submit(
        &app,
        &c.reporter,
        &[finding("Auth bypass in paramiko", &[CVE])],
        "CLEAR",
    )
    .await[0]
        .clone();

    // Wrong state, missing reason, agents, reporters' own validators.
    let (s, v) = decide(
        &app,
        &c.validator_b,
        &id,
        json!({"action": "start_validation", "reason": "x"}),
    )
    .await;
    assert_eq!(s, 409, "not triaged yet: {v}");
    let (s, v) = decide(&app, &c.coordinator, &id, json!({"action": "triage"})).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("reason")), "{v}");
    let (s, v) = decide(
        &app,
        &c.coordinator,
        &id,
        json!({"action": "triage", "reason": "  "}),
    )
    .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("reason")), "{v}");
    let (s, agent) = app
        .post(
            &c.coordinator,
            "/api/v1/tokens",
            &json!({"name": "bot", "kind": "agent",
            "scopes": ["findings:read", "findings:write"], "expires_in_days": 1}),
        )
        .await;
    assert_eq!(s, 201, "{agent}");
    let agent = agent["token"].as_str().unwrap();
    let (s, v) = decide(
        &app,
        agent,
        &id,
        json!({"action": "triage", "reason": "bot says so"}),
    )
    .await;
    assert_eq!(s, 403, "agents cannot decide: {v}");
    let (s, v) = decide(
        &app,
        &c.reporter,
        &id,
        json!({"action": "triage", "reason": "mine"}),
    )
    .await;
    assert_eq!(s, 403, "a member is no coordinator: {v}");

    let f = ok(
        &app,
        &c.coordinator,
        &id,
        json!({"action": "triage", "reason": "plausible"}),
    )
    .await;
    assert_eq!(f["state"], "triaged");
    let (s, v) = decide(
        &app,
        &c.validator_a,
        &id,
        json!({"action": "start_validation", "reason": "mine"}),
    )
    .await;
    assert_eq!(
        s, 403,
        "the reporter's own organisation may not validate: {v}"
    );
    let f = ok(
        &app,
        &c.validator_b,
        &id,
        json!({"action": "start_validation", "reason": "reproducing"}),
    )
    .await;
    assert_eq!(
        (f["state"].as_str(), f["validator_id"].as_str()),
        (Some("validating"), Some(c.validator_b_id.as_str()))
    );
    let (s, v) = decide(
        &app,
        &c.validator_b2,
        &id,
        json!({"action": "validate", "reason": "me too"}),
    )
    .await;
    assert_eq!(s, 403, "only the validator who took it: {v}");
    let (s, v) = decide(
        &app,
        &c.validator_b2,
        &id,
        json!({"action": "reject", "reason_code": "not_reproducible", "reason": "no crash"}),
    )
    .await;
    assert_eq!(s, 403, "{v}");
    let (s, v) = decide(
        &app,
        &c.coordinator,
        &id,
        json!({"action": "reject", "reason_code": "not_reproducible", "reason": "no crash"}),
    )
    .await;
    assert_eq!(s, 403, "not reproducible is the validator's call: {v}");

    let f = ok(
        &app,
        &c.validator_b,
        &id,
        json!({"action": "validate", "reason": "reproduced on 2.4.0"}),
    )
    .await;
    assert_eq!(f["state"], "validated");
    let chx = f["vulnerability_id"].as_str().unwrap().to_owned();
    assert!(is_chx(&chx), "{chx}");
    let (s, v) = decide(
        &app,
        &c.validator_b,
        &id,
        json!({"action": "validate", "reason": "again"}),
    )
    .await;
    assert_eq!(s, 409, "validated is final: {v}");

    let history: Vec<(String, String)> = events(&app, &id)
        .await
        .into_iter()
        .map(|(a, b, _)| (a, b))
        .collect();
    let expected = [
        ("received", "triaged"),
        ("triaged", "validating"),
        ("validating", "validated"),
    ];
    assert_eq!(history, expected.map(|(a, b)| (a.to_owned(), b.to_owned())));
    assert_eq!(audit_actions(&app, &id).await, ["finding.review"; 3]);
    assert_eq!(audit_actions(&app, &chx).await, ["advisory.import"]);

    // The CHX record joined the group of the CVE the reporter named.
    let (s, v) = app
        .get(&c.reporter, &format!("/api/v1/vulnerabilities/{chx}"))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["id"], CVE);
    let advisories: BTreeSet<&str> = v["advisories"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(advisories, BTreeSet::from([GHSA, chx.as_str()]));
    assert_eq!(v["supporting_findings"][0]["id"], id.as_str());
    assert_eq!(
        v["supporting_findings"][0]["reporter_orgs"],
        json!([c.org_a])
    );
    assert!(
        v["cwes"].as_array().unwrap().contains(&json!("CWE-287")),
        "{v}"
    );
    // Someone who may not read the finding sees the vulnerability, not the finding.
    let (s, v) = app
        .get(&c.reporter_b, &format!("/api/v1/vulnerabilities/{CVE}"))
        .await;
    assert_eq!(
        (s, v["supporting_findings"].clone()),
        (200, json!([])),
        "{v}"
    );
    let _ = c.org_b;
}
both_backends!(
    happy_path_needs_an_independent_validator,
    happy_path_needs_an_independent_validator
);

async fn chx_only_vulnerability_reaches_exposed_operators(app: TestApp) {
    let c = cast(&app).await;
    let (_, ops) = operator(&app, "County Hospital").await;
    let ehr = asset(&app, &ops, "ehr", true).await;
    let (s, v) = upload(&app, &ops, &ehr, cyclonedx(&[("paramiko", "2.4.0")])).await;
    assert_eq!(s, 200, "{v}");

    let id = submit(
        &app,
        &c.reporter,
        &[finding("Channel hijack", &[])],
        "CLEAR",
    )
    .await[0]
        .clone();
    to_validating(&app, &c, &id).await;
    let f = ok(
        &app,
        &c.validator_b,
        &id,
        json!({"action": "validate", "reason": "reproduced"}),
    )
    .await;
    let chx = f["vulnerability_id"].as_str().unwrap().to_owned();

    let (s, v) = app.get(&ops, "/api/v1/exposures").await;
    assert_eq!(s, 200, "{v}");
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{v}");
    assert_eq!(
        items[0]["vulnerability"]["id"],
        chx.as_str(),
        "a CHX-only group is named by its CHX id"
    );
    let (s, v) = app
        .get(&ops, &format!("/api/v1/vulnerabilities/{chx}"))
        .await;
    assert_eq!((s, v["embargoed"].as_bool()), (200, Some(false)), "{v}");
    let (_, v) = app.get(&ops, "/api/v1/notifications").await;
    let told: Vec<&Value> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["vuln_id"] == chx.as_str())
        .collect();
    assert_eq!(told.len(), 1, "the operator is told: {v}");

    // Not TLP:CLEAR: embargoed, so the (unvetted) operator is not told and
    // cannot read it; the reporter can.
    let id = submit(&app, &c.reporter, &[finding("Key confusion", &[])], "AMBER").await[0].clone();
    to_validating(&app, &c, &id).await;
    let f = ok(&app, &c.validator_b, &id, json!({"action": "validate", "reason": "reproduced",
        "vulnerability": {"cwes": ["CWE-347"], "affected": [{"package": "pkg:pypi/paramiko", "fixed": "2.4.2"}]}})).await;
    let chx2 = f["vulnerability_id"].as_str().unwrap().to_owned();
    assert_ne!(chx, chx2);
    let (s, _) = app
        .get(&ops, &format!("/api/v1/vulnerabilities/{chx2}"))
        .await;
    assert_eq!(s, 404);
    let (s, v) = app
        .get(&c.reporter, &format!("/api/v1/vulnerabilities/{chx2}"))
        .await;
    assert_eq!(
        (s, v["embargoed"].as_bool(), v["cwes"].clone()),
        (200, Some(true), json!(["CWE-347"])),
        "{v}"
    );
    let (_, v) = app.get(&ops, "/api/v1/exposures").await;
    assert_eq!(v["items"].as_array().unwrap().len(), 1, "{v}");

    // A third finding joins the first vulnerability.
    let id3 = submit(
        &app,
        &c.reporter,
        &[finding("Channel hijack, again", &[])],
        "CLEAR",
    )
    .await[0]
        .clone();
    to_validating(&app, &c, &id3).await;
    let (s, v) = decide(
        &app,
        &c.validator_b,
        &id3,
        json!({"action": "validate", "reason": "same",
        "vulnerability": {"attach_to": "CHX-1999-00001"}}),
    )
    .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (422, Some("vulnerability.attach_to")),
        "{v}"
    );
    let f = ok(
        &app,
        &c.validator_b,
        &id3,
        json!({"action": "validate", "reason": "same",
        "vulnerability": {"attach_to": chx}}),
    )
    .await;
    assert_eq!(f["vulnerability_id"], chx.as_str());
    let (_, v) = app
        .get(&c.reporter, &format!("/api/v1/vulnerabilities/{chx}"))
        .await;
    assert_eq!(v["supporting_findings"].as_array().unwrap().len(), 2, "{v}");
}
both_backends!(
    chx_only_vulnerability_reaches_exposed_operators,
    chx_only_vulnerability_reaches_exposed_operators
);

async fn rejections_need_their_code_and_reopen_clears_them(app: TestApp) {
    let c = cast(&app).await;
    let ids = submit(
        &app,
        &c.reporter,
        &[
            finding("One", &[]),
            finding("Two", &[]),
            finding("Three", &[]),
        ],
        "CLEAR",
    )
    .await;
    let (one, two, three) = (&ids[0], &ids[1], &ids[2]);
    let coord = &c.coordinator;
    let (s, v) = decide(
        &app,
        coord,
        one,
        json!({"action": "reject", "reason": "dup"}),
    )
    .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("reason_code")), "{v}");
    let (s, v) = decide(
        &app,
        coord,
        one,
        json!({"action": "reject", "reason_code": "boring", "reason": "x"}),
    )
    .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("reason_code")), "{v}");
    let (s, v) = decide(
        &app,
        coord,
        one,
        json!({"action": "approve", "reason": "x"}),
    )
    .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("action")), "{v}");
    let (s, v) = decide(
        &app,
        coord,
        one,
        json!({"action": "reject", "reason_code": "duplicate", "reason": "dup"}),
    )
    .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("duplicate_of")), "{v}");
    for other in [one.as_str(), "no-such-finding"] {
        let (s, v) = decide(&app, coord, one,
            json!({"action": "reject", "reason_code": "duplicate", "reason": "dup", "duplicate_of": other})).await;
        assert_eq!((s, v["field"].as_str()), (422, Some("duplicate_of")), "{v}");
    }
    let (s, v) = decide(&app, coord, one,
        json!({"action": "reject", "reason_code": "false_positive", "reason": "x", "duplicate_of": two})).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("duplicate_of")), "{v}");
    let (s, v) = decide(&app, coord, one, json!({"action": "reopen", "reason": "x"})).await;
    assert_eq!(s, 409, "only a rejected finding reopens: {v}");

    let f = ok(&app, coord, one, json!({"action": "reject", "reason_code": "duplicate", "reason": "same as two", "duplicate_of": two})).await;
    assert_eq!(
        (
            f["state"].as_str(),
            f["rejection_reason"].as_str(),
            f["duplicate_of"].as_str()
        ),
        (Some("rejected"), Some("duplicate"), Some(two.as_str()))
    );
    let f = ok(
        &app,
        coord,
        one,
        json!({"action": "reopen", "reason": "not the same after all"}),
    )
    .await;
    assert_eq!(
        (
            f["state"].as_str(),
            f["rejection_reason"].clone(),
            f["duplicate_of"].clone()
        ),
        (Some("triaged"), Value::Null, Value::Null)
    );
    let f = ok(
        &app,
        coord,
        two,
        json!({"action": "reject", "reason_code": "out_of_scope", "reason": "a test file"}),
    )
    .await;
    assert_eq!(f["rejection_reason"], "out_of_scope");
    let reasons: Vec<String> = events(&app, one).await.into_iter().map(|e| e.2).collect();
    assert_eq!(
        reasons,
        [
            format!("duplicate of {two}: same as two"),
            "not the same after all".to_owned()
        ]
    );

    // Not reproducible: the validator's call, while validating.
    let (s, v) = decide(
        &app,
        &c.validator_b,
        three,
        json!({"action": "reject", "reason_code": "not_reproducible", "reason": "x"}),
    )
    .await;
    assert_eq!(s, 409, "{v}");
    to_validating(&app, &c, three).await;
    let f = ok(&app, &c.validator_b, three,
        json!({"action": "reject", "reason_code": "not_reproducible", "reason": "no crash in 2.4.0"})).await;
    assert_eq!(f["rejection_reason"], "not_reproducible");
    // Unknown and unreadable findings are 404.
    let (s, _) = decide(
        &app,
        coord,
        "nope",
        json!({"action": "triage", "reason": "x"}),
    )
    .await;
    assert_eq!(s, 404);
    let (s, _) = decide(
        &app,
        &c.reporter_b,
        one,
        json!({"action": "triage", "reason": "x"}),
    )
    .await;
    assert_eq!(s, 404, "another organisation's member cannot read it");
}
both_backends!(
    rejections_need_their_code_and_reopen_clears_them,
    rejections_need_their_code_and_reopen_clears_them
);

async fn chx_numbers_are_unique_under_concurrency(app: TestApp) {
    let c = cast(&app).await;
    let findings: Vec<Value> = (0..6).map(|i| finding(&format!("Bug {i}"), &[])).collect();
    let ids = submit(&app, &c.reporter, &findings, "CLEAR").await;
    for id in &ids {
        to_validating(&app, &c, id).await;
    }
    let results = futures_util::future::join_all(ids.iter().map(|id| {
        decide(
            &app,
            &c.validator_b,
            id,
            json!({"action": "validate", "reason": "reproduced"}),
        )
    }))
    .await;
    let mut numbers = BTreeSet::new();
    for (s, v) in results {
        assert_eq!(s, 200, "{v}");
        let chx = v["vulnerability_id"].as_str().unwrap().to_owned();
        assert!(is_chx(&chx), "{chx}");
        numbers.insert(chx[9..].parse::<u32>().unwrap());
    }
    assert_eq!(
        numbers,
        (1..=6).collect::<BTreeSet<u32>>(),
        "distinct and dense"
    );
}
both_backends!(
    chx_numbers_are_unique_under_concurrency,
    chx_numbers_are_unique_under_concurrency
);

async fn link(app: &TestApp, a: &str, b: &str) {
    sqlx::query("INSERT INTO finding_similarities (finding_id, other_id, similarity, state) VALUES ($1, $2, 0.93, 'possible')")
        .bind(a)
        .bind(b)
        .execute(&app.app.store.pool)
        .await
        .unwrap();
}

async fn near_duplicates_are_confirmed_or_split_and_share_credit(app: TestApp) {
    let c = cast(&app).await;
    let gov = app.org("Third Lab", "researcher").await;
    let (_, reporter_c) = app.user(&gov, "reporter-c", &["member"]).await;
    let x = submit(
        &app,
        &c.reporter,
        &[finding("Auth bypass", &[]), finding("Other", &[])],
        "CLEAR",
    )
    .await;
    let y = submit(
        &app,
        &c.reporter_b,
        &[
            finding("Authentication bypass", &[]),
            finding("Unrelated", &[]),
        ],
        "CLEAR",
    )
    .await;
    // Lab C reports the same finding as Lab A's: an exact duplicate report.
    submit(&app, &reporter_c, &[finding("Auth bypass", &[])], "CLEAR").await;
    link(&app, &y[0], &x[0]).await;
    link(&app, &x[1], &y[1]).await;
    let path = |a: &str, b: &str| format!("/api/v1/findings/{a}/similar/{b}");
    let confirm = json!({"decision": "confirm", "reason": "same bug, other words"});

    let (s, _) = app
        .post(&c.coordinator, &path(&x[0], &x[1]), &confirm)
        .await;
    assert_eq!(s, 404, "no such link");
    let (s, _) = app.post(&c.reporter, &path(&x[0], &y[0]), &confirm).await;
    assert_eq!(s, 403);
    let (s, v) = app
        .post(
            &c.coordinator,
            &path(&x[0], &y[0]),
            &json!({"decision": "merge", "reason": "x"}),
        )
        .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("decision")));
    let (s, v) = app
        .post(&c.coordinator, &path(&x[0], &y[0]), &confirm)
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["state"].as_str(), v["rejected_finding"].as_str()),
        (Some("confirmed"), Some(y[0].as_str()))
    );
    let (s, _) = app
        .post(&c.coordinator, &path(&y[0], &x[0]), &confirm)
        .await;
    assert_eq!(s, 409, "already confirmed");
    let reasons: Vec<(String, String, String)> = events(&app, &y[0]).await;
    assert_eq!(
        reasons,
        [(
            "received".to_owned(),
            "rejected".to_owned(),
            format!("duplicate of {}: same bug, other words", x[0])
        )]
    );
    assert_eq!(audit_actions(&app, &y[0]).await, ["finding.review"]);

    let (s, v) = app
        .post(
            &c.coordinator,
            &path(&y[1], &x[1]),
            &json!({"decision": "split", "reason": "different bugs"}),
        )
        .await;
    assert_eq!(
        (s, v["state"].as_str(), v["rejected_finding"].clone()),
        (200, Some("split"), Value::Null),
        "{v}"
    );

    let credits = |id: String, token: String| {
        let app = &app;
        async move {
            let (s, v) = app
                .get(&token, &format!("/api/v1/findings/{id}/credits"))
                .await;
            assert_eq!(s, 200, "{v}");
            v.as_array()
                .unwrap()
                .iter()
                .map(|c| c["org_id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        credits(x[0].clone(), c.reporter.clone()).await,
        [c.org_a.clone(), c.org_b.clone(), gov.clone()]
    );
    assert_eq!(
        credits(y[0].clone(), c.coordinator.clone()).await,
        [c.org_b.clone(), c.org_a.clone(), gov.clone()]
    );
    assert_eq!(
        credits(x[1].clone(), c.reporter.clone()).await,
        [c.org_a.clone()],
        "a split link shares nothing"
    );
    let (s, _) = app
        .get(&c.reporter, &format!("/api/v1/findings/{}/credits", y[1]))
        .await;
    assert_eq!(s, 404, "Lab A cannot read Lab B's finding");
}
both_backends!(
    near_duplicates_are_confirmed_or_split_and_share_credit,
    near_duplicates_are_confirmed_or_split_and_share_credit
);

async fn reporter_stats_count_what_happened(app: TestApp) {
    let c = cast(&app).await;
    let a = submit(
        &app,
        &c.reporter,
        &[finding("A1", &[]), finding("A2", &[]), finding("A3", &[])],
        "CLEAR",
    )
    .await;
    let b = submit(
        &app,
        &c.reporter_b,
        &[finding("A2", &[]), finding("B1", &[])],
        "CLEAR",
    )
    .await;
    to_validating(&app, &c, &a[0]).await;
    ok(
        &app,
        &c.validator_b,
        &a[0],
        json!({"action": "validate", "reason": "reproduced"}),
    )
    .await;
    ok(
        &app,
        &c.coordinator,
        &a[1],
        json!({"action": "reject", "reason_code": "false_positive", "reason": "test code"}),
    )
    .await;
    link(&app, &a[2], &b[1]).await;
    let (s, v) = app
        .post(
            &c.coordinator,
            &format!("/api/v1/findings/{}/similar/{}", a[2], b[1]),
            &json!({"decision": "confirm", "reason": "same"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");

    let (s, v) = app.get(&c.coordinator, "/api/v1/reporter-stats").await;
    assert_eq!(s, 200, "{v}");
    let by_org = |org: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|r| r["org_id"] == org)
            .cloned()
            .unwrap()
    };
    let mut lab_a = by_org(&c.org_a);
    lab_a.as_object_mut().unwrap().remove("name");
    assert_eq!(
        lab_a,
        json!({"org_id": c.org_a, "submissions": 1, "items_received": 3, "new_findings": 3,
        "duplicates": 0, "near_duplicates_confirmed": 0, "validated": 1, "rejected": {"false_positive": 1},
        "open": 1, "validated_ratio": 0.5})
    );
    let mut lab_b = by_org(&c.org_b);
    lab_b.as_object_mut().unwrap().remove("name");
    assert_eq!(
        lab_b,
        json!({"org_id": c.org_b, "submissions": 1, "items_received": 2, "new_findings": 1,
        "duplicates": 1, "near_duplicates_confirmed": 1, "validated": 0, "rejected": {"duplicate": 1},
        "open": 0, "validated_ratio": 0.0})
    );
    assert_eq!(
        v.as_array().unwrap().len(),
        2,
        "only reporting organisations: {v}"
    );

    let (s, v) = app
        .get(&c.coordinator, "/api/v1/reporter-stats?since=2999-01-01")
        .await;
    assert_eq!((s, v), (200, json!([])));
    let (s, v) = app
        .get(&c.coordinator, "/api/v1/reporter-stats?since=last-week")
        .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("since")));
    let (s, _) = app.get(&c.reporter, "/api/v1/reporter-stats").await;
    assert_eq!(s, 403, "members do not see reporter stats");
    let (s, _) = app.get(&app.admin_token, "/api/v1/reporter-stats").await;
    assert_eq!(s, 200, "platform admins do");
}
both_backends!(
    reporter_stats_count_what_happened,
    reporter_stats_count_what_happened
);
