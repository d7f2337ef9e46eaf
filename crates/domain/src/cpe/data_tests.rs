//! CPEs in `../shared/data` (skipped when absent, required in CI): every CPE that
//! CISA's vulnrichment records, CycloneDX and SPDX SBOMs and NVD records carry
//! parses; the real records' CPE entries become the ranges they state; counts are
//! pinned.

use std::path::Path;

use serde_json::Value;

use super::Cpe;
use super::ranges::{Configuration, from_configurations};
use crate::advisory::parse_cve5;
use crate::test_data::{files, json_files, sub_dir};
use crate::versions::OsvEvent;

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every string member of `cpes` arrays and value of `cpe` / `criteria` keys.
fn collect(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                match (k.as_str(), v) {
                    ("cpe" | "criteria" | "cpe23Uri", Value::String(s)) => out.push(s.clone()),
                    ("cpes", Value::Array(a)) => {
                        out.extend(a.iter().filter_map(|s| s.as_str().map(str::to_owned)));
                    }
                    _ => collect(v, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| collect(v, out)),
        _ => {}
    }
}

#[test]
fn every_real_cpe_parses_and_round_trips() {
    let Some(root) = sub_dir("") else { return };
    let mut paths = Vec::new();
    for d in [
        "vulnrichment",
        "osv-dev-testdata/vulnfeeds/test_data",
        "cyclonedx-bom-examples",
        "spdx-examples",
        "dependency-track-testdata",
    ] {
        json_files(&root.join(d), &mut paths);
    }
    let mut xml = Vec::new();
    files(&root.join("cyclonedx-bom-examples"), "xml", &mut xml);
    let mut all = Vec::new();
    for p in &paths {
        let Ok(v) = serde_json::from_slice::<Value>(&read(p)) else {
            continue;
        };
        collect(&v, &mut all);
    }
    for p in &xml {
        let text = String::from_utf8_lossy(&read(p)).into_owned();
        for piece in text.split("<cpe>").skip(1) {
            if let Some(end) = piece.find("</cpe>") {
                all.push(piece[..end].to_owned());
            }
        }
    }
    let cpes: Vec<&String> = all.iter().filter(|s| s.starts_with("cpe:")).collect();
    assert!(cpes.len() > 9_000, "{} CPEs", cpes.len());
    let mut refused = Vec::new();
    for s in &cpes {
        match Cpe::parse(s) {
            Ok(c) => {
                let again = Cpe::parse(&c.to_string()).unwrap();
                assert_eq!(again, c, "{s}");
            }
            Err(e) => refused.push(format!("{s}: {e}")),
        }
    }
    assert!(refused.is_empty(), "{refused:#?}");
}

#[test]
fn vulnrichment_cpes_become_ranges() {
    let Some(dir) = sub_dir("vulnrichment") else {
        return;
    };
    let mut paths = Vec::new();
    json_files(&dir, &mut paths);
    let (mut records, mut entries) = (0, 0);
    for p in &paths {
        let Ok(a) = parse_cve5(&read(p)) else {
            continue;
        };
        if !a.cpe_affected.is_empty() {
            records += 1;
            entries += a.cpe_affected.len();
        }
    }
    assert!(records > 1_000, "{records} records, {entries} entries");
    // ImageTragick: CISA's ADP container names ImageMagick by CPE, up to 6.9.3-9.
    let a = parse_cve5(&read(&dir.join("2016/3xxx/CVE-2016-3714.json"))).unwrap();
    let im = a
        .cpe_affected
        .iter()
        .find(|e| e.key == "cpe:imagemagick:imagemagick")
        .unwrap();
    assert!(
        im.ranges.iter().any(|r| r.events
            == vec![
                OsvEvent::Introduced("0".into()),
                OsvEvent::LastAffected("6.9.3-9".into())
            ]),
        "{im:?}"
    );
}

