//! ENAMEL (q-rz/enamel @ b97da79, `enam/evaluate.py`): how efficient
//! correct code is, on 142 HumanEval problems with expert input generators
//! and expert reference solutions.
//!
//! For each problem, ENAMEL's generator makes the inputs of four levels
//! (`input_levels` sizes; 8, 4, 4 and 4 tests by default), each test seeded
//! `seed ^ i ^ (offset + k)`. The reference solution answers them and is
//! timed on them in the same run (six repetitions per test of the levels
//! whose hardness is not 0), each test's time the Hodges–Lehmann estimate
//! of its repetitions. The limit of a problem is `T = α · (slowest
//! reference test)`; a sample's call is killed at `T + tolerance`. A sample
//! runs the same tests and repetitions: a wrong output or an exception
//! fails it (efficiency 0 at every level); a time limit, `MemoryError` or
//! `OverflowError` at level `l` makes `l` and the levels after it 0 (at
//! level 0 it fails). Level `l` scores `max(0, T − t̂_l) / (T − t*_l)`
//! with `t̂_l` and `t*_l` the slowest test of the level (sample and
//! reference), and the sample's efficiency is their hardness-weighted
//! mean. eff@k is the expected best efficiency of `k` samples drawn from a
//! problem's `n`; pass@k is beside it.
//!
//! What differs from ENAMEL, on purpose (docs/conformance.md): times are
//! the CPU time of the call, taken in the job's process, not the wall
//! clock; samples run in parallel, one measuring job per core, each in its
//! own sandbox process (ENAMEL runs them one after another inside its own
//! process, where a candidate that catches every exception cannot be
//! killed); outputs are checked outside the sandbox, so ENAMEL's checker
//! texts are recognised and computed here ([`Checker`]).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};
use verdict_exec::{Job, JobKind, Limits, Outcome, Pool, RecordWatch, Status};

use crate::compare::{Out, decode, py_eq};
use crate::dataset::{DatasetError, Task};
use crate::efficiency;
use crate::pyvalue::{self, PyValue};
use crate::results::{RESULT_PASSED, RESULT_TIMED_OUT, ResultRow, result_failed};

/// The problems ENAMEL leaves out of its problem set (`PROBLEMSET` in
/// `enam/__init__.py`): 142 of the 164 remain.
pub const EXCLUDED: [usize; 22] = [
    2, 23, 41, 45, 53, 60, 71, 92, 97, 99, 102, 123, 124, 135, 137, 138, 144, 148, 156, 157, 159,
    160,
];

/// The helpers ENAMEL's generators call, in the generator's namespace.
const DATAUTILS: &str = include_str!("enamel/datautils.py");

/// What an ENAMEL task carries beside the common fields.
#[derive(Debug, Clone, PartialEq)]
pub struct EnamelTask {
    /// The problem's index (its row in the CSV; ENAMEL's samples key).
    pub index: usize,
    /// Whether ENAMEL scores it (see [`EXCLUDED`]).
    pub in_problem_set: bool,
    /// `input_generator`: Python defining `generate_input(size, lid, cid)`.
    pub generator: String,
    /// `input_levels`: the size of each level's inputs.
    pub levels: Vec<u64>,
    /// `reference_solution`: the expert solution's body, put after the prompt.
    pub reference: String,
    /// `checker`, recognised.
    pub checker: Checker,
}

/// ENAMEL's checkers, `__check(input, answer, output)`, computed outside
/// the sandbox. The dataset has these five texts; a problems file with
/// another is refused when it is read, naming the row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checker {
    /// `type(output) == type(answer) and output == answer`.
    Exact,
    /// `type(output) in (int, float) and abs(answer - output) < 1e-4`.
    Number,
    /// A tuple of as many ints or floats as the answer, each within 1e-4.
    NumberTuple,
    /// The same for a list.
    NumberList,
    /// `type(output) in (int, float) and math.fabs(poly(*input, output)) <
    /// 1e-4`: a root of the polynomial of the input (HumanEval/32).
    PolyRoot,
}

const CHECKERS: [(Checker, &str); 5] = [
    (
        Checker::Exact,
        "return type(output) == type(answer) and output == answer",
    ),
    (
        Checker::Number,
        "return type(output) in (int, float) and abs(answer - output) < 1e-4",
    ),
    (
        Checker::NumberTuple,
        "return type(output) == tuple and len(output) == len(answer) and all(type(b) in (int, float) for b in output) and max(abs(a - b) for a, b in zip(answer, output)) < 1e-4",
    ),
    (
        Checker::NumberList,
        "return type(output) == list and len(output) == len(answer) and all(type(b) in (int, float) for b in output) and max(abs(a - b) for a, b in zip(answer, output)) < 1e-4",
    ),
    (
        Checker::PolyRoot,
        "import math\nreturn type(output) in (int, float) and math.fabs(poly(*input, output)) < 1e-4",
    ),
];

impl Checker {
    /// The checker whose source is `source` (lines trimmed, blank lines
    /// dropped), if it is one of ENAMEL's.
    pub fn recognise(source: &str) -> Option<Checker> {
        let lines: Vec<&str> = source
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let (head, body) = lines.split_first()?;
        if *head != "def __check(input, answer, output):" {
            return None;
        }
        let body = body.join("\n");
        CHECKERS
            .iter()
            .find(|(_, text)| *text == body)
            .map(|(checker, _)| *checker)
    }

    /// Whether it reads the input (only then are inputs decoded here).
    fn reads_input(self) -> bool {
        self == Checker::PolyRoot
    }

