#!/usr/bin/python3
"""ENAMEL's official evaluator (q-rz/enamel), run on a samples file.

    enamel_official.py setup [--venv DIR]
    enamel_official.py run SAMPLES --report REPORT.json
                       [--python PY] [--enamel-repo GIT_DIR|CHECKOUT] [--commit REV]
                       [--dataset CSV] [--tests-cache PKL] [--seed 998244353]
                       [--n-tests 8,4,4,4] [--n-reps 6] [--hardness 0,3,3,4]
                       [--memory-giga 4] [--timeout-factor 2] [--tolerance-sec 0.01]
                       [-k 1,10,100] [--run-timeout 3600] [--hashseed N] [--progress]

SAMPLES is ENAMEL's own samples format (what its demo.py loads from samples/NAME.json):
a JSON object {"<problem index>": ["code", ...], ...} (index = row of enamel.csv, i.e.
HumanEval/<index>), or a JSON list whose i-th entry is problem i's list of codes. ENAMEL
puts each code after the problem's prompt (TPL_RUN: prompt, newline, code), so a code is
normally a whole program: imports and the full `def <entry_point>(...)`.

What runs is ENAMEL's own code, unmodified: enam/'s Evaluator, make_tests / load_tests and
evaluate(), with demo.py's defaults (seed 998244353, n_tests 8,4,4,4, n_reps 6, hardness
0,3,3,4, memory 4 GiB, timeout factor 2, tolerance 0.01 s, k 1,10,100 of which evaluate()
keeps those <= the smallest sample count of a problem). Instead of demo.py (whose --subset
default is the whole PROBLEMSET and which crashes on problems without samples), a driver
builds `Evaluator(..., subset=S)` itself, with S = the problems of SAMPLES that are in
enam.PROBLEMSET and have at least one sample; the other problems of SAMPLES (the 22
indices ENAMEL excludes) are listed in the report as skipped and do not count. The code
comes from the local git mirror (`fetch github:q-rz/enamel`, default DEFAULT_REPO below,
or $ENAMEL_OFFICIAL_GIT, or --enamel-repo; a checkout works too) by `git archive` into a
fresh temporary directory for each run, deleted afterwards. It is never part of this
project. The interpreter (--python; default the venv DEFAULT_VENV made by `setup`, with
numpy, pandas and tqdm) runs this same file as `_driver`.

Tests: evaluate() needs the generated tests (inputs from each problem's input_generator,
answers from its reference solution). They are loaded from --tests-cache (default: a file
under DEFAULT_CACHE named by the dataset's sha256, the seed and n_tests) with the official
load_tests; the problems the cache lacks are generated with the official make_tests, one
problem at a time (a problem's tests do not depend on the others': each input is made
after random.seed(seed ^ i ^ case)), and the cache is rewritten with them, in make_tests'
pickle format (tests, refs). A sidecar PKL.meta.json records seed, n_tests, dataset sha256
and the wall time of each problem's generation, so a cached run can still report what
generating its tests costs. A pickle without sidecar (e.g. ENAMEL's published
eval~tests.pkl) is used as it is. The reference times inside the pickle are not used:
evaluate() re-times the reference solution (compute_refs) before each problem.

Like the official evaluator, this runs the samples' code unsandboxed, in one process, as
the calling user (ENAMEL's reliability_guard only changes into a temporary directory and
swallows stdio): use it on bench samples, not on code you do not trust. A sample that
loops inside try/except cannot be killed by ENAMEL's SIGALRM (its README says so); the
whole official process is killed after --run-timeout seconds and the report says so.

What ENAMEL does that matters when comparing with it (read from enam/ at b97da79 and
measured on this 2-core machine, 2026-12, with a Rust build running alongside):
  - Times: time.time() around the call, in the evaluator's own process; per test the
    Hodges-Lehmann estimate of n_reps runs (1 run at hardness-0 levels); a level's
    efficiency is (T - max over its tests) / (T - that level's reference time), T =
    timeout_factor * the largest reference time of the problem, the reference re-timed
    (compute_refs) just before the problem's samples. Reference times are 0.1-30 ms
    (timeout 0.4 ms for problem 5, 0.6 ms for 11), so one slow test zeroes a level: the
    expert reference of problem 1 scored 0.0 at level 3 in one run and 0.98 in the next.
    Run-to-run Spearman of per-sample eff: 0.83-0.89 on a 12-problem file of references,
    canonical solutions and slow/wrong variants; eff@1 moved by 0.01-0.02. With 4
    busy loops on the 2 cores eff@1 moved by only +0.011 (the reference is timed under the
    same load) while the wall time grew 1.8x. eff > 1 is common (up to ~1.5 per sample)
    whenever a sample's slowest test beats the reference's measurement.
  - A time limit hit at level 0 fails the sample; at a later level it keeps the pass and
    scores 0 for that level and those after. The alarm is SIGALRM at T + tolerance: a
    sample that catches the exception in a loop runs forever (the README says so; tested:
    only --run-timeout stops it). Any other exception, or a wrong output, fails it.
  - Level 0 has hardness 0: its efficiency is always 0 (reference -inf) and never counts.
  - Memory: RLIMIT_AS of the whole evaluator process is set to 4 GiB (+ a few bytes)
    around each run, address space already in use included: with the full tests pickle
    loaded (~0.9 GB of address space) a sample has ~3.2 GB.
  - reliability_guard disables nothing: it saves os.kill, os.system, subprocess.Popen ...
    and restores them, but never replaces them; it only changes into a temporary
    directory and swallows stdin/stdout/stderr.
  - Test inputs of problems 7, 64 and 80 depend on PYTHONHASHSEED (their generators pick
    from list(set(<strings>))): between hash seeds 1 and 2, 13, 15 and 12 of 16 (level,
    case) inputs differed. A cache pins one draw; --hashseed pins the seed of a new one.
  - Cost: generating the tests of all 142 problems took 136 s (the answers need n_reps
    runs of the reference per hardness test; slowest problem 143, 6 s), a 158 MB pickle
    (1.7 s to load); evaluate() took 191 s wall for one sample a problem (compute_refs
    0.3-0.9 s a problem plus ~0.1-1 s a sample; slowest problems 145, 22, 110, 95: 4-5 s).
  - HumanEval+ canonical solutions over all 142 problems (4 runs of ~36 problems, tests
    cached): eff@1 0.508, pass@1 0.965 (137/142: 32 ZeroDivisionError at level 0; 91, 94,
    103 wrong at level 0; 147 wrong at level 1). ENAMEL's README: 0.517 and 0.958.

Report (JSON):
  harness, repository, commit, enamel_repo, python, packages, hashseed, dataset,
  dataset_sha256, dataset_matches_repository, samples_file, params {seed, n_tests, n_reps,
  hardness, memory_giga, timeout_factor, tolerence_sec, k_requested},
  subset (problem indices evaluated), skipped [{problem, task_id, samples, reason}],
  metrics (evaluate()'s return value: pass@k and eff@k for the kept k),
  per_sample [{task_id, problem, generation_index, passed, effs (per level, ENAMEL's
  ~effs.json), eff (np.average(effs, weights=hardness)), elapsed (per level, the per-test
  Hodges-Lehmann times in seconds, ENAMEL's ~elapsed.json), elapsed_ms (the same in ms),
  notes (what evaluate1 prints with verbose=True: time limit, wrong output, exceptions),
  wall_s (the evaluate1 call)}] in the samples' order (keys in the file's order, each list
  in order), skipped problems' samples left out,
  per_problem {index: {refs (per level reference time, s; null for hardness 0: -inf),
  ref_max, timeout (timeout_factor * ref_max), compute_refs_wall_s, samples_wall_s}},
  timing {tests: {cache, loaded, generated (problem lists), load_wall_s, generate_wall_s
  (this run), generation_wall_s_subset (recorded generation time of the subset's problems,
  whether generated now or earlier; null if unknown), per_problem_generation_s},
  evaluate_wall_s, evaluate_cpu_s (the evaluate() call), driver_wall_s, wall_s (the whole
  official subprocess, interpreter start and imports included)},
  killed (run timeout), returncode.
"""

