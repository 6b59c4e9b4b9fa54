//! A throw-away PostgreSQL for tests and benchmarks (not published).
//!
//! [`database`] gives each test its own fresh database on a cluster that this process starts once
//! (on first use) in a temporary directory: `initdb` and `pg_ctl` from the PostgreSQL server
//! binaries, listening on 127.0.0.1 on a free port, password authentication (SCRAM) over TCP.
//! Each test's database is dropped when its [`TestDb`] is dropped; the cluster is stopped and its
//! directory removed when the test process exits (a small watchdog process waits for it, so this
//! also happens after a panic or a kill).
//!
//! PostgreSQL refuses to run as root. When the process runs as root (as CI does), the server runs
//! as the `postgres` user if it exists, else as `nobody` (or as `BRAMKA_PG_USER`), through
//! `runuser`; the temporary directory is handed to that user.
//!
//! Without the binaries, [`database`] panics with a message saying how to install them: a test
//! that needs PostgreSQL fails, it never passes silently.
//!
//! Environment:
//! - `BRAMKA_PG_BIN`: the directory holding `initdb` and `pg_ctl` (default: the newest
//!   `/usr/lib/postgresql/*/bin`, else `PATH`).
//! - `BRAMKA_PG_USER`: the user to run the server as when running as root.
//!
//! ```no_run
//! let db = bramka_pgtest::database();
//! // db.url() is "postgres://bramka:…@127.0.0.1:PORT/t_…"
//! assert!(db.url().starts_with("postgres://"));
//! ```

use std::fmt;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

pub mod scale;

/// How to install the server binaries; part of every "not found" message.
pub const INSTALL_HINT: &str = "install the PostgreSQL server binaries: `apt-get install postgresql-15` \
     (Debian/Ubuntu; any version from 13 on works), `brew install postgresql@15` (macOS), or point \
     BRAMKA_PG_BIN at a directory holding initdb, pg_ctl and psql";

/// The superuser the clusters are created with.
pub const SUPERUSER: &str = "bramka";

/// Why a cluster could not be started.
#[derive(Debug)]
#[non_exhaustive]
pub enum SetupError {
    /// `initdb`/`pg_ctl` were not found.
    BinariesNotFound {
        /// Where they were looked for.
        searched: String,
    },
    /// A step failed.
    Step {
        /// What was being done.
        step: String,
        /// Its output or error.
        detail: String,
    },
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetupError::BinariesNotFound { searched } => write!(
                f,
                "PostgreSQL server binaries (initdb, pg_ctl, psql) not found (searched {searched}); \
                 the PostgreSQL tests need a real server: {INSTALL_HINT}"
            ),
            SetupError::Step { step, detail } => {
                write!(f, "could not start the test PostgreSQL cluster: {step} failed: {detail}")
            }
        }
    }
}

impl std::error::Error for SetupError {}

fn step(step: impl Into<String>, detail: impl fmt::Display) -> SetupError {
    SetupError::Step { step: step.into(), detail: detail.to_string() }
}

/// How a cluster is configured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Durability {
    /// `fsync=off`, `synchronous_commit=off`, `full_page_writes=off`: fast, for tests.
    #[default]
    Fast,
    /// PostgreSQL's defaults (every commit flushed to disk): for benchmarks.
    Durable,
    /// `synchronous_commit=off` only (commits flushed in the background, as SQLite's
    /// `synchronous=NORMAL` in WAL mode): for benchmarks.
    AsyncCommit,
}

/// A running throw-away cluster. Dropping it stops the server and removes its directory.
pub struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    run_as: Option<String>,
    port: u16,
    password: String,
    dbs: AtomicU32,
}

impl fmt::Debug for Cluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cluster")
            .field("dir", &self.dir)
            .field("port", &self.port)
            .field("run_as", &self.run_as)
            .field("password", &"***")
            .finish()
    }
}

fn find_bin() -> Result<PathBuf, SetupError> {
    find_bin_in(std::env::var_os("BRAMKA_PG_BIN"))
}

