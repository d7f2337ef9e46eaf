//! Identity: first-start bootstrap of the real binary, organisations, users and agent principals.

// Helpers outside #[test] functions panic on purpose too.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::harness::{self, Db, TestApp};

const ORGS: &str = "/api/v1/orgs";
const USERS: &str = "/api/v1/users";
const TOKENS: &str = "/api/v1/tokens";
const DOCS: &str = "/api/v1/documents";
const ME: &str = "/api/v1/me";

/// A `clearinghouse serve` process, killed when dropped (also on panic).
struct Server {
    child: Child,
    lines: mpsc::Receiver<String>,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(data_dir: &std::path::Path, admin_token: Option<&str>) -> Server {
        let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = free.local_addr().unwrap().to_string();
        drop(free);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_clearinghouse"));
        for (k, _) in std::env::vars() {
            if k.starts_with("CLEARINGHOUSE_") {
                cmd.env_remove(k);
            }
        }
        if let Some(t) = admin_token {
            cmd.env("CLEARINGHOUSE_ADMIN_TOKEN", t);
        }
        cmd.args(["serve", "--listen", &addr, "--data-dir"]);
        cmd.arg(data_dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let base = format!("http://{addr}");
        Server { child, lines, base }
    }

    /// Everything printed up to and including the "listening" line.
    fn startup_lines(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let listening = |l: &String| l.starts_with("Clearinghouse is listening");
        while !out.last().is_some_and(listening) {
            match self.lines.recv_timeout(Duration::from_secs(60)) {
                Ok(line) => out.push(line),
                Err(e) => panic!("no listening line ({e}); got {out:?}"),
            }
        }
        out
    }

    async fn get(&self, token: &str, path: &str) -> (u16, Value) {
        let url = format!("{}{path}", self.base);
        let req = reqwest::Client::new().get(url).bearer_auth(token);
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// Signs in through the web form; returns the status and the cookie set.
    async fn login(&self, password: &str) -> (u16, String) {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let req = client.post(format!("{}/login", self.base));
        let form = "application/x-www-form-urlencoded";
        let req = req.header("content-type", form);
        let resp = req.body(format!("username=admin&password={password}"));
        let resp = resp.send().await.unwrap();
        let cookie = resp.headers().get("set-cookie").map(|c| c.to_str());
        let cookie = cookie.map(|c| c.unwrap().to_owned()).unwrap_or_default();
        (resp.status().as_u16(), cookie)
    }
}

/// The text after `marker` on the first line that has it.
fn after(lines: &[String], marker: &str) -> String {
    let found = lines.iter().find_map(|l| l.split_once(marker));
    let (_, rest) = found.unwrap_or_else(|| panic!("no {marker:?}: {lines:?}"));
    rest.to_owned()
}

#[tokio::test]
async fn first_start_prints_a_working_token_and_password_once() {
    let dir = harness::temp_dir();
    let token = {
        let server = Server::start(&dir, None);
        let lines = server.startup_lines();
        let first = "First start: created the administrator 'admin'.";
        assert_eq!(lines[0], first);
        let token = after(&lines, "API token (shown once): ");
        assert!(token.starts_with("chx_") && token.len() == 47, "{token}");
        let password = after(&lines, "as 'admin' with the password: ");
        assert!(password.len() >= 40, "{password}");
        let me = expect(server.get(&token, ME).await, 200);
        assert_eq!(me["user"]["username"], "admin");
        let roles = json!(["platform_admin", "auditor"]);
        assert_eq!(me["user"]["roles"], roles);
        let (status, cookie) = server.login(&password).await;
        assert_eq!(status, 303);
        assert!(cookie.starts_with("chx_session="), "{cookie}");
        assert_eq!(server.login(&format!("{password}x")).await.0, 401);
        let wrong = "chx_not_the_token_0123456789abcdef";
        assert_eq!(server.get(wrong, ME).await.0, 401);
        token
    };
    // Second start on the same data: no new administrator, no secret printed.
    let server = Server::start(&dir, None);
    let lines = server.startup_lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(!lines[0].contains("token") && !lines[0].contains("password"));
    let users = expect(server.get(&token, USERS).await, 200);
    assert_eq!(names(&users, "username"), ["admin"]);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn first_start_uses_the_given_admin_token() {
    let dir = harness::temp_dir();
    let given = "chx_given_by_the_environment_0123456789";
    let server = Server::start(&dir, Some(given));
    let lines = server.startup_lines();
    let said = after(&lines, "API token: ");
    assert_eq!(said, "the value of CLEARINGHOUSE_ADMIN_TOKEN");
    let shown = lines.iter().any(|l| l.contains("shown once"));
    assert!(!shown, "{lines:?}");
    let me = expect(server.get(given, ME).await, 200);
    assert_eq!(me["user"]["username"], "admin");
    assert_eq!(server.get(&format!("{given}x"), ME).await.0, 401);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Asserts the status; returns the body.
fn expect(got: (u16, Value), status: u16) -> Value {
    assert_eq!(got.0, status, "{}", got.1);
    got.1
}

/// GET as `token`, asserting `status`; returns the body.
async fn get(app: &TestApp, token: &str, path: &str, status: u16) -> Value {
    expect(app.get(token, path).await, status)
}

/// A JSON request as `token`, asserting `status`; returns the body.
async fn send(
    app: &TestApp,
    m: Method,
    token: &str,
    path: &str,
    body: Value,
    status: u16,
) -> Value {
    expect(app.send(m, token, path, &body).await, status)
}

async fn post(app: &TestApp, token: &str, path: &str, body: Value, status: u16) -> Value {
    send(app, Method::POST, token, path, body, status).await
}

/// POSTs `body`, asserting a 422 naming `field`.
async fn refused(app: &TestApp, token: &str, path: &str, body: Value, field: &str) {
    let v = post(app, token, path, body, 422).await;
    assert_eq!(v["field"], field, "{v}");
}

/// `key` of every item of a page.
fn names(page: &Value, key: &str) -> Vec<String> {
    let items = page["items"].as_array().unwrap_or_else(|| panic!("{page}"));
    let name = |i: &Value| i[key].as_str().unwrap().to_owned();
    items.iter().map(name).collect()
}

async fn tree_size(app: &TestApp) -> u64 {
    let path = "/api/v1/audit/checkpoint";
    let v = get(app, &app.admin_token, path, 200).await;
    v["tree_size"].as_u64().unwrap()
}

/// The audit entry at `index`, parsed.
async fn audit_entry(app: &TestApp, index: u64) -> Value {
    let end = index + 1;
    let path = format!("/api/v1/audit/entries?start={index}&end={end}");
    let v = get(app, &app.admin_token, &path, 200).await;
    serde_json::from_str(v[0]["entry"].as_str().unwrap()).unwrap()
}

fn org(kind: &str, sector: Option<&str>) -> Value {
    json!({"name": "Water Co", "kind": kind, "sector": sector})
}

async fn organisations(app: TestApp) {
    let t = &app.admin_token;
    let op = "critical_infrastructure_operator";
    refused(&app, t, ORGS, org(op, None), "sector").await;
    refused(&app, t, ORGS, org(op, Some("space")), "sector").await;
    refused(&app, t, ORGS, org("vendor", Some("energy")), "sector").await;
    refused(&app, t, ORGS, org("pirate", None), "kind").await;
    let water = Some("water_and_wastewater");
    let created = post(&app, t, ORGS, org(op, water), 201).await;
    assert_eq!(created["kind"], op);
    assert_eq!(created["sector"], json!(water));
    assert_eq!(created["vetted"], false);
    post(&app, t, ORGS, org("vendor", None), 409).await;
    let id = created["id"].as_str().unwrap();
    let (_, member) = app.user(id, "mara", &["member"]).await;
    let other = json!({"name": "Mara Inc", "kind": "vendor"});
    post(&app, &member, ORGS, other, 403).await;
    let list = get(&app, &member, ORGS, 200).await;
    let expected = ["Clearinghouse Administration", "Water Co"];
    assert_eq!(names(&list, "name"), expected);

    let before = tree_size(&app).await;
    let path = format!("{ORGS}/{id}");
    let vetted = json!({"vetted": true});
    send(&app, Method::PATCH, &member, &path, vetted.clone(), 403).await;
    assert_eq!(tree_size(&app).await, before);
    let v = send(&app, Method::PATCH, t, &path, vetted.clone(), 202).await;
    assert_eq!(v["action"], "set_organization_flags", "{v}");
    assert_eq!(tree_size(&app).await, before + 1);
    let entry = audit_entry(&app, before).await;
    assert_eq!(entry["action"], "approval.request");
    crate::org_flags::set_flags(&app, id, json!({"trusted_partner": true})).await;
    let v = get(&app, &member, &path, 200).await;
    assert_eq!(v["vetted"], false, "{v}");
    assert_eq!(v["trusted_partner"], true, "{v}");
    let nope = format!("{ORGS}/nope");
    send(&app, Method::PATCH, t, &nope, vetted, 404).await;
}
both_backends!(organisations, organisations);

fn new_user(org: &str, name: &str, roles: &[&str]) -> Value {
    json!({"org_id": org, "username": name, "display_name": name, "roles": roles})
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_else(|| panic!("{v}")).to_owned()
}

async fn users(app: TestApp) {
    let a = app.org("Alpha Labs", "ai_developer").await;
    let b = app.org("Beta Research", "researcher").await;
    let t = &app.admin_token;
    let alice = post(&app, t, USERS, new_user(&a, "alice", &["org_admin"]), 201).await;
    assert_eq!(alice["org_id"], json!(a));
    assert_eq!(alice["roles"], json!(["org_admin"]));
    assert_eq!(alice["authorizations"], json!([]));
    let alice_token = app.token_for(&id(&alice)).await;
    let admin = alice_token.as_str();
    let carl = post(&app, admin, USERS, new_user(&a, "carl", &[]), 201).await;
    assert_eq!(carl["roles"], json!(["member"]));
    let both = ["member", "org_admin"];
    let dana = post(&app, admin, USERS, new_user(&a, "dana", &both), 201).await;
    assert_eq!(dana["roles"], json!(both));
    for (org, role) in [(&a, "platform_admin"), (&a, "coordinator"), (&b, "member")] {
        let (s, v) = app.post(admin, USERS, &new_user(org, "eve", &[role])).await;
        assert_eq!(s, 403, "{role} in {org}: {v}");
    }
    let (bob, _) = app.user(&b, "bob", &["member"]).await;
    let carl_token = app.token_for(&id(&carl)).await;
    let member = carl_token.as_str();
    post(&app, member, USERS, new_user(&a, "eve", &["member"]), 403).await;

    for path in [USERS.to_owned(), format!("{USERS}?org_id={a}")] {
        let v = get(&app, member, &path, 200).await;
        assert_eq!(names(&v, "username"), ["alice", "carl", "dana"], "{path}");
    }
    // Another organisation's users (or a missing one's): none, never the
    // caller's own as if they matched.
    for other in [b.as_str(), "no-such-org"] {
        let v = get(&app, member, &format!("{USERS}?org_id={other}"), 200).await;
        assert!(names(&v, "username").is_empty(), "{other}: {v}");
    }
    let v = get(&app, t, &format!("{USERS}?org_id={b}"), 200).await;
    assert_eq!(names(&v, "username"), ["bob"]);
    get(&app, member, &format!("{USERS}/{bob}"), 404).await;
    let v = get(&app, member, &format!("{USERS}/{}", id(&alice)), 200).await;
    assert_eq!(v["username"], "alice");

    let carl_roles = format!("{USERS}/{}/roles", id(&carl));
    for (roles, status) in [(json!(both), 200), (json!(["auditor"]), 403)] {
        let body = json!({"roles": roles});
        send(&app, Method::PUT, admin, &carl_roles, body, status).await;
    }
    // Another organisation's user is as missing as a missing one (no
    // oracle): visibility is checked before rights.
    let bob_roles = format!("{USERS}/{bob}/roles");
    let body = json!({"roles": ["member"]});
    let real = send(&app, Method::PUT, admin, &bob_roles, body.clone(), 404).await;
    let missing = format!("{USERS}/no-such-user/roles");
    assert_eq!(
        send(&app, Method::PUT, admin, &missing, body, 404).await,
        real
    );
}
both_backends!(users, users);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]

async fn org_admin_cannot_take_away_roles_they_cannot_give() {
    let Some(app) = TestApp::spawn(Db::Sqlite).await else {
        return;
    };
    let org = app.org("Alpha Labs", "ai_developer").await;
    let (_, alice) = app.user(&org, "alice", &["org_admin"]).await;
    let (audrey, _) = app.user(&org, "audrey", &["auditor"]).await;
    let before = tree_size(&app).await;
    let path = format!("{USERS}/{audrey}/roles");
    let body = json!({"roles": ["member"]});
    send(&app, Method::PUT, &alice, &path, body, 403).await;
    let path = format!("{USERS}/{audrey}");
    let v = get(&app, &app.admin_token, &path, 200).await;
    // Created a member; auditor came through the two-person rule.
    assert_eq!(v["roles"], json!(["member", "auditor"]));
    assert_eq!(tree_size(&app).await, before);
}

/// Makes an agent as the holder of `token`, reading documents unless
/// `extra` says otherwise; returns (token id, secret).
async fn agent(app: &TestApp, token: &str, extra: Value) -> (String, String) {
    let mut body = json!({"name": "scanner", "kind": "agent", "scopes": ["documents:read"], "expires_in_days": 7});
    let fields = extra.as_object().unwrap().clone();
    body.as_object_mut().unwrap().extend(fields);
    let v = post(app, token, TOKENS, body.clone(), 201).await;
    assert_eq!(v["kind"], "agent");
    assert_eq!(v["scopes"], body["scopes"]);
    assert!(v["expires_at"].is_string(), "{v}");
    (id(&v), v["token"].as_str().unwrap().to_owned())
}

/// A member of a new organisation: (user id, token).
async fn ursula(app: &TestApp) -> (String, String) {
    let org = app.org("Alpha Labs", "ai_developer").await;
    app.user(&org, "ursula", &["member"]).await
}

async fn agent_scopes_and_revocation(app: TestApp) {
    let (uid, user) = ursula(&app).await;
    let (id, secret) = agent(&app, &user, json!({})).await;
    assert!(secret.starts_with("chx_"), "{secret}");
    let me = get(&app, &secret, ME, 200).await;
    assert_eq!(me["agent_token_id"], json!(id));
    assert_eq!(me["user"]["id"], json!(uid));
    assert_eq!(me["scopes"], json!(["documents:read"]));
    get(&app, &secret, DOCS, 200).await;
    let doc = json!({"title": "t", "tlp": "CLEAR"});
    post(&app, &secret, DOCS, doc, 403).await;
    assert_eq!(get(&app, &user, DOCS, 200).await["items"], json!([]));
    let child = json!({"name": "child", "kind": "agent", "scopes": ["documents:read"], "expires_in_days": 1});
    post(&app, &secret, TOKENS, child.clone(), 403).await;

    let mut body = child.clone();
    body["authorizations"] = json!(["CUI"]);
    refused(&app, &user, TOKENS, body, "authorizations[0]").await;
    let mut body = child.clone();
    body["scopes"] = json!(["tokens:write"]);
    refused(&app, &user, TOKENS, body, "scopes[0]").await;
    let mut body = child;
    body["expires_in_days"] = Value::Null;
    refused(&app, &user, TOKENS, body, "expires_in_days").await;

    let url = app.url(&format!("{TOKENS}/{id}"));
    let resp = app.client.delete(url).bearer_auth(&user).send().await;
    assert_eq!(resp.unwrap().status(), 200);
    get(&app, &secret, ME, 401).await;
    get(&app, &secret, DOCS, 401).await;
    get(&app, &user, ME, 200).await;
}
both_backends!(agent_scopes_and_revocation, agent_scopes_and_revocation);

async fn agent_authorizations_are_the_intersection(app: TestApp) {
    let (uid, user) = ursula(&app).await;
    app.grant(&uid, &["CUI", "FRONTIER"]).await;
    let only_cui = json!({"authorizations": ["CUI"]});
    let (_, secret) = agent(&app, &user, only_cui).await;
    let me = get(&app, &secret, ME, 200).await;
    assert_eq!(me["authorizations"], json!(["CUI"]));
    let path = format!("{USERS}/{uid}/authorizations/remove");
    let body = json!({"remove": ["CUI"]});
    let v = post(&app, &app.admin_token, &path, body, 200).await;
    assert_eq!(v["authorizations"], json!(["FRONTIER"]));
    let me = get(&app, &secret, ME, 200).await;
    assert_eq!(me["authorizations"], json!([]));
    let me = get(&app, &user, ME, 200).await;
    assert_eq!(me["authorizations"], json!(["FRONTIER"]));
}
both_backends!(
    agent_authorizations_are_the_intersection,
    agent_authorizations_are_the_intersection
);

async fn agent_rate_limit(app: TestApp) {
    let (_, user) = ursula(&app).await;
    let limit = json!({"rate_limit_per_minute": 3});
    let (_, secret) = agent(&app, &user, limit).await;
    for _ in 0..3 {
        get(&app, &secret, DOCS, 200).await;
    }
    let req = app.client.get(app.url(DOCS)).bearer_auth(&secret);
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), 429);
    let retry = resp.headers().get("retry-after").expect("Retry-After");
    let retry: u64 = retry.to_str().unwrap().parse().unwrap();
    assert!((1..=20).contains(&retry), "{retry}");
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["type"], "urn:clearinghouse:problem:rate-limited");
    // The user's own token does not share the agent's bucket.
    get(&app, &user, DOCS, 200).await;
}
both_backends!(agent_rate_limit, agent_rate_limit);

