//! Vendor status = VEX: a vendor participant of a case states, per
//! vulnerability of the case and product, affected / not_affected (with a
//! CSAF justification) / fixed (in a version) / under_investigation, with
//! remediation text, in a request or as a CycloneDX or CSAF 2.0 VEX
//! document (the CSAF one checked against the schema and mandatory tests). A
//! product must be one the vendor map gives to the stating organisation,
//! confirmed by a coordinator (a vendor speaks only for what it makes); a
//! vulnerability must be one of the case's; the organisation must have
//! joined the case. All statements of a request are stored, or none. Each current
//! not_affected or fixed statement takes the components it covers out of
//! exposure (`matching::apply` reads them), shown with its justification;
//! a later affected statement supersedes it and the exposure is open
//! again. Both happen in the statement's transaction, through
//! `matching::sync_vuln`, with the operators told as for any change.

use crate::model::notify::NotificationKind;
use std::collections::BTreeSet;

use clearinghouse_domain::cases::EventKind;
use clearinghouse_domain::cases::vex::{MAX_STATEMENTS, StatementInput, read_cyclonedx_vex};
use clearinghouse_domain::cases::vex_csaf::read_csaf_vex;
use clearinghouse_domain::identity::Scope;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::{case_error, notice, readable, record};
use crate::app::AppState;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::matching;
use crate::store;
use crate::store::cases::statements::StatementRow;
use crate::workflows::exposure::exposures::notify_changes;
use crate::workflows::new_id;
use crate::workflows::notifications;

/// Statements as a request body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStatements {
    /// Each `{vulnerability, product, versions?, status, justification?,
    /// fixed_version?, remediation?}`.
    #[schema(value_type = Vec<Object>)]
    pub statements: Vec<serde_json::Value>,
}

/// A statement as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatementView {
    pub id: String,
    pub vulnerability: String,
    pub vendor_org: String,
    /// `purl` or `cpe`.
    pub product_kind: String,
    /// The matching key (`pkg:pypi/paramiko`).
    pub product: String,
    pub product_given: String,
    /// The versions it is about (none: every version).
    pub versions: Vec<String>,
    /// `affected`, `not_affected`, `fixed` or `under_investigation`.
    pub status: String,
    /// The CSAF justification of a not_affected statement.
    pub justification: Option<String>,
    pub fixed_version: Option<String>,
    pub remediation: String,
    /// `api` or `cyclonedx`.
    pub source: String,
    pub stated_by: String,
    pub stated_at: String,
    pub superseded_at: Option<String>,
}

fn view(r: StatementRow) -> StatementView {
    StatementView {
        id: r.id,
        vulnerability: r.vuln_id,
        vendor_org: r.vendor_org,
        product_kind: r.product_kind,
        product: r.product_key,
        product_given: r.product_given,
        versions: r.versions,
        status: r.status,
        justification: r.justification,
        fixed_version: r.fixed_version,
        remediation: r.remediation,
        source: r.source,
        stated_by: r.stated_by,
        stated_at: r.stated_at,
        superseded_at: r.superseded_at,
    }
}

/// The keys a statement of a request may have.
const STATEMENT_KEYS: &[&str] = &[
    "vulnerability",
    "product",
    "versions",
    "status",
    "justification",
    "fixed_version",
    "remediation",
];

/// States statements given in a request.
pub async fn state(
    app: &AppState,
    who: &Principal,
    case_id: &str,
    input: NewStatements,
) -> AppResult<Vec<StatementView>> {
    let mut items = Vec::with_capacity(input.statements.len());
    for (i, v) in input.statements.into_iter().enumerate() {
        if let Some(key) = v
            .as_object()
            .and_then(|o| o.keys().find(|k| !STATEMENT_KEYS.contains(&k.as_str())))
        {
            return Err(AppError::invalid(
                format!("statements[{i}].{key}"),
                format!(
                    "unknown field; a statement has {}",
                    STATEMENT_KEYS.join(", ")
                ),
            ));
        }
        let s: StatementInput = serde_json::from_value(v)
            .map_err(|e| AppError::invalid(format!("statements[{i}]"), e.to_string()))?;
        items.push(s);
    }
    store_all(
        app,
        who,
        case_id,
        numbered("statements", items),
        "api",
        "statements",
    )
    .await
}

