-- Trusted partners of covered models (Sec. 3(b)(iii)) and the catalog of
-- defensive tools for operators (Sec. 2(c)(iii)).
-- Identical in ../sqlite/0025_partners_tools.sql.
--
-- A nomination of an organisation as a trusted partner for one model. It is
-- a partner (`state` = `approved`) only once the developer's org admin
-- (`developer_approved_*`) and the government (a coordinator files the
-- two-person request `government_approval_id`, a second coordinator
-- approves: `government_approved_*`) have both approved. `state` is
-- `proposed`, `approved` or `withdrawn` (either side, final).
CREATE TABLE frontier_partners (
    id TEXT PRIMARY KEY,
    model_id TEXT NOT NULL REFERENCES frontier_models(id),
    developer_org TEXT NOT NULL REFERENCES organizations(id),
    org_id TEXT NOT NULL REFERENCES organizations(id),
    nominated_by TEXT NOT NULL REFERENCES users(id),
    nominated_side TEXT NOT NULL,
    reason TEXT NOT NULL,
    developer_approved_by TEXT REFERENCES users(id),
    developer_approved_at TEXT,
    government_approval_id TEXT,
    government_pending BIGINT NOT NULL,
    government_approved_by TEXT REFERENCES users(id),
    government_approved_at TEXT,
    state TEXT NOT NULL,
    withdrawn_by TEXT REFERENCES users(id),
    withdrawn_side TEXT,
    withdrawn_at TEXT,
    withdraw_reason TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX frontier_partners_model ON frontier_partners(model_id, org_id);
CREATE INDEX frontier_partners_org ON frontier_partners(org_id);

-- A catalog entry. `kind` is `hosted_scanner`, `managed_detection` or
-- `model`; a `model` entry names the access window whose broker serves it
-- (`window_id`), and its approved requests are grants of that window.
-- `org_kinds` and `sectors` are JSON arrays of names (eligibility);
-- `capacity` is how many organisations may hold approved access at once.
-- `state` is `listed` or `withdrawn`.
CREATE TABLE tool_entries (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    provider_org TEXT NOT NULL REFERENCES organizations(id),
    window_id TEXT REFERENCES frontier_windows(id),
    org_kinds TEXT NOT NULL,
    sectors TEXT NOT NULL,
    terms TEXT NOT NULL,
    capacity BIGINT NOT NULL,
    contact TEXT NOT NULL,
    state TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- An organisation's request for an entry, with its purpose; the kind and
-- sector of the organisation as at the request (demand by sector). A
-- coordinator approves (`starts_at`..`ends_at`, the daily quota; for a
-- model entry the grant it made, `grant_id`) or declines. `state` is
-- `pending`, `approved`, `declined` or `revoked`.
CREATE TABLE tool_requests (
    id TEXT PRIMARY KEY,
    tool_id TEXT NOT NULL REFERENCES tool_entries(id),
    org_id TEXT NOT NULL REFERENCES organizations(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    org_kind TEXT NOT NULL,
    sector TEXT,
    purpose TEXT NOT NULL,
    state TEXT NOT NULL,
    decided_by TEXT REFERENCES users(id),
    decided_at TEXT,
    decision_reason TEXT,
    starts_at TEXT,
    ends_at TEXT,
    requests_per_day BIGINT,
    tokens_per_day BIGINT,
    grant_id TEXT REFERENCES frontier_window_grants(id),
    created_at TEXT NOT NULL
);
CREATE INDEX tool_requests_tool ON tool_requests(tool_id, state);
CREATE INDEX tool_requests_org ON tool_requests(org_id, created_at);
