"""Seal result files written before result files carried an integrity record.

    .venv/bin/python tools/seal_results.py            # every budget under results/
    .venv/bin/python tools/seal_results.py --check    # only say what would be sealed

A file is sealed (:func:`caeward.experiments.results.seal_file`) only if it passes every
other check of a result file and git shows it unchanged since its last commit, or not
yet committed (a run's fresh output): the seal must never bless an edit. Its numbers
are not touched; ``python -m caeward table`` prints the same before and after.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from caeward.experiments.results import INTEGRITY, ResultFileError, seal_file
from caeward.experiments.settings import results_root


def _changed_since_commit(path: Path) -> bool:
    """Whether git knows ``path`` and its content differs from the last commit."""
    where = path.parent
    tracked = subprocess.run(["git", "ls-files", "--error-unmatch", path.name], cwd=where,
                             capture_output=True).returncode == 0
    if not tracked:
        return False
    return subprocess.run(["git", "diff", "--quiet", "HEAD", "--", path.name], cwd=where).returncode != 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="say what would be sealed, write nothing")
    args = parser.parse_args(argv)
    root = results_root()
    files = sorted(p for p in root.glob("*/*/*/seed*.json") if p.parts[-4] not in ("codes", "benchmarks"))
    sealed = already = refused = 0
    for path in files:
        if INTEGRITY in path.read_text():
            already += 1
            continue
        if _changed_since_commit(path):
            print(f"refused (changed since its last commit): {path}", file=sys.stderr)
            refused += 1
            continue
        try:
            if args.check:
                print(f"would seal {path}")
            else:
                seal_file(path)
            sealed += 1
        except ResultFileError as exc:
            print(f"refused: {exc}", file=sys.stderr)
            refused += 1
    verb = "to seal" if args.check else "sealed"
    print(f"{sealed} {verb}, {already} sealed already, {refused} refused, of {len(files)} result files in {root}")
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
