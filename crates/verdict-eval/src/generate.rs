//! `verdict generate`: samples from a model behind an OpenAI-compatible
//! server (vLLM, TGI, llama.cpp's server, hosted APIs), with prompts built
//! as EvalPlus's generator builds them: the task's prompt completed by a
//! base model (`/v1/completions`, EvalPlus's stop strings), or, for an
//! instruct model (`--chat`), EvalPlus's instruction with the prompt in a
//! code block (`/v1/chat/completions`), the code taken from the answer.

use std::collections::HashSet;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use crate::dataset::{Benchmark, Task, TaskSet};

/// EvalPlus's instruction for chat models (`codegen.py`'s default).
pub const INSTRUCTION_PREFIX: &str = "Please provide a self-contained Python script that solves the following problem in a markdown code block:";

/// EvalPlus's stop strings for direct completion (`EOS`).
const EOS: &[&str] = &[
    "<|endoftext|>",
    "<|endofmask|>",
    "</s>",
    "\nif __name__",
    "\ndef main(",
    "\nprint(",
];

/// What to generate and where.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// The server's base URL (`http://host:8000/v1` or `http://host:8000`).
    pub endpoint: String,
    /// The model's name on the server.
    pub model: String,
    /// The benchmark whose prompts are used.
    pub benchmark: Benchmark,
    /// Its problems file.
    pub problems: PathBuf,
    /// Samples per task.
    pub n: usize,
    /// Sampling temperature.
    pub temperature: f64,
    /// Tokens per answer.
    pub max_tokens: u64,
    /// Chat (instruct model) instead of completions (base model).
    pub chat: bool,
    /// Where the samples go (JSONL).
    pub out: PathBuf,
    /// Keep the rows already in `out` and generate only the missing ones.
    pub resume: bool,
    /// Requests at once.
    pub concurrency: usize,
    /// Tries of one request before it is given up.
    pub retries: u32,
    /// The bearer token (an API key), if any.
    pub api_key: Option<String>,
    /// Only the first tasks.
    pub limit: Option<usize>,
    /// Seconds one request may take.
    pub timeout_s: u64,
}

/// What a run did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct GenerateReport {
    /// Samples written by this run.
    pub written: usize,
    /// Samples kept from an earlier run (`--resume`).
    pub kept: usize,
    /// Samples given up after their retries (not written; a later
    /// `--resume` asks again).
    pub failed: usize,
    /// Prompt and completion tokens the server reported.
    pub prompt_tokens: u64,
    /// Completion tokens.
    pub completion_tokens: u64,
    /// The first failures, in words.
    pub errors: Vec<String>,
}

/// Why generating could not start.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// A file could not be read or written.
    #[error("{what} `{path}`")]
    Io {
        /// What was done.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Something else.
    #[error("{0}")]
    Other(String),
}

/// CRUXEval's direct prompts (its `prompts.py`, `make_direct_output_prompt`
/// and `make_direct_input_prompt`), for a row with `code`, `input`, `output`.
fn cruxeval_prompt(row: &Value, input_prediction: bool) -> Option<String> {
    let code = row.get("code")?.as_str()?;
    if input_prediction {
        let output = row.get("output")?.as_str()?;
        return Some(format!(
            "You will be given a function f and an output in the form f(??) == output. Find any input such that executing f on the input leads to the given output. There may be multiple answers, but you should only output one. In [ANSWER] and [/ANSWER] tags, complete the assertion with one such input that will produce the output when executing the function.\n\n[PYTHON]\ndef f(my_list):\n    count = 0\n    for i in my_list:\n        if len(i) % 2 == 0:\n            count += 1\n    return count\nassert f(??) == 3\n[/PYTHON]\n[ANSWER]\nassert f([\"mq\", \"px\", \"zy\"]) == 3\n[/ANSWER]\n\n[PYTHON]\ndef f(s1, s2):\n    return s1 + s2\nassert f(??) == \"banana\"\n[/PYTHON]\n[ANSWER]\nassert f(\"ba\", \"nana\") == \"banana\"\n[/ANSWER]\n\n[PYTHON]\n{code}\nassert f(??) == {output}\n[/PYTHON]\n[ANSWER]\n"
        ));
    }
    let input = row.get("input")?.as_str()?;
    Some(format!(
        "You are given a Python function and an assertion containing an input to the function. Complete the assertion with a literal (no unsimplified expressions, no function calls) containing the output when executing the provided code on the given input, even if the function is incorrect or incomplete. Do NOT output any extra information. Provide the full assertion with the correct output in [ANSWER] and [/ANSWER] tags, following the examples.\n\n[PYTHON]\ndef f(n):\n    return n\nassert f(17) == ??\n[/PYTHON]\n[ANSWER]\nassert f(17) == 17\n[/ANSWER]\n\n[PYTHON]\ndef f(s):\n    return s + \"a\"\nassert f(\"x9j\") == ??\n[/PYTHON]\n[ANSWER]\nassert f(\"x9j\") == \"x9ja\"\n[/ANSWER]\n\n[PYTHON]\n{code}\nassert f({input}) == ??\n[/PYTHON]\n[ANSWER]\n"
    ))
}

