//! The command-line interface.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::units::{parse_bytes, parse_duration_ms};

/// Run untrusted, model-written code in Linux sandboxes and judge it.
#[derive(Debug, Parser)]
#[command(name = "verdict", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one program in a sandbox.
    Run(RunArgs),
    /// Judge a samples file against a benchmark: results per sample and pass@k.
    Eval(Box<EvalArgs>),
    /// List the benchmarks: tasks, source, the official evaluator
    /// reproduced, whether the data file is here, the command to fetch it.
    Benchmarks(BenchmarksArgs),
    /// Manage the official benchmark files.
    #[command(subcommand)]
    Data(DataCommand),
    /// Build and list benchmark environments (pinned Python packages).
    #[command(subcommand)]
    Env(EnvCommand),
    /// Print what isolation this host supports, and why.
    Doctor(DoctorArgs),
    /// List the languages verdict runs: toolchain version, compile and run
    /// commands, memory limit, and whether each is installed here.
    Languages(LanguagesArgs),
    /// Serve the HTTP API (run, judge, evaluate, SandboxFusion's run_code).
    Serve(ServeArgs),
    /// Compare two results files of the same tasks (two verifiers, two runs,
    /// two models): flips, false-positive rates, pass@k with a paired
    /// bootstrap interval, the tasks that flip most.
    Compare(CompareArgs),
    /// Rank many samples per task by executing them (CodeT's dual
    /// agreement on model-written tests, MBR-exec, majority voting) and
    /// print the ranked pass@k beside the plain one.
    Rank(Box<RankArgs>),
    /// Measure model-written tests: validity on the task's canonical
    /// solution, line and branch coverage of it, and the mutation score.
    Tests(Box<TestsArgs>),
    /// Check proposed counterexamples: is each input valid, and do a
    /// program believed wrong and the reference disagree on it?
    Refute(Box<RefuteArgs>),
    /// Generate samples from a model behind an OpenAI-compatible server,
    /// with each benchmark's prompts.
    Generate(Box<GenerateArgs>),
    /// One self-contained HTML page from one or more results files.
    Report(Box<ReportArgs>),
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Results files (`verdict eval`'s JSONL), one run each.
    #[arg(required = true)]
    pub results: Vec<PathBuf>,
    /// The page to write.
    #[arg(long, default_value = "report.html")]
    pub html: PathBuf,
    /// The page's title.
    #[arg(long)]
    pub title: Option<String>,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The server: `http://host:port` or `http://host:port/v1`.
    #[arg(long)]
    pub endpoint: String,
    /// The model's name on the server.
    #[arg(long)]
    pub model: String,
    /// The benchmark whose prompts are used.
    #[arg(long, default_value = "humaneval")]
    pub benchmark: String,
    /// Samples per task.
    #[arg(long, default_value_t = 1)]
    pub n: usize,
    /// Sampling temperature.
    #[arg(long, default_value_t = 0.0)]
    pub temperature: f64,
    /// Tokens per answer.
    #[arg(long, default_value_t = 768)]
    pub max_tokens: u64,
    /// An instruct model: the chat API with EvalPlus's instruction, the code
    /// taken from the answer (default: a base model, the completions API).
    #[arg(long)]
    pub chat: bool,
    /// Where the samples go (JSONL; `verdict eval --samples` reads it).
    #[arg(long)]
    pub out: PathBuf,
    /// Keep the samples already in `--out` and ask only for the missing ones.
    #[arg(long)]
    pub resume: bool,
    /// Requests at once.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// Tries of a request that fails with 429, 5xx or a broken connection.
    #[arg(long, default_value_t = 6)]
    pub retries: u32,
    /// The environment variable holding the API key (sent as a bearer token).
    #[arg(long, default_value = "OPENAI_API_KEY")]
    pub api_key_env: String,
    /// Only the first N tasks.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Seconds one request may take.
    #[arg(long, default_value_t = 600)]
    pub timeout: u64,
    /// A problems file in the benchmark's own format.
    #[arg(long)]
    pub problems: Option<PathBuf>,
    /// A directory with the official files.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    pub no_progress_bar: bool,
}

