//! Reading stdin/stdout problem files: JSON Lines, one problem per line, in verdict's
//! own format or in the row format of APPS, CodeContests or LiveCodeBench (told apart
//! per row by their fields; one file may mix them). `docs/stdio-format.md` documents
//! the formats; in short:
//!
//! | [`Format`] | recognised by | task id | tests |
//! |---|---|---|---|
//! | native | `tests` | `task_id` | `tests: [{input, output}]` |
//! | APPS | `input_output` | `problem_id` | `input_output`: JSON (string) `{inputs, outputs, fn_name?}` |
//! | CodeContests | `public_tests` / `private_tests` / `generated_tests` | `name` | each `{input: [..], output: [..]}` |
//! | LiveCodeBench | `public_test_cases` / `private_test_cases` | `question_id` | JSON list of `{input, output, testtype}`; private ones may be base64(zlib(pickle(JSON))) |
//!
//! Rows that are well formed but cannot be judged on stdin/stdout (APPS rows with a
//! `fn_name`, LiveCodeBench `functional` tests, rows with no tests) are returned as
//! [`Unsupported`] rather than failing the file. Everything else that is wrong is a
//! [`ProblemError`] naming the file, the 1-based line and the field.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde_json::{Map, Value};

use super::pickle;
use super::{Case, Checker, CompareMode, Problem};

/// The format of a problem row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// verdict's own format (`docs/stdio-format.md`).
    Native,
    /// APPS (`problem_id`, `input_output`).
    Apps,
    /// DeepMind CodeContests (`name`, `public_tests`, ...).
    CodeContests,
    /// LiveCodeBench code generation (`question_id`, `public_test_cases`, ...).
    LiveCodeBench,
}

/// A well-formed row that cannot be judged on stdin/stdout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported {
    /// 1-based line.
    pub line: usize,
    /// The row's task id.
    pub task_id: String,
    /// The row's format.
    pub format: Format,
    /// Why it is skipped.
    pub reason: String,
}

/// The problems of a file, in file order, and the rows that were skipped.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProblemSet {
    /// The problems.
    pub problems: Vec<Problem>,
    /// Rows that cannot be judged on stdin/stdout.
    pub unsupported: Vec<Unsupported>,
}

impl ProblemSet {
    /// The problem with this task id.
    pub fn get(&self, task_id: &str) -> Option<&Problem> {
        self.problems.iter().find(|p| p.task_id == task_id)
    }
}

/// Why a problems file could not be read. Messages name the file, the line and the
/// field.
#[derive(Debug, thiserror::Error)]
pub enum ProblemError {
    /// The file could not be opened.
    #[error("opening problems file `{path}`")]
    Open {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// Reading (or decompressing) failed, or a line is not UTF-8.
    #[error("reading problems file `{path}` line {line}")]
    Read {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// A line is not JSON.
    #[error("problems file `{path}` line {line}: invalid json: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The cause.
        source: serde_json::Error,
    },
    /// A line is JSON but not a problem of any known format.
    #[error(
        "problems file `{path}` line {line}: not a problem (expected a json object with \
         `tests`, `input_output`, `public_tests` or `public_test_cases`)"
    )]
    UnknownFormat {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
    },
    /// A required field is absent.
    #[error("problems file `{path}` line {line}: missing field `{field}`")]
    MissingField {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The field (`tests[2].output` for a nested one).
        field: String,
    },
    /// A field is present but wrong.
    #[error("problems file `{path}` line {line}: field `{field}`: {message}")]
    BadField {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The field (`tests[2].output` for a nested one).
        field: String,
        /// What is wrong (`expected a string`).
        message: String,
    },
    /// Two rows have the same task id.
    #[error(
        "problems file `{path}` line {line}: duplicate task id `{task_id}` (first on line {first})"
    )]
    DuplicateTask {
        /// The file.
        path: PathBuf,
        /// 1-based line of the second row.
        line: usize,
        /// 1-based line of the first.
        first: usize,
        /// The task id.
        task_id: String,
    },
}

