//! Designation inquiries over HTTP, on both backends: the whole lifecycle
//! (open → evaluating → consulting → decided by two authorities →
//! communicated → parts released), the rule computed from the attached
//! run's score and the threshold in force, notifications at each step to
//! the parties who may know, and every refusal: another developer reading
//! (404), a developer or consultee deciding (403, audited), a decision
//! before the consultations end (422 `consultations`), a dissent without a
//! comment (422 `comment`), a run of another model, a proposer approving
//! its own decision; each refusal stores nothing. A withdrawal cancels the
//! pending decision request.

use serde_json::{Value, json};

use crate::both_backends;
use crate::frontier_thresholds::{Agency, agency};
use crate::harness::TestApp;

/// The threshold in force in these tests: unusual digits, so the leak
/// test can look for them in every format.
pub const THRESHOLD: &str = "0.271828";

pub const CONSULTEES: [&str; 4] = [
    "Office of the National Cyber Director",
    "Assistant to the President for Science and Technology",
    "Cybersecurity and Infrastructure Security Agency",
    "Department of War",
];

/// Everyone of an inquiry, and the ids seen.
pub struct World {
    pub a: Agency,
    pub eval: String,
    pub dev: String,
    pub dev_org: String,
    pub dev_username: String,
    pub other_dev: String,
    pub model: String,
    pub run: String,
    pub other_run: String,
    /// Tokens of the four consultants, in [`CONSULTEES`] order.
    pub consultants: Vec<String>,
    pub threshold: Value,
}

/// A success log of the suite's two tasks × two epochs, every sample `C`
/// when `pass`, else every one `I`.
pub fn log(pass: bool, salt: &str) -> Vec<u8> {
    let mut samples = Vec::new();
    for id in ["alpha", "beta"] {
        for epoch in 1..=2 {
            samples.push(json!({"id": id, "epoch": epoch,
                "scores": {"match": {"value": if pass { "C" } else { "I" }}},
                "metadata": {"salt": salt}}));
        }
    }
    serde_json::to_vec(&json!({
        "version": 2, "status": "success",
        "eval": {"task": "ctf", "task_version": 0, "model": "mockllm/model", "config": {"epochs": 2},
            "dataset": {"name": salt}},
        "results": {"total_samples": 4, "completed_samples": 4, "scores": [
            {"name": "match", "scorer": "match", "reducer": "mean",
             "metrics": {"accuracy": {"name": "accuracy", "value": if pass { 1.0 } else { 0.0 }}}}]},
        "samples": samples
    }))
    .unwrap()
}

pub async fn upload(app: &TestApp, token: &str, model: &str, bytes: Vec<u8>) -> String {
    let resp = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/runs?suite=ctf&model={model}")))
        .bearer_auth(token)
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let v: Value = resp.json().await.unwrap();
    assert_eq!(status, 201, "{v}");
    v["id"].as_str().unwrap().to_owned()
}

async fn register(app: &TestApp, token: &str, name: &str, share_with: &str) -> String {
    let (s, m) = app
        .post(
            token,
            "/api/v1/models",
            &json!({"name": name, "version": "1", "training_compute": "3.2e25",
                "contact": "policy@example.com", "tlp": "AMBER", "shared_with_orgs": [share_with]}),
        )
        .await;
    assert_eq!(s, 201, "{m}");
    m["id"].as_str().unwrap().to_owned()
}

