#!/usr/bin/python3
"""CRUXEval's official evaluator (facebookresearch/cruxeval), run on a generations file.

    cruxeval_official.py setup [--rule new|old | --commit SHA]
    cruxeval_official.py GENERATIONS --mode output|input --report REPORT.json
                         [--rule new|old | --commit SHA] [--scored-results FILE]

GENERATIONS is the official format: one JSON object `{"sample_<i>": [generation, ...]}`
(output mode: each generation is an expression for f's return value, e.g. "'abc'";
input mode: a call, e.g. "f('abc')"), the file evaluation/evaluate_generations.py reads.

What runs is CRUXEval's own code, unmodified: evaluation/evaluate_generations.py's
`evaluate_generations(generations, mode)`, which maps utils_general.py's `evaluate_score`
over the samples with a ProcessPoolExecutor (one check_correctness(program, 3) process per
generation, utils_execute.py) and scores them with utils_general.py's `pass_at_k`. It is
called from inside a copy of the repository's evaluation/ directory, so that its relative
data path ../data/cruxeval.jsonl resolves. Two things differ from running
`python evaluate_generations.py --generations_path ...`, neither changing a verdict:

  - the mode is the --mode given here. The official command line ignores --mode and takes
    "input" if the *path* contains "input", else "output" (a defect, see below).
  - a generations file that answers only some samples (the official code asserts that all
    800 keys sample_0..sample_799 are present) is scored against a data file holding only
    those samples, its keys renamed sample_0..sample_{m-1} in id order, and renamed back in
    the report. pass@1/pass@5 are then the official means over those samples.

The code is never part of this project: it is copied at run time from the local git mirror
(`fetch github:facebookresearch/cruxeval`, found under /work/.mirror/ or at
$CRUXEVAL_OFFICIAL_GIT) into ${VERDICT_CACHE:-~/.cache/verdict}/cruxeval-official/<commit>/
(`git archive <commit> evaluation data/cruxeval.jsonl`). Its one dependency, numpy, is
installed with pip into the venv ${VERDICT_CACHE:-~/.cache/verdict}/cruxeval-venv, made with
/usr/bin/python3 -m venv.

--rule new (default) is the mirror's HEAD, 190faf16d175b5847b0af05d937872b1fb395942: the
skip rule of commit 0a800bd (PR #2, 2024-04-15, merged 2024-04-17 as ded6ba1). --rule old
is 35516c269588fbd9d1ab0afd861b458cb6f25561, the last commit before it, whose evaluation/
is the initial commit's (10d71b4, 2024-01-03). In utils_general.py evaluate_score, a
generation is *skipped* when (input mode) "f(" is not in it, or (output mode) the text
f"f({input})" is in it:
  old: a skipped generation scores False (the list has one entry per generation);
  new: a skipped generation is left out of the list; afterwards, if no entry is True, the
       list becomes [False] * len(generations). So the skipped ones shrink n only when
       some other generation passed.

The report (--report) is one JSON object:
  harness, repository, commit, rule, mirror, evaluation_dir, mode, generations_file,
  dataset_sha256 (of the data file the official code read, before any subsetting),
  full_dataset (true when all 800 samples were given, so evaluate_generations ran exactly as
  the official script runs it), samples, generations (their total), workers
  (ProcessPoolExecutor's default, os.cpu_count()), python, numpy,
  elapsed_s (wall seconds of the evaluate_generations call), wall_s (the whole official
  subprocess, interpreter start and imports included), pass_at_1, pass_at_5 (the official
  values, means x 100 over the samples, unrounded), printed (the line the official script
  prints: round(x, 1)),
  per_sample: {"sample_<i>": {
      "scored": the official raw_scored_generations list (bools, as computed),
      "n", "c": len(scored) and scored.count(True), as evaluate_generations takes them,
      "pass_at_1", "pass_at_5": the official pass_at_k(n, c, k) of this sample (0..1),
      "skipped": indices of the generations the skip rule matched (derived here from the
                 rule's two conditions, checked against len(scored)),
      "by_generation": per generation index: true / false, or null for a skipped
                 generation left out of n (new rule, only when some generation passed)}}.
--scored-results FILE also writes the official scorer's own output, the dict
evaluate_generations returns, json.dump'ed as its __main__ does: raw_generations,
raw_scored_generations, pass_at_1, pass_at_5 (subset runs: with the original ids).
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
SYSTEM_PYTHON = "/usr/bin/python3"
REPOSITORY = "facebookresearch/cruxeval"
HEAD_COMMIT = "190faf16d175b5847b0af05d937872b1fb395942"  # the mirror's HEAD when written
OLD_RULE_COMMIT = "35516c269588fbd9d1ab0afd861b458cb6f25561"  # last commit before 0a800bd
RULE_CHANGE_COMMIT = "0a800bd45b3d5d81a7567f829f11b9476b1d0d15"
PACKAGES = [os.environ.get("CRUXEVAL_NUMPY", "numpy==2.4.6")]
N_SAMPLES = 800


def log(msg: str) -> None:
    print(f"[cruxeval-official] {msg}", file=sys.stderr, flush=True)


def cache_root() -> Path:
    env = os.environ.get("VERDICT_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "verdict"


def venv_dir() -> Path:
    env = os.environ.get("CRUXEVAL_VENV")
    return Path(env) if env else cache_root() / "cruxeval-venv"


def venv_python() -> Path:
    return venv_dir() / "bin" / "python"


def default_data_file() -> Path:
    env = os.environ.get("VERDICT_DATA_DIR")
    base = Path(env) if env else (REPO_ROOT / ".." / "shared" / "data").resolve()
    return base / "cruxeval" / "cruxeval.jsonl"


HOW_TO_GET = ("CRUXEval's official code is not part of this project. Get a local mirror with "
              "the agent tool `fetch github:facebookresearch/cruxeval` (it lands in "
              "/work/.mirror/facebookresearch+cruxeval/repo), or `git clone --bare "
              "https://github.com/facebookresearch/cruxeval` anywhere and point "
              "$CRUXEVAL_OFFICIAL_GIT at it.")


def find_mirror() -> Path:
    env = os.environ.get("CRUXEVAL_OFFICIAL_GIT")
    candidates = [Path(env)] if env else []
    root = Path("/work/.mirror")
    if root.is_dir():
        for d in sorted(root.iterdir()):
            if d.name.lower() == "facebookresearch+cruxeval":
                candidates += [d / "repo", d]
    for c in candidates:
        r = subprocess.run(["git", "--git-dir", str(c), "rev-parse", "--verify", "HEAD^{commit}"],
                           capture_output=True, text=True)
        if r.returncode == 0:
            return c
    raise SystemExit("no git mirror of facebookresearch/cruxeval found"
                     + (f" at $CRUXEVAL_OFFICIAL_GIT={env}" if env else " under /work/.mirror/")
                     + ".\n" + HOW_TO_GET)


def resolve_commit(mirror: Path, rev: str) -> str:
    r = subprocess.run(["git", "--git-dir", str(mirror), "rev-parse", "--verify", f"{rev}^{{commit}}"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"commit {rev} is not in the mirror {mirror}.\n{HOW_TO_GET}")
    return r.stdout.strip()


def ensure_official(rev: str) -> tuple:
    """Copies evaluation/ and data/cruxeval.jsonl at `rev` into the cache (once);
    returns (checkout dir, full commit, mirror)."""
    mirror = find_mirror()
    commit = resolve_commit(mirror, rev)
    dest = cache_root() / "cruxeval-official" / commit
    marker = dest / ".complete"
    if not marker.exists():
        log(f"copying {REPOSITORY}@{commit[:12]} evaluation/ and data/cruxeval.jsonl "
            f"from {mirror} into {dest}")
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        archive = subprocess.run(["git", "--git-dir", str(mirror), "archive", commit,
                                  "evaluation", "data/cruxeval.jsonl"],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
        for f in ("evaluation/evaluate_generations.py", "evaluation/utils_general.py",
                  "evaluation/utils_execute.py", "data/cruxeval.jsonl"):
            if not (dest / f).exists():
                raise SystemExit(f"{REPOSITORY}@{commit}: {f} missing from the archive")
        marker.write_text(f"{REPOSITORY} {commit} from {mirror}\n")
    return dest, commit, mirror


def _installed_ok(py: Path) -> bool:
    if not py.exists():
        return False
    want = PACKAGES[0].split("==")[1] if "==" in PACKAGES[0] else None
    r = subprocess.run([str(py), "-c", "import numpy; print(numpy.__version__)"],
                       capture_output=True, text=True)
    return r.returncode == 0 and (want is None or r.stdout.strip() == want)


def ensure_venv(quiet: bool = False) -> Path:
    py = venv_python()
    if not _installed_ok(py):
        log(f"creating virtualenv {venv_dir()} with {SYSTEM_PYTHON}")
        venv_dir().parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([SYSTEM_PYTHON, "-m", "venv", str(venv_dir())], check=True)
        log(f"pip install {' '.join(PACKAGES)}")
        subprocess.run([str(py), "-m", "pip", "install", "--quiet", *PACKAGES], check=True)
        if not _installed_ok(py):
            raise SystemExit(f"{' '.join(PACKAGES)} did not install into {venv_dir()}")
    elif not quiet:
        log(f"venv ready: {py}")
    return py


def rule_commit(rule: str, commit) -> str:
    if commit:
        return commit
    return OLD_RULE_COMMIT if rule == "old" else HEAD_COMMIT


def run(generations: Path, mode: str, report: Path, rule: str = "new", commit=None,
        scored_results=None, log_file=None) -> dict:
    """Runs the official evaluator in its venv; returns the report (also written to
    `report`), with wall_s, the whole subprocess's wall time."""
    py = ensure_venv(quiet=True)
    checkout, full_commit, mirror = ensure_official(rule_commit(rule, commit))
    args = [str(py), str(Path(__file__).resolve()), "_driver", "--checkout", str(checkout),
            "--generations", str(Path(generations).resolve()), "--mode", mode,
            "--report", str(Path(report).resolve())]
    if scored_results:
        args += ["--scored-results", str(Path(scored_results).resolve())]
    t0 = time.perf_counter()
    err = open(log_file, "a") if log_file else None
    try:
        r = subprocess.run(args, stdout=err or sys.stderr, stderr=err or sys.stderr)
    finally:
        if err:
            err.close()
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"the official evaluator failed (exit {r.returncode})"
                         + (f"; see {log_file}" if log_file else ""))
    rep = json.loads(Path(report).read_text())
    rep.update({"wall_s": wall, "mirror": str(mirror), "rule": rep["rule_detected"],
                "commit": full_commit})
    Path(report).write_text(json.dumps(rep, indent=1) + "\n")
    return rep


