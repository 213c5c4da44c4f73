"""Several seeds trained as one batched model: each seed's training is the single one's,
up to float rounding, and their checkpoints are interchangeable."""

import json

import pytest
import torch

from caeward import runtime
from caeward.experiments import runner, training_cache, trainings
from caeward.experiments.registry import AUTOENCODERS
from caeward.experiments.settings import BUDGETS
from caeward.train import load_checkpoint, pretrain, to_tensor
from caeward.train_batched import pretrain_seeds

SEEDS = [0, 3]
# Losses are means over the epoch: rounding moves them in the last float32 digits. The
# weights after a few Adam steps differ by less than a step (lr 1e-3): where a gradient
# is near zero, its rounding can change that element's normalised step.
LOSS_TOLERANCE = dict(rtol=1e-5, atol=1e-7)
WEIGHT_TOLERANCE = dict(rtol=1e-3, atol=2e-4)


@pytest.fixture(scope="module")
def x():
    images, _ = runner.load_dataset("mnist-test", "quick")
    return to_tensor(images[:384])  # two batches, the second short: 4 steps in 2 epochs


def _built(name, seed):
    runtime.seed_everything(seed)  # as the store builds a training's model
    return AUTOENCODERS[name].build(28)


def _single(name, x, seed, epochs, checkpoint=None):
    spec = AUTOENCODERS[name]
    model = _built(name, seed)
    losses = pretrain(model, x, epochs, optimizer=spec.optimizer, lr=spec.lr, seed=seed, checkpoint=checkpoint,
                      progress=False)
    return model, losses


@pytest.mark.parametrize("name", ["sae", "cae"])
def test_batched_seeds_reproduce_single_trainings(name, x):
    spec = AUTOENCODERS[name]
    models = [_built(name, seed) for seed in SEEDS]
    batched = pretrain_seeds(models, x, 2, seeds=SEEDS, optimizer=spec.optimizer, lr=spec.lr, progress=False)
    for seed, model, losses in zip(SEEDS, models, batched):
        alone, alone_losses = _single(name, x, seed, 2)
        torch.testing.assert_close(torch.tensor(losses), torch.tensor(alone_losses), **LOSS_TOLERANCE)
        for (key, got), (_, want) in zip(model.state_dict().items(), alone.state_dict().items()):
            torch.testing.assert_close(got, want, **WEIGHT_TOLERANCE, msg=f"seed {seed}, {key}")
    # and the seeds are different trainings, not one trained twice
    first = [next(iter(m.state_dict().values())) for m in models]
    assert not torch.allclose(first[0], first[1], atol=1e-3)


def test_a_batched_checkpoint_resumes_as_a_single_training(x, tmp_path):
    spec = AUTOENCODERS["sae"]
    paths = [tmp_path / f"seed{seed}.pt" for seed in SEEDS]
    pretrain_seeds([_built("sae", s) for s in SEEDS], x, 1, seeds=SEEDS, optimizer=spec.optimizer, lr=spec.lr,
                   checkpoints=paths, progress=False)
    state = load_checkpoint(paths[1])
    assert set(state) == {"model", "optimizer", "losses"} and len(state["losses"]) == 1
    resumed, resumed_losses = _single("sae", x, SEEDS[1], 2, checkpoint=paths[1])
    alone, alone_losses = _single("sae", x, SEEDS[1], 2)
    torch.testing.assert_close(torch.tensor(resumed_losses), torch.tensor(alone_losses), **LOSS_TOLERANCE)
    for got, want in zip(resumed.state_dict().values(), alone.state_dict().values()):
        torch.testing.assert_close(got, want, **WEIGHT_TOLERANCE)


def test_checkpoints_of_different_lengths_are_not_batched(x, tmp_path):
    spec = AUTOENCODERS["sae"]
    paths = [tmp_path / "a.pt", tmp_path / "b.pt"]
    _single("sae", x, 0, 1, checkpoint=paths[0])
    with pytest.raises(ValueError, match="some seeds have a checkpoint and others not"):
        pretrain_seeds([_built("sae", s) for s in (0, 1)], x, 2, seeds=[0, 1], optimizer=spec.optimizer,
                       lr=spec.lr, checkpoints=paths, progress=False)


def test_store_trains_missing_seeds_batched_and_records_it(tmp_path, monkeypatch):
    monkeypatch.setenv("CAEWARD_CACHE", str(tmp_path / "cache"))
    images, _ = runner.load_dataset("mnist-test", "quick")
    images, budget = images[:256], BUDGETS["quick"]
    trainings.trained_codes("sae", images, budget, 1, "cpu", progress=False)  # seed 1 is cached already
    found = trainings.trained_codes_seeds("sae", images, budget, [0, 1, 2], "cpu", progress=False)
    assert [info["source"] for _, info in found] == ["trained", "cache", "trained"]
    for seed, (codes, info) in zip([0, 1, 2], found):
        assert codes.shape == (256, 10) and info["key"]["seed"] == seed
    epochs = budget.sae_epochs
    assert found[0][1]["pretrain_batched"] == [{"from_epoch": 0, "to_epoch": epochs, "batched": 2}]
    assert found[1][1]["pretrain_batched"] == []
    clock = json.loads((training_cache.training_folder(found[2][1]["key"]) / "pretrain_clock.json").read_text())
    assert clock[0]["batched"] == 2 and clock[0]["seconds"] > 0
    # the batched seed's codes are those its single training makes, up to rounding
    monkeypatch.setenv("CAEWARD_CACHE", str(tmp_path / "alone"))
    alone, _ = trainings.trained_codes("sae", images, budget, 2, "cpu", progress=False)
    torch.testing.assert_close(torch.from_numpy(found[2][0]), torch.from_numpy(alone), rtol=1e-3, atol=1e-3)
