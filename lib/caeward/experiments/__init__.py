"""caeward.experiments: the machinery that makes the book's numbers.

Built on the method layer (:mod:`caeward`), never the other way round. Its modules, by
job, from the bottom up:

*What runs, and where it is kept*

- :mod:`~caeward.experiments.settings` -- budgets (quick, full, their bfloat16 twins),
  data set names, every path and every ``CAEWARD_*`` variable, and the chapters' setup cell;
- :mod:`~caeward.experiments.registry` -- the autoencoders and methods by name, as values:
  a method is a representation step and a clustering step, named
  ``<representation>-<clustering>`` (``pixels-kmeans``, ``proposed-ward``, ``cae-idec``);
- the store of trainings, codes and UMAP embeddings on disk, verified before use and
  locked while made:

  - :mod:`~caeward.experiments.training_cache` -- which cache folder is a training's,
    proven by its record; locks, and lookups of cached and committed codes;
  - :mod:`~caeward.experiments.trainings` -- the trainings and their codes, trained (or
    resumed) only when nothing stored is that training;
  - :mod:`~caeward.experiments.training_clock` -- the wall time of all a training's runs;
  - :mod:`~caeward.experiments.sibling_starts` -- a training continuing the checkpoint of
    a shorter sibling (the epochs ablation);
  - :mod:`~caeward.experiments.committed_codes` -- the codes, and weights, committed for
    the chapters' figures;
  - :mod:`~caeward.experiments.embedding_cache` -- UMAP embeddings, computed once;
  - :mod:`~caeward.experiments.run_codes` -- a stored run's own codes, for a chapter's
    figure, never trained;

- :mod:`~caeward.experiments.results` -- :class:`Result`, one sealed record per run,
  checked when read;
- :mod:`~caeward.experiments.provenance` -- the training behind a stored result (the
  same training or not), and the compute a set of results recorded;
- :mod:`~caeward.experiments.artefacts` -- every other computed table (guides,
  calibrations, purities) as a sealed, resumable load-or-compute JSON file;
- :mod:`~caeward.experiments.paper` -- the paper's numbers, labelled as the paper's.

*Running*

- :mod:`~caeward.experiments.cost` -- how long runs will take, from stored timings or
  measured throughput;
- :mod:`~caeward.experiments.runner` -- represent, cluster, score, store: ``run`` and
  ``run_many``; :mod:`~caeward.experiments.cli` puts it behind ``python -m caeward``;
- :mod:`~caeward.experiments.campaign` -- many runs as one job graph (a training feeds
  its clusterings, seeds batched), which :mod:`~caeward.experiments.campaign_ray` runs
  on a local Ray or a cluster: ``python -m caeward campaign``.

*Studies beyond single runs*

- :mod:`~caeward.experiments.verdicts` -- the paper's claims tested by rules fixed in
  advance: 95 % intervals over seeds, and the words a verdict may use (chapter 4);
- :mod:`~caeward.experiments.precision` -- whether bfloat16 pretraining changes the
  numbers (chapter 4, appendix);
- :mod:`~caeward.experiments.k_choice` -- the calibration of the k rule (chapter 7);
- :mod:`~caeward.experiments.tree_purity` -- the trees judged as trees: dendrogram
  purity of every committed training's codes (chapter 5);
- :mod:`~caeward.experiments.own_images` -- ``CAEWard`` on scikit-learn's digits,
  :mod:`~caeward.experiments.folder_guide` -- every recipe over folder sizes, and
  :mod:`~caeward.experiments.folder_k` -- every k criterion on those folders (chapter 8).

*How the book shows them*

- :mod:`~caeward.experiments.views` -- the package that shows results in the book (it
  computes nothing):

  - :mod:`~caeward.experiments.views.book` -- one figure style, glued numbers, tables
    that fit;
  - :mod:`~caeward.experiments.views.formatting` -- ``mean ± sd``, written one way
    everywhere;
  - :mod:`~caeward.experiments.views.results_tables` -- the tables of stored results,
    mean ± sd beside the paper's;
  - :mod:`~caeward.experiments.views.table1` -- Table 1 against the paper's (chapter 4);
  - :mod:`~caeward.experiments.views.chapter_views`,
    :mod:`~caeward.experiments.views.ablation_views`,
    :mod:`~caeward.experiments.views.manifold_views` -- the tables and figures of
    chapters 1-3, 5 and 6, so that a chapter's cells show the idea;
  - :mod:`~caeward.experiments.views.ledger` -- which runs each chapter reads, with
    their provenance (the appendix).

The names below are what the chapters use.
"""

from .cost import format_duration, missing_runs_seconds, training_estimate
from .embedding_cache import umap_embedding
from .paper import N2D, TABLE1
from .registry import AUTOENCODER_NAMES, AUTOENCODERS, METHODS, PROPOSED_VARIANTS, TABLE1_METHODS, UMAP_METHODS
from .provenance import compute_spent, trained_as_stored
from .results import Result, load_results
from .run_codes import codes_at_hand, own_codes_by_seed, stored_run_codes
from .runner import load_dataset, predict, run, run_many, train_autoencoder
from .settings import BUDGETS, DATASETS, bf16_twin, current_budget, results_dir, setup
from .training_cache import is_cached
from .trainings import trained_codes, trained_model
from .views.results_tables import format_table, results_table

__all__ = ["AUTOENCODER_NAMES", "AUTOENCODERS", "BUDGETS", "DATASETS", "METHODS", "N2D", "PROPOSED_VARIANTS",
           "Result", "TABLE1", "TABLE1_METHODS", "UMAP_METHODS", "bf16_twin", "compute_spent",
           "current_budget", "format_duration", "format_table", "is_cached", "load_dataset", "load_results",
           "missing_runs_seconds", "predict", "results_dir", "results_table", "run", "run_many", "setup",
           "train_autoencoder", "trained_as_stored", "trained_codes", "trained_model", "training_estimate",
           "umap_embedding", "stored_run_codes", "own_codes_by_seed", "codes_at_hand"]
