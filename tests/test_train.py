import numpy as np
import pytest
import torch

from caeward.models import ConvAutoencoder
from caeward.train import CheckpointError, embed, load_checkpoint, pretrain, save_checkpoint, to_tensor


def _data(n=96, size=16, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, size, size), dtype=np.uint8)


def _model(seed=0):
    torch.manual_seed(seed)
    return ConvAutoencoder(image_size=16)


def test_to_tensor_scales_uint8():
    x = to_tensor(np.full((2, 4, 4), 255, np.uint8))
    assert x.shape == (2, 1, 4, 4) and x.dtype == torch.float32 and float(x.max()) == 1.0


def test_training_lowers_the_loss():
    x = to_tensor(_data())
    losses = pretrain(_model(), x, epochs=8, batch_size=32, progress=False)
    assert len(losses) == 8 and losses[-1] < 0.8 * losses[0]


def test_resume_gives_the_same_weights(tmp_path):
    x = to_tensor(_data())
    straight = _model()
    losses_straight = pretrain(straight, x, epochs=4, batch_size=32, seed=3, progress=False)

    ckpt = tmp_path / "pretrain.pt"
    pretrain(_model(), x, epochs=2, batch_size=32, seed=3, checkpoint=ckpt, progress=False)  # "interrupted"
    resumed = _model(seed=99)  # different initial weights: the checkpoint must win
    losses_resumed = pretrain(resumed, x, epochs=4, batch_size=32, seed=3, checkpoint=ckpt, progress=False)

    assert losses_resumed == losses_straight
    for (k, a), (_, b) in zip(straight.state_dict().items(), resumed.state_dict().items()):
        assert torch.equal(a, b), k
    assert np.array_equal(embed(straight, x), embed(resumed, x))


def test_same_seed_same_run():
    x = to_tensor(_data())
    a, b = _model(), _model()
    pretrain(a, x, epochs=2, batch_size=32, seed=1, progress=False)
    pretrain(b, x, epochs=2, batch_size=32, seed=1, progress=False)
    assert np.array_equal(embed(a, x), embed(b, x))


def test_checkpoint_round_trip_is_weights_only(tmp_path):
    model = _model()
    save_checkpoint(tmp_path / "c.pt", {"model": model.state_dict()})
    state = load_checkpoint(tmp_path / "c.pt")
    assert all(torch.equal(state["model"][k], v) for k, v in model.state_dict().items())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.pt", "c.pt.sha256.json"]  # no temporary left


def test_damaged_checkpoint_is_reported(tmp_path):
    bad = tmp_path / "pretrain.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="cannot be used"):
        pretrain(_model(), to_tensor(_data()), epochs=1, checkpoint=bad, progress=False)


def test_checkpoint_beyond_the_asked_epochs_is_refused(tmp_path):
    x = to_tensor(_data())
    ckpt = tmp_path / "p.pt"
    pretrain(_model(), x, epochs=2, batch_size=32, checkpoint=ckpt, progress=False)
    with pytest.raises(ValueError, match="more than"):
        pretrain(_model(), x, epochs=1, checkpoint=ckpt, progress=False)


def test_bf16_autocast_trains():
    losses = pretrain(_model(), to_tensor(_data()), epochs=3, batch_size=32, bf16=True, progress=False)
    assert np.all(np.isfinite(losses)) and losses[-1] < losses[0]
