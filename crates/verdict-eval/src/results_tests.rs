use serde_json::json;

use super::*;

fn row(task: &str, passed: bool) -> ResultRow {
    let Value::Object(fields) = json!({"task_id": task, "completion": "x", "passed": "old"}) else {
        unreachable!()
    };
    ResultRow {
        fields,
        passed,
        result: if passed {
            RESULT_PASSED.into()
        } else {
            result_failed("boom")
        },
        status: if passed {
            "passed".into()
        } else {
            "failed".into()
        },
        details: (!passed).then(|| json!({"exit": 1})),
    }
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn ids(names: &[&str]) -> Vec<TaskId> {
    names.iter().map(|s| TaskId::Str(s.to_string())).collect()
}

#[test]
fn rows_are_written_in_input_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("results.jsonl");
    let mut w = ResultsWriter::new(&path, 0).unwrap();
    w.submit(2, row("c", true)).unwrap();
    w.submit(1, row("b", false)).unwrap();
    assert_eq!(lines(&path).len(), 0);
    assert_eq!(w.held(), 2);
    w.submit(0, row("a", true)).unwrap();
    assert_eq!(lines(&path).len(), 3, "flushed as soon as the gap closed");
    assert!(w.submit(1, row("b", true)).is_err());
    assert_eq!(w.finish().unwrap(), 3);
    let got = lines(&path);
    assert_eq!(
        got[0],
        r#"{"task_id":"a","completion":"x","passed":true,"result":"passed","status":"passed"}"#
    );
    assert_eq!(
        got[1],
        r#"{"task_id":"b","completion":"x","passed":false,"result":"failed: boom","status":"failed","details":{"exit":1}}"#
    );
    assert_eq!(resume_point(&path, &ids(&["a", "b", "c", "d"])).unwrap(), 3);
}

#[test]
fn held_rows_behind_a_gap_are_not_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.jsonl");
    let mut w = ResultsWriter::new(&path, 0).unwrap();
    w.submit(0, row("a", true)).unwrap();
    w.submit(2, row("c", true)).unwrap();
    assert_eq!(w.finish().unwrap(), 1);
    assert_eq!(lines(&path).len(), 1);
}

#[test]
fn resume_tolerates_a_truncated_last_line_and_appends() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.jsonl");
    let mut w = ResultsWriter::new(&path, 0).unwrap();
    w.submit(0, row("a", true)).unwrap();
    w.submit(1, row("b", false)).unwrap();
    w.finish().unwrap();
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(r#"{"task_id":"c","compl"#);
    std::fs::write(&path, &text).unwrap();
    let samples = ids(&["a", "b", "c"]);
    let skip = resume_point(&path, &samples).unwrap();
    assert_eq!(skip, 2);

    let mut w = ResultsWriter::new(&path, skip).unwrap();
    assert!(
        w.submit(1, row("b", true)).is_err(),
        "before the resume point"
    );
    w.submit(2, row("c", true)).unwrap();
    assert_eq!(w.finish().unwrap(), 3);
    let got = lines(&path);
    assert_eq!(got.len(), 3);
    assert!(got[2].starts_with(r#"{"task_id":"c","completion":"x","passed":true"#));
    assert_eq!(resume_point(&path, &samples).unwrap(), 3);
}

#[test]
fn resume_ignores_an_unparsable_final_line_with_newline() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.jsonl");
    std::fs::write(
        &path,
        "{\"task_id\":\"a\",\"passed\":true,\"result\":\"passed\"}\n{\"task_id\n",
    )
    .unwrap();
    assert_eq!(resume_point(&path, &ids(&["a", "b"])).unwrap(), 1);
}

#[test]
fn resume_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.jsonl");
    assert_eq!(
        resume_point(&path, &ids(&["a"])).unwrap(),
        0,
        "missing file"
    );

    std::fs::write(
        &path,
        "{\"task_id\":\"a\",\"passed\":true,\"result\":\"passed\"}\n",
    )
    .unwrap();
    let err = resume_point(&path, &ids(&["b"])).unwrap_err().to_string();
    assert_eq!(
        err.replace(&path.display().to_string(), "FILE"),
        "results file `FILE` line 1: field `task_id`: found \"a\", the samples file has \"b\""
    );
    assert!(resume_point(&path, &[]).is_err(), "more rows than samples");
    assert!(
        resume_point(&path, &[TaskId::Int(1)]).is_err(),
        "int and string ids differ"
    );

    std::fs::write(
        &path,
        "not json\n{\"task_id\":\"a\",\"passed\":true,\"result\":\"passed\"}\n",
    )
    .unwrap();
    let err = resume_point(&path, &ids(&["a", "a"]))
        .unwrap_err()
        .to_string();
    assert!(
        err.ends_with("line 1: not a result row (invalid json: expected ident at line 1 column 2)"),
        "{err}"
    );

    std::fs::write(&path, "{\"task_id\":\"a\"}\n").unwrap();
    assert!(ResultsWriter::new(&path, 2).is_err(), "resume past the end");
}
