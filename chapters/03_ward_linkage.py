# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Ward linkage, derived
#
# **What you will learn.** What agglomerative clustering computes and how SciPy's
# linkage matrix records it; how the paper's eq. 6 (the growth of the within-cluster
# sum of squares) becomes the closed form
# $\frac{|A||B|}{|A|+|B|}\lVert m_A-m_B\rVert^2$;
# the Lance–Williams update; what Ward does with clusters of unequal size and with
# outliers, compared with k-means; why Ward can be computed exactly without the
# $n(n-1)/2$ distance matrix, by nearest-neighbour chains or by rounds of reciprocal
# nearest neighbours; and whether the dendrogram of MNIST codes tells the number of
# clusters by itself.
#
# **What you need.** Chapter 1 (the metrics and the runner). Every formula below is
# checked numerically against SciPy {cite}`mullner2011`.

# %% [markdown]
# ## Setup
#
# The hidden cells install the book's library on Colab and seed everything.

# %% tags=["hide-input"]
import os
import subprocess
import sys

if "google.colab" in sys.modules:
    if not os.path.isdir("/content/caeward"):
        subprocess.run("git clone -q --depth 1 https://github.com/caeward/caeward "
                       "/content/caeward", shell=True, check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "/content/caeward"],
                   check=True)
    os.environ["CAEWARD_RESULTS"] = "/content/caeward/results"

# %% tags=["hide-input"]
import inspect
import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy.cluster import hierarchy as sch

from caeward import cluster, experiments, metrics, number_of_clusters
from caeward.experiments import current_budget, setup
from caeward.experiments.views.book import figure_size, glue, show_table
from caeward.experiments.views.chapter_views import (dendrogram_gaps_figure,
                                                     summarise_trials,
                                                     ward_benchmark_summary,
                                                     ward_kmeans_figure)
from caeward.experiments.settings import benchmarks_dir
from caeward.ward_torch import ward_linkage_torch

device = setup(seed=0)
budget = current_budget()
rng = np.random.default_rng(0)

# %% [markdown]
# ## Agglomerative clustering and the linkage matrix
#
# Agglomerative clustering starts with every point in its own cluster and repeatedly
# merges the two clusters that are closest under a *linkage* (a distance between
# clusters) until one cluster is left. The result is a tree, the *dendrogram*; cutting
# it gives any number of flat clusters. SciPy records the tree as a **linkage matrix**
# $Z$ of $n-1$ rows: row $i$ merges clusters $Z_{i,0}$ and $Z_{i,1}$ (ids below $n$
# are points, id $n+j$ is the cluster made in row $j$) at height $Z_{i,2}$ into a
# cluster of $Z_{i,3}$ points. Six points on a line:

# %%
points = np.array([[0.0], [1.0], [1.5], [5.0], [6.0], [9.0]])
Z_small = sch.ward(points)
columns = ["cluster a", "cluster b", "height", "size"]
merge_table = pd.DataFrame(Z_small, columns=columns)
merge_table = merge_table.astype({"cluster a": int, "cluster b": int,
                                  "size": int})
display(show_table(merge_table, drop_constant=False))
fig, ax = plt.subplots(figsize=figure_size(2.6))
sch.dendrogram(Z_small, ax=ax, labels=[f"x={p[0]:g}" for p in points])
ax.set_ylabel("height")
ax.set_title("Ward dendrogram of six points")
plt.show()

