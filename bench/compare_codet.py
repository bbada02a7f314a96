#!/usr/bin/python3
"""Run CodeT's own dual-execution script and `verdict rank` on the same candidates and
"model-written" tests, side by side, and compare their speed and their pass/fail matrices.

    compare_codet.py [--tasks N] [--n 20] [--seed 0] [--verdict BIN] [--data-dir DIR]
                     [--record OUT.json] [--keep] [--scratch DIR]

NOTHING HERE IS A REAL MODEL OUTPUT. CodeT's released generated data is not available
(its Git LFS objects are missing from the mirror), so both the candidates and the tests
are constructed from HumanEval itself (/work/shared/data/humaneval/HumanEval.jsonl.gz):

* Candidates: per task, N completions (the body after the prompt), seeded: the first is the
  canonical solution; each other one is drawn from: an exact copy of the canonical solution
  (50%), the canonical solution with a trailing comment (a textually distinct, equivalent
  candidate; 10%), `return None` (15%), `return <the expected value of the task's first
  assert>` (a constant of the right type; 15%), and the canonical solution wrapped so an
  int result comes back +1 (off by one; 10%).
* Tests: the lines of the task's own `test` field that contain `assert candidate(`, with
  `candidate` renamed to the entry point; lines that do not parse on their own (multi-line
  asserts) or use names other than the entry point and builtins (loop variables, helpers of
  the test code) are dropped. The first 20 are split into up to 4 "test samples" of up to 5
  asserts each. Tasks left with no assert are dropped.

CodeT side: CodeT/src exported from the mirror (`git archive HEAD CodeT/src` of
/work/.mirror/microsoft+CodeT/repo) and its `src.execution.evaluate_with_test_cases(
solutions, test_cases_dict, timeout=0.1, limit=5)` run in a subprocess of /usr/bin/python3
(a ProcessPoolExecutor of one worker per core; one forked process per distinct (task,
completion); each assert under a 0.1 s wall-clock alarm). Its time is the call itself
(measured inside the subprocess) and, beside it, the whole subprocess.

verdict side: `verdict rank --benchmark humaneval --samples S --tests T --json -k 1`, timed
as a whole process, twice: as it is by default, judging every distinct candidate with the
benchmark's own tests too (to say which ranked candidates are correct, for the ranked
pass@k), which CodeT's script does not do; and with `--no-judge`, the ranking alone, the
same work as CodeT's script (the like-for-like ratio, against which the target is read).
Both runs must give the same groups.

Agreement: for each distinct candidate, CodeT's set of passed asserts (its `result` list is
one boolean per assert of its deduplicated `test_cases`; a string result, i.e. the whole
program failed or timed out, passes none). CodeT's dual agreement (agreement.py) groups the
candidates with the same non-empty set of passed asserts and scores a group
|S_y|*sqrt(|S_x|) (asserts counted with their multiplicity across test samples, candidates
with their copies); its evaluation.py then merges groups of equal score before choosing.
These merged groups (members and scores) are compared with verdict's `groups` (members by
sample line). Printed besides, not part of the agreement: how many distinct candidates pass
all their asserts per CodeT, and how many of those in verdict's groups differ from
verdict's own `correct` (judged on HumanEval's full tests).

Exit 0 if everything agrees, 1 otherwise.
"""

import argparse
import ast
import builtins
import gzip
import json
import math
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

CODET_MIRROR = "/work/.mirror/microsoft+CodeT/repo"
HUMANEVAL = "/work/shared/data/humaneval/HumanEval.jsonl.gz"

CODET_DRIVER = r'''
import json, sys, time
sys.path.insert(0, sys.argv[1])
from src.execution import evaluate_with_test_cases
inp = json.load(open(sys.argv[2]))
t0 = time.perf_counter()
res = evaluate_with_test_cases(inp["solutions"], inp["test_cases_dict"], inp["timeout"], inp["limit"])
dt = time.perf_counter() - t0
out = []
for r in res:
    out.append({"task_id": r["task_id"], "completion": r["completion"],
                "test_cases": r["test_cases"], "result": r["result"] if isinstance(r["result"], list) else str(r["result"])})
json.dump({"seconds": dt, "results": out}, open(sys.argv[3], "w"))
'''


