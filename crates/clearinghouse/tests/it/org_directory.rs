//! S8: the organisation directory shows each reader what it needs. The
//! clearinghouse staff (privileged roles) see every organisation; anyone
//! else sees its own organisation and the government agencies it shares
//! records with. Another hospital, vendor or lab is left out of lists,
//! counts and searches, and reading it by id is 404 with the same body as
//! a missing id, through the API and the web pages alike.

use serde_json::Value;

use crate::both_backends;
use crate::harness::TestApp;

fn names(list: &Value) -> Vec<String> {
    let mut v: Vec<String> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

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

async fn members_see_their_own_organisation_and_the_agencies(app: TestApp) {
    let hospital = app
        .org("Valley Hospital", "critical_infrastructure_operator")
        .await;
    let bank = app
        .org("Prairie Bank", "critical_infrastructure_operator")
        .await;
    let vendor = app.org("Acme Software", "vendor").await;
    let lab = app.org("Atlas Labs", "ai_developer").await;
    let cisa = app.org("CISA", "government_agency").await;
    let (_, nurse) = app.user(&hospital, "nurse", &["member"]).await;
    let (_, hospital_admin) = app.user(&hospital, "it-lead", &["org_admin"]).await;
    let (_, dev) = app.user(&lab, "dev", &["member"]).await;
    let (_, coordinator) = app.user(&cisa, "coord", &["coordinator"]).await;

    let own_and_agencies = ["CISA", "Clearinghouse Administration", "Valley Hospital"];
    for token in [&nurse, &hospital_admin] {
        let (s, list) = app.get(token, "/api/v1/orgs").await;
        assert_eq!(s, 200, "{list}");
        assert_eq!(names(&list), own_and_agencies);
        let (_, list) = app.get(token, "/api/v1/orgs?archived=true").await;
        assert_eq!(names(&list), own_and_agencies);
        // Paging one at a time walks the same three.
        let (mut seen, mut cursor) = (Vec::new(), String::new());
        loop {
            let path = format!("/api/v1/orgs?limit=1{cursor}");
            let (_, v) = app.get(token, &path).await;
            seen.extend(names(&v));
            match v["next_cursor"].as_str() {
                Some(c) => cursor = format!("&cursor={c}"),
                None => break,
            }
        }
        seen.sort();
        assert_eq!(seen, own_and_agencies);
    }
    // Another organisation by id reads exactly like one that does not exist.
    let (missing_status, missing) = app
        .get(&nurse, "/api/v1/orgs/00000000-0000-4000-8000-000000000000")
        .await;
    assert_eq!(missing_status, 404);
    for other in [&bank, &vendor, &lab] {
        let (s, v) = app.get(&nurse, &format!("/api/v1/orgs/{other}")).await;
        assert_eq!(s, 404, "{v}");
        assert_eq!(v["title"], missing["title"]);
        assert_eq!(v["detail"], missing["detail"]);
    }
    assert_eq!(
        app.get(&nurse, &format!("/api/v1/orgs/{cisa}")).await.0,
        200
    );
    assert_eq!(
        app.get(&nurse, &format!("/api/v1/orgs/{hospital}")).await.0,
        200
    );
    // A developer sees the agencies it shares models with, not its rivals.
    let (_, list) = app.get(&dev, "/api/v1/orgs").await;
    assert_eq!(
        names(&list),
        ["Atlas Labs", "CISA", "Clearinghouse Administration"]
    );
    // The staff see everyone.
    let (_, list) = app.get(&coordinator, "/api/v1/orgs").await;
    assert_eq!(names(&list).len(), 6, "{list}");
    assert_eq!(
        app.get(&coordinator, &format!("/api/v1/orgs/{bank}"))
            .await
            .0,
        200
    );

    // The web page: the same rows, counted and searched the same way, and
    // a line saying why; the new-user form offers only the own organisation.
    let cookie = app.login_cookie("it-lead").await;
    let body = page(&app, &cookie, "/orgs").await;
    assert!(body.contains("1–3 of 3"), "{body}");
    assert!(body.contains("id=\"orgs-partial\""), "{body}");
    for hidden in ["Prairie Bank", "Acme Software", "Atlas Labs"] {
        assert!(!body.contains(hidden), "{hidden} shown");
    }
    let body = page(&app, &cookie, "/orgs?q=bank").await;
    assert!(!body.contains("Prairie Bank"), "{body}");
    let body = page(&app, &cookie, "/orgs?kind=vendor").await;
    assert!(!body.contains("Acme Software"), "{body}");
    let body = page(&app, &cookie, "/users").await;
    assert!(!body.contains(&format!("value=\"{cisa}\"")), "{body}");
    assert!(body.contains(&format!("value=\"{hospital}\"")), "{body}");
    let staff = app.login_cookie("coord").await;
    let body = page(&app, &staff, "/orgs").await;
    assert!(
        body.contains("1–6 of 6") && body.contains("Prairie Bank"),
        "{body}"
    );
    assert!(!body.contains("id=\"orgs-partial\""), "{body}");
}
both_backends!(
    members_see_their_own_organisation_and_the_agencies,
    members_see_their_own_organisation_and_the_agencies
);

/// A name that differs from an existing one only in letter case, spacing,
/// punctuation, accents or look-alike letters of another script is the
/// same name (409 naming the field and the existing organisation), so
/// nobody can register a look-alike to be chosen by mistake from a list.
async fn look_alike_names_are_refused(app: TestApp) {
    app.org("Acme Software", "vendor").await;
    let before = app.get(&app.admin_token, "/api/v1/orgs").await.1["items"]
        .as_array()
        .unwrap()
        .len();
    for name in [
        "acme software",
        "ACME  Software",
        "AcmeSoftware",
        " Acme Software ",
        "Acme-Software.",
        "\u{410}cme Software",
        "\u{FF21}cme Software",
        "Acme\u{A0}Software",
        "Acme Softwar\u{E9}",
    ] {
        let (s, v) = app
            .post(
                &app.admin_token,
                "/api/v1/orgs",
                &serde_json::json!({"name": name, "kind": "vendor"}),
            )
            .await;
        assert_eq!(s, 409, "{name}: {v}");
        assert_eq!(v["field"], "name", "{v}");
        let detail = v["detail"].as_str().unwrap();
        assert!(detail.contains("\"Acme Software\""), "{detail}");
    }
    let after = app.get(&app.admin_token, "/api/v1/orgs").await.1["items"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(before, after, "nothing stored");
    // A different name is fine.
    let (s, v) = app
        .post(
            &app.admin_token,
            "/api/v1/orgs",
            &serde_json::json!({"name": "Acme Software Labs", "kind": "vendor"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
}

both_backends!(look_alike_names_are_refused, look_alike_names_are_refused);
