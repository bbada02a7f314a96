//! Running one job on one slot: the supervisor's half of the worker
//! protocol.
//!
//! A job is a length-prefixed frame on the slot's control socket with three
//! pipe write ends attached (stdout, stderr, harness result): a line of JSON
//! with what the worker needs (limits, mode, guard), then the whole job in
//! Python's `marshal` format, which the worker hands to the job's process
//! without parsing it (see [`crate::marshal`]). While the
//! worker runs the job, the supervisor drains the pipes (keeping head and
//! tail), and stops the job if it writes too much. The worker replies with
//! the job's exit status and accounting as soon as the job's process has
//! ended; then it kills whatever the job left running, wipes the scratch
//! directories, forks the process for the next job and sends a second,
//! "ready" frame. The supervisor hands the outcome on first and reads the
//! ready frame after ([`await_ready`]), so the caller does not wait for the
//! cleanup.

use std::borrow::Cow;
use std::io::{self, PipeReader, Read};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::{Value, json};
use verdict_sandbox::Slot;
use verdict_sandbox::fdpass::{poll_readable, send_frame};

use base64::Engine;

use crate::capture::Capture;
use crate::job::{Artifact, Guard, Job, JobKind, Outcome, Status};
use crate::language::{MemoryMode, WORKER_MEMORY_BYTES, WORKER_RESIDENT_BYTES};
use crate::pool::RecordWatch;

/// Extra time the supervisor gives the worker beyond the job's own wall
/// backstop before it declares the slot broken.
const WORKER_GRACE: Duration = Duration::from_secs(5);

/// Largest harness result read back.
const MAX_RESULT_BYTES: usize = 256 << 20;

/// A read of a calls job's records smaller than this lets the next ones
/// gather (see `run_job`); a larger one is read on at once, so that big
/// outputs do not wait on a full pipe.
const GATHER_UNDER_BYTES: usize = 16 << 10;

/// The slot misbehaved and must be replaced; the job's outcome is unknown.
#[derive(Debug)]
pub struct SlotFailure(pub String);

#[derive(Debug, Deserialize)]
struct Reply {
    exit_code: Option<i32>,
    signal: Option<i32>,
    cpu_ms: f64,
    wall_ms: f64,
    maxrss_kb: u64,
    killed: Option<String>,
    #[serde(default)]
    artifacts: Option<Value>,
}

/// Reads one frame from the control socket, blocking.
pub fn read_frame(slot: &Slot) -> io::Result<Value> {
    let mut control = slot.control();
    let mut header = [0u8; 4];
    control.read_exact(&mut header)?;
    let mut payload = vec![0u8; u32::from_le_bytes(header) as usize];
    control.read_exact(&mut payload)?;
    serde_json::from_slice(&payload).map_err(io::Error::other)
}

/// How long a worker has to clean up after a job and fork the next job's
/// process (killing a job's processes waits until their memory is freed).
const READY_TIMEOUT: Duration = Duration::from_secs(20);

/// Waits for the worker's "ready" frame after a job. `Err` means the slot
/// must be replaced: the worker is gone or slow, or the job left files it
/// could not remove.
pub fn await_ready(slot: &Slot) -> Result<(), SlotFailure> {
    let control = slot.control().as_raw_fd();
    let ready = poll_readable(&[control], READY_TIMEOUT.as_millis() as i32)
        .map_err(|e| SlotFailure(format!("waiting for the worker: {e}")))?;
    if !ready[0] {
        return Err(SlotFailure(
            "the worker did not finish cleaning up after a job".into(),
        ));
    }
    let frame = read_frame(slot).map_err(|e| SlotFailure(format!("reading the worker: {e}")))?;
    match frame.get("clean") {
        Some(Value::Bool(true)) => Ok(()),
        Some(Value::Bool(false)) => Err(SlotFailure(
            "the job left files the worker could not remove".into(),
        )),
        _ => Err(SlotFailure(format!(
            "unexpected frame from the worker: {frame}"
        ))),
    }
}

