//! One evaluation run from samples file to results file and summary: the
//! dispatcher that owns the user-visible state (results writer, progress,
//! stop requests) while a [`Judging`] judges the samples, on a local pool
//! ([`PoolJudging`]) or on remote servers ([`crate::remote::RemoteJudging`]).

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::unbounded;
use serde_json::{Map, Value, json};
use verdict_exec::Pool;

use crate::data::{self, DataError};
use crate::dataset::{Benchmark, DatasetError, Task, TaskSet};
use crate::evalplus_results;
use crate::expected::ExpectedOutputs;
use crate::judge::{EvalLimits, Judge};
use crate::results::{ResultRow, ResultsError, ResultsWriter, result_failed, resume_point};
use crate::samples::{Sample, SampleCode, SampleError, SampleRow, TaskId};
use crate::summary::{BenchmarkSummary, Summary, TaskCounts};

/// What to evaluate and where the results go.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// The benchmark.
    pub benchmark: Benchmark,
    /// The samples file (JSONL).
    pub samples: PathBuf,
    /// A problems file in the benchmark's own format, instead of the official one.
    pub problems: Option<PathBuf>,
    /// A local mirror of the official files (`--data-dir`).
    pub data_dir: Option<PathBuf>,
    /// The results file (JSONL).
    pub out: PathBuf,
    /// The k of pass@k.
    pub ks: Vec<u64>,
    /// Continue an interrupted run from the results file.
    pub resume: bool,
    /// Turn bad sample lines into invalid result rows instead of stopping.
    pub skip_bad_lines: bool,
    /// Limits.
    pub limits: EvalLimits,
    /// Also write EvalPlus's results file.
    pub evalplus: Option<OfficialFile>,
    /// Also write CRUXEval's scored-results file.
    pub cruxeval_json: Option<OfficialFile>,
    /// Score skipped generations as CRUXEval did before its commit 0a800bd
    /// (2024-04-15): as failures.
    pub legacy_skip: bool,
    /// Where expected outputs are cached (`None`: not cached).
    pub cache_dir: Option<PathBuf>,
    /// Judge every sample, even one whose task and code another sample of
    /// the run already has (by default such copies are judged once, and each
    /// copy's row carries that verdict; see [`judged_once`]).
    pub judge_copies: bool,
    /// BigCodeBench: calibrate samples (`code_prompt + "\n    pass\n"`
    /// first), the official default.
    pub calibrated: bool,
    /// ClassEval: extract each sample's code from a raw model response as
    /// the official pipeline does.
    pub classeval_extract: bool,
    /// ENAMEL's settings (its defaults unless changed); its `instructions`
    /// is the run's measure for `efficiency` too.
    pub enamel: crate::enamel::Params,
    /// Measure each sample's cost against the canonical solution's
    /// (benchmarks judged by calls on input lists; see
    /// [`crate::efficiency_report`]).
    pub efficiency: bool,
    /// `--trace`: rows of Python samples carry runtime traces of their
    /// failing tests (or of every test); see [`crate::trace`].
    pub trace: Option<crate::trace::TraceOptions>,
}

/// Where an official evaluator's results file goes (EvalPlus's, CRUXEval's),
/// and whether an existing one that verdict did not write may be replaced.
#[derive(Debug, Clone)]
pub struct OfficialFile {
    /// The file (see [`evalplus_results::results_path`]).
    pub path: PathBuf,
    /// Replace the file even if verdict did not write it.
    pub force: bool,
    /// The ledger of files verdict wrote (`None`: nothing is recorded, and
    /// any existing file needs `force`).
    pub ledger_dir: Option<PathBuf>,
}

/// What the run reports while it goes.
#[derive(Debug, Clone, Copy)]
pub enum Progress {
    /// Expected outputs are being computed.
    Expected {
        /// Tasks done.
        done: usize,
        /// Tasks to do.
        total: usize,
    },
    /// `--efficiency`: the canonical solutions are being measured.
    References {
        /// Tasks done.
        done: usize,
        /// Tasks to do.
        total: usize,
    },
    /// Judging starts.
    Started {
        /// Samples in the file (bad lines are not samples).
        total: usize,
        /// Of those, samples already judged by an earlier run.
        resumed: usize,
    },
    /// One more sample finished.
    Sample {
        /// Whether it passed.
        passed: bool,
    },
}

