//! `scan_assets`: an operator's network assets (hosts, CIDR blocks, cloud
//! accounts), each with the verification token the clearinghouse issued
//! and the proof of control recorded (`dns_txt`, `well_known` or a
//! coordinator's `attestation` with its reason). States: `pending` (no
//! proof yet), `verified`, `disputed` (it overlaps another operator's
//! asset: only a coordinator's attestation settles it), `withdrawn`.

use sqlx::AnyConnection;

use super::candidates;
use crate::store::Result;
use crate::store::fetch;
use clearinghouse_domain::scans::Target;

table_record! {
    #[derive(Debug, Clone, PartialEq)]
    pub struct AssetRow {
        id: String, org_id: String, kind: String, value: String, key_lo: String,
        key_hi: String, state: String, token: String, proof_method: Option<String>,
        proof_detail: Option<String>, verified_by: Option<String>, verified_at: Option<String>,
        disclose_prefix: Option<i64>, created_by: String, created_at: String,
    }
    const COLUMNS = a.*;
    fn from_row(r);
}

pub async fn insert(conn: &mut AnyConnection, a: &AssetRow) -> Result<()> {
    let q = sqlx::query(
        "INSERT INTO scan_assets (id, org_id, kind, value, key_lo, key_hi, state, token, \
         proof_method, proof_detail, verified_by, verified_at, disclose_prefix, created_by, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    );
    bind_fields!(q, a => {
        id, org_id, kind, value, key_lo, key_hi, state, token, proof_method, proof_detail,
        verified_by, verified_at, disclose_prefix, created_by, created_at,
    })
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<AssetRow>> {
    let sql = format!("SELECT {COLUMNS} FROM scan_assets a WHERE a.id = $1");
    fetch::optional(&mut *conn, sql, &[&id], from_row).await
}

/// The assets among `ids` (in one query per 500), by id.
pub async fn get_many(conn: &mut AnyConnection, ids: &[String]) -> Result<Vec<AssetRow>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT {COLUMNS} FROM scan_assets a WHERE a.id IN ({}) ORDER BY a.id",
            marks.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(id);
        }
        for r in q.fetch_all(&mut *conn).await? {
            out.push(from_row(&r)?);
        }
    }
    Ok(out)
}

/// Whether the organisation holds any verified asset.
pub async fn holds_verified(conn: &mut AnyConnection, org_id: &str) -> Result<bool> {
    let row = sqlx::query(
        "SELECT a.id FROM scan_assets a WHERE a.org_id = $1 AND a.state = 'verified' LIMIT 1",
    )
    .bind(org_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.is_some())
}

/// An organisation's assets (or every one, `org_id` None), by id.
pub async fn list(conn: &mut AnyConnection, org_id: Option<&str>) -> Result<Vec<AssetRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM scan_assets a WHERE ($1 = '' OR a.org_id = $1) ORDER BY a.id"
    );
    fetch::all(&mut *conn, sql, &[&org_id.unwrap_or("")], from_row).await
}

/// Stored assets (not withdrawn) that may overlap `t` (confirm with
/// `Target::overlaps`).
pub async fn touching(conn: &mut AnyConnection, t: &Target) -> Result<Vec<AssetRow>> {
    let (clause, binds) = candidates("a", t, 1);
    let sql =
        format!("SELECT {COLUMNS} FROM scan_assets a WHERE {clause} AND a.state <> 'withdrawn'");
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for b in &binds {
        q = q.bind(b);
    }
    let rows = q.fetch_all(&mut *conn).await?;
    rows.iter().map(from_row).collect()
}

/// A proof of control as recorded.
pub struct Proof<'a> {
    /// `dns_txt`, `well_known` or `attestation`.
    pub method: &'a str,
    pub detail: &'a str,
    pub by: &'a str,
    pub at: &'a str,
}

/// Records a proof and sets `verified`: compare-and-set from one of the
/// `from` states (constants of the workflow, never input).
pub async fn set_proof(
    conn: &mut AnyConnection,
    id: &str,
    from: &[&str],
    proof: &Proof<'_>,
) -> Result<bool> {
    let states: Vec<String> = from.iter().map(|s| format!("'{s}'")).collect();
    let sql = format!(
        "UPDATE scan_assets SET state = 'verified', proof_method = $1, proof_detail = $2, \
         verified_by = $3, verified_at = $4 WHERE id = $5 AND state IN ({})",
        states.join(", ")
    );
    let done = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(proof.method)
        .bind(proof.detail)
        .bind(proof.by)
        .bind(proof.at)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Every disputed asset (it overlaps another organisation's): what
/// coordinators settle.
pub async fn disputed(conn: &mut AnyConnection) -> Result<Vec<AssetRow>> {
    let sql =
        format!("SELECT {COLUMNS} FROM scan_assets a WHERE a.state = 'disputed' ORDER BY a.id");
    fetch::all(&mut *conn, sql, &[], from_row).await
}
