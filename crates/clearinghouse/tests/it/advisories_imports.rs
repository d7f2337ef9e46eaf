//! Advisory import as a job: `POST /advisories/import` answers 202 with
//! the queued import and its `Location`, parses nothing in the request, and
//! the import's totals appear once the job ran; the same file re-posted
//! while queued is the same import; a corrupt zip fails in the job with its
//! reason; what can be told at once (role, binary file) is refused at once;
//! an import is read by its importer's organisation and coordinators only.

use serde_json::Value;

use crate::both_backends;
use crate::exposure::{GHSA, operator, osv_paramiko, raw};
use crate::harness::TestApp;

async fn post(app: &TestApp, token: &str, name: &str, bytes: Vec<u8>) -> (u16, Value) {
    raw(
        app,
        reqwest::Method::POST,
        token,
        &format!("/api/v1/advisories/import?name={name}"),
        bytes,
    )
    .await
}

async fn post_with_location(app: &TestApp, token: &str, bytes: Vec<u8>) -> (u16, String, Value) {
    let resp = reqwest::Client::new()
        .post(app.url("/api/v1/advisories/import?name=osv.json"))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, location, resp.json().await.unwrap())
}

async fn queued_then_done_with_totals(app: TestApp) {
    let admin = app.admin_token.clone();
    let file = serde_json::to_vec(&osv_paramiko()).unwrap();
    let (s, location, queued) = post_with_location(&app, &admin, file.clone()).await;
    assert_eq!(s, 202, "{queued}");
    let id = queued["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/api/v1/advisories/imports/{id}"));
    assert_eq!(queued["state"], "queued", "{queued}");
    assert_eq!(queued["advisories_created"], 0, "{queued}");
    // Nothing was parsed or stored in the request.
    let (s, _) = app.get(&admin, &format!("/api/v1/advisories/{GHSA}")).await;
    assert_eq!(s, 404);
    // The same file again while it is queued: the same import.
    let (s, again) = post(&app, &admin, "osv.json", file.clone()).await;
    assert_eq!(s, 200, "{again}");
    assert_eq!(again["id"], id.as_str());
    let (s, progress) = app.get(&admin, &location).await;
    assert_eq!(s, 200, "{progress}");
    assert_eq!(progress["state"], "queued");

    assert_eq!(app.run_pending_jobs().await, 1, "one job for both posts");
    let (s, done) = app.get(&admin, &location).await;
    assert_eq!(s, 200, "{done}");
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(done["format"], "osv", "{done}");
    assert_eq!(done["advisories_created"], 1, "{done}");
    assert_eq!(done["errors"], serde_json::json!([]), "{done}");
    assert!(done["finished_at"].is_string(), "{done}");
    let (s, _) = app.get(&admin, &format!("/api/v1/advisories/{GHSA}")).await;
    assert_eq!(s, 200);

    // Done, the same file is a new import, unchanged.
    let (s, second) = post(&app, &admin, "osv.json", file).await;
    assert_eq!(s, 202, "{second}");
    assert_ne!(second["id"], id.as_str());
    app.run_pending_jobs().await;
    let path = format!(
        "/api/v1/advisories/imports/{}",
        second["id"].as_str().unwrap()
    );
    let (_, second) = app.get(&admin, &path).await;
    assert_eq!(second["advisories_unchanged"], 1, "{second}");
    assert_eq!(second["advisories_created"], 0, "{second}");
    let (s, list) = app.get(&admin, "/api/v1/advisories/imports").await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(list["items"].as_array().unwrap().len(), 2, "{list}");
}
both_backends!(queued_then_done_with_totals, queued_then_done_with_totals);

async fn a_corrupt_zip_fails_with_its_reason(app: TestApp) {
    let admin = app.admin_token.clone();
    let (s, queued) = post(
        &app,
        &admin,
        "all.zip",
        b"PK\x03\x04 not a zip at all".to_vec(),
    )
    .await;
    assert_eq!(s, 202, "cannot be told from the first bytes: {queued}");
    app.run_pending_jobs().await;
    let path = format!(
        "/api/v1/advisories/imports/{}",
        queued["id"].as_str().unwrap()
    );
    let (s, failed) = app.get(&admin, &path).await;
    assert_eq!(s, 200, "{failed}");
    assert_eq!(failed["state"], "failed", "{failed}");
    assert_eq!(failed["format"], "zip", "{failed}");
    assert_eq!(failed["error_status"], 422, "{failed}");
    let error = failed["error"].as_str().unwrap();
    assert!(error.contains("not a readable zip"), "{error}");
    assert_eq!(failed["advisories_created"], 0, "{failed}");
}
both_backends!(
    a_corrupt_zip_fails_with_its_reason,
    a_corrupt_zip_fails_with_its_reason
);

