//! The model registry pages: the models a person may read (searched,
//! sorted, paged), the registration form for members of AI developers
//! (training compute accepted as `3.2e25`; a refusal shown beside its field
//! with everything typed kept), and a model's page: its details, planned
//! release dates, its compute beside the **non-binding** public reference
//! points, the runs of it the reader may read, and the chart of their
//! scores (threshold lines only for readers cleared for the policy).

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use clearinghouse_domain::identity::OrgKind;
use serde_json::Value;

use super::chart::{self, Row};
use super::{Tabs, day, field_of, pct};
use crate::app::AppState;
use crate::auth::Principal;
use crate::http::ui::assets::FieldError;
use crate::http::ui::names::Names;
use crate::http::ui::paging::{PageParams, Pager, sort_rows};
use crate::http::ui::{Nav, UiCaller, UiResult, check_csrf, inline_error};
use crate::model::frontier::ThresholdState;
use crate::workflows::accounts::orgs;
use crate::workflows::frontier::models::{self, Model, NewModel};
use crate::workflows::frontier::run_view::{self, RunView};
use crate::workflows::frontier::thresholds;

/// The modalities the registry knows, as the form offers them.
pub const MODALITIES: &[&str] = &["text", "code", "image", "audio", "video", "tool_use"];

/// What was typed into the registration form.
#[derive(Debug, Default)]
pub struct ModelForm {
    pub name: String,
    pub version: String,
    pub planned_partner_release: String,
    pub planned_public_release: String,
    pub training_compute: String,
    pub modalities: Vec<String>,
    pub description: String,
    pub contact: String,
    pub tlp: String,
    pub visibility: String,
    pub shared_with_orgs: Vec<String>,
}

impl ModelForm {
    /// Reads the urlencoded body (repeated `modalities` and
    /// `shared_with_orgs`); returns the form and its CSRF token.
    fn parse(body: &[u8]) -> (ModelForm, String) {
        let mut f = ModelForm::default();
        let mut csrf = String::new();
        for (k, v) in url::form_urlencoded::parse(body) {
            let v = v.into_owned();
            match k.as_ref() {
                "csrf_token" => csrf = v,
                "name" => f.name = v,
                "version" => f.version = v,
                "planned_partner_release" => f.planned_partner_release = v,
                "planned_public_release" => f.planned_public_release = v,
                "training_compute" => f.training_compute = v,
                "modalities" => f.modalities.push(v),
                "description" => f.description = v,
                "contact" => f.contact = v,
                "tlp" => f.tlp = v,
                "visibility" => f.visibility = v,
                "shared_with_orgs" => f.shared_with_orgs.push(v),
                _ => {}
            }
        }
        (f, csrf)
    }

    fn input(&self) -> NewModel {
        let opt = |s: &str| {
            let s = s.trim();
            (!s.is_empty()).then(|| s.to_owned())
        };
        NewModel {
            name: self.name.clone(),
            version: self.version.clone(),
            planned_partner_release: opt(&self.planned_partner_release),
            planned_public_release: opt(&self.planned_public_release),
            training_compute: Value::String(self.training_compute.trim().to_owned()),
            modalities: self.modalities.clone(),
            description: self.description.clone(),
            contact: self.contact.clone(),
            tlp: opt(&self.tlp),
            visibility: opt(&self.visibility),
            shared_with_orgs: self.shared_with_orgs.clone(),
        }
    }

    pub fn has_modality(&self, m: &&str) -> bool {
        self.modalities.iter().any(|x| x == *m)
    }

    pub fn shares_with(&self, org: &str) -> bool {
        self.shared_with_orgs.iter().any(|x| x == org)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "frontier_models.html")]
pub struct ModelsPage {
    nav: Nav,
    tabs: Tabs,
    models: Vec<Model>,
    pager: Pager,
    q: PageParams,
    names: Names,
    /// Government agencies a developer may share a model with: (id, name).
    agencies: Vec<(String, String)>,
    modalities: &'static [&'static str],
    form: ModelForm,
    error: Option<FieldError>,
}

