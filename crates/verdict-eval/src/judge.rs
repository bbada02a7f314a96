//! Judging one sample: building its jobs, running them on the pool, and
//! turning outcomes into a result row with human-eval's `result` text,
//! verdict's `status`, EvalPlus's `base_status`/`plus_status`, and failure
//! details.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value, json};
use verdict_exec::{Guard, Job, JobKind, Limits, Outcome, Pool, RecordWatch, Status};

use crate::benchmarks::Mode;
use crate::compare::{Comparator, decode};
use crate::dataset::{Benchmark, PlusTests, SpecialOracle, Task};
use crate::expected::{ExpectedOutputs, ListExpected, TaskExpected};
use crate::pyvalue::{self, PyValue};
use crate::results::{RESULT_PASSED, RESULT_TIMED_OUT, ResultRow, clip, result_failed};
use crate::samples::{Sample, SampleCode};

/// Limits for judging, with the official harnesses' defaults beside them.
#[derive(Debug, Clone, Copy)]
pub struct EvalLimits {
    /// CPU time, and active time (wall clock minus waiting for a CPU), of a
    /// check()-style sample (human-eval: 3 s of wall clock).
    pub check_cpu_ms: u64,
    /// Smallest CPU time of one EvalPlus input (EvalPlus: 1 s of wall clock).
    pub min_input_ms: u64,
    /// Factor over the reference solution's time per input (EvalPlus: 4).
    pub input_time_factor: f64,
    /// Memory (address space) of a sample (human-eval: none; EvalPlus: 4 GiB).
    pub memory_bytes: u64,
}

impl EvalLimits {
    /// The defaults of `benchmark` (its [`crate::benchmarks::Defaults`]),
    /// with EvalPlus's per-input limits.
    pub fn for_benchmark(benchmark: Benchmark) -> EvalLimits {
        let defaults = benchmark.spec().limits;
        EvalLimits {
            check_cpu_ms: defaults.time_ms,
            min_input_ms: 1_000,
            input_time_factor: 4.0,
            memory_bytes: defaults.memory_bytes,
        }
    }
}

/// Everything needed to judge samples of one benchmark.
pub struct Judge<'a> {
    /// The benchmark.
    pub benchmark: Benchmark,
    /// Expected outputs (EvalPlus benchmarks only).
    pub expected: Option<&'a ExpectedOutputs>,
    /// Limits.
    pub limits: EvalLimits,
    /// BigCodeBench: put `code_prompt + "\n    pass\n"` before the sample
    /// (the official default).
    pub calibrated: bool,
    /// ClassEval: take each sample's code from a raw model response as the
    /// official pipeline does (`extract_code`, then `add_static_statement`);
    /// the samples file's path, which the official code reads as the model
    /// name. `None`: the code as it is.
    pub classeval_extract: Option<String>,
    /// ENAMEL: each task's tests and the settings they were made with.
    pub enamel: Option<(&'a crate::enamel::Prepared, &'a crate::enamel::Params)>,
    /// `--efficiency`: each task's reference cost, measured in this run;
    /// a calls benchmark's rows then carry their `efficiency`.
    pub efficiency: Option<&'a crate::efficiency_report::References>,
    /// Costs are instruction counts (`--measure instructions`).
    pub instructions: bool,
    /// `--trace`: rows of Python samples carry runtime traces.
    pub trace: Option<crate::trace::TraceOptions>,
}

