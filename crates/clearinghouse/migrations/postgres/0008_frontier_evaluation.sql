-- Classified benchmarking (Sec. 3(a)): benchmark suites and their versions,
-- evaluation runs imported from Inspect logs with their samples, and scores
-- per run and suite version.
--
-- A suite is a labelled record (`tlp`, `visibility_id`, `owner_org`, shares
-- in `record_shares`); its versions, runs, samples and scores carry no
-- labels of their own and are read through the suite's.
CREATE TABLE frontier_suites (
    id TEXT PRIMARY KEY,
    suite_key TEXT NOT NULL,
    owner_org TEXT NOT NULL REFERENCES organizations(id),
    created_by TEXT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    errored_samples TEXT NOT NULL,
    tlp TEXT NOT NULL,
    visibility_id BIGINT NOT NULL REFERENCES visibility_labels(id),
    current_version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (owner_org, suite_key)
);
CREATE INDEX frontier_suites_key ON frontier_suites(suite_key);

-- One row per version: the task list (JSON, canonical order) whose SHA-256
-- of the canonical form is `digest`.
CREATE TABLE frontier_suite_versions (
    id TEXT PRIMARY KEY,
    suite_id TEXT NOT NULL REFERENCES frontier_suites(id),
    number BIGINT NOT NULL,
    digest TEXT NOT NULL,
    tasks TEXT NOT NULL,
    task_count BIGINT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    UNIQUE (suite_id, number)
);

-- An imported Inspect log. The same file (SHA-256) for the same suite is
-- one run. `header` is the log's header as read (eval spec, results with
-- every scorer, reducer and metric, stats with model usage).
CREATE TABLE frontier_runs (
    id TEXT PRIMARY KEY,
    suite_id TEXT NOT NULL REFERENCES frontier_suites(id),
    sha256 TEXT NOT NULL,
    artifact_key TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    format TEXT NOT NULL,
    file_name TEXT,
    model_id TEXT REFERENCES frontier_models(id),
    task TEXT NOT NULL,
    task_version TEXT,
    inspect_model TEXT NOT NULL,
    status TEXT NOT NULL,
    samples BIGINT NOT NULL,
    epochs BIGINT NOT NULL,
    max_epoch BIGINT NOT NULL,
    errored BIGINT NOT NULL,
    scorer TEXT,
    mapping TEXT NOT NULL,
    header TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    UNIQUE (suite_id, sha256)
);
CREATE INDEX frontier_runs_model ON frontier_runs(model_id);

-- Each sample (sample x epoch) of a run, in log order.
CREATE TABLE frontier_run_samples (
    run_id TEXT NOT NULL REFERENCES frontier_runs(id),
    seq BIGINT NOT NULL,
    sample_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    epoch BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    scores TEXT NOT NULL,
    error TEXT,
    total_tokens BIGINT NOT NULL,
    PRIMARY KEY (run_id, seq)
);

-- A run's score against one suite version, with the seed and resample
-- count that reproduce its intervals.
CREATE TABLE frontier_run_scores (
    run_id TEXT NOT NULL REFERENCES frontier_runs(id),
    suite_version_id TEXT NOT NULL REFERENCES frontier_suite_versions(id),
    seed BIGINT NOT NULL,
    resamples BIGINT NOT NULL,
    score TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (run_id, suite_version_id)
);

-- Threshold policies, one per suite, versioned. Classified: `policy` (the
-- domain's canonical policy JSON) and `salt` are read only under the row's
-- labels (default visibility `FRONTIER & CLASSIFIED`); `commitment`
-- (SHA-256(salt || canonical policy)) is what leaves, in the audit log and
-- in decisions. A version is `pending` until a second designation
-- authority approves it (`approval_id`), then `active`; the one before it
-- becomes `superseded`.
CREATE TABLE frontier_thresholds (
    id TEXT PRIMARY KEY,
    suite_id TEXT NOT NULL REFERENCES frontier_suites(id),
    version BIGINT NOT NULL,
    policy TEXT NOT NULL,
    salt TEXT NOT NULL,
    commitment TEXT NOT NULL,
    state TEXT NOT NULL,
    owner_org TEXT NOT NULL REFERENCES organizations(id),
    created_by TEXT NOT NULL REFERENCES users(id),
    tlp TEXT NOT NULL,
    visibility_id BIGINT NOT NULL REFERENCES visibility_labels(id),
    approval_id TEXT,
    activated_at TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (suite_id, version)
);
