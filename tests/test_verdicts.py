"""Chapter 4's verdicts: each rule gives the verdict its docstring promises.

The inputs are small enough to check by hand, with Student's t quantiles from a
printed table: t(0.975; 1) = 12.706, t(2) = 4.303, t(3) = 3.182, t(4) = 2.776.
"""
import math

import pytest

from _tools import make_result
from caeward.experiments.paper import TABLE1
from caeward.experiments.verdicts import (Claim, claim_verdicts, paired_interval, seeds_to_decide,
                                          t_interval, welch_interval)

PAPER = TABLE1["proposed-ward"]["mnist-test"]["acc"]
T2, T3, T4 = 4.303, 3.182, 2.776


def runs(method, accs, dataset="mnist-test", training=None):
    """One result per seed; ``training`` names the autoencoder training they cluster
    (results of two methods with the same name share each seed's training)."""
    out = []
    for s, a in enumerate(accs):
        extra = {}
        if training is not None:
            extra = {"details": {"autoencoder": {"losses": [0.1, 0.05 + s / 100]}},
                     "config": {"method": {"autoencoder": training}}}
        out.append(make_result(method=method, dataset=dataset, seed=s,
                               metrics={"acc": a / 100, "nmi": 0.5}, **extra))
    return out


def verdict(claim, results):
    table = claim_verdicts(results, claims=[claim], datasets=["mnist-test"])
    return table.iloc[0]


# ------------------------------------------------------------------ the intervals

def test_t_interval_is_mean_plus_minus_t_sd_over_root_n():
    mean, low, high = t_interval([1.0, 2.0, 3.0])  # mean 2, sd 1, n 3
    assert mean == pytest.approx(2.0)
    assert high - mean == pytest.approx(T2 / math.sqrt(3), abs=1e-3)
    assert mean - low == pytest.approx(high - mean)


def test_paired_interval_reads_the_differences_only():
    # differences 2, 2, 2: no spread, so the interval is the point 2
    assert paired_interval([80, 90, 70], [78, 88, 68]) == pytest.approx((2, 2, 2))


def test_welch_interval_with_its_degrees_of_freedom():
    # var/n = 1/3 each, se = sqrt(2/3), Welch's df = (2/3)^2 / (2 (1/3)^2 / 2) = 4
    diff, low, high = welch_interval([90, 91, 92], [80, 81, 82])
    assert diff == pytest.approx(10)
    assert high - diff == pytest.approx(T4 * math.sqrt(2 / 3), abs=1e-3)


def test_seeds_to_decide_is_the_first_n_whose_half_width_is_below_the_distance():
    # sd 1, distance 2: n=3 gives 4.303/sqrt(3) = 2.48, n=4 gives 3.182/2 = 1.59
    assert seeds_to_decide(2.0, 1.0) == 4
    assert seeds_to_decide(-2.0, 1.0) == 4
    # Welch, sds 1 and 1, n each: df = 2(n-1); n=3: 2.776 sqrt(2/3) = 2.27 > 2, n=4: ~1.73
    assert seeds_to_decide(2.0, 1.0, 1.0) == 4
    assert seeds_to_decide(0.0, 1.0) is None
    assert seeds_to_decide(0.01, 10.0) is None  # beyond 1,000 seeds


# ----------------------------------------------------------------------- reaches

REACHES = Claim("reaches", "reaches", "proposed-ward")


@pytest.mark.parametrize("offsets, outcome, stance", [
    ([-3.0, -2.0, -1.0], "consistent", "agrees"),  # [-4.48, 0.48] holds the paper's number
    ([-11.0, -10.0, -9.0], "below", "contradicts"),
    ([9.0, 10.0, 11.0], "above", "agrees"),
])
def test_reaches_asks_whether_the_interval_holds_the_papers_number(offsets, outcome, stance):
    row = verdict(REACHES, runs("proposed-ward", [PAPER + o for o in offsets]))
    assert (row["outcome"], row["stance"]) == (outcome, stance)
    assert row["paper_value"] == PAPER
    assert row["high"] - row["ours_value"] == pytest.approx(T2 / math.sqrt(3), abs=1e-3)


def test_an_undecided_reach_says_how_many_seeds_would_decide_it():
    # mean 2 below the paper, sd 1: 4 seeds (see the test of seeds_to_decide)
    row = verdict(REACHES, runs("proposed-ward", [PAPER - 3, PAPER - 2, PAPER - 1]))
    assert row["seeds_to_decide"] == 4 and "4 seeds would decide" in row["verdict"]
    decided = verdict(REACHES, runs("proposed-ward", [PAPER - 11, PAPER - 10, PAPER - 9]))
    assert decided["seeds_to_decide"] is None and "would decide" not in decided["verdict"]