async fn agent_actions_are_audited_with_both_principals(app: TestApp) {
    let (uid, user) = ursula(&app).await;
    let write = json!({"scopes": ["documents:write"]});
    let (id, secret) = agent(&app, &user, write).await;
    let before = tree_size(&app).await;
    let doc = json!({"title": "scan result", "tlp": "CLEAR"});
    let doc = post(&app, &secret, DOCS, doc, 201).await;
    assert_eq!(doc["created_by"], json!(uid));
    assert_eq!(tree_size(&app).await, before + 1);
    let entry = audit_entry(&app, before).await;
    assert_eq!(entry["action"], "document.create");
    assert_eq!(entry["object"]["id"], doc["id"]);
    let actor = &entry["actor"];
    assert_eq!(actor["via"], "agent", "{entry}");
    assert_eq!(actor["agent"], json!(id), "{entry}");
    assert_eq!(actor["user"], json!(uid), "{entry}");
    assert_eq!(actor["username"], "ursula");
    // The same action through the personal token names no agent.
    let doc = json!({"title": "by hand", "tlp": "CLEAR"});
    post(&app, &user, DOCS, doc, 201).await;
    let entry = audit_entry(&app, before + 1).await;
    assert_eq!(entry["actor"]["via"], "token");
    assert_eq!(entry["actor"].get("agent"), None, "{entry}");
}
both_backends!(
    agent_actions_are_audited_with_both_principals,
    agent_actions_are_audited_with_both_principals
);

