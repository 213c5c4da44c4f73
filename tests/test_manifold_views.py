"""Chapter 6's tables and figures, on made-up runs whose answers are known by hand."""
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from _tools import make_result
from caeward.experiments import TABLE1
from caeward.experiments.views import manifold_views as views
from caeward.experiments.views.book import cluster_colours

NBSP = "\u00a0"


def run(method, seed, acc=80.0, nmi=70.0, ari=60.0, dataset="mnist-test", **fields):
    return make_result(method=method, seed=seed, dataset=dataset,
                       metrics={"acc": acc / 100, "nmi": nmi / 100, "nmi_geometric": 0.5, "ari": ari / 100},
                       **fields)


def ward_run(method, seed, heights, acc=80.0, dataset="mnist-test"):
    return run(method, seed, acc=acc, dataset=dataset, details={"top_merge_heights": list(heights)})


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_comparison_table_gives_mean_sd_per_method_beside_the_reported_numbers():
    results = [run("cae-umap-ward", 0, 90, 80), run("cae-umap-ward", 1, 94, 82),
               run("proposed-ward", 0, 88, 84), run("proposed-ward", 0, 10, 10, dataset="mnist-full")]
    table = views.comparison_table(results, ["proposed-ward", "proposed-umap-ward", "cae-umap-ward"],
                                   "mnist-test", TABLE1, reported={"acc": 94.8, "nmi": 88.2})
    # rows in the order asked, a method without runs left out, N2D's row last
    assert table["method"].tolist() == ["proposed CAE + hierarchical", "CAE + UMAP + Ward",
                                        "N2D (reported)"]
    paper, umap, n2d = table.to_dict("records")
    assert paper["seeds"] == 1 and paper["ACC (ours)"] == "88.00" and paper["NMI (ours)"] == "84.00"
    assert (paper["ACC (reported)"], paper["NMI (reported)"]) == (87.53, 84.10)  # Table 1's row
    assert umap["seeds"] == 2
    assert umap["ACC (ours)"] == f"92.00{NBSP}±{NBSP}2.83"  # mean ± sd (ddof=1)
    assert umap["NMI (ours)"] == f"81.00{NBSP}±{NBSP}1.41"
    assert np.isnan(umap["ACC (reported)"]) and np.isnan(umap["NMI (reported)"])  # not the paper's
    assert (n2d["ACC (reported)"], n2d["NMI (reported)"]) == (94.8, 88.2)
    assert n2d["seeds"] == n2d["ACC (ours)"] == "–"
    assert len(views.comparison_table(results, ["cae-umap-ward"], "mnist-test", TABLE1)) == 1


def test_tie_table_counts_the_seeds_where_the_three_clusterings_agree():
    n = 10_000
    trio = ["cae-umap-ward", "cae-umap-kmeans", "cae-umap-gmm"]
    results = (
        # seed 0: the same partition; NMI differs in its last bits only (summation order)
        [run(m, 0, 90, 80 * (1 + 1e-15 * i), 70, n_samples=n) for i, m in enumerate(trio)]
        # seed 1: k-means 1,234 images (12.34 points of ACC) apart
        + [run("cae-umap-ward", 1, 90, n_samples=n), run("cae-umap-kmeans", 1, 77.66, n_samples=n),
           run("cae-umap-gmm", 1, 90, n_samples=n)]
        # seed 2: no mixture run, so not counted at all
        + [run("cae-umap-ward", 2, 50, n_samples=n), run("cae-umap-kmeans", 2, 10, n_samples=n)]
        # seed 3: the same ACC and NMI, another ARI: not the same partition
        + [run(m, 3, 90, 80, 60 + (m == "cae-umap-gmm"), n_samples=n) for m in trio]
        # on another data set, only Ward: no row there
        + [run("cae-umap-ward", 0, dataset="mnist-full", n_samples=70_000)])
    table = views.tie_table(results, ["mnist-test", "mnist-full"])
    assert table.to_dict("records") == [{"autoencoder": "CAE", "dataset": "mnist-test", "seeds tied": 1,
                                         "seeds": 3, "most images apart": "1,234", "images": "10,000"}]


