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
from caeward.experiments.results import mean_sd, mean_sd_text

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
# ## From a folder of files
#
# Your images are more likely files in a folder than a NumPy array.
# `python -m caeward cluster FOLDER --out DIR` reads every image under FOLDER
# (PNG, JPEG, BMP, GIF, TIFF, WebP, in subfolders too), makes it grey, fits it into a
# square of `--side` pixels (28 by default) by padding, so its aspect is kept,
# clusters the images and writes `labels.csv`, one contact sheet per cluster, the
# dendrogram with its cut and `report.html`, a page that opens offline. Files it cannot
# read are listed with the reason and skipped. FOLDER is never written. The same is
# one function, `caeward.folder_cli.cluster_folder`:
#
# ```bash
# python -m caeward cluster my-images/ --out my-clusters
# python -m caeward cluster my-images/ --out my-clusters --k auto --recipe cae-ward
# ```
#
# Here 300 of the digits are written as PNG files into a temporary folder, with a
# file that is not an image among them, and clustered with the command's defaults
# except the side: these images are 16×16, so `side=16` keeps them as they are.

# %%
import tempfile
from pathlib import Path

from PIL import Image
from IPython.display import Image as ShowImage

from caeward.folder_cli import cluster_folder
from caeward.recipes import DEFAULT_EPOCHS, DEFAULT_RECIPE, RECIPES

work = Path(tempfile.mkdtemp())
folder = work / "digits"
for i in range(300):
    sub = folder / f"batch{i // 100}"
    sub.mkdir(parents=True, exist_ok=True)
    pixels = (255 * images[i]).astype(np.uint8)
    Image.fromarray(pixels).save(sub / f"{i:03d}-digit{labels[i]}.png")
(folder / "README.txt").write_text("not an image")

epochs = DEFAULT_EPOCHS if budget.name == "full" else budget.cae_epochs
done = cluster_folder(folder, work / "clusters", k=10, epochs=epochs, side=16,
                      progress=False)
print(f"recipe {DEFAULT_RECIPE}: {RECIPES[DEFAULT_RECIPE]}; {epochs} epochs")
print(f"{len(done.paths)} images in {done.result.n_clusters} clusters, "
      f"{done.seconds:.0f} s; skipped: {done.skipped}")
written = sorted(p.relative_to(done.out).as_posix() for p in done.out.rglob("*"))
print(written[:5], "...")
print((done.out / "labels.csv").read_text().splitlines()[:3])
ShowImage(filename=str(done.out / "clusters" / "cluster-00.png"))

# %% [markdown]
# Above is the contact sheet of the first cluster, as the report shows it. The names
# of the files carry the true digit, so the labels can be scored:

# %%
truth = [int(p.split("digit")[1][0]) for p in done.paths]
print(f"ACC {100 * metrics.cluster_acc(np.array(truth), done.labels):.2f}, "
      f"NMI {100 * metrics.nmi(np.array(truth), done.labels):.2f} on these 300 images")

# %% [markdown]
# ## Which recipe? A measured guide
#
# The command can run five recipes (`--recipe`). Three cluster the pixels: k-means,
# Ward, and Ward on a UMAP embedding of the pixels. Two cluster the codes of the
# proposed CAE: Ward (the paper's method) and Ward on a UMAP embedding of the codes
# (chapter 6, as N2D does; not the paper's method). Each ran on three image sets
# with three seeds (two in quick mode): the digits above; MNIST-test; and a fixed
# subset of MNIST-test whose class sizes fall from 400 images of zeros to 40 of nines,
# 10:1, as a folder of real images rarely holds equal classes.
#
# The CAE budget differs by set, as CPU time is the cost: on MNIST-test the runs are
# the book's stored 200-epoch trainings of chapters 4 and 6 (read, not recomputed);
# the digits get 20 epochs and the unequal subset 10, in batches of 64 (the command's
# default) so that even a short training makes hundreds of steps; still a small
# budget: on those two sets the CAE recipes are measured short of what a long
# training may give. Time is the process's CPU
# seconds, single-threaded, training included (for the stored MNIST-test runs, the
# single-threaded wall seconds their result files record). The files, with their
# commit, settings, device and versions, are `results/own-images/guide-*.json`.

# %%
from caeward.experiments.book import glue as glue_text
from caeward.experiments.book import show_table
from caeward.experiments.guide import (
    GUIDE_SETS, guide_runs, guide_table, recommend)

runs = {name: guide_runs(name, budget, device=device) for name in GUIDE_SETS}
table = guide_table(runs)
shown = pd.DataFrame({
    "image set": table["set"].map(GUIDE_SETS),
    "recipe": table["recipe"],
    "runs": table["runs"],
    "ACC": [mean_sd_text(m, s) for m, s in zip(table["acc"], table["acc_sd"])],
    "NMI": [mean_sd_text(m, s) for m, s in zip(table["nmi"], table["nmi_sd"])],
    "CPU s": table["seconds"].round(0).astype(int),
})
show_table(shown, drop_constant=False)

