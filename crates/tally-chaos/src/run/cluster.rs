//! The system under test, all of it private to the run: a PostgreSQL cluster
//! in a temporary directory, processes killed when dropped, and the `tally`
//! nodes.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{Context, bail};
use tokio::process::{Child, Command};

pub(super) fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// `pg_ctl`, `initdb`: from `pg_config --bindir`, else the newest /usr/lib/postgresql/*/bin.
pub(super) fn pg_bindir() -> anyhow::Result<PathBuf> {
    let mut candidates = Vec::new();
    if let Ok(out) = std::process::Command::new("pg_config").arg("--bindir").output() {
        candidates.push(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    }
    if let Ok(dirs) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut versions: Vec<PathBuf> = dirs.filter_map(|d| d.ok()).map(|d| d.path().join("bin")).collect();
        versions.sort();
        candidates.extend(versions.into_iter().rev());
    }
    candidates
        .into_iter()
        .find(|dir| dir.join("initdb").exists() && dir.join("pg_ctl").exists())
        .context("no PostgreSQL server binaries (initdb, pg_ctl) found")
}

pub(super) fn is_root() -> bool {
    std::process::Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A PostgreSQL cluster of our own, in a temporary directory, on a free port.
pub(super) struct Postgres {
    pub(super) bindir: PathBuf,
    pub(super) data: PathBuf,
    pub(super) port: u16,
    pub(super) as_postgres: bool,
    pub(super) running: bool,
}

impl Postgres {
    pub(super) fn command(&self, program: &str) -> std::process::Command {
        let binary = self.bindir.join(program);
        if self.as_postgres {
            let mut command = std::process::Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(binary);
            command
        } else {
            std::process::Command::new(binary)
        }
    }

    pub(super) fn run(&self, program: &str, args: &[&str]) -> anyhow::Result<()> {
        // The server pg_ctl starts must not inherit our pipes (output() would
        // wait for it to exit): its output goes to the -l log file.
        let output = self.command(program).args(args).stdin(Stdio::null()).output()?;
        if !output.status.success() {
            bail!(
                "{program} {args:?} failed: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(())
    }

    pub(super) fn init(dir: &Path) -> anyhow::Result<Postgres> {
        let bindir = pg_bindir()?;
        let data = dir.join("pg");
        std::fs::create_dir_all(&data)?;
        let as_postgres = is_root();
        if as_postgres {
            // initdb refuses to run as root: the cluster belongs to `postgres`.
            let status = std::process::Command::new("chown").arg("postgres:").arg(&data).status()?;
            anyhow::ensure!(status.success(), "chown postgres {}", data.display());
        }
        let pg = Postgres { bindir, data, port: free_port()?, as_postgres, running: false };
        let data = pg.data.to_string_lossy().into_owned();
        pg.run("initdb", &["-D", &data, "-A", "trust", "-U", "postgres", "--no-sync"])?;
        Ok(pg)
    }

    pub(super) fn start(&mut self) -> anyhow::Result<()> {
        let data = self.data.to_string_lossy().into_owned();
        let options = format!("-p {} -k {data} -c listen_addresses=127.0.0.1 -c fsync=on", self.port);
        let log = format!("{data}/log");
        self.run("pg_ctl", &["-D", &data, "-o", &options, "-l", &log, "start", "-w"])?;
        self.running = true;
        Ok(())
    }

    pub(super) fn restart(&mut self) -> anyhow::Result<()> {
        let data = self.data.to_string_lossy().into_owned();
        let log = format!("{data}/log");
        self.run("pg_ctl", &["-D", &data, "-l", &log, "restart", "-m", "fast", "-w"])
    }

    pub(super) fn stop(&mut self) {
        if self.running {
            let data = self.data.to_string_lossy().into_owned();
            let _ = self.run("pg_ctl", &["-D", &data, "stop", "-m", "immediate", "-w"]);
            self.running = false;
        }
    }

    pub(super) fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A child process killed (SIGKILL) and reaped when dropped.
pub(super) struct Guarded(pub(super) Option<Child>);

impl Guarded {
    pub(super) async fn kill(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill().await;
        }
    }

    pub(super) fn pid(&self) -> Option<u32> {
        self.0.as_ref().and_then(Child::id)
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            let _ = child.start_kill();
        }
    }
}

pub(super) struct Node {
    pub(super) index: usize,
    pub(super) port: u16,
    pub(super) process: Guarded,
    pub(super) log: PathBuf,
}

impl Node {
    pub(super) fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub(super) fn spawn(&mut self, tally: &Path, database_url: &str, redis_url: &str) -> anyhow::Result<()> {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log)?;
        let child = Command::new(tally)
            .args(["serve", "--listen", &format!("127.0.0.1:{}", self.port)])
            .args(["--database-url", database_url, "--redis-url", redis_url])
            .args(["--shutdown-delay-secs", "0", "--pg-max-connections", "8"])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting node {}", self.index))?;
        self.process = Guarded(Some(child));
        Ok(())
    }
}

pub(super) fn cli(tally: &Path, args: &[&str], database_url: &str) -> anyhow::Result<String> {
    let output = std::process::Command::new(tally).args(args).args(["--database-url", database_url]).output()?;
    if !output.status.success() {
        bail!("tally {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    }
    Ok(String::from_utf8(output.stdout)?.trim().to_owned())
}