import argparse
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import OrderedDict
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
SYSTEM_PYTHON = "/usr/bin/python3"
REPOSITORY = "q-rz/enamel"
DEFAULT_REPO = "/work/.mirror/q-rz+enamel/repo"
EXPECTED_COMMIT = "b97da79"  # the mirror's HEAD when this was written
DEFAULT_VENV = "/work/scratch/enamel-venv"
DEFAULT_CACHE = "/work/scratch/enamel"
# ENAMEL lists tqdm>=3.1.4, numpy>=1.4.0, pandas>=1.0 without pins; these are the releases
# of its time (June 2024) that have CPython 3.11 wheels.
PACKAGES = ["numpy==1.26.4", "pandas==2.2.2", "tqdm==4.66.4"]
OFFICIAL_FILES = ["enam", "dataset/enamel.csv", "demo.py"]
N_PROBLEMS = 164
# enam/__init__.py's PROBLEMSET, for the parent process (the driver uses the official one
# and checks that they agree).
EXCLUDED = {2, 23, 41, 45, 53, 60, 71, 92, 97, 99, 102, 123, 124, 135, 137, 138, 144, 148,
            156, 157, 159, 160}
PROBLEMSET = sorted(set(range(N_PROBLEMS)) - EXCLUDED)


def log(msg: str) -> None:
    print(f"[enamel-official] {msg}", file=sys.stderr, flush=True)


