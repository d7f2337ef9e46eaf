//! What is filed under a directive, on both backends: past reports and
//! attestations listed with who submitted them, when and the values (an
//! agency its own, CISA every organisation's or one's); evidence files
//! attached through the API (raw body) and the page's form (multipart),
//! their SHA-256 recorded, readable by the agency and CISA only (404 for
//! another agency), too large or empty refused with nothing stored; and
//! directive managers deciding extension and exception requests from the
//! directive's page through the same workflow as the API.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::both_backends;
use crate::directives::cast;
use crate::directives_dashboard::setup;
use crate::harness::TestApp;

pub(crate) async fn page(app: &TestApp, cookie: &str, path: &str) -> (u16, String) {
    let resp = app
        .client
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .expect("get");
    let status = resp.status().as_u16();
    (status, resp.text().await.expect("body"))
}

pub(crate) async fn form(
    app: &TestApp,
    cookie: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let resp = app
        .client
        .post(app.url(path))
        .header("cookie", cookie)
        .form(fields)
        .send()
        .await
        .expect("post");
    let status = resp.status().as_u16();
    (status, resp.text().await.expect("body"))
}

pub(crate) fn csrf(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let at = html.find(marker).expect("a form with a CSRF token") + marker.len();
    html[at..].split('"').next().unwrap_or_default().to_owned()
}

async fn raw(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Vec<u8>,
) -> (u16, Vec<u8>) {
    let resp = app
        .client
        .request(method, app.url(path))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(body)
        .send()
        .await
        .expect("request");
    let status = resp.status().as_u16();
    (status, resp.bytes().await.expect("body").to_vec())
}

async fn evidence_count(app: &TestApp, token: &str, id: &str) -> usize {
    let (s, v): (u16, Value) = app
        .get(token, &format!("/api/v1/directives/{id}/reports"))
        .await;
    assert_eq!(s, 200, "{v}");
    v.as_array()
        .expect("a list")
        .iter()
        .map(|s| s["evidence"].as_array().map_or(0, Vec::len))
        .sum()
}

