//! Test support for coordination cases: the parties of a case (a
//! coordination centre, a vendor with its admin and a member, a hospital,
//! an outsider, and the paramiko advisory), and the set-up every case test
//! repeats, in one place: a coordinator opens a case, invites the vendor,
//! maps products to it, and the vendor's admin joins ([`open_with_vendor`],
//! or its steps [`open_case`], [`invite`], [`map_product`], [`join`]).

use serde_json::json;

use crate::exposure::{CVE, import, osv_paramiko};
use crate::harness::TestApp;

/// The parties of one case.
pub struct Parties {
    pub coord_org: String,
    pub coord: String,
    pub vendor_org: String,
    pub vendor_admin: String,
    pub vendor_member: String,
    pub hospital_org: String,
    pub hospital: String,
    pub outsider: String,
}

pub async fn parties(app: &TestApp) -> Parties {
    let coord_org = app.org("Coordination Center", "government_agency").await;
    let (_, coord) = app.user(&coord_org, "cc-coord", &["coordinator"]).await;
    let vendor_org = app.org("Paramiko Maintainers", "vendor").await;
    let (_, vendor_admin) = app.user(&vendor_org, "pm-admin", &["org_admin"]).await;
    let (_, vendor_member) = app.user(&vendor_org, "pm-dev", &["member"]).await;
    let hospital_org = app
        .org("County Hospital", "critical_infrastructure_operator")
        .await;
    let (_, hospital) = app.user(&hospital_org, "county-it", &["member"]).await;
    let other = app.org("Other Vendor", "vendor").await;
    let (_, outsider) = app.user(&other, "other-dev", &["org_admin"]).await;
    let (s, v) = import(
        app,
        &app.admin_token,
        "ghsa.json",
        serde_json::to_vec(&osv_paramiko()).unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    Parties {
        coord_org,
        coord,
        vendor_org,
        vendor_admin,
        vendor_member,
        hospital_org,
        hospital,
        outsider,
    }
}

/// A target date `days` ahead of today (UTC), `YYYY-MM-DD` (an embargo
/// ends within 365 days).
pub fn target_date(days: i64) -> String {
    (clearinghouse::clock::now() + time::Duration::days(days))
        .date()
        .to_string()
}

/// A coordinator opens a case on `vulns` (target date 40 days ahead).
pub async fn open_case(app: &TestApp, p: &Parties, title: &str, vulns: &[&str]) -> String {
    let (s, c) = app
        .post(
            &p.coord,
            "/api/v1/cases",
            &json!({"title": title, "vulnerabilities": vulns, "target_date": target_date(40)}),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    c["id"].as_str().unwrap().to_owned()
}

/// The coordinator invites an organisation as a vendor.
pub async fn invite(app: &TestApp, p: &Parties, id: &str, org: &str) {
    invite_as(app, p, id, org, "vendor").await;
}

/// The coordinator invites an organisation with a case role.
pub async fn invite_as(app: &TestApp, p: &Parties, id: &str, org: &str, role: &str) {
    let (s, v) = app
        .post(
            &p.coord,
            &format!("/api/v1/cases/{id}/participants"),
            &json!({"org_id": org, "role": role}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
}

/// An invited organisation's admin joins the case.
pub async fn join(app: &TestApp, admin: &str, id: &str) {
    let (s, v) = app
        .post(admin, &format!("/api/v1/cases/{id}/join"), &json!({}))
        .await;
    assert_eq!(s, 200, "{v}");
}

/// The coordinator maps a product to the vendor (confirmed at once).
pub async fn map_product(app: &TestApp, p: &Parties, product: &str) {
    let (s, v) = app
        .post(
            &p.coord,
            "/api/v1/vendor-products",
            &json!({"org_id": p.vendor_org, "product": product}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
}

/// The usual set-up: a case on `vulns` with the vendor invited, `products`
/// mapped to it, and (with `joined`) the vendor's admin joined. The case id.
pub async fn open_with_vendor(
    app: &TestApp,
    p: &Parties,
    title: &str,
    vulns: &[&str],
    products: &[&str],
    joined: bool,
) -> String {
    let id = open_case(app, p, title, vulns).await;
    invite(app, p, &id, &p.vendor_org).await;
    for product in products {
        map_product(app, p, product).await;
    }
    if joined {
        join(app, &p.vendor_admin, &id).await;
    }
    id
}

/// The paramiko case every security test starts from: the vendor invited,
/// not joined, nothing mapped.
pub async fn paramiko_case(app: &TestApp, p: &Parties) -> String {
    open_with_vendor(app, p, "Paramiko", &[CVE], &[], false).await
}