#[derive(Debug, Args)]
pub struct RefuteArgs {
    /// The requests: one JSON object, or JSONL with one per line
    /// (docs/refute.md: `entry_point` for a function, `program`,
    /// `reference`, `validator`, `inputs`, `compare`, `checker`, `atol`,
    /// `time_limit_ms`).
    pub requests: PathBuf,
    /// Print the answers as JSON (one object per request, in a list).
    #[arg(long)]
    pub json: bool,
    /// Jobs run at once (default: one per core).
    #[arg(long)]
    pub jobs: Option<usize>,
    #[command(flatten)]
    pub sandbox: SandboxArgs,
}

#[derive(Debug, Args)]
pub struct TestsArgs {
    /// The benchmark whose tasks the tests are for (a Python benchmark of
    /// functions: HumanEval, MBPP, their plus versions, EvoEval, the
    /// CodeEval-Pro ones).
    #[arg(long)]
    pub benchmark: String,
    /// The tests: JSONL `{"task_id", "test": code}` or `{"task_id",
    /// "tests": [code, ..]}`, each code a test unit (asserts, or pytest-style
    /// `test_*` functions, or unittest TestCase classes); `"program"` in a
    /// row replaces the canonical solution as the program under test.
    #[arg(long)]
    pub tests: PathBuf,
    /// Where each test's and each mutant's row goes (JSONL).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// CPU time of one test unit on one program.
    #[arg(long, value_parser = parse_duration_ms, default_value = "1s")]
    pub test_time_limit: u64,
    /// Mutants per task: a seeded sample when there are more (0: all).
    #[arg(long, default_value_t = 50)]
    pub max_mutants: usize,
    /// The seed of that sample.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Score the mutants the benchmark's own tests do not kill either
    /// (likely equivalent; left out by default).
    #[arg(long)]
    pub include_equivalent: bool,
    /// A problems file in the benchmark's own format.
    #[arg(long)]
    pub problems: Option<PathBuf>,
    /// A directory with the official files.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Jobs run at once (default: one per core).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Print the report (per task and overall) as one JSON object.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub sandbox: SandboxArgs,
}

