//! The CSAF 2.0 JSON schema (`csaf_json_schema.json`, with FIRST's CVSS v2.0,
//! v3.0 and v3.1 schemas it references) as [`Shape`] tables: every required
//! field, type, enumeration, minimum length and count, unique list and pattern
//! of the schema. Formats (`date-time`, `uri`) are not checked. The CVSS `oneOf`
//! (3.0 or 3.1) is one table here; `csaf_checks` adds that the vector's prefix
//! matches `version`.

use super::csaf_cvss_schema::{CVSS_V2, CVSS_V3};
use super::csaf_patterns::{is_category, is_hash, is_lang, is_purl_shape, is_version};
use super::shape::{Obj, Shape, TEXT, is_cve_id, is_cwe_id, is_trimmed, list, one_of, pattern};

static TEXTS: Shape = list(&TEXT, 1, false);
static UNIQUE_TEXTS: Shape = list(&TEXT, 1, true);
/// `products_t` and `product_groups_t`.
pub(super) static PRODUCTS: Shape = list(&TEXT, 1, true);
static LANG: Shape = pattern(is_lang, "a language tag (BCP 47)");
static VERSION: Shape = pattern(is_version, "an integer or semantic version");

pub(super) static DOCUMENT_ROOT: Shape = Shape::Obj(Obj {
    fields: &[
        ("document", &DOCUMENT),
        ("product_tree", &PRODUCT_TREE),
        ("vulnerabilities", &VULNERABILITIES),
    ],
    required: &["document"],
    min_props: 0,
    closed: false,
});

static ACKNOWLEDGMENTS: Shape = list(&ACKNOWLEDGMENT, 1, false);
static ACKNOWLEDGMENT: Shape = Shape::Obj(Obj {
    fields: &[
        ("names", &TEXTS),
        ("organization", &TEXT),
        ("summary", &TEXT),
        ("urls", &TEXTS),
    ],
    required: &[],
    min_props: 1,
    closed: false,
});
static NOTES: Shape = list(&NOTE, 1, false);
static NOTE: Shape = Shape::Obj(Obj {
    fields: &[
        ("audience", &TEXT),
        (
            "category",
            &one_of!(
                "description",
                "details",
                "faq",
                "general",
                "legal_disclaimer",
                "other",
                "summary"
            ),
        ),
        ("text", &TEXT),
        ("title", &TEXT),
    ],
    required: &["category", "text"],
    min_props: 0,
    closed: false,
});
static REFERENCES: Shape = list(&REFERENCE, 1, false);
static REFERENCE: Shape = Shape::Obj(Obj {
    fields: &[
        ("category", &one_of!("external", "self")),
        ("summary", &TEXT),
        ("url", &TEXT),
    ],
    required: &["summary", "url"],
    min_props: 0,
    closed: false,
});

static DOCUMENT: Shape = Shape::Obj(Obj {
    fields: &[
        ("acknowledgments", &ACKNOWLEDGMENTS),
        (
            "aggregate_severity",
            &Shape::Obj(Obj {
                fields: &[("namespace", &TEXT), ("text", &TEXT)],
                required: &["text"],
                min_props: 0,
                closed: false,
            }),
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
            &Shape::Obj(Obj {
                fields: &[
                    ("text", &TEXT),
                    (
                        "tlp",
                        &Shape::Obj(Obj {
                            fields: &[
                                ("label", &one_of!("AMBER", "GREEN", "RED", "WHITE")),
                                ("url", &TEXT),
                            ],
                            required: &["label"],
                            min_props: 0,
                            closed: false,
                        }),
                    ),
                ],
                required: &[],
                min_props: 1,
                closed: false,
            }),
        ),
        ("lang", &LANG),
        ("notes", &NOTES),
        (
            "publisher",
            &Shape::Obj(Obj {
                fields: &[
                    (
                        "category",
                        &one_of!(
                            "coordinator",
                            "discoverer",
                            "other",
                            "translator",
                            "user",
                            "vendor"
                        ),
                    ),
                    ("contact_details", &TEXT),
                    ("issuing_authority", &TEXT),
                    ("name", &TEXT),
                    ("namespace", &TEXT),
                ],
                required: &["category", "name", "namespace"],
                min_props: 0,
                closed: false,
            }),
        ),
        ("references", &REFERENCES),
        ("source_lang", &LANG),
        ("title", &TEXT),
        ("tracking", &TRACKING),
    ],
    required: &["category", "csaf_version", "publisher", "title", "tracking"],
    min_props: 0,
    closed: false,
});

