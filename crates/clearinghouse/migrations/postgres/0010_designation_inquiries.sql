-- Designation inquiries (Sec. 3(b)(i)): a developer asks whether its model
-- is a covered frontier model; evaluators attach runs; the configured
-- consultees respond; a designation authority decides, a second approves;
-- an authority communicates the outcome and releases parts to the developer.
--
-- An inquiry is a labelled record (`tlp`, `visibility_id`, owner
-- `developer_org`): the developer's organisation reads it under the one
-- read policy; evaluators, consultants and authorities cleared for
-- `FRONTIER` read it as officials (see `store::frontier::inquiries`). Its
-- runs, consultations, decision and releases carry no labels of their own
-- and are read through the inquiry. `consultees` is the configured list
-- (JSON) as it stood when the inquiry opened; `basis` the computed rule
-- outcome (JSON of the domain's `DecisionBasis`: intervals, relations and
-- threshold references, never a threshold value); `proposal` the decision
-- awaiting a second authority. `revision` grows with every change: writes
-- compare and set it, so two concurrent steps cannot both apply.
CREATE TABLE frontier_inquiries (
    id TEXT PRIMARY KEY,
    model_id TEXT NOT NULL REFERENCES frontier_models(id),
    developer_org TEXT NOT NULL REFERENCES organizations(id),
    created_by TEXT NOT NULL REFERENCES users(id),
    state TEXT NOT NULL,
    revision BIGINT NOT NULL,
    consultees TEXT NOT NULL,
    basis TEXT,
    proposal TEXT,
    approval_id TEXT,
    withdrawal_reason TEXT,
    tlp TEXT NOT NULL,
    visibility_id BIGINT NOT NULL REFERENCES visibility_labels(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    decided_at TEXT,
    communicated_at TEXT,
    withdrawn_at TEXT
);
CREATE INDEX frontier_inquiries_org ON frontier_inquiries(developer_org, id);
CREATE INDEX frontier_inquiries_model ON frontier_inquiries(model_id);

-- Runs an evaluator attached (runs of the inquiry's model only).
CREATE TABLE frontier_inquiry_runs (
    inquiry_id TEXT NOT NULL REFERENCES frontier_inquiries(id),
    run_id TEXT NOT NULL REFERENCES frontier_runs(id),
    attached_by TEXT NOT NULL REFERENCES users(id),
    attached_at TEXT NOT NULL,
    PRIMARY KEY (inquiry_id, run_id)
);

-- One response per configured consultee: `concur`, `dissent` (with a
-- comment) or `declined`.
CREATE TABLE frontier_inquiry_consultations (
    inquiry_id TEXT NOT NULL REFERENCES frontier_inquiries(id),
    consultee_id TEXT NOT NULL,
    response TEXT NOT NULL,
    comment TEXT,
    recorded_by TEXT NOT NULL REFERENCES users(id),
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (inquiry_id, consultee_id)
);

-- The decision, once a second authority approved it: the determination,
-- the computed rule outcome, the suite versions, runs and threshold
-- versions (id, version and commitment: never the value) it rests on.
CREATE TABLE frontier_inquiry_decisions (
    inquiry_id TEXT PRIMARY KEY REFERENCES frontier_inquiries(id),
    determination TEXT NOT NULL,
    computed TEXT NOT NULL,
    reason TEXT,
    suite_versions TEXT NOT NULL,
    run_ids TEXT NOT NULL,
    thresholds TEXT NOT NULL,
    basis TEXT NOT NULL,
    proposed_by TEXT NOT NULL REFERENCES users(id),
    approved_by TEXT NOT NULL REFERENCES users(id),
    approval_id TEXT NOT NULL,
    decided_at TEXT NOT NULL
);

-- Parts of the assessment an authority released to the developer.
CREATE TABLE frontier_inquiry_releases (
    id TEXT PRIMARY KEY,
    inquiry_id TEXT NOT NULL REFERENCES frontier_inquiries(id),
    part TEXT NOT NULL,
    released_by TEXT NOT NULL REFERENCES users(id),
    released_at TEXT NOT NULL,
    UNIQUE (inquiry_id, part)
);
