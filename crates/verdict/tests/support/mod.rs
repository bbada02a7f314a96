//! Shared helpers for the integration tests that run the real `verdict`
//! binary: running a Python program through `verdict run --json`, checking the
//! shape of the report, deciding whether this host can run a test at all,
//! listening on the host's loopback, and looking at the host (processes,
//! cgroups, mounts, temp dirs) for anything a sandbox left behind.

#![allow(dead_code)] // each test crate uses a different subset

pub mod server;

use std::collections::BTreeSet;
use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, UdpSocket};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// The interpreter every test program runs under (it is inside `/usr`, which
/// the sandbox shows read-only).
pub const PYTHON: &str = "/usr/bin/python3";

/// The first host uid a sandbox maps its users to; every process at or above
/// it belongs to some sandbox.
pub const SANDBOX_UID_BASE: u32 = 1_000_000;

/// How long a process of a finished run may take to disappear from `/proc`
/// (the kernel tears a PID namespace down asynchronously).
pub const REAP_GRACE: Duration = Duration::from_secs(5);

/// Statuses `verdict run --json` may report.
pub const STATUSES: &[&str] = &[
    "ok",
    "runtime_error",
    "time_limit",
    "memory_limit",
    "output_limit",
    "compile_error",
    "sandbox_error",
];

/// The benchmark data the tests read: `$VERDICT_DATA_DIR`, else the shared
/// data beside the repository (`../shared/data`).
pub fn data_dir() -> PathBuf {
    match std::env::var_os("VERDICT_DATA_DIR") {
        Some(dir) if !dir.is_empty() => dir.into(),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    }
}

/// `verdict ARGS` run in `dir`, with the shared data and a cache of its own
/// there (`dir/cache`).
pub fn verdict_in(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(verdict_bin())
        .current_dir(dir)
        .args(args)
        .env("VERDICT_DATA_DIR", data_dir())
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .output()
        .unwrap()
}

/// Whether a benchmark test can run here: `verdict doctor` says the default
/// isolation works and `file` (a path under [`data_dir`]) is present. Says
/// loudly why not.
pub fn benchmark_ready(file: &str) -> bool {
    let ok = Command::new(verdict_bin())
        .arg("doctor")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("SKIPPED: `verdict doctor` says namespace isolation is unavailable here");
        return false;
    }
    let present = data_dir().join(file).is_file();
    if !present {
        eprintln!("SKIPPED: {file} not found under {}", data_dir().display());
    }
    present
}

/// The directory of the built benchmark environment `name`, as `verdict
/// env list` shows it.
pub fn environment_dir(name: &str) -> Option<String> {
    let listing = Command::new(verdict_bin())
        .args(["env", "list"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&listing.stdout)
        .lines()
        .find(|line| line.split_whitespace().next() == Some(name))
        .and_then(|line| line.split_whitespace().last())
        .map(str::to_string)
}

/// Whether the benchmark environment `name` is built. CI builds the ones
/// the tests use, so there (`CI` set) its absence fails the test; elsewhere
/// the test says so and skips.
pub fn environment_ready(name: &str) -> bool {
    if environment_dir(name).is_some() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "the {name} environment is not built (`verdict env build {name}`)"
    );
    eprintln!("SKIPPED: the {name} environment is not built (`verdict env build {name}`)");
    false
}

