#!/usr/bin/python3
"""Deterministic BigCodeBench samples files, made from the benchmark's own data.

    bigcodebench_samples.py DATA --out DIR [--hostile-task TASK_ID]

DATA is the BigCodeBench data: a JSON object keyed by task_id (like bigcodebench_hard.json)
or a JSONL file (.jsonl or .jsonl.gz, one task per line). Each task needs task_id,
complete_prompt, code_prompt and canonical_solution. Written to DIR, in the data's task
order, in the official samples format ({"task_id", "solution"} per line; the official
evaluator ignores the other keys, "variant" names what the sample is):

  canonical.jsonl  one per task: solution = complete_prompt + canonical_solution, the
                   reference program (the official ground-truth check runs
                   complete_prompt + "\\n" + canonical_solution, the same program).
  wrong.jsonl      one per task: code_prompt (the imports and `def task_func(...):` line)
                   with a body that is wrong for any task: even positions `return None`,
                   odd positions `raise NotImplementedError`. A test that only checks side
                   effects or mocks can still pass `return None`: that is the tests' doing.
  hostile.jsonl    a few programs, all for one task (--hostile-task, default the data's
                   first), that attack the harness rather than the task:
                     infinite_loop  `while True: pass` in the body (the official harness
                                    answers after its ~241 s time limit)
                     exit_builtin   exit(0)       (the official guard sets exit to None)
                     sys_exit       sys.exit(0)
                     os_exit        os._exit(0)   (the child dies without reporting)
                     huge_alloc     bytearray(1 << 40), 1 TiB, over the 30 GiB RLIMIT_AS
                     kill_parent    os.kill(os.getppid(), 9)
                     stdout_flood   200 MB to stdout, then return None
  all.jsonl        canonical, then wrong, then hostile.

Nothing random is used: the same DATA always gives byte-identical files.
"""

import argparse
import gzip
import json
import os

HOSTILE = {
    "infinite_loop": "    while True:\n        pass\n",
    "exit_builtin": "    exit(0)\n",
    "sys_exit": "    import sys\n    sys.exit(0)\n",
    "os_exit": "    import os\n    os._exit(0)\n",
    "huge_alloc": "    block = bytearray(1 << 40)\n    return block\n",
    "kill_parent": "    import os\n    os.kill(os.getppid(), 9)\n",
    "stdout_flood": "    import sys\n    line = 'x' * 1023 + '\\n'\n    for _ in range(200 * 1024):\n        sys.stdout.write(line)\n    return None\n",
}


def load_tasks(path):
    """Tasks in file order, from a JSON object keyed by task_id or from JSONL(.gz)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        text = f.read()
    if path.endswith((".jsonl", ".jsonl.gz")):
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    data = json.loads(text)
    return list(data.values()) if isinstance(data, dict) else data


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", help="BigCodeBench data: JSON object keyed by task_id, or JSONL(.gz)")
    ap.add_argument("--out", required=True, help="directory for canonical/wrong/hostile/all .jsonl")
    ap.add_argument("--hostile-task", help="task_id the hostile programs are filed under (default: first task)")
    args = ap.parse_args()

    tasks = load_tasks(args.data)
    by_id = {t["task_id"]: t for t in tasks}
    canonical = [{"task_id": t["task_id"], "variant": "canonical",
                  "solution": t["complete_prompt"] + t["canonical_solution"]} for t in tasks]
    wrong = []
    for i, t in enumerate(tasks):
        kind, body = ("return_none", "    return None\n") if i % 2 == 0 else \
                     ("raise", "    raise NotImplementedError('wrong on purpose')\n")
        wrong.append({"task_id": t["task_id"], "variant": "wrong_" + kind,
                      "solution": t["code_prompt"] + body})
    target = by_id[args.hostile_task] if args.hostile_task else tasks[0]
    hostile = [{"task_id": target["task_id"], "variant": "hostile_" + name,
                "solution": target["code_prompt"] + body} for name, body in HOSTILE.items()]

    os.makedirs(args.out, exist_ok=True)
    for name, rows in (("canonical", canonical), ("wrong", wrong), ("hostile", hostile),
                       ("all", canonical + wrong + hostile)):
        write_jsonl(os.path.join(args.out, name + ".jsonl"), rows)
        print(f"{os.path.join(args.out, name + '.jsonl')}: {len(rows)} samples")


if __name__ == "__main__":
    main()
