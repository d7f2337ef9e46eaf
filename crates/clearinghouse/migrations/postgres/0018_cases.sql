-- Coordination cases (issue 15): a case for one or more vulnerabilities
-- with its participants (organisations with a case role; invited at,
-- joined at, last seen), target disclosure date and labels, its threaded
-- messages and its event timeline; and the vendor map (package URL and
-- CPE matching keys claimed by vendor organisations). A case is labelled
-- case data: `tlp`, `visibility_id`, `owner_org` (the coordinating
-- organisation); every participant organisation also has a
-- `record_shares` row, so the one read policy admits exactly the
-- participants (and the staff). Messages, events and vendor statements
-- carry no labels of their own: they are read through their case.
-- `case_statements` are vendors' VEX statements per vulnerability and
-- product (matching key); the current one has no `superseded_at`, and a
-- current not_affected or fixed statement takes the components it covers
-- out of exposure. `case_advisories` holds the CSAF 2.0 document of
-- each revision of a published case: a new revision is a new row, never
-- an update.
-- Identical in ../sqlite/0018_cases.sql.

CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    owner_org TEXT NOT NULL REFERENCES organizations(id),
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    state TEXT NOT NULL,
    target_date TEXT NOT NULL,
    tlp TEXT NOT NULL,
    visibility_id BIGINT NOT NULL REFERENCES visibility_labels(id),
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    published_at TEXT
);
CREATE INDEX cases_due ON cases(state, target_date);

CREATE TABLE case_vulnerabilities (
    case_id TEXT NOT NULL REFERENCES cases(id),
    vuln_id TEXT NOT NULL,
    named_as TEXT NOT NULL,
    PRIMARY KEY (case_id, vuln_id)
);
CREATE INDEX case_vulnerabilities_vuln ON case_vulnerabilities(vuln_id);

CREATE TABLE case_participants (
    case_id TEXT NOT NULL REFERENCES cases(id),
    org_id TEXT NOT NULL REFERENCES organizations(id),
    role TEXT NOT NULL,
    invited_by TEXT NOT NULL REFERENCES users(id),
    invited_at TEXT NOT NULL,
    joined_at TEXT,
    joined_by TEXT,
    last_seen_at TEXT,
    PRIMARY KEY (case_id, org_id)
);
CREATE INDEX case_participants_org ON case_participants(org_id, case_id);

CREATE TABLE case_messages (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    reply_to TEXT,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    author TEXT NOT NULL REFERENCES users(id),
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX case_messages_case ON case_messages(case_id, created_at);

CREATE TABLE case_events (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    org_id TEXT,
    detail TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX case_events_case ON case_events(case_id, created_at);

CREATE TABLE vendor_products (
    kind TEXT NOT NULL,
    match_key TEXT NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations(id),
    given_as TEXT NOT NULL,
    added_by TEXT NOT NULL REFERENCES users(id),
    added_at TEXT NOT NULL,
    PRIMARY KEY (match_key, org_id)
);
CREATE INDEX vendor_products_org ON vendor_products(org_id);

CREATE TABLE case_statements (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    vuln_id TEXT NOT NULL,
    vendor_org TEXT NOT NULL REFERENCES organizations(id),
    product_kind TEXT NOT NULL,
    product_key TEXT NOT NULL,
    product_given TEXT NOT NULL,
    versions TEXT NOT NULL,
    status TEXT NOT NULL,
    justification TEXT,
    fixed_version TEXT,
    remediation TEXT NOT NULL,
    source TEXT NOT NULL,
    stated_by TEXT NOT NULL REFERENCES users(id),
    stated_at TEXT NOT NULL,
    superseded_at TEXT
);
CREATE INDEX case_statements_vuln ON case_statements(vuln_id, product_key);
CREATE INDEX case_statements_case ON case_statements(case_id, vuln_id);

CREATE TABLE case_advisories (
    case_id TEXT NOT NULL REFERENCES cases(id),
    version BIGINT NOT NULL,
    category TEXT NOT NULL,
    document TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    summary TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (case_id, version)
);
