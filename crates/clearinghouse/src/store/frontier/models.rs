//! The frontier-model registry's SQL (`frontier_models`). A labelled table
//! (registered in `read_filter::LABELLED_TABLES`): every read goes through
//! the one read policy as SQL ([`MODELS`]); shares live in the generic
//! `record_shares` table.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::store::labelled::Readable;
use crate::store::read_filter::{Labelled, ReadFilter};
use crate::store::{Result, StoreError};

/// Models: owned by the registering organisation, shared at AMBER through
/// `record_shares`, the registrant always a named reader. Not case data.
pub const MODELS: Labelled = Labelled::shared_record("m", "m.owner_org", "m.created_by");

/// A registered model as stored; the workflow turns it into the API shape.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelRow {
    pub id: String,
    pub owner_org: String,
    pub created_by: String,
    pub name: String,
    pub version: String,
    pub planned_partner_release: Option<String>,
    pub planned_public_release: Option<String>,
    /// Canonical text (`{:e}` of the operations), parsed back by the domain.
    pub training_compute: String,
    pub modalities: Vec<String>,
    pub description: String,
    pub contact: String,
    pub tlp: String,
    /// The visibility expression (read from `visibility_labels`).
    pub visibility: String,
    pub shared_with_orgs: Vec<String>,
    pub created_at: String,
}

const COLUMNS: &str = "m.id, m.owner_org, m.created_by, m.name, m.version, \
     m.planned_partner_release, m.planned_public_release, m.training_compute, m.modalities, \
     m.description, m.contact, m.tlp, v.expression, m.created_at";

fn from_row(row: &AnyRow) -> Result<ModelRow> {
    let modalities: String = row.try_get("modalities")?;
    Ok(from_columns!(row => ModelRow {
        id, owner_org, created_by, name, version, planned_partner_release,
        planned_public_release, training_compute,
        modalities: crate::store::parse_json_list(&modalities)?,
        description, contact, tlp,
        visibility: row.try_get("expression")?,
        shared_with_orgs: Vec::new(),
        created_at,
    }))
}

/// Inserts a model and its shares; a second model with the same owner,
/// name and version is a conflict.
pub async fn insert(conn: &mut AnyConnection, m: &ModelRow, visibility_id: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO frontier_models (id, owner_org, created_by, name, version, \
         planned_partner_release, planned_public_release, training_compute, modalities, \
         description, contact, tlp, visibility_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&m.id)
    .bind(&m.owner_org)
    .bind(&m.created_by)
    .bind(&m.name)
    .bind(&m.version)
    .bind(&m.planned_partner_release)
    .bind(&m.planned_public_release)
    .bind(&m.training_compute)
    .bind(crate::store::json_list(&m.modalities))
    .bind(&m.description)
    .bind(&m.contact)
    .bind(&m.tlp)
    .bind(visibility_id)
    .bind(&m.created_at)
    .execute(&mut *conn)
    .await
    .map_err(|e| StoreError::conflict_as(e, "a model with this name and version"))?;
    for org in &m.shared_with_orgs {
        sqlx::query("INSERT INTO record_shares (record_id, org_id) VALUES ($1, $2)")
            .bind(&m.id)
            .bind(org)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

async fn fill_shares(pool: &sqlx::AnyPool, m: &mut ModelRow) -> Result<()> {
    m.shared_with_orgs = crate::store::labelled::shared_orgs(pool, &m.id).await?;
    Ok(())
}

/// Models under the reader's filter.
fn readable(filter: &ReadFilter<'_>) -> Readable {
    Readable::table(COLUMNS, "frontier_models", &MODELS, filter)
}

/// One model, only if the reader may read it.
pub async fn get_readable(
    pool: &sqlx::AnyPool,
    id: &str,
    filter: &ReadFilter<'_>,
) -> Result<Option<ModelRow>> {
    readable(filter)
        .one_filled(pool, filter, id, from_row, async |p, r| {
            fill_shares(p, r).await
        })
        .await
}

/// Readable models after the cursor, in id order.
pub async fn list_readable(
    pool: &sqlx::AnyPool,
    filter: &ReadFilter<'_>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<ModelRow>> {
    readable(filter)
        .page_filled(pool, filter, (after, limit), from_row, async |p, r| {
            fill_shares(p, r).await
        })
        .await
}

/// How many models exist in all (for tests and operators; no read filter).
pub async fn count_all(pool: &sqlx::AnyPool) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM frontier_models")
        .fetch_one(pool)
        .await?)
}
