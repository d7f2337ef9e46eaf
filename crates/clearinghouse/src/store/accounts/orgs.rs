//! Organisations.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use crate::model::Organization;
use crate::store::fetch;
use crate::store::paged::{Arg, Paged, direction, like_pattern};
use crate::store::{Result, StoreError, decode, decode_opt};

const COLUMNS: &str =
    "id, name, kind, sector, vetted, trusted_partner, created_at, archived_at, archive_reason";

fn from_row(row: &AnyRow) -> Result<Organization> {
    Ok(from_columns!(row => Organization {
        id, name,
        kind: decode(row, "organizations", "kind", |s| s.parse().ok())?,
        sector: decode_opt(row, "organizations", "sector", |s| s.parse().ok())?,
        vetted: row.try_get::<i64, _>("vetted")? != 0,
        trusted_partner: row.try_get::<i64, _>("trusted_partner")? != 0,
        created_at, archived_at, archive_reason,
    }))
}

pub async fn insert<'e, E: Executor<'e, Database = Any>>(db: E, org: &Organization) -> Result<()> {
    sqlx::query(
        "INSERT INTO organizations (id, name, kind, sector, vetted, trusted_partner, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&org.id)
    .bind(&org.name)
    .bind(org.kind.as_str())
    .bind(org.sector.map(|s| s.as_str()))
    .bind(i64::from(org.vetted))
    .bind(i64::from(org.trusted_partner))
    .bind(&org.created_at)
    .execute(db)
    .await
    .map_err(|e| StoreError::conflict_as(e, "an organisation with this name"))?;
    Ok(())
}

/// Every organisation's name, archived ones too (a look-alike of an
/// archived organisation's name is still refused: see
/// `identity::name_key`, which the workflow compares in Rust; the key is
/// not SQL). Read when an organisation is created, a rare act; at 10,000
/// organisations this is a few milliseconds.
pub async fn all_names<'e, E: Executor<'e, Database = Any>>(db: E) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar("SELECT name FROM organizations")
        .fetch_all(db)
        .await?)
}

pub async fn get<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: &str,
) -> Result<Option<Organization>> {
    let sql = format!("SELECT {COLUMNS} FROM organizations WHERE id = $1");
    fetch::optional(db, sql, &[&id], from_row).await
}

/// The part of the directory a reader outside the clearinghouse staff sees
/// (`$n` is its organisation's id; `''` means everything): its own
/// organisation and the government agencies it may share records with.
fn visible_clause(n: usize) -> String {
    format!("(${n} = '' OR id = ${n} OR kind = 'government_agency')")
}

/// Organisations after the cursor; archived ones only when `archived`;
/// only [`visible_clause`]'s when `visible_to` names an organisation.
pub async fn list<'e, E: Executor<'e, Database = Any>>(
    db: E,
    archived: bool,
    visible_to: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<Organization>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM organizations WHERE id > $1 AND ($3 = 1 OR archived_at IS NULL) \
         AND {} ORDER BY id LIMIT $2",
        visible_clause(4)
    );
    fetch::all(
        db,
        sql,
        &[
            &after.unwrap_or(""),
            &limit,
            &i64::from(archived),
            &visible_to.unwrap_or(""),
        ],
        from_row,
    )
    .await
}

/// Marks an organisation archived, with its reason (compare-and-set:
/// NotFound when it is missing or already archived).
pub async fn set_archived<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: &str,
    at: &str,
    reason: &str,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE organizations SET archived_at = $2, archive_reason = $3 \
             WHERE id = $1 AND archived_at IS NULL",
    )
    .bind(id)
    .bind(at)
    .bind(reason)
    .execute(db)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Ids of an organisation's users who are not disabled.
pub async fn active_user_ids<'e, E: Executor<'e, Database = Any>>(
    db: E,
    org_id: &str,
) -> Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM users WHERE org_id = $1 AND disabled = 0 ORDER BY id")
            .bind(org_id)
            .fetch_all(db)
            .await?,
    )
}

/// Disables every user of an organisation.
pub async fn disable_users<'e, E: Executor<'e, Database = Any>>(
    db: E,
    org_id: &str,
) -> Result<u64> {
    Ok(
        sqlx::query("UPDATE users SET disabled = 1 WHERE org_id = $1 AND disabled = 0")
            .bind(org_id)
            .execute(db)
            .await?
            .rows_affected(),
    )
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
    fetch::optional(db, sql, &[&name], from_row).await
}

/// The names of the organisations among `ids` (id, name), for pages that
/// show names instead of ids; unknown ids are left out.
pub async fn names<'e, E: Executor<'e, Database = Any>>(
    db: E,
    ids: &[String],
) -> Result<Vec<(String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT id, name FROM organizations WHERE id IN ({})",
        crate::store::placeholders(1, ids.len())
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in ids {
        q = q.bind(id);
    }
    let rows = q.fetch_all(db).await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
        .collect()
}

sort_columns!(
    /// A column the organisations table sorts by.
    OrgSort {
        Name("name") => "LOWER(name)",
        Kind("kind") => "kind",
        Sector("sector") => "COALESCE(sector, '')",
        Created("created") => "created_at",
    }
);

/// Paging, sorting, a kind filter and a search (name, kind or sector,
/// case-insensitive substring) of the organisations table.
#[derive(Debug, Clone, Default)]
pub struct OrgTable<'a> {
    pub search: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub archived: bool,
    /// A reader outside the staff: only its own organisation and the
    /// government agencies (see [`list`]).
    pub visible_to: Option<&'a str>,
    pub sort: OrgSort,
    pub descending: bool,
    pub offset: i64,
    pub limit: i64,
}

/// One page of organisations and how many match in all.
pub async fn table<'e, E>(db: E, q: &OrgTable<'_>) -> Result<(Vec<Organization>, i64)>
where
    E: Executor<'e, Database = Any> + Copy,
{
    let search = q.search.map(like_pattern).unwrap_or_default();
    let clause = format!(
        "WHERE ($1 = 1 OR archived_at IS NULL) AND ($2 = '' OR kind = $2) \
         AND ($3 = '' OR LOWER(name) LIKE $3 ESCAPE '!' OR LOWER(kind) LIKE $3 ESCAPE '!' \
              OR LOWER(COALESCE(sector, '')) LIKE $3 ESCAPE '!') AND {}",
        visible_clause(4)
    );
    Paged {
        columns: COLUMNS,
        from: "FROM organizations",
        clause: &clause,
        order: format!("{} {}, id", q.sort.sql(), direction(q.descending)),
        args: vec![
            Arg::Int(i64::from(q.archived)),
            Arg::Text(q.kind.unwrap_or("")),
            Arg::Text(&search),
            Arg::Text(q.visible_to.unwrap_or("")),
        ],
    }
    .fetch(db, q.offset, q.limit, from_row)
    .await
}
