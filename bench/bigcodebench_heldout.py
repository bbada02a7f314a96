#!/usr/bin/python3
"""verdict against BigCodeBench results the official evaluator already produced (held-out data).

    bigcodebench_heldout.py EVAL_RESULTS.json [EVAL_RESULTS.json ...]
                            [--data HARD.json] [--official-data FULL.jsonl]
                            [--benchmark bigcodebench-hard|bigcodebench]
                            [--verdict BIN] [--work DIR] [--reuse] [--retries N] [--report FILE]

EVAL_RESULTS: an official `*_eval_results.json` ({"date", "eval": {task_id: [{"task_id",
"solution", "status", "details"}]}}), e.g. the ones QwenLM/Qwen2.5-Coder keeps under
qwencoder-eval/base/outptus/qwen2.5-coder/<model>/bigcodebench/{hard,full}/ (Qwen's fork of
the harness, v0.1.0_hf data, 2024-09). Each entry's `solution` is the program exactly as the
official evaluator ran it (calibration prefix `code_prompt + "\\n    pass\\n"` included), so it is
judged here with `--uncalibrated`.

DATA (default: ../shared/data/bigcodebench/bigcodebench_hard.json; a JSON object keyed by task_id,
or JSONL(.gz) such as the full set's BigCodeBench.jsonl with --benchmark bigcodebench) picks the
tasks compared:
only the results' tasks that DATA has are judged, with DATA's tests. --official-data names the
data the official run used (JSON object or JSONL, e.g. v0.1.0_hf's BigCodeBench.jsonl); a task
whose `test` text there differs from DATA's is excluded and listed.

For each results file: write WORK/<name>.samples.jsonl (one line per official entry, in task
order), run `verdict eval --benchmark BENCHMARK --problems DATA --uncalibrated` on it
(--reuse keeps an existing WORK/<name>.rows.jsonl), and compare the official `status` with
`details.bigcodebench_status` of verdict's row. Printed: per file the sample count, agreement,
the confusion counts, and every disagreement with a short form of both sides' details (the
official failing test names / ALL message, verdict's); then, among samples both call `fail`,
those whose sets of failing tests differ. A tag from KNOWN marks tasks with a known reason to
differ (docs/conformance.md, Known differences, and what this comparison found on Qwen's files);
untagged ones need a look. If verdict stops because a slot's worker did not start (a busy
machine), the run is retried (--retries, 60 s apart). --report keeps everything as JSON.
"""

import argparse
import collections
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_DATA = os.path.join(ROOT, "..", "shared", "data", "bigcodebench", "bigcodebench_hard.json")
DEFAULT_VERDICT = os.path.join(ROOT, "..", "target-dev", "release", "verdict")

