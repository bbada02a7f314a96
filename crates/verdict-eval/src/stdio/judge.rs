//! Judging a program on a stdin/stdout problem: compile once, run every
//! case against the same build, compare each output outside the sandbox
//! (the expected outputs never enter the candidate's sandbox), and run the
//! problem's checker, where it has one, as a separate sandboxed job.

use std::sync::Arc;

use serde_json::{Map, Value, json};
use verdict_exec::{
    Job, JobKind, Language, Limits, Outcome, Pool, Program, Recipe, Status, compile_limits,
};

use super::{Checker, CompareMode, Problem, checker_verdict, compare};
use crate::results::{
    RESULT_PASSED, RESULT_TIMED_OUT, ResultRow, clip, result_failed, status_of_stdio_verdict,
};
use crate::trace::TraceOptions;

/// How a program is judged.
#[derive(Debug, Clone)]
pub struct StdioOptions {
    /// CPU time of each case unless the problem sets its own.
    pub time_limit_ms: u64,
    /// Memory of each case unless the problem sets its own.
    pub memory_bytes: u64,
    /// Stop at the first case that fails.
    pub stop_on_first_failure: bool,
    /// `--trace`: traces of a Python program's failing cases (or all).
    pub trace: Option<TraceOptions>,
}

impl Default for StdioOptions {
    fn default() -> Self {
        StdioOptions {
            time_limit_ms: 2_000,
            memory_bytes: 512 << 20,
            stop_on_first_failure: false,
            trace: None,
        }
    }
}

/// One case's result.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// The case's index in the problem.
    pub index: usize,
    /// `accepted`, `wrong_answer`, `time_limit`, `memory_limit`,
    /// `runtime_error`, `output_limit` or `sandbox_error`.
    pub verdict: &'static str,
    /// Why it was rejected: the mismatch, the checker's message, or the
    /// program's stderr.
    pub message: Option<String>,
    /// The run's outcome.
    pub outcome: Outcome,
    /// The limits it ran under.
    pub limits: Limits,
}

/// The judgement of one program on one problem.
#[derive(Debug, Clone)]
pub struct StdioVerdict {
    /// `accepted`, `compile_error`, or the first failing case's verdict.
    pub verdict: String,
    /// Results of the cases that ran, in order.
    pub tests: Vec<CaseResult>,
    /// Cases not run (after the first failure, when asked to stop).
    pub skipped: usize,
    /// The compile step: its outcome and whether the build was reused.
    pub compile: Option<(Outcome, bool)>,
    /// The compiler's message, for `compile_error`.
    pub compile_message: Option<String>,
    /// `--trace`: the traces of the cases traced, each with its case's
    /// index as `test`.
    pub traces: Vec<Value>,
}

impl StdioVerdict {
    /// Whether every case was accepted.
    pub fn accepted(&self) -> bool {
        self.verdict == "accepted"
    }

    /// The verdict as JSON (per-case details with times and memory).
    pub fn to_json(&self) -> Value {
        let tests: Vec<Value> = self
            .tests
            .iter()
            .map(|case| {
                let o = &case.outcome;
                let mut value = json!({
                    "index": case.index,
                    "verdict": case.verdict,
                    "passed": case.verdict == "accepted",
                    "wall_ms": o.wall_ms,
                    "cpu_ms": o.cpu_ms,
                    "peak_memory_bytes": o.peak_memory_bytes,
                    "exit_code": o.exit_code,
                    "signal": o.signal,
                });
                if let Some(message) = &case.message {
                    value["message"] = json!(message);
                }
                if case.verdict != "accepted" {
                    value["stdout"] = json!(clip(&o.stdout, 1024));
                    value["stderr"] = json!(clip(&o.stderr, 1024));
                }
                if let Some(error) = &o.error {
                    value["error"] = json!(error);
                }
                value
            })
            .collect();
        let mut value = json!({
            "verdict": self.verdict,
            "passed": self.accepted(),
            "tests": tests,
            "skipped": self.skipped,
        });
        if let Some((compile, cached)) = &self.compile {
            value["compile"] = json!({
                "wall_ms": compile.wall_ms,
                "cpu_ms": compile.cpu_ms,
                "peak_memory_bytes": compile.peak_memory_bytes,
                "cached": cached,
            });
        }
        if let Some(message) = &self.compile_message {
            value["compiler_output"] = json!(message);
        }
        if !self.traces.is_empty() {
            value["traces"] = json!(self.traces);
        }
        value
    }

