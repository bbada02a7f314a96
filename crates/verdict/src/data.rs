//! `verdict data`: fetching and locating the official benchmark files.

use anyhow::{Context, Result};
use verdict_eval::data::{Fetched, Fetcher, default_cache_dir, resolve};
use verdict_eval::dataset::Benchmark;

use crate::cli::DataCommand;
use crate::exit;

pub fn data(command: DataCommand) -> Result<i32> {
    match command {
        DataCommand::Fetch { name } => {
            let benchmarks: Vec<Benchmark> = if name == "all" {
                Benchmark::all()
                    .filter(|b| b.data_file().is_some())
                    .collect()
            } else {
                vec![name.parse()?]
            };
            let cache = default_cache_dir()?;
            let fetcher = Fetcher::new(&cache);
            for benchmark in benchmarks {
                match fetcher
                    .fetch(benchmark)
                    .with_context(|| format!("fetching {benchmark}"))?
                {
                    Fetched::AlreadyPresent(path) => {
                        println!("{benchmark}: already present at {}", path.display())
                    }
                    Fetched::Downloaded(path) => {
                        println!("{benchmark}: downloaded to {}", path.display())
                    }
                }
            }
            Ok(exit::OK)
        }
        DataCommand::Path { data_dir } => {
            for benchmark in Benchmark::all() {
                match resolve(benchmark, data_dir.as_deref()) {
                    Ok(path) => println!("{benchmark}: {}", path.display()),
                    Err(e) => println!("{benchmark}: {e}"),
                }
            }
            Ok(exit::OK)
        }
    }
}
