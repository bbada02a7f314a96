#!/usr/bin/python3
"""Build the NLTK data directory BigCodeBench's tasks need, offline and pinned by checksum.

    bigcodebench_nltk_data.py --dest DIR --python VENV/bin/python
                              [--stopwords nltk_data|llama_index] [--verify-python PY ...]

BigCodeBench's official image installs no NLTK data: tasks call nltk.download() at run time
(or just use the data). Here there is no network, so the data comes from two places that
are reachable and pinned:

  1. The GitHub repository nltk/nltk_data, branch gh-pages (the branch nltk.download()
     reads), as a local git mirror (`fetch github:nltk/nltk_data`; found under
     /work/.mirror/ or at $NLTK_DATA_GIT). Commit NLTK_DATA_COMMIT (2023-02-02), the newest
     stored. From it, verbatim and checked by sha256:
        corpora/stopwords.zip, corpora/words.zip, sentiment/vader_lexicon.zip,
        taggers/averaged_perceptron_tagger.zip
     punkt.zip is not in the mirror (its 13.9 MB blob was left out), and punkt_tab /
     averaged_perceptron_tagger_eng postdate the snapshot (added 2024-08).
  2. The PyPI wheel llama-index-core==LLAMA_INDEX_CORE (checked by sha256), which ships
     NLTK's punkt_tab (plain-text Punkt parameters, all 18 languages) under
     llama_index/core/_static/nltk_cache/. Only tokenizers/punkt_tab/ is taken (and, with
     --stopwords llama_index, its newer stopwords).

Derived here, so that both nltk 3.8 (BigCodeBench's pin) and nltk >= 3.9 find their files:
  - tokenizers/punkt/<lang>.pickle and punkt/PY3/<lang>.pickle: nltk 3.8's sent_tokenize /
    word_tokenize unpickle the PY3 one (nltk.compat.add_py3_data inserts /PY3). Each is a PunktSentenceTokenizer whose parameters are read
    from punkt_tab/<lang>/ exactly as nltk 3.9's load_punkt_params reads them (punkt_tab
    was itself generated from these pickles by NLTK). Built by --python (needs nltk), so no
    third-party pickle is ever loaded.
  - taggers/averaged_perceptron_tagger_eng/*.json: nltk >= 3.9's JSON form of the official
    averaged_perceptron_tagger.pickle (weights, tagdict, classes). That pickle holds only
    dicts/lists/floats/sets; it is read with an unpickler that allows builtins.set alone.

--stopwords: nltk_data (default) = the list live on gh-pages from 2022-07 until NLTK's 2024
update (English: 179 words); llama_index = the updated list shipped in the wheel (English:
198 words, contractions added, 4 more languages). BigCodeBench's expected outputs were made
before that update; the evaluator and verdict must use the same one.

Layout is what nltk.download() produces: packages with unzip="1" are kept as zip plus
extracted directory, vader_lexicon as zip only. DIR/MANIFEST.json records every source,
commit, version and sha256 plus the sha256 of every file written. Finally every resource is
looked up with nltk.data.find and exercised (sent/word tokenize, pos_tag, stopwords, words,
VADER) under NLTK_DATA=DIR by --python and each --verify-python.
"""

import argparse
import glob
import hashlib
import io
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import zipfile

NLTK_DATA_COMMIT = "5db857e6f7df11eabb5e5665836db9ec8df07e28"  # gh-pages, 2023-02-02
NLTK_DATA_ZIPS = {  # path under packages/ -> (sha256, unzip like nltk.download)
    "corpora/stopwords.zip": ("15c94179887425ca1bedc265608cab9f27d650211f709bb929e320990a4b01d1", True),
    "corpora/words.zip": ("54ed02917d6771dcc3e8141218960d020947f7f2ccfd9ac9b320979349746015", True),
    "sentiment/vader_lexicon.zip": ("8adba4294eef3964d820bf655e37e61bdc3a341994356af59b74fb3b4a36ce5c", False),
    "taggers/averaged_perceptron_tagger.zip": ("e1f13cf2532daadfd6f3bc481a49859f0b8ea6432ccdcd83e6a49a5f19008de9", True),
}
LLAMA_INDEX_CORE = "0.14.25"
LLAMA_INDEX_CORE_WHEEL = "llama_index_core-0.14.25-py3-none-any.whl"
LLAMA_INDEX_CORE_SHA256 = "caa7d9c5ac9b13dc33400cf8d5e92e689b6d1e4497eb9bfa50d6f52ca2eb22a1"
LLAMA_NLTK = "llama_index/core/_static/nltk_cache/"

