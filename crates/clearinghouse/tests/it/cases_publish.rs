//! The embargo as dates (issue 15, item 4): the coordinator moves the
//! target date with a reason (bad dates and missing reasons refused,
//! participants told, the timeline shows the reason); early publication
//! needs a reason; publication lifts the embargo of the case's
//! vulnerability so that a non-vetted operator gets its exposure and is
//! told; and the publication job publishes a case on its date and leaves
//! a moved one alone.

use serde_json::{Value, json};

use crate::both_backends;
use crate::cases_support::{invite, join, map_product, parties, target_date};
use crate::csaf_validator::bsi_validate;
use crate::exposure::{asset, cyclonedx, import_at, upload};
use crate::harness::TestApp;

pub const EMBARGOED: &str = "CVE-2099-4242";

/// An embargoed OSV record for `requests` before 2.32.0.
pub fn osv_requests() -> Value {
    json!({
        "schema_version": "1.6.0", "id": "GHSA-9999-9999-9999",
        "modified": "2026-11-01T00:00:00Z", "published": "2026-11-01T00:00:00Z",
        "aliases": [EMBARGOED], "summary": "Unpublished flaw in requests",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "requests"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.32.0"}]}]}]
    })
}

async fn kinds(app: &TestApp, token: &str) -> Vec<String> {
    let (_, v) = app.get(token, "/api/v1/notifications").await;
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_owned())
        .collect()
}

