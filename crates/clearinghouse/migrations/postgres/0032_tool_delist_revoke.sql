-- Taking a catalog entry off the list (`tool_entries.state` = `withdrawn`:
-- no new requests; existing grants stay shown) and revoking an approved
-- request for a tool (`tool_requests.state` = `revoked`; a model entry's
-- grant is revoked with it). Who, when and why, for each.
-- Identical in ../sqlite/0032_tool_delist_revoke.sql.
ALTER TABLE tool_entries ADD COLUMN delisted_by TEXT REFERENCES users(id);
ALTER TABLE tool_entries ADD COLUMN delisted_at TEXT;
ALTER TABLE tool_entries ADD COLUMN delist_reason TEXT;
ALTER TABLE tool_requests ADD COLUMN revoked_by TEXT REFERENCES users(id);
ALTER TABLE tool_requests ADD COLUMN revoked_at TEXT;
ALTER TABLE tool_requests ADD COLUMN revoke_reason TEXT;
