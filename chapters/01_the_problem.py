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
# # The problem: clustering images in two steps
#
# **What you will learn.** Why images are clustered in two steps (first make a short
# code of each image, then cluster the codes); how clusterings are scored against
# labels with ACC and NMI, the paper's equations 7 and 8, worked out by hand; and how
# badly plain k-means does on raw MNIST pixels, measured over several seeds, beside
# the first row of the paper's Table 1 {cite}`park2020`.
#
# **What you need.** Python and NumPy; k-means at the level of "assign to the nearest
# centre, move each centre to the mean of its points". No deep learning yet: the
# autoencoders arrive in the next chapter.

# %% [markdown]
# ## Setup
#
# On Colab, the first (hidden) cell fetches the book's repository and installs it;
# elsewhere it does nothing. The second seeds every generator, picks the device and
# says whether the chapter runs in *full* mode (the whole data set, what these pages
# show) or in *quick* mode (`CAEWARD_QUICK=1`: the same code on a fixed subset of
# 2,000 images, which is how the tests, and the exercises, run it).

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

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from caeward import cluster, experiments, metrics
from caeward.experiments import current_budget, setup
from caeward.experiments.views.book import glue, glue_scores, show_table, signed
from caeward.experiments.views.chapter_views import (cluster_means_figure,
                                                     clusters_by_class,
                                                     confusion_figure,
                                                     largest_confusions,
                                                     paper_comparison)

device = setup(seed=0)
budget = current_budget()

# %% [markdown]
# ## Why two steps
#
# A 28×28 grey-level image is a point in a 784-dimensional space. Clustering
# algorithms measure distances, and in that space the Euclidean distance between
# two images mostly counts pixels that happen to differ: a "1" written with a slant
# and an upright "1" share few inked pixels, while a "4" and a "9" share many. The
# distance does not see *shape*.
#
# Deep clustering therefore works in two steps {cite}`xie2016dec,guo2017dcec`:
#
# 1. **Reduce**: learn a map from each image to a short code (here 10 numbers), so
#    that images of the same kind land close together. An autoencoder learns it
#    without labels, by compressing and reconstructing the images.
# 2. **Cluster** the codes: k-means in most papers; agglomerative clustering with
#    Ward linkage {cite}`ward1963` in the paper this book reproduces.
#
# This chapter does the baseline that skips step 1: k-means straight on the pixels.
# First, the data.

# %%
images, labels = experiments.load_dataset("mnist-test", budget)
n, height, width = images.shape
print(f"MNIST-test: {n} images of {height}×{width} pixels, dtype {images.dtype}")
print("images per class:", np.bincount(labels).tolist())

# %%
fig, axes = plt.subplots(10, 12, figsize=(6.8, 5.8))
for digit in range(10):
    picks = np.flatnonzero(labels == digit)[:12]
    for ax, i in zip(axes[digit], picks):
        ax.imshow(images[i], cmap="gray_r")
for ax in axes.flat:
    ax.set_axis_off()
fig.suptitle("MNIST-test: the first twelve images of each class")
plt.show()

# %% [markdown]
# ## Scoring a clustering against labels
#
# A clustering names its groups arbitrarily: cluster 3 may be all the sevens.
# Both of the paper's metrics are blind to the names.
#
# **ACC** (eq. 7) is the accuracy under the best one-to-one map from clusters to
# classes:
#
# $$
# \mathrm{ACC} = \max_{\mathrm{map}} \frac{1}{N} \sum_{i=1}^{N}
#   \delta\big(r_i, \mathrm{map}(c_i)\big),
# $$
#
# where $r_i$ is the true class of sample $i$ and $c_i$ its cluster. Finding the best
# map is an assignment problem on the *contingency table* (how many samples of each
# class each cluster holds), solved exactly by the Hungarian method {cite}`kuhn1955`.
# When there are more clusters than classes, the surplus clusters map to nothing and
# count as wrong; with fewer, some classes are never matched.
#
# **NMI** (eq. 8) is the mutual information between classes $Y$ and clusters $C$,
# normalised by a mean of their entropies:
#
# $$
# \mathrm{NMI}(Y, C) = \frac{I(Y; C)}{\operatorname{mean}\big(H(Y), H(C)\big)}.
# $$
#
# The paper notes that the arithmetic, geometric, maximum and minimum means are all in
# use {cite}`vinh2010`; we come back to why that matters below. The book also reports
# the adjusted Rand index (ARI) {cite}`hubert1985ari`.
#
# ### A worked example
#
# Twelve samples of three classes, put into four clusters:

