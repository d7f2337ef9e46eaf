//! The exposure service over HTTP against real data from `../shared/data`
//! (skipped with a printed `SKIPPED:` line when it is absent, a failure with
//! `CI=true`): every real SBOM the domain reads uploads with the same
//! component count and every one it rejects is a 422 that stores nothing;
//! real PyPA, GHSA, CVE and KEV records give exactly the exposures the
//! domain's own `versions::decide` computes, grouped by alias. The data
//! helpers here are shared with `exposure_scanner.rs` (osv-scanner's own
//! results, a zip of real records).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use clearinghouse_domain::advisory::{self, Advisory, Document};
use clearinghouse_domain::purl::Purl;
use clearinghouse_domain::sbom;
use clearinghouse_domain::versions::{self, Decision};
use serde_json::{Value, json};

use crate::both_backends;
use crate::exposure::{asset, import, operator, upload};
use crate::harness::TestApp;

pub use crate::harness::real_data::{DATA, files, sub_dir};

/// A feed file to import: its name and bytes.
pub type Feed = (String, Vec<u8>);

pub fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn rel(path: &Path) -> String {
    path.strip_prefix(DATA)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Every exposure the filter selects, following `next_cursor`.
pub async fn all_exposures(app: &TestApp, token: &str, params: &[(&str, &str)]) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        query.push("limit=500".into());
        if let Some(c) = &cursor {
            query.push(format!("cursor={c}"));
        }
        let (s, v) = app
            .get(token, &format!("/api/v1/exposures?{}", query.join("&")))
            .await;
        assert_eq!(s, 200, "{v}");
        out.extend(v["items"].as_array().unwrap().iter().cloned());
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
}

// ---------------------------------------------------------------------------
// a. Real SBOMs
// ---------------------------------------------------------------------------

/// Conformance BOMs that are invalid only for a licence id not on the SPDX
/// list, which the reader does not check (see `domain/src/sbom/data_tests.rs`).
const LICENCE_ID_ONLY: &[&str] = &[
    "invalid-license-id-1.6.json",
    "invalid-metadata-license-1.6.json",
    "invalid-license-id-1.7.json",
    "invalid-metadata-license-1.7.json",
];

/// Whether a file names itself CycloneDX or SPDX (any version), by a quick
/// look independent of the parser.
fn looks_like_sbom(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    [
        "\"bomFormat\"",
        "\"spdxVersion\"",
        "cyclonedx.org/schema/bom",
        "SPDXVersion:",
        "spdx.org/rdf/3",
    ]
    .iter()
    .any(|m| text.contains(m))
}

/// The real SBOM files in sorted order, and which of them are conformance
/// BOMs that must be rejected.
fn sbom_corpus() -> Option<Vec<(PathBuf, bool)>> {
    let mut out = Vec::new();
    for d in [
        "cyclonedx-bom-examples",
        "spdx-examples",
        "dependency-track-testdata",
        "osv-scanner-testdata",
    ] {
        let dir = sub_dir(d)?;
        let mut paths = Vec::new();
        files(&dir, &[".json", ".xml", ".spdx"], &mut paths);
        out.extend(
            paths
                .into_iter()
                .filter(|p| looks_like_sbom(&read(p)))
                .map(|p| (p, false)),
        );
    }
    for v in ["1.6", "1.7"] {
        let dir = sub_dir(&format!("cyclonedx-spec/tools/src/test/resources/{v}"))?;
        let mut paths = Vec::new();
        files(&dir, &[".json", ".xml"], &mut paths);
        out.extend(
            paths
                .into_iter()
                .filter(|p| {
                    let name = p.file_name().unwrap().to_string_lossy();
                    name.starts_with("invalid-") && !LICENCE_ID_ONLY.contains(&name.as_ref())
                })
                .map(|p| (p, true)),
        );
    }
    Some(out)
}