    /// The result row `verdict eval` writes for it.
    pub fn into_row(self, fields: Map<String, Value>) -> ResultRow {
        let result = match self.verdict.as_str() {
            "accepted" => RESULT_PASSED.to_string(),
            "time_limit" => RESULT_TIMED_OUT.to_string(),
            other => {
                let failing = self.tests.iter().find(|c| c.verdict != "accepted");
                match failing {
                    Some(case) => result_failed(&format!("{other} on test {}", case.index)),
                    None => result_failed(other),
                }
            }
        };
        ResultRow {
            fields,
            passed: self.accepted(),
            result,
            status: if self.accepted() {
                "passed".into()
            } else {
                status_of_stdio_verdict(&self.verdict).into()
            },
            details: Some(self.to_json()),
        }
    }
}

/// Judges `source` with `recipe` on `problem`.
pub fn judge_program(
    pool: &Pool,
    problem: &Problem,
    recipe: &Recipe,
    source: &str,
    options: &StdioOptions,
) -> StdioVerdict {
    let program = match pool.prepare(recipe, source, &compile_limits()) {
        Ok(program) => program,
        Err(failed) => {
            let verdict = if failed.status == Status::SandboxError {
                "sandbox_error"
            } else {
                "compile_error"
            };
            return StdioVerdict {
                verdict: verdict.into(),
                tests: Vec::new(),
                skipped: problem.tests.len(),
                traces: Vec::new(),
                compile: None,
                compile_message: Some(clip(
                    if failed.stderr.is_empty() {
                        failed.error.as_deref().unwrap_or("")
                    } else {
                        &failed.stderr
                    },
                    4096,
                )),
            };
        }
    };
    let compile = program
        .build()
        .map(|b| (b.compile.clone(), program.reused_build()));
    let checker = match (&problem.compare, &problem.checker) {
        (CompareMode::Checker, Some(checker)) => Some(prepare_checker(pool, checker)),
        _ => None,
    };
    let cpu_ms = problem.time_limit_ms.unwrap_or(options.time_limit_ms);
    let memory = problem.memory_limit_bytes.unwrap_or(options.memory_bytes);
    let mut tests = Vec::new();
    let mut first_failure: Option<&'static str> = None;
    for (index, case) in problem.tests.iter().enumerate() {
        let limits = Limits {
            cpu_ms,
            // A program that sleeps is stopped like one that spins; one that
            // merely waits for a CPU on a loaded machine is not.
            active_ms: cpu_ms,
            memory_bytes: memory,
            kept_output_bytes: (case.expected.len() as u64 * 2 + 4096).max(1 << 20),
            ..Limits::default()
        };
        let outcome = pool.run_program(&program, Some(case.input.clone()), limits);
        let (verdict, message) = case_verdict(problem, checker.as_ref(), pool, case, &outcome);
        tests.push(CaseResult {
            index,
            verdict,
            message,
            outcome,
            limits,
        });
        if verdict != "accepted" {
            first_failure.get_or_insert(verdict);
            if options.stop_on_first_failure {
                break;
            }
        }
    }
    let traces = match &options.trace {
        Some(trace) if recipe.language == Language::Python => {
            trace_cases(pool, problem, source, trace, &tests)
        }
        _ => Vec::new(),
    };
    StdioVerdict {
        verdict: first_failure.unwrap_or("accepted").into(),
        skipped: problem.tests.len() - tests.len(),
        tests,
        compile,
        compile_message: None,
        traces,
    }
}

/// The traces `options` asks for of a Python program judged on `tests`:
/// each failing case run again with the tracer on (every case with `all`).
fn trace_cases(
    pool: &Pool,
    problem: &Problem,
    source: &str,
    options: &TraceOptions,
    tests: &[CaseResult],
) -> Vec<Value> {
    tests
        .iter()
        .filter(|case| options.wants(case.verdict == "accepted"))
        .map(|case| {
            let job = Job {
                code: source.to_string(),
                kind: JobKind::Program,
                stdin: Some(problem.tests[case.index].input.clone()),
                limits: case.limits,
                trace: None,
            };
            let timed_out = case.verdict == "time_limit";
            let traced = pool.run(options.traced(&job, None, timed_out));
            let mut label = Map::new();
            label.insert("test".into(), json!(case.index));
            crate::trace::single(&traced, label)
        })
        .collect()
}

