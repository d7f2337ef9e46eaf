//! The rows remediate obligations are computed from: exposures with what a
//! rule and a due-date policy read (KEV, CVSS vectors, EPSS, the SSVC
//! decision and BOD 26-04 deadline matching stored, first seen, state), and
//! the organisations a scope is decided over. Read through the one read
//! policy: an exposure is returned only when every advisory of its
//! vulnerability is readable by the reader (as `store::exposure` does).

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::store::fetch;
use crate::store::read_filter::{ADVISORIES, Labelled, ReadFilter};
use crate::store::{Result, parse_json_list};

/// One exposure as an obligation reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExposureRow {
    pub id: String,
    pub org_id: String,
    pub asset_id: String,
    pub asset_name: String,
    pub component_name: String,
    pub component_version: Option<String>,
    pub vuln_id: String,
    pub ssvc_decision: String,
    /// The BOD 26-04 outcome text matching stored.
    pub deadline: String,
    pub state: String,
    pub accepted_until: Option<String>,
    pub first_seen: String,
    pub updated_at: String,
    pub resolved_at: Option<String>,
    pub in_kev: bool,
    pub kev_due_date: Option<String>,
    pub kev_ransomware: bool,
    pub cvss_vectors: Vec<String>,
    pub epss: Option<f64>,
}

/// An organisation as a scope sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub sector: Option<String>,
}

fn exposure_from_row(r: &AnyRow) -> Result<ExposureRow> {
    let in_kev: i64 = r.try_get("in_kev")?;
    let ransomware: i64 = r.try_get("kev_ransomware")?;
    let vectors: String = r.try_get("cvss_vectors")?;
    Ok(from_columns!(r => ExposureRow {
        id, org_id, asset_id, asset_name, component_name, component_version, vuln_id, ssvc_decision,
        deadline, state, accepted_until, first_seen, updated_at, resolved_at,
        in_kev: in_kev != 0,
        kev_due_date,
        kev_ransomware: ransomware != 0,
        cvss_vectors: parse_json_list(&vectors)?,
        epss,
    }))
}

/// The SELECT of exposure rows; `$3` and `$4` are both the organisation
/// (or both empty for all): with one, an equality the `exposures_org`
/// index serves (an `OR` would scan every exposure).
fn exposures_sql(read: &ReadFilter<'_>, one_org: bool, kev_only: bool, ordered: bool) -> String {
    let labelled = Labelled {
        alias: "va",
        ..ADVISORIES
    };
    let kev = if kev_only { "AND v.in_kev = 1" } else { "" };
    let order = if ordered {
        "ORDER BY e.org_id, e.id"
    } else {
        ""
    };
    let org = if one_org {
        "e.org_id = $3 AND e.org_id = $4"
    } else {
        "$3 = $4"
    };
    format!(
        "SELECT e.id, e.org_id, e.asset_id, a.name AS asset_name, e.component_name, \
         e.component_version, e.vuln_id, e.ssvc_decision, e.deadline, e.state, e.accepted_until, \
         e.first_seen, e.updated_at, e.resolved_at, v.in_kev, v.kev_due_date, v.kev_ransomware, \
         v.cvss_vectors, v.epss \
         FROM exposures e JOIN vulnerabilities v ON v.id = e.vuln_id JOIN assets a ON a.id = e.asset_id \
         WHERE {org} {kev} \
         AND NOT EXISTS (SELECT 1 FROM advisories va WHERE va.vuln_id = e.vuln_id AND NOT {}) \
         {order}",
        labelled.clause(read, 1, 2)
    )
}

/// Exposures of `org_id` (or of every organisation), only those in KEV
/// when `kev_only`, readable by `read`, ordered by organisation and id.
pub async fn exposures(
    conn: &mut AnyConnection,
    org_id: Option<&str>,
    kev_only: bool,
    read: &ReadFilter<'_>,
) -> Result<Vec<ExposureRow>> {
    let sql = exposures_sql(read, org_id.is_some(), kev_only, true);
    let org = org_id.unwrap_or("");
    fetch::all(
        &mut *conn,
        sql,
        &[&read.org_id, &read.user_id, &org, &org],
        exposure_from_row,
    )
    .await
}

/// The same rows as [`exposures`], unordered, handed to `each` one at a
/// time as they stream from the database: memory stays one row however
/// many exposures there are (the materialised figures' refresh).
pub async fn for_each_exposure(
    conn: &mut AnyConnection,
    org_id: Option<&str>,
    kev_only: bool,
    read: &ReadFilter<'_>,
    mut each: impl FnMut(ExposureRow),
) -> Result<u64> {
    use futures_util::TryStreamExt;
    let sql = exposures_sql(read, org_id.is_some(), kev_only, false);
    let org = org_id.unwrap_or("");
    let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(read.org_id)
        .bind(read.user_id)
        .bind(org)
        .bind(org)
        .fetch(&mut *conn);
    let mut n = 0;
    while let Some(r) = rows.try_next().await? {
        each(exposure_from_row(&r)?);
        n += 1;
    }
    Ok(n)
}

