//! The shapes sample files come in, each read as JSON Lines rows by a
//! [`SampleReader`]:
//!
//! - JSONL (`{"task_id", "completion" | "solution"}` per line), plain or
//!   gzipped (`.jsonl.gz`, or any file starting with gzip's magic bytes);
//! - an EvalPlus samples folder, `<dir>/<task_id with / as _>/<n>.py`, each
//!   file a whole program (`solution`), as EvalPlus's `load_solutions`
//!   reads it; tasks in natural order, a task's files by their number; each
//!   row gets `_path`, the file it came from;
//! - bigcode-evaluation-harness's `generations.json`: a JSON array holding,
//!   for each task in the dataset's order, the list of its generations
//!   (whole programs, prompt included, so each is a `solution`);
//! - CRUXEval's generations file (`.json`): an object from sample id to the
//!   list of its generations, each a `completion` with its
//!   `generation_index`;
//! - ClassEval's model-output file (`.json`): an array of `{"task_id",
//!   "predict": [responses]}`, each response a `completion` with its
//!   `generation_index`.

use std::fs::File;
use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::samples::{SampleError, SampleReader};

/// A reader of any of the module's shapes.
pub type AnyReader = SampleReader<Box<dyn BufRead + Send>>;

/// Opens the samples at `path`; `task_ids` is the benchmark's tasks in the
/// dataset's order (for `generations.json`, whose rows are unnamed).
/// `line_order`: JSONL rows without a `task_id` answer the tasks in order,
/// and a list-valued `completion` or `solution` is one sample per item (the
/// CodeEval-Pro harness's `results.jsonl`).
pub fn open(path: &Path, task_ids: &[&str], line_order: bool) -> Result<AnyReader, SampleError> {
    let open_error = |source| SampleError::Open {
        path: path.to_path_buf(),
        source,
    };
    if path.is_dir() {
        let rows = folder_rows(path)?;
        return Ok(SampleReader::from_reader(path, Box::new(Cursor::new(rows))));
    }
    let mut file = BufReader::new(File::open(path).map_err(open_error)?);
    let head = file.fill_buf().map_err(open_error)?;
    if head.starts_with(&[0x1f, 0x8b]) {
        let reader = BufReader::new(flate2::read::MultiGzDecoder::new(file));
        return Ok(SampleReader::from_reader(path, Box::new(reader)));
    }
    let first = head.iter().find(|b| !b.is_ascii_whitespace()).copied();
    let json_name = path.extension().is_some_and(|e| e == "json");
    if json_name && first == Some(b'[') {
        let rows = generation_rows(path, file, task_ids)?;
        return Ok(SampleReader::from_reader(path, Box::new(Cursor::new(rows))));
    }
    if json_name && first == Some(b'{') {
        let mut text = Vec::new();
        file.read_to_end(&mut text).map_err(open_error)?;
        let rows = match serde_json::from_slice::<Value>(&text) {
            // A one-line JSONL file named `.json` is read as JSONL.
            Ok(Value::Object(map)) if !is_sample_row(&map) => keyed_rows(path, &map)?,
            _ => text,
        };
        return Ok(SampleReader::from_reader(path, Box::new(Cursor::new(rows))));
    }
    if line_order {
        let mut text = Vec::new();
        file.read_to_end(&mut text).map_err(open_error)?;
        let rows = ordered_rows(path, &text, task_ids)?;
        return Ok(SampleReader::from_reader(path, Box::new(Cursor::new(rows))));
    }
    Ok(SampleReader::from_reader(path, Box::new(file)))
}

/// JSONL rows with each id-less row given the task of its line (the n-th
/// non-blank line answers the n-th task) and list-valued code split into
/// one row per item, with its `generation_index`. Lines that are not JSON
/// objects are passed on for the reader to report.
fn ordered_rows(path: &Path, text: &[u8], task_ids: &[&str]) -> Result<Vec<u8>, SampleError> {
    let mut out = Vec::new();
    let lines = text
        .split(|b| *b == b'\n')
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace));
    for (index, line) in lines.enumerate() {
        let Ok(Value::Object(mut row)) = serde_json::from_slice::<Value>(line) else {
            out.extend_from_slice(line);
            out.push(b'\n');
            continue;
        };
        if !row.contains_key("task_id") {
            let Some(task_id) = task_ids.get(index) else {
                return Err(SampleError::Generations {
                    path: path.to_path_buf(),
                    message: format!(
                        "row {} has no `task_id` and the benchmark has only {} tasks",
                        index + 1,
                        task_ids.len()
                    ),
                });
            };
            row.insert("task_id".into(), json!(task_id));
        }
        let listed = ["solution", "completion"]
            .into_iter()
            .find(|field| row.get(*field).is_some_and(Value::is_array));
        let items = match listed.and_then(|field| row.remove(field).map(|v| (field, v))) {
            Some((field, Value::Array(items))) => items
                .into_iter()
                .enumerate()
                .map(|(n, item)| {
                    let mut copy = row.clone();
                    copy.insert(field.into(), item);
                    copy.insert("generation_index".into(), json!(n));
                    copy
                })
                .collect(),
            _ => vec![row],
        };
        for item in items {
            out.extend_from_slice(Value::Object(item).to_string().as_bytes());
            out.push(b'\n');
        }
    }
    Ok(out)
}