def test_one_seed_is_too_few():
    assert verdict(REACHES, runs("proposed-ward", [PAPER]))["verdict"] == "too few seeds"


# ------------------------------------------------------------------------- beats

PAIRED = Claim("Ward beats k-means", "beats", "proposed-ward", "proposed-kmeans", paired=True)
UNPAIRED = Claim("beats DCEC", "beats", "proposed-ward", "cae-idec")


def test_paired_claim_pairs_the_seeds_of_one_training():
    # Ward 2 points ahead in every seed, while the seeds spread by 10: paired, decided
    ward, kmeans = runs("proposed-ward", [80, 90, 70]), runs("proposed-kmeans", [78, 88, 68])
    row = verdict(PAIRED, ward + kmeans)
    assert row["outcome"] == "first" and row["test"] == "paired t" and row["n"] == "3 paired"
    assert row["ours_value"] == pytest.approx(2)
    # the same numbers as separate trainings: Welch sees two overlapping samples
    row = verdict(Claim("x", "beats", "proposed-ward", "proposed-kmeans"), ward + kmeans)
    assert row["outcome"] == "none" and row["test"] == "Welch t"


def test_paired_claim_reads_only_the_seeds_both_rows_have():
    ward = runs("proposed-ward", [80, 90, 70, 10])
    kmeans = runs("proposed-kmeans", [78, 88, 68])  # no seed 3
    row = verdict(PAIRED, ward + kmeans)
    assert row["n_seeds"] == 3 and row["ours_value"] == pytest.approx(2)


@pytest.mark.parametrize("first, second, outcome, stance", [
    ([90, 91, 92], [80, 81, 82], "first", "agrees"),  # 10 ± 2.27
    ([80, 81, 82], [90, 91, 92], "second", "contradicts"),
    ([84, 86, 88], [83, 85, 87], "none", "undecided"),
])
def test_unpaired_claim_reads_welchs_interval(first, second, outcome, stance):
    row = verdict(UNPAIRED, runs("proposed-ward", first) + runs("cae-idec", second))
    assert (row["outcome"], row["stance"]) == (outcome, stance)
    if outcome == "first":
        assert row["low"] == pytest.approx(10 - T4 * math.sqrt(2 / 3), abs=1e-3)
        assert "ahead" in row["verdict"]
    if outcome == "none":
        assert "no difference shown" in row["verdict"] and row["seeds_to_decide"] > 3


# -------------------------------------------------------------------------- best

BEST = Claim("best", "best", "proposed-ward")


def test_best_when_every_gap_excludes_zero():
    row = verdict(BEST, runs("proposed-ward", [90, 91, 92]) + runs("cae-idec", [80, 81, 82])
                  + runs("cae-kmeans", [70, 71, 72]))
    assert row["outcome"] == "best" and row["rival"] == "cae-idec"
    assert row["ours"] == "rank 1 of 3"


def test_best_is_tied_when_the_runner_up_is_within_the_interval():
    row = verdict(BEST, runs("proposed-ward", [84, 86, 88]) + runs("cae-idec", [83, 85, 87]))
    assert row["outcome"] == "tied" and "tied with DCEC" in row["verdict"]
    assert row["stance"] == "undecided"


def test_best_names_the_row_ahead_when_it_is_not_ours():
    row = verdict(BEST, runs("proposed-ward", [70, 71, 72]) + runs("cae-idec", [85, 86, 87]))
    assert row["outcome"] == "behind" and "DCEC ahead" in row["verdict"]
    assert row["ours"] == "rank 2 of 2" and row["high"] < 0  # our row's gap to the top


def test_best_pairs_rows_that_cluster_one_training():
    ward = runs("proposed-ward", [80, 90, 70], training="proposed")
    kmeans = runs("proposed-kmeans", [78, 88, 68], training="proposed")
    assert verdict(BEST, ward + kmeans)["outcome"] == "best"  # 2 ahead in every seed
    other = runs("proposed-kmeans", [78, 88, 68], training="cae")  # another training
    assert verdict(BEST, ward + other)["outcome"] == "tied"


def test_claims_without_runs_are_left_out():
    assert claim_verdicts(runs("cae-kmeans", [70, 71]), claims=[REACHES, UNPAIRED]).empty
