//! Regression tests of the security findings on coordination cases (the
//! hostile pass of 6 Dec, section "cases"), on both backends: a vendor
//! states VEX only for products the vendor map confirms as its own, and a
//! vendor's own claims wait for a coordinator; the vendor map is listed in
//! full to coordinators only; joining is the gate to speak in a case; case
//! staff are coordinators, not validators; a statement's unknown keys, a
//! second publication and an embargo over a year are refused; case notices
//! name the case, its vulnerabilities and organisations, not their ids.

use serde_json::{Value, json};

use crate::both_backends;
use crate::cases_support::{invite, join, map_product, paramiko_case, parties, target_date};
use crate::exposure::{CVE, asset, cyclonedx, upload};
use crate::harness::TestApp;

fn not_affected() -> Value {
    json!({"statements": [{"vulnerability": CVE, "product": "pkg:pypi/paramiko",
        "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]})
}

async fn statement_count(app: &TestApp) -> i64 {
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM case_statements")
        .fetch_one(&app.app.store.pool)
        .await
        .unwrap()
}

async fn exposure_states(app: &TestApp, token: &str) -> Vec<(String, String)> {
    let (s, v) = app.get(token, "/api/v1/exposures?state=all").await;
    assert_eq!(s, 200, "{v}");
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["state"].as_str().unwrap_or_default().to_owned(),
                e["state_reason"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

async fn map_list(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let (s, v) = app
        .get(token, &format!("/api/v1/vendor-products{query}"))
        .await;
    assert_eq!(s, 200, "{v}");
    v.as_array().unwrap().clone()
}

/// [H] A vendor claims products pending a coordinator's decision; only a
/// confirmed product lets it state VEX, and only its own: another vendor's
/// not_affected for paramiko is refused and closes nothing.
async fn vex_only_for_confirmed_own_products(app: TestApp) {
    let p = parties(&app).await;
    let other_org = app.org("Bolt Systems", "vendor").await;
    let (_, rogue) = app.user(&other_org, "bolt-admin", &["org_admin"]).await;
    let ehr = asset(&app, &p.hospital, "ehr", true).await;
    let (s, v) = upload(&app, &p.hospital, &ehr, cyclonedx(&[("paramiko", "2.4.0")])).await;
    assert_eq!(s, 200, "{v}");

    // Claims by vendors are pending; the rogue claims paramiko too.
    for who in [&p.vendor_member, &rogue] {
        let (s, v) = app
            .post(
                who,
                "/api/v1/vendor-products",
                &json!({"product": "pkg:pypi/paramiko"}),
            )
            .await;
        assert_eq!(s, 201, "{v}");
        assert_eq!(v["status"], "pending", "{v}");
    }
    // The list: coordinators see every entry, a vendor its own, an operator none.
    assert_eq!(map_list(&app, &p.coord, "?status=pending").await.len(), 2);
    let own = map_list(&app, &rogue, "").await;
    assert_eq!(own.len(), 1);
    assert_eq!(own[0]["org_id"], other_org.as_str());
    assert!(
        map_list(&app, &rogue, &format!("?org_id={}", p.vendor_org))
            .await
            .is_empty()
    );
    assert!(map_list(&app, &p.hospital, "").await.is_empty());
    let (s, v) = app
        .get(&p.coord, "/api/v1/vendor-products?status=maybe")
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["field"], "status");

    // Pending claims suggest nobody.
    let id = paramiko_case(&app, &p).await;
    invite(&app, &p, &id, &other_org).await;
    let (s, v) = app
        .get(&p.coord, &format!("/api/v1/cases/{id}/vendors"))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v, json!([]), "pending claims suggest no vendor");
    join(&app, &p.vendor_admin, &id).await;
    join(&app, &rogue, &id).await;
    let path = format!("/api/v1/cases/{id}/statements");
    let (s, v) = app.post(&p.vendor_member, &path, &not_affected()).await;
    assert_eq!(s, 422, "a pending claim states nothing: {v}");
    assert_eq!(v["field"], "statements[0].product");

    // A coordinator decides; nobody else may.
    let decide = "/api/v1/vendor-products/decision";
    let (s, v) = app
        .post(
            &p.vendor_admin,
            decide,
            &json!({"org_id": p.vendor_org, "product": "pkg:pypi/paramiko", "decision": "confirm"}),
        )
        .await;
    assert_eq!(s, 403, "{v}");
    let (s, v) = app
        .post(
            &p.coord,
            decide,
            &json!({"org_id": p.vendor_org, "product": "pkg:pypi/paramiko", "decision": "confirm"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "confirmed");
    let (s, v) = app
        .post(
            &p.coord,
            decide,
            &json!({"org_id": other_org, "product": "pkg:pypi/paramiko", "decision": "reject"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["status"], "rejected");
    let (s, v) = app
        .post(
            &p.coord,
            decide,
            &json!({"org_id": other_org, "product": "pkg:pypi/paramiko", "decision": "confirm"}),
        )
        .await;
    assert_eq!(s, 422, "decided once: {v}");
    let (s, v) = app
        .get(&p.coord, &format!("/api/v1/cases/{id}/vendors"))
        .await;
    assert_eq!(s, 200);
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v[0]["org_id"], p.vendor_org.as_str());

    // The rogue vendor's statement is refused, naming the product; nothing
    // is stored and the operator stays exposed.
    let (s, v) = app.post(&rogue, &path, &not_affected()).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["field"], "statements[0].product", "{v}");
    assert_eq!(statement_count(&app).await, 0);
    assert_eq!(
        exposure_states(&app, &p.hospital).await[0].0,
        "open",
        "a stranger's VEX closes nothing"
    );
    // The product's confirmed vendor states it.
    let (s, v) = app.post(&p.vendor_member, &path, &not_affected()).await;
    assert_eq!(s, 201, "{v}");
    assert_ne!(exposure_states(&app, &p.hospital).await[0].0, "open");
}
both_backends!(
    vex_only_for_confirmed_own_products,
    vex_only_for_confirmed_own_products
);

/// [M] Joining is the gate: an invited organisation reads the case but
/// posts neither messages nor statements before its admin joins.
async fn joining_is_the_gate(app: TestApp) {
    let p = parties(&app).await;
    let (s, v) = app
        .post(
            &p.coord,
            "/api/v1/vendor-products",
            &json!({"org_id": p.vendor_org, "product": "pkg:pypi/paramiko"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["status"], "confirmed", "a coordinator's entry: {v}");
    let id = paramiko_case(&app, &p).await;
    let (s, v) = app
        .get(&p.vendor_member, &format!("/api/v1/cases/{id}"))
        .await;
    assert_eq!(s, 200, "reads to decide: {v}");
    let messages = format!("/api/v1/cases/{id}/messages");
    let statements = format!("/api/v1/cases/{id}/statements");
    for who in [&p.vendor_member, &p.vendor_admin] {
        let (s, v) = app.post(who, &messages, &json!({"body": "hello"})).await;
        assert_eq!(s, 403, "{v}");
        assert!(
            v["detail"]
                .as_str()
                .unwrap()
                .contains("join the case first"),
            "{v}"
        );
        let (s, v) = app.post(who, &statements, &not_affected()).await;
        assert_eq!(s, 403, "{v}");
        assert!(
            v["detail"]
                .as_str()
                .unwrap()
                .contains("join the case first"),
            "{v}"
        );
    }
    assert_eq!(statement_count(&app).await, 0);
    let (s, v) = app.get(&p.coord, &messages).await;
    assert_eq!(s, 200);
    assert_eq!(v, json!([]), "nothing posted");
    join(&app, &p.vendor_admin, &id).await;
    let (s, v) = app
        .post(&p.vendor_member, &messages, &json!({"body": "hello"}))
        .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = app
        .post(&p.vendor_member, &statements, &not_affected())
        .await;
    assert_eq!(s, 201, "{v}");
}
both_backends!(joining_is_the_gate, joining_is_the_gate);

/// [L/M] Case staff are coordinators: a validator of another organisation
/// gets the same 404 as for a missing case, on reads and writes.
async fn validators_are_not_case_staff(app: TestApp) {
    let p = parties(&app).await;
    let research = app.org("Redteam Research", "researcher").await;
    let (_, validator) = app.user(&research, "rr-val", &["validator"]).await;
    let id = paramiko_case(&app, &p).await;
    let base = format!("/api/v1/cases/{id}");
    let missing = "/api/v1/cases/0193f0a2-7c1e-7a4b-9c3d-1e2f3a4b5c6d";
    let (s, gone) = app.get(&validator, missing).await;
    assert_eq!(s, 404);
    for path in ["", "/messages", "/events", "/statements", "/vendors"] {
        let (s, v) = app.get(&validator, &format!("{base}{path}")).await;
        assert_eq!(s, 404, "{path}: {v}");
        assert_eq!(v, gone, "{path}");
    }
    let (s, v) = app
        .post(
            &validator,
            &format!("{base}/messages"),
            &json!({"body": "peek"}),
        )
        .await;
    assert_eq!(s, 404, "{v}");
    let (s, v) = app.get(&validator, "/api/v1/cases").await;
    assert_eq!(s, 200);
    assert_eq!(v["items"], json!([]), "{v}");
    // A coordinator of another organisation is case staff.
    let other = app.org("Second Coordination", "government_agency").await;
    let (_, coord2) = app.user(&other, "cc2", &["coordinator"]).await;
    let (s, v) = app.get(&coord2, &base).await;
    assert_eq!(s, 200, "{v}");
}
both_backends!(validators_are_not_case_staff, validators_are_not_case_staff);

/// [L] Unknown keys in a statement, an embargo over 365 days and a second
/// publication are refused, naming the key, the field and the state.
async fn bad_statement_keys_dates_and_republication(app: TestApp) {
    let p = parties(&app).await;
    map_product(&app, &p, "pkg:pypi/paramiko").await;
    let id = paramiko_case(&app, &p).await;
    join(&app, &p.vendor_admin, &id).await;
    let mut body = not_affected();
    body["statements"][0]["extra"] = json!(1);
    let (s, v) = app
        .post(
            &p.vendor_member,
            &format!("/api/v1/cases/{id}/statements"),
            &body,
        )
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["field"], "statements[0].extra");
    assert_eq!(statement_count(&app).await, 0);

    // The embargo: at most 365 days ahead, on opening and on moving.
    let (s, v) = app
        .post(
            &p.coord,
            "/api/v1/cases",
            &json!({"title": "far", "vulnerabilities": [CVE], "target_date": target_date(366)}),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["field"], "target_date");
    let (s, v) = app
        .post(
            &p.coord,
            &format!("/api/v1/cases/{id}/date"),
            &json!({"target_date": "2099-01-01", "reason": "vendor needs time"}),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["field"], "target_date");
    let (s, v) = app
        .post(
            &p.coord,
            &format!("/api/v1/cases/{id}/date"),
            &json!({"target_date": target_date(365), "reason": "vendor needs time"}),
        )
        .await;
    assert_eq!(s, 200, "a year is allowed: {v}");

    // Publishing twice: 409 naming the state, with or without a reason.
    let publish = format!("/api/v1/cases/{id}/publish");
    let (s, v) = app
        .post(
            &p.coord,
            &publish,
            &json!({"reason": "exploited in the wild"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    for body in [json!({}), json!({"reason": "again"})] {
        let (s, v) = app.post(&p.coord, &publish, &body).await;
        assert_eq!(s, 409, "{v}");
        assert!(
            v["detail"]
                .as_str()
                .unwrap()
                .contains("the case is already published"),
            "{v}"
        );
    }
}
both_backends!(
    bad_statement_keys_dates_and_republication,
    bad_statement_keys_dates_and_republication
);

/// [M] A vendor's not_affected closes an open exposure as `not_affected`
/// (not `patched`), with the justification, and tells the operator; a new
/// SBOM's match is recorded closed the same way; a later affected
/// statement opens it again.
async fn not_affected_is_its_own_state(app: TestApp) {
    let p = parties(&app).await;
    let ehr = asset(&app, &p.hospital, "ehr", true).await;
    let (s, v) = upload(&app, &p.hospital, &ehr, cyclonedx(&[("paramiko", "2.4.0")])).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = app
        .post(
            &p.coord,
            "/api/v1/vendor-products",
            &json!({"org_id": p.vendor_org, "product": "pkg:pypi/paramiko"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let id = paramiko_case(&app, &p).await;
    join(&app, &p.vendor_admin, &id).await;
    let path = format!("/api/v1/cases/{id}/statements");
    let (s, v) = app.post(&p.vendor_member, &path, &not_affected()).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(
        exposure_states(&app, &p.hospital).await,
        [(
            "not_affected".to_owned(),
            "not affected per vendor VEX, justification vulnerable_code_not_in_execute_path"
                .to_owned()
        )]
    );
    let (s, v) = app
        .get(&p.hospital, "/api/v1/exposures?state=not_affected")
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["items"].as_array().unwrap().len(), 1, "{v}");
    let (s, v) = app.get(&p.hospital, "/api/v1/notifications").await;
    assert_eq!(s, 200, "{v}");
    let told = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "exposure.not_affected")
        .unwrap_or_else(|| panic!("the operator is told: {v}"))
        .clone();
    assert!(
        told["body"]
            .as_str()
            .unwrap()
            .contains("vulnerable_code_not_in_execute_path"),
        "{told}"
    );
    // An operator cannot set the state by hand.
    let (_, list) = app.get(&p.hospital, "/api/v1/exposures?state=all").await;
    let eid = list["items"][0]["id"].as_str().unwrap().to_owned();
    let (s, v) = app
        .send(
            reqwest::Method::PATCH,
            &p.hospital,
            &format!("/api/v1/exposures/{eid}"),
            &json!({"state": "not_affected"}),
        )
        .await;
    assert_eq!(s, 422, "set only by the vendor's statement: {v}");
    assert_eq!(v["field"], "state");

    // A new SBOM with the same component: recorded, closed, not hidden.
    let lab = asset(&app, &p.hospital, "lab", true).await;
    let (s, v) = upload(&app, &p.hospital, &lab, cyclonedx(&[("paramiko", "2.4.0")])).await;
    assert_eq!(s, 200, "{v}");
    let states = exposure_states(&app, &p.hospital).await;
    assert_eq!(states.len(), 2, "{states:?}");
    assert!(
        states.iter().all(|(s, _)| s == "not_affected"),
        "{states:?}"
    );

    // The vendor's affected statement opens both again.
    let mut affected = not_affected();
    affected["statements"][0]["status"] = json!("affected");
    affected["statements"][0]
        .as_object_mut()
        .unwrap()
        .remove("justification");
    let (s, v) = app.post(&p.vendor_member, &path, &affected).await;
    assert_eq!(s, 201, "{v}");
    let states = exposure_states(&app, &p.hospital).await;
    assert!(states.iter().all(|(s, _)| s == "open"), "{states:?}");
}
both_backends!(not_affected_is_its_own_state, not_affected_is_its_own_state);

/// [M] A published case's advisory is read under its TLP: AMBER by the
/// exposed operator (not a participant), not by an unexposed outsider;
/// GREEN by any signed-in organisation; unpublished by participants only.
async fn published_advisory_follows_its_tlp(app: TestApp) {
    let p = parties(&app).await;
    let ehr = asset(&app, &p.hospital, "ehr", true).await;
    let (s, v) = upload(&app, &p.hospital, &ehr, cyclonedx(&[("paramiko", "2.4.0")])).await;
    assert_eq!(s, 200, "{v}");
    let id = paramiko_case(&app, &p).await;
    let csaf = format!("/api/v1/cases/{id}/csaf");
    let (s, _) = app.get(&p.hospital, &csaf).await;
    assert_eq!(s, 404, "unpublished: participants only");
    let (s, v) = app
        .post(
            &p.coord,
            &format!("/api/v1/cases/{id}/publish"),
            &json!({"reason": "exploited in the wild"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, doc) = app.get(&p.hospital, &csaf).await;
    assert_eq!(
        s, 200,
        "the exposed operator reads the AMBER advisory: {doc}"
    );
    assert_eq!(doc["document"]["tracking"]["version"], "1");
    let (s, gone) = app.get(&p.outsider, &csaf).await;
    assert_eq!(s, 404, "not exposed, not a participant: {gone}");
    let (s, _) = app.get(&p.hospital, &format!("/api/v1/cases/{id}")).await;
    assert_eq!(s, 404, "the case itself stays with its participants");

    // GREEN: any signed-in organisation.
    let (s, c) = app
        .post(
            &p.coord,
            "/api/v1/cases",
            &json!({"title": "Paramiko (green)", "vulnerabilities": [CVE],
                    "target_date": target_date(30), "tlp": "GREEN"}),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    let green = c["id"].as_str().unwrap().to_owned();
    let green_csaf = format!("/api/v1/cases/{green}/csaf");
    let (s, _) = app.get(&p.outsider, &green_csaf).await;
    assert_eq!(s, 404, "unpublished");
    let (s, v) = app
        .post(
            &p.coord,
            &format!("/api/v1/cases/{green}/publish"),
            &json!({"reason": "exploited in the wild"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = app.get(&p.outsider, &green_csaf).await;
    assert_eq!(s, 200, "{v}");
}
both_backends!(
    published_advisory_follows_its_tlp,
    published_advisory_follows_its_tlp
);

/// Every case notice's text, of an organisation's inbox.
async fn case_notices(app: &TestApp, token: &str) -> Vec<(String, String)> {
    let (s, v) = app.get(token, "/api/v1/notifications").await;
    assert_eq!(s, 200, "{v}");
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"].as_str().unwrap_or_default().starts_with("case."))
        .map(|n| {
            (
                n["kind"].as_str().unwrap().to_owned(),
                format!(
                    "{} | {}",
                    n["title"].as_str().unwrap(),
                    n["body"].as_str().unwrap()
                ),
            )
        })
        .collect()
}

/// [L] Case notices name the case by its title and vulnerabilities and the
/// acting organisation by its name, never by raw ids.
async fn case_notices_name_things(app: TestApp) {
    let p = parties(&app).await;
    map_product(&app, &p, "pkg:pypi/paramiko").await;
    let id = paramiko_case(&app, &p).await;
    join(&app, &p.vendor_admin, &id).await;
    let base = format!("/api/v1/cases/{id}");
    let (s, v) = app
        .post(
            &p.coord,
            &format!("{base}/messages"),
            &json!({"body": "Status?"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = app
        .post(
            &p.coord,
            &format!("{base}/date"),
            &json!({"target_date": target_date(50), "reason": "vendor needs time"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = app
        .post(
            &p.vendor_member,
            &format!("{base}/statements"),
            &not_affected(),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = crate::exposure::raw(
        &app,
        reqwest::Method::POST,
        &p.vendor_member,
        &format!("{base}/patches?name=fix.tar.gz&fixed_version=2.4.2"),
        b"fix".to_vec(),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = app
        .post(
            &p.coord,
            &format!("{base}/publish"),
            &json!({"reason": "KEV"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");

    let vendor = case_notices(&app, &p.vendor_member).await;
    let coord = case_notices(&app, &p.coord).await;
    let with = |list: &[(String, String)], kind: &str| -> String {
        list.iter()
            .find(|(k, _)| k == kind)
            .map(|(_, t)| t.clone())
            .unwrap_or_else(|| panic!("no {kind} in {list:?}"))
    };
    for (list, kind, words) in [
        (
            &vendor,
            "case.invited",
            &["Coordination Center", "“Paramiko”", CVE][..],
        ),
        (
            &vendor,
            "case.message",
            &["Coordination Center", "“Paramiko”"][..],
        ),
        (
            &vendor,
            "case.date_moved",
            &["“Paramiko”", CVE, "vendor needs time"][..],
        ),
        (&vendor, "case.published", &[CVE, "Paramiko"][..]),
        (
            &coord,
            "case.joined",
            &["Paramiko Maintainers", "“Paramiko”"][..],
        ),
        (
            &coord,
            "case.status_changed",
            &["Paramiko Maintainers", CVE][..],
        ),
        (
            &coord,
            "case.patch_released",
            &["Paramiko Maintainers", "fix.tar.gz", CVE][..],
        ),
    ] {
        let text = with(list, kind);
        for w in words {
            assert!(text.contains(w), "{kind}: {w} in {text}");
        }
    }
    for (kind, text) in vendor.iter().chain(coord.iter()) {
        assert!(!text.contains(&id), "{kind} shows the case id: {text}");
        assert!(
            !text.contains(&p.vendor_org),
            "{kind} shows an org id: {text}"
        );
        assert!(
            !text.contains(&p.coord_org),
            "{kind} shows an org id: {text}"
        );
    }
}
both_backends!(case_notices_name_things, case_notices_name_things);
