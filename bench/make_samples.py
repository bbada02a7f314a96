#!/usr/bin/python3
"""Write a benchmark samples file: every task x N distinct completions, half right, half wrong.

The completions are built from the benchmark's own canonical solutions:

* right variants: the canonical solution with one distinct, harmless change each
  (a leading `_variant = k` statement, a comment, a trailing comment, a string
  statement, a leading assignment of a seeded nonce);
* wrong variants: distinct fast-failing mutations (`return None` first, raising
  first, the canonical result perturbed by one, returning the first argument,
  returning the canonical result's repr). None of them loops, so no harness spends
  its time in timeouts.

Each sample is checked once locally (no sandbox: a forked child runs it, for
generation sanity only): right variants must pass the task's tests and wrong ones must
fail them. A wrong mutation that happens to pass is replaced by a distinct `raise`.

    make_samples.py [--plus] [-n 10] [--out FILE] [--data-dir DIR] [--seed 0]

HumanEval (default): rows `{"task_id", "completion", "variant"}`, checked with the
task's `check()`. `--plus`: HumanEval+ rows `{"task_id", "solution", "variant"}`
(EvalPlus's whole-program format), checked against the canonical solution's outputs
on the base inputs. Output is deterministic for a given seed.
"""

import argparse
import ast
import gzip
import json
import os
import random
import signal
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def default_data_dir() -> Path:
    env = os.environ.get("VERDICT_DATA_DIR")
    if env:
        return Path(env)
    return (REPO_ROOT / ".." / "shared" / "data").resolve()


def read_jsonl(path: Path):
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def indent_of(body: str) -> str:
    for line in body.split("\n"):
        if line.strip():
            return line[: len(line) - len(line.lstrip())]
    return "    "


def first_param(program: str, entry_point: str):
    tree = ast.parse(program)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == entry_point:
            args = node.args.posonlyargs + node.args.args
            return args[0].arg if args else None
    return None


def wrapped(body: str, ind: str, k: int, tail: list) -> str:
    """The canonical body as a nested function, its result `_r` then `tail` lines."""
    inner = "\n".join((ind + line) if line.strip() else line for line in body.split("\n"))
    lines = [f"{ind}def _variant_{k}():", inner.rstrip("\n"), f"{ind}_r = _variant_{k}()"]
    lines += [ind + t for t in tail]
    return "\n".join(lines) + "\n"


PERTURB = [
    "if isinstance(_r, bool):",
    "    return not _r",
    "if isinstance(_r, (int, float)):",
    "    return _r + 1",
    "if isinstance(_r, str):",
    "    return _r + '?'",
    "if isinstance(_r, list):",
    "    return _r + [None]",
    "if isinstance(_r, tuple):",
    "    return _r + (None,)",
    "return None if _r is not None else 0",
]


def right_variant(body: str, ind: str, k: int, rng: random.Random) -> str:
    form = k % 5
    if form == 0:
        return f"{ind}_variant = {k}\n" + body
    if form == 1:
        return f"{ind}# variant {k}: the canonical solution\n" + body
    if form == 2:
        return body.rstrip("\n") + f"\n{ind}# end of variant {k}\n"
    if form == 3:
        return f"{ind}_variant = '{rng.getrandbits(48):012x}-{k}'\n" + body
    return f'{ind}"""variant {k}"""\n' + body


def wrong_variant(body: str, ind: str, k: int, param) -> str:
    form = k % 5
    if form == 0:
        return f"{ind}return None  # variant {k}\n" + body
    if form == 1:
        return f"{ind}raise ValueError('variant {k}')\n" + body
    if form == 2:
        return wrapped(body, ind, k, PERTURB)
    if form == 3:
        if param is None:
            return f"{ind}return {k}  # variant {k}\n" + body
        return f"{ind}return {param}  # variant {k}\n" + body
    return wrapped(body, ind, k, ["return repr(_r)"])


def fallback_variant(body: str, ind: str, k: int) -> str:
    return f"{ind}raise AssertionError('variant {k}: fallback')\n" + body


def mbpp_right_variant(code: str, k: int, rng: random.Random) -> str:
    form = k % 5
    if form == 0:
        return code.rstrip("\n") + f"\n_variant = {k}\n"
    if form == 1:
        return f"# variant {k}: the canonical solution\n" + code
    if form == 2:
        return code.rstrip("\n") + f"\n# end of variant {k}\n"
    if form == 3:
        return code.rstrip("\n") + f"\n_variant = '{rng.getrandbits(48):012x}-{k}'\n"
    return code.rstrip("\n") + f'\n"""variant {k}"""\n'


