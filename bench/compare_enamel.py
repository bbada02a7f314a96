#!/usr/bin/python3
"""Judge one ENAMEL samples file with ENAMEL's own evaluator and with `verdict eval
--benchmark enamel`, and compare efficiency, correctness and time.

    compare_enamel.py SAMPLES [--verdict BIN] [--data-dir DIR] [-k 1,10,100] [--jobs N]
                      [--python PY] [--enamel-repo GIT_DIR] [--tests-cache PKL]
                      [--seed 998244353] [--n-tests 8,4,4,4] [--n-reps 6]
                      [--hardness 0,3,3,4] [--alpha 2] [--tolerance-ms 10]
                      [--verdict-arg ARG]... [--stability [--load-procs N]]
                      [--enamel-repeat] [--official-only] [--record OUT.json] [--keep]

SAMPLES is ENAMEL's samples format, {"<problem index>": [code, ...]} (bench/
enamel_samples.py writes one, with a SAMPLES.variants.json sidecar naming each code's
variant, shown next to it here). Both sides read the same file and so cover the same
problems; samples of the 22 problems ENAMEL excludes are skipped by both.

ENAMEL side: bench/enamel_official.py (ENAMEL's Evaluator, unmodified, in --python's
interpreter, default the venv /work/scratch/enamel-venv; tests from --tests-cache or
generated and cached; see that script). Its test generation is timed apart.
verdict side: `verdict eval --benchmark enamel --samples SAMPLES --out R.jsonl --json
--no-progress-bar -k K [--jobs N] [--data-dir DIR]`, plus --enamel-seed / --enamel-tests /
--enamel-reps / --enamel-hardness / --enamel-alpha / --enamel-tolerance-ms for the
parameters given here that differ from ENAMEL's defaults (the same values go to ENAMEL).

Printed:
  - both runs: command, wall time, load average before the run;
  - eff@k and pass@k of both (for the k both report) and the difference; target
    |delta eff@1| <= 0.02;
  - Spearman's rank correlation (average ranks for ties) of the per-sample eff values,
    over all matched samples (target >= 0.9) and over the samples both pass; the mean
    per-level efficiencies of both; the median ratio verdict/ENAMEL of the per-test times
    (verdict measures CPU time, ENAMEL wall-clock time); the largest |delta eff|;
  - pass agreement (a 2x2 table) with every disagreeing sample: its variant, ENAMEL's
    verbose notes (time limit, wrong output, exception) and verdict's status and details;
  - wall time of both and the ratio ENAMEL / verdict (target >= 2), without ENAMEL's test
    generation (its process wall time less the generation and cache loading of this run)
    and with it (plus the recorded time of generating the subset's tests, whether they
    were generated in this run or came from the cache).
--stability: after the quiet run, both tools run again while 2 x cpu_count busy-loop
processes (`/usr/bin/python3 -c 'while True: pass'`, --load-procs to change) load the
machine; they are killed at the end, also on Ctrl-C or SIGTERM. For each tool: eff@1 quiet
vs loaded and the difference (target for verdict <= 0.02), Spearman between its quiet and
loaded per-sample effs (target >= 0.9), and pass counts.
--enamel-repeat: run ENAMEL a second time under the same conditions and show its own
run-to-run eff@1 change and Spearman (and verdict against that second run): the ceiling
for what any other evaluator can reach against ENAMEL on this machine. ENAMEL times each
run with time.time() in one process, a few ms per test at most; on a shared 2-core machine
its own run-to-run Spearman was measured at 0.83-0.89 (bench/enamel_official.py notes).
--official-only: run only the ENAMEL side (e.g. while verdict has no ENAMEL yet).

verdict's wall time is its whole `verdict eval` run: when its own ENAMEL test cache is cold
that includes generating the tests (so run twice, or look at the second run, for the
judging alone). Rows are matched by (problem, generation_index); a task_id of "HumanEval/3"
and of "3" both mean problem 3.

Everything (commands, timings, metrics, per-sample pairs, disagreements, stability) goes
to --record (JSON). Exit status: 0 when every target is met, 1 otherwise.

ENAMEL times with the wall clock: anything else running on the machine (a build) lowers
its efficiencies, which is what --stability measures. Both sides run one after the other.
"""

import argparse
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, OrderedDict
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
import enamel_official  # noqa: E402
from enamel_samples import variants_path  # noqa: E402

DEFAULTS = {"seed": 998244353, "n_tests": [8, 4, 4, 4], "n_reps": 6,
            "hardness": [0.0, 3.0, 3.0, 4.0], "alpha": 2.0, "tolerance_ms": 10.0}
