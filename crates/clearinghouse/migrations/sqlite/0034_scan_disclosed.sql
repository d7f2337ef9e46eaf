-- What another organisation may learn of each network target of a
-- campaign (issue 14, host-name and range probing): the block or domain
-- the asset's operator discloses (domain::scans::disclose), derived from
-- the asset and never from the exact target, with its index keys, so a
-- researcher who may not see the target is matched on it alone. NULL
-- when nothing is disclosed. Rows stored before this migration are
-- filled once, in Rust, by Store::migrate (the block arithmetic is not
-- SQL).
-- Identical in ../postgres/0034_scan_disclosed.sql.

ALTER TABLE scan_campaign_targets ADD COLUMN shown TEXT;
ALTER TABLE scan_campaign_targets ADD COLUMN shown_lo TEXT;
ALTER TABLE scan_campaign_targets ADD COLUMN shown_hi TEXT;
CREATE INDEX scan_campaign_targets_shown ON scan_campaign_targets(kind, shown_lo);
