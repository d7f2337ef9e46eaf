//! Operators' assets, the SBOMs uploaded for them, and the components of
//! each asset's current inventory (indexed by package identity so a new
//! advisory finds its exposed components without scanning every SBOM).

use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Executor, Row};

use crate::model::exposure::{Asset, SbomSummary};
use crate::store::fetch;
use crate::store::{Result, StoreError, bulk_values, rows_in};

const COLUMNS: &str = "a.id, a.org_id, a.name, a.owner, a.description, a.publicly_exposed, \
     a.mission_impact, a.created_at, a.updated_at, a.archived_at, a.archive_reason, s.id AS sbom_id, s.format, s.spec_version, \
     s.sha256, s.component_count, s.uploaded_at";

/// The latest SBOM of each asset, joined to it.
const FROM: &str = "FROM assets a LEFT JOIN sboms s ON s.id = ( \
     SELECT s2.id FROM sboms s2 WHERE s2.asset_id = a.id ORDER BY s2.uploaded_at DESC, s2.id DESC LIMIT 1)";

fn from_row(row: &AnyRow) -> Result<Asset> {
    let sbom_id: Option<String> = row.try_get("sbom_id")?;
    let sbom = match sbom_id {
        Some(id) => Some(SbomSummary {
            id,
            format: row.try_get("format")?,
            spec_version: row.try_get("spec_version")?,
            sha256: row.try_get("sha256")?,
            component_count: row.try_get("component_count")?,
            uploaded_at: row.try_get("uploaded_at")?,
        }),
        None => None,
    };
    Ok(from_columns!(row => Asset {
        id, org_id, name, owner, description,
        publicly_exposed: row.try_get::<i64, _>("publicly_exposed")? != 0,
        mission_impact, created_at, updated_at,
        sbom: sbom,
        archived_at, archive_reason,
    }))
}

pub async fn insert<'e, E: Executor<'e, Database = Any>>(db: E, a: &Asset) -> Result<()> {
    let q = sqlx::query(
        "INSERT INTO assets (id, org_id, name, owner, description, publicly_exposed, mission_impact, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    );
    bind_fields!(q, a => {
        id, org_id, name, owner, description,
        publicly_exposed: i64::from(a.publicly_exposed),
        mission_impact, created_at, updated_at,
    })
    .execute(db)
    .await
    .map_err(|e| StoreError::conflict_as(e, "an asset with this name in the organisation"))?;
    Ok(())
}

pub async fn update<'e, E: Executor<'e, Database = Any>>(db: E, a: &Asset) -> Result<()> {
    let q = sqlx::query(
        "UPDATE assets SET owner = $2, description = $3, publicly_exposed = $4, mission_impact = $5, \
         updated_at = $6 WHERE id = $1",
    );
    bind_fields!(q, a => {
        id, owner, description,
        publicly_exposed: i64::from(a.publicly_exposed),
        mission_impact, updated_at,
    })
    .execute(db)
    .await?;
    Ok(())
}

pub async fn get<'e, E: Executor<'e, Database = Any>>(db: E, id: &str) -> Result<Option<Asset>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE a.id = $1");
    fetch::optional(db, sql, &[&id], from_row).await
}

pub async fn by_name<'e, E: Executor<'e, Database = Any>>(
    db: E,
    org_id: &str,
    name: &str,
) -> Result<Option<Asset>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE a.org_id = $1 AND a.name = $2");
    fetch::optional(db, sql, &[&org_id, &name], from_row).await
}

/// Sets or clears (`at` = None) an asset's archived time and reason,
/// compare-and-set: false when it was already in that state (a concurrent
/// archive or unarchive won).
pub async fn set_archived<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: &str,
    at: Option<&str>,
    reason: Option<&str>,
    now: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE assets SET archived_at = $2, archive_reason = $3, updated_at = $4 \
         WHERE id = $1 AND (archived_at IS NULL) = ($2 IS NOT NULL)",
    )
    .bind(id)
    .bind(at)
    .bind(reason)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Assets after the cursor (by id), of one organisation or of all;
/// archived ones only when `archived` is true.
pub async fn list(
    pool: &sqlx::AnyPool,
    org_id: Option<&str>,
    name: Option<&str>,
    archived: bool,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<Asset>> {
    let sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE a.id > $1 AND ($2 = '' OR a.org_id = $2) \
         AND ($3 = '' OR a.name = $3) AND ($5 = 1 OR a.archived_at IS NULL) ORDER BY a.id LIMIT $4"
    );
    fetch::all(
        pool,
        sql,
        &[
            &after.unwrap_or(""),
            &org_id.unwrap_or(""),
            &name.unwrap_or(""),
            &limit,
            &i64::from(archived),
        ],
        from_row,
    )
    .await
}

