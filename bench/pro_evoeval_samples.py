#!/usr/bin/python3
"""Deterministic samples for HumanEval Pro / MBPP Pro / BigCodeBench-Lite Pro and EvoEval.

    pro_evoeval_samples.py --out-dir DIR [--benchmark NAME ...] [-n 3] [--gt-all]
                           [--slow-tasks 1] [--no-memory-hog] [--task-id-style id|str]
                           [--data-dir DIR]

Writes DIR/<benchmark>.jsonl for each benchmark named (default: all ten): humaneval-pro,
mbpp-pro, bigcodebench-lite-pro, evoeval-difficult, evoeval-creative, evoeval-subtle,
evoeval-combine, evoeval-tool_use, evoeval-verbose, evoeval-concise. Rows are
`{"task_id", "completion"|"solution", "variant"}`, in dataset task order, variants in the
fixed order below; nothing is random, so the same data gives the same file.

For the first -n tasks of each set (the "suite"):

* ground truth: Pro: `completion` = raw_solution + new_problem + new_solution (the
  official harness puts raw_problem before a completion, so this is exactly its
  ground-truth program) and `solution` = raw_problem + raw_solution + new_problem +
  new_solution. EvoEval: `solution` = prompt + "\\n" + canonical_solution (the program
  EvoEval's get_groundtruth runs), `completion` = "\\n" + canonical_solution, and
  `canonical_verbatim`: `completion` = canonical_solution as stored (EvoEval puts no
  newline between prompt and completion, so this breaks where the prompt does not end
  in one);
* wrong: the function under test (Pro: the last `def` of new_problem; EvoEval: the
  entry point) rebound after the ground truth to a wrapper that perturbs the result,
  returns None, or raises;
* slow (only the first --slow-tasks tasks): the wrapper loops forever; EvoEval also a
  module-level loop (EvoEval runs the module with no alarm, only the process join
  timeout); a 1 TiB allocation (MemoryError anywhere); and, unless --no-memory-hog, the
  right answer after touching 5 GiB once at module level (passes where there is no memory limit: HF
  code_eval, the BCB-Lite Pro subprocess; fails under EvoEval's 4 GiB RLIMIT_AS);
* hostile: sys.exit(0) and os._exit(0) after the definitions (before the tests),
  printing "passed" with a wrong answer, an object that equals everything, the same
  with builtins.isinstance overridden, and (a wrong answer with) an atexit handler that
  calls os._exit(0).

--gt-all adds the ground truth (`solution` form, variant `gt_solution`) of every task
beyond the suite, so that one run checks every task's ground truth.

Task ids are the dataset's own: Pro `id` (an int for HE/MBPP Pro, as CodeEval-Pro's
results.jsonl has it; `--task-id-style str` writes it as a string) and EvoEval
`task_id`.
"""

import argparse
import gzip
import json
import os
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

PRO = {
    "humaneval-pro": "codeeval_pro/humaneval_pro.json",
    "mbpp-pro": "codeeval_pro/mbpp_pro.json",
    "bigcodebench-lite-pro": "codeeval_pro/bigcodebench_lite_pro.json",
}
EVO_SETS = ["difficult", "creative", "subtle", "combine", "tool_use", "verbose", "concise"]
EVO = {f"evoeval-{s}": f"evoeval/EvoEval_{s}.jsonl.gz" for s in EVO_SETS}
ALL = list(PRO) + list(EVO)


def default_data_dir() -> Path:
    env = os.environ.get("VERDICT_DATA_DIR")
    if env:
        return Path(env)
    return (REPO_ROOT / ".." / "shared" / "data").resolve()


