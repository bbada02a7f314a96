//! ENAMEL (q-rz/enamel @ b97da79): the efficiency of correct code on 142
//! HumanEval problems, as `enam/evaluate.py` measures it, with eff@k beside
//! pass@k ([`crate::enamel`]).

use super::{CallsRules, DataFile, Defaults, Ids, Mode, Rows, Scoring, Spec, no_oracle};
use crate::dataset::Task;
use crate::samples::SampleCode;

/// ENAMEL.
pub static SPEC: Spec = Spec {
    name: "enamel",
    aliases: &[],
    title: "ENAMEL (efficiency: eff@k on 142 HumanEval problems, expert generators and references)",
    evaluator: "ENAMEL @ b97da79 (enam/evaluate.py, demo.py defaults)",
    tasks: Some(142),
    data: Some(DataFile {
        path: "enamel/enamel.csv",
        url: concat!(
            "https://raw.githubusercontent.com/q-rz/enamel/",
            "b97da79c779b98eaa8b2a1b17a13d2eb0b6d16a5/dataset/enamel.csv"
        ),
        sha256: "1b77dba08bd3dedec199abce593c86a4f611c288475c318e1775bd56d1419b14",
        gunzip: false,
    }),
    rows: Rows::Enamel,
    ids: Ids::HumanEvalIndex,
    mode: Mode::Enamel,
    limits: Defaults {
        time_ms: 60_000,
        memory_bytes: 4 << 30,
    },
    oracle: no_oracle,
    demo: None,
    skip: outside_problem_set,
    scoring: Scoring::Enamel,
    ks: &[1, 10, 100],
    program: after_prompt,
    line_order: false,
    calls: CallsRules::EVALPLUS,
};

/// ENAMEL scores only its problem set; a sample of another problem is a
/// `skipped` row.
fn outside_problem_set(task: &Task, _: &str) -> Option<String> {
    match &task.enamel {
        Some(enamel) if !enamel.in_problem_set => {
            Some(format!("{} is not in ENAMEL's problem set", task.task_id))
        }
        _ => None,
    }
}

/// `prompt + "\n" + code + "\n"`, as ENAMEL's `TPL_RUN` builds it.
fn after_prompt(task: &Task, code: SampleCode<'_>) -> String {
    match code {
        SampleCode::Solution(c) | SampleCode::Completion(c) => crate::enamel::program(task, c),
    }
}