impl Judge<'_> {
    /// Judges `sample` of `task` on `pool`.
    pub fn judge(&self, pool: &Pool, task: &Task, sample: &Sample) -> ResultRow {
        let text = match sample.code() {
            SampleCode::Solution(s) | SampleCode::Completion(s) => s,
        };
        if let Some(reason) = (self.benchmark.spec().skip)(task, text) {
            return skipped_row(sample.fields.clone(), &reason);
        }
        let program = self.benchmark.check_program(task, sample.code());
        if let Some(problem) = &task.stdio {
            let language = sample
                .fields
                .get("language")
                .and_then(Value::as_str)
                .unwrap_or("python");
            let options = crate::stdio::StdioOptions {
                time_limit_ms: self.limits.check_cpu_ms,
                memory_bytes: self.limits.memory_bytes,
                stop_on_first_failure: false,
                trace: self.trace.clone(),
            };
            return crate::stdio::judge_sample(
                pool,
                problem,
                language,
                &program.program,
                &options,
                sample.fields.clone(),
            );
        }
        if let Mode::ExitCode(language) = self.benchmark.mode() {
            return crate::multiple::judge(
                pool,
                language,
                &program.full_source(),
                &self.limits,
                sample.fields.clone(),
            );
        }
        if let Some(rules) = self.benchmark.unittest() {
            let program = match rules.harness {
                verdict_exec::UnittestHarness::BigCodeBench => {
                    crate::unittest_judge::bigcodebench_program(
                        task,
                        &program.program,
                        self.calibrated,
                    )
                }
                verdict_exec::UnittestHarness::ClassEval => {
                    let code = match &self.classeval_extract {
                        Some(source) => crate::classeval::add_static_statement(
                            &crate::classeval::extract_code(&program.program, source),
                        ),
                        None => program.program,
                    };
                    crate::classeval::program(task, &code)
                }
            };
            return crate::unittest_judge::judge(
                pool,
                task,
                program,
                rules,
                &self.limits,
                sample.fields.clone(),
                self.trace.as_ref(),
            );
        }
        if self.benchmark.mode() == Mode::Enamel {
            let Some((prepared, params)) = self.enamel else {
                return error_row(
                    sample.fields.clone(),
                    "no ENAMEL tests were prepared".into(),
                );
            };
            return match prepared.tests(task, pool) {
                Ok(tests) => crate::enamel::judge(
                    pool,
                    task,
                    &tests,
                    program.program,
                    params,
                    self.limits.memory_bytes,
                    sample.fields.clone(),
                ),
                Err(why) => error_row(sample.fields.clone(), why),
            };
        }
        if self.benchmark.is_plus() {
            return self.judge_plus(pool, task, sample, &program.program);
        }
        let job = Job {
            code: program.program,
            kind: JobKind::Check {
                test: program.test,
                entry_point: program.check_call.map(|_| program.entry_point),
                guard: Some(Guard::HumanEval),
            },
            stdin: None,
            limits: Limits {
                cpu_ms: self.limits.check_cpu_ms,
                // human-eval's limit is wall-clock: a completion that sleeps
                // past it fails. Time spent waiting for a CPU does not count.
                active_ms: self.limits.check_cpu_ms,
                memory_bytes: self.limits.memory_bytes,
                ..Limits::default()
            },
            trace: None,
        };
        let again = self.trace.as_ref().map(|_| job.clone());
        let mut row = check_row(sample.fields.clone(), &pool.run(job));
        if let (Some(options), Some(job)) = (&self.trace, again)
            && options.wants(row.passed)
        {
            let traced = pool.run(options.traced(&job, None, row.status == "timed_out"));
            let trace = crate::trace::single(&traced, Map::new());
            crate::trace::attach(&mut row.details, vec![trace]);
        }
        row
    }

    pub(crate) fn judge_plus(
        &self,
        pool: &Pool,
        task: &Task,
        sample: &Sample,
        program: &str,
    ) -> ResultRow {
        let expected = self.expected.and_then(|e| e.get(&task.task_id));
        let (Some(tests), Some(expected)) = (task.plus.as_ref(), expected) else {
            return error_row(
                sample.fields.clone(),
                format!("no expected outputs for {}", task.task_id),
            );
        };
        let oracle = self.benchmark.task_oracle(task);
        let rules = self.benchmark.spec().calls;
        let run = |list: InputList| -> ListVerdict {
            let (inputs, exp) = list.of(tests, expected);
            if let Some(error) = &exp.error {
                return ListVerdict::error(error.clone());
            }
            let limits: Vec<u64> = exp
                .ms
                .iter()
                .map(|ms| {
                    (ms * self.limits.input_time_factor)
                        .ceil()
                        .max(self.limits.min_input_ms as f64) as u64
                })
                .collect();
            let total: u64 = limits.iter().sum::<u64>().min(60_000) + 1_000;
            let inputs_python = PlusTests::python_sources(inputs);
            let inputs_json = match inputs_python {
                Some(_) => "[]".to_string(),
                None => PyValue::List(inputs.to_vec()).to_tagged_json(),
            };
            let job = Job {
                code: program.to_string(),
                kind: JobKind::Calls {
                    entry_point: task.entry_point.clone(),
                    inputs_json,
                    input_cpu_ms: limits,
                    guard: Some(Guard::EvalPlus),
                    set_outputs: oracle == Some(SpecialOracle::SetEq),
                    inputs_python,
                    return_args: oracle.is_some_and(SpecialOracle::reads_args),
                },
                stdin: None,
                limits: Limits {
                    cpu_ms: total,
                    memory_bytes: self.limits.memory_bytes,
                    ..Limits::default()
                },
                trace: None,
            };
            let verified = Arc::new(Mutex::new(Verified::none(Comparator::with(
                rules.comparison,
                tests.atol,
                oracle,
            ))));
            let watch = stop_at_first_mismatch(tests, expected, list, Arc::clone(&verified));
            let again = self.trace.as_ref().map(|_| job.clone());
            let outcome = pool.run_watched(job, watch);
            let verified = *verified.lock().unwrap_or_else(|e| e.into_inner());
            let mut verdict = judge_list(&outcome, inputs, exp, verified);
            if let (Some(options), Some(job)) = (&self.trace, again) {
                verdict.traces = trace_calls(pool, options, &job, &verdict, list);
            }
            verdict
        };
        let base = run(InputList::Base);
        let mut row = if !rules.plus_list {
            base_row(sample.fields.clone(), base)
        } else {
            let plus = run(InputList::Plus);
            plus_row(sample.fields.clone(), base, plus)
        };
        if let Some(references) = self.efficiency {
            crate::efficiency_report::annotate(
                &mut row,
                references.get(&task.task_id),
                self.instructions,
            );
        }
        row
    }
}

