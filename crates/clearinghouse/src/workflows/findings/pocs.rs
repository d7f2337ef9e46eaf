//! The proof-of-concept vault: exploit code and crash inputs attached to a
//! finding, sealed at rest (`clearinghouse_domain::envelope`: AES-256-GCM
//! under a per-artifact data key wrapped by the key-encryption key kept
//! outside the database, the artifact id bound as associated data),
//! labelled no looser than the finding, and released only through the
//! two-person rule: a reader asks (`request_release`), a second person who
//! is a coordinator approves (`approvals::decide` → [`grant_release`]), and
//! the requester may then download for seven days, each download audited
//! before the bytes leave.
//!
//! Who may do what: the finding's readers under the one read policy (its
//! first reporter's organisation and the clearinghouse staff, within its
//! TLP and visibility) may upload, list and ask; the artifact's own labels
//! must admit them too (same owner, staff named). A record the caller may not read is "not found". The
//! TLP marking is a handling instruction that travels with the material;
//! the release names its one recipient, which is what TLP's strictest
//! levels ask for.

use crate::store::AnyConnection;
use clearinghouse_domain::approval::ApprovalRequest;
use clearinghouse_domain::envelope::{self, Sealed};
use clearinghouse_domain::identity::Scope;
use clearinghouse_domain::labels::{RecordLabels, Tlp, Visibility, can_read};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::audit_log::AuditEvent;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::model::poc::{PocArtifact, PocRelease, PocSealing};
use crate::model::{Approval, Page};
use crate::store;
use crate::workflows::read_policy::{PolicyReader, may_read_case, may_read_submitted};
use crate::workflows::{into_page, new_id, page_size};

/// Largest proof-of-concept file accepted (413 beyond).
pub const MAX_POC_BYTES: usize = 64 * 1024 * 1024;
/// How long an approved release lasts.
pub const RELEASE_DAYS: i64 = 7;

/// What an upload says of its file, besides the bytes.
#[derive(Debug, Default)]
pub struct NewPoc {
    /// The file name, 1 to 200 characters, no slashes.
    pub name: Option<String>,
    /// Defaults to `application/octet-stream`.
    pub media_type: Option<String>,
    /// A TLP marking at least as strict as the finding's.
    pub tlp: Option<String>,
    /// A visibility expression added (with `&`) to the finding's.
    pub visibility: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseRequest {
    /// Why you need the material (shown to the coordinator who decides).
    pub reason: String,
}

/// What the vault needs of a finding.
struct FindingLabels {
    tlp: Tlp,
    visibility: Visibility,
    reporter_org: String,
}

/// The finding if `who` may read it (the findings read rule,
/// `findings::get_readable`), else 404.
async fn readable_finding(
    app: &AppState,
    who: &Principal,
    finding_id: &str,
) -> AppResult<FindingLabels> {
    let finding = crate::workflows::findings::get_readable(app, who, finding_id).await?;
    Ok(FindingLabels {
        tlp: finding.tlp,
        visibility: Visibility::parse(&finding.visibility)
            .map_err(|e| AppError::internal("label", e))?,
        reporter_org: finding.reporter_org,
    })
}

/// An artifact, its sealing and its finding's labels, if `who` may read the
/// finding and the artifact (the one read policy: one query, then the
/// domain's `can_read` on both records); else 404.
async fn readable_poc(
    app: &AppState,
    who: &Principal,
    poc_id: &str,
) -> AppResult<(PocArtifact, PocSealing, FindingLabels)> {
    who.require_scope(Scope::FindingsRead)?;
    let reader = PolicyReader::of(app, who).await?;
    let (poc, sealing, f) =
        store::findings::pocs::get_readable(&app.store.pool, poc_id, &reader.filter())
            .await?
            .ok_or(AppError::NotFound)?;
    let readable = may_read_submitted(who, f.tlp, &f.visibility, &f.reporter_org)?
        && may_read_case(
            who,
            poc.tlp,
            &poc.visibility,
            &f.reporter_org,
            Some(&poc.uploaded_by),
        )?;
    if !readable {
        tracing::error!(poc.id = %poc_id, "read filter and read policy disagree");
        return Err(AppError::NotFound);
    }
    let finding = FindingLabels {
        tlp: f.tlp,
        visibility: Visibility::parse(&f.visibility).map_err(|e| AppError::internal("label", e))?,
        reporter_org: f.reporter_org,
    };
    Ok((poc, sealing, finding))
}

fn validate_name(name: Option<&str>) -> AppResult<String> {
    let name = name.map(str::trim).unwrap_or_default();
    let len = name.chars().count();
    if len == 0 || len > 200 || name.contains(['/', '\\']) || name.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "name",
            "must be 1 to 200 characters, no slashes or control characters",
        ));
    }
    if name == "." || name == ".." {
        return Err(AppError::invalid("name", "must name a file"));
    }
    Ok(name.to_owned())
}

