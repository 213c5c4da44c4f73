"""Compute (or resume) the purity table: every linkage tree of every committed training's codes.

Usage, from the repository root::

    python tools/tree_purity.py                       # every tree, the full budget
    python tools/tree_purity.py --trees ward single   # some trees now

Each row is written as it finishes (``results/tree-purity/<budget>.json``), so a
stopped call resumes; the codes are those committed under ``results/codes/<budget>/``
(nothing is trained). CAEWARD_QUICK=1 runs the quick budget.
"""

import argparse
import time

from caeward.experiments.settings import current_budget
from caeward.experiments.tree_purity import TREES, tree_purity_runs, tree_purity_table


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trees", nargs="+", default=list(TREES), choices=list(TREES))
    args = parser.parse_args(argv)
    budget = current_budget()
    start = time.perf_counter()
    found = tree_purity_runs(budget, trees=args.trees, progress=True)
    print(f"{found.path}: {len(found.rows)} rows, {'complete' if found.complete else 'not complete'} "
          f"({time.perf_counter() - start:.0f} s)", flush=True)
    table = tree_purity_table(found.rows)
    if len(table):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))


if __name__ == "__main__":
    main()
