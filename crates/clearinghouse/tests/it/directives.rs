//! Binding Operational Directives end to end: drafting with every bad
//! input refused (field named, nothing stored), issue through the
//! two-person rule, obligations per organisation in scope (an agency sees
//! only its own), remediation states (patched satisfies, a risk acceptance
//! only through a granted exception), reports, extension and exception
//! requests, compliance as JSON and as CSV with the same numbers,
//! amendments keeping history, and revocation.

use serde_json::{Value, json};

use crate::both_backends;
use crate::exposure::{CVE, asset, import, osv_paramiko, upload};
use crate::harness::TestApp;

/// Two directive managers at CISA, two agencies in scope with a member
/// each, and an operator out of scope.
pub struct Cast {
    pub m1: String,
    pub m2: String,
    pub a_org: String,
    pub a: String,
    pub b_org: String,
    pub b: String,
    pub hospital: String,
}

pub async fn cast(app: &TestApp) -> Cast {
    let cisa = app.org("CISA", "government_agency").await;
    let (_, m1) = app.user(&cisa, "manager1", &["directive_manager"]).await;
    let (_, m2) = app.user(&cisa, "manager2", &["directive_manager"]).await;
    let a_org = app.org("Department of Energy", "government_agency").await;
    let (_, a) = app.user(&a_org, "doe-ops", &["member"]).await;
    let b_org = app.org("Department of Labor", "government_agency").await;
    let (_, b) = app.user(&b_org, "dol-ops", &["member"]).await;
    let h_org = app
        .org("Rural Hospital", "critical_infrastructure_operator")
        .await;
    let (_, hospital) = app.user(&h_org, "hospital-ops", &["member"]).await;
    Cast {
        m1,
        m2,
        a_org,
        a,
        b_org,
        b,
        hospital,
    }
}

/// A directive like BOD 22-01 with one action of each kind.
pub fn draft() -> Value {
    json!({
        "number": "BOD 26-05",
        "title": "Reducing the significant risk of known exploited vulnerabilities",
        "issued": "2026-01-01",
        "effective": "2026-01-15",
        "scope": {"kinds": ["government_agency"]},
        "actions": [
            {"type": "remediate", "key": "kev", "title": "Remediate KEV entries",
             "rule": "kev", "due": {"kind": "kev_due_date"}},
            {"type": "remediate", "key": "critical", "title": "Remediate critical",
             "rule": "cvss >= 9.0", "due": {"kind": "days", "days": 3650}},
            {"type": "report", "key": "inventory", "title": "Asset inventory",
             "fields": [{"name": "asset_count"}, {"name": "notes", "required": false}],
             "first_due": "2026-02-01"},
            {"type": "attest", "key": "process", "title": "Vulnerability management process",
             "statement": "We remediate KEV entries by their due dates.", "due": "2036-01-01"}
        ]
    })
}

/// The draft as edited before issue (version 1's content).
pub fn edited() -> Value {
    let mut d = draft();
    d["summary"] = json!("Agencies remediate KEV entries by their due dates.");
    d
}

/// A KEV catalog of one entry due long ago.
fn kev_due_2021() -> Value {
    let mut k = crate::exposure::kev(CVE);
    k["vulnerabilities"][0]["dueDate"] = json!("2021-11-17");
    k
}

/// Files the latest draft for issue with `m1`, approves with `m2`.
pub async fn issue(app: &TestApp, c: &Cast, id: &str) -> Value {
    let (s, v) = app
        .post(&c.m1, &format!("/api/v1/directives/{id}/issue"), &json!({}))
        .await;
    assert_eq!(s, 202, "{v}");
    let approval = v["approval"]["id"].as_str().unwrap().to_owned();
    assert_eq!(v["approval"]["action"], "issue_directive");
    let decision = format!("/api/v1/approvals/{approval}/decision");
    let (s, e) = app
        .post(&c.m1, &decision, &json!({"decision": "approve"}))
        .await;
    assert_eq!(s, 403, "the maker cannot approve: {e}");
    let (s, e) = app
        .post(&c.a, &decision, &json!({"decision": "approve"}))
        .await;
    assert_eq!(s, 404, "an agency member does not see the request: {e}");
    let (s, e) = app
        .post(&c.m2, &decision, &json!({"decision": "approve"}))
        .await;
    assert_eq!(s, 200, "{e}");
    let (s, d) = app.get(&c.m1, &format!("/api/v1/directives/{id}")).await;
    assert_eq!(s, 200, "{d}");
    d
}