#[derive(Debug, Args)]
pub struct RankArgs {
    /// The benchmark whose tasks the samples answer (its tests say which
    /// samples are right).
    #[arg(long)]
    pub benchmark: String,
    /// The samples, several per task (any shape `verdict eval` reads; a
    /// `logprob` field breaks MBR-exec's ties).
    #[arg(long)]
    pub samples: PathBuf,
    /// CodeT: model-written tests, JSONL `{"task_id", "tests": [asserts]}`
    /// or `{"task_id", "test": code}` (its `assert` lines), a row per test
    /// sample; MBR-exec: test inputs, `{"task_id", "inputs": [args]}`.
    #[arg(long)]
    pub tests: Option<PathBuf>,
    /// `codet` (CodeT's released score `|S_y|·sqrt(|S_x|)`), `codet-paper`
    /// (`|S_x|·|S_y|`), `mbr-exec`, or `majority` (on the benchmark's own
    /// inputs).
    #[arg(long, default_value = "codet", value_parser = ["codet", "codet-paper", "mbr-exec", "majority"])]
    pub method: String,
    /// CodeT: asserts kept from each test sample (its `--test_case_limit`).
    #[arg(long, default_value_t = 5)]
    pub test_limit: usize,
    /// CPU time of one test or one call (CodeT's `--timeout`, 0.1 s).
    #[arg(long, value_parser = parse_duration_ms, default_value = "100ms")]
    pub test_time_limit: u64,
    /// The k of pass@k, comma-separated (CodeT reports 1, 2, 10).
    #[arg(short = 'k', long = "k", value_delimiter = ',', default_values_t = [1u64, 2, 10])]
    pub ks: Vec<u64>,
    /// A problems file in the benchmark's own format.
    #[arg(long)]
    pub problems: Option<PathBuf>,
    /// A directory with the official files.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Samples judged at once (default: one per core).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Rank only: do not judge the samples with the benchmark's own tests
    /// (no correctness, no pass@k), as selecting a sample with no ground
    /// truth needs.
    #[arg(long)]
    pub no_judge: bool,
    /// Print the whole report as one JSON object.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub sandbox: SandboxArgs,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Results file A (`verdict eval`'s JSONL).
    pub a: PathBuf,
    /// Results file B.
    pub b: PathBuf,
    /// Read A's base tests alone (`base_status`), for the EvalPlus
    /// benchmarks: `verdict compare R R --a-base` is base against plus.
    #[arg(long)]
    pub a_base: bool,
    /// Read B's base tests alone (`base_status`).
    #[arg(long)]
    pub b_base: bool,
    /// The k of pass@k, comma-separated.
    #[arg(short = 'k', long = "k", value_delimiter = ',', default_values_t = [1u64, 10, 100])]
    pub ks: Vec<u64>,
    /// Bootstrap resamples of the tasks.
    #[arg(long, default_value_t = 1000)]
    pub resamples: usize,
    /// The bootstrap's seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// How many of the tasks that flip most are listed.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Print the report as one JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The benchmark (the help lists every name the code knows).
    #[arg(long, default_value = "humaneval", help = format!("The benchmark (`verdict benchmarks` lists them): {}", benchmark_names(false, &[])))]
    pub benchmark: String,
    /// Samples (JSONL rows with `task_id` and `completion` or `solution`).
    #[arg(long, required_unless_present = "demo")]
    pub samples: Option<PathBuf>,
    /// Judge the built-in demo set (problems and completions written by this
    /// project) instead of a samples file.
    #[arg(long, conflicts_with_all = ["samples", "problems"])]
    pub demo: bool,
    /// A problems file in the benchmark's own format (default: the official file).
    #[arg(long)]
    pub problems: Option<PathBuf>,
    /// A directory with the official files laid out as `verdict data fetch`
    /// leaves them (default: $VERDICT_DATA_DIR, then the cache).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Where results go (default: SAMPLES with `_results.jsonl`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The k of pass@k, comma-separated (default: the benchmark's: 1,10,100;
    /// CRUXEval's 1,5).
    #[arg(short = 'k', long = "k", value_delimiter = ',')]
    pub ks: Vec<u64>,
    /// Samples judged at once (default: one per core).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Print the summary as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Continue an interrupted run: keep the results file's finished rows and
    /// judge only the rest.
    #[arg(long)]
    pub resume: bool,
    /// Turn malformed sample lines into result rows marked invalid, with a
    /// warning, instead of stopping.
    #[arg(long)]
    pub skip_bad_lines: bool,
    /// Also write EvalPlus 0.3.1's results file (`--format evalplus`), where
    /// EvalPlus puts it: SAMPLES with `.jsonl` replaced by
    /// `_eval_results.json`. A file there that verdict did not write is left
    /// alone (the run stops before judging) unless --force is given.
    /// `--format cruxeval` also writes CRUXEval's scored-results JSON
    /// (SAMPLES without `.json`/`.jsonl`, plus `_scored.json`);
    /// `--format bigcodebench` BigCodeBench's `_eval_results.json` and
    /// `_pass_at_k.json`.
    #[arg(long, value_parser = ["human-eval", "evalplus", "cruxeval", "bigcodebench"], default_value = "human-eval")]
    pub format: String,
    /// CRUXEval: score a skipped generation as a failure, as CRUXEval did
    /// before its commit 0a800bd (2024-04-15), instead of leaving it out.
    #[arg(long)]
    pub cruxeval_legacy_skip: bool,
    /// With `--format bigcodebench`: skip the ground-truth check (every
    /// task's reference solution, run first and kept in the cache).
    #[arg(long)]
    pub no_ground_truth: bool,
    /// ClassEval: take each sample's code from a raw model response as the
    /// official pipeline does (its `extract_code`, with its quirks, then
    /// `add_static_statement`), instead of as it is.
    #[arg(long)]
    pub classeval_extract: bool,
    /// BigCodeBench: judge samples as they are, without the official
    /// calibration (`code_prompt + "\n    pass\n"` before each).
    #[arg(long)]
    pub uncalibrated: bool,
    /// Run the slots in this benchmark environment instead of the
    /// benchmark's own (`verdict env list --all`), e.g. the small
    /// `bigcodebench-small`.
    #[arg(long)]
    pub env: Option<String>,
    /// Run every sample, even one with the same task and code as another
    /// sample of the file. By default such copies run once and each copy's
    /// row gets that verdict (the same for any program that reads no clock
    /// or random source).
    #[arg(long)]
    pub judge_copies: bool,
    /// With `--format evalplus` or `cruxeval`: replace an existing results
    /// file even if verdict did not write it.
    #[arg(long)]
    pub force: bool,
    /// Time per check()-style sample, MultiPL-E program or stdin/stdout
    /// case: CPU time, and wall-clock time not spent waiting for a CPU
    /// (default: the benchmark's; 3s, human-eval's; 10s for mbpp; 15s for
    /// MultiPL-E; 2s for stdio).
    #[arg(long, value_parser = parse_duration_ms)]
    pub time_limit: Option<u64>,
    /// Memory per sample, or per stdin/stdout case (default: the
    /// benchmark's: 4 GiB as EvalPlus, 512 MiB for stdio).
    #[arg(long, value_parser = parse_bytes)]
    pub memory_limit: Option<u64>,
    /// Measure each sample's cost on the plus inputs (CPU time of its calls,
    /// peak memory) beside the canonical solution's, measured in the same
    /// run; the summary adds EffiBench's NET and NMU and COFFE's
    /// efficient@k and speedup (HumanEval+, MBPP+, EvoEval).
    #[arg(long)]
    pub efficiency: bool,
    /// What efficiency is measured in (ENAMEL, `--efficiency`): `cpu`, the
    /// CPU time of each call; `instructions`, its user-space instructions
    /// by a hardware counter (refused where the host has none, as in most
    /// VMs: `verdict doctor` says); `auto`, instructions where available.
    #[arg(long, value_parser = ["cpu", "instructions", "auto"], default_value = "cpu")]
    pub measure: String,
    /// Runtime traces of Python samples' own code in each row's
    /// `details.traces` (docs/traces.md): `failing` (the default when the
    /// flag has no value) traces a failing sample's failing test, `all`
    /// every test of every sample. The verdict is always the untraced
    /// run's; a trace comes from a second run with the tracer on.
    #[arg(long, num_args = 0..=1, default_missing_value = "failing",
          value_parser = ["failing", "all"], help_heading = "Traces")]
    pub trace: Option<String>,
    /// Events kept at each end of a test's trace.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=100_000), help_heading = "Traces")]
    pub trace_events: u32,
    /// Characters kept of each value's repr in a trace.
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u32).range(8..=100_000), help_heading = "Traces")]
    pub trace_value_chars: u32,
    /// Largest JSON text of one test's trace.
    #[arg(long, default_value = "64KiB", value_parser = parse_bytes, help_heading = "Traces")]
    pub trace_bytes: u64,
    /// One trace event per line run instead of per basic block.
    #[arg(long, help_heading = "Traces")]
    pub trace_lines: bool,
    /// For the plus benchmarks: after the summary, the verifier report of
    /// base tests against base and plus tests (as `verdict compare R R
    /// --a-base` prints it).
    #[arg(long)]
    pub verifier_report: bool,
    /// ENAMEL: the seed of its input generators (ENAMEL's `--seed`).
    #[arg(long, default_value_t = 998_244_353, help_heading = "ENAMEL")]
    pub enamel_seed: u64,
    /// ENAMEL: tests per input level, comma-separated (`--n_tests`).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "8,4,4,4",
        help_heading = "ENAMEL"
    )]
    pub enamel_tests: Vec<u32>,
    /// ENAMEL: repetitions of each test of a level whose hardness is not 0
    /// (`--n_reps`).
    #[arg(long, default_value_t = 6, help_heading = "ENAMEL")]
    pub enamel_reps: u32,
    /// ENAMEL: the weight of each level, comma-separated (`--hardness`).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "0,3,3,4",
        help_heading = "ENAMEL"
    )]
    pub enamel_hardness: Vec<f64>,
    /// ENAMEL: α, the time limit as a multiple of the slowest reference test
    /// (`--timeout_factor`).
    #[arg(long, default_value_t = 2.0, help_heading = "ENAMEL")]
    pub enamel_alpha: f64,
    /// ENAMEL: how many jobs time the reference, at once, right before the
    /// problem's samples, sharing out its repetitions (6 over 3: 2 each);
    /// each test's time is the Hodges–Lehmann estimate of them all. One is
    /// ENAMEL's single run; several spread the estimate over processes.
    #[arg(long, default_value_t = 3, help_heading = "ENAMEL")]
    pub enamel_reference_runs: u32,
    /// ENAMEL: what the limit gets on top before a call is killed,
    /// milliseconds (`--tolerence_sec`, 0.01 s).
    #[arg(long, default_value_t = 10.0, help_heading = "ENAMEL")]
    pub enamel_tolerance_ms: f64,
    /// Never draw a progress bar (plain progress lines go to stderr instead).
    #[arg(long)]
    pub no_progress_bar: bool,
    /// Judge on `verdict serve` servers instead of local sandboxes: base URLs,
    /// comma-separated (`http://10.0.0.5:8080,http://10.0.0.6:8080`). The
    /// benchmark file is still read locally, to check the samples.
    #[arg(
        long,
        value_name = "URL[,URL...]",
        value_delimiter = ',',
        conflicts_with_all = ["demo", "problems", "jobs"]
    )]
    pub remote: Vec<String>,
    /// With --remote: a file holding the bearer token the servers require.
    #[arg(long, requires = "remote")]
    pub token_file: Option<PathBuf>,
    /// With --remote: samples sent per request.
    #[arg(long, default_value_t = 16, requires = "remote", value_parser = clap::value_parser!(u64).range(1..))]
    pub remote_chunk: u64,
    /// With --remote: requests in flight per server.
    #[arg(long, default_value_t = 4, requires = "remote", value_parser = clap::value_parser!(u64).range(1..))]
    pub remote_streams: u64,
    #[command(flatten)]
    pub sandbox: SandboxArgs,
}