/// `type/subtype` of RFC 6838 token characters, parameters not allowed.
pub(crate) fn validate_media_type(media_type: Option<&str>) -> AppResult<String> {
    let Some(m) = media_type.map(str::trim).filter(|m| !m.is_empty()) else {
        return Ok("application/octet-stream".to_owned());
    };
    let token = |s: &str| {
        !s.is_empty()
            && s.len() <= 127
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c))
    };
    match m.split_once('/') {
        Some((t, s)) if token(t) && token(s) => Ok(m.to_ascii_lowercase()),
        _ => Err(AppError::invalid(
            "media_type",
            "must be a media type such as application/octet-stream",
        )),
    }
}

/// The artifact's labels: the finding's, made stricter (never looser) by the
/// uploader's choice.
fn labels_for(
    who: &Principal,
    finding: &FindingLabels,
    input: &NewPoc,
) -> AppResult<(Tlp, Visibility)> {
    let tlp = match input.tlp.as_deref().filter(|t| !t.trim().is_empty()) {
        None => finding.tlp,
        Some(t) => {
            let tlp: Tlp =
                t.parse()
                    .map_err(|e: clearinghouse_domain::labels::TlpParseError| {
                        AppError::invalid("tlp", e.to_string())
                    })?;
            if tlp < finding.tlp {
                return Err(AppError::invalid(
                    "tlp",
                    format!("may not be looser than the finding's {}", finding.tlp),
                ));
            }
            tlp
        }
    };
    let extra = Visibility::parse(input.visibility.as_deref().unwrap_or_default())
        .map_err(|e| AppError::invalid("visibility", e.to_string()))?;
    let visibility = if extra.is_public() || extra == finding.visibility {
        finding.visibility.clone()
    } else if finding.visibility.is_public() {
        extra
    } else {
        Visibility::parse(&format!(
            "({})&({})",
            finding.visibility.as_str(),
            extra.as_str()
        ))
        .map_err(|e| AppError::invalid("visibility", e.to_string()))?
    };
    if !visibility.evaluate(&who.authorizations) {
        return Err(AppError::invalid(
            "visibility",
            "you must hold the authorizations of a label you apply",
        ));
    }
    Ok((tlp, visibility))
}

