//! EvalPlus's results file, byte for byte as EvalPlus 0.3.1 writes it.
//!
//! `evalplus/evaluate.py`, `evaluate()`, writes `json.dump(results, f)` with
//! Python's default separators (`", "`, `": "`) and `ensure_ascii`:
//! `{"date": "%Y-%m-%d %H:%M" (local time), "hash": md5 of the dataset
//! file it read, "eval": {task_id: [{"task_id", "solution", "base_status",
//! "plus_status", "base_fail_tests", "plus_fail_tests"}, ...]}}`, the
//! samples of a task in their input order. `solution` is the program run
//! (`prompt + completion` for a completion). A failed input list holds the
//! one input at which the (fail-fast) run stopped, serialized back with
//! `mbpp_serialize_inputs` for MBPP+; a run killed on the whole-task time
//! limit lists the last input that had passed (EvalPlus reads
//! `inputs[len(details) - 1]` off the inputs done), and none if none had.
//! A benchmark without plus tests is written as EvalPlus's `--base-only`
//! writes it: `plus_status` null, no failing inputs.
//!
//! The file is named as EvalPlus 0.3.1 names it ([`results_path`]), and is
//! never written over a file verdict did not write itself
//! ([`check_overwrite`]): a ledger in verdict's cache remembers the digest of
//! every results file verdict wrote.

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use md5::{Digest, Md5};
use serde_json::{Map, Value};
use sha2::Sha256;

use crate::pyvalue::PyValue;

/// EvalPlus 0.3.1's results path for `samples`: `<dir>/eval_results.json`
/// for a directory, else the name with `.jsonl` replaced by
/// `_eval_results.json` (EvalPlus's `str.replace`; a `.jsonl.gz` file is
/// named as its `.jsonl` would be).
pub fn results_path(samples: &Path) -> PathBuf {
    if samples.is_dir() {
        return samples.join("eval_results.json");
    }
    let text = samples.display().to_string();
    let text = text.strip_suffix(".gz").unwrap_or(&text);
    if text.contains(".jsonl") {
        PathBuf::from(text.replace(".jsonl", "_eval_results.json"))
    } else {
        PathBuf::from(format!("{text}_eval_results.json"))
    }
}

/// One sample's entry in the results file.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The task id as the dataset spells it.
    pub task_id: String,
    /// The program run.
    pub solution: String,
    /// `pass`, `fail` or `timeout`.
    pub base_status: Option<String>,
    /// `pass`, `fail`, `timeout`, or `None` without plus tests.
    pub plus_status: Option<String>,
    /// The failing base input, serialized as EvalPlus writes it.
    pub base_fail_tests: Vec<PyValue>,
    /// The failing plus input.
    pub plus_fail_tests: Vec<PyValue>,
}

/// The inputs of one test set, for [`fail_tests`].
pub struct TestSet<'a> {
    /// The task id (`Mbpp/N` selects MBPP+'s serialization).
    pub task_id: &'a str,
    /// Whether the inputs are MBPP+'s.
    pub mbpp: bool,
    /// The inputs as the candidate received them.
    pub inputs: &'a [PyValue],
}

/// The `*_fail_tests` list of a result row's `details.base` or
/// `details.plus` (`{"status", "failure": {"input_index"}}`).
pub fn fail_tests(set: &TestSet<'_>, part: Option<&Value>) -> Vec<PyValue> {
    let status = part.and_then(|p| p.get("status")).and_then(Value::as_str);
    let index = part
        .and_then(|p| p.get("failure"))
        .and_then(|f| f.get("input_index"))
        .and_then(Value::as_u64)
        .and_then(|i| usize::try_from(i).ok());
    let at = match (status, index) {
        (Some("fail"), Some(i)) => Some(i),
        (Some("timeout"), Some(i)) => i.checked_sub(1),
        _ => None,
    };
    let Some(input) = at.and_then(|i| set.inputs.get(i)) else {
        return Vec::new();
    };
    let input = if set.mbpp {
        mbpp_serialize_input(set.task_id, input)
    } else {
        input.clone()
    };
    vec![input]
}

