//! `verdict tests`: model-written tests as the subject. For each task, its
//! tests are run on the task's canonical solution (or a given program):
//! which are valid, which fail on a right program, which do not even run;
//! the line and branch coverage of the program by the valid tests; and the
//! mutation score: the share of the program's mutants (made by
//! `mutate.py`, in the sandbox) that the valid tests kill, leaving out by
//! default the mutants the benchmark's own tests do not kill either (likely
//! equivalent).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;
use serde_json::{Map, Value, json};
use verdict_exec::{Guard, Job, JobKind, Limits, Pool};

use crate::dataset::{Benchmark, Task, TaskSet};
use crate::judge::{EvalLimits, Judge};
use crate::pyvalue::PyValue;
use crate::samples::{Sample, TaskId};

/// The mutant maker, run in the sandbox.
const MUTATOR: &str = include_str!("mutate.py");

/// A mutant's units may take this many times the program's slowest valid
/// unit (and at least `MUTANT_MIN_MS`).
const MUTANT_TIME_FACTOR: f64 = 10.0;

/// The least CPU time a mutant's unit gets, milliseconds.
const MUTANT_MIN_MS: u64 = 100;

/// Exceptions that mean a test did not even run (rather than failed).
const NOT_RUN: &[&str] = &[
    "SyntaxError",
    "IndentationError",
    "TabError",
    "ImportError",
    "ModuleNotFoundError",
    "NameError",
];

/// What to measure and how.
#[derive(Debug, Clone)]
pub struct TestsOptions {
    /// The benchmark whose tasks the tests are for.
    pub benchmark: Benchmark,
    /// Its problems file.
    pub problems: PathBuf,
    /// The tests: JSONL rows `{"task_id", "test": code}` or `{"task_id",
    /// "tests": [code, ..]}`, each code a test unit; a row may carry
    /// `"program"`, the program under test instead of the canonical one.
    pub tests: PathBuf,
    /// CPU time of one test unit on one program.
    pub test_cpu_ms: u64,
    /// Mutants kept per task (a seeded sample when there are more; 0: all).
    pub max_mutants: usize,
    /// The seed of that sample.
    pub seed: u64,
    /// Count likely-equivalent mutants in the score.
    pub include_equivalent: bool,
    /// Judging limits (the benchmark's own tests on each mutant).
    pub limits: EvalLimits,
}

/// Why the measurement could not go on.
#[derive(Debug, thiserror::Error)]
pub enum TestsError {
    /// A file could not be read.
    #[error("reading `{path}`")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A line of the tests file is wrong.
    #[error("`{path}` line {line}: {what}")]
    Line {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        what: String,
    },
    /// Something else.
    #[error("{0}")]
    Other(String),
}

/// One test unit's result on the program under test.
#[derive(Debug, Clone, Serialize)]
pub struct TestRow {
    /// The task.
    pub task_id: String,
    /// The unit's index among the task's units (in file order).
    pub test: usize,
    /// The tests file's line it came from.
    pub line: usize,
    /// `valid` (passes on the program), `invalid` (fails on it), `error`
    /// (does not run: does not compile, imports or names what is not
    /// there, or times out).
    pub status: &'static str,
    /// The exception, for `invalid` and `error`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception: Option<String>,
    /// Its message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Mutants it kills.
    pub kills: usize,
}

/// One mutant's result.
#[derive(Debug, Clone, Serialize)]
pub struct MutantRow {
    /// The task.
    pub task_id: String,
    /// The mutant's id within the task.
    pub mutant: usize,
    /// The operator (`comparison`, `arithmetic`, `boolean`, `constant`,
    /// `return`, `statement`).
    pub operator: String,
    /// The line of the program it changes.
    pub line: u64,
    /// The change, in words.
    pub description: String,
    /// The unified diff against the program (both as Python's `ast.unparse`
    /// writes them).
    pub diff: String,
    /// The mutant's whole code.
    pub code: String,
    /// Whether a valid test kills it (fails or errs on it, or times out).
    pub killed: bool,
    /// The valid tests that kill it.
    pub killed_by: Vec<usize>,
    /// Whether the benchmark's own tests kill it; only asked of a mutant the
    /// valid tests do not kill (`None` for the others, and for a given
    /// program, which the benchmark's tests do not judge).
    pub benchmark_kills: Option<bool>,
    /// Killed by neither: likely equivalent to the program.
    pub likely_equivalent: bool,
}

