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
# On Colab, the first cell fetches the book's repository (its library, `caeward`,
# and its stored results) and installs it; Colab's own PyTorch and NumPy are kept.
# Elsewhere it does nothing: the README's set-up has installed everything.

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

# %% [markdown]
# The setup cell seeds every generator, picks the device and prints the versions,
# so that any number below can be traced to what produced it. It also says whether
# the chapter runs in *full* mode (the whole data set, what these pages show) or in
# *quick* mode (`CAEWARD_QUICK=1`: the same code on a fixed subset of 2,000 images,
# which is how the tests run it).

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from caeward import experiments, metrics
from caeward.experiments import current_budget, setup

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
images, labels = experiments.load_dataset("mnist-test", budget)  # what the runner sees
print(f"MNIST-test at the {budget.name} budget: {images.shape[0]} images of "
      f"{images.shape[1]}×{images.shape[2]} pixels, dtype {images.dtype}")
print("images per class:", np.bincount(labels).tolist())

# %%
fig, axes = plt.subplots(10, 12, figsize=(7.2, 6.2))
for digit in range(10):
    picks = np.flatnonzero(labels == digit)[:12]
    for ax, i in zip(axes[digit], picks):
        ax.imshow(images[i], cmap="gray_r")
for ax in axes.flat:
    ax.set_axis_off()
fig.suptitle("MNIST-test: the first twelve images of each class")
fig.tight_layout()
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
# \mathrm{ACC} = \max_{\mathrm{map}} \frac{1}{N} \sum_{i=1}^{N} \delta\big(r_i, \mathrm{map}(c_i)\big),
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
from scipy.optimize import linear_sum_assignment

rows, cols = linear_sum_assignment(table, maximize=True)
for r, c in zip(rows, cols):
    print(f"cluster {clusters[r]} -> class {classes[c]}  ({table[r, c]} samples agree)")
acc_by_hand = table[rows, cols].sum() / table.sum()
print(f"ACC by hand: {table[rows, cols].sum()} / {table.sum()} = {acc_by_hand:.4f}")
print(f"caeward.metrics.cluster_acc: {metrics.cluster_acc(y_true, y_pred):.4f}")
assert np.isclose(acc_by_hand, metrics.cluster_acc(y_true, y_pred))

# %% [markdown]
# Now NMI by hand, from the same table: the joint distribution is the table divided
# by $N$, the marginals are its row and column sums.

# %%
p_joint = table / table.sum()
p_cluster, p_class = p_joint.sum(axis=1), p_joint.sum(axis=0)
nz = p_joint > 0
mutual_info = np.sum(p_joint[nz] * np.log(p_joint[nz] / np.outer(p_cluster, p_class)[nz]))
h_class = -np.sum(p_class * np.log(p_class))
h_cluster = -np.sum(p_cluster * np.log(p_cluster))
print(f"I(Y;C) = {mutual_info:.4f} nats, H(Y) = {h_class:.4f}, H(C) = {h_cluster:.4f}")
by_hand = {
    "arithmetic": mutual_info / ((h_class + h_cluster) / 2),
    "geometric": mutual_info / np.sqrt(h_class * h_cluster),
    "max": mutual_info / max(h_class, h_cluster),
    "min": mutual_info / min(h_class, h_cluster),
}
for average, value in by_hand.items():
    library = metrics.nmi(y_true, y_pred, average=average)
    print(f"NMI, {average:10s} mean: by hand {value:.4f}, caeward.metrics.nmi {library:.4f}")
    assert np.isclose(value, library)

# %% [markdown]
# The same clustering gets four different NMIs, depending only on the mean in the
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
# pixels scaled to $[0, 1]$, $k = 10$. One run is one seed on one data set; each run
# stores a JSON result in the repository's `results/` folder, and a run whose result is
# there is not computed again. This cell loads the stored runs, or computes those that
# are missing after saying how long they should take.

# %%
SEEDS = [0, 1, 2, 3, 4]
runs = experiments.run_many(["pixels-kmeans"], ["mnist-full", "mnist-test"], SEEDS, budget)
summary = experiments.results_table(runs)
print(f"Budget: {budget.name}. Ours: mean ± sd over {len(SEEDS)} seeds; "
      "the paper's: its Table 1, one number each.")
experiments.format_table(summary)

# %%
for _, row in summary.iterrows():
    print(f"{row['dataset']}: ours {row['acc_mean']:.2f} ACC / {row['nmi_mean']:.2f} NMI, "
          f"the paper's {row['paper_acc']:.2f} / {row['paper_nmi']:.2f}: difference "
          f"{row['acc_mean'] - row['paper_acc']:+.2f} ACC, {row['nmi_mean'] - row['paper_nmi']:+.2f} NMI "
          f"(our seed-to-seed sd: {row['acc_sd']:.2f} ACC, {row['nmi_sd']:.2f} NMI)")
for _, row in summary.iterrows():
    print(f"{row['dataset']}: NMI {row['nmi_mean']:.3f} with the arithmetic mean, "
          f"{row['nmi_geometric_mean']:.3f} with the geometric one "
          f"(difference {row['nmi_mean'] - row['nmi_geometric_mean']:+.3f} points)")
times = pd.DataFrame([{"dataset": r.dataset, "seed": r.seed, "n": r.n_samples,
                       "seconds": r.timings["cluster_s"], "device": r.device_name,
                       "commit": (r.commit or "")[:10]} for r in runs])
times.groupby("dataset").agg(n=("n", "first"), runs=("seed", "count"),
                             median_seconds=("seconds", "median"), commit=("commit", "first"))

