//! The CSAF provider feed (issue 15, item 6), on both backends: two cases
//! published (TLP:CLEAR through the CLI's `case publish`, TLP:AMBER
//! through the API); the CSAF 2.0 section 7 requirements checked here:
//! 7 provider-metadata.json (role csaf_trusted_provider, the key by
//! fingerprint and URL), 11 year folders named from the initial release
//! date, 2 file names, 12 index.txt, 13 changes.csv, 15 ROLIE feeds per
//! TLP, 18 .sha256/.sha512, 19 .asc verified by GnuPG (an independent
//! OpenPGP implementation), 20 the public key served; 4/5 TLP:WHITE public
//! and TLP:AMBER only to participants (404 for anonymous callers and
//! outsiders, as for a missing file). Then `csaf verify` online with a
//! mirror, the server stopped, the mirror verified offline, and a tampered
//! document, hash file and signature each detected with a non-zero exit.
//! Also the OSV and CVE 5 exports (API and `case export`).

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::both_backends;
use crate::cases_support::{open_with_vendor, parties, target_date};
use crate::directives_cli::cli;
use crate::exposure::CVE;
use crate::harness::{TestApp, temp_dir};

async fn raw(app: &TestApp, token: Option<&str>, path: &str) -> (u16, Vec<u8>, String) {
    let mut req = app.client.get(app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, resp.bytes().await.unwrap().to_vec(), ct)
}

