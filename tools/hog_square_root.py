"""What the square root of the HOG values changes: the HOG recipes with and without it.

Usage, from the repository root::

    python tools/hog_square_root.py                     # every guide set, folders up to 5,000
    python tools/hog_square_root.py --sets lfw digits   # some sets

Runs :func:`caeward.experiments.folder_guide.hog_root_runs` per set; its rows go to the
sealed artefact ``results/own-images/hog-square-root-<set>-<budget>.json``, each as it
finishes, so a stopped call resumes. CAEWARD_QUICK=1 runs the quick budget.
"""

import argparse
import time

from caeward.experiments.folder_guide import GUIDE_SETS, hog_root_runs
from caeward.experiments.settings import current_budget


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", nargs="+", default=list(GUIDE_SETS), choices=list(GUIDE_SETS))
    args = parser.parse_args()
    budget = current_budget()
    for name in args.sets:
        start = time.perf_counter()
        found = hog_root_runs(name, budget)
        print(f"{name}: {len(found.rows)} rows ({time.perf_counter() - start:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
