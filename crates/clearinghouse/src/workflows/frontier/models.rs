//! The frontier-model registry (Sec. 3): a member of an AI-developer
//! organisation registers a model under development; validation is the
//! domain's (`clearinghouse_domain::frontier::model`). Models are labelled
//! records read through the one policy (`labels::can_read`, as SQL in the
//! store), and every answer carries the public compute thresholds as
//! **non-binding reference points**, never a designation.
//!
//! Labels: `tlp` defaults to `AMBER+STRICT` and `visibility` to the empty
//! expression, so the owner organisation reads its model and nobody else
//! does. A developer that shares a model with the government sets `tlp:
//! AMBER`, `shared_with_orgs` and typically `visibility: FRONTIER`; like
//! documents, a registrant may only apply a visibility it satisfies itself,
//! so a model can never lock its own developer out.

use clearinghouse_domain::frontier::date::planned_date_allowed;
use clearinghouse_domain::frontier::model::{
    Modality, ModelRegistrationInput, TrainingCompute, compare_reference_points,
};
use clearinghouse_domain::identity::{OrgKind, Scope};
use clearinghouse_domain::labels::{RecordLabels, can_read};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::audit_log::AuditEvent;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::model::Page;
use crate::store;
use crate::store::frontier::models::{ModelRow, list_readable};
use crate::workflows::new_id;
use crate::workflows::read_policy::{
    PolicyReader, authored_labels, parse_labels, readable_page, shared_orgs,
};

/// What a developer submits to register a model.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewModel {
    pub name: String,
    pub version: String,
    /// `YYYY-MM-DD`; the developer's own plan, never set by anyone else.
    pub planned_partner_release: Option<String>,
    /// `YYYY-MM-DD`; not before the partner release.
    pub planned_public_release: Option<String>,
    /// Operations, as a number (`3.2e25`) or text (`"3.2e25"`).
    #[schema(value_type = String, example = "3.2e25")]
    pub training_compute: Value,
    /// Any of `text`, `code`, `image`, `audio`, `video`, `tool_use`.
    #[serde(default)]
    pub modalities: Vec<String>,
    #[serde(default)]
    pub description: String,
    pub contact: String,
    /// TLP 2.0 marking; default `AMBER+STRICT` (your organisation only).
    pub tlp: Option<String>,
    /// Visibility expression; default empty. You must satisfy what you apply.
    pub visibility: Option<String>,
    /// Organisations (ids) an `AMBER` model is shared with.
    #[serde(default)]
    pub shared_with_orgs: Vec<String>,
}

/// One public compute threshold and whether the model's compute is above it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReferencePointView {
    pub id: String,
    pub operations: f64,
    pub instruments: Vec<String>,
    /// Always false.
    pub binding: bool,
    pub exceeds: bool,
}

/// The reference points, labelled as non-binding facts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReferencePoints {
    pub note: String,
    /// Always false: designation rests on the classified benchmarks.
    pub binding: bool,
    /// Ids of the points the compute exceeds.
    pub exceeded: Vec<String>,
    pub points: Vec<ReferencePointView>,
}

/// A registered model as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Model {
    pub id: String,
    pub owner_org: String,
    pub created_by: String,
    pub name: String,
    pub version: String,
    pub planned_partner_release: Option<String>,
    pub planned_public_release: Option<String>,
    /// Scientific notation, e.g. `3.2e25`.
    pub training_compute: String,
    pub training_compute_operations: f64,
    pub modalities: Vec<String>,
    pub description: String,
    pub contact: String,
    pub tlp: String,
    pub visibility: String,
    pub shared_with_orgs: Vec<String>,
    pub created_at: String,
    pub reference_points: ReferencePoints,
}

const NOTE: &str = "Public compute thresholds from state and EU law, shown as non-binding \
    reference points. Exceeding one is a fact about training compute, not a designation: \
    covered-frontier-model designation rests on the classified benchmarking process.";

fn reference_points(compute: TrainingCompute) -> ReferencePoints {
    let points: Vec<ReferencePointView> = compare_reference_points(compute)
        .into_iter()
        .map(|c| ReferencePointView {
            id: c.reference.id.to_owned(),
            operations: c.reference.operations,
            instruments: c
                .reference
                .instruments
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            binding: c.reference.binding,
            exceeds: c.exceeds,
        })
        .collect();
    ReferencePoints {
        note: NOTE.to_owned(),
        binding: false,
        exceeded: points
            .iter()
            .filter(|p| p.exceeds)
            .map(|p| p.id.clone())
            .collect(),
        points,
    }
}

fn view(row: ModelRow) -> AppResult<Model> {
    let compute = TrainingCompute::parse(&row.training_compute)
        .map_err(|e| AppError::internal(format!("stored model {}", row.id), e))?;
    Ok(Model {
        id: row.id,
        owner_org: row.owner_org,
        created_by: row.created_by,
        name: row.name,
        version: row.version,
        planned_partner_release: row.planned_partner_release,
        planned_public_release: row.planned_public_release,
        training_compute: compute.to_string(),
        training_compute_operations: compute.operations(),
        modalities: row.modalities,
        description: row.description,
        contact: row.contact,
        tlp: row.tlp,
        visibility: row.visibility,
        shared_with_orgs: row.shared_with_orgs,
        created_at: row.created_at,
        reference_points: reference_points(compute),
    })
}

