//! Tests against the SSVC project's tables and CISA vulnrichment records in
//! `../shared/data` (skipped when absent, required in CI).

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::*;
use crate::test_data::{data_dir, files};

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn cisa_table(data: &Path, file: &str) -> DecisionTable {
    let path = data.join("ssvc/data/csv/cisa").join(file);
    DecisionTable::from_csv(&read(&path)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

#[test]
fn ssvc_every_csv_row_reproduces_its_outcome() {
    let Some(data) = data_dir() else { return };
    let mut csvs = Vec::new();
    files(&data.join("ssvc/data/csv"), "csv", &mut csvs);
    let mut rows = 0;
    for path in &csvs {
        let table = DecisionTable::from_csv(&read(path))
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(table.is_complete(), "{} lacks combinations", path.display());
        for (i, want) in table.rows().enumerate() {
            let inputs: Vec<(&str, &str)> = want
                .inputs
                .iter()
                .map(|(p, v)| (p.as_str(), v.as_str()))
                .collect();
            assert_eq!(
                table.decide(&inputs).as_ref(),
                Ok(&want),
                "{}",
                path.display()
            );
            assert_eq!(
                want.row,
                i,
                "{}: rows are numbered in order",
                path.display()
            );
            rows += 1;
        }
    }
    println!(
        "ssvc csv tables: {} tables, {rows} rows reproduced",
        csvs.len()
    );
    assert!(
        csvs.len() >= 16 && rows > 1500,
        "{} tables, {rows} rows",
        csvs.len()
    );
}

#[test]
fn ssvc_hand_encoded_cisa_coordinator_equals_the_csv_table() {
    let Some(data) = data_dir() else { return };
    let table = cisa_table(&data, "cisa_coordinator_2_0_3.csv");
    assert_eq!(table.len(), 36);
    let mut checked = 0;
    for &e in Exploitation::ALL {
        for a in [false, true] {
            for &t in TechnicalImpact::ALL {
                for &m in MissionWellbeing::ALL {
                    let d = cisa_coordinator(&table, e, a, t, m).unwrap();
                    assert_eq!(
                        CisaLevel::parse(&d.outcome),
                        Some(cisa_coordinator_2_0_3(e, a, t, m)),
                        "row {}: {:?}",
                        d.row,
                        d.inputs
                    );
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, table.len());
}

#[test]
fn ssvc_hand_encoded_bod_26_04_equals_the_csv_table() {
    let Some(data) = data_dir() else { return };
    let table = cisa_table(&data, "cisa_bod_26_04_1_0_0.csv");
    assert_eq!(table.len(), 16);
    let mut by_deadline = BTreeMap::new();
    for kev in [false, true] {
        for exposed in [false, true] {
            for automatable in [false, true] {
                for &t in TechnicalImpact::ALL {
                    let from_table = bod_26_04(&table, kev, exposed, automatable, t).unwrap();
                    assert_eq!(from_table, bod_26_04_1_0_0(kev, exposed, automatable, t));
                    *by_deadline.entry(format!("{from_table:?}")).or_insert(0) += 1;
                }
            }
        }
    }
    println!("bod 26-04 rows by deadline: {by_deadline:?}");
    assert_eq!(by_deadline.values().sum::<i32>(), 16);
    assert_eq!(
        by_deadline.len(),
        5,
        "3 days + triage, 3, 14, 60 days, next upgrade"
    );
}

/// The JSON decision tables (keys like `ssvc:E:1.1.0` -> `P`) say what the CSVs say.
#[test]
fn ssvc_json_decision_tables_agree_with_the_csv_tables() {
    let Some(data) = data_dir() else { return };
    for name in ["cisa_coordinator_2_0_3", "cisa_bod_26_04_1_0_0"] {
        let table = cisa_table(&data, &format!("{name}.csv"));
        let path = data.join(format!("ssvc/data/json/decision_tables/cisa/{name}.json"));
        let json: Value = serde_json::from_str(&read(&path)).unwrap();
        let points = json["decision_points"].as_object().unwrap();
        let value_name = |point: &str, key: &str| -> (String, String) {
            let p = &points[point];
            let v = p["values"]
                .as_array()
                .unwrap()
                .iter()
                .find(|v| v["key"] == key)
                .unwrap();
            (
                p["name"].as_str().unwrap().to_owned(),
                v["name"].as_str().unwrap().to_owned(),
            )
        };
        let outcome_key = json["outcome"].as_str().unwrap();
        let mapping = json["mapping"].as_array().unwrap();
        assert_eq!(mapping.len(), table.len(), "{name}");
        for row in mapping {
            let row = row.as_object().unwrap();
            let named: Vec<(String, String)> = row
                .iter()
                .filter(|(k, _)| k.as_str() != outcome_key)
                .map(|(k, v)| value_name(k, v.as_str().unwrap()))
                .collect();
            let inputs: Vec<(&str, &str)> = named
                .iter()
                .map(|(p, v)| (p.as_str(), v.as_str()))
                .collect();
            let decision = table
                .decide(&inputs)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let (_, want) = value_name(outcome_key, row[outcome_key].as_str().unwrap());
            assert!(
                decision.outcome.eq_ignore_ascii_case(&want),
                "{name}: {inputs:?}"
            );
        }
    }
}

#[test]
fn ssvc_real_tables_reject_unknown_values_and_wrong_tables() {
    let Some(data) = data_dir() else { return };
    let coordinator = cisa_table(&data, "cisa_coordinator_2_0_3.csv");
    let bod = cisa_table(&data, "cisa_bod_26_04_1_0_0.csv");
    let err = coordinator
        .decide(&[
            ("Exploitation", "poc"),
            ("Automatable", "no"),
            ("Technical Impact", "total"),
            ("Mission and Well-Being Impact", "high"),
        ])
        .unwrap_err();
    assert_eq!(
        err,
        SsvcError::UnknownValue {
            point: "Exploitation".into(),
            value: "poc".into(),
            allowed: vec!["none".into(), "public poc".into(), "active".into()],
        }
    );
    let err = bod
        .decide(&[
            ("In KEV", "yes"),
            ("Automatable", "no"),
            ("Technical Impact", "total"),
        ])
        .unwrap_err();
    assert_eq!(
        err,
        SsvcError::MissingInput {
            point: "Publicly Exposed".into(),
            allowed: vec!["no".into(), "yes".into()],
        }
    );
    let err = bod_26_04(&coordinator, true, true, true, TechnicalImpact::Total).unwrap_err();
    assert!(
        matches!(&err, SsvcError::UnknownPoint { point, .. } if point == "In KEV"),
        "{err}"
    );
    let err = cisa_coordinator(
        &bod,
        Exploitation::Active,
        true,
        TechnicalImpact::Total,
        MissionWellbeing::High,
    )
    .unwrap_err();
    assert!(matches!(&err, SsvcError::UnknownPoint { point, .. } if point == "Exploitation"));
}

/// Every vulnrichment SSVC assessment parses into typed inputs; the table and the
/// hand-encoded policies agree on each (KEV membership from the record's `kev` metric).
#[test]
fn ssvc_vulnrichment_records_parse_into_typed_inputs() {
    let Some(data) = data_dir() else { return };
    let coordinator = cisa_table(&data, "cisa_coordinator_2_0_3.csv");
    let bod = cisa_table(&data, "cisa_bod_26_04_1_0_0.csv");
    let mut records = Vec::new();
    files(&data.join("vulnrichment"), "json", &mut records);
    let (mut assessed, mut in_kev) = (0usize, 0usize);
    let mut levels: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for path in &records {
        let Ok(doc) = serde_json::from_str::<Value>(&read(path)) else {
            continue;
        };
        let others: Vec<&Value> = doc["containers"]["adp"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|adp| adp["metrics"].as_array().into_iter().flatten())
            .map(|m| &m["other"])
            .collect();
        let kev = others.iter().any(|o| o["type"] == "kev");
        for other in others.iter().filter(|o| o["type"] == "ssvc") {
            let inputs = match CisaSsvcInputs::from_json(&other["content"]["options"]) {
                Ok(i) => i,
                Err(e) => {
                    failures.push(format!("{}: {e}", path.display()));
                    continue;
                }
            };
            assessed += 1;
            in_kev += usize::from(kev);
            for &m in MissionWellbeing::ALL {
                let level = inputs.coordinator_level(m);
                let d = cisa_coordinator(
                    &coordinator,
                    inputs.exploitation,
                    inputs.automatable,
                    inputs.technical_impact,
                    m,
                )
                .unwrap();
                assert_eq!(CisaLevel::parse(&d.outcome), Some(level));
                *levels.entry(format!("{m:?}:{level:?}")).or_insert(0) += 1;
            }
            for exposed in [false, true] {
                let deadline = bod_26_04(
                    &bod,
                    kev,
                    exposed,
                    inputs.automatable,
                    inputs.technical_impact,
                );
                assert_eq!(deadline, Ok(inputs.bod_26_04_deadline(kev, exposed)));
            }
        }
    }
    println!(
        "vulnrichment: {} records, {assessed} SSVC assessments parsed ({in_kev} in KEV), {} failed; levels {levels:?}",
        records.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{failures:?}");
    assert!(assessed > 2500, "got {assessed}");
}
