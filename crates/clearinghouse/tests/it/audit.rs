//! The audit log: `clearinghouse audit verify` passes on an honest log and names the entry when the database is tampered with, proofs served over HTTP verify, and every write appends an entry.

use std::time::Duration;

use clearinghouse::app::AppState;
use clearinghouse::config::StorageArgs;
use clearinghouse_domain::audit::checkpoint::NoteVerifier;
use clearinghouse_domain::audit::merkle::{self, Hash, MerkleTree};
use reqwest::Method;
use serde_json::{Value, json};
use sqlx::Row;

use crate::both_backends;
use crate::harness::{Db, TestApp};

const POST: Method = Method::POST;
/// Changes made by `populate`; with the bootstrap's three entries the log holds 20.
const CHANGES: usize = 17;

/// Makes `n` changes, signing a checkpoint after each, so a checkpoint is
/// stored for every tree size from the bootstrap's on.
async fn populate(app: &TestApp, n: usize) {
    for i in 0..n {
        if i % 3 == 2 {
            let body = json!({"title": format!("doc {i}"), "tlp": "GREEN"});
            let (s, v) = app.post(&app.admin_token, "/api/v1/documents", &body).await;
            assert_eq!(s, 201, "{v}");
        } else {
            app.org(&format!("Org {i}"), "vendor").await;
        }
        get_ok(app, "/api/v1/audit/checkpoint").await;
    }
}

/// GET as the bootstrap administrator (platform admin and auditor); must be 200.
async fn get_ok(app: &TestApp, path: &str) -> Value {
    let (s, v) = app.get(&app.admin_token, path).await;
    assert_eq!(s, 200, "{path}: {v}");
    v
}

struct Run {
    code: Option<i32>,
    out: Value,
    stderr: String,
}

/// Runs `clearinghouse audit verify --json ARGS` as a child process.
async fn verify(args: Vec<String>) -> Run {
    tokio::task::spawn_blocking(move || {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_clearinghouse"))
            .args(["audit", "verify", "--json"])
            .args(&args)
            .env_remove("CLEARINGHOUSE_SERVER")
            .env_remove("CLEARINGHOUSE_TOKEN")
            .env("CLEARINGHOUSE_LOG", "warn")
            .output()
            .expect("run clearinghouse audit verify");
        let stdout = String::from_utf8_lossy(&o.stdout);
        let stderr = String::from_utf8_lossy(&o.stderr);
        let out = serde_json::from_str(stdout.trim())
            .unwrap_or_else(|e| panic!("verify printed no JSON ({e}): {stdout}\n{stderr}"));
        Run {
            code: o.status.code(),
            out,
            stderr: stderr.into_owned(),
        }
    })
    .await
    .expect("join")
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn offline(app: &TestApp) -> Vec<String> {
    let dir = app.data_dir.display().to_string();
    args(&["--data-dir", &dir, "--database-url", &app.database_url])
}

fn server(base: &str, app: &TestApp) -> Vec<String> {
    args(&["--server", base, "--token", &app.admin_token])
}

fn assert_ok(run: &Run, what: &str) {
    assert_eq!(run.code, Some(0), "{what}: {} {}", run.out, run.stderr);
    assert_eq!(run.out["ok"], true, "{what}: {}", run.out);
}

/// Asserts a failed verification whose error is `variant`; returns its detail.
fn assert_failed(run: &Run, variant: &str) -> Value {
    assert_eq!(run.code, Some(2), "{} {}", run.out, run.stderr);
    assert_eq!(run.out["ok"], false, "{}", run.out);
    let detail = run.out["detail"][variant].clone();
    assert!(detail.is_object(), "expected {variant}: {}", run.out);
    detail
}

/// A second connection to the app's database, as an attacker with SQL access.
async fn attacker(app: &TestApp) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.database_url).await;
    pool.expect("connect to the app's database")
}

async fn row(pool: &sqlx::AnyPool, idx: i64) -> (String, String) {
    let q = sqlx::query("SELECT entry, leaf_hash FROM audit_log WHERE idx = $1").bind(idx);
    let r = q.fetch_one(pool).await.expect("row");
    let get = |column| r.try_get::<String, _>(column).expect(column);
    (get("entry"), get("leaf_hash"))
}