const FORM_FIELDS: &[&str] = &[
    "name",
    "version",
    "planned_partner_release",
    "planned_public_release",
    "training_compute",
    "modalities",
    "contact",
    "tlp",
    "visibility",
    "shared_with_orgs",
];

impl ModelsPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        FieldError::for_field(&self.error, field)
    }

    fn other_error(&self) -> Option<&str> {
        FieldError::other(&self.error, FORM_FIELDS)
    }

    fn power(ops: &f64) -> String {
        super::power_of_ten(*ops)
    }

    fn invalid(&self, field: &str) -> &'static str {
        if self.error_for(field).is_some() {
            "invalid"
        } else {
            ""
        }
    }
}

const SORTS: &[&str] = &[
    "name",
    "developer",
    "compute",
    "partner",
    "public",
    "registered",
];

async fn agencies(app: &AppState, who: &Principal) -> UiResult<Vec<(String, String)>> {
    let list = all_pages!(c => orgs::list(app, who, false, c.as_deref(), Some(500)));
    let mut out: Vec<(String, String)> = list
        .into_iter()
        .filter(|o| o.kind == OrgKind::GovernmentAgency)
        .map(|o| (o.id, o.name))
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

async fn view(
    app: &AppState,
    who: &Principal,
    q: PageParams,
    form: ModelForm,
    error: Option<FieldError>,
) -> UiResult<ModelsPage> {
    let tabs = Tabs::of(who, "models");
    let every = all_pages!(c => models::list(app, who, c.as_deref(), Some(500)));
    let names = Names::load(
        app,
        every.iter().map(|m| m.owner_org.as_str()),
        std::iter::empty(),
    )
    .await?;
    let mut rows: Vec<Model> = every
        .into_iter()
        .filter(|m| q.matches([m.name.as_str(), m.version.as_str(), names.org(&m.owner_org)]))
        .collect();
    let sort = q.sort_among(SORTS, "registered");
    let descending = q.descending(matches!(sort, "registered" | "compute"));
    let date = |d: &Option<String>| d.clone().unwrap_or_default();
    sort_rows(&mut rows, descending, |a, b| {
        match sort {
            "name" => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
            "developer" => names.org(&a.owner_org).cmp(names.org(&b.owner_org)),
            "compute" => a
                .training_compute_operations
                .total_cmp(&b.training_compute_operations),
            "partner" => date(&a.planned_partner_release).cmp(&date(&b.planned_partner_release)),
            "public" => date(&a.planned_public_release).cmp(&date(&b.planned_public_release)),
            _ => a.created_at.cmp(&b.created_at),
        }
        .then_with(|| a.id.cmp(&b.id))
    });
    let (page, pager) = Pager::cut(rows, "/frontier/models", &[], &q, sort, descending);
    let agencies = if tabs.developer {
        agencies(app, who).await?
    } else {
        Vec::new()
    };
    Ok(ModelsPage {
        nav: Nav::new(who, "frontier"),
        tabs,
        models: page,
        pager,
        q,
        names,
        agencies,
        modalities: MODALITIES,
        form,
        error,
    })
}

pub async fn page(
    UiCaller { app, who }: UiCaller,
    Query(q): Query<PageParams>,
) -> UiResult<ModelsPage> {
    let form = ModelForm {
        tlp: "AMBER+STRICT".to_owned(),
        modalities: vec!["text".to_owned()],
        ..Default::default()
    };
    view(&app, &who, q, form, None).await
}

/// Registers a model and opens its page; a refusal comes back on the list
/// page, beside its field, with what was typed.
pub async fn create(UiCaller { app, who }: UiCaller, body: Bytes) -> UiResult<Response> {
    let (form, csrf) = ModelForm::parse(&body);
    check_csrf(&who, &csrf)?;
    match models::register(&app, &who, form.input()).await {
        Ok(m) => Ok(Redirect::to(&format!("/frontier/models/{}", m.id)).into_response()),
        Err(e) => {
            let field = field_of(&e);
            let (status, message) = inline_error(e)?;
            let error = Some(FieldError { field, message });
            let page = view(&app, &who, PageParams::default(), form, error).await?;
            let status = if status.is_client_error() {
                status
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            Ok((status, page).into_response())
        }
    }
}

/// A run of the model as its row on the model page.
pub struct RunLine {
    pub run: RunView,
    /// `12.5% [4.0%, 25.0%]`, or why there is no score.
    pub score: String,
    pub pass_at_k: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "frontier_model.html")]
pub struct ModelPage {
    nav: Nav,
    tabs: Tabs,
    model: Model,
    names: Names,
    runs: Vec<RunLine>,
    chart: Option<String>,
    /// Whether a threshold line is drawn (the reader is cleared).
    thresholds_drawn: bool,
}

/// `12.5% [4.0%, 25.0%]` for a run's newest score.
pub fn score_text(run: &RunView) -> (String, String) {
    match run.scores.last() {
        Some(s) => {
            let r = &s.score.success_rate;
            let rate = format!("{} [{}, {}]", pct(r.point), pct(r.lower), pct(r.upper));
            let pk = match &s.score.pass_at_k {
                Some(p) => format!("{} [{}, {}]", pct(p.point), pct(p.lower), pct(p.upper)),
                None => "—".to_owned(),
            };
            (rate, pk)
        }
        None => (
            run.scoring_note
                .clone()
                .unwrap_or_else(|| "not scored".to_owned()),
            "—".to_owned(),
        ),
    }
}

/// The active threshold of a suite, if the reader's labels admit it.
async fn threshold_for(app: &AppState, who: &Principal, suite_id: &str) -> UiResult<Option<f64>> {
    let versions = thresholds::list(app, who, suite_id).await?;
    Ok(versions
        .iter()
        .filter(|t| t.state == ThresholdState::Active)
        .max_by_key(|t| t.version)
        .and_then(|t| t.policy.suite(suite_id))
        .map(|s| s.success_rate.as_f64()))
}

pub async fn show(UiCaller { app, who }: UiCaller, Path(id): Path<String>) -> UiResult<ModelPage> {
    let model = models::get(&app, &who, &id).await?;
    let runs =
        all_pages!(c => run_view::list(&app, &who, None, Some(&model.id), c.as_deref(), Some(500)));
    let mut users: Vec<&str> = vec![model.created_by.as_str()];
    users.extend(runs.iter().map(|r| r.created_by.as_str()));
    let mut orgs: Vec<&str> = vec![model.owner_org.as_str()];
    orgs.extend(model.shared_with_orgs.iter().map(String::as_str));
    let names = Names::load(&app, orgs, users).await?;
    let mut thresholds = std::collections::BTreeMap::new();
    let mut rows = Vec::new();
    for run in &runs {
        if !thresholds.contains_key(&run.suite_id) {
            let t = threshold_for(&app, &who, &run.suite_id).await?;
            thresholds.insert(run.suite_id.clone(), t);
        }
        if let Some(s) = run.scores.last() {
            let r = &s.score.success_rate;
            rows.push(Row {
                label: format!(
                    "{} v{} · {}",
                    run.suite_key,
                    s.score.suite_version,
                    run.file_name.as_deref().unwrap_or(&run.task)
                ),
                point: r.point,
                lower: r.lower,
                upper: r.upper,
                threshold: thresholds.get(&run.suite_id).copied().flatten(),
            });
        }
    }
    let thresholds_drawn = rows.iter().any(|r| r.threshold.is_some());
    let chart = (!rows.is_empty()).then(|| chart::render_svg(&rows));
    let runs = runs
        .into_iter()
        .map(|run| {
            let (score, pass_at_k) = score_text(&run);
            RunLine {
                run,
                score,
                pass_at_k,
            }
        })
        .collect();
    Ok(ModelPage {
        nav: Nav::new(&who, "frontier"),
        tabs: Tabs::of(&who, "models"),
        model,
        names,
        runs,
        chart,
        thresholds_drawn,
    })
}

impl ModelPage {
    fn day(ts: &str) -> &str {
        day(ts)
    }

    fn power(ops: &f64) -> String {
        super::power_of_ten(*ops)
    }
}