fn find_bin_in(configured: Option<std::ffi::OsString>) -> Result<PathBuf, SetupError> {
    let has = |d: &Path| ["initdb", "pg_ctl", "psql"].iter().all(|b| d.join(b).is_file());
    if let Some(d) = configured {
        let d = PathBuf::from(d);
        return if has(&d) {
            Ok(d)
        } else {
            Err(SetupError::BinariesNotFound { searched: format!("BRAMKA_PG_BIN={}", d.display()) })
        };
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, d)| has(d))
        .collect();
    versions.sort();
    if let Some((_, d)) = versions.pop() {
        return Ok(d);
    }
    for d in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
        if has(&d) {
            return Ok(d);
        }
    }
    Err(SetupError::BinariesNotFound { searched: "BRAMKA_PG_BIN, /usr/lib/postgresql/*/bin and PATH".into() })
}

fn output(cmd: &mut Command, what: &str) -> Result<String, SetupError> {
    let out = cmd.stdin(Stdio::null()).output().map_err(|e| step(what, e))?;
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    if out.status.success() { Ok(text) } else { Err(step(what, format!("{}: {}", out.status, text.trim()))) }
}

fn id(args: &[&str]) -> Result<u32, SetupError> {
    let s = output(Command::new("id").args(args), "id")?;
    s.trim().parse().map_err(|e| step("id", format!("{s:?}: {e}")))
}

/// The user to run the server as when we are root: `BRAMKA_PG_USER`, `postgres`, `nobody`.
fn server_user() -> Result<Option<(String, u32, u32)>, SetupError> {
    if id(&["-u"])? != 0 {
        return Ok(None);
    }
    let candidates: Vec<String> = match std::env::var("BRAMKA_PG_USER") {
        Ok(u) => vec![u],
        Err(_) => vec!["postgres".into(), "nobody".into()],
    };
    for u in &candidates {
        if let (Ok(uid), Ok(gid)) = (id(&["-u", u]), id(&["-g", u]))
            && uid != 0
        {
            return Ok(Some((u.clone(), uid, gid)));
        }
    }
    Err(step(
        "choosing a non-root user for the server (PostgreSQL refuses to run as root)",
        format!("none of {candidates:?} exists; create one (`useradd -r postgres`) or set BRAMKA_PG_USER"),
    ))
}

/// The temporary directory, or `/tmp` when the server runs as another user who could not reach
/// it (a `TMPDIR` inside root's home, say).
fn base_dir(other_user: bool) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let tmp = std::env::temp_dir();
    let reachable = tmp
        .ancestors()
        .all(|d| std::fs::metadata(d).map(|m| m.permissions().mode() & 0o001 != 0).unwrap_or(false));
    if other_user && !reachable { PathBuf::from("/tmp") } else { tmp }
}

fn free_port() -> Result<u16, SetupError> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| step("finding a free port", e))?;
    l.local_addr().map(|a| a.port()).map_err(|e| step("finding a free port", e))
}

fn unique() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{}_{}_{nanos}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

impl Cluster {
    /// Initialises and starts a new cluster; the directory is removed and the server stopped when
    /// the returned value is dropped or, at the latest, when this process exits.
    pub fn start(durability: Durability) -> Result<Cluster, SetupError> {
        let bin = find_bin()?;
        let user = server_user()?;
        let dir = base_dir(user.is_some()).join(format!("bramka-pgtest-{}", unique()));
        std::fs::create_dir_all(&dir).map_err(|e| step(format!("creating {}", dir.display()), e))?;
        let mut c = Cluster {
            dir,
            bin,
            run_as: user.as_ref().map(|u| u.0.clone()),
            port: 0,
            password: format!("pw{}", unique()),
            dbs: AtomicU32::new(0),
        };
        if let Some((_, uid, gid)) = user {
            std::os::unix::fs::chown(&c.dir, Some(uid), Some(gid))
                .map_err(|e| step(format!("handing {} to the server user", c.dir.display()), e))?;
        }
        c.spawn_watchdog()?;
        let pwfile = c.dir.join("pw");
        std::fs::write(&pwfile, &c.password).map_err(|e| step("writing the password file", e))?;
        if let Some((_, uid, gid)) = user {
            std::os::unix::fs::chown(&pwfile, Some(uid), Some(gid)).map_err(|e| step("chown pwfile", e))?;
        }
        let data = c.dir.join("data");
        output(
            c.as_server_user("initdb")
                .arg("-D")
                .arg(&data)
                .args(["-U", SUPERUSER, "-E", "UTF8", "--locale=C", "--no-sync"])
                .args(["--auth-local=trust", "--auth-host=scram-sha-256"])
                .arg(format!("--pwfile={}", pwfile.display())),
            "initdb",
        )?;
        let _ = std::fs::remove_file(&pwfile);
        let settings = match durability {
            Durability::Fast => "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            Durability::Durable => "",
            Durability::AsyncCommit => "-c synchronous_commit=off",
        };
        let mut last = None;
        for _ in 0..5 {
            let port = free_port()?;
            let opts = format!(
                "-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={} -c max_connections=200 \
                 -c shared_buffers=64MB {settings}",
                c.dir.display()
            );
            let r = output(
                c.as_server_user("pg_ctl")
                    .arg("-D")
                    .arg(&data)
                    .arg("-l")
                    .arg(c.dir.join("log"))
                    .args(["-w", "-t", "60", "-o", &opts, "start"]),
                "pg_ctl start",
            );
            match r {
                Ok(_) => {
                    c.port = port;
                    return Ok(c);
                }
                Err(e) => {
                    let log = std::fs::read_to_string(c.dir.join("log")).unwrap_or_default();
                    last = Some(step("pg_ctl start", format!("{e}; server log: {}", log.trim())));
                    if !log.contains("could not bind") && !log.contains("Address already in use") {
                        break;
                    }
                }
            }
        }
        Err(last.unwrap_or_else(|| step("pg_ctl start", "no attempt")))
    }

