//! Finding intake over HTTP: submissions acknowledged at once and processed
//! by the job, per-item results, exact deduplication across reporters and
//! versions, idempotent resubmission, the read rule, and bad input that
//! stores nothing.

use serde_json::{Value, json};

use crate::both_backends;
use crate::harness::{Db, TestApp};

/// A native findings document targeting `pkg:pypi/paramiko@2.4.0`.
/// Registers a scan campaign on paramiko for the token's organisation
/// (submissions name only registered, active campaigns); returns its id.
pub async fn paramiko_campaign(app: &TestApp, token: &str) -> String {
    let (status, c) = app
        .post(
            token,
            "/api/v1/scans/campaigns",
            &json!({"targets": ["pkg:pypi/paramiko"], "start": crate::scans::at(0),
                    "end": crate::scans::at(5), "scanner": "lab fuzz 1"}),
        )
        .await;
    assert_eq!(status, 201, "{c}");
    c["id"].as_str().unwrap().to_owned()
}

pub fn native(findings: &[Value]) -> Vec<u8> {
    native_for("pkg:pypi/paramiko@2.4.0", findings)
}

pub fn native_for(target: &str, findings: &[Value]) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "clearinghouse_findings": "1.0",
        "target": target,
        "findings": findings,
    }))
    .unwrap()
}

/// A finding of the native form at `path:line`.
pub fn finding(title: &str, path: &str, line: u32) -> Value {
    json!({"title": title, "description": format!("{title} in {path}"), "rule_id": "R1",
           "cwe": "CWE-287", "severity": "high",
           "location": {"path": path, "start_line": line}, "evidence": "if not authed: pass"})
}

