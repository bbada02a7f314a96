#!/usr/bin/python3
"""Write CRUXEval generations files (the official format) that exercise every path of the
official evaluator, for both modes, deterministically from a seed.

    cruxeval_samples.py --out-dir DIR [--tasks 50 | --full] [-n 5] [--seed 0]
                        [--slow-rate 0.03] [--short-rate 0.12] [--empty] [--data FILE]

Writes DIR/cruxeval_output_generations.json and DIR/cruxeval_input_generations.json
(`{"sample_<i>": [generation, ...]}`, what evaluation/evaluate_generations.py reads; the
names are chosen so that the official command line, which takes the mode from whether the
*path* contains "input", picks the right one: keep "input" out of DIR), and beside each a
`_labels.json` with the intended category of every generation (`{"sample_<i>": [label,...]}`),
which compare_cruxeval.py shows next to disagreements. A label is only the intent; the
official evaluator decides.

--tasks N picks N samples (seeded; default 50), --full takes all 800 with -n 10. -n is the
number of generations per sample (default 5); a --short-rate share of the samples get 1 to 4
instead (the official pass@5 is 1.0 for any sample with n - c < 5, even c = 0), and --empty
adds samples with no generation at all (the official code then scores n = 0, and
pass_at_k(0, 0, k) is 1.0).

Categories (output mode: an expression compared with the expected output; input mode: a
call of f compared with it), each a test of one behaviour:
  right         the dataset's own output literal / f(<dataset input>)
  right_alt     an equal answer written differently (repr of the value, other spacing,
                 parentheses, a print before it)
  wrong         a perturbed literal (output mode) or a perturbed first argument (input mode;
                 f may still return the same value, then it passes)
  syntax        not valid Python once put into `assert <output> == <generation>`
  raise         raises (ZeroDivisionError, NameError, TypeError, SystemExit, os._exit(0))
  cheat_skip    what the skip rule targets: output mode contains f"f({input})";
                 input mode has no "f(" (the expected output itself, or another name)
  cheat_miss    tricks the skip rule lets through: output mode `f( <input>)`, `f(<input> )`,
                 `WRONG or True`, an object whose __eq__ is always true; input mode
                 `<output> if f else f()`, `f(WRONG) or True`, the always-equal object
  slow_pass     a right answer after ~0.2-1 s of work or a 1 s sleep (passes within 3 s)
  slow_timeout  a Python-level endless loop (SIGALRM stops it at 3 s), a 5 s sleep, a
                 C-level loop SIGALRM cannot interrupt (sum(range(10**13)): the process is
                 killed at join(3 + 1)), and, in input mode where f loops over an int
                 argument, that argument made 10**8 (a huge repetition count)
Slow generations are a --slow-rate share (default 0.03), each costing up to 3-4 s of the
official run; the first samples are arranged so that even a small set has every category,
and a few samples mix skipped cheats with right and with wrong answers (the two branches of
the new skip rule).
"""

import argparse
import ast
import json
import random
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def default_data() -> Path:
    import os
    env = os.environ.get("VERDICT_DATA_DIR")
    base = Path(env) if env else (REPO_ROOT / ".." / "shared" / "data").resolve()
    return base / "cruxeval" / "cruxeval.jsonl"


ALWAYS_EQ = "type('AlwaysEq', (), {'__eq__': lambda s, o: True})()"
LOOP = "next(x for x in iter(int, 1) if x)"          # endless, interruptible by SIGALRM
C_LOOP = "sum(range(10**13))"                          # endless in C: SIGALRM cannot stop it


def perturb_value(v, rng):
    if isinstance(v, bool):
        return not v
    if isinstance(v, int):
        return v + rng.choice([1, -1, 7])
    if isinstance(v, float):
        return v + 1.5 if v == v and abs(v) != float("inf") else 0
    if isinstance(v, str):
        return v + rng.choice(["x", "!", " "]) if v else "a"
    if isinstance(v, bytes):
        return v + b"!"
    if v is None:
        return 0
    if isinstance(v, list):
        return [perturb_value(v[0], rng)] + v[1:] if v else [0]
    if isinstance(v, tuple):
        return (perturb_value(v[0], rng),) + v[1:] if v else (0,)
    if isinstance(v, dict):
        return {**v, "zz_extra": 0}
    if isinstance(v, (set, frozenset)):
        return type(v)(set(v) | {"zz_extra"})
    return (v, "zz_extra")


def wrong_literal(text, rng) -> str:
    try:
        v = ast.literal_eval(text)
    except Exception:
        return f"({text}, 'zz_extra')"
    w = perturb_value(v, rng)
    s = repr(w)
    try:
        if ast.literal_eval(s) == v:
            return f"({text}, 'zz_extra')"
    except Exception:
        pass
    return s