/// EvalPlus's `mbpp_serialize_inputs` for one argument list.
fn mbpp_serialize_input(task_id: &str, input: &PyValue) -> PyValue {
    let args = input.as_seq().unwrap_or(&[]);
    match crate::mbpp_inputs::task_number(task_id) {
        // `[[list(item) for item in inp[0]]]`: a set's elements, a dict's keys.
        Some(115) => {
            let items = args.first().and_then(PyValue::as_seq).unwrap_or(&[]);
            let listed = items
                .iter()
                .map(|item| match item {
                    PyValue::Set(v) | PyValue::List(v) | PyValue::Tuple(v) => {
                        PyValue::List(v.clone())
                    }
                    PyValue::Dict(pairs) => {
                        PyValue::List(pairs.iter().map(|(k, _)| k.clone()).collect())
                    }
                    other => other.clone(),
                })
                .collect();
            PyValue::List(vec![PyValue::List(listed)])
        }
        // `(str(inp[0]), str(inp[1]))`
        Some(124) => PyValue::Tuple(args.iter().take(2).map(python_str).collect()),
        // `[str(inp[0])]`
        Some(252) => PyValue::List(args.iter().take(1).map(python_str).collect()),
        _ => input.clone(),
    }
}

/// Python's `str()` of a float or complex argument, as a string value.
fn python_str(value: &PyValue) -> PyValue {
    PyValue::Str(match value {
        PyValue::Float(f) => float_repr(*f),
        PyValue::Complex(re, im) => complex_repr(*re, *im),
        other => other.to_python(),
    })
}

/// The entry of one judged sample: `solution` is the program run, `tests`
/// the base and plus inputs where the benchmark has EvalPlus's tests
/// (`None`: written as `--base-only` writes it, from `passed`/`status`).
pub fn entry(
    task_id: &str,
    solution: String,
    row: &Map<String, Value>,
    tests: Option<(TestSet<'_>, TestSet<'_>)>,
) -> Entry {
    let details = row.get("details");
    match tests {
        Some((base, plus)) => {
            let status = |key: &str| row.get(key).and_then(Value::as_str).map(str::to_string);
            Entry {
                task_id: task_id.to_string(),
                solution,
                base_status: status("base_status"),
                plus_status: status("plus_status"),
                base_fail_tests: fail_tests(&base, details.and_then(|d| d.get("base"))),
                plus_fail_tests: fail_tests(&plus, details.and_then(|d| d.get("plus"))),
            }
        }
        None => {
            let passed = row.get("passed").and_then(Value::as_bool) == Some(true);
            let status = row.get("status").and_then(Value::as_str);
            let base = match (passed, status) {
                (true, _) => "pass",
                (false, Some("timed_out")) => "timeout",
                (false, _) => "fail",
            };
            Entry {
                task_id: task_id.to_string(),
                solution,
                base_status: Some(base.to_string()),
                plus_status: None,
                base_fail_tests: Vec::new(),
                plus_fail_tests: Vec::new(),
            }
        }
    }
}

/// The whole file's text: `{"date", "hash", "eval"}` with the tasks in the
/// order given.
pub fn document(date: &str, hash: &str, tasks: &[(String, Vec<Entry>)]) -> String {
    let mut out = String::from("{\"date\": ");
    write_str(date, &mut out);
    out.push_str(", \"hash\": ");
    write_str(hash, &mut out);
    out.push_str(", \"eval\": {");
    for (i, (task_id, entries)) in tasks.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_str(task_id, &mut out);
        out.push_str(": [");
        for (j, entry) in entries.iter().enumerate() {
            if j > 0 {
                out.push_str(", ");
            }
            write_entry(entry, &mut out);
        }
        out.push(']');
    }
    out.push_str("}}");
    out
}

fn write_entry(entry: &Entry, out: &mut String) {
    let opt = |value: &Option<String>, out: &mut String| match value {
        Some(s) => write_str(s, out),
        None => out.push_str("null"),
    };
    out.push_str("{\"task_id\": ");
    write_str(&entry.task_id, out);
    out.push_str(", \"solution\": ");
    write_str(&entry.solution, out);
    out.push_str(", \"base_status\": ");
    opt(&entry.base_status, out);
    out.push_str(", \"plus_status\": ");
    opt(&entry.plus_status, out);
    out.push_str(", \"base_fail_tests\": ");
    write_value(&PyValue::List(entry.base_fail_tests.clone()), out);
    out.push_str(", \"plus_fail_tests\": ");
    write_value(&PyValue::List(entry.plus_fail_tests.clone()), out);
    out.push('}');
}

