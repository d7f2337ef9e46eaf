//! A published case's advisory as OSV records and CVE JSON 5 records
//! (`domain::cases::exports`), built from the same input as its current
//! CSAF revision (`csaf::build_input`), for the case's participants and the
//! staff (404 for anyone else, and before publication).

use clearinghouse_domain::cases::csaf_out::{CsafInput, Revision};
use clearinghouse_domain::cases::exports::{self, ExportError};
use clearinghouse_domain::identity::Scope;
use serde_json::Value;

use super::readable;
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::store;

/// The input of the case's current revision; 404 before publication.
async fn current(app: &AppState, who: &Principal, id: &str) -> AppResult<CsafInput> {
    who.require_scope(Scope::AdvisoriesRead)?;
    let c = readable(app, who, id).await?;
    let mut conn = app.store.pool.acquire().await?;
    let revisions: Vec<Revision> = store::cases::advisories::revisions(&mut conn, &c.id)
        .await?
        .into_iter()
        .map(|r| Revision {
            number: u32::try_from(r.version).unwrap_or(0),
            date: r.created_at,
            summary: r.summary,
        })
        .collect();
    if revisions.is_empty() {
        return Err(AppError::NotFound);
    }
    super::csaf::build_input(app, &mut conn, &c, revisions)
        .await?
        .ok_or(AppError::NotFound)
}

/// One OSV record per vulnerability of a published case.
pub async fn osv(app: &AppState, who: &Principal, id: &str) -> AppResult<Vec<Value>> {
    Ok(exports::osv(&current(app, who, id).await?))
}

/// The CVE JSON 5.1 record of one vulnerability of a published case, for
/// the CNA `assigner` (its organisation UUID) to submit.
pub async fn cve5(
    app: &AppState,
    who: &Principal,
    id: &str,
    vulnerability: &str,
    assigner: &str,
) -> AppResult<Value> {
    let input = current(app, who, id).await?;
    exports::cve5(&input, vulnerability, assigner).map_err(|e| {
        let field = match e {
            ExportError::BadAssigner(_) => "assigner",
            ExportError::NoCveId(_) | ExportError::UnknownVulnerability(_) => "vulnerability",
        };
        AppError::invalid(field, e.to_string())
    })
}