/// States the statements of a VEX document: CycloneDX VEX (JSON, its
/// `bomFormat`) or CSAF 2.0 VEX (`document.csaf_version`, checked against
/// the CSAF schema and mandatory tests, `cases::vex_csaf`).
pub async fn upload(
    app: &AppState,
    who: &Principal,
    case_id: &str,
    bytes: &[u8],
) -> AppResult<Vec<StatementView>> {
    who.require_scope(Scope::AdvisoriesWrite)?;
    readable(app, who, case_id).await?;
    let doc: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| AppError::invalid("file", format!("not JSON: {e}")))?;
    if doc.get("bomFormat").is_some() {
        let items = read_cyclonedx_vex(&doc).map_err(case_error)?;
        return store_all(
            app,
            who,
            case_id,
            numbered("vulnerabilities", items),
            "cyclonedx",
            "vulnerabilities",
        )
        .await;
    }
    if doc.pointer("/document/csaf_version").is_some() {
        let items = read_csaf_vex(bytes).map_err(case_error)?;
        return store_all(app, who, case_id, items, "csaf", "vulnerabilities").await;
    }
    Err(AppError::invalid(
        "file",
        "not a VEX document: neither CycloneDX (bomFormat) nor CSAF 2.0 (document.csaf_version)",
    ))
}

/// Statements with the path each is refused under (`list[i]`).
fn numbered(list: &str, items: Vec<StatementInput>) -> Vec<(String, StatementInput)> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, s)| (format!("{list}[{i}]"), s))
        .collect()
}

