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
# # Ward on deep convolutional codes
#
# This book reproduces, explains and extends Park and Ko, *Agglomerative Hierarchical
# Clustering Analysis with Deep Convolutional Autoencoders* {cite}`park2020`. The method
# has two steps:
#
# 1. train a **convolutional autoencoder** (CAE) whose encoder is made deeper than the
#    one of DCEC {cite}`guo2017dcec`, and keep its 10-dimensional code layer;
# 2. cluster those codes with **agglomerative hierarchical clustering under Ward
#    linkage** {cite}`ward1963` instead of k-means.
#
# The paper compares this with k-means, a stacked autoencoder plus k-means, DEC
# {cite}`xie2016dec`, IDEC {cite}`guo2017idec` and DCEC on MNIST {cite}`lecun1998mnist`,
# by clustering accuracy (ACC) and normalised mutual information (NMI).

# %% tags=["remove-cell"]
# On Colab: fetch the book's repository (its library and stored results) and install
# it; Colab's own PyTorch and NumPy are kept. Elsewhere this does nothing.
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

# %% tags=["remove-cell"]
# The landing page's numbers, pasted into the text below from the stored results.
from pathlib import Path

from caeward import experiments
from caeward.experiments import TABLE1, bf16_twin, current_budget, setup
from caeward.experiments.views.book import glue, glue_table
from caeward.experiments.views.ledger import chapter_times
from caeward.experiments.settings import benchmarks_dir
from caeward.experiments.verdicts import (MARGIN, PAPER_CLAIMS, Claim, claim_evidence,
                                          claim_verdicts, claim_words, effect_words,
                                          tally_text, verdict_grid)

setup(seed=0)
budget = current_budget()
rows = ["proposed-ward", "cae-idec", "proposed-umap-ward", "cae-skip-ward"]
methods = set(experiments.TABLE1_METHODS + rows)
if budget.is_quick:  # the tests compute the rows the page quotes, on a subset
    experiments.run_many(rows, ["mnist-test"], [0], budget)
stored = [r for r in experiments.load_results(budget) if r.method in methods]
table = experiments.results_table(stored).set_index(["method", "dataset"])
for method, dataset in table.index:
    row = table.loc[(method, dataset)]
    key = f"home_{method}_{dataset}".replace("-", "_")
    glue(key, f"{row['acc_mean']:.1f}")
    glue(f"{key}_seeds", int(row["n_seeds"]), "{:d}")
for method in ("proposed-ward", "cae-idec"):
    for dataset in experiments.DATASETS:
        paper = (TABLE1.get(method) or {}).get(dataset) or {}
        key = f"home_paper_{method}_{dataset}".replace("-", "_")
        glue(key, paper.get("acc"), "{:.1f}")
# the verdicts of chapter 4, by the same code: the two pages cannot disagree
verdicts = claim_verdicts([r for r in stored if r.method in experiments.TABLE1_METHODS])
headline, dcec = PAPER_CLAIMS[0], PAPER_CLAIMS[4]
for claim, name in ((headline, "headline"), (dcec, "dcec")):
    for dataset in experiments.DATASETS:
        found = verdicts[(verdicts["claim"] == claim.text)
                         & (verdicts["data set"] == dataset)]
        if len(found):
            tag = f"home_{name}_{dataset.replace('mnist-', '')}"
            glue(f"{tag}_word", claim_words(found.iloc[0]))
            glue(f"{tag}_evidence", claim_evidence(found.iloc[0]))
glue("home_n_verdicts", len(verdicts), "{:d}")
glue("home_n_claims", len(PAPER_CLAIMS), "{:d}")
glue("home_tally", tally_text(verdicts))
glue("home_margin", MARGIN, "{:g}")
# the manifold step by the same rule: UMAP + Ward against Ward on one training's codes
umap = Claim("UMAP before Ward lifts the proposed CAE", "beats", "proposed-umap-ward",
             "proposed-ward", paired=True)
umap_verdicts = claim_verdicts(stored, claims=[umap])
for dataset in experiments.DATASETS:
    found = umap_verdicts[umap_verdicts["data set"] == dataset]
    tag = f"home_umap_{dataset.replace('mnist-', '')}"
    glue(f"{tag}_word", effect_words(found.iloc[0]) if len(found) else "not run")
    glue(f"{tag}_evidence", claim_evidence(found.iloc[0]) if len(found) else "–")
glue_table("home_verdicts", verdict_grid(verdicts), drop_constant=False)
twin = claim_verdicts([r for r in experiments.load_results(bf16_twin(budget))
                       if r.method == "proposed-ward"], claims=[headline],
                      datasets=["mnist-test"])
twin_row = None if twin.empty else twin.iloc[0]
glue("home_bf16_n", 0 if twin_row is None else int(twin_row["n_seeds"]), "{:d}")
glue("home_bf16_evidence", "no run" if twin_row is None else claim_evidence(twin_row))
glue("home_bf16_verdict", "no verdict" if twin_row is None
     else twin_row["verdict"].split(";")[0])
root = next(p for p in (Path.cwd(), *Path.cwd().parents)
            if (p / "_config.yml").exists())
notebooks = (["intro.py"] + sorted(f"chapters/{p.name}"
                                   for p in (root / "chapters").glob("[0-9]*.py"))
             + ["appendix/how_the_numbers_were_made.py", "appendix/the_full_ledger.py"])