# ---------------------------------------------------------------------------------------
# Inside the venv: the official code does the work.

def skip_matches(g, inp, mode) -> bool:
    """utils_general.py evaluate_score's two skip conditions, to annotate the report."""
    if mode == "input":
        return "f(" not in g
    return f"f({inp})" in g


def driver(argv) -> int:
    ap = argparse.ArgumentParser(prog="cruxeval_official.py _driver")
    ap.add_argument("--checkout", required=True)
    ap.add_argument("--generations", required=True)
    ap.add_argument("--mode", required=True, choices=["input", "output"])
    ap.add_argument("--report", required=True)
    ap.add_argument("--scored-results", default=None)
    a = ap.parse_args(argv)

    checkout = Path(a.checkout)
    data_file = checkout / "data" / "cruxeval.jsonl"
    dataset_bytes = data_file.read_bytes()
    dataset = [json.loads(l) for l in dataset_bytes.decode().splitlines() if l.strip()]
    generations = json.loads(Path(a.generations).read_text())
    if not isinstance(generations, dict):
        raise SystemExit("the generations file must be a JSON object sample_<i> -> [str, ...]")
    ids = [d["id"] for d in dataset]
    unknown = sorted(set(generations) - set(ids))
    if unknown:
        raise SystemExit(f"keys not in the dataset: {unknown[:10]}")
    full = set(generations) == set(ids)

    work = Path(tempfile.mkdtemp(prefix="cruxeval-official-"))
    try:
        shutil.copytree(checkout / "evaluation", work / "evaluation")
        (work / "data").mkdir()
        if full:
            shutil.copyfile(data_file, work / "data" / "cruxeval.jsonl")
            order = ids
            gens_in = generations
        else:
            order = [i for i in ids if i in generations]   # id order, as in the data file
            rows = {d["id"]: d for d in dataset}
            with open(work / "data" / "cruxeval.jsonl", "w") as f:
                for j, sid in enumerate(order):
                    f.write(json.dumps({**rows[sid], "id": f"sample_{j}"}) + "\n")
            gens_in = {f"sample_{j}": generations[sid] for j, sid in enumerate(order)}
        os.chdir(work / "evaluation")
        sys.path.insert(0, str(work / "evaluation"))
        import evaluate_generations as eg  # noqa: E402  (the official module)
        import utils_general as ug  # noqa: E402
        import numpy

        src = Path("utils_general.py").read_text()
        rule_detected = "new" if "if True not in execution_results" in src else "old"
        t0 = time.perf_counter()
        results = eg.evaluate_generations(gens_in, a.mode)
        elapsed = time.perf_counter() - t0
    finally:
        os.chdir("/")
        shutil.rmtree(work, ignore_errors=True)

    back = dict(zip([f"sample_{j}" for j in range(len(order))], order))
    scored = {back[k]: v for k, v in results["raw_scored_generations"].items()}
    by_id = {d["id"]: d for d in dataset}
    per_sample = {}
    for sid in order:
        gs, sc = generations[sid], scored[sid]
        inp = by_id[sid]["input"]
        skipped = [j for j, g in enumerate(gs) if skip_matches(g, inp, a.mode)]
        n, c = len(sc), sc.count(True)
        if len(sc) == len(gs):
            by_gen = list(sc)
        elif rule_detected == "new" and len(sc) == len(gs) - len(skipped) and c > 0:
            it = iter(sc)
            by_gen = [None if j in skipped else next(it) for j in range(len(gs))]
        else:
            raise SystemExit(f"{sid}: {len(sc)} scores for {len(gs)} generations, "
                             f"{len(skipped)} skipped: not what the code says")
        per_sample[sid] = {"scored": sc, "n": n, "c": c,
                           "pass_at_1": float(ug.pass_at_k(n, c, 1)),
                           "pass_at_5": float(ug.pass_at_k(n, c, 5)),
                           "skipped": skipped, "by_generation": by_gen}
    report = {
        "harness": "CRUXEval evaluation/evaluate_generations.py evaluate_generations",
        "repository": REPOSITORY, "rule_detected": rule_detected,
        "evaluation_dir": str(checkout / "evaluation"), "mode": a.mode,
        "generations_file": a.generations,
        "dataset_sha256": hashlib.sha256(dataset_bytes).hexdigest(),
        "full_dataset": full, "samples": len(order),
        "generations": sum(len(generations[s]) for s in order),
        "workers": os.cpu_count(), "python": sys.version.split()[0],
        "numpy": numpy.__version__, "elapsed_s": elapsed,
        "pass_at_1": float(results["pass_at_1"]), "pass_at_5": float(results["pass_at_5"]),
        "printed": f"pass@1: {round(results['pass_at_1'], 1)} pass@5: {round(results['pass_at_5'], 1)}",
        "per_sample": per_sample,
    }
    Path(a.report).write_text(json.dumps(report, indent=1) + "\n")
    if a.scored_results:
        out = dict(results)
        if not full:
            out["raw_generations"] = {sid: generations[sid] for sid in order}
            out["raw_scored_generations"] = scored
        json.dump(out, open(a.scored_results, "w"))
    return 0


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_driver"]:
        return driver(argv[1:])
    if argv[:1] == ["setup"]:
        ap = argparse.ArgumentParser(prog="cruxeval_official.py setup")
        ap.add_argument("--rule", choices=["new", "old"], default="new")
        ap.add_argument("--commit", default=None)
        a = ap.parse_args(argv[1:])
        py = ensure_venv()
        checkout, commit, mirror = ensure_official(rule_commit(a.rule, a.commit))
        log(f"ready: {py}; {REPOSITORY}@{commit} in {checkout} (from {mirror})")
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("generations", type=Path)
    ap.add_argument("--mode", required=True, choices=["output", "input"])
    ap.add_argument("--report", type=Path, required=True)
    ap.add_argument("--rule", choices=["new", "old"], default="new",
                    help=f"new: {HEAD_COMMIT[:7]} (HEAD); old: {OLD_RULE_COMMIT[:7]} "
                         f"(before {RULE_CHANGE_COMMIT[:7]})")
    ap.add_argument("--commit", default=None, help="any commit of the mirror instead of --rule")
    ap.add_argument("--scored-results", type=Path, default=None,
                    help="also write the official scorer's own JSON output here")
    a = ap.parse_args(argv)
    rep = run(a.generations, a.mode, a.report, a.rule, a.commit, a.scored_results)
    print(f"{REPOSITORY}@{rep['commit'][:7]} ({rep['rule']} skip rule), mode {a.mode}: "
          f"{rep['samples']} samples, {rep['generations']} generations, "
          f"full dataset: {rep['full_dataset']}")
    print(f"official: {rep['printed']}   (unrounded: pass@1 {rep['pass_at_1']!r}, "
          f"pass@5 {rep['pass_at_5']!r})")
    print(f"time: {rep['elapsed_s']:.2f} s in evaluate_generations, {rep['wall_s']:.2f} s in all "
          f"({rep['workers']} workers)")
    print(f"report: {a.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
