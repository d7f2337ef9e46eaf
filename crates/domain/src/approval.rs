//! The two-person rule: an action that must not rest on one person is
//! created as a pending request and runs only when a second, distinct,
//! eligible human approves it.
//!
//! Who may decide a request (approve or reject; the maker may only cancel):
//!
//! - a person, never an agent token;
//! - not the person who made the request;
//! - holding the action's approver role ([`ApprovalAction::approver_role`]);
//! - not within the cooling-off period ([`COOLING_OFF_DAYS`]) of an
//!   elevation between the two, in either direction: the decider is
//!   ineligible when, in the last seven days, the requester created the
//!   decider's account or took part in granting the decider a role or an
//!   authorization, or reset the decider's password, **or** the decider
//!   did any of these for the requester.
//!   A sock puppet made (or promoted) by one admin cannot approve that
//!   admin's requests, and an admin cannot approve the requests of the
//!   account it just made or promoted. "Took part" means requested or
//!   approved the grant: both people of a two-person grant count.
//!
//! [`cooling_off_conflict`] is that last rule as a pure function of the
//! facts the store supplies ([`Elevation`]: who did what for whom, when).

use serde::{Deserialize, Serialize};

use crate::identity::Role;
use crate::spelling::spelled_enum;

/// How long an elevation links two people for deciding each other's
/// requests.
pub const COOLING_OFF_DAYS: i64 = 7;
/// [`COOLING_OFF_DAYS`] in seconds.
pub const COOLING_OFF_SECONDS: i64 = COOLING_OFF_DAYS * 86_400;

/// The kind of action a pending request will carry out when approved.
/// A new two-person action (thresholds, designations, partners,
/// directives) is one variant here, one in [`ApprovalRequest`], and one
/// effect and read check where the application registers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalAction {
    /// Grant authorizations (visibility terms such as `CUI` or `FRONTIER`)
    /// to a user.
    GrantAuthorizations,
    /// Release one proof-of-concept artifact (exploit code, crash input) to
    /// the person who asked, for a limited time.
    ReleaseProofOfConcept,
    /// Grant privileged roles ([`Role::is_privileged`]) to a user.
    GrantRole,
    /// Mark an organisation vetted (it then receives embargoed advisories)
    /// or a trusted partner, or clear either flag.
    SetOrganizationFlags,
    /// Make a classified threshold policy version the one in force
    /// (`frontier::threshold`): a second designation authority approves.
    SetThreshold,
    /// Issue a version of a Binding Operational Directive (the first or an
    /// amendment): a second directive manager approves.
    IssueDirective,
    /// Record a designation inquiry's decision (`frontier::designation`):
    /// a second designation authority approves.
    DecideDesignation,
    /// The government's approval of a trusted partner of a covered model
    /// (`frontier::access::partners`): a second coordinator approves.
    ApproveTrustedPartner,
}

impl ApprovalAction {
    pub const ALL: &'static [ApprovalAction] = &[
        ApprovalAction::GrantAuthorizations,
        ApprovalAction::ReleaseProofOfConcept,
        ApprovalAction::GrantRole,
        ApprovalAction::SetOrganizationFlags,
        ApprovalAction::SetThreshold,
        ApprovalAction::IssueDirective,
        ApprovalAction::DecideDesignation,
        ApprovalAction::ApproveTrustedPartner,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalAction::GrantAuthorizations => "grant_authorizations",
            ApprovalAction::ReleaseProofOfConcept => "release_proof_of_concept",
            ApprovalAction::GrantRole => "grant_role",
            ApprovalAction::SetOrganizationFlags => "set_organization_flags",
            ApprovalAction::SetThreshold => "set_threshold",
            ApprovalAction::IssueDirective => "issue_directive",
            ApprovalAction::DecideDesignation => "decide_designation",
            ApprovalAction::ApproveTrustedPartner => "approve_trusted_partner",
        }
    }

    pub fn parse(s: &str) -> Option<ApprovalAction> {
        Self::ALL.iter().copied().find(|a| a.as_str() == s)
    }

    /// The role a second person must hold to approve this action.
    pub fn approver_role(self) -> Role {
        match self {
            ApprovalAction::GrantAuthorizations | ApprovalAction::GrantRole => Role::PlatformAdmin,
            ApprovalAction::ReleaseProofOfConcept
            | ApprovalAction::SetOrganizationFlags
            | ApprovalAction::ApproveTrustedPartner => Role::Coordinator,
            ApprovalAction::SetThreshold | ApprovalAction::DecideDesignation => {
                Role::DesignationAuthority
            }
            ApprovalAction::IssueDirective => Role::DirectiveManager,
        }
    }
}

