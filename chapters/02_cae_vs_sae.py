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
# # Convolutional vs stacked autoencoders
#
# **What you will learn.** The two autoencoders of the paper's Table 1 side by side:
# the fully connected *stacked* autoencoder (SAE) of DEC and IDEC
# {cite}`xie2016dec,guo2017idec` and the *convolutional* autoencoder (CAE) of DCEC
# {cite}`guo2017dcec`, layer by layer and parameter by parameter; what the paper's
# Fig. 1 claims about how a reconstruction error travels back through each, checked
# with autograd; how well each reconstructs; and whether the CAE's codes really
# cluster better, measured with k-means.
#
# **What you need.** Chapter 1 (the two-step approach, ACC and NMI). Convolutions and
# back-propagation at the level of any introductory deep learning course.

# %% [markdown]
# ## Setup
#
# The hidden cells install the book's library on Colab and seed everything.

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
import torch

from caeward import anatomy, experiments, models
from caeward.experiments import AUTOENCODERS, current_budget, setup, trained_model
from caeward.experiments.views.book import glue, glue_scores, show_table, signed
from caeward.experiments.views.chapter_views import (gradient_reach_figure, layer_view,
                                                     loss_curves_figure,
                                                     paper_comparison, reach_table,
                                                     reconstruction_figure)
from caeward.train import reconstruction_error, to_tensor

device = setup(seed=0)
budget = current_budget()

# %% [markdown]
# ## Two autoencoders
#
# Both learn, without labels, a map $f$ from an image $x$ to a 10-number code
# $z = f(x)$ and a map $g$ back, by minimising the reconstruction error (the paper's
# eq. 3) over the $n$ training images:
#
# $$
# L_{\mathrm{rec}} = \frac{1}{n} \sum_{i=1}^{n} \lVert x_i - g(f(x_i)) \rVert_2^2 .
# $$
#
# They differ in how $f$ and $g$ are built. The **SAE** flattens the image into 784
# numbers and passes them through dense layers, 784–500–500–2000–10 and back, as in
# DEC's reference code. The **CAE** keeps the image's grid: three strided
# convolutions shrink it 28 → 14 → 7 → 3 while widening the channels 32 → 64 → 128,
# one dense layer makes the code, and transposed convolutions mirror the way back.
# `caeward.anatomy.layer_table` runs one image through a model and lists what each
# layer does (a ReLU follows every layer but the code and the output). The SAE:

# %%
sae = AUTOENCODERS["sae"].build(28)
cae = AUTOENCODERS["cae"].build(28)
sae_layers, cae_layers = anatomy.layer_table(sae), anatomy.layer_table(cae)
show_table(layer_view(sae_layers))

# %% [markdown]
# The CAE:

# %%
show_table(layer_view(cae_layers))

# %% tags=["hide-input"]
n_sae, n_cae = (sum(p.numel() for p in m.parameters()) for m in (sae, cae))
glue("ch2_n_sae", n_sae, "{:,d}")
glue("ch2_n_cae", n_cae, "{:,d}")
glue("ch2_param_ratio", n_sae / n_cae, "{:.1f}")
big = sae_layers[sae_layers["parameters"] >= 250_000]["parameters"].sum()
glue("ch2_sae_big_share", 100 * big / n_sae, "{:.0f}");

# %% [markdown]
# The SAE has {glue:text}`ch2_n_sae` parameters, {glue:text}`ch2_param_ratio` times the
# CAE's {glue:text}`ch2_n_cae`. {glue:text}`ch2_sae_big_share` % of them sit in the six
# large dense layers (784 × 500, 500 × 500 and 500 × 2000, in the encoder and again in
# the decoder), where every pixel or unit has its own weight to every unit above it;
# a convolution's kernel is shared by every position of the image. Here is the CAE's
# encoder as the library writes it:

# %%
print(inspect.getsource(models.ConvAutoencoder._encode))

# %% [markdown]
# ## Training both
#
# The SAE trains as DEC-keras trains it (300 epochs of SGD, learning rate 1, momentum
# 0.9, batch 256); the CAE as DCEC trains it (200 epochs of Adam, batch 256). Both
# train on MNIST-test here, with seed 0. `trained_model` loads a finished training
# from the cache, or trains it (for hours on a CPU at the full budget; minutes in
# quick mode).

# %%
images, labels = experiments.load_dataset("mnist-test", budget)
trained, losses = {}, {}
for name in ("sae", "cae"):
    trained[name], info = trained_model(name, images, budget, seed=0,
                                        device=device, progress=False)
    losses[name] = info["losses"]
fig = loss_curves_figure(losses)
plt.show()

