#!/usr/bin/python3
"""Write HumanEval+ or MBPP+ samples whose outputs have the canonical values in other types.

Each sample is a task's canonical solution with its entry point wrapped so that the
result changes type (or, for a few mutations, value) while staying close to right: a
tuple for a list, a float for an int, numpy scalars and arrays, a `Fraction` or a
`Decimal`, a generator, a `str` subclass, a float nudged within or beyond EvalPlus's
tolerance, NaN, and so on. These are the outputs where a harness that compares values
outside the candidate's process can disagree with EvalPlus's in-process `==`,
`np.allclose` and type checks, so judging them with `bench/compare_official.py` tests
that comparison across every task:

    type_mutations.py --benchmark humaneval-plus --out he_types.jsonl
    compare_official.py he_types.jsonl --benchmark humaneval-plus

A mutation is kept for a task only where it changes the canonical output's type or
value on one of the task's first three base inputs (checked in a forked child, no
sandbox: the code is the benchmark's own reference solution).

    type_mutations.py --benchmark humaneval-plus|mbpp-plus [--out FILE] [--data-dir DIR]
"""

import argparse
import copy
import gzip
import json
import os
import signal
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

# name -> expression of the wrapped result `r`
MUTATIONS = {
    "seqswap": "tuple(r) if type(r) is list else (list(r) if type(r) is tuple else r)",
    "numswap": "float(r) if type(r) is int else (int(r) if type(r) is float and r == r"
               " and abs(r) != float('inf') else r)",
    "npscalar": "__import__('numpy').int64(r) if type(r) is int and abs(r) < 2**62 else"
                " (__import__('numpy').float64(r) if type(r) is float else"
                " (__import__('numpy').bool_(r) if type(r) is bool else r))",
    "npelems": "type(r)(__import__('numpy').float64(x) if type(x) is float else"
               " (__import__('numpy').int64(x) if type(x) is int and abs(x) < 2**62 else x)"
               " for x in r) if type(r) in (list, tuple) else r",
    "nudge": "r * (1 + 3e-8) + 1e-9 if type(r) is float else"
             " ([x * (1 + 3e-8) if type(x) is float else x for x in r] if type(r) is list else r)",
    "nudgebig": "r + 2e-6 if type(r) is float else"
                " ([x + 2e-6 if type(x) is float else x for x in r] if type(r) is list else r)",
    "gen": "(x for x in r) if type(r) in (list, tuple, set) else r",
    "boolint": "int(r) if type(r) is bool else (bool(r) if type(r) is int and r in (0, 1) else r)",
    "ndarray": "__import__('numpy').array(r) if type(r) in (list, tuple) and r"
               " and all(type(x) in (int, float) for x in r) else r",
    "strsub": "type('S', (str,), {})(r) if type(r) is str else r",
    "fraction": "__import__('fractions').Fraction(r) if type(r) in (int, float) and r == r"
                " and abs(r) != float('inf') else r",
    "decimal": "__import__('decimal').Decimal(r) if type(r) is int else r",
    "setlist": "sorted(r, key=repr) if type(r) in (set, frozenset) else"
               " (set(r) if type(r) is list and all(type(x) in (int, str) for x in r) else r)",
    "dictitems": "list(r.items()) if type(r) is dict else r",
    "nan": "float('nan') if type(r) is float else r",
    "complex": "complex(r) if type(r) in (int, float) else r",
    "ordered": "__import__('collections').OrderedDict(r) if type(r) is dict else r",
    "negzero": "-0.0 if type(r) in (int, float) and r == 0 else r",
}


def default_data_dir() -> Path:
    env = os.environ.get("VERDICT_DATA_DIR")
    return Path(env) if env else (REPO_ROOT / ".." / "shared" / "data").resolve()


def load_problems(benchmark: str, data_dir: Path) -> list:
    if benchmark == "humaneval-plus":
        with gzip.open(data_dir / "humanevalplus" / "HumanEvalPlus.jsonl.gz", "rt") as f:
            return [json.loads(line) for line in f if line.strip()]
    with open(data_dir / "mbppplus" / "MbppPlus-v0.1.0.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def reference_code(benchmark: str, problem: dict) -> str:
    if benchmark == "humaneval-plus":
        return problem["prompt"] + problem["canonical_solution"]
    return problem["canonical_solution"]


def mutated(code: str, entry: str, name: str, expression: str) -> str:
    return (code.rstrip("\n") + f"\n\n_original_{name} = {entry}\n"
            f"def {entry}(*args, **kwargs):\n"
            f"    r = _original_{name}(*args, **kwargs)\n"
            f"    return {expression}\n")


def changes_output(problem: dict, reference: str, solution: str) -> bool:
    """Whether `solution` gives another type or repr than `reference` on one of the
    first three base inputs (or fails there), judged in a forked child."""
    readable, writable = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(readable)
        signal.alarm(10)
        answer = b"0"
        try:
            sys.stdout = open(os.devnull, "w")
            ours, theirs = {}, {}
            exec(reference, ours)
            exec(solution, theirs)
            entry = problem["entry_point"]
            for inp in problem["base_input"][:3]:
                a = ours[entry](*copy.deepcopy(inp))
                b = theirs[entry](*copy.deepcopy(inp))
                if type(a) is not type(b) or repr(a) != repr(b):
                    answer = b"1"
                    break
        except BaseException:
            answer = b"1"
        os.write(writable, answer)
        os._exit(0)
    os.close(writable)
    answer = os.read(readable, 1)
    os.close(readable)
    os.waitpid(pid, 0)
    return answer == b"1"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--benchmark", required=True, choices=["humaneval-plus", "mbpp-plus"])
    ap.add_argument("--data-dir", type=Path, default=None,
                    help="local mirror (default: $VERDICT_DATA_DIR or ../shared/data)")
    ap.add_argument("--out", type=Path, default=None, help="output JSONL (default: stdout)")
    args = ap.parse_args()
    problems = load_problems(args.benchmark, args.data_dir or default_data_dir())
    out = open(args.out, "w", encoding="utf-8") if args.out else sys.stdout
    kept = considered = 0
    for problem in problems:
        reference = reference_code(args.benchmark, problem)
        for name, expression in MUTATIONS.items():
            solution = mutated(reference, problem["entry_point"], name, expression)
            considered += 1
            if changes_output(problem, reference, solution):
                out.write(json.dumps({"task_id": problem["task_id"], "solution": solution,
                                      "variant": name}) + "\n")
                kept += 1
    if args.out:
        out.close()
    print(f"{kept} samples kept of {considered} task x mutation pairs", file=sys.stderr)


if __name__ == "__main__":
    main()
