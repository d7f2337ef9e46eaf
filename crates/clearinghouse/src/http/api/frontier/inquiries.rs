//! `/api/v1/models/{id}/inquiries` and `/api/v1/inquiries`: designation
//! inquiries (Sec. 3(b)(i)). Thin handlers over
//! `workflows::frontier::inquiries`; an inquiry you may not read is 404.

use crate::http::api::StatePageParams;
use crate::http::error::Problem;
use crate::model::Page;
use crate::workflows::frontier::inquiries::{
    self, AttachRun, NewConsultation, NewDecision, NewRelease, ProposedDecision, Withdrawal,
};
use crate::workflows::frontier::inquiry_view::InquiryView;

thin_handlers! { tag = "frontier";
    /// Open a designation inquiry for your organisation's registered model.
    post "/models/{id}/inquiries", errors(400, 403, 404, 422);
    fn open(id, NoBody) -> 201 InquiryView = inquiries::open;

    /// Inquiries you may read: your organisation's, or all for cleared officials.
    ///
    /// `state`: `submitted`, `evaluating`, `consulting`, `decided`,
    /// `communicated` or `withdrawn`.
    get "/inquiries", errors(422);
    fn list(query q: StatePageParams) -> 200 Page<InquiryView>
        = inquiries::list(q.state.as_deref(), q.cursor.as_deref(), q.limit);

    /// One inquiry; 404 both when it does not exist and when you may not read it.
    get "/inquiries/{id}", errors(404);
    fn get(id) -> 200 InquiryView = inquiries::get;

    /// Attach a run of the inquiry's model (evaluators).
    post "/inquiries/{id}/runs", errors(403, 404, 409, 422);
    fn attach_run(id, AttachRun) -> 200 InquiryView = inquiries::attach_run;

    /// Close the evaluation and open the consultation (evaluators).
    post "/inquiries/{id}/consultation", errors(400, 403, 404, 409, 422);
    fn consult(id, NoBody) -> 200 InquiryView = inquiries::consult;

    /// Answer for your consultee: concur, dissent (with a comment) or decline.
    post "/inquiries/{id}/consultations", errors(403, 404, 409, 422);
    fn respond(id, NewConsultation) -> 200 InquiryView = inquiries::respond;

    /// Propose the decision (designation authorities, once every consultee
    /// answered). It is recorded when a second designation authority approves
    /// the returned `decide_designation` request.
    post "/inquiries/{id}/decision", errors(403, 404, 409, 422);
    fn decide(id, NewDecision) -> 202 ProposedDecision = inquiries::propose_decision;

    /// Communicate the decision to the developer (designation authorities).
    post "/inquiries/{id}/communicate", errors(400, 403, 404, 409, 422);
    fn communicate(id, NoBody) -> 200 InquiryView = inquiries::communicate;

    /// Release a part of the assessment to the developer (designation authorities).
    post "/inquiries/{id}/releases", errors(403, 404, 409, 422);
    fn release(id, NewRelease) -> 200 InquiryView = inquiries::release;

    /// Withdraw the inquiry (the developer, before a decision).
    post "/inquiries/{id}/withdraw", errors(403, 404, 409, 422);
    fn withdraw(id, Withdrawal) -> 200 InquiryView = inquiries::withdraw;
}
