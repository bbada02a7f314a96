//! Expected outputs of the EvalPlus benchmarks: computed by running each
//! task's reference solution on its inputs (in the sandbox, like any code),
//! cached on disk by the problems file's checksum, and compared outside the
//! sandbox. They never enter a candidate's sandbox.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use verdict_exec::{Job, JobKind, Limits, Pool};

use crate::compare::{Out, parse_out};
use crate::dataset::{Benchmark, PlusTests, SpecialOracle, Task};
use crate::parallel::for_each_parallel;
use crate::pyvalue::PyValue;

/// Bumped when the cache's meaning changes, or the worker's encoding of
/// outputs is rewritten (7: packed lists and long strings encoded faster,
/// to the same text on every output checked; 8: numpy scalars encoded as
/// the numbers they hold; 9: Fractions, Decimals and one-element numpy
/// arrays encoded as what they compare equal to).
const CACHE_FORMAT: u32 = 9;

/// CPU time a reference solution may take on one input list.
const REFERENCE_CPU_MS: u64 = 120_000;

/// What the reference solution returned on one input list, and how long
/// each input took (CPU milliseconds).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListExpected {
    /// Each output, as the worker's encoding (JSON text).
    pub outputs: Vec<String>,
    /// CPU time of each input, milliseconds.
    pub ms: Vec<f64>,
    /// Why the reference failed, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The outputs decoded, once, for every sample of the task to share.
    #[serde(skip)]
    decoded: std::sync::OnceLock<Result<Vec<Out>, String>>,
}

/// The expected outputs of one task.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskExpected {
    /// For `base_input`.
    pub base: ListExpected,
    /// For `plus_input`.
    pub plus: ListExpected,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct CacheFile {
    format: u32,
    problems_sha256: String,
    tasks: BTreeMap<String, TaskExpected>,
}

/// Expected outputs for the tasks of one problems file.
#[derive(Debug, Default)]
pub struct ExpectedOutputs {
    tasks: BTreeMap<String, Arc<TaskExpected>>,
}

impl ExpectedOutputs {
    /// The expected outputs of `task_id` (shared with the judging of every
    /// sample of the task).
    pub fn get(&self, task_id: &str) -> Option<&Arc<TaskExpected>> {
        self.tasks.get(task_id)
    }

    /// Loads the cache for `problems` and computes (and caches) whatever
    /// `tasks` still lack. `on_progress(done, total)` reports computing.
    pub fn load_or_compute(
        benchmark: Benchmark,
        problems: &Path,
        tasks: &[&Task],
        pool: &Pool,
        cache_dir: Option<&Path>,
        on_progress: &(dyn Fn(usize, usize) + Sync),
    ) -> std::io::Result<ExpectedOutputs> {
        let sha = crate::data::sha256_file(problems)?;
        let path = cache_dir.map(|d| d.join(format!("{}-{}.json", benchmark.name(), &sha[..16])));
        let mut cache = path
            .as_deref()
            .and_then(read_cache)
            .filter(|c| c.format == CACHE_FORMAT && c.problems_sha256 == sha);
        let mut cache = cache.take().unwrap_or(CacheFile {
            format: CACHE_FORMAT,
            problems_sha256: sha,
            tasks: BTreeMap::new(),
        });
        let missing: Vec<&Task> = tasks
            .iter()
            .copied()
            .filter(|t| !cache.tasks.contains_key(&t.task_id))
            .collect();
        if !missing.is_empty() {
            let computed = Mutex::new(Vec::new());
            let done = std::sync::atomic::AtomicUsize::new(0);
            for_each_parallel(&missing, pool.slots() * 2, |task| {
                let expected = compute_task(benchmark, task, pool);
                computed
                    .lock()
                    .unwrap()
                    .push((task.task_id.clone(), expected));
                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                on_progress(n, missing.len());
            });
            for (id, expected) in computed.into_inner().unwrap() {
                cache.tasks.insert(id, expected);
            }
            if let Some(path) = &path {
                write_cache(path, &cache)?;
            }
        }
        Ok(ExpectedOutputs {
            tasks: cache
                .tasks
                .into_iter()
                .map(|(id, expected)| (id, Arc::new(expected)))
                .collect(),
        })
    }
}

