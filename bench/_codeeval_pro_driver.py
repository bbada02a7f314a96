"""Runs CodeEval-Pro's own eval/harness.py on samples; executed by the CodeEval-Pro venv's
python (see codeeval_pro_official.py), with the harness's directory on sys.path and the
current directory holding `code_eval/` (HF evaluate's metrics/code_eval, copied there),
so that the harness's own module-level `load("code_eval")` loads it from disk.

    samples --kind humaneval_pro|mbpp_pro|bigcodebench_lite_pro --dataset F --samples S
            --report R [--gt]
    harness --kind ... --dataset F --source-path DIR --save-path DIR --report R

`samples`: rows `{"task_id", "completion"|"solution"}` (any number per task, task_id the
dataset's `id`, as int or string). Each row's program is built as harness.main builds it
(raw_problem + completion, or the solution alone). HE/MBPP Pro: the tasks' programs go to
the harness's own `evaluation()` (HF code_eval, k=[1,5,10], num_workers=8, its default
3 s timeout); BCB-Lite Pro: each sample goes alone through the harness's own
`run_generated_py_file()` (so a sample that crashes the harness's error parsing is
recorded as such instead of ending the run). `--gt` also scores the ground-truth
programs (raw_problem + raw_solution + new_problem + new_solution) of the tasks present.

`harness`: the harness's own main() on DIR/results.jsonl and DIR/santized_results.jsonl
(line order = dataset order), writing SAVE/result_of_pass_k.json as it does.

Either way the per-sample verdicts are the values the harness's own calls returned,
captured on the way: the per-sample `results` that code_eval's compute() returns and
evaluation() drops, and each subprocess.run() of run_generated_py_file.
"""

import argparse
import contextlib
import io
import json
import os
import subprocess as _real_subprocess
import sys
import time
import traceback
import types

CALLS = []  # code_eval compute() calls: {"pass_at_k", "results"}
RUNS = []  # run_generated_py_file subprocess.run() calls: {"file", "returncode", ...}


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


class RecordingMetric:
    """Stands in for the harness's module-level `code_metric`; calls the real one."""

    def __init__(self, real):
        self.real = real

    def compute(self, **kwargs):
        pass_at_k, results = self.real.compute(**kwargs)
        per_task = {}
        for task_index, rows in results.items():
            per_task[int(task_index)] = [dict(r) for _, r in sorted(rows, key=lambda x: x[0])]
        CALLS.append({"pass_at_k": {k: float(v) for k, v in pass_at_k.items()},
                      "results": per_task, "kwargs": {k: v for k, v in kwargs.items()
                                                      if k not in ("references", "predictions")}})
        return pass_at_k, results


def recording_run(*args, **kwargs):
    cmd = args[0] if args else kwargs.get("args")
    entry = {"file": cmd[-1], "cmd": list(cmd), "timeout": kwargs.get("timeout")}
    RUNS.append(entry)
    t0 = time.perf_counter()
    try:
        r = _real_subprocess.run(*args, **kwargs)
        entry.update(returncode=r.returncode, stderr_tail=(r.stderr or "")[-2000:])
        return r
    except _real_subprocess.CalledProcessError as e:
        entry.update(returncode=e.returncode, stderr_tail=(e.stderr or "")[-2000:])
        raise
    except _real_subprocess.TimeoutExpired as e:
        err = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else (e.stderr or "")
        entry.update(returncode=None, timed_out=True, stderr_tail=err[-2000:])
        raise
    finally:
        entry["seconds"] = time.perf_counter() - t0


def import_harness():
    sys.argv = [sys.argv[0]]
    import harness  # noqa: E402  (CodeEval-Pro eval/harness.py, copied at run time)
    harness.code_metric = RecordingMetric(harness.code_metric)
    harness.subprocess = types.SimpleNamespace(
        run=recording_run, PIPE=_real_subprocess.PIPE,
        CalledProcessError=_real_subprocess.CalledProcessError,
        TimeoutExpired=_real_subprocess.TimeoutExpired)
    return harness


