//! Compliance as pure rules: the state of one obligation (on time,
//! overdue, excepted, satisfied), the periods a report falls due, checks of
//! what agencies submit (reports, extension and exception requests), and
//! the dashboard's figures (counts, score, median time to remediate, worst
//! offenders).
//!
//! For a remediate obligation, `patched` and `mitigated` (and an exposure
//! resolved because its component or asset left) satisfy it; a risk
//! acceptance does **not**: it counts only through an exception the
//! directive manager granted, so an agency cannot excuse itself. An
//! exposure its vendor stated `not_affected` (VEX) is out of scope: it
//! gives no remediate obligation, so it is neither remediated nor overdue.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::due::{add_days, days_between};
use super::{DirectiveError, FieldKind, ReportField, bad};
use crate::exposure::RemediationState;
use crate::frontier::date::CalendarDate;

/// The most periods of a report listed at once (the latest ones).
pub const MAX_PERIODS: usize = 120;
/// The longest extension past the current due date.
pub const MAX_EXTENSION_DAYS: i64 = 365;
/// The longest text value of a report field or a justification.
pub const MAX_VALUE_CHARS: usize = 4000;

/// Where one obligation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum ObligationState {
    /// Not done yet and not yet due (or no due date).
    OnTime,
    Overdue,
    /// A granted exception covers it.
    Excepted,
    Satisfied,
}

impl ObligationState {
    pub const ALL: [ObligationState; 4] = [
        ObligationState::OnTime,
        ObligationState::Overdue,
        ObligationState::Excepted,
        ObligationState::Satisfied,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ObligationState::OnTime => "on_time",
            ObligationState::Overdue => "overdue",
            ObligationState::Excepted => "excepted",
            ObligationState::Satisfied => "satisfied",
        }
    }
}

/// What decides a remediate obligation's state.
#[derive(Debug, Clone, PartialEq)]
pub struct RemediationFacts {
    /// The exposure's state as it stands now (`Remediation::at`).
    pub state: RemediationState,
    /// The exposure was resolved (its component or asset left).
    pub resolved: bool,
    pub due: Option<CalendarDate>,
    /// A granted extension's new due date.
    pub extended_to: Option<CalendarDate>,
    pub exception_granted: bool,
}

/// The effective due date: a granted extension replaces the policy's.
pub fn effective_due(
    due: Option<CalendarDate>,
    extended_to: Option<CalendarDate>,
) -> Option<CalendarDate> {
    extended_to.or(due)
}

/// Whether an exposure in `state` gives remediate obligations at all: one
/// its product's vendor stated not affected is out of scope (counting it
/// satisfied would make an agency look compliant on a vendor's word alone,
/// counting it overdue would blame it for nothing).
pub fn gives_remediate_obligation(state: RemediationState) -> bool {
    state != RemediationState::NotAffected
}

/// One remediate obligation's state on `today`.
pub fn remediate_state(f: &RemediationFacts, today: CalendarDate) -> ObligationState {
    if f.resolved
        || matches!(
            f.state,
            RemediationState::Patched | RemediationState::Mitigated
        )
    {
        return ObligationState::Satisfied;
    }
    if f.exception_granted {
        return ObligationState::Excepted;
    }
    match effective_due(f.due, f.extended_to) {
        Some(d) if today > d => ObligationState::Overdue,
        _ => ObligationState::OnTime,
    }
}

/// A report or attestation period's state on `today`.
pub fn form_state(
    submitted: bool,
    exception_granted: bool,
    due: CalendarDate,
    extended_to: Option<CalendarDate>,
    today: CalendarDate,
) -> ObligationState {
    if submitted {
        ObligationState::Satisfied
    } else if exception_granted {
        ObligationState::Excepted
    } else if today > extended_to.unwrap_or(due) {
        ObligationState::Overdue
    } else {
        ObligationState::OnTime
    }
}

/// The due dates of a report's periods that concern `today`: every one
/// already due and the next one, at most [`MAX_PERIODS`] (the latest).
/// A one-time report (`every_days` absent) has one.
pub fn report_periods(
    first_due: CalendarDate,
    every_days: Option<u32>,
    today: CalendarDate,
) -> Vec<CalendarDate> {
    let Some(every) = every_days.filter(|d| *d > 0) else {
        return vec![first_due];
    };
    let every = i64::from(every);
    let elapsed = days_between(first_due, today);
    // Periods already due (0-based index of the last one due by today).
    let last_due = if elapsed < 0 { -1 } else { elapsed / every };
    let upto = last_due + 1;
    let from = (upto + 1 - MAX_PERIODS as i64).max(0);
    (from..=upto)
        .map(|i| add_days(first_due, i * every))
        .collect()
}

