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
    /// Print what isolation this host supports, and why.
    Doctor(DoctorArgs),
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
    /// Language of the program: python (py).
    #[arg(long, default_value = "python")]
    pub lang: String,
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
    #[command(flatten)]
    pub sandbox: SandboxArgs,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Print the checks as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub sandbox: SandboxArgs,
}