    /// Whether `output` is accepted for `answer` (and `input`, the argument
    /// list). An exception the checker would raise is a rejection, as
    /// ENAMEL counts it.
    pub fn accepts(self, input: Option<&Out>, answer: &Out, output: &Out) -> bool {
        match self {
            Checker::Exact => same_type(output, answer) && py_eq(output, answer),
            Checker::Number => {
                int_or_float(output) && numeric_distance(answer, output).is_some_and(|d| d < 1e-4)
            }
            Checker::NumberTuple | Checker::NumberList => {
                let wanted = if self == Checker::NumberTuple {
                    "tuple"
                } else {
                    "list"
                };
                if output.type_key() != wanted {
                    return false;
                }
                let (Some(outs), Some(answers)) = (items(output), items(answer)) else {
                    return false;
                };
                if outs.len() != answers.len() || !outs.iter().all(int_or_float) {
                    return false;
                }
                // `max()` of nothing raises: an empty answer rejects.
                let mut worst: Option<f64> = None;
                for (a, b) in answers.iter().zip(&outs) {
                    let Some(d) = numeric_distance(a, b) else {
                        return false;
                    };
                    // NaN never becomes the maximum after the first item,
                    // as in Python's `max`.
                    worst = Some(match worst {
                        None => d,
                        Some(w) if d > w => d,
                        Some(w) => w,
                    });
                }
                worst.is_some_and(|w| w < 1e-4)
            }
            Checker::PolyRoot => {
                if !int_or_float(output) {
                    return false;
                }
                let Some(x) = output.as_real() else {
                    return false;
                };
                let Some(coefficients) = input
                    .and_then(items)
                    .and_then(|args| args.first().and_then(items))
                else {
                    return false;
                };
                poly(&coefficients, x).is_some_and(|y| y.abs() < 1e-4)
            }
        }
    }
}

/// `type(a) == type(b)` at the top level. Digests stand for large values
/// whose type is part of what was hashed.
fn same_type(a: &Out, b: &Out) -> bool {
    match (a, b) {
        (Out::Digest(..), Out::Digest(..)) => true,
        (Out::Digest(..), _) | (_, Out::Digest(..)) => false,
        _ => a.type_key() == b.type_key(),
    }
}

/// `type(x) in (int, float)` (a bool is neither).
fn int_or_float(x: &Out) -> bool {
    matches!(x, Out::Int(_) | Out::BigInt(_) | Out::Float(_))
}

/// The items of a list or tuple.
fn items(x: &Out) -> Option<Vec<Out>> {
    match x {
        Out::List(items) | Out::Tuple(items) => Some(items.clone()),
        Out::Numbers(values, ints) => Some(Out::number_items(values, ints)),
        _ => None,
    }
}

/// `abs(a - b)` of two numbers, as a float (exact for two ints: 0 when
/// equal, else at least 1).
fn numeric_distance(a: &Out, b: &Out) -> Option<f64> {
    match (a, b) {
        (Out::Int(x), Out::Int(y)) | (Out::BigInt(x), Out::BigInt(y)) => {
            Some(if x == y { 0.0 } else { 1.0 })
        }
        (Out::Int(_), Out::BigInt(_)) | (Out::BigInt(_), Out::Int(_)) => Some(1.0),
        _ => {
            let (x, y) = (a.as_real()?, b.as_real()?);
            Some((x - y).abs())
        }
    }
}

/// HumanEval/32's `poly(xs, x)`: `sum([coeff * math.pow(x, i) for i,
/// coeff in enumerate(xs)])`; `None` where Python raises (overflow, a
/// coefficient that is not a number).
fn poly(coefficients: &[Out], x: f64) -> Option<f64> {
    let mut sum = 0.0f64;
    for (i, coefficient) in coefficients.iter().enumerate() {
        let power = x.powf(i as f64);
        if power.is_infinite() && x.is_finite() {
            return None;
        }
        sum += coefficient.as_real()? * power;
    }
    Some(sum)
}

/// ENAMEL's evaluation settings (its `demo.py` defaults).
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// `--seed`: 998244353.
    pub seed: u64,
    /// `--n_tests`: tests per level, 8, 4, 4, 4.
    pub tests: Vec<u32>,
    /// `--n_reps`: repetitions of each test of a level whose hardness is
    /// not 0 (those of hardness 0 run once), 6.
    pub reps: u32,
    /// `--hardness`: the weight of each level, 0, 3, 3, 4.
    pub hardness: Vec<f64>,
    /// `--timeout_factor` α: 2.
    pub alpha: f64,
    /// `--tolerence_sec`, in milliseconds: 10.
    pub tolerance_ms: f64,
    /// Measure calls by their user-space instructions (a hardware counter)
    /// instead of their CPU time; the kill limit stays in CPU time.
    pub instructions: bool,
    /// How many jobs time the reference, at once, right before the
    /// problem's samples, each running its share of the repetitions; each
    /// test's time is the Hodges–Lehmann estimate of them all (ENAMEL: one
    /// job).
    pub reference_runs: u32,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            seed: 998_244_353,
            tests: vec![8, 4, 4, 4],
            reps: 6,
            hardness: vec![0.0, 3.0, 3.0, 4.0],
            alpha: 2.0,
            tolerance_ms: 10.0,
            instructions: false,
            reference_runs: 3,
        }
    }
}

impl Params {
    /// How many times each test of `level` runs.
    fn reps_of(&self, level: usize) -> u32 {
        if self.hardness[level] != 0.0 {
            self.reps
        } else {
            1
        }
    }

    /// Why these settings cannot evaluate `task`, if they cannot.
    fn mismatch(&self, task: &EnamelTask) -> Option<String> {
        let levels = task.levels.len();
        if self.tests.len() != levels || self.hardness.len() != levels {
            return Some(format!(
                "the task has {levels} input levels, but {} test counts and {} hardness weights were given",
                self.tests.len(),
                self.hardness.len()
            ));
        }
        if self.hardness.iter().all(|&h| h == 0.0) {
            return Some("every hardness weight is 0".into());
        }
        None
    }
}

