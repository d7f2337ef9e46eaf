//! Who acts here: organisation kinds and sectors, user roles, and the named
//! scopes an agent principal may be given.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use crate::field_error::FieldError;

/// An error for a name that is not one of a closed set of values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} '{given}'; expected one of: {expected}")]
pub struct UnknownName {
    pub what: &'static str,
    pub given: String,
    pub expected: String,
}

/// Declares a closed string enum with `as_str`, `ALL`, `Display`, `FromStr`
/// and serde in snake_case.
macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal, { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownName {
                        what: $what,
                        given: s.chars().take(64).collect(),
                        expected: [$($text),+].join(", "),
                    }),
                }
            }
        }
    };
}

named_enum!(
    /// What kind of organisation an account belongs to.
    OrgKind, "organisation kind", {
        GovernmentAgency => "government_agency",
        AiDeveloper => "ai_developer",
        Researcher => "researcher",
        Vendor => "vendor",
        CriticalInfrastructureOperator => "critical_infrastructure_operator",
        StateLocalAuthority => "state_local_authority",
    }
);

named_enum!(
    /// An API token's kind: `user` acts with all of its user's rights,
    /// `agent` is a scoped principal for an automated client.
    TokenKind, "token kind", {
        User => "user",
        Agent => "agent",
    }
);

named_enum!(
    /// The sixteen US critical-infrastructure sectors (PPD-21), for operators.
    Sector, "sector", {
        Chemical => "chemical",
        CommercialFacilities => "commercial_facilities",
        Communications => "communications",
        CriticalManufacturing => "critical_manufacturing",
        Dams => "dams",
        DefenseIndustrialBase => "defense_industrial_base",
        EmergencyServices => "emergency_services",
        Energy => "energy",
        FinancialServices => "financial_services",
        FoodAndAgriculture => "food_and_agriculture",
        GovernmentFacilities => "government_facilities",
        HealthcareAndPublicHealth => "healthcare_and_public_health",
        InformationTechnology => "information_technology",
        NuclearReactors => "nuclear_reactors",
        TransportationSystems => "transportation_systems",
        WaterAndWastewater => "water_and_wastewater",
    }
);

named_enum!(
    /// What a user may do. Roles are granted per user; an agent acts with
    /// its user's roles, narrowed by its scopes.
    Role, "role", {
        PlatformAdmin => "platform_admin",
        Coordinator => "coordinator",
        Validator => "validator",
        Evaluator => "evaluator",
        DesignationAuthority => "designation_authority",
        Consultant => "consultant",
        Auditor => "auditor",
        /// CISA's directive manager: drafts, issues (two-person), amends and
        /// revokes Binding Operational Directives and decides agencies'
        /// extension and exception requests.
        DirectiveManager => "directive_manager",
        /// The clearinghouse's security officer (a government agency's
        /// account only): receives the insider-risk alerts of every access
        /// window whose model it may read, reads their evidence and
        /// acknowledges them.
        SecurityOfficer => "security_officer",
        OrgAdmin => "org_admin",
        Member => "member",
    }
);

named_enum!(
    /// A named permission an API token may carry. User tokens and web
    /// sessions carry every scope; agent tokens carry the ones named at
    /// creation.
    Scope, "scope", {
        OrgsRead => "orgs:read",
        OrgsWrite => "orgs:write",
        UsersRead => "users:read",
        UsersWrite => "users:write",
        TokensWrite => "tokens:write",
        DocumentsRead => "documents:read",
        DocumentsWrite => "documents:write",
        ApprovalsRead => "approvals:read",
        ApprovalsWrite => "approvals:write",
        AuditRead => "audit:read",
        AssetsRead => "assets:read",
        AssetsWrite => "assets:write",
        AdvisoriesRead => "advisories:read",
        AdvisoriesWrite => "advisories:write",
        ExposuresRead => "exposures:read",
        ExposuresWrite => "exposures:write",
        NotificationsRead => "notifications:read",
        NotificationsWrite => "notifications:write",
        FindingsRead => "findings:read",
        FindingsWrite => "findings:write",
        ModelsRead => "models:read",
        ModelsWrite => "models:write",
        EvaluationsRead => "evaluations:read",
        EvaluationsWrite => "evaluations:write",
    }
);

