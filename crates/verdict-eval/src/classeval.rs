//! ClassEval (FudanSELab/ClassEval): the program a sample becomes, and the
//! outcome of each of the task's test classes.

use serde_json::{Map, Value, json};
use verdict_exec::Outcome;

use crate::dataset::Task;
use crate::results::{RESULT_PASSED, RESULT_TIMED_OUT, ResultRow, result_failed};
use crate::unittest_judge::no_report_status;

/// Python's `str.isspace` for one character (`strip` removes these).
fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// `len(s) - len(s.lstrip())`, in characters.
fn leading_spaces(line: &str) -> usize {
    line.chars().take_while(|c| py_space(*c)).count()
}

/// `re.findall(open + "(.*?)" + close, text, re.S)[0]`: the text after the
/// first `open` up to the next `close` (an empty `close`: nothing).
fn first_between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    if close.is_empty() {
        return Some("");
    }
    let end = text[start..].find(close)?;
    Some(&text[start..start + end])
}

/// The code ClassEval's `extract_code` takes from a raw model response
/// (classeval_evaluation/test_pipeline.py @ eaeac44, with each of its
/// quirks: only the text after the first response marker, the first
/// fenced block, an unclosed ```` ```python ```` fence giving nothing, a
/// bare fence keeping its language tag, and without a fence every line
/// equal to a dropped line before the class dropped everywhere). `source`
/// is what the official code calls the model name: the path of the
/// samples file ("incoder" in it selects InCoder's cut).
pub fn extract_code(response: &str, source: &str) -> String {
    let mut text = response.trim_end_matches(py_space);
    for marker in ["### Response:", "@@ Response:", "[/INST]"] {
        if text.contains(marker) {
            text = text.split(marker).nth(1).unwrap_or("");
            break;
        }
    }
    if source.contains("incoder") {
        return text.split("<|/ file |>").next().unwrap_or("").to_string();
    }
    let fences = [
        ("```python", "```"),
        ("```ruby", "```"),
        ("```scss", "```"),
        ("```python", ""),
        ("```", "```"),
        ("[PYTHON]", "[/PYTHON]"),
    ];
    for (open, close) in fences {
        if let Some(code) = first_between(text, open, close) {
            return code.to_string();
        }
    }
    let lines: Vec<&str> = text.split('\n').collect();
    let mut removed: Vec<&str> = Vec::new();
    for line in &lines {
        let stripped = line.trim_matches(py_space);
        if stripped.starts_with("class") {
            break;
        }
        if !stripped.starts_with("import") && !stripped.starts_with("from") {
            removed.push(line);
        }
    }
    let kept: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|line| !removed.contains(line))
        .collect();
    let class_indent = kept
        .iter()
        .find(|l| l.trim_matches(py_space).starts_with("class"))
        .map(|l| leading_spaces(l))
        .unwrap_or(0);
    if class_indent == 0 {
        return kept.join("\n");
    }
    kept.iter()
        .map(|line| {
            let indent = leading_spaces(line).saturating_sub(class_indent);
            format!(
                "{}{}",
                " ".repeat(indent),
                line.trim_start_matches(py_space)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// ClassEval's `add_static_statement`: every line containing
/// `@staticmethod` deleted, then `    @staticmethod` put before each line
/// indented by exactly four characters that starts with `def ` and
/// contains neither `self` nor `cls`.
pub fn add_static_statement(code: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for line in code.split('\n').filter(|l| !l.contains("@staticmethod")) {
        let is_def = line.trim_matches(py_space).starts_with("def ");
        if is_def && !line.contains("self") && !line.contains("cls") && leading_spaces(line) == 4 {
            out.push("    @staticmethod");
        }
        out.push(line);
    }
    out.join("\n")
}

/// The program of a sample: the task's `import_statement` lines, then the
/// class code.
pub fn program(task: &Task, code: &str) -> String {
    let imports = task
        .unittest
        .as_ref()
        .map(|u| u.imports.join("\n"))
        .unwrap_or_default();
    format!("{imports}\n{code}")
}

/// The outcome of one test class, as `get_test_answer` decides it from
/// unittest's counts: `error` when nothing ran (the module or the class
/// failed to load, the 5 s timer fired: the official pipeline then counts
/// nothing) or every test raised, `success` when none failed or raised,
/// `partial_success` when some did, `fail` otherwise.
pub fn class_outcome(entry: &Value) -> &'static str {
    if entry.get("error").is_some() {
        return "error";
    }
    let count = |key: &str| entry.get(key).and_then(Value::as_array).map_or(0, Vec::len);
    let run = entry.get("run").and_then(Value::as_u64).unwrap_or(0) as usize;
    let (failures, errors) = (count("failures"), count("errors"));
    if run == 0 || errors == run {
        "error"
    } else if errors + failures == 0 {
        "success"
    } else if errors + failures < run {
        "partial_success"
    } else {
        "fail"
    }
}

/// The class-level outcome of a sample from its test classes' outcomes:
/// `class_success` when all succeed, `class_partial_success` when none
/// fails or errs, `class_fail` otherwise.
pub fn sample_outcome<'a>(outcomes: impl IntoIterator<Item = &'a str>) -> &'static str {
    let outcomes: Vec<&str> = outcomes.into_iter().collect();
    if outcomes.iter().all(|o| *o == "success") {
        "class_success"
    } else if outcomes
        .iter()
        .all(|o| *o == "success" || *o == "partial_success")
    {
        "class_partial_success"
    } else {
        "class_fail"
    }
}