TARGET_DELTA_EFF = 0.02
TARGET_SPEARMAN = 0.9
TARGET_RATIO = 2.0


def default_verdict() -> Path:
    env = os.environ.get("VERDICT_BIN")
    if env:
        return Path(env)
    dev = REPO_ROOT.parent / "target-dev" / "release" / "verdict"
    return dev if dev.exists() else REPO_ROOT / "target" / "release" / "verdict"


def default_data_dir() -> Path:
    env = os.environ.get("VERDICT_DATA_DIR")
    return Path(env) if env else (REPO_ROOT / ".." / "shared" / "data").resolve()


def parse_json_stdout(text: str):
    start = text.find("{")
    if start < 0:
        raise ValueError("no JSON object on verdict's stdout")
    obj, _ = json.JSONDecoder().raw_decode(text[start:])
    return obj


def fmt_list(xs) -> str:
    return ",".join(f"{x:g}" if isinstance(x, float) else str(x) for x in xs)


# ---------------------------------------------------------------- statistics

def average_ranks(xs):
    """Ranks 1..n, ties get the average of the ranks they span."""
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    ranks = [0.0] * len(xs)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and xs[order[j + 1]] == xs[order[i]]:
            j += 1
        r = (i + j) / 2.0 + 1.0
        for t in range(i, j + 1):
            ranks[order[t]] = r
        i = j + 1
    return ranks


def pearson(xs, ys):
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def spearman(xs, ys):
    """Spearman's rho: Pearson's correlation of the average ranks (None when undefined)."""
    if len(xs) != len(ys):
        raise ValueError("spearman: lengths differ")
    return pearson(average_ranks(xs), average_ranks(ys))


def median(xs):
    xs = sorted(xs)
    if not xs:
        return None
    m = len(xs) // 2
    return xs[m] if len(xs) % 2 else (xs[m - 1] + xs[m]) / 2.0


def fnum(x, nd=4) -> str:
    return "n/a" if x is None else f"{x:.{nd}f}"


def fdelta(x) -> str:
    return "n/a" if x is None else f"{x:+.4f}"


# ---------------------------------------------------------------- machine load

class BusyLoad:
    """N busy-loop processes, each in its own session; killed by stop(), at exit, and on
    SIGTERM/SIGINT (the handlers raise KeyboardInterrupt after killing)."""

    def __init__(self, n: int):
        self.n = n
        self.procs = []
        self._old = {}

    def __enter__(self):
        for sig in (signal.SIGTERM, signal.SIGHUP):
            self._old[sig] = signal.signal(sig, self._on_signal)
        try:
            for _ in range(self.n):
                self.procs.append(subprocess.Popen(
                    ["/usr/bin/python3", "-c", "while True: pass"],
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL, start_new_session=True))
        except BaseException:
            self.stop()
            raise
        time.sleep(1.0)   # let them get going
        return self

    def _on_signal(self, signum, frame):
        self.stop()
        raise KeyboardInterrupt(f"signal {signum}")

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        alive = [p.pid for p in self.procs if p.poll() is None]
        self.procs = []
        for sig, old in self._old.items():
            signal.signal(sig, old)
        self._old = {}
        if alive:
            print(f"warning: busy-loop processes still alive: {alive}", file=sys.stderr)

    def __exit__(self, *exc):
        self.stop()
        return False


# ---------------------------------------------------------------- the two runs

def verdict_has_enamel(verdict: Path) -> bool:
    r = subprocess.run([str(verdict), "eval", "--help"], capture_output=True, text=True)
    text = r.stdout + r.stderr
    for line in text.splitlines():
        if "humaneval" in line and "classeval" in line:    # the --benchmark list
            return "enamel" in line.replace(",", " ").split()
    return "enamel" in text


def run_enamel(samples: Path, workdir: Path, a, tag: str) -> dict:
    report = workdir / f"enamel-{tag}.json"
    log = workdir / f"enamel-{tag}.log"
    load = os.getloadavg()
    t0 = time.perf_counter()
    rep = enamel_official.run(
        samples, report, python=a.python, enamel_repo=a.enamel_repo, dataset=a.dataset,
        tests_cache=a.tests_cache, seed=a.seed, n_tests=a.n_tests, n_reps=a.n_reps,
        hardness=a.hardness, timeout_factor=a.alpha, tolerance_sec=a.tolerance_ms / 1000.0,
        k=a.k, run_timeout=a.run_timeout, log_file=log)
    script_wall = time.perf_counter() - t0
    tm = rep["timing"]
    tests = tm["tests"]
    without_gen = tm["wall_s"] - tests["generate_wall_s"] - tests["load_wall_s"]
    gen = tests["generation_wall_s_subset"]
    return {"report": rep, "report_path": str(report), "log": str(log),
            "loadavg_before": load, "script_wall_s": script_wall,
            "wall_without_generation_s": without_gen,
            "generation_s": gen,
            "wall_with_generation_s": None if gen is None else without_gen + gen,
            "cmd": ["bench/enamel_official.py", "run", str(samples), "--report", str(report)]}


