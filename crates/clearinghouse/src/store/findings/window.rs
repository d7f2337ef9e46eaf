//! Findings filed from an access window (issue 13 item 8): the window's
//! participant organisations (its developer and the organisations of its
//! unrevoked grants), the `record_shares` rows that label a window's
//! submission and its findings to them, and the window's findings as the
//! reader may read them (`FINDINGS`, which admits `record_shares` at AMBER).

use sqlx::{AnyConnection, AnyPool, Row};

use super::{COLUMNS, FROM, from_row};
use crate::model::finding::Finding;
use crate::store::Result;
use crate::store::fetch;
use crate::store::read_filter::{FINDINGS, ReadFilter};

/// The window's developer organisation and the organisations of the people
/// holding an unrevoked grant on it, sorted, without duplicates.
pub async fn participant_orgs(conn: &mut AnyConnection, window_id: &str) -> Result<Vec<String>> {
    let rows = sqlx::query(
        "SELECT w.developer_org AS org_id FROM frontier_windows w WHERE w.id = $1 \
         UNION SELECT g.org_id AS org_id FROM frontier_window_grants g \
         WHERE g.window_id = $1 AND g.revoked_at IS NULL",
    )
    .bind(window_id)
    .fetch_all(conn)
    .await?;
    let mut orgs = rows
        .iter()
        .map(|r| r.try_get::<String, _>("org_id"))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    orgs.sort();
    orgs.dedup();
    Ok(orgs)
}

/// Shares one record with the organisations (rows already there are kept).
pub async fn share(conn: &mut AnyConnection, record_id: &str, orgs: &[String]) -> Result<()> {
    for org in orgs {
        sqlx::query(
            "INSERT INTO record_shares (record_id, org_id) SELECT $1, $2 WHERE NOT EXISTS \
             (SELECT 1 FROM record_shares x WHERE x.record_id = $1 AND x.org_id = $2)",
        )
        .bind(record_id)
        .bind(org)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Gives the submission's findings the submission's shares (idempotent:
/// a batch retried after a crash adds nothing twice).
pub async fn share_findings_of(conn: &mut AnyConnection, submission_id: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO record_shares (record_id, org_id) \
         SELECT f.id, rs.org_id FROM findings f JOIN record_shares rs ON rs.record_id = f.submission_id \
         WHERE f.submission_id = $1 AND NOT EXISTS \
         (SELECT 1 FROM record_shares x WHERE x.record_id = f.id AND x.org_id = rs.org_id)",
    )
    .bind(submission_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The organisations a record is shared with.
pub async fn shares_of(pool: &AnyPool, record_id: &str) -> Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT org_id FROM record_shares WHERE record_id = $1 ORDER BY org_id")
            .bind(record_id)
            .fetch_all(pool)
            .await?,
    )
}

/// Findings made by the window's submissions that the reader may read,
/// newest id first, before the cursor id.
pub async fn list(
    pool: &AnyPool,
    window_id: &str,
    filter: &ReadFilter<'_>,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<Finding>> {
    let sql = format!(
        "SELECT {COLUMNS} {FROM} JOIN submissions ws ON ws.id = f.submission_id \
         WHERE ws.window_id = $3 AND ($4 = '' OR f.id < $4) AND {} \
         ORDER BY f.id DESC LIMIT $5",
        FINDINGS.clause(filter, 1, 2)
    );
    fetch::all(
        pool,
        sql,
        &[
            &filter.org_id,
            &filter.user_id,
            &window_id,
            &before.unwrap_or(""),
            &limit,
        ],
        from_row,
    )
    .await
}
