//! The schema's migrations: the list of SQL files (one per dialect, same
//! numbers and names) compiled into the binary, and the sqlx migrator that
//! applies the backend's. `tests/it/migrations.rs` checks the two dialects
//! say the same thing; the test below checks the list matches the folders.

use std::borrow::Cow;

use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

use super::Backend;

/// Every migration: version, name, SQLite text, PostgreSQL text. Listed by
/// hand with `include_str!` instead of `sqlx::migrate!` so the build does
/// not need sqlx's proc-macro crates (minutes on a 2-core CI); a test checks
/// that this list and the `migrations/` folders agree.
pub const MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../../migrations/sqlite/0001_foundation.sql"),
        include_str!("../../migrations/postgres/0001_foundation.sql"),
    ),
    (
        2,
        "exposure",
        include_str!("../../migrations/sqlite/0002_exposure.sql"),
        include_str!("../../migrations/postgres/0002_exposure.sql"),
    ),
    (
        3,
        "findings",
        include_str!("../../migrations/sqlite/0003_findings.sql"),
        include_str!("../../migrations/postgres/0003_findings.sql"),
    ),
    (
        4,
        "two_person",
        include_str!("../../migrations/sqlite/0004_two_person.sql"),
        include_str!("../../migrations/postgres/0004_two_person.sql"),
    ),
    (
        5,
        "read_policy",
        include_str!("../../migrations/sqlite/0005_read_policy.sql"),
        include_str!("../../migrations/postgres/0005_read_policy.sql"),
    ),
    (
        6,
        "archive",
        include_str!("../../migrations/sqlite/0006_archive.sql"),
        include_str!("../../migrations/postgres/0006_archive.sql"),
    ),
    (
        7,
        "frontier_models",
        include_str!("../../migrations/sqlite/0007_frontier_models.sql"),
        include_str!("../../migrations/postgres/0007_frontier_models.sql"),
    ),
    (
        8,
        "frontier_evaluation",
        include_str!("../../migrations/sqlite/0008_frontier_evaluation.sql"),
        include_str!("../../migrations/postgres/0008_frontier_evaluation.sql"),
    ),
    (
        9,
        "advisory_identity",
        include_str!("../../migrations/sqlite/0009_advisory_identity.sql"),
        include_str!("../../migrations/postgres/0009_advisory_identity.sql"),
    ),
    (
        10,
        "designation_inquiries",
        include_str!("../../migrations/sqlite/0010_designation_inquiries.sql"),
        include_str!("../../migrations/postgres/0010_designation_inquiries.sql"),
    ),
    (
        11,
        "component_cpe_key",
        include_str!("../../migrations/sqlite/0011_component_cpe_key.sql"),
        include_str!("../../migrations/postgres/0011_component_cpe_key.sql"),
    ),
    (
        13,
        "directives",
        include_str!("../../migrations/sqlite/0013_directives.sql"),
        include_str!("../../migrations/postgres/0013_directives.sql"),
    ),
    (
        14,
        "advisory_imports",
        include_str!("../../migrations/sqlite/0014_advisory_imports.sql"),
        include_str!("../../migrations/postgres/0014_advisory_imports.sql"),
    ),
    (
        15,
        "directive_snapshots",
        include_str!("../../migrations/sqlite/0015_directive_snapshots.sql"),
        include_str!("../../migrations/postgres/0015_directive_snapshots.sql"),
    ),
    (
        16,
        "access_windows",
        include_str!("../../migrations/sqlite/0016_access_windows.sql"),
        include_str!("../../migrations/postgres/0016_access_windows.sql"),
    ),
    (
        17,
        "scans",
        include_str!("../../migrations/sqlite/0017_scans.sql"),
        include_str!("../../migrations/postgres/0017_scans.sql"),
    ),
    (
        18,
        "cases",
        include_str!("../../migrations/sqlite/0018_cases.sql"),
        include_str!("../../migrations/postgres/0018_cases.sql"),
    ),
    (
        19,
        "window_findings",
        include_str!("../../migrations/sqlite/0019_window_findings.sql"),
        include_str!("../../migrations/postgres/0019_window_findings.sql"),
    ),
    (
        20,
        "password_change_required",
        include_str!("../../migrations/sqlite/0020_password_change_required.sql"),
        include_str!("../../migrations/postgres/0020_password_change_required.sql"),
    ),
    (
        21,
        "directive_evidence",
        include_str!("../../migrations/sqlite/0021_directive_evidence.sql"),
        include_str!("../../migrations/postgres/0021_directive_evidence.sql"),
    ),
    (
        22,
        "campaign_agents",
        include_str!("../../migrations/sqlite/0022_campaign_agents.sql"),
        include_str!("../../migrations/postgres/0022_campaign_agents.sql"),
    ),
    (
        24,
        "case_patches",
        include_str!("../../migrations/sqlite/0024_case_patches.sql"),
        include_str!("../../migrations/postgres/0024_case_patches.sql"),
    ),
    (
        25,
        "partners_tools",
        include_str!("../../migrations/sqlite/0025_partners_tools.sql"),
        include_str!("../../migrations/postgres/0025_partners_tools.sql"),
    ),
    (
        26,
        "window_alerts",
        include_str!("../../migrations/sqlite/0026_window_alerts.sql"),
        include_str!("../../migrations/postgres/0026_window_alerts.sql"),
    ),
    (
        27,
        "vendor_map_review",
        include_str!("../../migrations/sqlite/0027_vendor_map_review.sql"),
        include_str!("../../migrations/postgres/0027_vendor_map_review.sql"),
    ),
    (
        28,
        "directive_dashboard",
        include_str!("../../migrations/sqlite/0028_directive_dashboard.sql"),
        include_str!("../../migrations/postgres/0028_directive_dashboard.sql"),
    ),
    (
        30,
        "patch_fixes",
        include_str!("../../migrations/sqlite/0030_patch_fixes.sql"),
        include_str!("../../migrations/postgres/0030_patch_fixes.sql"),
    ),
    (
        32,
        "tool_delist_revoke",
        include_str!("../../migrations/sqlite/0032_tool_delist_revoke.sql"),
        include_str!("../../migrations/postgres/0032_tool_delist_revoke.sql"),
    ),
    (
        34,
        "scan_disclosed",
        include_str!("../../migrations/sqlite/0034_scan_disclosed.sql"),
        include_str!("../../migrations/postgres/0034_scan_disclosed.sql"),
    ),
    (
        35,
        "exposure_list_order",
        include_str!("../../migrations/sqlite/0035_exposure_list_order.sql"),
        include_str!("../../migrations/postgres/0035_exposure_list_order.sql"),
    ),
    (
        36,
        "case_shares_withdrawn",
        include_str!("../../migrations/sqlite/0036_case_shares_withdrawn.sql"),
        include_str!("../../migrations/postgres/0036_case_shares_withdrawn.sql"),
    ),
    (
        37,
        "submission_chunks",
        include_str!("../../migrations/sqlite/0037_submission_chunks.sql"),
        include_str!("../../migrations/postgres/0037_submission_chunks.sql"),
    ),
    (
        38,
        "rematch_runs",
        include_str!("../../migrations/sqlite/0038_rematch_runs.sql"),
        include_str!("../../migrations/postgres/0038_rematch_runs.sql"),
    ),
    (
        39,
        "submission_batch_items",
        include_str!("../../migrations/sqlite/0039_submission_batch_items.sql"),
        include_str!("../../migrations/postgres/0039_submission_batch_items.sql"),
    ),
    (
        40,
        "composite_foreign_keys",
        include_str!("../../migrations/sqlite/0040_composite_foreign_keys.sql"),
        include_str!("../../migrations/postgres/0040_composite_foreign_keys.sql"),
    ),
];

