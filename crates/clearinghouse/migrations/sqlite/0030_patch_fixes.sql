-- Which vulnerabilities, and which products, a patch fixes (issue 15):
-- a patch belongs to a case, and each row of `case_patch_fixes` names one
-- vulnerability of that case it fixes, for one product (the matching key
-- of a product the vendor map gives the releasing vendor) or for all of
-- the vendor's products in the case (`product_key` empty). A patch
-- released before this migration is taken to fix every vulnerability of
-- its case, as it was shown until now. Read through the case, like the
-- patch itself. Identical in the other dialect's 0030_patch_fixes.sql.

CREATE TABLE case_patch_fixes (
    patch_id TEXT NOT NULL REFERENCES case_patches(id),
    vuln_id TEXT NOT NULL,
    product_key TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (patch_id, vuln_id, product_key)
);
CREATE INDEX case_patch_fixes_vuln ON case_patch_fixes(vuln_id);

INSERT INTO case_patch_fixes (patch_id, vuln_id, product_key)
SELECT p.id, cv.vuln_id, '' FROM case_patches p
JOIN case_vulnerabilities cv ON cv.case_id = p.case_id;
