//! Exposure against real scanner output and real feeds packed as a zip:
//! osv-scanner's own results reproduced, and a zip of real OSV records with
//! one broken entry. Shares the data helpers of `exposure_realdata.rs`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;

use clearinghouse_domain::advisory;
use serde_json::{Value, json};

use crate::both_backends;
use crate::exposure::{asset, import, operator, upload};
use crate::exposure_realdata::{DATA, advisories_of, all_exposures, files, read, sub_dir};
use crate::harness::TestApp;

/// osv-scanner JSON results: each source's package list becomes an asset's
/// SBOM, the OSV records embedded in the results are imported, and the
/// service must find exactly the vulnerabilities osv-scanner reported for
/// each package, grouped as osv-scanner grouped them.
const SCANS: &[&str] = &[
    "osv-scanner-testdata/pkg/osvscanner/testdata/filter/all/input.json",
    // A real osv-scanner run over five projects, kept by DefectDojo.
    "defectdojo-scans/unittests/scans/osv_scanner/many_findings.json",
];

/// The purl type of an OSV ecosystem these scans use.
fn purl_type(ecosystem: &str) -> Option<&'static str> {
    Some(match ecosystem {
        "PyPI" => "pypi",
        "crates.io" => "cargo",
        "Go" => "golang",
        "Packagist" => "composer",
        "npm" => "npm",
        _ => return None,
    })
}

/// One scanned source: its components (name, version, purl) and, per
/// `name@version`, the groups of vulnerability ids osv-scanner reported.
struct Scanned {
    components: Vec<(String, String, String)>,
    expected: BTreeSet<(String, BTreeSet<String>)>,
}

async fn osv_scanner_results_are_reproduced(app: TestApp) {
    let mut records: BTreeMap<String, Value> = BTreeMap::new();
    let mut sources = Vec::new();
    let mut skipped = 0;
    for scan in SCANS {
        let path = Path::new(DATA).join(scan);
        if sub_dir(
            path.parent()
                .unwrap()
                .strip_prefix(DATA)
                .unwrap()
                .to_str()
                .unwrap(),
        )
        .is_none()
        {
            return;
        }
        let doc: Value = serde_json::from_slice(&read(&path)).unwrap();
        for r in doc["results"].as_array().unwrap() {
            let mut s = Scanned {
                components: vec![],
                expected: BTreeSet::new(),
            };
            for p in r["packages"].as_array().unwrap() {
                let pkg = &p["package"];
                let (name, version) = (
                    pkg["name"].as_str().unwrap_or_default(),
                    pkg["version"].as_str().unwrap_or_default(),
                );
                let Some(ty) = purl_type(pkg["ecosystem"].as_str().unwrap_or_default()) else {
                    skipped += 1; // a git commit, not a package
                    continue;
                };
                s.components.push((
                    name.into(),
                    version.into(),
                    format!("pkg:{ty}/{name}@{version}"),
                ));
                let mut reported = BTreeSet::new();
                for v in p["vulnerabilities"].as_array().into_iter().flatten() {
                    let id = v["id"].as_str().unwrap().to_owned();
                    if let Some(earlier) = records.get(&id) {
                        assert_eq!(earlier, v, "{id} differs between packages");
                    }
                    records.insert(id.clone(), v.clone());
                    reported.insert(id);
                }
                for g in p["groups"].as_array().into_iter().flatten() {
                    let ids: BTreeSet<String> = g["ids"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|i| i.as_str().unwrap().to_owned())
                        .filter(|i| reported.contains(i))
                        .collect();
                    if !ids.is_empty() {
                        s.expected.insert((format!("{name}@{version}"), ids));
                    }
                }
            }
            if !s.components.is_empty() {
                sources.push(s);
            }
        }
    }
    let admin = app.admin_token.clone();
    let (_, ops) = operator(&app, "Rural Hospital").await;
    for (id, v) in &records {
        let (s, r) = import(
            &app,
            &admin,
            &format!("{id}.json"),
            serde_json::to_vec(v).unwrap(),
        )
        .await;
        assert_eq!(s, 200, "{id}: {r}");
        assert_eq!(r["advisories_created"], 1, "{id}: {r}");
    }
    let ids: BTreeSet<&String> = records.keys().collect();
    let mut total = 0;
    for (i, s) in sources.iter().enumerate() {
        let comps: Vec<Value> = s
            .components
            .iter()
            .map(|(n, v, p)| json!({"type": "library", "name": n, "version": v, "purl": p}))
            .collect();
        let sbom = json!({"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": comps});
        let id = asset(&app, &ops, &format!("scanned-{i}"), false).await;
        let (st, v) = upload(&app, &ops, &id, serde_json::to_vec(&sbom).unwrap()).await;
        assert_eq!(st, 200, "{v}");
        let mut actual = BTreeSet::new();
        for e in all_exposures(&app, &ops, &[("asset", &id)]).await {
            assert_eq!(e["decision"], "affected", "osv-scanner says affected: {e}");
            let vuln = &e["vulnerability"];
            let group: BTreeSet<String> = std::iter::once(&vuln["id"])
                .chain(vuln["aliases"].as_array().unwrap())
                .map(|x| x.as_str().unwrap().to_owned())
                .filter(|x| ids.contains(x))
                .collect();
            let c = &e["component"];
            actual.insert((
                format!(
                    "{}@{}",
                    c["name"].as_str().unwrap(),
                    c["version"].as_str().unwrap()
                ),
                group,
            ));
        }
        let missing: Vec<_> = s.expected.difference(&actual).collect();
        let extra: Vec<_> = actual.difference(&s.expected).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "source {i}: only osv-scanner: {missing:?}\nonly the service: {extra:?}"
        );
        assert_eq!(v["exposures"]["new"], s.expected.len(), "{v}");
        total += s.expected.len();
    }
    println!(
        "{:?}: {} OSV records, {} sources, {total} exposures as osv-scanner grouped them; {skipped} git-only packages skipped",
        app.db,
        records.len(),
        sources.len()
    );
}

