//! Who may attach a file to a case message, and the page's message form
//! with a file (tester findings F1 and F17), on both backends: only members
//! of the organisation that posted a message attach files to it (403 for
//! another participant, and for an invited organisation before it joined),
//! the page names who attached each file; a file the attachment would
//! refuse (bad name, over the size limit) refuses the message too, with
//! nothing stored and the typed text kept in the form.

use serde_json::{Value, json};

use crate::both_backends;
use crate::cases_support::{invite_as, open_case, parties};
use crate::directives_records::{csrf, page};
use crate::exposure::raw;
use crate::harness::TestApp;

async fn message_count(app: &TestApp, token: &str, case: &str) -> usize {
    let (s, v) = app
        .get(token, &format!("/api/v1/cases/{case}/messages"))
        .await;
    assert_eq!(s, 200, "{v}");
    v.as_array()
        .or_else(|| v["items"].as_array())
        .map_or(0, Vec::len)
}

async fn attach(app: &TestApp, token: &str, case: &str, message: &str) -> (u16, Value) {
    raw(
        app,
        reqwest::Method::POST,
        token,
        &format!("/api/v1/cases/{case}/messages/{message}/attachments?name=fix.sh"),
        b"#!/bin/sh\necho fix\n".to_vec(),
    )
    .await
}

async fn post_message(app: &TestApp, token: &str, case: &str, body: &str) -> String {
    let (s, m) = app
        .post(
            token,
            &format!("/api/v1/cases/{case}/messages"),
            &json!({"body": body}),
        )
        .await;
    assert_eq!(s, 201, "{m}");
    m["id"].as_str().unwrap().to_owned()
}

async fn attachments_under_others_messages(app: TestApp) {
    let p = parties(&app).await;
    let id = open_case(&app, &p, "Paramiko", &[crate::exposure::CVE]).await;
    invite_as(&app, &p, &id, &p.vendor_org, "vendor").await;
    let coord_msg = post_message(&app, &p.coord, &id, "coordinator says").await;

    // Invited, not joined: no file under the coordinator's message.
    let (s, v) = attach(&app, &p.vendor_member, &id, &coord_msg).await;
    assert_eq!(s, 403, "{v}");
    let (s, v) = app
        .post(
            &p.vendor_admin,
            &format!("/api/v1/cases/{id}/join"),
            &json!({}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    // Joined: still not under another organisation's message.
    let (s, v) = attach(&app, &p.vendor_member, &id, &coord_msg).await;
    assert_eq!(s, 403, "{v}");
    let (s, v) = attach(&app, &p.vendor_admin, &id, &coord_msg).await;
    assert_eq!(s, 403, "{v}");
    let (s, all) = app
        .get(&p.coord, &format!("/api/v1/cases/{id}/attachments"))
        .await;
    assert_eq!((s, all.as_array().map(Vec::len)), (200, Some(0)), "{all}");

    // Under its own organisation's message (a colleague's too): stored.
    let vendor_msg = post_message(&app, &p.vendor_admin, &id, "our fix").await;
    let (s, v) = attach(&app, &p.vendor_member, &id, &vendor_msg).await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = attach(&app, &p.coord, &id, &vendor_msg).await;
    assert_eq!(s, 403, "{v}");
    let (s, all) = app
        .get(&p.coord, &format!("/api/v1/cases/{id}/attachments"))
        .await;
    assert_eq!((s, all.as_array().map(Vec::len)), (200, Some(1)), "{all}");

    // The page names who attached it.
    let cookie = app.login_cookie("cc-coord").await;
    let (s, html) = page(&app, &cookie, &format!("/cases/{id}")).await;
    assert_eq!(s, 200);
    assert!(
        html.contains("attached by <span class=\"attached-by\">pm-dev</span>")
            || html.contains("(pm-dev)</span>"),
        "{html}"
    );
}
both_backends!(
    attachments_under_others_messages,
    attachments_under_others_messages
);

/// A multipart body of the case page's message form.
fn form(token: &str, body: &str, file_name: &str, file: &[u8]) -> Vec<u8> {
    let mut b = format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n\
         --XyZ\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\n{body}\r\n\
         --XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    b.extend_from_slice(file);
    b.extend_from_slice(b"\r\n--XyZ--\r\n");
    b
}

async fn refused_file_stores_no_message(app: TestApp) {
    let p = parties(&app).await;
    let id = open_case(&app, &p, "Paramiko", &[crate::exposure::CVE]).await;
    let cookie = app.login_cookie("cc-coord").await;
    let (s, html) = page(&app, &cookie, &format!("/cases/{id}")).await;
    assert_eq!(s, 200);
    let token = csrf(&html);
    let send = |body: Vec<u8>| {
        app.client
            .post(app.url(&format!("/cases/{id}/messages")))
            .header("cookie", &cookie)
            .header("content-type", "multipart/form-data; boundary=XyZ")
            .body(body)
            .send()
    };
    let typed = "Typed with care before the upload";

    let r = send(form(&token, typed, "../../etc/passwd", b"root:x:0:0"))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains(typed), "the text is kept: {html}");
    assert!(html.contains("file:"), "the file field is named: {html}");
    assert_eq!(message_count(&app, &p.coord, &id).await, 0);

    let big = vec![b'a'; patches_limit() + 1024 * 1024];
    let r = send(form(&token, typed, "big.bin", &big)).await.unwrap();
    assert_eq!(r.status().as_u16(), 413);
    let html = r.text().await.unwrap();
    assert!(html.contains(typed), "the text is kept: {html}");
    assert!(html.contains("larger than 16 MiB"), "{html}");
    assert_eq!(message_count(&app, &p.coord, &id).await, 0);

    let r = send(form(&token, typed, "notes.txt", b"fine"))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(message_count(&app, &p.coord, &id).await, 1);
}
both_backends!(
    refused_file_stores_no_message,
    refused_file_stores_no_message
);

fn patches_limit() -> usize {
    clearinghouse::workflows::cases::patches::MAX_ATTACHMENT_BYTES
}
