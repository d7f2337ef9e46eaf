//! Storage of accounts: organisations, users, sign-in sessions and API
//! tokens.

pub mod orgs;
pub mod sessions;
pub mod tokens;
pub mod users;
