//! stdin/stdout problems from the user's problems file (verdict's format,
//! or APPS, CodeContests and LiveCodeBench rows; docs/stdio-format.md): each
//! sample names its `language`, and runs on every case.

use super::prompt_then_code;
use super::{CallsRules, Defaults, Demo, Ids, Mode, Rows, Scoring, Spec, no_oracle, no_skip};

/// stdin/stdout problems.
pub static SPEC: Spec = Spec {
    name: "stdio",
    aliases: &["stdin-stdout"],
    title: "stdin/stdout problems (your problems file)",
    evaluator: "each case's expected output, compared as the problem says",
    tasks: None,
    data: None,
    rows: Rows::Stdio,
    ids: Ids::Verbatim,
    mode: Mode::Stdio,
    limits: Defaults {
        time_ms: 2_000,
        memory_bytes: 512 << 20,
    },
    oracle: no_oracle,
    demo: Some(Demo {
        problems_name: "stdio-problems.jsonl",
        problems: crate::stdio::DEMO_PROBLEMS,
        samples_name: "stdio-solutions.jsonl",
        samples: crate::stdio::DEMO_SOLUTIONS,
    }),
    skip: no_skip,
    scoring: Scoring::HumanEval,
    ks: &[1, 10, 100],
    program: prompt_then_code,
    line_order: false,
    calls: CallsRules::EVALPLUS,
};
