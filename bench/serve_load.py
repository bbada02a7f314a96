#!/usr/bin/python3
"""Load on `verdict serve`, driven by wrk, against one `verdict run` process per program.

    serve_load.py [--verdict BIN] [--slots N] [--duration S] [--data-dir DIR] [--runs N]

Starts `verdict serve --listen 127.0.0.1:0 --slots N` (default: one slot per core) and
drives it with wrk (Debian's `wrk`, a Lua script building each request) at concurrency
1, N, 2N and 10N, the last one past the queue (8N by default, so it must see 429s) twice:
with clients that send again at once after a 429, and with clients that wait the 429's
Retry-After (1 s) first (`10N+wait`):

  run    POST /v1/run    a trivial program, `print(<n>)`
  judge  POST /v1/judge  HumanEval/0's prompt + canonical solution with its `test` and
                         `entry_point` (check()-style), the real task from the data dir

Every request body is distinct (a thread id and counter in a comment), so the server's
sharing of identical requests never answers one from another's result; the script counts
answers that say `"shared": true` and fails if there are any. For each level it prints
throughput, p50/p99 latency (wrk's), 200s, 429s, anything else, socket errors and
timeouts. "Nothing lost" means: every response is a 200 carrying a result (`status` ok,
or `passed` true for judge) or a 429, and wrk saw no socket error or timeout; the server's
own request counter is printed beside wrk's.

Then the same trivial program as one `verdict run --lang python prog.py` process per
program, run --runs times in a row, and the ratio of its mean time to the mean latency of
a /v1/run request at concurrency 1.

Exit status 1 when a request was lost, answered wrongly, or shared.
"""

import argparse
import gzip
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# wrk's Lua side: one state per wrk thread. `setup` numbers the threads; `request`
# builds a distinct body from PREFIX .. run .. "-" .. thread .. "-" .. counter .. SUFFIX
# (`run` numbers the wrk invocations of one benchmark, whose counters start again); `response`
# sorts answers; `done` prints one JSON line with wrk's figures and every thread's counts.
LUA = r"""
local threads = {}
local counter = 0
ok, refused, other, wrong, shared = 0, 0, 0, 0, 0  -- globals: `done` reads them with thread:get
local prefix = [==[%PREFIX%]==]
local suffix = [==[%SUFFIX%]==]
local run = "%RUN%"
local path = "%PATH%"
local expect = [==[%EXPECT%]==]
local headers = { ["Content-Type"] = "application/json" }
backoffs = 0
%DELAY%

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function request()
  counter = counter + 1
  return wrk.format("POST", path, headers, prefix .. run .. "-" .. tid .. "-" .. counter .. suffix)
end

function response(status, _, body)
  if status == 200 then
    ok = ok + 1
    if not string.find(body, expect, 1, true) then wrong = wrong + 1 end
    if string.find(body, '"shared":true', 1, true) then shared = shared + 1 end
  elseif status == 429 then
    refused = refused + 1
    backoffs = backoffs + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local t = { ok = 0, refused = 0, other = 0, wrong = 0, shared = 0 }
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + thread:get(k) end
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"ok": %d, "refused": %d, "other": %d, "wrong": %d, "shared": %d, ' ..
    '"connect": %d, "read": %d, "write": %d, "timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    t.ok, t.refused, t.other, t.wrong, t.shared,
    e.connect, e.read, e.write, e.timeout))
end
"""


# With --honour-retry-after: after each 429 one request of the thread waits Retry-After
# (1 s) before it is sent. wrk calls `delay` per request of any connection of the thread,
# so the wait may fall on another connection than the refused one; the number of waits
# is right.
DELAY = r"""
function delay()
  if backoffs > 0 then
    backoffs = backoffs - 1
    return 1000
  end
  return 0
end
"""


def lua_script(run: int, path: str, body_prefix: str, body_suffix: str, expect: str,
               backoff: bool = False) -> str:
    for part in (body_prefix, body_suffix, expect):
        assert "]==]" not in part
    return (
        LUA.replace("%RUN%", str(run))
        .replace("%DELAY%", DELAY if backoff else "")
        .replace("%PREFIX%", body_prefix)
        .replace("%SUFFIX%", body_suffix)
        .replace("%PATH%", path)
        .replace("%EXPECT%", expect)
    )


