//! Coordination cases end to end over HTTP (issue 15, items 1 and 2): the
//! vendor map pointing a case to its vendor, opening with every bad input
//! refused (field named, nothing stored), invitation and joining with
//! invited-at / last-seen, no existence oracle for outsiders, threaded
//! messages with mentions and read receipts, the timeline, the inbox
//! notices, and the audit entries.

use serde_json::{Value, json};

use crate::both_backends;
use crate::cases_support::{open_with_vendor, parties, target_date};
use crate::exposure::CVE;
use crate::harness::TestApp;

#[track_caller]
fn refused(s: u16, v: &Value, field: &str) {
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["field"], field, "{v}");
}

async fn case_count(app: &TestApp, token: &str) -> usize {
    let (s, v) = app.get(token, "/api/v1/cases").await;
    assert_eq!(s, 200, "{v}");
    v["items"].as_array().unwrap().len()
}

async fn audited(app: &TestApp, action: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM audit_log WHERE entry LIKE '%\"{action}\"%'"
    )))
    .fetch_one(&app.app.store.pool)
    .await
    .unwrap()
}

pub(crate) async fn inbox_kinds(app: &TestApp, token: &str) -> Vec<String> {
    let (s, v) = app.get(token, "/api/v1/notifications").await;
    assert_eq!(s, 200, "{v}");
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_owned())
        .collect()
}

