//! Exposure end to end over HTTP: assets and SBOMs, advisory import (OSV,
//! KEV, EPSS), incremental matching in both directions, alias grouping,
//! priority and BOD 26-04 deadlines, remediation, embargo, and bad input.

use serde_json::{Value, json};

use crate::both_backends;
use crate::harness::TestApp;

pub const GHSA: &str = "GHSA-f8q4-jwww-x3wv";
pub const CVE: &str = "CVE-2018-1000805";

/// An OSV record for paramiko before 2.4.1 (shape of the real GHSA record).
pub fn osv_paramiko() -> Value {
    json!({
        "schema_version": "1.6.0",
        "id": GHSA,
        "modified": "2024-01-01T00:00:00Z",
        "published": "2018-10-17T00:00:00Z",
        "aliases": [CVE],
        "summary": "Paramiko not properly checking authentication before processing other requests",
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
        "affected": [{
            "package": {"ecosystem": "PyPI", "name": "paramiko"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.4.1"}]}]
        }]
    })
}

pub fn cyclonedx(components: &[(&str, &str)]) -> Vec<u8> {
    let comps: Vec<Value> = components
        .iter()
        .map(|(name, version)| {
            json!({"type": "library", "name": name, "version": version,
                   "purl": format!("pkg:pypi/{name}@{version}")})
        })
        .collect();
    serde_json::to_vec(&json!({
        "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": comps
    }))
    .unwrap()
}

pub fn kev(cve: &str) -> Value {
    json!({
        "title": "CISA Catalog of Known Exploited Vulnerabilities",
        "catalogVersion": "2026.11.20",
        "dateReleased": "2026-11-20T12:00:00.000Z",
        "count": 1,
        "vulnerabilities": [{
            "cveID": cve, "vendorProject": "Paramiko", "product": "Paramiko",
            "vulnerabilityName": "Paramiko Authentication Bypass", "dateAdded": "2026-11-20",
            "shortDescription": "x", "requiredAction": "Apply mitigations per vendor instructions.",
            "dueDate": "2026-12-11", "knownRansomwareCampaignUse": "Known", "notes": "", "cwes": ["CWE-287"]
        }]
    })
}

/// Sends raw bytes; returns status and JSON.
pub async fn raw(
    app: &TestApp,
    method: reqwest::Method,
    token: &str,
    path: &str,
    bytes: Vec<u8>,
) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .request(method, app.url(path))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

pub async fn import(app: &TestApp, token: &str, name: &str, bytes: Vec<u8>) -> (u16, Value) {
    import_at(
        app,
        token,
        &format!("/api/v1/advisories/import?name={name}"),
        bytes,
    )
    .await
}

/// Posts a file to `path` (the import route and its query), runs the
/// queued import job and answers as the import ended: 200 and the import
/// (its totals at the top level) when done; when the file was refused as a
/// whole, the status it recorded (413 or 422) with its `detail` and `field`.
/// An answer refused at once (403, 413, 422) is returned as it came.
pub async fn import_at(app: &TestApp, token: &str, path: &str, bytes: Vec<u8>) -> (u16, Value) {
    let (s, v) = raw(app, reqwest::Method::POST, token, path, bytes).await;
    if !matches!(s, 200 | 202) {
        return (s, v);
    }
    assert_eq!(
        v["state"], "queued",
        "a new import is queued, not parsed in the request: {v}"
    );
    app.run_pending_jobs().await;
    let id = v["id"].as_str().expect("an import id");
    let (s, done) = app
        .get(token, &format!("/api/v1/advisories/imports/{id}"))
        .await;
    assert_eq!(s, 200, "{done}");
    match done["state"].as_str() {
        Some("done") => (200, done),
        Some("failed") => {
            let status = done["error_status"].as_u64().expect("a failure status") as u16;
            let problem = serde_json::json!({
                "detail": done["error"], "field": done["error_field"], "import": done
            });
            (status, problem)
        }
        other => panic!("import left {other:?} after the jobs ran: {done}"),
    }
}

/// An operator organisation with a member; returns (org id, member token).
pub async fn operator(app: &TestApp, name: &str) -> (String, String) {
    let org = app.org(name, "critical_infrastructure_operator").await;
    let username: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let (_, token) = app
        .user(&org, &format!("{username}-ops"), &["member"])
        .await;
    (org, token)
}

pub async fn asset(app: &TestApp, token: &str, name: &str, public: bool) -> String {
    let (s, v) = app
        .post(
            token,
            "/api/v1/assets",
            &json!({"name": name, "publicly_exposed": public, "mission_impact": "high", "owner": "IT"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    v["id"].as_str().unwrap().to_owned()
}

pub async fn upload(app: &TestApp, token: &str, asset_id: &str, sbom: Vec<u8>) -> (u16, Value) {
    raw(
        app,
        reqwest::Method::PUT,
        token,
        &format!("/api/v1/assets/{asset_id}/sbom"),
        sbom,
    )
    .await
}

async fn exposures(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let (s, v) = app.get(token, &format!("/api/v1/exposures{query}")).await;
    assert_eq!(s, 200, "{v}");
    v["items"].as_array().unwrap().clone()
}

async fn matching_both_ways_with_priority_and_remediation(app: TestApp) {
    let admin = app.admin_token.clone();
    let (_, ops) = operator(&app, "Rural Hospital").await;
    let ehr = asset(&app, &ops, "ehr", true).await;

    // SBOM first, then the advisory: the advisory finds the component.
    let (s, v) = upload(
        &app,
        &ops,
        &ehr,
        cyclonedx(&[("paramiko", "2.4.0"), ("requests", "2.31.0")]),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["sbom"]["component_count"], 2);
    assert_eq!(v["exposures"]["new"], 0);
    let (s, v) = import(
        &app,
        &admin,
        "ghsa.json",
        serde_json::to_vec(&osv_paramiko()).unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["format"], "osv");
    assert_eq!(v["advisories_created"], 1);
    assert_eq!(v["exposures"]["new"], 1, "{v}");

    let items = exposures(&app, &ops, "").await;
    assert_eq!(items.len(), 1);
    let e = &items[0];
    assert_eq!(e["vulnerability"]["id"], CVE, "a group is known by its CVE");
    assert_eq!(e["vulnerability"]["aliases"], json!([GHSA]));
    assert_eq!(e["component"]["purl"], "pkg:pypi/paramiko@2.4.0");
    assert_eq!(e["asset_name"], "ehr");
    assert_eq!(e["decision"], "affected");
    assert!(e["reason"].as_str().unwrap().contains(GHSA), "{e}");
    assert_eq!(e["priority"]["cvss"]["base_score"], 9.8);
    // Not in KEV, public, automatable, total impact: BOD 26-04 says 3 days.
    assert_eq!(e["deadline"], "3 days");
    assert_eq!(e["ssvc_decision"], "attend");
    assert!(e["due_at"].is_string());
    assert_eq!(e["priority"]["explanation"].as_array().unwrap().len(), 3);

    // KEV listing raises it: Act, 3 days with forensic triage.
    let (s, v) = import(
        &app,
        &admin,
        "kev.json",
        serde_json::to_vec(&kev(CVE)).unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["kev_entries"], 1);
    assert_eq!(v["exposures"]["changed"], 1, "{v}");
    let e = &exposures(&app, &ops, "").await[0];
    assert_eq!(e["ssvc_decision"], "act");
    assert_eq!(e["deadline"], "3 days & forensic triage");
    assert_eq!(e["priority"]["in_kev"], true);
    assert_eq!(e["priority"]["ssvc"]["exploitation"]["value"], "active");

    // The audit page names the KEV entry whole and links it to a page that
    // opens (its storage key, `kev:<CVE>`, leads to its vulnerability).
    let cookie = app.login_cookie("admin").await;
    let (s, body) =
        crate::advisories_pages::page(&app, &cookie, "/audit?action=advisory.import").await;
    assert_eq!(s, 200);
    assert!(body.contains(&format!("advisory kev:{CVE}")), "{body}");
    let link = format!("/vulnerabilities/kev:{CVE}");
    assert!(body.contains(&format!("href=\"{link}\"")), "{body}");
    let (s, page) = crate::advisories_pages::page(&app, &cookie, &link).await;
    assert_eq!(s, 200, "{page}");
    assert!(page.contains(CVE), "{page}");

    // EPSS is shown and changes the rank.
    let rank_before = e["priority_rank"].as_i64().unwrap();
    let csv = format!(
        "#model_version:v2025.03.14,score_date:2026-11-21T00:00:00+0000\ncve,epss,percentile\n{CVE},0.91234,0.99876\n"
    );
    let (s, v) = import(&app, &admin, "epss.csv", csv.into_bytes()).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["epss_scores"], 1);
    let e = &exposures(&app, &ops, "").await[0];
    assert_eq!(e["priority"]["epss_probability"], 0.91234);
    assert!(e["priority_rank"].as_i64().unwrap() > rank_before);

    // Re-import is idempotent; another record with the same alias joins the group.
    let (_, v) = import(
        &app,
        &admin,
        "ghsa.json",
        serde_json::to_vec(&osv_paramiko()).unwrap(),
    )
    .await;
    assert_eq!(v["advisories_unchanged"], 1, "{v}");
    assert_eq!(v["exposures"]["new"], 0);
    let mut pysec = osv_paramiko();
    pysec["id"] = json!("PYSEC-2018-89");
    pysec["aliases"] = json!([CVE, GHSA]);
    let (_, v) = import(
        &app,
        &admin,
        "pysec.json",
        serde_json::to_vec(&pysec).unwrap(),
    )
    .await;
    assert_eq!(v["advisories_created"], 1, "{v}");
    assert_eq!(
        v["exposures"]["new"], 0,
        "same vulnerability, same exposure"
    );
    let (s, v) = app.get(&ops, "/api/v1/vulnerabilities/PYSEC-2018-89").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["id"], CVE);
    // The KEV entry is an advisory of its own publisher in the group.
    assert_eq!(v["advisories"], json!([GHSA, "PYSEC-2018-89", CVE]));
    assert_eq!(v["in_kev"], true);
    assert!(
        v["exposed_organisations"].is_null(),
        "operators do not see who else is exposed"
    );
    let (_, v) = app
        .get(&admin, &format!("/api/v1/vulnerabilities/{CVE}"))
        .await;
    assert_eq!(v["exposed_organisations"][0]["key"], "Rural Hospital");
    assert_eq!(v["exposed_organisations"][0]["open"], 1);

    // The operator was told, in the inbox.
    let (s, v) = app.get(&ops, "/api/v1/notifications").await;
    assert_eq!(s, 200, "{v}");
    let kinds: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"exposure.new"), "{kinds:?}");
    assert!(kinds.contains(&"exposure.priority_changed"), "{kinds:?}");

    // Remediation: reasons are required where they matter, states are audited.
    let id = exposures(&app, &ops, "").await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/exposures/{id}");
    let (s, v) = app
        .send(
            reqwest::Method::PATCH,
            &ops,
            &path,
            &json!({"state": "risk_accepted"}),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(v["field"], "reason", "{v}");
    let (s, v) = app.send(reqwest::Method::PATCH, &ops, &path, &json!({"state": "risk_accepted", "reason": "isolated VLAN", "accepted_until": "2001-01-01T00:00:00Z"})).await;
    assert_eq!(s, 422);
    assert_eq!(v["field"], "accepted_until", "{v}");
    let (s, v) = app
        .send(
            reqwest::Method::PATCH,
            &ops,
            &path,
            &json!({"state": "acknowledged"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["state"], "acknowledged");
    let (s, _) = app
        .send(
            reqwest::Method::PATCH,
            &ops,
            &path,
            &json!({"state": "fixed-ish"}),
        )
        .await;
    assert_eq!(s, 422);

    // Another organisation sees nothing of it.
    let (_, other) = operator(&app, "Community Bank").await;
    assert_eq!(app.get(&other, &path).await.0, 404);
    assert!(exposures(&app, &other, "").await.is_empty());
    assert_eq!(
        app.get(&other, &format!("/api/v1/assets/{ehr}")).await.0,
        404
    );

    // Coordinators see counts per sector.
    let (s, v) = app.get(&admin, "/api/v1/exposure-stats?by=sector").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v[0]["key"], "healthcare_and_public_health");
    assert_eq!(v[0]["open"], 1);
    assert_eq!(
        app.get(&ops, "/api/v1/exposure-stats?by=sector").await.0,
        403
    );

    // Upgrading the component (a new SBOM) resolves the exposure.
    let (s, v) = upload(&app, &ops, &ehr, cyclonedx(&[("paramiko", "2.4.1")])).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["exposures"]["resolved"], 1, "{v}");
    assert_eq!(v["exposures"]["open"], 0);
    assert!(exposures(&app, &ops, "").await.is_empty());
    let all = exposures(&app, &ops, "?state=all").await;
    assert_eq!(all[0]["state"], "patched");
    assert!(
        all[0]["state_reason"]
            .as_str()
            .unwrap()
            .contains("no longer")
    );

    // Advisory first, then SBOM: the SBOM finds the advisory.
    let lab = asset(&app, &ops, "lab", false).await;
    let (_, v) = upload(&app, &ops, &lab, cyclonedx(&[("Paramiko", "2.0.0")])).await;
    assert_eq!(v["exposures"]["new"], 1, "PyPI names are normalised: {v}");
    let e = &exposures(&app, &ops, &format!("?asset={lab}")).await[0];
    // Not public: KEV + automatable + total → 3 days & forensic triage still.
    assert_eq!(e["deadline"], "3 days & forensic triage");
}

both_backends!(
    matching_both_ways_with_priority_and_remediation,
    matching_both_ways_with_priority_and_remediation
);

async fn embargo_reaches_only_vetted_exposed_operators(app: TestApp) {
    let admin = app.admin_token.clone();
    let (vetted_org, vetted) = operator(&app, "Water District").await;
    let (_, unvetted) = operator(&app, "Small Clinic").await;
    crate::org_flags::set_flags(&app, &vetted_org, json!({"vetted": true})).await;
    for token in [&vetted, &unvetted] {
        let id = asset(&app, token, "scada", true).await;
        upload(&app, token, &id, cyclonedx(&[("paramiko", "2.4.0")])).await;
    }
    let (s, v) = import_at(
        &app,
        &admin,
        "/api/v1/advisories/import?name=x.json&embargo=true",
        serde_json::to_vec(&osv_paramiko()).unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["exposures"]["new"], 1, "only the vetted operator: {v}");

    let e = &exposures(&app, &vetted, "").await[0];
    assert_eq!(e["tlp"], "AMBER");
    assert_eq!(e["embargoed"], true);
    let (_, n) = app.get(&vetted, "/api/v1/notifications").await;
    assert_eq!(n["items"][0]["tlp"], "AMBER", "{n}");

    assert!(exposures(&app, &unvetted, "").await.is_empty());
    let (_, n) = app.get(&unvetted, "/api/v1/notifications").await;
    assert_eq!(n["items"], json!([]));
    assert_eq!(
        app.get(&unvetted, &format!("/api/v1/vulnerabilities/{CVE}"))
            .await
            .0,
        404
    );
    assert_eq!(
        app.get(&unvetted, &format!("/api/v1/advisories/{GHSA}"))
            .await
            .0,
        404
    );
    assert_eq!(
        app.get(&vetted, &format!("/api/v1/vulnerabilities/{CVE}"))
            .await
            .0,
        200
    );
    assert_eq!(
        app.get(&admin, &format!("/api/v1/advisories/{GHSA}"))
            .await
            .0,
        200
    );

    // A plain re-import keeps the embargo: nothing is lifted by accident.
    let (_, v) = import(
        &app,
        &admin,
        "x.json",
        serde_json::to_vec(&osv_paramiko()).unwrap(),
    )
    .await;
    assert_eq!(v["advisories_unchanged"], 1, "{v}");
    assert!(exposures(&app, &unvetted, "").await.is_empty());

    // A coordinator lifts it on purpose, with a reason: everyone exposed is told.
    let coord = crate::org_flags::coordinator(&app).await;
    let lift = format!("/api/v1/vulnerabilities/{CVE}/lift-embargo");
    let (s, v) = app.post(&coord, &lift, &json!({"reason": " "})).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("reason")), "{v}");
    let (s, v) = app
        .post(&admin, &lift, &json!({"reason": "published"}))
        .await;
    assert_eq!(s, 403, "a platform admin is not a coordinator: {v}");
    let (s, v) = app
        .post(&coord, &lift, &json!({"reason": "published"}))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["exposures"]["new"], 1, "{v}");
    assert_eq!(exposures(&app, &unvetted, "").await[0]["tlp"], "CLEAR");
    let (s, v) = app.post(&coord, &lift, &json!({"reason": "again"})).await;
    assert_eq!(s, 409, "{v}");
}

