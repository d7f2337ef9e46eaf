//! The consultee list is configuration: a server configured with two
//! consultees copies exactly those two into a new inquiry, a decision
//! waits for those two only (a consultant of an unlisted body cannot
//! answer), and bad lists are refused with the entry named.

use clearinghouse_domain::frontier::designation::{default_consultees, parse_consultees};
use serde_json::json;

use crate::frontier_inquiries::{CONSULTEES, ok, world};
use crate::harness::{Db, TestApp};

const TWO: &str = "oncd=Office of the National Cyber Director;\
                   cisa=Cybersecurity and Infrastructure Security Agency";

#[test]
fn consultee_lists_are_validated() {
    let two: Vec<&str> = TWO.split(';').collect();
    let parsed = parse_consultees(&two).expect("two consultees");
    assert_eq!(parsed.len(), 2);
    assert_eq!(
        (parsed[1].id.as_str(), parsed[1].name.as_str()),
        ("cisa", CONSULTEES[2])
    );
    assert_eq!(default_consultees().len(), 4);
    let long = format!("{}=n", "x".repeat(33));
    for (bad, says) in [
        (vec!["oncd"], "ID=NAME"),
        (vec!["ONCD=Office"], "id must be"),
        (vec!["a=x", "b="], "name must be"),
        (vec!["a=x", "a=y"], "twice"),
        (vec!["a=x", "b=x"], "twice"),
        (vec![long.as_str()], "id must be"),
        (Vec::<&str>::new(), "empty"),
    ] {
        let e = parse_consultees(&bad).expect_err("refused");
        assert!(e.contains(says), "{bad:?}: {e}");
    }
}

/// `serve` with a bad list stops at start, naming the option and the entry.
#[test]
fn serve_refuses_a_bad_consultee_list() {
    let dir = crate::harness::temp_dir();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_clearinghouse"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--consultee",
            "oncd=ONCD",
        ])
        .args(["--consultee", "ONCD=Shouting"])
        .env("CLEARINGHOUSE_DATA_DIR", &dir)
        .env_remove("CLEARINGHOUSE_CONSULTEES")
        .output()
        .expect("run serve");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("--consultee") && stderr.contains("ONCD=Shouting"),
        "{stderr}"
    );
    // The variable separates entries with `;`: here one id twice.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_clearinghouse"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("CLEARINGHOUSE_DATA_DIR", &dir)
        .env(
            "CLEARINGHOUSE_CONSULTEES",
            "oncd=Office of X;oncd=Office of Y",
        )
        .output()
        .expect("run serve");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("\"oncd\" is listed twice"), "{stderr}");
}

async fn two_configured_consultees_decide(db: Db) {
    let two: Vec<&str> = TWO.split(';').collect();
    let consultees = parse_consultees(&two).expect("two consultees");
    let Some(app) = TestApp::builder(db)
        .settings(|s| s.consultees = consultees)
        .build()
        .await
    else {
        return;
    };
    let w = world(&app).await;
    let q = ok(
        &app,
        &w.dev,
        &format!("/api/v1/models/{}/inquiries", w.model),
        json!({}),
        201,
    )
    .await;
    let base = format!("/api/v1/inquiries/{}", q["id"].as_str().expect("id"));
    ok(
        &app,
        &w.eval,
        &format!("{base}/runs"),
        json!({"run_id": w.run}),
        200,
    )
    .await;
    let v = ok(
        &app,
        &w.eval,
        &format!("{base}/consultation"),
        json!({}),
        200,
    )
    .await;
    let ids: Vec<&str> = v["consultees"]
        .as_array()
        .expect("consultees")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(ids, ["oncd", "cisa"], "{v}");
    assert_eq!(
        v["outstanding_consultations"],
        json!(["oncd", "cisa"]),
        "{v}"
    );
    // APST is not consulted here: its consultant cannot answer.
    let (s, p) = app
        .post(
            &w.consultants[1],
            &format!("{base}/consultations"),
            &json!({"response": "concur"}),
        )
        .await;
    assert!(s == 403 || s == 404, "{s} {p}");
    ok(
        &app,
        &w.consultants[0],
        &format!("{base}/consultations"),
        json!({"response": "concur"}),
        200,
    )
    .await;
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
        &w.consultants[2],
        &format!("{base}/consultations"),
        json!({"response": "declined"}),
        200,
    )
    .await;
    // The two configured consultees answered: the decision goes to a second authority.
    ok(
        &app,
        &w.a.authority,
        &format!("{base}/decision"),
        json!({"determination": "covered"}),
        202,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_configured_consultees_decide_sqlite() {
    two_configured_consultees_decide(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_configured_consultees_decide_postgres() {
    two_configured_consultees_decide(Db::Postgres).await;
}