pub(super) fn migrator(backend: Backend) -> Migrator {
    Migrator::with_migrations(
        MIGRATIONS
            .iter()
            .map(|(version, name, sqlite, postgres)| {
                let sql = match backend {
                    Backend::Sqlite => *sqlite,
                    Backend::Postgres => *postgres,
                };
                Migration::new(
                    *version,
                    Cow::Borrowed(*name),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::MIGRATIONS;

    fn folder(backend: &str) -> Vec<(String, String)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(backend);
        let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| {
                (
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    std::fs::read_to_string(&p).unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    }

    /// The hand-kept list of migrations is exactly the files of both folders,
    /// in order, and both folders hold the same migrations.
    #[test]
    fn migration_list_matches_the_folders() {
        let sqlite = folder("sqlite");
        let postgres = folder("postgres");
        let names = |f: &[(String, String)]| f.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(&sqlite),
            names(&postgres),
            "both backends have the same migration files"
        );
        assert_eq!(
            sqlite.len(),
            MIGRATIONS.len(),
            "every migration file is listed in MIGRATIONS"
        );
        for (i, (version, name, sqlite_sql, postgres_sql)) in MIGRATIONS.iter().enumerate() {
            // Increasing, not dense: sessions working in parallel are
            // given their numbers in advance and land in any order.
            if i > 0 {
                assert!(*version > MIGRATIONS[i - 1].0, "versions increase");
            }
            assert_eq!(sqlite[i].0, format!("{version:04}_{name}.sql"));
            assert_eq!(&sqlite[i].1, sqlite_sql);
            assert_eq!(&postgres[i].1, postgres_sql);
        }
    }
}
