//! The job queue's closed set of states (`jobs.state`).

closed_set!(
    /// Where a queued job is.
    JobState {
        /// Waiting for its `run_at` (perhaps retrying after an error).
        Queued => "queued",
        /// Claimed by a worker, under a lease.
        Running => "running",
        Done => "done",
        /// Out of attempts, or refused for good.
        Failed => "failed",
    }
);
