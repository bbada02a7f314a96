#!/usr/bin/python3
"""What each language costs in verdict, against the plain way, measured in one run.

    languages.py [--quick] [--languages cpp,java,...] [--tasks N] [--verdict BIN]
                 [--data-dir DIR] [--report FILE.json]

Three measurements, each side by side with the plain way (no sandbox, a fresh
compiler and a fresh process, as SandboxFusion and MultiPL-E's own scripts do it):

1. Cost per run, stdin/stdout. A trivial program per language (read a number,
   print it doubled) judged on one problem of --cases cases (default 100):
   (a) `verdict run --lang L FILE --tests P --json`: one sandbox slot, one compile,
       one run per case; per case = the cases' own wall time, and the whole
       command's wall time / cases (sandbox start and compile included);
   (b) the floor: compile once, then a fresh unsandboxed process per case;
   (c) SandboxFusion's way: per case a fresh temp dir, a fresh compile and a
       fresh process (measured on the first --fresh-cases cases for compiled
       languages, as it costs a compile each).
   (b) and (c) run verdict's own compile and run commands (`verdict languages`),
   with the same environment verdict gives them (PATH=/usr/local/bin:/usr/bin:/bin,
   C.UTF-8), so only the sandbox, the slot and the build cache differ.
2. MultiPL-E throughput. Per language, samples for the first N tasks of
   humaneval-<code>.jsonl (all tasks; the first 20 for compiled languages, whose
   compiles take 0.3-3 s each), two completions per task written so that they compile
   for (nearly) every task and then fail or pass at run time: one that throws or
   aborts, one that exits cleanly from inside the function (a pass as MultiPL-E
   counts it) where the language allows. Judged by `verdict eval --benchmark
   multipl-e-<code> --jobs 2` and by MultiPL-E's procedure reimplemented here: per
   sample, prompt + completion + "\\n" + tests written to a temp file and run with
   MultiPL-E's commands and timeouts (eval_<lang>.py: `g++ F -o B -std=c++17`;
   `javac -encoding UTF8 -d D F` with javatuples on CLASSPATH, `java -ea -cp
   D:javatuples Problem`; `node F`; `tsc --target esnext F`, `node F.js`;
   `rustc F -o B` (15 s), `B` (5 s); `go test F_test.go` (30 s, fails on "FAIL" in
   its stdout); `bash`, `ruby`, `php`, `perl` (fails on "ERROR" in its output);
   15 s otherwise), unsandboxed, 2 workers. The pass/fail of every sample is
   compared between the two and the agreement printed. MultiPL-E's own runner
   polls its child every 0.1 s; subprocess here waits for it, so the plain way
   measured is slightly faster than MultiPL-E itself.
3. Compile cache. For the compiled languages, one completion for each of the
   first --cache-tasks tasks, each sample --repeats times in a row (as RL rollouts
   repeat), judged by verdict (one compile per distinct source, the repeats reuse
   the build) and by the plain way (a compile per sample). Interpreted languages
   have nothing to cache and are left out.

Tools run with the toolchains verdict uses (/usr/bin/rustc, not a rustup proxy
on PATH). Other processes on the machine skew every number; each comparison
runs its two sides back to back, and load averages are printed.
"""

import argparse
import concurrent.futures
import json
import os
import platform
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
JAVATUPLES = "/usr/share/java/javatuples.jar"
PLAIN_PATH = "/usr/local/bin:/usr/bin:/bin"
MEMORY_BYTES = 1 << 30  # verdict run's default --memory-limit, for the JVM's -XX:MaxRAM

ALIASES = {"py": "python", "c++": "cpp", "js": "javascript", "node": "javascript",
           "ts": "typescript", "rs": "rust", "sh": "bash", "rb": "ruby", "pl": "perl",
           "golang": "go"}
# verdict's language name -> MultiPL-E code (Python and C have no MultiPL-E benchmark in verdict).
MULTIPLE_CODE = {"cpp": "cpp", "java": "java", "javascript": "js", "typescript": "ts",
                 "rust": "rs", "go": "go", "bash": "sh", "ruby": "rb", "php": "php",
                 "perl": "pl"}
COMPILED_CODES = ("cpp", "java", "ts", "rs", "go")

