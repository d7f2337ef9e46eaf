//! Operators' assets and their SBOMs: registering a system, uploading an
//! SBOM (CycloneDX or SPDX, kept as an artifact) which replaces the asset's
//! inventory and is matched at once against every advisory of its packages.
//! Operators act for their own organisation; coordinators and platform
//! admins may act for any.

use clearinghouse_domain::identity::{Role, Scope};
use clearinghouse_domain::sbom;
use clearinghouse_domain::ssvc::MissionWellbeing;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::audit_log::AuditEvent;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::matching;
use crate::model::Page;
use crate::model::exposure::{Asset, ExposureCounts, SbomSummary, SbomUploadReport};
use crate::store;
use crate::store::exposure::assets::NewComponent;
use crate::workflows::read_policy::PolicyReader;
use crate::workflows::{exposure::exposures::notify_changes, into_page, new_id, page_size};

/// Largest SBOM accepted.
pub const MAX_SBOM_BYTES: usize = 64 * 1024 * 1024;

/// Roles that may act for any organisation.
pub const ACT_FOR_ANY: &[Role] = &[Role::PlatformAdmin, Role::Coordinator];
/// Roles that may act for their own organisation.
pub const ACT_FOR_OWN: &[Role] = &[Role::OrgAdmin, Role::Member];
/// Roles that may read every organisation's exposures.
pub const READ_ANY: &[Role] = &[Role::PlatformAdmin, Role::Coordinator, Role::Auditor];

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAsset {
    pub name: String,
    /// The organisation (id or name); coordinators and admins only. Defaults to yours.
    pub org: Option<String>,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub publicly_exposed: bool,
    /// `low`, `medium` (default) or `high`.
    pub mission_impact: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssetChange {
    pub owner: Option<String>,
    pub description: Option<String>,
    pub publicly_exposed: Option<bool>,
    pub mission_impact: Option<String>,
}

/// The organisation `who` acts for: `org` (id or name) when given and
/// allowed, else their own.
pub async fn acting_org(app: &AppState, who: &Principal, org: Option<&str>) -> AppResult<String> {
    let own = who.org_id().to_owned();
    let Some(org) = org.map(str::trim).filter(|o| !o.is_empty()) else {
        return Ok(own);
    };
    let found = match store::accounts::orgs::get(&app.store.pool, org).await? {
        Some(o) => Some(o),
        None => store::accounts::orgs::by_name(&app.store.pool, org).await?,
    };
    let Some(found) = found else {
        return Err(AppError::invalid("org", "no such organisation"));
    };
    if found.id != own && !who.has_any_role(ACT_FOR_ANY) {
        return Err(AppError::forbidden(
            "only coordinators and platform admins act for another organisation",
        ));
    }
    Ok(found.id)
}

fn check_text(field: &'static str, value: &str, max: usize) -> AppResult<String> {
    let v = value.trim();
    if v.chars().count() > max || clearinghouse_domain::text::first_forbidden(v, false).is_some() {
        return Err(AppError::invalid(
            field,
            format!("must be at most {max} characters, no control characters"),
        ));
    }
    Ok(v.to_owned())
}

fn check_mission(value: Option<&str>) -> AppResult<String> {
    match value {
        None => Ok("medium".to_owned()),
        Some(v) => MissionWellbeing::parse(v)
            .map(|m| m.table_value().to_owned())
            .ok_or_else(|| AppError::invalid("mission_impact", "must be low, medium or high")),
    }
}

pub(crate) fn require_write(who: &Principal, org_id: &str) -> AppResult<()> {
    who.require_scope(Scope::AssetsWrite)?;
    let own = who.org_id() == org_id && who.has_any_role(ACT_FOR_OWN);
    if own || who.has_any_role(ACT_FOR_ANY) {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "this needs org_admin or member of the asset's organisation, or coordinator",
        ))
    }
}

