//! The vendor map: which organisation makes which product, as package URL
//! and CPE matching keys (the domain's `ProductRef`, the keys exposure
//! matching uses). Coordinators maintain it for any organisation (their
//! entries are confirmed); a vendor organisation's members claim products
//! for their own, and such a claim is `pending` until a coordinator
//! confirms or rejects it (`decide`): only confirmed entries let a vendor
//! state VEX for a product and suggest vendors. Coordinators list every
//! entry; anyone else lists only its own organisation's. A case's
//! suggested vendors are the organisations whose confirmed products an
//! advisory of the case lists as affected, with whether each is already a
//! participant: what a coordinator invites from.

use clearinghouse_domain::cases::{EventKind, ProductRef};
use clearinghouse_domain::identity::{OrgKind, Scope};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::{COORDINATORS, case_error, readable};
use crate::app::AppState;
use crate::audit_log::AuditEvent;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::store;
use crate::store::cases::vendors::VendorProductRow;

/// Most rows one list returns.
pub const MAX_LIST: i64 = 5_000;

/// A product claimed for a vendor organisation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVendorProduct {
    /// The vendor organisation; default your own (coordinators name any).
    pub org_id: Option<String>,
    /// A package URL (`pkg:pypi/paramiko`, version ignored) or a CPE
    /// (`cpe:2.3:a:paramiko:paramiko:*:...`, vendor and product used).
    pub product: String,
}

/// A coordinator's decision on a pending claim.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VendorDecision {
    /// The organisation that claimed the product.
    pub org_id: String,
    /// The product as claimed (package URL or CPE; its matching key is used).
    pub product: String,
    /// `confirm` or `reject`.
    pub decision: String,
}

/// One claimed product.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VendorProduct {
    /// `purl` or `cpe`.
    pub kind: String,
    /// The matching key (`pkg:pypi/paramiko`, `cpe:paramiko:paramiko`).
    pub match_key: String,
    pub org_id: String,
    pub given_as: String,
    pub added_at: String,
    /// `pending` (claimed by the vendor, awaiting a coordinator),
    /// `confirmed` or `rejected`.
    pub status: String,
    pub decided_at: Option<String>,
}

/// A vendor a case's vulnerabilities point to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SuggestedVendor {
    pub org_id: String,
    pub org_name: String,
    /// The matching keys of its products the case's advisories list.
    pub products: Vec<String>,
    /// The case's vulnerabilities that affect them.
    pub vulnerabilities: Vec<String>,
    /// Whether it is already a participant of the case.
    pub participant: bool,
}

fn product_view(r: VendorProductRow) -> VendorProduct {
    VendorProduct {
        kind: r.kind,
        match_key: r.match_key,
        org_id: r.org_id,
        given_as: r.given_as,
        added_at: r.added_at,
        status: r.status,
        decided_at: r.decided_at,
    }
}

