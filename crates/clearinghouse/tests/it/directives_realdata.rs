//! A directive built like BOD 22-01 (rule `kev`, due date = the KEV
//! entry's `dueDate`) over the real KEV catalog in `../shared/data/kev/`
//! and real PyPA advisories for real package versions in the agencies'
//! SBOMs: each KEV-listed exposure is an obligation due exactly on its
//! entry's date, nothing else is; and KEV entries imported later extend
//! the obligations without anyone touching the directive.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::both_backends;
use crate::directives::{cast, issue};
use crate::exposure::{asset, cyclonedx, import, upload};
use crate::exposure_realdata::{all_exposures, files, read, sub_dir};
use crate::harness::TestApp;

/// Real package versions with PyPA advisories; salt 3000.1 is exposed to
/// KEV-listed CVEs.
const PACKAGES: &[(&str, &str)] = &[
    ("salt", "3000.1"),
    ("paramiko", "2.4.0"),
    ("jinja2", "2.10"),
    ("urllib3", "1.24.1"),
];

/// Held back from the first KEV import, as if CISA added them later.
const LATER: &[&str] = &["CVE-2020-11651", "CVE-2020-11652"];

fn bod_22_01() -> Value {
    json!({
        "number": "BOD 22-01",
        "title": "Reducing the Significant Risk of Known Exploited Vulnerabilities",
        "issued": "2021-11-03",
        "effective": "2021-11-03",
        "scope": {"kinds": ["government_agency"]},
        "actions": [{"type": "remediate", "key": "kev", "title": "Remediate each KEV entry by its due date",
                     "rule": "kev", "due": {"kind": "kev_due_date"}}]
    })
}

/// The KEV-listed obligations expected from the agencies' exposures: per
/// exposure id, the due dates of the catalog entries of its
/// vulnerability's CVEs.
async fn expected(
    app: &TestApp,
    tokens: &[&str],
    due: &BTreeMap<String, String>,
) -> BTreeMap<String, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    for token in tokens {
        for e in all_exposures(app, token, &[("state", "all")]).await {
            let v = &e["vulnerability"];
            let ids = std::iter::once(&v["id"]).chain(v["aliases"].as_array().unwrap().iter());
            let dates: BTreeSet<String> = ids
                .filter_map(|i| i.as_str().and_then(|i| due.get(i)).cloned())
                .collect();
            if !dates.is_empty() {
                out.insert(e["id"].as_str().unwrap().to_owned(), dates);
            }
        }
    }
    out
}

async fn obligations(app: &TestApp, token: &str, id: &str) -> BTreeMap<String, Value> {
    let (s, v) = app
        .get(token, &format!("/api/v1/directives/{id}/obligations"))
        .await;
    assert_eq!(s, 200, "{v}");
    v.as_array()
        .unwrap()
        .iter()
        .map(|o| (o["exposure_id"].as_str().unwrap().to_owned(), o.clone()))
        .collect()
}

#[track_caller]
fn check(got: &BTreeMap<String, Value>, want: &BTreeMap<String, BTreeSet<String>>) {
    let got_ids: BTreeSet<&String> = got.keys().collect();
    let want_ids: BTreeSet<&String> = want.keys().collect();
    assert_eq!(
        got_ids, want_ids,
        "obligations are exactly the KEV-listed exposures"
    );
    for (id, o) in got {
        let date = o["due_date"].as_str().unwrap().to_owned();
        assert!(
            want[id].contains(&date),
            "{id}: due {date}, KEV says {:?}",
            want[id]
        );
        assert_eq!(o["state"], "overdue", "{o}");
    }
}

