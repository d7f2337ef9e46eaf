//! The home page: for each kind of person, what needs them now. Operators
//! see their active exposures by SSVC decision, overdue and due-soon counts
//! and the newest; coordinators their finding queues and the embargoes
//! held longest (no end dates exist yet); reporters their
//! submissions and what became of them; auditors the log's size, its
//! checkpoint and how to verify it. Empty states say what to do next.

use askama::Template;
use askama_web::WebTemplate;
use clearinghouse_domain::identity::{Role, Scope};

use super::{Nav, Persona, UiCaller, UiResult};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::AppError;
use crate::model::exposure::Exposure;
use crate::model::finding::{FindingFilter, Submission};
use crate::store;
use crate::store::advisories::embargoes::Embargoed;
use crate::store::exposure::exposures::summary::Summary;
use crate::store::findings::listing::TableQuery;
use crate::workflows::findings;
use crate::workflows::{approvals, exposure};

/// A count with what it counts and where it leads.
pub struct Tile {
    pub id: &'static str,
    pub n: i64,
    pub what: &'static str,
    pub href: String,
    /// Drawn in red when not zero (overdue).
    pub alert: bool,
}

/// The operator's part.
pub struct ExposureHome {
    pub summary: Summary,
    pub newest: Vec<Exposure>,
    pub assets: usize,
    /// The counts cover every organisation (coordinators, auditors, admins).
    pub all_orgs: bool,
}

/// The auditor's part.
pub struct AuditHome {
    pub size: u64,
    pub root: String,
    pub note: String,
    pub verifier_key: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomePage {
    pub nav: Nav,
    pub display_name: String,
    pub org_name: String,
    pub org_kind: String,
    pub roles: Vec<String>,
    pub authorizations: Vec<String>,
    pub pending: usize,
    pub exposures: Option<ExposureHome>,
    pub queue: Vec<Tile>,
    pub submissions: Option<Vec<Submission>>,
    pub audit: Option<AuditHome>,
    /// Frontier models, suites and runs (the roles that see them).
    pub frontier: Option<Vec<Tile>>,
    /// A refused password change, shown beside the form.
    pub password_error: Option<String>,
    /// Coordinators: embargoed vulnerabilities, oldest first.
    pub embargoes: Option<EmbargoHome>,
    /// Case invitations waiting for the organisation (N7).
    pub invitations: Vec<super::cases_list::InvitationRow>,
    /// Open cases the organisation has joined: (id, title, countdown).
    pub my_cases: Vec<(String, String, String)>,
    /// Its admins join invitations.
    pub may_join: bool,
}

/// The coordinator's embargo list: no end dates exist yet, so the oldest
/// embargoes come first, with their age.
pub struct EmbargoHome {
    pub items: Vec<Embargoed>,
    pub total: i64,
    pub now: time::OffsetDateTime,
}

impl EmbargoHome {
    pub fn age(&self, since: &str) -> String {
        super::when::age(since, self.now)
    }

