-- Matching by CPE: a component's `cpe_key` is the identity of its CPE
-- (`cpe:<vendor>:<product>`, the domain's `Cpe::match_key`), indexed like
-- `package_key`, so a new advisory naming a product by CPE finds its
-- components without a scan. Advisories' CPE entries are stored as rows of
-- `affected_packages` with that key and ecosystem 'CPE'. Components stored
-- before this migration have no key (NULL) until their asset's next SBOM or a
-- full re-match (`matching::rematch_all`) computes it; '' means the CPE names no
-- product. Keep in step with the other dialect's 0011_component_cpe_key.sql.

ALTER TABLE components ADD COLUMN cpe_key TEXT;
CREATE INDEX components_cpe_key ON components(cpe_key);
