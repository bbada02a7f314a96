//! `verdict compare` on constructed pairs of results files (flips, false
//! positives, pass@k and its paired-bootstrap interval, the tasks that flip
//! most, bad files named with their line), and `verdict eval
//! --verifier-report` on a real HumanEval+ run.

mod support;

use std::path::Path;
use std::process::Output;

use serde_json::{Value, json};

fn verdict(dir: &Path, args: &[&str]) -> Output {
    support::verdict_in(dir, args)
}

fn write_rows(dir: &Path, name: &str, rows: &[Value]) {
    let text: String = rows.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(dir.join(name), text).unwrap();
}

/// A results file's rows: `(task, passed, base_status)` each.
fn rows(outcomes: &[(&str, bool, &str)]) -> Vec<Value> {
    outcomes
        .iter()
        .map(|(task, passed, base)| {
            json!({"task_id": task, "completion": "", "passed": passed,
                   "base_status": base, "status": if *passed { "passed" } else { "failed" }})
        })
        .collect()
}

#[test]
fn two_results_files_are_compared_sample_by_sample_and_task_by_task() {
    let dir = tempfile::tempdir().unwrap();
    // One run of a plus benchmark: base passes, plus rejects some of them.
    let run = rows(&[
        ("T/0", true, "pass"),
        ("T/0", false, "pass"),
        ("T/0", false, "fail"),
        ("T/1", true, "pass"),
        ("T/1", true, "pass"),
        ("T/1", true, "pass"),
        ("T/2", false, "pass"),
        ("T/2", false, "pass"),
        ("T/2", false, "pass"),
    ]);
    write_rows(dir.path(), "run.jsonl", &run);
    let output = verdict(
        dir.path(),
        &[
            "compare",
            "run.jsonl",
            "run.jsonl",
            "--a-base",
            "-k",
            "1,3,5",
            "--json",
        ],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["tasks"], json!(3));
    assert_eq!(report["paired"], json!(9));
    assert_eq!(report["pass_a_fail_b"], json!(4));
    assert_eq!(report["fail_a_pass_b"], json!(0));
    assert_eq!(report["accepted_by_a"], json!(8));
    assert_eq!(report["false_positive_rate_a"], json!(0.5));
    // pass@1: base (2/3 + 1 + 1) / 3, plus (1/3 + 1 + 0) / 3.
    let p1 = &report["pass_at_k"][0];
    let (a, b) = (p1["a"].as_f64().unwrap(), p1["b"].as_f64().unwrap());
    assert!(
        (a - 8.0 / 9.0).abs() < 1e-12 && (b - 4.0 / 9.0).abs() < 1e-12,
        "{p1}"
    );
    let ci = p1["ci95"].as_array().unwrap();
    assert!(ci[0].as_f64().unwrap() <= a - b && a - b <= ci[1].as_f64().unwrap());
    assert!(
        ci[0].as_f64().unwrap() >= 0.0,
        "base accepts all that plus does: {p1}"
    );
    assert_eq!(report["skipped_k"], json!([5]));
    assert_eq!(report["task_flips"][0]["task_id"], json!("T/2"));
    assert_eq!(report["task_flips"][0]["pass_a_fail_b"], json!(3));

    // Two runs of different samples counts: the extra ones are not paired.
    write_rows(
        dir.path(),
        "other.jsonl",
        &rows(&[("T/0", true, "pass"), ("T/9", true, "pass")]),
    );
    let output = verdict(
        dir.path(),
        &["compare", "run.jsonl", "other.jsonl", "-k", "1"],
    );
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("tasks compared: 1 (only in A: 2, only in B: 1)"),
        "{text}"
    );
    assert!(text.contains("different sample counts"), "{text}");

    // Bad input: named with its file and line; no task in common; no base
    // tests to read.
    std::fs::write(
        dir.path().join("bad.jsonl"),
        "{\"task_id\": \"T/0\", \"passed\": true}\nnot json\n",
    )
    .unwrap();
    let output = verdict(dir.path(), &["compare", "run.jsonl", "bad.jsonl"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bad.jsonl") && stderr.contains("line 2"),
        "{stderr}"
    );
    write_rows(dir.path(), "apart.jsonl", &rows(&[("U/0", true, "pass")]));
    let output = verdict(dir.path(), &["compare", "run.jsonl", "apart.jsonl"]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("no task in common"));
    std::fs::write(
        dir.path().join("plain.jsonl"),
        "{\"task_id\": \"T/0\", \"passed\": true}\n",
    )
    .unwrap();
    let output = verdict(
        dir.path(),
        &["compare", "plain.jsonl", "run.jsonl", "--a-base"],
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("base_status"));
}