/// Reads ENAMEL's CSV (`dataset/enamel.csv`): every row, the ones outside
/// the problem set marked so. Errors name the file, the row's line and the
/// field.
pub fn load(path: &Path) -> Result<Vec<Task>, DatasetError> {
    let bytes = std::fs::read(path).map_err(|source| DatasetError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let text = String::from_utf8(bytes).map_err(|e| DatasetError::Read {
        path: path.to_path_buf(),
        line: 1,
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
    })?;
    let records = csv_records(&text).map_err(|(line, what)| DatasetError::Read {
        path: path.to_path_buf(),
        line,
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, what),
    })?;
    let Some(((_, header), rows)) = records.split_first() else {
        return Ok(Vec::new());
    };
    let column = |name: &'static str| header.iter().position(|h| h == name);
    let bad = |line: usize, field: &'static str, expected: &'static str| DatasetError::BadField {
        path: path.to_path_buf(),
        line,
        field,
        expected,
    };
    let names = [
        "task_id",
        "prompt",
        "input_generator",
        "input_levels",
        "reference_solution",
        "checker",
        "entry_point",
    ];
    let mut at = HashMap::new();
    for name in names {
        match column(name) {
            Some(i) => {
                at.insert(name, i);
            }
            None => {
                return Err(DatasetError::MissingField {
                    path: path.to_path_buf(),
                    line: 1,
                    field: name,
                });
            }
        }
    }
    let mut tasks = Vec::new();
    for (index, (line, row)) in rows.iter().enumerate() {
        let field = |name: &'static str| -> Result<String, DatasetError> {
            row.get(at[name])
                .cloned()
                .ok_or(DatasetError::MissingField {
                    path: path.to_path_buf(),
                    line: *line,
                    field: name,
                })
        };
        let levels: Vec<u64> = field("input_levels")?
            .split_whitespace()
            .map(str::parse)
            .collect::<Result<_, _>>()
            .map_err(|_| bad(*line, "input_levels", "sizes separated by spaces"))?;
        if levels.is_empty() {
            return Err(bad(*line, "input_levels", "at least one size"));
        }
        let checker = Checker::recognise(&field("checker")?).ok_or_else(|| {
            bad(
                *line,
                "checker",
                "one of ENAMEL's five checkers (verdict computes them outside the sandbox; see docs/conformance.md)",
            )
        })?;
        let generator = field("input_generator")?;
        if !generator.contains("def generate_input") {
            return Err(bad(*line, "input_generator", "a `generate_input` function"));
        }
        let entry_point = field("entry_point")?;
        tasks.push(Task {
            task_id: field("task_id")?,
            prompt: field("prompt")?,
            description: None,
            entry_point,
            canonical_solution: field("reference_solution")?,
            test: String::new(),
            plus: None,
            stdio: None,
            unittest: None,
            enamel: Some(Arc::new(EnamelTask {
                index,
                in_problem_set: !EXCLUDED.contains(&index),
                generator,
                levels,
                reference: field("reference_solution")?,
                checker,
            })),
            raw: String::new(),
            line: *line,
        });
    }
    Ok(tasks)
}

/// A CSV record: the line it starts on, and its fields.
type CsvRecord = (usize, Vec<String>);

/// The records of a CSV text (RFC 4180: quoted fields may hold commas,
/// newlines and doubled quotes), each with the line it starts on. A
/// record that is not well formed is reported by its line.
fn csv_records(text: &str) -> Result<Vec<CsvRecord>, (usize, String)> {
    let mut records = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while chars.peek().is_some() {
        let start = line;
        let mut record = Vec::new();
        loop {
            let mut field = String::new();
            if chars.peek() == Some(&'"') {
                chars.next();
                loop {
                    match chars.next() {
                        None => return Err((start, "a quoted field is not closed".into())),
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            field.push('"');
                        }
                        Some('"') => break,
                        Some(c) => {
                            if c == '\n' {
                                line += 1;
                            }
                            field.push(c);
                        }
                    }
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if c == ',' || c == '\n' || c == '\r' {
                        break;
                    }
                    if c == '"' {
                        return Err((line, "a quote inside an unquoted field".into()));
                    }
                    field.push(c);
                    chars.next();
                }
            }
            record.push(field);
            match chars.next() {
                Some(',') => continue,
                Some('\r') => {
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    line += 1;
                    break;
                }
                Some('\n') => {
                    line += 1;
                    break;
                }
                None => break,
                Some(c) => return Err((line, format!("`{c}` after a quoted field"))),
            }
        }
        if !(record.len() == 1 && record[0].is_empty()) {
            records.push((start, record));
        }
    }
    Ok(records)
}

/// The program a sample runs: ENAMEL's `TPL_RUN`, the prompt, a newline,
/// the code, a newline (the same for a `completion` and a `solution`).
pub fn program(task: &Task, code: &str) -> String {
    format!("{}\n{}\n", task.prompt, code)
}

/// A problem's tests as this run generated, answered and timed them.
#[derive(Debug)]
pub struct TaskTests {
    /// Every test's argument list, level after level, in the worker's
    /// encoding (a JSON list).
    inputs_json: String,
    /// The argument lists decoded, when the checker reads them.
    inputs: Option<Vec<Out>>,
    /// The level of each test.
    level: Vec<usize>,
    /// The reference's output for each test (its last repetition's).
    answers: Vec<Out>,
    /// The slowest reference test of each level (−∞ for hardness 0), in
    /// CPU milliseconds.
    level_reference_ms: Vec<f64>,
    /// `T = α · (slowest reference test)`, CPU milliseconds: what the kill
    /// limit is made of.
    limit_ms: f64,
    /// The same two in the measure scored (instructions, with
    /// `--measure instructions`; else the same as the milliseconds).
    level_reference_cost: Vec<f64>,
    limit_cost: f64,
}

/// Each task's generated inputs, and its tests once its reference has been
/// timed: the first of its samples to be judged times it, right before the
/// task's samples run (as ENAMEL's `compute_refs` does before each
/// problem's samples), so that the reference and the samples are measured
/// in the same conditions.
#[derive(Debug)]
pub struct Prepared {
    params: Params,
    tasks: HashMap<String, TaskEntry>,
}

#[derive(Debug)]
struct TaskEntry {
    inputs: Result<Vec<String>, String>,
    tests: OnceLock<Result<Arc<TaskTests>, String>>,
}

impl Prepared {
    /// The tests of `task`, its reference timed now if it has not been,
    /// or why there are none.
    pub fn tests(&self, task: &Task, pool: &Pool) -> Result<Arc<TaskTests>, String> {
        let entry = self
            .tasks
            .get(&task.task_id)
            .ok_or_else(|| format!("no inputs were generated for {}", task.task_id))?;
        let inputs = entry.inputs.as_ref().map_err(Clone::clone)?;
        entry
            .tests
            .get_or_init(|| time_task(task, inputs, &self.params, pool).map(Arc::new))
            .clone()
    }
}

