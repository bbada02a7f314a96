//! CRUXEval end to end, with the real binary, sandbox and benchmark file:
//! every sample's own answer passes in both modes, the anti-cheat skip
//! rules in both their versions, CRUXEval's pass@k (its pass@5 of 1.0 with
//! fewer than five generations) and scored-results file, and bad
//! generations files.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{Value, json};
use support::data_dir;

fn ready() -> bool {
    support::benchmark_ready("cruxeval/cruxeval.jsonl")
}

fn verdict(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_verdict"))
        .current_dir(dir)
        .args(args)
        .env("VERDICT_DATA_DIR", data_dir())
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .output()
        .unwrap()
}

fn samples() -> Vec<Value> {
    std::fs::read_to_string(data_dir().join("cruxeval/cruxeval.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Judges `generations` (CRUXEval's `{id: [g, ...]}`) and returns the
/// rows, the printed summary and the scored-results file.
fn judge(benchmark: &str, generations: &Value, extra: &[&str]) -> (Vec<Value>, String, Value) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("gen.json"), generations.to_string()).unwrap();
    let mut args = vec![
        "eval",
        "--benchmark",
        benchmark,
        "--samples",
        "gen.json",
        "--format",
        "cruxeval",
        "--no-progress-bar",
        "--json",
    ];
    args.extend_from_slice(extra);
    let output = verdict(dir.path(), &args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows = std::fs::read_to_string(dir.path().join("gen_results.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let scored =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("gen_scored.json")).unwrap())
            .unwrap();
    (
        rows,
        String::from_utf8_lossy(&output.stdout).into_owned(),
        scored,
    )
}

#[test]
fn every_samples_own_answer_passes_in_both_modes() {
    if !ready() {
        return;
    }
    let all = samples();
    assert_eq!(all.len(), 800);
    let outputs: serde_json::Map<String, Value> = all
        .iter()
        .map(|s| (s["id"].as_str().unwrap().to_string(), json!([s["output"]])))
        .collect();
    let (rows, _, scored) = judge("cruxeval-o", &Value::Object(outputs), &[]);
    let failing: Vec<&Value> = rows.iter().filter(|r| r["passed"] != true).collect();
    assert!(failing.is_empty(), "{failing:?}");
    assert_eq!(scored["pass_at_1"], 100.0);
    let inputs: serde_json::Map<String, Value> = all
        .iter()
        .map(|s| {
            let call = format!("f({})", s["input"].as_str().unwrap());
            (s["id"].as_str().unwrap().to_string(), json!([call]))
        })
        .collect();
    let (rows, _, _) = judge("cruxeval-i", &Value::Object(inputs), &[]);
    let failing: Vec<&Value> = rows.iter().filter(|r| r["passed"] != true).collect();
    assert!(failing.is_empty(), "{failing:?}");
}

#[test]
fn skipped_generations_are_scored_by_either_rule() {
    if !ready() {
        return;
    }
    let all = samples();
    let (s0, s1) = (&all[0], &all[1]);
    let output = |s: &Value| s["output"].as_str().unwrap().to_string();
    let own_call = |s: &Value| format!("f({})", s["input"].as_str().unwrap());
    // sample_0: a pass and a skipped call of f on its own input;
    // sample_1: a skipped call, a wrong answer and a raising one.
    let generations = json!({
        "sample_0": [output(s0), own_call(s0)],
        "sample_1": [own_call(s1), "None", "1 / 0"],
    });
    let (rows, stdout, scored) = judge("cruxeval-o", &generations, &[]);
    let statuses: Vec<&str> = rows.iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(
        statuses,
        ["passed", "skipped", "skipped", "failed", "failed"]
    );
    assert!(
        rows[1]["result"]
            .as_str()
            .unwrap()
            .starts_with("skipped: the generation calls f(")
    );
    // Current rule: sample_0 is [True] (its skipped one left out), sample_1
    // [False, False, False] (none passed: all of them, False).
    assert_eq!(
        scored["raw_scored_generations"],
        json!({"sample_0": [true], "sample_1": [false, false, false]})
    );
    assert_eq!(scored["pass_at_1"], 50.0);
    // n - c < 5 gives pass@5 = 1.0 for both samples, even sample_1 with no pass.
    assert_eq!(scored["pass_at_5"], 100.0);
    let summary: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        summary["benchmarks"][0]["pass_at_k"],
        json!({"pass@1": 0.5, "pass@5": 1.0})
    );

    // The rule before cruxeval 0a800bd: a skipped generation is a False.
    let (_, stdout, scored) = judge("cruxeval-o", &generations, &["--cruxeval-legacy-skip"]);
    assert_eq!(
        scored["raw_scored_generations"],
        json!({"sample_0": [true, false], "sample_1": [false, false, false]})
    );
    assert_eq!(scored["pass_at_1"], 25.0);
    let summary: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(summary["benchmarks"][0]["pass_at_k"]["pass@1"], 0.25);

    // Input mode: a generation that does not call f is skipped.
    let generations = json!({ "sample_0": [s0["input"], own_call(s0)] });
    let (rows, _, _) = judge("cruxeval-i", &generations, &[]);
    let statuses: Vec<&str> = rows.iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["skipped", "passed"]);
}

#[test]
fn bad_generations_files_are_refused_before_anything_runs() {
    if !ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (text, expected) in [
        (
            r#"{"sample_0": ["1"], "sample_0x": ["2"]}"#,
            "unknown task `sample_0x`",
        ),
        (
            r#"{"sample_0": "[1]"}"#,
            "key `sample_0`: expected a list of generations (strings)",
        ),
        (
            r#"{"sample_0": [1]}"#,
            "key `sample_0`, generation 0: expected a string",
        ),
        (r#"{"sample_0": ["1", "#, "gen.json"),
    ] {
        std::fs::write(dir.path().join("gen.json"), text).unwrap();
        let output = verdict(
            dir.path(),
            &["eval", "--benchmark", "cruxeval-o", "--samples", "gen.json"],
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{text}: {stderr}");
        assert!(
            stderr.contains(expected) && stderr.contains("gen.json"),
            "{text}: {stderr}"
        );
        assert!(!dir.path().join("gen_results.jsonl").exists(), "{text}");
    }
    // An existing scored-results file verdict did not write stays as it is.
    std::fs::write(dir.path().join("gen.json"), r#"{"sample_0": ["1"]}"#).unwrap();
    std::fs::write(dir.path().join("gen_scored.json"), "official").unwrap();
    let args = [
        "eval",
        "--benchmark",
        "cruxeval-o",
        "--samples",
        "gen.json",
        "--format",
        "cruxeval",
    ];
    let output = verdict(dir.path(), &args);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--force"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("gen_scored.json")).unwrap(),
        "official"
    );
    let output = verdict(dir.path(), &[&args[..], &["--force"]].concat());
    assert!(output.status.success());
}

#[test]
fn resume_keeps_what_was_judged() {
    if !ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let all = samples();
    let generations: serde_json::Map<String, Value> = all[..20]
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap().to_string(),
                json!([s["output"], "None"]),
            )
        })
        .collect();
    std::fs::write(
        dir.path().join("gen.json"),
        Value::Object(generations).to_string(),
    )
    .unwrap();
    let args = [
        "eval",
        "--benchmark",
        "cruxeval-o",
        "--samples",
        "gen.json",
        "--json",
    ];
    let stderr = support::check_resume(dir.path(), &args, "gen_results.jsonl", 15);
    assert!(
        stderr.contains("resuming: 15 of 40 samples already judged"),
        "{stderr}"
    );
}

#[test]
fn copies_of_a_generation_run_once_unless_asked() {
    if !ready() {
        return;
    }
    let all = samples();
    // Right half the time: one verdict for all 30 copies, unless each runs.
    let coin = format!(
        "({} if __import__('random').random() < 0.5 else None)",
        all[0]["output"].as_str().unwrap()
    );
    let generations = json!({ "sample_0": vec![coin; 30], "sample_1": ["None"] });
    let verdicts = |rows: &[Value]| -> Vec<bool> {
        rows.iter()
            .filter(|r| r["task_id"] == "sample_0")
            .map(|r| r["passed"] == true)
            .collect()
    };
    let (rows, _, scored) = judge("cruxeval-o", &generations, &[]);
    let indexes: Vec<&Value> = rows.iter().map(|r| &r["generation_index"]).collect();
    let expected: Vec<Value> = (0..30).chain(0..1).map(|i| json!(i)).collect();
    assert_eq!(indexes, expected.iter().collect::<Vec<_>>());
    let once = verdicts(&rows);
    assert!(once.iter().all(|v| *v == once[0]), "{once:?}");
    assert_eq!(scored["raw_scored_generations"]["sample_1"], json!([false]));
    let (rows, _, _) = judge("cruxeval-o", &generations, &["--judge-copies"]);
    let each = verdicts(&rows);
    assert_eq!(each.len(), 30);
    // Both outcomes, but for a chance of 2^-29.
    assert!(each.contains(&true) && each.contains(&false), "{each:?}");
}
