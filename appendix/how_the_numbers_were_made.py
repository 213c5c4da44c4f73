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
# # How the numbers were made
#
# The chapters state what the numbers show; this appendix keeps the ledger behind
# them. It lists, for every chapter, the runs that are stored and the commands that
# compute the missing ones; what the runs cost in all; the check that decided the
# book trains in float32; how the trainings that figures are drawn from relate to
# the stored runs; the studies beyond single runs; and how long each chapter takes
# to rerun. The next appendix, *The full ledger*, has the long tables: where each
# run was made, what each stage costs, and the raw benchmarks. Everything here is
# printed by code from the result files under `results/`, as in the chapters.

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
import io
from contextlib import redirect_stdout
from pathlib import Path

import pandas as pd

from caeward import experiments, metrics
from caeward.experiments import (AUTOENCODER_NAMES, bf16_twin, current_budget,
                                 setup)
from caeward.experiments.views.book import glue, show_table
from caeward.experiments.views.ledger import RUN_GROUPS, chapter_times, fit_report
from caeward.experiments.precision import (PRECISION_METHODS, bf16_verdicts,
                                           precision_frame)
from caeward.experiments.settings import benchmarks_dir

ROOT = next(p for p in (Path.cwd(), *Path.cwd().parents)
            if (p / "_config.yml").exists())

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
    report = io.StringIO()  # the runner's report, fitted to the page
    with redirect_stdout(report):
        stored += experiments.run_many(methods, datasets, seeds, budget,
                                       missing="report")
    print(f"{group}:\n{fit_report(report.getvalue())}\n")

# %% [markdown]
# Where and from which commit each run was made, and what each of its stages costs,
# are in the next appendix, *The full ledger*, with the raw benchmark tables.
#
# ## What the runs cost together
#
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
if budget.is_quick:
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
# without training. A seed fixes a training only on one kind of processor, so codes
# of a seed need not be the training behind the stored run of that seed. The check:
# a training is the stored run's own when their per-epoch losses agree to the last
# digit (`experiments.trained_as_stored`); then the clustering recomputed from it must
# give the stored ACC exactly, and the cell asserts it. Chapters 3, 4 and 5 pick,
# per autoencoder, the first seed whose codes pass this check
# (`experiments.stored_run_codes`); the table lists, for every training whose codes
# are committed or cached, whether it is a stored run's.

# %% tags=["hide-input"]
FIGURE_TRAININGS = [  # autoencoder, a method on its codes, data set
    ("sae", "sae-kmeans", "mnist-test"), ("cae", "cae-ward", "mnist-test"),
    ("proposed", "proposed-ward", "mnist-test"), ("cae", "cae-ward", "mnist-full")]
FIXED = {("sae", "mnist-test", 0): "2", ("cae", "mnist-test", 0): "2",  # fixed seeds
         ("cae", "mnist-test", 2): "6", ("cae", "mnist-full", 2): "4, 6"}
PICKED = {("cae", "mnist-test"): "3, 4, 5", ("proposed", "mnist-test"): "4, 5"}
origin = {"cache": "this machine's cache", "committed": "results/codes"}
every = experiments.load_results(budget)
rows = []
for autoencoder, method, dataset in FIGURE_TRAININGS:
    images, labels = experiments.load_dataset(dataset, budget)
    picked = False
    for seed in range(10):
        found = experiments.codes_at_hand(autoencoder, images, budget, seeds=[seed])
        if found is None:
            continue
        _, codes, info = found
        runs = [r for r in every
                if (r.method, r.dataset, r.seed) == (method, dataset, seed)]
        same = bool(runs) and experiments.trained_as_stored(runs[0], info)
        here = metrics.cluster_acc(labels, experiments.predict(
            method, images, seed=seed, budget=budget, device=device, progress=False))
        if same:
            assert abs(here - runs[0].acc) < 1e-12, method
        users = [FIXED.get((autoencoder, dataset, seed))]
        if same and not picked and (autoencoder, dataset) in PICKED:
            users.append(PICKED[(autoencoder, dataset)])  # the first stored training
            picked = True
        used = sorted({c for u in users if u for c in u.split(", ")})
        rows.append({"used by chapters": ", ".join(used) or "none",
                     "method": method, "codes": f"{dataset}, seed {seed}",
                     "from": origin[info["source"]],
                     "a stored run's training": "yes" if same else
                     ("no: another training" if runs else "no run of it is stored"),
                     "ACC here": 100 * here,
                     "ACC stored": 100 * runs[0].acc if runs else float("nan")})
show_table(pd.DataFrame(rows), drop_constant=False)

