"""The liver paper's U-Net (Sattari et al. 2025, Table 4): row-by-row shapes, parameter count, dropout."""

import pytest
import torch
from torch import nn

from organseg_plugins.core.models.liver_unet import LiverUNet

# Table 4, transcribed literally: (Layer Type, Filters, Output Shape H x W x C) for a 512 x 512 x 1 input.
TABLE4 = [
    ("Input", None, (512, 512, 1)),
    ("Convolution", 16, (512, 512, 16)), ("Dropout", None, (512, 512, 16)), ("Convolution", 16, (512, 512, 16)),
    ("MaxPooling", None, (256, 256, 16)),
    ("Convolution", 32, (256, 256, 32)), ("Dropout", None, (256, 256, 32)), ("Convolution", 32, (256, 256, 32)),
    ("MaxPooling", None, (128, 128, 32)),
    ("Convolution", 64, (128, 128, 64)), ("Dropout", None, (128, 128, 64)), ("Convolution", 64, (128, 128, 64)),
    ("MaxPooling", None, (64, 64, 64)),
    ("Convolution", 128, (64, 64, 128)), ("Dropout", None, (64, 64, 128)), ("Convolution", 128, (64, 64, 128)),
    ("MaxPooling", None, (32, 32, 128)),
    ("Convolution", 256, (32, 32, 256)), ("Dropout", None, (32, 32, 256)), ("Convolution", 256, (32, 32, 256)),
    ("Conv2DTranspose", 128, (64, 64, 128)), ("Concatenate", None, (64, 64, 256)),
    ("Convolution", 128, (64, 64, 256)), ("Dropout", None, (64, 64, 128)), ("Convolution", 128, (64, 64, 128)),
    ("Conv2DTranspose", 64, (128, 128, 64)), ("Concatenate", None, (128, 128, 128)),
    ("Convolution", 64, (128, 128, 128)), ("Dropout", None, (128, 128, 64)), ("Convolution", 64, (128, 128, 64)),
    ("Conv2DTranspose", 32, (256, 256, 32)), ("Concatenate", None, (256, 256, 64)),
    ("Convolution", 32, (256, 256, 64)), ("Dropout", None, (256, 256, 32)), ("Convolution", 32, (256, 256, 32)),
    ("Conv2DTranspose", 16, (512, 512, 16)), ("Concatenate", None, (512, 512, 32)),
    ("Convolution", 16, (512, 512, 32)), ("Dropout", None, (512, 512, 16)), ("Convolution", 16, (512, 512, 16)),
    ("Convolution", 1, (512, 512, 1)),
]


def _conv3(cin, cout):
    return 9 * cin * cout + cout  # 3x3 kernel weights + one bias per filter


def _deconv2(cin, cout):
    return 4 * cin * cout + cout  # 2x2 transposed kernel + bias


# Parameter count from Table 4's filter numbers (input 1 channel, filters 16/32/64/128/256, biases everywhere):
#   encoder: conv(1,16) 160 + conv(16,16) 2320 + conv(16,32) 4640 + conv(32,32) 9248 + conv(32,64) 18496
#            + conv(64,64) 36928 + conv(64,128) 73856 + conv(128,128) 147584 + conv(128,256) 295168
#            + conv(256,256) 590080                                                        = 1,178,480
#   decoder: deconv(256,128) 131200 + conv(256,128) 295040 + conv(128,128) 147584          =   573,824
#            deconv(128,64) 32832 + conv(128,64) 73792 + conv(64,64) 36928                 =   143,552
#            deconv(64,32) 8224 + conv(64,32) 18464 + conv(32,32) 9248                      =    35,936
#            deconv(32,16) 2064 + conv(32,16) 4624 + conv(16,16) 2320                       =     9,008
#   output:  1x1 conv(16,1) = 16 + 1                                                        =        17
#   total                                                                                   = 1,940,817
HAND_COUNT = (
    _conv3(1, 16) + _conv3(16, 16) + _conv3(16, 32) + _conv3(32, 32) + _conv3(32, 64) + _conv3(64, 64)
    + _conv3(64, 128) + _conv3(128, 128) + _conv3(128, 256) + _conv3(256, 256)
    + _deconv2(256, 128) + _conv3(256, 128) + _conv3(128, 128)
    + _deconv2(128, 64) + _conv3(128, 64) + _conv3(64, 64)
    + _deconv2(64, 32) + _conv3(64, 32) + _conv3(32, 32)
    + _deconv2(32, 16) + _conv3(32, 16) + _conv3(16, 16)
    + (16 * 1 + 1)
)


def _n_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())


def test_layer_shapes_follow_table4_at_512():
    net = LiverUNet()
    shapes = net.layer_shapes(512, 512)
    assert len(shapes) == len(TABLE4) == 41
    for i, ((name, filters, out), (got_name, got)) in enumerate(zip(TABLE4, shapes)):
        assert got_name == name, (i, got_name, name)
        if filters is not None:
            assert got[2] == filters, (i, got, filters)
        expected = out
        if name == "Convolution" and TABLE4[i - 1][0] == "Concatenate":
            # Table 4 typo: this row's Output Shape repeats the concatenation's 2f channels although its
            # Filters column says f (and the next Dropout row lists f); the network follows Filters.
            assert out[2] == 2 * filters
            expected = (out[0], out[1], filters)
        assert got == expected, (i, name, got, expected)
    assert net.training  # layer_shapes restores the mode