times = chapter_times(benchmarks_dir(), notebooks)
quick = [float(t) for t in times["quick (min)"] if t != "not measured"]
glue("home_quick_minutes", f"{min(quick):.0f} to {max(quick):.0f} minutes" if quick
     else "a few minutes")

# %% [markdown]
# ## The answer
#
# **The headline {glue:text}`home_headline_full_word` on MNIST-full and
# {glue:text}`home_headline_test_word` on MNIST-test.** The proposed CAE + Ward
# scores an ACC of {glue:text}`home_headline_full_evidence` on MNIST-full (the
# paper: {glue:text}`home_paper_proposed_ward_mnist_full`) and
# {glue:text}`home_headline_test_evidence` on MNIST-test (the paper:
# {glue:text}`home_paper_proposed_ward_mnist_test`).
# The appendix's bfloat16 check trained the same method on MNIST-test again, with
# bfloat16 arithmetic in pretraining: its {glue:text}`home_bf16_n` trainings give
# {glue:text}`home_bf16_evidence`, {glue:text}`home_bf16_verdict` under the same rule.
#
# Every claim of the paper on both data sets, as chapter 4 decides it: each verdict
# reads a 95 % confidence interval over seeds (of our mean ACC, in percent, or of a
# difference, in points), by rules fixed before the runs were read. A verdict says
# *barely* where the interval clears the paper's number or zero by less than
# {glue:text}`home_margin` point, and says how many seeds would decide it where it
# does not ([chapter 4](chapters/04_full_experiment) lists the rules).
#
# ```{glue} home_verdicts
# ```
#
# Of these {glue:text}`home_n_verdicts` verdicts ({glue:text}`home_n_claims` claims,
# each on the data sets where it was run), {glue:text}`home_tally`.
#
# ## Two ways to run it
#
# - **In Colab**, with nothing to install: the rocket button at the top of this page
#   and of every chapter opens its notebook in Colab, whose first cell fetches the
#   book's repository and installs the library; the stored results make a chapter
#   show its numbers in minutes.
# - **On your machine**, with Python ≥ 3.10 and `make`, from the repository's root
#   (the README's two commands):
#
#   ```bash
#   make book   # build the book into _build/html, with zero warnings
#   make test   # all tests in quick mode: the library, and every chapter end to end
#   ```
#
# ## Beyond the verdicts
#
# - **Ward's ACC is brittle at ten clusters**: it moves by several points from seed
#   to seed while NMI barely moves, because the cut falls among a few merges of
#   nearly equal height ([chapters 4](chapters/04_full_experiment) and
#   [6](chapters/06_beyond_the_paper)).
# - **Skip connections ruin the codes**: DCEC's CAE with skips reconstructs almost
#   perfectly and clusters at {glue:text}`home_cae_skip_ward_mnist_full` on
#   MNIST-full, near chance ([chapter 5](chapters/05_ablation)).
# - **A manifold step before Ward**: UMAP between the codes and Ward (not the
#   paper's idea, but N2D's) takes the proposed CAE + Ward to
#   {glue:text}`home_proposed_umap_ward_mnist_full` on MNIST-full and
#   {glue:text}`home_proposed_umap_ward_mnist_test` on MNIST-test. Against Ward on
#   the same trainings' codes, by chapter 4's rule: {glue:text}`home_umap_full_word`
#   on MNIST-full ({glue:text}`home_umap_full_evidence`) and
#   {glue:text}`home_umap_test_word` on MNIST-test
#   ({glue:text}`home_umap_test_evidence`)
#   ([chapter 6](chapters/06_beyond_the_paper)).
#
# Every number in this book is printed by code that ran, and the result file behind it
# (with the commit, configuration, device and package versions) is in the book's
# repository, under `results/`. The paper's numbers appear only where they are labelled
# as the paper's. Where our measurements fall short of the paper, the book says so.
#
# ## Reading paths
#
# - **To understand the method and what holds up** (readers): chapter 1 (the problem
#   and the scores), chapter 3 (Ward's linkage, derived), chapter 4 (the verdict),
#   then chapters 5 and 6 for what matters and what helps.
# - **To teach it** (teachers and students): chapters 1–3 build the method from the
#   ground up, with exercises that run in a couple of minutes on a laptop in quick
#   mode (below); chapter 2's checks of the paper's Fig. 1 and chapter 3's derivation
#   make good lectures. Each chapter opens in Colab from the rocket button at its top.
# - **To cluster your own images** (practitioners): chapter 8 and the README show
#   `caeward.CAEWard`, a scikit-learn estimator; chapter 3 says what Ward costs at
#   scale.
#
# ## How the chapters run
#
# Each chapter is a notebook whose source is a plain Python file (`chapters/NN_name.py`,
# in jupytext's percent format) paired with the `.ipynb` that this site renders. Its
# first cell seeds everything, picks the device and prints the versions. Heavy work is
# *load-or-compute*: stored results and the codes and weights committed for the figures
# are loaded, so a chapter shows its numbers in minutes, on Colab too; the appendix
# *How the numbers were made* lists every run, its provenance and its cost, and the
# commands for the runs not stored yet.
#
# By default a chapter runs in **full mode**, on the whole data set; that is what the
# outputs on these pages come from. With the environment variable `CAEWARD_QUICK=1`
# (as the tests set it) the same code runs on a fixed 2,000-image subset: a chapter
# then reruns in {glue:text}`home_quick_minutes` on a two-core CPU, and the exercises
# are written to run in it. The appendix *How the numbers were made* has the measured
# rerun time of every chapter in both modes.
#
# ## Chapters
#
# ```{tableofcontents}
# ```
