//! Matching by CPE over HTTP, on real records from `../shared/data` (skipped
//! with a printed line when absent, a failure with `CI=true`): CISA's
//! vulnrichment record for ImageTragick names ImageMagick by CPE, and SBOM
//! components that carry only a CPE (2.3 formatted string or 2.2 URI) are
//! exposed, whichever arrives first, with the CPE named in the reason; a full
//! re-match agrees. Log4Shell: the shared data's KEV entry and CVE record name
//! no machine-readable products, so DefectDojo's `log4j.json` gets no exposure
//! and the vulnerability page says why.

use serde_json::{Value, json};

use crate::both_backends;
use crate::exposure::{asset, import, operator, upload};
use crate::exposure_realdata::{all_exposures, read, sub_dir};
use crate::harness::TestApp;

/// A CycloneDX 1.5 SBOM of components named only by CPE: (name, version, cpe).
fn sbom_by_cpe(components: &[(&str, &str, &str)]) -> Vec<u8> {
    let comps: Vec<Value> = components
        .iter()
        .map(|(name, version, cpe)| {
            let mut c = json!({"type": "application", "name": name, "cpe": cpe});
            if !version.is_empty() {
                c["version"] = json!(version);
            }
            c
        })
        .collect();
    serde_json::to_vec(&json!({
        "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": comps
    }))
    .unwrap()
}

/// Runs the full re-match as the administrator; (new, changed, resolved).
pub async fn full_rematch(app: &TestApp) -> (u64, u64, u64) {
    use clearinghouse::auth::{Principal, Via};
    let user = clearinghouse::store::accounts::users::get_by_username(&app.app.store.pool, "admin")
        .await
        .unwrap()
        .unwrap();
    let who = Principal::new(user, Via::System);
    let c = clearinghouse::matching::rematch_all(&app.app, &who, 1)
        .await
        .unwrap();
    (c.new, c.changed, c.resolved)
}

