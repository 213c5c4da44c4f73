# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
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
# sum of squares) becomes the closed form $\frac{|A||B|}{|A|+|B|}\lVert m_A-m_B\rVert^2$;
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

# %%
import os
import subprocess
import sys

if "google.colab" in sys.modules:
    if not os.path.isdir("/content/caeward"):
        subprocess.run("git clone -q --depth 1 https://github.com/caeward/caeward /content/caeward",
                       shell=True, check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "/content/caeward"], check=True)
    os.environ["CAEWARD_RESULTS"] = "/content/caeward/results"

# %%
import inspect
import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Image
from scipy.cluster import hierarchy as sch

from caeward import cluster, experiments, metrics
from caeward.experiments import current_budget, is_cached, setup, trained_codes, training_estimate
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
display(pd.DataFrame(Z_small, columns=["cluster a", "cluster b", "height", "size"]))
fig, ax = plt.subplots(figsize=(5, 2.6))
sch.dendrogram(Z_small, ax=ax, labels=[f"x={p[0]:g}" for p in points])
ax.set_ylabel("height")
ax.set_title("Ward dendrogram of six points")
fig.tight_layout()
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
#   - \sum_{i \in A} \lVert x_i - m_A \rVert^2 - \sum_{i \in B} \lVert x_i - m_B \rVert^2 ,
# $$
#
# with $m_A$, $m_B$, $m_{AB}$ the means. One identity does all the work: for any set
# $S$ with mean $m_S$ and any point $c$,
#
# $$
# \sum_{i \in S} \lVert x_i - c \rVert^2 = \sum_{i \in S} \lVert x_i - m_S \rVert^2 + |S|\,\lVert m_S - c \rVert^2
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


eq6 = sum_of_squares(np.vstack([A, B])) - sum_of_squares(A) - sum_of_squares(B)
closed = len(A) * len(B) / (len(A) + len(B)) * ((A.mean(0) - B.mean(0)) ** 2).sum()
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
    Ca, Cb = X[in_a], X[in_b]
    delta = len(Ca) * len(Cb) / (len(Ca) + len(Cb)) * ((Ca.mean(0) - Cb.mean(0)) ** 2).sum()
    worst = max(worst, abs(np.sqrt(2 * delta) - height) / height)
    members[len(X) + row] = in_a + in_b
print(f"largest relative difference between SciPy's heights and sqrt(2Δ): {worst:.2e}")
assert worst < 1e-12

# %% [markdown]
# ### The Lance–Williams update
#
# After merging $i$ and $j$, the distance from any other cluster $k$ to the new one
# follows from the old distances alone, without going back to the points. For Ward,
# with $d$ the SciPy height (so $d^2 = 2\Delta$) and $n$ the sizes:
#
# $$
# d^2(k, i \cup j) = \frac{(n_i + n_k)\, d^2(k, i) + (n_j + n_k)\, d^2(k, j) - n_k\, d^2(i, j)}{n_i + n_j + n_k} .
# $$
#
# This is what algorithms that keep a distance matrix use to update it after each
# merge. Checked on three random clusters:

# %%
def ward_height(P, Q):
    return np.sqrt(2 * len(P) * len(Q) / (len(P) + len(Q)) * ((P.mean(0) - Q.mean(0)) ** 2).sum())


