//! What judging real model generations, tried as a new user would, asks of
//! verdict beyond the verdicts themselves: programs whose shape fooled a
//! guess (Java's main class, TypeScript's target, a `.c` file run as
//! Python), EvalPlus's results file as EvalPlus 0.3.1 writes it and never
//! over one verdict did not write, the sample shapes other tools leave
//! behind (EvalPlus folders, `.jsonl.gz`, bigcode-evaluation-harness's
//! `generations.json`, HumanEvalPlus-Mini), and messages that say what
//! happened (pass@k left out, bad lines, the demo's directory, doctor's view
//! of the sandbox). Each case is the failing one found, with the real
//! binary, sandbox, toolchains and benchmark files.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};
use support::data_dir;

fn ready() -> bool {
    support::benchmark_ready("humanevalplus/HumanEvalPlus.jsonl.gz")
}

fn verdict(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_verdict"))
        .current_dir(dir)
        .args(args)
        .env("VERDICT_DATA_DIR", data_dir())
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn run_file(name: &str, source: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), source).unwrap();
    let output = verdict(&["run", name, "--json"], dir.path());
    assert!(output.status.success(), "{}", text(&output.stderr));
    serde_json::from_str(&text(&output.stdout)).unwrap()
}

fn read_rows(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn write_jsonl(path: &Path, rows: &[Value]) {
    let mut file = std::fs::File::create(path).unwrap();
    for row in rows {
        writeln!(file, "{row}").unwrap();
    }
}

/// The rows of a HumanEval+ dataset file.
fn plus_tasks(file: &str) -> Vec<Value> {
    let bytes = std::fs::read(data_dir().join(file)).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut text)
        .unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn java_runs_the_class_with_main_whatever_comments_and_nested_classes_say() {
    if !ready() {
        return;
    }
    // No public class, a comment with "the class and", a string with
    // "class Fake", and a nested `static class Helper` before `main`: the
    // class was guessed from the words before `main` ("Could not find or
    // load main class Helper"; "... and" for MultiPL-E's HumanEval_153).
    let source = r#"import java.util.*;
// You will be given the name of the class and an extension.
class Solution {
    static final String NOTE = "class Fake { }";
    static class Helper {
        static int twice(int x) { return 2 * x; }
    }
    public static void main(String[] args) {
        System.out.println(Helper.twice(21) + " " + NOTE.length());
    }
}
"#;
    let result = run_file("Solution.java", source);
    assert_eq!(result["language"], "java", "{result}");
    assert_eq!(result["status"], "ok", "{result}");
    assert_eq!(result["stdout"], "42 14\n");
}

#[test]
fn typescript_compiles_for_a_modern_target() {
    if !ready() {
        return;
    }
    // Under tsc's default ES3 target: "Cannot find name 'Set'".
    let source = "const seen = new Set<number>([3, 1, 3]);\nconsole.log(seen.size, \"abc\".startsWith(\"a\"), [1, 2].includes(2));\n";
    let result = run_file("main.ts", source);
    assert_eq!(result["language"], "typescript", "{result}");
    assert_eq!(result["status"], "ok", "{result}");
    assert_eq!(result["stdout"], "2 true true\n");
}

#[test]
fn a_source_file_runs_in_the_language_of_its_extension() {
    if !ready() {
        return;
    }
    let result = run_file(
        "m.c",
        "#include <stdio.h>\nint main(void) { printf(\"%d\\n\", 6 * 7); return 0; }\n",
    );
    assert_eq!(result["language"], "c", "{result}");
    assert_eq!(result["stdout"], "42\n", "{result}");
    let result = run_file("prog.rb", "puts [1, 2].sum\n");
    assert_eq!(result["language"], "ruby", "{result}");
    assert_eq!(result["stdout"], "3\n", "{result}");
    // An unknown extension is Python, as before.
    let result = run_file("script.txt", "print(7)\n");
    assert_eq!(result["language"], "python", "{result}");
    assert_eq!(result["stdout"], "7\n", "{result}");
}

/// HumanEval+ samples of the first two tasks: the canonical completion, one
/// wrong at the first base input, a whole-program solution, one raising at
/// import.
fn plus_samples(dir: &Path) -> (PathBuf, Vec<Value>) {
    let tasks = plus_tasks("humanevalplus/HumanEvalPlus.jsonl.gz");
    let mut rows = Vec::new();
    for task in &tasks[..2] {
        let id = &task["task_id"];
        let canonical = task["canonical_solution"].as_str().unwrap();
        let prompt = task["prompt"].as_str().unwrap();
        rows.push(json!({"task_id": id, "completion": canonical}));
        rows.push(json!({"task_id": id, "completion": "    return None\n"}));
        rows.push(json!({"task_id": id, "solution": format!("{prompt}{canonical}")}));
        rows.push(json!({"task_id": id, "solution": "raise ValueError('at import')\n"}));
    }
    let samples = dir.join("samples.jsonl");
    write_jsonl(&samples, &rows);
    (samples, tasks)
}

#[test]
fn evalplus_results_are_written_as_evalplus_0_3_1_writes_them() {
    if !ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_, tasks) = plus_samples(dir.path());
    let output = verdict(
        &[
            "eval",
            "--benchmark",
            "humaneval-plus",
            "--samples",
            "samples.jsonl",
            "--format",
            "evalplus",
            "-k",
            "1",
        ],
        dir.path(),
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let path = dir.path().join("samples_eval_results.json");
    assert!(
        text(&output.stderr).contains("samples_eval_results.json"),
        "{}",
        text(&output.stderr)
    );
    let written = std::fs::read_to_string(&path).unwrap();
    let file: Value = serde_json::from_str(&written).unwrap();
    // json.dump's separators, keys in EvalPlus's order.
    assert!(written.starts_with("{\"date\": \""), "{written:.80}");
    let keys: Vec<&String> = file.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["date", "hash", "eval"]);
    let date = file["date"].as_str().unwrap();
    assert_eq!(date.len(), 16, "{date}");
    assert_eq!(&date[4..5], "-");
    assert_eq!(&date[10..11], " ");
    assert_eq!(&date[13..14], ":");
    // md5 of the decompressed HumanEvalPlus v0.1.10, which EvalPlus hashes.
    assert_eq!(file["hash"], "fe585eb4df8c88d844eeb463ea4d0302");
    let eval = file["eval"].as_object().unwrap();
    assert_eq!(
        eval.keys().collect::<Vec<_>>(),
        ["HumanEval/0", "HumanEval/1"]
    );
    for task in &tasks[..2] {
        let id = task["task_id"].as_str().unwrap();
        let entries = eval[id].as_array().unwrap();
        let prompt = task["prompt"].as_str().unwrap();
        let canonical = task["canonical_solution"].as_str().unwrap();
        let base0 = &task["base_input"][0];
        let plus0 = &task["plus_input"][0];
        // As evalplus 0.3.1 wrote them for these samples.
        let expected = [
            json!({"task_id": id, "solution": format!("{prompt}{canonical}"), "base_status": "pass",
                   "plus_status": "pass", "base_fail_tests": [], "plus_fail_tests": []}),
            json!({"task_id": id, "solution": format!("{prompt}    return None\n"),
                   "base_status": "fail", "plus_status": "fail",
                   "base_fail_tests": [base0], "plus_fail_tests": [plus0]}),
            json!({"task_id": id, "solution": format!("{prompt}{canonical}"), "base_status": "pass",
                   "plus_status": "pass", "base_fail_tests": [], "plus_fail_tests": []}),
            json!({"task_id": id, "solution": "raise ValueError('at import')\n",
                   "base_status": "fail", "plus_status": "fail",
                   "base_fail_tests": [], "plus_fail_tests": []}),
        ];
        assert_eq!(entries.len(), expected.len());
        for (entry, expected) in entries.iter().zip(&expected) {
            assert_eq!(entry, expected);
        }
    }

    // HumanEval (no plus tests) as EvalPlus's --base-only writes it.
    let output = verdict(
        &[
            "eval",
            "--benchmark",
            "humaneval",
            "--samples",
            "samples.jsonl",
            "--format",
            "evalplus",
            "-k",
            "1",
        ],
        dir.path(),
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let statuses: Vec<(&Value, &Value)> = file["eval"]["HumanEval/0"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (&e["base_status"], &e["plus_status"]))
        .collect();
    assert_eq!(
        statuses,
        [
            (&json!("pass"), &Value::Null),
            (&json!("fail"), &Value::Null),
            (&json!("pass"), &Value::Null),
            (&json!("fail"), &Value::Null),
        ]
    );
}

#[test]
fn an_evalplus_results_file_verdict_did_not_write_is_left_alone() {
    if !ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    plus_samples(dir.path());
    let official = dir.path().join("samples_eval_results.json");
    std::fs::write(&official, "{\"official\": true}").unwrap();
    let args = [
        "eval",
        "--benchmark",
        "humaneval-plus",
        "--samples",
        "samples.jsonl",
        "--format",
        "evalplus",
        "-k",
        "1",
    ];
    let output = verdict(&args, dir.path());
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("`samples_eval_results.json` exists and verdict did not write it")
            && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&official).unwrap(),
        "{\"official\": true}"
    );
    // Refused before judging: nothing was run, no results file begun.
    assert!(!dir.path().join("samples_results.jsonl").exists());

    let mut forced = args.to_vec();
    forced.push("--force");
    let output = verdict(&forced, dir.path());
    assert!(output.status.success(), "{}", text(&output.stderr));
    let replaced = std::fs::read_to_string(&official).unwrap();
    assert!(replaced.contains("\"eval\""), "{replaced:.80}");
    // verdict's own file is replaced without --force.
    let output = verdict(&args, dir.path());
    assert!(output.status.success(), "{}", text(&output.stderr));
}

