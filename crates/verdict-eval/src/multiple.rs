//! MultiPL-E: HumanEval translated to other languages.
//!
//! Rows (`../shared/data/multipl_e/humaneval-<code>.jsonl`) carry `name`
//! (the task id, e.g. `HumanEval_53_add`), `prompt` and `tests`. As in
//! MultiPL-E's evaluator, the program is `prompt + completion + "\n" +
//! tests` (a sample's `solution` replaces `prompt + completion`), and it
//! passes when it exits cleanly. Each language is compiled and run the way
//! MultiPL-E's `eval_<lang>.py` does:
//!
//! | code | MultiPL-E runs | verdict runs |
//! |---|---|---|
//! | `cpp` | `g++ FILE -o BIN -std=c++17`, `BIN` | the same |
//! | `java` | `javac -encoding UTF8 -d DIR FILE` (javatuples on `CLASSPATH`), `java -ea -cp DIR:javatuples.jar Problem` | the same (class `Problem`, as MultiPL-E names it), plus JVM sizing flags (`-XX:MaxRAM` = the memory limit, serial GC) |
//! | `js` | `node FILE` | the same |
//! | `ts` | `tsc --target esnext FILE`, `node FILE.js` | `tsc --target esnext --outDir out FILE`, `node out/FILE.js` |
//! | `rs` | `rustc FILE -o BIN` (edition 2015), `BIN` | the same, with `-C strip=debuginfo` |
//! | `go` | `go test FILE_test.go`; fails if `FAIL` is in its stdout | `go test -c` (which runs the same vet checks), then the test binary; fails on a non-zero exit or `FAIL` in its stdout |
//! | `sh` | `bash FILE` | the same |
//! | `rb` | `ruby FILE` | the same |
//! | `php` | `php FILE` | the same |
//! | `pl` | `perl FILE` | the same |
//!
//! Languages MultiPL-E has data for that verdict does not run yet are
//! listed in [`UNSUPPORTED`] with the reason.

use serde_json::{Map, Value, json};
use verdict_exec::{Limits, Outcome, Pool, Recipe, Status, compile_limits, language::toolchains};

use crate::judge::EvalLimits;
use crate::results::{RESULT_PASSED, RESULT_TIMED_OUT, ResultRow, clip, result_failed};

pub use verdict_exec::Language;

/// MultiPL-E language codes verdict runs, as in MultiPL-E's file names.
pub const CODES: [&str; 10] = [
    "cpp", "java", "js", "ts", "rs", "go", "sh", "rb", "php", "pl",
];

/// MultiPL-E languages verdict does not run, and why.
pub const UNSUPPORTED: [(&str, &str); 8] = [
    (
        "lua",
        "its tests need luaunit, which Debian does not package",
    ),
    ("r", "not added yet (r-base-core is a large install)"),
    ("rkt", "not added yet (racket is a large install)"),
    ("jl", "Julia is not packaged in Debian 12"),
    ("d", "not added yet"),
    ("cs", "not added yet (needs mono)"),
    ("scala", "not added yet"),
    ("swift", "Swift is not packaged in Debian"),
];

/// The language of MultiPL-E code `code`.
pub fn language_of(code: &str) -> Option<Language> {
    Some(match code {
        "cpp" => Language::Cpp,
        "java" => Language::Java,
        "js" => Language::JavaScript,
        "ts" => Language::TypeScript,
        "rs" => Language::Rust,
        "go" => Language::Go,
        "sh" => Language::Bash,
        "rb" => Language::Ruby,
        "php" => Language::Php,
        "pl" => Language::Perl,
        _ => return None,
    })
}

/// MultiPL-E's code for `language`.
pub fn code_of(language: Language) -> &'static str {
    match language {
        Language::Cpp => "cpp",
        Language::Java => "java",
        Language::JavaScript => "js",
        Language::TypeScript => "ts",
        Language::Rust => "rs",
        Language::Go => "go",
        Language::Bash => "sh",
        Language::Ruby => "rb",
        Language::Php => "php",
        Language::Perl => "pl",
        Language::Python => "py",
        Language::C => "c",
    }
}

/// Parses `multipl-e-<code>` (also `multiple-<code>`, `humaneval-<code>`).
pub fn parse_benchmark(name: &str) -> Option<Language> {
    let code = ["multipl-e-", "multiple-", "humaneval-"]
        .iter()
        .find_map(|prefix| name.strip_prefix(prefix))?;
    language_of(code)
}

