//! Coordination cases as pure rules (issue 15): what a case is opened with
//! and how it is checked ([`CaseInput::validate`]: title, summary, the
//! vulnerabilities it concerns, the target disclosure date, the TLP), the
//! roles organisations take in it ([`CaseRole`]), the references a vendor
//! maps to itself ([`ProductRef`]: a package URL or a CPE, reduced to the
//! keys exposure matching already uses), messages ([`validate_message`]),
//! the timeline's event kinds ([`EventKind`]) and when an invited vendor
//! reads as unresponsive ([`responsiveness`]). No IO: the application reads
//! the facts and stores the outcome.

pub mod csaf_feed;
pub mod csaf_out;
pub mod csaf_scores;
pub mod exports;
pub mod patch;
pub mod progress;
pub mod vex;
pub mod vex_csaf;
pub mod vex_cyclonedx;
pub mod vex_named;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod vex_csaf_tests;

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::cpe::Cpe;
use crate::frontier::date::CalendarDate;
use crate::labels::Tlp;
use crate::purl::Purl;
use crate::spelling::spelled_enum;
use crate::text;

/// Most vulnerabilities one case concerns.
pub const MAX_VULNERABILITIES: usize = 100;
/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 300;
/// Longest summary, in characters.
pub const MAX_SUMMARY_CHARS: usize = 20_000;
/// Longest message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 20_000;
/// Longest reason (date moves, publication), in characters.
pub const MAX_REASON_CHARS: usize = 2_000;
/// Days after an invitation with no visit before a vendor reads as unresponsive.
pub const UNRESPONSIVE_AFTER_DAYS: i64 = 7;

/// Why a case input was refused: the field a person must fix and why.
pub use crate::field_error::FieldError as CaseError;

fn err(field: impl Into<String>, message: impl Into<String>) -> CaseError {
    CaseError::new(field, message)
}

/// The part an organisation plays in a case (VINCE's case roles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseRole {
    /// Found and reported the vulnerability.
    Reporter,
    /// Makes an affected product; states its status (VEX) and ships the fix.
    Vendor,
    /// Runs the case (the clearinghouse or a national CERT).
    Coordinator,
    /// Runs affected products; told at publication.
    Operator,
    /// A government party (a sector risk management agency, a regulator).
    Government,
}

impl CaseRole {
    pub const ALL: &'static [CaseRole] = &[
        CaseRole::Reporter,
        CaseRole::Vendor,
        CaseRole::Coordinator,
        CaseRole::Operator,
        CaseRole::Government,
    ];
}

spelled_enum! {
    CaseRole {
        Reporter => "reporter",
        Vendor => "vendor",
        Coordinator => "coordinator",
        Operator => "operator",
        Government => "government",
    }
}

impl FromStr for CaseRole {
    type Err = CaseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CaseRole::ALL
            .iter()
            .copied()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                err(
                    "role",
                    "must be one of reporter, vendor, coordinator, operator, government",
                )
            })
    }
}

/// What happened in a case, as its timeline shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Opened,
    Invited,
    Joined,
    Message,
    VendorMapped,
    StatusChanged,
    DateMoved,
    Published,
    PatchReleased,
    /// A coordinator withdrew an organisation from the case.
    Removed,
    /// An organisation left the case.
    Left,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Opened => "opened",
            EventKind::Invited => "invited",
            EventKind::Joined => "joined",
            EventKind::Message => "message",
            EventKind::VendorMapped => "vendor_mapped",
            EventKind::StatusChanged => "status_changed",
            EventKind::DateMoved => "date_moved",
            EventKind::Published => "published",
            EventKind::PatchReleased => "patch_released",
            EventKind::Removed => "removed",
            EventKind::Left => "left",
        }
    }
}

impl FromStr for EventKind {
    type Err = CaseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            EventKind::Opened,
            EventKind::Invited,
            EventKind::Joined,
            EventKind::Message,
            EventKind::VendorMapped,
            EventKind::StatusChanged,
            EventKind::DateMoved,
            EventKind::Published,
            EventKind::PatchReleased,
            EventKind::Removed,
            EventKind::Left,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
        .ok_or_else(|| err("kind", format!("unknown case event '{s}'")))
    }
}

/// One vulnerability a case concerns, as named when opening it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VulnRef {
    /// `CVE-YYYY-NNNN...`
    Cve(String),
    /// `CHX-YYYY-NNNNN`: one the clearinghouse validated.
    Chx(String),
    /// A validated finding, by its id (its CHX vulnerability is meant).
    Finding(String),
}

