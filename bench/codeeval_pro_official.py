#!/usr/bin/python3
"""CodeEval-Pro's official evaluator (HumanEval Pro, MBPP Pro, BigCodeBench-Lite Pro), in a
virtualenv of its own, on a samples file.

    codeeval_pro_official.py setup
    codeeval_pro_official.py run --benchmark humaneval-pro|mbpp-pro|bigcodebench-lite-pro
                             --samples FILE [--report OUT.json] [--gt] [--data-dir DIR]
    codeeval_pro_official.py harness --benchmark NAME --source-path DIR [--report OUT.json]

`run`: rows `{"task_id", "completion"|"solution"}` (task_id = the dataset's `id`; any number
of rows per task). `harness`: CodeEval-Pro's own input, DIR/results.jsonl in dataset line
order (and DIR/santized_results.jsonl; made with CodeEval-Pro's eval/santize.py when
missing), given to the harness's main() unchanged; its result_of_pass_k.json is in the
report. The report (JSON, default FILE with `_codeeval_pro_report.json`) holds the
per-sample verdicts as the harness computed them, pass@1/5/10 (HE/MBPP Pro, as HF
code_eval returns them) or the BCB score, and `wall_s` (the whole official run, venv
interpreter start included) and `elapsed_s` (inside the harness's calls).

What is installed and copied (nothing of it is kept in this repository):

* venv ${VERDICT_PRO_VENV:-~/.cache/verdict/codeeval-pro-venv} (/usr/bin/python3 -m venv),
  PyPI PACKAGES below: HF `evaluate` and the libraries BigCodeBench-Lite Pro's tasks import,
  at the versions current when CodeEval-Pro was published (2024-12-31) within its
  pyproject.toml's bounds; numpy < 2 because that pyproject's vllm>=0.5.3 / torch<2.4 pins
  need it, pyarrow 18.1.0 because pyarrow 19+ needs numpy 2; plus regex and holidays, which
  two BCB-Lite Pro tasks import although the pyproject does not list them.
* BigCodeBench/551's expected values assume the machine's local time zone is UTC+8 (its
  ground truth calls astimezone() on a naive datetime); the harness sets no TZ and neither
  does this script, so on a UTC machine that ground truth fails, as it would officially.
* CodeEval-Pro/CodeEval-Pro @ CODEEVAL_PRO_COMMIT eval/harness.py and eval/santize.py, and
  huggingface/evaluate @ tag v0.4.3 (= the installed evaluate) metrics/code_eval/
  {code_eval,execute}.py, read with `git show` from local bare mirrors
  ($VERDICT_MIRROR_DIR, default /work/.mirror: `CodeEval-Pro+CodeEval-Pro/repo`,
  `huggingface+evaluate/repo`) into ~/.cache/verdict/codeeval-pro-code/. The metric is
  loaded from disk because `evaluate.load("code_eval")` needs the HF hub otherwise: the
  harness runs in a work dir holding `code_eval/code_eval.py`, which evaluate.load resolves
  locally before it tries the hub (HF_*_OFFLINE=1 as well).
* BCB-Lite Pro runs `python FILE` from PATH: the venv's bin comes first on PATH.
"""

import argparse
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

BENCH_DIR = official.BENCH_DIR
DRIVER = BENCH_DIR / "_codeeval_pro_driver.py"
CODEEVAL_PRO_COMMIT = "36f292eafc597b38535fbc8b4aafea8e5c654e3c"
EVALUATE_REF = "v0.4.3"
PACKAGES = ["evaluate==0.4.3", "datasets==3.2.0", "huggingface_hub==0.27.0", "pyarrow==18.1.0",
            "numpy==1.26.4", "pandas==2.2.3", "scipy==1.14.1", "scikit-learn==1.6.0",
            "seaborn==0.13.2", "matplotlib==3.9.4", "statsmodels==0.14.4", "sympy==1.13.3",
            # Not in CodeEval-Pro's pyproject.toml, but BigCodeBench/54 imports regex and
            # BigCodeBench/166 holidays (versions of December 2024).
            "regex==2024.11.6", "holidays==0.63"]
