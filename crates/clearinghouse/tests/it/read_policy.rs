//! The one read policy, replayed as attacks through the HTTP API: a
//! resubmitted fingerprint reads nothing of another organisation's finding,
//! submissions obey their labels, missing and unreadable records answer
//! alike, and reporter stats count only what the reader may read. Derived
//! records (validation, analysis) are in `derived.rs`; the registry of
//! labelled tables and the anonymous reader in `registry.rs`.

mod derived;
mod registry;

use serde_json::{Value, json};

use crate::both_backends;
use crate::findings::{finding, native, submit_and_wait};
use crate::harness::TestApp;

/// The people of these tests: a lab (owner of the findings) with a member
/// cleared for CUI and one who is not; another lab; clearinghouse staff
/// (a coordinator and a validator) without CUI; an auditor.
pub struct World {
    pub lab: String,
    pub rita: String,
    pub lab_plain: String,
    pub rival: String,
    pub coord: String,
    pub validator: String,
    pub auditor: String,
}

pub async fn world(app: &TestApp) -> World {
    let lab = app.org("Lab", "researcher").await;
    let rival = app.org("Rival Lab", "researcher").await;
    let gov = app.org("Centre", "government_agency").await;
    let (rita_id, _) = app.user(&lab, "rita", &["member"]).await;
    app.grant(&rita_id, &["CUI"]).await;
    let rita = app.token_for(&rita_id).await;
    let (_, lab_plain) = app.user(&lab, "larry", &["member"]).await;
    let (_, rival) = app.user(&rival, "mallory", &["member"]).await;
    let (_, coord) = app.user(&gov, "cora", &["coordinator"]).await;
    let (_, validator) = app.user(&gov, "vic", &["validator"]).await;
    let (_, auditor) = app.user(&gov, "audrey", &["auditor"]).await;
    World {
        lab,
        rita,
        lab_plain,
        rival,
        coord,
        validator,
        auditor,
    }
}

/// Submits findings and returns the submission and its item results.
pub async fn submit(
    app: &TestApp,
    token: &str,
    findings: &[Value],
    query: &str,
) -> (Value, Vec<Value>) {
    let sub = submit_and_wait(app, token, native(findings), query).await;
    assert_eq!(sub["state"], "done", "{sub}");
    let id = sub["id"].as_str().unwrap();
    let (s, page) = app
        .get(token, &format!("/api/v1/submissions/{id}/items?limit=500"))
        .await;
    assert_eq!(s, 200, "{page}");
    (sub, page["items"].as_array().unwrap().clone())
}

/// The status and problem body of a GET.
async fn answer(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    app.get(token, path).await
}

