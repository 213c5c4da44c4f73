"""Compute (or resume) chapter 8's folder guide: every recipe at every folder size.

Usage, from the repository root::

    python tools/folder_guide.py                      # every set, the full budget
    python tools/folder_guide.py lfw digits           # some sets
    python tools/folder_guide.py --recipes pixels-ward hog-ward   # some recipes now

Each row is written as it finishes (``results/own-images/folder-guide-<set>-<budget>.json``),
so a stopped call resumes. CAEWARD_QUICK=1 runs the quick budget.
"""

import argparse
import time

from caeward.experiments.folder_guide import GUIDE_SETS, guide_runs
from caeward.experiments.settings import current_budget
from caeward.recipes import RECIPES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sets", nargs="*", default=list(GUIDE_SETS), help=f"of {', '.join(GUIDE_SETS)}")
    parser.add_argument("--recipes", nargs="+", default=list(RECIPES), choices=list(RECIPES))
    parser.add_argument("--seeds", nargs="+", type=int, help="only these of the guide's seeds, now")
    args = parser.parse_args()
    unknown = [name for name in args.sets if name not in GUIDE_SETS]
    if unknown:
        parser.error(f"unknown image set(s) {', '.join(unknown)}; known: {', '.join(GUIDE_SETS)}")
    budget = current_budget()
    for name in args.sets:
        start = time.perf_counter()
        found = guide_runs(name, budget, recipes=args.recipes, seeds=args.seeds)
        print(f"{name}: {len(found.rows)} rows ({time.perf_counter() - start:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
