//! The vulnerability pages over HTTP, on both backends: the index at
//! `/vulnerabilities` pages the real KEV catalog 50 at a time ("1–50 of
//! 1404"), searches by id and package, filters by KEV, and counts only what
//! the reader may read (an embargoed vulnerability is not counted for an
//! operator who is not exposed); a vulnerability's page shows its KEV facts,
//! says when nothing names its products machine-readably, and tells an
//! exposed operator which version to upgrade to.

use crate::both_backends;
use crate::exposure::{CVE, asset, cyclonedx, import, import_at, operator, osv_paramiko, upload};
use crate::exposure_realdata::{read, sub_dir};
use crate::harness::TestApp;

/// A page's HTML as `cookie`'s user sees it.
pub async fn page(app: &TestApp, cookie: &str, path: &str) -> (u16, String) {
    let resp = reqwest::Client::new()
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap_or_default())
}

async fn index_pages_searches_and_counts_what_the_reader_may_read(app: TestApp) {
    let Some(dir) = sub_dir("kev") else {
        return;
    };
    let token = app.admin_token.clone();
    let (s, v) = import(
        &app,
        &token,
        "kev.json",
        read(&dir.join("known_exploited_vulnerabilities.json")),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let admin = app.login_cookie("admin").await;
    let (s, html) = page(&app, &admin, "/vulnerabilities?kev=yes").await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("1–50 of 1404"), "{html}");
    let (_, html) = page(&app, &admin, "/vulnerabilities?kev=yes&page=2").await;
    assert!(html.contains("51–100 of 1404"), "{html}");
    assert!(html.contains("id=\"vuln-prev\"") && html.contains("id=\"vuln-next\""));
    let (_, html) = page(&app, &admin, "/vulnerabilities?q=CVE-2021-44228").await;
    assert!(html.contains("1–1 of 1"), "{html}");
    let (_, html) = page(&app, &admin, "/vulnerabilities?kev=no").await;
    assert!(html.contains("No vulnerabilities match"), "{html}");

    // The API gives the same totals, and refuses a bad filter naming it.
    let (s, v) = app
        .get(&token, "/api/v1/vulnerabilities?kev=true&page=3")
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["total"].as_i64(), v["items"].as_array().map(Vec::len)),
        (Some(1404), Some(50))
    );
    let (s, v) = app
        .get(&token, "/api/v1/vulnerabilities?exploitation=maybe")
        .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("exploitation")), "{v}");

    // An embargoed advisory is counted for coordinators only.
    let (s, v) = import_at(
        &app,
        &token,
        "/api/v1/advisories/import?name=x.json&embargo=true",
        serde_json::to_vec(&osv_paramiko()).unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (_, ops) = operator(&app, "Water Works").await;
    let (_, all) = app.get(&token, "/api/v1/vulnerabilities").await;
    let (_, theirs) = app.get(&ops, "/api/v1/vulnerabilities").await;
    assert_eq!(all["total"].as_i64(), Some(1405), "{}", all["total"]);
    assert_eq!(theirs["total"].as_i64(), Some(1404), "{}", theirs["total"]);
    let (_, found) = app
        .get(&ops, "/api/v1/vulnerabilities?q=pkg:pypi/paramiko")
        .await;
    assert_eq!(found["total"], 0, "{found}");
    let (_, found) = app
        .get(&token, "/api/v1/vulnerabilities?q=pkg:pypi/paramiko")
        .await;
    assert_eq!(found["items"][0]["id"], CVE, "{found}");
}
both_backends!(
    index_pages_searches_and_counts_what_the_reader_may_read,
    index_pages_searches_and_counts_what_the_reader_may_read
);

async fn a_vulnerability_page_shows_kev_facts_and_the_upgrade(app: TestApp) {
    let Some(dir) = sub_dir("kev") else {
        return;
    };
    let token = app.admin_token.clone();
    let (s, v) = import(
        &app,
        &token,
        "kev.json",
        read(&dir.join("known_exploited_vulnerabilities.json")),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let admin = app.login_cookie("admin").await;
    let (s, html) = page(&app, &admin, "/vulnerabilities/CVE-2021-44228").await;
    assert_eq!(s, 200, "{html}");
    for needle in [
        "No machine-readable affected products",
        "Apache",
        "Log4j2",
        "cisa-kev",
        "2021-12-24",
    ] {
        assert!(html.contains(needle), "{needle} in {html}");
    }

    // An operator exposed to paramiko before 2.4.1 is told to upgrade.
    let (s, v) = import(
        &app,
        &token,
        "p.json",
        serde_json::to_vec(&osv_paramiko()).unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (_, ops) = operator(&app, "Rural Clinic").await;
    let ehr = asset(&app, &ops, "ehr", true).await;
    let (s, v) = upload(&app, &ops, &ehr, cyclonedx(&[("paramiko", "2.4.0")])).await;
    assert_eq!(s, 200, "{v}");
    let cookie = app.login_cookie("rural-clinic-ops").await;
    let (s, html) = page(&app, &cookie, &format!("/vulnerabilities/{CVE}")).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("upgrade to 2.4.1"), "{html}");
    assert!(
        html.contains("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
        "{html}"
    );
    assert!(html.contains("9.8"), "the score beside its vector: {html}");
    assert!(
        !html.contains("No machine-readable affected products"),
        "{html}"
    );
}
both_backends!(
    a_vulnerability_page_shows_kev_facts_and_the_upgrade,
    a_vulnerability_page_shows_kev_facts_and_the_upgrade
);
