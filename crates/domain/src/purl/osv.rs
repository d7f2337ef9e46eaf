//! OSV `affected[].package` (ecosystem, name) to package identity.
//!
//! The ecosystem-to-type table follows the OSV schema's ecosystem list and the
//! purls osv.dev itself writes (`pkg:deb/debian/...`, `pkg:apk/alpine/...`,
//! `pkg:rpm/redhat/...`). Ecosystem suffixes (`Debian:12`, `Alpine:v3.18`,
//! `Red Hat:rhel_aus:8.6::appstream`, `Maven:https://maven.google.com`) select a
//! release or repository, not a different package, and are ignored.

use super::PackageId;

/// How an ecosystem's package names become purl components.
enum Shape {
    /// The whole name is the purl name (no namespace).
    Plain,
    /// The namespace is fixed by the ecosystem (distribution vendor).
    Vendor(&'static str),
    /// Split at the last `/`: the prefix is the namespace (Go module paths,
    /// `vendor/package`, `@scope/name`, `owner/repo`).
    LastSlash,
    /// Maven `groupId:artifactId`.
    Maven,
    /// Swift: a Git URL; scheme and `.git` are dropped, then split at the last `/`.
    SwiftUrl,
}

/// The purl type and name shape of a base OSV ecosystem (without `:suffix`).
fn ecosystem(base: &str) -> Option<(&'static str, Shape)> {
    use Shape::*;
    Some(match base {
        "PyPI" => ("pypi", Plain),
        "npm" => ("npm", LastSlash),
        "Maven" => ("maven", Maven),
        "Go" | "Kubernetes" => ("golang", LastSlash),
        "crates.io" => ("cargo", Plain),
        "RubyGems" => ("gem", Plain),
        "NuGet" => ("nuget", Plain),
        "Packagist" => ("composer", LastSlash),
        "Hex" => ("hex", Plain),
        "Pub" => ("pub", Plain),
        "Hackage" => ("hackage", Plain),
        "CRAN" => ("cran", Plain),
        "ConanCenter" => ("conan", Plain),
        "Bitnami" => ("bitnami", Plain),
        "OSS-Fuzz" => ("generic", Plain),
        "GitHub Actions" => ("github", LastSlash),
        "SwiftURL" => ("swift", SwiftUrl),
        "Debian" => ("deb", Vendor("debian")),
        "Ubuntu" => ("deb", Vendor("ubuntu")),
        "Alpine" => ("apk", Vendor("alpine")),
        "Wolfi" => ("apk", Vendor("wolfi")),
        "Chainguard" => ("apk", Vendor("chainguard")),
        "MinimOS" => ("apk", Vendor("minimos")),
        "Red Hat" => ("rpm", Vendor("redhat")),
        "Rocky Linux" => ("rpm", Vendor("rocky-linux")),
        "AlmaLinux" => ("rpm", Vendor("almalinux")),
        "SUSE" => ("rpm", Vendor("suse")),
        "openSUSE" => ("rpm", Vendor("opensuse")),
        "openEuler" => ("rpm", Vendor("openeuler")),
        "Mageia" => ("rpm", Vendor("mageia")),
        "Photon OS" => ("rpm", Vendor("photon")),
        _ => return None,
    })
}

/// The identity a purl of this OSV package has, or `None` for ecosystems without a
/// purl type (Linux, Android, GHC, ...) and for empty or malformed names.
pub fn package_id_for_osv(ecosystem_name: &str, name: &str) -> Option<PackageId> {
    let base = ecosystem_name
        .split_once(':')
        .map_or(ecosystem_name, |(b, _)| b)
        .trim();
    let (purl_type, shape) = ecosystem(base)?;
    let name = name.trim();
    let (namespace, name) = match shape {
        Shape::Plain => (None, name),
        Shape::Vendor(vendor) => (Some(vendor), name),
        Shape::LastSlash => split_last_slash(name),
        Shape::Maven => {
            let (group, artifact) = name.split_once(':')?;
            (Some(group), artifact)
        }
        Shape::SwiftUrl => {
            let url = name.split_once("://").map_or(name, |(_, rest)| rest);
            let url = url.trim_end_matches('/');
            split_last_slash(url.strip_suffix(".git").unwrap_or(url))
        }
    };
    if name.is_empty() || name.contains('/') || namespace.is_some_and(str::is_empty) {
        return None;
    }
    let id = PackageId::normalised(purl_type, namespace, name);
    // Only identities that are valid purls (e.g. composer needs a vendor).
    super::Purl::parse(&id.key()).ok().map(|p| p.id)
}

fn split_last_slash(s: &str) -> (Option<&str>, &str) {
    match s.rsplit_once('/') {
        Some((ns, name)) => (Some(ns), name),
        None => (None, s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(t: &str, ns: Option<&str>, n: &str) -> Option<PackageId> {
        Some(PackageId {
            purl_type: t.into(),
            namespace: ns.map(Into::into),
            name: n.into(),
        })
    }

    #[test]
    fn purl_osv_ecosystems_map_to_purl_identity() {
        let cases: &[(&str, &str, Option<PackageId>)] = &[
            ("PyPI", "Zope.Interface", id("pypi", None, "zope-interface")),
            (
                "PyPI",
                "typing__extensions",
                id("pypi", None, "typing-extensions"),
            ),
            ("npm", "@Babel/Core", id("npm", Some("@babel"), "core")),
            ("npm", "lodash", id("npm", None, "lodash")),
            (
                "Maven",
                "org.Apache:Log4j",
                id("maven", Some("org.Apache"), "Log4j"),
            ),
            (
                "Maven:https://maven.google.com",
                "a.b:c",
                id("maven", Some("a.b"), "c"),
            ),
            ("Maven", "no-colon", None),
            (
                "Go",
                "github.com/BurntSushi/toml",
                id("golang", Some("github.com/burntsushi"), "toml"),
            ),
            ("Go", "stdlib", id("golang", None, "stdlib")),
            ("crates.io", "lock_api", id("cargo", None, "lock_api")),
            ("RubyGems", "Rails", id("gem", None, "Rails")),
            (
                "NuGet",
                "Newtonsoft.Json",
                id("nuget", None, "newtonsoft.json"),
            ),
            (
                "Packagist",
                "Contao/Core-Bundle",
                id("composer", Some("contao"), "core-bundle"),
            ),
            ("Debian:12", "OpenSSL", id("deb", Some("debian"), "openssl")),
            (
                "Ubuntu:22.04:LTS",
                "curl",
                id("deb", Some("ubuntu"), "curl"),
            ),
            (
                "Alpine:v3.18",
                "libexif",
                id("apk", Some("alpine"), "libexif"),
            ),
            (
                "Red Hat:rhel_aus:8.6::appstream",
                "PyYAML",
                id("rpm", Some("redhat"), "PyYAML"),
            ),
            (
                "Rocky Linux:9",
                "git",
                id("rpm", Some("rocky-linux"), "git"),
            ),
            ("AlmaLinux:8", "git", id("rpm", Some("almalinux"), "git")),
            (
                "SUSE:Linux Enterprise 15",
                "curl",
                id("rpm", Some("suse"), "curl"),
            ),
            ("Hex", "Plug", id("hex", None, "plug")),
            ("Pub", "http", id("pub", None, "http")),
            ("Hackage", "aeson", id("hackage", None, "aeson")),
            ("Bitnami", "minio", id("bitnami", None, "minio")),
            (
                "GitHub Actions",
                "Actions/Checkout",
                id("github", Some("actions"), "checkout"),
            ),
            (
                "SwiftURL",
                "github.com/apple/swift-nio",
                id("swift", Some("github.com/apple"), "swift-nio"),
            ),
            (
                "SwiftURL",
                "https://github.com/a/b.git",
                id("swift", Some("github.com/a"), "b"),
            ),
            ("Linux", "Kernel", None),
            ("Android", "platform/frameworks/base", None),
            ("NoSuchEcosystem", "x", None),
            ("PyPI", "", None),
            ("npm", "@scope/", None),
        ];
        for (eco, name, want) in cases {
            assert_eq!(&package_id_for_osv(eco, name), want, "{eco} {name}");
        }
    }
}
