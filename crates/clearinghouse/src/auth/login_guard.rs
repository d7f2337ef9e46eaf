//! Sign-in throttling and the bound on concurrent password hashing.
//!
//! Failed sign-ins are counted per account *and client address* (the
//! username as typed, whether or not it exists, so throttling does not
//! reveal accounts) and per client address. After [`ACCOUNT_FAILURES`]
//! failures of one account from one address (of one address, across
//! accounts: [`ADDRESS_FAILURES`]) with no more than [`FAILURE_WINDOW`]
//! between them, the key is locked for [`FIRST_LOCKOUT`], doubling with
//! each further lockout up to [`MAX_LOCKOUT`]; while locked every attempt,
//! the right password included, is refused with 429 and `Retry-After`,
//! before any password work. So a stranger's wrong guesses lock the
//! account for the stranger's address only: its holder, from their own
//! address, still signs in (F18). The price: guesses spread over many
//! addresses are each throttled, not stopped together. A guess of the
//! current password from a signed-in session (no address) counts under
//! the account alone. A success clears the account's count at that
//! address (not the address's). Like agent rate limits, the counts live
//! in each process: with N processes an attacker gets up to N times the
//! attempts.
//!
//! Argon2 runs on blocking threads, at most [`max_concurrent_hashes`] at a
//! time; a caller waiting longer than [`HASH_WAIT`] gets 429.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, SemaphorePermit};

use crate::error::{AppError, AppResult};

/// Failures of one account before it is locked.
pub const ACCOUNT_FAILURES: u32 = 5;
/// Failures from one client address before it is locked (higher: many
/// people may share an address).
pub const ADDRESS_FAILURES: u32 = 20;
/// A count starts again after this long without a failure.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// The first lockout; each further one doubles.
pub const FIRST_LOCKOUT: Duration = Duration::from_secs(60);
pub const MAX_LOCKOUT: Duration = Duration::from_secs(60 * 60);
/// How long a sign-in waits for a hashing slot before 429.
pub const HASH_WAIT: Duration = Duration::from_secs(5);
/// Entries kept before stale ones are swept.
const SWEEP_AT: usize = 10_000;

/// Hashes allowed at once: one per core (argon2 is CPU-bound).
pub fn max_concurrent_hashes() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    /// An account as tried from one address (`None`: from a session).
    Account(String, Option<IpAddr>),
    Address(IpAddr),
}

#[derive(Debug)]
struct Entry {
    failures: u32,
    lockouts: u32,
    last_failure: Instant,
    locked_until: Option<Instant>,
}

/// What a recorded failure means for the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failure {
    /// Failures of the account in the current count.
    pub failures: u32,
    /// Set when this failure locked the account, for so long.
    pub locked_for: Option<Duration>,
    /// Whether this failure deserves an audit entry: the first of a count,
    /// and each that starts a lockout. The others are only counted in a
    /// metric, so a flood cannot flood the log.
    pub audit: bool,
}

pub struct LoginGuard {
    entries: Mutex<HashMap<Key, Entry>>,
    hashing: Semaphore,
}

impl Default for LoginGuard {
    fn default() -> Self {
        LoginGuard::new(max_concurrent_hashes())
    }
}

/// The account key of a typed username tried from `addr` (usernames are
/// at most 64 characters, so a longer one is cut rather than kept whole).
fn account(username: &str, addr: Option<IpAddr>) -> Key {
    Key::Account(
        username
            .trim()
            .chars()
            .take(64)
            .collect::<String>()
            .to_lowercase(),
        addr,
    )
}

impl LoginGuard {
    pub fn new(concurrent_hashes: usize) -> LoginGuard {
        LoginGuard {
            entries: Mutex::new(HashMap::new()),
            hashing: Semaphore::new(concurrent_hashes.max(1)),
        }
    }

    /// Whether a sign-in may be tried now; `Err(seconds)` to wait.
    pub fn check(&self, username: &str, addr: Option<IpAddr>) -> Result<(), u64> {
        self.check_at(username, addr, Instant::now())
    }

    fn check_at(&self, username: &str, addr: Option<IpAddr>, now: Instant) -> Result<(), u64> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let keys = [Some(account(username, addr)), addr.map(Key::Address)];
        let wait = keys
            .iter()
            .flatten()
            .filter_map(|k| entries.get(k)?.locked_until)
            .filter(|until| *until > now)
            .map(|until| until.duration_since(now))
            .max();
        match wait {
            Some(d) => Err(d.as_secs() + u64::from(d.subsec_nanos() > 0)),
            None => Ok(()),
        }
    }

    /// Counts a failed sign-in of `username` from `addr`.
    pub fn record_failure(&self, username: &str, addr: Option<IpAddr>) -> Failure {
        self.record_failure_at(username, addr, Instant::now())
    }

    fn record_failure_at(&self, username: &str, addr: Option<IpAddr>, now: Instant) -> Failure {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= SWEEP_AT {
            entries.retain(|_, e| {
                now.saturating_duration_since(e.last_failure) < FAILURE_WINDOW
                    || e.locked_until.is_some_and(|u| u > now)
            });
        }
        if let Some(a) = addr {
            bump(&mut entries, Key::Address(a), ADDRESS_FAILURES, now);
        }
        bump(&mut entries, account(username, addr), ACCOUNT_FAILURES, now)
    }

    /// A successful sign-in clears the account's count at `addr`.
    pub fn record_success(&self, username: &str, addr: Option<IpAddr>) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.remove(&account(username, addr));
    }

    /// A slot for one password hash or verification.
    pub async fn hashing_permit(&self) -> AppResult<SemaphorePermit<'_>> {
        match tokio::time::timeout(HASH_WAIT, self.hashing.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_closed)) => Err(AppError::internal_msg("hashing semaphore closed")),
            Err(_elapsed) => {
                metrics::counter!("clearinghouse_password_hash_busy_total").increment(1);
                Err(AppError::RateLimited {
                    retry_after_secs: 1,
                })
            }
        }
    }
}

