-- Binding Operational Directives (Sec. 2(c)): a directive and its versions
-- (never edited once issued: an amendment is a new version with its diff),
-- agencies' reports and attestations, and their extension and exception
-- requests with the directive manager's decision. Obligations are computed
-- at read time from exposures, so new advisories, KEV entries and SBOMs
-- extend them without a write here. Directives are public records of the
-- platform (no labels): drafts and pending versions are read by directive
-- managers only; an organisation's submissions and requests by itself and
-- by managers, coordinators, auditors and platform admins.
-- Identical in ../sqlite/0013_directives.sql.

CREATE TABLE directives (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    issued_version BIGINT,
    latest_version BIGINT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    revoked_at TEXT,
    revoked_by TEXT,
    revoke_reason TEXT
);

CREATE TABLE directive_versions (
    directive_id TEXT NOT NULL REFERENCES directives(id),
    version BIGINT NOT NULL,
    state TEXT NOT NULL,
    body TEXT NOT NULL,
    changes TEXT NOT NULL,
    approval_id TEXT,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    issued_at TEXT,
    PRIMARY KEY (directive_id, version)
);

CREATE TABLE directive_submissions (
    id TEXT PRIMARY KEY,
    directive_id TEXT NOT NULL REFERENCES directives(id),
    action_key TEXT NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    period TEXT NOT NULL,
    fields TEXT NOT NULL,
    artifact_key TEXT,
    artifact_name TEXT,
    artifact_sha256 TEXT,
    submitted_by TEXT NOT NULL REFERENCES users(id),
    submitted_at TEXT NOT NULL,
    UNIQUE (directive_id, action_key, org_id, period)
);
CREATE INDEX directive_submissions_org ON directive_submissions(org_id, directive_id);

CREATE TABLE directive_requests (
    id TEXT PRIMARY KEY,
    directive_id TEXT NOT NULL REFERENCES directives(id),
    action_key TEXT NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    exposure_id TEXT,
    period TEXT,
    kind TEXT NOT NULL,
    until TEXT,
    justification TEXT NOT NULL,
    state TEXT NOT NULL,
    requested_by TEXT NOT NULL REFERENCES users(id),
    requested_at TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    decision_reason TEXT
);
CREATE INDEX directive_requests_directive ON directive_requests(directive_id, org_id, state);
