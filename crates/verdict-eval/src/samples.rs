//! Streaming reader of sample files (JSON Lines, one sample per line).
//!
//! Each row is a JSON object with `task_id` (a string or an integer) and `completion`
//! and/or `solution` (strings; `solution` wins when both are present). Every field of the
//! row is kept, in order, for the results file. Blank lines are skipped. Lines are read
//! through a bounded buffer: a line longer than the limit (64 MiB by default) is rejected
//! without holding more than the limit in memory, and the reader moves on past it.
//!
//! Errors name the file, the 1-based line and the field. With
//! [`SampleReader::skip_bad_lines`] a bad row is returned as [`SampleRow::Invalid`] and
//! reading goes on; without it the first bad row is an `Err` and ends the iteration.

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

/// The default longest accepted line: 64 MiB.
pub const DEFAULT_MAX_LINE_BYTES: usize = 64 << 20;

/// A sample's `task_id`, which sample files write as a string or an integer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TaskId {
    /// `"HumanEval/0"`, `"Mbpp/2"`, `"11"`.
    Str(String),
    /// `11` (MBPP sample files often use integers).
    Int(i64),
}

impl TaskId {
    /// The id as it appears in JSON.
    pub fn to_value(&self) -> Value {
        match self {
            TaskId::Str(s) => Value::String(s.clone()),
            TaskId::Int(n) => Value::from(*n),
        }
    }

    /// Reads a `task_id` JSON value; `None` if it is neither a string nor an `i64`.
    pub fn from_value(value: &Value) -> Option<TaskId> {
        match value {
            Value::String(s) => Some(TaskId::Str(s.clone())),
            Value::Number(n) => n.as_i64().map(TaskId::Int),
            _ => None,
        }
    }
}

impl std::fmt::Display for TaskId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TaskId::Str(s) => f.write_str(s),
            TaskId::Int(n) => write!(f, "{n}"),
        }
    }
}

/// The code a sample provides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SampleCode<'a> {
    /// A complete program (`solution`), run as is.
    Solution(&'a str),
    /// A continuation of the task's prompt (`completion`).
    Completion(&'a str),
}

/// One valid sample row.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// 1-based line in the samples file.
    pub line: usize,
    /// The task the sample answers.
    pub task_id: TaskId,
    /// The `completion` field, if present.
    pub completion: Option<String>,
    /// The `solution` field, if present.
    pub solution: Option<String>,
    /// Every field of the row, in file order (including the three above).
    pub fields: Map<String, Value>,
}

impl Sample {
    /// The code to run: the `solution` if present, else the `completion` (the reader
    /// never yields a sample with neither; one built by hand counts as an empty
    /// completion).
    pub fn code(&self) -> SampleCode<'_> {
        match (&self.solution, &self.completion) {
            (Some(s), _) => SampleCode::Solution(s),
            (None, c) => SampleCode::Completion(c.as_deref().unwrap_or("")),
        }
    }
}

/// What the reader yields for one non-blank line.
#[derive(Debug)]
pub enum SampleRow {
    /// A valid sample.
    Valid(Sample),
    /// A bad row, returned instead of an error in skip-bad-lines mode.
    Invalid {
        /// 1-based line.
        line: usize,
        /// What was wrong with it.
        error: SampleError,
    },
}

