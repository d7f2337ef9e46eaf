-- The vendor map needs proof (security fix): an entry a vendor adds for
-- itself is `pending` until a coordinator confirms it (`confirmed`) or
-- rejects it (`rejected`); only confirmed entries let a vendor state VEX
-- for a product, count for matching and suggest vendors to a case.
-- Entries a coordinator added before this migration stay confirmed; the
-- others, added by vendors without review, become pending.
-- Identical in the other dialect's 0027_vendor_map_review.sql.

ALTER TABLE vendor_products ADD COLUMN status TEXT NOT NULL DEFAULT 'confirmed';
ALTER TABLE vendor_products ADD COLUMN decided_by TEXT;
ALTER TABLE vendor_products ADD COLUMN decided_at TEXT;
UPDATE vendor_products SET status = 'pending'
    WHERE added_by NOT IN (SELECT id FROM users WHERE roles LIKE '%"coordinator"%');
CREATE INDEX vendor_products_status ON vendor_products(status, match_key);
