//! `verdict eval`: judge a samples file, with a progress display and a
//! Ctrl-C that drains (the first one) or kills (the second one).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use verdict_eval::benchmarks::{Benchmark, Demo, Scoring};
use verdict_eval::judge::EvalLimits;
use verdict_eval::remote::{RemoteJudging, RemoteOptions};
use verdict_eval::runner::{EvalOptions, OfficialFile, Progress, evaluate, evaluate_with};
use verdict_eval::trace::TraceOptions;
use verdict_eval::{evalplus_results, sample_sources};
use verdict_exec::TraceRequest;
use verdict_exec::{Language, Pool, UnittestHarness};

use crate::cli::EvalArgs;
use crate::exit;
use crate::run::pool_config;

pub fn eval(args: EvalArgs) -> Result<i32> {
    let benchmark: Benchmark = args.benchmark.parse()?;
    if args.ks.contains(&0) {
        bail!("-k values must be at least 1");
    }
    let spec = benchmark.spec();
    let (samples, problems) = match (&args.samples, args.demo) {
        (_, true) => match &spec.demo {
            Some(demo) => write_demo(demo)?,
            None => bail!(
                "{benchmark} has no built-in demo (those that do: {})",
                Benchmark::all()
                    .filter(|b| b.spec().demo.is_some())
                    .map(|b| b.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
        (Some(_), false) if spec.data.is_none() && args.problems.is_none() => {
            bail!("--benchmark {benchmark} needs --problems FILE (docs/benchmarks.md), or --demo")
        }
        (Some(samples), false) => (samples.clone(), args.problems.clone()),
        (None, false) => bail!("--samples is required (or --demo)"),
    };
    let defaults = EvalLimits::for_benchmark(benchmark);
    let memory_bytes = args.memory_limit.unwrap_or(defaults.memory_bytes);
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| sample_sources::beside(&samples, "_results.jsonl"));
    let cache = verdict_eval::data::default_cache_dir()
        .ok()
        .and_then(|d| d.parent().map(Path::to_path_buf));
    let evalplus = (args.format == "evalplus").then(|| OfficialFile {
        path: evalplus_results::results_path(&samples),
        force: args.force,
        ledger_dir: cache.as_ref().map(|c| c.join("written")),
    });
    if args.format == "cruxeval" && spec.scoring != Scoring::Cruxeval {
        bail!("--format cruxeval is for the CRUXEval benchmarks (cruxeval-o, cruxeval-i)");
    }
    let cruxeval_json = (args.format == "cruxeval").then(|| OfficialFile {
        path: sample_sources::beside(&samples, "_scored.json"),
        force: args.force,
        ledger_dir: cache.as_ref().map(|c| c.join("written")),
    });
    let options = EvalOptions {
        benchmark,
        samples,
        problems,
        data_dir: args.data_dir.clone(),
        out,
        ks: if args.ks.is_empty() {
            spec.ks.to_vec()
        } else {
            args.ks.clone()
        },
        resume: args.resume,
        skip_bad_lines: args.skip_bad_lines,
        limits: EvalLimits {
            check_cpu_ms: args.time_limit.unwrap_or(defaults.check_cpu_ms),
            memory_bytes,
            ..defaults
        },
        evalplus,
        cruxeval_json,
        legacy_skip: args.cruxeval_legacy_skip,
        cache_dir: cache.as_ref().map(|c| c.join("expected")),
        judge_copies: args.judge_copies,
        calibrated: !args.uncalibrated,
        classeval_extract: args.classeval_extract,
        enamel: enamel_params(&args)?,
        efficiency: args.efficiency,
        trace: trace_options(&args, benchmark)?,
    };
    if args.efficiency && !benchmark.is_plus() {
        bail!(
            "--efficiency is for the benchmarks judged by calls on input lists ({}); ENAMEL measures efficiency itself",
            Benchmark::all()
                .filter(|b| b.is_plus())
                .map(|b| b.name())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let instructions = match args.measure.as_str() {
        "cpu" => false,
        _ if !(args.efficiency || benchmark == Benchmark::ENAMEL) => {
            bail!("--measure is for --benchmark enamel and --efficiency")
        }
        "instructions" => {
            verdict_sandbox::perf::probe()
                .map_err(|e| anyhow::anyhow!("--measure instructions: {e}"))?;
            true
        }
        _ => match verdict_sandbox::perf::probe() {
            Ok(()) => true,
            Err(e) => {
                eprintln!("--measure auto: measuring CPU time ({e})");
                false
            }
        },
    };
    let mut options = options;
    options.enamel.instructions = instructions;
    if args.verifier_report && !benchmark.scores_plus() {
        bail!(
            "--verifier-report compares base and plus tests: it is for the benchmarks with a plus list (humaneval-plus, mbpp-plus, evoeval-verbose, evoeval-concise)"
        );
    }
    if args.efficiency && !args.remote.is_empty() {
        bail!("--efficiency measures on the local sandbox; it cannot be used with --remote");
    }
    let ledger = cache.as_ref().map(|c| c.join("written"));
    if args.format == "bigcodebench" {
        crate::bigcodebench::check(&options, args.force, ledger.as_deref())?;
    }
    // Before anything runs: a missing environment is refused at once.
    let environment = if args.remote.is_empty() {
        slot_environment_for(&options, args.env.as_deref())?
    } else {
        None
    };
    let stop = install_stop_handler()?;
    let mut display = Display::new(!args.no_progress_bar && std::io::stderr().is_terminal());
    display.enamel = benchmark == Benchmark::ENAMEL;
    let progress = |event| display.update(event);
    let mut ground_truth = None;
    let report = if args.remote.is_empty() {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        // BigCodeBench's tasks spend much of their time sleeping, serving
        // or waiting on subprocesses: more slots than cores overlap that,
        // and limits in CPU and active time keep the load from turning a
        // sample into a timeout.
        let waits_much =
            benchmark.unittest().map(|r| r.harness) == Some(UnittestHarness::BigCodeBench);
        let per_core = if waits_much {
            SLOTS_PER_CORE_BIGCODEBENCH
        } else {
            1
        };
        let slots = args.jobs.unwrap_or(cores * per_core);
        let mut config = pool_config(Language::Python, &args.sandbox, slots, memory_bytes)?;
        config.settings.count_instructions = options.enamel.instructions;
        if let Some(environment) = environment {
            // The worker holds the preloaded libraries in the slot's cgroup.
            config.settings.job_memory_bytes += PRELOAD_MEMORY_BYTES;
            config.settings.environment = Some(environment);
        }
        let pool = Pool::start(config).context("starting the sandbox (see `verdict doctor`)")?;
        if args.format == "bigcodebench" && !args.no_ground_truth {
            let place = cache
                .as_ref()
                .map(|c| {
                    c.join("ground-truth")
                        .join(args.env.as_deref().unwrap_or("default"))
                })
                .unwrap_or_else(|| std::env::temp_dir().join("verdict-ground-truth"));
            // The ground truth decides no sample's verdict: it runs beside
            // the samples, on the same slots, not before them.
            let (checked, report) = std::thread::scope(|scope| {
                let checking = scope.spawn(|| {
                    crate::bigcodebench::ground_truth(&options, &pool, &place, &stop, &|_| {})
                });
                let report = evaluate(&options, &pool, &stop, &progress);
                let checked = checking
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (checked, report)
            });
            ground_truth = Some(checked?);
            report?
        } else {
            evaluate(&options, &pool, &stop, &progress)?
        }
    } else {
        let remote = RemoteJudging::new(benchmark, remote_options(&args)?)
            .with_warnings(|line| eprintln!("warning: {line}"));
        evaluate_with(&options, &remote, &stop, &progress)?
    };
    display.finish();
    if report.invalid > 0 {
        eprintln!(
            "warning: {} sample lines were invalid and are marked so in the results",
            report.invalid
        );
    }
    let rate = report.judged as f64 / report.elapsed.as_secs_f64().max(1e-9);
    eprintln!(
        "judged {} samples in {:.1} s ({:.1} samples/s){}; results in {}",
        report.judged,
        report.elapsed.as_secs_f64(),
        rate,
        if report.resumed > 0 {
            format!(", {} resumed from the results file", report.resumed)
        } else {
            String::new()
        },
        report.results.display()
    );
    if let Some(output) = &options.evalplus {
        eprintln!("EvalPlus results file: {}", output.path.display());
    }
    if let Some(output) = &options.cruxeval_json {
        eprintln!("CRUXEval scored results: {}", output.path.display());
    }
    if args.format == "bigcodebench" {
        let (results, pass) =
            crate::bigcodebench::write_files(&options, ground_truth.as_ref(), ledger.as_deref())?;
        eprintln!(
            "BigCodeBench results: {} and {}",
            results.display(),
            pass.display()
        );
    }
    let verifiers = if args.verifier_report {
        let ks = options.ks.clone();
        Some(crate::compare::base_against_plus(&report.results, ks)?)
    } else {
        None
    };
    if args.json {
        match &verifiers {
            Some(verifiers) => {
                let mut summary: serde_json::Value =
                    serde_json::from_str(&report.summary.to_json())?;
                summary["verifier_report"] = serde_json::to_value(verifiers)?;
                println!("{}", serde_json::to_string_pretty(&summary)?);
            }
            None => println!("{}", report.summary.to_json()),
        }
    } else {
        print!("{}", report.summary.to_text());
        if let Some(verifiers) = &verifiers {
            println!("\nverifier report: base tests (A) against base and plus tests (B)");
            print!("{}", verifiers.to_text(10));
        }
    }
    if report.interrupted {
        eprintln!("interrupted: rerun with --resume to judge the rest");
        return Ok(exit::INTERRUPTED);
    }
    Ok(exit::OK)
}

/// `--trace` and its bounds.
fn trace_options(args: &EvalArgs, benchmark: Benchmark) -> Result<Option<TraceOptions>> {
    let Some(which) = &args.trace else {
        return Ok(None);
    };
    if !args.remote.is_empty() {
        bail!("--trace traces on the local sandbox; it cannot be used with --remote");
    }
    if benchmark == Benchmark::ENAMEL {
        bail!(
            "--trace is not available for enamel (its samples are timed, and a traced run would time the tracer); trace the same problems with --benchmark humaneval-plus"
        );
    }
    if let verdict_eval::benchmarks::Mode::ExitCode(language) = benchmark.mode()
        && language != verdict_exec::Language::Python
    {
        bail!(
            "--trace traces Python code; {} is not Python",
            benchmark.name()
        );
    }
    Ok(Some(TraceOptions {
        all: which == "all",
        request: TraceRequest {
            tests: None,
            events: args.trace_events,
            value_chars: args.trace_value_chars,
            bytes: u32::try_from(args.trace_bytes).unwrap_or(u32::MAX),
            lines: args.trace_lines,
        },
    }))
}

/// The servers of `--remote` (with `http://` added where no scheme is given)
/// and the token of `--token-file`.
fn remote_options(args: &EvalArgs) -> Result<RemoteOptions> {
    let token = match &args.token_file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading token file `{}`", path.display()))?;
            let token = text.trim();
            if token.is_empty() {
                bail!("token file `{}` is empty", path.display());
            }
            Some(token.to_string())
        }
        None => None,
    };
    let servers = args
        .remote
        .iter()
        .map(|url| url.trim())
        .filter(|url| !url.is_empty())
        .map(|url| match url.contains("://") {
            true => url.to_string(),
            false => format!("http://{url}"),
        })
        .collect::<Vec<_>>();
    if servers.is_empty() {
        bail!("--remote needs at least one server URL");
    }
    Ok(RemoteOptions {
        servers,
        token,
        chunk: usize::try_from(args.remote_chunk).unwrap_or(usize::MAX),
        streams: usize::try_from(args.remote_streams).unwrap_or(usize::MAX),
        time_limit_ms: args.time_limit,
    })
}

/// `./verdict-demo/`, created, and said so: the demo's files and results go there.
fn demo_dir() -> Result<PathBuf> {
    let dir = PathBuf::from("verdict-demo");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating `{}`", dir.display()))?;
    eprintln!(
        "demo: writing its problems and samples to ./{}/ (the results go there too)",
        dir.display()
    );
    Ok(dir)
}

/// Writes a built-in demo's files into `./verdict-demo/` and returns the
/// samples and problems paths.
fn write_demo(demo: &Demo) -> Result<(PathBuf, Option<PathBuf>)> {
    let dir = demo_dir()?;
    let problems = dir.join(demo.problems_name);
    let samples = dir.join(demo.samples_name);
    std::fs::write(&problems, demo.problems)
        .with_context(|| format!("writing `{}`", problems.display()))?;
    std::fs::write(&samples, demo.samples)
        .with_context(|| format!("writing `{}`", samples.display()))?;
    Ok((samples, Some(problems)))
}

/// Slots per core by default for BigCodeBench.
const SLOTS_PER_CORE_BIGCODEBENCH: usize = 4;

/// Room in a slot's memory cgroup for a worker that holds a benchmark
/// environment's libraries, beyond a job's own limit.
const PRELOAD_MEMORY_BYTES: u64 = 1 << 30;

/// The slot environment of the run's benchmark (or of `--env NAME`), with
/// the libraries its tasks import; `None` if it needs none.
fn slot_environment_for(
    options: &EvalOptions,
    name: Option<&str>,
) -> Result<Option<verdict_exec::SlotEnvironment>> {
    let Some(spec) = crate::env::environment_of(options.benchmark, name)? else {
        return Ok(None);
    };
    let problems = match &options.problems {
        Some(path) => path.clone(),
        None => verdict_eval::data::resolve(options.benchmark, options.data_dir.as_deref())?,
    };
    let tasks = verdict_eval::dataset::TaskSet::load(options.benchmark, &problems)?;
    Ok(Some(crate::env::slot_environment(spec, tasks.tasks())?))
}

/// First SIGINT/SIGTERM: stop starting samples, finish those in flight, write
/// everything. Second: exit at once (rows already written stay written).
fn install_stop_handler() -> Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register_conditional_shutdown(
            signal,
            exit::INTERRUPTED,
            Arc::clone(&stop),
        )
        .context("installing the Ctrl-C handler")?;
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .context("installing the Ctrl-C handler")?;
    }
    Ok(stop)
}

