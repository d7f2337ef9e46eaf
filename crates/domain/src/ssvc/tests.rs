//! Unit tests of the table evaluator and the CISA types (no data files).

use proptest::prelude::*;

use super::*;

const SMALL: &str = "row,Colour v1.0.0 (test),\"Size, Shape v2.0.0\",Verdict v1.0.0\n\
                     0,red,small,keep\n\
                     1,red,large,drop\n\
                     7,Blue,small,keep\n";

#[test]
fn ssvc_table_reads_headers_values_and_rows() {
    let t = DecisionTable::from_csv(SMALL).unwrap();
    let colour = &t.points()[0];
    assert_eq!(colour.name, "Colour");
    assert_eq!(colour.version.as_deref(), Some("1.0.0"));
    assert_eq!(colour.namespace.as_deref(), Some("test"));
    assert_eq!(colour.values, ["red", "Blue"]);
    assert_eq!(t.points()[1].name, "Size, Shape");
    assert_eq!(t.points()[1].namespace, None);
    assert_eq!(t.outcome().name, "Verdict");
    assert_eq!(t.outcome().values, ["keep", "drop"]);
    assert_eq!(t.len(), 3);
    assert!(!t.is_complete(), "blue/large is missing");
    let d = t
        .decide(&[("size, shape", "SMALL"), ("Colour v1.0.0 (test)", "blue")])
        .unwrap();
    assert_eq!(d.outcome, "keep");
    assert_eq!(d.row, 7);
    assert_eq!(
        d.inputs,
        [
            ("Colour".to_owned(), "Blue".to_owned()),
            ("Size, Shape".to_owned(), "small".to_owned())
        ]
    );
    assert_eq!(t.rows().map(|d| d.row).collect::<Vec<_>>(), [0, 1, 7]);
}

#[test]
fn ssvc_decide_errors_name_the_problem() {
    let t = DecisionTable::from_csv(SMALL).unwrap();
    let err = t
        .decide(&[("Colour", "green"), ("Size, Shape", "small")])
        .unwrap_err();
    assert_eq!(
        err,
        SsvcError::UnknownValue {
            point: "Colour".into(),
            value: "green".into(),
            allowed: vec!["red".into(), "Blue".into()],
        }
    );
    assert!(err.to_string().contains("\"red\", \"Blue\""), "{err}");
    let err = t.decide(&[("Colour", "red")]).unwrap_err();
    assert!(matches!(&err, SsvcError::MissingInput { point, .. } if point == "Size, Shape"));
    let err = t.decide(&[("Weight", "1")]).unwrap_err();
    assert!(matches!(&err, SsvcError::UnknownPoint { known, .. } if known.len() == 2));
    let err = t
        .decide(&[("Colour", "red"), ("colour", "red")])
        .unwrap_err();
    assert_eq!(err, SsvcError::DuplicateInput("Colour".into()));
    let err = t
        .decide(&[("Colour", "blue"), ("Size, Shape", "large")])
        .unwrap_err();
    assert!(matches!(err, SsvcError::NoMatchingRow { .. }));
}

#[test]
fn ssvc_malformed_csv_is_rejected() {
    assert_eq!(DecisionTable::from_csv(""), Err(SsvcError::EmptyTable));
    assert_eq!(
        DecisionTable::from_csv("row,A,B\n"),
        Err(SsvcError::EmptyTable)
    );
    assert!(matches!(
        DecisionTable::from_csv("row,A\n0,x\n"),
        Err(SsvcError::Csv { line: 1, .. })
    ));
    assert!(matches!(
        DecisionTable::from_csv("row,A,B\n0,x\n"),
        Err(SsvcError::Csv { line: 2, .. })
    ));
    assert!(matches!(
        DecisionTable::from_csv("row,A,B\nzero,x,y\n"),
        Err(SsvcError::Csv { line: 2, .. })
    ));
    assert!(matches!(
        DecisionTable::from_csv("A,B\n\"x,y\n"),
        Err(SsvcError::Csv { line: 2, .. })
    ));
    assert_eq!(
        DecisionTable::from_csv("A,B\nx,1\nX,2\n"),
        Err(SsvcError::DuplicateRow {
            line: 3,
            first_line: 2
        })
    );
    assert_eq!(
        DecisionTable::from_csv("A v1.0.0,a,B\nx,y,1\n"),
        Err(SsvcError::DuplicateColumn("a".into()))
    );
    // No `row` column: rows are numbered from 0.
    let t = DecisionTable::from_csv("\u{feff}A,B\r\nx,1\r\ny,2\r\n").unwrap();
    assert_eq!(
        t.decide(&[("a", "y")]).map(|d| (d.outcome, d.row)),
        Ok(("2".into(), 1))
    );
    assert!(t.is_complete());
}

