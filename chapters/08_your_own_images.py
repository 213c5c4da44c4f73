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
# # Clustering your own images
#
# **What you will learn.** How to run the paper's method on images of your own with
# `caeward.CAEWard`, a scikit-learn estimator: what input it takes and how pixel values
# must be scaled; what it gives back (flat clusters, the linkage matrix, the codes); how
# to read the dendrogram and choose the number of clusters, or a distance threshold
# instead; and how it compares with k-means and Ward on the raw pixels, on a data set
# that is not MNIST.
#
# **What you need.** Chapter 3 (Ward linkage and its dendrogram). The images here are
# scikit-learn's handwritten digits {cite}`pedregosa2011sklearn`, which ship with the
# library, so nothing is downloaded.

# %% [markdown]
# ## Setup

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
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from myst_nb import glue
from scipy.cluster import hierarchy as sch

from caeward import CAEWard, cluster, metrics
from caeward.experiments import current_budget, setup
from caeward.experiments.own_images import caeward_settings, digits_runs, load_digits16
from caeward.experiments.results import mean_sd

device = setup(seed=0)
budget = current_budget()

# %% [markdown]
# ## The images
#
# `load_digits` holds 1,797 handwritten digits of 8×8 pixels with values 0 to 16.
# The convolutional autoencoders halve the image twice and need a side that is a
# multiple of 4 and at least 12, so each pixel is repeated 2×2 to make 16×16 images,
# and the values are divided by 16 to lie in [0, 1].

# %%
images, labels = load_digits16(budget)
print(f"{len(images)} images of {images.shape[1]}×{images.shape[2]} pixels, "
      f"values {images.min():.0f} to {images.max():.0f}, "
      f"classes {np.bincount(labels).tolist()}")

fig, axes = plt.subplots(2, 10, figsize=(7, 1.7))
firsts = [np.flatnonzero(labels == d)[j] for j in range(2) for d in range(10)]
for ax, i in zip(axes.flat, firsts):
    ax.imshow(images[i], cmap="gray_r")
    ax.set_axis_off()
fig.tight_layout()
plt.show()

# %% [markdown]
# ## One fit
#
# `CAEWard` takes images as `(n, h, w)`, `(n, 1, h, w)` or flattened `(n, h*w)`.
# Pixel values must be `uint8` (divided by 255) or lie in [0, 1]; anything else is
# refused with a message saying how to scale, or rescaled because you asked
# (`scaling="dataset"` or `scaling="image"`). `fit` pretrains the autoencoder, embeds
# the images and builds the Ward tree of their codes; it leaves your random generators
# as it found them.

# %%
settings = caeward_settings(budget)  # proposed CAE, 50 epochs (2 in quick mode), Ward
print(settings)
model = CAEWard(n_clusters=10, **settings, device=device, random_state=0)
start = time.perf_counter()
model.fit(images)
fit_s = time.perf_counter() - start
acc = metrics.cluster_acc(labels, model.labels_)
nmi = metrics.nmi(labels, model.labels_)
print(f"{model.n_clusters_} clusters in {fit_s:.0f} s: "
      f"ACC {100 * acc:.2f}, NMI {100 * nmi:.2f}")
print(f"codes {model.embedding_.shape}, linkage matrix {model.linkage_.shape}, "
      f"{len(model.loss_curve_)} epochs, last loss {model.loss_curve_[-1]:.4f}")

# %% [markdown]
# `transform` gives the codes of new images under the fitted autoencoder (there is no
# `predict`: an agglomerative tree has no rule for placing a new point; cluster the
# codes of old and new images together, or train a classifier on the labels it found).

# %%
print(model.transform(images[:3]).round(2))

# %% [markdown]
# ## Against the pixels, over seeds
#
# One run says little: chapter 4 showed how much a seed moves Ward on codes. The stored
# runs below fit `CAEWard` with the settings above and three seeds (two in quick mode),
# and set it beside k-means on the pixels (20 restarts, same seeds) and Ward on the
# pixels (no seed).

