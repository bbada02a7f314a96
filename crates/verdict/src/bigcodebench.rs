//! `verdict eval --format bigcodebench`: BigCodeBench's ground-truth check
//! (every task's reference solution, as `bigcodebench.evaluate` runs it
//! before the samples; here beside them) and its two output files.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use anyhow::{Context, Result, bail};
use serde_json::json;
use verdict_eval::bigcodebench_results::{self, GroundTruth, RunLabels};
use verdict_eval::dataset::TaskSet;
use verdict_eval::evalplus_results;
use verdict_eval::runner::{EvalOptions, Progress, evaluate, read_rows};
use verdict_exec::{Pool, UnittestHarness};

/// Refuses `--format bigcodebench` for another benchmark, and an existing
/// results file verdict did not write (unless `force`).
pub fn check(options: &EvalOptions, force: bool, ledger: Option<&Path>) -> Result<()> {
    let rules = options.benchmark.unittest();
    if rules.map(|r| r.harness) != Some(UnittestHarness::BigCodeBench) {
        bail!(
            "--format bigcodebench is for the BigCodeBench benchmarks (bigcodebench, bigcodebench-hard)"
        );
    }
    evalplus_results::check_overwrite(
        &bigcodebench_results::results_path(&options.samples),
        force,
        ledger,
    )?;
    Ok(())
}

/// Runs every task's reference solution (`complete_prompt + "\n" +
/// canonical_solution`, not calibrated), once per problems file and
/// environment: the rows are kept in `cache` and a later run judges only
/// what is missing.
pub fn ground_truth(
    options: &EvalOptions,
    pool: &Pool,
    cache: &Path,
    stop: &AtomicBool,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<GroundTruth> {
    let problems = problems_of(options)?;
    let tasks = TaskSet::load(options.benchmark, &problems)?;
    let digest = file_digest(&problems)?;
    std::fs::create_dir_all(cache).with_context(|| format!("creating `{}`", cache.display()))?;
    let samples = cache.join(format!("{}-{digest}.jsonl", options.benchmark));
    let text: String = tasks
        .tasks()
        .iter()
        .map(|task| {
            let solution = format!("{}\n{}", task.prompt, task.canonical_solution);
            format!(
                "{}\n",
                json!({"task_id": task.task_id, "solution": solution})
            )
        })
        .collect();
    std::fs::write(&samples, text).with_context(|| format!("writing `{}`", samples.display()))?;
    let out = cache.join(format!("{}-{digest}_results.jsonl", options.benchmark));
    let gt_options = EvalOptions {
        samples,
        problems: Some(problems),
        out: out.clone(),
        ks: vec![1],
        resume: out.exists(),
        skip_bad_lines: false,
        evalplus: None,
        cruxeval_json: None,
        judge_copies: false,
        calibrated: false,
        classeval_extract: false,
        enamel: Default::default(),
        efficiency: false,
        ..options.clone()
    };
    eprintln!(
        "ground truth: every task's reference solution, first (kept in {})",
        out.display()
    );
    let report = evaluate(&gt_options, pool, stop, progress)?;
    eprintln!(
        "ground truth: {} reference solutions ({} from the cache)",
        report.judged + report.resumed,
        report.resumed
    );
    let rows = read_rows(&out)?;
    Ok(GroundTruth::from_rows(&tasks, &rows))
}

/// Writes `_eval_results.json` and `_pass_at_k.json` beside the samples.
pub fn write_files(
    options: &EvalOptions,
    ground_truth: Option<&GroundTruth>,
    ledger: Option<&Path>,
) -> Result<(PathBuf, PathBuf)> {
    let problems = problems_of(options)?;
    let tasks = TaskSet::load(options.benchmark, &problems)?;
    let rows = read_rows(&options.out)?;
    let results_path = bigcodebench_results::results_path(&options.samples);
    let document = bigcodebench_results::eval_results(&tasks, &rows, &evalplus_results::date_now());
    evalplus_results::write(
        &results_path,
        &(serde_json::to_string_pretty(&document)? + "\n"),
        ledger,
    )
    .with_context(|| format!("writing `{}`", results_path.display()))?;
    let labels = RunLabels {
        samples: options.samples.clone(),
        split: bigcodebench_results::split_of(&options.samples).to_string(),
        subset: if options.benchmark.spec().tasks == Some(148) {
            "hard"
        } else {
            "full"
        }
        .into(),
        calibrated: options.calibrated,
    };
    let pass_path = bigcodebench_results::pass_at_k_path(&options.samples);
    let pass = bigcodebench_results::pass_at_k(&tasks, &rows, &options.ks, &labels, ground_truth);
    std::fs::write(&pass_path, serde_json::to_string_pretty(&pass)? + "\n")
        .with_context(|| format!("writing `{}`", pass_path.display()))?;
    if let Some(gt) = ground_truth {
        eprintln!(
            "ground-truth pass rate: {:.3}{}",
            gt.pass_rate,
            if gt.failed_tasks.is_empty() {
                String::new()
            } else {
                format!("; failed tasks: {}", gt.failed_tasks.join(", "))
            }
        );
    }
    Ok((results_path, pass_path))
}

fn problems_of(options: &EvalOptions) -> Result<PathBuf> {
    Ok(match &options.problems {
        Some(path) => path.clone(),
        None => verdict_eval::data::resolve(options.benchmark, options.data_dir.as_deref())?,
    })
}

/// The first 12 hex digits of a file's sha256.
fn file_digest(path: &Path) -> Result<String> {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(path).with_context(|| format!("reading `{}`", path.display()))?;
    Ok(Sha256::digest(&bytes)
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect())
}
