//! `/api/v1/me`, `/orgs`, `/users`, `/tokens`: accounts and their rights.

pub mod me;
pub mod orgs;
pub mod tokens;
pub mod users;