# Tasks with a known reason for the official result and verdict's to differ (found on Qwen2.5-Coder's
# 1.5B/7B base results, 2024-09, Qwen's fork of the harness on Python 3.8, run as root, online).
KNOWN = {
    # the network (verdict's sandbox has none; the official machine may): pages, DNS, raw sockets
    "BigCodeBench/59": "network", "BigCodeBench/101": "network", "BigCodeBench/147": "network (connects to 192.168.0.0/30)",
    "BigCodeBench/176": "network", "BigCodeBench/314": "network (a sample's own SSL socket)",
    "BigCodeBench/590": "network", "BigCodeBench/1005": "network", "BigCodeBench/1006": "network (v0.1.0_hf test)",
    "BigCodeBench/1012": "network",
    # nltk.download in the test or the code_prompt: hangs on a machine whose network drops packets
    "BigCodeBench/177": "nltk.download at run time", "BigCodeBench/290": "nltk.download at run time",
    "BigCodeBench/656": "nltk.download at run time", "BigCodeBench/658": "nltk.download at run time",
    "BigCodeBench/726": "nltk.download at run time", "BigCodeBench/734": "nltk.download at run time",
    "BigCodeBench/806": "nltk.download at run time", "BigCodeBench/808": "nltk.download at run time",
    # fixed ports / servers: flaky on a machine running samples side by side
    "BigCodeBench/1038": "server on localhost", "BigCodeBench/1040": "fixed port (localhost:12345)",
    "BigCodeBench/273": "fixed port", "BigCodeBench/274": "fixed port",
    # tensorflow/keras: slow, timeouts in the official runs
    "BigCodeBench/289": "tensorflow", "BigCodeBench/417": "tensorflow/keras",
    "BigCodeBench/418": "tensorflow/keras", "BigCodeBench/419": "tensorflow",
    # multiprocessing.Pool.terminate() under safe_environment (its os.kill spares the pool's workers):
    # a racy hang until the suite timer, then official timeout (join deadline 1 s later) or fail
    "BigCodeBench/205": "Pool hang (racy) + timer", "BigCodeBench/363": "Pool hang (racy) + timer",
    # a subprocess timed against the machine's speed
    "BigCodeBench/461": "timing",
    # the host: an official run as root on a shared file system (samples write /non/existent/path,
    # /nonexistent_path, /target, /fake; read chmod 000 files), or counting the host's processes
    "BigCodeBench/288": "host state (another sample's /non/existent/path)",
    "BigCodeBench/536": "host state (/nonexistent_path exists)",
    "BigCodeBench/759": "root writes at /", "BigCodeBench/773": "root writes at /",
    "BigCodeBench/812": "root reads a 000 file",
    "BigCodeBench/832": "root writes at / (makes /non/existent/path)", "BigCodeBench/348": "host processes",
    # memory: official RLIMIT_DATA/AS -> MemoryError (fail); verdict's cgroup kill -> timeout
    "BigCodeBench/791": "memory",
    # unseeded randomness (random, numpy, Faker, str hash order, random file names)
    "BigCodeBench/583": "random", "BigCodeBench/753": "random", "BigCodeBench/789": "random",
    "BigCodeBench/792": "random", "BigCodeBench/822": "random", "BigCodeBench/848": "random",
    "BigCodeBench/910": "random (set order)",
    # library versions: verdict's pins differ from the official image's (docs/environments.md)
    "BigCodeBench/917": "library versions (ARIMA numerics)",
    # Python 3.8 in Qwen's run (the official image is 3.10, verdict 3.11)
    "BigCodeBench/756": "Python 3.8 (shutil.move of a Path)", "BigCodeBench/800": "Python 3.8 (Counter equality)",
}


def load_tasks(path):
    if path.endswith(".json"):
        with open(path) as f:
            data = json.load(f)
        return data if isinstance(data, dict) else {row["task_id"]: row for row in data}
    opener = open
    if path.endswith(".gz"):
        import gzip
        opener = gzip.open
    with opener(path, "rt") as f:
        return {row["task_id"]: row for row in map(json.loads, filter(str.strip, f))}


def short(details, limit=160):
    """A one-line form of a details dict: failing test names, or the ALL message."""
    if not details:
        return "{}"
    if "ALL" in details:
        return "ALL: " + " ".join(str(details["ALL"]).split())[:limit]
    parts = []
    for name, trace in details.items():
        last = [line for line in str(trace).strip().splitlines() if line.strip()]
        parts.append(f"{name}: {last[-1].strip()[:limit] if last else ''}")
    return " | ".join(parts)


