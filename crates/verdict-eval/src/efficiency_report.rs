//! `--efficiency` for the benchmarks judged by calls on input lists
//! (HumanEval+, MBPP+, EvoEval): per sample, the CPU time and peak memory
//! of its calls on the plus inputs (the one list where a benchmark has
//! one), beside the canonical solution's, measured in the same run; per
//! run, EffiBench's NET and NMU and COFFE's efficient@k and speedup.
//!
//! - A sample's cost is the sum of the CPU time of its calls, each taken in
//!   the job's process around the call (the program's setup, the input
//!   decoding and the harness are left out), and its memory the peak
//!   resident memory of the job's process (EffiBench's MU is the process's
//!   peak too, interpreter included).
//! - The reference's cost is the median of [`REFERENCE_RUNS`] runs of the
//!   canonical solution on the same list, before the samples run.
//! - NET = Σ sample CPU / Σ reference CPU and NMU = Σ sample memory / Σ
//!   reference memory over the correct samples (EffiBench's ratios of
//!   sums); speedup = Σ reference / Σ sample over the same (COFFE's), so it
//!   is 1 / NET; efficient@k is pass@k counting a sample only when it is
//!   correct and cheaper than the reference (COFFE's, strictly cheaper),
//!   averaged over the tasks.
//!
//! COFFE counts CPU instructions; on a host with a hardware counter that is
//! deterministic, where CPU time varies by a few percent from run to run,
//! so a sample as fast as the reference is "faster" about half the time.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::Serialize;
use serde::ser::SerializeMap;
use serde_json::{Map, Value, json};
use verdict_exec::Pool;

use crate::dataset::Task;
use crate::judge::Judge;
use crate::results::ResultRow;
use crate::samples::{Sample, TaskId};

/// How many times the canonical solution runs; its cost is the median.
pub const REFERENCE_RUNS: usize = 3;

/// What one run of a program's calls cost.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cost {
    /// CPU time of the calls, milliseconds.
    pub cpu_ms: f64,
    /// Peak resident memory of the job's process, bytes.
    pub peak_memory_bytes: u64,
    /// User-space instructions of the calls, where they were counted.
    pub instructions: Option<f64>,
}

/// Each task's reference cost, or why it has none.
#[derive(Debug, Default)]
pub struct References {
    tasks: HashMap<String, Result<Cost, String>>,
}

impl References {
    /// The reference cost of `task_id`.
    pub fn get(&self, task_id: &str) -> Option<&Result<Cost, String>> {
        self.tasks.get(task_id)
    }

    /// Runs each task's canonical solution [`REFERENCE_RUNS`] times through
    /// `judge` (as a sample is judged) and keeps the median cost.
    pub fn measure(
        judge: &Judge<'_>,
        tasks: &[&Task],
        pool: &Pool,
        on_progress: &(dyn Fn(usize, usize) + Sync),
    ) -> References {
        let found = Mutex::new(HashMap::new());
        let done = std::sync::atomic::AtomicUsize::new(0);
        crate::parallel::for_each_parallel(tasks, pool.slots(), |task| {
            let cost = measure_task(judge, task, pool);
            found
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(task.task_id.clone(), cost);
            let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            on_progress(n, tasks.len());
        });
        References {
            tasks: found.into_inner().unwrap_or_else(|e| e.into_inner()),
        }
    }
}

fn measure_task(judge: &Judge<'_>, task: &Task, pool: &Pool) -> Result<Cost, String> {
    let separator = judge.benchmark.spec().calls.reference_separator;
    let program = format!("{}{}{}", task.prompt, separator, task.canonical_solution);
    let sample = Sample {
        line: 0,
        task_id: TaskId::Str(task.task_id.clone()),
        completion: None,
        solution: Some(program.clone()),
        fields: Map::new(),
    };
    let mut costs = Vec::with_capacity(REFERENCE_RUNS);
    for _ in 0..REFERENCE_RUNS {
        let row = judge.judge_plus(pool, task, &sample, &program);
        if !row.passed {
            return Err(format!(
                "the canonical solution did not pass: {}",
                row.result
            ));
        }
        costs.push(cost_of(&row).ok_or("the canonical solution's cost was not reported")?);
    }
    let mut cpu: Vec<f64> = costs.iter().map(|c| c.cpu_ms).collect();
    let mut memory: Vec<u64> = costs.iter().map(|c| c.peak_memory_bytes).collect();
    let mut counts: Vec<f64> = costs.iter().filter_map(|c| c.instructions).collect();
    cpu.sort_by(f64::total_cmp);
    memory.sort_unstable();
    counts.sort_by(f64::total_cmp);
    Ok(Cost {
        cpu_ms: cpu[cpu.len() / 2],
        peak_memory_bytes: memory[memory.len() / 2],
        instructions: (counts.len() == costs.len()).then(|| counts[counts.len() / 2]),
    })
}