/// One of the two input lists of an EvalPlus task.
#[derive(Debug, Clone, Copy)]
enum InputList {
    Base,
    Plus,
}

impl std::fmt::Display for InputList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            InputList::Base => "base",
            InputList::Plus => "plus",
        })
    }
}

impl InputList {
    fn of<'a>(
        self,
        tests: &'a PlusTests,
        expected: &'a TaskExpected,
    ) -> (&'a [PyValue], &'a ListExpected) {
        match self {
            InputList::Base => (&tests.base_input, &expected.base),
            InputList::Plus => (&tests.plus_input, &expected.plus),
        }
    }
}

/// A watch that stops a calls job at its first output EvalPlus's comparison
/// rejects: nothing after it can change the list's status (`fail`), so a
/// wrong sample does not run its remaining inputs (EvalPlus stops there
/// too). The comparison runs in the supervisor, as the final one does, and
/// what it verifies (`verified`) the final one does not compare again.
fn stop_at_first_mismatch(
    tests: &Arc<PlusTests>,
    expected: &Arc<TaskExpected>,
    list: InputList,
    verified: Arc<Mutex<Verified>>,
) -> RecordWatch {
    let (tests, expected) = (Arc::clone(tests), Arc::clone(expected));
    // Set at the first line that is not the next right output: the lines
    // after it are still compared, to stop early, but no longer verified
    // (the verified ones must be the first lines, in input order).
    let broken = AtomicBool::new(false);
    Arc::new(move |line: &str| {
        let (inputs, exp) = list.of(&tests, &expected);
        let mut verified = verified.lock().unwrap_or_else(|e| e.into_inner());
        let checked = check_record(line, inputs, exp, &mut verified.comparator);
        match checked {
            Some((index, false))
                if index == verified.records && !broken.load(Ordering::Relaxed) =>
            {
                verified.records += 1
            }
            _ => broken.store(true, Ordering::Relaxed),
        }
        checked.is_some_and(|(_, stop)| stop)
    })
}

