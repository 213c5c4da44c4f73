"""caeward.anatomy: layer tables that add up, and gradients that stay where convolutions put them."""

import numpy as np
import pytest
import torch

from caeward import anatomy
from caeward.models import ConvAutoencoder, DeepConvAutoencoder, StackedAutoencoder


@pytest.mark.parametrize("cls", [StackedAutoencoder, ConvAutoencoder, DeepConvAutoencoder])
def test_layer_table_counts_every_parameter(cls):
    model = cls(image_size=28)
    table = anatomy.layer_table(model)
    assert table["parameters"].sum() == sum(p.numel() for p in model.parameters())
    assert table.iloc[-1]["output"] == "1×28×28" or table.iloc[-1]["output"] == "784"
    code_rows = table[table["does"].str.endswith("→ 10")]
    assert len(code_rows) == 1 and code_rows.iloc[0]["part"] == "encoder"


def _image():
    torch.manual_seed(0)
    return torch.rand(1, 1, 28, 28)


def test_sae_last_layer_only_reaches_the_region_rows():
    torch.manual_seed(0)
    model = StackedAutoencoder().eval()
    out = anatomy.region_gradients(model, _image(), slice(4, 10), slice(8, 14))
    last = out["layers"][-1]
    # the output layer: its 36 region units, and so only their weight rows (fewer where an
    # input unit is an inactive ReLU: a weight's gradient is its input times the unit's)
    assert last["positions"] == pytest.approx(36 / 784)
    assert 0 < last["params_reached"] <= 36 / 784
    assert (out["input"] > 0).mean() > 0.9  # dense layers spread it over the whole input


def test_cae_decoder_maps_are_reached_only_near_the_region():
    torch.manual_seed(0)
    model = ConvAutoencoder().eval()
    rows, cols = slice(4, 10), slice(8, 14)
    out = anatomy.region_gradients(model, _image(), rows, cols)
    by_name = {layer["layer"]: layer for layer in out["layers"]}
    # the 14x14 map feeding the last transposed conv (5x5, stride 2, padding 2): output pixel
    # i draws on positions p with |2p - i| <= 2, so only p in [1, 5] x [3, 7] can be reached
    reached = by_name["decoder.ups.1"]["positions"]
    assert reached.shape == (14, 14) and reached.any()
    allowed = np.zeros_like(reached)
    allowed[1:6, 3:8] = True
    assert not (reached & ~allowed).any()
    # the shared kernel of the last layer: most weights get gradient (all but those of
    # channels inactive near the region), unlike the SAE's few rows
    assert by_name["decoder.ups.2"]["params_reached"] > 0.5
    # the loss is zero outside the region: a region of the whole image reaches everything
    whole = anatomy.region_gradients(model, _image(), slice(0, 28), slice(0, 28))
    assert {l["layer"]: l for l in whole["layers"]}["decoder.ups.1"]["positions"].mean() > reached.mean()
