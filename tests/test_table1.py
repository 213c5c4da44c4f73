"""Chapter 4's Table 1 per data set, its seeds-against-the-paper figure, and its maps of
codes coloured by cluster."""
import matplotlib.pyplot as plt
import numpy as np
import pytest

from _tools import make_result
from caeward.experiments import TABLE1, results_table
from caeward.experiments.views.book import cluster_colours
from caeward.experiments.views.table1 import plot_cluster_maps, plot_seeds_against_paper, table1_for


def run(method, dataset, seed, acc, nmi):
    return make_result(method=method, dataset=dataset, seed=seed,
                       metrics={"acc": acc / 100, "nmi": nmi / 100, "nmi_geometric": 0.5, "ari": 0.5})


RESULTS = [run("cae-ward", "mnist-test", 0, 80, 70), run("cae-ward", "mnist-test", 1, 84, 74),
           run("proposed-ward", "mnist-test", 0, 90, 85),
           run("proposed-ward", "mnist-full", 0, 90, 91), run("proposed-ward", "mnist-full", 1, 96, 93),
           run("proposed-ward", "mnist-full", 2, 99, 95),
           run("cae-skip-ward", "mnist-test", 0, 60, 50)]  # not one of the paper's rows


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_table1_for_gives_one_data_sets_rows_as_mean_sd_beside_the_paper():
    table = table1_for(results_table(RESULTS), "mnist-test")
    assert list(table.columns) == ["Table 1 row", "seeds", "ACC", "ACC, paper", "NMI", "NMI, paper"]
    rows = table.to_dict("records")
    assert rows == [
        {"Table 1 row": "CAE + hierarchical", "seeds": 2, "ACC": "82.00 ± 2.83",
         "ACC, paper": f"{TABLE1['cae-ward']['mnist-test']['acc']:.2f}", "NMI": "72.00 ± 2.83",
         "NMI, paper": f"{TABLE1['cae-ward']['mnist-test']['nmi']:.2f}"},
        {"Table 1 row": "proposed CAE + hierarchical", "seeds": 1, "ACC": "90.00",  # one seed: no sd
         "ACC, paper": "87.53", "NMI": "85.00", "NMI, paper": "84.10"},
        {"Table 1 row": "CAE with skips + hierarchical", "seeds": 1, "ACC": "60.00",
         "ACC, paper": "–", "NMI": "50.00", "NMI, paper": "–"}]  # the paper has no such row
    full = table1_for(results_table(RESULTS), "mnist-full")
    assert full["Table 1 row"].tolist() == ["proposed CAE + hierarchical"]
    assert full["ACC"].tolist() == ["95.00 ± 4.58"] and full["seeds"].tolist() == [3]


def test_seeds_against_paper_draws_every_seed_our_mean_and_the_papers_tick():
    methods = ["cae-ward", "proposed-ward", "cae-skip-ward"]
    datasets = ["mnist-test", "mnist-full"]
    fig = plot_seeds_against_paper(RESULTS, methods, datasets)
    axes = np.array(fig.axes).reshape(2, 2)  # rows: data sets; columns: ACC, NMI
    assert [ax.get_title() for ax in axes.flat] == ["mnist-test: ACC (%)", "mnist-test: NMI (%)",
                                                     "mnist-full: ACC (%)", "mnist-full: NMI (%)"]
    test_acc = axes[0, 0]
    # one bar per method with runs, as long as our mean, at the method's row
    bars = {round(p.get_y() + p.get_height() / 2): p.get_width() for p in test_acc.patches}
    assert bars == {0: pytest.approx(82), 1: pytest.approx(90), 2: pytest.approx(60)}
    lines = [(list(line.get_xdata()), list(line.get_ydata()), line.get_marker())
             for line in test_acc.lines]
    seeds = [(x, y) for x, y, marker in lines if marker == "o"]
    assert ([80, 84], [0, 0]) in seeds and ([90], [1]) in seeds and ([60], [2]) in seeds
    ticks = [(x, y) for x, y, marker in lines if marker == "|"]
    # the paper's numbers for its two rows, none for the row it does not have
    assert sorted(ticks) == sorted([([TABLE1["cae-ward"]["mnist-test"]["acc"]], [0]),
                                    ([TABLE1["proposed-ward"]["mnist-test"]["acc"]], [1])])
    for ax, mean in [(axes[1, 0], 95), (axes[1, 1], 93)]:  # ACC: the mean of 90, 96, 99, not their median
        assert {round(p.get_y() + p.get_height() / 2): p.get_width() for p in ax.patches} \
            == {1: pytest.approx(mean)}  # MNIST-full has runs of one method only
    assert [t.get_text() for t in axes[0, 0].get_yticklabels()] == \
        ["CAE + hierarchical", "proposed CAE + hierarchical", "CAE with skips + hierarchical"]
    assert axes[0, 0].yaxis_inverted()  # the first method on top
    assert axes[0, 0].get_xlim() == (40, 100)


def test_cluster_maps_give_a_cluster_one_colour_in_every_panel():
    maps = {"codes": np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]]),
            "pixels": np.array([[5.0, 5.0], [6.0, 5.0], [7.0, 7.0]])}
    clusters = {"ward": np.array([0, 1, 2]), "kmeans": np.array([2, 2, 0])}
    panels = [("codes", "ward"), ("pixels", "kmeans"), ("codes", "kmeans")]
    fig = plot_cluster_maps(maps, panels, clusters, {"ward": "Ward", "kmeans": "k-means"},
                            legend="matched digit")
    axes = fig.axes
    assert len(axes) == 4  # two rows of two, the fourth panel empty
    assert [ax.get_title() for ax in axes[:3]] == ["Ward", "k-means", "k-means"]
    assert not axes[3].axison
    colours = cluster_colours(3)
    for ax, (map_name, name) in zip(axes, panels):
        scatter = ax.collections[0]
        assert np.array_equal(scatter.get_offsets(), maps[map_name])
        drawn = scatter.to_rgba(scatter.get_array())
        assert np.allclose(drawn, [colours[c] for c in clusters[name]])
    legend = fig.legends[0]
    assert legend.get_title().get_text() == "matched digit"
    assert [t.get_text() for t in legend.get_texts()] == ["0", "1", "2"]
    assert np.allclose([h.get_color() for h in legend.legend_handles], colours)
    # no legend unless asked for
    assert not plot_cluster_maps(maps, panels[:2], clusters, {"ward": "Ward", "kmeans": "k"}).legends
