//! Vendor status = VEX: a vendor participant of a case states, per
//! vulnerability of the case and product, affected / not_affected (with a
//! CSAF justification) / fixed (in a version) / under_investigation, with
//! remediation text, in a request or as a CycloneDX or CSAF 2.0 VEX
//! document (the CSAF one checked against the schema and mandatory tests;
//! a CycloneDX one may come with the BOMs its BOM-links name, and its
//! components without purl or CPE are matched by name to the stating
//! vendor's products, `domain::cases::vex_cyclonedx::resolve_named`).
//! Refusals name the field where it was given: `statements[0].status` in a
//! request, `vulnerabilities[0].analysis.state` in a CycloneDX document. A
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
use clearinghouse_domain::cases::vex::{FieldPaths, MAX_STATEMENTS, StatementInput};
use clearinghouse_domain::cases::vex_csaf::read_csaf_vex;
use clearinghouse_domain::cases::vex_cyclonedx::{
    NamedComponent, read_cyclonedx_vex, resolve_named,
};
use clearinghouse_domain::identity::Scope;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::{case_error, notice, org_words, readable, record, vuln_words};
use crate::app::AppState;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::matching;
use crate::store;
use crate::store::cases::statements::StatementRow;
use crate::workflows::cases::vendors::MAX_LIST;
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
    /// `api`, `cyclonedx` or `csaf`.
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
        items.push(Item::under(&format!("statements[{i}]"), s));
    }
    store_all(app, who, case_id, items, "api", "statements").await
}

/// One statement to store, with where its fields were given.
struct Item {
    paths: FieldPaths,
    input: StatementInput,
    /// A CycloneDX component without purl or CPE: matched by name.
    named: Option<NamedComponent>,
}

impl Item {
    fn under(at: &str, input: StatementInput) -> Item {
        Item {
            paths: FieldPaths::under(at),
            input,
            named: None,
        }
    }
}

/// States the statements of a VEX document: CycloneDX VEX (JSON, its
/// `bomFormat`), alone or as a JSON array `[vex, bom, ...]` with the BOMs
/// its BOM-links name; or CSAF 2.0 VEX (`document.csaf_version`, checked
/// against the CSAF schema and mandatory tests, `cases::vex_csaf`).
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
    let (doc, linked) = match doc {
        serde_json::Value::Array(mut all) if !all.is_empty() => {
            let rest = all.split_off(1);
            let vex = all.pop().unwrap_or_default();
            if vex.get("bomFormat").is_none() {
                return Err(AppError::invalid(
                    "[0]",
                    "an array upload is a CycloneDX VEX followed by the BOMs it links to",
                ));
            }
            (vex, rest)
        }
        doc => (doc, Vec::new()),
    };
    if doc.get("bomFormat").is_some() {
        let items = read_cyclonedx_vex(&doc, &linked)
            .map_err(case_error)?
            .into_iter()
            .map(|s| Item {
                paths: s.paths,
                input: s.input,
                named: s.named,
            })
            .collect();
        return store_all(app, who, case_id, items, "cyclonedx", "vulnerabilities").await;
    }
    if doc.pointer("/document/csaf_version").is_some() {
        let items = read_csaf_vex(bytes)
            .map_err(case_error)?
            .into_iter()
            .map(|(at, s)| Item::under(&at, s))
            .collect();
        return store_all(app, who, case_id, items, "csaf", "vulnerabilities").await;
    }
    Err(AppError::invalid(
        "file",
        "not a VEX document: neither CycloneDX (bomFormat) nor CSAF 2.0 (document.csaf_version)",
    ))
}

async fn store_all(
    app: &AppState,
    who: &Principal,
    case_id: &str,
    items: Vec<Item>,
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
    let (mine, in_case) = if items.iter().any(|i| i.named.is_some()) {
        products_of(&mut tx, who.org_id(), &c.id).await?
    } else {
        Default::default()
    };
    let mut rows = Vec::with_capacity(items.len());
    for item in &items {
        let at = &item.paths;
        let mut input = item.input.clone();
        if let Some(named) = &item.named {
            input.product = resolve_named(named, &mine, &in_case)
                .map_err(|m| AppError::invalid(&at.product, m))?;
        }
        let s = input.validate_at(at).map_err(case_error)?;
        let group = store::advisories::vuln_id_for(&mut *tx, &s.vulnerability).await?;
        let vuln_id = case_vulns
            .iter()
            .find(|(v, named)| {
                Some(v) == group.as_ref() || *v == s.vulnerability || *named == s.vulnerability
            })
            .map(|(v, _)| v.clone())
            .ok_or_else(|| {
                AppError::invalid(
                    &at.vulnerability,
                    format!("{} is not a vulnerability of this case", s.vulnerability),
                )
            })?;
        if !store::cases::statements::vendor_claims(&mut tx, who.org_id(), &s.product.key).await? {
            return Err(AppError::invalid(
                &at.product,
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
    let by = org_words(&mut tx, who.org_id()).await?;
    let title = &c.title;
    let mut about: Vec<String> = Vec::new();
    for r in &rows {
        let named = case_vulns
            .iter()
            .find(|(v, _)| *v == r.vuln_id)
            .map_or_else(|| r.vuln_id.clone(), |(_, n)| n.clone());
        if !about.contains(&named) {
            about.push(named);
        }
    }
    let about = vuln_words(&about);
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
                    "{by} stated the status of its products for {about} ({} statement(s)) in \
                     the coordination case “{title}”.",
                    rows.len()
                ),
            )
        })
        .collect();
    notifications::enqueue_many(app, &mut tx, told).await?;
    tx.commit().await?;
    Ok(rows.into_iter().map(view).collect())
}

/// The stating vendor's confirmed products (matching key, the reference as
/// mapped) and those of them the case's advisories list: what a named
/// CycloneDX component is matched against.
async fn products_of(
    tx: &mut store::Tx,
    org_id: &str,
    case_id: &str,
) -> AppResult<(Vec<(String, String)>, Vec<String>)> {
    let mine = store::cases::vendors::list(tx, Some(org_id), Some("confirmed"), MAX_LIST)
        .await?
        .into_iter()
        .map(|r| (r.match_key, r.given_as))
        .collect();
    let in_case = store::cases::vendors::suggestions(tx, case_id)
        .await?
        .into_iter()
        .filter(|s| s.org_id == org_id)
        .map(|s| s.match_key)
        .collect();
    Ok((mine, in_case))
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
