//! The CSAF 2.0 JSON schema (`csaf_json_schema.json`, with FIRST's CVSS v2.0,
//! v3.0 and v3.1 schemas it references) as [`Shape`] tables: every required
//! field, type, enumeration, minimum length and count, unique list and pattern
//! of the schema. Formats (`date-time`, `uri`) are not checked. The CVSS `oneOf`
//! (3.0 or 3.1) is one table here; `csaf_checks` adds that the vector's prefix
//! matches `version`.

use super::csaf_cvss_schema::{CVSS_V2, CVSS_V3};
use super::csaf_patterns::{is_category, is_hash, is_lang, is_purl_shape, is_version};
use super::shape::{Shape, TEXT, is_cve_id, is_cwe_id, is_trimmed, list, obj, one_of, pattern};

static TEXTS: Shape = list(&TEXT, 1, false);
static UNIQUE_TEXTS: Shape = list(&TEXT, 1, true);
/// `products_t` and `product_groups_t`.
pub(super) static PRODUCTS: Shape = list(&TEXT, 1, true);
static LANG: Shape = pattern(is_lang, "a language tag (BCP 47)");
static VERSION: Shape = pattern(is_version, "an integer or semantic version");

pub(super) static DOCUMENT_ROOT: Shape = obj(
    &[
        ("document", &DOCUMENT),
        ("product_tree", &PRODUCT_TREE),
        ("vulnerabilities", &VULNERABILITIES),
    ],
    &["document"],
);

static ACKNOWLEDGMENTS: Shape = list(&ACKNOWLEDGMENT, 1, false);
static ACKNOWLEDGMENT: Shape = obj(
    &[
        ("names", &TEXTS),
        ("organization", &TEXT),
        ("summary", &TEXT),
        ("urls", &TEXTS),
    ],
    &[],
)
.min_props(1);
static NOTES: Shape = list(&NOTE, 1, false);
static NOTE: Shape = obj(
    &[
        ("audience", &TEXT),
        ("category", &NOTE_CATEGORY),
        ("text", &TEXT),
        ("title", &TEXT),
    ],
    &["category", "text"],
);
/// `notes_t[].category`
static NOTE_CATEGORY: Shape = one_of!(
    "description",
    "details",
    "faq",
    "general",
    "legal_disclaimer",
    "other",
    "summary",
);
static REFERENCES: Shape = list(&REFERENCE, 1, false);
static REFERENCE: Shape = obj(
    &[
        ("category", &one_of!("external", "self")),
        ("summary", &TEXT),
        ("url", &TEXT),
    ],
    &["summary", "url"],
);

static DOCUMENT: Shape = obj(
    &[
        ("acknowledgments", &ACKNOWLEDGMENTS),
        (
            "aggregate_severity",
            &obj(&[("namespace", &TEXT), ("text", &TEXT)], &["text"]),
        ),
        (
            "category",
            &pattern(
                is_category,
                "a category without leading or trailing space, '-', '_' or '.'",
            ),
        ),
        ("csaf_version", &one_of!("2.0")),
        (
            "distribution",
            &obj(
                &[
                    ("text", &TEXT),
                    (
                        "tlp",
                        &obj(
                            &[
                                ("label", &one_of!("AMBER", "GREEN", "RED", "WHITE")),
                                ("url", &TEXT),
                            ],
                            &["label"],
                        ),
                    ),
                ],
                &[],
            )
            .min_props(1),
        ),
        ("lang", &LANG),
        ("notes", &NOTES),
        (
            "publisher",
            &obj(
                &[
                    ("category", &PUBLISHER_CATEGORY),
                    ("contact_details", &TEXT),
                    ("issuing_authority", &TEXT),
                    ("name", &TEXT),
                    ("namespace", &TEXT),
                ],
                &["category", "name", "namespace"],
            ),
        ),
        ("references", &REFERENCES),
        ("source_lang", &LANG),
        ("title", &TEXT),
        ("tracking", &TRACKING),
    ],
    &["category", "csaf_version", "publisher", "title", "tracking"],
);
/// `document.publisher.category`
static PUBLISHER_CATEGORY: Shape = one_of!(
    "coordinator",
    "discoverer",
    "other",
    "translator",
    "user",
    "vendor",
);

