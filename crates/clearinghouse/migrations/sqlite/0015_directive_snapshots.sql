-- Directives at scale: the compliance dashboard reads materialised
-- figures, never the exposures. One row per (directive, day, organisation,
-- action) with the version in force, the counts by obligation state and
-- the days-to-remediate histogram ("days:count,..."), so medians merge
-- exactly; one row per (directive, day) with the totals (the trend line
-- and "since yesterday"). Refreshed daily by the directive.refresh job and
-- per organisation when its exposures or remediation states change; the
-- read-time computation stays the definition (a test checks both agree).
-- directive_notices records each reminder and digest sent, so each goes
-- out once. Identical in ../postgres/0015_directive_snapshots.sql.

CREATE TABLE directive_compliance_days (
    directive_id TEXT NOT NULL REFERENCES directives(id),
    day TEXT NOT NULL,
    org_id TEXT NOT NULL,
    action_key TEXT NOT NULL,
    version BIGINT NOT NULL,
    total BIGINT NOT NULL,
    on_time BIGINT NOT NULL,
    overdue BIGINT NOT NULL,
    excepted BIGINT NOT NULL,
    satisfied BIGINT NOT NULL,
    days_hist TEXT NOT NULL,
    computed_at TEXT NOT NULL,
    PRIMARY KEY (directive_id, day, org_id, action_key)
);

CREATE TABLE directive_compliance_runs (
    directive_id TEXT NOT NULL REFERENCES directives(id),
    day TEXT NOT NULL,
    version BIGINT NOT NULL,
    orgs BIGINT NOT NULL,
    total BIGINT NOT NULL,
    on_time BIGINT NOT NULL,
    overdue BIGINT NOT NULL,
    excepted BIGINT NOT NULL,
    satisfied BIGINT NOT NULL,
    days_hist TEXT NOT NULL,
    computed_at TEXT NOT NULL,
    PRIMARY KEY (directive_id, day)
);

CREATE TABLE directive_notices (
    directive_id TEXT NOT NULL REFERENCES directives(id),
    org_id TEXT NOT NULL REFERENCES organizations(id),
    action_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    due_date TEXT NOT NULL,
    items BIGINT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (directive_id, org_id, action_key, kind, due_date)
);
