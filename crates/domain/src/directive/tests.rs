//! Directive rules tested as features: the rule language (parse, errors
//! with positions, normal form), due dates per policy, validation of
//! drafts (each refusal names its field), amendments' diffs, and
//! compliance states and figures.

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::json;

use super::compliance::*;
use super::due::*;
use super::*;
use crate::exposure::RemediationState;
use crate::ssvc::{CisaLevel, Deadline};

fn d(s: &str) -> CalendarDate {
    CalendarDate::parse(s).expect("test date")
}

fn facts(kev: bool, ssvc: Option<CisaLevel>, cvss: Option<f64>) -> ExposureFacts {
    ExposureFacts {
        in_kev: kev,
        kev_ransomware: false,
        ssvc,
        cvss,
        epss: None,
    }
}

#[track_caller]
fn check_rule(text: &str, normal: &str, yes: &[ExposureFacts], no: &[ExposureFacts]) {
    let r = Rule::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    assert_eq!(r.to_string(), normal, "{text}");
    assert_eq!(
        Rule::parse(normal).as_ref(),
        Ok(&r),
        "{text}: normal form parses back"
    );
    for f in yes {
        assert!(r.matches(f), "{text} should catch {f:?}");
    }
    for f in no {
        assert!(!r.matches(f), "{text} should not catch {f:?}");
    }
}

#[test]
fn rules_catch_what_they_say() {
    let act = Some(CisaLevel::Act);
    let attend = Some(CisaLevel::Attend);
    check_rule(
        "kev",
        "kev",
        &[facts(true, None, None)],
        &[facts(false, act, Some(10.0))],
    );
    check_rule(
        "SSVC = act",
        "ssvc = act",
        &[facts(false, act, None)],
        &[facts(true, attend, None), facts(true, None, None)],
    );
    check_rule(
        "cvss >= 9.0",
        "cvss >= 9",
        &[facts(false, None, Some(9.0)), facts(false, None, Some(9.8))],
        &[facts(false, None, Some(8.9)), facts(true, act, None)],
    );
    check_rule(
        "kev and ssvc in (act, attend)",
        "kev and ssvc in (act, attend)",
        &[facts(true, act, None), facts(true, attend, None)],
        &[
            facts(true, Some(CisaLevel::Track), None),
            facts(false, act, None),
        ],
    );
    check_rule(
        "kev or (cvss > 7 and not ssvc = track)",
        "kev or cvss > 7 and not ssvc = track",
        &[facts(true, None, None), facts(false, act, Some(7.5))],
        &[
            facts(false, Some(CisaLevel::Track), Some(9.0)),
            facts(false, act, Some(7.0)),
        ],
    );
    check_rule(
        "(kev or cvss >= 9) and ssvc != track*",
        "(kev or cvss >= 9) and not ssvc = track*",
        &[facts(true, act, None)],
        &[facts(true, Some(CisaLevel::TrackStar), None)],
    );
    check_rule("all", "all", &[facts(false, None, None)], &[]);
}

#[track_caller]
fn check_rule_error(text: &str, position: usize, contains: &str) {
    let e = Rule::parse(text).expect_err(text);
    assert_eq!(e.position, position, "{text}: {e}");
    assert!(e.message.contains(contains), "{text}: {e}");
}

#[test]
fn rule_errors_name_the_position() {
    check_rule_error("", 1, "expected a condition");
    check_rule_error("kev and", 8, "the end of the rule");
    check_rule_error(
        "kev and ssvc = urgent",
        16,
        "unknown SSVC decision 'urgent'",
    );
    check_rule_error("cvss >= 11", 9, "out of range");
    check_rule_error("cvss ~ 9", 6, "unexpected character");
    check_rule_error("kev kev", 5, "expected 'and', 'or'");
    check_rule_error("(kev", 5, "expected ')'");
    check_rule_error("ssvc in (act attend)", 14, "expected ',' or ')'");
    check_rule_error("severity = high", 1, "unknown word 'severity'");
    check_rule_error(&"(".repeat(40), 33, "nested more than");
    check_rule_error(&"kev or ".repeat(200), 1001, "at most");
}