    fn as_server_user(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        match &self.run_as {
            Some(u) => {
                let mut c = Command::new("runuser");
                c.args(["-u", u, "--"]).arg(path);
                c
            }
            None => Command::new(path),
        }
    }

    /// A shell process that waits for this process to end, then stops the server and removes the
    /// directory (statics are never dropped, and a test process may be killed).
    fn spawn_watchdog(&self) -> Result<(), SetupError> {
        let stop = self.stop_command();
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.3; done; {stop} >/dev/null 2>&1; rm -rf '{dir}'",
            pid = std::process::id(),
            dir = self.dir.display(),
        );
        Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map(drop)
            .map_err(|e| step("starting the cleanup watchdog", e))
    }

    fn stop_command(&self) -> String {
        let pg_ctl = self.bin.join("pg_ctl");
        let data = self.dir.join("data");
        let base = format!("'{}' -D '{}' -m immediate -w stop", pg_ctl.display(), data.display());
        match &self.run_as {
            Some(u) => format!("[ -d '{}' ] && runuser -u {u} -- {base}", data.display()),
            None => format!("[ -d '{}' ] && {base}", data.display()),
        }
    }

    /// The server's process ids (the postmaster and its current children), to measure the CPU time
    /// the server spends (Linux: from `/proc`).
    pub fn server_pids(&self) -> Vec<u32> {
        let Some(main) = std::fs::read_to_string(self.dir.join("data/postmaster.pid"))
            .ok()
            .and_then(|s| s.lines().next()?.trim().parse::<u32>().ok())
        else {
            return Vec::new();
        };
        let mut pids = vec![main];
        for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
            let parent = std::fs::read_to_string(e.path().join("stat"))
                .ok()
                .and_then(|s| s.rsplit_once(')')?.1.split_whitespace().nth(1)?.parse::<u32>().ok());
            if parent == Some(main) {
                pids.push(pid);
            }
        }
        pids
    }

    /// The TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A `postgres://` URL (with the superuser's password) for database `db`.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://{SUPERUSER}:{}@127.0.0.1:{}/{db}?sslmode=disable", self.password, self.port)
    }

    /// The server's log so far (to attach to a failure).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
    }

    /// A `psql` command running `sql` on database `db` as the superuser (for tests that need to
    /// change something behind the code's back).
    pub fn psql_command(&self, db: &str, sql: &str) -> Command {
        let mut c = Command::new(self.bin.join("psql"));
        c.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &self.url(db), "-c", sql]).stdin(Stdio::null());
        c
    }

    fn psql(&self, sql: &str) -> Result<(), SetupError> {
        output(
            Command::new(self.bin.join("psql")).args([
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                &self.url("postgres"),
                "-c",
                sql,
            ]),
            "psql",
        )
        .map(drop)
    }

    /// Creates a fresh, empty database on this cluster, dropped when the value is dropped.
    pub fn create_database(&self) -> Result<TestDb<'_>, SetupError> {
        let name = format!("t_{}_{}", std::process::id(), self.dbs.fetch_add(1, Ordering::Relaxed));
        // FILE_COPY: one quick copy of the small template instead of WAL-logging every block.
        self.psql(&format!("CREATE DATABASE {name} STRATEGY FILE_COPY"))?;
        Ok(TestDb { cluster: self, url: self.url(&name), name })
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new("sh")
            .args(["-c", &self.stop_command()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One test's database; dropped (with its connections) when this value is dropped.
pub struct TestDb<'a> {
    cluster: &'a Cluster,
    name: String,
    url: String,
}

impl fmt::Debug for TestDb<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestDb").field("name", &self.name).field("port", &self.cluster.port).finish()
    }
}

