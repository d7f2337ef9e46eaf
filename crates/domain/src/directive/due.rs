//! When a remediate obligation falls due: the action's due-date policy
//! applied to one exposure, and the calendar arithmetic it needs.
//!
//! - `kev_due_date`: the KEV entry's `dueDate`, exactly (BOD 22-01); an
//!   exposure whose vulnerability has no KEV entry has no due date.
//! - `bod_26_04`: the exposure's own BOD 26-04 deadline, as exposure
//!   matching computed it (`priority::assess`), counted from the later of
//!   first seen and the directive's effective date; "next upgrade" has none.
//! - `ssvc_days`: days per CISA decision (Act / Attend / Track* / Track).
//! - `severity_days`: days per CVSS severity of the best base score.
//! - `days`: N days.
//!
//! Every counted policy starts at the later of the exposure's first
//! sighting and the directive's effective date: nobody is late for a
//! directive before it takes effect.

use serde::{Deserialize, Serialize};

use crate::frontier::date::CalendarDate;
use crate::ssvc::{CisaLevel, Deadline};

/// The longest period a policy may give.
pub const MAX_DAYS: u32 = 3650;

/// A remediate action's due-date policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum DuePolicy {
    KevDueDate,
    Bod2604,
    SsvcDays {
        act: Option<u32>,
        attend: Option<u32>,
        track_star: Option<u32>,
        track: Option<u32>,
    },
    SeverityDays {
        critical: Option<u32>,
        high: Option<u32>,
        medium: Option<u32>,
        low: Option<u32>,
    },
    Days {
        days: u32,
    },
}

/// What a due-date policy reads of one exposure.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DueFacts {
    /// The KEV entry's `dueDate`.
    pub kev_due_date: Option<CalendarDate>,
    /// The exposure's BOD 26-04 deadline (the stored outcome).
    pub bod_26_04: Option<Deadline>,
    pub ssvc: Option<CisaLevel>,
    pub cvss: Option<f64>,
    /// The day the exposure was first seen.
    pub first_seen: Option<CalendarDate>,
}