/// Runs `job` on `slot`. `Err` means the slot must be replaced. After an
/// `Ok`, call [`await_ready`] before the slot's next job.
/// `watch` sees each harness record of a calls job as it arrives and may
/// stop the job. `ahead` says a CPU is idle for the worker to prepare the
/// next job on while this one runs. `count_instructions`: a calls or timed
/// job's calls are counted by a hardware instruction counter, which the
/// worker asks for once it knows the job's process.
pub fn run_job(
    slot: &Slot,
    job: &Job,
    watch: Option<&RecordWatch>,
    ahead: bool,
    count_instructions: bool,
) -> Result<Outcome, SlotFailure> {
    let isolation = slot.isolation().name();
    if let Some(cgroup) = slot.cgroup() {
        // The memory cgroup limits the whole slot: the job's limit plus the
        // worker's share, which is larger where the address-space limit
        // is what stops the job.
        let worker_share = match &job.kind {
            JobKind::Exec {
                memory: MemoryMode::Cgroup,
                ..
            } => WORKER_RESIDENT_BYTES,
            _ => WORKER_MEMORY_BYTES,
        };
        cgroup
            .set_memory_limit(job.limits.memory_bytes.saturating_add(worker_share))
            .map_err(|e| SlotFailure(format!("setting the memory limit: {e}")))?;
    }
    let oom_before = slot.cgroup().map_or(0, |c| c.oom_kills());
    // The peak of an exec'd program is the slot's memory high-water mark
    // above what the worker held before: the child's own maximum resident
    // size would count the forked worker's pages it ran in before exec.
    let exec_job = matches!(job.kind, JobKind::Exec { .. });
    let usage_before = exec_job
        .then(|| slot.cgroup().and_then(|c| c.start_peak()))
        .flatten();
    let nonce = format!("{:032x}", rand::random::<u128>());
    let mut frame = job_frame(job, &nonce);
    // With a CPU to spare, the worker readies the next job's process while
    // this one runs, and the job leaves freeing its memory to a process
    // of its own; with none, both would only add work. Not beside an
    // exec'd program: its peak is read off the slot's cgroup, which the
    // next job's process would add to.
    // Nor beside a timed job: the call being measured keeps its CPU.
    let timed = matches!(job.kind, JobKind::Timed { .. });
    let ahead = ahead && !exec_job && !timed;
    frame["ahead"] = json!(ahead);
    let counted =
        count_instructions && matches!(job.kind, JobKind::Calls { .. } | JobKind::Timed { .. });
    // What the worker itself needs, on a line of its own; the job's
    // process gets the rest unparsed.
    let header = json!({
        "limits": {
            "cpu_ms": frame["limits"]["cpu_ms"],
            "wall_ms": frame["limits"]["wall_ms"],
            "active_ms": frame["limits"]["active_ms"],
        },
        "mode": frame["mode"],
        "guard": frame.get("guard"),
        "collect": frame.get("collect"),
        "ahead": frame["ahead"],
        "count_instructions": counted,
    });
    let mut payload = header.to_string().into_bytes();
    payload.push(b'\n');
    crate::marshal::write(&frame, &mut payload);
    let fail = |what: &str, e: io::Error| SlotFailure(format!("{what}: {e}"));
    let (out_r, out_w) = io::pipe().map_err(|e| fail("creating pipes", e))?;
    let (err_r, err_w) = io::pipe().map_err(|e| fail("creating pipes", e))?;
    let (res_r, res_w) = io::pipe().map_err(|e| fail("creating pipes", e))?;
    send_frame(
        slot.control(),
        &payload,
        &[out_w.as_raw_fd(), err_w.as_raw_fd(), res_w.as_raw_fd()],
    )
    .map_err(|e| fail("sending the job", e))?;
    drop((out_w, err_w, res_w));

    let mut streams = Streams::new(out_r, err_r, res_r, job.limits.kept_output_bytes as usize);
    let mut watcher = match (&job.kind, watch) {
        (JobKind::Calls { .. } | JobKind::Timed { .. }, Some(watch)) => Some(Watcher {
            watch,
            nonce: nonce.as_bytes(),
            scanned: 0,
            searched: 0,
            stopped: false,
        }),
        _ => None,
    };
    let deadline =
        Instant::now() + Duration::from_millis(job.limits.effective_wall_ms()) + WORKER_GRACE;
    let mut kill_sent = false;
    let reply = loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(SlotFailure(
                "the worker did not answer before its deadline".into(),
            ));
        }
        let mut fds = streams.open_fds();
        fds.push(slot.control().as_raw_fd());
        let ready = poll_readable(&fds, remaining.as_millis().min(i32::MAX as u128) as i32)
            .map_err(|e| fail("polling", e))?;
        if *ready.last().unwrap() {
            let frame = read_frame(slot).map_err(|e| fail("reading the reply", e))?;
            if let Some(pid) = frame.get("counter_for").and_then(Value::as_i64) {
                hand_counter(slot, pid).map_err(|e| fail("answering the counter request", e))?;
                continue;
            }
            break frame;
        }
        let records_read = streams.read_ready(&ready[..ready.len() - 1]);
        if !kill_sent && streams.output_total() > job.limits.output_bytes {
            send_frame(slot.control(), br#"{"kill":"output"}"#, &[])
                .map_err(|e| fail("stopping the job", e))?;
            kill_sent = true;
        }
        if !kill_sent && watcher.as_mut().is_some_and(|w| w.stops(&streams.result)) {
            send_frame(slot.control(), br#"{"kill":"enough"}"#, &[])
                .map_err(|e| fail("stopping the job", e))?;
            kill_sent = true;
        }
        // A calls job writes a record per input, thousands a second for
        // quick inputs: woken for each, the supervisor (and the job, waking
        // it) would spend more on the hand-off than the input took. After a
        // small read the next records are let gather for a millisecond,
        // unless the worker answers meanwhile. (The records just read have
        // been shown to the watch: a wrong output still stops the job at
        // once.)
        if watcher.is_some() && !kill_sent && (1..GATHER_UNDER_BYTES).contains(&records_read) {
            let control = [slot.control().as_raw_fd()];
            if poll_readable(&control, 1).map_err(|e| fail("polling", e))?[0] {
                break read_frame(slot).map_err(|e| fail("reading the reply", e))?;
            }
        }
    };
    if let Some(error) = reply.get("error").and_then(Value::as_str) {
        return Err(SlotFailure(format!("worker refused the job: {error}")));
    }
    let reply: Reply =
        serde_json::from_value(reply).map_err(|e| SlotFailure(format!("malformed reply: {e}")))?;
    streams.drain(Duration::from_millis(200));
    let oom_killed = slot.cgroup().is_some_and(|c| c.oom_kills() > oom_before);
    let output_total = streams.output_total();
    let (stdout, stdout_truncated, stderr, stderr_truncated, result) = streams.finish();
    let harness = parse_harness(&job.kind, &result, &nonce);
    let runtime_out_of_memory = matches!(job.kind, JobKind::Exec { .. })
        && reply.exit_code != Some(0)
        && says_out_of_memory(&stderr);
    let status = classify(
        job,
        &reply,
        harness.as_ref(),
        oom_killed || runtime_out_of_memory,
        output_total,
    );
    let outcome = Outcome {
        status,
        exit_code: reply.exit_code,
        signal: reply.signal,
        stdout,
        stderr,
        stdout_truncated,
        stderr_truncated,
        wall_ms: reply.wall_ms,
        cpu_ms: reply.cpu_ms,
        peak_memory_bytes: usage_before
            .and_then(|before| Some(slot.cgroup()?.peak()?.saturating_sub(before)))
            .filter(|&peak| peak > 0)
            .unwrap_or(reply.maxrss_kb * 1024),
        isolation: isolation.to_string(),
        harness,
        error: None,
        collected: reply.artifacts.as_ref().map(decode_artifacts),
    };
    Ok(outcome)
}

