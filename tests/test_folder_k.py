"""Chapter 8's k calibration: every criterion stored per folder, the rule applied afterwards."""

import numpy as np
import pandas as pd
import pytest

from caeward.experiments import folder_k
from caeward.number_of_clusters import weigh_choices


def _evidence(silhouette, strength, n_distinct=50):
    ks = list(range(2, 2 + len(silhouette)))
    return {"ks": ks, "n_distinct": n_distinct,
            "scores": {"silhouette": silhouette, "prediction_strength": strength},
            "spread": {"prediction_strength": [0.0] * len(ks)}, "choices": {}}


def _row(set_name, k, umap, raw):
    return {"set": set_name, "size": 200, "seed": 0, "k": k, "calibration": set_name in folder_k.CALIBRATION,
            "umap": umap, "raw": raw}


def test_rule_choice_reads_a_criterion_from_stored_scores():
    evidence = _evidence([0.1, 0.5, None, 0.2], [0.9, 0.85, 0.5, 0.81])
    assert folder_k.rule_choice(evidence, "silhouette") == 3  # None is an undefined score
    assert folder_k.rule_choice(evidence, "prediction_strength") == 5  # the largest k reaching 0.8
    assert folder_k.rule_choice(evidence, "prediction_strength", threshold=0.88) == 2
    # no more clusters than distinct points, and copies of one point are one cluster
    assert folder_k.rule_choice({**evidence, "n_distinct": 3}, "prediction_strength") == 3
    assert folder_k.rule_choice({**evidence, "n_distinct": 1}, "silhouette") == 1


def test_the_three_choices_decide_only_when_they_agree():
    assert weigh_choices({"umap silhouette": 4, "umap prediction_strength": 4,
                          "raw prediction_strength": 4}) == (4, (4, 4), True)
    assert weigh_choices({"umap silhouette": 9, "umap prediction_strength": 6,
                          "raw prediction_strength": 11}) == (9, (6, 11), False)
    # prediction strength supports no k in either space: the guess is one cluster
    assert weigh_choices({"umap silhouette": 7, "umap prediction_strength": 1,
                          "raw prediction_strength": 1}) == (1, (1, 7), False)


def test_a_silhouette_rising_to_the_last_candidate_means_no_structure():
    rising = {"umap silhouette": 20, "umap prediction_strength": 6, "raw prediction_strength": 3}
    assert weigh_choices(rising, k_max=20) == (1, (1, 20), False)  # the span holds the guess
    assert weigh_choices(rising, k_max=25) == (20, (3, 20), False)  # 20 is inside the candidates
    assert weigh_choices(rising) == (20, (3, 20), False)
    # all three at the last candidate: prediction strength supports it in both spaces
    agreed = dict.fromkeys(rising, 20)
    assert weigh_choices(agreed, k_max=20) == (20, (20, 20), True)


def test_margin_table_counts_each_folder_once():
    agree = _evidence([0.1, 0.9, 0.2], [0.95, 0.9, 0.3])        # silhouette 3, strength 3
    raw_agree = _evidence([0.1, 0.2, 0.9], [0.9, 0.85, 0.2])    # strength 3, silhouette 4
    apart = _evidence([0.9, 0.1, 0.2], [0.9, 0.9, 0.9])         # silhouette 2, strength 4
    none = _evidence([0.1, 0.9, 0.2], [0.5, 0.4, 0.3])          # strength supports nothing
    rows = pd.DataFrame([_row("noise", 1, none, none),                        # guess 1, span 1..3
                         _row("mnist-test-unequal", 3, agree, raw_agree),     # decided, right
                         _row("mnist-test-unequal", 4, agree, raw_agree),     # decided, wrong
                         _row("mnist-test-unequal", 4, apart, raw_agree)])    # guess 2, span 2..4
    table = folder_k.margin_table(rows).set_index("set")
    test = table.loc["mnist-test-unequal"]
    assert (test["folders"], test["decided_right"], test["decided_wrong"]) == (3, 1, 1)
    assert (test["guess_right"], test["within_span"], test["median_span"]) == (1, 2, 1)
    assert test["silhouette_right"] == 2  # the raw silhouette says 4 in all three; two are 4
    assert test["calibration"] and not table.loc["noise", "calibration"]
    assert (test["role"], table.loc["noise", "role"]) == ("frozen on", "clause seen on")
    assert (table.loc["noise", "guess_right"], table.loc["noise", "within_span"]) == (1, 1)
    assert list(table.index) == ["mnist-test-unequal", "noise"]  # the calibration panel first


@pytest.mark.parametrize("name", ["noise"])
def test_a_quick_calibration_is_stored_and_resumed(name, monkeypatch):
    from caeward.experiments.settings import budget_named

    budget = budget_named("quick")
    stored = folder_k.folder_k_runs(name, budget)
    assert stored.complete and len(stored.rows) == len(stored.config["sizes"])
    row = stored.rows[0]
    assert row["recipe"] == "hog-ward" and row["k"] == 1
    assert set(row["raw"]["scores"]) == set(row["umap"]["scores"]) == set(stored.config["criteria"])
    # stored: nothing is computed again
    monkeypatch.setattr(folder_k, "recipe_points", lambda *a, **k: pytest.fail("computed again"))
    again = folder_k.folder_k_runs(name, budget)
    assert again.rows == stored.rows
    frame = folder_k.load_folder_k(budget)
    assert (frame["set"] == name).sum() == len(stored.rows)
    assert np.isfinite(frame["points_seconds"]).all()
