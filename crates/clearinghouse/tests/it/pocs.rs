//! The proof-of-concept vault: material sealed at rest, listed as metadata,
//! released only when a second person (a coordinator) approves, every
//! download audited; tampering is an error, never plaintext.

use serde_json::{Value, json};

use crate::both_backends;
use crate::findings;
use crate::harness::TestApp;

/// Plaintext whose every piece is easy to spot in files and responses.
const EXPLOIT: &[u8] = b"#!/usr/bin/env python3\n# MARKER-7f3a-EXPLOIT paramiko auth bypass\n\
import paramiko\nprint('MARKER-7f3a-EXPLOIT')\n";
const MARKER: &[u8] = b"MARKER-7f3a-EXPLOIT";

/// A finding reported (through intake) by the holder of `token`, at `tlp`.
async fn reported_finding(app: &TestApp, token: &str, tlp: &str) -> String {
    let body = findings::native(&[findings::finding("auth bypass", "paramiko/auth.py", 42)]);
    let sub = findings::submit_and_wait(app, token, body, &format!("?tlp={tlp}")).await;
    assert_eq!(sub["counts"]["new"], 1, "{sub}");
    let path = format!("/api/v1/submissions/{}/items", sub["id"].as_str().unwrap());
    let (s, items) = app.get(token, &path).await;
    assert_eq!(s, 200, "{items}");
    items["items"][0]["finding_id"].as_str().unwrap().to_owned()
}