/// One task's summary.
#[derive(Debug, Clone, Serialize)]
pub struct TaskSummary {
    /// The task.
    pub task_id: String,
    /// Test units, and how many are valid, invalid and do not run.
    pub tests: usize,
    /// Valid units.
    pub valid: usize,
    /// Invalid units.
    pub invalid: usize,
    /// Units that do not run.
    pub error: usize,
    /// Lines of the program run by its own loading and the valid tests,
    /// over its executable lines.
    pub line_coverage: Option<f64>,
    /// Branch outcomes taken, over the program's branch outcomes.
    pub branch_coverage: Option<f64>,
    /// Executable lines no valid test ran.
    pub missed_lines: Vec<u64>,
    /// Mutants made, killed, and likely equivalent.
    pub mutants: usize,
    /// Mutants killed.
    pub killed: usize,
    /// Likely-equivalent mutants (killed by no test at all).
    pub likely_equivalent: usize,
    /// Mutants the score counts (all, or all but the likely equivalent).
    pub scored: usize,
    /// Killed over the mutants scored.
    pub mutation_score: Option<f64>,
    /// Why the task could not be measured, when it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
}

/// The whole measurement.
#[derive(Debug, Clone, Serialize)]
pub struct TestsReport {
    /// Per task.
    pub tasks: Vec<TaskSummary>,
    /// Over all tasks: units and their statuses, the mean coverages and
    /// the pooled mutation score (all killed over all scored mutants).
    pub overall: Value,
    /// Whether likely-equivalent mutants are scored.
    pub include_equivalent: bool,
    /// Every unit's row.
    #[serde(skip)]
    pub test_rows: Vec<TestRow>,
    /// Every mutant's row.
    #[serde(skip)]
    pub mutant_rows: Vec<MutantRow>,
}

/// A task's tests as read.
struct TaskTests {
    task_id: String,
    units: Vec<(usize, String)>,
    program: Option<String>,
}