/// GnuPG's verdict on a detached signature with only `key` known; None
/// (with a printed line) when gpg is not installed.
fn gpg_verify(key: &[u8], data: &[u8], sig: &[u8]) -> Option<bool> {
    let home = temp_dir();
    let run = |args: &[&str]| {
        std::process::Command::new("gpg")
            .arg("--homedir")
            .arg(&home)
            .args(["--batch", "--no-tty", "--quiet"])
            .args(args)
            .output()
    };
    let Ok(out) = run(&["--version"]) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "gpg missing in CI"
        );
        println!("SKIPPED: gpg not installed");
        return None;
    };
    assert!(out.status.success());
    let (k, d, s) = (
        home.join("key.asc"),
        home.join("doc.json"),
        home.join("doc.json.asc"),
    );
    std::fs::write(&k, key).unwrap();
    std::fs::write(&d, data).unwrap();
    std::fs::write(&s, sig).unwrap();
    let out = run(&["--import", k.to_str().unwrap()]).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["--verify", s.to_str().unwrap(), d.to_str().unwrap()]).unwrap();
    Some(out.status.success())
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// `csaf verify` on a folder (no server involved).
fn verify_offline(dir: &Path) -> (i32, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_clearinghouse"))
        .args(["csaf", "verify", dir.to_str().unwrap()])
        .env_remove("CLEARINGHOUSE_TOKEN")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn tampered(mirror: &Path, name: &str, file: &str, change: impl Fn(&mut Vec<u8>)) -> PathBuf {
    let dir = temp_dir().join(name);
    copy_tree(mirror, &dir);
    let path = dir.join(file);
    let mut bytes = std::fs::read(&path).unwrap();
    change(&mut bytes);
    std::fs::write(&path, bytes).unwrap();
    dir
}

async fn feed(app: TestApp) {
    let p = parties(&app).await;
    // A TLP:CLEAR case, published early through the CLI.
    let (s, c) = app
        .post(
            &p.coord,
            "/api/v1/cases",
            &json!({"title": "Paramiko authentication bypass", "vulnerabilities": [CVE],
                      "target_date": target_date(40), "tlp": "CLEAR"}),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    let public_id = c["id"].as_str().unwrap().to_owned();
    let r = cli(&app, &p.coord, &["case", "publish", &public_id]).await;
    assert_ne!(r.code, 0, "early publication needs a reason");
    assert!(r.stderr.contains("reason"), "{}", r.stderr);
    let r = cli(
        &app,
        &p.coord,
        &[
            "case",
            "publish",
            &public_id,
            "--reason",
            "Exploited in the wild.",
            "--json",
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let c: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(c["state"], "published");

    // A TLP:AMBER case with the vendor as participant.
    let amber_id = open_with_vendor(&app, &p, "Paramiko, amber", &[CVE], &[], false).await;
    let (s, v) = app
        .post(
            &p.coord,
            &format!("/api/v1/cases/{amber_id}/publish"),
            &json!({"reason": "KEV"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");

    // Item 1: CVSS, CWE and references in the document; BSI's validator agrees.
    let (s, doc) = app
        .get(&p.coord, &format!("/api/v1/cases/{public_id}/csaf"))
        .await;
    assert_eq!(s, 200, "{doc}");
    let v0 = &doc["vulnerabilities"][0];
    assert_eq!(v0["scores"][0]["cvss_v3"]["baseScore"], 9.8, "{doc:#}");
    assert_eq!(v0["scores"][0]["cvss_v3"]["version"], "3.1");
    assert!(
        v0["references"].as_array().is_some_and(|r| !r.is_empty()),
        "{doc:#}"
    );
    crate::csaf_validator::bsi_validate(&doc);

    // Requirement 7: the provider metadata, public.
    let (s, meta, ct) = raw(&app, None, "/.well-known/csaf/provider-metadata.json").await;
    assert_eq!(s, 200);
    assert!(ct.starts_with("application/json"), "{ct}");
    let meta: Value = serde_json::from_slice(&meta).unwrap();
    assert_eq!(meta["role"], "csaf_trusted_provider");
    assert_eq!(meta["metadata_version"], "2.0");
    let base = meta["canonical_url"]
        .as_str()
        .unwrap()
        .strip_suffix("/provider-metadata.json")
        .unwrap()
        .to_owned();
    let local = |url: &str| url.replacen(&base, "/.well-known/csaf", 1);
    let fpr = meta["public_openpgp_keys"][0]["fingerprint"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(fpr.len(), 40);
    let labels: Vec<&str> = meta["distributions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rolie"]["feeds"][0]["tlp_label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["WHITE", "GREEN", "AMBER"]);
    // Requirement 20: the key, served where the metadata says.
    let key_url = local(meta["public_openpgp_keys"][0]["url"].as_str().unwrap());
    let (s, key, _) = raw(&app, None, &key_url).await;
    assert_eq!(s, 200);
    let parsed = clearinghouse_domain::openpgp::PgpPublicKey::parse(&key).unwrap();
    assert_eq!(parsed.fingerprint(), fpr);

    // Requirements 11-13, 15: listings of the public folder.
    let (s, index, _) = raw(&app, None, "/.well-known/csaf/white/index.txt").await;
    assert_eq!(s, 200);
    let index = String::from_utf8(index).unwrap();
    let year = &clearinghouse::clock::now_text()[..4];
    let path = format!("{year}/chx-case-{}.json", public_id.to_lowercase());
    assert_eq!(index, format!("{path}\n"), "only the public document");
    let (s, changes, _) = raw(&app, None, "/.well-known/csaf/white/changes.csv").await;
    assert_eq!(s, 200);
    assert!(
        String::from_utf8(changes)
            .unwrap()
            .starts_with(&format!("\"{path}\",\""))
    );
    let (s, rolie, _) = raw(&app, None, "/.well-known/csaf/white/feed-tlp-white.json").await;
    assert_eq!(s, 200);
    let rolie: Value = serde_json::from_slice(&rolie).unwrap();
    assert_eq!(rolie["feed"]["entry"].as_array().unwrap().len(), 1);
    assert_eq!(
        local(
            rolie["feed"]["entry"][0]["content"]["src"]
                .as_str()
                .unwrap()
        ),
        format!("/.well-known/csaf/white/{path}")
    );

    // Requirements 1, 18, 19: the document, its hashes, its signature.
    let doc_url = format!("/.well-known/csaf/white/{path}");
    let (s, bytes, _) = raw(&app, None, &doc_url).await;
    assert_eq!(s, 200);
    assert_eq!(serde_json::from_slice::<Value>(&bytes).unwrap(), doc);
    let (_, sha, _) = raw(&app, None, &format!("{doc_url}.sha256")).await;
    let (want, _) = clearinghouse_domain::cases::csaf_feed::hash_files("x", &bytes);
    assert_eq!(
        String::from_utf8(sha).unwrap().split_whitespace().next(),
        want.split_whitespace().next()
    );
    let (s, asc, ct) = raw(&app, None, &format!("{doc_url}.asc")).await;
    assert_eq!(s, 200);
    assert_eq!(ct, "application/pgp-signature");
    parsed.verify(&bytes, &asc).unwrap();
    if let Some(ok) = gpg_verify(&key, &bytes, &asc) {
        assert!(ok, "GnuPG accepts the signature");
        let mut other = bytes.clone();
        other.push(b'\n');
        assert_eq!(
            gpg_verify(&key, &other, &asc),
            Some(false),
            "and refuses a changed file"
        );
    }

    // Requirement 5: the AMBER folder is the participants' only.
    let amber_path = format!("{year}/chx-case-{}.json", amber_id.to_lowercase());
    let amber_url = format!("/.well-known/csaf/amber/{amber_path}");
    for (who, want) in [
        (None, 404),
        (Some(p.outsider.as_str()), 404),
        (Some(p.hospital.as_str()), 404),
        (Some(p.vendor_member.as_str()), 200),
        (Some(p.coord.as_str()), 200),
    ] {
        let (s, _, _) = raw(&app, who, &amber_url).await;
        assert_eq!(s, want, "{who:?}");
        let (s, body, _) = raw(&app, who, "/.well-known/csaf/amber/index.txt").await;
        if want == 200 {
            assert_eq!(String::from_utf8(body).unwrap(), format!("{amber_path}\n"));
        } else if who.is_some() {
            assert!(s == 404 || body.is_empty(), "{who:?} {s}");
        } else {
            assert_eq!(s, 404);
        }
    }
    let (s, _, _) = raw(&app, None, &format!("/.well-known/csaf/white/{amber_path}")).await;
    assert_eq!(s, 404, "an AMBER document is not in the public folder");
    let (s, _, _) = raw(
        &app,
        Some("chx_not_a_token"),
        "/.well-known/csaf/white/index.txt",
    )
    .await;
    assert_eq!(s, 401, "a bad token is refused, not ignored");

    // Item 4: exports.
    let (s, osv) = app
        .get(&p.vendor_member, &format!("/api/v1/cases/{amber_id}/osv"))
        .await;
    assert_eq!(s, 200, "{osv}");
    assert_eq!(osv[0]["aliases"][0], CVE);
    assert!(osv[0]["id"].as_str().unwrap().starts_with("x_CHX-CASE-"));
    let (s, _) = app
        .get(&p.outsider, &format!("/api/v1/cases/{amber_id}/osv"))
        .await;
    assert_eq!(s, 404);
    let assigner = "8254265b-2729-46b6-b9e3-3dfca2d5bfca";
    let cve5 = format!("/api/v1/cases/{public_id}/cve5?vulnerability={CVE}&assigner=");
    let (s, v) = app.get(&p.coord, &format!("{cve5}nope")).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["field"], "assigner");
    let (s, rec) = app.get(&p.coord, &format!("{cve5}{assigner}")).await;
    assert_eq!(s, 200, "{rec}");
    assert_eq!(rec["cveMetadata"]["cveId"], CVE);
    clearinghouse_domain::advisory::parse_cve5(&serde_json::to_vec(&rec).unwrap())
        .expect("our CVE 5 reader reads the export");
    let r = cli(
        &app,
        &p.coord,
        &["case", "export", &public_id, "--format", "osv"],
    )
    .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let records: Value = serde_json::from_str(&r.stdout).unwrap();
    clearinghouse_domain::advisory::parse_osv(&serde_json::to_vec(&records[0]).unwrap())
        .expect("our OSV reader reads the export");

    // Item 3: verify online, keeping a copy; the coordinator reads both folders.
    let mirror = temp_dir().join("mirror");
    let r = cli(
        &app,
        &p.coord,
        &[
            "csaf",
            "verify",
            &app.url(""),
            "--mirror",
            mirror.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("2 documents checked, 0 problems"),
        "{}",
        r.stdout
    );
    // Anonymous: the AMBER folder is skipped, not a failure.
    let r = cli(
        &app,
        "",
        &[
            "csaf",
            "verify",
            &app.url("/.well-known/csaf/provider-metadata.json"),
        ],
    )
    .await;
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("TLP:AMBER folder not readable"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("1 documents checked"), "{}", r.stdout);

    app.run_pending_jobs().await;
    drop(app);
    // The server is gone: the copy verifies offline.
    let (code, out) = verify_offline(&mirror);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("2 documents checked, 0 problems"), "{out}");

    let doc_file = format!("white/{path}");
    let dir = tampered(&mirror, "t-doc", &doc_file, |b| {
        let at = b.windows(8).position(|w| w == b"Paramiko").unwrap();
        b[at] = b'p';
    });
    let (code, out) = verify_offline(&dir);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("{doc_file}.sha256: the hash does not match")),
        "{out}"
    );
    assert!(
        out.contains(&format!("{doc_file}.sha512: the hash does not match")),
        "{out}"
    );
    assert!(
        out.contains(&format!("{doc_file}.asc: signature check failed")),
        "{out}"
    );

    let dir = tampered(&mirror, "t-hash", &format!("{doc_file}.sha256"), |b| {
        b[0] = if b[0] == b'0' { b'1' } else { b'0' };
    });
    let (code, out) = verify_offline(&dir);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("{doc_file}.sha256: the hash does not match")),
        "{out}"
    );
    assert!(out.contains("1 problems"), "{out}");

    let dir = tampered(&mirror, "t-sig", &format!("{doc_file}.asc"), |b| {
        // Drop the checksum line and change one character of the body.
        let text = String::from_utf8(b.clone()).unwrap();
        let mut lines: Vec<String> = text
            .lines()
            .filter(|l| !l.starts_with('='))
            .map(str::to_owned)
            .collect();
        let last_body = lines.len() - 2;
        let line = &mut lines[last_body];
        let c = if line.starts_with('A') { "B" } else { "A" };
        line.replace_range(0..1, c);
        *b = (lines.join("\n") + "\n").into_bytes();
    });
    let (code, out) = verify_offline(&dir);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("{doc_file}.asc: signature check failed")),
        "{out}"
    );
}
both_backends!(csaf_feed, feed);

/// `/.well-known/security.txt` (RFC 9116) with the CSAF line, the policy it
/// names, the ROLIE service document listing the metadata's feeds, and a
/// folder's category document: the categories of the documents the reader
/// may see (a restricted folder's: 404 anonymously, nothing of a case to a
/// non-participant).
async fn well_known_files(app: TestApp) {
    let (s, body, ct) = raw(&app, None, "/.well-known/security.txt").await;
    assert_eq!(s, 200);
    assert!(ct.starts_with("text/plain"), "{ct}");
    let text = String::from_utf8(body).unwrap();
    let field = |name: &str| -> Vec<String> {
        text.lines()
            .filter_map(|l| l.strip_prefix(&format!("{name}: ")))
            .map(str::to_owned)
            .collect()
    };
    let public = "https://clearinghouse.invalid";
    assert_eq!(field("Contact"), ["mailto:security@clearinghouse.invalid"]);
    assert_eq!(
        field("Canonical"),
        [format!("{public}/.well-known/security.txt")]
    );
    assert_eq!(
        field("CSAF"),
        [format!("{public}/.well-known/csaf/provider-metadata.json")]
    );
    let expires = field("Expires");
    assert_eq!(expires.len(), 1, "{text}");
    let at = clearinghouse::clock::parse(&expires[0]).expect("RFC 3339");
    let now = clearinghouse::clock::now();
    assert!(at > now && at < now + time::Duration::days(365), "{text}");
    let policy = field("Policy");
    let path = policy[0].strip_prefix(public).unwrap();
    let (s, body, _) = raw(&app, None, path).await;
    assert_eq!(s, 200, "the policy is served");
    assert!(
        String::from_utf8(body)
            .unwrap()
            .contains("provider-metadata.json")
    );

    let (_, meta, _) = raw(&app, None, "/.well-known/csaf/provider-metadata.json").await;
    let meta: Value = serde_json::from_slice(&meta).unwrap();
    let feeds: Vec<Value> = meta["distributions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rolie"]["feeds"][0]["url"].clone())
        .collect();
    let (s, svc, _) = raw(&app, None, "/.well-known/csaf/service.json").await;
    assert_eq!(s, 200);
    let svc: Value = serde_json::from_slice(&svc).unwrap();
    let hrefs: Vec<Value> = svc["service"]["workspace"][0]["collection"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["href"].clone())
        .collect();
    assert_eq!(hrefs, feeds, "the service document lists every feed");
    assert_eq!(
        meta["distributions"][0]["rolie"]["services"][0],
        format!("{public}/.well-known/csaf/service.json")
    );

    // A published TLP:AMBER case with a vendor statement.
    let p = parties(&app).await;
    let id = open_with_vendor(
        &app,
        &p,
        "Paramiko, amber",
        &[CVE],
        &["pkg:pypi/paramiko"],
        true,
    )
    .await;
    let (s, v) = app
        .post(
            &p.vendor_member,
            &format!("/api/v1/cases/{id}/statements"),
            &json!({"statements": [{"vulnerability": CVE, "product": "pkg:pypi/paramiko",
                                    "status": "fixed", "fixed_version": "2.4.1"}]}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = app
        .post(
            &p.coord,
            &format!("/api/v1/cases/{id}/publish"),
            &json!({"reason": "KEV"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let cat = "/.well-known/csaf/amber/category-tlp-amber.json";
    assert_eq!(
        raw(&app, None, cat).await.0,
        404,
        "restricted folder, anonymous"
    );
    let terms = |body: Vec<u8>| -> Vec<String> {
        let doc: Value = serde_json::from_slice(&body).unwrap();
        doc["categories"]["category"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["term"].as_str().unwrap().to_owned())
            .collect()
    };
    let (s, body, _) = raw(&app, Some(&p.vendor_member), cat).await;
    assert_eq!(s, 200);
    let seen = terms(body);
    for t in ["csaf", "csaf_security_advisory"] {
        assert!(seen.iter().any(|x| x == t), "{t} in {seen:?}");
    }
    let (s, body, _) = raw(&app, Some(&p.outsider), cat).await;
    assert_eq!(s, 200);
    assert_eq!(terms(body), ["csaf"], "nothing of a case it does not read");
    let (_, feed, _) = raw(
        &app,
        Some(&p.vendor_member),
        "/.well-known/csaf/amber/feed-tlp-amber.json",
    )
    .await;
    let feed: Value = serde_json::from_slice(&feed).unwrap();
    assert!(
        feed["feed"]["entry"][0]["category"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["term"] == "csaf_security_advisory"),
        "{feed}"
    );
}
both_backends!(well_known_files, well_known_files);