/// The compute as text for the domain parser: JSON numbers in `{:e}` form.
fn compute_text(v: &Value) -> AppResult<String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => n
            .as_f64()
            .map(|f| format!("{f:e}"))
            .ok_or_else(|| AppError::invalid("training_compute", "is not a representable number")),
        _ => Err(AppError::invalid(
            "training_compute",
            "must be a number or a string such as \"3.2e25\"",
        )),
    }
}

/// Only members (or agents) of an AI-developer organisation register models.
async fn require_developer(app: &AppState, who: &Principal) -> AppResult<()> {
    let org = store::accounts::orgs::get(&app.store.pool, who.org_id()).await?;
    let kind = org.map(|o| o.kind);
    if kind == Some(OrgKind::AiDeveloper) {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "only members of an AI-developer organisation (kind 'ai_developer') register models",
        ))
    }
}

pub async fn register(app: &AppState, who: &Principal, input: NewModel) -> AppResult<Model> {
    who.require_scope(Scope::ModelsWrite)?;
    require_developer(app, who).await?;
    let mut modalities = Vec::with_capacity(input.modalities.len());
    for (i, m) in input.modalities.iter().enumerate() {
        let parsed: Modality = serde_json::from_value(Value::String(m.clone()))
            .map_err(|_| AppError::invalid(format!("modalities[{i}]"), "unknown modality"))?;
        modalities.push(parsed);
    }
    let form = ModelRegistrationInput {
        name: input.name,
        version: input.version,
        planned_partner_release: input.planned_partner_release,
        planned_public_release: input.planned_public_release,
        training_compute: compute_text(&input.training_compute)?,
        modalities,
        description: input.description,
        contact: input.contact,
    };
    let reg = form
        .validate()
        .map_err(|e| AppError::invalid(e.field, e.reason))?;
    let today = crate::workflows::cases::today()?;
    for (field, date) in [
        ("planned_partner_release", reg.planned_partner_release),
        ("planned_public_release", reg.planned_public_release),
    ] {
        if let Some(d) = date {
            planned_date_allowed(d, None, today).map_err(|why| AppError::invalid(field, why))?;
        }
    }
    let (tlp, visibility) = authored_labels(
        who,
        input.tlp.as_deref(),
        input.visibility.as_deref(),
        " (else your own organisation could not read the model)",
    )?;
    let shared = shared_orgs(app, &input.shared_with_orgs).await?;
    let row = ModelRow {
        id: new_id(),
        owner_org: who.org_id().to_owned(),
        created_by: who.user_id().to_owned(),
        name: reg.name,
        version: reg.version,
        planned_partner_release: reg.planned_partner_release.map(|d| d.to_string()),
        planned_public_release: reg.planned_public_release.map(|d| d.to_string()),
        training_compute: format!("{:e}", reg.training_compute.operations()),
        modalities: reg
            .modalities
            .iter()
            .filter_map(|m| serde_json::to_value(m).ok())
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        description: reg.description,
        contact: reg.contact,
        tlp: tlp.as_str().to_owned(),
        visibility: visibility.as_str().to_owned(),
        shared_with_orgs: shared,
        created_at: clock::now_text(),
    };
    let model = view(row.clone())?;
    // The audit entry holds ids and a digest of the registration, never
    // its (confidential) content.
    let content = serde_json::to_vec(&model).map_err(|e| AppError::internal("model digest", e))?;
    let digest = hex::encode(Sha256::digest(&content));
    let mut tx = app.store.begin_write().await?;
    let vis_id = store::labels::intern(&mut tx, &row.visibility).await?;
    store::frontier::models::insert(&mut tx, &row, vis_id).await?;
    let event = AuditEvent {
        action: "model.register",
        object_type: "model",
        object_id: &row.id,
        change: json!({"model_id": row.id, "owner_org": row.owner_org, "content_sha256": digest}),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    tx.commit().await?;
    Ok(model)
}

/// Models the caller may read, filtered in SQL by the one read policy.
pub async fn list(
    app: &AppState,
    who: &Principal,
    cursor: Option<&str>,
    limit: Option<i64>,
) -> AppResult<Page<Model>> {
    let page = readable_page(app, who, Scope::ModelsRead, cursor, limit, list_readable).await?;
    Ok(Page {
        items: page.items.into_iter().map(view).collect::<AppResult<_>>()?,
        next_cursor: page.next_cursor,
    })
}

/// One model; unreadable is "not found", exactly like missing. The row the
/// SQL filter let through is checked again by the domain's `can_read`.
pub async fn get(app: &AppState, who: &Principal, id: &str) -> AppResult<Model> {
    who.require_scope(Scope::ModelsRead)?;
    let reader = PolicyReader::of(app, who).await?;
    let row = store::frontier::models::get_readable(&app.store.pool, id, &reader.filter())
        .await?
        .ok_or(AppError::NotFound)?;
    let (tlp, visibility) = parse_labels(&row.tlp, &row.visibility)?;
    let named = [row.created_by.clone()];
    let labels = RecordLabels {
        tlp,
        visibility: &visibility,
        owner_org: &row.owner_org,
        shared_with_orgs: &row.shared_with_orgs,
        named_readers: &named,
    };
    if !can_read(&who.reader(), &labels) {
        return Err(AppError::NotFound);
    }
    view(row)
}