def resolve_task(index_of, task_id):
    if task_id in index_of:
        return index_of[task_id]
    s = str(task_id)
    if s in index_of:
        return index_of[s]
    tail = s.rsplit("/", 1)[-1]
    if tail.isdigit() and int(tail) in index_of and not isinstance(next(iter(index_of)), str):
        return index_of[int(tail)]
    raise SystemExit(f"unknown task_id {task_id!r}")


def program_of(problem, row):
    if "completion" in row:
        value, prefix = row["completion"], problem["raw_problem"]
    elif "solution" in row:
        value, prefix = row["solution"], ""
    else:
        raise SystemExit(f"row for {row.get('task_id')!r} has neither completion nor solution")
    if not isinstance(value, str):
        raise SystemExit("samples mode takes one string per row (repeat the task_id for more)")
    return prefix + value


def code_eval_verdicts(harness, problems, task_indices, programs_per_task):
    """harness.evaluation() on the tasks given; returns (pass_at_k, per-task verdicts)."""
    references = [problems[i]["test_code"] for i in task_indices]
    predictions = [programs_per_task[i] for i in task_indices]
    before = len(CALLS)
    t0 = time.perf_counter()
    pass_at_k = harness.evaluation(references, predictions)
    elapsed = time.perf_counter() - t0
    call = CALLS[before]
    per_task = {task_indices[j]: call["results"].get(j, []) for j in range(len(task_indices))}
    return {k: float(v) for k, v in pass_at_k.items()}, per_task, elapsed, call["kwargs"]


def bcb_verdict(harness, test_code, program, folder):
    """One program through harness.run_generated_py_file; its recorded verdict."""
    before = len(RUNS)
    try:
        stat = harness.run_generated_py_file([test_code], [[program]], folder)
        a = stat["analysis"][0][0]
        status, error_type, crash = a["status"], a["error_type"], None
    except Exception as e:  # the harness's own error parsing can raise
        status, error_type = "HARNESS CRASH", None
        crash = "".join(traceback.format_exception_only(type(e), e)).strip()
    run = RUNS[before] if len(RUNS) > before else {}
    return {"passed": status == "Passed", "result": error_type if crash is None else crash,
            "status": status, "harness_crash": crash, "returncode": run.get("returncode"),
            "seconds": run.get("seconds"), "stderr_tail": run.get("stderr_tail", "")[-600:],
            "file": run.get("file")}


def run_samples(args):
    harness = import_harness()
    problems = json.load(open(args.dataset, encoding="utf-8"))
    index_of = {p["id"]: i for i, p in enumerate(problems)}
    rows = read_jsonl(args.samples)
    bcb = args.kind == "bigcodebench_lite_pro"
    placed = []  # per row: (task index, index within that task)
    programs = {}
    for row in rows:
        ti = resolve_task(index_of, row["task_id"])
        programs.setdefault(ti, []).append(program_of(problems[ti], row))
        placed.append((ti, len(programs[ti]) - 1))
    tasks = sorted(programs)  # dataset order, as harness.main lays tasks out
    report = {"kind": args.kind, "dataset": args.dataset, "tasks": len(tasks),
              "samples": len(rows)}
    results = []
    if bcb:
        t0 = time.perf_counter()
        verdicts = {}
        for n, (ti, j) in enumerate(placed):
            verdicts[(ti, j)] = bcb_verdict(harness, problems[ti]["test_code"],
                                            programs[ti][j],
                                            os.path.join(args.save_path, "log", "results",
                                                         f"sample_{n}") + "/")
        report["elapsed_s"] = time.perf_counter() - t0
        passed = sum(v["passed"] for v in verdicts.values())
        # harness.main: error_stats['Passed'] / len(problems) (all 57 when the file is whole).
        report["score"] = passed / len(tasks)
        report["score_over_dataset"] = passed / len(problems)
        report["pass_at_k"] = {"score": report["score"]}
        for row, key in zip(rows, placed):
            results.append({"task_id": row["task_id"], "variant": row.get("variant"),
                            **verdicts[key]})
        report["harness_crashes"] = sum(1 for r in results if r["harness_crash"])
    else:
        pass_at_k, per_task, elapsed, kwargs = code_eval_verdicts(harness, problems, tasks,
                                                                  programs)
        report.update(elapsed_s=elapsed, pass_at_k=pass_at_k, compute_kwargs=kwargs)
        for row, (ti, j) in zip(rows, placed):
            r = per_task[ti][j]
            results.append({"task_id": row["task_id"], "variant": row.get("variant"),
                            "passed": bool(r["passed"]), "result": r["result"]})
    report["results"] = results
    if args.gt:
        gt_programs = {ti: [problems[ti]["raw_problem"] + problems[ti]["raw_solution"]
                            + problems[ti]["new_problem"] + problems[ti]["new_solution"]]
                       for ti in tasks}
        gt = []
        t0 = time.perf_counter()
        if bcb:
            for ti in tasks:
                v = bcb_verdict(harness, problems[ti]["test_code"], gt_programs[ti][0],
                                os.path.join(args.save_path, "log", "gt_results",
                                             f"task_{ti}") + "/")
                gt.append({"task_id": problems[ti]["id"], **v})
            gt_pass = {"score": sum(g["passed"] for g in gt) / len(tasks)}
        else:
            gt_pass, per_task, _, _ = code_eval_verdicts(harness, problems, tasks, gt_programs)
            gt = [{"task_id": problems[ti]["id"], "passed": bool(per_task[ti][0]["passed"]),
                   "result": per_task[ti][0]["result"]} for ti in tasks]
        report["ground_truth"] = {"elapsed_s": time.perf_counter() - t0, "pass_at_k": gt_pass,
                                  "failures": [g for g in gt if not g["passed"]],
                                  "tasks": len(gt)}
    return report


