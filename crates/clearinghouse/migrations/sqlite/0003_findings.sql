-- Findings: scanner submissions (kept as artifacts, processed by a durable
-- job in batches whose per-item results are stored one row per batch),
-- findings deduplicated by a version-free fingerprint with who saw them in
-- which version, near-duplicate and known-advisory links, the validation
-- workflow's history, CHX vulnerability ids, and encrypted proof-of-concept
-- material released under the two-person rule. SQLite dialect; keep in
-- step with ../postgres/0003_findings.sql.

CREATE TABLE submissions (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    submitted_by TEXT NOT NULL REFERENCES users(id),
    submitted_via TEXT,
    idempotency_key TEXT NOT NULL,
    file_name TEXT,
    sha256 TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    artifact_key TEXT NOT NULL,
    format TEXT,
    default_target TEXT,
    campaign TEXT,
    tlp TEXT NOT NULL,
    visibility_id BIGINT NOT NULL REFERENCES visibility_labels(id),
    state TEXT NOT NULL,
    error TEXT,
    items BIGINT NOT NULL DEFAULT 0,
    new_findings BIGINT NOT NULL DEFAULT 0,
    duplicates BIGINT NOT NULL DEFAULT 0,
    rejected BIGINT NOT NULL DEFAULT 0,
    batches BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    finished_at TEXT,
    UNIQUE (org_id, idempotency_key)
);
CREATE INDEX submissions_org ON submissions(org_id, id);

CREATE TABLE submission_results (
    submission_id TEXT NOT NULL REFERENCES submissions(id),
    batch BIGINT NOT NULL,
    first_seq BIGINT NOT NULL,
    results TEXT NOT NULL,
    PRIMARY KEY (submission_id, batch)
);

CREATE TABLE findings (
    id TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL UNIQUE,
    target_kind TEXT NOT NULL,
    target_identity TEXT NOT NULL,
    target TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    rule_id TEXT,
    tool TEXT,
    cwes TEXT NOT NULL,
    severity TEXT,
    cvss_vector TEXT,
    location_path TEXT,
    start_line BIGINT,
    end_line BIGINT,
    function_name TEXT,
    evidence TEXT,
    aliases TEXT NOT NULL,
    reporter_org TEXT NOT NULL REFERENCES organizations(id),
    reported_by TEXT NOT NULL REFERENCES users(id),
    submission_id TEXT NOT NULL REFERENCES submissions(id),
    position TEXT NOT NULL,
    campaign TEXT,
    tlp TEXT NOT NULL,
    visibility_id BIGINT NOT NULL REFERENCES visibility_labels(id),
    state TEXT NOT NULL,
    rejection_reason TEXT,
    duplicate_of TEXT,
    known_vuln_id TEXT,
    vulnerability_id TEXT,
    validator_id TEXT,
    signature BLOB,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX findings_state ON findings(state, id);
CREATE INDEX findings_target ON findings(target_identity, location_path);
CREATE INDEX findings_reporter ON findings(reporter_org, id);
CREATE INDEX findings_submission ON findings(submission_id, id);
CREATE INDEX findings_vulnerability ON findings(vulnerability_id);

CREATE TABLE finding_sightings (
    finding_id TEXT NOT NULL REFERENCES findings(id),
    org_id TEXT NOT NULL REFERENCES organizations(id),
    version TEXT NOT NULL,
    submission_id TEXT NOT NULL REFERENCES submissions(id),
    seen_at TEXT NOT NULL,
    PRIMARY KEY (finding_id, org_id, version)
);
CREATE INDEX finding_sightings_org ON finding_sightings(org_id);

CREATE TABLE finding_similarities (
    finding_id TEXT NOT NULL REFERENCES findings(id),
    other_id TEXT NOT NULL REFERENCES findings(id),
    similarity DOUBLE PRECISION NOT NULL,
    state TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    PRIMARY KEY (finding_id, other_id)
);
CREATE INDEX finding_similarities_other ON finding_similarities(other_id);

CREATE TABLE finding_events (
    id INTEGER PRIMARY KEY,
    finding_id TEXT NOT NULL REFERENCES findings(id),
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    reason TEXT NOT NULL,
    actor TEXT NOT NULL REFERENCES users(id),
    actor_org TEXT NOT NULL REFERENCES organizations(id),
    at TEXT NOT NULL
);
CREATE INDEX finding_events_finding ON finding_events(finding_id, id);

CREATE TABLE chx_counters (
    year BIGINT PRIMARY KEY,
    last_number BIGINT NOT NULL
);

CREATE TABLE chx_vulnerabilities (
    id TEXT PRIMARY KEY,
    vuln_id TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);

CREATE TABLE poc_artifacts (
    id TEXT PRIMARY KEY,
    finding_id TEXT NOT NULL REFERENCES findings(id),
    file_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    object_key TEXT NOT NULL,
    kek_id TEXT NOT NULL,
    wrapped_key TEXT NOT NULL,
    nonce TEXT NOT NULL,
    tlp TEXT NOT NULL,
    visibility_id BIGINT NOT NULL REFERENCES visibility_labels(id),
    uploaded_by TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX poc_artifacts_finding ON poc_artifacts(finding_id);

CREATE TABLE poc_releases (
    approval_id TEXT PRIMARY KEY,
    poc_id TEXT NOT NULL REFERENCES poc_artifacts(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    granted_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX poc_releases_poc ON poc_releases(poc_id, user_id);