# %% [markdown]
# Every agglomerative function in `caeward.cluster` returns this matrix, and
# `caeward.cluster.cut_linkage(Z, k)` cuts it into exactly $k$ clusters (the partition
# after the first $n-k$ merges).
#
# ## From eq. 6 to the closed form
#
# The paper's eq. 6 defines Ward's distance between clusters $A$ and $B$ as the growth
# of the within-cluster sum of squares caused by merging them:
#
# $$
# \Delta(A, B) = \sum_{i \in A \cup B} \lVert x_i - m_{AB} \rVert^2
#   - \sum_{i \in A} \lVert x_i - m_A \rVert^2
#   - \sum_{i \in B} \lVert x_i - m_B \rVert^2 ,
# $$
#
# with $m_A$, $m_B$, $m_{AB}$ the means. One identity does all the work: for any set
# $S$ with mean $m_S$ and any point $c$,
#
# $$
# \sum_{i \in S} \lVert x_i - c \rVert^2
#   = \sum_{i \in S} \lVert x_i - m_S \rVert^2 + |S|\,\lVert m_S - c \rVert^2
# $$
#
# (expand $x_i - c = (x_i - m_S) + (m_S - c)$; the cross term vanishes because the
# $x_i - m_S$ sum to zero). Split the first sum of eq. 6 over $A$ and $B$ and apply
# the identity with $c = m_{AB}$ to each part: the within-cluster sums cancel and
#
# $$
# \Delta(A, B) = |A|\,\lVert m_A - m_{AB} \rVert^2 + |B|\,\lVert m_B - m_{AB} \rVert^2 .
# $$
#
# Since $m_{AB} = (|A| m_A + |B| m_B)/(|A| + |B|)$, we have
# $m_A - m_{AB} = \frac{|B|}{|A|+|B|}(m_A - m_B)$ and
# $m_B - m_{AB} = -\frac{|A|}{|A|+|B|}(m_A - m_B)$, so
#
# $$
# \Delta(A, B) = \frac{|A||B|^2 + |B||A|^2}{(|A|+|B|)^2}\,\lVert m_A - m_B \rVert^2
#   = \frac{|A||B|}{|A|+|B|}\,\lVert m_A - m_B \rVert^2 .
# $$
#
# Merging costs the squared distance between the means, weighted by half the harmonic
# mean of the sizes. Checked on two random clusters:

# %%
A = rng.normal(size=(37, 5))
B = rng.normal(loc=1.5, size=(12, 5))


def sum_of_squares(X):
    return ((X - X.mean(axis=0)) ** 2).sum()


def ward_delta(P, Q):
    """The closed form of eq. 6."""
    weight = len(P) * len(Q) / (len(P) + len(Q))
    return weight * ((P.mean(0) - Q.mean(0)) ** 2).sum()


eq6 = (sum_of_squares(np.vstack([A, B]))
       - sum_of_squares(A) - sum_of_squares(B))
closed = ward_delta(A, B)
print(f"eq. 6: {eq6:.12f}\nclosed form: {closed:.12f}")
assert np.isclose(eq6, closed, rtol=1e-12)

# %% [markdown]
# ### What SciPy calls the height
#
# SciPy does not report $\Delta$ itself: its Ward heights are $\sqrt{2\Delta}$, which
# makes the height of two single points their Euclidean distance. We check it by
# replaying SciPy's merges on random data and recomputing $\Delta$ from the clusters:

# %%
X = rng.normal(size=(60, 3))
Z = sch.ward(X)
members = {i: [i] for i in range(len(X))}
worst = 0.0
for row, (a, b, height, size) in enumerate(Z):
    in_a, in_b = members.pop(int(a)), members.pop(int(b))
    delta = ward_delta(X[in_a], X[in_b])
    worst = max(worst, abs(np.sqrt(2 * delta) - height) / height)
    members[len(X) + row] = in_a + in_b
print(f"largest relative difference, SciPy's heights vs sqrt(2Δ): {worst:.2e}")
assert worst < 1e-12

# %% [markdown]
# ### The Lance–Williams update
#
# After merging $i$ and $j$, the distance from any other cluster $k$ to the new one
# follows from the old distances alone, without going back to the points. For Ward,
# with $d$ the SciPy height (so $d^2 = 2\Delta$) and $n$ the sizes:
#
# $$
# d^2(k, i \cup j) = \frac{(n_i + n_k)\, d^2(k, i) + (n_j + n_k)\, d^2(k, j)
#   - n_k\, d^2(i, j)}{n_i + n_j + n_k} .
# $$
#
# This is what algorithms that keep a distance matrix use to update it after each
# merge. Checked on three random clusters:

