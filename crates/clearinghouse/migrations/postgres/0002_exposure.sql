-- Exposure: operators' assets and SBOM components, imported advisories grouped
-- into vulnerabilities by alias, KEV and EPSS, the package index, exposures
-- with priority and remediation state, and notifications. PostgreSQL dialect;
-- keep in step with ../sqlite/0002_exposure.sql.

CREATE TABLE assets (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    name TEXT NOT NULL,
    owner TEXT NOT NULL,
    description TEXT NOT NULL,
    publicly_exposed INTEGER NOT NULL DEFAULT 0,
    mission_impact TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE sboms (
    id TEXT PRIMARY KEY,
    asset_id TEXT NOT NULL REFERENCES assets(id),
    format TEXT NOT NULL,
    spec_version TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    artifact_key TEXT NOT NULL,
    component_count BIGINT NOT NULL,
    uploaded_by TEXT NOT NULL REFERENCES users(id),
    uploaded_at TEXT NOT NULL
);
CREATE INDEX sboms_asset ON sboms(asset_id, uploaded_at);

CREATE TABLE components (
    id BIGSERIAL PRIMARY KEY,
    asset_id TEXT NOT NULL REFERENCES assets(id),
    package_key TEXT,
    ecosystem TEXT,
    purl TEXT,
    name TEXT NOT NULL,
    version TEXT,
    cpe TEXT
);
CREATE INDEX components_package ON components(package_key);
CREATE INDEX components_asset ON components(asset_id);

CREATE TABLE vulnerabilities (
    id TEXT PRIMARY KEY,
    aliases TEXT NOT NULL,
    summary TEXT NOT NULL,
    cvss_vectors TEXT NOT NULL,
    cwes TEXT NOT NULL,
    ssvc TEXT,
    published TEXT,
    in_kev INTEGER NOT NULL DEFAULT 0,
    kev_due_date TEXT,
    kev_ransomware INTEGER NOT NULL DEFAULT 0,
    epss DOUBLE PRECISION,
    epss_percentile DOUBLE PRECISION,
    embargoed INTEGER NOT NULL DEFAULT 0,
    withdrawn TEXT,
    updated_at TEXT NOT NULL
);

CREATE TABLE advisories (
    id TEXT PRIMARY KEY,
    vuln_id TEXT NOT NULL,
    source TEXT NOT NULL,
    summary TEXT NOT NULL,
    details TEXT NOT NULL,
    published TEXT,
    modified TEXT,
    withdrawn TEXT,
    cvss_vectors TEXT NOT NULL,
    cwes TEXT NOT NULL,
    ssvc TEXT,
    refs TEXT NOT NULL,
    cpes TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    embargoed INTEGER NOT NULL DEFAULT 0,
    imported_by TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX advisories_vuln ON advisories(vuln_id);

CREATE TABLE advisory_aliases (
    alias TEXT NOT NULL,
    advisory_id TEXT NOT NULL REFERENCES advisories(id),
    PRIMARY KEY (alias, advisory_id)
);
CREATE INDEX advisory_aliases_advisory ON advisory_aliases(advisory_id);

CREATE TABLE affected_packages (
    advisory_id TEXT NOT NULL REFERENCES advisories(id),
    idx BIGINT NOT NULL,
    package_key TEXT NOT NULL,
    ecosystem TEXT NOT NULL,
    ranges TEXT NOT NULL,
    versions TEXT NOT NULL,
    PRIMARY KEY (advisory_id, idx)
);
CREATE INDEX affected_packages_key ON affected_packages(package_key);

CREATE TABLE kev_entries (
    cve_id TEXT PRIMARY KEY,
    vendor TEXT NOT NULL,
    product TEXT NOT NULL,
    name TEXT NOT NULL,
    date_added TEXT NOT NULL,
    due_date TEXT NOT NULL,
    known_ransomware INTEGER NOT NULL DEFAULT 0,
    required_action TEXT NOT NULL
);

CREATE TABLE epss_scores (
    cve_id TEXT PRIMARY KEY,
    probability DOUBLE PRECISION NOT NULL,
    percentile DOUBLE PRECISION NOT NULL,
    score_date TEXT
);

CREATE TABLE exposures (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    asset_id TEXT NOT NULL REFERENCES assets(id),
    component_key TEXT NOT NULL,
    component_name TEXT NOT NULL,
    component_version TEXT,
    component_purl TEXT,
    vuln_id TEXT NOT NULL,
    advisory_id TEXT NOT NULL,
    decision TEXT NOT NULL,
    reason TEXT NOT NULL,
    priority_rank BIGINT NOT NULL,
    ssvc_decision TEXT NOT NULL,
    deadline TEXT NOT NULL,
    due_at TEXT,
    embargoed INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    state_reason TEXT,
    accepted_until TEXT,
    first_seen TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    resolved_at TEXT,
    UNIQUE (asset_id, component_key, vuln_id)
);
CREATE INDEX exposures_org ON exposures(org_id, state, priority_rank);
CREATE INDEX exposures_vuln ON exposures(vuln_id);

CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    kind TEXT NOT NULL,
    exposure_id TEXT,
    vuln_id TEXT,
    tlp TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at TEXT,
    emailed_at TEXT
);
CREATE INDEX notifications_org ON notifications(org_id, id);

CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    description TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);
CREATE INDEX webhooks_org ON webhooks(org_id);

CREATE TABLE notification_settings (
    org_id TEXT PRIMARY KEY REFERENCES organizations(id),
    email TEXT,
    daily_digest INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);