# %% tags=["hide-input"]
for name in ("sae", "cae"):
    glue(f"ch2_{name}_epochs", len(losses[name]), "{:d}")
    glue(f"ch2_{name}_final_loss", losses[name][-1], "{:.4f}")

# %% [markdown]
# After {glue:text}`ch2_sae_epochs` epochs the SAE's training error per pixel is
# {glue:text}`ch2_sae_final_loss`; after {glue:text}`ch2_cae_epochs` the CAE's is
# {glue:text}`ch2_cae_final_loss`, with {glue:text}`ch2_param_ratio` times fewer
# parameters.
#
# ## The paper's Fig. 1, measured
#
# The paper's Fig. 1 (only its caption survives) contrasts how a reconstruction error
# propagates: in the SAE an error at the output reaches every parameter; in the CAE
# only those in the "masked", local region. Autograd can check this exactly. Take one
# image, keep the squared error over a 6 × 6 patch of the output only, back-propagate
# once, and look at which values received a gradient that is not exactly zero
# (`caeward.anatomy.region_gradients`). The tables give, for each layer, the share of
# its weights and of its outputs (positions of a feature map, or units) that received
# gradient. The SAE:

# %%
rows, cols = slice(8, 14), slice(10, 16)
x = to_tensor(images[:1], device)
reach = {name: anatomy.region_gradients(trained[name], x, rows, cols)
         for name in trained}
show_table(reach_table(reach["sae"]))

# %% [markdown]
# And the CAE:

# %%
show_table(reach_table(reach["cae"]))

# %% [markdown]
# Read each table from the bottom up. In the SAE, the output layer's error sits in the
# 36 patch pixels, so only those outputs, and only their rows of the last weight
# matrix, receive gradient. Every layer below is dense: each unit feeds all units
# above it, so the patch no longer limits anything, and what the table shows there is
# set by the image instead. A unit whose ReLU is inactive for this image passes no
# gradient, and a weight receives gradient only when its input is non-zero: in the
# first layer the weights of the blank background pixels get none, whatever the
# error. In the CAE, a transposed convolution's output pixel depends on a few
# positions of the map below, so the gradient reaches only positions near the patch,
# a footprint that grows layer by layer toward the code. The kernels, though, are
# shared by all positions, so a large share of their weights receive gradient even
# from this one patch. The figure shows the footprints (bottom row, from the output
# back), and the gradient that arrives at each input pixel (top row):

# %%
fig = gradient_reach_figure(images[0], reach, rows, cols)
plt.show()

# %% tags=["hide-input"]
def share(name, layer):
    """Share (%) of a layer's outputs that the gradient reached."""
    found = next(r for r in reach[name]["layers"] if r["layer"] == layer)
    positions = found["positions"]
    return 100 * (positions.mean() if isinstance(positions, np.ndarray) else positions)


def weights(name, layer):
    """Share (%) of a layer's weights that received gradient."""
    found = next(r for r in reach[name]["layers"] if r["layer"] == layer)
    return 100 * found["params_reached"]


cae_maps = [r["layer"] for r in reach["cae"]["layers"]  # decoder maps, output last
            if isinstance(r["positions"], np.ndarray)
            and r["layer"].startswith("decoder")]
glue("ch2_last_decoder_map", cae_maps[-2], None)
glue("ch2_last_decoder_share", share("cae", cae_maps[-2]), "{:.0f}")
glue("ch2_first_decoder_map", cae_maps[0], None)
glue("ch2_first_decoder_share", share("cae", cae_maps[0]), "{:.0f}")
glue("ch2_sae_out_weights", weights("sae", "decoder.6"), "{:.1f}")
glue("ch2_cae_out_weights", weights("cae", cae_maps[-1]), "{:.1f}")
glue("ch2_cae_first_weights", weights("cae", "stages.0"), "{:.1f}")
glue("ch2_sae_input_share", 100 * (reach["sae"]["input"] > 0).mean(), "{:.0f}")
glue("ch2_cae_input_share", 100 * (reach["cae"]["input"] > 0).mean(), "{:.0f}");

# %% [markdown]
# **What the measurement shows.** The caption's contrast holds for *positions*, not
# for all parameters and not for the input. Inside the CAE's decoder the error stays
# local: it reaches {glue:text}`ch2_last_decoder_share` % of the positions of
# {glue:text}`ch2_last_decoder_map` and {glue:text}`ch2_first_decoder_share` % of
# those of {glue:text}`ch2_first_decoder_map`. But DCEC's CAE has a dense layer at its
# code, and there the locality ends: from the code down the encoder's maps are reached
# everywhere, and {glue:text}`ch2_cae_input_share` % of the input pixels receive
# gradient in the CAE against {glue:text}`ch2_sae_input_share` % in the SAE. And
# because kernels are shared, the local error updates
# {glue:text}`ch2_cae_out_weights` % of the CAE's output kernel and
# {glue:text}`ch2_cae_first_weights` % of its first layer's, while in the SAE's output
# layer it updates only the patch's rows, {glue:text}`ch2_sae_out_weights` % of the
# weights. What the convolutional structure buys is not fewer updated parameters, but
# weights that are *shared across positions*: each kernel learns from every part of
# every image, which is why so few parameters suffice.
#
# ## Reconstructions
#
# Six test images and what each trained autoencoder gives back from its 10-number
# code; beside each row, the mean squared error per pixel over all the images of the
# data set.

