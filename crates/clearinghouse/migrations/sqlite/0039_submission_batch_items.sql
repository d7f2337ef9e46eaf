-- Items a submission commits per transaction (its batches), fixed when the
-- submission is created (`--batch-findings`), so that a submission resumed
-- by a process with another setting keeps its batch numbers and sequence
-- numbers. Every submission made before this migration was processed, or
-- will be resumed, in batches of 2,000.
ALTER TABLE submissions ADD COLUMN batch_items BIGINT NOT NULL DEFAULT 2000;
