//! `verdict run`: one program in a sandbox.

use std::io::{Read, Write};

use anyhow::{Context, Result, bail};
use verdict_exec::{Isolation, Language, Limits, Pool, PoolConfig, Status, compile_limits};

use verdict_eval::stdio;

use crate::cli::{RunArgs, SandboxArgs};
use crate::exit;

/// Builds a pool from the shared sandbox options.
pub fn pool_config(
    language: Language,
    sandbox: &SandboxArgs,
    slots: usize,
    memory: u64,
) -> Result<PoolConfig> {
    let mut config = PoolConfig::new(language);
    config.slots = slots;
    config.settings.isolation = Isolation::from_name(&sandbox.isolation)
        .with_context(|| format!("unknown isolation level `{}`", sandbox.isolation))?;
    config.settings.python = sandbox.python.clone();
    config.settings.job_memory_bytes = memory;
    Ok(config)
}

/// `--lang`, else the program file's extension, else Python.
fn language_of(args: &RunArgs) -> Result<Language> {
    let Some(name) = &args.lang else {
        let by_extension = args
            .program
            .extension()
            .and_then(|e| e.to_str())
            .and_then(Language::from_extension);
        return Ok(by_extension.unwrap_or(Language::Python));
    };
    Language::from_name(name).with_context(|| {
        format!(
            "unknown language `{name}` (known: {})",
            Language::known_names()
        )
    })
}

pub fn run(args: RunArgs) -> Result<i32> {
    let language = language_of(&args)?;
    let code = read_program(&args)?;
    let stdin = match &args.stdin {
        Some(path) => {
            let bytes = std::fs::read(path)
                .with_context(|| format!("reading stdin file `{}`", path.display()))?;
            Some(
                String::from_utf8(bytes)
                    .with_context(|| format!("stdin file `{}` is not UTF-8", path.display()))?,
            )
        }
        None => None,
    };
    let limits = Limits {
        cpu_ms: args.time_limit,
        wall_ms: args.wall_limit.unwrap_or(0),
        memory_bytes: args.memory_limit,
        output_bytes: args.output_limit,
        ..Limits::default()
    };
    let config = pool_config(language, &args.sandbox, 1, args.memory_limit)?;
    if !language.is_available() {
        bail!(
            "{} is not installed on this host (Debian packages: {}); `verdict languages` lists what is",
            language.name(),
            language.debian_packages()
        );
    }
    let pool = Pool::start(config).context("starting the sandbox")?;
    if let Some(tests) = &args.tests {
        return judge_tests(&args, tests, &pool, language, &code);
    }
    let (outcome, compile) = match pool.prepare(&language.recipe(), &code, &compile_limits()) {
        Ok(program) => {
            let compile = program.build().map(|b| b.compile.clone());
            (pool.run_program(&program, stdin, limits), compile)
        }
        Err(failed) => ((*failed).clone(), None),
    };
    drop(pool);
    if args.json {
        let mut value = serde_json::to_value(&outcome)?;
        value["language"] = serde_json::json!(language.name());
        if let Some(compile) = compile {
            value["compile"] = serde_json::json!({
                "status": compile.status,
                "wall_ms": compile.wall_ms,
                "cpu_ms": compile.cpu_ms,
                "peak_memory_bytes": compile.peak_memory_bytes,
                "stderr": compile.stderr,
            });
        }
        println!("{}", serde_json::to_string(&value)?);
        return Ok(exit::OK);
    }
    std::io::stdout().write_all(outcome.stdout.as_bytes())?;
    std::io::stderr().write_all(outcome.stderr.as_bytes())?;
    Ok(match outcome.status {
        Status::Ok => exit::OK,
        Status::RuntimeError => match (outcome.exit_code, outcome.signal) {
            (Some(code), _) => code,
            (None, Some(signal)) => 128 + signal,
            (None, None) => exit::FAILURE,
        },
        Status::CompileError => {
            if let Some(error) = &outcome.error {
                eprintln!("verdict: {error}");
            }
            eprintln!("verdict: compile error");
            exit::FAILURE
        }
        Status::TimeLimit | Status::MemoryLimit | Status::OutputLimit => {
            eprintln!(
                "verdict: {} (exceeded)",
                outcome.status.name().replace('_', " ")
            );
            exit::LIMIT
        }
        Status::SandboxError => {
            eprintln!(
                "verdict: sandbox error: {}",
                outcome.error.as_deref().unwrap_or("unknown")
            );
            exit::SANDBOX
        }
    })
}

/// `verdict run --tests FILE`: the program judged on a problem's cases.
fn judge_tests(
    args: &RunArgs,
    path: &std::path::Path,
    pool: &Pool,
    language: Language,
    code: &str,
) -> Result<i32> {
    let set = stdio::load_problems(path)?;
    let problem = match (&args.task, set.problems.len()) {
        (Some(task), _) => set
            .get(task)
            .with_context(|| format!("`{}` has no problem `{task}`", path.display()))?,
        (None, 1) => &set.problems[0],
        (None, 0) => bail!("`{}` has no stdin/stdout problem", path.display()),
        (None, n) => bail!(
            "`{}` holds {n} problems: choose one with --task (first: `{}`)",
            path.display(),
            set.problems[0].task_id
        ),
    };
    let options = stdio::StdioOptions {
        time_limit_ms: args.time_limit,
        memory_bytes: args.memory_limit,
        stop_on_first_failure: args.stop_on_first_failure,
        trace: None,
    };
    let verdict = stdio::judge_program(pool, problem, &language.recipe(), code, &options);
    if args.json {
        let mut value = verdict.to_json();
        value["task_id"] = serde_json::json!(problem.task_id);
        value["language"] = serde_json::json!(language.name());
        println!("{}", serde_json::to_string(&value)?);
    } else {
        if let Some(message) = &verdict.compile_message {
            eprintln!("{message}");
        }
        for case in &verdict.tests {
            let o = &case.outcome;
            println!(
                "test {:>3}: {:<13} {:>8.1} ms cpu {:>8.1} MiB{}",
                case.index,
                case.verdict,
                o.cpu_ms,
                o.peak_memory_bytes as f64 / (1 << 20) as f64,
                case.message
                    .as_deref()
                    .map(|m| format!("  {}", m.lines().next().unwrap_or("")))
                    .unwrap_or_default()
            );
        }
        if verdict.skipped > 0 {
            println!("({} tests not run)", verdict.skipped);
        }
        println!("{}: {}", problem.task_id, verdict.verdict);
    }
    Ok(if verdict.accepted() {
        exit::OK
    } else {
        exit::FAILURE
    })
}

fn read_program(args: &RunArgs) -> Result<String> {
    let mut bytes = Vec::new();
    if args.program.as_os_str() == "-" {
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("reading the program from standard input")?;
    } else {
        bytes = std::fs::read(&args.program)
            .with_context(|| format!("reading `{}`", args.program.display()))?;
    }
    String::from_utf8(bytes)
        .with_context(|| format!("program `{}` is not UTF-8", args.program.display()))
}