/// The checker, ready to run, or why it cannot run.
type PreparedChecker = Result<Program, String>;

fn prepare_checker(pool: &Pool, checker: &Checker) -> PreparedChecker {
    let language = Language::from_name(&checker.language)
        .ok_or_else(|| format!("unknown checker language `{}`", checker.language))?;
    let mut recipe = language.recipe();
    if language == Language::Python {
        // Run as a file with arguments, not on the warm path.
        recipe.run = vec![
            "/usr/bin/python3".into(),
            "-I".into(),
            recipe.source_name.clone(),
        ];
    }
    pool.prepare(&recipe, &checker.code, &compile_limits())
        .map_err(|failed| {
            format!(
                "the checker did not compile: {}",
                clip(&failed.stderr, 1024)
            )
        })
}

fn case_verdict(
    problem: &Problem,
    checker: Option<&PreparedChecker>,
    pool: &Pool,
    case: &super::Case,
    outcome: &Outcome,
) -> (&'static str, Option<String>) {
    let failed = |verdict| {
        (
            verdict,
            Some(clip(&outcome.stderr, 1024)).filter(|m| !m.is_empty()),
        )
    };
    match outcome.status {
        Status::Ok => {}
        Status::TimeLimit => return failed("time_limit"),
        Status::MemoryLimit => return failed("memory_limit"),
        Status::OutputLimit => return failed("output_limit"),
        Status::RuntimeError | Status::CompileError => return failed("runtime_error"),
        Status::SandboxError => return ("sandbox_error", outcome.error.clone()),
    }
    if outcome.stdout_truncated {
        return (
            "wrong_answer",
            Some("the output is far longer than the expected output".into()),
        );
    }
    let Some(checker) = checker else {
        return match compare(
            &problem.compare,
            case.expected.as_bytes(),
            outcome.stdout.as_bytes(),
        ) {
            Ok(()) => ("accepted", None),
            Err(mismatch) => ("wrong_answer", Some(mismatch.to_string())),
        };
    };
    let checker = match checker {
        Ok(program) => program,
        Err(message) => return ("sandbox_error", Some(message.clone())),
    };
    let files = vec![
        ("input".to_string(), case.input.clone()),
        ("expected".to_string(), case.expected.clone()),
        ("actual".to_string(), outcome.stdout.clone()),
    ];
    let args: Vec<String> = Checker::FILES.iter().map(|f| f.to_string()).collect();
    let limits = Limits {
        cpu_ms: 10_000,
        memory_bytes: 1 << 30,
        ..Limits::default()
    };
    let verdict = pool.run_program_with(checker, None, limits, files, &args);
    match (verdict.status, verdict.exit_code) {
        (Status::Ok | Status::RuntimeError, Some(code)) => {
            match checker_verdict(code, verdict.stdout.as_bytes(), verdict.stderr.as_bytes()) {
                Ok(()) => ("accepted", None),
                Err(mismatch) => ("wrong_answer", Some(mismatch.to_string())),
            }
        }
        (status, _) => (
            "sandbox_error",
            Some(format!(
                "the checker failed ({}): {}",
                status.name(),
                clip(&verdict.stderr, 1024)
            )),
        ),
    }
}

/// Judges a sample row of a stdin/stdout benchmark: the language comes from
/// the row's `language` field (default python).
pub fn judge_sample(
    pool: &Pool,
    problem: &Arc<Problem>,
    language: &str,
    source: &str,
    options: &StdioOptions,
    fields: Map<String, Value>,
) -> ResultRow {
    let Some(language) = Language::from_name(language) else {
        return crate::judge::error_row(
            fields,
            format!(
                "unknown language `{language}` (known: {})",
                Language::known_names()
            ),
        );
    };
    judge_program(pool, problem, &language.recipe(), source, options).into_row(fields)
}