/// Posts raw bytes; returns status and JSON (Null if not JSON).
async fn post_raw(app: &TestApp, token: &str, path: &str, body: Vec<u8>) -> (u16, Value) {
    let resp = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn upload(
    app: &TestApp,
    token: &str,
    finding: &str,
    query: &str,
    body: &[u8],
) -> (u16, Value) {
    let path = format!("/api/v1/findings/{finding}/pocs?{query}");
    post_raw(app, token, &path, body.to_vec()).await
}

/// GET of the content: status, headers, body bytes.
async fn content(
    app: &TestApp,
    token: &str,
    poc: &str,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let resp = app
        .client
        .get(app.url(&format!("/api/v1/pocs/{poc}/content")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, headers, resp.bytes().await.unwrap().to_vec())
}

async fn request_release(app: &TestApp, token: &str, poc: &str) -> (u16, Value) {
    app.post(
        token,
        &format!("/api/v1/pocs/{poc}/release-requests"),
        &json!({"reason": "to reproduce the finding"}),
    )
    .await
}

async fn decide(app: &TestApp, token: &str, approval: &str, decision: &str) -> (u16, Value) {
    app.post(
        token,
        &format!("/api/v1/approvals/{approval}/decision"),
        &json!({"decision": decision}),
    )
    .await
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

async fn audit_text(app: &TestApp) -> String {
    let (s, v) = app
        .get(&app.admin_token, "/api/v1/audit/entries?start=0&end=1000")
        .await;
    assert_eq!(s, 200, "{v}");
    v.to_string()
}

/// The cast: a reporter, two coordinators, a validator of another
/// organisation and an outsider; and a finding the reporter's org reported.
struct Cast {
    reporter: (String, String),
    cora: (String, String),
    cole: (String, String),
    validator: (String, String),
    outsider: (String, String),
    finding: String,
}

async fn cast(app: &TestApp) -> Cast {
    let finders = app.org("Finder Labs", "researcher").await;
    let agency = app.org("Coordination Centre", "government_agency").await;
    let checkers = app.org("Check Co", "vendor").await;
    let others = app.org("Elsewhere", "vendor").await;
    let reporter = app.user(&finders, "rita", &["member"]).await;
    let cora = app.user(&agency, "cora", &["coordinator"]).await;
    let cole = app.user(&agency, "cole", &["coordinator"]).await;
    let validator = app.user(&checkers, "vera", &["validator"]).await;
    let outsider = app.user(&others, "otto", &["member"]).await;
    let finding = reported_finding(app, &reporter.1, "AMBER").await;
    Cast {
        reporter,
        cora,
        cole,
        validator,
        outsider,
        finding,
    }
}

async fn release_after_a_second_coordinator_approves(app: TestApp) {
    let c = cast(&app).await;
    let rita = c.reporter.1.as_str();

    // Upload: metadata back, never content or key material.
    let (s, poc) = upload(
        &app,
        rita,
        &c.finding,
        "name=exploit.py&media_type=text/x-python",
        EXPLOIT,
    )
    .await;
    assert_eq!(s, 201, "{poc}");
    let id = poc["id"].as_str().unwrap().to_owned();
    assert_eq!(poc["file_name"], "exploit.py");
    assert_eq!(poc["media_type"], "text/x-python");
    assert_eq!(poc["size_bytes"], EXPLOIT.len());
    assert_eq!(
        poc["sha256"],
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(EXPLOIT))
    );
    assert_eq!(
        (poc["tlp"].as_str(), poc["visibility"].as_str()),
        (Some("AMBER"), Some(""))
    );
    for hidden in ["object_key", "wrapped_key", "nonce", "kek_id", "content"] {
        assert!(poc.get(hidden).is_none(), "{hidden} in {poc}");
    }
    let (s, list) = app
        .get(rita, &format!("/api/v1/findings/{}/pocs", c.finding))
        .await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["items"][0]["id"], id.as_str());
    assert!(!list.to_string().contains("MARKER"), "{list}");

    // At rest only ciphertext: no stored object holds the plaintext.
    let objects = crate::harness::real_data::all_files(&app.data_dir.join("artifacts"));
    assert!(!objects.is_empty());
    for path in &objects {
        let bytes = std::fs::read(path).unwrap();
        assert!(!contains(&bytes, MARKER), "plaintext in {}", path.display());
    }
    assert!(
        objects
            .iter()
            .any(|p| std::fs::metadata(p).unwrap().len() as usize == EXPLOIT.len() + 16),
        "the ciphertext (plaintext + GCM tag) is stored"
    );

    // No release, no content.
    let (s, _, body) = content(&app, rita, &id).await;
    assert_eq!(s, 403);
    let problem: Value = serde_json::from_slice(&body).unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("release"),
        "{problem}"
    );

    // Ask; coordinators see the request, a validator does not.
    let (s, req) = request_release(&app, rita, &id).await;
    assert_eq!(s, 202, "{req}");
    assert_eq!(req["action"], "release_proof_of_concept");
    assert_eq!(req["state"], "pending");
    assert_eq!(
        req["payload"],
        json!({"poc_id": id, "user_id": c.reporter.0, "reason": "to reproduce the finding"})
    );
    let approval = req["id"].as_str().unwrap().to_owned();
    let (s, pending) = app.get(&c.cora.1, "/api/v1/approvals?state=pending").await;
    assert_eq!(s, 200, "{pending}");
    assert!(pending.to_string().contains(&approval), "{pending}");
    assert_eq!(
        app.get(&c.cora.1, &format!("/api/v1/approvals/{approval}"))
            .await
            .0,
        200
    );
    let (_, theirs) = app.get(&c.validator.1, "/api/v1/approvals").await;
    assert!(!theirs.to_string().contains(&approval), "{theirs}");
    assert_eq!(
        decide(&app, &c.validator.1, &approval, "approve").await.0,
        404
    );

    // The maker cannot approve their own request (here a coordinator's).
    let (s, own) = request_release(&app, &c.cora.1, &id).await;
    assert_eq!(s, 202, "{own}");
    let own = own["id"].as_str().unwrap();
    let (s, v) = decide(&app, &c.cora.1, own, "approve").await;
    assert_eq!(s, 403, "{v}");
    assert_eq!(decide(&app, rita, &approval, "approve").await.0, 403);

    // An agent cannot decide, whatever its user's role and scopes.
    let (s, v) = app
        .post(&c.cole.1, "/api/v1/tokens", &json!({"name": "bot", "kind": "agent", "scopes": ["approvals:read", "approvals:write"], "expires_in_days": 1}))
        .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = decide(&app, v["token"].as_str().unwrap(), &approval, "approve").await;
    assert_eq!(s, 403, "{v}");
    assert_eq!(content(&app, rita, &id).await.0, 403);

    // A second person, a coordinator, approves: the requester downloads.
    let (s, v) = decide(&app, &c.cole.1, &approval, "approve").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["state"], "approved");
    let (s, headers, body) = content(&app, rita, &id).await;
    assert_eq!(s, 200);
    assert_eq!(body, EXPLOIT);
    assert_eq!(headers["content-type"], "application/octet-stream");
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"exploit.py\""
    );

    // The release is the requester's alone.
    for other in [&c.validator.1, &c.cora.1, &c.cole.1] {
        let (s, _, body) = content(&app, other, &id).await;
        assert_eq!(s, 403);
        assert!(!contains(&body, MARKER));
    }

    let audit = audit_text(&app).await;
    for action in [
        "poc.upload",
        "approval.request",
        "approval.decide",
        "poc.release",
        "poc.download",
    ] {
        assert!(
            audit.contains(&format!("\\\"action\\\":\\\"{action}\\\"")),
            "{action} missing"
        );
    }
    assert!(!audit.contains("MARKER"));
}
both_backends!(
    release_after_a_second_coordinator_approves,
    release_after_a_second_coordinator_approves
);

