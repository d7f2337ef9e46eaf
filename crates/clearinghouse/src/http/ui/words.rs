//! People's words for the machine names the pages would otherwise show
//! (N4): organisation kinds, roles, case roles, notification kinds,
//! exposure and VEX states, CSAF justifications. [`words`] is the one
//! rule: a few names have their own words, every other `snake_case` or
//! `dotted.name` becomes lowercase words (`risk_accepted` → "risk
//! accepted", `case.published` → "case published"). Templates call it as
//! `crate::http::ui::words::words(x)`; [`sentence`] capitalises the first
//! letter for a column of labels.

/// Names whose plain rewrite reads badly.
const OWN_WORDS: &[(&str, &str)] = &[
    ("org_admin", "organisation administrator"),
    ("platform_admin", "platform administrator"),
    ("ai_developer", "AI developer"),
    (
        "critical_infrastructure_operator",
        "critical infrastructure operator",
    ),
    ("state_local_authority", "state or local authority"),
    ("government_agency", "government agency"),
    ("not_affected", "not affected"),
    ("under_investigation", "under investigation"),
    (
        "vulnerable_code_cannot_be_controlled_by_adversary",
        "the vulnerable code cannot be controlled by an attacker",
    ),
    (
        "vulnerable_code_not_in_execute_path",
        "the vulnerable code is never run",
    ),
    (
        "vulnerable_code_not_present",
        "the vulnerable code is not present",
    ),
    ("component_not_present", "the component is not present"),
    (
        "inline_mitigations_already_exist",
        "mitigations are already built in",
    ),
    ("case.invited", "case invitation"),
    ("case.message", "case message"),
    ("case.mention", "mentioned in a case"),
    ("case.status_changed", "vendor status stated"),
    ("tool.request_decided", "tool request decided"),
    ("exposure.new", "new exposure"),
];

/// `name` in people's words.
pub fn words(name: &str) -> String {
    if let Some((_, w)) = OWN_WORDS.iter().find(|(n, _)| *n == name) {
        return (*w).to_owned();
    }
    name.replace(['_', '.'], " ")
}

/// [`words`] with its first letter capitalised.
pub fn sentence(name: &str) -> String {
    let w = words(name);
    let mut chars = w.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machine_names_become_words() {
        assert_eq!(words("risk_accepted"), "risk accepted");
        assert_eq!(sentence("case.published"), "Case published");
        assert_eq!(words("org_admin"), "organisation administrator");
        assert_eq!(
            words("critical_infrastructure_operator"),
            "critical infrastructure operator"
        );
        assert_eq!(sentence(""), "");
        assert!(OWN_WORDS.iter().all(|(n, w)| !w.contains('_') && n != w));
    }
}
