//! Scan coordination for operators (`/scans/network`): their network
//! assets and proof of control (add, prove), the grants they gave (grant,
//! revoke), the campaigns touching their assets on a timeline, and reports
//! of scanning they observed (answered at once). The researcher's pages
//! are in `scans_campaigns.rs`, the coordinator's in `scans_coord.rs`.
//! Every form posts through the same workflows as the API, CSRF checked;
//! a refusal is shown beside the field it names with what was typed kept.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use axum::Router;
use axum::routing::{get, post};
use clearinghouse_domain::scans::Technique;

use super::forms::FormError;
use super::names::Names;
use super::{Nav, UiAuth, UiCaller, UiResult, check_csrf};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::store;
use crate::workflows::scans::assets::{self, AssetInput, AssetView, VerifyInput};
use crate::workflows::scans::campaigns::CampaignView;
use crate::workflows::scans::grants::{self, GrantInput, GrantView, RevokeGrantInput};
use crate::workflows::scans::proof::ProofMethod;
use crate::workflows::scans::reports::{self, ReportInput, ReportView};
use crate::workflows::scans::{deconflict, techniques_text};

/// The scan coordination pages and their form posts.
pub fn routes() -> Router<AppState> {
    use super::{scans_campaigns as rc, scans_coord as co};
    Router::new()
        .route("/scans", get(hub))
        .route("/scans/network", get(network))
        .route("/scans/network/assets", post(add_asset))
        .route("/scans/network/assets/{id}/verify", post(verify_asset))
        .route("/scans/network/grants", post(create_grant))
        .route("/scans/network/grants/{id}/revoke", post(revoke_grant))
        .route("/scans/network/reports", post(report))
        .route("/scans/campaigns", get(rc::list).post(rc::create))
        .route("/scans/campaigns/{id}", get(rc::show))
        .route("/scans/campaigns/{id}/stop", post(rc::stop))
        .route("/scans/campaigns/{id}/claims", post(rc::claim))
        .route(
            "/scans/campaigns/{id}/claims/{claim}/respond",
            post(rc::respond),
        )
        .route("/scans/coordination", get(co::page))
        .route(
            "/scans/coordination/incidents/{id}/evidence",
            get(co::evidence),
        )
        .route("/scans/coordination/incidents/{id}/refer", post(co::refer))
}

/// The "Scanning" link: coordinators to every campaign and incident,
/// operators to their network, everyone else to their campaigns.
pub async fn hub(UiAuth(who): UiAuth) -> Response {
    let kind = super::cached_kind(who.org_id());
    let to = match super::Persona::of(&who, kind) {
        _ if crate::workflows::scans::is_coordinator(&who) => "/scans/coordination",
        super::Persona::Operator => "/scans/network",
        _ => "/scans/campaigns",
    };
    Redirect::to(to).into_response()
}

/// The fields of a posted form, as typed (repeated names kept), which
/// form it was, and why it was refused.
#[derive(Debug, Default)]
pub struct Typed {
    pairs: Vec<(String, String)>,
    form: String,
    error: Option<FormError>,
}

impl Typed {
    pub fn new(form: &str, pairs: Vec<(String, String)>) -> Typed {
        Typed {
            pairs,
            form: form.to_owned(),
            error: None,
        }
    }

