//! `verdict eval --remote`: a batch spread over real `verdict serve` servers on
//! loopback ports, one of them killed mid-batch, one too full to take every
//! request; the results must be those of a local `verdict eval`, every sample
//! judged once, in input order.

mod support;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::server::{Server, data_dir};
use support::{Need, Share, host, verdict_bin};

/// HumanEval's first `n` tasks (task_id, canonical solution), or `None` when
/// the file is missing (the test then skips loudly).
fn humaneval(test: &str, n: usize) -> Option<Vec<(String, String)>> {
    let path = data_dir().join("humaneval/HumanEval.jsonl.gz");
    if !path.is_file() {
        eprintln!("SKIPPED: {test}: no HumanEval file at {}", path.display());
        return None;
    }
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    let tasks = text
        .lines()
        .take(n)
        .map(|line| {
            let task: Value = serde_json::from_str(line).unwrap();
            let id = task["task_id"].as_str().unwrap().to_string();
            (id, task["canonical_solution"].as_str().unwrap().to_string())
        })
        .collect();
    Some(tasks)
}

/// `count` samples over `tasks`, numbered by an `n` field: every fourth one
/// wrong, the others right; each spends `sleep` seconds at module level, so
/// that a batch lasts long enough to be interrupted.
fn write_samples(dir: &Path, tasks: &[(String, String)], count: usize, sleep: f64) -> PathBuf {
    let mut text = String::new();
    for n in 0..count {
        let (task_id, solution) = &tasks[n % tasks.len()];
        let body = if n % 4 == 0 {
            "    return None\n"
        } else {
            solution
        };
        // Each completion distinct (`# n`), so none is a copy judged once.
        let completion = format!("{body}\nimport time\ntime.sleep({sleep})  # {n}\n");
        let row = json!({"task_id": task_id, "completion": completion, "n": n});
        text.push_str(&format!("{row}\n"));
    }
    let path = dir.join("samples.jsonl");
    std::fs::write(&path, text).unwrap();
    path
}

fn eval_command(samples: &Path, out: &Path) -> Command {
    let mut command = Command::new(verdict_bin());
    command
        .args([
            "eval",
            "--benchmark",
            "humaneval",
            "-k",
            "1",
            "--no-progress-bar",
        ])
        .arg("--samples")
        .arg(samples)
        .arg("--out")
        .arg(out)
        .env("VERDICT_DATA_DIR", data_dir())
        .stdin(Stdio::null());
    command
}

/// A local `verdict eval` of the same samples: its rows and its summary text.
fn local_eval(host: &support::Host, samples: &Path, dir: &Path) -> (Vec<Value>, String) {
    let out = dir.join("local.jsonl");
    let output = eval_command(samples, &out)
        .args(["--jobs", "2", "--isolation", host.isolation])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    (rows(&out), String::from_utf8(output.stdout).unwrap())
}

fn rows(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn describe(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Every sample once, in input order, with the verdict the local run gave.
fn assert_same_rows(remote: &[Value], local: &[Value], count: usize) {
    let numbers: Vec<u64> = remote.iter().map(|r| r["n"].as_u64().unwrap()).collect();
    assert_eq!(
        numbers,
        (0..count as u64).collect::<Vec<_>>(),
        "one row per sample, in order"
    );
    assert_eq!(local.len(), count);
    for (r, l) in remote.iter().zip(local) {
        for key in ["task_id", "completion", "passed", "result", "status"] {
            assert_eq!(
                r[key], l[key],
                "{key} of sample {}: remote {r}\nlocal {l}",
                r["n"]
            );
        }
        let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(r), keys(l), "same fields in the same order");
    }
}

#[test]
fn a_server_killed_mid_batch_loses_no_sample() {
    let test = "a_server_killed_mid_batch_loses_no_sample";
    let Some(host) = host(test, Need::Namespaces, Share::Shared) else {
        return;
    };
    let Some(tasks) = humaneval(test, 10) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let count = 40;
    let samples = write_samples(dir.path(), &tasks, count, 0.15);
    let survivor = Server::with_slots(&host, 1, &[]);
    let victim = Server::with_slots(&host, 1, &[]);
    let out = dir.path().join("remote.jsonl");
    let mut client = eval_command(&samples, &out)
        .arg("--remote")
        .arg(format!("{},{}", survivor.base, victim.base))
        .args(["--remote-chunk", "4"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Kill the victim while it is judging a sample of a chunk: that request's
    // unfinished samples must go to the survivor.
    let started = Instant::now();
    while idle(&victim) {
        assert!(
            client.try_wait().unwrap().is_none(),
            "the batch finished before the victim was seen judging"
        );
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the victim never got work"
        );
        thread::sleep(Duration::from_millis(10));
    }
    victim.kill();
    let output = client.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("server {}: the stream was cut", victim.base))
            && stderr.contains("re-sent"),
        "a request cut mid-stream was reported and re-sent:\n{stderr}"
    );
    let (local, local_summary) = local_eval(&host, &samples, dir.path());
    assert_same_rows(&rows(&out), &local, count);
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        local_summary,
        "same summary"
    );
    assert!(
        survivor.metric("verdict_requests_total{endpoint=\"/v1/evaluate\",code=\"200\"}") > 0,
        "the survivor judged"
    );
}