# The libraries BigCodeBench-Lite Pro needs (CodeEval-Pro pyproject.toml), as import names.
BCB_IMPORTS = ["numpy", "pandas", "matplotlib", "scipy", "sklearn", "seaborn", "statsmodels",
               "regex", "holidays", "pytz", "dateutil"]

KINDS = {"humaneval-pro": "humaneval_pro", "mbpp-pro": "mbpp_pro",
         "bigcodebench-lite-pro": "bigcodebench_lite_pro"}
DATA = {"humaneval-pro": "codeeval_pro/humaneval_pro.json",
        "mbpp-pro": "codeeval_pro/mbpp_pro.json",
        "bigcodebench-lite-pro": "codeeval_pro/bigcodebench_lite_pro.json"}


def log(msg):
    print(f"[codeeval-pro] {msg}", file=sys.stderr, flush=True)


def venv_dir() -> Path:
    env = os.environ.get("VERDICT_PRO_VENV")
    return Path(env) if env else Path.home() / ".cache" / "verdict" / "codeeval-pro-venv"


def code_dir() -> Path:
    return venv_dir().parent / "codeeval-pro-code"


def mirror_dir() -> Path:
    return Path(os.environ.get("VERDICT_MIRROR_DIR", "/work/.mirror"))


def _versions(py: Path):
    probe = ("import importlib.metadata as m, json, sys; out = {}\n"
             f"for p in {[p.split('==')[0] for p in PACKAGES]!r}:\n"
             "    try: out[p] = m.version(p)\n"
             "    except Exception: out[p] = None\n"
             "print(json.dumps(out))")
    r = subprocess.run([str(py), "-c", probe], capture_output=True, text=True)
    return json.loads(r.stdout) if r.returncode == 0 else None


def _installed_ok(py: Path) -> bool:
    if not py.exists():
        return False
    v = _versions(py)
    return v is not None and all(v.get(p.split("==")[0]) == p.split("==")[1] for p in PACKAGES)


def git_show(repo: Path, rev: str, path: str) -> bytes:
    r = subprocess.run(["git", "--git-dir", str(repo), "show", f"{rev}:{path}"],
                       capture_output=True)
    if r.returncode != 0:
        raise SystemExit(f"cannot read {rev}:{path} from {repo}: {r.stderr.decode().strip()}"
                         " (bring the repository in with the search tool's fetch first)")
    return r.stdout


def ensure_code() -> Path:
    """The harness and the metric, copied from the mirrors once; returns the code dir."""
    root = code_dir()
    harness = root / f"CodeEval-Pro-{CODEEVAL_PRO_COMMIT[:8]}" / "eval"
    metric = root / f"evaluate-{EVALUATE_REF}" / "code_eval"
    if (harness / "harness.py").exists() and (metric / "code_eval.py").exists():
        return root
    pro_git = mirror_dir() / "CodeEval-Pro+CodeEval-Pro" / "repo"
    hf_git = mirror_dir() / "huggingface+evaluate" / "repo"
    harness.mkdir(parents=True, exist_ok=True)
    metric.mkdir(parents=True, exist_ok=True)
    for name in ("harness.py", "santize.py"):
        (harness / name).write_bytes(git_show(pro_git, CODEEVAL_PRO_COMMIT, f"eval/{name}"))
    for name in ("code_eval.py", "execute.py"):
        (metric / name).write_bytes(git_show(hf_git, EVALUATE_REF, f"metrics/code_eval/{name}"))
    log(f"copied CodeEval-Pro @ {CODEEVAL_PRO_COMMIT[:8]} eval/harness.py, eval/santize.py and "
        f"evaluate {EVALUATE_REF} metrics/code_eval into {root}")
    return root


