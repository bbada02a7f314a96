#!/usr/bin/python3
"""Judge one ClassEval samples file with the official pipeline and with `verdict eval`, and
compare them test class by test class.

    compare_classeval.py SAMPLES [--extract] [--isolate none|task|sample] [--greedy auto|0|1]
                         [--recheck] [--verdict BIN] [--data-dir DIR] [-k 1,3,5]
                         [--nltk-data DIR[:DIR]] [--official-jobs N] [--verdict-arg ARG]...
                         [--report OUT.json] [--keep]

SAMPLES is verdict's JSONL (`{"task_id", "completion"|"solution"}` rows; several rows of a
task are its samples, in row order) or ClassEval's own model-output file (a JSON list of
`{"task_id", "predict": [response, ...]}`). Both sides read that same file.

Official side: bench/classeval_official.py `run` (FudanSELab/ClassEval's evaluation.py,
unmodified, in its venv; see that script and /work/scratch/classeval/SEMANTICS.md), as a
subprocess, with --isolate (default none: one evaluator process for the whole file, the
official way; use `sample` for files that end the process, such as os._exit samples).
The official pipeline ALWAYS passes each sample through its `extract_code` and
`add_static_statement`, whatever the sample looks like.

Verdict side: `verdict eval --benchmark classeval --samples SAMPLES --out R.jsonl --json
--no-progress-bar -k 1,3,5`, plus `--classeval-extract` with --extract.

Which to use (--extract or not):
  - Raw model responses (the released model outputs, anything with fences or prose): use
    --extract. Without it verdict would run the response text as Python.
  - Plain code without fences (canonical solutions, the mutants of classeval_samples.py):
    use --extract as well when the question is "does verdict give the official outcome".
    The official fence-less path changes such code: it drops every line equal to a
    non-import line before the first `class` line, so a blank line there removes every
    blank line in the file (inside triple-quoted strings too), and module-level statements
    before the class disappear (ClassEval_52's own `nltk.download(...)` calls, constants);
    and add_static_statement rewrites decorators. --extract makes verdict build the same
    program as the official code; without it verdict judges the code as written, which
    compares verdict's plain mode with the official pipeline and is expected to agree only
    where those rewrites do not matter. Measured on the 100 canonical solutions: both ways
    give the official outcome of every test class, the documented machine-dependent
    tasks aside (ClassEval_52's dropped nltk.download calls change nothing without NLTK
    data or network).
  The official model-output path decides InCoder's extraction ("incoder" in the path):
  the official run uses --model-name = SAMPLES' file stem, verdict the SAMPLES path, so
  keep "incoder" out of the directory names.

Samples are matched by (task_id, index within the task): the official index is the
position in the task's `predict` list (or among the task's JSONL rows); verdict's is its
row's `generation_index`, else the row's position among the task's rows (verdict writes
rows in input order).

Printed:
  - both runs (command, wall time, exit status);
  - the (sample, test class) agreement: a table official outcome x verdict outcome
    (success, partial_success, fail, error) and the class-level agreement per sample;
  - every disagreement: task, sample index, test class, official outcome (errors/failures/
    testsRun), verdict outcome (tests run, failing and erring tests, or the error that
    stopped the class), the sample's `variant` when the file has one, and the documented
    known difference that applies (machine-dependent tasks 17/35/48/50/58, NLTK data for
    52; for classeval_samples.py's hostile variants, the documented direction only: e.g. a
    sleep_in_method class that errs officially, not one that errs only in verdict; samples
    that end or contaminate the one official process), else "NOT A DOCUMENTED
    DIFFERENCE"; with --recheck the disagreeing samples are run again through the official
    pipeline, each alone (--isolate sample), and that outcome is shown too: when it equals
    verdict's, the difference came from sharing the one official process and directory
    (documented) or from chance (a sample whose outcome varies between runs, such as one
    that returns list(set(strings)), whose order changes with each process's hash seed,
    in both pipelines): look at the sample to tell which;
  - the four scores (fun_success, fun_partial_success, class_success,
    class_partial_success) of both for pass@1, and pass@3 and pass@5 when every task has 5
    samples. Official: evaluation.py's own numbers (--greedy 1: pass_1_greedy with one
    sample a task; --greedy 0: pass_1/3/5 with 5 samples assumed). A third column re-scores
    verdict's outcomes with cal_metrics_pass_at_k's formula (each task's own sample count,
    tasks and test classes in the official string order, its (C(n,k) - C(n-c,k)) / C(n,k)):
    it must equal verdict's summary to the last bit (checks verdict's scorer; a difference
    is shown in ulp), and it equals the official column exactly when the outcomes agree.
    When the file does not have the sample count evaluation.py assumes, its numbers are
    not comparable (documented) and verdict is compared with the official outcomes
    re-scored with each task's own count ("official own n");
  - wall times and official_time / verdict_time, both end to end (the official harness
    script, which also copies the official files, re-scores and lists packages) and for
    the evaluation.py processes alone (what running the official pipeline costs, its fixed
    5 s sleep before tear_down included, once per process).

Official and verdict run one after the other, never at once; both times are wall clock on
this machine, so a concurrent build skews them (verdict uses every core, the official
pipeline one). NLTK data (ClassEval_52): the official process inherits this environment
(NLTK_DATA included); --nltk-data sets NLTK_DATA for it. verdict's classeval environment
has NLTK data only when it was built with it (`verdict env build classeval --nltk-data
DIR`, docs/environments.md); give the official run the same data or none, to compare like
with like.

Exit status: 0 when every (sample, test class) outcome and every score agree; 1 otherwise.
"""

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, OrderedDict
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
import classeval_official  # noqa: E402

