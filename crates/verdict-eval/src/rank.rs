//! `verdict rank`: many samples per task ranked by executing them
//! ([`crate::ranking`] has the scores), and the ranked pass@k beside the
//! plain one.
//!
//! - `codet` / `codet-paper`: each distinct sample runs every distinct
//!   model-written test of its task (CodeT's first `limit` asserts of each
//!   test sample, 5 by default) in one sandboxed job, each test under its
//!   own CPU-time limit (CodeT's 0.1 s by default); the dual agreement of
//!   the passes ranks the samples.
//! - `mbr-exec`: each distinct sample is called on given test inputs; the
//!   samples whose outputs agree, counted with their multiplicity, rank
//!   first; ties by the samples' `logprob` where they carry one.
//! - `majority`: the same on the benchmark's own inputs (its base list,
//!   for the benchmarks judged by calls), without log-probabilities.
//!
//! Whether a sample is right is the benchmark's own judgment of it (as
//! `verdict eval` gives it); copies of a sample run once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;
use serde_json::Value;
use verdict_exec::{Guard, Job, JobKind, Limits, Pool};

use crate::dataset::{Benchmark, PlusTests, Task, TaskSet};
use crate::judge::{EvalLimits, Judge};
use crate::pyvalue::PyValue;
use crate::ranking::{self, ConsensusScore, Group};
use crate::samples::{Sample, SampleCode, SampleRow};

/// How samples are ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// CodeT's dual agreement with the released code's score.
    CodeT,
    /// CodeT's dual agreement with the paper's score.
    CodeTPaper,
    /// MBR-exec on given test inputs.
    MbrExec,
    /// Majority of outputs on the benchmark's own inputs.
    Majority,
}

impl Method {
    /// The method named on the command line.
    pub fn parse(name: &str) -> Option<Method> {
        Some(match name {
            "codet" => Method::CodeT,
            "codet-paper" => Method::CodeTPaper,
            "mbr-exec" => Method::MbrExec,
            "majority" => Method::Majority,
            _ => return None,
        })
    }
}

/// What to rank and how.
#[derive(Debug, Clone)]
pub struct RankOptions {
    /// The benchmark (its problems and its judgment of right and wrong).
    pub benchmark: Benchmark,
    /// Its problems file.
    pub problems: PathBuf,
    /// The samples (any shape `verdict eval` reads; a `logprob` field is
    /// kept for MBR-exec's ties).
    pub samples: PathBuf,
    /// CodeT: the model-written tests; MBR-exec: the test inputs. JSONL
    /// rows `{"task_id", "tests": [..]}` (or `"test"`: code whose `assert`
    /// lines are the tests), `{"task_id", "inputs": [..]}` (each the
    /// Python source of an argument list).
    pub tests: Option<PathBuf>,
    /// The method.
    pub method: Method,
    /// CodeT: asserts kept from each test sample.
    pub test_limit: usize,
    /// CPU time of one test (CodeT) or one call (MBR-exec, majority).
    pub test_cpu_ms: u64,
    /// The k of pass@k.
    pub ks: Vec<u64>,
    /// Judging limits.
    pub limits: EvalLimits,
    /// Judge each distinct sample with the benchmark's own tests (which
    /// ranked samples are right, and the ranked pass@k). Without, only
    /// the ranking: what selecting a sample with no ground truth needs.
    pub judge: bool,
}

/// Why ranking could not go on.
#[derive(Debug, thiserror::Error)]
pub enum RankError {
    /// A file could not be read.
    #[error("reading `{path}`")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A line of a tests or inputs file is wrong.
    #[error("`{path}` line {line}: {what}")]
    Line {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        what: String,
    },
    /// Something else about the inputs.
    #[error("{0}")]
    Other(String),
}

/// One ranked group in the report.
#[derive(Debug, Clone, Serialize)]
pub struct RankedGroup {
    /// Its score.
    pub score: f64,
    /// Its distinct samples: the 1-based line of the first copy, how many
    /// copies, and whether the benchmark judges it right.
    pub samples: Vec<RankedSample>,
}

/// A distinct sample in a ranked group.
#[derive(Debug, Clone, Serialize)]
pub struct RankedSample {
    /// The 1-based line of its first copy in the samples file.
    pub line: usize,
    /// Its copies.
    pub copies: u64,
    /// Whether the benchmark judges it right (absent when not judged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correct: Option<bool>,
}