/// What an obligation reads of a vulnerability.
#[derive(Debug, Clone, PartialEq)]
pub struct VulnFacts {
    pub in_kev: bool,
    pub kev_due_date: Option<String>,
    pub kev_ransomware: bool,
    pub cvss_vectors: Vec<String>,
    pub epss: Option<f64>,
}

/// The vulnerabilities some exposure concerns whose every advisory `read`
/// may read (only those in KEV when `kev_only`), by id: the same
/// condition [`exposures`] puts on each row, decided once per
/// vulnerability.
pub async fn exposed_vulns(
    conn: &mut AnyConnection,
    kev_only: bool,
    read: &ReadFilter<'_>,
) -> Result<std::collections::HashMap<String, VulnFacts>> {
    use futures_util::TryStreamExt;
    let labelled = Labelled {
        alias: "va",
        ..ADVISORIES
    };
    let kev = if kev_only { "AND v.in_kev = 1" } else { "" };
    let sql = format!(
        "SELECT v.id, v.in_kev, v.kev_due_date, v.kev_ransomware, v.cvss_vectors, v.epss \
         FROM vulnerabilities v \
         WHERE EXISTS (SELECT 1 FROM exposures e WHERE e.vuln_id = v.id) {kev} \
         AND NOT EXISTS (SELECT 1 FROM advisories va WHERE va.vuln_id = v.id AND NOT {})",
        labelled.clause(read, 1, 2)
    );
    let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(read.org_id)
        .bind(read.user_id)
        .fetch(&mut *conn);
    let mut out = std::collections::HashMap::new();
    while let Some(r) = rows.try_next().await? {
        let in_kev: i64 = r.try_get("in_kev")?;
        let ransomware: i64 = r.try_get("kev_ransomware")?;
        let vectors: String = r.try_get("cvss_vectors")?;
        out.insert(
            r.try_get("id")?,
            VulnFacts {
                in_kev: in_kev != 0,
                kev_due_date: r.try_get("kev_due_date")?,
                kev_ransomware: ransomware != 0,
                cvss_vectors: parse_json_list(&vectors)?,
                epss: r.try_get("epss")?,
            },
        );
    }
    Ok(out)
}

/// Every exposure of one of `vulns`' vulnerabilities, handed to `each` as
/// it streams from one scan of the exposures table, its vulnerability's
/// facts joined from `vulns` in memory (no join or advisory check per
/// row: the whole-directive refresh). `asset_name` is left empty and
/// `cvss_vectors` are not copied: they are in `vulns`.
pub async fn for_each_exposure_of(
    conn: &mut AnyConnection,
    vulns: &std::collections::HashMap<String, VulnFacts>,
    mut each: impl FnMut(ExposureRow),
) -> Result<u64> {
    use futures_util::TryStreamExt;
    let mut rows = sqlx::query(
        "SELECT id, org_id, asset_id, component_name, component_version, vuln_id, \
         ssvc_decision, deadline, state, accepted_until, first_seen, updated_at, resolved_at \
         FROM exposures",
    )
    .fetch(&mut *conn);
    let mut n = 0;
    while let Some(r) = rows.try_next().await? {
        let vuln_id: String = r.try_get("vuln_id")?;
        let Some(v) = vulns.get(&vuln_id) else {
            continue;
        };
        each(ExposureRow {
            id: r.try_get("id")?,
            org_id: r.try_get("org_id")?,
            asset_id: r.try_get("asset_id")?,
            asset_name: String::new(),
            component_name: r.try_get("component_name")?,
            component_version: r.try_get("component_version")?,
            vuln_id,
            ssvc_decision: r.try_get("ssvc_decision")?,
            deadline: r.try_get("deadline")?,
            state: r.try_get("state")?,
            accepted_until: r.try_get("accepted_until")?,
            first_seen: r.try_get("first_seen")?,
            updated_at: r.try_get("updated_at")?,
            resolved_at: r.try_get("resolved_at")?,
            in_kev: v.in_kev,
            kev_due_date: v.kev_due_date.clone(),
            kev_ransomware: v.kev_ransomware,
            cvss_vectors: Vec::new(),
            epss: v.epss,
        });
        n += 1;
    }
    Ok(n)
}

/// Organisations not archived (every one a scope could name).
pub async fn organizations(conn: &mut AnyConnection) -> Result<Vec<OrgRow>> {
    let rows = sqlx::query(
        "SELECT id, name, kind, sector FROM organizations WHERE archived_at IS NULL ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(from_columns!(r => OrgRow {
                id, name, kind, sector,
            }))
        })
        .collect()
}
