//! Coordination cases (issue 15): a coordinator opens a case for one or
//! more vulnerabilities (CVE or CHX ids, or validated findings) with a
//! target disclosure date and a TLP (AMBER by default), invites
//! organisations with a case role, and each invited organisation's admin
//! joins. Case data is read only by its participants and the case staff
//! ([`CASE_STAFF`]: coordinators, not validators), under the one read
//! policy (`store::cases::CASES`: owner = the coordinating organisation,
//! `record_shares` = the participants, named = the case staff), and anyone
//! else gets 404 on every case route, as for a missing id. An invited
//! organisation reads the case to decide; it posts messages and states
//! product status only once it has joined (403 "join the case first").
//! Every change is audited in its transaction (ids and a digest, never the
//! text), appended to the case's timeline, and told to the organisations
//! concerned through the inbox (`notifications::enqueue`: webhooks and
//! email follow). `messages.rs` holds messages and the timeline,
//! `vendors.rs` the vendor map, `patches.rs` patch distribution,
//! message attachments and remediation progress, `vulns.rs` the case's
//! vulnerabilities read through the case by its joined participants.
//!
//! Scopes: reading uses `advisories:read`, writing `advisories:write` (a
//! case is about vulnerabilities); the role and the participation are the
//! real gates.

pub mod csaf;
pub mod exports;
pub mod feed;
pub mod messages;
pub mod mine;
pub mod participants;
pub mod patch_fixes;
pub mod patches;
pub mod publish;
pub mod statements;
pub mod vendors;
pub mod vulns;

use crate::model::notify::NotificationKind;
use std::collections::BTreeMap;

use clearinghouse_domain::cases::{CaseInput, CaseRole, EventKind, VulnRef, responsiveness};
use clearinghouse_domain::frontier::date::CalendarDate;
use clearinghouse_domain::identity::{Role, Scope};
use clearinghouse_domain::labels::{RecordLabels, Tlp, can_read};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::audit_log::AuditEvent;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::model::Page;
use crate::store;
use crate::store::cases::messages::EventRow;
use crate::store::cases::{CaseRow, ParticipantRow};
use crate::workflows::notifications::{self, NewNotification};
use crate::workflows::read_policy::{PolicyReader, parse_labels, stored_tlp};
use crate::workflows::{into_page, new_id, page_size};

/// Who opens cases and invites organisations.
pub const COORDINATORS: &[Role] = &[Role::Coordinator];

/// The staff of cases, named readers of every case: coordinators. A
/// validator reviews findings; other organisations' embargoed
/// coordination is not addressed to it.
pub const CASE_STAFF: &[Role] = COORDINATORS;

/// The policy's view of `who` for case data: staff only through [`CASE_STAFF`].
async fn case_reader(app: &AppState, who: &Principal) -> AppResult<PolicyReader> {
    let mut reader = PolicyReader::of(app, who).await?;
    reader.staff = who.has_any_role(CASE_STAFF);
    Ok(reader)
}

/// What a coordinator opens a case with.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    /// 1 to 300 characters.
    pub title: String,
    /// Up to 20,000 characters.
    #[serde(default)]
    pub summary: String,
    /// CVE ids, CHX ids or ids of validated findings (1 to 100).
    pub vulnerabilities: Vec<String>,
    /// `YYYY-MM-DD`, today or later: the target public disclosure date.
    pub target_date: String,
    /// `CLEAR`, `GREEN` or `AMBER` (default).
    pub tlp: Option<String>,
}

/// An invitation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Invite {
    /// The organisation invited.
    pub org_id: String,
    /// `reporter`, `vendor`, `coordinator`, `operator` or `government`.
    pub role: String,
}

/// A vulnerability of a case.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseVulnerability {
    /// The vulnerability (group) id, as `/vulnerabilities/{id}` takes it.
    pub id: String,
    /// The id the coordinator named it by.
    pub named_as: String,
}

