//! The reader's organisation's place in its cases (N1, N7): each case it
//! takes part in or is invited to, with its case role and whether it has
//! joined, for the home page and the case list. A read of the cases the
//! policy admits (as `list`), without recording a visit.

use clearinghouse_domain::identity::Scope;

use super::case_reader;
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::AppResult;
use crate::store;

/// Most cases looked at.
pub const MAX_MINE: i64 = 200;

/// A case the reader's organisation takes part in or is invited to.
#[derive(Debug, Clone)]
pub struct MyCase {
    pub id: String,
    pub title: String,
    /// `open` or `published`.
    pub state: String,
    pub target_date: String,
    pub tlp: String,
    /// The organisation's case role.
    pub role: String,
    pub invited_at: String,
    pub joined: bool,
}

/// The cases of the reader's organisation, invitations not yet answered first.
pub async fn mine(app: &AppState, who: &Principal) -> AppResult<Vec<MyCase>> {
    who.require_scope(Scope::AdvisoriesRead)?;
    let reader = case_reader(app, who).await?;
    let rows =
        store::cases::list_readable(&app.store.pool, &reader.filter(), None, MAX_MINE).await?;
    let mut conn = app.store.pool.acquire().await?;
    let mut out = Vec::new();
    for c in rows {
        let Some(p) = store::cases::participants(&mut conn, &c.id)
            .await?
            .into_iter()
            .find(|p| p.org_id == who.org_id())
        else {
            continue;
        };
        out.push(MyCase {
            id: c.id,
            title: c.title,
            state: c.state,
            target_date: c.target_date,
            tlp: c.tlp,
            role: p.role,
            invited_at: p.invited_at,
            joined: p.joined_at.is_some(),
        });
    }
    out.sort_by_key(|c| c.joined);
    Ok(out)
}
