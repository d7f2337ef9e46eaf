//! Migrated template databases: every test server starts from a copy of a
//! database the migrations were applied to once, not from an empty one it
//! migrates itself (36 migrations a test, twice, was a third of the
//! suite's time). A template is named by a hash of the migration files,
//! so a changed migration makes a new one; it is built under a temporary
//! name and renamed when complete, so a run stopped half-way leaves no
//! half-migrated template behind. `tests/it/migrations.rs` still applies
//! the migrations to empty databases.

use std::path::{Path, PathBuf};

use clearinghouse::store::Store;
use tokio::sync::OnceCell;

/// A hash of one backend's migration files (names and contents), in hex.
fn migrations_hash(backend: &str) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("migrations folder")
        .map(|e| e.expect("migration entry").path())
        .collect();
    files.sort();
    // FNV-1a: stable across toolchains, unlike `DefaultHasher`.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for file in files {
        let name = file.file_name().map(|n| n.as_encoded_bytes().to_vec());
        let body = std::fs::read(&file).expect("migration file");
        for byte in name.unwrap_or_default().into_iter().chain(body) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// Applies every migration through the product's own code.
async fn migrate(url: &str) {
    let store = Store::connect(url, 1).await.expect("template connection");
    store.migrate().await.expect("migrating a template");
    if store.backend == clearinghouse::store::Backend::Sqlite {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&store.pool)
            .await
            .expect("checkpointing a template");
    }
    store.pool.close().await;
}

static SQLITE: OnceCell<PathBuf> = OnceCell::const_new();

/// Copies the migrated SQLite template to `dest`; returns its URL.
pub async fn sqlite_copy(dest: &Path) -> String {
    let template = SQLITE
        .get_or_init(|| async {
            let path =
                std::env::temp_dir().join(format!("chx-template-{}.db", migrations_hash("sqlite")));
            if !path.exists() {
                let building = path.with_extension(format!("{}.db", uuid::Uuid::new_v4().simple()));
                migrate(&format!("sqlite://{}?mode=rwc", building.display())).await;
                std::fs::rename(&building, &path).expect("publishing the SQLite template");
            }
            path
        })
        .await;
    std::fs::copy(template, dest).expect("copying the SQLite template");
    format!("sqlite://{}?mode=rwc", dest.display())
}

static POSTGRES: OnceCell<Option<String>> = OnceCell::const_new();

/// The name of the migrated PostgreSQL template, or None (skip) outside CI.
pub async fn postgres() -> Option<String> {
    POSTGRES
        .get_or_init(|| async {
            let admin = super::pg_admin().await?;
            let name = format!("chx_template_{}", migrations_hash("postgres"));
            let exists: Option<i32> =
                sqlx::query_scalar("SELECT CAST(1 AS INTEGER) FROM pg_database WHERE datname = $1")
                    .bind(&name)
                    .fetch_optional(&admin)
                    .await
                    .expect("looking for the template");
            if exists.is_none() {
                let building =
                    format!("{name}_{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {building}")))
                    .execute(&admin)
                    .await
                    .expect("creating a template");
                migrate(&format!("{}/{building}", super::pg_base())).await;
                let renamed = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "ALTER DATABASE {building} RENAME TO {name}"
                )))
                .execute(&admin)
                .await;
                if renamed.is_err() {
                    // Another run published it first.
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE {building}")))
                        .execute(&admin)
                        .await;
                }
            }
            admin.close().await;
            Some(name)
        })
        .await
        .clone()
}
