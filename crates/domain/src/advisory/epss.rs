//! FIRST EPSS daily score files (<https://www.first.org/epss/data_stats>):
//! `epss_scores-YYYY-MM-DD.csv`, an optional
//! `#model_version:v2023.03.01,score_date:2023-06-01T00:00:00+0000` line, the header
//! `cve,epss,percentile`, then one row per CVE.
//!
//! Rows are split in place (the only allocation per row is the CVE id). A row needs
//! exactly three fields, a `CVE-` id and two numbers in `[0, 1]`; anything else is an
//! error naming its 1-based line. Blank lines are skipped; `\r\n` endings are accepted.

use super::{AdvisoryError, MAX_ROWS};

const FORMAT: &str = "EPSS";

/// One CVE's score.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EpssScore {
    pub cve_id: String,
    /// Probability of exploitation activity in the next 30 days.
    pub probability: f64,
    /// The score's percentile among all scored CVEs.
    pub percentile: f64,
}

/// A score file.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EpssFile {
    pub model_version: Option<String>,
    /// As given (`2023-06-01T00:00:00+0000`).
    pub score_date: Option<String>,
    pub scores: Vec<EpssScore>,
}

fn line_error(line: usize, message: impl Into<String>) -> AdvisoryError {
    AdvisoryError::Line {
        format: FORMAT,
        line,
        message: message.into(),
    }
}

/// Reads an EPSS CSV file.
pub fn parse_epss(text: &str) -> Result<EpssFile, AdvisoryError> {
    super::check_size(text.as_bytes())?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut file = EpssFile {
        model_version: None,
        score_date: None,
        scores: Vec::new(),
    };
    let mut header_seen = false;
    for (i, line) in text.split('\n').enumerate() {
        let n = i + 1;
        let line = line.strip_suffix('\r').unwrap_or(line).trim();
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            if header_seen || n != 1 {
                return Err(line_error(n, "a comment is only allowed on the first line"));
            }
            for part in comment.split(',') {
                match part.split_once(':') {
                    Some(("model_version", v)) => file.model_version = Some(v.trim().to_owned()),
                    Some(("score_date", v)) => file.score_date = Some(v.trim().to_owned()),
                    _ => {}
                }
            }
            continue;
        }
        if !header_seen {
            let cols: Vec<&str> = line.split(',').map(str::trim).collect();
            if cols != ["cve", "epss", "percentile"] {
                return Err(line_error(
                    n,
                    format!("expected header cve,epss,percentile, found {line:?}"),
                ));
            }
            header_seen = true;
            continue;
        }
        if file.scores.len() >= MAX_ROWS {
            return Err(line_error(n, format!("more than {MAX_ROWS} rows")));
        }
        file.scores.push(row(line).map_err(|m| line_error(n, m))?);
    }
    if !header_seen {
        return Err(line_error(1, "missing header cve,epss,percentile"));
    }
    Ok(file)
}

fn row(line: &str) -> Result<EpssScore, String> {
    let mut fields = line.split(',').map(str::trim);
    let (Some(cve), Some(epss), Some(pct), None) =
        (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        return Err(format!("expected 3 fields cve,epss,percentile in {line:?}"));
    };
    let valid_id = cve.len() > 4
        && cve[..4].eq_ignore_ascii_case("CVE-")
        && cve[4..].bytes().all(|b| b.is_ascii_digit() || b == b'-');
    if !valid_id {
        return Err(format!("{cve:?} is not a CVE id"));
    }
    Ok(EpssScore {
        cve_id: cve.to_owned(),
        probability: unit(epss, "epss")?,
        percentile: unit(pct, "percentile")?,
    })
}

fn unit(s: &str, name: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("{name} {s:?} is not a number between 0 and 1")),
    }
}
