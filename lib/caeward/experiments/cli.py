"""Command line: ``python -m caeward run ...``, ``campaign ...``, ``table``, ``train ...`` and ``list``.

Examples
--------
Run k-means on raw pixels of MNIST-test, seed 0, at the quick budget::

    python -m caeward run --method pixels-kmeans --dataset mnist-test --seed 0 --budget quick

Run seeds 0-2 on both datasets at the full budget (stored results are skipped)::

    python -m caeward run --method pixels-kmeans --dataset all --seed 0 1 2

Run Table 1 and the ablation, seeds 0-4, as one campaign on a local Ray (or, with
``--address``, on a Ray cluster), starting nothing that would not end within 2 hours::

    python -m caeward campaign --group table1 ablation --seed 0 1 2 3 4 --time-limit 2h

Print the table of stored full-budget results, and the compute they recorded::

    python -m caeward table

Train DCEC's CAE on MNIST-full with seed 2 and cache its codes, writing no result
(for a chapter's figures on a machine whose cache lacks that training)::

    python -m caeward train --autoencoder cae --dataset mnist-full --seed 2

Add ``--store`` to also write those codes under ``results/codes/``, to be committed,
so that the chapters draw that figure from them on any machine without training.

``python -m caeward cluster FOLDER --out DIR`` clusters a folder of your own images;
it belongs to the method layer (:mod:`caeward.folder_cli`, see its ``--help``).

The budget is ``full`` unless ``CAEWARD_QUICK=1`` is set (then ``quick``) or
``--budget`` names one. Every name, seed, setting and folder is checked before any work
starts; a mistake is one line on stderr and exit status 2. Requested work is done or
reported: a closed output pipe (``... | head -1``) stops the printing, not the runs; a
run that cannot be done (an invalid stored result, a full disk) is named on stderr and
the exit status is not 0.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import warnings

from ..files import VerificationError
from .registry import AUTOENCODERS, METHOD_GROUPS, METHODS
from .settings import BUDGETS, DATASETS, MAX_SEED, check_paths, current_budget, results_dir

__all__ = ["main"]


class UsageError(Exception):
    """A mistake on the command line: reported in one line, exit status 2."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m caeward", description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    budget_help = f"one of {', '.join(BUDGETS)} (default: quick if CAEWARD_QUICK is set, else full)"

    p_run = sub.add_parser("run", help="run method x dataset x seed, skipping stored results")
    _add_selection(p_run, budget_help, method_required=True)
    p_run.add_argument("--force", action="store_true", help="run again even if a result exists")

    p_campaign = sub.add_parser("campaign", help="plan method x dataset x seed as a job graph and run it on Ray, "
                                                 "skipping stored results")
    _add_selection(p_campaign, budget_help, method_required=False)
    p_campaign.add_argument("--group", nargs="+", default=[], choices=list(METHOD_GROUPS),
                            help="named group(s) of methods, added to --method")
    p_campaign.add_argument("--address", help="join the Ray cluster at this address (default: a local Ray "
                                              "started in this process)")
    p_campaign.add_argument("--time-limit", help="start no job that will not finish within it, stop at it: "
                                                 "seconds, or e.g. 30m, 2h, 1h30m")
    p_campaign.add_argument("--gpus-per-training", type=float, default=0.25,
                            help="fraction of a GPU each job takes where the cluster has GPUs (default 0.25)")
    p_campaign.add_argument("--batch-seeds", type=int,
                            help="most seeds of one autoencoder trained together as one batched model "
                                 "(default: all of them where the cluster has GPUs, 1 without)")
    p_campaign.add_argument("--dry-run", action="store_true", help="print the plan and run nothing")

    p_table = sub.add_parser("table", help="print mean ± sd of stored results beside the paper, "
                                           "and the compute they recorded")
    p_table.add_argument("--budget", help=budget_help)

    p_train = sub.add_parser("train", help="train (or resume) an autoencoder and cache its codes, "
                                           "writing no result")
    p_train.add_argument("--autoencoder", required=True, help=f"one of {', '.join(AUTOENCODERS)}")
    p_train.add_argument("--dataset", required=True, help=f"one of {', '.join(DATASETS)}")
    p_train.add_argument("--seed", nargs="+", type=int, default=[0])
    p_train.add_argument("--budget", help=budget_help)
    p_train.add_argument("--store", action="store_true",
                         help="also write the codes under results/codes/, to be committed for the chapters' figures")
    p_train.add_argument("--overwrite", action="store_true",
                         help="with --store: replace codes of the same training committed already")
    p_train.add_argument("--weights", action="store_true",
                         help="with --store: also commit the network's weights (safetensors), "
                              "for chapters that need the network")

    sub.add_parser("list", help="list the registered methods")
    sub.add_parser("cluster", help="cluster a folder of your own images (see `cluster --help`)", add_help=False)
    return parser