fn job_frame(job: &Job, nonce: &str) -> Value {
    let limits = &job.limits;
    let mut frame = json!({
        "code": job.code,
        "stdin": job.stdin,
        "limits": {
            "cpu_ms": limits.cpu_ms,
            "wall_ms": limits.effective_wall_ms(),
            "active_ms": limits.active_ms,
            "address_space_bytes": limits.memory_bytes,
            "file_bytes": limits.file_bytes,
            "processes": limits.processes,
            "open_files": limits.open_files,
        },
    });
    if let Some(trace) = &job.trace {
        frame["trace"] = json!(trace);
    }
    match &job.kind {
        JobKind::Program => frame["mode"] = json!("program"),
        JobKind::Check {
            test,
            entry_point,
            guard,
        } => {
            frame["mode"] = json!("check");
            frame["test"] = json!(test);
            frame["entry_point"] = json!(entry_point);
            frame["nonce"] = json!(nonce);
            frame["guard"] = json!(Guard::wire_name(*guard));
        }
        JobKind::Unittest {
            test,
            harness,
            classes,
            suite_ms,
            stack_bytes,
            module,
        } => {
            frame["mode"] = json!("unittest");
            if !module.is_empty() {
                frame["module"] = json!(module);
            }
            frame["test"] = json!(test);
            frame["harness"] = json!(harness.wire_name());
            frame["classes"] = json!(classes);
            frame["suite_seconds"] = json!(*suite_ms as f64 / 1000.0);
            frame["nonce"] = json!(nonce);
            if *stack_bytes > 0 {
                frame["limits"]["stack_bytes"] = json!(stack_bytes);
            }
            // Libraries reserve address space far beyond what they use
            // (BigCodeBench's own limit breaks their imports): the slot's
            // memory cgroup limits these jobs.
            frame["limits"]["address_space_bytes"] = Value::Null;
        }
        JobKind::Exec {
            argv,
            files,
            env,
            collect,
            memory,
        } => {
            frame["mode"] = json!("exec");
            frame["argv"] = json!(argv);
            let files: serde_json::Map<String, Value> = files
                .iter()
                .map(|(name, text)| (name.clone(), json!(text)))
                .collect();
            frame["files"] = Value::Object(files);
            let env: serde_json::Map<String, Value> =
                env.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            frame["env"] = Value::Object(env);
            if let Some(dir) = collect {
                frame["collect"] = json!(dir);
                frame["dirs"] = json!([dir]);
            }
            if *memory == MemoryMode::Cgroup {
                frame["limits"]["address_space_bytes"] = Value::Null;
            }
        }
        JobKind::Calls {
            entry_point,
            inputs_json,
            input_cpu_ms,
            guard,
            set_outputs,
            inputs_python,
            return_args,
        } => {
            frame["mode"] = json!("calls");
            if *set_outputs {
                frame["set_outputs"] = json!(true);
            }
            if let Some(sources) = inputs_python {
                frame["inputs_python"] = json!(sources);
            }
            if *return_args {
                frame["return_args"] = json!(true);
            }
            frame["guard"] = json!(Guard::wire_name(*guard));
            frame["entry_point"] = json!(entry_point);
            frame["inputs_json"] = json!(inputs_json);
            frame["input_cpu_ms"] = json!(input_cpu_ms);
            frame["nonce"] = json!(nonce);
        }
        JobKind::Asserts {
            tests,
            test_cpu_ms,
            guard,
        } => {
            frame["mode"] = json!("asserts");
            frame["tests"] = json!(tests);
            frame["test_cpu_ms"] = json!(test_cpu_ms);
            frame["guard"] = json!(Guard::wire_name(*guard));
            frame["nonce"] = json!(nonce);
        }
        JobKind::Suite {
            tests,
            test_cpu_ms,
            guard,
            collect,
            coverage,
        } => {
            frame["mode"] = json!("suite");
            frame["tests"] = json!(tests);
            frame["test_cpu_ms"] = json!(test_cpu_ms);
            frame["guard"] = json!(Guard::wire_name(*guard));
            frame["test_functions"] = json!(collect);
            frame["coverage"] = json!(coverage);
            frame["nonce"] = json!(nonce);
        }
        JobKind::Timed {
            entry_point,
            inputs_json,
            repeats,
            call_cpu_ms,
            hide_io,
            full_outputs,
        } => {
            frame["mode"] = json!("timed");
            frame["entry_point"] = json!(entry_point);
            frame["inputs_json"] = json!(inputs_json);
            frame["repeats"] = json!(repeats);
            frame["call_cpu_ms"] = json!(call_cpu_ms);
            frame["hide_io"] = json!(hide_io);
            frame["full_outputs"] = json!(full_outputs);
            frame["nonce"] = json!(nonce);
        }
    }
    frame
}

