//! A generic SSVC decision table read from the SSVC project's CSV export.
//!
//! The CSV form is `row,<Point> v<version> (<namespace>),...,<Outcome> v<version>`:
//! an optional leading `row` column numbering the rows, one column per decision
//! point, and the outcome last. Values are matched case-insensitively; a table
//! knows each point's values from its rows, in order of first appearance.

use std::collections::HashMap;

use super::SsvcError;

/// One column of a table: a decision point (or the outcome) and its values.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DecisionPoint {
    /// The point's name without version and namespace (`Technical Impact`).
    pub name: String,
    /// The version from the header (`1.0.0`), if given.
    pub version: Option<String>,
    /// The namespace from the header (`cisa`), if given.
    pub namespace: Option<String>,
    /// The column header as written.
    pub header: String,
    /// The values the table uses, in order of first appearance.
    pub values: Vec<String>,
}

impl DecisionPoint {
    fn from_header(header: &str) -> DecisionPoint {
        let header = header.trim();
        let mut rest = header;
        let mut namespace = None;
        if let Some(open) = rest.rfind(" (").filter(|_| rest.ends_with(')')) {
            namespace = Some(rest[open + 2..rest.len() - 1].to_owned());
            rest = rest[..open].trim_end();
        }
        let mut version = None;
        if let Some((name, v)) = rest.rsplit_once(" v")
            && v.starts_with(|c: char| c.is_ascii_digit())
            && v.chars().all(|c| c.is_ascii_digit() || c == '.')
        {
            version = Some(v.to_owned());
            rest = name.trim_end();
        }
        DecisionPoint {
            name: rest.to_owned(),
            version,
            namespace,
            header: header.to_owned(),
            values: Vec::new(),
        }
    }

    /// Whether `name` designates this point: its name or full header, any case.
    pub fn is_named(&self, name: &str) -> bool {
        let name = name.trim();
        self.name.eq_ignore_ascii_case(name) || self.header.eq_ignore_ascii_case(name)
    }

    fn value_index(&self, value: &str) -> Option<usize> {
        let value = value.trim();
        self.values
            .iter()
            .position(|v| v.eq_ignore_ascii_case(value))
    }