/// Why `name` names a MultiPL-E language verdict does not run, if it does.
pub fn unsupported_reason(name: &str) -> Option<String> {
    let code = ["multipl-e-", "multiple-", "humaneval-"]
        .iter()
        .find_map(|prefix| name.strip_prefix(prefix))?;
    UNSUPPORTED
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(c, why)| format!("MultiPL-E `{c}` is not supported: {why}"))
}

/// The benchmark's name, `multipl-e-<code>`.
pub fn benchmark_name(language: Language) -> &'static str {
    match language {
        Language::Cpp => "multipl-e-cpp",
        Language::Java => "multipl-e-java",
        Language::JavaScript => "multipl-e-js",
        Language::TypeScript => "multipl-e-ts",
        Language::Rust => "multipl-e-rs",
        Language::Go => "multipl-e-go",
        Language::Bash => "multipl-e-sh",
        Language::Ruby => "multipl-e-rb",
        Language::Php => "multipl-e-php",
        Language::Perl => "multipl-e-pl",
        Language::Python => "multipl-e-py",
        Language::C => "multipl-e-c",
    }
}

/// The problems file's name.
pub fn file_name(language: Language) -> &'static str {
    match language {
        Language::Cpp => "humaneval-cpp.jsonl",
        Language::Java => "humaneval-java.jsonl",
        Language::JavaScript => "humaneval-js.jsonl",
        Language::TypeScript => "humaneval-ts.jsonl",
        Language::Rust => "humaneval-rs.jsonl",
        Language::Go => "humaneval-go.jsonl",
        Language::Bash => "humaneval-sh.jsonl",
        Language::Ruby => "humaneval-rb.jsonl",
        Language::Php => "humaneval-php.jsonl",
        Language::Perl => "humaneval-pl.jsonl",
        Language::Python => "humaneval-py.jsonl",
        Language::C => "humaneval-c.jsonl",
    }
}

/// Where the file sits in a data directory.
pub fn data_path(language: Language) -> &'static str {
    match language {
        Language::Cpp => "multipl_e/humaneval-cpp.jsonl",
        Language::Java => "multipl_e/humaneval-java.jsonl",
        Language::JavaScript => "multipl_e/humaneval-js.jsonl",
        Language::TypeScript => "multipl_e/humaneval-ts.jsonl",
        Language::Rust => "multipl_e/humaneval-rs.jsonl",
        Language::Go => "multipl_e/humaneval-go.jsonl",
        Language::Bash => "multipl_e/humaneval-sh.jsonl",
        Language::Ruby => "multipl_e/humaneval-rb.jsonl",
        Language::Php => "multipl_e/humaneval-php.jsonl",
        Language::Perl => "multipl_e/humaneval-pl.jsonl",
        Language::Python => "multipl_e/humaneval-py.jsonl",
        Language::C => "multipl_e/humaneval-c.jsonl",
    }
}

/// How MultiPL-E compiles and runs a program in `language`.
pub fn recipe(language: Language) -> Recipe {
    let base = language.recipe();
    let s = |parts: &[&str]| parts.iter().map(|p| p.to_string()).collect::<Vec<_>>();
    let (source, compile, run) = match language {
        Language::Cpp => (
            "main.cpp",
            Some(s(&["g++", "main.cpp", "-o", "out/main", "-std=c++17"])),
            s(&["{build}/main"]),
        ),
        Language::Java => {
            // verdict's own Java recipe with MultiPL-E's class file name, its
            // `-ea` and its main class (`Problem`, named, never guessed),
            // without the larger thread stack verdict gives.
            let mut run = base.run.clone();
            run.retain(|arg| !arg.starts_with("-Xss"));
            run.insert(1, "-ea".into());
            for arg in run.iter_mut().filter(|arg| *arg == "{main_class}") {
                *arg = "Problem".into();
            }
            return Recipe {
                source_name: "Problem.java".into(),
                run,
                ..base
            };
        }
        Language::TypeScript => (
            "main.ts",
            Some(s(&[
                "tsc", "--target", "esnext", "--outDir", "out", "main.ts",
            ])),
            s(&["node", "{build}/main.js"]),
        ),
        Language::Rust => (
            "main.rs",
            Some(vec![
                toolchains().rustc.clone(),
                "main.rs".into(),
                "-o".into(),
                "out/main".into(),
                // The standard library's debug info is 95% of an 11 MiB
                // binary that every compile would ship to the build cache;
                // the program and its panics are the same without it.
                "-C".into(),
                "strip=debuginfo".into(),
            ]),
            s(&["{build}/main"]),
        ),
        Language::Go => (
            "main_test.go",
            Some(s(&[
                "go",
                "test",
                "-c",
                "-o",
                "out/test.bin",
                "main_test.go",
            ])),
            s(&["{build}/test.bin"]),
        ),
        _ => return base,
    };
    Recipe {
        source_name: source.to_string(),
        compile,
        run,
        ..base
    }
}

