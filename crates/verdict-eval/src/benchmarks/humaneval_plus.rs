//! EvalPlus's HumanEval+ v0.1.10: each task's entry point called on its
//! base and plus inputs, the outputs compared outside the sandbox with the
//! canonical solution's, as evalplus 0.3.1 compares them (see
//! `crate::dataset`'s module docs).

use super::prompt_then_code;
use super::{CallsRules, DataFile, Defaults, Ids, Mode, Rows, Scoring, Spec, no_skip};
use crate::dataset::SpecialOracle;

/// HumanEval+.
pub static SPEC: Spec = Spec {
    name: "humaneval-plus",
    aliases: &["humaneval+", "humanevalplus"],
    title: "EvalPlus HumanEval+ v0.1.10",
    evaluator: "evalplus 0.3.1",
    tasks: Some(164),
    data: Some(DataFile {
        path: "humanevalplus/HumanEvalPlus.jsonl.gz",
        url: "https://github.com/evalplus/humanevalplus_release/releases/download/v0.1.10/HumanEvalPlus.jsonl.gz",
        sha256: "272720b90ac375502c8ed23cd791c2a93dfb22a911641a494da74a426c09f101",
        gunzip: false,
    }),
    rows: Rows::Plus { mbpp_inputs: false },
    ids: Ids::HumanEval,
    mode: Mode::Calls,
    limits: Defaults {
        time_ms: 3_000,
        memory_bytes: 4 << 30,
    },
    oracle,
    demo: None,
    skip: no_skip,
    scoring: Scoring::HumanEval,
    ks: &[1, 10, 100],
    program: prompt_then_code,
    line_order: false,
    calls: CallsRules::EVALPLUS,
};

/// HumanEval/32 `find_zero` is judged by `abs(_poly(*inp, out)) <= atol`.
fn oracle(entry_point: &str) -> Option<SpecialOracle> {
    (entry_point == "find_zero").then_some(SpecialOracle::FindZero)
}