/// A participant organisation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Participant {
    pub org_id: String,
    pub org_name: String,
    /// `reporter`, `vendor`, `coordinator`, `operator` or `government`.
    pub role: String,
    pub invited_by: String,
    pub invited_at: String,
    pub joined_at: Option<String>,
    /// When a member of it last opened the case or its messages.
    pub last_seen_at: Option<String>,
    /// `joined`, `invited`, or `unresponsive` (invited 7 or more days ago
    /// and not joined).
    pub status: String,
}

/// A case as its participants see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Case {
    pub id: String,
    pub owner_org: String,
    pub title: String,
    pub summary: String,
    /// `open` or `published`.
    pub state: String,
    /// The target public disclosure date (`YYYY-MM-DD`): the embargo.
    pub target_date: String,
    pub published_at: Option<String>,
    #[schema(value_type = String)]
    pub tlp: Tlp,
    pub visibility: String,
    pub vulnerabilities: Vec<CaseVulnerability>,
    pub participants: Vec<Participant>,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

/// A case in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseSummary {
    pub id: String,
    pub title: String,
    pub state: String,
    pub target_date: String,
    #[schema(value_type = String)]
    pub tlp: Tlp,
    pub updated_at: String,
}

pub(crate) fn case_error(e: clearinghouse_domain::cases::CaseError) -> AppError {
    AppError::invalid(e.field, e.message)
}

pub(crate) fn today() -> AppResult<CalendarDate> {
    let now = clock::now_text();
    CalendarDate::parse(now.get(..10).unwrap_or_default())
        .map_err(|e| AppError::internal("today's date", e))
}

fn digest(value: &serde_json::Value) -> String {
    hex::encode(Sha256::digest(value.to_string().as_bytes()))
}

/// Audits one change of a case and appends it to the timeline, in `tx`.
pub(crate) async fn record(
    app: &AppState,
    tx: &mut store::Tx,
    who: &Principal,
    action: &'static str,
    case_id: &str,
    event: (EventKind, Option<&str>, serde_json::Value),
) -> AppResult<()> {
    let (kind, org_id, detail) = event;
    let now = clock::now_text();
    store::cases::messages::insert_event(
        tx,
        &EventRow {
            id: new_id(),
            case_id: case_id.to_owned(),
            kind: kind.as_str().to_owned(),
            actor: who.user_id().to_owned(),
            org_id: org_id.map(str::to_owned),
            detail: detail.to_string(),
            created_at: now.clone(),
        },
    )
    .await?;
    store::cases::touch(tx, case_id, &now).await?;
    let audit = AuditEvent {
        action,
        object_type: "case",
        object_id: case_id,
        change: json!({"case_id": case_id, "org_id": org_id, "event": kind.as_str(),
                       "detail_sha256": digest(&detail)}),
    };
    Ok(app.audit.record(tx, &app.store, who, &[audit]).await?)
}

/// How a notice names a case to people: its title in quotes and the
/// vulnerabilities it concerns as they were named (`“Paramiko auth bypass”
/// (CVE-2018-1000805)`), never its id.
pub(crate) async fn case_words(conn: &mut store::AnyConnection, c: &CaseRow) -> AppResult<String> {
    let named: Vec<String> = store::cases::vulnerabilities(conn, &c.id)
        .await?
        .into_iter()
        .map(|(_, named)| named)
        .collect();
    Ok(format!("“{}” ({})", c.title, vuln_words(&named)))
}

/// Vulnerability names for a sentence: the first five, then how many more.
pub(crate) fn vuln_words(named: &[String]) -> String {
    match named.len() {
        0..=5 => named.join(", "),
        n => format!("{} and {} more", named[..5].join(", "), n - 5),
    }
}

/// An organisation's name for a sentence (its id only if it is gone).
pub(crate) async fn org_words(conn: &mut store::AnyConnection, org_id: &str) -> AppResult<String> {
    Ok(store::accounts::orgs::get(&mut *conn, org_id)
        .await?
        .map_or_else(|| "An organisation".to_owned(), |o| o.name))
}