# %%
picks = [int(np.flatnonzero(labels == digit)[0]) for digit in (0, 2, 3, 4, 5, 7)]
x_all = to_tensor(images, device)
reconstructions, errors = {}, {}
with torch.no_grad():
    for name, model in trained.items():
        _, reconstructed = model(x_all[picks])
        reconstructions[name] = reconstructed.clamp(0, 1).cpu().numpy()[:, 0]
        errors[name] = reconstruction_error(model, x_all)
fig = reconstruction_figure(images, picks, reconstructions, errors)
plt.show()

# %% tags=["hide-input"]
glue("ch2_sae_mse", errors["sae"], "{:.4f}")
glue("ch2_cae_mse", errors["cae"], "{:.4f}")
glue("ch2_mse_ratio", errors["sae"] / errors["cae"], "{:.2f}");

# %% [markdown]
# The CAE reconstructs with a mean squared error of {glue:text}`ch2_cae_mse` per
# pixel, the SAE with {glue:text}`ch2_sae_mse` ({glue:text}`ch2_mse_ratio` times the
# CAE's). Both keep the digit's identity and lose the fine detail of the strokes.
#
# ## Do the CAE's codes cluster better?
#
# The paper's Table 1 says yes: CAE + k-means beats SAE + k-means on both data sets.
# The runner trains each autoencoder with several seeds and runs k-means (20
# restarts) on its codes; the cell loads those stored runs on MNIST-test (in quick
# mode it computes them on the subset).

# %%
METHODS = ["sae-kmeans", "cae-kmeans"]
if budget.is_quick:  # the tests compute what the chapter shows, on three seeds
    experiments.run_many(METHODS, ["mnist-test"], [0, 1, 2], budget)
runs = [r for r in experiments.load_results(budget)  # every stored seed, as chapter 4
        if r.method in METHODS and r.dataset == "mnist-test"]
table = experiments.results_table(runs)
show_table(paper_comparison(table))

# %% tags=["hide-input"]
by_method = table.set_index("method")
for method, short in [("sae-kmeans", "sae"), ("cae-kmeans", "cae")]:
    row = by_method.loc[method]
    glue_scores(f"ch2_{short}", row)
    gap = row["acc_mean"] - row["paper_acc"]
    side = "above" if gap > 0 else "below"
    glue(f"ch2_{short}_vs_paper", f"{abs(gap):.2f} ACC points {side}", None)
sae_row, cae_row = by_method.loc["sae-kmeans"], by_method.loc["cae-kmeans"]
ours_acc_gain = cae_row["acc_mean"] - sae_row["acc_mean"]
paper_acc_gain = cae_row["paper_acc"] - sae_row["paper_acc"]
glue("ch2_gain_acc", signed(ours_acc_gain), None)
glue("ch2_gain_nmi", signed(cae_row["nmi_mean"] - sae_row["nmi_mean"]), None)
glue("ch2_paper_gain_acc", signed(paper_acc_gain), None)
glue("ch2_paper_gain_nmi", signed(cae_row["paper_nmi"] - sae_row["paper_nmi"]), None)
glue("ch2_gain_share", 100 * ours_acc_gain / paper_acc_gain, "{:.0f}")
glue("ch2_cae_ahead", "The CAE is ahead, as the paper says" if ours_acc_gain > 0
     else "The CAE is not ahead, against what the paper says", None)
seeds = {m: sum(r.method == m for r in runs) for m in METHODS}
glue("ch2_seeds", f"{seeds['sae-kmeans']} seeds of the SAE and "
     f"{seeds['cae-kmeans']} of the CAE");