async fn publication(app: TestApp) {
    let p = parties(&app).await;
    let ehr = asset(&app, &p.hospital, "ehr", true).await;
    let (s, v) = upload(
        &app,
        &p.hospital,
        &ehr,
        cyclonedx(&[("requests", "2.31.0")]),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = import_at(
        &app,
        &p.coord,
        "/api/v1/advisories/import?name=r.json&embargo=true",
        serde_json::to_vec(&osv_requests()).unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (_, e) = app.get(&p.hospital, "/api/v1/exposures?state=all").await;
    assert_eq!(
        e["items"].as_array().unwrap().len(),
        0,
        "embargoed: a non-vetted operator is not told: {e}"
    );

    let target = target_date(40);
    let later = target_date(60);
    let (s, c) = app
        .post(&p.coord, "/api/v1/cases",
              &json!({"title": "requests flaw", "vulnerabilities": [EMBARGOED], "target_date": target}))
        .await;
    assert_eq!(s, 201, "{c}");
    let id = c["id"].as_str().unwrap().to_owned();
    let base = format!("/api/v1/cases/{id}");
    invite(&app, &p, &id, &p.vendor_org).await;
    join(&app, &p.vendor_admin, &id).await;
    map_product(&app, &p, "pkg:pypi/requests").await;

    // Moving the date: refused inputs change nothing.
    let date = format!("{base}/date");
    for (body, field) in [
        (
            json!({"target_date": "2001-01-01", "reason": "x"}),
            "target_date",
        ),
        (json!({"target_date": later, "reason": "  "}), "reason"),
    ] {
        let (s, v) = app.post(&p.coord, &date, &body).await;
        assert_eq!(s, 422, "{v}");
        assert_eq!(v["field"], field, "{v}");
    }
    let (s, v) = app
        .post(
            &p.vendor_admin,
            &date,
            &json!({"target_date": later, "reason": "more time"}),
        )
        .await;
    assert_eq!(s, 403, "{v}");
    let (s, v) = app
        .post(
            &p.outsider,
            &date,
            &json!({"target_date": later, "reason": "more time"}),
        )
        .await;
    assert_eq!(s, 404, "{v}");
    let (s, c) = app
        .post(
            &p.coord,
            &date,
            &json!({"target_date": later, "reason": "The vendor needs a release cycle."}),
        )
        .await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["target_date"], later.as_str());
    assert!(
        kinds(&app, &p.vendor_member)
            .await
            .contains(&"case.date_moved".to_owned())
    );
    let (_, ev) = app.get(&p.vendor_member, &format!("{base}/events")).await;
    let moved = ev
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "date_moved")
        .unwrap()
        .clone();
    assert_eq!(moved["detail"]["from"], target.as_str());
    assert_eq!(
        moved["detail"]["reason"],
        "The vendor needs a release cycle."
    );

    // The job leaves a case whose date is ahead alone.
    let n = clearinghouse::workflows::cases::publish::publish_due(&app.app)
        .await
        .unwrap();
    assert_eq!(n, 0);

    // Early publication needs a reason, then lifts the embargo.
    let publish = format!("{base}/publish");
    let (s, v) = app.post(&p.coord, &publish, &json!({})).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["field"], "reason");
    let (s, v) = app
        .post(&p.vendor_admin, &publish, &json!({"reason": "x"}))
        .await;
    assert_eq!(s, 403, "{v}");
    let (s, c) = app
        .post(
            &p.coord,
            &publish,
            &json!({"reason": "Exploited in the wild (KEV)."}),
        )
        .await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["state"], "published");
    assert!(c["published_at"].is_string());
    let (s, v) = app
        .post(&p.coord, &publish, &json!({"reason": "again"}))
        .await;
    assert_eq!(s, 409, "{v}");
    let (s, v) = app
        .post(
            &p.coord,
            &date,
            &json!({"target_date": target_date(90), "reason": "too late"}),
        )
        .await;
    assert_eq!(s, 409, "{v}");
    let (_, e) = app.get(&p.hospital, "/api/v1/exposures").await;
    let items = e["items"].as_array().unwrap();
    assert_eq!(
        items.len(),
        1,
        "published: the operator is exposed now: {e}"
    );
    assert!(
        kinds(&app, &p.hospital)
            .await
            .contains(&"case.published".to_owned())
    );
    assert!(
        kinds(&app, &p.vendor_member)
            .await
            .contains(&"case.published".to_owned())
    );
    let (s, _) = app.get(&p.hospital, &base).await;
    assert_eq!(
        s, 404,
        "publication does not open the case data to non-participants"
    );

    // The CSAF advisory: revision 1 at publication, a vendor's statement
    // after it is revision 2, and revision 1 is unchanged.
    let (s, doc1) = app.get(&p.vendor_member, &format!("{base}/csaf")).await;
    assert_eq!(s, 200, "{doc1}");
    assert_eq!(doc1["document"]["tracking"]["version"], "1");
    assert_eq!(doc1["vulnerabilities"][0]["cve"], EMBARGOED);
    let bytes = serde_json::to_vec(&doc1).unwrap();
    clearinghouse_domain::advisory::parse_csaf(&bytes).expect("the mandatory tests pass");
    bsi_validate(&doc1);
    let (s, v) = app
        .post(
            &p.vendor_member,
            &format!("{base}/statements"),
            &json!({"statements": [{"vulnerability": EMBARGOED, "product": "pkg:pypi/requests",
                                      "status": "fixed", "fixed_version": "2.32.0"}]}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let (s, doc2) = app.get(&p.vendor_member, &format!("{base}/csaf")).await;
    assert_eq!(s, 200);
    assert_eq!(doc2["document"]["tracking"]["version"], "2");
    assert_eq!(
        doc2["document"]["tracking"]["revision_history"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        doc2["vulnerabilities"][0]["product_status"]["fixed"],
        json!(["CSAFPID-0001"])
    );
    assert_eq!(
        doc2["vulnerabilities"][0]["remediations"][0]["category"],
        "vendor_fix"
    );
    clearinghouse_domain::advisory::parse_csaf(&serde_json::to_vec(&doc2).unwrap())
        .expect("the mandatory tests pass");
    bsi_validate(&doc2);
    let (s, again) = app
        .get(&p.vendor_member, &format!("{base}/csaf?version=1"))
        .await;
    assert_eq!(s, 200);
    assert_eq!(again, doc1, "a published revision is never edited");
    let (s, _) = app.get(&p.outsider, &format!("{base}/csaf")).await;
    assert_eq!(s, 404);

    // A case whose date is today is published by the job.
    let today = clearinghouse::clock::now_text()[..10].to_owned();
    let (s, c) = app
        .post(&p.coord, "/api/v1/cases",
              &json!({"title": "due today", "vulnerabilities": ["CVE-2018-1000805"], "target_date": today}))
        .await;
    assert_eq!(s, 201, "{c}");
    let n = clearinghouse::workflows::cases::publish::publish_due(&app.app)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let (_, c) = app
        .get(
            &p.coord,
            &format!("/api/v1/cases/{}", c["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(c["state"], "published");
}
both_backends!(publication, publication);