/// CRUXEval's `postprocess_generation` of a direct generation: the text
/// after `[ANSWER]` if any (a chat answer repeats the tags), up to
/// `[/ANSWER]`; then the output after `==`, or the input before it (as
/// `f(...)`).
pub fn cruxeval_answer(text: &str, input_prediction: bool) -> String {
    let mut text = text;
    if let Some((_, after)) = text.split_once("[ANSWER]") {
        text = after;
    }
    if let Some((before, _)) = text.split_once("[/ANSWER]") {
        text = before;
    }
    let text = text.trim();
    if input_prediction {
        let mut answer = text.split("==").next().unwrap_or("").trim().to_string();
        if let Some((_, after)) = answer.split_once("assert f") {
            answer = format!("f{}", after.trim());
        }
        answer.trim().to_string()
    } else {
        match text.split_once("==") {
            Some((_, after)) => after.split("==").next().unwrap_or("").trim().to_string(),
            None => text.to_string(),
        }
    }
}

fn is_cruxeval(benchmark: Benchmark) -> Option<bool> {
    match benchmark.name() {
        "cruxeval-o" => Some(false),
        "cruxeval-i" => Some(true),
        _ => None,
    }
}

/// The stop strings of direct completion for `benchmark` (EvalPlus's, with
/// its per-dataset extras; MultiPL-E's rows carry their own; CRUXEval's).
fn stops_for(benchmark: Benchmark, task: &Task) -> Vec<String> {
    if is_cruxeval(benchmark).is_some() {
        return vec!["[/ANSWER]".to_string()];
    }
    if let Ok(row) = serde_json::from_str::<Value>(&task.raw)
        && let Some(stops) = row.get("stop_tokens").and_then(Value::as_array)
    {
        return stops
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
    }
    let mut stops: Vec<String> = EOS.iter().map(|s| s.to_string()).collect();
    let extra: &[&str] = if benchmark.name().starts_with("mbpp") {
        &["\n\"\"\"", "\nassert"]
    } else {
        &["\ndef ", "\nclass ", "\nimport ", "\nfrom ", "\nassert "]
    };
    stops.extend(extra.iter().map(|s| s.to_string()));
    stops
}

/// The prompt of `task` as the benchmark's generator shows it.
fn prompt_of(benchmark: Benchmark, task: &Task, chat: bool) -> String {
    let raw: Value = serde_json::from_str(&task.raw).unwrap_or(Value::Null);
    if let Some(input_prediction) = is_cruxeval(benchmark)
        && let Some(prompt) = cruxeval_prompt(&raw, input_prediction)
    {
        return prompt;
    }
    // BigCodeBench: its complete and instruct prompts.
    let field = if chat {
        "instruct_prompt"
    } else {
        "complete_prompt"
    };
    if let Some(text) = raw.get(field).and_then(Value::as_str) {
        return text.to_string();
    }
    if task.prompt.trim().is_empty() {
        // MBPP: the statement and the first test, as MBPP's prompt shows them.
        let text = task.description.clone().unwrap_or_default();
        let first = task
            .test
            .lines()
            .find(|l| l.trim_start().starts_with("assert"))
            .unwrap_or("");
        return format!("\"\"\"\n{text}\n{first}\n\"\"\"\n");
    }
    task.prompt.clone()
}

