//! The problems files of the unittest-judged benchmarks: BigCodeBench's
//! (the dataset's rows as JSON lines, as the official harness caches them,
//! or one JSON object keyed by task id, or a JSON array) and ClassEval's
//! (one JSON array). Errors name the file, the row (its line, or its place
//! in the array or object, 1-based) and the field.

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use crate::dataset::{DatasetError, Task};

/// What a unittest-judged task carries beyond a [`Task`]'s common fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnittestTask {
    /// BigCodeBench's `code_prompt` (the imports and the bare `def`), put
    /// before a calibrated sample with `"\n    pass\n"`.
    pub code_prompt: String,
    /// The TestCase classes to run: ClassEval's `test_classes`; for
    /// BigCodeBench, `TestCases`.
    pub classes: Vec<String>,
    /// ClassEval's `import_statement` lines.
    pub imports: Vec<String>,
}

/// Reads a whole problems file, decompressing gzip.
fn read_text(path: &Path) -> Result<String, DatasetError> {
    let open_err = |source| DatasetError::Open {
        path: path.to_path_buf(),
        source,
    };
    let mut bytes = Vec::new();
    File::open(path)
        .map_err(open_err)?
        .read_to_end(&mut bytes)
        .map_err(open_err)?;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut text = String::new();
        flate2::read::MultiGzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .map_err(|source| DatasetError::Read {
                path: path.to_path_buf(),
                line: 1,
                source,
            })?;
        return Ok(text);
    }
    String::from_utf8(bytes).map_err(|e| DatasetError::Read {
        path: path.to_path_buf(),
        line: 1,
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
    })
}

/// The rows of a file holding one JSON value (an array, or an object keyed
/// by task id) or JSON lines, each with its 1-based place.
fn rows(path: &Path, text: &str) -> Result<Vec<(usize, Value)>, DatasetError> {
    let bad = |line, expected| DatasetError::BadField {
        path: path.to_path_buf(),
        line,
        field: "(row)",
        expected,
    };
    if let Ok(whole) = serde_json::from_str::<Value>(text) {
        return match whole {
            Value::Array(items) => Ok(items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (i + 1, v))
                .collect()),
            Value::Object(map) if map.contains_key("task_id") => Ok(vec![(1, Value::Object(map))]),
            Value::Object(map) => Ok(map
                .into_iter()
                .enumerate()
                .map(|(i, (_, v))| (i + 1, v))
                .collect()),
            _ => Err(bad(1, "a json array, object or json lines of tasks")),
        };
    }
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value = serde_json::from_str::<Value>(line).map_err(|e| DatasetError::BadField {
            path: path.to_path_buf(),
            line: index + 1,
            field: "(row)",
            expected: if e.is_eof() {
                "a complete json object (the line is cut short)"
            } else {
                "a json object"
            },
        })?;
        found.push((index + 1, value));
    }
    Ok(found)
}

struct Fields<'a> {
    path: &'a Path,
    line: usize,
    value: &'a Value,
}

impl Fields<'_> {
    fn string(&self, field: &'static str) -> Result<String, DatasetError> {
        match self.value.get(field) {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(DatasetError::BadField {
                path: self.path.to_path_buf(),
                line: self.line,
                field,
                expected: "a string",
            }),
            None => Err(DatasetError::MissingField {
                path: self.path.to_path_buf(),
                line: self.line,
                field,
            }),
        }
    }

    fn strings(&self, field: &'static str) -> Result<Vec<String>, DatasetError> {
        let bad = || DatasetError::BadField {
            path: self.path.to_path_buf(),
            line: self.line,
            field,
            expected: "a list of strings",
        };
        match self.value.get(field) {
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| item.as_str().map(str::to_string).ok_or_else(bad))
                .collect(),
            Some(_) => Err(bad()),
            None => Err(DatasetError::MissingField {
                path: self.path.to_path_buf(),
                line: self.line,
                field,
            }),
        }
    }
}

