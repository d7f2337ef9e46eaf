//! Patch distribution (issue 15, item 7) and message attachments (item 2).
//!
//! A vendor participant attaches a fix to a case: the bytes uploaded, or a
//! URL where the vendor hosts it with the SHA-256 it declares (the server
//! fetches it once, through the same outbound rules as webhooks). Bytes
//! that do not have the declared digest are refused naming `sha256`, and
//! nothing is stored. The bytes go to the artifact store; SHA-256 and
//! SHA-512 are recorded; the server signs a release statement
//! (`cases::patch::ReleaseStatement`, a C2SP signed note under its audit
//! Ed25519 key, verifiable offline with `clearinghouse patch verify`).
//! The vendor names the vulnerabilities (and products) it fixes
//! (`patch_fixes`). Participants are told, the change is audited and on
//! the timeline.
//!
//! Who downloads: whoever reads the case (participants, staff) and, once
//! the case is published, every organisation with an exposure to one of
//! its vulnerabilities; anyone else gets 404. Operators then mark their
//! exposure patched through the exposure workflow; [`progress`] counts,
//! for a case's coordinators, how many exposed operators have patched,
//! mitigated, accepted the risk or not acted, by sector and deadline.
//!
//! `store::cases::patches::of_case` (in the caller's transaction) is what
//! the CSAF advisory's remediations read.
//!
//! Attachments: members of the organisation that posted a message attach
//! files to it (403 for anyone else, and before their organisation joined);
//! only readers of the case download them (404 otherwise).

use clearinghouse_domain::cases::EventKind;
use clearinghouse_domain::cases::patch::{
    PatchInput, ReleaseStatement, ValidPatch, check_declared,
};
use clearinghouse_domain::cases::progress::{self, Counts, ExposureFact};
use clearinghouse_domain::identity::{Role, Scope};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256, Sha512};
use utoipa::{IntoParams, ToSchema};

use super::{COORDINATORS, case_error, notice, org_words, readable, record, vuln_words};
use crate::app::AppState;
use crate::audit_log::AuditEvent;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::model::notify::NotificationKind;
use crate::store;
use crate::store::cases::CaseRow;
use crate::store::cases::patches::{AttachmentRow, Fix, PatchRow};
use crate::workflows::cases::patch_fixes::{self, PatchFix, split_list};
use crate::workflows::notifications;
use crate::workflows::{download_audited, new_id};

/// Largest patch accepted (uploaded or fetched).
pub const MAX_PATCH_BYTES: usize = 64 * 1024 * 1024;
/// Largest message attachment.
pub const MAX_ATTACHMENT_BYTES: usize = 16 * 1024 * 1024;

/// A patch upload's parameters (the bytes are the body).
#[derive(Debug, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PatchUpload {
    /// The file name (no path).
    pub name: String,
    /// The version the fix brings.
    pub fixed_version: Option<String>,
    /// The SHA-256 (hex) the vendor declares; the bytes must match it.
    pub sha256: Option<String>,
    /// The case's vulnerabilities it fixes, comma-separated (default all).
    pub vulnerabilities: Option<String>,
    /// The products it is for, package URLs or CPEs, comma-separated
    /// (default every product of the vendor).
    pub products: Option<String>,
}

/// A fix the vendor hosts.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchUrl {
    /// http or https; fetched once by the server.
    pub url: String,
    /// The SHA-256 (hex) of the file at the URL.
    pub sha256: String,
    /// The file name; default the URL's last segment.
    pub name: Option<String>,
    pub fixed_version: Option<String>,
    /// The case's vulnerabilities it fixes (default all).
    #[serde(default)]
    pub vulnerabilities: Vec<String>,
    /// The products it is for, package URLs or CPEs (default every
    /// product of the vendor).
    #[serde(default)]
    pub products: Vec<String>,
}

/// A patch as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Patch {
    pub id: String,
    pub case_id: String,
    pub vendor_org: String,
    pub file_name: String,
    pub fixed_version: Option<String>,
    /// Where the vendor hosts it, when given by URL.
    pub url: Option<String>,
    pub size: i64,
    pub sha256: String,
    pub sha512: String,
    /// The signed release statement (C2SP signed note): save it and check
    /// the file offline with `clearinghouse patch verify`.
    pub statement: String,
    /// The server's verifier key (`name+keyid+base64`) that signed it.
    pub verifier_key: String,
    pub created_at: String,
    /// The vulnerabilities (and products) it fixes.
    pub fixes: Vec<PatchFix>,
}