async fn case_lifecycle(app: TestApp) {
    let p = parties(&app).await;

    // The vendor map: a coordinator maps for any organisation, a vendor for itself only.
    let (s, v) = app
        .post(
            &p.coord,
            "/api/v1/vendor-products",
            &json!({"org_id": p.vendor_org, "product": "pkg:pypi/Paramiko@2.4.0"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["match_key"], "pkg:pypi/paramiko");
    let (s, v) = app
        .post(
            &p.coord,
            "/api/v1/vendor-products",
            &json!({"org_id": p.vendor_org, "product": "pkg:pypi/paramiko"}),
        )
        .await;
    assert_eq!(s, 409, "the same key twice: {v}");
    let (s, v) = app
        .post(
            &p.vendor_member,
            "/api/v1/vendor-products",
            &json!({"product": "cpe:2.3:a:paramiko:paramiko:*:*:*:*:*:*:*:*"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["match_key"], "cpe:paramiko:paramiko");
    let (s, v) = app
        .post(
            &p.vendor_member,
            "/api/v1/vendor-products",
            &json!({"org_id": p.hospital_org, "product": "pkg:pypi/requests"}),
        )
        .await;
    assert_eq!(s, 403, "a vendor maps only its own products: {v}");
    let (s, v) = app
        .post(
            &p.hospital,
            "/api/v1/vendor-products",
            &json!({"product": "pkg:pypi/requests"}),
        )
        .await;
    assert_eq!(s, 403, "an operator is no vendor: {v}");
    let (s, v) = app
        .post(
            &p.coord,
            "/api/v1/vendor-products",
            &json!({"product": "paramiko"}),
        )
        .await;
    refused(s, &v, "product");
    let (s, v) = app
        .get(
            &p.coord,
            &format!("/api/v1/vendor-products?org_id={}", p.vendor_org),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v.as_array().unwrap().len(), 2, "{v}");
    let (s, v) = app
        .get(
            &p.hospital,
            &format!("/api/v1/vendor-products?org_id={}", p.vendor_org),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        v,
        json!([]),
        "another organisation's entries: coordinators only"
    );

    // Bad input: the field is named and nothing is stored.
    let target = target_date(40);
    let good = json!({"title": "Paramiko authentication bypass", "vulnerabilities": [CVE],
                      "target_date": target});
    for (edit, field) in [
        (json!({"target_date": "2020-01-01"}), "target_date"),
        (json!({"target_date": "next week"}), "target_date"),
        (
            json!({"vulnerabilities": ["CVE-2099-0000001"]}),
            "vulnerabilities[0]",
        ),
        (
            json!({"vulnerabilities": [CVE, "GHSA-f8q4-jwww-x3wv"]}),
            "vulnerabilities[1]",
        ),
        (json!({"vulnerabilities": []}), "vulnerabilities"),
        (json!({"tlp": "RED"}), "tlp"),
        (json!({"title": ""}), "title"),
        (json!({"colour": "red"}), "colour"),
    ] {
        let mut body = good.clone();
        for (k, val) in edit.as_object().unwrap() {
            body[k] = val.clone();
        }
        let (s, v) = app.post(&p.coord, "/api/v1/cases", &body).await;
        refused(s, &v, field);
    }
    let (s, v) = app.post(&p.vendor_admin, "/api/v1/cases", &good).await;
    assert_eq!(s, 403, "only coordinators open cases: {v}");
    assert_eq!(case_count(&app, &p.coord).await, 0, "nothing stored");
    assert_eq!(audited(&app, "case.open").await, 0);

    // Open: AMBER by default, the coordinator's organisation joined.
    let (s, c) = app.post(&p.coord, "/api/v1/cases", &good).await;
    assert_eq!(s, 201, "{c}");
    let id = c["id"].as_str().unwrap().to_owned();
    let case_path = format!("/api/v1/cases/{id}");
    assert_eq!(c["tlp"], "AMBER");
    assert_eq!(c["target_date"], target.as_str());
    assert_eq!(c["vulnerabilities"], json!([{"id": CVE, "named_as": CVE}]));
    assert_eq!(c["participants"].as_array().unwrap().len(), 1);
    assert_eq!(c["participants"][0]["org_id"], p.coord_org);
    assert_eq!(c["participants"][0]["role"], "coordinator");
    assert_eq!(c["participants"][0]["status"], "joined");
    assert_eq!(audited(&app, "case.open").await, 1);

    // No existence oracle: an outsider, and the vendor before its invitation,
    // get the same 404 as for a missing case, on every case route.
    let missing = "/api/v1/cases/0193f0a2-7c1e-7a4b-9c3d-1e2f3a4b5c6d";
    let (s, gone) = app.get(&p.outsider, missing).await;
    assert_eq!(s, 404);
    for who in [&p.outsider, &p.vendor_admin, &p.hospital] {
        for path in ["", "/messages", "/events", "/vendors"] {
            let (s, v) = app.get(who, &format!("{case_path}{path}")).await;
            assert_eq!(s, 404, "{path}: {v}");
            assert_eq!(v["detail"], gone["detail"]);
        }
        let (s, _) = app
            .post(
                who,
                &format!("{case_path}/messages"),
                &json!({"body": "hello?"}),
            )
            .await;
        assert_eq!(s, 404);
        let (s, _) = app
            .post(who, &format!("{case_path}/join"), &json!({}))
            .await;
        assert_eq!(s, 404);
        assert_eq!(case_count(&app, who).await, 0);
    }

    // The vendor map points the case to the vendor.
    let (s, v) = app.get(&p.coord, &format!("{case_path}/vendors")).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v[0]["org_id"], p.vendor_org);
    assert_eq!(v[0]["org_name"], "Paramiko Maintainers");
    assert_eq!(v[0]["products"], json!(["pkg:pypi/paramiko"]));
    assert_eq!(v[0]["vulnerabilities"], json!([CVE]));
    assert_eq!(v[0]["participant"], false);

    // Invitation.
    let invite = format!("{case_path}/participants");
    let (s, v) = app
        .post(
            &p.coord,
            &invite,
            &json!({"org_id": p.vendor_org, "role": "maker"}),
        )
        .await;
    refused(s, &v, "role");
    let (s, v) = app
        .post(
            &p.coord,
            &invite,
            &json!({"org_id": "no-such-org", "role": "vendor"}),
        )
        .await;
    refused(s, &v, "org_id");
    let (s, c) = app
        .post(
            &p.coord,
            &invite,
            &json!({"org_id": p.vendor_org, "role": "vendor"}),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    let (s, v) = app
        .post(
            &p.coord,
            &invite,
            &json!({"org_id": p.vendor_org, "role": "vendor"}),
        )
        .await;
    assert_eq!(s, 409, "{v}");
    assert!(
        inbox_kinds(&app, &p.vendor_member)
            .await
            .contains(&"case.invited".to_owned())
    );
    assert!(inbox_kinds(&app, &p.outsider).await.is_empty());

    // The invited vendor reads the case; it is "invited", not yet seen.
    let (s, c) = app.get(&p.coord, &case_path).await;
    assert_eq!(s, 200, "{c}");
    let vendor = c["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["org_id"] == p.vendor_org.as_str())
        .unwrap()
        .clone();
    assert_eq!(vendor["role"], "vendor");
    assert_eq!(vendor["status"], "invited");
    assert!(vendor["invited_at"].is_string());
    assert!(vendor["last_seen_at"].is_null());
    assert_eq!(case_count(&app, &p.vendor_member).await, 1);
    let (s, c) = app.get(&p.vendor_member, &case_path).await;
    assert_eq!(s, 200, "{c}");
    let (s, v) = app
        .post(
            &p.vendor_member,
            &invite,
            &json!({"org_id": p.hospital_org, "role": "operator"}),
        )
        .await;
    assert_eq!(s, 403, "only coordinators invite: {v}");

    // Joining: the vendor's admin, once.
    let join = format!("{case_path}/join");
    let (s, v) = app.post(&p.vendor_member, &join, &json!({})).await;
    assert_eq!(s, 403, "a member does not join for the organisation: {v}");
    let (s, c) = app.post(&p.vendor_admin, &join, &json!({})).await;
    assert_eq!(s, 200, "{c}");
    let (s, v) = app.post(&p.vendor_admin, &join, &json!({})).await;
    assert_eq!(s, 409, "{v}");
    let (s, c) = app.get(&p.coord, &case_path).await;
    assert_eq!(s, 200);
    let vendor = c["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["org_id"] == p.vendor_org.as_str())
        .unwrap()
        .clone();
    assert_eq!(vendor["status"], "joined");
    assert!(vendor["joined_at"].is_string());
    assert!(vendor["last_seen_at"].is_string(), "{vendor}");
    assert!(
        inbox_kinds(&app, &p.coord)
            .await
            .contains(&"case.joined".to_owned())
    );

    // Messages: threads, mentions, read receipts.
    let messages = format!("{case_path}/messages");
    let (s, v) = app
        .post(&p.vendor_member, &messages, &json!({"body": "  "}))
        .await;
    refused(s, &v, "body");
    let (s, v) = app
        .post(
            &p.vendor_member,
            &messages,
            &json!({"body": "x", "reply_to": "nope"}),
        )
        .await;
    refused(s, &v, "reply_to");
    let (s, v) = app
        .post(
            &p.vendor_member,
            &messages,
            &json!({"body": "x", "mentions": [p.hospital_org]}),
        )
        .await;
    refused(s, &v, "mentions[0]");
    let (s, first) = app
        .post(
            &p.vendor_member,
            &messages,
            &json!({"body": "We confirm; a fix ships in 2.4.1.", "mentions": [p.coord_org]}),
        )
        .await;
    assert_eq!(s, 201, "{first}");
    assert!(
        inbox_kinds(&app, &p.coord)
            .await
            .contains(&"case.mention".to_owned())
    );
    let (s, v) = app.get(&p.vendor_member, &messages).await;
    assert_eq!(s, 200);
    assert_eq!(
        v[0]["read_by_orgs"],
        json!([]),
        "not read by the coordinator yet: {v}"
    );
    let (s, reply) = app
        .post(
            &p.coord,
            &messages,
            &json!({"body": "Thanks. Target date stands.", "reply_to": first["id"]}),
        )
        .await;
    assert_eq!(s, 201, "{reply}");
    assert!(
        inbox_kinds(&app, &p.vendor_member)
            .await
            .contains(&"case.message".to_owned())
    );
    let (s, v) = app.get(&p.vendor_member, &messages).await;
    assert_eq!(s, 200, "{v}");
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["read_by_orgs"], json!([p.coord_org]), "{v}");
    assert_eq!(list[1]["reply_to"], first["id"]);
    assert_eq!(list[1]["read_by_orgs"], json!([p.vendor_org]), "{v}");

    // The timeline, and an audit entry per change.
    let (s, v) = app
        .get(&p.vendor_member, &format!("{case_path}/events"))
        .await;
    assert_eq!(s, 200, "{v}");
    let kinds: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["opened", "invited", "joined", "message", "message"]);
    assert_eq!(v[1]["org_id"], p.vendor_org);
    assert_eq!(v[1]["detail"]["role"], "vendor");
    for (action, n) in [
        ("case.invite", 1),
        ("case.join", 1),
        ("case.message", 2),
        ("vendor_product.add", 2),
    ] {
        assert_eq!(audited(&app, action).await, n, "{action}");
    }
    let (s, v) = app
        .get(&p.vendor_member, &format!("{case_path}/vendors"))
        .await;
    assert_eq!(s, 200);
    assert_eq!(v[0]["participant"], true);
    // Still nothing for the outsider.
    let (s, _) = app.get(&p.outsider, &case_path).await;
    assert_eq!(s, 404);
}
both_backends!(case_lifecycle, case_lifecycle);

async fn all_exposures(app: &TestApp, token: &str) -> Vec<Value> {
    let (s, v) = app.get(token, "/api/v1/exposures?state=all").await;
    assert_eq!(s, 200, "{v}");
    v["items"].as_array().unwrap().clone()
}

async fn statements(app: &TestApp, token: &str, case: &str) -> Vec<Value> {
    let (s, v) = app
        .get(token, &format!("/api/v1/cases/{case}/statements"))
        .await;
    assert_eq!(s, 200, "{v}");
    v.as_array().unwrap().clone()
}

/// A vendor's not-affected statement takes the hospital's exposure away,
/// shown with its justification; a later affected statement restores it;
/// a CycloneDX VEX upload does the same; bad statements change nothing.
async fn vex_statements_drive_exposure(app: TestApp) {
    let p = parties(&app).await;
    let ehr = crate::exposure::asset(&app, &p.hospital, "ehr", true).await;
    let (s, v) = crate::exposure::upload(
        &app,
        &p.hospital,
        &ehr,
        crate::exposure::cyclonedx(&[("paramiko", "2.4.0")]),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let open = all_exposures(&app, &p.hospital).await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["state"], "open");

    let id = open_with_vendor(&app, &p, "Paramiko", &[CVE], &["pkg:pypi/paramiko"], true).await;
    let path = format!("/api/v1/cases/{id}/statements");

    // Refused: the field is named, nothing is stored, the exposure stays.
    let stmt = |status: &str| json!({"vulnerability": CVE, "product": "pkg:pypi/paramiko", "status": status});
    for (body, field, who) in [
        (
            stmt("not_affected"),
            "statements[0].justification",
            &p.vendor_member,
        ),
        (
            json!({"vulnerability": CVE, "product": "pkg:pypi/requests", "status": "affected"}),
            "statements[0].product",
            &p.vendor_member,
        ),
        (
            json!({"vulnerability": "CVE-2021-44228", "product": "pkg:pypi/paramiko", "status": "affected"}),
            "statements[0].vulnerability",
            &p.vendor_member,
        ),
        (
            stmt("fixed"),
            "statements[0].fixed_version",
            &p.vendor_member,
        ),
        (stmt("unknown"), "statements[0].status", &p.vendor_member),
    ] {
        let (s, v) = app
            .post(who, &path, &json!({"statements": [stmt("affected"), body]}))
            .await;
        assert_eq!(s, 422, "{v}");
        assert_eq!(v["field"], field.replace("[0]", "[1]"), "{v}");
    }
    let (s, v) = app
        .post(&p.coord, &path, &json!({"statements": [stmt("affected")]}))
        .await;
    assert_eq!(s, 403, "only a vendor participant states status: {v}");
    let (s, _) = app
        .post(
            &p.outsider,
            &path,
            &json!({"statements": [stmt("affected")]}),
        )
        .await;
    assert_eq!(s, 404);
    assert!(
        statements(&app, &p.coord, &id).await.is_empty(),
        "nothing stored"
    );
    assert_eq!(all_exposures(&app, &p.hospital).await[0]["state"], "open");

    // Not affected: the exposure is resolved with the justification.
    let mut na = stmt("not_affected");
    na["justification"] = json!("vulnerable_code_not_present");
    na["remediation"] = json!("The vulnerable transport is not shipped.");
    let (s, v) = app
        .post(&p.vendor_member, &path, &json!({"statements": [na]}))
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v[0]["product"], "pkg:pypi/paramiko");
    let e = all_exposures(&app, &p.hospital).await;
    assert_eq!(e[0]["state"], "not_affected", "{e:?}");
    assert_eq!(
        e[0]["state_reason"],
        "not affected per vendor VEX, justification vulnerable_code_not_present"
    );
    let (s, v) = app.get(&p.hospital, "/api/v1/exposures").await;
    assert_eq!(s, 200);
    assert_eq!(
        v["items"].as_array().unwrap().len(),
        0,
        "no longer exposed: {v}"
    );

    // A later affected statement restores it; the matrix shows the current one.
    let (s, v) = app
        .post(
            &p.vendor_member,
            &path,
            &json!({"statements": [stmt("affected")]}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(all_exposures(&app, &p.hospital).await[0]["state"], "open");
    let current = statements(&app, &p.coord, &id).await;
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["status"], "affected");
    let (s, v) = app.get(&p.coord, &format!("{path}?history=true")).await;
    assert_eq!(s, 200);
    assert_eq!(
        v.as_array().unwrap().len(),
        2,
        "superseded, never edited: {v}"
    );

    // The same through a CycloneDX VEX upload naming the exposed version.
    let vex = json!({
        "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
        "components": [{"bom-ref": "pm", "type": "library", "name": "paramiko",
                        "purl": "pkg:pypi/paramiko@2.4.0"}],
        "vulnerabilities": [{"id": CVE,
            "analysis": {"state": "not_affected", "justification": "code_not_reachable"},
            "affects": [{"ref": "pm", "versions": [{"version": "2.4.0", "status": "unaffected"}]}]}]
    });
    let upload = format!("/api/v1/cases/{id}/vex");
    let mut bad = vex.clone();
    bad["vulnerabilities"][0]["analysis"] = json!({"state": "not_affected"});
    let (s, v) = crate::exposure::raw(
        &app,
        reqwest::Method::POST,
        &p.vendor_member,
        &upload,
        serde_json::to_vec(&bad).unwrap(),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(
        v["field"], "vulnerabilities[0].analysis.justification",
        "{v}"
    );
    let (s, v) = crate::exposure::raw(
        &app,
        reqwest::Method::POST,
        &p.vendor_member,
        &upload,
        b"not json".to_vec(),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["field"], "file");
    let (s, v) = crate::exposure::raw(
        &app,
        reqwest::Method::POST,
        &p.vendor_member,
        &upload,
        serde_json::to_vec(&vex).unwrap(),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v[0]["source"], "cyclonedx");
    assert_eq!(v[0]["justification"], "vulnerable_code_not_in_execute_path");
    let e = all_exposures(&app, &p.hospital).await;
    assert_eq!(e[0]["state"], "not_affected", "{e:?}");
    assert_eq!(
        e[0]["state_reason"],
        "not affected per vendor VEX, justification vulnerable_code_not_in_execute_path"
    );
    // The real CycloneDX example names products by BOM-link outside this
    // case: refused, naming the statement's product.
    if let Some(dir) = crate::harness::real_data::sub_dir("cyclonedx-bom-examples/VEX") {
        let bytes = std::fs::read(dir.join("vex.json")).unwrap();
        let (s, v) = crate::exposure::raw(
            &app,
            reqwest::Method::POST,
            &p.vendor_member,
            &upload,
            bytes,
        )
        .await;
        assert_eq!(s, 422, "{v}");
        assert_eq!(v["field"], "vulnerabilities[0].id", "{v}");
    }
    let (s, v) = app
        .get(&p.vendor_member, &format!("/api/v1/cases/{id}/events"))
        .await;
    assert_eq!(s, 200);
    let changed = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "status_changed")
        .count();
    assert_eq!(changed, 3, "{v}");
    assert_eq!(audited(&app, "case.status").await, 3);

    // Version ranges: a not-affected statement over a range holding 2.4.0
    // resolves the exposure, one over a range without it does not, and a
    // later affected statement over the same range restores it.
    let ranged = |status: &str, range: &str| {
        let mut s = json!({"vulnerability": CVE, "product": "pkg:pypi/paramiko",
                           "versions": [range], "status": status});
        if status == "not_affected" {
            s["justification"] = json!("vulnerable_code_not_present");
        }
        json!({"statements": [s]})
    };
    let mut listed = stmt("affected");
    listed["versions"] = json!(["2.4.0"]);
    let (s, v) = app
        .post(&p.vendor_member, &path, &json!({"statements": [listed]}))
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(all_exposures(&app, &p.hospital).await[0]["state"], "open");
    let (s, v) = app
        .post(
            &p.vendor_member,
            &path,
            &ranged("not_affected", "vers:pypi/>=2.5"),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(
        all_exposures(&app, &p.hospital).await[0]["state"],
        "open",
        "2.4.0 is outside"
    );
    let range = "vers:pypi/>=2.0|<2.4.1";
    let (s, v) = app
        .post(&p.vendor_member, &path, &ranged("not_affected", range))
        .await;
    assert_eq!(s, 201, "{v}");
    let e = all_exposures(&app, &p.hospital).await;
    assert_eq!(e[0]["state"], "not_affected", "2.4.0 is inside: {e:?}");
    let (s, v) = app
        .post(&p.vendor_member, &path, &ranged("affected", range))
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(all_exposures(&app, &p.hospital).await[0]["state"], "open");
    let (s, v) = app
        .post(
            &p.vendor_member,
            &path,
            &ranged("not_affected", "vers:pypi/>2.0"),
        )
        .await;
    assert_eq!(s, 422, "a range that cannot be evaluated: {v}");
    assert_eq!(v["field"], "statements[0].versions[0]");
}
both_backends!(vex_statements_drive_exposure, vex_statements_drive_exposure);