# %% tags=["hide-input"]
advice = recommend(table)
unknown, fast = advice["unknown"], advice["fast"]
glue_text("guide_unknown", unknown)
glue_text("guide_unknown_text", RECIPES[unknown])
glue_text("guide_unknown_acc", advice["mean_acc"][unknown])
cheap = advice["no_training"]
glue_text("guide_fast", (
    f"`{fast}` is the quickest recipe within 5 points of that average "
    f"({advice['mean_acc'][fast]:.2f} ACC in {advice['seconds'][fast]:.0f} CPU seconds)"
    if fast != unknown else "no recipe within 5 points of that average is quicker"))
glue_text("guide_cheap", cheap)
glue_text("guide_cheap_acc", advice["mean_acc"][cheap])
glue_text("guide_cheap_s", advice["seconds"][cheap], "{:.0f}")
glue_text("guide_unknown_s", advice["seconds"][unknown], "{:.0f}")
glue_text("guide_paper_acc", advice["mean_acc"]["cae-ward"])
glue_text("guide_paper_rank", 1 + sorted(advice["mean_acc"].values(), reverse=True)
          .index(advice["mean_acc"]["cae-ward"]), "{:d}")
for name in GUIDE_SETS:
    best = advice["per_set"][name]
    row = table[(table["set"] == name) & (table["recipe"] == best)].iloc[0]
    key = name.replace("-", "_")
    glue_text(f"guide_best_{key}", best)
    glue_text(f"guide_best_{key}_acc", row["acc"])
matches = unknown == DEFAULT_RECIPE
glue_text("guide_default", DEFAULT_RECIPE)
glue_text("guide_default_matches",
          "is the one this guide recommends" if matches else
          f"is not the one this guide recommends ({unknown}); pass --recipe {unknown}")
glue_text("guide_default_paper",
          "the paper's method" if DEFAULT_RECIPE == "cae-ward" else
          "not the paper's method (that is cae-ward)")
print(f"recommended for an unknown image set: {unknown}; "
      f"the command's default: {DEFAULT_RECIPE}")

# %% [markdown]
# ### The decision guide
#
# - **Images you know nothing about:** {glue:text}`guide_unknown`
#   ({glue:text}`guide_unknown_text`), the highest ACC averaged over the three sets,
#   {glue:text}`guide_unknown_acc`, at {glue:text}`guide_unknown_s` CPU seconds for
#   the three sets together. The command's default, {glue:text}`guide_default`,
#   {glue:text}`guide_default_matches`; it is {glue:text}`guide_default_paper`.
# - **Little time:** {glue:text}`guide_fast`. Without training a network, the best is
#   {glue:text}`guide_cheap` ({glue:text}`guide_cheap_acc` ACC averaged, in
#   {glue:text}`guide_cheap_s` CPU seconds for the three sets together).
# - **Per set**, the best recipe was {glue:text}`guide_best_digits16` on the digits
#   ({glue:text}`guide_best_digits16_acc`), {glue:text}`guide_best_mnist_test` on
#   MNIST-test ({glue:text}`guide_best_mnist_test_acc`) and
#   {glue:text}`guide_best_mnist_test_unequal` on the unequal subset
#   ({glue:text}`guide_best_mnist_test_unequal_acc`).
# - **The paper's recipe** (`cae-ward`) averages {glue:text}`guide_paper_acc` and ranks
#   {glue:text}`guide_paper_rank` of five: its codes need the long training that
#   MNIST-test got to pay off, and UMAP on top of them is what chapter 6 found.
#
# Three image sets of handwritten digits are not every image set. Photographs, where
# the pixels say little about the content, are where a learned code has most to
# offer and where this guide has no measurement; check a recipe's contact sheets
# before trusting its clusters.
#
# ## Summary
#
# - `CAEWard` is a scikit-learn estimator: images in, `labels_`, `linkage_`,
#   `children_` and `distances_` out; pixel values are refused, not rescaled,
#   unless you ask.
# - `python -m caeward cluster FOLDER --out DIR` goes from a folder of files to labels,
#   contact sheets, a dendrogram and a report; `--recipe` picks one of five recipes,
#   `--k auto` chooses the number of clusters (chapter 7).
# - The measured guide above, not the paper, decides the default recipe.
#
# ## Exercise
#
# Cluster the folder of 300 digits above with the recipe `kmeans-pixels` and with
# `ward-pixels`, and score both from the file names as above. Which is better here,
# and does it agree with the guide's table for the digits?

# %% tags=["hide-cell"]
# Answer
for recipe in ("kmeans-pixels", "ward-pixels"):
    other = cluster_folder(folder, work / recipe, k=10, recipe=recipe, side=16,
                           progress=False)
    acc = metrics.cluster_acc(np.array(truth), other.labels)
    print(f"{recipe}: ACC {100 * acc:.2f} on the 300 digits")

# %% [markdown]
# ## Exercise: the estimator
#
# Fit `CAEWard(n_clusters=10, architecture="cae", epochs=20, random_state=0)` on the
# same images in quick mode (`CAEWARD_QUICK=1`) and compare its ACC with the proposed
# encoder's. Then pass the images multiplied by 16 and read the error; fix it once with
# `scaling="dataset"` and once by dividing yourself.