/// One task's ranking.
#[derive(Debug, Clone, Serialize)]
pub struct TaskRanking {
    /// The task.
    pub task_id: String,
    /// Samples (with copies) and distinct samples.
    pub samples: u64,
    /// Distinct samples.
    pub distinct: usize,
    /// Samples judged right (absent when not judged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correct: Option<u64>,
    /// The groups, best first (samples in no group are not listed).
    pub groups: Vec<RankedGroup>,
    /// The ranked pass@k of the task, per k.
    pub ranked_pass_at_k: Vec<(u64, f64)>,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct RankReport {
    /// The method's name.
    pub method: String,
    /// Whether samples were judged (else no correctness, no pass@k).
    pub judged: bool,
    /// Per task.
    pub tasks: Vec<TaskRanking>,
    /// Ranked pass@k over the tasks, per k (CodeT's: the mean of the
    /// tasks').
    pub ranked_pass_at_k: Vec<(u64, f64)>,
    /// Plain pass@k over the same tasks, per k.
    pub pass_at_k: Vec<(u64, f64)>,
    /// The k left out: some task has fewer samples.
    pub skipped_k: Vec<u64>,
}

/// A task's distinct samples.
struct Candidates<'a> {
    task: &'a Task,
    samples: Vec<&'a Sample>,
    frequencies: Vec<u64>,
    logprobs: Vec<Option<f64>>,
}

/// Ranks the samples of `options` on `pool`.
pub fn rank(options: &RankOptions, pool: &Pool) -> Result<RankReport, RankError> {
    let tasks = TaskSet::load(options.benchmark, &options.problems)
        .map_err(|e| RankError::Other(e.to_string()))?;
    let samples = read_samples(options, &tasks)?;
    let mut by_task: Vec<Candidates<'_>> = Vec::new();
    let mut index: HashMap<(String, String), (usize, usize)> = HashMap::new();
    let mut task_at: HashMap<String, usize> = HashMap::new();
    for sample in &samples {
        let key = options.benchmark.task_key(&sample.task_id);
        let Some(task) = tasks.get_key(&key) else {
            return Err(RankError::Other(format!(
                "samples line {}: unknown task `{}` for {}",
                sample.line, sample.task_id, options.benchmark
            )));
        };
        let code = match sample.code() {
            SampleCode::Solution(s) | SampleCode::Completion(s) => s.to_string(),
        };
        let t = *task_at.entry(task.task_id.clone()).or_insert_with(|| {
            by_task.push(Candidates {
                task,
                samples: Vec::new(),
                frequencies: Vec::new(),
                logprobs: Vec::new(),
            });
            by_task.len() - 1
        });
        match index.get(&(task.task_id.clone(), code.clone())) {
            Some(&(t, s)) => by_task[t].frequencies[s] += 1,
            None => {
                let c = &mut by_task[t];
                index.insert((task.task_id.clone(), code), (t, c.samples.len()));
                c.samples.push(sample);
                c.frequencies.push(1);
                c.logprobs
                    .push(sample.fields.get("logprob").and_then(Value::as_f64));
            }
        }
    }
    let tests = match (&options.tests, options.method) {
        (Some(path), Method::CodeT | Method::CodeTPaper | Method::MbrExec) => {
            read_tests(path, options, &tasks, pool)?
        }
        (None, Method::CodeT | Method::CodeTPaper | Method::MbrExec) => {
            return Err(RankError::Other(
                "--tests is required: CodeT ranks by model-written tests, MBR-exec by test inputs"
                    .into(),
            ));
        }
        (_, Method::Majority) => {
            if !options.benchmark.is_plus() {
                return Err(RankError::Other(format!(
                    "majority voting runs the benchmark's own inputs, which {} has not (the benchmarks judged by calls have)",
                    options.benchmark
                )));
            }
            HashMap::new()
        }
    };
    let expected = if options.benchmark.is_plus() && options.judge {
        let needed: Vec<&Task> = by_task.iter().map(|c| c.task).collect();
        Some(
            crate::expected::ExpectedOutputs::load_or_compute(
                options.benchmark,
                &options.problems,
                &needed,
                pool,
                None,
                &|_, _| {},
            )
            .map_err(|source| RankError::Read {
                path: options.problems.clone(),
                source,
            })?,
        )
    } else {
        None
    };
    let judge = Judge {
        benchmark: options.benchmark,
        expected: expected.as_ref(),
        limits: options.limits,
        calibrated: true,
        classeval_extract: None,
        enamel: None,
        efficiency: None,
        instructions: false,
        trace: None,
    };
    let rankings = Mutex::new(Vec::new());
    crate::parallel::for_each_parallel(&by_task, pool.slots() * 2, |candidates| {
        let ranking = rank_task(
            candidates,
            tests.get(&candidates.task.task_id),
            options,
            &judge,
            pool,
        );
        rankings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(ranking);
    });
    let mut rankings = rankings.into_inner().unwrap_or_else(|e| e.into_inner());
    let order: HashMap<&str, usize> = by_task
        .iter()
        .enumerate()
        .map(|(i, c)| (c.task.task_id.as_str(), i))
        .collect();
    rankings.sort_by_key(|r| {
        order
            .get(r.0.task_id.as_str())
            .copied()
            .unwrap_or(usize::MAX)
    });
    let fewest = rankings.iter().map(|r| r.0.samples).min().unwrap_or(0);
    let mut report = RankReport {
        judged: options.judge,
        method: match options.method {
            Method::CodeT => "codet",
            Method::CodeTPaper => "codet-paper",
            Method::MbrExec => "mbr-exec",
            Method::Majority => "majority",
        }
        .into(),
        tasks: Vec::new(),
        ranked_pass_at_k: Vec::new(),
        pass_at_k: Vec::new(),
        skipped_k: Vec::new(),
    };
    for &k in options.ks.iter().filter(|_| options.judge) {
        if rankings.is_empty() || fewest < k {
            report.skipped_k.push(k);
            continue;
        }
        let ranked: Vec<f64> = rankings
            .iter()
            .map(|r| {
                r.0.ranked_pass_at_k
                    .iter()
                    .find(|(kk, _)| *kk == k)
                    .map_or(0.0, |(_, v)| *v)
            })
            .collect();
        let plain: Vec<f64> = rankings
            .iter()
            .map(|r| crate::passk::estimate(r.0.samples, r.0.correct.unwrap_or(0), k))
            .collect();
        report
            .ranked_pass_at_k
            .push((k, crate::passk::mean(&ranked)));
        report.pass_at_k.push((k, crate::passk::mean(&plain)));
    }
    report.tasks = rankings.into_iter().map(|r| r.0).collect();
    Ok(report)
}