#[test]
fn ssvc_deadline_parses_outcomes_and_computes_due_dates() {
    for (s, d) in [
        (
            "3 days & forensic investigation",
            Deadline::Days3WithForensicTriage,
        ),
        ("3DF", Deadline::Days3WithForensicTriage),
        ("3 days", Deadline::Days(3)),
        ("14 days", Deadline::Days(14)),
        ("60D", Deadline::Days(60)),
        ("1 day", Deadline::Days(1)),
        ("fix on system upgrade", Deadline::NextUpgrade),
        ("FSU", Deadline::NextUpgrade),
    ] {
        assert_eq!(Deadline::parse(s), Some(d), "{s}");
    }
    for bad in ["", "days", "soon", "-3 days", "3 weeks"] {
        assert_eq!(Deadline::parse(bad), None, "{bad}");
    }
    let t0 = 1_700_000_000;
    assert_eq!(
        Deadline::Days3WithForensicTriage.due(t0),
        Some(t0 + 3 * 86_400)
    );
    assert_eq!(Deadline::Days(14).due(t0), Some(t0 + 14 * 86_400));
    assert_eq!(Deadline::NextUpgrade.due(t0), None);
    assert_eq!(Deadline::Days(60).due(i64::MAX), Some(i64::MAX));
    assert!(Deadline::Days3WithForensicTriage.requires_forensic_triage());
    assert!(!Deadline::Days(3).requires_forensic_triage());
}

#[test]
fn ssvc_enums_parse_table_values_keys_and_aliases() {
    assert_eq!(
        Exploitation::parse("Public PoC"),
        Some(Exploitation::PublicPoc)
    );
    assert_eq!(Exploitation::parse("poc"), Some(Exploitation::PublicPoc));
    assert_eq!(Exploitation::parse("NONE"), Some(Exploitation::None));
    assert_eq!(Exploitation::parse("exploited"), None);
    assert_eq!(CisaLevel::parse("Track*"), Some(CisaLevel::TrackStar));
    assert_eq!(CisaLevel::parse("AC"), Some(CisaLevel::Act));
    assert_eq!(MissionWellbeing::parse("h"), Some(MissionWellbeing::High));
    assert_eq!(
        TechnicalImpact::parse("Total"),
        Some(TechnicalImpact::Total)
    );
    for e in Exploitation::ALL {
        assert_eq!(Exploitation::parse(e.table_value()), Some(*e));
    }
    for l in CisaLevel::ALL {
        assert_eq!(CisaLevel::parse(l.table_value()), Some(*l));
    }
}

#[test]
fn ssvc_inputs_from_vulnrichment_options() {
    let options = serde_json::json!([
        {"Exploitation": "PoC"}, {"Automatable": "Yes"}, {"Technical Impact": "total"}
    ]);
    let inputs = CisaSsvcInputs::from_json(&options).unwrap();
    assert_eq!(
        inputs,
        CisaSsvcInputs {
            exploitation: Exploitation::PublicPoc,
            automatable: true,
            technical_impact: TechnicalImpact::Total,
        }
    );
    assert_eq!(CisaSsvcInputs::from_json(&inputs.to_options()), Ok(inputs));
    assert_eq!(
        inputs.coordinator_level(MissionWellbeing::High),
        CisaLevel::Attend
    );
    assert_eq!(
        inputs.bod_26_04_deadline(true, true),
        Deadline::Days3WithForensicTriage
    );
    let err =
        CisaSsvcInputs::from_json(&serde_json::json!([{"Exploitation": "none"}])).unwrap_err();
    assert!(matches!(err, SsvcError::MissingInput { point, .. } if point == "Automatable"));
    let err = CisaSsvcInputs::from_pairs([("Automatable", "maybe")]).unwrap_err();
    assert_eq!(
        err,
        SsvcError::InvalidOption {
            point: "Automatable".into(),
            value: "maybe".into()
        }
    );
}

proptest! {
    #[test]
    fn ssvc_from_csv_never_panics(text in "[a-c,\"\\n\\r 0-9]{0,60}") {
        if let Ok(t) = DecisionTable::from_csv(&text) {
            for d in t.rows() {
                let inputs: Vec<(&str, &str)> =
                    d.inputs.iter().map(|(p, v)| (p.as_str(), v.as_str())).collect();
                prop_assert_eq!(t.decide(&inputs), Ok(d.clone()));
            }
        }
    }
}
