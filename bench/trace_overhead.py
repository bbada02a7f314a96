#!/usr/bin/python3
"""What `--trace` costs: the same samples judged without it, with `--trace` (failing
samples traced) and with `--trace all` (every sample traced), and optionally by a
build of verdict without the tracer at all, side by side in one run.

    trace_overhead.py [--plus] [-n 10] [--rounds 3] [--verdict BIN] [--baseline BIN]
                      [--data-dir DIR] [--samples FILE] [--keep DIR]

Samples: bench/make_samples.py (every task x N distinct completions, half right, half
wrong; --plus: HumanEval+ whole programs), unless --samples gives a file.

Each round runs, one after the other, every configuration's whole `verdict eval`
command (after one untimed warm-up run of each, which also fills the expected-output
cache):
  baseline   --baseline BIN (a build without the tracer), if given
  off        verdict, no --trace
  failing    verdict --trace
  all        verdict --trace all
Printed: the median wall time of each over the rounds, its ratio to `off` (and `off`'s
to `baseline`: what merely having the tracer costs a run that does not use it), the
traces written and their JSON size. Every configuration's per-sample status must be
the same (a trace never changes a verdict): exit status 1 if not.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run(command):
    started = time.monotonic()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(command), done.stderr[-2000:]))
    return elapsed


def rows_of(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plus", action="store_true")
    parser.add_argument("-n", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--verdict", default=os.path.join(HERE, "..", "target", "release", "verdict"))
    parser.add_argument("--baseline")
    parser.add_argument("--data-dir", default=os.path.join(HERE, "..", "..", "shared", "data"))
    parser.add_argument("--samples")
    parser.add_argument("--keep")
    args = parser.parse_args()

    work = args.keep or tempfile.mkdtemp(prefix="trace-overhead-")
    os.makedirs(work, exist_ok=True)
    benchmark = "humaneval-plus" if args.plus else "humaneval"
    samples = args.samples
    if samples is None:
        samples = os.path.join(work, "samples.jsonl")
        command = [sys.executable, os.path.join(HERE, "make_samples.py"), "-n", str(args.n),
                   "--out", samples, "--data-dir", args.data_dir]
        if args.plus:
            command.append("--plus")
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    count = sum(1 for _ in open(samples))
    cache = os.path.join(work, "cache")
    env_note = "XDG_CACHE_HOME=%s" % cache
    os.environ["XDG_CACHE_HOME"] = cache

    configs = []
    if args.baseline:
        configs.append(("baseline", args.baseline, []))
    configs += [("off", args.verdict, []), ("failing", args.verdict, ["--trace"]),
                ("all", args.verdict, ["--trace", "all"])]

    def command_of(name, binary, extra):
        out = os.path.join(work, "r-%s.jsonl" % name)
        return out, [binary, "eval", "--benchmark", benchmark, "--samples", samples, "--data-dir",
                     args.data_dir, "--out", out, "--no-progress-bar"] + extra

    print("%s: %d samples (%s); %d rounds; %s" % (benchmark, count, samples, args.rounds, env_note))
    for name, binary, extra in configs:
        run(command_of(name, binary, extra)[1])
    times = {name: [] for name, _, _ in configs}
    for round_index in range(args.rounds):
        for name, binary, extra in configs:
            times[name].append(run(command_of(name, binary, extra)[1]))
        print("round %d: %s" % (round_index + 1,
                                "  ".join("%s %.2f s" % (n, times[n][-1]) for n, _, _ in configs)))

    statuses = {}
    traces = {}
    for name, binary, extra in configs:
        rows = rows_of(command_of(name, binary, extra)[0])
        statuses[name] = [(r["task_id"], r.get("status")) for r in rows]
        found = [t for r in rows for t in ((r.get("details") or {}).get("traces") or [])]
        traces[name] = (len(found), sum(len(json.dumps(t)) for t in found))

    median = {name: statistics.median(t) for name, t in times.items()}
    print()
    print("%-9s %10s %10s %8s %12s" % ("config", "median s", "samples/s", "vs off", "traces (KiB)"))
    for name, _, _ in configs:
        n, size = traces[name]
        print("%-9s %10.2f %10.1f %7.2fx %6d (%.0f)" % (name, median[name], count / median[name],
                                                       median[name] / median["off"], n, size / 1024))
    if args.baseline:
        print("off / baseline (the tracer present, unused): %.3f" % (median["off"] / median["baseline"]))
    n_fail = sum(1 for _, s in statuses["off"] if s != "passed")
    if traces["failing"][0]:
        extra = median["failing"] - median["off"]
        print("--trace: %.1f ms more per failing sample (%d failing)" % (1000 * extra / max(n_fail, 1), n_fail))
    extra = median["all"] - median["off"]
    print("--trace all: %.1f ms more per sample" % (1000 * extra / count))
    same = all(statuses[name] == statuses["off"] for name in statuses)
    print("statuses identical in every configuration: %s" % same)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
