//! `verdict report`'s page in a real browser: Debian's Chromium, headless,
//! started by the test with its network pointed nowhere. Two real runs of
//! `verdict eval` (one with `--trace`) make the page; the page's own
//! self-check (`#selftest`) sorts, filters and opens a task, and the test
//! reads what it found from the DOM: the numbers shown equal the
//! summaries', sorting and filtering work, and the console has no error.
//! A screenshot is kept in the target directory.

mod support;

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

/// The first value of `key` anywhere in `value`.
fn find<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    match value {
        Value::Object(map) => map
            .get(key)
            .or_else(|| map.values().find_map(|v| find(v, key))),
        Value::Array(items) => items.iter().find_map(|v| find(v, key)),
        _ => None,
    }
}

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser"].into_iter().find(|name| {
        Command::new(name)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

fn browse(browser: &str, profile: &Path, extra: &[&str], url: &str) -> std::process::Output {
    Command::new(browser)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--proxy-server=127.0.0.1:9",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("running chromium")
}

#[test]
fn the_report_renders_in_a_browser_with_the_summaries_numbers() {
    let Some(_host) = support::host("report", support::Need::Namespaces, support::Share::Shared)
    else {
        return;
    };
    if !support::benchmark_ready("humaneval/HumanEval.jsonl.gz") {
        return;
    }
    let Some(browser) = chromium() else {
        panic!("Chromium is not installed (`.ci/run` installs Debian's `chromium`)");
    };
    let dir = tempfile::tempdir().unwrap();
    let samples = |name: &str, wrong_every: usize| {
        let mut rows = Vec::new();
        for task in 0..6 {
            for i in 0..4 {
                let completion = if (task + i) % wrong_every == 0 {
                    "    return None\n".to_string()
                } else {
                    "    raise ValueError('<script>alert(1)</script>')\n".to_string()
                };
                rows.push(
                    json!({"task_id": format!("HumanEval/{task}"), "completion": completion}),
                );
            }
        }
        let text: String = rows.iter().map(|r| format!("{r}\n")).collect();
        std::fs::write(dir.path().join(name), text).unwrap();
    };
    samples("a.jsonl", 2);
    samples("b.jsonl", 3);
    let mut pass_at_1 = Vec::new();
    for (samples, out, extra) in [
        ("a.jsonl", "ra.jsonl", &["--trace"][..]),
        ("b.jsonl", "rb.jsonl", &[][..]),
    ] {
        let mut args = vec![
            "eval",
            "--benchmark",
            "humaneval",
            "--samples",
            samples,
            "--out",
            out,
            "--json",
            "-k",
            "1",
            "--no-progress-bar",
        ];
        args.extend_from_slice(extra);
        let output = support::verdict_in(dir.path(), &args);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
        let value = find(&summary, "pass@1")
            .and_then(Value::as_f64)
            .unwrap_or_else(|| panic!("no pass@1 in {summary}"));
        pass_at_1.push(format!("{value:.4}"));
    }
    let output = support::verdict_in(
        dir.path(),
        &[
            "report",
            "ra.jsonl",
            "rb.jsonl",
            "--html",
            "report.html",
            "--title",
            "two runs",
        ],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let page = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "nothing is fetched"
    );
    assert!(
        !page.contains("<script>alert"),
        "a sample's text is data, not markup"
    );

    let url = format!(
        "file://{}#selftest",
        dir.path().join("report.html").display()
    );
    let dumped = browse(browser, &dir.path().join("profile"), &["--dump-dom"], &url);
    let dom = String::from_utf8_lossy(&dumped.stdout);
    let log = String::from_utf8_lossy(&dumped.stderr);
    let start = dom
        .find("<pre id=\"selftest-result\">")
        .expect("the self-check ran")
        + "<pre id=\"selftest-result\">".len();
    let end = start + dom[start..].find("</pre>").unwrap();
    let found: Value = serde_json::from_str(&dom[start..end].replace("&quot;", "\"")).unwrap();
    assert_eq!(found["pass_at_1"], json!(pass_at_1), "{found}");
    assert_eq!(found["rows_first_page"], 6);
    assert_eq!(found["sorted"], true, "{found}");
    assert_eq!(found["filtered_rows"], found["filter_expected"]);
    assert_eq!(found["filtered_rows"], 1);
    assert_eq!(found["details_shown"], true);
    let errors: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("CONSOLE") && (l.contains("Uncaught") || l.contains("Error")))
        .collect();
    assert!(errors.is_empty(), "console errors: {errors:?}");

    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report.png");
    let _ = std::fs::remove_file(&shot);
    let screenshot = browse(
        browser,
        &dir.path().join("profile"),
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1100,1400",
        ],
        &url.replace("#selftest", ""),
    );
    assert!(
        shot.is_file(),
        "{}",
        String::from_utf8_lossy(&screenshot.stderr)
    );
    eprintln!("screenshot: {}", shot.display());
}

#[test]
fn bad_results_files_are_named_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("r.jsonl"),
        "{\"task_id\": \"T/0\", \"passed\": true}\n{\"task_id\": \"T/0\"}\n",
    )
    .unwrap();
    let output = support::verdict_in(dir.path(), &["report", "r.jsonl", "--html", "x.html"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("r.jsonl") && stderr.contains("line 2") && stderr.contains("passed"),
        "{stderr}"
    );
}