fn read_cache(path: &Path) -> Option<CacheFile> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

fn write_cache(path: &Path, cache: &CacheFile) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp: PathBuf = path.with_extension(format!("tmp-{}", std::process::id()));
    std::fs::write(
        &tmp,
        serde_json::to_vec(cache).map_err(std::io::Error::other)?,
    )?;
    std::fs::rename(&tmp, path)
}

fn compute_task(benchmark: Benchmark, task: &Task, pool: &Pool) -> TaskExpected {
    let rules = benchmark.spec().calls;
    let reference = format!(
        "{}{}{}",
        task.prompt, rules.reference_separator, task.canonical_solution
    );
    let plus = task.plus.as_ref();
    let empty = Vec::new();
    let run = |inputs: &Vec<PyValue>| run_reference(benchmark, task, &reference, inputs, pool);
    TaskExpected {
        base: run(plus.map_or(&empty, |p| &p.base_input)),
        plus: if rules.plus_list {
            run(plus.map_or(&empty, |p| &p.plus_input))
        } else {
            ListExpected::given(Vec::new())
        },
    }
}

fn run_reference(
    benchmark: Benchmark,
    task: &Task,
    reference: &str,
    inputs: &[PyValue],
    pool: &Pool,
) -> ListExpected {
    let inputs_python = PlusTests::python_sources(inputs);
    let inputs_json = match inputs_python {
        Some(_) => "[]".to_string(),
        None => PyValue::List(inputs.to_vec()).to_tagged_json(),
    };
    let job = Job {
        code: reference.to_string(),
        kind: JobKind::Calls {
            entry_point: task.entry_point.clone(),
            inputs_json,
            input_cpu_ms: Vec::new(),
            guard: None,
            set_outputs: false,
            inputs_python,
            return_args: false,
        },
        stdin: None,
        limits: Limits {
            cpu_ms: REFERENCE_CPU_MS,
            memory_bytes: 4 << 30,
            ..Limits::default()
        },
        trace: None,
    };
    let outcome = pool.run(job);
    let not_none = benchmark.task_oracle(task) == Some(SpecialOracle::NotNone);
    let records = crate::judge::records_of(&outcome);
    let mut expected = ListExpected {
        outputs: Vec::new(),
        ms: Vec::new(),
        error: None,
        decoded: Default::default(),
    };
    for record in &records {
        if let Some(out) = record.get("out") {
            let Ok(decoded) = crate::compare::decode(out) else {
                break;
            };
            let text = if not_none {
                // EvalPlus stores `out is not None` for these tasks.
                Out::Bool(decoded != Out::None).to_json_text()
            } else {
                decoded.to_json_text()
            };
            expected.outputs.push(text);
            expected
                .ms
                .push(record.get("ms").and_then(PyValue::as_f64).unwrap_or(0.0));
        }
    }
    if expected.outputs.len() != inputs.len() {
        expected.error = Some(format!(
            "the reference solution of {} produced {} of {} outputs ({}; {})",
            task.task_id,
            expected.outputs.len(),
            inputs.len(),
            outcome.status.name(),
            crate::judge::first_problem(&records).unwrap_or_default()
        ));
    }
    expected
}

impl ListExpected {
    /// Expected outputs given directly, each as JSON text in the worker's
    /// encoding (plain JSON, with `{"$t": [..]}` tuples, `{"$set": [..]}`,
    /// `{"$d": [[k, v], ..]}` dicts and so on).
    pub fn given(outputs: Vec<String>) -> ListExpected {
        ListExpected {
            ms: vec![0.0; outputs.len()],
            outputs,
            error: None,
            decoded: std::sync::OnceLock::new(),
        }
    }

    /// The decoded expected outputs (decoded on first use).
    pub fn decoded(&self) -> Result<&[Out], String> {
        self.decoded
            .get_or_init(|| self.outputs.iter().map(|t| parse_out(t)).collect())
            .as_ref()
            .map(Vec::as_slice)
            .map_err(Clone::clone)
    }
}
