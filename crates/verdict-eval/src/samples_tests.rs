use std::io::{Read, Write};

use super::*;

fn write_file(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(bytes).unwrap();
    f.flush().unwrap();
    f
}

fn strict(bytes: &[u8]) -> (tempfile::NamedTempFile, Vec<Result<SampleRow, SampleError>>) {
    let f = write_file(bytes);
    let rows = SampleReader::open(f.path()).unwrap().collect();
    (f, rows)
}

fn valid(row: &Result<SampleRow, SampleError>) -> &Sample {
    match row {
        Ok(SampleRow::Valid(s)) => s,
        other => panic!("expected a valid row, got {other:?}"),
    }
}

#[test]
fn reads_the_human_eval_example() {
    let path = crate::test_data_dir().join("humaneval/example_samples.jsonl");
    let rows: Vec<_> = SampleReader::open(&path).unwrap().collect();
    assert_eq!(rows.len(), 6);
    let s = valid(&rows[3]);
    assert_eq!(s.line, 4);
    assert_eq!(s.task_id, TaskId::Str("test/0".into()));
    assert_eq!(s.code(), SampleCode::Completion("    return 1"));
}

#[test]
fn keeps_fields_in_order_and_prefers_solution() {
    let (_f, rows) = strict(b"\n{\"z\": 1, \"task_id\": 7, \"completion\": \"c\", \"solution\": \"s\", \"a\": [true]}\n  \n");
    assert_eq!(rows.len(), 1);
    let s = valid(&rows[0]);
    assert_eq!(s.line, 2);
    assert_eq!(s.task_id, TaskId::Int(7));
    assert_eq!(s.code(), SampleCode::Solution("s"));
    let keys: Vec<_> = s.fields.keys().map(String::as_str).collect();
    assert_eq!(keys, ["z", "task_id", "completion", "solution", "a"]);
}

#[test]
fn no_final_newline_and_crlf() {
    let (_f, rows) = strict(
        b"{\"task_id\": \"a\", \"completion\": \"x\"}\r\n{\"task_id\": \"b\", \"solution\": \"y\"}",
    );
    assert_eq!(rows.len(), 2);
    assert_eq!(valid(&rows[1]).task_id, TaskId::Str("b".into()));
}

fn read_error(bytes: &[u8]) -> String {
    let (f, rows) = strict(bytes);
    let err = rows.into_iter().find_map(Result::err).expect("an error");
    err.to_string()
        .replace(&f.path().display().to_string(), "FILE")
}

fn assert_error(bytes: &[u8], expected: &str) {
    assert_eq!(read_error(bytes), expected);
}

#[test]
fn each_error_names_file_line_and_field() {
    let ok = "{\"task_id\": \"a\", \"completion\": \"x\"}\n";
    assert_error(
        format!("{ok}{{\"task_id\": ").as_bytes(),
        "samples file `FILE` line 2: invalid json: EOF while parsing a value at line 1 column 12",
    );
    assert_error(
        format!("{ok}[1]\n").as_bytes(),
        "samples file `FILE` line 2: expected a json object",
    );
    let lone = format!(
        "{ok}{{\"task_id\": \"a\", \"completion\": \"\\\\u0041 \\ud83d\\ude00 \\ud800\"}}\n"
    );
    let err = read_error(lone.as_bytes());
    assert!(
        err.starts_with(
            "samples file `FILE` line 2: a lone UTF-16 surrogate escape `\\ud800` at byte 53 "
        ),
        "{err}"
    );
    assert_error(
        b"{\"completion\": \"x\"}\n",
        "samples file `FILE` line 1: missing field `task_id`",
    );
    assert_error(
        b"{\"task_id\": \"a\"}\n",
        "samples file `FILE` line 1: missing field `completion` or `solution`",
    );
    assert_error(
        b"{\"task_id\": 1.5, \"completion\": \"x\"}\n",
        "samples file `FILE` line 1: field `task_id`: expected a string or an integer",
    );
    assert_error(
        b"{\"task_id\": \"a\", \"completion\": [\"x\"]}\n",
        "samples file `FILE` line 1: field `completion`: expected a string",
    );
    assert_error(
        b"{\"task_id\": \"a\", \"completion\": \"x\", \"solution\": null}\n",
        "samples file `FILE` line 1: field `solution`: expected a string",
    );
    assert_error(
        b"\n\n{\"task_id\": \"a\xff\", \"completion\": \"x\"}\n",
        "samples file `FILE` line 3: invalid utf-8 at byte 14",
    );
}