/// The cost of a judged row's efficiency list: its plus list, else its one
/// list.
fn cost_of(row: &ResultRow) -> Option<Cost> {
    let details = row.details.as_ref()?;
    let list = details.get("plus").or_else(|| details.get("base"))?;
    let usage = list.get("usage")?;
    Some(Cost {
        cpu_ms: usage.get("calls_cpu_ms")?.as_f64()?,
        peak_memory_bytes: usage.get("peak_memory_bytes")?.as_u64()?,
        instructions: usage.get("calls_instructions").and_then(Value::as_f64),
    })
}

/// Adds the row's `efficiency`: its cost, the reference's, their ratios
/// and whether it was faster (only a correct sample's ratios are
/// meaningful, and only those count in the summary). `instructions`: the
/// costs compared are instruction counts (`--measure instructions`).
pub fn annotate(row: &mut ResultRow, reference: Option<&Result<Cost, String>>, instructions: bool) {
    let cost = cost_of(row);
    if instructions && let (Some(cost), Some(Ok(reference))) = (cost, reference) {
        let value = match (cost.instructions, reference.instructions) {
            (Some(count), Some(reference_count)) => json!({
                "measure": "instructions",
                "instructions": count,
                "reference_instructions": reference_count,
                "instruction_ratio": ratio(count, reference_count),
                "cpu_ms": cost.cpu_ms,
                "reference_cpu_ms": reference.cpu_ms,
                "peak_memory_bytes": cost.peak_memory_bytes,
                "reference_peak_memory_bytes": reference.peak_memory_bytes,
                "memory_ratio": ratio(cost.peak_memory_bytes as f64, reference.peak_memory_bytes as f64),
                "correct": row.passed,
                "faster": row.passed && count < reference_count,
            }),
            _ => {
                json!({ "error": "the calls' instructions were not counted (no counter for the job's process)" })
            }
        };
        row.fields.insert("efficiency".into(), value);
        return;
    }
    let value = match (cost, reference) {
        (_, None) => json!({ "error": "no reference cost for the task" }),
        (_, Some(Err(why))) => json!({ "error": why }),
        (None, Some(Ok(_))) => json!({ "error": "the sample's cost was not reported" }),
        (Some(cost), Some(Ok(reference))) => json!({
            "measure": "cpu_time",
            "cpu_ms": cost.cpu_ms,
            "peak_memory_bytes": cost.peak_memory_bytes,
            "reference_cpu_ms": reference.cpu_ms,
            "reference_peak_memory_bytes": reference.peak_memory_bytes,
            "cpu_ratio": ratio(cost.cpu_ms, reference.cpu_ms),
            "memory_ratio": ratio(cost.peak_memory_bytes as f64, reference.peak_memory_bytes as f64),
            // COFFE's "faster" is of correct samples only.
            "correct": row.passed,
            "faster": row.passed && cost.cpu_ms < reference.cpu_ms,
        }),
    };
    row.fields.insert("efficiency".into(), value);
}

fn ratio(a: f64, b: f64) -> Option<f64> {
    (b > 0.0).then(|| a / b)
}

/// The run's efficiency figures over its correct samples.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EfficiencySummary {
    /// Correct samples with a measured cost (the ones the figures cover).
    pub correct: u64,
    /// EffiBench's NET: Σ sample CPU / Σ reference CPU (instructions with
    /// `--measure instructions`, as below).
    pub net: Option<f64>,
    /// EffiBench's NMU: Σ sample peak memory / Σ reference peak memory.
    pub nmu: Option<f64>,
    /// COFFE's speedup: Σ reference CPU / Σ sample CPU.
    pub speedup: Option<f64>,
    /// COFFE's efficient@k (correct and faster than the reference), for
    /// the `k`s pass@k has.
    pub efficient_at_k: Vec<(u64, f64)>,
}