/// Compares one record line as it arrives: its input index and whether it
/// ends the list (a wrong or unreadable output), or `None` for a line that
/// is not an output of one of the inputs (an exception, the end).
fn check_record(
    line: &str,
    inputs: &[PyValue],
    exp: &ListExpected,
    comparator: &mut Comparator,
) -> Option<(usize, bool)> {
    let record = pyvalue::parse_json(line).ok()?;
    let index = record.get("i").and_then(PyValue::as_f64)? as usize;
    let out = record.get("out")?;
    let wanted = exp.decoded().ok()?.get(index)?;
    let input = inputs.get(index)?;
    let Ok(out) = decode(out) else {
        return Some((index, true));
    };
    let args = record.get("args").map(decode).and_then(Result::ok);
    let wrong = comparator
        .check_call(input.as_seq().unwrap_or(&[]), args.as_ref(), &out, wanted)
        .is_err();
    Some((index, wrong))
}

/// The leading records of a calls job already compared and found right
/// (each the output of the input of its position), and the comparator as
/// it stands after them (the first float output makes its `atol` 1e-6).
#[derive(Debug, Clone, Copy)]
pub struct Verified {
    /// How many leading records.
    pub records: usize,
    /// The comparator for the records after them.
    pub comparator: Comparator,
}

impl Verified {
    /// Nothing verified yet.
    pub fn none(comparator: Comparator) -> Verified {
        Verified {
            records: 0,
            comparator,
        }
    }
}

/// The harness records of a calls job, parsed as Python's `json.loads`.
pub fn records_of(outcome: &Outcome) -> Vec<PyValue> {
    records_after(outcome, 0)
}

/// The harness records of a calls job after the first `skip`, parsed.
fn records_after(outcome: &Outcome, skip: usize) -> Vec<PyValue> {
    let lines = outcome
        .harness
        .as_ref()
        .and_then(|h| h.get("records"))
        .and_then(Value::as_array);
    lines
        .into_iter()
        .flatten()
        .skip(skip)
        .filter_map(Value::as_str)
        .filter_map(|line| pyvalue::parse_json(line).ok())
        .collect()
}

/// The first exception or timeout among `records`, in words.
pub fn first_problem(records: &[PyValue]) -> Option<String> {
    records.iter().find_map(|r| {
        if let Some(exc) = r
            .get("setup_error")
            .or_else(|| r.get("exc"))
            .and_then(PyValue::as_str)
        {
            let message = r.get("message").and_then(PyValue::as_str).unwrap_or("");
            Some(format!("{exc}: {message}"))
        } else if r.get("timeout").is_some() {
            Some("time limit".into())
        } else {
            None
        }
    })
}

/// EvalPlus's status of one input list, with what failed.
#[derive(Debug, Clone)]
pub struct ListVerdict {
    /// `pass`, `fail` or `timeout`, as EvalPlus names them.
    pub status: &'static str,
    /// What failed, for the result row.
    pub failure: Option<Value>,
    /// The outcome's resource use.
    pub usage: Value,
    /// verdict's own reading of why it failed.
    pub cause: Option<Status>,
    /// `--trace`: the traces of the list's inputs.
    pub traces: Vec<Value>,
}

impl ListVerdict {
    fn error(message: String) -> ListVerdict {
        ListVerdict {
            status: "fail",
            failure: Some(json!({ "error": message })),
            usage: Value::Null,
            cause: Some(Status::SandboxError),
            traces: Vec::new(),
        }
    }
}

