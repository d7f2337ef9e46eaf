//! People: accounts, their roles and authorizations, and the elevations
//! between people (who made whose account, who took part in granting whom
//! a role or an authorization) that the cooling-off rule reads.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use clearinghouse_domain::approval::{Elevation, ElevationKind};

use crate::clock;
use crate::model::User;
use crate::store::fetch;
use crate::store::{Result, StoreError, json_list, parse_json_list};

const COLUMNS: &str = "id, org_id, username, display_name, password_hash, roles, authorizations, disabled, created_at, created_by";

fn from_row(row: &AnyRow) -> Result<User> {
    Ok(from_columns!(row => User {
        id, org_id, username, display_name, password_hash,
        roles: parse_json_list(&row.try_get::<String, _>("roles")?)?,
        authorizations: parse_json_list(&row.try_get::<String, _>("authorizations")?)?,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        created_at, created_by,
    }))
}

/// The columns of [`from_aliased_row`]: a user read beside another table's
/// row, each column named `u_<column>`.
pub(super) const ALIASED_COLUMNS: &str = "u.id AS u_id, u.org_id AS u_org_id, \
    u.username AS u_username, u.display_name AS u_display_name, \
    u.password_hash AS u_password_hash, u.roles AS u_roles, \
    u.authorizations AS u_authorizations, u.disabled AS u_disabled, \
    u.created_at AS u_created_at, u.created_by AS u_created_by";

/// A user read under [`ALIASED_COLUMNS`].
pub(super) fn from_aliased_row(row: &AnyRow) -> Result<User> {
    Ok(User {
        id: row.try_get("u_id")?,
        org_id: row.try_get("u_org_id")?,
        username: row.try_get("u_username")?,
        display_name: row.try_get("u_display_name")?,
        password_hash: row.try_get("u_password_hash")?,
        roles: parse_json_list(&row.try_get::<String, _>("u_roles")?)?,
        authorizations: parse_json_list(&row.try_get::<String, _>("u_authorizations")?)?,
        disabled: row.try_get::<i64, _>("u_disabled")? != 0,
        created_at: row.try_get("u_created_at")?,
        created_by: row.try_get("u_created_by")?,
    })
}

pub async fn insert<'e, E: Executor<'e, Database = Any>>(db: E, user: &User) -> Result<()> {
    let q = sqlx::query(
        "INSERT INTO users (id, org_id, username, display_name, password_hash, roles, \
         authorizations, disabled, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    );
    bind_fields!(q, user => {
        id, org_id, username, display_name, password_hash,
        roles: json_list(&user.roles),
        authorizations: json_list(&user.authorizations),
        disabled: i64::from(user.disabled),
        created_at, created_by,
    })
    .execute(db)
    .await
    .map_err(|e| StoreError::conflict_as(e, "a user with this username"))?;
    Ok(())
}

async fn get_by<'e, E: Executor<'e, Database = Any>>(
    db: E,
    column: &str,
    value: &str,
) -> Result<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE {column} = $1");
    fetch::optional(db, sql, &[&value], from_row).await
}

pub async fn get<'e, E: Executor<'e, Database = Any>>(db: E, id: &str) -> Result<Option<User>> {
    get_by(db, "id", id).await
}

/// The user, only while they may act: not disabled, their organisation
/// not archived (one query for every authenticated request).
pub async fn get_active<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: &str,
) -> Result<Option<User>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM users WHERE id = $1 AND disabled = 0 AND NOT EXISTS \
         (SELECT 1 FROM organizations o WHERE o.id = users.org_id AND o.archived_at IS NOT NULL)"
    );
    fetch::optional(db, sql, &[&id], from_row).await
}

pub async fn get_by_username<'e, E: Executor<'e, Database = Any>>(
    db: E,
    username: &str,
) -> Result<Option<User>> {
    get_by(db, "username", username).await
}

/// Users after the cursor, optionally only those of one organisation.
pub async fn list<'e, E: Executor<'e, Database = Any>>(
    db: E,
    org_id: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<User>> {
    let select = format!("SELECT {COLUMNS} FROM users");
    fetch::after_cursor(db, &select, "org_id", org_id, after, limit, from_row).await
}

/// The list-valued columns of a user.
#[derive(Debug, Clone, Copy)]
enum ListColumn {
    Roles,
    Authorizations,
}

/// Replaces one list-valued column of a user.
async fn set_list<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: &str,
    column: ListColumn,
    values: &[String],
) -> Result<()> {
    let sql = match column {
        ListColumn::Roles => "UPDATE users SET roles = $1 WHERE id = $2",
        ListColumn::Authorizations => "UPDATE users SET authorizations = $1 WHERE id = $2",
    };
    let done = sqlx::query(sql)
        .bind(json_list(values))
        .bind(id)
        .execute(db)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub async fn set_authorizations<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: &str,
    authorizations: &[String],
) -> Result<()> {
    set_list(db, id, ListColumn::Authorizations, authorizations).await
}