Ci, Cj, Ck = rng.normal(size=(5, 4)), rng.normal(size=(9, 4)) + 1, rng.normal(size=(3, 4)) - 2
ni, nj, nk = len(Ci), len(Cj), len(Ck)
lance_williams = ((ni + nk) * ward_height(Ck, Ci) ** 2 + (nj + nk) * ward_height(Ck, Cj) ** 2
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
# - **outliers**: two blobs of 200 points and a small far group of outliers, $k = 3$.

# %%
def unequal(seed):
    r = np.random.default_rng(seed)
    X = np.vstack([r.normal(size=(1000, 2)), r.normal(scale=0.5, size=(50, 2)) + [3.5, 0]])
    return X, np.repeat([0, 1], [1000, 50]), 2


def outliers(seed):
    r = np.random.default_rng(seed)
    X = np.vstack([r.normal(size=(200, 2)), r.normal(size=(200, 2)) + [5, 0],
                   r.normal(scale=0.5, size=(8, 2)) + [2.5, 20]])
    return X, np.repeat([0, 1, 2], [200, 200, 8]), 3


rows = []
for name, make in [("unequal sizes", unequal), ("outliers", outliers)]:
    for seed in range(10):
        X, y, k = make(seed)
        for method, labels in [("k-means", cluster.kmeans(X, k, random_state=seed)),
                               ("Ward", cluster.cut_linkage(cluster.ward_linkage(X), k))]:
            sizes = np.sort(np.bincount(labels))
            rows.append({"case": name, "method": method, "seed": seed, "ARI": metrics.ari(y, labels),
                         "smallest cluster": sizes[0]})
synthetic = pd.DataFrame(rows)
summary = synthetic.groupby(["case", "method"]).agg(
    ARI_mean=("ARI", "mean"), ARI_min=("ARI", "min"), smallest_cluster_median=("smallest cluster", "median"))
summary

# %%
X, y, k = unequal(0)
fig, axes = plt.subplots(1, 2, figsize=(8, 3.4), sharey=True)
for ax, (method, labels) in zip(axes, [("k-means", cluster.kmeans(X, k, random_state=0)),
                                       ("Ward", cluster.cut_linkage(cluster.ward_linkage(X), k))]):
    ax.scatter(*X.T, c=labels, s=4, cmap="coolwarm")
    sizes = sorted(np.bincount(labels).tolist())
    ax.set_title(f"{method}: ARI {metrics.ari(y, labels):.2f}\ncluster sizes {sizes}", fontsize=10)
    ax.set_aspect("equal")
fig.suptitle("Unequal sizes (seed 0): 1,000 points beside 50")
fig.tight_layout()
plt.show()

# %% [markdown]
# Read the table above rather than the paper's sentence: the smallest cluster's median
# size shows whether each method keeps the small group whole (50 points, or 8 outliers)
# or cuts the large one to even the sizes out, and the ARI how close each gets to the
# generating groups. Both methods share an objective, so where they differ it is
# through the greedy path Ward takes, not through a different notion of a good cluster.
#
# ## Exact Ward without the distance matrix
#
# Textbook agglomerative clustering keeps all pairwise distances and updates them with
# Lance–Williams: $n(n-1)/2$ numbers. For the codes of MNIST-full that is:

# %%
for n in (10_000, 70_000, 1_000_000):
    print(f"n = {n:>9,}: distance matrix of {n * (n - 1) // 2 * 8 / 1e9:8.1f} GB in float64")

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
# The heart of the round, from the library:

# %%
source = inspect.getsource(ward_linkage_torch)
start = source.index("    while len(C) > 1:")
print(source[start:source.index("        merged = torch.zeros")])

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
    same = all(metrics.ari(cluster.cut_linkage(Z, k), cluster.cut_linkage(reference, k)) == 1.0
               for k in range(2, 51))
    rel = np.max(np.abs(Z[:, 2] - reference[:, 2]) / reference[:, 2])
    print(f"{name:15s}: same partitions as SciPy at k = 2..50: {same}; largest relative height difference {rel:.1e}")
merges = info["merges_per_round"]
print(f"PyTorch engine: {len(merges)} rounds for {len(X) - 1} merges; "
      f"first rounds merged {merges[:5]} pairs")

# %% [markdown]
# ### How fast, measured
#
# `tools/benchmark_ward.py` times the engines side by side in one process on the same
# data and stores what it measured, with the machine and versions, in
# `results/benchmarks/`. This cell shows what is stored:

# %%
bench_dir = Path(experiments.results_dir("full")).parent / "benchmarks"
found = sorted(bench_dir.glob("ward-*.json"))
benchmarks = {}  # by the device measured
for path in found:
    bench = benchmarks[path.stem.removeprefix("ward-")] = json.loads(path.read_text())
    print(f"{path.name}: {bench['device_name']}, commit {str(bench['commit'])[:10]}")
    table = pd.DataFrame(bench["rows"])
    cols = [c for c in ["n", "engine", "data", "seconds", "ratio_to_fastcluster",
                        "peak_host_extra_gb", "peak_device_gb", "note"] if c in table]
    display(table[cols].round(3))
    if path.with_suffix(".png").exists():
        display(Image(filename=str(path.with_suffix(".png"))))
if not found:
    print("No Ward benchmark is stored yet: run tools/benchmark_ward.py.")
if "cuda" not in benchmarks:
    print("No GPU measurement is stored yet: the PyTorch engine's GPU timings are still to come.")

# %% [markdown]
# What the GPU measurement says, read from the stored files. The GPU machine's own
# CPU ran fastcluster beside the engine, so the ratio there compares one process on
# one machine; the last line sets the GPU beside fastcluster on the CPU of the
# machine this book's other runs used (a different process, machine and possibly
# data set, as its label says, so only a rough guide). On the GPU the data are
# MNIST-full codes up to 70,000 points and synthetic blobs above, and fastcluster is
# left out where it would take many minutes.

# %%
def bench_rows(measured):
    bench = benchmarks.get(measured)
    if bench is None:
        return None, {}
    return bench, {(r["engine"], r["n"]): r for r in bench["rows"] if r.get("seconds") is not None}


gpu_bench, gpu = bench_rows("cuda")
cpu_bench, cpu = bench_rows("cpu")
if gpu_bench:
    engine = "torch engine (cuda)"
    sizes = sorted(n for e, n in gpu if e == engine)
    worst = max(r.get("max_rel_height_diff_vs_fastcluster", 0.0) for (e, _), r in gpu.items() if e == engine)
    print(f"{gpu_bench['device_name']}: largest relative difference of merge heights from "
          f"fastcluster, wherever both ran: {worst:.1e}")
    for n in sizes:
        r, fc = gpu[(engine, n)], gpu.get(("fastcluster linkage_vector", n))
        beside = f"; fastcluster {fc['seconds']:.2f} s, {fc['seconds'] / r['seconds']:.0f}x longer" if fc else ""
        print(f"n = {n:>9,} ({r['data']}): {r['seconds']:7.2f} s, peak device memory "
              f"{r['peak_device_gb']:5.1f} GB{beside}")
    big = [n for n in sizes if n >= 200_000]
    if len(big) == 2:
        (a, b) = big
        slope = np.log(gpu[(engine, b)]["seconds"] / gpu[(engine, a)]["seconds"]) / np.log(b / a)
        print(f"growth from n = {a:,} to {b:,}: time ~ n^{slope:.2f}")
    here = cpu.get(("fastcluster linkage_vector", 70_000))
    if here and (engine, 70_000) in gpu:
        print(f"fastcluster on {cpu_bench['device_name']} at n = 70,000 ({here['data']}): "
              f"{here['seconds']:.1f} s, {here['seconds'] / gpu[(engine, 70_000)]['seconds']:.0f}x "
              "the GPU engine's time")

# %% [markdown]
# The rounds make exact Ward a matter of seconds on a GPU at MNIST-full's size, and of
# minutes at a million points, where the nearest-neighbour chain on one CPU core would
# need hours; its merge heights agree with fastcluster's to rounding wherever both
# ran (and the test suite checks its partitions against SciPy's). The time still grows
# about as $n^2$: each round searches every cluster whose neighbour moved against all
# the others. Peak device memory follows the block size the engine picks from the
# free memory, not $n^2$: it is not the distance matrix, which at a million points
# would be several terabytes.

# %% [markdown]
# ## The dendrogram of MNIST codes
#
# The paper says the dendrogram lets you choose the number of clusters without fixing
# it in advance. A common rule: cut where the gap between successive merge heights is
# largest. We test it on the codes of DCEC's convolutional autoencoder trained on
# MNIST-test (seed 0, the budget's pretraining; loaded from the cache when the runner
# made it, else from the codes committed under `results/codes/`, which chapter 4
# introduces).

# %%
images, labels = experiments.load_dataset("mnist-test", budget)
if not is_cached("cae", images, budget, seed=0):
    print(training_estimate("cae", len(images), budget, device))
codes, ae_info = trained_codes("cae", images, budget, seed=0, device=device)
Z_codes = cluster.ward_linkage(codes)
print(f"{len(codes):,} codes of {codes.shape[1]} dimensions; final reconstruction MSE "
      f"{ae_info['reconstruction_mse']:.4f}")

# %%
# cutting to k clusters undoes the last k-1 merges; the gap is between the heights of
# the merge that would make k-1 clusters and the one before it (and the ratio of the
# two heights is a scale-free variant of the rule); largest_gap_k checks the linkage and
# hands its heights to cut_steps, which computes the rule
for function in (cluster.largest_gap_k, cluster.cut_steps):
    print(inspect.getsource(function).split('"""')[-1])
rule = cluster.largest_gap_k(Z_codes, ks=range(2, 31))
ks, gaps, k_gap, k_ratio = rule["ks"], rule["gaps"], rule["k_gap"], rule["k_ratio"]
print(f"largest gap in height puts k at {k_gap}; largest ratio of heights puts it at "
      f"{k_ratio}; MNIST has 10 classes")
for k in sorted({k_gap, k_ratio, 10}):
    print(f"ACC at k = {k:2d}: {metrics.cluster_acc(labels, cluster.cut_linkage(Z_codes, k)):.4f}")

fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
sch.dendrogram(Z_codes, truncate_mode="lastp", p=30, ax=axes[0], no_labels=True)
axes[0].set_title("Ward dendrogram of MNIST-test codes (last 30 merges)")
axes[0].set_ylabel("height")
axes[1].bar(ks, gaps)
axes[1].set_xlabel("k (clusters left by the cut)")
axes[1].set_ylabel("gap in merge height")
axes[1].axvline(10, color="k", ls=":", label="10 classes")
axes[1].legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# The printed lines answer the paper's claim for these codes, for two common forms of
# the rule; the bar chart shows how clear-cut each choice is. Ward's heights grow
# quickly towards the root (a merge of two large groups costs in proportion to their
# sizes), which pulls the plain largest-gap rule towards small $k$. A dendrogram
# suggests candidate values of $k$; whether one of them is the number of classes is
# a measurement, not a given.
#
# ## Summary
#
# - Ward's distance is the growth of the within-cluster sum of squares,
#   $\frac{|A||B|}{|A|+|B|}\lVert m_A - m_B\rVert^2$; SciPy reports
#   $\sqrt{2\Delta}$ as the height; Lance–Williams updates it from old distances.
# - Ward and k-means share an objective; on the synthetic cases above their
#   differences with unequal sizes and outliers are measured, not assumed.
# - Reducibility makes exact Ward possible in O($n \cdot d$) memory: by
#   nearest-neighbour chains (fastcluster, on the CPU) or by rounds of reciprocal
#   nearest neighbours (the PyTorch engine, for the GPU).
# - The largest-gap rule on the dendrogram of MNIST codes was tested above.
#
# ## Exercises
#
# 1. Show with the identity above that k-means' objective, the within-cluster sum of
#    squares, equals $\frac{1}{2}\sum_k \frac{1}{|C_k|}\sum_{i,j \in C_k}\lVert x_i - x_j\rVert^2$.
#
# :::{admonition} Answer
# :class: dropdown
# Apply the identity with $c = x_j$ for each $j \in C_k$ and sum over $j$:
# $\sum_{i,j}\lVert x_i - x_j\rVert^2 = 2|C_k|\sum_i \lVert x_i - m_k\rVert^2$.
# :::
#
# 2. Is single linkage reducible? Is centroid linkage ($\lVert m_A - m_B\rVert$)?
#
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
#
# :::{admonition} Answer
# :class: dropdown
# Each point's nearest neighbour is its left neighbour, so only pairs at the
# short-gap end of the line are mutual nearest neighbours: each round merges one or
# two pairs, and the run needs about $n/2$ rounds instead of a few dozen. Chains like
# this are the engine's worst case; well-clustered data, like codes, has many
# reciprocal pairs per round.
# :::