/// POSTs a submission; returns status and body.
pub async fn submit(
    app: &TestApp,
    token: &str,
    body: Vec<u8>,
    query: &str,
    key: Option<&str>,
) -> (u16, Value) {
    let mut req = app
        .client
        .post(app.url(&format!("/api/v1/submissions{query}")))
        .bearer_auth(token)
        .body(body);
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Submits, runs the processing job, and returns the finished submission.
pub async fn submit_and_wait(app: &TestApp, token: &str, body: Vec<u8>, query: &str) -> Value {
    let (status, s) = submit(app, token, body, query, None).await;
    assert!(status == 202 || status == 200, "{status} {s}");
    app.run_pending_jobs().await;
    let (status, s) = app
        .get(
            token,
            &format!("/api/v1/submissions/{}", s["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(status, 200, "{s}");
    s
}

/// A researcher organisation with one member; returns (org id, token).
pub async fn reporter(app: &TestApp, name: &str) -> (String, String) {
    let org = app.org(name, "researcher").await;
    let (_, token) = app
        .user(&org, &format!("{name}-scanner"), &["member"])
        .await;
    (org, token)
}

async fn items(app: &TestApp, token: &str, id: &str, query: &str) -> Vec<Value> {
    let (status, page) = app
        .get(token, &format!("/api/v1/submissions/{id}/items{query}"))
        .await;
    assert_eq!(status, 200, "{page}");
    page["items"].as_array().unwrap().clone()
}

async fn intake_and_exact_dedup(app: TestApp) {
    let (lab, lab_token) = reporter(&app, "lab").await;
    let (firm, firm_token) = reporter(&app, "firm").await;
    let three = vec![
        finding("Auth bypass", "paramiko/auth_handler.py", 10),
        finding("Weak check", "paramiko/transport.py", 20),
        json!({"description": "no title"}),
        finding("Auth bypass", "./paramiko//auth_handler.py", 10),
    ];
    let c1 = paramiko_campaign(&app, &lab_token).await;
    let with_campaign = format!("?campaign={c1}");
    let (status, s) = submit(&app, &lab_token, native(&three), &with_campaign, None).await;
    assert_eq!(status, 202, "{s}");
    assert_eq!(s["state"], "queued");
    assert_eq!(s["format"], "native");
    app.run_pending_jobs().await;
    let (_, s) = app
        .get(
            &lab_token,
            &format!("/api/v1/submissions/{}", s["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(s["state"], "done", "{s}");
    assert_eq!(
        s["counts"],
        json!({"received": 4, "new": 2, "duplicates": 1, "rejected": 1})
    );
    let id = s["id"].as_str().unwrap();
    let all = items(&app, &lab_token, id, "").await;
    let outcomes: Vec<&str> = all.iter().map(|i| i["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["new", "new", "rejected", "duplicate"]);
    assert_eq!(
        all[3]["finding_id"], all[0]["finding_id"],
        "same path after normalising"
    );
    assert_eq!(all[2]["position"], "findings[2]");
    assert!(
        all[2]["message"].as_str().unwrap().contains("title"),
        "{}",
        all[2]
    );
    let rejected = items(&app, &lab_token, id, "?outcome=rejected").await;
    assert_eq!(rejected.len(), 1);
    let paged = items(&app, &lab_token, id, "?limit=1&cursor=0").await;
    assert_eq!(paged[0]["seq"], 1);
    for bad in ["-1", "x"] {
        let path = format!("/api/v1/submissions/{id}/items?cursor={bad}");
        let (status, body) = app.get(&lab_token, &path).await;
        assert_eq!(status, 422, "{bad}: {body}");
        assert_eq!(body["field"], "cursor", "{body}");
    }

    // The organisation is told (inbox and webhooks), not only by polling.
    let (_, inbox) = app.get(&lab_token, "/api/v1/notifications").await;
    let told = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "submission.processed")
        .unwrap_or_else(|| panic!("{inbox}"));
    assert!(told["title"].as_str().unwrap().contains("2 new"), "{told}");

    // The same file again: the first submission, nothing queued.
    let (status, again) = submit(&app, &lab_token, native(&three), &with_campaign, None).await;
    assert_eq!(status, 200);
    assert_eq!(again["id"], s["id"]);

    // Another reporter finds the first bug in the next version: linked, not stored twice.
    let later = native_for(
        "pkg:pypi/paramiko@2.4.1",
        &[finding("Auth bypass", "paramiko/auth_handler.py", 10)],
    );
    let s2 = submit_and_wait(&app, &firm_token, later, "").await;
    assert_eq!(
        s2["counts"],
        json!({"received": 1, "new": 0, "duplicates": 1, "rejected": 0})
    );
    let fid = all[0]["finding_id"].as_str().unwrap();
    // The second reporter gets its sighting and the fact "duplicate", not
    // the first reporter's finding (nor its id).
    let (status, _) = app
        .get(&firm_token, &format!("/api/v1/findings/{fid}"))
        .await;
    assert_eq!(status, 404);
    let theirs = items(&app, &firm_token, s2["id"].as_str().unwrap(), "").await;
    assert_eq!(
        (theirs[0]["outcome"].as_str(), &theirs[0]["finding_id"]),
        (Some("duplicate"), &Value::Null)
    );
    // The first reporter reads it with both sightings.
    let (status, d) = app
        .get(&lab_token, &format!("/api/v1/findings/{fid}"))
        .await;
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["finding"]["reporter_org"], lab);
    assert_eq!(d["finding"]["target_identity"], "pkg:pypi/paramiko");
    assert_eq!(d["finding"]["state"], "received");
    assert_eq!(d["finding"]["campaign"], c1.as_str());
    let seen: Vec<(String, String)> = d["sightings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["org_id"].as_str().unwrap().to_owned(),
                s["version"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(seen.contains(&(lab.clone(), "2.4.0".into())), "{seen:?}");
    assert!(seen.contains(&(firm.clone(), "2.4.1".into())), "{seen:?}");

    // Lists: each reporter sees its own; a third organisation sees nothing.
    let (_, mine) = app.get(&lab_token, "/api/v1/findings").await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 2);
    let (_, theirs) = app.get(&firm_token, "/api/v1/findings").await;
    assert_eq!(theirs["items"], json!([]), "a sighting is not the finding");
    let (_, other_token) = reporter(&app, "bystander").await;
    let (_, none) = app.get(&other_token, "/api/v1/findings").await;
    assert_eq!(none["items"], json!([]));
    let (status, _) = app
        .get(&other_token, &format!("/api/v1/findings/{fid}"))
        .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .get(&other_token, &format!("/api/v1/submissions/{id}"))
        .await;
    assert_eq!(status, 404);
    // Coordinators read everything, filtered.
    let treasury = app.org("Treasury", "government_agency").await;
    let (_, coord) = app.user(&treasury, "coord", &["coordinator"]).await;
    let (_, high) = app
        .get(
            &coord,
            &format!("/api/v1/findings?severity=high&target=pkg:pypi/paramiko&campaign={c1}"),
        )
        .await;
    assert_eq!(high["items"].as_array().unwrap().len(), 2, "{high}");
    let (status, bad) = app.get(&coord, "/api/v1/findings?state=open").await;
    assert_eq!(status, 422);
    assert!(bad["detail"].as_str().unwrap().contains("state"), "{bad}");

    // The submission, each batch and nothing else is audited.
    let (_, entries) = app
        .get(&app.admin_token, "/api/v1/audit/entries?start=0&end=500")
        .await;
    let text = entries.to_string();
    assert!(text.contains("submission.create"), "{text}");
    assert!(text.contains("submission.batch"));
    assert!(text.contains("submission.finish"));
}
both_backends!(intake_and_exact_dedup, intake_and_exact_dedup);

async fn idempotency_key_and_labels(app: TestApp) {
    let (_, token) = reporter(&app, "lab").await;
    let one_again = || native(&[finding("A", "a.py", 1)]);
    let one = one_again();
    let (status, first) = submit(&app, &token, one, "", Some("run-42")).await;
    assert_eq!(status, 202);
    // Same key, same bytes (a retry): the first submission.
    let (status, again) = submit(&app, &token, one_again(), "", Some("run-42")).await;
    assert_eq!(status, 200);
    assert_eq!(again["id"], first["id"]);
    // Same key, other bytes: refused, naming the key, nothing stored.
    let two = native(&[finding("B", "b.py", 2)]);
    let (status, p) = submit(&app, &token, two, "", Some("run-42")).await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(p["field"], "Idempotency-Key", "{p}");
    app.run_pending_jobs().await;
    let (_, mine) = app.get(&token, "/api/v1/submissions").await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1, "{mine}");

    // A label the reporter does not hold is refused; one it holds applies.
    let (status, p) = submit(
        &app,
        &token,
        native(&[finding("C", "c.py", 3)]),
        "?visibility=CUI",
        None,
    )
    .await;
    assert_eq!(status, 422, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("visibility"));
    let (status, p) = submit(&app, &token, native(&[]), "?tlp=RED", None).await;
    assert_eq!(status, 422, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("tlp"));

    let treasury = app.org("Treasury", "government_agency").await;
    let (_, coord) = app.user(&treasury, "coord", &["coordinator"]).await;
    let (status, labelled) = submit(
        &app,
        &app.admin_token.clone(),
        native(&[finding("Secret", "s.py", 1)]),
        "?tlp=AMBER%2BSTRICT",
        None,
    )
    .await;
    assert_eq!(status, 202, "{labelled}");
    assert_eq!(labelled["tlp"], "AMBER+STRICT");
    app.run_pending_jobs().await;
    let (_, all) = app.get(&coord, "/api/v1/findings").await;
    assert_eq!(all["items"].as_array().unwrap().len(), 2, "{all}");
}
both_backends!(idempotency_key_and_labels, idempotency_key_and_labels);

async fn bad_input_stores_nothing(app: TestApp) {
    let (_, token) = reporter(&app, "lab").await;
    let (status, p) = submit(&app, &token, b"hello, world".to_vec(), "", None).await;
    assert_eq!(status, 422, "{p}");
    assert!(p["detail"].as_str().unwrap().starts_with("body"), "{p}");
    let (status, p) = submit(&app, &token, Vec::new(), "", None).await;
    assert_eq!(status, 422, "{p}");
    let (status, p) = submit(
        &app,
        &token,
        native(&[finding("A", "a.py", 1)]),
        "?target=notatarget",
        None,
    )
    .await;
    assert_eq!(status, 422, "{p}");
    assert!(p["detail"].as_str().unwrap().starts_with("target"), "{p}");
    let (status, _) = submit(&app, &token, native(&[]), "?colour=red", None).await;
    assert_eq!(status, 400, "unknown query parameters are refused");
    let (_, list) = app.get(&token, "/api/v1/submissions").await;
    assert_eq!(list["items"], json!([]));

    // SARIF naming only file paths needs --target: each result is rejected
    // with its position, the rest of the batch is unaffected.
    let sarif = json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "semgrep"}},
        "results": [
            {"ruleId": "sqli", "message": {"text": "SQL injection"},
             "locations": [{"physicalLocation": {"artifactLocation": {"uri": "app/db.py"},
                 "region": {"startLine": 7}}}]},
            {"ruleId": "xss", "message": {"text": "XSS"}}]}]});
    let bytes = serde_json::to_vec(&sarif).unwrap();
    let s = submit_and_wait(&app, &token, bytes.clone(), "").await;
    assert_eq!(s["counts"]["rejected"], 2, "{s}");
    let rejected = items(&app, &token, s["id"].as_str().unwrap(), "?outcome=rejected").await;
    assert_eq!(rejected[1]["position"], "runs[0].results[1]");
    let s = submit_and_wait(
        &app,
        &token,
        bytes,
        "?target=repo:https://github.com/example/app@abc123",
    )
    .await;
    assert_eq!(s["counts"]["new"], 2, "{s}");

    // A truncated file keeps what came before the break, and says where.
    // (The target comes first: findings read before it would wait for it.)
    let mut cut = format!(
        r#"{{"clearinghouse_findings": "1.0", "target": "pkg:pypi/paramiko@2.4.0", "findings": [{}, {}]}}"#,
        finding("A", "a.py", 1),
        finding("B", "b.py", 2)
    )
    .into_bytes();
    cut.truncate(cut.len() - 30);
    let s = submit_and_wait(&app, &token, cut, "").await;
    assert_eq!(s["state"], "done", "{s}");
    assert_eq!(s["counts"]["new"], 1, "{s}");
    assert!(s["error"].as_str().unwrap().contains("line"), "{s}");
}
both_backends!(bad_input_stores_nothing, bad_input_stores_nothing);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_submission_is_413() {
    let app = TestApp::spawn_configured(Db::Sqlite, |s| s.max_submission_bytes = 1000)
        .await
        .unwrap();
    let (_, token) = reporter(&app, "lab").await;
    let big: Vec<Value> = (0..50).map(|i| finding("A", "a.py", i)).collect();
    let (status, p) = submit(&app, &token, native(&big), "", None).await;
    assert_eq!(status, 413, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("1000"), "{p}");
    let (_, list) = app.get(&token, "/api/v1/submissions").await;
    assert_eq!(list["items"], json!([]));
    let spooled = std::fs::read_dir(app.data_dir.join("tmp")).unwrap().count();
    assert_eq!(spooled, 0, "the spooled upload is removed");
}

async fn near_duplicates_and_known_vulnerabilities(app: TestApp) {
    use crate::exposure::{CVE, import, osv_paramiko};
    let mut osv = osv_paramiko();
    osv["database_specific"] = json!({"cwe_ids": ["CWE-287"]});
    let (status, r) = import(
        &app,
        &app.admin_token,
        "ghsa.json",
        serde_json::to_vec(&osv).unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    let (_, lab_token) = reporter(&app, "lab").await;
    let (_, firm_token) = reporter(&app, "firm").await;
    let code = "def _parse_service_accept(self, m):\n    service = m.get_text()\n    if not self.authenticated: pass";
    let lab = native(&[
        json!({"title": "Authentication bypass in the auth handler",
               "description": "The server processes channel requests before the client has completed authentication, so an attacker can skip auth entirely.",
               "tool": "lab-agent", "location": {"path": "paramiko/auth_handler.py", "start_line": 120},
               "evidence": code, "cwe": "CWE-287"}),
        json!({"title": "Insecure temporary file", "description": "mktemp is used to create a file name in /tmp.",
               "tool": "lab-agent", "location": {"path": "paramiko/auth_handler.py", "start_line": 400},
               "evidence": "name = tempfile.mktemp()", "cwe": "CWE-377"}),
    ]);
    let s = submit_and_wait(&app, &lab_token, lab, "").await;
    assert_eq!(s["counts"]["new"], 2, "{s}");
    let firm = native(&[json!({"title": "Auth bypass in auth handler",
               "description": "The server processes channel requests before the client has completed authentication, so an attacker can skip authentication.",
               "tool": "firm-scanner", "location": {"path": "paramiko/auth_handler.py", "start_line": 118},
               "evidence": code, "aliases": [CVE]})]);
    let s = submit_and_wait(&app, &firm_token, firm, "").await;
    assert_eq!(s["counts"]["new"], 1, "{s}");
    let (_, page) = app.get(&firm_token, "/api/v1/findings").await;
    let firm_id = page["items"][0]["id"].as_str().unwrap().to_owned();

    let (_, d) = app
        .get(&firm_token, &format!("/api/v1/findings/{firm_id}"))
        .await;
    // Known by its alias; the finding it resembles is the lab's, which the firm may not read.
    assert_eq!(d["finding"]["known_vuln_id"], CVE, "{d}");
    assert_eq!(
        d["similar"],
        json!([]),
        "no titles of unreadable findings leak"
    );
    let treasury = app.org("Treasury", "government_agency").await;
    let (_, coord) = app.user(&treasury, "coord", &["coordinator"]).await;
    let (_, d) = app
        .get(&coord, &format!("/api/v1/findings/{firm_id}"))
        .await;
    let similar = d["similar"].as_array().unwrap();
    assert_eq!(similar.len(), 1, "{d}");
    assert_eq!(similar[0]["link"], "possible");
    assert!(similar[0]["similarity"].as_f64().unwrap() >= 0.5, "{d}");
    let lab_bypass = similar[0]["finding_id"].as_str().unwrap().to_owned();
    let (_, d) = app
        .get(&coord, &format!("/api/v1/findings/{lab_bypass}"))
        .await;
    assert_eq!(
        d["finding"]["title"],
        "Authentication bypass in the auth handler"
    );
    // Known by package, affected version and CWE (no alias given).
    assert_eq!(d["finding"]["known_vuln_id"], CVE, "{d}");
    assert_eq!(d["similar"][0]["finding_id"], firm_id.as_str());
    // The unrelated finding at the same path is neither similar nor known.
    let (_, all) = app.get(&coord, "/api/v1/findings").await;
    let tmp = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["title"] == "Insecure temporary file")
        .unwrap();
    let (_, d) = app
        .get(
            &coord,
            &format!("/api/v1/findings/{}", tmp["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(d["similar"], json!([]), "{d}");
    assert_eq!(d["finding"]["known_vuln_id"], Value::Null);
}
both_backends!(
    near_duplicates_and_known_vulnerabilities,
    near_duplicates_and_known_vulnerabilities
);

/// Item results span several batches: paging walks them in order, and an
/// outcome filter finds the few rejected items wherever they are.
async fn item_results_page_across_batches(app: TestApp) {
    let (_, token) = reporter(&app, "lab").await;
    let mut file: Vec<Value> = (0..4500)
        .map(|i| finding(&format!("F{}", i % 4000), "a.py", i % 4000))
        .collect();
    for at in [10, 2100, 4400] {
        file[at] = json!({"description": "no title"});
    }
    let s = submit_and_wait(&app, &token, native(&file), "").await;
    assert_eq!(
        s["counts"],
        json!({"received": 4500, "new": 3999, "duplicates": 498, "rejected": 3}),
        "{s}"
    );
    let id = s["id"].as_str().unwrap();
    let mut cursor: Option<String> = None;
    let mut seen = 0;
    loop {
        let q = match &cursor {
            Some(c) => format!("?limit=500&cursor={c}"),
            None => "?limit=500".to_owned(),
        };
        let (_, page) = app
            .get(&token, &format!("/api/v1/submissions/{id}/items{q}"))
            .await;
        for item in page["items"].as_array().unwrap() {
            assert_eq!(item["seq"], seen, "in file order, each once");
            seen += 1;
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, 4500);
    let rejected = items(&app, &token, id, "?outcome=rejected").await;
    let seqs: Vec<i64> = rejected
        .iter()
        .map(|r| r["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, [10, 2100, 4400]);
    assert_eq!(rejected[1]["position"], "findings[2100]");

    // A gap, as a split submission has while a chunk is uncommitted: the
    // walk steps over it and ends.
    sqlx::query("DELETE FROM submission_results WHERE submission_id = $1 AND batch = 1")
        .bind(id)
        .execute(&app.app.store.pool)
        .await
        .unwrap();
    let walk = async {
        let mut seqs = Vec::new();
        let mut after = String::new();
        loop {
            let mut q = format!("/api/v1/submissions/{id}/items?limit=300");
            if !after.is_empty() {
                q.push_str(&format!("&cursor={after}"));
            }
            let (_, page) = app.get(&token, &q).await;
            seqs.extend(
                page["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["seq"].as_i64().unwrap()),
            );
            match page["next_cursor"].as_str() {
                Some(c) => after = c.to_owned(),
                None => return seqs,
            }
        }
    };
    let seqs = tokio::time::timeout(std::time::Duration::from_secs(60), walk)
        .await
        .expect("the walk over a gap ends");
    let expected: Vec<i64> = (0..2000).chain(4000..4500).collect();
    assert_eq!(seqs, expected);
}
both_backends!(
    item_results_page_across_batches,
    item_results_page_across_batches
);