/// A task's ranking (wrapped so that it can be sorted by task).
struct Ranked(TaskRanking);

fn rank_task(
    candidates: &Candidates<'_>,
    tests: Option<&TaskTests>,
    options: &RankOptions,
    judge: &Judge<'_>,
    pool: &Pool,
) -> Ranked {
    let task = candidates.task;
    let correct: Option<Vec<bool>> = options.judge.then(|| {
        candidates
            .samples
            .iter()
            .map(|s| judge.judge(pool, task, s).passed)
            .collect()
    });
    let programs: Vec<String> = candidates
        .samples
        .iter()
        .map(|s| options.benchmark.check_program(task, s.code()).program)
        .collect();
    let groups: Vec<Group> = match options.method {
        Method::CodeT | Method::CodeTPaper => {
            let empty = TaskTests::default();
            let tests = tests.unwrap_or(&empty);
            let passed: Vec<Vec<usize>> = programs
                .iter()
                .map(|program| run_tests(pool, program, &tests.tests, options.test_cpu_ms))
                .collect();
            let score = if options.method == Method::CodeT {
                ConsensusScore::Released
            } else {
                ConsensusScore::Paper
            };
            ranking::dual_agreement(&candidates.frequencies, &tests.frequencies, &passed, score)
        }
        Method::MbrExec | Method::Majority => {
            let inputs: Vec<String> = match options.method {
                Method::MbrExec => tests.map(|t| t.inputs.clone()).unwrap_or_default(),
                _ => task
                    .plus
                    .as_ref()
                    .map(|p| base_sources(&p.base_input))
                    .unwrap_or_default(),
            };
            let outputs: Vec<Option<String>> = programs
                .iter()
                .map(|program| {
                    run_inputs(
                        pool,
                        program,
                        &task.entry_point,
                        &inputs,
                        options.test_cpu_ms,
                    )
                })
                .collect();
            if options.method == Method::MbrExec {
                let logprobs: Option<Vec<f64>> = candidates.logprobs.iter().copied().collect();
                ranking::mbr_exec(&candidates.frequencies, &outputs, logprobs.as_deref())
            } else {
                ranking::majority(&candidates.frequencies, &outputs)
            }
        }
    };
    let samples: u64 = candidates.frequencies.iter().sum();
    let correct_count = correct.as_ref().map(|correct| {
        candidates
            .frequencies
            .iter()
            .zip(correct)
            .filter(|(_, ok)| **ok)
            .map(|(f, _)| *f)
            .sum()
    });
    let ranked_pass_at_k = match &correct {
        Some(correct) => options
            .ks
            .iter()
            .filter(|&&k| k <= samples)
            .map(|&k| {
                (
                    k,
                    ranking::ranked_pass_at_k(&groups, &candidates.frequencies, correct, k),
                )
            })
            .collect(),
        None => Vec::new(),
    };
    Ranked(TaskRanking {
        task_id: task.task_id.clone(),
        samples,
        distinct: candidates.samples.len(),
        correct: correct_count,
        groups: groups
            .iter()
            .map(|g| RankedGroup {
                score: g.score,
                samples: g
                    .members
                    .iter()
                    .map(|&s| RankedSample {
                        line: candidates.samples[s].line,
                        copies: candidates.frequencies[s],
                        correct: correct.as_ref().map(|c| c[s]),
                    })
                    .collect(),
            })
            .collect(),
        ranked_pass_at_k,
    })
}

