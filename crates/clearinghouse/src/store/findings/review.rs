//! SQL of the validation workflow: a finding's state transitions (written
//! compare-and-set on the state, so two concurrent decisions cannot both
//! apply) with their history rows, `CHX-YYYY-NNNNN` numbers from a per-year
//! counter, near-duplicate link decisions, the findings linked to one
//! another for shared credit, the findings supporting a vulnerability, and
//! the per-organisation reporter quality counts (GROUP BY queries).

use std::collections::BTreeMap;

use sqlx::{Any, AnyConnection, Executor, Row};

use crate::model::finding::SimilarLink;
use crate::model::review::{ReporterStats, SimilarityLink};
use crate::store::read_filter::{FINDINGS, ReadFilter, SUBMISSIONS};
use crate::store::{Result, decode, in_params};

/// One workflow transition of a finding, as written.
pub struct Transition<'a> {
    pub finding_id: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    pub rejection_reason: Option<&'a str>,
    pub duplicate_of: Option<&'a str>,
    pub validator_id: Option<&'a str>,
    pub vulnerability_id: Option<&'a str>,
    /// The text of the history row (reason code and reason).
    pub reason: &'a str,
    pub actor: &'a str,
    pub actor_org: &'a str,
    pub at: &'a str,
}

/// Moves a finding from `t.from` to `t.to` and appends its history row.
/// Returns false, writing nothing, when the finding is no longer in `t.from`
/// (another decision got there first).
pub async fn transition(conn: &mut AnyConnection, t: &Transition<'_>) -> Result<bool> {
    let q = sqlx::query(
        "UPDATE findings SET state = $1, rejection_reason = $2, duplicate_of = $3, \
         validator_id = $4, vulnerability_id = $5, updated_at = $6 WHERE id = $7 AND state = $8",
    );
    let done = bind_fields!(q, t => {
        to, rejection_reason, duplicate_of, validator_id, vulnerability_id, at, finding_id, from,
    })
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    let q = sqlx::query(
        "INSERT INTO finding_events (finding_id, from_state, to_state, reason, actor, actor_org, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    );
    bind_fields!(q, t => {
        finding_id, from, to, reason, actor, actor_org, at,
    })
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

/// The next number of `year`'s CHX counter, in the caller's transaction.
/// One statement (an upsert returning the new value), so concurrent
/// transactions queue on the counter row and never share a number.
pub async fn next_chx_number(conn: &mut AnyConnection, year: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO chx_counters (year, last_number) VALUES ($1, 1) \
         ON CONFLICT (year) DO UPDATE SET last_number = chx_counters.last_number + 1 \
         RETURNING last_number",
    )
    .bind(year)
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn insert_chx(
    conn: &mut AnyConnection,
    id: &str,
    vuln_id: &str,
    created_by: &str,
    now: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO chx_vulnerabilities (id, vuln_id, created_by, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(vuln_id)
    .bind(created_by)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn chx_exists<'e, E: Executor<'e, Database = Any>>(db: E, id: &str) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM chx_vulnerabilities WHERE id = $1")
        .bind(id)
        .fetch_one(db)
        .await?;
    Ok(n > 0)
}

/// The distinct non-empty versions a finding was seen in.
pub async fn sighting_versions<'e, E: Executor<'e, Database = Any>>(
    db: E,
    finding_id: &str,
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT version FROM finding_sightings WHERE finding_id = $1 AND version <> '' \
         ORDER BY version",
    )
    .bind(finding_id)
    .fetch_all(db)
    .await?)
}

fn link_from_row(r: &sqlx::any::AnyRow) -> Result<SimilarityLink> {
    let similarity: String = r.try_get("similarity")?;
    Ok(from_columns!(r => SimilarityLink {
        finding_id, other_id,
        similarity: similarity.parse().unwrap_or(0.0),
        state: decode(r, "finding_similarities", "state", SimilarLink::parse)?,
        decided_by, decided_at,
        rejected_finding: None,
    }))
}

/// The near-duplicate link between two findings, stored in either direction.
pub async fn similarity_link<'e, E: Executor<'e, Database = Any>>(
    db: E,
    a: &str,
    b: &str,
) -> Result<Option<SimilarityLink>> {
    let row = sqlx::query(
        "SELECT finding_id, other_id, CAST(similarity AS TEXT) AS similarity, state, decided_by, \
         decided_at FROM finding_similarities \
         WHERE (finding_id = $1 AND other_id = $2) OR (finding_id = $2 AND other_id = $1)",
    )
    .bind(a)
    .bind(b)
    .fetch_optional(db)
    .await?;
    row.as_ref().map(link_from_row).transpose()
}

/// Records a person's decision on a link; false when it was already `state`.
pub async fn decide_link(
    conn: &mut AnyConnection,
    link: &SimilarityLink,
    state: SimilarLink,
    decided_by: &str,
    now: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE finding_similarities SET state = $1, decided_by = $2, decided_at = $3 \
         WHERE finding_id = $4 AND other_id = $5 AND state <> $1",
    )
    .bind(state.as_str())
    .bind(decided_by)
    .bind(now)
    .bind(&link.finding_id)
    .bind(&link.other_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The findings one step from any of `ids`: confirmed near-duplicates in
/// either direction, and duplicates recorded through `duplicate_of` either way.
pub async fn linked_findings(conn: &mut AnyConnection, ids: &[String]) -> Result<Vec<String>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = in_params(1, ids.len());
    let sql = format!(
        "SELECT other_id AS id FROM finding_similarities WHERE state = 'confirmed' AND finding_id IN ({list}) \
         UNION SELECT finding_id FROM finding_similarities WHERE state = 'confirmed' AND other_id IN ({list}) \
         UNION SELECT id FROM findings WHERE duplicate_of IN ({list}) \
         UNION SELECT duplicate_of FROM findings WHERE duplicate_of IS NOT NULL AND id IN ({list})"
    );
    let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql));
    for id in ids {
        q = q.bind(id);
    }
    Ok(q.fetch_all(&mut *conn).await?)
}

