#!/usr/bin/python3
"""EvoEval's official evaluator (PyPI evoeval 0.1.0 on evalplus 0.3.1), in a virtualenv of
its own, on a samples file.

    evoeval_official.py setup
    evoeval_official.py run --set difficult|creative|subtle|combine|tool_use|verbose|concise
                        --samples FILE [--report OUT.json] [--parallel N] [--data-dir DIR]

Samples: rows `{"task_id", "completion"|"solution"}` (EvoEval's own .jsonl input; a
completion goes after the task's prompt with nothing between). The report (default FILE
with `_evoeval_report.json`) holds, per input line, base_status / plus_status exactly as
EvoEval's results file has them, the pass@k EvoEval prints (base; verbose/concise also
"+" = base and plus), `wall_s` (the whole official process, interpreter start, ground
truth and the 20 s-granular exit wait on EvoEval's stuck-checker thread included),
`elapsed_s` (the evaluate() call) and `groundtruth_s`.

Set up, nothing of it kept in this repository:

* venv ${VERDICT_EVOEVAL_VENV:-~/.cache/verdict/evoeval-venv} (/usr/bin/python3 -m venv):
  PyPI `evoeval==0.1.0` (its evoeval/ package is byte-identical to evo-eval/evoeval @
  d5ca3104, the reference's commit) and `evalplus==0.3.1` (evoeval's requirements.txt pins
  evalplus's git HEAD; 0.3.1 equals HEAD 26d6d00, the reference's, in every function EvoEval
  imports, except a Windows-only branch of reliability_guard).
* Data: EvoEval reads `$EVOEVAL_OVERRIDE_PATH/EvoEval_<set>.jsonl` (evoeval/data.py
  `_ready_evo_eval_path`; it must be a directory of uncompressed files). The shipped
  .jsonl.gz files are decompressed into <venv>/../evoeval-data/ (the same bytes EvoEval's
  own download would write, so the same md5 keys its ground-truth cache).
* Cache: XDG_CACHE_HOME=<venv>/../evoeval-xdg-cache (appdirs' user_cache_dir("evoeval"),
  where EvoEval keeps <md5>.pkl ground truth), never the user's own.
"""

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import official  # noqa: E402

DRIVER = official.BENCH_DIR / "_evoeval_driver.py"
PACKAGES = ["evoeval==0.1.0", "evalplus==0.3.1"]
SETS = ["difficult", "creative", "subtle", "combine", "tool_use", "verbose", "concise"]


def log(msg):
    print(f"[evoeval] {msg}", file=sys.stderr, flush=True)


def venv_dir() -> Path:
    env = os.environ.get("VERDICT_EVOEVAL_VENV")
    return Path(env) if env else Path.home() / ".cache" / "verdict" / "evoeval-venv"


def data_override_dir() -> Path:
    return venv_dir().parent / "evoeval-data"


def cache_home() -> Path:
    return venv_dir().parent / "evoeval-xdg-cache"


def _installed_ok(py: Path) -> bool:
    if not py.exists():
        return False
    r = subprocess.run([str(py), "-c", "import importlib.metadata as m; "
                        "print(m.version('evoeval'), m.version('evalplus'))"],
                       capture_output=True, text=True)
    return r.returncode == 0 and r.stdout.split() == ["0.1.0", "0.3.1"]


def ensure_venv() -> Path:
    py = venv_dir() / "bin" / "python"
    if not _installed_ok(py):
        log(f"creating virtualenv {venv_dir()} with {official.SYSTEM_PYTHON}")
        venv_dir().parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([official.SYSTEM_PYTHON, "-m", "venv", str(venv_dir())], check=True)
        log(f"pip install {' '.join(PACKAGES)} (about a minute)")
        subprocess.run([str(py), "-m", "pip", "install", "--quiet", *PACKAGES], check=True)
        if not _installed_ok(py):
            raise SystemExit("evoeval did not install")
    return py


def ensure_data(data_dir: Path) -> Path:
    out = data_override_dir()
    out.mkdir(parents=True, exist_ok=True)
    for s in SETS:
        src = data_dir / "evoeval" / f"EvoEval_{s}.jsonl.gz"
        dst = out / f"EvoEval_{s}.jsonl"
        plain = gzip.decompress(src.read_bytes())
        if not dst.exists() or dst.read_bytes() != plain:
            dst.write_bytes(plain)
    return out


