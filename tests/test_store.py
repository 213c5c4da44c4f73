"""The training clock: a resumed training reports the wall time of all its runs; a
training continues a shorter sibling that differs from it only in epochs."""

import datetime as dt
import json

import numpy as np
import pytest
import torch

from caeward.experiments import (committed_codes, registry, runner, sibling_starts, training_cache,
                                 trainings)
from caeward.experiments.settings import BUDGETS, Budget, codes_dir
from caeward.files import save_verified_array

QUICK = BUDGETS["quick"]


def _folder(name, images, budget, seed):
    return training_cache.training_folder(training_cache.training_key(name, images, budget, seed))


@pytest.fixture
def quick_images(tmp_path, monkeypatch):
    monkeypatch.setenv("CAEWARD_CACHE", str(tmp_path / "cache"))
    images, _ = runner.load_dataset("mnist-test", "quick")
    return images[:512]


def _killed_after_one_epoch(images, monkeypatch):
    """Start the training and stop it after its first epoch, as a killed run would;
    return its cache folder."""
    real = trainings.pretrain

    def one_epoch_then_killed(model, x, epochs, **kwargs):
        real(model, x, 1, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(trainings, "pretrain", one_epoch_then_killed)
    with pytest.raises(KeyboardInterrupt):
        trainings.trained_model("cae", images, QUICK, 0, "cpu", progress=False)
    monkeypatch.setattr(trainings, "pretrain", real)
    return _folder("cae", images, QUICK, 0)


def test_uninterrupted_training_is_one_timed_run(quick_images):
    _, info = trainings.trained_model("cae", quick_images, QUICK, 0, "cpu", progress=False)
    assert info["pretrain_runs"] == 1 and info["pretrain_untimed_epochs"] == 0 and info["pretrain_s"] > 0


def test_resumed_training_adds_up_both_runs(quick_images, monkeypatch):
    folder = _killed_after_one_epoch(quick_images, monkeypatch)
    clock = json.loads((folder / "pretrain_clock.json").read_text())
    assert clock == [{"from_epoch": 0, "started": clock[0]["started"]}]  # left open by the kill
    _, info = trainings.trained_model("cae", quick_images, QUICK, 0, "cpu", progress=False)
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
    _, info = trainings.trained_model("cae", quick_images, QUICK, 0, "cpu", progress=False)
    assert info["pretrain_untimed_epochs"] == 1 and info["pretrain_runs"] == 1


# ------------------------------------------------ trainings that differ only in epochs

SHORT_AND_LONG = {"short": registry.AutoencoderSpec("ConvAutoencoder", epochs=1),
                  "long": registry.AutoencoderSpec("ConvAutoencoder", epochs=2),
                  "other": registry.AutoencoderSpec("ConvAutoencoder", {"skip": True}, epochs=1)}
# a budget that is not "quick", so each spec's own epochs apply
EPOCHS_OF_SPEC = Budget("epochs-of-spec", max_samples=None)


@pytest.fixture
def siblings(monkeypatch):
    monkeypatch.setattr(registry, "AUTOENCODERS", SHORT_AND_LONG)
    # and in each module of the store that looks an autoencoder up by name
    for module in (training_cache, sibling_starts, trainings):
        monkeypatch.setattr(module, "AUTOENCODERS", SHORT_AND_LONG)


def test_longer_training_continues_its_shorter_sibling(quick_images, siblings, tmp_path, monkeypatch):
    short_codes, short = trainings.trained_codes("short", quick_images, EPOCHS_OF_SPEC, 0, "cpu", progress=False)
    codes, info = trainings.trained_codes("long", quick_images, EPOCHS_OF_SPEC, 0, "cpu", progress=False)
    assert info["pretrain_started_from"] == {"autoencoder": "short", "epochs": 1}
    assert info["losses"][0] == short["losses"][0] and len(info["losses"]) == 2
    # its clock is the sibling's first epoch plus its own second one
    assert info["pretrain_runs"] == 2 and info["pretrain_untimed_epochs"] == 0
    assert info["pretrain_s"] > short["pretrain_s"]
    # and it is the same training as one run straight through, in a cache of its own
    monkeypatch.setenv("CAEWARD_CACHE", str(tmp_path / "alone"))
    alone_codes, alone = trainings.trained_codes("long", quick_images, EPOCHS_OF_SPEC, 0, "cpu", progress=False)
    assert alone["pretrain_started_from"] is None and alone["pretrain_runs"] == 1
    np.testing.assert_allclose(codes, alone_codes, rtol=0, atol=1e-5)
    np.testing.assert_allclose(info["losses"], alone["losses"], rtol=1e-6)
    assert not np.allclose(codes, short_codes)  # the second epoch did change the codes


def test_no_sibling_past_the_epochs_or_of_another_design_is_continued(quick_images, siblings):
    trainings.trained_model("long", quick_images, EPOCHS_OF_SPEC, 0, "cpu", progress=False)
    _, short = trainings.trained_model("short", quick_images, EPOCHS_OF_SPEC, 0, "cpu", progress=False)
    assert short["pretrain_started_from"] is None  # "long" holds 2 epochs, more than 1
    _, other = trainings.trained_model("other", quick_images, EPOCHS_OF_SPEC, 0, "cpu", progress=False)
    assert other["pretrain_started_from"] is None  # skip connections: another model


def test_the_proposed_variants_200_epochs_continue_their_50_epoch_twin(quick_images):
    """The ablation's 50-epoch twins are worth running first only if the 200-epoch
    variant then continues them: with the registered specs, the twin is found as its
    sibling (the trainings differ in their epochs and nothing else)."""
    name = "proposed-code5"
    images = quick_images[:64]  # 50 epochs of the real network, in seconds
    _, twin = trainings.trained_model(f"{name}-50ep", images, EPOCHS_OF_SPEC, 0, "cpu", progress=False)
    assert len(twin["losses"]) == 50
    key = training_cache.training_key(name, images, EPOCHS_OF_SPEC, 0)
    folder = training_cache.training_folder(key)
    assert key["epochs"] == 200
    folder.mkdir(parents=True)
    sibling_starts._start_from_sibling(key, EPOCHS_OF_SPEC, folder)
    assert sibling_starts._read_started_from(folder) == {"autoencoder": f"{name}-50ep", "epochs": 50}
    for variant in registry.PROPOSED_VARIANTS:  # and so for every variant: same design, other epochs
        spec, twin_spec = registry.AUTOENCODERS[variant], registry.AUTOENCODERS[f"{variant}-50ep"]
        assert twin_spec.epochs == 50 and twin_spec.cls == spec.cls and twin_spec.kwargs == spec.kwargs


# ------------------------------------------------------------- committed codes

@pytest.fixture
def committed(quick_images, tmp_path, monkeypatch):
    """A quick training stored under a temporary results folder, then dropped from the cache."""
    monkeypatch.setenv("CAEWARD_RESULTS", str(tmp_path / "results"))
    trained, _ = trainings.trained_codes("cae", quick_images, QUICK, 0, "cpu", progress=False)
    folder, _ = committed_codes.store_codes("cae", quick_images, QUICK, 0)
    _folder("cae", quick_images, QUICK, 0).joinpath("codes.npy").unlink()
    return trained, folder


def _no_training(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("trained although the codes are committed")
    monkeypatch.setattr(trainings, "pretrain", refuse)


def test_committed_codes_serve_when_the_cache_lacks_them(quick_images, committed, monkeypatch):
    trained, folder = committed
    assert folder.parent == codes_dir(QUICK)
    assert training_cache.is_cached("cae", quick_images, QUICK, 0)
    _no_training(monkeypatch)
    codes, info = trainings.trained_codes("cae", quick_images, QUICK, 0, "cpu", progress=False)
    np.testing.assert_array_equal(codes, trained)
    assert info["source"] == "committed" and info["cached"]
    assert info["trained_on"]["device"] == "cpu" and "folder" not in info
    assert info["stored_by"]["versions"]["torch"]
    # the same format as a result's "created": ISO 8601 in UTC, as isoformat() writes it
    created = dt.datetime.fromisoformat(info["stored_by"]["created"])
    assert created.utcoffset() == dt.timedelta(0)
    assert created.isoformat(timespec="seconds") == info["stored_by"]["created"]


def test_committed_codes_that_fail_their_check_are_not_used(quick_images, committed):
    trained, folder = committed
    data = bytearray((folder / "codes.npy").read_bytes())
    data[-1] ^= 0xFF
    (folder / "codes.npy").write_bytes(bytes(data))
    with pytest.warns(UserWarning, match="SHA-256"):
        codes, info = trainings.trained_codes("cae", quick_images, QUICK, 0, "cpu", progress=False)
    assert info["source"] == "trained"
    assert (folder / "codes.npy").read_bytes() == bytes(data)  # never overwritten
    np.testing.assert_array_equal(codes, trained)  # same machine, same seed: the same training


def test_committed_codes_of_another_training_are_not_used(quick_images, committed):
    _, folder = committed
    codes = np.load(folder / "codes.npy")
    info = json.loads((folder / "codes.json").read_text())["info"]
    info["key"]["seed"] = 1  # verified, but of another training
    save_verified_array(folder / "codes.npy", folder / "codes.json", codes, info)
    with pytest.warns(UserWarning, match="another training"):
        _, info = trainings.trained_codes("cae", quick_images, QUICK, 0, "cpu", progress=False)
    assert info["source"] == "trained"


def test_storing_needs_the_training_in_the_cache(quick_images, tmp_path, monkeypatch):
    monkeypatch.setenv("CAEWARD_RESULTS", str(tmp_path / "results"))
    with pytest.raises(training_cache.StoreError, match="python -m caeward train"):
        committed_codes.store_codes("cae", quick_images, QUICK, 0)
    assert not training_cache.is_cached("cae", quick_images, QUICK, 0)


def test_committed_weights_give_the_trained_network_without_training(quick_images, tmp_path, monkeypatch):
    monkeypatch.setenv("CAEWARD_RESULTS", str(tmp_path / "results"))
    model, info = trainings.trained_model("cae", quick_images, QUICK, 0, "cpu", progress=False)
    trainings.trained_codes("cae", quick_images, QUICK, 0, "cpu", progress=False)
    folder, written = committed_codes.store_codes("cae", quick_images, QUICK, 0, weights=True)
    assert written and (folder / "weights.safetensors").exists()
    cache = _folder("cae", quick_images, QUICK, 0)
    for name in ("pretrain.pt", "pretrain.pt.sha256.json", "codes.npy"):
        cache.joinpath(name).unlink()
    _no_training(monkeypatch)
    loaded, loaded_info = trainings.trained_model("cae", quick_images, QUICK, 0, "cpu", progress=False)
    assert loaded_info["source"] == "committed" and loaded_info["losses"] == info["losses"]
    for (name, a), b in zip(model.state_dict().items(), loaded.state_dict().values()):
        assert torch.equal(a, b), name
    assert not loaded.training


def test_committed_weights_that_fail_their_check_are_not_used(quick_images, tmp_path, monkeypatch):
    monkeypatch.setenv("CAEWARD_RESULTS", str(tmp_path / "results"))
    trainings.trained_codes("cae", quick_images, QUICK, 0, "cpu", progress=False)
    folder, _ = committed_codes.store_codes("cae", quick_images, QUICK, 0, weights=True)
    weights = folder / "weights.safetensors"
    weights.write_bytes(weights.read_bytes()[:-8] + b"\0" * 8)
    cache = _folder("cae", quick_images, QUICK, 0)
    for name in ("pretrain.pt", "pretrain.pt.sha256.json"):
        cache.joinpath(name).unlink()
    with pytest.warns(UserWarning, match="committed weights .* are not used"):
        _, info = trainings.trained_model("cae", quick_images, QUICK, 0, "cpu", progress=False)
    assert info["source"] == "trained"  # trained again; the damaged file is left for git to restore
    assert weights.exists()


def test_weights_join_codes_committed_earlier_when_the_checkpoint_is_their_training(quick_images, committed):
    _, folder = committed  # codes committed, then dropped from the cache; the checkpoint stays
    assert not (folder / "weights.safetensors").exists()
    again, written = committed_codes.store_codes("cae", quick_images, QUICK, 0, weights=True)
    assert again == folder and written and (folder / "weights.safetensors").exists()


def test_stored_run_codes_takes_the_first_seed_whose_codes_are_the_stored_runs_training(
        tmp_path, monkeypatch):
    import numpy as np

    from _tools import make_result
    from caeward.experiments.settings import BUDGETS
    from caeward.experiments.run_codes import own_codes_by_seed, stored_run_codes
    from caeward.experiments.training_cache import training_folder, training_key
    from caeward.files import save_verified_array

    monkeypatch.setenv("CAEWARD_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("CAEWARD_RESULTS", str(tmp_path / "results"))
    budget, images = BUDGETS["quick"], np.zeros((4, 28, 28), np.uint8)

    def cache(seed, losses):
        key = training_key("cae", images, budget, seed)
        folder = training_folder(key)
        folder.mkdir(parents=True)
        (folder / "key.json").write_text(json.dumps(key))  # a training folder records its key
        save_verified_array(folder / "codes.npy", folder / "codes.json",
                            np.full((4, 10), seed, np.float32), {"key": key, "losses": losses})

    def result(seed, losses):
        return make_result(method="cae-ward", seed=seed,
                           details={"autoencoder": {"losses": losses}})

    cache(1, [0.3, 0.2])  # another training than the stored run of seed 1
    cache(2, [0.2, 0.1])  # the stored run's own
    results = [result(0, [0.5, 0.4]), result(1, [0.3, 0.25]), result(2, [0.2, 0.1])]
    seed, codes, info, runs = stored_run_codes("cae", images, budget, results, ["cae-ward"],
                                               "mnist-test")
    assert seed == 2 and codes[0, 0] == 2 and list(runs) == ["cae-ward"]
    assert stored_run_codes("cae", images, budget, results[:2], ["cae-ward"], "mnist-test") is None
    # every seed of a stored run, and whether its own training's codes are at hand:
    # seed 0 has none, seed 1 has another training's
    assert own_codes_by_seed("cae", images, budget, results, ["cae-ward"],
                             "mnist-test") == {0: False, 1: False, 2: True}