/// Judges with `verdict eval ARGS` in `dir` (where the samples are), cuts
/// the results file `results` to its first `keep` rows as an interrupted run
/// leaves it, and judges again with `--resume`. Checks that the kept rows
/// stay as they were, that every row's task, status and result are the
/// first run's, and that the printed summaries are equal. Returns the
/// resumed run's stderr.
pub fn check_resume(dir: &Path, args: &[&str], results: &str, keep: usize) -> String {
    let run = |extra: &[&str]| {
        let output = Command::new(verdict_bin())
            .current_dir(dir)
            .args(args)
            .args(extra)
            .env("VERDICT_DATA_DIR", data_dir())
            .env("XDG_CACHE_HOME", dir.join("cache"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(output.status.code().is_some_and(|c| c <= 1), "{stderr}");
        (output.stdout, stderr)
    };
    let (first, _) = run(&[]);
    let rows = std::fs::read_to_string(dir.join(results)).unwrap();
    let kept: Vec<&str> = rows.lines().take(keep).collect();
    assert_eq!(kept.len(), keep, "the first run wrote fewer rows");
    std::fs::write(dir.join(results), kept.join("\n") + "\n").unwrap();
    let (second, stderr) = run(&["--resume"]);
    let verdicts = |text: &str| -> Vec<[Value; 3]> {
        text.lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .map(|r| {
                [
                    r["task_id"].clone(),
                    r["status"].clone(),
                    r["result"].clone(),
                ]
            })
            .collect()
    };
    let after = std::fs::read_to_string(dir.join(results)).unwrap();
    assert_eq!(after.lines().take(keep).collect::<Vec<_>>(), kept);
    assert_eq!(verdicts(&after), verdicts(&rows));
    assert_eq!(first, second);
    stderr
}

/// The path of the binary under test.
pub fn verdict_bin() -> &'static str {
    env!("CARGO_BIN_EXE_verdict")
}

/// A name no other test, run or host process uses: prefix, our pid, the
/// clock and a counter.
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!(
        "{prefix}{}_{:x}_{n}",
        std::process::id(),
        nanos & 0xffff_ffff_ffff
    )
}

/// What a test needs from the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Namespace isolation; without it the test is skipped.
    Namespaces,
    /// Any isolation level: the test checks only the program's outcome, so
    /// where namespaces are missing it runs with `--isolation process`.
    Any,
}

/// Whether a test may share the host with other tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Share {
    /// Runs alongside other tests.
    Shared,
    /// Runs alone: it asserts on host-wide state (every process in the
    /// sandbox uid range) that a concurrent run would disturb.
    Exclusive,
}

static HOST_LOCK: RwLock<()> = RwLock::new(());