async fn resubmitted_fingerprint_reads_nothing(app: TestApp) {
    let w = world(&app).await;
    let secret = crate::findings::paramiko_campaign(&app, &w.rita).await;
    // The lab's finding, AMBER+STRICT, with a PoC.
    let bug = finding("Auth bypass", "paramiko/auth.py", 7);
    let (_, items) = submit(
        &app,
        &w.rita,
        std::slice::from_ref(&bug),
        &format!("?tlp=AMBER%2BSTRICT&campaign={secret}"),
    )
    .await;
    let fid = items[0]["finding_id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/findings/{fid}/pocs?name=x.py");
    let resp = app
        .client
        .post(app.url(&path))
        .bearer_auth(&w.rita)
        .body(b"print('exploit')".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let poc: Value = resp.json().await.unwrap();
    let poc_id = poc["id"].as_str().unwrap().to_owned();
    let before = app.get(&w.rita, &format!("/api/v1/findings/{fid}")).await.1;

    // The rival guesses the fingerprint and submits it, at CLEAR.
    let (sub, theirs) = submit(&app, &w.rival, &[bug], "?tlp=CLEAR").await;
    assert_eq!(
        sub["counts"],
        json!({"received": 1, "new": 0, "duplicates": 1, "rejected": 0})
    );
    assert_eq!(theirs[0]["outcome"], "duplicate");
    assert_eq!(
        theirs[0]["finding_id"],
        Value::Null,
        "no id of a finding they cannot read"
    );
    let dup = app
        .get(
            &w.rival,
            &format!(
                "/api/v1/submissions/{}/items?outcome=duplicate",
                sub["id"].as_str().unwrap()
            ),
        )
        .await
        .1;
    assert_eq!(dup["items"][0]["finding_id"], Value::Null, "{dup}");
    // Nothing of the finding: not the record, its PoCs, a release, credits, or lists.
    let missing = answer(
        &app,
        &w.rival,
        "/api/v1/findings/00000000-0000-0000-0000-000000000000",
    )
    .await;
    assert_eq!(missing.0, 404);
    for path in [
        format!("/api/v1/findings/{fid}"),
        format!("/api/v1/findings/{fid}/pocs"),
        format!("/api/v1/findings/{fid}/credits"),
        format!("/api/v1/pocs/{poc_id}"),
        format!("/api/v1/pocs/{poc_id}/content"),
    ] {
        assert_eq!(answer(&app, &w.rival, &path).await, missing, "{path}");
    }
    let (s, _) = app
        .post(
            &w.rival,
            &format!("/api/v1/pocs/{poc_id}/release-requests"),
            &json!({"reason": "need it"}),
        )
        .await;
    assert_eq!(s, 404);
    for query in [
        String::new(),
        format!("?campaign={secret}"),
        "?target=pkg:pypi/paramiko".to_owned(),
    ] {
        let (_, list) = app.get(&w.rival, &format!("/api/v1/findings{query}")).await;
        assert_eq!(list["items"], json!([]), "{query}: {list}");
    }
    // Nothing changed for the owner: same finding, the rival's sighting recorded.
    let after = app.get(&w.rita, &format!("/api/v1/findings/{fid}")).await.1;
    assert_eq!(after["finding"], before["finding"]);
    assert_eq!(after["sightings"].as_array().unwrap().len(), 2, "{after}");
    // AMBER+STRICT: the clearinghouse staff, its named recipients, read it.
    assert_eq!(
        app.get(&w.coord, &format!("/api/v1/findings/{fid}"))
            .await
            .0,
        200
    );
    assert_eq!(
        app.get(&w.auditor, &format!("/api/v1/findings/{fid}"))
            .await
            .0,
        404
    );
}
both_backends!(
    resubmitted_fingerprint_reads_nothing,
    resubmitted_fingerprint_reads_nothing
);

async fn submissions_obey_their_labels(app: TestApp) {
    let w = world(&app).await;
    let cui = crate::findings::paramiko_campaign(&app, &w.rita).await;
    let (sub, items) = submit(
        &app,
        &w.rita,
        &[finding("CUI bug", "a.py", 1)],
        &format!("?tlp=AMBER&visibility=CUI&campaign={cui}&name=cui.json"),
    )
    .await;
    let sid = sub["id"].as_str().unwrap().to_owned();
    let fid = items[0]["finding_id"].as_str().unwrap().to_owned();
    assert_eq!(sub["visibility"], "CUI");
    let (_, open) = submit(
        &app,
        &w.lab_plain,
        &[finding("Plain bug", "b.py", 2)],
        "?tlp=AMBER",
    )
    .await;
    let open_fid = open[0]["finding_id"].as_str().unwrap().to_owned();
    let missing = answer(&app, &w.lab_plain, "/api/v1/submissions/nope").await;
    assert_eq!(missing.0, 404);
    let admin = app.admin_token.clone();
    for (who, token) in [
        ("same-org member without CUI", &w.lab_plain),
        ("auditor", &w.auditor),
        ("coordinator without CUI", &w.coord),
        ("platform admin", &admin),
        ("another organisation", &w.rival),
    ] {
        for path in [
            format!("/api/v1/submissions/{sid}"),
            format!("/api/v1/submissions/{sid}/items"),
            format!("/api/v1/findings/{fid}"),
        ] {
            let (s, v) = answer(&app, token, &path).await;
            assert_eq!((s, &v), (404, &missing.1), "{who}: {path}");
        }
        let (_, list) = app.get(token, "/api/v1/submissions").await;
        let text = list.to_string();
        assert!(
            !text.contains(&sid) && !text.contains(cui.as_str()),
            "{who}: {list}"
        );
        let (_, list) = app.get(token, "/api/v1/findings").await;
        assert!(!list.to_string().contains(&fid), "{who}: {list}");
    }
    // The owner's cleared member and a cleared coordinator read it.
    assert_eq!(
        app.get(&w.rita, &format!("/api/v1/submissions/{sid}"))
            .await
            .0,
        200
    );
    let (coord_id, _) = app.user(&w.lab, "lab-coord", &["coordinator"]).await;
    app.grant(&coord_id, &["CUI"]).await;
    let cleared = app.token_for(&coord_id).await;
    assert_eq!(
        app.get(&cleared, &format!("/api/v1/submissions/{sid}"))
            .await
            .0,
        200
    );
    // Reporter stats count only what the reader may read.
    let stats = |v: &Value| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|r| r["org_id"] == w.lab.as_str())
            .map(|r| (r["submissions"].as_i64(), r["open"].as_i64()))
    };
    let (s, v) = app.get(&w.coord, "/api/v1/reporter-stats").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(stats(&v), Some((Some(1), Some(1))), "not the CUI one: {v}");
    let (_, v) = app.get(&cleared, "/api/v1/reporter-stats").await;
    assert_eq!(stats(&v), Some((Some(2), Some(2))), "{v}");
    assert_eq!(
        app.get(&w.coord, &format!("/api/v1/findings/{open_fid}"))
            .await
            .0,
        200
    );
}
both_backends!(submissions_obey_their_labels, submissions_obey_their_labels);

async fn a_reused_key_returns_no_unreadable_submission(app: TestApp) {
    let w = world(&app).await;
    let cui = crate::findings::paramiko_campaign(&app, &w.rita).await;
    let body = native(&[finding("Key bug", "k.py", 1)]);
    let (s, v) = crate::findings::submit(
        &app,
        &w.rita,
        body.clone(),
        &format!("?visibility=CUI&campaign={cui}"),
        Some("k-1"),
    )
    .await;
    assert_eq!(s, 202, "{v}");
    let (s, v) = crate::findings::submit(&app, &w.lab_plain, body, "", Some("k-1")).await;
    assert_eq!(s, 409, "{v}");
    assert!(!v.to_string().contains(cui.as_str()), "{v}");
    app.run_pending_jobs().await;
}
both_backends!(
    a_reused_key_returns_no_unreadable_submission,
    a_reused_key_returns_no_unreadable_submission
);
