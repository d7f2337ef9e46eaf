//! Every URL-encoded form of the web UI posted without its CSRF token
//! (as a cross-site page would post it) is refused with the 403 page,
//! never a bare 422 from the form parser, whatever else the body holds. Multipart forms (files) read the token among their parts and are
//! covered by their own pages' tests. A form posted as something else
//! than a form (no form content type) gets the error page too, with 415,
//! never the parser's plain text.

use crate::both_backends;
use crate::harness::TestApp;

/// Every URL-encoded form address (path parameters filled with a made-up
/// id: the token is checked before anything is looked up).
const FORMS: &[&str] = &[
    "/account/password",
    "/orgs",
    "/orgs/x/archive",
    "/users",
    "/tokens",
    "/tokens/x/revoke",
    "/authorizations",
    "/approvals/x/decision",
    "/documents",
    "/exposures/bulk",
    "/exposures/x/state",
    "/assets",
    "/assets/x/archive",
    "/assets/x/unarchive",
    "/vulnerabilities/x/lift-embargo",
    "/findings/bulk",
    "/findings/x/review",
    "/pocs/x/release",
    "/findings/x/similar/y",
    "/cases",
    "/cases/claims/decision",
    "/cases/x/join",
    "/cases/x/participants",
    "/cases/x/participants/y/remove",
    "/cases/x/leave",
    "/cases/x/date",
    "/cases/x/products",
    "/cases/x/statements",
    "/cases/x/publish",
    "/inbox/x/read",
    "/inbox/settings",
    "/inbox/webhooks",
    "/inbox/webhooks/x/delete",
    "/directives/new",
    "/directives/x/edit",
    "/directives/x/report",
    "/directives/x/request",
    "/directives/x/requests/y/decide",
    "/inquiries/x/respond",
    "/inquiries/x/decide",
    "/inquiries/x/approve",
    "/inquiries/x/communicate",
    "/inquiries/x/release",
    "/defence-tools/x/request",
    "/defence-tools/requests/x/decision",
    "/defence-tools/x/delist",
    "/defence-tools/requests/x/revoke",
    "/frontier/models",
    "/frontier/suites",
    "/frontier/thresholds/propose",
    "/frontier/partners/nominate",
    "/frontier/partners/x/approve",
    "/frontier/partners/x/withdraw",
    "/frontier/windows",
    "/frontier/windows/x/grants",
    "/frontier/grants/x/revoke",
    "/frontier/grants/x/accept",
    "/frontier/grants/x/credential",
    "/frontier/alerts/x/acknowledge",
    "/scans/network/assets",
    "/scans/network/assets/x/verify",
    "/scans/network/grants",
    "/scans/network/grants/x/revoke",
    "/scans/network/reports",
    "/scans/campaigns",
    "/scans/campaigns/x/stop",
    "/scans/campaigns/x/claims",
    "/scans/campaigns/x/claims/y/respond",
    "/scans/coordination/incidents/x/refer",
    "/logout",
];

/// Every field any of those forms requires, with a value that parses for
/// each: only the token is missing.
const FIELDS: &[(&str, &str)] = &[
    ("state", "patched"),
    ("org_id", "x"),
    ("product", "x"),
    ("decision", "approve"),
    ("response", "x"),
    ("determination", "x"),
    ("part", "x"),
    ("email", "someone@example.org"),
    ("url", "https://example.org/hook"),
    ("current_password", "x"),
    ("new_password", "x"),
    ("action", "x"),
    ("reason", "x"),
];

/// Sends `request` with the session cookie: status, content type, body.
async fn answer(request: reqwest::RequestBuilder, cookie: &str) -> (u16, String, String) {
    let resp = request.header("cookie", cookie).send().await.expect("post");
    let status = resp.status().as_u16();
    let kind = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, kind, resp.text().await.expect("body"))
}

async fn forms_without_their_token_get_the_403_page(app: TestApp) {
    let cookie = app.login_cookie("admin").await;
    let mut wrong = Vec::new();
    let mut said_csrf = 0;
    for path in FORMS {
        let request = app.client.post(app.url(path)).form(FIELDS);
        let (status, kind, body) = answer(request, &cookie).await;
        // 403 with the error page: the token's own refusal, or (where a
        // form first checks who may use it) the role's; never the form
        // parser's 422.
        if status != 403 || !kind.starts_with("text/html") || !body.contains("Forbidden") {
            wrong.push(format!(
                "{path}: {status} {kind} {}",
                &body[..body.len().min(160)]
            ));
        }
        said_csrf += usize::from(body.contains("CSRF"));
    }
    assert!(
        wrong.is_empty(),
        "forms answering otherwise:\n{}",
        wrong.join("\n")
    );
    // Nearly all check the token first and say so.
    assert!(
        said_csrf + 3 >= FORMS.len(),
        "{said_csrf} of {}",
        FORMS.len()
    );
    // The session still works: nothing above logged it out.
    let (s, me) = app.get(&app.admin_token, "/api/v1/me").await;
    assert_eq!(s, 200, "{me}");
}

both_backends!(
    forms_without_their_token_get_the_403_page,
    forms_without_their_token_get_the_403_page
);

async fn forms_of_another_content_type_get_the_error_page(app: TestApp) {
    let cookie = app.login_cookie("admin").await;
    let mut wrong = Vec::new();
    for path in FORMS {
        let request = app.client.post(app.url(path)).body("csrf_token=x");
        let (status, kind, body) = answer(request, &cookie).await;
        if !(400..500).contains(&status) || !kind.starts_with("text/html") {
            wrong.push(format!(
                "{path}: {status} {kind} {}",
                &body[..body.len().min(160)]
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "forms answering otherwise:\n{}",
        wrong.join("\n")
    );
}

both_backends!(
    forms_of_another_content_type_get_the_error_page,
    forms_of_another_content_type_get_the_error_page
);
