import pytest
import torch

from caeward.models import ConvAutoencoder, DeepConvAutoencoder, StackedAutoencoder, head_geometry

MODELS = [
    (StackedAutoencoder, {}),
    (ConvAutoencoder, {}),
    (ConvAutoencoder, {"skip": True}),
    (DeepConvAutoencoder, {}),
    (DeepConvAutoencoder, {"skip": True}),
    (DeepConvAutoencoder, {"convs_per_stage": 3, "code_dim": 5}),
]


@pytest.mark.parametrize("size", [28, 16])
@pytest.mark.parametrize("cls, kwargs", MODELS, ids=lambda v: getattr(v, "__name__", str(v)))
def test_shapes_and_round_trip(cls, kwargs, size):
    torch.manual_seed(0)
    model = cls(image_size=size, **kwargs)
    x = torch.rand(5, 1, size, size)
    z, recon = model(x)
    assert z.shape == (5, kwargs.get("code_dim", 10))
    assert recon.shape == x.shape
    assert torch.equal(model.encode(x), z)
    if not kwargs.get("skip"):
        assert torch.allclose(model.decode(z), recon)


def test_dcec_geometry_on_mnist():
    # DCEC: 28 -> 14 -> 7 -> 3 (valid head on the odd 7x7 map); USPS: 16 -> 8 -> 4 -> 2 ("same")
    assert head_geometry(7) == (3, False) and head_geometry(4) == (2, True)
    model = ConvAutoencoder()
    assert model.to_code.in_features == 128 * 3 * 3
    assert [m.out_channels for m in model.stages] + [model.head.out_channels] == [32, 64, 128]


def test_skip_connections_reach_the_decoder():
    torch.manual_seed(0)
    plain = DeepConvAutoencoder()
    skip = DeepConvAutoencoder(skip=True)
    skip.load_state_dict(plain.state_dict())  # same weights: skips add no parameters
    x = torch.rand(3, 1, 28, 28)
    assert torch.equal(plain.encode(x), skip.encode(x))
    assert not torch.allclose(plain(x)[1], skip(x)[1])


def test_deeper_encoder_is_deeper_with_few_parameters():
    dcec, ours = ConvAutoencoder(), DeepConvAutoencoder()
    convs = lambda m: sum(isinstance(l, torch.nn.Conv2d) for l in m.modules())
    params = lambda m: sum(p.numel() for p in m.parameters())
    assert convs(ours) > convs(dcec)
    assert params(ours) < 2 * params(dcec)


@pytest.mark.parametrize("cls", [ConvAutoencoder, DeepConvAutoencoder])
@pytest.mark.parametrize("size", [30, 8])
def test_unfitting_size_is_refused_clearly(cls, size):
    with pytest.raises(ValueError, match="multiple of"):
        cls(image_size=size)


def test_wrong_input_shape_is_refused():
    with pytest.raises(ValueError, match=r"\(n, 1, 28, 28\)"):
        ConvAutoencoder()(torch.rand(2, 28, 28))
    with pytest.raises(ValueError, match=r"\(n, 1, 16, 16\)"):
        StackedAutoencoder(image_size=16)(torch.rand(2, 1, 28, 28))
