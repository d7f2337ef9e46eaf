//! Coordination cases' SQL (migration 0018): `cases` (a labelled table,
//! registered in `read_filter::LABELLED_TABLES` as [`CASES`]), the
//! vulnerabilities a case concerns (`case_vulnerabilities`, by group id)
//! and its participants (`case_participants`; each participant
//! organisation also gets a `record_shares` row, which is how the one read
//! policy admits it). `messages.rs` holds messages and the event timeline,
//! `vendors.rs` the vendor map and the vendors a case's products point to,
//! `patches.rs` patches, message attachments and remediation progress facts.

pub mod advisories;
#[cfg(feature = "bench")]
pub mod bench;
pub mod feed;
pub mod messages;
pub mod patches;
pub mod statements;
pub mod vendors;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::store::fetch;
use crate::store::labelled::Readable;
use crate::store::read_filter::{Labelled, Named, ReadFilter, Shares};
use crate::store::{Result, StoreError};

/// Cases: case data owned by the coordinating organisation, shared with
/// every participant organisation through `record_shares`, addressed to
/// the clearinghouse staff. Nobody else reads one, whatever its TLP.
pub const CASES: Labelled = Labelled {
    alias: "c",
    owner: "c.owner_org",
    shares: Shares::RecordShares,
    named: Named::Staff,
    creator: "''",
    case_data: true,
};

/// A case as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseRow {
    pub id: String,
    pub owner_org: String,
    pub title: String,
    pub summary: String,
    /// `open` or `published`.
    pub state: String,
    /// `YYYY-MM-DD`.
    pub target_date: String,
    pub tlp: String,
    /// The visibility expression (read from `visibility_labels`).
    pub visibility: String,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    pub published_at: Option<String>,
}

/// One participant organisation.
#[derive(Debug, Clone, PartialEq)]
pub struct ParticipantRow {
    pub case_id: String,
    pub org_id: String,
    pub role: String,
    pub invited_by: String,
    pub invited_at: String,
    pub joined_at: Option<String>,
    pub joined_by: Option<String>,
    pub last_seen_at: Option<String>,
}

const COLUMNS: &str = "c.id, c.owner_org, c.title, c.summary, c.state, c.target_date, c.tlp, \
     v.expression, c.created_by, c.created_at, c.updated_at, c.published_at";

const PARTICIPANT_COLUMNS: &str =
    "case_id, org_id, role, invited_by, invited_at, joined_at, joined_by, last_seen_at";

fn from_row(r: &AnyRow) -> Result<CaseRow> {
    Ok(from_columns!(r => CaseRow {
        id, owner_org, title, summary, state, target_date, tlp,
        visibility: r.try_get("expression")?,
        created_by, created_at, updated_at, published_at,
    }))
}

fn participant_from_row(r: &AnyRow) -> Result<ParticipantRow> {
    Ok(from_columns!(r => ParticipantRow {
        case_id, org_id, role, invited_by, invited_at, joined_at, joined_by, last_seen_at,
    }))
}

