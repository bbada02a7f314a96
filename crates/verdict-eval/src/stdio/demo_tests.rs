use std::collections::HashSet;

use super::*;

const LANGUAGES: [&str; 7] = ["python", "c", "cpp", "java", "javascript", "rust", "go"];

#[test]
fn demo_problems_are_well_formed() {
    let problems = demo_problems();
    assert!((6..=8).contains(&problems.len()), "{}", problems.len());
    for p in &problems {
        assert!((3..=6).contains(&p.tests.len()), "{}", p.task_id);
        assert!(
            p.statement.is_some() && p.time_limit_ms.is_some(),
            "{}",
            p.task_id
        );
        if p.compare == CompareMode::Checker {
            continue;
        }
        for case in &p.tests {
            compare(
                &p.compare,
                case.expected.as_bytes(),
                case.expected.as_bytes(),
            )
            .unwrap();
        }
    }
    let modes: HashSet<_> = problems.iter().map(|p| p.compare.name()).collect();
    assert_eq!(
        modes,
        HashSet::from(["trailing_whitespace", "tokens", "checker"])
    );
}

#[test]
fn every_demo_problem_has_right_solutions_in_every_language() {
    let problems: HashSet<_> = demo_problems().into_iter().map(|p| p.task_id).collect();
    let solutions = demo_solutions();
    for s in &solutions {
        assert!(problems.contains(&s.task_id), "{}", s.task_id);
        assert!(LANGUAGES.contains(&s.language.as_str()) || s.language == "bash");
    }
    for task in &problems {
        for language in LANGUAGES {
            let right = solutions.iter().any(|s| {
                &s.task_id == task && s.language == language && s.expect == Expect::Accepted
            });
            assert!(right, "no accepted {language} solution for {task}");
        }
    }
    let expects: HashSet<_> = solutions
        .iter()
        .map(|s| format!("{:?}", s.expect))
        .collect();
    assert_eq!(expects.len(), 5, "{expects:?}");
}

/// Runs every demo solution with the host's real toolchains, outside any sandbox, and
/// checks it gets the verdict it claims. `cargo test -p verdict-eval -- --ignored
/// demo_solutions_verdicts --nocapture` (needs gcc, g++, javac, node, rustc, go, python3).
#[test]
#[ignore = "compiles and runs the demo solutions on the host with real toolchains"]
fn demo_solutions_verdicts_with_real_toolchains() {
    let problems = demo_problems();
    let mut failures = Vec::new();
    for (i, s) in demo_solutions().iter().enumerate() {
        let problem = problems.iter().find(|p| p.task_id == s.task_id).unwrap();
        let (got, detail) = host::judge(problem, s);
        println!(
            "{i:2} {:20} {:10} {:?} -> {got:?} {detail}",
            s.task_id, s.language, s.expect
        );
        if got != s.expect {
            failures.push(format!(
                "{} {} expected {:?}, got {got:?}: {detail}",
                s.task_id, s.language, s.expect
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// A plain judge on the host: compile once, run each case under `ulimit -t`.
mod host {
    use std::io::Write;
    use std::path::Path;
    use std::process::{Command, Stdio};
    use std::time::Instant;

    use super::super::{Checker, Expect, Problem, Solution, checker_verdict, compare};

    fn compile(dir: &Path, s: &Solution) -> Result<Vec<String>, String> {
        let (file, build, run): (&str, Option<&str>, &str) = match s.language.as_str() {
            "python" => ("main.py", None, "/usr/bin/python3 main.py"),
            "c" => (
                "main.c",
                Some("gcc -O2 -std=c11 -o main main.c -lm"),
                "./main",
            ),
            "cpp" => (
                "main.cpp",
                Some("g++ -O2 -std=c++17 -o main main.cpp"),
                "./main",
            ),
            "java" => ("Main.java", Some("javac Main.java"), "java -cp . Main"),
            "javascript" => ("main.js", None, "node main.js"),
            "rust" => (
                "main.rs",
                Some("$HOME/.cargo/bin/rustc --edition 2021 -O -o main main.rs"),
                "./main",
            ),
            "go" => ("main.go", Some("go build -o main main.go"), "./main"),
            "bash" => ("main.sh", None, "bash main.sh"),
            other => panic!("unknown language {other}"),
        };
        std::fs::write(dir.join(file), &s.solution).unwrap();
        if let Some(build) = build {
            let out = Command::new("sh")
                .args(["-c", build])
                .current_dir(dir)
                .output()
                .unwrap();
            if !out.status.success() {
                return Err(String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .next()
                    .unwrap_or("")
                    .to_owned());
            }
        }
        Ok(vec![
            "sh".into(),
            "-c".into(),
            format!("ulimit -t {{}}; exec {run}"),
        ])
    }

    pub fn judge(problem: &Problem, s: &Solution) -> (Expect, String) {
        let dir = tempfile::tempdir().unwrap();
        let command = match compile(dir.path(), s) {
            Ok(command) => command,
            Err(message) => return (Expect::CompileError, message),
        };
        let seconds = problem.time_limit_ms.unwrap().div_ceil(1000);
        let script = command[2].replace("{}", &seconds.to_string());
        let mut slowest = 0;
        for (i, case) in problem.tests.iter().enumerate() {
            let start = Instant::now();
            let mut child = Command::new("sh")
                .args(["-c", &script])
                .current_dir(dir.path())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let mut stdin = child.stdin.take().unwrap();
            let input = case.input.clone();
            let writer = std::thread::spawn(move || {
                let _ = stdin.write_all(input.as_bytes());
            });
            let out = child.wait_with_output().unwrap();
            writer.join().unwrap();
            slowest = slowest.max(start.elapsed().as_millis());
            use std::os::unix::process::ExitStatusExt;
            match (out.status.code(), out.status.signal()) {
                (_, Some(24 | 9)) => return (Expect::TimeLimit, format!("case {i}")),
                (Some(0), _) => {}
                _ => {
                    let err = String::from_utf8_lossy(&out.stderr);
                    let last = err.lines().last().unwrap_or("").to_owned();
                    return (
                        Expect::RuntimeError,
                        format!("case {i}: {:?} {last}", out.status),
                    );
                }
            }
            let verdict = match &problem.checker {
                Some(checker) => run_checker(checker, &case.input, &case.expected, &out.stdout),
                None => compare(&problem.compare, case.expected.as_bytes(), &out.stdout),
            };
            if let Err(mismatch) = verdict {
                return (Expect::WrongAnswer, format!("case {i}: {mismatch}"));
            }
        }
        (Expect::Accepted, format!("slowest case {slowest} ms wall"))
    }

    fn run_checker(
        checker: &Checker,
        input: &str,
        expected: &str,
        actual: &[u8],
    ) -> Result<(), super::super::Mismatch> {
        assert_eq!(checker.language, "python");
        let dir = tempfile::tempdir().unwrap();
        let [i, e, a] = Checker::FILES;
        std::fs::write(dir.path().join(i), input).unwrap();
        std::fs::write(dir.path().join(e), expected).unwrap();
        std::fs::write(dir.path().join(a), actual).unwrap();
        std::fs::write(dir.path().join("checker.py"), &checker.code).unwrap();
        let out = Command::new("/usr/bin/python3")
            .args(["checker.py", i, e, a])
            .current_dir(dir.path())
            .output()
            .unwrap();
        let code = out.status.code().expect("the checker exits");
        checker_verdict(code, &out.stdout, &out.stderr)
    }
}