def test_close_call_frame_reads_h9_over_h10_and_sorts_raw_codes_first():
    heights = np.arange(1.0, 12.0)  # 11 heights: the cut at ten lies between 2 and 3
    runs = [ward_run("proposed-umap-ward", 1, heights, 95),
            ward_run("cae-ward", 1, [1, 2, 6, 7, 8, 9, 10, 11, 12, 13, 14], 70),
            ward_run("cae-ward", 0, heights, 80),
            ward_run("cae-ward", 0, heights, 85, dataset="mnist-full")]
    frame = views.close_call_frame(runs)
    assert list(frame.columns) == ["row", "dataset", "seed", "space", "h9 / h10", "ACC"]
    # by data set, then raw codes before UMAP (not the alphabet's order), row and seed
    assert frame[["dataset", "space", "seed"]].values.tolist() == [
        ["mnist-full", "raw codes", 0], ["mnist-test", "raw codes", 0], ["mnist-test", "raw codes", 1],
        ["mnist-test", "UMAP", 1]]
    assert frame["h9 / h10"].tolist() == pytest.approx([1.5, 1.5, 3.0, 1.5])
    assert frame["ACC"].tolist() == pytest.approx([85, 80, 70, 95])
    assert frame["row"].tolist()[-1] == "proposed CAE + UMAP + Ward"

    summary = views.close_call_summary(frame).set_index(["dataset", "row"])
    test_raw = summary.loc[("mnist-test", "CAE + hierarchical")]
    assert test_raw["seeds"] == 2
    assert test_raw["smallest h9/h10"] == pytest.approx(1.5)
    assert test_raw["median h9/h10"] == pytest.approx(2.25)
    assert test_raw["lowest ACC"] == pytest.approx(70)
    assert test_raw["sd of ACC"] == pytest.approx(np.std([70, 80], ddof=1))
    assert summary.loc[("mnist-full", "CAE + hierarchical"), "seeds"] == 1
    assert len(summary) == 3


def test_stored_rule_frame_reads_both_rules_off_the_last_30_heights_and_skips_shorter_ones():
    at_ten = np.arange(1.0, 31.0)
    at_ten[21:] += 100  # the cut at ten falls between 21 and 122: both rules point at ten
    apart = np.arange(1.0, 31.0)
    apart[0] = 0.1  # the cut at 30 is a ratio of 20
    apart[26:] += 50  # the cut at 5: a gap of 51
    runs = [ward_run("cae-ward", 0, at_ten, 81), ward_run("proposed-umap-ward", 1, apart, 96),
            ward_run("cae-ward", 2, np.arange(1.0, 12.0))]  # an older run: 11 heights only
    frame = views.stored_rule_frame(runs)
    assert frame[["row", "seed", "space", "k (largest gap)", "k (largest ratio)", "ACC"]].values.tolist() == [
        ["CAE + hierarchical", 0, "raw codes", 10, 10, pytest.approx(81)],
        ["proposed CAE + UMAP + Ward", 1, "UMAP", 5, 30, pytest.approx(96)]]
    empty = views.stored_rule_frame(runs[2:])
    assert empty.empty and "k (largest gap)" in empty.columns


def test_confusion_frame_names_clusters_by_their_digit_and_prices_each_error():
    labels = np.array([0] * 10 + [1] * 10 + [2] * 5)
    # cluster 7: eight 0s and three 1s; cluster 8: seven 1s and two 0s; cluster 9: the 2s
    clusters = np.array([7] * 8 + [8] * 2 + [7] * 3 + [8] * 7 + [9] * 5)
    frame = views.confusion_frame(labels, clusters)
    assert frame.to_dict("records") == [
        {"digit": 1, "in the cluster of": 0, "images": 3, "share of the digit (%)": pytest.approx(30.0),
         "ACC points": pytest.approx(12.0)},
        {"digit": 0, "in the cluster of": 1, "images": 2, "share of the digit (%)": pytest.approx(20.0),
         "ACC points": pytest.approx(8.0)}]
    assert len(views.confusion_frame(labels, clusters, top=1)) == 1