/// The organisations that reported any of `finding_ids` (first reporters
/// and sightings), each with its name and when it first reported one,
/// earliest first.
pub async fn reporting_orgs(
    conn: &mut AnyConnection,
    finding_ids: &[String],
) -> Result<Vec<(String, String)>> {
    if finding_ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = in_params(1, finding_ids.len());
    let sql = format!(
        "SELECT r.org_id, o.name, MIN(r.at) AS first_at FROM ( \
           SELECT reporter_org AS org_id, created_at AS at FROM findings WHERE id IN ({list}) \
           UNION ALL SELECT org_id, seen_at FROM finding_sightings WHERE finding_id IN ({list}) \
         ) r JOIN organizations o ON o.id = r.org_id \
         GROUP BY r.org_id, o.name ORDER BY first_at, r.org_id"
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in finding_ids {
        q = q.bind(id);
    }
    let rows = q.fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| Ok((r.try_get("org_id")?, r.try_get("name")?)))
        .collect()
}

/// The ids of the findings supporting a vulnerability group: those whose
/// CHX vulnerability is one of the group's advisories.
pub async fn supporting_findings<'e, E: Executor<'e, Database = Any>>(
    db: E,
    vuln_id: &str,
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT f.id FROM findings f JOIN advisories a ON a.id = f.vulnerability_id \
         WHERE a.vuln_id = $1 ORDER BY f.id",
    )
    .bind(vuln_id)
    .fetch_all(db)
    .await?)
}

/// An SQL condition: the user `user` (a parameter) or the organisation
/// `org` is a party to the vulnerability `vuln` (an SQL expression): one
/// of its findings was validated by the user, reported by the
/// organisation, or sighted by it. Used by [`is_party_to`] and by the
/// vulnerability index, so both admit the same readers.
pub fn party_clause(vuln: &str, user: &str, org: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM findings pf JOIN advisories pa ON pa.id = pf.vulnerability_id \
         WHERE pa.vuln_id = {vuln} AND (pf.validator_id = {user} OR pf.reporter_org = {org} \
         OR EXISTS (SELECT 1 FROM finding_sightings ps WHERE ps.finding_id = pf.id \
         AND ps.org_id = {org})))"
    )
}

/// Whether `user_id` validated, or `org_id` reported or sighted, a finding
/// supporting the vulnerability group `vuln_id`.
pub async fn is_party_to<'e, E: Executor<'e, Database = Any>>(
    db: E,
    vuln_id: &str,
    user_id: &str,
    org_id: &str,
) -> Result<bool> {
    let sql = format!(
        "SELECT CASE WHEN {} THEN 1 ELSE 0 END",
        party_clause("$1", "$2", "$3")
    );
    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(vuln_id)
        .bind(user_id)
        .bind(org_id)
        .fetch_one(db)
        .await?;
    Ok(n > 0)
}