/// Reads a problems file, gzip-compressed or not (detected from its first bytes).
pub fn load_problems(path: &Path) -> Result<ProblemSet, ProblemError> {
    let open_err = |source| ProblemError::Open {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(open_err)?;
    let mut magic = [0u8; 2];
    let gz = file.read(&mut magic).map_err(open_err)? == 2 && magic == [0x1f, 0x8b];
    let file = File::open(path).map_err(open_err)?;
    if gz {
        let decoder = flate2::read::MultiGzDecoder::new(file);
        read_problems(path, BufReader::new(decoder))
    } else {
        read_problems(path, BufReader::new(file))
    }
}

/// Reads problems from text already in memory; `path` is only used in error messages.
pub fn parse_problems(path: &Path, text: &str) -> Result<ProblemSet, ProblemError> {
    read_problems(path, text.as_bytes())
}

/// Reads problems from `reader`; `path` is only used in error messages.
pub fn read_problems(path: &Path, mut reader: impl BufRead) -> Result<ProblemSet, ProblemError> {
    let mut set = ProblemSet::default();
    let mut first_line: HashMap<String, usize> = HashMap::new();
    let mut text = String::new();
    let mut line = 0;
    loop {
        line += 1;
        text.clear();
        let n = reader
            .read_line(&mut text)
            .map_err(|source| ProblemError::Read {
                path: path.to_path_buf(),
                line,
                source,
            })?;
        if n == 0 {
            return Ok(set);
        }
        if text.trim().is_empty() {
            continue;
        }
        let value: Value = serde_json::from_str(&text).map_err(|source| ProblemError::Json {
            path: path.to_path_buf(),
            line,
            source,
        })?;
        let row = Row { path, line };
        let (task_id, parsed) = row.problem(&value)?;
        if let Some(&first) = first_line.get(&task_id) {
            return Err(ProblemError::DuplicateTask {
                path: path.to_path_buf(),
                line,
                first,
                task_id,
            });
        }
        first_line.insert(task_id, line);
        match parsed {
            Ok(problem) => set.problems.push(problem),
            Err(unsupported) => set.unsupported.push(unsupported),
        }
    }
}

/// A row being parsed: where it is, for error messages.
struct Row<'a> {
    path: &'a Path,
    line: usize,
}

type Parsed = Result<Problem, Unsupported>;