fn patch_view(app: &AppState, p: PatchRow, fixes: Vec<PatchFix>) -> Patch {
    Patch {
        id: p.id,
        case_id: p.case_id,
        vendor_org: p.vendor_org,
        file_name: p.file_name,
        fixed_version: p.fixed_version,
        url: p.url,
        size: p.size,
        sha256: p.sha256,
        sha512: p.sha512,
        statement: p.statement,
        verifier_key: app.audit.signer().verifier_key(),
        created_at: p.created_at,
        fixes,
    }
}

/// Attaches uploaded bytes as a patch (vendor participants).
pub async fn upload(
    app: &AppState,
    who: &Principal,
    case_id: &str,
    q: PatchUpload,
    bytes: Vec<u8>,
) -> AppResult<Patch> {
    let input = PatchInput {
        name: q.name,
        fixed_version: q.fixed_version,
        sha256: q.sha256,
        url: None,
    };
    let valid = input.validate().map_err(case_error)?;
    let c = vendor_of(app, who, case_id).await?;
    let mut conn = app.store.pool.acquire().await?;
    let fixes = patch_fixes::resolve(
        &mut conn,
        who.org_id(),
        &c,
        &split_list(q.vulnerabilities.as_deref()),
        &split_list(q.products.as_deref()),
    )
    .await?;
    drop(conn);
    release(app, who, c, valid, fixes, bytes).await
}

/// Fetches a vendor-hosted fix and attaches it (vendor participants).
pub async fn from_url(
    app: &AppState,
    who: &Principal,
    case_id: &str,
    input: PatchUrl,
) -> AppResult<Patch> {
    let name = match input.name {
        Some(n) => n,
        None => input
            .url
            .split(['?', '#'])
            .next()
            .and_then(|u| u.rsplit('/').next())
            .filter(|n| !n.is_empty())
            .unwrap_or("patch")
            .to_owned(),
    };
    let (vulnerabilities, products) = (input.vulnerabilities, input.products);
    let input = PatchInput {
        name,
        fixed_version: input.fixed_version,
        sha256: Some(input.sha256),
        url: Some(input.url),
    };
    // Checked before the fetch: no request to a URL that is refused anyway.
    let valid = input.validate().map_err(case_error)?;
    let c = vendor_of(app, who, case_id).await?;
    let mut conn = app.store.pool.acquire().await?;
    let fixes =
        patch_fixes::resolve(&mut conn, who.org_id(), &c, &vulnerabilities, &products).await?;
    drop(conn);
    let url = valid.url.clone().unwrap_or_default();
    let bytes = fetch(app, &url).await?;
    release(app, who, c, valid, fixes, bytes).await
}

/// Said for every fetch that did not bring a file: which step failed
/// (a refused or unresolvable host, no answer, an error status) would
/// make this a probe of the server's network (F2); the log has the detail.
pub const FETCH_REFUSED: &str = "could not fetch a file from this URL: it must be a public \
     http(s) address that answers 200 with the file within 10 s, without redirects";

