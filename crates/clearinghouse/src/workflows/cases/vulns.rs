//! A case's vulnerabilities read through the case (N11): the vendor invited
//! to fix an embargoed vulnerability needs its affected versions and its
//! description before publication, though the vulnerability itself is
//! withheld from it everywhere else. The case is the authority: whoever
//! may read the case (participants, the case staff) and has joined it
//! reads the vulnerabilities the coordinator put in it, labelled with the
//! case's TLP and visibility (the stricter of the case's and the
//! vulnerability's TLP), each read audited (`case.vulnerability_read`).
//! An invited organisation that has not joined gets 403 "join the case
//! first"; anyone else, and any vulnerability not in the case, 404 as for a
//! missing case.

use clearinghouse_domain::identity::Scope;
use clearinghouse_domain::labels::Tlp;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::{case_reader, readable};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::model::exposure::{Vulnerability, VulnerabilityDetail};
use crate::store;

/// A vulnerability of a case, as the case's participants read it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseVulnerabilityView {
    pub case_id: String,
    pub case_title: String,
    /// The label this read carries: the stricter of the case's TLP and the
    /// vulnerability's. Share it no further than the label allows.
    pub tlp: String,
    /// The case's visibility expression (empty: no further restriction).
    pub visibility: String,
    /// The id the coordinator named it by in the case.
    pub named_as: String,
    pub vulnerability: Vulnerability,
    pub detail: VulnerabilityDetail,
}

/// One of the case's vulnerabilities (`vuln` is its id or the id the case
/// names it by), for a joined participant or the case staff.
pub async fn vulnerability(
    app: &AppState,
    who: &Principal,
    case_id: &str,
    vuln: &str,
) -> AppResult<CaseVulnerabilityView> {
    who.require_scope(Scope::AdvisoriesRead)?;
    let c = readable(app, who, case_id).await?;
    let staff = case_reader(app, who).await?.staff;
    let mut conn = app.store.pool.acquire().await?;
    let participants = store::cases::participants(&mut conn, &c.id).await?;
    let (vuln_id, named_as) = store::cases::vulnerabilities(&mut conn, &c.id)
        .await?
        .into_iter()
        .find(|(id, named)| id == vuln || named == vuln)
        .ok_or(AppError::NotFound)?;
    let mine = participants.iter().find(|p| p.org_id == who.org_id());
    if !staff && mine.is_none_or(|p| p.joined_at.is_none()) {
        return Err(AppError::forbidden(
            "join the case first: an administrator of your organisation joins it \
             from the case page, then its vulnerabilities can be read here",
        ));
    }
    drop(conn);
    let (v, detail) = crate::workflows::advisories::with_detail(app, &vuln_id).await?;
    let tlp = stricter(&c.tlp, &v.tlp);
    let mut tx = app.store.begin_write().await?;
    crate::workflows::record_audit(
        app,
        &mut tx,
        who,
        "case.vulnerability_read",
        "case",
        &c.id,
        json!({"case_id": c.id, "vuln_id": vuln_id, "tlp": tlp}),
    )
    .await?;
    tx.commit().await?;
    Ok(CaseVulnerabilityView {
        case_id: c.id,
        case_title: c.title,
        tlp,
        visibility: c.visibility,
        named_as,
        vulnerability: v,
        detail,
    })
}

/// The stricter of two TLP labels (an unreadable one counts as AMBER).
fn stricter(a: &str, b: &str) -> String {
    let parse = |t: &str| t.parse::<Tlp>().unwrap_or(Tlp::Amber);
    let (a, b) = (parse(a), parse(b));
    (if a >= b { a } else { b }).as_str().to_owned()
}