/// Generates the inputs of `tasks` (or takes them from the cache: they
/// depend only on the generator, the sizes and the seeds).
/// `on_progress(done, total)` counts tasks.
pub fn prepare(
    tasks: &[&Task],
    params: &Params,
    pool: &Pool,
    cache_dir: Option<&Path>,
    on_progress: &(dyn Fn(usize, usize) + Sync),
) -> Prepared {
    let wanted: Vec<&Task> = tasks
        .iter()
        .copied()
        .filter(|t| t.enamel.as_ref().is_some_and(|e| e.in_problem_set))
        .collect();
    let results = Mutex::new(HashMap::new());
    let done = std::sync::atomic::AtomicUsize::new(0);
    crate::parallel::for_each_parallel(&wanted, pool.slots(), |task| {
        let inputs = match task.enamel.as_ref() {
            None => Err("not an ENAMEL task".to_string()),
            Some(enamel) => match params.mismatch(enamel) {
                Some(why) => Err(why),
                None => generated_inputs(task, enamel, params, pool, cache_dir),
            },
        };
        let entry = TaskEntry {
            inputs,
            tests: OnceLock::new(),
        };
        results
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(task.task_id.clone(), entry);
        let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        on_progress(n, wanted.len());
    });
    Prepared {
        params: params.clone(),
        tasks: results.into_inner().unwrap_or_else(|e| e.into_inner()),
    }
}

/// Generation's and the reference's limits: generous, they are trusted code.
fn trusted_limits() -> Limits {
    Limits {
        cpu_ms: 600_000,
        memory_bytes: 4 << 30,
        output_bytes: 1 << 30,
        ..Limits::default()
    }
}

/// Runs the reference on the task's inputs: its answers, and its times
/// from `reference_runs` jobs run at once.
fn time_task(
    task: &Task,
    inputs: &[String],
    params: &Params,
    pool: &Pool,
) -> Result<TaskTests, String> {
    let enamel = task.enamel.as_ref().ok_or("not an ENAMEL task")?;
    let level: Vec<usize> = params
        .tests
        .iter()
        .enumerate()
        .flat_map(|(j, &n)| std::iter::repeat_n(j, n as usize))
        .collect();
    let inputs_json = format!("[{}]", inputs.join(", "));
    // ENAMEL's repetitions of each test, shared out among the runs (six
    // over three: two each), so that the estimate spans several processes
    // for the cost of one run.
    let runs = params.reference_runs.max(1);
    let repeats: Vec<u32> = level
        .iter()
        .map(|&j| params.reps_of(j).div_ceil(runs).max(1))
        .collect();
    let job = Job {
        code: program(task, &enamel.reference),
        kind: JobKind::Timed {
            entry_point: task.entry_point.clone(),
            inputs_json: inputs_json.clone(),
            repeats: repeats.clone(),
            call_cpu_ms: 0,
            hide_io: false,
            full_outputs: false,
        },
        stdin: None,
        limits: trusted_limits(),
        trace: None,
    };
    // The reference is timed in `reference_runs` jobs at once, each test's
    // time the Hodges–Lehmann estimate of the repetitions of all of them
    // (ENAMEL times it in one run).
    let runs: Vec<Result<ReferenceRun, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..runs)
            .map(|_| scope.spawn(|| time_reference(&job, pool, &level)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("a reference run panicked".into()))
            })
            .collect()
    });
    let mut pooled: Vec<Vec<f64>> = vec![Vec::new(); level.len()];
    let mut pooled_counts: Vec<Vec<f64>> = vec![Vec::new(); level.len()];
    let mut answers = None;
    for run in runs {
        let (times, counts, outputs) = run?;
        for (test, t) in times.iter().enumerate() {
            if params.instructions && counts[test].len() != t.len() {
                return Err(format!(
                    "the reference's instructions were not counted on test {test} (no counter for the job's process)"
                ));
            }
            pooled[test].extend(t);
            pooled_counts[test].extend(&counts[test]);
        }
        answers.get_or_insert(outputs);
    }
    let mut estimates: Vec<Vec<f64>> = pooled
        .iter()
        .map(|t| vec![efficiency::hodges_lehmann(t)])
        .collect();
    let mut count_estimates: Vec<Vec<f64>> = pooled_counts
        .iter()
        .map(|c| {
            if c.is_empty() {
                Vec::new()
            } else {
                vec![efficiency::hodges_lehmann(c)]
            }
        })
        .collect();
    let answers: Vec<Out> = answers
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            a.ok_or_else(|| format!("the reference solution gave no output for test {i}"))
        })
        .collect::<Result<_, _>>()?;
    let (level_reference_ms, slowest) = slowest_per_level(&mut estimates, &level, params);
    let (level_reference_cost, slowest_cost) = if params.instructions {
        slowest_per_level(&mut count_estimates, &level, params)
    } else {
        (level_reference_ms.clone(), slowest)
    };
    let decoded_inputs = if enamel.checker.reads_input() {
        Some(
            inputs
                .iter()
                .map(|text| parse_value(text))
                .collect::<Result<Vec<_>, _>>()?,
        )
    } else {
        None
    };
    Ok(TaskTests {
        inputs_json,
        inputs: decoded_inputs,
        level,
        answers,
        level_reference_ms,
        limit_ms: params.alpha * slowest,
        level_reference_cost,
        limit_cost: params.alpha * slowest_cost,
    })
}

/// Each level's slowest reference test (−∞ for hardness 0) and the slowest
/// of all, from each test's estimates (their median).
fn slowest_per_level(
    estimates: &mut [Vec<f64>],
    level: &[usize],
    params: &Params,
) -> (Vec<f64>, f64) {
    let mut per_level = vec![f64::NEG_INFINITY; params.tests.len()];
    let mut slowest = f64::NEG_INFINITY;
    for (e, &j) in estimates.iter_mut().zip(level) {
        if params.hardness[j] == 0.0 || e.is_empty() {
            continue;
        }
        let cost = median(e);
        // ENAMEL's `Refs`: strictly greater replaces.
        if per_level[j] < cost {
            per_level[j] = cost;
        }
        if slowest < cost {
            slowest = cost;
        }
    }
    (per_level, slowest)
}

