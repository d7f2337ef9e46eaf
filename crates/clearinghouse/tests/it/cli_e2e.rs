//! The client commands end to end: the real binary (`advisory import`,
//! `sbom upload`, `exposures`) against a real server (SQLite) with real
//! advisory data from `../shared/data` (skipped with a `SKIPPED:` line when
//! it is absent, a failure with `CI=true`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use clearinghouse_domain::sbom;
use serde_json::json;

use crate::exposure::{cyclonedx, operator};
use crate::exposure_realdata::{
    Feed, advisories_of, alias_groups, expected_exposures, files, read, sub_dir,
};
use crate::harness::{Db, TestApp, temp_dir};
use crate::submit_cli::{Run, cli};

/// Runs the binary while this test works the job queue as a server's
/// worker would (an advisory import is processed by a job the command
/// waits for).
async fn cli_with_jobs(app: &TestApp, args: &[&str]) -> Run {
    let run = cli(args);
    tokio::pin!(run);
    loop {
        tokio::select! {
            out = &mut run => return out,
            () = tokio::time::sleep(std::time::Duration::from_millis(50)) => {
                app.run_pending_jobs().await;
            }
        }
    }
}

/// Components named in the SBOM the commands upload.
const COMPONENTS: &[(&str, &str)] = &[("paramiko", "2.4.0"), ("requests", "2.19.0")];