def _add_selection(parser, budget_help: str, method_required: bool) -> None:
    """The selection flags ``run`` and ``campaign`` share."""
    parser.add_argument("--method", nargs="+", required=method_required, default=[],
                        help=f"method name(s) (see `list`), or a group: {', '.join(METHOD_GROUPS)}")
    parser.add_argument("--dataset", nargs="+", default=["all"],
                        help=f"dataset(s) or 'all'; known: {', '.join(DATASETS)}")
    parser.add_argument("--seed", nargs="+", type=int, default=[0])
    parser.add_argument("--budget", help=budget_help)


def _selection(args) -> tuple[list[str], list[str]]:
    """The methods (groups expanded, each once, in order) and data sets asked for."""
    names = list(args.method) + list(getattr(args, "group", []))
    if not names:
        raise UsageError("name the methods to run: --method NAME... or --group "
                         + "/".join(METHOD_GROUPS))
    expanded = [m for name in names for m in METHOD_GROUPS.get(name, [name])]
    methods = list(dict.fromkeys(_choose(expanded, METHODS, "method", allow_all=False, groups=METHOD_GROUPS)))
    return methods, _choose(args.dataset, DATASETS, "dataset")


def _choose(names: list[str], known, what: str, allow_all: bool = True, groups=()) -> list[str]:
    chosen = list(known) if allow_all and names == ["all"] else names
    unknown = [n for n in chosen if n not in known]
    if unknown:
        raise UsageError(f"unknown {what} {', '.join(map(repr, unknown))}; known: {', '.join(known)}"
                         + (" (or 'all')" if allow_all else "")
                         + (f", or a group: {', '.join(groups)}" if groups else ""))
    return chosen


def _check_seeds(seeds: list[int]) -> None:
    wrong = [s for s in seeds if not 0 <= s <= MAX_SEED]
    if wrong:
        raise UsageError(f"seeds must be whole numbers from 0 to {MAX_SEED}, got {', '.join(map(str, wrong))}")


