//! The label-leak test: across a full designation inquiry, after every
//! step, every API response the developer can reach (every GET route of
//! the OpenAPI document, with every id the developer has seen so far) and
//! every web UI page it can reach (crawled from `/` by its links) holds
//! neither the classified threshold value, in any plausible format, nor
//! its salt; neither does the audit log. And the commitment the decision
//! cites, recomputed from the stored policy and salt, is the one in the
//! audit log's `threshold.commit` entry.

use std::collections::BTreeSet;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::both_backends;
use crate::frontier_inquiries::{Observer, THRESHOLD, World, audit_actions, lifecycle, world};
use crate::harness::TestApp;

/// The threshold as text in every format a page or response might use.
fn forbidden(w: &World) -> Vec<String> {
    let salt = w.threshold["salt"].as_str().unwrap().to_owned();
    assert_eq!(THRESHOLD, "0.271828");
    vec![
        "0.271828".into(),
        "271828".into(),
        "27.1828".into(),
        "2.71828".into(),
        "0.2718".into(),
        "27.2%".into(),
        salt.to_uppercase(),
        salt,
    ]
}

fn check(what: &str, body: &str, needles: &[String]) {
    for n in needles {
        assert!(!body.contains(n.as_str()), "{what} leaks {n:?}: {body}");
    }
}

/// Ids (UUIDs) in a text.
fn ids_in(text: &str, out: &mut BTreeSet<String>) {
    for (i, _) in text.char_indices() {
        if let Some(s) = text.get(i..i + 36)
            && s.char_indices().all(|(j, c)| match j {
                8 | 13 | 18 | 23 => c == '-',
                _ => c.is_ascii_hexdigit(),
            })
        {
            out.insert(s.to_owned());
        }
    }
}

async fn get_text(app: &TestApp, token: &str, path: &str) -> (u16, String) {
    let resp = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (
        resp.status().as_u16(),
        resp.text().await.unwrap_or_default(),
    )
}

/// Every GET route of the API with every id seen; returns the pages read.
async fn walk_api(
    app: &TestApp,
    token: &str,
    seen: &mut BTreeSet<String>,
    needles: &[String],
) -> usize {
    let doc: Value = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut read = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !item["get"].is_object() {
            continue;
        }
        let path = if path.starts_with("/api/") || !item["servers"].is_null() {
            path.clone()
        } else {
            format!("/api/v1{path}")
        };
        let params = path.matches('{').count();
        let mut urls = Vec::new();
        if params == 0 {
            urls.push(path.clone());
        } else {
            let mut ids: Vec<String> = seen.iter().cloned().collect();
            ids.push("ctf".into());
            // Substitute the same id for every parameter (nested routes
            // take the owner's id first; the walk covers single-id routes
            // fully, which is all the frontier routes use).
            for id in &ids {
                let mut url = String::new();
                let mut rest = path.as_str();
                while let Some(start) = rest.find('{') {
                    url.push_str(&rest[..start]);
                    url.push_str(id);
                    rest = rest[start..]
                        .find('}')
                        .map_or("", |e| &rest[start + e + 1..]);
                }
                url.push_str(rest);
                urls.push(url);
            }
        }
        for url in urls {
            let (status, body) = get_text(app, token, &url).await;
            check(&format!("GET {url} ({status})"), &body, needles);
            ids_in(&body, seen);
            read += 1;
        }
    }
    read
}

/// Every UI page reachable from `/` by links, as the developer.
async fn walk_ui(app: &TestApp, cookie: &str, needles: &[String]) -> usize {
    let mut todo = vec!["/".to_owned()];
    let mut done = BTreeSet::new();
    while let Some(path) = todo.pop() {
        if !done.insert(path.clone()) || done.len() > 300 {
            continue;
        }
        let resp = app
            .client
            .get(app.url(&path))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        let body = resp.text().await.unwrap_or_default();
        check(&format!("page {path}"), &body, needles);
        for part in body.split("href=\"").skip(1) {
            let link = part
                .split('"')
                .next()
                .unwrap_or_default()
                .replace("&amp;", "&");
            if link.starts_with('/')
                && !link.starts_with("//")
                && !link.starts_with("/logout")
                && !link.starts_with("/api/docs")
                && !link.starts_with("/static")
                && !done.contains(&link)
            {
                todo.push(link);
            }
        }
    }
    done.len()
}

/// Walks everything the developer reaches after each step.
struct Walker<'a> {
    app: &'a TestApp,
    token: String,
    cookie: String,
    needles: Vec<String>,
    seen: BTreeSet<String>,
    api_reads: usize,
    pages: usize,
}

impl Observer for Walker<'_> {
    async fn seen(&mut self, inquiry: &str) {
        self.seen.insert(inquiry.to_owned());
        self.api_reads += walk_api(self.app, &self.token, &mut self.seen, &self.needles).await;
        self.pages += walk_ui(self.app, &self.cookie, &self.needles).await;
    }
}

async fn no_threshold_reaches_the_developer(app: TestApp) {
    let w = world(&app).await;
    let needles = forbidden(&w);
    let mut walker = Walker {
        app: &app,
        token: w.dev.clone(),
        cookie: app.login_cookie(&w.dev_username).await,
        needles: needles.clone(),
        seen: [w.model.clone(), w.dev_org.clone()].into(),
        api_reads: 0,
        pages: 0,
    };
    let id = lifecycle(&app, &w, &mut walker).await;
    let (seen, api_reads, pages) = (walker.seen, walker.api_reads, walker.pages);
    assert!(seen.contains(&id));
    assert!(api_reads > 100, "{api_reads} API reads");
    assert!(pages > 5, "{pages} pages");
    // The developer did get the outcome and the released findings.
    let (_, v) = app.get(&w.dev, &format!("/api/v1/inquiries/{id}")).await;
    assert_eq!(v["outcome"], "covered", "{v}");
    assert!(v["released"]["findings"].is_array(), "{v}");

    // The audit log holds neither the value nor the salt.
    let entries: Vec<String> = sqlx::query_scalar("SELECT entry FROM audit_log ORDER BY idx")
        .fetch_all(&app.app.store.pool)
        .await
        .unwrap();
    for e in &entries {
        check("audit entry", e, &needles);
    }
    // The commitment the decision cites, recomputed from the stored policy
    // and salt, is the audit log's `threshold.commit` entry.
    let (_, v) = app
        .get(&w.a.authority, &format!("/api/v1/inquiries/{id}"))
        .await;
    let cited = v["decision"]["thresholds"][0].clone();
    let (policy, salt): (String, String) =
        sqlx::query_as("SELECT policy, salt FROM frontier_thresholds WHERE id = $1")
            .bind(cited["threshold_id"].as_str().unwrap())
            .fetch_one(&app.app.store.pool)
            .await
            .unwrap();
    let policy: clearinghouse_domain::frontier::threshold::ThresholdPolicy =
        serde_json::from_str(&policy).unwrap();
    let mut h = Sha256::new();
    h.update(hex::decode(&salt).unwrap());
    h.update(policy.canonical());
    let recomputed = hex::encode(h.finalize());
    assert_eq!(cited["commitment"].as_str(), Some(recomputed.as_str()));
    assert!(
        audit_actions(&app)
            .await
            .iter()
            .any(|e| e["action"] == "threshold.commit" && e["object"]["id"] == recomputed.as_str()),
        "commitment in the audit log"
    );
}
both_backends!(
    no_threshold_reaches_the_developer,
    no_threshold_reaches_the_developer
);