# %%
runs = digits_runs(budget, device=device)
frame = pd.DataFrame(runs["rows"])
summary = (frame.groupby("method", sort=False)
           .agg(runs=("acc", "size"), ACC=("acc", lambda v: mean_sd(100 * v)),
                NMI=("nmi", lambda v: mean_sd(100 * v)),
                seconds=("seconds", "median"))
           .round({"seconds": 1}))
display(summary)

# %% tags=["hide-input"]
acc_means = frame.groupby("method", sort=False)["acc"].mean() * 100
ours = float(acc_means["CAEWard (proposed CAE + Ward)"])
kmeans_acc = float(acc_means["k-means on pixels"])
ward_acc = float(acc_means["Ward on pixels"])
best = "above" if ours > max(kmeans_acc, ward_acc) else "not above"
glue("own_caeward_acc", ours, display=False)
glue("own_kmeans_acc", kmeans_acc, display=False)
glue("own_ward_acc", ward_acc, display=False)
glue("own_n_images", len(images), display=False)
verdict = (f"{best} both pixel baselines ({ours - kmeans_acc:+.2f} points against "
           f"k-means, {ours - ward_acc:+.2f} against Ward)")
glue("own_verdict", verdict, display=False)

# %% [markdown]
# On these {glue:text}`own_n_images` images, `CAEWard`'s mean ACC is
# {glue:text}`own_caeward_acc:.2f`, {glue:text}`own_verdict`; k-means on the pixels
# reaches {glue:text}`own_kmeans_acc:.2f` and Ward on the pixels
# {glue:text}`own_ward_acc:.2f`. These are 50 epochs on 1,797 images of 16×16
# pixels, where the book trains 200 epochs on 70,000 MNIST images of 28×28. The runs'
# commit, settings, device and versions are stored with them (`results/own-images/`).

# %% [markdown]
# ## Reading the tree
#
# `linkage_` is a SciPy linkage matrix: SciPy's `dendrogram` draws it and
# `caeward.cluster.cut_linkage` cuts it at any number of clusters without refitting.
# Only the last 30 merges are drawn; each leaf is a subtree, labelled with its size.

# %%
fig, ax = plt.subplots(figsize=(7, 3))
sch.dendrogram(model.linkage_, truncate_mode="lastp", p=30, ax=ax,
               color_threshold=0, above_threshold_color="0.3", leaf_font_size=8)
ax.set_ylabel("merge height")
ax.set_title("The last 30 merges of the Ward tree of the codes")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Choosing the number of clusters
#
# Without labels, chapter 3's rule reads the tree: cut where the next merge would rise
# most above the last one kept (the largest ratio of successive merge heights). A
# distance threshold does the same job in the units of the tree: `n_clusters=None` and
# `distance_threshold=h` keep every merge below `h`, as scikit-learn's
# `AgglomerativeClustering` does.

# %%
rule = cluster.largest_gap_k(model.linkage_)
print(f"largest ratio of successive merge heights: k = {rule['k_ratio']}; "
      f"largest gap: k = {rule['k_gap']}")
heights = model.linkage_[:, 2]
threshold = float((heights[-10] + heights[-9]) / 2)  # between 10 and 9 clusters' merges
by_height = CAEWard(n_clusters=None, distance_threshold=threshold, **settings,
                    device=device, random_state=0).fit(images)
same = np.array_equal(by_height.labels_, model.labels_)
print(f"distance_threshold={threshold:.2f}: {by_height.n_clusters_} clusters, "
      f"the same partition as n_clusters=10: {same}")
glue("own_k_ratio", int(rule["k_ratio"]), display=False)

# %% [markdown]
# The ratio rule suggests {glue:text}`own_k_ratio` clusters here. Like every label-free
# rule it answers a different question than "how many classes are there": it finds where
# the tree has its most obvious break, which need not be ten digits.
#
# ## Exercise
#
# Fit `CAEWard(n_clusters=10, architecture="cae", epochs=20, random_state=0)` on the
# same images in quick mode (`CAEWARD_QUICK=1`) and compare its ACC with the proposed
# encoder's. Then pass the images multiplied by 16 and read the error; fix it once with
# `scaling="dataset"` and once by dividing yourself.
