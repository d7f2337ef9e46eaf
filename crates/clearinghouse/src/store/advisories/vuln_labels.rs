//! The labels of vulnerabilities, derived from their advisories: a
//! vulnerability is as strict as each of its advisories (the strictest TLP,
//! the conjunction of their visibility expressions), and readable only when
//! every advisory of it is (the one read policy, `read_filter::ADVISORIES`).

use std::collections::HashMap;

use clearinghouse_domain::labels::{Tlp, Visibility};
use sqlx::{Any, AnyConnection, Executor, Row};

use crate::model::exposure::Vulnerability;
use crate::store::advisories::ADVISORY_FROM;
use crate::store::read_filter::{ADVISORIES, ReadFilter};
use crate::store::{Result, StoreError, rows_in};

/// Sets `tlp` and `visibility` of the vulnerabilities in `out` (keyed by id).
pub(super) async fn fill(
    conn: &mut AnyConnection,
    ids: &[String],
    out: &mut HashMap<String, Vulnerability>,
) -> Result<()> {
    // A vulnerability's labels: the strictest TLP and the conjunction of
    // the visibility expressions of its advisories.
    let mut labels: HashMap<String, (Tlp, Vec<Visibility>)> = HashMap::new();
    for r in rows_in(conn, ids, |list| {
        format!(
            "SELECT a.vuln_id, a.tlp, av.expression {ADVISORY_FROM} WHERE a.vuln_id IN ({list})"
        )
    })
    .await?
    {
        let tlp: Tlp = r
            .try_get::<String, _>("tlp")?
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("advisory TLP: {e}")))?;
        let vis = Visibility::parse(&r.try_get::<String, _>("expression")?)
            .map_err(|e| StoreError::Corrupt(format!("advisory visibility: {e}")))?;
        let entry = labels
            .entry(r.try_get("vuln_id")?)
            .or_insert((Tlp::Clear, Vec::new()));
        entry.0 = entry.0.max(tlp);
        entry.1.push(vis);
    }
    for (vuln_id, (tlp, vis)) in labels {
        if let Some(v) = out.get_mut(&vuln_id) {
            v.tlp = tlp.as_str().to_owned();
            v.visibility = Visibility::all_of(&vis)
                .map_err(|e| StoreError::Corrupt(format!("combined visibility: {e}")))?
                .as_str()
                .to_owned();
        }
    }
    Ok(())
}

/// Whether the reader may read the vulnerability group `vuln_id`: it
/// exists and every advisory of it is readable (a vulnerability's labels
/// are its advisories', so it is at least as strict as each).
pub async fn vuln_readable<'e, E: Executor<'e, Database = Any>>(
    db: E,
    vuln_id: &str,
    filter: &ReadFilter<'_>,
) -> Result<bool> {
    let sql = format!(
        "SELECT COUNT(*) AS total, SUM(CASE WHEN {} THEN 0 ELSE 1 END) AS hidden \
         FROM advisories a WHERE a.vuln_id = $3",
        ADVISORIES.clause(filter, 1, 2)
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(filter.org_id)
        .bind(filter.user_id)
        .bind(vuln_id)
        .fetch_one(db)
        .await?;
    let total: i64 = row.try_get("total")?;
    let hidden: Option<i64> = row.try_get("hidden")?;
    Ok(total > 0 && hidden.unwrap_or(0) == 0)
}