# Part 1: read a number, print it doubled. (source file name, source)
DOUBLE = {
    "python": ("main.py", "print(2 * int(input()))\n"),
    "c": ("main.c", '#include <stdio.h>\nint main(void) {\n    long long x;\n'
          '    if (scanf("%lld", &x) != 1) return 1;\n    printf("%lld\\n", 2 * x);\n'
          '    return 0;\n}\n'),
    "cpp": ("main.cpp", '#include <iostream>\nint main() {\n    long long x;\n'
            '    std::cin >> x;\n    std::cout << 2 * x << "\\n";\n}\n'),
    "java": ("Main.java", "import java.io.*;\n\npublic class Main {\n"
             "    public static void main(String[] args) throws IOException {\n"
             "        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));\n"
             "        long x = Long.parseLong(in.readLine().trim());\n"
             "        System.out.println(2 * x);\n    }\n}\n"),
    "javascript": ("main.js", 'const x = Number(require("fs").readFileSync(0, "utf8").trim());\n'
                   "console.log(String(2 * x));\n"),
    "typescript": ("main.ts", "declare var require: any;\n"
                   'const text: string = require("fs").readFileSync(0, "utf8");\n'
                   "const x: number = Number(text.trim());\nconsole.log(String(2 * x));\n"),
    "rust": ("main.rs", "use std::io::Read;\n\nfn main() {\n    let mut s = String::new();\n"
             "    std::io::stdin().read_to_string(&mut s).unwrap();\n"
             "    let x: i64 = s.trim().parse().unwrap();\n    println!(\"{}\", 2 * x);\n}\n"),
    "go": ("main.go", 'package main\n\nimport "fmt"\n\nfunc main() {\n    var x int64\n'
           "    fmt.Scan(&x)\n    fmt.Println(2 * x)\n}\n"),
    "bash": ("main.sh", "read -r x\necho $((2 * x))\n"),
    "ruby": ("main.rb", "puts gets.to_i * 2\n"),
    "php": ("main.php", '<?php\n$x = (int) trim(fgets(STDIN));\necho 2 * $x, "\\n";\n'),
    "perl": ("main.pl", 'my $x = <STDIN>;\nprint 2 * $x, "\\n";\n'),
}


def say(msg=""):
    print(msg, flush=True)


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def ratio(a, b) -> str:
    return f"{a / b:.1f}x" if a and b else "-"


def plain_env(**extra) -> dict:
    """The environment the plain way runs in: verdict's, plus HOME (Go's build cache)."""
    env = {"PATH": PLAIN_PATH, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
           "HOME": os.environ.get("HOME", "/root")}
    env.update(extra)
    return env