def load_tasks(benchmark: str, data_dir: Path):
    if benchmark in PRO:
        return json.loads((data_dir / PRO[benchmark]).read_text(encoding="utf-8"))
    with gzip.open(data_dir / EVO[benchmark], "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


DEF = re.compile(r"^\s*def\s+([A-Za-z_]\w*)\s*\(", re.M)


def pro_function(task) -> str:
    names = DEF.findall(task["new_problem"])
    if not names:
        raise SystemExit(f"{task['id']}: no def in new_problem")
    return names[-1]


PERTURB = """    if isinstance(_r, bool):
        return not _r
    if isinstance(_r, (int, float)):
        return _r + 1
    if isinstance(_r, str):
        return _r + "x"
    if isinstance(_r, list):
        return _r + [None]
    if isinstance(_r, tuple):
        return _r + (None,)
    if isinstance(_r, dict):
        return {**_r, "_extra": None}
    if _r is None:
        return 0
    return None
"""

ALWAYS_EQUAL = """class _AlwaysEqual:
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    def __sub__(self, other):
        return 0
    __rsub__ = __sub__
    def __abs__(self):
        return 0
    def __bool__(self):
        return True
    def __len__(self):
        return 0
    def __iter__(self):
        return iter(())
    __hash__ = object.__hash__
"""


def wrapper(name: str, body: str) -> str:
    """Rebinds `name` to a wrapper around the original; `body` is indented 4."""
    return (f"\n\n_verdict_orig = {name}\n\n\ndef {name}(*args, **kwargs):\n{body}")


def variants_for(name: str, slow: bool, memory_hog: bool, evo: bool):
    """(variant, text appended after the ground-truth program) in fixed order."""
    call = "    _r = _verdict_orig(*args, **kwargs)\n"
    out = [
        ("wrong_perturbed", wrapper(name, call + PERTURB)),
        ("wrong_none", wrapper(name, "    return None\n")),
        ("raises", wrapper(name, "    raise ValueError('verdict sample: raises')\n")),
    ]
    if slow:
        out.append(("loop_in_call", wrapper(name, "    while True:\n        pass\n")))
        if evo:
            out.append(("loop_module_level", "\n\nwhile True:\n    pass\n"))
        out.append(("memory_1tib", wrapper(
            name, "    _hog = bytearray(1 << 40)\n    return _verdict_orig(*args, **kwargs)\n")))
        if memory_hog:
            out.append(("memory_5gib_right", "\n\n_verdict_hog = bytearray(5 << 30)\n"))
    out += [
        ("hostile_sys_exit0", "\n\nimport sys\nsys.exit(0)\n"),
        ("hostile_os_exit0", "\n\nimport os\nos._exit(0)\n"),
        ("hostile_print_passed", wrapper(
            name, "    print('passed')\n" + call + PERTURB)),
        ("hostile_always_equal", "\n\n" + ALWAYS_EQUAL + wrapper(name, "    return _AlwaysEqual()\n")),
        ("hostile_builtins_isinstance", "\n\n" + ALWAYS_EQUAL
         + "\nimport builtins\nbuiltins.isinstance = lambda obj, cls: True\n"
         + wrapper(name, "    return _AlwaysEqual()\n")),
        ("hostile_atexit_exit0", "\n\nimport atexit, os\natexit.register(lambda: os._exit(0))\n"
         + wrapper(name, call + PERTURB)),
    ]
    return out


def pro_rows(benchmark, tasks, n, slow_tasks, memory_hog, gt_all, id_style):
    rows = []
    for i, t in enumerate(tasks):
        tid = str(t["id"]) if id_style == "str" else t["id"]
        gt_completion = t["raw_solution"] + t["new_problem"] + t["new_solution"]
        gt_solution = t["raw_problem"] + gt_completion
        if i >= n:
            if gt_all:
                rows.append({"task_id": tid, "solution": gt_solution, "variant": "gt_solution"})
            continue
        rows.append({"task_id": tid, "completion": gt_completion, "variant": "gt_completion"})
        rows.append({"task_id": tid, "solution": gt_solution, "variant": "gt_solution"})
        name = pro_function(t)
        for variant, tail in variants_for(name, i < slow_tasks, memory_hog, evo=False):
            # Half of them as completions (after raw_problem), half as whole solutions.
            if len(rows) % 2:
                rows.append({"task_id": tid, "completion": gt_completion.rstrip("\n") + "\n" + tail,
                             "variant": variant})
            else:
                rows.append({"task_id": tid, "solution": gt_solution.rstrip("\n") + "\n" + tail,
                             "variant": variant})
    return rows


def evo_rows(benchmark, tasks, n, slow_tasks, memory_hog, gt_all):
    rows = []
    for i, t in enumerate(tasks):
        tid = t["task_id"]
        solution = t["prompt"] + "\n" + t["canonical_solution"]
        if i >= n:
            if gt_all:
                rows.append({"task_id": tid, "solution": solution, "variant": "gt_solution"})
            continue
        rows.append({"task_id": tid, "solution": solution, "variant": "gt_solution"})
        rows.append({"task_id": tid, "completion": "\n" + t["canonical_solution"],
                     "variant": "gt_completion"})
        rows.append({"task_id": tid, "completion": t["canonical_solution"],
                     "variant": "canonical_verbatim"})
        for variant, tail in variants_for(t["entry_point"], i < slow_tasks, memory_hog, evo=True):
            if len(rows) % 2:
                rows.append({"task_id": tid,
                             "completion": "\n" + t["canonical_solution"].rstrip("\n") + "\n" + tail,
                             "variant": variant})
            else:
                rows.append({"task_id": tid, "solution": solution.rstrip("\n") + "\n" + tail,
                             "variant": variant})
    return rows


def make(benchmark, data_dir, n, slow_tasks, memory_hog, gt_all, id_style="id"):
    tasks = load_tasks(benchmark, data_dir)
    if benchmark in PRO:
        return pro_rows(benchmark, tasks, n, slow_tasks, memory_hog, gt_all, id_style)
    return evo_rows(benchmark, tasks, n, slow_tasks, memory_hog, gt_all)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out-dir", type=Path, required=True)
    ap.add_argument("--benchmark", action="append", choices=ALL,
                    help="repeatable (default: all ten)")
    ap.add_argument("-n", "--tasks", type=int, default=3, help="tasks with the full suite")
    ap.add_argument("--slow-tasks", type=int, default=1,
                    help="of those, how many also get the loop and memory variants")
    ap.add_argument("--no-memory-hog", action="store_true",
                    help="leave out the variant that touches 5 GiB")
    ap.add_argument("--gt-all", action="store_true",
                    help="also every other task's ground truth (solution form)")
    ap.add_argument("--task-id-style", choices=["id", "str"], default="id",
                    help="Pro task ids as the dataset has them (int) or as strings")
    ap.add_argument("--data-dir", type=Path, default=None)
    args = ap.parse_args(argv)
    data_dir = (args.data_dir or default_data_dir()).resolve()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for benchmark in args.benchmark or ALL:
        rows = make(benchmark, data_dir, args.tasks, args.slow_tasks, not args.no_memory_hog,
                    args.gt_all, args.task_id_style)
        path = args.out_dir / f"{benchmark}.jsonl"
        with open(path, "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")
        print(f"{path}: {len(rows)} samples, {len({json.dumps(r['task_id']) for r in rows})} tasks",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
