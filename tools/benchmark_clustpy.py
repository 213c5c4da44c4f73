"""Ward on the CAE's codes beside ClustPy's DeepECT, from the very same pretrained CAE.

A benchmark, not a test. On a fixed subset of MNIST-test (``--images`` images drawn
with ``numpy.random.default_rng(0)``, 5,000 by default), for each seed:

1. our pretraining loop (:func:`caeward.train.pretrain`, Adam, lr 1e-3, batches of
   256) trains DCEC's CAE (:class:`caeward.models.ConvAutoencoder`, built under the
   seed) for ``--epochs`` epochs; Ward on its codes is cut into 10 clusters (ACC, NMI)
   and judged as a whole tree (dendrogram purity, and leaf purity at as many leaves
   as DeepECT's tree has);
2. ClustPy's DeepECT (Mautz et al.) gets those weights through ClustPy's autoencoder
   base class (the same ``models.py``, loaded from this repository by path) and runs
   with ClustPy's defaults (at most 20 leaves, a new leaf every 2 epochs, lr 1e-4)
   for ``--clustering-epochs`` epochs and no pretraining of its own; its tree pruned
   to 10 leaves gives ACC and NMI, its whole tree the dendrogram purity (ClustPy's
   ``dendrogram_purity``, the only one that reads its tree) and the leaf purity;
3. the two pretraining loops on one network: from the same initial CAE, our loop and
   ClustPy's ``_AbstractNeuralNetwork.fit`` (its own DataLoader and loss) each train
   ``--speed-epochs`` epochs after one untimed epoch, in alternating runs
   (``--pairs`` pairs, ours first in even pairs and ClustPy's first in odd ones).
   The first pairs stored were measured before :func:`caeward.train.keep_freed_memory`
   existed (their rows lack ``caeward_keeps_freed_memory``): our loop then spent much
   of its CPU time in page faults that ClustPy's process happened not to take; a
   second run of the script adds the pairs of the loop as it is now.

ClustPy's ``dendrogram_purity`` is also run on our Ward tree, as a check that the two
implementations agree. Every run is a fresh process with one thread
(``OMP_NUM_THREADS=1``); the wall times are those processes' own, and beside each
the process's CPU time (``time.process_time``): on a CPU shared with other work the
wall time of a run depends on what else ran then, its CPU time much less. ClustPy
lives in its own virtualenv, ``.bench-venv/clustpy``, made here on first use with
``pip install clustpy==0.0.3`` and torch and torchvision pinned to this
environment's versions (its unpinned install pulls a torchvision built for another
torch, which fails with ``operator torchvision::nms does not exist``). The rows go to
``results/benchmarks/clustpy-deepect.json`` (a sealed artefact that resumes).

The stored run: 5,000 images, seeds 0, 1 and 2, 20 pretraining epochs and 24
DeepECT epochs (its tree can grow to 14 leaves), 3 pairs of 2-epoch speed runs: the
most that fits in about half an hour on the book's two-core CPU shared with other
work. The book's 200 epochs do not: the stored ``pretrain_samples_per_s`` tells how
long they would take. (Seeds 0 and 1 were pretrained before ``keep_freed_memory``,
seed 2 after it: the same numbers, at a higher rate.)

``--committed-weights`` skips pretraining: the book's own trainings of DCEC's CAE
(200 epochs on all 10,000 MNIST-test images, the full budget), loaded from the
weights committed beside their codes in ``results/codes/full/cae-*/`` after their
SHA-256 check (:mod:`caeward.experiments.training_cache`), go to both sides: Ward on their codes
(which must match the committed codes; the largest difference is stored) and DeepECT
as above, for ``--seeds`` (0, 2 and 5 asked by default). A seed whose folder holds
codes but no weights is left out and named; the config lists the seeds asked and
those run, and each run's weights by path and SHA-256. The rows go to
``results/benchmarks/clustpy-deepect-200-epochs.json``; there are no speed rows.

    .venv/bin/python tools/benchmark_clustpy.py
    .venv/bin/python tools/benchmark_clustpy.py --seeds 0 --epochs 10 --clustering-epochs 20
    OMP_NUM_THREADS=1 nice -n 19 .venv/bin/python tools/benchmark_clustpy.py --committed-weights
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import venv
from importlib import metadata
from pathlib import Path

import numpy as np

from caeward import metrics
from caeward.cluster import cut_linkage
from caeward.data import load_mnist
from caeward.experiments.artefacts import Artefact
from caeward.experiments.settings import benchmarks_dir

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchmark_clustimage import _run  # noqa: E402  (one fresh process per run, one thread)

ROOT = Path(__file__).resolve().parents[1]
PEER, PEER_VERSION = "clustpy", "0.0.3"
PEER_VENV = ROOT / ".bench-venv" / PEER
MODELS = ROOT / "lib" / "caeward" / "models.py"
BATCH, LR, K = 256, 1e-3, 10

#: Our side, one task per process: "train" (pretrain, codes, Ward) or "speed".
OURS_WORKER = r"""
import json, sys, time