def load_humaneval():
    with gzip.open(HUMANEVAL, "rt", encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def build_asserts(task):
    out = []
    for line in task["test"].splitlines():
        if "assert candidate(" not in line:
            continue
        s = re.sub(r"\bcandidate\b", task["entry_point"], line.strip())
        try:
            tree = ast.parse(s)
        except SyntaxError:
            continue  # part of a multi-line assert
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        if names - {task["entry_point"]} - set(dir(builtins)):
            continue  # uses a loop variable or helper of the test code
        out.append(s)
    return out


def expected_literal(asserts):
    """The right-hand side of the first `assert f(..) == X` whose X is a literal."""
    for a in asserts:
        try:
            node = ast.parse(a).body[0]
        except SyntaxError:
            continue
        t = node.test
        if isinstance(t, ast.Compare) and len(t.ops) == 1 and isinstance(t.ops[0], ast.Eq):
            try:
                ast.literal_eval(t.comparators[0])
            except Exception:
                continue
            return ast.unparse(t.comparators[0])
    return "0"


def build_candidates(task, asserts, n, rng):
    ep = task["entry_point"]
    canon = task["canonical_solution"]
    kinds = ["copy"] * 50 + ["comment"] * 10 + ["none"] * 15 + ["const"] * 15 + ["offbyone"] * 10
    out = [canon]
    for _ in range(n - 1):
        k = rng.choice(kinds)
        if k == "copy":
            out.append(canon)
        elif k == "comment":
            out.append(canon.rstrip("\n") + "\n    # an equivalent variant\n")
        elif k == "none":
            out.append("    return None\n")
        elif k == "const":
            out.append(f"    return {expected_literal(asserts)}\n")
        else:
            out.append(canon.rstrip("\n") + "\n\n"
                       f"_orig_{ep} = {ep}\n"
                       f"def {ep}(*a, **k):\n"
                       f"    r = _orig_{ep}(*a, **k)\n"
                       f"    return r + 1 if type(r) is int else r\n")
    return out


def parse_json_stdout(text):
    start = text.find("{")
    if start < 0:
        raise ValueError("no JSON object on verdict's stdout")
    return json.loads(text[start:])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tasks", type=int, default=None, help="first N HumanEval tasks (default all)")
    ap.add_argument("--n", type=int, default=20, help="candidates per task")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--verdict", default=os.environ.get("VERDICT_BIN", "/work/target-dev/release/verdict"))
    ap.add_argument("--data-dir", default="/work/shared/data", help="verdict --data-dir")
    ap.add_argument("--python", default="/usr/bin/python3", help="interpreter for CodeT's script")
    ap.add_argument("--timeout", type=float, default=0.1)
    ap.add_argument("--limit", type=int, default=5)
    ap.add_argument("--record", help="write a JSON record here")
    ap.add_argument("--scratch", help="work directory (default: a temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()

    work = Path(args.scratch or tempfile.mkdtemp(prefix="compare_codet_"))
    work.mkdir(parents=True, exist_ok=True)

    # ---- construct inputs
    rng = random.Random(args.seed)
    problems = load_humaneval()
    if args.tasks:
        problems = problems[: args.tasks]
    samples = []          # verdict sample rows, in file order (line = index + 1)
    test_rows = []
    test_cases_dict = {}
    solutions = []
    dropped = []
    for task in problems:
        asserts = build_asserts(task)[:20]
        if not asserts:
            dropped.append(task["task_id"])
            continue
        groups = [asserts[i:i + 5] for i in range(0, len(asserts), 5)][:4]
        test_cases_dict[task["task_id"]] = groups
        for g in groups:
            test_rows.append({"task_id": task["task_id"], "tests": g})
        for c in build_candidates(task, asserts, args.n, rng):
            samples.append({"task_id": task["task_id"], "completion": c})
            solutions.append({"task_id": task["task_id"], "prompt": task["prompt"], "completion": c})
    n_tasks = len(test_cases_dict)
    distinct = {(s["task_id"], s["completion"]) for s in samples}
    n_asserts = sum(len(a) for g in test_cases_dict.values() for a in g)
    s_path, t_path = work / "samples.jsonl", work / "tests.jsonl"
    s_path.write_text("".join(json.dumps(r) + "\n" for r in samples))
    t_path.write_text("".join(json.dumps(r) + "\n" for r in test_rows))
    print(f"constructed (no model outputs): {n_tasks} tasks ({len(dropped)} dropped: no usable single-line assert), "
          f"{len(samples)} candidates, {len(distinct)} distinct, {len(test_rows)} test samples, "
          f"{n_asserts} asserts")

    # ---- CodeT
    src_dir = work / "codet"
    src_dir.mkdir(exist_ok=True)
    arch = subprocess.run(["git", "-C", CODET_MIRROR, "archive", "HEAD", "CodeT/src"],
                          check=True, capture_output=True).stdout
    subprocess.run(["tar", "x", "-C", str(src_dir)], input=arch, check=True)
    codet_head = subprocess.run(["git", "-C", CODET_MIRROR, "rev-parse", "HEAD"],
                                capture_output=True, text=True).stdout.strip()
    (work / "codet_driver.py").write_text(CODET_DRIVER)
    (work / "codet_in.json").write_text(json.dumps({"solutions": solutions, "test_cases_dict": test_cases_dict,
                                                    "timeout": args.timeout, "limit": args.limit}))
    t0 = time.perf_counter()
    p = subprocess.run([args.python, str(work / "codet_driver.py"), str(src_dir / "CodeT"),
                        str(work / "codet_in.json"), str(work / "codet_out.json")],
                       capture_output=True, text=True)
    codet_wall = time.perf_counter() - t0
    if p.returncode != 0:
        print(p.stderr[-4000:], file=sys.stderr)
        sys.exit(f"CodeT's script failed (exit {p.returncode})")
    codet = json.loads((work / "codet_out.json").read_text())
    codet_call = codet["seconds"]

    # ---- verdict
    cmd = [args.verdict, "rank", "--benchmark", "humaneval", "--data-dir", args.data_dir,
           "--samples", str(s_path), "--tests", str(t_path), "--json", "-k", "1"]
    t0 = time.perf_counter()
    v = subprocess.run(cmd, capture_output=True, text=True)
    verdict_wall = time.perf_counter() - t0
    if v.returncode != 0:
        print(v.stderr[-4000:], file=sys.stderr)
        sys.exit(f"verdict rank failed (exit {v.returncode})")
    vrep = parse_json_stdout(v.stdout)
    # The like-for-like run: the ranking alone, as CodeT's script does it.
    t0 = time.perf_counter()
    nj = subprocess.run(cmd + ["--no-judge"], capture_output=True, text=True)
    verdict_rank_only = time.perf_counter() - t0
    if nj.returncode != 0:
        print(nj.stderr[-4000:], file=sys.stderr)
        sys.exit(f"verdict rank --no-judge failed (exit {nj.returncode})")
    rank_only_groups = [[len(g["samples"]) for g in t["groups"]] for t in parse_json_stdout(nj.stdout)["tasks"]]
    judged_groups = [[len(g["samples"]) for g in t["groups"]] for t in vrep["tasks"]]

    # ---- compare
    # CodeT: passed-assert set per distinct candidate
    codet_pass = {}
    codet_str_results = 0
    for r in codet["results"]:
        key = (r["task_id"], r["completion"])
        if isinstance(r["result"], list):
            codet_pass[key] = frozenset(tc for tc, ok in zip(r["test_cases"], r["result"]) if ok)
        else:
            codet_str_results += 1
            codet_pass[key] = frozenset()
    copies = defaultdict(int)
    for s in samples:
        copies[(s["task_id"], s["completion"])] += 1
    # assert multiplicity as CodeT's agreement counts it (limit applied per test sample)
    mult = {t: defaultdict(int) for t in test_cases_dict}
    for t, gs in test_cases_dict.items():
        for g in gs:
            for a in g[: args.limit]:
                mult[t][a] += 1

    codet_groups = {}  # task -> {frozenset(members): score}
    for t in test_cases_dict:
        by_set = defaultdict(set)
        for (tid, comp), ps in codet_pass.items():
            if tid == t and ps:
                by_set[ps].add(comp)
        # CodeT's evaluation.py (_turn_solution_scores_into_choose_count) merges groups of
        # equal score (exact float equality) before choosing; verdict reports merged groups.
        by_score = defaultdict(set)
        for ps, m in by_set.items():
            by_score[sum(mult[t][a] for a in ps) * math.sqrt(sum(copies[(t, c)] for c in m))] |= m
        codet_groups[t] = {frozenset(m): sc for sc, m in by_score.items()}

    verdict_groups = {}
    verdict_correct = {}  # distinct candidate -> verdict's judgment on HumanEval's own tests
    for task in vrep["tasks"]:
        t = task["task_id"]
        gs = {}
        for g in task["groups"]:
            members = frozenset(samples[m["line"] - 1]["completion"] for m in g["samples"])
            for m in g["samples"]:
                verdict_correct[(t, samples[m["line"] - 1]["completion"])] = bool(m["correct"])
            if g["score"] <= 0:
                continue
            gs[members] = g["score"]
        verdict_groups[t] = gs

    group_mismatch, score_mismatch = [], []
    for t in test_cases_dict:
        cg, vg = codet_groups[t], verdict_groups.get(t, {})
        if set(cg) != set(vg):
            group_mismatch.append(t)
            continue
        for m, sc in cg.items():
            if abs(sc - vg[m]) > 1e-6:
                score_mismatch.append(t)
                break
    # informative only: CodeT's passed-all-asserts vs verdict's correctness on the
    # benchmark's own tests (the asserts are a subset of those, so these should match
    # except where the dropped multi-line asserts tell candidates apart)
    all_vs_correct = []
    n_all_codet = 0
    for key in distinct:
        c_all = len(codet_pass.get(key, ())) == len(mult[key[0]])
        n_all_codet += c_all
        if key in verdict_correct and c_all != verdict_correct[key]:
            all_vs_correct.append(key)

    ratio_call = codet_call / verdict_wall
    ratio_wall = codet_wall / verdict_wall
    ratio_rank_only = codet_call / verdict_rank_only
    print(f"CodeT evaluate_with_test_cases (mirror {codet_head[:10]}): {codet_call:.2f} s in the call, "
          f"{codet_wall:.2f} s whole subprocess; {len(codet['results'])} executions, "
          f"{codet_str_results} whole-program failures/timeouts")
    print(f"verdict rank (includes judging each distinct candidate on HumanEval's own tests): "
          f"{verdict_wall:.2f} s")
    print(f"verdict rank --no-judge (the ranking alone, CodeT's script's work): {verdict_rank_only:.2f} s; "
          f"same groups as the judged run: {rank_only_groups == judged_groups}")
    print(f"ratio CodeT/verdict: {ratio_call:.1f}x (call) / {ratio_wall:.1f}x (subprocess) judged; "
          f"{ratio_rank_only:.1f}x ranking alone"
          f"  [target >= 10x: {'met' if ratio_rank_only >= 10 else 'NOT met'}]")
    print(f"distinct candidates passing all their task's asserts (CodeT): {n_all_codet}/{len(distinct)}; "
          f"of those verdict lists in groups, differing from verdict's own-tests correctness: "
          f"{len(all_vs_correct)} (informative, not part of the agreement)")
    print(f"dual-agreement groups: tasks with differing membership {len(group_mismatch)}/{n_tasks}, "
          f"with differing scores {len(score_mismatch)}")
    for t in group_mismatch[:10]:
        print(f"  {t}: CodeT {sorted(len(m) for m in codet_groups[t])} vs verdict "
              f"{sorted(len(m) for m in verdict_groups.get(t, {}))} (group sizes, distinct members)")
    for key in all_vs_correct[:10]:
        print(f"  {key[0]}: passed-all-asserts {not verdict_correct[key]} vs correct {verdict_correct[key]}: {key[1][-60:]!r}")
    print(f"verdict pass@1 {vrep.get('pass_at_k')}, ranked {vrep.get('ranked_pass_at_k')}")
    agree = not (group_mismatch or score_mismatch) and rank_only_groups == judged_groups
    print("AGREE" if agree else "DIFFER")

    if args.record:
        Path(args.record).write_text(json.dumps({
            "constructed_inputs": "HumanEval canonical solutions + seeded wrong variants; asserts from HumanEval's own tests (no model outputs)",
            "tasks": n_tasks, "n": args.n, "seed": args.seed, "candidates": len(samples),
            "distinct": len(distinct), "test_samples": len(test_rows), "asserts": n_asserts,
            "codet_commit": codet_head, "codet_call_seconds": codet_call, "codet_subprocess_seconds": codet_wall,
            "codet_whole_program_failures": codet_str_results,
            "verdict_seconds": verdict_wall, "verdict_cmd": cmd,
            "verdict_includes_benchmark_judging": True,
            "ratio_call": ratio_call, "ratio_subprocess": ratio_wall,
            "verdict_rank_only_seconds": verdict_rank_only, "ratio_rank_only": ratio_rank_only,
            "rank_only_groups_equal": rank_only_groups == judged_groups,
            "passed_all_codet": n_all_codet, "passed_all_vs_verdict_correct_differences": len(all_vs_correct),
            "group_membership_mismatch_tasks": group_mismatch, "group_score_mismatch_tasks": score_mismatch,
            "agree": agree,
        }, indent=1) + "\n")
    if not args.keep and not args.scratch:
        import shutil
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(0 if agree else 1)


if __name__ == "__main__":
    main()
