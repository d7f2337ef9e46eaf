//! `clearinghouse bench publish`: publishing a coordinated disclosure that
//! touches N operators (100,000 by default). Seeds N organisations (not
//! vetted), one asset each with one component of the same npm package;
//! imports an embargoed OSV advisory for that package through the real
//! import path (so, embargoed, nobody is exposed yet); opens a TLP:CLEAR
//! case for it. Then times the coordinator's publication
//! (`workflows::cases::publish::publish`: the embargo lifted, every
//! component re-matched and its exposure created, every exposed operator
//! and participant told in the inbox, the CSAF revision stored, all in one
//! transaction) until the provider feed lists the document and serves it
//! with its signature. The baseline, measured in the same run: enqueuing
//! the same number of plain notifications (`notifications::enqueue_many`,
//! one transaction). It checks its own counts (every operator exposed and
//! told, the feed lists the document, its signature verifies) and exits 1
//! otherwise.

use std::process::ExitCode;
use std::time::Instant;

use clap::Args;
use serde_json::json;

use crate::auth::{Principal, Via};
use crate::model::notify::NotificationKind;
use crate::store;
use crate::workflows::cases::{self, NewCase, feed, publish};
use crate::workflows::notifications::{self, NewNotification};
use crate::{clock, workflows};

#[derive(Debug, Clone, Args)]
pub struct BenchPublishArgs {
    /// Exposed operators (organisations with the affected component).
    #[arg(long, default_value_t = 100_000)]
    pub operators: u64,
    /// Database URL (default: a fresh SQLite file in a temporary folder).
    #[arg(long)]
    pub database_url: Option<String>,
}

const VULN: &str = "CVE-2099-0100";
const PACKAGE: &str = "bench-lib";

fn advisory() -> serde_json::Value {
    json!({
        "schema_version": "1.6.0", "id": "GHSA-bnch-0000-0001",
        "modified": "2026-11-01T00:00:00Z", "published": "2026-11-01T00:00:00Z",
        "aliases": [VULN], "summary": "Generated flaw in bench-lib",
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
        "affected": [{"package": {"ecosystem": "npm", "name": PACKAGE},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0.0"}]}]}]
    })
}

pub async fn publish(args: BenchPublishArgs) -> anyhow::Result<ExitCode> {
    let n = args.operators.max(1);
    let (tmp, app, admin) = super::bench::open_app("publish", args.database_url, 8).await?;
    let mut user = admin.clone();
    user.roles.push("coordinator".into());
    let who = Principal::new(user, Via::System);
    let now = clock::now_text();

    let t = Instant::now();
    let mut tx = app.store.begin_write().await?;
    store::directives::bench::seed_orgs(&mut tx, n, &now).await?;
    store::cases::bench::seed_components(&mut tx, n, PACKAGE, "1.0.0").await?;
    tx.commit().await?;
    let parsed = clearinghouse_domain::advisory::parse_osv(&serde_json::to_vec(&advisory())?)?;
    let mut report = Default::default();
    workflows::advisories::import_advisories(&app, &who, &[parsed], true, &mut report).await?;
    let case = cases::open(
        &app,
        &who,
        NewCase {
            title: "Generated flaw in bench-lib".into(),
            summary: "Benchmark case.".into(),
            vulnerabilities: vec![VULN.into()],
            // Within the year an embargo may last.
            target_date: (crate::clock::now() + time::Duration::days(90))
                .date()
                .to_string(),
            tlp: Some("CLEAR".into()),
        },
    )
    .await?;
    let mut conn = app.store.pool.acquire().await?;
    let before = store::cases::bench::open_exposures(&mut conn, VULN).await?;
    drop(conn);
    println!(
        "publish benchmark on {:?}: {n} operators with the affected component, embargoed \
         (exposed before publication: {before}), seeded in {:.1} s",
        app.store.backend,
        t.elapsed().as_secs_f64()
    );

    // Publication, until the feed serves the signed document.
    let t = Instant::now();
    let c = publish::publish(
        &app,
        &who,
        &case.id,
        publish::Publish {
            reason: Some("benchmark".into()),
        },
    )
    .await?;
    let published = t.elapsed();
    let index = feed::serve(&app, None, "white/index.txt").await?;
    let index = String::from_utf8(index.body)?;
    let path = index.lines().next().unwrap_or("").to_owned();
    let doc = feed::serve(&app, None, &format!("white/{path}")).await?;
    let sig = feed::serve(&app, None, &format!("white/{path}.asc")).await?;
    let total = t.elapsed();

    let mut conn = app.store.pool.acquire().await?;
    let exposed = store::cases::bench::open_exposures(&mut conn, VULN).await?;
    let told = store::cases::bench::notifications_of_kind(
        &mut conn,
        NotificationKind::CasePublished.as_str(),
    )
    .await?;
    drop(conn);
    let expected = i64::try_from(n).unwrap_or(i64::MAX);
    let mut failed = Vec::new();
    if c.state != "published" {
        failed.push(format!("the case is {}", c.state));
    }
    if exposed != expected {
        failed.push(format!("{exposed} operators exposed, {n} expected"));
    }
    // Every exposed operator and the coordinating organisation.
    if told < expected {
        failed.push(format!(
            "{told} publication notifications for {n} operators"
        ));
    }
    if !path.ends_with(".json") || index.lines().count() != 1 {
        failed.push(format!("the feed's index lists {index:?}"));
    }
    if let Err(e) = app.csaf_signer.public().verify(&doc.body, &sig.body) {
        failed.push(format!("the feed's signature does not verify: {e}"));
    }

    // Baseline: the same number of plain notifications, one transaction.
    let items: Vec<NewNotification> = (0..n)
        .map(|i| NewNotification {
            org_id: store::directives::bench::org_id(i),
            kind: NotificationKind::CasePublished,
            exposure_id: None,
            vuln_id: Some(VULN.into()),
            tlp: "CLEAR".into(),
            visibility: String::new(),
            title: "Baseline notification".into(),
            body: "Baseline.".into(),
            data: json!({"baseline": i}),
        })
        .collect();
    let t = Instant::now();
    let mut tx = app.store.begin_write().await?;
    notifications::enqueue_many(&app, &mut tx, items).await?;
    tx.commit().await?;
    let baseline = t.elapsed();

    let secs = |d: std::time::Duration| d.as_secs_f64();
    println!(
        "publication: {exposed} exposures created, {told} operators and participants told, \
         transaction {:.2} s; feed listing and signed document served after {:.2} s \
         ({:.0} operators/s)",
        secs(published),
        secs(total),
        n as f64 / secs(total).max(1e-9)
    );
    println!(
        "baseline: {n} plain notifications enqueued in {:.2} s ({:.0}/s)",
        secs(baseline),
        n as f64 / secs(baseline).max(1e-9)
    );
    println!(
        "ratio publication / baseline: {:.2}",
        secs(total) / secs(baseline).max(1e-9)
    );
    let _ = std::fs::remove_dir_all(&tmp);
    if failed.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        for f in failed {
            println!("FAILED: {f}");
        }
        Ok(ExitCode::FAILURE)
    }
}
