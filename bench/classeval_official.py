#!/usr/bin/python3
"""ClassEval's official evaluator (FudanSELab/ClassEval), run on a samples file.

    classeval_official.py setup [--venv DIR]
    classeval_official.py run SAMPLES --report REPORT.json
                          [--isolate none|task|sample] [--greedy auto|0|1]
                          [--model-name NAME] [--jobs 1] [--run-timeout 3600]
                          [--mirror GIT_DIR] [--commit SHA] [--venv DIR]
                          [--runs-dir DIR] [--keep] [--programs]

SAMPLES is either
  - verdict's JSONL: rows {"task_id", "completion"} or {"task_id", "solution"} (optional
    "variant"); several rows of one task are several samples, in row order; or
  - ClassEval's own format (output/model_output/<name>.json): a JSON list of
    {"task_id", "predict": [raw response, ...]} (other keys ignored; "variants" kept).
Each completion/solution is one entry of ClassEval's `predict` list: the raw model response,
which the official code then extracts (fences etc.), decorates (@staticmethod) and prefixes
with the task's import_statement. Nothing is done to it here.

What runs is ClassEval's own code, unmodified: `python evaluation.py --source_file_name NAME
--eval_data ClassEval_data --greedy G`, in a copy of classeval_evaluation/ (cwd = that copy,
as its README says), with ../data/ClassEval_data.json and ../output/model_output/NAME.json.
The copy is made at run time from the local git mirror (`fetch github:FudanSELab/ClassEval`;
default DEFAULT_MIRROR below, or $CLASSEVAL_OFFICIAL_GIT, or --mirror) with `git show
COMMIT:path` into a fresh directory under --runs-dir (never the caller's cwd), and deleted
afterwards unless --keep. The official code is never part of this project.

Like the official pipeline, this runs the samples' code unsandboxed, as the calling user:
use it on bench samples, not on code you do not trust.

--isolate none (default) is the official way: one evaluator process for the whole file.
ClassEval runs every sample in that one process (importlib, no subprocess), so a sample
that calls os._exit ends the run (no results at all) and a sample that deletes files in the
cwd deletes the other samples' not-yet-imported test modules. --isolate task / sample runs
one official evaluator process per task / per sample (each in its own fresh copy; each pays
the official 5 s sleep before tear_down), then merges the per-chunk
<name>_class_result.json files (sample keys renamed back to "<task_id>_<i>") and scores
the merge with the official AutoTest.evaluate and AutoTest.cal_metrics_pass_at_k in
another fresh copy. A chunk whose process died without writing its class result
("crashed") is entered in the merge as {errors:0, failures:0, testsRun:0} for each test
class, which is what the official test() records for a test class that raised.

Environment: the official process inherits this one (less PYTHONPATH); set NLTK_DATA for
ClassEval_52 (see PACKAGES). Outcomes that depend on the machine: ClassEval_17 (date),
35 (speed, 5 s limit), 48 (hostname), 50 (fails as root), 58 (unseeded random).

--greedy: evaluation.py's flag. auto = 1 when every task has exactly one sample, else 0.
Official metrics: greedy 1 -> pass_1_greedy = cal_metrics_pass_at_k(m, 1, 1); greedy 0 ->
pass_1/pass_3/pass_5 = cal_metrics_pass_at_k(m, k, 5) (5 samples assumed, whatever the
file has). The report also gives by_n: the same official function with n = the largest
number of samples of a task, for k in 1,3,5 with k <= n.

Report (JSON):
  harness, repository, commit, mirror, data_sha256, python, packages, samples_file,
  input_format, model_name, greedy, isolate, n_samples (max per task), tasks, samples,
  wall_s (whole script), runs: [{chunk, tasks, samples, returncode, wall_s, crashed,
  killed, stderr_tail}], official_sleep_s (5 s per official run, included in wall_s),
  official_printed (batch mode: evaluation.py's pass_at_k_result.json entry for NAME),
  official_matches_printed (batch mode: it equals metrics.official),
  metrics: {"official": {...}, "by_n": {...}} each {pass_k: {fun_success, fun_partial_success,
  class_success, class_partial_success}},
  counts: {outcome: n over (sample, test class)}, class_counts: {class outcome: n},
  per_sample: [{task_id, index, key "<task_id>_<index>", row (0-based JSONL line, or
  null), variant, crashed, program_sha256 (of the file ClassEval writes: import_statement
  + extracted code + "\\n" + test), program (with --programs),
  test_classes: {TestClassName: {outcome, errors, failures, testsRun}},
  class_outcome: class_success | class_partial_success | class_fail}].
"""

