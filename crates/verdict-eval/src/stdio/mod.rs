//! Standard input/output judging, the part that needs no sandbox: problems made of
//! (input, expected output) cases, the ways an output is compared with the expected one,
//! and the problem files that hold them.
//!
//! - [`compare`](compare::compare) decides one case's output under a [`CompareMode`] and
//!   explains a rejection with a [`Mismatch`]; [`checker_verdict`] reads the exit of a
//!   problem's custom [`Checker`].
//! - [`problems`] reads problem files: verdict's own JSONL format (documented in
//!   `docs/stdio-format.md`) and the rows of APPS, CodeContests and LiveCodeBench.
//! - [`demo_problems`] and [`demo_solutions`] are a small problem set written by this
//!   project, with right and wrong solutions in several languages.

use serde::Deserialize;

pub mod compare;
pub mod judge;
mod pickle;
pub mod problems;

pub use compare::{Mismatch, MismatchKind, checker_verdict, compare};
pub use judge::{CaseResult, StdioOptions, StdioVerdict, judge_program, judge_sample};
pub use problems::{Format, ProblemError, ProblemSet, Unsupported, load_problems, parse_problems};

/// How a case's output is compared with the expected output (see [`compare()`]).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum CompareMode {
    /// Byte-equal.
    Exact,
    /// Equal once the trailing whitespace of every line and the trailing empty lines are
    /// removed (`\r\n` counts as `\n`). The default.
    #[default]
    TrailingWhitespace,
    /// Equal token by token (split on whitespace); numbers may differ by the tolerance.
    Tokens {
        /// Absolute tolerance.
        abs_tol: f64,
        /// Relative tolerance, a fraction of the expected value.
        rel_tol: f64,
    },
    /// Judged by the problem's [`Checker`].
    Checker,
}

impl CompareMode {
    /// The mode's name in problem files: `exact`, `trailing_whitespace`, `tokens`,
    /// `checker`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Exact => "exact",
            Self::TrailingWhitespace => "trailing_whitespace",
            Self::Tokens { .. } => "tokens",
            Self::Checker => "checker",
        }
    }
}

/// A problem's custom checker: a program that decides whether an output is right, for
/// problems with more than one right answer.
///
/// The checker runs in a directory holding three files, [`Checker::FILES`]: `input` (the
/// case's input), `expected` (the problem's expected output) and `actual` (the output
/// under judgement); it also gets their names as its arguments, in that order. It exits
/// 0 to accept and any other code to reject, and what it prints (stdout, then stderr)
/// is the message shown with the rejection (see [`checker_verdict`]).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Checker {
    /// The language the checker is written in (`python`, `cpp`, ...).
    pub language: String,
    /// Its source code.
    pub code: String,
}

impl Checker {
    /// The names of the files the checker reads, and its arguments, in order.
    pub const FILES: [&'static str; 3] = ["input", "expected", "actual"];
}

/// One test of a problem: the program's standard input and the expected output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// Given on standard input.
    pub input: String,
    /// The expected standard output (for a checker, one right answer).
    pub expected: String,
}

/// A standard input/output problem.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The problem's id, as its file spells it.
    pub task_id: String,
    /// The cases, in file order (for foreign formats: public, then private, then
    /// generated).
    pub tests: Vec<Case>,
    /// How outputs are compared; [`CompareMode::Checker`] exactly when `checker` is set.
    pub compare: CompareMode,
    /// The custom checker, for [`CompareMode::Checker`].
    pub checker: Option<Checker>,
    /// CPU time limit per case, if the file gives one.
    pub time_limit_ms: Option<u64>,
    /// Memory limit, if the file gives one.
    pub memory_limit_bytes: Option<u64>,
    /// The problem statement, if the file has one.
    pub statement: Option<String>,
    /// 1-based line of the problem in its file.
    pub line: usize,
}

/// What a demo solution is expected to get.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    /// Every case passes.
    Accepted,
    /// Some case's output is wrong.
    WrongAnswer,
    /// Some case runs past the time limit.
    TimeLimit,
    /// Some case crashes.
    RuntimeError,
    /// The program does not compile.
    CompileError,
}

/// A solution of a demo problem, with the verdict it should get.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Solution {
    /// The problem.
    pub task_id: String,
    /// `python`, `c`, `cpp`, `java` (class `Main`), `javascript`, `rust`, `go` or `bash`.
    pub language: String,
    /// The whole program.
    pub solution: String,
    /// The verdict it should get.
    pub expect: Expect,
}

/// The demo problem file, in verdict's native format.
pub const DEMO_PROBLEMS: &str = include_str!("../../data/stdio-demo/problems.jsonl");

/// The demo solutions, one JSON object per line (see [`Solution`]).
pub const DEMO_SOLUTIONS: &str = include_str!("../../data/stdio-demo/solutions.jsonl");

/// The demo problems: small original problems, one with a float answer, one with a
/// custom checker and one with a large input.
pub fn demo_problems() -> Vec<Problem> {
    let set = parse_problems(
        std::path::Path::new("stdio-demo/problems.jsonl"),
        DEMO_PROBLEMS,
    )
    .expect("the built-in demo problems parse");
    set.problems
}

/// The demo solutions, right and wrong, in several languages.
pub fn demo_solutions() -> Vec<Solution> {
    DEMO_SOLUTIONS
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).expect("the built-in demo solutions parse"))
        .collect()
}

#[cfg(test)]
#[path = "demo_tests.rs"]
mod demo_tests;
