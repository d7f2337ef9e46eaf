//! Benchmark suites (Sec. 3(a)): evaluators define suites of cyber tasks as
//! labelled, versioned records. `put` creates a suite or revises it: the
//! version is the domain's content digest of the task list
//! (`clearinghouse_domain::frontier::suite`), so the same list keeps its
//! version and a changed list is the next version; older versions stay
//! readable, and runs record the version they were scored against.
//!
//! Labels: `tlp` defaults to `AMBER+STRICT` and `visibility` to the empty
//! expression (the evaluator's organisation reads it); a suite may be put
//! before other agencies at `AMBER` with `shared_with_orgs`, and marked
//! e.g. `FRONTIER & CLASSIFIED` by an evaluator who holds both. Labels are
//! set when the suite is created; a revision keeps them. Tasks, versions
//! and runs carry the suite's labels.

use clearinghouse_domain::frontier::suite::{Difficulty, ErroredSamples, Suite, SuiteError, Task};
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
use crate::model::Page;
use crate::store;
use crate::store::frontier::suites::{SuiteRow, VersionRow, list_readable};
use crate::workflows::new_id;
use crate::workflows::read_policy::{PolicyReader, authored_labels, readable_page, shared_orgs};

/// Who defines suites and imports runs.
pub const EVALUATORS: &[Role] = &[Role::Evaluator];

/// One task as an evaluator gives it.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTask {
    /// What evaluation logs name (an Inspect sample id).
    pub id: String,
    /// Default: the id.
    pub name: Option<String>,
    #[serde(default)]
    pub categories: Vec<String>,
    /// The fastest human first-solve time, in seconds.
    pub first_solve_seconds: Option<u64>,
    /// The source's difficulty level.
    pub level: Option<u8>,
}

/// A suite as an evaluator defines (or revises) it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSuite {
    /// The suite's short name (`cybench`), unique in your organisation.
    pub key: String,
    /// Default: the key.
    pub name: Option<String>,
    /// `count_as_failure` (default) or `exclude`.
    pub errored_samples: Option<String>,
    pub tasks: Vec<NewTask>,
    /// TLP 2.0 marking at creation; default `AMBER+STRICT`.
    pub tlp: Option<String>,
    /// Visibility expression at creation; default empty. You must hold it.
    pub visibility: Option<String>,
    /// Organisations (ids) an `AMBER` suite is shared with, at creation.
    #[serde(default)]
    pub shared_with_orgs: Vec<String>,
}

/// A suite version's identity.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VersionView {
    pub id: String,
    pub number: i64,
    /// SHA-256 of the canonical task list.
    pub digest: String,
    pub task_count: i64,
    pub created_at: String,
}

/// A suite at one version, with its tasks.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SuiteView {
    pub id: String,
    pub key: String,
    pub name: String,
    pub owner_org: String,
    pub errored_samples: String,
    pub tlp: String,
    pub visibility: String,
    pub shared_with_orgs: Vec<String>,
    pub version: VersionView,
    /// The newest version's number (the one new runs are scored against).
    pub current_version: i64,
    #[schema(value_type = Vec<Object>)]
    pub tasks: Vec<Task>,
    pub created_at: String,
    pub updated_at: String,
}

/// A text rule's error as a problem naming its field once.
pub fn text_error(e: clearinghouse_domain::text::TextError) -> AppError {
    let field = e.field().to_owned();
    let full = e.to_string();
    let message = full
        .strip_prefix(&format!("{field}: "))
        .unwrap_or(&full)
        .to_owned();
    AppError::invalid(field, message)
}

fn suite_error(e: SuiteError) -> AppError {
    match e {
        SuiteError::Empty => AppError::invalid("tasks", "at least one task"),
        SuiteError::BadTaskId { index, reason } => {
            AppError::invalid(format!("tasks[{index}].id"), reason)
        }
        SuiteError::DuplicateTask(id) => {
            AppError::invalid("tasks", format!("duplicate task id {id:?}"))
        }
        SuiteError::Required { field } => {
            AppError::invalid(if field == "id" { "key" } else { field }, "is required")
        }
    }
}

fn errored_policy(text: &str) -> AppResult<ErroredSamples> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|_| AppError::invalid("errored_samples", "must be count_as_failure or exclude"))
}

fn policy_text(p: ErroredSamples) -> &'static str {
    match p {
        ErroredSamples::CountAsFailure => "count_as_failure",
        ErroredSamples::Exclude => "exclude",
    }
}

fn check_key(key: &str) -> AppResult<String> {
    let key = key.trim();
    if key.is_empty()
        || key.len() > 100
        || !key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err(AppError::invalid(
            "key",
            "1 to 100 letters, digits, '-', '_' or '.'",
        ));
    }
    Ok(key.to_owned())
}

