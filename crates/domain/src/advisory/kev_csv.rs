//! The CISA KEV catalog as CSV (`known_exploited_vulnerabilities.csv`): a header
//! line naming the JSON feed's keys (`cveID,vendorProject,product,...`), then one
//! entry per record, RFC 4180 quoting (`"a, b"`, `""` for a quote, line breaks
//! inside quotes). Columns are found by header name, in any order; `cveID`,
//! `dateAdded` and `dueDate` are required, unknown columns ignored; `cwes` is a
//! comma-separated list. The catalog version is `csv:` plus the newest
//! `dateAdded` (the CSV carries no version of its own). Errors name their line.

use super::kev::{KevCatalog, RawEntry, entry};
use super::{AdvisoryError, MAX_ROWS};

const FORMAT: &str = "KEV CSV";

/// Whether `text` starts with the KEV CSV header.
pub(super) fn looks_like_kev_csv(text: &[u8]) -> bool {
    text.starts_with(b"cveID,") || text.starts_with(b"\"cveID\",")
}

/// Splits CSV text into records of fields, each with its 1-based first line.
fn records(text: &str) -> Result<Vec<(usize, Vec<String>)>, AdvisoryError> {
    let mut out = Vec::new();
    let (mut fields, mut field) = (Vec::new(), String::new());
    let (mut line, mut start_line) = (1usize, 1usize);
    let mut quoted = false;
    let mut at_field_start = true;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' if at_field_start => {
                quoted = true;
                at_field_start = false;
            }
            ',' => {
                fields.push(std::mem::take(&mut field));
                at_field_start = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                if !(fields.len() == 1 && fields[0].is_empty()) {
                    out.push((start_line, std::mem::take(&mut fields)));
                }
                fields.clear();
                line += 1;
                start_line = line;
                at_field_start = true;
            }
            c => {
                field.push(c);
                at_field_start = false;
            }
        }
        if out.len() > MAX_ROWS {
            return Err(AdvisoryError::TooMany {
                format: FORMAT,
                field: "rows".into(),
                count: out.len(),
                limit: MAX_ROWS,
            });
        }
    }
    if quoted {
        return Err(AdvisoryError::Line {
            format: FORMAT,
            line: start_line,
            message: "a quoted field is not closed".into(),
        });
    }
    if !field.is_empty() || !fields.is_empty() {
        fields.push(field);
        out.push((start_line, fields));
    }
    Ok(out)
}

