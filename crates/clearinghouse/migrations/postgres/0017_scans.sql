-- Scan coordination (Sec. 2(d)): operators' network assets with their
-- proof of control, grants (authorizations with rules of engagement),
-- researchers' campaigns and their targets, claims and the answers to
-- them, and operators' reports of scanning they observed.
-- Targets are stored with an index key: a CIDR block as the fixed-width
-- keys of its first and last address (`key_lo`, `key_hi`, so overlapping
-- blocks are found with `key_lo <= $hi AND key_hi >= $lo`), a host by its
-- labels reversed (`org.example.www`), anything else by its identity.
-- Campaigns are labelled (TLP, visibility), owned by the researcher's
-- organisation, shared with each operator whose assets they touch.
-- Identical in ../sqlite/0017_scans.sql.

CREATE TABLE scan_assets (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    key_lo TEXT NOT NULL,
    key_hi TEXT NOT NULL,
    state TEXT NOT NULL,
    token TEXT NOT NULL,
    proof_method TEXT,
    proof_detail TEXT,
    verified_by TEXT,
    verified_at TEXT,
    disclose_prefix BIGINT,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX scan_assets_span ON scan_assets(kind, key_lo);
CREATE INDEX scan_assets_org ON scan_assets(org_id, id);

CREATE TABLE scan_grants (
    id TEXT PRIMARY KEY,
    operator_org_id TEXT NOT NULL REFERENCES organizations(id),
    scanner_org_id TEXT NOT NULL REFERENCES organizations(id),
    asset_ids TEXT NOT NULL,
    excluded TEXT NOT NULL,
    techniques TEXT NOT NULL,
    rate_limit BIGINT NOT NULL,
    sources TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    operator_contact TEXT NOT NULL,
    scanner_contact TEXT NOT NULL,
    state TEXT NOT NULL,
    revoked_at TEXT,
    revoked_by TEXT,
    revoke_reason TEXT,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX scan_grants_scanner ON scan_grants(scanner_org_id, state);
CREATE INDEX scan_grants_operator ON scan_grants(operator_org_id, id);

CREATE TABLE scan_campaigns (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    name TEXT NOT NULL,
    scanner TEXT NOT NULL,
    techniques TEXT NOT NULL,
    sources TEXT NOT NULL,
    contact TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    state TEXT NOT NULL,
    stop_reason TEXT,
    stopped_at TEXT,
    tlp TEXT NOT NULL,
    visibility_id BIGINT NOT NULL REFERENCES visibility_labels(id),
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX scan_campaigns_org ON scan_campaigns(org_id, id);
CREATE INDEX scan_campaigns_window ON scan_campaigns(ends_at, starts_at);

CREATE TABLE scan_campaign_targets (
    campaign_id TEXT NOT NULL REFERENCES scan_campaigns(id),
    position BIGINT NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    key_lo TEXT NOT NULL,
    key_hi TEXT NOT NULL,
    asset_id TEXT REFERENCES scan_assets(id),
    grant_id TEXT REFERENCES scan_grants(id),
    operator_org_id TEXT REFERENCES organizations(id),
    PRIMARY KEY (campaign_id, position)
);
CREATE INDEX scan_campaign_targets_span ON scan_campaign_targets(kind, key_lo);
CREATE INDEX scan_campaign_targets_grant ON scan_campaign_targets(grant_id);
CREATE INDEX scan_campaign_targets_operator ON scan_campaign_targets(operator_org_id);

CREATE TABLE scan_claims (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    key_lo TEXT NOT NULL,
    key_hi TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    note TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX scan_claims_span ON scan_claims(kind, key_lo);

CREATE TABLE scan_claim_responses (
    claim_id TEXT NOT NULL REFERENCES scan_claims(id),
    org_id TEXT NOT NULL REFERENCES organizations(id),
    choice TEXT NOT NULL,
    note TEXT NOT NULL,
    responded_by TEXT NOT NULL REFERENCES users(id),
    responded_at TEXT NOT NULL,
    PRIMARY KEY (claim_id, org_id)
);

CREATE TABLE scan_reports (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    sources TEXT NOT NULL,
    targets TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    covered BIGINT NOT NULL,
    answer TEXT NOT NULL,
    log_excerpt TEXT,
    incident_state TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX scan_reports_org ON scan_reports(org_id, id);

-- Findings submitted with a campaign, listed on its page.
CREATE INDEX findings_campaign ON findings(campaign, reporter_org);
