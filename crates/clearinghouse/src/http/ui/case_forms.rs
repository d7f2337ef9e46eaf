//! The case page's working forms (N1, N2): coordinators invite an
//! organisation with a case role and move the target date with a reason;
//! a joined participant claims its products for the vendor map, states a
//! product's status per vulnerability (affected, not affected with a
//! justification, fixed in a version, under investigation), uploads a VEX
//! document and releases a patch. Each form is CSRF checked and posts
//! through the workflow the API uses; success redirects back to the case
//! (so a reload repeats nothing), a refusal renders the case page again
//! with the message beside the field and what was typed kept.

use axum::extract::multipart::MultipartError;
use axum::extract::{Multipart, Path};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use clearinghouse_domain::identity::Role;
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;

use super::cases::{CaseForms, case_view};
use super::forms::FormError;
use super::words::words;
use super::{CsrfForm, NoFields, UiCaller, UiError, UiResult, check_csrf};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::workflows::accounts::orgs;
use crate::workflows::cases::participants::{self, Removal};
use crate::workflows::cases::patches::{self, MAX_PATCH_BYTES, PatchUpload};
use crate::workflows::cases::publish::{self, MoveDate};
use crate::workflows::cases::statements::{self, NewStatements};
use crate::workflows::cases::vendors::{self, NewVendorProduct};
use crate::workflows::cases::{self, Case, Invite};

/// Largest VEX document the form takes (as the API).
const MAX_VEX_BYTES: usize = crate::http::api::cases::statements::MAX_VEX_BYTES;

/// Case roles, with people's words.
pub const CASE_ROLES: &[(&str, &str)] = &[
    (
        "vendor",
        "vendor: makes an affected product, states its status and fixes it",
    ),
    ("reporter", "reporter: found the vulnerability"),
    ("operator", "operator: runs affected products"),
    ("government", "government agency"),
    ("coordinator", "coordinator"),
];

/// Product statuses, with people's words.
pub const STATUSES: &[(&str, &str)] = &[
    ("affected", "affected"),
    ("not_affected", "not affected (say why)"),
    ("fixed", "fixed (in which version)"),
    ("under_investigation", "under investigation"),
];

/// The CSAF justifications of a not-affected status.
pub const JUSTIFICATIONS: &[&str] = &[
    "component_not_present",
    "vulnerable_code_not_present",
    "vulnerable_code_cannot_be_controlled_by_adversary",
    "vulnerable_code_not_in_execute_path",
    "inline_mitigations_already_exist",
];

/// What the forms need beyond the case itself.
#[derive(Default)]
pub struct CaseExtras {
    /// Coordinators: organisations that may be invited (id, name, kind).
    pub orgs: Vec<(String, String)>,
    /// The reader's organisation has joined (it speaks in the case).
    pub joined: bool,
    /// Its confirmed products (matching keys), the ones it states status for.
    pub products: Vec<String>,
    /// Its claims with their state in words.
    pub claims: Vec<(String, String)>,
    /// The reader administers a participant organisation other than the
    /// coordinator's: it may take its organisation out of the case.
    pub may_leave: bool,
}

impl CaseExtras {
    pub fn justification_words(&self, j: &str) -> String {
        words(j)
    }
}

/// The extras for `who` on case `c`.
pub async fn extras(app: &AppState, who: &Principal, c: &Case) -> UiResult<CaseExtras> {
    let mut x = CaseExtras {
        joined: c
            .participants
            .iter()
            .any(|p| p.org_id == who.org_id() && p.joined_at.is_some()),
        may_leave: who.has_any_role(&[Role::OrgAdmin])
            && who.org_id() != c.owner_org
            && c.participants.iter().any(|p| p.org_id == who.org_id()),
        ..Default::default()
    };
    if patches::is_coordinator(who) && c.state != "published" {
        let page = orgs::list(app, who, false, None, Some(500)).await?;
        x.orgs = page
            .items
            .into_iter()
            .filter(|o| !c.participants.iter().any(|p| p.org_id == o.id))
            .map(|o| (o.id, format!("{} ({})", o.name, words(&o.kind.to_string()))))
            .collect();
    }
    if x.joined {
        for p in vendors::list(app, who, Some(who.org_id()), None).await? {
            if p.status == "confirmed" {
                x.products.push(p.match_key.clone());
            }
            x.claims.push((p.given_as, words(&p.status)));
        }
    }
    Ok(x)
}

