//! `verdict generate`: samples from a model server (see
//! `verdict_eval::generate`).

use anyhow::{Result, bail};
use verdict_eval::benchmarks::Benchmark;
use verdict_eval::generate::{GenerateOptions, generate as run};

use crate::cli::GenerateArgs;
use crate::exit;

pub fn generate(args: GenerateArgs) -> Result<i32> {
    let benchmark: Benchmark = args.benchmark.parse()?;
    if args.n == 0 {
        bail!("--n must be at least 1");
    }
    let problems = match &args.problems {
        Some(path) => path.clone(),
        None => verdict_eval::data::resolve(benchmark, args.data_dir.as_deref())?,
    };
    let options = GenerateOptions {
        endpoint: args.endpoint.clone(),
        model: args.model.clone(),
        benchmark,
        problems,
        n: args.n,
        temperature: args.temperature,
        max_tokens: args.max_tokens,
        chat: args.chat,
        out: args.out.clone(),
        resume: args.resume,
        concurrency: args.concurrency.max(1),
        retries: args.retries,
        api_key: std::env::var(&args.api_key_env)
            .ok()
            .filter(|k| !k.is_empty()),
        limit: args.limit,
        timeout_s: args.timeout.max(1),
    };
    let bar = (!args.no_progress_bar).then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{pos}/{len} samples, {per_sec}, ETA {eta}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let progress = |done: usize, total: usize| {
        if let Some(bar) = &bar {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
    };
    let report = run(&options, &progress)?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    eprintln!(
        "{} samples written to {} ({} kept from before, {} failed); {} prompt and {} completion tokens",
        report.written,
        args.out.display(),
        report.kept,
        report.failed,
        report.prompt_tokens,
        report.completion_tokens
    );
    for error in &report.errors {
        eprintln!("  {error}");
    }
    if report.failed > 0 {
        eprintln!("run again with --resume to ask for the failed samples");
        return Ok(exit::FAILURE);
    }
    Ok(exit::OK)
}
