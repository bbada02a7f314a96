//! BigCodeBench-Hard end to end, with the real binary, sandbox, data file
//! and the `bigcodebench-small` environment (numpy, pandas, matplotlib at
//! BigCodeBench's pins; `.ci/run` builds it): the ground truths of the
//! tasks that need no other library, wrong and hostile samples judged as
//! BigCodeBench's `untrusted_check` judges them, and a job's view of the
//! preloaded libraries as a fresh interpreter's.

mod support;

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::{Value, json};
use support::data_dir;

const ENV: &str = "bigcodebench-small";

fn ready() -> bool {
    support::benchmark_ready("bigcodebench/bigcodebench_hard.json")
        && support::environment_ready(ENV)
}

fn tasks() -> BTreeMap<String, Value> {
    let text =
        std::fs::read_to_string(data_dir().join("bigcodebench/bigcodebench_hard.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Judges `rows` and returns the result rows and the summary's JSON.
fn judge(rows: &[Value], extra: &[&str]) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let text: String = rows.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(dir.path().join("s.jsonl"), text).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_verdict"))
        .current_dir(dir.path())
        .args(["eval", "--benchmark", "bigcodebench-hard", "--env", ENV])
        .args(["--samples", "s.jsonl", "--no-progress-bar", "-k", "1"])
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
    std::fs::read_to_string(dir.path().join("s_results.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn official(row: &Value) -> &str {
    row["details"]["bigcodebench_status"].as_str().unwrap_or("")
}

/// The Hard tasks whose ground truth, tests and code prompt import only
/// the standard library, numpy, pandas and matplotlib (found with Python's
/// `ast`), less 360 and 409, which read Excel files through pandas and so
/// need openpyxl. 147 and 1040 need IP sockets (1040 serves on
/// localhost:12345 for ~60 s); 13 and 1039 mock their network.
const SMALL_ENV_TASKS: &[u32] = &[
    13, 15, 19, 100, 120, 123, 124, 139, 147, 161, 162, 208, 273, 274, 308, 310, 324, 326, 346,
    367, 368, 399, 454, 458, 477, 486, 492, 503, 509, 511, 513, 526, 528, 553, 560, 567, 579, 592,
    593, 594, 636, 637, 678, 720, 760, 763, 765, 771, 777, 785, 800, 854, 857, 870, 897, 906, 928,
    942, 952, 955, 963, 971, 985, 988, 990, 998, 999, 1004, 1022, 1039, 1040, 1042, 1057, 1085,
];

#[test]
fn ground_truths_pass_and_wrong_samples_fail_as_bigcodebench_decides() {
    if !ready() {
        return;
    }
    let tasks = tasks();
    let mut rows = Vec::new();
    for number in SMALL_ENV_TASKS {
        let id = format!("BigCodeBench/{number}");
        let task = &tasks[&id];
        let solution = format!(
            "{}{}",
            task["complete_prompt"].as_str().unwrap(),
            task["canonical_solution"].as_str().unwrap()
        );
        rows.push(json!({"task_id": id, "solution": solution, "expect": "pass"}));
    }
    // A body that returns None: every test fails on it.
    rows.push(
        json!({"task_id": "BigCodeBench/100", "completion": "    return None\n", "expect": "fail"}),
    );
    // Not Python: the module does not compile, details {"ALL": ...}.
    rows.push(
        json!({"task_id": "BigCodeBench/100", "solution": "def task_func(:\n", "expect": "fail"}),
    );
    // exit is None under the guard: calling it raises in the test.
    rows.push(
        json!({"task_id": "BigCodeBench/100", "completion": "    exit(0)\n", "expect": "fail"}),
    );
    // The process ends before reporting: "timeout", as there.
    rows.push(json!({"task_id": "BigCodeBench/100", "completion": "    import os\n    os._exit(0)\n", "expect": "timeout"}));
    let results = judge(&rows, &[]);
    for (row, sample) in results.iter().zip(&rows) {
        assert_eq!(official(row), sample["expect"], "{row}");
        assert_eq!(row["passed"], sample["expect"] == "pass", "{row}");
    }
    let syntax = &results[SMALL_ENV_TASKS.len() + 1];
    assert!(syntax["details"]["tests"]["ALL"].is_string(), "{syntax}");
    let wrong = &results[SMALL_ENV_TASKS.len()];
    assert!(
        wrong["details"]["tests"]
            .as_object()
            .unwrap()
            .keys()
            .all(|k| k.starts_with("test")),
        "{wrong}"
    );
    // A loop in the first test only: the suite's timer raises inside it,
    // that test errs, the others fail, and the sample fails (not
    // "timeout"). A loop in every test: the timer fires once, as the
    // official one-shot alarm does, the next test loops until the job's
    // limit kills it, and the sample is "timeout", as there.
    let once = "    global _looped\n    if not globals().get('_looped'):\n        _looped = True\n        while True:\n            pass\n    return None\n";
    let always = "    while True:\n        pass\n";
    let rows = [
        json!({"task_id": "BigCodeBench/100", "completion": once}),
        json!({"task_id": "BigCodeBench/100", "completion": always}),
    ];
    let results = judge(&rows, &["--time-limit", "1s"]);
    assert_eq!(official(&results[0]), "fail", "{}", results[0]);
    let traces = results[0]["details"]["tests"].to_string();
    assert!(traces.contains("Timed out!"), "{}", results[0]);
    assert_eq!(official(&results[1]), "timeout", "{}", results[1]);
    assert_eq!(results[1]["status"], "timed_out");
    // A test that sleeps past the timer is interrupted as by the official
    // wall-clock alarm: that test errs, and the sample fails.
    let sleeps_once = "    global _slept\n    if not globals().get('_slept'):\n        _slept = True\n        import time\n        time.sleep(600)\n    return None\n";
    let sleeping = json!({"task_id": "BigCodeBench/100", "completion": sleeps_once});
    let sleeping = &judge(&[sleeping], &["--time-limit", "2s"])[0];
    assert_eq!(official(sleeping), "fail", "{sleeping}");
    assert!(
        sleeping["details"]["tests"]
            .to_string()
            .contains("Timed out!"),
        "{sleeping}"
    );
}

#[test]
fn calibration_puts_the_code_prompt_first_unless_told_not_to() {
    if !ready() {
        return;
    }
    // A solution that leaves out the imports the code prompt has: calibrated
    // it passes (the prompt's imports come first), uncalibrated it fails.
    let tasks = tasks();
    let task = &tasks["BigCodeBench/120"];
    let body = task["canonical_solution"].as_str().unwrap();
    let prompt = task["complete_prompt"].as_str().unwrap();
    let def_line = prompt
        .lines()
        .find(|l| l.starts_with("def task_func"))
        .unwrap();
    let solution = format!("{def_line}\n{body}");
    let row = json!({"task_id": "BigCodeBench/120", "solution": solution});
    let calibrated = judge(std::slice::from_ref(&row), &[]);
    assert_eq!(official(&calibrated[0]), "pass", "{}", calibrated[0]);
    let program = calibrated[0]["details"]["program"].as_str().unwrap();
    assert!(program.starts_with(task["code_prompt"].as_str().unwrap()));
    let plain = judge(&[row], &["--uncalibrated"]);
    assert_eq!(official(&plain[0]), "fail", "{}", plain[0]);
}

/// What a job sees of the preloaded libraries is what a fresh interpreter
/// shows after the official guard: no open figure, matplotlib's rcParams
/// as a fresh import leaves them, random generators seeded afresh (two jobs
/// draw different numbers), the time zone UTC, a fresh working directory.
#[test]
fn a_job_sees_what_a_fresh_interpreter_sees() {
    if !ready() {
        return;
    }
    let probe = r#"
import hashlib, json, os, random, time, sys
import numpy as np
import matplotlib
import matplotlib.pyplot as plt

def task_func():
    return {
        "figures": plt.get_fignums(),
        "rc": hashlib.sha256(repr(sorted(matplotlib.rcParams.items())).encode()).hexdigest(),
        "backend": matplotlib.get_backend(),
        "np": float(np.random.random()),
        "random": random.random(),
        "tz": time.tzname[0],
        "omp": os.environ.get("OMP_NUM_THREADS"),
        "cwd_empty": os.listdir(".") == [],
        "preloaded": "pandas" in sys.modules,
    }
"#;
    let test = r#"
import unittest, json
class TestCases(unittest.TestCase):
    def test_state(self):
        self.fail("STATE" + json.dumps(task_func()) + "END")
"#;
    // The probe's report travels in its failure's traceback.
    let fresh = Command::new(verdict_env_python())
        .arg("-c")
        .arg(format!(
            "{probe}\nimport json\nimport os\nos.environ['TZ']='UTC'\ntime.tzset()\nprint(json.dumps(task_func()))"
        ))
        .env_remove("MPLBACKEND")
        .env("HOME", "/nonexistent")
        .current_dir(tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    assert!(
        fresh.status.success(),
        "{}",
        String::from_utf8_lossy(&fresh.stderr)
    );
    let fresh: Value = serde_json::from_slice(&fresh.stdout).unwrap();
    // The probe runs as the solution of a one-task problems file whose
    // test is `test`.
    let dir = tempfile::tempdir().unwrap();
    let problem = json!({
        "task_id": "Probe/0", "complete_prompt": "", "instruct_prompt": "",
        "canonical_solution": "", "code_prompt": "import numpy as np\nimport pandas as pd\nimport matplotlib.pyplot as plt\ndef task_func():",
        "test": test, "entry_point": "task_func",
    });
    std::fs::write(dir.path().join("p.jsonl"), format!("{problem}\n")).unwrap();
    let samples: String = (0..2)
        .map(|n| {
            format!(
                "{}\n",
                json!({"task_id": "Probe/0", "solution": format!("{probe}\n# {n}\n")})
            )
        })
        .collect();
    std::fs::write(dir.path().join("s.jsonl"), samples).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_verdict"))
        .current_dir(dir.path())
        .args(["eval", "--benchmark", "bigcodebench-hard", "--env", ENV])
        .args([
            "--problems",
            "p.jsonl",
            "--samples",
            "s.jsonl",
            "--no-progress-bar",
        ])
        .args(["-k", "1", "--jobs", "1"])
        .env("XDG_CACHE_HOME", dir.path().join("cache"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(dir.path().join("s_results.jsonl")).unwrap();
    let states: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|row| {
            let trace = row["details"]["tests"]["test_state"]
                .as_str()
                .unwrap_or("")
                .to_string();
            let start = trace.find("STATE").expect("the probe's state") + 5;
            let end = trace.rfind("END").unwrap();
            serde_json::from_str(&trace[start..end]).unwrap()
        })
        .collect();
    for state in &states {
        assert_eq!(state["figures"], json!([]), "{state}");
        assert_eq!(
            state["rc"], fresh["rc"],
            "rcParams differ from a fresh import"
        );
        assert_eq!(state["backend"], fresh["backend"]);
        assert_eq!(state["tz"], "UTC");
        assert_eq!(state["omp"], "1");
        assert_eq!(state["cwd_empty"], true);
        assert_eq!(state["preloaded"], true, "pandas is preloaded in the slot");
    }
    assert_ne!(
        states[0]["np"], states[1]["np"],
        "numpy's generator is reseeded per job"
    );
    assert_ne!(
        states[0]["random"], states[1]["random"],
        "random is reseeded per job"
    );
}

/// The environment's interpreter, for the fresh-interpreter side of the
/// comparison.
fn verdict_env_python() -> String {
    format!("{}/bin/python3", support::environment_dir(ENV).unwrap())
}

#[test]
fn a_missing_environment_is_refused_with_the_command_that_builds_it() {
    if !support::benchmark_ready("bigcodebench/bigcodebench_hard.json") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("s.jsonl"),
        "{\"task_id\": \"BigCodeBench/13\", \"solution\": \"\"}\n",
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_verdict"))
        .current_dir(dir.path())
        .args([
            "eval",
            "--benchmark",
            "bigcodebench-hard",
            "--samples",
            "s.jsonl",
        ])
        .env("VERDICT_DATA_DIR", data_dir())
        .env("VERDICT_ENV_DIR", dir.path().join("no-envs"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("verdict env build bigcodebench"),
        "{stderr}"
    );
    assert!(!dir.path().join("s_results.jsonl").exists());
}

/// `--format bigcodebench` writes BigCodeBench's two files, with the
/// ground truth, which runs beside the samples (a reference that needs a
/// library the environment lacks fails it).
#[test]
fn the_official_files_carry_statuses_pass_at_k_and_the_ground_truth() {
    if !ready() {
        return;
    }
    let tasks = tasks();
    let dir = tempfile::tempdir().unwrap();
    // Two tasks the small environment runs, and 360, which needs openpyxl.
    let ids = ["BigCodeBench/120", "BigCodeBench/15", "BigCodeBench/360"];
    let problems: String = ids.iter().map(|id| format!("{}\n", tasks[*id])).collect();
    std::fs::write(dir.path().join("p.jsonl"), problems).unwrap();
    let mut rows = Vec::new();
    for id in ids {
        let task = &tasks[id];
        let right = format!(
            "{}{}",
            task["complete_prompt"].as_str().unwrap(),
            task["canonical_solution"].as_str().unwrap()
        );
        rows.push(json!({"task_id": id, "solution": right}));
        rows.push(json!({"task_id": id, "completion": "    return None\n"}));
    }
    let samples: String = rows.iter().map(|r| format!("{r}\n")).collect();
    let name = "org--model--main--bigcodebench-hard-instruct--vllm-0-1-sanitized_calibrated.jsonl";
    std::fs::write(dir.path().join(name), samples).unwrap();
    let run = |k: &str| {
        let output = Command::new(env!("CARGO_BIN_EXE_verdict"))
            .current_dir(dir.path())
            .args(["eval", "--benchmark", "bigcodebench-hard", "--env", ENV])
            .args([
                "--problems",
                "p.jsonl",
                "--samples",
                name,
                "--no-progress-bar",
            ])
            .args(["--format", "bigcodebench", "-k", k])
            .env("XDG_CACHE_HOME", dir.path().join("cache"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(output.status.success(), "{stderr}");
        stderr
    };
    let stderr = run("1,2,5");
    assert!(stderr.contains("ground-truth pass rate: 0.667"), "{stderr}");
    let stem = name.trim_end_matches(".jsonl");
    let read = |suffix: &str| -> Value {
        let text = std::fs::read_to_string(dir.path().join(format!("{stem}{suffix}"))).unwrap();
        serde_json::from_str(&text).unwrap()
    };
    let results = read("_eval_results.json");
    let eval = results["eval"].as_object().unwrap();
    assert_eq!(
        eval.keys().collect::<Vec<_>>(),
        ids.iter().collect::<Vec<_>>()
    );
    let statuses: Vec<&str> = eval["BigCodeBench/120"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["pass", "fail"]);
    let first = &eval["BigCodeBench/120"][0];
    assert!(first["solution"].as_str().unwrap().contains("\n    pass\n"));
    assert_eq!(first["details"], json!({}));
    let pass = read("_pass_at_k.json");
    // 120 and 15: one of two passes; 360: none (pandas needs openpyxl).
    assert_eq!(pass["pass@1"], json!(1.0 / 3.0));
    assert_eq!(pass["pass@2"], json!(2.0 / 3.0));
    assert!(
        pass.get("pass@5").is_none(),
        "fewer than 5 samples a task: {pass}"
    );
    assert_eq!(pass["model"], "org--model--main");
    assert_eq!(pass["split"], "instruct");
    assert_eq!(pass["subset"], "hard");
    assert_eq!(pass["calibrated"], true);
    assert_eq!(pass["failed_tasks"], json!(["BigCodeBench/360"]));

    // Again: the ground truth comes from the cache, and the results file
    // verdict wrote may be replaced.
    let stderr = run("1");
    assert!(
        stderr.contains("3 reference solutions (3 from the cache)"),
        "{stderr}"
    );
}
