//! Servers started as processes: a port for them, a wait for them to be ready,
//! and a guard that kills them when the test ends.

use std::fs::File;
use std::net::TcpListener;
use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A loopback port free right now. Another process may take it before the
/// caller binds it; for tests that start a server on it, that race is rare
/// enough to accept, and a server that binds port 0 itself needs no port.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Polls `{base}/readyz` until it answers 2xx; false if it does not within `within`.
pub async fn wait_until_ready(base: &str, within: Duration) -> bool {
    let http = reqwest::Client::new();
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        let answer = http.get(format!("{base}/readyz")).timeout(Duration::from_secs(2)).send().await;
        if answer.is_ok_and(|r| r.status().is_success()) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// A child process killed (SIGKILL) and reaped when dropped, so a test that
/// fails half-way leaves no server behind. Derefs to the [`Child`], for
/// `id()`, `try_wait()` and the rest.
#[derive(Debug)]
pub struct ProcessGuard(Child);

impl ProcessGuard {
    pub fn new(child: Child) -> Self {
        ProcessGuard(child)
    }
}

impl From<Child> for ProcessGuard {
    fn from(child: Child) -> Self {
        ProcessGuard(child)
    }
}

impl Deref for ProcessGuard {
    type Target = Child;

    fn deref(&self) -> &Child {
        &self.0
    }
}

impl DerefMut for ProcessGuard {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for ProcessGuard {
    fn drop(&mut self) {
        // Either may fail because the process is gone already, which is the goal.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A `tally serve` process on a free port, its stderr (its logs) in a file of
/// its own; killed when dropped. Ready (`/readyz` answers) once `start` returns.
pub struct ServeProcess {
    pub child: ProcessGuard,
    pub port: u16,
    /// `http://127.0.0.1:{port}`.
    pub base: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl ServeProcess {
    /// Runs `{tally} serve` on `database_url` with `extra` arguments, logging
    /// `info` (and sqlx's notices of the database server, at `warn`).
    pub async fn start(tally: &str, database_url: &str, extra: &[&str]) -> ServeProcess {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("stderr.log");
        let port = free_port();
        let child = Command::new(tally)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(extra)
            .env("TALLY_DATABASE_URL", database_url)
            .env_remove("TALLY_REDIS_URL")
            .env("RUST_LOG", "info,sqlx=warn")
            .stdout(Stdio::null())
            .stderr(File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let server = ServeProcess { child: child.into(), port, base, log, _dir: dir };
        let ready = wait_until_ready(&server.base, Duration::from_secs(10)).await;
        assert!(ready, "tally serve did not become ready on {}: {}", server.base, server.logs());
        server
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Everything the process has logged so far.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use super::*;

    #[test]
    fn a_guarded_process_is_killed_and_reaped_when_dropped() {
        let guard = ProcessGuard::new(Command::new("sleep").arg("30").spawn().unwrap());
        let pid = guard.id();
        assert!(std::path::Path::new(&format!("/proc/{pid}")).exists());
        drop(guard);
        assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists(), "process {pid} outlived its guard");
    }

    #[test]
    fn a_free_port_can_be_bound() {
        TcpListener::bind(("127.0.0.1", free_port())).unwrap();
    }
}