    /// The first value typed for `name`.
    pub fn get(&self, name: &str) -> &str {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every value of a repeated field (checkboxes).
    pub fn all(&self, name: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// The non-empty lines of a text area.
    pub fn lines(&self, name: &str) -> Vec<String> {
        self.get(name)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// Whether a checkbox `name` with `value` was ticked.
    pub fn has(&self, name: &str, value: &str) -> bool {
        self.pairs.iter().any(|(n, v)| n == name && v == value)
    }

    /// What `form` typed in `name` (empty for another form).
    pub fn value(&self, form: &str, name: &str) -> &str {
        if self.form == form {
            self.get(name)
        } else {
            ""
        }
    }

    /// The refusal beside `field` of `form`.
    pub fn err(&self, form: &str, field: &str) -> Option<&str> {
        (self.form == form)
            .then_some(self.error.as_ref())
            .flatten()
            .and_then(|e| e.at(field))
    }

    /// The refusal above `form` (no field of it named).
    pub fn general(&self, form: &str) -> Option<&str> {
        (self.form == form)
            .then_some(self.error.as_ref())
            .flatten()
            .and_then(FormError::general)
    }

    /// [`Typed::err`] of the form `{prefix}-{id}` (a per-row form).
    pub fn err_at(&self, prefix: &str, id: &str, field: &str) -> Option<&str> {
        self.err(&format!("{prefix}-{id}"), field)
    }

    /// [`Typed::general`] of the form `{prefix}-{id}`.
    pub fn general_at(&self, prefix: &str, id: &str) -> Option<&str> {
        self.general(&format!("{prefix}-{id}"))
    }

    /// [`Typed::value`] of the form `{prefix}-{id}`.
    pub fn value_at(&self, prefix: &str, id: &str, name: &str) -> &str {
        self.value(&format!("{prefix}-{id}"), name)
    }

    pub fn refused(&mut self, e: FormError) {
        self.error = Some(e);
    }
}

/// One bar of a timeline: its place in `0..1000` of the shown span.
#[derive(Debug, Clone)]
pub struct Bar {
    pub campaign: CampaignView,
    pub x: i64,
    pub width: i64,
}

/// Lays campaigns out on one time axis (by start, each at least a sliver).
pub fn timeline(campaigns: Vec<CampaignView>) -> Vec<Bar> {
    let secs = |t: &str| {
        crate::clock::parse(t)
            .map(|t| t.unix_timestamp())
            .unwrap_or_default()
    };
    let lo = campaigns.iter().map(|c| secs(&c.start)).min().unwrap_or(0);
    let hi = campaigns.iter().map(|c| secs(&c.end)).max().unwrap_or(0);
    let span = (hi - lo).max(1);
    let mut bars: Vec<Bar> = campaigns
        .into_iter()
        .map(|c| {
            let x = (secs(&c.start) - lo) * 1000 / span;
            let width = ((secs(&c.end) - secs(&c.start)) * 1000 / span).max(4);
            Bar {
                campaign: c,
                x,
                width,
            }
        })
        .collect();
    bars.sort_by(|a, b| a.campaign.start.cmp(&b.campaign.start));
    bars
}

/// Why a campaign stopped, in words (a revoked grant named without its id).
pub fn stop_words(reason: &str) -> String {
    match reason
        .strip_prefix("grant ")
        .and_then(|r| r.split_once(" was revoked"))
    {
        Some((_, rest)) => format!("the operator revoked its permission{rest}"),
        None => reason.to_owned(),
    }
}

/// An asset's state in words.
pub fn asset_state(state: &str) -> &'static str {
    match state {
        "pending" => "waiting for proof of control",
        "verified" => "proven",
        "disputed" => "disputed: another operator claims it; a coordinator decides",
        "withdrawn" => "withdrawn",
        _ => "unknown",
    }
}

/// How control was proven, in words.
pub fn proof_words(a: &AssetView) -> String {
    match a.proof_method.as_deref() {
        Some("dns_txt") => "DNS TXT record found".to_owned(),
        Some("well_known") => "verification file found on the host".to_owned(),
        Some("attestation") => format!(
            "attested by a coordinator: {}",
            a.proof_detail.as_deref().unwrap_or("")
        ),
        _ => "not yet proven".to_owned(),
    }
}

/// What other researchers learn of scanning on the asset, as they read it
/// (`domain::scans::disclose`).
pub fn disclosure_words(a: &AssetView) -> String {
    use clearinghouse_domain::scans::{Target, disclose};
    let shown = Target::parse("target", &a.target)
        .ok()
        .and_then(|t| disclose::disclosed(&t, a.disclose_prefix));
    format!("“{}”", disclose::describe(shown.as_ref()))
}

#[derive(Template, WebTemplate)]
#[template(path = "scans_network.html")]
pub struct NetworkPage {
    nav: Nav,
    names: Names,
    assets: Vec<AssetView>,
    grants: Vec<GrantView>,
    bars: Vec<Bar>,
    reports: Vec<ReportView>,
    /// The answer to a report just made.
    answer: Option<ReportView>,
    typed: Typed,
    start_default: String,
    end_default: String,
}

impl NetworkPage {
    fn verified(&self) -> Vec<&AssetView> {
        self.assets
            .iter()
            .filter(|a| a.state == "verified")
            .collect()
    }
}

async fn network_view(
    app: &AppState,
    who: &Principal,
    typed: Typed,
    answer: Option<ReportView>,
) -> UiResult<NetworkPage> {
    let assets = assets::list(app, who).await?;
    let grants: Vec<GrantView> = grants::list(app, who)
        .await?
        .into_iter()
        .filter(|g| g.operator_org_id == who.org_id())
        .collect();
    let campaigns = deconflict::timeline(app, who).await?;
    let reports = reports::list(app, who).await?;
    let mut orgs: Vec<&str> = grants.iter().map(|g| g.scanner_org_id.as_str()).collect();
    orgs.extend(campaigns.iter().map(|c| c.org_id.as_str()));
    if let Some(r) = &answer {
        for t in &r.per_target {
            orgs.extend(t.covered_by.iter().map(|c| c.org_id.as_str()));
            orgs.extend(t.possible.iter().map(|c| c.org_id.as_str()));
        }
    }
    let names = Names::load(app, orgs, []).await?;
    let now = crate::clock::now();
    Ok(NetworkPage {
        nav: Nav::new(who, "scans"),
        names,
        assets,
        grants,
        bars: timeline(campaigns),
        reports,
        answer,
        typed,
        start_default: super::when::typed(now),
        end_default: super::when::typed(now + time::Duration::days(30)),
    })
}

pub async fn network(UiCaller { app, who }: UiCaller) -> UiResult<NetworkPage> {
    network_view(&app, &who, Typed::default(), None).await
}

/// The page again with `typed` refused by `e`, or the error page.
async fn refused(
    app: &AppState,
    who: &Principal,
    mut typed: Typed,
    e: AppError,
    fields: &[&str],
) -> UiResult<Response> {
    let (status, err) = FormError::from_app(e, fields)?;
    typed.refused(err);
    let page = network_view(app, who, typed, None).await?;
    Ok((status, page).into_response())
}

fn back() -> Response {
    Redirect::to("/scans/network").into_response()
}

pub async fn add_asset(
    UiCaller { app, who }: UiCaller,
    Form(pairs): Form<Vec<(String, String)>>,
) -> UiResult<Response> {
    let typed = Typed::new("asset", pairs);
    check_csrf(&who, typed.get("csrf_token"))?;
    let disclose = typed.get("disclose_prefix").trim();
    let disclose_prefix = if disclose.is_empty() {
        None
    } else {
        match disclose.parse() {
            Ok(n) => Some(n),
            Err(_) => {
                let e = AppError::invalid("disclose_prefix", "must be a whole number");
                return refused(&app, &who, typed, e, &["disclose_prefix"]).await;
            }
        }
    };
    let input = AssetInput {
        target: bare_block(typed.get("target")),
        disclose_prefix,
    };
    match assets::add(&app, &who, input).await {
        Ok(_) => Ok(back()),
        Err(e) => refused(&app, &who, typed, e, &["target", "disclose_prefix"]).await,
    }
}

pub async fn verify_asset(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> UiResult<Response> {
    let typed = Typed::new(&format!("verify-{id}"), pairs);
    check_csrf(&who, typed.get("csrf_token"))?;
    let method = match typed.get("method") {
        "well_known" => ProofMethod::WellKnown,
        _ => ProofMethod::DnsTxt,
    };
    match assets::verify(&app, &who, &id, VerifyInput { method }).await {
        Ok(_) => Ok(back()),
        Err(e) => refused(&app, &who, typed, e, &[]).await,
    }
}

pub async fn create_grant(
    UiCaller { app, who }: UiCaller,
    Form(pairs): Form<Vec<(String, String)>>,
) -> UiResult<Response> {
    let typed = Typed::new("grant", pairs);
    check_csrf(&who, typed.get("csrf_token"))?;
    let fields = [
        "scanner",
        "assets",
        "excluded",
        "techniques",
        "rate_limit",
        "sources",
        "start",
        "end",
        "operator_contact",
        "scanner_contact",
    ];
    let scanner = typed.get("scanner").trim();
    // An unknown name goes on to the workflow as no id: it checks every
    // other field first and answers an unknown, archived or hidden
    // organisation alike, so the form is no directory (F15).
    let scanner_org_id = store::accounts::orgs::by_name(&app.store.pool, scanner)
        .await
        .map_err(AppError::from)?
        .map(|o| o.id)
        .unwrap_or_default();
    let Ok(rate_limit) = typed.get("rate_limit").trim().parse::<i64>() else {
        let e = AppError::invalid("rate_limit", "must be a whole number of requests a second");
        return refused(&app, &who, typed, e, &fields).await;
    };
    let input = GrantInput {
        scanner_org_id,
        assets: typed.all("asset"),
        excluded: typed.lines("excluded"),
        techniques: typed.all("technique"),
        rate_limit,
        sources: typed.lines("sources"),
        start: super::when::typed_utc(typed.get("start")),
        end: super::when::typed_utc(typed.get("end")),
        operator_contact: typed.get("operator_contact").to_owned(),
        scanner_contact: typed.get("scanner_contact").to_owned(),
    };
    match grants::create(&app, &who, input).await {
        Ok(_) => Ok(back()),
        Err(e) => {
            // The workflow names the scanner by id; the form by name.
            let e = match e {
                AppError::Invalid { field, message } if field == "scanner_org_id" => {
                    let message = if message == "no such organisation" {
                        "no organisation this grant can name has this name".to_owned()
                    } else {
                        message
                    };
                    AppError::invalid("scanner", message)
                }
                other => other,
            };
            refused(&app, &who, typed, e, &fields).await
        }
    }
}

pub async fn revoke_grant(
    UiCaller { app, who }: UiCaller,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> UiResult<Response> {
    let typed = Typed::new(&format!("revoke-{id}"), pairs);
    check_csrf(&who, typed.get("csrf_token"))?;
    let input = RevokeGrantInput {
        reason: typed.get("reason").to_owned(),
    };
    match grants::revoke(&app, &who, &id, input).await {
        Ok(_) => Ok(back()),
        Err(e) => refused(&app, &who, typed, e, &["reason"]).await,
    }
}

pub async fn report(
    UiCaller { app, who }: UiCaller,
    Form(pairs): Form<Vec<(String, String)>>,
) -> UiResult<Response> {
    let typed = Typed::new("report", pairs);
    check_csrf(&who, typed.get("csrf_token"))?;
    let input = ReportInput {
        sources: typed.lines("sources"),
        targets: typed
            .lines("targets")
            .iter()
            .map(|t| bare_block(t))
            .collect(),
        start: super::when::typed_utc(typed.get("start")),
        end: super::when::typed_utc(typed.get("end")),
        log_excerpt: Some(typed.get("log_excerpt").to_owned()).filter(|s| !s.trim().is_empty()),
    };
    match reports::create(&app, &who, input).await {
        Ok(answer) => {
            let page = network_view(&app, &who, Typed::default(), Some(answer)).await?;
            Ok((StatusCode::CREATED, page).into_response())
        }
        Err(e) => {
            let fields = ["sources", "targets", "start", "end", "log_excerpt"];
            refused(&app, &who, typed, e, &fields).await
        }
    }
}

/// An address or block as people write it (`8.8.8.0/28`, `2001:db8::1`)
/// as the `cidr:` target the workflows take (N5); anything else unchanged.
pub fn bare_block(t: &str) -> String {
    let t = t.trim();
    let (addr, prefix) = t.split_once('/').unwrap_or((t, ""));
    match addr.parse::<std::net::IpAddr>() {
        Ok(ip) if prefix.is_empty() => {
            format!("cidr:{ip}/{}", if ip.is_ipv4() { 32 } else { 128 })
        }
        Ok(_) if prefix.parse::<u8>().is_ok() => format!("cidr:{t}"),
        _ => t.to_owned(),
    }
}

/// Techniques, given as their words, in words.
pub fn techniques_words(t: &[String]) -> String {
    technique_list(&crate::workflows::scans::stored_techniques(&t.join(",")))
}

/// Techniques in words (`none` for none).
pub fn technique_list(t: &[Technique]) -> String {
    if t.is_empty() {
        return "none".to_owned();
    }
    techniques_text(t).replace(',', ", ")
}

#[cfg(test)]
mod tests {
    use super::bare_block;

    #[test]
    fn bare_blocks_are_cidr_targets() {
        assert_eq!(bare_block(" 8.8.8.0/28 "), "cidr:8.8.8.0/28");
        assert_eq!(bare_block("8.8.8.8"), "cidr:8.8.8.8/32");
        assert_eq!(bare_block("2001:db8::1"), "cidr:2001:db8::1/128");
        assert_eq!(bare_block("cidr:8.8.8.0/28"), "cidr:8.8.8.0/28");
        assert_eq!(bare_block("host:example.org"), "host:example.org");
        assert_eq!(bare_block("8.8.8.0/x"), "8.8.8.0/x");
    }
}