/// The row of a ClassEval sample: per test class its outcome (every
/// class `error` when the module failed to load or the job left no
/// report, as the official pipeline counts a class whose run raised), the
/// class-level outcome, and `passed` when that is `class_success`.
pub fn row(fields: Map<String, Value>, classes: &[String], outcome: &Outcome) -> ResultRow {
    let report = outcome.harness.as_ref();
    let entries: Vec<Value> = report
        .and_then(|r| r.get("classes"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut outcomes = Map::new();
    for name in classes {
        let entry = entries
            .iter()
            .find(|e| e.get("class").and_then(Value::as_str) == Some(name.as_str()));
        let outcome = entry.map_or("error", class_outcome);
        outcomes.insert(name.clone(), json!(outcome));
    }
    let class_level = sample_outcome(outcomes.values().filter_map(Value::as_str));
    let passed = class_level == "class_success";
    let load_error = report
        .and_then(|r| r.get("load_error"))
        .and_then(Value::as_str);
    let mut details = Map::new();
    details.insert("classeval_outcome".into(), json!(class_level));
    details.insert("test_classes".into(), Value::Object(outcomes.clone()));
    if !entries.is_empty() {
        details.insert("tests".into(), json!(entries));
    }
    details.insert("wall_ms".into(), json!(outcome.wall_ms));
    details.insert("cpu_ms".into(), json!(outcome.cpu_ms));
    let (status, result) = if passed {
        ("passed", RESULT_PASSED.to_string())
    } else if report.is_none() {
        details.insert("exit_code".into(), json!(outcome.exit_code));
        details.insert("signal".into(), json!(outcome.signal));
        (no_report_status(outcome), RESULT_TIMED_OUT.to_string())
    } else if let Some(error) = load_error {
        details.insert("load_error".into(), json!(error));
        ("failed", result_failed(error))
    } else {
        let first_bad = outcomes
            .iter()
            .find(|(_, o)| *o != "success")
            .map(|(name, o)| format!("{name}: {}", o.as_str().unwrap_or("")))
            .unwrap_or_default();
        ("failed", result_failed(&first_bad))
    };
    ResultRow {
        fields,
        passed,
        result,
        status: status.into(),
        details: Some(Value::Object(details)),
    }
}

/// `cal_pass_at_k`: `(C(n, k) - C(n - c, k)) / C(n, k)` in that order of
/// operations, with exact binomials (scipy's `comb` gives the same floats
/// for these sizes), `C(n - c, k)` taken as 0 when `n - c < k`.
pub fn pass_at_k(n: u64, c: u64, k: u64) -> f64 {
    fn comb(n: u64, k: u64) -> f64 {
        if k > n {
            return 0.0;
        }
        let k = k.min(n - k);
        let mut value: u128 = 1;
        for i in 0..k as u128 {
            value = value * (n as u128 - i) / (i + 1);
        }
        value as f64
    }
    let total = comb(n, k);
    let fails = if n - c < k { 0.0 } else { comb(n - c, k) };
    (total - fails) / total
}

/// ClassEval's four scores for one `k`, as `cal_metrics_pass_at_k` sums
/// them: over the tasks in string order of their ids (the order of its
/// `sort_keys` results file), method level over each task's test classes
/// in name order.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Scores {
    /// `fun_success`: method-level pass@k, over every test class of the
    /// tasks present.
    pub fun_success: f64,
    /// `fun_partial_success`: the same counting partial successes.
    pub fun_partial_success: f64,
    /// `class_success`: class-level pass@k, over the tasks present.
    pub class_success: f64,
    /// `class_partial_success`: the same counting class partial successes.
    pub class_partial_success: f64,
}

/// Per task of a run: its samples' count, and per test class how many
/// succeeded and how many succeeded at least partly, and how many samples
/// were class successes and class partial successes.
#[derive(Debug, Default, Clone)]
pub struct TaskTally {
    samples: u64,
    classes: std::collections::BTreeMap<String, (u64, u64)>,
    class_success: u64,
    class_partial: u64,
}

/// Tallies result rows of ClassEval samples by task id (rows without the
/// ClassEval details, such as invalid lines, are left out).
pub fn tally<'a>(
    rows: impl IntoIterator<Item = &'a Map<String, Value>>,
) -> std::collections::BTreeMap<String, TaskTally> {
    let mut tasks: std::collections::BTreeMap<String, TaskTally> = Default::default();
    for row in rows {
        let (Some(task_id), Some(details)) = (
            row.get("task_id").and_then(Value::as_str),
            row.get("details"),
        ) else {
            continue;
        };
        let Some(outcomes) = details.get("test_classes").and_then(Value::as_object) else {
            continue;
        };
        let tally = tasks.entry(task_id.to_string()).or_default();
        tally.samples += 1;
        for (name, outcome) in outcomes {
            let entry = tally.classes.entry(name.clone()).or_default();
            let outcome = outcome.as_str().unwrap_or("");
            entry.0 += u64::from(outcome == "success");
            entry.1 += u64::from(outcome == "success" || outcome == "partial_success");
        }
        match details.get("classeval_outcome").and_then(Value::as_str) {
            Some("class_success") => {
                tally.class_success += 1;
                tally.class_partial += 1;
            }
            Some("class_partial_success") => tally.class_partial += 1,
            _ => {}
        }
    }
    tasks
}

