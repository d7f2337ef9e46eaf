//! The UI's list pages over HTTP on both backends: paging totals counted
//! under the read policy, sorting, search, the home page's counts, the
//! audit log's filters, and bulk triage through the review workflow.

use serde_json::json;

use crate::both_backends;
use crate::exposure::{asset, cyclonedx, import, operator, osv_paramiko, upload};
use crate::findings::{native_for, submit_and_wait};
use crate::harness::TestApp;

async fn page(app: &TestApp, cookie: &str, path: &str) -> String {
    let resp = app
        .client
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{path}");
    resp.text().await.unwrap()
}

async fn lists_page_sort_search_and_count_what_is_readable(app: TestApp) {
    let lab = app.org("Night Lab", "researcher").await;
    let (_, lab_token) = app.user(&lab, "nightlab", &["member"]).await;
    let other = app.org("Other Lab", "researcher").await;
    let (_, other_token) = app.user(&other, "otherlab", &["member"]).await;
    let items: Vec<_> = (0..55)
        .map(|i| {
            json!({"title": format!("Finding {i:02}"), "description": "d", "severity": "low",
                        "location": {"path": format!("f{i}.py"), "start_line": 1}})
        })
        .collect();
    submit_and_wait(&app, &lab_token, native_for("pkg:pypi/a@1.0.0", &items), "").await;
    let theirs = vec![
        json!({"title": "Their secret", "description": "d", "severity": "high",
                             "location": {"path": "x.py", "start_line": 1}}),
    ];
    submit_and_wait(
        &app,
        &other_token,
        native_for("pkg:pypi/b@1.0.0", &theirs),
        "",
    )
    .await;
    let agency = app.org("Clearing Agency", "government_agency").await;
    app.user(&agency, "cora", &["coordinator"]).await;

    // The reporter counts only its own findings.
    let mine = app.login_cookie("nightlab").await;
    let body = page(&app, &mine, "/findings").await;
    assert!(body.contains("1–50 of 55"), "{body}");
    assert!(!body.contains("Their secret"));
    let body = page(&app, &mine, "/findings?page=2").await;
    assert!(body.contains("51–55 of 55"), "{body}");
    let body = page(&app, &mine, "/findings?q=finding+0&sort=title&dir=desc").await;
    assert!(body.contains("1–10 of 10"), "{body}");
    let first = body.find("Finding 09").unwrap();
    assert!(
        first < body.find("Finding 00").unwrap(),
        "sorted descending"
    );
    let home = page(&app, &mine, "/").await;
    assert!(home.contains("Your submissions"), "{home}");

    // The coordinator sees both, sorted by reporter name, and triages in bulk.
    let cora = app.login_cookie("cora").await;
    let body = page(&app, &cora, "/findings?sort=reporter&dir=desc").await;
    assert!(body.contains("1–50 of 56"), "{body}");
    let table = &body[body.find("id=\"finding-list\"").unwrap()..];
    assert!(table.find("Other Lab").unwrap() < table.find("Night Lab").unwrap());
    let csrf = body
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let ids: Vec<String> = body
        .split("<tr class=\"finding\" data-id=\"")
        .skip(1)
        .take(3)
        .map(|s| s.split('"').next().unwrap().to_owned())
        .collect();
    let mut form = vec![
        ("csrf_token", csrf.clone()),
        ("action", "triage".to_owned()),
        ("reason", "in scope".to_owned()),
        ("back", "/findings".to_owned()),
    ];
    form.extend(ids.iter().map(|i| ("id", i.clone())));
    let resp = app
        .client
        .post(app.url("/findings/bulk"))
        .header("cookie", &cora)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let to = resp.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(to, "/findings?bulk_done=3&bulk_failed=0");
    let body = page(&app, &cora, "/findings?state=triaged").await;
    assert!(body.contains("1–3 of 3"), "{body}");
    let home = page(&app, &cora, "/").await;
    assert!(home.contains(">53<"), "53 left to triage: {home}");

    // The audit log: filtered by action, each triage one entry, with names.
    let admin = app.login_cookie("admin").await;
    let body = page(&app, &admin, "/audit?action=finding.").await;
    assert!(body.contains("cora"), "{body}");
    // The administrator reads the log, not the findings (case data): their
    // entries name them without a link that would be 404.
    assert!(body.contains("finding "), "{body}");
    assert!(!body.contains("href=\"/findings/"), "{body}");
    let all = page(&app, &admin, "/audit").await;
    assert!(all.contains("audit-range"), "{all}");
    let body = page(&app, &admin, "/audit?actor=nobody-at-all").await;
    assert!(body.contains("0 of 0"), "{body}");

    // Assets and the operator's home on this backend too.
    let hospital = app
        .org("Rural Hospital", "critical_infrastructure_operator")
        .await;
    let (_, ops) = app.user(&hospital, "olga", &["member"]).await;
    for i in 0..3 {
        let (s, v) = app
            .post(
                &ops,
                "/api/v1/assets",
                &json!({"name": format!("Pump {i}")}),
            )
            .await;
        assert_eq!(s, 201, "{v}");
    }
    let olga = app.login_cookie("olga").await;
    let body = page(&app, &olga, "/assets?q=pump+2").await;
    assert!(body.contains("1–1 of 1"), "{body}");
    let home = page(&app, &olga, "/").await;
    assert!(
        home.contains("No open exposures in your 3 assets"),
        "{home}"
    );

    // Exposures: 52 for the hospital, 1 for another operator.
    let (s, v) = import(
        &app,
        &app.admin_token,
        "ghsa.json",
        serde_json::to_vec(&osv_paramiko()).unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let sbom = cyclonedx(&[("paramiko", "2.4.0")]);
    for i in 0..52 {
        let id = asset(&app, &ops, &format!("Host {i:02}"), i % 2 == 0).await;
        let (s, v) = upload(&app, &ops, &id, sbom.clone()).await;
        assert!(s == 200 || s == 201, "{s} {v}");
    }
    let (_, water) = operator(&app, "Water Works").await;
    let id = asset(&app, &water, "Pump station", true).await;
    upload(&app, &water, &id, sbom.clone()).await;
    app.run_pending_jobs().await;
    let body = page(&app, &olga, "/exposures").await;
    assert!(body.contains("1–50 of 52"), "{body}");
    assert!(!body.contains("Pump station"), "another organisation's");
    let body = page(&app, &olga, "/exposures?q=host+1").await;
    assert!(body.contains("1–10 of 10"), "{body}");
    let body = page(&app, &olga, "/exposures?sort=asset&dir=asc&page=2").await;
    assert!(body.contains("51–52 of 52"), "{body}");
    assert!(body.contains("Host 51"), "{body}");
    let home = page(&app, &olga, "/").await;
    assert!(
        home.contains("id=\"tile-active\"><span class=\"n\">52<"),
        "{home}"
    );
    let body_all = page(&app, &cora, "/exposures?sort=organisation&dir=desc").await;
    assert!(body_all.contains("1–50 of 53"), "{body_all}");
    let table = &body_all[body_all.find("id=\"exposure-list\"").unwrap()..];
    assert!(table.find("Water Works").unwrap() < table.find("Rural Hospital").unwrap());

    // Bulk: two exposures acknowledged with one reason, each audited.
    let csrf = body
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let ids: Vec<String> = body
        .split("<tr class=\"exposure\" data-id=\"")
        .skip(1)
        .take(2)
        .map(|s| s.split('"').next().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 2, "{body}");
    let mut form = vec![
        ("csrf_token", csrf),
        ("state", "acknowledged".to_owned()),
        ("reason", "vendor patch scheduled".to_owned()),
        ("back", "/exposures".to_owned()),
    ];
    form.extend(ids.iter().map(|i| ("id", i.clone())));
    let resp = app
        .client
        .post(app.url("/exposures/bulk"))
        .header("cookie", &olga)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(
        resp.headers()["location"].to_str().unwrap(),
        "/exposures?bulk_done=2&bulk_failed=0"
    );
    let body = page(&app, &olga, "/exposures?state=acknowledged").await;
    assert!(body.contains("1–2 of 2"), "{body}");
    let body = page(&app, &admin, "/audit?action=exposure.state").await;
    assert!(
        body.contains("1–2 of 2"),
        "one audit entry per exposure: {body}"
    );

    // An asset's components, paged and searched, exposed ones first.
    let names: Vec<String> = (0..59).map(|i| format!("lib{i:02}")).collect();
    let mut comps: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "1.0.0")).collect();
    comps.push(("paramiko", "2.4.0"));
    let big = asset(&app, &ops, "Big server", true).await;
    let (s, v) = upload(&app, &ops, &big, cyclonedx(&comps)).await;
    assert!(s == 200 || s == 201, "{s} {v}");
    app.run_pending_jobs().await;
    let body = page(&app, &olga, &format!("/assets/{big}")).await;
    assert!(body.contains("1–50 of 60"), "{body}");
    let table = &body[body.find("id=\"components\"").unwrap()..];
    let first = table.find("<tr class=\"component\">").unwrap();
    assert!(
        table[first..].starts_with("<tr class=\"component\"><td>paramiko</td>"),
        "{table}"
    );
    let body = page(&app, &olga, &format!("/assets/{big}?q=lib0&page=1")).await;
    assert!(body.contains("1–10 of 10"), "{body}");
    let body = page(&app, &cora, &format!("/assets/{big}")).await;
    assert!(
        body.contains("Rural Hospital"),
        "the organisation, for coordinators"
    );
}

both_backends!(
    lists_page_sort_search_and_count_what_is_readable,
    lists_page_sort_search_and_count_what_is_readable
);
