//! The audit log page: the current signed checkpoint, the newest entries,
//! and an inclusion proof for one entry, checked on the server against the
//! checkpoint's root.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::Query;
use clearinghouse_domain::audit::merkle;
use clearinghouse_domain::identity::{Role, Scope};
use serde::Deserialize;

use super::names::Names;
use super::paging::{PAGE_ROWS, PageParams, Pager};
use super::{Nav, UiCaller, UiResult};
use crate::error::AppError;
use crate::store;

/// One entry as the table shows it.
pub struct EntryRow {
    pub index: i64,
    pub time: String,
    pub actor_id: String,
    pub username: String,
    pub actor_org: String,
    pub via: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    /// The canonical entry text (what the leaf hash covers).
    pub entry: String,
}

impl EntryRow {
    fn parse(index: i64, entry: String) -> EntryRow {
        let v: serde_json::Value = serde_json::from_str(&entry).unwrap_or_default();
        let s = |p: &str| {
            v.pointer(p)
                .and_then(|x| x.as_str())
                .unwrap_or("")
                .to_owned()
        };
        EntryRow {
            index,
            time: s("/time"),
            actor_id: s("/actor/user"),
            username: s("/actor/username"),
            actor_org: s("/actor/org"),
            via: s("/actor/via"),
            action: s("/action"),
            object_type: s("/object/type"),
            object_id: s("/object/id"),
            entry,
        }
    }

    /// Where the entry's object can be seen, when it has a page the
    /// reader may open: findings and submissions are case data, read by
    /// their organisation and the clearinghouse staff (`staff`), not by an
    /// auditor or administrator as such, so for them there is no link.
    pub fn object_link(&self, staff: bool) -> Option<String> {
        let id = &self.object_id;
        let path = match self.object_type.as_str() {
            "asset" => format!("/assets/{id}"),
            "finding" if staff => format!("/findings/{id}"),
            "submission" if staff => format!("/submissions/{id}"),
            "document" => format!("/documents/{id}"),
            // An advisory by its storage key (`kev:CVE-...`, a CSAF
            // `<tracking id>/<ref>@<publisher>`): one path segment.
            "vulnerability" | "advisory" => format!("/vulnerabilities/{}", path_segment(id)),
            "approval" => "/approvals".to_owned(),
            "organization" | "org" => "/orgs".to_owned(),
            "user" => "/users".to_owned(),
            _ => return None,
        };
        Some(path)
    }

    /// The object as a person reads it: a name when it is an organisation
    /// or a user, else the type with its id (a generated UUID shortened to
    /// its first eight characters; a name such as `kev:CVE-2021-44228`
    /// whole).
    pub fn object_label(&self, names: &Names) -> String {
        let id = &self.object_id;
        match self.object_type.as_str() {
            "organization" | "org" => format!("organisation {}", names.org(id)),
            "user" => format!("user {}", names.user(id)),
            t if uuid::Uuid::parse_str(id).is_ok() => format!("{t} {}", &id[..8]),
            t => format!("{t} {id}"),
        }
    }
}

/// `text` as one URL path segment (`/` and other reserved characters
/// percent-encoded, by the `url` crate's path encoder).
fn path_segment(text: &str) -> String {
    let Ok(mut url) = url::Url::parse("http://segment.invalid/") else {
        return text.to_owned();
    };
    if let Ok(mut segments) = url.path_segments_mut() {
        segments.clear().push(text);
    }
    url.path().trim_start_matches('/').to_owned()
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
    names: Names,
    f: AuditFilter,
    pager: Pager,
    /// Whether the reader is clearinghouse staff (see [`EntryRow::object_link`]).
    staff: bool,
}

/// The log's filters, each a substring match on one field of the entry.
#[derive(Debug, Default, Deserialize)]
pub struct AuditFilter {
    /// A username.
    #[serde(default)]
    pub actor: String,
    /// An action, or its start (`finding.` for every finding action).
    #[serde(default)]
    pub action: String,
    /// An object type or an object id.
    #[serde(default)]
    pub object: String,
    /// A day or the start of a time (`2026-12-06`, `2026-12-06T04`).
    #[serde(default)]
    pub time: String,
    #[serde(flatten)]
    pub paging: PageParams,
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

impl AuditFilter {
    /// Substrings of the entry text that the filters ask for.
    fn needles(&self) -> Vec<String> {
        let mut out = Vec::new();
        let actor = self.actor.trim();
        if !actor.is_empty() {
            out.push(format!("\"username\":{}", json_str(actor)));
        }
        let action = self.action.trim();
        if !action.is_empty() {
            let quoted = json_str(action);
            // A prefix: the opening quote and the text, without the closing quote.
            out.push(format!("\"action\":{}", &quoted[..quoted.len() - 1]));
        }
        let object = self.object.trim();
        if !object.is_empty() {
            let quoted = json_str(object);
            out.push(quoted[..quoted.len() - 1].to_owned());
        }
        let time = self.time.trim();
        if !time.is_empty() {
            let quoted = json_str(time);
            out.push(format!("\"time\":{}", &quoted[..quoted.len() - 1]));
        }
        out
    }
}

pub async fn page(
    UiCaller { app, who }: UiCaller,
    Query(f): Query<AuditFilter>,
) -> UiResult<AuditPage> {
    who.require(Scope::AuditRead, &[Role::Auditor, Role::PlatformAdmin])?;
    let cp = app
        .audit
        .checkpoint(&app.store)
        .await
        .map_err(AppError::from)?;
    let (rows, total) =
        store::audit::search(&app.store.pool, &f.needles(), f.paging.offset(), PAGE_ROWS)
            .await
            .map_err(AppError::from)?;
    let entries: Vec<EntryRow> = rows
        .into_iter()
        .map(|r| EntryRow::parse(r.idx, r.entry))
        .collect();
    let mut orgs: Vec<&str> = Vec::new();
    let mut users: Vec<&str> = Vec::new();
    for e in &entries {
        orgs.push(&e.actor_org);
        users.push(&e.actor_id);
        if e.object_type.starts_with("org") {
            orgs.push(&e.object_id);
        } else if e.object_type == "user" {
            users.push(&e.object_id);
        }
    }
    let names = Names::load(&app, orgs, users).await?;
    let pager = Pager::new(
        "/audit",
        &[
            ("actor", &f.actor),
            ("action", &f.action),
            ("object", &f.object),
            ("time", &f.time),
        ],
        &f.paging,
        "index",
        true,
        entries.len(),
        total,
    );
    Ok(AuditPage {
        nav: Nav::new(&who, "audit"),
        tree_size: cp.checkpoint.size,
        root_hash: hex::encode(cp.checkpoint.root),
        note: cp.note,
        verifier_key: app.audit.signer().verifier_key(),
        entries,
        names,
        f,
        pager,
        staff: crate::workflows::read_policy::is_staff(&who),
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
    UiCaller { app, who }: UiCaller,
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
