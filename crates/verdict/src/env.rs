//! `verdict env`: build and list benchmark environments, and the slot
//! environment of a benchmark's pool (its libraries preloaded).

use anyhow::{Result, bail};
use verdict_eval::benchmarks::Benchmark;
use verdict_eval::dataset::Task;
use verdict_eval::envs::{self, EnvSpec};
use verdict_eval::unittest_tasks::imported_modules;
use verdict_exec::SlotEnvironment;

use crate::cli::EnvCommand;
use crate::exit;

pub fn env(command: EnvCommand) -> Result<i32> {
    match command {
        EnvCommand::Build { name, nltk_data } => {
            let spec = envs::find(&name).ok_or_else(|| envs::EnvError::Unknown(name.clone()))?;
            let built = envs::build(spec, nltk_data.as_deref(), &|step| {
                eprintln!("{}: {step}", spec.name)
            })?;
            if let Some(note) = &built.nltk_data {
                eprintln!("{}: NLTK data {note}", spec.name);
            }
            eprintln!(
                "{}: built at {} ({} packages; `verdict env list` shows it)",
                spec.name,
                built.dir.display(),
                built.freeze.len()
            );
            if !envs::reachable_by_others(&built.dir) {
                eprintln!(
                    "warning: {}",
                    envs::EnvError::Unreachable(built.dir.clone())
                );
            }
            Ok(exit::OK)
        }
        EnvCommand::List { all } => {
            let built = envs::list();
            println!(
                "{:<20} {:<8} {:<10} {:<26} path",
                "name", "python", "packages", "built"
            );
            for env in &built {
                println!(
                    "{:<20} {:<8} {:<10} {:<26} {}",
                    env.name,
                    env.python,
                    env.freeze.len(),
                    env.built.get(..19).unwrap_or(&env.built),
                    env.dir.display()
                );
            }
            if all {
                for spec in envs::ENVS {
                    let dir = spec.dir()?;
                    if !built.iter().any(|b| b.dir == dir) {
                        println!(
                            "{:<20} {:<8} {:<10} {:<26} {} (build: verdict env build {})",
                            spec.name,
                            "-",
                            spec.pins().len(),
                            "not built",
                            dir.display(),
                            spec.name
                        );
                    }
                }
            }
            if built.is_empty() && !all {
                eprintln!(
                    "no environment is built under {} (`verdict env list --all` lists the known ones)",
                    envs::root().display()
                );
            }
            Ok(exit::OK)
        }
    }
}

/// The environment a benchmark's slots run in: `--env NAME`, else the
/// benchmark's own; `None` for a benchmark that needs none.
pub fn environment_of(
    benchmark: Benchmark,
    name: Option<&str>,
) -> Result<Option<&'static EnvSpec>> {
    if let Some(name) = name {
        let spec = envs::find(name).ok_or_else(|| envs::EnvError::Unknown(name.to_string()))?;
        return Ok(Some(spec));
    }
    Ok(benchmark.unittest().and_then(|rules| rules.environment))
}

/// The slot environment of `spec` for `tasks`: the built environment
/// (refused at once, with the command that builds it, when it is missing),
/// the modules the tasks import, preloaded, and the official
/// harness's environment variables.
pub fn slot_environment(spec: &EnvSpec, tasks: &[Task]) -> Result<SlotEnvironment> {
    let built = envs::built(spec)?;
    if !envs::reachable_by_others(&built.dir) {
        bail!(envs::EnvError::Unreachable(built.dir.clone()));
    }
    let mut modules: Vec<String> = Vec::new();
    for task in tasks {
        let prompt = task
            .unittest
            .as_ref()
            .map(|u| u.code_prompt.as_str())
            .unwrap_or("");
        for source in [prompt, task.test.as_str(), task.canonical_solution.as_str()] {
            for module in imported_modules(source) {
                if !modules.contains(&module) {
                    modules.push(module);
                }
            }
        }
    }
    // A module the environment lacks fails to preload quietly, and fails
    // in the jobs that import it, as it would in a fresh process.
    let mut preload: Vec<String> = modules
        .into_iter()
        .filter(|m| !HEAVY_UNSHARED.contains(&m.as_str()))
        .collect();
    // pyplot, not only matplotlib: the guard closes its figures, and its
    // import picks the backend.
    if preload.iter().any(|m| m == "matplotlib") {
        preload.push("matplotlib.pyplot".into());
    }
    Ok(SlotEnvironment {
        dir: built.dir,
        preload,
        env: spec
            .env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        // Tasks start local servers (BigCodeBench/1040 on localhost:12345)
        // and expect connections elsewhere to fail as offline, not to be
        // refused a socket.
        loopback: true,
    })
}

/// Libraries few tasks import whose import would make every job's fork
/// much dearer (TensorFlow and Keras hold ~1 GiB of mappings): the tasks
/// that use them import them themselves, as under the official harness.
const HEAVY_UNSHARED: &[&str] = &["tensorflow", "keras", "torch"];
