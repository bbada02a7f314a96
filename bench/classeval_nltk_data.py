#!/usr/bin/python3
"""The NLTK WordNet corpus ClassEval_52 (Lemmatization) needs, built offline from Debian.

    classeval_nltk_data.py --dest DIR [--python VENV/bin/python] [--tagger-punkt DIR]

ClassEval_52's canonical solution calls nltk.download('averaged_perceptron_tagger'),
('punkt') and ('wordnet') at import (the official fence-less extraction even drops those
lines), then uses word_tokenize, pos_tag and WordNetLemmatizer. Without the data its three
test classes are "error". No package registry serves NLTK data, so:

  - wordnet: WordNet 3.0, the database nltk's corpora/wordnet.zip packages, from Debian's
    wordnet-base (data.*, index.*, *.exc, ...) and wordnet-sense-index (index.sense), via
    `apt-get download` (run `apt-get update` once first) and `dpkg-deb -x`. Debian ships
    no `lexnames` file (nltk's reader opens it), so it is written from Debian's own
    lexnames(5WN) man page in the same package: 45 lines "NN<TAB>name<TAB>category".
    Versions and sha256 of the .deb files are checked against the ones this was built
    with (EXPECTED_DEBS) and recorded in DIR/MANIFEST.json.
  - punkt and averaged_perceptron_tagger are NOT built here: bench/bigcodebench_nltk_data.py
    builds them (pinned, from the nltk_data mirror and llama-index-core). Use both dirs:
        NLTK_DATA=<bigcodebench nltk dir>:DIR
    (nltk reads NLTK_DATA as an os.pathsep-separated list). With --tagger-punkt DIR2 the
    check below runs under NLTK_DATA=DIR2:DIR and exercises word_tokenize and pos_tag too.

The check (--python, a Python with nltk, e.g. /work/scratch/classeval/venv/bin/python)
loads the corpus and lemmatizes as the ClassEval_52 tests do.
"""

import argparse
import glob
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

EXPECTED_DEBS = {  # package -> (version, sha256 of the .deb), Debian 12 (bookworm)
    "wordnet-base": ("1:3.0-37", "61060d960f9ada8fa120872312eccd3ecebfbab8c4579e4f5a74e1cf67620752"),
    "wordnet-sense-index": ("1:3.0-37", "b22c7d3100470d90f812acc224718e4bd362d7ca427766fa3e11013c8c7895cf"),
}
CATEGORY = {"noun": 1, "verb": 2, "adj": 3, "adv": 4}

CHECK = r'''
import sys
from nltk.corpus import wordnet as wn
from nltk.stem import WordNetLemmatizer
l = WordNetLemmatizer()
assert wn.get_version() == "3.0", wn.get_version()
assert l.lemmatize("running", pos="v") == "run"
assert l.lemmatize("was", pos="v") == "be"
assert l.lemmatize("dogs") == "dog"
assert wn.synsets("dog")[0].lexname() == "noun.animal"
if sys.argv[1] == "full":
    from nltk import pos_tag, word_tokenize
    tags = [t for _, t in pos_tag(word_tokenize("I am running in a race"))]
    assert tags == ["PRP", "VBP", "VBG", "IN", "DT", "NN"], tags
print("nltk data ok:", sys.argv[1])
'''


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dest", required=True)
    ap.add_argument("--python", default="/work/scratch/classeval/venv/bin/python")
    ap.add_argument("--tagger-punkt", default=None,
                    help="an NLTK data dir with punkt and averaged_perceptron_tagger, for the check")
    ap.add_argument("--allow-other-versions", action="store_true")
    args = ap.parse_args()

    dest = Path(args.dest)
    wn_dir = dest / "corpora" / "wordnet"
    manifest = {"sources": {}, "files": {}}
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)  # apt-get download drops privileges to _apt
        for pkg, (version, digest) in EXPECTED_DEBS.items():
            subprocess.run(["apt-get", "download", pkg], cwd=tmp, check=True,
                           stdout=subprocess.DEVNULL)
            deb = glob.glob(os.path.join(tmp, f"{pkg}_*.deb"))[0]
            got_version = subprocess.run(["dpkg-deb", "-f", deb, "Version"], check=True,
                                         capture_output=True, text=True).stdout.strip()
            got = sha256(deb)
            if (got_version, got) != (version, digest):
                msg = f"{pkg}: got {got_version} {got}, built with {version} {digest}"
                if not args.allow_other_versions:
                    raise SystemExit(msg + " (--allow-other-versions to accept)")
                print("warning:", msg, file=sys.stderr)
            manifest["sources"][pkg] = {"version": got_version, "sha256": got,
                                        "file": os.path.basename(deb)}
            subprocess.run(["dpkg-deb", "-x", deb, os.path.join(tmp, "x")], check=True)
        src = Path(tmp) / "x" / "usr" / "share" / "wordnet"
        if wn_dir.exists():
            shutil.rmtree(wn_dir)
        wn_dir.mkdir(parents=True)
        for f in sorted(src.iterdir()):
            shutil.copy(f, wn_dir / f.name)
        man = Path(tmp) / "x" / "usr" / "share" / "man" / "man5" / "lexnames.5WN.gz"
        lines = []
        for line in gzip.open(man, "rt"):
            m = re.match(r"^(\d\d)\t(\S+)\s*\t", line)
            if m:
                lines.append(f"{m.group(1)}\t{m.group(2)}\t{CATEGORY[m.group(2).split('.')[0]]}")
        if len(lines) != 45:
            raise SystemExit(f"lexnames: expected 45 entries in the man page, got {len(lines)}")
        (wn_dir / "lexnames").write_text("\n".join(lines) + "\n")
    for f in sorted(wn_dir.iterdir()):
        manifest["files"][f"corpora/wordnet/{f.name}"] = sha256(f)
    (dest / "MANIFEST.json").write_text(json.dumps(manifest, indent=1))

    env = dict(os.environ)
    mode = "wordnet"
    env["NLTK_DATA"] = str(dest.resolve())
    if args.tagger_punkt:
        env["NLTK_DATA"] = os.pathsep.join([str(Path(args.tagger_punkt).resolve()), str(dest.resolve())])
        mode = "full"
    subprocess.run([args.python, "-c", CHECK, mode], env=env, check=True)
    print(f"NLTK_DATA={env['NLTK_DATA']}")


if __name__ == "__main__":
    main()
