"""A stored run's own codes, for the chapters' figures: looked up, never trained.

The figures of chapters 3 to 5 must show the training behind a stored result, so that
the ACC printed on a panel is the stored run's. The codes are looked up in the cache
and among the committed codes (:mod:`~caeward.experiments.training_cache`), and are a
run's own when their training's loss curve is the run's
(:func:`caeward.experiments.provenance.trained_as_stored`).
"""

from __future__ import annotations

import numpy as np

from .provenance import trained_as_stored
from .settings import Budget
from .training_cache import _stored_codes, training_key

__all__ = ["stored_run_codes", "own_codes_by_seed", "codes_at_hand"]


def stored_run_codes(name: str, images: np.ndarray, budget: Budget, results, methods,
                     dataset: str, seeds=None):
    """The codes of a stored run's own training, if any are at hand; never trains.

    For the figures of chapters 3 to 5, which must show the training behind a stored
    result (so that the ACC printed on a panel is the stored run's). Goes through the
    seeds of the stored runs of ``methods`` on ``dataset`` in order and returns the
    first whose training of autoencoder ``name`` is in the cache or committed under
    ``results/codes/`` and is that run's very training (equal per-epoch losses, as
    :func:`caeward.experiments.provenance.trained_as_stored` checks).

    Parameters
    ----------
    name : str
        The autoencoder.
    images : ndarray
        The data set's images, as the runs saw them.
    budget : Budget
    results : list of Result
        Stored results to choose from.
    methods : sequence of str
        Methods on that autoencoder's codes; the seed's runs of all of them are returned.
    dataset : str
    seeds : sequence of int, optional
        The seeds to consider, in order of preference (default: every stored seed).

    Returns
    -------
    (seed, codes, info, runs) or None
        ``runs``: ``{method: Result}`` of that seed, those whose training the codes are.
    """
    for seed, found in _own_trainings(name, images, budget, results, methods, dataset, seeds):
        if found is not None:
            return (seed, *found)
    return None


def own_codes_by_seed(name: str, images: np.ndarray, budget: Budget, results, methods,
                      dataset: str) -> dict[int, bool]:
    """For every seed of the stored runs of ``methods`` on ``dataset``: whether the
    codes of that run's own training of ``name`` are at hand (cached or committed);
    never trains. The appendix lists the trainings whose codes are missing.

    Returns
    -------
    dict
        ``{seed: bool}``, seeds in increasing order.
    """
    return {seed: found is not None
            for seed, found in _own_trainings(name, images, budget, results, methods, dataset)}


def _own_trainings(name, images, budget, results, methods, dataset, seeds=None):
    """Yield ``(seed, (codes, info, runs) or None)`` per seed of the stored runs."""
    runs = [r for r in results if r.dataset == dataset and r.method in set(methods)
            and r.autoencoder is not None]
    order = list(seeds) if seeds is not None else sorted({r.seed for r in runs})
    for seed in order:
        mine = [r for r in runs if r.seed == seed]
        if not mine:
            continue
        found = _stored_codes(training_key(name, images, budget, seed), budget)
        same = {} if found is None else {r.method: r for r in mine
                                         if trained_as_stored(r, found[1])}
        yield seed, ((*found, same) if same else None)


def codes_at_hand(name: str, images: np.ndarray, budget: Budget, seeds=range(10)):
    """``(seed, codes, info)`` of the first of ``seeds`` whose training of ``name`` on
    ``images`` is in the cache or committed (verified), or None; never trains."""
    for seed in seeds:
        found = _stored_codes(training_key(name, images, budget, seed), budget)
        if found is not None:
            return (seed, *found)
    return None
