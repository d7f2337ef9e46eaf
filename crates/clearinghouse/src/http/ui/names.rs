//! Names instead of ids: the organisations and users a page mentions,
//! looked up once per page, shown by name with the id kept only as a
//! tooltip and a click-to-copy attribute.

use std::collections::{BTreeSet, HashMap};

use crate::app::AppState;
use crate::error::AppError;
use crate::store;

use super::UiResult;

/// Ids per query: well under both backends' limits on bound parameters.
const CHUNK: usize = 500;

/// A user as pages show them.
#[derive(Debug, Clone)]
pub struct Person {
    pub username: String,
    pub display_name: String,
    pub org_id: String,
}

#[derive(Debug, Default)]
pub struct Names {
    orgs: HashMap<String, String>,
    users: HashMap<String, Person>,
}

impl Names {
    /// Looks up the named organisations and users (and the organisations of
    /// those users).
    pub async fn load<'a>(
        app: &AppState,
        org_ids: impl IntoIterator<Item = &'a str>,
        user_ids: impl IntoIterator<Item = &'a str>,
    ) -> UiResult<Names> {
        let pool = &app.store.pool;
        let mut names = Names::default();
        let users: BTreeSet<String> = user_ids
            .into_iter()
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let users: Vec<String> = users.into_iter().collect();
        for chunk in users.chunks(CHUNK) {
            for (id, username, display_name, org_id) in store::accounts::users::names(pool, chunk)
                .await
                .map_err(AppError::from)?
            {
                names.users.insert(
                    id,
                    Person {
                        username,
                        display_name,
                        org_id,
                    },
                );
            }
        }
        let mut orgs: BTreeSet<String> = org_ids
            .into_iter()
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        orgs.extend(names.users.values().map(|p| p.org_id.clone()));
        let orgs: Vec<String> = orgs.into_iter().collect();
        for chunk in orgs.chunks(CHUNK) {
            names.orgs.extend(
                store::accounts::orgs::names(pool, chunk)
                    .await
                    .map_err(AppError::from)?,
            );
        }
        Ok(names)
    }

    /// The organisation's name; the id itself when it is unknown.
    pub fn org<'s>(&'s self, id: &'s str) -> &'s str {
        self.orgs.get(id).map(String::as_str).unwrap_or(id)
    }

    /// "Display Name (username)"; the id itself when it is unknown (an
    /// agent, the system).
    pub fn user(&self, id: &str) -> String {
        match self.users.get(id) {
            Some(p) if p.display_name.is_empty() || p.display_name == p.username => {
                p.username.clone()
            }
            Some(p) => format!("{} ({})", p.display_name, p.username),
            None if id.is_empty() => "—".to_owned(),
            None => id.to_owned(),
        }
    }

    /// The user's organisation's name, or "" when the user is unknown.
    pub fn user_org(&self, id: &str) -> &str {
        self.users
            .get(id)
            .map(|p| self.org(&p.org_id))
            .unwrap_or("")
    }
}