async fn count_directives(app: &TestApp, token: &str) -> usize {
    let (s, v) = app.get(token, "/api/v1/directives").await;
    assert_eq!(s, 200, "{v}");
    v.as_array().unwrap().len()
}

#[track_caller]
fn refused(s: u16, v: &Value, field: &str, contains: &str) {
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["field"], field, "{v}");
    assert!(v["detail"].as_str().unwrap_or("").contains(contains), "{v}");
}

async fn obligations(app: &TestApp, token: &str, id: &str, query: &str) -> Vec<Value> {
    let (s, v) = app
        .get(
            token,
            &format!("/api/v1/directives/{id}/obligations{query}"),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    v.as_array().unwrap().clone()
}

fn one<'a>(items: &'a [Value], org: &str, action: &str) -> &'a Value {
    let found: Vec<&Value> = items
        .iter()
        .filter(|o| o["org_id"] == org && o["action"] == action)
        .collect();
    assert_eq!(found.len(), 1, "{org} {action}: {items:?}");
    found[0]
}

async fn directive_lifecycle(app: TestApp) {
    let c = cast(&app).await;

    // Bad input: clear errors naming the field, nothing stored.
    let (s, v) = app.post(&c.a, "/api/v1/directives", &draft()).await;
    assert_eq!(s, 403, "a non-manager cannot draft: {v}");
    let mut bad = draft();
    bad["actions"][0]["rule"] = json!("kev and");
    let (s, v) = app.post(&c.m1, "/api/v1/directives", &bad).await;
    refused(s, &v, "actions[0].rule", "position 8");
    let mut bad = draft();
    bad["actions"][3]["due"] = json!("2026-01-10");
    let (s, v) = app.post(&c.m1, "/api/v1/directives", &bad).await;
    refused(s, &v, "actions[3].due", "effective");
    let mut bad = draft();
    bad["effective"] = json!("2025-12-31");
    let (s, v) = app.post(&c.m1, "/api/v1/directives", &bad).await;
    refused(s, &v, "effective", "issued");
    let mut bad = draft();
    bad["number"] = json!("BOD-26-05");
    let (s, v) = app.post(&c.m1, "/api/v1/directives", &bad).await;
    refused(s, &v, "number", "BOD 26-05");
    assert_eq!(count_directives(&app, &c.m1).await, 0);

    // A draft: editable, unseen by agencies, binds nobody.
    let (s, d) = app.post(&c.m1, "/api/v1/directives", &draft()).await;
    assert_eq!(s, 201, "{d}");
    let id = d["id"].as_str().unwrap().to_owned();
    assert_eq!(d["state"], "draft");
    assert_eq!(
        app.get(&c.a, &format!("/api/v1/directives/{id}")).await.0,
        404
    );
    assert_eq!(count_directives(&app, &c.a).await, 0);
    let (s, _) = app
        .get(&c.m1, &format!("/api/v1/directives/{id}/obligations"))
        .await;
    assert_eq!(s, 409, "a draft binds nobody");
    let (s, v) = app
        .send(
            reqwest::Method::PUT,
            &c.m1,
            &format!("/api/v1/directives/{id}"),
            &edited(),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = app
        .post(&c.a, &format!("/api/v1/directives/{id}/issue"), &json!({}))
        .await;
    assert_eq!(
        s, 404,
        "a non-manager cannot issue (nor see the draft): {v}"
    );

    let d = issue(&app, &c, &id).await;
    assert_eq!(
        (&d["state"], &d["issued_version"]),
        (&json!("issued"), &json!(1))
    );
    let (s, v) = app
        .send(
            reqwest::Method::PUT,
            &c.m1,
            &format!("/api/v1/directives/{id}"),
            &edited(),
        )
        .await;
    assert_eq!(s, 409, "an issued version is never edited: {v}");
    let (s, v) = app.get(&c.a, "/api/v1/directives/BOD 26-05").await;
    assert_eq!(s, 200, "agencies read it by number: {v}");

    // Exposures: both agencies and the hospital run paramiko 2.4.0.
    let sbom = crate::exposure::cyclonedx(&[("paramiko", "2.4.0")]);
    let mut assets = Vec::new();
    for token in [&c.a, &c.b, &c.hospital] {
        let a = asset(&app, token, "ssh-gateway", true).await;
        let (s, v) = upload(&app, token, &a, sbom.clone()).await;
        assert_eq!(s, 200, "{v}");
        assets.push(a);
    }
    let osv = serde_json::to_vec(&osv_paramiko()).unwrap();
    let (s, v) = import(&app, &app.admin_token, "paramiko.json", osv).await;
    assert_eq!(s, 200, "{v}");
    let all = obligations(&app, &c.m1, &id, "").await;
    assert!(
        all.iter().all(|o| o["action"] != "kev"),
        "not in KEV yet: {all:?}"
    );
    let kev = serde_json::to_vec(&kev_due_2021()).unwrap();
    let (s, v) = import(&app, &app.admin_token, "kev.json", kev).await;
    assert_eq!(s, 200, "{v}");

    // An agency sees its own obligations only; managers see every agency's.
    let mine = obligations(&app, &c.a, &id, "").await;
    assert!(mine.iter().all(|o| o["org_id"] == c.a_org), "{mine:?}");
    let k = one(&mine, &c.a_org, "kev");
    assert_eq!(
        (&k["due_date"], &k["state"]),
        (&json!("2021-11-17"), &json!("overdue"))
    );
    assert_eq!(one(&mine, &c.a_org, "critical")["state"], "on_time");
    assert_eq!(one(&mine, &c.a_org, "inventory")["state"], "overdue");
    assert_eq!(one(&mine, &c.a_org, "process")["state"], "on_time");
    let (s, _) = app
        .get(
            &c.a,
            &format!("/api/v1/directives/{id}/obligations?org={}", c.b_org),
        )
        .await;
    assert_eq!(s, 404, "another agency's obligations are not found");
    let all = obligations(&app, &c.m1, &id, "?action=kev").await;
    assert_eq!(
        all.len(),
        2,
        "two agencies in scope, the hospital is not: {all:?}"
    );
    let (s, v) = app
        .get(
            &c.a,
            &format!("/api/v1/directives/{id}/obligations?state=late"),
        )
        .await;
    refused(s, &v, "state", "overdue");

    // Agency A patches: satisfied. Agency B accepts the risk: still overdue.
    let a_exp = k["exposure_id"].as_str().unwrap().to_owned();
    let (s, v) = app
        .send(
            reqwest::Method::PATCH,
            &c.a,
            &format!("/api/v1/exposures/{a_exp}"),
            &json!({"state": "patched"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let b_kev = one(&obligations(&app, &c.b, &id, "").await, &c.b_org, "kev").clone();
    let b_exp = b_kev["exposure_id"].as_str().unwrap().to_owned();
    let until =
        clearinghouse::clock::format(clearinghouse::clock::now() + time::Duration::days(300));
    let accept = json!({"state": "risk_accepted", "reason": "isolated", "accepted_until": until});
    let (s, v) = app
        .send(
            reqwest::Method::PATCH,
            &c.b,
            &format!("/api/v1/exposures/{b_exp}"),
            &accept,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        one(&obligations(&app, &c.a, &id, "").await, &c.a_org, "kev")["state"],
        "satisfied"
    );
    let b_kev = one(&obligations(&app, &c.b, &id, "").await, &c.b_org, "kev").clone();
    assert_eq!(
        b_kev["state"], "overdue",
        "a risk acceptance alone does not excuse"
    );

    // Requests: an extension after the due date without a reason is refused.
    let requests = format!("/api/v1/directives/{id}/requests");
    let (s, v) = app
        .post(
            &c.b,
            &requests,
            &json!({"action": "kev", "kind": "extension",
            "exposure_id": b_exp, "until": "2099-01-01", "justification": " "}),
        )
        .await;
    refused(s, &v, "justification", "due date has passed");
    let (s, v) = app
        .post(
            &c.b,
            &requests,
            &json!({"action": "kev", "kind": "exception",
            "exposure_id": a_exp, "justification": "not ours"}),
        )
        .await;
    refused(
        s,
        &v,
        "exposure_id",
        "not an obligation of your organisation",
    );
    let (s, v) = app.get(&c.m1, &requests).await;
    assert_eq!(
        (s, v.as_array().unwrap().len()),
        (200, 0),
        "nothing stored: {v}"
    );
    let (s, r) = app
        .post(
            &c.b,
            &requests,
            &json!({"action": "kev", "kind": "exception",
            "exposure_id": b_exp, "justification": "legacy system on an isolated network"}),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    let decide = format!(
        "/api/v1/directive-requests/{}/decide",
        r["id"].as_str().unwrap()
    );
    let (s, _) = app.post(&c.b, &decide, &json!({"decision": "grant"})).await;
    assert_eq!(s, 403, "agencies do not decide");
    let (s, v) = app
        .post(
            &c.m1,
            &decide,
            &json!({"decision": "grant", "reason": "compensating controls"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["state"], "granted");
    let (s, _) = app.post(&c.m2, &decide, &json!({"decision": "deny"})).await;
    assert_eq!(s, 409, "decided once");
    assert_eq!(
        one(&obligations(&app, &c.b, &id, "").await, &c.b_org, "kev")["state"],
        "excepted"
    );

    // Reports: a missing required field is refused; then submitted once.
    let reports = format!("/api/v1/directives/{id}/reports");
    let (s, v) = app
        .post(
            &c.a,
            &reports,
            &json!({"action": "inventory", "fields": {"notes": "x"}}),
        )
        .await;
    refused(s, &v, "fields.asset_count", "required");
    let (s, v) = app
        .post(&c.a, &reports, &json!({"action": "kev", "fields": {}}))
        .await;
    refused(s, &v, "action", "remediating");
    let (s, v) = app
        .post(
            &c.hospital,
            &reports,
            &json!({"action": "inventory", "fields": {"asset_count": 3}}),
        )
        .await;
    assert_eq!(s, 403, "out of scope: {v}");
    let (s, v) = app
        .post(
            &c.a,
            &reports,
            &json!({"action": "inventory", "fields": {"asset_count": 1042}}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["period"], "2026-02-01");
    let (s, _) = app
        .post(
            &c.a,
            &reports,
            &json!({"action": "inventory", "period": "2026-02-01", "fields": {"asset_count": 1}}),
        )
        .await;
    assert_eq!(s, 409, "one report per period");
    assert_eq!(
        one(
            &obligations(&app, &c.a, &id, "").await,
            &c.a_org,
            "inventory"
        )["state"],
        "satisfied"
    );

    compliance_json_and_csv_agree(&app, &c, &id).await;
    amend_keeps_history_then_revoke(&app, &c, &id).await;
}

async fn compliance_json_and_csv_agree(app: &TestApp, c: &Cast, id: &str) {
    let (s, j) = app
        .get(&c.m1, &format!("/api/v1/directives/{id}/compliance"))
        .await;
    assert_eq!(s, 200, "{j}");
    // A: kev and critical satisfied (the one exposure is patched),
    // inventory satisfied, process on time. B: kev excepted, critical on
    // time (the exception is for kev only), inventory overdue, process on
    // time. CISA and the administrators' organisation are government
    // agencies too, without exposures: inventory overdue, process on time.
    let o = &j["overall"];
    let counts = [
        &o["total"],
        &o["on_time"],
        &o["overdue"],
        &o["excepted"],
        &o["satisfied"],
    ];
    assert_eq!(
        counts,
        [&json!(12), &json!(5), &json!(3), &json!(1), &json!(3)],
        "{j}"
    );
    let worst: Vec<&Value> = j["worst_offenders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| &o["org_id"])
        .collect();
    assert_eq!(worst.len(), 3, "{j}");
    assert!(
        worst.contains(&&json!(c.b_org)) && !worst.contains(&&json!(c.a_org)),
        "{j}"
    );
    assert_eq!(
        j["by_org"][3]["org_id"],
        c.a_org.as_str(),
        "the compliant agency last: {j}"
    );
    let resp = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/directives/{id}/compliance.csv")))
        .bearer_auth(&c.m1)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = resp.text().await.unwrap();
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let cells = |c: &Value| -> Vec<String> {
        [
            "total",
            "on_time",
            "overdue",
            "excepted",
            "satisfied",
            "score",
        ]
        .iter()
        .map(|k| c[*k].to_string())
        .collect()
    };
    let overall: Vec<&str> = rows.iter().find(|r| r[3] == "overall").unwrap()[6..12].to_vec();
    assert_eq!(overall, cells(&j["overall"]), "{csv}");
    for org in j["by_org"].as_array().unwrap() {
        let row = rows
            .iter()
            .find(|r| r[3] == "organization" && r[4] == org["org_id"])
            .unwrap();
        assert_eq!(row[6..12].to_vec(), cells(&org["counts"]), "{csv}");
    }
    // An agency's figures are its own.
    let (s, mine) = app
        .get(&c.a, &format!("/api/v1/directives/{id}/compliance"))
        .await;
    assert_eq!(s, 200, "{mine}");
    let orgs: Vec<&Value> = mine["by_org"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| &o["org_id"])
        .collect();
    assert_eq!(orgs, vec![&json!(c.a_org)]);
    let (s, all) = app.get(&c.m1, "/api/v1/compliance").await;
    assert_eq!((s, all.as_array().unwrap().len()), (200, 1), "{all}");
}

async fn amend_keeps_history_then_revoke(app: &TestApp, c: &Cast, id: &str) {
    let mut amended = edited();
    amended["actions"][0]["rule"] = json!("kev and cvss >= 9");
    amended["actions"].as_array_mut().unwrap().remove(3);
    let amend = format!("/api/v1/directives/{id}/amend");
    let (s, v) = app.post(&c.a, &amend, &amended).await;
    assert_eq!(s, 403, "{v}");
    let (s, v) = app.post(&c.m1, &amend, &edited()).await;
    refused(s, &v, "body", "changes nothing");
    let (s, v) = app.post(&c.m1, &amend, &amended).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["latest_version"], 2);
    let changes = &v["versions"][1]["changes"];
    assert_eq!(
        changes["actions"],
        json!([{"change": "changed", "key": "kev", "fields": ["rule"]},
               {"change": "removed", "key": "process"}]),
        "{v}"
    );
    // Until issued the agencies see version 1 only.
    let (_, seen) = app.get(&c.a, &format!("/api/v1/directives/{id}")).await;
    assert_eq!(seen["versions"].as_array().unwrap().len(), 1, "{seen}");
    assert_eq!(seen["body"]["actions"].as_array().unwrap().len(), 4);
    let d = issue(app, c, id).await;
    assert_eq!(d["issued_version"], 2);
    let states: Vec<&Value> = d["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| &v["state"])
        .collect();
    assert_eq!(states, vec![&json!("superseded"), &json!("issued")]);
    assert_eq!(
        d["versions"][0]["body"]["actions"][0]["rule"], "kev",
        "history kept"
    );
    let (_, seen) = app.get(&c.a, &format!("/api/v1/directives/{id}")).await;
    assert_eq!(seen["versions"].as_array().unwrap().len(), 2, "{seen}");
    assert!(
        obligations(app, &c.m1, id, "")
            .await
            .iter()
            .all(|o| o["action"] != "process")
    );

    let revoke = format!("/api/v1/directives/{id}/revoke");
    let (s, _) = app.post(&c.a, &revoke, &json!({"reason": "x"})).await;
    assert_eq!(s, 403);
    let (s, v) = app.post(&c.m1, &revoke, &json!({"reason": "  "})).await;
    refused(s, &v, "reason", "reason");
    let (s, v) = app
        .post(
            &c.m1,
            &revoke,
            &json!({"reason": "superseded by BOD 26-07"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (&v["state"], &v["revoke_reason"]),
        (&json!("revoked"), &json!("superseded by BOD 26-07"))
    );
    let (s, _) = app
        .get(&c.a, &format!("/api/v1/directives/{id}/obligations"))
        .await;
    assert_eq!(s, 409, "a revoked directive binds nobody");
}

both_backends!(directive_lifecycle, directive_lifecycle);