fn tasks_of(input: &[NewTask]) -> AppResult<Vec<Task>> {
    if input.len() > 10_000 {
        return Err(AppError::invalid("tasks", "at most 10,000 tasks"));
    }
    let mut out = Vec::with_capacity(input.len());
    for (i, t) in input.iter().enumerate() {
        if t.id.trim().is_empty() {
            return Err(AppError::invalid(format!("tasks[{i}].id"), "is empty"));
        }
        let name = t.name.clone().unwrap_or_else(|| t.id.clone());
        clearinghouse_domain::text::validate_title(&format!("tasks[{i}].name"), &name, 300)
            .map_err(text_error)?;
        for (j, c) in t.categories.iter().enumerate() {
            if c.trim().is_empty() || c.len() > 100 || c.chars().any(char::is_control) {
                return Err(AppError::invalid(
                    format!("tasks[{i}].categories[{j}]"),
                    "1 to 100 characters, no control characters",
                ));
            }
        }
        out.push(Task {
            id: t.id.trim().to_owned(),
            name: name.trim().to_owned(),
            categories: t.categories.iter().map(|c| c.trim().to_owned()).collect(),
            difficulty: Difficulty {
                first_solve_seconds: t.first_solve_seconds,
                level: t.level,
            },
        });
    }
    Ok(out)
}

/// The domain suite a stored row and version describe.
pub fn domain_suite(row: &SuiteRow, v: &VersionRow) -> AppResult<Suite> {
    let tasks: Vec<Task> = serde_json::from_str(&v.tasks)
        .map_err(|e| AppError::internal_msg(format!("stored suite {}: {e}", row.id)))?;
    Ok(Suite {
        id: row.key.clone(),
        name: row.name.clone(),
        version: clearinghouse_domain::frontier::suite::SuiteVersion {
            number: u32::try_from(v.number).unwrap_or(u32::MAX),
            digest: v.digest.clone(),
        },
        errored_samples: errored_policy(&row.errored_samples)?,
        tasks,
    })
}

fn version_view(v: &VersionRow) -> VersionView {
    VersionView {
        id: v.id.clone(),
        number: v.number,
        digest: v.digest.clone(),
        task_count: v.task_count,
        created_at: v.created_at.clone(),
    }
}

