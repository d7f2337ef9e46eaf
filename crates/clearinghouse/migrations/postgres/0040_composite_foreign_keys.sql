-- One foreign key where a bulk row carried several that its parent row
-- already implies. PostgreSQL checks each foreign key of each inserted row
-- with a trigger running its own query, and in a bulk write those checks
-- cost more than the rows: 130,000 finding rows took 3.2 s with the four
-- keys below and 1.8-2.2 s with the one that replaces them.
--
-- A finding's reporter, reporting user and label are its submission's
-- (`workflows::findings::record`), a sighting's organisation is its
-- submission's, and an exposure's organisation is its asset's. Each row now
-- references its parent by all of those columns at once, so the database
-- checks that they agree, which the separate keys never did; the parent's
-- own keys still check the organisation, user and label exist.
--
-- SQLite (../sqlite/0040_composite_foreign_keys.sql) keeps its separate
-- keys: there each check is one probe of a small index, measured at no
-- difference, and changing a constraint would rebuild the tables.

ALTER TABLE submissions ADD CONSTRAINT submissions_finding_parent
    UNIQUE (id, org_id, submitted_by, visibility_id);
ALTER TABLE findings
    DROP CONSTRAINT findings_reporter_org_fkey,
    DROP CONSTRAINT findings_reported_by_fkey,
    DROP CONSTRAINT findings_submission_id_fkey,
    DROP CONSTRAINT findings_visibility_id_fkey,
    ADD CONSTRAINT findings_submission_fkey
        FOREIGN KEY (submission_id, reporter_org, reported_by, visibility_id)
        REFERENCES submissions (id, org_id, submitted_by, visibility_id);

ALTER TABLE submissions ADD CONSTRAINT submissions_org_parent UNIQUE (id, org_id);
ALTER TABLE finding_sightings
    DROP CONSTRAINT finding_sightings_org_id_fkey,
    DROP CONSTRAINT finding_sightings_submission_id_fkey,
    ADD CONSTRAINT finding_sightings_submission_fkey
        FOREIGN KEY (submission_id, org_id) REFERENCES submissions (id, org_id);

ALTER TABLE assets ADD CONSTRAINT assets_org_parent UNIQUE (id, org_id);
ALTER TABLE exposures
    DROP CONSTRAINT exposures_org_id_fkey,
    DROP CONSTRAINT exposures_asset_id_fkey,
    ADD CONSTRAINT exposures_asset_fkey
        FOREIGN KEY (asset_id, org_id) REFERENCES assets (id, org_id);