impl VulnRef {
    /// Reads `CVE-2024-3094`, `CHX-2026-00001` or a finding id (a UUID).
    pub fn parse(field: &str, s: &str) -> Result<VulnRef, CaseError> {
        let s = s.trim();
        let upper = s.to_ascii_uppercase();
        if let Some(rest) = upper.strip_prefix("CVE-") {
            return if id_tail(rest, 4) {
                Ok(VulnRef::Cve(upper))
            } else {
                Err(err(
                    field,
                    "a CVE id is CVE-YYYY-NNNN (four or more digits)",
                ))
            };
        }
        if let Some(rest) = upper.strip_prefix("CHX-") {
            return if id_tail(rest, 5) {
                Ok(VulnRef::Chx(upper))
            } else {
                Err(err(field, "a CHX id is CHX-YYYY-NNNNN"))
            };
        }
        if is_uuid(s) {
            return Ok(VulnRef::Finding(s.to_ascii_lowercase()));
        }
        Err(err(
            field,
            "must be a CVE id, a CHX id or the id of a validated finding",
        ))
    }

    /// The text looked up: the id itself.
    pub fn as_str(&self) -> &str {
        match self {
            VulnRef::Cve(s) | VulnRef::Chx(s) | VulnRef::Finding(s) => s,
        }
    }
}

/// `YYYY-` then at least `min` digits, at most 19.
fn id_tail(rest: &str, min: usize) -> bool {
    let Some((year, num)) = rest.split_once('-') else {
        return false;
    };
    year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && (min..=19).contains(&num.len())
        && num.bytes().all(|b| b.is_ascii_digit())
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// What a coordinator opens a case with, as received.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CaseInput {
    pub title: String,
    #[serde(default)]
    pub summary: String,
    pub vulnerabilities: Vec<String>,
    /// `YYYY-MM-DD`: the agreed (target) public disclosure date.
    pub target_date: String,
    /// TLP of the case data; default AMBER.
    pub tlp: Option<String>,
}

/// A case input that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidCase {
    pub title: String,
    pub summary: String,
    /// Sorted, without duplicates.
    pub vulnerabilities: Vec<VulnRef>,
    pub target_date: CalendarDate,
    pub tlp: Tlp,
}

impl CaseInput {
    /// Checks every field against `today` (UTC): the first refusal names
    /// its field (`vulnerabilities[2]`, `target_date`, ...).
    pub fn validate(&self, today: CalendarDate) -> Result<ValidCase, CaseError> {
        let title = text::validate_title("title", &self.title, MAX_TITLE_CHARS)?;
        if let Some((index, c)) = text::first_invisible(&title) {
            return Err(err(
                "title",
                format!(
                    "must not contain the invisible character U+{:04X} (character {index})",
                    u32::from(c)
                ),
            ));
        }
        let summary = self.summary.trim().to_owned();
        text::check_long_text("summary", &summary)?;
        if summary.chars().count() > MAX_SUMMARY_CHARS {
            return Err(err(
                "summary",
                format!("must be at most {MAX_SUMMARY_CHARS} characters"),
            ));
        }
        if self.vulnerabilities.is_empty() {
            return Err(err("vulnerabilities", "name at least one vulnerability"));
        }
        if self.vulnerabilities.len() > MAX_VULNERABILITIES {
            return Err(err(
                "vulnerabilities",
                format!("at most {MAX_VULNERABILITIES} vulnerabilities per case"),
            ));
        }
        let mut vulnerabilities = self
            .vulnerabilities
            .iter()
            .enumerate()
            .map(|(i, v)| VulnRef::parse(&format!("vulnerabilities[{i}]"), v))
            .collect::<Result<Vec<_>, _>>()?;
        vulnerabilities.sort();
        vulnerabilities.dedup();
        let target_date = parse_future_date("target_date", &self.target_date, today)?;
        let tlp = case_tlp(self.tlp.as_deref())?;
        Ok(ValidCase {
            title,
            summary,
            vulnerabilities,
            target_date,
            tlp,
        })
    }
}

/// The furthest a target disclosure date may lie ahead: an embargo is
/// bounded (the usual coordinated disclosure norm is 90 days; a year is
/// the most any case may ask).
pub const MAX_EMBARGO_DAYS: i64 = 365;

/// A disclosure date: `YYYY-MM-DD`, today or later, at most
/// [`MAX_EMBARGO_DAYS`] ahead.
pub fn parse_future_date(
    field: &str,
    s: &str,
    today: CalendarDate,
) -> Result<CalendarDate, CaseError> {
    let date = CalendarDate::parse(s.trim()).map_err(|e| err(field, e.to_string()))?;
    if date < today {
        return Err(err(
            field,
            format!("{date} is in the past (today is {today})"),
        ));
    }
    let latest = crate::directive::due::add_days(today, MAX_EMBARGO_DAYS);
    if date > latest {
        return Err(err(
            field,
            format!(
                "{date} is more than {MAX_EMBARGO_DAYS} days ahead: an embargo ends by {latest} \
                 at the latest"
            ),
        ));
    }
    Ok(date)
}

