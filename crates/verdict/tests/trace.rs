//! `--trace` and /v1/judge's `trace`: runtime traces checked against
//! hand-worked examples (a loop, recursion, a caught and an uncaught
//! exception, a generator that prints), hostile candidates (one that turns
//! tracing off, one that looks for a tracer, one that loops, values too big
//! to show, a `__repr__` that raises), and every kind of job they come
//! from: a check() program, EvalPlus calls, a stdin/stdout program, a
//! ClassEval unittest class, and the HTTP API.

mod support;

use std::path::Path;

use serde_json::{Value, json};
use support::server::Server;
use support::{Need, Share, host};

fn write_lines(dir: &Path, name: &str, rows: &[Value]) {
    let text: String = rows.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(dir.join(name), text).unwrap();
}

/// The result rows of `verdict eval ARGS` in `dir`, by task id.
fn eval(dir: &Path, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["eval", "--out", "r.jsonl", "--no-progress-bar"];
    all.extend_from_slice(args);
    let output = support::verdict_in(dir, &all);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::read_to_string(dir.join("r.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn row<'a>(rows: &'a [Value], task: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["task_id"] == task)
        .unwrap_or_else(|| panic!("no row of {task}"))
}

/// The one trace of a row.
fn only_trace(row: &Value) -> &Value {
    let traces = row["details"]["traces"]
        .as_array()
        .unwrap_or_else(|| panic!("no traces in {row}"));
    assert_eq!(traces.len(), 1, "{row}");
    &traces[0]
}

/// A block's or call's variables, by name.
fn variables(event: &Value) -> String {
    let sorted: std::collections::BTreeMap<&String, &Value> =
        event["locals"].as_object().unwrap().iter().collect();
    serde_json::to_string(&sorted).unwrap()
}

/// Each event as `kind function detail`, detail being the lines and
/// variables of a block, the depth and arguments of a call, the value of a
/// return or yield, the exception's text.
fn events(trace: &Value) -> Vec<String> {
    trace["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let kind = e["event"].as_str().unwrap();
            let function = e["function"].as_str().unwrap_or("");
            let detail = match kind {
                "block" => format!("{} {}", e["lines"], variables(e)),
                "call" | "resume" => format!("d{} {}", e["depth"], variables(e)),
                "return" | "yield" => format!("d{} {}", e["depth"], e["value"]),
                "exception" => e["exception"].to_string(),
                "unwind" => format!("d{}", e["depth"]),
                _ => format!("line {}", e["line"]),
            };
            format!("{kind} {function} {detail}")
        })
        .collect()
}

fn problem(task: &str, entry: &str, test: &str) -> Value {
    json!({"task_id": task, "prompt": format!("def {entry}:\n"), "canonical_solution": "    pass\n",
           "entry_point": entry.split('(').next().unwrap(), "test": test})
}

fn humaneval_style(
    dir: &Path,
    problems: &[Value],
    samples: &[Value],
    extra: &[&str],
) -> Vec<Value> {
    write_lines(dir, "problems.jsonl", problems);
    write_lines(dir, "samples.jsonl", samples);
    let mut args = vec![
        "--benchmark",
        "humaneval",
        "--problems",
        "problems.jsonl",
        "--samples",
        "samples.jsonl",
    ];
    args.extend_from_slice(extra);
    eval(dir, &args)
}

#[test]
fn traces_follow_the_candidates_blocks_calls_and_exceptions() {
    let Some(_host) = host("traces_hand_worked", Need::Namespaces, Share::Shared) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let problems = [
        problem(
            "T/loop",
            "f(xs)",
            "def check(candidate):\n    assert candidate([1, 2]) == 4\n",
        ),
        problem(
            "T/rec",
            "fact(n)",
            "def check(candidate):\n    assert candidate(3) == 7\n",
        ),
        problem(
            "T/gen",
            "squares(n)",
            "def check(candidate):\n    assert list(candidate(2)) == [0, 2]\n",
        ),
        problem(
            "T/exc",
            "ratio(d)",
            "def check(candidate):\n    assert candidate({}) == 1\n",
        ),
        problem(
            "T/ok",
            "same(x)",
            "def check(candidate):\n    assert candidate(5) == 5\n",
        ),
    ];
    let samples = [
        json!({"task_id": "T/loop", "completion": "    total = 0\n    for x in xs:\n        total += x\n    return total\n"}),
        json!({"task_id": "T/rec", "completion": "    if n <= 1:\n        return 1\n    return n * fact(n - 1)\n"}),
        json!({"task_id": "T/gen", "completion": "    for i in range(n):\n        print('square of', i)\n        yield i * i\n"}),
        json!({"task_id": "T/exc", "completion": "    try:\n        return d['k']\n    except KeyError:\n        pass\n    return 1 / len(d)\n"}),
        json!({"task_id": "T/ok", "completion": "    return x\n"}),
    ];
    let plain = humaneval_style(dir.path(), &problems, &samples, &[]);
    let traced = humaneval_style(dir.path(), &problems, &samples, &["--trace"]);
    // The verdicts are the untraced run's.
    for (a, b) in plain.iter().zip(&traced) {
        assert_eq!(a["status"], b["status"]);
        assert_eq!(a["result"], b["result"]);
        assert!(a["details"].get("traces").is_none(), "{a}");
    }
    // A passing sample is not traced unless asked.
    assert!(row(&traced, "T/ok")["details"].get("traces").is_none());

    // Line 1 is the `def`; the completion's lines follow. A block ends
    // where a jump leaves or lands: the `for` line is one on its own, and
    // its variables are shown as the block left them.
    let trace = only_trace(row(&traced, "T/loop"));
    assert_eq!(trace["end"], "exception", "the test's assert failed");
    assert_eq!(trace["omitted"], 0);
    assert_eq!(
        events(trace),
        [
            r#"call f d1 {"xs":"[1, 2]"}"#,
            r#"block f [2] {"total":"0","xs":"[1, 2]"}"#,
            r#"block f [3] {"total":"0","x":"1","xs":"[1, 2]"}"#,
            r#"block f [4] {"total":"1","x":"1","xs":"[1, 2]"}"#,
            r#"block f [3] {"total":"1","x":"2","xs":"[1, 2]"}"#,
            r#"block f [4] {"total":"3","x":"2","xs":"[1, 2]"}"#,
            r#"block f [3] {"total":"3","x":"2","xs":"[1, 2]"}"#,
            r#"block f [5] {"total":"3","x":"2","xs":"[1, 2]"}"#,
            r#"return f d1 "3""#,
        ]
    );
    // Recursion: each call one deeper; a block's event comes when it ends,
    // after the calls made in it.
    assert_eq!(
        events(only_trace(row(&traced, "T/rec"))),
        [
            r#"call fact d1 {"n":"3"}"#,
            r#"block fact [2] {"n":"3"}"#,
            r#"call fact d2 {"n":"2"}"#,
            r#"block fact [2] {"n":"2"}"#,
            r#"call fact d3 {"n":"1"}"#,
            r#"block fact [2] {"n":"1"}"#,
            r#"block fact [3] {"n":"1"}"#,
            r#"return fact d3 "1""#,
            r#"block fact [4] {"n":"2"}"#,
            r#"return fact d2 "2""#,
            r#"block fact [4] {"n":"3"}"#,
            r#"return fact d1 "6""#,
        ]
    );
    // A generator yields and is resumed; what it prints is not traced.
    assert_eq!(
        events(only_trace(row(&traced, "T/gen"))),
        [
            r#"call squares d1 {"n":"2"}"#,
            r#"block squares [2] {"i":"0","n":"2"}"#,
            r#"block squares [3,4] {"i":"0","n":"2"}"#,
            r#"yield squares d1 "0""#,
            r#"resume squares d1 {"i":"0","n":"2"}"#,
            r#"block squares [2] {"i":"1","n":"2"}"#,
            r#"block squares [3,4] {"i":"1","n":"2"}"#,
            r#"yield squares d1 "1""#,
            r#"resume squares d1 {"i":"1","n":"2"}"#,
            r#"block squares [2] {"i":"1","n":"2"}"#,
            r#"return squares d1 "None""#,
        ]
    );
    // A caught exception, then one that leaves the function.
    assert_eq!(
        events(only_trace(row(&traced, "T/exc"))),
        [
            r#"call ratio d1 {"d":"{}"}"#,
            r#"block ratio [2,3] {"d":"{}"}"#,
            r#"exception ratio "KeyError: 'k'""#,
            r#"block ratio [4] {"d":"{}"}"#,
            r#"block ratio [5] {"d":"{}"}"#,
            r#"block ratio [6] {"d":"{}"}"#,
            r#"exception ratio "ZeroDivisionError: division by zero""#,
            r#"unwind ratio d1"#,
        ]
    );

    // With `all`, passing samples are traced too; `--trace-lines` makes
    // each line its own event.
    let all = humaneval_style(
        dir.path(),
        &problems,
        &samples,
        &["--trace", "all", "--trace-lines"],
    );
    let ok = only_trace(row(&all, "T/ok"));
    assert_eq!(ok["end"], "returned");
    assert_eq!(
        events(ok),
        [
            r#"call same d1 {"x":"5"}"#,
            r#"block same [2] {"x":"5"}"#,
            r#"return same d1 "5""#
        ]
    );
    let lines = events(only_trace(row(&all, "T/gen")));
    assert!(
        lines.contains(&r#"block squares [3] {"i":"0","n":"2"}"#.to_string()),
        "{lines:?}"
    );
    assert!(
        lines.contains(&r#"block squares [4] {"i":"0","n":"2"}"#.to_string()),
        "{lines:?}"
    );
}

#[test]
fn hostile_candidates_get_bounded_traces() {
    let Some(_host) = host("traces_hostile", Need::Namespaces, Share::Shared) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let test = "def check(candidate):\n    assert candidate(3) == -1\n";
    let problems = [
        problem("H/off", "off(n)", test),
        problem(
            "H/looks",
            "looks(n)",
            "def check(candidate):\n    assert candidate(3) == 3\n",
        ),
        problem("H/loop", "loop(n)", test),
        problem("H/big", "big(n)", test),
        problem("H/repr", "odd(n)", test),
    ];
    let samples = [
        // Turns tracing off halfway.
        json!({"task_id": "H/off", "completion": "    n += 1\n    import sys\n    sys.settrace(None)\n    n += 1\n    return n\n"}),
        // Looks for a tracer and sees none: it passes traced as untraced.
        json!({"task_id": "H/looks", "completion": "    import sys\n    return n if sys.gettrace() is None else -n\n"}),
        json!({"task_id": "H/loop", "completion": "    while True:\n        n += 1\n"}),
        json!({"task_id": "H/big", "completion": "    s = 'x' * 1000000\n    xs = list(range(100000))\n    o = object()\n    return len(s)\n"}),
        json!({"task_id": "H/repr", "completion": "    class Odd:\n        def __repr__(self):\n            raise ValueError('no')\n    v = Odd()\n    return 0\n"}),
    ];
    let rows = humaneval_style(
        dir.path(),
        &problems,
        &samples,
        &[
            "--trace",
            "all",
            "--time-limit",
            "1s",
            "--trace-events",
            "20",
            "--trace-bytes",
            "8KiB",
            "--trace-value-chars",
            "40",
        ],
    );
    let off = only_trace(row(&rows, "H/off"));
    assert_eq!(off["end"], "tracer_replaced", "{off}");
    let last = off["events"].as_array().unwrap().last().unwrap();
    assert_eq!(last["event"], "settrace");
    assert_eq!(last["line"], 4, "the line that called sys.settrace: {off}");

    let looks = row(&rows, "H/looks");
    assert_eq!(looks["status"], "passed");
    assert_eq!(only_trace(looks)["end"], "returned", "it passed traced too");

    // The loop runs until its CPU limit (the untraced run's: it timed
    // out); the first and last events are kept, the rest counted.
    let looping = row(&rows, "H/loop");
    assert_eq!(looping["status"], "timed_out");
    let trace = only_trace(looping);
    assert_eq!(trace["end"], "time_limit", "{trace}");
    assert_eq!(trace["events"].as_array().unwrap().len(), 20);
    assert_eq!(trace["last_events"].as_array().unwrap().len(), 20);
    let total = trace["events_total"].as_u64().unwrap();
    assert!(total > 1000, "{total}");
    assert_eq!(trace["omitted"].as_u64().unwrap(), total - 40);
    assert!(
        trace.to_string().len() <= 8 * 1024,
        "{}",
        trace.to_string().len()
    );

    // Big values are cut, addresses masked.
    let big = only_trace(row(&rows, "H/big"));
    let block = &big["events"][1];
    assert_eq!(block["event"], "block", "{big}");
    for (name, text) in block["locals"].as_object().unwrap() {
        assert!(text.as_str().unwrap().len() <= 40, "{name}: {text}");
    }
    let object = block["locals"]["o"].as_str().unwrap();
    assert!(object.starts_with("<object object at 0x?"), "{object}");
    assert!(
        block["locals"]["xs"]
            .as_str()
            .unwrap()
            .starts_with("[0, 1, 2,")
    );

    // A __repr__ that raises is shown by its class (reprlib's way); the
    // candidate runs on.
    let odd = only_trace(row(&rows, "H/repr"));
    assert_eq!(odd["end"], "exception", "the test's assert failed: {odd}");
    let shown = odd["events"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|e| e["event"] == "block")
        .unwrap();
    assert_eq!(shown["locals"]["v"], "<Odd instance at 0x?>", "{odd}");
}

#[test]
fn calls_stdio_and_unittest_jobs_are_traced_per_test() {
    let Some(_host) = host("traces_per_test", Need::Namespaces, Share::Shared) else {
        return;
    };
    if !support::benchmark_ready("humanevalplus/HumanEvalPlus.jsonl.gz") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // HumanEval+: the first failing input of each list.
    write_lines(
        dir.path(),
        "plus.jsonl",
        &[
            json!({"task_id": "HumanEval/4", "solution": "def mean_absolute_deviation(numbers):\n    m = sum(numbers) / len(numbers)\n    return sum(abs(x - m) for x in numbers) / (len(numbers) - 1)\n"}),
        ],
    );
    let rows = eval(
        dir.path(),
        &[
            "--benchmark",
            "humaneval-plus",
            "--samples",
            "plus.jsonl",
            "--trace",
        ],
    );
    let traces = rows[0]["details"]["traces"].as_array().unwrap();
    assert_eq!(traces.len(), 2, "{traces:?}");
    assert_eq!(traces[0]["list"], "base");
    assert_eq!(
        traces[0]["test"],
        rows[0]["details"]["base"]["failure"]["input_index"]
    );
    assert_eq!(traces[1]["list"], "plus");
    assert_eq!(
        events(&traces[0]),
        [
            r#"call mean_absolute_deviation d1 {"numbers":"[1.0, 2.0, 3.0]"}"#,
            r#"block mean_absolute_deviation [2,3] {"m":"2.0","numbers":"[1.0, 2.0, 3.0]"}"#,
            r#"return mean_absolute_deviation d1 "1.0""#,
        ]
    );

    // A stdin/stdout program: its module is traced, per failing case.
    write_lines(
        dir.path(),
        "problems.jsonl",
        &[json!({"task_id": "S/0", "tests": [
            {"input": "2 3\n", "output": "5\n"},
            {"input": "-2 3\n", "output": "1\n"},
        ]})],
    );
    write_lines(
        dir.path(),
        "stdio.jsonl",
        &[json!({"task_id": "S/0", "language": "python",
                 "solution": "a, b = map(int, input().split())\nif a < 0:\n    a = 0\nprint(a + b)\n"})],
    );
    let rows = eval(
        dir.path(),
        &[
            "--benchmark",
            "stdio",
            "--problems",
            "problems.jsonl",
            "--samples",
            "stdio.jsonl",
            "--trace",
        ],
    );
    let trace = only_trace(&rows[0]);
    assert_eq!(trace["test"], 1);
    assert_eq!(trace["end"], "returned");
    assert_eq!(
        events(trace),
        [
            r#"call <module> d1 {}"#,
            r#"block <module> [1,2] {"a":"-2","b":"3"}"#,
            r#"block <module> [3] {"a":"0","b":"3"}"#,
            r#"block <module> [4] {"a":"0","b":"3"}"#,
            r#"return <module> d1 "None""#,
        ]
    );

    // ClassEval: the failing test methods, by class and name.
    if !support::benchmark_ready("classeval/ClassEval_data.json")
        || !support::environment_ready("classeval")
    {
        return;
    }
    let tasks: Value = serde_json::from_str(
        &std::fs::read_to_string(support::data_dir().join("classeval/ClassEval_data.json"))
            .unwrap(),
    )
    .unwrap();
    let task = &tasks[0];
    let code = task["solution_code"].as_str().unwrap();
    let wrong = code.replacen("return ", "return None and ", 1);
    assert_ne!(wrong, code);
    write_lines(
        dir.path(),
        "classeval.jsonl",
        &[json!({"task_id": task["task_id"], "solution": wrong})],
    );
    let rows = eval(
        dir.path(),
        &[
            "--benchmark",
            "classeval",
            "--samples",
            "classeval.jsonl",
            "--trace",
        ],
    );
    let row = &rows[0];
    assert_eq!(row["passed"], false, "{row}");
    let traces = row["details"]["traces"].as_array().unwrap();
    assert!(!traces.is_empty(), "{row}");
    for trace in traces {
        let name = trace["test"].as_str().unwrap();
        assert!(name.contains('.'), "Class.method: {name}");
        assert!(trace.get("unavailable").is_none(), "{trace}");
        assert!(trace["events_total"].as_u64().unwrap() > 0, "{trace}");
        // Only the candidate's code: the test methods are not traced.
        for event in trace["events"].as_array().unwrap() {
            assert!(
                !event["function"].as_str().unwrap_or("").starts_with("test"),
                "{event}"
            );
        }
    }
}

#[test]
fn the_judge_endpoint_traces_on_request() {
    let Some(host) = host("traces_http", Need::Namespaces, Share::Shared) else {
        return;
    };
    let server = Server::start(&host, &[]);
    let code = "def add(a, b):\n    s = a - b\n    return s\n";
    // check()-style.
    let (status, body) = server.post(
        "/v1/judge",
        json!({"code": code, "test": "def check(f):\n    assert f(2, 3) == 5\n", "entry_point": "add", "trace": true}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["passed"], false);
    let trace = &body["traces"][0];
    assert_eq!(
        events(trace),
        [
            r#"call add d1 {"a":"2","b":"3"}"#,
            r#"block add [2,3] {"a":"2","b":"3","s":"-1"}"#,
            r#"return add d1 "-1""#,
        ]
    );
    // Calls with expected outputs: the failing input.
    let (status, body) = server.post(
        "/v1/judge",
        json!({"code": code, "entry_point": "add", "inputs": [[1, 0], [2, 3]], "expected": [1, 5],
               "trace": {"tests": "failing", "events": 5}}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["traces"].as_array().unwrap().len(), 1, "{body}");
    assert_eq!(body["traces"][0]["test"], 1);
    assert_eq!(body["traces"][0]["list"], "inputs");
    // stdin/stdout cases: every case with `all`.
    let (status, body) = server.post(
        "/v1/judge",
        json!({"code": "print(int(input()) * 2)\n", "cases": [{"stdin": "2\n", "expected_stdout": "4\n"}, {"stdin": "3\n", "expected_stdout": "6\n"}],
               "trace": "all"}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["passed"], true);
    assert_eq!(body["traces"].as_array().unwrap().len(), 2, "{body}");
    // Without `trace`, none.
    let (_, body) = server.post(
        "/v1/judge",
        json!({"code": code, "test": "def check(f):\n    assert f(2, 3) == 5\n", "entry_point": "add"}),
    );
    assert!(body.get("traces").is_none(), "{body}");
    // A bad `trace` names its field.
    for (trace, field) in [
        (json!("some"), "trace"),
        (json!({"events": 0}), "trace.events"),
        (json!({"depth": 3}), "trace.depth"),
        (json!(7), "trace"),
    ] {
        let (status, body) = server.post(
            "/v1/judge",
            json!({"code": code, "test": "pass", "trace": trace}),
        );
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"]["field"], field, "{body}");
    }
    let (status, body) = server.post(
        "/v1/judge",
        json!({"language": "cpp", "code": "int main(){}", "cases": [{"stdin": "", "expected_stdout": ""}], "trace": true}),
    );
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["field"], "trace", "{body}");
}
