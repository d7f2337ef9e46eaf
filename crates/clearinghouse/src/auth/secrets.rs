//! Secrets: random tokens, their stored digests, and password hashes.
//!
//! API and session tokens carry 256 bits of randomness, so a plain SHA-256
//! of the token is a safe lookup key (a slow hash adds nothing against
//! guessing a 256-bit value). Passwords are chosen by people and get
//! argon2id, hashed and verified on blocking threads within the bound of
//! `login_guard` (`*_off_runtime`).

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::error::{AppError, AppResult};

/// 32 random bytes from the operating system.
pub fn random_bytes() -> [u8; 32] {
    let mut buf = [0u8; 32];
    // The OS random source failing is not recoverable for a security service.
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut buf).expect("operating system random source");
    buf
}

/// A new API token: `chx_` and 43 URL-safe characters.
pub fn new_token() -> String {
    format!("chx_{}", URL_SAFE_NO_PAD.encode(random_bytes()))
}

/// A random URL-safe string (session cookies, CSRF tokens).
pub fn new_opaque() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes())
}

/// The digest stored in place of a token.
pub fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// How much work a new password hash costs. Verification reads the
/// parameters from the stored hash, so hashes of either cost verify.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HashCost {
    /// argon2id with the crate's defaults (OWASP: 19 MiB, 2 passes).
    #[default]
    Standard,
    /// argon2id at its smallest (8 KiB, 1 pass): for test suites that
    /// create hundreds of accounts, never for a real installation.
    Minimal,
}

impl HashCost {
    fn hasher(self) -> Result<Argon2<'static>, argon2::password_hash::Error> {
        Ok(match self {
            HashCost::Standard => Argon2::default(),
            HashCost::Minimal => Argon2::new(
                argon2::Algorithm::Argon2id,
                argon2::Version::V0x13,
                argon2::Params::new(argon2::Params::MIN_M_COST, 1, 1, None)?,
            ),
        })
    }
}

pub fn hash_password(
    password: &str,
    cost: HashCost,
) -> Result<String, argon2::password_hash::Error> {
    Ok(cost
        .hasher()?
        .hash_password(password.as_bytes())?
        .to_string())
}

pub fn verify_password(password: &str, stored: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), stored)
        .is_ok()
}

/// [`hash_password`] on a blocking thread, within the hashing bound.
pub async fn hash_password_off_runtime(app: &AppState, password: String) -> AppResult<String> {
    let _permit = app.login_guard.hashing_permit().await?;
    let cost = app.settings.password_hash_cost;
    tokio::task::spawn_blocking(move || hash_password(&password, cost))
        .await
        .map_err(|e| AppError::internal("hashing thread", e))?
        .map_err(|e| AppError::internal("hashing", e))
}

/// [`verify_password`] on a blocking thread, within the hashing bound.
pub async fn verify_password_off_runtime(
    app: &AppState,
    password: String,
    stored: String,
) -> AppResult<bool> {
    let _permit = app.login_guard.hashing_permit().await?;
    tokio::task::spawn_blocking(move || verify_password(&password, &stored))
        .await
        .map_err(|e| AppError::internal("hashing thread", e))
}

/// Compares two strings in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_and_differ() {
        let h = hash_password("correct horse battery staple", HashCost::Standard).unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery staple", &h));
        assert!(!verify_password("wrong horse battery staple", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn tokens_are_unique_and_digested() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert!(a.starts_with("chx_") && a.len() == 47);
        assert_eq!(token_digest(&a).len(), 64);
        assert!(constant_time_eq("abc", "abc") && !constant_time_eq("abc", "abd"));
    }
}