/// Whether the server is not judging anything right now.
fn idle(server: &Server) -> bool {
    server.metric("verdict_busy_slots") == 0
}

#[test]
fn a_full_server_is_retried_after_its_retry_after() {
    let test = "a_full_server_is_retried_after_its_retry_after";
    let Some(host) = host(test, Need::Namespaces, Share::Shared) else {
        return;
    };
    let Some(tasks) = humaneval(test, 4) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "t0ken\n").unwrap();
    let token = token_file.to_str().unwrap();
    let count = 8;
    let samples = write_samples(dir.path(), &tasks, count, 0.05);
    // One slot and no queue: one request at a time, the others get 429.
    let server = Server::with_slots(&host, 1, &["--queue", "0", "--token-file", token]);
    let out = dir.path().join("remote.jsonl");
    let output = eval_command(&samples, &out)
        .args(["--remote", &server.base, "--token-file", token])
        .args(["--remote-chunk", "2", "--remote-streams", "4"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    let refused = server.metric_as(
        "verdict_requests_total{endpoint=\"/v1/evaluate\",code=\"429\"}",
        Some("t0ken"),
    );
    assert!(refused > 0, "4 streams on a 1-request server must see 429s");
    let (local, local_summary) = local_eval(&host, &samples, dir.path());
    assert_same_rows(&rows(&out), &local, count);
    assert_eq!(String::from_utf8_lossy(&output.stdout), local_summary);

    let wrong = dir.path().join("wrong");
    std::fs::write(&wrong, "nope\n").unwrap();
    let output = eval_command(&samples, &dir.path().join("unauthorized.jsonl"))
        .args([
            "--remote",
            &server.base,
            "--token-file",
            wrong.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("refused the batch (401)"),
        "{}",
        describe(&output)
    );
}

#[test]
fn ctrl_c_keeps_finished_rows_and_resume_judges_the_rest() {
    let test = "ctrl_c_keeps_finished_rows_and_resume_judges_the_rest";
    let Some(host) = host(test, Need::Namespaces, Share::Shared) else {
        return;
    };
    let Some(tasks) = humaneval(test, 4) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let count = 16;
    let samples = write_samples(dir.path(), &tasks, count, 0.2);
    let server = Server::with_slots(&host, 1, &[]);
    let out = dir.path().join("remote.jsonl");
    let client = eval_command(&samples, &out)
        .args(["--remote", &server.base, "--remote-chunk", "4"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while std::fs::read_to_string(&out).map_or(0, |t| t.lines().count()) < 2 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no row written"
        );
        thread::sleep(Duration::from_millis(10));
    }
    let status = Command::new("kill")
        .args(["-INT", &client.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = client.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "{}", describe(&output));
    let kept = rows(&out);
    let numbers: Vec<u64> = kept.iter().map(|r| r["n"].as_u64().unwrap()).collect();
    assert_eq!(
        numbers,
        (0..kept.len() as u64).collect::<Vec<_>>(),
        "a prefix in input order"
    );
    assert!(kept.len() < count, "Ctrl-C stopped the run early");

    // The server notices the hang-up when it next writes a row; wait until
    // it has finished with the interrupted requests.
    let started = Instant::now();
    while server.metric("verdict_requests_in_flight") > 0 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "requests never ended"
        );
        thread::sleep(Duration::from_millis(10));
    }
    let before = server.metric("verdict_evaluated_samples_total");
    let output = eval_command(&samples, &out)
        .args(["--remote", &server.base, "--resume"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    let left = count - kept.len();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("judged {left} samples")),
        "{stderr}"
    );
    assert_eq!(
        server.metric("verdict_evaluated_samples_total") - before,
        left as u64,
        "only the samples without a row were sent"
    );
    let (local, local_summary) = local_eval(&host, &samples, dir.path());
    assert_same_rows(&rows(&out), &local, count);
    assert_eq!(String::from_utf8_lossy(&output.stdout), local_summary);
}