/// The results path beside a samples path: its name without `.jsonl`,
/// `.jsonl.gz` or `.json`, plus `suffix`.
pub fn beside(samples: &Path, suffix: &str) -> PathBuf {
    let text = samples.display().to_string();
    let text = text.trim_end_matches('/');
    let stem = [".jsonl.gz", ".jsonl", ".json"]
        .iter()
        .find_map(|ext| text.strip_suffix(ext))
        .unwrap_or(text);
    PathBuf::from(format!("{stem}{suffix}"))
}

/// JSONL rows for an EvalPlus samples folder.
fn folder_rows(dir: &Path) -> Result<Vec<u8>, SampleError> {
    let list = |dir: &Path| -> Result<Vec<PathBuf>, SampleError> {
        let entries = std::fs::read_dir(dir).map_err(|source| SampleError::Open {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        paths.sort_by_key(|p| natural_key(p));
        Ok(paths)
    };
    let mut out = Vec::new();
    for task_dir in list(dir)?.into_iter().filter(|p| p.is_dir()) {
        let Some(name) = task_dir.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let task_id = name.replace('_', "/");
        for file in list(&task_dir)? {
            if !file.is_file() || file.extension().is_none_or(|e| e != "py") {
                continue;
            }
            let code = std::fs::read_to_string(&file).map_err(|source| SampleError::Open {
                path: file.clone(),
                source,
            })?;
            let row = json!({
                "task_id": task_id,
                "solution": code,
                "_path": file.display().to_string(),
            });
            out.extend_from_slice(row.to_string().as_bytes());
            out.push(b'\n');
        }
    }
    Ok(out)
}

/// Whether a JSON object is one sample row rather than a map of them.
fn is_sample_row(map: &serde_json::Map<String, Value>) -> bool {
    map.contains_key("task_id")
}

/// JSONL rows for CRUXEval's generations file: an object from sample id to
/// its list of generations, each generation a `completion` row with its
/// `generation_index`, in the file's order.
fn keyed_rows(path: &Path, map: &serde_json::Map<String, Value>) -> Result<Vec<u8>, SampleError> {
    let mut out = Vec::new();
    for (task_id, generations) in map {
        let Value::Array(generations) = generations else {
            return Err(SampleError::Generations {
                path: path.to_path_buf(),
                message: format!("key `{task_id}`: expected a list of generations (strings)"),
            });
        };
        for (n, code) in generations.iter().enumerate() {
            let Value::String(code) = code else {
                return Err(SampleError::Generations {
                    path: path.to_path_buf(),
                    message: format!("key `{task_id}`, generation {n}: expected a string"),
                });
            };
            let row = json!({ "task_id": task_id, "completion": code, "generation_index": n });
            out.extend_from_slice(row.to_string().as_bytes());
            out.push(b'\n');
        }
    }
    Ok(out)
}

/// Orders `HumanEval_2` before `HumanEval_10`, and `2.py` before `10.py`.
fn natural_key(path: &Path) -> (String, u64, String) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name.strip_suffix(".py").unwrap_or(&name);
    let digits_at = stem
        .rfind(|c: char| !c.is_ascii_digit())
        .map_or(0, |i| i + 1);
    let number = stem[digits_at..].parse().unwrap_or(u64::MAX);
    (stem[..digits_at].to_string(), number, name.clone())
}

/// JSONL rows for a `generations.json`.
/// ClassEval's model-output file: a JSON array of tasks, each with its
/// `task_id` and `predict` (the raw responses, one per sample), read as one
/// `completion` row per response with its `generation_index`. The other
/// fields the official files carry are not read, as there.
fn predict_rows(tasks: &[Value]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    for (index, task) in tasks.iter().enumerate() {
        let task_id = task
            .get("task_id")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("item {index}: field `task_id`: expected a string"))?;
        let Some(Value::Array(predicts)) = task.get("predict") else {
            return Err(format!(
                "item {index} ({task_id}): field `predict`: expected a list of strings"
            ));
        };
        for (n, response) in predicts.iter().enumerate() {
            let Value::String(response) = response else {
                return Err(format!(
                    "item {index} ({task_id}), predict {n}: expected a string"
                ));
            };
            let row = json!({"task_id": task_id, "completion": response, "generation_index": n});
            out.extend_from_slice(row.to_string().as_bytes());
            out.push(b'\n');
        }
    }
    Ok(out)
}

