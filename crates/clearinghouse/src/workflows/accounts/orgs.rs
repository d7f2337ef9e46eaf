//! Organisations: register, list, read, and set the vetted / trusted-partner
//! flags. A flag changes only through a two-person request
//! (`set_organization_flags`, approved by a second coordinator): `vetted`
//! opens the embargo channel to an organisation, so one person (or one
//! stolen token) must not be able to set it.

use clearinghouse_domain::approval::ApprovalRequest;
use clearinghouse_domain::identity::{self, OrgKind, Role, Scope, Sector, validate_display_name};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::audit_log::AuditEvent;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::model::{Approval, Organization, OrganizationWithRequest, Page};
use crate::store;
use crate::workflows::{into_page, new_id, page_size};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganization {
    pub name: String,
    /// `government_agency`, `ai_developer`, `researcher`, `vendor`,
    /// `critical_infrastructure_operator` or `state_local_authority`.
    pub kind: String,
    /// Required for operators: one of the 16 critical-infrastructure sectors.
    pub sector: Option<String>,
    #[serde(default)]
    pub vetted: bool,
    #[serde(default)]
    pub trusted_partner: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationFlags {
    pub vetted: Option<bool>,
    pub trusted_partner: Option<bool>,
}

/// Checks a new organisation against the domain rules.
pub fn validate(input: &NewOrganization) -> AppResult<(String, OrgKind, Option<Sector>)> {
    let name = validate_display_name("name", &input.name)?;
    let kind: OrgKind =
        input
            .kind
            .parse()
            .map_err(|e: clearinghouse_domain::identity::UnknownName| {
                AppError::invalid("kind", e.to_string())
            })?;
    let sector = match (&input.sector, kind.takes_sector()) {
        (Some(s), true) => Some(
            s.parse::<Sector>()
                .map_err(|e| AppError::invalid("sector", e.to_string()))?,
        ),
        (None, true) => {
            return Err(AppError::invalid(
                "sector",
                "is required for critical-infrastructure operators",
            ));
        }
        (Some(_), false) => {
            return Err(AppError::invalid(
                "sector",
                "only critical-infrastructure operators have a sector",
            ));
        }
        (None, false) => None,
    };
    Ok((name, kind, sector))
}

/// Registers an organisation without flags, and files the request for the
/// flags asked for, if any.
pub async fn create(
    app: &AppState,
    who: &Principal,
    input: NewOrganization,
) -> AppResult<OrganizationWithRequest> {
    who.require(Scope::OrgsWrite, &[Role::PlatformAdmin, Role::Coordinator])?;
    let (name, kind, sector) = validate(&input)?;
    let org = Organization {
        id: new_id(),
        name,
        kind,
        sector,
        vetted: false,
        trusted_partner: false,
        created_at: clock::now_text(),
        archived_at: None,
        archive_reason: None,
    };
    let mut tx = app.store.begin_write().await?;
    let key = identity::name_key(&org.name);
    if let Some(existing) = store::accounts::orgs::all_names(&mut *tx)
        .await?
        .into_iter()
        .find(|n| identity::name_key(n) == key)
    {
        return Err(AppError::ConflictOn {
            field: "name".to_owned(),
            message: format!(
                "an organisation named \"{existing}\" already exists (names that differ only \
                 in letter case, spacing, punctuation, accents or look-alike letters are the \
                 same name)"
            ),
        });
    }
    store::accounts::orgs::insert(&mut *tx, &org).await?;
    let event = AuditEvent {
        action: "org.create",
        object_type: "organization",
        object_id: &org.id,
        change: json!(org),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    let flags = OrganizationFlags {
        vetted: input.vetted.then_some(true),
        trusted_partner: input.trusted_partner.then_some(true),
    };
    let flags_request = if flags.vetted.is_some() || flags.trusted_partner.is_some() {
        Some(request_flags(app, &mut tx, who, &org, flags).await?)
    } else {
        None
    };
    tx.commit().await?;
    Ok(OrganizationWithRequest { org, flags_request })
}

/// Who reads the whole directory: the clearinghouse staff (every holder of
/// a privileged role: platform admins, coordinators, validators, auditors,
/// designation authorities, directive managers), whose work spans
/// organisations. Everyone else sees only what they need (S8): their own
/// organisation, and the government agencies they share records with (a
/// model or document shared with an agency). Which hospitals, banks,
/// vendors or labs take part is not every member's business: another
/// organisation is 404, like a missing one, and is counted nowhere.
fn sees_whole_directory(who: &Principal) -> bool {
    who.roles.iter().any(|r| r.is_privileged())
}

/// `Some(own organisation)` when `who` sees only part of the directory.
fn visible_to(who: &Principal) -> Option<&str> {
    (!sees_whole_directory(who)).then(|| who.org_id())
}

/// The directory as `who` may see it (see [`sees_whole_directory`]).
pub async fn list(
    app: &AppState,
    who: &Principal,
    archived: bool,
    cursor: Option<&str>,
    limit: Option<i64>,
) -> AppResult<Page<Organization>> {
    who.require_scope(Scope::OrgsRead)?;
    let limit = page_size(limit);
    let rows = store::accounts::orgs::list(
        &app.store.pool,
        archived,
        visible_to(who),
        cursor,
        limit + 1,
    )
    .await?;
    Ok(into_page(rows, limit, |o| o.id.clone()))
}

/// One page of the organisations table (sorted, filtered, searched) and
/// how many match, of what `who` may see.
pub async fn table(
    app: &AppState,
    who: &Principal,
    q: &store::accounts::orgs::OrgTable<'_>,
) -> AppResult<(Vec<Organization>, i64)> {
    who.require_scope(Scope::OrgsRead)?;
    let q = store::accounts::orgs::OrgTable {
        visible_to: visible_to(who),
        ..q.clone()
    };
    Ok(store::accounts::orgs::table(&app.store.pool, &q).await?)
}

/// One organisation, if `who` may see it; else 404 as for a missing one.
pub async fn get(app: &AppState, who: &Principal, id: &str) -> AppResult<Organization> {
    who.require_scope(Scope::OrgsRead)?;
    store::accounts::orgs::get(&app.store.pool, id)
        .await?
        .filter(|o| {
            sees_whole_directory(who) || o.id == who.org_id() || o.kind == OrgKind::GovernmentAgency
        })
        .ok_or(AppError::NotFound)
}

/// Asks for the flags to change: a pending two-person request that a
/// second coordinator approves ([`apply_flags`] then runs). A request that
/// changes nothing is 422.
pub async fn set_flags(
    app: &AppState,
    who: &Principal,
    id: &str,
    flags: OrganizationFlags,
) -> AppResult<Approval> {
    // The role first: the answer to someone who may not change flags is
    // the same whether the organisation exists or not.
    who.require(Scope::OrgsWrite, &[Role::PlatformAdmin, Role::Coordinator])?;
    let mut tx = app.store.begin_write().await?;
    let current = store::accounts::orgs::get(&mut *tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let flags = OrganizationFlags {
        vetted: flags.vetted.filter(|v| *v != current.vetted),
        trusted_partner: flags
            .trusted_partner
            .filter(|t| *t != current.trusted_partner),
    };
    if flags.vetted.is_none() && flags.trusted_partner.is_none() {
        return Err(AppError::invalid(
            "vetted",
            "the organisation already has these flags: nothing to change",
        ));
    }
    let approval = request_flags(app, &mut tx, who, &current, flags).await?;
    tx.commit().await?;
    Ok(approval)
}

async fn request_flags(
    app: &AppState,
    tx: &mut store::Tx,
    who: &Principal,
    org: &Organization,
    flags: OrganizationFlags,
) -> AppResult<Approval> {
    let mut changes = Vec::new();
    if let Some(v) = flags.vetted {
        changes.push(if v { "mark vetted" } else { "clear vetted" });
    }
    if let Some(t) = flags.trusted_partner {
        changes.push(if t {
            "mark trusted partner"
        } else {
            "clear trusted partner"
        });
    }
    let summary = format!("{}: {}", changes.join(", "), org.name);
    let request = ApprovalRequest::SetOrganizationFlags {
        org_id: org.id.clone(),
        vetted: flags.vetted,
        trusted_partner: flags.trusted_partner,
    };
    crate::workflows::approvals::file(app, tx, who, request, summary).await
}

/// The effect of an approved `set_organization_flags` request, in the
/// decision's transaction.
pub(crate) async fn apply_flags(
    tx: &mut store::Tx,
    id: &str,
    vetted: Option<bool>,
    trusted_partner: Option<bool>,
) -> AppResult<Organization> {
    let current = store::accounts::orgs::get(&mut **tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let vetted = vetted.unwrap_or(current.vetted);
    let trusted = trusted_partner.unwrap_or(current.trusted_partner);
    store::accounts::orgs::set_flags(&mut **tx, id, vetted, trusted).await?;
    Ok(Organization {
        vetted,
        trusted_partner: trusted,
        ..current
    })
}
