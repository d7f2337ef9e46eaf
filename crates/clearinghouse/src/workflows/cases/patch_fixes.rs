//! What a patch fixes (issue 15): a vendor names, when it releases a
//! patch, the vulnerabilities of the case it fixes and, optionally, the
//! products it is for (package URLs or CPEs the vendor map confirms as the
//! vendor's). Naming none means every vulnerability of the case, for every
//! product of the vendor, recorded one row per vulnerability
//! (`case_patch_fixes`, migration 0030), so the case page lists patches per
//! vulnerability and the CSAF advisory's remediations give each patch only
//! under the vulnerabilities and products it fixes. A vulnerability that is
//! not the case's, or a product that is not the vendor's, is a 422 naming
//! `vulnerabilities[i]` or `products[i]`, and nothing is stored.

use std::collections::HashMap;

use clearinghouse_domain::cases::{MAX_VULNERABILITIES, ProductRef};
use serde::Serialize;
use utoipa::ToSchema;

use super::case_error;
use crate::error::{AppError, AppResult};
use crate::store;
use crate::store::cases::CaseRow;
use crate::store::cases::patches::Fix;

/// Most products one patch names.
pub const MAX_PRODUCTS: usize = 100;

/// One vulnerability (and product) a patch fixes.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct PatchFix {
    /// The vulnerability as the case names it (`CVE-2018-1000805`).
    pub vulnerability: String,
    /// The vulnerability's own id (what statements name).
    #[serde(skip)]
    pub vuln_id: String,
    /// The product's matching key; none: every product of the vendor.
    pub product: Option<String>,
}

/// A comma-separated query value as a list (`CVE-1,CVE-2`).
pub fn split_list(given: Option<&str>) -> Vec<String> {
    given
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Checks what a vendor says its patch fixes, in the case `c`: each
/// vulnerability one of the case's (by the id it was named with, or any id
/// of its vulnerability), each product the vendor's confirmed product.
pub(crate) async fn resolve(
    conn: &mut store::AnyConnection,
    vendor_org: &str,
    c: &CaseRow,
    vulnerabilities: &[String],
    products: &[String],
) -> AppResult<Vec<Fix>> {
    let case_vulns = store::cases::vulnerabilities(conn, &c.id).await?;
    if vulnerabilities.len() > MAX_VULNERABILITIES {
        return Err(AppError::invalid(
            "vulnerabilities",
            format!("at most {MAX_VULNERABILITIES} vulnerabilities"),
        ));
    }
    if products.len() > MAX_PRODUCTS {
        return Err(AppError::invalid(
            "products",
            format!("at most {MAX_PRODUCTS} products"),
        ));
    }
    let mut vulns: Vec<String> = Vec::new();
    for (i, given) in vulnerabilities.iter().enumerate() {
        let given = given.trim();
        let group = store::advisories::vuln_id_for(&mut *conn, given).await?;
        let found = case_vulns
            .iter()
            .find(|(v, named)| {
                v == given || named.eq_ignore_ascii_case(given) || Some(v) == group.as_ref()
            })
            .map(|(v, _)| v.clone())
            .ok_or_else(|| {
                AppError::invalid(
                    format!("vulnerabilities[{i}]"),
                    format!(
                        "{given} is not a vulnerability of this case (it concerns {})",
                        super::vuln_words(
                            &case_vulns
                                .iter()
                                .map(|(_, n)| n.clone())
                                .collect::<Vec<_>>()
                        )
                    ),
                )
            })?;
        if !vulns.contains(&found) {
            vulns.push(found);
        }
    }
    if vulns.is_empty() {
        vulns = case_vulns.into_iter().map(|(v, _)| v).collect();
    }
    let mut keys: Vec<String> = Vec::new();
    for (i, given) in products.iter().enumerate() {
        let field = format!("products[{i}]");
        let p = ProductRef::parse(&field, given).map_err(case_error)?;
        if !store::cases::statements::vendor_claims(&mut *conn, vendor_org, &p.key).await? {
            return Err(AppError::invalid(
                field,
                format!(
                    "{} is not a product of your organisation (the vendor map confirms none \
                     such)",
                    p.key
                ),
            ));
        }
        if !keys.contains(&p.key) {
            keys.push(p.key);
        }
    }
    if keys.is_empty() {
        keys.push(String::new());
    }
    Ok(vulns
        .iter()
        .flat_map(|v| keys.iter().map(move |k| (v.clone(), k.clone())))
        .collect())
}

/// What each patch of a case fixes, by patch id, vulnerabilities as the
/// case names them.
pub(crate) async fn of_case(
    conn: &mut store::AnyConnection,
    case_id: &str,
) -> AppResult<HashMap<String, Vec<PatchFix>>> {
    let named: HashMap<String, String> = store::cases::vulnerabilities(conn, case_id)
        .await?
        .into_iter()
        .collect();
    let mut out: HashMap<String, Vec<PatchFix>> = HashMap::new();
    for (patch, vuln, product) in store::cases::patches::fixes_of_case(conn, case_id).await? {
        out.entry(patch).or_default().push(PatchFix {
            vulnerability: named.get(&vuln).cloned().unwrap_or_else(|| vuln.clone()),
            vuln_id: vuln,
            product: (!product.is_empty()).then_some(product),
        });
    }
    Ok(out)
}

/// Whether a patch's fixes cover a vulnerability (its own id) for a
/// product key.
pub fn fixes(list: &[PatchFix], vuln_id: &str, product_key: &str) -> bool {
    list.iter()
        .any(|f| f.vuln_id == vuln_id && f.product.as_deref().is_none_or(|p| p == product_key))
}