/// Inserts a case with the vulnerabilities it concerns (`(group id, as
/// named)` pairs).
pub async fn insert(
    conn: &mut AnyConnection,
    c: &CaseRow,
    visibility_id: i64,
    vulnerabilities: &[(String, String)],
) -> Result<()> {
    sqlx::query(
        "INSERT INTO cases (id, owner_org, title, summary, state, target_date, tlp, \
         visibility_id, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&c.id)
    .bind(&c.owner_org)
    .bind(&c.title)
    .bind(&c.summary)
    .bind(&c.state)
    .bind(&c.target_date)
    .bind(&c.tlp)
    .bind(visibility_id)
    .bind(&c.created_by)
    .bind(&c.created_at)
    .bind(&c.updated_at)
    .execute(&mut *conn)
    .await?;
    for (vuln_id, named_as) in vulnerabilities {
        sqlx::query(
            "INSERT INTO case_vulnerabilities (case_id, vuln_id, named_as) VALUES ($1, $2, $3)",
        )
        .bind(&c.id)
        .bind(vuln_id)
        .bind(named_as)
        .execute(&mut *conn)
        .await
        .map_err(|e| StoreError::conflict_as(e, "the same vulnerability twice"))?;
    }
    Ok(())
}

/// Adds a participant and its `record_shares` row; a second invitation of
/// the same organisation is a conflict.
pub async fn insert_participant(conn: &mut AnyConnection, p: &ParticipantRow) -> Result<()> {
    let q = sqlx::query(
        "INSERT INTO case_participants (case_id, org_id, role, invited_by, invited_at, \
         joined_at, joined_by, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    );
    bind_fields!(q, p => {
        case_id, org_id, role, invited_by, invited_at, joined_at, joined_by, last_seen_at,
    })
    .execute(&mut *conn)
    .await
    .map_err(|e| StoreError::conflict_as(e, "this organisation is already a participant"))?;
    sqlx::query("INSERT INTO record_shares (record_id, org_id) VALUES ($1, $2)")
        .bind(&p.case_id)
        .bind(&p.org_id)
        .execute(&mut *conn)
        .await
        .map_err(|e| StoreError::conflict_as(e, "this organisation is already a participant"))?;
    Ok(())
}

fn readable(filter: &ReadFilter<'_>) -> Readable {
    Readable {
        select: format!(
            "SELECT {COLUMNS} FROM cases c JOIN visibility_labels v ON v.id = c.visibility_id"
        ),
        id: "c.id".to_owned(),
        clause: CASES.clause(filter, 1, 2),
    }
}

/// One case, only if the reader may read it.
pub async fn get_readable(
    pool: &sqlx::AnyPool,
    id: &str,
    filter: &ReadFilter<'_>,
) -> Result<Option<CaseRow>> {
    readable(filter).one(pool, filter, id, from_row).await
}

/// Readable cases after the cursor, in id order.
pub async fn list_readable(
    pool: &sqlx::AnyPool,
    filter: &ReadFilter<'_>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<CaseRow>> {
    readable(filter)
        .page(pool, filter, after, limit, from_row)
        .await
}

/// The vulnerabilities of a case: `(group id, as named when opened)`.
pub async fn vulnerabilities(
    conn: &mut AnyConnection,
    case_id: &str,
) -> Result<Vec<(String, String)>> {
    let rows = sqlx::query(
        "SELECT vuln_id, named_as FROM case_vulnerabilities WHERE case_id = $1 ORDER BY vuln_id",
    )
    .bind(case_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("vuln_id")?, r.try_get("named_as")?)))
        .collect()
}

/// Every participant, in invitation order.
pub async fn participants(conn: &mut AnyConnection, case_id: &str) -> Result<Vec<ParticipantRow>> {
    let sql = format!(
        "SELECT {PARTICIPANT_COLUMNS} FROM case_participants WHERE case_id = $1 \
         ORDER BY invited_at, org_id"
    );
    fetch::all(&mut *conn, sql, &[&case_id], participant_from_row).await
}

/// One participant organisation of a case, if it is one.
pub async fn participant(
    conn: &mut AnyConnection,
    case_id: &str,
    org_id: &str,
) -> Result<Option<ParticipantRow>> {
    let sql = format!(
        "SELECT {PARTICIPANT_COLUMNS} FROM case_participants WHERE case_id = $1 AND org_id = $2"
    );
    fetch::optional(&mut *conn, sql, &[&case_id, &org_id], participant_from_row).await
}

