//! `/api/v1/models`: the frontier-model registry (Sec. 3). Responses carry
//! the public compute thresholds as non-binding reference points.

use crate::http::api::PageParams;
use crate::http::error::Problem;
use crate::model::Page;
use crate::workflows::frontier::models::{self, Model, NewModel};

thin_handlers! { tag = "frontier";
    /// Register a model under development (members of an AI-developer
    /// organisation only). Default labels: `AMBER+STRICT`, empty visibility.
    post "/models", errors(403, 409, 422);
    fn register(NewModel) -> 201 Model = models::register;

    /// Models you may read, filtered in the query by the read policy.
    get "/models";
    fn list(query p: PageParams) -> 200 Page<Model> = models::list(p.cursor(), p.limit);

    /// One model; 404 both when it does not exist and when you may not read it.
    get "/models/{id}", errors(404);
    fn get(id) -> 200 Model = models::get;
}
