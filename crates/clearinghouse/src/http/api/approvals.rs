//! `/api/v1/approvals`: two-person requests.

use crate::http::api::StatePageParams;
use crate::http::error::Problem;
use crate::model::{Approval, Page};
use crate::workflows::approvals::{self, DecisionInput};

thin_handlers! { tag = "approvals";
    /// Requests you may see (platform admins: all; others: their own).
    ///
    /// `state`: `pending`, `approved`, `rejected` or `cancelled`.
    get "/approvals", errors(422);
    fn list(query p: StatePageParams) -> 200 Page<Approval>
        = approvals::list(p.state.as_deref(), p.cursor.as_deref(), p.limit);

    /// One request.
    get "/approvals/{id}", errors(404);
    fn get(id) -> 200 Approval = approvals::get;

    /// Approve or reject. Only a second, eligible person may approve; the maker
    /// may only cancel; agents may not decide.
    post "/approvals/{id}/decision", errors(403, 409);
    fn decide(id, DecisionInput) -> 200 Approval = approvals::decide;
}
