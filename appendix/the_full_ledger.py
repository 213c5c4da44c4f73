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
# # The full ledger
#
# The long tables behind *How the numbers were made*: where and from which commit
# every stored run was made, and what each stage of a run costs; every benchmark the
# book quotes is on the next page. Everything here is printed by code from the result
# files under `results/`.

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
from caeward import experiments
from caeward.experiments import current_budget, setup
from caeward.experiments.views.book import show_table
from caeward.experiments.views.ledger import RUN_GROUPS, provenance_frame, stage_costs

device = setup(seed=0)
budget = current_budget()
stored = [r for methods, datasets, seeds in RUN_GROUPS.values()
          for r in experiments.run_many(methods, datasets, seeds, budget,
                                        missing="skip")]

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
# The median wall time of each stage over a row's stored seeds, in seconds, per
# method and device (`caeward.experiments.views.ledger.stage_costs`):
#
# pretrain s
# : training the autoencoder: the training's own time, summed over the processes
#   that made it when one was interrupted and another resumed it. Rows that cluster
#   one training (k-means and Ward on one autoencoder, DEC and IDEC on the SAE's or
#   the CAE's) each show that training's time, though it ran once.
#
# self-train s
# : DEC's, IDEC's and DCEC's self-training, after the pretraining.
#
# manifold s
# : the UMAP embedding of the codes (chapter 6), shared like a training.
#
# cluster s
# : k-means, the Gaussian mixture, or building and cutting the tree.
#
# all stages s
# : per run, the sum of its stages: what the run costs when nothing is reused.
#
# The result files also record a `total_s`, the wall time of the one process that
# finished the run; it is not shown, since that process may have loaded a stored
# training or resumed an interrupted one, and then took less time than the stages it
# reads. Medians are taken column by column, so a row's stages need not add up to
# its *all stages s*. MNIST-full:

# %%
show_table(stage_costs(stored, "mnist-full"), drop_constant=False)

# %% [markdown]
# MNIST-test:

# %%
show_table(stage_costs(stored, "mnist-test"), drop_constant=False)
