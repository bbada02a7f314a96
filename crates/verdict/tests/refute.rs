//! `verdict refute` and `POST /v1/refute` on constructed buggy programs:
//! a Python function that fails on negative numbers, a C++ program wrong
//! for more than three numbers, a program that loops on odd input; inputs
//! the validator rejects (by raising, by returning False, by exiting
//! non-zero); hostile validators (one that loops, one that writes without
//! end) and a huge input, each ending within its limits with a clear
//! status; a reference that fails; a checker; bad requests.

mod support;

use std::path::Path;

use serde_json::{Value, json};

fn refute(dir: &Path, requests: &[Value]) -> Vec<Value> {
    let text: String = requests.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(dir.join("requests.jsonl"), text).unwrap();
    let output = support::verdict_in(dir, &["refute", "requests.jsonl", "--json"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn verdicts(answer: &Value) -> Vec<&str> {
    answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["verdict"].as_str().unwrap())
        .collect()
}

const BIGGEST: &str = "def biggest(xs):\n    best = 0\n    for x in xs:\n        if x > best:\n            best = x\n    return best\n";

fn function_request() -> Value {
    json!({"id": "biggest", "entry_point": "biggest", "program": BIGGEST,
           "reference": "def biggest(xs):\n    return max(xs)\n",
           "validator": "def validate(xs):\n    assert isinstance(xs, list) and len(xs) >= 1\n    return all(isinstance(x, int) for x in xs)\n",
           "inputs": ["[1, 5, 3]", "[-3, -1]", "[]", "['a']", "[2] * 3"]})
}

#[test]
fn counterexamples_to_functions_and_stdio_programs() {
    let Some(_host) = support::host("refute", support::Need::Namespaces, support::Share::Shared)
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cpp = "#include <iostream>\nint main(){int n; std::cin>>n; long s=0; for(int i=0;i<n;i++){long x; std::cin>>x; s+=x;} if(n>3) s+=1; std::cout<<s<<\"\\n\";}\n";
    let answers = refute(
        dir.path(),
        &[
            function_request(),
            json!({"id": "sum", "program": {"language": "cpp", "code": cpp},
                   "reference": "n = int(input())\nprint(sum(map(int, input().split())))\n",
                   "validator": "import sys\nparts = sys.stdin.read().split()\nn = int(parts[0])\nassert len(parts) == n + 1 and 1 <= n <= 10\n",
                   "inputs": ["2\n1 2\n", "4\n1 1 1 1\n", "3\n1 2\n"]}),
            json!({"id": "parity", "entry_point": "f", "time_limit_ms": 300,
                   "program": "def f(n):\n    while n != 0:\n        n -= 2\n    return 1\n",
                   "reference": "def f(n):\n    return 1 if n >= 0 else 1 // 0\n",
                   "inputs": ["4", "3", "-2"]}),
        ],
    );
    // biggest: [-3, -1] gives 0, not -1; [] and ['a'] are rejected (an
    // assert, a False); the others agree.
    let biggest = &answers[0];
    assert_eq!(biggest["id"], "biggest");
    assert_eq!(
        verdicts(biggest),
        [
            "no_difference",
            "counterexample",
            "invalid_input",
            "invalid_input",
            "no_difference"
        ]
    );
    let found = &biggest["results"][1];
    assert_eq!(
        (found["expected"].clone(), found["actual"].clone()),
        (json!("-1"), json!("0"))
    );
    assert_eq!(
        biggest["results"][2]["validator"]["exception"],
        "AssertionError"
    );
    assert_eq!(biggest["results"][3]["validator"]["returned"], "False");
    assert_eq!(biggest["counterexamples"], 1);
    assert_eq!(biggest["invalid_inputs"], 2);

    // The C++ program adds one for more than three numbers; "3\n1 2" has
    // one number too few for the validator.
    let sum = &answers[1];
    assert_eq!(
        verdicts(sum),
        ["no_difference", "counterexample", "invalid_input"]
    );
    assert_eq!(sum["results"][1]["expected"], "4\n");
    assert_eq!(sum["results"][1]["actual"], "5\n");
    assert_eq!(sum["results"][2]["validator"]["status"], "runtime_error");

    // parity: 3 loops in the program (a counterexample by its limit); the
    // reference fails on -2 (nothing can be concluded there).
    let parity = &answers[2];
    assert_eq!(
        verdicts(parity),
        ["no_difference", "counterexample", "reference_failed"]
    );
    assert_eq!(parity["results"][1]["program"]["status"], "time_limit");
    assert_eq!(
        parity["results"][2]["reference"]["exception"],
        "ZeroDivisionError"
    );
}

#[test]
fn hostile_validators_and_inputs_end_within_limits() {
    let Some(_host) = support::host(
        "refute_hostile",
        support::Need::Namespaces,
        support::Share::Shared,
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let echo = "import sys\nsys.stdout.write(sys.stdin.read()[:10])\n";
    let huge = "x".repeat(8 << 20);
    let started = std::time::Instant::now();
    let answers = refute(
        dir.path(),
        &[
            json!({"id": "loops", "program": echo, "reference": echo, "time_limit_ms": 500,
                   "validator": "while True:\n    pass\n", "inputs": ["a"]}),
            json!({"id": "writes", "program": echo, "reference": echo, "time_limit_ms": 5000,
                   "validator": "import sys\nwhile True:\n    sys.stdout.write('y' * 65536)\n", "inputs": ["a"]}),
            json!({"id": "huge", "program": "import sys\nprint(len(sys.stdin.read()))\n",
                   "reference": "import sys\nprint(len(sys.stdin.read()) + 1)\n", "inputs": [huge]}),
            json!({"id": "function-loops", "entry_point": "f", "program": "def f(x):\n    return x\n",
                   "reference": "def f(x):\n    return x\n", "time_limit_ms": 300,
                   "validator": "def validate(x):\n    while True:\n        pass\n", "inputs": ["1"]}),
            // A checker decides: any answer of the right parity is right.
            json!({"id": "checker", "program": "print(int(input()) + 2)\n", "reference": "print(int(input()))\n",
                   "compare": "checker",
                   "checker": {"language": "python", "code": "import sys\na = int(open(sys.argv[2]).read())\nb = int(open(sys.argv[3]).read())\nsys.exit(0 if a % 2 == b % 2 else 1)\n"},
                   "inputs": ["3\n", "4\n"]}),
        ],
    );
    assert!(started.elapsed().as_secs() < 60, "{:?}", started.elapsed());
    assert_eq!(verdicts(&answers[0]), ["invalid_input"]);
    assert_eq!(
        answers[0]["results"][0]["validator"]["status"],
        "time_limit"
    );
    assert_eq!(verdicts(&answers[1]), ["invalid_input"]);
    assert_eq!(
        answers[1]["results"][0]["validator"]["status"],
        "output_limit"
    );
    assert_eq!(verdicts(&answers[2]), ["counterexample"]);
    assert_eq!(
        answers[2]["results"][0]["expected"],
        format!("{}\n", (8 << 20) + 1)
    );
    assert!(
        answers[2]["results"][0]["input"].as_str().unwrap().len() < 2000,
        "the input is clipped in the answer"
    );
    assert_eq!(verdicts(&answers[3]), ["invalid_input"]);
    assert_eq!(
        answers[3]["results"][0]["validator"]["status"],
        "time_limit"
    );
    assert_eq!(verdicts(&answers[4]), ["no_difference", "no_difference"]);
}

#[test]
fn bad_requests_are_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.jsonl"),
        "{\"program\": \"x\", \"reference\": \"y\"}\n",
    )
    .unwrap();
    let output = support::verdict_in(dir.path(), &["refute", "bad.jsonl"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bad.jsonl") && stderr.contains("line 1") && stderr.contains("inputs"),
        "{stderr}"
    );

    let Some(host) = support::host(
        "refute_http",
        support::Need::Namespaces,
        support::Share::Shared,
    ) else {
        return;
    };
    let server = support::server::Server::start(&host, &[]);
    let (status, answer) = server.post("/v1/refute", function_request());
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        verdicts(&answer),
        [
            "no_difference",
            "counterexample",
            "invalid_input",
            "invalid_input",
            "no_difference"
        ]
    );
    for (body, field) in [
        (
            json!({"program": "x", "reference": "y", "inputs": []}),
            "inputs",
        ),
        (
            json!({"entry_point": "f", "program": {"language": "cpp", "code": "int main(){}"}, "reference": "y", "inputs": ["1"]}),
            "program",
        ),
        (
            json!({"program": {"language": "cobol", "code": "x"}, "reference": "y", "inputs": ["1"]}),
            "program",
        ),
        (
            json!({"program": "x", "reference": "y", "inputs": ["1"], "compare": "fuzzy"}),
            "compare",
        ),
        (
            json!({"program": "x", "reference": "y", "inputs": ["1"], "time_limit_ms": 0}),
            "time_limit_ms",
        ),
        (
            json!({"program": "x", "reference": "y", "inputs": ["1"], "colour": 1}),
            "colour",
        ),
    ] {
        let (status, answer) = server.post("/v1/refute", body);
        assert_eq!(status, 400, "{answer}");
        assert_eq!(answer["error"]["field"], field, "{answer}");
    }
}
