//! Version ordering per ecosystem and OSV affected-range decisions.
//!
//! [`compare`] orders two version strings under one ecosystem's rules:
//!
//! | ecosystem | ordering |
//! |---|---|
//! | PyPI | PEP 440 (`pep440_rs`) |
//! | npm, crates.io, Hex, SwiftURL, Bitnami | SemVer 2.0 precedence (`semver`), leniently parsed |
//! | Go | SemVer with the `v` prefix, `+incompatible` and pseudo-versions |
//! | Pub | SemVer, with build metadata ordered as `pub_semver` does |
//! | Maven | Maven 3.9 `ComparableVersion` |
//! | RubyGems | `Gem::Version` |
//! | NuGet | NuGet SemVer: four numeric parts, case-insensitive pre-release |
//! | Packagist | Composer normalisation, then PHP `version_compare` |
//! | Debian, Ubuntu | dpkg (`debversion`) |
//! | Alpine (and Wolfi, Chainguard, MinimOS) | apk-tools `version.c` |
//! | Rpm (Red Hat, AlmaLinux, Rocky, SUSE, openSUSE, ...) | `rpmvercmp` on epoch:version-release |
//! | Hackage (and GHC) | dotted numeric, compared as lists |
//! | Other | always an error: no ordering is known |
//!
//! Only PEP 440, SemVer and dpkg have well-kept crates; the other orderings are written
//! here, each a port of the package manager's own algorithm, because no maintained Rust
//! crate implements them (the few that exist are unmaintained or cover one corner).
//!
//! [`decide`] evaluates an OSV `affected[]` entry (its `ranges` and `versions`) for one
//! version with the OSV schema's evaluation algorithm. A version or event that cannot
//! be ordered yields [`Decision::CannotDecide`] with the reason, never a silent answer.

mod alpine;
mod maven;
mod nuget;
mod osv;
mod packagist;
mod rpm;
mod rubygems;
mod semver_eco;
mod vers;

#[cfg(test)]
mod tests_decide;
#[cfg(test)]
mod tests_ordering;
#[cfg(test)]
mod tests_ordering_distro;
#[cfg(test)]
mod tests_props;
#[cfg(test)]
mod tests_realdata;
#[cfg(test)]
mod tests_realdata_sets;
#[cfg(test)]
mod tests_scanner;
#[cfg(test)]
mod yaml_subset;

use std::cmp::Ordering;

use crate::spelling::spelled_enum;

pub use osv::{Decision, OsvEvent, OsvRange, Verdict, decide};
pub use vers::{VersRange, parse_vers, upgrade_to};

/// A package ecosystem, as far as version ordering is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ecosystem {
    PyPI,
    Npm,
    Maven,
    Go,
    CratesIo,
    RubyGems,
    NuGet,
    Packagist,
    Hex,
    Pub,
    Debian,
    Ubuntu,
    Alpine,
    /// RPM-based distributions: Red Hat, AlmaLinux, Rocky Linux, SUSE, openSUSE,
    /// openEuler, Mageia, Photon OS.
    Rpm,
    Hackage,
    Bitnami,
    SwiftURL,
    /// An ecosystem without a known ordering: every comparison is an error.
    Other,
}

