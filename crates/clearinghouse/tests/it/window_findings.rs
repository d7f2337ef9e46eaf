//! Findings from an access window (issue 13 item 8) over HTTP, on both
//! backends: a grantee files findings found with the covered model through
//! the ordinary intake (`POST /api/v1/submissions?window=ID`); people
//! without an active grant (an outsider, the grantee before the grant and
//! after revocation) and unknown windows are refused alike (422 `window`,
//! the same words, audited, nothing stored); the findings are shared with
//! the window's developer, readable by it and listed from the window
//! (`GET /windows/{id}/findings`) to whoever may read the window, each
//! finding still under its own labels (AMBER+STRICT stays with its owner);
//! and the same through the binary (`clearinghouse submit --window`).

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::both_backends;
use crate::findings::{finding, native, submit};
use crate::findings_crash::Serve;
use crate::frontier_inquiries::{Observer, audit_actions, count, lifecycle, world};
use crate::harness::{TestApp, temp_dir};
use crate::model_endpoint;
use crate::submit_cli::cli;

struct Quiet;

impl Observer for Quiet {
    async fn seen(&mut self, _inquiry: &str) {}
}

fn at(days: i64) -> String {
    (OffsetDateTime::now_utc() + time::Duration::days(days))
        .format(&Rfc3339)
        .unwrap()
}

fn date(days: i64) -> String {
    (OffsetDateTime::now_utc() + time::Duration::days(days))
        .date()
        .to_string()
}