fn stats_entry<'m>(
    map: &'m mut BTreeMap<String, ReporterStats>,
    r: &sqlx::any::AnyRow,
) -> Result<&'m mut ReporterStats> {
    let org_id: String = r.try_get("org_id")?;
    let name: String = r.try_get("name")?;
    Ok(map.entry(org_id.clone()).or_insert_with(|| ReporterStats {
        org_id,
        name,
        ..Default::default()
    }))
}

/// Reporter quality counts per organisation, over submissions and findings
/// created at or after `since` (RFC 3339 text; empty for all time). Three
/// grouped queries: submissions, findings by state and rejection reason,
/// and findings rejected as a confirmed near-duplicate, each counting only
/// the submissions and findings the reader may read (the one read policy).
/// Organisations with nothing readable are absent; order is by name.
pub async fn reporter_stats<'e, E>(
    db: E,
    since: &str,
    filter: &ReadFilter<'_>,
) -> Result<Vec<ReporterStats>>
where
    E: Executor<'e, Database = Any> + Copy,
{
    let mut map: BTreeMap<String, ReporterStats> = BTreeMap::new();
    let sql = format!(
        "SELECT s.org_id, o.name, COUNT(*) AS submissions, \
           CAST(COALESCE(SUM(s.items), 0) AS BIGINT) AS items, \
           CAST(COALESCE(SUM(s.new_findings), 0) AS BIGINT) AS new_findings, \
           CAST(COALESCE(SUM(s.duplicates), 0) AS BIGINT) AS duplicates \
         FROM submissions s JOIN organizations o ON o.id = s.org_id \
         WHERE s.created_at >= $1 AND {} GROUP BY s.org_id, o.name",
        SUBMISSIONS.clause(filter, 2, 3)
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(since)
        .bind(filter.org_id)
        .bind(filter.user_id)
        .fetch_all(db)
        .await?;
    for r in &rows {
        let e = stats_entry(&mut map, r)?;
        e.submissions = r.try_get("submissions")?;
        e.items_received = r.try_get("items")?;
        e.new_findings = r.try_get("new_findings")?;
        e.duplicates = r.try_get("duplicates")?;
    }
    let sql = format!(
        "SELECT f.reporter_org AS org_id, o.name, f.state, COALESCE(f.rejection_reason, '') AS reason, \
           COUNT(*) AS n \
         FROM findings f JOIN organizations o ON o.id = f.reporter_org \
         WHERE f.created_at >= $1 AND {} \
         GROUP BY f.reporter_org, o.name, f.state, f.rejection_reason",
        FINDINGS.clause(filter, 2, 3)
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(since)
        .bind(filter.org_id)
        .bind(filter.user_id)
        .fetch_all(db)
        .await?;
    for r in &rows {
        let state: String = r.try_get("state")?;
        let reason: String = r.try_get("reason")?;
        let n: i64 = r.try_get("n")?;
        let e = stats_entry(&mut map, r)?;
        match state.as_str() {
            "validated" => e.validated += n,
            "rejected" => *e.rejected.entry(reason).or_default() += n,
            _ => e.open += n,
        }
    }
    let sql = format!(
        "SELECT f.reporter_org AS org_id, o.name, COUNT(*) AS n \
         FROM findings f JOIN organizations o ON o.id = f.reporter_org \
         WHERE f.created_at >= $1 AND f.state = 'rejected' AND f.rejection_reason = 'duplicate' \
           AND EXISTS (SELECT 1 FROM finding_similarities l WHERE l.state = 'confirmed' \
             AND ((l.finding_id = f.id AND l.other_id = f.duplicate_of) \
               OR (l.other_id = f.id AND l.finding_id = f.duplicate_of))) \
           AND {} GROUP BY f.reporter_org, o.name",
        FINDINGS.clause(filter, 2, 3)
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(since)
        .bind(filter.org_id)
        .bind(filter.user_id)
        .fetch_all(db)
        .await?;
    for r in &rows {
        let n: i64 = r.try_get("n")?;
        stats_entry(&mut map, r)?.near_duplicates_confirmed = n;
    }
    let mut out: Vec<ReporterStats> = map.into_values().collect();
    for e in &mut out {
        let rejected: i64 = e.rejected.values().sum();
        let decided = e.validated + rejected;
        e.validated_ratio = if decided == 0 {
            0.0
        } else {
            e.validated as f64 / decided as f64
        };
    }
    out.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.org_id.cmp(&b.org_id)));
    Ok(out)
}