import argparse
import concurrent.futures
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, OrderedDict
from pathlib import Path

DEFAULT_MIRROR = "/work/.mirror/FudanSELab+ClassEval/repo"
EXPECTED_COMMIT = "eaeac44d0d5dcd8a95feec50726d66fedc73a98f"
DEFAULT_VENV = "/work/scratch/classeval/venv"
DEFAULT_RUNS = "/work/scratch/classeval/runs"
OFFICIAL_FILES = [
    "classeval_evaluation/evaluation.py",
    "classeval_evaluation/path_util.py",
    "classeval_evaluation/test_pipeline.py",
    "classeval_evaluation/README.md",
    "classeval_evaluation/run.sh",
    "data/ClassEval_data.json",
]
# The evaluator needs func_timeout and scipy. The rest is what the tasks' import_statement
# and test code import. Versions: requirements.txt's where they install on CPython 3.11,
# else the nearest release that has 3.11 wheels (numpy~=1.22.4, scipy~=1.8.1,
# pandas~=1.4.2, pillow~=9.1.1 and gensim~=4.2.0 have none). lxml and python-docx are not
# in requirements.txt but ClassEval_44 (BeautifulSoup(..., 'lxml')) and ClassEval_32
# (docx) need them. torch/openai/transformers/jsonlines/levenshtein/tqdm are generation-only.
# NLTK data (punkt, averaged_perceptron_tagger, wordnet for ClassEval_52) is not on any
# registry: bench/bigcodebench_nltk_data.py builds punkt and the tagger,
# bench/classeval_nltk_data.py builds wordnet; export NLTK_DATA=<that dir>:<this dir> before
# `run` (the environment is passed through to the official process).
PACKAGES = [
    "func_timeout==4.3.5",
    "scipy==1.10.1",
    "numpy==1.23.5",
    "pandas==1.5.3",
    "gensim==4.3.2",
    "pillow==9.5.0",
    "beautifulsoup4==4.11.1",
    "lxml==4.9.3",
    "pypdf2==3.0.1",
    "reportlab==4.0.4",
    "nltk==3.8.1",
    "openpyxl==3.0.10",
    "python-docx==0.8.11",
    # not imported by the data, but by released model outputs (GPT-4-Turbo_class_H_greedy:
    # jwt in ClassEval_0, netifaces in ClassEval_48, sklearn in ClassEval_51); the published
    # numbers are reproduced only with them. netifaces is built from its sdist (needs gcc).
    "pyjwt==2.8.0",
    "scikit-learn==1.3.2",
    "netifaces==0.11.0",
]
SDIST_ONLY = "func_timeout,python-docx,netifaces"

# Runs in the venv, cwd = <copy>/classeval_evaluation: the official scorer on a class result.
METRICS_SCRIPT = r'''
import json, sys
from test_pipeline import AutoTest
from path_util import PathUtil
name, n, greedy, programs_for = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
a = AutoTest("ClassEval_data")
a.evaluate([name])
out = {"official": {}, "by_n": {}}
if greedy == 1:
    out["official"]["pass_1_greedy"] = a.cal_metrics_pass_at_k([name], 1, 1)[name]
else:
    for k in (1, 3, 5):
        out["official"]["pass_%d" % k] = a.cal_metrics_pass_at_k([name], k, 5)[name]
for k in (1, 3, 5):
    if k <= n:
        out["by_n"]["pass_%d" % k] = a.cal_metrics_pass_at_k([name], k, n)[name]
# per sample, in the order evaluate() walked them (json.load of the sort_keys'd file)
with open(PathUtil().test_result_data(name + "_class_result", "json")) as f:
    model_result = json.load(f)
with open(PathUtil().test_result_data("detailed_result", "json")) as f:
    detailed = json.load(f)[name]
per = {}
for task in model_result:
    for j, test_num in enumerate(model_result[task]):
        classes = {}
        for tc, counts in model_result[task][test_num].items():
            classes[tc] = dict(counts, outcome=a.get_test_answer(counts))
            assert detailed[task][tc]["EachTestResult"][j] == classes[tc]["outcome"]
        per[test_num] = {"test_classes": classes,
                         "class_outcome": detailed[task]["TestClass"]["ClassEachTestResult"][j]}
out["per_sample"] = per
if programs_for:
    out["programs"] = {}
    codes = a.gen_code_list(programs_for)
    for task, lst in codes.items():
        out["programs"][task] = [c + "\n" + a.eval_data[task]["test"] for c in lst]
json.dump(out, sys.stdout)
'''


