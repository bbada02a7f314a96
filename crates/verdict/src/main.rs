//! The `verdict` command: parse arguments, call one library function, map the
//! error to an exit code.

#![forbid(unsafe_code)]

mod benchmarks;
mod bigcodebench;
mod cli;
mod compare;
mod data;
mod doctor;
mod env;
mod eval;
mod generate;
mod languages;
mod rank;
mod refute;
mod report;
mod run;
mod serve;
mod tests;
mod units;

use clap::Parser;

/// Exit codes of the `verdict` command itself (a program run by `verdict
/// run` without `--json` passes its own exit status through instead).
pub mod exit {
    /// Everything worked.
    pub const OK: i32 = 0;
    /// verdict itself failed (bad input, the sandbox could not be built).
    pub const FAILURE: i32 = 1;
    /// The command line was wrong.
    pub const USAGE: i32 = 2;
    /// `verdict doctor`: namespace isolation is not available here.
    pub const UNSUPPORTED: i32 = 3;
    /// `verdict eval`: stopped by Ctrl-C after writing what had finished.
    pub const INTERRUPTED: i32 = 130;
    /// `verdict run`: the program hit a limit (time, memory, output).
    pub const LIMIT: i32 = 124;
    /// `verdict run`: the sandbox failed while running the program.
    pub const SANDBOX: i32 = 125;
}

fn main() {
    // A slot's init helper is this same binary started with a marker
    // argument; it never returns from here.
    verdict_sandbox::run_init_if_requested();
    let cli = cli::Cli::parse();
    let result = match cli.command {
        cli::Command::Run(args) => run::run(args),
        cli::Command::Eval(args) => eval::eval(*args),
        cli::Command::Benchmarks(args) => benchmarks::benchmarks(args),
        cli::Command::Data(command) => data::data(command),
        cli::Command::Env(command) => env::env(command),
        cli::Command::Doctor(args) => doctor::doctor(args),
        cli::Command::Languages(args) => languages::languages(args),
        cli::Command::Serve(args) => serve::serve(args),
        cli::Command::Compare(args) => compare::compare(args),
        cli::Command::Rank(args) => rank::rank(*args),
        cli::Command::Tests(args) => tests::tests(*args),
        cli::Command::Refute(args) => refute::refute(*args),
        cli::Command::Generate(args) => generate::generate(*args),
        cli::Command::Report(args) => report::report(*args),
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(err) => {
            eprintln!("verdict: {err:#}");
            std::process::exit(exit::FAILURE);
        }
    }
}