/// The benchmark's base inputs as Python source of argument lists.
fn base_sources(inputs: &[PyValue]) -> Vec<String> {
    PlusTests::python_sources(inputs).unwrap_or_else(|| {
        inputs
            .iter()
            .map(|input| {
                let text = input.to_python();
                text.strip_prefix('[')
                    .and_then(|t| t.strip_suffix(']'))
                    .unwrap_or(&text)
                    .to_string()
            })
            .collect()
    })
}

/// Runs `tests` on `program` in one job; the indexes of those that ran
/// through.
fn run_tests(pool: &Pool, program: &str, tests: &[String], test_cpu_ms: u64) -> Vec<usize> {
    if tests.is_empty() {
        return Vec::new();
    }
    let job = Job {
        code: program.to_string(),
        kind: JobKind::Asserts {
            tests: tests.to_vec(),
            test_cpu_ms,
            guard: Some(Guard::HumanEval),
        },
        stdin: None,
        limits: Limits {
            cpu_ms: test_cpu_ms * tests.len() as u64 + 5_000,
            memory_bytes: 4 << 30,
            ..Limits::default()
        },
        trace: None,
    };
    let outcome = pool.run(job);
    crate::judge::records_of(&outcome)
        .iter()
        .filter(|r| r.get("ok") == Some(&PyValue::Bool(true)))
        .filter_map(|r| r.get("i").and_then(PyValue::as_f64).map(|i| i as usize))
        .collect()
}

