//! The system under test, all of it private to the run: a PostgreSQL cluster
//! in a temporary directory, processes killed when dropped, and the `tally`
//! nodes. Shared by the chaos run and the tests that start a cluster of their
//! own (`tests/webhooks.rs`).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{Context, bail};
use tokio::process::{Child, Command};

pub fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// `pg_ctl`, `initdb`: from `pg_config --bindir`, else the newest /usr/lib/postgresql/*/bin.
pub fn pg_bindir() -> anyhow::Result<PathBuf> {
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

pub fn is_root() -> bool {
    std::process::Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A PostgreSQL cluster of our own, in a temporary directory, on a free port.
pub struct Postgres {
    pub bindir: PathBuf,
    pub data: PathBuf,
    pub port: u16,
    pub as_postgres: bool,
    pub running: bool,
}

impl Postgres {
    pub fn command(&self, program: &str) -> std::process::Command {
        let binary = self.bindir.join(program);
        if self.as_postgres {
            let mut command = std::process::Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(binary);
            command
        } else {
            std::process::Command::new(binary)
        }
    }

    pub fn run(&self, program: &str, args: &[&str]) -> anyhow::Result<()> {
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

    pub fn init(dir: &Path) -> anyhow::Result<Postgres> {
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

    pub fn start(&mut self) -> anyhow::Result<()> {
        let data = self.data.to_string_lossy().into_owned();
        let options = format!("-p {} -k {data} -c listen_addresses=127.0.0.1 -c fsync=on", self.port);
        let log = format!("{data}/log");
        self.run("pg_ctl", &["-D", &data, "-o", &options, "-l", &log, "start", "-w"])?;
        self.running = true;
        Ok(())
    }

    pub fn restart(&mut self) -> anyhow::Result<()> {
        let data = self.data.to_string_lossy().into_owned();
        let log = format!("{data}/log");
        self.run("pg_ctl", &["-D", &data, "-l", &log, "restart", "-m", "fast", "-w"])
    }

    pub fn stop(&mut self) {
        if self.running {
            let data = self.data.to_string_lossy().into_owned();
            let _ = self.run("pg_ctl", &["-D", &data, "stop", "-m", "immediate", "-w"]);
            self.running = false;
        }
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A child process killed (SIGKILL) and reaped when dropped.
pub struct Guarded(pub Option<Child>);

impl Guarded {
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill().await;
        }
    }

    pub fn pid(&self) -> Option<u32> {
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

pub struct Node {
    pub index: usize,
    pub port: u16,
    pub process: Guarded,
    pub log: PathBuf,
}

impl Node {
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Starts `tally serve` on the node's port, with `args` (`--redis-url …`,
    /// webhook settings) after the common ones.
    pub fn spawn(&mut self, tally: &Path, database_url: &str, args: &[&str]) -> anyhow::Result<()> {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log)?;
        let child = Command::new(tally)
            .args(["serve", "--listen", &format!("127.0.0.1:{}", self.port)])
            .args(["--database-url", database_url])
            .args(["--shutdown-delay-secs", "0"])
            .args(args)
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

/// The `tally` binary next to `exe`: cargo builds every binary of the
/// workspace into the same `target/<profile>/`, and `cargo install` puts them
/// in one bin directory. Never looked up on PATH, so a run never tests some
/// other installed version by accident.
pub fn tally_beside(exe: &Path) -> anyhow::Result<PathBuf> {
    let beside = exe.with_file_name(format!("tally{}", std::env::consts::EXE_SUFFIX));
    anyhow::ensure!(
        beside.is_file(),
        "no tally binary next to {} (build it: `cargo build -p tally`), or pass --tally / TALLY_BIN",
        exe.display()
    );
    Ok(beside)
}

pub fn cli(tally: &Path, args: &[&str], database_url: &str) -> anyhow::Result<String> {
    let output = std::process::Command::new(tally).args(args).args(["--database-url", database_url]).output()?;
    if !output.status.success() {
        bail!("tally {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    }
    Ok(String::from_utf8(output.stdout)?.trim().to_owned())
}
