-- The directive dashboard answered in SQL: beside the figures per
-- (directive, day, organisation, action) of 0015, a refresh now writes
-- them per (directive, day, organisation), with the score and the median
-- days to remediate already worked out, and per (directive, day, action);
-- the dashboard reads the totals row, a few action rows and the first
-- page of organisations worst first (the index below), never every
-- organisation's histogram. `detailed` marks the totals of a refresh that
-- wrote both; a day without it is recomputed on first read. Figures of
-- days refreshed before this migration get their per-organisation counts
-- summed here ("since yesterday" compares with them; their median is
-- unknown). Identical in ../sqlite/0028_directive_dashboard.sql.

CREATE TABLE directive_compliance_orgs (
    directive_id TEXT NOT NULL REFERENCES directives(id),
    day TEXT NOT NULL,
    org_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    total BIGINT NOT NULL,
    on_time BIGINT NOT NULL,
    overdue BIGINT NOT NULL,
    excepted BIGINT NOT NULL,
    satisfied BIGINT NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    median_days DOUBLE PRECISION,
    computed_at TEXT NOT NULL,
    PRIMARY KEY (directive_id, day, org_id)
);

CREATE INDEX directive_compliance_orgs_worst
    ON directive_compliance_orgs (directive_id, day, overdue DESC, score);

CREATE TABLE directive_compliance_actions (
    directive_id TEXT NOT NULL REFERENCES directives(id),
    day TEXT NOT NULL,
    action_key TEXT NOT NULL,
    version BIGINT NOT NULL,
    total BIGINT NOT NULL,
    on_time BIGINT NOT NULL,
    overdue BIGINT NOT NULL,
    excepted BIGINT NOT NULL,
    satisfied BIGINT NOT NULL,
    days_hist TEXT NOT NULL,
    computed_at TEXT NOT NULL,
    PRIMARY KEY (directive_id, day, action_key)
);

ALTER TABLE directive_compliance_runs ADD COLUMN detailed BIGINT NOT NULL DEFAULT 0;

INSERT INTO directive_compliance_orgs (directive_id, day, org_id, version, total, on_time,
    overdue, excepted, satisfied, score, median_days, computed_at)
SELECT directive_id, day, org_id, MAX(version), SUM(total), SUM(on_time), SUM(overdue),
    SUM(excepted), SUM(satisfied),
    CASE WHEN SUM(total) = 0 THEN 100.0
         ELSE ROUND((SUM(total) - SUM(overdue)) * 1000.0 / SUM(total)) / 10.0 END,
    NULL, MAX(computed_at)
FROM directive_compliance_days
GROUP BY directive_id, day, org_id;
