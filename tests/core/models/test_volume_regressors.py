"""Volume-regression baselines: torchvision regressors take stacked views; the linear model is a + b x."""

from __future__ import annotations

import pytest
import torch

from organseg_plugins.core.models import CNN_ARCHS, CNNVolumeRegressor, LinearVolumeRegressor


@pytest.mark.parametrize("arch", CNN_ARCHS)
def test_cnn_regressors_take_two_views(arch):
    torch.manual_seed(0)
    net = CNNVolumeRegressor(arch, in_channels=2).eval()
    with torch.no_grad():
        assert net(torch.zeros(2, 2, 32, 32)).shape == (2,)


def test_linear_regressor_by_hand():
    net = LinearVolumeRegressor()
    assert net.coefficients() == (0.0, 0.0)
    with torch.no_grad():
        net.linear.bias.fill_(1.0)
        net.linear.weight.fill_(2.0)
    # v = 1 + 2 x
    assert net(torch.tensor([0.0, 1.5])).tolist() == [1.0, 4.0]


def test_unknown_arch():
    with pytest.raises(ValueError, match="arch"):
        CNNVolumeRegressor("alexnet")
