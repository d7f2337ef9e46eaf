//! The full re-match (`matching::full`) decides a page of assets outside
//! its write transaction and, inside it, uses that decision only if the
//! page's components fingerprint (`store::exposure::assets::
//! components_fingerprint`: their count and the sum of their row ids) is
//! unchanged; otherwise it decides the page again. This checks that the
//! fingerprint moves with every change that matters (an SBOM replaced by
//! one of the same size, an asset archived) and holds while nothing
//! changes, and that a full re-match after such changes finds nothing the
//! incremental paths left undone.

use serde_json::json;

use crate::both_backends;
use crate::cpe_matching::full_rematch;
use crate::exposure::{asset, cyclonedx, import, operator, osv_paramiko, upload};
use crate::harness::TestApp;

async fn fingerprint(app: &TestApp, ids: &[String]) -> (i64, i64) {
    let mut conn = app.app.store.pool.acquire().await.expect("connection");
    clearinghouse::store::exposure::assets::components_fingerprint(&mut conn, ids)
        .await
        .expect("fingerprint")
}

async fn fingerprint_moves_with_every_inventory_change(app: TestApp) {
    let (_, ops) = operator(&app, "Rural Clinic").await;
    let ehr = asset(&app, &ops, "ehr", true).await;
    let mail = asset(&app, &ops, "mail", false).await;
    let page = [ehr.clone(), mail.clone()];
    let advisory = serde_json::to_vec(&osv_paramiko()).expect("advisory");
    let (s, v) = import(&app, &app.admin_token, "ghsa.json", advisory).await;
    assert_eq!(s, 200, "{v}");

    let sbom = cyclonedx(&[("paramiko", "2.4.0"), ("requests", "2.31.0")]);
    let (s, v) = upload(&app, &ops, &ehr, sbom).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = upload(&app, &ops, &mail, cyclonedx(&[("flask", "3.0.0")])).await;
    assert_eq!(s, 200, "{v}");
    let first = fingerprint(&app, &page).await;
    assert_eq!(first.0, 3, "three components on the page");
    assert_eq!(
        fingerprint(&app, &page).await,
        first,
        "stable while unchanged"
    );
    assert_eq!(full_rematch(&app).await, (0, 0, 0), "nothing left undone");

    // The same number of components at another version: new rows.
    let fixed = cyclonedx(&[("paramiko", "2.4.1"), ("requests", "2.31.0")]);
    let (s, v) = upload(&app, &ops, &ehr, fixed).await;
    assert_eq!(s, 200, "{v}");
    let second = fingerprint(&app, &page).await;
    assert_eq!(second.0, 3);
    assert_ne!(second, first, "a replaced SBOM of the same size");

    // An archived asset's components leave the page.
    let (s, v) = app
        .post(
            &ops,
            &format!("/api/v1/assets/{mail}/archive"),
            &json!({"reason": "decommissioned"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let third = fingerprint(&app, &page).await;
    assert_eq!(third.0, 2, "an archived asset");
    assert_eq!(full_rematch(&app).await, (0, 0, 0), "nothing left undone");
}

both_backends!(
    fingerprint_moves_with_every_inventory_change,
    fingerprint_moves_with_every_inventory_change
);