async fn real_cve_record_matches_components_by_cpe(app: TestApp) {
    let Some(dir) = sub_dir("vulnrichment") else {
        return;
    };
    let admin = app.admin_token.clone();
    let (_, ops) = operator(&app, "Rural Hospital").await;

    // SBOM first: the advisory finds the component through its CPE key.
    let imaging = asset(&app, &ops, "imaging", true).await;
    let (s, v) = upload(
        &app,
        &ops,
        &imaging,
        sbom_by_cpe(&[
            (
                "ImageMagick",
                "6.9.3-8",
                "cpe:2.3:a:imagemagick:imagemagick:6.9.3-8:*:*:*:*:*:*:*",
            ),
            (
                "ImageMagick",
                "7.0.1-1",
                "cpe:2.3:a:imagemagick:imagemagick:7.0.1-1:*:*:*:*:*:*:*",
            ),
        ]),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = import(
        &app,
        &admin,
        "CVE-2016-3714.json",
        read(&dir.join("2016/3xxx/CVE-2016-3714.json")),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["exposures"]["new"], 1, "{v}");

    // Advisory first: a new SBOM finds it, here with a 2.2 URI and no version
    // of its own (the CPE's is used).
    let pacs = asset(&app, &ops, "pacs", false).await;
    let (s, v) = upload(
        &app,
        &ops,
        &pacs,
        sbom_by_cpe(&[("convert", "", "cpe:/a:ImageMagick:ImageMagick:6.9.3-9")]),
    )
    .await;
    assert_eq!(s, 200, "{v}");

    let found = all_exposures(&app, &ops, &[]).await;
    let mut seen: Vec<(String, String)> = found
        .iter()
        .map(|e| {
            (
                e["asset_name"].as_str().unwrap().to_owned(),
                e["vulnerability"]["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        vec![
            ("imaging".to_owned(), "CVE-2016-3714".to_owned()),
            ("pacs".to_owned(), "CVE-2016-3714".to_owned()),
        ],
        "{found:#?}"
    );
    let imaging_row = found.iter().find(|e| e["asset_name"] == "imaging").unwrap();
    assert_eq!(imaging_row["component"]["version"], "6.9.3-8");
    assert_eq!(imaging_row["decision"], "affected");
    let reason = imaging_row["reason"].as_str().unwrap();
    assert!(
        reason.contains("matched by CPE cpe:2.3:a:imagemagick:imagemagick:6.9.3-8")
            && reason.contains("CVE-2016-3714"),
        "{reason}"
    );

    // The vulnerability shows the CPE entry as an affected product.
    let (s, vuln) = app
        .get(&admin, "/api/v1/vulnerabilities/CVE-2016-3714")
        .await;
    assert_eq!(s, 200, "{vuln}");
    assert_eq!(vuln["machine_readable_products"], true, "{vuln}");
    assert!(
        vuln["affected"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["package"] == "cpe:imagemagick:imagemagick" && a["ecosystem"] == "CPE"),
        "{vuln}"
    );

    // A full re-match agrees with both incremental paths.
    assert_eq!(full_rematch(&app).await, (0, 0, 0));
    // Re-importing the same record changes nothing.
    let (s, v) = import(
        &app,
        &admin,
        "CVE-2016-3714.json",
        read(&dir.join("2016/3xxx/CVE-2016-3714.json")),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["exposures"]["new"], 0, "{v}");
}
both_backends!(
    real_cve_record_matches_components_by_cpe,
    real_cve_record_matches_components_by_cpe
);

/// Components stored before migration 0011 have no CPE key: a full re-match
/// computes it and finds what the incremental path could not.
async fn full_rematch_backfills_cpe_keys(app: TestApp) {
    let Some(dir) = sub_dir("vulnrichment") else {
        return;
    };
    let admin = app.admin_token.clone();
    let (_, ops) = operator(&app, "Water Utility").await;
    let scada = asset(&app, &ops, "scada", false).await;
    let (s, v) = upload(
        &app,
        &ops,
        &scada,
        sbom_by_cpe(&[(
            "ImageMagick",
            "6.9.3-8",
            "cpe:2.3:a:imagemagick:imagemagick:6.9.3-8:*:*:*:*:*:*:*",
        )]),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    sqlx::query("UPDATE components SET cpe_key = NULL")
        .execute(&app.app.store.pool)
        .await
        .unwrap();
    let (s, v) = import(
        &app,
        &admin,
        "CVE-2016-3714.json",
        read(&dir.join("2016/3xxx/CVE-2016-3714.json")),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        v["exposures"]["new"], 0,
        "no key, no incremental match: {v}"
    );
    assert_eq!(full_rematch(&app).await, (1, 0, 0));
    assert_eq!(all_exposures(&app, &ops, &[]).await.len(), 1);
}
both_backends!(
    full_rematch_backfills_cpe_keys,
    full_rematch_backfills_cpe_keys
);

/// Log4Shell with what the shared data has: all 1,404 KEV entries, the CVE
/// record of CVE-2021-44228 (which names `Apache Log4j2` by text, with a
/// `lessThan` of `log4j-core*`, and no CPE) and DefectDojo's `log4j.json`
/// (log4j-core 2.13.2 by purl, no CPE). No advisory states machine-readable
/// affected products, so there is no exposure, and the page says so.
async fn log4shell_with_the_real_files(app: TestApp) {
    let (Some(kev), Some(cve), Some(scans)) = (
        sub_dir("kev"),
        sub_dir("osv-dev-testdata/vulnfeeds/test_data/cvelistV5/cves/2021/44xxx"),
        sub_dir("defectdojo-scans/unittests/scans/cyclonedx"),
    ) else {
        return;
    };
    let admin = app.admin_token.clone();
    let (s, v) = import(
        &app,
        &admin,
        "kev.json",
        read(&kev.join("known_exploited_vulnerabilities.json")),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = import(
        &app,
        &admin,
        "CVE-2021-44228.json",
        read(&cve.join("CVE-2021-44228.json")),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (_, ops) = operator(&app, "County Clinic").await;
    let ehr = asset(&app, &ops, "ehr", true).await;
    let (s, v) = upload(&app, &ops, &ehr, read(&scans.join("log4j.json"))).await;
    assert_eq!(s, 200, "{v}");
    assert!(all_exposures(&app, &ops, &[]).await.is_empty());

    let (s, vuln) = app
        .get(&admin, "/api/v1/vulnerabilities/CVE-2021-44228")
        .await;
    assert_eq!(s, 200, "{vuln}");
    assert_eq!(vuln["in_kev"], true, "{vuln}");
    assert_eq!(vuln["machine_readable_products"], false, "{vuln}");
    let cookie = app.login_cookie("admin").await;
    let html = reqwest::Client::new()
        .get(app.url("/vulnerabilities/CVE-2021-44228"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("No machine-readable affected products"),
        "{html}"
    );
}
both_backends!(log4shell_with_the_real_files, log4shell_with_the_real_files);

/// NVD's record of CVE-2024-23113 (Dependency-Track's copy of the API item)
/// names FortiOS, FortiProxy, FortiPAM and FortiSwitchManager by CPE with
/// version ranges; CISA's vulnrichment record of the same CVE joins it as a
/// second advisory of one vulnerability. Components carrying those CPEs are
/// exposed inside the ranges and not outside them.
async fn nvd_configurations_match_by_cpe(app: TestApp) {
    let (Some(nvd), Some(rich)) = (
        sub_dir("dependency-track-testdata/vuln-data-source/nvd/src/test/resources"),
        sub_dir("vulnrichment/2024/23xxx"),
    ) else {
        return;
    };
    let admin = app.admin_token.clone();
    let (s, v) = import(
        &app,
        &admin,
        "cve-2024-23113.json",
        read(&nvd.join("cve-2024-23113.json")),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["format"], "nvd", "{v}");
    let (s, v) = import(
        &app,
        &admin,
        "CVE-2024-23113.json",
        read(&rich.join("CVE-2024-23113.json")),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (_, ops) = operator(&app, "Power Coop").await;
    let edge = asset(&app, &ops, "edge", true).await;
    let (s, v) = upload(
        &app,
        &ops,
        &edge,
        sbom_by_cpe(&[
            (
                "FortiOS",
                "7.2.5",
                "cpe:2.3:o:fortinet:fortios:7.2.5:*:*:*:*:*:*:*",
            ),
            (
                "FortiOS",
                "7.2.7",
                "cpe:2.3:o:fortinet:fortios:7.2.7:*:*:*:*:*:*:*",
            ),
            (
                "FortiPAM",
                "1.2.0",
                "cpe:2.3:o:fortinet:fortipam:1.2.0:*:*:*:*:*:*:*",
            ),
            (
                "FortiPAM",
                "1.3.0",
                "cpe:2.3:o:fortinet:fortipam:1.3.0:*:*:*:*:*:*:*",
            ),
        ]),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let found = all_exposures(&app, &ops, &[]).await;
    let mut hit: Vec<String> = found
        .iter()
        .filter(|e| e["decision"] == "affected")
        .map(|e| {
            format!(
                "{} {}",
                e["component"]["name"].as_str().unwrap(),
                e["component"]["version"].as_str().unwrap()
            )
        })
        .collect();
    hit.sort();
    assert_eq!(hit, vec!["FortiOS 7.2.5", "FortiPAM 1.2.0"], "{found:#?}");
    assert!(
        found
            .iter()
            .all(|e| e["vulnerability"]["id"] == "CVE-2024-23113"),
        "{found:#?}"
    );
    let (s, a) = app.get(&admin, "/api/v1/advisories/CVE-2024-23113").await;
    assert_eq!(s, 200, "{a}");
    assert_eq!(full_rematch(&app).await, (0, 0, 0));
}
both_backends!(
    nvd_configurations_match_by_cpe,
    nvd_configurations_match_by_cpe
);