# %%
def ward_height(P, Q):
    return np.sqrt(2 * ward_delta(P, Q))


Ci = rng.normal(size=(5, 4))
Cj = rng.normal(size=(9, 4)) + 1
Ck = rng.normal(size=(3, 4)) - 2
ni, nj, nk = len(Ci), len(Cj), len(Ck)
lance_williams = ((ni + nk) * ward_height(Ck, Ci) ** 2
                  + (nj + nk) * ward_height(Ck, Cj) ** 2
                  - nk * ward_height(Ci, Cj) ** 2) / (ni + nj + nk)
direct = ward_height(Ck, np.vstack([Ci, Cj])) ** 2
print(f"Lance–Williams: {lance_williams:.12f}\ndirect:         {direct:.12f}")
assert np.isclose(lance_williams, direct, rtol=1e-12)

# %% [markdown]
# ## Ward and k-means on unequal clusters and outliers
#
# Ward and k-means pursue the same objective, a small within-cluster sum of squares:
# k-means minimises it for fixed $k$ by alternating assignments and means; Ward builds
# it greedily, one cheapest merge at a time. The paper credits Ward with being less
# sensitive to noise and outliers and with forming similar-sized clusters. The weight
# $\frac{|A||B|}{|A|+|B|}$ suggests why sizes matter: merging two large clusters is
# expensive, merging a large cluster with a small one is cheap. We test both claims on
# synthetic data, over ten seeds each, scoring by ARI against the generating groups:
#
# - **unequal sizes**: a blob of 1,000 points beside a blob of 50, $k = 2$;
# - **outliers**: two blobs of 200 points and a small far group of 8 outliers, $k = 3$.

# %%
def unequal(seed):
    r = np.random.default_rng(seed)
    X = np.vstack([r.normal(size=(1000, 2)),
                   r.normal(scale=0.5, size=(50, 2)) + [3.5, 0]])
    return X, np.repeat([0, 1], [1000, 50]), 2


def outliers(seed):
    r = np.random.default_rng(seed)
    X = np.vstack([r.normal(size=(200, 2)), r.normal(size=(200, 2)) + [5, 0],
                   r.normal(scale=0.5, size=(8, 2)) + [2.5, 20]])
    return X, np.repeat([0, 1, 2], [200, 200, 8]), 3


def both_methods(X, k, seed):
    return {"k-means": cluster.kmeans(X, k, random_state=seed),
            "Ward": cluster.cut_linkage(cluster.ward_linkage(X), k)}


rows = []
for case, make in [("unequal sizes", unequal), ("outliers", outliers)]:
    for seed in range(10):
        X, y, k = make(seed)
        for method, labels in both_methods(X, k, seed).items():
            rows.append({"case": case, "method": method,
                         "ARI": metrics.ari(y, labels),
                         "smallest cluster": np.bincount(labels).min()})
synthetic = summarise_trials(rows)  # mean and lowest ARI over the seeds
show_table(synthetic)

# %%
X, y, k = unequal(0)
fig = ward_kmeans_figure(X, y, both_methods(X, k, 0),
                         "Unequal sizes (seed 0): 1,000 points beside 50")
plt.show()

# %% tags=["hide-input"]
result = synthetic.set_index(["case", "method"])
for case, short in [("unequal sizes", "unequal"), ("outliers", "outliers")]:
    for method, m in [("k-means", "kmeans"), ("Ward", "ward")]:
        row = result.loc[(case, method)]
        glue(f"ch3_{short}_{m}_ari", row["ARI, mean"])
        glue(f"ch3_{short}_{m}_ari_min", row["ARI, lowest"])
        glue(f"ch3_{short}_{m}_smallest", row["smallest cluster (median)"], None)

