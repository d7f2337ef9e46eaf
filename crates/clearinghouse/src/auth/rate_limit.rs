//! Per-agent rate limits: a token bucket per agent token, refilled
//! continuously at the token's per-minute rate. Each server process keeps
//! its own buckets, so with N processes an agent may reach N times its rate;
//! that bound is stated in ARCHITECTURE.md.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

#[derive(Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<String, Bucket>>,
}

struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    /// Takes one request from `key`'s bucket; `Err(seconds)` says how long
    /// until the next request would be allowed.
    pub fn check(&self, key: &str, per_minute: u32) -> Result<(), u64> {
        self.check_at(key, per_minute, Instant::now())
    }

    fn check_at(&self, key: &str, per_minute: u32, now: Instant) -> Result<(), u64> {
        let capacity = f64::from(per_minute.max(1));
        let per_sec = capacity / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let b = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: capacity,
            updated: now,
        });
        let elapsed = now.saturating_duration_since(b.updated).as_secs_f64();
        b.tokens = (b.tokens + elapsed * per_sec).min(capacity);
        b.updated = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - b.tokens) / per_sec).ceil() as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn bucket_empties_and_refills() {
        let rl = RateLimiter::default();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(rl.check_at("a", 3, t0).is_ok());
        }
        let wait = rl.check_at("a", 3, t0).unwrap_err();
        assert_eq!(wait, 20);
        assert!(rl.check_at("b", 3, t0).is_ok(), "buckets are per key");
        assert!(rl.check_at("a", 3, t0 + Duration::from_secs(21)).is_ok());
    }
}