/// Fetches `url` (no redirects, 10 s, at most [`MAX_PATCH_BYTES`]), under
/// the webhook rules for private addresses; every failure is
/// [`FETCH_REFUSED`].
async fn fetch(app: &AppState, url: &str) -> AppResult<Vec<u8>> {
    let refused = |why: String| {
        tracing::info!(url = %url, why = %why, "patch fetch refused");
        AppError::invalid("url", FETCH_REFUSED)
    };
    let http = crate::jobs::webhook_deliver::outbound_client(app, url)
        .await
        .map_err(refused)?;
    let mut resp = http
        .get(url)
        .send()
        .await
        .map_err(|e| refused(e.to_string()))?;
    if !resp.status().is_success() {
        return Err(refused(format!("answered {}", resp.status())));
    }
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| refused(e.to_string()))? {
        if out.len() + chunk.len() > MAX_PATCH_BYTES {
            return Err(AppError::invalid(
                "url",
                format!("the file is larger than {MAX_PATCH_BYTES} bytes"),
            ));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// The case, if `who` is a vendor participant of it (403 otherwise; 404
/// when it may not read the case).
async fn vendor_of(app: &AppState, who: &Principal, case_id: &str) -> AppResult<CaseRow> {
    who.require_scope(Scope::AdvisoriesWrite)?;
    let c = readable(app, who, case_id).await?;
    let mut conn = app.store.pool.acquire().await?;
    let me = store::cases::participant(&mut conn, &c.id, who.org_id()).await?;
    if me.as_ref().is_none_or(|p| p.role != "vendor") {
        return Err(AppError::forbidden(
            "only a vendor participant of the case releases patches",
        ));
    }
    Ok(c)
}

async fn release(
    app: &AppState,
    who: &Principal,
    c: CaseRow,
    valid: ValidPatch,
    fixes: Vec<Fix>,
    bytes: Vec<u8>,
) -> AppResult<Patch> {
    if bytes.is_empty() {
        return Err(AppError::invalid("file", "the patch is empty"));
    }
    let sha256 = hex::encode(Sha256::digest(&bytes));
    check_declared(valid.sha256.as_deref(), &sha256).map_err(case_error)?;
    let sha512 = hex::encode(Sha512::digest(&bytes));
    let size = bytes.len() as u64;
    let (artifact_key, _) = app
        .artifacts
        .put(bytes)
        .await
        .map_err(|e| AppError::internal("storing the patch", e))?;
    let id = new_id();
    let now = clock::now_text();
    let statement = ReleaseStatement {
        case_id: c.id.clone(),
        patch_id: id.clone(),
        vendor_org: who.org_id().to_owned(),
        file: valid.name.clone(),
        fixed_version: valid.fixed_version.clone(),
        url: valid.url.clone(),
        size,
        sha256: sha256.clone(),
        sha512: sha512.clone(),
        released_at: now.clone(),
    };
    let signed = app.audit.signer().sign_text(&statement.body());
    let row = PatchRow {
        id,
        case_id: c.id.clone(),
        vendor_org: who.org_id().to_owned(),
        file_name: valid.name,
        fixed_version: valid.fixed_version,
        url: valid.url,
        size: i64::try_from(size).map_err(|e| AppError::internal("patch size", e))?,
        sha256,
        sha512,
        artifact_key,
        statement: signed,
        created_by: who.user_id().to_owned(),
        created_at: now,
    };
    let mut tx = app.store.begin_write().await?;
    store::cases::patches::insert_patch(&mut tx, &row).await?;
    store::cases::patches::insert_fixes(&mut tx, &row.id, &fixes).await?;
    let fixed = patch_fixes::of_case(&mut tx, &c.id)
        .await?
        .remove(&row.id)
        .unwrap_or_default();
    let mut fixes_named: Vec<String> = Vec::new();
    for f in &fixed {
        if !fixes_named.contains(&f.vulnerability) {
            fixes_named.push(f.vulnerability.clone());
        }
    }
    record(
        app,
        &mut tx,
        who,
        "case.patch",
        &c.id,
        (
            EventKind::PatchReleased,
            Some(who.org_id()),
            json!({"patch_id": row.id, "file_name": row.file_name, "sha256": row.sha256,
                   "fixed_version": row.fixed_version, "fixes": fixed}),
        ),
    )
    .await?;
    let participants = store::cases::participants(&mut tx, &c.id).await?;
    let by = org_words(&mut tx, who.org_id()).await?;
    let title = &c.title;
    let fixes = vuln_words(&fixes_named);
    let told: Vec<_> = participants
        .iter()
        .filter(|p| p.org_id != who.org_id())
        .map(|p| {
            notice(
                &c,
                &p.org_id,
                NotificationKind::CasePatchReleased,
                format!("A vendor released a patch in case: {}", c.title),
                format!(
                    "{by} released {} ({}) fixing {fixes} in the coordination case “{title}”.",
                    row.file_name,
                    row.fixed_version.as_deref().unwrap_or("no version given"),
                ),
            )
        })
        .collect();
    notifications::enqueue_many(app, &mut tx, told).await?;
    tx.commit().await?;
    Ok(patch_view(app, row, fixed))
}

/// The case if `who` may download its patches: a reader of the case, or,
/// once it is published, an organisation exposed to its vulnerabilities.
async fn downloadable(app: &AppState, who: &Principal, case_id: &str) -> AppResult<CaseRow> {
    who.require_scope(Scope::AdvisoriesRead)?;
    match readable(app, who, case_id).await {
        Ok(c) => Ok(c),
        Err(AppError::NotFound) => {
            let mut conn = app.store.pool.acquire().await?;
            let c = store::cases::get_row(&mut conn, case_id)
                .await?
                .filter(|c| c.state == "published")
                .ok_or(AppError::NotFound)?;
            if store::cases::patches::org_exposed(&mut conn, &c.id, who.org_id()).await? {
                Ok(c)
            } else {
                Err(AppError::NotFound)
            }
        }
        Err(e) => Err(e),
    }
}

/// A case's patches.
pub async fn list(app: &AppState, who: &Principal, case_id: &str) -> AppResult<Vec<Patch>> {
    let c = downloadable(app, who, case_id).await?;
    let mut conn = app.store.pool.acquire().await?;
    let mut fixes = patch_fixes::of_case(&mut conn, &c.id).await?;
    Ok(store::cases::patches::of_case(&mut conn, &c.id)
        .await?
        .into_iter()
        .map(|p| {
            let f = fixes.remove(&p.id).unwrap_or_default();
            patch_view(app, p, f)
        })
        .collect())
}

/// One patch with its bytes (each download audited).
pub async fn download(
    app: &AppState,
    who: &Principal,
    case_id: &str,
    patch_id: &str,
) -> AppResult<(Patch, Vec<u8>)> {
    let c = downloadable(app, who, case_id).await?;
    let mut conn = app.store.pool.acquire().await?;
    let p = store::cases::patches::get_patch(&mut conn, &c.id, patch_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let fixes = patch_fixes::of_case(&mut conn, &c.id)
        .await?
        .remove(&p.id)
        .unwrap_or_default();
    drop(conn);
    let event = AuditEvent {
        action: "case.patch_download",
        object_type: "case",
        object_id: &c.id,
        change: json!({"case_id": c.id, "patch_id": p.id, "sha256": p.sha256}),
    };
    let bytes = download_audited(app, who, &p.artifact_key, "reading the patch", event).await?;
    Ok((patch_view(app, p, fixes), bytes))
}

/// Operators per status.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProgressCounts {
    pub operators: u64,
    pub patched: u64,
    pub mitigated: u64,
    pub risk_accepted: u64,
    pub not_acted: u64,
    /// Not acted and past their deadline.
    pub overdue: u64,
}

impl From<Counts> for ProgressCounts {
    fn from(c: Counts) -> Self {
        ProgressCounts {
            operators: c.operators,
            patched: c.patched,
            mitigated: c.mitigated,
            risk_accepted: c.risk_accepted,
            not_acted: c.not_acted,
            overdue: c.overdue,
        }
    }
}

/// A group of operators (a sector or a deadline) with its counts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProgressGroup {
    /// The sector (`unspecified` when none) or the deadline date (`none`).
    pub key: String,
    pub counts: ProgressCounts,
}

/// A case's remediation progress.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Progress {
    pub case_id: String,
    pub totals: ProgressCounts,
    pub by_sector: Vec<ProgressGroup>,
    pub by_deadline: Vec<ProgressGroup>,
    /// Patches released in the case.
    pub patches: u64,
}