OUTCOMES = ["success", "partial_success", "fail", "error"]
CLASS_OUTCOMES = ["class_success", "class_partial_success", "class_fail"]
SCORES = ["fun_success", "fun_partial_success", "class_success", "class_partial_success"]

# Documented differences (docs/conformance.md "Known differences", SEMANTICS.md section 9):
# outcomes that depend on the machine or on the run, per task.
KNOWN_TASKS = {
    "ClassEval_17": "machine: CalendarTestGetUpcomingEvents expects 2024-01-02 in the future "
                    "(today's date)",
    "ClassEval_35": "timing: EightPuzzleTestSolve takes ~5-8 s; official limit 5 s of wall "
                    "clock (load-dependent), verdict's 5 s of CPU",
    "ClassEval_48": "machine: IpUtilTestGetHostname expects host name LAPTOP-2CS86KUM",
    "ClassEval_50": "machine: JSONProcessorTestWriteJson expects writing a read-only file to "
                    "fail; the official run is root here, verdict's sandbox user is not",
    "ClassEval_52": "NLTK data (punkt, tagger, wordnet): the official run has it only with "
                    "NLTK_DATA, verdict's environment only when built with it",
    "ClassEval_58": "random: unseeded mines collide about one run in nine",
}
# classeval_samples.py's hostile variants whose outcome is documented to differ, and in which
# direction: (official outcome, verdict outcome) -> None means any; the reason.
KNOWN_VARIANTS = {
    # the documented per-class limit difference: the class that sleeps or loops past 5 s errs
    # there (wall clock); here a sleeping test is not stopped by the CPU timer
    "sleep_in_method": ("error", None, "per-class limit: 5 s of wall clock there (the sleeping "
                        "class errs), of CPU time here"),
    "loop_in_method": ("error", None, "per-class limit (a looping class errs in both)"),
    "loop_at_import": ("error", None, "per-class limit (a looping import errs in both)"),
    "os_exit_import": (None, None, "os._exit ends the official evaluator process: no result, "
                       "counted error"),
    "os_exit_method": (None, None, "os._exit ends the official evaluator process: no result, "
                       "counted error"),
    "delete_cwd": (None, None, "shared official working directory (only without "
                   "--isolate sample)"),
    "patch_asserts": (None, None, "shared official process (only without --isolate sample)"),
}
SHARED_ONLY = {"delete_cwd", "patch_asserts"}


def default_verdict() -> Path:
    return Path(os.environ.get("VERDICT_BIN", REPO_ROOT / "target" / "release" / "verdict"))


def default_data_dir() -> Path:
    env = os.environ.get("VERDICT_DATA_DIR")
    return Path(env) if env else (REPO_ROOT / ".." / "shared" / "data").resolve()


def parse_json_stdout(text: str):
    start = text.find("{")
    if start < 0:
        raise ValueError("no JSON object on verdict's stdout")
    obj, _ = json.JSONDecoder().raw_decode(text[start:])
    return obj


