#!/usr/bin/python3
"""Write an ENAMEL comparison samples file, in ENAMEL's own samples format.

    enamel_samples.py --out SAMPLES.json (--problems N [--offset M] | --all | --only 0,1,5)
                      [--include reference,canonical,slow,wrong] [--seed 20240607]
                      [--slow-fraction 0.4] [--wrong-fraction 0.25] [--excluded N]
                      [--references JSON] [--dataset CSV] [--enamel-repo GIT_DIR]

SAMPLES.json is {"<problem index>": [code, ...]}, what ENAMEL's demo.py reads from
samples/NAME.json and what `verdict eval --benchmark enamel --samples` takes. A sidecar
SAMPLES.variants.json gives each code's variant name, same shape ({"<index>": [name, ...]});
compare_enamel.py shows it next to each sample.

Problems: N problems of ENAMEL's PROBLEMSET from position M (--problems N --offset M;
default the first N), all 142 (--all), or the listed indices (--only). For each, in this
order (--include keeps only some of the four kinds; the seeded draws stay the same):
  reference  the first expert reference solution of enamel-references.json (the file
             given with --references, default ../shared/data/enamel/enamel-references.json;
             164 lists, row i = problem i); ENAMEL's own scoring puts it near eff 1.
  canonical  the HumanEval+ canonical solution as ENAMEL ships it (samples/
             humanevalplus-canonical.json of the ENAMEL repository, read from the git
             mirror; its contracts are commented out as `pass#assert ...`). ENAMEL reports
             eff@1 0.517, pass@1 0.958 for these over the full set.
  slow-*     for a seeded fraction of the problems (--slow-fraction): the canonical
             solution behind a wrapper that does extra work growing with the input size and
             returns the canonical result for the real arguments (outputs stay right):
               slow-calibrated runs the canonical solution, then burns CPU for
                               0.15 * log10(1 + size) times the CPU time that call took
                               (time.thread_time: exact under ENAMEL and in verdict's
                               sandbox, where a CPU-time limit makes the process clock
                               tick-grained): 1.3x at size 100, 1.6x at 10^4, 2.35x
                               at 10^9, so the large levels score between 0 and 1;
               slow-repeat     calls the canonical solution size.bit_length() // 3 more
                               times on deep copies of the arguments first (size = the
                               lengths of the sized arguments plus the integer arguments'
                               absolute values, capped at 2**30);
               slow-quadratic  a pure-Python n*n loop first, n = the length of the longest
                               list/tuple/str argument (usually over ENAMEL's time limit at
                               the large levels, so those levels score 0 but it passes;
                               where a level-0 input is long, e.g. problems 82 and 143,
                               it is over the limit there too, and fails).
  wrong-*    for another seeded fraction (--wrong-fraction): the canonical solution with
             its result changed on some inputs, so it fails ENAMEL (which fails a sample on
             its first wrong output) while being right on others:
               wrong-large     the result perturbed (bool negated, number + 1 + |x|, str +
                               '#', one more list element, ...) when the input size above
                               is over twice the problem's level-0 size (input_levels),
                               i.e. right on most inputs of level 0, wrong above;
               wrong-falsy     returns the falsy value of the result's type (False, 0, '',
                               [], ...; 0 for None): right wherever the answer is falsy.
--excluded N also adds the canonical solution of the first N of the 22 problems ENAMEL
excludes (2, 23, ...), which both evaluators must skip.

The draws for problem i use random.Random(f"{seed}:{i}"), so a problem gets the same
variants whatever else is selected, and the same arguments give the same file. Printed:
how many problems and samples of each variant.
"""

import argparse
import json
import random
import subprocess
import sys
from collections import Counter, OrderedDict
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
from enamel_official import EXCLUDED, N_PROBLEMS, PROBLEMSET, default_repo, git_dir_of  # noqa: E402

SIZE_FN = '''
def _vb_size(args):
    s = 0
    for a in args:
        if isinstance(a, bool) or isinstance(a, float):
            continue
        if isinstance(a, int):
            s += min(abs(a), 1 << 30)
            continue
        try:
            s += len(a)
        except TypeError:
            pass
    return s
'''

# Each wrapper replaces the global ENTRY after the canonical definition. A call made while
# the wrapper is active (the canonical solution calling itself, or its docstring-free
# helpers calling the entry point) goes straight to the canonical function.
WRAPPER_HEAD = '''

# ---- bench variant {variant}: the canonical solution above, behind a wrapper
import copy as _vb_copy
import math as _vb_math
import time as _vb_time
{size_fn}
_vb_orig = {entry}
_vb_busy = [False]


def {entry}(*args, **kwargs):
    if _vb_busy[0]:
        return _vb_orig(*args, **kwargs)
    _vb_busy[0] = True
    try:
{body}
    finally:
        _vb_busy[0] = False
'''