/// Measures the tests of `options` on `pool`; `progress(done, total)` is
/// called as tasks finish.
pub fn measure(
    options: &TestsOptions,
    pool: &Pool,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<TestsReport, TestsError> {
    let tasks = TaskSet::load(options.benchmark, &options.problems)
        .map_err(|e| TestsError::Other(e.to_string()))?;
    let read = read_tests(&options.tests, options.benchmark, &tasks)?;
    let judge = Judge {
        benchmark: options.benchmark,
        expected: None,
        limits: options.limits,
        calibrated: true,
        classeval_extract: None,
        enamel: None,
        efficiency: None,
        instructions: false,
        trace: None,
    };
    let needed: Vec<&Task> = read
        .iter()
        .filter_map(|t| tasks.get_key(&t.task_id))
        .collect();
    let expected = if options.benchmark.is_plus() {
        Some(
            crate::expected::ExpectedOutputs::load_or_compute(
                options.benchmark,
                &options.problems,
                &needed,
                pool,
                None,
                &|_, _| {},
            )
            .map_err(|source| TestsError::Read {
                path: options.problems.clone(),
                source,
            })?,
        )
    } else {
        None
    };
    let judge = Judge {
        expected: expected.as_ref(),
        ..judge
    };
    let results = Mutex::new(Vec::new());
    let done = std::sync::atomic::AtomicUsize::new(0);
    crate::parallel::for_each_parallel(&read, pool.slots().max(1), |task_tests| {
        let task = tasks
            .get_key(&task_tests.task_id)
            .expect("read_tests keeps known tasks only");
        let measured = measure_task(task, task_tests, options, &judge, pool);
        results
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(measured);
        let finished = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        progress(finished, read.len());
    });
    let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    let order: HashMap<&str, usize> = read
        .iter()
        .enumerate()
        .map(|(i, t)| (t.task_id.as_str(), i))
        .collect();
    results.sort_by_key(|(summary, _, _)| order.get(summary.task_id.as_str()).copied());
    let mut report = TestsReport {
        tasks: Vec::new(),
        overall: Value::Null,
        include_equivalent: options.include_equivalent,
        test_rows: Vec::new(),
        mutant_rows: Vec::new(),
    };
    for (summary, tests, mutants) in results {
        report.tasks.push(summary);
        report.test_rows.extend(tests);
        report.mutant_rows.extend(mutants);
    }
    report.overall = overall(&report.tasks);
    Ok(report)
}

fn overall(tasks: &[TaskSummary]) -> Value {
    let sum = |f: fn(&TaskSummary) -> usize| tasks.iter().map(f).sum::<usize>();
    let mean = |f: fn(&TaskSummary) -> Option<f64>| {
        let values: Vec<f64> = tasks.iter().filter_map(f).collect();
        (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
    };
    let killed = sum(|t| t.killed);
    let scored = sum(|t| t.scored);
    json!({
        "tasks": tasks.len(),
        "tests": sum(|t| t.tests),
        "valid": sum(|t| t.valid),
        "invalid": sum(|t| t.invalid),
        "error": sum(|t| t.error),
        "line_coverage": mean(|t| t.line_coverage),
        "branch_coverage": mean(|t| t.branch_coverage),
        "mutants": sum(|t| t.mutants),
        "killed": killed,
        "likely_equivalent": sum(|t| t.likely_equivalent),
        "scored": scored,
        "mutation_score": (scored > 0).then(|| killed as f64 / scored as f64),
    })
}

/// Reads the tests file: per task (in order of first appearance) its units.
fn read_tests(
    path: &Path,
    benchmark: Benchmark,
    tasks: &TaskSet,
) -> Result<Vec<TaskTests>, TestsError> {
    let file = std::fs::File::open(path).map_err(|source| TestsError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut read: Vec<TaskTests> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|source| TestsError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let bad = |what: String| TestsError::Line {
            path: path.to_path_buf(),
            line: i + 1,
            what,
        };
        let row: Map<String, Value> =
            serde_json::from_str(&line).map_err(|e| bad(format!("not a JSON object: {e}")))?;
        let id = row
            .get("task_id")
            .and_then(TaskId::from_value)
            .ok_or_else(|| bad("field `task_id`: expected a string or an integer".into()))?;
        let task = tasks.get_key(&benchmark.task_key(&id)).ok_or_else(|| {
            bad(format!(
                "field `task_id`: `{id}` is not a task of {benchmark}"
            ))
        })?;
        let units: Vec<String> = match (row.get("tests"), row.get("test")) {
            (Some(Value::Array(items)), None) => items
                .iter()
                .enumerate()
                .map(|(j, item)| {
                    item.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| bad(format!("field `tests[{j}]`: expected a string")))
                })
                .collect::<Result<_, _>>()?,
            (None, Some(Value::String(code))) => vec![code.clone()],
            (Some(_), Some(_)) => return Err(bad("give `test` or `tests`, not both".into())),
            (Some(_), None) => return Err(bad("field `tests`: expected a list of strings".into())),
            (None, Some(_)) => return Err(bad("field `test`: expected a string".into())),
            (None, None) => return Err(bad("missing field `test` or `tests`".into())),
        };
        let program = match row.get("program") {
            None | Some(Value::Null) => None,
            Some(Value::String(code)) => Some(code.clone()),
            Some(_) => return Err(bad("field `program`: expected a string".into())),
        };
        let key = task.task_id.clone();
        let index = *at.entry(key.clone()).or_insert_with(|| {
            read.push(TaskTests {
                task_id: key,
                units: Vec::new(),
                program: None,
            });
            read.len() - 1
        });
        let entry = &mut read[index];
        if program.is_some() {
            if entry.program.is_some() && entry.program != program {
                return Err(bad(format!(
                    "field `program`: task `{id}` was given another program on an earlier line"
                )));
            }
            entry.program = program;
        }
        entry.units.extend(units.into_iter().map(|u| (i + 1, u)));
    }
    if read.is_empty() {
        return Err(TestsError::Other(format!(
            "`{}` has no tests",
            path.display()
        )));
    }
    Ok(read)
}

/// A suite job: `program` with `tests` run on it.
fn suite_job(program: &str, tests: &[String], cpu_ms: u64, coverage: bool) -> Job {
    Job {
        code: program.to_string(),
        kind: JobKind::Suite {
            tests: tests.to_vec(),
            test_cpu_ms: cpu_ms,
            guard: Some(Guard::HumanEval),
            collect: true,
            coverage,
        },
        stdin: None,
        limits: Limits {
            cpu_ms: cpu_ms * (tests.len() as u64 + 1) + 5_000,
            memory_bytes: 4 << 30,
            ..Limits::default()
        },
        trace: None,
    }
}

/// The program's mutants, made in the sandbox.
fn make_mutants(pool: &Pool, program: &str, options: &TestsOptions) -> Result<Vec<Value>, String> {
    let request = json!({"source": program, "seed": options.seed, "max": options.max_mutants});
    let outcome = pool.run(Job {
        code: MUTATOR.to_string(),
        kind: JobKind::Program,
        stdin: Some(request.to_string()),
        limits: Limits {
            cpu_ms: 20_000,
            ..Limits::default()
        },
        trace: None,
    });
    let answer: Value = serde_json::from_str(outcome.stdout.trim()).map_err(|_| {
        format!(
            "making mutants failed ({}): {}",
            outcome.status.name(),
            crate::results::clip(&outcome.stderr, 500)
        )
    })?;
    if let Some(error) = answer.get("error").and_then(Value::as_str) {
        return Err(error.to_string());
    }
    Ok(answer
        .get("mutants")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default())
}

/// Each test's record of a suite job, by index (setup errors: none).
fn unit_records(outcome: &verdict_exec::Outcome) -> (Vec<PyValue>, Option<PyValue>) {
    let records = crate::judge::records_of(outcome);
    let setup = records
        .iter()
        .find(|r| r.get("setup_error").is_some())
        .cloned();
    let units = records
        .into_iter()
        .filter(|r| r.get("i").is_some())
        .collect();
    (units, setup)
}

fn text_of(record: &PyValue, key: &str) -> Option<String> {
    record
        .get(key)
        .and_then(PyValue::as_str)
        .map(str::to_string)
}

fn numbers(value: Option<&PyValue>) -> Vec<u64> {
    value
        .and_then(PyValue::as_seq)
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_f64().map(|n| n as u64))
                .collect()
        })
        .unwrap_or_default()
}

