-- Before this migration, removing an organisation from a case (or its
-- leaving) kept the record_shares row its invitation added: the case stayed
-- in that organisation's list and it could not be invited again. The
-- removal now deletes both; this deletes the rows left behind earlier.
-- Identical in ../sqlite/0036_case_shares_withdrawn.sql.

DELETE FROM record_shares
WHERE record_id IN (SELECT id FROM cases)
  AND NOT EXISTS (
    SELECT 1 FROM case_participants cp
    WHERE cp.case_id = record_shares.record_id AND cp.org_id = record_shares.org_id
  );