import numpy as np
import torch
from caeward.cluster import linkage
from caeward.models import ConvAutoencoder
from caeward.train import embed, pretrain, to_tensor

task, data, seed, epochs, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
torch.set_num_threads(1)
x = to_tensor(np.load(data)["images"])
torch.manual_seed(seed)
model = ConvAutoencoder()
if task == "committed":  # weights trained elsewhere (verified by the parent): codes and Ward only
    model.load_state_dict(torch.load(out + "/weights.pt", weights_only=True))
    codes = embed(model, x)
    np.save(out + "/codes.npy", codes)
    start, cpu = time.perf_counter(), time.process_time()
    Z = linkage(codes, "ward")
    ward_s, ward_cpu_s = time.perf_counter() - start, time.process_time() - cpu
    np.save(out + "/ward.npy", Z)
    print(json.dumps({"ward_s": ward_s, "ward_cpu_s": ward_cpu_s}))
    sys.exit()
if task == "speed":
    pretrain(model, x, 1, batch_size=BATCH, lr=LR, seed=seed, progress=False)  # untimed
    start, cpu = time.perf_counter(), time.process_time()
    pretrain(model, x, epochs, batch_size=BATCH, lr=LR, seed=seed, progress=False)
    print(json.dumps({"samples_per_s": epochs * len(x) / (time.perf_counter() - start),
                      "samples_per_cpu_s": epochs * len(x) / (time.process_time() - cpu)}))
    sys.exit()
start, cpu = time.perf_counter(), time.process_time()
losses = pretrain(model, x, epochs, batch_size=BATCH, lr=LR, seed=seed, progress=False)
pretrain_s, pretrain_cpu_s = time.perf_counter() - start, time.process_time() - cpu
torch.save(model.state_dict(), out + "/weights.pt")
codes = embed(model, x)
start, cpu = time.perf_counter(), time.process_time()
Z = linkage(codes, "ward")
ward_s, ward_cpu_s = time.perf_counter() - start, time.process_time() - cpu
np.save(out + "/ward.npy", Z)
print(json.dumps({"pretrain_s": pretrain_s, "samples_per_s": epochs * len(x) / pretrain_s,
                  "samples_per_cpu_s": epochs * len(x) / pretrain_cpu_s,
                  "ward_s": ward_s, "ward_cpu_s": ward_cpu_s, "last_loss": losses[-1]}))
""".replace("BATCH", str(BATCH)).replace("LR", repr(LR))

#: ClustPy's side: "deepect" (from our weights) or "speed" (its pretraining loop).
PEER_WORKER = r"""
import importlib.util, json, sys, time

import numpy as np
import torch
from clustpy.deep import DeepECT
from clustpy.deep.neural_networks._abstract_autoencoder import _AbstractAutoencoder
from clustpy.metrics.external import dendrogram_purity, leaf_purity

task, data, seed, epochs, out, models = sys.argv[1:7]
seed, epochs = int(seed), int(epochs)
torch.set_num_threads(1)
spec = importlib.util.spec_from_file_location("caeward_models", models)
caeward_models = importlib.util.module_from_spec(spec)
spec.loader.exec_module(caeward_models)


class CAE(_AbstractAutoencoder):
    # DCEC's CAE (caeward.models.ConvAutoencoder) as a ClustPy autoencoder
    def __init__(self, seed):
        super().__init__(work_on_copy=False, random_state=seed)
        self.cae = caeward_models.ConvAutoencoder()
        self.allow_nd_input = True

    def encode(self, x):
        return self.cae.encode(x)

    def decode(self, z):
        return self.cae.decode(z)