def verdict_cmd(verdict: Path, samples: Path, out: Path, a) -> list:
    cmd = [str(verdict), "eval", "--benchmark", "enamel", "--samples", str(samples),
           "--out", str(out), "--json", "--no-progress-bar", "-k", fmt_list(a.k)]
    if a.jobs:
        cmd += ["--jobs", str(a.jobs)]
    if a.data_dir:
        cmd += ["--data-dir", str(a.data_dir)]
    if a.seed != DEFAULTS["seed"]:
        cmd += ["--enamel-seed", str(a.seed)]
    if a.n_tests != DEFAULTS["n_tests"]:
        cmd += ["--enamel-tests", fmt_list(a.n_tests)]
    if a.n_reps != DEFAULTS["n_reps"]:
        cmd += ["--enamel-reps", str(a.n_reps)]
    if a.hardness != DEFAULTS["hardness"]:
        cmd += ["--enamel-hardness", fmt_list(a.hardness)]
    if a.alpha != DEFAULTS["alpha"]:
        cmd += ["--enamel-alpha", f"{a.alpha:g}"]
    if a.tolerance_ms != DEFAULTS["tolerance_ms"]:
        cmd += ["--enamel-tolerance-ms", f"{a.tolerance_ms:g}"]
    return cmd + list(a.verdict_arg)


def run_verdict(verdict: Path, samples: Path, workdir: Path, a, tag: str) -> dict:
    out = workdir / f"verdict-{tag}.jsonl"
    cmd = verdict_cmd(verdict, samples, out, a)
    load = os.getloadavg()
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    (workdir / f"verdict-{tag}.stderr").write_text(r.stderr)
    if not out.exists():
        sys.stderr.write(r.stderr[-4000:])
        raise SystemExit(f"verdict wrote no results (exit {r.returncode}): {' '.join(cmd)}")
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    try:
        summary = parse_json_stdout(r.stdout)
    except ValueError as e:
        sys.stderr.write(r.stderr[-4000:])
        raise SystemExit(f"verdict printed no summary JSON ({e}; exit {r.returncode})")
    bench = next((b for b in summary.get("benchmarks", []) if b.get("benchmark") == "enamel"),
                 (summary.get("benchmarks") or [{}])[0])
    return {"cmd": cmd, "wall_s": wall, "exit": r.returncode, "rows": rows, "summary": bench,
            "loadavg_before": load, "stderr_tail": r.stderr[-2000:]}


# ---------------------------------------------------------------- matching

def problem_of(task_id: str) -> int:
    return int(str(task_id).rsplit("/", 1)[-1])


def enamel_map(rep) -> "OrderedDict":
    return OrderedDict(((s["problem"], s["generation_index"]), s) for s in rep["per_sample"])


def verdict_map(rows):
    """(problem, j) -> row for the rows that count; the skipped rows apart."""
    out, skipped, dup, pos = OrderedDict(), [], [], Counter()
    for row in rows:
        i = problem_of(row["task_id"])
        j = row.get("generation_index")
        if j is None:
            j = pos[i]
        pos[i] += 1
        if row.get("status") == "skipped":
            skipped.append((i, j))
            continue
        if (i, j) in out:
            dup.append((i, j))
        out[(i, j)] = row
    return out, skipped, dup


def verdict_passed(row) -> bool:
    return bool(row.get("passed"))


def verdict_eff(row) -> float:
    e = row.get("eff")
    return float(e) if e is not None else 0.0


def verdict_detail(row) -> str:
    keep = {k: v for k, v in row.items()
            if k not in ("task_id", "generation_index", "passed", "effs", "eff",
                         "elapsed_ms", "completion", "solution", "code", "program")}
    text = json.dumps(keep, ensure_ascii=False)
    return text if len(text) <= 400 else text[:400] + "..."


def metric_table(erep, vsum) -> list:
    emet = erep["metrics"]
    vpass = vsum.get("pass_at_k") or {}
    veff = vsum.get("eff_at_k") or {}
    rows = []
    for name in ("eff", "pass"):
        ks = sorted({int(k.split("@")[1]) for k in list(emet) + list(vpass) + list(veff)
                     if k.startswith(name + "@")})
        for k in ks:
            key = f"{name}@{k}"
            e = emet.get(key)
            v = (veff if name == "eff" else vpass).get(key)
            rows.append({"metric": key, "enamel": e, "verdict": v,
                         "delta": (v - e) if (e is not None and v is not None) else None})
    return rows


