//! Classified threshold policies (Sec. 3(a)), one per suite, versioned.
//! A designation authority proposes a version (the domain's
//! `ThresholdPolicy`, rates in parts per million); it is stored with a
//! fresh 32-byte salt under its labels (default `AMBER+STRICT` and
//! visibility `FRONTIER & CLASSIFIED`; the proposer must hold what it
//! applies) and filed as a `set_threshold` two-person request that names
//! the version and its commitment only. A second designation authority's
//! approval (`approvals::decide` → [`activate`]) puts it in force.
//!
//! What leaves the label: the commitment `SHA-256(salt ‖ canonical
//! policy)`, in the `threshold.propose` audit entry and in decisions. The
//! values and the salt appear only in [`ThresholdView`], returned only to
//! readers the one read policy admits; everyone else gets 404 or an empty
//! list, and no audit entry, approval or error carries them.

use clearinghouse_domain::frontier::threshold::{
    PassAtKThreshold, Rate, Salt, SuiteThreshold, ThresholdPolicy, commit, verify_commitment,
};
use clearinghouse_domain::identity::{Role, Scope};
use clearinghouse_domain::labels::{Tlp, Visibility};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::audit_log::AuditEvent;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::model::Approval;
use crate::model::frontier::ThresholdState;
use crate::store;
use crate::store::frontier::thresholds::ThresholdRow;
use crate::workflows::new_id;
use crate::workflows::read_policy::PolicyReader;

/// The default visibility of a threshold policy.
pub const DEFAULT_VISIBILITY: &str = "FRONTIER & CLASSIFIED";

/// A proposed threshold for a suite.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewThreshold {
    /// A decimal rate in [0, 1] with at most six decimals, e.g. `"0.25"`.
    pub success_rate: String,
    /// Optionally also pass@k: `{"k": 5, "rate": "0.5"}`.
    pub pass_at_k: Option<NewPassAtK>,
    /// Default `AMBER+STRICT`.
    pub tlp: Option<String>,
    /// Default `FRONTIER & CLASSIFIED`. You must hold it.
    pub visibility: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPassAtK {
    pub k: u32,
    pub rate: String,
}

/// A threshold version for a cleared reader: values, salt and commitment.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ThresholdView {
    pub id: String,
    pub suite_id: String,
    pub version: i64,
    /// `pending`, `active` or `superseded`.
    pub state: ThresholdState,
    #[schema(value_type = Object)]
    pub policy: ThresholdPolicy,
    /// Hex; with the canonical policy it reproduces the commitment.
    pub salt: String,
    pub commitment: String,
    pub tlp: String,
    pub visibility: String,
    pub approval_id: Option<String>,
    pub activated_at: Option<String>,
    pub created_by: String,
    pub created_at: String,
}

/// A proposal: the version and the request a second authority decides.
#[derive(Debug, Serialize, ToSchema)]
pub struct Proposal {
    pub threshold: ThresholdView,
    pub approval: Approval,
}

/// The check of a stored version against its commitment.
#[derive(Debug, Serialize, ToSchema)]
pub struct Verification {
    pub id: String,
    pub commitment: String,
    pub recomputed: String,
    pub matches: bool,
}

fn corrupt(e: impl std::fmt::Display) -> AppError {
    AppError::internal_msg(format!("stored threshold: {e}"))
}

fn policy_of(row: &ThresholdRow) -> AppResult<(ThresholdPolicy, Salt)> {
    let policy: ThresholdPolicy = serde_json::from_str(&row.policy).map_err(corrupt)?;
    let bytes = hex::decode(&row.salt).map_err(corrupt)?;
    let salt: [u8; 32] = bytes.try_into().map_err(|_| corrupt("salt length"))?;
    Ok((policy, Salt(salt)))
}

fn view(row: ThresholdRow) -> AppResult<ThresholdView> {
    let (policy, _) = policy_of(&row)?;
    Ok(ThresholdView {
        id: row.id,
        suite_id: row.suite_id,
        version: row.version,
        state: row.state,
        policy,
        salt: row.salt,
        commitment: row.commitment,
        tlp: row.tlp,
        visibility: row.visibility,
        approval_id: row.approval_id,
        activated_at: row.activated_at,
        created_by: row.created_by,
        created_at: row.created_at,
    })
}

fn rate(field: &str, text: &str) -> AppResult<Rate> {
    Rate::parse(text).map_err(|reason| AppError::invalid(field, reason))
}