/// Adds a failure to `key`'s count, locking it at `threshold`.
fn bump(entries: &mut HashMap<Key, Entry>, key: Key, threshold: u32, now: Instant) -> Failure {
    let entry = entries.entry(key).or_insert(Entry {
        failures: 0,
        lockouts: 0,
        last_failure: now,
        locked_until: None,
    });
    let locked = entry.locked_until.is_some_and(|u| u > now);
    // The quiet time counts from the last failure or the end of the last
    // lockout, whichever is later.
    let quiet_since = entry
        .locked_until
        .map_or(entry.last_failure, |u| u.max(entry.last_failure));
    if !locked && now.saturating_duration_since(quiet_since) >= FAILURE_WINDOW {
        entry.failures = 0;
        entry.lockouts = 0;
    }
    entry.failures += 1;
    entry.last_failure = now;
    let mut locked_for = None;
    if !locked && entry.failures >= threshold {
        let factor = 1u32 << entry.lockouts.min(16);
        let d = FIRST_LOCKOUT.saturating_mul(factor).min(MAX_LOCKOUT);
        entry.locked_until = Some(now + d);
        entry.lockouts += 1;
        locked_for = Some(d);
    }
    Failure {
        failures: entry.failures,
        locked_for,
        audit: entry.failures == 1 || locked_for.is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADDR: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));

    #[test]
    fn an_account_locks_after_five_failures_and_the_lockout_doubles() {
        let g = LoginGuard::new(1);
        let t0 = Instant::now();
        for i in 1..ACCOUNT_FAILURES {
            assert!(g.check_at("alice", ADDR, t0).is_ok());
            let f = g.record_failure_at("alice", ADDR, t0);
            assert_eq!((f.failures, f.locked_for, f.audit), (i, None, i == 1));
        }
        let f = g.record_failure_at("Alice ", ADDR, t0);
        assert_eq!(f.locked_for, Some(FIRST_LOCKOUT));
        assert!(f.audit, "a lockout is audited");
        assert_eq!(g.check_at("alice", ADDR, t0), Err(60));
        assert_eq!(g.check_at("bob", ADDR, t0), Ok(()), "per account");
        // After the lockout, one more failure locks again for twice as long.
        let t1 = t0 + FIRST_LOCKOUT;
        assert!(g.check_at("alice", ADDR, t1).is_ok());
        let f = g.record_failure_at("alice", ADDR, t1);
        assert_eq!(f.locked_for, Some(FIRST_LOCKOUT * 2));
        assert_eq!(g.check_at("alice", ADDR, t1), Err(120));
        // A quiet window starts the count again; success clears it.
        let t2 = t1 + FIRST_LOCKOUT * 2 + FAILURE_WINDOW;
        assert!(g.record_failure_at("alice", ADDR, t2).locked_for.is_none());
        g.record_success("alice", ADDR);
        assert!(g.check_at("alice", ADDR, t2).is_ok());
    }

    #[test]
    fn a_strangers_failures_do_not_lock_the_holder_out() {
        let g = LoginGuard::new(1);
        let t0 = Instant::now();
        let stranger = Some(IpAddr::V4(std::net::Ipv4Addr::new(203, 0, 113, 9)));
        for _ in 0..ACCOUNT_FAILURES {
            g.record_failure_at("admin2", stranger, t0);
        }
        assert!(g.check_at("admin2", stranger, t0).is_err());
        assert!(
            g.check_at("admin2", ADDR, t0).is_ok(),
            "the holder's address"
        );
        // Guesses from a session count under the account alone.
        for _ in 0..ACCOUNT_FAILURES {
            g.record_failure_at("admin2", None, t0);
        }
        assert!(g.check_at("admin2", None, t0).is_err());
        assert!(g.check_at("admin2", ADDR, t0).is_ok());
    }

    #[test]
    fn an_address_locks_after_twenty_failures_across_accounts() {
        let g = LoginGuard::new(1);
        let t0 = Instant::now();
        for i in 0..ADDRESS_FAILURES {
            assert!(g.check_at(&format!("user{i}"), ADDR, t0).is_ok());
            g.record_failure_at(&format!("user{i}"), ADDR, t0);
        }
        assert!(g.check_at("someone", ADDR, t0).is_err());
        assert!(g.check_at("someone", None, t0).is_ok());
    }

    #[test]
    fn lockouts_are_capped() {
        let g = LoginGuard::new(1);
        let mut t = Instant::now();
        let mut last = None;
        for _ in 0..40 {
            let f = g.record_failure_at("carol", None, t);
            last = f.locked_for.or(last);
            t += f.locked_for.unwrap_or_default();
        }
        assert_eq!(last, Some(MAX_LOCKOUT));
    }
}
