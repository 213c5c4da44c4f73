import numpy as np
import pytest
import torch

from caeward.dec import SelfTraining, self_train, soft_assignment, target_distribution
from caeward.metrics import cluster_acc
from caeward.models import StackedAutoencoder
from caeward.train import pretrain, to_tensor


def test_soft_assignment_by_hand():
    z = torch.tensor([[0.0, 0.0], [1.0, 0.0]])
    centres = torch.tensor([[0.0, 0.0], [2.0, 0.0]])
    q = soft_assignment(z, centres)
    # row 0: squared distances 0 and 4 -> 1 and 1/5 -> (5/6, 1/6); row 1: 1 and 1 -> (1/2, 1/2)
    torch.testing.assert_close(q, torch.tensor([[5 / 6, 1 / 6], [0.5, 0.5]]))


def test_soft_assignment_alpha():
    q = soft_assignment(torch.tensor([[0.0]]), torch.tensor([[0.0], [1.0]]), alpha=2.0)
    # (1 + 1/2)^(-3/2) beside 1
    w = 1.5 ** -1.5
    torch.testing.assert_close(q, torch.tensor([[1 / (1 + w), w / (1 + w)]]))


def test_target_distribution_by_hand():
    q = torch.tensor([[5 / 6, 1 / 6], [0.5, 0.5]])
    p = target_distribution(q)
    # f = (4/3, 2/3); row 0: (25/36)/(4/3), (1/36)/(2/3) -> normalised (25/27, 2/27)
    # row 1: (1/4)/(4/3), (1/4)/(2/3) -> (3/16, 3/8) -> (1/3, 2/3)
    torch.testing.assert_close(p, torch.tensor([[25 / 27, 2 / 27], [1 / 3, 2 / 3]]))
    torch.testing.assert_close(p.sum(1), torch.ones(2))


def test_target_uses_all_samples():
    q = torch.softmax(torch.randn(50, 3, generator=torch.Generator().manual_seed(0)), 1)
    full = target_distribution(q)
    per_batch = torch.cat([target_distribution(q[:25]), target_distribution(q[25:])])
    assert not torch.allclose(full, per_batch)  # the frequencies f_j are global


def _two_blobs():
    rng = np.random.default_rng(0)
    imgs = np.zeros((120, 12, 12), np.float32)
    imgs[:60, 2:5, :] = 1.0   # horizontal bar
    imgs[60:, :, 7:10] = 1.0  # vertical bar
    imgs += rng.normal(scale=0.05, size=imgs.shape).astype(np.float32)
    return np.clip(imgs, 0, 1), np.repeat([0, 1], 60)


@pytest.mark.parametrize("gamma, optimizer", [(None, "sgd"), (0.1, "adam")])
def test_self_training_runs_and_stops(gamma, optimizer):
    images, truth = _two_blobs()
    x = to_tensor(images)
    torch.manual_seed(0)
    model = StackedAutoencoder(image_size=12, hidden=(64, 32), code_dim=2)
    pretrain(model, x, epochs=30, batch_size=32, progress=False)
    settings = SelfTraining(gamma=gamma, optimizer=optimizer, lr=0.01 if optimizer == "sgd" else 1e-3,
                            batch_size=32, update_interval=10, maxiter=200)
    out = self_train(model, x, 2, settings, seed=0, progress=False)
    assert out["labels"].shape == (120,)
    assert cluster_acc(truth, out["labels"]) == 1.0
    assert out["stopped"] == "tol" and out["iterations"] < 200  # two clean blobs settle at once
