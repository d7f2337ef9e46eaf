//! The closed sets of the frontier framework's records (Sec. 3) as stored
//! and shown: an evaluation run's Inspect status and a threshold version's
//! state. The records themselves sit beside their workflows.

closed_set!(
    /// An Inspect eval log's status as the log states it. Only `success`
    /// logs are imported; the others are named in refusals.
    RunStatus {
        Started => "started",
        Success => "success",
        Cancelled => "cancelled",
        Error => "error",
    }
);

closed_set!(
    /// Where a threshold policy version is in its two-person life.
    ThresholdState {
        /// Proposed; a second designation authority has not approved it.
        Pending => "pending",
        /// The suite's threshold in force.
        Active => "active",
        /// A later version was put in force.
        Superseded => "superseded",
    }
);
