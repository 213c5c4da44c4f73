"""Chapter 4's verdicts: each rule gives the verdict its docstring promises.

The inputs are small enough to check by hand, with Student's t quantiles from a
printed table: t(0.975; 1) = 12.706, t(2) = 4.303, t(3) = 3.182, t(4) = 2.776.
"""
import math

import pytest

from _tools import make_result
from caeward.experiments import verdicts
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
    ([5.0, 6.0, 7.0], "above", "agrees"),  # below 100: the clipping has its own test
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
    row = verdict(REACHES, runs("proposed-ward", [PAPER]))
    assert row["verdict"] == "too few seeds, in one training"  # was "too few seeds"


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


# ------------------------------------------------------------------------- words
# The wording rules of the module's docstring, on intervals at their edges: clipped
# at a metric's range, excluding the point by less or more than MARGIN (one point),
# holding it, and resting on one training.

def test_margin_is_one_point_of_acc():
    assert verdicts.MARGIN == 1.0
    assert verdicts.METRIC_RANGE == (0.0, 100.0) and verdicts.DIFFERENCE_RANGE == (-100.0, 100.0)


@pytest.mark.parametrize("low, high, point, side", [
    (0.5, 3.0, 0.0, ("above", True)),    # excludes 0 by half a point: barely
    (1.0, 3.0, 0.0, ("above", False)),   # by exactly the margin: the plain word
    (-3.0, -0.2, 0.0, ("below", True)),
    (-3.0, -1.5, 0.0, ("below", False)),
    (0.0, 3.0, 0.0, ("holds", False)),   # an end on the point holds it
    (80.0, 87.0, 87.53, ("below", True)),  # against the paper's number
])
def test_interval_side_reads_the_margin(low, high, point, side):
    assert verdicts.interval_side(low, high, point) == side


def test_an_interval_past_100_is_clipped_and_marked():
    # mean 98, sd 2, n 3: 98 ± 4.303 · 2 / √3 = [93.03, 102.97], past 100 % ACC
    row = verdict(REACHES, runs("proposed-ward", [96.0, 98.0, 100.0]))
    assert row["high"] == 100.0 and row["clipped"]
    assert row["low"] == pytest.approx(98 - T2 * 2 / math.sqrt(3), abs=1e-3)
    assert row["95 % interval"] == "[93.03, 100.00] (clipped at 100)"
    assert "[93.03, 100.00] (clipped at 100)" in verdicts.claim_evidence(row)
    assert row["outcome"] == "above"  # clipping moves no outcome


def test_a_difference_past_100_points_is_clipped_to_100():
    # paired differences 100, 100, 70: 90 ± 4.303 · 17.32 / √3 = [46.97, 133.03]
    row = verdict(PAIRED, runs("proposed-ward", [100, 100, 70]) + runs("proposed-kmeans", [0, 0, 0]))
    assert row["high"] == 100.0 and row["clipped"]
    assert row["95 % interval"].endswith("(clipped at 100)")


def test_interval_text_marks_each_clipped_end():
    metric, difference = verdicts.METRIC_RANGE, verdicts.DIFFERENCE_RANGE
    assert verdicts.interval_text(-5.0, 105.0, metric) == "[0.00, 100.00] (clipped at 0 and 100)"
    assert verdicts.interval_text(-120.0, 3.0, difference) == "[−100.00, 3.00] (clipped at −100)"
    assert verdicts.interval_text(5.0, 95.0, verdicts.METRIC_RANGE) == "[5.00, 95.00]"


def test_a_difference_excluding_zero_by_less_than_the_margin_is_barely_ahead():
    # paired differences 2, 3, 4: 3 ± 4.303 / √3 = [0.52, 5.48], above 0 by half a point
    row = verdict(PAIRED, runs("proposed-ward", [82, 93, 74]) + runs("proposed-kmeans", [80, 90, 70]))
    assert row["low"] == pytest.approx(3 - T2 / math.sqrt(3), abs=1e-3)
    assert (row["outcome"], row["stance"], row["barely"]) == ("first", "agrees", True)
    assert row["verdict"].endswith("barely ahead")
    assert verdicts.claim_words(row) == "barely holds"
    assert verdicts.effect_words(row) == "a gain barely shown"


def test_a_difference_excluding_zero_by_more_than_the_margin_gets_the_plain_word():
    # paired differences 4, 5, 6: [2.52, 7.48], above 0 by more than a point
    row = verdict(PAIRED, runs("proposed-ward", [84, 95, 76]) + runs("proposed-kmeans", [80, 90, 70]))
    assert (row["outcome"], row["barely"]) == ("first", False)
    assert row["verdict"].endswith(" ahead") and "barely" not in row["verdict"]
    assert verdicts.claim_words(row) == "holds"
    assert verdicts.effect_words(row) == "a gain shown"


def test_a_reach_that_misses_the_paper_by_less_than_the_margin_is_barely_below():
    # mean PAPER − 3, sd 1: high = PAPER − 3 + 2.48 = PAPER − 0.52
    row = verdict(REACHES, runs("proposed-ward", [PAPER - 4, PAPER - 3, PAPER - 2]))
    assert (row["outcome"], row["stance"], row["barely"]) == ("below", "contradicts", True)
    assert row["verdict"] == "barely below the paper"
    assert verdicts.claim_words(row) == "falls barely short of the paper"


