"""Chapter 5's tables: no empty cell, and each row says on how many seeds it stands."""
import json

import pandas as pd

from _tools import make_result
from caeward.experiments.views import ablation_views as views
from caeward.experiments.views.ledger import chapter_times


def run(method, seed, acc, nmi=0.5):
    return make_result(method=method, seed=seed, metrics={"acc": acc / 100, "nmi": nmi / 100})


def test_linkage_table_compares_each_row_with_ward_on_its_own_seeds():
    stored = ([run("proposed-ward", s, a) for s, a in enumerate([80, 90, 70, 60])]
              + [run("proposed-average", s, a) for s, a in enumerate([40, 50])])
    computed = [{"clustering": "average linkage", "seed": 2, "ACC": 30.0, "NMI": 20.0},
                {"clustering": "average linkage", "seed": 0, "ACC": 99.0, "NMI": 99.0}]
    scores = views.linkage_scores(stored, "mnist-test", computed)
    # seed 0 is stored: the computed value of it is not used
    assert sorted(scores.loc[scores["clustering"] == "average linkage", "ACC"]) == [30, 40, 50]
    table = views.linkage_table(scores).set_index("clustering")
    assert table.loc["average linkage", "seeds"] == "3 (seeds 0 1 2)"
    assert table.loc["Ward", "seeds"] == "4 (seeds 0 1 2 3)"
    assert table.loc["average linkage", "Ward, same seeds"] == "80.00"  # seeds 0-2 only
    assert table.loc["average linkage", "Δ ACC vs Ward"] == "−40.00"
    assert table.loc["Ward", "Δ ACC vs Ward"] == "+0.00"
    assert not table.isna().any().any()


def test_epochs_table_keeps_table_1s_run_and_says_when_it_is_another_training():
    frame = pd.DataFrame([
        # seed 0: one training seen after 50, 100 and 200 epochs
        *[{"autoencoder": ae, "clustering": c, "dataset": "mnist-test", "seed": 0,
           "epochs": len(losses), "losses": losses, "recon_mse": 0.01, "ACC": acc, "NMI": 50}
          for ae, losses, acc in [("proposed-50ep", [3] * 50, 70), ("proposed-100ep", [3] * 100, 75),
                                  ("proposed", [3] * 200, 80)] for c in ("Ward", "k-means")],
        # seed 1: its 200-epoch run is a separate training
        *[{"autoencoder": ae, "clustering": c, "dataset": "mnist-test", "seed": 1,
           "epochs": len(losses), "losses": losses, "recon_mse": 0.01, "ACC": acc, "NMI": 50}
          for ae, losses, acc in [("proposed-50ep", [3] * 50, 71), ("proposed-100ep", [3] * 100, 76),
                                  ("proposed", [4] * 200, 81)] for c in ("Ward", "k-means")]])
    by_epochs = views.epochs_frame(frame)
    table = views.epochs_table(by_epochs, "mnist-test").set_index("seed")
    assert table.loc[1, "Ward 200 ep"] == 81  # Table 1's run is shown
    assert table.loc[0, "one training"] == "yes"
    assert table.loc[1, "one training"] == "no: 200 ep apart"
    assert not table.isna().any().any()


def test_chapter_times_reads_the_recorded_times_and_names_the_missing(tmp_path):
    rows = [{"notebook": "intro.py", "mode": "quick", "seconds": 90.0, "device_name": "cpu",
             "cpu_count": 2, "created": "2026-12-03T10:00:00+00:00"}]
    (tmp_path / "chapter-times.json").write_text(json.dumps({"rows": rows}))
    table = chapter_times(tmp_path, ["intro.py", "chapters/01_x.py"]).set_index("notebook")
    assert table.loc["intro.py", "quick (min)"] == "1.5"
    assert table.loc["intro.py", "full (min)"] == "not measured"
    assert table.loc["chapters/01_x.py", "quick (min)"] == "not measured"