/// Cuts `text` at the first of `stops`.
pub fn cut_at_stops(text: &str, stops: &[String]) -> String {
    let end = stops
        .iter()
        .filter(|s| !s.is_empty())
        .filter_map(|s| text.find(s.as_str()))
        .min()
        .unwrap_or(text.len());
    text[..end].to_string()
}

/// The code of a chat answer: the last fenced block that defines
/// `entry_point`, else the last fenced block, else the whole answer. One
/// pass over the text (EvalPlus's sanitizer searches the answer in cubic
/// time on long answers; this does not).
pub fn extract_code(answer: &str, entry_point: &str) -> String {
    let mut blocks: Vec<&str> = Vec::new();
    let mut rest = answer;
    while let Some(open) = rest.find("```") {
        let after = &rest[open + 3..];
        let Some(line_end) = after.find('\n') else {
            break;
        };
        let body = &after[line_end + 1..];
        let Some(close) = body.find("```") else {
            blocks.push(body);
            break;
        };
        blocks.push(&body[..close]);
        rest = &body[close + 3..];
    }
    if blocks.is_empty() {
        return answer.to_string();
    }
    let defines = |block: &str| {
        block.lines().any(|line| {
            let line = line.trim_start();
            let line = line.strip_prefix("async ").unwrap_or(line);
            line.strip_prefix("def ").is_some_and(|rest| {
                rest.trim_start().starts_with(entry_point)
                    && rest.trim_start()[entry_point.len()..]
                        .trim_start()
                        .starts_with('(')
            })
        })
    };
    let chosen = blocks
        .iter()
        .rev()
        .find(|b| !entry_point.is_empty() && defines(b))
        .or(blocks.last())
        .copied()
        .unwrap_or("");
    chosen.to_string()
}

/// The rows of `out` already written: `(task_id, index)` each.
fn done_rows(out: &Path) -> Result<HashSet<(String, u64)>, GenerateError> {
    let mut done = HashSet::new();
    let file = match std::fs::File::open(out) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(done),
        Err(source) => {
            return Err(GenerateError::Io {
                what: "reading",
                path: out.to_path_buf(),
                source,
            });
        }
    };
    for line in std::io::BufReader::new(file).lines() {
        let Ok(line) = line else { break };
        let Ok(row) = serde_json::from_str::<Value>(&line) else {
            // A line cut by an interrupted run: asked again.
            continue;
        };
        if let (Some(task), Some(index)) = (
            row.get("task_id").and_then(Value::as_str),
            row.get("index").and_then(Value::as_u64),
        ) {
            done.insert((task.to_string(), index));
        }
    }
    Ok(done)
}