/// What a request will do, typed per action. Serialised adjacently tagged,
/// `{"action": "grant_role", "payload": {...}}`: the two columns the
/// `approvals` table has always had, so stored requests read unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", content = "payload", rename_all = "snake_case")]
pub enum ApprovalRequest {
    GrantAuthorizations {
        user_id: String,
        authorizations: Vec<String>,
    },
    ReleaseProofOfConcept {
        poc_id: String,
        /// The person the material is released to (the requester).
        user_id: String,
        reason: String,
    },
    GrantRole {
        user_id: String,
        roles: Vec<Role>,
    },
    /// The flags to set (`None` leaves a flag as it is).
    SetOrganizationFlags {
        org_id: String,
        vetted: Option<bool>,
        trusted_partner: Option<bool>,
    },
    /// Never the policy's values: the version row, its suite and its
    /// commitment only, so the request may be listed and audited.
    SetThreshold {
        threshold_id: String,
        suite_id: String,
        version: u32,
        commitment: String,
    },
    /// One version of a directive; its content is the version row.
    IssueDirective {
        directive_id: String,
        number: String,
        version: u32,
    },
    /// The proposed determination of an inquiry: ids and the outcome only,
    /// never a threshold value.
    DecideDesignation {
        inquiry_id: String,
        determination: crate::frontier::designation::Determination,
    },
    /// The government's approval of one nomination of a trusted partner.
    ApproveTrustedPartner {
        partner_id: String,
        model_id: String,
        org_id: String,
    },
}