/// Claims a product for a vendor organisation: coordinators for any
/// organisation (confirmed at once), members of a `vendor` organisation
/// for their own (pending until a coordinator decides).
pub async fn add(
    app: &AppState,
    who: &Principal,
    input: NewVendorProduct,
) -> AppResult<VendorProduct> {
    who.require_scope(Scope::AdvisoriesWrite)?;
    let coordinator = who.has_any_role(COORDINATORS);
    let org_id = input.org_id.unwrap_or_else(|| who.org_id().to_owned());
    if org_id != who.org_id() && !coordinator {
        return Err(AppError::forbidden(
            "only coordinators map products to another organisation",
        ));
    }
    let product = ProductRef::parse("product", &input.product).map_err(case_error)?;
    let org = store::accounts::orgs::get(&app.store.pool, &org_id)
        .await?
        .ok_or_else(|| AppError::invalid("org_id", "no such organisation"))?;
    if org.kind != OrgKind::Vendor && !coordinator {
        return Err(AppError::forbidden(
            "only members of a vendor organisation claim products",
        ));
    }
    let now = clock::now_text();
    let row = VendorProductRow {
        kind: product.kind.to_owned(),
        match_key: product.key,
        org_id: org.id,
        given_as: input.product.trim().to_owned(),
        added_by: who.user_id().to_owned(),
        added_at: now.clone(),
        status: if coordinator { "confirmed" } else { "pending" }.to_owned(),
        decided_by: coordinator.then(|| who.user_id().to_owned()),
        decided_at: coordinator.then_some(now),
    };
    let mut tx = app.store.begin_write().await?;
    store::cases::vendors::insert(&mut tx, &row)
        .await
        .map_err(|e| match e {
            store::StoreError::Conflict(what) => {
                AppError::Conflict(format!("{what} is already mapped"))
            }
            e => e.into(),
        })?;
    let event = AuditEvent {
        action: "vendor_product.add",
        object_type: "organization",
        object_id: &row.org_id,
        change: json!({"org_id": row.org_id, "kind": row.kind, "match_key": row.match_key,
                       "status": row.status, "event": EventKind::VendorMapped.as_str()}),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    tx.commit().await?;
    Ok(product_view(row))
}

/// Confirms or rejects a vendor's pending claim (coordinators), audited.
pub async fn decide(
    app: &AppState,
    who: &Principal,
    input: VendorDecision,
) -> AppResult<VendorProduct> {
    who.require(Scope::AdvisoriesWrite, COORDINATORS)?;
    let status = match input.decision.trim() {
        "confirm" => "confirmed",
        "reject" => "rejected",
        _ => return Err(AppError::invalid("decision", "must be confirm or reject")),
    };
    let product = ProductRef::parse("product", &input.product).map_err(case_error)?;
    let now = clock::now_text();
    let mut tx = app.store.begin_write().await?;
    if !store::cases::vendors::decide(
        &mut tx,
        &product.key,
        &input.org_id,
        status,
        who.user_id(),
        &now,
    )
    .await?
    {
        return Err(AppError::invalid(
            "product",
            "no pending claim of this product by this organisation",
        ));
    }
    let event = AuditEvent {
        action: "vendor_product.decide",
        object_type: "organization",
        object_id: &input.org_id,
        change: json!({"org_id": input.org_id, "match_key": product.key, "status": status}),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    let row = store::cases::vendors::list(&mut tx, Some(&input.org_id), None, MAX_LIST)
        .await?
        .into_iter()
        .find(|r| r.match_key == product.key)
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(product_view(row))
}

/// The vendor map: coordinators read every entry (of one organisation or
/// of all, in one status or any: `pending` is what awaits them); anyone
/// else only its own organisation's entries (another organisation's
/// filter gives an empty list).
pub async fn list(
    app: &AppState,
    who: &Principal,
    org_id: Option<&str>,
    status: Option<&str>,
) -> AppResult<Vec<VendorProduct>> {
    who.require_scope(Scope::AdvisoriesRead)?;
    if let Some(s) = status
        && !matches!(s, "pending" | "confirmed" | "rejected")
    {
        return Err(AppError::invalid(
            "status",
            "must be pending, confirmed or rejected",
        ));
    }
    let org_id = if who.has_any_role(COORDINATORS) {
        org_id
    } else if org_id.is_none_or(|o| o == who.org_id()) {
        Some(who.org_id())
    } else {
        return Ok(Vec::new());
    };
    let mut conn = app.store.pool.acquire().await?;
    Ok(
        store::cases::vendors::list(&mut conn, org_id, status, MAX_LIST)
            .await?
            .into_iter()
            .map(product_view)
            .collect(),
    )
}

/// The vendors a case's vulnerabilities point to (participants of the case only).
pub async fn suggested(
    app: &AppState,
    who: &Principal,
    case_id: &str,
) -> AppResult<Vec<SuggestedVendor>> {
    who.require_scope(Scope::AdvisoriesRead)?;
    let c = readable(app, who, case_id).await?;
    let mut conn = app.store.pool.acquire().await?;
    let participants: Vec<String> = store::cases::participants(&mut conn, &c.id)
        .await?
        .into_iter()
        .map(|p| p.org_id)
        .collect();
    let mut out: Vec<SuggestedVendor> = Vec::new();
    for s in store::cases::vendors::suggestions(&mut conn, &c.id).await? {
        if out.last().is_none_or(|v| v.org_id != s.org_id) {
            let org_name = store::accounts::orgs::get(&mut *conn, &s.org_id)
                .await?
                .map(|o| o.name)
                .unwrap_or_default();
            out.push(SuggestedVendor {
                participant: participants.contains(&s.org_id),
                org_id: s.org_id.clone(),
                org_name,
                products: Vec::new(),
                vulnerabilities: Vec::new(),
            });
        }
        if let Some(v) = out.last_mut() {
            if !v.products.contains(&s.match_key) {
                v.products.push(s.match_key);
            }
            if !v.vulnerabilities.contains(&s.vuln_id) {
                v.vulnerabilities.push(s.vuln_id);
            }
        }
    }
    Ok(out)
}
