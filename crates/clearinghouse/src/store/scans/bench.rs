//! What `clearinghouse bench campaigns` needs and nothing else (built
//! only with the `bench` feature): organisations, assets, grants,
//! campaigns and their targets written in bulk (multi-row INSERTs, no
//! audit), and the linear-scan baseline's full reads of every campaign
//! target and every asset.

use sqlx::{AnyConnection, Row};

use super::assets::AssetRow;
use super::campaigns::{
    CampaignRow, INSERT_COLUMNS, INSERT_WIDTH, TARGET_INSERT_COLUMNS, TARGET_INSERT_WIDTH,
    TargetRow, bind_campaign, bind_target,
};
use crate::store::{Result, bulk_values};

pub async fn insert_org(conn: &mut AnyConnection, id: &str, name: &str, kind: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO organizations (id, name, kind, vetted, trusted_partner, created_at) \
         VALUES ($1, $2, $3, 0, 0, '2026-12-01T00:00:00.000000Z')",
    )
    .bind(id)
    .bind(name)
    .bind(kind)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn insert_assets(conn: &mut AnyConnection, rows: &[AssetRow]) -> Result<()> {
    for chunk in rows.chunks(500) {
        let sql = format!(
            "INSERT INTO scan_assets (id, org_id, kind, value, key_lo, key_hi, state, token, \
             disclose_prefix, created_by, created_at) VALUES {}",
            bulk_values(conn, chunk.len(), 11)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for a in chunk {
            q = q
                .bind(&a.id)
                .bind(&a.org_id)
                .bind(&a.kind)
                .bind(&a.value)
                .bind(&a.key_lo)
                .bind(&a.key_hi)
                .bind(&a.state)
                .bind(&a.token)
                .bind(a.disclose_prefix)
                .bind(&a.created_by)
                .bind(&a.created_at);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

pub async fn insert_campaigns(
    conn: &mut AnyConnection,
    rows: &[CampaignRow],
    targets: &[TargetRow],
) -> Result<()> {
    for chunk in rows.chunks(500) {
        let sql = format!(
            "INSERT INTO scan_campaigns ({INSERT_COLUMNS}) VALUES {}",
            bulk_values(conn, chunk.len(), INSERT_WIDTH)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for c in chunk {
            q = bind_campaign(q, c);
        }
        q.execute(&mut *conn).await?;
    }
    for chunk in targets.chunks(500) {
        let sql = format!(
            "INSERT INTO scan_campaign_targets ({TARGET_INSERT_COLUMNS}) VALUES {}",
            bulk_values(conn, chunk.len(), TARGET_INSERT_WIDTH)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for t in chunk {
            q = bind_target(q, t);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Every campaign target with its campaign's window and state: the
/// baseline's full scan.
pub async fn all_targets(
    conn: &mut AnyConnection,
) -> Result<Vec<(String, String, String, String, String)>> {
    let rows = sqlx::query(
        "SELECT t.campaign_id, t.value, c.starts_at, c.ends_at, c.state FROM scan_campaign_targets t \
         JOIN scan_campaigns c ON c.id = t.campaign_id",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("campaign_id")?,
                r.try_get("value")?,
                r.try_get("starts_at")?,
                r.try_get("ends_at")?,
                r.try_get("state")?,
            ))
        })
        .collect()
}

/// Every asset's owner, value and state: the baseline's full scan.
pub async fn all_assets(conn: &mut AnyConnection) -> Result<Vec<(String, String, String)>> {
    let rows = sqlx::query("SELECT org_id, value, state FROM scan_assets")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("org_id")?,
                r.try_get("value")?,
                r.try_get("state")?,
            ))
        })
        .collect()
}