/// Names that read as someone else or as nothing are refused naming the
/// field, and nothing is stored (F9): a display name carrying a fake
/// "(username) (Organisation)," header, zero-width names, a zero-width
/// organisation name beside a real one.
async fn look_alike_and_invisible_names_are_refused(app: TestApp) {
    let org = app.org("Evil Vendor", "vendor").await;
    let before = app.get(&app.admin_token, USERS).await.1["items"]
        .as_array()
        .map_or(0, Vec::len);
    for name in [
        "Coord (coord) (Coordination Agency), 6 Dec 2026: —",
        "\u{200b}\u{200b}",
        "Coord\u{2060}",
        "a\u{202e}b",
    ] {
        let body = json!({"org_id": org, "username": "fakecoord", "display_name": name});
        let (s, v) = app.post(&app.admin_token, USERS, &body).await;
        assert_eq!(
            (s, v["field"].as_str()),
            (422, Some("display_name")),
            "{name}: {v}"
        );
    }
    let after = app.get(&app.admin_token, USERS).await.1["items"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(before, after, "nothing stored");
    let (s, v) = app
        .post(
            &app.admin_token,
            ORGS,
            &json!({"name": "Evil Vendor\u{200b}", "kind": "vendor"}),
        )
        .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("name")), "{v}");
    let body = json!({"org_id": org, "username": "ana", "display_name": "Ana María Núñez"});
    let (s, v) = app.post(&app.admin_token, USERS, &body).await;
    assert_eq!(s, 201, "{v}");
}
both_backends!(
    look_alike_and_invisible_names_are_refused,
    look_alike_and_invisible_names_are_refused
);
