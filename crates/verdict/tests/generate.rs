//! `verdict generate` against an OpenAI-compatible server on loopback. No
//! language model can run here: the server (a small Python script started
//! by the test) answers from recorded responses (each task's canonical
//! solution, with text after it that the stop strings must cut, or wrapped
//! in a chat answer), refuses the first request with 429 and a Retry-After,
//! and fails one task's first requests, which `--resume` asks for again.
//! The samples are then judged by `verdict eval`.

mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

const SERVER: &str = r#"
import json, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

responses = json.load(open(sys.argv[1]))
seen = {"requests": 0, "flaky": 0}
lock = threading.Lock()

class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with lock:
            seen["requests"] += 1
            first = seen["requests"] == 1
        if first:
            self.send_response(429)
            self.send_header("Retry-After", "0.2")
            self.end_headers()
            return
        if self.headers.get("Authorization") != "Bearer test-key":
            self.send_response(401)
            self.end_headers()
            return
        text = body["prompt"] if self.path.endswith("/completions") and "prompt" in body else body["messages"][0]["content"]
        task = next(t for t in responses if t["prompt"].strip() in text)
        if task["task_id"] == "HumanEval/2":
            with lock:
                seen["flaky"] += 1
                flaky = seen["flaky"] <= 4
            if flaky:
                self.send_response(500)
                self.end_headers()
                self.wfile.write(b"overloaded")
                return
        if self.path.endswith("/chat/completions"):
            content = "Here you go:\n```python\n" + task["prompt"] + task["completion"] + "```\nThat is all."
            choice = {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        else:
            choice = {"index": 0, "text": task["completion"] + task.get("suffix", "\ndef unrelated():\n    pass\n"), "finish_reason": "stop"}
        answer = json.dumps({"id": "x", "object": "text_completion", "model": body["model"], "choices": [choice],
                             "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"#;

struct ModelServer(Child, String);

impl Drop for ModelServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn model_server(dir: &Path, tasks: &[Value]) -> ModelServer {
    std::fs::write(dir.join("server.py"), SERVER).unwrap();
    std::fs::write(
        dir.join("responses.json"),
        Value::Array(tasks.to_vec()).to_string(),
    )
    .unwrap();
    let mut child = Command::new(support::PYTHON)
        .arg(dir.join("server.py"))
        .arg(dir.join("responses.json"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = format!("http://127.0.0.1:{}", line.trim());
    ModelServer(child, url)
}

fn rows(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn samples_come_from_the_server_and_are_judged() {
    if !support::benchmark_ready("humaneval/HumanEval.jsonl.gz") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let text = {
        use std::io::Read;
        let file =
            std::fs::File::open(support::data_dir().join("humaneval/HumanEval.jsonl.gz")).unwrap();
        let mut text = String::new();
        flate2::read::GzDecoder::new(file)
            .read_to_string(&mut text)
            .unwrap();
        text
    };
    let mut tasks: Vec<Value> = text
        .lines()
        .take(4)
        .map(|l| {
            let t: Value = serde_json::from_str(l).unwrap();
            json!({"task_id": t["task_id"], "prompt": t["prompt"], "completion": t["canonical_solution"]})
        })
        .collect();
    // CRUXEval: its prompt holds the code; the answer is an assertion.
    let crux: Vec<Value> =
        std::fs::read_to_string(support::data_dir().join("cruxeval/cruxeval.jsonl"))
            .unwrap()
            .lines()
            .take(2)
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
    for row in &crux {
        tasks.push(json!({"task_id": row["id"], "prompt": row["code"],
                          "completion": format!("assert f({}) == {}\n", row["input"].as_str().unwrap(), row["output"].as_str().unwrap()),
                          "suffix": "[/ANSWER]\n\n[PYTHON]\nnot part of it\n"}));
    }
    let server = model_server(dir.path(), &tasks);
    let generate = |extra: &[&str]| {
        let mut args = vec![
            "generate",
            "--endpoint",
            &server.1,
            "--model",
            "recorded",
            "--concurrency",
            "3",
            "--no-progress-bar",
        ];
        args.extend_from_slice(extra);
        if !extra.contains(&"--benchmark") {
            args.extend_from_slice(&["--benchmark", "humaneval", "--n", "2", "--limit", "4"]);
        }
        Command::new(support::verdict_bin())
            .current_dir(dir.path())
            .args(&args)
            .env("VERDICT_DATA_DIR", support::data_dir())
            .env("OPENAI_API_KEY", "test-key")
            .output()
            .unwrap()
    };
    // HumanEval/2 fails four times at the server: with one retry, its two
    // samples are given up; the rest are written, the 429 retried.
    let first = generate(&["--out", "base.jsonl", "--retries", "1"]);
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert_eq!(first.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("6 samples written") && stderr.contains("2 failed"),
        "{stderr}"
    );
    assert!(stderr.contains("--resume"), "{stderr}");
    // An existing file is not overwritten without --resume.
    let again = generate(&["--out", "base.jsonl"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("--resume"));
    let resumed = generate(&["--out", "base.jsonl", "--resume"]);
    let stderr = String::from_utf8_lossy(&resumed.stderr);
    assert!(resumed.status.success(), "{stderr}");
    assert!(
        stderr.contains("2 samples written") && stderr.contains("6 kept"),
        "{stderr}"
    );
    assert!(
        stderr.contains("20 prompt and 10 completion tokens"),
        "{stderr}"
    );
    let base = rows(&dir.path().join("base.jsonl"));
    assert_eq!(base.len(), 8);
    for row in &base {
        let completion = row["completion"].as_str().unwrap();
        assert!(
            !completion.contains("unrelated"),
            "cut at `\\ndef `: {completion}"
        );
        assert!(
            row["raw"].as_str().unwrap().contains("unrelated"),
            "the raw answer is kept"
        );
    }
    // Chat: the code from the fenced block.
    let chat = generate(&["--out", "chat.jsonl", "--chat"]);
    assert!(
        chat.status.success(),
        "{}",
        String::from_utf8_lossy(&chat.stderr)
    );
    let chat_rows = rows(&dir.path().join("chat.jsonl"));
    assert!(
        chat_rows
            .iter()
            .all(|r| !r["solution"].as_str().unwrap().contains("That is all"))
    );
    let crux_out = generate(&[
        "--out",
        "crux.jsonl",
        "--benchmark",
        "cruxeval-o",
        "--n",
        "1",
        "--limit",
        "2",
    ]);
    assert!(
        crux_out.status.success(),
        "{}",
        String::from_utf8_lossy(&crux_out.stderr)
    );
    let crux_rows = rows(&dir.path().join("crux.jsonl"));
    let first = crux_rows
        .iter()
        .find(|r| r["task_id"] == crux[0]["id"])
        .unwrap();
    assert_eq!(
        first["completion"], crux[0]["output"],
        "the output after `==`, up to [/ANSWER]"
    );
    // Both files judge as the canonical solutions do: every sample passes.
    if support::host(
        "generate_eval",
        support::Need::Namespaces,
        support::Share::Shared,
    )
    .is_none()
    {
        return;
    }
    for file in ["base.jsonl", "chat.jsonl"] {
        let output = support::verdict_in(
            dir.path(),
            &[
                "eval",
                "--benchmark",
                "humaneval",
                "--samples",
                file,
                "--out",
                "r.jsonl",
                "--json",
                "-k",
                "1",
                "--no-progress-bar",
            ],
        );
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let judged = rows(&dir.path().join("r.jsonl"));
        assert_eq!(judged.len(), 8);
        assert!(judged.iter().all(|r| r["passed"] == true), "{judged:?}");
    }
}
