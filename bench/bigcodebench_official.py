#!/usr/bin/python3
"""BigCodeBench's official evaluator (PyPI bigcodebench, local execution), run offline on a samples file.

    bigcodebench_official.py SAMPLES DATA --python VENV/bin/python --report REPORT.json
                             [--nltk-data DIR] [--gt cache|fresh|skip] [--gt-only]
                             [--parallel N] [--subset hard|full] [--no-isolate]

SAMPLES is the official samples format: JSONL, one {"task_id", "solution"} or
{"task_id", "completion"} per line (a task may repeat: its k-th line is its sample k).
DATA is the BigCodeBench data: a JSON object keyed by task_id (bigcodebench_hard.json) or
JSONL(.gz). Only the tasks that SAMPLES names are evaluated.

What runs is the official code, unmodified: `bigcodebench.evaluate.evaluate(...,
execution="local")` from the PyPI package bigcodebench==HARNESS_VERSION (identical to git tag
v0.2.5; its eval/ and gen/util/ are also unchanged at the repository's HEAD 47eff25). That is
what `bigcodebench.evaluate --execution local --split complete --samples SAMPLES` runs:
ground truth first (gen/util trusted_check, one process per task, cached by the data file's
md5), then every sample through eval.untrusted_check in a ProcessPoolExecutor (default
cpu_count()//2 workers, as the official default), calibrated (code_prompt + "\\n    pass\\n"
+ solution), 30 GiB RLIMIT_AS/DATA, 10 MiB stack, 240 s TIMEOUT_LIMIT (+1, +1 for the join).

It is installed, never copied into this project: `pip install --no-deps --target
${VERDICT_CACHE:-~/.cache/verdict}/bigcodebench-official/HARNESS_VERSION` of the package and
of the three small modules its data loader imports (appdirs, tempdir, wget; HARNESS_PINS),
then put on PYTHONPATH of --python, the task environment (a venv of /usr/bin/python3 built
from the full pin set, see requirements-full.txt). evaluate.py also imports gradio_client,
e2b, httpx, datasets (only used by the remote backends and the Hugging Face download) and
bigcodebench.generate (model generation); the driver gives it inert stand-ins for those
while importing it, then removes them from sys.modules, so task code cannot see them.

Offline: the data comes from BIGCODEBENCH_OVERRIDE_PATH (the official switch), set to a
JSONL copy of DATA's selected tasks (its md5 keys the ground-truth cache). By default the
run is in fresh PID and network namespaces (`unshare --pid --fork --kill-child --mount-proc
--net`, loopback up): there is no route out, so network calls (nltk.download, HTTP) fail at
once, and every process the harness or a task leaves behind (issue #42) dies with it.
--no-isolate runs in the host's namespaces instead.

--gt cache (default) is the official behaviour: reuse the ground-truth times cached for this
exact data, else compute them. fresh recomputes (the official --check_gt_only deletes the
cache too). skip is the official --no_gt. Ground truth never changes a sample's verdict
here: a sample's limit is max(240, gt_time) + 1, and GT times are far below 240 s.
--gt-only runs only the ground-truth check (official --check_gt_only); SAMPLES then only
selects tasks.

The report (--report) is one JSON object:
  harness, harness_dir, python, python_version, nltk_data, isolate, parallel (as passed;
  -1 = official default), subset, data_file, data_sha256 (of DATA), tasks, samples_file,
  n_samples, wall_s (whole official subprocess, imports included), evaluate_s (the
  evaluate() call), gt: {mode, cached (a cache existed before the run), pass_rate,
  failed_tasks, times {task_id: seconds or null}}, pass_at_k (the official
  *_pass_at_k.json, absent with --gt-only), counts {status: n},
  results: [{task_id, index, status, details, variant?}] in SAMPLES order; index is the
  sample's position among its task's lines, status pass|fail|timeout, details the official
  {test_name: traceback} or {"ALL": message}.
"""

import argparse
import collections
import gzip
import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time

HARNESS_VERSION = "0.2.5"
HARNESS_PINS = [f"bigcodebench=={HARNESS_VERSION}", "appdirs==1.4.4", "tempdir==0.7.1", "wget==3.2"]
CACHE = os.path.join(os.environ.get("VERDICT_CACHE", os.path.expanduser("~/.cache/verdict")), "bigcodebench-official")