# %%
y_true = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2])
y_pred = np.array([2, 2, 2, 1, 0, 0, 3, 3, 1, 1, 1, 0])
table, clusters, classes = metrics.contingency(y_true, y_pred)
pd.DataFrame(table, index=[f"cluster {c}" for c in clusters],
             columns=[f"class {k}" for k in classes])

# %% [markdown]
# The best map sends each cluster to a different class so that the matched counts are
# as large as possible. With four clusters and three classes, one cluster stays
# unmatched. SciPy's `linear_sum_assignment` finds the map; summing the matched counts
# gives ACC by hand:

# %%
rows, cols = linear_sum_assignment(table, maximize=True)
for r, c in zip(rows, cols):
    print(f"cluster {clusters[r]} -> class {classes[c]} "
          f"({table[r, c]} samples agree)")
acc_by_hand = table[rows, cols].sum() / table.sum()
print(f"ACC by hand: {table[rows, cols].sum()} / {table.sum()} "
      f"= {acc_by_hand:.4f}")
print(f"caeward.metrics.cluster_acc: "
      f"{metrics.cluster_acc(y_true, y_pred):.4f}")
assert np.isclose(acc_by_hand, metrics.cluster_acc(y_true, y_pred))

# %% [markdown]
# Now NMI by hand, from the same table: the joint distribution is the table divided
# by $N$, the marginals are its row and column sums.

# %%
p_joint = table / table.sum()
p_cluster, p_class = p_joint.sum(axis=1), p_joint.sum(axis=0)
nz = p_joint > 0
independent = np.outer(p_cluster, p_class)
mutual_info = np.sum(p_joint[nz] * np.log(p_joint[nz] / independent[nz]))
h_class = -np.sum(p_class * np.log(p_class))
h_cluster = -np.sum(p_cluster * np.log(p_cluster))
print(f"I(Y;C) = {mutual_info:.4f} nats, "
      f"H(Y) = {h_class:.4f}, H(C) = {h_cluster:.4f}")
by_hand = {
    "arithmetic": mutual_info / ((h_class + h_cluster) / 2),
    "geometric": mutual_info / np.sqrt(h_class * h_cluster),
    "max": mutual_info / max(h_class, h_cluster),
    "min": mutual_info / min(h_class, h_cluster),
}
for average, value in by_hand.items():
    library = metrics.nmi(y_true, y_pred, average=average)
    print(f"NMI, {average:10s} mean: by hand {value:.4f}, "
          f"caeward.metrics.nmi {library:.4f}")
    assert np.isclose(value, library)

# %% tags=["hide-input"]
glue("ch1_toy_nmi_min", by_hand["min"], "{:.3f}")
glue("ch1_toy_nmi_max", by_hand["max"], "{:.3f}");

# %% [markdown]
# The same clustering gets NMIs from {glue:text}`ch1_toy_nmi_max` (maximum mean) to
# {glue:text}`ch1_toy_nmi_min` (minimum mean), depending only on the mean in the
# denominator. They agree when $H(Y) = H(C)$ and drift apart as the number of clusters
# moves away from the number of classes. scikit-learn switched its default from the
# geometric to the arithmetic mean in version 0.22 (2019), and DEC's and DCEC's
# reference code used the geometric one, so NMIs from papers of that period are not
# always comparable. This book reports the arithmetic NMI in its tables and stores the
# geometric one beside it in every result file.
#
# Here is the library's ACC; the book shows library code where it teaches it, and the
# code lives only in `caeward`:

# %%
print(inspect.getsource(metrics.cluster_acc))

