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
//!   A link is made only to a vulnerability every reader of the finding may
//!   read: not embargoed, CLEAR or GREEN, and with no visibility expression
//!   beyond the finding's own ([`linkable`]); otherwise the finding's
//!   reporter would learn an embargoed or labelled id.
//!
//! Idempotent: only findings without a signature are analysed, and a pair
//! is linked once. Each page's writes are audited (`finding.analyse`, in
//! the page's transaction, as the submitter acting through the system).

use std::collections::HashMap;

use clearinghouse_domain::findings::Target;
use clearinghouse_domain::similarity::{self, Signature};
use clearinghouse_domain::versions::{self, Decision};
use serde::{Deserialize, Serialize};

use serde_json::json;
use sha2::{Digest, Sha256};

use super::{Job, JobError};
use crate::app::AppState;
use crate::audit_log::AuditEvent;
use crate::auth::{Principal, Via};
use crate::matching::Index;
use crate::model::exposure::Vulnerability;
use crate::store;
use crate::store::findings::{Analysed, AnalysisRow};
use crate::store::jobs::ClaimedJob;

/// The least estimated similarity shown as a possible duplicate. Real
/// PYSEC and GHSA records of one CVE score 0.81 on average, unrelated
/// records 0.05 (see `domain::similarity`).
pub const POSSIBLE_DUPLICATE: f64 = 0.5;

/// Candidates compared per finding (the newest of its target and path).
const MAX_CANDIDATES: i64 = 200;

/// Findings analysed per transaction.
const PAGE: i64 = 500;

/// The job and its payload.
#[derive(Debug, Serialize, Deserialize)]
pub struct FindingAnalysis {
    pub submission_id: String,
}

impl Job for FindingAnalysis {
    const KIND: &'static str = "finding_analysis";

    async fn run(self, app: &AppState, _job: &ClaimedJob) -> Result<(), JobError> {
        run(app, self).await
    }
}

fn failed(e: impl std::fmt::Display) -> JobError {
    JobError::Failed(e.to_string())
}

fn signature_of(f: &AnalysisRow) -> Signature {
    let text = format!("{}\n{}", f.title, f.description);
    similarity::signature(&text, f.evidence.as_deref())
}

/// An analysed finding a new one is compared with.
#[derive(Clone)]
struct Candidate {
    id: String,
    identity: String,
    path: Option<String>,
    reporter_org: String,
    tool: Option<String>,
    rule_id: Option<String>,
    signature: Signature,
}

impl Candidate {
    fn of(f: &AnalysisRow, signature: Signature) -> Candidate {
        Candidate {
            id: f.id.clone(),
            identity: f.target_identity.clone(),
            path: f.location_path.clone(),
            reporter_org: f.reporter_org.clone(),
            tool: f.tool.clone(),
            rule_id: f.rule_id.clone(),
            signature,
        }
    }

    /// Whether it is looked at for a finding of `identity` at `path`: same
    /// target, and the same path unless either has none.
    fn near(&self, identity: &str, path: &Option<String>) -> bool {
        self.identity == identity && (self.path.is_none() || path.is_none() || self.path == *path)
    }

    /// Whether it and `f` may be the same bug reported twice: another
    /// reporter, tool or rule (one tool repeating itself is not).
    fn distinct_report(&self, f: &AnalysisRow) -> bool {
        self.id != f.id
            && (self.reporter_org != f.reporter_org
                || self.tool != f.tool
                || self.rule_id != f.rule_id)
    }
}

/// Whether a finding labelled `finding_visibility` may be linked to `v`:
/// everyone who reads the finding must be able to read the vulnerability.
/// Its readers are its reporting organisation and the staff, so only a
/// vulnerability readable by any authenticated reader who satisfies the
/// finding's visibility qualifies.
pub fn linkable(v: &Vulnerability, finding_visibility: &str) -> bool {
    !v.embargoed
        && matches!(v.tlp.as_str(), "CLEAR" | "GREEN")
        && (v.visibility.is_empty() || v.visibility == finding_visibility)
}