    fn intern(&mut self, value: &str) -> usize {
        self.value_index(value).unwrap_or_else(|| {
            self.values.push(value.trim().to_owned());
            self.values.len() - 1
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    number: usize,
    inputs: Vec<usize>,
    outcome: usize,
}

/// A decision table: decision points, an outcome and one row per input combination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionTable {
    points: Vec<DecisionPoint>,
    outcome: DecisionPoint,
    rows: Vec<Row>,
    index: HashMap<Vec<usize>, usize>,
}

/// The outcome of a table for some inputs, with the inputs in table order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Decision {
    /// The outcome value as the table writes it (`attend`, `14 days`).
    pub outcome: String,
    /// `(point name, value)` in column order, spelled as in the table.
    pub inputs: Vec<(String, String)>,
    /// The matching row's number (the `row` column, else its 0-based position).
    pub row: usize,
}

impl DecisionTable {
    /// Reads a table from CSV text (RFC 4180 quoting; the last column is the outcome).
    pub fn from_csv(text: &str) -> Result<DecisionTable, SsvcError> {
        let mut lines = text
            .trim_start_matches('\u{feff}')
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l))
            .filter(|(_, l)| !l.trim().is_empty());
        let (header_line, header) = lines.next().ok_or(SsvcError::EmptyTable)?;
        let mut columns = split_csv(header, header_line)?;
        let numbered = columns
            .first()
            .is_some_and(|c| c.trim().eq_ignore_ascii_case("row"));
        if numbered {
            columns.remove(0);
        }
        if columns.len() < 2 {
            return Err(SsvcError::Csv {
                line: header_line,
                reason: "need at least one decision point column and an outcome column".into(),
            });
        }
        let mut points: Vec<DecisionPoint> = columns
            .iter()
            .map(|c| DecisionPoint::from_header(c))
            .collect();
        for (i, p) in points.iter().enumerate() {
            if p.name.is_empty() {
                return Err(SsvcError::Csv {
                    line: header_line,
                    reason: format!("column {} has no name", i + 1),
                });
            }
            if points[..i]
                .iter()
                .any(|q| q.name.eq_ignore_ascii_case(&p.name))
            {
                return Err(SsvcError::DuplicateColumn(p.name.clone()));
            }
        }
        let mut outcome = points.pop().ok_or(SsvcError::EmptyTable)?;
        let mut rows: Vec<Row> = Vec::new();
        let mut index = HashMap::new();
        let mut lines_of_rows = Vec::new();
        for (line, text) in lines {
            let mut cells = split_csv(text, line)?;
            let number = if numbered && !cells.is_empty() {
                let n = cells.remove(0);
                n.trim().parse::<usize>().map_err(|_| SsvcError::Csv {
                    line,
                    reason: format!("row number {n:?} is not a non-negative integer"),
                })?
            } else {
                rows.len()
            };
            if cells.len() != points.len() + 1 {
                return Err(SsvcError::Csv {
                    line,
                    reason: format!("expected {} cells, found {}", columns.len(), cells.len()),
                });
            }
            if let Some(i) = cells.iter().position(|c| c.trim().is_empty()) {
                return Err(SsvcError::Csv {
                    line,
                    reason: format!("empty value in column {:?}", columns[i]),
                });
            }
            let inputs: Vec<usize> = points
                .iter_mut()
                .zip(&cells)
                .map(|(p, c)| p.intern(c))
                .collect();
            let outcome_value = outcome.intern(&cells[points.len()]);
            if let Some(&first) = index.get(&inputs) {
                return Err(SsvcError::DuplicateRow {
                    line,
                    first_line: lines_of_rows[first],
                });
            }
            index.insert(inputs.clone(), rows.len());
            lines_of_rows.push(line);
            rows.push(Row {
                number,
                inputs,
                outcome: outcome_value,
            });
        }
        if rows.is_empty() {
            return Err(SsvcError::EmptyTable);
        }
        Ok(DecisionTable {
            points,
            outcome,
            rows,
            index,
        })
    }

    /// The decision points (input columns), in column order.
    pub fn points(&self) -> &[DecisionPoint] {
        &self.points
    }

    /// The outcome column.
    pub fn outcome(&self) -> &DecisionPoint {
        &self.outcome
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the table has no rows (never true for a table read by `from_csv`).
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Whether every combination of the points' values has a row.
    pub fn is_complete(&self) -> bool {
        let combinations = self
            .points
            .iter()
            .try_fold(1usize, |n, p| n.checked_mul(p.values.len()));
        combinations == Some(self.rows.len())
    }

    /// Every row as a decision: `(point, value)` inputs and the outcome.
    pub fn rows(&self) -> impl Iterator<Item = Decision> + '_ {
        self.rows.iter().map(|r| self.decision(r))
    }

    fn decision(&self, row: &Row) -> Decision {
        Decision {
            outcome: self.outcome.values[row.outcome].clone(),
            inputs: self
                .points
                .iter()
                .zip(&row.inputs)
                .map(|(p, &v)| (p.name.clone(), p.values[v].clone()))
                .collect(),
            row: row.number,
        }
    }

    /// The outcome for `(point, value)` inputs, one per decision point, in any order.
    /// Points are named by name or full header; names and values ignore case.
    pub fn decide(&self, inputs: &[(&str, &str)]) -> Result<Decision, SsvcError> {
        let mut chosen: Vec<Option<usize>> = vec![None; self.points.len()];
        for (name, value) in inputs {
            let by_name = self
                .points
                .iter()
                .position(|p| p.name.eq_ignore_ascii_case(name.trim()));
            let Some(i) = by_name.or_else(|| self.points.iter().position(|p| p.is_named(name)))
            else {
                return Err(SsvcError::UnknownPoint {
                    point: (*name).to_owned(),
                    known: self.points.iter().map(|p| p.name.clone()).collect(),
                });
            };
            let point = &self.points[i];
            if chosen[i].is_some() {
                return Err(SsvcError::DuplicateInput(point.name.clone()));
            }
            let v = point
                .value_index(value)
                .ok_or_else(|| SsvcError::UnknownValue {
                    point: point.name.clone(),
                    value: (*value).to_owned(),
                    allowed: point.values.clone(),
                })?;
            chosen[i] = Some(v);
        }
        let mut key = Vec::with_capacity(chosen.len());
        for (point, v) in self.points.iter().zip(&chosen) {
            key.push(v.ok_or_else(|| SsvcError::MissingInput {
                point: point.name.clone(),
                allowed: point.values.clone(),
            })?);
        }
        match self.index.get(&key) {
            Some(&r) => Ok(self.decision(&self.rows[r])),
            None => Err(SsvcError::NoMatchingRow {
                inputs: self
                    .points
                    .iter()
                    .zip(&key)
                    .map(|(p, &v)| (p.name.clone(), p.values[v].clone()))
                    .collect(),
            }),
        }
    }
}

/// Splits one CSV record (no embedded newlines) into cells, honouring `"` quoting.
fn split_csv(line: &str, line_no: usize) -> Result<Vec<String>, SsvcError> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            ('"', true) => quoted = false,
            ('"', false) if cell.trim().is_empty() => {
                cell.clear();
                quoted = true;
            }
            (',', false) => cells.push(std::mem::take(&mut cell)),
            (c, _) => cell.push(c),
        }
    }
    if quoted {
        return Err(SsvcError::Csv {
            line: line_no,
            reason: "unterminated quoted cell".into(),
        });
    }
    cells.push(cell);
    Ok(cells)
}