found = np.load(data)
X = (found["images"].astype(np.float32) / 255.0)[:, None]
torch.manual_seed(seed)
net = CAE(seed)
if task == "speed":
    net.fit(n_epochs=1, batch_size=BATCH, data=X, optimizer_params={"lr": LR})  # untimed
    start, cpu = time.perf_counter(), time.process_time()
    net.fit(n_epochs=epochs, batch_size=BATCH, data=X, optimizer_params={"lr": LR})
    print(json.dumps({"samples_per_s": epochs * len(X) / (time.perf_counter() - start),
                      "samples_per_cpu_s": epochs * len(X) / (time.process_time() - cpu)}))
    sys.exit()
net.cae.load_state_dict(torch.load(out + "/weights.pt", weights_only=True))
net.fitted = True
start, cpu = time.perf_counter(), time.process_time()
ect = DeepECT(batch_size=BATCH, pretrain_epochs=0, clustering_epochs=epochs, neural_network=net,
              device="cpu", random_state=seed).fit(X)
seconds, cpu_s = time.perf_counter() - start, time.process_time() - cpu
y = found["labels"]
leaves = int(len(ect.tree_.get_leaf_and_split_nodes()[0]))
flat = ect.flat_clustering(min(K, leaves))
np.save(out + "/deepect.npy", np.stack([ect.labels_, flat]))
print(json.dumps({"seconds": seconds, "cpu_s": cpu_s, "n_leaves": leaves,
                  "dendrogram_purity": float(dendrogram_purity(ect.tree_, y, ect.labels_)),
                  "leaf_purity": float(leaf_purity(ect.tree_, y, ect.labels_)),
                  "ward_dendrogram_purity": float(dendrogram_purity(np.load(out + "/ward.npy"), y))}))
""".replace("BATCH", str(BATCH)).replace("LR", repr(LR)).replace("K", str(K))


def _ours(name: str) -> str:
    """This environment's version of ``name``, without a local tag (2.14.1, not 2.14.1+cu130)."""
    return metadata.version(name).split("+")[0]


def peer_python() -> Path:
    """The peer's interpreter, its virtualenv made on first use."""
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        print(f"making {PEER_VENV} with {PEER}=={PEER_VERSION} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(PEER_VENV)
        pins = [f"{PEER}=={PEER_VERSION}", f"torch=={_ours('torch')}", f"torchvision=={_ours('torchvision')}"]
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *pins], check=True)
    return python


def _subset(n_images: int) -> tuple[np.ndarray, np.ndarray]:
    images, labels = load_mnist("test")
    keep = np.sort(np.random.default_rng(0).choice(len(images), n_images, replace=False))
    return images[keep], labels[keep]