/// The median of `values` (the mean of the middle two for an even count).
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// What one timed run of the reference gives: each test's repetitions'
/// times and instruction counts (where counted), and each test's answer
/// (its last output).
type ReferenceRun = (Vec<Vec<f64>>, Vec<Vec<f64>>, Vec<Option<Out>>);

/// One timed run of the reference.
fn time_reference(job: &Job, pool: &Pool, level: &[usize]) -> Result<ReferenceRun, String> {
    let outcome = pool.run(job.clone());
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); level.len()];
    let mut counts: Vec<Vec<f64>> = vec![Vec::new(); level.len()];
    let mut answers: Vec<Option<Out>> = vec![None; level.len()];
    for call in parse_calls(&outcome) {
        if let Some(instr) = call.instr {
            counts[call.test].push(instr);
        }
        match &call.result {
            CallResult::Output(out) => {
                answers[call.test] = Some(out.clone());
                times[call.test].push(call.ms);
            }
            CallResult::Same => times[call.test].push(call.ms),
            other => {
                return Err(format!(
                    "the reference solution failed on test {} (level {}): {}",
                    call.test,
                    level[call.test],
                    other.describe()
                ));
            }
        }
    }
    if let Some(test) = times.iter().position(Vec::is_empty) {
        return Err(format!(
            "the reference solution gave no output for test {test}: {}",
            outcome_problem(&outcome)
        ));
    }
    Ok((times, counts, answers))
}

/// The generated inputs of `task`, one encoded argument list per test,
/// level after level: from the cache, or generated in the sandbox as
/// ENAMEL's `make_tests` does (each test: a fresh namespace with the
/// prompt and the generator, `random.seed(seed ^ i ^ (offset + k))`, then
/// `generate_input(size=…, lid=…, cid=…)`).
fn generated_inputs(
    task: &Task,
    enamel: &EnamelTask,
    params: &Params,
    pool: &Pool,
    cache_dir: Option<&Path>,
) -> Result<Vec<String>, String> {
    let mut calls = Vec::new();
    let mut offset: u64 = 0;
    for (j, (&size, &n)) in enamel.levels.iter().zip(&params.tests).enumerate() {
        for k in 0..u64::from(n) {
            let seed = params.seed ^ enamel.index as u64 ^ (offset + k);
            calls.push(format!("[{seed}, {size}, {j}, {k}]"));
        }
        offset += u64::from(n);
    }
    let code = format!(
        "{DATAUTILS}\n{}\n{}\n\ndef __verdict_generate(seed, size, lid, cid):\n    random.seed(seed)\n    return generate_input(size=size, lid=lid, cid=cid)\n",
        task.prompt, enamel.generator
    );
    let inputs_json = format!("[{}]", calls.join(", "));
    let cache = cache_dir.map(|dir| {
        let mut hash = Sha256::new();
        hash.update(code.as_bytes());
        hash.update(inputs_json.as_bytes());
        let digest = hash.finalize();
        let mut name = String::from("enamel-inputs-");
        for byte in &digest[..12] {
            let _ = write!(name, "{byte:02x}");
        }
        dir.join(name + ".json")
    });
    if let Some(path) = &cache
        && let Some(inputs) = read_cached_inputs(path, calls.len())
    {
        return Ok(inputs);
    }
    let job = Job {
        code,
        kind: JobKind::Timed {
            entry_point: "__verdict_generate".into(),
            inputs_json,
            repeats: Vec::new(),
            call_cpu_ms: 0,
            hide_io: false,
            full_outputs: true,
        },
        stdin: None,
        limits: trusted_limits(),
        trace: None,
    };
    let outcome = pool.run(job);
    let mut inputs = Vec::with_capacity(calls.len());
    for line in record_lines(&outcome) {
        if let Some(text) = out_text(line) {
            inputs.push(text.to_string());
        } else if let Ok(record) = pyvalue::parse_json(line)
            && record.get("done").is_none()
        {
            return Err(format!(
                "ENAMEL's input generator failed on test {}: {}",
                inputs.len(),
                problem_of(&record)
            ));
        }
    }
    if inputs.len() != calls.len() {
        return Err(format!(
            "ENAMEL's input generator made {} of {} inputs: {}",
            inputs.len(),
            calls.len(),
            outcome_problem(&outcome)
        ));
    }
    if let Some(path) = &cache {
        write_cached_inputs(path, &inputs);
    }
    Ok(inputs)
}

fn read_cached_inputs(path: &PathBuf, count: usize) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(path).ok()?;
    let inputs: Vec<String> = serde_json::from_str(&text).ok()?;
    (inputs.len() == count).then_some(inputs)
}

fn write_cached_inputs(path: &PathBuf, inputs: &[String]) {
    // The cache only saves time: a failure to write it is not an error.
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if let Ok(text) = serde_json::to_string(inputs) {
        let partial = path.with_extension("partial");
        if std::fs::write(&partial, text).is_ok() {
            let _ = std::fs::rename(&partial, path);
        }
    }
}