both_backends!(
    embargo_reaches_only_vetted_exposed_operators,
    embargo_reaches_only_vetted_exposed_operators
);

async fn bad_input_changes_nothing(app: TestApp) {
    let admin = app.admin_token.clone();
    let (_, ops) = operator(&app, "Rural Hospital").await;
    let id = asset(&app, &ops, "ehr", true).await;

    let bad_purl = br#"{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,
        "components":[{"type":"library","name":"x","version":"1","purl":"pkg:"}]}"#;
    let (s, v) = upload(&app, &ops, &id, bad_purl.to_vec()).await;
    assert_eq!(s, 422, "{v}");
    assert!(
        v["field"].as_str().unwrap().contains("components[0]"),
        "{v}"
    );
    let (s, v) = upload(&app, &ops, &id, b"not an sbom".to_vec()).await;
    assert_eq!(s, 422, "{v}");
    // A syntax error names the SBOM, its message where in it.
    let broken = br#"{"bomFormat":"CycloneDX","specVersion":"1.5","components":[}"#;
    let (s, v) = upload(&app, &ops, &id, broken.to_vec()).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("sbom")), "{v}");
    assert!(
        v["detail"].as_str().unwrap().contains("line 1 column"),
        "{v}"
    );
    let (_, a) = app.get(&ops, &format!("/api/v1/assets/{id}")).await;
    assert!(a["sbom"].is_null(), "nothing stored: {a}");

    let mut osv = osv_paramiko();
    osv["affected"][0]["ranges"][0]["events"] = json!("not a list");
    let (s, v) = import(&app, &admin, "x.json", serde_json::to_vec(&osv).unwrap()).await;
    assert_eq!(s, 422, "{v}");
    assert!(v["field"].as_str().unwrap().contains("affected[0]"), "{v}");
    assert_eq!(
        app.get(&admin, &format!("/api/v1/advisories/{GHSA}"))
            .await
            .0,
        404
    );
    let (s, v) = import(
        &app,
        &admin,
        "x.csv",
        b"cve,epss,percentile\nCVE-1,notanumber,0.1\n".to_vec(),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert!(v["field"].as_str().unwrap().contains("line 2"), "{v}");

    // Operators cannot import advisories; nobody may act for another organisation.
    assert_eq!(
        import(
            &app,
            &ops,
            "x.json",
            serde_json::to_vec(&osv_paramiko()).unwrap()
        )
        .await
        .0,
        403
    );
    let (s, v) = app
        .post(&ops, "/api/v1/assets", &json!({"name": "x", "org": "Nope"}))
        .await;
    assert_eq!(s, 422, "{v}");
    let (s, v) = app
        .post(
            &ops,
            "/api/v1/assets",
            &json!({"name": "x", "mission_impact": "extreme"}),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(v["field"], "mission_impact");
    let (s, _) = app
        .post(&ops, "/api/v1/assets", &json!({"name": "ehr"}))
        .await;
    assert_eq!(s, 409, "names are unique within an organisation");
}

both_backends!(bad_input_changes_nothing, bad_input_changes_nothing);

/// A full re-match over the whole index agrees with what the incremental
/// paths (SBOM first, advisory first) already committed.
async fn full_rematch_agrees_with_incremental_matching(app: TestApp) {
    use clearinghouse::auth::{Principal, Via};
    let admin = app.admin_token.clone();
    let (_, ops) = operator(&app, "Rural Hospital").await;
    let before = asset(&app, &ops, "before", true).await;
    upload(
        &app,
        &ops,
        &before,
        cyclonedx(&[("paramiko", "2.4.0"), ("paramiko", "1.0")]),
    )
    .await;
    import(
        &app,
        &admin,
        "ghsa.json",
        serde_json::to_vec(&osv_paramiko()).unwrap(),
    )
    .await;
    let after = asset(&app, &ops, "after", false).await;
    upload(
        &app,
        &ops,
        &after,
        cyclonedx(&[("paramiko", "2.4.0"), ("requests", "1.0")]),
    )
    .await;
    assert_eq!(exposures(&app, &ops, "").await.len(), 3);

    let user = clearinghouse::store::accounts::users::get_by_username(&app.app.store.pool, "admin")
        .await
        .unwrap()
        .unwrap();
    let who = Principal::new(user, Via::System);
    let counts = clearinghouse::matching::rematch_all(&app.app, &who, 1)
        .await
        .unwrap();
    assert_eq!(
        (counts.new, counts.changed, counts.resolved),
        (0, 0, 0),
        "{counts:?}"
    );

    // Removing the index rows behind the incremental path's back: the full
    // match resolves what no longer matches.
    sqlx::query("DELETE FROM affected_packages")
        .execute(&app.app.store.pool)
        .await
        .unwrap();
    let counts = clearinghouse::matching::rematch_all(&app.app, &who, 1)
        .await
        .unwrap();
    assert_eq!(counts.resolved, 3, "{counts:?}");
    assert!(exposures(&app, &ops, "").await.is_empty());
}

both_backends!(
    full_rematch_agrees_with_incremental_matching,
    full_rematch_agrees_with_incremental_matching
);
