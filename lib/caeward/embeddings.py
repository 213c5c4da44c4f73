"""Named autoencoders, and their trained codes cached on disk.

Introduced in chapter 2; chapters 4 and 5 run every Table 1 row and ablation
variant on these. One pretraining serves every clustering of its codes: the
runner's ``cae-kmeans`` and ``cae-ward`` share the ``cae`` training of a seed.

The cache lives outside the repository (``$CAEWARD_CACHE``, default
``~/.cache/caeward/runs``), in a folder named by a hash of everything that
determines the training: the autoencoder's configuration, the source of
:mod:`caeward.models` and :mod:`caeward.train`, the data's SHA-256, the budget's
epochs and precision, and the seed. Codes are stored as ``.npy``
(loaded with ``allow_pickle=False``) beside a JSON that holds their SHA-256; a file
that fails the check is not used and the codes are recomputed. The pretraining
checkpoint in the same folder lets an interrupted training resume; a small clock file
beside it adds up the wall time of every run of the training, so a resumed training
reports what all of it cost.

Trainings that differ only in their number of epochs (the epochs ablation:
``proposed-50ep``, ``proposed-100ep``, ``proposed``; each variant's ``-50ep`` twin and
the variant) share their first epochs: each epoch's shuffle is seeded by the seed and
the epoch, and the initial weights by the seed, so a 50-epoch training *is* the first
50 epochs of the 200-epoch one. A new training therefore starts from the checkpoint
of the cached sibling that got furthest without passing its own epochs, and takes
over that sibling's clock, so its ``pretrain_s`` is still the cost of all its epochs;
``pretrain_started_from`` says which sibling it continued.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import shutil
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from . import models, runtime, stored_codes
from .budget import Budget
from .io import atomic_path, load_verified_array, save_verified_array
from .train import embed, load_checkpoint, pretrain, reconstruction_error, to_tensor

__all__ = ["AutoencoderSpec", "AUTOENCODERS", "PROPOSED_VARIANTS", "architecture", "cache_root", "trained_codes",
           "trained_model", "reload_model", "is_cached", "store_codes", "training_estimate"]


@dataclass(frozen=True)
class AutoencoderSpec:
    """How to build and pretrain one autoencoder.

    Attributes
    ----------
    cls : str
        A class name in :mod:`caeward.models`.
    kwargs : dict
        Constructor arguments (besides ``image_size``).
    optimizer, lr : str, float
        Pretraining optimiser and learning rate.
    kind : {"cae", "sae"}
        Which of the budget's epoch counts applies.
    epochs : int or None
        Overrides the full budget's epochs (the epochs ablation); the quick
        budget always uses its own.
    """

    cls: str
    kwargs: dict = field(default_factory=dict)
    optimizer: str = "adam"
    lr: float = 1e-3
    kind: str = "cae"
    epochs: int | None = None

    def build(self, image_size: int) -> torch.nn.Module:
        return getattr(models, self.cls)(image_size=image_size, **self.kwargs)

    def epochs_for(self, budget: Budget) -> int:
        default = budget.cae_epochs if self.kind == "cae" else budget.sae_epochs
        return default if budget.name == "quick" or self.epochs is None else self.epochs


#: The autoencoders the runner knows, by name.
AUTOENCODERS = {
    "sae": AutoencoderSpec("StackedAutoencoder", {"init": "dec"}, "sgd", 1.0, "sae"),
    "cae": AutoencoderSpec("ConvAutoencoder"),
    "proposed": AutoencoderSpec("DeepConvAutoencoder"),
    # ablation variants
    "cae-skip": AutoencoderSpec("ConvAutoencoder", {"skip": True}),
    "proposed-skip": AutoencoderSpec("DeepConvAutoencoder", {"skip": True}),
    "proposed-deeper": AutoencoderSpec("DeepConvAutoencoder", {"convs_per_stage": 3}),
    "proposed-code5": AutoencoderSpec("DeepConvAutoencoder", {"code_dim": 5}),
    "proposed-code20": AutoencoderSpec("DeepConvAutoencoder", {"code_dim": 20}),
    "proposed-50ep": AutoencoderSpec("DeepConvAutoencoder", epochs=50),
    "proposed-100ep": AutoencoderSpec("DeepConvAutoencoder", epochs=100),
}
#: The proposed CAE's ablation variants, each also after 50 epochs: set beside
#: ``proposed-50ep`` they compare the variants at a quarter of the 200 epochs' cost, and
#: being the first 50 epochs of the 200-epoch training, they cost it nothing later.
PROPOSED_VARIANTS = ["proposed-skip", "proposed-deeper", "proposed-code5", "proposed-code20"]
AUTOENCODERS.update({f"{name}-50ep": replace(AUTOENCODERS[name], epochs=50) for name in PROPOSED_VARIANTS})


def architecture(name: str) -> AutoencoderSpec:
    """The spec of autoencoder ``name`` but for its epochs: two names with the same
    architecture are the same training run for a different length (``proposed-50ep``
    and ``proposed``)."""
    return replace(AUTOENCODERS[name], epochs=None)


def cache_root() -> Path:
    """``$CAEWARD_CACHE`` if set, else ``$XDG_CACHE_HOME/caeward/runs``."""
    env = os.environ.get("CAEWARD_CACHE")
    if env:
        return Path(env).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "caeward" / "runs"


def _code_version() -> str:
    """A hash of the modules that define the models and their training: a change to
    either makes new cache folders, so stale codes are never reused."""
    from . import train
    text = inspect.getsource(models) + inspect.getsource(train)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _run_key(name: str, spec: AutoencoderSpec, images: np.ndarray, budget: Budget, seed: int) -> dict:
    return {
        "autoencoder": name, "spec": asdict(spec), "code_version": _code_version(),
        "data_sha256": hashlib.sha256(np.ascontiguousarray(images).tobytes()).hexdigest(),
        "n_samples": int(len(images)), "epochs": spec.epochs_for(budget),
        "batch_size": 256, "bf16": budget.bf16, "seed": seed,
    }


def _cache_folder(name: str, images: np.ndarray, budget: Budget, seed: int) -> tuple[dict, Path]:
    """The key of a training and the cache folder named by its hash."""
    key = _run_key(name, AUTOENCODERS[name], images, budget, seed)
    return key, _folder_of(key)


def _folder_of(key: dict) -> Path:
    return cache_root() / _folder_name(key)


def _folder_name(key: dict) -> str:
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    return f"{key['autoencoder']}-{digest}"


def _stored_folder(key: dict, budget: Budget) -> Path:
    """Where the codes of training ``key`` are committed, if they are (:mod:`caeward.stored_codes`)."""
    return stored_codes.store_root(budget) / _folder_name(key)


def is_cached(name: str, images: np.ndarray, budget: Budget, seed: int) -> bool:
    """Whether the codes of this training are at hand, in the cache or committed under
    ``results/codes/`` (either is verified when loaded), so that no training is needed."""
    key, folder = _cache_folder(name, images, budget, seed)
    return any((f / "codes.npy").exists() and (f / "codes.json").exists()
               for f in (folder, _stored_folder(key, budget)))


def training_estimate(name: str, n_images: int, budget: Budget, device: str = "cpu") -> str:
    """A sentence saying how long pretraining ``name`` on ``n_images`` should take,
    from the throughput measured by ``tools/benchmark_training.py`` on this kind
    of device (``results/benchmarks/training-throughput-<device>.json``)."""
    spec = AUTOENCODERS[name]
    epochs = spec.epochs_for(budget)
    tag = runtime.device_kind(device)
    path = Path(__file__).resolve().parents[2] / "results" / "benchmarks" / f"training-throughput-{tag}.json"
    rate = None
    if path.exists():
        rows = json.loads(path.read_text())["rows"]
        rate = next((r["samples_per_s"] for r in rows
                     if r["autoencoder"] == name.split("-")[0] and r["bf16"] == budget.bf16), None)
    plan = f"pretraining {name}: {epochs} epochs over {n_images:,} images"
    if rate is None:
        return plan + f" (no throughput measured for {tag} yet to estimate the time)"
    return plan + f", about {epochs * n_images / rate / 60:.0f} min at the {rate:,.0f} samples/s measured on a {tag}"


def trained_model(name: str, images: np.ndarray, budget: Budget, seed: int, device: str,
                  progress: bool = True) -> tuple[torch.nn.Module, dict]:
    """Build autoencoder ``name``, seeded, and pretrain it (resuming a cached checkpoint).

    Returns
    -------
    model : nn.Module, on ``device``, in eval mode
    info : dict
        ``key`` (what determines the training), ``losses`` per epoch,
        ``pretrain_s`` (the wall time of every run of this training, added up over
        interruptions), ``pretrain_runs`` (how many runs that took),
        ``pretrain_untimed_epochs`` (epochs trained before the training was timed,
        e.g. by an older version; 0 normally), ``pretrain_started_from`` (the
        sibling training whose first epochs this one continued, as
        ``{"autoencoder", "epochs"}``, or None), ``folder``.
    """
    model, info, _ = _pretrain(name, images, budget, seed, device, progress,
                               *_cache_folder(name, images, budget, seed))
    return model, info


def _pretrain(name, images, budget, seed, device, progress, key, folder):
    """:func:`trained_model` for a known key and folder; also returns the images
    as the device tensor it trained on, so callers need not copy them again."""
    spec = AUTOENCODERS[name]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "key.json").write_text(json.dumps(key, indent=2, sort_keys=True))
    runtime.seed_everything(seed)
    model = spec.build(images.shape[-1])
    x = to_tensor(images, device)
    checkpoint, clock_path = folder / "pretrain.pt", folder / "pretrain_clock.json"
    if not checkpoint.exists():
        _start_from_sibling(key, budget, folder)
    started_from = _read_started_from(folder)
    done = len(load_checkpoint(checkpoint)["losses"]) if checkpoint.exists() else 0
    segments = _earlier_segments(clock_path, checkpoint, done)
    _write_clock(clock_path, segments + [{"from_epoch": done, "started": time.time()}])
    start = time.perf_counter()
    losses = pretrain(model, x, key["epochs"], batch_size=key["batch_size"], optimizer=spec.optimizer,
                      lr=spec.lr, seed=seed, checkpoint=checkpoint, bf16=budget.bf16,
                      progress=progress, desc=f"pretrain {name}")
    segments.append({"from_epoch": done, "to_epoch": len(losses), "seconds": time.perf_counter() - start})
    _write_clock(clock_path, segments)
    untimed = segments[0]["from_epoch"]  # epochs trained before this clock existed
    # The device of the run that finished the training: a seed fixes a training on one kind of device only.
    trained_on = {"device": str(device), "device_name": runtime.device_name(str(device)),
                  "cpu_kernels": runtime.cpu_kernels()}
    return model, {"key": key, "losses": losses, "pretrain_s": sum(s["seconds"] for s in segments),
                   "pretrain_runs": len(segments), "pretrain_untimed_epochs": untimed,
                   "pretrain_started_from": started_from, "trained_on": trained_on, "folder": str(folder)}, x


def _start_from_sibling(key: dict, budget: Budget, folder: Path) -> None:
    """Copy into ``folder`` (the training ``key``'s) the checkpoint and clock of the
    cached training that differs from it only in its epochs and got furthest without
    passing ``key["epochs"]``; do nothing if none did."""
    (folder / "started_from.json").unlink(missing_ok=True)  # left by a start that did not finish
    name, epochs = key["autoencoder"], key["epochs"]
    best = None
    for other, spec in AUTOENCODERS.items():
        if other == name or architecture(other) != architecture(name):
            continue
        other_folder = _folder_of({**key, "autoencoder": other, "spec": asdict(spec),
                                   "epochs": spec.epochs_for(budget)})
        other_checkpoint = other_folder / "pretrain.pt"
        if not other_checkpoint.exists():
            continue
        try:
            other_done = len(load_checkpoint(other_checkpoint)["losses"])
        except ValueError:  # unreadable: that training will say so itself
            continue
        if 0 < other_done <= epochs and (best is None or other_done > best[2]):
            best = (other, other_folder, other_done)
    if best is None:
        return
    other, other_folder, other_done = best
    segments = _earlier_segments(other_folder / "pretrain_clock.json", other_folder / "pretrain.pt", other_done)
    _write_clock(folder / "pretrain_clock.json", segments)  # [] if untrustworthy: untimed, never guessed
    with atomic_path(folder / "started_from.json") as tmp:
        tmp.write_text(json.dumps({"autoencoder": other, "epochs": other_done}))
    with atomic_path(folder / "pretrain.pt") as tmp:  # last: it is what marks the start as made
        shutil.copyfile(other_folder / "pretrain.pt", tmp)


def _read_started_from(folder: Path) -> dict | None:
    try:
        found = json.loads((folder / "started_from.json").read_text())
        return {"autoencoder": str(found["autoencoder"]), "epochs": int(found["epochs"])}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _earlier_segments(clock_path: Path, checkpoint: Path, done: int) -> list[dict]:
    """The timed runs of this training before now, each ``{"from_epoch", "to_epoch",
    "seconds"}``, covering epochs ``segments[0]["from_epoch"]`` to ``done``.

    A run that was killed left its segment open; it is closed with the time its
    last checkpoint was written, which is when its last complete epoch ended (the
    partial epoch after it is trained again, and counted then). A clock that is
    missing, unreadable or does not add up to the checkpoint's ``done`` epochs is
    dropped: those epochs are then reported as untimed, never guessed.
    """
    try:
        segments = json.loads(clock_path.read_text()) if done else []
        if segments and "to_epoch" not in segments[-1]:
            last = segments[-1]
            ended = max(checkpoint.stat().st_mtime, last["started"])
            segments[-1] = {"from_epoch": last["from_epoch"], "to_epoch": done, "seconds": ended - last["started"]}
        edges = [s["from_epoch"] for s in segments] + [done]
        if any(s["to_epoch"] != e for s, e in zip(segments, edges[1:])) or edges[0] > done:
            return []
        return [{k: s[k] for k in ("from_epoch", "to_epoch", "seconds")} for s in segments]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []


def _write_clock(path: Path, segments: list[dict]) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(segments, indent=1))


def trained_codes(name: str, images: np.ndarray, budget: Budget, seed: int, device: str,
                  progress: bool = True) -> tuple[np.ndarray, dict]:
    """The codes of ``images`` under autoencoder ``name`` pretrained with ``seed``.

    Loaded from the cache when present and verified, else from the codes committed
    under ``results/codes/`` (:mod:`caeward.stored_codes`) when they are this
    training's and verified; otherwise trained (or its training resumed) and cached.

    Returns
    -------
    codes : ndarray of float32, shape (n, code_dim)
    info : dict
        As :func:`trained_model`, plus ``reconstruction_mse``, ``cached`` (no
        training was needed) and ``source`` (``"cache"``, ``"committed"`` or
        ``"trained"``). Trainings cached before ``trained_on`` was recorded lack it.
    """
    key, folder = _cache_folder(name, images, budget, seed)
    codes_path, meta_path = folder / "codes.npy", folder / "codes.json"
    found = load_verified_array(codes_path, meta_path)
    if found is not None:  # else missing, unreadable or unverified: look further
        return found[0], {**found[1], "cached": True, "source": "cache"}
    found = stored_codes.load(_stored_folder(key, budget), key)
    if found is not None:
        return found[0], {**found[1], "cached": True, "source": "committed"}
    model, info, x = _pretrain(name, images, budget, seed, device, progress, key, folder)
    start = time.perf_counter()
    codes = embed(model, x)
    info["embed_s"] = time.perf_counter() - start
    info["reconstruction_mse"] = reconstruction_error(model, x)
    save_verified_array(codes_path, meta_path, codes, info)
    return codes, {**info, "cached": False, "source": "trained"}


def store_codes(name: str, images: np.ndarray, budget: Budget, seed: int) -> Path:
    """Commit-ready copy of a cached training's codes, for the chapters' figures.

    Writes them under ``results/codes/<budget>/`` (:mod:`caeward.stored_codes`) with
    the training's record and the commit and versions that stored them; returns the
    folder. The training must be in the cache (``python -m caeward train`` first).
    """
    key, folder = _cache_folder(name, images, budget, seed)
    found = load_verified_array(folder / "codes.npy", folder / "codes.json")
    if found is None:
        raise FileNotFoundError(f"the codes of {name} (seed {seed}, {len(images):,} images, budget "
                                f"{budget.name}) are not in the cache {cache_root()}: train them first, "
                                f"with python -m caeward train")
    codes, info = found
    info = {k: v for k, v in info.items() if k != "folder"}  # a path on this machine only
    stored = {"stored_by": {**runtime.git_commit(), "versions": runtime.versions(),
                            "created": runtime.utc_timestamp()}}
    return stored_codes.save(_stored_folder(key, budget), codes, {**info, **stored})


def reload_model(name: str, images: np.ndarray, budget: Budget, seed: int, device: str):
    """A fresh copy of the pretrained autoencoder, from its checkpoint (for methods
    such as DEC that fine-tune it and must not disturb the cached one)."""
    _, folder = _cache_folder(name, images, budget, seed)
    model = AUTOENCODERS[name].build(images.shape[-1])
    model.load_state_dict(load_checkpoint(folder / "pretrain.pt")["model"])
    return model.to(device).eval()