# %% [markdown]
# ## The baseline: k-means on raw pixels
#
# The first row of the paper's Table 1 is k-means on the pixels. We run it as the deep
# clustering papers run their k-means: scikit-learn's `KMeans` with k-means++ starts
# {cite}`arthur2007kmeanspp`, 20 restarts (`n_init=20`) keeping the lowest inertia,
# pixels scaled to $[0, 1]$, $k = 10$, five seeds on each data set. The runs are made
# by the book's runner and stored with the repository; the cell loads them (in quick
# mode it computes them on the subset).

# %%
SEEDS = [0, 1, 2, 3, 4]
DATASETS = ["mnist-full", "mnist-test"]
if budget.is_quick:  # the tests compute what the chapter shows
    experiments.run_many(["pixels-kmeans"], DATASETS, SEEDS, budget)
runs = experiments.run_many(["pixels-kmeans"], DATASETS, SEEDS, budget,
                            missing="skip")
summary = experiments.results_table(runs)
show_table(paper_comparison(summary))

# %% tags=["hide-input"]
by_dataset = summary.set_index("dataset")
for dataset, short in [("mnist-full", "full"), ("mnist-test", "test")]:
    row = by_dataset.loc[dataset]
    glue_scores(f"ch1_{short}", row)
    glue(f"ch1_{short}_acc_diff", signed(row["acc_mean"] - row["paper_acc"]), None)
    glue(f"ch1_{short}_nmi_diff", signed(row["nmi_mean"] - row["paper_nmi"]), None)
nmi_mean_gap = (summary["nmi_mean"] - summary["nmi_geometric_mean"]).abs().max()
glue("ch1_nmi_mean_gap", max(nmi_mean_gap, 0.001), "{:.3f}")
glue("ch1_n_seeds", len(SEEDS), "{:d}");

# %% [markdown]
# **What the runs show.** Over {glue:text}`ch1_n_seeds` seeds, k-means on the pixels
# reaches ACC {glue:text}`ch1_full_acc` % and NMI {glue:text}`ch1_full_nmi` % on
# MNIST-full, where the paper reports {glue:text}`ch1_full_paper_acc` and
# {glue:text}`ch1_full_paper_nmi`, and ACC {glue:text}`ch1_test_acc` % and NMI
# {glue:text}`ch1_test_nmi` % on MNIST-test (the paper:
# {glue:text}`ch1_test_paper_acc` and {glue:text}`ch1_test_paper_nmi`). The differences
# from the paper, {glue:text}`ch1_full_acc_diff` ACC and {glue:text}`ch1_full_nmi_diff`
# NMI points on MNIST-full and {glue:text}`ch1_test_acc_diff` and
# {glue:text}`ch1_test_nmi_diff` on MNIST-test, are a point or two at most: the
# baseline reproduces. About half the images land in the cluster of their class.
#
# With ten clusters of similar sizes, $H(C)$ is close to $H(Y)$ and the choice of mean
# hardly matters here: the arithmetic and the geometric NMI differ by at most
# {glue:text}`ch1_nmi_mean_gap` points on either data set. It matters most when the
# number or the sizes of clusters differ from the classes', as in the worked example.
#
# The pixels hold the information (people read these digits without trouble), but the
# Euclidean geometry of raw pixels does not group them by digit.
#
# ## What k-means on pixels gets wrong
#
# To see where it fails we cluster MNIST-test again with the runner's own method and
# seed 0 (in full mode this takes about ten seconds), check that it gives back the
# stored result, and rename each cluster by the class the Hungarian matching gives it.

# %%
predicted = experiments.predict("pixels-kmeans", images, seed=0,
                                budget=budget)
stored = next(r for r in runs if r.dataset == "mnist-test" and r.seed == 0)
assert metrics.cluster_acc(labels, predicted) == stored.metrics["acc"]
counts, mapping = clusters_by_class(labels, predicted)
fig = confusion_figure(counts, mapping,
                       "k-means on pixels, MNIST-test, seed 0\n"
                       "(counts; colour: share of each class)")
plt.show()

# %%
title = "Mean image of each cluster, with its matched class"
fig = cluster_means_figure(images, predicted, mapping, title)
plt.show()