/// The traces `options` asks for of a judged calls `job`: its failing
/// input's, or with `all` every input's (none when the program failed
/// before its first call).
pub fn trace_calls(
    pool: &Pool,
    options: &crate::trace::TraceOptions,
    job: &Job,
    verdict: &ListVerdict,
    list: impl std::fmt::Display,
) -> Vec<Value> {
    let passed = verdict.status == "pass";
    if !options.wants(passed) {
        return Vec::new();
    }
    let failing = verdict
        .failure
        .as_ref()
        .and_then(|f| f.get("input_index"))
        .and_then(Value::as_u64)
        .map(|i| i as usize);
    let wanted = match (options.all, failing) {
        (true, _) => None,
        (false, Some(index)) => Some(vec![index]),
        (false, None) => return Vec::new(),
    };
    let tests = wanted
        .as_ref()
        .map(|w| w.iter().map(ToString::to_string).collect());
    let timed_out = verdict.status == "timeout" || verdict.cause == Some(Status::TimeLimit);
    let traced = pool.run(options.traced(job, tests, timed_out));
    let mut label = Map::new();
    label.insert("list".into(), json!(list.to_string()));
    crate::trace::of_calls(&traced, &label, wanted.as_deref())
}

/// Applies EvalPlus's rules to the records of one input list, past those
/// `verified` already.
pub fn judge_list(
    outcome: &Outcome,
    inputs: &[PyValue],
    exp: &ListExpected,
    verified: Verified,
) -> ListVerdict {
    let Verified {
        records: skip,
        mut comparator,
    } = verified;
    let usage = Value::Object(usage_of(outcome));
    let verdict = |status, failure: Value, cause| ListVerdict {
        status,
        failure: Some(failure),
        usage: usage.clone(),
        cause,
        traces: Vec::new(),
    };
    let records = records_after(outcome, skip);
    if let Some(setup) = records.iter().find(|r| r.get("setup_error").is_some()) {
        return verdict("fail", failure_of(setup, None), None);
    }
    let expected = match exp.decoded() {
        Ok(values) => values,
        Err(e) => return ListVerdict::error(format!("unreadable expected outputs: {e}")),
    };
    let mut by_index = records.iter().filter(|r| r.get("i").is_some());
    for (index, input) in inputs.iter().enumerate().skip(skip) {
        let Some(record) = by_index.next() else {
            return verdict(
                "timeout",
                json!({ "input_index": index, "reason": "the program ended without reporting" }),
                Some(outcome.status),
            );
        };
        let args = input.as_seq().unwrap_or(&[]);
        if record.get("out").is_none() {
            let cause = record.get("timeout").map(|_| Status::TimeLimit);
            return verdict("fail", failure_of(record, Some(input)), cause);
        }
        let out = match record.get("out").map(decode) {
            Some(Ok(out)) => out,
            _ => {
                return verdict(
                    "fail",
                    json!({ "input_index": index, "reason": "unreadable output" }),
                    None,
                );
            }
        };
        let returned = record.get("args").map(decode).and_then(Result::ok);
        if let Err(reason) = comparator.check_call(args, returned.as_ref(), &out, &expected[index])
        {
            return verdict(
                "fail",
                json!({
                    "input_index": index,
                    "input": clip(&input.to_python(), 500),
                    "expected": expected[index].to_python(),
                    "actual": out.to_python(),
                    "reason": reason,
                }),
                None,
            );
        }
    }
    if records.iter().any(|r| r.get("done").is_some()) {
        ListVerdict {
            status: "pass",
            failure: None,
            usage,
            cause: None,
            traces: Vec::new(),
        }
    } else {
        verdict(
            "timeout",
            json!({ "reason": "the program ended without reporting" }),
            Some(outcome.status),
        )
    }
}

fn failure_of(record: &PyValue, input: Option<&PyValue>) -> Value {
    let mut failure = Map::new();
    if let Some(i) = record.get("i").and_then(|v| v.as_f64()) {
        failure.insert("input_index".into(), json!(i as u64));
    }
    if let Some(input) = input {
        failure.insert("input".into(), json!(clip(&input.to_python(), 500)));
    }
    if record.get("timeout").is_some() {
        failure.insert("reason".into(), json!("time limit"));
    }
    for key in ["setup_error", "exc", "message"] {
        if let Some(text) = record.get(key).and_then(PyValue::as_str) {
            let name = if key == "message" {
                "message"
            } else {
                "exception"
            };
            failure.insert(name.into(), json!(text));
        }
    }
    Value::Object(failure)
}

