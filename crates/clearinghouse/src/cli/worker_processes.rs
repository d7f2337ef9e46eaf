//! The `clearinghouse worker` processes a benchmark's `--workers N` starts
//! beside its own, on the same database and artifact folder
//! (`bench findings`, `bench matching`).

use std::path::Path;

use anyhow::Context;

/// The `clearinghouse worker` processes beside this one, killed on drop.
pub(crate) struct WorkerProcesses(Vec<std::process::Child>);

impl WorkerProcesses {
    /// `count` processes on the data folder (and `url`, when the database
    /// is not the folder's SQLite file), with the environment `env`.
    pub(crate) fn start(
        count: usize,
        data_dir: &Path,
        url: Option<&str>,
        env: &[(&str, String)],
    ) -> anyhow::Result<Self> {
        let exe = std::env::current_exe().context("finding this program")?;
        let mut children = WorkerProcesses(Vec::new());
        for i in 1..=count {
            let mut command = std::process::Command::new(&exe);
            command
                .envs(env.iter().map(|(k, v)| (k, v)))
                .arg("worker")
                .arg("--data-dir")
                .arg(data_dir);
            if let Some(url) = url {
                command.args(["--database-url", url]);
            }
            let child = command
                .args(["--db-connections", "4"])
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
    pub(crate) fn peak_kib(&self) -> u64 {
        self.0
            .iter()
            .filter_map(|c| std::fs::read_to_string(format!("/proc/{}/status", c.id())).ok())
            .filter_map(|status| crate::cli::bench_matching::status_kib(&status, "VmHWM:"))
            .max()
            .unwrap_or(0)
    }

    pub(crate) fn stop(&mut self) {
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