# %% [markdown]
# Where a row says *another training*, the pair of ACCs is worth a look: same code,
# same seed, same data, another processor. What differs is rounding in the last bits,
# grown over 200 epochs; Ward's cut at ten clusters falls among a few top merges of
# nearly equal height (chapter 6 measures how close), so a small change to the codes
# can swap which two digit groups end up joined. Chapters 3, 4 and 5 show only
# trainings marked *yes* (the first such seed of each autoencoder); where an
# autoencoder has none, a chapter leaves its panels out and says so. Chapters 2 and 6
# draw from the fixed seeds listed, whatever their row says.
#
# Not every stored run's training can be drawn. Table 1's rows on the codes of DCEC's
# CAE and the proposed CAE, the rows the verdicts read, rest on stored trainings
# whose own codes are at hand as follows:
# {glue:text}`app_codes_missing` The missing ones ran on machines whose caches are
# gone, before each new training committed its codes; training their seeds again
# here would give other trainings (see above), so those runs keep their numbers and
# have no figures.

# %% tags=["hide-input"]
table1 = [r for r in every if r.method in experiments.TABLE1_METHODS]
methods_on = {autoencoder: [m for m in experiments.TABLE1_METHODS
                            if experiments.METHODS[m].representation.autoencoder
                            == autoencoder] for autoencoder in AUTOENCODER_NAMES}
phrases = []
for dataset in ("mnist-test", "mnist-full"):
    images, _ = experiments.load_dataset(dataset, budget)
    parts = []
    for autoencoder, name in AUTOENCODER_NAMES.items():
        own = experiments.own_codes_by_seed(autoencoder, images, budget, table1,
                                            methods_on[autoencoder], dataset)
        missing = ", ".join(str(seed) for seed, at_hand in own.items() if not at_hand)
        if own:
            parts.append(f"{sum(own.values())} of {name}'s {len(own)} trainings"
                         + (f" (seeds {missing} missing)" if missing else ""))
    if parts:
        phrases.append(f"on {dataset}, " + " and ".join(parts))
sentence = "; ".join(phrases) + "." if phrases else "none is stored."
glue("app_codes_missing", sentence[0].upper() + sentence[1:])

# %% [markdown]
# ## Studies beyond single runs
#
# Chapter 5's tree purities, chapter 8's folder guide and its clustimage benchmark
# are not runs of one method on one data set but tables computed over many; each is
# one sealed file (its SHA-256 checked when read) that a stopped computation resumes.
# The command that makes each, how many rows it holds, whether it is complete, and
# where and from which commit it was made:

# %% tags=["hide-input"]
from caeward.experiments.artefacts import read_sealed
from caeward.experiments.settings import results_root

GUIDE = "python tools/folder_guide.py"
STUDIES = [("tree-purity/full.json", "python tools/tree_purity.py")]
STUDIES += [(f"own-images/folder-guide-{name}-full.json", GUIDE)
            for name in ("mnist-test", "digits", "mnist-test-unequal", "lfw")]
STUDIES += [("benchmarks/clustimage-folders.json",
             "python tools/benchmark_clustimage.py")]
studies = []
for name, command in STUDIES:
    path = results_root() / name
    if not path.exists():
        studies.append({"file": name, "command": command, "rows": 0,
                        "complete": "missing"})
        continue
    data = read_sealed(path)
    studies.append({"file": name, "command": command, "rows": len(data["rows"]),
                    "complete": "yes" if data.get("complete") else "no (resumes)",
                    "commit": str(data.get("commit", "?"))[:7],
                    "made": str(data.get("created", "?"))[:10],
                    "device": data.get("device_name", "?")})
show_table(pd.DataFrame(studies), drop_constant=False)

# %% [markdown]
# ## How long each chapter takes to rerun
#
# The wall time of executing each notebook from its source
# (`tools/execute_chapters.py`, which records it in
# `results/benchmarks/chapter-times.json`), in quick mode (`CAEWARD_QUICK=1`, the
# 2,000-image subset) and in full mode (the stored runs, as these pages show them).
# Neither mode trains what is stored or committed; a missing run or training would
# add its own time (the first section above estimates it). Measured on
# {glue:text}`app_times_machine`, which other work shared: the load average at the
# start of each run is beside its time, and above the number of cores the times run
# long (a quiet machine is faster).

# %% tags=["hide-input"]
notebooks = (["intro.py"] + sorted(f"chapters/{p.name}" for p in
                                   (ROOT / "chapters").glob("[0-9]*.py"))
             + ["appendix/how_the_numbers_were_made.py", "appendix/the_full_ledger.py"])
times = chapter_times(benchmarks_dir(), notebooks)
machines = sorted(set(times["machine"]) - {"–"})
glue("app_times_machine", "; ".join(machines) or "–")
show_table(times.drop(columns=["machine", "measured"]) if len(machines) == 1 else times,
           drop_constant=False)