/// The four scores for `k`, or `None` when some task has fewer than `k`
/// samples or there is none.
pub fn scores(tasks: &std::collections::BTreeMap<String, TaskTally>, k: u64) -> Option<Scores> {
    if tasks.is_empty() || tasks.values().any(|t| t.samples < k) {
        return None;
    }
    let (mut fun, mut fun_partial, mut classes) = (0.0, 0.0, 0u64);
    let (mut class, mut class_partial) = (0.0, 0.0);
    for tally in tasks.values() {
        for (success, partial) in tally.classes.values() {
            classes += 1;
            fun += pass_at_k(tally.samples, *success, k);
            fun_partial += pass_at_k(tally.samples, *partial, k);
        }
        class += pass_at_k(tally.samples, tally.class_success, k);
        class_partial += pass_at_k(tally.samples, tally.class_partial, k);
    }
    let count = tasks.len() as f64;
    Some(Scores {
        fun_success: fun / classes.max(1) as f64,
        fun_partial_success: fun_partial / classes.max(1) as f64,
        class_success: class / count,
        class_partial_success: class_partial / count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extraction_keeps_the_official_quirks() {
        let fenced = "Here:\n```python\nclass A:\n    pass\n```\nand\n```python\nx = 1\n```";
        assert_eq!(extract_code(fenced, "out.json"), "\nclass A:\n    pass\n");
        // An unclosed ```python fence gives nothing.
        assert_eq!(
            extract_code("```python\nclass A:\n    pass", "out.json"),
            ""
        );
        // A bare fence keeps its tag.
        assert_eq!(
            extract_code("```py\nclass A: pass\n```", "out.json"),
            "py\nclass A: pass\n"
        );
        // Only the text after the first response marker.
        assert_eq!(
            extract_code("q ### Response: ```python\nx```", "out.json"),
            "\nx"
        );
        // No fence: the lines before the class that are not imports are
        // dropped everywhere, blank lines included.
        let plain = "Sure.\nimport os\n\nclass A:\n\n    def f(self):\n        return 1\n";
        assert_eq!(
            extract_code(plain, "out.json"),
            "import os\nclass A:\n    def f(self):\n        return 1"
        );
        // An indented class is shifted left.
        assert_eq!(
            extract_code("  class A:\n      x = 1", "out.json"),
            "class A:\n    x = 1"
        );
        assert_eq!(extract_code("a<|/ file |>b", "runs/incoder.json"), "a");
    }

    #[test]
    fn pass_at_k_is_cal_pass_at_k() {
        assert_eq!(pass_at_k(5, 0, 1), 0.0);
        // (5 - 4) / 5, where 1 - 4/5 would give 0.19999999999999996.
        assert_eq!(pass_at_k(5, 1, 1), 0.2);
        assert_eq!(pass_at_k(5, 2, 1), 2.0 / 5.0);
        assert_eq!(pass_at_k(5, 2, 3), 9.0 / 10.0);
        assert_eq!(pass_at_k(5, 3, 3), 1.0);
        assert_eq!(pass_at_k(1, 1, 1), 1.0);
    }

    #[test]
    fn static_statements_are_put_back_as_the_official_code_does() {
        let code = "class A:\n    @staticmethod\n    def f(x):\n        pass\n    def g(self):\n        pass\n    def h(klass):\n        pass";
        assert_eq!(
            add_static_statement(code),
            "class A:\n    @staticmethod\n    def f(x):\n        pass\n    def g(self):\n        pass\n    @staticmethod\n    def h(klass):\n        pass"
        );
    }

    #[test]
    fn class_outcomes_follow_get_test_answer() {
        let entry = |run: usize, failures: usize, errors: usize| json!({"run": run, "failures": vec![["t", ""]; failures], "errors": vec![["t", ""]; errors]});
        assert_eq!(class_outcome(&entry(0, 0, 0)), "error");
        assert_eq!(class_outcome(&entry(3, 0, 3)), "error");
        assert_eq!(class_outcome(&entry(3, 0, 0)), "success");
        assert_eq!(class_outcome(&entry(3, 1, 1)), "partial_success");
        assert_eq!(class_outcome(&entry(3, 2, 1)), "fail");
        assert_eq!(class_outcome(&entry(3, 3, 0)), "fail");
        assert_eq!(class_outcome(&json!({"error": "timed out"})), "error");
        assert_eq!(sample_outcome(["success", "success"]), "class_success");
        assert_eq!(
            sample_outcome(["success", "partial_success"]),
            "class_partial_success"
        );
        assert_eq!(sample_outcome(["success", "error"]), "class_fail");
    }
}
