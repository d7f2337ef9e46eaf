-- Agent tokens made for one scan campaign (issue 14): such an agent
-- submits findings only to that campaign, reads only it, and stops
-- working when the campaign stops or its window ends. NULL for every
-- other token.
-- Identical in ../sqlite/0022_campaign_agents.sql.

ALTER TABLE api_tokens ADD COLUMN campaign_id TEXT REFERENCES scan_campaigns(id);
CREATE INDEX api_tokens_campaign ON api_tokens (campaign_id);