async fn what_can_be_told_at_once_is_refused_at_once(app: TestApp) {
    let (_, ops) = operator(&app, "Water Works").await;
    let file = serde_json::to_vec(&osv_paramiko()).unwrap();
    let (s, v) = post(&app, &ops, "osv.json", file).await;
    assert_eq!(s, 403, "{v}");
    let (s, v) = post(
        &app,
        &app.admin_token,
        "x.json",
        b"\x00\x01\x02binary".to_vec(),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["field"], "body", "{v}");
    let (s, v) = post(&app, &app.admin_token, "x.json", Vec::new()).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(app.run_pending_jobs().await, 0, "nothing queued");
    let (_, list) = app
        .get(&app.admin_token, "/api/v1/advisories/imports")
        .await;
    assert_eq!(list["items"], serde_json::json!([]), "{list}");
}
both_backends!(
    what_can_be_told_at_once_is_refused_at_once,
    what_can_be_told_at_once_is_refused_at_once
);

async fn another_organisations_import_is_not_found(app: TestApp) {
    let file = serde_json::to_vec(&osv_paramiko()).unwrap();
    // A coordinator of another organisation imports.
    let agency = app.org("Agency", "government_agency").await;
    let (_, coord) = app.user(&agency, "agency-coord", &["coordinator"]).await;
    let (s, queued) = post(&app, &coord, "osv.json", file).await;
    assert_eq!(s, 202, "{queued}");
    app.run_pending_jobs().await;
    let path = format!(
        "/api/v1/advisories/imports/{}",
        queued["id"].as_str().unwrap()
    );
    let (s, _) = app.get(&coord, &path).await;
    assert_eq!(s, 200);
    // Neither an operator nor a platform admin of another organisation
    // learns of it; a coordinator reads every import.
    let (_, ops) = operator(&app, "Water Works").await;
    for token in [&ops, &app.admin_token] {
        let (s, v) = app.get(token, &path).await;
        assert_eq!(s, 404, "{v}");
        let (_, list) = app.get(token, "/api/v1/advisories/imports").await;
        assert_eq!(list["items"], serde_json::json!([]), "{list}");
    }
    let other = crate::org_flags::coordinator(&app).await;
    let (s, v) = app.get(&other, &path).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["advisories_created"], 1, "{v}");
}
both_backends!(
    another_organisations_import_is_not_found,
    another_organisations_import_is_not_found
);

/// A zip of many small OSV records, as an osv.dev `all.zip` is (there,
/// hundreds of thousands), and a file that is not an advisory.
fn many_osv_records(n: usize) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..n {
        let record = serde_json::json!({
            "schema_version": "1.6.0",
            "id": format!("PYSEC-2099-{i:05}"),
            "modified": "2024-01-01T00:00:00Z",
            "summary": format!("Test record {i}"),
            "affected": [{
                "package": {"ecosystem": "PyPI", "name": format!("package-{}", i % 500)},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": format!("1.{i}")}]}]
            }]
        });
        zip.start_file(format!("PyPI/PYSEC-2099-{i:05}.json"), opts)
            .unwrap();
        zip.write_all(&serde_json::to_vec(&record).unwrap())
            .unwrap();
    }
    zip.start_file("README.md", opts).unwrap();
    zip.write_all(b"not an advisory").unwrap();
    zip.finish().unwrap().into_inner()
}

async fn a_large_zip_is_imported_entry_by_entry_through_the_job(app: TestApp) {
    // Twenty-five import batches (`advisories::BATCH` is 200).
    const RECORDS: usize = 5_000;
    let admin = app.admin_token.clone();
    let (s, queued) = post(&app, &admin, "all.zip", many_osv_records(RECORDS)).await;
    assert_eq!(s, 202, "{queued}");
    assert_eq!(app.run_pending_jobs().await, 1);
    let path = format!(
        "/api/v1/advisories/imports/{}",
        queued["id"].as_str().unwrap()
    );
    let (s, done) = app.get(&admin, &path).await;
    assert_eq!(s, 200);
    // The first refusals, if any, say why (the whole report is long).
    let why = &done["errors"][0];
    assert_eq!(done["state"], "done", "{why}");
    assert_eq!(done["format"], "zip", "{why}");
    assert_eq!(done["errors"], serde_json::json!([]), "{why}");
    assert_eq!(done["advisories_created"], RECORDS, "{why}");
    // The first, a middle and the last entry are all there.
    for id in ["PYSEC-2099-00000", "PYSEC-2099-02500", "PYSEC-2099-04999"] {
        let (s, v) = app.get(&admin, &format!("/api/v1/advisories/{id}")).await;
        assert_eq!(s, 200, "{id}: {v}");
    }
}
both_backends!(
    a_large_zip_is_imported_entry_by_entry_through_the_job,
    a_large_zip_is_imported_entry_by_entry_through_the_job
);
