#!/usr/bin/python3
"""BigCodeBench's official evaluator and verdict on the same samples, in one run.

    compare_bigcodebench.py SAMPLES [--data FILE] [--python ENV/bin/python3]
                            [--nltk-data DIR] [--verdict BIN] [--gt fresh|cache]
                            [--report FILE]

SAMPLES: BigCodeBench samples JSONL ({"task_id", "solution"|"completion"} per line), e.g.
bench/bigcodebench_samples.py's canonical, wrong and hostile files. DATA (default: the Hard
file in ../shared/data) holds the tasks.

1. The official evaluator: bench/bigcodebench_official.py runs `bigcodebench.evaluate`
   (PyPI bigcodebench 0.2.5, --execution local, its default parallelism) with --python, by
   default the interpreter of verdict's own `bigcodebench` environment, so both sides run
   the same packages. Ground truth first, as the official evaluate does.
2. verdict: `verdict eval --benchmark bigcodebench-hard --format bigcodebench`, which also
   runs the ground truth first, in a fresh cache.

Both are timed by the wall clock around the whole command. With --gt fresh (the default)
both compute the ground truth; with --gt cache both reuse what an earlier run left.

Printed: per-sample agreement of the official status (pass/fail/timeout) with
details.bigcodebench_status in verdict's rows, every disagreement with both sides' details,
both pass@k, both ground-truth pass rates and failing tasks, both wall times and the ratio
official / verdict. --report keeps all of it as JSON.
"""

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_DATA = os.path.join(ROOT, "..", "shared", "data", "bigcodebench", "bigcodebench_hard.json")


def verdict_env_python(verdict):
    """The interpreter of verdict's built `bigcodebench` environment."""
    listing = subprocess.run([verdict, "env", "list"], capture_output=True, text=True, check=True)
    for line in listing.stdout.splitlines():
        fields = line.split()
        if fields and fields[0] == "bigcodebench":
            return os.path.join(fields[-1], "bin", "python3")
    sys.exit("verdict's bigcodebench environment is not built: verdict env build bigcodebench")


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def run_official(args, work):
    report = os.path.join(work, "official.json")
    command = [sys.executable, os.path.join(HERE, "bigcodebench_official.py"), args.samples,
               args.data, "--python", args.python, "--report", report, "--gt", args.gt]
    if args.nltk_data:
        command += ["--nltk-data", args.nltk_data]
    started = time.monotonic()
    subprocess.run(command, check=True)
    wall = time.monotonic() - started
    with open(report) as f:
        return json.load(f), wall


def run_verdict(args, work):
    samples = os.path.join(work, "samples.jsonl")
    shutil.copyfile(args.samples, samples)
    env = dict(os.environ)
    cache = os.path.join(work, "cache") if args.gt == "fresh" else env.get("XDG_CACHE_HOME", "")
    if cache:
        env["XDG_CACHE_HOME"] = cache
    command = [args.verdict, "eval", "--benchmark", "bigcodebench-hard", "--problems", args.data,
               "--samples", samples, "--out", os.path.join(work, "rows.jsonl"),
               "--format", "bigcodebench", "--no-progress-bar", "--json", "-k", "1"]
    started = time.monotonic()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    wall = time.monotonic() - started
    if done.returncode != 0:
        sys.exit("verdict failed:\n" + done.stderr)
    sys.stderr.write(done.stderr)
    rows = read_jsonl(os.path.join(work, "rows.jsonl"))
    pass_at_k = json.load(open(glob.glob(os.path.join(work, "samples_pass_at_k.json"))[0]))
    return rows, pass_at_k, wall


def short(details, limit=300):
    text = json.dumps(details)
    return text if len(text) <= limit else text[:limit] + "…"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("samples", help="samples JSONL")
    ap.add_argument("--data", default=DEFAULT_DATA, help="BigCodeBench data file (default: Hard)")
    ap.add_argument("--verdict", default=os.path.join(ROOT, "target", "release", "verdict"),
                    help="the verdict binary (default: target/release/verdict)")
    ap.add_argument("--python", help="the official side's interpreter (default: verdict's bigcodebench environment's)")
    ap.add_argument("--nltk-data", help="NLTK_DATA for the official side (verdict's environment carries its own)")
    ap.add_argument("--gt", choices=["fresh", "cache"], default="fresh", help="ground truth on both sides (default: %(default)s)")
    ap.add_argument("--report", help="write everything as JSON here")
    args = ap.parse_args()
    args.samples = os.path.abspath(args.samples)
    args.data = os.path.abspath(args.data)
    args.python = args.python or verdict_env_python(args.verdict)

    with tempfile.TemporaryDirectory(prefix="compare-bcb-") as work:
        official, official_wall = run_official(args, work)
        rows, verdict_pass, verdict_wall = run_verdict(args, work)

    samples = read_jsonl(args.samples)
    theirs = official["results"]
    assert len(theirs) == len(samples) == len(rows), (len(theirs), len(samples), len(rows))
    agree, differ = 0, []
    for index, (sample, ref, row) in enumerate(zip(samples, theirs, rows)):
        ours = row.get("details", {}).get("bigcodebench_status")
        if ours == ref["status"]:
            agree += 1
        else:
            differ.append({"line": index + 1, "task_id": sample["task_id"], "variant": ref.get("variant"),
                           "official": ref["status"], "verdict": ours,
                           "official_details": ref.get("details"),
                           "verdict_details": row.get("details", {}).get("tests")})
    print(f"samples: {len(samples)}; same status: {agree}; different: {len(differ)}")
    for d in differ:
        print(f"  line {d['line']} {d['task_id']} ({d.get('variant')}): official {d['official']}, verdict {d['verdict']}")
        print(f"    official: {short(d['official_details'])}")
        print(f"    verdict:  {short(d['verdict_details'])}")
    official_pass = official.get("pass_at_k", {})
    print(f"pass@1: official {official_pass.get('pass@1')}, verdict {verdict_pass.get('pass@1')}")
    gt = official.get("gt", {})
    print(f"ground truth: official {gt.get('pass_rate')} failing {gt.get('failed_tasks')}")
    print(f"              verdict  {verdict_pass.get('gt_pass_rate')} failing {verdict_pass.get('failed_tasks')}")
    ratio = official_wall / verdict_wall if verdict_wall else float("inf")
    print(f"wall: official {official_wall:.1f} s, verdict {verdict_wall:.1f} s, official / verdict = {ratio:.1f}x")
    if args.report:
        with open(args.report, "w") as f:
            json.dump({"samples": len(samples), "agree": agree, "differ": differ,
                       "official_pass_at_k": official_pass, "verdict_pass_at_k": verdict_pass,
                       "official_gt": gt, "official_wall_s": official_wall,
                       "verdict_wall_s": verdict_wall, "ratio": ratio}, f, indent=1)


if __name__ == "__main__":
    main()
