//! Findings: bulk insertion of new findings and sightings (multi-row, in
//! the batch's transaction), lookup by fingerprint for exact deduplication,
//! the read side (one finding, filtered lists; a finding with its
//! sightings, near-duplicates and workflow events is `detail.rs`) and what
//! the analysis job reads and writes.

pub mod detail;
pub mod listing;
pub mod pocs;
pub mod review;
pub mod submissions;
pub mod window;

use std::collections::HashMap;

use clearinghouse_domain::findings::review::{FindingState, RejectionReason};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Executor, Row};

use super::read_filter::{FINDINGS, ReadFilter};
use super::{
    Result, StoreError, bulk_values, decode, decode_opt, json_list, parse_json_list, rows_in,
};
use crate::model::finding::{Finding, FindingFilter, FindingLocation, FindingSeverity, TargetKind};
use crate::store::fetch;

const COLUMNS: &str = "f.id, f.fingerprint, f.target, f.target_kind, f.target_identity, f.title, \
     f.description, f.rule_id, f.tool, f.cwes, f.severity, f.cvss_vector, f.location_path, \
     f.start_line, f.end_line, f.function_name, f.evidence, f.aliases, f.reporter_org, \
     f.reported_by, f.submission_id, f.position, f.campaign, f.tlp, v.expression, f.state, \
     f.rejection_reason, f.duplicate_of, f.known_vuln_id, f.vulnerability_id, f.validator_id, \
     f.created_at, f.updated_at";

const FROM: &str = "FROM findings f JOIN visibility_labels v ON v.id = f.visibility_id";

fn from_row(r: &AnyRow) -> Result<Finding> {
    let path: Option<String> = r.try_get("location_path")?;
    let start_line: Option<i64> = r.try_get("start_line")?;
    let end_line: Option<i64> = r.try_get("end_line")?;
    let function: Option<String> = r.try_get("function_name")?;
    let any = path.is_some() || start_line.is_some() || function.is_some();
    let location = any.then_some(FindingLocation {
        path,
        start_line,
        end_line,
        function,
    });
    Ok(from_columns!(r => Finding {
        id, fingerprint, target,
        target_kind: decode(r, "findings", "target_kind", TargetKind::parse)?,
        target_identity, title, description, rule_id, tool,
        cwes: parse_json_list(&r.try_get::<String, _>("cwes")?)?,
        severity: decode_opt(r, "findings", "severity", FindingSeverity::parse)?,
        cvss_vector,
        location: location,
        evidence,
        aliases: parse_json_list(&r.try_get::<String, _>("aliases")?)?,
        reporter_org, reported_by, submission_id, position, campaign,
        tlp: decode(r, "findings", "tlp", |s| s.parse().ok())?,
        visibility: r.try_get("expression")?,
        state: decode(r, "findings", "state", FindingState::parse)?,
        rejection_reason: decode_opt(r, "findings", "rejection_reason", RejectionReason::parse)?,
        duplicate_of, known_vuln_id, vulnerability_id, validator_id, created_at, updated_at,
    }))
}

/// The ids of the findings holding any of `fingerprints`, by fingerprint.
pub async fn ids_by_fingerprint(
    conn: &mut AnyConnection,
    fingerprints: &[String],
) -> Result<HashMap<String, String>> {
    let rows = rows_in(conn, fingerprints, |list| {
        format!("SELECT id, fingerprint FROM findings WHERE fingerprint IN ({list})")
    })
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("fingerprint")?, r.try_get("id")?)))
        .collect()
}

/// Columns of one new finding row, in insertion order.
const INSERT_COLUMNS: &str = "id, fingerprint, target, target_kind, target_identity, title, \
     description, rule_id, tool, cwes, severity, cvss_vector, location_path, start_line, \
     end_line, function_name, evidence, aliases, reporter_org, reported_by, submission_id, \
     position, campaign, tlp, visibility_id, state, created_at, updated_at";
const INSERT_WIDTH: usize = 28;

