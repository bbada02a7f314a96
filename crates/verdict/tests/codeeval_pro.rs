//! HumanEval Pro, MBPP Pro and BigCodeBench-Lite Pro end to end, with the
//! real binary, sandbox and CodeEval-Pro files: every ground truth passes
//! (CodeEval-Pro's own self-check), the harness's line-order
//! `results.jsonl` with lists of completions is read, and the program is
//! the one CodeEval-Pro builds.

mod support;

use std::process::Command;

use serde_json::{Value, json};
use support::data_dir;

fn ready() -> bool {
    support::benchmark_ready("codeeval_pro/humaneval_pro.json")
}

fn tasks(file: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(data_dir().join("codeeval_pro").join(file)).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn ground_truth(task: &Value) -> String {
    ["raw_solution", "new_problem", "new_solution"]
        .iter()
        .map(|f| task[*f].as_str().unwrap())
        .collect()
}

/// Judges `rows` and returns the result rows.
fn judge(benchmark: &str, rows: &[Value]) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let text: String = rows.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(dir.path().join("s.jsonl"), text).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_verdict"))
        .current_dir(dir.path())
        .args(["eval", "--benchmark", benchmark, "--samples", "s.jsonl"])
        .args(["--no-progress-bar", "-k", "1"])
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

#[test]
fn every_ground_truth_passes() {
    if !ready() {
        return;
    }
    for (benchmark, file, count) in [
        ("humaneval-pro", "humaneval_pro.json", 164),
        ("mbpp-pro", "mbpp_pro.json", 378),
    ] {
        let all = tasks(file);
        assert_eq!(all.len(), count);
        let rows: Vec<Value> = all
            .iter()
            .map(|t| json!({"task_id": t["id"], "completion": ground_truth(t)}))
            .collect();
        let results = judge(benchmark, &rows);
        let failing: Vec<&Value> = results.iter().filter(|r| r["passed"] != true).collect();
        assert!(failing.is_empty(), "{benchmark}: {failing:?}");
    }
}

#[test]
fn bigcodebench_lite_pro_fails_only_where_a_library_is_missing() {
    if !ready() {
        return;
    }
    // Its programs need pandas, matplotlib, scipy, seaborn, sklearn...:
    // every ground truth passes, or fails because the sandbox's Python
    // lacks a module it imports.
    let all = tasks("bigcodebench_lite_pro.json");
    assert_eq!(all.len(), 57);
    let rows: Vec<Value> = all
        .iter()
        .map(|t| json!({"task_id": t["id"], "solution": format!("{}{}", t["raw_problem"].as_str().unwrap(), ground_truth(t))}))
        .collect();
    let results = judge("bigcodebench-lite-pro", &rows);
    let mut passed = 0;
    for row in &results {
        if row["passed"] == true {
            passed += 1;
            continue;
        }
        let stderr = row["details"]["stderr"].as_str().unwrap_or_default();
        assert!(
            stderr.contains("ModuleNotFoundError"),
            "{}: {stderr}",
            row["task_id"]
        );
    }
    assert!(passed > 0, "no BigCodeBench-Lite Pro ground truth passed");
}

#[test]
fn the_harness_line_order_file_is_read_in_order() {
    if !ready() {
        return;
    }
    let all = tasks("humaneval_pro.json");
    // CodeEval-Pro's results.jsonl: no task_id, a list of completions per line.
    let rows: Vec<Value> = all[..3]
        .iter()
        .map(|t| json!({"completion": [ground_truth(t), "    return None\n"]}))
        .collect();
    let results = judge("humaneval-pro", &rows);
    let got: Vec<(String, u64, bool)> = results
        .iter()
        .map(|r| {
            (
                r["task_id"].as_str().unwrap().to_string(),
                r["generation_index"].as_u64().unwrap(),
                r["passed"].as_bool().unwrap(),
            )
        })
        .collect();
    let expected: Vec<(String, u64, bool)> = (0..3)
        .flat_map(|i| [(i.to_string(), 0, true), (i.to_string(), 1, false)])
        .collect();
    assert_eq!(got, expected);
    // The program is raw_problem + completion + "\n" + test_code: the new
    // function calls the base one, so a base left as `pass` fails.
    let only_new = json!({"task_id": 0, "completion": format!("    pass\n{}{}", all[0]["new_problem"].as_str().unwrap(), all[0]["new_solution"].as_str().unwrap())});
    let results = judge("humaneval-pro", &[only_new]);
    assert_eq!(results[0]["passed"], false, "{}", results[0]);
}

#[test]
fn resume_keeps_what_was_judged() {
    if !ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // Per task a right and a wrong solution.
    let rows: String = tasks("mbpp_pro.json")[..12]
        .iter()
        .flat_map(|t| {
            let id = &t["id"];
            [
                json!({"task_id": id, "completion": ground_truth(t)}),
                json!({"task_id": id, "solution": "def nothing():\n    pass\n"}),
            ]
        })
        .map(|r| format!("{r}\n"))
        .collect();
    std::fs::write(dir.path().join("s.jsonl"), rows).unwrap();
    let args = [
        "eval",
        "--benchmark",
        "mbpp-pro",
        "--samples",
        "s.jsonl",
        "--json",
    ];
    let stderr = support::check_resume(dir.path(), &args, "s_results.jsonl", 9);
    assert!(
        stderr.contains("resuming: 9 of 24 samples already judged"),
        "{stderr}"
    );
}
