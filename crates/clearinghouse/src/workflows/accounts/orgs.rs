//! Organisations: register, list, read, and set the vetted / trusted-partner flags.

use clearinghouse_domain::identity::{OrgKind, Role, Scope, Sector, validate_display_name};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::audit_log::AuditEvent;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::model::{Organization, Page};
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

pub async fn create(
    app: &AppState,
    who: &Principal,
    input: NewOrganization,
) -> AppResult<Organization> {
    who.require(Scope::OrgsWrite, &[Role::PlatformAdmin, Role::Coordinator])?;
    let (name, kind, sector) = validate(&input)?;
    let org = Organization {
        id: new_id(),
        name,
        kind: kind.as_str().to_owned(),
        sector: sector.map(|s| s.as_str().to_owned()),
        vetted: input.vetted,
        trusted_partner: input.trusted_partner,
        created_at: clock::now_text(),
        archived_at: None,
        archive_reason: None,
    };
    let mut tx = app.store.begin_write().await?;
    store::accounts::orgs::insert(&mut *tx, &org).await?;
    let event = AuditEvent {
        action: "org.create",
        object_type: "organization",
        object_id: &org.id,
        change: json!(org),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    tx.commit().await?;
    Ok(org)
}

/// The organisation directory is visible to every signed-in principal: it is
/// what lets people share records with other organisations.
pub async fn list(
    app: &AppState,
    who: &Principal,
    archived: bool,
    cursor: Option<&str>,
    limit: Option<i64>,
) -> AppResult<Page<Organization>> {
    who.require_scope(Scope::OrgsRead)?;
    let limit = page_size(limit);
    let rows = store::accounts::orgs::list(&app.store.pool, archived, cursor, limit + 1).await?;
    Ok(into_page(rows, limit, |o| o.id.clone()))
}

pub async fn get(app: &AppState, who: &Principal, id: &str) -> AppResult<Organization> {
    who.require_scope(Scope::OrgsRead)?;
    store::accounts::orgs::get(&app.store.pool, id)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn set_flags(
    app: &AppState,
    who: &Principal,
    id: &str,
    flags: OrganizationFlags,
) -> AppResult<Organization> {
    who.require(Scope::OrgsWrite, &[Role::PlatformAdmin, Role::Coordinator])?;
    let mut tx = app.store.begin_write().await?;
    let current = store::accounts::orgs::get(&mut *tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let vetted = flags.vetted.unwrap_or(current.vetted);
    let trusted = flags.trusted_partner.unwrap_or(current.trusted_partner);
    store::accounts::orgs::set_flags(&mut *tx, id, vetted, trusted).await?;
    let change = json!({"vetted": vetted, "trusted_partner": trusted});
    let event = AuditEvent {
        action: "org.set_flags",
        object_type: "organization",
        object_id: id,
        change,
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    tx.commit().await?;
    Ok(Organization {
        vetted,
        trusted_partner: trusted,
        ..current
    })
}