enum Guard {
    Shared(RwLockReadGuard<'static, ()>),
    Exclusive(RwLockWriteGuard<'static, ()>),
}

/// A test's claim on the host: the isolation level it runs at and, held
/// until the test ends, its place in the shared/exclusive order.
pub struct Host {
    /// `namespaces` or `process`, passed to every run as `--isolation`.
    pub isolation: &'static str,
    _guard: Guard,
}

/// Claims the host for `test`, or prints `SKIPPED: …` and returns `None` when
/// the test needs namespace isolation and `verdict doctor` says the host has
/// none.
pub fn host(test: &str, need: Need, share: Share) -> Option<Host> {
    let isolation = match (doctor(), need) {
        (Ok(()), _) => "namespaces",
        (Err(()), Need::Namespaces) => {
            loudly(&format!(
                "SKIPPED: {test}: needs namespace isolation, which `verdict doctor` says this host lacks"
            ));
            return None;
        }
        (Err(()), Need::Any) => {
            loudly(&format!(
                "NOTE: {test}: namespace isolation unavailable, running with --isolation process"
            ));
            "process"
        }
    };
    let guard = match share {
        Share::Shared => Guard::Shared(HOST_LOCK.read().unwrap_or_else(|e| e.into_inner())),
        Share::Exclusive => Guard::Exclusive(HOST_LOCK.write().unwrap_or_else(|e| e.into_inner())),
    };
    Some(Host {
        isolation,
        _guard: guard,
    })
}

/// Writes to the real stderr, past the test harness's capture of
/// `eprintln!`, so that a skip shows in the log of a passing run.
fn loudly(message: &str) {
    let _ = writeln!(std::io::stderr(), "{message}");
}

/// Runs `verdict doctor` once per test process; when it exits non-zero,
/// prints its report (once) and returns `Err`.
fn doctor() -> Result<(), ()> {
    static RESULT: OnceLock<Result<(), ()>> = OnceLock::new();
    *RESULT.get_or_init(|| {
        let out = Command::new(verdict_bin())
            .arg("doctor")
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("running `{} doctor`: {e}", verdict_bin()));
        if out.status.success() {
            return Ok(());
        }
        loudly(&format!(
            "`verdict doctor` exited with {}:\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
        Err(())
    })
}

impl Host {
    /// A `verdict run --lang python --json` of `code`, at this host's
    /// isolation level; add arguments and run it.
    pub fn python(&self, code: &str) -> Run {
        self.program("python", code)
    }

    /// A `verdict run --lang LANG --json` of `code`.
    pub fn program(&self, lang: &str, code: &str) -> Run {
        Run {
            lang: lang.to_owned(),
            code: code.to_owned(),
            args: vec!["--isolation".into(), self.isolation.into()],
            envs: Vec::new(),
            program_on_stdin: false,
            stdin_open: false,
            deadline: Duration::from_secs(120),
        }
    }
}

/// One invocation of `verdict run`, being built.
pub struct Run {
    lang: String,
    code: String,
    args: Vec<String>,
    envs: Vec<(String, String)>,
    program_on_stdin: bool,
    stdin_open: bool,
    deadline: Duration,
}

impl Run {
    /// Adds arguments after `run --lang python --json`.
    pub fn args(mut self, args: &[&str]) -> Run {
        self.args.extend(args.iter().map(|a| a.to_string()));
        self
    }

    /// Sets a variable in verdict's own environment.
    pub fn env(mut self, key: &str, value: &str) -> Run {
        self.envs.push((key.into(), value.into()));
        self
    }

    /// Passes the program as `-` on verdict's stdin instead of as a file.
    pub fn program_on_stdin(mut self) -> Run {
        self.program_on_stdin = true;
        self
    }

    /// Gives verdict a stdin pipe that stays open (and silent) until it exits,
    /// like an interactive caller, instead of `/dev/null`.
    pub fn stdin_held_open(mut self) -> Run {
        self.stdin_open = true;
        self
    }

    /// How long verdict itself may take before the test kills it and fails.
    pub fn deadline(mut self, deadline: Duration) -> Run {
        self.deadline = deadline;
        self
    }

    /// Starts verdict without waiting for it; the returned temp dir holds
    /// the program and must outlive the child.
    pub fn spawn(self) -> (Child, tempfile::TempDir) {
        let dir = tempfile::Builder::new()
            .prefix("hostile-")
            .tempdir()
            .expect("creating a temp dir");
        let program = dir.path().join("main.src");
        fs::write(&program, &self.code).expect("writing the program");

        let mut cmd = Command::new(verdict_bin());
        cmd.args(["run", "--lang", &self.lang, "--json"])
            .args(&self.args);
        cmd.arg(if self.program_on_stdin {
            Path::new("-")
        } else {
            program.as_path()
        });
        cmd.envs(self.envs.iter().map(|(k, v)| (k, v)));
        let piped = self.program_on_stdin || self.stdin_open;
        cmd.stdin(if piped { Stdio::piped() } else { Stdio::null() });
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("spawning {cmd:?}: {e}"));
        (child, dir)
    }

    /// Runs verdict, waits for it (failing the test if it overruns its
    /// deadline) and checks that it printed one well-formed report.
    pub fn run(self) -> Report {
        let (code, program_on_stdin, deadline) =
            (self.code.clone(), self.program_on_stdin, self.deadline);
        let cmdline = format!(
            "verdict run --lang {} --json {}",
            self.lang,
            self.args.join(" ")
        );
        let started = Instant::now();
        let (mut child, _dir) = self.spawn();
        let pid = child.id();
        let mut stdin = child.stdin.take();
        if program_on_stdin {
            let mut pipe = stdin.take().expect("stdin is piped");
            pipe.write_all(code.as_bytes())
                .expect("writing the program to verdict's stdin");
        }
        let (status, stdout, stderr) = wait_with_deadline(&mut child, deadline, &cmdline);
        let elapsed = started.elapsed();
        drop(stdin);

        let report = Report {
            pid,
            status,
            stdout,
            stderr,
            elapsed,
            json: Value::Null,
            cmdline,
        };
        report.parse()
    }
}

/// Waits for `child`, reading its output meanwhile; kills it and panics
/// after `deadline`.
fn wait_with_deadline(
    child: &mut Child,
    deadline: Duration,
    what: &str,
) -> (ExitStatus, String, String) {
    let mut out = child.stdout.take().expect("stdout is piped");
    let mut err = child.stderr.take().expect("stderr is piped");
    let out_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out.read_to_end(&mut buf);
        buf
    });
    let err_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err.read_to_end(&mut buf);
        buf
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for verdict") {
            break status;
        }
        if started.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            let err = String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned();
            panic!("verdict did not finish within {deadline:?}: {what}\nstderr:\n{err}");
        }
        thread::sleep(Duration::from_millis(5));
    };
    // A sandboxed process that inherited verdict's pipes would keep them open
    // past verdict's exit; never wait on that forever.
    let out = join_within(out_reader, Duration::from_secs(10), "verdict's stdout");
    let err = join_within(err_reader, Duration::from_secs(10), "verdict's stderr");
    (
        status,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}

