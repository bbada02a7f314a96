//! `sandbox-cost`: what one run of a `print(1)`-sized Python program costs,
//! measured side by side in one process, four ways:
//!
//! 1. a verdict warm slot (`verdict_exec::Pool` with one slot), timed end to
//!    end from the caller's side of `Pool::run`;
//! 2. the floor: a bare `os.fork()` of a warm, unsandboxed `python3`;
//! 3. a fresh `python3 -c "print(1)"` process, no sandbox;
//! 4. the same fresh process inside bubblewrap.
//!
//! The two fast ways are measured twice: back to back (the next run starts
//! as soon as the last one answered: the cost of a busy slot) and one run at
//! a time with an idle pause between runs (the latency a request sees at an
//! idle slot, which may use the pause: a slot forks the next job's process
//! and cleans up after the last job once it has answered).
//!
//! It prints the median, p10 and p90 of each, and checks the two targets of
//! the design: a warm slot within 2x of the floor, and a fresh sandboxed
//! interpreter (bwrap) at least 5x slower than a warm slot.
//!
//! ```text
//! cargo run --release -p verdict-bench --bin sandbox-cost [-- --runs N --fresh-runs M --json]
//! ```

#![forbid(unsafe_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::{Value, json};
use verdict_exec::{Job, Language, Pool, PoolConfig, Status};

/// The interpreter used by every way (the `python3` on PATH may be a slow
/// shim).
const PYTHON: &str = "/usr/bin/python3";

/// The program every way runs.
const PROGRAM: &str = "print(1)";

/// What the program must print.
const EXPECTED_STDOUT: &str = "1\n";

/// Target: a warm slot costs at most this many times the floor.
const WARM_OVER_FLOOR_MAX: f64 = 2.0;

/// Target: a fresh sandboxed interpreter costs at least this many times a
/// warm slot.
const BWRAP_OVER_WARM_MIN: f64 = 5.0;

/// The floor's helper: a warm Python that, per request byte on stdin, forks a
/// child doing `print(1)` to /dev/null, reaps it and answers one byte (`k` if
/// the child exited 0, `e` otherwise).
const FORK_FLOOR_SCRIPT: &str = r#"
import os
devnull = open(os.devnull, "w")
while os.read(0, 1):
    pid = os.fork()
    if pid == 0:
        print(1, file=devnull)
        devnull.flush()
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    os.write(1, b"k" if status == 0 else b"e")
"#;

/// Command-line options.
#[derive(Debug, Parser)]
#[command(
    about = "Per-run cost of print(1)-sized Python work: verdict warm slot vs fork floor vs fresh processes"
)]
struct Args {
    /// Measured runs for the fast ways (warm slot, fork floor).
    #[arg(long, default_value_t = 200)]
    runs: usize,
    /// Measured runs for the fresh-process ways (python3 -c, bwrap).
    #[arg(long, default_value_t = 50)]
    fresh_runs: usize,
    /// Unmeasured warm-up runs before each way.
    #[arg(long, default_value_t = 5)]
    warmup: usize,
    /// Pause before each run of the "one at a time" measurements, in ms.
    #[arg(long, default_value_t = 5)]
    gap_ms: u64,
    /// Print the numbers as one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

/// Summary statistics of one way's per-run times, in milliseconds.
#[derive(Debug, Clone, Copy)]
struct Stats {
    runs: usize,
    median_ms: f64,
    p10_ms: f64,
    p90_ms: f64,
}

impl Stats {
    /// Summarises a non-empty set of samples.
    fn from_samples(samples: &[Duration]) -> Stats {
        let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
        ms.sort_by(f64::total_cmp);
        Stats {
            runs: ms.len(),
            median_ms: percentile(&ms, 0.5),
            p10_ms: percentile(&ms, 0.1),
            p90_ms: percentile(&ms, 0.9),
        }
    }

    fn to_json(self) -> Value {
        json!({ "runs": self.runs, "median_ms": self.median_ms, "p10_ms": self.p10_ms, "p90_ms": self.p90_ms })
    }
}

/// The `q` quantile of sorted, non-empty `values`, linearly interpolated.
fn percentile(values: &[f64], q: f64) -> f64 {
    let position = q * (values.len() - 1) as f64;
    let (low, high) = (position.floor() as usize, position.ceil() as usize);
    values[low] + (values[high] - values[low]) * (position - low as f64)
}

/// How measuring one way went.
#[derive(Debug)]
enum Measured {
    /// Every run succeeded.
    Done(Stats),
    /// The way could not be tried here (e.g. a tool is missing).
    Skipped(String),
    /// A run failed: the number would be meaningless.
    Failed(String),
}

impl Measured {
    fn stats(&self) -> Option<Stats> {
        match self {
            Measured::Done(stats) => Some(*stats),
            _ => None,
        }
    }