# Runs inside --python with the harness on PYTHONPATH. argv[1] is a JSON dict of evaluate() arguments.
DRIVER = r"""
import json, sys, time, types

def _offline(*args, **kwargs):
    raise RuntimeError("not available in this offline run")

class _Offline:
    def __init__(self, *args, **kwargs):
        _offline()

stand_ins = {
    "gradio_client": {"Client": _Offline, "handle_file": _offline},
    "e2b": {"Sandbox": _Offline},
    "httpx": {"ReadTimeout": type("ReadTimeout", (Exception,), {})},
    "datasets": {"load_dataset": _offline},
    "bigcodebench.generate": {"run_codegen": _offline},
}
import bigcodebench
for name, attrs in stand_ins.items():
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    sys.modules[name] = module
import bigcodebench.evaluate
for name in ("gradio_client", "e2b", "httpx", "datasets"):
    del sys.modules[name]

kwargs = json.loads(sys.argv[1])
start = time.time()
bigcodebench.evaluate.evaluate(**kwargs)
print("\n__EVALUATE_S__ %.3f" % (time.time() - start), flush=True)
"""


def ensure_harness() -> str:
    target = os.path.join(CACHE, HARNESS_VERSION)
    if os.path.isdir(os.path.join(target, "bigcodebench")):
        return target
    os.makedirs(CACHE, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="harness-", dir=CACHE)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile",
                    "--target", tmp] + HARNESS_PINS, check=True)
    os.rename(tmp, target)
    return target