async fn submissions_and_evidence_are_the_agency_and_cisas(app: TestApp) {
    let c = cast(&app).await;
    let due =
        clearinghouse_domain::frontier::date::CalendarDate::parse("2021-11-17").expect("date");
    let id = setup(&app, &c, due).await;
    let (s, sub) = app
        .post(
            &c.a,
            &format!("/api/v1/directives/{id}/reports"),
            &json!({"action": "inventory", "period": "2026-02-01",
                "fields": {"asset_count": 42, "notes": "two data centres"}}),
        )
        .await;
    assert_eq!(s, 201, "{sub}");
    let sid = sub["id"].as_str().expect("id").to_owned();

    // Evidence through the API: stored with its SHA-256.
    let file = b"asset,owner\nssh-gateway,ops\n".to_vec();
    let sha = hex::encode(Sha256::digest(&file));
    let attach =
        format!("/api/v1/directive-reports/{sid}/evidence?name=inventory.csv&media_type=text/csv");
    let (s, body) = raw(&app, &c.a, reqwest::Method::POST, &attach, file.clone()).await;
    assert_eq!(s, 201, "{}", String::from_utf8_lossy(&body));
    let ev: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(ev["sha256"], json!(sha));
    assert_eq!(ev["size_bytes"], json!(file.len()));
    let eid = ev["id"].as_str().expect("id").to_owned();

    // Refused, nothing stored: empty, too large, a path as name, another
    // agency's submission (404 as if missing), CISA attaching.
    let (s, _) = raw(&app, &c.a, reqwest::Method::POST, &attach, Vec::new()).await;
    assert_eq!(s, 422);
    let big = vec![b'x'; clearinghouse::workflows::directives::evidence::MAX_EVIDENCE_BYTES + 1];
    let (s, _) = raw(&app, &c.a, reqwest::Method::POST, &attach, big).await;
    assert_eq!(s, 413);
    let bad_name = format!("/api/v1/directive-reports/{sid}/evidence?name=../etc/passwd");
    let (s, body) = raw(&app, &c.a, reqwest::Method::POST, &bad_name, file.clone()).await;
    assert_eq!(s, 422, "{}", String::from_utf8_lossy(&body));
    assert!(String::from_utf8_lossy(&body).contains("name"));
    let (s, _) = raw(&app, &c.b, reqwest::Method::POST, &attach, file.clone()).await;
    assert_eq!(s, 404, "another agency does not see the submission");
    let (s, _) = raw(&app, &c.m1, reqwest::Method::POST, &attach, file.clone()).await;
    assert_eq!(s, 403, "CISA reads, the agency attaches");
    assert_eq!(evidence_count(&app, &c.a, &id).await, 1);

    // Listed with the submission: who, when, the values, the evidence.
    let (s, mine): (u16, Value) = app
        .get(&c.a, &format!("/api/v1/directives/{id}/reports"))
        .await;
    assert_eq!(s, 200, "{mine}");
    let first = &mine[0];
    assert_eq!(first["action"], "inventory");
    assert_eq!(first["fields"]["asset_count"], 42);
    assert!(first["submitted_by"].is_string());
    assert_eq!(first["evidence"][0]["file_name"], "inventory.csv");
    let (s, theirs): (u16, Value) = app
        .get(&c.b, &format!("/api/v1/directives/{id}/reports"))
        .await;
    assert_eq!(s, 200);
    assert_eq!(theirs, json!([]), "another agency sees only its own");
    let (s, _): (u16, Value) = app
        .get(
            &c.b,
            &format!("/api/v1/directives/{id}/reports?org={}", c.a_org),
        )
        .await;
    assert_eq!(s, 404);
    let (s, cisa): (u16, Value) = app
        .get(
            &c.m1,
            &format!("/api/v1/directives/{id}/reports?org={}", c.a_org),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(cisa.as_array().map(Vec::len), Some(1), "{cisa}");

    // Downloads: the agency and CISA get the bytes; another agency 404.
    let content = format!("/api/v1/directive-evidence/{eid}/content");
    for token in [&c.a, &c.m1] {
        let (s, got) = raw(&app, token, reqwest::Method::GET, &content, Vec::new()).await;
        assert_eq!(s, 200);
        assert_eq!(got, file);
    }
    let (s, _) = raw(&app, &c.b, reqwest::Method::GET, &content, Vec::new()).await;
    assert_eq!(s, 404);

    // The page lists them; the form attaches one more (multipart).
    let cookie = app.login_cookie("doe-ops").await;
    let path = format!("/directives/{id}");
    let (s, html) = page(&app, &cookie, &path).await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"submissions\""), "{html}");
    assert!(html.contains("asset count"), "{html}");
    assert!(html.contains("two data centres"), "{html}");
    assert!(html.contains("inventory.csv"), "{html}");
    assert!(html.contains(&sha), "{html}");
    let token = csrf(&html);
    let multipart = |name: &str, bytes: &[u8]| {
        let mut b = format!(
            "--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n\
             --XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: application/pdf\r\n\r\n"
        )
        .into_bytes();
        b.extend_from_slice(bytes);
        b.extend_from_slice(b"\r\n--XyZ--\r\n");
        b
    };
    let upload = format!("/directives/{id}/reports/{sid}/evidence");
    let post = |body: Vec<u8>| {
        app.client
            .post(app.url(&upload))
            .header("cookie", &cookie)
            .header("content-type", "multipart/form-data; boundary=XyZ")
            .body(body)
            .send()
    };
    let r = post(multipart("", b"")).await.expect("post");
    assert_eq!(r.status().as_u16(), 422, "no file chosen");
    let html = r.text().await.expect("body");
    assert!(
        html.contains(&format!("id=\"evidence-error-{sid}\">file: choose a file")),
        "{html}"
    );
    assert_eq!(evidence_count(&app, &c.a, &id).await, 1);
    let r = post(multipart("scan report.pdf", b"%PDF-1.7 evidence"))
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(evidence_count(&app, &c.a, &id).await, 2);
    let (_, html) = page(&app, &cookie, &path).await;
    assert!(html.contains("scan report.pdf"), "{html}");

    // CISA's page lists the organisation's submissions under ?org=.
    let m1 = app.login_cookie("manager1").await;
    let (s, html) = page(&app, &m1, &format!("{path}?org={}", c.a_org)).await;
    assert_eq!(s, 200);
    assert!(
        html.contains("Reports and attestations of Department of Energy"),
        "{html}"
    );
    assert!(html.contains("inventory.csv"), "{html}");
    // The page's download link: the agency yes, another agency 404.
    let download = format!("/directive-evidence/{eid}/download");
    let (s, body) = page(&app, &cookie, &download).await;
    assert_eq!((s, body.into_bytes()), (200, file));
    let dol = app.login_cookie("dol-ops").await;
    let (s, _) = page(&app, &dol, &download).await;
    assert_eq!(s, 404);
}