def _check_settings(**which) -> None:
    """The settings and folders a command uses (:func:`~.settings.check_paths`), before any work."""
    try:
        check_paths(**which)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def _check_address(address: str, seconds: float = 10.0) -> None:
    """Refuse a Ray address that takes no connection, in seconds (Ray itself retries
    for minutes without a word)."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=seconds):
            pass
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot reach a Ray cluster at {address} ({exc}); start it with `ray start --head` "
                         "and pass the address it prints, or leave out --address for a local Ray") from exc


def _budget(name: str | None):
    if name is None:
        try:
            return current_budget()
        except ValueError as exc:  # CAEWARD_QUICK set to something it does not take
            raise UsageError(str(exc)) from exc
    if name not in BUDGETS:
        raise UsageError(f"unknown budget {name!r}; known: {', '.join(BUDGETS)}")
    return BUDGETS[name]


def _command(args) -> int:
    if args.command == "list":
        for name, spec in METHODS.items():
            print(f"{name:27s} {spec.label}")
        return 0
    budget = _budget(args.budget)
    if args.command == "table":
        _check_settings(cache=False, data=False)
        from .provenance import compute_spent
        from .results import InvalidResultWarning, load_results
        from .views.results_tables import results_table

        with warnings.catch_warnings(record=True) as flagged:  # each on stderr, whatever the filters say
            warnings.simplefilter("always", InvalidResultWarning)
            results = load_results(budget)
        for warning in flagged:
            print(f"caeward: warning: {warning.message}", file=sys.stderr)
        if not results:
            print(f"no results of the {budget.name} budget in {results_dir(budget)}")
            return 0
        print(results_table(results).to_string(index=False, float_format=lambda v: f"{v:.2f}"))
        print("\ncompute recorded, in hours (each training and embedding counted once):")
        print(compute_spent(results).to_string(float_format=lambda v: f"{v:.2f}"))
        return 0

    _check_seeds(args.seed)
    if args.command == "train":
        from .runner import train_autoencoder

        _choose([args.autoencoder], AUTOENCODERS, "autoencoder", allow_all=False)
        _choose([args.dataset], DATASETS, "dataset", allow_all=False)
        if (args.overwrite or args.weights) and not args.store:
            raise UsageError("--overwrite and --weights go with --store")
        _check_settings(results=args.store)
        for seed in args.seed:
            info = train_autoencoder(args.autoencoder, args.dataset, seed, budget, store_codes=args.store,
                                     overwrite=args.overwrite, store_weights=args.weights)
            found = {"cache": "were already cached", "committed": "are committed under results/codes",
                     "trained": "trained and cached"}[info["source"]]
            stored = (f"; stored in {info['stored_in']}" if "stored_in" in info else
                      f"; the same codes are committed in {info['committed_in']}" if "committed_in" in info else "")
            print(f"{args.autoencoder} / {args.dataset} / seed {seed}: codes {found} "
                  f"(reconstruction MSE {info['reconstruction_mse']:.5f}){stored}")
        return 0

    methods, datasets = _selection(args)
    _check_settings()
    if args.command == "campaign":
        return _campaign(args, methods, datasets, budget)
    from .runner import run_many

    run_many(methods, datasets, args.seed, budget, force=args.force)  # RunsNotDone names what was not
    return 0


def _campaign(args, methods: list[str], datasets: list[str], budget) -> int:
    """Plan the campaign, print it, and (unless a dry run) run it on Ray."""
    from .campaign import parse_duration, plan
    from .results import load_results

    try:
        limit = None if args.time_limit is None else parse_duration(args.time_limit)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    if not 0 < args.gpus_per_training <= 1:
        raise UsageError(f"--gpus-per-training is a fraction of one GPU, in (0, 1], got {args.gpus_per_training}")
    if args.batch_seeds is not None and args.batch_seeds < 1:
        raise UsageError(f"--batch-seeds must be at least 1, got {args.batch_seeds}")
    seeds = list(dict.fromkeys(args.seed))
    started, gpus = False, 0.0
    if args.address is not None:
        _check_address(args.address)
    if not args.dry_run:
        from .campaign_ray import cluster_gpus, start_ray

        try:
            started = start_ray(args.address)
        except ImportError as exc:
            raise UsageError(str(exc)) from exc
        except ConnectionError as exc:
            raise UsageError(f"cannot join the Ray cluster at {args.address} ({exc}); start it with "
                             "`ray start --head`, or leave out --address for a local Ray") from exc
        gpus = cluster_gpus()
    else:
        import torch
        gpus = float(torch.cuda.device_count()) if args.address is None else 0.0
    batch = args.batch_seeds or (len(seeds) if gpus else 1)
    device = "cuda" if gpus else "cpu"
    try:
        jobs = plan(methods, datasets, seeds, budget, batch_seeds=batch, device=device,
                    results=load_results(budget), cached=_cached(budget))
        print(jobs.describe())
        if args.dry_run:
            return 0
        from .campaign_ray import run_plan

        summary = run_plan(jobs, time_limit=limit, gpus_per_job=args.gpus_per_training)
    finally:
        if started:
            import ray
            ray.shutdown()
    print("\n".join(summary.lines()))
    return 1 if summary.failed else 0


def _cached(budget):
    """Whether a training's codes are at hand (the data set loaded once per name)."""
    from functools import lru_cache

    from .runner import load_dataset
    from .training_cache import is_cached

    images = lru_cache(maxsize=None)(lambda dataset: load_dataset(dataset, budget)[0])
    return lambda autoencoder, dataset, seed: is_cached(autoencoder, images(dataset), budget, seed)


class _ClosedPipeSafe:
    """Standard output that a reader may close (``| head -1``): from then on what is
    printed goes nowhere, and the work goes on."""

    def __init__(self, stream):
        self._stream, self.closed_by_reader = stream, False

    def write(self, text):
        if self.closed_by_reader:
            return len(text)
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._gone()
            return len(text)

    def flush(self):
        if not self.closed_by_reader:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._gone()

    def _gone(self):
        self.closed_by_reader = True
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self._stream.fileno())  # so that the interpreter's last flush is quiet too
        os.close(devnull)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> str:
    return f"caeward: warning: {message}\n"


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for a user's mistake or work
    that could not be done; argparse's own usage errors exit with 2 through ``SystemExit``)."""
    from ..data import MNISTError
    from .results import ResultFileError
    from .runner import RunsNotDone
    from .training_cache import StoreError

    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["cluster"]:  # the method layer's command, also when reached from here
        from ..folder_cli import main as cluster_main

        return cluster_main(argv[1:])
    args = _parser().parse_args(argv)  # argparse's own errors: usage on stderr, status 2
    stdout, sys.stdout = sys.stdout, _ClosedPipeSafe(sys.stdout)
    shown = warnings.formatwarning
    warnings.formatwarning = _one_line_warning
    try:
        status = _command(args)
        sys.stdout.flush()
        return status
    except (UsageError, ResultFileError, StoreError, VerificationError, MNISTError, RunsNotDone) as exc:
        print(f"caeward: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("caeward: interrupted; finished results are kept, a training resumes from its last epoch",
              file=sys.stderr)
        return 130
    finally:
        sys.stdout, warnings.formatwarning = stdout, shown