async fn bod_22_01_over_the_real_kev_catalog(app: TestApp) {
    let (Some(kev_dir), Some(pypa)) = (sub_dir("kev"), sub_dir("pypa-advisory-db/vulns")) else {
        return;
    };
    let kev_bytes = read(&kev_dir.join("known_exploited_vulnerabilities.json"));
    let catalog: Value = serde_json::from_slice(&kev_bytes).unwrap();
    let entries = catalog["vulnerabilities"].as_array().unwrap();
    let due_of = |keep: &dyn Fn(&str) -> bool| -> BTreeMap<String, String> {
        entries
            .iter()
            .filter(|e| keep(e["cveID"].as_str().unwrap()))
            .map(|e| {
                (
                    e["cveID"].as_str().unwrap().to_owned(),
                    e["dueDate"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let c = cast(&app).await;
    let a_asset = asset(&app, &c.a, "config-management", false).await;
    let (s, v) = upload(&app, &c.a, &a_asset, cyclonedx(PACKAGES)).await;
    assert_eq!(s, 200, "{v}");
    let b_asset = asset(&app, &c.b, "salt-master", true).await;
    let (s, v) = upload(&app, &c.b, &b_asset, cyclonedx(&PACKAGES[..1])).await;
    assert_eq!(s, 200, "{v}");
    let mut records = 0;
    for (name, _) in PACKAGES {
        let mut paths = Vec::new();
        files(&pypa.join(name), &[".yaml"], &mut paths);
        for p in paths {
            let file = p.file_name().unwrap().to_string_lossy().into_owned();
            let (s, v) = import(&app, &app.admin_token, &file, read(&p)).await;
            assert_eq!(s, 200, "{file}: {v}");
            records += 1;
        }
    }

    let (s, d) = app.post(&c.m1, "/api/v1/directives", &bod_22_01()).await;
    assert_eq!(s, 201, "{d}");
    let id = d["id"].as_str().unwrap().to_owned();
    issue(&app, &c, &id).await;
    assert!(obligations(&app, &c.m1, &id).await.is_empty(), "no KEV yet");

    // The catalog without the entries CISA "adds later".
    let first = due_of(&|cve| !LATER.contains(&cve));
    let mut partial = catalog.clone();
    let kept: Vec<Value> = entries
        .iter()
        .filter(|e| !LATER.contains(&e["cveID"].as_str().unwrap()))
        .cloned()
        .collect();
    partial["count"] = json!(kept.len());
    partial["vulnerabilities"] = Value::Array(kept);
    let (s, v) = import(
        &app,
        &app.admin_token,
        "known_exploited_vulnerabilities.json",
        serde_json::to_vec(&partial).unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let want_first = expected(&app, &[&c.a, &c.b], &first).await;
    let got_first = obligations(&app, &c.m1, &id).await;
    check(&got_first, &want_first);

    // The full catalog: more obligations, the directive untouched.
    let (s, v) = import(
        &app,
        &app.admin_token,
        "known_exploited_vulnerabilities.json",
        kev_bytes,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let all = due_of(&|_| true);
    let want = expected(&app, &[&c.a, &c.b], &all).await;
    let got = obligations(&app, &c.m1, &id).await;
    check(&got, &want);
    assert!(
        got.len() > got_first.len(),
        "later KEV entries extend obligations: {} then {}",
        got_first.len(),
        got.len()
    );
    let (_, d) = app.get(&c.m1, &format!("/api/v1/directives/{id}")).await;
    assert_eq!(d["latest_version"], 1, "nobody touched the directive");

    // Each agency sees exactly its own share.
    let mine = obligations(&app, &c.b, &id).await;
    assert!(!mine.is_empty() && mine.values().all(|o| o["org_id"] == c.b_org.as_str()));
    let (s, comp) = app
        .get(&c.m1, &format!("/api/v1/directives/{id}/compliance"))
        .await;
    assert_eq!(s, 200, "{comp}");
    assert_eq!(comp["overall"]["overdue"], got.len());
    println!(
        "BOD 22-01 over the real KEV catalog ({} entries) and {records} PyPA records: \
         {} obligations after the first import, {} after the full catalog",
        entries.len(),
        got_first.len(),
        got.len()
    );
}

both_backends!(
    bod_22_01_over_the_real_kev_catalog,
    bod_22_01_over_the_real_kev_catalog
);
