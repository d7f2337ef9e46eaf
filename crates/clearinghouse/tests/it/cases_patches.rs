//! Patch distribution, message attachments and remediation progress
//! (issue 15, items 2 and 7) over HTTP and through the binary, on both
//! backends: a vendor releases a fix (uploaded, and fetched from its URL)
//! with a declared digest (a mismatch is 422 `sha256`, nothing stored),
//! both digests and a signed release statement recorded; `patch verify`
//! checks the file offline and catches a tampered file or statement;
//! outsiders and non-exposed operators get 404, an exposed operator
//! downloads after publication and marks the exposure patched; the
//! coordinator's progress counts follow; attachments are for readers only.

use serde_json::{Value, json};
use sha2::{Digest, Sha256, Sha512};

use crate::both_backends;
use crate::cases_support::{invite, join, map_product, open_case, open_with_vendor, parties};
use crate::directives_cli::cli;
use crate::exposure::{CVE, raw};
use crate::harness::TestApp;

async fn bytes_of(app: &TestApp, token: &str, path: &str) -> (u16, Vec<u8>) {
    let resp = reqwest::Client::new()
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let s = resp.status().as_u16();
    (s, resp.bytes().await.unwrap().to_vec())
}

async fn audited(app: &TestApp, action: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM audit_log WHERE entry LIKE '%\"{action}\"%'"
    )))
    .fetch_one(&app.app.store.pool)
    .await
    .unwrap()
}

