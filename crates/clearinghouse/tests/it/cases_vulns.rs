//! A case's vulnerabilities read through the case (N11): the vendor of a
//! case on an embargoed vulnerability reads its description and affected
//! versions once it has joined (403 before), labelled with the case's TLP,
//! each read audited; the vulnerability stays withheld from it everywhere
//! else, and a non-participant gets the same 404 as for a missing case, on
//! the API and the page.

use serde_json::json;

use crate::advisories_pages::page;
use crate::both_backends;
use crate::cases_publish::{EMBARGOED, osv_requests};
use crate::cases_support::{parties, target_date};
use crate::exposure::{CVE, import_at};
use crate::harness::TestApp;

async fn audited(app: &TestApp) -> i64 {
    sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM audit_log WHERE entry LIKE '%\"case.vulnerability_read\"%'",
    )
    .fetch_one(&app.app.store.pool)
    .await
    .unwrap()
}

async fn participants_read_the_embargoed_vulnerability(app: TestApp) {
    let p = parties(&app).await;
    let (s, v) = import_at(
        &app,
        &p.coord,
        "/api/v1/advisories/import?name=r.json&embargo=true",
        serde_json::to_vec(&osv_requests()).unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, c) = app
        .post(&p.coord, "/api/v1/cases",
              &json!({"title": "requests flaw", "vulnerabilities": [EMBARGOED], "target_date": target_date(30)}))
        .await;
    assert_eq!(s, 201, "{c}");
    let id = c["id"].as_str().unwrap().to_owned();
    let vuln_id = c["vulnerabilities"][0]["id"].as_str().unwrap().to_owned();
    let base = format!("/api/v1/cases/{id}");
    let (s, v) = app
        .post(
            &p.coord,
            &format!("{base}/participants"),
            &json!({"org_id": p.vendor_org, "role": "vendor"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let read = format!("{base}/vulnerabilities/{EMBARGOED}");

    // Outsiders: the same 404 as for a missing case or vulnerability.
    let (s, missing) = app
        .get(
            &p.outsider,
            &format!("/api/v1/cases/{vuln_id}/vulnerabilities/{EMBARGOED}"),
        )
        .await;
    assert_eq!(s, 404, "{missing}");
    for token in [&p.outsider, &p.hospital] {
        let (s, v) = app.get(token, &read).await;
        assert_eq!((s, &v), (404, &missing), "a non-participant");
    }
    // Invited, not joined: join first.
    let (s, v) = app.get(&p.vendor_member, &read).await;
    assert_eq!(s, 403, "{v}");
    assert!(
        v["detail"]
            .as_str()
            .unwrap()
            .contains("join the case first"),
        "{v}"
    );
    assert_eq!(
        audited(&app).await,
        0,
        "refused reads are not recorded as reads"
    );

    let (s, v) = app
        .post(&p.vendor_admin, &format!("{base}/join"), &json!({}))
        .await;
    assert_eq!(s, 200, "{v}");
    // Still withheld outside the case.
    let (s, v) = app
        .get(
            &p.vendor_member,
            &format!("/api/v1/vulnerabilities/{EMBARGOED}"),
        )
        .await;
    assert_eq!(s, 404, "{v}");
    // Through the case: by the name the case gives it and by its id.
    for path in [read.clone(), format!("{base}/vulnerabilities/{vuln_id}")] {
        let (s, v) = app.get(&p.vendor_member, &path).await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["tlp"], "AMBER", "{v}");
        assert_eq!(v["named_as"], EMBARGOED, "{v}");
        assert_eq!(
            v["vulnerability"]["summary"],
            "Unpublished flaw in requests"
        );
        assert_eq!(v["vulnerability"]["embargoed"], true, "{v}");
        let affected = &v["detail"]["affected"][0];
        assert_eq!(affected["package"], "pkg:pypi/requests", "{v}");
        assert_eq!(affected["ranges"][0]["events"][1]["fixed"], "2.32.0", "{v}");
    }
    assert_eq!(audited(&app).await, 2, "each read audited");
    // A vulnerability the case is not about: 404, even though it exists.
    let (s, v) = app
        .get(&p.vendor_member, &format!("{base}/vulnerabilities/{CVE}"))
        .await;
    assert_eq!((s, &v), (404, &missing), "not in the case");
    // The coordinator (case staff) reads it too.
    let (s, v) = app.get(&p.coord, &read).await;
    assert_eq!(s, 200, "{v}");

    // The page: linked from the case page, labelled, 404 page for outsiders.
    let cookie = app.login_cookie("pm-dev").await;
    let (s, html) = page(&app, &cookie, &format!("/cases/{id}")).await;
    assert_eq!(s, 200, "{html}");
    let link = format!("/cases/{id}/vulnerabilities/{vuln_id}");
    assert!(html.contains(&link), "{html}");
    let (s, html) = page(&app, &cookie, &link).await;
    assert_eq!(s, 200, "{html}");
    for want in [
        "TLP:AMBER",
        "Unpublished flaw in requests",
        "pkg:pypi/requests",
        "2.32.0",
        "under embargo",
    ] {
        assert!(html.contains(want), "{want}: {html}");
    }
    let outsider = app.login_cookie("other-dev").await;
    let (s, html) = page(&app, &outsider, &link).await;
    assert_eq!(s, 404, "{html}");
    assert!(!html.contains("requests"), "{html}");
}
both_backends!(
    participants_read_the_embargoed_vulnerability,
    participants_read_the_embargoed_vulnerability
);