impl Row<'_> {
    fn bad(&self, field: impl Into<String>, message: impl Into<String>) -> ProblemError {
        ProblemError::BadField {
            path: self.path.to_path_buf(),
            line: self.line,
            field: field.into(),
            message: message.into(),
        }
    }

    fn missing(&self, field: impl Into<String>) -> ProblemError {
        ProblemError::MissingField {
            path: self.path.to_path_buf(),
            line: self.line,
            field: field.into(),
        }
    }

    fn field<'v>(
        &self,
        obj: &'v Map<String, Value>,
        field: &str,
    ) -> Result<&'v Value, ProblemError> {
        obj.get(field).ok_or_else(|| self.missing(field))
    }

    fn string(&self, value: &Value, field: &str) -> Result<String, ProblemError> {
        value
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| self.bad(field, "expected a string"))
    }

    /// A task id: a string, or an integer written as one.
    fn task_id(&self, obj: &Map<String, Value>, field: &str) -> Result<String, ProblemError> {
        match self.field(obj, field)? {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) if n.is_i64() || n.is_u64() => Ok(n.to_string()),
            _ => Err(self.bad(field, "expected a string or an integer")),
        }
    }

    /// An optional string (absent or `null` is `None`).
    fn opt_string(
        &self,
        obj: &Map<String, Value>,
        field: &str,
    ) -> Result<Option<String>, ProblemError> {
        match obj.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => self.string(v, field).map(Some),
        }
    }

    /// An optional non-negative integer (absent or `null` is `None`).
    fn opt_u64(&self, obj: &Map<String, Value>, field: &str) -> Result<Option<u64>, ProblemError> {
        match obj.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| self.bad(field, "expected a non-negative integer")),
        }
    }

    /// A field that foreign formats store either as JSON text or as the JSON value itself.
    fn embedded_json(&self, value: &Value, field: &str) -> Result<Value, ProblemError> {
        match value {
            Value::String(text) => serde_json::from_str(text)
                .map_err(|e| self.bad(field, format!("invalid embedded json: {e}"))),
            other => Ok(other.clone()),
        }
    }

    fn problem(&self, value: &Value) -> Result<(String, Parsed), ProblemError> {
        let Some(obj) = value.as_object() else {
            return Err(ProblemError::UnknownFormat {
                path: self.path.to_path_buf(),
                line: self.line,
            });
        };
        let has = |field: &str| obj.contains_key(field);
        if has("tests") {
            self.native(obj)
        } else if has("input_output") {
            self.apps(obj)
        } else if has("public_tests") || has("private_tests") || has("generated_tests") {
            self.code_contests(obj)
        } else if has("public_test_cases") || has("private_test_cases") {
            self.live_code_bench(obj)
        } else {
            Err(ProblemError::UnknownFormat {
                path: self.path.to_path_buf(),
                line: self.line,
            })
        }
    }

    fn base_problem(&self, task_id: &str, tests: Vec<Case>, statement: Option<String>) -> Problem {
        Problem {
            task_id: task_id.to_owned(),
            tests,
            compare: CompareMode::default(),
            checker: None,
            time_limit_ms: None,
            memory_limit_bytes: None,
            statement,
            line: self.line,
        }
    }

    fn unsupported(&self, task_id: &str, format: Format, reason: impl Into<String>) -> Parsed {
        Err(Unsupported {
            line: self.line,
            task_id: task_id.to_owned(),
            format,
            reason: reason.into(),
        })
    }

    fn native(&self, obj: &Map<String, Value>) -> Result<(String, Parsed), ProblemError> {
        let task_id = self.task_id(obj, "task_id")?;
        let Value::Array(rows) = &obj["tests"] else {
            return Err(self.bad("tests", "expected a list of {input, output} objects"));
        };
        if rows.is_empty() {
            return Err(self.bad("tests", "no cases"));
        }
        let mut tests = Vec::with_capacity(rows.len());
        for (i, case) in rows.iter().enumerate() {
            let name = |f: &str| format!("tests[{i}].{f}");
            let Some(case) = case.as_object() else {
                return Err(self.bad(format!("tests[{i}]"), "expected an {input, output} object"));
            };
            let get = |f: &str| case.get(f).ok_or_else(|| self.missing(name(f)));
            tests.push(Case {
                input: self.string(get("input")?, &name("input"))?,
                expected: self.string(get("output")?, &name("output"))?,
            });
        }
        let checker =
            match obj.get("checker") {
                None | Some(Value::Null) => None,
                Some(v) => Some(serde_json::from_value::<Checker>(v.clone()).map_err(|e| {
                    self.bad("checker", format!("expected {{language, code}}: {e}"))
                })?),
            };
        let compare = match obj.get("compare") {
            None | Some(Value::Null) if checker.is_some() => CompareMode::Checker,
            None | Some(Value::Null) => CompareMode::default(),
            Some(v) => self.compare_mode(v)?,
        };
        match (compare, &checker) {
            (CompareMode::Checker, None) => {
                return Err(self.bad("compare", "mode `checker` needs a `checker` field"));
            }
            (mode, Some(_)) if mode != CompareMode::Checker => {
                return Err(self.bad(
                    "compare",
                    format!("mode `{}` conflicts with the `checker` field", mode.name()),
                ));
            }
            _ => {}
        }
        let mut problem = self.base_problem(&task_id, tests, self.opt_string(obj, "statement")?);
        problem.compare = compare;
        problem.checker = checker;
        problem.time_limit_ms = self.opt_u64(obj, "time_limit_ms")?;
        problem.memory_limit_bytes = self.opt_u64(obj, "memory_limit_bytes")?;
        Ok((task_id, Ok(problem)))
    }

    /// `"exact"`, or `{"mode": "tokens", "abs_tol": 1e-6, "rel_tol": 1e-6}`.
    fn compare_mode(&self, value: &Value) -> Result<CompareMode, ProblemError> {
        let (mode, obj) = match value {
            Value::String(mode) => (mode.as_str(), None),
            Value::Object(obj) => match obj.get("mode") {
                Some(Value::String(mode)) => (mode.as_str(), Some(obj)),
                Some(_) => return Err(self.bad("compare.mode", "expected a string")),
                None => return Err(self.missing("compare.mode")),
            },
            _ => return Err(self.bad("compare", "expected a mode name or a {mode, ...} object")),
        };
        let allowed: &[&str] = if mode == "tokens" {
            &["mode", "abs_tol", "rel_tol"]
        } else {
            &["mode"]
        };
        if let Some(extra) = obj
            .into_iter()
            .flat_map(|o| o.keys())
            .find(|k| !allowed.contains(&k.as_str()))
        {
            return Err(self.bad(
                format!("compare.{extra}"),
                format!("unknown for mode `{mode}`"),
            ));
        }
        let tol = |field: &str| -> Result<f64, ProblemError> {
            match obj.and_then(|o| o.get(field)) {
                None | Some(Value::Null) => Ok(0.0),
                Some(v) => v
                    .as_f64()
                    .filter(|t| t.is_finite() && *t >= 0.0)
                    .ok_or_else(|| {
                        self.bad(format!("compare.{field}"), "expected a non-negative number")
                    }),
            }
        };
        Ok(match mode {
            "exact" => CompareMode::Exact,
            "trailing_whitespace" => CompareMode::TrailingWhitespace,
            "tokens" => CompareMode::Tokens {
                abs_tol: tol("abs_tol")?,
                rel_tol: tol("rel_tol")?,
            },
            "checker" => CompareMode::Checker,
            other => {
                return Err(self.bad(
                    "compare.mode",
                    format!("unknown mode `{other}` (expected exact, trailing_whitespace, tokens or checker)"),
                ));
            }
        })
    }

    /// APPS: `input_output` is JSON text `{"inputs": [...], "outputs": [...]}`, plus
    /// `fn_name` for call-based problems. An input or output given as a list of lines is
    /// joined with `\n`, as APPS's `testing_util.py` does for standard-input problems.
    fn apps(&self, obj: &Map<String, Value>) -> Result<(String, Parsed), ProblemError> {
        let task_id = self.task_id(obj, "problem_id")?;
        let raw = &obj["input_output"];
        if raw.as_str().is_some_and(|s| s.trim().is_empty()) || raw.is_null() {
            return Ok((
                task_id.clone(),
                self.unsupported(&task_id, Format::Apps, "no tests"),
            ));
        }
        let io = self.embedded_json(raw, "input_output")?;
        let Some(io) = io.as_object() else {
            return Err(self.bad("input_output", "expected {inputs, outputs}"));
        };
        if let Some(name) = io.get("fn_name") {
            let reason = format!("call-based (fn_name {name}), not a stdin/stdout problem");
            return Ok((
                task_id.clone(),
                self.unsupported(&task_id, Format::Apps, reason),
            ));
        }
        let list = |field: &str| -> Result<Vec<String>, ProblemError> {
            let name = format!("input_output.{field}");
            let Some(Value::Array(items)) = io.get(field) else {
                return Err(self.bad(&name, "expected a list"));
            };
            items
                .iter()
                .enumerate()
                .map(|(i, item)| self.lines_or_string(item, &format!("{name}[{i}]")))
                .collect()
        };
        let tests = self.zip_cases(list("inputs")?, list("outputs")?, "input_output")?;
        let statement = self.opt_string(obj, "question")?;
        let parsed = if tests.is_empty() {
            self.unsupported(&task_id, Format::Apps, "no tests")
        } else {
            Ok(self.base_problem(&task_id, tests, statement))
        };
        Ok((task_id, parsed))
    }

    fn lines_or_string(&self, value: &Value, field: &str) -> Result<String, ProblemError> {
        match value {
            Value::String(s) => Ok(s.clone()),
            Value::Array(lines) => {
                let lines: Option<Vec<&str>> = lines.iter().map(Value::as_str).collect();
                lines
                    .map(|l| l.join("\n"))
                    .ok_or_else(|| self.bad(field, "expected a string or a list of strings"))
            }
            _ => Err(self.bad(field, "expected a string or a list of strings")),
        }
    }

    fn zip_cases(
        &self,
        inputs: Vec<String>,
        outputs: Vec<String>,
        field: &str,
    ) -> Result<Vec<Case>, ProblemError> {
        if inputs.len() != outputs.len() {
            let message = format!("{} inputs but {} outputs", inputs.len(), outputs.len());
            return Err(self.bad(field, message));
        }
        Ok(inputs
            .into_iter()
            .zip(outputs)
            .map(|(input, expected)| Case { input, expected })
            .collect())
    }

    /// CodeContests: public, private and generated tests, each `{input: [..], output:
    /// [..]}`; `time_limit` `{seconds, nanos}`; `memory_limit_bytes` (0: unknown).
    fn code_contests(&self, obj: &Map<String, Value>) -> Result<(String, Parsed), ProblemError> {
        let task_id = self.task_id(obj, "name")?;
        let mut tests = Vec::new();
        for group in ["public_tests", "private_tests", "generated_tests"] {
            let Some(value) = obj.get(group).filter(|v| !v.is_null()) else {
                continue;
            };
            let Some(value) = value.as_object() else {
                return Err(self.bad(group, "expected {input: [...], output: [...]}"));
            };
            let list = |field: &str| -> Result<Vec<String>, ProblemError> {
                let name = format!("{group}.{field}");
                let Some(Value::Array(items)) = value.get(field) else {
                    return Err(self.bad(&name, "expected a list of strings"));
                };
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| self.string(item, &format!("{name}[{i}]")))
                    .collect()
            };
            tests.extend(self.zip_cases(list("input")?, list("output")?, group)?);
        }
        if tests.is_empty() {
            return Ok((
                task_id.clone(),
                self.unsupported(&task_id, Format::CodeContests, "no tests"),
            ));
        }
        let mut problem = self.base_problem(&task_id, tests, self.opt_string(obj, "description")?);
        problem.time_limit_ms = match obj.get("time_limit") {
            None | Some(Value::Null) => None,
            Some(Value::Object(t)) => {
                let part = |f: &str| match t.get(f) {
                    None | Some(Value::Null) => Ok(0),
                    Some(v) => v.as_u64().ok_or_else(|| {
                        self.bad(format!("time_limit.{f}"), "expected a non-negative integer")
                    }),
                };
                Some(part("seconds")? * 1000 + part("nanos")? / 1_000_000).filter(|&ms| ms > 0)
            }
            Some(_) => return Err(self.bad("time_limit", "expected {seconds, nanos}")),
        };
        problem.memory_limit_bytes = self.opt_u64(obj, "memory_limit_bytes")?.filter(|&b| b > 0);
        Ok((task_id, Ok(problem)))
    }

    /// LiveCodeBench: `public_test_cases` is JSON text of `[{input, output, testtype}]`;
    /// `private_test_cases` is the same JSON, or base64 of zlib of a pickled str of it.
    fn live_code_bench(&self, obj: &Map<String, Value>) -> Result<(String, Parsed), ProblemError> {
        let task_id = self.task_id(obj, "question_id")?;
        let mut tests = Vec::new();
        for group in ["public_test_cases", "private_test_cases"] {
            let cases = match obj.get(group) {
                None | Some(Value::Null) => continue,
                Some(Value::String(s)) if s.trim().is_empty() => continue,
                Some(Value::String(s)) if group == "private_test_cases" => self.lcb_private(s)?,
                Some(v) => self.embedded_json(v, group)?,
            };
            let Value::Array(cases) = cases else {
                return Err(self.bad(group, "expected a list of {input, output, testtype}"));
            };
            for (i, case) in cases.iter().enumerate() {
                let name = |f: &str| format!("{group}[{i}].{f}");
                let Some(case) = case.as_object() else {
                    return Err(self.bad(
                        format!("{group}[{i}]"),
                        "expected {input, output, testtype}",
                    ));
                };
                let get = |f: &str| case.get(f).ok_or_else(|| self.missing(name(f)));
                match case.get("testtype").and_then(Value::as_str) {
                    None | Some("stdin") => {}
                    Some(other) => {
                        let reason = format!("`{other}` tests (call-based), not stdin/stdout");
                        return Ok((
                            task_id.clone(),
                            self.unsupported(&task_id, Format::LiveCodeBench, reason),
                        ));
                    }
                }
                tests.push(Case {
                    input: self.string(get("input")?, &name("input"))?,
                    expected: self.string(get("output")?, &name("output"))?,
                });
            }
        }
        if tests.is_empty() {
            return Ok((
                task_id.clone(),
                self.unsupported(&task_id, Format::LiveCodeBench, "no tests"),
            ));
        }
        let statement = self.opt_string(obj, "question_content")?;
        Ok((
            task_id.clone(),
            Ok(self.base_problem(&task_id, tests, statement)),
        ))
    }

    /// LiveCodeBench's private tests: plain JSON, or (as its loader tries next)
    /// `json.loads(pickle.loads(zlib.decompress(base64.b64decode(s))))`.
    fn lcb_private(&self, text: &str) -> Result<Value, ProblemError> {
        const FIELD: &str = "private_test_cases";
        if let Ok(value) = serde_json::from_str(text) {
            return Ok(value);
        }
        let bad =
            |what: String| self.bad(FIELD, format!("neither json nor compressed tests: {what}"));
        let compressed = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|e| bad(format!("base64: {e}")))?;
        let mut pickled = Vec::new();
        flate2::read::ZlibDecoder::new(&compressed[..])
            .read_to_end(&mut pickled)
            .map_err(|e| bad(format!("zlib: {e}")))?;
        let json = pickle::unpickle_str(&pickled).map_err(|e| bad(e.to_string()))?;
        serde_json::from_str(&json)
            .map_err(|e| self.bad(FIELD, format!("invalid json inside the pickle: {e}")))
    }
}

#[cfg(test)]
#[path = "problems_tests.rs"]
mod tests;
