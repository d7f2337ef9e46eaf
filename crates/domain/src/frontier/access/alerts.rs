//! Insider-risk rules over a window's usage log: which calls depart from
//! the norm. Pure: the caller hands in the calls (oldest first or not) and
//! gets alerts, each naming its rule, the person, its period and the calls
//! that are its evidence. The rules and their parameters:
//!
//! - `after_revocation_or_expiry`: any call refused because its grant was
//!   revoked or ended or its credential expired (one alert per person and
//!   UTC day);
//! - `several_addresses`: one credential used from [`ADDRESSES`] or more
//!   client addresses (period: the UTC day the second address appeared);
//! - `burst_after_refusal`: [`BURST_CALLS`] or more calls by a person within
//!   [`BURST_SECS`] seconds after one of its calls was refused (the first
//!   such burst per person and UTC day);
//! - `new_hour`: a call at a UTC hour the person never used before, once it
//!   has [`HISTORY_CALLS`] earlier calls (period: that day and hour);
//! - `volume`: a person's calls on one UTC day at least [`VOLUME_FACTOR`]
//!   times the median of its own earlier active days (at least
//!   [`HISTORY_DAYS`] of them) or of the other people's calls that day (at
//!   least [`HISTORY_DAYS`] people), and at least [`VOLUME_MIN`] calls.
//!
//! An alert's identity is (rule, person, period): the store keeps one per
//! identity, so running the rules again over a longer log raises nothing
//! twice. Evidence is at most [`MAX_EVIDENCE`] calls.

use std::collections::{BTreeMap, BTreeSet};

pub const ADDRESSES: usize = 2;
pub const BURST_CALLS: usize = 5;
pub const BURST_SECS: i64 = 60;
pub const HISTORY_CALLS: usize = 20;
pub const VOLUME_FACTOR: i64 = 5;
pub const HISTORY_DAYS: usize = 3;
pub const VOLUME_MIN: i64 = 20;
/// Evidence kept per alert (the first calls that show it).
pub const MAX_EVIDENCE: usize = 200;
/// Every rule's name, in the order of the module documentation.
pub const RULES: &[&str] = &[
    "after_revocation_or_expiry",
    "several_addresses",
    "burst_after_refusal",
    "new_hour",
    "volume",
];

/// One logged call, as the rules need it.
#[derive(Debug, Clone)]
pub struct Call<'a> {
    pub id: &'a str,
    pub user_id: &'a str,
    pub credential_id: &'a str,
    /// Unix seconds.
    pub at: i64,
    pub outcome: &'a str,
    pub client_addr: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub rule: &'static str,
    pub user_id: String,
    /// The UTC day (`2026-12-06`), or day and hour for `new_hour`
    /// (`2026-12-06T03`): with rule and person, the alert's identity.
    pub period: String,
    /// Ids of the calls that are the evidence.
    pub evidence: Vec<String>,
    pub detail: String,
}

/// `YYYY-MM-DD` of Unix seconds.
pub fn day_text(at: i64) -> String {
    crate::directive::due::from_day_number(at.div_euclid(86_400)).to_string()
}

fn hour_text(at: i64) -> String {
    format!("{}T{:02}", day_text(at), at.rem_euclid(86_400) / 3600)
}

fn median(mut v: Vec<i64>) -> i64 {
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or(0)
}