pub async fn set_roles<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: &str,
    roles: &[String],
) -> Result<()> {
    set_list(db, id, ListColumn::Roles, roles).await
}

pub async fn set_password<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: &str,
    hash: &str,
) -> Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn count<'e, E: Executor<'e, Database = Any>>(db: E) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(db)
        .await?)
}

/// Records that `actor` created `subject`'s account or took part in
/// granting it a role or authorization, at `at` (RFC 3339 text).
pub async fn insert_elevation<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: &str,
    actor: &str,
    subject: &str,
    kind: ElevationKind,
    at: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO elevations (id, actor_id, subject_id, kind, at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(actor)
    .bind(subject)
    .bind(kind.as_str())
    .bind(at)
    .execute(db)
    .await?;
    Ok(())
}

/// The elevations between two people, either way, since `since`.
pub async fn elevations_between<'e, E: Executor<'e, Database = Any>>(
    db: E,
    a: &str,
    b: &str,
    since: &str,
) -> Result<Vec<Elevation>> {
    let rows = sqlx::query(
        "SELECT actor_id, subject_id, kind, at FROM elevations \
         WHERE ((actor_id = $1 AND subject_id = $2) OR (actor_id = $2 AND subject_id = $1)) \
         AND at >= $3",
    )
    .bind(a)
    .bind(b)
    .bind(since)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            let kind: String = r.try_get("kind")?;
            let at: String = r.try_get("at")?;
            Ok(Elevation {
                actor: r.try_get("actor_id")?,
                subject: r.try_get("subject_id")?,
                kind: ElevationKind::parse(&kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("elevation kind {kind}")))?,
                at: clock::parse(&at)
                    .ok_or_else(|| StoreError::Corrupt(format!("elevation time {at}")))?
                    .unix_timestamp(),
            })
        })
        .collect()
}

/// Who the users among `ids` are (id, username, display name, org id), for
/// pages that show names instead of ids; unknown ids are left out.
pub async fn names<'e, E: Executor<'e, Database = Any>>(
    db: E,
    ids: &[String],
) -> Result<Vec<(String, String, String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT id, username, display_name, org_id FROM users WHERE id IN ({})",
        crate::store::placeholders(1, ids.len())
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in ids {
        q = q.bind(id);
    }
    let rows = q.fetch_all(db).await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("username")?,
                r.try_get("display_name")?,
                r.try_get("org_id")?,
            ))
        })
        .collect()
}

sort_columns!(
    /// A column the users table sorts by.
    UserSort {
        Username("username") => "LOWER(u.username)",
        Name("name") => "LOWER(u.display_name)",
        Organisation("organisation") => "LOWER(COALESCE(o.name, ''))",
        Created("created") => "u.created_at",
    }
);

/// Paging, sorting, filters (organisation, role) and a search (username,
/// display name or organisation name) of the users table.
#[derive(Debug, Clone, Default)]
pub struct UserTable<'a> {
    pub search: Option<&'a str>,
    pub org_id: Option<&'a str>,
    pub role: Option<&'a str>,
    pub sort: UserSort,
    pub descending: bool,
    pub offset: i64,
    pub limit: i64,
}

/// One page of users and how many match in all.
pub async fn table<'e, E>(db: E, q: &UserTable<'_>) -> Result<(Vec<User>, i64)>
where
    E: Executor<'e, Database = Any> + Copy,
{
    use crate::store::paged::{Arg, Paged, direction, like_pattern};
    let search = q.search.map(like_pattern).unwrap_or_default();
    // Roles are a JSON list of words: a role matches as `"word"` inside it.
    let role = q
        .role
        .map(|r| {
            format!(
                "%\"{}\"%",
                r.replace('!', "!!").replace('%', "!%").replace('_', "!_")
            )
        })
        .unwrap_or_default();
    let columns = COLUMNS
        .split(", ")
        .map(|c| format!("u.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    Paged {
        columns: &columns,
        from: "FROM users u LEFT JOIN organizations o ON o.id = u.org_id",
        clause: "WHERE ($1 = '' OR u.org_id = $1) AND ($2 = '' OR u.roles LIKE $2 ESCAPE '!') \
         AND ($3 = '' OR LOWER(u.username) LIKE $3 ESCAPE '!' \
              OR LOWER(u.display_name) LIKE $3 ESCAPE '!' \
              OR LOWER(COALESCE(o.name, '')) LIKE $3 ESCAPE '!')",
        order: format!("{} {}, u.id", q.sort.sql(), direction(q.descending)),
        args: vec![
            Arg::Text(q.org_id.unwrap_or("")),
            Arg::Text(&role),
            Arg::Text(&search),
        ],
    }
    .fetch(db, q.offset, q.limit, from_row)
    .await
}