/// Each row's task id and whether it passed.
fn task_and_passed(rows: &[Value]) -> Vec<(&str, bool)> {
    rows.iter()
        .map(|r| {
            (
                r["task_id"].as_str().unwrap(),
                r["passed"].as_bool().unwrap(),
            )
        })
        .collect()
}

/// Judges `samples` on HumanEval+ and returns the rows.
fn judge_plus(dir: &Path, samples: &str, extra: &[&str]) -> Vec<Value> {
    let mut args = vec![
        "eval",
        "--benchmark",
        "humaneval-plus",
        "--samples",
        samples,
        "--out",
        "rows.jsonl",
        "-k",
        "1",
    ];
    args.extend_from_slice(extra);
    let output = verdict(&args, dir);
    assert!(output.status.success(), "{}", text(&output.stderr));
    read_rows(&dir.join("rows.jsonl"))
}

#[test]
fn samples_are_read_in_the_shapes_other_tools_write() {
    if !ready() {
        return;
    }
    let tasks = plus_tasks("humanevalplus/HumanEvalPlus.jsonl.gz");
    let program = |i: usize| {
        format!(
            "{}{}",
            tasks[i]["prompt"].as_str().unwrap(),
            tasks[i]["canonical_solution"].as_str().unwrap()
        )
    };
    let dir = tempfile::tempdir().unwrap();

    // EvalPlus's folder: <dir>/<task_id with / as _>/<n>.py, whole programs.
    let folder = dir.path().join("folder");
    for (task, n, code) in [
        (1, 0, program(1)),
        (0, 0, program(0)),
        (
            0,
            1,
            "def has_close_elements(numbers, threshold):\n    return None\n".to_string(),
        ),
    ] {
        let task_dir = folder.join(format!("HumanEval_{task}"));
        std::fs::create_dir_all(&task_dir).unwrap();
        std::fs::write(task_dir.join(format!("{n}.py")), code).unwrap();
    }
    let rows = judge_plus(dir.path(), "folder", &[]);
    assert_eq!(
        task_and_passed(&rows),
        [
            ("HumanEval/0", true),
            ("HumanEval/0", false),
            ("HumanEval/1", true)
        ]
    );
    assert!(
        rows[1]["_path"]
            .as_str()
            .unwrap()
            .ends_with("HumanEval_0/1.py")
    );

    // Gzipped JSONL.
    let gz = dir.path().join("samples.jsonl.gz");
    let mut encoder = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    for (i, task) in tasks.iter().enumerate().take(2) {
        writeln!(
            encoder,
            "{}",
            json!({"task_id": task["task_id"], "solution": program(i)})
        )
        .unwrap();
    }
    encoder.finish().unwrap();
    let rows = judge_plus(dir.path(), "samples.jsonl.gz", &[]);
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r["passed"] == true), "{rows:?}");

    // bigcode-evaluation-harness's generations.json: lists in dataset order.
    std::fs::write(
        dir.path().join("generations.json"),
        json!([
            [
                program(0),
                "def has_close_elements(a, b):\n    return 1 / 0\n"
            ],
            [program(1)]
        ])
        .to_string(),
    )
    .unwrap();
    let rows = judge_plus(dir.path(), "generations.json", &[]);
    assert_eq!(
        task_and_passed(&rows),
        [
            ("HumanEval/0", true),
            ("HumanEval/0", false),
            ("HumanEval/1", true)
        ]
    );

    // HumanEvalPlus-Mini has no `test` field.
    write_jsonl(
        &dir.path().join("mini.jsonl"),
        &[json!({"task_id": "HumanEval/0", "solution": program(0)})],
    );
    let mini = data_dir().join("humanevalplus/HumanEvalPlus-Mini.jsonl.gz");
    let rows = judge_plus(
        dir.path(),
        "mini.jsonl",
        &["--problems", mini.to_str().unwrap()],
    );
    assert_eq!(rows[0]["passed"], true, "{}", rows[0]);
}

