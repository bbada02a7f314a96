#!/usr/bin/python3
"""Judge one samples file with the official CodeEval-Pro / EvoEval evaluator and with
`verdict eval`, and compare.

    compare_pro_evoeval.py SAMPLES --benchmark NAME [--data-dir DIR] [--verdict BIN]
                           [--official-jobs N] [--keep] [--json-out FILE]

NAME: humaneval-pro, mbpp-pro, bigcodebench-lite-pro (CodeEval-Pro @ 36f292ea eval/harness.py;
HE/MBPP Pro through HF evaluate v0.4.3 code_eval), evoeval-difficult, evoeval-creative,
evoeval-subtle, evoeval-combine, evoeval-tool_use, evoeval-verbose, evoeval-concise (PyPI
evoeval 0.1.0 + evalplus 0.3.1); see codeeval_pro_official.py and evoeval_official.py.
verdict: $VERDICT_BIN or target/release/verdict, run as
`verdict eval --benchmark NAME --samples FILE --json --out OUT` (result rows in input order
with `task_id`, `passed`, `status`).

Compared per sample: `passed` (official: code_eval's "passed"; BCB: exit status 0;
EvoEval: base_status == "pass", the status its headline pass@k counts), and the outcome
class (passed / failed / timed_out: code_eval "timed out", BCB "Timeout", EvoEval
"timeout"; on verdict's side read from its `result` string / base_status when the row has
one, else from its `status`), and, when verdict's row has them, EvoEval's base_status and plus_status
verbatim. Prints the agreement, every disagreement, both scores side by side and
official_time / verdict_time. Exit 0 only if everything agrees; 1 if something differs;
2 if verdict does not know the benchmark (after printing the official side).
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
import official  # noqa: E402
import codeeval_pro_official as pro  # noqa: E402
import evoeval_official as evo  # noqa: E402

PRO = list(pro.KINDS)
EVO = [f"evoeval-{s}" for s in evo.SETS]


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def default_verdict() -> Path:
    return Path(os.environ.get("VERDICT_BIN", official.REPO_ROOT / "target" / "release" / "verdict"))


def official_class(benchmark, r) -> str:
    if benchmark in EVO:
        return {"pass": "passed", "timeout": "timed_out"}.get(r["base_status"], "failed")
    if benchmark == "bigcodebench-lite-pro":
        if r["passed"]:
            return "passed"
        return "timed_out" if r["result"] == "Timeout" else "failed"
    if r["passed"]:
        return "passed"
    return "timed_out" if r["result"] == "timed out" else "failed"


def official_passed(benchmark, r) -> bool:
    return r["base_status"] == "pass" if benchmark in EVO else bool(r["passed"])


def verdict_class(benchmark, v) -> str:
    """The outcome class of verdict's row: from the official-style field verdict writes
    when it has one (EvoEval base_status; code_eval's / BCB's `result` string), else from
    verdict's own `status`."""
    if v.get("passed"):
        return "passed"
    if benchmark in EVO and v.get("base_status"):
        return {"pass": "passed", "timeout": "timed_out"}.get(v["base_status"], "failed")
    if benchmark in PRO and isinstance(v.get("result"), str):
        return "timed_out" if v["result"] in ("timed out", "Timeout") else "failed"
    st = str(v.get("status", ""))
    return "timed_out" if st in ("timed_out", "timeout", "time_limit") else "failed"


def run_official(benchmark, samples: Path, data_dir: Path, workdir: Path, jobs):
    if benchmark in PRO:
        return pro.evaluate_samples(benchmark, samples, data_dir, workdir / "official")
    return evo.evaluate_samples(benchmark.split("-", 1)[1], samples, data_dir,
                                workdir / "official", parallel=jobs)


def parse_json_stdout(text):
    start = text.find("{")
    if start < 0:
        return {}
    try:
        obj, _ = json.JSONDecoder().raw_decode(text[start:])
        return obj
    except ValueError:
        return {}


def run_verdict(verdict: Path, benchmark, samples: Path, data_dir, workdir: Path):
    d = workdir / "verdict"
    d.mkdir(parents=True, exist_ok=True)
    copy = d / "samples.jsonl"
    shutil.copyfile(samples, copy)
    out = d / "results.jsonl"
    cmd = [str(verdict), "eval", "--benchmark", benchmark, "--samples", str(copy), "--json",
           "--out", str(out)]
    if data_dir:
        cmd += ["--data-dir", str(data_dir)]
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    (d / "stderr.txt").write_text(r.stderr)
    return {"cmd": cmd, "wall_s": wall, "exit": r.returncode, "stderr": r.stderr,
            "summary": parse_json_stdout(r.stdout),
            "results": read_jsonl(out) if out.exists() else None}


def unknown_benchmark(ver, benchmark) -> bool:
    if ver["results"] is not None:
        return False
    err = ver["stderr"].lower()
    return "unknown benchmark" in err or (f"'{benchmark}'" in err and "invalid value" in err)


def official_scores(benchmark, off):
    if benchmark in EVO:
        rows = [("base", off["pass_at_k"])]
        if off.get("plus_pass_at_k"):
            rows.append(("plus", off["plus_pass_at_k"]))
        return rows
    return [("", off["pass_at_k"])]


def verdict_scores(benchmark, summary):
    bs = summary.get("benchmarks") or [summary]
    b = next((x for x in bs if x.get("benchmark") == benchmark), bs[0] if bs else {})
    if benchmark in EVO:
        out = {"base": b.get("base_pass_at_k") or b.get("pass_at_k") or {}}
        if b.get("plus_pass_at_k"):
            out["plus"] = b["plus_pass_at_k"]
        return out
    if benchmark == "bigcodebench-lite-pro":
        pk = dict(b.get("pass_at_k") or {})
        if "score" not in pk and "pass@1" in pk:
            pk["score"] = pk["pass@1"]
        return {"": pk}
    return {"": b.get("pass_at_k") or {}}


