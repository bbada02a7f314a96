//! A stand-alone init helper, for programs and tests that use this crate
//! without the `verdict` binary.

fn main() {
    verdict_sandbox::run_init_if_requested();
    eprintln!("verdict-sandbox-init: run by the sandbox, not by hand");
    std::process::exit(2);
}
