//! `/api/v1/rematch-runs`: a full re-match of every asset against every
//! advisory, shared by every process (`matching::runs`).

use crate::http::error::Problem;
use crate::matching::runs::{self, NewRun, RematchRun};

thin_handlers! { tag = "exposure";
    /// Start a full re-match (coordinators and platform admins): after a bulk
    /// import or a change of matching rules. The assets are cut into `parts`
    /// jobs that every `serve` and `worker` process takes; poll the run for
    /// its progress. One run at a time (409 while another runs).
    post "/rematch-runs", errors(403, 409, 422);
    fn start(NewRun) -> 202 RematchRun = runs::request;

    /// A full re-match's progress and, once finished, its counts
    /// (coordinators and platform admins).
    get "/rematch-runs/{id}", errors(403, 404);
    fn get(id) -> 200 RematchRun = runs::get;
}