/// Generates the samples of `options`; `progress(done, total)` as they come.
pub fn generate(
    options: &GenerateOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<GenerateReport, GenerateError> {
    let tasks = TaskSet::load(options.benchmark, &options.problems)
        .map_err(|e| GenerateError::Other(e.to_string()))?;
    let mut chosen: Vec<&Task> = tasks.tasks().iter().collect();
    if let Some(limit) = options.limit {
        chosen.truncate(limit);
    }
    let done = if options.resume {
        done_rows(&options.out)?
    } else {
        HashSet::new()
    };
    let mut work: Vec<(&Task, u64)> = Vec::new();
    let mut kept = 0;
    for task in &chosen {
        for index in 0..options.n as u64 {
            if done.contains(&(task.task_id.clone(), index)) {
                kept += 1;
            } else {
                work.push((task, index));
            }
        }
    }
    if !options.resume && options.out.exists() {
        return Err(GenerateError::Other(format!(
            "`{}` exists: pass --resume to add to it, or remove it",
            options.out.display()
        )));
    }
    // A line cut by an interrupted run ends with no newline: the next row
    // starts on a line of its own.
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&options.out)
        .map_err(|source| GenerateError::Io {
            what: "opening",
            path: options.out.clone(),
            source,
        })?;
    let ends_cut = std::fs::read(&options.out)
        .ok()
        .is_some_and(|bytes| !bytes.is_empty() && !bytes.ends_with(b"\n"));
    if ends_cut {
        let _ = file.write_all(b"\n");
    }
    let file = Mutex::new(file);
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(options.timeout_s))
        .build();
    let base = options.endpoint.trim_end_matches('/');
    let base = if base.ends_with("/v1") {
        base.to_string()
    } else {
        format!("{base}/v1")
    };
    let url = format!(
        "{base}/{}",
        if options.chat {
            "chat/completions"
        } else {
            "completions"
        }
    );
    let next = AtomicUsize::new(0);
    let finished = AtomicUsize::new(0);
    let written = AtomicUsize::new(0);
    let failed = AtomicUsize::new(0);
    let prompt_tokens = AtomicU64::new(0);
    let completion_tokens = AtomicU64::new(0);
    let errors = Mutex::new(Vec::new());
    let total = work.len();
    std::thread::scope(|scope| {
        for _ in 0..options.concurrency.max(1).min(total.max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&(task, index)) = work.get(i) else {
                        break;
                    };
                    match ask(&agent, &url, options, task, index) {
                        Ok((row, usage)) => {
                            prompt_tokens.fetch_add(usage.0, Ordering::Relaxed);
                            completion_tokens.fetch_add(usage.1, Ordering::Relaxed);
                            let line = format!("{row}\n");
                            let mut file = file.lock().unwrap_or_else(|e| e.into_inner());
                            if file
                                .write_all(line.as_bytes())
                                .and_then(|_| file.flush())
                                .is_ok()
                            {
                                written.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        Err(why) => {
                            failed.fetch_add(1, Ordering::Relaxed);
                            let mut errors = errors.lock().unwrap_or_else(|e| e.into_inner());
                            if errors.len() < 10 {
                                errors.push(format!("{} #{index}: {why}", task.task_id));
                            }
                        }
                    }
                    let now = finished.fetch_add(1, Ordering::Relaxed) + 1;
                    progress(now, total);
                }
            });
        }
    });
    Ok(GenerateReport {
        written: written.into_inner(),
        kept,
        failed: failed.into_inner(),
        prompt_tokens: prompt_tokens.into_inner(),
        completion_tokens: completion_tokens.into_inner(),
        errors: errors.into_inner().unwrap_or_else(|e| e.into_inner()),
    })
}

/// One sample: the request (retried), and the row.
fn ask(
    agent: &ureq::Agent,
    url: &str,
    options: &GenerateOptions,
    task: &Task,
    index: u64,
) -> Result<(Value, (u64, u64)), String> {
    let prompt = prompt_of(options.benchmark, task, options.chat);
    let stops = stops_for(options.benchmark, task);
    let body = if options.chat {
        let message = if is_cruxeval(options.benchmark).is_some() {
            prompt.clone()
        } else {
            format!("{INSTRUCTION_PREFIX}\n```\n{}\n```\n", prompt.trim())
        };
        json!({"model": options.model, "messages": [{"role": "user", "content": message}],
               "temperature": options.temperature, "max_tokens": options.max_tokens, "n": 1})
    } else {
        json!({"model": options.model, "prompt": prompt, "temperature": options.temperature,
               "max_tokens": options.max_tokens, "stop": stops, "n": 1})
    };
    let mut last = String::new();
    for attempt in 0..=options.retries {
        let mut request = agent.post(url).set("Content-Type", "application/json");
        if let Some(key) = &options.api_key {
            request = request.set("Authorization", &format!("Bearer {key}"));
        }
        let wait = match request.send_string(&body.to_string()) {
            Ok(response) => {
                let text = response
                    .into_string()
                    .map_err(|e| format!("reading the answer: {e}"))?;
                let answer: Value = serde_json::from_str(&text)
                    .map_err(|e| format!("the answer is not JSON: {e}"))?;
                return row_of(&answer, options, task, index, &prompt, &stops);
            }
            Err(ureq::Error::Status(status, response)) if status == 429 || status >= 500 => {
                let after = response
                    .header("retry-after")
                    .and_then(|v| v.trim().parse::<f64>().ok());
                last = format!(
                    "HTTP {status}: {}",
                    response.into_string().unwrap_or_default()
                );
                after.map_or(Duration::from_millis(250 << attempt.min(6)), |s| {
                    Duration::from_secs_f64(s.clamp(0.0, 60.0))
                })
            }
            Err(ureq::Error::Status(status, response)) => {
                return Err(format!(
                    "HTTP {status}: {}",
                    crate::results::clip(&response.into_string().unwrap_or_default(), 500)
                ));
            }
            Err(ureq::Error::Transport(e)) => {
                last = e.to_string();
                Duration::from_millis(250 << attempt.min(6))
            }
        };
        if attempt < options.retries {
            std::thread::sleep(wait);
        }
    }
    Err(format!(
        "gave up after {} tries: {last}",
        options.retries + 1
    ))
}