/// Withdraws `org_id` from the case (removed by a coordinator, or left)
/// with the `record_shares` row its invitation added, so the case leaves
/// the organisation's lists too and it may be invited again; false when it
/// was no participant.
pub async fn remove_participant(
    conn: &mut AnyConnection,
    case_id: &str,
    org_id: &str,
) -> Result<bool> {
    let done = sqlx::query("DELETE FROM case_participants WHERE case_id = $1 AND org_id = $2")
        .bind(case_id)
        .bind(org_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM record_shares WHERE record_id = $1 AND org_id = $2")
        .bind(case_id)
        .bind(org_id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Records that an invited organisation joined; false when it already had.
pub async fn join(
    conn: &mut AnyConnection,
    case_id: &str,
    org_id: &str,
    user_id: &str,
    now: &str,
) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE case_participants SET joined_at = $1, joined_by = $2, last_seen_at = $3 \
         WHERE case_id = $4 AND org_id = $5 AND joined_at IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .bind(now)
    .bind(case_id)
    .bind(org_id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

/// Housekeeping (no audit entry, like token last use): the participant
/// organisation looked at the case now. Its read receipts follow from it.
pub async fn touch_seen(
    pool: &sqlx::AnyPool,
    case_id: &str,
    org_id: &str,
    now: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE case_participants SET last_seen_at = $1 WHERE case_id = $2 AND org_id = $3",
    )
    .bind(now)
    .bind(case_id)
    .bind(org_id)
    .execute(pool)
    .await?;
    Ok(())
}

/// Marks the case changed.
pub async fn touch(conn: &mut AnyConnection, case_id: &str, now: &str) -> Result<()> {
    sqlx::query("UPDATE cases SET updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(case_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The CHX id a finding was validated as (`findings.vulnerability_id`).
pub async fn finding_vulnerability(
    conn: &mut AnyConnection,
    finding_id: &str,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar::<_, Option<String>>(
        "SELECT vulnerability_id FROM findings WHERE id = $1 AND state = 'validated'",
    )
    .bind(finding_id)
    .fetch_optional(&mut *conn)
    .await?
    .flatten())
}

/// Moves an open case's target date; false when the case is not open.
pub async fn set_target_date(
    conn: &mut AnyConnection,
    case_id: &str,
    date: &str,
    now: &str,
) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE cases SET target_date = $1, updated_at = $2 WHERE id = $3 AND state = 'open'",
    )
    .bind(date)
    .bind(now)
    .bind(case_id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

/// Marks an open case published (compare-and-set); false when it was not open.
pub async fn set_published(conn: &mut AnyConnection, case_id: &str, now: &str) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE cases SET state = 'published', published_at = $1, updated_at = $2 \
         WHERE id = $3 AND state = 'open'",
    )
    .bind(now)
    .bind(now)
    .bind(case_id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

/// Open cases whose target date (`YYYY-MM-DD`) is `today` or earlier.
pub async fn due(pool: &sqlx::AnyPool, today: &str, limit: i64) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM cases WHERE state = 'open' AND target_date <= $1 ORDER BY target_date, id \
         LIMIT $2",
    )
    .bind(today)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// The case row itself, unfiltered: for the publication job and for the
/// workflow inside its write transaction, after a policy read.
pub async fn get_row(conn: &mut AnyConnection, case_id: &str) -> Result<Option<CaseRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM cases c JOIN visibility_labels v ON v.id = c.visibility_id \
         WHERE c.id = $1"
    );
    fetch::optional(&mut *conn, sql, &[&case_id], from_row).await
}

/// Whether an organisation has (or had) an exposure to a vulnerability of
/// the case: an operator the case's advisory is addressed to.
pub async fn org_exposed_to_case(
    conn: &mut AnyConnection,
    case_id: &str,
    org_id: &str,
) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM exposures e JOIN case_vulnerabilities cv ON cv.vuln_id = e.vuln_id \
         WHERE cv.case_id = $1 AND e.org_id = $2",
    )
    .bind(case_id)
    .bind(org_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(n > 0)
}

/// Organisations with an unresolved exposure to one of these vulnerabilities.
pub async fn exposed_orgs(conn: &mut AnyConnection, vuln_ids: &[String]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for chunk in vuln_ids.chunks(500) {
        let sql = format!(
            "SELECT DISTINCT org_id FROM exposures WHERE resolved_at IS NULL AND vuln_id IN ({}) \
             ORDER BY org_id",
            crate::store::in_params(1, chunk.len())
        );
        let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql));
        for v in chunk {
            q = q.bind(v);
        }
        out.extend(q.fetch_all(&mut *conn).await?);
    }
    out.sort();
    out.dedup();
    Ok(out)
}