async fn set_row(pool: &sqlx::AnyPool, idx: i64, entry: &str, leaf: &str) {
    let q = sqlx::query("UPDATE audit_log SET entry = $1, leaf_hash = $2 WHERE idx = $3");
    let done = q.bind(entry).bind(leaf).bind(idx).execute(pool).await;
    assert_eq!(done.expect("update").rows_affected(), 1);
}

async fn delete_rows(pool: &sqlx::AnyPool, from: i64, to: i64) {
    let q = sqlx::query("DELETE FROM audit_log WHERE idx >= $1 AND idx <= $2");
    let done = q.bind(from).bind(to).execute(pool).await.expect("delete");
    assert_eq!(done.rows_affected(), (to - from + 1) as u64);
}

/// An entry with its action renamed: the kind of rewrite an insider would make.
fn forged(entry: &str) -> String {
    let f = entry.replacen("\"action\":\"", "\"action\":\"forged.", 1);
    assert_ne!(f, entry);
    f
}

/// An honest log verifies offline and over the API, and is shown to extend
/// an earlier checkpoint; then (a) an entry edited in place is named.
async fn edited_entry_is_named(app: TestApp) {
    populate(&app, CHANGES).await;
    let run = verify(offline(&app)).await;
    assert_ok(&run, "offline");
    assert_eq!(run.out["report"]["entries"], 20);
    assert_eq!(run.out["report"]["checkpoints_checked"], CHANGES);

    // Over the API, keeping the newest checkpoint; after more changes the
    // log must be shown to extend it.
    let saved = app.data_dir.join("earlier.note").display().to_string();
    let mut save = server(&app.base, &app);
    save.extend(args(&["--save-checkpoint", &saved]));
    assert_ok(&verify(save).await, "server");
    let note = std::fs::read_to_string(&saved).expect("saved checkpoint");
    assert!(note.contains("\n20\n"), "{note}");
    app.org("Later one", "vendor").await;
    app.org("Later two", "researcher").await;
    for mut source in [server(&app.base, &app), offline(&app)] {
        source.extend(args(&["--checkpoint", &saved]));
        let run = verify(source).await;
        assert_ok(&run, "extends the earlier checkpoint");
        assert_eq!(run.out["report"]["earlier_checkpoint_size"], 20);
        assert_eq!(run.out["report"]["entries"], 22);
    }

    // (a) One entry's text is changed in place.
    let k = 7;
    let pool = attacker(&app).await;
    let (entry, leaf) = row(&pool, k).await;
    set_row(&pool, k, &forged(&entry), &leaf).await;
    for source in [offline(&app), server(&app.base, &app)] {
        let run = verify(source).await;
        assert_eq!(assert_failed(&run, "LeafMismatch")["index"], k);
        let message = run.out["error"].as_str().unwrap_or_default();
        assert!(message.contains("entry 7 was altered"), "{message}");
    }
    // Putting it back makes the log whole again.
    set_row(&pool, k, &entry, &leaf).await;
    assert_ok(&verify(offline(&app)).await, "restored");
}

/// A change an attacker with SQL access makes to the log's rows.
enum Tamper {
    Delete(i64),
    Swap(i64, i64),
    /// Rewrites an entry and stores the matching leaf hash too.
    Rehash(i64),
}

/// Tampers with a populated log; verification must fail and name the first
/// bad index.
async fn tampered(app: TestApp, tamper: Tamper) {
    let (variant, field, index) = match tamper {
        Tamper::Delete(k) => ("Gap", "expected", k),
        Tamper::Swap(k, _) | Tamper::Rehash(k) => ("CheckpointMismatch", "first_bad_index", k),
    };
    populate(&app, CHANGES).await;
    assert_ok(&verify(offline(&app)).await, "before tampering");
    let pool = attacker(&app).await;
    match tamper {
        Tamper::Delete(k) => delete_rows(&pool, k, k).await,
        Tamper::Swap(j, k) => {
            let ((ej, lj), (ek, lk)) = (row(&pool, j).await, row(&pool, k).await);
            set_row(&pool, j, &ek, &lk).await;
            set_row(&pool, k, &ej, &lj).await;
        }
        Tamper::Rehash(k) => {
            let fake = forged(&row(&pool, k).await.0);
            let leaf = hex::encode(merkle::leaf_hash(fake.as_bytes()));
            set_row(&pool, k, &fake, &leaf).await;
        }
    }
    let run = verify(offline(&app)).await;
    assert_eq!(assert_failed(&run, variant)[field], index, "{}", run.out);
}

