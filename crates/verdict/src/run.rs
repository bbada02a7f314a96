//! `verdict run`: one program in a sandbox.

use std::io::{Read, Write};

use anyhow::{Context, Result, bail};
use verdict_exec::{Isolation, Language, Limits, Pool, PoolConfig, Status, compile_limits};

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

pub fn run(args: RunArgs) -> Result<i32> {
    let Some(language) = Language::from_name(&args.lang) else {
        bail!(
            "unknown language `{}` (known: {})",
            args.lang,
            Language::known_names()
        );
    };
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
