//! `TestApp`: the real server on a random port with a fresh database of
//! the chosen backend and a bootstrap administrator, built with
//! [`TestApp::builder`] (or the `spawn*` shorthands). Passwords are hashed
//! at the minimal argon2 cost (`HttpSettings::password_hash_cost`). Jobs
//! run when a test calls [`TestApp::run_pending_jobs`]; when the app is
//! dropped at the end of a test, the jobs still due are run and the test
//! fails if any job failed or is left queued or running, unless the test
//! said [`TestApp::expect_failed_jobs`].
//!
//! [`real_data`] is the one walker of the shared real-data folder.
//!
//! PostgreSQL tests use the server at `CLEARINGHOUSE_TEST_PG` (default
//! `postgres://postgres@127.0.0.1:5432`), one new database per test. When
//! it does not answer they print a skip line, except with `CI=true`, where
//! that is a failure.

#![allow(dead_code)]

use std::path::PathBuf;

use clearinghouse::app::{self, AppState, HttpSettings};
use clearinghouse::config::StorageArgs;
use clearinghouse::workflows::accounts::bootstrap;
use serde_json::Value;

mod templates;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub const ADMIN_TOKEN: &str = "chx_test_admin_token_0123456789abcdef";
pub const ADMIN_PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    /// Failing jobs are part of the test (checked by the test itself).
    failed_jobs_expected: std::sync::atomic::AtomicBool,
    pub base: String,
    pub admin_token: String,
    pub client: reqwest::Client,
    pub app: AppState,
    pub db: Db,
    pub database_url: String,
    pub data_dir: PathBuf,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

fn pg_base() -> String {
    std::env::var("CLEARINGHOUSE_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// A fresh, empty PostgreSQL database URL, or None (skip) outside CI.
pub async fn fresh_pg_database() -> Option<String> {
    create_pg_database("").await
}

/// A fresh PostgreSQL database with every migration applied, copied from
/// a template migrated once per run ([`templates`]), or None (skip)
/// outside CI.
pub async fn fresh_migrated_pg_database() -> Option<String> {
    let template = templates::postgres().await?;
    create_pg_database(&format!(" TEMPLATE {template}")).await
}

/// The maintenance connection to the test server, or None (skip) outside CI.
async fn pg_admin() -> Option<sqlx::AnyPool> {
    sqlx::any::install_default_drivers();
    let admin_url = format!("{}/postgres", pg_base());
    match sqlx::AnyPool::connect(&admin_url).await {
        Ok(p) => Some(p),
        Err(e) => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("CI=true but PostgreSQL at {admin_url} does not answer: {e}");
            }
            println!("SKIPPED (PostgreSQL not reachable at {admin_url}: {e})");
            None
        }
    }
}

async fn create_pg_database(template: &str) -> Option<String> {
    let pool = pg_admin().await?;
    let name = format!("chx_test_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE {name}{template}"
    )))
    .execute(&pool)
    .await
    .expect("create test database");
    // A test database need not survive a crash of the PostgreSQL server:
    // its commits do not wait for the WAL to reach the disk.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "ALTER DATABASE {name} SET synchronous_commit = off"
    )))
    .execute(&pool)
    .await
    .expect("relax the test database's commit");
    pool.close().await;
    Some(format!("{}/{name}", pg_base()))
}