/// Progress on stderr: a bar on a terminal, a plain line every few seconds
/// otherwise.
struct Display {
    bar: Option<ProgressBar>,
    total: AtomicUsize,
    done: AtomicUsize,
    passed: AtomicUsize,
    started: Mutex<Option<Instant>>,
    last_line: Mutex<Instant>,
    /// The preparation is ENAMEL's (its progress is worded so).
    enamel: bool,
}

impl Display {
    fn new(bar: bool) -> Display {
        let bar = bar.then(|| {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template("{bar:30} {pos}/{len} {per_sec} ETA {eta} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        });
        Display {
            bar,
            total: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            passed: AtomicUsize::new(0),
            started: Mutex::new(None),
            last_line: Mutex::new(Instant::now()),
            enamel: false,
        }
    }

    fn update(&self, event: Progress) {
        match event {
            Progress::Expected { done, total } => {
                if done == total || self.line_due() {
                    if self.enamel {
                        eprintln!(
                            "ENAMEL tests: {done}/{total} problems (inputs generated or cached; the reference answered and timed)"
                        );
                    } else {
                        eprintln!(
                            "expected outputs: {done}/{total} tasks (reference solutions, cached afterwards)"
                        );
                    }
                }
            }
            Progress::References { done, total } => {
                if done == total || self.line_due() {
                    eprintln!(
                        "reference costs: {done}/{total} tasks (the canonical solution, {} runs each)",
                        verdict_eval::efficiency_report::REFERENCE_RUNS
                    );
                }
            }
            Progress::Started { total, resumed } => {
                self.total.store(total - resumed, Ordering::Relaxed);
                *self.started.lock().unwrap() = Some(Instant::now());
                if let Some(bar) = &self.bar {
                    bar.set_length((total - resumed) as u64);
                }
                if resumed > 0 {
                    eprintln!("resuming: {resumed} of {total} samples already judged");
                }
            }
            Progress::Sample { passed } => {
                let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
                let passed = self
                    .passed
                    .fetch_add(usize::from(passed), Ordering::Relaxed)
                    + usize::from(passed);
                let pass_rate = format!("pass {:.1}%", 100.0 * passed as f64 / done as f64);
                if let Some(bar) = &self.bar {
                    bar.set_position(done as u64);
                    bar.set_message(pass_rate);
                } else if self.line_due() || done == self.total.load(Ordering::Relaxed) {
                    let elapsed = self
                        .started
                        .lock()
                        .unwrap()
                        .map_or(Duration::ZERO, |s| s.elapsed());
                    let rate = done as f64 / elapsed.as_secs_f64().max(1e-9);
                    let left = self.total.load(Ordering::Relaxed).saturating_sub(done);
                    eprintln!(
                        "{done}/{} samples, {rate:.1}/s, ETA {:.0} s, {pass_rate}",
                        self.total.load(Ordering::Relaxed),
                        left as f64 / rate.max(1e-9)
                    );
                }
            }
        }
    }

    fn line_due(&self) -> bool {
        let mut last = self.last_line.lock().unwrap();
        if last.elapsed() >= Duration::from_secs(5) {
            *last = Instant::now();
            true
        } else {
            false
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// ENAMEL's settings from the command line, checked.
fn enamel_params(args: &EvalArgs) -> Result<verdict_eval::enamel::Params> {
    let params = verdict_eval::enamel::Params {
        seed: args.enamel_seed,
        tests: args.enamel_tests.clone(),
        reps: args.enamel_reps,
        hardness: args.enamel_hardness.clone(),
        alpha: args.enamel_alpha,
        tolerance_ms: args.enamel_tolerance_ms,
        instructions: false,
        reference_runs: args.enamel_reference_runs,
    };
    if params.reference_runs == 0 {
        bail!("--enamel-reference-runs must be at least 1");
    }
    if params.tests.len() != params.hardness.len() {
        bail!(
            "--enamel-tests gives {} levels but --enamel-hardness {}",
            params.tests.len(),
            params.hardness.len()
        );
    }
    if params.reps == 0 || params.tests.contains(&0) {
        bail!("--enamel-reps and every --enamel-tests value must be at least 1");
    }
    if !(params.alpha > 1.0 && params.alpha.is_finite()) {
        bail!("--enamel-alpha must be a number above 1 (ENAMEL's default: 2)");
    }
    if !(params.tolerance_ms >= 0.0 && params.tolerance_ms.is_finite()) {
        bail!("--enamel-tolerance-ms must be 0 or more");
    }
    if params
        .hardness
        .iter()
        .any(|h| !(h.is_finite() && *h >= 0.0))
    {
        bail!("--enamel-hardness weights must be 0 or more");
    }
    Ok(params)
}