/// How many exposed operators have patched, mitigated, accepted the risk
/// or not acted (the case's coordinators and the staff's coordinators).
pub async fn progress(app: &AppState, who: &Principal, case_id: &str) -> AppResult<Progress> {
    who.require(Scope::AdvisoriesRead, COORDINATORS)?;
    let c = readable(app, who, case_id).await?;
    let mut conn = app.store.pool.acquire().await?;
    let facts: Vec<ExposureFact> = store::cases::patches::exposure_facts(&mut conn, &c.id)
        .await?
        .into_iter()
        .map(
            |(org_id, sector, state, accepted_until, due_at)| ExposureFact {
                org_id,
                sector,
                state,
                accepted_until,
                due_at,
            },
        )
        .collect();
    let patches = store::cases::patches::of_case(&mut conn, &c.id)
        .await?
        .len() as u64;
    let p = progress::progress(&facts, &clock::now_text());
    let groups = |g: Vec<(String, Counts)>| {
        g.into_iter()
            .map(|(key, counts)| ProgressGroup {
                key,
                counts: counts.into(),
            })
            .collect()
    };
    Ok(Progress {
        case_id: c.id,
        totals: p.totals.into(),
        by_sector: groups(p.by_sector),
        by_deadline: groups(p.by_deadline),
        patches,
    })
}