#[test]
fn due_dates_per_policy() {
    let eff = d("2026-06-01");
    let f = DueFacts {
        kev_due_date: Some(d("2021-11-17")),
        bod_26_04: Some(Deadline::Days(14)),
        ssvc: Some(CisaLevel::Attend),
        cvss: Some(7.5),
        first_seen: Some(d("2026-06-10")),
    };
    assert_eq!(DuePolicy::KevDueDate.due(&f, eff), Some(d("2021-11-17")));
    assert_eq!(DuePolicy::Bod2604.due(&f, eff), Some(d("2026-06-24")));
    let ssvc = DuePolicy::SsvcDays {
        act: Some(3),
        attend: Some(30),
        track_star: None,
        track: None,
    };
    assert_eq!(ssvc.due(&f, eff), Some(d("2026-07-10")));
    let sev = DuePolicy::SeverityDays {
        critical: Some(15),
        high: Some(30),
        medium: None,
        low: None,
    };
    assert_eq!(sev.due(&f, eff), Some(d("2026-07-10")));
    // Seen before the directive took effect: counted from the effective date.
    let early = DueFacts {
        first_seen: Some(d("2025-01-01")),
        ..f.clone()
    };
    assert_eq!(
        DuePolicy::Days { days: 14 }.due(&early, eff),
        Some(d("2026-06-15"))
    );
    let none = DueFacts::default();
    assert_eq!(DuePolicy::KevDueDate.due(&none, eff), None);
    assert_eq!(
        ssvc.due(
            &DueFacts {
                ssvc: Some(CisaLevel::Track),
                ..f.clone()
            },
            eff
        ),
        None
    );
    let upgrade = DueFacts {
        bod_26_04: Some(Deadline::NextUpgrade),
        ..f
    };
    assert_eq!(DuePolicy::Bod2604.due(&upgrade, eff), None);
    assert!(DuePolicy::Days { days: 4000 }.validate().is_err());
    assert!(
        DuePolicy::SsvcDays {
            act: None,
            attend: None,
            track_star: None,
            track: None
        }
        .validate()
        .is_err()
    );
}

#[test]
fn calendar_arithmetic() {
    assert_eq!(day_number(d("1970-01-01")), 0);
    assert_eq!(add_days(d("2024-02-28"), 1), d("2024-02-29"));
    assert_eq!(add_days(d("2023-02-28"), 1), d("2023-03-01"));
    assert_eq!(add_days(d("2026-12-31"), 1), d("2027-01-01"));
    assert_eq!(days_between(d("2021-11-03"), d("2022-05-03")), 181);
    assert_eq!(date_of("2026-01-02T03:04:05Z"), Some(d("2026-01-02")));
}

proptest! {
    #[test]
    fn day_numbers_round_trip(n in -700_000i64..2_900_000) {
        prop_assert_eq!(day_number(from_day_number(n)), n);
    }

    #[test]
    fn rule_parsing_never_panics_and_normal_forms_parse_back(text in "[a-z*(),=!<>. 0-9]{0,60}") {
        if let Ok(r) = Rule::parse(&text) {
            prop_assert_eq!(Rule::parse(&r.to_string()), Ok(r));
        }
    }

    #[test]
    fn generated_rules_round_trip(words in proptest::collection::vec(0usize..8, 1..12)) {
        let atoms = ["kev", "ssvc = act", "cvss >= 9.5", "epss > 0.1", "ransomware",
            "ssvc in (track, track*)", "not kev", "all"];
        let joins = [" and ", " or "];
        let mut text = String::new();
        for (i, w) in words.iter().enumerate() {
            if i > 0 { text.push_str(joins[(w + i) % 2]); }
            text.push_str(atoms[*w]);
        }
        let r = Rule::parse(&text).expect("generated rule parses");
        prop_assert_eq!(Rule::parse(&r.to_string()), Ok(r));
    }
}

fn body() -> DirectiveBody {
    serde_json::from_value(json!({
        "number": "BOD 26-05",
        "title": "Reducing the significant risk of known exploited vulnerabilities",
        "issued": "2026-06-01",
        "effective": "2026-06-15",
        "scope": {"kinds": ["government_agency"]},
        "actions": [
            {"type": "remediate", "key": "kev", "title": "Remediate KEV", "rule": "kev",
             "due": {"kind": "kev_due_date"}},
            {"type": "report", "key": "inventory", "title": "Asset inventory",
             "fields": [{"name": "asset_count"}, {"name": "notes", "required": false}],
             "first_due": "2026-07-01", "every_days": 30},
            {"type": "attest", "key": "process", "title": "Process in place",
             "statement": "We have a vulnerability management process.", "due": "2026-08-01"}
        ]
    }))
    .expect("test body")
}