/// Calls `program`'s entry point on each input in one job; the outputs'
/// text, or `None` if any call failed (MBR-exec's unsuccessful execution).
fn run_inputs(
    pool: &Pool,
    program: &str,
    entry_point: &str,
    inputs: &[String],
    call_cpu_ms: u64,
) -> Option<String> {
    if inputs.is_empty() {
        return None;
    }
    let job = Job {
        code: program.to_string(),
        kind: JobKind::Calls {
            entry_point: entry_point.to_string(),
            inputs_json: "[]".into(),
            input_cpu_ms: vec![call_cpu_ms; inputs.len()],
            guard: Some(Guard::EvalPlus),
            set_outputs: false,
            inputs_python: Some(inputs.to_vec()),
            return_args: false,
        },
        stdin: None,
        limits: Limits {
            cpu_ms: call_cpu_ms * inputs.len() as u64 + 5_000,
            memory_bytes: 4 << 30,
            ..Limits::default()
        },
        trace: None,
    };
    let outcome = pool.run(job);
    let lines: Vec<&str> = outcome
        .harness
        .as_ref()
        .and_then(|h| h.get("records"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut outputs = Vec::with_capacity(inputs.len());
    for line in lines {
        if let Some(out) = crate::enamel::out_text(line) {
            outputs.push(out.to_string());
        } else if !line.contains("\"done\"") {
            return None;
        }
    }
    (outputs.len() == inputs.len()).then(|| outputs.join("\u{1f}"))
}

/// A task's distinct tests (with how often each was generated) or inputs.
#[derive(Debug, Default)]
struct TaskTests {
    tests: Vec<String>,
    frequencies: Vec<u64>,
    inputs: Vec<String>,
    /// Where each test is in `tests`.
    at: HashMap<String, usize>,
}

impl TaskTests {
    /// Counts one more generation of `test`.
    fn add(&mut self, test: String) {
        match self.at.get(&test) {
            Some(&at) => self.frequencies[at] += 1,
            None => {
                self.at.insert(test.clone(), self.tests.len());
                self.tests.push(test);
                self.frequencies.push(1);
            }
        }
    }
}

/// CodeT's stop tokens (`postprocess.py`): a generation ends at the first.
const CODET_STOP: [&str; 5] = ["\nclass", "\ndef", "\n#", "\nif", "\nprint"];

/// `text` up to the first of CodeT's stop tokens (its `solution_extract`).
fn codet_truncate(text: &str) -> &str {
    let end = CODET_STOP
        .iter()
        .filter_map(|stop| text.find(stop))
        .min()
        .unwrap_or(text.len());
    &text[..end]
}

/// The asserts CodeT takes from a generated test sample
/// (`test_case_extract`, before its compile check): the text split at
/// `assert `, the parts that name the entry point, each cut at a stop
/// token and stripped.
fn codet_asserts(content: &str, entry_point: &str) -> Vec<String> {
    let text = format!("assert {content}");
    text.split("assert ")
        .filter(|part| part.contains(entry_point.trim()) && !part.trim().is_empty())
        .map(|part| {
            codet_truncate(format!("assert {part}").trim())
                .trim()
                .to_string()
        })
        .filter(|test| !test.trim().is_empty() && test.contains("assert"))
        .collect()
}

/// CodeT's rows (`{"prompt", "samples": [...]}`, keyed by the task's
/// prompt): the task each row is for.
fn codet_task<'a>(row: &Value, tasks: &'a TaskSet) -> Option<&'a Task> {
    let prompt = row.get("prompt")?.as_str()?;
    tasks.tasks().iter().find(|t| t.prompt == prompt)
}

/// Whether the file's first row is one of CodeT's.
fn is_codet_file(path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    let Some(first) = text.lines().find(|l| !l.trim().is_empty()) else {
        return false;
    };
    serde_json::from_str::<Value>(first).is_ok_and(|row| {
        row.get("task_id").is_none()
            && row.get("prompt").is_some()
            && row.get("samples").is_some_and(Value::is_array)
    })
}

/// CodeT's solutions file: each sample cut at a stop token
/// (`solution_extract`); a row without samples gives CodeT's failing
/// placeholder.
fn read_codet_samples(path: &Path, tasks: &TaskSet) -> Result<Vec<Sample>, RankError> {
    let text = std::fs::read_to_string(path).map_err(|source| RankError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut samples = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |what: String| RankError::Line {
            path: path.to_path_buf(),
            line: i + 1,
            what,
        };
        let row: Value = serde_json::from_str(line).map_err(|e| bad(format!("not JSON: {e}")))?;
        let task = codet_task(&row, tasks).ok_or_else(|| {
            bad("field `prompt`: no task of the benchmark has this prompt".into())
        })?;
        let generations: Vec<String> = row
            .get("samples")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("field `samples`: expected a list".into()))?
            .iter()
            .map(|s| s.as_str().map(|s| codet_truncate(s).to_string()))
            .collect::<Option<_>>()
            .ok_or_else(|| bad("field `samples`: expected strings".into()))?;
        let generations = if generations.is_empty() {
            vec!["empty solution here, execution will fail".to_string()]
        } else {
            generations
        };
        for completion in generations {
            let mut fields = serde_json::Map::new();
            fields.insert("task_id".into(), Value::String(task.task_id.clone()));
            fields.insert("completion".into(), Value::String(completion.clone()));
            samples.push(Sample {
                line: i + 1,
                task_id: crate::samples::TaskId::Str(task.task_id.clone()),
                completion: Some(completion),
                solution: None,
                fields,
            });
        }
    }
    Ok(samples)
}

