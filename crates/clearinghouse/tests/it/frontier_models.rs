//! The frontier-model registry over HTTP: a developer registers, lists and
//! reads its model; other organisations and government readers see it only
//! as the one read policy allows (404 otherwise); bad input is 422 naming
//! the field with nothing stored; the non-binding reference points and the
//! audit entry are present.

use serde_json::{Value, json};

use crate::both_backends;
use crate::harness::TestApp;
use crate::submit_cli::cli;

fn registration() -> Value {
    json!({
        "name": "Atlas",
        "version": "0.9",
        "planned_partner_release": "2027-03-01",
        "planned_public_release": "2027-04-01",
        "training_compute": 3.2e25,
        "modalities": ["text", "code"],
        "description": "a model under development",
        "contact": "safety@atlas.example"
    })
}

async fn stored(app: &TestApp) -> i64 {
    clearinghouse::store::frontier::models::count_all(&app.app.store.pool)
        .await
        .expect("count")
}

async fn developer_registers_and_reads(app: TestApp) {
    let dev_org = app.org("Atlas Labs", "ai_developer").await;
    let (_, dev) = app.user(&dev_org, "dev", &["member"]).await;
    let (s, m) = app.post(&dev, "/api/v1/models", &registration()).await;
    assert_eq!(s, 201, "{m}");
    let id = m["id"].as_str().expect("id").to_owned();
    assert_eq!(m["tlp"], "AMBER+STRICT");
    assert_eq!(m["visibility"], "");
    assert_eq!(m["owner_org"], dev_org.as_str());
    assert_eq!(m["training_compute"], "3.2e25");
    assert_eq!(m["modalities"], json!(["text", "code"]));
    // 3.2e25 exceeds the EU's 10^25 only; the points are facts, not binding.
    let rp = &m["reference_points"];
    assert_eq!(rp["binding"], false);
    assert_eq!(rp["exceeded"], json!(["eu_ai_act_1e25"]));
    assert!(rp["note"].as_str().unwrap().contains("not a designation"));
    for p in rp["points"].as_array().unwrap() {
        assert_eq!(p["binding"], false);
        assert_eq!(p["exceeds"], p["id"] == "eu_ai_act_1e25", "{p}");
    }
    let us = &rp["points"][0];
    assert_eq!(us["operations"], 1e26);
    let names = us["instruments"].to_string();
    for law in ["California", "New York RAISE", "Illinois SB 315"] {
        assert!(names.contains(law), "{names}");
    }

    let (s, list) = app.get(&dev, "/api/v1/models").await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["id"], id.as_str());
    let (s, one) = app.get(&dev, &format!("/api/v1/models/{id}")).await;
    assert_eq!(s, 200, "{one}");
    assert_eq!(one, m);

    // Another developer sees nothing: 404 like a missing id, empty list.
    let other_org = app.org("Rival Labs", "ai_developer").await;
    let (_, rival) = app.user(&other_org, "rival", &["member"]).await;
    assert_eq!(
        app.get(&rival, &format!("/api/v1/models/{id}")).await.0,
        404
    );
    assert_eq!(app.get(&rival, "/api/v1/models/no-such-id").await.0, 404);
    let (s, list) = app.get(&rival, "/api/v1/models").await;
    assert_eq!(s, 200);
    assert_eq!(list["items"], json!([]));

    // The audit entry names the model, not its content.
    let entries: Vec<String> = sqlx::query_scalar("SELECT entry FROM audit_log")
        .fetch_all(&app.app.store.pool)
        .await
        .expect("audit");
    let mine: Vec<&String> = entries
        .iter()
        .filter(|e| e.contains("model.register"))
        .collect();
    assert_eq!(mine.len(), 1, "{entries:?}");
    assert!(mine[0].contains(&id), "{}", mine[0]);
    assert!(
        !mine[0].contains("Atlas"),
        "no content in the log: {}",
        mine[0]
    );
}

async fn government_needs_frontier(app: TestApp) {
    let gov_org = app.org("Agency", "government_agency").await;
    let (gov_id, gov) = app.user(&gov_org, "analyst", &["member"]).await;
    let dev_org = app.org("Atlas Labs", "ai_developer").await;
    let (dev_id, dev) = app.user(&dev_org, "dev", &["member"]).await;

    // A visibility the developer does not hold would lock it out: refused.
    let mut body = registration();
    body["tlp"] = json!("AMBER");
    body["visibility"] = json!("FRONTIER");
    body["shared_with_orgs"] = json!([gov_org]);
    let (s, p) = app.post(&dev, "/api/v1/models", &body).await;
    assert_eq!(s, 422, "{p}");
    assert_eq!(p["field"], "visibility", "{p}");
    assert_eq!(stored(&app).await, 0);

    // Shared with the agency under FRONTIER by a developer who holds it.
    app.grant(&dev_id, &["FRONTIER"]).await;
    let (s, m) = app.post(&dev, "/api/v1/models", &body).await;
    assert_eq!(s, 201, "{m}");
    let path = format!("/api/v1/models/{}", m["id"].as_str().unwrap());
    assert_eq!(app.get(&dev, &path).await.0, 200);
    assert_eq!(app.get(&gov, &path).await.0, 404, "no FRONTIER yet");
    assert_eq!(app.get(&gov, "/api/v1/models").await.1["items"], json!([]));
    app.grant(&gov_id, &["FRONTIER"]).await;
    let (s, seen) = app.get(&gov, &path).await;
    assert_eq!(s, 200, "{seen}");
    assert_eq!(seen["name"], "Atlas");
    let (_, list) = app.get(&gov, "/api/v1/models").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    // The agency cannot register models: it is not a developer.
    let (s, p) = app.post(&gov, "/api/v1/models", &registration()).await;
    assert_eq!(s, 403, "{p}");
    assert!(
        p["detail"].as_str().unwrap().contains("AI-developer"),
        "{p}"
    );
}

