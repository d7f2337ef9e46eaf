//! Coordination cases in the web UI (issue 15, item 8): `/cases/{id}` (the
//! embargo countdown, participants, its vulnerabilities linked to their
//! reading through the case, vendors' statuses as a product ×
//! vulnerability matrix, released patches, messages with their
//! attachments and a form to post one, the timeline, and for coordinators
//! the publish button and the link to the remediation progress), and the
//! downloads of patches and attachments. Every form posts through the same
//! workflows as the API (`workflows::cases`), CSRF checked; refusals come
//! back beside the field. `cases_list.rs` is the list with the
//! invitations, `case_forms.rs` the invite, date, claim, status, VEX and
//! patch forms, `cases_progress.rs` the progress page.

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, Query};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use clearinghouse_domain::labels::Tlp;
use futures_util::TryStreamExt as _;
use serde::Deserialize;

use super::case_forms::{self, CaseExtras, StatusForm};
use super::cases_list::countdown;
use super::forms::FormError;
use super::names::Names;
use super::words::words;
use super::{CsrfForm, Nav, UiCaller, UiError, UiResult, check_csrf, when};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::workflows::cases::messages::{self, NewMessage};
use crate::workflows::cases::patches::{self, MAX_ATTACHMENT_BYTES};
use crate::workflows::cases::publish::{self, Publish};
use crate::workflows::cases::{self, statements};

pub struct ParticipantRow {
    pub org_id: String,
    pub org_name: String,
    /// A coordinator may remove it (every participant but the
    /// coordinating organisation).
    pub removable: bool,
    pub role: String,
    pub status: String,
    pub invited: String,
    pub last_seen: String,
}

pub struct AttachmentRow {
    pub id: String,
    pub name: String,
    pub size: String,
    /// Who attached it.
    pub by: String,
}

pub struct MessageRow {
    pub id: String,
    pub author: String,
    pub org: String,
    pub when: String,
    pub body: String,
    pub reply: bool,
    pub read_by: String,
    pub attachments: Vec<AttachmentRow>,
}

pub struct EventRow {
    pub when: String,
    pub what: String,
}

pub struct PatchRow {
    pub id: String,
    pub name: String,
    pub version: String,
    pub size: String,
    pub sha256: String,
    pub vendor: String,
    pub source: String,
    /// The vulnerabilities (and products) it fixes, in words.
    pub fixes: String,
}

/// One vulnerability of the case with the patches that fix it.
pub struct VulnPatches {
    pub vulnerability: String,
    /// `file (version)` each, with the product when the patch names one.
    pub patches: Vec<String>,
}

/// The vendors' statuses: one row per product, one cell per vulnerability.
pub struct MatrixRow {
    pub product: String,
    pub vendor: String,
    pub cells: Vec<String>,
}

/// What the forms on the page kept and said.
#[derive(Default)]
pub struct CaseForms {
    /// Show the messages before this one (the "older messages" link).
    pub before: Option<String>,
    pub message_body: String,
    pub message_error: Option<FormError>,
    pub publish_reason: String,
    pub publish_error: Option<FormError>,
    pub notice: Option<String>,
    pub invite_org: String,
    pub invite_role: String,
    pub invite_error: Option<FormError>,
    pub date_value: String,
    pub date_reason: String,
    pub date_error: Option<FormError>,
    pub claim_product: String,
    pub claim_error: Option<FormError>,
    pub status: StatusForm,
    pub status_error: Option<FormError>,
    pub vex_error: Option<FormError>,
    pub patch_version: String,
    pub patch_error: Option<FormError>,
    /// A refused removal of a participant (or leaving), above the table.
    pub participants_error: Option<FormError>,
}

#[derive(Template, WebTemplate)]
#[template(path = "case.html")]
pub struct CasePage {
    nav: Nav,
    id: String,
    title: String,
    summary: String,
    state: String,
    tlp: Tlp,
    target_date: String,
    countdown: String,
    published: String,
    vulnerabilities: Vec<cases::CaseVulnerability>,
    participants: Vec<ParticipantRow>,
    matrix_vulns: Vec<String>,
    matrix: Vec<MatrixRow>,
    patches: Vec<PatchRow>,
    vuln_patches: Vec<VulnPatches>,
    messages: Vec<MessageRow>,
    /// The cursor of the older messages, when there are some.
    older_messages: Option<String>,
    timeline: Vec<EventRow>,
    is_coordinator: bool,
    forms: CaseForms,
    extras: CaseExtras,
    roles: &'static [(&'static str, &'static str)],
    statuses: &'static [(&'static str, &'static str)],
    justifications: &'static [&'static str],
}

fn size_text(n: i64) -> String {
    match n {
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / f64::from(1u32 << 20)),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} bytes"),
    }
}