/// Which of `tests` pass CodeT's compile check (each, indented into a
/// `try` block, compiles), checked by the sandbox's Python.
fn codet_valid(tests: &[String], pool: &Pool) -> Vec<bool> {
    let literal = serde_json::to_string(&serde_json::to_string(tests).unwrap_or_default())
        .unwrap_or_default();
    let script = format!(
        "import json\nok = []\nfor t in json.loads({literal}):\n    try:\n        compile('try:\\n    ' + t.replace('\\n', '\\n    ') + '\\nexcept:\\n    pass\\n', '', 'exec')\n        ok.append(True)\n    except Exception:\n        ok.append(False)\nprint(json.dumps(ok))\n"
    );
    let outcome = pool.run(Job {
        code: script,
        kind: JobKind::Program,
        stdin: None,
        limits: Limits::default(),
        trace: None,
    });
    serde_json::from_str::<Vec<bool>>(outcome.stdout.trim())
        .ok()
        .filter(|ok| ok.len() == tests.len())
        .unwrap_or_else(|| vec![false; tests.len()])
}

fn read_samples(options: &RankOptions, tasks: &TaskSet) -> Result<Vec<Sample>, RankError> {
    if is_codet_file(&options.samples) {
        return read_codet_samples(&options.samples, tasks);
    }
    let ids: Vec<&str> = tasks.tasks().iter().map(|t| t.task_id.as_str()).collect();
    let reader =
        crate::sample_sources::open(&options.samples, &ids, options.benchmark.spec().line_order)
            .map_err(|e| RankError::Other(e.to_string()))?;
    let mut samples = Vec::new();
    for row in reader {
        match row.map_err(|e| RankError::Other(e.to_string()))? {
            SampleRow::Valid(sample) => samples.push(sample),
            SampleRow::Invalid { line, error } => {
                return Err(RankError::Line {
                    path: options.samples.clone(),
                    line,
                    what: error.to_string(),
                });
            }
        }
    }
    if samples.is_empty() {
        return Err(RankError::Other(format!(
            "`{}` has no samples",
            options.samples.display()
        )));
    }
    Ok(samples)
}

/// The tests file: per task, CodeT's tests (the first `limit` of each row,
/// counted with multiplicity) or MBR-exec's inputs.
fn read_tests(
    path: &Path,
    options: &RankOptions,
    tasks: &TaskSet,
    pool: &Pool,
) -> Result<HashMap<String, TaskTests>, RankError> {
    let text = std::fs::read_to_string(path).map_err(|source| RankError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut found: HashMap<String, TaskTests> = HashMap::new();
    if options.method != Method::MbrExec && is_codet_file(path) {
        return read_codet_tests(&text, path, options, tasks, pool);
    }
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |what: String| RankError::Line {
            path: path.to_path_buf(),
            line: i + 1,
            what,
        };
        let row: Value = serde_json::from_str(line).map_err(|e| bad(format!("not JSON: {e}")))?;
        let id = crate::samples::TaskId::from_value(row.get("task_id").unwrap_or(&Value::Null))
            .ok_or_else(|| bad("field `task_id`: expected a string or a number".into()))?;
        let key = options.benchmark.task_key(&id);
        let task = tasks
            .get_key(&key)
            .ok_or_else(|| bad(format!("field `task_id`: unknown task `{id}`")))?;
        let strings = |field: &str| -> Result<Option<Vec<String>>, RankError> {
            match row.get(field) {
                None => Ok(None),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|v| {
                        v.as_str()
                            .map(str::to_string)
                            .ok_or_else(|| bad(format!("field `{field}`: expected strings")))
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(Some),
                Some(_) => Err(bad(format!("field `{field}`: expected a list of strings"))),
            }
        };
        let entry = found.entry(task.task_id.clone()).or_default();
        if options.method == Method::MbrExec {
            let inputs = strings("inputs")?.ok_or_else(|| {
                bad("field `inputs`: MBR-exec needs each task's test inputs".into())
            })?;
            for input in inputs {
                if !entry.inputs.contains(&input) {
                    entry.inputs.push(input);
                }
            }
            continue;
        }
        let asserts: Vec<String> =
            match (strings("tests")?, row.get("test").and_then(Value::as_str)) {
                (Some(list), _) => list,
                (None, Some(code)) => code
                    .lines()
                    .map(str::trim)
                    .filter(|l| l.starts_with("assert"))
                    .map(str::to_string)
                    .collect(),
                (None, None) => {
                    return Err(bad(
                        "field `tests` (a list of asserts) or `test` (code): missing".into(),
                    ));
                }
            };
        for test in asserts.into_iter().take(options.test_limit) {
            entry.add(test);
        }
    }
    Ok(found)
}

/// CodeT's test-case file: each sample's asserts as `test_case_extract`
/// takes them (those failing its compile check left out), then its first
/// `limit`, counted with multiplicity.
fn read_codet_tests(
    text: &str,
    path: &Path,
    options: &RankOptions,
    tasks: &TaskSet,
    pool: &Pool,
) -> Result<HashMap<String, TaskTests>, RankError> {
    let mut per_sample: Vec<(String, Vec<String>)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |what: String| RankError::Line {
            path: path.to_path_buf(),
            line: i + 1,
            what,
        };
        let row: Value = serde_json::from_str(line).map_err(|e| bad(format!("not JSON: {e}")))?;
        let task = codet_task(&row, tasks).ok_or_else(|| {
            bad("field `prompt`: no task of the benchmark has this prompt".into())
        })?;
        for sample in row
            .get("samples")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let content = sample
                .as_str()
                .ok_or_else(|| bad("field `samples`: expected strings".into()))?;
            per_sample.push((
                task.task_id.clone(),
                codet_asserts(content, &task.entry_point),
            ));
        }
    }
    let mut distinct: Vec<String> = per_sample
        .iter()
        .flat_map(|(_, t)| t.iter().cloned())
        .collect();
    distinct.sort();
    distinct.dedup();
    let valid: HashMap<String, bool> = distinct
        .iter()
        .cloned()
        .zip(codet_valid(&distinct, pool))
        .collect();
    let mut found: HashMap<String, TaskTests> = HashMap::new();
    for (task_id, tests) in per_sample {
        let entry = found.entry(task_id.clone()).or_default();
        let kept = tests
            .into_iter()
            .filter(|t| valid.get(t) == Some(&true))
            .take(options.test_limit);
        for test in kept {
            entry.add(test);
        }
    }
    Ok(found)
}