fn generation_rows(
    path: &Path,
    mut file: impl Read,
    task_ids: &[&str],
) -> Result<Vec<u8>, SampleError> {
    let mut text = Vec::new();
    file.read_to_end(&mut text)
        .map_err(|source| SampleError::Read {
            path: path.to_path_buf(),
            line: 1,
            source,
        })?;
    let value: Value = serde_json::from_slice(&text).map_err(|source| SampleError::Json {
        path: path.to_path_buf(),
        line: source.line(),
        source,
    })?;
    let bad = |why: String| SampleError::Generations {
        path: path.to_path_buf(),
        message: why,
    };
    let Value::Array(tasks) = value else {
        return Err(bad("expected a json array".into()));
    };
    if tasks.first().is_some_and(|t| t.get("predict").is_some()) {
        return predict_rows(&tasks).map_err(bad);
    }
    if tasks.len() > task_ids.len() {
        return Err(bad(format!(
            "{} lists of generations, but the benchmark has {} tasks",
            tasks.len(),
            task_ids.len()
        )));
    }
    let mut out = Vec::new();
    for (index, (generations, task_id)) in tasks.iter().zip(task_ids).enumerate() {
        let Value::Array(generations) = generations else {
            return Err(bad(format!(
                "item {index} ({task_id}): expected a list of generations (strings)"
            )));
        };
        for (n, code) in generations.iter().enumerate() {
            let Value::String(code) = code else {
                return Err(bad(format!(
                    "item {index} ({task_id}), generation {n}: expected a string"
                )));
            };
            let row = json!({ "task_id": task_id, "solution": code });
            out.extend_from_slice(row.to_string().as_bytes());
            out.push(b'\n');
        }
    }
    Ok(out)
}

/// Every sample of a source (for the tests).
#[cfg(test)]
fn rows(path: &Path, task_ids: &[&str]) -> Vec<crate::samples::Sample> {
    open(path, task_ids, false)
        .unwrap()
        .map(|row| match row.unwrap() {
            crate::samples::SampleRow::Valid(sample) => sample,
            other => panic!("{other:?}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn an_evalplus_folder_is_read_in_task_and_number_order() {
        let dir = tempfile::tempdir().unwrap();
        for (task, n, code) in [
            ("HumanEval_10", 0, "a"),
            ("HumanEval_2", 10, "c"),
            ("HumanEval_2", 2, "b"),
        ] {
            std::fs::create_dir_all(dir.path().join(task)).unwrap();
            std::fs::write(dir.path().join(task).join(format!("{n}.py")), code).unwrap();
        }
        std::fs::write(dir.path().join("eval_results.json"), "{}").unwrap();
        std::fs::write(dir.path().join("HumanEval_2").join("notes.txt"), "x").unwrap();
        let samples = rows(dir.path(), &[]);
        let got: Vec<(String, Option<&str>)> = samples
            .iter()
            .map(|s| (s.task_id.to_string(), s.solution.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("HumanEval/2".to_string(), Some("b")),
                ("HumanEval/2".to_string(), Some("c")),
                ("HumanEval/10".to_string(), Some("a")),
            ]
        );
        assert!(
            samples[0].fields["_path"]
                .as_str()
                .unwrap()
                .ends_with("HumanEval_2/2.py")
        );
    }

    #[test]
    fn gzipped_jsonl_is_read_as_jsonl() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl.gz");
        let mut gz = flate2::write::GzEncoder::new(
            File::create(&path).unwrap(),
            flate2::Compression::default(),
        );
        gz.write_all(b"{\"task_id\": \"HumanEval/0\", \"completion\": \"    return 1\\n\"}\n")
            .unwrap();
        gz.finish().unwrap();
        let samples = rows(&path, &[]);
        assert_eq!(samples.len(), 1);
        assert_eq!(samples[0].completion.as_deref(), Some("    return 1\n"));
    }

    #[test]
    fn generations_json_rows_are_the_tasks_in_dataset_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("generations.json");
        std::fs::write(&path, r#"[["a", "b"], ["c"]]"#).unwrap();
        let samples = rows(&path, &["HumanEval/0", "HumanEval/1", "HumanEval/2"]);
        let got: Vec<(String, &str)> = samples
            .iter()
            .map(|s| (s.task_id.to_string(), s.solution.as_deref().unwrap()))
            .collect();
        assert_eq!(
            got,
            [
                ("HumanEval/0".to_string(), "a"),
                ("HumanEval/0".to_string(), "b"),
                ("HumanEval/1".to_string(), "c"),
            ]
        );
        std::fs::write(&path, r#"[["a"], [1]]"#).unwrap();
        let error = open(&path, &["HumanEval/0", "HumanEval/1"], false)
            .err()
            .unwrap();
        assert_eq!(
            error.to_string(),
            format!(
                "samples file `{}`: item 1 (HumanEval/1), generation 0: expected a string",
                path.display()
            )
        );
        std::fs::write(&path, r#"[["a"], ["b"]]"#).unwrap();
        let error = open(&path, &["HumanEval/0"], false).err().unwrap();
        assert!(
            error
                .to_string()
                .contains("2 lists of generations, but the benchmark has 1 tasks")
        );
    }

    #[test]
    fn results_go_beside_the_samples_without_their_extension() {
        assert_eq!(
            beside(Path::new("a/s.jsonl.gz"), "_results.jsonl"),
            PathBuf::from("a/s_results.jsonl")
        );
        assert_eq!(
            beside(Path::new("generations.json"), "_results.jsonl"),
            PathBuf::from("generations_results.jsonl")
        );
        assert_eq!(
            beside(Path::new("samples/"), "_results.jsonl"),
            PathBuf::from("samples_results.jsonl")
        );
    }
}
