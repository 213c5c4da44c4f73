"""The summaries chapters print from stored results: caeward.experiments.views.formatting,
caeward.experiments.provenance and the Result record."""

import pytest

from caeward.experiments.provenance import one_training
from caeward.experiments.views.formatting import mean_sd, sd_text
from _tools import make_result


def test_mean_sd_and_sd_text():
    assert mean_sd([1.0, 2.0, 3.0]) == "2.00 ± 1.00"
    assert mean_sd([4.0]) == "4.00"
    assert sd_text([1.0, 3.0]) == "1.41" and sd_text([5.0]) == "–"


def test_one_training_keeps_the_curves_that_start_one_run():
    fifty, hundred, two_hundred = [0.5, 0.4], [0.5, 0.4, 0.3], [0.5, 0.4, 0.3, 0.2]
    retrained = [0.6, 0.4]  # another training of the same seed (another machine)
    assert one_training([fifty, retrained, hundred, two_hundred]) == [True, False, True, True]
    assert one_training([retrained]) == [True]


def test_cut_ratio_reads_the_stored_merge_heights():
    run = make_result(details={"top_merge_heights": [1.0, 2.0, 3.0, 6.0]})
    assert run.cut_ratio(2) == pytest.approx(2.0)  # h1 / h2: the last merge over the one before
    with pytest.raises(ValueError, match="not a linkage run"):
        make_result(method="cae-kmeans").cut_ratio()