# Runs in --python (needs nltk): punkt_tab/<lang>/ -> punkt/<lang>.pickle.
BUILD_PUNKT = r"""
import collections, os, pickle, sys
from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer
tab, out = sys.argv[1], sys.argv[2]
def lines(path):  # nltk.tabdata.rm_nl: drop one trailing newline per line
    with open(path, encoding="utf-8") as f:
        return [x[:-1] if x.endswith("\n") else x for x in f]
for lang in sorted(os.listdir(tab)):
    d = os.path.join(tab, lang)
    if not os.path.isdir(d):
        continue
    p = PunktParameters()
    p.collocations = {tuple(x.split("\t")) for x in lines(d + "/collocations.tab")}
    p.sent_starters = set(lines(d + "/sent_starters.txt"))
    p.abbrev_types = set(lines(d + "/abbrev_types.txt"))
    p.ortho_context = collections.defaultdict(int, {a: int(b) for a, b in (x.split("\t") for x in lines(d + "/ortho_context.tab"))})
    tok = PunktSentenceTokenizer()
    tok._params = p
    for sub in ("", "PY3"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
        with open(os.path.join(out, sub, lang + ".pickle"), "wb") as f:
            pickle.dump(tok, f, protocol=4)
    print(lang, len(p.abbrev_types), len(p.collocations), len(p.sent_starters), len(p.ortho_context))
"""

# Runs in every verifying interpreter with NLTK_DATA set; prints one JSON object.
VERIFY = r"""
import json, os, nltk
r = {"nltk": nltk.__version__, "found": {}, "checks": {}}
names = ["tokenizers/punkt", "tokenizers/punkt/english.pickle", "tokenizers/punkt/PY3/english.pickle", "tokenizers/punkt_tab/english/",
         "corpora/stopwords", "corpora/words", "sentiment/vader_lexicon.zip",
         "taggers/averaged_perceptron_tagger/averaged_perceptron_tagger.pickle",
         "taggers/averaged_perceptron_tagger_eng/"]
for n in names:
    try:
        p = str(nltk.data.find(n))
        r["found"][n] = p if p.startswith(os.environ["NLTK_DATA"]) else "OUTSIDE " + p
    except Exception as e:  # nltk 3.8 rewrites any path containing "punkt" to punkt/PY3...
        r["found"][n] = "ERROR %s" % type(e).__name__
def check(name, f):
    try:
        r["checks"][name] = f()
    except Exception as e:
        r["checks"][name] = "ERROR %s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else "")
text = "Dr. Smith went to Washington. He arrived at 5 p.m. on Jan. 3rd! Did it rain?"
check("sent_tokenize", lambda: nltk.sent_tokenize(text))
check("word_tokenize", lambda: nltk.word_tokenize("Hello, world. It's Mr. Lee's."))
check("pos_tag", lambda: nltk.pos_tag(["The", "quick", "brown", "fox", "jumps"]))
from nltk.corpus import stopwords, words
check("stopwords_english", lambda: [len(stopwords.words("english")), stopwords.words("english")[:5]])
check("words", lambda: len(words.words()))
from nltk.sentiment import SentimentIntensityAnalyzer
check("vader", lambda: SentimentIntensityAnalyzer().polarity_scores("I love this, it is great!"))
print(json.dumps(r))
"""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def find_mirror() -> str:
    cands = [os.environ.get("NLTK_DATA_GIT", "")] + sorted(glob.glob("/work/.mirror/nltk+nltk_data/repo"))
    for c in cands:
        if c and os.path.isdir(c):
            return c
    sys.exit("no nltk/nltk_data git mirror: run the fetch tool on github:nltk/nltk_data or set NLTK_DATA_GIT")


