//! The `clearinghouse worker` processes `bench findings --workers N`
//! starts beside its own, on the same database and artifact folder.

use std::path::Path;

use anyhow::Context;

use super::BenchFindingsArgs;

/// The `clearinghouse worker` processes beside this one, killed on drop.
pub(super) struct WorkerProcesses(Vec<std::process::Child>);

impl WorkerProcesses {
    /// `--workers` - 1 processes, with `--chunk-findings` (any worker may
    /// be the one reading the file).
    pub(super) fn start(
        args: &BenchFindingsArgs,
        data_dir: &Path,
        url: &str,
    ) -> anyhow::Result<Self> {
        let exe = std::env::current_exe().context("finding this program")?;
        let mut children = WorkerProcesses(Vec::new());
        for i in 1..args.workers {
            let mut command = std::process::Command::new(&exe);
            if let Some(n) = args.chunk_findings {
                command.env("CLEARINGHOUSE_CHUNK_FINDINGS", n.to_string());
            }
            let child = command
                .arg("worker")
                .arg("--data-dir")
                .arg(data_dir)
                .args(["--database-url", url, "--db-connections", "4"])
                .args(["--worker-id", &format!("bench-worker-{i}")])
                .env("CLEARINGHOUSE_LOG", "warn")
                .stdout(std::process::Stdio::null())
                .spawn()
                .context("starting a worker process")?;
            children.0.push(child);
        }
        Ok(children)
    }

    /// The largest peak resident set of the processes (KiB).
    pub(super) fn peak_kib(&self) -> u64 {
        self.0
            .iter()
            .filter_map(|c| std::fs::read_to_string(format!("/proc/{}/status", c.id())).ok())
            .filter_map(|status| crate::cli::bench_matching::status_kib(&status, "VmHWM:"))
            .max()
            .unwrap_or(0)
    }

    pub(super) fn stop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.0.clear();
    }
}

impl Drop for WorkerProcesses {
    fn drop(&mut self) {
        self.stop();
    }
}