def default_dataset() -> Path:
    env = os.environ.get("VERDICT_DATA_DIR")
    base = Path(env) if env else (REPO_ROOT / ".." / "shared" / "data").resolve()
    return base / "enamel" / "enamel.csv"


def default_python() -> str:
    py = Path(DEFAULT_VENV) / "bin" / "python"
    return str(py) if py.exists() else SYSTEM_PYTHON


def default_repo() -> str:
    return os.environ.get("ENAMEL_OFFICIAL_GIT", DEFAULT_REPO)


def parse_ints(s: str):
    return [int(x) for x in s.split(",") if x.strip()]


def parse_floats(s: str):
    return [float(x) for x in s.split(",") if x.strip()]


def sha256_file(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ---------------------------------------------------------------------------------------
# The official code: git archive of the mirror (or of a checkout's .git).

def git_dir_of(repo: str) -> str:
    """A git dir for `repo`: a bare mirror, a checkout (its .git), or a work tree without
    git (then None)."""
    p = Path(repo)
    for cand in (p, p / ".git"):
        r = subprocess.run(["git", "--git-dir", str(cand), "rev-parse", "--verify",
                            "HEAD^{commit}"], capture_output=True, text=True)
        if r.returncode == 0:
            return str(cand)
    return None


HOW_TO_GET = ("ENAMEL's official code is not part of this project. Get a local mirror with "
              "the agent tool `fetch github:q-rz/enamel` (it lands in "
              "/work/.mirror/q-rz+enamel/repo), or `git clone https://github.com/q-rz/enamel` "
              "anywhere and pass --enamel-repo (or set $ENAMEL_OFFICIAL_GIT).")


def export_official(repo: str, rev: str, dest: Path) -> tuple:
    """Copies enam/, dataset/enamel.csv and demo.py at `rev` into dest; returns
    (full commit, how)."""
    gd = git_dir_of(repo)
    if gd is None:
        p = Path(repo)
        if (p / "enam" / "evaluate.py").exists():   # a plain copy of the files, no git
            for rel in OFFICIAL_FILES:
                src = p / rel
                if src.is_dir():
                    shutil.copytree(src, dest / rel)
                elif src.exists():
                    (dest / rel).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(src, dest / rel)
            return "unknown (no git)", f"copied from {repo}"
        raise SystemExit(f"no ENAMEL repository at {repo}.\n{HOW_TO_GET}")
    r = subprocess.run(["git", "--git-dir", gd, "rev-parse", "--verify", f"{rev}^{{commit}}"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"commit {rev} is not in {gd}.\n{HOW_TO_GET}")
    commit = r.stdout.strip()
    archive = subprocess.run(["git", "--git-dir", gd, "archive", commit, *OFFICIAL_FILES],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    for f in ("enam/__init__.py", "enam/evaluate.py", "enam/execute.py", "enam/datautils.py"):
        if not (dest / f).exists():
            raise SystemExit(f"{REPOSITORY}@{commit}: {f} missing from the archive")
    return commit, f"git archive of {gd}"


# ---------------------------------------------------------------------------------------
# Samples

def load_samples(path) -> "OrderedDict[int, list]":
    """ENAMEL's format, as demo.py's Loader reads it: dict str(i) -> [code], or a list."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    out = OrderedDict()
    if isinstance(data, dict):
        for key, codes in data.items():
            try:
                i = int(key)
            except ValueError:
                raise SystemExit(f"{path}: key {key!r} is not a problem index")
            if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
                raise SystemExit(f"{path}: problem {key}: not a list of strings")
            if i in out:
                raise SystemExit(f"{path}: problem {i} twice")
            out[i] = codes
    elif isinstance(data, list):
        for i, codes in enumerate(data):
            if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
                raise SystemExit(f"{path}: entry {i}: not a list of strings")
            out[i] = codes
    else:
        raise SystemExit(f"{path}: expected ENAMEL's samples format, a JSON object "
                         "{\"<problem index>\": [code, ...]} or a list of lists")
    for i in out:
        if not 0 <= i < N_PROBLEMS:
            raise SystemExit(f"{path}: problem index {i} is outside 0..{N_PROBLEMS - 1}")
    return out


def subset_of(samples) -> tuple:
    subset, skipped = [], []
    for i, codes in samples.items():
        if i in EXCLUDED:
            skipped.append({"problem": i, "task_id": f"HumanEval/{i}", "samples": len(codes),
                            "reason": "not in ENAMEL's PROBLEMSET"})
        elif not codes:
            skipped.append({"problem": i, "task_id": f"HumanEval/{i}", "samples": 0,
                            "reason": "no samples"})
        else:
            subset.append(i)
    return sorted(subset), skipped


def default_tests_cache(dataset_sha: str, seed: int, n_tests) -> Path:
    tag = f"{dataset_sha[:16]}-s{seed}-t{'_'.join(map(str, n_tests))}"
    return Path(DEFAULT_CACHE) / "tests" / f"enamel-tests-{tag}.pkl"


# ---------------------------------------------------------------------------------------
# setup

def setup(args) -> int:
    venv = Path(args.venv)
    py = venv / "bin" / "python"
    if not py.exists():
        log(f"creating virtualenv {venv} with {SYSTEM_PYTHON}")
        subprocess.run([SYSTEM_PYTHON, "-m", "venv", str(venv)], check=True)
    log(f"pip install {' '.join(PACKAGES)}")
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", *PACKAGES], check=True)
    r = subprocess.run([str(py), "-c", "import numpy, pandas, tqdm; "
                        "print(numpy.__version__, pandas.__version__, tqdm.__version__)"],
                       capture_output=True, text=True, check=True)
    print(f"{py}: numpy, pandas, tqdm {r.stdout.strip()}")
    return 0


# ---------------------------------------------------------------------------------------
# run (parent side)

def run(samples_path, report_path, python=None, enamel_repo=None, commit="HEAD",
        dataset=None, tests_cache=None, seed=998244353, n_tests=(8, 4, 4, 4), n_reps=6,
        hardness=(0., 3., 3., 4.), memory_giga=4.0, timeout_factor=2.0, tolerance_sec=0.01,
        k=(1, 10, 100), run_timeout=3600.0, hashseed=None, progress=False,
        log_file=None) -> dict:
    """Runs the official evaluator in a subprocess; writes and returns the report."""
    t_start = time.perf_counter()
    python = python or default_python()
    enamel_repo = enamel_repo or default_repo()
    dataset = Path(dataset or default_dataset()).resolve()
    if not dataset.exists():
        raise SystemExit(f"no ENAMEL dataset at {dataset} (give --dataset)")
    samples_path = Path(samples_path).resolve()
    samples = load_samples(samples_path)
    subset, skipped = subset_of(samples)
    if not subset:
        raise SystemExit(f"{samples_path}: no samples for any problem of ENAMEL's PROBLEMSET")
    dataset_sha = sha256_file(dataset)
    cache = Path(tests_cache) if tests_cache else default_tests_cache(dataset_sha, seed, n_tests)
    cache.parent.mkdir(parents=True, exist_ok=True)
    chk = subprocess.run([python, "-c", "import numpy, pandas, tqdm"], capture_output=True)
    if chk.returncode != 0:
        raise SystemExit(f"{python} lacks numpy/pandas/tqdm: run `{sys.argv[0]} setup` "
                         f"(makes {DEFAULT_VENV}) or give --python")

    work = Path(tempfile.mkdtemp(prefix="enamel-official-", dir=DEFAULT_CACHE
                                 if Path(DEFAULT_CACHE).is_dir() else None))
    try:
        checkout = work / "enamel"
        checkout.mkdir()
        full_commit, how = export_official(enamel_repo, commit, checkout)
        repo_csv = checkout / "dataset" / "enamel.csv"
        config = {
            "checkout": str(checkout), "dataset": str(dataset), "samples": str(samples_path),
            "subset": subset, "tests_cache": str(cache.resolve()),
            "dataset_sha256": dataset_sha,
            "params": {"seed": seed, "n_tests": list(n_tests), "n_reps": n_reps,
                       "hardness": list(hardness), "memory_giga": memory_giga,
                       "timeout_factor": timeout_factor, "tolerence_sec": tolerance_sec},
            "k": list(k), "out": str(work / "driver-out.json"),
            "save_dir": str(work / "save"),
        }
        (work / "save").mkdir()
        cfg_path = work / "config.json"
        cfg_path.write_text(json.dumps(config))
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        if hashseed is not None:
            env["PYTHONHASHSEED"] = str(hashseed)
        log_path = Path(log_file) if log_file else work / "driver.log"
        cmd = [python, str(Path(__file__).resolve()), "_driver", str(cfg_path)]
        t0 = time.perf_counter()
        killed = False
        with open(log_path, "ab") as logf:
            proc = subprocess.Popen(cmd, cwd=str(work), env=env, stdin=subprocess.DEVNULL,
                                    stdout=logf, stderr=None if progress else logf,
                                    start_new_session=True)
            try:
                rc = proc.wait(timeout=run_timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                rc = proc.wait()
                killed = True
            except BaseException:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                raise
        wall = time.perf_counter() - t0
        out_path = Path(config["out"])
        if rc != 0 or not out_path.exists():
            tail = log_path.read_bytes()[-3000:].decode("utf-8", "replace")
            sys.stderr.write(tail + "\n")
            why = (f"killed after --run-timeout {run_timeout} s (a sample ENAMEL could not "
                   "stop?)" if killed else f"exit {rc}")
            if not log_file:
                kept = Path(str(report_path) + ".log")
                shutil.copyfile(log_path, kept)
                log_path = kept
            raise SystemExit(f"ENAMEL's evaluator failed ({why}); log: {log_path}")
        rep = json.loads(out_path.read_text())
    finally:
        shutil.rmtree(work, ignore_errors=True)

    report = OrderedDict()
    report["harness"] = "ENAMEL enam.Evaluator (make_tests/load_tests, evaluate)"
    report["repository"] = REPOSITORY
    report["commit"] = full_commit
    report["enamel_repo"] = f"{enamel_repo} ({how})"
    report["python"] = python
    report.update(rep.pop("env"))
    report["hashseed"] = hashseed if hashseed is not None else "random (unset, as officially)"
    report["dataset"] = str(dataset)
    report["dataset_sha256"] = dataset_sha
    report["dataset_matches_repository"] = rep.pop("repo_csv_sha256") == dataset_sha
    report["samples_file"] = str(samples_path)
    report["params"] = dict(config["params"], k_requested=list(k))
    report["subset"] = subset
    report["skipped"] = skipped
    report["metrics"] = rep["metrics"]
    report["per_sample"] = rep["per_sample"]
    report["per_problem"] = rep["per_problem"]
    timing = rep["timing"]
    timing["wall_s"] = wall
    timing["script_wall_s"] = time.perf_counter() - t_start
    report["timing"] = timing
    report["killed"] = killed
    report["returncode"] = rc
    Path(report_path).write_text(json.dumps(report, indent=1) + "\n")
    return report


def print_summary(rep) -> None:
    t = rep["timing"]
    tests = t["tests"]
    print(f"ENAMEL {rep['repository']}@{rep['commit'][:7]} on {rep['samples_file']}")
    print(f"  python {rep['python']} ({rep['python_version']}; numpy {rep['numpy']}, "
          f"pandas {rep['pandas']}, tqdm {rep['tqdm']})")
    print(f"  problems evaluated: {len(rep['subset'])}, samples: {len(rep['per_sample'])}, "
          f"skipped problems: {len(rep['skipped'])}"
          + (f" ({', '.join(str(s['problem']) for s in rep['skipped'])})" if rep["skipped"]
             else ""))
    print(f"  metrics: " + ", ".join(f"{k} {v:.4f}" for k, v in rep["metrics"].items()))
    gen = tests["generation_wall_s_subset"]
    print(f"  tests: cache {tests['cache']}: loaded {len(tests['loaded'])} problems "
          f"({tests['load_wall_s']:.2f} s), generated {len(tests['generated'])} "
          f"({tests['generate_wall_s']:.2f} s); generating the subset's tests costs "
          + (f"{gen:.2f} s" if gen is not None else "unknown (cache without timings)"))
    print(f"  evaluate(): {t['evaluate_wall_s']:.2f} s wall, {t['evaluate_cpu_s']:.2f} s CPU; "
          f"official process {t['wall_s']:.2f} s")
    slow = sorted(rep["per_problem"].items(),
                  key=lambda kv: -(kv[1]["compute_refs_wall_s"] + kv[1]["samples_wall_s"]))[:5]
    print("  slowest problems (evaluate wall s: refs + samples): "
          + ", ".join(f"#{i} {p['compute_refs_wall_s'] + p['samples_wall_s']:.1f}"
                      for i, p in slow))
    passed = sum(1 for s in rep["per_sample"] if s["passed"])
    print(f"  samples passed: {passed}/{len(rep['per_sample'])}")


def interrupt_on_term() -> None:
    """SIGTERM/SIGHUP raise KeyboardInterrupt, so that the cleanup paths (killing the
    official process group, the busy loops of compare_enamel.py) run for them too."""
    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, handler)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("setup", help=f"make the venv with {' '.join(PACKAGES)}")
    s.add_argument("--venv", default=DEFAULT_VENV)
    r = sub.add_parser("run", help="evaluate a samples file")
    r.add_argument("samples", type=Path)
    r.add_argument("--report", type=Path, required=True)
    r.add_argument("--python", default=None,
                   help=f"interpreter with numpy/pandas/tqdm (default {DEFAULT_VENV}/bin/python "
                        f"if it exists, else {SYSTEM_PYTHON})")
    r.add_argument("--enamel-repo", default=None,
                   help=f"ENAMEL's git dir or checkout (default $ENAMEL_OFFICIAL_GIT, "
                        f"else {DEFAULT_REPO})")
    r.add_argument("--commit", default="HEAD")
    r.add_argument("--dataset", type=Path, default=None,
                   help="enamel.csv (default $VERDICT_DATA_DIR/enamel/enamel.csv, else "
                        "../shared/data/enamel/enamel.csv)")
    r.add_argument("--tests-cache", type=Path, default=None,
                   help=f"pickle of generated tests (default under {DEFAULT_CACHE}/tests/)")
    r.add_argument("--seed", type=int, default=998244353)
    r.add_argument("--n-tests", type=parse_ints, default=[8, 4, 4, 4])
    r.add_argument("--n-reps", type=int, default=6)
    r.add_argument("--hardness", type=parse_floats, default=[0., 3., 3., 4.])
    r.add_argument("--memory-giga", type=float, default=4.0)
    r.add_argument("--timeout-factor", type=float, default=2.0)
    r.add_argument("--tolerance-sec", type=float, default=0.01)
    r.add_argument("-k", type=parse_ints, default=[1, 10, 100])
    r.add_argument("--run-timeout", type=float, default=3600.0,
                   help="kill the official process after this many seconds (default 3600)")
    r.add_argument("--hashseed", default=None,
                   help="PYTHONHASHSEED for the official process (default unset: random, as "
                        "officially; the input generators of problems 7, 64 and 80 depend on "
                        "the order of a set of strings)")
    r.add_argument("--progress", action="store_true",
                   help="show ENAMEL's tqdm bars (stderr); by default they go to the log")
    r.add_argument("--log", default=None, help="keep the official process's output here")
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["_driver"]:
        return driver(argv[1:])
    a = ap.parse_args(argv)
    interrupt_on_term()
    if a.cmd == "setup":
        return setup(a)
    if len(a.n_tests) != len(a.hardness):
        raise SystemExit("--n-tests and --hardness need one entry per level")
    rep = run(a.samples, a.report, python=a.python, enamel_repo=a.enamel_repo,
              commit=a.commit, dataset=a.dataset, tests_cache=a.tests_cache, seed=a.seed,
              n_tests=a.n_tests, n_reps=a.n_reps, hardness=a.hardness,
              memory_giga=a.memory_giga, timeout_factor=a.timeout_factor,
              tolerance_sec=a.tolerance_sec, k=a.k, run_timeout=a.run_timeout,
              hashseed=a.hashseed, progress=a.progress, log_file=a.log)
    print_summary(rep)
    print(f"report: {a.report}")
    return 0


# ---------------------------------------------------------------------------------------
# Inside the chosen interpreter (the venv): the official code does the work.

def driver(argv) -> int:
    import contextlib
    import io
    import pickle

    cfg = json.loads(Path(argv[0]).read_text())
    checkout = cfg["checkout"]
    os.chdir(checkout)
    sys.path.insert(0, checkout)
    import numpy as np
    import pandas
    import tqdm as tqdm_mod
    import enam  # the official package (enam/__init__.py: from .evaluate import *, PROBLEMSET)

    if sorted(enam.PROBLEMSET) != PROBLEMSET:
        raise SystemExit("this ENAMEL's PROBLEMSET differs from the one this script knows")
    p = cfg["params"]
    subset = cfg["subset"]
    assert all(i in enam.PROBLEMSET for i in subset)

    class Recording(enam.Evaluator):
        """The official Evaluator; only records what evaluate() already computes: the
        verbose lines of each evaluate1 call, and wall times."""
        def compute_refs(self, i):
            t0 = time.perf_counter()
            refs = super().compute_refs(i)
            self.rec_problem[i] = {"refs": list(refs.refs), "ref_max": refs.ref_max,
                                   "timeout": self.timeout_factor * refs.ref_max,
                                   "compute_refs_wall_s": time.perf_counter() - t0,
                                   "samples_wall_s": 0.0}
            return refs

        def evaluate1(self, i, code, refs, verbose):
            buf = io.StringIO()
            t0 = time.perf_counter()
            with contextlib.redirect_stdout(buf):
                res = super().evaluate1(i, code, refs, verbose)
            dt = time.perf_counter() - t0
            self.rec_problem[i]["samples_wall_s"] += dt
            self.rec_sample.setdefault(i, []).append(
                {"notes": [l for l in buf.getvalue().splitlines() if l.strip()], "wall_s": dt})
            return res

    def make(sub):
        ev = Recording(problems=cfg["dataset"], subset=sub, n_tests=p["n_tests"],
                       n_reps=p["n_reps"], hardness=p["hardness"],
                       memory_giga=p["memory_giga"], timeout_factor=p["timeout_factor"],
                       tolerence_sec=p["tolerence_sec"], seed=p["seed"])
        ev.rec_problem, ev.rec_sample = {}, {}
        return ev

    evaluator = make(subset)
    n_levels = len(p["hardness"])

    # ---- tests: the official load_tests, the official make_tests for what is missing
    cache = Path(cfg["tests_cache"])
    meta_path = Path(str(cache) + ".meta.json")
    meta = None
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        for key, want in (("seed", p["seed"]), ("n_tests", p["n_tests"]),
                          ("dataset_sha256", cfg["dataset_sha256"])):
            if meta.get(key) != want:
                raise SystemExit(f"tests cache {cache} was made with {key} = {meta.get(key)}, "
                                 f"not {want}: give another --tests-cache")
    t0 = time.perf_counter()
    loaded_any = cache.exists() and evaluator.load_tests(fname=str(cache))
    load_wall = time.perf_counter() - t0
    if not loaded_any:
        evaluator.tests = [[] for _ in range(evaluator.n_problems)]
        evaluator.refs = [None for _ in range(evaluator.n_problems)]
    if len(evaluator.tests) != evaluator.n_problems:
        raise SystemExit(f"tests cache {cache}: {len(evaluator.tests)} problems, not "
                         f"{evaluator.n_problems}")
    have = [i for i in subset if len(evaluator.tests[i]) == n_levels]
    missing = [i for i in subset if len(evaluator.tests[i]) != n_levels]
    gen_times = {int(k): v for k, v in ((meta or {}).get("generation_wall_s") or {}).items()}
    t_gen0 = time.perf_counter()
    if missing:
        gen = make(missing)
        for i in missing:
            gen.subset = [i]
            t1 = time.perf_counter()
            gen.make_tests(save_name=None)      # official; one problem at a time, for timings
            gen_times[i] = time.perf_counter() - t1
            evaluator.tests[i] = gen.tests[i]
            evaluator.refs[i] = gen.refs[i]
        tmp = Path(str(cache) + f".tmp{os.getpid()}")
        with open(tmp, "wb") as fo:                 # make_tests' own pickle format
            pickle.dump((evaluator.tests, evaluator.refs), fo)
        os.replace(tmp, cache)
        if meta is None and loaded_any:
            meta = {"note": "timings only for the problems generated by enamel_official.py"}
        meta = dict(meta or {}, seed=p["seed"], n_tests=p["n_tests"],
                    dataset_sha256=cfg["dataset_sha256"],
                    generation_wall_s={str(k): v for k, v in sorted(gen_times.items())})
        tmp = Path(str(meta_path) + f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(meta, indent=1) + "\n")
        os.replace(tmp, meta_path)
    gen_wall = time.perf_counter() - t_gen0
    known = all(i in gen_times for i in subset)

    # ---- the samples, as demo.py's Loader gives them (int keys)
    raw = json.loads(Path(cfg["samples"]).read_text(encoding="utf-8"))
    if isinstance(raw, dict):
        codes = {int(i): c for i, c in raw.items()}
        order = [int(i) for i in raw]
    else:
        codes = dict(enumerate(raw))
        order = list(range(len(raw)))

    save = os.path.join(cfg["save_dir"], "eval")
    t0, c0 = time.perf_counter(), time.process_time()
    metrics = evaluator.evaluate(codes, k=cfg["k"], save_name=save, verbose=True)
    eval_wall, eval_cpu = time.perf_counter() - t0, time.process_time() - c0
    # what evaluate() saved (json: int keys became strings)
    passes = json.loads(Path(save + "~passes.json").read_text())
    effs = json.loads(Path(save + "~effs.json").read_text())
    elapsed = json.loads(Path(save + "~elapsed.json").read_text())
    saved_metrics = json.loads(Path(save + "~metrics.json").read_text())
    assert saved_metrics == json.loads(json.dumps(metrics))
    hardness = np.array(p["hardness"])
    per_sample = []
    for i in order:
        if i not in subset:
            continue
        for j in range(len(codes[i])):
            e = effs[str(i)][j]
            per_sample.append({
                "task_id": f"HumanEval/{i}", "problem": i, "generation_index": j,
                "passed": bool(passes[str(i)][j]), "effs": e,
                "eff": float(np.average(e, weights=hardness)),
                "elapsed": elapsed[str(i)][j],
                "elapsed_ms": [[x * 1000.0 for x in lvl] for lvl in elapsed[str(i)][j]],
                **evaluator.rec_sample[i][j],
            })
    out = {
        "env": {"python_version": sys.version.split()[0], "numpy": np.__version__,
                "pandas": pandas.__version__, "tqdm": tqdm_mod.__version__},
        "repo_csv_sha256": sha256_file(os.path.join(checkout, "dataset", "enamel.csv")),
        "metrics": metrics,
        "per_sample": per_sample,
        "per_problem": {str(i): evaluator.rec_problem[i] for i in subset},
        "timing": {
            "tests": {"cache": str(cache), "loaded": have, "generated": missing,
                      "load_wall_s": load_wall, "generate_wall_s": gen_wall,
                      "generation_wall_s_subset": (sum(gen_times[i] for i in subset)
                                                   if known else None),
                      "per_problem_generation_s": {str(i): gen_times.get(i) for i in subset}},
            "evaluate_wall_s": eval_wall, "evaluate_cpu_s": eval_cpu,
            "driver_wall_s": None,
        },
    }
    out["timing"]["driver_wall_s"] = time.perf_counter() - DRIVER_T0
    # float('-inf') for hardness-0 levels: JSON has no -inf; write it as null
    for pp in out["per_problem"].values():
        pp["refs"] = [None if x == float("-inf") else x for x in pp["refs"]]
    Path(cfg["out"]).write_text(json.dumps(out))
    return 0


DRIVER_T0 = time.perf_counter()

if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt as e:
        print(f"\ninterrupted ({e or 'Ctrl-C'}); child processes killed", file=sys.stderr)
        sys.exit(130)