/// BigCodeBench's tasks. The official harness requires `task_id`,
/// `complete_prompt`, `instruct_prompt`, `canonical_solution`,
/// `code_prompt`, `test` and `entry_point`; so does this.
pub fn load_bigcodebench(path: &Path) -> Result<Vec<Task>, DatasetError> {
    let text = read_text(path)?;
    let mut tasks = Vec::new();
    for (line, value) in rows(path, &text)? {
        if !value.is_object() {
            return Err(DatasetError::BadField {
                path: path.to_path_buf(),
                line,
                field: "(row)",
                expected: "a json object",
            });
        }
        let fields = Fields {
            path,
            line,
            value: &value,
        };
        fields.string("instruct_prompt")?;
        tasks.push(Task {
            task_id: fields.string("task_id")?,
            prompt: fields.string("complete_prompt")?,
            description: None,
            entry_point: fields.string("entry_point")?,
            canonical_solution: fields.string("canonical_solution")?,
            test: fields.string("test")?,
            plus: None,
            stdio: None,
            unittest: Some(Arc::new(UnittestTask {
                code_prompt: fields.string("code_prompt")?,
                classes: vec!["TestCases".to_string()],
                imports: Vec::new(),
            })),
            raw: String::new(),
            enamel: None,
            line,
        });
    }
    Ok(tasks)
}

/// ClassEval's tasks: `task_id`, `skeleton` (the prompt), `solution_code`,
/// `test`, `test_classes`, `import_statement`.
pub fn load_classeval(path: &Path) -> Result<Vec<Task>, DatasetError> {
    let text = read_text(path)?;
    let mut tasks = Vec::new();
    for (line, value) in rows(path, &text)? {
        let fields = Fields {
            path,
            line,
            value: &value,
        };
        tasks.push(Task {
            task_id: fields.string("task_id")?,
            prompt: fields.string("skeleton")?,
            description: None,
            entry_point: fields.string("class_name")?,
            canonical_solution: fields.string("solution_code")?,
            test: fields.string("test")?,
            plus: None,
            stdio: None,
            unittest: Some(Arc::new(UnittestTask {
                code_prompt: String::new(),
                classes: fields.strings("test_classes")?,
                imports: fields.strings("import_statement")?,
            })),
            raw: String::new(),
            enamel: None,
            line,
        });
    }
    Ok(tasks)
}

/// The top-level modules `source` imports (`import a.b, c` and `from d
/// import e` at any indentation; relative imports left out), in order of
/// first appearance.
pub fn imported_modules(source: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut add = |name: &str| {
        let top = name.split('.').next().unwrap_or("").trim();
        let valid = !top.is_empty()
            && top.chars().all(|c| c.is_alphanumeric() || c == '_')
            && !top.starts_with(|c: char| c.is_ascii_digit());
        if valid && !found.iter().any(|f| f == top) {
            found.push(top.to_string());
        }
    };
    for line in source.lines() {
        let line = line.trim_start();
        if let Some(rest) = line.strip_prefix("import ") {
            for part in rest.split('#').next().unwrap_or("").split(',') {
                add(part.split_whitespace().next().unwrap_or(""));
            }
        } else if let Some(rest) = line.strip_prefix("from ") {
            let module = rest.split_whitespace().next().unwrap_or("");
            if rest.contains(" import") && !module.starts_with('.') {
                add(module);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_are_found_at_any_depth_once_each() {
        let source = "import numpy as np\nimport os, sys  # two\nfrom matplotlib import pyplot\n\
                      def f():\n    import pandas.io\n    from . import local\n    from sklearn.linear_model import X\n\
                      import numpy\n";
        assert_eq!(
            imported_modules(source),
            ["numpy", "os", "sys", "matplotlib", "pandas", "sklearn"]
        );
    }

    #[test]
    fn bigcodebench_hard_loads_with_its_code_prompts() {
        let path = crate::test_data_dir().join("bigcodebench/bigcodebench_hard.json");
        if !path.is_file() {
            eprintln!("SKIPPED: {} not found", path.display());
            return;
        }
        let tasks = load_bigcodebench(&path).unwrap();
        assert_eq!(tasks.len(), 148);
        let unit = tasks[0].unittest.as_ref().unwrap();
        assert!(
            unit.code_prompt.contains("def task_func"),
            "{}",
            unit.code_prompt
        );
        assert!(tasks.iter().all(|t| t.entry_point == "task_func"));
    }

    #[test]
    fn a_row_without_a_field_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bcb.jsonl");
        std::fs::write(
            &path,
            "{\"task_id\": \"BigCodeBench/0\", \"complete_prompt\": \"\", \"instruct_prompt\": \"\", \"canonical_solution\": \"\", \"code_prompt\": \"\", \"test\": \"\", \"entry_point\": \"task_func\"}\n{\"task_id\": \"BigCodeBench/1\"}\n",
        )
        .unwrap();
        let error = load_bigcodebench(&path).unwrap_err().to_string();
        assert!(
            error.contains("line 2") && error.contains("instruct_prompt"),
            "{error}"
        );
    }
}