pub fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("chx-test-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// How a [`TestApp`] is set up; [`TestApp::builder`] starts one.
pub struct TestAppBuilder {
    db: Db,
    settings: HttpSettings,
}

impl TestAppBuilder {
    /// Whether session cookies carry `Secure` (the production default; off
    /// in tests, which speak plain HTTP).
    pub fn secure_cookies(mut self, on: bool) -> Self {
        self.settings.secure_cookies = on;
        self
    }

    /// Changes the HTTP settings further.
    pub fn settings(mut self, configure: impl FnOnce(&mut HttpSettings)) -> Self {
        configure(&mut self.settings);
        self
    }

    /// Starts the server; None when the backend is unavailable (outside CI).
    pub async fn build(self) -> Option<TestApp> {
        TestApp::start(self.db, self.settings).await
    }
}

/// Runs every due job of `app` (a test server's, or a second process's
/// state) until none is left; returns how many ran.
pub async fn run_pending_jobs(app: &AppState) -> usize {
    let mut ran = 0;
    while clearinghouse::jobs::run_next(app, "tester")
        .await
        .expect("claiming a job")
    {
        ran += 1;
        assert!(ran < 10_000, "jobs keep coming");
    }
    ran
}

/// The settings every test server starts from.
pub fn test_settings() -> HttpSettings {
    HttpSettings {
        max_body_bytes: 64 * 1024,
        max_submission_bytes: clearinghouse::app::DEFAULT_MAX_SUBMISSION_BYTES,
        secure_cookies: false,
        public_url: String::new(),
        // Tests run webhook receivers on loopback.
        allow_private_webhooks: true,
        // Hundreds of accounts are made per run; the cost is a setting.
        password_hash_cost: clearinghouse::auth::secrets::HashCost::Minimal,
        consultees: clearinghouse_domain::frontier::designation::default_consultees(),
        job_lease: clearinghouse::jobs::DEFAULT_LEASE,
        chunk_findings: None,
        // Small files span several batches, as large ones do by default.
        batch_findings: 2000,
    }
}

impl TestApp {
    /// A builder of a test server on `db`.
    pub fn builder(db: Db) -> TestAppBuilder {
        TestAppBuilder {
            db,
            settings: test_settings(),
        }
    }

    /// Starts a server; None when the backend is unavailable (outside CI).
    pub async fn spawn(db: Db) -> Option<TestApp> {
        if std::env::var_os("IT_LOG").is_some() {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::from_env("IT_LOG"))
                .with_test_writer()
                .try_init();
        }
        Self::builder(db).build().await
    }

    /// Like `spawn`, choosing whether session cookies carry `Secure` (the
    /// production default).
    pub async fn spawn_with(db: Db, secure_cookies: bool) -> Option<TestApp> {
        Self::builder(db)
            .secure_cookies(secure_cookies)
            .build()
            .await
    }

    /// Like `spawn`, with the HTTP settings changed by `configure`.
    pub async fn spawn_configured(
        db: Db,
        configure: impl FnOnce(&mut HttpSettings),
    ) -> Option<TestApp> {
        Self::builder(db).settings(configure).build().await
    }

    /// Runs every job that is due, as a worker would, until none is left;
    /// returns how many ran (a job that fails counts, and is retried only
    /// after its backoff).
    pub async fn run_pending_jobs(&self) -> usize {
        run_pending_jobs(&self.app).await
    }

    /// Says that this test makes jobs fail on purpose, so the end-of-test
    /// check does not fail it for that.
    pub fn expect_failed_jobs(&self) {
        self.failed_jobs_expected
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Runs the jobs still due and lists every job that failed or is left
    /// queued or running.
    async fn unsettled_jobs(&self) -> Vec<String> {
        self.run_pending_jobs().await;
        clearinghouse::store::jobs::unsettled(&self.app.store.pool)
            .await
            .expect("reading the job queue")
            .into_iter()
            .map(|j| {
                format!(
                    "job {} ({}) is {}: {}",
                    j.id,
                    j.kind,
                    j.state,
                    j.last_error.as_deref().unwrap_or("never ran")
                )
            })
            .collect()
    }

    async fn start(db: Db, settings: HttpSettings) -> Option<TestApp> {
        let data_dir = temp_dir();
        let database_url = match db {
            Db::Sqlite => templates::sqlite_copy(&data_dir.join("clearinghouse.db")).await,
            Db::Postgres => fresh_migrated_pg_database().await?,
        };
        let storage = StorageArgs {
            data_dir: data_dir.clone(),
            database_url: Some(database_url.clone()),
            object_store_url: None,
            audit_key_file: None,
            kek_file: None,
            db_connections: 8,
        };
        let app = app::open(&storage, settings).await.expect("open app");
        bootstrap::ensure_admin(&app, Some(ADMIN_TOKEN), Some(ADMIN_PASSWORD))
            .await
            .expect("bootstrap");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let served = app.clone();
        tokio::spawn(async move {
            clearinghouse::http::serve(served, listener, async move {
                let _ = rx.await;
            })
            .await
            .expect("serve");
        });
        Some(TestApp {
            failed_jobs_expected: std::sync::atomic::AtomicBool::new(false),
            base: format!("http://{addr}"),
            admin_token: ADMIN_TOKEN.into(),
            // No kept-alive connections: a server that refuses a body
            // unread (413) closes the connection, and a pooled client could
            // send its next request on it just as it closes ("incomplete
            // message"). A fresh loopback connection a request costs little.
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .pool_max_idle_per_host(0)
                .build()
                .expect("client"),
            app,
            db,
            database_url,
            data_dir,
            shutdown: Some(tx),
        })
    }

    /// Signs in through the web form; returns the `chx_session=...` cookie pair.
    pub async fn login_cookie(&self, username: &str) -> String {
        let resp = self
            .client
            .post(self.url("/login"))
            .form(&[("username", username), ("password", ADMIN_PASSWORD)])
            .send()
            .await
            .expect("login");
        assert_eq!(resp.status(), 303, "login redirects home");
        resp.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("chx_session="))
            .and_then(|v| v.split(';').next())
            .expect("session cookie")
            .to_owned()
    }

    /// Storage settings for a second process on this test's database and
    /// data folder (same audit key and key-encryption key).
    pub fn storage(&self) -> clearinghouse::config::StorageArgs {
        clearinghouse::config::StorageArgs {
            data_dir: self.data_dir.clone(),
            database_url: Some(self.database_url.clone()),
            object_store_url: None,
            audit_key_file: None,
            kek_file: None,
            db_connections: 4,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// GET with a bearer token; returns status and JSON (Null if not JSON).
    pub async fn get(&self, token: &str, path: &str) -> (u16, Value) {
        let resp = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// A JSON request with a bearer token.
    pub async fn send(
        &self,
        method: reqwest::Method,
        token: &str,
        path: &str,
        body: &Value,
    ) -> (u16, Value) {
        let resp = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, token: &str, path: &str, body: &Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, token, path, body).await
    }

    /// Creates an organisation; returns its id.
    pub async fn org(&self, name: &str, kind: &str) -> String {
        let sector =
            (kind == "critical_infrastructure_operator").then_some("healthcare_and_public_health");
        let (s, v) = self
            .post(
                &self.admin_token,
                "/api/v1/orgs",
                &serde_json::json!({"name": name, "kind": kind, "sector": sector}),
            )
            .await;
        assert_eq!(s, 201, "{v}");
        v["id"].as_str().expect("id").to_owned()
    }

    /// Creates a user with roles and a personal token; returns (user id, token).
    /// Privileged roles come through the two-person rule: the admin's
    /// `grant_role` request is approved by the second admin.
    pub async fn user(&self, org_id: &str, username: &str, roles: &[&str]) -> (String, String) {
        let (s, v) = self
            .post(&self.admin_token, "/api/v1/users", &serde_json::json!({"org_id": org_id, "username": username, "display_name": username, "password": ADMIN_PASSWORD, "roles": roles}))
            .await;
        assert_eq!(s, 201, "{v}");
        let id = v["id"].as_str().expect("id").to_owned();
        // The admin chose this password; a test persona stands for someone
        // who has since replaced it at first sign-in (S12, tested in
        // `first_password.rs`), so it may sign in with it straight away.
        clearinghouse::store::accounts::password_change::clear(&self.app.store.pool, &id)
            .await
            .expect("clear first-password requirement");
        if let Some(request) = v["role_request"]["id"].as_str() {
            let second = self.second_admin().await;
            let path = format!("/api/v1/approvals/{request}/decision");
            let body = serde_json::json!({"decision": "approve"});
            let (s, v) = self.post(&second, &path, &body).await;
            assert_eq!(s, 200, "{v}");
        }
        let token = self.token_for(&id).await;
        (id, token)
    }

    /// A personal token for a user, made directly through the workflow
    /// (the API only lets people make their own tokens).
    pub async fn token_for(&self, user_id: &str) -> String {
        use clearinghouse::auth::{Principal, Via};
        let user = clearinghouse::store::accounts::users::get(&self.app.store.pool, user_id)
            .await
            .expect("load")
            .expect("user");
        let who = Principal::new(user, Via::System);
        let input = clearinghouse::workflows::accounts::tokens::NewToken {
            name: "test".into(),
            kind: "user".into(),
            scopes: vec![],
            authorizations: vec![],
            expires_in_days: Some(1),
            rate_limit_per_minute: None,
            campaign_id: None,
        };
        clearinghouse::workflows::accounts::tokens::create(&self.app, &who, input)
            .await
            .expect("token")
            .token
    }

    /// Grants authorizations through the two-person rule, with a second admin.
    pub async fn grant(&self, user_id: &str, terms: &[&str]) {
        let second = self.second_admin().await;
        let (s, v) = self
            .post(
                &self.admin_token,
                &format!("/api/v1/users/{user_id}/authorizations"),
                &serde_json::json!({"authorizations": terms}),
            )
            .await;
        assert_eq!(s, 202, "{v}");
        let id = v["id"].as_str().expect("id");
        let (s, v) = self
            .post(
                &second,
                &format!("/api/v1/approvals/{id}/decision"),
                &serde_json::json!({"decision": "approve"}),
            )
            .await;
        assert_eq!(s, 200, "{v}");
    }

    /// A second platform admin's token (created once per app, by the
    /// operator like the bootstrap admin: no cooling-off link to anyone).
    pub async fn second_admin(&self) -> String {
        let existing =
            clearinghouse::store::accounts::users::get_by_username(&self.app.store.pool, "admin2")
                .await
                .expect("load");
        let user = match existing {
            Some(u) => u,
            None => bootstrap::seed_platform_admin(&self.app, "admin2", ADMIN_PASSWORD)
                .await
                .expect("seed admin2"),
        };
        self.token_for(&user.id).await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        // The end-of-test check needs a multi-threaded runtime to block on
        // (every `both_backends!` test has one); not while already failing.
        let unsettled = match tokio::runtime::Handle::try_current() {
            Ok(handle)
                if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread
                    && !std::thread::panicking()
                    && !self
                        .failed_jobs_expected
                        .load(std::sync::atomic::Ordering::Relaxed) =>
            {
                tokio::task::block_in_place(|| handle.block_on(self.unsettled_jobs()))
            }
            _ => Vec::new(),
        };
        let _ = std::fs::remove_dir_all(&self.data_dir);
        assert!(
            unsettled.is_empty(),
            "jobs failed or were left behind:\n{}",
            unsettled.join("\n")
        );
    }
}

/// The shared real-data folder (`../shared/data` beside the repository,
/// or `CLEARINGHOUSE_SHARED_DATA`): the one place tests find and walk it.
pub mod real_data {
    use std::path::{Path, PathBuf};

    /// The shared data folder beside the repository.
    pub const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");

    /// The folder in use: `CLEARINGHOUSE_SHARED_DATA` when set (a git
    /// worktree outside the repository's folder), else [`DATA`]; made
    /// canonical when it exists (ChromeDriver refuses upload paths with
    /// `..` in them).
    pub fn root() -> PathBuf {
        let root = std::env::var_os("CLEARINGHOUSE_SHARED_DATA")
            .map_or_else(|| PathBuf::from(DATA), PathBuf::from);
        std::fs::canonicalize(&root).unwrap_or(root)
    }

    /// A folder of the shared data, or None (with a `SKIPPED:` line)
    /// outside CI; missing in CI (`CI=true`) is a failure.
    pub fn sub_dir(sub: &str) -> Option<PathBuf> {
        let dir = root().join(sub);
        if dir.is_dir() {
            return Some(dir);
        }
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "shared data missing at {} in CI",
            dir.display()
        );
        println!("SKIPPED: shared data not found at {}", dir.display());
        None
    }

    /// Every file under `dir` whose name ends with one of `exts` (all
    /// files when `exts` is empty), sorted, appended to `out`.
    pub fn files(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for p in paths {
            if p.is_dir() {
                files(&p, exts, out);
            } else if exts.is_empty()
                || p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| exts.iter().any(|e| n.ends_with(e)))
            {
                out.push(p);
            }
        }
    }

    /// Every file under `dir`, sorted.
    pub fn all_files(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        files(dir, &[], &mut out);
        out
    }
}

/// Defines `<name>_sqlite` and `<name>_postgres` tests running `$body(app)`.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:path) => {
        pastey::paste! {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn [<$name _sqlite>]() {
                if let Some(app) = $crate::harness::TestApp::spawn($crate::harness::Db::Sqlite).await {
                    $body(app).await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn [<$name _postgres>]() {
                if let Some(app) = $crate::harness::TestApp::spawn($crate::harness::Db::Postgres).await {
                    $body(app).await;
                }
            }
        }
    };
}