# %% tags=["hide-input"]
recall = pd.Series({mapping[c]: counts.at[c, mapping[c]] / counts[mapping[c]].sum()
                    for c in mapping}).sort_index()
worst_class = int(recall.idxmin())
worst_cluster = next(c for c in mapping if mapping[c] == worst_class)
held = counts.loc[worst_cluster]
majority = int(held.idxmax())
majority_clusters = [c for c in counts.index if counts.loc[c].idxmax() == majority]
where_worst = counts[worst_class].drop(worst_cluster).sort_values(ascending=False)
glue("ch1_worst_class", worst_class, "{:d}")
glue("ch1_worst_recall", 100 * recall[worst_class], "{:.1f}")
glue("ch1_worst_cluster_size", int(held.sum()), "{:,d}")
glue("ch1_worst_cluster_majority", majority, "{:d}")
glue("ch1_worst_cluster_majority_n", int(held[majority]), "{:,d}")
glue("ch1_worst_cluster_own_n", int(held[worst_class]), "{:,d}")
glue("ch1_majority_n_clusters", len(majority_clusters), "{:d}")
glue("ch1_worst_elsewhere", ", ".join(
    f"{int(n)} in the cluster matched with {mapping[c]}"
    for c, n in where_worst.head(2).items()), None)
glue("ch1_shape_confusions", "; ".join(
    f"{n} images of {a} in the cluster of {b}"
    for n, a, b in largest_confusions(counts, mapping, skip=[worst_cluster])), None)
glue("ch1_best_recall", 100 * recall.max(), "{:.1f}")
glue("ch1_best_class", int(recall.idxmax()), "{:d}");

# %% [markdown]
# **What the matrix shows.** The worst-served class is {glue:text}`ch1_worst_class`:
# only {glue:text}`ch1_worst_recall` % of its images sit in the cluster matched with it
# (the best, class {glue:text}`ch1_best_class`, gets {glue:text}`ch1_best_recall` %).
# That is not because its images look like some other digit. The cluster the
# matching gave to class {glue:text}`ch1_worst_class` holds
# {glue:text}`ch1_worst_cluster_size` images, of which
# {glue:text}`ch1_worst_cluster_majority_n` are
# {glue:text}`ch1_worst_cluster_majority`s and only
# {glue:text}`ch1_worst_cluster_own_n` are {glue:text}`ch1_worst_class`s: k-means
# spent {glue:text}`ch1_majority_n_clusters` of its ten clusters on the
# {glue:text}`ch1_worst_cluster_majority`s (upright and slanted ones are far apart in
# pixel space, as the mean images show), so one class was left without a cluster of
# its own, and the one-to-one matching handed it the spare cluster of
# {glue:text}`ch1_worst_cluster_majority`s. The {glue:text}`ch1_worst_class`s
# themselves are spread over clusters of other digits
# ({glue:text}`ch1_worst_elsewhere`).
#
# The confusions between real shapes come next: {glue:text}`ch1_shape_confusions`.
# These are digits whose strokes overlap, and whose mean images blur into one another.
# The remedy the paper follows is to change the *space*, not the clustering: next
# chapter, a convolutional autoencoder learns a 10-number code in which shapes, rather
# than pixels, are close.
#
# ## Summary
#
# - Images are clustered in two steps: learn a short code, then cluster the codes.
# - ACC maps clusters to classes one-to-one by the Hungarian method; NMI normalises
#   mutual information by a mean of two entropies, and *which* mean changes the number
#   (from {glue:text}`ch1_toy_nmi_max` to {glue:text}`ch1_toy_nmi_min` in the worked
#   example).
# - k-means on raw pixels scores ACC {glue:text}`ch1_full_acc` % on MNIST-full and
#   {glue:text}`ch1_test_acc` % on MNIST-test (the paper:
#   {glue:text}`ch1_full_paper_acc` and {glue:text}`ch1_test_paper_acc`): the first
#   row of the paper's Table 1 reproduces to within a point or two.
# - Its worst class, {glue:text}`ch1_worst_class`, is matched with a second cluster of
#   {glue:text}`ch1_worst_cluster_majority`s: pixel distance splits one digit by its
#   slant and leaves another without a cluster.
#
# ## Exercises
#
# The exercises run in quick mode too (`CAEWARD_QUICK=1`, 2,000 images), in seconds.
#
# 1. Which cluster did the matching assign to class 5, and what does it hold? Find it
#    from `mapping` and count the true classes of its images.

