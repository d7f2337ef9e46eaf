//! Inquiry tests: the happy path, refusals, and properties over random
//! action sequences by random actors: `decided` is never reached without
//! every consultation and two distinct authorities; the developer can
//! always withdraw before a decision; the inquiry carries no release date.

use proptest::prelude::*;

use super::*;
use crate::frontier::threshold::{Commitment, PolicyReference};
use crate::identity::Role;

fn actor(user: &str, org: &str, roles: &[Role], consultee: Option<&str>) -> Actor {
    Actor {
        user_id: user.into(),
        org_id: org.into(),
        roles: roles.to_vec(),
        consultee: consultee.map(str::to_owned),
    }
}

fn actors() -> Vec<Actor> {
    vec![
        actor("dev", "lab", &[Role::Member], None),
        actor("stranger", "other-lab", &[Role::OrgAdmin], None),
        actor("eval", "caisi", &[Role::Evaluator], None),
        actor("nsa1", "nsa", &[Role::DesignationAuthority], None),
        actor("nsa2", "nsa", &[Role::DesignationAuthority], None),
        actor("oncd", "oncd", &[Role::Consultant], Some("oncd")),
        actor("apst", "ostp", &[Role::Consultant], Some("apst")),
        actor("cisa", "cisa", &[Role::Consultant], Some("cisa")),
        actor("dow", "dow", &[Role::Consultant], Some("dow")),
        actor("fake", "cisa", &[Role::Member], Some("cisa")),
    ]
}

fn basis(d: Determination) -> DecisionBasis {
    DecisionBasis {
        determination: d,
        findings: vec![],
        policies: vec![PolicyReference {
            id: "p".into(),
            version: 1,
            commitment: Commitment("c".repeat(64)),
        }],
    }
}

fn inquiry() -> Inquiry {
    open("inq-1", "model-1", &actors()[0], default_consultees()).unwrap_or_else(|e| panic!("{e}"))
}

fn run(
    q: Inquiry,
    steps: &[(Action, usize)],
) -> Result<(Inquiry, Vec<ApprovalFiling>), InquiryError> {
    let a = actors();
    let mut filings = Vec::new();
    let mut q = q;
    for (action, who) in steps {
        let step = next(&q, action, &a[*who])?;
        filings.extend(step.filing);
        q = step.inquiry;
    }
    Ok((q, filings))
}

fn respond(who: usize, id: &str, response: Response) -> (Action, usize) {
    (
        Action::Respond {
            consultee: id.into(),
            response,
        },
        who,
    )
}

fn happy_path() -> Vec<(Action, usize)> {
    vec![
        (Action::StartEvaluation, 2),
        (
            Action::AttachRun {
                run_id: "run-1".into(),
            },
            2,
        ),
        (
            Action::BeginConsultation {
                basis: basis(Determination::Covered),
            },
            2,
        ),
        respond(5, "oncd", Response::Concur),
        respond(
            6,
            "apst",
            Response::Dissent {
                comment: "the suite is too narrow".into(),
            },
        ),
        respond(7, "cisa", Response::Declined),
        respond(8, "dow", Response::Concur),
        (
            Action::ProposeDecision {
                determination: Determination::Covered,
                reason: None,
            },
            3,
        ),
        (
            Action::ApproveDecision {
                approval_id: "appr-9".into(),
            },
            4,
        ),
        (
            Action::Communicate {
                released_summary: Some("covered; summary attached".into()),
            },
            3,
        ),
    ]
}