def evoeval_env(data_dir: Path) -> dict:
    env = dict(os.environ)
    env["EVOEVAL_OVERRIDE_PATH"] = str(ensure_data(data_dir))
    env["XDG_CACHE_HOME"] = str(cache_home())
    env.pop("EVOEVAL_TIMEOUT_PER_TASK", None)  # a set value makes untrusted_check's min() raise
    return env


def run_driver(args, data_dir: Path, log_file=None) -> dict:
    py = ensure_venv()
    report = Path(args[args.index("--report") + 1])
    out = open(log_file, "a") if log_file else None
    t0 = time.perf_counter()
    try:
        r = subprocess.run([str(py), str(DRIVER), *map(str, args)], env=evoeval_env(data_dir),
                           stdout=out or subprocess.DEVNULL, stderr=out or None)
    finally:
        if out:
            out.close()
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"evoeval failed (exit {r.returncode})"
                         + (f"; see {log_file}" if log_file else ""))
    rep = json.loads(report.read_text())
    rep["wall_s"] = wall
    return rep


def evaluate_samples(set_name: str, samples: Path, data_dir: Path, workdir: Path,
                     parallel=None, log_file=None) -> dict:
    """Official verdicts for a samples file (used by compare_pro_evoeval.py)."""
    workdir.mkdir(parents=True, exist_ok=True)
    copy = workdir / "samples.jsonl"
    shutil.copyfile(samples, copy)
    report = workdir / "official_report.json"
    dataset = f"EvoEval_{set_name}"
    # The ground truth first, in a process of its own, so wall_s is the samples' run.
    run_driver(["warm", "--dataset", dataset, "--report", workdir / "warm.json"], data_dir,
               log_file=log_file or workdir / "official.log")
    args = ["run", "--dataset", dataset, "--samples", copy, "--report", report]
    if parallel:
        args += ["--parallel", parallel]
    rep = run_driver(args, data_dir, log_file=log_file or workdir / "official.log")
    rep["benchmark"] = f"evoeval-{set_name}"
    rep["evaluator"] = "evoeval 0.1.0 (evo-eval/evoeval @ d5ca3104) + evalplus 0.3.1"
    rep["results_eval_json"] = json.loads(Path(rep["results_file"]).read_text())
    return rep


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mode", choices=["setup", "run"])
    ap.add_argument("--set", choices=SETS)
    ap.add_argument("--samples", type=Path)
    ap.add_argument("--report", type=Path)
    ap.add_argument("--parallel", type=int, default=None,
                    help="EvoEval's --parallel (default: its own, cpu_count()//2)")
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args(argv)
    data_dir = (args.data_dir or official.default_data_dir()).resolve()
    if args.mode == "setup":
        py = ensure_venv()
        log(f"ready: {py}; EVOEVAL_OVERRIDE_PATH={ensure_data(data_dir)}; "
            f"XDG_CACHE_HOME={cache_home()}")
        return 0
    if not (args.set and args.samples):
        ap.error("run needs --set and --samples")
    workdir = Path(tempfile.mkdtemp(prefix="verdict-evoeval-"))
    try:
        rep = evaluate_samples(args.set, args.samples.resolve(), data_dir, workdir,
                               parallel=args.parallel)
        name = args.samples.name[:-6] if args.samples.name.endswith(".jsonl") else args.samples.name
        out = args.report or args.samples.with_name(name + "_evoeval_report.json")
        out.write_text(json.dumps(rep, indent=1))
        print_summary(rep)
        print(f"report: {out}")
        return 0
    finally:
        if args.keep:
            print(f"work dir kept: {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def print_summary(rep):
    rs = rep["results"]
    stat = {}
    for r in rs:
        stat[r["base_status"]] = stat.get(r["base_status"], 0) + 1
    print(f"{rep['benchmark']}: {len(rs)} samples, {len({r['task_id'] for r in rs})} tasks, "
          f"base {stat}; pass@k {rep['pass_at_k']}"
          + (f", plus {rep['plus_pass_at_k']}" if rep.get("plus_pass_at_k") else "")
          + f"; {rep['elapsed_s']:.2f} s in evaluate(), {rep['wall_s']:.2f} s in all")


if __name__ == "__main__":
    sys.exit(main())
