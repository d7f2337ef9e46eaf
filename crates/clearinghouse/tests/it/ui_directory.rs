//! The directory and queue pages over HTTP on both backends: organisations,
//! users, submissions and approvals paged ("1–50 of N", counting only what
//! the reader may read), sorted and searched with the view in the URL; the
//! forms' refusals shown on the same page beside the field with what was
//! typed kept; and the API nits a new user found (the tokens list's page
//! envelope, a lower-case `bearer`, `limit` and `cursor` checked, TLP:RED
//! documents readable by their author).

use serde_json::json;

use crate::both_backends;
use crate::findings::{native_for, submit_and_wait};
use crate::harness::TestApp;

async fn get_page(app: &TestApp, cookie: &str, path: &str) -> (u16, String) {
    let resp = app
        .client
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

async fn page(app: &TestApp, cookie: &str, path: &str) -> String {
    let (s, body) = get_page(app, cookie, path).await;
    assert_eq!(s, 200, "{path}: {body}");
    body
}

fn csrf(body: &str) -> String {
    body.split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned()
}

async fn post_form(
    app: &TestApp,
    cookie: &str,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String) {
    let resp = app
        .client
        .post(app.url(path))
        .header("cookie", cookie)
        .form(form)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

async fn directory_lists_page_sort_search_and_forms_keep_typed(app: TestApp) {
    // 60 organisations besides the platform's own, each with a user.
    let mut users = Vec::new();
    for i in 0..60 {
        let kind = if i % 2 == 0 { "researcher" } else { "vendor" };
        let org = app.org(&format!("Org {i:02}"), kind).await;
        let (id, _) = app.user(&org, &format!("person{i:02}"), &["member"]).await;
        users.push(id);
    }
    let admin = app.login_cookie("admin").await;
    let body = page(&app, &admin, "/orgs").await;
    assert!(body.contains("1–50 of 61"), "{body}");
    let body = page(&app, &admin, "/orgs?page=2").await;
    assert!(body.contains("51–61 of 61"), "{body}");
    let body = page(&app, &admin, "/orgs?kind=vendor&sort=name&dir=desc").await;
    assert!(body.contains("1–30 of 30"), "{body}");
    let table = &body[body.find("id=\"orgs\"").unwrap()..];
    assert!(table.find("Org 59").unwrap() < table.find("Org 01").unwrap());
    assert!(!table.contains("Org 00"), "a researcher among vendors");
    // The next link keeps the filter and the sort.
    let body = page(&app, &admin, "/orgs?q=org+1").await;
    assert!(body.contains("1–10 of 10"), "{body}");

    let body = page(&app, &admin, "/users").await;
    assert!(body.contains("1–50 of 6"), "{body}");
    let body = page(&app, &admin, "/users?q=person5&sort=username&dir=desc").await;
    assert!(body.contains("1–10 of 10"), "{body}");
    let table = &body[body.find("id=\"users\"").unwrap()..];
    assert!(table.find("person59").unwrap() < table.find("person50").unwrap());
    let body = page(&app, &admin, "/users?q=org+07").await;
    assert!(
        body.contains("person07"),
        "searched by organisation name: {body}"
    );
    assert!(body.contains("1–1 of 1"), "{body}");
    // An organisation's own people only, for a member of it.
    let o = app.org("Small Vendor", "vendor").await;
    app.user(&o, "solo", &["org_admin"]).await;
    let solo = app.login_cookie("solo").await;
    let body = page(&app, &solo, "/users").await;
    assert!(body.contains("1–1 of 1"), "only their organisation: {body}");
    assert!(!body.contains("person01"), "{body}");

    // The organisation form: a name already taken, beside the field, typed kept.
    let token = csrf(&page(&app, &admin, "/orgs").await);
    let form = [
        ("csrf_token", token.as_str()),
        ("name", "Org 07"),
        ("kind", "vendor"),
        ("sector", ""),
        ("trusted_partner", "1"),
    ];
    let (s, body) = post_form(&app, &admin, "/orgs", &form).await;
    assert_eq!(s, 409, "{body}");
    assert!(body.contains("id=\"org-name-error\""), "{body}");
    assert!(body.contains("value=\"Org 07\""), "typed name kept: {body}");
    assert!(
        body.contains("name=\"trusted_partner\" value=\"1\" checked"),
        "{body}"
    );
    assert!(
        body.contains("id=\"main-nav\""),
        "same page, with navigation"
    );
    // The user form: a refused username, the other fields kept, never the password.
    let form = [
        ("csrf_token", token.as_str()),
        ("org_id", o.as_str()),
        ("username", "bad name!"),
        ("display_name", "Bea Bad"),
        ("password", "a long enough password"),
        ("role", "member"),
    ];
    let (s, body) = post_form(&app, &admin, "/users", &form).await;
    assert_eq!(s, 422, "{body}");
    assert!(body.contains("id=\"user-username-error\""), "{body}");
    assert!(body.contains("value=\"Bea Bad\""), "{body}");
    assert!(
        !body.contains("a long enough password"),
        "the password is not echoed"
    );
    let (_, v) = app.get(&app.admin_token, "/api/v1/users?limit=500").await;
    assert!(!v.to_string().contains("Bea Bad"), "nothing created");

    // Approvals: 52 grants requested and decided by a second admin; pending
    // ones listed in full, decided ones paged and searched.
    let second = app.second_admin().await;
    for (i, id) in users.iter().take(52).enumerate() {
        let (s, v) = app
            .post(
                &app.admin_token,
                &format!("/api/v1/users/{id}/authorizations"),
                &json!({"authorizations": ["CUI"]}),
            )
            .await;
        assert_eq!(s, 202, "{v}");
        if i < 51 {
            let path = format!("/api/v1/approvals/{}/decision", v["id"].as_str().unwrap());
            let decision = if i % 2 == 0 { "approve" } else { "reject" };
            let (s, v) = app
                .post(
                    &second,
                    &path,
                    &json!({"decision": decision, "reason": format!("checked {i:02}")}),
                )
                .await;
            assert_eq!(s, 200, "{v}");
        }
    }
    let body = page(&app, &admin, "/approvals").await;
    assert!(body.contains("id=\"pending-count\">1<"), "{body}");
    // 51 here plus the two role grants of the harness's users.
    assert!(body.contains("1–50 of 5"), "{body}");
    let body = page(&app, &admin, "/approvals?state=rejected").await;
    assert!(body.contains("1–25 of 25"), "{body}");
    let body = page(&app, &admin, "/approvals?q=person0&state=approved").await;
    assert!(body.contains("1–5 of 5"), "{body}");
    // A person who may decide nothing sees only their own requests.
    let body = page(&app, &solo, "/approvals").await;
    assert!(body.contains("0 of 0"), "{body}");
    // A decision refused (the requester may not approve) comes back on the page.
    let pending = body_pending_id(&page(&app, &admin, "/approvals").await);
    let form = [
        ("csrf_token", token.as_str()),
        ("decision", "approve"),
        ("reason", ""),
    ];
    let (s, body) = post_form(
        &app,
        &admin,
        &format!("/approvals/{pending}/decision"),
        &form,
    )
    .await;
    assert_eq!(s, 403, "{body}");
    assert!(body.contains("id=\"decision-error\""), "{body}");
}

fn body_pending_id(body: &str) -> String {
    let table = &body[body.find("id=\"pending\"").unwrap()..];
    table
        .split("data-id=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned()
}

async fn submissions_page_sort_search_and_refuse_inline(app: TestApp) {
    let lab = app.org("Night Lab", "researcher").await;
    let (_, lab_token) = app.user(&lab, "nightlab", &["member"]).await;
    let other = app.org("Other Lab", "researcher").await;
    let (_, other_token) = app.user(&other, "otherlab", &["member"]).await;
    let mut campaigns = Vec::new();
    for _ in 0..4 {
        let (s, c) = app
            .post(
                &lab_token,
                "/api/v1/scans/campaigns",
                &json!({"targets": ["pkg:pypi/a"], "start": crate::scans::at(0),
                        "end": crate::scans::at(5), "scanner": "night scanner 1"}),
            )
            .await;
        assert_eq!(s, 201, "{c}");
        campaigns.push(c["id"].as_str().unwrap().to_owned());
    }
    for i in 0..52 {
        let items = vec![
            json!({"title": format!("F {i}"), "description": "d", "severity": "low",
                                "location": {"path": "a.py", "start_line": i + 1}}),
        ];
        let query = format!(
            "?name=scan-{i:02}.json&campaign={}",
            campaigns[(i % 4) as usize]
        );
        submit_and_wait(
            &app,
            &lab_token,
            native_for("pkg:pypi/a@1.0.0", &items),
            &query,
        )
        .await;
    }
    let theirs = vec![
        json!({"title": "Theirs", "description": "d", "severity": "low",
                             "location": {"path": "b.py", "start_line": 1}}),
    ];
    submit_and_wait(
        &app,
        &other_token,
        native_for("pkg:pypi/b@1.0.0", &theirs),
        "?name=theirs.json",
    )
    .await;

    let mine = app.login_cookie("nightlab").await;
    let body = page(&app, &mine, "/submissions").await;
    assert!(
        body.contains("1–50 of 52"),
        "only readable ones counted: {body}"
    );
    assert!(!body.contains("theirs.json"), "{body}");
    let body = page(&app, &mine, "/submissions?sort=file&dir=asc&page=2").await;
    assert!(body.contains("51–52 of 52"), "{body}");
    assert!(body.contains("scan-51.json"), "{body}");
    let body = page(&app, &mine, &format!("/submissions?q={}", campaigns[3])).await;
    assert!(body.contains("1–13 of 13"), "searched by campaign: {body}");
    let body = page(&app, &mine, "/submissions?state=failed").await;
    assert!(body.contains("0 of 0"), "{body}");
    // Human-readable times, the exact value kept.
    assert!(
        page(&app, &mine, "/submissions")
            .await
            .contains("<time datetime=\"")
    );

    // The upload form without a file: on the same page, typed values kept.
    let token = csrf(&page(&app, &mine, "/submissions").await);
    let mut body = String::new();
    for (name, value) in [
        ("csrf_token", token.as_str()),
        ("target", "pkg:pypi/kept@9.9.9"),
        ("campaign", "spring"),
        ("tlp", "GREEN"),
    ] {
        body.push_str(&format!(
            "--XyZ\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    // The file input left empty, as a browser sends it.
    body.push_str("--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\n");
    body.push_str("Content-Type: application/octet-stream\r\n\r\n\r\n--XyZ--\r\n");
    let resp = app
        .client
        .post(app.url("/submissions"))
        .header("cookie", &mine)
        .header("content-type", "multipart/form-data; boundary=XyZ")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let body = resp.text().await.unwrap();
    assert!(body.contains("id=\"submit-file-error\""), "{body}");
    assert!(body.contains("value=\"pkg:pypi/kept@9.9.9\""), "{body}");
    assert!(body.contains("<option selected>GREEN</option>"), "{body}");

    // Bulk triage with an empty reason says so, with the ticks kept.
    let agency = app.org("Clearing Agency", "government_agency").await;
    app.user(&agency, "cora", &["coordinator"]).await;
    let cora = app.login_cookie("cora").await;
    let body = page(&app, &cora, "/findings").await;
    let token = csrf(&body);
    let id = body
        .split("<tr class=\"finding\" data-id=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let form = [
        ("csrf_token", token.as_str()),
        ("action", "triage"),
        ("reason", "  "),
        ("back", "/findings?state=received"),
        ("id", id.as_str()),
    ];
    let (s, body) = post_form(&app, &cora, "/findings/bulk", &form).await;
    assert_eq!(s, 422, "{body}");
    assert!(body.contains("id=\"bulk-error\""), "{body}");
    assert!(
        body.contains(&format!("value=\"{id}\" aria-label=\"select\" checked")),
        "{body}"
    );
    let (_, v) = app
        .get(&app.admin_token, "/api/v1/findings?state=triaged")
        .await;
    assert_eq!(
        v["items"].as_array().unwrap().len(),
        0,
        "nothing changed: {v}"
    );
}

async fn api_paging_tokens_bearer_and_red_documents(app: TestApp) {
    // The tokens list is a page like every other list.
    let (s, v) = app.get(&app.admin_token, "/api/v1/tokens?limit=1").await;
    assert_eq!(s, 200, "{v}");
    assert!(v["items"].is_array(), "{v}");
    // Bearer, whatever its case (RFC 7235).
    for scheme in ["bearer", "BEARER", "Bearer"] {
        let resp = app
            .client
            .get(app.url("/api/v1/me"))
            .header("authorization", format!("{scheme} {}", app.admin_token))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{scheme}");
    }
    // Paging parameters that cannot be right are 422, naming the field.
    for (path, field) in [
        ("/api/v1/orgs?limit=-1", "limit"),
        ("/api/v1/users?limit=0", "limit"),
        ("/api/v1/orgs?cursor=zzz", "cursor"),
        ("/api/v1/findings?cursor=zzz", "cursor"),
        ("/api/v1/tokens?limit=-5", "limit"),
    ] {
        let (s, v) = app.get(&app.admin_token, path).await;
        assert_eq!(s, 422, "{path}: {v}");
        assert_eq!(v["field"], field, "{path}: {v}");
    }
    let (s, v) = app.get(&app.admin_token, "/api/v1/orgs?limit=1").await;
    assert_eq!(s, 200, "{v}");
    if let Some(next) = v["next_cursor"].as_str() {
        let (s, v) = app
            .get(
                &app.admin_token,
                &format!("/api/v1/orgs?limit=1&cursor={next}"),
            )
            .await;
        assert_eq!(s, 200, "a cursor the server gave: {v}");
    }

    // TLP:RED without named readers: its author reads it, nobody else does.
    let org = app.org("Red Team", "vendor").await;
    let (_, author) = app.user(&org, "rita", &["member"]).await;
    let (_, colleague) = app.user(&org, "carl", &["member"]).await;
    let (s, doc) = app
        .post(
            &author,
            "/api/v1/documents",
            &json!({"title": "Eyes only", "tlp": "RED"}),
        )
        .await;
    assert_eq!(s, 201, "{doc}");
    let path = format!("/api/v1/documents/{}", doc["id"].as_str().unwrap());
    let (s, v) = app.get(&author, &path).await;
    assert_eq!(s, 200, "the author reads it: {v}");
    assert_eq!(app.get(&colleague, &path).await.0, 404);
}

both_backends!(
    directory_lists_page_sort_search_and_forms_keep_typed,
    directory_lists_page_sort_search_and_forms_keep_typed
);
both_backends!(
    submissions_page_sort_search_and_refuse_inline,
    submissions_page_sort_search_and_refuse_inline
);
both_backends!(
    api_paging_tokens_bearer_and_red_documents,
    api_paging_tokens_bearer_and_red_documents
);

/// An SBOM over the limit, sent through the asset page's form, is refused
/// beside the file field (413) on the asset page, and nothing changes.
async fn sbom_too_large_is_refused_beside_the_field(app: TestApp) {
    let org = app
        .org("Rural Hospital", "critical_infrastructure_operator")
        .await;
    let (_, token) = app.user(&org, "ira", &["member"]).await;
    let asset = crate::exposure::asset(&app, &token, "EHR server", false).await;
    let cookie = app.login_cookie("ira").await;
    let body = page(&app, &cookie, &format!("/assets/{asset}")).await;
    let token_field = csrf(&body);
    let size = 64 * 1024 * 1024 + 1;
    let mut multipart = format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token_field}\r\n\
         --XyZ\r\nContent-Disposition: form-data; name=\"sbom\"; filename=\"big.json\"\r\n\
         Content-Type: application/json\r\n\r\n"
    )
    .into_bytes();
    multipart.resize(multipart.len() + size, b' ');
    multipart.extend_from_slice(b"\r\n--XyZ--\r\n");
    let resp = app
        .client
        .post(app.url(&format!("/assets/{asset}/sbom")))
        .header("cookie", &cookie)
        .header("content-type", "multipart/form-data; boundary=XyZ")
        .body(multipart)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    let body = resp.text().await.unwrap();
    assert!(body.contains("id=\"sbom-error\""), "{body}");
    assert!(body.contains("at most 64 MiB"), "{body}");
    assert!(body.contains("<nav"), "the asset page with its navigation");
    let (s, v) = app.get(&token, &format!("/api/v1/assets/{asset}")).await;
    assert_eq!(s, 200, "{v}");
    assert!(v["sbom"].is_null(), "no SBOM stored: {v}");
}
both_backends!(
    sbom_too_large_is_refused_beside_the_field,
    sbom_too_large_is_refused_beside_the_field
);
