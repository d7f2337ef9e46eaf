//! `CalendarDate`: a `YYYY-MM-DD` date (proleptic Gregorian) for planned
//! release dates and consultation records; no time zone, no IO.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar date, ordered chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CalendarDate {
    year: u16,
    month: u8,
    day: u8,
}

/// Why a date was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a YYYY-MM-DD date: {reason}")]
pub struct DateError {
    pub reason: &'static str,
}

fn is_leap(y: u16) -> bool {
    (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400)
}

fn days_in_month(y: u16, m: u8) -> u8 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl CalendarDate {
    /// A date from its parts, checked (year 1..=9999).
    pub fn new(year: u16, month: u8, day: u8) -> Result<Self, DateError> {
        if !(1..=9999).contains(&year) {
            return Err(DateError {
                reason: "year out of range",
            });
        }
        if !(1..=12).contains(&month) {
            return Err(DateError {
                reason: "month out of range",
            });
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(DateError {
                reason: "day out of range",
            });
        }
        Ok(Self { year, month, day })
    }

    /// Parses exactly `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Result<Self, DateError> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(DateError {
                reason: "expected YYYY-MM-DD",
            });
        }
        let num = |r: std::ops::Range<usize>| -> Result<u16, DateError> {
            let part = &s[r];
            if !part.bytes().all(|c| c.is_ascii_digit()) {
                return Err(DateError {
                    reason: "expected digits",
                });
            }
            part.parse().map_err(|_| DateError {
                reason: "expected digits",
            })
        };
        let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        Self::new(y, m as u8, d as u8)
    }

    pub fn year(self) -> u16 {
        self.year
    }
    pub fn month(self) -> u8 {
        self.month
    }
    pub fn day(self) -> u8 {
        self.day
    }
}

impl fmt::Display for CalendarDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for CalendarDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CalendarDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Whether the developer may set `date` as a planned release date:
/// not before `today` (UTC), unless it is the date already planned
/// (`current`, left as it was). Recording an actual release is another
/// matter (it happens now).
pub fn planned_date_allowed(
    date: CalendarDate,
    current: Option<CalendarDate>,
    today: CalendarDate,
) -> Result<(), &'static str> {
    if date < today && current != Some(date) {
        return Err("must not be before today (UTC); a planned release lies ahead");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn planned_dates_lie_ahead() {
        let d = |s: &str| CalendarDate::parse(s).unwrap();
        let today = d("2026-12-06");
        for (date, current, ok) in [
            ("2026-12-06", None, true),
            ("2027-01-01", None, true),
            ("2026-12-05", None, false),
            ("2020-01-02", Some("2026-12-07"), false),
            // A past date already planned may stay as it was.
            ("2026-11-01", Some("2026-11-01"), true),
        ] {
            let got = planned_date_allowed(d(date), current.map(d), today);
            assert_eq!(got.is_ok(), ok, "{date} {current:?}");
        }
    }

    #[test]
    fn parses_and_checks() {
        assert_eq!(
            CalendarDate::parse("2026-06-02").map(|d| d.to_string()),
            Ok("2026-06-02".into())
        );
        assert!(CalendarDate::parse("2024-02-29").is_ok());
        for bad in [
            "2025-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-6-2",
            "0000-01-01",
            "2026-06-02 ",
            "２026-06-02",
            "+026-06-02",
        ] {
            assert!(CalendarDate::parse(bad).is_err(), "{bad}");
        }
        assert!(CalendarDate::parse("2026-06-02").ok() < CalendarDate::parse("2026-07-01").ok());
    }

    proptest! {
        #[test]
        fn display_round_trips(y in 1u16..=9999, m in 1u8..=12, d in 1u8..=31) {
            if let Ok(date) = CalendarDate::new(y, m, d) {
                prop_assert_eq!(CalendarDate::parse(&date.to_string()), Ok(date));
            }
        }

        #[test]
        fn never_panics(s in ".{0,12}") {
            let _ = CalendarDate::parse(&s);
        }
    }
}