def git(mirror, *args):
    return subprocess.run(["git", "--git-dir", mirror, *args], check=True,
                          capture_output=True).stdout


def copy_official(mirror, commit, root):
    for rel in OFFICIAL_FILES:
        dest = root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(git(mirror, "show", f"{commit}:{rel}"))


def venv_python(venv):
    return str(Path(venv) / "bin" / "python")


def setup(args):
    venv = Path(args.venv)
    if not (venv / "bin" / "python").exists():
        subprocess.run(["/usr/bin/python3", "-m", "venv", str(venv)], check=True)
    subprocess.run([venv_python(venv), "-m", "pip", "install", "--only-binary=:all:",
                    f"--no-binary={SDIST_ONLY}", *PACKAGES], check=True)
    print("installed into", venv)
    print("note: ClassEval_52 (Lemmatization) also needs the NLTK data punkt, "
          "averaged_perceptron_tagger (bench/bigcodebench_nltk_data.py) and wordnet "
          "(bench/classeval_nltk_data.py), given to `run` as NLTK_DATA=DIR1:DIR2.",
          file=sys.stderr)


def load_samples(path):
    """[(task_id, [{"code", "row", "variant"}])] in first-appearance order; format name."""
    text = Path(path).read_text(encoding="utf-8")
    stripped = text.lstrip()
    if stripped.startswith("["):
        data = json.loads(text)
        tasks = OrderedDict()
        for entry in data:
            variants = entry.get("variants") or [None] * len(entry["predict"])
            if entry["task_id"] in tasks:
                # gen_code_list: code_list[task_id] = [] again, so the last entry wins
                print(f"warning: {entry['task_id']} appears twice; the official code keeps "
                      "the last entry", file=sys.stderr)
            tasks[entry["task_id"]] = [{"code": p, "row": None, "variant": v}
                                       for p, v in zip(entry["predict"], variants)]
        return list(tasks.items()), "official"
    tasks = OrderedDict()
    for i, line in enumerate(text.splitlines()):
        if not line.strip():
            continue
        row = json.loads(line)
        if "completion" in row:
            code = row["completion"]
        elif "solution" in row:
            code = row["solution"]
        else:
            raise SystemExit(f"line {i + 1}: no completion or solution")
        tasks.setdefault(row["task_id"], []).append(
            {"code": code, "row": i, "variant": row.get("variant")})
    return list(tasks.items()), "jsonl"


