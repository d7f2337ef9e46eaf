-- A large submission is split into chunks that several workers commit at
-- once. The worker reading the file sets, when it has read all of it, how
-- many batches the submission has in all and the document error it met
-- (kept for whichever worker commits the last batch and ends it).
ALTER TABLE submissions ADD COLUMN total_batches BIGINT;
ALTER TABLE submissions ADD COLUMN parse_error TEXT;