    fn to_json(&self) -> Value {
        match self {
            Measured::Done(stats) => stats.to_json(),
            Measured::Skipped(why) => json!({ "skipped": why }),
            Measured::Failed(why) => json!({ "failed": why }),
        }
    }
}

/// One way of running the program, and how it went.
struct Way {
    /// Short machine name (the JSON key).
    key: &'static str,
    /// Human description (the table row).
    label: String,
    result: Measured,
}

/// Runs `once` `warmup` times unmeasured, then `runs` times timing each call
/// (after an untimed pause of `gap`, if any). Stops at the first failure.
fn measure(
    warmup: usize,
    runs: usize,
    gap: Duration,
    mut once: impl FnMut() -> Result<(), String>,
) -> Measured {
    for _ in 0..warmup {
        if let Err(e) = once() {
            return Measured::Failed(format!("warm-up run: {e}"));
        }
    }
    let mut samples = Vec::with_capacity(runs);
    for run in 0..runs {
        if !gap.is_zero() {
            std::thread::sleep(gap);
        }
        let start = Instant::now();
        let result = once();
        samples.push(start.elapsed());
        if let Err(e) = result {
            return Measured::Failed(format!("run {run}: {e}"));
        }
    }
    if samples.is_empty() {
        return Measured::Skipped("zero runs requested".into());
    }
    Measured::Done(Stats::from_samples(&samples))
}

/// Way 1: a verdict pool with one warm slot, run through `Pool::run`, back
/// to back and one at a time.
fn warm_slot(args: &Args) -> Vec<Way> {
    let mut config = PoolConfig::new(Language::Python);
    config.slots = 1;
    config.settings.python = PathBuf::from(PYTHON);
    // The bench binary itself runs the sandbox init helper (see `main`).
    let pool = match Pool::start(config) {
        Ok(pool) => pool,
        Err(e) => {
            return vec![Way {
                key: "warm_slot",
                label: "verdict warm slot".into(),
                result: Measured::Failed(e.to_string()),
            }];
        }
    };
    let isolation = pool.isolation().name();
    let once = || {
        let outcome = pool.run(Job::program(PROGRAM));
        if outcome.status != Status::Ok {
            return Err(format!(
                "status {} ({:?})",
                outcome.status.name(),
                outcome.error.or(Some(outcome.stderr))
            ));
        }
        check_stdout(&outcome.stdout)
    };
    vec![
        Way {
            key: "warm_slot",
            label: format!("verdict warm slot ({isolation}), back to back"),
            result: measure(args.warmup, args.runs, Duration::ZERO, once),
        },
        Way {
            key: "warm_slot_idle",
            label: format!("verdict warm slot ({isolation}), one at a time"),
            result: measure(args.warmup, args.runs, gap(args), once),
        },
    ]
}

fn gap(args: &Args) -> Duration {
    Duration::from_millis(args.gap_ms)
}

/// The floor's helper process: a warm, unsandboxed Python fork server.
struct ForkFloor {
    child: Child,
    requests: ChildStdin,
    replies: ChildStdout,
}

impl ForkFloor {
    fn start() -> Result<ForkFloor, String> {
        let mut child = Command::new(PYTHON)
            .args(["-I", "-B", "-c", FORK_FLOOR_SCRIPT])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("starting {PYTHON}: {e}"))?;
        let requests = child.stdin.take().ok_or("no stdin pipe")?;
        let replies = child.stdout.take().ok_or("no stdout pipe")?;
        Ok(ForkFloor {
            child,
            requests,
            replies,
        })
    }

    /// One request: the helper forks, its child runs and exits, it answers.
    fn round_trip(&mut self) -> Result<(), String> {
        self.requests
            .write_all(b"r")
            .map_err(|e| format!("writing a request: {e}"))?;
        let mut reply = [0u8; 1];
        self.replies
            .read_exact(&mut reply)
            .map_err(|e| format!("reading a reply: {e}"))?;
        match &reply {
            b"k" => Ok(()),
            other => Err(format!("the forked child failed (reply {other:?})")),
        }
    }
}