#[track_caller]
fn check_refused(edit: impl FnOnce(&mut serde_json::Value), field: &str, contains: &str) {
    let mut v = serde_json::to_value(body()).expect("json");
    edit(&mut v);
    let b: DirectiveBody = serde_json::from_value(v).expect("shape");
    let e = b.validate().expect_err(field);
    assert_eq!(e.field, field, "{e}");
    assert!(e.message.contains(contains), "{e}");
}

#[test]
fn drafts_are_checked_field_by_field() {
    assert!(body().validate().is_ok());
    check_refused(|v| v["number"] = json!("BOD 2605"), "number", "BOD 26-05");
    check_refused(|v| v["number"] = json!("XYZ 26-05"), "number", "BOD 26-05");
    check_refused(|v| v["title"] = json!("  "), "title", "empty");
    check_refused(
        |v| v["effective"] = json!("2026-05-01"),
        "effective",
        "issued",
    );
    check_refused(|v| v["scope"] = json!({}), "scope", "name");
    check_refused(|v| v["actions"] = json!([]), "actions", "at least one");
    check_refused(
        |v| v["actions"][0]["rule"] = json!("kev and"),
        "actions[0].rule",
        "position 8",
    );
    check_refused(
        |v| v["actions"][1]["first_due"] = json!("2026-06-01"),
        "actions[1].first_due",
        "effective",
    );
    check_refused(
        |v| v["actions"][2]["due"] = json!("2026-06-14"),
        "actions[2].due",
        "effective",
    );
    check_refused(
        |v| v["actions"][1]["key"] = json!("kev"),
        "actions[1].key",
        "another action",
    );
    check_refused(
        |v| v["actions"][1]["fields"] = json!([]),
        "actions[1].fields",
        "1 to",
    );
    check_refused(
        |v| v["actions"][0]["due"] = json!({"kind": "days", "days": 9999}),
        "actions[0].due.days",
        "at most",
    );
    // The rule is stored in its normal form.
    let mut v = serde_json::to_value(body()).expect("json");
    v["actions"][0]["rule"] = json!("KEV  and  cvss>=9.0");
    let b: DirectiveBody = serde_json::from_value(v).expect("shape");
    let b = b.validate().expect("valid");
    assert!(
        matches!(&b.actions[0], RequiredAction::Remediate { rule, .. } if rule == "kev and cvss >= 9")
    );
}

#[test]
fn scopes() {
    use crate::identity::{OrgKind, Sector};
    let s = DirectiveScope {
        kinds: vec![OrgKind::CriticalInfrastructureOperator],
        sectors: vec![Sector::Energy],
        organizations: vec!["org-1".into()],
    };
    assert!(s.includes("org-1", OrgKind::Vendor, None));
    assert!(s.includes(
        "x",
        OrgKind::CriticalInfrastructureOperator,
        Some(Sector::Energy)
    ));
    assert!(!s.includes(
        "x",
        OrgKind::CriticalInfrastructureOperator,
        Some(Sector::Dams)
    ));
    assert!(!s.includes("x", OrgKind::GovernmentAgency, Some(Sector::Energy)));
    let named = DirectiveScope {
        organizations: vec!["org-1".into()],
        ..DirectiveScope::default()
    };
    assert!(!named.includes("x", OrgKind::GovernmentAgency, None));
}

#[test]
fn amendments_show_their_changes() {
    let old = body().validate().expect("valid");
    let mut v = serde_json::to_value(&old).expect("json");
    v["title"] = json!("Amended");
    v["actions"][0]["rule"] = json!("kev and ssvc = act");
    v["actions"].as_array_mut().expect("array").remove(2);
    v["actions"].as_array_mut().expect("array").push(json!(
        {"type": "attest", "key": "inventory_tool", "title": "Tool", "statement": "s", "due": "2026-09-01"}));
    let new: DirectiveBody = serde_json::from_value(v).expect("shape");
    let a = diff_actions(&old, &new.validate().expect("valid"));
    assert_eq!(a.fields, vec!["title".to_owned()]);
    assert_eq!(
        a.actions,
        vec![
            ActionChange::Changed {
                key: "kev".into(),
                fields: vec!["rule".into()]
            },
            ActionChange::Removed {
                key: "process".into()
            },
            ActionChange::Added {
                key: "inventory_tool".into()
            },
        ]
    );
}

