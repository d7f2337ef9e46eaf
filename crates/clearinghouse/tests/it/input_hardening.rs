//! Input hardening through the HTTP API: zip bombs and floods of empty SARIF
//! results are refused or rejected item by item; CSAF documents failing the
//! specification's mandatory tests and names, titles and file names with
//! control or bidi characters get a 422 naming the field, and nothing is
//! stored; a stored attachment name can always be downloaded.

use std::io::Write;

use serde_json::{Value, json};

use crate::both_backends;
use crate::exposure::import;
use crate::findings::submit_and_wait;
use crate::harness::TestApp;

/// The audit log's size: every stored change appends to it.
async fn audit_size(app: &TestApp) -> u64 {
    let (s, cp) = app.get(&app.admin_token, "/api/v1/audit/checkpoint").await;
    assert_eq!(s, 200, "{cp}");
    cp["tree_size"].as_u64().unwrap()
}

fn assert_field(status: u16, body: &Value, want_status: u16, field: &str) {
    assert_eq!(status, want_status, "{body}");
    assert_eq!(body["field"], field, "{body}");
}

const OSV: &str = r#"{"id": "GHSA-aaaa-bbbb-cccc", "modified": "2024-01-01T00:00:00Z",
  "summary": "fine", "affected": [{"package": {"ecosystem": "PyPI", "name": "paramiko"},
  "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.4.1"}]}]}]}"#;

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

async fn zip_bomb_is_refused_before_anything_is_stored(app: TestApp) {
    let before = audit_size(&app).await;
    // A valid record first, then 8 MiB of blanks that deflate to a few KiB:
    // past 1 MiB inflated, more than 100 times its compressed size.
    let blanks = vec![b' '; 8 * 1024 * 1024];
    let bomb = zip_of(&[
        ("GHSA-aaaa-bbbb-cccc.json", OSV.as_bytes()),
        ("bomb.json", &blanks),
    ]);
    assert!(bomb.len() < 64 * 1024, "{} bytes on disk", bomb.len());
    let (status, body) = import(&app, &app.admin_token, "all.zip", bomb).await;
    assert_eq!(status, 413, "{body}");
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains("\"bomb.json\""), "{detail}");
    assert!(detail.contains("100 times"), "{detail}");
    // Refused as a whole: the valid record before the bomb is not stored.
    let (s, _) = app
        .get(&app.admin_token, "/api/v1/advisories/GHSA-aaaa-bbbb-cccc")
        .await;
    assert_eq!(s, 404);
    assert_eq!(audit_size(&app).await, before);
    // The same record in a sane zip is imported.
    let fine = zip_of(&[("GHSA-aaaa-bbbb-cccc.json", OSV.as_bytes())]);
    let (status, report) = import(&app, &app.admin_token, "all.zip", fine).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["advisories_created"], 1, "{report}");
}
both_backends!(
    zip_bomb_is_refused_before_anything_is_stored,
    zip_bomb_is_refused_before_anything_is_stored
);

async fn sarif_of_empty_results_stores_no_findings(app: TestApp) {
    let (_, token) = crate::findings::reporter(&app, "flood").await;
    let mut results = vec![json!({}); 5_000];
    results.push(json!({"ruleId": "R1", "message": {"text": "real"}}));
    let sarif = json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "t"}},
        "results": results}]});
    let s = submit_and_wait(
        &app,
        &token,
        sarif.to_string().into_bytes(),
        "?target=pkg:pypi/paramiko@2.4.0&tlp=GREEN",
    )
    .await;
    assert_eq!(s["state"], "done", "{s}");
    assert_eq!(s["counts"]["received"], 5_001, "{s}");
    assert_eq!(s["counts"]["rejected"], 5_000, "{s}");
    assert_eq!(s["counts"]["new"], 1, "{s}");
    let id = s["id"].as_str().unwrap();
    let (status, page) = app
        .get(&token, &format!("/api/v1/submissions/{id}/items?limit=2"))
        .await;
    assert_eq!(status, 200, "{page}");
    let first = &page["items"][0];
    assert_eq!(first["position"], "runs[0].results[0]", "{first}");
    assert!(
        first["message"]
            .as_str()
            .is_some_and(|m| m.contains("no rule, no message and no location")),
        "{first}"
    );
}
both_backends!(
    sarif_of_empty_results_stores_no_findings,
    sarif_of_empty_results_stores_no_findings
);

