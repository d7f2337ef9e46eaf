//! The developer's inquiry page shows what was released in words: the
//! reason, the runs the decision rests on (named where the developer reads
//! them, else "not shared with you") and each consultee's answer in a
//! table: never the parts as JSON, never a consultant's account id.

use serde_json::json;

use crate::both_backends;
use crate::frontier_inquiries::{Observer, lifecycle, ok, world};
use crate::harness::TestApp;

struct Quiet;

impl Observer for Quiet {
    async fn seen(&mut self, _: &str) {}
}

async fn released_parts_read_as_words(app: TestApp) {
    let w = world(&app).await;
    let id = lifecycle(&app, &w, &mut Quiet).await;
    let base = format!("/api/v1/inquiries/{id}/releases");
    for part in ["reason", "runs", "consultations"] {
        ok(&app, &w.a.authority, &base, json!({"part": part}), 200).await;
    }
    let cookie = app.login_cookie(&w.dev_username).await;
    let resp = app
        .client
        .get(app.url(&format!("/inquiries/{id}")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body = resp.text().await.unwrap();
    assert!(!body.contains("<pre>"), "{body}");
    assert!(
        !body.contains("{&quot;") && !body.contains("[&quot;"),
        "JSON: {body}"
    );
    assert!(body.contains("id=\"released-reason\""), "{body}");
    assert!(body.contains("follows the computed rule"), "{body}");
    let runs = &body[body.find("id=\"released-runs\"").unwrap()..];
    assert!(runs.contains("Evaluation run 1"), "{runs}");
    assert!(runs.contains("not shared with you"), "{runs}");
    assert!(
        !runs[..runs.find("</table>").unwrap()].contains("href=\"/frontier/runs/"),
        "no link to a run the developer cannot open: {runs}"
    );
    let cs = &body[body.find("id=\"released-consultations\"").unwrap()..];
    let cs = &cs[..cs.find("</table>").unwrap()];
    assert!(
        cs.contains("dissented") && cs.contains("the suite is too narrow"),
        "{cs}"
    );
    assert!(
        cs.contains("declined to comment") && cs.contains("concurred"),
        "{cs}"
    );
    // The list shows times as dates, the exact value only in `<time>`.
    let (_, v) = app.get(&w.dev, &format!("/api/v1/inquiries/{id}")).await;
    let created = v["created_at"].as_str().unwrap().to_owned();
    let resp = app
        .client
        .get(app.url("/inquiries"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let list = resp.text().await.unwrap();
    assert!(
        list.contains(&format!("<time datetime=\"{created}\"")),
        "{list}"
    );
    assert!(!list.contains(&format!(">{created}<")), "{list}");
    // The inbox tells of the inquiry in words and links to Inquiries.
    let resp = app
        .client
        .get(app.url("/inbox"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let inbox = resp.text().await.unwrap();
    assert!(inbox.contains("class=\"inquiries-link\""), "{inbox}");
    assert!(!inbox.contains(&format!("inquiry {id}")), "{inbox}");
    // The authority's page cites thresholds by commitment, not as JSON.
    let staff = app.login_cookie("authority").await;
    let resp = app
        .client
        .get(app.url(&format!("/inquiries/{id}")))
        .header("cookie", &staff)
        .send()
        .await
        .unwrap();
    let page = resp.text().await.unwrap();
    assert!(page.contains("id=\"decision-thresholds\""), "{page}");
    assert!(
        !page.contains("{&quot;") && !page.contains("[{"),
        "JSON: {page}"
    );
    // No consultant's account id reaches the developer.
    let (_, v) = app
        .get(&w.a.authority, &format!("/api/v1/inquiries/{id}"))
        .await;
    for c in v["consultees"].as_array().unwrap() {
        if let Some(by) = c["recorded_by"].as_str() {
            assert!(!body.contains(by), "consultant id {by} shown");
        }
    }
}
both_backends!(released_parts_read_as_words, released_parts_read_as_words);
