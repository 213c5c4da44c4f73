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
# # The benchmark tables
#
# Every benchmark the book quotes, as its script wrote it (`tools/benchmark_*.py`;
# each file also records the commit, versions and settings): the training throughput
# per autoencoder and precision, processes side by side on one GPU, and Ward's
# implementations up to the largest sizes measured.

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
from caeward.experiments import setup
from caeward.experiments.views.ablation_views import titled
from caeward.experiments.views.book import show_table
from caeward.experiments.views.ledger import benchmark_frames
from caeward.experiments.settings import benchmarks_dir

device = setup(seed=0)

# %%
for title, table in benchmark_frames(benchmarks_dir()):
    table = table.rename(columns=lambda c: c.replace("_", " "))  # headers that wrap
    columns = list(table.columns)
    width = 5  # the widest tables in parts that fit, the first column in each
    parts = [columns[:width]] + [[columns[0]] + columns[start:start + width - 1]
                                 for start in range(width, len(columns),
                                                    width - 1)]
    for i, part in enumerate(parts):
        label = f" ({i + 1} of {len(parts)})" if len(parts) > 1 else ""
        display(titled(title + label, show_table(table[part], drop_constant=False)))