/// Answers the worker's request for an instruction counter on the job's
/// process (`pid`, in the slot's PID namespace): the counter's descriptor,
/// or why there is none (the job then runs without).
fn hand_counter(slot: &Slot, pid: i64) -> io::Result<()> {
    let opened = i32::try_from(pid)
        .map_err(|_| "not a process id".to_string())
        .and_then(|pid| {
            verdict_sandbox::perf::host_pid(slot.worker_pid(), pid)
                .map_err(|e| format!("finding the job's process: {e}"))?
                .ok_or_else(|| format!("the job's process {pid} is gone"))
        })
        .and_then(|host| {
            verdict_sandbox::perf::InstructionCounter::open(host).map_err(|e| e.to_string())
        });
    match opened {
        Ok(counter) => send_frame(slot.control(), b"{}", &[counter.fd().as_raw_fd()]),
        Err(why) => {
            let frame = json!({ "counter_error": why }).to_string();
            send_frame(slot.control(), frame.as_bytes(), &[])
        }
    }
}

/// Checks what the harness wrote. A pass counts only when it carries the
/// job's nonce; anything else claiming a pass is turned into a failure.
fn parse_harness(kind: &JobKind, bytes: &[u8], nonce: &str) -> Option<Value> {
    let (verified, body) = match bytes.strip_prefix(nonce.as_bytes()) {
        Some(rest) => (true, rest),
        None => (false, bytes),
    };
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    match kind {
        JobKind::Program => parsed,
        JobKind::Exec { .. } => None,
        JobKind::Check { .. } => {
            let mut value = parsed.filter(Value::is_object).unwrap_or_else(|| json!({}));
            let claims_pass = value.get("passed") == Some(&Value::Bool(true));
            value["passed"] = json!(verified && claims_pass);
            if claims_pass && !verified {
                value["forged"] = json!(true);
            }
            Some(value)
        }
        JobKind::Unittest { .. } => {
            // The report follows the nonce; whatever the candidate wrote to
            // the pipe before it is not part of it.
            let at = find_last(bytes, nonce.as_bytes())?;
            serde_json::from_slice::<Value>(&bytes[at + nonce.len()..])
                .ok()
                .filter(Value::is_object)
        }
        JobKind::Calls { .. }
        | JobKind::Timed { .. }
        | JobKind::Asserts { .. }
        | JobKind::Suite { .. } => {
            // One record per line, each carrying the nonce; anything else on
            // the pipe was written by the candidate and is ignored. Records
            // stay text: they hold integers wider than 64 bits and NaN,
            // which the layer comparing them parses as Python would.
            let records: Vec<Value> = bytes
                .split(|&b| b == b'\n')
                .filter_map(|line| line.strip_prefix(nonce.as_bytes()))
                .map(|line| Value::String(text_of(line).into_owned()))
                .collect();
            Some(json!({ "records": records }))
        }
    }
}