def split_body(request: dict, marker: str) -> tuple[str, str]:
    """The request's compact JSON cut at `marker` (which sits inside a string)."""
    text = json.dumps(request, separators=(",", ":"))
    prefix, suffix = text.split(marker)
    return prefix, suffix


def run_scenario(verdict: str) -> tuple[str, str]:
    marker = "@@N@@"
    return split_body({"code": f"print(1)  # {marker}"}, marker)


def judge_scenario(data_dir: Path) -> tuple[str, str]:
    path = data_dir / "humaneval" / "HumanEval.jsonl.gz"
    with gzip.open(path, "rt") as f:
        task = json.loads(f.readline())
    marker = "@@N@@"
    code = task["prompt"] + task["canonical_solution"] + f"\n# {marker}\n"
    request = {"code": code, "test": task["test"], "entry_point": task["entry_point"]}
    return split_body(request, marker)


class Server:
    """A `verdict serve` on an ephemeral loopback port."""

    def __init__(self, verdict: str, slots: int, data_dir: Path):
        self.process = subprocess.Popen(
            [verdict, "serve", "--listen", "127.0.0.1:0", "--slots", str(slots)],
            stdout=subprocess.PIPE,
            env={**os.environ, "VERDICT_DATA_DIR": str(data_dir)},
            text=True,
        )
        line = self.process.stdout.readline().strip()
        if not line.startswith("listening on "):
            sys.exit(f"verdict serve did not start: {line!r}")
        self.base = line.removeprefix("listening on ")
        deadline = time.monotonic() + 60
        while not self.healthy():
            if time.monotonic() > deadline:
                sys.exit("verdict serve: slots not ready after 60 s")
            time.sleep(0.05)

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.base + "/healthz") as r:
                return r.status == 200
        except OSError:
            return False

    def requests_counted(self, endpoint: str) -> int:
        with urllib.request.urlopen(self.base + "/metrics") as r:
            text = r.read().decode()
        pattern = re.compile(r'^verdict_requests_total\{endpoint="' + re.escape(endpoint) + r'",code="\d+"\} (\d+)$', re.M)
        return sum(int(n) for n in pattern.findall(text))

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def wrk(url: str, script, connections: int, duration: int) -> dict:
    """Runs wrk with `script`, a function of the invocation's number giving the Lua text."""
    wrk.runs = getattr(wrk, "runs", 0) + 1
    path = Path(tempfile.mkdtemp()) / "load.lua"
    path.write_text(script(wrk.runs))
    threads = min(2, connections)
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "60s",
         "-s", str(path), url],
        capture_output=True, text=True, check=True,
    ).stdout
    shutil.rmtree(path.parent)
    line = next(l for l in out.splitlines() if l.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def per_process(verdict: str, runs: int) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        times = []
        for i in range(runs):
            program = Path(tmp) / "prog.py"
            program.write_text(f"print(1)  # {i}\n")
            started = time.perf_counter()
            subprocess.run([verdict, "run", "--lang", "python", str(program)],
                           check=True, stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - started)
        return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verdict", default=str(ROOT / "target/release/verdict"))
    parser.add_argument("--slots", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--duration", type=int, default=10, help="seconds per level")
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared/data")
    parser.add_argument("--runs", type=int, default=50, help="`verdict run` processes")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    if not Path(args.verdict).is_file():
        sys.exit(f"{args.verdict} not found: cargo build --release first")

    slots = args.slots
    levels = [(1, False), (slots, False), (2 * slots, False), (10 * slots, False),
              (10 * slots, True)]
    scenarios = {
        "run": ("/v1/run", run_scenario(args.verdict), '"status":"ok"'),
        "judge": ("/v1/judge", judge_scenario(args.data_dir), '"passed":true'),
    }
    print(f"verdict serve --slots {slots} (queue {8 * slots}), wrk {args.duration:g} s per level, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} before", flush=True)
    server = Server(args.verdict, slots, args.data_dir)
    failures = []
    rows = []
    try:
        for name, (path, (prefix, suffix), expect) in scenarios.items():
            for connections, backoff in levels:
                def script(run, path=path, prefix=prefix, suffix=suffix, expect=expect,
                           backoff=backoff):
                    return lua_script(run, path, prefix, suffix, expect, backoff)
                if connections == 1:
                    wrk(server.base, script, 1, 1)  # warm-up, not reported
                before = server.requests_counted(path)
                r = wrk(server.base, script, connections, args.duration)
                r["server"] = server.requests_counted(path) - before
                r["name"], r["connections"], r["backoff"] = name, connections, backoff
                rows.append(r)
                print_row(r, header=len(rows) == 1)
                failures += check(r)
    finally:
        server.stop()

    times = per_process(args.verdict, args.runs)
    mean_process = statistics.mean(times)
    single = next(r for r in rows if r["name"] == "run" and r["connections"] == 1)
    mean_request = single["duration_us"] / 1e6 / max(single["ok"], 1)
    print()
    print(f"one `verdict run --lang python prog.py` process per program, {args.runs} in a row: "
          f"mean {mean_process * 1e3:.1f} ms, median {statistics.median(times) * 1e3:.1f} ms "
          f"({1 / mean_process:.1f} programs/s)")
    print(f"POST /v1/run at concurrency 1: {mean_request * 1e3:.2f} ms per request "
          f"({1 / mean_request:.0f} requests/s): {mean_process / mean_request:.1f}x cheaper")
    best = max(r["ok"] / (r["duration_us"] / 1e6) for r in rows if r["name"] == "judge")
    at_2n = next(r for r in rows if r["name"] == "judge" and r["connections"] == 2 * slots)
    run_best = max(r["ok"] / (r["duration_us"] / 1e6) for r in rows if r["name"] == "run")
    print(f"load average {os.getloadavg()[0]:.2f} after (other work on the machine skews the figures)")
    print()
    print(f"targets: >= 300 judgments/s: /v1/judge {best:.0f}/s ({'met' if best >= 300 else 'NOT met'}), "
          f"/v1/run {run_best:.0f}/s; "
          f"judge p99 < 50 ms at concurrency {2 * slots}: {at_2n['p99_us'] / 1e3:.1f} ms "
          f"({'met' if at_2n['p99_us'] < 50_000 else 'NOT met'}); "
          f"nothing lost at {10 * slots}: {'met' if not failures else 'NOT met'}")
    for failure in failures:
        print("FAILED:", failure)
    return 1 if failures else 0


def print_row(r: dict, header: bool):
    if header:
        print(f"{'':6} {'conc':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'200':>8} "
              f"{'429':>8} {'other':>6} {'errors':>6} {'server saw':>10}")
    seconds = r["duration_us"] / 1e6
    errors = r["connect"] + r["read"] + r["write"] + r["timeout"]
    print(f"{r['name']:6} {label(r):>7} {r['ok'] / seconds:>8.1f} {r['p50_us'] / 1e3:>8.2f} "
          f"{r['p99_us'] / 1e3:>8.2f} {r['ok']:>8} {r['refused']:>8} {r['other']:>6} {errors:>6} "
          f"{r['server']:>10}", flush=True)


def label(r: dict) -> str:
    """The concurrency, marked `+wait` when refused clients honour Retry-After."""
    return f"{r['connections']}{'+wait' if r['backoff'] else ''}"


def check(r: dict) -> list[str]:
    what = f"{r['name']} at {label(r)}"
    problems = []
    errors = r["connect"] + r["read"] + r["write"] + r["timeout"]
    if errors:
        problems.append(f"{what}: {errors} socket errors or timeouts")
    if r["other"]:
        problems.append(f"{what}: {r['other']} answers neither 200 nor 429")
    if r["wrong"]:
        problems.append(f"{what}: {r['wrong']} 200s without the expected result")
    if r["shared"]:
        problems.append(f"{what}: {r['shared']} answers were shared (bodies not distinct)")
    if r["ok"] + r["refused"] + r["other"] != r["requests"]:
        problems.append(f"{what}: wrk counted {r['requests']} requests but sorted "
                        f"{r['ok'] + r['refused'] + r['other']}")
    # wrk stops with requests in flight, which the server still answers and counts.
    if not 0 <= r["server"] - r["requests"] <= r["connections"]:
        problems.append(f"{what}: the server counted {r['server']}, wrk {r['requests']}")
    return problems


if __name__ == "__main__":
    sys.exit(main())
