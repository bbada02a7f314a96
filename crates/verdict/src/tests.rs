//! `verdict tests`: model-written tests measured (see
//! `verdict_eval::test_quality`).

use std::io::Write;

use anyhow::{Context, Result, bail};
use verdict_eval::benchmarks::{Benchmark, Mode};
use verdict_eval::judge::EvalLimits;
use verdict_eval::test_quality::{TestsOptions, measure};
use verdict_exec::{Language, Pool};

use crate::cli::TestsArgs;
use crate::exit;
use crate::run::pool_config;

pub fn tests(args: TestsArgs) -> Result<i32> {
    let benchmark: Benchmark = args.benchmark.parse()?;
    if benchmark.unittest().is_some()
        || !matches!(benchmark.mode(), Mode::Check { .. } | Mode::Calls)
    {
        bail!(
            "verdict tests is for the Python benchmarks of functions (HumanEval, MBPP, their plus versions, EvoEval, the CodeEval-Pro ones)"
        );
    }
    let problems = match &args.problems {
        Some(path) => path.clone(),
        None => verdict_eval::data::resolve(benchmark, args.data_dir.as_deref())?,
    };
    let limits = EvalLimits::for_benchmark(benchmark);
    let options = TestsOptions {
        benchmark,
        problems,
        tests: args.tests.clone(),
        test_cpu_ms: args.test_time_limit.max(1),
        max_mutants: args.max_mutants,
        seed: args.seed,
        include_equivalent: args.include_equivalent,
        limits,
    };
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let slots = args.jobs.unwrap_or(cores);
    let config = pool_config(Language::Python, &args.sandbox, slots, limits.memory_bytes)?;
    let pool = Pool::start(config).context("starting the sandbox (see `verdict doctor`)")?;
    let progress = |done: usize, total: usize| {
        eprint!("\r{done}/{total} tasks measured");
        if done == total {
            eprintln!();
        }
    };
    let report = measure(&options, &pool, &progress)?;
    if let Some(out) = &args.out {
        let mut file = std::io::BufWriter::new(
            std::fs::File::create(out).with_context(|| format!("creating `{}`", out.display()))?,
        );
        for row in report.rows() {
            writeln!(file, "{row}")?;
        }
        file.flush()?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.to_text());
    }
    Ok(exit::OK)
}