/// Why a sample row (or the file) could not be read. Messages name the file and line.
#[derive(Debug, thiserror::Error)]
pub enum SampleError {
    /// The file could not be opened.
    #[error("opening samples file `{path}`")]
    Open {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// Reading failed.
    #[error("reading samples file `{path}` line {line}")]
    Read {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// The line is longer than the limit.
    #[error("samples file `{path}` line {line}: line longer than {limit} bytes")]
    LineTooLong {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// The line is not UTF-8.
    #[error("samples file `{path}` line {line}: invalid utf-8 at byte {offset}")]
    InvalidUtf8 {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// Byte offset of the first bad byte in the line.
        offset: usize,
    },
    /// The line is not JSON.
    #[error("samples file `{path}` line {line}: invalid json: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The cause.
        source: serde_json::Error,
    },
    /// A JSON string holds half of a UTF-16 surrogate pair (`"\ud800"`):
    /// valid JSON that Python reads, but no Rust string can hold it.
    #[error(
        "samples file `{path}` line {line}: a lone UTF-16 surrogate escape `{escape}` at byte {offset} \
         (half of a surrogate pair; Python's json reads it, and the official harnesses then fail a \
         sample whose code holds it, as it cannot be encoded to compile; verdict cannot carry it: \
         replace it, or pass --skip-bad-lines)"
    )]
    LoneSurrogate {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// Byte offset of the escape in the line.
        offset: usize,
        /// The escape as written.
        escape: String,
    },
    /// A `generations.json` (bigcode-evaluation-harness) is not a list of
    /// lists of strings, or has more lists than the benchmark has tasks.
    #[error("samples file `{path}`: {message}")]
    Generations {
        /// The file.
        path: PathBuf,
        /// What was wrong, naming the item.
        message: String,
    },
    /// The line is JSON but not an object.
    #[error("samples file `{path}` line {line}: expected a json object")]
    NotObject {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
    },
    /// A required field is absent.
    #[error("samples file `{path}` line {line}: missing field `{field}`")]
    MissingField {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The field (`task_id`, or `completion` / `solution`).
        field: &'static str,
    },
    /// A field has the wrong type.
    #[error("samples file `{path}` line {line}: field `{field}`: expected {expected}")]
    WrongType {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The field.
        field: &'static str,
        /// What was expected.
        expected: &'static str,
    },
}

impl SampleError {
    /// The 1-based line the error is about (0 for [`SampleError::Open`]).
    pub fn line(&self) -> usize {
        match self {
            SampleError::Open { .. } | SampleError::Generations { .. } => 0,
            SampleError::Read { line, .. }
            | SampleError::LineTooLong { line, .. }
            | SampleError::InvalidUtf8 { line, .. }
            | SampleError::Json { line, .. }
            | SampleError::LoneSurrogate { line, .. }
            | SampleError::NotObject { line, .. }
            | SampleError::MissingField { line, .. }
            | SampleError::WrongType { line, .. } => *line,
        }
    }
}

/// An iterator over the rows of a samples file.
pub struct SampleReader<R> {
    reader: R,
    path: PathBuf,
    line: usize,
    max_line_bytes: usize,
    skip_bad_lines: bool,
    done: bool,
    buf: Vec<u8>,
}

impl SampleReader<BufReader<File>> {
    /// Opens a samples file.
    pub fn open(path: &Path) -> Result<Self, SampleError> {
        let file = File::open(path).map_err(|source| SampleError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Self::from_reader(path, BufReader::new(file)))
    }
}

impl<R: BufRead> SampleReader<R> {
    /// Reads samples from `reader`; `path` is only used in error messages.
    pub fn from_reader(path: &Path, reader: R) -> Self {
        SampleReader {
            reader,
            path: path.to_path_buf(),
            line: 0,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            skip_bad_lines: false,
            done: false,
            buf: Vec::new(),
        }
    }

    /// Sets the longest accepted line, in bytes (without the newline).
    pub fn max_line_bytes(mut self, limit: usize) -> Self {
        self.max_line_bytes = limit;
        self
    }

    /// In skip mode, bad rows come back as [`SampleRow::Invalid`] and reading goes on.
    pub fn skip_bad_lines(mut self, skip: bool) -> Self {
        self.skip_bad_lines = skip;
        self
    }