/// The record lines of a timed job.
fn record_lines(outcome: &Outcome) -> impl Iterator<Item = &str> {
    outcome
        .harness
        .as_ref()
        .and_then(|h| h.get("records"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

/// The encoded output in a record line of a timed or calls job, `{"i": …,
/// ("r": …,) "ms": …, "out": TEXT}` (the fields before it are numbers, so the
/// first `"out": ` is the field's).
pub(crate) fn out_text(line: &str) -> Option<&str> {
    let at = line.find("\"out\": ")?;
    line[at + 7..].strip_suffix('}')
}

fn parse_value(text: &str) -> Result<Out, String> {
    let value = pyvalue::parse_json(text).map_err(|e| e.to_string())?;
    decode(&value)
}

/// What one call of a timed job came to.
#[derive(Debug, Clone)]
enum CallResult {
    /// It returned this.
    Output(Out),
    /// It returned what the test's first repetition returned.
    Same,
    /// Its output could not be read.
    Unreadable(String),
    /// It raised; `stops_levels`: MemoryError or OverflowError.
    Raised {
        exc: String,
        message: String,
        stops_levels: bool,
    },
    /// Its CPU-time limit ran out.
    TimedOut,
}

impl CallResult {
    fn describe(&self) -> String {
        match self {
            CallResult::Output(_) | CallResult::Same => "returned".into(),
            CallResult::Unreadable(why) => format!("unreadable output: {why}"),
            CallResult::Raised { exc, message, .. } => format!("{exc}: {message}"),
            CallResult::TimedOut => "time limit".into(),
        }
    }
}

/// One call of a timed job: its test, repetition, CPU time and result.
#[derive(Debug, Clone)]
struct Call {
    test: usize,
    rep: u32,
    ms: f64,
    instr: Option<f64>,
    result: CallResult,
}

fn parse_call(line: &str) -> Option<Call> {
    if let Some(text) = out_text(line) {
        // The fields before the output, closed as an object of their own.
        let head = &line[..line.find("\"out\": ")?];
        let record = pyvalue::parse_json(&format!("{head}\"out\": null}}")).ok()?;
        let mut call = call_header(&record)?;
        call.result = match parse_value(text) {
            Ok(out) => CallResult::Output(out),
            Err(why) => CallResult::Unreadable(why),
        };
        return Some(call);
    }
    let record = pyvalue::parse_json(line).ok()?;
    if record.get("setup_error").is_some() {
        return Some(Call {
            test: 0,
            rep: 0,
            ms: 0.0,
            instr: None,
            result: CallResult::Raised {
                exc: record
                    .get("setup_error")
                    .and_then(PyValue::as_str)
                    .unwrap_or("Error")
                    .into(),
                message: record
                    .get("message")
                    .and_then(PyValue::as_str)
                    .unwrap_or("")
                    .into(),
                stops_levels: false,
            },
        });
    }
    let mut call = call_header(&record)?;
    call.result = if record.get("same").is_some() {
        CallResult::Same
    } else if record.get("timeout").is_some() {
        CallResult::TimedOut
    } else if let Some(exc) = record.get("exc").and_then(PyValue::as_str) {
        CallResult::Raised {
            exc: exc.into(),
            message: record
                .get("message")
                .and_then(PyValue::as_str)
                .unwrap_or("")
                .into(),
            stops_levels: record.get("break") == Some(&PyValue::Bool(true)),
        }
    } else {
        return None;
    };
    Some(call)
}

fn call_header(record: &PyValue) -> Option<Call> {
    Some(Call {
        test: record.get("i")?.as_f64()? as usize,
        rep: record.get("r")?.as_f64()? as u32,
        ms: record.get("ms").and_then(PyValue::as_f64).unwrap_or(0.0),
        instr: record.get("instr").and_then(PyValue::as_f64),
        result: CallResult::Same,
    })
}

fn parse_calls(outcome: &Outcome) -> Vec<Call> {
    record_lines(outcome).filter_map(parse_call).collect()
}

fn problem_of(record: &PyValue) -> String {
    let exc = record
        .get("setup_error")
        .or_else(|| record.get("exc"))
        .and_then(PyValue::as_str);
    match exc {
        Some(exc) => format!(
            "{exc}: {}",
            record
                .get("message")
                .and_then(PyValue::as_str)
                .unwrap_or("")
        ),
        None if record.get("timeout").is_some() => "time limit".into(),
        None => "no result".into(),
    }
}

fn outcome_problem(outcome: &Outcome) -> String {
    match (&outcome.error, outcome.status) {
        (Some(error), _) => error.clone(),
        (None, status) => {
            let tail: String = outcome.stderr.chars().rev().take(500).collect();
            let tail: String = tail.chars().rev().collect();
            format!("the job ended with {}: {}", status.name(), tail.trim())
        }
    }
}

/// How a sample's run ended, in ENAMEL's terms.
#[derive(Debug, Clone, PartialEq)]
enum Ending {
    /// Every test of every level ran and was right.
    Complete,
    /// A limit (time, `MemoryError`, `OverflowError`) stopped the sample at
    /// a level after the first: that level and the later ones score 0.
    Stopped {
        level: usize,
        test: usize,
        why: String,
    },
    /// A wrong output, an exception, or a limit at the first level.
    Failed {
        level: usize,
        test: usize,
        status: &'static str,
        why: String,
    },
}

/// Judges one sample: its timed job on the task's tests, each output
/// checked as it arrives (the job stops at the first wrong one), then
/// ENAMEL's scoring.
pub fn judge(
    pool: &Pool,
    task: &Task,
    tests: &Arc<TaskTests>,
    program: String,
    params: &Params,
    memory_bytes: u64,
    fields: Map<String, Value>,
) -> ResultRow {
    let Some(enamel) = task.enamel.as_ref() else {
        return crate::judge::error_row(fields, "not an ENAMEL task".into());
    };
    let checker = enamel.checker;
    let kill_ms = tests.limit_ms + params.tolerance_ms;
    let repeats: Vec<u32> = tests.level.iter().map(|&j| params.reps_of(j)).collect();
    let calls_total: f64 = repeats.iter().map(|&r| f64::from(r)).sum();
    let job = Job {
        code: program,
        kind: JobKind::Timed {
            entry_point: task.entry_point.clone(),
            inputs_json: tests.inputs_json.clone(),
            repeats,
            call_cpu_ms: kill_ms.ceil() as u64,
            hide_io: true,
            full_outputs: false,
        },
        stdin: None,
        limits: Limits {
            // Every call at its limit and half as much again, and time to
            // read the inputs (a call that catches its timeout ends the
            // job itself, 50 ms of CPU later).
            cpu_ms: (calls_total * kill_ms * 1.5) as u64 + 5_000,
            memory_bytes,
            ..Limits::default()
        },
        trace: None,
    };
    let watched = Arc::clone(tests);
    let watch: RecordWatch = Arc::new(move |line: &str| {
        let Some(text) = out_text(line) else {
            return false;
        };
        let Some(test) = line
            .strip_prefix("{\"i\": ")
            .and_then(|rest| rest.split(',').next())
            .and_then(|n| n.parse::<usize>().ok())
        else {
            return false;
        };
        match parse_value(text) {
            Ok(out) => !accepted(&watched, checker, test, &out),
            Err(_) => true,
        }
    });
    let outcome = pool.run_watched(job, watch);
    let calls = parse_calls(&outcome);
    score(task, tests, params, &calls, &outcome, fields)
}

fn accepted(tests: &TaskTests, checker: Checker, test: usize, out: &Out) -> bool {
    let Some(answer) = tests.answers.get(test) else {
        return false;
    };
    let input = tests.inputs.as_ref().and_then(|inputs| inputs.get(test));
    checker.accepts(input, answer, out)
}

/// ENAMEL's `evaluate1` over the calls the job made, in order.
#[allow(clippy::needless_range_loop)] // `j` is the level, in ENAMEL's words
fn score(
    task: &Task,
    tests: &TaskTests,
    params: &Params,
    calls: &[Call],
    outcome: &Outcome,
    mut fields: Map<String, Value>,
) -> ResultRow {
    let checker = task
        .enamel
        .as_ref()
        .map(|e| e.checker)
        .unwrap_or(Checker::Exact);
    let kill_ms = tests.limit_ms + params.tolerance_ms;
    let levels = params.tests.len();
    let mut calls = calls.iter();
    let mut effs = vec![0.0f64; levels];
    let mut elapsed: Vec<Vec<f64>> = Vec::new();
    let mut ending = Ending::Complete;
    let mut test = 0;
    let mut level_elapsed = Vec::new();
    'levels: for j in 0..levels {
        level_elapsed = Vec::new();
        for _ in 0..params.tests[j] {
            let mut times = Vec::new();
            for rep in 0..params.reps_of(j) {
                let call = calls.next().filter(|c| c.test == test && c.rep == rep);
                let stop = |why: String| -> Ending {
                    if j == 0 {
                        Ending::Failed {
                            level: j,
                            test,
                            status: "timed_out",
                            why,
                        }
                    } else {
                        Ending::Stopped {
                            level: j,
                            test,
                            why,
                        }
                    }
                };
                let Some(call) = call else {
                    // The job ended before this call reported: by a limit
                    // of the whole job, or for a reason of its own.
                    ending = match outcome.status {
                        Status::TimeLimit => stop("time limit".into()),
                        Status::MemoryLimit => stop("memory limit".into()),
                        Status::SandboxError => Ending::Failed {
                            level: j,
                            test,
                            status: "sandbox_error",
                            why: outcome_problem(outcome),
                        },
                        _ => Ending::Failed {
                            level: j,
                            test,
                            status: "runtime_error",
                            why: outcome_problem(outcome),
                        },
                    };
                    break 'levels;
                };
                match &call.result {
                    CallResult::TimedOut => {
                        ending = stop(format!("time limit ({kill_ms:.3} ms of CPU)"));
                        break 'levels;
                    }
                    CallResult::Raised {
                        exc,
                        message,
                        stops_levels: true,
                    } => {
                        ending = stop(format!("{exc}: {message}"));
                        break 'levels;
                    }
                    CallResult::Raised { exc, message, .. } => {
                        ending = Ending::Failed {
                            level: j,
                            test,
                            status: "runtime_error",
                            why: format!("{exc}: {message}"),
                        };
                        break 'levels;
                    }
                    CallResult::Unreadable(why) => {
                        ending = Ending::Failed {
                            level: j,
                            test,
                            status: "failed",
                            why: format!("output not comparable: {why}"),
                        };
                        break 'levels;
                    }
                    CallResult::Output(out) => {
                        if !accepted(tests, checker, test, out) {
                            ending = Ending::Failed {
                                level: j,
                                test,
                                status: "failed",
                                why: "wrong output".into(),
                            };
                            break 'levels;
                        }
                    }
                    // A repetition's output with the first's text: the
                    // first was right, or the run stopped there.
                    CallResult::Same => {}
                }
                // A call that finished past the kill limit, before the
                // timer fired: ENAMEL's timer would have stopped it.
                if call.ms > kill_ms {
                    ending = stop(format!(
                        "time limit ({:.3} ms > {kill_ms:.3} ms of CPU)",
                        call.ms
                    ));
                    break 'levels;
                }
                let cost = if params.instructions {
                    call.instr
                } else {
                    Some(call.ms)
                };
                let Some(cost) = cost else {
                    ending = Ending::Failed {
                        level: j,
                        test,
                        status: "sandbox_error",
                        why: "the call's instructions were not counted (no counter for the job's process)".into(),
                    };
                    break 'levels;
                };
                times.push(cost);
            }
            level_elapsed.push(efficiency::hodges_lehmann(&times));
            test += 1;
        }
        let slowest = level_elapsed
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        effs[j] =
            efficiency::enamel_level_eff(slowest, tests.level_reference_cost[j], tests.limit_cost);
        elapsed.push(std::mem::take(&mut level_elapsed));
    }
    if let Ending::Stopped { .. } = ending {
        // ENAMEL keeps the times of the level it stopped at, as far as
        // they go.
        elapsed.push(level_elapsed);
    }
    let passed = !matches!(ending, Ending::Failed { .. });
    if !passed {
        effs = vec![0.0; levels];
    } else if let Ending::Stopped { level, .. } = ending {
        for e in effs.iter_mut().skip(level) {
            *e = 0.0;
        }
    }
    let eff = efficiency::weighted_eff(&effs, &params.hardness).unwrap_or(0.0);
    fields.insert("eff".into(), json!(eff));
    fields.insert("effs".into(), json!(effs));
    let elapsed_name = if params.instructions {
        "elapsed_instructions"
    } else {
        "elapsed_ms"
    };
    fields.insert(elapsed_name.into(), json!(elapsed));
    let mut details = Map::new();
    details.insert("limit_ms".into(), json!(tests.limit_ms));
    details.insert("kill_ms".into(), json!(kill_ms));
    details.insert(
        "reference_level_ms".into(),
        json!(
            tests
                .level_reference_ms
                .iter()
                .map(|&ms| ms.is_finite().then_some(ms))
                .collect::<Vec<_>>()
        ),
    );
    if params.instructions {
        details.insert("limit_instructions".into(), json!(tests.limit_cost));
        details.insert(
            "reference_level_instructions".into(),
            json!(
                tests
                    .level_reference_cost
                    .iter()
                    .map(|&c| c.is_finite().then_some(c))
                    .collect::<Vec<_>>()
            ),
        );
    }
    details.insert(
        "measure".into(),
        json!(if params.instructions {
            "instructions"
        } else {
            "cpu_time"
        }),
    );
    details.insert("cpu_ms".into(), json!(outcome.cpu_ms));
    details.insert("peak_memory_bytes".into(), json!(outcome.peak_memory_bytes));
    let (status, result) = match &ending {
        Ending::Complete => ("passed", RESULT_PASSED.to_string()),
        Ending::Stopped { level, test, why } => {
            details.insert(
                "stopped".into(),
                json!({ "level": level, "test": test, "reason": why }),
            );
            ("passed", RESULT_PASSED.to_string())
        }
        Ending::Failed {
            level,
            test,
            status,
            why,
        } => {
            details.insert(
                "failure".into(),
                json!({ "level": level, "test": test, "reason": why }),
            );
            let result = if *status == "timed_out" {
                RESULT_TIMED_OUT.to_string()
            } else {
                result_failed(&format!("{why} (level {level}, test {test})"))
            };
            (*status, result)
        }
    };
    ResultRow {
        fields,
        passed,
        result,
        status: status.into(),
        details: Some(Value::Object(details)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_records_keep_quoted_commas_newlines_and_quotes() {
        let text = "a,b,c\n1,\"x, \"\"y\"\"\nz\",3\r\n\"\",,last\n";
        let records = csv_records(text).unwrap();
        assert_eq!(records.len(), 3);
        assert_eq!(records[1].0, 2);
        assert_eq!(records[1].1, vec!["1", "x, \"y\"\nz", "3"]);
        assert_eq!(records[2].0, 4);
        assert_eq!(records[2].1, vec!["", "", "last"]);
        assert_eq!(csv_records("a,\"b\n").unwrap_err().0, 1);
    }

    #[test]
    fn the_five_checkers_are_recognised_and_nothing_else() {
        let exact = "def __check(input, answer, output):\n    return type(output) == type(answer) and output == answer\n";
        assert_eq!(Checker::recognise(exact), Some(Checker::Exact));
        let poly = "def __check(input, answer, output):\n    import math\n    return type(output) in (int, float) and math.fabs(poly(*input, output)) < 1e-4\n";
        assert_eq!(Checker::recognise(poly), Some(Checker::PolyRoot));
        let other = "def __check(input, answer, output):\n    return True\n";
        assert_eq!(Checker::recognise(other), None);
    }

    fn out(text: &str) -> Out {
        parse_value(text).unwrap()
    }

    #[test]
    fn checkers_follow_python() {
        let exact = Checker::Exact;
        assert!(exact.accepts(None, &out("[1, 2]"), &out("[1.0, 2]")));
        assert!(!exact.accepts(None, &out("[1, 2]"), &out("{\"$t\": [1, 2]}")));
        assert!(!exact.accepts(None, &out("1"), &out("1.0")));
        assert!(!exact.accepts(None, &out("1"), &out("true")));
        assert!(exact.accepts(None, &out("\"ab\""), &out("\"ab\"")));
        let number = Checker::Number;
        assert!(number.accepts(None, &out("2.5"), &out("2.50001")));
        assert!(number.accepts(None, &out("2.5"), &out("2.50000001")));
        assert!(!number.accepts(None, &out("2.5"), &out("2.6")));
        assert!(!number.accepts(None, &out("1"), &out("true")));
        let list = Checker::NumberList;
        assert!(list.accepts(None, &out("[1.0, 2.0]"), &out("[1, 2.00000001]")));
        assert!(!list.accepts(None, &out("[]"), &out("[]")));
        assert!(!list.accepts(None, &out("[1.0]"), &out("{\"$t\": [1.0]}")));
        let tuple = Checker::NumberTuple;
        assert!(tuple.accepts(None, &out("{\"$t\": [1.0, 2]}"), &out("{\"$t\": [1.0, 2]}")));
        let poly = Checker::PolyRoot;
        // x^2 - 4: roots ±2.
        let input = out("[[-4, 0, 1]]");
        assert!(poly.accepts(Some(&input), &out("0.0"), &out("2.0")));
        assert!(poly.accepts(Some(&input), &out("0.0"), &out("-2")));
        assert!(!poly.accepts(Some(&input), &out("0.0"), &out("1.9")));
    }

    #[test]
    fn record_lines_give_their_calls() {
        let call =
            parse_call("{\"i\": 3, \"r\": 1, \"ms\": 0.25, \"out\": [1, {\"$t\": [2]}]}").unwrap();
        assert_eq!((call.test, call.rep, call.ms), (3, 1, 0.25));
        assert!(matches!(call.result, CallResult::Output(Out::List(_))));
        let call = parse_call("{\"i\": 3, \"r\": 2, \"ms\": 0.5, \"same\": true}").unwrap();
        assert!(matches!(call.result, CallResult::Same));
        let call = parse_call(
            "{\"i\": 0, \"r\": 0, \"exc\": \"MemoryError\", \"message\": \"\", \"ms\": 1.0, \"setup\": false, \"break\": true}",
        )
        .unwrap();
        assert!(matches!(
            call.result,
            CallResult::Raised {
                stops_levels: true,
                ..
            }
        ));
        let call = parse_call("{\"i\": 1, \"r\": 0, \"timeout\": true, \"ms\": 12.0}").unwrap();
        assert!(matches!(call.result, CallResult::TimedOut));
    }
}
