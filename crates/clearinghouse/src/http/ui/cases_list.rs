//! `/cases`: the cases the reader takes part in, the invitations waiting
//! for its organisation (a join button for its admins while the case is
//! open), and for coordinators the form that opens a case (title,
//! summary, vulnerabilities one a line, the target date as a date input,
//! the TLP) and the vendors' product claims waiting for a decision (N2).
//! Every form is CSRF checked and posts through the workflows the API
//! uses; a refusal comes back beside its field with what was typed kept.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect, Response};
use clearinghouse_domain::identity::Role;
use clearinghouse_domain::labels::Tlp;
use serde::Deserialize;

use super::forms::FormError;
use super::names::Names;
use super::words::words;
use super::{CsrfForm, Nav, NoFields, UiCaller, UiResult, when};
use crate::app::AppState;
use crate::auth::Principal;
use crate::workflows::cases::vendors::{self, VendorDecision};
use crate::workflows::cases::{self, NewCase, mine, patches};

/// One case in the list.
pub struct CaseRow {
    pub id: String,
    pub title: String,
    pub state: String,
    pub target_date: String,
    pub countdown: String,
    pub tlp: Tlp,
}

/// An invitation waiting for the reader's organisation.
pub struct InvitationRow {
    pub id: String,
    pub title: String,
    pub role: String,
    pub invited: String,
    /// Published cases are read, not joined.
    pub open: bool,
}

/// A vendor's product claim waiting for a coordinator.
pub struct ClaimRow {
    pub org_id: String,
    pub org_name: String,
    pub product: String,
    pub match_key: String,
    pub claimed: String,
}

/// What the open-a-case form kept and said.
#[derive(Default)]
pub struct OpenForm {
    pub title: String,
    pub summary: String,
    pub vulnerabilities: String,
    pub target_date: String,
    pub tlp: String,
    pub error: Option<FormError>,
    pub claim_error: Option<FormError>,
    pub notice: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "cases.html")]
pub struct CasesPage {
    nav: Nav,
    items: Vec<CaseRow>,
    invitations: Vec<InvitationRow>,
    may_join: bool,
    is_coordinator: bool,
    claims: Vec<ClaimRow>,
    form: OpenForm,
}

/// Days to a `YYYY-MM-DD` disclosure date, in words.
pub fn countdown(target: &str) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let Ok(day) = time::Date::parse(target, fmt) else {
        return String::new();
    };
    let today = crate::clock::now().date();
    match (day - today).whole_days() {
        0 => "public disclosure today".to_owned(),
        1 => "public disclosure tomorrow".to_owned(),
        n if n > 1 => format!("public disclosure in {n} days"),
        n => format!("disclosure date passed {} days ago", -n),
    }
}

/// The invitations waiting for the reader's organisation (also on the home page).
pub async fn invitations(app: &AppState, who: &Principal) -> UiResult<Vec<InvitationRow>> {
    Ok(mine::mine(app, who)
        .await?
        .into_iter()
        .filter(|c| !c.joined)
        .map(|c| InvitationRow {
            open: c.state != "published",
            id: c.id,
            title: c.title,
            role: words(&c.role),
            invited: when::time(&c.invited_at),
        })
        .collect())
}