fn usage_of(outcome: &Outcome) -> Map<String, Value> {
    let mut usage = Map::new();
    usage.insert("wall_ms".into(), json!(outcome.wall_ms));
    usage.insert("cpu_ms".into(), json!(outcome.cpu_ms));
    usage.insert("peak_memory_bytes".into(), json!(outcome.peak_memory_bytes));
    if outcome
        .harness
        .as_ref()
        .is_some_and(|h| h.get("records").is_some())
    {
        // The CPU time of the calls alone, each taken in the job's process
        // around the call (the setup and the harness left out).
        let calls_ms: f64 = records_of(outcome)
            .iter()
            .filter(|r| r.get("out").is_some())
            .filter_map(|r| r.get("ms").and_then(PyValue::as_f64))
            // (A float `sum()` of nothing is -0.0.)
            .fold(0.0, |a, b| a + b);
        usage.insert("calls_cpu_ms".into(), json!(calls_ms));
        let counts: Vec<f64> = records_of(outcome)
            .iter()
            .filter(|r| r.get("out").is_some())
            .filter_map(|r| r.get("instr").and_then(PyValue::as_f64))
            .collect();
        if !counts.is_empty() {
            usage.insert(
                "calls_instructions".into(),
                json!(counts.iter().fold(0.0, |a, b| a + b)),
            );
        }
    }
    usage
}

/// The row of a sample the official evaluator does not run (CRUXEval's
/// anti-cheat rules): it fails, and scoring decides whether it counts.
pub fn skipped_row(fields: Map<String, Value>, reason: &str) -> ResultRow {
    ResultRow {
        fields,
        passed: false,
        result: format!("skipped: {reason}"),
        status: "skipped".into(),
        details: Some(json!({ "skipped": reason })),
    }
}

/// The row of a check()-style sample.
pub fn check_row(fields: Map<String, Value>, outcome: &Outcome) -> ResultRow {
    let harness = outcome.harness.clone().unwrap_or_else(|| json!({}));
    let passed = harness.get("passed") == Some(&Value::Bool(true));
    let exc_type = harness.get("exc_type").and_then(Value::as_str);
    let message = harness.get("message").and_then(Value::as_str).unwrap_or("");
    let (status, result) = if passed {
        ("passed", RESULT_PASSED.to_string())
    } else if let Some(exc) = exc_type {
        (
            if exc == "MemoryError" {
                "memory_limit"
            } else {
                "failed"
            },
            result_failed(message),
        )
    } else {
        // human-eval reports any run that ends without a result as "timed out".
        let status = match outcome.status {
            Status::TimeLimit => "timed_out",
            Status::MemoryLimit => "memory_limit",
            Status::OutputLimit => "output_limit",
            Status::SandboxError => "sandbox_error",
            Status::CompileError => "compile_error",
            Status::Ok | Status::RuntimeError => "runtime_error",
        };
        (status, RESULT_TIMED_OUT.to_string())
    };
    let mut details = usage_of(outcome);
    details.insert("exit_code".into(), json!(outcome.exit_code));
    details.insert("signal".into(), json!(outcome.signal));
    if let Some(exc) = exc_type {
        details.insert("exception".into(), json!(exc));
        details.insert("message".into(), json!(message));
        let frames = harness.get("traceback").cloned().unwrap_or(json!([]));
        if let Some(failing) = frames
            .as_array()
            .and_then(|f| f.last())
            .and_then(|f| f.get("code"))
        {
            details.insert("failing_line".into(), failing.clone());
        }
        details.insert("traceback".into(), frames);
    }
    if harness.get("forged").is_some() {
        details.insert("forged_pass".into(), json!(true));
    }
    if !passed && !outcome.stderr.is_empty() {
        details.insert("stderr".into(), json!(clip(&outcome.stderr, 2000)));
    }
    if let Some(error) = &outcome.error {
        details.insert("error".into(), json!(error));
    }
    ResultRow {
        fields,
        passed,
        result,
        status: status.into(),
        details: Some(Value::Object(details)),
    }
}