/// Serves `bytes` at `/fix.tar.gz` on a local port; returns the URL.
async fn vendor_site(bytes: Vec<u8>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = axum::Router::new().route(
        "/fix.tar.gz",
        axum::routing::get(move || {
            let b = bytes.clone();
            async move { b }
        }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}/fix.tar.gz")
}

async fn patch_distribution(app: TestApp) {
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
    let id = open_with_vendor(&app, &p, "Paramiko auth bypass", &[CVE], &[], false).await;
    let base = format!("/api/v1/cases/{id}");
    let fix = b"paramiko 2.4.2 source with the fix".to_vec();
    let sha256 = hex::encode(Sha256::digest(&fix));
    let sha512 = hex::encode(Sha512::digest(&fix));

    // A declared digest the bytes do not have: 422 sha256, nothing stored.
    let wrong = "0".repeat(64);
    let up = |sha: &str| {
        format!("{base}/patches?name=paramiko-2.4.2.tar.gz&fixed_version=2.4.2&sha256={sha}")
    };
    let (s, v) = raw(
        &app,
        reqwest::Method::POST,
        &p.vendor_member,
        &up(&wrong),
        fix.clone(),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["field"], "sha256", "{v}");
    let (s, v) = app.get(&p.vendor_member, &format!("{base}/patches")).await;
    assert_eq!((s, v.as_array().map(Vec::len)), (200, Some(0)), "{v}");
    assert_eq!(audited(&app, "case.patch").await, 0);
    // Not the vendor: 403; not a participant: 404.
    let (s, _) = raw(
        &app,
        reqwest::Method::POST,
        &p.coord,
        &up(&sha256),
        fix.clone(),
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = raw(
        &app,
        reqwest::Method::POST,
        &p.outsider,
        &up(&sha256),
        fix.clone(),
    )
    .await;
    assert_eq!(s, 404);

    let (s, patch) = raw(
        &app,
        reqwest::Method::POST,
        &p.vendor_member,
        &up(&sha256),
        fix.clone(),
    )
    .await;
    assert_eq!(s, 201, "{patch}");
    assert_eq!(patch["sha256"], sha256.as_str());
    assert_eq!(patch["sha512"], sha512.as_str());
    assert_eq!(patch["size"], fix.len());
    let statement = patch["statement"].as_str().unwrap().to_owned();
    assert!(
        statement.starts_with("clearinghouse patch release v1\n"),
        "{statement}"
    );
    assert!(
        statement.contains(&format!("sha512 {sha512}\n")),
        "{statement}"
    );
    let pid = patch["id"].as_str().unwrap().to_owned();

    // A fix the vendor hosts: fetched and checked against the declared digest.
    let hosted = b"paramiko 2.4.3 wheel".to_vec();
    let url = vendor_site(hosted.clone()).await;
    let (s, v) = app
        .post(
            &p.vendor_member,
            &format!("{base}/patches/url"),
            &json!({"url": url, "sha256": wrong, "fixed_version": "2.4.3"}),
        )
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["field"], "sha256");
    let (s, v) = app
        .post(
            &p.vendor_member,
            &format!("{base}/patches/url"),
            &json!({"url": "ftp://vendor.example/x", "sha256": sha256}),
        )
        .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("url")), "{v}");
    // A missing file and a closed port read the same: no network probe.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let mut details = Vec::new();
    for target in [
        url.replace("fix.tar.gz", "missing"),
        format!("http://{closed}/x"),
    ] {
        let (s, v) = app
            .post(
                &p.vendor_member,
                &format!("{base}/patches/url"),
                &json!({"url": target, "sha256": sha256}),
            )
            .await;
        assert_eq!((s, v["field"].as_str()), (422, Some("url")), "{v}");
        details.push(v["detail"].clone());
    }
    assert_eq!(details[0], details[1]);
    let (s, v) = app
        .post(
            &p.vendor_member,
            &format!("{base}/patches/url"),
            &json!({"url": url, "sha256": hex::encode(Sha256::digest(&hosted)), "fixed_version": "2.4.3"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["file_name"], "fix.tar.gz");
    assert_eq!(v["url"], url.as_str());
    let (s, list) = app.get(&p.coord, &format!("{base}/patches")).await;
    assert_eq!(s, 200);
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
    assert_eq!(audited(&app, "case.patch").await, 2);

    // Participants download; the hospital (not a participant, case still
    // embargoed) and the outsider get 404.
    let content = format!("{base}/patches/{pid}/content");
    let (s, got) = bytes_of(&app, &p.coord, &content).await;
    assert_eq!((s, got), (200, fix.clone()));
    for who in [&p.hospital, &p.outsider] {
        assert_eq!(bytes_of(&app, who, &content).await.0, 404);
        assert_eq!(app.get(who, &format!("{base}/patches")).await.0, 404);
    }

    // Offline verification through the binary: the file, the statement, the key.
    let dir = crate::harness::temp_dir();
    let (file, st, key) = (
        dir.join("paramiko-2.4.2.tar.gz"),
        dir.join("release.note"),
        dir.join("server.key"),
    );
    std::fs::write(&file, &fix).unwrap();
    std::fs::write(&st, &statement).unwrap();
    std::fs::write(&key, patch["verifier_key"].as_str().unwrap()).unwrap();
    let (s, k) = app.get(&p.hospital, "/api/v1/audit/public-key").await;
    assert_eq!(s, 200, "{k}");
    assert_eq!(
        k["verifier_key"], patch["verifier_key"],
        "the published key signs"
    );
    let verify = |f: &std::path::Path| {
        vec![
            "patch".to_owned(),
            "verify".to_owned(),
            f.display().to_string(),
            "--statement".to_owned(),
            st.display().to_string(),
            "--key".to_owned(),
            key.display().to_string(),
        ]
    };
    let args = verify(&file);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = cli(&app, &p.hospital, &argv).await;
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.starts_with("OK: "), "{}", r.stdout);
    let tampered = dir.join("tampered.tar.gz");
    let mut bad = fix.clone();
    bad[0] ^= 1;
    std::fs::write(&tampered, &bad).unwrap();
    let args = verify(&tampered);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = cli(&app, &p.hospital, &argv).await;
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stderr.contains("SHA-256"), "{}", r.stderr);
    std::fs::write(&st, statement.replace("version 2.4.2", "version 9.9.9")).unwrap();
    let args = verify(&file);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = cli(&app, &p.hospital, &argv).await;
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stderr.contains("signature"), "{}", r.stderr);

    // `patch upload` through the binary writes the statement it got.
    let out = dir.join("cli.note");
    let r = cli(
        &app,
        &p.vendor_member,
        &[
            "patch",
            "upload",
            "--case",
            &id,
            file.to_str().unwrap(),
            "--fixed-version",
            "2.4.2",
            "--statement-out",
            out.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains(&sha256), "{}", r.stdout);
    std::fs::copy(&out, &st).unwrap();
    let args = verify(&file);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(cli(&app, &p.hospital, &argv).await.code, 0);
    let r = cli(
        &app,
        &p.vendor_member,
        &[
            "patch",
            "upload",
            "--case",
            &id,
            file.to_str().unwrap(),
            "--sha256",
            &wrong,
        ],
    )
    .await;
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("sha256"), "{}", r.stderr);

    // Progress before publication: one exposed operator, not acted.
    let progress = format!("{base}/progress");
    let (s, v) = app.get(&p.vendor_member, &progress).await;
    assert_eq!(s, 403, "coordinators only: {v}");
    let (s, v) = app.get(&p.coord, &progress).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["totals"]["operators"], 1, "{v}");
    assert_eq!(v["totals"]["not_acted"], 1, "{v}");
    assert_eq!(v["patches"], 3);
    assert_eq!(v["by_sector"][0]["key"], "healthcare_and_public_health");

    // The vendor states the fix (for the fixed version only, so the
    // hospital's 2.4.0 stays exposed): the published advisory's
    // remediation then lists the patches with their digests.
    join(&app, &p.vendor_admin, &id).await;
    map_product(&app, &p, "pkg:pypi/paramiko").await;
    let (s, v) = app
        .post(
            &p.vendor_member,
            &format!("{base}/statements"),
            &json!({"statements": [{"vulnerability": CVE, "product": "pkg:pypi/paramiko",
                    "versions": ["2.4.2"], "status": "fixed", "fixed_version": "2.4.2"}]}),
        )
        .await;
    assert_eq!(s, 201, "{v}");

    // Published: the exposed hospital downloads and marks its exposure patched.
    let (s, v) = app
        .post(
            &p.coord,
            &format!("{base}/publish"),
            &json!({"reason": "fix available"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, csaf) = app.get(&p.coord, &format!("{base}/csaf")).await;
    assert_eq!(s, 200, "{csaf}");
    let remediations = csaf.to_string();
    assert!(
        remediations.contains(&sha256) && remediations.contains(&sha512),
        "the advisory's remediation lists the patch with its digests: {csaf}"
    );
    let (s, got) = bytes_of(&app, &p.hospital, &content).await;
    assert_eq!((s, got), (200, fix.clone()));
    assert_eq!(
        bytes_of(&app, &p.outsider, &content).await.0,
        404,
        "not exposed"
    );
    assert!(audited(&app, "case.patch_download").await >= 2);
    let (s, e) = app.get(&p.hospital, "/api/v1/exposures").await;
    assert_eq!(s, 200, "{e}");
    let eid = e["items"][0]["id"].as_str().unwrap().to_owned();
    let (s, v) = app
        .send(
            reqwest::Method::PATCH,
            &p.hospital,
            &format!("/api/v1/exposures/{eid}"),
            &json!({"state": "patched"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = app.get(&p.coord, &progress).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["totals"]["patched"], 1, "{v}");
    assert_eq!(v["totals"]["not_acted"], 0, "{v}");
    let (s, v) = app.get(&p.vendor_member, &format!("{base}/events")).await;
    assert_eq!(s, 200);
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "patch_released"),
        "{v}"
    );
}
both_backends!(patch_distribution, patch_distribution);

/// Files attached to a case message: stored with their SHA-256, downloaded
/// by readers of the case only; bad names and unknown messages refused.
async fn message_attachments(app: TestApp) {
    let p = parties(&app).await;
    let id = open_case(&app, &p, "Paramiko", &[CVE]).await;
    let base = format!("/api/v1/cases/{id}");
    let (s, m) = app
        .post(
            &p.coord,
            &format!("{base}/messages"),
            &json!({"body": "Proof of concept attached."}),
        )
        .await;
    assert_eq!(s, 201, "{m}");
    let mid = m["id"].as_str().unwrap().to_owned();
    let file = b"#!/bin/sh\necho poc\n".to_vec();
    let attach = |name: &str| format!("{base}/messages/{mid}/attachments?name={name}");
    let (s, v) = raw(
        &app,
        reqwest::Method::POST,
        &p.coord,
        &attach("..%2Fpoc.sh"),
        file.clone(),
    )
    .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("name")), "{v}");
    let (s, _) = raw(
        &app,
        reqwest::Method::POST,
        &p.coord,
        &format!(
            "{base}/messages/{}/attachments?name=poc.sh",
            uuid::Uuid::new_v4()
        ),
        file.clone(),
    )
    .await;
    assert_eq!(s, 404, "not a message of this case");
    let (s, _) = raw(
        &app,
        reqwest::Method::POST,
        &p.outsider,
        &attach("poc.sh"),
        file.clone(),
    )
    .await;
    assert_eq!(s, 404);
    let (s, a) = raw(
        &app,
        reqwest::Method::POST,
        &p.coord,
        &attach("poc.sh"),
        file.clone(),
    )
    .await;
    assert_eq!(s, 201, "{a}");
    assert_eq!(a["sha256"], hex::encode(Sha256::digest(&file)));
    let (s, all) = app.get(&p.coord, &format!("{base}/attachments")).await;
    assert_eq!(s, 200);
    assert_eq!(all[0]["file_name"], "poc.sh", "{all}");
    assert_eq!(all[0]["message_id"], mid.as_str());
    let path = format!("{base}/attachments/{}/content", a["id"].as_str().unwrap());
    assert_eq!(bytes_of(&app, &p.coord, &path).await, (200, file.clone()));
    for who in [&p.outsider, &p.hospital, &p.vendor_member] {
        assert_eq!(bytes_of(&app, who, &path).await.0, 404, "not a participant");
    }
    invite(&app, &p, &id, &p.vendor_org).await;
    assert_eq!(bytes_of(&app, &p.vendor_member, &path).await, (200, file));
    assert_eq!(audited(&app, "case.attachment").await, 1);
}
both_backends!(message_attachments, message_attachments);