/// Inserts new findings (state `received`), ~1000 parameters a statement.
/// A fingerprint stored meanwhile by a concurrent transaction (another
/// worker's batch, committed while this one waited for it) is skipped:
/// returns the fingerprints that were not inserted.
///
/// Such a skip is rare (never on SQLite, whose write transaction holds the
/// lock from its start), so a statement's count of inserted rows tells
/// whether to look: only then are its fingerprints read back. A
/// `RETURNING` list cost every row a result row sent back from SQLite's
/// worker thread.
pub async fn insert_many(
    conn: &mut AnyConnection,
    rows: &[Finding],
    visibility_id: i64,
) -> Result<Vec<String>> {
    let mut lost = Vec::new();
    for chunk in rows.chunks(1000 / INSERT_WIDTH) {
        let sql = format!(
            "INSERT INTO findings ({INSERT_COLUMNS}) VALUES {} \
             ON CONFLICT (fingerprint) DO NOTHING",
            bulk_values(conn, chunk.len(), INSERT_WIDTH)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for f in chunk {
            let loc = f.location.as_ref();
            q = q
                .bind(&f.id)
                .bind(&f.fingerprint)
                .bind(&f.target)
                .bind(f.target_kind.as_str())
                .bind(&f.target_identity)
                .bind(&f.title)
                .bind(&f.description)
                .bind(&f.rule_id)
                .bind(&f.tool)
                .bind(json_list(&f.cwes))
                .bind(f.severity.map(|s| s.as_str()))
                .bind(&f.cvss_vector)
                .bind(loc.and_then(|l| l.path.clone()))
                .bind(loc.and_then(|l| l.start_line))
                .bind(loc.and_then(|l| l.end_line))
                .bind(loc.and_then(|l| l.function.clone()))
                .bind(&f.evidence)
                .bind(json_list(&f.aliases))
                .bind(&f.reporter_org)
                .bind(&f.reported_by)
                .bind(&f.submission_id)
                .bind(&f.position)
                .bind(&f.campaign)
                .bind(f.tlp.as_str())
                .bind(visibility_id)
                .bind(f.state.as_str())
                .bind(&f.created_at)
                .bind(&f.updated_at);
        }
        let inserted = q
            .execute(&mut *conn)
            .await
            .map_err(|e| StoreError::conflict_as(e, "a finding with this fingerprint"))?
            .rows_affected();
        if inserted < chunk.len() as u64 {
            let fingerprints: Vec<String> = chunk.iter().map(|f| f.fingerprint.clone()).collect();
            let stored = ids_by_fingerprint(conn, &fingerprints).await?;
            lost.extend(
                chunk
                    .iter()
                    .filter(|f| stored.get(&f.fingerprint) != Some(&f.id))
                    .map(|f| f.fingerprint.clone()),
            );
        }
    }
    Ok(lost)
}

/// One organisation's sighting of a finding in one version.
pub struct NewSighting<'a> {
    pub finding_id: &'a str,
    pub org_id: &'a str,
    pub version: &'a str,
    pub submission_id: &'a str,
    pub seen_at: &'a str,
}

/// Records sightings; one already recorded is left as it is.
pub async fn insert_sightings(conn: &mut AnyConnection, rows: &[NewSighting<'_>]) -> Result<()> {
    for chunk in rows.chunks(1000 / 5) {
        let sql = format!(
            "INSERT INTO finding_sightings (finding_id, org_id, version, submission_id, seen_at) \
             VALUES {} ON CONFLICT (finding_id, org_id, version) DO NOTHING",
            bulk_values(conn, chunk.len(), 5)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for s in chunk {
            q = q
                .bind(s.finding_id)
                .bind(s.org_id)
                .bind(s.version)
                .bind(s.submission_id)
                .bind(s.seen_at);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

pub async fn get<'e, E: Executor<'e, Database = Any>>(db: E, id: &str) -> Result<Option<Finding>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE f.id = $1");
    fetch::optional(db, sql, &[&id], from_row).await
}

/// One finding, only if the reader may read it: one query whether it is
/// missing or unreadable, so both answers cost the same.
pub async fn get_readable<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: &str,
    filter: &ReadFilter<'_>,
) -> Result<Option<Finding>> {
    let sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE f.id = $3 AND {}",
        FINDINGS.clause(filter, 1, 2)
    );
    fetch::optional(db, sql, &[&filter.org_id, &filter.user_id, &id], from_row).await
}

/// The labels of the findings among `ids` that exist: (id, TLP, owner
/// organisation, visibility id), by primary key. The caller applies the
/// policy (`workflows::read_policy::readable_case_ids`): a filter in this
/// query would let the planner walk an organisation's whole range of the
/// `(reporter_org, id)` index.
pub async fn labels_of(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<Vec<(String, String, String, i64)>> {
    let rows = rows_in(conn, ids, |list| {
        format!("SELECT id, tlp, reporter_org, visibility_id FROM findings WHERE id IN ({list})")
    })
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("tlp")?,
                r.try_get("reporter_org")?,
                r.try_get("visibility_id")?,
            ))
        })
        .collect()
}

