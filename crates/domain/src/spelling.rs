//! `spelled_enum!`: the one way a closed set of named values (a fieldless
//! enum) gets its spellings here: `as_str`, `Display` and, when asked, `ALL`
//! and `parse`. Written once instead of per enum.

/// Implements, for a fieldless enum declared just before it, what every
/// closed set of named values in this crate repeats:
///
/// - `pub const fn as_str(self) -> &'static str`: each variant's spelling
///   (doc comments written before the enum's name go on `as_str`);
/// - `Display`, writing `as_str`;
/// - with a trailing `ALL`, `pub const ALL: [Enum; N]`: every variant, in
///   the order listed;
/// - with a trailing `parse`, `pub fn parse(s: &str) -> Option<Enum>`: the
///   variant spelled exactly `s`.
///
/// The declaration itself (derives, serde names, variant docs) stays with
/// the enum; where serde spells the enum too, the module's tests check the
/// two agree. Used by `labels::Tlp`, `cases::CaseRole`, `cvss::{CvssVersion,
/// Severity}`, `sbom::SbomFormat`, `findings::{FindingState,
/// RejectionReason}`, `frontier::designation::ReleasePart`,
/// `exposure::RemediationState`, `approval::ApprovalState` and
/// `versions::Ecosystem`.
///
/// ```ignore
/// spelled_enum! {
///     /// The canonical spelling.
///     Colour { Red => "red", Green => "green" }
///     ALL parse
/// }
/// ```
macro_rules! spelled_enum {
    (@as_str $(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $name {
            $(#[$doc])*
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
    (@ALL $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $name {
            /// Every value, in the order its spellings are listed.
            pub const ALL: [$name; [$($text),+].len()] = [$($name::$variant),+];
        }
    };
    (@parse $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $name {
            /// The value spelled exactly `s`, if any.
            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }
    };
    ($(#[$doc:meta])* $name:ident $spellings:tt $($also:ident)*) => {
        $crate::spelling::spelled_enum!(@as_str $(#[$doc])* $name $spellings);
        $($crate::spelling::spelled_enum!(@$also $name $spellings);)*
    };
}

pub(crate) use spelled_enum;

#[cfg(test)]
mod tests {
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Colour {
        Red,
        DarkGreen,
    }

    spelled_enum! {
        Colour { Red => "red", DarkGreen => "dark_green" }
        ALL parse
    }

    #[test]
    fn spellings_round_trip() {
        assert_eq!(Colour::ALL, [Colour::Red, Colour::DarkGreen]);
        for c in Colour::ALL {
            assert_eq!(Colour::parse(c.as_str()), Some(c));
            assert_eq!(c.to_string(), c.as_str());
        }
        assert_eq!(Colour::DarkGreen.as_str(), "dark_green");
        assert_eq!(Colour::parse("Red"), None);
    }
}