#[test]
fn the_whole_inquiry() {
    let (q, filings) = run(inquiry(), &happy_path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(q.phase, Phase::Communicated);
    assert_eq!(
        filings,
        [ApprovalFiling {
            inquiry_id: "inq-1".into(),
            determination: Determination::Covered,
            requested_by: "nsa1".into(),
            approver_role: Role::DesignationAuthority
        }]
    );
    let d = q.decision.unwrap_or_else(|| panic!("decision"));
    assert_eq!(
        (
            d.proposed_by.as_str(),
            d.approved_by.as_str(),
            d.approval_id.as_str()
        ),
        ("nsa1", "nsa2", "appr-9")
    );
    assert_eq!(
        (
            d.runs.len(),
            d.consultations.len(),
            d.basis.policies[0].version
        ),
        (1, 4, 1)
    );
}

#[test]
fn releases_by_an_authority_once_decided() {
    let path = happy_path();
    let a = actors();
    let consulting = run(inquiry(), &path[..8])
        .map(|(q, _)| q)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(
        may_release(&consulting, &a[3]),
        Err(InquiryError::WrongPhase { .. })
    ));
    let decided = run(inquiry(), &path[..9])
        .map(|(q, _)| q)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(decided.phase, Phase::Decided);
    assert_eq!(may_release(&decided, &a[3]), Ok(()));
    for who in [0, 2, 5] {
        assert!(matches!(
            may_release(&decided, &a[who]),
            Err(InquiryError::NotAllowed { .. })
        ));
    }
    for p in ReleasePart::ALL {
        assert_eq!(ReleasePart::parse(p.as_str()), Some(p));
    }
    assert_eq!(ReleasePart::parse("threshold"), None);
}

