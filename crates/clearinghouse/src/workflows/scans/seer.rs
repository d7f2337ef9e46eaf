//! What a reader may see exactly of operators' networks, loaded once per
//! answer: a network target inside one of its organisation's verified
//! assets or inside an asset of an active grant it holds. Coordinators
//! see everything (`all`), but `may_see` itself answers for the
//! organisation alone (claims on a network need the asset or a grant,
//! coordinators included). Answers are remembered per target, so an
//! answer over many rows asks the store once per distinct target and
//! not at all for a reader holding no asset.

use std::collections::HashMap;

use clearinghouse_domain::scans::Target;

use super::is_coordinator;
use crate::auth::Principal;
use crate::clock;
use crate::error::AppResult;
use crate::store;

pub(crate) struct Seer {
    pub org_id: String,
    /// A coordinator: sees every target.
    pub all: bool,
    /// The assets of the active grants the organisation holds.
    granted: Vec<Target>,
    /// Whether the organisation holds any verified asset.
    holds_assets: bool,
    memo: HashMap<String, bool>,
}

impl Seer {
    pub(crate) async fn of(conn: &mut store::AnyConnection, who: &Principal) -> AppResult<Seer> {
        let org_id = who.org_id().to_owned();
        let now = clock::now_text();
        let mut granted = Vec::new();
        for g in
            store::scans::grants::active_for(conn, &org_id, &now, "9999-12-31T23:59:59.999999Z")
                .await?
        {
            granted.extend(super::grants::scope_of(conn, &g).await?.assets);
        }
        Ok(Seer {
            holds_assets: store::scans::assets::holds_verified(conn, &org_id).await?,
            all: is_coordinator(who),
            org_id,
            granted,
            memo: HashMap::new(),
        })
    }

    /// Whether the organisation may see the network target: it owns a
    /// verified asset holding it or holds an active grant whose asset
    /// holds it.
    pub(crate) async fn may_see(
        &mut self,
        conn: &mut store::AnyConnection,
        t: &Target,
    ) -> AppResult<bool> {
        if self.granted.iter().any(|a| a.covers(t)) {
            return Ok(true);
        }
        if !self.holds_assets {
            return Ok(false);
        }
        let key = t.to_string();
        if let Some(seen) = self.memo.get(&key) {
            return Ok(*seen);
        }
        let mut seen = false;
        for a in store::scans::assets::touching(conn, t).await? {
            if a.org_id == self.org_id
                && a.state == "verified"
                && super::assets::target_of(&a)?.covers(t)
            {
                seen = true;
                break;
            }
        }
        self.memo.insert(key, seen);
        Ok(seen)
    }
}