/// `json.dumps(value)`: tuples and sets as arrays, dict keys as Python's
/// `json` turns them into strings, floats as `repr` (`NaN`, `Infinity`).
/// (Python would refuse a complex number or a tuple key; they are written
/// as their Python text instead.)
fn write_value(value: &PyValue, out: &mut String) {
    match value {
        PyValue::None => out.push_str("null"),
        PyValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        PyValue::Int(i) => out.push_str(i),
        PyValue::Float(f) => out.push_str(&json_float(*f)),
        PyValue::Str(s) => write_str(s, out),
        PyValue::List(items) | PyValue::Tuple(items) | PyValue::Set(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(item, out);
            }
            out.push(']');
        }
        PyValue::Dict(pairs) => {
            out.push('{');
            for (i, (key, item)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let key = match key {
                    PyValue::Str(s) => s.clone(),
                    PyValue::Float(f) => json_float(*f),
                    PyValue::Bool(true) => "true".into(),
                    PyValue::Bool(false) => "false".into(),
                    PyValue::None => "null".into(),
                    other => other.to_python(),
                };
                write_str(&key, out);
                out.push_str(": ");
                write_value(item, out);
            }
            out.push('}');
        }
        PyValue::Complex(re, im) => write_str(&complex_repr(*re, *im), out),
    }
}

fn json_float(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else {
        float_repr(f)
    }
}

/// A JSON string as Python's `json` writes it with `ensure_ascii`: `\"`,
/// `\\`, `\n`, `\r`, `\t`, `\b`, `\f`, and `\uXXXX` (lowercase, surrogate
/// pairs beyond the BMP) for everything outside space..`~`.
fn write_str(s: &str, out: &mut String) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(ch),
            _ => {
                let mut units = [0u16; 2];
                for unit in ch.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

/// Python's `repr(float)`: the shortest digits that round-trip, fixed
/// notation for exponents -4..16, else `d.ddde+XX`.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.into();
    }
    let sign = if f.is_sign_negative() { "-" } else { "" };
    // `{:e}` is the shortest round-trip text in scientific form: `d.ddde-X`.
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if (-4..16).contains(&exp) {
        let body = if exp >= 0 {
            let point = exp as usize + 1;
            if digits.len() > point {
                format!("{}.{}", &digits[..point], &digits[point..])
            } else {
                format!("{}{}.0", digits, "0".repeat(point - digits.len()))
            }
        } else {
            format!("0.{}{}", "0".repeat((-exp - 1) as usize), digits)
        };
        format!("{sign}{body}")
    } else {
        let body = match digits.len() {
            1 => digits.clone(),
            _ => format!("{}.{}", &digits[..1], &digits[1..]),
        };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{body}e{esign}{:02}", exp.abs())
    }
}

/// Python's `repr(complex)`: `1j`, `(1+2j)`, `(-0-1j)`; each part as
/// `repr(float)` without a trailing `.0`.
pub fn complex_repr(re: f64, im: f64) -> String {
    let part = |f: f64| {
        let text = float_repr(f);
        text.strip_suffix(".0").map_or(text.clone(), str::to_string)
    };
    let imag = part(im);
    if re == 0.0 && re.is_sign_positive() {
        return format!("{imag}j");
    }
    let plus = if im.is_sign_negative() && !im.is_nan() {
        ""
    } else {
        "+"
    };
    format!("({}{plus}{imag}j)", part(re))
}

/// EvalPlus's dataset hash: the md5 of the dataset file it reads, which is
/// the decompressed `.jsonl` (EvalPlus caches the release's `.jsonl.gz`
/// decompressed and hashes that).
pub fn dataset_hash(path: &Path) -> io::Result<String> {
    let bytes = std::fs::read(path)?;
    let text = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut out)?;
        out
    } else {
        bytes
    };
    Ok(hex(&Md5::digest(&text)))
}

/// EvalPlus's `date`: local time as `%Y-%m-%d %H:%M`.
pub fn date_now() -> String {
    chrono::Local::now().format("%Y-%m-%d %H:%M").to_string()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Why an existing results file is not written over.
#[derive(Debug, thiserror::Error)]
#[error(
    "`{path}` exists and verdict did not write it (EvalPlus's own results?); \
     it was left as it is: move it away or pass --force to replace it"
)]
pub struct OverwriteRefused {
    /// The file.
    pub path: PathBuf,
}