# %%
cluster_of_5 = [c for c, k in mapping.items() if k == 5][0]
holds = np.bincount(labels[predicted == cluster_of_5], minlength=10)
print(f"cluster {cluster_of_5} is matched with class 5; it holds, per class:")
print(holds.tolist())
# Your turn: which class is the largest in it? Which other cluster holds
# mostly that class? Show a few images of both clusters, e.g. with
# strip = images[predicted == cluster_of_5][:10]
# plt.imshow(np.hstack(strip), cmap="gray_r")

# %% [markdown]
# :::{admonition} Answer
# :class: dropdown
# In full mode it is the cluster printed above: it holds mostly 1s and few 5s.
# The 1s fill two clusters, one of upright and one of slanted strokes (their mean
# images differ, and so do their pixels), so only nine clusters are left for the other
# nine classes and the 5s, spread over the clusters of 3 and 8, get none. The Hungarian
# matching must still give each class a cluster, and 5 receives the spare cluster of
# 1s. A confusion matrix read after matching can show a "confusion" that is really a
# missing cluster.
# :::
#
# 2. Cluster MNIST-test into $k = 20$ clusters with `caeward.cluster.kmeans` and score
#    it. Does ACC go up or down compared with $k = 10$? And NMI?

# %%
x = images.reshape(len(images), -1) / 255.0
for k in (10, 20):
    found = cluster.kmeans(x, k, n_init=3, random_state=0)  # a quick look
    print(f"k = {k}: ACC {metrics.cluster_acc(labels, found):.3f}, "
          f"NMI {metrics.nmi(labels, found):.3f}")
# Your turn: try average="min" and average="max" in metrics.nmi.

# %% [markdown]
# :::{admonition} Answer
# :class: dropdown
# ACC can only use ten of the twenty clusters (the map is one-to-one), so every image
# in the ten unmatched clusters counts as wrong and ACC falls. NMI does not punish
# splitting a class into two pure halves as hard: $I(Y;C)$ stays high while $H(C)$
# grows, so arithmetic NMI falls more gently, or even rises, and the minimum-mean NMI
# rises.
# :::
#
# 3. What ACC does a clustering that puts every image in its own cluster get? What NMI
#    with the arithmetic mean, and with the maximum? Work it out, then check:

# %%
singletons = np.arange(len(labels))
print(f"ACC {metrics.cluster_acc(labels, singletons):.4f}")
# Your turn: metrics.nmi(labels, singletons, average=...), for "arithmetic"
# and for "max"

# %% [markdown]
# :::{admonition} Answer
# :class: dropdown
# ACC: only ten singletons can be matched, so ACC $= 10/N$. NMI: $I(Y;C) = H(Y)$ (the
# cluster determines the class) and $H(C) = \log N$, so the arithmetic NMI is
# $2H(Y)/(H(Y) + \log N)$, about 0.40 for MNIST-test with $H(Y) \approx \log 10$;
# with the maximum mean it is $H(Y)/\log N$, about 0.25. A clustering that is useless
# for ACC still gets a sizeable NMI: one more reason to report both.
# :::
#
# 4. Run the baseline with `n_init=1` instead of 20 over a few seeds. How much does the
#    spread across seeds grow?

# %%
accs = [metrics.cluster_acc(labels,
                            cluster.kmeans(x, 10, n_init=1, random_state=seed))
        for seed in range(3)]
print("n_init=1, ACC per seed:", np.round(accs, 3).tolist())
# Your turn: more seeds, and the same with n_init=20;
# compare np.std(accs, ddof=1).

# %% [markdown]
# :::{admonition} Answer
# :class: dropdown
# With one start, each seed keeps whatever local minimum its k-means++ start falls
# into; with 20 starts the lowest-inertia one of twenty is kept, which removes most of
# that variation. Expect a visibly larger standard deviation with `n_init=1`: this is
# why the book always states `n_init`.
# :::
