//! Scale-out: two server processes' worth of application state on one
//! database, writing at the same time, keep one dense, verifiable audit log
//! and agree on its checkpoints; a visibility label one process interns is
//! honoured by the other at once (its label cache is checked per request).

use clearinghouse::app;
use clearinghouse::config::StorageArgs;
use serde_json::json;

use crate::harness::{Db, TestApp};

const WRITES_EACH: usize = 25;

/// A second server process's worth of state on `a`'s database and data
/// folder, serving on its own port; returns its base URL.
async fn second_server(a: &TestApp) -> String {
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
        b_state,
        listener,
        std::future::pending(),
    ));
    b_base
}

async fn two_servers_share_one_log(a: TestApp) {
    let b_base = second_server(&a).await;

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

/// Each process caches the visibility labels; a label first used through
/// one process must be honoured by the other on the very next request,
/// for the reader who satisfies it and against the one who does not.
async fn a_new_label_is_honoured_at_once_by_the_other_process(a: TestApp) {
    let b_base = second_server(&a).await;
    let org = a.org("Label Labs", "vendor").await;
    let (alice, alice_token) = a.user(&org, "alice", &["member"]).await;
    let (_, bob_token) = a.user(&org, "bob", &["member"]).await;
    a.grant(&alice, &["PROJECT-KESTREL"]).await;
    let read_b = |token: String, path: String| {
        let client = a.client.clone();
        let url = format!("{b_base}{path}");
        async move {
            let resp = client.get(url).bearer_auth(token).send().await.unwrap();
            let status = resp.status().as_u16();
            (status, resp.json::<serde_json::Value>().await.unwrap())
        }
    };
    // Both read through B first, so B has cached the labels as they were.
    for token in [&alice_token, &bob_token] {
        let (s, v) = read_b(token.clone(), "/api/v1/documents".into()).await;
        assert_eq!(s, 200, "{v}");
    }
    // Through A, alice files a document under a label new to the installation.
    let body = json!({"title": "kestrel notes", "tlp": "AMBER", "visibility": "PROJECT-KESTREL"});
    let (s, doc) = a.post(&alice_token, "/api/v1/documents", &body).await;
    assert_eq!(s, 201, "{doc}");
    let path = format!("/api/v1/documents/{}", doc["id"].as_str().unwrap());
    let (s, v) = read_b(alice_token.clone(), path.clone()).await;
    assert_eq!(s, 200, "B honours the new label for its holder: {v}");
    let (s, v) = read_b(alice_token.clone(), "/api/v1/documents".into()).await;
    assert_eq!(s, 200, "{v}");
    assert!(
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["id"] == doc["id"]),
        "and lists it: {v}"
    );
    let (s, v) = read_b(bob_token.clone(), path).await;
    assert_eq!(s, 404, "and hides it from a colleague without it: {v}");
}

crate::both_backends!(
    a_new_label_is_honoured_at_once_by_the_other_process,
    a_new_label_is_honoured_at_once_by_the_other_process
);
