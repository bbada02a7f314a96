//! The Python client (`clients/python`) and its reward functions, run by
//! the system's Python against real `verdict serve`s on loopback: one with
//! a bearer token, and one with a queue of one place for the retries of a
//! full queue. The test cases are `clients/python/tests/test_client.py`.

mod support;

use std::path::Path;
use std::process::Command;

use support::server::Server;
use support::{Need, PYTHON, Share, host};

#[test]
fn the_python_client_passes_its_tests_against_a_real_server() {
    let Some(host) = host("python_client", Need::Namespaces, Share::Shared) else {
        return;
    };
    if !support::benchmark_ready("humaneval/HumanEval.jsonl.gz") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "s3cret-token\n").unwrap();
    let token = token_file.to_str().unwrap();
    let server = Server::start(&host, &["--token-file", token]);
    let busy = Server::start(&host, &["--token-file", token, "--queue", "1"]);
    let client = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../clients/python");
    let output = Command::new(PYTHON)
        .args(["-m", "unittest", "discover", "-v", "-s"])
        .arg(client.join("tests"))
        .env("PYTHONPATH", &client)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("VERDICT_TEST_URL", &server.base)
        .env("VERDICT_TEST_BUSY_URL", &busy.base)
        .env("VERDICT_TEST_TOKEN", "s3cret-token")
        .output()
        .expect("running the Python client's tests");
    let report = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{report}");
    assert!(report.contains("Ran 12 tests"), "{report}");
    assert!(
        !report.contains("skipped=") && !report.contains("... skipped"),
        "every test ran: {report}"
    );
}
