//! `verdict serve` in languages beyond Python, as real clients use it: verl's
//! SandboxFusion requests (`/run_code` with its language names, read the way
//! verl reads `status`, `compile_result` and `run_result`), and `/v1/run` and
//! `/v1/judge` with compiled languages, comparison modes and a checker.

mod support;

use serde_json::{Value, json};
use support::server::Server;
use support::{Need, Share, host};

/// POSTs `body` and returns the answer's JSON, whatever its status.
fn post(server: &Server, path: &str, body: Value) -> Value {
    server.post(path, body).1
}

/// verl's classification of one SandboxFusion answer
/// (`verl/utils/reward_score/sandbox_fusion/utils.py`, `_process_single_case`):
/// true/false for a finished run compared with the expected output, -1 API or
/// sandbox error, -2 runtime error, -3 timeout, -4 compile error.
fn verl_reading(response: &Value, expected: &str) -> Value {
    let compile = &response["compile_result"];
    let run = &response["run_result"];
    match response["status"].as_str() {
        Some("SandboxError") => json!(-1),
        Some("Failed") => {
            let compile_status = compile["status"].as_str();
            if !compile.is_null()
                && (matches!(compile_status, Some("Error" | "TimeLimitExceeded"))
                    || (compile_status == Some("Finished") && compile["return_code"] != 0))
            {
                return json!(-4);
            }
            if run.is_null() {
                return json!(-1);
            }
            match run["status"].as_str() {
                Some("TimeLimitExceeded") => json!(-3),
                Some("Error") => json!(-2),
                Some("Finished") if run["return_code"] != 0 => json!(-2),
                _ => json!(-1),
            }
        }
        Some("Success") if run["status"] == "Finished" => {
            let stdout = run["stdout"].as_str().unwrap_or("");
            json!(stdout.trim_end_matches('\n') == expected.trim_end_matches('\n'))
        }
        _ => json!(-1),
    }
}

fn verl_request(language: &str, code: &str, stdin: &str) -> Value {
    // Exactly the payload verl's `call_sandbox_api` posts.
    json!({
        "compile_timeout": 10, "run_timeout": 10, "code": code, "stdin": stdin,
        "language": language, "files": {}, "fetch_files": [],
    })
}