impl Ecosystem {
    /// Maps an OSV `affected[].package.ecosystem` string (per the OSV ecosystems list)
    /// to its ordering. A `:<suffix>` (`Debian:12`, `Alpine:v3.18`, `Red Hat:rhel_aus:8.6::appstream`,
    /// `Ubuntu:Pro:18.04:LTS`, `Maven:https://...`) only scopes the release and is ignored.
    pub fn from_osv(name: &str) -> Ecosystem {
        let base = name.trim().split(':').next().unwrap_or("").trim();
        match base.to_ascii_lowercase().as_str() {
            "pypi" => Ecosystem::PyPI,
            "npm" => Ecosystem::Npm,
            "maven" => Ecosystem::Maven,
            // Kubernetes components are Go modules with SemVer tags.
            "go" | "kubernetes" => Ecosystem::Go,
            "crates.io" => Ecosystem::CratesIo,
            "rubygems" => Ecosystem::RubyGems,
            "nuget" => Ecosystem::NuGet,
            "packagist" => Ecosystem::Packagist,
            "hex" => Ecosystem::Hex,
            "pub" => Ecosystem::Pub,
            "debian" => Ecosystem::Debian,
            "ubuntu" => Ecosystem::Ubuntu,
            // Wolfi, Chainguard and MinimOS ship apk packages with Alpine's version rules.
            "alpine" | "wolfi" | "chainguard" | "minimos" => Ecosystem::Alpine,
            "red hat" | "almalinux" | "rocky linux" | "suse" | "opensuse" | "openeuler"
            | "mageia" | "photon os" => Ecosystem::Rpm,
            // GHC releases are dotted numeric versions like Hackage packages.
            "hackage" | "ghc" => Ecosystem::Hackage,
            "bitnami" => Ecosystem::Bitnami,
            "swifturl" => Ecosystem::SwiftURL,
            _ => Ecosystem::Other,
        }
    }

    /// Maps a package-URL type (`pypi`, `golang`, `cargo`, `deb`, ...) to its ordering.
    /// `deb` covers Debian and Ubuntu alike (both use dpkg ordering).
    pub fn from_purl_type(t: &str) -> Ecosystem {
        match t.trim().to_ascii_lowercase().as_str() {
            "pypi" => Ecosystem::PyPI,
            "npm" => Ecosystem::Npm,
            "maven" => Ecosystem::Maven,
            "golang" => Ecosystem::Go,
            "cargo" => Ecosystem::CratesIo,
            "gem" => Ecosystem::RubyGems,
            "nuget" => Ecosystem::NuGet,
            "composer" => Ecosystem::Packagist,
            "hex" => Ecosystem::Hex,
            "pub" => Ecosystem::Pub,
            "deb" => Ecosystem::Debian,
            "apk" => Ecosystem::Alpine,
            "rpm" => Ecosystem::Rpm,
            "hackage" => Ecosystem::Hackage,
            "bitnami" => Ecosystem::Bitnami,
            "swift" => Ecosystem::SwiftURL,
            _ => Ecosystem::Other,
        }
    }
}

spelled_enum! {
    /// A display name (the OSV spelling where there is one).
    Ecosystem {
        PyPI => "PyPI",
        Npm => "npm",
        Maven => "Maven",
        Go => "Go",
        CratesIo => "crates.io",
        RubyGems => "RubyGems",
        NuGet => "NuGet",
        Packagist => "Packagist",
        Hex => "Hex",
        Pub => "Pub",
        Debian => "Debian",
        Ubuntu => "Ubuntu",
        Alpine => "Alpine",
        Rpm => "RPM",
        Hackage => "Hackage",
        Bitnami => "Bitnami",
        SwiftURL => "SwiftURL",
        Other => "an ecosystem without a known version ordering",
    }
}

/// A version string that cannot be ordered in an ecosystem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot order version '{version}' in {ecosystem}: {reason}")]
pub struct VersionError {
    pub ecosystem: String,
    pub version: String,
    pub reason: String,
}

impl VersionError {
    pub(crate) fn new(ecosystem: &str, version: &str, reason: impl Into<String>) -> VersionError {
        VersionError {
            ecosystem: ecosystem.to_owned(),
            version: version.to_owned(),
            reason: reason.into(),
        }
    }
}

