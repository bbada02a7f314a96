//! EvalPlus's MBPP+ v0.1.0 (399 tasks): as HumanEval+, with EvalPlus's MBPP
//! input deserialization and its MBPP special oracles.

use super::prompt_then_code;
use super::{CallsRules, DataFile, Defaults, Ids, Mode, Rows, Scoring, Spec, no_skip};
use crate::dataset::{MBPP_OUTPUT_NOT_NONE_TASKS, MBPP_OUTPUT_SET_EQ_TASKS, SpecialOracle};

/// MBPP+.
pub static SPEC: Spec = Spec {
    name: "mbpp-plus",
    aliases: &["mbpp+", "mbppplus"],
    title: "EvalPlus MBPP+ v0.1.0",
    evaluator: "evalplus 0.3.1",
    tasks: Some(399),
    data: Some(DataFile {
        path: "mbppplus/MbppPlus-v0.1.0.jsonl",
        url: "https://github.com/evalplus/mbppplus_release/releases/download/v0.1.0/MbppPlus.jsonl.gz",
        sha256: "a855b9de667baea8e2f8aa61f898767a7336872208a85222b35622545e819fe9",
        gunzip: true,
    }),
    rows: Rows::Plus { mbpp_inputs: true },
    ids: Ids::MbppPlus,
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

/// `evalplus/eval/_special_oracle.py`, by entry point.
fn oracle(entry_point: &str) -> Option<SpecialOracle> {
    match entry_point {
        "are_equivalent" => Some(SpecialOracle::AlwaysPass),
        "sum_div" => Some(SpecialOracle::ExactOrZero),
        "surface_Area" => Some(SpecialOracle::SurfaceArea),
        "digit_distance_nums" => Some(SpecialOracle::DigitDistance),
        e if MBPP_OUTPUT_SET_EQ_TASKS.contains(&e) => Some(SpecialOracle::SetEq),
        e if MBPP_OUTPUT_NOT_NONE_TASKS.contains(&e) => Some(SpecialOracle::NotNone),
        _ => None,
    }
}