impl<'a> TestDb<'a> {
    /// The database's `postgres://` URL, password included.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The cluster's password (to check that it is never printed).
    pub fn password(&self) -> &str {
        &self.cluster.password
    }

    /// The cluster it lives on.
    pub fn cluster(&self) -> &'a Cluster {
        self.cluster
    }
}

impl Drop for TestDb<'_> {
    fn drop(&mut self) {
        let _ = self.cluster.psql(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
    }
}

/// The cluster shared by all tests of this process, started on first use.
pub fn shared() -> Result<&'static Cluster, &'static SetupError> {
    static CLUSTER: OnceLock<Result<Cluster, SetupError>> = OnceLock::new();
    CLUSTER.get_or_init(|| Cluster::start(Durability::Fast)).as_ref()
}

/// A fresh database on the shared cluster.
///
/// # Panics
/// When PostgreSQL cannot be started (binaries missing: the message says how to install them), so
/// that a test needing PostgreSQL fails instead of passing silently.
pub fn database() -> TestDb<'static> {
    let cluster = shared().unwrap_or_else(|e| panic!("{e}"));
    cluster.create_database().unwrap_or_else(|e| panic!("{e}; server log:\n{}", cluster.log()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_binaries_say_how_to_install() {
        let e = SetupError::BinariesNotFound { searched: "X".into() };
        let s = e.to_string();
        assert!(s.contains("apt-get install postgresql-15"), "{s}");
        assert!(s.contains("BRAMKA_PG_BIN"), "{s}");
        let e = find_bin_in(Some("/nonexistent/pg/bin".into())).unwrap_err();
        assert!(
            matches!(&e, SetupError::BinariesNotFound { searched } if searched.contains("/nonexistent/pg/bin"))
        );
        assert!(e.to_string().contains("apt-get install postgresql-15"), "{e}");
    }

    #[test]
    fn a_database_accepts_connections_and_is_dropped_afterwards() {
        let db = database();
        let url = db.url().to_owned();
        let name = db.name().to_owned();
        let cluster = db.cluster();
        let list = || {
            output(
                Command::new(cluster.bin.join("psql"))
                    .args(["-X", "-A", "-t", "-d", &cluster.url("postgres")])
                    .args(["-c", "SELECT datname FROM pg_database ORDER BY 1"]),
                "psql",
            )
            .unwrap()
        };
        let out = output(
            Command::new(cluster.bin.join("psql")).args(["-X", "-A", "-t", "-d", &url, "-c", "SELECT 40+2"]),
            "psql",
        )
        .unwrap();
        assert_eq!(out.trim(), "42");
        assert!(list().lines().any(|l| l == name));
        drop(db);
        assert!(!list().lines().any(|l| l == name), "dropped");
        // A wrong password is refused: the server really checks it.
        let bad = url.replace(&cluster.password, "wrong");
        let err =
            output(Command::new(cluster.bin.join("psql")).args(["-X", "-d", &bad, "-c", "SELECT 1"]), "psql")
                .unwrap_err();
        assert!(err.to_string().contains("password authentication failed"), "{err}");
    }

    #[test]
    fn an_own_cluster_is_removed_when_dropped() {
        let c = Cluster::start(Durability::Durable).unwrap_or_else(|e| panic!("{e}"));
        let dir = c.dir.clone();
        assert!(dir.join("data/PG_VERSION").exists());
        let port = c.port();
        drop(c);
        assert!(!dir.exists());
        assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "server stopped");
    }
}