/// A folder of real feeds, copied to a temporary folder (never into the
/// repository): PyPA YAML records of paramiko and requests, a Go OSV JSON
/// record and the KEV catalog. Returns the folder and the advisory files.
fn feed_folder() -> Option<(PathBuf, Vec<Feed>)> {
    let pypa = sub_dir("pypa-advisory-db/vulns")?;
    let go = sub_dir("golang-vulndb/data/osv")?;
    let kev = sub_dir("kev")?;
    let dir = temp_dir().join("feeds");
    let mut records = Vec::new();
    let mut sources: Vec<(PathBuf, String)> = Vec::new();
    for (name, _) in COMPONENTS {
        let mut paths = Vec::new();
        files(&pypa.join(name), &[".yaml"], &mut paths);
        sources.extend(paths.into_iter().map(|p| (p, format!("pypa/{name}"))));
    }
    sources.push((go.join("GO-2020-0001.json"), "go".into()));
    for (path, sub) in &sources {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = read(path);
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        std::fs::write(dir.join(sub).join(&file), &bytes).unwrap();
        records.push((file, bytes));
    }
    std::fs::create_dir_all(dir.join("kev")).unwrap();
    std::fs::write(
        dir.join("kev/known_exploited_vulnerabilities.json"),
        read(&kev.join("known_exploited_vulnerabilities.json")),
    )
    .unwrap();
    Some((dir, records))
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_upload_and_list_through_the_binary() {
    let Some((feeds, records)) = feed_folder() else {
        return;
    };
    let Some(app) = TestApp::spawn(Db::Sqlite).await else {
        return;
    };
    let server = app.base.clone();
    let admin = app.admin_token.clone();
    let (hospital, ops) = operator(&app, "Rural Hospital").await;
    let advisories: Vec<_> = records
        .iter()
        .flat_map(|(n, b)| advisories_of(n, b))
        .collect();
    let groups = alias_groups(&advisories);
    let expected = expected_exposures(&advisories, &groups, COMPONENTS);
    assert!(!expected.is_empty());

    // advisory import: a folder of YAML and JSON records and the KEV catalog.
    let feeds_arg = feeds.display().to_string();
    let run = cli_with_jobs(
        &app,
        &[
            "advisory", "import", "--server", &server, "--token", &admin, "--json", &feeds_arg,
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let out = run.json();
    let totals = &out["totals"];
    let n = records.len();
    assert_eq!(totals["files"], n + 1, "{out}");
    assert_eq!(totals["files_failed"], 0, "{out}");
    assert_eq!(totals["formats"], json!({"kev": 1, "osv": n}), "{out}");
    assert_eq!(totals["advisories_created"], n, "{out}");
    assert_eq!(totals["kev_entries"], 1404, "{out}");
    assert_eq!(totals["item_errors"], 0, "{out}");
    assert_eq!(out["files"].as_array().unwrap().len(), n + 1);
    assert!(
        out["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["ok"] == true),
        "{out}"
    );

    // An operator may not import: one refusal, not one per file.
    let run = cli(&[
        "advisory", "import", "--server", &server, "--token", &ops, &feeds_arg,
    ])
    .await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.stderr.matches("403").count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("{} file(s) not sent", n + 1)),
        "{}",
        run.stderr
    );

    // sbom upload: creates the asset, reports the new exposures.
    let work = temp_dir();
    let sbom_file = write(&work, "ehr.cdx.json", &cyclonedx(COMPONENTS));
    let run = cli(&[
        "sbom", "upload", "--server", &server, "--token", &ops, "--asset", "ehr", "--json",
        &sbom_file,
    ])
    .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let out = run.json();
    assert_eq!(out["asset_created"], true, "{out}");
    assert_eq!(out["asset"]["name"], "ehr");
    assert_eq!(out["asset"]["org_id"], hospital.as_str());
    let result = &out["files"][0]["result"];
    assert_eq!(out["files"][0]["ok"], true, "{out}");
    assert_eq!(result["sbom"]["component_count"], COMPONENTS.len());
    assert_eq!(result["exposures"]["new"], expected.len(), "{out}");

    // exposures: the JSON array, with what an operator needs to act.
    let run = cli(&[
        "exposures",
        "--server",
        &server,
        "--token",
        &ops,
        "--asset",
        "ehr",
        "--json",
    ])
    .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let items = run.json();
    let items = items.as_array().expect("a JSON array");
    let mut listed = BTreeSet::new();
    for e in items {
        let c = &e["component"];
        let (name, version) = (c["name"].as_str().unwrap(), c["version"].as_str().unwrap());
        assert_eq!(c["purl"], format!("pkg:pypi/{name}@{version}"), "{e}");
        let vuln = &e["vulnerability"];
        let id = vuln["id"].as_str().unwrap();
        assert!(id.starts_with("CVE-"), "known by its CVE: {e}");
        assert!(!vuln["aliases"].as_array().unwrap().is_empty(), "{e}");
        assert!(e["priority"]["explanation"].is_array(), "{e}");
        assert!(e["priority_rank"].is_i64(), "{e}");
        assert!(!e["deadline"].as_str().unwrap().is_empty(), "{e}");
        let reason = e["reason"].as_str().unwrap();
        assert!(
            reason.contains(e["advisory_id"].as_str().unwrap()),
            "{reason}"
        );
        listed.insert((name.to_owned(), id.to_owned()));
    }
    let wanted: BTreeSet<(String, String)> = expected.keys().cloned().collect();
    assert_eq!(listed, wanted);

    // The table names the same vulnerabilities.
    let run = cli(&[
        "exposures",
        "--server",
        &server,
        "--token",
        &ops,
        "--asset",
        "ehr",
    ])
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("PRIORITY"), "{}", run.stdout);
    for (_, id) in &wanted {
        assert!(run.stdout.contains(id.as_str()), "{id}: {}", run.stdout);
    }

    // A coordinator uploads for the operator with --org.
    let centre = app
        .org("National Coordination Centre", "government_agency")
        .await;
    let (_, coordinator) = app.user(&centre, "coord", &["coordinator"]).await;
    let run = cli(&[
        "sbom",
        "upload",
        "--server",
        &server,
        "--token",
        &coordinator,
        "--org",
        "Rural Hospital",
        "--asset",
        "lab",
        "--json",
        &sbom_file,
    ])
    .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let out = run.json();
    assert_eq!(out["asset_created"], true, "{out}");
    assert_eq!(out["asset"]["org_id"], hospital.as_str(), "{out}");
    assert_eq!(
        out["files"][0]["result"]["exposures"]["new"],
        expected.len()
    );
    let run = cli(&[
        "exposures",
        "--server",
        &server,
        "--token",
        &ops,
        "--asset",
        "lab",
        "--json",
    ])
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json().as_array().unwrap().len(), expected.len());
    let run = cli(&[
        "exposures",
        "--server",
        &server,
        "--token",
        &coordinator,
        "--org",
        "Rural Hospital",
        "--json",
    ])
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json().as_array().unwrap().len(), 2 * expected.len());

    // An invalid SBOM: non-zero exit, the field named, nothing changed.
    let bad = br#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,
        "components":[{"type":"library","name":"paramiko","version":"2.4.0","purl":"pkg:"}]}"#;
    let field = format!("sbom.{}", sbom::parse(bad).unwrap_err().field().unwrap());
    let bad_file = write(&work, "bad.cdx.json", bad);
    let run = cli(&[
        "sbom", "upload", "--server", &server, "--token", &ops, "--asset", "ehr", &bad_file,
    ])
    .await;
    assert_ne!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(&format!("`{field}`")),
        "{field}: {}",
        run.stderr
    );
    assert!(run.stderr.contains("422"), "{}", run.stderr);
    let run = cli(&[
        "sbom", "upload", "--server", &server, "--token", &ops, "--asset", "ehr", "--json",
        &bad_file,
    ])
    .await;
    assert_ne!(run.code, 0);
    let out = run.json();
    assert_eq!(out["asset_created"], false);
    assert_eq!(out["files"][0]["ok"], false, "{out}");
    assert_eq!(out["files"][0]["error"]["status"], 422, "{out}");
    assert_eq!(
        out["files"][0]["error"]["problem"]["field"],
        field.as_str(),
        "{out}"
    );
    let run = cli(&[
        "exposures",
        "--server",
        &server,
        "--token",
        &ops,
        "--asset",
        "ehr",
        "--json",
    ])
    .await;
    assert_eq!(run.json().as_array().unwrap().len(), expected.len());
    let (_, assets) = app.get(&ops, "/api/v1/assets?name=ehr").await;
    assert_eq!(
        assets["items"][0]["sbom"]["component_count"],
        COMPONENTS.len(),
        "{assets}"
    );
    println!(
        "{n} records + KEV imported; {} exposures per asset: {wanted:?}",
        expected.len()
    );
    let _ = std::fs::remove_dir_all(feeds.parent().unwrap());
    let _ = std::fs::remove_dir_all(&work);
}
