"""Calibrate the label-free choice of k (chapter 7) on every set of codes at hand.

    PYTHONPATH=lib python tools/choose_k_calibration.py [--budget full] [--spaces raw umap]

Writes results/number-of-clusters/<budget>.json (see caeward.experiments.k_choice);
entries already computed for the same points and settings are kept, so a rerun after
new trainings are committed computes only theirs.
"""
import argparse

from caeward.experiments.k_choice import SPACES, calibrate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", default="full")
    parser.add_argument("--spaces", nargs="+", default=list(SPACES), choices=SPACES)
    args = parser.parse_args()
    found = calibrate(args.budget, spaces=args.spaces)
    print(f"{len(found['entries'])} entries")


if __name__ == "__main__":
    main()
