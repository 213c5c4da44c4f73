"""``mean ± sd`` is written one way: sample sd, the mean alone for one seed."""

import math

from caeward.experiments.views.formatting import NBSP, compact_mean_sd, mean_sd, mean_sd_text


def test_mean_sd_uses_the_sample_sd_and_writes_one_seed_alone():
    assert mean_sd([1, 2, 3]) == "2.00 ± 1.00"  # ddof=1: the population sd would be 0.82
    assert mean_sd([84.0]) == "84.00"
    assert mean_sd([1, 2], digits=1) == "1.5 ± 0.7"
    assert mean_sd_text(80.0, math.nan) == "80.00"


def test_compact_form_does_not_wrap_in_a_table_cell():
    assert compact_mean_sd([1, 2]) == f"1.50{NBSP}±{NBSP}0.71"
    assert compact_mean_sd([]) == "–"
