//! The server under test runs as its own process, so its resident memory is
//! its own and not the load generator's. By default that process is this very
//! binary re-executed as `tally-bench serve …`, which builds the server exactly
//! as `tally serve` does (`Application::build` with the same settings and log
//! filter); `--server-bin target/release/tally` runs the `tally` binary instead.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tokio::process::{Child, Command};

pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    pid: u32,
    /// Peak RSS seen by the sampler since the last `take_peak_rss`, in KiB.
    peak_kib: Arc<AtomicU64>,
    sampler: tokio::task::JoinHandle<()>,
    /// The server's log: one line per request, so a full run writes hundreds
    /// of MiB. Removed after a clean stop unless asked to keep it.
    log: PathBuf,
    keep_log: bool,
}

pub struct ServerOptions<'a> {
    pub bin: &'a Path,
    pub database_url: &'a str,
    pub pg_max_connections: u32,
    pub maintenance_interval_secs: u64,
    /// Where the server's log goes.
    pub log: PathBuf,
    pub keep_log: bool,
}

impl Server {
    pub async fn start(options: ServerOptions<'_>) -> anyhow::Result<Self> {
        let addr = free_port()?;
        let log = std::fs::File::create(&options.log)
            .with_context(|| format!("creating the server log {}", options.log.display()))?;
        let child = Command::new(options.bin)
            .arg("serve")
            .arg("--database-url")
            .arg(options.database_url)
            .arg("--listen")
            .arg(addr.to_string())
            .arg("--pg-max-connections")
            .arg(options.pg_max_connections.to_string())
            .arg("--maintenance-interval-secs")
            .arg(options.maintenance_interval_secs.to_string())
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", options.bin.display()))?;
        let pid = child.id().context("the server exited at once")?;
        let peak_kib = Arc::new(AtomicU64::new(0));
        let sampler = tokio::spawn(sample_rss(pid, peak_kib.clone()));
        let mut server =
            Self { child, addr, pid, peak_kib, sampler, log: options.log.clone(), keep_log: options.keep_log };
        server.wait_ready(&options.log).await?;
        Ok(server)
    }

    async fn wait_ready(&mut self, log: &Path) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait()? {
                let tail = std::fs::read_to_string(log).unwrap_or_default();
                bail!("the server exited with {status} before it was ready:\n{tail}");
            }
            if tokio::net::TcpStream::connect(self.addr).await.is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("the server did not listen on {} within 30 s", self.addr);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The highest resident set size sampled since the last call, in MiB, and resets it.
    pub fn take_peak_rss_mib(&self) -> Option<f64> {
        // One fresh sample, so a short run still has one.
        if let Some(kib) = read_status_kib(self.pid, "VmRSS:") {
            self.peak_kib.fetch_max(kib, Ordering::Relaxed);
        }
        let kib = self.peak_kib.swap(0, Ordering::Relaxed);
        (kib > 0).then(|| kib as f64 / 1024.0)
    }

    /// The kernel's high-water mark of the process's resident set, in MiB.
    pub fn high_water_mib(&self) -> Option<f64> {
        read_status_kib(self.pid, "VmHWM:").map(|kib| kib as f64 / 1024.0)
    }

    pub async fn stop(mut self) -> anyhow::Result<()> {
        self.sampler.abort();
        // SIGTERM first: the server shuts down gracefully on it.
        let _ = Command::new("kill").arg("-TERM").arg(self.pid.to_string()).status().await;
        match tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await {
            Ok(status) => {
                status?;
            }
            Err(_) => self.child.kill().await?,
        }
        if !self.keep_log {
            let _ = std::fs::remove_file(&self.log);
        }
        Ok(())
    }
}

/// A port nothing listens on now. Another process could take it before the
/// server binds it; on a benchmark machine that is not a real risk.
fn free_port() -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?)
}

async fn sample_rss(pid: u32, peak: Arc<AtomicU64>) {
    let mut ticker = tokio::time::interval(Duration::from_millis(100));
    loop {
        ticker.tick().await;
        match read_status_kib(pid, "VmRSS:") {
            Some(kib) => {
                peak.fetch_max(kib, Ordering::Relaxed);
            }
            None => return,
        }
    }
}

/// A `kB` line of `/proc/<pid>/status`.
fn read_status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line[field.len()..].trim().trim_end_matches("kB").trim().parse().ok()
}