#[test]
fn verl_requests_in_every_language() {
    let Some(host) = host("verl_languages", Need::Namespaces, Share::Shared) else {
        return;
    };
    let server = Server::start(&host, &[]);
    let sum = [
        ("python", "a, b = map(int, input().split())\nprint(a + b)\n"),
        (
            "cpp",
            "#include <iostream>\nint main() { long a, b; std::cin >> a >> b; std::cout << a + b << std::endl; }\n",
        ),
        (
            "nodejs",
            "const [a, b] = require('fs').readFileSync(0, 'utf8').trim().split(' ').map(Number);\nconsole.log(a + b);\n",
        ),
        (
            "go",
            "package main\nimport \"fmt\"\nfunc main() { var a, b int; fmt.Scan(&a, &b); fmt.Println(a + b) }\n",
        ),
        (
            "java",
            "import java.util.*;\npublic class Main { public static void main(String[] x) { Scanner s = new Scanner(System.in); System.out.println(s.nextLong() + s.nextLong()); } }\n",
        ),
        (
            "rust",
            "use std::io::Read;\nfn main() { let mut s = String::new(); std::io::stdin().read_to_string(&mut s).unwrap(); let v: Vec<i64> = s.split_whitespace().map(|x| x.parse().unwrap()).collect(); println!(\"{}\", v[0] + v[1]); }\n",
        ),
        (
            "typescript",
            "declare var require: any;\nconst v: number[] = require('fs').readFileSync(0, 'utf8').trim().split(' ').map(Number);\nconsole.log(v[0] + v[1]);\n",
        ),
        ("bash", "read a b\necho $((a + b))\n"),
        (
            "php",
            "<?php\n[$a, $b] = array_map('intval', explode(' ', trim(fgets(STDIN))));\necho $a + $b, \"\\n\";\n",
        ),
        (
            "perl",
            "my ($a, $b) = split ' ', <STDIN>;\nprint $a + $b, \"\\n\";\n",
        ),
    ];
    for (language, code) in sum {
        let right = post(&server, "/run_code", verl_request(language, code, "2 3\n"));
        assert_eq!(
            verl_reading(&right, "5"),
            json!(true),
            "{language}: {right}"
        );
        let wrong = post(&server, "/run_code", verl_request(language, code, "2 3\n"));
        assert_eq!(
            verl_reading(&wrong, "6"),
            json!(false),
            "{language}: {wrong}"
        );
        let compiled = !matches!(language, "python" | "nodejs" | "bash" | "php" | "perl");
        assert_eq!(
            right["compile_result"].is_null(),
            !compiled,
            "{language}: {right}"
        );
    }
    for (language, code) in [
        ("cpp", "int main() { return undefined_name; }\n"),
        (
            "java",
            "public class Main { public static void main(String[] a) { int x = \"s\"; } }\n",
        ),
        ("go", "package main\nfunc main() { x := 1 }\n"),
        ("rust", "fn main() { let x: u8 = \"s\"; }\n"),
    ] {
        let response = post(&server, "/run_code", verl_request(language, code, ""));
        assert_eq!(
            verl_reading(&response, ""),
            json!(-4),
            "{language}: {response}"
        );
        assert!(
            !response["compile_result"]["stderr"]
                .as_str()
                .unwrap()
                .is_empty()
                || !response["compile_result"]["stdout"]
                    .as_str()
                    .unwrap()
                    .is_empty(),
            "{response}"
        );
    }
    let spin = post(
        &server,
        "/run_code",
        json!({"code": "int main() { for (;;) {} }", "language": "cpp", "run_timeout": 1}),
    );
    assert_eq!(verl_reading(&spin, ""), json!(-3), "{spin}");
    let crash = post(
        &server,
        "/run_code",
        verl_request(
            "go",
            "package main\nfunc main() { var a []int; _ = a[3] }\n",
            "",
        ),
    );
    assert_eq!(verl_reading(&crash, ""), json!(-2), "{crash}");
    let lua = post(&server, "/run_code", verl_request("lua", "print(1)", ""));
    assert_eq!(verl_reading(&lua, ""), json!(-1), "{lua}");
    assert!(lua["message"].as_str().unwrap().contains("lua"), "{lua}");
}

#[test]
fn run_and_judge_compiled_languages() {
    let Some(host) = host("serve_compiled", Need::Namespaces, Share::Shared) else {
        return;
    };
    let server = Server::start(&host, &[]);
    let run = post(
        &server,
        "/v1/run",
        json!({"language": "c", "code": "#include <stdio.h>\nint main(void) { puts(\"hi\"); return 3; }\n"}),
    );
    assert_eq!(run["status"], "runtime_error", "{run}");
    assert_eq!(run["exit_code"], 3);
    assert_eq!(run["stdout"], "hi\n");
    assert_eq!(run["compile"]["status"], "ok", "{run}");

    let third = "#include <stdio.h>\nint main(void) { double x; scanf(\"%lf\", &x); printf(\"%.9f\\n\", x / 3); }\n";
    let judged = post(
        &server,
        "/v1/judge",
        json!({
            "language": "c", "code": third,
            "cases": [{"input": "1\n", "output": "0.3333333"}, {"input": "3\n", "output": "1"}],
            "compare": {"mode": "tokens", "abs_tol": 1e-6},
        }),
    );
    assert_eq!(judged["status"], "passed", "{judged}");
    let strict = post(
        &server,
        "/v1/judge",
        json!({
            "language": "c", "code": third,
            "cases": [{"input": "1\n", "output": "0.3333333"}],
        }),
    );
    assert_eq!(strict["status"], "wrong_answer", "{strict}");
    assert!(strict["tests"][0]["message"].is_string(), "{strict}");

    // Any answer that is a permutation of the input passes the checker.
    let checker = json!({"language": "python", "code":
        "import sys\nwant = sorted(open(sys.argv[1]).read().split())\ngot = sorted(open(sys.argv[3]).read().split())\nsys.exit(0 if want == got else 1)\n"});
    let shuffle = post(
        &server,
        "/v1/judge",
        json!({
            "language": "javascript",
            "code": "const w = require('fs').readFileSync(0, 'utf8').trim().split(' ');\nconsole.log(w.reverse().join(' '));\n",
            "cases": [{"input": "a b c", "output": "c b a"}, {"input": "x y", "output": ""}],
            "compare": "checker", "checker": checker,
        }),
    );
    assert_eq!(shuffle["status"], "passed", "{shuffle}");
    let bad = post(
        &server,
        "/v1/judge",
        json!({"language": "javascript", "code": "console.log('nope')", "cases": [{"input": "a", "output": "a"}],
               "compare": "checker", "checker": checker}),
    );
    assert_eq!(bad["status"], "wrong_answer", "{bad}");

    let broken = post(
        &server,
        "/v1/judge",
        json!({"language": "rust", "code": "fn main() { oops }", "cases": [{"input": "", "output": ""}]}),
    );
    assert_eq!(broken["status"], "compile_error", "{broken}");
    assert!(
        broken["compiler_output"].as_str().unwrap().contains("oops"),
        "{broken}"
    );
}