def run_file(args, path, tasks, excluded):
    name = os.path.basename(path).replace(".json", "")
    with open(path) as f:
        official = json.load(f)
    entries = []
    for task_id in sorted(official["eval"], key=lambda t: int(t.split("/")[1])):
        if task_id not in tasks or task_id in excluded:
            continue
        for index, entry in enumerate(official["eval"][task_id]):
            entries.append((task_id, index, entry))
    samples = os.path.join(args.work, name + ".samples.jsonl")
    rows_path = os.path.join(args.work, name + ".rows.jsonl")
    with open(samples, "w") as f:
        for task_id, index, entry in entries:
            f.write(json.dumps({"task_id": task_id, "solution": entry["solution"]}) + "\n")
    if not (args.reuse and os.path.exists(rows_path)):
        command = [args.verdict, "eval", "--benchmark", args.benchmark, "--problems", args.data,
                   "--samples", samples, "--out", rows_path, "--uncalibrated",
                   "--no-progress-bar", "--json", "-k", "1"]
        for attempt in range(args.retries + 1):
            # A busy machine can keep a slot's worker from starting in time ("did not start"):
            # verdict then stops before judging anything; try again after a pause.
            run = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            sys.stderr.write(run.stderr)
            if run.returncode == 0:
                break
            if "did not start" not in run.stderr or attempt == args.retries:
                sys.exit(f"verdict failed (exit {run.returncode})")
            time.sleep(60)
    with open(rows_path) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    by_task = collections.defaultdict(list)
    for row in rows:
        by_task[row["task_id"]].append(row)
    compared, confusion = [], collections.Counter()
    for task_id, index, entry in entries:
        row = by_task[task_id][index]
        mine = row.get("details", {}).get("bigcodebench_status")
        confusion[(entry["status"], mine)] += 1
        compared.append({
            "task_id": task_id, "index": index, "official": entry["status"], "verdict": mine,
            "agree": entry["status"] == mine, "known": KNOWN.get(task_id),
            "same_tests": set(entry["details"]) == set(row.get("details", {}).get("tests", {})),
            "official_details": entry["details"],
            "verdict_details": row.get("details", {}).get("tests", {}),
            "verdict_result": row.get("result"),
        })
    return {"file": path, "date": official.get("date"), "samples": samples, "rows": rows_path,
            "n": len(compared), "agree": sum(c["agree"] for c in compared),
            "confusion": {f"{a}->{b}": n for (a, b), n in sorted(confusion.items(), key=str)},
            "compared": compared}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="+")
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("--official-data")
    parser.add_argument("--benchmark", default="bigcodebench-hard", choices=["bigcodebench-hard", "bigcodebench"])
    parser.add_argument("--verdict", default=DEFAULT_VERDICT)
    parser.add_argument("--work", default=os.path.join(os.getcwd(), "heldout-work"))
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--retries", type=int, default=3)
    parser.add_argument("--report")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    tasks = load_tasks(args.data)
    excluded = []
    if args.official_data:
        theirs = load_tasks(args.official_data)
        excluded = sorted((t for t in tasks if t in theirs and theirs[t]["test"] != tasks[t]["test"]),
                          key=lambda t: int(t.split("/")[1]))
        print(f"tasks whose official test text differs from {args.data} (excluded): {excluded or 'none'}")
    report = {"data": args.data, "excluded": excluded, "files": []}
    total_n = total_agree = 0
    for path in args.results:
        result = run_file(args, path, tasks, set(excluded))
        report["files"].append(result)
        total_n += result["n"]
        total_agree += result["agree"]
        print(f"\n== {path} (date {result['date']}): {result['agree']}/{result['n']} agree")
        print("   official->verdict: " + ", ".join(f"{k} {v}" for k, v in result["confusion"].items()))
        for c in result["compared"]:
            if c["agree"]:
                continue
            tag = f"[known: {c['known']}]" if c["known"] else "[CHECK]"
            print(f"   {c['task_id']}#{c['index']} official={c['official']} verdict={c['verdict']} {tag}")
            print(f"      official: {short(c['official_details'])}")
            print(f"      verdict:  {short(c['verdict_details'])}")
        same_status = [c for c in result["compared"] if c["agree"] and c["official"] == "fail"]
        other = [c for c in same_status if not c["same_tests"]]
        print(f"   both fail: {len(same_status) - len(other)}/{len(same_status)} with the same failing tests"
              + (", the others:" if other else ""))
        for c in other:
            tag = f"[known: {c['known']}]" if c["known"] else "[CHECK]"
            only_official = sorted(set(c["official_details"]) - set(c["verdict_details"]))
            only_verdict = sorted(set(c["verdict_details"]) - set(c["official_details"]))
            print(f"   {c['task_id']}#{c['index']} {tag} official only: {only_official}, verdict only: {only_verdict}")
            for name in only_official:
                print(f"      official {short({name: c['official_details'][name]})}")
            for name in only_verdict:
                print(f"      verdict  {short({name: c['verdict_details'][name]})}")
    print(f"\nall files: {total_agree}/{total_n} agree")
    if args.report:
        with open(args.report, "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