BODIES = {
    "slow-repeat": '''\
        for _ in range(_vb_size(args).bit_length() // 3):
            _vb_orig(*_vb_copy.deepcopy(args), **_vb_copy.deepcopy(kwargs))
        return _vb_orig(*args, **kwargs)''',
    "slow-calibrated": '''\
        t0 = _vb_time.thread_time()
        result = _vb_orig(*args, **kwargs)
        spent = _vb_time.thread_time() - t0
        factor = 0.15 * _vb_math.log10(1 + _vb_size(args))
        until = _vb_time.thread_time() + factor * spent
        acc = 0
        while _vb_time.thread_time() < until:
            for x in range(100):
                acc ^= x
        return result''',
    "slow-quadratic": '''\
        n = max([len(a) for a in args if isinstance(a, (list, tuple, str))] + [0])
        acc = 0
        for x in range(n):
            for y in range(n):
                acc ^= x + y
        return _vb_orig(*args, **kwargs)''',
    "wrong-large": '''\
        big = _vb_size(args) > {threshold}
        result = _vb_orig(*args, **kwargs)
        return _vb_perturb(result) if big else result''',
    "wrong-falsy": '''\
        result = _vb_orig(*args, **kwargs)
        if result is None:
            return 0
        try:
            return type(result)()
        except Exception:
            return None''',
}

PERTURB_FN = '''
def _vb_perturb(x):
    if isinstance(x, bool):
        return not x
    if isinstance(x, (int, float)):
        return x + 1 + abs(x)
    if isinstance(x, str):
        return x + "#"
    if isinstance(x, list):
        return x + [x[-1] if x else 0]
    if isinstance(x, tuple):
        return (_vb_perturb(x[0]),) + x[1:] if x else (0,)
    if isinstance(x, dict):
        y = dict(x)
        y["#"] = 0
        return y
    if isinstance(x, (set, frozenset)):
        return type(x)(list(x) + ["#"])
    if x is None:
        return 0
    return None
'''


def make_variant(canonical: str, entry: str, variant: str, threshold: int = 1000) -> str:
    body = BODIES[variant].format(threshold=threshold)
    size_fn = SIZE_FN + (PERTURB_FN if variant == "wrong-large" else "")
    return canonical.rstrip("\n") + "\n" + WRAPPER_HEAD.format(
        variant=variant, entry=entry, size_fn=size_fn, body=body)