async fn run(app: &AppState, payload: FindingAnalysis) -> Result<(), JobError> {
    let pool = &app.store.pool;
    let submission = store::findings::submissions::get(pool, &payload.submission_id)
        .await
        .map_err(failed)?
        .ok_or_else(|| failed("no such submission"))?
        .submission;
    let user = store::accounts::users::get(pool, &submission.submitted_by)
        .await
        .map_err(failed)?
        .ok_or_else(|| failed("the submitter no longer exists"))?;
    let who = Principal::new(user, Via::System);
    loop {
        let page = store::findings::unanalysed(&app.store.pool, &payload.submission_id, PAGE)
            .await
            .map_err(failed)?;
        if page.is_empty() {
            return Ok(());
        }
        analyse_page(app, &who, &payload.submission_id, &page).await?;
    }
}

/// What a page is compared and linked against, read before any write.
struct PageContext {
    index: Index,
    by_alias: HashMap<String, String>,
    vulns: HashMap<String, Vulnerability>,
    /// Stored, analysed candidates per (target identity, path), newest last.
    stored: HashMap<(String, Option<String>), Vec<Candidate>>,
}

/// One page in three steps, so the database's write lock is held only for
/// the writes: reads on a pooled connection, the CPU work (signatures and
/// comparisons) on a blocking thread, then one short write transaction.
/// (Holding the lock through the comparisons of a 300,000-result upload
/// once stalled every other write, sign-ins included, for minutes.)
async fn analyse_page(
    app: &AppState,
    who: &Principal,
    submission_id: &str,
    page: &[AnalysisRow],
) -> Result<(), JobError> {
    let context = {
        let mut conn = app.store.pool.acquire().await.map_err(failed)?;
        read_context(&mut conn, page).await.map_err(failed)?
    };
    let rows = page.to_vec();
    let (results, pairs) = tokio::task::spawn_blocking(move || compare(&rows, &context))
        .await
        .map_err(failed)?;
    write_page(app, who, submission_id, &results, &pairs)
        .await
        .map_err(failed)
}

