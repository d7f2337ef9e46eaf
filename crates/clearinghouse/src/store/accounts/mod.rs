//! Storage of accounts: organisations, users, sign-in sessions and API
//! tokens, and the accounts that must change a password someone else set.

pub mod orgs;
pub mod password_change;
pub mod sessions;
pub mod tokens;
pub mod users;