#[derive(Debug, Subcommand)]
pub enum EnvCommand {
    /// Create a benchmark environment once: a virtualenv of the sandbox's
    /// interpreter with the pinned packages from the package registry.
    Build {
        /// The environment (`verdict env list --all` lists them).
        name: String,
        /// Copy the NLTK data from this directory (laid out as
        /// `nltk.download` leaves one) instead of downloading it; on an
        /// environment already built, installs it there.
        #[arg(long, value_name = "DIR")]
        nltk_data: Option<PathBuf>,
    },
    /// List the built environments (`--all`: every known one, built or not).
    List {
        /// Also list the environments that are not built.
        #[arg(long)]
        all: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// Download an official benchmark file into the cache and check its sha256.
    Fetch {
        /// A benchmark with an official file, or `all` (the help lists every
        /// such name).
        #[arg(help = format!("{}, or `all`", benchmark_names(true, &[])))]
        name: String,
    },
    /// Print where each benchmark's file would be read from.
    Path {
        /// A local mirror to look in first.
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
}

/// Options shared by every command that runs code.
#[derive(Debug, Args, Clone)]
pub struct SandboxArgs {
    /// Isolation level: `namespaces` (default; refuses to run where the host
    /// lacks user namespaces or cgroups) or `process` (rlimits, a private
    /// directory and a clean environment only; every result says so).
    #[arg(long, default_value = "namespaces", value_parser = ["namespaces", "process"])]
    pub isolation: String,
    /// The Python interpreter run inside the sandbox.
    #[arg(long, default_value = "/usr/bin/python3")]
    pub python: PathBuf,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Language of the program (see `verdict languages`; default: from the
    /// file's extension, `.c` is C, `.ts` TypeScript..., else python).
    #[arg(long)]
    pub lang: Option<String>,
    /// The program's source file, or `-` to read it from standard input.
    pub program: PathBuf,
    /// A file given to the program as its standard input (default: empty).
    #[arg(long)]
    pub stdin: Option<PathBuf>,
    /// CPU time limit, e.g. `2s`, `500ms`.
    #[arg(long, default_value = "10s", value_parser = parse_duration_ms)]
    pub time_limit: u64,
    /// Wall-clock backstop (default: 3x the time limit + 1s).
    #[arg(long, value_parser = parse_duration_ms)]
    pub wall_limit: Option<u64>,
    /// Memory limit, e.g. `512MiB`, `2GiB`.
    #[arg(long, default_value = "1GiB", value_parser = parse_bytes)]
    pub memory_limit: u64,
    /// Output (stdout + stderr) after which the program is stopped.
    #[arg(long, default_value = "64MiB", value_parser = parse_bytes)]
    pub output_limit: u64,
    /// Print one JSON object describing the run instead of the program's
    /// output.
    #[arg(long)]
    pub json: bool,
    /// Judge the program on the stdin/stdout cases of a problems file
    /// (docs/stdio-format.md; APPS, CodeContests and LiveCodeBench rows too)
    /// instead of running it once.
    #[arg(long, conflicts_with = "stdin")]
    pub tests: Option<PathBuf>,
    /// With `--tests`: the problem to judge when the file holds several.
    #[arg(long, requires = "tests")]
    pub task: Option<String>,
    /// With `--tests`: stop at the first failing case.
    #[arg(long, requires = "tests")]
    pub stop_on_first_failure: bool,
    #[command(flatten)]
    pub sandbox: SandboxArgs,
}

#[derive(Debug, Args)]
pub struct BenchmarksArgs {
    /// Print one JSON array instead of a table.
    #[arg(long)]
    pub json: bool,
    /// A directory with the official files (default: $VERDICT_DATA_DIR,
    /// then the cache).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct LanguagesArgs {
    /// Print one JSON array instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Print the checks as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub sandbox: SandboxArgs,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port (the address is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Sandbox slots, jobs run at once (default: one per core).
    #[arg(long)]
    pub slots: Option<usize>,
    /// Requests that may wait for a slot; past that the server answers 429
    /// (default: 8 per slot).
    #[arg(long)]
    pub queue: Option<usize>,
    /// A file holding the bearer token every request but /healthz must carry.
    /// Required to listen on anything but loopback.
    #[arg(long)]
    pub token_file: Option<PathBuf>,
    /// Longest a request may take, queueing included (504 past it).
    #[arg(long, default_value = "300s", value_parser = parse_duration_ms)]
    pub deadline: u64,
    /// Largest request body (413 past it).
    #[arg(long, default_value = "32MiB", value_parser = parse_bytes)]
    pub body_limit: u64,
    /// How long a finished result is reused for an identical request (0s:
    /// never share, not even between requests in flight).
    #[arg(long, default_value = "5s", value_parser = parse_window_ms)]
    pub share_window: u64,
    /// Memory per job, and the most a request may ask for.
    #[arg(long, default_value = "4GiB", value_parser = parse_bytes)]
    pub memory_limit: u64,
    /// A directory with the official benchmark files (default: $VERDICT_DATA_DIR, then the cache).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    #[command(flatten)]
    pub sandbox: SandboxArgs,
}

/// Every benchmark name in the registry (with `official_only`, those with
/// an official data file), then `extra`, comma-separated: `--help` cannot
/// fall behind the code.
fn benchmark_names(official_only: bool, extra: &[&str]) -> String {
    let names: Vec<&str> = verdict_eval::benchmarks::Benchmark::all()
        .filter(|benchmark| !official_only || benchmark.data_file().is_some())
        .map(|benchmark| benchmark.name())
        .chain(extra.iter().copied())
        .collect();
    names.join(", ")
}

/// A duration that may be zero (`0`, `0s`).
fn parse_window_ms(text: &str) -> Result<u64, String> {
    match text.trim().trim_end_matches("ms").trim_end_matches('s') {
        "0" => Ok(0),
        _ => parse_duration_ms(text),
    }
}