/// Proposes a new version of a suite's threshold (designation authorities).
pub async fn propose(
    app: &AppState,
    who: &Principal,
    suite: &str,
    input: NewThreshold,
) -> AppResult<Proposal> {
    who.require(Scope::EvaluationsWrite, &[Role::DesignationAuthority])?;
    let suite = super::suites::resolve(app, who, suite).await?;
    let success_rate = rate("success_rate", &input.success_rate)?;
    let pass_at_k = match &input.pass_at_k {
        Some(p) => {
            if p.k == 0 {
                return Err(AppError::invalid("pass_at_k.k", "must be at least 1"));
            }
            Some(PassAtKThreshold {
                k: p.k,
                rate: rate("pass_at_k.rate", &p.rate)?,
            })
        }
        None => None,
    };
    let tlp: Tlp = input
        .tlp
        .as_deref()
        .unwrap_or("AMBER+STRICT")
        .parse()
        .map_err(|e: clearinghouse_domain::labels::TlpParseError| {
            AppError::invalid("tlp", e.to_string())
        })?;
    let visibility = Visibility::parse(input.visibility.as_deref().unwrap_or(DEFAULT_VISIBILITY))
        .map_err(|e| AppError::invalid("visibility", e.to_string()))?;
    if !visibility.evaluate(&who.authorizations) {
        return Err(AppError::invalid(
            "visibility",
            "you must hold the authorizations of a label you apply",
        ));
    }
    let salt = Salt::random().map_err(|e| AppError::internal_msg(e.to_string()))?;
    let mut tx = app.store.begin_write().await?;
    let version = store::frontier::thresholds::max_version(&mut tx, &suite.id).await? + 1;
    let policy = ThresholdPolicy::new(
        &suite.id,
        vec![SuiteThreshold {
            suite_id: suite.id.clone(),
            success_rate,
            pass_at_k,
        }],
    )
    .map_err(|e| AppError::invalid("suite", e.to_string()))?;
    let policy = ThresholdPolicy {
        version: u32::try_from(version).map_err(|_| AppError::invalid("version", "overflow"))?,
        ..policy
    };
    let commitment = commit(&policy, &salt);
    let now = clock::now_text();
    let row = ThresholdRow {
        id: new_id(),
        suite_id: suite.id.clone(),
        version,
        policy: serde_json::to_string(&policy).map_err(corrupt)?,
        salt: hex::encode(salt.0),
        commitment: commitment.0.clone(),
        state: ThresholdState::Pending,
        owner_org: who.org_id().to_owned(),
        created_by: who.user_id().to_owned(),
        tlp: tlp.as_str().to_owned(),
        visibility: visibility.as_str().to_owned(),
        approval_id: None,
        activated_at: None,
        created_at: now,
    };
    let vis_id = store::labels::intern(&mut tx, &row.visibility).await?;
    store::frontier::thresholds::insert(&mut tx, &row, vis_id).await?;
    // The commitment, and nothing of the values, goes to the audit log.
    // Entries keep only a digest of their change, so the commitment is
    // the object id of its own entry, readable by anyone holding the log.
    let events = [
        AuditEvent {
            action: "threshold.propose",
            object_type: "threshold",
            object_id: &row.id,
            change: json!({"threshold_id": row.id, "suite_id": row.suite_id, "version": version,
                "commitment": row.commitment}),
        },
        AuditEvent {
            action: "threshold.commit",
            object_type: "threshold_commitment",
            object_id: &row.commitment,
            change: json!({"threshold_id": row.id, "version": version,
                "scheme": "sha256(salt || canonical policy)"}),
        },
    ];
    app.audit.record(&mut tx, &app.store, who, &events).await?;
    let request = clearinghouse_domain::approval::ApprovalRequest::SetThreshold {
        threshold_id: row.id.clone(),
        suite_id: row.suite_id.clone(),
        version: policy.version,
        commitment: row.commitment.clone(),
    };
    let summary = format!(
        "put threshold version {version} of suite {} in force (commitment {})",
        suite.key, row.commitment
    );
    let approval = crate::workflows::approvals::file(app, &mut tx, who, request, summary).await?;
    store::frontier::thresholds::set_approval(&mut tx, &row.id, &approval.id).await?;
    tx.commit().await?;
    let mut row = row;
    row.approval_id = Some(approval.id.clone());
    Ok(Proposal {
        threshold: view(row)?,
        approval,
    })
}

/// The effect of an approved `set_threshold` request, in the decision's
/// transaction: the version goes into force. Returns its audit change.
pub(crate) async fn activate(
    tx: &mut store::Tx,
    threshold_id: &str,
    approval_id: &str,
    now: &str,
) -> AppResult<serde_json::Value> {
    let (suite_id, version, commitment) =
        store::frontier::thresholds::activate(tx, threshold_id, now)
            .await?
            .ok_or_else(|| AppError::Conflict("the threshold version is not pending".into()))?;
    Ok(
        json!({"threshold_id": threshold_id, "suite_id": suite_id, "version": version,
        "commitment": commitment, "approval": approval_id}),
    )
}

/// One version, for readers its labels admit (404 for everyone else).
pub async fn get(app: &AppState, who: &Principal, id: &str) -> AppResult<ThresholdView> {
    who.require_scope(Scope::EvaluationsRead)?;
    let reader = PolicyReader::of(app, who).await?;
    let row = store::frontier::thresholds::get_readable(&app.store.pool, id, &reader.filter())
        .await?
        .ok_or(AppError::NotFound)?;
    view(row)
}

/// The versions of a suite's threshold the caller may read.
pub async fn list(app: &AppState, who: &Principal, suite: &str) -> AppResult<Vec<ThresholdView>> {
    let suite = super::suites::resolve(app, who, suite).await?;
    let reader = PolicyReader::of(app, who).await?;
    store::frontier::thresholds::list_readable(&app.store.pool, &suite.id, &reader.filter())
        .await?
        .into_iter()
        .map(view)
        .collect()
}

/// Recomputes a version's commitment from its stored policy and salt.
pub async fn verify(app: &AppState, who: &Principal, id: &str) -> AppResult<Verification> {
    who.require_scope(Scope::EvaluationsRead)?;
    let reader = PolicyReader::of(app, who).await?;
    let row = store::frontier::thresholds::get_readable(&app.store.pool, id, &reader.filter())
        .await?
        .ok_or(AppError::NotFound)?;
    let (policy, salt) = policy_of(&row)?;
    let recomputed = commit(&policy, &salt);
    let matches = verify_commitment(
        &policy,
        &salt,
        &clearinghouse_domain::frontier::threshold::Commitment(row.commitment.clone()),
    ) && policy.version as i64 == row.version;
    Ok(Verification {
        id: row.id,
        commitment: row.commitment,
        recomputed: recomputed.0,
        matches,
    })
}
