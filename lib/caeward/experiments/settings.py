"""Budgets and paths: how much a run may spend, and where everything lives.

Introduced in chapter 1 (*The problem*). Every environment variable the book reads is
read here, but for three that the method layer reads itself (``CAEWARD_DATA``,
``CAEWARD_SOURCE_COMMIT`` and ``CAEWARD_PLAIN_PROGRESS``), listed here too:

``CAEWARD_QUICK``
    quick mode (below): chapters, tests and the command line default to the quick budget.
``CAEWARD_RESULTS``
    the results folder (default: ``results/`` of the repository, or of the current
    folder when the package is installed without the book): result files under
    ``<budget>/``, committed codes under ``codes/<budget>/``, benchmarks under
    ``benchmarks/``.
``CAEWARD_CACHE``
    the cache of trainings and embeddings (default ``$XDG_CACHE_HOME/caeward/runs``,
    or ``~/.cache/caeward/runs``).
``CAEWARD_DATA``
    where MNIST lives (read by :func:`caeward.data.data_root`, the method layer's).
``CAEWARD_SOURCE_COMMIT``
    the commit a copy of the repository without its ``.git`` was made from, recorded
    in results (read by :func:`caeward.runtime.git_commit`).
``CAEWARD_PLAIN_PROGRESS``
    progress bars as plain text, never Jupyter widgets (read by
    :func:`caeward.runtime.progress_bar`; ``tools/execute_chapters.py`` sets it).

Quick mode (``CAEWARD_QUICK=1``, set by the tests) runs *the same code* on a small,
fixed subset with a short training, so that every chapter finishes in well under
two minutes on two CPU cores. Without it, a chapter runs in full mode: the whole
data set and the full training budget, which is what the book's stored outputs show.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from ..files import usable_folder

__all__ = ["Budget", "BUDGETS", "DATASETS", "MAX_SEED", "quick_mode", "check_folder", "check_paths", "current_budget", "budget_named", "bf16_twin", "subsample",
           "n_images", "setup", "results_root", "results_dir", "codes_dir", "benchmarks_dir", "cache_root"]


@dataclass(frozen=True)
class Budget:
    """How much a run may spend.

    Attributes
    ----------
    name : str
    max_samples : int or None
        Cap on the number of samples (a fixed random subset); ``None`` for all.
    kmeans_n_init : int
        k-means restarts.
    cae_epochs : int
        Pretraining epochs of the convolutional autoencoders (DCEC: 200, Adam).
    sae_epochs : int
        Pretraining epochs of the stacked autoencoder (DEC-keras: 300, SGD lr 1).
    selftrain_maxiter : int
        Most batches of DEC/IDEC/DCEC self-training (reference code: 20,000).
    bf16 : bool
        Pretrain under bfloat16 autocast.
    """

    name: str
    max_samples: int | None
    kmeans_n_init: int = 20
    cae_epochs: int = 200
    sae_epochs: int = 300
    selftrain_maxiter: int = 20_000
    bf16: bool = False

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def is_quick(self) -> bool:
        """Whether this is the quick budget or its bfloat16 twin (the same code on less data)."""
        return self.name.startswith("quick")


BUDGETS = {
    "quick": Budget("quick", max_samples=2000, kmeans_n_init=4, cae_epochs=2, sae_epochs=2, selftrain_maxiter=150),
    "full": Budget("full", max_samples=None),
}
# Each budget's twin with pretraining under bfloat16 autocast (faster on some CPUs:
# chapter 4 prints the throughput measured on the book's). Their results are stored
# apart, in results/<name>-bf16, so that chapter 4 can set them beside float32's seed
# by seed before the book trusts bf16 for any row of Table 1.
BUDGETS.update({f"{b.name}-bf16": replace(b, name=f"{b.name}-bf16", bf16=True)
                for b in list(BUDGETS.values())})


#: The values ``CAEWARD_QUICK`` may take (any case): quick mode on, and off.
QUICK_ON, QUICK_OFF = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")
#: The largest seed: NumPy's legacy generator (``np.random.seed``) takes 0 .. 2**32 - 1.
MAX_SEED = 2**32 - 1


def quick_mode() -> bool:
    """Whether ``CAEWARD_QUICK`` turns quick mode on (``1``, ``true``, ``yes``, ``on``)
    or off (unset, empty, ``0``, ``false``, ``no``, ``off``), in any case.

    Raises
    ------
    ValueError
        Any other value (``CAEWARD_QUICK=2`` once meant the full budget, silently).
    """
    value = os.environ.get("CAEWARD_QUICK", "").strip().lower()
    if value not in QUICK_ON + QUICK_OFF:
        raise ValueError(f"CAEWARD_QUICK is {os.environ['CAEWARD_QUICK']!r}; set it to 1 (quick mode) or 0 "
                         "(full), or unset it")
    return value in QUICK_ON


def current_budget() -> Budget:
    """``BUDGETS["quick"]`` in quick mode, else ``BUDGETS["full"]``."""
    return BUDGETS["quick" if quick_mode() else "full"]


def bf16_twin(budget: Budget) -> Budget:
    """The budget that differs from ``budget`` only in pretraining under bfloat16
    autocast (``BUDGETS["full-bf16"]`` for ``BUDGETS["full"]``)."""
    if budget.bf16:
        raise ValueError(f"budget {budget.name!r} already pretrains in bfloat16; pass its float32 budget")
    twin = BUDGETS.get(f"{budget.name}-bf16")
    if twin is None or replace(twin, name=budget.name, bf16=False) != budget:
        raise ValueError(f"budget {budget.name!r} has no bfloat16 twin in BUDGETS; add one beside it")
    return twin


def subsample(images: np.ndarray, labels: np.ndarray, budget: Budget,
              seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The budget's fixed random subset (the same for every method and run seed), in
    the original order; everything when the budget has no cap."""
    n = len(images)
    if budget.max_samples is None or budget.max_samples >= n:
        return images, labels
    keep = np.sort(np.random.default_rng(seed).choice(n, budget.max_samples, replace=False))
    return images[keep], labels[keep]


