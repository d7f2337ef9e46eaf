//! `clearinghouse case` and `clearinghouse vex` against a real server, on
//! both backends: a coordinator opens a case (`--json`), a refused open
//! exits non-zero naming the field, the vendor is invited and joins, states
//! a not-affected status and uploads a CycloneDX VEX file, and `case show`
//! prints the statements.

use serde_json::{Value, json};

use crate::both_backends;
use crate::cases_support::{map_product, parties, target_date};
use crate::directives_cli::cli;
use crate::exposure::CVE;
use crate::harness::TestApp;

async fn case_cli(app: TestApp) {
    let p = parties(&app).await;
    let r = cli(
        &app,
        &p.coord,
        &[
            "case",
            "open",
            "--title",
            "Paramiko",
            "--vuln",
            CVE,
            "--target-date",
            "2001-01-01",
        ],
    )
    .await;
    assert_ne!(r.code, 0, "{}", r.stdout);
    assert!(r.stderr.contains("target_date"), "{}", r.stderr);
    let r = cli(
        &app,
        &p.coord,
        &[
            "case",
            "open",
            "--title",
            "Paramiko",
            "--vuln",
            CVE,
            "--target-date",
            &target_date(40),
            "--json",
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let c: Value = serde_json::from_str(&r.stdout).expect("JSON case");
    let id = c["id"].as_str().unwrap().to_owned();
    let r = cli(
        &app,
        &p.coord,
        &[
            "case",
            "invite",
            &id,
            "--org",
            &p.vendor_org,
            "--role",
            "vendor",
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("Paramiko Maintainers"), "{}", r.stdout);
    let r = cli(&app, &p.vendor_admin, &["case", "join", &id]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    map_product(&app, &p, "pkg:pypi/paramiko").await;
    let r = cli(
        &app,
        &p.vendor_member,
        &[
            "case",
            "status",
            &id,
            "--vuln",
            CVE,
            "--product",
            "pkg:pypi/paramiko",
            "--status",
            "not_affected",
        ],
    )
    .await;
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("justification"), "{}", r.stderr);
    let r = cli(
        &app,
        &p.vendor_member,
        &[
            "case",
            "status",
            &id,
            "--vuln",
            CVE,
            "--product",
            "pkg:pypi/paramiko",
            "--status",
            "fixed",
            "--fixed-version",
            "2.4.1",
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("fixed (in 2.4.1)"), "{}", r.stdout);
    let vex = json!({"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
        "vulnerabilities": [{"id": CVE, "analysis": {"state": "not_affected", "justification": "code_not_present"},
                             "affects": [{"ref": "pkg:pypi/paramiko@2.3.0"}]}]});
    let file = crate::harness::temp_dir().join("vex.json");
    std::fs::write(&file, serde_json::to_vec(&vex).unwrap()).unwrap();
    let r = cli(
        &app,
        &p.vendor_member,
        &["vex", "upload", "--case", &id, file.to_str().unwrap()],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("not_affected (vulnerable_code_not_present)"),
        "{}",
        r.stdout
    );
    let r = cli(&app, &p.hospital, &["case", "show", &id]).await;
    assert_ne!(r.code, 0, "an outsider gets 404");
    assert!(r.stderr.contains("404"), "{}", r.stderr);
    let r = cli(&app, &p.coord, &["case", "show", &id]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("vendor"), "{}", r.stdout);
    assert!(r.stdout.contains("fixed (in 2.4.1)"), "{}", r.stdout);
}
both_backends!(case_cli, case_cli);
