use std::path::Path;

use super::*;
use crate::stdio::{Case, Checker, CompareMode};

fn parse(text: &str) -> Result<ProblemSet, ProblemError> {
    parse_problems(Path::new("p.jsonl"), text)
}

fn error(text: &str) -> String {
    parse(text).expect_err("an error").to_string()
}

fn case(input: &str, expected: &str) -> Case {
    Case {
        input: input.into(),
        expected: expected.into(),
    }
}

#[test]
fn native_rows_with_every_field() {
    let text = r#"
{"task_id": "sum", "tests": [{"input": "1 2\n", "output": "3\n"}], "statement": "Add."}
{"task_id": 7, "tests": [{"input": "", "output": "0.5"}], "compare": {"mode": "tokens", "abs_tol": 1e-6}, "time_limit_ms": 2000, "memory_limit_bytes": 268435456}
{"task_id": "any", "tests": [{"input": "3", "output": "1 3 2"}], "checker": {"language": "python", "code": "import sys"}}
{"task_id": "ex", "tests": [{"input": "", "output": ""}], "compare": "exact"}
"#;
    let set = parse(text).unwrap();
    assert!(set.unsupported.is_empty());
    let [sum, seven, any, ex] = &set.problems[..] else {
        panic!("{set:?}")
    };
    assert_eq!((sum.task_id.as_str(), sum.line), ("sum", 2));
    assert_eq!(sum.tests, [case("1 2\n", "3\n")]);
    assert_eq!(sum.compare, CompareMode::TrailingWhitespace);
    assert_eq!(sum.statement.as_deref(), Some("Add."));
    assert_eq!(seven.task_id, "7");
    assert_eq!(
        seven.compare,
        CompareMode::Tokens {
            abs_tol: 1e-6,
            rel_tol: 0.0
        }
    );
    assert_eq!(
        (seven.time_limit_ms, seven.memory_limit_bytes),
        (Some(2000), Some(268435456))
    );
    assert_eq!(any.compare, CompareMode::Checker);
    assert_eq!(
        any.checker,
        Some(Checker {
            language: "python".into(),
            code: "import sys".into()
        })
    );
    assert_eq!(ex.compare, CompareMode::Exact);
    assert!(set.get("ex").is_some() && set.get("nope").is_none());
}

