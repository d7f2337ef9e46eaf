//! The rule preview of the directive editor: before a draft is filed, what
//! each remediate action would catch today, per organisation in scope —
//! how many exposures its rule puts in scope and how many would already
//! be overdue. It is the obligations computation itself
//! (`obligations::compute` over the unsaved body), not a second
//! implementation, so the preview says what the directive will say once
//! issued. For an amendment the directive's granted requests count too.
//! Directive managers only; exposures are those the manager may read.

use std::collections::HashMap;

use clearinghouse_domain::directive::{DirectiveBody, RequiredAction};
use clearinghouse_domain::identity::Scope;
use serde::Serialize;
use utoipa::ToSchema;

use super::{MANAGERS, obligations, validated, visible};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::AppResult;

/// The most organisations listed per action (the counts cover all).
pub const ORGS_LISTED: usize = 500;

/// One organisation under one remediate action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct OrgPreview {
    pub org_id: String,
    pub org_name: String,
    /// Exposures the rule catches.
    pub exposures: u64,
    /// Of those, overdue today.
    pub overdue: u64,
    /// Of those, already satisfied (patched, mitigated).
    pub satisfied: u64,
}

/// One remediate action's catch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ActionPreview {
    pub action: String,
    pub title: String,
    pub rule: String,
    pub exposures: u64,
    pub overdue: u64,
    pub satisfied: u64,
    /// Organisations with at least one exposure caught.
    pub orgs_caught: usize,
    /// The organisations caught, most overdue first (at most
    /// [`ORGS_LISTED`]).
    pub orgs: Vec<OrgPreview>,
}

/// What a draft's remediate rules catch today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Preview {
    /// The day "overdue" is judged on.
    pub as_of: String,
    /// Organisations the scope includes.
    pub orgs_in_scope: usize,
    pub actions: Vec<ActionPreview>,
}

/// Counts remediate obligations `(action, org id, org name, state)` per
/// action and organisation, in the order of `actions`.
pub fn tally<'a>(
    actions: &[(&str, &str, &str)],
    items: impl IntoIterator<Item = (&'a str, &'a str, &'a str, &'a str)>,
) -> Vec<ActionPreview> {
    let mut per: HashMap<(&str, &str), OrgPreview> = HashMap::new();
    for (action, org_id, org_name, state) in items {
        let e = per.entry((action, org_id)).or_insert_with(|| OrgPreview {
            org_id: org_id.to_owned(),
            org_name: org_name.to_owned(),
            exposures: 0,
            overdue: 0,
            satisfied: 0,
        });
        e.exposures += 1;
        e.overdue += u64::from(state == "overdue");
        e.satisfied += u64::from(state == "satisfied");
    }
    actions
        .iter()
        .map(|(key, title, rule)| {
            let mut orgs: Vec<OrgPreview> = per
                .iter()
                .filter(|((a, _), _)| a == key)
                .map(|(_, o)| o.clone())
                .collect();
            orgs.sort_by(|a, b| {
                b.overdue
                    .cmp(&a.overdue)
                    .then(b.exposures.cmp(&a.exposures))
                    .then(a.org_name.cmp(&b.org_name))
                    .then(a.org_id.cmp(&b.org_id))
            });
            let sum = |f: fn(&OrgPreview) -> u64| orgs.iter().map(f).sum::<u64>();
            let (exposures, overdue, satisfied) = (
                sum(|o| o.exposures),
                sum(|o| o.overdue),
                sum(|o| o.satisfied),
            );
            let orgs_caught = orgs.len();
            orgs.truncate(ORGS_LISTED);
            ActionPreview {
                action: (*key).to_owned(),
                title: (*title).to_owned(),
                rule: (*rule).to_owned(),
                exposures,
                overdue,
                satisfied,
                orgs_caught,
                orgs,
            }
        })
        .collect()
}

