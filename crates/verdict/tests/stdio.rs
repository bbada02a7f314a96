//! stdin/stdout judging end to end, with the real binary, sandbox and
//! toolchains: the project's own problem set with right and wrong solutions
//! in several languages, `verdict run --tests`, foreign problem formats, and
//! expected outputs that never reach the candidate.

use std::process::Command;

use serde_json::{Value, json};

fn sandbox_available() -> bool {
    let ok = Command::new(env!("CARGO_BIN_EXE_verdict"))
        .arg("doctor")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("SKIPPED: `verdict doctor` says namespace isolation is unavailable here");
    }
    ok
}

#[test]
fn every_demo_solution_gets_its_verdict() {
    if !sandbox_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_verdict"))
        .current_dir(dir.path())
        .args([
            "eval",
            "--benchmark",
            "stdio",
            "--demo",
            "--json",
            "--no-progress-bar",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let results = dir
        .path()
        .join("verdict-demo/stdio-solutions_results.jsonl");
    let rows: Vec<Value> = std::fs::read_to_string(results)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(rows.len() >= 40, "{} rows", rows.len());
    let mut languages = std::collections::BTreeSet::new();
    for row in &rows {
        languages.insert(row["language"].as_str().unwrap().to_string());
        assert_eq!(
            row["details"]["verdict"], row["expect"],
            "{} in {}: {}",
            row["task_id"], row["language"], row["details"]
        );
        assert_eq!(row["passed"], row["expect"] == "accepted");
        // The rows' one status vocabulary; the stdin/stdout verdict beside it.
        let status = row["status"].as_str().unwrap();
        assert_eq!(
            status,
            verdict_eval::results::status_of_stdio_verdict(row["expect"].as_str().unwrap()),
            "{row}"
        );
        assert!(
            verdict_eval::results::STATUSES.contains(&status),
            "{status}"
        );
        for test in row["details"]["tests"].as_array().unwrap() {
            assert!(test["wall_ms"].is_number() && test["peak_memory_bytes"].is_number());
        }
    }
    for language in [
        "python",
        "c",
        "cpp",
        "java",
        "javascript",
        "rust",
        "go",
        "bash",
    ] {
        assert!(
            languages.contains(language),
            "no {language} solution judged"
        );
    }
}

fn run_tests(lang: &str, program: &str, problems: &str, extra: &[&str]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("program");
    std::fs::write(&source, program).unwrap();
    let tests = dir.path().join("problems.jsonl");
    std::fs::write(&tests, problems).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_verdict"))
        .args(["run", "--lang", lang, "--json", "--tests"])
        .arg(&tests)
        .args(extra)
        .arg(&source)
        .output()
        .unwrap();
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

#[test]
fn run_with_tests_gives_a_verdict_per_case() {
    if !sandbox_available() {
        return;
    }
    let problem = json!({
        "task_id": "double",
        "tests": [
            {"input": "1\n", "output": "2\n"},
            {"input": "21\n", "output": "42\n"},
            {"input": "5\n", "output": "10\n"},
        ],
    });
    let c = "#include <stdio.h>\nint main(void) { long x; scanf(\"%ld\", &x); printf(\"%ld\\n\", x == 5 ? 11 : 2 * x); }\n";
    let verdict = run_tests("c", c, &format!("{problem}\n"), &[]);
    assert_eq!(verdict["verdict"], "wrong_answer", "{verdict}");
    let tests = verdict["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 3);
    assert_eq!(tests[0]["verdict"], "accepted");
    assert_eq!(tests[2]["verdict"], "wrong_answer");
    assert!(
        tests[2]["message"].as_str().unwrap().contains("11"),
        "{verdict}"
    );

    let stopped = run_tests(
        "c",
        c.replace("== 5", "== 1").as_str(),
        &format!("{problem}\n"),
        &["--stop-on-first-failure"],
    );
    assert_eq!(stopped["tests"].as_array().unwrap().len(), 1, "{stopped}");
    assert_eq!(stopped["skipped"], 2);

    let python = "import time\nx = int(input())\nif x == 21:\n    time.sleep(30)\nprint(2 * x)\n";
    let slow = run_tests(
        "python",
        python,
        &format!("{problem}\n"),
        &["--time-limit", "1s"],
    );
    assert_eq!(slow["verdict"], "time_limit", "{slow}");
}

#[test]
fn tolerance_and_foreign_formats() {
    if !sandbox_available() {
        return;
    }
    let tolerant = json!({
        "task_id": "third",
        "compare": {"mode": "tokens", "abs_tol": 1e-6, "rel_tol": 1e-6},
        "tests": [{"input": "1\n", "output": "0.333333333\n"}],
    });
    let verdict = run_tests(
        "python",
        "print(int(input()) / 3)\n",
        &format!("{tolerant}\n"),
        &[],
    );
    assert_eq!(verdict["verdict"], "accepted", "{verdict}");
    let rounded = run_tests(
        "python",
        "print(round(int(input()) / 3, 2))\n",
        &format!("{tolerant}\n"),
        &[],
    );
    assert_eq!(rounded["verdict"], "wrong_answer", "{rounded}");

    // An APPS row: `input_output` is a JSON string of inputs and outputs.
    let apps = json!({
        "problem_id": 7,
        "input_output": json!({"inputs": ["2 3\n", "10 -4\n"], "outputs": ["5\n", "6\n"]}).to_string(),
    });
    let js = "const [a, b] = require('fs').readFileSync(0, 'utf8').trim().split(/\\s+/).map(Number);\nconsole.log(a + b);\n";
    let verdict = run_tests("javascript", js, &format!("{apps}\n"), &[]);
    assert_eq!(verdict["verdict"], "accepted", "{verdict}");

    // A CodeContests row with public and private tests.
    let contests = json!({
        "name": "sum",
        "public_tests": {"input": ["1 1\n"], "output": ["2\n"]},
        "private_tests": {"input": ["40 2\n"], "output": ["42\n"]},
        "generated_tests": {"input": [], "output": []},
    });
    let go = "package main\nimport \"fmt\"\nfunc main() { var a, b int; fmt.Scan(&a, &b); fmt.Println(a + b) }\n";
    let verdict = run_tests("go", go, &format!("{contests}\n"), &[]);
    assert_eq!(verdict["verdict"], "accepted", "{verdict}");
    assert_eq!(verdict["tests"].as_array().unwrap().len(), 2);
}

#[test]
fn expected_outputs_never_reach_the_candidate() {
    if !sandbox_available() {
        return;
    }
    let secret = "expected-output-4f1c9a7e";
    let problem = json!({
        "task_id": "secret",
        "tests": [{"input": "\n", "output": format!("{secret}\n")}],
    });
    // The candidate searches everything it can read for the expected output.
    let hunter = format!(
        r#"import os
needle = "{head}" + "{tail}"
needle = needle.encode()
found = []
for top in ["/", "/proc/self", "/work", "/tmp"]:
    for root, dirs, files in os.walk(top):
        if root.startswith(("/proc", "/sys", "/usr", "/dev")) and top == "/":
            dirs[:] = []
            continue
        for name in files:
            try:
                with open(os.path.join(root, name), "rb") as f:
                    if needle in f.read(1 << 20):
                        found.append(os.path.join(root, name))
            except OSError:
                pass
print("found" if found else "nothing", found)
"#,
        head = &secret[..16],
        tail = &secret[16..],
    );
    let verdict = run_tests(
        "python",
        &hunter,
        &format!("{problem}\n"),
        &["--time-limit", "10s"],
    );
    let stdout = verdict["tests"][0]["stdout"].as_str().unwrap_or("");
    assert_eq!(verdict["verdict"], "wrong_answer", "{verdict}");
    assert!(stdout.starts_with("nothing"), "{verdict}");
}
