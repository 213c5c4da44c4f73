"""Command line: ``python -m caeward run ...``, ``table``, ``train ...`` and ``list``.

Examples
--------
Run k-means on raw pixels of MNIST-test, seed 0, at the quick budget::

    python -m caeward run --method kmeans-pixels --dataset mnist-test --seed 0 --budget quick

Run seeds 0-2 on both datasets at the full budget (stored results are skipped)::

    python -m caeward run --method kmeans-pixels --dataset all --seed 0 1 2

Print the table of stored full-budget results, and the compute they recorded::

    python -m caeward table

Train DCEC's CAE on MNIST-full with seed 2 and cache its codes, writing no result
(for a chapter's figures on a machine whose cache lacks that training)::

    python -m caeward train --autoencoder cae --dataset mnist-full --seed 2

Add ``--store`` to also write those codes under ``results/codes/``, to be committed,
so that the chapters draw that figure from them on any machine without training.
"""

from __future__ import annotations

import argparse
import sys

from . import experiment
from .budget import BUDGETS
from .embeddings import AUTOENCODERS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m caeward", description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p_run = sub.add_parser("run", help="run method x dataset x seed, skipping stored results")
    p_run.add_argument("--method", nargs="+", required=True,
                       help=f"method name(s) or 'all'; known: {', '.join(experiment.METHODS)}")
    p_run.add_argument("--dataset", nargs="+", default=["all"],
                       help=f"dataset(s) or 'all'; known: {', '.join(experiment.DATASETS)}")
    p_run.add_argument("--seed", nargs="+", type=int, default=[0])
    p_run.add_argument("--budget", choices=list(BUDGETS), default="full")
    p_run.add_argument("--force", action="store_true", help="run again even if a result exists")

    p_table = sub.add_parser("table", help="print mean ± sd of stored results beside the paper, "
                                           "and the compute they recorded")
    p_table.add_argument("--budget", choices=list(BUDGETS), default="full")

    p_train = sub.add_parser("train", help="train (or resume) an autoencoder and cache its codes, "
                                           "writing no result")
    p_train.add_argument("--autoencoder", required=True, choices=list(AUTOENCODERS))
    p_train.add_argument("--dataset", required=True, choices=list(experiment.DATASETS))
    p_train.add_argument("--seed", nargs="+", type=int, default=[0])
    p_train.add_argument("--budget", choices=list(BUDGETS), default="full")
    p_train.add_argument("--store", action="store_true",
                         help="also write the codes under results/codes/, to be committed for the chapters' figures")

    p_list = sub.add_parser("list", help="list the registered methods")
    del p_list

    args = parser.parse_args(argv)
    if args.command == "list":
        for name, spec in experiment.METHODS.items():
            print(f"{name:24s} {spec.label}")
        return 0
    if args.command == "table":
        results = experiment.load_results(args.budget)
        if not results:
            print(f"no results in {experiment.results_dir(args.budget)}")
            return 0
        print(experiment.results_table(results).to_string(index=False, float_format=lambda v: f"{v:.2f}"))
        print("\ncompute recorded, in hours (each training and embedding counted once):")
        print(experiment.compute_spent(results).to_string(float_format=lambda v: f"{v:.2f}"))
        return 0

    if args.command == "train":
        for seed in args.seed:
            info = experiment.train_autoencoder(args.autoencoder, args.dataset, seed, args.budget, store=args.store)
            found = {"cache": "were already cached", "committed": "are committed under results/codes",
                     "trained": "trained and cached"}[info["source"]]
            stored = f"; stored in {info['stored_in']}" if "stored_in" in info else ""
            print(f"{args.autoencoder} / {args.dataset} / seed {seed}: codes {found} "
                  f"(reconstruction MSE {info['reconstruction_mse']:.5f}){stored}")
        return 0

    methods = list(experiment.METHODS) if args.method == ["all"] else args.method
    datasets = list(experiment.DATASETS) if args.dataset == ["all"] else args.dataset
    for name in methods + datasets:
        if name not in experiment.METHODS and name not in experiment.DATASETS:
            parser.error(f"unknown method or dataset {name!r}")
    experiment.run_many(methods, datasets, args.seed, args.budget, force=args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