impl RankReport {
    /// The report as text: per k, ranked and plain pass@k; then per task
    /// its top group.
    pub fn to_text(&self, tasks_shown: usize) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let _ = writeln!(out, "method: {}", self.method);
        for ((k, ranked), (_, plain)) in self.ranked_pass_at_k.iter().zip(&self.pass_at_k) {
            let _ = writeln!(
                out,
                "pass@{k}: ranked {ranked:.4}, plain {plain:.4} ({:+.4})",
                ranked - plain
            );
        }
        if !self.judged {
            let _ = writeln!(out, "not judged (--no-judge): no correctness, no pass@k");
        }
        for k in &self.skipped_k {
            let _ = writeln!(
                out,
                "pass@{k} not computed: some task has fewer than {k} samples"
            );
        }
        for task in self.tasks.iter().take(tasks_shown) {
            let top = task.groups.first();
            let right = match task.correct {
                Some(n) => format!(", {n} right"),
                None => String::new(),
            };
            let _ = writeln!(
                out,
                "{}: {} samples ({} distinct{right}); top group: {}",
                task.task_id,
                task.samples,
                task.distinct,
                match top {
                    Some(g) => format!(
                        "score {:.3}, lines {}",
                        g.score,
                        g.samples
                            .iter()
                            .map(|s| format!(
                                "{}{}",
                                s.line,
                                if s.correct == Some(false) {
                                    " (wrong)"
                                } else {
                                    ""
                                }
                            ))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    None => "none (no consensus; plain pass@k)".into(),
                }
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codet_extraction_cuts_at_its_stop_tokens_and_keeps_the_entry_points_asserts() {
        assert_eq!(
            codet_truncate("    return 1\ndef g():\n    pass\n"),
            "    return 1"
        );
        assert_eq!(codet_truncate("    x = 1\n# note\nif y:\n"), "    x = 1");
        let content = "f(1) == 2\nassert f(2) == 3\nassert g(1) == 0\nassert f(3) == 4\n\n# more\nassert f(9)";
        assert_eq!(
            codet_asserts(content, "f"),
            vec![
                "assert f(1) == 2",
                "assert f(2) == 3",
                "assert f(3) == 4",
                "assert f(9)"
            ]
        );
    }
}
