//! The `finding_analysis` job, queued when a submission has been processed:
//! for each finding the submission reported first it computes the MinHash
//! signature of its text and code (`domain::similarity`), links possible
//! near-duplicates, and links already-known vulnerabilities.
//!
//! * **Near-duplicates** are looked for among analysed findings of the same
//!   target identity at the same path (any path when either has none) —
//!   the same bug reported in other words or by another tool. A pair is
//!   linked as `possible` when its estimated similarity is at least
//!   [`POSSIBLE_DUPLICATE`] and it comes from another reporter or another
//!   tool (one tool repeating a pattern in one file is not a duplicate). A
//!   person confirms or splits the link.
//! * **Known**: a finding naming an alias (CVE, GHSA, OSV id) of an imported
//!   advisory is linked to its vulnerability; otherwise a package finding
//!   whose version an advisory's range affects, sharing a CWE with it, is.
//!
//! Idempotent: only findings without a signature are analysed, and a pair
//! is linked once.

use clearinghouse_domain::findings::Target;
use clearinghouse_domain::similarity::{self, Signature};
use clearinghouse_domain::versions::{self, Decision};
use serde::Deserialize;

use super::JobError;
use crate::app::AppState;
use crate::matching::Index;
use crate::store;
use crate::store::findings::{Analysed, AnalysisRow};
use crate::store::jobs::ClaimedJob;

pub const KIND: &str = "finding_analysis";

/// The least estimated similarity shown as a possible duplicate. Real
/// PYSEC and GHSA records of one CVE score 0.81 on average, unrelated
/// records 0.05 (see `domain::similarity`).
pub const POSSIBLE_DUPLICATE: f64 = 0.5;

/// Candidates compared per finding (the newest of its target and path).
const MAX_CANDIDATES: i64 = 200;

/// Findings analysed per transaction.
const PAGE: i64 = 500;

#[derive(Deserialize)]
struct Payload {
    submission_id: String,
}

fn failed(e: impl std::fmt::Display) -> JobError {
    JobError::Failed(e.to_string())
}

/// The job's payload for a submission.
pub fn payload(submission_id: &str) -> String {
    serde_json::json!({ "submission_id": submission_id }).to_string()
}

fn signature_of(f: &AnalysisRow) -> Signature {
    let text = format!("{}\n{}", f.title, f.description);
    similarity::signature(&text, f.evidence.as_deref())
}

/// Whether two findings may be the same bug reported twice.
fn distinct_reports(a: &AnalysisRow, b: &AnalysisRow) -> bool {
    a.id != b.id && (a.reporter_org != b.reporter_org || a.tool != b.tool || a.rule_id != b.rule_id)
}

pub async fn run(app: &AppState, job: &ClaimedJob) -> Result<(), JobError> {
    let payload: Payload = serde_json::from_str(&job.payload).map_err(failed)?;
    loop {
        let page = store::findings::unanalysed(&app.store.pool, &payload.submission_id, PAGE)
            .await
            .map_err(failed)?;
        if page.is_empty() {
            return Ok(());
        }
        analyse_page(app, &page).await.map_err(failed)?;
    }
}

async fn analyse_page(app: &AppState, page: &[AnalysisRow]) -> Result<(), store::StoreError> {
    let mut tx = app.store.begin_write().await?;
    // Known vulnerabilities: the package index of the page's packages.
    let mut keys: Vec<String> = page
        .iter()
        .filter(|f| f.target.starts_with("pkg:"))
        .map(|f| f.target_identity.clone())
        .collect();
    keys.sort();
    keys.dedup();
    let index = Index::from_rows(store::advisories::affected_with_keys(&mut tx, &keys).await?);
    let mut vuln_ids: Vec<String> = keys
        .iter()
        .flat_map(|k| index.entries(k).iter().map(|a| a.vuln_id.clone()))
        .collect();
    vuln_ids.sort();
    vuln_ids.dedup();
    let vulns = store::advisories::vulnerabilities(&mut tx, &vuln_ids).await?;

    let mut pairs = Vec::new();
    for f in page {
        let sig = signature_of(f);
        let mut known = None;
        for alias in &f.aliases {
            if let Some(v) = store::advisories::vuln_id_for(&mut *tx, alias).await? {
                known = Some(v);
                break;
            }
        }
        if known.is_none()
            && let Ok(target) = Target::parse(&f.target)
            && let Some(version) = target.version()
        {
            known = index
                .entries(&f.target_identity)
                .iter()
                .find(|a| {
                    let shares_cwe = vulns
                        .get(&a.vuln_id)
                        .is_some_and(|v| v.cwes.iter().any(|c| f.cwes.contains(c)));
                    shares_cwe
                        && versions::decide(a.ecosystem, version, &a.ranges, &a.versions).decision
                            == Decision::Affected
                })
                .map(|a| a.vuln_id.clone());
        }
        let candidates = store::findings::near_candidates(
            &mut *tx,
            &f.target_identity,
            f.location_path.as_deref(),
            MAX_CANDIDATES,
        )
        .await?;
        for c in candidates.iter().filter(|c| distinct_reports(f, c)) {
            let Some(Ok(other)) = c.signature.as_deref().map(Signature::from_bytes) else {
                continue;
            };
            let s = sig.similarity(&other);
            if s >= POSSIBLE_DUPLICATE {
                pairs.push((f.id.clone(), c.id.clone(), s));
            }
        }
        // Stored at once: later findings of the page compare against it.
        let done = Analysed {
            id: &f.id,
            signature: sig.to_bytes(),
            known_vuln_id: known,
        };
        store::findings::set_analysed(&mut tx, &[done]).await?;
    }
    store::findings::insert_similarities(&mut tx, &pairs).await?;
    tx.commit().await?;
    Ok(())
}