fn status_words(status: &str, justification: Option<&str>, fixed: Option<&str>) -> String {
    let mut s = words(status);
    if let Some(j) = justification {
        s = format!("{s} ({})", words(j));
    }
    if let Some(v) = fixed {
        s = format!("{s} in {v}");
    }
    s
}

/// A timeline event in words.
fn event_words(kind: &str, org: &str) -> String {
    match kind {
        "opened" => "Case opened".to_owned(),
        "invited" => format!("{org} invited"),
        "joined" => format!("{org} joined"),
        "message" => format!("Message from {org}"),
        "vendor_mapped" => format!("Product mapped to {org}"),
        "status_changed" => format!("{org} stated product status"),
        "date_moved" => "Disclosure date moved".to_owned(),
        "published" => "Published".to_owned(),
        "patch_released" => format!("{org} released a patch"),
        "removed" => format!("{org} was removed from the case"),
        "left" => format!("{org} left the case"),
        other => other.replace('_', " "),
    }
}

/// Builds the case page (also after a refused form, with `forms`).
pub async fn case_view(
    app: &AppState,
    who: &Principal,
    id: &str,
    forms: CaseForms,
) -> UiResult<CasePage> {
    let c = cases::get(app, who, id).await?;
    let extras = case_forms::extras(app, who, &c).await?;
    let page = messages::list(app, who, id, forms.before.as_deref(), None).await?;
    let (msgs, older_messages) = (page.items, page.older);
    let events = messages::events(app, who, id, None, None).await?.items;
    let stmts = statements::list(app, who, id, false).await?;
    let patch_list = patches::list(app, who, id).await?;
    let mut attachments: BTreeMap<String, Vec<patches::Attachment>> = BTreeMap::new();
    for a in patches::attachments(app, who, id).await? {
        attachments.entry(a.message_id.clone()).or_default().push(a);
    }
    let names = Names::load(
        app,
        msgs.iter()
            .map(|m| m.org_id.as_str())
            .chain(events.iter().filter_map(|e| e.org_id.as_deref()))
            .chain(stmts.iter().map(|s| s.vendor_org.as_str()))
            .chain(patch_list.iter().map(|p| p.vendor_org.as_str())),
        msgs.iter().map(|m| m.author.as_str()).chain(
            attachments
                .values()
                .flatten()
                .map(|a| a.created_by.as_str()),
        ),
    )
    .await?;
    let matrix_vulns: Vec<String> = stmts
        .iter()
        .map(|s| s.vulnerability.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut by_product: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for s in &stmts {
        let label = if s.versions.is_empty() {
            s.product_given.clone()
        } else {
            format!("{} {}", s.product, s.versions.join(", "))
        };
        let row = by_product
            .entry((label, s.vendor_org.clone()))
            .or_insert_with(|| vec!["no statement".to_owned(); matrix_vulns.len()]);
        if let Some(i) = matrix_vulns.iter().position(|v| *v == s.vulnerability) {
            row[i] = status_words(
                &s.status,
                s.justification.as_deref(),
                s.fixed_version.as_deref(),
            );
        }
    }
    let matrix = by_product
        .into_iter()
        .map(|((product, vendor), cells)| MatrixRow {
            product,
            vendor: names.org(&vendor).to_owned(),
            cells,
        })
        .collect();
    let org_name = |id: &str| {
        c.participants
            .iter()
            .find(|p| p.org_id == id)
            .map_or_else(|| names.org(id).to_owned(), |p| p.org_name.clone())
    };
    let messages = msgs
        .iter()
        .map(|m| MessageRow {
            id: m.id.clone(),
            author: names.user(&m.author),
            org: org_name(&m.org_id),
            when: when::time(&m.created_at),
            body: m.body.clone(),
            reply: m.reply_to.is_some(),
            read_by: m
                .read_by_orgs
                .iter()
                .map(|o| org_name(o))
                .collect::<Vec<_>>()
                .join(", "),
            attachments: attachments
                .remove(&m.id)
                .unwrap_or_default()
                .into_iter()
                .map(|a| AttachmentRow {
                    id: a.id,
                    name: a.file_name,
                    size: size_text(a.size),
                    by: names.user(&a.created_by),
                })
                .collect(),
        })
        .collect();
    let timeline = events
        .iter()
        .map(|e| EventRow {
            when: when::time(&e.created_at),
            what: event_words(
                &e.kind,
                &e.org_id.as_deref().map(org_name).unwrap_or_default(),
            ),
        })
        .collect();
    let vuln_patches = c
        .vulnerabilities
        .iter()
        .map(|v| VulnPatches {
            vulnerability: v.named_as.clone(),
            patches: patch_list
                .iter()
                .flat_map(|p| {
                    p.fixes
                        .iter()
                        .filter(|f| f.vulnerability == v.named_as)
                        .map(|f| {
                            let version = p.fixed_version.as_deref().unwrap_or("no version given");
                            match &f.product {
                                Some(k) => format!("{} ({version}) for {k}", p.file_name),
                                None => format!("{} ({version})", p.file_name),
                            }
                        })
                })
                .collect(),
        })
        .collect();
    let patches = patch_list
        .into_iter()
        .map(|p| PatchRow {
            fixes: p
                .fixes
                .iter()
                .map(|f| match &f.product {
                    Some(k) => format!("{} ({k})", f.vulnerability),
                    None => f.vulnerability.clone(),
                })
                .collect::<Vec<_>>()
                .join(", "),
            source: p.url.clone().map_or_else(
                || "uploaded by the vendor".to_owned(),
                |u| format!("from {u}"),
            ),
            vendor: org_name(&p.vendor_org),
            id: p.id,
            name: p.file_name,
            version: p.fixed_version.unwrap_or_else(|| "—".to_owned()),
            size: size_text(p.size),
            sha256: p.sha256,
        })
        .collect();
    let participants = c
        .participants
        .iter()
        .map(|p| ParticipantRow {
            org_id: p.org_id.clone(),
            org_name: p.org_name.clone(),
            removable: p.org_id != c.owner_org,
            role: words(&p.role),
            status: words(&p.status),
            invited: when::time(&p.invited_at),
            last_seen: p
                .last_seen_at
                .as_deref()
                .map_or_else(|| "never".to_owned(), when::time),
        })
        .collect();
    Ok(CasePage {
        nav: Nav::new(who, "cases"),
        countdown: if c.state == "published" {
            String::new()
        } else {
            countdown(&c.target_date)
        },
        published: c
            .published_at
            .as_deref()
            .map(when::time)
            .unwrap_or_default(),
        id: c.id,
        title: c.title,
        summary: c.summary,
        state: c.state,
        tlp: c.tlp,
        target_date: c.target_date,
        vulnerabilities: c.vulnerabilities,
        participants,
        matrix_vulns,
        matrix,
        patches,
        vuln_patches,
        messages,
        older_messages,
        timeline,
        is_coordinator: patches::is_coordinator(who),
        forms,
        extras,
        roles: case_forms::CASE_ROLES,
        statuses: case_forms::STATUSES,
        justifications: case_forms::JUSTIFICATIONS,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct Done {
    #[serde(default)]
    done: String,
    /// The older messages' cursor.
    before: Option<String>,
}

pub async fn show(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> UiResult<CasePage> {
    let notice = match done.done.as_str() {
        "joined" => Some("You joined the case.".to_owned()),
        "opened" => Some("Case opened. Invite the organisations concerned below.".to_owned()),
        "invited" => Some("Invited: the organisation is told through its inbox.".to_owned()),
        "date" => {
            Some("Target date moved: the participants are told, with your reason.".to_owned())
        }
        "claimed" => Some(
            "Product claimed: a coordinator confirms it before you state its status.".to_owned(),
        ),
        "stated" => {
            Some("Status stated: the participants and exposed operators are told.".to_owned())
        }
        "vex" => Some("VEX document read: its statements are stated.".to_owned()),
        "patch" => Some("Patch released with a signed release statement.".to_owned()),
        "message" => Some("Message posted.".to_owned()),
        "removed" => Some("Removed: the organisation is told, with your reason.".to_owned()),
        "published" => {
            Some("Published: the embargo is lifted and exposed operators are told.".to_owned())
        }
        _ => None,
    };
    case_view(
        &app,
        &who,
        &id,
        CaseForms {
            notice,
            before: done.before.filter(|b| !b.is_empty()),
            ..Default::default()
        },
    )
    .await
}

#[derive(Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    reason: String,
}

/// Publishes the case (coordinators): the same workflow as the API.
pub async fn publish_now(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<PublishForm>,
) -> UiResult<Response> {
    let reason = Some(f.reason.clone()).filter(|r| !r.trim().is_empty());
    match publish::publish(&app, &who, &id, Publish { reason }).await {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}?done=published")).into_response()),
        Err(e) => {
            let (status, err) = FormError::from_app(e, &["reason"])?;
            let forms = CaseForms {
                publish_reason: f.reason,
                publish_error: Some(err),
                ..Default::default()
            };
            Ok((status, case_view(&app, &who, &id, forms).await?).into_response())
        }
    }
}

/// Most text fields one message form carries, and the largest one (a
/// message is at most 20,000 characters): with the file's own limit, what
/// bounds the request (the route has no body limit of its own, so an
/// over-limit file is answered beside the field with the text kept).
const MAX_TEXT_FIELDS: usize = 8;
const MAX_TEXT_FIELD_BYTES: usize = 128 * 1024;

/// Posts a message with an optional attached file (multipart: the CSRF
/// token and the body first, then the file).
pub async fn post_message(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    mut form: Multipart,
) -> UiResult<Response> {
    let bad = |m: String| UiError(AppError::BadRequest(m));
    let (mut csrf, mut body) = (String::new(), String::new());
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut fields = 0;
    while let Some(field) = form.next_field().await.map_err(|e| bad(e.to_string()))? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            check_csrf(&who, &csrf)?;
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let mut bytes = Vec::new();
            let mut stream = Box::pin(field.map_err(|e| e.to_string()));
            while let Some(chunk) = stream.try_next().await.map_err(bad)? {
                if bytes.len() + chunk.len() > MAX_ATTACHMENT_BYTES {
                    let forms = CaseForms {
                        message_body: body,
                        message_error: Some(FormError::field(
                            "file",
                            format!("the file is larger than {} MiB", MAX_ATTACHMENT_BYTES >> 20),
                        )),
                        ..Default::default()
                    };
                    let page = case_view(&app, &who, &id, forms).await?;
                    return Ok((StatusCode::PAYLOAD_TOO_LARGE, page).into_response());
                }
                bytes.extend_from_slice(&chunk);
            }
            if !file_name.is_empty() {
                file = Some((file_name, bytes));
            }
            continue;
        }
        fields += 1;
        if fields > MAX_TEXT_FIELDS {
            return Err(bad("too many form fields".to_owned()));
        }
        let mut raw = Vec::new();
        let mut stream = Box::pin(field.map_err(|e| e.to_string()));
        while let Some(chunk) = stream.try_next().await.map_err(bad)? {
            if raw.len() + chunk.len() > MAX_TEXT_FIELD_BYTES {
                return Err(UiError(AppError::TooLarge(format!(
                    "{name}: at most {} KiB",
                    MAX_TEXT_FIELD_BYTES >> 10
                ))));
            }
            raw.extend_from_slice(&chunk);
        }
        let text = String::from_utf8(raw).map_err(|_| bad(format!("{name}: not UTF-8")))?;
        match name.as_str() {
            "csrf_token" => csrf = text,
            "body" => body = text,
            _ => {}
        }
    }
    check_csrf(&who, &csrf)?;
    // A file the attachment would refuse refuses the message too: nothing
    // is stored, the typed text stays in the form.
    if let Some((name, bytes)) = &file {
        let checked = clearinghouse_domain::text::validate_file_name("file", name)
            .map(|_| ())
            .map_err(|e| cases::case_error(e.into()))
            .and_then(|()| {
                if bytes.is_empty() {
                    Err(AppError::invalid("file", "the file is empty"))
                } else {
                    Ok(())
                }
            });
        if let Err(e) = checked {
            let (status, err) = FormError::from_app(e, &["body", "file"])?;
            let forms = CaseForms {
                message_body: body,
                message_error: Some(err),
                ..Default::default()
            };
            return Ok((status, case_view(&app, &who, &id, forms).await?).into_response());
        }
    }
    let input = NewMessage {
        body: body.clone(),
        reply_to: None,
        mentions: Vec::new(),
    };
    let outcome = match messages::post(&app, &who, &id, input).await {
        Ok(m) => match file {
            Some((name, bytes)) => patches::attach(&app, &who, &id, &m.id, &name, bytes)
                .await
                .map(|_| ())
                .map_err(|e| match e {
                    AppError::Invalid { message, .. } => AppError::invalid(
                        "file",
                        format!("the message was posted without its file: {message}"),
                    ),
                    other => other,
                }),
            None => Ok(()),
        },
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{id}?done=message#messages")).into_response()),
        Err(e) => {
            let (status, err) = FormError::from_app(e, &["body", "file"])?;
            let forms = CaseForms {
                message_body: body,
                message_error: Some(err),
                ..Default::default()
            };
            Ok((status, case_view(&app, &who, &id, forms).await?).into_response())
        }
    }
}

fn download(name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                clearinghouse_domain::text::content_disposition(name),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// An attachment's bytes (readers of the case; 404 for anyone else).
pub async fn attachment(
    UiCaller { app, who }: UiCaller,
    Path((id, aid)): Path<(String, String)>,
) -> UiResult<Response> {
    let (a, bytes) = patches::attachment(&app, &who, &id, &aid).await?;
    Ok(download(&a.file_name, bytes))
}

/// A patch's bytes (audited).
pub async fn patch(
    UiCaller { app, who }: UiCaller,
    Path((id, pid)): Path<(String, String)>,
) -> UiResult<Response> {
    let (p, bytes) = patches::download(&app, &who, &id, &pid).await?;
    Ok(download(&p.file_name, bytes))
}
