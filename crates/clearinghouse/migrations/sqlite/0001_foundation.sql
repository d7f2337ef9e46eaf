-- Foundation: organisations, people, agents, sessions, approvals, labels,
-- shared documents, the audit log and the job queue. SQLite dialect; keep in
-- step with ../postgres/0001_foundation.sql.

CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    sector TEXT,
    vetted INTEGER NOT NULL DEFAULT 0,
    trusted_partner INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT,
    roles TEXT NOT NULL,
    authorizations TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX users_org ON users(org_id);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    authorizations TEXT,
    rate_limit_per_minute BIGINT,
    expires_at TEXT,
    revoked_at TEXT,
    created_at TEXT NOT NULL,
    last_used_at TEXT
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE approvals (
    id TEXT PRIMARY KEY,
    action TEXT NOT NULL,
    payload TEXT NOT NULL,
    summary TEXT NOT NULL,
    requested_by TEXT NOT NULL REFERENCES users(id),
    requested_via TEXT,
    state TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    reason TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX approvals_state ON approvals(state, id);

CREATE TABLE visibility_labels (
    id INTEGER PRIMARY KEY,
    expression TEXT NOT NULL UNIQUE
);
INSERT INTO visibility_labels (id, expression) VALUES (1, '');

CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    owner_org TEXT NOT NULL REFERENCES organizations(id),
    created_by TEXT NOT NULL REFERENCES users(id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    protection_marking TEXT,
    tlp TEXT NOT NULL,
    visibility_id BIGINT NOT NULL REFERENCES visibility_labels(id),
    attachment_key TEXT,
    attachment_name TEXT,
    attachment_sha256 TEXT,
    attachment_size BIGINT,
    created_at TEXT NOT NULL
);
CREATE INDEX documents_owner ON documents(owner_org, id);

CREATE TABLE record_shares (
    record_id TEXT NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    PRIMARY KEY (record_id, org_id)
);

CREATE TABLE record_readers (
    record_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    PRIMARY KEY (record_id, user_id)
);

CREATE TABLE audit_log (
    idx BIGINT PRIMARY KEY,
    entry TEXT NOT NULL,
    leaf_hash TEXT NOT NULL
);

CREATE TABLE audit_checkpoints (
    tree_size BIGINT PRIMARY KEY,
    root_hash TEXT NOT NULL,
    note TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    unique_key TEXT UNIQUE,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL DEFAULT 5,
    run_at TEXT NOT NULL,
    locked_by TEXT,
    locked_at TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX jobs_ready ON jobs(state, run_at);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