def run_chunk(ci, chunk, args, commit, run_root, greedy):
    """chunk: [(task_id, [(index, sample)])]. Runs evaluation.py once."""
    root = run_root / f"chunk{ci:05d}" / "ClassEval"
    copy_official(args.mirror, commit, root)
    model_file = root / "output" / "model_output" / f"{args.model_name}.json"
    model_file.parent.mkdir(parents=True, exist_ok=True)
    entries = [{"task_id": tid, "predict": [s["code"] for _, s in samples]}
               for tid, samples in chunk]
    model_file.write_text(json.dumps(entries), encoding="utf-8")
    eval_dir = root / "classeval_evaluation"
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    t0 = time.monotonic()
    with open(root.parent / "stdout.txt", "wb") as out, open(root.parent / "stderr.txt", "wb") as err:
        proc = subprocess.Popen(
            [venv_python(args.venv), "evaluation.py", "--source_file_name", args.model_name,
             "--eval_data", "ClassEval_data", "--greedy", str(greedy)],
            cwd=eval_dir, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
            start_new_session=True)
        killed = False
        try:
            rc = proc.wait(timeout=args.run_timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            rc = proc.wait()
            killed = True
    wall = time.monotonic() - t0
    result_dir = root / "output" / "result"
    class_result_path = result_dir / f"{args.model_name}_class_result.json"
    class_result = json.loads(class_result_path.read_text()) if class_result_path.exists() else None
    printed = None
    pak = result_dir / "pass_at_k_result.json"
    if pak.exists():
        d = json.loads(pak.read_text())
        printed = {k: v[args.model_name] for k, v in d.items() if args.model_name in v}
    stderr_tail = (root.parent / "stderr.txt").read_bytes()[-2000:].decode("utf-8", "replace")
    return {
        "chunk": ci, "dir": str(root),
        "tasks": [tid for tid, _ in chunk],
        "samples": sum(len(s) for _, s in chunk),
        "returncode": rc, "killed": killed, "wall_s": round(wall, 3),
        "crashed": class_result is None,
        "stderr_tail": stderr_tail if (class_result is None or rc != 0) else "",
        "_class_result": class_result, "_printed": printed,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("setup")
    s.add_argument("--venv", default=DEFAULT_VENV)
    r = sub.add_parser("run")
    r.add_argument("samples")
    r.add_argument("--report", required=True)
    r.add_argument("--isolate", choices=["none", "task", "sample"], default="none")
    r.add_argument("--greedy", choices=["auto", "0", "1"], default="auto")
    r.add_argument("--model-name", default="verdict_samples",
                   help="NAME of output/model_output/NAME.json (official extract_code uses "
                        "incoder rules when the file's path contains 'incoder')")
    r.add_argument("--jobs", type=int, default=1, help="official processes at once (isolate modes)")
    r.add_argument("--run-timeout", type=float, default=3600.0, help="per official process")
    r.add_argument("--mirror", default=os.environ.get("CLASSEVAL_OFFICIAL_GIT", DEFAULT_MIRROR))
    r.add_argument("--commit", default="HEAD")
    r.add_argument("--venv", default=DEFAULT_VENV)
    r.add_argument("--runs-dir", default=DEFAULT_RUNS)
    r.add_argument("--keep", action="store_true", help="keep the run directories")
    r.add_argument("--programs", action="store_true", help="put each built program in the report")
    args = ap.parse_args()
    if args.cmd == "setup":
        return setup(args)

    t_start = time.monotonic()
    if not Path(venv_python(args.venv)).exists():
        raise SystemExit(f"no venv at {args.venv}: run `{sys.argv[0]} setup` first")
    commit = git(args.mirror, "rev-parse", args.commit).decode().strip()
    if commit != EXPECTED_COMMIT:
        print(f"warning: commit {commit} is not the studied {EXPECTED_COMMIT}", file=sys.stderr)
    data_bytes = git(args.mirror, "show", f"{commit}:data/ClassEval_data.json")
    eval_data = {t["task_id"]: t for t in json.loads(data_bytes)}

    tasks, fmt = load_samples(args.samples)
    unknown = [tid for tid, _ in tasks if tid not in eval_data]
    if unknown:
        raise SystemExit(f"task ids not in ClassEval_data.json (the official code would "
                         f"raise KeyError): {unknown[:5]}")
    counts_per_task = [len(s) for _, s in tasks]
    n_max = max(counts_per_task)
    greedy = int(args.greedy) if args.greedy != "auto" else (1 if n_max == 1 and min(counts_per_task) == 1 else 0)
    if greedy == 0 and set(counts_per_task) != {5}:
        print(f"note: --greedy 0 assumes 5 samples per task; this file has "
              f"{sorted(set(counts_per_task))}", file=sys.stderr)

    Path(args.runs_dir).mkdir(parents=True, exist_ok=True)
    run_root = Path(tempfile.mkdtemp(prefix="run-", dir=args.runs_dir))
    if "incoder" in str(run_root) and "incoder" not in args.model_name:
        raise SystemExit("the run directory's path contains 'incoder', which switches the "
                         "official extract_code to its incoder rules; choose another --runs-dir")

    indexed = [(tid, list(enumerate(samples))) for tid, samples in tasks]
    if args.isolate == "none":
        chunks = [indexed]
    elif args.isolate == "task":
        chunks = [[t] for t in indexed]
    else:
        chunks = [[(tid, [pair])] for tid, pairs in indexed for pair in pairs]

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
        futs = [ex.submit(run_chunk, ci, chunk, args, commit, run_root, greedy)
                for ci, chunk in enumerate(chunks)]
        runs = []
        for ci, f in enumerate(futs):
            runs.append(f.result())
            done = runs[-1]
            if done["crashed"] or len(chunks) > 1 and (ci + 1) % 20 == 0:
                print(f"chunk {ci + 1}/{len(chunks)} rc={done['returncode']} "
                      f"crashed={done['crashed']} {done['wall_s']}s", file=sys.stderr)

    # merge the class results, sample keys back to "<task_id>_<original index>"
    merged = {tid: {} for tid, _ in tasks}  # a task with no samples still counts (class_num)
    crashed_keys = set()
    for run, chunk in zip(runs, chunks):
        for tid, pairs in chunk:
            for pos, (index, _) in enumerate(pairs):
                key = f"{tid}_{index}"
                got = None
                if run["_class_result"] is not None:
                    got = run["_class_result"].get(tid, {}).get(f"{tid}_{pos}")
                if got is None:
                    crashed_keys.add(key)
                    got = {tc: {"errors": 0, "failures": 0, "testsRun": 0}
                           for tc in eval_data[tid]["test_classes"]}
                merged[tid][key] = got

    # score the merge with the official code, in a fresh copy
    mroot = run_root / "metrics" / "ClassEval"
    copy_official(args.mirror, commit, mroot)
    (mroot / "output" / "result").mkdir(parents=True, exist_ok=True)
    with open(mroot / "output" / "result" / f"{args.model_name}_class_result.json", "w") as f:
        json.dump(merged, f, indent=4, sort_keys=True)
    # the model file again, for the official gen_code_list (program hashes, --programs)
    if True:
        mf = mroot / "output" / "model_output" / f"{args.model_name}.json"
        mf.parent.mkdir(parents=True, exist_ok=True)
        mf.write_text(json.dumps([{"task_id": tid, "predict": [s["code"] for s in samples]}
                                  for tid, samples in tasks]), encoding="utf-8")
        programs_for = str(mf)
    mproc = subprocess.run([venv_python(args.venv), "-c", METRICS_SCRIPT, args.model_name,
                            str(n_max), str(greedy), programs_for],
                           cwd=mroot / "classeval_evaluation", capture_output=True)
    if mproc.returncode != 0:
        sys.stderr.write(mproc.stderr.decode("utf-8", "replace"))
        raise SystemExit("official scoring failed")
    scored = json.loads(mproc.stdout)

    per_sample = []
    counts, class_counts = Counter(), Counter()
    for tid, samples in tasks:
        for index, smp in enumerate(samples):
            key = f"{tid}_{index}"
            ps = scored["per_sample"][key]
            program = scored["programs"][tid][index]
            entry = {
                "task_id": tid, "index": index, "key": key, "row": smp["row"],
                "variant": smp["variant"], "crashed": key in crashed_keys,
                "program_sha256": hashlib.sha256(program.encode("utf-8")).hexdigest(),
                # in the data's test_classes order (the official run order)
                "test_classes": {tc: ps["test_classes"][tc] for tc in eval_data[tid]["test_classes"]},
                "class_outcome": ps["class_outcome"],
            }
            if args.programs:
                entry["program"] = program
            for v in entry["test_classes"].values():
                counts[v["outcome"]] += 1
            class_counts[entry["class_outcome"]] += 1
            per_sample.append(entry)

    pkgs = subprocess.run([venv_python(args.venv), "-m", "pip", "list", "--format", "json"],
                          capture_output=True)
    try:
        packages = {p["name"]: p["version"] for p in json.loads(pkgs.stdout)}
    except ValueError:
        packages = None
    pyver = subprocess.run([venv_python(args.venv), "-c", "import sys; print(sys.version)"],
                           capture_output=True, text=True).stdout.strip()

    report = {
        "harness": "classeval-official",
        "repository": "FudanSELab/ClassEval",
        "commit": commit,
        "mirror": args.mirror,
        "data_sha256": hashlib.sha256(data_bytes).hexdigest(),
        "python": pyver,
        "packages": packages,
        "samples_file": str(Path(args.samples).resolve()),
        "input_format": fmt,
        "model_name": args.model_name,
        "greedy": greedy,
        "isolate": args.isolate,
        "n_samples": n_max,
        "tasks": len(tasks),
        "samples": sum(counts_per_task),
        "wall_s": None,
        "official_sleep_s": 5 * sum(1 for r in runs if not r["crashed"]),
        "runs": [{k: v for k, v in r.items() if not k.startswith("_")} for r in runs],
        "official_printed": runs[0]["_printed"] if len(runs) == 1 else None,
        # batch mode: evaluation.py's own numbers equal the re-scoring of its class result
        "official_matches_printed": (runs[0]["_printed"] == scored["official"])
        if len(runs) == 1 and runs[0]["_printed"] is not None else None,
        "metrics": {"official": scored["official"], "by_n": scored["by_n"]},
        "counts": dict(counts),
        "class_counts": dict(class_counts),
        "crashed_samples": sorted(crashed_keys),
        "per_sample": per_sample,
    }
    if not args.keep:
        shutil.rmtree(run_root, ignore_errors=True)
        for r in report["runs"]:
            r["dir"] = None
    else:
        report["run_dir"] = str(run_root)
    report["wall_s"] = round(time.monotonic() - t_start, 3)
    Path(args.report).write_text(json.dumps(report, indent=1), encoding="utf-8")
    m = report["metrics"]["official"]
    print(json.dumps({"counts": report["counts"], "class_counts": report["class_counts"],
                      "official": m, "crashed": len(crashed_keys), "wall_s": report["wall_s"]},
                     indent=1))


if __name__ == "__main__":
    main()