/// Renders the case again after a refusal of one of its forms.
async fn refused(
    app: &AppState,
    who: &Principal,
    id: &str,
    e: AppError,
    fields: &[&str],
    keep: impl FnOnce(&mut CaseForms, FormError),
) -> UiResult<Response> {
    let (status, err) = FormError::from_app(e, fields)?;
    let mut forms = CaseForms::default();
    keep(&mut forms, err);
    Ok((status, case_view(app, who, id, forms).await?).into_response())
}

fn back(id: &str, done: &str, anchor: &str) -> Response {
    Redirect::to(&format!("/cases/{id}?done={done}#{anchor}")).into_response()
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    org_id: String,
    #[serde(default)]
    role: String,
}

/// Invites an organisation (coordinators).
pub async fn invite(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<InviteForm>,
) -> UiResult<Response> {
    let input = Invite {
        org_id: f.org_id.clone(),
        role: f.role.clone(),
    };
    match cases::invite(&app, &who, &id, input).await {
        Ok(_) => Ok(back(&id, "invited", "participants")),
        Err(e) => {
            refused(&app, &who, &id, e, &["org_id", "role"], |forms, err| {
                forms.invite_org = f.org_id;
                forms.invite_role = f.role;
                forms.invite_error = Some(err);
            })
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct DateForm {
    #[serde(default)]
    target_date: String,
    #[serde(default)]
    reason: String,
}

/// Moves the target date with a reason (coordinators).
pub async fn move_date(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<DateForm>,
) -> UiResult<Response> {
    let input = MoveDate {
        target_date: f.target_date.trim().to_owned(),
        reason: f.reason.clone(),
    };
    match publish::move_date(&app, &who, &id, input).await {
        Ok(_) => Ok(back(&id, "date", "case-title")),
        Err(e) => {
            refused(
                &app,
                &who,
                &id,
                e,
                &["target_date", "reason"],
                |forms, err| {
                    forms.date_value = f.target_date;
                    forms.date_reason = f.reason;
                    forms.date_error = Some(err);
                },
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct ClaimForm {
    #[serde(default)]
    product: String,
}

/// Claims a product for the reader's vendor organisation (pending until a
/// coordinator confirms it).
pub async fn claim(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ClaimForm>,
) -> UiResult<Response> {
    // Only a reader of the case uses its page to claim.
    cases::readable(&app, &who, &id).await?;
    let input = NewVendorProduct {
        org_id: None,
        product: f.product.clone(),
    };
    match vendors::add(&app, &who, input).await {
        Ok(_) => Ok(back(&id, "claimed", "vendor-work")),
        Err(e) => {
            refused(&app, &who, &id, e, &["product"], |forms, err| {
                forms.claim_product = f.product;
                forms.claim_error = Some(err);
            })
            .await
        }
    }
}

/// The status form as typed.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    pub vulnerability: String,
    #[serde(default)]
    pub product: String,
    /// Comma-separated; empty: every version.
    #[serde(default)]
    pub versions: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub justification: String,
    #[serde(default)]
    pub fixed_version: String,
    #[serde(default)]
    pub remediation: String,
}

/// `statements[0].status` → `status`: the form has one statement.
fn one_statement(e: AppError) -> AppError {
    match e {
        AppError::Invalid { field, message } => {
            let field = field
                .strip_prefix("statements[0].")
                .or_else(|| field.strip_prefix("statements[0]"))
                .map_or(field.clone(), str::to_owned);
            AppError::Invalid { field, message }
        }
        other => other,
    }
}

/// States one product's status for one vulnerability (joined vendors).
pub async fn state_status(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<StatusForm>,
) -> UiResult<Response> {
    let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let versions: Vec<String> = f
        .versions
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect();
    // Only the field of the chosen status is sent (the form shows both).
    let justification = (f.status == "not_affected")
        .then(|| text(&f.justification))
        .flatten();
    let fixed_version = (f.status == "fixed")
        .then(|| text(&f.fixed_version))
        .flatten();
    let statement = json!({
        "vulnerability": f.vulnerability,
        "product": f.product,
        "versions": versions,
        "status": f.status,
        "justification": justification,
        "fixed_version": fixed_version,
        "remediation": f.remediation,
    });
    let input = NewStatements {
        statements: vec![statement],
    };
    match statements::state(&app, &who, &id, input).await {
        Ok(_) => Ok(back(&id, "stated", "status-matrix-section")),
        Err(e) => {
            let fields = [
                "vulnerability",
                "product",
                "versions",
                "status",
                "justification",
                "fixed_version",
                "remediation",
            ];
            refused(&app, &who, &id, one_statement(e), &fields, |forms, err| {
                forms.status = f;
                forms.status_error = Some(err);
            })
            .await
        }
    }
}

/// A multipart form's text fields and its one file (name, bytes), refused
/// beside `file` past `limit` bytes (413).
async fn read_form(
    form: &mut Multipart,
    limit: usize,
) -> Result<(BTreeMap<String, String>, Option<(String, Vec<u8>)>), AppError> {
    let unreadable = |e: MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::TooLarge(format!("file: at most {} MiB", limit >> 20))
        } else {
            AppError::BadRequest(format!("could not read the form: {}", e.body_text()))
        }
    };
    let (mut fields, mut file) = (BTreeMap::new(), None);
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(unreadable)?;
            if bytes.len() > limit {
                return Err(AppError::TooLarge(format!(
                    "file: at most {} MiB",
                    limit >> 20
                )));
            }
            if !file_name.is_empty() {
                file = Some((file_name, bytes.to_vec()));
            }
        } else {
            fields.insert(name, field.text().await.map_err(unreadable)?);
        }
    }
    Ok((fields, file))
}

/// Checks the CSRF token of a multipart form that could be read; one that
/// could not (too large, cut) is refused without storing anything.
fn csrf_of(who: &Principal, fields: &BTreeMap<String, String>) -> Result<(), UiError> {
    check_csrf(who, fields.get("csrf_token").map_or("", String::as_str))
}

/// Uploads a VEX document (CycloneDX or CSAF) as the vendor's statements.
pub async fn upload_vex(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    mut form: Multipart,
) -> UiResult<Response> {
    let outcome = match read_form(&mut form, MAX_VEX_BYTES).await {
        Ok((fields, file)) => {
            csrf_of(&who, &fields)?;
            match file {
                Some((_, bytes)) => statements::upload(&app, &who, &id, &bytes)
                    .await
                    .map(|_| ())
                    .map_err(one_statement),
                None => Err(AppError::invalid("file", "choose a VEX file")),
            }
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => Ok(back(&id, "vex", "status-matrix-section")),
        Err(e) => {
            refused(&app, &who, &id, e, &["file"], |forms, err| {
                forms.vex_error = Some(err);
            })
            .await
        }
    }
}

/// Releases a patch: the file, the version it brings, and optionally the
/// SHA-256 the vendor declares (joined vendors with a confirmed product).
pub async fn release_patch(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    mut form: Multipart,
) -> UiResult<Response> {
    let mut version = String::new();
    let outcome = match read_form(&mut form, MAX_PATCH_BYTES).await {
        Ok((fields, file)) => {
            csrf_of(&who, &fields)?;
            let text = |k: &str| {
                fields
                    .get(k)
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
            };
            version = fields.get("fixed_version").cloned().unwrap_or_default();
            match file {
                Some((name, bytes)) => {
                    let q = PatchUpload {
                        name,
                        fixed_version: text("fixed_version"),
                        sha256: text("sha256"),
                        vulnerabilities: text("vulnerabilities"),
                        products: text("products"),
                    };
                    patches::upload(&app, &who, &id, q, bytes).await.map(|_| ())
                }
                None => Err(AppError::invalid("file", "choose the patch file")),
            }
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => Ok(back(&id, "patch", "patches-section")),
        Err(e) => {
            let fields = ["file", "name", "fixed_version", "sha256"];
            refused(&app, &who, &id, e, &fields, |forms, err| {
                forms.patch_version = version;
                forms.patch_error = Some(err);
            })
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    reason: String,
}

/// Removes a participant organisation with a reason (coordinators); the
/// organisation is told why.
pub async fn remove_participant(
    UiCaller { app, who }: UiCaller,
    Path((id, org_id)): Path<(String, String)>,
    CsrfForm(f): CsrfForm<RemoveForm>,
) -> UiResult<Response> {
    let input = Removal { reason: f.reason };
    match participants::remove(&app, &who, &id, &org_id, input).await {
        Ok(()) => Ok(back(&id, "removed", "participants")),
        Err(e) => {
            refused(&app, &who, &id, e, &[], |forms, err| {
                forms.participants_error = Some(err);
            })
            .await
        }
    }
}

/// An administrator of a participant organisation takes it out of the
/// case; the coordinator is told. The case is no longer theirs to read.
pub async fn leave(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> UiResult<Response> {
    match participants::leave(&app, &who, &id).await {
        Ok(()) => Ok(Redirect::to("/cases?done=left").into_response()),
        Err(e) => {
            refused(&app, &who, &id, e, &[], |forms, err| {
                forms.participants_error = Some(err);
            })
            .await
        }
    }
}
