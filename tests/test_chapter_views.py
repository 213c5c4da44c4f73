"""The tables and figures of chapters 1 to 3, on small inputs whose answers are worked
out by hand."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from caeward.experiments.views import chapter_views as views

PM = "\u00a0±\u00a0"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# three classes; cluster 5 holds the 0s and one 1, cluster 3 the other 1s and one 2,
# cluster 9 the remaining 2s: 5 -> 0, 3 -> 1, 9 -> 2
LABELS = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2])
CLUSTERS = np.array([5, 5, 5, 5, 5, 3, 3, 3, 3, 9, 9])


def test_paper_comparison_puts_mean_sd_beside_the_papers_number():
    summary = pd.DataFrame([
        {"dataset": "mnist-full", "label": "k-means", "n_seeds": 3, "acc_mean": 54.5512,
         "acc_sd": 0.1888, "nmi_mean": 48.0, "nmi_sd": 0.25, "paper_acc": 54.24, "paper_nmi": 48.52},
        {"dataset": "mnist-test", "label": "SEC", "n_seeds": 1, "acc_mean": 80.0, "acc_sd": np.nan,
         "nmi_mean": 70.0, "nmi_sd": np.nan, "paper_acc": 80.37, "paper_nmi": np.nan},
        {"dataset": "other", "label": "x", "n_seeds": 2.0, "acc_mean": 1.0, "acc_sd": 0.0,
         "nmi_mean": 1.0, "nmi_sd": 0.0, "paper_acc": None, "paper_nmi": None}])
    table = views.paper_comparison(summary)
    assert table.to_dict("records") == [
        {"data set": "MNIST-full", "method": "k-means", "seeds": 3, "ACC (ours)": f"54.55{PM}0.19",
         "ACC (paper)": "54.24", "NMI (ours)": f"48.00{PM}0.25", "NMI (paper)": "48.52"},
        # one seed: no sd; a number the paper does not give: a dash
        {"data set": "MNIST-test", "method": "SEC", "seeds": 1, "ACC (ours)": "80.00",
         "ACC (paper)": "80.37", "NMI (ours)": "70.00", "NMI (paper)": "–"},
        {"data set": "other", "method": "x", "seeds": 2, "ACC (ours)": f"1.00{PM}0.00",
         "ACC (paper)": "–", "NMI (ours)": f"1.00{PM}0.00", "NMI (paper)": "–"}]
    assert isinstance(table.loc[2, "seeds"], (int, np.integer))


def test_clusters_by_class_orders_the_clusters_by_their_matched_class():
    counts, mapping = views.clusters_by_class(LABELS, CLUSTERS)
    assert mapping == {5: 0, 3: 1, 9: 2}
    assert list(counts.index) == [5, 3, 9] and list(counts.columns) == [0, 1, 2]
    assert counts.values.tolist() == [[4, 1, 0], [0, 3, 1], [0, 0, 2]]
    # a fourth cluster (the one 1 of cluster 5) matches no class and comes last
    counts, mapping = views.clusters_by_class(LABELS, np.where(np.arange(11) == 4, 7, CLUSTERS))
    assert mapping == {5: 0, 3: 1, 9: 2} and list(counts.index) == [5, 3, 9, 7]
    assert counts.loc[7].tolist() == [0, 1, 0]


def test_largest_confusions_lists_off_diagonal_counts_largest_first():
    labels = np.array([0] * 5 + [1] * 5 + [2] * 5)
    # cluster 0: four 0s, three 1s, two 2s; cluster 1: one 0, two 1s; cluster 2: three 2s
    clusters = np.array([0] * 4 + [1] + [1] * 2 + [0] * 3 + [2] * 3 + [0] * 2)
    counts, mapping = views.clusters_by_class(labels, clusters)
    assert mapping == {0: 0, 1: 1, 2: 2}
    assert views.largest_confusions(counts, mapping, n=2) == [(3, 1, 0), (2, 2, 0)]
    everything = views.largest_confusions(counts, mapping, n=10)
    assert len(everything) == 6 and sum(c for c, _, _ in everything) == 15 - (4 + 2 + 3)
    assert all(true != matched for _, true, matched in everything)
    # a cluster left out: its errors are not listed
    assert views.largest_confusions(counts, mapping, skip=[0], n=10) == [(1, 0, 1), (0, 2, 1), (0, 1, 2),
                                                                          (0, 0, 2)]


def test_confusion_figure_writes_counts_and_colours_each_class_share():
    counts, mapping = views.clusters_by_class(LABELS, CLUSTERS)
    fig = views.confusion_figure(counts, mapping, "title")
    ax = fig.axes[0]
    shares = ax.images[0].get_array()
    assert np.allclose(shares, counts.values / counts.values.sum(axis=0))  # per true class
    assert [t.get_text() for t in ax.texts] == [str(v) for v in counts.values.ravel()]
    # white text on the dark cells (more than half the class), black elsewhere
    assert [t.get_color() for t in ax.texts][:3] == ["white", "black", "black"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["5 → 0", "3 → 1", "9 → 2"]
    assert ax.get_title() == "title"


def test_cluster_means_figure_shows_each_clusters_mean_image():
    images = np.stack([np.full((4, 4), 255 * i / 10, dtype=np.float64) for i in range(11)])
    _, mapping = views.clusters_by_class(LABELS, CLUSTERS)
    fig = views.cluster_means_figure(images, CLUSTERS, mapping, "means")
    shown = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in shown] == ["cluster 5 → 0", "cluster 3 → 1", "cluster 9 → 2"]
    # cluster 5 holds images 0..4: its mean is 0.2 in [0, 1]
    assert [float(ax.images[0].get_array().mean()) for ax in shown] == pytest.approx([0.2, 0.65, 0.95])


def test_layer_view_drops_the_part_and_writes_thousands():
    table = pd.DataFrame({"part": ["encoder", "decoder"], "layer": ["encoder.0", "decoder.0"],
                          "does": ["conv", "deconv"], "output": ["32×14×14", "1×28×28"],
                          "parameters": [1234567, 0]})
    shown = views.layer_view(table)
    assert list(shown.columns) == ["layer", "does", "output", "parameters"]
    assert shown["parameters"].tolist() == ["1,234,567", "0"]
    assert "part" in table.columns and table["parameters"].tolist() == [1234567, 0]  # not changed


def test_reach_table_gives_the_share_of_weights_and_of_outputs_reached():
    reach = {"layers": [{"layer": "encoder.0", "does": "conv", "params_reached": 0.25,
                         "positions": np.array([[1, 0], [0, 0]], dtype=bool)},
                        {"layer": "embedding", "does": "dense", "params_reached": 1.0, "positions": 0.5}]}
    assert views.reach_table(reach).to_dict("records") == [
        {"layer": "encoder.0", "does": "conv", "weights (%)": "25.0", "outputs (%)": "25.0"},
        {"layer": "embedding", "does": "dense", "weights (%)": "100.0", "outputs (%)": "50.0"}]


def test_summarise_trials_gives_mean_and_lowest_ari_and_the_median_smallest_cluster():
    rows = [{"case": "blobs", "method": "Ward", "ARI": a, "smallest cluster": s}
            for a, s in [(1.0, 8), (0.8, 9), (0.9, 300)]]
    rows += [{"case": "blobs", "method": "k-means", "ARI": a, "smallest cluster": s}
             for a, s in [(0.5, 289), (0.7, 300)]]
    rows += [{"case": "moons", "method": "Ward", "ARI": 0.3, "smallest cluster": 5}]
    table = views.summarise_trials(rows)
    assert table[["case", "method"]].values.tolist() == [["blobs", "Ward"], ["blobs", "k-means"],
                                                          ["moons", "Ward"]]  # as first seen
    assert table["ARI, mean"].tolist() == pytest.approx([0.9, 0.6, 0.3])
    assert table["ARI, lowest"].tolist() == pytest.approx([0.8, 0.5, 0.3])
    assert table["smallest cluster (median)"].tolist() == ["9", "294.5", "5"]


def test_ward_benchmark_summary_reads_the_ratios_at_the_largest_common_size():
    def rows(engine, times):
        return [{"engine": engine, "n": n, "seconds": s} for n, s in times.items()]

    cpu = {"rows": rows("fastcluster linkage_vector", {1000: 1.0, 4000: 2.0, 16000: 8.0})
           + rows("scipy ward", {1000: 3.0, 4000: 20.0, 16000: None})  # SciPy not run at 16,000
           + rows("torch engine (cpu)", {4000: 5.0})}
    gpu = {"rows": rows("fastcluster linkage_vector", {1000: 1.0, 4000: 4.0})
           + rows("torch engine (cuda)", {1000: 0.5, 4000: 1.0, 16000: 4.0})}
    out = views.ward_benchmark_summary({"cpu": cpu, "cuda": gpu})
    assert out["cpu_n"] == 4000
    assert out["scipy_over_fastcluster"] == pytest.approx(10.0)
    assert out["torch_cpu_over_fastcluster"] == pytest.approx(2.5)
    assert (out["gpu_n"], out["gpu_s"], out["fastcluster_over_gpu"]) == (4000, 1.0, pytest.approx(4.0))
    assert (out["gpu_largest_n"], out["gpu_largest_s"]) == (16000, 4.0)
    assert out["gpu_exponent"] == pytest.approx(1.0)  # 4x the time for 4x the points
    assert views.ward_benchmark_summary({}) == {}
    only_cpu = views.ward_benchmark_summary({"cpu": {"rows": rows("scipy ward", {10: 1.0})}})
    assert only_cpu == {}  # nothing both engines ran


def test_loss_curves_figure_plots_each_epoch_from_one_on_a_log_scale():
    fig = views.loss_curves_figure({"sae": [0.1, 0.05, 0.02], "cae": [0.08, 0.03, 0.01]})
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    assert [list(line.get_xdata()) for line in ax.lines] == [[1, 2, 3], [1, 2, 3]]
    assert list(ax.lines[1].get_ydata()) == [0.08, 0.03, 0.01]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["SAE", "CAE"]


def test_reconstruction_figure_shows_images_and_each_rows_mse():
    images = np.arange(3 * 4 * 4, dtype=np.uint8).reshape(3, 4, 4)
    recon = {"sae": np.zeros((2, 4, 4)), "cae": np.ones((2, 4, 4))}
    fig = views.reconstruction_figure(images, [2, 0], recon, {"sae": 0.01234, "cae": 0.005})
    axes = np.array(fig.axes).reshape(3, 2)
    assert np.array_equal(axes[0, 0].images[0].get_array(), images[2])
    assert np.array_equal(axes[0, 1].images[0].get_array(), images[0])
    assert [axes[r, 0].get_ylabel() for r in range(3)] == ["image", "SAE\nMSE 0.0123", "CAE\nMSE 0.0050"]
    assert np.all(axes[2, 1].images[0].get_array() == 1)


def test_ward_kmeans_figure_titles_each_panel_with_its_ari_and_sizes():
    X = np.array([[0, 0], [0, 1], [5, 5], [5, 6], [9, 9]], dtype=float)
    y = np.array([0, 0, 1, 1, 1])
    fig = views.ward_kmeans_figure(X, y, {"Ward": np.array([0, 0, 1, 1, 1]),
                                          "k-means": np.array([0, 0, 0, 1, 2])}, "blobs")
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0] == "Ward: ARI 1.00\nsizes [2, 3]"
    assert titles[1].startswith("k-means: ARI ") and titles[1].endswith("sizes [1, 1, 3]")
    assert fig._suptitle.get_text() == "blobs"


def test_dendrogram_gaps_figure_draws_the_gap_at_each_k():
    from scipy.cluster.hierarchy import ward

    from caeward.number_of_clusters import largest_gap_k

    points = np.concatenate([np.random.default_rng(0).normal(c, 0.1, size=(10, 2)) for c in range(0, 40, 10)])
    Z = ward(points)
    rule = largest_gap_k(Z, ks=range(3, 11))
    fig = views.dendrogram_gaps_figure(Z, rule, n_classes=4)
    bars = fig.axes[1].patches
    assert [round(b.get_x() + b.get_width() / 2) for b in bars] == list(range(3, 11))
    assert [b.get_height() for b in bars] == pytest.approx(list(rule["gaps"]))
    assert list(fig.axes[1].lines[0].get_xdata()) == [4, 4]  # the classes' dotted line
    assert rule["k_gap"] == 4  # four blobs: from three clusters up, the largest gap is where they meet


def test_gradient_reach_figure_gives_the_share_of_pixels_and_positions_reached():
    grad_sae = np.ones((4, 4))
    grad_cae = np.zeros((4, 4))
    grad_cae[:2, :2] = 1.0
    positions = np.zeros((2, 2))
    positions[0, 0] = 1
    cae_layers = [{"layer": "encoder.0", "positions": positions},
                  {"layer": "embedding", "positions": 1.0},
                  {"layer": "decoder.1", "positions": np.ones((3, 3))},
                  {"layer": "decoder.3", "positions": np.ones((4, 4))}]
    fig = views.gradient_reach_figure(np.zeros((4, 4)), {"sae": {"input": grad_sae, "layers": []},
                                                          "cae": {"input": grad_cae, "layers": cae_layers}},
                                      slice(1, 3), slice(0, 2))
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert "SAE: |∂loss/∂pixel|\n100 % of pixels" in titles
    assert "CAE: |∂loss/∂pixel|\n25 % of pixels" in titles
    # the decoder's maps first, from the output back, then the encoder's (not the dense code)
    assert titles[-3:] == ["CAE decoder.3\n4×4, 100 % reached", "CAE decoder.1\n3×3, 100 % reached",
                           "CAE encoder.0\n2×2, 25 % reached"]
    patch = fig.axes[0].patches[0]
    assert (patch.get_xy(), patch.get_width(), patch.get_height()) == ((-0.5, 0.5), 2, 2)