def run_harness_main(args):
    harness = import_harness()
    os.makedirs(args.save_path, exist_ok=True)
    argv = ["harness.py", "--model_name", "verdict-bench", "--task", args.kind,
            "--dataset_path", args.dataset, "--source_path", args.source_path,
            "--save_path", args.save_path]
    sys.argv = argv
    printed = io.StringIO()
    crash = None
    t0 = time.perf_counter()
    try:
        with contextlib.redirect_stdout(printed):
            harness.main()
    except Exception as e:
        crash = "".join(traceback.format_exception(type(e), e, e.__traceback__))
    elapsed = time.perf_counter() - t0
    out = os.path.join(args.save_path, "result_of_pass_k.json")
    report = {"kind": args.kind, "argv": argv, "elapsed_s": elapsed, "harness_crash": crash,
              "result_of_pass_k": json.load(open(out)) if os.path.exists(out) else None,
              "printed": [l for l in printed.getvalue().splitlines()
                          if not l.startswith("file_path=")]}
    # main() calls evaluation() / run_generated_py_file() three times: ground truth,
    # results.jsonl, santized_results.jsonl, in that order.
    names = ["ground_truth", "results", "santized_results"]
    if args.kind == "bigcodebench_lite_pro":
        per = {n: [] for n in names}
        for run in RUNS:
            part = run["file"].split("/log/")[-1].split("/")[0]
            key = {"gt_results": "ground_truth"}.get(part, part)
            per.setdefault(key, []).append(
                {"file": run["file"], "returncode": run.get("returncode"),
                 "timed_out": run.get("timed_out", False),
                 "passed": run.get("returncode") == 0,
                 "stderr_tail": run.get("stderr_tail", "")[-600:]})
        report["per_sample"] = per
    else:
        report["per_sample"] = {names[i]: {str(t): rows for t, rows in c["results"].items()}
                                for i, c in enumerate(CALLS)}
        report["pass_at_k_calls"] = [c["pass_at_k"] for c in CALLS]
    return report


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["samples", "harness"])
    ap.add_argument("--kind", required=True,
                    choices=["humaneval_pro", "mbpp_pro", "bigcodebench_lite_pro"])
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--samples")
    ap.add_argument("--source-path")
    ap.add_argument("--save-path", required=True)
    ap.add_argument("--gt", action="store_true")
    ap.add_argument("--report", required=True)
    args = ap.parse_args()
    report = run_samples(args) if args.mode == "samples" else run_harness_main(args)
    with open(args.report, "w") as f:
        json.dump(report, f)


if __name__ == "__main__":
    sys.exit(main())
