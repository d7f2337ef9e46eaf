//! TEMPORARY stand-in for the lead's finding intake (`store::findings::get`,
//! `store::findings::reporter_orgs`, `workflows::findings::get_readable`),
//! deleted once "Finding intake" is merged.
#![allow(dead_code)]

use clearinghouse_domain::identity::{Role, Scope};
use clearinghouse_domain::labels::Visibility;
use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::model::finding::{Finding, FindingLocation};
use crate::store::{Result, parse_json_list};

const COLUMNS: &str = "f.id, f.fingerprint, f.target, f.target_kind, f.target_identity, f.title, \
     f.description, f.rule_id, f.tool, f.cwes, f.severity, f.cvss_vector, f.location_path, \
     f.start_line, f.end_line, f.function_name, f.evidence, f.aliases, f.reporter_org, \
     f.reported_by, f.submission_id, f.position, f.campaign, f.tlp, v.expression, f.state, \
     f.rejection_reason, f.duplicate_of, f.known_vuln_id, f.vulnerability_id, f.validator_id, \
     f.created_at, f.updated_at";

const FROM: &str = "FROM findings f JOIN visibility_labels v ON v.id = f.visibility_id";

fn from_row(r: &AnyRow) -> Result<Finding> {
    let path: Option<String> = r.try_get("location_path")?;
    let start_line: Option<i64> = r.try_get("start_line")?;
    let end_line: Option<i64> = r.try_get("end_line")?;
    let function: Option<String> = r.try_get("function_name")?;
    let location =
        (path.is_some() || start_line.is_some() || function.is_some()).then(|| FindingLocation {
            path,
            start_line,
            end_line,
            function,
        });
    Ok(Finding {
        id: r.try_get("id")?,
        fingerprint: r.try_get("fingerprint")?,
        target: r.try_get("target")?,
        target_kind: r.try_get("target_kind")?,
        target_identity: r.try_get("target_identity")?,
        title: r.try_get("title")?,
        description: r.try_get("description")?,
        rule_id: r.try_get("rule_id")?,
        tool: r.try_get("tool")?,
        cwes: parse_json_list(&r.try_get::<String, _>("cwes")?)?,
        severity: r.try_get("severity")?,
        cvss_vector: r.try_get("cvss_vector")?,
        location,
        evidence: r.try_get("evidence")?,
        aliases: parse_json_list(&r.try_get::<String, _>("aliases")?)?,
        reporter_org: r.try_get("reporter_org")?,
        reported_by: r.try_get("reported_by")?,
        submission_id: r.try_get("submission_id")?,
        position: r.try_get("position")?,
        campaign: r.try_get("campaign")?,
        tlp: r.try_get("tlp")?,
        visibility: r.try_get("expression")?,
        state: r.try_get("state")?,
        rejection_reason: r.try_get("rejection_reason")?,
        duplicate_of: r.try_get("duplicate_of")?,
        known_vuln_id: r.try_get("known_vuln_id")?,
        vulnerability_id: r.try_get("vulnerability_id")?,
        validator_id: r.try_get("validator_id")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub async fn get<'e, E: Executor<'e, Database = Any>>(db: E, id: &str) -> Result<Option<Finding>> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE f.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(db)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The first reporter's organisation and those of every linked report.
pub async fn reporter_orgs<'e, E: Executor<'e, Database = Any>>(
    db: E,
    finding_id: &str,
) -> Result<Vec<String>> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT reporter_org FROM findings WHERE id = $1 \
         UNION SELECT org_id FROM finding_sightings WHERE finding_id = $1",
    )
    .bind(finding_id)
    .fetch_all(db)
    .await?;
    let mut out = rows;
    out.sort();
    out.dedup();
    Ok(out)
}

pub async fn get_readable(app: &AppState, who: &Principal, id: &str) -> AppResult<Finding> {
    who.require_scope(Scope::FindingsRead)?;
    let f = get(&app.store.pool, id).await?.ok_or(AppError::NotFound)?;
    let vis_ok = Visibility::parse(&f.visibility).is_ok_and(|v| v.evaluate(&who.authorizations));
    if !vis_ok {
        return Err(AppError::NotFound);
    }
    if who.has_any_role(&[Role::Coordinator, Role::Validator]) {
        return Ok(f);
    }
    let orgs = reporter_orgs(&app.store.pool, id).await?;
    if orgs.iter().any(|o| o == who.org_id()) {
        Ok(f)
    } else {
        Err(AppError::NotFound)
    }
}
