//! The editor's form: refusals placed beside their fields, a directive
//! read back from its form unchanged, typed numbers and dates checked.

use super::*;

#[test]
fn refusals_go_beside_their_field() {
    let p = place("actions[2].due.act", "bad".into());
    assert_eq!(p.action, Some((2, "due".into())));
    let p = place("actions[0].fields[1].name", "bad".into());
    assert_eq!(p.action, Some((0, "fields".into())));
    let p = place("scope.organizations", "bad".into());
    assert_eq!((p.field.as_str(), p.action), ("scope", None));
    let p = place("actions", "none".into());
    assert_eq!((p.field.as_str(), p.action), ("", None));
    assert_eq!(place("effective", "x".into()).field, "effective");
}

#[test]
fn a_directive_round_trips_through_the_form() {
    let body: DirectiveBody = serde_json::from_value(serde_json::json!({
        "number": "BOD 26-05", "title": "KEV", "issued": "2026-01-01",
        "effective": "2026-01-15", "scope": {"kinds": ["government_agency"],
        "sectors": ["energy"]},
        "actions": [
            {"type": "remediate", "key": "kev", "title": "KEV", "rule": "kev",
             "due": {"kind": "ssvc_days", "act": 14, "attend": null, "track_star": 90,
             "track": null}},
            {"type": "report", "key": "inv", "title": "Inventory",
             "fields": [{"name": "asset_count", "type": "number"}, {"name": "zip"},
                        {"name": "encrypted", "type": "boolean", "required": false},
                        {"name": "notes", "required": false}],
             "first_due": "2026-02-01", "every_days": 30},
            {"type": "attest", "key": "att", "title": "Process",
             "statement": "We do.", "due": "2026-03-01"}
        ]
    }))
    .expect("a body");
    let f = EditorInput::of(&body, &[]);
    let mut pairs: Vec<(String, String)> = vec![
        ("number".into(), f.number.clone()),
        ("title".into(), f.title.clone()),
        ("issued".into(), f.issued.clone()),
        ("effective".into(), f.effective.clone()),
        ("kinds".into(), "government_agency".into()),
        ("sectors".into(), "energy".into()),
        ("intent".into(), "save".into()),
    ];
    for (i, a) in f.actions.iter().enumerate() {
        let p = |n: &str, v: &str| (format!("a{i}.{n}"), v.to_owned());
        pairs.extend([
            p("type", &a.kind),
            p("key", &a.key),
            p("title", &a.title),
            p("rule", &a.rule),
            p("due_kind", &a.due_kind),
            p("fields", &a.fields),
            p("first_due", &a.first_due),
            p("every_days", &a.every_days),
            p("statement", &a.statement),
            p("due_date", &a.due_date),
        ]);
        for (k, v) in &a.due {
            pairs.push(p(&format!("due_{k}"), v));
        }
    }
    let (parsed, _, intent) = EditorInput::parse(pairs).expect("parsed");
    assert_eq!(intent, "save");
    assert_eq!(parsed.to_body(Vec::new()).expect("a body"), body);
}

#[test]
fn typed_numbers_and_dates_are_checked_naming_the_field() {
    let mut a = ActionInput::blank("remediate");
    a.due_kind = "ssvc_days".into();
    a.due.insert("act".into(), "two weeks".into());
    let e = a.to_action(3).expect_err("not a number");
    assert!(matches!(e, AppError::Invalid { ref field, .. } if field == "actions[3].due.act"));
    let mut r = ActionInput::blank("report");
    r.first_due = "soon".into();
    let e = r.to_action(0).expect_err("not a date");
    assert!(matches!(e, AppError::Invalid { ref field, .. } if field == "actions[0].first_due"));
    let mut r = ActionInput::blank("report");
    r.first_due = "2026-02-01".into();
    r.fields = "asset_count: number\nzip: postcode".into();
    let e = r.to_action(1).expect_err("not a type");
    assert!(matches!(e, AppError::Invalid { ref field, ref message }
        if field == "actions[1].fields" && message.contains("zip: the type must be")));
}