fn row_of(
    answer: &Value,
    options: &GenerateOptions,
    task: &Task,
    index: u64,
    prompt: &str,
    stops: &[String],
) -> Result<(Value, (u64, u64)), String> {
    let choice = answer
        .get("choices")
        .and_then(|c| c.get(0))
        .ok_or("the answer has no `choices`")?;
    let text = if options.chat {
        choice
            .get("message")
            .and_then(|m| m.get("content"))
            .and_then(Value::as_str)
    } else {
        choice.get("text").and_then(Value::as_str)
    }
    .ok_or("the answer's choice has no text")?;
    let usage = answer.get("usage");
    let tokens = |key: &str| {
        usage
            .and_then(|u| u.get(key))
            .and_then(Value::as_u64)
            .unwrap_or(0)
    };
    let mut row = json!({"task_id": task.task_id, "index": index, "raw": text,
                         "finish_reason": choice.get("finish_reason"),
                         "usage": {"prompt_tokens": tokens("prompt_tokens"), "completion_tokens": tokens("completion_tokens")}});
    if let Some(input_prediction) = is_cruxeval(options.benchmark) {
        row["completion"] = json!(cruxeval_answer(text, input_prediction));
    } else if options.chat {
        row["solution"] = json!(extract_code(text, &task.entry_point));
    } else {
        row["completion"] = json!(cut_at_stops(text, stops));
    }
    let _ = prompt;
    Ok((row, (tokens("prompt_tokens"), tokens("completion_tokens"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cruxeval_answers_as_its_postprocessing_takes_them() {
        assert_eq!(cruxeval_answer("assert f(17) == 17\n", false), "17");
        assert_eq!(
            cruxeval_answer("Sure.\n[ANSWER]\nassert f('a') == 'ab'\n[/ANSWER]", false),
            "'ab'"
        );
        assert_eq!(
            cruxeval_answer("assert f([1, 2]) == 3\n", true),
            "f([1, 2])"
        );
        assert_eq!(cruxeval_answer("f(\"x\") == 3", true), "f(\"x\")");
    }

    #[test]
    fn completions_are_cut_at_the_first_stop() {
        let stops = vec!["\ndef ".to_string(), "\nprint(".to_string()];
        assert_eq!(
            cut_at_stops("    return 1\nprint(f())\ndef g", &stops),
            "    return 1"
        );
        assert_eq!(cut_at_stops("    return 1\n", &stops), "    return 1\n");
    }

    #[test]
    fn code_is_the_last_block_that_defines_the_function() {
        let answer = "Sure.\n```python\ndef helper():\n    pass\n```\nThen:\n```python\ndef add(a, b):\n    return a + b\n```\nTest:\n```python\nprint(add(1, 2))\n```\n";
        assert_eq!(
            extract_code(answer, "add"),
            "def add(a, b):\n    return a + b\n"
        );
        assert_eq!(extract_code(answer, "other"), "print(add(1, 2))\n");
        assert_eq!(extract_code("def add(): pass", "add"), "def add(): pass");
        // An unclosed block runs to the end; `adder` is not `add`.
        assert_eq!(
            extract_code("```python\ndef adder(x):\n    return x", "add"),
            "def adder(x):\n    return x"
        );
        // Linear in the answer's length.
        let long = format!("```python\n{}```", "x = 1\n".repeat(200_000));
        assert_eq!(extract_code(&long, "f").len(), 1_200_000);
    }
}