/// What a run produced.
#[derive(Debug)]
pub struct EvalReport {
    /// pass@k and counts, over every row in the results file.
    pub summary: Summary,
    /// The results file.
    pub results: PathBuf,
    /// Samples judged in this run.
    pub judged: usize,
    /// Samples taken from an earlier run's results.
    pub resumed: usize,
    /// Samples marked invalid (bad lines with `--skip-bad-lines`).
    pub invalid: usize,
    /// Whether a stop request cut the run short.
    pub interrupted: bool,
    /// Time spent judging.
    pub elapsed: Duration,
}

/// Why a run could not go on. Nothing judged before the error is lost: rows
/// are flushed as they finish.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// The official problems file could not be found.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The problems file is malformed.
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    /// The samples file is malformed.
    #[error(transparent)]
    Samples(#[from] SampleError),
    /// A sample names a task the benchmark does not have.
    #[error(
        "samples file `{path}` line {line}: field `task_id`: unknown task `{task_id}` for benchmark {benchmark}"
    )]
    UnknownTask {
        /// The samples file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The task id as written.
        task_id: String,
        /// The benchmark.
        benchmark: Benchmark,
    },
    /// The results file could not be written or resumed.
    #[error(transparent)]
    Results(#[from] ResultsError),
    /// Judging on `verdict serve` servers failed.
    #[error(transparent)]
    Remote(#[from] crate::remote::RemoteError),
    /// EvalPlus's results file exists and verdict did not write it.
    #[error(transparent)]
    Overwrite(#[from] evalplus_results::OverwriteRefused),
    /// Another file operation failed.
    #[error("{op} `{path}`: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// A sample ready to judge, or a bad line to report.
enum Work<'a> {
    Judge(Sample, &'a Task),
    Invalid(usize, String),
}

/// A sample to judge: its 0-based index among the samples file's rows, the
/// sample and its task.
#[derive(Debug, Clone, Copy)]
pub struct Pending<'a> {
    /// Index of the sample's row in the samples file (and in the results).
    pub index: usize,
    /// The sample.
    pub sample: &'a Sample,
    /// The task it answers.
    pub task: &'a Task,
}

/// Where the samples of a run are judged: on a local [`Pool`]
/// ([`PoolJudging`]) or on `verdict serve` servers
/// ([`crate::remote::RemoteJudging`]). The run itself (samples, resume,
/// results file, summary) is the same either way.
pub trait Judging: Sync {
    /// Gets ready to judge samples of `tasks` from `problems` (for the EvalPlus
    /// benchmarks, the local pool computes expected outputs here). Called once,
    /// before judging starts.
    fn prepare(
        &self,
        _problems: &Path,
        _tasks: &[&Task],
        _progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<(), EvalError> {
        Ok(())
    }

    /// Judges every sample of `samples` exactly once, handing each finished
    /// row to `done` with the sample's index. Once `stop` is set no new sample
    /// starts; those in flight finish (and are handed over) before it returns.
    fn judge(
        &self,
        samples: &[Pending<'_>],
        stop: &AtomicBool,
        done: &(dyn Fn(usize, ResultRow) + Sync),
    ) -> Result<(), EvalError>;
}

/// Judging on a local pool of slots, two threads per slot (one prepares its
/// next job while the other's runs).
pub struct PoolJudging<'a> {
    pool: &'a Pool,
    benchmark: Benchmark,
    limits: EvalLimits,
    cache_dir: Option<PathBuf>,
    expected: OnceLock<ExpectedOutputs>,
    calibrated: bool,
    classeval_extract: Option<String>,
    enamel: crate::enamel::Params,
    enamel_tests: OnceLock<crate::enamel::Prepared>,
    measure_efficiency: bool,
    efficiency: OnceLock<crate::efficiency_report::References>,
    trace: Option<crate::trace::TraceOptions>,
}

impl<'a> PoolJudging<'a> {
    /// Judging of `options`' benchmark on `pool`, with its limits and
    /// expected-output cache.
    pub fn new(pool: &'a Pool, options: &EvalOptions) -> PoolJudging<'a> {
        PoolJudging {
            pool,
            benchmark: options.benchmark,
            limits: options.limits,
            cache_dir: options.cache_dir.clone(),
            expected: OnceLock::new(),
            calibrated: options.calibrated,
            classeval_extract: options
                .classeval_extract
                .then(|| options.samples.display().to_string()),
            enamel: options.enamel.clone(),
            enamel_tests: OnceLock::new(),
            measure_efficiency: options.efficiency,
            efficiency: OnceLock::new(),
            trace: options.trace.clone(),
        }
    }
}

impl Judging for PoolJudging<'_> {
    fn prepare(
        &self,
        problems: &Path,
        tasks: &[&Task],
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<(), EvalError> {
        let report = |done, total| progress(Progress::Expected { done, total });
        if self.benchmark.mode() == crate::benchmarks::Mode::Enamel {
            let prepared = crate::enamel::prepare(
                tasks,
                &self.enamel,
                self.pool,
                self.cache_dir.as_deref(),
                &report,
            );
            let _ = self.enamel_tests.set(prepared);
            return Ok(());
        }
        if !self.benchmark.is_plus() {
            return Ok(());
        }
        let expected = ExpectedOutputs::load_or_compute(
            self.benchmark,
            problems,
            tasks,
            self.pool,
            self.cache_dir.as_deref(),
            &report,
        )
        .map_err(|source| EvalError::Io {
            op: "computing expected outputs for",
            path: problems.to_path_buf(),
            source,
        })?;
        let _ = self.expected.set(expected);
        if self.measure_efficiency {
            let judge = Judge {
                benchmark: self.benchmark,
                expected: self.expected.get(),
                limits: self.limits,
                calibrated: self.calibrated,
                classeval_extract: None,
                enamel: None,
                efficiency: None,
                instructions: self.enamel.instructions,
                trace: None,
            };
            let report = |done, total| progress(Progress::References { done, total });
            let references =
                crate::efficiency_report::References::measure(&judge, tasks, self.pool, &report);
            let _ = self.efficiency.set(references);
        }
        Ok(())
    }

    fn judge(
        &self,
        samples: &[Pending<'_>],
        stop: &AtomicBool,
        done: &(dyn Fn(usize, ResultRow) + Sync),
    ) -> Result<(), EvalError> {
        let judge = Judge {
            benchmark: self.benchmark,
            expected: self.expected.get(),
            limits: self.limits,
            calibrated: self.calibrated,
            classeval_extract: self.classeval_extract.clone(),
            enamel: self.enamel_tests.get().map(|tests| (tests, &self.enamel)),
            efficiency: self.efficiency.get(),
            instructions: self.enamel.instructions,
            trace: self.trace.clone(),
        };
        let next = AtomicUsize::new(0);
        // ENAMEL: the threads whose samples wait for their problem's
        // reference to be timed leave the others to keep the slots busy.
        let per_slot = if self.benchmark.mode() == crate::benchmarks::Mode::Enamel {
            4
        } else {
            2
        };
        std::thread::scope(|scope| {
            for _ in 0..self.pool.slots() * per_slot {
                let (next, judge) = (&next, &judge);
                scope.spawn(move || {
                    while !stop.load(Ordering::SeqCst) {
                        let Some(item) = samples.get(next.fetch_add(1, Ordering::SeqCst)) else {
                            break;
                        };
                        done(item.index, judge.judge(self.pool, item.task, item.sample));
                    }
                });
            }
        });
        Ok(())
    }
}

/// Runs an evaluation on a local pool. `stop` is checked between samples:
/// once set, no new sample starts, samples in flight finish, and everything
/// finished is written.
pub fn evaluate(
    options: &EvalOptions,
    pool: &Pool,
    stop: &AtomicBool,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<EvalReport, EvalError> {
    evaluate_with(options, &PoolJudging::new(pool, options), stop, progress)
}

/// Runs an evaluation, judging on `judging`: reads and checks the samples,
/// resumes, writes rows in input order as they finish and computes the
/// summary. `stop` works as in [`evaluate`]. If judging fails, the rows
/// finished before stay in the results file (`--resume` goes on from them).
pub fn evaluate_with(
    options: &EvalOptions,
    judging: &dyn Judging,
    stop: &AtomicBool,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<EvalReport, EvalError> {
    let problems = match &options.problems {
        Some(path) => path.clone(),
        None => data::resolve(options.benchmark, options.data_dir.as_deref())?,
    };
    // Before any judging, so that a refusal costs nothing.
    for output in options.evalplus.iter().chain(&options.cruxeval_json) {
        evalplus_results::check_overwrite(
            &output.path,
            output.force,
            output.ledger_dir.as_deref(),
        )?;
    }
    let tasks = TaskSet::load(options.benchmark, &problems)?;
    let work = read_work(options, &tasks)?;
    let ids: Vec<TaskId> = work.iter().map(work_id).collect();
    let resumed = if options.resume {
        resume_point(&options.out, &ids)?
    } else {
        0
    };
    let pending: Vec<Pending<'_>> = work
        .iter()
        .enumerate()
        .skip(resumed)
        .filter_map(|(index, item)| match item {
            Work::Judge(sample, task) => Some(Pending {
                index,
                sample,
                task,
            }),
            Work::Invalid(..) => None,
        })
        .collect();
    let (pending, copies) = if options.judge_copies {
        (pending, HashMap::new())
    } else {
        judged_once(pending)
    };
    let mut needed: Vec<&Task> = Vec::new();
    for item in &pending {
        if !needed.iter().any(|t| t.task_id == item.task.task_id) {
            needed.push(item.task);
        }
    }
    judging.prepare(&problems, &needed, progress)?;

    let mut writer = ResultsWriter::new(&options.out, resumed)?;
    // Progress counts samples judged; bad lines are reported apart.
    let judgeable = |items: &[Work<'_>]| {
        items
            .iter()
            .filter(|w| matches!(w, Work::Judge(..)))
            .count()
    };
    progress(Progress::Started {
        total: judgeable(&work),
        resumed: judgeable(&work[..resumed]),
    });
    let started = Instant::now();
    let (rows_tx, rows_rx) = unbounded::<(usize, ResultRow)>();
    for (index, item) in work.iter().enumerate().skip(resumed) {
        if let Work::Invalid(line, message) = item {
            let _ = rows_tx.send((index, invalid_row(*line, message)));
        }
    }
    let mut judged = 0;
    let mut written = 0;
    let mut first_error = None;
    let judged_all = std::thread::scope(|scope| {
        let (work, copies) = (&work, &copies);
        let judging = scope.spawn(move || {
            let send = |index, row: ResultRow| {
                for &copy in copies.get(&index).into_iter().flatten() {
                    if let (Work::Judge(judged, _), Work::Judge(sample, _)) =
                        (&work[index], &work[copy])
                    {
                        let _ = rows_tx.send((copy, copy_row(&row, judged, sample)));
                    }
                }
                let _ = rows_tx.send((index, row));
            };
            judging.judge(&pending, stop, &send)
        });
        for (index, row) in rows_rx.iter() {
            written += 1;
            if !matches!(work[index], Work::Invalid(..)) {
                judged += 1;
                progress(Progress::Sample { passed: row.passed });
            }
            if let Err(e) = writer.submit(index, row) {
                // Keep draining so that judging ends; report the first error.
                stop.store(true, Ordering::SeqCst);
                first_error.get_or_insert(e);
            }
        }
        judging
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    });
    let elapsed = started.elapsed();
    writer.finish()?;
    if let Some(e) = first_error {
        return Err(e.into());
    }
    judged_all?;
    let interrupted = stop.load(Ordering::SeqCst) && resumed + written < work.len();
    let rows = read_rows(&options.out)?;
    let summary = summarize(options, &tasks, &work, &rows);
    if let Some(output) = &options.evalplus {
        write_evalplus(output, options.benchmark, &tasks, &problems, &work, &rows).map_err(
            |source| EvalError::Io {
                op: "writing",
                path: output.path.clone(),
                source,
            },
        )?;
    }
    if let Some(output) = &options.cruxeval_json {
        let judged = judged_generations(&work, &rows);
        let text =
            crate::benchmarks::cruxeval::scored_results(&tasks, &judged, options.legacy_skip);
        evalplus_results::write(&output.path, &text, output.ledger_dir.as_deref()).map_err(
            |source| EvalError::Io {
                op: "writing",
                path: output.path.clone(),
                source,
            },
        )?;
    }
    let invalid = work
        .iter()
        .filter(|w| matches!(w, Work::Invalid(..)))
        .count();
    Ok(EvalReport {
        summary,
        results: options.out.clone(),
        judged,
        resumed,
        invalid,
        interrupted,
        elapsed,
    })
}

/// The samples to run, one per distinct (task, code, language), and for
/// each of them the indexes of the other samples with the same three: those
/// copies are not run, and their rows take the first one's verdict.
///
/// Sampled generations repeat (CRUXEval's CodeLlama-7B file at temperature
/// 0.2 has 1,677 distinct generations among 8,000), and a program that reads
/// no clock or random source gets the same verdict every time it runs. A
/// program that does (or that runs at a time limit's edge) gets one verdict
/// for all its copies where the official harness, running each copy, could
/// give them different ones; `--judge-copies` runs every copy.
pub fn judged_once(pending: Vec<Pending<'_>>) -> (Vec<Pending<'_>>, HashMap<usize, Vec<usize>>) {
    let mut first: HashMap<(&str, SampleCode<'_>, Option<&str>), usize> = HashMap::new();
    let mut copies: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut unique = Vec::new();
    for item in pending {
        let key = (
            item.task.task_id.as_str(),
            item.sample.code(),
            item.sample.fields.get("language").and_then(Value::as_str),
        );
        match first.get(&key) {
            Some(&index) => copies.entry(index).or_default().push(item.index),
            None => {
                first.insert(key, item.index);
                unique.push(item);
            }
        }
    }
    (unique, copies)
}

/// The row of `copy`, a sample with the same task and code as `judged`,
/// whose `row` it shares: the copy's own input fields, with every field the
/// judge added to or changed in `judged`'s (EvalPlus's `base_status`, …).
fn copy_row(row: &ResultRow, judged: &Sample, copy: &Sample) -> ResultRow {
    let mut fields = copy.fields.clone();
    for (key, value) in &row.fields {
        if judged.fields.get(key) != Some(value) {
            fields.insert(key.clone(), value.clone());
        }
    }
    ResultRow {
        fields,
        ..row.clone()
    }
}

fn read_work<'a>(options: &EvalOptions, tasks: &'a TaskSet) -> Result<Vec<Work<'a>>, EvalError> {
    let task_ids: Vec<&str> = tasks.tasks().iter().map(|t| t.task_id.as_str()).collect();
    let line_order = options.benchmark.spec().line_order;
    let reader = crate::sample_sources::open(&options.samples, &task_ids, line_order)?
        .skip_bad_lines(options.skip_bad_lines);
    let mut work = Vec::new();
    for row in reader {
        match row? {
            SampleRow::Valid(sample) => {
                let key = options.benchmark.task_key(&sample.task_id);
                match tasks.get_key(&key) {
                    Some(task) => work.push(Work::Judge(sample, task)),
                    None if options.skip_bad_lines => work.push(Work::Invalid(
                        sample.line,
                        format!(
                            "unknown task `{}` for benchmark {}",
                            sample.task_id, options.benchmark
                        ),
                    )),
                    None => {
                        return Err(EvalError::UnknownTask {
                            path: options.samples.clone(),
                            line: sample.line,
                            task_id: sample.task_id.to_string(),
                            benchmark: options.benchmark,
                        });
                    }
                }
            }
            SampleRow::Invalid { line, error } => work.push(Work::Invalid(line, error.to_string())),
        }
    }
    Ok(work)
}

/// The task id a row is written with; bad lines get a placeholder naming
/// their line, so that `--resume` can line rows up with samples.
fn work_id(work: &Work<'_>) -> TaskId {
    match work {
        Work::Judge(sample, _) => sample.task_id.clone(),
        Work::Invalid(line, _) => TaskId::Str(format!("invalid line {line}")),
    }
}

fn invalid_row(line: usize, message: &str) -> ResultRow {
    let mut fields = Map::new();
    fields.insert("task_id".into(), json!(format!("invalid line {line}")));
    fields.insert("line".into(), json!(line));
    ResultRow {
        fields,
        passed: false,
        result: result_failed(&format!("invalid sample: {message}")),
        status: "invalid".into(),
        details: Some(json!({ "error": message })),
    }
}

/// The rows of a results file (lines that are not JSON objects left out).
pub fn read_rows(path: &Path) -> Result<Vec<Map<String, Value>>, EvalError> {
    let io_error = |source| EvalError::Io {
        op: "reading results",
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io_error)?;
    let mut rows = Vec::new();
    for line in BufReader::new(file).lines() {
        let line = line.map_err(io_error)?;
        if let Ok(Value::Object(row)) = serde_json::from_str(&line) {
            rows.push(row);
        }
    }
    Ok(rows)
}

fn summarize(
    options: &EvalOptions,
    tasks: &TaskSet,
    work: &[Work<'_>],
    rows: &[Map<String, Value>],
) -> Summary {
    let mut counts: BTreeMap<String, TaskCounts> = BTreeMap::new();
    let plus = options.benchmark.scores_plus();
    let enamel = options.benchmark.spec().scoring == crate::benchmarks::Scoring::Enamel;
    for (row, item) in rows.iter().zip(work) {
        let Work::Judge(_, task) = item else { continue };
        if enamel && !in_enamel_problem_set(task) {
            continue;
        }
        let entry = counts
            .entry(task.task_id.clone())
            .or_insert_with(|| TaskCounts::new(&task.task_id, plus));
        entry.n += 1;
        let passed = row.get("passed") == Some(&Value::Bool(true));
        // The old CRUXEval rule counts a skipped generation as a failure.
        if row.get("status").and_then(Value::as_str) == Some("skipped") && !options.legacy_skip {
            entry.skipped += 1;
        }
        if plus {
            if row.get("base_status").and_then(Value::as_str) == Some("pass") {
                entry.base_correct += 1;
            }
            if passed {
                *entry.plus_correct.get_or_insert(0) += 1;
            }
        } else if passed {
            entry.base_correct += 1;
        }
    }
    let present: HashMap<&str, ()> = work
        .iter()
        .filter_map(|w| match w {
            Work::Judge(_, task) => Some((task.task_id.as_str(), ())),
            Work::Invalid(..) => None,
        })
        .collect();
    let missing: Vec<String> = tasks
        .tasks()
        .iter()
        .filter(|t| !present.contains_key(t.task_id.as_str()))
        .filter(|t| !enamel || in_enamel_problem_set(t))
        .map(|t| t.task_id.clone())
        .collect();
    let counts: Vec<TaskCounts> = counts.into_values().collect();
    let mut summary = BenchmarkSummary::compute(options.benchmark, &counts, missing, &options.ks);
    if options.benchmark.spec().scoring == crate::benchmarks::Scoring::ClassEval {
        let judged = rows
            .iter()
            .zip(work)
            .filter(|(_, item)| matches!(item, Work::Judge(..)))
            .map(|(row, _)| row);
        let tallies = crate::classeval::tally(judged);
        summary.classeval = crate::summary::ClassEvalScores(
            options
                .ks
                .iter()
                .filter_map(|&k| Some((k, crate::classeval::scores(&tallies, k)?)))
                .collect(),
        );
    }
    if enamel {
        summary.eff_at_k = Some(enamel_eff_at_k(&summary, work, rows));
    }
    if options.efficiency {
        let judged = rows.iter().zip(work).filter_map(|(row, item)| match item {
            Work::Judge(_, task) => Some((task.task_id.as_str(), row)),
            Work::Invalid(..) => None,
        });
        let ks: Vec<u64> = summary.pass_at_k.0.iter().map(|(k, _)| *k).collect();
        summary.efficiency = Some(crate::efficiency_report::summarize(judged, &ks));
    }
    Summary {
        benchmarks: vec![summary],
    }
}

fn in_enamel_problem_set(task: &crate::dataset::Task) -> bool {
    task.enamel.as_ref().is_some_and(|e| e.in_problem_set)
}

/// ENAMEL's eff@k for each `k` pass@k was computed for: per task, from its
/// samples' `eff` (a sample without one, such as a skipped row, is 0), then
/// the mean over the tasks, in the tasks' order of first appearance.
fn enamel_eff_at_k(
    summary: &BenchmarkSummary,
    work: &[Work<'_>],
    rows: &[Map<String, Value>],
) -> crate::summary::EffAtK {
    let mut order: Vec<&str> = Vec::new();
    let mut effs: HashMap<&str, Vec<f64>> = HashMap::new();
    for (row, item) in rows.iter().zip(work) {
        let Work::Judge(_, task) = item else { continue };
        if !in_enamel_problem_set(task) {
            continue;
        }
        let id = task.task_id.as_str();
        let eff = row.get("eff").and_then(Value::as_f64).unwrap_or(0.0);
        effs.entry(id)
            .or_insert_with(|| {
                order.push(id);
                Vec::new()
            })
            .push(eff);
    }
    let values = summary
        .pass_at_k
        .0
        .iter()
        .map(|&(k, _)| {
            let per_task: Vec<f64> = order
                .iter()
                .map(|id| crate::efficiency::eff_at_k(&effs[id], k as usize).unwrap_or(0.0))
                .collect();
            // ENAMEL adds the tasks' values in order, then divides.
            let total: f64 = per_task.iter().fold(0.0, |a, b| a + b);
            (k, total / per_task.len().max(1) as f64)
        })
        .collect();
    crate::summary::EffAtK(values)
}

/// Each judged sample's task, generation, and whether it passed or was
/// skipped, for [`crate::benchmarks::cruxeval::scored_results`].
fn judged_generations<'a>(
    work: &'a [Work<'_>],
    rows: &[Map<String, Value>],
) -> Vec<crate::benchmarks::cruxeval::Judged<'a>> {
    rows.iter()
        .zip(work)
        .filter_map(|(row, item)| {
            let Work::Judge(sample, task) = item else {
                return None;
            };
            let generation = match sample.code() {
                SampleCode::Solution(s) | SampleCode::Completion(s) => s,
            };
            Some(crate::benchmarks::cruxeval::Judged {
                task_id: &task.task_id,
                generation,
                passed: row.get("passed") == Some(&Value::Bool(true)),
                skipped: row.get("status").and_then(Value::as_str) == Some("skipped"),
            })
        })
        .collect()
}

/// EvalPlus's results file (see [`evalplus_results`]) from the rows, each
/// beside the sample and task it came from; tasks in the dataset's order.
fn write_evalplus(
    output: &OfficialFile,
    benchmark: Benchmark,
    tasks: &TaskSet,
    problems: &Path,
    work: &[Work<'_>],
    rows: &[Map<String, Value>],
) -> std::io::Result<()> {
    let mut by_task: HashMap<&str, Vec<evalplus_results::Entry>> = HashMap::new();
    for (row, item) in rows.iter().zip(work) {
        let Work::Judge(sample, task) = item else {
            continue;
        };
        let solution = match sample.code() {
            SampleCode::Solution(s) => s.to_string(),
            SampleCode::Completion(c) => format!("{}{}", task.prompt, c),
        };
        let tests = task.plus.as_ref().map(|plus| {
            let set = |inputs| evalplus_results::TestSet {
                task_id: &task.task_id,
                mbpp: benchmark.spec().rows == crate::benchmarks::Rows::Plus { mbpp_inputs: true },
                inputs,
            };
            (set(&plus.base_input[..]), set(&plus.plus_input[..]))
        });
        let entry = evalplus_results::entry(&task.task_id, solution, row, tests);
        by_task
            .entry(task.task_id.as_str())
            .or_default()
            .push(entry);
    }
    let ordered: Vec<(String, Vec<evalplus_results::Entry>)> = tasks
        .tasks()
        .iter()
        .filter_map(|t| Some((t.task_id.clone(), by_task.remove(t.task_id.as_str())?)))
        .collect();
    let text = evalplus_results::document(
        &evalplus_results::date_now(),
        &evalplus_results::dataset_hash(problems)?,
        &ordered,
    );
    evalplus_results::write(&output.path, &text, output.ledger_dir.as_deref())
}