#[test]
fn refusals_name_the_rule() {
    let path = happy_path();
    let at = |n: usize| {
        run(inquiry(), &path[..n])
            .map(|(q, _)| q)
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let a = actors();
    // Only evaluators evaluate; the developer cannot.
    assert!(matches!(
        next(&at(0), &Action::StartEvaluation, &a[0]),
        Err(InquiryError::NotAllowed { .. })
    ));
    // No consultation without a run.
    assert_eq!(
        next(&at(1), &path[2].0, &a[2]).map(|_| ()),
        Err(InquiryError::NoRuns)
    );
    // A consultant answers only for their own consultee; a member with the right org is not a consultant.
    assert!(matches!(
        next(
            &at(3),
            &Action::Respond {
                consultee: "cisa".into(),
                response: Response::Concur
            },
            &a[5]
        ),
        Err(InquiryError::NotAllowed { .. })
    ));
    assert!(matches!(
        next(
            &at(3),
            &Action::Respond {
                consultee: "cisa".into(),
                response: Response::Concur
            },
            &a[9]
        ),
        Err(InquiryError::NotAllowed { .. })
    ));
    assert_eq!(
        next(&at(4), &path[3].0, &a[5]).map(|_| ()),
        Err(InquiryError::AlreadyResponded("oncd".into()))
    );
    assert_eq!(
        next(
            &at(4),
            &Action::Respond {
                consultee: "apst".into(),
                response: Response::Dissent {
                    comment: " ".into()
                }
            },
            &a[6]
        )
        .map(|_| ()),
        Err(InquiryError::CommentRequired)
    );
    // No proposal before every consultee answered; the error lists who is missing.
    assert_eq!(
        next(&at(5), &path[7].0, &a[3]).map(|_| ()),
        Err(InquiryError::ConsultationsIncomplete(vec![
            "cisa".into(),
            "dow".into()
        ]))
    );
    // Departing from the computed determination needs a reason.
    let differ = Action::ProposeDecision {
        determination: Determination::NotCovered,
        reason: None,
    };
    assert_eq!(
        next(&at(7), &differ, &a[3]).map(|_| ()),
        Err(InquiryError::ReasonRequired)
    );
    // The proposer cannot approve their own proposal.
    assert_eq!(
        next(&at(8), &path[8].0, &a[3]).map(|_| ()),
        Err(InquiryError::SamePerson)
    );
    // Withdrawal: only the developer's organisation, and not after the decision.
    assert!(matches!(
        next(&at(5), &Action::Withdraw { reason: None }, &a[1]),
        Err(InquiryError::NotAllowed { .. })
    ));
    assert!(matches!(
        next(&at(9), &Action::Withdraw { reason: None }, &a[0]),
        Err(InquiryError::WrongPhase {
            phase: Phase::Decided,
            ..
        })
    ));
    assert!(open("i", "m", &a[0], vec![]).is_err());
    // Withdrawing with a proposal pending tells the app to cancel its approval.
    let w = next(
        &at(8),
        &Action::Withdraw {
            reason: Some("not releasing".into()),
        },
        &a[0],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(w.cancel_pending_approval && w.inquiry.proposal.is_none());
    assert_eq!(w.inquiry.phase, Phase::Withdrawn);
}

fn any_action() -> impl Strategy<Value = Action> {
    let consultee =
        prop::sample::select(vec!["oncd", "apst", "cisa", "dow", "nsc"]).prop_map(str::to_owned);
    let response = prop_oneof![
        Just(Response::Concur),
        Just(Response::Declined),
        prop::sample::select(vec!["", "no"]).prop_map(|c| Response::Dissent { comment: c.into() }),
    ];
    let det = prop::sample::select(vec![
        Determination::Covered,
        Determination::NotCovered,
        Determination::Inconclusive,
    ]);
    prop_oneof![
        Just(Action::StartEvaluation),
        prop::sample::select(vec!["r1", "r2", ""])
            .prop_map(|r| Action::AttachRun { run_id: r.into() }),
        det.clone()
            .prop_map(|d| Action::BeginConsultation { basis: basis(d) }),
        (consultee, response).prop_map(|(consultee, response)| Action::Respond {
            consultee,
            response
        }),
        (det, prop::option::of(Just("reason".to_owned()))).prop_map(|(determination, reason)| {
            Action::ProposeDecision {
                determination,
                reason,
            }
        }),
        Just(Action::ApproveDecision {
            approval_id: "a".into()
        }),
        Just(Action::Communicate {
            released_summary: None
        }),
        Just(Action::Withdraw { reason: None }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn invariants_hold_along_any_sequence(steps in proptest::collection::vec((any_action(), 0usize..10), 0..60)) {
        let a = actors();
        let mut q = inquiry();
        for (action, who) in &steps {
            let Ok(step) = next(&q, action, &a[*who]) else { continue };
            q = step.inquiry;
            match q.phase {
                Phase::Decided | Phase::Communicated => {
                    let d = q.decision.as_ref().ok_or_else(|| TestCaseError::fail("decided without a decision"))?;
                    prop_assert!(q.outstanding_consultations().is_empty());
                    for c in &q.consultees {
                        prop_assert!(d.consultations.iter().any(|r| r.consultee == c.id), "{} not consulted", c.id);
                    }
                    prop_assert_ne!(&d.proposed_by, &d.approved_by);
                    prop_assert!(!d.runs.is_empty());
                }
                Phase::Submitted | Phase::Evaluating | Phase::Consulting => {
                    let w = next(&q, &Action::Withdraw { reason: None }, &a[0]).map(|s| s.inquiry.phase);
                    prop_assert_eq!(w, Ok(Phase::Withdrawn));
                    prop_assert!(q.decision.is_none());
                }
                Phase::Withdrawn => prop_assert!(q.decision.is_none()),
            }
            // No veto: the inquiry has no release date to change.
            let json = serde_json::to_string(&q).unwrap_or_default();
            prop_assert!(!json.contains("planned_") && !json.contains("release_date"));
        }
    }

    /// Random interleavings around the happy path: whichever action decides,
    /// every consultation was in before it.
    #[test]
    fn happy_path_with_noise(noise in proptest::collection::vec((any_action(), 0usize..10, 0usize..10), 0..20)) {
        let a = actors();
        let mut q = inquiry();
        let path = happy_path();
        for (i, step) in path.iter().enumerate() {
            let mut actions: Vec<(&Action, usize)> = noise.iter().filter(|n| n.2 == i).map(|n| (&n.0, n.1)).collect();
            actions.push((&step.0, step.1));
            for (action, who) in actions {
                if let Ok(s) = next(&q, action, &a[who]) {
                    if s.inquiry.phase == Phase::Decided && q.phase != Phase::Decided {
                        prop_assert!(q.outstanding_consultations().is_empty());
                    }
                    q = s.inquiry;
                }
            }
        }
    }
}