/// An attachment as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Attachment {
    pub id: String,
    pub message_id: String,
    pub file_name: String,
    pub size: i64,
    pub sha256: String,
    pub created_by: String,
    pub created_at: String,
}

fn attachment_view(a: AttachmentRow) -> Attachment {
    Attachment {
        id: a.id,
        message_id: a.message_id,
        file_name: a.file_name,
        size: a.size,
        sha256: a.sha256,
        created_by: a.created_by,
        created_at: a.created_at,
    }
}

/// An attachment's name (the bytes are the body).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AttachmentUpload {
    /// The file name (no path).
    pub name: String,
}

/// Attaches a file to a message of the case (members of the message's
/// organisation, once it joined).
pub async fn attach(
    app: &AppState,
    who: &Principal,
    case_id: &str,
    message_id: &str,
    name: &str,
    bytes: Vec<u8>,
) -> AppResult<Attachment> {
    who.require_scope(Scope::AdvisoriesWrite)?;
    let c = readable(app, who, case_id).await?;
    let file_name = clearinghouse_domain::text::validate_file_name("name", name)
        .map_err(|e| case_error(e.into()))?;
    if bytes.is_empty() {
        return Err(AppError::invalid("file", "the attachment is empty"));
    }
    let mut conn = app.store.pool.acquire().await?;
    let author_org = store::cases::messages::message_org(&mut conn, &c.id, message_id)
        .await?
        .ok_or(AppError::NotFound)?;
    // Files go under one's own organisation's messages only: a file under
    // someone else's message would read as theirs (the page names who
    // attached each file all the same).
    if author_org != who.org_id() {
        return Err(AppError::forbidden(
            "only the organisation that posted a message attaches files to it",
        ));
    }
    let participants = store::cases::participants(&mut conn, &c.id).await?;
    super::messages::require_joined(&participants, who)?;
    drop(conn);
    let size = i64::try_from(bytes.len()).map_err(|e| AppError::internal("size", e))?;
    let (artifact_key, sha256) = app
        .artifacts
        .put(bytes)
        .await
        .map_err(|e| AppError::internal("storing the attachment", e))?;
    let row = AttachmentRow {
        id: new_id(),
        case_id: c.id.clone(),
        message_id: message_id.to_owned(),
        file_name,
        size,
        sha256,
        artifact_key,
        created_by: who.user_id().to_owned(),
        created_at: clock::now_text(),
    };
    let mut tx = app.store.begin_write().await?;
    store::cases::patches::insert_attachment(&mut tx, &row).await?;
    crate::workflows::record_audit(
        app,
        &mut tx,
        who,
        "case.attachment",
        "case",
        &c.id,
        json!({"case_id": c.id, "message_id": row.message_id, "attachment_id": row.id,
               "sha256": row.sha256, "size": row.size}),
    )
    .await?;
    tx.commit().await?;
    Ok(attachment_view(row))
}

/// A case's attachments, by message and time.
pub async fn attachments(
    app: &AppState,
    who: &Principal,
    case_id: &str,
) -> AppResult<Vec<Attachment>> {
    who.require_scope(Scope::AdvisoriesRead)?;
    let c = readable(app, who, case_id).await?;
    let mut conn = app.store.pool.acquire().await?;
    Ok(store::cases::patches::attachments_of_case(&mut conn, &c.id)
        .await?
        .into_iter()
        .map(attachment_view)
        .collect())
}

/// One attachment with its bytes (readers of the case only; 404 otherwise).
pub async fn attachment(
    app: &AppState,
    who: &Principal,
    case_id: &str,
    id: &str,
) -> AppResult<(Attachment, Vec<u8>)> {
    who.require_scope(Scope::AdvisoriesRead)?;
    let c = readable(app, who, case_id).await?;
    let mut conn = app.store.pool.acquire().await?;
    let a = store::cases::patches::get_attachment(&mut conn, &c.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(conn);
    let bytes = app
        .artifacts
        .get(&a.artifact_key)
        .await
        .map_err(|e| AppError::internal("reading the attachment", e))?;
    Ok((attachment_view(a), bytes))
}

/// Whether `who` is among the coordinators (for pages that show the
/// progress link).
pub fn is_coordinator(who: &Principal) -> bool {
    who.has_any_role(&[Role::Coordinator])
}
