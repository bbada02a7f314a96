//! `verdict tests` on hand-made tasks and tests whose validity, coverage
//! and mutation score are worked out by hand: asserts, a pytest-style
//! function and a unittest class as test units; tests that fail on the
//! right program, do not compile, or loop; a mutant that loops, killed by
//! its limit; likely-equivalent mutants left out of the score or counted;
//! bad lines of the tests file; and `POST /v1/tests`.

mod support;

use std::path::Path;

use serde_json::{Value, json};

fn write(dir: &Path, name: &str, rows: &[Value]) {
    let text: String = rows.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(dir.join(name), text).unwrap();
}

fn problems() -> Vec<Value> {
    vec![
        json!({"task_id": "T/add", "prompt": "def add(a, b):\n", "canonical_solution": "    return a + b\n",
               "entry_point": "add", "test": "def check(candidate):\n    assert candidate(2, 3) == 5\n"}),
        json!({"task_id": "T/abs", "prompt": "def absolute(x):\n",
               "canonical_solution": "    if x < 0:\n        return -x\n    return x\n", "entry_point": "absolute",
               "test": "def check(candidate):\n    assert candidate(-2) == 2\n    assert candidate(0) == 0\n    assert candidate(3) == 3\n"}),
        json!({"task_id": "T/count", "prompt": "def count(n):\n",
               "canonical_solution": "    i = 0\n    while i < n:\n        i += 1\n    return i\n", "entry_point": "count",
               "test": "def check(candidate):\n    assert candidate(3) == 3\n"}),
    ]
}

fn tests_file() -> Vec<Value> {
    vec![
        json!({"task_id": "T/add", "tests": [
            "assert add(0, 0) == 0",
            "assert add(1, 1) == 3",
            "assert add(",
            "while True: pass"]}),
        json!({"task_id": "T/abs", "test": "assert absolute(3) == 3"}),
        json!({"task_id": "T/count", "tests": [
            "def test_three():\n    assert count(3) == 3\n",
            "import unittest\nclass T(unittest.TestCase):\n    def test_zero(self):\n        self.assertEqual(count(0), 0)\n"]}),
    ]
}

fn run(dir: &Path, extra: &[&str]) -> (Value, Vec<Value>) {
    let mut args = vec![
        "tests",
        "--benchmark",
        "humaneval",
        "--problems",
        "problems.jsonl",
        "--tests",
        "tests.jsonl",
        "--out",
        "rows.jsonl",
        "--test-time-limit",
        "300ms",
        "--json",
    ];
    args.extend_from_slice(extra);
    let output = support::verdict_in(dir, &args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows = std::fs::read_to_string(dir.join("rows.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (serde_json::from_slice(&output.stdout).unwrap(), rows)
}

fn task<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["task_id"] == id)
        .unwrap()
}

fn mutants<'a>(rows: &'a [Value], id: &str) -> Vec<&'a Value> {
    rows.iter()
        .filter(|r| r["kind"] == "mutant" && r["task_id"] == id)
        .collect()
}