def close(a, b):
    return a is not None and b is not None and abs(float(a) - float(b)) <= 1e-9


def print_official(benchmark, rows, off):
    n = len(rows)
    p = sum(official_passed(benchmark, r) for r in off["results"])
    print(f"benchmark: {benchmark}   samples: {n} ({len({json.dumps(r['task_id']) for r in rows})} tasks)")
    print(f"official:  {off['evaluator']}: {p}/{n} passed; {off['elapsed_s']:.2f} s in its "
          f"evaluate call, {off['wall_s']:.2f} s in all")
    for label, pk in official_scores(benchmark, off):
        print(f"  official {label + ' ' if label else ''}scores: {pk}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("samples", type=Path)
    ap.add_argument("--benchmark", required=True, choices=PRO + EVO)
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--verdict", type=Path, default=None)
    ap.add_argument("--official-jobs", type=int, default=None, help="EvoEval --parallel")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--json-out", type=Path, default=None,
                    help="also write both sides' per-sample verdicts here")
    args = ap.parse_args(argv)
    data_dir = (args.data_dir or official.default_data_dir()).resolve()
    verdict = (args.verdict or default_verdict()).resolve()
    samples = args.samples.resolve()
    rows = read_jsonl(samples)
    workdir = Path(tempfile.mkdtemp(prefix="verdict-compare-pro-"))
    try:
        off = run_official(args.benchmark, samples, data_dir, workdir, args.official_jobs)
        print_official(args.benchmark, rows, off)
        if not verdict.exists():
            print(f"verdict: no binary at {verdict} (cargo build --release -p verdict)")
            return 2
        ver = run_verdict(verdict, args.benchmark, samples, data_dir, workdir)
        print(f"verdict:   {' '.join(ver['cmd'])}")
        print(f"           {ver['wall_s']:.2f} s, exit {ver['exit']}")
        if unknown_benchmark(ver, args.benchmark):
            print(f"verdict does not know the benchmark `{args.benchmark}` yet: "
                  + ver["stderr"].strip().splitlines()[-1][:300])
            return 2
        if ver["results"] is None:
            print("verdict wrote no results:\n" + ver["stderr"][-3000:])
            return 1
        dis = []
        n = len(rows)
        for i, (s, o) in enumerate(zip(rows, off["results"])):
            v = ver["results"][i] if i < len(ver["results"]) else {}
            why = []
            if str(v.get("task_id")) != str(s["task_id"]):
                why.append(f"task_id {v.get('task_id')!r}")
            op, vp = official_passed(args.benchmark, o), bool(v.get("passed"))
            if op != vp:
                why.append(f"passed {op} vs {vp}")
            oc, vc = official_class(args.benchmark, o), verdict_class(args.benchmark, v)
            if oc != vc:
                why.append(f"outcome {oc} vs {vc}")
            if args.benchmark in EVO and "base_status" in v:
                for f in ("base_status", "plus_status"):
                    if o[f] != v.get(f):
                        why.append(f"{f} {o[f]!r} vs {v.get(f)!r}")
            if why:
                off_text = (o.get("result") if args.benchmark in PRO
                            else f"base={o['base_status']} plus={o['plus_status']}")
                dis.append((i, s["task_id"], s.get("variant"), "; ".join(why), str(off_text)[:90],
                            f"{v.get('status')} {str(v.get('result', ''))[:90]!r}"))
        if len(ver["results"]) != n:
            dis.append((-1, "-", "-", f"{n} samples vs {len(ver['results'])} result rows", "", ""))
        agree = n - len([d for d in dis if d[0] >= 0])
        print(f"per-sample agreement (passed and outcome class): {agree}/{n} "
              f"({100.0 * agree / max(n, 1):.2f}%)")
        if dis:
            print(f"disagreements: {len(dis)}")
            for i, tid, variant, why, o, v in dis:
                print(f"  line {i + 1} {tid} [{variant}]: {why}\n      official: {o}\n      verdict:  {v}")
        else:
            print("disagreements: none")
        vs = verdict_scores(args.benchmark, ver["summary"])
        print("scores:")
        print(f"  {'':<16}{'official':<24}{'verdict':<24}")
        scores_ok = True
        for label, opk in official_scores(args.benchmark, off):
            vpk = vs.get(label, {})
            for k, ov in opk.items():
                vv = vpk.get(k)
                same = close(ov, vv)
                scores_ok &= same
                print(f"  {(label + ' ' + k).strip():<16}{ov!r:<24}{vv!r:<24}"
                      f"{'equal' if same else 'DIFFERENT'}")
        ratio = off["wall_s"] / ver["wall_s"] if ver["wall_s"] else float("inf")
        inner = off["elapsed_s"] / ver["wall_s"] if ver["wall_s"] else float("inf")
        print(f"time: official {off['wall_s']:.2f} s (evaluate call {off['elapsed_s']:.2f} s), "
              f"verdict {ver['wall_s']:.2f} s; official_time / verdict_time = {ratio:.2f} "
              f"({inner:.2f} on the evaluate call alone)")
        if args.json_out:
            args.json_out.write_text(json.dumps({"official": off["results"],
                                                 "verdict": ver["results"],
                                                 "disagreements": dis}, indent=1))
        ok = not dis and scores_ok
        print("RESULT: " + ("everything agrees" if ok else "DIFFERENCES FOUND"))
        return 0 if ok else 1
    finally:
        if args.keep:
            print(f"work dir kept: {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
