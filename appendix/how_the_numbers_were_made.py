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
# # How the numbers were made
#
# The chapters state what the numbers show; this appendix keeps the ledger behind
# them. It lists, for every chapter, the runs that are stored and the commands that
# compute the missing ones; where and from which commit each stored run was made;
# what the runs cost, stage by stage and in all; the check that decided the book
# trains in float32; the raw benchmark tables; and how the trainings that figures
# are drawn from relate to the stored runs. Everything here is printed by code from
# the result files under `results/`, as in the chapters.

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
import pandas as pd

from caeward import experiments, metrics
from caeward.experiments import bf16_twin, current_budget, setup
from caeward.experiments.book import glue, show_table
from caeward.experiments.ledger import (RUN_GROUPS, benchmark_frames, provenance_frame,
                                        stage_costs)
from caeward.experiments.precision import (PRECISION_METHODS, bf16_verdicts,
                                           precision_frame)
from caeward.experiments.settings import benchmarks_dir

device = setup(seed=0)
budget = current_budget()
twin = bf16_twin(budget)

# %% [markdown]
# ## Stored and missing runs
#
# Each chapter reads the runs of a group of methods, data sets and seeds. For each
# group: how many are stored at this budget, an estimate of what the missing ones
# would take (from the stored runs' own timings), and the commands that compute
# them. `python -m caeward campaign` runs many of them at once, on every GPU at hand
# (see *The experiment machinery*).

# %%
stored = []
for group, (methods, datasets, seeds) in RUN_GROUPS.items():
    print(f"{group}:")
    stored += experiments.run_many(methods, datasets, seeds, budget, missing="report")
    print()

# %% [markdown]
# ## Where each run was made
#
# The device and the commit of every stored run, per method and data set. A seed
# fixes a training only on one kind of processor (chapter 4 and
# `caeward.runtime.seed_everything` say why), so a row that names two devices holds
# trainings of different machines. `dirty` marks runs made with uncommitted changes.

# %%
show_table(provenance_frame(stored), drop_constant=False)

# %% [markdown]
# ## What each stage costs
#
# The median wall time of each stage, in seconds, per method and device: pretraining
# the autoencoder (each row that shares a training reports the training's own time),
# self-training (DEC, IDEC, DCEC), the manifold step (chapter 6), clustering, and
# the whole run. MNIST-full:

# %%
show_table(stage_costs(stored, "mnist-full"), drop_constant=False)

# %% [markdown]
# MNIST-test:

# %%
show_table(stage_costs(stored, "mnist-test"), drop_constant=False)

# %% [markdown]
# What all the stored runs cost together, per kind of device, in hours: each
# training and each embedding counted once however many rows share it, and a
# training that continued a shorter one (the epochs ablation) only for the epochs it
# added (`caeward.experiments.compute_spent`). Time lost to interrupted runs is not
# in it.

# %%
twin_runs = experiments.run_many(list(PRECISION_METHODS), ["mnist-test"], [0, 1, 2],
                                 twin, missing="skip")
spent = experiments.compute_spent(stored + twin_runs).round(2)
show_table(spent.reset_index(), drop_constant=False)

# %% [markdown]
# ## Float32 or bfloat16
#
# Pretraining could run under bfloat16 autocast, which is faster on some CPUs
# (the throughput benchmark below measures by how much). The book trains in float32
# unless a check passes, with its rule fixed before any bf16 run
# (`caeward.experiments.precision`): the proposed CAE retrained on MNIST-test under
# bf16 passes if, for k-means and for Ward, its mean ACC and mean NMI lie within one
# float32 standard deviation of the float32 mean. In quick mode the check first
# trains one bf16 seed on the small subset.

# %%
if budget.name == "quick":
    twin_runs = experiments.run_many(list(PRECISION_METHODS), ["mnist-test"], [0], twin)
frame = precision_frame(stored + twin_runs)
check = bf16_verdicts(frame)
show_table(check, drop_constant=False)

