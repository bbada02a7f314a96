//! EvoEval (evo-eval/evoeval_release @ e676c55b), judged as PyPI
//! `evoeval` 0.1.0 (`evoeval/evaluate.py`, `evoeval/eval_test/__init__.py`)
//! judges it on evalplus 0.3.1: seven sets of HumanEval tasks evolved by a
//! model.
//!
//! - `difficult`, `creative`, `subtle`, `combine`, `tool_use` (100 tasks
//!   `EvoEval/N` each): one list of inputs, each the Python source of an
//!   argument list that EvoEval evaluates as `eval(f"[{i}]")`; verdict
//!   passes the text into the sandbox and the job evaluates it the same
//!   way before the candidate runs. `plus_status` is null and there is no
//!   plus score.
//! - `verbose`, `concise` (164 tasks `HumanEval/N`, HumanEval+'s rows with
//!   reworded prompts): base and plus lists, scored like HumanEval+; the
//!   rows' `atol` is ignored, as EvoEval ignores it.
//!
//! The program is `prompt + completion` (or the `solution`); the expected
//! outputs are those of `prompt + "\n" + canonical_solution`. Outputs are
//! compared by EvoEval's `is_equal(exp, out)` ([`Comparison::EvoEval`]),
//! except on the tasks with a special oracle, keyed on the task id.

use super::{CallsRules, Comparison, OracleKey, prompt_then_code};
use super::{DataFile, Defaults, Ids, Mode, Rows, Scoring, Spec, no_skip};
use crate::dataset::SpecialOracle;

/// EvoEval's rules for the five sets with one list of inputs.
const ONE_LIST: CallsRules = CallsRules {
    comparison: Comparison::EvoEval,
    plus_list: false,
    reference_separator: "\n",
    oracle_key: OracleKey::TaskId,
};

/// EvoEval's rules for `verbose` and `concise`.
const BASE_AND_PLUS: CallsRules = CallsRules {
    plus_list: true,
    ..ONE_LIST
};

macro_rules! evoeval {
    ($static:ident, $set:literal, $tasks:literal, $sha256:literal, $rows:expr, $ids:expr, $calls:expr, $oracle:expr) => {
        #[doc = concat!("EvoEval_", $set, ".")]
        pub static $static: Spec = Spec {
            name: concat!("evoeval-", $set),
            aliases: &[concat!("evoeval_", $set)],
            title: concat!("EvoEval_", $set, " (evoeval_release @ e676c55b)"),
            evaluator: "evoeval 0.1.0 on evalplus 0.3.1",
            tasks: Some($tasks),
            data: Some(DataFile {
                path: concat!("evoeval/EvoEval_", $set, ".jsonl.gz"),
                url: concat!(
                    "https://raw.githubusercontent.com/evo-eval/evoeval_release/e676c55b2464e9bd8ea7d5ef703dacd230d95c5f/EvoEval_",
                    $set,
                    ".jsonl.gz"
                ),
                sha256: $sha256,
                gunzip: false,
            }),
            rows: $rows,
            ids: $ids,
            mode: Mode::Calls,
            limits: Defaults {
                time_ms: 3_000,
                memory_bytes: 4 << 30,
            },
            oracle: $oracle,
            demo: None,
            skip: no_skip,
            scoring: Scoring::HumanEval,
            ks: &[1, 10, 100],
            program: prompt_then_code,
            line_order: false,
            calls: $calls,
        };
    };
}

evoeval!(
    DIFFICULT,
    "difficult",
    100,
    "8dc031773be0d2bc86172ec4242fd06ce4256c34a710f1affee24655946a4fd6",
    Rows::EvoEval,
    Ids::Verbatim,
    ONE_LIST,
    difficult_oracle
);
evoeval!(
    CREATIVE,
    "creative",
    100,
    "4ab26cb7eb69aab36b68c60c44e9da4330b689b6ac23997062bb3a85977a427e",
    Rows::EvoEval,
    Ids::Verbatim,
    ONE_LIST,
    creative_oracle
);
evoeval!(
    SUBTLE,
    "subtle",
    100,
    "0b38871e0eadc7b8f5ae8038feac5496655412d4e68ca580cad8bd2c81b036b1",
    Rows::EvoEval,
    Ids::Verbatim,
    ONE_LIST,
    subtle_oracle
);
evoeval!(
    COMBINE,
    "combine",
    100,
    "44dab80c829bf0953e3fcaedbd50420a305d8d42e2cdaa03a7d6af96ce0bbe2f",
    Rows::EvoEval,
    Ids::Verbatim,
    ONE_LIST,
    super::no_oracle
);
evoeval!(
    TOOL_USE,
    "tool_use",
    100,
    "901166f15db3deac52e0a1f82a831390ea41127816970470c1d3fd4f9065dc79",
    Rows::EvoEval,
    Ids::Verbatim,
    ONE_LIST,
    super::no_oracle
);
evoeval!(
    VERBOSE,
    "verbose",
    164,
    "97b6a7cb69b9f5a9c83301a98e54c681a5ff3c3beae92115d59c50fcaf8955e2",
    Rows::Plus { mbpp_inputs: false },
    Ids::HumanEval,
    BASE_AND_PLUS,
    humaneval_oracle
);
evoeval!(
    CONCISE,
    "concise",
    164,
    "d84771c5857e080ae310724e1e75784a46a8a9beea80d9b6427426634a885ddc",
    Rows::Plus { mbpp_inputs: false },
    Ids::HumanEval,
    BASE_AND_PLUS,
    humaneval_oracle
);

/// `_check_insensitive_palindrome` (EvoEval/10) and `_check_difficult_poly`
/// (EvoEval/32), `evoeval/eval_test/_difficult_special_oracle.py`.
fn difficult_oracle(task_id: &str) -> Option<SpecialOracle> {
    match task_id {
        "EvoEval/10" => Some(SpecialOracle::EvoPalindrome),
        "EvoEval/32" => Some(SpecialOracle::EvoIntervalZero),
        _ => None,
    }
}

/// `_check_maze` (EvoEval/26), `_check_path` (EvoEval/30) and
/// `_check_product` (EvoEval/69), `_creative_special_oracle.py`.
fn creative_oracle(task_id: &str) -> Option<SpecialOracle> {
    match task_id {
        "EvoEval/26" => Some(SpecialOracle::EvoMaze),
        "EvoEval/30" => Some(SpecialOracle::EvoPath),
        "EvoEval/69" => Some(SpecialOracle::EvoProduct),
        _ => None,
    }
}

/// `_check_poly` (EvoEval/32), `_subtle_special_oracle.py`.
fn subtle_oracle(task_id: &str) -> Option<SpecialOracle> {
    (task_id == "EvoEval/32").then_some(SpecialOracle::EvoSparsePoly)
}

/// HumanEval/32 `find_zero`: EvoEval's line `abs(_poly(*out, inp)) <= 1e-6`
/// unpacks the float output and raises, failing every sample; verdict
/// judges the task as it does on HumanEval+, `abs(_poly(*inp, out)) <=
/// atol` with the row's atol (1e-4), which the canonical solution meets
/// (it misses 1e-6 on one input) (docs/conformance.md).
fn humaneval_oracle(task_id: &str) -> Option<SpecialOracle> {
    (task_id == "HumanEval/32").then_some(SpecialOracle::FindZero)
}
