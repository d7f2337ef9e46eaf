//! Near-duplicate decisions (confirm rejects the newer finding, split sets
//! the link aside), credit shared over linked findings, and reporter
//! quality counts that match what was done.

use serde_json::{Value, json};

use super::{audit_actions, cast, events, finding, ok, submit, to_validating};
use crate::both_backends;
use crate::harness::TestApp;

/// The organisation ids `GET /findings/{id}/credits` lists, in order.
async fn credits(app: &TestApp, token: &str, id: &str) -> Vec<String> {
    let (s, v) = app
        .get(token, &format!("/api/v1/findings/{id}/credits"))
        .await;
    assert_eq!(s, 200, "{v}");
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| c["org_id"].as_str().unwrap().to_owned())
        .collect()
}

/// Makes two findings a possible near-duplicate, as the analysis job does.
async fn link(app: &TestApp, a: &str, b: &str) {
    let pool = &app.app.store.pool;
    sqlx::query("DELETE FROM finding_similarities WHERE (finding_id = $1 AND other_id = $2) OR (finding_id = $2 AND other_id = $1)")
        .bind(a)
        .bind(b)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO finding_similarities (finding_id, other_id, similarity, state) VALUES ($1, $2, 0.93, 'possible')")
        .bind(a)
        .bind(b)
        .execute(pool)
        .await
        .unwrap();
}

async fn near_duplicates_are_confirmed_or_split_and_share_credit(app: TestApp) {
    let c = cast(&app).await;
    let gov = app.org("Third Lab", "researcher").await;
    let (_, reporter_c) = app.user(&gov, "reporter-c", &["member"]).await;
    let x = submit(
        &app,
        &c.reporter,
        &[finding("Auth bypass", &[]), finding("Other", &[])],
        "CLEAR",
    )
    .await;
    let y = submit(
        &app,
        &c.reporter_b,
        &[
            finding("Authentication bypass", &[]),
            finding("Unrelated", &[]),
        ],
        "CLEAR",
    )
    .await;
    // Lab C reports the same finding as Lab A's: an exact duplicate report.
    submit(&app, &reporter_c, &[finding("Auth bypass", &[])], "CLEAR").await;
    link(&app, &y[0], &x[0]).await;
    link(&app, &x[1], &y[1]).await;
    let path = |a: &str, b: &str| format!("/api/v1/findings/{a}/similar/{b}");
    let confirm = json!({"decision": "confirm", "reason": "same bug, other words"});

    let (s, _) = app
        .post(&c.coordinator, &path(&x[0], &x[1]), &confirm)
        .await;
    assert_eq!(s, 404, "no such link");
    let (s, _) = app.post(&c.reporter, &path(&x[0], &y[0]), &confirm).await;
    assert_eq!(s, 403);
    let (s, v) = app
        .post(
            &c.coordinator,
            &path(&x[0], &y[0]),
            &json!({"decision": "merge", "reason": "x"}),
        )
        .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("decision")));
    let (s, v) = app
        .post(&c.coordinator, &path(&x[0], &y[0]), &confirm)
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["state"].as_str(), v["rejected_finding"].as_str()),
        (Some("confirmed"), Some(y[0].as_str()))
    );
    let (s, _) = app
        .post(&c.coordinator, &path(&y[0], &x[0]), &confirm)
        .await;
    assert_eq!(s, 409, "already confirmed");
    let reasons: Vec<(String, String, String)> = events(&app, &c.coordinator, &y[0]).await;
    assert_eq!(
        reasons,
        [(
            "received".to_owned(),
            "rejected".to_owned(),
            format!("duplicate of {}: same bug, other words", x[0])
        )]
    );
    assert_eq!(audit_actions(&app, &y[0]).await, ["finding.review"]);

    let (s, v) = app
        .post(
            &c.coordinator,
            &path(&y[1], &x[1]),
            &json!({"decision": "split", "reason": "different bugs"}),
        )
        .await;
    assert_eq!(
        (s, v["state"].as_str(), v["rejected_finding"].clone()),
        (200, Some("split"), Value::Null),
        "{v}"
    );

    let (a, b) = (c.org_a.as_str(), c.org_b.as_str());
    assert_eq!(credits(&app, &c.reporter, &x[0]).await, [a, b, &gov]);
    assert_eq!(credits(&app, &c.coordinator, &y[0]).await, [b, a, &gov]);
    assert_eq!(
        credits(&app, &c.reporter, &x[1]).await,
        [a],
        "a split link shares nothing"
    );
    let (s, _) = app
        .get(&c.reporter, &format!("/api/v1/findings/{}/credits", y[1]))
        .await;
    assert_eq!(s, 404, "Lab A cannot read Lab B's finding");
}
both_backends!(
    near_duplicates_are_confirmed_or_split_and_share_credit,
    near_duplicates_are_confirmed_or_split_and_share_credit
);