async fn real_sboms_upload_as_the_domain_reads_them(app: TestApp) {
    let Some(corpus) = sbom_corpus() else {
        return;
    };
    let (_, ops) = operator(&app, "Rural Hospital").await;
    let (mut accepted, mut rejected, mut components) = (0, 0, 0usize);
    let mut kept: Option<(String, Value)> = None;
    let mut bad_bytes: Option<Vec<u8>> = None;
    for (i, (path, must_fail)) in corpus.iter().enumerate() {
        let name = rel(path);
        let bytes = read(path);
        let id = asset(&app, &ops, &format!("sbom-{i}"), false).await;
        let local = sbom::parse(&bytes);
        let (s, v) = upload(&app, &ops, &id, bytes.clone()).await;
        match local {
            Ok(inv) => {
                assert!(
                    !must_fail,
                    "{name}: an invalid conformance BOM was accepted"
                );
                assert_eq!(s, 200, "{name}: {v}");
                assert_eq!(
                    v["sbom"]["component_count"],
                    inv.components.len(),
                    "{name}: {v}"
                );
                assert_eq!(v["sbom"]["format"], inv.format.as_str(), "{name}");
                assert_eq!(v["sbom"]["spec_version"], inv.spec_version, "{name}");
                assert_eq!(v["asset"]["sbom"]["id"], v["sbom"]["id"], "{name}");
                accepted += 1;
                components += inv.components.len();
                if kept.is_none() && !inv.components.is_empty() {
                    kept = Some((id, v["sbom"].clone()));
                }
            }
            Err(e) => {
                assert_eq!(s, 422, "{name}: the domain says {e}, the API {v}");
                // A syntax error's place (line and column) is in the
                // message, not the field.
                let field = match (&e, e.field()) {
                    (clearinghouse_domain::sbom::SbomError::Syntax { .. }, _) | (_, None) => {
                        "sbom".to_owned()
                    }
                    (_, Some(f)) => format!("sbom.{f}"),
                };
                assert_eq!(v["field"], field.as_str(), "{name}: {v}");
                assert!(
                    !v["detail"].as_str().unwrap_or_default().is_empty(),
                    "{name}: {v}"
                );
                let (_, a) = app.get(&ops, &format!("/api/v1/assets/{id}")).await;
                assert!(a["sbom"].is_null(), "{name}: half-stored: {a}");
                rejected += 1;
                bad_bytes.get_or_insert(bytes);
            }
        }
    }
    println!(
        "{:?}: {} files, {accepted} accepted ({components} components), {rejected} rejected",
        app.db,
        corpus.len()
    );
    // Counted on this data: 171 files name themselves CycloneDX or SPDX, and
    // 50 conformance BOMs are invalid beyond their licence ids; the 23 real
    // CycloneDX 1.2 and 1.3 BOMs (laravel, keycloak, juice-shop, dropwizard,
    // ...) are read since 1.2 and 1.3 are supported, and the 26 SPDX 3.0
    // JSON-LD documents (of 27 files naming the SPDX 3 context: the
    // spdx-examples and one DefectDojo fixture) since SPDX 3 is.
    assert_eq!((accepted, rejected), (162, 59));

    // A rejected upload over an existing inventory leaves it as it was.
    let (id, before) = kept.unwrap();
    let (s, _) = upload(&app, &ops, &id, bad_bytes.unwrap()).await;
    assert_eq!(s, 422);
    let (_, a) = app.get(&ops, &format!("/api/v1/assets/{id}")).await;
    assert_eq!(a["sbom"], before, "the earlier SBOM stays the inventory");
}

both_backends!(
    real_sboms_upload_as_the_domain_reads_them,
    real_sboms_upload_as_the_domain_reads_them
);

// ---------------------------------------------------------------------------
// Expected exposures, computed with the domain alone
// ---------------------------------------------------------------------------

/// The advisories of a feed document (OSV, CVE JSON 5, CSAF); none for KEV or EPSS.
pub fn advisories_of(name: &str, bytes: &[u8]) -> Vec<Advisory> {
    match advisory::parse_document(name, bytes) {
        Ok(Document::Osv(a) | Document::Cve(a)) => vec![a],
        Ok(Document::Csaf(list) | Document::Nvd(list)) => list,
        Ok(Document::Kev(_) | Document::Epss(_)) => vec![],
        Err(e) => panic!("{name}: the domain rejects a real record: {e}"),
    }
}