/// Whether `path` may be written: it does not exist, or it holds exactly
/// what verdict last wrote there (the ledger in `ledger_dir` says so), or
/// `force` is given.
pub fn check_overwrite(
    path: &Path,
    force: bool,
    ledger_dir: Option<&Path>,
) -> Result<(), OverwriteRefused> {
    if force || !path.exists() {
        return Ok(());
    }
    let recorded = ledger_dir
        .map(|dir| dir.join(ledger_key(path)))
        .and_then(|entry| std::fs::read_to_string(entry).ok());
    let current = std::fs::read(path).ok().map(|b| hex(&Sha256::digest(&b)));
    match (recorded, current) {
        (Some(recorded), Some(current)) if recorded.trim() == current => Ok(()),
        _ => Err(OverwriteRefused {
            path: path.to_path_buf(),
        }),
    }
}

/// Writes `text` to `path` and records it in the ledger.
pub fn write(path: &Path, text: &str, ledger_dir: Option<&Path>) -> io::Result<()> {
    std::fs::write(path, text)?;
    if let Some(dir) = ledger_dir {
        // The ledger is a convenience (it lets verdict replace its own
        // file); failing to keep it must not fail the run.
        let _ = std::fs::create_dir_all(dir).and_then(|()| {
            std::fs::write(
                dir.join(ledger_key(path)),
                hex(&Sha256::digest(text.as_bytes())),
            )
        });
    }
    Ok(())
}

fn ledger_key(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    hex(&Sha256::digest(absolute.display().to_string().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_and_complex_numbers_print_as_python_prints_them() {
        let cases = [
            (0.1, "0.1"),
            (1.0, "1.0"),
            (-0.0, "-0.0"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (123456789012345.0, "123456789012345.0"),
            (1e15, "1000000000000000.0"),
            (2.5e-7, "2.5e-07"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
        ];
        for (f, text) in cases {
            assert_eq!(float_repr(f), text, "{f:e}");
        }
        assert_eq!(complex_repr(0.0, 1.0), "1j");
        assert_eq!(complex_repr(-0.0, -1.0), "(-0-1j)");
        assert_eq!(complex_repr(1.0, 2.0), "(1+2j)");
        assert_eq!(complex_repr(1.5, 0.0), "(1.5+0j)");
        assert_eq!(complex_repr(0.0, -1e-16), "-1e-16j");
    }

    #[test]
    fn strings_are_written_with_ensure_ascii() {
        let mut out = String::new();
        write_str("a\"\\\n\t\u{7f}é😀\u{1}", &mut out);
        assert_eq!(out, r#""a\"\\\n\t\u007f\u00e9\ud83d\ude00\u0001""#);
    }

    #[test]
    fn results_are_named_as_evalplus_names_them() {
        assert_eq!(
            results_path(Path::new("out/samples.jsonl")),
            PathBuf::from("out/samples_eval_results.json")
        );
        assert_eq!(
            results_path(Path::new("s.jsonl.gz")),
            PathBuf::from("s_eval_results.json")
        );
    }

    #[test]
    fn a_timeout_lists_the_last_input_that_passed() {
        let inputs = [PyValue::Int("1".into()), PyValue::Int("2".into())];
        let set = TestSet {
            task_id: "HumanEval/0",
            mbpp: false,
            inputs: &inputs,
        };
        let part = |status: &str, index: u64| serde_json::json!({"status": status, "failure": {"input_index": index}});
        assert_eq!(
            fail_tests(&set, Some(&part("fail", 1))),
            [inputs[1].clone()]
        );
        assert_eq!(
            fail_tests(&set, Some(&part("timeout", 1))),
            [inputs[0].clone()]
        );
        assert!(fail_tests(&set, Some(&part("timeout", 0))).is_empty());
        assert!(fail_tests(&set, Some(&serde_json::json!({"status": "pass"}))).is_empty());
    }

    #[test]
    fn an_existing_file_is_replaced_only_if_verdict_wrote_it() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = dir.path().join("ledger");
        let path = dir.path().join("s_eval_results.json");
        std::fs::write(&path, "{\"official\": true}").unwrap();
        let refused = check_overwrite(&path, false, Some(&ledger)).unwrap_err();
        assert!(refused.to_string().contains("--force"), "{refused}");
        assert!(check_overwrite(&path, true, Some(&ledger)).is_ok());
        write(&path, "{}", Some(&ledger)).unwrap();
        assert!(check_overwrite(&path, false, Some(&ledger)).is_ok());
        std::fs::write(&path, "{\"edited\": 1}").unwrap();
        assert!(check_overwrite(&path, false, Some(&ledger)).is_err());
    }
}