# %% [markdown]
# **What the runs show.** Over {glue:text}`ch2_seeds` on MNIST-test (every stored
# seed, as in chapter 4), the CAE's codes give k-means an ACC of
# {glue:text}`ch2_cae_acc` % and an NMI of
# {glue:text}`ch2_cae_nmi` %, the SAE's {glue:text}`ch2_sae_acc` % and
# {glue:text}`ch2_sae_nmi` %. {glue:text}`ch2_cae_ahead`: the difference is
# {glue:text}`ch2_gain_acc` ACC and {glue:text}`ch2_gain_nmi` NMI points, against the
# paper's {glue:text}`ch2_paper_gain_acc` and {glue:text}`ch2_paper_gain_nmi`, so we
# measure about {glue:text}`ch2_gain_share` % of the paper's ACC gap. The difference
# lies on the SAE's side. Our CAE + k-means lands {glue:text}`ch2_cae_vs_paper` the
# paper's {glue:text}`ch2_cae_paper_acc`, but our SAE + k-means lands
# {glue:text}`ch2_sae_vs_paper` the paper's {glue:text}`ch2_sae_paper_acc`: trained
# by DEC's own recipe, the SAE is a stronger baseline here than the paper reports.
# Chapter 4 has every row of Table 1 on both data
# sets.
#
# ## Summary
#
# - The SAE is 784–500–500–2000–10 dense layers, {glue:text}`ch2_n_sae` parameters;
#   DCEC's CAE is three strided convolutions and one dense code layer,
#   {glue:text}`ch2_n_cae` parameters ({glue:text}`ch2_param_ratio` times fewer).
# - The paper's Fig. 1, measured: inside the CAE's decoder an output error reaches
#   only nearby positions ({glue:text}`ch2_last_decoder_share` % of
#   {glue:text}`ch2_last_decoder_map`); the dense code layer spreads it to the whole
#   encoder in both models; shared kernels mean most convolution weights are updated
#   by any error.
# - On MNIST-test the CAE reconstructs with MSE {glue:text}`ch2_cae_mse`, the SAE with
#   {glue:text}`ch2_sae_mse`.
# - k-means on the CAE's codes beats k-means on the SAE's by {glue:text}`ch2_gain_acc`
#   ACC points ({glue:text}`ch2_cae_acc` against {glue:text}`ch2_sae_acc`); the paper
#   reports {glue:text}`ch2_paper_gain_acc`. The direction holds, the size does not,
#   because our SAE baseline is stronger than the paper's.
#
# ## Exercises
#
# The exercises run in quick mode too (`CAEWARD_QUICK=1`).
#
# 1. Predict, before running it, the footprint on the 7 × 7 map `decoder.ups.0` of an
#    error in a single output pixel at row 0, column 0. Then check:

# %%
corner = anatomy.region_gradients(trained["cae"], x, slice(0, 1), slice(0, 1))
footprint = next(r for r in corner["layers"] if r["layer"] == "decoder.ups.0")
# Your turn: print footprint["positions"].astype(int), and the other maps

# %% [markdown]
# :::{admonition} Answer
# :class: dropdown
# Each 5 × 5, stride-2 transposed convolution with padding 2 makes output pixel $i$
# from input positions $p$ with $|2p - i| \le 2$: pixel 0 of the 28 × 28 output sees
# positions 0–1 of the 14 × 14 map; those see positions 0–1 of the 7 × 7 map. So at
# most a 2 × 2 corner, fewer where a ReLU is inactive.
# :::
#
# 2. Count by hand the parameters of the SAE's encoder and compare with the table.

# %%
# Your turn: weights and biases of 784→500, 500→500, 500→2000 and 2000→10
encoder_by_hand = 0
print("by hand:", encoder_by_hand, "| table:",
      sae_layers.loc[sae_layers["part"] == "encoder", "parameters"].sum())

# %% [markdown]
# :::{admonition} Answer
# :class: dropdown
# $784 \cdot 500 + 500$, $500 \cdot 500 + 500$, $500 \cdot 2000 + 2000$ and
# $2000 \cdot 10 + 10$: 1,665,010 in all; the decoder mirrors it with its own biases.
# :::
#
# 3. Replace DCEC's dense code layer by a 1 × 1 convolution to 10 channels on the 3 × 3
#    map (a 90-number code). Which layers would an error in one output patch reach now?
#    Start from the encoder's last map, which is what the dense layer sees:

# %%
with torch.no_grad():
    h = x.cpu()
    for stage in cae.stages:
        h = torch.relu(stage(h))
    last_map = torch.relu(cae.head(h))
print("the map the code is made from:", tuple(last_map.shape))
# Your turn: torch.nn.Conv2d(128, 10, kernel_size=1)(last_map) gives a
# 10×3×3 code; which input pixels does one of its 9 positions see?

# %% [markdown]
# :::{admonition} Answer
# :class: dropdown
# Nothing is dense any more, so locality survives to the input: the error reaches the
# code positions whose receptive fields overlap the patch, and from there only the
# input pixels those positions see. (On a 3 × 3 code map that is still most of the
# image: the receptive fields of the last layers are large.)
# :::