def harness_dir() -> Path:
    return ensure_code() / f"CodeEval-Pro-{CODEEVAL_PRO_COMMIT[:8]}" / "eval"


def metric_dir() -> Path:
    return ensure_code() / f"evaluate-{EVALUATE_REF}" / "code_eval"


def ensure_venv() -> Path:
    py = venv_dir() / "bin" / "python"
    if not _installed_ok(py):
        log(f"creating virtualenv {venv_dir()} with {official.SYSTEM_PYTHON}")
        venv_dir().parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([official.SYSTEM_PYTHON, "-m", "venv", str(venv_dir())], check=True)
        log(f"pip install {' '.join(PACKAGES)} (a few minutes)")
        subprocess.run([str(py), "-m", "pip", "install", "--quiet", *PACKAGES], check=True)
        if not _installed_ok(py):
            raise SystemExit(f"the CodeEval-Pro venv did not install: {_versions(py)}")
    ensure_code()
    return py


def missing_imports(py: Path):
    missing = []
    for mod in BCB_IMPORTS:
        r = subprocess.run([str(py), "-c", f"import {mod}"], capture_output=True, text=True)
        if r.returncode != 0:
            missing.append((mod, (r.stderr.strip().splitlines() or ["?"])[-1]))
    return missing


def driver_env() -> dict:
    env = dict(os.environ)
    env["PATH"] = str(venv_dir() / "bin") + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = str(harness_dir())
    env["HF_HOME"] = str(venv_dir().parent / "codeeval-pro-hf-home")
    env["HF_EVALUATE_OFFLINE"] = env["HF_DATASETS_OFFLINE"] = env["HF_HUB_OFFLINE"] = "1"
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    env.pop("VIRTUAL_ENV", None)
    return env


def run_driver(args, workdir: Path, log_file=None) -> dict:
    """The driver in the venv, cwd = workdir (with code_eval/ in it); returns its report
    plus `wall_s`."""
    py = ensure_venv()
    shutil.copytree(metric_dir(), workdir / "code_eval", dirs_exist_ok=True)
    report = Path(args[args.index("--report") + 1])
    out = open(log_file, "a") if log_file else None
    t0 = time.perf_counter()
    try:
        r = subprocess.run([str(py), str(DRIVER), *map(str, args)], cwd=workdir, env=driver_env(),
                           stdout=out or subprocess.DEVNULL, stderr=out or None)
    finally:
        if out:
            out.close()
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"the CodeEval-Pro driver failed (exit {r.returncode})"
                         + (f"; see {log_file}" if log_file else ""))
    rep = json.loads(report.read_text())
    rep["wall_s"] = wall
    return rep


def evaluate_samples(benchmark: str, samples: Path, data_dir: Path, workdir: Path,
                     gt: bool = False, log_file=None) -> dict:
    """Official verdicts for a samples file (used by compare_pro_evoeval.py)."""
    workdir.mkdir(parents=True, exist_ok=True)
    copy = workdir / "samples.jsonl"
    shutil.copyfile(samples, copy)
    report = workdir / "official_report.json"
    args = ["samples", "--kind", KINDS[benchmark], "--dataset", data_dir / DATA[benchmark],
            "--samples", copy, "--save-path", workdir / "save", "--report", report]
    if gt:
        args.append("--gt")
    rep = run_driver(args, workdir, log_file=log_file or workdir / "official.log")
    rep["benchmark"] = benchmark
    rep["evaluator"] = (f"CodeEval-Pro @ {CODEEVAL_PRO_COMMIT[:8]} eval/harness.py"
                        + ("" if benchmark == "bigcodebench-lite-pro" else
                           f" + HF evaluate {EVALUATE_REF} code_eval"))
    return rep


