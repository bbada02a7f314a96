//! ClassEval end to end, with the real binary, sandbox, data file and the
//! `classeval` environment (`.ci/run` builds it): every canonical solution
//! and each test class's official outcome, raw responses through the
//! official extraction, hostile samples that cannot touch the next, the
//! official model-output format, and the class- and method-level scores.

mod support;

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::{Value, json};
use support::data_dir;

const ENV: &str = "classeval";

fn ready() -> bool {
    support::benchmark_ready("classeval/ClassEval_data.json") && support::environment_ready(ENV)
}

fn tasks() -> Vec<Value> {
    let text = std::fs::read_to_string(data_dir().join("classeval/ClassEval_data.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Judges the samples file `name` holding `text`; returns the result rows
/// and the summary's JSON.
fn judge_file(name: &str, text: &str, extra: &[&str]) -> (Vec<Value>, Value) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), text).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_verdict"))
        .current_dir(dir.path())
        .args(["eval", "--benchmark", "classeval", "--samples", name])
        .args(["--out", "r.jsonl", "--no-progress-bar", "--json", "-k", "1"])
        .args(extra)
        .env("VERDICT_DATA_DIR", data_dir())
        .env("XDG_CACHE_HOME", dir.path().join("cache"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows = std::fs::read_to_string(dir.path().join("r.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (rows, serde_json::from_slice(&output.stdout).unwrap())
}

fn judge(rows: &[Value], extra: &[&str]) -> (Vec<Value>, Value) {
    let text: String = rows.iter().map(|r| format!("{r}\n")).collect();
    judge_file("s.jsonl", &text, extra)
}

fn outcomes(row: &Value) -> BTreeMap<String, String> {
    row["details"]["test_classes"]
        .as_object()
        .unwrap_or_else(|| panic!("{row}"))
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect()
}

/// The test classes whose canonical outcome is not `success`, and why:
/// data defects (69 lists a helper class with no tests; 97 a class name
/// with a leading space that does not exist), a date now past (17) and the
/// authors' host name (48). 50 expects writing a read-only file to fail,
/// which it does here (the sandbox's user is not root) as on the authors'
/// machine. Not asserted: 35 (its searches need ~7 s of CPU against the
/// 5 s limit on these machines), 52 (needs NLTK data) and 58 (unseeded
/// random mines collide about one run in nine).
const NOT_SUCCESS: &[(&str, &str, &str)] = &[
    ("ClassEval_69", "TestPDFHandler", "error"),
    ("ClassEval_97", " Words2NumbersTestMain", "error"),
    (
        "ClassEval_17",
        "CalendarTestGetUpcomingEvents",
        "partial_success",
    ),
    ("ClassEval_48", "IpUtilTestGetHostname", "partial_success"),
];
const UNSTABLE: &[&str] = &["ClassEval_35", "ClassEval_52", "ClassEval_58"];

#[test]
fn canonical_solutions_get_the_official_outcomes_and_scores() {
    if !ready() {
        return;
    }
    let tasks = tasks();
    let rows: Vec<Value> = tasks
        .iter()
        .map(|t| json!({"task_id": t["task_id"], "solution": t["solution_code"]}))
        .collect();
    let (results, summary) = judge(&rows, &[]);
    let (mut classes, mut successes, mut class_successes) = (0, 0, 0);
    for (row, task) in results.iter().zip(&tasks) {
        let id = task["task_id"].as_str().unwrap();
        let got = outcomes(row);
        let listed: Vec<&str> = task["test_classes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        assert_eq!(got.len(), listed.len(), "{id}");
        classes += got.len();
        successes += got.values().filter(|o| *o == "success").count();
        class_successes += usize::from(row["passed"] == true);
        if UNSTABLE.contains(&id) {
            continue;
        }
        for (name, outcome) in &got {
            let expected = NOT_SUCCESS
                .iter()
                .find(|(t, c, _)| *t == id && c == name)
                .map_or("success", |(_, _, o)| *o);
            assert_eq!(outcome, expected, "{id} {name}: {}", row["details"]);
        }
    }
    assert_eq!(classes, 502);
    let scores = &summary["benchmarks"][0]["classeval"]["pass@1"];
    assert_eq!(scores["fun_success"], json!(successes as f64 / 502.0));
    assert_eq!(
        scores["class_success"],
        json!(class_successes as f64 / 100.0)
    );
    assert_eq!(
        summary["benchmarks"][0]["pass_at_k"]["pass@1"],
        scores["class_success"]
    );
}

#[test]
fn raw_responses_go_through_the_official_extraction() {
    if !ready() {
        return;
    }
    let tasks = tasks();
    let task = &tasks[0];
    let code = task["solution_code"].as_str().unwrap();
    let fenced = format!("Here is the class:\n```python\n{code}\n```\nDone.");
    let unclosed = format!("```python\n{code}");
    let tagged = format!("```py\n{code}\n```");
    let rows: Vec<Value> = [fenced, unclosed, tagged]
        .iter()
        .map(|text| json!({"task_id": "ClassEval_0", "completion": text}))
        .collect();
    let (results, _) = judge(&rows, &["--classeval-extract"]);
    // The fenced class passes; an unclosed fence gives no code and a bare
    // fence keeps its `py` tag (a NameError): every class errs.
    assert_eq!(results[0]["passed"], true, "{}", results[0]);
    for row in &results[1..] {
        assert!(outcomes(row).values().all(|o| o == "error"), "{row}");
    }
    // Without the flag, the response is the code: it does not compile.
    let (plain, _) = judge(&rows[..1], &[]);
    assert!(outcomes(&plain[0]).values().all(|o| o == "error"));
}

#[test]
fn the_official_model_output_file_is_read() {
    if !ready() {
        return;
    }
    let tasks = tasks();
    let file = json!([
        {"task_id": "ClassEval_1", "predict": [tasks[1]["solution_code"], "class Nothing:\n    pass\n"]},
        {"task_id": "ClassEval_2", "predict": [tasks[2]["solution_code"]]},
    ]);
    let (results, _) = judge_file("model.json", &file.to_string(), &["--classeval-extract"]);
    let passed: Vec<(&str, bool)> = results
        .iter()
        .map(|r| (r["task_id"].as_str().unwrap(), r["passed"] == true))
        .collect();
    assert_eq!(
        passed,
        [
            ("ClassEval_1", true),
            ("ClassEval_1", false),
            ("ClassEval_2", true)
        ]
    );
}

/// What the official pipeline lets a sample do to the others (end the
/// whole run, delete the next samples' modules, stub unittest's asserts
/// for everything after it) stays inside its own job here; a loop in one
/// method costs one test class.
#[test]
fn a_hostile_sample_spoils_only_itself() {
    if !ready() {
        return;
    }
    let tasks = tasks();
    let code = tasks[0]["solution_code"].as_str().unwrap().to_string();
    let right = json!({"task_id": "ClassEval_0", "solution": code});
    let exits = format!("import os\nos._exit(0)\n{code}");
    let deletes = format!(
        "import os, shutil\nfor name in os.listdir('.'):\n    shutil.rmtree(name, ignore_errors=True)\n{code}"
    );
    let stubs = format!(
        "import unittest\nfor _name in dir(unittest.TestCase):\n    if _name.startswith('assert'):\n        setattr(unittest.TestCase, _name, lambda *a, **k: None)\n{code}"
    );
    // Every method returns None: its tests fail, unless the asserts are
    // stubbed, as the sample before it does (in the official pipeline's
    // one process, for every later sample).
    let wrong = "class AccessGatewayFilter:\n    def __init__(self):\n        pass\n    def __getattr__(self, name):\n        return lambda *a, **k: None\n";
    let loops = code.replacen(
        "def filter(self, request):",
        "def filter(self, request):\n        while True:\n            pass",
        1,
    );
    let rows = vec![
        json!({"task_id": "ClassEval_0", "solution": exits}),
        right.clone(),
        json!({"task_id": "ClassEval_0", "solution": deletes}),
        right.clone(),
        json!({"task_id": "ClassEval_0", "solution": stubs}),
        json!({"task_id": "ClassEval_0", "solution": wrong}),
        json!({"task_id": "ClassEval_0", "solution": loops}),
    ];
    let (results, _) = judge(&rows, &["--time-limit", "1s"]);
    assert!(
        outcomes(&results[0]).values().all(|o| o == "error"),
        "{}",
        results[0]
    );
    for index in [1, 3, 4] {
        assert_eq!(results[index]["passed"], true, "{}", results[index]);
    }
    assert_eq!(results[5]["passed"], false, "{}", results[5]);
    assert!(
        outcomes(&results[5]).values().all(|o| o != "success"),
        "{}",
        results[5]
    );
    let looping = outcomes(&results[6]);
    assert_eq!(
        looping["AccessGatewayFilterTestFilter"], "error",
        "{}",
        results[6]
    );
    assert_eq!(
        looping["AccessGatewayFilterTestIsStartWith"], "success",
        "{}",
        results[6]
    );
}

#[test]
fn an_interrupted_run_resumes() {
    if !ready() {
        return;
    }
    let tasks = tasks();
    let dir = tempfile::tempdir().unwrap();
    let text: String = tasks[..6]
        .iter()
        .map(|t| {
            format!(
                "{}\n",
                json!({"task_id": t["task_id"], "solution": t["solution_code"]})
            )
        })
        .collect();
    std::fs::write(dir.path().join("s.jsonl"), text).unwrap();
    let args = [
        "eval",
        "--benchmark",
        "classeval",
        "--samples",
        "s.jsonl",
        "--no-progress-bar",
        "-k",
        "1",
    ];
    let stderr = support::check_resume(dir.path(), &args, "s_results.jsonl", 2);
    assert!(stderr.contains("4 samples"), "{stderr}");
}

/// A test that sleeps past the class's limit errs that class only, as
/// under the official wall-clock limit; the other classes still run. (A
/// CPU-time limit never fired on it, and the sample's own limit ended the
/// whole job: every class `error`.)
#[test]
fn a_sleeping_method_costs_only_the_classes_that_call_it() {
    if !ready() {
        return;
    }
    let tasks = tasks();
    let task = tasks
        .iter()
        .find(|t| t["task_id"] == "ClassEval_85")
        .unwrap();
    let code = task["solution_code"].as_str().unwrap();
    let sleeping = code.replacen(
        "def simulate_operation(self):",
        "def simulate_operation(self):\n        import time\n        time.sleep(60)",
        1,
    );
    assert_ne!(sleeping, code);
    let (results, _) = judge(
        &[json!({"task_id": "ClassEval_85", "solution": sleeping})],
        &[],
    );
    let got = outcomes(&results[0]);
    let errors: Vec<&String> = got
        .iter()
        .filter(|(_, o)| *o == "error")
        .map(|(name, _)| name)
        .collect();
    assert_eq!(
        errors,
        ["ThermostatTestMain", "ThermostatTestSimulateOperation"],
        "{}",
        results[0]
    );
    assert_eq!(
        got.values().filter(|o| *o == "success").count(),
        got.len() - 2
    );
}
