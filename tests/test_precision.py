"""The bf16 rule (appendix): bf16 passes for a clustering if its mean ACC and mean NMI
each lie within one float32 sd (over the float32 seeds) of the float32 mean."""
import pandas as pd

from _tools import make_result
from caeward.experiments.precision import PRECISION_METHODS, bf16_verdicts, precision_frame


def run(method, seed, acc, nmi, bf16=False, dataset="mnist-test", mse=0.01):
    budget = {"name": "full-bf16" if bf16 else "full", "bf16": bf16}
    return make_result(method=method, seed=seed, dataset=dataset,
                       metrics={"acc": acc / 100, "nmi": nmi / 100, "nmi_geometric": 0.5, "ari": 0.5},
                       config={"method": {}, "budget": budget},
                       details={"autoencoder": {"reconstruction_mse": mse}})


def frame(rows):
    return pd.DataFrame(rows, columns=["method", "precision", "seed", "recon_mse", "ACC", "NMI"])


def test_precision_frame_keeps_the_two_methods_on_the_data_set_in_percent():
    results = [run("proposed-ward", 0, 80, 70, mse=0.02),
               run("proposed-kmeans", 1, 60, 50, bf16=True, mse=0.03),
               run("cae-ward", 0, 10, 10),                           # not a precision method
               run("proposed-ward", 3, 10, 10, dataset="mnist-full")]  # another data set
    table = precision_frame(results)
    assert list(table.columns) == ["method", "precision", "seed", "recon_mse", "ACC", "NMI"]
    assert table.to_dict("records") == [
        {"method": "proposed-ward", "precision": "float32", "seed": 0, "recon_mse": 0.02,
         "ACC": 80.0, "NMI": 70.0},
        {"method": "proposed-kmeans", "precision": "bf16", "seed": 1, "recon_mse": 0.03,
         "ACC": 60.0, "NMI": 50.0}]
    assert set(PRECISION_METHODS) == {"proposed-kmeans", "proposed-ward"}
    # a budget without the key is float32 (results made before bf16 existed)
    old = make_result(method="proposed-ward", config={"method": {}, "budget": {"name": "full"}},
                      details={"autoencoder": {"reconstruction_mse": 0.01}})
    assert precision_frame([old])["precision"].tolist() == ["float32"]
    assert len(precision_frame(results, dataset="mnist-full")) == 1


def test_bf16_passes_within_one_float32_sd_of_the_float32_mean_on_both_metrics():
    # float32: ACC 80, 82, 84 (mean 82, sd 2); NMI 70, 71, 72 (mean 71, sd 1)
    f32 = [("float32", s, a, n) for s, a, n in [(0, 80, 70), (1, 82, 71), (2, 84, 72)]]
    rows = []
    for method, b16 in [("proposed-ward", [(0, 84, 72)]),        # exactly one sd off on both: passes
                        ("proposed-kmeans", [(0, 83, 73.5)]),   # ACC within, NMI 2.5 sd off: fails
                        ("other", [(0, 84.5, 71), (1, 81.5, 71)])]:  # ACC mean 83 within; NMI too: passes
        rows += [{"method": method, "precision": p, "seed": s, "recon_mse": 0.01, "ACC": a, "NMI": n}
                 for p, s, a, n in f32]
        rows += [{"method": method, "precision": "bf16", "seed": s, "recon_mse": 0.01, "ACC": a, "NMI": n}
                 for s, a, n in b16]
    verdicts = bf16_verdicts(frame(rows)).set_index("method")
    assert list(verdicts.index) == ["proposed-ward", "proposed-kmeans", "other"]  # the frame's order
    assert verdicts["within one sd"].tolist() == [True, False, True]
    assert verdicts["within one sd"].map(type).eq(bool).all()
    assert verdicts.loc["proposed-ward", "ACC, float32"] == "82.00 ± 2.00 (3)"
    assert verdicts.loc["proposed-ward", "NMI, float32"] == "71.00 ± 1.00 (3)"
    assert verdicts.loc["proposed-ward", "ACC, bf16"] == "84.00 (1)"
    assert verdicts.loc["other", "ACC, bf16"] == "83.00 ± 2.12 (2)"


def test_bf16_fails_without_two_float32_seeds_or_without_a_bf16_run():
    rows = [{"method": "proposed-ward", "precision": "float32", "seed": 0, "recon_mse": 0.01,
             "ACC": 80, "NMI": 70},
            {"method": "proposed-ward", "precision": "bf16", "seed": 0, "recon_mse": 0.01,
             "ACC": 80, "NMI": 70},  # equal to float32, but one float32 seed has no sd
            *[{"method": "proposed-kmeans", "precision": "float32", "seed": s, "recon_mse": 0.01,
               "ACC": 80 + s, "NMI": 70} for s in range(3)]]  # no bf16 run
    verdicts = bf16_verdicts(frame(rows)).set_index("method")
    assert not verdicts.loc["proposed-ward", "within one sd"]
    assert not verdicts.loc["proposed-kmeans", "within one sd"]
    assert verdicts.loc["proposed-kmeans", "ACC, bf16"] == "–"
    assert verdicts.loc["proposed-ward", "ACC, float32"] == "80.00 (1)"
