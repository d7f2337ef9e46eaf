-- Brokered access to covered models (Sec. 3(b)(ii), and the model entries
-- of the Sec. 2(c)(iii) tool catalog): access windows, their versioned
-- terms, grants to named people with daily quotas, terms acceptances,
-- short-lived broker credentials and the usage log; and the developer's
-- own release record and withdrawal (Sec. 3(c)).
-- Identical in ../postgres/0016_access_windows.sql.
--
-- A window belongs to its model's developer organisation. `endpoint_sealed`
-- is the hex of an envelope (domain `envelope`, under the key-encryption
-- key, bound to the window id) of the endpoint's base URL and the
-- developer's secret: never returned by any read. `requested_ends_at` is the
-- end the developer asked for; `ends_at` only ever moves earlier (a release
-- moved earlier shortens the window). `state` is `open` or `closed`.
CREATE TABLE frontier_windows (
    id TEXT PRIMARY KEY,
    model_id TEXT NOT NULL REFERENCES frontier_models(id),
    developer_org TEXT NOT NULL REFERENCES organizations(id),
    created_by TEXT NOT NULL REFERENCES users(id),
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    requested_ends_at TEXT NOT NULL,
    terms_version BIGINT NOT NULL,
    endpoint_sealed TEXT NOT NULL,
    state TEXT NOT NULL,
    closed_reason TEXT,
    closed_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX frontier_windows_model ON frontier_windows(model_id);
CREATE INDEX frontier_windows_org ON frontier_windows(developer_org, id);

-- Each version of a window's terms, with the SHA-256 people accept.
CREATE TABLE frontier_window_terms (
    window_id TEXT NOT NULL REFERENCES frontier_windows(id),
    version BIGINT NOT NULL,
    body TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (window_id, version)
);

-- A grant to one named person, inside its window, with a daily quota.
-- `revoked_*` once revoked (by the developer, a government administrator or
-- the person's organisation); window closure ends every grant through the
-- window's state, so no grant row is rewritten for it.
CREATE TABLE frontier_window_grants (
    id TEXT PRIMARY KEY,
    window_id TEXT NOT NULL REFERENCES frontier_windows(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    org_id TEXT NOT NULL REFERENCES organizations(id),
    granted_by TEXT NOT NULL REFERENCES users(id),
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    requests_per_day BIGINT NOT NULL,
    tokens_per_day BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    revoked_by TEXT REFERENCES users(id),
    revoke_reason TEXT
);
CREATE INDEX frontier_window_grants_window ON frontier_window_grants(window_id, id);
CREATE INDEX frontier_window_grants_user ON frontier_window_grants(user_id);

-- A person's acceptance of one exact terms version (its digest and time).
CREATE TABLE frontier_terms_acceptances (
    grant_id TEXT NOT NULL REFERENCES frontier_window_grants(id),
    terms_version BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    accepted_at TEXT NOT NULL,
    PRIMARY KEY (grant_id, terms_version)
);

-- Short-lived broker credentials, stored as the SHA-256 of the token.
CREATE TABLE broker_credentials (
    id TEXT PRIMARY KEY,
    grant_id TEXT NOT NULL REFERENCES frontier_window_grants(id),
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX broker_credentials_grant ON broker_credentials(grant_id);

-- Every brokered call, allowed or refused: who, when, which model, sizes,
-- token counts from the answer's `usage`, latency and outcome. Never the
-- prompt or the completion. `day` is the UTC day number (quota).
CREATE TABLE broker_usage (
    id TEXT PRIMARY KEY,
    window_id TEXT NOT NULL REFERENCES frontier_windows(id),
    grant_id TEXT NOT NULL REFERENCES frontier_window_grants(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    credential_id TEXT NOT NULL REFERENCES broker_credentials(id),
    at TEXT NOT NULL,
    day BIGINT NOT NULL,
    endpoint TEXT NOT NULL,
    model TEXT NOT NULL,
    streamed INTEGER NOT NULL,
    request_bytes BIGINT NOT NULL,
    response_bytes BIGINT NOT NULL,
    prompt_tokens BIGINT,
    completion_tokens BIGINT,
    total_tokens BIGINT,
    latency_ms BIGINT NOT NULL,
    status BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    client_addr TEXT NOT NULL
);
CREATE INDEX broker_usage_grant_day ON broker_usage(grant_id, day);
CREATE INDEX broker_usage_window ON broker_usage(window_id, at);

-- The developer's record of its release (Sec. 3(c)): only the developer
-- writes it; nothing the government does reads it as a condition.
CREATE TABLE frontier_model_releases (
    model_id TEXT PRIMARY KEY REFERENCES frontier_models(id),
    released_at TEXT NOT NULL,
    released_by TEXT NOT NULL REFERENCES users(id),
    note TEXT NOT NULL
);

-- The developer's withdrawal of a model from the framework: closes its
-- windows and ends their grants.
CREATE TABLE frontier_model_withdrawals (
    model_id TEXT PRIMARY KEY REFERENCES frontier_models(id),
    withdrawn_at TEXT NOT NULL,
    withdrawn_by TEXT NOT NULL REFERENCES users(id),
    reason TEXT NOT NULL
);
