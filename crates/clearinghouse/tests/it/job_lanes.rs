//! Job lanes: a process's job loop for deliveries (webhooks, emails) takes
//! only those, so a delivery is made while the loop that takes every kind
//! is held by a long job. The long job here is a webhook delivery to a
//! receiver that does not answer until the test lets it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use clearinghouse::clock;
use clearinghouse::jobs::Lane;
use clearinghouse::store::jobs;
use serde_json::json;

use crate::both_backends;
use crate::harness::TestApp;
use crate::notifications::{job_states, notification, notify, org_with_admin, receiver};

/// A webhook receiver that answers only once `release` is notified; `arrived`
/// turns true when the request is in.
async fn held_receiver() -> (String, Arc<AtomicBool>, Arc<tokio::sync::Notify>) {
    let arrived = Arc::new(AtomicBool::new(false));
    let release = Arc::new(tokio::sync::Notify::new());
    let (a, r) = (arrived.clone(), release.clone());
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let (a, r) = (a.clone(), r.clone());
            async move {
                let released = r.notified();
                a.store(true, Ordering::SeqCst);
                released.await;
                StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, arrived, release)
}

async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn deliveries_do_not_wait_behind_a_held_loop(app: TestApp) {
    let (held_org, held_admin) = org_with_admin(&app, "Held").await;
    let (free_org, free_admin) = org_with_admin(&app, "Free").await;
    let (held_url, arrived, release) = held_receiver().await;
    let (free_url, seen) = receiver(0).await;
    for (token, url) in [(&held_admin, &held_url), (&free_admin, &free_url)] {
        let (s, v) = app
            .post(token, "/api/v1/webhooks", &json!({"url": url}))
            .await;
        assert_eq!(s, 201, "{v}");
    }
    // The held organisation's delivery is queued first.
    notify(&app.app, notification(&held_org, "held", "GREEN")).await;
    notify(&app.app, notification(&free_org, "free", "GREEN")).await;

    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(clearinghouse::jobs::run_worker(
        app.app.clone(),
        "lanes".into(),
        false,
        stop_rx,
    ));
    until("the held delivery", || arrived.load(Ordering::SeqCst)).await;
    let seen: Arc<Mutex<_>> = seen;
    until("the other delivery", || seen.lock().unwrap().len() == 1).await;
    // Made while the first was still held by its loop, not after it gave up.
    let running: Vec<(String, i64)> = job_states(&app.app, "webhook.deliver")
        .await
        .into_iter()
        .filter(|(state, _)| state == "running")
        .collect();
    assert_eq!(running, [("running".to_owned(), 1)], "the held one");

    release.notify_one();
    let deadline = Instant::now() + Duration::from_secs(30);
    while job_states(&app.app, "webhook.deliver")
        .await
        .iter()
        .any(|(state, _)| state != "done")
    {
        assert!(
            Instant::now() < deadline,
            "the held delivery never finished"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(30), worker)
        .await
        .expect("the job loops stop")
        .unwrap();
}
both_backends!(
    deliveries_do_not_wait_behind_a_held_loop,
    deliveries_do_not_wait_behind_a_held_loop
);

async fn a_lane_claims_only_its_kinds(app: TestApp) {
    let store = &app.app.store;
    let now = clock::now_text();
    let past = "2000-01-01T00:00:00.000000Z";
    // An intake queued first, then a delivery.
    for kind in ["submission.process", "webhook.deliver"] {
        assert!(
            jobs::enqueue(&store.pool, kind, "{}", None, past, &now)
                .await
                .unwrap()
        );
    }
    // Claims one job of the lane and marks it done; its kind.
    let claim = |lane: Lane| async move {
        let now = clock::now_text();
        let job = jobs::claim(store, "tester", (&now, past), lane.kinds())
            .await
            .unwrap()?;
        jobs::complete(&store.pool, job.id, "tester", &now)
            .await
            .unwrap();
        Some(job.kind)
    };
    assert_eq!(
        claim(Lane::Deliveries).await.as_deref(),
        Some("webhook.deliver"),
        "the deliveries' lane passes over the older intake"
    );
    assert_eq!(claim(Lane::Deliveries).await, None, "and never takes it");
    assert_eq!(
        claim(Lane::Any).await.as_deref(),
        Some("submission.process")
    );
}
both_backends!(a_lane_claims_only_its_kinds, a_lane_claims_only_its_kinds);