impl Serialize for EfficiencySummary {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(5))?;
        map.serialize_entry("correct_samples", &self.correct)?;
        map.serialize_entry("net", &self.net)?;
        map.serialize_entry("nmu", &self.nmu)?;
        map.serialize_entry("speedup", &self.speedup)?;
        let at_k: serde_json::Map<String, Value> = self
            .efficient_at_k
            .iter()
            .map(|(k, v)| (format!("efficient@{k}"), json!(v)))
            .collect();
        map.serialize_entry("efficient_at_k", &at_k)?;
        map.end()
    }
}

/// The summary of `rows` (each with its task id, in any order) for `ks`.
pub fn summarize<'a>(
    rows: impl Iterator<Item = (&'a str, &'a Map<String, Value>)>,
    ks: &[u64],
) -> EfficiencySummary {
    let mut pairs_cpu = Vec::new();
    let mut pairs_memory = Vec::new();
    let mut order: Vec<&str> = Vec::new();
    let mut per_task: HashMap<&str, (u64, u64)> = HashMap::new();
    for (task_id, row) in rows {
        let entry = per_task.entry(task_id).or_insert_with(|| {
            order.push(task_id);
            (0, 0)
        });
        entry.0 += 1;
        if row.get("passed") != Some(&Value::Bool(true)) {
            continue;
        }
        let Some(e) = row.get("efficiency") else {
            continue;
        };
        let instructions = e.get("measure").and_then(Value::as_str) == Some("instructions");
        let (cost, reference) = if instructions {
            ("instructions", "reference_instructions")
        } else {
            ("cpu_ms", "reference_cpu_ms")
        };
        let (Some(cpu), Some(ref_cpu), Some(memory), Some(ref_memory)) = (
            e.get(cost).and_then(Value::as_f64),
            e.get(reference).and_then(Value::as_f64),
            e.get("peak_memory_bytes").and_then(Value::as_f64),
            e.get("reference_peak_memory_bytes").and_then(Value::as_f64),
        ) else {
            continue;
        };
        pairs_cpu.push((ref_cpu, cpu));
        pairs_memory.push((ref_memory, memory));
        if cpu < ref_cpu {
            entry.1 += 1;
        }
    }
    let fewest = per_task.values().map(|(n, _)| *n).min().unwrap_or(0);
    let efficient_at_k = ks
        .iter()
        .filter(|&&k| fewest >= k && !order.is_empty())
        .map(|&k| {
            let values: Vec<f64> = order
                .iter()
                .map(|id| {
                    let (n, fast) = per_task[id];
                    crate::efficiency::efficient_at_k(n, fast, k)
                })
                .collect();
            (
                k,
                values.iter().fold(0.0, |a, b| a + b) / values.len() as f64,
            )
        })
        .collect();
    EfficiencySummary {
        correct: pairs_cpu.len() as u64,
        net: crate::efficiency::normalized_ratio(&pairs_cpu),
        nmu: crate::efficiency::normalized_ratio(&pairs_memory),
        speedup: crate::efficiency::speedup(&pairs_cpu),
        efficient_at_k,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(
        passed: bool,
        cpu: f64,
        ref_cpu: f64,
        memory: u64,
        ref_memory: u64,
    ) -> Map<String, Value> {
        let value = json!({
            "passed": passed,
            "efficiency": {
                "cpu_ms": cpu, "reference_cpu_ms": ref_cpu,
                "peak_memory_bytes": memory, "reference_peak_memory_bytes": ref_memory,
            }
        });
        value.as_object().unwrap().clone()
    }

    #[test]
    fn the_summary_is_ratios_of_sums_over_correct_samples() {
        let rows = [
            ("a", row(true, 10.0, 20.0, 100, 100)),
            ("a", row(false, 1.0, 20.0, 100, 100)),
            ("b", row(true, 30.0, 20.0, 300, 100)),
            ("b", row(true, 20.0, 20.0, 100, 100)),
        ];
        let summary = summarize(rows.iter().map(|(id, r)| (*id, r)), &[1, 2, 3]);
        assert_eq!(summary.correct, 3);
        assert_eq!(summary.net, Some(60.0 / 60.0));
        assert_eq!(summary.nmu, Some(500.0 / 300.0));
        assert_eq!(summary.speedup, Some(1.0));
        // Task a: 1 of 2 correct and faster; b: none faster (20 is not < 20).
        assert_eq!(
            summary.efficient_at_k,
            vec![(1, (0.5 + 0.0) / 2.0), (2, (1.0 + 0.0) / 2.0)]
        );
    }
}