async fn list_view(app: &AppState, who: &Principal, form: OpenForm) -> UiResult<CasesPage> {
    let page = cases::list(app, who, None, Some(200)).await?;
    let items = page
        .items
        .into_iter()
        .map(|c| CaseRow {
            countdown: if c.state == "published" {
                "published".to_owned()
            } else {
                countdown(&c.target_date)
            },
            id: c.id,
            title: c.title,
            state: words(&c.state),
            target_date: c.target_date,
            tlp: c.tlp,
        })
        .collect();
    let is_coordinator = patches::is_coordinator(who);
    let pending = if is_coordinator {
        vendors::list(app, who, None, Some("pending")).await?
    } else {
        Vec::new()
    };
    let names = Names::load(
        app,
        pending.iter().map(|c| c.org_id.as_str()),
        std::iter::empty::<&str>(),
    )
    .await?;
    let claims = pending
        .into_iter()
        .map(|c| ClaimRow {
            org_name: names.org(&c.org_id).to_owned(),
            org_id: c.org_id,
            product: c.given_as,
            match_key: c.match_key,
            claimed: when::time(&c.added_at),
        })
        .collect();
    Ok(CasesPage {
        nav: Nav::new(who, "cases"),
        items,
        invitations: invitations(app, who).await?,
        may_join: who.has_role(Role::OrgAdmin),
        is_coordinator,
        claims,
        form,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct Done {
    #[serde(default)]
    done: String,
}

pub async fn list(
    UiCaller { app, who }: UiCaller,
    Query(done): Query<Done>,
) -> UiResult<CasesPage> {
    let notice = match done.done.as_str() {
        "confirm" => {
            Some("Product claim confirmed: the vendor can now state its status.".to_owned())
        }
        "reject" => Some("Product claim rejected.".to_owned()),
        "left" => Some(
            "Your organisation left the case: the coordinator is told, and the case is no longer \
             yours to read."
                .to_owned(),
        ),
        _ => None,
    };
    let form = OpenForm {
        notice,
        ..Default::default()
    };
    list_view(&app, &who, form).await
}

/// Joins a case the reader's organisation was invited to (its admins).
pub async fn join(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> UiResult<Response> {
    cases::join(&app, &who, &id).await?;
    Ok(Redirect::to(&format!("/cases/{id}?done=joined")).into_response())
}

#[derive(Deserialize)]
pub struct OpenCaseForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    summary: String,
    /// One a line (commas and spaces also separate).
    #[serde(default)]
    vulnerabilities: String,
    #[serde(default)]
    target_date: String,
    #[serde(default)]
    tlp: String,
}

/// Opens a case (coordinators), then shows it.
pub async fn open(
    UiCaller { app, who }: UiCaller,
    CsrfForm(f): CsrfForm<OpenCaseForm>,
) -> UiResult<Response> {
    let input = NewCase {
        title: f.title.clone(),
        summary: f.summary.clone(),
        vulnerabilities: f
            .vulnerabilities
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect(),
        target_date: f.target_date.trim().to_owned(),
        tlp: Some(f.tlp.clone()).filter(|t| !t.is_empty()),
    };
    match cases::open(&app, &who, input).await {
        Ok(c) => Ok(Redirect::to(&format!("/cases/{}?done=opened", c.id)).into_response()),
        Err(e) => {
            let fields = ["title", "summary", "vulnerabilities", "target_date", "tlp"];
            let (status, err) = FormError::from_app(e, &fields)?;
            let form = OpenForm {
                title: f.title,
                summary: f.summary,
                vulnerabilities: f.vulnerabilities,
                target_date: f.target_date,
                tlp: f.tlp,
                error: Some(err),
                ..Default::default()
            };
            Ok((status, list_view(&app, &who, form).await?).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct ClaimDecisionForm {
    org_id: String,
    product: String,
    decision: String,
}

/// Confirms or rejects a vendor's product claim (coordinators).
pub async fn decide_claim(
    UiCaller { app, who }: UiCaller,
    CsrfForm(f): CsrfForm<ClaimDecisionForm>,
) -> UiResult<Response> {
    let input = VendorDecision {
        org_id: f.org_id,
        product: f.product,
        decision: f.decision,
    };
    match vendors::decide(&app, &who, input).await {
        Ok(p) => {
            let done = if p.status == "confirmed" {
                "confirm"
            } else {
                "reject"
            };
            Ok(Redirect::to(&format!("/cases?done={done}#claims")).into_response())
        }
        Err(e) => {
            let (status, err) = FormError::from_app(e, &["product", "decision"])?;
            let form = OpenForm {
                claim_error: Some(err),
                ..Default::default()
            };
            Ok((status, list_view(&app, &who, form).await?).into_response())
        }
    }
}