def run_cmd(args, cwd, env, stdin=None, timeout=15.0):
    """Runs one unsandboxed command in its own session; kills the session on timeout.

    Returns (exit code or None on timeout, stdout, stderr).
    """
    p = subprocess.Popen(args, cwd=cwd, env=env, start_new_session=True,
                         stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = p.communicate(stdin.encode() if stdin is not None else None, timeout=timeout)
        code = p.returncode
    except subprocess.TimeoutExpired:
        code = None
        out, err = b"", b""
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    if code is None:
        p.communicate()
    return code, out.decode(errors="replace"), err.decode(errors="replace")


# ---------------------------------------------------------------- verdict's recipes

def verdict_languages(verdict: Path) -> dict:
    """`verdict languages` parsed: name -> {available, version, compile, run} (argv lists)."""
    text = subprocess.run([str(verdict), "languages"], capture_output=True, text=True,
                          check=True).stdout
    langs, current = {}, None
    for line in text.splitlines():
        if line and not line[0].isspace():
            name, _, rest = line.partition(" ")
            rest = rest.strip()
            available = rest.startswith("available")
            current = langs[name] = {"available": available,
                                     "version": rest.removeprefix("available").strip(),
                                     "compile": None, "run": None}
        elif current is not None:
            key, _, value = line.strip().partition(": ")
            if key in ("compile", "run"):
                current[key] = value
    for name, lang in langs.items():
        if name == "python":
            lang["run"] = "/usr/bin/python3 main.py"  # verdict forks it from a warm server
        for key in ("compile", "run"):
            if lang[key] is not None:
                lang[key] = shlex.split(lang[key])
    return langs


def fill(argv, source_name, build_dir):
    """verdict's placeholders in a recipe, as its supervisor fills them."""
    return [a.replace("{src}", source_name).replace("{build}", build_dir)
            .replace("{memory}", str(MEMORY_BYTES)).replace("{main_class}", "Main")
            for a in argv]


# ---------------------------------------------------------------- part 1: cost per run

def double_problem(cases: int) -> dict:
    values = [(i * 7919) % 1000003 - 500000 for i in range(cases)]
    return {"task_id": "double",
            "tests": [{"input": f"{v}\n", "output": f"{2 * v}\n"} for v in values]}


def verdict_stdio(verdict, lang, source_path, problem_path) -> dict:
    t0 = time.perf_counter()
    r = subprocess.run([str(verdict), "run", "--lang", lang, str(source_path),
                        "--tests", str(problem_path), "--json"], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    try:
        result = json.loads(r.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"verdict run --lang {lang} failed (exit {r.returncode}): "
                         f"{r.stderr[-2000:]}")
    tests = result.get("tests", [])
    compile_ms = (result.get("compile") or {}).get("wall_ms", 0.0)
    return {"command_s": wall, "cases": len(tests),
            "passed": sum(t["passed"] for t in tests),
            "case_ms": sum(t["wall_ms"] for t in tests) / max(1, len(tests)),
            "compile_ms": compile_ms, "verdict": result.get("verdict")}


def plain_compile(recipe, source_name, source, workdir: Path):
    """Writes the source into a fresh directory and compiles it; (dir, ms, ok)."""
    d = Path(tempfile.mkdtemp(dir=workdir))
    (d / source_name).write_text(source)
    (d / "out").mkdir()
    if recipe["compile"] is None:
        return d, 0.0, True
    t0 = time.perf_counter()
    code, _, err = run_cmd(fill(recipe["compile"], source_name, "out"), d, plain_env(),
                           timeout=30)
    return d, (time.perf_counter() - t0) * 1000, code == 0


def plain_case(recipe, source_name, d: Path, case) -> bool:
    build = str(d / "out")
    code, out, _ = run_cmd(fill(recipe["run"], source_name, build), d, plain_env(),
                           stdin=case["input"], timeout=10)
    return code == 0 and out.rstrip() == case["output"].rstrip()


def plain_floor(recipe, source_name, source, tests, workdir) -> dict:
    """Compile once, then a fresh unsandboxed process per case."""
    d, compile_ms, ok = plain_compile(recipe, source_name, source, workdir)
    if not ok:
        raise SystemExit(f"plain compile failed: {recipe['compile']}")
    t0 = time.perf_counter()
    passed = sum(plain_case(recipe, source_name, d, case) for case in tests)
    run_s = time.perf_counter() - t0
    return {"compile_ms": compile_ms, "case_ms": run_s * 1000 / len(tests), "passed": passed,
            "cases": len(tests)}


def plain_fresh(recipe, source_name, source, tests, workdir) -> dict:
    """SandboxFusion's way: per case a fresh directory, compile and process."""
    t0 = time.perf_counter()
    passed = 0
    for case in tests:
        d, _, ok = plain_compile(recipe, source_name, source, workdir)
        passed += ok and plain_case(recipe, source_name, d, case)
    total = time.perf_counter() - t0
    return {"case_ms": total * 1000 / len(tests), "passed": passed, "cases": len(tests)}


def bench_stdio(verdict, langs, names, args, workdir: Path) -> list:
    say(f"\n## 1. Cost per run: `double` judged on {args.cases} stdin/stdout cases")
    say(f"(SandboxFusion's way: a fresh compile + process per case, on the first "
        f"{args.fresh_cases} cases for compiled languages, all cases otherwise)\n")
    problem = double_problem(args.cases)
    problem_path = workdir / "double.jsonl"
    problem_path.write_text(json.dumps(problem) + "\n")
    rows = []
    for name in names:
        source_name, source = DOUBLE[name]
        recipe = langs[name]
        src = workdir / f"double-{name}" / source_name
        src.parent.mkdir(exist_ok=True)
        src.write_text(source)
        v = verdict_stdio(verdict, name, src, problem_path)
        floor = plain_floor(recipe, source_name, source, problem["tests"], workdir)
        fresh_n = args.fresh_cases if recipe["compile"] else args.cases
        fresh = plain_fresh(recipe, source_name, source, problem["tests"][:fresh_n], workdir)
        row = {"language": name, "verdict": v, "floor": floor, "fresh": fresh,
               "compiled": recipe["compile"] is not None}
        rows.append(row)
        ok = v["passed"] == v["cases"] == floor["passed"] == args.cases \
            and fresh["passed"] == fresh["cases"]
        per_cmd = v["command_s"] * 1000 / args.cases
        say(f"- {name}: verdict {v['case_ms']:.1f} ms/case ({per_cmd:.1f} ms/case whole command, "
            f"compile {v['compile_ms']:.0f} ms); plain floor "
            f"{floor['case_ms']:.1f} ms/case (compile {floor['compile_ms']:.0f} ms); "
            f"SandboxFusion's way {fresh['case_ms']:.1f} ms/case"
            f"{'' if ok else '  !! not every case accepted'}  [load {loadavg()}]")
    say("\n| language | verdict ms/run | verdict command ms / case | verdict compile ms | "
        "verdict start + stop ms | "
        "plain compile ms | plain floor ms/run (compile once) | SandboxFusion's way ms/case "
        "(compile + run) | SF way / verdict command | floor / verdict run |")
    say("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        v, fl, fr = r["verdict"], r["floor"], r["fresh"]
        per_cmd = v["command_s"] * 1000 / v["cases"]
        fixed = v["command_s"] * 1000 - v["compile_ms"] - v["case_ms"] * v["cases"]
        comp = lambda ms: f"{ms:.0f}" if r["compiled"] else "—"  # noqa: E731
        say(f"| {r['language']} | {v['case_ms']:.1f} | {per_cmd:.1f} | "
            f"{comp(v['compile_ms'])} | {fixed:.0f} | {comp(fl['compile_ms'])} | "
            f"{fl['case_ms']:.1f} | {fr['case_ms']:.1f} | "
            f"{ratio(fr['case_ms'], per_cmd)} | {fl['case_ms'] / v['case_ms']:.2f}x |")
    return rows


# ---------------------------------------------------------------- MultiPL-E samples

def completion(code: str, kind: str, tag: str) -> str:
    """A body that compiles after each task's prompt and throws ("fail") or exits 0
    from inside the function ("pass": MultiPL-E counts a clean exit as a pass).
    Go's test runner fails an exit during a test and a Bash function runs in a
    subshell, so their "pass" bodies fail too. `tag` makes sources distinct."""
    fail = kind == "fail"
    return {
        "cpp": f'    abort(); // {tag}\n' if fail else f'    exit(0); // {tag}\n',
        "java": (f'        throw new RuntimeException("{tag}");\n' if fail else
                 f'        System.exit(0);\n        throw new RuntimeException("{tag}");\n'),
        "js": (f'  throw new Error("{tag}");\n}}\n' if fail else
               f'  process.exit(0); // {tag}\n}}\n'),
        "ts": (f'  throw new Error("{tag}");\n}}\n' if fail else
               f'  require("process").exit(0);\n  throw new Error("{tag}");\n}}\n'),
        "rs": f'    panic!("{tag}")\n' if fail else f'    std::process::exit(0) // {tag}\n',
        "go": f'    panic("{tag}")\n}}\n' if fail else f'    panic("{tag} again")\n}}\n',
        "sh": f'    exit 1 # {tag}\n' if fail else f'    echo 0 # {tag}\n',
        "rb": f'  raise "{tag}"\nend\n' if fail else f'  exit!(0) # {tag}\nend\n',
        "php": (f'    throw new Exception("{tag}");\n}}\n' if fail else
                f'    exit(0); // {tag}\n}}\n'),
        "pl": f'    die "{tag}";\n}}\n' if fail else f'    exit 0; # {tag}\n}}\n',
    }[code]


def load_multiple(data_dir: Path, code: str) -> list:
    path = data_dir / "multipl_e" / f"humaneval-{code}.jsonl"
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def multiple_plain(code: str, program: str, workdir: Path) -> dict:
    """One sample judged as MultiPL-E's eval_<lang>.py does; {passed, status}."""
    with tempfile.TemporaryDirectory(dir=workdir) as d:
        env = plain_env(CLASSPATH=JAVATUPLES) if code == "java" else plain_env()
        suffix = {"go": "_test.go", "sh": ".sh"}.get(code, f".{code}")
        path = Path(d) / f"prog{suffix}"
        path.write_text(program)
        base = str(path.with_suffix("")) if code != "go" else ""

        def step(argv, timeout=15):
            return run_cmd([str(a) for a in argv], d, env, timeout=timeout)

        compile_argv, run_argv, run_timeout = None, None, 15
        if code == "cpp":
            compile_argv, run_argv = ["g++", path, "-o", base, "-std=c++17"], [base]
        elif code == "java":
            out = Path(d) / "classes"
            out.mkdir()
            compile_argv = ["javac", "-encoding", "UTF8", "-d", out, path]
            run_argv = ["java", "-ea", "-cp", f"{out}:{JAVATUPLES}", "Problem"]
        elif code == "ts":
            compile_argv = ["tsc", "--target", "esnext", path]
            run_argv = ["node", str(path).replace(".ts", ".js")]
        elif code == "rs":
            compile_argv, run_argv, run_timeout = ["rustc", path, "-o", base], [base], 5
        elif code == "go":
            exit_code, out, _ = step(["go", "test", path], timeout=30)
            if exit_code is None:
                return {"passed": False, "status": "timed_out"}
            if "[setup failed]" in out or "[build failed]" in out:
                return {"passed": False, "status": "compile_error"}
            return {"passed": "FAIL" not in out, "status": "failed" if "FAIL" in out else "passed"}
        else:
            run_argv = [{"js": "node", "sh": "bash", "rb": "ruby", "php": "php",
                         "pl": "perl"}[code], path]
        if compile_argv is not None:
            exit_code, _, _ = step(compile_argv)
            if exit_code != 0:
                return {"passed": False, "status": "compile_error"}
        exit_code, out, err = step(run_argv, timeout=run_timeout)
        if exit_code is None:
            return {"passed": False, "status": "timed_out"}
        passed = exit_code == 0 and not (code == "pl" and ("ERROR" in out or "ERROR" in err))
        return {"passed": passed, "status": "passed" if passed else "failed"}


def judge_plain(code, problems, samples, workdir, workers) -> dict:
    programs = [problems[s["task_id"]]["prompt"] + s["completion"] + "\n"
                + problems[s["task_id"]]["tests"] for s in samples]
    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(lambda p: multiple_plain(code, p, workdir), programs))
    return {"wall_s": time.perf_counter() - t0, "results": results}


def judge_verdict(verdict, code, samples, args, workdir, tag) -> dict:
    samples_path = workdir / f"{tag}-samples.jsonl"
    out = workdir / f"{tag}-results.jsonl"
    samples_path.write_text("".join(json.dumps(s) + "\n" for s in samples))
    cmd = [str(verdict), "eval", "--benchmark", f"multipl-e-{code}", "--samples",
           str(samples_path), "--data-dir", str(args.data_dir), "--out", str(out), "--json",
           "--no-progress-bar", "--jobs", str(args.jobs)]
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if r.returncode != 0 or not out.exists():
        raise SystemExit(f"verdict failed (exit {r.returncode}): {shlex.join(cmd)}\n"
                         f"{r.stderr[-3000:]}")
    with open(out, encoding="utf-8") as f:
        rows = {row["sample"]: row for row in map(json.loads, f)}
    results = []
    for s in samples:
        row = rows[s["sample"]]
        compile_info = (row.get("details") or {}).get("compile") or {}
        results.append({"passed": row["passed"], "status": row["status"],
                        "cached": compile_info.get("cached", False)})
    return {"wall_s": wall, "results": results, "cmd": shlex.join(cmd)}


def agreement(v, p) -> tuple:
    pairs = list(zip(v["results"], p["results"]))
    differ = [i for i, (a, b) in enumerate(pairs) if a["passed"] != b["passed"]]
    return len(pairs) - len(differ), differ


def bench_multiple(verdict, codes, args, workdir) -> list:
    say("\n## 2. MultiPL-E throughput (2 workers each side)\n")
    rows = []
    for code in codes:
        problems = load_multiple(args.data_dir, code)
        n = args.tasks or (args.compiled_tasks if code in COMPILED_CODES else len(problems))
        chosen = problems[:n]
        samples = [{"task_id": p["name"], "completion": completion(code, kind, f"bench {kind}"),
                    "sample": i * 2 + j}
                   for i, p in enumerate(chosen) for j, kind in enumerate(("fail", "pass"))]
        by_name = {p["name"]: p for p in chosen}
        v = judge_verdict(verdict, code, samples, args, workdir, f"multiple-{code}")
        p = judge_plain(code, by_name, samples, workdir, args.jobs)
        agree, differ = agreement(v, p)
        row = {"code": code, "tasks": n, "of_tasks": len(problems), "samples": len(samples),
               "verdict_s": v["wall_s"], "plain_s": p["wall_s"], "agree": agree,
               "differ": [{"task_id": samples[i]["task_id"], "kind": ("fail", "pass")[i % 2],
                           "verdict": v["results"][i]["status"],
                           "plain": p["results"][i]["status"]} for i in differ],
               "verdict_compile_errors": sum(r["status"] == "compile_error" for r in v["results"]),
               "plain_compile_errors": sum(r["status"] == "compile_error" for r in p["results"]),
               "verdict_passed": sum(r["passed"] for r in v["results"]),
               "plain_passed": sum(r["passed"] for r in p["results"]), "cmd": v["cmd"]}
        rows.append(row)
        say(f"- {code}: {len(samples)} samples ({n}/{len(problems)} tasks): verdict "
            f"{len(samples) / v['wall_s']:.1f}/s, plain {len(samples) / p['wall_s']:.1f}/s "
            f"({p['wall_s'] / v['wall_s']:.2f}x); agree {agree}/{len(samples)}; compile errors "
            f"verdict {row['verdict_compile_errors']}, plain {row['plain_compile_errors']}  "
            f"[load {loadavg()}]")
        for d in row["differ"][:5]:
            say(f"    differs: {d['task_id']} ({d['kind']}): verdict {d['verdict']}, "
                f"plain {d['plain']}")
    say("\n| code | tasks | samples | verdict samples/s | plain samples/s | verdict / plain | "
        "same pass/fail | compile errors (verdict / plain) | passed (verdict / plain) |")
    say("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        subset = f"{r['tasks']} of {r['of_tasks']}" if r["tasks"] < r["of_tasks"] else "all"
        say(f"| {r['code']} | {subset} | {r['samples']} | {r['samples'] / r['verdict_s']:.1f} | "
            f"{r['samples'] / r['plain_s']:.1f} | {r['plain_s'] / r['verdict_s']:.2f}x | "
            f"{r['agree']}/{r['samples']} | {r['verdict_compile_errors']} / "
            f"{r['plain_compile_errors']} | {r['verdict_passed']} / {r['plain_passed']} |")
    return rows


def bench_cache(verdict, codes, args, workdir) -> list:
    codes = [c for c in codes if c in COMPILED_CODES]
    if not codes:
        return []
    say(f"\n## 3. Compile cache: {args.cache_tasks} tasks x 1 completion, each sample "
        f"{args.repeats} times in a row (2 workers each side)\n")
    rows = []
    for code in codes:
        chosen = load_multiple(args.data_dir, code)[:args.cache_tasks]
        by_name = {p["name"]: p for p in chosen}
        samples = [{"task_id": p["name"], "completion": completion(code, "fail", "rollout"),
                    "sample": i * args.repeats + k}
                   for i, p in enumerate(chosen) for k in range(args.repeats)]
        v = judge_verdict(verdict, code, samples, args, workdir, f"cache-{code}")
        p = judge_plain(code, by_name, samples, workdir, args.jobs)
        agree, _ = agreement(v, p)
        row = {"code": code, "samples": len(samples), "distinct": len(chosen),
               "verdict_s": v["wall_s"], "plain_s": p["wall_s"], "agree": agree,
               "cached": sum(r["cached"] for r in v["results"])}
        rows.append(row)
        say(f"- {code}: {len(samples)} samples ({len(chosen)} distinct): verdict "
            f"{len(samples) / v['wall_s']:.1f}/s ({row['cached']} builds reused), plain "
            f"{len(samples) / p['wall_s']:.1f}/s ({p['wall_s'] / v['wall_s']:.2f}x); agree "
            f"{agree}/{len(samples)}  [load {loadavg()}]")
    say("\n| code | samples (distinct) | verdict samples/s | builds reused | plain samples/s "
        "(compile each) | verdict / plain | same pass/fail |")
    say("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        say(f"| {r['code']} | {r['samples']} ({r['distinct']}) | "
            f"{r['samples'] / r['verdict_s']:.1f} | {r['cached']} | "
            f"{r['samples'] / r['plain_s']:.1f} | {r['plain_s'] / r['verdict_s']:.2f}x | "
            f"{r['agree']}/{r['samples']} |")
    return rows


# ---------------------------------------------------------------- main

def machine_note(langs, names) -> str:
    cpu = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = ", ".join(f"{n} {langs[n]['version']}" for n in names)
    return (f"{os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}, "
            f"load average {loadavg()} at start; toolchains: {versions}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--verdict", type=Path, default=Path(os.environ.get(
        "VERDICT_BIN", REPO_ROOT / "target" / "release" / "verdict")))
    ap.add_argument("--data-dir", type=Path, default=Path(os.environ.get(
        "VERDICT_DATA_DIR", REPO_ROOT.parent / "shared" / "data")))
    ap.add_argument("--languages", help="comma-separated (default: every available one)")
    ap.add_argument("--parts", default="1,2,3", help="which measurements (default 1,2,3)")
    ap.add_argument("--quick", action="store_true", help="small sizes (a couple of minutes)")
    ap.add_argument("--cases", type=int, help="stdin/stdout cases (default 100; quick 20)")
    ap.add_argument("--fresh-cases", type=int,
                    help="cases for SandboxFusion's way in compiled languages "
                         "(default 10; quick 3)")
    ap.add_argument("--tasks", type=int,
                    help="MultiPL-E: the first N tasks of every language (default: all tasks, "
                         "the first 20 for compiled languages; quick 5)")
    ap.add_argument("--cache-tasks", type=int, help="compile cache: tasks (default 10; quick 3)")
    ap.add_argument("--repeats", type=int, default=4, help="compile cache: copies of each sample")
    ap.add_argument("--jobs", type=int, default=2, help="workers on each side (default 2)")
    ap.add_argument("--report", type=Path, help="also write every figure as JSON here")
    args = ap.parse_args(argv)
    quick = args.quick
    args.cases = args.cases or (20 if quick else 100)
    args.fresh_cases = args.fresh_cases or (3 if quick else 10)
    args.compiled_tasks = 5 if quick else 20
    if quick and not args.tasks:
        args.tasks = 5
    args.cache_tasks = args.cache_tasks or (3 if quick else 10)
    parts = {p.strip() for p in args.parts.split(",")}

    langs = verdict_languages(args.verdict)
    if args.languages:
        names = [ALIASES.get(n.strip(), n.strip()) for n in args.languages.split(",")]
        unknown = [n for n in names if n not in DOUBLE or n not in langs]
        if unknown:
            raise SystemExit(f"unknown language(s): {', '.join(unknown)}")
    else:
        names = [n for n in DOUBLE if n in langs]
    missing = [n for n in names if not langs[n]["available"]]
    if missing:
        say(f"not installed here, skipped: {', '.join(missing)}")
    names = [n for n in names if langs[n]["available"]]
    codes = [MULTIPLE_CODE[n] for n in names if n in MULTIPLE_CODE]

    say(f"# languages.py{' --quick' if quick else ''}: verdict {args.verdict}")
    say(f"machine: {machine_note(langs, names)}")
    report = {"argv": sys.argv, "machine": machine_note(langs, names)}
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="verdict-langbench-") as tmp:
        workdir = Path(tmp)
        if "1" in parts:
            report["stdio"] = bench_stdio(args.verdict, langs, names, args, workdir)
        if "2" in parts and codes:
            report["multiple"] = bench_multiple(args.verdict, codes, args, workdir)
        if "3" in parts and codes:
            report["cache"] = bench_cache(args.verdict, codes, args, workdir)
    say(f"\ntotal {time.perf_counter() - t0:.0f} s; load average at end: {loadavg()}")
    if args.report:
        args.report.write_text(json.dumps(report, indent=1) + "\n")
    bad = [r["code"] for part in ("multiple", "cache") for r in report.get(part, [])
           if r["agree"] != r["samples"]]
    if bad:
        say(f"pass/fail differs between verdict and the plain way in: {', '.join(bad)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