def evaluate_results_dir(benchmark: str, source: Path, data_dir: Path, workdir: Path) -> dict:
    workdir.mkdir(parents=True, exist_ok=True)
    src = workdir / "source"
    src.mkdir(exist_ok=True)
    shutil.copyfile(source / "results.jsonl", src / "results.jsonl")
    made = False
    if (source / "santized_results.jsonl").exists():
        shutil.copyfile(source / "santized_results.jsonl", src / "santized_results.jsonl")
    else:
        py = ensure_venv()
        subprocess.run([str(py), str(harness_dir() / "santize.py"), "--model_name", "verdict-bench",
                        "--source_path", str(src)], check=True, env=driver_env(),
                       stdout=subprocess.DEVNULL)
        made = True
    report = workdir / "official_report.json"
    rep = run_driver(["harness", "--kind", KINDS[benchmark], "--dataset",
                      data_dir / DATA[benchmark], "--source-path", src, "--save-path",
                      workdir / "save", "--report", report], workdir,
                     log_file=workdir / "official.log")
    rep["benchmark"] = benchmark
    rep["santized_made_by_santize_py"] = made
    return rep


def default_report(samples: Path, suffix="_codeeval_pro_report.json") -> Path:
    name = samples.name[:-6] if samples.name.endswith(".jsonl") else samples.name
    return samples.with_name(name + suffix)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mode", choices=["setup", "run", "harness"])
    ap.add_argument("--benchmark", choices=list(KINDS))
    ap.add_argument("--samples", type=Path)
    ap.add_argument("--source-path", type=Path)
    ap.add_argument("--report", type=Path)
    ap.add_argument("--gt", action="store_true",
                    help="also score the ground truth of every task present (self-check)")
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--keep", action="store_true", help="keep the work dir")
    args = ap.parse_args(argv)
    if args.mode == "setup":
        py = ensure_venv()
        log(f"ready: {py}: {_versions(py)}")
        miss = missing_imports(py)
        log("BigCodeBench-Lite Pro libraries: " + ("all import (" + ", ".join(BCB_IMPORTS) + ")"
            if not miss else "MISSING " + "; ".join(f"{m}: {e}" for m, e in miss)))
        log(f"harness: {harness_dir()}/harness.py; metric: {metric_dir()}")
        return 0
    if not args.benchmark:
        ap.error("--benchmark is required")
    data_dir = (args.data_dir or official.default_data_dir()).resolve()
    workdir = Path(tempfile.mkdtemp(prefix="verdict-codeeval-pro-"))
    try:
        if args.mode == "run":
            if not args.samples:
                ap.error("--samples is required")
            rep = evaluate_samples(args.benchmark, args.samples.resolve(), data_dir, workdir,
                                   gt=args.gt)
            out = args.report or default_report(args.samples)
        else:
            if not args.source_path:
                ap.error("--source-path is required")
            rep = evaluate_results_dir(args.benchmark, args.source_path.resolve(), data_dir,
                                       workdir)
            out = args.report or (args.source_path / "codeeval_pro_report.json")
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
    if "results" in rep:
        n = len(rep["results"])
        p = sum(r["passed"] for r in rep["results"])
        print(f"{rep['benchmark']}: {n} samples, {rep['tasks']} tasks, {p} passed; "
              f"official {rep.get('pass_at_k')}; {rep['elapsed_s']:.2f} s in the harness, "
              f"{rep['wall_s']:.2f} s in all")
        gt = rep.get("ground_truth")
        if gt:
            print(f"  ground truth: {gt['tasks']} tasks, {len(gt['failures'])} not passed, "
                  f"{gt['pass_at_k']}")
            for f in gt["failures"]:
                print(f"    {f['task_id']}: {str(f['result'])[:200]}")
    else:
        print(json.dumps(rep.get("result_of_pass_k"), indent=1))
        if rep.get("harness_crash"):
            print("HARNESS CRASHED:\n" + rep["harness_crash"][-1500:])


if __name__ == "__main__":
    sys.exit(main())
