#!/usr/bin/python3
"""Deterministic ClassEval samples, built from the tasks' own canonical solutions.

    classeval_samples.py --out-dir DIR [--data FILE] [--tasks N | --task-ids ID,...]
                         [--hostile-tasks 3] [--format jsonl|official]

Writes three files into DIR (nothing random: the same data gives the same files):

  classeval_canonical.jsonl  one row per task: `solution_code` verbatim (variant "canonical").
  classeval_benign.jsonl     per task, in this order:
      canonical         solution_code verbatim (no fence: ClassEval's fence-less path, which
                        also drops every blank line and every non-import line before the
                        first `class` line, e.g. ClassEval_52's nltk.download calls)
      fenced            "Here is the class:\\n```python\\n" + solution_code + "\\n```\\nDone."
      py_fence          the same with a "```py" fence: ClassEval keeps the "py" tag line
                        (NameError at import, so every test class is "error")
      unclosed_fence    "```python\\n" + solution_code, no closing fence: ClassEval extracts ""
      indented          prose line, then solution_code indented by 4 spaces (re-indent path)
      return_none       the target method's body starts with `return None`
      flip_compare      the first ==, !=, <, >, <=, >= inside a method other than __init__
                        is flipped (== <-> !=, < <-> >=, > <-> <=); absent if there is none
      raise_in_method   the target method's body starts with `raise ValueError("mutant")`
      syntax_error      solution_code + "\\n\\ndef oops(:\\n    pass\\n"
  classeval_hostile.jsonl    for the first --hostile-tasks tasks (default 3):
      loop_in_method    the target method starts with `while True: pass`
      sleep_in_method   the target method starts with `time.sleep(8)` (the C-level sleep
                        cannot be interrupted by func_timeout's async exception)
      loop_at_import    `while True: pass` at module level after the class
      sys_exit_import   `sys.exit(0)` at module level after the class
      sys_exit_method   the target method starts with `sys.exit(1)`
      os_exit_import    `os._exit(0)` at module level (ends the official evaluator process)
      os_exit_method    the target method starts with `os._exit(3)`
      delete_cwd        at import, every regular file in the working directory is deleted
                        (in ClassEval that is the evaluator's own directory, which holds
                        every generated test module of every task)
      chdir_away        at import, os.chdir into a fresh temporary directory
      patch_asserts     return_none, plus unittest.TestCase.assert* made no-ops at import
                        (the test code runs in the same module, after the candidate)

The "target method" is the first method of the class, in source order, that has its own
test class (`<ClassName>Test<CamelCaseMethod>` in test_classes), else the first method
other than __init__. Bodies are edited with the line numbers and offsets of Python's ast,
so every mutant parses (except syntax_error).

Rows: `{"task_id", "completion", "variant"}` (JSONL, as verdict reads), in dataset task
order then the variant order above. --format official instead writes ClassEval's own
format: a JSON list `[{"task_id", "predict": [...], "variants": [...]}]`, one entry per
task, which ClassEval's evaluation.py reads from output/model_output/<name>.json.
"""

import argparse
import ast
import io
import json
import sys
import tokenize
from pathlib import Path

DEFAULT_DATA = "/work/shared/data/classeval/ClassEval_data.json"

FLIP = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}


def camel(name):
    return "".join(part[:1].upper() + part[1:] for part in name.split("_") if part)


def class_node(task):
    tree = ast.parse(task["solution_code"])
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == task["class_name"]:
            return node
    raise ValueError(f"{task['task_id']}: class {task['class_name']} not found")