def load_tasks(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        text = f.read()
    if path.endswith((".jsonl", ".jsonl.gz")):
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    data = json.loads(text)
    return list(data.values()) if isinstance(data, dict) else data


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("samples", help="samples JSONL: {task_id, solution|completion} per line")
    ap.add_argument("data", help="BigCodeBench data: JSON object keyed by task_id, or JSONL(.gz)")
    ap.add_argument("--python", default=os.environ.get("BIGCODEBENCH_PYTHON"), required="BIGCODEBENCH_PYTHON" not in os.environ,
                    help="interpreter of the task environment venv (default $BIGCODEBENCH_PYTHON)")
    ap.add_argument("--report", required=True, help="where to write the JSON report")
    ap.add_argument("--nltk-data", help="NLTK_DATA directory for the tasks (see bigcodebench_nltk_data.py)")
    ap.add_argument("--gt", choices=["cache", "fresh", "skip"], default="cache", help="ground-truth check (default: %(default)s)")
    ap.add_argument("--gt-only", action="store_true", help="run only the ground-truth check (official --check_gt_only)")
    ap.add_argument("--parallel", type=int, default=-1, help="official --parallel; -1 = cpu_count()//2 (default)")
    ap.add_argument("--subset", choices=["hard", "full"], help="label only (default: hard if the data has Hard fields)")
    ap.add_argument("--no-isolate", action="store_true", help="do not use fresh PID/network namespaces")
    ap.add_argument("--keep-workdir", action="store_true", help="keep the run directory (official result files)")
    args = ap.parse_args()

    python = os.path.abspath(args.python) if os.sep in args.python else args.python
    harness = ensure_harness()
    tasks = load_tasks(args.data)
    with open(args.samples, encoding="utf-8") as f:
        samples = [json.loads(line) for line in f if line.strip()]
    wanted = {s["task_id"] for s in samples}
    known = {t["task_id"] for t in tasks}
    unknown = sorted(wanted - known)
    if unknown:
        sys.exit(f"samples name tasks not in the data: {unknown[:5]}")
    selected = [t for t in tasks if t["task_id"] in wanted]
    subset = args.subset or ("hard" if all("q_idx" in t for t in tasks) else "full")

    os.makedirs(CACHE, exist_ok=True)
    work = tempfile.mkdtemp(prefix="run-", dir=CACHE)
    data_jsonl = os.path.join(work, "data.jsonl")
    with open(data_jsonl, "w", encoding="utf-8") as f:
        for t in selected:
            f.write(json.dumps(t) + "\n")
    samples_jsonl = os.path.join(work, "samples.jsonl")
    with open(samples_jsonl, "w", encoding="utf-8") as f:
        for s in samples:
            f.write(json.dumps(s) + "\n")
    data_md5 = hashlib.md5(open(data_jsonl, "rb").read()).hexdigest()
    xdg_cache = os.path.join(CACHE, "xdg-cache")  # CACHE_DIR = appdirs.user_cache_dir("bigcodebench")
    gt_pickle = os.path.join(xdg_cache, "bigcodebench", data_md5 + ".pkl")
    gt_cached = os.path.exists(gt_pickle)

    kwargs = dict(split="complete", subset=subset, samples=samples_jsonl, execution="local",
                  pass_k="1", parallel=args.parallel, check_gt_only=args.gt_only or args.gt == "fresh",
                  no_gt=args.gt == "skip" and not args.gt_only)
    env = dict(os.environ, BIGCODEBENCH_OVERRIDE_PATH=data_jsonl, XDG_CACHE_HOME=xdg_cache,
               PYTHONPATH=harness + (os.pathsep + os.environ["PYTHONPATH"] if os.environ.get("PYTHONPATH") else ""))
    env.pop("BIGCODEBENCH_TIMEOUT_PER_TASK", None)  # a set value makes the official max() raise TypeError
    if args.nltk_data:
        env["NLTK_DATA"] = os.path.abspath(args.nltk_data)

    def run(check_gt_only):
        kw = dict(kwargs, check_gt_only=check_gt_only)
        cmd = [python, "-c", DRIVER, json.dumps(kw)]
        if not args.no_isolate:
            cmd = ["unshare", "--pid", "--fork", "--kill-child", "--mount-proc", "--net", "--",
                   "sh", "-c", 'ip link set lo up && exec "$@"', "sh"] + cmd
        out = subprocess.run(cmd, cwd=work, env=env, stdout=subprocess.PIPE, text=True)
        sys.stdout.write(out.stdout)
        if out.returncode != 0:
            sys.exit(f"official evaluator exited with {out.returncode}; run directory kept: {work}")
        return float(out.stdout.rsplit("__EVALUATE_S__", 1)[1].split()[0])

    t0 = time.time()
    evaluate_s = 0.0
    if kwargs["check_gt_only"]:  # recompute (and, with --gt-only, stop there)
        evaluate_s += run(True)
    if not args.gt_only:
        evaluate_s += run(False)
    wall_s = time.time() - t0

    gt_times = None
    if os.path.exists(gt_pickle):
        with open(gt_pickle, "rb") as f:
            gt_times = pickle.load(f)
    elif args.gt != "skip" or args.gt_only:  # the official code writes no cache when every task failed
        gt_times = {t["task_id"]: None for t in selected}
    gt = {"mode": "only" if args.gt_only else args.gt, "cached": gt_cached}
    if gt_times is not None:
        gt.update(pass_rate=sum(v is not None for v in gt_times.values()) / len(gt_times),
                  failed_tasks=sorted((k for k, v in gt_times.items() if v is None), key=lambda s: int(s.split("/")[-1])),
                  times=gt_times)

    report = {"harness": f"bigcodebench {HARNESS_VERSION} (PyPI, --no-deps), evaluate(execution='local')",
              "harness_dir": harness, "python": python,
              "python_version": subprocess.run([python, "-c", "import sys; print(sys.version.split()[0])"],
                                               capture_output=True, text=True).stdout.strip(),
              "nltk_data": env.get("NLTK_DATA"), "isolate": not args.no_isolate, "parallel": args.parallel,
              "subset": subset, "data_file": os.path.abspath(args.data),
              "data_sha256": hashlib.sha256(open(args.data, "rb").read()).hexdigest(), "tasks": len(selected),
              "samples_file": os.path.abspath(args.samples), "n_samples": len(samples),
              "wall_s": round(wall_s, 3), "evaluate_s": round(evaluate_s, 3), "gt": gt}
    if not args.gt_only:
        with open(samples_jsonl.replace(".jsonl", "_eval_results.json")) as f:
            official = json.load(f)["eval"]
        with open(samples_jsonl.replace(".jsonl", "_pass_at_k.json")) as f:
            report["pass_at_k"] = json.load(f)
        seen = collections.Counter()
        results = []
        for s in samples:
            index = seen[s["task_id"]]
            seen[s["task_id"]] += 1
            r = official[s["task_id"]][index]
            row = {"task_id": s["task_id"], "index": index, "status": r["status"], "details": r["details"]}
            if "variant" in s:
                row["variant"] = s["variant"]
            results.append(row)
        report["counts"] = dict(collections.Counter(r["status"] for r in results))
        report["results"] = results
    with open(args.report, "w") as f:
        json.dump(report, f, indent=1)
    if not args.keep_workdir:
        shutil.rmtree(work, ignore_errors=True)
    summary = f"gt pass rate {gt['pass_rate']:.3f} ({len(gt['failed_tasks'])} failed)" if "pass_rate" in gt else "gt skipped"
    print(f"{args.report}: {len(samples)} samples {report.get('counts', {})}, {summary}, wall {wall_s:.1f}s")


if __name__ == "__main__":
    main()