/// Seals and stores a proof-of-concept file for a finding the caller may
/// read. Only the ciphertext reaches the artifact store; the audit entry
/// names the artifact and its digest, never content or key material.
pub async fn upload(
    app: &AppState,
    who: &Principal,
    finding_id: &str,
    input: NewPoc,
    bytes: Vec<u8>,
) -> AppResult<PocArtifact> {
    who.require_scope(Scope::FindingsWrite)?;
    let finding = readable_finding(app, who, finding_id).await?;
    let file_name = validate_name(input.name.as_deref())?;
    let media_type = validate_media_type(input.media_type.as_deref())?;
    let (tlp, visibility) = labels_for(who, &finding, &input)?;
    if bytes.is_empty() {
        return Err(AppError::invalid("poc", "the file is empty"));
    }
    if bytes.len() > MAX_POC_BYTES {
        return Err(AppError::TooLarge(format!(
            "poc: at most {MAX_POC_BYTES} bytes"
        )));
    }
    let id = new_id();
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let size_bytes = bytes.len() as i64;
    let sealed = envelope::try_seal(&app.kek, &bytes, id.as_bytes())
        .map_err(|e| AppError::internal("sealing a proof of concept", e))?;
    drop(bytes);
    // Content-addressed and immutable: a failed transaction below leaves at
    // worst an unreferenced ciphertext.
    let (object_key, _) = app
        .artifacts
        .put(sealed.ciphertext)
        .await
        .map_err(|e| AppError::internal("artifact store", e))?;
    let sealing = PocSealing {
        object_key,
        kek_id: sealed.kek_id,
        wrapped_key: hex::encode(&sealed.wrapped_key),
        nonce: hex::encode(sealed.nonce),
    };
    let poc = PocArtifact {
        id,
        finding_id: finding_id.to_owned(),
        file_name,
        media_type,
        size_bytes,
        sha256,
        tlp,
        visibility: visibility.as_str().to_owned(),
        uploaded_by: who.user_id().to_owned(),
        created_at: clock::now_text(),
    };
    let mut tx = app.store.begin_write().await?;
    let vis_id = store::labels::intern(&mut tx, &poc.visibility).await?;
    store::findings::pocs::insert(&mut tx, &poc, &sealing, vis_id).await?;
    let event = AuditEvent {
        action: "poc.upload",
        object_type: "poc",
        object_id: &poc.id,
        change: json!({
            "finding_id": poc.finding_id,
            "file_name": poc.file_name,
            "media_type": poc.media_type,
            "size_bytes": poc.size_bytes,
            "sha256": poc.sha256,
            "tlp": poc.tlp,
            "visibility": poc.visibility,
            "kek_id": sealing.kek_id,
        }),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    tx.commit().await?;
    Ok(poc)
}

/// The metadata of a finding's artifacts whose labels the caller satisfies.
pub async fn list(
    app: &AppState,
    who: &Principal,
    finding_id: &str,
    cursor: Option<&str>,
    limit: Option<i64>,
) -> AppResult<Page<PocArtifact>> {
    who.require_scope(Scope::FindingsRead)?;
    let reader = PolicyReader::of(app, who).await?;
    crate::workflows::findings::get_readable_as(app, who, &reader, finding_id).await?;
    let limit = page_size(limit);
    let items = store::findings::pocs::list_for_finding(
        &app.store.pool,
        finding_id,
        &reader.filter(),
        cursor,
        limit + 1,
    )
    .await?;
    Ok(into_page(items, limit, |p| p.id.clone()))
}

/// One artifact's metadata.
pub async fn get(app: &AppState, who: &Principal, poc_id: &str) -> AppResult<PocArtifact> {
    Ok(readable_poc(app, who, poc_id).await?.0)
}

/// Asks for the artifact to be released to the caller: a pending two-person
/// request that a coordinator other than the caller must approve.
pub async fn request_release(
    app: &AppState,
    who: &Principal,
    poc_id: &str,
    input: ReleaseRequest,
) -> AppResult<Approval> {
    who.require_scope(Scope::ApprovalsWrite)?;
    let (poc, _, _) = readable_poc(app, who, poc_id).await?;
    let reason = input.reason.trim();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(AppError::invalid("reason", "must be 1 to 2000 characters"));
    }
    let request = ApprovalRequest::ReleaseProofOfConcept {
        poc_id: poc.id.clone(),
        user_id: who.user_id().to_owned(),
        reason: reason.to_owned(),
    };
    // Names, not ids: people read this on the approvals page.
    let summary = format!(
        "release proof of concept “{}” (sha256 {}…) to {} for {RELEASE_DAYS} days",
        poc.file_name,
        poc.sha256.get(..12).unwrap_or(&poc.sha256),
        who.user.username
    );
    let mut tx = app.store.begin_write().await?;
    let approval = crate::workflows::approvals::file(app, &mut tx, who, request, summary).await?;
    tx.commit().await?;
    Ok(approval)
}

