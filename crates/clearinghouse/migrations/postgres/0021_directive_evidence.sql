-- Evidence attached to an agency's directive report or attestation: files
-- in the artifact store (content-addressed by SHA-256), each row naming
-- the submission it supports and the organisation that owns it. Readable
-- like the submission: the organisation and CISA's readers only.
-- Identical in ../sqlite/0021_directive_evidence.sql.

CREATE TABLE directive_evidence (
    id TEXT PRIMARY KEY,
    submission_id TEXT NOT NULL REFERENCES directive_submissions(id),
    directive_id TEXT NOT NULL REFERENCES directives(id),
    org_id TEXT NOT NULL REFERENCES organizations(id),
    file_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    object_key TEXT NOT NULL,
    uploaded_by TEXT NOT NULL REFERENCES users(id),
    uploaded_at TEXT NOT NULL
);
CREATE INDEX directive_evidence_submission ON directive_evidence(submission_id);
CREATE INDEX directive_evidence_directive ON directive_evidence(directive_id, org_id);