def _versions(peer) -> dict:
    import torch
    import torchvision

    probe = "import clustpy, torch, torchvision; print(clustpy.__version__, torch.__version__, torchvision.__version__)"
    found = subprocess.run([str(peer), "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    return {"clustpy": found[0], "peer_torch": found[1], "peer_torchvision": found[2],
            "torch": torch.__version__, "torchvision": torchvision.__version__}


def _pair_rows(store: Artefact, peer, data: Path, labels, seed: int, args, task: str, epochs: int,
               common_of, state=None) -> None:
    """Our worker's ``task`` ("train": pretraining; "committed": ``state``, the weights,
    given), Ward on its codes cut at 10 clusters, then DeepECT from the same weights: the
    two rows stored, both with ``common_of(ours, work)`` (what our worker printed, and
    the folder of its files)."""
    if store.has(seed=seed, method="deepect"):
        return
    with tempfile.TemporaryDirectory() as work:
        if state is not None:
            import torch

            torch.save(state, Path(work) / "weights.pt")
        ours = _run(sys.executable, OURS_WORKER, task, data, seed, epochs, work)
        Z = np.load(Path(work) / "ward.npy")
        start, cpu = time.perf_counter(), time.process_time()
        ward = cut_linkage(Z, K)
        ward_s = ours["ward_s"] + time.perf_counter() - start
        ward_cpu_s = ours["ward_cpu_s"] + time.process_time() - cpu
        peer_found = _run(peer, PEER_WORKER, "deepect", data, seed, args.clustering_epochs, work, MODELS)
        leaves, flat = np.load(Path(work) / "deepect.npy")
        common = {"seed": seed, "n_images": len(labels), **common_of(ours, Path(work))}
    n_leaves = peer_found["n_leaves"]
    store.add({**common, "method": "ward-on-codes", "acc": metrics.cluster_acc(labels, ward),
               "nmi": metrics.nmi(labels, ward), "dendrogram_purity": metrics.dendrogram_purity(Z, labels),
               "dendrogram_purity_clustpy": peer_found["ward_dendrogram_purity"],
               "leaf_purity": metrics.leaf_purity(Z, labels, n_leaves), "n_leaves": n_leaves,
               "seconds": ward_s, "cpu_s": ward_cpu_s})
    store.add({**common, "method": "deepect", "clustering_epochs": args.clustering_epochs,
               "acc": metrics.cluster_acc(labels, flat), "nmi": metrics.nmi(labels, flat),
               "n_flat_clusters": int(len(np.unique(flat))),
               "dendrogram_purity": None, "dendrogram_purity_clustpy": peer_found["dendrogram_purity"],
               "leaf_purity": peer_found["leaf_purity"], "n_leaves": n_leaves,
               "seconds": peer_found["seconds"], "cpu_s": peer_found["cpu_s"]})
    for row in store.rows[-2:]:
        print(f"seed {seed} {row['method']}: ACC {row['acc']:.3f}, NMI {row['nmi']:.3f}, purity "
              f"{row['dendrogram_purity_clustpy']:.3f}, {row['seconds']:.1f} s", flush=True)


def _seed_rows(store: Artefact, peer, data: Path, images, labels, seed: int, args) -> None:
    _pair_rows(store, peer, data, labels, seed, args, "train", args.epochs, lambda ours, work: {
        "pretrain_epochs": args.epochs, "pretrain_s": ours["pretrain_s"],
        "pretrain_samples_per_s": ours["samples_per_s"],
        "pretrain_samples_per_cpu_s": ours["samples_per_cpu_s"]})


def committed_weights(images: np.ndarray, seeds) -> dict:
    """Per seed, the book's committed full-budget training of DCEC's CAE on ``images``
    (all of MNIST-test): its model, loaded only after its SHA-256 check
    (:func:`caeward.experiments.trainings._committed_model`), folder, weights' SHA-256 and
    key. A seed whose folder holds codes but no weights is left out, with a line."""
    import hashlib

    from caeward.experiments import training_cache, trainings
    from caeward.experiments.settings import BUDGETS

    budget, found = BUDGETS["full"], {}
    for seed in seeds:
        key = training_cache.training_key("cae", images, budget, seed)
        folder = training_cache.committed_folder(key, budget)
        loaded = trainings._committed_model("cae", images, key, budget, "cpu")
        if loaded is None:
            print(f"seed {seed}: {folder.relative_to(ROOT)} holds no usable weights; left out", flush=True)
            continue
        model, info = loaded
        digest = hashlib.sha256((folder / training_cache._WEIGHTS).read_bytes()).hexdigest()
        found[seed] = {"model": model, "folder": folder, "sha256": digest, "key": info["key"],
                       "pretrain_s": info.get("pretrain_s")}
    return found


def _committed_rows(store: Artefact, peer, data: Path, labels, seed: int, weights: dict, args) -> None:
    def common_of(ours, work):
        drift = np.abs(np.load(work / "codes.npy") - np.load(weights["folder"] / "codes.npy")).max()
        return {"pretrain_epochs": weights["key"]["epochs"], "pretrain_s": weights["pretrain_s"],
                "weights_sha256": weights["sha256"], "codes_max_abs_diff_from_committed": float(drift)}

    _pair_rows(store, peer, data, labels, seed, args, "committed", 0, common_of,
               state=weights["model"].state_dict())


def _committed_main(args, peer) -> int:
    """``--committed-weights``: no pretraining; the book's 200-epoch weights to both."""
    from caeward.experiments.settings import BUDGETS, subsample

    images, labels = subsample(*load_mnist("test"), BUDGETS["full"])
    weights = committed_weights(images, args.seeds)
    if not weights:
        print("no committed weights for these seeds", file=sys.stderr)
        return 1
    config = {"images": f"all {len(images)} MNIST-test images (the book's full budget)",
              "seeds": sorted(weights), "seeds_asked": args.seeds,
              "pretrain_epochs": sorted({w["key"]["epochs"] for w in weights.values()}),
              "clustering_epochs": args.clustering_epochs, "batch_size": BATCH,
              "weights": {str(seed): {"source": str(w["folder"].relative_to(ROOT) / "weights.safetensors"),
                                      "sha256": w["sha256"]} for seed, w in sorted(weights.items())},
              "network": "caeward.models.ConvAutoencoder (DCEC's CAE), the book's committed "
                         "full-budget training, verified, one for both sides; no pretraining here",
              "ward": "caeward.cluster.linkage(codes, 'ward') on the codes of those weights, "
                      "cut at 10 clusters",
              "deepect": "clustpy DeepECT defaults, pretrain_epochs=0, those weights; ACC/NMI at 10 leaves",
              "threads": "OMP_NUM_THREADS=1 and torch.set_num_threads(1) in every process",
              "versions": _versions(peer)}
    store = Artefact(args.output, config,
                     "Ward on the book's 200-epoch CAE codes beside ClustPy's DeepECT from those weights")
    with tempfile.TemporaryDirectory() as work:
        data = Path(work) / "data.npz"
        np.savez(data, images=images, labels=labels)
        for seed in sorted(weights):
            _committed_rows(store, peer, data, labels, seed, weights[seed], args)
    store.finish()
    return 0


def _speed_rows(store: Artefact, peer, data: Path, args) -> None:
    from caeward.train import keep_freed_memory

    # rows of a loop that had no keep_freed_memory (stored 2026-12-06) lack the field
    kept = {"caeward_keeps_freed_memory": keep_freed_memory()}
    for pair in range(args.pairs):
        loops = ["caeward", "clustpy"] if pair % 2 == 0 else ["clustpy", "caeward"]
        for loop in loops:
            if store.has(method="loop", pair=pair, loop=loop, **kept):
                continue
            if loop == "caeward":
                found = _run(sys.executable, OURS_WORKER, "speed", data, 0, args.speed_epochs, "-")
            else:
                found = _run(peer, PEER_WORKER, "speed", data, 0, args.speed_epochs, "-", MODELS)
            store.add({"method": "loop", "pair": pair, "loop": loop, "epochs": args.speed_epochs, **kept,
                       "samples_per_s": found["samples_per_s"],
                       "samples_per_cpu_s": found["samples_per_cpu_s"]})
            print(f"pair {pair} {loop}: {found['samples_per_s']:,.0f} samples/s, "
                  f"{found['samples_per_cpu_s']:,.0f} per CPU second", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--seeds", nargs="+", type=int, default=None,
                        help="0 1 2; with --committed-weights 0 2 5")
    parser.add_argument("--epochs", type=int, default=20, help="pretraining epochs")
    parser.add_argument("--clustering-epochs", type=int, default=24, help="DeepECT's epochs")
    parser.add_argument("--speed-epochs", type=int, default=2)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--committed-weights", action="store_true",
                        help="no pretraining: the book's committed 200-epoch weights (all MNIST-test)")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()
    peer = peer_python()
    if args.committed_weights:
        args.seeds = args.seeds or [0, 2, 5]
        args.output = args.output or benchmarks_dir() / "clustpy-deepect-200-epochs.json"
        return _committed_main(args, peer)
    args.seeds = args.seeds or [0, 1, 2]
    args.output = args.output or benchmarks_dir() / "clustpy-deepect.json"
    images, labels = _subset(args.images)
    config = {"images": f"{args.images} MNIST-test images, numpy default_rng(0) choice without replacement",
              "seeds": args.seeds, "pretrain_epochs": args.epochs, "clustering_epochs": args.clustering_epochs,
              "speed_epochs": args.speed_epochs, "pairs": args.pairs, "batch_size": BATCH, "lr": LR,
              "network": "caeward.models.ConvAutoencoder (DCEC's CAE), one for both sides",
              "ward": "caeward.cluster.linkage(codes, 'ward'), cut at 10 clusters",
              "deepect": "clustpy DeepECT defaults, pretrain_epochs=0, our weights; ACC/NMI at 10 leaves",
              "threads": "OMP_NUM_THREADS=1 and torch.set_num_threads(1) in every process",
              "versions": _versions(peer)}
    store = Artefact(args.output, config, "Ward on CAE codes beside ClustPy's DeepECT from the same weights")
    with tempfile.TemporaryDirectory() as work:
        data = Path(work) / "data.npz"
        np.savez(data, images=images, labels=labels)
        _speed_rows(store, peer, data, args)
        for seed in args.seeds:
            _seed_rows(store, peer, data, images, labels, seed, args)
    store.finish()
    return 0


if __name__ == "__main__":
    sys.exit(main())