/// Orders two versions under `eco`'s rules. Surrounding whitespace is ignored; an empty
/// version, or one the ecosystem's grammar rejects, is an error naming that version.
pub fn compare(eco: Ecosystem, a: &str, b: &str) -> Result<Ordering, VersionError> {
    let (a, b) = (a.trim(), b.trim());
    let name = eco.as_str();
    for v in [a, b] {
        if v.is_empty() {
            return Err(VersionError::new(name, v, "empty version"));
        }
    }
    match eco {
        Ecosystem::PyPI => {
            let pa = parse_pep440(a)?;
            let pb = parse_pep440(b)?;
            Ok(pa.cmp(&pb))
        }
        Ecosystem::Npm
        | Ecosystem::CratesIo
        | Ecosystem::Go
        | Ecosystem::Hex
        | Ecosystem::SwiftURL
        | Ecosystem::Bitnami => semver_eco::compare_precedence(name, a, b),
        Ecosystem::Pub => semver_eco::compare_with_build(name, a, b),
        Ecosystem::Maven => Ok(maven::compare(a, b)),
        Ecosystem::RubyGems => rubygems::compare(a, b),
        Ecosystem::NuGet => nuget::compare(a, b),
        Ecosystem::Packagist => packagist::compare(a, b),
        Ecosystem::Debian | Ecosystem::Ubuntu => {
            let pa = parse_dpkg(name, a)?;
            let pb = parse_dpkg(name, b)?;
            Ok(pa.cmp(&pb))
        }
        Ecosystem::Alpine => alpine::compare(a, b),
        Ecosystem::Rpm => rpm::compare(a, b),
        Ecosystem::Hackage => compare_dotted(name, a, b),
        Ecosystem::Other => Err(VersionError::new(
            name,
            a,
            "no version ordering is known for this ecosystem",
        )),
    }
}

/// SemVer 2.0 precedence with the OSV `SEMVER` leniency, whatever the ecosystem.
pub(crate) fn compare_semver(a: &str, b: &str) -> Result<Ordering, VersionError> {
    semver_eco::compare_precedence("SemVer", a.trim(), b.trim())
}

fn parse_pep440(v: &str) -> Result<pep440_rs::Version, VersionError> {
    v.parse::<pep440_rs::Version>()
        .map_err(|e| VersionError::new("PyPI", v, format!("not a PEP 440 version ({e})")))
}

/// dpkg's `parseversion` errors that `debversion` lets through are checked first: a
/// non-numeric epoch and an empty revision after a trailing `-`.
fn parse_dpkg(name: &str, v: &str) -> Result<debversion::Version, VersionError> {
    if let Some((epoch, _)) = v.split_once(':')
        && (epoch.is_empty() || !epoch.bytes().all(|c| c.is_ascii_digit()))
    {
        return Err(VersionError::new(
            name,
            v,
            "epoch in version is not a number",
        ));
    }
    if v.ends_with('-') {
        return Err(VersionError::new(name, v, "revision number is empty"));
    }
    v.parse::<debversion::Version>()
        .map_err(|e| VersionError::new(name, v, format!("not a dpkg version ({e})")))
}

/// Compares two runs of ASCII digits by numeric value, whatever their length.
pub(crate) fn cmp_digits(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Hackage (Cabal `Data.Version`): dot-separated non-negative integers compared as
/// lists, so `1.0 < 1.0.0`. Hand-written: the ordering is a list comparison.
fn compare_dotted(name: &str, a: &str, b: &str) -> Result<Ordering, VersionError> {
    fn parts<'a>(name: &str, v: &'a str) -> Result<Vec<&'a str>, VersionError> {
        let parts: Vec<&str> = v.split('.').collect();
        if parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
        {
            Ok(parts)
        } else {
            Err(VersionError::new(
                name,
                v,
                "expected dot-separated numbers (like 1.2.3)",
            ))
        }
    }
    let (pa, pb) = (parts(name, a)?, parts(name, b)?);
    for (x, y) in pa.iter().zip(pb.iter()) {
        let o = cmp_digits(x, y);
        if o != Ordering::Equal {
            return Ok(o);
        }
    }
    Ok(pa.len().cmp(&pb.len()))
}
