#!/usr/bin/python3
"""Judge one CRUXEval generations file with the official evaluator and with `verdict eval`,
and compare.

    compare_cruxeval.py GENERATIONS --mode output|input [--rule new|old] [--verdict BIN]
                        [--data-dir DIR] [--jobs N] [--verdict-arg ARG]... [--keep]

GENERATIONS is the official format, `{"sample_<i>": [generation, ...]}` (see
cruxeval_official.py; cruxeval_samples.py writes such files, with a `_labels.json` beside
them whose intended categories are shown next to disagreements).

Official side: cruxeval_official.py, i.e. facebookresearch/cruxeval's own
evaluate_generations at the mirror's HEAD (--rule old: the commit before PR #2's skip-rule
change). Verdict side: `verdict eval --benchmark cruxeval-o|cruxeval-i --samples FILE
--out OUT -k 1,5 --json` (binary $VERDICT_BIN or target/release/verdict), whose result rows
carry `task_id` ("sample_<i>"), `generation_index`, `passed` and `status`.

Per generation, the official outcome is what the official list says for it: true, false,
or, for a generation the skip rule left out of n (the new rule, when another generation of
the sample passed), "skipped" (not passed; verdict must not pass it). Printed: the number of
generations, the per-generation agreement of `passed`, every disagreement (sample, index,
label, generation text, official vs verdict status), the statuses verdict gave the skipped
generations, pass@1 and pass@5 of both (official: mean x 100, unrounded; verdict's
`pass_at_k`, a fraction, compared after x 100 (a value above 1 is taken as a percentage),
exactly unless --tolerance), and the wall times with the ratio
official_time / verdict_time. Exit 0 only if every generation and both pass@k agree; 1 if
anything differs; 2 if verdict does not know the benchmark (after printing the official
side).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cruxeval_official  # noqa: E402

REPO_ROOT = cruxeval_official.REPO_ROOT
BENCHMARK = {"output": "cruxeval-o", "input": "cruxeval-i"}


def default_verdict() -> Path:
    return Path(os.environ.get("VERDICT_BIN", REPO_ROOT / "target" / "release" / "verdict"))


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def parse_json_stdout(text: str):
    start = text.find("{")
    if start < 0:
        raise ValueError("no JSON object on verdict's stdout")
    obj, _ = json.JSONDecoder().raw_decode(text[start:])
    return obj


def verdict_knows(verdict: Path, benchmark: str):
    """(True, '') if `verdict eval --help` lists the benchmark, else (False, why)."""
    r = subprocess.run([str(verdict), "eval", "--help"], capture_output=True, text=True)
    text = r.stdout + r.stderr
    return (benchmark in text), text


def default_data_dir() -> Path:
    env = os.environ.get("VERDICT_DATA_DIR")
    return Path(env) if env else (REPO_ROOT / ".." / "shared" / "data").resolve()


def run_verdict(verdict: Path, benchmark: str, gens: Path, workdir: Path, data_dir, jobs,
                extra=()):
    d = workdir / "verdict"
    d.mkdir(parents=True, exist_ok=True)
    copy = d / gens.name
    shutil.copyfile(gens, copy)
    out = d / "results.jsonl"
    cmd = [str(verdict), "eval", "--benchmark", benchmark, "--samples", str(copy),
           "--out", str(out), "-k", "1,5", "--json", "--format", "cruxeval"]
    if data_dir:
        cmd += ["--data-dir", str(data_dir)]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    cmd += list(extra)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    (d / "stderr.txt").write_text(r.stderr)
    scored_path = d / (copy.name[:-len(".json")] + "_scored.json"
                       if copy.name.endswith(".json") else copy.name + "_scored.json")
    scored = json.loads(scored_path.read_text()) if scored_path.exists() else None
    return {"cmd": cmd, "wall_s": wall, "exit": r.returncode, "stdout": r.stdout,
            "stderr": r.stderr, "out": out, "scored": scored}


def bench_summary(summary: dict, benchmark: str) -> dict:
    for b in summary.get("benchmarks", []):
        if b.get("benchmark") == benchmark:
            return b
    bs = summary.get("benchmarks") or [{}]
    return bs[0]


def official_outcome(v):
    return "skipped" if v is None else ("passed" if v else "failed")


def print_official(off, labels):
    print(f"official:  {off['repository']}@{off['commit'][:12]} ({off['rule']} skip rule), "
          f"mode {off['mode']}, python {off['python']}, numpy {off['numpy']}, "
          f"{off['workers']} workers")
    print(f"           {off['samples']} samples, {off['generations']} generations"
          + ("" if off["full_dataset"] else " (a subset: scored against those samples only)"))
    print(f"           {off['elapsed_s']:.2f} s in evaluate_generations, {off['wall_s']:.2f} s in all")
    per = off["per_sample"]
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    matched = 0
    for sid, s in per.items():
        matched += len(s["skipped"])
        for v in s["by_generation"]:
            counts[official_outcome(v)] += 1
    print(f"           per generation: {counts['passed']} passed, {counts['failed']} failed "
          f"(of which skip-rule matches scored False: {matched - counts['skipped']}), "
          f"{counts['skipped']} skipped and left out of n")
    short = sum(1 for s in per.values() if len(s["by_generation"]) < 5)
    print(f"           samples with fewer than 5 generations: {short} "
          f"(their official pass@5 is 1.0 whenever n - c < 5)")
    print(f"           pass@1 {off['pass_at_1']!r}  pass@5 {off['pass_at_5']!r}  ({off['printed']})")
    if labels:
        by_label = {}
        for sid, s in per.items():
            for lab, v in zip(labels.get(sid, []), s["by_generation"]):
                by_label.setdefault(lab, {"passed": 0, "failed": 0, "skipped": 0})
                by_label[lab][official_outcome(v)] += 1
        print("           by intended category: " + "; ".join(
            f"{lab} {c['passed']}/{c['failed']}/{c['skipped']}" for lab, c in sorted(by_label.items()))
            + "  (passed/failed/skipped)")


def same_number(o, v, tol):
    """(equal?, how): v is verdict's value, o the official one (x 100)."""
    if v is None:
        return False, "missing"
    scaled = v * 100 if v <= 1.0 else v   # verdict's pass_at_k are fractions
    if scaled == o:
        return True, "equal" + (" (verdict's fraction x 100)" if scaled != v else "")
    if tol and abs(scaled - o) <= tol * max(1.0, abs(o)):
        return True, f"equal within {tol:g} ({scaled!r})"
    return False, f"DIFFERENT ({scaled!r})"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("generations", type=Path)
    ap.add_argument("--mode", required=True, choices=["output", "input"])
    ap.add_argument("--rule", choices=["new", "old"], default="new")
    ap.add_argument("--verdict", type=Path, default=None)
    ap.add_argument("--data-dir", type=Path, default=None,
                    help="passed to verdict eval (default $VERDICT_DATA_DIR or ../shared/data, "
                         "which holds cruxeval/cruxeval.jsonl)")
    ap.add_argument("--verdict-arg", action="append", default=[],
                    help="one more argument for verdict eval (repeatable)")
    ap.add_argument("--jobs", type=int, default=None, help="passed to verdict eval")
    ap.add_argument("--labels", type=Path, default=None,
                    help="intended categories (default: GENERATIONS with _labels.json, if present)")
    ap.add_argument("--tolerance", type=float, default=0.0,
                    help="relative tolerance for pass@k (default 0: exact)")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args(argv)

    gens_path = a.generations.resolve()
    gens = json.loads(gens_path.read_text())
    labels_path = a.labels or gens_path.with_name(gens_path.stem + "_labels.json")
    labels = json.loads(labels_path.read_text()) if labels_path.exists() else {}
    verdict = (a.verdict or default_verdict()).resolve()
    benchmark = BENCHMARK[a.mode]
    workdir = Path(tempfile.mkdtemp(prefix="verdict-cruxeval-"))
    try:
        off = cruxeval_official.run(gens_path, a.mode, workdir / "official.json", a.rule,
                                    log_file=workdir / "official.log")
        print(f"generations: {gens_path}")
        print_official(off, labels)
        if not verdict.exists():
            print(f"verdict:   no binary at {verdict} (cargo build --release -p verdict)")
            return 2
        knows, _ = verdict_knows(verdict, benchmark)
        if not knows:
            print(f"verdict:   {verdict} does not know --benchmark {benchmark} yet "
                  "(not in `verdict eval --help`); nothing to compare")
            return 2
        ver = run_verdict(verdict, benchmark, gens_path, workdir,
                          (a.data_dir or default_data_dir()).resolve(), a.jobs, a.verdict_arg)
        print(f"verdict:   {' '.join(ver['cmd'])}")
        print(f"           {ver['wall_s']:.2f} s, exit {ver['exit']}")
        if ver["exit"] != 0 and not ver["out"].exists():
            err = ver["stderr"].strip()
            if "invalid value" in err and benchmark in err:
                print(f"verdict does not know --benchmark {benchmark}: {err[-500:]}")
                return 2
            print(f"verdict failed:\n{err[-3000:]}")
            return 1
        rows = read_jsonl(ver["out"])
        summary = bench_summary(parse_json_stdout(ver["stdout"]), benchmark)

        vmap, dup = {}, []
        for r in rows:
            key = (r.get("task_id"), r.get("generation_index"))
            if key in vmap:
                dup.append(key)
            vmap[key] = r
        dis, skipped_status, total, agree = [], {}, 0, 0
        for sid, s in off["per_sample"].items():
            for j, v in enumerate(s["by_generation"]):
                total += 1
                oc = official_outcome(v)
                r = vmap.pop((sid, j), None)
                labs = labels.get(sid, [])
                lab = labs[j] if j < len(labs) else None
                if r is None:
                    dis.append((sid, j, lab, gens[sid][j], oc, "no result row"))
                    continue
                if v is None:
                    skipped_status[r.get("status")] = skipped_status.get(r.get("status"), 0) + 1
                if bool(r.get("passed")) == (v is True):
                    agree += 1
                else:
                    dis.append((sid, j, lab, gens[sid][j], oc,
                                f"passed={r.get('passed')} status={r.get('status')}"))
        for key in vmap:
            dis.append((key[0], key[1], None, "", "no such generation", "extra result row"))
        for key in dup:
            dis.append((key[0], key[1], None, "", "-", "duplicate result row"))

        print(f"per-generation agreement (passed): {agree}/{total} "
              f"({100.0 * agree / max(total, 1):.2f}%)")
        if skipped_status:
            print("  verdict's status for the generations the official code left out of n: "
                  + ", ".join(f"{k} {c}" for k, c in sorted(skipped_status.items(), key=str)))
        if dis:
            print(f"disagreements: {len(dis)}")
            for sid, j, lab, g, oc, vc in dis:
                print(f"  {sid:<11} #{j:<2} {str(lab or '-'):<13} official {oc:<8} | verdict {vc}"
                      f"   {g[:100]!r}")
        else:
            print("disagreements: none")

        pk = summary.get("pass_at_k") or {}
        scored = ver.get("scored") or {}
        print("pass@k (official scorer's file against verdict's --format cruxeval file; "
              "verdict's summary fraction beside):")
        print(f"  {'':<8}{'official':<26}{'verdict (file)':<26}{'':<12}{'verdict (summary)'}")
        pk_ok = True
        for k, field, o in (("pass@1", "pass_at_1", off["pass_at_1"]),
                            ("pass@5", "pass_at_5", off["pass_at_5"])):
            v = scored.get(field)
            ok = v is not None and (v == o or (a.tolerance and abs(v - o) <= a.tolerance))
            pk_ok &= bool(ok)
            print(f"  {k:<8}{o!r:<26}{('-' if v is None else repr(v)):<26}"
                  f"{'equal' if ok else 'DIFFERENT':<12}{pk.get(k)!r}")
        if scored:
            official_lists = {sid: v["scored"] for sid, v in off["per_sample"].items()}
            lists_ok = scored.get("raw_scored_generations") == official_lists
            print("  raw_scored_generations: " + ("equal" if lists_ok else "DIFFERENT"))
            pk_ok &= lists_ok
        if summary.get("skipped_k"):
            print(f"  verdict left out: {summary['skipped_k']} "
                  "(the official code scores pass@5 for every sample, 1.0 when n - c < 5)")
        ratio = off["wall_s"] / ver["wall_s"] if ver["wall_s"] > 0 else float("inf")
        ratio_eval = off["elapsed_s"] / ver["wall_s"] if ver["wall_s"] > 0 else float("inf")
        print(f"time: official {off['wall_s']:.2f} s ({off['elapsed_s']:.2f} s in "
              f"evaluate_generations), verdict {ver['wall_s']:.2f} s; official_time / "
              f"verdict_time = {ratio:.2f} ({ratio_eval:.2f} by evaluate_generations alone)")
        ok = not dis and pk_ok and ver["exit"] == 0
        if ver["exit"] != 0:
            print(f"verdict exited {ver['exit']}")
        print("RESULT: " + ("everything agrees" if ok else "DIFFERENCES FOUND"))
        return 0 if ok else 1
    finally:
        if a.keep:
            print(f"work dir kept: {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