/// The TLP of a case: CLEAR, GREEN or AMBER (the default). AMBER+STRICT
/// and RED limit a record to one organisation or to named people, which
/// no case with several parties can keep; narrow a case with its
/// participants instead.
pub fn case_tlp(given: Option<&str>) -> Result<Tlp, CaseError> {
    let tlp: Tlp = given
        .unwrap_or("AMBER")
        .parse()
        .map_err(|e: crate::labels::TlpParseError| err("tlp", e.to_string()))?;
    match tlp {
        Tlp::Clear | Tlp::Green | Tlp::Amber => Ok(tlp),
        _ => Err(err(
            "tlp",
            "a case is CLEAR, GREEN or AMBER: AMBER+STRICT and RED allow one organisation \
             or named people, and a case always has several parties",
        )),
    }
}

/// A message's body: 1 to [`MAX_MESSAGE_CHARS`] characters, line breaks
/// allowed, no control or bidirectional-override characters.
pub fn validate_message(body: &str) -> Result<String, CaseError> {
    let body = body.trim();
    if body.is_empty() {
        return Err(err("body", "must not be empty"));
    }
    if body.chars().count() > MAX_MESSAGE_CHARS {
        return Err(err(
            "body",
            format!("must be at most {MAX_MESSAGE_CHARS} characters"),
        ));
    }
    text::check_long_text("body", body)?;
    Ok(body.to_owned())
}

/// A product reference a vendor claims: the matching key exposure
/// matching uses for it, so an advisory's affected package or CPE finds
/// its vendor through the same identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductRef {
    /// `purl` or `cpe`.
    pub kind: &'static str,
    /// `PackageId::key()` (`pkg:pypi/paramiko`) or `Cpe::match_key()`
    /// (`cpe:paramiko:paramiko`).
    pub key: String,
}

impl ProductRef {
    /// Reads a package URL (`pkg:...`, version ignored) or a CPE 2.3
    /// formatted string or 2.2 URI (`cpe:...`, vendor and product set).
    pub fn parse(field: &str, s: &str) -> Result<ProductRef, CaseError> {
        let s = s.trim();
        if s.len() > 1024 {
            return Err(err(field, "must be at most 1024 characters"));
        }
        if s.starts_with("pkg:") {
            let purl = Purl::parse(s).map_err(|e| err(field, e.to_string()))?;
            return Ok(ProductRef {
                kind: "purl",
                key: purl.id.key(),
            });
        }
        if s.starts_with("cpe:") {
            let cpe = Cpe::parse(s).map_err(|e| err(field, e.to_string()))?;
            let key = cpe.match_key().ok_or_else(|| {
                err(
                    field,
                    "a CPE names a product only with its vendor and product set",
                )
            })?;
            return Ok(ProductRef { kind: "cpe", key });
        }
        Err(err(
            field,
            "must be a package URL (pkg:...) or a CPE (cpe:2.3:... or cpe:/...)",
        ))
    }
}

/// A reason a coordinator gives (a date moved, an early publication):
/// 1 to [`MAX_REASON_CHARS`] characters, line breaks allowed.
pub fn validate_reason(reason: &str) -> Result<String, CaseError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        return Err(err(
            "reason",
            format!("say why (1 to {MAX_REASON_CHARS} characters)"),
        ));
    }
    text::check_long_text("reason", reason)?;
    Ok(reason.to_owned())
}

/// How an invited organisation has answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Responsiveness {
    /// It joined the case.
    Joined,
    /// Invited recently; not joined yet.
    Invited,
    /// Invited [`UNRESPONSIVE_AFTER_DAYS`] or more days ago and not joined.
    Unresponsive,
}

impl Responsiveness {
    pub fn as_str(self) -> &'static str {
        match self {
            Responsiveness::Joined => "joined",
            Responsiveness::Invited => "invited",
            Responsiveness::Unresponsive => "unresponsive",
        }
    }
}

/// Whether a participant has answered: `joined`, or the whole days since
/// its invitation when it has not.
pub fn responsiveness(joined: bool, days_since_invited: i64) -> Responsiveness {
    if joined {
        Responsiveness::Joined
    } else if days_since_invited >= UNRESPONSIVE_AFTER_DAYS {
        Responsiveness::Unresponsive
    } else {
        Responsiveness::Invited
    }
}
