//! Patches vendors attached to cases (`case_patches`, migration 0024) and
//! what each fixes (`case_patch_fixes`, migration 0030: a vulnerability of
//! the case, for one product or, with an empty key, all), message attachments (`case_attachments`), and the facts a case's
//! remediation progress counts (the exposures to its vulnerabilities with
//! their organisation's sector). No labels of their own: every read here
//! is for a case the workflow has already read under the policy, except
//! [`org_exposed`], which says whether an organisation that is no
//! participant has an exposure to a published case's vulnerabilities.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::store::Result;
use crate::store::fetch;

table_record! {
    /// One patch as stored.
    #[derive(Debug, Clone, PartialEq)]
    pub struct PatchRow {
        id: String, case_id: String, vendor_org: String, file_name: String,
        fixed_version: Option<String>,
        /// Where the vendor hosts it, when it was given by URL.
        url: Option<String>,
        size: i64, sha256: String, sha512: String, artifact_key: String,
        /// The signed release statement (a C2SP signed note).
        statement: String,
        created_by: String, created_at: String,
    }
    const PATCH_COLUMNS = *;
    fn patch_from_row(r);
}

pub async fn insert_patch(conn: &mut AnyConnection, p: &PatchRow) -> Result<()> {
    let sql = format!(
        "INSERT INTO case_patches ({PATCH_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    );
    let q = sqlx::query(sqlx::AssertSqlSafe(sql));
    bind_fields!(q, p => {
        id, case_id, vendor_org, file_name, fixed_version, url, size, sha256, sha512, artifact_key,
        statement, created_by, created_at,
    })
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A case's patches, oldest first: what the case page lists and what a
/// CSAF advisory's remediations (`vendor_fix`) name.
pub async fn of_case(conn: &mut AnyConnection, case_id: &str) -> Result<Vec<PatchRow>> {
    let sql = format!(
        "SELECT {PATCH_COLUMNS} FROM case_patches WHERE case_id = $1 ORDER BY created_at, id"
    );
    fetch::all(&mut *conn, sql, &[&case_id], patch_from_row).await
}

/// What a patch fixes: (vulnerability, product key or empty for all).
pub type Fix = (String, String);

/// Records what a patch fixes.
pub async fn insert_fixes(conn: &mut AnyConnection, patch_id: &str, fixes: &[Fix]) -> Result<()> {
    for (vuln_id, product_key) in fixes {
        sqlx::query(
            "INSERT INTO case_patch_fixes (patch_id, vuln_id, product_key) VALUES ($1, $2, $3)",
        )
        .bind(patch_id)
        .bind(vuln_id)
        .bind(product_key)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// What each patch of a case fixes: (patch id, vulnerability, product key).
pub async fn fixes_of_case(
    conn: &mut AnyConnection,
    case_id: &str,
) -> Result<Vec<(String, String, String)>> {
    let rows = sqlx::query(
        "SELECT f.patch_id, f.vuln_id, f.product_key FROM case_patch_fixes f \
         JOIN case_patches p ON p.id = f.patch_id WHERE p.case_id = $1 \
         ORDER BY f.patch_id, f.vuln_id, f.product_key",
    )
    .bind(case_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("patch_id")?,
                r.try_get("vuln_id")?,
                r.try_get("product_key")?,
            ))
        })
        .collect()
}

/// One patch of a case.
pub async fn get_patch(
    conn: &mut AnyConnection,
    case_id: &str,
    id: &str,
) -> Result<Option<PatchRow>> {
    let sql = format!("SELECT {PATCH_COLUMNS} FROM case_patches WHERE case_id = $1 AND id = $2");
    fetch::optional(&mut *conn, sql, &[&case_id, &id], patch_from_row).await
}

/// Whether an organisation has an exposure (any state) to one of the
/// case's vulnerabilities.
pub async fn org_exposed(conn: &mut AnyConnection, case_id: &str, org_id: &str) -> Result<bool> {
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

/// Every exposure to the case's vulnerabilities, reduced to what the
/// progress counts: (org, sector, state, accepted_until, due_at).
pub type ExposureFactRow = (
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
);

pub async fn exposure_facts(
    conn: &mut AnyConnection,
    case_id: &str,
) -> Result<Vec<ExposureFactRow>> {
    let rows = sqlx::query(
        "SELECT e.org_id, o.sector, e.state, e.accepted_until, e.due_at FROM exposures e \
         JOIN case_vulnerabilities cv ON cv.vuln_id = e.vuln_id \
         JOIN organizations o ON o.id = e.org_id WHERE cv.case_id = $1",
    )
    .bind(case_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("org_id")?,
                r.try_get("sector")?,
                r.try_get("state")?,
                r.try_get("accepted_until")?,
                r.try_get("due_at")?,
            ))
        })
        .collect()
}

/// One message attachment as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct AttachmentRow {
    pub id: String,
    pub case_id: String,
    pub message_id: String,
    pub file_name: String,
    pub size: i64,
    pub sha256: String,
    pub artifact_key: String,
    pub created_by: String,
    pub created_at: String,
}

const ATTACHMENT_COLUMNS: &str =
    "id, case_id, message_id, file_name, size, sha256, artifact_key, created_by, created_at";

fn attachment_from_row(r: &AnyRow) -> Result<AttachmentRow> {
    Ok(from_columns!(r => AttachmentRow {
        id, case_id, message_id, file_name, size, sha256, artifact_key, created_by, created_at,
    }))
}

pub async fn insert_attachment(conn: &mut AnyConnection, a: &AttachmentRow) -> Result<()> {
    let sql = format!(
        "INSERT INTO case_attachments ({ATTACHMENT_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    );
    let q = sqlx::query(sqlx::AssertSqlSafe(sql));
    bind_fields!(q, a => {
        id, case_id, message_id, file_name, size, sha256, artifact_key, created_by, created_at,
    })
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A case's attachments, by message and time.
pub async fn attachments_of_case(
    conn: &mut AnyConnection,
    case_id: &str,
) -> Result<Vec<AttachmentRow>> {
    let sql = format!(
        "SELECT {ATTACHMENT_COLUMNS} FROM case_attachments WHERE case_id = $1 \
         ORDER BY message_id, created_at, id"
    );
    fetch::all(&mut *conn, sql, &[&case_id], attachment_from_row).await
}

/// One attachment of a case.
pub async fn get_attachment(
    conn: &mut AnyConnection,
    case_id: &str,
    id: &str,
) -> Result<Option<AttachmentRow>> {
    let sql =
        format!("SELECT {ATTACHMENT_COLUMNS} FROM case_attachments WHERE case_id = $1 AND id = $2");
    fetch::optional(&mut *conn, sql, &[&case_id, &id], attachment_from_row).await
}