def compare(erep, ver, variants) -> dict:
    """ENAMEL report vs verdict run: metrics, Spearman, pass agreement."""
    emap = enamel_map(erep)
    vmap, vskipped, dup = verdict_map(ver["rows"])
    expected_skipped = sorted((s["problem"], j) for s in erep["skipped"]
                              for j in range(s["samples"]))
    pairs, missing = [], []
    for key, es in emap.items():
        vr = vmap.get(key)
        if vr is None:
            missing.append(key)
            continue
        var = None
        if variants:
            names = variants.get(str(key[0])) or []
            var = names[key[1]] if key[1] < len(names) else None
        pairs.append({"problem": key[0], "generation_index": key[1], "variant": var,
                      "enamel_passed": es["passed"], "verdict_passed": verdict_passed(vr),
                      "enamel_eff": es["eff"], "verdict_eff": verdict_eff(vr),
                      "enamel_effs": es["effs"], "verdict_effs": vr.get("effs"),
                      "enamel_notes": es["notes"], "verdict_status": vr.get("status"),
                      "verdict_detail": verdict_detail(vr),
                      "enamel_elapsed_ms": es["elapsed_ms"],
                      "verdict_elapsed_ms": vr.get("elapsed_ms")})
    extra = [k for k in vmap if k not in emap]
    e_effs = [p["enamel_eff"] for p in pairs]
    v_effs = [p["verdict_eff"] for p in pairs]
    both = [p for p in pairs if p["enamel_passed"] and p["verdict_passed"]]
    table = Counter((p["enamel_passed"], p["verdict_passed"]) for p in pairs)
    n_levels = max([len(p["enamel_effs"]) for p in pairs] + [0])

    def level_mean(side, lvl):
        xs = [p[side][lvl] for p in pairs if p[side] and len(p[side]) > lvl]
        return sum(xs) / len(xs) if xs else None

    ratios = []
    for p in pairs:
        ve = p["verdict_elapsed_ms"] or []
        for lvl, (el, vl) in enumerate(zip(p["enamel_elapsed_ms"], ve)):
            for x, y in zip(el, vl or []):
                if x and y and x > 0:
                    ratios.append(y / x)
    metrics = metric_table(erep, ver["summary"])
    d1 = next((m["delta"] for m in metrics if m["metric"] == "eff@1"), None)
    return {
        "metrics": metrics, "delta_eff1": d1,
        "spearman_all": spearman(e_effs, v_effs) if pairs else None,
        "spearman_both_passed": (spearman([p["enamel_eff"] for p in both],
                                          [p["verdict_eff"] for p in both])
                                 if len(both) > 1 else None),
        "n_pairs": len(pairs), "n_both_passed": len(both),
        "pass_table": {f"enamel={'pass' if e else 'fail'},verdict={'pass' if v else 'fail'}": c
                       for (e, v), c in sorted(table.items())},
        "pass_agree": table[(True, True)] + table[(False, False)],
        "pass_disagreements": [p for p in pairs if p["enamel_passed"] != p["verdict_passed"]],
        "level_means": [{"level": lvl, "enamel": level_mean("enamel_effs", lvl),
                         "verdict": level_mean("verdict_effs", lvl)} for lvl in range(n_levels)],
        "time_ratio_verdict_over_enamel_median": median(ratios), "n_time_pairs": len(ratios),
        "largest_eff_deltas": sorted(pairs, key=lambda p: -abs(p["verdict_eff"]
                                                               - p["enamel_eff"]))[:10],
        "missing_in_verdict": missing, "extra_in_verdict": extra, "duplicates": dup,
        "verdict_skipped": sorted(vskipped), "expected_skipped": expected_skipped,
        "pairs": pairs,
    }


def label(p) -> str:
    var = f" [{p['variant']}]" if p.get("variant") else ""
    return f"HumanEval/{p['problem']} #{p['generation_index']}{var}"