/// Judges one MultiPL-E program (`prompt + completion + "\n" + tests`):
/// its run gets `limits.check_cpu_ms` of CPU time (by default 15 s, the
/// most MultiPL-E gives any language) and `limits.memory_bytes`.
pub fn judge(
    pool: &Pool,
    language: Language,
    source: &str,
    limits: &EvalLimits,
    fields: Map<String, Value>,
) -> ResultRow {
    let limits = Limits {
        cpu_ms: limits.check_cpu_ms,
        active_ms: limits.check_cpu_ms,
        memory_bytes: limits.memory_bytes,
        ..Limits::default()
    };
    match pool.prepare(&recipe(language), source, &compile_limits()) {
        Err(failed) => exec_row(fields, &failed, None),
        Ok(program) => {
            let outcome = pool.run_program(&program, None, limits);
            let compile = program
                .build()
                .map(|b| (&b.compile, program.reused_build()));
            let go_failed = language == Language::Go && outcome.stdout.contains("FAIL");
            let mut row = exec_row(fields, &outcome, compile);
            if row.passed && go_failed {
                row.passed = false;
                row.status = "failed".into();
                row.result = result_failed("FAIL in the test output");
            }
            row
        }
    }
}

/// The row of a program judged by how it exits (MultiPL-E, stdin/stdout
/// runs): `passed` on a clean exit, else what stopped it, with the
/// compiler's or the program's own message.
/// `compile` is the compile step's outcome and whether its build was
/// reused from the cache.
pub fn exec_row(
    fields: Map<String, Value>,
    outcome: &Outcome,
    compile: Option<(&Outcome, bool)>,
) -> ResultRow {
    let (status, result) = match outcome.status {
        Status::Ok => ("passed", RESULT_PASSED.to_string()),
        Status::TimeLimit => ("timed_out", RESULT_TIMED_OUT.to_string()),
        Status::CompileError => ("compile_error", result_failed("compile error")),
        Status::MemoryLimit => ("memory_limit", result_failed("memory limit exceeded")),
        Status::OutputLimit => ("output_limit", result_failed("output limit exceeded")),
        Status::SandboxError => (
            "sandbox_error",
            result_failed(outcome.error.as_deref().unwrap_or("sandbox error")),
        ),
        Status::RuntimeError => {
            let how = match (outcome.exit_code, outcome.signal) {
                (Some(code), _) => format!("exit code {code}"),
                (None, Some(signal)) => format!("signal {signal}"),
                _ => "runtime error".to_string(),
            };
            ("failed", result_failed(&how))
        }
    };
    let mut details = Map::new();
    details.insert("wall_ms".into(), json!(outcome.wall_ms));
    details.insert("cpu_ms".into(), json!(outcome.cpu_ms));
    details.insert("peak_memory_bytes".into(), json!(outcome.peak_memory_bytes));
    details.insert("exit_code".into(), json!(outcome.exit_code));
    details.insert("signal".into(), json!(outcome.signal));
    if status != "passed" {
        let stream = if outcome.stderr.trim().is_empty() {
            &outcome.stdout
        } else {
            &outcome.stderr
        };
        let key = if outcome.status == Status::CompileError {
            "compiler_output"
        } else {
            "stderr"
        };
        details.insert(key.into(), json!(clip(stream, 2000)));
    }
    if let Some(error) = &outcome.error {
        details.insert("error".into(), json!(error));
    }
    if let Some((compile, cached)) = compile {
        details.insert(
            "compile".into(),
            json!({ "wall_ms": compile.wall_ms, "cpu_ms": compile.cpu_ms, "cached": cached }),
        );
    }
    ResultRow {
        fields,
        passed: status == "passed",
        result,
        status: status.into(),
        details: Some(Value::Object(details)),
    }
}
