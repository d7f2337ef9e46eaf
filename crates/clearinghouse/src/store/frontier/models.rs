//! The frontier-model registry's SQL (`frontier_models`). A labelled table
//! (registered in `read_filter::LABELLED_TABLES`): every read goes through
//! the one read policy as SQL ([`MODELS`]); shares live in the generic
//! `record_shares` table.

use sqlx::AnyConnection;

use crate::store::read_filter::Labelled;
use crate::store::{Result, StoreError};

/// Models: owned by the registering organisation, shared at AMBER through
/// `record_shares`, the registrant always a named reader. Not case data.
pub const MODELS: Labelled = Labelled::shared_record("m", "m.owner_org", "m.created_by");

table_record! {
    /// A registered model as stored; the workflow turns it into the API shape.
    #[derive(Debug, Clone, PartialEq)]
    pub struct ModelRow {
        id: String, owner_org: String, created_by: String, name: String, version: String,
        planned_partner_release: Option<String>, planned_public_release: Option<String>,
        /// Canonical text (`{:e}` of the operations), parsed back by the domain.
        training_compute: String,
        modalities: Vec<String> =
            crate::store::parse_json_list(&row.try_get::<String, _>("modalities")?)?,
        description: String, contact: String, tlp: String,
        /// The visibility expression (read from `visibility_labels`).
        visibility: String as "v.expression" = row.try_get("expression")?,
        shared_with_orgs: Vec<String> as _ = Vec::new(),
        created_at: String,
    }
    const COLUMNS = m.*;
    fn from_row(row);
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

crate::store::labelled::filled_reads!(
    "model", ModelRow: COLUMNS, "frontier_models", MODELS, from_row, fill_shares
);

/// How many models exist in all (for tests and operators; no read filter).
pub async fn count_all(pool: &sqlx::AnyPool) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM frontier_models")
        .fetch_one(pool)
        .await?)
}