both_backends!(
    osv_scanner_results_are_reproduced,
    osv_scanner_results_are_reproduced
);

// ---------------------------------------------------------------------------
// d. A zip of real OSV records
// ---------------------------------------------------------------------------

async fn a_zip_of_real_osv_records_reports_its_broken_entry(app: TestApp) {
    let (Some(rustsec), Some(go)) = (
        sub_dir("rustsec-advisory-db/osv-branch/crates"),
        sub_dir("golang-vulndb/data/osv"),
    ) else {
        return;
    };
    // The first 25 records of each, in name order.
    let mut picked = Vec::new();
    for (dir, prefix) in [(&rustsec, "rustsec"), (&go, "go")] {
        let mut paths = Vec::new();
        files(dir, &[".json"], &mut paths);
        for p in paths.into_iter().take(25) {
            let name = format!("{prefix}/{}", p.file_name().unwrap().to_string_lossy());
            picked.push((name, read(&p)));
        }
    }
    let good: BTreeSet<String> = picked
        .iter()
        .flat_map(|(n, b)| advisories_of(n, b))
        .map(|a| a.id)
        .collect();
    assert_eq!(good.len(), 50, "50 distinct records");
    // A record cut in half, as a failed download would leave it.
    let (_, whole) = &picked[30];
    let broken_name = "go/broken/GO-TRUNCATED.json";
    let broken = whole[..whole.len() / 2].to_vec();
    assert!(advisory::parse_document(broken_name, &broken).is_err());

    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    zip.add_directory("go/", options).unwrap();
    zip.start_file("README.md", options).unwrap();
    zip.write_all(b"# not a record: skipped").unwrap();
    for (name, bytes) in picked.iter().take(40) {
        zip.start_file(name.as_str(), options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.start_file(broken_name, options).unwrap();
    zip.write_all(&broken).unwrap();
    for (name, bytes) in picked.iter().skip(40) {
        zip.start_file(name.as_str(), options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();

    let admin = app.admin_token.clone();
    let (s, v) = import(&app, &admin, "records.zip", bytes.clone()).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["format"], "zip");
    assert_eq!(v["advisories_created"], 50, "{v}");
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{v}");
    assert_eq!(errors[0]["item"], broken_name);
    assert!(!errors[0]["message"].as_str().unwrap().is_empty(), "{v}");
    for id in &good {
        let (s, a) = app.get(&admin, &format!("/api/v1/advisories/{id}")).await;
        assert_eq!(s, 200, "{id}: {a}");
    }
    let (s, v) = import(&app, &admin, "records.zip", bytes).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["advisories_unchanged"], 50, "{v}");
    assert_eq!(v["errors"].as_array().unwrap().len(), 1, "{v}");
    println!(
        "{:?}: zip of 50 records and 1 broken entry: {}",
        app.db, errors[0]
    );
}

both_backends!(
    a_zip_of_real_osv_records_reports_its_broken_entry,
    a_zip_of_real_osv_records_reports_its_broken_entry
);