fn join_within(handle: thread::JoinHandle<Vec<u8>>, limit: Duration, what: &str) -> Vec<u8> {
    let started = Instant::now();
    while !handle.is_finished() {
        if started.elapsed() > limit {
            panic!("{what} stayed open {limit:?} after verdict exited: something inherited it");
        }
        thread::sleep(Duration::from_millis(5));
    }
    handle.join().expect("reader thread")
}

/// What one `verdict run --json` printed (shown on stderr when
/// `VERDICT_TEST_SHOW` is set), with accessors that fail the test
/// with the whole report when a field is missing.
#[derive(Debug)]
pub struct Report {
    /// The pid verdict ran as (names its cgroup and temp dirs).
    pub pid: u32,
    /// verdict's exit status.
    pub status: ExitStatus,
    /// verdict's stdout (the JSON report).
    pub stdout: String,
    /// verdict's own stderr.
    pub stderr: String,
    /// Wall time of the whole verdict invocation, as the test saw it.
    pub elapsed: Duration,
    /// The parsed report.
    pub json: Value,
    cmdline: String,
}

impl Report {
    fn parse(mut self) -> Report {
        match serde_json::from_str::<Value>(self.stdout.trim()) {
            Ok(json) => self.json = json,
            Err(e) => panic!(
                "verdict did not print one JSON object ({e}):\n{}",
                self.describe()
            ),
        }
        self.check_schema();
        if std::env::var_os("VERDICT_TEST_SHOW").is_some() {
            eprintln!("{}", self.describe());
        }
        self
    }

    /// Everything about this run, for failure messages (long streams cut).
    pub fn describe(&self) -> String {
        format!(
            "command: {}\nexit: {}\nelapsed: {:?}\nstdout: {}\nstderr: {}",
            self.cmdline,
            self.status,
            self.elapsed,
            clip(&self.stdout, 4000),
            clip(&self.stderr, 4000)
        )
    }

    fn check_schema(&self) {
        let obj = self
            .json
            .as_object()
            .unwrap_or_else(|| panic!("report is not an object:\n{}", self.describe()));
        let kinds: &[(&str, FieldCheck)] = &[
            ("status", Value::is_string),
            ("exit_code", |v| v.is_null() || v.is_i64()),
            ("signal", |v| v.is_null() || v.is_i64()),
            ("stdout", Value::is_string),
            ("stderr", Value::is_string),
            ("stdout_truncated", Value::is_boolean),
            ("stderr_truncated", Value::is_boolean),
            ("wall_ms", Value::is_number),
            ("cpu_ms", Value::is_number),
            ("peak_memory_bytes", |v| v.is_null() || v.is_number()),
            ("isolation", Value::is_string),
        ];
        for (key, ok) in kinds {
            let value = obj
                .get(*key)
                .unwrap_or_else(|| panic!("report lacks `{key}`:\n{}", self.describe()));
            assert!(
                ok(value),
                "report field `{key}` has the wrong type ({value}):\n{}",
                self.describe()
            );
        }
        assert!(
            STATUSES.contains(&self.status()),
            "unknown status:\n{}",
            self.describe()
        );
        assert!(
            ["namespaces", "process"].contains(&self.str("isolation")),
            "unknown isolation:\n{}",
            self.describe()
        );
    }

    /// The program's judged status (`ok`, `time_limit`, …).
    pub fn status(&self) -> &str {
        self.str("status")
    }

    /// The program's stdout as captured by verdict.
    pub fn out(&self) -> &str {
        self.str("stdout")
    }

    /// The program's stderr as captured by verdict.
    pub fn err(&self) -> &str {
        self.str("stderr")
    }