/// A second paramiko flaw, so a case has two vulnerabilities.
const CVE2: &str = "CVE-2022-24302";

/// A patch names the vulnerabilities (and products) it fixes: unknown ones
/// are refused naming the field, nothing stored; the API and the case page
/// show them per vulnerability; the CSAF advisory lists each patch only in
/// the remediations of the vulnerabilities it fixes, with their product ids.
async fn patches_say_what_they_fix(app: TestApp) {
    let p = parties(&app).await;
    let osv2 = json!({
        "schema_version": "1.6.0", "id": "GHSA-r7f4-x9wq-2jwv",
        "modified": "2024-01-01T00:00:00Z", "published": "2022-03-17T00:00:00Z",
        "aliases": [CVE2], "summary": "Paramiko private key race",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "paramiko"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.10.1"}]}]}]
    });
    let (s, v) = crate::exposure::import(
        &app,
        &app.admin_token,
        "ghsa2.json",
        serde_json::to_vec(&osv2).unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let id = open_with_vendor(
        &app,
        &p,
        "Two paramiko flaws",
        &[CVE, CVE2],
        &["pkg:pypi/paramiko"],
        true,
    )
    .await;
    let base = format!("/api/v1/cases/{id}");
    let post = |query: &str, body: &[u8]| {
        let path = format!("{base}/patches?name=fix.tar.gz&fixed_version=2.10.1&{query}");
        let (app, token, body) = (&app, p.vendor_member.clone(), body.to_vec());
        async move { raw(app, reqwest::Method::POST, &token, &path, body).await }
    };
    for (query, field) in [
        ("vulnerabilities=CVE-2099-0001", "vulnerabilities[0]"),
        (
            &format!("vulnerabilities={CVE},CVE-2099-0001") as &str,
            "vulnerabilities[1]",
        ),
        ("products=pkg:pypi/requests", "products[0]"),
        ("products=paramiko", "products[0]"),
    ] {
        let (s, v) = post(query, b"bytes").await;
        assert_eq!((s, v["field"].as_str()), (422, Some(field)), "{query}: {v}");
    }
    let (s, v) = app.get(&p.vendor_member, &format!("{base}/patches")).await;
    assert_eq!(
        (s, v.as_array().map(Vec::len)),
        (200, Some(0)),
        "nothing stored: {v}"
    );
    assert_eq!(audited(&app, "case.patch").await, 0);

    // One patch for the first flaw and the paramiko package; one for both.
    let (s, only) = post(
        &format!("vulnerabilities={CVE}&products=pkg:pypi/paramiko@2.10.1"),
        b"first fix",
    )
    .await;
    assert_eq!(s, 201, "{only}");
    assert_eq!(
        only["fixes"],
        json!([{"vulnerability": CVE, "product": "pkg:pypi/paramiko"}])
    );
    let (s, both) = raw(
        &app,
        reqwest::Method::POST,
        &p.vendor_member,
        &format!("{base}/patches?name=all-fixes.tar.gz&fixed_version=2.10.1"),
        b"both fixes".to_vec(),
    )
    .await;
    assert_eq!(s, 201, "{both}");
    let named: Vec<&str> = both["fixes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["vulnerability"].as_str().unwrap())
        .collect();
    assert_eq!(
        named.len(),
        2,
        "none named: every vulnerability of the case: {both}"
    );
    assert!(named.contains(&CVE) && named.contains(&CVE2), "{both}");
    assert!(
        both["fixes"][0]["product"].is_null(),
        "every product: {both}"
    );
    let (_, list) = app.get(&p.coord, &format!("{base}/patches")).await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["fixes"], only["fixes"], "{list}");

    // Fixed statements for both, then publication: each vulnerability's
    // remediation lists the patches that fix it, with its product ids.
    let fixed: Vec<Value> = [CVE, CVE2]
        .iter()
        .map(|c| {
            json!({"vulnerability": c, "product": "pkg:pypi/paramiko", "status": "fixed",
                   "fixed_version": "2.10.1"})
        })
        .collect();
    let (s, v) = app
        .post(
            &p.vendor_member,
            &format!("{base}/statements"),
            &json!({ "statements": fixed }),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = app
        .post(
            &p.coord,
            &format!("{base}/publish"),
            &json!({"reason": "fixes out"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, csaf) = app.get(&p.coord, &format!("{base}/csaf")).await;
    assert_eq!(s, 200, "{csaf}");
    let remediation_of = |cve: &str| -> Value {
        csaf["vulnerabilities"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["cve"] == cve)
            .map(|v| v["remediations"][0].clone())
            .unwrap_or_else(|| panic!("{cve} in {csaf}"))
    };
    let first = remediation_of(CVE);
    let second = remediation_of(CVE2);
    let text = |r: &Value| r["details"].as_str().unwrap().to_owned();
    assert!(text(&first).contains("fix.tar.gz") && text(&first).contains("all-fixes.tar.gz"));
    assert!(
        !text(&second).contains(" fix.tar.gz") && text(&second).contains("all-fixes.tar.gz"),
        "the first patch is not listed for the flaw it does not fix: {second}"
    );
    assert_eq!(first["category"], "vendor_fix");
    assert!(
        !first["product_ids"].as_array().unwrap().is_empty(),
        "{first}"
    );
    assert!(
        !second["product_ids"].as_array().unwrap().is_empty(),
        "{second}"
    );
    crate::csaf_validator::bsi_validate(&csaf);
}
both_backends!(patches_say_what_they_fix, patches_say_what_they_fix);