async fn csaf_failing_a_mandatory_test_is_refused(app: TestApp) {
    let Some(dir) =
        crate::harness::real_data::sub_dir("oasis-csaf/csaf_2.0/test/validator/data/mandatory")
    else {
        return;
    };
    let before = audit_size(&app).await;
    for (file, test, field) in [
        (
            "6-1-01-01",
            "6.1.1",
            "body.product_tree.product_groups[0].product_ids[0]",
        ),
        (
            "6-1-06-01",
            "6.1.6",
            "body.vulnerabilities[0].product_status.",
        ),
        ("6-1-23-01", "6.1.23", "body.vulnerabilities[1].cve"),
    ] {
        let name = format!("oasis_csaf_tc-csaf_2_0-2021-{file}.json");
        let bytes = std::fs::read(dir.join(&name)).unwrap();
        let (status, body) = import(&app, &app.admin_token, &name, bytes).await;
        assert_eq!(status, 422, "{body}");
        assert!(body["field"].as_str().unwrap().starts_with(field), "{body}");
        let detail = body["detail"].as_str().unwrap();
        assert!(
            detail.contains(&format!("mandatory test {test} ")),
            "{detail}"
        );
    }
    assert_eq!(audit_size(&app).await, before);
    // A valid example of the same test is imported.
    let ok = std::fs::read(dir.join("oasis_csaf_tc-csaf_2_0-2021-6-1-01-11.json")).unwrap();
    let (status, report) = import(&app, &app.admin_token, "ok.json", ok).await;
    assert_eq!(status, 200, "{report}");
}
both_backends!(
    csaf_failing_a_mandatory_test_is_refused,
    csaf_failing_a_mandatory_test_is_refused
);

async fn control_characters_in_names_are_refused(app: TestApp) {
    let before = audit_size(&app).await;
    let post = |path: &'static str, body: Value| {
        let app = &app;
        async move { app.post(&app.admin_token, path, &body).await }
    };
    for title in [
        "nul\u{0}title",
        "esc\u{1b}[31mred",
        "rlo\u{202E}fdp.exe",
        "c1\u{85}x",
    ] {
        let (s, v) = post("/api/v1/documents", json!({"title": title, "tlp": "CLEAR"})).await;
        assert_field(s, &v, 422, "title");
    }
    let (s, v) = post(
        "/api/v1/documents",
        json!({"title": "fine", "tlp": "CLEAR",
               "attachment": {"name": "invoice\u{202E}fdp.exe", "content_base64": "aGk="}}),
    )
    .await;
    assert_field(s, &v, 422, "attachment.name");
    let (s, v) = post(
        "/api/v1/documents",
        json!({"title": "fine", "tlp": "CLEAR",
               "attachment": {"name": "bell\u{7}.txt", "content_base64": "aGk="}}),
    )
    .await;
    assert_field(s, &v, 422, "attachment.name");
    let (s, v) = post("/api/v1/assets", json!({"name": "web\u{2066}server"})).await;
    assert_field(s, &v, 422, "name");
    let (s, v) = crate::findings::submit(
        &app,
        &app.admin_token,
        br#"{"clearinghouse_findings": "1.0", "findings": []}"#.to_vec(),
        "?target=pkg:pypi/x@1&name=scan%E2%80%AE.json",
        None,
    )
    .await;
    assert_field(s, &v, 422, "name");
    let osv = OSV.replace("\"fine\"", "\"bad\\u0000summary\"");
    let (s, v) = import(&app, &app.admin_token, "x.json", osv.into_bytes()).await;
    assert_field(s, &v, 422, "body.summary");
    assert_eq!(audit_size(&app).await, before);
}
both_backends!(
    control_characters_in_names_are_refused,
    control_characters_in_names_are_refused
);

/// A name stored before names were checked still downloads, with a safe
/// `Content-Disposition`.
async fn any_stored_attachment_name_downloads(app: TestApp) {
    let (s, doc) = app
        .post(
            &app.admin_token,
            "/api/v1/documents",
            &json!({"title": "t", "tlp": "CLEAR",
                    "attachment": {"name": "résumé 2024.pdf", "content_base64": "aGk="}}),
        )
        .await;
    assert_eq!(s, 201, "{doc}");
    let id = doc["id"].as_str().unwrap();
    let download = |app: &TestApp| {
        app.client
            .get(app.url(&format!("/api/v1/documents/{id}/attachment")))
            .bearer_auth(&app.admin_token)
            .send()
    };
    let resp = download(&app).await.unwrap();
    assert_eq!(resp.status(), 200);
    let cd = resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cd.contains("filename*=UTF-8''r%C3%A9sum%C3%A9%202024.pdf"),
        "{cd}"
    );
    // As if stored by an older version: control characters and quotes.
    sqlx::query("UPDATE documents SET attachment_name = $1 WHERE id = $2")
        .bind("a\u{1}b\"\r\n\u{202E}c.txt")
        .bind(id)
        .execute(&app.app.store.pool)
        .await
        .unwrap();
    let resp = download(&app).await.unwrap();
    assert_eq!(resp.status(), 200);
    let cd = resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        cd,
        "attachment; filename=\"a_b____c.txt\"; filename*=UTF-8''ab%22c.txt"
    );
    assert_eq!(resp.bytes().await.unwrap().as_ref(), b"hi");
}
both_backends!(
    any_stored_attachment_name_downloads,
    any_stored_attachment_name_downloads
);