    /// Whether more are embargoed than listed.
    pub fn more(&self) -> bool {
        self.total > self.items.len() as i64
    }
}

/// Embargoes listed on the coordinator's home page.
const EMBARGOES_SHOWN: i64 = 10;

async fn count_findings(app: &AppState, who: &Principal, state: &str) -> UiResult<i64> {
    let filter = FindingFilter {
        state: findings::state_filter(Some(state))?,
        ..Default::default()
    };
    let q = TableQuery {
        limit: 1,
        ..Default::default()
    };
    Ok(findings::table(app, who, &filter, &q).await?.1)
}

async fn finding_tiles(app: &AppState, who: &Principal, staff: bool) -> UiResult<Vec<Tile>> {
    let states: &[(&str, &str, &str)] = if staff {
        &[
            ("received", "triage", "waiting for triage"),
            ("triaged", "validate", "waiting for a validator"),
            ("validating", "validating", "being validated"),
        ]
    } else {
        &[
            ("received", "received", "received, not yet triaged"),
            ("triaged", "triaged", "triaged"),
            ("validated", "validated", "validated"),
            ("rejected", "rejected", "rejected"),
        ]
    };
    let mut tiles = Vec::new();
    for (state, id, what) in states {
        tiles.push(Tile {
            id,
            n: count_findings(app, who, state).await?,
            what,
            href: format!("/findings?state={state}"),
            alert: false,
        });
    }
    Ok(tiles)
}

/// The whole page for `who`, with an optional password-form error.
pub async fn view(
    app: &AppState,
    who: &Principal,
    password_error: Option<String>,
) -> UiResult<HomePage> {
    let nav = Nav::new(who, "home");
    let org = store::accounts::orgs::get(&app.store.pool, who.org_id())
        .await
        .map_err(AppError::from)?;
    // Every pending request the reader may see, page after page (no cap).
    let mut pending = 0;
    if nav.sees_approvals {
        let mut cursor: Option<String> = None;
        loop {
            let page =
                approvals::list(app, who, Some("pending"), cursor.as_deref(), Some(500)).await?;
            pending += page.items.len();
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
    }
    let exposures = if nav.sees_exposures && who.has_scope(Scope::ExposuresRead) {
        let (summary, newest) = exposure::exposures::home_summary(app, who, 7, 5).await?;
        let assets = super::assets::all_assets(app, who).await?.len();
        Some(ExposureHome {
            summary,
            newest,
            assets,
            all_orgs: who.has_any_role(crate::workflows::exposure::assets::READ_ANY),
        })
    } else {
        None
    };
    let staff = who.has_any_role(findings::CLEARINGHOUSE_READERS);
    let queue = if nav.sees_findings && who.has_scope(Scope::FindingsRead) {
        finding_tiles(app, who, staff).await?
    } else {
        Vec::new()
    };
    let submissions = if matches!(nav.persona, Persona::Reporter | Persona::Member) {
        Some(
            findings::submissions::list(app, who, None, Some(10))
                .await?
                .items,
        )
    } else {
        None
    };
    let embargoes = if matches!(nav.persona, Persona::Coordinator | Persona::Admin)
        && who.has_scope(Scope::AdvisoriesRead)
    {
        let (items, total) =
            crate::workflows::advisories::embargoes(app, who, EMBARGOES_SHOWN).await?;
        Some(EmbargoHome {
            items,
            total,
            now: crate::clock::now(),
        })
    } else {
        None
    };
    let audit = if who.has_any_role(&[Role::Auditor, Role::PlatformAdmin]) {
        let cp = app
            .audit
            .checkpoint(&app.store)
            .await
            .map_err(AppError::from)?;
        Some(AuditHome {
            size: cp.checkpoint.size,
            root: hex::encode(cp.checkpoint.root),
            note: cp.note,
            verifier_key: app.audit.signer().verifier_key(),
        })
    } else {
        None
    };
    let frontier = if nav.sees_frontier {
        Some(super::frontier::home_tiles(app, who).await?)
    } else {
        None
    };
    let (mut invitations, mut my_cases) = (Vec::new(), Vec::new());
    if who.has_scope(Scope::AdvisoriesRead) {
        invitations = super::cases_list::invitations(app, who).await?;
        my_cases = crate::workflows::cases::mine::mine(app, who)
            .await?
            .into_iter()
            .filter(|c| c.joined && c.state != "published")
            .map(|c| {
                let left = super::cases_list::countdown(&c.target_date);
                (c.id, c.title, left)
            })
            .collect();
    }
    Ok(HomePage {
        may_join: who.has_role(Role::OrgAdmin),
        invitations,
        my_cases,
        nav,
        display_name: who.user.display_name.clone(),
        org_name: org.as_ref().map(|o| o.name.clone()).unwrap_or_default(),
        org_kind: org
            .map(|o| super::words::words(&o.kind.to_string()))
            .unwrap_or_default(),
        roles: who
            .user
            .roles
            .iter()
            .map(|r| super::words::words(r))
            .collect(),
        authorizations: who.user.authorizations.clone(),
        pending,
        exposures,
        queue,
        submissions,
        audit,
        frontier,
        password_error,
        embargoes,
    })
}

pub async fn page(UiCaller { app, who }: UiCaller) -> UiResult<HomePage> {
    view(&app, &who, None).await
}