# %% tags=["hide-input"]
passes = len(check) and check["within one sd"].all()
glue("app_bf16_passes", "passes: bf16 may be used" if passes
     else "fails: the book keeps float32 for every row")
recon = frame.drop_duplicates(["precision", "seed"]).groupby("precision")["recon_mse"]
for precision, values in recon:
    glue(f"app_recon_{precision}", f"{values.mean():.5f}")

# %% [markdown]
# The check {glue:text}`app_bf16_passes`. It asks whether the precision leaves the
# experiment unchanged, not whether it helps: a difference in bf16's favour fails it
# as surely as one against it. The label-free reconstruction error, which varies far
# less from seed to seed than ACC, is {glue:text}`app_recon_float32` in float32 and
# {glue:text}`app_recon_bf16` in bf16 (mean per pixel over the trainings).
#
# ## The figures' trainings
#
# Figures that look at codes or networks draw them from one training each: from this
# machine's cache when it holds them, else from the codes and weights committed
# under `results/codes/`, so that every reader's machine draws the same figure
# without training. A seed fixes a training only on one kind of processor, so those
# trainings need not be the ones behind the stored runs. The check: a training is
# the stored run's own when their per-epoch losses agree to the last digit
# (`experiments.trained_as_stored`); then the clustering recomputed from it must give
# the stored ACC exactly, and the cell asserts it.

# %%
FIGURE_TRAININGS = [  # chapter, autoencoder, a method on its codes, data set, seed
    (2, "sae", "sae-kmeans", "mnist-test", 0),
    (2, "cae", "cae-kmeans", "mnist-test", 0),
    (4, "cae", "cae-ward", "mnist-test", 0),
    (4, "proposed", "proposed-ward", "mnist-test", 0),
    (6, "cae", "cae-ward", "mnist-full", 2),
    (6, "cae", "cae-ward", "mnist-test", 2)]
origin = {"cache": "this machine's cache", "committed": "results/codes",
          "trained": "trained just now"}
rows = []
for chapter, autoencoder, method, dataset, seed in FIGURE_TRAININGS:
    images, labels = experiments.load_dataset(dataset, budget)
    codes, info = experiments.trained_codes(autoencoder, images, budget, seed=seed,
                                            device=device)
    if budget.name == "quick":
        experiments.run_many([method], [dataset], [seed], budget)
    stored_runs = experiments.run_many([method], [dataset], [seed], budget,
                                       missing="skip")
    for run in stored_runs:
        here = metrics.cluster_acc(labels, experiments.predict(
            method, images, seed=seed, budget=budget, device=device, progress=False))
        same = experiments.trained_as_stored(run, info)
        if same:
            assert abs(here - run.metrics["acc"]) < 1e-12, method
        rows.append({"chapter": chapter, "run": f"{method}, {dataset}, seed {seed}",
                     "codes from": origin[info["source"]],
                     "trained on": info.get("trained_on", {}).get("device_name", "?"),
                     "the stored run's training": "yes" if same else "no: a retraining",
                     "ACC here": 100 * here, "ACC stored": 100 * run.metrics["acc"]})
show_table(pd.DataFrame(rows), drop_constant=False)

# %% [markdown]
# Where a row says *a retraining*, the pair of ACCs is worth a look: same code, same
# seed, same data, another processor. What differs is rounding in the last bits,
# grown over 200 epochs; Ward's cut at ten clusters falls among a few top merges of
# nearly equal height (chapter 6 measures how close), so a small change to the codes
# can swap which two digit groups end up joined.
#
# ## The benchmark tables
#
# Every benchmark the book quotes, as its script wrote it (`tools/benchmark_*.py`;
# each file also records the commit, versions and settings): the training throughput
# per autoencoder and precision, processes side by side on one GPU, and Ward's
# implementations up to the largest sizes measured.

# %%
for title, table in benchmark_frames(benchmarks_dir()):
    print(title)
    columns = list(table.columns)
    for start in range(0, len(columns), 8):  # the widest tables in two parts
        display(show_table(table[columns[start:start + 8]], drop_constant=False))
