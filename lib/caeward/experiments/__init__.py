"""caeward.experiments: the machinery that makes the book's numbers.

Built on the method layer (:mod:`caeward`), never the other way round. Its modules,
each one idea, from the bottom up:

- :mod:`~caeward.experiments.settings` -- budgets (quick, full, their bfloat16 twins),
  data set names, every path and every ``CAEWARD_*`` variable, and the chapters' setup cell;
- :mod:`~caeward.experiments.registry` -- the autoencoders and methods by name, as values:
  a method is a representation step and a clustering step, named
  ``<representation>-<clustering>`` (``pixels-kmeans``, ``proposed-ward``, ``cae-idec``);
- :mod:`~caeward.experiments.store` -- trainings, codes and UMAP embeddings on disk,
  verified before use and locked while made, and the codes committed for figures;
- :mod:`~caeward.experiments.results` -- :class:`Result`, one typed record per run, and
  the tables made of them (load, tabulate, format, compare, compute spent);
- :mod:`~caeward.experiments.cost` -- how long runs will take, from stored timings or
  measured throughput;
- :mod:`~caeward.experiments.runner` -- represent, cluster, score, store: ``run`` and
  ``run_many``; :mod:`~caeward.experiments.cli` puts it behind ``python -m caeward``;
- :mod:`~caeward.experiments.campaign` -- many runs as one job graph (a training feeds
  its clusterings, seeds batched), which :mod:`~caeward.experiments.campaign_ray` runs
  on a local Ray or a cluster: ``python -m caeward campaign``.

:mod:`~caeward.experiments.paper` holds the paper's numbers, labelled as the paper's.
The names below are what the chapters use.
"""

from .cost import format_duration, missing_runs_seconds, training_estimate
from .paper import N2D, TABLE1
from .registry import AUTOENCODER_NAMES, AUTOENCODERS, METHODS, PROPOSED_VARIANTS, TABLE1_METHODS, UMAP_METHODS
from .results import Result, compute_spent, format_table, load_results, results_table, trained_as_stored
from .runner import load_dataset, predict, run, run_many, train_autoencoder
from .settings import BUDGETS, DATASETS, bf16_twin, current_budget, results_dir, setup
from .store import (codes_at_hand, is_cached, own_codes_by_seed, stored_run_codes, trained_codes,
                    trained_model, umap_embedding)

__all__ = ["AUTOENCODER_NAMES", "AUTOENCODERS", "BUDGETS", "DATASETS", "METHODS", "N2D", "PROPOSED_VARIANTS",
           "Result", "TABLE1", "TABLE1_METHODS", "UMAP_METHODS", "bf16_twin", "compute_spent",
           "current_budget", "format_duration", "format_table", "is_cached", "load_dataset", "load_results",
           "missing_runs_seconds", "predict", "results_dir", "results_table", "run", "run_many", "setup",
           "train_autoencoder", "trained_as_stored", "trained_codes", "trained_model", "training_estimate",
           "umap_embedding", "stored_run_codes", "own_codes_by_seed", "codes_at_hand"]