/// A component about to be stored.
#[derive(Debug, Clone)]
pub struct NewComponent {
    pub package_key: Option<String>,
    pub ecosystem: Option<String>,
    pub purl: Option<String>,
    pub name: String,
    pub version: Option<String>,
    pub cpe: Option<String>,
    /// The CPE's match key (`cpe:<vendor>:<product>`), when it names a product.
    pub cpe_key: Option<String>,
}

/// Records an SBOM and makes its components the asset's inventory,
/// replacing the previous one, inside the caller's transaction.
pub async fn replace_inventory(
    conn: &mut AnyConnection,
    asset_id: &str,
    sbom: &SbomSummary,
    artifact_key: &str,
    uploaded_by: &str,
    components: &[NewComponent],
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sboms (id, asset_id, format, spec_version, sha256, artifact_key, component_count, \
         uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&sbom.id)
    .bind(asset_id)
    .bind(&sbom.format)
    .bind(&sbom.spec_version)
    .bind(&sbom.sha256)
    .bind(artifact_key)
    .bind(sbom.component_count)
    .bind(uploaded_by)
    .bind(&sbom.uploaded_at)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM components WHERE asset_id = $1")
        .bind(asset_id)
        .execute(&mut *conn)
        .await?;
    insert_components(conn, asset_id, components).await
}

