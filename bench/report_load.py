#!/usr/bin/python3
"""How fast `verdict report`'s page opens with 100,000 result rows, in headless Chromium.

    report_load.py [--rows 100000] [--tasks 1000] [--verdict BIN] [--browser chromium]

Writes a results file of ROWS constructed rows over TASKS tasks (a third failing, each failing
row with a short program and an EvalPlus-style failure; no sandbox run), builds the page with
`verdict report`, and loads it in headless Chromium three times with `--dump-dom` on the page's
`#selftest` (which also sorts, filters and opens a task), printing the page's size, the time to
build it, and each load's wall time beside the same Chromium loading an empty page (its own
start-up): the difference is what the page costs. The page renders its table 500 rows at a
time, so the load does not grow with the number of tasks shown.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def load(browser, url, profile):
    started = time.monotonic()
    done = subprocess.run([browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           "--proxy-server=127.0.0.1:9", "--user-data-dir=" + profile, "--dump-dom", url],
                          capture_output=True, text=True, timeout=300)
    return time.monotonic() - started, done.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=100000)
    ap.add_argument("--tasks", type=int, default=1000)
    ap.add_argument("--verdict", default=os.path.join(HERE, "..", "target", "release", "verdict"))
    ap.add_argument("--browser", default="chromium")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="report-load-")
    results = os.path.join(work, "results.jsonl")
    with open(results, "w") as f:
        for i in range(args.rows):
            task = "Bench/%d" % (i % args.tasks)
            passed = i % 3 != 0
            row = {"task_id": task, "completion": "    return x + %d\n" % i, "passed": passed,
                   "status": "passed" if passed else "failed", "result": "passed" if passed else "failed: wrong",
                   "base_status": "pass" if passed or i % 2 else "fail", "plus_status": "pass" if passed else "fail"}
            if not passed:
                row["details"] = {"base": {"status": "fail", "failure": {"input_index": 3, "input": "[%d]" % i,
                                                                          "expected": str(i), "actual": str(i + 1),
                                                                          "reason": "output differs"}}}
            f.write(json.dumps(row) + "\n")
    page = os.path.join(work, "report.html")
    started = time.monotonic()
    subprocess.run([args.verdict, "report", results, "--html", page], check=True, capture_output=True)
    build = time.monotonic() - started
    size = os.path.getsize(page)
    blank = os.path.join(work, "blank.html")
    with open(blank, "w") as f:
        f.write("<!DOCTYPE html><title>blank</title>")
    print("%d rows, %d tasks: page %.1f MiB, built in %.2f s" % (args.rows, args.tasks, size / 2**20, build))
    for round_index in range(3):
        empty, _ = load(args.browser, "file://" + blank, os.path.join(work, "p%d" % round_index))
        full, dom = load(args.browser, "file://" + page + "#selftest", os.path.join(work, "q%d" % round_index))
        ok = '"details_shown":true' in dom.replace("&quot;", '"')
        print("load %d: %.2f s (an empty page: %.2f s; the page's own cost %.2f s); self-check %s"
              % (round_index + 1, full, empty, full - empty, "passed" if ok else "FAILED"))
        if not ok:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