/// Runs an approved release request inside the decision's transaction: the
/// requester may download the artifact for [`RELEASE_DAYS`] days.
pub(crate) async fn grant_release(
    conn: &mut AnyConnection,
    approval_id: &str,
    poc_id: &str,
    user_id: &str,
) -> AppResult<PocRelease> {
    let now = clock::now();
    let release = PocRelease {
        approval_id: approval_id.to_owned(),
        poc_id: poc_id.to_owned(),
        user_id: user_id.to_owned(),
        granted_at: clock::format(now),
        expires_at: clock::format(now + time::Duration::days(RELEASE_DAYS)),
    };
    store::findings::pocs::insert_release(&mut *conn, &release).await?;
    Ok(release)
}

fn no_release(poc_id: &str) -> AppError {
    AppError::forbidden(format!(
        "downloading a proof of concept needs a release approved under the two-person rule: \
         ask with POST /api/v1/pocs/{poc_id}/release-requests, then a coordinator other than \
         you must approve it"
    ))
}

/// The decrypted content, for the holder of an unexpired release who may
/// still read the finding and satisfies the artifact's labels. The
/// `poc.download` audit entry commits before the bytes are returned; content
/// that does not authenticate is an internal error, never returned.
pub async fn download(
    app: &AppState,
    who: &Principal,
    poc_id: &str,
) -> AppResult<(PocArtifact, Vec<u8>)> {
    let (poc, sealing, finding) = readable_poc(app, who, poc_id).await?;
    store::findings::pocs::active_release(
        &app.store.pool,
        &poc.id,
        who.user_id(),
        &clock::now_text(),
    )
    .await?
    .ok_or_else(|| no_release(&poc.id))?;
    // The release names its recipient: they are the record's named reader.
    let visibility =
        Visibility::parse(&poc.visibility).map_err(|e| AppError::internal("label", e))?;
    let named = [who.user_id().to_owned()];
    let labels = RecordLabels {
        tlp: poc.tlp,
        visibility: &visibility,
        owner_org: &finding.reporter_org,
        shared_with_orgs: &[],
        named_readers: &named,
    };
    if !can_read(&who.reader(), &labels) {
        return Err(AppError::NotFound);
    }
    let plaintext = open(app, &poc, sealing).await?;

    let mut tx = app.store.begin_write().await?;
    // Still valid at the moment the download is recorded.
    let release =
        store::findings::pocs::active_release(&mut *tx, &poc.id, who.user_id(), &clock::now_text())
            .await?
            .ok_or_else(|| no_release(&poc.id))?;
    let event = AuditEvent {
        action: "poc.download",
        object_type: "poc",
        object_id: &poc.id,
        change: json!({"sha256": poc.sha256, "approval": release.approval_id}),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    tx.commit().await?;
    Ok((poc, plaintext))
}

/// Reads the ciphertext and opens it; any failure (missing object, tampered
/// bytes, another key) is an internal error that names no content.
async fn open(app: &AppState, poc: &PocArtifact, sealing: PocSealing) -> AppResult<Vec<u8>> {
    let fail =
        |what: String| AppError::internal_msg(format!("proof of concept {}: {what}", poc.id));
    let ciphertext = app
        .artifacts
        .get(&sealing.object_key)
        .await
        .map_err(|e| fail(format!("artifact store: {e}")))?;
    let wrapped_key =
        hex::decode(&sealing.wrapped_key).map_err(|e| fail(format!("wrapped key: {e}")))?;
    let nonce: [u8; 12] = hex::decode(&sealing.nonce)
        .ok()
        .and_then(|n| n.try_into().ok())
        .ok_or_else(|| fail("malformed nonce".into()))?;
    let sealed = Sealed {
        kek_id: sealing.kek_id,
        wrapped_key,
        nonce,
        ciphertext,
    };
    let plaintext = envelope::open(&app.kek, &sealed, poc.id.as_bytes())
        .map_err(|e| fail(format!("cannot open: {e}")))?;
    if hex::encode(Sha256::digest(&plaintext)) != poc.sha256 {
        return Err(fail("content does not match its recorded digest".into()));
    }
    Ok(plaintext)
}