async fn write_page(
    app: &AppState,
    who: &Principal,
    submission_id: &str,
    results: &[(String, Vec<u8>, Option<String>)],
    pairs: &[(String, String, f64)],
) -> Result<(), store::StoreError> {
    let analysed: Vec<Analysed<'_>> = results
        .iter()
        .map(|(id, signature, known)| Analysed {
            id,
            signature: signature.clone(),
            known_vuln_id: known.clone(),
        })
        .collect();
    let mut tx = app.store.begin_write().await?;
    store::findings::set_analysed(&mut tx, &analysed).await?;
    store::findings::insert_similarities(&mut tx, pairs).await?;
    // Ids and a digest of what was written, never content.
    let written = json!({
        "known": analysed.iter().map(|a| (a.id, &a.known_vuln_id)).collect::<Vec<_>>(),
        "possible_duplicates": pairs.iter().map(|(a, b, _)| (a, b)).collect::<Vec<_>>(),
    });
    let event = AuditEvent {
        action: "finding.analyse",
        object_type: "submission",
        object_id: submission_id,
        change: json!({
            "analysed": analysed.len(),
            "known_links": analysed.iter().filter(|a| a.known_vuln_id.is_some()).count(),
            "possible_duplicates": pairs.len(),
            "sha256": hex::encode(Sha256::digest(written.to_string().as_bytes())),
        }),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    tx.commit().await?;
    Ok(())
}

async fn read_context(
    conn: &mut store::AnyConnection,
    page: &[AnalysisRow],
) -> Result<PageContext, store::StoreError> {
    // Known vulnerabilities: the package index of the page's packages, and
    // every alias the page names, each read once.
    let mut keys: Vec<String> = page
        .iter()
        .filter(|f| f.target.starts_with("pkg:"))
        .map(|f| f.target_identity.clone())
        .collect();
    keys.sort();
    keys.dedup();
    let index = Index::from_rows(store::advisories::affected_with_keys(conn, &keys).await?);
    let mut vuln_ids: Vec<String> = keys
        .iter()
        .flat_map(|k| index.entries(k).iter().map(|a| a.vuln_id.clone()))
        .collect();
    let mut aliases: Vec<String> = page.iter().flat_map(|f| f.aliases.clone()).collect();
    aliases.sort();
    aliases.dedup();
    let by_alias = store::advisories::vuln_ids_for(conn, &aliases).await?;
    vuln_ids.extend(by_alias.values().cloned());
    vuln_ids.sort();
    vuln_ids.dedup();
    let vulns = store::advisories::vulnerabilities(conn, &vuln_ids).await?;
    // Candidates per (target, path), read once per page.
    let mut stored = HashMap::new();
    for f in page {
        let key = (f.target_identity.clone(), f.location_path.clone());
        if stored.contains_key(&key) {
            continue;
        }
        let rows = store::findings::near_candidates(
            &mut *conn,
            &f.target_identity,
            f.location_path.as_deref(),
            MAX_CANDIDATES,
        )
        .await?;
        let found: Vec<Candidate> = rows
            .iter()
            .rev()
            .filter_map(|c| {
                let sig = Signature::from_bytes(c.signature.as_deref()?).ok()?;
                Some(Candidate::of(c, sig))
            })
            .collect();
        stored.insert(key, found);
    }
    Ok(PageContext {
        index,
        by_alias,
        vulns,
        stored,
    })
}

/// (finding id, signature, known vulnerability) per finding of the page,
/// and the possible-duplicate pairs with their similarity.
type Compared = (
    Vec<(String, Vec<u8>, Option<String>)>,
    Vec<(String, String, f64)>,
);

/// Signs each finding of the page, compares it with its candidates (stored
/// ones, and those of the page analysed before it) and finds the known
/// vulnerability it names or whose range it falls in. Pure CPU work.
fn compare(page: &[AnalysisRow], context: &PageContext) -> Compared {
    let PageContext {
        index,
        by_alias,
        vulns,
        stored,
    } = context;
    let mut groups = stored.clone();
    let mut pairs = Vec::new();
    let mut analysed = Vec::with_capacity(page.len());
    for f in page {
        let sig = signature_of(f);
        let key = (f.target_identity.clone(), f.location_path.clone());
        let group = groups.get(&key).map_or(&[][..], Vec::as_slice);
        for c in group.iter().rev().take(MAX_CANDIDATES as usize) {
            if c.distinct_report(f) {
                let s = sig.similarity(&c.signature);
                if s >= POSSIBLE_DUPLICATE {
                    pairs.push((f.id.clone(), c.id.clone(), s));
                }
            }
        }
        let may_link = |vuln_id: &str| {
            vulns
                .get(vuln_id)
                .is_some_and(|v| linkable(v, &f.visibility))
        };
        let mut known = f
            .aliases
            .iter()
            .filter_map(|a| by_alias.get(a))
            .find(|v| may_link(v))
            .cloned();
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
                        && may_link(&a.vuln_id)
                        && versions::decide(a.ecosystem, version, &a.ranges, &a.versions).decision
                            == Decision::Affected
                })
                .map(|a| a.vuln_id.clone());
        }
        // Later findings of the page compare against this one too, in every
        // group of the page it would be a candidate of.
        let me = Candidate::of(f, sig.clone());
        for ((identity, path), members) in groups.iter_mut() {
            if me.near(identity, path) {
                members.push(me.clone());
            }
        }
        analysed.push((f.id.clone(), sig.to_bytes(), known));
    }
    (analysed, pairs)
}