/// Previews a draft (checked like any draft: errors name the field) as it
/// would bind today; `directive` names the directive it amends or edits.
pub async fn preview(
    app: &AppState,
    who: &Principal,
    body: DirectiveBody,
    directive: Option<&str>,
) -> AppResult<Preview> {
    who.require(Scope::ExposuresWrite, MANAGERS)?;
    let id = match directive {
        Some(id) => {
            let mut conn = app.store.pool.acquire().await?;
            visible(&mut conn, who, id).await?.id
        }
        None => String::new(),
    };
    let body = validated(body)?;
    let computed = obligations::compute(app, who, &id, &body, None).await?;
    let actions: Vec<(&str, &str, &str)> = body
        .actions
        .iter()
        .filter_map(|a| match a {
            RequiredAction::Remediate {
                key, title, rule, ..
            } => Some((key.as_str(), title.as_str(), rule.as_str())),
            _ => None,
        })
        .collect();
    let items = computed
        .items
        .iter()
        .map(|(o, _)| o)
        .filter(|o| o.kind == "remediate")
        .map(|o| {
            (
                o.action.as_str(),
                o.org_id.as_str(),
                o.org_name.as_str(),
                o.state.as_str(),
            )
        });
    Ok(Preview {
        as_of: computed.today.to_string(),
        orgs_in_scope: computed.orgs.len(),
        actions: tally(&actions, items),
    })
}

/// The organisations a scope names, one per line by id or by name (any
/// case), as ids; the editor's way to name them in words. A line naming
/// no organisation is refused, naming the line.
pub async fn scope_organizations(
    app: &AppState,
    who: &Principal,
    text: &str,
) -> AppResult<Vec<String>> {
    who.require(Scope::ExposuresWrite, MANAGERS)?;
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if lines.is_empty() {
        return Ok(Vec::new());
    }
    if lines.len() > clearinghouse_domain::directive::MAX_SCOPE_ORGS {
        return Err(crate::error::AppError::invalid(
            "scope.organizations",
            format!(
                "at most {}",
                clearinghouse_domain::directive::MAX_SCOPE_ORGS
            ),
        ));
    }
    let mut conn = app.store.pool.acquire().await?;
    let orgs = crate::store::directives::obligations::organizations(&mut conn).await?;
    let mut out: Vec<String> = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        let found = orgs
            .iter()
            .find(|o| o.id == *line)
            .or_else(|| orgs.iter().find(|o| o.name.eq_ignore_ascii_case(line)))
            .ok_or_else(|| {
                crate::error::AppError::invalid(
                    "scope.organizations",
                    format!(
                        "line {}: no organisation is called '{}'",
                        n + 1,
                        line.chars().take(100).collect::<String>()
                    ),
                )
            })?;
        if !out.contains(&found.id) {
            out.push(found.id.clone());
        }
    }
    Ok(out)
}

/// The names of organisations by id (for the editor to show a scope in
/// words); an unknown id is shown as itself.
pub async fn organization_names(app: &AppState, ids: &[String]) -> AppResult<Vec<String>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut conn = app.store.pool.acquire().await?;
    let orgs = crate::store::directives::obligations::organizations(&mut conn).await?;
    Ok(ids
        .iter()
        .map(|id| {
            orgs.iter()
                .find(|o| o.id == *id)
                .map_or_else(|| id.clone(), |o| o.name.clone())
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::tally;

    #[test]
    fn counts_per_action_and_organisation_most_overdue_first() {
        let actions = [("kev", "KEV", "kev"), ("crit", "Critical", "cvss >= 9.0")];
        let items = [
            ("kev", "o1", "Energy", "on_time"),
            ("kev", "o2", "Labor", "overdue"),
            ("kev", "o2", "Labor", "satisfied"),
            ("kev", "o1", "Energy", "overdue"),
            ("kev", "o2", "Labor", "overdue"),
        ];
        let got = tally(&actions, items);
        assert_eq!(got.len(), 2);
        let kev = &got[0];
        assert_eq!((kev.exposures, kev.overdue, kev.satisfied), (5, 3, 1));
        assert_eq!(kev.orgs_caught, 2);
        assert_eq!(kev.orgs[0].org_id, "o2", "most overdue first");
        assert_eq!(
            (
                kev.orgs[0].exposures,
                kev.orgs[0].overdue,
                kev.orgs[0].satisfied
            ),
            (3, 2, 1)
        );
        assert_eq!((kev.orgs[1].exposures, kev.orgs[1].overdue), (2, 1));
        let crit = &got[1];
        assert_eq!((crit.exposures, crit.orgs_caught), (0, 0));
        assert!(crit.orgs.is_empty());
    }
}
