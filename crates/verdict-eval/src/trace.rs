//! `--trace`: runtime traces of a Python candidate's own code (the worker's
//! tracing.py), for its failing tests or for every test.
//!
//! A trace never changes a verdict: the verdict is the untraced run's, and
//! the trace comes from a second run of the same job with the tracer on
//! (a job that asks for no trace loads nothing of it). The second run gets
//! [`TIME_FACTOR`] times the time limits, as tracing slows the code down,
//! unless the first run reached its limit already: then the same limits,
//! since more time would only show more of the same loop.

use serde_json::{Map, Value, json};
use verdict_exec::{Job, JobKind, Outcome, Status, TraceRequest};

/// How much longer a traced run may take than the untraced one.
pub const TIME_FACTOR: u64 = 4;

/// How much later than the CPU limit a traced job's active-time and
/// wall-clock limits stop it.
const ACTIVE_MARGIN_MS: u64 = 1_000;

/// What `--trace` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceOptions {
    /// Trace every test, not only the failing ones.
    pub all: bool,
    /// What each test's trace keeps (its `tests` is set per job).
    pub request: TraceRequest,
}

impl TraceOptions {
    /// Failing tests, with the default bounds.
    pub fn failing() -> TraceOptions {
        TraceOptions {
            all: false,
            request: TraceRequest::default(),
        }
    }

    /// Whether a sample that `passed` is traced.
    pub fn wants(&self, passed: bool) -> bool {
        self.all || !passed
    }

    /// `job` again with the tracer on for `tests` (`None`: all of them),
    /// its time limits stretched unless the untraced run `timed_out`.
    pub fn traced(&self, job: &Job, tests: Option<Vec<String>>, timed_out: bool) -> Job {
        let factor = if timed_out { 1 } else { TIME_FACTOR };
        let mut job = job.clone();
        let limits = &mut job.limits;
        limits.cpu_ms = limits.cpu_ms.saturating_mul(factor);
        // The CPU limit must be the one reached first: at it, the tracer
        // reports what it has before the job ends.
        if limits.active_ms > 0 {
            limits.active_ms = limits.active_ms.saturating_mul(factor) + ACTIVE_MARGIN_MS;
        }
        if limits.wall_ms > 0 {
            limits.wall_ms = limits.wall_ms.saturating_mul(factor) + ACTIVE_MARGIN_MS;
        }
        match &mut job.kind {
            JobKind::Calls { input_cpu_ms, .. } => {
                for ms in input_cpu_ms {
                    *ms = ms.saturating_mul(factor);
                }
            }
            JobKind::Unittest { suite_ms, .. } => *suite_ms = suite_ms.saturating_mul(factor),
            _ => {}
        }
        job.trace = Some(TraceRequest {
            tests,
            ..self.request.clone()
        });
        job
    }
}

/// What stands for a trace the traced run did not report: it was killed
/// (a memory limit, a signal, a CPU limit reached inside a C call) before
/// the tracer could write.
fn unavailable(outcome: &Outcome) -> Value {
    let why = match outcome.status {
        Status::SandboxError => format!(
            "the traced run could not be run: {}",
            outcome.error.as_deref().unwrap_or("sandbox error")
        ),
        status => format!(
            "the traced run ended ({}) before its tracer reported",
            status.name()
        ),
    };
    json!({ "unavailable": why })
}

/// A trace with what it belongs to put first.
fn labelled(label: Map<String, Value>, trace: &Value) -> Value {
    let mut value = label;
    if let Value::Object(fields) = trace {
        value.extend(fields.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    Value::Object(value)
}

/// The trace of a program or check job (one test), labelled with `label`.
pub fn single(outcome: &Outcome, label: Map<String, Value>) -> Value {
    match outcome.harness.as_ref().and_then(|h| h.get("trace")) {
        Some(trace) => labelled(label, trace),
        None => labelled(label, &unavailable(outcome)),
    }
}

/// The traces of a calls job, by input index, labelled with `label` and
/// the input's `test` index; `wanted` are the inputs traced (`None`: the
/// ones the run reached), each missing one marked unavailable.
pub fn of_calls(
    outcome: &Outcome,
    label: &Map<String, Value>,
    wanted: Option<&[usize]>,
) -> Vec<Value> {
    let mut found: Vec<(usize, Value)> = records(outcome)
        .filter_map(|record| {
            let index = record.get("trace_of")?.as_u64()? as usize;
            Some((index, record.get("trace")?.clone()))
        })
        .collect();
    found.sort_by_key(|(index, _)| *index);
    let mut traces = Vec::new();
    let mut with_test = |index: usize, trace: &Value| {
        let mut label = label.clone();
        label.insert("test".into(), json!(index));
        traces.push(labelled(label, trace));
    };
    match wanted {
        Some(wanted) => {
            for &index in wanted {
                match found.iter().find(|(i, _)| *i == index) {
                    Some((_, trace)) => with_test(index, trace),
                    None => with_test(index, &unavailable(outcome)),
                }
            }
        }
        None => {
            for (index, trace) in &found {
                with_test(*index, trace);
            }
        }
    }
    traces
}

/// The records of a calls job, parsed (the trace records are plain JSON).
fn records(outcome: &Outcome) -> impl Iterator<Item = Value> + '_ {
    outcome
        .harness
        .as_ref()
        .and_then(|h| h.get("records"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|line| line.as_str())
        .filter(|line| line.starts_with("{\"trace_of\""))
        .filter_map(|line| serde_json::from_str(line).ok())
}

/// The traces of a unittest job, by test name; `wanted` are the tests
/// traced (`None`: every test the run reached), each missing one marked
/// unavailable.
pub fn of_unittest(outcome: &Outcome, wanted: Option<&[String]>) -> Vec<Value> {
    let found = outcome
        .harness
        .as_ref()
        .and_then(|h| h.get("traces"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let label = |name: &str| {
        let mut label = Map::new();
        label.insert("test".into(), json!(name));
        label
    };
    match wanted {
        Some(wanted) => wanted
            .iter()
            .map(|name| match found.get(name) {
                Some(trace) => labelled(label(name), trace),
                None => labelled(label(name), &unavailable(outcome)),
            })
            .collect(),
        None => found
            .iter()
            .map(|(name, trace)| labelled(label(name), trace))
            .collect(),
    }
}

/// Puts `traces` into a row's details as `traces`.
pub fn attach(details: &mut Option<Value>, traces: Vec<Value>) {
    if traces.is_empty() {
        return;
    }
    match details {
        Some(Value::Object(map)) => {
            map.insert("traces".into(), Value::Array(traces));
        }
        _ => *details = Some(json!({ "traces": traces })),
    }
}
