-- Patch distribution and message attachments for coordination cases
-- (issue 15, items 2 and 7). `case_patches`: a fix a vendor attached to a
-- case, uploaded or fetched from the vendor's URL against its declared
-- SHA-256, the bytes kept in the artifact store (`artifact_key`), both
-- digests recorded, and the release statement the server signed with its
-- Ed25519 key (a signed note, `statement`). `case_attachments`: files
-- attached to a case message, in the artifact store. Neither has labels of
-- its own: both are read through their case.
-- Identical in the other dialect's 0024_case_patches.sql.

CREATE TABLE case_patches (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    vendor_org TEXT NOT NULL REFERENCES organizations(id),
    file_name TEXT NOT NULL,
    fixed_version TEXT,
    url TEXT,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    sha512 TEXT NOT NULL,
    artifact_key TEXT NOT NULL,
    statement TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX case_patches_case ON case_patches(case_id, created_at);

CREATE TABLE case_attachments (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    message_id TEXT NOT NULL REFERENCES case_messages(id),
    file_name TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    artifact_key TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX case_attachments_message ON case_attachments(case_id, message_id);
