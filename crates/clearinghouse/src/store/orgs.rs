//! Organisations.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use super::{Result, StoreError};
use crate::model::Organization;

const COLUMNS: &str = "id, name, kind, sector, vetted, trusted_partner, created_at";

fn from_row(row: &AnyRow) -> Result<Organization> {
    Ok(Organization {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        kind: row.try_get("kind")?,
        sector: row.try_get("sector")?,
        vetted: row.try_get::<i64, _>("vetted")? != 0,
        trusted_partner: row.try_get::<i64, _>("trusted_partner")? != 0,
        created_at: row.try_get("created_at")?,
    })
}

pub async fn insert<'e, E: Executor<'e, Database = Any>>(db: E, org: &Organization) -> Result<()> {
    sqlx::query(
        "INSERT INTO organizations (id, name, kind, sector, vetted, trusted_partner, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&org.id)
    .bind(&org.name)
    .bind(&org.kind)
    .bind(&org.sector)
    .bind(i64::from(org.vetted))
    .bind(i64::from(org.trusted_partner))
    .bind(&org.created_at)
    .execute(db)
    .await
    .map_err(|e| StoreError::conflict_as(e, "an organisation with this name"))?;
    Ok(())
}

pub async fn get<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: &str,
) -> Result<Option<Organization>> {
    let sql = format!("SELECT {COLUMNS} FROM organizations WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(db)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn list<'e, E: Executor<'e, Database = Any>>(
    db: E,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<Organization>> {
    let sql = format!("SELECT {COLUMNS} FROM organizations WHERE id > $1 ORDER BY id LIMIT $2");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after.unwrap_or(""))
        .bind(limit)
        .fetch_all(db)
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn set_flags<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: &str,
    vetted: bool,
    trusted_partner: bool,
) -> Result<()> {
    let done =
        sqlx::query("UPDATE organizations SET vetted = $1, trusted_partner = $2 WHERE id = $3")
            .bind(i64::from(vetted))
            .bind(i64::from(trusted_partner))
            .bind(id)
            .execute(db)
            .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub async fn by_name<'e, E: Executor<'e, Database = Any>>(
    db: E,
    name: &str,
) -> Result<Option<Organization>> {
    let sql = format!("SELECT {COLUMNS} FROM organizations WHERE name = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(name)
        .fetch_optional(db)
        .await?;
    row.as_ref().map(from_row).transpose()
}