# %% [markdown]
# With as many clusters as classes and clusters of similar sizes, $H(C)$ is close to
# $H(Y)$ and the two NMIs nearly agree, as printed above; the choice of mean matters
# most when the number or the sizes of clusters differ from the classes', as in the
# worked example.
#
# The lines above compare our measurement with the paper's, with our spread over seeds
# beside the difference. Whatever the exact figure, it is far from the accuracies of
# the deep methods in the rest of Table 1: the pixels hold the information (people read
# these digits without trouble), but the Euclidean geometry of raw pixels does not
# group them by digit.
#
# ## What k-means on pixels gets wrong
#
# To see where it fails we cluster MNIST-test again with the runner's own method and
# seed 0, check that we get the stored result back to the last digit, and look at the
# contingency table and the cluster centres.

# %%
predicted = experiments.predict("pixels-kmeans", images, seed=0, budget=budget)
stored = next(r for r in runs if r.dataset == "mnist-test" and r.seed == 0)
acc_again = metrics.cluster_acc(labels, predicted)
print(f"ACC now {acc_again:.6f}, stored {stored.acc:.6f}")
assert acc_again == stored.metrics["acc"], "the stored result does not reproduce"

# %%
mapping = metrics.best_mapping(labels, predicted)
cluster_order = sorted(mapping, key=mapping.get)  # clusters in the order of their class
conf, clusters_, classes_ = metrics.contingency(labels, predicted)
conf = pd.DataFrame(conf, index=clusters_, columns=classes_).loc[cluster_order]
fig, ax = plt.subplots(figsize=(6.4, 5.2))
sns.heatmap(conf / conf.sum(axis=0), annot=conf.values, fmt="d", cmap="Blues", cbar=False,
            ax=ax, annot_kws={"fontsize": 7})
ax.set_yticklabels([f"{c} → {mapping[c]}" for c in cluster_order], rotation=0)
ax.set_xlabel("true class")
ax.set_ylabel("cluster → matched class")
ax.set_title("k-means on pixels, MNIST-test, seed 0\n(counts; colour: share of each class)")
fig.tight_layout()
plt.show()

# %%
fig, axes = plt.subplots(1, 10, figsize=(9, 1.4))
x = images.reshape(len(images), -1) / 255.0
for ax, c in zip(axes, cluster_order):
    ax.imshow(x[predicted == c].mean(axis=0).reshape(28, 28), cmap="gray_r")
    ax.set_title(f"→ {mapping[c]}", fontsize=9)
    ax.set_axis_off()
fig.suptitle("k-means centres (mean image of each cluster), labelled with their matched class", fontsize=10)
fig.tight_layout()
plt.show()

# %%
matched_class = np.array([mapping[c] for c in cluster_order])
recall = conf.values[np.arange(10), matched_class] / conf.values.sum(axis=0)[matched_class]
per_class = pd.Series(recall, index=matched_class).sort_index()
print("share of each class that lands in its matched cluster:")
print(per_class.round(3).to_string())

# The largest confusions: images of class a that sit in the cluster matched with class b.
confusions = [(int(conf.iloc[i][a]), a, b) for i, b in enumerate(matched_class)
              for a in conf.columns if a != b]
print("\nlargest confusions (images of a class in the cluster matched with another):")
for count, a, b in sorted(confusions, reverse=True)[:6]:
    print(f"  {count:5d} images of {a} in the cluster of {b}")

# %% [markdown]
# The centres are blurred averages of several shapes, and the largest confusions
# printed above are between digits that share many inked pixels. The remedy the paper
# follows is to change the *space*, not the clustering: next chapter, a convolutional
# autoencoder learns a 10-number code in which shapes, rather than pixels, are close.
#
# ## Summary
#
# - Images are clustered in two steps: learn a short code, then cluster the codes.
# - ACC maps clusters to classes one-to-one by the Hungarian method; NMI normalises
#   mutual information by a mean of two entropies, and *which* mean changes the number.
# - k-means on raw pixels, the first row of Table 1, is measured above over five seeds
#   on both data sets, beside the paper's numbers.
#
# ## Exercises
#
# 1. Cluster MNIST-test into $k = 20$ clusters with `caeward.cluster.kmeans` and score
#    it. Does ACC go up or down compared with $k = 10$? And NMI?
#
# :::{admonition} Answer
# :class: dropdown
# ACC can only use ten of the twenty clusters (the map is one-to-one), so every image
# in the ten unmatched clusters counts as wrong and ACC falls. NMI does not punish
# splitting a class into two pure halves as hard: $I(Y;C)$ stays high while $H(C)$
# grows, so arithmetic NMI falls more gently, and the minimum-mean NMI can even rise.
# :::
#
# 2. What ACC does a clustering that puts every image in its own cluster get? What NMI
#    with the arithmetic mean, and with the maximum?
#
# :::{admonition} Answer
# :class: dropdown
# ACC: only ten singletons can be matched, so ACC $= 10/N$. NMI: $I(Y;C) = H(Y)$ (the
# cluster determines the class) and $H(C) = \log N$, so the arithmetic NMI is
# $2H(Y)/(H(Y) + \log N)$, about 0.40 for MNIST-test with $H(Y) \approx \log 10$;
# with the maximum mean it is $H(Y)/\log N$, about 0.25. A clustering that is useless
# for ACC still gets a sizeable NMI: one more reason to report both.
# :::
#
# 3. Run the baseline with `n_init=1` instead of 20 (call `caeward.cluster.kmeans`
#    directly) over a few seeds. How much does the spread across seeds grow?
#
# :::{admonition} Answer
# :class: dropdown
# With one start, each seed keeps whatever local minimum its k-means++ start falls
# into; with 20 starts the lowest-inertia one of twenty is kept, which removes most of
# that variation. Expect a visibly larger standard deviation with `n_init=1`: this is
# why the book always states `n_init`.
# :::
