//! ClassEval (FudanSELab/ClassEval @ eaeac44): 100 class-level tasks, each
//! judged by its unittest TestCase classes (502 in all), as the official
//! pipeline (`classeval_evaluation/test_pipeline.py`) judges them: the
//! program is the task's `import_statement` lines and the class code, then
//! `"\n" + test`, loaded once per sample; each test class runs on its own
//! with a 5 s limit and gets `success`, `partial_success`, `fail` or
//! `error`; a sample passes when every class succeeds (`class_success`).
//! Scores: class-level and method-level pass@k as its
//! `cal_metrics_pass_at_k` computes them ([`crate::classeval`]).

use verdict_exec::UnittestHarness;

use super::{
    CallsRules, DataFile, Defaults, Ids, Mode, Rows, Scoring, Spec, UnittestRules, no_oracle,
    no_skip,
};
use crate::dataset::Task;
use crate::samples::SampleCode;

/// ClassEval.
pub static SPEC: Spec = Spec {
    name: "classeval",
    aliases: &["class-eval"],
    title: "ClassEval (100 class-level tasks, unittest per test class)",
    evaluator: "ClassEval @ eaeac44 (classeval_evaluation/test_pipeline.py, evaluation.py)",
    tasks: Some(100),
    data: Some(DataFile {
        path: "classeval/ClassEval_data.json",
        url: concat!(
            "https://raw.githubusercontent.com/FudanSELab/ClassEval/",
            "eaeac44d0d5dcd8a95feec50726d66fedc73a98f/data/ClassEval_data.json"
        ),
        sha256: "50a1ac0e4d0c238573c10c0ab11feae00b14a80ae9e4c9cc28148707ecf0b6a2",
        gunzip: false,
    }),
    rows: Rows::ClassEval,
    ids: Ids::Verbatim,
    mode: Mode::Unittest(UnittestRules {
        harness: UnittestHarness::ClassEval,
        environment: Some(&crate::envs::CLASSEVAL),
    }),
    limits: Defaults {
        time_ms: 5_000,
        memory_bytes: 4 << 30,
    },
    oracle: no_oracle,
    demo: None,
    skip: no_skip,
    scoring: Scoring::ClassEval,
    ks: &[1, 3, 5],
    program: class_code,
    line_order: false,
    calls: CallsRules::EVALPLUS,
};

/// The sample's class code as it is (`solution` or `completion`): a model
/// writes the whole class; the skeleton is not put before it.
fn class_code(_: &Task, code: SampleCode<'_>) -> String {
    match code {
        SampleCode::Solution(s) | SampleCode::Completion(s) => s.to_string(),
    }
}