def print_comparison(c, erun, vrun) -> None:
    print("\nscores (problems with samples; ENAMEL keeps the k <= its smallest sample count)")
    print(f"  {'':<8}{'ENAMEL':>10}{'verdict':>10}{'delta':>10}")
    for m in c["metrics"]:
        print(f"  {m['metric']:<8}{fnum(m['enamel']):>10}{fnum(m['verdict']):>10}"
              f"{fdelta(m['delta']):>10}")
    d1 = c["delta_eff1"]
    ok = d1 is not None and abs(d1) <= TARGET_DELTA_EFF
    print(f"  |delta eff@1| = {fnum(None if d1 is None else abs(d1))} "
          f"(target <= {TARGET_DELTA_EFF}): {'met' if ok else 'NOT MET'}")
    print("  mean efficiency per level (all samples): "
          + "; ".join(f"L{lm['level']} ENAMEL {fnum(lm['enamel'], 3)} verdict "
                      f"{fnum(lm['verdict'], 3)}" for lm in c["level_means"]))

    rho = c["spearman_all"]
    print(f"\nSpearman of per-sample eff: {fnum(rho)} over {c['n_pairs']} samples "
          f"(target >= {TARGET_SPEARMAN}: "
          f"{'met' if rho is not None and rho >= TARGET_SPEARMAN else 'NOT MET'}); "
          f"{fnum(c['spearman_both_passed'])} over the {c['n_both_passed']} both pass")
    if c["time_ratio_verdict_over_enamel_median"] is not None:
        print(f"  per-test times, verdict / ENAMEL, median over {c['n_time_pairs']} tests: "
              f"{c['time_ratio_verdict_over_enamel_median']:.3f} (verdict: CPU time, "
              "ENAMEL: wall clock)")
    print("  largest |delta eff|:")
    for p in c["largest_eff_deltas"][:8]:
        print(f"    {label(p):<40} ENAMEL {p['enamel_eff']:.3f} "
              f"{[round(x, 3) for x in p['enamel_effs']]} | verdict {p['verdict_eff']:.3f} "
              f"{[round(x, 3) for x in (p['verdict_effs'] or [])]}")

    print(f"\npass agreement: {c['pass_agree']}/{c['n_pairs']}  "
          + ", ".join(f"{k} {v}" for k, v in c["pass_table"].items()))
    for p in c["pass_disagreements"]:
        print(f"  {label(p)}: ENAMEL {'pass' if p['enamel_passed'] else 'fail'}"
              f" {p['enamel_notes'][:2]} | verdict {'pass' if p['verdict_passed'] else 'fail'}"
              f" ({p['verdict_status']}) {p['verdict_detail']}")
    for what in ("missing_in_verdict", "extra_in_verdict", "duplicates"):
        if c[what]:
            print(f"  {what.replace('_', ' ')}: {len(c[what])}: {c[what][:10]}")
    if c["verdict_skipped"] != c["expected_skipped"]:
        print(f"  skipped rows: verdict {c['verdict_skipped'][:10]}, expected (excluded "
              f"problems' samples) {c['expected_skipped'][:10]}")
    elif c["expected_skipped"]:
        print(f"  skipped (excluded problems): {len(c['expected_skipped'])} samples, "
              "both sides")


def print_times(erun, vrun) -> dict:
    e_wo, e_w, v = erun["wall_without_generation_s"], erun["wall_with_generation_s"], vrun["wall_s"]
    tm = erun["report"]["timing"]
    print(f"\nwall time: ENAMEL {e_wo:.2f} s without test generation "
          f"(evaluate() {tm['evaluate_wall_s']:.2f} s, CPU {tm['evaluate_cpu_s']:.2f} s), "
          + (f"{e_w:.2f} s with it (generation {erun['generation_s']:.2f} s)"
             if e_w is not None else "generation time unknown")
          + f"; verdict {v:.2f} s")
    r_wo = e_wo / v if v > 0 else None
    r_w = (e_w / v) if (e_w is not None and v > 0) else None
    print(f"  ratio ENAMEL / verdict: {fnum(r_wo, 2)} without generation, "
          f"{fnum(r_w, 2)} with it (target >= {TARGET_RATIO}: "
          f"{'met' if r_wo is not None and r_wo >= TARGET_RATIO else 'NOT MET'} without)")
    return {"enamel_without_generation_s": e_wo, "enamel_with_generation_s": e_w,
            "enamel_generation_s": erun["generation_s"], "verdict_s": v,
            "ratio_without_generation": r_wo, "ratio_with_generation": r_w}


def enamel_pairs(erun) -> dict:
    return {(s["problem"], s["generation_index"]): (s["passed"], s["eff"])
            for s in erun["report"]["per_sample"]}


def verdict_pairs(vrun) -> dict:
    return {k: (verdict_passed(v), verdict_eff(v))
            for k, v in verdict_map(vrun["rows"])[0].items()}