def test_nineteen_convolutions_and_four_transposed():
    # the paper: "followed by nineteen convolutional layers" = 10 encoder + 8 decoder + the 1x1 output conv
    net = LiverUNet()
    convs = [m for m in net.modules() if type(m) is nn.Conv2d]
    assert len(convs) == 19 == sum(1 for name, _, _ in TABLE4 if name == "Convolution")
    assert sum(isinstance(m, nn.ConvTranspose2d) for m in net.modules()) == 4
    assert all(c.kernel_size == (3, 3) and c.padding == (1, 1) for c in convs[:-1])
    assert convs[-1].kernel_size == (1, 1) and convs[-1].out_channels == 1


def test_parameter_count_equals_hand_count_from_table4():
    assert HAND_COUNT == 1_940_817
    assert _n_params(LiverUNet()) == HAND_COUNT
    # without the final 1x1 conv (the mmseg backbone) the 17 output parameters go
    assert _n_params(LiverUNet(out_channels=None)) == HAND_COUNT - 17


def test_forward_is_logits_and_features_are_the_last_decoder_map():
    torch.manual_seed(0)
    net = LiverUNet().eval()
    x = torch.rand(2, 1, 64, 96)
    with torch.no_grad():
        feats = net.forward_features(x)
        out = net(x)
    assert feats.shape == (2, 16, 64, 96) and out.shape == (2, 1, 64, 96)
    assert torch.equal(out, net.head(feats))
    assert (feats >= 0).all()  # ends with the ReLU of the last 3x3 conv
    # logits, no sigmoid: a head with zero weights and bias 5 outputs exactly 5
    with torch.no_grad():
        net.head.weight.zero_()
        net.head.bias.fill_(5.0)
        assert torch.equal(net(x), torch.full((2, 1, 64, 96), 5.0))


def test_dropout_rates_configurable_and_mirrored_in_decoder():
    net = LiverUNet(dropout=(0.05, 0.15, 0.25, 0.35, 0.45))
    assert [b.dropout.p for b in net.encoders] == [0.05, 0.15, 0.25, 0.35, 0.45]
    # decoder levels from the deepest up use the rate of the encoder level at their resolution
    assert [b.dropout.p for b in net.decoders] == [0.35, 0.25, 0.15, 0.05]
    default = LiverUNet()
    assert [b.dropout.p for b in default.encoders] == [0.1, 0.1, 0.2, 0.2, 0.3]
    assert [b.dropout.p for b in default.decoders] == [0.2, 0.2, 0.1, 0.1]
    assert [b.dropout.p for b in LiverUNet(dropout=0.5).encoders] == [0.5] * 5
    with pytest.raises(ValueError, match="one rate per level"):
        LiverUNet(dropout=(0.1, 0.2))
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        LiverUNet(dropout=(0.1, 0.1, 0.2, 0.2, 1.0))


def test_dropout_only_in_train_mode_and_eval_is_deterministic():
    torch.manual_seed(0)
    x = torch.rand(1, 1, 32, 32)
    net = LiverUNet(dropout=0.5)
    plain = LiverUNet(dropout=0.0)
    plain.load_state_dict(net.state_dict())  # same weights, no dropout
    net.train()
    with torch.no_grad():
        a, b = net(x), net(x)
        ref = plain.train()(x)  # dropout 0: train mode is the identity function too
    assert not torch.allclose(a, b)  # two dropout masks
    net.eval()
    with torch.no_grad():
        c, d = net(x), net(x)
    assert torch.equal(c, d)
    torch.testing.assert_close(c, ref, rtol=0, atol=1e-6)  # eval == the same net without dropout


def test_he_normal_init_scale():
    torch.manual_seed(0)
    conv = LiverUNet().encoders[4].conv2  # 256 x 256 x 3 x 3 weights, fan_in 2304
    std = (2.0 / (256 * 9)) ** 0.5
    assert conv.weight.std().item() == pytest.approx(std, rel=0.02)
    assert torch.count_nonzero(conv.bias) == 0
    default = LiverUNet(init="default").encoders[4].conv2  # PyTorch: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    assert default.weight.abs().max().item() <= 1 / (256 * 9) ** 0.5 + 1e-7


def test_input_checks():
    net = LiverUNet()
    with pytest.raises(ValueError, match="multiple of 16"):
        net(torch.zeros(1, 1, 40, 32))
    with pytest.raises(ValueError, match=r"\(N, 1, H, W\)"):
        net(torch.zeros(1, 3, 32, 32))
    small = LiverUNet(in_channels=3, base_channels=4, num_levels=3, dropout=(0.0, 0.1, 0.2), out_channels=2)
    assert small.size_divisor == 4
    assert small(torch.zeros(1, 3, 12, 8)).shape == (1, 2, 12, 8)
    assert [s for _, s in small.layer_shapes(8, 8)][-1] == (8, 8, 2)