# %% [markdown]
# **What the synthetic cases show.** Neither of the paper's two claims survives as a
# difference between the methods. With far outliers both methods give the 8 outliers
# a cluster of their own in the median seed (smallest cluster
# {glue:text}`ch3_outliers_kmeans_smallest` for k-means and
# {glue:text}`ch3_outliers_ward_smallest` for Ward), and they score alike: mean ARI
# {glue:text}`ch3_outliers_kmeans_ari` for k-means, {glue:text}`ch3_outliers_ward_ari`
# for Ward. With unequal sizes neither keeps the group of 50 whole: the median smallest
# cluster has {glue:text}`ch3_unequal_kmeans_smallest` points with k-means and
# {glue:text}`ch3_unequal_ward_smallest` with Ward, because both cut the large blob
# to even out the sizes. That is the "similar-sized clusters" of the paper, and here
# it is a fault, not a virtue. Ward's mean ARI, {glue:text}`ch3_unequal_ward_ari`, is
# above k-means's {glue:text}`ch3_unequal_kmeans_ari`, but it swings from seed to seed
# (lowest {glue:text}`ch3_unequal_ward_ari_min`) where k-means's lowest is
# {glue:text}`ch3_unequal_kmeans_ari_min`. Both methods share an objective, so where
# they differ it is through the greedy path Ward takes, not through a different notion
# of a good cluster.
#
# ## Exact Ward without the distance matrix
#
# Textbook agglomerative clustering keeps all pairwise distances and updates them with
# Lance–Williams: $n(n-1)/2$ numbers. For the codes of MNIST-full that is:

# %%
for n in (10_000, 70_000, 1_000_000):
    gigabytes = n * (n - 1) // 2 * 8 / 1e9
    print(f"n = {n:>9,}: distance matrix of {gigabytes:8.1f} GB in float64")

# %% [markdown]
# SciPy's and scikit-learn's Ward both build it, so on a machine with 24 GB they stop
# at MNIST-full. Ward's distance needs only the clusters' means and sizes, though, and
# Ward is **reducible**: merging $A$ and $B$ never brings a third cluster $C$ closer to
# $A \cup B$ than it was to the nearer of the two,
# $\Delta(C, A \cup B) \ge \min(\Delta(C, A), \Delta(C, B))$. Two algorithms use it:
#
# - the **nearest-neighbour chain** {cite}`mullner2011`: follow nearest neighbours
#   from any cluster until two clusters are each other's nearest neighbours, merge
#   them, and continue from the rest of the chain. Reducibility guarantees the chain
#   stays valid after a merge, and the merges found, sorted by height, are exactly the
#   greedy algorithm's. With means and sizes in place of a matrix this needs
#   O($n \cdot d$) memory; fastcluster's `linkage_vector` {cite}`mullner2013fastcluster`
#   does this, and it is the CPU engine of `caeward.cluster`.
# - **rounds of reciprocal nearest neighbours**: every pair of mutual nearest
#   neighbours would be merged by the greedy algorithm sooner or later, so *all* of them
#   can be merged at once; afterwards only the new clusters and those whose neighbour
#   disappeared search again. Each search is one large matrix product over means and
#   sizes: work that a GPU does well. This is `caeward.ward_torch`, the engine
#   `caeward.cluster.ward_linkage` uses on a CUDA device.
#
# A round is two functions of `caeward.ward_torch`, shown here whole as the library
# writes them: find every pair of mutual nearest neighbours, then merge them all at
# once (`C` holds the clusters' means, `S` their sizes, `H` the heights they were
# formed at, `nn` each cluster's nearest neighbour). `ward_linkage_torch` repeats the
# round until one cluster is left; after each, only the merged clusters and those that
# lost their neighbour search for a new one.

# %%
from caeward import ward_torch



def fitted(source, width=88):
    """Source with a line longer than the page breaks at its last space before the
    edge, the rest indented four more (inside brackets or a docstring, as here)."""
    out = []
    for line in source.splitlines():
        indent = " " * (len(line) - len(line.lstrip()) + 4)
        while len(line) > width and line.rfind(" ", len(indent), width + 1) > 0:
            cut = line.rfind(" ", len(indent), width + 1)
            out.append(line[:cut])
            line = indent + line[cut + 1:]
        out.append(line)
    return "\n".join(out)


