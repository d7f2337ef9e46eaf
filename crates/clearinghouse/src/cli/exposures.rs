//! `clearinghouse exposures`: fetches every exposure matching the filters
//! (following `next_cursor`) and prints a table, in the server's order, or
//! the JSON array as received.

use std::process::ExitCode;

use serde::Deserialize;
use serde_json::Value;

use super::client::{ApiClient, ClientError, print_json};
use crate::config::ExposuresArgs;

const HEADERS: [&str; 6] = [
    "PRIORITY",
    "DEADLINE",
    "ASSET",
    "COMPONENT",
    "VULNERABILITY",
    "REASON",
];

/// The fields of an exposure the table shows; every one optional, so an
/// answer with gaps still prints.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Exposure {
    asset_id: Option<Value>,
    asset_name: Option<String>,
    component: Component,
    vulnerability: Vulnerability,
    reason: Option<String>,
    ssvc_decision: Option<String>,
    priority_rank: Option<Value>,
    deadline: Option<String>,
    due_at: Option<String>,
    overdue: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Component {
    name: Option<String>,
    version: Option<String>,
    purl: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Vulnerability {
    id: Option<String>,
    aliases: Vec<String>,
}

pub async fn run(args: ExposuresArgs) -> anyhow::Result<ExitCode> {
    let client = ApiClient::new(&args.server)?;
    let items = client
        .get_all(
            &["exposures"],
            &[
                ("asset", args.asset.as_deref()),
                ("org", args.org.as_deref()),
                ("state", args.state.as_deref()),
            ],
        )
        .await?;
    if args.json {
        print_json(&Value::Array(items));
        return Ok(ExitCode::SUCCESS);
    }
    if items.is_empty() {
        eprintln!("no exposures");
        return Ok(ExitCode::SUCCESS);
    }
    let rows = items
        .iter()
        .map(|item| {
            Exposure::deserialize(item)
                .map(|e| row(&e))
                .map_err(|e| ClientError::Decode {
                    request: "GET /api/v1/exposures".into(),
                    detail: format!("an exposure of an unexpected shape: {e}"),
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    print!("{}", table(&HEADERS, &rows));
    Ok(ExitCode::SUCCESS)
}

fn row(e: &Exposure) -> Vec<String> {
    let priority = e
        .ssvc_decision
        .clone()
        .or_else(|| e.priority_rank.as_ref().map(scalar))
        .unwrap_or_else(|| "-".into());
    let mut deadline = e
        .deadline
        .as_deref()
        .or(e.due_at.as_deref())
        .map(|d| d.split('T').next().unwrap_or(d).to_owned())
        .unwrap_or_else(|| "-".into());
    if e.overdue {
        deadline.push_str(" OVERDUE");
    }
    let asset = e
        .asset_name
        .clone()
        .or_else(|| e.asset_id.as_ref().map(scalar))
        .unwrap_or_else(|| "-".into());
    let mut vulnerability = e.vulnerability.id.clone().unwrap_or_else(|| "-".into());
    if !e.vulnerability.aliases.is_empty() {
        vulnerability.push_str(&format!(" ({})", e.vulnerability.aliases.join(", ")));
    }
    vec![
        priority,
        deadline,
        asset,
        component(&e.component),
        vulnerability,
        e.reason.clone().unwrap_or_default(),
    ]
}

/// `purl@version`, unless the purl already names its version; the name
/// when there is no purl.
fn component(c: &Component) -> String {
    let base = c
        .purl
        .as_deref()
        .or(c.name.as_deref())
        .unwrap_or("-")
        .to_owned();
    match c.version.as_deref() {
        Some(v) if !v.is_empty() && !base.contains('@') => format!("{base}@{v}"),
        _ => base,
    }
}

/// A JSON scalar as text (strings without their quotes).
fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Left-aligned columns two spaces apart, the last one unpadded. Control
/// characters from the server (newlines, terminal escapes) become spaces.
fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect()
    };
    let mut lines: Vec<Vec<String>> = vec![headers.iter().map(|h| (*h).to_owned()).collect()];
    lines.extend(rows.iter().map(|r| r.iter().map(|c| clean(c)).collect()));
    let mut widths = vec![0; headers.len()];
    for line in &lines {
        for (w, cell) in widths.iter_mut().zip(line) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for line in &lines {
        let mut text = String::new();
        for (i, (cell, w)) in line.iter().zip(&widths).enumerate() {
            if i > 0 {
                text.push_str("  ");
            }
            text.push_str(cell);
            if i + 1 < line.len() {
                text.push_str(&" ".repeat(w - cell.chars().count()));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn exposure(v: Value) -> Vec<String> {
        row(&Exposure::deserialize(&v).unwrap())
    }

    #[test]
    fn formats_rows() {
        let full = exposure(json!({
            "id": "e1", "asset_id": "a1", "asset_name": "web",
            "component": {"name": "lodash", "version": "4.17.20", "purl": "pkg:npm/lodash"},
            "vulnerability": {"id": "GHSA-35jh-r3h4-6jhm", "aliases": ["CVE-2021-23337"], "summary": "s"},
            "reason": "version 4.17.20 < 4.17.21", "priority": {"kev": true}, "priority_rank": 3,
            "ssvc_decision": "act", "deadline": "2026-07-01T00:00:00Z", "overdue": true, "state": "open"
        }));
        assert_eq!(
            full,
            [
                "act",
                "2026-07-01 OVERDUE",
                "web",
                "pkg:npm/lodash@4.17.20",
                "GHSA-35jh-r3h4-6jhm (CVE-2021-23337)",
                "version 4.17.20 < 4.17.21"
            ]
        );
        let sparse = exposure(json!({
            "asset_id": 7, "priority_rank": 12, "due_at": "2026-08-01",
            "component": {"name": "openssl", "version": "3.0.1", "purl": "pkg:deb/debian/openssl@3.0.1"},
            "vulnerability": {"id": "CVE-2024-1", "aliases": []}
        }));
        assert_eq!(
            sparse,
            [
                "12",
                "2026-08-01",
                "7",
                "pkg:deb/debian/openssl@3.0.1",
                "CVE-2024-1",
                ""
            ]
        );
        assert_eq!(exposure(json!({}))[..4], ["-", "-", "-", "-"]);
    }

    #[test]
    fn aligns_columns_and_neutralises_control_characters() {
        let rows = vec![
            vec![
                "act".to_owned(),
                "web".to_owned(),
                "why\n\u{1b}[31m".to_owned(),
            ],
            vec!["track*".to_owned(), "".to_owned(), "".to_owned()],
        ];
        assert_eq!(
            table(&["P", "ASSET", "REASON"], &rows),
            "P       ASSET  REASON\n\
             act     web    why  [31m\n\
             track*\n"
        );
    }
}
