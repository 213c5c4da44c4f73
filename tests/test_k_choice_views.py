"""Chapter 7's first table and its criteria tables: counts per family of sets, at
most eight columns, and no numpy scalar in a cell."""
import numpy as np
import pandas as pd

from caeward.experiments import k_choice as kc
from caeward.experiments.views.book import MAX_COLUMNS


def frame():
    """Two spaces; the sets of every family, the rule right on some of them."""
    rows = []
    sets = [("mnist-test", "cae", 0, 10), ("mnist-test", "cae", 1, 10), ("mnist-full", "cae", 0, 10),
            ("test-4", "cae", 0, 4), ("test-6", "cae", 0, 6), ("test-6 10:1", "cae", 0, 6),
            ("digits", "pixels", None, 10), ("noise, uniform", "uniform", None, 1),
            ("noise, gaussian", "gaussian", None, 1)]
    for space in kc.SPACES:
        for dataset, autoencoder, seed, true_k in sets:
            row = {"data set": dataset, "autoencoder": autoencoder, "seed": seed, "space": space,
                   "true k": true_k, **dict.fromkeys(kc.CRITERIA, 2)}
            # the rule, in its space, misses only seed 1 of MNIST-test and the digits
            right = space == kc.RULE_SPACE and (dataset, seed) not in {("mnist-test", 1), ("digits", None)}
            row[kc.RULE] = true_k if right else 3
            rows.append(row)
    return pd.DataFrame(rows)


def test_family_score_sums_the_sets_of_each_family_in_order():
    score = kc.family_score(frame(), kc.RULE, kc.RULE_SPACE)
    assert list(score) == list(kc.FAMILIES)
    assert score["MNIST codes"] == (2, 3)  # mnist-test 1 of 2, mnist-full 1 of 1
    assert score["noise"] == (2, 2)
    assert score["scikit-learn digits"] == (0, 1)
    assert all(isinstance(v, int) for pair in score.values() for v in pair)
    other = "raw" if kc.RULE_SPACE == "umap" else "umap"
    assert kc.family_score(frame(), kc.RULE, other)["4 digits"] == (0, 1)


def test_family_score_leaves_out_families_without_sets():
    part = frame()
    part = part[part["data set"] != "digits"]
    assert "scikit-learn digits" not in kc.family_score(part, kc.RULE, kc.RULE_SPACE)


def test_family_table_has_a_row_per_criterion_and_space_and_fits_the_page():
    table = kc.family_table(frame())
    assert len(table) == len(kc.CRITERIA) * len(kc.SPACES)
    assert table.shape[1] <= MAX_COLUMNS
    assert list(table.columns) == ["criterion, space", *kc.FAMILIES, "all"]
    starred = table[table["criterion, space"].str.endswith("★")]
    assert list(starred["criterion, space"]) == [f"{kc.SHORT[kc.RULE]}, {kc.RULE_SPACE} ★"]
    assert starred.iloc[0]["MNIST codes"] == "2 of 3"
    assert starred.iloc[0]["all"] == "7 of 9"
    assert not table.isna().any().any()


def test_criteria_table_shows_python_numbers_not_numpy_reprs():
    choices = {name: np.int64(k) for k, name in enumerate(kc.CRITERIA, start=2)}
    seconds = {name: np.float64(0.5) for name in kc.CRITERIA[:3]}
    table = kc.criteria_table({"k": choices, "seconds": seconds})
    assert list(table["criterion"]) == [kc.SHORT[c] for c in kc.CRITERIA]
    assert table["k"].tolist() == list(range(2, 2 + len(kc.CRITERIA)))
    assert "np." not in table.to_string()
    assert table["seconds"].isna().sum() == len(kc.CRITERIA) - 3