#[test]
fn strict_mode_stops_at_the_first_error() {
    let (_f, rows) = strict(b"[]\n{\"task_id\": \"a\", \"completion\": \"x\"}\n");
    assert_eq!(rows.len(), 1);
    assert!(rows[0].is_err());
}

#[test]
fn skip_mode_returns_invalid_rows_and_goes_on() {
    let f = write_file(b"{\"task_id\": \"a\", \"completion\": \"x\"}\nnot json\n{\"task_id\": \"b\"}\n{\"task_id\": \"c\", \"completion\": \"z\"}\n");
    let rows: Vec<_> = SampleReader::open(f.path())
        .unwrap()
        .skip_bad_lines(true)
        .collect();
    assert_eq!(rows.len(), 4);
    assert!(matches!(
        rows[1],
        Ok(SampleRow::Invalid {
            line: 2,
            error: SampleError::Json { .. }
        })
    ));
    assert!(matches!(
        rows[2],
        Ok(SampleRow::Invalid {
            line: 3,
            error: SampleError::MissingField { .. }
        })
    ));
    assert_eq!(valid(&rows[3]).line, 4);
}

/// A reader that produces one huge line without ever holding it, and counts what was read.
struct HugeLine {
    remaining: usize,
    tail: &'static [u8],
}

impl Read for HugeLine {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.remaining > 0 {
            let n = buf.len().min(self.remaining);
            buf[..n].fill(b'x');
            self.remaining -= n;
            return Ok(n);
        }
        let n = buf.len().min(self.tail.len());
        buf[..n].copy_from_slice(&self.tail[..n]);
        self.tail = &self.tail[n..];
        Ok(n)
    }
}

#[test]
fn over_long_line_is_rejected_without_buffering_it() {
    let source = HugeLine {
        remaining: 100 << 20,
        tail: b"\n{\"task_id\": \"ok\", \"completion\": \"x\"}\n",
    };
    let reader = SampleReader::from_reader(Path::new("big.jsonl"), BufReader::new(source))
        .max_line_bytes(1 << 20)
        .skip_bad_lines(true);
    let mut rows = reader;
    match rows.next() {
        Some(Ok(SampleRow::Invalid { line: 1, error })) => {
            assert_eq!(
                error.to_string(),
                "samples file `big.jsonl` line 1: line longer than 1048576 bytes"
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(
        rows.buf.capacity() <= 2 << 20,
        "buffer grew to {}",
        rows.buf.capacity()
    );
    let next = rows.next().unwrap();
    assert_eq!(valid(&next).task_id, TaskId::Str("ok".into()));
    assert!(rows.next().is_none());
}

#[test]
fn over_long_line_in_a_file_under_the_default_limit_style() {
    let mut bytes = vec![b'{'; 300];
    bytes.push(b'\n');
    let f = write_file(&bytes);
    let rows: Vec<_> = SampleReader::open(f.path())
        .unwrap()
        .max_line_bytes(100)
        .collect();
    assert!(matches!(
        rows[0],
        Err(SampleError::LineTooLong {
            line: 1,
            limit: 100,
            ..
        })
    ));
}

#[test]
fn missing_file_is_an_open_error() {
    let err = SampleReader::open(Path::new("/nonexistent/samples.jsonl"))
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        "opening samples file `/nonexistent/samples.jsonl`"
    );
}
