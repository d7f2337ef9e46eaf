-- A full re-match split into parts (ranges of asset ids) that every
-- `serve` and `worker` process takes as jobs. A part records its counts
-- once, by its number, or the error of its last attempt; the run ends when
-- every part is recorded.
CREATE TABLE rematch_runs (
    id TEXT PRIMARY KEY,
    requested_by TEXT NOT NULL REFERENCES users(id),
    parts BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    finished_at TEXT
);

CREATE TABLE rematch_parts (
    run_id TEXT NOT NULL REFERENCES rematch_runs(id),
    part BIGINT NOT NULL,
    new_count BIGINT NOT NULL,
    changed_count BIGINT NOT NULL,
    resolved_count BIGINT NOT NULL,
    error TEXT,
    finished_at TEXT NOT NULL,
    PRIMARY KEY (run_id, part)
);