/// Submits and processes; returns the finished submission.
async fn file(app: &TestApp, token: &str, findings: &[Value], query: &str) -> Value {
    let (s, sub) = submit(app, token, native(findings), query, None).await;
    assert_eq!(s, 202, "{sub}");
    app.run_pending_jobs().await;
    let (s, sub) = app
        .get(
            token,
            &format!("/api/v1/submissions/{}", sub["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!((s, sub["state"].as_str()), (200, Some("done")), "{sub}");
    sub
}

/// Finding ids a window lists to `token`, sorted.
async fn listed(app: &TestApp, token: &str, wid: &str) -> (u16, Vec<String>) {
    let (s, v) = app
        .get(token, &format!("/api/v1/windows/{wid}/findings?limit=500"))
        .await;
    let ids = v["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["id"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default();
    let mut ids: Vec<String> = ids;
    ids.sort();
    (s, ids)
}

async fn findings_from_a_window(app: TestApp) {
    let w = world(&app).await;
    lifecycle(&app, &w, &mut Quiet).await;
    let endpoint = model_endpoint::start().await;
    let model = w.model.clone();
    let (_, coord) = app.user(&w.a.org, "wf-coordinator", &["coordinator"]).await;
    let (analyst_id, analyst) = app.user(&w.a.org, "wf-analyst", &["member"]).await;
    let (_, analyst_admin) = app.user(&w.a.org, "wf-orgadmin", &["org_admin"]).await;
    let res_org = app.org("Outside Research", "researcher").await;
    let (_, outsider) = app.user(&res_org, "wf-outsider", &["member"]).await;
    let (s, v) = app
        .send(
            reqwest::Method::PUT,
            &w.dev,
            &format!("/api/v1/models/{model}/release-dates"),
            &json!({"planned_partner_release": date(40)}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, win) = app
        .post(
            &w.dev,
            &format!("/api/v1/models/{model}/windows"),
            &json!({"starts_at": at(0), "ends_at": at(10), "terms": "Confidential.",
                "endpoint_url": endpoint.base_url, "endpoint_secret": model_endpoint::SECRET}),
        )
        .await;
    assert_eq!(s, 201, "{win}");
    let wid = win["id"].as_str().unwrap().to_owned();
    let found = [
        finding("Prompt-found auth bypass", "paramiko/auth_handler.py", 10),
        finding("Prompt-found weak check", "paramiko/transport.py", 20),
    ];

    // No active grant, or no such window: the same refusal, nothing stored.
    let submissions_before = count(&app, "submissions").await;
    let mut details = Vec::new();
    for (token, window) in [
        (&analyst, wid.as_str()),
        (&outsider, wid.as_str()),
        (&analyst, "no-such-window"),
    ] {
        let (s, v) = submit(
            &app,
            token,
            native(&found),
            &format!("?window={window}"),
            None,
        )
        .await;
        assert_eq!((s, v["field"].as_str()), (422, Some("window")), "{v}");
        details.push(v["detail"].as_str().unwrap().to_owned());
    }
    assert!(details.windows(2).all(|d| d[0] == d[1]), "{details:?}");
    let (s, v) = submit(&app, &analyst, native(&found), "?window=%01", None).await;
    assert_eq!((s, v["field"].as_str()), (422, Some("window")), "{v}");
    assert_eq!(count(&app, "submissions").await, submissions_before);
    let actions: Vec<String> = audit_actions(&app)
        .await
        .iter()
        .filter_map(|e| e["action"].as_str().map(str::to_owned))
        .collect();
    assert!(actions.iter().any(|a| a == "window.refused"), "{actions:?}");

    // A grant: the analyst files what the model helped find.
    let (s, grant) = app
        .post(
            &coord,
            &format!("/api/v1/windows/{wid}/grants"),
            &json!({"user_id": analyst_id, "requests_per_day": 10, "tokens_per_day": 10000}),
        )
        .await;
    assert_eq!(s, 201, "{grant}");
    let sub = file(&app, &analyst, &found, &format!("?window={wid}")).await;
    assert_eq!(sub["window_id"], wid.as_str(), "{sub}");
    assert_eq!(sub["counts"]["new"], 2, "{sub}");
    let sub_id = sub["id"].as_str().unwrap().to_owned();
    let (_, items) = app
        .get(&analyst, &format!("/api/v1/submissions/{sub_id}/items"))
        .await;
    let mut ids: Vec<String> = items["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["finding_id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();

    // Another finding of the analyst, not from the window: not shared.
    let private = file(
        &app,
        &analyst,
        &[finding("Unrelated", "paramiko/client.py", 5)],
        "",
    )
    .await;
    assert_eq!(private["window_id"], Value::Null);
    let (_, pitems) = app
        .get(
            &analyst,
            &format!(
                "/api/v1/submissions/{}/items",
                private["id"].as_str().unwrap()
            ),
        )
        .await;
    let private_id = pitems["items"][0]["finding_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // The developer (a participant) reads the window's findings and its
    // submission; not the analyst's other finding.
    assert_eq!(listed(&app, &w.dev, &wid).await, (200, ids.clone()));
    for id in &ids {
        let (s, f) = app.get(&w.dev, &format!("/api/v1/findings/{id}")).await;
        assert_eq!(s, 200, "{f}");
    }
    let (s, v) = app
        .get(&w.dev, &format!("/api/v1/submissions/{sub_id}"))
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, _) = app
        .get(&w.dev, &format!("/api/v1/findings/{private_id}"))
        .await;
    assert_eq!(s, 404);
    // The grantee's organisation and the window's readers see them too.
    assert_eq!(listed(&app, &analyst, &wid).await, (200, ids.clone()));
    assert_eq!(listed(&app, &coord, &wid).await, (200, ids.clone()));
    // Those who may not read the window: 404, and not the findings either.
    assert_eq!(listed(&app, &outsider, &wid).await.0, 404);
    assert_eq!(listed(&app, &w.other_dev, &wid).await.0, 404);
    assert_eq!(listed(&app, &w.dev, "no-such-window").await.0, 404);
    for id in &ids {
        let (s, _) = app.get(&outsider, &format!("/api/v1/findings/{id}")).await;
        assert_eq!(s, 404);
        let (s, _) = app
            .get(&w.other_dev, &format!("/api/v1/findings/{id}"))
            .await;
        assert_eq!(s, 404);
    }

    // Labels still apply: an AMBER+STRICT finding stays with its owner.
    let strict = file(
        &app,
        &analyst,
        &[finding("Strict one", "paramiko/sftp.py", 7)],
        &format!("?window={wid}&tlp=AMBER%2BSTRICT"),
    )
    .await;
    let (_, sitems) = app
        .get(
            &analyst,
            &format!(
                "/api/v1/submissions/{}/items",
                strict["id"].as_str().unwrap()
            ),
        )
        .await;
    let strict_id = sitems["items"][0]["finding_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(listed(&app, &w.dev, &wid).await, (200, ids.clone()));
    let (s, mine) = listed(&app, &analyst, &wid).await;
    assert_eq!(s, 200);
    assert!(mine.contains(&strict_id) && mine.len() == 3, "{mine:?}");
    let (s, _) = app
        .get(&w.dev, &format!("/api/v1/findings/{strict_id}"))
        .await;
    assert_eq!(s, 404);

    // Revoked: the analyst can no longer file from the window.
    let gid = grant["id"].as_str().unwrap();
    let (s, v) = app
        .post(
            &analyst_admin,
            &format!("/api/v1/grants/{gid}/revocation"),
            &json!({"reason": "left the team"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let before = count(&app, "submissions").await;
    let (s, v) = submit(
        &app,
        &analyst,
        native(&[finding("Late", "paramiko/pkey.py", 3)]),
        &format!("?window={wid}"),
        None,
    )
    .await;
    assert_eq!((s, v["field"].as_str()), (422, Some("window")), "{v}");
    assert_eq!(count(&app, "submissions").await, before);
    let actions: Vec<String> = audit_actions(&app)
        .await
        .iter()
        .filter_map(|e| e["action"].as_str().map(str::to_owned))
        .collect();
    assert!(
        actions.iter().any(|a| a == "submission.share"),
        "{actions:?}"
    );

    // Through the binary: `clearinghouse submit --window`.
    let (second_id, second) = app.user(&w.a.org, "wf-second", &["member"]).await;
    let (s, v) = app
        .post(
            &coord,
            &format!("/api/v1/windows/{wid}/grants"),
            &json!({"user_id": second_id, "requests_per_day": 10, "tokens_per_day": 10000}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let server = Serve::start(&app).await;
    let work = temp_dir();
    let path = work.join("found.json");
    std::fs::write(&path, native(&[finding("Via CLI", "paramiko/util.py", 9)])).unwrap();
    let path = path.display().to_string();
    let args = |token: &str| -> Vec<String> {
        [
            "submit",
            "--server",
            &server.base,
            "--token",
            token,
            "--window",
            &wid,
            "--json",
            &path,
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
    };
    let refs = args(&second);
    let run = cli(&refs.iter().map(String::as_str).collect::<Vec<_>>()).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let out = run.json();
    assert_eq!(out["submissions"][0]["window_id"], wid.as_str(), "{out}");
    assert_eq!(out["submissions"][0]["state"], "done", "{out}");
    let (s, listed_now) = listed(&app, &w.dev, &wid).await;
    assert_eq!((s, listed_now.len()), (200, 3), "{listed_now:?}");
    let refs = args(&analyst);
    let run = cli(&refs.iter().map(String::as_str).collect::<Vec<_>>()).await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        format!("{}{}", run.stdout, run.stderr).contains("window"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
}

both_backends!(findings_from_a_window, findings_from_a_window);
