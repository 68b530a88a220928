//! Servers started as processes: a port for them, a wait for them to be ready,
//! and a guard that kills them when the test ends.

use std::net::TcpListener;
use std::ops::{Deref, DerefMut};
use std::process::Child;
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