#[test]
fn the_summary_says_which_k_it_left_out_and_counts_bad_lines_apart() {
    if !ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    plus_samples(dir.path());
    let mut samples = std::fs::read_to_string(dir.path().join("samples.jsonl")).unwrap();
    samples.push_str("not json\n{\"task_id\": \"HumanEval/0\"}\n");
    std::fs::write(dir.path().join("samples.jsonl"), samples).unwrap();
    let output = verdict(
        &[
            "eval",
            "--benchmark",
            "humaneval-plus",
            "--samples",
            "samples.jsonl",
            "--skip-bad-lines",
            "--no-progress-bar",
            "-k",
            "1,10",
        ],
        dir.path(),
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let stderr = text(&output.stderr);
    assert!(
        stdout.contains(
            "humaneval-plus: pass@10 not computed: 2 scored task(s) have fewer than 10 samples (the fewest: 4)"
        ),
        "{stdout}"
    );
    // 8 samples judged, 2 bad lines: progress, the last line and the
    // summary all say 8.
    assert!(stderr.contains("8/8 samples"), "{stderr}");
    assert!(stderr.contains("judged 8 samples"), "{stderr}");
    assert!(stderr.contains("2 sample lines were invalid"), "{stderr}");
    let base = stdout.lines().find(|l| l.contains(" base ")).unwrap();
    assert_eq!(base.split_whitespace().nth(2), Some("8"), "{stdout}");
}

#[test]
fn the_demo_says_where_it_writes() {
    if !ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let output = verdict(&["eval", "--demo", "--no-progress-bar"], dir.path());
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("./verdict-demo/"),
        "{}",
        text(&output.stderr)
    );
    assert!(
        dir.path()
            .join("verdict-demo/samples_results.jsonl")
            .is_file()
    );
}

#[test]
fn doctor_lists_what_the_sandbox_offers_programs() {
    if !ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let output = verdict(&["doctor", "--json"], dir.path());
    assert!(output.status.success(), "{}", text(&output.stderr));
    let report: Value = serde_json::from_str(&text(&output.stdout)).unwrap();
    let env = &report["sandbox_environment"];
    let python = env["python"].as_str().unwrap();
    assert!(python.starts_with("3."), "{env}");
    // What the host's /usr has is what the sandbox shows.
    for tool in ["bc", "sed", "python3", "jq"] {
        let on_host = ["/usr/bin", "/bin"]
            .iter()
            .any(|d| Path::new(d).join(tool).exists());
        assert_eq!(
            env["tools"][tool].is_object(),
            on_host,
            "{tool}: {}",
            env["tools"][tool]
        );
    }
    assert!(env["modules"].get("numpy").is_some(), "{env}");
}