def split_args(inp):
    """The top-level argument texts of f(<inp>), or None."""
    try:
        call = ast.parse(f"f({inp})", mode="eval").body
    except SyntaxError:
        return None
    src = f"f({inp})"
    parts = [ast.get_source_segment(src, a) for a in call.args]
    parts += [ast.get_source_segment(src, k) for k in call.keywords]
    return parts if all(p is not None for p in parts) else None


def wrong_call(inp, rng) -> str:
    parts = split_args(inp)
    if not parts:
        return f"f({inp}, None)"
    j = rng.randrange(len(parts))
    try:
        v = ast.literal_eval(parts[j])
        parts[j] = repr(perturb_value(v, rng))
    except Exception:
        parts[j] = "None"
    return "f(" + ", ".join(parts) + ")"


def huge_count_call(code, inp):
    """f(...) with an int argument made 10**8 when f's code passes that parameter to
    range() or compares a while loop against it; None when there is none."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    fdef = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "f"), None)
    if fdef is None:
        return None
    params = [a.arg for a in fdef.args.args]
    loopy = set()
    for node in ast.walk(fdef):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range":
            loopy |= {a.id for a in node.args if isinstance(a, ast.Name)}
        if isinstance(node, ast.While):
            loopy |= {n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)}
    parts = split_args(inp)
    if not parts or len(parts) > len(params):
        return None
    for j, p in enumerate(params[:len(parts)]):
        if p in loopy:
            try:
                v = ast.literal_eval(parts[j])
            except Exception:
                continue
            if isinstance(v, int) and not isinstance(v, bool) and 0 < v < 1000:
                parts[j] = "10**8"
                return "f(" + ", ".join(parts) + ")"
    return None


def make_output(cat, row, rng, variant):
    i, o = row["input"], row["output"]
    if cat == "right":
        return o
    if cat == "right_alt":
        try:
            alt = repr(ast.literal_eval(o))
        except Exception:
            alt = o
        return [alt if alt != o else f"({o})", f" {o} ", f"({o})", f"(print('passed') or {o})"][variant % 4]
    if cat == "wrong":
        return wrong_literal(o, rng)
    if cat == "syntax":
        return [f"{o})", f"{o} +", f"({o}", "'unterminated", f"{o} = {o}"][variant % 5]
    if cat == "raise":
        return ["1 // 0", "undefined_name_zz", f"{o} if [][1] else {o}",
                "__import__('sys').exit(0)", "__import__('os')._exit(0)", "exit()"][variant % 6]
    if cat == "cheat_skip":
        return [f"f({i})", f"{wrong_literal(o, rng)} if False else f({i})", f"  f({i})"][variant % 3]
    if cat == "cheat_miss":
        return [f"f( {i})", f"f({i} )", f"{wrong_literal(o, rng)} or True", ALWAYS_EQ][variant % 4]
    if cat == "slow_pass":
        return [f"(sum(1 for _ in range(3 * 10**6)) and {o})",
                f"(__import__('time').sleep(1) or {o})"][variant % 2]
    if cat == "slow_timeout":
        return [f"({LOOP} and {o})", f"(__import__('time').sleep(5) or {o})",
                f"({C_LOOP} and {o})"][variant % 3]
    raise ValueError(cat)


def make_input(cat, row, rng, variant):
    i, o = row["input"], row["output"]
    call = f"f({i})"
    if cat == "right":
        return call
    if cat == "right_alt":
        return [f"f( {i} )", f"({call})", f"(print('passed') or {call})", f"f({i},)"
                if split_args(i) else f"f( {i})"][variant % 4]
    if cat == "wrong":
        return wrong_call(i, rng)
    if cat == "syntax":
        return [f"f({i}", f"{call})", f"f({i}) +", f"f(({i})"][variant % 4]
    if cat == "raise":
        return [f"{call} if 1 // 0 else None", "f(*[None] * 40)", f"{call} + undefined_name_zz",
                f"{call} if __import__('sys').exit(0) else 0",
                f"{call} if __import__('os')._exit(0) else 0"][variant % 5]
    if cat == "cheat_skip":
        return [o, f"({o})", f"g({i})"][variant % 3]
    if cat == "cheat_miss":
        return [f"{o} if f else f()", f"{wrong_call(i, rng)} or True",
                f"{ALWAYS_EQ} or f()"][variant % 3]
    if cat == "slow_pass":
        return [f"(sum(1 for _ in range(3 * 10**6)) and {call})",
                f"(__import__('time').sleep(1) or {call})"][variant % 2]
    if cat == "slow_timeout":
        huge = huge_count_call(row["code"], i)
        options = [f"({LOOP} and {call})", f"(__import__('time').sleep(5) or {call})",
                   f"({C_LOOP} and {call})"]
        if huge:
            options = [huge] + options
        return options[variant % len(options)]
    raise ValueError(cat)


CATS = ["right", "right_alt", "wrong", "syntax", "raise", "cheat_skip", "cheat_miss",
        "slow_pass", "slow_timeout"]
FAST_WEIGHTS = {"right": 30, "right_alt": 10, "wrong": 22, "syntax": 8, "raise": 8,
                "cheat_skip": 12, "cheat_miss": 10}

# Hand-placed patterns for the first samples: every category, and both branches of the
# new skip rule (a skipped cheat beside a passing answer shrinks n; beside only failures,
# or alone, the list becomes [False] * len).
PATTERNS = [
    ["right", "cheat_skip", "wrong", "right", "syntax"],
    ["cheat_skip", "wrong", "raise", "syntax", "wrong"],
    ["cheat_skip", "cheat_skip", "cheat_skip", "cheat_skip", "cheat_skip"],
    ["cheat_miss", "cheat_miss", "cheat_miss", "wrong", "right_alt"],
    ["slow_timeout", "right", "slow_pass", "wrong", "raise"],
    ["right_alt", "right_alt", "right_alt", "right_alt", "raise"],
    ["raise", "raise", "raise", "raise", "raise", "raise"],
    ["syntax", "syntax", "syntax", "syntax", "syntax"],
    ["slow_timeout", "slow_timeout", "cheat_skip"],
    ["right"],
    ["cheat_skip"],
    ["wrong", "cheat_skip"],
    ["right", "right", "right", "cheat_skip"],
]


def build(rows, mode, n, seed, slow_rate, short_rate, empty):
    rng = random.Random(f"{seed}-{mode}")
    make = make_output if mode == "output" else make_input
    gens, labels = {}, {}
    counters = {c: 0 for c in CATS}
    for t, row in enumerate(rows):
        if t < len(PATTERNS):
            cats = list(PATTERNS[t])
        elif empty and t == len(PATTERNS):
            cats = []
        else:
            k = rng.randint(1, 4) if rng.random() < short_rate else n
            cats = []
            for _ in range(k):
                r = rng.random()
                if r < slow_rate:
                    cats.append(rng.choice(["slow_pass", "slow_timeout"]))
                else:
                    cats.append(rng.choices(list(FAST_WEIGHTS), weights=list(FAST_WEIGHTS.values()))[0])
        out = []
        for c in cats:
            out.append(make(c, row, rng, counters[c]))
            counters[c] += 1
        gens[row["id"]] = out
        labels[row["id"]] = cats
    return gens, labels, counters


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out-dir", type=Path, required=True)
    ap.add_argument("--tasks", type=int, default=50)
    ap.add_argument("--full", action="store_true", help="all 800 samples, -n 10 unless given")
    ap.add_argument("-n", type=int, default=None, help="generations per sample (default 5; --full: 10)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--slow-rate", type=float, default=0.03)
    ap.add_argument("--short-rate", type=float, default=0.12)
    ap.add_argument("--empty", action="store_true", help="one sample with an empty list")
    ap.add_argument("--modes", default="output,input")
    ap.add_argument("--data", type=Path, default=None)
    a = ap.parse_args(argv)
    rows = [json.loads(l) for l in (a.data or default_data()).read_text().splitlines() if l.strip()]
    n = a.n if a.n is not None else (10 if a.full else 5)
    if not a.full:
        rng = random.Random(a.seed)
        pick = sorted(rng.sample(range(len(rows)), min(a.tasks, len(rows))))
        rows = [rows[j] for j in pick]
    if "input" in str(a.out_dir.resolve()):
        print(f"warning: {a.out_dir} contains 'input': the official command line would score "
              "the output file as input mode (cruxeval_official.py is not affected)",
              file=sys.stderr)
    a.out_dir.mkdir(parents=True, exist_ok=True)
    for mode in a.modes.split(","):
        gens, labels, counters = build(rows, mode, n, a.seed, a.slow_rate, a.short_rate, a.empty)
        path = a.out_dir / f"cruxeval_{mode}_generations.json"
        path.write_text(json.dumps(gens, indent=1) + "\n")
        (a.out_dir / f"cruxeval_{mode}_generations_labels.json").write_text(json.dumps(labels) + "\n")
        total = sum(len(v) for v in gens.values())
        print(f"{path}: {len(gens)} samples, {total} generations; "
              + ", ".join(f"{c} {k}" for c, k in counters.items() if k))
    return 0


if __name__ == "__main__":
    sys.exit(main())