/// The agency with a threshold in force, two developers with a model and
/// a run each, and the four consultees' consultants, all cleared for
/// `FRONTIER` where they are officials.
pub async fn world(app: &TestApp) -> World {
    let a = agency(app).await;
    let (eval_id, eval) = app.user(&a.org, "inq-eval", &["evaluator"]).await;
    app.grant(&eval_id, &["FRONTIER"]).await;
    let (s, p) = app
        .post(
            &a.authority,
            "/api/v1/suites/ctf/thresholds",
            &json!({"success_rate": THRESHOLD}),
        )
        .await;
    assert_eq!(s, 202, "{p}");
    let approval = p["approval"]["id"].as_str().unwrap();
    let (s, d) = app
        .post(
            &a.second,
            &format!("/api/v1/approvals/{approval}/decision"),
            &json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(s, 200, "{d}");
    let threshold = p["threshold"].clone();
    let dev_org = app.org("Atlas Labs", "ai_developer").await;
    let (_, dev) = app.user(&dev_org, "atlas-dev", &["member"]).await;
    let other_org = app.org("Borealis AI", "ai_developer").await;
    let (_, other_dev) = app.user(&other_org, "borealis-dev", &["member"]).await;
    let model = register(app, &dev, "atlas-1", &a.org).await;
    let other_model = register(app, &other_dev, "borealis-1", &a.org).await;
    let run = upload(app, &eval, &model, log(true, "atlas")).await;
    let other_run = upload(app, &eval, &other_model, log(false, "borealis")).await;
    let mut consultants = Vec::new();
    for (i, name) in CONSULTEES.iter().enumerate() {
        let org = app.org(name, "government_agency").await;
        let (id, token) = app
            .user(&org, &format!("consultant{i}"), &["consultant"])
            .await;
        app.grant(&id, &["FRONTIER"]).await;
        consultants.push(token);
    }
    World {
        a,
        eval,
        dev,
        dev_org,
        dev_username: "atlas-dev".into(),
        other_dev,
        model,
        run,
        other_run,
        consultants,
        threshold,
    }
}

pub async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
        .fetch_one(&app.app.store.pool)
        .await
        .unwrap()
}

pub async fn audit_actions(app: &TestApp) -> Vec<Value> {
    let entries: Vec<String> = sqlx::query_scalar("SELECT entry FROM audit_log ORDER BY idx")
        .fetch_all(&app.app.store.pool)
        .await
        .unwrap();
    entries
        .iter()
        .map(|e| serde_json::from_str(e).unwrap())
        .collect()
}

async fn notified(app: &TestApp, token: &str, kind: &str) -> bool {
    let (s, v) = app.get(token, "/api/v1/notifications").await;
    assert_eq!(s, 200, "{v}");
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["kind"] == kind)
}

/// A step of the lifecycle, checked; returns the response body.
pub async fn ok(app: &TestApp, token: &str, path: &str, body: Value, want: u16) -> Value {
    let (s, v) = app.post(token, path, &body).await;
    assert_eq!(s, want, "{path}: {v}");
    v
}

/// Told the inquiry's id after every step of [`lifecycle`].
pub(crate) trait Observer {
    async fn seen(&mut self, inquiry: &str);
}

/// Drives an inquiry from open to communicated with one release; tells
/// `obs` after every step (the leak test reads everything then).
pub(crate) async fn lifecycle(app: &TestApp, w: &World, obs: &mut impl Observer) -> String {
    let q = ok(
        app,
        &w.dev,
        &format!("/api/v1/models/{}/inquiries", w.model),
        json!({}),
        201,
    )
    .await;
    let id = q["id"].as_str().unwrap().to_owned();
    let base = format!("/api/v1/inquiries/{id}");
    obs.seen(&id).await;
    ok(
        app,
        &w.eval,
        &format!("{base}/runs"),
        json!({"run_id": w.run}),
        200,
    )
    .await;
    obs.seen(&id).await;
    ok(
        app,
        &w.eval,
        &format!("{base}/consultation"),
        json!({}),
        200,
    )
    .await;
    obs.seen(&id).await;
    for (i, c) in w.consultants.iter().enumerate() {
        let body = match i {
            1 => json!({"response": "dissent", "comment": "the suite is too narrow"}),
            2 => json!({"response": "decline"}),
            _ => json!({"response": "concur"}),
        };
        ok(app, c, &format!("{base}/consultations"), body, 200).await;
        obs.seen(&id).await;
    }
    let p = ok(
        app,
        &w.a.authority,
        &format!("{base}/decision"),
        json!({"determination": "covered"}),
        202,
    )
    .await;
    obs.seen(&id).await;
    let approval = p["approval"]["id"].as_str().unwrap();
    ok(
        app,
        &w.a.second,
        &format!("/api/v1/approvals/{approval}/decision"),
        json!({"decision": "approve"}),
        200,
    )
    .await;
    obs.seen(&id).await;
    ok(
        app,
        &w.a.authority,
        &format!("{base}/communicate"),
        json!({}),
        200,
    )
    .await;
    obs.seen(&id).await;
    ok(
        app,
        &w.a.authority,
        &format!("{base}/releases"),
        json!({"part": "findings"}),
        200,
    )
    .await;
    obs.seen(&id).await;
    id
}