# ---------------------------------------------------------------- the two runs

def run_official(samples: Path, report: Path, isolate: str, greedy: str, jobs: int,
                 model_name: str, nltk_data):
    cmd = ["/usr/bin/python3", str(BENCH_DIR / "classeval_official.py"), "run", str(samples),
           "--report", str(report), "--isolate", isolate, "--greedy", greedy,
           "--jobs", str(jobs), "--model-name", model_name]
    env = dict(os.environ)
    if nltk_data:
        env["NLTK_DATA"] = nltk_data
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if r.returncode != 0 or not report.exists():
        sys.stderr.write(r.stderr[-4000:])
        raise SystemExit(f"the official run failed (exit {r.returncode}): {' '.join(cmd)}")
    rep = json.loads(report.read_text())
    return {"cmd": cmd, "wall_s": wall, "report": rep, "stderr": r.stderr}


def run_verdict(verdict: Path, samples: Path, out: Path, data_dir, ks, extract, extra):
    cmd = [str(verdict), "eval", "--benchmark", "classeval", "--samples", str(samples),
           "--out", str(out), "--json", "--no-progress-bar", "-k", ks]
    if data_dir:
        cmd += ["--data-dir", str(data_dir)]
    if extract:
        cmd.append("--classeval-extract")
    cmd += list(extra)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if not out.exists():
        sys.stderr.write(r.stderr[-4000:])
        raise SystemExit(f"verdict wrote no results (exit {r.returncode}): {' '.join(cmd)}")
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    summary = parse_json_stdout(r.stdout)
    bench = next((b for b in summary.get("benchmarks", []) if b.get("benchmark") == "classeval"),
                 (summary.get("benchmarks") or [{}])[0])
    return {"cmd": cmd, "wall_s": wall, "exit": r.returncode, "rows": rows, "summary": bench,
            "stderr": r.stderr}


# ---------------------------------------------------------------- matching

def official_outcomes(report):
    """{(task_id, index): entry} from a classeval_official.py report."""
    return {(s["task_id"], s["index"]): s for s in report["per_sample"]}


def verdict_outcomes(rows):
    """{(task_id, index): row}: generation_index, else the row's position in its task."""
    seen, out, dup = Counter(), {}, []
    for row in rows:
        tid = row.get("task_id")
        idx = row.get("generation_index")
        if idx is None:
            idx = seen[tid]
        seen[tid] += 1
        if (tid, idx) in out:
            dup.append((tid, idx))
        out[(tid, idx)] = row
    return out, dup


def verdict_class_detail(row, test_class):
    """What verdict saw for one test class: counts and the failing tests, or the error."""
    details = row.get("details") or {}
    if details.get("load_error"):
        return "load: " + details["load_error"][:160]
    for entry in details.get("tests") or []:
        if entry.get("class") == test_class:
            if "error" in entry:
                return "error: " + str(entry["error"])[:160]
            fails = [t for t, _ in entry.get("failures", [])]
            errs = [t for t, _ in entry.get("errors", [])]
            last = ""
            if entry.get("errors"):
                last = " | " + entry["errors"][0][1].strip().splitlines()[-1][:120]
            elif entry.get("failures"):
                last = " | " + entry["failures"][0][1].strip().splitlines()[-1][:120]
            return (f"run {entry.get('run')} failures {fails} errors {errs}{last}")
    if not details.get("tests") and row.get("status") not in ("passed", "failed"):
        return f"no report: status {row.get('status')} ({row.get('result', '')[:80]})"
    return "no entry"


def known_reason(task_id, variant, official_entry, official_outcome, verdict_outcome, isolate):
    """The documented difference that explains a disagreement, or ""."""
    reasons = []
    if task_id in KNOWN_TASKS:
        reasons.append(KNOWN_TASKS[task_id])
    if official_entry.get("crashed"):
        reasons.append("the official process died without results (counted error)")
    if variant in KNOWN_VARIANTS and not (variant in SHARED_ONLY and isolate == "sample"):
        want_official, want_verdict, why = KNOWN_VARIANTS[variant]
        if want_official in (None, official_outcome) and want_verdict in (None, verdict_outcome):
            reasons.append(why)
    return "; ".join(reasons)