/// The first reporter's organisation and those of every linked report.
pub async fn reporter_orgs<'e, E: Executor<'e, Database = Any>>(
    db: E,
    finding_id: &str,
) -> Result<Vec<String>> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT reporter_org FROM findings WHERE id = $1 \
         UNION SELECT org_id FROM finding_sightings WHERE finding_id = $1",
    )
    .bind(finding_id)
    .fetch_all(db)
    .await?;
    let mut out = rows;
    out.sort();
    out.dedup();
    Ok(out)
}

/// The SQL of a [`FindingFilter`]: `$1`..`$6` (see [`bind_filter`]).
pub(crate) const FILTER_SQL: &str = "($1 = '' OR f.state = $1) AND ($2 = '' OR f.reporter_org = $2) \
     AND ($3 = '' OR f.target_identity = $3 OR f.target = $3) \
     AND ($4 = '' OR f.severity = $4) AND ($5 = '' OR f.campaign = $5) \
     AND ($6 = '' OR f.submission_id = $6)";

/// Binds `filter` as `$1`..`$6` of [`FILTER_SQL`] (an absent filter is '').
pub(crate) fn bind_filter<'q, Q: Bind<'q>>(q: Q, filter: &'q FindingFilter) -> Q {
    filter_args(filter)
        .into_iter()
        .fold(q, |q, value| q.bind_text(value))
}

/// The values of `$1`..`$6` of [`FILTER_SQL`] (an absent filter is '').
pub(crate) fn filter_args(filter: &FindingFilter) -> [&str; 6] {
    [
        filter.state.map_or("", |s| s.as_str()),
        filter.reporter_org.as_deref().unwrap_or(""),
        filter.target.as_deref().unwrap_or(""),
        filter.severity.map_or("", |s| s.as_str()),
        filter.campaign.as_deref().unwrap_or(""),
        filter.submission.as_deref().unwrap_or(""),
    ]
}

/// A query that takes text parameters: `sqlx::query` or `query_scalar`.
pub(crate) trait Bind<'q>: Sized {
    fn bind_text(self, v: &'q str) -> Self;
}

impl<'q> Bind<'q> for sqlx::query::Query<'q, Any, sqlx::any::AnyArguments> {
    fn bind_text(self, v: &'q str) -> Self {
        self.bind(v)
    }
}

impl<'q, O> Bind<'q> for sqlx::query::QueryScalar<'q, Any, O, sqlx::any::AnyArguments> {
    fn bind_text(self, v: &'q str) -> Self {
        self.bind(v)
    }
}

/// Findings matching `filter` that `read` admits, newest first, before
/// the cursor id.
pub async fn list<'e, E: Executor<'e, Database = Any>>(
    db: E,
    filter: &FindingFilter,
    read: &ReadFilter<'_>,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<Finding>> {
    let sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE {} AND {FILTER_SQL} \
         AND ($8 = '' OR f.id < $8) ORDER BY f.id DESC LIMIT $9",
        FINDINGS.clause(read, 7, 10)
    );
    let rows = bind_filter(sqlx::query(sqlx::AssertSqlSafe(sql)), filter)
        .bind(read.org_id)
        .bind(before.unwrap_or(""))
        .bind(limit)
        .bind(read.user_id)
        .fetch_all(db)
        .await?;
    rows.iter().map(from_row).collect()
}