both_backends!(
    directives_evidence,
    submissions_and_evidence_are_the_agency_and_cisas
);

async fn requests_are_decided_on_the_directive_page(app: TestApp) {
    let c = cast(&app).await;
    let due =
        clearinghouse_domain::frontier::date::CalendarDate::parse("2021-11-17").expect("date");
    let id = setup(&app, &c, due).await;
    let (s, r) = app
        .post(
            &c.a,
            &format!("/api/v1/directives/{id}/requests"),
            &json!({"action": "process", "kind": "exception", "period": "2036-01-01",
                "justification": "The process is being replaced."}),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    let rid = r["id"].as_str().expect("id").to_owned();

    // An agency member sees no queue.
    let a = app.login_cookie("doe-ops").await;
    let path = format!("/directives/{id}");
    let (_, html) = page(&app, &a, &path).await;
    assert!(!html.contains("id=\"request-queue\""), "{html}");

    let m1 = app.login_cookie("manager1").await;
    let (s, html) = page(&app, &m1, &path).await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"request-queue\""), "{html}");
    assert!(html.contains(&format!("data-request=\"{rid}\"")), "{html}");
    assert!(html.contains("being replaced"), "{html}");
    let token = csrf(&html);
    let decide = format!("/directives/{id}/requests/{rid}/decide");

    // A made-up decision is refused beside the request, reason kept.
    let (s, html) = form(
        &app,
        &m1,
        &decide,
        &[
            ("csrf_token", &token),
            ("decision", "maybe"),
            ("reason", "kept reason"),
        ],
    )
    .await;
    assert_eq!(s, 422, "{html}");
    assert!(
        html.contains(&format!(
            "id=\"decide-error-{rid}\">decision: must be grant or deny"
        )),
        "{html}"
    );
    assert!(html.contains("kept reason"), "{html}");
    // A forged token: refused.
    let (s, _) = form(
        &app,
        &m1,
        &decide,
        &[("csrf_token", "forged"), ("decision", "grant")],
    )
    .await;
    assert_eq!(s, 403);
    let (_, v): (u16, Value) = app
        .get(
            &c.m1,
            &format!("/api/v1/directives/{id}/requests?state=pending"),
        )
        .await;
    assert_eq!(v.as_array().map(Vec::len), Some(1), "still pending: {v}");

    // Granted with a reason: recorded as through the API.
    let (s, html) = form(
        &app,
        &m1,
        &decide,
        &[
            ("csrf_token", &token),
            ("decision", "grant"),
            ("reason", "Replacement plan reviewed."),
        ],
    )
    .await;
    assert_eq!(s, 303, "{html}");
    let (_, v): (u16, Value) = app
        .get(&c.a, &format!("/api/v1/directives/{id}/requests"))
        .await;
    assert_eq!(v[0]["state"], "granted", "{v}");
    assert_eq!(v[0]["decision_reason"], "Replacement plan reviewed.");
    let (_, obligations): (u16, Value) = app
        .get(
            &c.a,
            &format!("/api/v1/directives/{id}/obligations?action=process"),
        )
        .await;
    assert_eq!(obligations[0]["state"], "excepted", "{obligations}");
    let (_, html) = page(&app, &m1, &path).await;
    assert!(html.contains("id=\"decided-requests\""), "{html}");
    assert!(html.contains("Replacement plan reviewed."), "{html}");
    // Deciding it again: a conflict said above the queue.
    let (s, html) = form(
        &app,
        &m1,
        &decide,
        &[("csrf_token", &token), ("decision", "deny")],
    )
    .await;
    assert_eq!(s, 409, "{html}");
    assert!(html.contains("id=\"queue-error\""), "{html}");
    // The agency sees the decision beside its request.
    let (_, html) = page(&app, &a, &path).await;
    assert!(html.contains("Replacement plan reviewed."), "{html}");
}

both_backends!(directives_queue, requests_are_decided_on_the_directive_page);