/// Reads the KEV CSV file.
pub fn parse_kev_csv(text: &str) -> Result<KevCatalog, AdvisoryError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = records(text)?.into_iter();
    let Some((_, header)) = rows.next() else {
        return Err(AdvisoryError::Line {
            format: FORMAT,
            line: 1,
            message: "empty file".into(),
        });
    };
    let col = |name: &str| header.iter().position(|h| h.trim() == name);
    let (Some(cve), Some(added), Some(due)) = (col("cveID"), col("dateAdded"), col("dueDate"))
    else {
        return Err(AdvisoryError::Line {
            format: FORMAT,
            line: 1,
            message: "the header must name cveID, dateAdded and dueDate".into(),
        });
    };
    let optional = |name: &str| col(name);
    let (vendor, product, name, description) = (
        optional("vendorProject"),
        optional("product"),
        optional("vulnerabilityName"),
        optional("shortDescription"),
    );
    let (ransomware, action, notes, cwes) = (
        optional("knownRansomwareCampaignUse"),
        optional("requiredAction"),
        optional("notes"),
        optional("cwes"),
    );
    let mut entries = Vec::new();
    for (line, r) in rows {
        if r.len() != header.len() {
            return Err(AdvisoryError::Line {
                format: FORMAT,
                line,
                message: format!("{} fields; the header has {}", r.len(), header.len()),
            });
        }
        let get = |i: Option<usize>| i.and_then(|i| r.get(i)).cloned().unwrap_or_default();
        let raw = RawEntry {
            cve_id: get(Some(cve)),
            vendor_project: get(vendor),
            product: get(product),
            vulnerability_name: get(name),
            short_description: get(description),
            date_added: get(Some(added)),
            due_date: get(Some(due)),
            known_ransomware_campaign_use: get(ransomware),
            required_action: get(action),
            notes: get(notes),
            cwes: get(cwes)
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect(),
        };
        for (value, field) in [(&raw.date_added, "dateAdded"), (&raw.due_date, "dueDate")] {
            if value.trim().is_empty() {
                return Err(AdvisoryError::Line {
                    format: FORMAT,
                    line,
                    message: format!("{field} must not be empty"),
                });
            }
        }
        let e = entry(raw, |field| field.to_owned()).map_err(|e| AdvisoryError::Line {
            format: FORMAT,
            line,
            message: match e {
                AdvisoryError::Field { field, message, .. } => format!("{field}: {message}"),
                other => other.to_string(),
            },
        })?;
        entries.push(e);
    }
    let newest = entries
        .iter()
        .map(|e| e.date_added.as_str())
        .max()
        .unwrap_or_default();
    Ok(KevCatalog {
        catalog_version: format!("csv:{newest}"),
        date_released: String::new(),
        entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "cveID,vendorProject,product,vulnerabilityName,dateAdded,shortDescription,\
                          requiredAction,dueDate,knownRansomwareCampaignUse,notes,cwes\n";

    #[test]
    fn quoted_fields_commas_and_line_breaks() {
        let text = format!(
            "{HEADER}CVE-2021-44228,Apache,Log4j2,\"Apache Log4j2 \"\"Log4Shell\"\"\",2021-12-10,\
             \"JNDI, lookups\nacross lines\",Apply updates.,2021-12-24,Known,https://x.example,\"CWE-20, CWE-917\"\r\n"
        );
        let c = parse_kev_csv(&text).unwrap();
        assert_eq!(c.entries.len(), 1);
        let e = &c.entries[0];
        assert_eq!(e.name, "Apache Log4j2 \"Log4Shell\"");
        assert_eq!(e.description, "JNDI, lookups\nacross lines");
        assert!(e.known_ransomware);
        assert_eq!(e.cwes, vec!["CWE-20".to_owned(), "CWE-917".to_owned()]);
        assert_eq!(c.catalog_version, "csv:2021-12-10");
    }

    #[test]
    fn errors_name_their_line() {
        let text = format!("{HEADER}CVE-1,a,b,c,2021-01-01,d,e,2021-02-01,Maybe,,\n");
        let e = parse_kev_csv(&text).unwrap_err();
        assert_eq!(e.line(), Some(2), "{e}");
        let e = parse_kev_csv(&format!("{HEADER}CVE-1,a\n")).unwrap_err();
        assert_eq!(e.line(), Some(2), "{e}");
        assert!(parse_kev_csv("cveID,product\nCVE-1,x\n").is_err());
        assert!(parse_kev_csv(&format!("{HEADER}\"CVE-1,a")).is_err());
    }

    #[test]
    fn the_real_csv_has_the_json_feeds_entries() {
        let Some(dir) = crate::test_data::sub_dir("kev") else {
            return;
        };
        let csv = std::fs::read_to_string(dir.join("known_exploited_vulnerabilities.csv")).unwrap();
        let json = std::fs::read(dir.join("known_exploited_vulnerabilities.json")).unwrap();
        let c = parse_kev_csv(&csv).unwrap();
        let j = crate::advisory::parse_kev(&json).unwrap();
        assert_eq!(c.entries.len(), 1404);
        assert_eq!(c.entries.len(), j.entries.len());
        for e in &j.entries {
            let same = c.entries.iter().find(|x| x.cve_id == e.cve_id).unwrap();
            assert_eq!(same, e);
        }
        // Detected from its content, whatever its name.
        assert!(matches!(
            crate::advisory::parse_document("catalog.csv", csv.as_bytes()),
            Ok(crate::advisory::Document::Kev(_))
        ));
    }
}