/// Inserts components of one asset in multi-row batches.
pub async fn insert_components(
    conn: &mut AnyConnection,
    asset_id: &str,
    components: &[NewComponent],
) -> Result<()> {
    const COLS: usize = 8;
    for chunk in components.chunks(100) {
        let sql = format!(
            "INSERT INTO components (asset_id, package_key, ecosystem, purl, name, version, cpe, cpe_key) \
             VALUES {}",
            bulk_values(conn, chunk.len(), COLS)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for c in chunk {
            q = q
                .bind(asset_id)
                .bind(&c.package_key)
                .bind(&c.ecosystem)
                .bind(&c.purl)
                .bind(&c.name)
                .bind(&c.version)
                .bind(&c.cpe)
                .bind(&c.cpe_key);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// A stored component with the facts of its asset that matching needs.
#[derive(Debug, Clone)]
pub struct ComponentRow {
    /// Its row id; a replaced SBOM's components get new ones.
    pub id: i64,
    pub asset_id: String,
    pub package_key: Option<String>,
    pub ecosystem: Option<String>,
    pub purl: Option<String>,
    pub name: String,
    pub version: Option<String>,
    pub cpe: Option<String>,
    /// The CPE's match key; `None` (or empty) when it has none.
    pub cpe_key: Option<String>,
}

fn component_from_row(r: &AnyRow) -> Result<ComponentRow> {
    Ok(ComponentRow {
        id: r.try_get("id")?,
        asset_id: r.try_get("asset_id")?,
        package_key: r.try_get("package_key")?,
        ecosystem: r.try_get("ecosystem")?,
        purl: r.try_get("purl")?,
        name: r.try_get("name")?,
        version: r.try_get("version")?,
        cpe: r.try_get("cpe")?,
        cpe_key: r
            .try_get::<Option<String>, _>("cpe_key")?
            .filter(|k| !k.is_empty()),
    })
}

const COMPONENT_COLUMNS: &str =
    "id, asset_id, package_key, ecosystem, purl, name, version, cpe, cpe_key";

/// Components of archived assets take no part in matching.
const NOT_ARCHIVED: &str = "NOT EXISTS (SELECT 1 FROM assets ar WHERE ar.id = components.asset_id AND ar.archived_at IS NOT NULL)";

/// Every component of one asset.
pub async fn components_of<'e, E: Executor<'e, Database = Any>>(
    db: E,
    asset_id: &str,
) -> Result<Vec<ComponentRow>> {
    let sql = format!(
        "SELECT {COMPONENT_COLUMNS} FROM components WHERE asset_id = $1 AND {NOT_ARCHIVED} ORDER BY id"
    );
    fetch::all(db, sql, &[&asset_id], component_from_row).await
}

/// Every component of the given assets.
pub async fn components_of_assets(
    conn: &mut AnyConnection,
    asset_ids: &[String],
) -> Result<Vec<ComponentRow>> {
    let mut out = Vec::new();
    for r in rows_in(conn, asset_ids, |list| {
        format!(
            "SELECT {COMPONENT_COLUMNS} FROM components WHERE asset_id IN ({list}) AND {NOT_ARCHIVED} \
             ORDER BY id"
        )
    })
    .await?
    {
        out.push(component_from_row(&r)?);
    }
    Ok(out)
}

/// How many components the assets have (archived ones none) and the sum
/// of their row ids: it changes when an SBOM is replaced or an asset
/// archived, so a page matched outside a transaction can be checked
/// unchanged inside the one that writes its exposures.
pub async fn components_fingerprint(
    conn: &mut AnyConnection,
    asset_ids: &[String],
) -> Result<(i64, i64)> {
    let mut total = (0, 0);
    for r in rows_in(conn, asset_ids, |list| {
        format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n, CAST(COALESCE(SUM(id), 0) AS BIGINT) AS s \
             FROM components WHERE asset_id IN ({list}) AND {NOT_ARCHIVED}"
        )
    })
    .await?
    {
        total.0 += r.try_get::<i64, _>("n")?;
        total.1 += r.try_get::<i64, _>("s")?;
    }
    Ok(total)
}

/// Asset ids after `after`, in order: to walk every asset in pages.
pub async fn ids_after<'e, E: Executor<'e, Database = Any>>(
    db: E,
    after: &str,
    through: Option<&str>,
    limit: i64,
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM assets WHERE id > $1 AND ($2 = '' OR id <= $2) ORDER BY id LIMIT $3",
    )
    .bind(after)
    .bind(through.unwrap_or(""))
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// Components of any asset whose package identity (or CPE identity, for the
/// `cpe:` keys) is one of `keys`: the index lookup of incremental matching.
/// A component found by both its keys is returned once.
pub async fn components_with_keys(
    conn: &mut AnyConnection,
    keys: &[String],
) -> Result<Vec<ComponentRow>> {
    let (cpe_keys, package_keys): (Vec<String>, Vec<String>) =
        keys.iter().cloned().partition(|k| k.starts_with("cpe:"));
    let mut out = Vec::new();
    for r in rows_in(conn, &package_keys, |list| {
        format!(
            "SELECT {COMPONENT_COLUMNS} FROM components WHERE package_key IN ({list}) AND {NOT_ARCHIVED}"
        )
    })
    .await?
    {
        out.push(component_from_row(&r)?);
    }
    let by_package: std::collections::HashSet<&String> = package_keys.iter().collect();
    for r in rows_in(conn, &cpe_keys, |list| {
        format!(
            "SELECT {COMPONENT_COLUMNS} FROM components WHERE cpe_key IN ({list}) AND {NOT_ARCHIVED}"
        )
    })
    .await?
    {
        let c = component_from_row(&r)?;
        if !c.package_key.as_ref().is_some_and(|k| by_package.contains(k)) {
            out.push(c);
        }
    }
    Ok(out)
}

/// Components stored before CPE keys existed (migration 0011) that carry a
/// CPE: (id, cpe), at most `limit`.
pub async fn without_cpe_key(conn: &mut AnyConnection, limit: i64) -> Result<Vec<(i64, String)>> {
    let rows = sqlx::query(
        "SELECT id, cpe FROM components WHERE cpe IS NOT NULL AND cpe_key IS NULL ORDER BY id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("cpe")?)))
        .collect()
}

/// Records a component's CPE key ('' for a CPE that names no product).
pub async fn set_cpe_key(conn: &mut AnyConnection, id: i64, key: &str) -> Result<()> {
    sqlx::query("UPDATE components SET cpe_key = $1 WHERE id = $2")
        .bind(key)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The facts of assets that priority needs: (id, org_id, publicly_exposed,
/// mission_impact, org vetted).
pub async fn facts(
    conn: &mut AnyConnection,
    asset_ids: &[String],
) -> Result<Vec<(String, String, bool, String, bool)>> {
    let mut out = Vec::new();
    for r in rows_in(conn, asset_ids, |list| {
        format!(
            "SELECT a.id, a.org_id, a.publicly_exposed, a.mission_impact, o.vetted FROM assets a \
             JOIN organizations o ON o.id = a.org_id WHERE a.id IN ({list})"
        )
    })
    .await?
    {
        out.push((
            r.try_get("id")?,
            r.try_get("org_id")?,
            r.try_get::<i64, _>("publicly_exposed")? != 0,
            r.try_get("mission_impact")?,
            r.try_get::<i64, _>("vetted")? != 0,
        ));
    }
    Ok(out)
}
