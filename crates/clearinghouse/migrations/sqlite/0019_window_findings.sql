-- Findings from an access window (issue 13 item 8): a submission filed by
-- a grantee names the window its findings were found in; the submission
-- and its findings are shared (`record_shares`) with the window's
-- participants, and the window lists them.
-- Identical in ../sqlite/0019_window_findings.sql and ../postgres/.
ALTER TABLE submissions ADD COLUMN window_id TEXT REFERENCES frontier_windows(id);
CREATE INDEX submissions_window ON submissions(window_id, id);