/// A notification about a case to one organisation, under the case's labels.
pub(crate) fn notice(
    c: &CaseRow,
    org_id: &str,
    kind: NotificationKind,
    title: String,
    body: String,
) -> NewNotification {
    NewNotification {
        tlp: c.tlp.clone(),
        visibility: c.visibility.clone(),
        ..NewNotification::to_org(
            org_id,
            kind,
            title,
            body,
            json!({"case_id": c.id, "kind": kind}),
        )
    }
}

/// The case if `who` may read it: the policy's SQL filter, then the
/// domain's `can_read` on the row with its participants. Anything else
/// (missing, not a participant, labels not satisfied) is 404.
pub(crate) async fn readable(app: &AppState, who: &Principal, id: &str) -> AppResult<CaseRow> {
    let reader = case_reader(app, who).await?;
    let c = store::cases::get_readable(&app.store.pool, id, &reader.filter())
        .await?
        .ok_or(AppError::NotFound)?;
    let mut conn = app.store.pool.acquire().await?;
    let shared: Vec<String> = store::cases::participants(&mut conn, &c.id)
        .await?
        .into_iter()
        .map(|p| p.org_id)
        .collect();
    drop(conn);
    let (tlp, visibility) = parse_labels(&c.tlp, &c.visibility)?;
    let named = if reader.staff {
        vec![who.user_id().to_owned()]
    } else {
        Vec::new()
    };
    let labels = RecordLabels {
        tlp,
        visibility: &visibility,
        owner_org: &c.owner_org,
        shared_with_orgs: &shared,
        named_readers: &named,
    };
    if !can_read(&who.reader(), &labels) {
        return Err(AppError::NotFound);
    }
    Ok(c)
}

/// Whole days from an RFC 3339 time to now (0 when it does not parse).
fn days_since(t: &str) -> i64 {
    clock::parse(t).map_or(0, |t| (clock::now() - t).whole_days())
}

async fn view(app: &AppState, c: CaseRow) -> AppResult<Case> {
    let mut conn = app.store.pool.acquire().await?;
    let vulnerabilities = store::cases::vulnerabilities(&mut conn, &c.id)
        .await?
        .into_iter()
        .map(|(id, named_as)| CaseVulnerability { id, named_as })
        .collect();
    let rows = store::cases::participants(&mut conn, &c.id).await?;
    let mut participants = Vec::with_capacity(rows.len());
    for p in rows {
        let org_name = store::accounts::orgs::get(&mut *conn, &p.org_id)
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        let status = responsiveness(p.joined_at.is_some(), days_since(&p.invited_at));
        participants.push(Participant {
            org_id: p.org_id,
            org_name,
            role: p.role,
            invited_by: p.invited_by,
            invited_at: p.invited_at,
            joined_at: p.joined_at,
            last_seen_at: p.last_seen_at,
            status: status.as_str().to_owned(),
        });
    }
    Ok(Case {
        id: c.id,
        owner_org: c.owner_org,
        title: c.title,
        summary: c.summary,
        state: c.state,
        target_date: c.target_date,
        published_at: c.published_at,
        tlp: stored_tlp(&c.tlp)?,
        visibility: c.visibility,
        vulnerabilities,
        participants,
        created_by: c.created_by,
        created_at: c.created_at,
        updated_at: c.updated_at,
    })
}

/// The vulnerability group `named` points to, if the opener may read it.
async fn resolve(
    app: &AppState,
    reader: &PolicyReader,
    named: &VulnRef,
) -> AppResult<Option<String>> {
    let mut conn = app.store.pool.acquire().await?;
    let id = match named {
        VulnRef::Cve(id) | VulnRef::Chx(id) => id.clone(),
        VulnRef::Finding(f) => match store::cases::finding_vulnerability(&mut conn, f).await? {
            Some(v) => v,
            None => return Ok(None),
        },
    };
    let Some(vuln_id) = store::advisories::vuln_id_for(&mut *conn, &id).await? else {
        return Ok(None);
    };
    let ok = store::advisories::vuln_readable(&mut *conn, &vuln_id, &reader.filter()).await?;
    Ok(ok.then_some(vuln_id))
}

