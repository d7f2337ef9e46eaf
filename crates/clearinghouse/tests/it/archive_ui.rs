//! The archive forms of the web UI over plain HTTP with a session cookie:
//! refusals shown inline beside the form, success redirecting back.

use serde_json::json;

use crate::both_backends;
use crate::exposure::{asset, operator};
use crate::harness::TestApp;

/// A page's HTML with the session cookie, and its status.
pub(crate) async fn page(app: &TestApp, cookie: &str, path: &str) -> (u16, String) {
    let resp = app
        .client
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// Posts a form with the session cookie; returns status and body.
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
        .unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

pub(crate) fn csrf(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let at = html.find(marker).expect("a form with a CSRF token") + marker.len();
    html[at..].split('"').next().unwrap().to_owned()
}

async fn archive_forms_show_refusals_inline(app: TestApp) {
    let (org, ops) = operator(&app, "Web Hospital").await;
    let ehr = asset(&app, &ops, "ehr", false).await;
    let cookie = app.login_cookie("web-hospital-ops").await;
    let asset_page = format!("/assets/{ehr}");
    let (s, html) = page(&app, &cookie, &asset_page).await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"archive-asset\""), "{html}");
    let token = csrf(&html);

    let archive = format!("/assets/{ehr}/archive");
    let (s, html) = form(
        &app,
        &cookie,
        &archive,
        &[("csrf_token", &token), ("reason", "")],
    )
    .await;
    assert_eq!(s, 422);
    assert!(
        html.contains("id=\"archive-error\">reason: is required"),
        "{html}"
    );
    let fields = [("csrf_token", token.as_str()), ("reason", "retired")];
    let (s, _) = form(&app, &cookie, &archive, &fields).await;
    assert_eq!(s, 303);
    let (_, html) = page(&app, &cookie, &asset_page).await;
    assert!(html.contains("id=\"archived\""), "{html}");
    assert!(html.contains("retired"), "{html}");
    assert!(html.contains("id=\"unarchive-asset\""), "{html}");
    assert!(!html.contains("id=\"upload-sbom\""), "{html}");
    let (s, html) = form(&app, &cookie, &archive, &fields).await;
    assert_eq!(s, 409);
    assert!(html.contains("already archived"), "{html}");

    // Revoke on the tokens page.
    let body = json!({"name": "laptop", "kind": "user", "expires_in_days": 30});
    let (s, made) = app.post(&ops, "/api/v1/tokens", &body).await;
    assert_eq!(s, 201, "{made}");
    let revoke = format!("/tokens/{}/revoke", made["id"].as_str().unwrap());
    let (s, _) = form(&app, &cookie, &revoke, &[("csrf_token", &token)]).await;
    assert_eq!(s, 303);
    let (_, html) = page(&app, &cookie, "/tokens").await;
    assert!(
        html.contains("<span class=\"bad\">revoked</span>"),
        "{html}"
    );

    // A platform admin archives the organisation from the list.
    let admin = app.login_cookie("admin").await;
    let (_, html) = page(&app, &admin, "/orgs").await;
    assert!(
        html.contains(&format!("action=\"/orgs/{org}/archive\"")),
        "{html}"
    );
    let token = csrf(&html);
    let path = format!("/orgs/{org}/archive");
    let fields = [("csrf_token", token.as_str()), ("reason", "duplicate")];
    let (s, html) = form(&app, &admin, &path, &fields).await;
    assert_eq!(s, 409);
    assert!(html.contains("id=\"archive-error\""), "{html}");
    assert!(html.contains("disable_users"), "{html}");
    let mut fields = fields.to_vec();
    fields.push(("disable_users", "1"));
    let (s, _) = form(&app, &admin, &path, &fields).await;
    assert_eq!(s, 303);
    let (_, html) = page(&app, &admin, "/orgs").await;
    assert!(!html.contains("Web Hospital"), "{html}");
    // The operator's session ended with it.
    let (s, _) = page(&app, &cookie, &asset_page).await;
    assert_ne!(s, 200);
}
both_backends!(
    archive_forms_show_refusals_inline,
    archive_forms_show_refusals_inline
);
