-- Advisory identity: an advisory is its publisher plus the publisher's own
-- id, so advisories of several publishers about one vulnerability group
-- together and never overwrite each other. `advisories.id` stays the
-- storage key (the domain's `Advisory::key`: the own id for OSV, CVE and
-- CHX records, `kev:CVE-...` for a KEV entry,
-- `<tracking id>/<CVE or #n>@<publisher>` for a CSAF vulnerability);
-- `doc_id` is the publisher's own id (what `/api/v1/advisories/{id}`
-- finds), `publisher` who published it, `vuln_ref` which vulnerability of a
-- CSAF document it is, `unmapped_products` the CSAF products that map to no
-- package or CPE. Affected entries get the versions a CSAF document states
-- fixed or not affected. A vulnerability keeps its details (for a summary
-- that is empty) and the source of each fact.
--
-- Existing rows: OSV, CVE and CHX rows keep their key, with `doc_id` their
-- id and the publisher of their source. A CSAF row stored before this
-- migration is under a CVE id with the tracking id lost: it gets publisher
-- '' and is removed by the first import of a CSAF document or CVE record
-- naming that CVE (`store::advisories::drop_legacy_csaf`). Keep in step
-- with the other dialect's 0009_advisory_identity.sql.

ALTER TABLE advisories ADD COLUMN doc_id TEXT NOT NULL DEFAULT '';
ALTER TABLE advisories ADD COLUMN publisher TEXT NOT NULL DEFAULT '';
ALTER TABLE advisories ADD COLUMN vuln_ref TEXT NOT NULL DEFAULT '';
ALTER TABLE advisories ADD COLUMN unmapped_products BIGINT NOT NULL DEFAULT 0;
UPDATE advisories SET doc_id = id;
UPDATE advisories SET publisher = CASE source WHEN 'osv' THEN 'osv' WHEN 'cve' THEN 'cve'
    WHEN 'clearinghouse' THEN 'clearinghouse' ELSE '' END;
CREATE INDEX advisories_doc ON advisories(doc_id);

ALTER TABLE affected_packages ADD COLUMN fixed TEXT NOT NULL DEFAULT '[]';
ALTER TABLE affected_packages ADD COLUMN not_affected TEXT NOT NULL DEFAULT '[]';

ALTER TABLE vulnerabilities ADD COLUMN details TEXT NOT NULL DEFAULT '';
ALTER TABLE vulnerabilities ADD COLUMN fact_sources TEXT NOT NULL DEFAULT '{}';