/// Opens a case (coordinators). The coordinator's organisation is its
/// owner and first participant (role `coordinator`, joined).
pub async fn open(app: &AppState, who: &Principal, input: NewCase) -> AppResult<Case> {
    who.require(Scope::AdvisoriesWrite, COORDINATORS)?;
    let form = CaseInput {
        title: input.title,
        summary: input.summary,
        vulnerabilities: input.vulnerabilities,
        target_date: input.target_date,
        tlp: input.tlp,
    };
    let valid = form.validate(today()?).map_err(case_error)?;
    let reader = PolicyReader::of(app, who).await?;
    let mut groups: BTreeMap<String, String> = BTreeMap::new();
    for (i, given) in form.vulnerabilities.iter().enumerate() {
        let field = format!("vulnerabilities[{i}]");
        let named = VulnRef::parse(&field, given).map_err(case_error)?;
        let vuln_id = resolve(app, &reader, &named).await?.ok_or_else(|| {
            AppError::invalid(
                field,
                "no vulnerability you may read has this id (a finding must be validated)",
            )
        })?;
        groups
            .entry(vuln_id)
            .or_insert_with(|| named.as_str().to_owned());
    }
    let now = clock::now_text();
    let row = CaseRow {
        id: new_id(),
        owner_org: who.org_id().to_owned(),
        title: valid.title,
        summary: valid.summary,
        state: "open".into(),
        target_date: valid.target_date.to_string(),
        tlp: valid.tlp.as_str().to_owned(),
        visibility: String::new(),
        created_by: who.user_id().to_owned(),
        created_at: now.clone(),
        updated_at: now.clone(),
        published_at: None,
    };
    let vulns: Vec<(String, String)> = groups.into_iter().collect();
    let mut tx = app.store.begin_write().await?;
    let vis_id = store::labels::intern(&mut tx, &row.visibility).await?;
    store::cases::insert(&mut tx, &row, vis_id, &vulns).await?;
    store::cases::insert_participant(
        &mut tx,
        &ParticipantRow {
            case_id: row.id.clone(),
            org_id: row.owner_org.clone(),
            role: CaseRole::Coordinator.as_str().to_owned(),
            invited_by: who.user_id().to_owned(),
            invited_at: now.clone(),
            joined_at: Some(now.clone()),
            joined_by: Some(who.user_id().to_owned()),
            last_seen_at: Some(now),
        },
    )
    .await?;
    let ids: Vec<&str> = vulns.iter().map(|(v, _)| v.as_str()).collect();
    let detail = json!({"vulnerabilities": ids, "target_date": row.target_date, "tlp": row.tlp});
    record(
        app,
        &mut tx,
        who,
        "case.open",
        &row.id,
        (EventKind::Opened, Some(&row.owner_org), detail),
    )
    .await?;
    tx.commit().await?;
    view(app, row).await
}

/// One case with its vulnerabilities and participants; a participant's
/// visit is recorded as its organisation's `last_seen_at`.
pub async fn get(app: &AppState, who: &Principal, id: &str) -> AppResult<Case> {
    who.require_scope(Scope::AdvisoriesRead)?;
    let c = readable(app, who, id).await?;
    seen(app, who, &c.id).await?;
    view(app, c).await
}

/// Records that a member of a participant organisation looked at a case.
pub(crate) async fn seen(app: &AppState, who: &Principal, case_id: &str) -> AppResult<()> {
    if !who.is_agent() {
        store::cases::touch_seen(&app.store.pool, case_id, who.org_id(), &clock::now_text())
            .await?;
    }
    Ok(())
}

/// Cases the caller may read, in id order.
pub async fn list(
    app: &AppState,
    who: &Principal,
    cursor: Option<&str>,
    limit: Option<i64>,
) -> AppResult<Page<CaseSummary>> {
    who.require_scope(Scope::AdvisoriesRead)?;
    let reader = case_reader(app, who).await?;
    let limit = page_size(limit);
    let rows =
        store::cases::list_readable(&app.store.pool, &reader.filter(), cursor, limit + 1).await?;
    let page = into_page(rows, limit, |c| c.id.clone());
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(|c| {
                Ok(CaseSummary {
                    tlp: stored_tlp(&c.tlp)?,
                    id: c.id,
                    title: c.title,
                    state: c.state,
                    target_date: c.target_date,
                    updated_at: c.updated_at,
                })
            })
            .collect::<AppResult<_>>()?,
        next_cursor: page.next_cursor,
    })
}