/// Alias groups as documented: ids linked through `aliases` form one
/// vulnerability, known by its lowest CVE id, else its lowest id. Maps every
/// id (advisory ids and aliases) to its group's id.
pub fn alias_groups(records: &[Advisory]) -> HashMap<String, String> {
    let mut links: HashMap<&str, Vec<&str>> = HashMap::new();
    for a in records {
        links.entry(&a.id).or_default();
        for alias in &a.aliases {
            links.entry(&a.id).or_default().push(alias);
            links.entry(alias).or_default().push(&a.id);
        }
    }
    let mut group_of = HashMap::new();
    let mut starts: Vec<&str> = links.keys().copied().collect();
    starts.sort_unstable();
    for start in starts {
        if group_of.contains_key(start) {
            continue;
        }
        let mut members = BTreeSet::new();
        let mut todo = vec![start];
        while let Some(id) = todo.pop() {
            if members.insert(id) {
                todo.extend(links[id].iter().copied());
            }
        }
        let gid = members
            .iter()
            .find(|i| i.starts_with("CVE-"))
            .or_else(|| members.iter().next())
            .map(|s| (*s).to_owned())
            .unwrap();
        for m in members {
            group_of.insert(m.to_owned(), gid.clone());
        }
    }
    group_of
}

/// (component name, vulnerability id) → decision, for PyPI components,
/// through `versions::decide` over every affected entry of the package;
/// withdrawn records do not count, and "affected" wins over "cannot_decide".
pub fn expected_exposures(
    records: &[Advisory],
    groups: &HashMap<String, String>,
    components: &[(&str, &str)],
) -> BTreeMap<(String, String), &'static str> {
    let mut out = BTreeMap::new();
    for (name, version) in components {
        let key = Purl::parse(&format!("pkg:pypi/{name}@{version}"))
            .unwrap()
            .id
            .key();
        for a in records.iter().filter(|a| a.withdrawn.is_none()) {
            for af in a.affected.iter().filter(|af| af.package.key() == key) {
                let decision = match versions::decide(
                    af.ecosystem,
                    version,
                    &af.ranges,
                    &af.versions,
                )
                .decision
                {
                    Decision::NotAffected => continue,
                    Decision::Affected => "affected",
                    Decision::CannotDecide => "cannot_decide",
                };
                let slot = out
                    .entry(((*name).to_owned(), groups[&a.id].clone()))
                    .or_insert(decision);
                if decision == "affected" {
                    *slot = decision;
                }
            }
        }
    }
    out
}

/// (component name, vulnerability id) → decision, as the API lists them.
async fn actual_exposures(
    app: &TestApp,
    token: &str,
    asset_id: &str,
) -> BTreeMap<(String, String), String> {
    let mut out = BTreeMap::new();
    for e in all_exposures(app, token, &[("asset", asset_id), ("state", "all")]).await {
        let key = (
            e["component"]["name"].as_str().unwrap().to_owned(),
            e["vulnerability"]["id"].as_str().unwrap().to_owned(),
        );
        let decision = e["decision"].as_str().unwrap().to_owned();
        assert!(out.insert(key, decision).is_none(), "listed twice: {e}");
    }
    out
}

fn assert_same<K: Ord + std::fmt::Debug, V: PartialEq + std::fmt::Debug>(
    what: &str,
    actual: &BTreeMap<K, V>,
    expected: &BTreeMap<K, V>,
) {
    let extra: Vec<_> = actual
        .iter()
        .filter(|(k, v)| expected.get(k) != Some(v))
        .collect();
    let missing: Vec<_> = expected
        .iter()
        .filter(|(k, v)| actual.get(k) != Some(v))
        .collect();
    assert!(
        extra.is_empty() && missing.is_empty(),
        "{what}: the API has {} exposures, the domain computes {}\nonly in the API: {extra:?}\nonly in the domain: {missing:?}",
        actual.len(),
        expected.len()
    );
}

// ---------------------------------------------------------------------------
// b. Real PyPI advisories, CVE records and KEV
// ---------------------------------------------------------------------------

