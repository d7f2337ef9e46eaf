//! Advisory identity, CSAF product mapping and KEV-only vulnerabilities on
//! the real files of `../shared/data` (issue 11, data defects 1 to 3), on
//! both backends: the CISA ICS CSAF advisories covering one CVE stay
//! separate advisories of one vulnerability, each findable by its tracking
//! id; a CSAF import after the CVE records keeps the records and their
//! CISA SSVC; re-importing the same CSAF is `unchanged` with no audit
//! entry; a CSAF VEX document's product tree maps to packages; every KEV
//! entry is a vulnerability with its KEV facts.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::both_backends;
use crate::exposure::import;
use crate::exposure_realdata::{files, read, sub_dir};
use crate::harness::TestApp;

/// The audit log's size.
async fn audit_size(app: &TestApp) -> u64 {
    let (_, cp) = app.get(&app.admin_token, "/api/v1/audit/checkpoint").await;
    cp["tree_size"].as_u64().unwrap_or(0)
}

fn zip_of(paths: &[PathBuf]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (i, p) in paths.iter().enumerate() {
        let name = format!("{i:04}-{}", p.file_name().unwrap().to_string_lossy());
        zip.start_file(name, options).unwrap();
        zip.write_all(&read(p)).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// Every CISA CSAF document.
fn cisa_csaf() -> Option<Vec<PathBuf>> {
    let dir = sub_dir("cisa-csaf")?;
    let mut out = Vec::new();
    files(&dir, &[".json"], &mut out);
    out.retain(|p| !p.to_string_lossy().contains("index") && is_csaf(p));
    Some(out)
}

fn is_csaf(p: &Path) -> bool {
    serde_json::from_slice::<Value>(&read(p))
        .ok()
        .is_some_and(|v| v.pointer("/document/csaf_version").is_some())
}

/// The CVE ids a CSAF document names.
fn cves_of(p: &Path) -> BTreeSet<String> {
    let v: Value = serde_json::from_slice(&read(p)).unwrap();
    v["vulnerabilities"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x["cve"].as_str().map(str::to_owned))
        .collect()
}

fn tracking_id(p: &Path) -> String {
    let v: Value = serde_json::from_slice(&read(p)).unwrap();
    v["document"]["tracking"]["id"].as_str().unwrap().to_owned()
}

/// The vulnrichment record of `cve`, if the shared data has it.
fn vulnrichment(dir: &Path, cve: &str) -> Option<PathBuf> {
    let mut parts = cve.split('-');
    let (_, year, num) = (parts.next()?, parts.next()?, parts.next()?);
    let bucket = format!("{}xxx", &num[..num.len() - 3]);
    let p = dir.join(year).join(bucket).join(format!("{cve}.json"));
    p.is_file().then_some(p)
}

async fn csaf_keeps_every_publisher_and_the_cve_records(app: TestApp) {
    let (Some(csaf), Some(vr)) = (cisa_csaf(), sub_dir("vulnrichment")) else {
        return;
    };
    let token = app.admin_token.clone();
    // The CVE records of every CVE the CSAF documents name (53 of them).
    let named: BTreeSet<String> = csaf.iter().flat_map(|p| cves_of(p)).collect();
    let records: Vec<PathBuf> = named.iter().filter_map(|c| vulnrichment(&vr, c)).collect();
    assert!(records.len() >= 50, "{} CVE records", records.len());
    let (s, v) = import(&app, &token, "records.zip", zip_of(&records)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["advisories_created"], records.len(), "{v}");
    let (_, before) = app
        .get(&token, "/api/v1/vulnerabilities/CVE-2019-7256")
        .await;
    assert!(!before["ssvc"].is_null(), "{before}");

    let (s, v) = import(&app, &token, "csaf.zip", zip_of(&csaf)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["errors"], serde_json::json!([]), "{v}");
    let created = v["advisories_created"].as_u64().unwrap();
    assert!(
        created > 1000,
        "one advisory per vulnerability of each document: {v}"
    );
    assert_eq!(v["advisories_updated"], 0, "nothing overwritten: {v}");
    // CISA's ICS products are named by text and model numbers: reported.
    assert!(
        !v["unmapped_products"].as_array().unwrap().is_empty(),
        "{v}"
    );

    // Every CVE record is still there, with its CISA SSVC.
    for p in &records {
        let cve = p.file_stem().unwrap().to_string_lossy().into_owned();
        let (s, a) = app.get(&token, &format!("/api/v1/advisories/{cve}")).await;
        assert_eq!(s, 200, "{cve}: {a}");
        assert_eq!(a["source"], "cve", "{cve}: {a}");
    }
    let (_, after) = app
        .get(&token, "/api/v1/vulnerabilities/CVE-2019-7256")
        .await;
    assert_eq!(after["ssvc"], before["ssvc"], "{after}");
    assert_eq!(
        after["fact_sources"]["ssvc"]["source"]
            .as_str()
            .unwrap()
            .split(' ')
            .next(),
        Some("CVE-2019-7256"),
        "{after}"
    );

    // The documents covering CVE-2022-4304 are one advisory each.
    let covering: BTreeSet<String> = csaf
        .iter()
        .filter(|p| cves_of(p).contains("CVE-2022-4304"))
        .map(|p| tracking_id(p))
        .collect();
    assert!(covering.len() >= 8, "{covering:?}");
    let (s, vuln) = app
        .get(&token, "/api/v1/vulnerabilities/CVE-2022-4304")
        .await;
    assert_eq!(s, 200, "{vuln}");
    let listed: BTreeSet<String> = vuln["advisories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_owned())
        .collect();
    assert!(covering.is_subset(&listed), "{covering:?} in {listed:?}");
    for r in vuln["advisory_refs"].as_array().unwrap() {
        if r["source"] == "csaf" {
            assert_eq!(r["publisher"], "www.cisa.gov", "{r}");
        }
    }
    let (s, a) = app.get(&token, "/api/v1/advisories/ICSA-24-165-10").await;
    assert_eq!(s, 200, "{a}");
    assert_eq!(
        (a["id"].as_str(), a["publisher"].as_str()),
        (Some("ICSA-24-165-10"), Some("www.cisa.gov"))
    );
    let parts: BTreeSet<&str> = a["document_vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["vuln_ref"].as_str().unwrap())
        .collect();
    assert!(parts.contains("CVE-2022-4304") && parts.len() > 20, "{a}");

    // Re-importing the same folder changes nothing and audits nothing.
    let size = audit_size(&app).await;
    let (s, v) = import(&app, &token, "csaf.zip", zip_of(&csaf)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (
            v["advisories_created"].as_u64(),
            v["advisories_updated"].as_u64()
        ),
        (Some(0), Some(0)),
        "{v}"
    );
    assert_eq!(v["advisories_unchanged"].as_u64(), Some(created), "{v}");
    assert_eq!(
        audit_size(&app).await,
        size,
        "no audit entry for an unchanged import"
    );
}
both_backends!(
    csaf_keeps_every_publisher_and_the_cve_records,
    csaf_keeps_every_publisher_and_the_cve_records
);

async fn csaf_vex_products_map_to_packages(app: TestApp) {
    let Some(dir) = sub_dir("oasis-csaf") else {
        return;
    };
    let examples = dir.join("csaf_2.0/examples/csaf");
    let token = app.admin_token.clone();
    // BSI's example names its products by CPE, five affected, one fixed.
    let (s, v) = import(
        &app,
        &token,
        "bsi.json",
        read(&examples.join("bsi-2022-0001.json")),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["unmapped_products"], serde_json::json!([]), "{v}");
    let (s, a) = app.get(&token, "/api/v1/advisories/BSI-2022-0001").await;
    assert_eq!(s, 200, "{a}");
    assert_eq!(a["cpes"].as_array().unwrap().len(), 5, "{a}");
    assert_eq!(a["unmapped_products"], 0, "{a}");
    let (_, vuln) = app
        .get(&token, "/api/v1/vulnerabilities/CVE-2022-27193")
        .await;
    assert_eq!(vuln["machine_readable_products"], true, "{vuln}");
    // Red Hat's names its container images by text only: three products
    // per vulnerability that cannot be mapped, reported and recorded.
    let (s, v) = import(
        &app,
        &token,
        "rhsa.json",
        read(&examples.join("rhsa-2021_5186.json")),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let unmapped = v["unmapped_products"].as_array().unwrap();
    assert_eq!(unmapped.len(), 2, "{v}");
    assert!(unmapped.iter().all(|u| u["products"] == 3), "{v}");
    let (_, a) = app.get(&token, "/api/v1/advisories/RHSA-2021:5186").await;
    assert_eq!(a["unmapped_products"], 3, "{a}");
}
both_backends!(
    csaf_vex_products_map_to_packages,
    csaf_vex_products_map_to_packages
);

async fn every_kev_entry_is_a_vulnerability(app: TestApp) {
    let Some(dir) = sub_dir("kev") else {
        return;
    };
    let token = app.admin_token.clone();
    let kev = read(&dir.join("known_exploited_vulnerabilities.json"));
    let (s, v) = import(&app, &token, "kev.json", kev.clone()).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["kev_entries"], 1404, "{v}");
    let (s, log4shell) = app
        .get(&token, "/api/v1/vulnerabilities/CVE-2021-44228")
        .await;
    assert_eq!(s, 200, "{log4shell}");
    assert_eq!(log4shell["in_kev"], true);
    assert!(log4shell["kev_due_date"].is_string(), "{log4shell}");
    assert_eq!(log4shell["kev"][0]["vendor"], "Apache", "{log4shell}");
    assert_eq!(log4shell["kev"][0]["product"], "Log4j2", "{log4shell}");
    assert_eq!(log4shell["kev"][0]["known_ransomware"], true, "{log4shell}");
    assert_eq!(log4shell["machine_readable_products"], false, "{log4shell}");
    // Again: nothing changes and nothing is audited but the import itself.
    let size = audit_size(&app).await;
    let (s, v) = import(&app, &token, "kev.json", kev).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        audit_size(&app).await,
        size + 1,
        "only the kev.import entry"
    );
}
both_backends!(
    every_kev_entry_is_a_vulnerability,
    every_kev_entry_is_a_vulnerability
);

/// The KEV catalog as CSV is detected as KEV (not refused as a bad EPSS
/// file) and gives the same 1,404 entries as the JSON feed: importing the
/// JSON afterwards changes no entry (nothing audited but the import).
async fn kev_csv_imports_like_the_json_feed(app: TestApp) {
    let Some(dir) = sub_dir("kev") else {
        return;
    };
    let token = app.admin_token.clone();
    let (s, v) = import(
        &app,
        &token,
        "known_exploited_vulnerabilities.csv",
        read(&dir.join("known_exploited_vulnerabilities.csv")),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["kev_entries"], 1404, "{v}");
    let (s, log4shell) = app
        .get(&token, "/api/v1/vulnerabilities/CVE-2021-44228")
        .await;
    assert_eq!(s, 200, "{log4shell}");
    assert_eq!(log4shell["kev"][0]["product"], "Log4j2", "{log4shell}");
    assert_eq!(log4shell["kev"][0]["known_ransomware"], true, "{log4shell}");
    let size = audit_size(&app).await;
    let (s, v) = import(
        &app,
        &token,
        "kev.json",
        read(&dir.join("known_exploited_vulnerabilities.json")),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        audit_size(&app).await,
        size + 1,
        "the same entries: only the kev.import entry"
    );
}
both_backends!(
    kev_csv_imports_like_the_json_feed,
    kev_csv_imports_like_the_json_feed
);