async fn bad_input_is_422_and_nothing_stored(app: TestApp) {
    let dev_org = app.org("Atlas Labs", "ai_developer").await;
    let (_, dev) = app.user(&dev_org, "dev", &["member"]).await;
    let cases = [
        ("training_compute", json!("lots")),
        ("training_compute", json!(-5)),
        ("planned_public_release", json!("2027-02-30")),
        ("planned_partner_release", json!("2027-05-01")),
        ("name", json!("  ")),
    ];
    for (field, value) in cases {
        let mut body = registration();
        body[field] = value.clone();
        let (s, p) = app.post(&dev, "/api/v1/models", &body).await;
        assert_eq!(s, 422, "{field}={value}: {p}");
        assert_eq!(p["field"], field, "{field}={value}: {p}");
    }
    assert_eq!(stored(&app).await, 0);
    // Compute as text is accepted like the number.
    let mut body = registration();
    body["training_compute"] = json!("3.2E+25");
    let (s, m) = app.post(&dev, "/api/v1/models", &body).await;
    assert_eq!(s, 201, "{m}");
    assert_eq!(m["training_compute"], "3.2e25");
    // The same name and version twice is a conflict.
    assert_eq!(app.post(&dev, "/api/v1/models", &body).await.0, 409);
    assert_eq!(stored(&app).await, 1);

    // Agents register only with `models:write`.
    let agent = |scopes: Value| json!({"name": "bot", "kind": "agent", "scopes": scopes, "expires_in_days": 1});
    let (s, reader) = app
        .post(&dev, "/api/v1/tokens", &agent(json!(["models:read"])))
        .await;
    assert_eq!(s, 201, "{reader}");
    let reader = reader["token"].as_str().unwrap();
    let mut body = registration();
    body["version"] = json!("agent");
    let (s, p) = app.post(reader, "/api/v1/models", &body).await;
    assert_eq!(s, 403, "{p}");
    assert!(
        p["detail"].as_str().unwrap().contains("models:write"),
        "{p}"
    );
    assert_eq!(
        app.get(reader, "/api/v1/models").await.1["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let (s, writer) = app
        .post(&dev, "/api/v1/tokens", &agent(json!(["models:write"])))
        .await;
    assert_eq!(s, 201, "{writer}");
    let (s, m) = app
        .post(writer["token"].as_str().unwrap(), "/api/v1/models", &body)
        .await;
    assert_eq!(s, 201, "{m}");
    assert_eq!(stored(&app).await, 2);
}

/// `clearinghouse model register --json`, `model list --json` and
/// `model show` through the real binary against the real server.
async fn cli_registers(app: TestApp) {
    let dev_org = app.org("Atlas Labs", "ai_developer").await;
    let (_, dev) = app.user(&dev_org, "dev", &["member"]).await;
    let server = app.url("");
    let base = ["--server", server.as_str(), "--token", dev.as_str()];
    let mut args = vec!["model", "register"];
    args.extend(base);
    args.extend([
        "--name",
        "Atlas",
        "--version",
        "1",
        "--compute",
        "3.2e25",
        "--partner-release",
        "2027-03-01",
        "--public-release",
        "2027-04-01",
        "--contact",
        "safety@atlas.example",
        "--json",
    ]);
    let run = cli(&args).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let m = run.json();
    assert_eq!(m["training_compute"], "3.2e25");
    assert_eq!(m["reference_points"]["exceeded"], json!(["eu_ai_act_1e25"]));
    let id = m["id"].as_str().expect("id").to_owned();

    let mut args = vec!["model", "list", "--json"];
    args.extend(base);
    let run = cli(&args).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()[0]["id"], id.as_str());

    let mut args = vec!["model", "show", id.as_str()];
    args.extend(base);
    let run = cli(&args).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("non-binding"), "{}", run.stdout);

    // A bad compute fails with the server's problem naming the field.
    let mut args = vec!["model", "register"];
    args.extend(base);
    args.extend([
        "--name",
        "B",
        "--version",
        "1",
        "--compute",
        "lots",
        "--contact",
        "c",
    ]);
    let run = cli(&args).await;
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("training_compute"), "{}", run.stderr);
    assert_eq!(stored(&app).await, 1);
}

both_backends!(cli_registers, cli_registers);
both_backends!(developer_registers_and_reads, developer_registers_and_reads);
both_backends!(government_needs_frontier, government_needs_frontier);
both_backends!(
    bad_input_is_422_and_nothing_stored,
    bad_input_is_422_and_nothing_stored
);
