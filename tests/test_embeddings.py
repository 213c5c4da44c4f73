"""The training clock: a resumed training reports the wall time of all its runs."""

import json

import pytest

from caeward import embeddings, experiment
from caeward.budget import BUDGETS

QUICK = BUDGETS["quick"]


@pytest.fixture
def quick_images(tmp_path, monkeypatch):
    monkeypatch.setenv("CAEWARD_CACHE", str(tmp_path / "cache"))
    images, _ = experiment.load_dataset("mnist-test", "quick")
    return images[:512]


def _killed_after_one_epoch(images, monkeypatch):
    """Start the training and stop it after its first epoch, as a killed run would;
    return its cache folder."""
    real = embeddings.pretrain

    def one_epoch_then_killed(model, x, epochs, **kwargs):
        real(model, x, 1, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(embeddings, "pretrain", one_epoch_then_killed)
    with pytest.raises(KeyboardInterrupt):
        embeddings.trained_model("cae", images, QUICK, 0, "cpu", progress=False)
    monkeypatch.setattr(embeddings, "pretrain", real)
    return embeddings._cache_folder("cae", images, QUICK, 0)[1]


def test_uninterrupted_training_is_one_timed_run(quick_images):
    _, info = embeddings.trained_model("cae", quick_images, QUICK, 0, "cpu", progress=False)
    assert info["pretrain_runs"] == 1 and info["pretrain_untimed_epochs"] == 0 and info["pretrain_s"] > 0


def test_resumed_training_adds_up_both_runs(quick_images, monkeypatch):
    folder = _killed_after_one_epoch(quick_images, monkeypatch)
    clock = json.loads((folder / "pretrain_clock.json").read_text())
    assert clock == [{"from_epoch": 0, "started": clock[0]["started"]}]  # left open by the kill
    _, info = embeddings.trained_model("cae", quick_images, QUICK, 0, "cpu", progress=False)
    assert len(info["losses"]) == QUICK.cae_epochs
    assert info["pretrain_runs"] == 2 and info["pretrain_untimed_epochs"] == 0
    first, second = json.loads((folder / "pretrain_clock.json").read_text())
    assert (first["from_epoch"], first["to_epoch"], second["from_epoch"]) == (0, 1, 1)
    assert first["seconds"] > 0 and second["seconds"] > 0
    assert info["pretrain_s"] == pytest.approx(first["seconds"] + second["seconds"])


@pytest.mark.parametrize("clock", [None, "not json", '[{"from_epoch": 0, "to_epoch": 5, "seconds": 1.0}]'])
def test_epochs_without_a_trustworthy_clock_are_reported_untimed(quick_images, monkeypatch, clock):
    folder = _killed_after_one_epoch(quick_images, monkeypatch)
    path = folder / "pretrain_clock.json"
    if clock is None:  # trained by a version that kept no clock
        path.unlink()
    else:  # damaged, or not adding up to the checkpoint's one epoch
        path.write_text(clock)
    _, info = embeddings.trained_model("cae", quick_images, QUICK, 0, "cpu", progress=False)
    assert info["pretrain_untimed_epochs"] == 1 and info["pretrain_runs"] == 1