/// What the analysis job needs of a finding.
#[derive(Debug, Clone)]
pub struct AnalysisRow {
    pub id: String,
    pub target: String,
    pub target_identity: String,
    pub location_path: Option<String>,
    pub title: String,
    pub description: String,
    pub evidence: Option<String>,
    pub tool: Option<String>,
    pub rule_id: Option<String>,
    pub reporter_org: String,
    pub cwes: Vec<String>,
    pub aliases: Vec<String>,
    pub signature: Option<Vec<u8>>,
    pub tlp: String,
    /// The visibility expression (canonical text).
    pub visibility: String,
}

const ANALYSIS_COLUMNS: &str = "id, target, target_identity, location_path, title, description, \
     evidence, tool, rule_id, reporter_org, cwes, aliases, signature, tlp, \
     (SELECT expression FROM visibility_labels WHERE id = findings.visibility_id) AS visibility";

fn analysis_from_row(r: &AnyRow) -> Result<AnalysisRow> {
    Ok(from_columns!(r => AnalysisRow {
        id, target, target_identity, location_path, title, description, evidence, tool, rule_id,
        reporter_org,
        cwes: parse_json_list(&r.try_get::<String, _>("cwes")?)?,
        aliases: parse_json_list(&r.try_get::<String, _>("aliases")?)?,
        signature, tlp, visibility,
    }))
}

/// Up to `limit` findings first reported by a submission and not yet
/// analysed (no signature), in id order.
pub async fn unanalysed<'e, E: Executor<'e, Database = Any>>(
    db: E,
    submission_id: &str,
    limit: i64,
) -> Result<Vec<AnalysisRow>> {
    let sql = format!(
        "SELECT {ANALYSIS_COLUMNS} FROM findings WHERE submission_id = $1 AND signature IS NULL \
         ORDER BY id LIMIT $2"
    );
    fetch::all(db, sql, &[&submission_id, &limit], analysis_from_row).await
}

/// Analysed findings of one target at one path (or any path, for a
/// finding without one; findings without a path match any), newest first.
pub async fn near_candidates<'e, E: Executor<'e, Database = Any>>(
    db: E,
    target_identity: &str,
    path: Option<&str>,
    limit: i64,
) -> Result<Vec<AnalysisRow>> {
    let sql = format!(
        "SELECT {ANALYSIS_COLUMNS} FROM findings WHERE target_identity = $1 \
         AND signature IS NOT NULL \
         AND ($2 = '' OR location_path = $2 OR location_path IS NULL) ORDER BY id DESC LIMIT $3"
    );
    fetch::all(
        db,
        sql,
        &[&target_identity, &path.unwrap_or(""), &limit],
        analysis_from_row,
    )
    .await
}

/// The outcome of analysing one finding.
pub struct Analysed<'a> {
    pub id: &'a str,
    pub signature: Vec<u8>,
    pub known_vuln_id: Option<String>,
}

/// Stores signatures and known-vulnerability links, a few hundred rows a
/// statement.
pub async fn set_analysed(conn: &mut AnyConnection, rows: &[Analysed<'_>]) -> Result<()> {
    for chunk in rows.chunks(300) {
        let sql = format!(
            "WITH v(id, sig, known) AS (VALUES {}) \
             UPDATE findings SET signature = (SELECT sig FROM v WHERE v.id = findings.id), \
             known_vuln_id = COALESCE((SELECT known FROM v WHERE v.id = findings.id), known_vuln_id) \
             WHERE id IN (SELECT id FROM v)",
            bulk_values(conn, chunk.len(), 3)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for r in chunk {
            q = q.bind(r.id).bind(&r.signature).bind(&r.known_vuln_id);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Records possible near-duplicates `(finding, other, similarity)`; a pair
/// already linked (either way, in any state) is left as it is.
pub async fn insert_similarities(
    conn: &mut AnyConnection,
    pairs: &[(String, String, f64)],
) -> Result<()> {
    for (a, b, sim) in pairs {
        sqlx::query(
            "INSERT INTO finding_similarities (finding_id, other_id, similarity, state) \
             SELECT $1, $2, CAST($3 AS DOUBLE PRECISION), 'possible' WHERE NOT EXISTS ( \
               SELECT 1 FROM finding_similarities WHERE (finding_id = $1 AND other_id = $2) \
                  OR (finding_id = $2 AND other_id = $1))",
        )
        .bind(a)
        .bind(b)
        .bind(format!("{sim:.4}"))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
