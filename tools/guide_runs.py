"""Compute (or resume) chapter 8's guide runs: every recipe on every image set.

Usage, from the repository root::

    python tools/guide_runs.py              # the full budget (CAEWARD_QUICK=1: quick)
    python tools/guide_runs.py digits16     # one image set

Single-threaded, so that the CPU seconds it records compare with the stored
MNIST-test runs (which ran single-threaded). Each run is written as it finishes
(``results/own-images/guide-<set>-<budget>.json``), so an interrupted call resumes.
"""

import argparse
import time

import torch

from caeward.experiments.guide import GUIDE_SETS, guide_runs
from caeward.experiments.settings import current_budget


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sets", nargs="*", default=list(GUIDE_SETS), help=f"of {', '.join(GUIDE_SETS)}")
    args = parser.parse_args()
    unknown = [name for name in args.sets if name not in GUIDE_SETS]
    if unknown:
        parser.error(f"unknown image set(s) {', '.join(unknown)}; known: {', '.join(GUIDE_SETS)}")
    torch.set_num_threads(1)
    budget = current_budget()
    for name in args.sets:
        start = time.perf_counter()
        found = guide_runs(name, budget, device="cpu", progress=True)
        print(f"{name}: {len(found['rows'])} runs on {found['n_images']} images "
              f"({time.perf_counter() - start:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
