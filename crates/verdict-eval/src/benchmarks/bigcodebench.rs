//! BigCodeBench (bigcode-project/bigcodebench @ 47eff25, dataset v0.1.4):
//! library-heavy tasks judged by unittest. Hard has 148 tasks, the full set
//! 1,140; the complete and instruct splits differ only in the prompt a
//! model was given, and are judged alike.
//!
//! As `evaluate.py` and `eval/__init__.py` build and run it: the sample's
//! code is its `solution`, or `complete_prompt + completion`; calibrated
//! (the default), `code_prompt + "\n    pass\n"` comes first; then
//! `"\n" + test` and the whole runs as one module, `__test__`, whose
//! `TestCases` run under the official safe environment and guard
//! (`unsafe_execute`). A suite that ran with no failure or error is
//! `pass`, one with any `fail`, an error before or around the suite `fail`
//! (details `{"ALL": message}`), no report at all `timeout`. The official
//! suite timer is 240 s + 1 of wall clock (`TIMEOUT_LIMIT`, raised as an
//! error inside the running test); here it is CPU time, and the job is
//! killed a second later.

use verdict_exec::UnittestHarness;

use super::{
    CallsRules, DataFile, Defaults, Ids, Mode, Rows, Scoring, Spec, UnittestRules, no_oracle,
    no_skip, prompt_then_code,
};

const RULES: UnittestRules = UnittestRules {
    harness: UnittestHarness::BigCodeBench,
    environment: Some(&crate::envs::BIGCODEBENCH),
};

/// The official suite timer: `TIMEOUT_LIMIT` (240 s) + 1.
pub const SUITE_MS: u64 = 241_000;

/// BigCodeBench-Hard.
pub static HARD: Spec = HARD_SPEC;

const HARD_SPEC: Spec = Spec {
    name: "bigcodebench-hard",
    aliases: &["bigcodebench-hard-complete", "bigcodebench-hard-instruct"],
    title: "BigCodeBench-Hard (148 library-heavy tasks, unittest)",
    evaluator: "bigcodebench 0.2.5 @ 47eff25 (evaluate --execution local)",
    tasks: Some(148),
    data: Some(DataFile {
        path: "bigcodebench/bigcodebench_hard.json",
        url: concat!(
            "https://raw.githubusercontent.com/QwenLM/Qwen2.5-Coder/",
            "d5ead97fea36bca3744e1a4c49e882f6fa2f406a/qwencoder-eval/instruct/",
            "BigCodeBench/data/bigcodebench_hard.json"
        ),
        sha256: "5e7a87ff1085eafb13b2d570277bcb53dba68201717b4fc987a3f2b86a23869c",
        gunzip: false,
    }),
    rows: Rows::BigCodeBench,
    ids: Ids::Verbatim,
    mode: Mode::Unittest(RULES),
    limits: Defaults {
        time_ms: SUITE_MS,
        memory_bytes: 8 << 30,
    },
    oracle: no_oracle,
    demo: None,
    skip: no_skip,
    scoring: Scoring::HumanEval,
    ks: &[1, 5, 10],
    program: prompt_then_code,
    line_order: false,
    calls: CallsRules::EVALPLUS,
};

/// BigCodeBench (full). Its dataset is published on the Hugging Face hub
/// (`bigcode/bigcodebench`, split v0.1.4), which the official harness
/// caches as `BigCodeBench-v0.1.4.jsonl`: that file is the `--problems`.
pub static FULL: Spec = Spec {
    name: "bigcodebench",
    aliases: &[
        "bigcodebench-full",
        "bigcodebench-complete",
        "bigcodebench-instruct",
    ],
    title: "BigCodeBench (1,140 library-heavy tasks, unittest; --problems BigCodeBench-v0.1.4.jsonl)",
    data: None,
    tasks: Some(1140),
    ..HARD_SPEC
};
