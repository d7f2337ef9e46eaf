//! The embargo as dates: the coordinator moves a case's target disclosure
//! date with a reason (recorded on the timeline, participants told), and
//! the case is published on that date by the `cases.publish_due` job
//! (unless the date was moved later), or earlier by the coordinator with a
//! reason (a vulnerability exploited in the wild, newly in KEV).
//! Publication lifts the embargo of the case's vulnerabilities, re-matches
//! them so that every exposed operator (vetted or not) gets its exposure,
//! and tells every organisation with an unresolved exposure, and the
//! participants, in the publication's transaction.

use crate::model::notify::NotificationKind;
use clearinghouse_domain::cases::{EventKind, parse_future_date, validate_reason};
use clearinghouse_domain::identity::Scope;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::{
    COORDINATORS, Case, case_error, case_words, notice, readable, record, today, view, vuln_words,
};
use crate::app::AppState;
use crate::auth::{Principal, Via};
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::matching;
use crate::model::User;
use crate::store;
use crate::store::cases::CaseRow;
use crate::workflows::exposure::exposures::notify_changes;
use crate::workflows::notifications::{self, NewNotification};

/// Most cases one run of the publication job publishes.
pub const DUE_PER_RUN: i64 = 100;

/// A new target date.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveDate {
    /// `YYYY-MM-DD`, today or later.
    pub target_date: String,
    /// Why (1 to 2000 characters); shown to the participants.
    pub reason: String,
}

/// A publication now.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Publish {
    /// Required before the target date (early publication): why.
    pub reason: Option<String>,
}

/// Moves the target disclosure date (coordinators), with a reason.
pub async fn move_date(
    app: &AppState,
    who: &Principal,
    id: &str,
    input: MoveDate,
) -> AppResult<Case> {
    who.require_scope(Scope::AdvisoriesWrite)?;
    let c = readable(app, who, id).await?;
    who.require(Scope::AdvisoriesWrite, COORDINATORS)?;
    let date =
        parse_future_date("target_date", &input.target_date, today()?).map_err(case_error)?;
    let reason = validate_reason(&input.reason).map_err(case_error)?;
    let now = clock::now_text();
    let mut tx = app.store.begin_write().await?;
    if !store::cases::set_target_date(&mut tx, &c.id, &date.to_string(), &now).await? {
        return Err(AppError::Conflict(format!(
            "the case is {}: its date no longer moves",
            c.state
        )));
    }
    let detail = json!({"from": c.target_date, "to": date.to_string(), "reason": reason});
    record(
        app,
        &mut tx,
        who,
        "case.move_date",
        &c.id,
        (EventKind::DateMoved, None, detail),
    )
    .await?;
    let words = case_words(&mut tx, &c).await?;
    let told: Vec<NewNotification> = store::cases::participants(&mut tx, &c.id)
        .await?
        .iter()
        .filter(|p| p.org_id != who.org_id())
        .map(|p| {
            notice(
                &c,
                &p.org_id,
                NotificationKind::CaseDateMoved,
                format!("Disclosure date moved to {date}: {}", c.title),
                format!(
                    "The target disclosure date of the coordination case {words} moved from {} \
                     to {date}: {reason}",
                    c.target_date
                ),
            )
        })
        .collect();
    notifications::enqueue_many(app, &mut tx, told).await?;
    tx.commit().await?;
    let c = readable(app, who, id).await?;
    view(app, c).await
}

