//! The audit log page: the current signed checkpoint, the newest entries,
//! and an inclusion proof for one entry, checked on the server against the
//! checkpoint's root.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use clearinghouse_domain::audit::merkle;
use clearinghouse_domain::identity::{Role, Scope};
use serde::Deserialize;

use super::{Nav, UiAuth, UiResult};
use crate::app::AppState;
use crate::error::AppError;
use crate::store;

pub struct EntryRow {
    pub index: i64,
    pub entry: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "audit.html")]
pub struct AuditPage {
    nav: Nav,
    tree_size: u64,
    root_hash: String,
    note: String,
    verifier_key: String,
    entries: Vec<EntryRow>,
}

pub async fn page(State(app): State<AppState>, UiAuth(who): UiAuth) -> UiResult<AuditPage> {
    who.require(Scope::AuditRead, &[Role::Auditor, Role::PlatformAdmin])?;
    let cp = app
        .audit
        .checkpoint(&app.store)
        .await
        .map_err(AppError::from)?;
    let size = cp.checkpoint.size as i64;
    let rows = store::audit::range(&app.store.pool, (size - 50).max(0), size)
        .await
        .map_err(AppError::from)?;
    Ok(AuditPage {
        nav: Nav::new(&who, "audit"),
        tree_size: cp.checkpoint.size,
        root_hash: hex::encode(cp.checkpoint.root),
        note: cp.note,
        verifier_key: app.audit.signer().verifier_key(),
        entries: rows
            .into_iter()
            .rev()
            .map(|r| EntryRow {
                index: r.idx,
                entry: r.entry,
            })
            .collect(),
    })
}

#[derive(Deserialize)]
pub struct ProofQuery {
    index: u64,
}

#[derive(Template, WebTemplate)]
#[template(path = "audit_proof.html")]
pub struct ProofPage {
    nav: Nav,
    index: u64,
    tree_size: u64,
    entry: String,
    leaf_hash: String,
    root_hash: String,
    proof: Vec<String>,
    verified: bool,
}

pub async fn proof(
    State(app): State<AppState>,
    UiAuth(who): UiAuth,
    Query(q): Query<ProofQuery>,
) -> UiResult<ProofPage> {
    who.require(Scope::AuditRead, &[Role::Auditor, Role::PlatformAdmin])?;
    let cp = app
        .audit
        .checkpoint(&app.store)
        .await
        .map_err(AppError::from)?;
    let size = cp.checkpoint.size;
    let (leaf, root, path) = app
        .audit
        .inclusion_proof(&app.store, q.index, size)
        .await
        .map_err(AppError::from)?
        .map_err(|e| AppError::invalid("index", e.to_string()))?;
    let row = store::audit::range(&app.store.pool, q.index as i64, q.index as i64 + 1)
        .await
        .map_err(AppError::from)?;
    let entry = row.into_iter().next().map(|r| r.entry).unwrap_or_default();
    let verified = merkle::leaf_hash(entry.as_bytes()) == leaf
        && merkle::verify_inclusion(&leaf, q.index, size, &path, &cp.checkpoint.root).is_ok();
    Ok(ProofPage {
        nav: Nav::new(&who, "audit"),
        index: q.index,
        tree_size: size,
        entry,
        leaf_hash: hex::encode(leaf),
        root_hash: hex::encode(root),
        proof: path.iter().map(hex::encode).collect(),
        verified,
    })
}