    /// A string field of the report.
    pub fn str(&self, key: &str) -> &str {
        self.json[key]
            .as_str()
            .unwrap_or_else(|| panic!("`{key}` is not a string:\n{}", self.describe()))
    }

    /// An integer field, `None` when null.
    pub fn int(&self, key: &str) -> Option<i64> {
        let v = &self.json[key];
        if v.is_null() {
            return None;
        }
        Some(
            v.as_f64()
                .unwrap_or_else(|| panic!("`{key}` is not a number:\n{}", self.describe()))
                as i64,
        )
    }

    /// A boolean field.
    pub fn flag(&self, key: &str) -> bool {
        self.json[key]
            .as_bool()
            .unwrap_or_else(|| panic!("`{key}` is not a bool:\n{}", self.describe()))
    }

    /// Asserts verdict itself exited 0, as it must whenever it judged the
    /// program.
    pub fn assert_judged(&self) -> &Report {
        assert_eq!(
            self.status.code(),
            Some(0),
            "verdict run --json must exit 0:\n{}",
            self.describe()
        );
        self
    }

    /// Asserts the judged status is one of `expected`.
    pub fn assert_status(&self, expected: &[&str]) -> &Report {
        self.assert_judged();
        assert!(
            expected.contains(&self.status()),
            "expected status {expected:?}, got {:?}:\n{}",
            self.status(),
            self.describe()
        );
        self
    }
}

/// Whether a report field's value has the type the report format promises.
type FieldCheck = fn(&Value) -> bool;

fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… [{} bytes in all]", &s[..end], s.len())
}

/// A process on the host, as `/proc` shows it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct HostProcess {
    pub pid: u32,
    pub ppid: u32,
    /// The highest of the real, effective, saved and filesystem uids.
    pub uid: u32,
    /// `R`, `S`, `Z`, …
    pub state: String,
    /// argv joined with spaces (empty for zombies and kernel threads).
    pub cmdline: String,
    /// The command name (`comm`, what `prctl(PR_SET_NAME)` sets).
    pub name: String,
}

/// Every process on the host (those that vanish while being read are skipped).
pub fn host_processes() -> Vec<HostProcess> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut procs = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(status) = fs::read_to_string(entry.path().join("status")) else {
            continue;
        };
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .map(str::trim)
                .unwrap_or("")
                .to_owned()
        };
        let uid = field("Uid:")
            .split_whitespace()
            .filter_map(|u| u.parse::<u32>().ok())
            .max()
            .unwrap_or(0);
        let ppid = field("PPid:").parse().unwrap_or(0);
        let state = field("State:").chars().take(1).collect();
        let cmdline = fs::read(entry.path().join("cmdline"))
            .map(|raw| {
                String::from_utf8_lossy(&raw)
                    .replace('\0', " ")
                    .trim_end()
                    .to_owned()
            })
            .unwrap_or_default();
        procs.push(HostProcess {
            pid,
            ppid,
            uid,
            state,
            cmdline,
            name: field("Name:"),
        });
    }
    procs
}

/// Host processes running as a sandbox uid.
pub fn sandbox_processes() -> Vec<HostProcess> {
    host_processes()
        .into_iter()
        .filter(|p| p.uid >= SANDBOX_UID_BASE)
        .collect()
}

/// Host processes whose command line contains `marker`.
pub fn processes_with_marker(marker: &str) -> Vec<HostProcess> {
    let me = std::process::id();
    host_processes()
        .into_iter()
        .filter(|p| p.pid != me && p.cmdline.contains(marker))
        .collect()
}

/// Polls `find` until it returns nothing or `limit` passes; returns what it
/// found last (empty on success).
pub fn wait_until_gone<T>(limit: Duration, mut find: impl FnMut() -> Vec<T>) -> Vec<T> {
    let started = Instant::now();
    loop {
        let found = find();
        if found.is_empty() || started.elapsed() > limit {
            return found;
        }
        thread::sleep(Duration::from_millis(50));
    }
}

/// Waits up to `limit` for a host process whose command line contains
/// `marker`; whether one appeared.
pub fn wait_for_marker(marker: &str, limit: Duration) -> bool {
    let started = Instant::now();
    while started.elapsed() < limit {
        if !processes_with_marker(marker).is_empty() {
            return true;
        }
        thread::sleep(Duration::from_millis(20));
    }
    false
}

