//! Insider-risk alerts on a window (`domain::frontier::access::alerts`):
//! computed from the window's usage log (its latest 10,000 calls) when
//! read, for the developer and government administrators; each alert names
//! its rule, the person and the usage rows that are its evidence. Anyone
//! else who may read the window is refused (403); others get 404.

use clearinghouse_domain::frontier::access::alerts::{self, Call};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::store;
use crate::workflows::frontier::windows::{Standing, readable, secs};

/// An alert: the rule, the person, what departs from the norm, and the ids
/// of the usage rows that show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertView {
    /// `after_revocation_or_expiry`, `several_addresses`,
    /// `burst_after_refusal`, `new_hour` or `volume`.
    pub rule: String,
    pub user_id: String,
    pub detail: String,
    pub evidence: Vec<String>,
}

pub async fn list(app: &AppState, who: &Principal, window_id: &str) -> AppResult<Vec<AlertView>> {
    let (w, standing) = readable(app, who, window_id).await?;
    if !matches!(standing, Standing::Developer | Standing::GovAdmin) {
        return Err(AppError::forbidden(
            "alerts are for the developer and government administrators",
        ));
    }
    let mut conn = app.store.pool.acquire().await?;
    let rows = store::frontier::window_grants::usage(&mut conn, &w.id, None, 10_000).await?;
    drop(conn);
    let times: Vec<i64> = rows
        .iter()
        .map(|r| secs("at", &r.at))
        .collect::<AppResult<_>>()?;
    let calls: Vec<Call<'_>> = rows
        .iter()
        .zip(&times)
        .map(|(r, at)| Call {
            id: &r.id,
            user_id: &r.user_id,
            credential_id: &r.credential_id,
            at: *at,
            outcome: &r.outcome,
            client_addr: &r.client_addr,
        })
        .collect();
    Ok(alerts::detect(&calls)
        .into_iter()
        .map(|a| AlertView {
            rule: a.rule.to_owned(),
            user_id: a.user_id,
            detail: a.detail,
            evidence: a.evidence,
        })
        .collect())
}