def test_best_by_less_than_the_margin_is_barely_best():
    ward = runs("proposed-ward", [82, 93, 74], training="proposed")
    kmeans = runs("proposed-kmeans", [80, 90, 70], training="proposed")  # gaps 2, 3, 4
    row = verdict(BEST, ward + kmeans)
    assert (row["outcome"], row["barely"]) == ("best", True)
    assert row["verdict"] == "barely best of all rows" and verdicts.claim_words(row) == "barely holds"


def test_an_interval_holding_zero_shows_no_difference_and_no_gain():
    row = verdict(UNPAIRED, runs("proposed-ward", [84, 86, 88]) + runs("cae-idec", [83, 85, 87]))
    assert row["low"] < 0 < row["high"] and not row["barely"]
    assert row["verdict"].startswith("no difference shown")
    assert verdicts.claim_words(row) == "is not shown"
    assert verdicts.effect_words(row) == "no gain shown"
    assert verdicts.effect_words(row, claimed="loss") == "no loss shown"


def test_compare_samples_judges_a_change_by_the_rule_of_beats():
    # Welch, 2 vs 2 seeds: −1.5 ± a wide interval holds 0
    found = verdicts.compare_samples({0: 89.0, 1: 95.0}, {0: 96.0, 1: 91.0})
    assert found["outcome"] == "none" and found["test"] == "Welch t" and found["n"] == "2 vs 2"
    assert verdicts.effect_words(found) == "no gain shown"
    assert "95 % interval" in verdicts.claim_evidence(found)
    loss = verdicts.compare_samples([30.0, 31.0, 32.0], [90.0, 91.0, 92.0])
    assert verdicts.effect_words(loss, claimed="loss") == "a loss shown"


def test_a_claim_on_one_training_says_so():
    row = verdict(REACHES, runs("proposed-ward", [PAPER - 1]))
    assert "in one training" in row["verdict"] and row["one_training"]
    assert verdicts.claim_words(row) == "cannot be judged in one training"
    assert verdicts.claim_evidence(row) == f"{PAPER - 1:.2f} in one training, no interval"


def test_a_comparison_on_one_training_says_so():
    # paired: one seed in common is one training of each row
    row = verdict(PAIRED, runs("proposed-ward", [82]) + runs("proposed-kmeans", [80]))
    assert (row["outcome"], row["n_seeds"]) == ("too few", 1)
    assert "in one training" in row["verdict"]
    assert verdicts.claim_words(row) == "cannot be judged in one training"
    assert verdicts.claim_evidence(row) == "+2.00 points in one training, no interval"
    assert verdicts.effect_words(row) == "not judged in one training"
    # Welch, 3 seeds against 1
    row = verdict(UNPAIRED, runs("proposed-ward", [84, 86, 88]) + runs("cae-idec", [80]))
    assert "in one training" in row["verdict"] and "in one training" in verdicts.claim_evidence(row)


def test_the_tally_counts_the_barely_decided():
    table = claim_verdicts(runs("proposed-ward", [82, 93, 74]) + runs("proposed-kmeans", [80, 90, 70])
                           + runs("cae-ward", [84, 95, 76]) + runs("cae-kmeans", [80, 90, 70]),
                           claims=[PAIRED, Claim("x", "beats", "cae-ward", "cae-kmeans", paired=True)],
                           datasets=["mnist-test"])
    assert verdicts.tally_text(table) == "2 agree with the paper (1 barely)"


def test_where_shown_says_barely_and_one_training():
    both = runs("proposed-ward", [82, 93, 74]) + runs("proposed-kmeans", [80, 90, 70])
    full = (runs("proposed-ward", [84, 95, 76], dataset="mnist-full")
            + runs("proposed-kmeans", [80, 90, 70], dataset="mnist-full"))
    table = claim_verdicts(both + full, claims=[PAIRED])
    assert verdicts.where_shown(table, PAIRED, ["mnist-full", "mnist-test"]) == (
        "shown on MNIST-full and barely shown on MNIST-test")
    one = (runs("proposed-ward", [84], dataset="mnist-full")
           + runs("proposed-kmeans", [80], dataset="mnist-full"))
    table = claim_verdicts(both + one, claims=[PAIRED])
    assert verdicts.where_shown(table, PAIRED, ["mnist-full", "mnist-test"]) == (
        "barely shown on MNIST-test only; on MNIST-full in one training")


def test_verdict_grid_copies_the_verdict_tables_cells():
    from caeward.experiments.verdicts import PAPER_CLAIMS, claim_verdicts, verdict_grid
    from _tools import make_result

    runs = [make_result(method="proposed-ward", dataset="mnist-test", seed=s,
                        metrics={"acc": a, "nmi": 0.8, "nmi_geometric": 0.8, "ari": 0.7})
            for s, a in enumerate([0.84, 0.86, 0.88])]
    verdicts = claim_verdicts(runs)
    grid = verdict_grid(verdicts)
    assert list(grid.columns) == ["claim", "MNIST-full: verdict", "MNIST-full: 95 % interval",
                                  "MNIST-test: verdict", "MNIST-test: 95 % interval"]
    assert len(grid) == len(PAPER_CLAIMS)
    row = grid.iloc[0]
    assert row["MNIST-test: verdict"] == verdicts.iloc[0]["verdict"]
    assert row["MNIST-test: 95 % interval"] == verdicts.iloc[0]["95 % interval"]
    assert row["MNIST-full: verdict"] == "not run"