print(fitted(inspect.getsource(ward_torch.reciprocal_pairs)))
print(fitted(inspect.getsource(ward_torch.merge_pairs)))

# %% [markdown]
# Both engines must give SciPy's tree. On random data they do, to rounding; we check
# here on fresh data, and the test suite checks many shapes, duplicated points and
# MNIST codes. (With *exactly* tied distances, as on a lattice, the greedy order among
# ties decides the tree, and SciPy and fastcluster already disagree; the tests then
# check that every merge was a closest pair at its time.)

# %%
X = rng.normal(size=(1500, 10))
reference = sch.ward(X)
info = {}
for name, Z in [("fastcluster", cluster.ward_linkage(X, engine="fastcluster")),
                ("PyTorch engine", ward_linkage_torch(X, info=info))]:
    same = all(metrics.ari(cluster.cut_linkage(Z, k),
                           cluster.cut_linkage(reference, k)) == 1.0
               for k in range(2, 51))
    rel = np.max(np.abs(Z[:, 2] - reference[:, 2]) / reference[:, 2])
    print(f"{name}: SciPy's partitions at k = 2..50: {same}; "
          f"heights within {rel:.1e}")
merges = info["merges_per_round"]
print(f"PyTorch engine: {len(merges)} rounds for {len(X) - 1} merges")
print(f"pairs merged in its first five rounds: {merges[:5]}")

# %% [markdown]
# ### How fast
#
# `tools/benchmark_ward.py` times the engines side by side in one process on the same
# data and stores what it measured in `results/benchmarks/`; the appendix "How the
# numbers were made" shows the full tables, with the machines. The cell reads the
# stored measurements:

# %%
benchmarks = {path.stem.removeprefix("ward-"): json.loads(path.read_text())
              for path in sorted(benchmarks_dir().glob("ward-*.json"))}
speed = ward_benchmark_summary(benchmarks)  # a few ratios, from those files

# %% tags=["hide-input"]
glue("ch3_cpu_n", speed.get("cpu_n", float("nan")), "{:,}")
glue("ch3_scipy_over_fastcluster", speed.get("scipy_over_fastcluster", float("nan")),
     "{:.0f}")
glue("ch3_torch_cpu_over_fastcluster",
     speed.get("torch_cpu_over_fastcluster", float("nan")), "{:.0f}")
glue("ch3_gpu_n", speed.get("gpu_n", float("nan")), "{:,}")
glue("ch3_gpu_s", speed.get("gpu_s", float("nan")), "{:.1f}")
glue("ch3_fastcluster_over_gpu", speed.get("fastcluster_over_gpu", float("nan")),
     "{:.0f}")
glue("ch3_gpu_largest_n", speed.get("gpu_largest_n", float("nan")), "{:,}")
glue("ch3_gpu_largest_s", speed.get("gpu_largest_s", float("nan")), "{:.0f}")
glue("ch3_gpu_exponent", speed.get("gpu_exponent", float("nan")), "{:.1f}");

# %% [markdown]
# **What the measurements show.** On one CPU the nearest-neighbour chain is the
# engine to use: at {glue:text}`ch3_cpu_n` points fastcluster is
# {glue:text}`ch3_scipy_over_fastcluster` times faster than SciPy's Ward, and the
# PyTorch engine on the CPU is {glue:text}`ch3_torch_cpu_over_fastcluster` times
# slower than fastcluster. On a GPU the rounds win: at {glue:text}`ch3_gpu_n` points
# (MNIST-full's size) the PyTorch engine takes {glue:text}`ch3_gpu_s` s,
# {glue:text}`ch3_fastcluster_over_gpu` times less than fastcluster on the same
# machine's CPU, and {glue:text}`ch3_gpu_largest_n` points take
# {glue:text}`ch3_gpu_largest_s` s. The time still grows about as
# $n^{2}$ (exponent {glue:text}`ch3_gpu_exponent` between the two largest sizes): each
# round searches every cluster whose neighbour moved against all the others; but the
# memory is never the distance matrix, which at a million points would be thousands
# of gigabytes.