static TRACKING: Shape = Shape::Obj(Obj {
    fields: &[
        ("aliases", &UNIQUE_TEXTS),
        ("current_release_date", &TEXT),
        (
            "generator",
            &Shape::Obj(Obj {
                fields: &[
                    ("date", &TEXT),
                    (
                        "engine",
                        &Shape::Obj(Obj {
                            fields: &[("name", &TEXT), ("version", &TEXT)],
                            required: &["name"],
                            min_props: 0,
                            closed: false,
                        }),
                    ),
                ],
                required: &["engine"],
                min_props: 0,
                closed: false,
            }),
        ),
        (
            "id",
            &pattern(is_trimmed, "an id without leading or trailing white space"),
        ),
        ("initial_release_date", &TEXT),
        (
            "revision_history",
            &list(
                &Shape::Obj(Obj {
                    fields: &[
                        ("date", &TEXT),
                        ("legacy_version", &TEXT),
                        ("number", &VERSION),
                        ("summary", &TEXT),
                    ],
                    required: &["date", "number", "summary"],
                    min_props: 0,
                    closed: false,
                }),
                1,
                false,
            ),
        ),
        ("status", &one_of!("draft", "final", "interim")),
        ("version", &VERSION),
    ],
    required: &[
        "current_release_date",
        "id",
        "initial_release_date",
        "revision_history",
        "status",
        "version",
    ],
    min_props: 0,
    closed: false,
});

static PRODUCT_TREE: Shape = Shape::Obj(Obj {
    fields: &[
        ("branches", &BRANCHES),
        ("full_product_names", &list(&FULL_PRODUCT_NAME, 1, false)),
        (
            "product_groups",
            &list(
                &Shape::Obj(Obj {
                    fields: &[
                        ("group_id", &TEXT),
                        ("product_ids", &list(&TEXT, 2, true)),
                        ("summary", &TEXT),
                    ],
                    required: &["group_id", "product_ids"],
                    min_props: 0,
                    closed: false,
                }),
                1,
                false,
            ),
        ),
        (
            "relationships",
            &list(
                &Shape::Obj(Obj {
                    fields: &[
                        (
                            "category",
                            &one_of!(
                                "default_component_of",
                                "external_component_of",
                                "installed_on",
                                "installed_with",
                                "optional_component_of"
                            ),
                        ),
                        ("full_product_name", &FULL_PRODUCT_NAME),
                        ("product_reference", &TEXT),
                        ("relates_to_product_reference", &TEXT),
                    ],
                    required: &[
                        "category",
                        "full_product_name",
                        "product_reference",
                        "relates_to_product_reference",
                    ],
                    min_props: 0,
                    closed: false,
                }),
                1,
                false,
            ),
        ),
    ],
    required: &[],
    min_props: 1,
    closed: false,
});

static BRANCHES: Shape = list(&BRANCH, 1, false);
static BRANCH: Shape = Shape::Obj(Obj {
    fields: &[
        ("branches", &BRANCHES),
        (
            "category",
            &one_of!(
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
                "vendor"
            ),
        ),
        ("name", &TEXT),
        ("product", &FULL_PRODUCT_NAME),
    ],
    required: &["category", "name"],
    min_props: 3,
    closed: false,
});

static FULL_PRODUCT_NAME: Shape = Shape::Obj(Obj {
    fields: &[
        ("name", &TEXT),
        ("product_id", &TEXT),
        ("product_identification_helper", &HELPER),
    ],
    required: &["name", "product_id"],
    min_props: 0,
    closed: false,
});

static HELPER: Shape = Shape::Obj(Obj {
    fields: &[
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
                &Shape::Obj(Obj {
                    fields: &[
                        (
                            "file_hashes",
                            &list(
                                &Shape::Obj(Obj {
                                    fields: &[
                                        ("algorithm", &TEXT),
                                        (
                                            "value",
                                            &pattern(is_hash, "32 or more hexadecimal digits"),
                                        ),
                                    ],
                                    required: &["algorithm", "value"],
                                    min_props: 0,
                                    closed: false,
                                }),
                                1,
                                false,
                            ),
                        ),
                        ("filename", &TEXT),
                    ],
                    required: &["file_hashes", "filename"],
                    min_props: 0,
                    closed: false,
                }),
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
                &Shape::Obj(Obj {
                    fields: &[("namespace", &TEXT), ("uri", &TEXT)],
                    required: &["namespace", "uri"],
                    min_props: 0,
                    closed: false,
                }),
                1,
                false,
            ),
        ),
    ],
    required: &[],
    min_props: 1,
    closed: false,
});