pub async fn create(app: &AppState, who: &Principal, input: NewAsset) -> AppResult<Asset> {
    let org_id = acting_org(app, who, input.org.as_deref()).await?;
    require_write(who, &org_id)?;
    let name = clearinghouse_domain::text::validate_name("name", &input.name)
        .map_err(crate::workflows::documents::text_error)?;
    let now = clock::now_text();
    let asset = Asset {
        id: new_id(),
        org_id,
        name,
        owner: check_text("owner", &input.owner, 200)?,
        description: check_text("description", &input.description, 2000)?,
        publicly_exposed: input.publicly_exposed,
        mission_impact: check_mission(input.mission_impact.as_deref())?,
        created_at: now.clone(),
        updated_at: now,
        sbom: None,
        archived_at: None,
        archive_reason: None,
    };
    let mut tx = app.store.begin_write().await?;
    store::exposure::assets::insert(&mut *tx, &asset).await?;
    let event = AuditEvent {
        action: "asset.create",
        object_type: "asset",
        object_id: &asset.id,
        change: json!(asset),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    tx.commit().await?;
    Ok(asset)
}

/// One asset; another organisation's asset is "not found" unless the
/// caller may read every organisation's.
pub async fn get(app: &AppState, who: &Principal, id: &str) -> AppResult<Asset> {
    who.require_scope(Scope::AssetsRead)?;
    let asset = store::exposure::assets::get(&app.store.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if asset.org_id != who.org_id() && !who.has_any_role(READ_ANY) {
        return Err(AppError::NotFound);
    }
    Ok(asset)
}

/// Finds an asset by id or by name within the acting organisation.
pub async fn find(
    app: &AppState,
    who: &Principal,
    id_or_name: &str,
    org: Option<&str>,
) -> AppResult<Asset> {
    if let Ok(a) = get(app, who, id_or_name).await {
        return Ok(a);
    }
    let org_id = acting_org(app, who, org).await?;
    let asset = store::exposure::assets::by_name(&app.store.pool, &org_id, id_or_name)
        .await?
        .ok_or(AppError::NotFound)?;
    get(app, who, &asset.id).await
}

pub async fn list(
    app: &AppState,
    who: &Principal,
    org: Option<&str>,
    name: Option<&str>,
    archived: bool,
    cursor: Option<&str>,
    limit: Option<i64>,
) -> AppResult<Page<Asset>> {
    who.require_scope(Scope::AssetsRead)?;
    let org_id = match org {
        Some(_) => Some(acting_org(app, who, org).await?),
        None if who.has_any_role(READ_ANY) => None,
        None => Some(who.org_id().to_owned()),
    };
    let limit = page_size(limit);
    let rows = store::exposure::assets::list(
        &app.store.pool,
        org_id.as_deref(),
        name,
        archived,
        cursor,
        limit + 1,
    )
    .await?;
    Ok(into_page(rows, limit, |a| a.id.clone()))
}

/// Changes what the operator said of an asset; its exposures' priorities
/// are reassessed at once.
pub async fn update(
    app: &AppState,
    who: &Principal,
    id: &str,
    change: AssetChange,
) -> AppResult<Asset> {
    let mut asset = get(app, who, id).await?;
    require_write(who, &asset.org_id)?;
    if let Some(o) = &change.owner {
        asset.owner = check_text("owner", o, 200)?;
    }
    if let Some(d) = &change.description {
        asset.description = check_text("description", d, 2000)?;
    }
    if let Some(p) = change.publicly_exposed {
        asset.publicly_exposed = p;
    }
    if change.mission_impact.is_some() {
        asset.mission_impact = check_mission(change.mission_impact.as_deref())?;
    }
    let now = clock::now_text();
    asset.updated_at = now.clone();
    let mut tx = app.store.begin_write().await?;
    store::exposure::assets::update(&mut *tx, &asset).await?;
    let changes = matching::sync_asset(&mut tx, &asset.id, &now).await?;
    notify_changes(app, &mut tx, &changes).await?;
    let event = AuditEvent {
        action: "asset.update",
        object_type: "asset",
        object_id: &asset.id,
        change: json!({ "asset": asset, "exposures": changes.counts }),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    tx.commit().await?;
    Ok(asset)
}

/// Turns parsed SBOM components into rows; a component is matched by its
/// package URL and by its CPE (`cpe_key`, when the CPE parses and names a
/// product); one with neither is kept with its name and version, unmatched.
fn components_of(inv: &sbom::Inventory) -> Vec<NewComponent> {
    inv.components
        .iter()
        .map(|c| {
            let version = c
                .version
                .clone()
                .or_else(|| c.purl.as_ref().and_then(|p| p.version.clone()));
            NewComponent {
                package_key: c.purl.as_ref().map(|p| p.id.key()),
                ecosystem: c.purl.as_ref().map(|p| p.id.purl_type.clone()),
                purl: c.purl.as_ref().map(|p| p.to_string_canonical()),
                name: c.name.clone(),
                version,
                cpe: c.cpe.clone(),
                cpe_key: c
                    .cpe
                    .as_deref()
                    .and_then(|s| clearinghouse_domain::cpe::Cpe::parse(s).ok())
                    .and_then(|cpe| cpe.match_key()),
            }
        })
        .collect()
}

/// An archived asset takes no SBOM until it is unarchived.
fn refuse_archived(asset: &Asset) -> AppResult<()> {
    if asset.archived_at.is_some() {
        return Err(AppError::Conflict(format!(
            "asset '{}' is archived; unarchive it before uploading an SBOM",
            asset.name
        )));
    }
    Ok(())
}

/// Uploads an SBOM for an asset: parsed (on a blocking thread), stored,
/// made the inventory, and matched, all in one transaction (nothing is
/// half-stored on error).
pub async fn upload_sbom(
    app: &AppState,
    who: &Principal,
    asset_id: &str,
    bytes: Vec<u8>,
) -> AppResult<SbomUploadReport> {
    let asset = get(app, who, asset_id).await?;
    require_write(who, &asset.org_id)?;
    refuse_archived(&asset)?;
    if bytes.len() > MAX_SBOM_BYTES {
        return Err(AppError::TooLarge(format!(
            "sbom: at most {MAX_SBOM_BYTES} bytes"
        )));
    }
    // Parsing a large SBOM takes CPU time: on a blocking thread, not the
    // async runtime's workers.
    let (bytes, parsed) = tokio::task::spawn_blocking(move || {
        let parsed = sbom::parse(&bytes);
        (bytes, parsed)
    })
    .await
    .map_err(|e| AppError::internal("SBOM parsing thread", e))?;
    let inventory = parsed.map_err(|e| {
        // A syntax error's place is a line and column, not a field: the
        // message says where.
        let field = match (&e, e.field()) {
            (sbom::SbomError::Syntax { .. }, _) | (_, None) => "sbom".to_owned(),
            (_, Some(f)) => format!("sbom.{f}"),
        };
        AppError::invalid(field, e.to_string())
    })?;
    let components = components_of(&inventory);
    let now = clock::now_text();
    let (artifact_key, sha256) = app
        .artifacts
        .put(bytes)
        .await
        .map_err(|e| AppError::internal("artifact store", e))?;
    let summary = SbomSummary {
        id: new_id(),
        format: inventory.format.as_str().to_owned(),
        spec_version: inventory.spec_version.clone(),
        sha256,
        component_count: components.len() as i64,
        uploaded_at: now.clone(),
    };
    let reader = PolicyReader::of(app, who).await?;
    let mut tx = app.store.begin_write().await?;
    // Archived meanwhile: checked again under the write lock.
    if let Some(now_asset) = store::exposure::assets::get(&mut *tx, &asset.id).await? {
        refuse_archived(&now_asset)?;
    }
    store::exposure::assets::replace_inventory(
        &mut tx,
        &asset.id,
        &summary,
        &artifact_key,
        who.user_id(),
        &components,
    )
    .await?;
    let read = reader.filter();
    let open_before =
        store::exposure::exposures::open_count(&mut tx, &asset.id, Some(&read)).await?;
    let changes = matching::sync_asset(&mut tx, &asset.id, &now).await?;
    notify_changes(app, &mut tx, &changes).await?;
    let event = AuditEvent {
        action: "asset.sbom_upload",
        object_type: "asset",
        object_id: &asset.id,
        change: json!({ "sbom": summary, "exposures": changes.counts }),
    };
    app.audit.record(&mut tx, &app.store, who, &[event]).await?;
    // What the uploader is told counts only exposures it may read (the
    // audit entry above keeps the whole count): an exposure to a labelled
    // vulnerability the operator may not read must not show as a number.
    let (new_ids, changed_ids): (Vec<String>, Vec<String>) = changes.by_org_vuln.values().fold(
        (Vec::new(), Vec::new()),
        |(mut n, mut c), (new, changed)| {
            n.extend(new.iter().cloned());
            c.extend(changed.iter().cloned());
            (n, c)
        },
    );
    let new = store::exposure::exposures::count_readable(&mut tx, &new_ids, &read).await?;
    let changed = store::exposure::exposures::count_readable(&mut tx, &changed_ids, &read).await?;
    let open = store::exposure::exposures::open_count(&mut tx, &asset.id, Some(&read)).await?;
    let counts = ExposureCounts {
        new,
        changed,
        // Open before, plus what appeared, minus what is open now.
        resolved: (open_before + new).saturating_sub(open),
        open,
    };
    tx.commit().await?;
    let asset = store::exposure::assets::get(&app.store.pool, &asset.id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(SbomUploadReport {
        asset,
        sbom: summary,
        exposures: counts,
    })
}