/// Sandbox-uid processes that were not in `before` and are still there
/// after the reaping grace period, leaving out those that a live `verdict`
/// process still owns: every run of the test has ended by the time this is
/// called, so a live owner is some other verdict sharing the machine.
pub fn leftover_sandbox_processes(before: &[HostProcess]) -> Vec<HostProcess> {
    let old: BTreeSet<u32> = before.iter().map(|p| p.pid).collect();
    wait_until_gone(REAP_GRACE, || {
        let all = host_processes();
        all.iter()
            .filter(|p| p.uid >= SANDBOX_UID_BASE && !old.contains(&p.pid))
            .filter(|p| !has_live_verdict_ancestor(p, &all))
            .cloned()
            .collect()
    })
}

/// Sandbox init helpers (`verdict __verdict-sandbox-init`) whose verdict
/// process is gone, still there after the reaping grace period.
pub fn orphaned_sandbox_helpers() -> Vec<HostProcess> {
    wait_until_gone(REAP_GRACE, || {
        let all = host_processes();
        all.iter()
            .filter(|p| is_sandbox_helper(p) && !has_live_verdict_ancestor(p, &all))
            .cloned()
            .collect()
    })
}

/// Whether a `verdict` process other than a sandbox init helper is among
/// `p`'s ancestors.
fn has_live_verdict_ancestor(p: &HostProcess, all: &[HostProcess]) -> bool {
    has_ancestor(p, all, |a| is_verdict(a) && !is_sandbox_helper(a))
}

/// Whether one of `p`'s ancestors satisfies `pred`.
pub fn has_ancestor(
    p: &HostProcess,
    all: &[HostProcess],
    pred: impl Fn(&HostProcess) -> bool,
) -> bool {
    let by_pid: std::collections::HashMap<u32, &HostProcess> =
        all.iter().map(|q| (q.pid, q)).collect();
    let mut pid = p.ppid;
    // The depth bound guards against a pid reused while walking.
    for _ in 0..64 {
        let Some(parent) = by_pid.get(&pid) else {
            return false;
        };
        if pred(parent) {
            return true;
        }
        if parent.pid <= 1 {
            return false;
        }
        pid = parent.ppid;
    }
    false
}

/// Sandbox-uid processes started by a `verdict run` of one of these tests'
/// programs (their path contains `/hostile-`).
pub fn sandbox_processes_of_test_runs() -> Vec<HostProcess> {
    let all = host_processes();
    all.iter()
        .filter(|p| p.uid >= SANDBOX_UID_BASE)
        .filter(|p| {
            has_ancestor(p, &all, |a| {
                is_verdict(a) && a.cmdline.contains("/hostile-")
            })
        })
        .cloned()
        .collect()
}

fn is_verdict(p: &HostProcess) -> bool {
    let argv0 = p.cmdline.split(' ').next().unwrap_or("");
    Path::new(argv0).file_name().is_some_and(|n| n == "verdict")
}

fn is_sandbox_helper(p: &HostProcess) -> bool {
    is_verdict(p) && p.cmdline.contains("__verdict-sandbox-init")
}

/// Every `verdict-<pid>` directory under `/sys/fs/cgroup`: in each v1
/// hierarchy to a depth of `depth` below its root (with cgroup v2 mounted at
/// `/sys/fs/cgroup` itself, one level deeper).
/// The directories of this process's own cgroups, one per hierarchy, as
/// mounted under `/sys/fs/cgroup` (`4:memory:/a/b` → `/sys/fs/cgroup/memory/a/b`).
pub fn own_cgroup_dirs() -> Vec<PathBuf> {
    let text = fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
    let mut dirs = Vec::new();
    for line in text.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let path = path.trim_start_matches('/');
        if controllers.is_empty() {
            // Hybrid hosts mount v2 at `unified`; pure v2 hosts at the top.
            let unified = Path::new("/sys/fs/cgroup/unified");
            let mount = if unified.is_dir() {
                unified
            } else {
                Path::new("/sys/fs/cgroup")
            };
            dirs.push(mount.join(path));
            continue;
        }
        for controller in controllers.split(',') {
            let name = controller.trim_start_matches("name=");
            dirs.push(Path::new("/sys/fs/cgroup").join(name).join(path));
        }
    }
    dirs
}

