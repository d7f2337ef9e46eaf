//! The classified threshold policy: set through the two-person rule (the
//! proposer cannot approve; a second designation authority can), readable
//! only by principals cleared for its label (default `FRONTIER &
//! CLASSIFIED`); the audit log holds the commitment, recomputable from the
//! stored policy and salt, and neither the value nor the salt; a changed
//! stored value is detected.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::both_backends;
use crate::harness::TestApp;

/// The agency: an evaluator with a suite, two cleared authorities.
pub struct Agency {
    pub org: String,
    pub evaluator: String,
    pub authority: String,
    pub second: String,
}

pub async fn agency(app: &TestApp) -> Agency {
    let org = app
        .org("National Security Agency", "government_agency")
        .await;
    let (_, evaluator) = app.user(&org, "evaluator", &["evaluator"]).await;
    let (a1, authority) = app
        .user(&org, "authority", &["designation_authority"])
        .await;
    let (a2, second) = app
        .user(&org, "authority2", &["designation_authority"])
        .await;
    app.grant(&a1, &["FRONTIER", "CLASSIFIED"]).await;
    app.grant(&a2, &["FRONTIER", "CLASSIFIED"]).await;
    let (s, v) = app
        .post(
            &evaluator,
            "/api/v1/suites",
            &json!({"key": "ctf", "tasks": [{"id": "alpha"}, {"id": "beta"}]}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    Agency {
        org,
        evaluator,
        authority,
        second,
    }
}

/// Proposes and approves a threshold; returns the threshold view.
pub async fn set_threshold(app: &TestApp, a: &Agency, rate: &str) -> Value {
    let (s, p) = app
        .post(
            &a.authority,
            "/api/v1/suites/ctf/thresholds",
            &json!({"success_rate": rate, "pass_at_k": {"k": 2, "rate": "0.6"}}),
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
    let id = p["threshold"]["id"].as_str().unwrap();
    let (s, t) = app
        .get(&a.authority, &format!("/api/v1/thresholds/{id}"))
        .await;
    assert_eq!(s, 200, "{t}");
    t
}

async fn audit_entries(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT entry FROM audit_log ORDER BY idx")
        .fetch_all(&app.app.store.pool)
        .await
        .unwrap()
}

async fn two_person_label_and_commitment(app: TestApp) {
    let a = agency(&app).await;
    // One person cannot set a threshold: the proposer's own approval is refused.
    let (s, p) = app
        .post(
            &a.authority,
            "/api/v1/suites/ctf/thresholds",
            &json!({"success_rate": "0.25"}),
        )
        .await;
    assert_eq!(s, 202, "{p}");
    let t = &p["threshold"];
    assert_eq!(t["state"], "pending");
    assert_eq!(t["visibility"], "FRONTIER&CLASSIFIED");
    assert_eq!(p["approval"]["action"], "set_threshold");
    let approval = p["approval"]["id"].as_str().unwrap();
    let (s, d) = app
        .post(
            &a.authority,
            &format!("/api/v1/approvals/{approval}/decision"),
            &json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(s, 403, "{d}");
    // The evaluator (no clearance) may not approve nor read it.
    let (s, _) = app
        .post(
            &a.evaluator,
            &format!("/api/v1/approvals/{approval}/decision"),
            &json!({"decision": "approve"}),
        )
        .await;
    assert!(s == 403 || s == 404, "{s}");
    let id = t["id"].as_str().unwrap();
    assert_eq!(
        app.get(&a.evaluator, &format!("/api/v1/thresholds/{id}"))
            .await
            .0,
        404
    );
    assert_eq!(
        app.get(&a.evaluator, "/api/v1/suites/ctf/thresholds")
            .await
            .1,
        json!([])
    );
    // Nor may the evaluator propose one.
    let (s, _) = app
        .post(
            &a.evaluator,
            "/api/v1/suites/ctf/thresholds",
            &json!({"success_rate": "0.1"}),
        )
        .await;
    assert_eq!(s, 403);
    // Bad input names the field.
    for (body, field) in [
        (json!({"success_rate": "1.5"}), "success_rate"),
        (json!({"success_rate": "abc"}), "success_rate"),
        (
            json!({"success_rate": "0.5", "pass_at_k": {"k": 0, "rate": "0.5"}}),
            "pass_at_k.k",
        ),
        (
            json!({"success_rate": "0.5", "visibility": "TOPSECRET"}),
            "visibility",
        ),
    ] {
        let (s, p) = app
            .post(&a.authority, "/api/v1/suites/ctf/thresholds", &body)
            .await;
        assert_eq!(s, 422, "{p}");
        assert_eq!(p["field"], field, "{p}");
    }
    // A second authority approves: in force.
    let (s, d) = app
        .post(
            &a.second,
            &format!("/api/v1/approvals/{approval}/decision"),
            &json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(s, 200, "{d}");
    let (_, t) = app
        .get(&a.second, &format!("/api/v1/thresholds/{id}"))
        .await;
    assert_eq!(t["state"], "active");
    assert_eq!(t["policy"]["suites"][0]["success_rate"], "0.250000");
    // A second version supersedes it.
    let t2 = set_threshold(&app, &a, "0.3").await;
    assert_eq!(t2["policy"]["version"], 2);
    let (_, t) = app
        .get(&a.second, &format!("/api/v1/thresholds/{id}"))
        .await;
    assert_eq!(t["state"], "superseded");
    // A developer reads nothing of it.
    let dev_org = app.org("Atlas Labs", "ai_developer").await;
    let (_, dev) = app.user(&dev_org, "dev", &["member"]).await;
    assert_eq!(
        app.get(&dev, &format!("/api/v1/thresholds/{id}")).await.0,
        404
    );
    assert_eq!(app.get(&dev, "/api/v1/suites/ctf/thresholds").await.0, 404);

    // The commitment: recomputed from the stored policy and salt, it is
    // the one in the audit entry; the audit log holds no value or salt.
    let entries = audit_entries(&app).await;
    for t in [&t, &t2] {
        let salt = hex::decode(t["salt"].as_str().unwrap()).unwrap();
        let stored: String =
            sqlx::query_scalar("SELECT policy FROM frontier_thresholds WHERE id = $1")
                .bind(t["id"].as_str().unwrap())
                .fetch_one(&app.app.store.pool)
                .await
                .unwrap();
        let policy: clearinghouse_domain::frontier::threshold::ThresholdPolicy =
            serde_json::from_str(&stored).unwrap();
        let mut h = Sha256::new();
        h.update(&salt);
        h.update(policy.canonical());
        let recomputed = hex::encode(h.finalize());
        assert_eq!(recomputed, t["commitment"].as_str().unwrap());
        assert!(
            entries
                .iter()
                .any(|e| e.contains("threshold.propose") && e.contains(t["id"].as_str().unwrap())),
            "proposal audited"
        );
        let committed: Vec<Value> = entries
            .iter()
            .map(|e| serde_json::from_str::<Value>(e).unwrap())
            .filter(|e| e["action"] == "threshold.commit")
            .collect();
        assert!(
            committed
                .iter()
                .any(|e| e["object"]["id"] == recomputed.as_str()),
            "{committed:?}"
        );
        for e in &entries {
            assert!(
                !e.contains(t["salt"].as_str().unwrap()),
                "salt in the audit log: {e}"
            );
            assert!(
                !e.contains("0.250000") && !e.contains("0.300000"),
                "value in the audit log: {e}"
            );
        }
    }
    let path = format!(
        "/api/v1/thresholds/{}/verification",
        t2["id"].as_str().unwrap()
    );
    let (_, v) = app.get(&a.second, &path).await;
    assert_eq!(v["matches"], true, "{v}");
    // A silently changed stored value no longer matches its commitment.
    sqlx::query("UPDATE frontier_thresholds SET policy = REPLACE(policy, '0.300000', '0.900000') WHERE id = $1")
        .bind(t2["id"].as_str().unwrap())
        .execute(&app.app.store.pool)
        .await
        .unwrap();
    let (_, v) = app.get(&a.second, &path).await;
    assert_eq!(v["matches"], false, "{v}");
    assert_ne!(v["recomputed"], v["commitment"]);
    let _ = a.org;
}
both_backends!(
    two_person_label_and_commitment,
    two_person_label_and_commitment
);
