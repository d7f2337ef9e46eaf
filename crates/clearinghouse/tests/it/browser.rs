//! Headless-browser tests of the web UI: Chromium driven through
//! chromedriver (WebDriver) with fantoccini, against the real server on
//! SQLite. Each test starts its own chromedriver on a free port with a fresh
//! browser profile; the driver's process group is killed when the test ends.
//!
//! Without `/usr/bin/chromedriver` the tests print a skip line, except with
//! `CI=true`, where that is a failure. `.ci/install-browser.sh` installs it.

use std::os::unix::process::CommandExt;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use futures_util::FutureExt;
use serde_json::json;

use crate::harness::{ADMIN_PASSWORD, Db, TestApp, temp_dir};

pub(crate) const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub(crate) const CHROMIUM: &str = "/usr/bin/chromium";
pub(crate) const WAIT: Duration = Duration::from_secs(15);
pub(crate) const CHROME_ARGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,900",
];

/// A chromedriver child in its own process group, with its browser profile.
struct Driver {
    child: Child,
    port: u16,
    profile: PathBuf,
}

impl Driver {
    /// None (skip) when chromedriver is not installed, outside CI.
    async fn start() -> Option<Driver> {
        if !Path::new(CHROMEDRIVER).exists() {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("CI=true but {CHROMEDRIVER} is missing; run .ci/install-browser.sh");
            }
            println!("SKIPPED (chromedriver not installed; run .ci/install-browser.sh)");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let driver = Driver {
            child,
            port,
            profile: temp_dir(),
        };
        let http = reqwest::Client::new();
        let deadline = Instant::now() + WAIT;
        while !http
            .get(format!("http://127.0.0.1:{port}/status"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not answer on port {port}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Some(driver)
    }

    async fn connect(&self) -> Client {
        let mut args: Vec<String> = CHROME_ARGS.iter().map(|a| a.to_string()).collect();
        args.push(format!("--user-data-dir={}", self.profile.display()));
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": CHROMIUM, "args": args }),
        );
        ClientBuilder::rustls()
            .expect("rustls connector")
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("WebDriver session")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The negative id names the process group: chromedriver and any
        // browser it left behind (after a failed close).
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Runs `test` with a fresh server and browser; the client is closed and the
/// driver stopped whether or not the test panics.
pub(crate) async fn browse(test: impl AsyncFnOnce(&TestApp, &Client)) {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let app = TestApp::spawn(Db::Sqlite).await.expect("SQLite app");
    let client = driver.connect().await;
    let outcome = AssertUnwindSafe(test(&app, &client)).catch_unwind().await;
    let _ = client.close().await;
    drop(driver);
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

pub(crate) async fn open(c: &Client, app: &TestApp, path: &str) {
    c.goto(&app.url(path)).await.expect("navigate");
}

/// Waits for an element; on time-out fails showing where the browser is.
/// A page that navigates while the element is looked for answers "aborted
/// by navigation" at once (ChromeDriver); the wait goes on on the new page.
pub(crate) async fn wait(c: &Client, loc: Locator<'_>) -> Element {
    let deadline = std::time::Instant::now() + WAIT;
    let mut found = c.wait().at_most(WAIT).for_element(loc).await;
    while let Err(e) = &found
        && e.to_string().contains("aborted by navigation")
        && let Some(left) = deadline.checked_duration_since(std::time::Instant::now())
    {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        found = c.wait().at_most(left).for_element(loc).await;
    }
    match found {
        Ok(e) => e,
        Err(e) => {
            let url = c.current_url().await.map(String::from).unwrap_or_default();
            let text = match c.find(Locator::Css("body")).await {
                Ok(body) => body.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            panic!("waiting for {loc:?} on {url}: {e}\npage text:\n{text}");
        }
    }
}

pub(crate) async fn text(c: &Client, css: &str) -> String {
    text_of(c, Locator::Css(css)).await
}

/// Waits for the element at `xpath` and returns its text.
pub(crate) async fn xtext(c: &Client, xpath: &str) -> String {
    text_of(c, Locator::XPath(xpath)).await
}

/// The element's text, found again when the page replaced it between
/// finding and reading (a redirect or an htmx swap landing just then:
/// WebDriver's "stale element reference").
async fn text_of(c: &Client, loc: Locator<'_>) -> String {
    let started = Instant::now();
    loop {
        let e = wait(c, loc).await;
        match e.text().await {
            Ok(t) => return t,
            Err(e) if e.is_stale_element_reference() && started.elapsed() < WAIT => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("element text: {e:?}"),
        }
    }
}

/// The `textContent` of an element, for what the browser does not render
/// as text (an SVG `<title>`).
pub(crate) async fn content(c: &Client, css: &str) -> String {
    let e = wait(c, Locator::Css(css)).await;
    e.prop("textContent")
        .await
        .expect("prop")
        .unwrap_or_default()
}

pub(crate) async fn count(c: &Client, loc: Locator<'_>) -> usize {
    c.find_all(loc).await.expect("find_all").len()
}

pub(crate) async fn fill(c: &Client, id: &str, value: &str) {
    let field = wait(c, Locator::Id(id)).await;
    field.clear().await.expect("clear");
    field.send_keys(value).await.expect("type");
}

pub(crate) async fn click(c: &Client, loc: Locator<'_>) {
    wait(c, loc).await.click().await.expect("click");
}

pub(crate) async fn select(c: &Client, id: &str, value: &str) {
    let e = wait(c, Locator::Id(id)).await;
    e.select_by_value(value).await.expect("select option");
}

pub(crate) async fn path(c: &Client) -> String {
    c.current_url().await.expect("url").path().to_owned()
}

/// Fills and submits the sign-in form.
pub(crate) async fn submit_login(c: &Client, app: &TestApp, username: &str, password: &str) {
    open(c, app, "/login").await;
    fill(c, "username", username).await;
    fill(c, "password", password).await;
    click(c, Locator::Id("sign-in")).await;
}

/// Signs in with ADMIN_PASSWORD and waits for the header to name the user.
pub(crate) async fn sign_in(c: &Client, app: &TestApp, username: &str) {
    submit_login(c, app, username, ADMIN_PASSWORD).await;
    xtext(
        c,
        &format!("//strong[@id='whoami' and text()='{username}']"),
    )
    .await;
}

pub(crate) async fn sign_out(c: &Client, app: &TestApp) {
    click(c, Locator::Id("logout")).await;
    let login = url::Url::parse(&app.url("/login")).expect("url");
    let until = c.wait().at_most(WAIT);
    until.for_url(&login).await.expect("back on /login");
    wait(c, Locator::Id("sign-in")).await;
}

/// Waits for the error page of `status` and returns its detail line.
pub(crate) async fn error_page(c: &Client, status: u16) -> String {
    xtext(
        c,
        &format!("//h1[starts-with(normalize-space(), '{status} ')]"),
    )
    .await;
    text(c, "#error-detail").await
}

/// The table row whose first cell is exactly `first`.
fn row(table: &str, first: &str) -> String {
    format!("//table[@id='{table}']/tbody/tr[normalize-space(td[1])='{first}']")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_rejects_wrong_password_then_admin_lands_home() {
    browse(async |app, c| {
        submit_login(c, app, "admin", "not the password").await;
        let error = text(c, "#login-error").await;
        assert!(error.contains("wrong password"), "{error}");
        assert_eq!(path(c).await, "/login");
        assert_eq!(count(c, Locator::Id("whoami")).await, 0);

        sign_in(c, app, "admin").await;
        assert_eq!(path(c).await, "/");
        assert_eq!(text(c, "#whoami").await, "admin");
        let welcome = text(c, "main h1").await;
        assert!(welcome.starts_with("Welcome"), "{welcome}");
        let png = c.screenshot().await.expect("screenshot");
        std::fs::write("/tmp/chx-home.png", png).expect("write screenshot");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn navigation_depends_on_roles() {
    browse(async |app, c| {
        let org = app.org("Member Org", "researcher").await;
        app.user(&org, "mia", &["member"]).await;

        sign_in(c, app, "admin").await;
        click(c, Locator::Css("#tools-menu summary")).await;
        for link in ["Audit log", "Authorizations", "Approvals", "Documents"] {
            assert_eq!(count(c, Locator::LinkText(link)).await, 1, "{link}");
        }
        sign_out(c, app).await;

        sign_in(c, app, "mia").await;
        click(c, Locator::Css("#tools-menu summary")).await;
        assert_eq!(count(c, Locator::LinkText("Documents")).await, 1);
        for link in ["Audit log", "Authorizations"] {
            assert_eq!(count(c, Locator::LinkText(link)).await, 0, "{link}");
        }
        open(c, app, "/audit").await;
        let detail = error_page(c, 403).await;
        assert!(detail.contains("auditor"), "{detail}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_an_organisation() {
    browse(async |app, c| {
        sign_in(c, app, "admin").await;
        open(c, app, "/orgs").await;
        fill(c, "org-name", "Grid Operator Ltd").await;
        select(c, "org-kind", "critical_infrastructure_operator").await;
        select(c, "org-sector", "energy").await;
        click(c, Locator::Css("#new-org input[name=vetted]")).await;
        click(c, Locator::Id("create-org")).await;

        let cells = xtext(c, &row("orgs", "Grid Operator Ltd")).await;
        assert!(
            // The vetted flag waits for a second coordinator's approval.
            cells.contains("critical_infrastructure_operator energy no no"),
            "{cells}"
        );
        assert_eq!(path(c).await, "/orgs");
        let (s, v) = app.get(&app.admin_token, "/api/v1/orgs").await;
        assert_eq!(s, 200, "{v}");
        assert!(v.to_string().contains("Grid Operator Ltd"), "{v}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_token_create_use_and_revoke() {
    browse(async |app, c| {
        sign_in(c, app, "admin").await;
        open(c, app, "/tokens").await;
        fill(c, "token-name", "nightly scanner").await;
        select(c, "token-kind", "agent").await;
        click(c, Locator::Css("input[name=scope][value='documents:read']")).await;
        click(c, Locator::Id("create-token")).await;

        let token = text(c, "#new-token").await;
        assert!(token.starts_with("chx_"), "{token}");
        let (s, me) = app.get(&token, "/api/v1/me").await;
        assert_eq!(s, 200, "{me}");
        assert_eq!(me["user"]["username"], "admin");
        assert_eq!(me["scopes"], json!(["documents:read"]));
        assert!(me["agent_token_id"].is_string(), "{me}");

        let tr = row("tokens", "nightly scanner");
        let cells = xtext(c, &tr).await;
        assert!(
            cells.starts_with("nightly scanner agent documents:read"),
            "{cells}"
        );
        assert!(cells.contains("active"), "{cells}");

        let revoke = format!("{tr}//button[normalize-space()='Revoke']");
        click(c, Locator::XPath(&revoke)).await;
        xtext(c, &format!("{tr}[.//span[text()='revoked']]")).await;
        assert_eq!(count(c, Locator::XPath(&revoke)).await, 0);
        assert_eq!(count(c, Locator::Id("new-token")).await, 0, "shown once");
        let (s, v) = app.get(&token, "/api/v1/me").await;
        assert_eq!(s, 401, "{v}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_person_approval_of_a_grant() {
    browse(async |app, c| {
        let org = app.org("Lab", "ai_developer").await;
        let (mia, _) = app.user(&org, "mia", &["member"]).await;
        app.second_admin().await;
        let summary = "grant 1 authorization(s) to mia";

        sign_in(c, app, "admin").await;
        open(c, app, "/authorizations").await;
        let user = wait(c, Locator::Id("grant-user")).await;
        user.select_by_label("mia").await.expect("pick mia");
        fill(c, "grant-terms", "CUI").await;
        click(c, Locator::Id("request-grant")).await;

        let pending =
            format!("//table[@id='pending']/tbody/tr[td[@class='summary' and text()='{summary}']]");
        wait(c, Locator::XPath(&pending)).await;
        assert_eq!(path(c).await, "/approvals");
        let approve = format!("{pending}//button[@value='approve']");
        assert_eq!(
            count(c, Locator::XPath(&approve)).await,
            0,
            "no self-approval"
        );
        let buttons = format!("{pending}//button");
        assert_eq!(count(c, Locator::XPath(&buttons)).await, 1, "one button");
        assert_eq!(xtext(c, &buttons).await, "Cancel my request");
        // The maker is told who may decide, and who may not.
        let waiting = xtext(
            c,
            &format!("{pending}//small[contains(@class,'waiting-for')]"),
        )
        .await;
        assert!(
            waiting.contains("platform_admin other than you") && waiting.contains("7 days"),
            "{waiting}"
        );
        sign_out(c, app).await;

        sign_in(c, app, "admin2").await;
        open(c, app, "/approvals").await;
        click(c, Locator::XPath(&approve)).await;
        let decided = format!("//table[@id='decided']/tbody/tr[td[2]='{summary}']/td[3]");
        assert_eq!(xtext(c, &decided).await, "approved");
        assert_eq!(count(c, Locator::XPath(&pending)).await, 0);

        let user_url = format!("/api/v1/users/{mia}");
        let (s, user) = app.get(&app.admin_token, &user_url).await;
        assert_eq!(s, 200, "{user}");
        assert_eq!(user["authorizations"], json!(["CUI"]), "{user}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_log_checkpoint_and_proofs() {
    browse(async |app, c| {
        sign_in(c, app, "admin").await;
        open(c, app, "/audit").await;
        let size: u64 = text(c, "#tree-size").await.parse().expect("a number");
        assert!(size > 0);
        let note = text(c, "#checkpoint").await;
        assert!(note.contains("— "), "not a signed note: {note}");
        assert!(note.contains(&size.to_string()), "{note}");

        let links = c
            .find_all(Locator::Css("#entries a[href^='/audit/proof']"))
            .await
            .expect("links");
        assert_eq!(links.len() as u64, size.min(50), "a proof link per entry");
        let mut hrefs = Vec::new();
        for a in &links {
            hrefs.push(a.attr("href").await.expect("href").expect("has href"));
        }
        click(c, Locator::LinkText("proof")).await;
        let result = text(c, "#proof-result").await;
        assert!(result.starts_with("Verified"), "{result}");
        // Every entry's proof checks out against the checkpoint, not just the newest.
        for href in hrefs {
            open(c, app, &href).await;
            let result = text(c, "#proof-result").await;
            assert!(result.starts_with("Verified"), "{href}: {result}");
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amber_document_is_hidden_from_other_orgs() {
    browse(async |app, c| {
        let other = app.org("Other Vendor", "vendor").await;
        app.user(&other, "olga", &["member"]).await;
        let title = "Exploit chain notes";

        sign_in(c, app, "admin").await;
        open(c, app, "/documents").await;
        fill(c, "doc-title", title).await;
        fill(c, "doc-body", "Steps to reproduce, for our own team.").await;
        select(c, "doc-tlp", "AMBER").await;
        click(c, Locator::Id("share-document")).await;
        xtext(c, &format!("//h1[@id='doc-title' and text()='{title}']")).await;
        assert_eq!(text(c, "main .tlp").await, "TLP:AMBER");
        let doc_path = path(c).await;
        assert!(doc_path.starts_with("/documents/"), "{doc_path}");
        open(c, app, "/documents").await;
        xtext(c, &row("documents", title)).await;
        sign_out(c, app).await;

        sign_in(c, app, "olga").await;
        open(c, app, "/documents").await;
        let listing = text(c, "#documents").await;
        assert!(!listing.contains(title), "{listing}");
        assert!(listing.contains("No documents you may read."), "{listing}");
        open(c, app, &doc_path).await;
        error_page(c, 404).await;
        let page = text(c, "body").await;
        assert!(!page.contains(title) && !page.contains("Steps"), "{page}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_csrf_token_is_refused() {
    browse(async |app, c| {
        sign_in(c, app, "admin").await;
        open(c, app, "/orgs").await;
        fill(c, "org-name", "Forged Org").await;
        let changed = c
            .execute(
                "const f = document.querySelector('#new-org input[name=csrf_token]'); \
                 const old = f.value; f.value = 'forged-' + old.slice(7); return old !== f.value;",
                vec![],
            )
            .await
            .expect("tamper");
        assert_eq!(changed, json!(true));
        click(c, Locator::Id("create-org")).await;

        let detail = error_page(c, 403).await;
        assert!(detail.contains("CSRF"), "{detail}");
        let (s, v) = app.get(&app.admin_token, "/api/v1/orgs").await;
        assert_eq!(s, 200, "{v}");
        assert!(!v.to_string().contains("Forged Org"), "{v}");
        open(c, app, "/orgs").await;
        let orgs = text(c, "#orgs").await;
        assert!(!orgs.contains("Forged Org"), "{orgs}");
    })
    .await;
}

/// With the production default (`Secure` session cookies), signing in works
/// on plain `http://127.0.0.1`, which browsers treat as a secure context.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secure_cookie_sign_in_works_on_loopback() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let app = TestApp::spawn_with(Db::Sqlite, true)
        .await
        .expect("SQLite app");
    let client = driver.connect().await;
    let outcome = AssertUnwindSafe(async {
        sign_in(&client, &app, "admin").await;
        open(&client, &app, "/orgs").await;
        assert_eq!(path(&client).await, "/orgs", "the session cookie was kept");
    })
    .catch_unwind()
    .await;
    let _ = client.close().await;
    drop(driver);
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}