pub fn verdict_cgroups(depth: usize) -> Vec<(PathBuf, u32)> {
    let mut found = Vec::new();
    let Ok(roots) = fs::read_dir("/sys/fs/cgroup") else {
        return found;
    };
    for root in roots.flatten() {
        walk_cgroups(&root.path(), depth, &mut found);
    }
    found.sort();
    found.dedup();
    found
}

fn walk_cgroups(dir: &Path, depth: usize, found: &mut Vec<(PathBuf, u32)>) {
    let Ok(meta) = fs::symlink_metadata(dir) else {
        return;
    };
    if !meta.is_dir() {
        return;
    }
    let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if let Some(pid) = name
        .strip_prefix("verdict-")
        .and_then(|p| p.parse::<u32>().ok())
    {
        found.push((dir.to_owned(), pid));
    }
    if depth == 0 {
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        walk_cgroups(&entry.path(), depth - 1, found);
    }
}

/// Whether process `pid` exists.
pub fn is_running(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// The host's mount table as this process sees it, one line per mount.
pub fn mounts() -> BTreeSet<String> {
    fs::read_to_string("/proc/self/mountinfo")
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Names of entries in the temp dir (`$TMPDIR` or `/tmp`) starting with
/// `verdict-`.
pub fn verdict_temp_entries() -> BTreeSet<String> {
    let Ok(entries) = fs::read_dir(std::env::temp_dir()) else {
        return BTreeSet::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.starts_with("verdict-"))
        .collect()
}

/// Counts whatever reaches the host's loopback listeners while alive.
pub struct Listeners {
    /// The port of the TCP listener on 127.0.0.1.
    pub tcp4: u16,
    /// The port of the TCP listener on ::1, where the host has IPv6.
    pub tcp6: Option<u16>,
    /// The port of the UDP socket on 127.0.0.1.
    pub udp4: u16,
    /// The name of the abstract Unix socket (without the leading NUL).
    pub abstract_name: String,
    hits: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Listeners {
    /// Binds every listener and starts counting.
    pub fn start() -> Listeners {
        let tcp4 = TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0");
        let tcp6 = TcpListener::bind("[::1]:0").ok();
        let udp4 = UdpSocket::bind("127.0.0.1:0").expect("binding udp 127.0.0.1:0");
        let abstract_name = unique("verdict-test-");
        let addr = SocketAddr::from_abstract_name(abstract_name.as_bytes()).unwrap();
        let unix = UnixListener::bind_addr(&addr).expect("binding an abstract unix socket");
        for l in [Some(&tcp4), tcp6.as_ref()].into_iter().flatten() {
            l.set_nonblocking(true).unwrap();
        }
        udp4.set_nonblocking(true).unwrap();
        unix.set_nonblocking(true).unwrap();
        let ports = (
            tcp4.local_addr().unwrap().port(),
            tcp6.as_ref().map(|l| l.local_addr().unwrap().port()),
            udp4.local_addr().unwrap().port(),
        );
        let hits = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (h, s) = (hits.clone(), stop.clone());
        let thread = thread::spawn(move || {
            let mut buf = [0u8; 64];
            while !s.load(Ordering::Relaxed) {
                let hit = |ok: bool| {
                    if ok {
                        h.fetch_add(1, Ordering::SeqCst);
                    }
                };
                hit(tcp4.accept().is_ok());
                hit(tcp6.as_ref().is_some_and(|l| l.accept().is_ok()));
                hit(udp4.recv_from(&mut buf).is_ok());
                hit(unix.accept().is_ok());
                thread::sleep(Duration::from_millis(5));
            }
        });
        Listeners {
            tcp4: ports.0,
            tcp6: ports.1,
            udp4: ports.2,
            abstract_name,
            hits,
            stop,
            thread: Some(thread),
        }
    }

    /// Stops counting; how many connections and datagrams arrived.
    pub fn stop(mut self) -> usize {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
        self.hits.load(Ordering::SeqCst)
    }
}