fn pairs(value: Option<&PyValue>) -> Vec<(u64, u64)> {
    value
        .and_then(PyValue::as_seq)
        .map(|items| {
            items
                .iter()
                .filter_map(|pair| {
                    let pair = pair.as_seq()?;
                    Some((
                        pair.first()?.as_f64()? as u64,
                        pair.get(1)?.as_f64()? as u64,
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

type Measured = (TaskSummary, Vec<TestRow>, Vec<MutantRow>);

fn measure_task(
    task: &Task,
    task_tests: &TaskTests,
    options: &TestsOptions,
    judge: &Judge<'_>,
    pool: &Pool,
) -> Measured {
    let program = task_tests
        .program
        .clone()
        .unwrap_or_else(|| format!("{}{}", task.prompt, task.canonical_solution));
    let units: Vec<String> = task_tests.units.iter().map(|(_, u)| u.clone()).collect();
    let mut summary = TaskSummary {
        task_id: task.task_id.clone(),
        tests: units.len(),
        valid: 0,
        invalid: 0,
        error: 0,
        line_coverage: None,
        branch_coverage: None,
        missed_lines: Vec::new(),
        mutants: 0,
        killed: 0,
        likely_equivalent: 0,
        scored: 0,
        mutation_score: None,
        error_message: None,
    };
    // Validity and coverage: every unit on the program.
    let outcome = pool.run(suite_job(&program, &units, options.test_cpu_ms, true));
    let records = crate::judge::records_of(&outcome);
    if let Some(setup) = records.iter().find(|r| r.get("setup_error").is_some()) {
        summary.error_message = Some(format!(
            "the program under test fails on its own: {}: {}",
            text_of(setup, "setup_error").unwrap_or_default(),
            text_of(setup, "message").unwrap_or_default()
        ));
        return (summary, Vec::new(), Vec::new());
    }
    let mut rows: Vec<TestRow> = Vec::new();
    let mut covered_lines: BTreeSet<u64> = BTreeSet::new();
    let mut covered_arcs: BTreeSet<(u64, u64)> = BTreeSet::new();
    if let Some(setup) = records.iter().find_map(|r| r.get("setup")) {
        covered_lines.extend(numbers(setup.get("lines")));
        covered_arcs.extend(pairs(setup.get("arcs")));
    }
    let by_index: BTreeMap<usize, &PyValue> = records
        .iter()
        .filter_map(|r| Some((r.get("i")?.as_f64()? as usize, r)))
        .collect();
    for (index, (line, _)) in task_tests.units.iter().enumerate() {
        let record = by_index.get(&index);
        let (status, exception, message) = match record {
            Some(r) if r.get("ok") == Some(&PyValue::Bool(true)) => ("valid", None, None),
            Some(r) if r.get("timeout").is_some() => ("error", Some("timeout".to_string()), None),
            Some(r) => {
                let exc = text_of(r, "exc").unwrap_or_default();
                let status = if NOT_RUN.contains(&exc.as_str()) {
                    "error"
                } else {
                    "invalid"
                };
                (status, Some(exc), text_of(r, "message"))
            }
            None => (
                "error",
                Some(format!(
                    "no record: the job ended ({})",
                    outcome.status.name()
                )),
                None,
            ),
        };
        if status == "valid"
            && let Some(r) = record
        {
            covered_lines.extend(numbers(r.get("lines")));
            covered_arcs.extend(pairs(r.get("arcs")));
        }
        match status {
            "valid" => summary.valid += 1,
            "invalid" => summary.invalid += 1,
            _ => summary.error += 1,
        }
        rows.push(TestRow {
            task_id: task.task_id.clone(),
            test: index,
            line: *line,
            status,
            exception,
            message,
            kills: 0,
        });
    }
    if let Some(stat) = records.iter().find_map(|r| r.get("static")) {
        let executable: BTreeSet<u64> = numbers(stat.get("lines")).into_iter().collect();
        if !executable.is_empty() {
            let hit = executable.intersection(&covered_lines).count();
            summary.line_coverage = Some(hit as f64 / executable.len() as f64);
            summary.missed_lines = executable.difference(&covered_lines).copied().collect();
        }
        let mut outcomes = 0usize;
        let mut taken = 0usize;
        for branch in stat
            .get("branches")
            .and_then(PyValue::as_seq)
            .into_iter()
            .flatten()
        {
            let Some(parts) = branch.as_seq() else {
                continue;
            };
            let Some(from) = parts.first().and_then(PyValue::as_f64) else {
                continue;
            };
            for to in numbers(parts.get(1)) {
                outcomes += 1;
                taken += covered_arcs.contains(&(from as u64, to)) as usize;
            }
        }
        if outcomes > 0 {
            summary.branch_coverage = Some(taken as f64 / outcomes as f64);
        }
    }
    // Mutation: the valid units on each mutant, and the benchmark's own
    // tests where the program is the canonical one.
    let valid: Vec<usize> = rows
        .iter()
        .filter(|r| r.status == "valid")
        .map(|r| r.test)
        .collect();
    let valid_units: Vec<String> = valid.iter().map(|&i| units[i].clone()).collect();
    // A mutant's units run under a limit scaled from the program's own
    // times (as mutation tools scale their timeout from the baseline run),
    // so that a mutant that loops costs little: MUTANT_TIME_FACTOR times
    // the slowest valid unit, at least MUTANT_MIN_MS, at most the limit.
    let slowest = valid
        .iter()
        .filter_map(|i| by_index.get(i))
        .filter_map(|r| r.get("ms").and_then(PyValue::as_f64))
        .fold(0.0f64, f64::max);
    let mutant_ms = ((slowest * MUTANT_TIME_FACTOR).ceil() as u64)
        .max(MUTANT_MIN_MS)
        .min(options.test_cpu_ms);
    let mutants = match make_mutants(pool, &program, options) {
        Ok(mutants) => mutants,
        Err(why) => {
            summary.error_message = Some(why);
            return (summary, rows, Vec::new());
        }
    };
    let judged_by_benchmark = task_tests.program.is_none();
    let judge_mutant = |mutant: &Value| -> MutantRow {
        let code = mutant.get("code").and_then(Value::as_str).unwrap_or("");
        let killed_by: Vec<usize> = if valid_units.is_empty() {
            Vec::new()
        } else {
            let outcome = pool.run(suite_job(code, &valid_units, mutant_ms, false));
            let (records, setup) = unit_records(&outcome);
            if setup.is_some() {
                valid.clone()
            } else {
                let passed: BTreeSet<usize> = records
                    .iter()
                    .filter(|r| r.get("ok") == Some(&PyValue::Bool(true)))
                    .filter_map(|r| r.get("i").and_then(PyValue::as_f64))
                    .map(|i| i as usize)
                    .collect();
                (0..valid.len())
                    .filter(|i| !passed.contains(i))
                    .map(|i| valid[i])
                    .collect()
            }
        };
        let killed = !killed_by.is_empty();
        let benchmark_kills = (judged_by_benchmark && !killed).then(|| {
            let sample = Sample {
                line: 0,
                task_id: TaskId::Str(task.task_id.clone()),
                completion: None,
                solution: Some(code.to_string()),
                fields: Map::new(),
            };
            !judge.judge(pool, task, &sample).passed
        });
        MutantRow {
            task_id: task.task_id.clone(),
            mutant: mutant.get("id").and_then(Value::as_u64).unwrap_or(0) as usize,
            operator: mutant
                .get("operator")
                .and_then(Value::as_str)
                .unwrap_or("")
                .into(),
            line: mutant.get("line").and_then(Value::as_u64).unwrap_or(0),
            description: mutant
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or("")
                .into(),
            diff: mutant
                .get("diff")
                .and_then(Value::as_str)
                .unwrap_or("")
                .into(),
            code: code.to_string(),
            killed,
            killed_by,
            benchmark_kills,
            likely_equivalent: !killed && benchmark_kills == Some(false),
        }
    };
    // The task's mutants run side by side on the slots.
    let judged = Mutex::new(Vec::with_capacity(mutants.len()));
    let indexed: Vec<(usize, &Value)> = mutants.iter().enumerate().collect();
    crate::parallel::for_each_parallel(&indexed, pool.slots().max(1), |(i, mutant)| {
        let row = judge_mutant(mutant);
        judged
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((*i, row));
    });
    let mut judged = judged.into_inner().unwrap_or_else(|e| e.into_inner());
    judged.sort_by_key(|(i, _)| *i);
    let mutant_rows: Vec<MutantRow> = judged.into_iter().map(|(_, row)| row).collect();
    for mutant in &mutant_rows {
        for &test in &mutant.killed_by {
            if let Some(row) = rows.get_mut(test) {
                row.kills += 1;
            }
        }
    }
    summary.mutants = mutant_rows.len();
    summary.killed = mutant_rows.iter().filter(|m| m.killed).count();
    summary.likely_equivalent = mutant_rows.iter().filter(|m| m.likely_equivalent).count();
    summary.scored = if options.include_equivalent {
        summary.mutants
    } else {
        summary.mutants - summary.likely_equivalent
    };
    summary.mutation_score =
        (summary.scored > 0).then(|| summary.killed as f64 / summary.scored as f64);
    (summary, rows, mutant_rows)
}

impl TestsReport {
    /// Every test's row, then every mutant's, each with its `kind`.
    pub fn rows(&self) -> Vec<Value> {
        let tagged = |value: Value, kind: &str| {
            let mut value = value;
            value["kind"] = json!(kind);
            value
        };
        let tests = self
            .test_rows
            .iter()
            .map(|r| tagged(serde_json::to_value(r).unwrap_or(Value::Null), "test"));
        let mutants = self
            .mutant_rows
            .iter()
            .map(|r| tagged(serde_json::to_value(r).unwrap_or(Value::Null), "mutant"));
        tests.chain(mutants).collect()
    }

    /// A table: per task its tests, validity, coverage and mutation score,
    /// then the overall line.
    pub fn to_text(&self) -> String {
        use std::fmt::Write as _;
        let percent = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{:.1}%", v * 100.0));
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:<22} {:>5} {:>5} {:>7} {:>5} {:>7} {:>7} {:>7} {:>6} {:>6}",
            "task",
            "tests",
            "valid",
            "invalid",
            "error",
            "lines",
            "branch",
            "mutants",
            "killed",
            "score"
        );
        for t in &self.tasks {
            let _ = writeln!(
                out,
                "{:<22} {:>5} {:>5} {:>7} {:>5} {:>7} {:>7} {:>7} {:>6} {:>6}{}",
                t.task_id,
                t.tests,
                t.valid,
                t.invalid,
                t.error,
                percent(t.line_coverage),
                percent(t.branch_coverage),
                t.mutants,
                t.killed,
                percent(t.mutation_score),
                t.error_message
                    .as_ref()
                    .map(|m| format!("  ({m})"))
                    .unwrap_or_default()
            );
        }
        let o = &self.overall;
        let f = |key: &str| o[key].as_f64();
        let _ = writeln!(
            out,
            "overall: {} tests on {} tasks: {} valid, {} invalid, {} do not run; line coverage {}, branch coverage {} (means over tasks); mutation score {} ({} of {} mutants killed, {} likely equivalent {})",
            o["tests"],
            o["tasks"],
            o["valid"],
            o["invalid"],
            o["error"],
            percent(f("line_coverage")),
            percent(f("branch_coverage")),
            percent(f("mutation_score")),
            o["killed"],
            o["mutants"],
            o["likely_equivalent"],
            if self.include_equivalent {
                "and scored"
            } else {
                "left out"
            }
        );
        out
    }
}