def mbpp_wrong_variant(code: str, entry: str, k: int) -> str:
    """The canonical program, then `entry` redefined (wrapping the original)."""
    form = k % 5
    head = [f"_original_{k} = {entry}", f"def {entry}(*args, **kwargs):"]
    if form == 0:
        body = ["return None"]
    elif form == 1:
        body = [f"raise ValueError('variant {k}')"]
    elif form == 2:
        body = [f"_r = _original_{k}(*args, **kwargs)"] + PERTURB
    elif form == 3:
        body = ["return args[0] if args else None"]
    else:
        body = [f"return repr(_original_{k}(*args, **kwargs))"]
    return code.rstrip("\n") + "\n\n" + "\n".join(head + ["    " + b for b in body]) + "\n"


def mbpp_fallback_variant(code: str, entry: str, k: int) -> str:
    return (code.rstrip("\n") + f"\n\ndef {entry}(*args, **kwargs):\n"
            f"    raise AssertionError('variant {k}: fallback')\n")


# ---------------------------------------------------------------- local sanity check

def _alarm(signum, frame):
    raise TimeoutError("sanity check timed out")


def run_in_child(fn) -> bool:
    """Runs fn() in a forked child with a 10 s alarm; True when it returns True."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            signal.signal(signal.SIGALRM, _alarm)
            signal.alarm(10)
            code = 0 if fn() else 1
        except BaseException:
            code = 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def humaneval_passes(problem: dict, completion: str) -> bool:
    program = (problem["prompt"] + completion + "\n" + problem["test"] + "\n"
               + f"check({problem['entry_point']})")

    def go():
        exec(program, {})
        return True

    return run_in_child(go)


def _same(out, exp, atol) -> bool:
    if out == exp:
        return True
    try:
        import math
        if isinstance(exp, float) and isinstance(out, float):
            return math.isclose(out, exp, rel_tol=1e-7, abs_tol=max(atol, 1e-6))
        if isinstance(exp, (list, tuple)) and type(out) == type(exp) and len(out) == len(exp):
            return all(_same(o, e, atol) for o, e in zip(out, exp))
    except Exception:
        return False
    return False


def mbpp_assertions_pass(problem: dict, solution: str) -> bool:
    program = solution + "\n" + problem["assertion"]

    def go():
        exec(program, {})
        return True

    return run_in_child(go)


def plus_base_passes(problem: dict, solution: str) -> bool:
    """True when `solution` gives the canonical outputs on every base input."""
    canonical = problem["prompt"] + problem["canonical_solution"]
    entry = problem["entry_point"]
    atol = problem.get("atol") or 0

    def go():
        import copy
        ref_g, cand_g = {}, {}
        exec(canonical, ref_g)
        exec(solution, cand_g)
        ref, cand = ref_g[entry], cand_g[entry]
        for inp in problem["base_input"]:
            exp = ref(*copy.deepcopy(inp))
            out = cand(*copy.deepcopy(inp))
            if entry == "find_zero":  # EvalPlus's special oracle for HumanEval/32
                if not isinstance(out, (int, float)) or abs(ref_g["poly"](*inp, out)) > atol:
                    return False
                continue
            if not _same(out, exp, atol):
                return False
        return True

    return run_in_child(go)


# ---------------------------------------------------------------- main

def build(problems, per_task: int, seed: int, plus, check: bool = True):
    """plus: False (HumanEval, `completion` rows), True (HumanEval+, `solution` rows) or
    "mbpp" (MBPP+, `solution` rows; checked with the task's base `assertion` code, and
    a task whose canonical solution fails its own assertions is left unchecked)."""
    if plus == "mbpp":
        return build_mbpp(problems, per_task, seed, check)
    rng = random.Random(seed)
    n_right = (per_task + 1) // 2
    n_wrong = per_task - n_right
    rows, fixes, bad_right = [], [], []
    for problem in problems:
        body = problem["canonical_solution"]
        ind = indent_of(body)
        param = first_param(problem["prompt"] + body, problem["entry_point"])

        def as_code(completion):
            return problem["prompt"] + completion if plus else completion

        def passes(completion):
            if not check:
                return None
            if plus:
                return plus_base_passes(problem, as_code(completion))
            return humaneval_passes(problem, completion)

        task_rows = []
        for k in range(n_right):
            completion = right_variant(body, ind, k, rng)
            if passes(completion) is False:
                bad_right.append((problem["task_id"], k))
            task_rows.append((f"right-{k}", completion))
        for k in range(n_wrong):
            completion = wrong_variant(body, ind, k, param)
            if passes(completion):
                fixes.append((problem["task_id"], k))
                completion = fallback_variant(body, ind, k)
                assert not passes(completion), problem["task_id"]
            task_rows.append((f"wrong-{k}", completion))
        codes = [c for _, c in task_rows]
        assert len(set(codes)) == len(codes), f"duplicate completions in {problem['task_id']}"
        rng.shuffle(task_rows)
        for variant, completion in task_rows:
            row = {"task_id": problem["task_id"]}
            if plus:
                row["solution"] = as_code(completion)
            else:
                row["completion"] = completion
            row["variant"] = variant
            rows.append(row)
    return rows, fixes, bad_right


def build_mbpp(problems, per_task: int, seed: int, check: bool):
    rng = random.Random(seed)
    n_right = (per_task + 1) // 2
    n_wrong = per_task - n_right
    rows, fixes, bad_right = [], [], []
    for problem in problems:
        code = problem["prompt"] + problem["canonical_solution"]
        entry = problem["entry_point"]
        checkable = check and mbpp_assertions_pass(problem, code)
        task_rows = []
        for k in range(n_right):
            solution = mbpp_right_variant(code, k, rng)
            if checkable and not mbpp_assertions_pass(problem, solution):
                bad_right.append((problem["task_id"], k))
            task_rows.append((f"right-{k}", solution))
        for k in range(n_wrong):
            solution = mbpp_wrong_variant(code, entry, k)
            if checkable and mbpp_assertions_pass(problem, solution):
                fixes.append((problem["task_id"], k))
                solution = mbpp_fallback_variant(code, entry, k)
            task_rows.append((f"wrong-{k}", solution))
        codes = [c for _, c in task_rows]
        assert len(set(codes)) == len(codes), f"duplicate completions in {problem['task_id']}"
        rng.shuffle(task_rows)
        for variant, solution in task_rows:
            rows.append({"task_id": problem["task_id"], "solution": solution, "variant": variant})
    return rows, fixes, bad_right


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--plus", action="store_true", help="HumanEval+ (EvalPlus `solution` rows)")
    ap.add_argument("--mbpp-plus", action="store_true",
                    help="MBPP+ v0.1.0 (`solution` rows; sanity-checked with its base assertions)")
    ap.add_argument("-n", "--per-task", type=int, default=10, help="completions per task (default 10)")
    ap.add_argument("--quick", action="store_true", help="same as -n 3")
    ap.add_argument("--tasks", type=int, default=None, help="only the first N tasks")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data-dir", type=Path, default=None,
                    help="benchmark data mirror (default $VERDICT_DATA_DIR or ../shared/data)")
    ap.add_argument("--out", type=Path, default=None, help="output JSONL (default: stdout)")
    ap.add_argument("--no-check", action="store_true", help="skip the local sanity check")
    args = ap.parse_args(argv)
    per_task = 3 if args.quick else args.per_task
    data_dir = args.data_dir or default_data_dir()
    if args.mbpp_plus:
        problems = read_jsonl(data_dir / "mbppplus" / "MbppPlus-v0.1.0.jsonl")
    elif args.plus:
        problems = read_jsonl(data_dir / "humanevalplus" / "HumanEvalPlus.jsonl.gz")
    else:
        problems = read_jsonl(data_dir / "humaneval" / "HumanEval.jsonl.gz")
    if args.tasks is not None:
        problems = problems[: args.tasks]

    kind = "mbpp" if args.mbpp_plus else args.plus
    rows, fixes, bad_right = build(problems, per_task, args.seed, kind, not args.no_check)

    out = open(args.out, "w", encoding="utf-8") if args.out else sys.stdout
    for row in rows:
        out.write(json.dumps(row) + "\n")
    if args.out:
        out.close()

    right = sum(1 for r in rows if r["variant"].startswith("right"))
    print(f"wrote {len(rows)} samples ({len(problems)} tasks x {per_task}: {right} right, "
          f"{len(rows) - right} wrong) to {args.out or 'stdout'}", file=sys.stderr)
    if not args.no_check:
        print(f"local sanity check: every right variant passes, every wrong one fails"
              f"{' (with the fallbacks below)' if fixes else ''}", file=sys.stderr)
    for task_id, k in fixes:
        print(f"  note: {task_id} wrong-{k} passed; replaced by a raise", file=sys.stderr)
    for task_id, k in bad_right:
        print(f"  ERROR: {task_id} right-{k} fails the local check", file=sys.stderr)
    return 1 if bad_right else 0


if __name__ == "__main__":
    sys.exit(main())