#[test]
fn native_errors_name_file_line_and_field() {
    let cases = [
        ("[1]", "problems file `p.jsonl` line 1: not a problem"),
        (
            "{\"task_id\": 1",
            "problems file `p.jsonl` line 1: invalid json",
        ),
        (r#"{"tests": []}"#, "line 1: missing field `task_id`"),
        (
            r#"{"task_id": 1.5, "tests": []}"#,
            "field `task_id`: expected a string or an integer",
        ),
        (
            r#"{"task_id": "a", "tests": []}"#,
            "field `tests`: no cases",
        ),
        (
            r#"{"task_id": "a", "tests": [{"input": ""}]}"#,
            "missing field `tests[0].output`",
        ),
        (
            r#"{"task_id": "a", "tests": [{"input": "", "output": 3}]}"#,
            "field `tests[0].output`: expected a string",
        ),
        (
            r#"{"task_id": "a", "tests": [{"input": "", "output": ""}], "compare": {"mode": "fuzzy"}}"#,
            "field `compare.mode`: unknown mode `fuzzy`",
        ),
        (
            r#"{"task_id": "a", "tests": [{"input": "", "output": ""}], "compare": {"mode": "tokens", "abs_tolerance": 1}}"#,
            "field `compare.abs_tolerance`: unknown for mode `tokens`",
        ),
        (
            r#"{"task_id": "a", "tests": [{"input": "", "output": ""}], "compare": {"mode": "tokens", "rel_tol": -1}}"#,
            "field `compare.rel_tol`: expected a non-negative number",
        ),
        (
            r#"{"task_id": "a", "tests": [{"input": "", "output": ""}], "compare": "checker"}"#,
            "field `compare`: mode `checker` needs a `checker` field",
        ),
        (
            r#"{"task_id": "a", "tests": [{"input": "", "output": ""}], "compare": "exact", "checker": {"language": "python", "code": ""}}"#,
            "field `compare`: mode `exact` conflicts with the `checker` field",
        ),
        (
            r#"{"task_id": "a", "tests": [{"input": "", "output": ""}], "checker": {"code": ""}}"#,
            "field `checker`: expected {language, code}: missing field `language`",
        ),
        (
            r#"{"task_id": "a", "tests": [{"input": "", "output": ""}], "time_limit_ms": "2s"}"#,
            "field `time_limit_ms`: expected a non-negative integer",
        ),
    ];
    for (row, expected) in cases {
        let message = error(&format!("\n{row}\n"));
        let expected = expected.replace("line 1", "line 2");
        assert!(
            message.contains(&expected),
            "{row}\n  got: {message}\n  want: {expected}"
        );
    }
    let twice = "{\"task_id\": \"a\", \"tests\": [{\"input\": \"\", \"output\": \"\"}]}\n";
    assert_eq!(
        error(&twice.repeat(2)),
        "problems file `p.jsonl` line 2: duplicate task id `a` (first on line 1)"
    );
}

#[test]
fn apps_rows() {
    // The shape of an APPS row (codeparrot/apps): `input_output` is JSON text.
    let stdin_row = serde_json::json!({
        "problem_id": 12,
        "question": "Print the sum.",
        "solutions": "[\"print(1)\"]",
        "input_output": serde_json::json!({"inputs": ["1 2\n", ["3 4", "5"]], "outputs": ["3\n", ["7", "5"]]}).to_string(),
        "difficulty": "introductory",
        "url": "https://example.invalid/1",
        "starter_code": ""
    });
    let call_row = serde_json::json!({
        "problem_id": 13,
        "input_output": serde_json::json!({"fn_name": "add", "inputs": [[1, 2]], "outputs": [3]}).to_string(),
    });
    let empty_row = serde_json::json!({"problem_id": 14, "input_output": ""});
    let set = parse(&format!("{stdin_row}\n{call_row}\n{empty_row}\n")).unwrap();
    assert_eq!(set.problems.len(), 1);
    let p = &set.problems[0];
    assert_eq!(p.task_id, "12");
    assert_eq!(p.tests, [case("1 2\n", "3\n"), case("3 4\n5", "7\n5")]);
    assert_eq!(p.statement.as_deref(), Some("Print the sum."));
    let reasons: Vec<_> = set
        .unsupported
        .iter()
        .map(|u| (u.line, u.task_id.as_str(), u.format, u.reason.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            (
                2,
                "13",
                Format::Apps,
                "call-based (fn_name \"add\"), not a stdin/stdout problem"
            ),
            (3, "14", Format::Apps, "no tests"),
        ]
    );
    let bad = serde_json::json!({"problem_id": 1, "input_output": "{\"inputs\": [\"1\"], \"outputs\": []}"});
    assert!(error(&bad.to_string()).ends_with("field `input_output`: 1 inputs but 0 outputs"));
    let bad = serde_json::json!({"problem_id": 1, "input_output": "{\"inputs\": [1], \"outputs\": [\"1\"]}"});
    assert!(
        error(&bad.to_string())
            .ends_with("field `input_output.inputs[0]`: expected a string or a list of strings")
    );
    let bad = serde_json::json!({"problem_id": 1, "input_output": "{oops"});
    assert!(error(&bad.to_string()).contains("field `input_output`: invalid embedded json"));
}

#[test]
fn code_contests_rows() {
    let row = serde_json::json!({
        "name": "1500_A. Going Home",
        "description": "Find four indices.",
        "public_tests": {"input": ["4\n1 2 3 4\n"], "output": ["YES\n"]},
        "private_tests": {"input": [], "output": []},
        "generated_tests": {"input": ["2\n1 1\n", "1\n5\n"], "output": ["NO\n", "NO\n"]},
        "source": 2,
        "difficulty": 7,
        "solutions": {"language": [3], "solution": ["print('YES')"]},
        "cf_contest_id": 1500,
        "time_limit": {"seconds": 2, "nanos": 500000000},
        "memory_limit_bytes": 256000000
    });
    let no_limits = serde_json::json!({
        "name": "x",
        "public_tests": {"input": ["1"], "output": ["1"]},
        "time_limit": null,
        "memory_limit_bytes": 0
    });
    let no_tests = serde_json::json!({"name": "y", "public_tests": {"input": [], "output": []}});
    let set = parse(&format!("{row}\n{no_limits}\n{no_tests}")).unwrap();
    let p = &set.problems[0];
    assert_eq!(p.task_id, "1500_A. Going Home");
    assert_eq!(
        p.tests,
        [
            case("4\n1 2 3 4\n", "YES\n"),
            case("2\n1 1\n", "NO\n"),
            case("1\n5\n", "NO\n")
        ]
    );
    assert_eq!(
        (p.time_limit_ms, p.memory_limit_bytes),
        (Some(2500), Some(256000000))
    );
    assert_eq!(
        (
            set.problems[1].time_limit_ms,
            set.problems[1].memory_limit_bytes
        ),
        (None, None)
    );
    assert_eq!(set.unsupported[0].reason, "no tests");
    let bad =
        serde_json::json!({"name": "z", "public_tests": {"input": ["1", 2], "output": ["1", "2"]}});
    assert!(error(&bad.to_string()).ends_with("field `public_tests.input[1]`: expected a string"));
    let bad = serde_json::json!({"name": "z", "public_tests": {"input": ["1"], "output": ["1"]}, "time_limit": 2});
    assert!(error(&bad.to_string()).ends_with("field `time_limit`: expected {seconds, nanos}"));
}

/// `base64(zlib(pickle.dumps(json.dumps([{"input": "3\n1 2 3\n", "output": "6\n",
/// "testtype": "stdin"}]))))`, as LiveCodeBench stores private tests.
const LCB_PRIVATE: &str =
    "eJxrYJnqzAABPfbR1UqZeQWlJUpWCkrGMXmGCkYKQEpJR0Epv7QEKm4GEShJLS4pqSxIBQkVl6Rk5inVxk7RAwAU/hX6";

#[test]
fn live_code_bench_rows() {
    let public = r#"[{"input": "1\n5\n", "output": "5\n", "testtype": "stdin"}]"#;
    let row = serde_json::json!({
        "question_title": "Sum",
        "question_content": "Sum the numbers.",
        "platform": "atcoder",
        "question_id": "abc999_a",
        "contest_id": "abc999",
        "contest_date": "2024-01-01T00:00:00",
        "starter_code": "",
        "difficulty": "easy",
        "public_test_cases": public,
        "private_test_cases": LCB_PRIVATE,
        "metadata": "{}"
    });
    let plain = serde_json::json!({"question_id": "p2", "public_test_cases": public, "private_test_cases": public});
    let functional = serde_json::json!({
        "question_id": "3000",
        "public_test_cases": r#"[{"input": "[1, 2]", "output": "3", "testtype": "functional"}]"#,
        "private_test_cases": "",
        "metadata": "{\"func_name\": \"add\"}"
    });
    let set = parse(&format!("{row}\n{plain}\n{functional}\n")).unwrap();
    let p = &set.problems[0];
    assert_eq!(p.task_id, "abc999_a");
    assert_eq!(p.tests, [case("1\n5\n", "5\n"), case("3\n1 2 3\n", "6\n")]);
    assert_eq!(p.statement.as_deref(), Some("Sum the numbers."));
    assert_eq!(set.problems[1].tests.len(), 2);
    assert_eq!(set.unsupported[0].task_id, "3000");
    assert_eq!(
        set.unsupported[0].reason,
        "`functional` tests (call-based), not stdin/stdout"
    );

    let pickled_list = "eJxrYJnKxgABsVO8GRP1ABkRAuw=";
    let bad = serde_json::json!({"question_id": "q", "private_test_cases": pickled_list});
    let message = error(&bad.to_string());
    assert!(message.ends_with("field `private_test_cases`: neither json nor compressed tests: unsupported pickle opcode 0x5d at byte 11 (only a pickled str is supported)"), "{message}");
    let bad = serde_json::json!({"question_id": "q", "private_test_cases": "%%%"});
    assert!(error(&bad.to_string()).contains("neither json nor compressed tests: base64"));
}

#[test]
fn reads_gzip_files() {
    use std::io::Write;
    let row = "{\"task_id\": \"a\", \"tests\": [{\"input\": \"\", \"output\": \"1\"}]}\n";
    let file = tempfile::NamedTempFile::new().unwrap();
    let mut gz = flate2::write::GzEncoder::new(file.reopen().unwrap(), flate2::Compression::fast());
    gz.write_all(row.as_bytes()).unwrap();
    gz.finish().unwrap();
    assert_eq!(load_problems(file.path()).unwrap().problems.len(), 1);
    let missing = load_problems(Path::new("/nonexistent/p.jsonl")).unwrap_err();
    assert_eq!(
        missing.to_string(),
        "opening problems file `/nonexistent/p.jsonl`"
    );
}