/// Where the last occurrence of `needle` starts in `bytes`.
fn find_last(bytes: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || bytes.len() < needle.len() {
        return None;
    }
    (0..=bytes.len() - needle.len())
        .rev()
        .find(|&at| &bytes[at..at + needle.len()] == needle)
}

/// `bytes` as text, invalid UTF-8 replaced. Records are valid UTF-8 but
/// for what a candidate writes itself, and can be megabytes long: the
/// validating check skips ASCII a word at a time, the replacing one goes
/// byte by byte (it was among the supervisor's hottest functions).
fn text_of(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// What language runtimes print when an allocation fails under the memory
/// limit (C++, Rust, the JVM, V8, Go, Ruby, PHP, Perl). A program printing
/// one of them itself only turns its own failure into a memory limit.
fn says_out_of_memory(stderr: &str) -> bool {
    const SIGNS: [&str; 9] = [
        "std::bad_alloc",
        "memory allocation of ",
        "java.lang.OutOfMemoryError",
        "JavaScript heap out of memory",
        "runtime: out of memory",
        "failed to allocate memory (NoMemoryError)",
        "Allowed memory size of",
        "Out of memory!",
        "Cannot allocate memory",
    ];
    SIGNS.iter().any(|sign| stderr.contains(sign))
}

fn classify(
    job: &Job,
    reply: &Reply,
    harness: Option<&Value>,
    oom_killed: bool,
    output_total: u64,
) -> Status {
    let signal = reply.signal;
    let memory_error = harness.is_some_and(|h| {
        h.get("uncaught").and_then(Value::as_str) == Some("MemoryError")
            || h.get("exc_type").and_then(Value::as_str) == Some("MemoryError")
    });
    let cpu_exhausted = reply.cpu_ms >= job.limits.cpu_ms as f64;
    match reply.killed.as_deref() {
        Some("output") => return Status::OutputLimit,
        Some("wall") | Some("active") | Some("cpu") => return Status::TimeLimit,
        _ => {}
    }
    if output_total > job.limits.output_bytes || signal == Some(libc_signal::SIGXFSZ) {
        Status::OutputLimit
    } else if matches!(
        signal,
        Some(libc_signal::SIGXCPU) | Some(libc_signal::SIGPROF)
    ) || (signal == Some(libc_signal::SIGKILL) && cpu_exhausted)
    {
        Status::TimeLimit
    } else if oom_killed || memory_error {
        Status::MemoryLimit
    } else if reply.exit_code == Some(0) {
        Status::Ok
    } else if matches!(job.kind, JobKind::Exec { .. })
        && reply.cpu_ms >= job.limits.cpu_ms as f64 * 0.95
    {
        // A runtime that catches the CPU timer's signal itself (PHP reports
        // "Maximum execution time exceeded") still ran out of time.
        Status::TimeLimit
    } else {
        Status::RuntimeError
    }
}

/// The worker's list of collected files, or its reason for sending none.
fn decode_artifacts(value: &Value) -> Result<Vec<Artifact>, String> {
    if let Some(reason) = value.as_str() {
        return Err(reason.to_string());
    }
    let bad = || "malformed build output from the worker".to_string();
    let list = value.as_array().ok_or_else(bad)?;
    list.iter()
        .map(|item| {
            let path = item.get(0).and_then(Value::as_str).ok_or_else(bad)?;
            let executable = item.get(1).and_then(Value::as_bool).ok_or_else(bad)?;
            let data = item.get(2).and_then(Value::as_str).ok_or_else(bad)?;
            let data = base64::engine::general_purpose::STANDARD
                .decode(data)
                .map_err(|_| bad())?;
            Ok(Artifact {
                path: path.to_string(),
                executable,
                data,
            })
        })
        .collect()
}

/// Signal numbers on Linux (this crate has no `libc` calls of its own).
mod libc_signal {
    pub const SIGKILL: i32 = 9;
    pub const SIGPROF: i32 = 27;
    pub const SIGXCPU: i32 = 24;
    pub const SIGXFSZ: i32 = 25;
}

/// Shows a calls job's records to a [`RecordWatch`] as they arrive.
struct Watcher<'a> {
    watch: &'a RecordWatch,
    nonce: &'a [u8],
    /// Where the first line not shown yet starts.
    scanned: usize,
    /// How far that line has been searched for its end.
    searched: usize,
    /// The watch has asked to stop.
    stopped: bool,
}