#[test]
fn obligation_states() {
    let today = d("2026-07-01");
    let open = RemediationFacts {
        state: RemediationState::Open,
        resolved: false,
        due: Some(d("2026-06-30")),
        extended_to: None,
        exception_granted: false,
    };
    assert_eq!(remediate_state(&open, today), ObligationState::Overdue);
    assert_eq!(
        remediate_state(&open, d("2026-06-30")),
        ObligationState::OnTime
    );
    let extended = RemediationFacts {
        extended_to: Some(d("2026-07-15")),
        ..open.clone()
    };
    assert_eq!(remediate_state(&extended, today), ObligationState::OnTime);
    for s in [RemediationState::Patched, RemediationState::Mitigated] {
        let f = RemediationFacts {
            state: s,
            ..open.clone()
        };
        assert_eq!(remediate_state(&f, today), ObligationState::Satisfied);
    }
    // A risk acceptance alone does not excuse: only a granted exception does.
    let accepted = RemediationFacts {
        state: RemediationState::RiskAccepted,
        ..open.clone()
    };
    assert_eq!(remediate_state(&accepted, today), ObligationState::Overdue);
    let excepted = RemediationFacts {
        exception_granted: true,
        ..accepted
    };
    assert_eq!(remediate_state(&excepted, today), ObligationState::Excepted);
    let resolved = RemediationFacts {
        resolved: true,
        ..open.clone()
    };
    assert_eq!(
        remediate_state(&resolved, today),
        ObligationState::Satisfied
    );
    let no_due = RemediationFacts { due: None, ..open };
    assert_eq!(
        remediate_state(&no_due, d("2099-01-01")),
        ObligationState::OnTime
    );
}

#[test]
fn report_periods_and_submissions() {
    let first = d("2026-07-01");
    assert_eq!(report_periods(first, None, d("2027-01-01")), vec![first]);
    assert_eq!(
        report_periods(first, Some(30), d("2026-06-01")),
        vec![first]
    );
    assert_eq!(
        report_periods(first, Some(30), d("2026-08-05")),
        vec![first, d("2026-07-31"), d("2026-08-30")]
    );
    assert_eq!(
        report_periods(first, Some(1), d("2030-01-01")).len(),
        MAX_PERIODS
    );
    assert_eq!(
        form_state(false, false, first, None, d("2026-07-02")),
        ObligationState::Overdue
    );
    assert_eq!(
        form_state(true, false, first, None, d("2026-07-02")),
        ObligationState::Satisfied
    );

    let fields = vec![
        ReportField {
            name: "asset_count".into(),
            required: true,
            kind: FieldKind::Text,
        },
        ReportField {
            name: "notes".into(),
            required: false,
            kind: FieldKind::Text,
        },
    ];
    let values = |v: serde_json::Value| -> BTreeMap<String, serde_json::Value> {
        serde_json::from_value(v).expect("map")
    };
    assert!(typed_report(&fields, &values(json!({"asset_count": 12}))).is_ok());
    let e = typed_report(&fields, &values(json!({"notes": "x"}))).expect_err("missing");
    assert_eq!(
        (e.field.as_str(), e.message.as_str()),
        ("fields.asset_count", "is required")
    );
    let e = typed_report(&fields, &values(json!({"asset_count": 1, "x": 1}))).expect_err("extra");
    assert_eq!(e.field, "fields.x");
    let e = typed_report(&fields, &values(json!({"asset_count": [1]}))).expect_err("array");
    assert_eq!(e.field, "fields.asset_count");
}

#[test]
fn extension_and_exception_requests() {
    let due = Some(d("2026-07-01"));
    let e = validate_request(
        RequestKind::Extension,
        Some(d("2026-08-01")),
        " ",
        due,
        d("2026-07-05"),
    )
    .expect_err("no reason after due");
    assert_eq!(e.field, "justification");
    assert!(e.message.contains("due date has passed"), "{e}");
    let e = validate_request(
        RequestKind::Extension,
        None,
        "vendor patch late",
        due,
        d("2026-06-05"),
    )
    .expect_err("no date");
    assert_eq!(e.field, "until");
    let e = validate_request(
        RequestKind::Extension,
        Some(d("2026-06-20")),
        "x",
        due,
        d("2026-06-05"),
    )
    .expect_err("earlier");
    assert_eq!(e.field, "until");
    assert!(
        validate_request(
            RequestKind::Extension,
            Some(d("2026-08-01")),
            "late patch",
            due,
            d("2026-06-05")
        )
        .is_ok()
    );
    assert!(
        validate_request(
            RequestKind::Exception,
            None,
            "legacy system isolated",
            due,
            d("2026-07-05")
        )
        .is_ok()
    );
    assert!(
        validate_request(
            RequestKind::Exception,
            Some(d("2026-08-01")),
            "x",
            due,
            d("2026-07-05")
        )
        .is_err()
    );
}