#[test]
fn validity_coverage_and_mutation_score_as_worked_out_by_hand() {
    let Some(_host) = support::host(
        "tests_hand_worked",
        support::Need::Namespaces,
        support::Share::Shared,
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "problems.jsonl", &problems());
    write(dir.path(), "tests.jsonl", &tests_file());
    let (report, rows) = run(dir.path(), &[]);

    // add: `add(0, 0) == 0` is valid; `add(1, 1) == 3` fails on the right
    // program; the unclosed call does not compile and the loop times out.
    let add = task(&report, "T/add");
    assert_eq!(
        (
            add["valid"].clone(),
            add["invalid"].clone(),
            add["error"].clone()
        ),
        (json!(1), json!(1), json!(2))
    );
    let statuses: Vec<(&str, &str)> = rows
        .iter()
        .filter(|r| r["kind"] == "test" && r["task_id"] == "T/add")
        .map(|r| {
            (
                r["status"].as_str().unwrap(),
                r["exception"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("valid", ""),
            ("invalid", "AssertionError"),
            ("error", "SyntaxError"),
            ("error", "timeout")
        ]
    );
    // Its three mutants, in source order: `return None`, `pass`, `a - b`.
    // add(0, 0) kills the first two; `0 - 0` is 0. The benchmark's own
    // test kills all three: none is equivalent. Score 2/3.
    let made: Vec<(&str, bool)> = mutants(&rows, "T/add")
        .iter()
        .map(|m| {
            (
                m["description"].as_str().unwrap(),
                m["killed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        made,
        [
            ("return value -> None", true),
            ("return -> pass", true),
            ("+ -> -", false)
        ]
    );
    assert_eq!(add["line_coverage"], json!(1.0));
    assert_eq!(add["branch_coverage"], Value::Null, "no branch in add");
    assert!((add["mutation_score"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-12);

    // abs: `absolute(3)` runs lines 1, 2 and 4, not 3; of line 2's two
    // outcomes it takes one. Mutants: `<=` and `x < 1` survive the
    // benchmark's tests too (likely equivalent); line 3's two are killed
    // by the benchmark's tests only; line 4's two by the test. Score 2/4.
    let abs = task(&report, "T/abs");
    assert_eq!(abs["line_coverage"], json!(0.75));
    assert_eq!(abs["missed_lines"], json!([3]));
    assert_eq!(abs["branch_coverage"], json!(0.5));
    assert_eq!(abs["mutants"], json!(6));
    assert_eq!(abs["killed"], json!(2));
    assert_eq!(abs["likely_equivalent"], json!(2));
    assert_eq!(abs["mutation_score"], json!(0.5));
    let equivalent: Vec<&str> = mutants(&rows, "T/abs")
        .iter()
        .filter(|m| m["likely_equivalent"] == true)
        .map(|m| m["description"].as_str().unwrap())
        .collect();
    assert_eq!(equivalent, ["< -> <=", "0 -> 1"]);
    let diff = mutants(&rows, "T/abs")[0]["diff"].as_str().unwrap();
    assert!(diff.contains("-    if x < 0:\n+    if x <= 0:\n"), "{diff}");

    // count: a pytest-style function and a unittest class, both valid.
    // Deleting `i += 1` loops on count(3): the mutant is killed by the
    // first test's time limit; count(0) does not loop, and passes.
    let count = task(&report, "T/count");
    assert_eq!(count["valid"], json!(2));
    let looping = mutants(&rows, "T/count")
        .into_iter()
        .find(|m| m["description"] == "augassign -> pass")
        .unwrap();
    assert_eq!(looping["killed"], true);
    assert_eq!(looping["killed_by"], json!([0]));
    let kills: Vec<u64> = rows
        .iter()
        .filter(|r| r["kind"] == "test" && r["task_id"] == "T/count")
        .map(|r| r["kills"].as_u64().unwrap())
        .collect();
    assert!(kills.iter().all(|&k| k > 0), "{kills:?}");

    // Overall: the pooled score.
    let overall = &report["overall"];
    let killed = overall["killed"].as_f64().unwrap();
    let scored = overall["scored"].as_f64().unwrap();
    assert_eq!(overall["mutation_score"].as_f64().unwrap(), killed / scored);

    // Counting the likely-equivalent mutants: abs scores 2/6.
    let (counted, _) = run(dir.path(), &["--include-equivalent"]);
    let abs = task(&counted, "T/abs");
    assert!((abs["mutation_score"].as_f64().unwrap() - 2.0 / 6.0).abs() < 1e-12);

    // Mutants are the same run to run (and a seeded sample with a cap).
    let (_, again) = run(dir.path(), &[]);
    assert_eq!(rows, again);
    let (_, capped) = run(dir.path(), &["--max-mutants", "2", "--seed", "7"]);
    assert_eq!(mutants(&capped, "T/abs").len(), 2);
}

#[test]
fn bad_tests_files_are_named_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "problems.jsonl", &problems());
    for (rows, wanted) in [
        (
            vec![
                json!({"task_id": "T/add", "tests": ["assert True"]}),
                json!({"task_id": "T/none", "test": "x"}),
            ],
            "line 2: field `task_id`: `T/none` is not a task",
        ),
        (
            vec![json!({"task_id": "T/add"})],
            "line 1: missing field `test` or `tests`",
        ),
        (
            vec![json!({"task_id": "T/add", "tests": [3]})],
            "line 1: field `tests[0]`: expected a string",
        ),
        (
            vec![json!({"task_id": "T/add", "test": "assert 1", "program": 5})],
            "line 1: field `program`: expected a string",
        ),
    ] {
        write(dir.path(), "tests.jsonl", &rows);
        let output = support::verdict_in(
            dir.path(),
            &[
                "tests",
                "--benchmark",
                "humaneval",
                "--problems",
                "problems.jsonl",
                "--tests",
                "tests.jsonl",
            ],
        );
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("tests.jsonl") && stderr.contains(wanted),
            "{stderr}"
        );
    }
}

#[test]
fn the_tests_endpoint_answers_what_the_command_prints() {
    let Some(host) = support::host(
        "tests_http",
        support::Need::Namespaces,
        support::Share::Shared,
    ) else {
        return;
    };
    if !support::benchmark_ready("humaneval/HumanEval.jsonl.gz") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let tests = vec![json!({"task_id": "HumanEval/0", "tests": [
        "assert has_close_elements([1.0, 2.0, 3.0], 0.5) == False",
        "assert has_close_elements([1.0, 2.8, 3.0], 0.3) == True",
        "assert has_close_elements([1.0, 2.0], 0.5) == True"]})];
    write(dir.path(), "tests.jsonl", &tests);
    let output = support::verdict_in(
        dir.path(),
        &[
            "tests",
            "--benchmark",
            "humaneval",
            "--tests",
            "tests.jsonl",
            "--out",
            "rows.jsonl",
            "--json",
        ],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
    let server = support::server::Server::start(&host, &[]);
    let (status, answer) = server.post(
        "/v1/tests",
        json!({"benchmark": "humaneval", "tests": tests}),
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["report"], printed);
    let rows: Vec<Value> = std::fs::read_to_string(dir.path().join("rows.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answer["rows"], json!(rows));
    for (body, field) in [
        (json!({"benchmark": "humaneval", "tests": []}), "tests"),
        (
            json!({"benchmark": "humaneval", "tests": [{"task_id": "HumanEval/0"}]}),
            "tests[0]",
        ),
        (
            json!({"benchmark": "bigcodebench", "tests": tests}),
            "benchmark",
        ),
        (
            json!({"benchmark": "humaneval", "tests": tests, "max_mutants": -1}),
            "max_mutants",
        ),
    ] {
        let (status, answer) = server.post("/v1/tests", body);
        assert_eq!(status, 400, "{answer}");
        assert_eq!(answer["error"]["field"], field, "{answer}");
    }
}