fn view(row: SuiteRow, v: &VersionRow) -> AppResult<SuiteView> {
    let tasks = domain_suite(&row, v)?.tasks;
    Ok(SuiteView {
        version: version_view(v),
        current_version: row.current_version,
        tasks,
        id: row.id,
        key: row.key,
        name: row.name,
        owner_org: row.owner_org,
        errored_samples: row.errored_samples,
        tlp: row.tlp,
        visibility: row.visibility,
        shared_with_orgs: row.shared_with_orgs,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn version_row(suite_id: &str, suite: &Suite, who: &Principal, now: &str) -> AppResult<VersionRow> {
    Ok(VersionRow {
        id: new_id(),
        suite_id: suite_id.to_owned(),
        number: i64::from(suite.version.number),
        digest: suite.version.digest.clone(),
        tasks: serde_json::to_string(&suite.tasks).map_err(|e| AppError::internal("tasks", e))?,
        task_count: suite.tasks.len() as i64,
        created_by: who.user_id().to_owned(),
        created_at: now.to_owned(),
    })
}

async fn labels(
    app: &AppState,
    who: &Principal,
    input: &NewSuite,
) -> AppResult<(Tlp, Visibility, Vec<String>)> {
    let (tlp, visibility) =
        authored_labels(who, input.tlp.as_deref(), input.visibility.as_deref(), "")?;
    let shared = shared_orgs(app, &input.shared_with_orgs).await?;
    Ok((tlp, visibility, shared))
}

/// Creates the suite, or revises the caller's organisation's suite of this
/// key. Returns `(changed, suite)`: false when the task list was already
/// the current version (nothing written).
pub async fn put(app: &AppState, who: &Principal, input: NewSuite) -> AppResult<(bool, SuiteView)> {
    who.require(Scope::EvaluationsWrite, EVALUATORS)?;
    let key = check_key(&input.key)?;
    let name = input.name.clone().unwrap_or_else(|| key.clone());
    let name =
        clearinghouse_domain::text::validate_title("name", &name, 300).map_err(text_error)?;
    let policy = errored_policy(
        input
            .errored_samples
            .as_deref()
            .unwrap_or("count_as_failure"),
    )?;
    let tasks = tasks_of(&input.tasks)?;
    let fresh = Suite::new(&key, &name, policy, tasks.clone()).map_err(suite_error)?;
    let (tlp, visibility, shared) = labels(app, who, &input).await?;
    let now = clock::now_text();
    let mut tx = app.store.begin_write().await?;
    let existing = store::frontier::suites::by_key_for_update(&mut tx, who.org_id(), &key).await?;
    let (changed, row) = match existing {
        None => {
            let row = SuiteRow {
                id: new_id(),
                key: key.clone(),
                owner_org: who.org_id().to_owned(),
                created_by: who.user_id().to_owned(),
                name: fresh.name.clone(),
                errored_samples: policy_text(policy).to_owned(),
                tlp: tlp.as_str().to_owned(),
                visibility: visibility.as_str().to_owned(),
                shared_with_orgs: shared,
                current_version: 1,
                created_at: now.clone(),
                updated_at: now.clone(),
            };
            let vis_id = store::labels::intern(&mut tx, &row.visibility).await?;
            store::frontier::suites::insert(&mut tx, &row, vis_id).await?;
            let v = version_row(&row.id, &fresh, who, &now)?;
            store::frontier::suites::insert_version(&mut tx, &v).await?;
            let event = AuditEvent {
                action: "suite.create",
                object_type: "suite",
                object_id: &row.id,
                change: json!({"suite_id": row.id, "key": key, "version": 1, "digest": v.digest,
                    "tasks": v.task_count, "tlp": row.tlp, "visibility": row.visibility}),
            };
            app.audit.record(&mut tx, &app.store, who, &[event]).await?;
            (true, row)
        }
        Some(row) => {
            let current = store::frontier::suites::version(&mut *tx, &row.id, row.current_version)
                .await?
                .ok_or_else(|| {
                    AppError::internal_msg(format!("suite {} lost its version", row.id))
                })?;
            let old = domain_suite(&row, &current)?;
            let revised = old.revise(tasks).map_err(suite_error)?;
            if revised.version.number == old.version.number {
                drop(tx);
                let found = get(app, who, &row.id).await?;
                return Ok((false, found));
            }
            let v = version_row(&row.id, &revised, who, &now)?;
            store::frontier::suites::insert_version(&mut tx, &v).await?;
            if !store::frontier::suites::advance(
                &mut tx,
                &row.id,
                row.current_version,
                v.number,
                &name,
                &now,
            )
            .await?
            {
                return Err(AppError::Conflict(
                    "the suite was revised concurrently; try again".into(),
                ));
            }
            let event = AuditEvent {
                action: "suite.revise",
                object_type: "suite",
                object_id: &row.id,
                change: json!({"suite_id": row.id, "key": key, "from_version": row.current_version,
                    "version": v.number, "digest": v.digest, "tasks": v.task_count}),
            };
            app.audit.record(&mut tx, &app.store, who, &[event]).await?;
            (true, row)
        }
    };
    tx.commit().await?;
    // The answer is the suite as stored (shares included), read back
    // through the read policy like any other read.
    Ok((changed, get(app, who, &row.id).await?))
}

/// The suite named by id or key, if the caller reads exactly one.
pub async fn resolve(app: &AppState, who: &Principal, name: &str) -> AppResult<SuiteRow> {
    who.require_scope(Scope::EvaluationsRead)?;
    let reader = PolicyReader::of(app, who).await?;
    let found =
        store::frontier::suites::find_readable(&app.store.pool, name, &reader.filter()).await?;
    let by_id: Vec<&SuiteRow> = found.iter().filter(|s| s.id == name).collect();
    if let [one] = by_id.as_slice() {
        return Ok((*one).clone());
    }
    let own: Vec<&SuiteRow> = found
        .iter()
        .filter(|s| s.owner_org == who.org_id())
        .collect();
    match (found.as_slice(), own.as_slice()) {
        (_, [one]) => Ok((*one).clone()),
        ([one], _) => Ok(one.clone()),
        ([], _) => Err(AppError::NotFound),
        _ => Err(AppError::Conflict(format!(
            "several suites you may read are called {name:?}; name one by its id"
        ))),
    }
}

/// A suite (by id or key) at its current version.
pub async fn get(app: &AppState, who: &Principal, name: &str) -> AppResult<SuiteView> {
    let row = resolve(app, who, name).await?;
    let v = store::frontier::suites::version(&app.store.pool, &row.id, row.current_version)
        .await?
        .ok_or(AppError::NotFound)?;
    view(row, &v)
}

/// A suite at one of its versions.
pub async fn get_version(
    app: &AppState,
    who: &Principal,
    name: &str,
    number: i64,
) -> AppResult<SuiteView> {
    let row = resolve(app, who, name).await?;
    let v = store::frontier::suites::version(&app.store.pool, &row.id, number)
        .await?
        .ok_or(AppError::NotFound)?;
    view(row, &v)
}

/// Every version of a suite, oldest first.
pub async fn versions(app: &AppState, who: &Principal, name: &str) -> AppResult<Vec<VersionView>> {
    let row = resolve(app, who, name).await?;
    Ok(store::frontier::suites::versions(&app.store.pool, &row.id)
        .await?
        .iter()
        .map(version_view)
        .collect())
}

/// Suites the caller may read (current versions).
pub async fn list(
    app: &AppState,
    who: &Principal,
    cursor: Option<&str>,
    limit: Option<i64>,
) -> AppResult<Page<SuiteView>> {
    let page = readable_page(
        app,
        who,
        Scope::EvaluationsRead,
        cursor,
        limit,
        list_readable,
    )
    .await?;
    let mut items = Vec::with_capacity(page.items.len());
    for row in page.items {
        let v = store::frontier::suites::version(&app.store.pool, &row.id, row.current_version)
            .await?
            .ok_or_else(|| AppError::internal_msg(format!("suite {} lost its version", row.id)))?;
        items.push(view(row, &v)?);
    }
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}