/// The row of an EvalPlus sample from its base and plus verdicts.
pub fn plus_row(mut fields: Map<String, Value>, base: ListVerdict, plus: ListVerdict) -> ResultRow {
    let passed = base.status == "pass" && plus.status == "pass";
    let failing = if base.status != "pass" { &base } else { &plus };
    let (status, result) = if passed {
        ("passed", RESULT_PASSED.to_string())
    } else if failing.status == "timeout" {
        ("timed_out", RESULT_TIMED_OUT.to_string())
    } else {
        let message = failing
            .failure
            .as_ref()
            .and_then(|f| f.get("message").or(f.get("reason")).or(f.get("error")))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let status = match failing.cause {
            Some(Status::TimeLimit) => "timed_out",
            Some(Status::SandboxError) => "sandbox_error",
            _ => "failed",
        };
        (status, result_failed(&message))
    };
    fields.insert("base_status".into(), json!(base.status));
    fields.insert("plus_status".into(), json!(plus.status));
    let mut details = Some(json!({
        "base": { "status": base.status, "failure": base.failure, "usage": base.usage },
        "plus": { "status": plus.status, "failure": plus.failure, "usage": plus.usage },
    }));
    crate::trace::attach(&mut details, [base.traces, plus.traces].concat());
    ResultRow {
        fields,
        passed,
        result,
        status: status.into(),
        details,
    }
}

/// The row of a sample of a benchmark with one input list (EvoEval's five
/// sets): its `base_status`, and `plus_status` null as EvoEval writes it.
pub fn base_row(fields: Map<String, Value>, base: ListVerdict) -> ResultRow {
    let mut row = plus_row(fields, base.clone(), base);
    row.fields.insert("plus_status".into(), Value::Null);
    if let Some(Value::Object(details)) = &mut row.details {
        details.remove("plus");
    }
    row
}