impl Drop for ForkFloor {
    fn drop(&mut self) {
        // Closing stdin ends the helper's loop; kill it if it lingers anyway.
        let _ = self.requests.flush();
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// Way 2: the floor, a bare fork of a warm Python process, back to back and
/// one at a time.
fn fork_floor(args: &Args) -> Vec<Way> {
    let (back_to_back, idle) = match ForkFloor::start() {
        Ok(mut floor) => (
            measure(args.warmup, args.runs, Duration::ZERO, || {
                floor.round_trip()
            }),
            measure(args.warmup, args.runs, gap(args), || floor.round_trip()),
        ),
        Err(e) => (Measured::Failed(e.clone()), Measured::Failed(e)),
    };
    vec![
        Way {
            key: "fork_floor",
            label: "floor: fork of a warm python3, back to back".into(),
            result: back_to_back,
        },
        Way {
            key: "fork_floor_idle",
            label: "floor: fork of a warm python3, one at a time".into(),
            result: idle,
        },
    ]
}

/// Runs `command` to completion with its output captured and checks that it
/// printed the expected line.
fn run_fresh(command: &mut Command) -> Result<(), String> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("spawning: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "{}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    check_stdout(&String::from_utf8_lossy(&output.stdout))
}

/// Way 3: a fresh `python3 -c "print(1)"`, no sandbox.
fn fresh_python(args: &Args) -> Vec<Way> {
    let result = measure(args.warmup, args.fresh_runs, Duration::ZERO, || {
        run_fresh(Command::new(PYTHON).args(["-c", PROGRAM]))
    });
    vec![Way {
        key: "fresh_python",
        label: "fresh python3 -c (no sandbox)".into(),
        result,
    }]
}

/// The bubblewrap arguments before the command: every namespace unshared,
/// a read-only `/usr` and the usual merged-/usr symlinks.
const BWRAP_ARGS: &[&str] = &[
    "--unshare-all",
    "--die-with-parent",
    "--ro-bind",
    "/usr",
    "/usr",
    "--symlink",
    "usr/lib",
    "/lib",
    "--symlink",
    "usr/lib64",
    "/lib64",
    "--symlink",
    "usr/bin",
    "/bin",
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--tmpfs",
    "/tmp",
];

/// Finds an executable named `name` on PATH.
fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Way 4: a fresh `python3 -c "print(1)"` inside bubblewrap.
fn fresh_bwrap(args: &Args) -> Vec<Way> {
    let label = "fresh python3 -c in bwrap (sandboxed)".to_string();
    let Some(bwrap) = find_on_path("bwrap") else {
        let why = "bwrap not found; install it with `sudo apt-get install bubblewrap`".to_string();
        return vec![Way {
            key: "fresh_bwrap",
            label,
            result: Measured::Skipped(why),
        }];
    };
    let result = measure(args.warmup, args.fresh_runs, Duration::ZERO, || {
        run_fresh(
            Command::new(&bwrap)
                .args(BWRAP_ARGS)
                .args([PYTHON, "-c", PROGRAM]),
        )
    });
    vec![Way {
        key: "fresh_bwrap",
        label,
        result,
    }]
}

/// Checks a way's captured stdout.
fn check_stdout(stdout: &str) -> Result<(), String> {
    if stdout == EXPECTED_STDOUT {
        Ok(())
    } else {
        Err(format!("stdout {stdout:?}, expected {EXPECTED_STDOUT:?}"))
    }
}

/// A bound a ratio should meet.
#[derive(Debug, Clone, Copy)]
enum Target {
    /// The ratio should be at most this.
    AtMost(f64),
    /// The ratio should be at least this.
    AtLeast(f64),
}

impl Target {
    fn met_by(self, value: f64) -> bool {
        match self {
            Target::AtMost(limit) => value <= limit,
            Target::AtLeast(limit) => value >= limit,
        }
    }

    /// Human form, e.g. `<= 2x`.
    fn describe(self) -> String {
        match self {
            Target::AtMost(limit) => format!("<= {limit}x"),
            Target::AtLeast(limit) => format!(">= {limit}x"),
        }
    }
}

/// One target ratio between the medians of two ways.
struct Ratio {
    key: &'static str,
    label: &'static str,
    /// `numerator / denominator`, if both ways were measured.
    value: Option<f64>,
    target: Target,
}

impl Ratio {
    fn new(
        key: &'static str,
        label: &'static str,
        numerator: &Way,
        denominator: &Way,
        target: Target,
    ) -> Ratio {
        let value = match (numerator.result.stats(), denominator.result.stats()) {
            (Some(n), Some(d)) if d.median_ms > 0.0 => Some(n.median_ms / d.median_ms),
            _ => None,
        };
        Ratio {
            key,
            label,
            value,
            target,
        }
    }

    /// `PASS`, `MISS`, or `n/a` when a side was not measured.
    fn verdict(&self) -> &'static str {
        match self.value {
            Some(v) if self.target.met_by(v) => "PASS",
            Some(_) => "MISS",
            None => "n/a",
        }
    }

    fn to_json(&self) -> Value {
        json!({ "value": self.value, "target": self.target.describe(), "result": self.verdict() })
    }
}

/// The target ratios of the design: the warm slot against the floor, back
/// to back and one at a time, and a fresh sandboxed interpreter against the
/// warm slot.
fn ratios(ways: &[Way]) -> Vec<Ratio> {
    let failed = Way {
        key: "missing",
        label: String::new(),
        result: Measured::Skipped("not measured".into()),
    };
    let by_key = |key: &str| ways.iter().find(|w| w.key == key).unwrap_or(&failed);
    vec![
        Ratio::new(
            "warm_slot_over_floor",
            "warm slot / floor, back to back",
            by_key("warm_slot"),
            by_key("fork_floor"),
            Target::AtMost(WARM_OVER_FLOOR_MAX),
        ),
        Ratio::new(
            "warm_slot_over_floor_idle",
            "warm slot / floor, one at a time",
            by_key("warm_slot_idle"),
            by_key("fork_floor_idle"),
            Target::AtMost(WARM_OVER_FLOOR_MAX),
        ),
        Ratio::new(
            "bwrap_over_warm_slot",
            "fresh python3 in bwrap / warm slot",
            by_key("fresh_bwrap"),
            by_key("warm_slot"),
            Target::AtLeast(BWRAP_OVER_WARM_MIN),
        ),
    ]
}

/// The interpreter's version, for the report header.
fn python_version() -> String {
    Command::new(PYTHON)
        .args(["-c", "import sys; print(sys.version.split()[0])"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Prints the human table.
fn print_table(ways: &[Way], ratios: &[Ratio]) {
    println!(
        "sandbox-cost: per-run cost of `{PROGRAM}` ({PYTHON} {}, {} CPUs)",
        python_version(),
        cpus()
    );
    println!();
    println!(
        "{:<44} {:>5} {:>10} {:>8} {:>8}",
        "way", "runs", "median ms", "p10 ms", "p90 ms"
    );
    for way in ways {
        match &way.result {
            Measured::Done(s) => {
                println!(
                    "{:<44} {:>5} {:>10.3} {:>8.3} {:>8.3}",
                    way.label, s.runs, s.median_ms, s.p10_ms, s.p90_ms
                )
            }
            Measured::Skipped(why) => println!("{:<44} skipped: {why}", way.label),
            Measured::Failed(why) => println!("{:<44} FAILED: {why}", way.label),
        }
    }
    println!();
    println!(
        "{:<44} {:>8} {:>8} {:>6}",
        "ratio of medians", "value", "target", ""
    );
    for ratio in ratios {
        let value = ratio
            .value
            .map_or("n/a".to_string(), |v| format!("{v:.2}x"));
        println!(
            "{:<44} {:>8} {:>8} {:>6}",
            ratio.label,
            value,
            ratio.target.describe(),
            ratio.verdict()
        );
    }
}

/// Prints everything as one JSON object.
fn print_json(args: &Args, ways: &[Way], ratios: &[Ratio]) {
    let ways_json: serde_json::Map<String, Value> = ways
        .iter()
        .map(|w| {
            (
                w.key.to_string(),
                json!({ "label": w.label, "result": w.result.to_json() }),
            )
        })
        .collect();
    let ratios_json: serde_json::Map<String, Value> = ratios
        .iter()
        .map(|r| (r.key.to_string(), r.to_json()))
        .collect();
    let report = json!({
        "program": PROGRAM,
        "python": PYTHON,
        "python_version": python_version(),
        "cpus": cpus(),
        "warmup": args.warmup,
        "gap_ms": args.gap_ms,
        "ways": ways_json,
        "ratios": ratios_json,
    });
    println!("{report}");
}

/// One way's measuring function (a way may be measured more than one way).
type Step = fn(&Args) -> Vec<Way>;

fn main() -> ExitCode {
    // A pool slot re-executes this binary as its sandbox init helper.
    verdict_sandbox::run_init_if_requested();
    let args = Args::parse();
    let steps: [(&str, Step); 4] = [
        ("verdict warm slot", warm_slot),
        ("fork floor", fork_floor),
        ("fresh python3", fresh_python),
        ("fresh python3 in bwrap", fresh_bwrap),
    ];
    let mut ways = Vec::new();
    for (name, step) in steps {
        eprintln!("measuring: {name}");
        ways.extend(step(&args));
    }
    let ratios = ratios(&ways);
    if args.json {
        print_json(&args, &ways, &ratios)
    } else {
        print_table(&ways, &ratios)
    }
    if ways.iter().any(|w| matches!(w.result, Measured::Failed(_))) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
