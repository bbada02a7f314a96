//! BigCodeBench's own output files, as `bigcodebench.evaluate` writes them
//! (bigcodebench @ 47eff25, evaluate.py): `<samples>_eval_results.json`
//! (`{"date", "eval": {task_id: [{"task_id", "solution", "status",
//! "details"}]}}`, the solution being the program as run, calibrated or
//! not) and `<samples>_pass_at_k.json` (`pass@k` for each k no task has
//! fewer samples than, `model`, `split`, `subset`, `calibrated`,
//! `gt_pass_rate`, `failed_tasks`). verdict writes both from its result
//! rows, tasks in the dataset's order and each task's samples in input
//! order (the official file has them in the order they finished).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use crate::dataset::TaskSet;
use crate::passk::{self, TaskCount};

/// `<samples>_eval_results.json` (the name with `.jsonl` replaced, as
/// EvalPlus and BigCodeBench name it).
pub fn results_path(samples: &Path) -> PathBuf {
    crate::evalplus_results::results_path(samples)
}

/// `<samples>_pass_at_k.json`: the results path with `eval_results.json`
/// replaced by `pass_at_k.json`.
pub fn pass_at_k_path(samples: &Path) -> PathBuf {
    let results = results_path(samples).display().to_string();
    PathBuf::from(results.replace("eval_results.json", "pass_at_k.json"))
}

/// The ground-truth check: the share of tasks whose reference solution
/// passed, and the tasks whose did not.
#[derive(Debug, Clone, PartialEq)]
pub struct GroundTruth {
    /// `gt_pass_rate`.
    pub pass_rate: f64,
    /// `failed_tasks`, in the dataset's order.
    pub failed_tasks: Vec<String>,
}

impl GroundTruth {
    /// From the rows of a run of every task's reference solution.
    pub fn from_rows(tasks: &TaskSet, rows: &[Map<String, Value>]) -> GroundTruth {
        let passed: HashMap<&str, bool> = rows
            .iter()
            .filter_map(|row| {
                let id = row.get("task_id")?.as_str()?;
                Some((id, row.get("passed") == Some(&Value::Bool(true))))
            })
            .collect();
        let failed_tasks: Vec<String> = tasks
            .tasks()
            .iter()
            .filter(|t| !passed.get(t.task_id.as_str()).copied().unwrap_or(false))
            .map(|t| t.task_id.clone())
            .collect();
        let total = tasks.tasks().len().max(1) as f64;
        GroundTruth {
            pass_rate: (total - failed_tasks.len() as f64) / total,
            failed_tasks,
        }
    }
}

/// Each task's rows (those of a sample, with the official status), tasks
/// in the dataset's order.
fn by_task<'a>(
    tasks: &'a TaskSet,
    rows: &'a [Map<String, Value>],
) -> Vec<(&'a str, Vec<&'a Map<String, Value>>)> {
    let mut grouped: HashMap<&str, Vec<&Map<String, Value>>> = HashMap::new();
    for row in rows {
        let has_status = row
            .get("details")
            .and_then(|d| d.get("bigcodebench_status"))
            .is_some();
        if let (Some(id), true) = (row.get("task_id").and_then(Value::as_str), has_status) {
            grouped.entry(id).or_default().push(row);
        }
    }
    tasks
        .tasks()
        .iter()
        .filter_map(|t| Some((t.task_id.as_str(), grouped.remove(t.task_id.as_str())?)))
        .collect()
}

/// The `_eval_results.json` document.
pub fn eval_results(tasks: &TaskSet, rows: &[Map<String, Value>], date: &str) -> Value {
    let mut eval = Map::new();
    for (task_id, task_rows) in by_task(tasks, rows) {
        let entries: Vec<Value> = task_rows
            .iter()
            .map(|row| {
                let details = row.get("details").cloned().unwrap_or(Value::Null);
                json!({
                    "task_id": task_id,
                    "solution": details.get("program").cloned().unwrap_or(Value::Null),
                    "status": details.get("bigcodebench_status").cloned().unwrap_or(Value::Null),
                    "details": details.get("tests").cloned().unwrap_or_else(|| json!({})),
                })
            })
            .collect();
        eval.insert(task_id.to_string(), Value::Array(entries));
    }
    json!({"date": date, "eval": eval})
}

/// What `_pass_at_k.json` records beside pass@k.
#[derive(Debug, Clone)]
pub struct RunLabels {
    /// The samples file (its name gives `model`).
    pub samples: PathBuf,
    /// `complete` or `instruct`.
    pub split: String,
    /// `full` or `hard`.
    pub subset: String,
    /// Whether samples were calibrated.
    pub calibrated: bool,
}

/// The `_pass_at_k.json` document.
pub fn pass_at_k(
    tasks: &TaskSet,
    rows: &[Map<String, Value>],
    ks: &[u64],
    labels: &RunLabels,
    ground_truth: Option<&GroundTruth>,
) -> Value {
    let counts: Vec<TaskCount> = by_task(tasks, rows)
        .iter()
        .map(|(_, task_rows)| TaskCount {
            n: task_rows.len() as u64,
            c: task_rows
                .iter()
                .filter(|r| {
                    r.get("details").and_then(|d| d.get("bigcodebench_status"))
                        == Some(&json!("pass"))
                })
                .count() as u64,
        })
        .collect();
    let mut document = Map::new();
    for (k, value) in passk::pass_at_ks(&counts, ks) {
        document.insert(format!("pass@{k}"), json!(value));
    }
    let name = labels
        .samples
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let model = name
        .split("--bigcodebench-")
        .next()
        .unwrap_or("")
        .to_string();
    document.insert("model".into(), json!(model));
    document.insert("split".into(), json!(labels.split));
    document.insert("subset".into(), json!(labels.subset));
    document.insert("calibrated".into(), json!(labels.calibrated));
    if let Some(gt) = ground_truth {
        document.insert("gt_pass_rate".into(), json!(gt.pass_rate));
        document.insert("failed_tasks".into(), json!(gt.failed_tasks));
    }
    Value::Object(document)
}

/// The split a samples file answers, from its name as BigCodeBench's
/// generator names it (`…--bigcodebench-[hard-]instruct--…`): `instruct`
/// when the name says so, else `complete`.
pub fn split_of(samples: &Path) -> &'static str {
    let name = samples
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.contains("bigcodebench-instruct") || name.contains("bigcodebench-hard-instruct") {
        "instruct"
    } else {
        "complete"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_labels_follow_the_official_names() {
        let samples = Path::new(
            "out/org--model--main--bigcodebench-hard-instruct--vllm-0-1-sanitized_calibrated.jsonl",
        );
        assert_eq!(
            pass_at_k_path(samples),
            Path::new(
                "out/org--model--main--bigcodebench-hard-instruct--vllm-0-1-sanitized_calibrated_pass_at_k.json"
            )
        );
        assert_eq!(split_of(samples), "instruct");
        assert_eq!(split_of(Path::new("samples.jsonl")), "complete");
    }
}