/// The row of a sample verdict could not judge at all.
pub fn error_row(fields: Map<String, Value>, message: String) -> ResultRow {
    ResultRow {
        fields,
        passed: false,
        result: result_failed(&message),
        status: "sandbox_error".into(),
        details: Some(json!({ "error": message })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::Out;

    fn outcome(records: &[&str]) -> Outcome {
        let mut outcome = Outcome::sandbox_error("namespaces", "");
        outcome.status = Status::Ok;
        outcome.harness = Some(json!({ "records": records }));
        outcome
    }

    fn expected_outputs(texts: &[&str]) -> ListExpected {
        ListExpected::given(texts.iter().map(|t| t.to_string()).collect())
    }

    fn inputs(n: usize) -> Vec<PyValue> {
        (0..n)
            .map(|i| PyValue::List(vec![PyValue::Int(i.to_string())]))
            .collect()
    }

    #[test]
    fn a_list_is_judged_from_its_records() {
        let exp = expected_outputs(&["1", "2.5", "3"]);
        let right = [
            r#"{"i": 0, "out": 1}"#,
            r#"{"i": 1, "out": 2.5000001}"#,
            r#"{"i": 2, "out": 3}"#,
        ];
        let fresh = Verified::none(Comparator::new(0.0, None));
        let verdict = judge_list(
            &outcome(&[&right[..], &[r#"{"done": true}"#]].concat()),
            &inputs(3),
            &exp,
            fresh,
        );
        assert_eq!(verdict.status, "pass");
        // A float expected (index 1) makes the tolerance 1e-6 from there on.
        let late = [
            r#"{"i": 0, "out": 1}"#,
            r#"{"i": 1, "out": 2.5}"#,
            r#"{"i": 2, "out": 3.0000001}"#,
            r#"{"done": true}"#,
        ];
        let exp_floats = expected_outputs(&["1", "2.5", "3.0"]);
        let verdict = judge_list(&outcome(&late), &inputs(3), &exp_floats, fresh);
        assert_eq!(verdict.status, "pass");
        let wrong = [
            r#"{"i": 0, "out": 1}"#,
            r#"{"i": 1, "out": 2}"#,
            r#"{"i": 2, "out": 3}"#,
            r#"{"done": true}"#,
        ];
        let verdict = judge_list(&outcome(&wrong), &inputs(3), &exp, fresh);
        assert_eq!(verdict.status, "fail");
        assert_eq!(verdict.failure.unwrap()["input_index"], 1);
    }

    #[test]
    fn records_a_watch_verified_are_not_compared_again() {
        let exp = expected_outputs(&["1", "2", "3"]);
        // Record 1 is wrong: judged afresh, the list fails there; with the
        // first two records verified (as a watch would only have done had
        // they been right), judging resumes at record 2.
        let records = [
            r#"{"i": 0, "out": 1}"#,
            r#"{"i": 1, "out": 7}"#,
            r#"{"i": 2, "out": 3}"#,
            r#"{"done": true}"#,
        ];
        let comparator = Comparator::new(0.0, None);
        let fresh = judge_list(
            &outcome(&records),
            &inputs(3),
            &exp,
            Verified::none(comparator),
        );
        assert_eq!(fresh.status, "fail");
        let resumed = Verified {
            records: 2,
            comparator,
        };
        assert_eq!(
            judge_list(&outcome(&records), &inputs(3), &exp, resumed).status,
            "pass"
        );
        // Past the verified ones, a missing record is still a timeout.
        let cut = judge_list(&outcome(&records[..2]), &inputs(3), &exp, resumed);
        assert_eq!(cut.status, "timeout");
        assert_eq!(cut.failure.unwrap()["input_index"], 2);
    }

    #[test]
    fn the_watch_verifies_the_leading_right_records_and_stops_at_a_wrong_one() {
        let tests = Arc::new(PlusTests {
            base_input: inputs(4),
            plus_input: vec![],
            atol: 0.0,
            contract: String::new(),
        });
        let expected = Arc::new(TaskExpected {
            base: expected_outputs(&["0", "1.5", "2", "3"]),
            plus: expected_outputs(&[]),
        });
        let verified = Arc::new(Mutex::new(Verified::none(Comparator::new(0.0, None))));
        let watch =
            stop_at_first_mismatch(&tests, &expected, InputList::Base, Arc::clone(&verified));
        assert!(!watch(r#"{"i": 0, "out": 0}"#));
        assert!(!watch(r#"{"i": 1, "out": 1.5000001}"#));
        let after_two = *verified.lock().unwrap();
        assert_eq!(after_two.records, 2);
        // The float at index 1 set the tolerance, which the verified
        // comparator carries to the records after them.
        let close = Out::List(vec![Out::Float(2.0000001)]);
        let ints = Out::List(vec![Out::Int("2".into())]);
        assert!(
            after_two
                .comparator
                .clone()
                .check(&[], &close, &ints)
                .is_ok()
        );
        let mut fresh = Comparator::new(0.0, None);
        assert!(fresh.check(&[], &close, &ints).is_err());
        assert!(
            watch(r#"{"i": 2, "out": 5}"#),
            "a wrong output stops the job"
        );
        assert!(!watch(r#"{"i": 3, "out": 3}"#));
        assert_eq!(
            verified.lock().unwrap().records,
            2,
            "nothing after a wrong one is verified"
        );

        // A record out of order (or any other line) ends the verified run.
        let verified = Arc::new(Mutex::new(Verified::none(Comparator::new(0.0, None))));
        let watch =
            stop_at_first_mismatch(&tests, &expected, InputList::Base, Arc::clone(&verified));
        assert!(!watch(r#"{"i": 1, "out": 1.5}"#));
        assert!(!watch(r#"{"i": 0, "out": 0}"#));
        assert_eq!(verified.lock().unwrap().records, 0);
        for first in [
            r#"{"i": 9, "out": 0}"#,
            r#"{"exc": "E", "i": 0}"#,
            "not json",
        ] {
            let verified = Arc::new(Mutex::new(Verified::none(Comparator::new(0.0, None))));
            let watch =
                stop_at_first_mismatch(&tests, &expected, InputList::Base, Arc::clone(&verified));
            assert!(!watch(first));
            assert!(!watch(r#"{"i": 0, "out": 0}"#));
            assert_eq!(verified.lock().unwrap().records, 0, "after {first}");
        }
    }
}