#[test]
fn judge_by_inputs_and_expected_outputs() {
    let Some(host) = host("judge_calls", Need::Namespaces, Share::Shared) else {
        return;
    };
    let server = Server::start(&host, &[]);
    let double = "def f(x):\n    return x * 2\n";
    let judged = post(
        &server,
        "/v1/judge",
        json!({"code": double, "entry_point": "f", "inputs": [[1], [2.5], ["ab"]], "expected": [2, 5.0, "abab"]}),
    );
    assert_eq!(judged["status"], "passed", "{judged}");
    // EvalPlus's float tolerance: 1e-6 when the expected value is a float.
    let close = post(
        &server,
        "/v1/judge",
        json!({"code": "def f(x):\n    return x * 2 + 1e-9\n", "entry_point": "f", "inputs": [[2.5]], "expected": [5.0]}),
    );
    assert_eq!(close["status"], "passed", "{close}");
    // A tuple is not a list, as in Python; `{"$t": ...}` says tuple.
    let tuple = "def f(x):\n    return (x, x)\n";
    let list = post(
        &server,
        "/v1/judge",
        json!({"code": tuple, "entry_point": "f", "inputs": [[1]], "expected": [[1, 1]]}),
    );
    assert_eq!(list["status"], "failed", "{list}");
    assert_eq!(list["failure"]["input_index"], 0, "{list}");
    let tagged = post(
        &server,
        "/v1/judge",
        json!({"code": tuple, "entry_point": "f", "inputs": [[1]], "expected": [{"$t": [1, 1]}]}),
    );
    assert_eq!(tagged["status"], "passed", "{tagged}");
    // An object whose __eq__ always says yes cannot pass: outputs are
    // compared outside the sandbox, by value.
    let liar = "class Yes:\n    def __eq__(self, other):\n        return True\ndef f(x):\n    return Yes()\n";
    let lied = post(
        &server,
        "/v1/judge",
        json!({"code": liar, "entry_point": "f", "inputs": [[1]], "expected": [2]}),
    );
    assert_eq!(lied["passed"], false, "{lied}");
    let spin = post(
        &server,
        "/v1/judge",
        json!({"code": "def f(x):\n    while True:\n        pass\n", "entry_point": "f",
               "inputs": [[1]], "expected": [1], "limits": {"time_ms": 1000}}),
    );
    assert_eq!(spin["status"], "timed_out", "{spin}");
    let (status, bad) = server.post(
        "/v1/judge",
        json!({"code": double, "entry_point": "f", "inputs": [[1], [2]], "expected": [2]}),
    );
    assert_eq!(status, 400);
    assert_eq!(bad["error"]["field"], "expected", "{bad}");
}