async fn full_lifecycle_and_refusals(app: TestApp) {
    let w = world(&app).await;
    let q = ok(
        &app,
        &w.dev,
        &format!("/api/v1/models/{}/inquiries", w.model),
        json!({}),
        201,
    )
    .await;
    assert_eq!(q["state"], "submitted", "{q}");
    assert_eq!(q["view"], "developer");
    let id = q["id"].as_str().unwrap().to_owned();
    let base = format!("/api/v1/inquiries/{id}");

    // Another developer: no inquiry, no model to open one on.
    assert_eq!(app.get(&w.other_dev, &base).await.0, 404);
    let (_, l) = app.get(&w.other_dev, "/api/v1/inquiries").await;
    assert_eq!(l["items"], json!([]), "{l}");
    let (s, _) = app
        .post(
            &w.other_dev,
            &format!("/api/v1/models/{}/inquiries", w.model),
            &json!({}),
        )
        .await;
    assert_eq!(s, 404);
    // The evaluator without clearance reads nothing of it; cleared, all.
    assert_eq!(app.get(&w.a.evaluator, &base).await.0, 404);
    let (s, v) = app.get(&w.eval, &base).await;
    assert_eq!((s, v["view"].as_str()), (200, Some("official")), "{v}");
    assert_eq!(v["outstanding_consultations"].as_array().unwrap().len(), 4);
    assert!(notified(&app, &w.eval, "inquiry.opened").await);

    // Runs: only an evaluator, only runs of the inquiry's model.
    let (s, p) = app
        .post(&w.dev, &format!("{base}/runs"), &json!({"run_id": w.run}))
        .await;
    assert_eq!(s, 403, "{p}");
    for (run, why) in [
        (&w.other_run, "another model"),
        (&"nope".to_owned(), "no run"),
    ] {
        let (s, p) = app
            .post(&w.eval, &format!("{base}/runs"), &json!({"run_id": run}))
            .await;
        assert_eq!(
            (s, p["field"].as_str()),
            (422, Some("run_id")),
            "{why}: {p}"
        );
    }
    assert_eq!(count(&app, "frontier_inquiry_runs").await, 0);
    let v = ok(
        &app,
        &w.eval,
        &format!("{base}/runs"),
        json!({"run_id": w.run}),
        200,
    )
    .await;
    assert_eq!(v["state"], "evaluating");
    // The rule, computed now: the run passes everything, above the threshold.
    assert_eq!(v["computed"]["determination"], "covered", "{v}");
    assert_eq!(v["computed"]["findings"][0]["relation"], "reached");
    assert_eq!(
        v["computed"]["thresholds"][0]["commitment"],
        w.threshold["commitment"]
    );
    let (s, p) = app
        .post(&w.eval, &format!("{base}/runs"), &json!({"run_id": w.run}))
        .await;
    assert_eq!((s, p["field"].as_str()), (422, Some("run_id")), "{p}");

    // Consultation.
    let (s, _) = app
        .post(&w.dev, &format!("{base}/consultation"), &json!({}))
        .await;
    assert_eq!(s, 403);
    let v = ok(
        &app,
        &w.eval,
        &format!("{base}/consultation"),
        json!({}),
        200,
    )
    .await;
    assert_eq!(v["state"], "consulting");
    for c in &w.consultants {
        assert!(notified(&app, c, "inquiry.consultation_open").await);
    }
    assert!(!notified(&app, &w.dev, "inquiry.consultation_open").await);
    let c = |i: usize| w.consultants[i].clone();
    ok(
        &app,
        &c(0),
        &format!("{base}/consultations"),
        json!({"response": "concur"}),
        200,
    )
    .await;
    // Each consultee answers once; a dissent needs a comment; bad input names the field.
    let (s, _) = app
        .post(
            &c(0),
            &format!("{base}/consultations"),
            &json!({"response": "concur"}),
        )
        .await;
    assert_eq!(s, 409);
    for (body, field) in [
        (json!({"response": "dissent"}), "comment"),
        (json!({"response": "dissent", "comment": "  "}), "comment"),
        (json!({"response": "maybe"}), "response"),
        (
            json!({"response": "concur", "comment": "x".repeat(4001)}),
            "comment",
        ),
    ] {
        let (s, p) = app
            .post(&c(1), &format!("{base}/consultations"), &body)
            .await;
        assert_eq!((s, p["field"].as_str()), (422, Some(field)), "{p}");
    }
    assert_eq!(count(&app, "frontier_inquiry_consultations").await, 1);
    // A decision before the consultations end names them.
    let (s, p) = app
        .post(
            &w.a.authority,
            &format!("{base}/decision"),
            &json!({"determination": "covered"}),
        )
        .await;
    assert_eq!(
        (s, p["field"].as_str()),
        (422, Some("consultations")),
        "{p}"
    );
    ok(
        &app,
        &c(1),
        &format!("{base}/consultations"),
        json!({"response": "dissent", "comment": "the suite is too narrow"}),
        200,
    )
    .await;
    ok(
        &app,
        &c(2),
        &format!("{base}/consultations"),
        json!({"response": "decline"}),
        200,
    )
    .await;
    assert!(!notified(&app, &w.a.authority, "inquiry.consultations_complete").await);
    ok(
        &app,
        &c(3),
        &format!("{base}/consultations"),
        json!({"response": "concur"}),
        200,
    )
    .await;
    assert!(notified(&app, &w.a.authority, "inquiry.consultations_complete").await);

    // Neither the developer nor a consultee decides (audited); a departure
    // from the rule needs a reason.
    let before = count(&app, "approvals").await;
    for token in [&w.dev, &c(0), &w.eval] {
        let (s, p) = app
            .post(
                token,
                &format!("{base}/decision"),
                &json!({"determination": "covered"}),
            )
            .await;
        assert_eq!(s, 403, "{p}");
    }
    let (s, p) = app
        .post(
            &w.a.authority,
            &format!("{base}/decision"),
            &json!({"determination": "not_covered"}),
        )
        .await;
    assert_eq!((s, p["field"].as_str()), (422, Some("reason")), "{p}");
    let (s, p) = app
        .post(
            &w.a.authority,
            &format!("{base}/decision"),
            &json!({"determination": "maybe"}),
        )
        .await;
    assert_eq!(
        (s, p["field"].as_str()),
        (422, Some("determination")),
        "{p}"
    );
    assert_eq!(count(&app, "approvals").await, before);
    let refused = audit_actions(&app)
        .await
        .into_iter()
        .filter(|e| e["action"] == "inquiry.refused")
        .count();
    assert!(refused >= 5, "{refused}");

    // The decision: proposed, then approved by a second authority only.
    let p = ok(
        &app,
        &w.a.authority,
        &format!("{base}/decision"),
        json!({"determination": "covered"}),
        202,
    )
    .await;
    assert_eq!(p["approval"]["action"], "decide_designation");
    assert_eq!(p["approval"]["payload"]["determination"], "covered");
    assert!(notified(&app, &w.a.second, "inquiry.approval_pending").await);
    let approval = p["approval"]["id"].as_str().unwrap().to_owned();
    let decide = format!("/api/v1/approvals/{approval}/decision");
    let (s, _) = app
        .post(&w.a.authority, &decide, &json!({"decision": "approve"}))
        .await;
    assert_eq!(s, 403);
    let (s, _) = app
        .post(&w.dev, &decide, &json!({"decision": "approve"}))
        .await;
    assert!(s == 403 || s == 404, "{s}");
    assert_eq!(count(&app, "frontier_inquiry_decisions").await, 0);
    ok(
        &app,
        &w.a.second,
        &decide,
        json!({"decision": "approve"}),
        200,
    )
    .await;
    let (_, v) = app.get(&w.a.authority, &base).await;
    assert_eq!(v["state"], "decided", "{v}");
    let d = &v["decision"];
    assert_eq!(
        (d["determination"].as_str(), d["computed"].as_str()),
        (Some("covered"), Some("covered"))
    );
    assert_eq!(d["run_ids"], json!([w.run]));
    assert_eq!(d["thresholds"][0]["threshold_id"], w.threshold["id"]);
    assert_eq!(d["thresholds"][0]["commitment"], w.threshold["commitment"]);
    assert_eq!(d["suite_versions"][0]["version"], 1);
    assert!(d["approved_by"].as_str().is_some());
    assert_ne!(d["approved_by"], d["proposed_by"]);
    // The developer: decided, told so, but no outcome until communicated.
    let (_, v) = app.get(&w.dev, &base).await;
    assert_eq!(
        (v["state"].as_str(), &v["outcome"]),
        (Some("decided"), &Value::Null),
        "{v}"
    );
    assert!(
        v.get("decision").is_none() && v.get("computed").is_none(),
        "{v}"
    );
    assert!(notified(&app, &w.dev, "inquiry.decided").await);
    let (s, _) = app
        .post(&w.dev, &format!("{base}/withdraw"), &json!({}))
        .await;
    assert_eq!(s, 409);
    let (s, _) = app
        .post(
            &w.dev,
            &format!("{base}/releases"),
            &json!({"part": "findings"}),
        )
        .await;
    assert_eq!(s, 403);

    // Communicated: the outcome; released parts only.
    ok(
        &app,
        &w.a.authority,
        &format!("{base}/communicate"),
        json!({}),
        200,
    )
    .await;
    let (_, v) = app.get(&w.dev, &base).await;
    assert_eq!(
        (v["state"].as_str(), v["outcome"].as_str()),
        (Some("communicated"), Some("covered")),
        "{v}"
    );
    assert_eq!(v["released"], json!({}));
    assert!(notified(&app, &w.dev, "inquiry.communicated").await);
    let (s, p) = app
        .post(
            &w.a.authority,
            &format!("{base}/releases"),
            &json!({"part": "threshold"}),
        )
        .await;
    assert_eq!((s, p["field"].as_str()), (422, Some("part")), "{p}");
    ok(
        &app,
        &w.a.authority,
        &format!("{base}/releases"),
        json!({"part": "findings"}),
        200,
    )
    .await;
    let (_, v) = app.get(&w.dev, &base).await;
    assert_eq!(v["released"]["findings"][0]["relation"], "reached", "{v}");
    assert!(v["released"].get("consultations").is_none());
    assert_eq!(v["releases"][0]["part"], "findings");
    assert!(notified(&app, &w.dev, "inquiry.released").await);
    assert_eq!(count(&app, "frontier_inquiry_releases").await, 1);

    // Every change is audited.
    let actions: Vec<String> = audit_actions(&app)
        .await
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default().to_owned())
        .collect();
    for a in [
        "inquiry.open",
        "inquiry.attach_run",
        "inquiry.consult",
        "inquiry.respond",
        "inquiry.propose_decision",
        "inquiry.decide",
        "inquiry.communicate",
        "inquiry.release",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} audited");
    }
    // The officials' list, and a bad state filter.
    let (_, l) = app
        .get(&w.a.authority, "/api/v1/inquiries?state=communicated")
        .await;
    assert_eq!(l["items"].as_array().unwrap().len(), 1, "{l}");
    let (s, p) = app
        .get(&w.a.authority, "/api/v1/inquiries?state=nope")
        .await;
    assert_eq!((s, p["field"].as_str()), (422, Some("state")));
}
both_backends!(full_lifecycle_and_refusals, full_lifecycle_and_refusals);