impl Role {
    /// Privileged roles decide for others (two-person requests, validation,
    /// designations) or see across organisations (auditors). Granting one
    /// is itself a two-person action (`approval::ApprovalAction::GrantRole`);
    /// the others (`member`, `org_admin`, `evaluator`, `consultant`) act
    /// within their own organisation and are granted by one person. The
    /// match has no wildcard, so a new role must be classified here; a test
    /// checks that every approver role is privileged.
    pub fn is_privileged(self) -> bool {
        match self {
            Role::PlatformAdmin
            | Role::Coordinator
            | Role::Validator
            | Role::DesignationAuthority
            | Role::Auditor => true,
            Role::DirectiveManager => true,
            // Sees other organisations' use of their models.
            Role::SecurityOfficer => true,
            Role::Evaluator | Role::Consultant | Role::OrgAdmin | Role::Member => false,
        }
    }
}

impl OrgKind {
    /// Operators are the only kind that carries a sector.
    pub fn takes_sector(self) -> bool {
        self == OrgKind::CriticalInfrastructureOperator
    }
}

/// What two organisation names share when people choosing one from a list
/// would take them for the same: compatibility forms (full-width letters,
/// no-break and em spaces) made plain (NFKC), letter case folded, letters
/// that look alike across scripts (Cyrillic "А", Greek "Α", Latin "A")
/// made one by the Unicode confusables skeleton (UTS #39, the
/// `unicode-security` crate: its data table is not something to write by
/// hand), and everything but letters and digits dropped (spaces,
/// punctuation, accents). "Acme Corp", "ACME  corp.", "Аcme Corp" and
/// "Ａｃｍｅ Ｃｏｒｐ" share one key.
pub fn name_key(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let folded: String = name
        .nfkc()
        .flat_map(char::to_lowercase)
        .collect::<String>()
        .replace('ß', "ss");
    unicode_security::skeleton(&folded)
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// Validated organisation and user names: trimmed, 1..=200 characters, no
/// control characters.
pub fn validate_display_name(field: &'static str, value: &str) -> Result<String, FieldError> {
    let trimmed = value.trim();
    if crate::text::is_blank(trimmed) {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if trimmed.chars().count() > 200 {
        return Err(FieldError::new(field, "must be at most 200 characters"));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    if let Some((index, c, what)) = crate::text::first_forbidden(trimmed, false) {
        return Err(FieldError::new(
            field,
            format!(
                "must not contain {what} U+{:04X} (character {index})",
                u32::from(c)
            ),
        ));
    }
    if let Some((index, c)) = crate::text::first_invisible(trimmed) {
        return Err(FieldError::new(
            field,
            format!(
                "must not contain the invisible character U+{:04X} (character {index})",
                u32::from(c)
            ),
        ));
    }
    Ok(trimmed.to_owned())
}

/// A person's display name: [`validate_display_name`], at most
/// [`MAX_PERSON_NAME_CHARS`] characters and no parentheses or commas, since
/// pages show a person as "Name (username)" beside "(Organisation)": a
/// name such as "Coord (coord) (Agency)," would read as someone else (F9).
pub fn validate_person_name(field: &'static str, value: &str) -> Result<String, FieldError> {
    let name = validate_display_name(field, value)?;
    if name.chars().count() > MAX_PERSON_NAME_CHARS {
        return Err(FieldError::new(
            field,
            format!("must be at most {MAX_PERSON_NAME_CHARS} characters"),
        ));
    }
    if name.contains(['(', ')', '[', ']', ',']) {
        return Err(FieldError::new(
            field,
            "must not contain parentheses, brackets or commas \
             (pages show the username and organisation beside the name)",
        ));
    }
    Ok(name)
}

/// The longest display name of a person.
pub const MAX_PERSON_NAME_CHARS: usize = 80;

/// A login name: 3..=64 of `a-z 0-9 . _ -`, starting with a letter.
pub fn validate_username(value: &str) -> Result<String, FieldError> {
    let ok_len = (3..=64).contains(&value.len());
    let ok_start = value.chars().next().is_some_and(|c| c.is_ascii_lowercase());
    let ok_chars = value
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if ok_len && ok_start && ok_chars {
        Ok(value.to_owned())
    } else {
        Err(FieldError::new(
            "username",
            "must be 3 to 64 characters of a-z, 0-9, '.', '_' or '-', starting with a letter",
        ))
    }
}

/// A password policy in the spirit of NIST SP 800-63B: length, not
/// composition rules.
pub fn validate_password(value: &str) -> Result<(), FieldError> {
    let n = value.chars().count();
    if n < 12 {
        return Err(FieldError::new(
            "password",
            "must be at least 12 characters",
        ));
    }
    if n > 256 {
        return Err(FieldError::new(
            "password",
            "must be at most 256 characters",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn look_alike_names_share_a_key() {
        let key = super::name_key("Acme Corp");
        for same in [
            "acme corp",
            "ACME  Corp",
            "Acme Corp.",
            "Acme Corp,",
            "Acme-Corp",
            "Acme_Corp",
            "\u{410}cme Corp",
            "Acme Co\u{433}p",
            "\u{391}cme Corp",
            "\u{FF21}\u{FF43}\u{FF4D}\u{FF45} \u{FF23}\u{FF4F}\u{FF52}\u{FF50}",
            "Acme\u{A0}Corp",
            "Acme\u{2003}Corp",
            "Acme Corp\u{301}",
        ] {
            assert_eq!(super::name_key(same), key, "{same:?}");
        }
        assert_eq!(super::name_key("émile sa"), super::name_key("ÉMILE SA"));
        assert_eq!(
            super::name_key("Straße GmbH"),
            super::name_key("STRASSE GmbH")
        );
    }

    #[test]
    fn different_names_keep_different_keys() {
        let key = super::name_key("Acme Corp");
        for other in ["Acme Corp 2", "Acme Inc", "Acne Corp", "Acme Group"] {
            assert_ne!(super::name_key(other), key, "{other:?}");
        }
        assert_ne!(super::name_key("Operator 2"), super::name_key("Operator 3"));
    }

    use super::*;

    #[test]
    fn names_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(*r));
        }
        for s in Scope::ALL {
            assert_eq!(s.as_str().parse::<Scope>(), Ok(*s));
        }
        for k in OrgKind::ALL {
            assert_eq!(k.as_str().parse::<OrgKind>(), Ok(*k));
        }
        assert_eq!(Sector::ALL.len(), 16);
    }

    #[test]
    fn approver_roles_are_privileged() {
        for action in crate::approval::ApprovalAction::ALL {
            assert!(action.approver_role().is_privileged(), "{action:?}");
        }
        assert!(!Role::Member.is_privileged() && !Role::OrgAdmin.is_privileged());
    }

    #[test]
    fn unknown_names_list_the_choices() {
        let err = "wizard".parse::<Role>().unwrap_err();
        assert!(err.to_string().contains("platform_admin"), "{err}");
    }

    #[test]
    fn usernames() {
        for ok in ["admin", "a.b-c_9"] {
            assert!(validate_username(ok).is_ok(), "{ok}");
        }
        for bad in ["", "ab", "Admin", "9abc", "a b c", "ab\u{e9}cd"] {
            assert!(validate_username(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn display_names() {
        assert_eq!(
            validate_display_name("name", "  Rural Hospital ").as_deref(),
            Ok("Rural Hospital")
        );
        assert!(validate_display_name("name", "   ").is_err());
        assert!(validate_display_name("name", "a\u{7}b").is_err());
        // F9: invisible names and look-alike author headers.
        assert!(validate_display_name("name", "\u{200b}\u{200b}").is_err());
        assert!(validate_display_name("name", "Acme Vendor\u{200b}").is_err());
        assert!(validate_display_name("name", "a\u{202E}b").is_err());
        assert_eq!(
            validate_display_name("name", "Acme, Inc. (US)").as_deref(),
            Ok("Acme, Inc. (US)")
        );
        assert!(
            validate_person_name("display_name", "Coord (coord) (Coordination Agency),").is_err()
        );
        assert!(validate_person_name("display_name", &"a".repeat(81)).is_err());
        assert_eq!(
            validate_person_name("display_name", " Ana María Núñez ").as_deref(),
            Ok("Ana María Núñez")
        );
    }
}
