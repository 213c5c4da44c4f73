"""The campaign: many runs planned as one job graph, for Ray to carry out.

Rerunning the book's experiments (Table 1, the ablation, chapter 6: about 150
trainings at the full budget) is the one job that outgrows a laptop.
``python -m caeward campaign`` plans it here, as plain data, and
:mod:`caeward.experiments.campaign_ray` runs the plan on a local or remote Ray.

The graph has two kinds of job. A :class:`Training` trains (or resumes, or finds
cached) one autoencoder on one data set for a few seeds, batched into one model
(:func:`caeward.experiments.trainings.trained_codes_seeds`). A :class:`Run` is one method
x data set x seed of :func:`caeward.experiments.runner.run`, after the training its
codes come from: one training feeds every clustering of it. Runs whose result is
stored are skipped. A training waits for its shorter siblings (the same architecture
for fewer epochs, :mod:`~caeward.experiments.sibling_starts`), so that it continues them
instead of training their epochs again.

Jobs go in priority order: the headline rows first (the proposed CAE and DCEC's CAE
with Ward and k-means), each training's family with it, shorter trainings first;
then the rest in the order asked. Each job carries an estimate of its seconds
(:mod:`~caeward.experiments.cost`), so that under a time limit no job starts that
its estimate says will not finish.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .cost import measured_throughput, on_device_kind, run_own_seconds, stored_training_seconds, training_seconds
from .registry import AUTOENCODERS, METHODS, architecture
from .settings import Budget, n_images

__all__ = ["HEADLINE", "Training", "Run", "Plan", "plan", "parse_duration", "next_job", "execute", "Summary"]

#: The rows a campaign runs first, where they are asked for.
HEADLINE = ("proposed-ward", "proposed-kmeans", "cae-ward", "cae-kmeans", "cae-idec")


@dataclass(frozen=True)
class Training:
    """Train autoencoder ``autoencoder`` on ``dataset`` for ``seeds``, batched.

    ``after``: names of trainings to finish first (shorter siblings);
    ``estimate_s``: seconds it should take, None when nothing says.
    """

    autoencoder: str
    dataset: str
    seeds: tuple[int, ...]
    after: tuple[str, ...] = ()
    estimate_s: float | None = None

    @property
    def name(self) -> str:
        return f"train {self.autoencoder} / {self.dataset} / seed {','.join(map(str, self.seeds))}"


@dataclass(frozen=True)
class Run:
    """One method x data set x seed, after ``after`` (its training's name, if any)."""

    method: str
    dataset: str
    seed: int
    after: tuple[str, ...] = ()
    estimate_s: float | None = None

    @property
    def name(self) -> str:
        return f"{self.method} / {self.dataset} / seed {self.seed}"


@dataclass
class Plan:
    """Jobs in priority order (each after the jobs it waits for), and the runs skipped
    because their result is stored."""

    budget: Budget
    jobs: list = field(default_factory=list)
    skipped: list = field(default_factory=list)

    def trainings(self) -> list[Training]:
        return [job for job in self.jobs if isinstance(job, Training)]

    def runs(self) -> list[Run]:
        return [job for job in self.jobs if isinstance(job, Run)]

    def describe(self) -> str:
        """The plan in lines: what is skipped, then each job with its estimate."""
        lines = [f"{len(self.runs())} runs to compute at the {self.budget.name} budget, "
                 f"{len(self.trainings())} trainings, {len(self.skipped)} runs stored already (skipped)"]
        for job in self.jobs:
            estimate = "no estimate" if job.estimate_s is None else f"~{job.estimate_s:,.0f} s"
            wait = f"  (after {'; '.join(job.after)})" if isinstance(job, Training) and job.after else ""
            lines.append(f"  {'' if isinstance(job, Training) else '  '}{job.name}: {estimate}{wait}")
        return "\n".join(lines)


def _priority(methods: list[str]) -> list[str]:
    """``methods`` with the headline rows first, the rest in the order asked."""
    return [m for m in HEADLINE if m in methods] + [m for m in methods if m not in HEADLINE]


def plan(methods: list[str], datasets: list[str], seeds: list[int], budget: Budget, *, batch_seeds: int = 1,
         stored=None, device: str = "cpu", results: list = (), cached=None) -> Plan:
    """The job graph of method x dataset x seed.

    Parameters
    ----------
    methods, datasets : list of str
    seeds : list of int
    budget : Budget
    batch_seeds : int
        Most seeds of one training configuration batched into one training job.
    stored : callable (method, dataset, seed) -> bool, optional
        Whether that run's result is stored (default: its result file exists).
    device : str
        The kind of device jobs run on, for estimates.
    results : list of Result
        Stored results of this budget, to estimate from.
    cached : callable (autoencoder, dataset, seed) -> bool, optional
        Whether that training's codes are at hand (its estimate is then 0).

    Returns
    -------
    Plan
    """
    if batch_seeds < 1:
        raise ValueError(f"batch_seeds must be >= 1, got {batch_seeds}")
    if stored is None:
        from .results import result_path

        def stored(m, d, s):
            return result_path(m, d, s, budget).exists()
    cached = cached or (lambda ae, d, s: False)
    results = on_device_kind(list(results), device)
    rates = measured_throughput(device, budget.bf16)
    order = _priority(list(methods))
    out = Plan(budget)
    for dataset in datasets:
        todo = []
        for method in order:
            for seed in seeds:
                (out.skipped if stored(method, dataset, seed) else todo).append((method, dataset, seed))
        by_autoencoder: dict = {}
        for method, _, seed in todo:
            autoencoder = METHODS[method].representation.autoencoder
            if autoencoder is not None and seed not in by_autoencoder.setdefault(autoencoder, []):
                by_autoencoder[autoencoder].append(seed)
        trainings = _trainings(by_autoencoder, dataset, budget, batch_seeds, results, rates, cached)
        out.jobs += _interleave(trainings, todo, results)
    return out


def _trainings(by_autoencoder: dict, dataset: str, budget: Budget, batch_seeds: int, results, rates,
               cached) -> list[Training]:
    """The training jobs, in priority order: each architecture's family where its first
    member was asked, shorter epochs first; each after the shorter ones sharing a seed."""
    families: list[list[str]] = []  # specs hold dicts: grouped by equality, not hashing
    for name in by_autoencoder:
        family = next((f for f in families if architecture(f[0]) == architecture(name)), None)
        if family is None:
            families.append([name])
        else:
            family.append(name)
    ordered = [name for family in families for name in sorted(family, key=lambda n: AUTOENCODERS[n].epochs_for(budget))]
    jobs = []
    for name in ordered:
        seeds = sorted(by_autoencoder[name])
        for i in range(0, len(seeds), batch_seeds):
            chunk = tuple(seeds[i:i + batch_seeds])
            after = tuple(job.name for job in jobs
                          if architecture(job.autoencoder) == architecture(name) and set(job.seeds) & set(chunk))
            jobs.append(Training(name, dataset, chunk, after,
                                 _training_estimate(name, dataset, chunk, budget, results, rates, cached)))
    return jobs


def _training_estimate(name, dataset, seeds, budget, results, rates, cached) -> float | None:
    """Seconds of a training job: each uncached seed's training, from stored timings
    else measured throughput, added up (an upper bound when batching helps)."""
    left = [s for s in seeds if not cached(name, dataset, s)]
    if not left:
        return 0.0
    one = stored_training_seconds(name, dataset, budget, results)
    if one is None:
        one = training_seconds(name, n_images(dataset, budget), budget, rates)
    return None if one is None else one * len(left)


def _interleave(trainings: list[Training], todo: list, results) -> list:
    """Each training followed by the runs it feeds, in priority order; runs on pixels
    where they come; runs of a training in the order asked."""
    jobs, placed = [], set()
    for method, dataset, seed in todo:
        autoencoder = METHODS[method].representation.autoencoder
        feeding = [t for t in trainings if t.autoencoder == autoencoder and seed in t.seeds]
        for training in feeding:
            if training.name not in placed:
                placed.add(training.name)
                for first in trainings:  # its shorter siblings before it
                    if first.name in training.after and first.name not in placed:
                        placed.add(first.name)
                        jobs.append(first)
                jobs.append(training)
        jobs.append(Run(method, dataset, seed, tuple(t.name for t in feeding),
                        run_own_seconds(method, dataset, results)))
    return jobs


# ------------------------------------------------------------------ time limit

_UNITS = {"": 1, "s": 1, "m": 60, "min": 60, "h": 3600}


def parse_duration(text: str) -> float:
    """Seconds from ``"90"``, ``"90s"``, ``"30m"``, ``"2h"`` or ``"1h30m"``.

    Raises
    ------
    ValueError
        Not such a duration, or not positive.
    """
    parts = re.fullmatch(r"\s*((?:\d+(?:\.\d+)?\s*(?:h|min|m|s)?\s*)+)", text or "")
    pieces = re.findall(r"(\d+(?:\.\d+)?)\s*(h|min|m|s)?", text or "") if parts else []
    seconds = sum(float(number) * _UNITS[unit or ""] for number, unit in pieces)
    if not pieces or seconds <= 0:
        raise ValueError(f"a time limit is seconds or a duration such as 90, 30m, 2h or 1h30m, got {text!r}")
    return seconds


def next_job(ready: list, seconds_left: float | None):
    """The first of ``ready`` (in priority order) that its estimate says will finish
    in ``seconds_left`` (None: no limit); a job with no estimate is started, since
    nothing says it will not finish. None when no job fits."""
    for job in ready:
        if seconds_left is None or job.estimate_s is None or job.estimate_s <= seconds_left:
            return job
    return None


# ------------------------------------------------------------------- execution

def execute(job, budget_name: str) -> str:
    """Carry out one job in this process (a Ray worker calls it); returns a line
    saying what it made. Exceptions say why it failed."""
    from .. import runtime
    from . import runner, trainings
    from .settings import budget_named

    budget = budget_named(budget_name)
    if isinstance(job, Training):
        images, _ = runner.load_dataset(job.dataset, budget)
        runtime.float32_everywhere()  # as the runner, so that the training is the same
        found = trainings.trained_codes_seeds(job.autoencoder, images, budget, list(job.seeds),
                                              runtime.pick_device(), progress=False)
        sources = [info["source"] for _, info in found]
        return f"{job.name}: " + ", ".join(f"seed {s} {src}" for s, src in zip(job.seeds, sources))
    result = runner.run(job.method, job.dataset, job.seed, budget, verbose=False)
    return f"{job.name}: ACC {result.acc:.4f} on {result.device}"


@dataclass
class Summary:
    """What a campaign did: jobs done, runs skipped as stored, jobs not started and
    jobs stopped (the time limit), and jobs failed with the reason."""

    done: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    not_started: list = field(default_factory=list)
    stopped: list = field(default_factory=list)
    failed: list = field(default_factory=list)  # (job name, reason)

    def lines(self) -> list[str]:
        out = [f"done: {len(self.done)} jobs", f"skipped (result stored already): {len(self.skipped)} runs",
               f"not started (time limit): {len(self.not_started)} jobs",
               f"stopped at the time limit (a training resumes from its last epoch next time): "
               f"{len(self.stopped)} jobs", f"failed: {len(self.failed)} jobs"]
        out += [f"  not started: {name}" for name in self.not_started]
        out += [f"  stopped: {name}" for name in self.stopped]
        out += [f"  failed: {name}: {reason}" for name, reason in self.failed]
        return out
