"""Chapter 4's verdicts: each rule gives the verdict its docstring promises."""
import pytest

from _tools import make_result
from caeward.experiments.paper import TABLE1
from caeward.experiments.verdicts import Claim, claim_verdicts

PAPER = TABLE1["proposed-ward"]["mnist-test"]["acc"]


def runs(method, accs, dataset="mnist-test"):
    return [make_result(method=method, dataset=dataset, seed=s, metrics={"acc": a / 100, "nmi": 0.5})
            for s, a in enumerate(accs)]


def verdict(claim, results):
    table = claim_verdicts(results, claims=[claim], datasets=["mnist-test"])
    return table.iloc[0]


REACHES = Claim("reaches", "reaches", "proposed-ward")


@pytest.mark.parametrize("offsets, expected, reaching", [
    ([-1.0, 0.5, 1.0], "reproduced", 2),          # mean within one sd of the paper's number
    ([-9.0, -8.0, 0.5], "partly", 1),             # one seed reaches it, the mean is far below
    ([-5.0, -4.0, -3.0], "not reproduced", 0),
    ([2.0], "too few seeds", 1),
])
def test_reaches(offsets, expected, reaching):
    row = verdict(REACHES, runs("proposed-ward", [PAPER + o for o in offsets]))
    assert row["verdict"] == expected
    assert row["n_reaching"] == reaching
    assert row["paper_value"] == PAPER


PAIRED = Claim("Ward beats k-means", "beats", "proposed-ward", "proposed-kmeans", paired=True)


def test_paired_claim_counts_seeds_of_the_same_training():
    ward = runs("proposed-ward", [80, 85, 70])
    kmeans = runs("proposed-kmeans", [75, 80, 72])  # Ward ahead in seeds 0 and 1, behind in 2
    row = verdict(PAIRED, ward + kmeans)
    assert row["verdict"] == "reproduced" and row["n_reaching"] == 2
    assert row["ours_value"] == pytest.approx((5 + 5 - 2) / 3)
    row = verdict(PAIRED, runs("proposed-ward", [80, 70, 70]) + kmeans)  # ahead in one of three
    assert row["verdict"] == "not reproduced"


UNPAIRED = Claim("beats DCEC", "beats", "proposed-ward", "cae-idec")


@pytest.mark.parametrize("first, second, expected", [
    ([90, 91, 92], [80, 81, 82], "reproduced"),   # difference 10, spreads 1
    ([84, 86, 88], [82, 84, 86], "unclear"),      # difference 2, spreads 2
    ([80, 81, 82], [84, 85, 86], "not reproduced"),
])
def test_unpaired_claim_weighs_the_difference_against_the_spreads(first, second, expected):
    assert verdict(UNPAIRED, runs("proposed-ward", first) + runs("cae-idec", second))["verdict"] == expected


def test_best_names_the_row_that_is_higher():
    claim = Claim("best", "best", "proposed-ward")
    results = runs("proposed-ward", [80, 82]) + runs("cae-idec", [85, 86]) + runs("cae-kmeans", [70, 71])
    row = verdict(claim, results)
    assert row["verdict"].startswith("not reproduced") and "DCEC" in row["verdict"]
    assert row["ours"] == "rank 2 of 3"
    assert verdict(claim, runs("proposed-ward", [90, 91]) + runs("cae-idec", [85, 86]))["verdict"] == "reproduced"


def test_claims_without_runs_are_left_out():
    assert claim_verdicts(runs("cae-kmeans", [70, 71]), claims=[REACHES, UNPAIRED]).empty
