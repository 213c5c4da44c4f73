"""Compute (or resume) every k criterion on the folders of chapter 8's guide.

Usage, from the repository root::

    python tools/folder_k.py mnist-test mnist-test-unequal      # the calibration panel
    python tools/folder_k.py digits lfw noise                   # the held-out sets
    python tools/folder_k.py mnist-test --seeds 0 --max-size 5000

Each folder's row is written as it finishes
(``results/own-images/folder-k-<set>-<budget>.json``), so a stopped call resumes.
CAEWARD_QUICK=1 runs the quick budget.
"""

import argparse
import time

from caeward.experiments.folder_k import K_SETS, folder_k_runs
from caeward.experiments.settings import current_budget


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sets", nargs="*", default=list(K_SETS), help=f"of {', '.join(K_SETS)}")
    parser.add_argument("--seeds", nargs="+", type=int, help="only these of the guide's seeds, now")
    parser.add_argument("--max-size", type=int, help="only folders of at most this many images, now")
    args = parser.parse_args()
    unknown = [name for name in args.sets if name not in K_SETS]
    if unknown:
        parser.error(f"unknown image set(s) {', '.join(unknown)}; known: {', '.join(K_SETS)}")
    budget = current_budget()
    for name in args.sets:
        start = time.perf_counter()
        found = folder_k_runs(name, budget, seeds=args.seeds, max_size=args.max_size, progress=True)
        print(f"{name}: {len(found.rows)} folders ({time.perf_counter() - start:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
