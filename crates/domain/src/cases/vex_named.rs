//! Matching a CycloneDX component named without purl or CPE (CISA's VEX
//! examples: `"name": "ABC"`) to one of the stating vendor's products:
//! names compared lowercase with spaces and punctuation alike, narrowed by
//! the component's group or supplier, then by the products the case's
//! advisories list ([`resolve_named`]).

use super::vex_cyclonedx::NamedComponent;

/// Lowercase, each run of other characters than letters and digits one
/// `_`, percent escapes decoded first (`Acme Product` = `acme-product`).
fn norm(s: &str) -> String {
    let b = s.as_bytes();
    let mut decoded = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| char::from(c).to_digit(16);
        if b[i] == b'%'
            && let (Some(h), Some(l)) = (
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            )
        {
            decoded.push(u8::try_from(h * 16 + l).unwrap_or(b'_'));
            i += 3;
            continue;
        }
        decoded.push(b[i]);
        i += 1;
    }
    let mut out = String::new();
    for c in String::from_utf8_lossy(&decoded).to_lowercase().chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_owned()
}

/// A matching key's namespace or vendor and its name: `pkg:maven/com.example/app`
/// → (`com.example`, `app`); `cpe:acme:app` → (`acme`, `app`).
fn key_parts(key: &str) -> (Option<&str>, &str) {
    if let Some(rest) = key.strip_prefix("pkg:") {
        let path = rest.split_once('/').map_or(rest, |(_, p)| p);
        return match path.rsplit_once('/') {
            Some((ns, name)) => (Some(ns), name),
            None => (None, path),
        };
    }
    if let Some(rest) = key.strip_prefix("cpe:")
        && let Some((vendor, product)) = rest.split_once(':')
    {
        return (Some(vendor), product);
    }
    (None, key)
}

/// Which of the stating vendor's products (`candidates`: matching key and
/// the reference as the vendor map has it) a named component is: the
/// products whose name is the component's (compared lowercase, spaces and
/// punctuation alike); among several, those whose namespace or vendor is
/// the component's group or supplier, then those the case's advisories
/// list (`in_case`). Returns the map's reference, or why none is meant.
pub fn resolve_named(
    c: &NamedComponent,
    candidates: &[(String, String)],
    in_case: &[String],
) -> Result<String, String> {
    let name = norm(&c.name);
    let mut hits: Vec<&(String, String)> = candidates
        .iter()
        .filter(|(key, _)| norm(key_parts(key).1) == name)
        .collect();
    if hits.is_empty() {
        let yours: Vec<&str> = candidates
            .iter()
            .take(10)
            .map(|(k, _)| k.as_str())
            .collect();
        return Err(format!(
            "component '{}' (named '{}', without purl or cpe) matches none of your \
             organisation's confirmed products by name ({}); give the component a purl or cpe, \
             or have the product mapped to your organisation",
            c.bom_ref,
            c.name,
            if yours.is_empty() {
                "it has none".to_owned()
            } else {
                yours.join(", ")
            }
        ));
    }
    let owners: Vec<String> = [&c.group, &c.supplier]
        .into_iter()
        .flatten()
        .map(|s| norm(s))
        .collect();
    if hits.len() > 1 && !owners.is_empty() {
        let by_owner: Vec<_> = hits
            .iter()
            .copied()
            .filter(|(key, _)| {
                key_parts(key).0.is_some_and(|ns| {
                    let ns = norm(ns);
                    owners
                        .iter()
                        .any(|o| *o == ns || o.starts_with(&format!("{ns}_")))
                })
            })
            .collect();
        if !by_owner.is_empty() {
            hits = by_owner;
        }
    }
    if hits.len() > 1 {
        let in_this: Vec<_> = hits
            .iter()
            .copied()
            .filter(|(key, _)| in_case.contains(key))
            .collect();
        if !in_this.is_empty() {
            hits = in_this;
        }
    }
    match hits.as_slice() {
        [(_, given)] => Ok(given.clone()),
        _ => Err(format!(
            "component '{}' (named '{}', without purl or cpe) matches several of your products \
             ({}); give the component a purl or cpe",
            c.bom_ref,
            c.name,
            hits.iter()
                .map(|(k, _)| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}