static TRACKING: Shape = obj(
    &[
        ("aliases", &UNIQUE_TEXTS),
        ("current_release_date", &TEXT),
        (
            "generator",
            &obj(
                &[
                    ("date", &TEXT),
                    (
                        "engine",
                        &obj(&[("name", &TEXT), ("version", &TEXT)], &["name"]),
                    ),
                ],
                &["engine"],
            ),
        ),
        (
            "id",
            &pattern(is_trimmed, "an id without leading or trailing white space"),
        ),
        ("initial_release_date", &TEXT),
        (
            "revision_history",
            &list(
                &obj(
                    &[
                        ("date", &TEXT),
                        ("legacy_version", &TEXT),
                        ("number", &VERSION),
                        ("summary", &TEXT),
                    ],
                    &["date", "number", "summary"],
                ),
                1,
                false,
            ),
        ),
        ("status", &one_of!("draft", "final", "interim")),
        ("version", &VERSION),
    ],
    &[
        "current_release_date",
        "id",
        "initial_release_date",
        "revision_history",
        "status",
        "version",
    ],
);

static PRODUCT_TREE: Shape = obj(
    &[
        ("branches", &BRANCHES),
        ("full_product_names", &list(&FULL_PRODUCT_NAME, 1, false)),
        (
            "product_groups",
            &list(
                &obj(
                    &[
                        ("group_id", &TEXT),
                        ("product_ids", &list(&TEXT, 2, true)),
                        ("summary", &TEXT),
                    ],
                    &["group_id", "product_ids"],
                ),
                1,
                false,
            ),
        ),
        (
            "relationships",
            &list(
                &obj(
                    &[
                        ("category", &RELATIONSHIP_CATEGORY),
                        ("full_product_name", &FULL_PRODUCT_NAME),
                        ("product_reference", &TEXT),
                        ("relates_to_product_reference", &TEXT),
                    ],
                    &[
                        "category",
                        "full_product_name",
                        "product_reference",
                        "relates_to_product_reference",
                    ],
                ),
                1,
                false,
            ),
        ),
    ],
    &[],
)
.min_props(1);
/// `product_tree.relationships[].category`
static RELATIONSHIP_CATEGORY: Shape = one_of!(
    "default_component_of",
    "external_component_of",
    "installed_on",
    "installed_with",
    "optional_component_of",
);

static BRANCHES: Shape = list(&BRANCH, 1, false);
static BRANCH: Shape = obj(
    &[
        ("branches", &BRANCHES),
        ("category", &BRANCH_CATEGORY),
        ("name", &TEXT),
        ("product", &FULL_PRODUCT_NAME),
    ],
    &["category", "name"],
)
.min_props(3);
/// `branches_t[].category`
static BRANCH_CATEGORY: Shape = one_of!(
    "architecture",
    "host_name",
    "language",
    "legacy",
    "patch_level",
    "product_family",
    "product_name",
    "product_version",
    "product_version_range",
    "service_pack",
    "specification",
    "vendor",
);

static FULL_PRODUCT_NAME: Shape = obj(
    &[
        ("name", &TEXT),
        ("product_id", &TEXT),
        ("product_identification_helper", &HELPER),
    ],
    &["name", "product_id"],
);

static HELPER: Shape = obj(
    &[
        (
            "cpe",
            &pattern(
                |s| s.len() >= 5 && (s.starts_with("cpe:2.3:") || s.starts_with("cpe:/")),
                "a CPE 2.2 or 2.3 name",
            ),
        ),
        (
            "hashes",
            &list(
                &obj(
                    &[
                        (
                            "file_hashes",
                            &list(
                                &obj(
                                    &[
                                        ("algorithm", &TEXT),
                                        (
                                            "value",
                                            &pattern(is_hash, "32 or more hexadecimal digits"),
                                        ),
                                    ],
                                    &["algorithm", "value"],
                                ),
                                1,
                                false,
                            ),
                        ),
                        ("filename", &TEXT),
                    ],
                    &["file_hashes", "filename"],
                ),
                1,
                false,
            ),
        ),
        ("model_numbers", &UNIQUE_TEXTS),
        (
            "purl",
            &pattern(is_purl_shape, "a package URL (pkg:type/...)"),
        ),
        ("sbom_urls", &TEXTS),
        ("serial_numbers", &UNIQUE_TEXTS),
        ("skus", &TEXTS),
        (
            "x_generic_uris",
            &list(
                &obj(
                    &[("namespace", &TEXT), ("uri", &TEXT)],
                    &["namespace", "uri"],
                ),
                1,
                false,
            ),
        ),
    ],
    &[],
)
.min_props(1);