/// Checks a submitted report against the action's fields and types its
/// values by their definition: every required field present and
/// non-empty, no unknown field. A text field keeps exactly what was sent
/// (a ZIP code `"02134"` stays text; a number or true/false an API client
/// sent stays as sent); a number field takes a number or text that reads
/// as one (`"1042"` becomes 1042); a yes/no field takes true/false or the
/// words `true`, `false`, `yes`, `no`. Errors name `fields.<name>`.
/// Returns the values as they are stored (absent optional fields left out).
pub fn typed_report(
    fields: &[ReportField],
    values: &BTreeMap<String, serde_json::Value>,
) -> Result<BTreeMap<String, serde_json::Value>, DirectiveError> {
    use serde_json::Value;
    for name in values.keys() {
        if !fields.iter().any(|f| &f.name == name) {
            let known: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
            return Err(bad(
                format!("fields.{}", name.chars().take(64).collect::<String>()),
                format!(
                    "is not a field of this report; expected: {}",
                    known.join(", ")
                ),
            ));
        }
    }
    let mut out = BTreeMap::new();
    for f in fields {
        let field = format!("fields.{}", f.name);
        let value = match values.get(&f.name) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if f.kind != FieldKind::Text && s.trim().is_empty() => None,
            Some(v) => Some(v),
        };
        let Some(value) = value else {
            if f.required {
                return Err(bad(field, "is required"));
            }
            continue;
        };
        let typed = match (f.kind, value) {
            (FieldKind::Text, Value::String(s)) => {
                if f.required && s.trim().is_empty() {
                    return Err(bad(field, "is required"));
                }
                if s.chars().count() > MAX_VALUE_CHARS {
                    return Err(bad(
                        field,
                        format!("must be at most {MAX_VALUE_CHARS} characters"),
                    ));
                }
                crate::text::check_long_text(&field, s)
                    .map_err(|e| bad(field.clone(), e.to_string()))?;
                value.clone()
            }
            (FieldKind::Text, Value::Number(_) | Value::Bool(_)) => value.clone(),
            (FieldKind::Text, _) => {
                return Err(bad(field, "must be text, a number or true/false"));
            }
            (FieldKind::Number, Value::Number(_)) => value.clone(),
            (FieldKind::Number, Value::String(s)) => {
                number_of(s.trim()).ok_or_else(|| bad(field.clone(), "must be a number"))?
            }
            (FieldKind::Number, _) => return Err(bad(field, "must be a number")),
            (FieldKind::Boolean, Value::Bool(_)) => value.clone(),
            (FieldKind::Boolean, Value::String(s)) => {
                match s.trim().to_ascii_lowercase().as_str() {
                    "true" | "yes" => Value::Bool(true),
                    "false" | "no" => Value::Bool(false),
                    _ => return Err(bad(field, "must be yes or no (true or false)")),
                }
            }
            (FieldKind::Boolean, _) => return Err(bad(field, "must be yes or no (true or false)")),
        };
        out.insert(f.name.clone(), typed);
    }
    Ok(out)
}

/// A number as typed: an integer when it reads as one, else a finite
/// decimal; None for anything else.
fn number_of(s: &str) -> Option<serde_json::Value> {
    if s.len() > 40 {
        return None;
    }
    if let Ok(n) = s.parse::<i64>() {
        return Some(serde_json::Value::from(n));
    }
    let x = s.parse::<f64>().ok().filter(|x| x.is_finite())?;
    // `parse` also reads `inf`-like words and `1e5`; only plain decimals.
    if !s
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+'))
    {
        return None;
    }
    serde_json::Number::from_f64(x).map(serde_json::Value::Number)
}

/// An agency's request about one obligation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// More time: a new due date.
    Extension,
    /// Relief from the obligation (the only path for a risk acceptance).
    Exception,
}