#[test]
fn tallies_and_worst_offenders() {
    let mut c = Counter::default();
    c.add(ObligationState::Overdue, None);
    c.add(ObligationState::Satisfied, Some(10));
    c.add(ObligationState::Satisfied, Some(4));
    c.add(ObligationState::Excepted, None);
    let t = c.finish();
    assert_eq!(
        (t.total, t.overdue, t.satisfied, t.excepted, t.on_time),
        (4, 1, 2, 1, 0)
    );
    assert_eq!(t.score, 75.0);
    assert_eq!(t.median_days_to_remediate, Some(7.0));
    assert_eq!(Counter::default().finish().score, 100.0);
    let mut orgs = vec![
        ("b", t.clone()),
        (
            "a",
            Tally {
                overdue: 3,
                ..t.clone()
            },
        ),
        ("c", Tally::default()),
    ];
    worst_first(&mut orgs, |(n, t)| (t.overdue, t.score, n));
    let names: Vec<&str> = orgs.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["a", "b", "c"]);
}

fn state_of(i: u8) -> ObligationState {
    ObligationState::ALL[usize::from(i % 4)]
}

proptest! {
    /// Counters of parts merge into the counter of the whole, a stored
    /// counter reads back the same, and the histogram's median is the
    /// median of the values: what the dashboard's materialised figures
    /// rely on.
    #[test]
    fn counters_merge_and_store_exactly(
        items in proptest::collection::vec((any::<u8>(), proptest::option::of(0i64..400)), 0..200),
        split in 0usize..200,
    ) {
        let mut whole = Counter::default();
        let (mut left, mut right) = (Counter::default(), Counter::default());
        let mut days = Vec::new();
        for (i, (s, d)) in items.iter().enumerate() {
            whole.add(state_of(*s), *d);
            if i < split { left.add(state_of(*s), *d) } else { right.add(state_of(*s), *d) }
            if let Some(d) = d { days.push(*d); }
        }
        let stored_left = Counter::stored(left.counts(), &left.days_text());
        prop_assert_eq!(stored_left.as_ref(), Some(&left));
        let mut merged = stored_left.unwrap_or_default();
        merged.merge(&right);
        prop_assert_eq!(&merged, &whole);
        prop_assert_eq!(whole.finish().median_days_to_remediate, median(&mut days));
    }
}

#[test]
fn stored_counters_refuse_what_they_did_not_write() {
    let counts = (3, 1, 1, 0, 1);
    assert!(Counter::stored(counts, "4:1").is_some());
    assert!(Counter::stored(counts, "").is_some());
    for bad in ["4", "x:1", "4:0", "-1:2", "4:1,4:1", "4:1,"] {
        assert!(Counter::stored(counts, bad).is_none(), "{bad}");
    }
    assert!(
        Counter::stored((3, 1, 1, 0, 0), "").is_none(),
        "counts that do not add up"
    );
}

#[test]
fn not_affected_per_vendor_vex_is_out_of_scope() {
    for s in RemediationState::ALL {
        assert_eq!(
            gives_remediate_obligation(s),
            s != RemediationState::NotAffected,
            "{s}"
        );
    }
}