pub fn detect(calls: &[Call<'_>]) -> Vec<Alert> {
    let mut sorted: Vec<&Call<'_>> = calls.iter().collect();
    sorted.sort_by(|a, b| (a.at, a.id).cmp(&(b.at, b.id)));
    let mut by_user: BTreeMap<&str, Vec<&Call<'_>>> = BTreeMap::new();
    for c in &sorted {
        by_user.entry(c.user_id).or_default().push(c);
    }
    let mut out = Vec::new();
    for (user, calls) in &by_user {
        let mut ended: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for c in calls.iter().filter(|c| {
            matches!(
                c.outcome,
                "refused_revoked" | "refused_ended" | "refused_expired"
            )
        }) {
            ended
                .entry(c.at.div_euclid(86_400))
                .or_default()
                .push(c.id.to_owned());
        }
        for (day, ids) in ended {
            out.push(Alert {
                rule: "after_revocation_or_expiry",
                user_id: (*user).to_owned(),
                period: day_text(day * 86_400),
                detail: format!(
                    "{} calls after the grant was revoked or ended, or with an expired credential",
                    ids.len()
                ),
                evidence: ids,
            });
        }
        let mut burst_days = BTreeSet::new();
        for (i, c) in calls.iter().enumerate() {
            if !c.outcome.starts_with("refused") || burst_days.contains(&c.at.div_euclid(86_400)) {
                continue;
            }
            let burst: Vec<String> = calls[i + 1..]
                .iter()
                .take_while(|d| d.at - c.at <= BURST_SECS)
                .map(|d| d.id.to_owned())
                .collect();
            if burst.len() >= BURST_CALLS {
                burst_days.insert(c.at.div_euclid(86_400));
                out.push(Alert {
                    rule: "burst_after_refusal",
                    user_id: (*user).to_owned(),
                    period: day_text(c.at),
                    detail: format!(
                        "{} calls within {BURST_SECS} s of a refused call",
                        burst.len()
                    ),
                    evidence: std::iter::once(c.id.to_owned()).chain(burst).collect(),
                });
            }
        }
        let mut hours = BTreeSet::new();
        for (i, c) in calls.iter().enumerate() {
            let hour = c.at.rem_euclid(86_400) / 3600;
            if i >= HISTORY_CALLS && !hours.contains(&hour) {
                out.push(Alert {
                    rule: "new_hour",
                    user_id: (*user).to_owned(),
                    period: hour_text(c.at),
                    detail: format!(
                        "a call at {hour:02}:00 UTC, an hour never used in {i} earlier calls"
                    ),
                    evidence: vec![c.id.to_owned()],
                });
            }
            hours.insert(hour);
        }
    }
    // Several addresses per credential.
    struct Seen<'a> {
        addrs: BTreeSet<&'a str>,
        ids: Vec<String>,
        user: &'a str,
        /// When the [`ADDRESSES`]th address appeared.
        at: Option<i64>,
    }
    let mut addrs: BTreeMap<&str, Seen<'_>> = BTreeMap::new();
    for c in &sorted {
        let e = addrs.entry(c.credential_id).or_insert_with(|| Seen {
            addrs: BTreeSet::new(),
            ids: Vec::new(),
            user: c.user_id,
            at: None,
        });
        e.addrs.insert(c.client_addr);
        e.ids.push(c.id.to_owned());
        if e.at.is_none() && e.addrs.len() >= ADDRESSES {
            e.at = Some(c.at);
        }
    }
    for (cred, seen) in addrs {
        if let Some(at) = seen.at {
            out.push(Alert {
                rule: "several_addresses",
                user_id: seen.user.to_owned(),
                period: day_text(at),
                detail: format!(
                    "one credential ({cred}) used from {} addresses",
                    seen.addrs.len()
                ),
                evidence: seen.ids,
            });
        }
    }
    // Volume per person and UTC day.
    let mut per_day: BTreeMap<i64, BTreeMap<&str, Vec<String>>> = BTreeMap::new();
    for c in &sorted {
        if !c.outcome.starts_with("refused") {
            per_day
                .entry(c.at.div_euclid(86_400))
                .or_default()
                .entry(c.user_id)
                .or_default()
                .push(c.id.to_owned());
        }
    }
    let mut history: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for (day, people) in &per_day {
        for (user, ids) in people {
            let n = i64::try_from(ids.len()).unwrap_or(i64::MAX);
            let own = history
                .get(user)
                .filter(|h| h.len() >= HISTORY_DAYS)
                .map(|h| median(h.clone()));
            let others: Vec<i64> = people
                .iter()
                .filter(|(u, _)| *u != user)
                .map(|(_, v)| i64::try_from(v.len()).unwrap_or(i64::MAX))
                .collect();
            let peers = (others.len() >= HISTORY_DAYS).then(|| median(others));
            let over = |m: Option<i64>| m.is_some_and(|m| n >= VOLUME_FACTOR * m.max(1));
            if n >= VOLUME_MIN && (over(own) || over(peers)) {
                out.push(Alert {
                    rule: "volume",
                    user_id: (*user).to_owned(),
                    period: day_text(day * 86_400),
                    detail: format!(
                        "{n} calls in a day; own median {}, others' median {}",
                        own.map_or("-".into(), |m| m.to_string()),
                        peers.map_or("-".into(), |m| m.to_string())
                    ),
                    evidence: ids.clone(),
                });
            }
            history.entry(user).or_default().push(n);
        }
    }
    for a in &mut out {
        a.evidence.truncate(MAX_EVIDENCE);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    fn call<'a>(id: &'a str, user: &'a str, at: i64, outcome: &'a str, addr: &'a str) -> Call<'a> {
        Call {
            id,
            user_id: user,
            credential_id: user,
            at,
            outcome,
            client_addr: addr,
        }
    }

    fn rules(calls: &[Call<'_>]) -> Vec<(&'static str, String)> {
        detect(calls)
            .into_iter()
            .map(|a| (a.rule, a.user_id))
            .collect()
    }

    fn identities(calls: &[Call<'_>]) -> Vec<(&'static str, String, String)> {
        let mut v: Vec<_> = detect(calls)
            .into_iter()
            .map(|a| (a.rule, a.user_id, a.period))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn periods_are_utc_days_or_hours() {
        assert_eq!(day_text(0), "1970-01-01");
        assert_eq!(day_text(86_399), "1970-01-01");
        assert_eq!(day_text(86_400 * 365), "1971-01-01");
        assert_eq!(hour_text(3 * 3600 + 59), "1970-01-01T03");
    }

    #[test]
    fn refusals_on_two_days_are_two_alerts_and_evidence_is_bounded() {
        let ids: Vec<String> = (0..300).map(|i| format!("r{i:03}")).collect();
        let calls: Vec<Call<'_>> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let day = if i < 250 { 0 } else { 1 };
                call(
                    id,
                    "eve",
                    day * DAY + 3600 + i as i64 * 100,
                    "refused_revoked",
                    "10.0.0.9",
                )
            })
            .collect();
        let got = detect(&calls);
        let after: Vec<&Alert> = got
            .iter()
            .filter(|a| a.rule == "after_revocation_or_expiry")
            .collect();
        assert_eq!(after.len(), 2, "{got:?}");
        assert_eq!(after[0].period, "1970-01-01");
        assert_eq!(after[0].evidence.len(), MAX_EVIDENCE);
        assert_eq!(after[1].period, "1970-01-02");
        assert_eq!(after[1].evidence.len(), 50);
        // No two alerts share an identity.
        let ids = identities(&calls);
        let mut dedup = ids.clone();
        dedup.dedup();
        assert_eq!(ids, dedup);
    }

    #[test]
    fn a_quiet_pattern_raises_nothing() {
        let ids: Vec<String> = (0..40).map(|i| format!("c{i}")).collect();
        let calls: Vec<Call<'_>> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                call(
                    id,
                    "ann",
                    (i as i64 % 4) * DAY + 9 * 3600 + i as i64,
                    "ok",
                    "10.0.0.1",
                )
            })
            .collect();
        assert_eq!(rules(&calls), vec![]);
    }

    #[test]
    fn scripted_pattern_raises_each_rule() {
        let ids: Vec<String> = (0..200).map(|i| format!("c{i:03}")).collect();
        let mut calls = Vec::new();
        // ann: 5 calls a day at 09:00 for 4 days, then 40 on day 5 at 03:00.
        let mut k = 0;
        for d in 0..4 {
            for j in 0..5 {
                calls.push(call(
                    &ids[k],
                    "ann",
                    d * DAY + 9 * 3600 + j,
                    "ok",
                    "10.0.0.1",
                ));
                k += 1;
            }
        }
        for j in 0..40 {
            calls.push(call(
                &ids[k],
                "ann",
                4 * DAY + 3 * 3600 + j,
                "ok",
                "10.0.0.1",
            ));
            k += 1;
        }
        // bob: refused for quota, then a burst; later a call after revocation
        // from a second address.
        calls.push(call(&ids[k], "bob", 2 * DAY, "refused_quota", "10.0.0.2"));
        k += 1;
        for j in 1..=6 {
            calls.push(call(
                &ids[k],
                "bob",
                2 * DAY + j,
                "refused_quota",
                "10.0.0.2",
            ));
            k += 1;
        }
        calls.push(call(
            &ids[k],
            "bob",
            3 * DAY,
            "refused_revoked",
            "192.0.2.7",
        ));
        let got = rules(&calls);
        for want in [
            ("volume", "ann"),
            ("new_hour", "ann"),
            ("burst_after_refusal", "bob"),
            ("after_revocation_or_expiry", "bob"),
            ("several_addresses", "bob"),
        ] {
            assert!(
                got.contains(&(want.0, want.1.to_owned())),
                "{want:?} not in {got:?}"
            );
        }
        assert!(!got.contains(&("volume", "bob".to_owned())));
        let ids = identities(&calls);
        for want in [
            ("volume", "ann", "1970-01-05"),
            ("new_hour", "ann", "1970-01-05T03"),
            ("burst_after_refusal", "bob", "1970-01-03"),
            ("after_revocation_or_expiry", "bob", "1970-01-04"),
            ("several_addresses", "bob", "1970-01-04"),
        ] {
            assert!(
                ids.contains(&(want.0, want.1.to_owned(), want.2.to_owned())),
                "{want:?} not in {ids:?}"
            );
        }
        for (rule, _, _) in &ids {
            assert!(RULES.contains(rule), "{rule}");
        }
        let burst = detect(&calls)
            .into_iter()
            .find(|a| a.rule == "burst_after_refusal")
            .unwrap();
        assert_eq!(burst.evidence.len(), 7);
    }
}