/// The object a request concerns: whoever may not read it may neither see
/// nor decide the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Concerns<'a> {
    /// A user account (grants).
    User(&'a str),
    /// A proof-of-concept artifact (and through it, its finding).
    ProofOfConcept(&'a str),
    /// An organisation (flags).
    Organization(&'a str),
    /// A threshold policy version (classified).
    Threshold(&'a str),
    /// A directive (drafts and pending versions: directive managers only).
    Directive(&'a str),
    /// A designation inquiry.
    Inquiry(&'a str),
    /// A trusted-partner nomination (and through it, its model).
    Partner(&'a str),
}

impl ApprovalRequest {
    pub fn action(&self) -> ApprovalAction {
        match self {
            ApprovalRequest::GrantAuthorizations { .. } => ApprovalAction::GrantAuthorizations,
            ApprovalRequest::ReleaseProofOfConcept { .. } => ApprovalAction::ReleaseProofOfConcept,
            ApprovalRequest::GrantRole { .. } => ApprovalAction::GrantRole,
            ApprovalRequest::SetOrganizationFlags { .. } => ApprovalAction::SetOrganizationFlags,
            ApprovalRequest::SetThreshold { .. } => ApprovalAction::SetThreshold,
            ApprovalRequest::IssueDirective { .. } => ApprovalAction::IssueDirective,
            ApprovalRequest::DecideDesignation { .. } => ApprovalAction::DecideDesignation,
            ApprovalRequest::ApproveTrustedPartner { .. } => ApprovalAction::ApproveTrustedPartner,
        }
    }

    pub fn concerns(&self) -> Concerns<'_> {
        match self {
            ApprovalRequest::GrantAuthorizations { user_id, .. }
            | ApprovalRequest::GrantRole { user_id, .. } => Concerns::User(user_id),
            ApprovalRequest::ReleaseProofOfConcept { poc_id, .. } => {
                Concerns::ProofOfConcept(poc_id)
            }
            ApprovalRequest::SetOrganizationFlags { org_id, .. } => Concerns::Organization(org_id),
            ApprovalRequest::SetThreshold { threshold_id, .. } => Concerns::Threshold(threshold_id),
            ApprovalRequest::IssueDirective { directive_id, .. } => {
                Concerns::Directive(directive_id)
            }
            ApprovalRequest::DecideDesignation { inquiry_id, .. } => Concerns::Inquiry(inquiry_id),
            ApprovalRequest::ApproveTrustedPartner { partner_id, .. } => {
                Concerns::Partner(partner_id)
            }
        }
    }

    /// Reads a stored request from its two columns.
    pub fn from_parts(
        action: &str,
        payload: serde_json::Value,
    ) -> Result<ApprovalRequest, serde_json::Error> {
        serde_json::from_value(serde_json::json!({"action": action, "payload": payload}))
    }

    /// The payload column (the request without its action name).
    pub fn payload(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        v.get_mut("payload")
            .map(serde_json::Value::take)
            .unwrap_or_default()
    }
}

/// What one person did for another's account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ElevationKind {
    CreatedAccount,
    GrantedRole,
    GrantedAuthorization,
    /// Set the account's password for it (an admin's reset): whoever did
    /// knows the credentials, as the maker of an account does.
    ResetPassword,
}

impl ElevationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ElevationKind::CreatedAccount => "created_account",
            ElevationKind::GrantedRole => "granted_role",
            ElevationKind::GrantedAuthorization => "granted_authorization",
            ElevationKind::ResetPassword => "reset_password",
        }
    }

    pub fn parse(s: &str) -> Option<ElevationKind> {
        [
            Self::CreatedAccount,
            Self::GrantedRole,
            Self::GrantedAuthorization,
            Self::ResetPassword,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A fact for the cooling-off rule: `actor` created `subject`'s account or
/// took part in granting it a role or authorization, at `at` (Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Elevation {
    pub actor: String,
    pub subject: String,
    pub kind: ElevationKind,
    pub at: i64,
}

/// The first fact that makes `decider` ineligible to decide `requester`'s
/// requests at `now` (Unix seconds), if any: an elevation between the two,
/// in either direction, less than [`COOLING_OFF_SECONDS`] old. Facts dated
/// after `now` (clock skew between processes) count as recent.
pub fn cooling_off_conflict<'f>(
    requester: &str,
    decider: &str,
    facts: &'f [Elevation],
    now: i64,
) -> Option<&'f Elevation> {
    facts.iter().find(|f| {
        let linked = (f.actor == requester && f.subject == decider)
            || (f.actor == decider && f.subject == requester);
        linked && now.saturating_sub(f.at) < COOLING_OFF_SECONDS
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalState {
    Pending,
    Approved,
    Rejected,
    Cancelled,
}

spelled_enum! {
    ApprovalState {
        Pending => "pending",
        Approved => "approved",
        Rejected => "rejected",
        Cancelled => "cancelled",
    }
    parse
}

/// What a decider chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Reject,
}

/// The person (or agent) trying to decide.
#[derive(Debug, Clone)]
pub struct Decider<'a> {
    pub user_id: &'a str,
    /// Set when the request comes through an agent token.
    pub via_agent: bool,
    pub roles: &'a [Role],
    /// The elevations between the decider and the requester (either
    /// direction; others are ignored) and the time now, for the cooling-off
    /// rule.
    pub elevations: &'a [Elevation],
    pub now: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApprovalError {
    #[error("the request is already {0}")]
    NotPending(&'static str),
    #[error("the maker of a request cannot decide it; a second person must")]
    SelfDecision,
    #[error("an agent cannot decide a two-person request; a person must")]
    AgentCannotDecide,
    #[error("deciding this request needs the role '{0}'")]
    NotEligible(&'static str),
    #[error(
        "you cannot decide this request: within {COOLING_OFF_DAYS} days one of you {} the other's account; a third person must decide",
        match .0 {
            ElevationKind::CreatedAccount => "created",
            ElevationKind::GrantedRole => "granted a role to",
            ElevationKind::GrantedAuthorization => "granted an authorization to",
            ElevationKind::ResetPassword => "reset the password of",
        }
    )]
    CoolingOff(ElevationKind),
}

/// Decides a pending request. Rejection by the maker is a cancellation and is
/// allowed; approval or rejection only by a second, eligible, human
/// principal (see the module documentation for "eligible").
pub fn decide(
    action: ApprovalAction,
    state: ApprovalState,
    maker_user_id: &str,
    decider: &Decider<'_>,
    decision: Decision,
) -> Result<ApprovalState, ApprovalError> {
    if state != ApprovalState::Pending {
        return Err(ApprovalError::NotPending(state.as_str()));
    }
    if decider.via_agent {
        return Err(ApprovalError::AgentCannotDecide);
    }
    let is_maker = decider.user_id == maker_user_id;
    let conflict = cooling_off_conflict(
        maker_user_id,
        decider.user_id,
        decider.elevations,
        decider.now,
    );
    match decision {
        Decision::Reject if is_maker => Ok(ApprovalState::Cancelled),
        _ if is_maker => Err(ApprovalError::SelfDecision),
        _ if !decider.roles.contains(&action.approver_role()) => {
            Err(ApprovalError::NotEligible(action.approver_role().as_str()))
        }
        _ if conflict.is_some() => Err(ApprovalError::CoolingOff(
            conflict.map_or(ElevationKind::CreatedAccount, |f| f.kind),
        )),
        Decision::Approve => Ok(ApprovalState::Approved),
        Decision::Reject => Ok(ApprovalState::Rejected),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACTION: ApprovalAction = ApprovalAction::GrantAuthorizations;

    fn check(
        state: ApprovalState,
        decider: (&str, bool, &[Role]),
        decision: Decision,
        expected: Result<ApprovalState, ApprovalError>,
    ) {
        let d = Decider {
            user_id: decider.0,
            via_agent: decider.1,
            roles: decider.2,
            elevations: &[],
            now: 0,
        };
        assert_eq!(decide(ACTION, state, "maker", &d, decision), expected);
    }

    #[test]
    fn two_person_rule() {
        use ApprovalState::*;
        let admin: &[Role] = &[Role::PlatformAdmin];
        let member: &[Role] = &[Role::Member];
        check(
            Pending,
            ("other", false, admin),
            Decision::Approve,
            Ok(Approved),
        );
        check(
            Pending,
            ("other", false, admin),
            Decision::Reject,
            Ok(Rejected),
        );
        check(
            Pending,
            ("maker", false, admin),
            Decision::Approve,
            Err(ApprovalError::SelfDecision),
        );
        check(
            Pending,
            ("maker", false, admin),
            Decision::Reject,
            Ok(Cancelled),
        );
        check(
            Pending,
            ("other", true, admin),
            Decision::Approve,
            Err(ApprovalError::AgentCannotDecide),
        );
        check(
            Pending,
            ("maker", true, admin),
            Decision::Reject,
            Err(ApprovalError::AgentCannotDecide),
        );
        check(
            Pending,
            ("other", false, member),
            Decision::Approve,
            Err(ApprovalError::NotEligible("platform_admin")),
        );
        check(
            Approved,
            ("other", false, admin),
            Decision::Approve,
            Err(ApprovalError::NotPending("approved")),
        );
    }

    #[test]
    fn proof_of_concept_release_needs_a_second_coordinator() {
        use ApprovalState::*;
        let action = ApprovalAction::ReleaseProofOfConcept;
        let decider = |user_id, via_agent, roles| Decider {
            user_id,
            via_agent,
            roles,
            elevations: &[],
            now: 0,
        };
        let coordinator: &[Role] = &[Role::Coordinator];
        let admin: &[Role] = &[Role::PlatformAdmin];
        let approve = |d: &Decider<'_>| decide(action, Pending, "maker", d, Decision::Approve);
        assert_eq!(approve(&decider("other", false, coordinator)), Ok(Approved));
        assert_eq!(
            approve(&decider("maker", false, coordinator)),
            Err(ApprovalError::SelfDecision)
        );
        assert_eq!(
            approve(&decider("other", true, coordinator)),
            Err(ApprovalError::AgentCannotDecide)
        );
        assert_eq!(
            approve(&decider("other", false, admin)),
            Err(ApprovalError::NotEligible("coordinator"))
        );
    }

    fn fact(actor: &str, subject: &str, kind: ElevationKind, at: i64) -> Elevation {
        Elevation {
            actor: actor.into(),
            subject: subject.into(),
            kind,
            at,
        }
    }

    const NOW: i64 = 1_800_000_000;
    const DAY: i64 = 86_400;

    /// Decides `maker`'s grant as the admin `other` with these facts.
    fn decide_with(
        facts: &[Elevation],
        decision: Decision,
    ) -> Result<ApprovalState, ApprovalError> {
        let d = Decider {
            user_id: "other",
            via_agent: false,
            roles: &[Role::PlatformAdmin],
            elevations: facts,
            now: NOW,
        };
        decide(
            ApprovalAction::GrantRole,
            ApprovalState::Pending,
            "maker",
            &d,
            decision,
        )
    }

    #[test]
    fn sock_puppets_wait_out_the_cooling_off_both_ways() {
        use ElevationKind::*;
        let approve = |facts: &[Elevation]| decide_with(facts, Decision::Approve);
        // The maker made the decider's account yesterday: no.
        let made = fact("maker", "other", CreatedAccount, NOW - DAY);
        assert_eq!(
            approve(&[made]),
            Err(ApprovalError::CoolingOff(CreatedAccount))
        );
        // The decider granted the maker a role: no, the other way round too.
        let granted = fact("other", "maker", GrantedRole, NOW - 6 * DAY);
        assert_eq!(
            approve(&[granted]),
            Err(ApprovalError::CoolingOff(GrantedRole))
        );
        let auth = fact("maker", "other", GrantedAuthorization, NOW - 1);
        assert_eq!(
            approve(std::slice::from_ref(&auth)),
            Err(ApprovalError::CoolingOff(GrantedAuthorization))
        );
        // Rejecting is deciding too.
        assert_eq!(
            decide_with(&[auth], Decision::Reject),
            Err(ApprovalError::CoolingOff(GrantedAuthorization))
        );
        // Seven days on, or between other people, it no longer matters.
        let old = fact("maker", "other", CreatedAccount, NOW - COOLING_OFF_SECONDS);
        let unrelated = fact("maker", "third", CreatedAccount, NOW);
        let third = fact("third", "other", GrantedRole, NOW);
        assert_eq!(
            approve(&[old, unrelated, third]),
            Ok(ApprovalState::Approved)
        );
        // A fact from a clock ahead of ours counts as recent.
        let future = fact("other", "maker", CreatedAccount, NOW + 60);
        assert!(approve(&[future]).is_err());
    }

    #[test]
    fn payloads_read_from_the_stored_columns() {
        let stored = serde_json::json!({"user_id": "u1", "authorizations": ["CUI"]});
        let req = ApprovalRequest::from_parts("grant_authorizations", stored.clone()).unwrap();
        assert_eq!(
            req,
            ApprovalRequest::GrantAuthorizations {
                user_id: "u1".into(),
                authorizations: vec!["CUI".into()]
            }
        );
        assert_eq!(req.payload(), stored);
        assert_eq!(req.concerns(), Concerns::User("u1"));
        let poc = serde_json::json!({"poc_id": "p1", "user_id": "u2", "reason": "repro"});
        let req = ApprovalRequest::from_parts("release_proof_of_concept", poc).unwrap();
        assert_eq!(req.action(), ApprovalAction::ReleaseProofOfConcept);
        assert_eq!(req.concerns(), Concerns::ProofOfConcept("p1"));
        let roles = serde_json::json!({"user_id": "u3", "roles": ["coordinator"]});
        let req = ApprovalRequest::from_parts("grant_role", roles).unwrap();
        assert_eq!(req.action().approver_role(), Role::PlatformAdmin);
        assert!(ApprovalRequest::from_parts("grant_role", serde_json::json!({})).is_err());
        assert!(ApprovalRequest::from_parts("launch", serde_json::json!({})).is_err());
    }

    mod property {
        use super::*;
        use proptest::prelude::*;

        const PEOPLE: &[&str] = &["maker", "other", "third", "fourth"];

        fn arb_fact() -> impl Strategy<Value = Elevation> {
            (
                0..PEOPLE.len(),
                0..PEOPLE.len(),
                prop_oneof![
                    Just(ElevationKind::CreatedAccount),
                    Just(ElevationKind::GrantedRole),
                    Just(ElevationKind::GrantedAuthorization),
                    Just(ElevationKind::ResetPassword)
                ],
                -DAY..30 * DAY,
            )
                .prop_map(|(a, s, kind, age)| fact(PEOPLE[a], PEOPLE[s], kind, NOW - age))
        }

        proptest! {
            /// A decision stands exactly when no elevation links the two
            /// people, either way, within the cooling-off period; and more
            /// facts never make an ineligible decider eligible.
            #[test]
            fn decided_iff_no_recent_link(
                facts in proptest::collection::vec(arb_fact(), 0..12),
                more in proptest::collection::vec(arb_fact(), 0..4),
            ) {
                let linked = facts.iter().any(|f| {
                    let pair = (f.actor.as_str(), f.subject.as_str());
                    (pair == ("maker", "other") || pair == ("other", "maker"))
                        && NOW - f.at < COOLING_OFF_SECONDS
                });
                let got = decide_with(&facts, Decision::Approve);
                prop_assert_eq!(got.is_ok(), !linked);
                if linked {
                    let mut all = facts.clone();
                    all.extend(more);
                    prop_assert!(decide_with(&all, Decision::Approve).is_err());
                    prop_assert!(decide_with(&all, Decision::Reject).is_err());
                }
            }
        }
    }

    #[test]
    fn action_names_round_trip() {
        for a in ApprovalAction::ALL {
            assert_eq!(ApprovalAction::parse(a.as_str()), Some(*a));
        }
        assert_eq!(ApprovalAction::parse("launch_missiles"), None);
    }
}
