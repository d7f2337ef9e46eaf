//! The SQLite and PostgreSQL migrations are one schema in two dialects:
//! the same files, and in each the same statements once a fixed list of
//! dialect words is translated. A change made to one folder only fails here.

use std::collections::BTreeSet;
use std::path::Path;

/// PostgreSQL spellings and their SQLite equivalents. Nothing else may
/// differ, except JSON paths (see [`json_paths_as_sqlite`]).
const DIALECT: &[(&str, &str)] = &[
    ("BIGSERIAL PRIMARY KEY", "INTEGER PRIMARY KEY"),
    ("BIGINT", "INTEGER"),
    ("BYTEA", "BLOB"),
];

/// Statements only one dialect needs or can run: PostgreSQL sequences, and
/// changes to a table's constraints, which SQLite's `ALTER TABLE` cannot
/// make (migration 0040 says why SQLite keeps its keys).
fn dialect_only(statement: &str) -> bool {
    statement.starts_with("SELECT setval(")
        || (statement.starts_with("ALTER TABLE ") && statement.contains(" CONSTRAINT "))
}

fn statements(sql: &str, from_postgres: bool) -> Vec<String> {
    let without_comments: String = sql
        .lines()
        .map(|line| match line.find("--") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n");
    without_comments
        .split(';')
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|s| !s.is_empty() && !dialect_only(s))
        .map(|mut s| {
            // SQLite also accepts `BIGINT` (INTEGER affinity), so the words
            // are translated on both sides.
            for (pg, lite) in DIALECT {
                s = s.replace(pg, lite);
            }
            if from_postgres {
                s = json_paths_as_sqlite(&s);
            } else {
                // SQLite's AUTOINCREMENT only forbids reusing ids, which a
                // PostgreSQL sequence never does anyway.
                s = s.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "INTEGER PRIMARY KEY");
            }
            s
        })
        .collect()
}

/// PostgreSQL's `col::jsonb -> 'a' ->> 'b'` written as SQLite's
/// `json_extract(col, '$.a.b')`: the one expression the dialects spell
/// differently in data migrations.
fn json_paths_as_sqlite(statement: &str) -> String {
    let mut out = String::new();
    let mut rest = statement;
    while let Some(at) = rest.find("::jsonb") {
        let column_start = rest[..at]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .map_or(0, |i| i + 1);
        out.push_str(&rest[..column_start]);
        let column = &rest[column_start..at];
        let mut tail = &rest[at + "::jsonb".len()..];
        let mut path = String::from("$");
        loop {
            let (arrow, last) = if tail.starts_with(" ->> '") {
                (" ->> '", true)
            } else if tail.starts_with(" -> '") {
                (" -> '", false)
            } else {
                break;
            };
            tail = &tail[arrow.len()..];
            let Some(end) = tail.find('\'') else { break };
            path.push('.');
            path.push_str(&tail[..end]);
            tail = &tail[end + 1..];
            if last {
                break;
            }
        }
        out.push_str(&format!("json_extract({column}, '{path}')"));
        rest = tail;
    }
    out.push_str(rest);
    out
}

fn sql_files(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sql"))
        .collect()
}

#[test]
fn sqlite_and_postgres_migrations_are_the_same_statements() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let lite_files = sql_files(&root.join("sqlite"));
    let pg_files = sql_files(&root.join("postgres"));
    assert_eq!(
        lite_files, pg_files,
        "each migration exists in both dialects"
    );
    assert!(!lite_files.is_empty());
    for name in &lite_files {
        let lite = std::fs::read_to_string(root.join("sqlite").join(name)).unwrap();
        let pg = std::fs::read_to_string(root.join("postgres").join(name)).unwrap();
        let (lite, pg) = (statements(&lite, false), statements(&pg, true));
        assert_eq!(lite.len(), pg.len(), "{name}: statement count");
        for (i, (a, b)) in lite.iter().zip(&pg).enumerate() {
            assert_eq!(a, b, "{name}: statement {} differs beyond dialect", i + 1);
        }
    }
}

#[test]
fn json_paths_translate() {
    assert_eq!(
        json_paths_as_sqlite("SELECT entry::jsonb -> 'actor' ->> 'user', p::jsonb ->> 'id' FROM t"),
        "SELECT json_extract(entry, '$.actor.user'), json_extract(p, '$.id') FROM t"
    );
}

#[test]
fn a_drift_is_caught() {
    let lite = statements("CREATE TABLE t (a INTEGER, b TEXT);", false);
    let pg = statements("CREATE TABLE t (a BIGINT, b TEXT NOT NULL);", true);
    assert_ne!(lite, pg);
    // A constraint change is PostgreSQL's alone; any other ALTER is compared.
    assert!(
        statements(
            "ALTER TABLE t DROP CONSTRAINT t_a_fkey, ADD CONSTRAINT t_b UNIQUE (a, b);",
            true
        )
        .is_empty()
    );
    assert_eq!(
        statements("ALTER TABLE t ADD COLUMN c BIGINT;", true),
        ["ALTER TABLE t ADD COLUMN c INTEGER"]
    );
    let same = statements("CREATE TABLE t (a BIGINT, b BYTEA); -- note", true);
    assert_eq!(
        statements("CREATE TABLE t (a INTEGER, b BLOB);", false),
        same
    );
}
