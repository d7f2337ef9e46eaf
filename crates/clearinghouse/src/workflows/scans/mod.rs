//! Scan coordination (Sec. 2(d), Sec. 4). Operators register network
//! assets and prove control (`assets.rs`, `proof.rs`, `dns.rs`), grant
//! scanning organisations permission under rules of engagement
//! (`grants.rs`); researchers register campaigns, refused whole when a
//! network target lacks a covering grant (`campaigns.rs`); overlaps and
//! history (`deconflict.rs`, what a reader may see: `seer.rs`), claims
//! (`claims.rs`); operators report scanning they
//! observed and get an answer at once (`reports.rs`); agents made for one
//! campaign (`agents.rs`) and findings submitted with a campaign, refused
//! per result outside its targets (`intake.rs`). Every change is
//! audited in its transaction, the audit change holding the whole record
//! so an evidence bundle can tie each record to its entry.
//!
//! Who reads what: an organisation its own assets, grants it gave or got,
//! its campaigns (labelled: owner, operators touched, staff), claims and
//! reports; coordinators everything. Other researchers learn of an
//! operator's network targets only as "an operator's assets in BLOCK" or
//! "an operator's hosts under DOMAIN", derived from the asset as coarse
//! as its `disclose_prefix` allows (`domain::scans::disclose`; nothing
//! but "an operator's network assets" when the operator allows none).

pub mod agents;
pub mod assets;
pub mod campaigns;
pub mod claims;
pub mod deconflict;
pub mod dns;
pub mod grants;
pub mod intake;
pub mod proof;
pub mod reports;
pub(crate) mod seer;

use clearinghouse_domain::identity::Role;
use clearinghouse_domain::scans::{Cidr, ScanError, Target, Technique, Window};
use time::OffsetDateTime;

use crate::app::AppState;
use crate::auth::Principal;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::store;

/// Who settles disputes, attests control and sees every campaign.
pub const COORDINATORS: &[Role] = &[Role::Coordinator];

/// Most targets in one campaign, grant exclusion list or report.
pub const MAX_TARGETS: usize = 1000;
/// Most source blocks declared.
pub const MAX_SOURCES: usize = 64;

pub(crate) fn invalid(e: ScanError) -> AppError {
    AppError::invalid(e.field, e.message)
}

/// Whether `who` coordinates (sees and settles everything).
pub fn is_coordinator(who: &Principal) -> bool {
    who.has_any_role(COORDINATORS)
}

/// An RFC 3339 time, named by its field.
pub(crate) fn parse_time(field: &str, text: &str) -> AppResult<OffsetDateTime> {
    clock::parse(text.trim()).ok_or_else(|| {
        AppError::invalid(
            field,
            format!("'{text}' is not an RFC 3339 time (2026-12-06T09:00:00Z)"),
        )
    })
}

/// A window from two RFC 3339 times (`start`, `end` fields), stored text.
pub(crate) fn parse_window(start: &str, end: &str) -> AppResult<(Window, String, String)> {
    let s = parse_time("start", start)?;
    let e = parse_time("end", end)?;
    let w = Window::new("end", s.unix_timestamp(), e.unix_timestamp()).map_err(invalid)?;
    Ok((w, clock::format(s), clock::format(e)))
}

/// The stored window back as a `Window`.
pub(crate) fn stored_window(start: &str, end: &str) -> AppResult<Window> {
    let s = clock::parse(start).ok_or_else(|| AppError::internal_msg("stored time"))?;
    let e = clock::parse(end).ok_or_else(|| AppError::internal_msg("stored time"))?;
    Window::new("end", s.unix_timestamp(), e.unix_timestamp())
        .map_err(|e| AppError::internal_msg(format!("stored window: {e}")))
}

pub(crate) fn parse_targets(field: &str, texts: &[String]) -> AppResult<Vec<Target>> {
    if texts.is_empty() {
        return Err(AppError::invalid(field, "name at least one target"));
    }
    if texts.len() > MAX_TARGETS {
        return Err(AppError::invalid(
            field,
            format!("at most {MAX_TARGETS} targets"),
        ));
    }
    let targets: Vec<Target> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| Target::parse(&format!("{field}[{i}]"), t).map_err(invalid))
        .collect::<AppResult<_>>()?;
    // A repeated target only multiplies the work and the answer.
    let mut seen = std::collections::HashMap::new();
    for (i, t) in targets.iter().enumerate() {
        if let Some(j) = seen.insert(t.to_string(), i) {
            return Err(AppError::invalid(
                format!("{field}[{i}]"),
                format!("repeats {field}[{j}] ({t}): name each target once"),
            ));
        }
    }
    Ok(targets)
}

pub(crate) fn parse_sources(field: &str, texts: &[String]) -> AppResult<Vec<Cidr>> {
    if texts.len() > MAX_SOURCES {
        return Err(AppError::invalid(
            field,
            format!("at most {MAX_SOURCES} source blocks"),
        ));
    }
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let t = t.trim();
            Cidr::parse(
                &format!("{field}[{i}]"),
                t.strip_prefix("cidr:").unwrap_or(t),
            )
            .map_err(invalid)
        })
        .collect()
}

pub(crate) fn parse_techniques(field: &str, texts: &[String]) -> AppResult<Vec<Technique>> {
    let mut out: Vec<Technique> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| Technique::parse(&format!("{field}[{i}]"), t).map_err(invalid))
        .collect::<AppResult<_>>()?;
    out.sort();
    out.dedup();
    Ok(out)
}

pub(crate) fn techniques_text(t: &[Technique]) -> String {
    t.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(",")
}

pub(crate) fn stored_techniques(text: &str) -> Vec<Technique> {
    text.split(',')
        .filter_map(|t| Technique::parse("techniques", t).ok())
        .collect()
}

pub(crate) fn stored_sources(json: &str) -> Vec<Cidr> {
    serde_json::from_str::<Vec<String>>(json)
        .unwrap_or_default()
        .iter()
        .filter_map(|s| Cidr::parse("sources", s).ok())
        .collect()
}

/// A line of text: trimmed, 1 to `max` characters, no control characters.
pub(crate) fn line(field: &str, text: &str, max: usize) -> AppResult<String> {
    let t = text.trim();
    if t.is_empty() || t.chars().count() > max {
        return Err(AppError::invalid(
            field,
            format!("give 1 to {max} characters"),
        ));
    }
    clearinghouse_domain::text::check_line(field, t)
        .map_err(|e| AppError::invalid(field, e.to_string()))?;
    Ok(t.to_owned())
}

/// Optional long text (notes, log excerpts), at most `max` characters.
pub(crate) fn long_text(field: &str, text: Option<&str>, max: usize) -> AppResult<String> {
    let t = text.unwrap_or("").trim();
    if t.chars().count() > max {
        return Err(AppError::invalid(
            field,
            format!("at most {max} characters"),
        ));
    }
    clearinghouse_domain::text::check_long_text(field, t)
        .map_err(|e| AppError::invalid(field, e.to_string()))?;
    Ok(t.to_owned())
}

pub(crate) async fn audit(
    app: &AppState,
    tx: &mut store::Tx,
    who: &Principal,
    action: &'static str,
    object_type: &'static str,
    id: &str,
    change: serde_json::Value,
) -> AppResult<()> {
    crate::workflows::record_audit(app, tx, who, action, object_type, id, change).await
}