def self_stability(name, quiet_pairs, loaded_pairs) -> dict:
    """quiet/loaded: {(problem, j): (passed, eff)}."""
    keys = [k for k in quiet_pairs if k in loaded_pairs]
    q = [quiet_pairs[k][1] for k in keys]
    l_ = [loaded_pairs[k][1] for k in keys]
    return {"tool": name, "n": len(keys), "spearman": spearman(q, l_) if len(keys) > 1 else None,
            "passed_quiet": sum(1 for k in keys if quiet_pairs[k][0]),
            "passed_loaded": sum(1 for k in keys if loaded_pairs[k][0]),
            "pass_changed": [list(k) for k in keys if quiet_pairs[k][0] != loaded_pairs[k][0]],
            "mean_abs_eff_change": (sum(abs(a - b) for a, b in zip(q, l_)) / len(keys)
                                    if keys else None)}


def run_pair(samples, workdir, a, verdict, tag):
    erun = run_enamel(samples, workdir, a, tag)
    vrun = None if a.official_only else run_verdict(verdict, samples, workdir, a, tag)
    return erun, vrun


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("samples", type=Path)
    ap.add_argument("--verdict", type=Path, default=None,
                    help="verdict binary (default $VERDICT_BIN, else "
                         "/work/target-dev/release/verdict, else target/release/verdict)")
    ap.add_argument("--data-dir", type=Path, default=None,
                    help="verdict's --data-dir (default $VERDICT_DATA_DIR, else ../shared/data)")
    ap.add_argument("-k", type=enamel_official.parse_ints, default=[1, 10, 100],
                    help="k of pass@k and eff@k, both sides (default 1,10,100)")
    ap.add_argument("--jobs", type=int, default=None, help="verdict's --jobs")
    ap.add_argument("--python", default=None, help="interpreter for ENAMEL (default its venv)")
    ap.add_argument("--enamel-repo", default=None, help="ENAMEL git dir or checkout")
    ap.add_argument("--dataset", type=Path, default=None, help="enamel.csv for ENAMEL")
    ap.add_argument("--tests-cache", type=Path, default=None, help="ENAMEL's tests pickle")
    ap.add_argument("--run-timeout", type=float, default=3600.0,
                    help="kill ENAMEL's process after this many seconds")
    ap.add_argument("--seed", type=int, default=DEFAULTS["seed"])
    ap.add_argument("--n-tests", type=enamel_official.parse_ints, default=DEFAULTS["n_tests"])
    ap.add_argument("--n-reps", type=int, default=DEFAULTS["n_reps"])
    ap.add_argument("--hardness", type=enamel_official.parse_floats,
                    default=DEFAULTS["hardness"])
    ap.add_argument("--alpha", type=float, default=DEFAULTS["alpha"],
                    help="timeout factor (ENAMEL's timeout_factor)")
    ap.add_argument("--tolerance-ms", type=float, default=DEFAULTS["tolerance_ms"])
    ap.add_argument("--verdict-arg", action="append", default=[],
                    help="one more argument for verdict eval (repeatable)")
    ap.add_argument("--stability", action="store_true",
                    help="run both again under 2 x cpu_count busy loops and compare")
    ap.add_argument("--load-procs", type=int, default=None,
                    help="busy-loop processes for --stability (default 2 x cpu_count)")
    ap.add_argument("--enamel-repeat", action="store_true",
                    help="run ENAMEL a second time, quietly, to show its own repeatability")
    ap.add_argument("--official-only", action="store_true", help="run only ENAMEL")
    ap.add_argument("--record", type=Path, default=None, help="write everything as JSON")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    a = ap.parse_args(argv)
    enamel_official.interrupt_on_term()

    samples = a.samples.resolve()
    if a.data_dir is None:
        a.data_dir = default_data_dir()
    verdict = (a.verdict or default_verdict()).resolve()
    if not a.official_only:
        if not verdict.exists():
            raise SystemExit(f"no verdict binary at {verdict} (give --verdict)")
        if not verdict_has_enamel(verdict):
            raise SystemExit(
                f"{verdict} has no ENAMEL benchmark: `verdict eval --help` does not list "
                "`enamel` among the --benchmark values. Build a verdict that has "
                "`verdict eval --benchmark enamel` (cargo build --release) and pass it with "
                "--verdict, or use --official-only to run ENAMEL's side alone.")
    if len(a.n_tests) != len(a.hardness):
        raise SystemExit("--n-tests and --hardness need one entry per level")
    vpath = variants_path(samples)
    variants = json.loads(vpath.read_text()) if vpath.exists() else None
    n_samples = sum(len(v) for v in enamel_official.load_samples(samples).values())

    workdir = Path(tempfile.mkdtemp(prefix="compare-enamel-",
                                    dir="/work/scratch/enamel"
                                    if Path("/work/scratch/enamel").is_dir() else None))
    record = OrderedDict(samples=str(samples), variants=str(vpath) if variants else None,
                         n_samples=n_samples, verdict=str(verdict),
                         params={"seed": a.seed, "n_tests": a.n_tests, "n_reps": a.n_reps,
                                 "hardness": a.hardness, "alpha": a.alpha,
                                 "tolerance_ms": a.tolerance_ms, "k": a.k},
                         cpu_count=os.cpu_count(), started=time.strftime("%Y-%m-%d %H:%M:%S"))
    ok = True
    try:
        erun, vrun = run_pair(samples, workdir, a, verdict, "quiet")
        erep = erun["report"]
        print(f"samples: {samples} ({n_samples} samples, {len(erep['subset'])} ENAMEL problems"
              + (f", {len(erep['skipped'])} skipped" if erep["skipped"] else "")
              + (f"; variants from {vpath.name}" if variants else "") + ")")
        print(f"ENAMEL:  {erep['repository']}@{erep['commit'][:7]}, {erep['python']} "
              f"(numpy {erep['numpy']}, pandas {erep['pandas']}), tests "
              f"{erep['timing']['tests']['cache']}")
        print(f"         {erun['script_wall_s']:.2f} s, load average before "
              f"{erun['loadavg_before'][0]:.2f}")
        record["enamel"] = {k: v for k, v in erun.items() if k != "report"}
        record["enamel"]["metrics"] = erep["metrics"]
        record["enamel"]["timing"] = erep["timing"]
        record["enamel"]["per_problem"] = erep["per_problem"]
        if vrun is None:
            print("verdict: not run (--official-only)")
            print("\nENAMEL metrics: " + ", ".join(f"{k} {v:.4f}" for k, v in
                                                    erep["metrics"].items()))
            record["enamel"]["per_sample"] = erep["per_sample"]
            tm = erep["timing"]
            print(f"wall time: ENAMEL {erun['wall_without_generation_s']:.2f} s without test "
                  f"generation, generation {fnum(erun['generation_s'], 2)} s "
                  f"(evaluate() {tm['evaluate_wall_s']:.2f} s, CPU {tm['evaluate_cpu_s']:.2f} s)")
            ok = False
        else:
            print(f"verdict: {' '.join(vrun['cmd'])}")
            print(f"         {vrun['wall_s']:.2f} s, exit {vrun['exit']}, load average before "
                  f"{vrun['loadavg_before'][0]:.2f}")
            c = compare(erep, vrun, variants)
            print_comparison(c, erun, vrun)
            times = print_times(erun, vrun)
            record["verdict"] = {k: v for k, v in vrun.items() if k != "rows"}
            record["comparison"] = c
            record["times"] = times
            d1, rho = c["delta_eff1"], c["spearman_all"]
            targets = {
                "delta_eff1": d1 is not None and abs(d1) <= TARGET_DELTA_EFF,
                "spearman": rho is not None and rho >= TARGET_SPEARMAN,
                "ratio_without_generation": (times["ratio_without_generation"] or 0)
                >= TARGET_RATIO,
            }
            record["targets"] = targets
            ok = all(targets.values()) and vrun["exit"] == 0

        if a.enamel_repeat:
            print("\n--- ENAMEL again, same conditions (its own repeatability)")
            erun_b = run_enamel(samples, workdir, a, "repeat")
            rs = self_stability("ENAMEL", enamel_pairs(erun), enamel_pairs(erun_b))
            e1 = erun["report"]["metrics"].get("eff@1")
            e2 = erun_b["report"]["metrics"].get("eff@1")
            rs.update({"eff1_first": e1, "eff1_second": e2,
                       "delta": (e2 - e1) if e1 is not None and e2 is not None else None,
                       "metrics_second": erun_b["report"]["metrics"],
                       "per_sample_second": erun_b["report"]["per_sample"]})
            print(f"  eff@1 {fnum(e1)} then {fnum(e2)} ({fdelta(rs['delta'])}); Spearman of "
                  f"per-sample eff between the two ENAMEL runs {fnum(rs['spearman'], 3)}; "
                  f"mean |delta eff| {fnum(rs['mean_abs_eff_change'], 3)}; passed "
                  f"{rs['passed_quiet']} then {rs['passed_loaded']}")
            if vrun is not None:
                c_b = compare(erun_b["report"], vrun, variants)
                rs["verdict_vs_second"] = {"delta_eff1": c_b["delta_eff1"],
                                           "spearman_all": c_b["spearman_all"],
                                           "pass_agree": c_b["pass_agree"]}
                print(f"  verdict vs the second ENAMEL run: delta eff@1 "
                      f"{fdelta(c_b['delta_eff1'])}, Spearman {fnum(c_b['spearman_all'], 3)}, "
                      f"pass agreement {c_b['pass_agree']}/{c_b['n_pairs']}")
            record["enamel_repeat"] = rs

        if a.stability:
            n = a.load_procs or 2 * (os.cpu_count() or 1)
            print(f"\n--- stability: both again with {n} busy-loop processes running")
            with BusyLoad(n):
                erun2, vrun2 = run_pair(samples, workdir, a, verdict, "loaded")
            stab = {"load_procs": n, "tools": []}
            sides = [("ENAMEL", erun, erun2, enamel_pairs,
                      lambda r: r["report"]["metrics"].get("eff@1"))]
            if vrun is not None:
                sides.append(("verdict", vrun, vrun2, verdict_pairs,
                              lambda r: (r["summary"].get("eff_at_k") or {}).get("eff@1")))
            print(f"  {'':<8}{'eff@1 quiet':>12}{'loaded':>10}{'delta':>10}{'Spearman':>10}"
                  f"{'passed quiet/loaded':>22}{'wall quiet/loaded s':>22}")
            print(f"  (over the {n_samples} samples less skipped ones; ENAMEL's wall time "
                  "without test generation)")
            for name, q, l_, pairs_of, eff1 in sides:
                s = self_stability(name, pairs_of(q), pairs_of(l_))
                e1q, e1l = eff1(q), eff1(l_)
                s.update({"eff1_quiet": e1q, "eff1_loaded": e1l,
                          "delta": (e1l - e1q) if e1q is not None and e1l is not None else None,
                          "wall_quiet_s": (q["wall_without_generation_s"] if name == "ENAMEL"
                                           else q["wall_s"]),
                          "wall_loaded_s": (l_["wall_without_generation_s"] if name == "ENAMEL"
                                            else l_["wall_s"])})
                stab["tools"].append(s)
                print(f"  {name:<8}{fnum(e1q):>12}{fnum(e1l):>10}"
                      f"{fdelta(s['delta']):>10}"
                      f"{fnum(s['spearman'], 3):>10}"
                      f"{str(s['passed_quiet']) + '/' + str(s['passed_loaded']):>22}"
                      f"{s['wall_quiet_s']:>11.1f}/{s['wall_loaded_s']:<10.1f}")
                if s["pass_changed"]:
                    print(f"    {name}: pass changed under load: {s['pass_changed'][:10]}")
            if vrun is not None:
                vs = stab["tools"][1]
                good = (vs["delta"] is not None and abs(vs["delta"]) <= TARGET_DELTA_EFF
                        and vs["spearman"] is not None and vs["spearman"] >= TARGET_SPEARMAN)
                print(f"  verdict under load: |delta eff@1| <= {TARGET_DELTA_EFF} and Spearman "
                      f">= {TARGET_SPEARMAN}: {'met' if good else 'NOT MET'}")
                stab["verdict_targets_met"] = good
                ok = ok and good
                c2 = compare(erun2["report"], vrun2, variants)
                stab["loaded_comparison"] = {k: v for k, v in c2.items() if k != "pairs"}
                print(f"  loaded run, ENAMEL vs verdict: delta eff@1 {fnum(c2['delta_eff1'])}, "
                      f"Spearman {fnum(c2['spearman_all'], 3)}, pass agreement "
                      f"{c2['pass_agree']}/{c2['n_pairs']}")
                stab["verdict_loaded"] = {k: v for k, v in vrun2.items() if k != "rows"}
            stab["enamel_loaded"] = {k: v for k, v in erun2.items() if k != "report"}
            stab["enamel_loaded"]["metrics"] = erun2["report"]["metrics"]
            stab["enamel_loaded"]["per_sample"] = erun2["report"]["per_sample"]
            record["stability"] = stab
        if a.official_only:
            print("\nRESULT: ENAMEL only (--official-only); nothing compared")
        else:
            unmet = [k for k, v in (record.get("targets") or {}).items() if not v]
            if vrun["exit"] != 0:
                unmet.append(f"verdict exit {vrun['exit']}")
            if a.stability and not record["stability"].get("verdict_targets_met"):
                unmet.append("verdict under load")
            print("\nRESULT: " + ("all targets met" if ok else
                                  "targets NOT met: " + ", ".join(unmet)))
    finally:
        record["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
        if a.record:
            a.record.parent.mkdir(parents=True, exist_ok=True)
            a.record.write_text(json.dumps(record, indent=1, default=str) + "\n")
            print(f"record: {a.record}")
        if a.keep:
            print(f"work dir kept: {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt as e:
        print(f"\ninterrupted ({e or 'Ctrl-C'}); child processes killed", file=sys.stderr)
        sys.exit(130)
