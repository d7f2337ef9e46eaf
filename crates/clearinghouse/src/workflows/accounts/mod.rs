//! Accounts: organisations, users and their roles, sign-in sessions, API
//! tokens, and the first start that creates the administrator.

pub mod bootstrap;
pub mod orgs;
pub mod sessions;
pub mod tokens;
pub mod users;