def budget_named(budget: str | Budget) -> Budget:
    """``budget`` itself, or the budget of that name (a clear error for an unknown one)."""
    if isinstance(budget, Budget):
        return budget
    if budget not in BUDGETS:
        raise ValueError(f"unknown budget {budget!r}; known: {', '.join(BUDGETS)}")
    return BUDGETS[budget]


#: Data set names of the runner -> :func:`caeward.data.load_mnist` subsets.
DATASETS = {"mnist-full": "full", "mnist-test": "test"}
_DATASET_SIZES = {"mnist-full": 70_000, "mnist-test": 10_000}


def n_images(dataset: str, budget: str | Budget) -> int:
    """How many images a run on ``dataset`` sees at ``budget`` (without loading them)."""
    cap = budget_named(budget).max_samples
    return min(_DATASET_SIZES[dataset], cap or _DATASET_SIZES[dataset])


def results_root() -> Path:
    """``$CAEWARD_RESULTS`` if set, else ``results/`` of the repository; installed
    without the book (no ``_config.yml`` above the package), ``results/`` of the
    current folder."""
    base = os.environ.get("CAEWARD_RESULTS")
    if base:
        return Path(base).expanduser()
    repo = Path(__file__).resolve().parents[3]
    if not (repo / "_config.yml").exists():
        repo = Path.cwd()
    return repo / "results"


def results_dir(budget: str | Budget) -> Path:
    """Where result files of a budget live: ``<results>/<budget>`` (``results/quick``
    is git-ignored)."""
    return results_root() / budget_named(budget).name


def codes_dir(budget: str | Budget) -> Path:
    """Where trainings' codes are committed for the chapters' figures: ``<results>/codes/<budget>``."""
    return results_root() / "codes" / budget_named(budget).name


def benchmarks_dir() -> Path:
    """Where the benchmark scripts write, and the cost estimate reads: ``<results>/benchmarks``."""
    return results_root() / "benchmarks"


def cache_root() -> Path:
    """``$CAEWARD_CACHE`` if set, else ``$XDG_CACHE_HOME/caeward/runs`` (``~/.cache`` by default)."""
    env = os.environ.get("CAEWARD_CACHE")
    if env:
        return Path(env).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "caeward" / "runs"


def check_folder(folder: Path, variable: str, write: bool = True) -> Path:
    """:func:`caeward.files.usable_folder`, its error naming ``variable``, the setting
    that chooses the folder. Checked before any work, so that a mistake costs a line,
    not hours.

    Raises
    ------
    ValueError
        The folder cannot be used (why), and which setting to change.
    """
    try:
        return usable_folder(folder, write)
    except ValueError as exc:
        raise ValueError(f"{exc}; set {variable} to a {'writable ' if write else ''}folder") from exc


def check_paths(results: bool = True, cache: bool = True, data: bool = True) -> None:
    """Check the folders a command will use (:func:`check_folder`) and the value of
    ``CAEWARD_QUICK``, before any data are loaded.

    Raises
    ------
    ValueError
        The first setting that cannot be used, named.
    """
    from ..data import data_root

    quick_mode()
    if results:
        check_folder(results_root(), "CAEWARD_RESULTS")
    if cache:
        check_folder(cache_root(), "CAEWARD_CACHE")
    if data:
        check_folder(data_root(), "CAEWARD_DATA", write=False)  # MNIST there may be read-only


def setup(seed: int = 0, device: str | None = None) -> str:
    """A chapter's first cell: seed everything, pick the device, print the versions
    and the mode. Returns the device."""
    from .. import runtime
    from .views.book import use_book_style

    use_book_style()
    runtime.seed_everything(seed)
    runtime.float32_everywhere()
    device = runtime.pick_device(device)
    budget = current_budget()
    print(f"mode: {budget.name} ({'CAEWARD_QUICK is set' if budget.is_quick else 'full data'}), "
          f"seed: {seed}, device: {device} [{runtime.device_name(device)}]")
    import textwrap

    # wrapped to the book's 88 characters, so the versions never run off the page
    print(textwrap.fill(", ".join(f"{k} {v}" for k, v in runtime.versions().items()), 88))
    return device