    /// Reads the next line into `self.buf`; `Ok(None)` at the end, `Ok(Some(false))` for a
    /// line over the limit (consumed, not stored).
    fn read_line(&mut self) -> io::Result<Option<bool>> {
        self.buf.clear();
        let mut too_long = false;
        let mut any = false;
        loop {
            let chunk = self.reader.fill_buf()?;
            if chunk.is_empty() {
                return Ok(any.then_some(!too_long));
            }
            any = true;
            let (take, end) = match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => (i, true),
                None => (chunk.len(), false),
            };
            if !too_long {
                if self.buf.len() + take > self.max_line_bytes {
                    too_long = true;
                    self.buf.clear();
                } else {
                    self.buf.extend_from_slice(&chunk[..take]);
                }
            }
            self.reader.consume(take + usize::from(end));
            if end {
                return Ok(Some(!too_long));
            }
        }
    }

    fn parse(&self) -> Result<Sample, SampleError> {
        let (path, line) = (self.path.clone(), self.line);
        let text = std::str::from_utf8(&self.buf).map_err(|e| SampleError::InvalidUtf8 {
            path: path.clone(),
            line,
            offset: e.valid_up_to(),
        })?;
        let value: Value =
            serde_json::from_str(text).map_err(|source| match lone_surrogate_escape(text) {
                Some((offset, escape)) => SampleError::LoneSurrogate {
                    path: path.clone(),
                    line,
                    offset,
                    escape: escape.to_string(),
                },
                None => SampleError::Json {
                    path: path.clone(),
                    line,
                    source,
                },
            })?;
        let Value::Object(fields) = value else {
            return Err(SampleError::NotObject { path, line });
        };
        let wrong = |field, expected| SampleError::WrongType {
            path: path.clone(),
            line,
            field,
            expected,
        };
        let task_id = match fields.get("task_id") {
            None => {
                return Err(SampleError::MissingField {
                    path,
                    line,
                    field: "task_id",
                });
            }
            Some(v) => {
                TaskId::from_value(v).ok_or_else(|| wrong("task_id", "a string or an integer"))?
            }
        };
        let string = |field: &'static str| match fields.get(field) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(wrong(field, "a string")),
        };
        let completion = string("completion")?;
        let solution = string("solution")?;
        if completion.is_none() && solution.is_none() {
            return Err(SampleError::MissingField {
                path,
                line,
                field: "completion` or `solution",
            });
        }
        Ok(Sample {
            line,
            task_id,
            completion,
            solution,
            fields,
        })
    }

    fn bad(&mut self, error: SampleError) -> Option<Result<SampleRow, SampleError>> {
        if self.skip_bad_lines {
            Some(Ok(SampleRow::Invalid {
                line: self.line,
                error,
            }))
        } else {
            self.done = true;
            Some(Err(error))
        }
    }
}

impl<R: BufRead> Iterator for SampleReader<R> {
    type Item = Result<SampleRow, SampleError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            self.line += 1;
            let fits = match self.read_line() {
                Ok(None) => {
                    self.done = true;
                    return None;
                }
                Ok(Some(fits)) => fits,
                Err(source) => {
                    // An I/O error leaves the position unknown: stop in either mode.
                    self.done = true;
                    return Some(Err(SampleError::Read {
                        path: self.path.clone(),
                        line: self.line,
                        source,
                    }));
                }
            };
            if !fits {
                let error = SampleError::LineTooLong {
                    path: self.path.clone(),
                    line: self.line,
                    limit: self.max_line_bytes,
                };
                return self.bad(error);
            }
            if self.buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return match self.parse() {
                Ok(sample) => Some(Ok(SampleRow::Valid(sample))),
                Err(error) => self.bad(error),
            };
        }
        None
    }
}

/// The first `\uXXXX` escape in `text` that is half of a UTF-16 surrogate
/// pair without its other half, with its byte offset.
fn lone_surrogate_escape(text: &str) -> Option<(usize, &str)> {
    let bytes = text.as_bytes();
    let unit_at = |at: usize| -> Option<u16> {
        let digits = text.get(at + 2..at + 6)?;
        (bytes.get(at) == Some(&b'\\') && bytes.get(at + 1) == Some(&b'u'))
            .then(|| u16::from_str_radix(digits, 16).ok())
            .flatten()
    };
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] != b'\\' {
            at += 1;
            continue;
        }
        let Some(unit) = unit_at(at) else {
            at += 2; // an escape of one character (or a bad one: serde says)
            continue;
        };
        match unit {
            0xD800..=0xDBFF if unit_at(at + 6).is_some_and(|u| (0xDC00..=0xDFFF).contains(&u)) => {
                at += 12;
            }
            0xD800..=0xDFFF => return Some((at, &text[at..at + 6])),
            _ => at += 6,
        }
    }
    None
}

#[cfg(test)]
#[path = "samples_tests.rs"]
mod tests;