# %% [markdown]
# ## The dendrogram of MNIST codes
#
# The paper says the dendrogram lets you choose the number of clusters without fixing
# it in advance. A common rule: cut where the gap between successive merge heights is
# largest. We test it on the codes of DCEC's convolutional autoencoder trained on
# MNIST-test: the training behind a stored run of CAE + Ward (chapter 4's Table 1),
# whose codes are committed with the repository, so that the cut at ten clusters
# below gives that run's ACC.

# %%
images, labels = experiments.load_dataset("mnist-test", budget)
if budget.is_quick:  # the tests: one run on the small subset first
    experiments.run_many(["cae-ward"], ["mnist-test"], [0], budget)
found = experiments.stored_run_codes("cae", images, budget,
                                     experiments.load_results(budget), ["cae-ward"],
                                     "mnist-test")
codes_seed, codes, _, codes_runs = found
Z_codes = cluster.ward_linkage(codes)
print(f"{len(codes):,} codes of {codes.shape[1]} dimensions, "
      f"the training of the stored CAE + Ward run with seed {codes_seed}")

# %% [markdown]
# Cutting into $k$ clusters undoes the last $k-1$ merges, so the cut falls between the
# last merge it keeps and the first one it undoes; the rule takes the $k$ where those
# two heights are furthest apart (their ratio is a scale-free variant). By hand, and
# with the library's `number_of_clusters.largest_gap_k`:

# %%
heights = Z_codes[:, 2]  # non-decreasing for Ward
ks = np.arange(2, 31)
first_undone = heights[len(heights) - ks + 1]
last_kept = heights[len(heights) - ks]
gaps = first_undone - last_kept
rule = number_of_clusters.largest_gap_k(Z_codes, ks=ks)
assert np.allclose(gaps, rule["gaps"])
acc_at = {k: metrics.cluster_acc(labels, cluster.cut_linkage(Z_codes, k))
          for k in sorted({rule["k_gap"], rule["k_ratio"], 10})}
assert abs(acc_at[10] - codes_runs["cae-ward"].acc) < 1e-12  # the stored run's ACC
print(f"largest gap: k = {rule['k_gap']}; "
      f"largest ratio: k = {rule['k_ratio']}")
print("ACC at each:", {k: round(100 * a, 2) for k, a in acc_at.items()})
fig = dendrogram_gaps_figure(Z_codes, rule)
plt.show()

# %% tags=["hide-input"]
glue("ch3_k_gap", rule["k_gap"], "{:d}")
glue("ch3_k_ratio", rule["k_ratio"], "{:d}")
glue("ch3_acc_k_gap", 100 * acc_at[rule["k_gap"]])
glue("ch3_acc_k_ratio", 100 * acc_at[rule["k_ratio"]])
glue("ch3_acc_k10", 100 * acc_at[10])
rules = {"largest gap": "k_gap", "largest ratio": "k_ratio"}
found_ten = [name for name, key in rules.items() if rule[key] == 10]
glue("ch3_rule_verdict", "Neither rule finds 10." if not found_ten
     else f"Only the {' and '.join(found_ten)} rule finds 10.", None);