/// Old versions of packages with PyPA advisories; salt brings three
/// KEV-listed CVEs (CVE-2020-11651, -11652, -16846).
const PYPI: &[(&str, &str)] = &[
    ("paramiko", "2.4.0"),
    ("django", "3.2.0"),
    ("jinja2", "2.10"),
    ("requests", "2.19.0"),
    ("urllib3", "1.24.1"),
    ("salt", "3000.1"),
];

/// The feeds to import, as (file name, bytes): every PyPA record of the
/// packages, the GHSA records osv-scanner reported for them (from a real
/// scan in DefectDojo's fixtures), and CISA's vulnrichment CVE records of
/// their CVEs; then the KEV catalog.
fn pypi_feeds() -> Option<(Vec<Feed>, Vec<u8>)> {
    let pypa = sub_dir("pypa-advisory-db/vulns")?;
    let scan = sub_dir("defectdojo-scans/unittests/scans/osv_scanner")?;
    let vulnrichment = sub_dir("vulnrichment")?;
    let kev = sub_dir("kev")?;
    let mut feeds = Vec::new();
    for (name, _) in PYPI {
        let mut paths = Vec::new();
        files(&pypa.join(name), &[".yaml"], &mut paths);
        assert!(!paths.is_empty(), "no PyPA records for {name}");
        for p in paths {
            feeds.push((
                p.file_name().unwrap().to_string_lossy().into_owned(),
                read(&p),
            ));
        }
    }
    let results: Value = serde_json::from_slice(&read(&scan.join("many_findings.json"))).unwrap();
    let mut ghsa = BTreeMap::new();
    for r in results["results"].as_array().unwrap() {
        for p in r["packages"].as_array().unwrap() {
            let pkg = &p["package"];
            if pkg["ecosystem"] != "PyPI" || !PYPI.iter().any(|(n, _)| pkg["name"] == *n) {
                continue;
            }
            for v in p["vulnerabilities"].as_array().into_iter().flatten() {
                let id = v["id"].as_str().unwrap();
                if id.starts_with("GHSA-") {
                    ghsa.entry(id.to_owned()).or_insert_with(|| v.clone());
                }
            }
        }
    }
    for (id, v) in ghsa {
        feeds.push((format!("{id}.json"), serde_json::to_vec(&v).unwrap()));
    }
    let cves: BTreeSet<String> = feeds
        .iter()
        .flat_map(|(n, b)| advisories_of(n, b))
        .flat_map(|a| std::iter::once(a.id).chain(a.aliases))
        .filter(|i| i.starts_with("CVE-"))
        .collect();
    for cve in cves {
        let mut parts = cve.split('-').skip(1);
        let (year, number) = (parts.next().unwrap(), parts.next().unwrap());
        let thousands = number.parse::<u64>().unwrap() / 1000;
        let path = vulnrichment.join(format!("{year}/{thousands}xxx/{cve}.json"));
        if path.is_file() {
            feeds.push((format!("{cve}.json"), read(&path)));
        }
    }
    Some((
        feeds,
        read(&kev.join("known_exploited_vulnerabilities.json")),
    ))
}