#[test]
fn cve_5_1_cpe_applicability_and_nvd_configurations() {
    let Some(dir) = sub_dir("osv-dev-testdata/vulnfeeds/test_data") else {
        return;
    };
    let a = parse_cve5(&read(
        &dir.join("cvelistV5/cves/2025/21xxx/CVE-2025-21631.json"),
    ))
    .unwrap();
    assert_eq!(a.cpe_affected.len(), 1, "{:?}", a.cpe_affected);
    let kernel = &a.cpe_affected[0];
    assert_eq!(kernel.key, "cpe:linux:linux_kernel");
    assert_eq!(kernel.ranges.len(), 7);
    assert_eq!(
        kernel.ranges[0].events,
        vec![
            OsvEvent::Introduced("5.15.168".into()),
            OsvEvent::Fixed("5.15.177".into())
        ]
    );
    // NVD API 2.0 records share the configuration shape.
    let nvd: Value =
        serde_json::from_slice(&read(&dir.join("nvdcve-2.0/CVE-2022-0090.json"))).unwrap();
    let configs: Vec<Configuration> =
        serde_json::from_value(nvd["vulnerabilities"][0]["cve"]["configurations"].clone()).unwrap();
    let mut out = Vec::new();
    from_configurations(&configs, &mut out);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].key, "cpe:gitlab:gitlab");
    assert_eq!(out[0].ranges.len(), 3, "{:?}", out[0].ranges);
}

/// What the shared data holds for Log4Shell: the CVE record (osv-dev's copy of
/// cvelistV5) names `Apache Log4j2` by text with a `custom` bound that is not a
/// version (`lessThan: log4j-core*`) and no CPE, so no advisory here states
/// machine-readable affected products for CVE-2021-44228.
#[test]
fn log4shell_has_no_machine_readable_products_in_the_data() {
    let Some(dir) = sub_dir("osv-dev-testdata/vulnfeeds/test_data/cvelistV5") else {
        return;
    };
    let a = parse_cve5(&read(&dir.join("cves/2021/44xxx/CVE-2021-44228.json"))).unwrap();
    assert!(a.affected.is_empty(), "{:?}", a.affected);
    assert!(a.cpe_affected.is_empty(), "{:?}", a.cpe_affected);
    assert!(a.cpes.is_empty());
}

/// Every NVD API 2.0 record in the data (Dependency-Track's items, osv-dev's
/// API responses) reads as NVD, its configurations as CPE entries.
#[test]
fn nvd_records_read_with_their_configurations() {
    use crate::advisory::{Document, Source, parse_document};
    let (Some(dt), Some(osv)) = (
        sub_dir("dependency-track-testdata/vuln-data-source/nvd/src/test/resources"),
        sub_dir("osv-dev-testdata/vulnfeeds/test_data/nvdcve-2.0"),
    ) else {
        return;
    };
    let mut paths = Vec::new();
    json_files(&dt, &mut paths);
    json_files(&osv, &mut paths);
    assert_eq!(paths.len(), 30);
    let mut with_cpes = 0;
    for p in &paths {
        let name = p.display().to_string();
        let Ok(Document::Nvd(list)) = parse_document(&name, &read(p)) else {
            panic!("{name} is not read as NVD");
        };
        for a in &list {
            assert_eq!((a.source, a.publisher.as_str()), (Source::Nvd, "nvd"));
            assert_eq!(a.key(), format!("nvd:{}", a.id));
            with_cpes += usize::from(!a.cpe_affected.is_empty());
        }
    }
    assert!(with_cpes >= 12, "{with_cpes}");
    let Ok(Document::Nvd(list)) = parse_document("x.json", &read(&dt.join("cve-2024-23113.json")))
    else {
        panic!("not NVD");
    };
    let a = &list[0];
    assert_eq!(a.id, "CVE-2024-23113");
    let keys: Vec<&str> = a.cpe_affected.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(
        keys,
        vec![
            "cpe:fortinet:fortiproxy",
            "cpe:fortinet:fortiswitchmanager",
            "cpe:fortinet:fortios",
            "cpe:fortinet:fortipam"
        ]
    );
    let pam = &a.cpe_affected[3];
    assert_eq!(
        (pam.ranges.len(), pam.versions.clone()),
        (2, vec!["1.2.0".to_owned()])
    );
    assert_eq!(
        a.cpe_affected[2].ranges[1].events,
        vec![
            OsvEvent::Introduced("7.2.0".into()),
            OsvEvent::LastAffected("7.2.6".into())
        ]
    );
}