# ---------------------------------------------------------------- scores

def cal_pass_at_k(n, k, c):
    """test_pipeline.cal_pass_at_k(n, k, k_success), with its arguments (n: the k of
    pass@k, k: the number of samples) and its order of operations,
    (C(k, n) - C(k - c, n)) / C(k, n); scipy's comb gives these small binomials exactly,
    as floats."""
    total = float(math.comb(k, n))
    without = float(math.comb(k - c, n)) if k - c >= n else 0
    return (total - without) / total


def score(per_sample, kk, n_samples=None):
    """cal_metrics_pass_at_k on {(task, index): ({test_class: outcome}, class_outcome)}:
    tasks in string order, test classes in name order (the sort_keys'd class result), with
    n_samples samples assumed per task (official) or each task's own count (None)."""
    tasks = {}
    for (tid, _), (classes, cls) in per_sample.items():
        tasks.setdefault(tid, []).append((classes, cls))
    fun = fun_p = cl = cl_p = 0.0
    n_classes = 0
    for tid in sorted(tasks):
        samples = tasks[tid]
        n = n_samples or len(samples)
        names = sorted({name for classes, _ in samples for name in classes})
        for name in names:
            s = sum(1 for classes, _ in samples if classes.get(name) == "success")
            p = sum(1 for classes, _ in samples
                    if classes.get(name) in ("success", "partial_success"))
            n_classes += 1
            fun += cal_pass_at_k(kk, n, s)
            fun_p += cal_pass_at_k(kk, n, p)
        cs = sum(1 for _, c in samples if c == "class_success")
        cp = sum(1 for _, c in samples if c in ("class_success", "class_partial_success"))
        cl += cal_pass_at_k(kk, n, cs)
        cl_p += cal_pass_at_k(kk, n, cp)
    return {"fun_success": fun / n_classes, "fun_partial_success": fun_p / n_classes,
            "class_success": cl / len(tasks), "class_partial_success": cl_p / len(tasks)}


# ---------------------------------------------------------------- recheck

def recheck(samples_by_key, keys, workdir, model_name, nltk_data):
    """The official outcome of each sample in `keys`, each in its own evaluation.py process."""
    order = OrderedDict()
    for tid, idx in keys:
        order.setdefault(tid, []).append(idx)
    path = workdir / f"{model_name}_recheck.jsonl"
    mapping = {}
    with open(path, "w", encoding="utf-8") as f:
        for tid, idxs in order.items():
            for pos, idx in enumerate(idxs):
                f.write(json.dumps({"task_id": tid, "completion": samples_by_key[(tid, idx)]})
                        + "\n")
                mapping[(tid, pos)] = (tid, idx)
    run = run_official(path, workdir / "official_recheck.json", "sample", "auto", 1,
                       model_name, nltk_data)
    got = {}
    for s in run["report"]["per_sample"]:
        got[mapping[(s["task_id"], s["index"])]] = s
    return got, run["wall_s"]


# ---------------------------------------------------------------- main