impl Watcher<'_> {
    /// Shows the complete lines of `result` not shown yet; whether the
    /// watch has asked to stop. Lines without the nonce (the candidate's
    /// own writes) are not shown.
    fn stops(&mut self, result: &[u8]) -> bool {
        while !self.stopped {
            let from = self.searched.max(self.scanned);
            let Some(end) = result[from..].iter().position(|&b| b == b'\n') else {
                self.searched = result.len();
                break;
            };
            let line = &result[self.scanned..from + end];
            self.scanned = from + end + 1;
            if let Some(record) = line.strip_prefix(self.nonce) {
                self.stopped = (self.watch)(&text_of(record));
            }
        }
        self.stopped
    }
}

struct Streams {
    pipes: [Option<PipeReader>; 3],
    stdout: Capture,
    stderr: Capture,
    result: Vec<u8>,
    buf: Vec<u8>,
}

impl Streams {
    fn new(out: PipeReader, err: PipeReader, res: PipeReader, keep: usize) -> Streams {
        Streams {
            pipes: [Some(out), Some(err), Some(res)],
            stdout: Capture::new(keep),
            stderr: Capture::new(keep),
            result: Vec::new(),
            buf: vec![0u8; 64 << 10],
        }
    }

    fn open_fds(&self) -> Vec<i32> {
        self.pipes.iter().flatten().map(|p| p.as_raw_fd()).collect()
    }