async fn withdrawal_cancels_the_pending_decision(app: TestApp) {
    let w = world(&app).await;
    let q = ok(
        &app,
        &w.dev,
        &format!("/api/v1/models/{}/inquiries", w.model),
        json!({}),
        201,
    )
    .await;
    let base = format!("/api/v1/inquiries/{}", q["id"].as_str().unwrap());
    ok(
        &app,
        &w.eval,
        &format!("{base}/runs"),
        json!({"run_id": w.run}),
        200,
    )
    .await;
    ok(
        &app,
        &w.eval,
        &format!("{base}/consultation"),
        json!({}),
        200,
    )
    .await;
    for c in &w.consultants {
        ok(
            &app,
            c,
            &format!("{base}/consultations"),
            json!({"response": "concur"}),
            200,
        )
        .await;
    }
    let p = ok(
        &app,
        &w.a.authority,
        &format!("{base}/decision"),
        json!({"determination": "inconclusive", "reason": "more runs wanted"}),
        202,
    )
    .await;
    let approval = p["approval"]["id"].as_str().unwrap().to_owned();
    // Another developer may not withdraw it (it cannot even see it).
    let (s, _) = app
        .post(&w.other_dev, &format!("{base}/withdraw"), &json!({}))
        .await;
    assert_eq!(s, 404);
    let v = ok(
        &app,
        &w.dev,
        &format!("{base}/withdraw"),
        json!({"reason": "retrained"}),
        200,
    )
    .await;
    assert_eq!(v["state"], "withdrawn");
    let (_, a) = app
        .get(&w.a.authority, &format!("/api/v1/approvals/{approval}"))
        .await;
    assert_eq!(a["state"], "cancelled", "{a}");
    let (s, _) = app
        .post(
            &w.a.second,
            &format!("/api/v1/approvals/{approval}/decision"),
            &json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(s, 409);
    assert_eq!(count(&app, "frontier_inquiry_decisions").await, 0);
    // A rejected proposal leaves room for a new one (on another inquiry).
    let q = ok(
        &app,
        &w.dev,
        &format!("/api/v1/models/{}/inquiries", w.model),
        json!({}),
        201,
    )
    .await;
    let base = format!("/api/v1/inquiries/{}", q["id"].as_str().unwrap());
    ok(
        &app,
        &w.eval,
        &format!("{base}/runs"),
        json!({"run_id": w.run}),
        200,
    )
    .await;
    ok(
        &app,
        &w.eval,
        &format!("{base}/consultation"),
        json!({}),
        200,
    )
    .await;
    for c in &w.consultants {
        ok(
            &app,
            c,
            &format!("{base}/consultations"),
            json!({"response": "concur"}),
            200,
        )
        .await;
    }
    let body = json!({"determination": "covered"});
    let p = ok(
        &app,
        &w.a.authority,
        &format!("{base}/decision"),
        body.clone(),
        202,
    )
    .await;
    let (s, _) = app
        .post(&w.a.authority, &format!("{base}/decision"), &body)
        .await;
    assert_eq!(s, 409, "one proposal at a time");
    let approval = p["approval"]["id"].as_str().unwrap();
    ok(
        &app,
        &w.a.second,
        &format!("/api/v1/approvals/{approval}/decision"),
        json!({"decision": "reject", "reason": "look again"}),
        200,
    )
    .await;
    ok(&app, &w.a.second, &format!("{base}/decision"), body, 202).await;
}
both_backends!(
    withdrawal_cancels_the_pending_decision,
    withdrawal_cancels_the_pending_decision
);