impl RequestKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Extension => "extension",
            RequestKind::Exception => "exception",
        }
    }

    pub fn parse(s: &str) -> Option<RequestKind> {
        [RequestKind::Extension, RequestKind::Exception]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// Checks an extension or exception request against the obligation's
/// current due date. A justification is always required (and the message
/// says so plainly when the due date has passed); an extension names a
/// new due date after the current one, at most [`MAX_EXTENSION_DAYS`] later.
/// Returns the trimmed justification.
pub fn validate_request(
    kind: RequestKind,
    until: Option<CalendarDate>,
    justification: &str,
    due: Option<CalendarDate>,
    today: CalendarDate,
) -> Result<String, DirectiveError> {
    let j = justification.trim();
    if j.is_empty() {
        let past = due.is_some_and(|d| today > d);
        let msg = if past {
            "the due date has passed: a justification is required"
        } else {
            "a justification is required"
        };
        return Err(bad("justification", msg));
    }
    if j.chars().count() > MAX_VALUE_CHARS {
        return Err(bad(
            "justification",
            format!("must be at most {MAX_VALUE_CHARS} characters"),
        ));
    }
    crate::text::check_long_text("justification", j)
        .map_err(|e| bad("justification", e.to_string()))?;
    match (kind, until) {
        (RequestKind::Extension, None) => {
            return Err(bad("until", "an extension names its new due date"));
        }
        (RequestKind::Extension, Some(u)) => {
            let base = due.unwrap_or(today).max(today);
            if u <= base {
                return Err(bad(
                    "until",
                    format!("must be after {base} (the current due date, or today)"),
                ));
            }
            if days_between(base, u) > MAX_EXTENSION_DAYS {
                return Err(bad(
                    "until",
                    format!("must be at most {MAX_EXTENSION_DAYS} days after {base}"),
                ));
            }
        }
        (RequestKind::Exception, Some(_)) => {
            return Err(bad("until", "only an extension names a date"));
        }
        (RequestKind::Exception, None) => {}
    }
    Ok(j.to_owned())
}

/// Counts of obligations by state, with the score and the median time to
/// remediate (days from first seen to satisfied, remediate obligations).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Tally {
    pub total: u64,
    pub on_time: u64,
    pub overdue: u64,
    pub excepted: u64,
    pub satisfied: u64,
    /// Percent of obligations not overdue (100 when there are none).
    pub score: f64,
    pub median_days_to_remediate: Option<f64>,
}

/// Accumulates a [`Tally`]. Days to remediate are kept as a histogram
/// (days → count), so counters of parts (organisations, actions) merge
/// into the exact counter of the whole, and a stored counter
/// ([`Counter::days_text`], [`Counter::stored`]) gives the same median.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counter {
    tally: Tally,
    remediation_days: BTreeMap<i64, u64>,
}

/// The most distinct day values a stored histogram may hold.
pub const MAX_HISTOGRAM_BUCKETS: usize = 20_000;

impl Counter {
    pub fn add(&mut self, state: ObligationState, days_to_remediate: Option<i64>) {
        let t = &mut self.tally;
        t.total += 1;
        match state {
            ObligationState::OnTime => t.on_time += 1,
            ObligationState::Overdue => t.overdue += 1,
            ObligationState::Excepted => t.excepted += 1,
            ObligationState::Satisfied => t.satisfied += 1,
        }
        if let Some(d) = days_to_remediate {
            *self.remediation_days.entry(d.max(0)).or_default() += 1;
        }
    }

    /// Adds another counter's obligations to this one.
    pub fn merge(&mut self, other: &Counter) {
        let (t, o) = (&mut self.tally, &other.tally);
        t.total += o.total;
        t.on_time += o.on_time;
        t.overdue += o.overdue;
        t.excepted += o.excepted;
        t.satisfied += o.satisfied;
        for (d, n) in &other.remediation_days {
            *self.remediation_days.entry(*d).or_default() += n;
        }
    }