def git_blob(git_dir: str, path: str) -> bytes:
    r = subprocess.run(["git", "--git-dir", git_dir, "show", f"{NLTK_DATA_COMMIT}:{path}"], capture_output=True)
    if r.returncode != 0:
        sys.exit(f"git show {NLTK_DATA_COMMIT}:{path} failed: {r.stderr.decode().strip()}")
    return r.stdout


def llama_wheel(cache: str) -> str:
    path = os.path.join(cache, LLAMA_INDEX_CORE_WHEEL)
    if not os.path.exists(path):
        os.makedirs(cache, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
                        "-d", cache, f"llama-index-core=={LLAMA_INDEX_CORE}"], check=True)
    got = sha256(open(path, "rb").read())
    if got != LLAMA_INDEX_CORE_SHA256:
        sys.exit(f"{path}: sha256 {got} != pinned {LLAMA_INDEX_CORE_SHA256}")
    return path


class SetOnlyUnpickler(pickle.Unpickler):
    """The tagger pickle is plain data plus set(); refuse any other global."""

    def find_class(self, module, name):
        if (module, name) in (("__builtin__", "set"), ("builtins", "set")):
            return set
        raise pickle.UnpicklingError(f"refusing global {module}.{name}")


def extract(zf: zipfile.ZipFile, prefix: str, dest: str) -> None:
    for info in zf.infolist():
        if info.filename.startswith(prefix) and not info.is_dir():
            target = os.path.join(dest, info.filename[len(prefix):])
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with zf.open(info) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dest", required=True, help="NLTK data directory to create (replaced if present)")
    ap.add_argument("--python", required=True, help="interpreter with the task environment's nltk (builds the punkt pickles, verifies)")
    ap.add_argument("--stopwords", choices=["nltk_data", "llama_index"], default="nltk_data",
                    help="which stopwords corpus to install (default: nltk_data, the pre-2024 list)")
    ap.add_argument("--verify-python", action="append", default=[], help="another interpreter to verify with (repeatable)")
    ap.add_argument("--cache", default=os.path.join(os.environ.get("VERDICT_CACHE", os.path.expanduser("~/.cache/verdict")), "nltk-sources"),
                    help="where the llama-index-core wheel is downloaded (default: %(default)s)")
    args = ap.parse_args()

    dest = os.path.abspath(args.dest)
    args.python = os.path.abspath(args.python) if os.sep in args.python else args.python
    args.verify_python = [os.path.abspath(p) if os.sep in p else p for p in args.verify_python]
    git_dir = find_mirror()
    manifest = {"nltk_data": {"repository": "github:nltk/nltk_data", "branch": "gh-pages", "commit": NLTK_DATA_COMMIT,
                              "mirror": git_dir, "files": {}},
                "llama_index_core": {"version": LLAMA_INDEX_CORE, "wheel": LLAMA_INDEX_CORE_WHEEL,
                                     "sha256": LLAMA_INDEX_CORE_SHA256, "taken": []},
                "stopwords": args.stopwords, "derived": {}, "files": {}, "verify": {}}
    if os.path.exists(dest):
        shutil.rmtree(dest)
    os.makedirs(dest)

    # 1. nltk_data zips, verbatim.
    tagger_pickle = None
    for rel, (want, unzip) in NLTK_DATA_ZIPS.items():
        if rel == "corpora/stopwords.zip" and args.stopwords != "nltk_data":
            continue
        data = git_blob(git_dir, "packages/" + rel)
        got = sha256(data)
        if got != want:
            sys.exit(f"{rel}: sha256 {got} != pinned {want}")
        manifest["nltk_data"]["files"][rel] = got
        os.makedirs(os.path.dirname(os.path.join(dest, rel)), exist_ok=True)
        with open(os.path.join(dest, rel), "wb") as f:
            f.write(data)
        zf = zipfile.ZipFile(io.BytesIO(data))
        if unzip:
            zf.extractall(os.path.dirname(os.path.join(dest, rel)))
        if rel.startswith("taggers/"):
            tagger_pickle = zf.read("averaged_perceptron_tagger/averaged_perceptron_tagger.pickle")

    # 2. punkt_tab (and optionally stopwords) from the llama-index-core wheel.
    wheel = zipfile.ZipFile(llama_wheel(args.cache))
    extract(wheel, LLAMA_NLTK + "tokenizers/punkt_tab/", os.path.join(dest, "tokenizers/punkt_tab"))
    manifest["llama_index_core"]["taken"].append("tokenizers/punkt_tab/")
    if args.stopwords == "llama_index":
        extract(wheel, LLAMA_NLTK + "corpora/", os.path.join(dest, "corpora"))
        manifest["llama_index_core"]["taken"].append("corpora/stopwords(.zip)")

    # 3. punkt/<lang>.pickle from punkt_tab, built by the task environment's nltk.
    r = subprocess.run([args.python, "-c", BUILD_PUNKT, os.path.join(dest, "tokenizers/punkt_tab"),
                        os.path.join(dest, "tokenizers/punkt")], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("building punkt pickles failed:\n" + r.stderr)
    shutil.copy(os.path.join(dest, "tokenizers/punkt_tab/README"), os.path.join(dest, "tokenizers/punkt/README"))
    manifest["derived"]["tokenizers/punkt/"] = {
        "from": "tokenizers/punkt_tab/", "by": subprocess.run([args.python, "-c", "import nltk;print(nltk.__version__)"],
                                                             capture_output=True, text=True).stdout.strip(),
        "lang abbrev collocations sent_starters ortho_context": r.stdout.split("\n")[:-1]}

    # 4. averaged_perceptron_tagger_eng JSON from the official pickle.
    weights, tagdict, classes = SetOnlyUnpickler(io.BytesIO(tagger_pickle)).load()
    eng = os.path.join(dest, "taggers/averaged_perceptron_tagger_eng")
    os.makedirs(eng)
    for suffix, obj in (("weights", weights), ("tagdict", tagdict), ("classes", sorted(classes))):
        with open(os.path.join(eng, f"averaged_perceptron_tagger_eng.{suffix}.json"), "w") as f:
            json.dump(obj, f)
    manifest["derived"]["taggers/averaged_perceptron_tagger_eng/"] = {
        "from": "taggers/averaged_perceptron_tagger/averaged_perceptron_tagger.pickle",
        "weights_features": len(weights), "tagdict": len(tagdict), "classes": len(classes)}

    # 5. Checksums of everything written, then verification.
    for root, _, files in os.walk(dest):
        for name in files:
            p = os.path.join(root, name)
            manifest["files"][os.path.relpath(p, dest)] = sha256(open(p, "rb").read())
    ok = True
    for py in [args.python] + args.verify_python:
        env = dict(os.environ, NLTK_DATA=dest)
        with tempfile.TemporaryDirectory() as home:  # no ~/nltk_data can answer instead
            env["HOME"] = home
            r = subprocess.run([py, "-c", VERIFY], capture_output=True, text=True, env=env, cwd=home)
        if r.returncode != 0:
            ok = False
            manifest["verify"][py] = {"error": r.stderr[-2000:]}
            continue
        res = json.loads(r.stdout.strip().splitlines()[-1])
        manifest["verify"][py] = res
        # nltk.data.find results are informational (nltk 3.8 cannot even name punkt_tab/); the
        # checks are what count: each nltk version loads the files it really uses.
        for kind, items in (("find", res["found"]), ("use", res["checks"])):
            for what, val in items.items():
                bad = isinstance(val, str) and val.startswith(("ERROR", "OUTSIDE"))
                print(f"{'FAIL' if bad and kind == 'use' else 'n/a ' if bad else 'ok  '} nltk {res['nltk']} {kind} {what}: {str(val)[:100]}")
                ok &= not (bad and kind == "use")
    with open(os.path.join(dest, "MANIFEST.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    print(f"wrote {dest} ({len(manifest['files'])} files); MANIFEST.json has the checksums")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
