//! `/cases/{id}/vulnerabilities/{vuln}`: one of a case's vulnerabilities as
//! its joined participants read it through the case (N11), even while it
//! is embargoed: the description, CVSS, CWE and the affected and fixed
//! versions per package, under the label of the read
//! (`workflows::cases::vulns`, audited). The case page links each of its
//! vulnerabilities here.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Path;

use super::vulnerabilities::{NamedCwe, Scored, facts};
use super::{Nav, UiCaller, UiResult};
use crate::model::exposure::{AffectedPackage, KevEntry, Vulnerability};
use crate::workflows::cases::vulns;

#[derive(Template, WebTemplate)]
#[template(path = "case_vulnerability.html")]
pub struct CaseVulnPage {
    nav: Nav,
    case_id: String,
    case_title: String,
    tlp: String,
    named_as: String,
    vuln: Vulnerability,
    text: String,
    scored: Vec<Scored>,
    cwes: Vec<NamedCwe>,
    kev: Vec<KevEntry>,
    affected: Vec<AffectedPackage>,
    machine_readable: bool,
}

pub async fn page(
    UiCaller { app, who }: UiCaller,
    Path((id, vuln)): Path<(String, String)>,
) -> UiResult<CaseVulnPage> {
    let v = vulns::vulnerability(&app, &who, &id, &vuln).await?;
    let vuln = v.vulnerability;
    let (text, scored, cwes) = facts(&vuln);
    Ok(CaseVulnPage {
        nav: Nav::new(&who, "cases"),
        case_id: v.case_id,
        case_title: v.case_title,
        tlp: v.tlp,
        named_as: v.named_as,
        text,
        scored,
        cwes,
        kev: v.detail.kev,
        affected: v.detail.affected,
        machine_readable: v.detail.machine_readable_products,
        vuln,
    })
}