async fn tampered_ciphertext_is_an_error_not_plaintext(app: TestApp) {
    let c = cast(&app).await;
    let rita = c.reporter.1.as_str();
    let (s, poc) = upload(&app, rita, &c.finding, "name=crash.bin", EXPLOIT).await;
    assert_eq!(s, 201, "{poc}");
    let id = poc["id"].as_str().unwrap();
    let approval = request_release(&app, rita, id).await.1["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(decide(&app, &c.cora.1, &approval, "approve").await.0, 200);
    assert_eq!(content(&app, rita, id).await.2, EXPLOIT);
    let downloads = audit_text(&app).await.matches("poc.download").count();

    // Flip one byte of the stored ciphertext.
    let objects = crate::harness::real_data::all_files(&app.data_dir.join("artifacts"));
    let path = objects
        .iter()
        .find(|p| std::fs::metadata(p).unwrap().len() as usize == EXPLOIT.len() + 16)
        .unwrap();
    let mut bytes = std::fs::read(path).unwrap();
    bytes[10] ^= 0x01;
    std::fs::write(path, bytes).unwrap();

    let (s, _, body) = content(&app, rita, id).await;
    assert_eq!(s, 500);
    assert!(!contains(&body, MARKER));
    assert!(!contains(&body, b"paramiko"));
    let problem: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(problem["type"], "urn:clearinghouse:problem:internal");
    // Nothing was handed out, so no download was recorded.
    assert_eq!(
        audit_text(&app).await.matches("poc.download").count(),
        downloads
    );
}
both_backends!(
    tampered_ciphertext_is_an_error_not_plaintext,
    tampered_ciphertext_is_an_error_not_plaintext
);

async fn labels_limits_and_unreadable_findings(app: TestApp) {
    let c = cast(&app).await;
    let rita = c.reporter.1.as_str();
    let (s, poc) = upload(&app, rita, &c.finding, "name=a.py", EXPLOIT).await;
    assert_eq!(s, 201, "{poc}");
    let id = poc["id"].as_str().unwrap();

    // Someone who may not read the finding: everything is "not found".
    let otto = c.outsider.1.as_str();
    assert_eq!(
        upload(&app, otto, &c.finding, "name=b.py", EXPLOIT).await.0,
        404
    );
    assert_eq!(
        app.get(otto, &format!("/api/v1/findings/{}/pocs", c.finding))
            .await
            .0,
        404
    );
    assert_eq!(app.get(otto, &format!("/api/v1/pocs/{id}")).await.0, 404);
    assert_eq!(request_release(&app, otto, id).await.0, 404);
    assert_eq!(content(&app, otto, id).await.0, 404);
    assert_eq!(
        upload(&app, rita, "no-such-finding", "name=b.py", EXPLOIT)
            .await
            .0,
        404
    );

    // Bad input names its field.
    for (query, body, field) in [
        ("name=b.py", &b""[..], "poc"),
        ("media_type=text/plain", EXPLOIT, "name"),
        ("name=../etc/passwd", EXPLOIT, "name"),
        ("name=b.py&media_type=nonsense", EXPLOIT, "media_type"),
        ("name=b.py&tlp=GREEN", EXPLOIT, "tlp"),
        ("name=b.py&tlp=PURPLE", EXPLOIT, "tlp"),
        ("name=b.py&visibility=CUI", EXPLOIT, "visibility"),
        ("name=b.py&visibility=CUI%26", EXPLOIT, "visibility"),
    ] {
        let (s, v) = upload(&app, rita, &c.finding, query, body).await;
        assert_eq!((s, v["field"].as_str()), (422, Some(field)), "{query}: {v}");
    }
    let (s, v) = app
        .post(
            rita,
            &format!("/api/v1/pocs/{id}/release-requests"),
            &json!({"reason": " "}),
        )
        .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("reason")), "{v}");

    // Oversize: 413 naming the upload.
    let big = vec![0u8; 64 * 1024 * 1024 + 1];
    let path = format!("/api/v1/findings/{}/pocs?name=big.bin", c.finding);
    let (s, v) = post_raw(&app, rita, &path, big).await;
    assert_eq!(s, 413, "{v}");
    assert!(v["detail"].as_str().unwrap().contains("poc"), "{v}");

    // Stricter labels are kept; material under a visibility a reader does
    // not satisfy is not listed and not found.
    app.grant(&c.reporter.0, &["CUI"]).await;
    let rita = app.token_for(&c.reporter.0).await;
    let (s, strict) = upload(
        &app,
        &rita,
        &c.finding,
        "name=s.py&tlp=RED&visibility=CUI",
        EXPLOIT,
    )
    .await;
    assert_eq!(s, 201, "{strict}");
    assert_eq!(
        (strict["tlp"].as_str(), strict["visibility"].as_str()),
        (Some("RED"), Some("CUI"))
    );
    let strict_id = strict["id"].as_str().unwrap();
    let vera = c.validator.1.as_str();
    let (s, list) = app
        .get(vera, &format!("/api/v1/findings/{}/pocs", c.finding))
        .await;
    assert_eq!(s, 200, "{list}");
    let ids: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [id]);
    assert_eq!(
        app.get(vera, &format!("/api/v1/pocs/{strict_id}")).await.0,
        404
    );
    assert_eq!(request_release(&app, vera, strict_id).await.0, 404);
    let (s, list) = app
        .get(&rita, &format!("/api/v1/findings/{}/pocs", c.finding))
        .await;
    assert_eq!(
        (s, list["items"].as_array().unwrap().len()),
        (200, 2),
        "{list}"
    );
}
both_backends!(
    labels_limits_and_unreadable_findings,
    labels_limits_and_unreadable_findings
);
