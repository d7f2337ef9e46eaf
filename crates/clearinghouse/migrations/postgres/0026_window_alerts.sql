-- Insider-risk alerts as records, and sealed transcripts (issue 13, items
-- 3 and 4). Identical in ../sqlite/0026_window_alerts.sql.
--
-- A terms version says whether its window keeps transcripts; the clause is
-- also in its text, so the digest people accept covers it.
ALTER TABLE frontier_window_terms ADD COLUMN keep_transcripts INTEGER NOT NULL DEFAULT 0;

-- An alert raised by one of the insider-risk rules (domain
-- `frontier::access::alerts`): one per window, rule, person and period (a
-- UTC day, or day and hour), so raising again stores nothing twice.
-- `evidence` is the JSON array of the `broker_usage` ids that show it.
-- Acknowledged once, with a reason, by the developer or a security officer.
CREATE TABLE window_alerts (
    id TEXT PRIMARY KEY,
    window_id TEXT NOT NULL REFERENCES frontier_windows(id),
    rule TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    period TEXT NOT NULL,
    detail TEXT NOT NULL,
    evidence TEXT NOT NULL,
    raised_at TEXT NOT NULL,
    acknowledged_at TEXT,
    acknowledged_by TEXT REFERENCES users(id),
    acknowledge_reason TEXT,
    UNIQUE (window_id, rule, user_id, period)
);
CREATE INDEX window_alerts_raised ON window_alerts(raised_at, id);

-- The transcript of one call of a window whose terms keep them: the hex of
-- an envelope (domain `envelope`, the key-encryption key, the usage id as
-- associated data) of the prompt and the completion. Read by the
-- developer only.
CREATE TABLE broker_transcripts (
    usage_id TEXT PRIMARY KEY REFERENCES broker_usage(id),
    window_id TEXT NOT NULL REFERENCES frontier_windows(id),
    sealed TEXT NOT NULL,
    created_at TEXT NOT NULL
);