/// Invites an organisation with a case role (coordinators who may read the
/// case). It reads the case from now on and is told through its inbox.
pub async fn invite(app: &AppState, who: &Principal, id: &str, input: Invite) -> AppResult<Case> {
    who.require_scope(Scope::AdvisoriesWrite)?;
    let c = readable(app, who, id).await?;
    who.require(Scope::AdvisoriesWrite, COORDINATORS)?;
    let role: CaseRole = input.role.parse().map_err(case_error)?;
    let org = store::accounts::orgs::get(&app.store.pool, &input.org_id)
        .await?
        .ok_or_else(|| AppError::invalid("org_id", "no such organisation"))?;
    if org.archived_at.is_some() {
        return Err(AppError::invalid("org_id", "the organisation is archived"));
    }
    let now = clock::now_text();
    let mut tx = app.store.begin_write().await?;
    store::cases::insert_participant(
        &mut tx,
        &ParticipantRow {
            case_id: c.id.clone(),
            org_id: org.id.clone(),
            role: role.as_str().to_owned(),
            invited_by: who.user_id().to_owned(),
            invited_at: now,
            joined_at: None,
            joined_by: None,
            last_seen_at: None,
        },
    )
    .await
    .map_err(|e| match e {
        store::StoreError::Conflict(what) => AppError::Conflict(what.to_owned()),
        e => e.into(),
    })?;
    record(
        app,
        &mut tx,
        who,
        "case.invite",
        &c.id,
        (
            EventKind::Invited,
            Some(&org.id),
            json!({"role": role.as_str()}),
        ),
    )
    .await?;
    let words = case_words(&mut tx, &c).await?;
    let by = org_words(&mut tx, who.org_id()).await?;
    let n = notice(
        &c,
        &org.id,
        NotificationKind::CaseInvited,
        format!("Invitation to a coordination case as {role}: {}", c.title),
        format!(
            "{by} invites your organisation as {role} to the coordination case {words}, target \
             disclosure date {}. An administrator of your organisation joins it from the case page.",
            c.target_date
        ),
    );
    notifications::enqueue(app, &mut tx, n).await?;
    tx.commit().await?;
    view(app, c).await
}

/// An invited organisation's administrator joins the case on its behalf.
pub async fn join(app: &AppState, who: &Principal, id: &str) -> AppResult<Case> {
    who.require_scope(Scope::AdvisoriesWrite)?;
    let c = readable(app, who, id).await?;
    let mut tx = app.store.begin_write().await?;
    let Some(p) = store::cases::participant(&mut tx, &c.id, who.org_id()).await? else {
        return Err(AppError::forbidden(
            "only an organisation invited to the case joins it",
        ));
    };
    if !who.has_any_role(&[Role::OrgAdmin]) {
        return Err(AppError::forbidden(
            "an administrator of the invited organisation (org_admin) joins the case",
        ));
    }
    if !store::cases::join(
        &mut tx,
        &c.id,
        who.org_id(),
        who.user_id(),
        &clock::now_text(),
    )
    .await?
    {
        return Err(AppError::Conflict(
            "your organisation has already joined this case".into(),
        ));
    }
    record(
        app,
        &mut tx,
        who,
        "case.join",
        &c.id,
        (
            EventKind::Joined,
            Some(who.org_id()),
            json!({"role": p.role}),
        ),
    )
    .await?;
    if c.owner_org != who.org_id() {
        let words = case_words(&mut tx, &c).await?;
        let by = org_words(&mut tx, who.org_id()).await?;
        let n = notice(
            &c,
            &c.owner_org,
            NotificationKind::CaseJoined,
            format!("A {} joined the case: {}", p.role, c.title),
            format!("{by} joined the coordination case {words} as {}.", p.role),
        );
        notifications::enqueue(app, &mut tx, n).await?;
    }
    tx.commit().await?;
    view(app, c).await
}
