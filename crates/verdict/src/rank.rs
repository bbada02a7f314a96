//! `verdict rank`: many samples per task ranked by executing them (see
//! `verdict_eval::rank`).

use anyhow::{Context, Result, bail};
use verdict_eval::benchmarks::Benchmark;
use verdict_eval::judge::EvalLimits;
use verdict_eval::rank::{Method, RankOptions, rank as rank_samples};
use verdict_exec::{Language, Pool};

use crate::cli::RankArgs;
use crate::exit;
use crate::run::pool_config;

pub fn rank(args: RankArgs) -> Result<i32> {
    let benchmark: Benchmark = args.benchmark.parse()?;
    if args.ks.contains(&0) {
        bail!("-k values must be at least 1");
    }
    if benchmark.unittest().is_some()
        || benchmark.mode() == verdict_eval::benchmarks::Mode::Enamel
        || !matches!(
            benchmark.mode(),
            verdict_eval::benchmarks::Mode::Check { .. } | verdict_eval::benchmarks::Mode::Calls
        )
    {
        bail!(
            "verdict rank is for the Python benchmarks of functions (HumanEval, MBPP, their plus versions, EvoEval, the CodeEval-Pro ones)"
        );
    }
    let method = Method::parse(&args.method).context("unknown --method")?;
    let problems = match &args.problems {
        Some(path) => path.clone(),
        None => verdict_eval::data::resolve(benchmark, args.data_dir.as_deref())?,
    };
    let limits = EvalLimits::for_benchmark(benchmark);
    let options = RankOptions {
        benchmark,
        problems,
        samples: args.samples.clone(),
        tests: args.tests.clone(),
        method,
        test_limit: args.test_limit,
        test_cpu_ms: args.test_time_limit.max(1),
        ks: args.ks.clone(),
        limits,
        judge: !args.no_judge,
    };
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let slots = args.jobs.unwrap_or(cores);
    let config = pool_config(Language::Python, &args.sandbox, slots, limits.memory_bytes)?;
    let pool = Pool::start(config).context("starting the sandbox (see `verdict doctor`)")?;
    let report = rank_samples(&options, &pool)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.to_text(20));
    }
    Ok(exit::OK)
}