/// Publishes a case now (coordinators): before its target date only with a
/// reason (early publication).
pub async fn publish(app: &AppState, who: &Principal, id: &str, input: Publish) -> AppResult<Case> {
    who.require_scope(Scope::AdvisoriesWrite)?;
    let c = readable(app, who, id).await?;
    who.require(Scope::AdvisoriesWrite, COORDINATORS)?;
    // The state first: a published case is not published again, whatever
    // the reason given.
    if c.state == "published" {
        return Err(AppError::Conflict("the case is already published".into()));
    }
    let early = c.target_date.as_str() > today()?.to_string().as_str();
    let reason = match (&input.reason, early) {
        (Some(r), _) => Some(validate_reason(r).map_err(case_error)?),
        (None, true) => {
            return Err(AppError::invalid(
                "reason",
                format!(
                    "publishing before the target date ({}) needs a reason",
                    c.target_date
                ),
            ));
        }
        (None, false) => None,
    };
    publish_case(app, who, &c, early, reason).await?;
    let c = readable(app, who, id).await?;
    view(app, c).await
}

/// Publishes one case in one transaction: state, embargo lifted, exposures
/// re-matched, the timeline, the audit entry and every notification.
async fn publish_case(
    app: &AppState,
    who: &Principal,
    c: &CaseRow,
    early: bool,
    reason: Option<String>,
) -> AppResult<usize> {
    let now = clock::now_text();
    let mut tx = app.store.begin_write().await?;
    if !store::cases::set_published(&mut tx, &c.id, &now).await? {
        return Err(AppError::Conflict(format!("the case is {}", c.state)));
    }
    let (vulns, named): (Vec<String>, Vec<String>) = store::cases::vulnerabilities(&mut tx, &c.id)
        .await?
        .into_iter()
        .unzip();
    let mut lifted = 0;
    for v in &vulns {
        lifted += store::advisories::lift_embargo(&mut tx, v, &now).await?;
        store::advisories::refresh_vulnerability(&mut tx, v, &now).await?;
        let changes = matching::sync_vuln(&mut tx, v, &now).await?;
        notify_changes(app, &mut tx, &changes).await?;
    }
    let revision = super::csaf::revise(app, &mut tx, c, "Initial public release").await?;
    let detail = json!({"early": early, "reason": reason, "vulnerabilities": vulns,
                        "advisories_unembargoed": lifted, "csaf_version": revision});
    record(
        app,
        &mut tx,
        who,
        "case.publish",
        &c.id,
        (EventKind::Published, None, detail),
    )
    .await?;
    let mut orgs = store::cases::exposed_orgs(&mut tx, &vulns).await?;
    orgs.extend(
        store::cases::participants(&mut tx, &c.id)
            .await?
            .into_iter()
            .map(|p| p.org_id),
    );
    orgs.sort();
    orgs.dedup();
    let names = vuln_words(&named);
    let title = &c.title;
    let told: Vec<NewNotification> = orgs
        .iter()
        .map(|org| NewNotification {
            org_id: org.clone(),
            kind: NotificationKind::CasePublished,
            exposure_id: None,
            vuln_id: vulns.first().cloned(),
            tlp: "AMBER".into(),
            visibility: String::new(),
            title: format!("Coordinated disclosure published: {names}"),
            body: format!(
                "The coordinated disclosure of {names} (case “{title}”) is public. Check your \
                 exposures and apply the vendors' fixes."
            ),
            data: json!({"case_id": c.id, "vulnerabilities": vulns}),
        })
        .collect();
    let n = told.len();
    notifications::enqueue_many(app, &mut tx, told).await?;
    tx.commit().await?;
    Ok(n)
}

/// The publication job's work: every open case whose target date has
/// come is published, by the system (a moved date is simply later).
pub async fn publish_due(app: &AppState) -> AppResult<usize> {
    let today = today()?.to_string();
    let system = Principal::new(User::system(), Via::System);
    let mut published = 0;
    for id in store::cases::due(&app.store.pool, &today, DUE_PER_RUN).await? {
        let mut conn = app.store.pool.acquire().await?;
        let Some(c) = store::cases::get_row(&mut conn, &id).await? else {
            continue;
        };
        drop(conn);
        match publish_case(app, &system, &c, false, None).await {
            Ok(_) => published += 1,
            // Published meanwhile by a coordinator: nothing to do.
            Err(AppError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(published)
}
