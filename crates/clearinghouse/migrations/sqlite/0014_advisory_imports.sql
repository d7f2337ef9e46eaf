-- Advisory imports processed by the `advisory_import` job: the spooled
-- file (its artifact key and digest), who sent it, its state (queued,
-- running, done, failed), its totals as an import report (JSON, with
-- per-record reasons bounded by the job) and, when it failed, why.
-- No labels: readable by the importer's organisation and coordinators.
-- Identical in ../postgres/0014_advisory_imports.sql.

CREATE TABLE advisory_imports (
    id TEXT PRIMARY KEY,
    imported_by TEXT NOT NULL REFERENCES users(id),
    org_id TEXT NOT NULL,
    file_name TEXT NOT NULL,
    artifact_key TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    embargo BIGINT NOT NULL,
    state TEXT NOT NULL,
    report TEXT NOT NULL,
    error TEXT,
    error_field TEXT,
    error_status BIGINT,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT
);

CREATE INDEX advisory_imports_by_digest ON advisory_imports (sha256, state);
CREATE INDEX advisory_imports_by_org ON advisory_imports (org_id, id);
