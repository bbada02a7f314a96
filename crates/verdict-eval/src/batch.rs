//! Judging a batch of samples held in memory, for callers that receive samples
//! over the network instead of reading a file (`verdict serve`'s
//! `/v1/evaluate`).
//!
//! The work is split so that the caller can drive it: [`Batch::prepare`]
//! checks every sample row and joins it with its task (and, for the EvalPlus
//! benchmarks, computes or loads the expected outputs); [`Batch::judge`]
//! judges one sample; [`Batch::summary`] turns the finished rows into pass@k.
//! [`Batch::run`] does all of it on a thread per slot and calls back once per
//! finished row. Rows, statuses and pass@k are those of `verdict eval`: the
//! same [`Judge`], [`SampleReader`] and [`BenchmarkSummary`] do the work.

use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Map, Value};
use verdict_exec::Pool;

use crate::dataset::{Benchmark, Task, TaskSet};
use crate::expected::ExpectedOutputs;
use crate::judge::{EvalLimits, Judge};
use crate::results::ResultRow;
use crate::samples::{Sample, SampleError, SampleReader, SampleRow};
use crate::summary::{BenchmarkSummary, TaskCounts};

/// Why a batch could not be prepared. Sample errors name the sample by its
/// 0-based index in the batch and the field, as `samples[3].task_id`.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// A sample row is malformed.
    #[error("field `{field}`: {message}")]
    Sample {
        /// The offending field, as `samples[<index>].<name>`.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The expected outputs of an EvalPlus benchmark could not be computed.
    #[error("computing expected outputs for {benchmark}: {source}")]
    Expected {
        /// The benchmark.
        benchmark: Benchmark,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// A checked batch of samples, each joined with its task, ready to judge.
pub struct Batch {
    tasks: Arc<TaskSet>,
    expected: Option<Arc<ExpectedOutputs>>,
    samples: Vec<(Sample, String)>,
    limits: EvalLimits,
}

/// Expected outputs already loaded, by problems file: a server judges many
/// batches of the same benchmark, and the cache file can be 100+ MB.
fn loaded() -> &'static Mutex<HashMap<PathBuf, Arc<ExpectedOutputs>>> {
    static LOADED: OnceLock<Mutex<HashMap<PathBuf, Arc<ExpectedOutputs>>>> = OnceLock::new();
    LOADED.get_or_init(Default::default)
}

/// The expected outputs of `needed`, from memory when every task is there,
/// else loaded (and computed where missing) and kept for the next batch.
fn expected_for(
    tasks: &TaskSet,
    needed: &[&Task],
    pool: &Pool,
    cache_dir: Option<&Path>,
) -> Result<Arc<ExpectedOutputs>, BatchError> {
    let key = tasks.path.clone();
    let in_memory = || {
        loaded()
            .lock()
            .unwrap()
            .get(&key)
            .filter(|expected| needed.iter().all(|t| expected.get(&t.task_id).is_some()))
            .cloned()
    };
    if let Some(expected) = in_memory() {
        return Ok(expected);
    }
    // One batch at a time loads or computes: the first batches a server gets
    // arrive together, and each would otherwise parse the cache file (100+
    // MB; four at once took a 2-slot server's peak memory from 0.55 to 1.25
    // GB) and compute and write the same tasks. Those that waited find the
    // outputs in memory.
    static LOADING: Mutex<()> = Mutex::new(());
    let _loading = LOADING.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(expected) = in_memory() {
        return Ok(expected);
    }
    let expected = ExpectedOutputs::load_or_compute(
        tasks.benchmark,
        &tasks.path,
        needed,
        pool,
        cache_dir,
        &|_, _| {},
    )
    .map_err(|source| BatchError::Expected {
        benchmark: tasks.benchmark,
        source,
    })?;
    let expected = Arc::new(expected);
    loaded().lock().unwrap().insert(key, Arc::clone(&expected));
    Ok(expected)
}

impl Batch {
    /// Checks `rows` (sample objects with `task_id` and `completion` or
    /// `solution`, exactly as in a samples file) against `tasks`, and for the
    /// EvalPlus benchmarks loads or computes the expected outputs of the tasks
    /// they answer (on `pool`, cached under `cache_dir` when given). Nothing
    /// runs if any row is bad.
    pub fn prepare(
        tasks: Arc<TaskSet>,
        rows: Vec<Map<String, Value>>,
        limits: EvalLimits,
        pool: &Pool,
        cache_dir: Option<&Path>,
    ) -> Result<Batch, BatchError> {
        let samples = read_samples(&tasks, rows)?;
        let expected = if tasks.benchmark.is_plus() {
            let mut needed: Vec<&Task> = Vec::new();
            for (_, key) in &samples {
                if let Some(task) = tasks.get_key(key)
                    && !needed.iter().any(|t| t.task_id == task.task_id)
                {
                    needed.push(task);
                }
            }
            Some(expected_for(&tasks, &needed, pool, cache_dir)?)
        } else {
            None
        };
        Ok(Batch {
            tasks,
            expected,
            samples,
            limits,
        })
    }

    /// The number of samples.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// Whether the batch has no samples.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// The benchmark the batch is judged against.
    pub fn benchmark(&self) -> Benchmark {
        self.tasks.benchmark
    }

    /// Judges sample `index` on `pool` (blocking), giving the row `verdict
    /// eval` writes for it.
    pub fn judge(&self, index: usize, pool: &Pool) -> ResultRow {
        let (sample, key) = &self.samples[index];
        let task = self
            .tasks
            .get_key(key)
            .expect("prepare joined every sample with a task");
        let judge = Judge {
            benchmark: self.tasks.benchmark,
            expected: self.expected.as_deref(),
            limits: self.limits,
            calibrated: true,
            classeval_extract: None,
            enamel: None,
            efficiency: None,
            instructions: false,
            trace: None,
        };
        judge.judge(pool, task, sample)
    }

    /// pass@k for each of `ks` over `rows`, the finished rows of this batch
    /// by sample index (a missing row, from a batch cut short, is left out).
    pub fn summary(&self, rows: &[Option<ResultRow>], ks: &[u64]) -> BenchmarkSummary {
        let plus = self.tasks.benchmark.scores_plus();
        let mut counts: BTreeMap<&str, TaskCounts> = BTreeMap::new();
        for ((_, key), row) in self.samples.iter().zip(rows) {
            let Some(row) = row else { continue };
            let entry = counts
                .entry(key)
                .or_insert_with(|| TaskCounts::new(key, plus));
            entry.n += 1;
            entry.skipped += u64::from(row.status == "skipped");
            let base_passed = if plus {
                row.fields.get("base_status").and_then(Value::as_str) == Some("pass")
            } else {
                row.passed
            };
            entry.base_correct += u64::from(base_passed);
            if plus && row.passed {
                *entry.plus_correct.get_or_insert(0) += 1;
            }
        }
        let missing = self
            .tasks
            .tasks()
            .iter()
            .filter(|t| !counts.contains_key(t.task_id.as_str()))
            .map(|t| t.task_id.clone())
            .collect();
        let counts: Vec<TaskCounts> = counts.into_values().collect();
        BenchmarkSummary::compute(self.tasks.benchmark, &counts, missing, ks)
    }

    /// Judges every sample on `pool` from `workers` threads, calling
    /// `on_row(index, row)` as each finishes, and returns the rows by index.
    /// Once `stop` is set no new sample starts; samples in flight finish.
    pub fn run(
        &self,
        pool: &Pool,
        workers: usize,
        stop: &AtomicBool,
        on_row: &(dyn Fn(usize, &ResultRow) + Sync),
    ) -> Vec<Option<ResultRow>> {
        let next = AtomicUsize::new(0);
        let rows = std::sync::Mutex::new(vec![None; self.len()]);
        std::thread::scope(|scope| {
            for _ in 0..workers.max(1).min(self.len().max(1)) {
                scope.spawn(|| {
                    while !stop.load(Ordering::SeqCst) {
                        let index = next.fetch_add(1, Ordering::SeqCst);
                        if index >= self.len() {
                            break;
                        }
                        let row = self.judge(index, pool);
                        on_row(index, &row);
                        rows.lock().unwrap_or_else(|e| e.into_inner())[index] = Some(row);
                    }
                });
            }
        });
        rows.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

/// Reads `rows` with the samples-file reader (one row per line, so that the
/// checks and messages are the file's) and joins each with its task.
fn read_samples(
    tasks: &TaskSet,
    rows: Vec<Map<String, Value>>,
) -> Result<Vec<(Sample, String)>, BatchError> {
    let mut text = String::new();
    for row in rows {
        text.push_str(&Value::Object(row).to_string());
        text.push('\n');
    }
    let mut samples = Vec::new();
    for row in SampleReader::from_reader(Path::new("samples"), Cursor::new(text)) {
        let sample = match row {
            Ok(SampleRow::Valid(sample)) => sample,
            Ok(SampleRow::Invalid { error, .. }) | Err(error) => return Err(sample_error(&error)),
        };
        let key = tasks.benchmark.task_key(&sample.task_id);
        if tasks.get_key(&key).is_none() {
            return Err(BatchError::Sample {
                field: format!("samples[{}].task_id", sample.line - 1),
                message: format!(
                    "unknown task `{}` for benchmark {}",
                    sample.task_id, tasks.benchmark
                ),
            });
        }
        samples.push((sample, key));
    }
    Ok(samples)
}

fn sample_error(error: &SampleError) -> BatchError {
    let index = error.line().saturating_sub(1);
    let (name, message) = match error {
        SampleError::MissingField { field, .. } => ((*field).to_string(), "missing".to_string()),
        SampleError::WrongType {
            field, expected, ..
        } => ((*field).to_string(), format!("expected {expected}")),
        other => (String::new(), other.to_string()),
    };
    // `completion` or `solution` is reported as a pair; name the first.
    let name = name.split('`').next().unwrap_or_default().to_string();
    let field = if name.is_empty() {
        format!("samples[{index}]")
    } else {
        format!("samples[{index}].{name}")
    };
    BatchError::Sample { field, message }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn demo_tasks() -> Arc<TaskSet> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("problems.jsonl");
        std::fs::write(&path, crate::demo::PROBLEMS).unwrap();
        let tasks = TaskSet::load(Benchmark::HUMANEVAL, &path).unwrap();
        Arc::new(tasks)
    }

    fn rows(values: Vec<Value>) -> Vec<Map<String, Value>> {
        values
            .into_iter()
            .map(|v| v.as_object().unwrap().clone())
            .collect()
    }

    #[test]
    fn bad_rows_name_the_sample_and_field() {
        let tasks = demo_tasks();
        let first = tasks.tasks()[0].task_id.clone();
        let cases = [
            (json!({"completion": "x"}), "samples[1].task_id"),
            (
                json!({"task_id": first, "completion": 3}),
                "samples[1].completion",
            ),
            (json!({"task_id": first}), "samples[1].completion"),
            (
                json!({"task_id": "nope/1", "completion": ""}),
                "samples[1].task_id",
            ),
        ];
        for (bad, field) in cases {
            let good = json!({"task_id": first, "completion": ""});
            let error = read_samples(&tasks, rows(vec![good, bad.clone()])).unwrap_err();
            match error {
                BatchError::Sample { field: got, .. } => assert_eq!(got, field, "{bad}"),
                other => panic!("{other}"),
            }
        }
    }
}
