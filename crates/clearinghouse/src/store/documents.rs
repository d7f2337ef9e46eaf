//! Shared documents, the generic labelled record, read through the one SQL
//! read filter (`store::read_filter`, the domain's `labels::policy` in SQL).

use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Executor, Row};

use super::{Result, decode};
use crate::model::{Attachment, Document};

use super::read_filter::DOCUMENTS;
pub use super::read_filter::ReadFilter;

const COLUMNS: &str = "d.id, d.owner_org, d.created_by, d.title, d.body, d.protection_marking, \
     d.tlp, v.expression, d.attachment_key, d.attachment_name, d.attachment_sha256, \
     d.attachment_size, d.created_at";

/// The policy of `clearinghouse_domain::labels::can_read`, as SQL: `$1` is
/// the reader's org, `$2` the reader's user id.
fn from_row(row: &AnyRow) -> Result<Document> {
    let key: Option<String> = row.try_get("attachment_key")?;
    let attachment = match key {
        Some(key) => Some(Attachment {
            key,
            name: row
                .try_get::<Option<String>, _>("attachment_name")?
                .unwrap_or_default(),
            sha256: row
                .try_get::<Option<String>, _>("attachment_sha256")?
                .unwrap_or_default(),
            size: row
                .try_get::<Option<i64>, _>("attachment_size")?
                .unwrap_or_default(),
        }),
        None => None,
    };
    Ok(from_columns!(row => Document {
        id, owner_org, created_by, title, body, protection_marking,
        tlp: decode(row, "documents", "tlp", |s| s.parse().ok())?,
        visibility: row.try_get("expression")?,
        shared_with_orgs: Vec::new(),
        named_readers: Vec::new(),
        attachment: attachment,
        created_at,
    }))
}

pub async fn insert(conn: &mut AnyConnection, doc: &Document, visibility_id: i64) -> Result<()> {
    let att = doc.attachment.as_ref();
    sqlx::query(
        "INSERT INTO documents (id, owner_org, created_by, title, body, protection_marking, tlp, \
         visibility_id, attachment_key, attachment_name, attachment_sha256, attachment_size, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(&doc.id)
    .bind(&doc.owner_org)
    .bind(&doc.created_by)
    .bind(&doc.title)
    .bind(&doc.body)
    .bind(&doc.protection_marking)
    .bind(doc.tlp.as_str())
    .bind(visibility_id)
    .bind(att.map(|a| a.key.clone()))
    .bind(att.map(|a| a.name.clone()))
    .bind(att.map(|a| a.sha256.clone()))
    .bind(att.map(|a| a.size))
    .bind(&doc.created_at)
    .execute(&mut *conn)
    .await?;
    for org in &doc.shared_with_orgs {
        sqlx::query("INSERT INTO record_shares (record_id, org_id) VALUES ($1, $2)")
            .bind(&doc.id)
            .bind(org)
            .execute(&mut *conn)
            .await?;
    }
    for user in &doc.named_readers {
        sqlx::query("INSERT INTO record_readers (record_id, user_id) VALUES ($1, $2)")
            .bind(&doc.id)
            .bind(user)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

async fn fill_sharing<'e, E: Executor<'e, Database = Any> + Copy>(
    db: E,
    doc: &mut Document,
) -> Result<()> {
    doc.shared_with_orgs = crate::store::labelled::shared_orgs(db, &doc.id).await?;
    doc.named_readers = sqlx::query_scalar(
        "SELECT user_id FROM record_readers WHERE record_id = $1 ORDER BY user_id",
    )
    .bind(&doc.id)
    .fetch_all(db)
    .await?;
    Ok(())
}

super::labelled::filled_reads!(
    "document", Document: COLUMNS, "documents", DOCUMENTS, from_row, fill_sharing
);