async fn real_pypi_advisories_match_as_the_domain_decides(app: TestApp) {
    let Some((feeds, kev)) = pypi_feeds() else {
        return;
    };
    let admin = app.admin_token.clone();
    let (_, ops) = operator(&app, "Rural Hospital").await;
    let records: Vec<Advisory> = feeds
        .iter()
        .flat_map(|(n, b)| advisories_of(n, b))
        .collect();
    let groups = alias_groups(&records);
    let expected = expected_exposures(&records, &groups, PYPI);
    let kev_cves: BTreeSet<String> = match advisory::parse_document("kev.json", &kev).unwrap() {
        Document::Kev(k) => k.entries.iter().map(|e| e.cve_id.clone()).collect(),
        _ => panic!("not KEV"),
    };
    // A vulnerability is KEV-listed when a CVE of its group is.
    let listed: BTreeSet<&String> = groups
        .iter()
        .filter(|(id, _)| kev_cves.contains(*id))
        .map(|(_, g)| g)
        .collect();

    // The SBOM first: the advisories find it.
    let early = asset(&app, &ops, "early", true).await;
    let (s, v) = upload(&app, &ops, &early, crate::exposure::cyclonedx(PYPI)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["exposures"]["new"], 0);
    let mut new = 0;
    for (name, bytes) in &feeds {
        let (s, v) = import(&app, &admin, name, bytes.clone()).await;
        assert_eq!(s, 200, "{name}: {v}");
        assert_eq!(v["advisories_created"], 1, "{name}: {v}");
        assert_eq!(v["errors"], json!([]), "{name}");
        new += v["exposures"]["new"].as_u64().unwrap();
    }
    assert_eq!(new, expected.len() as u64, "new exposures over the imports");
    let (s, v) = import(
        &app,
        &admin,
        "known_exploited_vulnerabilities.json",
        kev.clone(),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["format"], "kev");
    assert_eq!(v["kev_entries"], kev_cves.len());
    let kev_exposed = expected.keys().filter(|(_, g)| listed.contains(g)).count();
    assert!(kev_exposed > 0);
    assert_eq!(
        v["exposures"]["changed"], kev_exposed,
        "KEV raises these: {v}"
    );

    // The advisories first: the SBOM finds them.
    let late = asset(&app, &ops, "late", true).await;
    let (s, v) = upload(&app, &ops, &late, crate::exposure::cyclonedx(PYPI)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["exposures"]["new"], expected.len());
    let expected_text: BTreeMap<(String, String), String> = expected
        .iter()
        .map(|(k, d)| (k.clone(), (*d).to_owned()))
        .collect();
    for id in [&early, &late] {
        assert_same(
            "exposures",
            &actual_exposures(&app, &ops, id).await,
            &expected_text,
        );
    }
    for e in all_exposures(&app, &ops, &[("asset", &late)]).await {
        let id = e["vulnerability"]["id"].as_str().unwrap().to_owned();
        assert_eq!(e["priority"]["in_kev"], listed.contains(&id), "{e}");
    }

    // Small pages give the same list, in the same order, each item once.
    let whole = all_exposures(&app, &ops, &[("state", "all")]).await;
    let mut paged = Vec::new();
    let mut cursor = String::new();
    loop {
        let (s, v) = app
            .get(
                &ops,
                &format!("/api/v1/exposures?state=all&limit=7&cursor={cursor}"),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        paged.extend(
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].clone()),
        );
        match v["next_cursor"].as_str() {
            Some(c) => cursor = c.to_owned(),
            None => break,
        }
    }
    let whole_ids: Vec<Value> = whole.iter().map(|e| e["id"].clone()).collect();
    assert_eq!(paged, whole_ids, "pages of 7 against one page");
    assert_eq!(whole.len(), 2 * expected.len());

    // Any id of a group finds its exposures.
    for a in records.iter().filter(|a| a.id.starts_with("GHSA-")) {
        let gid = &groups[&a.id];
        let by_group = all_exposures(&app, &ops, &[("vulnerability", gid), ("asset", &late)]).await;
        let by_ghsa =
            all_exposures(&app, &ops, &[("vulnerability", &a.id), ("asset", &late)]).await;
        let wanted = expected.keys().filter(|(_, g)| g == gid).count();
        assert_eq!(by_group.len(), wanted, "{gid}");
        assert_eq!(by_ghsa, by_group, "{} is an alias of {gid}", a.id);
    }

    // Grouping: every record's vulnerability is its alias group.
    let mut server_groups: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for a in &records {
        let (s, v) = app
            .get(&ops, &format!("/api/v1/vulnerabilities/{}", a.id))
            .await;
        assert_eq!(s, 200, "{}: {v}", a.id);
        assert_eq!(v["id"], groups[&a.id].as_str(), "{}: {v}", a.id);
        // The KEV entry of a CVE is an advisory of its own publisher in
        // the group; the grouping checked here is the records'.
        let advisories: BTreeSet<String> = v["advisory_refs"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["source"] != "kev")
            .map(|x| x["id"].as_str().unwrap().to_owned())
            .collect();
        assert!(advisories.contains(&a.id), "{v}");
        server_groups.insert(groups[&a.id].clone(), advisories);
    }
    let mut local_groups: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for a in &records {
        local_groups
            .entry(groups[&a.id].clone())
            .or_default()
            .insert(a.id.clone());
    }
    assert_eq!(server_groups, local_groups);
    let merged = local_groups.values().filter(|m| m.len() > 1).count();
    let ghsa_pysec = local_groups
        .values()
        .filter(|m| {
            m.iter().any(|i| i.starts_with("GHSA-")) && m.iter().any(|i| i.starts_with("PYSEC-"))
        })
        .count();
    let undecided = expected.values().filter(|d| **d == "cannot_decide").count();
    println!(
        "{:?}: {} records ({} files) in {} vulnerabilities, {merged} merged ({ghsa_pysec} PYSEC+GHSA); \
         {} exposures ({undecided} cannot_decide, {kev_exposed} KEV-listed)",
        app.db,
        records.len(),
        feeds.len(),
        local_groups.len(),
        expected.len(),
    );
    for (name, _) in PYPI {
        let n = expected.keys().filter(|(c, _)| c == name).count();
        println!("  {name}: {n}");
    }
    assert!(ghsa_pysec > 0, "some PYSEC and GHSA records share a CVE");
    assert!(local_groups.len() < records.len());

    // Upgrading: what the newer versions no longer have is resolved, the rest stays.
    const NEWER: &[(&str, &str)] = &[
        ("paramiko", "3.4.0"),
        ("django", "4.2.10"),
        ("jinja2", "3.1.2"),
        ("requests", "2.31.0"),
        ("urllib3", "2.0.6"),
        ("salt", "3006.0"),
    ];
    let newer = expected_exposures(&records, &groups, NEWER);
    let by_vuln = |m: &BTreeMap<(String, String), &str>| -> BTreeSet<(String, String)> {
        m.keys().cloned().collect()
    };
    let (old_set, new_set) = (by_vuln(&expected), by_vuln(&newer));
    // A component is keyed by package and version, so every old one is gone.
    let (s, v) = upload(&app, &ops, &early, crate::exposure::cyclonedx(NEWER)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["exposures"]["resolved"], old_set.len(), "{v}");
    assert_eq!(v["exposures"]["new"], new_set.len(), "{v}");
    assert_eq!(v["exposures"]["open"], new_set.len(), "{v}");
    let active: BTreeSet<(String, String)> = all_exposures(&app, &ops, &[("asset", &early)])
        .await
        .iter()
        .map(|e| {
            (
                e["component"]["name"].as_str().unwrap().to_owned(),
                e["vulnerability"]["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(active, new_set);
    let patched = all_exposures(&app, &ops, &[("asset", &early), ("state", "patched")]).await;
    assert_eq!(patched.len(), old_set.len());
    println!(
        "  upgraded: {} resolved, {} remain on newer versions",
        old_set.len(),
        new_set.len()
    );

    // Re-import: nothing new, nothing changed.
    for (name, bytes) in &feeds {
        let (s, v) = import(&app, &admin, name, bytes.clone()).await;
        assert_eq!(s, 200, "{name}: {v}");
        assert_eq!(
            (
                &v["advisories_created"],
                &v["advisories_updated"],
                &v["advisories_unchanged"]
            ),
            (&json!(0), &json!(0), &json!(1)),
            "{name}: {v}"
        );
        assert_eq!(v["exposures"]["new"], 0, "{name}: {v}");
        assert_eq!(v["exposures"]["changed"], 0, "{name}: {v}");
    }
    let (_, v) = import(&app, &admin, "known_exploited_vulnerabilities.json", kev).await;
    for count in ["new", "changed", "resolved"] {
        assert_eq!(v["exposures"][count], 0, "{v}");
    }
    assert_same(
        "after re-import",
        &actual_exposures(&app, &ops, &late).await,
        &expected_text,
    );
    assert_eq!(
        all_exposures(&app, &ops, &[("asset", &early)]).await.len(),
        new_set.len()
    );
}

both_backends!(
    real_pypi_advisories_match_as_the_domain_decides,
    real_pypi_advisories_match_as_the_domain_decides
);
