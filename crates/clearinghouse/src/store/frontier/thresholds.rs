//! Threshold policies' SQL (`frontier_thresholds`). A labelled table
//! (registered in `read_filter::LABELLED_TABLES`): the policy's values and
//! salt are read only through the one read policy ([`THRESHOLDS`]). The
//! commitment alone is read without it ([`active_reference`]), for decisions.

use sqlx::{AnyConnection, Row};

use crate::model::frontier::ThresholdState;
use crate::store::fetch;
use crate::store::labelled::Readable;
use crate::store::read_filter::{Labelled, ReadFilter};
use crate::store::{Result, StoreError, decode};

/// Thresholds: owned by the proposing authority's organisation, shared at
/// AMBER through `record_shares`, the proposer a named reader.
pub const THRESHOLDS: Labelled = Labelled::shared_record("t", "t.owner_org", "t.created_by");

table_record! {
    /// A threshold policy version as stored (classified fields included).
    #[derive(Debug, Clone, PartialEq)]
    pub struct ThresholdRow {
        id: String, suite_id: String, version: i64,
        /// The domain's `ThresholdPolicy` as JSON.
        policy: String,
        /// Hex of the 32-byte salt.
        salt: String,
        commitment: String,
        state: ThresholdState = decode(row, "frontier_thresholds", "state", ThresholdState::parse)?,
        owner_org: String, created_by: String, tlp: String,
        visibility: String as "v.expression" = row.try_get("expression")?,
        approval_id: Option<String>, activated_at: Option<String>, created_at: String,
    }
    const COLUMNS = t.*;
    fn from_row(row);
}

pub async fn insert(conn: &mut AnyConnection, t: &ThresholdRow, visibility_id: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO frontier_thresholds (id, suite_id, version, policy, salt, commitment, state, \
         owner_org, created_by, tlp, visibility_id, approval_id, activated_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&t.id)
    .bind(&t.suite_id)
    .bind(t.version)
    .bind(&t.policy)
    .bind(&t.salt)
    .bind(&t.commitment)
    .bind(t.state.as_str())
    .bind(&t.owner_org)
    .bind(&t.created_by)
    .bind(&t.tlp)
    .bind(visibility_id)
    .bind(&t.approval_id)
    .bind(&t.activated_at)
    .bind(&t.created_at)
    .execute(&mut *conn)
    .await
    .map_err(|e| StoreError::conflict_as(e, "this threshold version"))?;
    Ok(())
}

/// Records the approval request filed for a version.
pub async fn set_approval(conn: &mut AnyConnection, id: &str, approval_id: &str) -> Result<()> {
    sqlx::query("UPDATE frontier_thresholds SET approval_id = $1 WHERE id = $2")
        .bind(approval_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The highest version number of a suite's thresholds (0 when none).
pub async fn max_version(conn: &mut AnyConnection, suite_id: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COALESCE(MAX(version), 0) FROM frontier_thresholds WHERE suite_id = $1",
    )
    .bind(suite_id)
    .fetch_one(&mut *conn)
    .await?)
}

/// Makes a pending version the active one; the active one before it is
/// superseded. Returns `(suite_id, version, commitment)`; false-y (None)
/// when the version is not pending (compare-and-set).
pub async fn activate(
    conn: &mut AnyConnection,
    id: &str,
    now: &str,
) -> Result<Option<(String, i64, String)>> {
    let row = sqlx::query(
        "SELECT suite_id, version, commitment FROM frontier_thresholds WHERE id = $1 AND state = 'pending'",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let suite_id: String = row.try_get("suite_id")?;
    let version: i64 = row.try_get("version")?;
    let commitment: String = row.try_get("commitment")?;
    sqlx::query(
        "UPDATE frontier_thresholds SET state = 'superseded' WHERE suite_id = $1 AND state = 'active'",
    )
    .bind(&suite_id)
    .execute(&mut *conn)
    .await?;
    let done = sqlx::query(
        "UPDATE frontier_thresholds SET state = 'active', activated_at = $1 WHERE id = $2 AND state = 'pending'",
    )
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok((done.rows_affected() == 1).then_some((suite_id, version, commitment)))
}

/// One version, only if the reader may read it.
pub async fn get_readable(
    pool: &sqlx::AnyPool,
    id: &str,
    filter: &ReadFilter<'_>,
) -> Result<Option<ThresholdRow>> {
    Readable::table(COLUMNS, "frontier_thresholds", &THRESHOLDS, filter)
        .one(pool, filter, id, from_row)
        .await
}

/// The readable versions of a suite's thresholds, oldest first.
pub async fn list_readable(
    pool: &sqlx::AnyPool,
    suite_id: &str,
    filter: &ReadFilter<'_>,
) -> Result<Vec<ThresholdRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM frontier_thresholds t JOIN visibility_labels v ON v.id = t.visibility_id \
         WHERE t.suite_id = $3 AND {} ORDER BY t.version",
        THRESHOLDS.clause(filter, 1, 2)
    );
    fetch::all(
        pool,
        sql,
        &[&filter.org_id, &filter.user_id, &suite_id],
        from_row,
    )
    .await
}

/// The public part of a suite's active version: `(id, version,
/// commitment)`. Never the values.
pub async fn active_reference(
    pool: &sqlx::AnyPool,
    suite_id: &str,
) -> Result<Option<(String, i64, String)>> {
    let row = sqlx::query(
        "SELECT id, version, commitment FROM frontier_thresholds WHERE suite_id = $1 AND state = 'active'",
    )
    .bind(suite_id)
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok((
            r.try_get("id")?,
            r.try_get("version")?,
            r.try_get("commitment")?,
        ))
    })
    .transpose()
}