def fmt_official_counts(tc):
    return f"{tc['outcome']} (e{tc['errors']}/f{tc['failures']}/r{tc['testsRun']})"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("samples", type=Path,
                    help="verdict JSONL or ClassEval's [{task_id, predict: [...]}] file")
    ap.add_argument("--extract", action="store_true",
                    help="verdict takes the code out of each sample as the official pipeline "
                         "does (--classeval-extract); the official side always does")
    ap.add_argument("--isolate", choices=["none", "task", "sample"], default="none",
                    help="official evaluator processes: one for the file (default, the "
                         "official way), one per task, or one per sample")
    ap.add_argument("--greedy", choices=["auto", "0", "1"], default="auto",
                    help="evaluation.py's --greedy (auto: 1 when every task has one sample)")
    ap.add_argument("--recheck", action="store_true",
                    help="run each disagreeing sample again through the official pipeline, "
                         "alone in its own process, and show that outcome too")
    ap.add_argument("--verdict", type=Path, default=None,
                    help="verdict binary (default $VERDICT_BIN, else target/release/verdict)")
    ap.add_argument("--data-dir", type=Path, default=None,
                    help="verdict's --data-dir (default $VERDICT_DATA_DIR, else ../shared/data)")
    ap.add_argument("-k", default="1,3,5", help="verdict's -k (default 1,3,5)")
    ap.add_argument("--nltk-data", default=None,
                    help="NLTK_DATA for the official process (default: this environment's)")
    ap.add_argument("--official-jobs", type=int, default=1,
                    help="official processes at once with --isolate task|sample (default 1)")
    ap.add_argument("--verdict-arg", action="append", default=[],
                    help="one more argument for verdict eval (repeatable)")
    ap.add_argument("--report", type=Path, default=None,
                    help="write the comparison (runs, per-class outcomes, scores) as JSON")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    a = ap.parse_args(argv)

    samples = a.samples.resolve()
    model_name = samples.name
    for suffix in (".jsonl", ".json"):
        model_name = model_name[: -len(suffix)] if model_name.endswith(suffix) else model_name
    model_name = model_name or "samples"
    if "incoder" in str(samples.parent).lower():
        print("warning: 'incoder' in the directory of SAMPLES: verdict would use InCoder's "
              "extraction and the official run would not", file=sys.stderr)
    verdict = (a.verdict or default_verdict()).resolve()
    if not verdict.exists():
        raise SystemExit(f"no verdict binary at {verdict}")
    tasks, fmt = classeval_official.load_samples(samples)
    code_by_key = {(tid, i): s["code"] for tid, ss in tasks for i, s in enumerate(ss)}
    variant_by_key = {(tid, i): s.get("variant") for tid, ss in tasks for i, s in enumerate(ss)}
    counts_per_task = Counter(len(ss) for _, ss in tasks)
    workdir = Path(tempfile.mkdtemp(prefix="compare-classeval-"))
    try:
        off = run_official(samples, workdir / "official.json", a.isolate, a.greedy,
                           a.official_jobs, model_name, a.nltk_data)
        ver = run_verdict(verdict, samples, workdir / "verdict.jsonl",
                          (a.data_dir or default_data_dir()), a.k, a.extract, a.verdict_arg)
        rep = off["report"]
        eval_wall = sum(r["wall_s"] for r in rep["runs"])

        per_task = ", ".join(f"{c} tasks with {n}" for n, c in sorted(counts_per_task.items()))
        print(f"samples: {samples} ({fmt}; {len(code_by_key)} samples, {len(tasks)} tasks: "
              f"{per_task})")
        print(f"official: {rep['repository']}@{rep['commit'][:7]}, "
              f"python {rep['python'].split()[0]}, greedy {rep['greedy']}, "
              f"isolate {rep['isolate']}, "
              f"{len(rep['runs'])} evaluation.py process(es), crashed samples "
              f"{len(rep['crashed_samples'])}, NLTK_DATA "
              f"{(a.nltk_data or os.environ.get('NLTK_DATA')) or 'unset'}")
        print(f"          {off['wall_s']:.2f} s end to end, {eval_wall:.2f} s in evaluation.py "
              f"(summed over its processes, incl. its 5 s sleep x {rep['official_sleep_s'] // 5})")
        print(f"verdict:  {' '.join(ver['cmd'])}")
        print(f"          {ver['wall_s']:.2f} s, exit {ver['exit']}")

        omap = official_outcomes(rep)
        vmap, dup = verdict_outcomes(ver["rows"])
        table = Counter()
        class_table = Counter()
        dis = []
        missing = []
        per_off, per_ver = {}, {}
        for key, oentry in omap.items():
            vrow = vmap.get(key)
            if vrow is None or "test_classes" not in (vrow.get("details") or {}):
                missing.append(key)
                continue
            vclasses = vrow["details"]["test_classes"]
            per_off[key] = ({tc: v["outcome"] for tc, v in oentry["test_classes"].items()},
                            oentry["class_outcome"])
            per_ver[key] = (dict(vclasses), vrow["details"]["classeval_outcome"])
            class_table[(oentry["class_outcome"], vrow["details"]["classeval_outcome"])] += 1
            for tc, ov in oentry["test_classes"].items():
                vo = vclasses.get(tc, "missing")
                table[(ov["outcome"], vo)] += 1
                if vo != ov["outcome"]:
                    dis.append({"task_id": key[0], "index": key[1], "test_class": tc,
                                "variant": variant_by_key.get(key),
                                "official": ov["outcome"],
                                "official_counts": fmt_official_counts(ov),
                                "verdict": vo, "verdict_detail": verdict_class_detail(vrow, tc),
                                "known": known_reason(key[0], variant_by_key.get(key), oentry,
                                                      ov["outcome"], vo, a.isolate)})
        extra = sorted(set(vmap) - set(omap))

        total = sum(table.values())
        agree = sum(c for (o, v), c in table.items() if o == v)
        print(f"\n(sample, test class) agreement: {agree}/{total} "
              f"({100.0 * agree / max(total, 1):.2f}%)")
        head = "official \\ verdict"
        print(f"  {head:<20}" + "".join(f"{o:>17}" for o in OUTCOMES))
        for o in OUTCOMES:
            print(f"  {o:<20}" + "".join(f"{table[(o, v)]:>17}" for v in OUTCOMES))
        other = {k: c for k, c in table.items() if k[1] not in OUTCOMES}
        if other:
            print(f"  other: {other}")
        ctotal = sum(class_table.values())
        cagree = sum(c for (o, v), c in class_table.items() if o == v)
        print(f"class-level agreement (per sample): {cagree}/{ctotal}; official: "
              + ", ".join(f"{o} {sum(c for (x, _), c in class_table.items() if x == o)}"
                          for o in CLASS_OUTCOMES)
              + "; verdict: "
              + ", ".join(f"{o} {sum(c for (_, y), c in class_table.items() if y == o)}"
                          for o in CLASS_OUTCOMES))
        for what, keys in (("missing in verdict's results", missing),
                           ("extra rows in verdict's results", extra),
                           ("duplicate keys in verdict's results", dup)):
            if keys:
                print(f"{what}: {len(keys)}: {keys[:10]}")

        rechecked, recheck_wall = {}, None
        if a.recheck and dis:
            keys = sorted({(d["task_id"], d["index"]) for d in dis},
                          key=lambda k: (int(k[0].split("_")[-1]) if k[0].split("_")[-1].isdigit()
                                         else 0, k))
            rechecked, recheck_wall = recheck(code_by_key, keys, workdir, model_name, a.nltk_data)
            for d in dis:
                alone = rechecked.get((d["task_id"], d["index"]))
                if alone is None:
                    continue
                alone_tc = alone["test_classes"][d["test_class"]]
                d["official_alone"] = fmt_official_counts(alone_tc)
                if not d["known"] and alone_tc["outcome"] == d["verdict"]:
                    d["known"] = (
                        "alone, the official pipeline gives verdict's outcome: files or state "
                        "other samples left in the one official process and directory "
                        "(documented), or chance (a sample whose outcome varies from run to "
                        "run, e.g. with the order of a set of strings)"
                        if a.isolate != "sample" else
                        "the official outcome changed from one official run to the next "
                        "(a sample whose outcome varies from run to run)")
        unexplained = [d for d in dis if not d["known"]]
        print(f"\ndisagreements: {len(dis)} ({len(dis) - len(unexplained)} on a documented "
              f"difference, {len(unexplained)} not)")
        if a.recheck and dis:
            print(f"  (rechecked {len(rechecked)} samples officially, each alone: "
                  f"{recheck_wall:.1f} s)")
        for d in dis:
            var = f" [{d['variant']}]" if d["variant"] else ""
            print(f"  {d['task_id']} #{d['index']}{var} {d['test_class']}: "
                  f"official {d['official_counts']} | verdict {d['verdict']}")
            if "official_alone" in d:
                print(f"      official, sample alone: {d['official_alone']}")
            print(f"      verdict: {d['verdict_detail']}")
            known = "known: " + d["known"] if d["known"] else "NOT A DOCUMENTED DIFFERENCE"
            print(f"      {known}")

        # scores
        n_set = set(counts_per_task)
        official_metrics = rep["metrics"]["official"]
        if rep["greedy"] == 1:
            ks = [1]
            off_scores = {1: official_metrics["pass_1_greedy"]}
            assumed = 1
        else:
            ks = [1, 3, 5] if n_set == {5} else [1]
            off_scores = {k: official_metrics[f"pass_{k}"] for k in ks}
            assumed = 5
        ver_scores = (ver["summary"].get("classeval") or {})
        same_count = n_set == {assumed}
        print(f"\nscores: official = evaluation.py --greedy {rep['greedy']} ({assumed} sample(s) "
              "a task assumed); verdict = its summary; re-scored = verdict's outcomes through "
              "cal_metrics_pass_at_k's formula with each task's own sample count")
        if not same_count:
            print(f"  the file has {sorted(n_set)} samples a task but evaluation.py assumes "
                  f"{assumed}, so its numbers are not comparable (documented); 'official "
                  "own n' re-scores the official outcomes with each task's own count, which is "
                  "what verdict computes, and verdict is compared with that")
        scores_ok = True
        scores_out = {}
        # self-check of the re-scoring: the official outcomes must give evaluation.py's numbers
        for k in ks:
            mine = score(per_off, k, assumed) if per_off else None
            if mine is not None and mine != off_scores[k]:
                print(f"  warning: re-scoring the official outcomes gives {mine}, "
                      f"not {off_scores[k]}")
        cols = ["official"] + ([] if same_count else ["official own n"]) + ["verdict", "re-scored"]
        print(f"  {'':<7}{'score':<23}" + "".join(f"{c:>22}" for c in cols))
        for k in ks:
            v = ver_scores.get(f"pass@{k}") or {}
            mine = score(per_ver, k) if per_ver else {}
            own = off_scores[k] if same_count else score(per_off, k)
            scores_out[f"pass@{k}"] = {"official": off_scores[k], "official_own_n": own,
                                       "verdict": v, "rescored": mine}
            for s in SCORES:
                o, vv, m = own.get(s), v.get(s), mine.get(s)
                same = vv is not None and o == vv
                scores_ok &= same
                mark = "equal" if same else f"diff {vv - o:+.6g}" if vv is not None else "missing"
                if vv is not None and m is not None and m != vv:
                    mark += (f"  (verdict != re-scored, by {abs(vv - m) / math.ulp(m):.0f} ulp: "
                             "verdict's own arithmetic)")
                vals = [off_scores[k].get(s)] + ([] if same_count else [o]) + [vv, m]
                print(f"  pass@{k:<2} {s:<23}" + "".join(f"{x!r:>22}" for x in vals) + f"  {mark}")
        if ver["summary"].get("skipped_k"):
            print(f"  verdict left out k: {[s['k'] for s in ver['summary']['skipped_k']]}")

        ratio = off["wall_s"] / ver["wall_s"]
        ratio_eval = eval_wall / ver["wall_s"]
        print(f"\ntime: official {off['wall_s']:.2f} s end to end ({eval_wall:.2f} s in "
              f"evaluation.py), verdict {ver['wall_s']:.2f} s; official_time / verdict_time = "
              f"{ratio:.2f} end to end, {ratio_eval:.2f} by evaluation.py alone")
        ok = not dis and not missing and not extra and not dup and scores_ok
        print("RESULT: " + ("everything agrees" if ok else
                            f"DIFFERENCES FOUND: {len(dis)} outcome disagreement(s), "
                            f"{len(unexplained)} not documented; scores "
                            + ("equal" if scores_ok else "differ")))
        if a.report:
            a.report.write_text(json.dumps({
                "samples": str(samples), "format": fmt, "extract": a.extract,
                "isolate": a.isolate, "official_cmd": off["cmd"], "verdict_cmd": ver["cmd"],
                "official_wall_s": off["wall_s"], "official_eval_wall_s": eval_wall,
                "verdict_wall_s": ver["wall_s"], "ratio": ratio, "ratio_eval": ratio_eval,
                "agreement": {"agree": agree, "total": total,
                              "table": {f"{o}|{v}": c for (o, v), c in table.items()},
                              "class_table": {f"{o}|{v}": c for (o, v), c in class_table.items()}},
                "disagreements": dis, "missing": missing, "extra": extra,
                "scores": scores_out, "official_counts": rep["counts"],
                "per_sample": [{"task_id": k[0], "index": k[1], "variant": variant_by_key.get(k),
                                "official": per_off[k][0], "official_class": per_off[k][1],
                                "verdict": per_ver[k][0], "verdict_class": per_ver[k][1]}
                               for k in per_off],
                "official_crashed": rep["crashed_samples"],
            }, indent=1))
        return 0 if ok else 1
    finally:
        if a.keep:
            print(f"work dir kept: {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
