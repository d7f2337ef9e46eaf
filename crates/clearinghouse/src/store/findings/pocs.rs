//! Proof-of-concept artifacts (`poc_artifacts`: metadata, labels and how the
//! sealed content is wrapped; the ciphertext itself is in the artifact
//! store) and their time-limited releases (`poc_releases`, one per approved
//! two-person request).

use clearinghouse_domain::labels::Tlp;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Executor, Row};

use crate::model::poc::{PocArtifact, PocRelease, PocSealing};
use crate::store::fetch;
use crate::store::read_filter::{FINDINGS, POCS, ReadFilter};
use crate::store::{Result, decode, decode_text};

const COLUMNS: &str = "p.id, p.finding_id, p.file_name, p.media_type, p.size_bytes, p.sha256, \
     p.object_key, p.kek_id, p.wrapped_key, p.nonce, p.tlp, v.expression, p.uploaded_by, \
     p.created_at";

const FROM: &str = "poc_artifacts p JOIN visibility_labels v ON v.id = p.visibility_id";

fn from_row(row: &AnyRow) -> Result<(PocArtifact, PocSealing)> {
    let poc = PocArtifact {
        id: row.try_get("id")?,
        finding_id: row.try_get("finding_id")?,
        file_name: row.try_get("file_name")?,
        media_type: row.try_get("media_type")?,
        size_bytes: row.try_get("size_bytes")?,
        sha256: row.try_get("sha256")?,
        tlp: decode(row, "poc_artifacts", "tlp", |s| s.parse().ok())?,
        visibility: row.try_get("expression")?,
        uploaded_by: row.try_get("uploaded_by")?,
        created_at: row.try_get("created_at")?,
    };
    let sealing = PocSealing {
        object_key: row.try_get("object_key")?,
        kek_id: row.try_get("kek_id")?,
        wrapped_key: row.try_get("wrapped_key")?,
        nonce: row.try_get("nonce")?,
    };
    Ok((poc, sealing))
}

pub async fn insert(
    conn: &mut AnyConnection,
    poc: &PocArtifact,
    sealing: &PocSealing,
    visibility_id: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO poc_artifacts (id, finding_id, file_name, media_type, size_bytes, sha256, \
         object_key, kek_id, wrapped_key, nonce, tlp, visibility_id, uploaded_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&poc.id)
    .bind(&poc.finding_id)
    .bind(&poc.file_name)
    .bind(&poc.media_type)
    .bind(poc.size_bytes)
    .bind(&poc.sha256)
    .bind(&sealing.object_key)
    .bind(&sealing.kek_id)
    .bind(&sealing.wrapped_key)
    .bind(&sealing.nonce)
    .bind(poc.tlp.as_str())
    .bind(visibility_id)
    .bind(&poc.uploaded_by)
    .bind(&poc.created_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One artifact with its sealing, whoever asks (the workflow checks).
pub async fn get<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: &str,
) -> Result<Option<(PocArtifact, PocSealing)>> {
    let sql = format!("SELECT {COLUMNS} FROM {FROM} WHERE p.id = $1");
    fetch::optional(db, sql, &[&id], from_row).await
}

/// The labels of an artifact's finding, read with it.
#[derive(Debug, Clone)]
pub struct FindingLabelsRow {
    pub tlp: Tlp,
    pub visibility: String,
    pub reporter_org: String,
}

/// One artifact with its sealing and its finding's labels, only if the
/// reader may read both the finding and the artifact: one query, so a
/// missing and an unreadable artifact cost the same.
pub async fn get_readable<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: &str,
    filter: &ReadFilter<'_>,
) -> Result<Option<(PocArtifact, PocSealing, FindingLabelsRow)>> {
    let sql = format!(
        "SELECT {COLUMNS}, f.tlp AS f_tlp, fv.expression AS f_expression, f.reporter_org \
         FROM {FROM} JOIN findings f ON f.id = p.finding_id \
         JOIN visibility_labels fv ON fv.id = f.visibility_id \
         WHERE p.id = $3 AND {} AND {}",
        FINDINGS.clause(filter, 1, 2),
        POCS.clause(filter, 1, 2)
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(filter.org_id)
        .bind(filter.user_id)
        .bind(id)
        .fetch_optional(db)
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let (poc, sealing) = from_row(&row)?;
    let finding = FindingLabelsRow {
        tlp: decode_text("findings", "tlp", row.try_get("f_tlp")?, |s| s.parse().ok())?,
        visibility: row.try_get("f_expression")?,
        reporter_org: row.try_get("reporter_org")?,
    };
    Ok(Some((poc, sealing, finding)))
}

/// A finding's artifacts after the cursor, oldest first, that the reader
/// may read (the finding's read rule and the artifact's labels).
pub async fn list_for_finding<'e, E: Executor<'e, Database = Any>>(
    db: E,
    finding_id: &str,
    filter: &ReadFilter<'_>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<PocArtifact>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM {FROM} JOIN findings f ON f.id = p.finding_id \
         WHERE p.finding_id = $3 AND p.id > $4 AND {} AND {} ORDER BY p.id LIMIT $5",
        FINDINGS.clause(filter, 1, 2),
        POCS.clause(filter, 1, 2)
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(filter.org_id)
        .bind(filter.user_id)
        .bind(finding_id)
        .bind(after.unwrap_or(""))
        .bind(limit)
        .fetch_all(db)
        .await?;
    rows.iter()
        .map(|r| from_row(r).map(|(poc, _)| poc))
        .collect()
}

pub async fn insert_release<'e, E: Executor<'e, Database = Any>>(
    db: E,
    release: &PocRelease,
) -> Result<()> {
    let q = sqlx::query(
        "INSERT INTO poc_releases (approval_id, poc_id, user_id, granted_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    );
    bind_fields!(q, release => {
        approval_id, poc_id, user_id, granted_at, expires_at,
    })
    .execute(db)
    .await?;
    Ok(())
}

/// The release of `poc_id` to `user_id` that lasts longest, if one is still
/// valid at `now` (RFC 3339 text of fixed width, so text order is time order).
pub async fn active_release<'e, E: Executor<'e, Database = Any>>(
    db: E,
    poc_id: &str,
    user_id: &str,
    now: &str,
) -> Result<Option<PocRelease>> {
    let row = sqlx::query(
        "SELECT approval_id, poc_id, user_id, granted_at, expires_at FROM poc_releases \
         WHERE poc_id = $1 AND user_id = $2 AND expires_at > $3 \
         ORDER BY expires_at DESC LIMIT 1",
    )
    .bind(poc_id)
    .bind(user_id)
    .bind(now)
    .fetch_optional(db)
    .await?;
    row.map(|r| {
        Ok(from_columns!(r => PocRelease {
            approval_id, poc_id, user_id, granted_at, expires_at,
        }))
    })
    .transpose()
}