    /// Takes a part's obligations back out (an organisation's old figures,
    /// before its new ones are merged in), so `merge` then `remove` of the
    /// same part leaves the counter as it was. False, leaving it unchanged,
    /// when `other` is not contained in it.
    pub fn remove(&mut self, other: &Counter) -> bool {
        let (t, o) = (&self.tally, &other.tally);
        let fits = o.total <= t.total
            && o.on_time <= t.on_time
            && o.overdue <= t.overdue
            && o.excepted <= t.excepted
            && o.satisfied <= t.satisfied
            && other
                .remediation_days
                .iter()
                .all(|(d, n)| self.remediation_days.get(d).is_some_and(|m| m >= n));
        if !fits {
            return false;
        }
        let t = &mut self.tally;
        t.total -= o.total;
        t.on_time -= o.on_time;
        t.overdue -= o.overdue;
        t.excepted -= o.excepted;
        t.satisfied -= o.satisfied;
        for (d, n) in &other.remediation_days {
            if let Some(m) = self.remediation_days.get_mut(d) {
                *m -= n;
                if *m == 0 {
                    self.remediation_days.remove(d);
                }
            }
        }
        true
    }

    /// The counts so far (score and median not computed).
    pub fn counts(&self) -> (u64, u64, u64, u64, u64) {
        let t = &self.tally;
        (t.total, t.on_time, t.overdue, t.excepted, t.satisfied)
    }

    /// The histogram as stored: `days:count` pairs, comma separated, in
    /// day order (empty when nothing was remediated).
    pub fn days_text(&self) -> String {
        self.remediation_days
            .iter()
            .map(|(d, n)| format!("{d}:{n}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// A counter rebuilt from stored counts `(total, on_time, overdue,
    /// excepted, satisfied)` and [`Counter::days_text`]; None when the text
    /// is not such a histogram.
    pub fn stored(counts: (u64, u64, u64, u64, u64), days: &str) -> Option<Counter> {
        let mut remediation_days = BTreeMap::new();
        if !days.is_empty() {
            for pair in days.split(',') {
                let (d, n) = pair.split_once(':')?;
                let d: i64 = d.parse().ok()?;
                let n: u64 = n.parse().ok()?;
                if d < 0 || n == 0 || remediation_days.insert(d, n).is_some() {
                    return None;
                }
                if remediation_days.len() > MAX_HISTOGRAM_BUCKETS {
                    return None;
                }
            }
        }
        let (total, on_time, overdue, excepted, satisfied) = counts;
        if on_time + overdue + excepted + satisfied != total {
            return None;
        }
        Some(Counter {
            tally: Tally {
                total,
                on_time,
                overdue,
                excepted,
                satisfied,
                score: 0.0,
                median_days_to_remediate: None,
            },
            remediation_days,
        })
    }

    pub fn finish(mut self) -> Tally {
        let t = &mut self.tally;
        t.score = if t.total == 0 {
            100.0
        } else {
            let ok = (t.total - t.overdue) as f64 * 100.0 / t.total as f64;
            (ok * 10.0).round() / 10.0
        };
        t.median_days_to_remediate = histogram_median(&self.remediation_days);
        self.tally
    }
}

/// The median of a histogram of whole-day values (the mean of the two
/// middle ones for an even count), as [`median`] gives for the values.
pub fn histogram_median(h: &BTreeMap<i64, u64>) -> Option<f64> {
    let n: u64 = h.values().sum();
    if n == 0 {
        return None;
    }
    // The values at 0-based positions `lo` and `hi`.
    let (lo, hi) = if n.is_multiple_of(2) {
        (n / 2 - 1, n / 2)
    } else {
        (n / 2, n / 2)
    };
    let mut seen = 0u64;
    let (mut a, mut b) = (None, None);
    for (d, c) in h {
        let next = seen + c;
        if a.is_none() && lo < next {
            a = Some(*d);
        }
        if hi < next {
            b = Some(*d);
            break;
        }
        seen = next;
    }
    Some((a? + b?) as f64 / 2.0)
}

/// The median of whole-day values (the mean of the two middle ones for an
/// even count).
pub fn median(values: &mut [i64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let n = values.len();
    Some(if n.is_multiple_of(2) {
        (values[n / 2 - 1] + values[n / 2]) as f64 / 2.0
    } else {
        values[n / 2] as f64
    })
}

/// Orders organisations worst first: most overdue, then lowest score,
/// then name. `key` gives (overdue, score, name).
pub fn worst_first<T>(items: &mut [T], key: impl Fn(&T) -> (u64, f64, &str)) {
    items.sort_by(|a, b| {
        let (oa, sa, na) = key(a);
        let (ob, sb, nb) = key(b);
        ob.cmp(&oa).then(sa.total_cmp(&sb)).then(na.cmp(nb))
    });
}