def read_problems(csv_path: Path):
    """[(entry_point, [level sizes])] for the 164 rows."""
    import csv
    csv.field_size_limit(1 << 30)
    with open(csv_path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if len(rows) != N_PROBLEMS:
        raise SystemExit(f"{csv_path}: {len(rows)} rows, not {N_PROBLEMS}")
    return [(r["entry_point"], [int(x) for x in r["input_levels"].split()]) for r in rows]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True)
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--problems", type=int, help="the first N problems of PROBLEMSET")
    g.add_argument("--all", action="store_true", help="all 142 problems of PROBLEMSET")
    g.add_argument("--only", help="these problem indices (comma-separated)")
    ap.add_argument("--offset", type=int, default=0,
                    help="with --problems: start at this position of PROBLEMSET")
    ap.add_argument("--include", default="reference,canonical,slow,wrong",
                    help="which of reference, canonical, slow, wrong to write (default all)")
    ap.add_argument("--slow-fraction", type=float, default=0.4)
    ap.add_argument("--wrong-fraction", type=float, default=0.25)
    ap.add_argument("--seed", type=int, default=20240607)
    ap.add_argument("--excluded", type=int, default=0,
                    help="also the canonical solutions of the first N excluded problems")
    data_dir = (REPO_ROOT / ".." / "shared" / "data" / "enamel").resolve()
    ap.add_argument("--references", type=Path, default=data_dir / "enamel-references.json")
    ap.add_argument("--dataset", type=Path, default=data_dir / "enamel.csv",
                    help="enamel.csv, for the entry points")
    ap.add_argument("--enamel-repo", default=None,
                    help="ENAMEL git dir or checkout, for samples/humanevalplus-canonical.json")
    a = ap.parse_args(argv)

    if a.all:
        problems = list(PROBLEMSET)
    elif a.problems is not None:
        if not 1 <= a.problems or not 0 <= a.offset < len(PROBLEMSET):
            raise SystemExit(f"--problems: 1..{len(PROBLEMSET)}, --offset 0..{len(PROBLEMSET) - 1}")
        problems = PROBLEMSET[a.offset: a.offset + a.problems]
    else:
        problems = [int(x) for x in a.only.split(",") if x.strip()]
        bad = [i for i in problems if i not in PROBLEMSET]
        if bad:
            raise SystemExit(f"--only: not in ENAMEL's PROBLEMSET: {bad}")

    refs = json.loads(a.references.read_text(encoding="utf-8"))
    if len(refs) != N_PROBLEMS:
        raise SystemExit(f"{a.references}: {len(refs)} entries, not {N_PROBLEMS}")
    repo = a.enamel_repo or default_repo()
    gd = git_dir_of(repo)
    if gd is not None:
        canon = json.loads(subprocess.run(
            ["git", "--git-dir", gd, "show", "HEAD:samples/humanevalplus-canonical.json"],
            capture_output=True, check=True).stdout)
        canon_src = f"{gd} HEAD:samples/humanevalplus-canonical.json"
    else:
        p = Path(repo) / "samples" / "humanevalplus-canonical.json"
        if not p.exists():
            raise SystemExit(f"no ENAMEL repository at {repo} (give --enamel-repo)")
        canon = json.loads(p.read_text(encoding="utf-8"))
        canon_src = str(p)
    if len(canon) != N_PROBLEMS:
        raise SystemExit(f"{canon_src}: {len(canon)} entries, not {N_PROBLEMS}")
    problem_info = read_problems(a.dataset)

    include = {x.strip() for x in a.include.split(",") if x.strip()}
    if not include or include - {"reference", "canonical", "slow", "wrong"}:
        raise SystemExit("--include: a comma-separated subset of reference,canonical,slow,wrong")
    samples, variants = OrderedDict(), OrderedDict()
    for i in problems:
        codes, names = [], []
        if "reference" in include:
            codes.append(refs[i][0])
            names.append("reference")
        if "canonical" in include:
            codes.append(canon[i][0])
            names.append("canonical")
        rng = random.Random(f"{a.seed}:{i}")
        r_slow, r_wrong, k_slow, k_wrong = rng.random(), rng.random(), rng.random(), rng.random()
        if "slow" in include and r_slow < a.slow_fraction:
            v = ("slow-calibrated" if k_slow < 0.5 else "slow-repeat" if k_slow < 0.8
                 else "slow-quadratic")
            codes.append(make_variant(canon[i][0], problem_info[i][0], v))
            names.append(v)
        if "wrong" in include and r_wrong < a.wrong_fraction:
            v = "wrong-large" if k_wrong < 0.5 else "wrong-falsy"
            codes.append(make_variant(canon[i][0], problem_info[i][0], v,
                                      threshold=2 * max(problem_info[i][1][0], 1)))
            names.append(v)
        if codes:
            samples[str(i)] = codes
            variants[str(i)] = names
    for i in sorted(EXCLUDED)[: a.excluded]:
        samples[str(i)] = [canon[i][0]]
        variants[str(i)] = ["canonical (excluded problem)"]

    for key, codes in samples.items():      # every variant must at least compile
        for code, name in zip(codes, variants[key]):
            compile(code, f"<problem {key} {name}>", "exec")
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(samples, indent=1) + "\n", encoding="utf-8")
    side = variants_path(a.out)
    side.write_text(json.dumps(variants, indent=1) + "\n", encoding="utf-8")

    count = Counter(n for names in variants.values() for n in names)
    total = sum(count.values())
    print(f"wrote {a.out}: {len(samples)} problems ({len(problems)} of PROBLEMSET"
          + (f", {a.excluded} excluded" if a.excluded else "") + f"), {total} samples")
    for name in ["reference", "canonical", "slow-calibrated", "slow-repeat", "slow-quadratic",
                 "wrong-large", "wrong-falsy", "canonical (excluded problem)"]:
        if count[name]:
            print(f"  {name:<30} {count[name]}")
    print(f"variants: {side}")
    print(f"sources: references {a.references}; canonical {canon_src}; seed {a.seed}, "
          f"slow fraction {a.slow_fraction}, wrong fraction {a.wrong_fraction}")
    return 0


def variants_path(samples_path: Path) -> Path:
    s = str(samples_path)
    return Path((s[:-5] if s.endswith(".json") else s) + ".variants.json")


if __name__ == "__main__":
    sys.exit(main())