def methods_of(cls):
    return [n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def target_method(task):
    cls = class_node(task)
    methods = [m for m in methods_of(cls) if m.name != "__init__"]
    # a method whose first statement sits on its own line (so a line can go before it)
    methods = [m for m in methods if m.body[0].lineno > m.lineno]
    tested = set(task["test_classes"])
    for m in methods:
        if f"{task['class_name']}Test{camel(m.name)}" in tested:
            return m
    if not methods:
        raise ValueError(f"{task['task_id']}: no method to mutate")
    return methods[0]


def prepend_to_body(task, statement):
    """solution_code with `statement` as the target method's first line."""
    m = target_method(task)
    first = m.body[0]
    lines = task["solution_code"].split("\n")
    indent = " " * first.col_offset
    idx = first.lineno - 1
    return "\n".join(lines[:idx] + [indent + statement] + lines[idx:]), m.name


def flip_compare(task):
    """solution_code with the first comparison of a non-__init__ method flipped, or None."""
    src = task["solution_code"]
    cls = class_node(task)
    compares = []
    for m in methods_of(cls):
        if m.name == "__init__":
            continue
        for node in ast.walk(m):
            if (isinstance(node, ast.Compare) and len(node.ops) == 1
                    and type(node.ops[0]).__name__ in ("Eq", "NotEq", "Lt", "Gt", "LtE", "GtE")):
                compares.append(node)
    compares.sort(key=lambda n: (n.lineno, n.col_offset))
    if not compares:
        return None
    node = compares[0]
    start = (node.left.end_lineno, node.left.end_col_offset)
    end = (node.comparators[0].lineno, node.comparators[0].col_offset)
    for tok in tokenize.generate_tokens(io.StringIO(src).readline):
        if tok.type == tokenize.OP and tok.string in FLIP and start <= tok.start and tok.end <= end:
            lines = src.split("\n")
            row, col = tok.start
            line = lines[row - 1]
            lines[row - 1] = line[:col] + FLIP[tok.string] + line[col + len(tok.string):]
            return "\n".join(lines), f"{tok.string} -> {FLIP[tok.string]} at line {row}"
    return None


def append_module(task, code):
    return task["solution_code"].rstrip("\n") + "\n\n" + code + "\n"


def benign(task):
    sol = task["solution_code"]
    out = [("canonical", sol, None)]
    out.append(("fenced", "Here is the class:\n```python\n" + sol + "\n```\nDone.", None))
    out.append(("py_fence", "```py\n" + sol + "\n```", None))
    out.append(("unclosed_fence", "```python\n" + sol, None))
    out.append(("indented", "The implementation:\n" + "\n".join(
        ("    " + line) if line.strip() else line for line in sol.split("\n")), None))
    code, name = prepend_to_body(task, "return None")
    out.append(("return_none", code, name))
    flipped = flip_compare(task)
    if flipped is not None:
        out.append(("flip_compare", flipped[0], flipped[1]))
    code, name = prepend_to_body(task, 'raise ValueError("mutant")')
    out.append(("raise_in_method", code, name))
    out.append(("syntax_error", sol + "\n\ndef oops(:\n    pass\n", None))
    return out


DELETE_CWD = """import os as _os
for _f in _os.listdir('.'):
    if _os.path.isfile(_f):
        try:
            _os.remove(_f)
        except OSError:
            pass"""

CHDIR_AWAY = """import os as _os, tempfile as _tempfile
_os.chdir(_tempfile.mkdtemp(prefix='classeval-chdir-'))"""

PATCH_ASSERTS = """import unittest as _unittest
for _name in dir(_unittest.TestCase):
    if _name.startswith('assert'):
        setattr(_unittest.TestCase, _name, lambda *a, **k: None)"""


def hostile(task):
    out = []

    def body(variant, stmt, imports=""):
        code, name = prepend_to_body(task, stmt)
        out.append((variant, (imports + code) if imports else code, name))

    body("loop_in_method", "while True: pass")
    body("sleep_in_method", "time.sleep(8)", "import time\n")
    out.append(("loop_at_import", append_module(task, "while True:\n    pass"), None))
    out.append(("sys_exit_import", append_module(task, "import sys\nsys.exit(0)"), None))
    body("sys_exit_method", "sys.exit(1)", "import sys\n")
    out.append(("os_exit_import", append_module(task, "import os\nos._exit(0)"), None))
    body("os_exit_method", "os._exit(3)", "import os\n")
    out.append(("delete_cwd", append_module(task, DELETE_CWD), None))
    out.append(("chdir_away", append_module(task, CHDIR_AWAY), None))
    code, name = prepend_to_body(task, "return None")
    out.append(("patch_asserts", code.rstrip("\n") + "\n\n" + PATCH_ASSERTS + "\n", name))
    return out


def check_parses(task_id, variant, code):
    if variant in ("syntax_error", "py_fence", "unclosed_fence", "indented", "fenced"):
        return
    ast.parse(code)  # raises on a generator bug


def write(path, rows, fmt):
    if fmt == "jsonl":
        with open(path, "w", encoding="utf-8") as f:
            for task_id, variant, code, note in rows:
                row = {"task_id": task_id, "completion": code, "variant": variant}
                if note:
                    row["note"] = note
                f.write(json.dumps(row) + "\n")
    else:
        by_task = {}
        for task_id, variant, code, note in rows:
            entry = by_task.setdefault(task_id, {"task_id": task_id, "predict": [], "variants": []})
            entry["predict"].append(code)
            entry["variants"].append(variant)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(list(by_task.values()), f, indent=1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--tasks", type=int, default=None, help="only the first N tasks")
    ap.add_argument("--task-ids", default=None, help="comma-separated task ids")
    ap.add_argument("--hostile-tasks", type=int, default=3)
    ap.add_argument("--format", choices=["jsonl", "official"], default="jsonl")
    args = ap.parse_args()

    data = json.load(open(args.data, encoding="utf-8"))
    if args.task_ids:
        wanted = args.task_ids.split(",")
        data = [t for t in data if t["task_id"] in wanted]
    elif args.tasks is not None:
        data = data[: args.tasks]

    canonical, ben, hos = [], [], []
    for i, task in enumerate(data):
        tid = task["task_id"]
        canonical.append((tid, "canonical", task["solution_code"], None))
        for variant, code, note in benign(task):
            check_parses(tid, variant, code)
            ben.append((tid, variant, code, note))
        if i < args.hostile_tasks:
            for variant, code, note in hostile(task):
                check_parses(tid, variant, code)
                hos.append((tid, variant, code, note))

    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ext = "jsonl" if args.format == "jsonl" else "json"
    for name, rows in (("canonical", canonical), ("benign", ben), ("hostile", hos)):
        path = out / f"classeval_{name}.{ext}"
        write(path, rows, args.format)
        print(f"{path}: {len(rows)} samples", file=sys.stderr)


if __name__ == "__main__":
    main()