def test_plot_confused_images_shows_each_row_from_its_own_group():
    labels = np.array([3] * 6 + [5] * 6)
    clusters = np.array([0] * 4 + [1] * 2 + [1] * 6)  # two 3s in the 5s' cluster
    images = np.stack([np.full(784, i, dtype=float) for i in range(12)])  # pixel value = index
    fig, axes = plt.subplots(3, 5)
    views.plot_confused_images(images, labels, clusters, 3, 5, axes)
    shown = [[int(ax.images[0].get_array()[0, 0]) for ax in row if ax.images] for row in axes]
    assert len(shown[0]) == 4 and set(shown[0]) <= {0, 1, 2, 3}  # 3s in their own cluster
    assert sorted(shown[1]) == [4, 5]  # all there are of the 3s in the 5s' cluster
    assert len(shown[2]) == 5 and set(shown[2]) <= set(range(6, 12))  # 5s, five of six
    assert all(not ax.axison for ax in axes.flat)
    assert axes[1, 0].get_title(loc="left") == "3s in the 5s' cluster"
    assert axes[0, 0].images[0].get_array().shape == (28, 28)


def test_plot_close_calls_gives_a_row_one_colour_and_a_space_one_marker_in_every_panel():
    heights = np.arange(1.0, 12.0)
    frame = views.close_call_frame([ward_run("cae-ward", 0, heights), ward_run("cae-umap-ward", 0, heights),
                                    ward_run("cae-ward", 0, heights, dataset="mnist-full"),
                                    ward_run("proposed-ward", 0, heights, dataset="mnist-full")])
    fig, axes = plt.subplots(2, 1)
    views.plot_close_calls(frame, axes, ["mnist-full", "mnist-test"])
    assert [ax.get_title() for ax in axes] == ["mnist-full", "mnist-test"]
    assert all(ax.get_xscale() == "log" for ax in axes)
    # the rows in their order of first appearance: CAE + hierarchical is C0 in both panels
    rows = list(dict.fromkeys(frame["row"]))
    assert rows[0] == "CAE + hierarchical"
    cae_colour = matplotlib.colors.to_rgba("C0")
    for ax in axes:
        cae = [c for c in ax.collections if np.allclose(c.get_facecolor()[0][:3], cae_colour[:3])]
        assert len(cae) == 1
    test_markers = {tuple(np.round(c.get_paths()[0].vertices[:3].ravel(), 3)) for c in axes[1].collections}
    assert len(test_markers) == 2  # circles for raw codes, triangles for UMAP
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == [row.replace(" + hierarchical", " + Ward") for row in rows]


def test_plot_embedding_2d_colours_each_point_by_its_digit():
    points = np.array([[0.0, 0.0], [1.0, 2.0], [3.0, 1.0]])
    labels = np.array([9, 0, 4])
    fig, ax = plt.subplots()
    views.plot_embedding_2d(points, labels, ax)
    scatter = ax.collections[0]
    assert np.array_equal(scatter.get_offsets(), points)
    colours = np.array(cluster_colours(10))
    assert np.allclose(scatter.get_facecolors()[:, :3], colours[labels][:, :3])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [str(d) for d in range(10)]


def test_median_seconds_per_method_and_data_set_over_the_runs_that_timed_the_stage():
    results = [run("cae-umap-ward", s, timings={"manifold_s": t}) for s, t in enumerate([1.0, 2.0, 10.0])]
    results += [run("cae-ward", 0, timings={"cluster_s": 4.0}),  # no manifold step: not counted
                run("cae-umap-ward", 0, dataset="mnist-full", timings={"manifold_s": 30.0, "cluster_s": 5})]
    assert views.median_seconds(results, "manifold_s") == {("cae-umap-ward", "mnist-test"): 2.0,
                                                            ("cae-umap-ward", "mnist-full"): 30.0}
    assert views.median_seconds(results, "cluster_s") == {("cae-ward", "mnist-test"): 4.0,
                                                           ("cae-umap-ward", "mnist-full"): 5.0}
    assert views.median_seconds(results, "pretrain_s") == {}