async fn deleted_entry_is_named(app: TestApp) {
    tampered(app, Tamper::Delete(11)).await;
}

/// Each swapped row still hashes to its own leaf; only the signed
/// checkpoints (one per tree size here) show where history was rewritten.
async fn swapped_entries_are_named(app: TestApp) {
    tampered(app, Tamper::Swap(6, 13)).await;
}

async fn rehashed_entry_is_named(app: TestApp) {
    tampered(app, Tamper::Rehash(9)).await;
}

fn unhex(s: &Value) -> Hash {
    let bytes = hex::decode(s.as_str().expect("hex string")).expect("hex");
    bytes.try_into().expect("32 bytes")
}

fn hashes(v: &Value) -> Vec<Hash> {
    let list = v.as_array().expect("proof array");
    list.iter().map(unhex).collect()
}

async fn proofs_verify(app: TestApp) {
    populate(&app, CHANGES).await;
    let pk = get_ok(&app, "/api/v1/audit/public-key").await;
    let verifier = NoteVerifier::from_verifier_key(pk["verifier_key"].as_str().expect("key"));
    let verifier = verifier.expect("verifier key");
    let cp = get_ok(&app, "/api/v1/audit/checkpoint").await;
    let n = cp["tree_size"].as_u64().expect("tree_size");
    assert_eq!(n, 20);
    let note = cp["note"].as_str().expect("note");
    let signed = verifier.verify(note).expect("checkpoint note verifies");
    assert_eq!(signed.size, n);
    assert_eq!(cp["root_hash"], hex::encode(signed.root));
    assert_eq!(pk["origin"], signed.origin);
    let changed = note.replacen("\n20\n", "\n21\n", 1);
    assert!(verifier.verify(&changed).is_err(), "changed note");

    let entries = get_ok(&app, &format!("/api/v1/audit/entries?start=0&end={n}")).await;
    let entries = entries.as_array().expect("entries");
    assert_eq!(entries.len() as u64, n);
    let mut tree = MerkleTree::new();
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e["index"], i);
        let leaf = merkle::leaf_hash(e["entry"].as_str().expect("entry").as_bytes());
        assert_eq!(e["leaf_hash"], hex::encode(leaf), "entry {i}");
        tree.push(leaf);
    }
    assert_eq!(json!(hex::encode(tree.root())), cp["root_hash"]);

    for size in [1, 2, 3, 4, 7, 8, 9, 16, 17, n - 1, n] {
        for index in [0, size / 2, size - 1] {
            let path = format!("/api/v1/audit/proof/inclusion?index={index}&tree_size={size}");
            let p = get_ok(&app, &path).await;
            let (leaf, root) = (unhex(&p["leaf_hash"]), unhex(&p["root_hash"]));
            assert_eq!(Some(leaf), tree.leaf(index), "{path}");
            assert_eq!(Some(root), tree.root_at(size), "{path}");
            let proof = hashes(&p["proof"]);
            let ok = merkle::verify_inclusion(&leaf, index, size, &proof, &root);
            assert_eq!(ok, Ok(()), "{path}");
            let other = merkle::leaf_hash(b"not in the log");
            assert!(merkle::verify_inclusion(&other, index, size, &proof, &root).is_err());
        }
    }
    let firsts = [1, 1, 2, 3, 5, 7, 13, n - 1, n];
    let seconds = [2, n, 3, 8, n, 16, n - 1, n, n];
    for (first, second) in firsts.into_iter().zip(seconds) {
        let path = format!("/api/v1/audit/proof/consistency?first={first}&second={second}");
        let p = get_ok(&app, &path).await;
        let (a, b) = (unhex(&p["first_root"]), unhex(&p["second_root"]));
        assert_eq!(Some(a), tree.root_at(first), "{path}");
        assert_eq!(Some(b), tree.root_at(second), "{path}");
        let proof = hashes(&p["proof"]);
        let ok = merkle::verify_consistency(first, second, &a, &b, &proof);
        assert_eq!(ok, Ok(()), "{path}");
        if first < second {
            assert!(merkle::verify_consistency(first, second, &b, &b, &proof).is_err());
        }
        if second == n {
            assert_eq!(p["second_root"], cp["root_hash"], "the signed root");
        }
    }

    for query in [
        format!("inclusion?index={n}&tree_size={n}"),
        format!("inclusion?index=0&tree_size={}", n + 5),
        format!("consistency?first={}&second={}", n + 1, n + 1),
        "consistency?first=5&second=3".to_owned(),
    ] {
        let path = format!("/api/v1/audit/proof/{query}");
        assert_eq!(app.get(&app.admin_token, &path).await.0, 422, "{query}");
    }
}