async fn reporter_stats_count_what_happened(app: TestApp) {
    let c = cast(&app).await;
    let a = submit(
        &app,
        &c.reporter,
        &[finding("A1", &[]), finding("A2", &[]), finding("A3", &[])],
        "CLEAR",
    )
    .await;
    let b = submit(
        &app,
        &c.reporter_b,
        &[finding("A2", &[]), finding("B1", &[])],
        "CLEAR",
    )
    .await;
    to_validating(&app, &c, &a[0]).await;
    ok(
        &app,
        &c.validator_b,
        &a[0],
        json!({"action": "validate", "reason": "reproduced"}),
    )
    .await;
    ok(
        &app,
        &c.coordinator,
        &a[1],
        json!({"action": "reject", "reason_code": "false_positive", "reason": "test code"}),
    )
    .await;
    link(&app, &a[2], &b[1]).await;
    let (s, v) = app
        .post(
            &c.coordinator,
            &format!("/api/v1/findings/{}/similar/{}", a[2], b[1]),
            &json!({"decision": "confirm", "reason": "same"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");

    let (s, v) = app.get(&c.coordinator, "/api/v1/reporter-stats").await;
    assert_eq!(s, 200, "{v}");
    let by_org = |org: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|r| r["org_id"] == org)
            .cloned()
            .unwrap()
    };
    let mut lab_a = by_org(&c.org_a);
    lab_a.as_object_mut().unwrap().remove("name");
    assert_eq!(
        lab_a,
        json!({"org_id": c.org_a, "submissions": 1, "items_received": 3, "new_findings": 3,
        "duplicates": 0, "near_duplicates_confirmed": 0, "validated": 1, "rejected": {"false_positive": 1},
        "open": 1, "validated_ratio": 0.5})
    );
    let mut lab_b = by_org(&c.org_b);
    lab_b.as_object_mut().unwrap().remove("name");
    assert_eq!(
        lab_b,
        json!({"org_id": c.org_b, "submissions": 1, "items_received": 2, "new_findings": 1,
        "duplicates": 1, "near_duplicates_confirmed": 1, "validated": 0, "rejected": {"duplicate": 1},
        "open": 0, "validated_ratio": 0.0})
    );
    assert_eq!(
        v.as_array().unwrap().len(),
        2,
        "only reporting organisations: {v}"
    );

    let (s, v) = app
        .get(&c.coordinator, "/api/v1/reporter-stats?since=2999-01-01")
        .await;
    assert_eq!((s, v), (200, json!([])));
    let (s, v) = app
        .get(&c.coordinator, "/api/v1/reporter-stats?since=last-week")
        .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("since")));
    let (s, _) = app.get(&c.reporter, "/api/v1/reporter-stats").await;
    assert_eq!(s, 403, "members do not see reporter stats");
    let (s, _) = app.get(&app.admin_token, "/api/v1/reporter-stats").await;
    assert_eq!(s, 200, "platform admins do");
}
both_backends!(
    reporter_stats_count_what_happened,
    reporter_stats_count_what_happened
);
