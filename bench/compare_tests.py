#!/usr/bin/python3
"""`verdict tests` against running the same tests and mutants the way test-generation papers
run them: a fresh Python process each, side by side in one run, with the ratio.

    compare_tests.py [--tasks N] [--max-mutants 50] [--verdict BIN] [--data-dir DIR]
                     [--jobs 2] [--keep DIR]

Tests: NOTHING HERE IS A MODEL OUTPUT. Per HumanEval task (the first N, default all 164), its
own `assert candidate(...)` lines with `candidate` renamed to the entry point, each line a test
unit (the lines that do not parse alone are dropped), plus one unit that fails on the right
program (the first assert negated) so that validity has something to find.

verdict: `verdict tests --benchmark humaneval --tests T --out ROWS --max-mutants M --json`,
timed as a whole process (validity, coverage, mutants made in the sandbox, each mutant run on
the valid units and judged by HumanEval's own test).

The fresh-process way, on the same units and the same mutants (the `code` of verdict's mutant
rows), with --jobs processes at once (default 2, this machine's cores):
  - validity: per unit, `/usr/bin/python3 -c "<program>\\n<unit>"` (a test file run on its
    own), passing when it exits 0;
  - mutants: per mutant, one process running all the valid units, each in its own try/except
    (one process per mutant and suite: mutmut's and cosmic-ray's way with pytest), and, for a
    mutant they do not kill, one running HumanEval's own test on it (`check(entry_point)`),
    as verdict does; each process under a wall-clock timeout of 10 s (mutmut's is scaled from
    the baseline run, as verdict's CPU limit is).
It measures no coverage (coverage.py would add a traced run per unit); verdict does.
Printed: both times, the ratio, and whether both sides agree on every unit's validity and every
mutant's killed / killed-by-the-benchmark. Exit status 1 if they do not.
"""

import argparse
import ast
import concurrent.futures
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3"


def units_of(task):
    units = []
    for line in task["test"].splitlines():
        text = line.strip()
        if not text.startswith("assert candidate("):
            continue
        text = text.replace("candidate(", task["entry_point"] + "(")
        try:
            ast.parse(text)
        except SyntaxError:
            continue
        units.append(text)
    if units:
        units.append("assert not (" + units[0][len("assert "):] + ")")
    return units


def fresh(code, timeout=10.0):
    try:
        done = subprocess.run([PYTHON, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              timeout=timeout)
        return done.returncode
    except subprocess.TimeoutExpired:
        return None


SUITE = """
import sys
failed = []
for index, unit in enumerate(UNITS):
    try:
        exec(unit, globals())
    except BaseException:
        failed.append(index)
print(failed)
"""


def fresh_suite(code, units, timeout=10.0):
    program = code + "\nUNITS = %r\n" % (units,) + SUITE
    try:
        done = subprocess.run([PYTHON, "-c", program], capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0 or not done.stdout.strip():
            return list(range(len(units)))
        return json.loads(done.stdout.strip().splitlines()[-1])
    except subprocess.TimeoutExpired:
        return list(range(len(units)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tasks", type=int, default=164)
    ap.add_argument("--max-mutants", type=int, default=50)
    ap.add_argument("--verdict", default=os.path.join(HERE, "..", "target", "release", "verdict"))
    ap.add_argument("--data-dir", default=os.path.join(HERE, "..", "..", "shared", "data"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep")
    args = ap.parse_args()
    work = args.keep or tempfile.mkdtemp(prefix="compare-tests-")
    os.makedirs(work, exist_ok=True)
    with gzip.open(os.path.join(args.data_dir, "humaneval", "HumanEval.jsonl.gz"), "rt") as f:
        tasks = [json.loads(line) for line in f][: args.tasks]
    rows = []
    by_id = {}
    for task in tasks:
        units = units_of(task)
        if units:
            rows.append({"task_id": task["task_id"], "tests": units})
            by_id[task["task_id"]] = task
    tests_path = os.path.join(work, "tests.jsonl")
    with open(tests_path, "w") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")
    n_units = sum(len(r["tests"]) for r in rows)
    print("%d tasks, %d test units (constructed from HumanEval's own asserts; no model outputs)"
          % (len(rows), n_units))

    out = os.path.join(work, "rows.jsonl")
    command = [args.verdict, "tests", "--benchmark", "humaneval", "--data-dir", args.data_dir, "--tests",
               tests_path, "--out", out, "--max-mutants", str(args.max_mutants), "--json"]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True)
    verdict_s = time.monotonic() - started
    if done.returncode != 0:
        sys.exit("verdict tests failed:\n" + done.stderr[-3000:])
    report = json.loads(done.stdout)
    verdict_rows = [json.loads(line) for line in open(out)]
    validity = {(r["task_id"], r["test"]): r["status"] for r in verdict_rows if r["kind"] == "test"}
    mutants = [r for r in verdict_rows if r["kind"] == "mutant"]
    print("verdict tests: %.2f s (%d mutants; overall %s)" % (verdict_s, len(mutants), json.dumps(report["overall"])))

    started = time.monotonic()
    pool = concurrent.futures.ThreadPoolExecutor(args.jobs)
    program_of = {tid: t["prompt"] + t["canonical_solution"] for tid, t in by_id.items()}
    checks = {}
    for row in rows:
        for index, unit in enumerate(row["tests"]):
            checks[(row["task_id"], index)] = pool.submit(fresh, program_of[row["task_id"]] + "\n" + unit)
    fresh_valid = {key: future.result() == 0 for key, future in checks.items()}
    valid_units = {}
    for row in rows:
        valid_units[row["task_id"]] = [i for i in range(len(row["tests"])) if fresh_valid[(row["task_id"], i)]]
    suites = {}
    benchmark = {}
    for m in mutants:
        tid = m["task_id"]
        task = by_id[tid]
        units = [next(r["tests"] for r in rows if r["task_id"] == tid)[i] for i in valid_units[tid]]
        key = (tid, m["mutant"])
        suites[key] = pool.submit(fresh_suite, m["code"], units) if units else None
    fresh_killed = {}
    for key in suites:
        failed = suites[key].result() if suites[key] is not None else []
        fresh_killed[key] = bool(failed)
    for m in mutants:
        key = (m["task_id"], m["mutant"])
        if not fresh_killed[key]:
            task = by_id[m["task_id"]]
            benchmark[key] = pool.submit(fresh, m["code"] + "\n" + task["test"] + "\ncheck(%s)\n" % task["entry_point"])
    fresh_bench = {key: future.result() != 0 for key, future in benchmark.items()}
    fresh_s = time.monotonic() - started
    pool.shutdown()
    print("fresh python per unit and per mutant (%d processes at once): %.2f s" % (args.jobs, fresh_s))

    disagreements = []
    for key, ok in fresh_valid.items():
        if (validity.get(key) == "valid") != ok:
            disagreements.append(("validity", key, validity.get(key), ok))
    for m in mutants:
        key = (m["task_id"], m["mutant"])
        if m["killed"] != fresh_killed[key]:
            disagreements.append(("killed", key, m["killed"], fresh_killed[key]))
        if m["benchmark_kills"] is not None and m["benchmark_kills"] != fresh_bench.get(key):
            disagreements.append(("benchmark", key, m["benchmark_kills"], fresh_bench.get(key)))
    print("ratio fresh / verdict: %.1fx" % (fresh_s / verdict_s))
    print("agreement: %d disagreements over %d units and %d mutants" % (len(disagreements), len(fresh_valid), len(mutants)))
    for d in disagreements[:20]:
        print("  ", d)
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