async fn log_size(app: &TestApp) -> u64 {
    let cp = get_ok(app, "/api/v1/audit/checkpoint").await;
    cp["tree_size"].as_u64().expect("tree_size")
}

/// Sends a write that must succeed and checks what it appended: `actions`,
/// by `actor`, the first about the object the response names.
async fn logged(
    app: &TestApp,
    req: (Method, &str, &str, Value),
    actions: &[&str],
    actor: &str,
) -> (Value, Vec<Value>) {
    let before = log_size(app).await;
    let (s, resp) = app.send(req.0, req.1, req.2, &req.3).await;
    assert!((200..300).contains(&s), "{}: {s} {resp}", req.2);
    let path = format!("/api/v1/audit/entries?start={before}&end={}", before + 100);
    let (mut new, mut got) = (Vec::new(), Vec::new());
    for e in get_ok(app, &path).await.as_array().expect("entries") {
        let entry: Value = serde_json::from_str(e["entry"].as_str().expect("entry")).expect("JSON");
        let digest = entry["digest"].as_str().unwrap_or_default();
        assert!(digest.starts_with("sha256:"), "{entry}");
        got.push(entry["action"].as_str().unwrap_or("?").to_owned());
        new.push(entry);
    }
    assert_eq!(got, actions, "{}", req.2);
    assert_eq!(new[0]["actor"]["user"], actor, "{}", new[0]);
    assert_eq!(new[0]["object"]["id"], resp["id"], "{}", new[0]);
    (resp, new)
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

async fn every_write_is_logged(app: TestApp) {
    let second = app.second_admin().await;
    let second_id = id(&app.get(&second, "/api/v1/me").await.1["user"]);
    let admin = id(&get_ok(&app, "/api/v1/me").await["user"]);
    let adm = app.admin_token.as_str();
    let body = json!({"name": "Audited", "kind": "vendor"});
    let req = (POST, adm, "/api/v1/orgs", body);
    let org = id(&logged(&app, req, &["org.create"], &admin).await.0);
    let body = json!({"org_id": org, "username": "alice", "display_name": "Alice"});
    let req = (POST, adm, "/api/v1/users", body);
    let alice = id(&logged(&app, req, &["user.create"], &admin).await.0);
    let path = format!("/api/v1/users/{alice}/authorizations");
    let req = (POST, adm, path.as_str(), json!({"authorizations": ["A"]}));
    let approval = id(&logged(&app, req, &["approval.request"], &admin).await.0);
    let path = format!("/api/v1/approvals/{approval}/decision");
    let body = json!({"decision": "approve"});
    let req = (POST, second.as_str(), path.as_str(), body);
    let actions = ["approval.decide", "user.grant_authorizations"];
    let (_, new) = logged(&app, req, &actions, &second_id).await;
    assert_eq!(new[1]["object"]["id"], alice.as_str());
    let alice_token = app.token_for(&alice).await;
    let tok = alice_token.as_str();
    let body = json!({"name": "bot", "kind": "agent", "scopes": ["documents:write"], "authorizations": ["A"], "expires_in_days": 1});
    let req = (POST, tok, "/api/v1/tokens", body);
    let (agent, _) = logged(&app, req, &["token.create"], &alice).await;
    let body = json!({"title": "labelled", "tlp": "AMBER", "visibility": "A"});
    let req = (POST, tok, "/api/v1/documents", body);
    let (_, new) = logged(&app, req, &["document.create"], &alice).await;
    assert_eq!(new[0]["actor"]["via"], "token");
    // An agent's change names the agent as well as its user.
    let agent_token = agent["token"].as_str().expect("token");
    let body = json!({"title": "t", "tlp": "GREEN"});
    let req = (POST, agent_token, "/api/v1/documents", body);
    let (_, new) = logged(&app, req, &["document.create"], &alice).await;
    assert_eq!(new[0]["actor"]["via"], "agent");
    assert_eq!(new[0]["actor"]["agent"], agent["id"]);

    // Reads and rejected writes leave the log alone.
    let before = log_size(&app).await;
    for what in ["documents", "orgs", "users", "tokens", "approvals"] {
        assert_eq!(
            app.get(tok, &format!("/api/v1/{what}")).await.0,
            200,
            "{what}"
        );
    }
    let body = json!({"name": "Bad", "kind": "no_such_kind"});
    assert_eq!(app.post(adm, "/api/v1/orgs", &body).await.0, 422);
    let body = json!({"title": "x", "tlp": "RED", "visibility": "B"});
    let (s, _) = app.post(tok, "/api/v1/documents", &body).await;
    assert_eq!(s, 422, "alice lacks B");
    assert_eq!(log_size(&app).await, before);
}

both_backends!(edited_entry_is_named, edited_entry_is_named);
both_backends!(deleted_entry_is_named, deleted_entry_is_named);
both_backends!(swapped_entries_are_named, swapped_entries_are_named);
both_backends!(rehashed_entry_is_named, rehashed_entry_is_named);
both_backends!(proofs_verify, proofs_verify);
both_backends!(every_write_is_logged, every_write_is_logged);

/// The same installation opened again, as after a restart: its in-memory
/// tree is rebuilt from the database.
async fn restart(app: &TestApp) -> AppState {
    let (data_dir, database_url) = (app.data_dir.clone(), Some(app.database_url.clone()));
    let storage = StorageArgs {
        data_dir,
        database_url,
        object_store_url: None,
        audit_key_file: None,
        kek_file: None,
        db_connections: 4,
    };
    let settings = crate::harness::test_settings();
    let app = clearinghouse::app::open(&storage, settings).await;
    app.expect("reopen")
}

async fn restarted_log_with_a_gap_is_refused(app: TestApp) {
    populate(&app, CHANGES).await;
    delete_rows(&attacker(&app).await, 11, 11).await;
    let again = restart(&app).await;
    let signing = again.audit.checkpoint(&again.store);
    let signed = tokio::time::timeout(Duration::from_secs(10), signing).await;
    let signed = signed.expect("signing over a log with a gap must answer, not loop forever");
    assert!(signed.is_err(), "a log with a gap must not be signed");
}

async fn server_verify_notices_a_deleted_tail(app: TestApp) {
    populate(&app, CHANGES).await;
    delete_rows(&attacker(&app).await, 15, 19).await;
    let run = verify(offline(&app)).await;
    let d = assert_failed(&run, "Truncated");
    assert_eq!(
        (d["size"].as_u64(), d["have"].as_u64()),
        (Some(16), Some(15))
    );
    // After a restart the server signs the shorter log, but the stored
    // checkpoints of sizes 16 to 20 still prove entries were deleted.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let restarted = restart(&app).await;
    tokio::spawn(clearinghouse::http::serve(
        restarted,
        listener,
        std::future::pending(),
    ));
    assert_failed(&verify(server(&base, &app)).await, "Truncated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarted_log_with_a_gap_is_refused_both() {
    for db in [Db::Sqlite, Db::Postgres] {
        if let Some(app) = TestApp::spawn(db).await {
            restarted_log_with_a_gap_is_refused(app).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_verify_notices_a_deleted_tail_both() {
    for db in [Db::Sqlite, Db::Postgres] {
        if let Some(app) = TestApp::spawn(db).await {
            server_verify_notices_a_deleted_tail(app).await;
        }
    }
}
