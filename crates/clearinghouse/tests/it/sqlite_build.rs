//! The bundled SQLite is compiled as `.cargo/config.toml` says
//! (`LIBSQLITE3_FLAGS`): without STAT4, whose samples made every
//! statement with bound values re-prepare itself on each execution, and
//! without memory statistics, whose global mutex the pool's connections
//! contended for. Should the setting be lost (the file removed, a value in
//! the environment), this fails rather than the server quietly slowing.

use clearinghouse::store::Store;

use crate::harness::temp_dir;

#[tokio::test]
async fn sqlite_is_compiled_without_stat4_or_memory_statistics() {
    let dir = temp_dir();
    let url = format!("sqlite://{}?mode=rwc", dir.join("options.db").display());
    let store = Store::connect(&url, 1).await.expect("connect");
    let options: Vec<String> = sqlx::query_scalar("PRAGMA compile_options")
        .fetch_all(&store.pool)
        .await
        .expect("compile options");
    assert!(
        !options.iter().any(|o| o == "ENABLE_STAT4"),
        "STAT4 is compiled in: {options:?}"
    );
    assert!(
        options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
        "memory statistics are on: {options:?}"
    );
    assert!(
        options.iter().any(|o| o == "ENABLE_QPSG"),
        "plans may read bound values (re-prepared on each binding): {options:?}"
    );
    store.pool.close().await;
    let _ = std::fs::remove_dir_all(dir);
}