#[test]
fn a_plus_run_prints_its_verifier_report() {
    if !support::benchmark_ready("humanevalplus/HumanEvalPlus.jsonl.gz") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // HumanEval/0's canonical solution, and an answer that gives up on
    // lists longer than 6: the base inputs' lists are short enough, the
    // plus inputs catch it.
    let samples = [
        json!({"task_id": "HumanEval/0", "completion": "    for i, a in enumerate(numbers):\n        for b in numbers[i + 1:]:\n            if abs(a - b) < threshold:\n                return True\n    return False\n"}),
        json!({"task_id": "HumanEval/0", "completion": "    if len(numbers) > 6:\n        return False\n    for i, a in enumerate(numbers):\n        for b in numbers[i + 1:]:\n            if abs(a - b) < threshold:\n                return True\n    return False\n"}),
    ];
    write_rows(dir.path(), "s.jsonl", &samples);
    let output = verdict(
        dir.path(),
        &[
            "eval",
            "--benchmark",
            "humaneval-plus",
            "--samples",
            "s.jsonl",
            "--verifier-report",
            "-k",
            "1",
            "--json",
            "--no-progress-bar",
        ],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
    let report = &summary["verifier_report"];
    assert_eq!(report["paired"], json!(2), "{summary}");
    let results: Vec<Value> = std::fs::read_to_string(dir.path().join("s_results.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let base_only = results
        .iter()
        .filter(|r| r["base_status"] == json!("pass") && r["passed"] == json!(false))
        .count();
    assert_eq!(base_only, 1, "{results:?}");
    assert_eq!(report["pass_a_fail_b"], json!(1));
    assert_eq!(report["false_positive_rate_a"], json!(0.5));
    assert_eq!(report["fail_a_pass_b"], json!(0));

    // Only where there are plus tests.
    let output = verdict(
        dir.path(),
        &[
            "eval",
            "--benchmark",
            "humaneval",
            "--demo",
            "--verifier-report",
            "--no-progress-bar",
        ],
    );
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--verifier-report"));
}

#[test]
fn the_compare_endpoint_answers_what_the_command_prints() {
    let Some(host) = support::host(
        "compare_http",
        support::Need::Namespaces,
        support::Share::Shared,
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let a = rows(&[
        ("T/0", true, "pass"),
        ("T/0", false, "fail"),
        ("T/1", true, "pass"),
        ("T/1", false, "pass"),
    ]);
    let b = rows(&[
        ("T/0", false, "pass"),
        ("T/0", false, "fail"),
        ("T/1", true, "pass"),
        ("T/1", true, "pass"),
    ]);
    write_rows(dir.path(), "a.jsonl", &a);
    write_rows(dir.path(), "b.jsonl", &b);
    let printed = verdict(
        dir.path(),
        &["compare", "a.jsonl", "b.jsonl", "-k", "1,2", "--json"],
    );
    assert!(
        printed.status.success(),
        "{}",
        String::from_utf8_lossy(&printed.stderr)
    );
    let mut printed: Value = serde_json::from_slice(&printed.stdout).unwrap();
    let server = support::server::Server::start(&host, &[]);
    let (status, mut answer) = server.post("/v1/compare", json!({"a": a, "b": b, "k": [1, 2]}));
    assert_eq!(status, 200, "{answer}");
    // The sides are named by their files there, by their fields here.
    for report in [&mut printed, &mut answer] {
        report.as_object_mut().unwrap().remove("a");
        report.as_object_mut().unwrap().remove("b");
    }
    assert_eq!(answer, printed);
    for (body, field) in [
        (json!({"a": a, "b": []}), "b"),
        (json!({"a": [a[0], {"task_id": "T/0"}], "b": b}), "a[1]"),
        (json!({"a": a, "b": b, "k": [0]}), "k"),
        (json!({"a": a, "b": b, "resamples": 0}), "resamples"),
        (json!({"a": a, "b": rows(&[("U/0", true, "pass")])}), "b"),
        (
            json!({"a": a, "b": b, "b_base": true, "a_base": "yes"}),
            "a_base",
        ),
    ] {
        let (status, answer) = server.post("/v1/compare", body);
        assert_eq!(status, 400, "{answer}");
        assert_eq!(answer["error"]["field"], field, "{answer}");
    }
}