static VULNERABILITIES: Shape = list(&VULNERABILITY, 1, false);
static VULNERABILITY: Shape = obj(
    &[
        ("acknowledgments", &ACKNOWLEDGMENTS),
        ("cve", &pattern(is_cve_id, "a CVE id (CVE-YYYY-NNNN)")),
        (
            "cwe",
            &obj(
                &[
                    ("id", &pattern(is_cwe_id, "a CWE id (CWE-N)")),
                    ("name", &TEXT),
                ],
                &["id", "name"],
            ),
        ),
        ("discovery_date", &TEXT),
        (
            "flags",
            &list(
                &obj(
                    &[
                        ("date", &TEXT),
                        ("group_ids", &PRODUCTS),
                        ("label", &FLAG_LABEL),
                        ("product_ids", &PRODUCTS),
                    ],
                    &["label"],
                ),
                1,
                true,
            ),
        ),
        (
            "ids",
            &list(
                &obj(
                    &[("system_name", &TEXT), ("text", &TEXT)],
                    &["system_name", "text"],
                ),
                1,
                true,
            ),
        ),
        (
            "involvements",
            &list(
                &obj(
                    &[
                        ("date", &TEXT),
                        (
                            "party",
                            &one_of!("coordinator", "discoverer", "other", "user", "vendor"),
                        ),
                        ("status", &INVOLVEMENT_STATUS),
                        ("summary", &TEXT),
                    ],
                    &["party", "status"],
                ),
                1,
                true,
            ),
        ),
        ("notes", &NOTES),
        (
            "product_status",
            &obj(
                &[
                    ("first_affected", &PRODUCTS),
                    ("first_fixed", &PRODUCTS),
                    ("fixed", &PRODUCTS),
                    ("known_affected", &PRODUCTS),
                    ("known_not_affected", &PRODUCTS),
                    ("last_affected", &PRODUCTS),
                    ("recommended", &PRODUCTS),
                    ("under_investigation", &PRODUCTS),
                ],
                &[],
            )
            .min_props(1),
        ),
        ("references", &REFERENCES),
        ("release_date", &TEXT),
        (
            "remediations",
            &list(
                &obj(
                    &[
                        ("category", &REMEDIATION_CATEGORY),
                        ("date", &TEXT),
                        ("details", &TEXT),
                        ("entitlements", &TEXTS),
                        ("group_ids", &PRODUCTS),
                        ("product_ids", &PRODUCTS),
                        (
                            "restart_required",
                            &obj(
                                &[("category", &RESTART_CATEGORY), ("details", &TEXT)],
                                &["category"],
                            ),
                        ),
                        ("url", &TEXT),
                    ],
                    &["category", "details"],
                ),
                1,
                false,
            ),
        ),
        (
            "scores",
            &list(
                &obj(
                    &[
                        ("cvss_v2", &CVSS_V2),
                        ("cvss_v3", &CVSS_V3),
                        ("products", &PRODUCTS),
                    ],
                    &["products"],
                )
                .min_props(2),
                1,
                false,
            ),
        ),
        (
            "threats",
            &list(
                &obj(
                    &[
                        (
                            "category",
                            &one_of!("exploit_status", "impact", "target_set"),
                        ),
                        ("date", &TEXT),
                        ("details", &TEXT),
                        ("group_ids", &PRODUCTS),
                        ("product_ids", &PRODUCTS),
                    ],
                    &["category", "details"],
                ),
                1,
                false,
            ),
        ),
        ("title", &TEXT),
    ],
    &[],
)
.min_props(1);
/// `vulnerabilities[].flags[].label`
static FLAG_LABEL: Shape = one_of!(
    "component_not_present",
    "inline_mitigations_already_exist",
    "vulnerable_code_cannot_be_controlled_by_adversary",
    "vulnerable_code_not_in_execute_path",
    "vulnerable_code_not_present",
);
/// `vulnerabilities[].involvements[].status`
static INVOLVEMENT_STATUS: Shape = one_of!(
    "completed",
    "contact_attempted",
    "disputed",
    "in_progress",
    "not_contacted",
    "open",
);
/// `vulnerabilities[].remediations[].category`
static REMEDIATION_CATEGORY: Shape = one_of!(
    "mitigation",
    "no_fix_planned",
    "none_available",
    "vendor_fix",
    "workaround",
);
/// `vulnerabilities[].remediations[].restart_required.category`
static RESTART_CATEGORY: Shape = one_of!(
    "connected",
    "dependencies",
    "machine",
    "none",
    "parent",
    "service",
    "system",
    "vulnerable_component",
    "zone",
);
