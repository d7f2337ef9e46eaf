//! Scale-out: two server processes' worth of application state on one
//! database, writing at the same time, keep one dense, verifiable audit log
//! and agree on its checkpoints.

use clearinghouse::app;
use clearinghouse::config::StorageArgs;
use serde_json::json;

use crate::harness::{Db, TestApp};

const WRITES_EACH: usize = 25;

async fn two_servers_share_one_log(a: TestApp) {
    let storage = StorageArgs {
        data_dir: a.data_dir.clone(),
        database_url: Some(a.database_url.clone()),
        object_store_url: None,
        audit_key_file: None,
        kek_file: None,
        db_connections: 8,
    };
    let settings = crate::harness::test_settings();
    let b_state = app::open(&storage, settings).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let b_base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(clearinghouse::http::serve(
        b_state.clone(),
        listener,
        std::future::pending(),
    ));

    let (_, before) = a.get(&a.admin_token, "/api/v1/audit/checkpoint").await;
    let before = before["tree_size"].as_u64().unwrap();

    let mut writes = Vec::new();
    for i in 0..WRITES_EACH {
        for (name, base) in [("a", a.base.clone()), ("b", b_base.clone())] {
            let client = a.client.clone();
            let token = a.admin_token.clone();
            writes.push(tokio::spawn(async move {
                let resp = client
                    .post(format!("{base}/api/v1/orgs"))
                    .bearer_auth(token)
                    .json(&json!({"name": format!("Org {name}{i}"), "kind": "vendor"}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status(), 201);
            }));
        }
    }
    for w in writes {
        w.await.unwrap();
    }

    // Both servers sign the same tree: same size, same root.
    let (_, from_a) = a.get(&a.admin_token, "/api/v1/audit/checkpoint").await;
    let from_b: serde_json::Value = a
        .client
        .get(format!("{b_base}/api/v1/audit/checkpoint"))
        .bearer_auth(&a.admin_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        from_a["tree_size"].as_u64().unwrap(),
        before + 2 * WRITES_EACH as u64
    );
    assert_eq!(from_a["tree_size"], from_b["tree_size"]);
    assert_eq!(from_a["root_hash"], from_b["root_hash"]);

    // The log verifies from scratch: indices dense, every entry in place.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_clearinghouse"))
        .args(["audit", "verify", "--json", "--data-dir"])
        .arg(&a.data_dir)
        .args(["--database-url", &a.database_url])
        .env("CLEARINGHOUSE_LOG", "warn")
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(
        report["report"]["entries"].as_u64().unwrap(),
        from_a["tree_size"].as_u64().unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_share_one_log_sqlite() {
    if let Some(app) = TestApp::spawn(Db::Sqlite).await {
        two_servers_share_one_log(app).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_share_one_log_postgres() {
    if let Some(app) = TestApp::spawn(Db::Postgres).await {
        two_servers_share_one_log(app).await;
    }
}
