"""Runs EvoEval's own evaluate() (PyPI evoeval 0.1.0) on a samples file; executed by the
EvoEval venv's python (see evoeval_official.py) with EVOEVAL_OVERRIDE_PATH pointing at a
directory of decompressed EvoEval_<set>.jsonl and XDG_CACHE_HOME at a cache of its own.

    run --dataset EvoEval_<set> --samples S.jsonl --report R [--parallel N]
    warm --dataset EvoEval_<set> --report R          (ground-truth cache only)

The report: {"elapsed_s" (the evaluate() call), "groundtruth_s", "printed" (what evaluate
printed), "pass_at_k" / "plus_pass_at_k" (computed from its results file exactly as
evaluate() computes what it prints, unrounded), "results_file", "results": per input line,
in input order, {"task_id", "base_status", "plus_status", "base_fail_tests" (count),
"first_fail_test" (repr, cut)}}.

Only adaptation: for a subset of tasks, evaluate() is given only the tasks the samples
answer (it asserts that every task has samples), after the ground-truth cache (for the five
sets that have one) was computed from the whole dataset, so that the cache EvoEval keys by
the md5 of the whole file holds every task.
"""

import argparse
import contextlib
import io
import json
import os
import re
import sys
import time


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def uses_cache(dataset):
    return not ("verbose" in dataset or "concise" in dataset or dataset == "humaneval")


def warm(dataset):
    import evoeval.evaluate as ev
    from evoeval.data import get_evo_eval, get_evo_eval_plus_hash

    problems = get_evo_eval(dataset)
    t0 = time.perf_counter()
    if uses_cache(dataset):
        with contextlib.redirect_stdout(io.StringIO()):
            ev.get_groundtruth(problems, get_evo_eval_plus_hash(dataset))
    return problems, time.perf_counter() - t0


def run(args):
    import numpy as np
    import evoeval.evaluate as ev
    from evoeval.eval_test import PASS, estimate_pass_at_k

    problems, warm_s = warm(args.dataset)
    samples = read_jsonl(args.samples)
    wanted = {s["task_id"] for s in samples}
    unknown = wanted - set(problems)
    if unknown:
        raise SystemExit(f"unknown task ids: {sorted(unknown)[:5]}")
    if wanted != set(problems):
        subset = {k: v for k, v in problems.items() if k in wanted}
        ev.get_evo_eval = lambda *a, **kw: subset
    result_path = args.samples.replace(".jsonl", "_eval_results.json")
    if os.path.exists(result_path):
        os.unlink(result_path)  # else evaluate() loads it instead of running
    flags = argparse.Namespace(
        dataset=args.dataset, samples=args.samples, base_only=False, parallel=args.parallel,
        i_just_wanna_run=False, test_details=False, min_time_limit=1.0,
        gt_time_limit_factor=4.0, mini=False, noextreme=False)  # evoeval.evaluate.main defaults
    printed = io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(printed):
        ev.evaluate(flags)
    elapsed = time.perf_counter() - t0
    with open(result_path) as f:
        evals = json.load(f)["eval"]

    seen, results = {}, []
    for s in samples:  # back to input order: each task's results are in completion-id order
        i = seen.get(s["task_id"], 0)
        seen[s["task_id"]] = i + 1
        r = evals[s["task_id"]][i]
        fails = r.get("base_fail_tests") or []
        results.append({"task_id": s["task_id"], "base_status": r["base_status"],
                        "plus_status": r["plus_status"], "base_fail_tests": len(fails),
                        "plus_fail_tests": len(r.get("plus_fail_tests") or []),
                        "first_fail_test": repr(fails[0])[:200] if fails else None})

    # pass@k exactly as evoeval.evaluate.evaluate computes what it prints.
    total = np.array([len(r) for r in evals.values()])
    correct = np.array([sum(x["base_status"] == PASS for x in r) for r in evals.values()])
    pass_at_k = {f"pass@{k}": float(estimate_pass_at_k(total, correct, k).mean())
                 for k in [1, 10, 100] if total.min() >= k}
    plus = {}
    if not uses_cache(args.dataset):
        plus_correct = np.array([sum(x["base_status"] == x["plus_status"] == PASS for x in r)
                                 for r in evals.values()])
        plus = {f"pass@{k}": float(estimate_pass_at_k(total, plus_correct, k).mean())
                for k in [1, 10, 100] if (total >= k).all()}
    text = re.sub(r"\x1b\[[0-9;]*m", "", printed.getvalue())
    return {"elapsed_s": elapsed, "groundtruth_s": warm_s, "pass_at_k": pass_at_k,
            "plus_pass_at_k": plus, "results": results, "results_file": os.path.abspath(result_path),
            "printed": [l for l in text.splitlines() if "pass@" in l or l.startswith("EvoEval")
                        or "Expected outputs" in l or "Load from" in l]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["run", "warm"])
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--samples")
    ap.add_argument("--parallel", type=int, default=None)
    ap.add_argument("--report", required=True)
    args = ap.parse_args()
    if args.mode == "run":
        report = run(args)
    else:
        _, s = warm(args.dataset)
        report = {"groundtruth_s": s}
    with open(args.report, "w") as f:
        json.dump(report, f)
    # evaluate() leaves a non-daemon "stucking_checker" thread sleeping 20 s at a time;
    # like the evoeval.evaluate command, this process waits for it at exit.


if __name__ == "__main__":
    sys.exit(main())