impl DuePolicy {
    /// The periods it names are each at most [`MAX_DAYS`]; the error names
    /// the field.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        let periods: Vec<(&'static str, Option<u32>)> = match self {
            DuePolicy::KevDueDate | DuePolicy::Bod2604 => vec![],
            DuePolicy::SsvcDays {
                act,
                attend,
                track_star,
                track,
            } => vec![
                ("act", *act),
                ("attend", *attend),
                ("track_star", *track_star),
                ("track", *track),
            ],
            DuePolicy::SeverityDays {
                critical,
                high,
                medium,
                low,
            } => vec![
                ("critical", *critical),
                ("high", *high),
                ("medium", *medium),
                ("low", *low),
            ],
            DuePolicy::Days { days } => vec![("days", Some(*days))],
        };
        if !periods.is_empty() && periods.iter().all(|(_, d)| d.is_none()) {
            return Err(("due", "name at least one period".into()));
        }
        for (name, d) in periods {
            if d.is_some_and(|d| d > MAX_DAYS) {
                return Err((name, format!("must be at most {MAX_DAYS} days")));
            }
        }
        Ok(())
    }

    /// The policy as a person reads it ("the KEV entry's due date",
    /// "by SSVC decision: Act 14 days, ...").
    pub fn describe(&self) -> String {
        const FROM: &str = "after first seen (or the effective date, if later)";
        let table = |what: &str, rows: [(&str, Option<u32>); 4]| {
            let rows: Vec<String> = rows
                .iter()
                .map(|(name, d)| match d {
                    Some(d) => format!("{name} {}", span(*d)),
                    None => format!("{name} no due date"),
                })
                .collect();
            format!("by {what}: {}; {FROM}", rows.join(", "))
        };
        match self {
            DuePolicy::KevDueDate => {
                "the KEV entry's due date (exposures not in KEV have none)".to_owned()
            }
            DuePolicy::Bod2604 => "the exposure's BOD 26-04 deadline, counted from when it was \
                                   first seen (or the effective date, if later)"
                .to_owned(),
            DuePolicy::SsvcDays {
                act,
                attend,
                track_star,
                track,
            } => table(
                "SSVC decision",
                [
                    ("Act", *act),
                    ("Attend", *attend),
                    ("Track*", *track_star),
                    ("Track", *track),
                ],
            ),
            DuePolicy::SeverityDays {
                critical,
                high,
                medium,
                low,
            } => table(
                "CVSS severity",
                [
                    ("critical", *critical),
                    ("high", *high),
                    ("medium", *medium),
                    ("low", *low),
                ],
            ),
            DuePolicy::Days { days } => format!("{} {FROM}", span(*days)),
        }
    }

    /// The due date of one exposure under a directive effective on
    /// `effective`; `None` when the policy gives it none.
    pub fn due(&self, facts: &DueFacts, effective: CalendarDate) -> Option<CalendarDate> {
        let start = facts.first_seen.map_or(effective, |f| f.max(effective));
        let days = match self {
            DuePolicy::KevDueDate => return facts.kev_due_date,
            DuePolicy::Bod2604 => facts.bod_26_04?.days()?,
            DuePolicy::SsvcDays {
                act,
                attend,
                track_star,
                track,
            } => match facts.ssvc? {
                CisaLevel::Act => (*act)?,
                CisaLevel::Attend => (*attend)?,
                CisaLevel::TrackStar => (*track_star)?,
                CisaLevel::Track => (*track)?,
            },
            DuePolicy::SeverityDays {
                critical,
                high,
                medium,
                low,
            } => {
                let s = facts.cvss?;
                if s >= 9.0 {
                    (*critical)?
                } else if s >= 7.0 {
                    (*high)?
                } else if s >= 4.0 {
                    (*medium)?
                } else if s > 0.0 {
                    (*low)?
                } else {
                    return None;
                }
            }
            DuePolicy::Days { days } => *days,
        };
        Some(add_days(start, i64::from(days)))
    }
}

/// Days since 1970-01-01 (H. Hinnant's `days_from_civil`).
pub fn day_number(d: CalendarDate) -> i64 {
    let (m, dd) = (i64::from(d.month()), i64::from(d.day()));
    let y = i64::from(d.year()) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + dd - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (inverse of [`day_number`]), clamped to the
/// years `CalendarDate` holds.
pub fn from_day_number(z: i64) -> CalendarDate {
    let z = z.clamp(-719_162, 2_932_896) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    CalendarDate::new(y as u16, m as u8, d as u8)
        .or_else(|_| CalendarDate::new(1970, 1, 1))
        .expect("1970-01-01 is a valid date")
}

/// `d` plus `n` days.
pub fn add_days(d: CalendarDate, n: i64) -> CalendarDate {
    from_day_number(day_number(d).saturating_add(n))
}

/// Whole days from `a` to `b` (negative when `b` is earlier).
pub fn days_between(a: CalendarDate, b: CalendarDate) -> i64 {
    day_number(b) - day_number(a)
}

/// The date part of a stored RFC 3339 time (`2026-01-02T03:04:05Z`).
pub fn date_of(time: &str) -> Option<CalendarDate> {
    CalendarDate::parse(time.get(..10)?).ok()
}

/// A number of days as a person reads it: `1 day`, `14 days`, `180 days
/// (about 6 months)`, `365 days (about 1 year)`.
fn span(days: u32) -> String {
    let plural = |n: u32, one: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {one}s")
        }
    };
    let base = plural(days, "day");
    if days >= 365 && days.is_multiple_of(365) {
        format!("{base} (about {})", plural(days / 365, "year"))
    } else if days >= 60 && days.is_multiple_of(30) {
        format!("{base} (about {})", plural(days / 30, "month"))
    } else {
        base
    }
}