#[test]
fn report_values_are_typed_by_their_field() {
    let field = |name: &str, kind: FieldKind, required: bool| ReportField {
        name: name.into(),
        required,
        kind,
    };
    let fields = vec![
        field("zip", FieldKind::Text, true),
        field("asset_count", FieldKind::Number, true),
        field("encrypted", FieldKind::Boolean, false),
    ];
    let values = |v: serde_json::Value| -> BTreeMap<String, serde_json::Value> {
        serde_json::from_value(v).expect("map")
    };
    let check = |input: serde_json::Value, expected: serde_json::Value| {
        let got = typed_report(&fields, &values(input.clone())).expect("accepted");
        assert_eq!(
            serde_json::to_value(got).expect("json"),
            expected,
            "{input}"
        );
    };
    // Text stays exactly as typed; numbers and yes/no by their definition.
    check(
        json!({"zip": "02134", "asset_count": "0042", "encrypted": "yes"}),
        json!({"zip": "02134", "asset_count": 42, "encrypted": true}),
    );
    check(
        json!({"zip": "02134", "asset_count": 12.5, "encrypted": "False"}),
        json!({"zip": "02134", "asset_count": 12.5, "encrypted": false}),
    );
    check(
        json!({"zip": "00501", "asset_count": "3.25"}),
        json!({"zip": "00501", "asset_count": 3.25}),
    );
    let refused = |input: serde_json::Value, field: &str, words: &str| {
        let e = typed_report(&fields, &values(input.clone())).expect_err("refused");
        assert_eq!(e.field, field, "{input}");
        assert!(e.message.contains(words), "{input}: {e}");
    };
    refused(
        json!({"zip": "02134", "asset_count": "many"}),
        "fields.asset_count",
        "number",
    );
    refused(
        json!({"zip": "02134", "asset_count": "1e400"}),
        "fields.asset_count",
        "number",
    );
    refused(
        json!({"zip": "02134", "asset_count": "inf"}),
        "fields.asset_count",
        "number",
    );
    refused(
        json!({"zip": "02134", "asset_count": " "}),
        "fields.asset_count",
        "required",
    );
    refused(
        json!({"zip": "02134", "asset_count": 1, "encrypted": "maybe"}),
        "fields.encrypted",
        "yes or no",
    );
    refused(
        json!({"zip": "02134", "asset_count": true}),
        "fields.asset_count",
        "number",
    );
    // The type is part of the directive's JSON only when not text.
    let v = serde_json::to_value(&fields).expect("json");
    assert_eq!(v[0], json!({"name": "zip", "required": true}));
    assert_eq!(
        v[1],
        json!({"name": "asset_count", "required": true, "type": "number"})
    );
    let back: Vec<ReportField> = serde_json::from_value(v).expect("back");
    assert_eq!(back, fields);
}

#[test]
fn due_policies_read_as_sentences() {
    let check = |due: DuePolicy, expected: &str| assert_eq!(due.describe(), expected, "{due:?}");
    check(
        DuePolicy::KevDueDate,
        "the KEV entry's due date (exposures not in KEV have none)",
    );
    check(
        DuePolicy::Bod2604,
        "the exposure's BOD 26-04 deadline, counted from when it was first seen \
         (or the effective date, if later)",
    );
    check(
        DuePolicy::Days { days: 14 },
        "14 days after first seen (or the effective date, if later)",
    );
    check(
        DuePolicy::SsvcDays {
            act: Some(14),
            attend: Some(1),
            track_star: None,
            track: Some(180),
        },
        "by SSVC decision: Act 14 days, Attend 1 day, Track* no due date, \
         Track 180 days (about 6 months); after first seen (or the effective date, if later)",
    );
    check(
        DuePolicy::SeverityDays {
            critical: Some(15),
            high: Some(30),
            medium: Some(365),
            low: None,
        },
        "by CVSS severity: critical 15 days, high 30 days, medium 365 days (about 1 year), \
         low no due date; after first seen (or the effective date, if later)",
    );
}

#[test]
fn a_part_taken_out_of_a_counter_leaves_the_rest() {
    let part = |adds: &[(ObligationState, Option<i64>)]| {
        let mut c = Counter::default();
        for (s, d) in adds {
            c.add(*s, *d);
        }
        c
    };
    let a = part(&[
        (ObligationState::Satisfied, Some(3)),
        (ObligationState::Overdue, None),
    ]);
    let b = part(&[
        (ObligationState::Satisfied, Some(3)),
        (ObligationState::Satisfied, Some(40)),
        (ObligationState::OnTime, None),
    ]);
    let mut whole = a.clone();
    whole.merge(&b);
    assert!(whole.remove(&a));
    assert_eq!(whole, b, "merge then remove is the identity");
    assert_eq!(whole.days_text(), "3:1,40:1");
    let before = whole.clone();
    assert!(!whole.remove(&a), "a has an overdue obligation b lacks");
    assert_eq!(whole, before, "a refused removal changes nothing");
    assert!(whole.remove(&b));
    assert_eq!(whole, Counter::default());
}