async fn store_all(
    app: &AppState,
    who: &Principal,
    case_id: &str,
    items: Vec<(String, StatementInput)>,
    source: &str,
    list_field: &str,
) -> AppResult<Vec<StatementView>> {
    who.require_scope(Scope::AdvisoriesWrite)?;
    let c = readable(app, who, case_id).await?;
    if items.is_empty() {
        return Err(AppError::invalid(list_field, "no statement given"));
    }
    if items.len() > MAX_STATEMENTS {
        return Err(AppError::invalid(
            list_field,
            format!("at most {MAX_STATEMENTS} statements"),
        ));
    }
    let now = clock::now_text();
    let mut tx = app.store.begin_write().await?;
    let me = store::cases::participant(&mut tx, &c.id, who.org_id()).await?;
    let Some(me) = me.filter(|p| p.role == "vendor") else {
        return Err(AppError::forbidden(
            "only a vendor participant of the case states its products' status",
        ));
    };
    if me.joined_at.is_none() {
        return Err(AppError::forbidden(
            "join the case first: an administrator of your organisation joins it \
             (POST /cases/{id}/join) before it states product status",
        ));
    }
    let case_vulns = store::cases::vulnerabilities(&mut tx, &c.id).await?;
    let mut rows = Vec::with_capacity(items.len());
    for (at, item) in &items {
        let s = item.validate(at).map_err(case_error)?;
        let group = store::advisories::vuln_id_for(&mut *tx, &s.vulnerability).await?;
        let vuln_id = case_vulns
            .iter()
            .find(|(v, named)| {
                Some(v) == group.as_ref() || *v == s.vulnerability || *named == s.vulnerability
            })
            .map(|(v, _)| v.clone())
            .ok_or_else(|| {
                AppError::invalid(
                    format!("{at}.vulnerability"),
                    "not a vulnerability of this case",
                )
            })?;
        if !store::cases::statements::vendor_claims(&mut tx, who.org_id(), &s.product.key).await? {
            return Err(AppError::invalid(
                format!("{at}.product"),
                format!(
                    "{} is not a product of your organisation: a vendor states status only for \
                     products the vendor map gives it, confirmed by a coordinator \
                     (POST /vendor-products, then a coordinator's decision)",
                    s.product.key
                ),
            ));
        }
        rows.push(StatementRow {
            id: new_id(),
            case_id: c.id.clone(),
            vuln_id,
            vendor_org: who.org_id().to_owned(),
            product_kind: s.product.kind.to_owned(),
            product_key: s.product.key.clone(),
            product_given: s.product_given.clone(),
            versions: s.versions.clone(),
            status: s.status.as_str().to_owned(),
            justification: s.justification.map(|j| j.as_str().to_owned()),
            fixed_version: s.fixed_version.clone(),
            remediation: s.remediation.clone(),
            source: source.to_owned(),
            stated_by: who.user_id().to_owned(),
            stated_at: now.clone(),
            superseded_at: None,
        });
    }
    // Only what changes anything is stored: a statement repeated in the
    // document, or equal to the vendor's current one for that product,
    // is dropped; when nothing is left, nothing is stored, revised or
    // told, and the current statements are the answer (F13).
    let current = store::cases::statements::of_case(&mut tx, &c.id, false).await?;
    let mut fresh: Vec<StatementRow> = Vec::with_capacity(rows.len());
    let mut unchanged: Vec<StatementRow> = Vec::new();
    for r in rows {
        if let Some(same) = current.iter().find(|cur| same_statement(cur, &r)) {
            if !unchanged.iter().any(|u| u.id == same.id) {
                unchanged.push(same.clone());
            }
        } else if !fresh.iter().any(|f| same_statement(f, &r)) {
            fresh.push(r);
        }
    }
    if fresh.is_empty() {
        return Ok(unchanged.into_iter().map(view).collect());
    }
    let rows = fresh;
    for r in &rows {
        store::cases::statements::insert(&mut tx, r).await?;
    }
    let vulns: BTreeSet<String> = rows.iter().map(|r| r.vuln_id.clone()).collect();
    for v in &vulns {
        let changes = matching::sync_vuln(&mut tx, v, &now).await?;
        notify_changes(app, &mut tx, &changes).await?;
    }
    // After publication a change of status is a new advisory revision.
    if c.state == "published" {
        super::csaf::revise(app, &mut tx, &c, "Vendor status updated").await?;
    }
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let statuses: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r.vuln_id.as_str(),
                r.product_key.as_str(),
                r.status.as_str(),
            )
        })
        .collect();
    record(
        app,
        &mut tx,
        who,
        "case.status",
        &c.id,
        (
            EventKind::StatusChanged,
            Some(who.org_id()),
            json!({"statements": ids, "source": source, "statuses": statuses}),
        ),
    )
    .await?;
    let participants = store::cases::participants(&mut tx, &c.id).await?;
    let told: Vec<_> = participants
        .iter()
        .filter(|p| p.org_id != who.org_id())
        .map(|p| {
            notice(
                &c,
                &p.org_id,
                NotificationKind::CaseStatusChanged,
                format!("A vendor stated product status in case: {}", c.title),
                format!(
                    "{} statement(s) recorded in coordination case {}.",
                    rows.len(),
                    c.id
                ),
            )
        })
        .collect();
    notifications::enqueue_many(app, &mut tx, told).await?;
    tx.commit().await?;
    Ok(rows.into_iter().map(view).collect())
}

/// Whether two statements say the same of the same product: the vendor,
/// vulnerability, product and versions, and what is stated of them.
fn same_statement(a: &StatementRow, b: &StatementRow) -> bool {
    a.vendor_org == b.vendor_org
        && a.vuln_id == b.vuln_id
        && a.product_key == b.product_key
        && a.versions == b.versions
        && a.status == b.status
        && a.justification == b.justification
        && a.fixed_version == b.fixed_version
        && a.remediation == b.remediation
}

/// A case's statements: the current ones (a product × status matrix),
/// or every one with `history`.
pub async fn list(
    app: &AppState,
    who: &Principal,
    case_id: &str,
    history: bool,
) -> AppResult<Vec<StatementView>> {
    who.require_scope(Scope::AdvisoriesRead)?;
    let c = readable(app, who, case_id).await?;
    let mut conn = app.store.pool.acquire().await?;
    Ok(store::cases::statements::of_case(&mut conn, &c.id, history)
        .await?
        .into_iter()
        .map(view)
        .collect())
}
