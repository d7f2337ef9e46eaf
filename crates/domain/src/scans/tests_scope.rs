//! The intake scope rule (`scope.rs`): network results by the address or
//! host they name, software results by package, repository or product and
//! version; and a property test that an address is in scope exactly when
//! a campaign block holds it.

use proptest::prelude::*;

use super::scope::{check, network_of_uri};
use super::*;
use crate::findings;

fn targets(texts: &[&str]) -> Vec<Target> {
    texts
        .iter()
        .map(|s| Target::parse("t", s).unwrap_or_else(|e| panic!("{s}: {e}")))
        .collect()
}

fn sw(s: &str) -> findings::Target {
    findings::Target::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

#[test]
fn uris_name_network_targets() {
    assert_eq!(
        network_of_uri("https://203.0.113.5:8443/login?x=1").as_deref(),
        Some("cidr:203.0.113.5/32")
    );
    assert_eq!(
        network_of_uri("http://user:pw@[2001:db8::7]:80/").as_deref(),
        Some("cidr:2001:db8::7/128")
    );
    assert_eq!(
        network_of_uri("https://Portal.Water.Example/a").as_deref(),
        Some("host:portal.water.example")
    );
    assert_eq!(network_of_uri("src/app.js"), None);
    assert_eq!(network_of_uri("file:///etc/passwd"), None);
    assert_eq!(network_of_uri("https:///nohost"), None);
    assert_eq!(network_of_uri("https://bad host/"), None);
}

#[test]
fn software_results_by_package_repo_and_product() {
    let ts = targets(&[
        "pkg:npm/lodash vers:npm/<4.17.21",
        "repo:https://github.com/paramiko/paramiko@main",
        "product:acme/router vers:generic/>=2.0|<3.0",
        "cidr:203.0.113.0/27",
    ]);
    assert_eq!(check(&sw("pkg:npm/lodash@4.17.20"), None, &ts), Ok(()));
    assert_eq!(check(&sw("pkg:npm/lodash"), None, &ts), Ok(()));
    let e = check(&sw("pkg:npm/lodash@4.17.21"), None, &ts).unwrap_err();
    assert!(e.contains("pkg:npm/lodash@4.17.21"), "{e}");
    assert!(e.contains("software targets"), "{e}");
    assert!(check(&sw("pkg:pypi/requests@2.0.0"), None, &ts).is_err());
    assert_eq!(
        check(
            &sw("repo:https://github.com/paramiko/paramiko@v3.4.0"),
            None,
            &ts
        ),
        Ok(())
    );
    assert_eq!(
        check(&sw("repo:https://github.com/paramiko/paramiko"), None, &ts),
        Ok(())
    );
    assert!(check(&sw("repo:https://github.com/other/x@main"), None, &ts).is_err());
    assert_eq!(check(&sw("product:acme/router@2.5"), None, &ts), Ok(()));
    assert!(check(&sw("product:acme/router@3.1"), None, &ts).is_err());
    // A network-only campaign takes no software result without an address.
    let net = targets(&["cidr:203.0.113.0/27"]);
    assert!(check(&sw("pkg:npm/lodash@4.17.20"), None, &net).is_err());
}

#[test]
fn network_results_by_address_or_host() {
    let ts = targets(&[
        "cidr:203.0.113.0/27",
        "host:*.water.example",
        "pkg:npm/lodash",
    ]);
    let any = sw("product:acme/router@9");
    assert_eq!(check(&any, Some("cidr:203.0.113.5/32"), &ts), Ok(()));
    let e = check(&any, Some("cidr:203.0.113.77/32"), &ts).unwrap_err();
    assert!(e.contains("203.0.113.77/32"), "{e}");
    assert!(e.contains("network targets"), "{e}");
    assert_eq!(check(&any, Some("host:portal.water.example"), &ts), Ok(()));
    assert!(check(&any, Some("host:water.example"), &ts).is_err());
    assert!(check(&any, Some("host:portal.gas.example"), &ts).is_err());
    // Naming an address, even a covered package is judged by the address.
    assert!(check(&sw("pkg:npm/lodash@1.0.0"), Some("cidr:192.0.2.1/32"), &ts).is_err());
}

proptest! {
    #[test]
    fn an_address_is_in_scope_exactly_when_a_block_holds_it(
        blocks in proptest::collection::vec((any::<u32>(), 8u8..=32), 1..4),
        addr in any::<u32>(),
    ) {
        let cidrs: Vec<Cidr> = blocks
            .iter()
            .map(|(a, p)| Cidr::containing(std::net::IpAddr::V4((*a).into()), *p))
            .collect();
        let ts: Vec<Target> = cidrs.iter().map(|c| Target::Cidr(*c)).collect();
        let ip = std::net::Ipv4Addr::from(addr);
        let named = network_of_uri(&format!("https://{ip}/x")).unwrap();
        let expected = cidrs.iter().any(|c| c.contains_addr(ip.into()));
        let any = findings::Target::parse("pkg:npm/x@1").unwrap();
        prop_assert_eq!(check(&any, Some(&named), &ts).is_ok(), expected);
    }
}