static VULNERABILITIES: Shape = list(&VULNERABILITY, 1, false);
static VULNERABILITY: Shape = Shape::Obj(Obj {
    fields: &[
        ("acknowledgments", &ACKNOWLEDGMENTS),
        ("cve", &pattern(is_cve_id, "a CVE id (CVE-YYYY-NNNN)")),
        (
            "cwe",
            &Shape::Obj(Obj {
                fields: &[
                    ("id", &pattern(is_cwe_id, "a CWE id (CWE-N)")),
                    ("name", &TEXT),
                ],
                required: &["id", "name"],
                min_props: 0,
                closed: false,
            }),
        ),
        ("discovery_date", &TEXT),
        (
            "flags",
            &list(
                &Shape::Obj(Obj {
                    fields: &[
                        ("date", &TEXT),
                        ("group_ids", &PRODUCTS),
                        (
                            "label",
                            &one_of!(
                                "component_not_present",
                                "inline_mitigations_already_exist",
                                "vulnerable_code_cannot_be_controlled_by_adversary",
                                "vulnerable_code_not_in_execute_path",
                                "vulnerable_code_not_present"
                            ),
                        ),
                        ("product_ids", &PRODUCTS),
                    ],
                    required: &["label"],
                    min_props: 0,
                    closed: false,
                }),
                1,
                true,
            ),
        ),
        (
            "ids",
            &list(
                &Shape::Obj(Obj {
                    fields: &[("system_name", &TEXT), ("text", &TEXT)],
                    required: &["system_name", "text"],
                    min_props: 0,
                    closed: false,
                }),
                1,
                true,
            ),
        ),
        (
            "involvements",
            &list(
                &Shape::Obj(Obj {
                    fields: &[
                        ("date", &TEXT),
                        (
                            "party",
                            &one_of!("coordinator", "discoverer", "other", "user", "vendor"),
                        ),
                        (
                            "status",
                            &one_of!(
                                "completed",
                                "contact_attempted",
                                "disputed",
                                "in_progress",
                                "not_contacted",
                                "open"
                            ),
                        ),
                        ("summary", &TEXT),
                    ],
                    required: &["party", "status"],
                    min_props: 0,
                    closed: false,
                }),
                1,
                true,
            ),
        ),
        ("notes", &NOTES),
        (
            "product_status",
            &Shape::Obj(Obj {
                fields: &[
                    ("first_affected", &PRODUCTS),
                    ("first_fixed", &PRODUCTS),
                    ("fixed", &PRODUCTS),
                    ("known_affected", &PRODUCTS),
                    ("known_not_affected", &PRODUCTS),
                    ("last_affected", &PRODUCTS),
                    ("recommended", &PRODUCTS),
                    ("under_investigation", &PRODUCTS),
                ],
                required: &[],
                min_props: 1,
                closed: false,
            }),
        ),
        ("references", &REFERENCES),
        ("release_date", &TEXT),
        (
            "remediations",
            &list(
                &Shape::Obj(Obj {
                    fields: &[
                        (
                            "category",
                            &one_of!(
                                "mitigation",
                                "no_fix_planned",
                                "none_available",
                                "vendor_fix",
                                "workaround"
                            ),
                        ),
                        ("date", &TEXT),
                        ("details", &TEXT),
                        ("entitlements", &TEXTS),
                        ("group_ids", &PRODUCTS),
                        ("product_ids", &PRODUCTS),
                        (
                            "restart_required",
                            &Shape::Obj(Obj {
                                fields: &[
                                    (
                                        "category",
                                        &one_of!(
                                            "connected",
                                            "dependencies",
                                            "machine",
                                            "none",
                                            "parent",
                                            "service",
                                            "system",
                                            "vulnerable_component",
                                            "zone"
                                        ),
                                    ),
                                    ("details", &TEXT),
                                ],
                                required: &["category"],
                                min_props: 0,
                                closed: false,
                            }),
                        ),
                        ("url", &TEXT),
                    ],
                    required: &["category", "details"],
                    min_props: 0,
                    closed: false,
                }),
                1,
                false,
            ),
        ),
        (
            "scores",
            &list(
                &Shape::Obj(Obj {
                    fields: &[
                        ("cvss_v2", &CVSS_V2),
                        ("cvss_v3", &CVSS_V3),
                        ("products", &PRODUCTS),
                    ],
                    required: &["products"],
                    min_props: 2,
                    closed: false,
                }),
                1,
                false,
            ),
        ),
        (
            "threats",
            &list(
                &Shape::Obj(Obj {
                    fields: &[
                        (
                            "category",
                            &one_of!("exploit_status", "impact", "target_set"),
                        ),
                        ("date", &TEXT),
                        ("details", &TEXT),
                        ("group_ids", &PRODUCTS),
                        ("product_ids", &PRODUCTS),
                    ],
                    required: &["category", "details"],
                    min_props: 0,
                    closed: false,
                }),
                1,
                false,
            ),
        ),
        ("title", &TEXT),
    ],
    required: &[],
    min_props: 1,
    closed: false,
});
