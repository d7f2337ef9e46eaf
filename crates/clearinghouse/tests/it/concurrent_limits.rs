//! "At most N" rules under concurrent requests (tester findings F3, F8),
//! on both backends: a tool's capacity holds when two coordinators approve
//! at once, one organisation has one open request for a tool however many
//! arrive together, and a directive submission has at most
//! `MAX_EVIDENCE_FILES` evidence files however many uploads race. On
//! PostgreSQL (READ COMMITTED) a count-then-insert let both through.

use futures_util::future::join_all;
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::both_backends;
use crate::directives::cast;
use crate::directives_dashboard::setup;
use crate::exposure::raw;
use crate::harness::TestApp;

fn statuses(results: &[(u16, serde_json::Value)]) -> Vec<u16> {
    let mut s: Vec<u16> = results.iter().map(|(s, _)| *s).collect();
    s.sort_unstable();
    s
}

async fn tool_capacity_and_requests_race(app: TestApp) {
    let gov = app.org("Cyber Agency", "government_agency").await;
    let (_, coord1) = app.user(&gov, "race-coord1", &["coordinator"]).await;
    let (_, coord2) = app.user(&gov, "race-coord2", &["coordinator"]).await;
    let h1 = app
        .org("County Hospital", "critical_infrastructure_operator")
        .await;
    let (_, nurse) = app.user(&h1, "race-nurse", &["member"]).await;
    let h2 = app
        .org("City Hospital", "critical_infrastructure_operator")
        .await;
    let (_, doctor) = app.user(&h2, "race-doctor", &["member"]).await;
    let mut entry = crate::tools::scanner();
    entry["capacity"] = json!(1);
    let (s, tool) = app.post(&coord1, "/api/v1/tools", &entry).await;
    assert_eq!(s, 201, "{tool}");
    let tid = tool["id"].as_str().unwrap().to_owned();
    let requests = format!("/api/v1/tools/{tid}/requests");

    // Six requests of one organisation at once: one is stored.
    let asks = (0..6).map(|i| {
        let (app, nurse, requests) = (&app, &nurse, &requests);
        async move {
            app.post(nurse, requests, &json!({"purpose": format!("race {i}")}))
                .await
        }
    });
    let got = join_all(asks).await;
    assert_eq!(
        statuses(&got),
        vec![201, 409, 409, 409, 409, 409],
        "{got:?}"
    );
    let r1 = got.iter().find(|(s, _)| *s == 201).unwrap().1["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (s, r2) = app
        .post(&doctor, &requests, &json!({"purpose": "scan us"}))
        .await;
    assert_eq!(s, 201, "{r2}");
    let r2 = r2["id"].as_str().unwrap().to_owned();

    // Two coordinators approve at the same moment: capacity 1 holds.
    let ends = (OffsetDateTime::now_utc() + time::Duration::days(5))
        .format(&Rfc3339)
        .unwrap();
    let body = json!({"decision": "approve", "ends_at": ends,
        "requests_per_day": 10, "tokens_per_day": 10});
    let (d1, d2) = (
        format!("/api/v1/tool-requests/{r1}/decision"),
        format!("/api/v1/tool-requests/{r2}/decision"),
    );
    let (a, b) = tokio::join!(app.post(&coord1, &d1, &body), app.post(&coord2, &d2, &body));
    assert_eq!(
        statuses(&[a.clone(), b.clone()]),
        vec![200, 422],
        "{a:?} {b:?}"
    );
    let (s, v) = app.get(&coord1, &format!("/api/v1/tools/{tid}")).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["capacity"].as_i64(), v["holding"].as_i64()),
        (Some(1), Some(1)),
        "{v}"
    );
}
both_backends!(
    tool_capacity_and_requests_race,
    tool_capacity_and_requests_race
);

async fn evidence_file_limit_race(app: TestApp) {
    let c = cast(&app).await;
    let due =
        clearinghouse_domain::frontier::date::CalendarDate::parse("2021-11-17").expect("date");
    let id = setup(&app, &c, due).await;
    let (s, sub) = app
        .post(
            &c.a,
            &format!("/api/v1/directives/{id}/reports"),
            &json!({"action": "inventory", "period": "2026-02-01",
                "fields": {"asset_count": 5}}),
        )
        .await;
    assert_eq!(s, 201, "{sub}");
    let sid = sub["id"].as_str().unwrap().to_owned();
    let limit = clearinghouse::workflows::directives::evidence::MAX_EVIDENCE_FILES as usize;
    let uploads = (0..limit + 6).map(|i| {
        let (app, token, sid) = (&app, &c.a, &sid);
        async move {
            raw(
                app,
                reqwest::Method::POST,
                token,
                &format!("/api/v1/directive-reports/{sid}/evidence?name=f{i}.txt"),
                format!("evidence {i}").into_bytes(),
            )
            .await
        }
    });
    let got = join_all(uploads).await;
    let stored = got.iter().filter(|(s, _)| *s == 201).count();
    assert_eq!(stored, limit, "{:?}", statuses(&got));
    assert!(got.iter().all(|(s, _)| *s == 201 || *s == 422), "{got:?}");
    let (s, v) = app
        .get(&c.a, &format!("/api/v1/directives/{id}/reports"))
        .await;
    assert_eq!(s, 200, "{v}");
    let files: usize = v
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["evidence"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(files, limit, "{v}");
}
both_backends!(evidence_file_limit_race, evidence_file_limit_race);