# %% [markdown]
# **What the dendrogram shows.** On these codes the largest gap in height puts the
# cut at $k$ = {glue:text}`ch3_k_gap` (ACC {glue:text}`ch3_acc_k_gap` %), the largest
# ratio at $k$ = {glue:text}`ch3_k_ratio` (ACC {glue:text}`ch3_acc_k_ratio` %); cutting
# at the true 10 classes gives ACC {glue:text}`ch3_acc_k10` %.
# {glue:text}`ch3_rule_verdict`
# Ward's heights grow quickly towards the root (a merge of two large groups costs in
# proportion to their sizes), which pulls the plain largest-gap rule towards small
# $k$. A dendrogram suggests candidate values of $k$; whether one of them is the
# number of classes is a measurement, not a given.
#
# ## Summary
#
# - Ward's distance is the growth of the within-cluster sum of squares,
#   $\frac{|A||B|}{|A|+|B|}\lVert m_A - m_B\rVert^2$; SciPy reports
#   $\sqrt{2\Delta}$ as the height; Lance–Williams updates it from old distances.
# - Ward and k-means share an objective. On far outliers they tie (mean ARI
#   {glue:text}`ch3_outliers_ward_ari` and {glue:text}`ch3_outliers_kmeans_ari`); with
#   a group of 50 beside 1,000 points both cut the large group instead (median
#   smallest cluster {glue:text}`ch3_unequal_ward_smallest` and
#   {glue:text}`ch3_unequal_kmeans_smallest` points).
# - Reducibility makes exact Ward possible in O($n \cdot d$) memory: by
#   nearest-neighbour chains (fastcluster, {glue:text}`ch3_scipy_over_fastcluster`
#   times faster than SciPy on a CPU) or by rounds of reciprocal nearest neighbours
#   (the PyTorch engine: {glue:text}`ch3_gpu_s` s for {glue:text}`ch3_gpu_n` points on
#   a GPU).
# - On MNIST-test codes the largest-gap rule picks $k$ = {glue:text}`ch3_k_gap` and
#   the largest ratio $k$ = {glue:text}`ch3_k_ratio`, not the 10 classes.
#
# ## Exercises
#
# The exercises run in quick mode too (`CAEWARD_QUICK=1`).
#
# 1. Show with the identity above that k-means' objective, the within-cluster sum of
#    squares, equals
#    $\frac{1}{2}\sum_k \frac{1}{|C_k|}\sum_{i,j \in C_k}\lVert x_i - x_j\rVert^2$.
#    Check it numerically first:

# %%
C = rng.normal(size=(20, 3))
pairwise = ((C[:, None, :] - C[None, :, :]) ** 2).sum(-1)
print(f"sum of squares {sum_of_squares(C):.6f}; "
      f"pairwise form {pairwise.sum() / (2 * len(C)):.6f}")

# %% [markdown]
# :::{admonition} Answer
# :class: dropdown
# Apply the identity with $c = x_j$ for each $j \in C_k$ and sum over $j$:
# $\sum_{i,j}\lVert x_i - x_j\rVert^2 = 2|C_k|\sum_i \lVert x_i - m_k\rVert^2$.
# :::
#
# 2. Is single linkage reducible? Is centroid linkage ($\lVert m_A - m_B\rVert$)? Look
#    for inversions, a merge lower than an earlier one:

# %%
for method in ("single", "centroid"):
    Z_try = sch.linkage(rng.normal(size=(200, 2)), method=method)
    print(f"{method}: {int((np.diff(Z_try[:, 2]) < 0).sum())} inversions")

# %% [markdown]
# :::{admonition} Answer
# :class: dropdown
# Single linkage is: the distance to $A \cup B$ is the minimum of the distances to $A$
# and $B$. Centroid linkage is not: the centroid of $A \cup B$ can be closer to $C$
# than both $m_A$ and $m_B$, which produces inversions (a merge lower than an earlier
# one) and breaks nearest-neighbour chains.
# :::
#
# 3. Run `caeward.ward_torch.ward_linkage_torch` with an `info={}` argument on 200
#    points spaced along a line with gaps that grow by 1 % each step. How many rounds
#    does it need, compared with the random points above, and why?

# %%
line = np.cumsum(1.01 ** np.arange(200))[:, None]
line_info = {}
Z_line = ward_linkage_torch(line, info=line_info)
# Your turn: len(line_info["merges_per_round"]), against the random points

# %% [markdown]
# :::{admonition} Answer
# :class: dropdown
# Each point's nearest neighbour is its left neighbour, so only pairs at the
# short-gap end of the line are mutual nearest neighbours: each round merges one or
# two pairs, and the run needs about $n/2$ rounds instead of a few dozen. Chains like
# this are the engine's worst case; well-clustered data, like codes, has many
# reciprocal pairs per round.
# :::