    fn output_total(&self) -> u64 {
        self.stdout.total() + self.stderr.total()
    }

    /// Reads once from each pipe flagged ready (flags follow `open_fds`);
    /// the bytes read from the result pipe.
    fn read_ready(&mut self, ready: &[bool]) -> usize {
        let mut flags = ready.iter();
        let buf = &mut self.buf;
        let mut records = 0;
        for index in 0..3 {
            let Some(pipe) = self.pipes[index].as_mut() else {
                continue;
            };
            if !flags.next().copied().unwrap_or(false) {
                continue;
            }
            match pipe.read(buf) {
                Ok(0) | Err(_) => self.pipes[index] = None,
                Ok(n) => match index {
                    0 => self.stdout.push(&buf[..n]),
                    1 => self.stderr.push(&buf[..n]),
                    _ => {
                        records = n;
                        if self.result.len() < MAX_RESULT_BYTES {
                            self.result.extend_from_slice(&buf[..n]);
                        }
                    }
                },
            }
        }
        records
    }

    /// Reads what is left after the job ended; every writer is dead by now,
    /// so each pipe reaches end of file quickly.
    fn drain(&mut self, limit: Duration) {
        let until = Instant::now() + limit;
        while !self.open_fds().is_empty() {
            let remaining = until.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                break;
            }
            let Ok(ready) = poll_readable(&self.open_fds(), remaining.as_millis() as i32) else {
                break;
            };
            self.read_ready(&ready);
        }
    }

    fn finish(self) -> (String, bool, String, bool, Vec<u8>) {
        let (stdout, out_cut) = self.stdout.finish();
        let (stderr, err_cut) = self.stderr.finish();
        (stdout, out_cut, stderr, err_cut, self.result)
    }
}
