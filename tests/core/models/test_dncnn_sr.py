"""DnCNN-SR core: PSNR/SSIM known answers and references, the loss, the degradation and the network."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
import torch
from scipy import ndimage

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.inference.super_resolve import super_resolve
from organseg_plugins.core.io.gray_slices import read_gray_slice, to_image_dtype
from organseg_plugins.core.losses.restoration import mse_ssim_loss, mse_ssim_terms
from organseg_plugins.core.metrics.image_quality import psnr, ssim
from organseg_plugins.core.models.dncnn_sr import DnCNNSR, upsample
from organseg_plugins.core.transforms.degrade import degrade


def t(a: np.ndarray) -> torch.Tensor:
    """HxW numpy -> (1,1,H,W) float64 tensor."""
    return torch.from_numpy(np.asarray(a, dtype=np.float64))[None, None]


def ssim_reference(x: np.ndarray, y: np.ndarray, data_range: float = 1.0) -> float:
    """Straightforward SSIM (Wang et al. 2004) with scipy's Gaussian filter, as skimage computes it.

    skimage (gaussian_weights=True, sigma=1.5, use_sample_covariance=False) filters with
    ``ndimage.gaussian_filter(sigma=1.5, truncate=3.5)`` (an 11-tap window) and averages the SSIM map
    after cropping (11 - 1) // 2 = 5 pixels at each border.
    """
    x, y = x.astype(np.float64), y.astype(np.float64)

    def f(a):
        return ndimage.gaussian_filter(a, sigma=1.5, truncate=3.5, mode="reflect")

    ux, uy = f(x), f(y)
    vx, vy, vxy = f(x * x) - ux * ux, f(y * y) - uy * uy, f(x * y) - ux * uy
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux ** 2 + uy ** 2 + c1) * (vx + vy + c2))
    return float(s[5:-5, 5:-5].mean())


@pytest.fixture
def pair() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    clean = ndimage.gaussian_filter(rng.random((48, 40)), 2.0)
    clean = (clean - clean.min()) / (clean.max() - clean.min())
    noisy = np.clip(clean + 0.1 * rng.standard_normal(clean.shape), 0, 1)
    return clean, noisy


# ------------------------------------------------------------------ PSNR / SSIM known answers


def test_identical_images_ssim_one_psnr_inf(pair):
    clean, _ = pair
    assert float(ssim(t(clean), t(clean))) == pytest.approx(1.0, abs=1e-12)
    assert math.isinf(float(psnr(t(clean), t(clean))))


def test_psnr_of_a_known_mse():
    x = torch.zeros(1, 1, 16, 16, dtype=torch.float64)
    assert float(psnr(x, x + 0.1)) == pytest.approx(20.0, abs=1e-9)  # MSE 0.01 -> 10 log10(1 / 0.01)
    assert float(psnr(x, x + 1.0, data_range=255.0)) == pytest.approx(20 * math.log10(255.0), abs=1e-9)  # 48.13 dB
    # half the pixels off by 0.2: MSE 0.02 -> 16.99 dB
    y = x.clone()
    y[..., :8, :] = 0.2
    assert float(psnr(x, y)) == pytest.approx(10 * math.log10(1 / 0.02), abs=1e-9)


def test_psnr_reduction_none_per_image():
    x = torch.zeros(2, 1, 8, 8, dtype=torch.float64)
    y = torch.stack([x[0] + 0.1, x[1] + 0.01])
    per = psnr(x, y, reduction="none")
    assert per.shape == (2,)
    assert per.tolist() == pytest.approx([20.0, 40.0])
    assert float(psnr(x, y)) == pytest.approx(30.0)


def test_ssim_of_constant_images_is_the_luminance_term():
    # no variance: SSIM = (2ab + C1) / (a^2 + b^2 + C1) with C1 = (0.01 L)^2
    a, b, c1 = 0.5, 0.25, 1e-4
    x, y = torch.full((1, 1, 20, 20), a, dtype=torch.float64), torch.full((1, 1, 20, 20), b, dtype=torch.float64)
    assert float(ssim(x, y)) == pytest.approx((2 * a * b + c1) / (a * a + b * b + c1), abs=1e-10)  # 0.80006


def test_ssim_matches_the_numpy_reference(pair):
    clean, noisy = pair
    assert float(ssim(t(noisy), t(clean))) == pytest.approx(ssim_reference(noisy, clean), abs=1e-6)
    # data_range changes the constants: 8-bit range
    c8, n8 = clean * 255, noisy * 255
    assert float(ssim(t(n8), t(c8), data_range=255.0)) == pytest.approx(ssim_reference(n8, c8, 255.0), abs=1e-6)
    # float32 inputs agree to 1e-4
    x32, y32 = t(noisy).float(), t(clean).float()
    assert float(ssim(x32, y32)) == pytest.approx(ssim_reference(noisy, clean), abs=1e-4)


def test_ssim_psnr_match_scikit_image(pair):
    from skimage import metrics  # a pinned test dependency (requirements/test.txt)

    clean, noisy = pair
    ref = metrics.structural_similarity(noisy, clean, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                                        data_range=1)
    assert float(ssim(t(noisy), t(clean))) == pytest.approx(ref, abs=1e-4)
    assert float(psnr(t(noisy), t(clean))) == pytest.approx(
        metrics.peak_signal_noise_ratio(clean, noisy, data_range=1), abs=1e-4)


def test_ssim_decreases_with_noise_and_batches(pair):
    clean, noisy = pair
    worse = np.clip(clean + 0.3 * np.random.default_rng(1).standard_normal(clean.shape), 0, 1)
    per = ssim(torch.cat([t(noisy), t(worse)]), torch.cat([t(clean), t(clean)]), reduction="none")
    assert per.shape == (2,) and 0 < float(per[1]) < float(per[0]) < 1


def test_metric_input_errors():
    with pytest.raises(ValueError, match="shapes differ"):
        ssim(torch.zeros(1, 1, 16, 16), torch.zeros(1, 1, 16, 15))
    with pytest.raises(ValueError, match="smaller than the 11x11 window"):
        ssim(torch.zeros(1, 1, 10, 16), torch.zeros(1, 1, 10, 16))
    with pytest.raises(ValueError, match=r"\(N,C,H,W\)"):
        psnr(torch.zeros(16, 16), torch.zeros(16, 16))


# ------------------------------------------------------------------ loss


def test_mse_ssim_loss_known_values(pair):
    clean, noisy = pair
    x, y = t(noisy), t(clean)
    assert float(mse_ssim_loss(y, y)) == pytest.approx(0.0, abs=1e-12)
    expected = float(((x - y) ** 2).mean()) + 1 - ssim_reference(noisy, clean)
    assert float(mse_ssim_loss(x, y)) == pytest.approx(expected, abs=1e-6)
    mse, s = mse_ssim_terms(x, y)
    assert float(mse_ssim_loss(x, y, mse_weight=2.0, ssim_weight=0.5)) == pytest.approx(2 * float(mse) + 0.5 * float(s))


def test_loss_is_differentiable(pair):
    clean, noisy = pair
    x = t(noisy).requires_grad_(True)
    mse_ssim_loss(x, t(clean)).backward()
    assert x.grad is not None and torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0


# ------------------------------------------------------------------ degradation


def test_degrade_is_deterministic_for_a_seed(pair):
    clean, _ = pair
    a_lr, a_hr = degrade(clean, 7)
    b_lr, b_hr = degrade(clean, np.random.default_rng(7))
    c_lr, _ = degrade(clean, 8)
    assert np.array_equal(a_lr, b_lr) and np.array_equal(a_hr, b_hr)
    assert not np.array_equal(a_lr, c_lr)
    assert a_lr.shape == (24, 20) and a_hr.shape == (48, 40) and a_lr.dtype == a_hr.dtype == np.float32
    assert np.array_equal(a_hr, clean.astype(np.float32))


def test_degrade_without_noise_is_the_block_mean():
    clean = np.array([[0, 255, 0, 0, 9], [255, 0, 0, 0, 9], [51, 51, 0, 255, 9]], np.uint8)  # odd size: cropped
    lr, hr = degrade(clean, 0, sigma=0.0, scale=2)
    assert hr.shape == (2, 4) and lr.shape == (1, 2)
    assert lr[0].tolist() == pytest.approx([0.5, 0.0])


def test_degrade_noise_levels():
    flat = np.full((256, 256), 0.25, np.float32)
    lr, _ = degrade(flat, 0, noise="gaussian", sigma=0.1)
    assert lr.std() == pytest.approx(0.1, rel=0.05) and lr.mean() == pytest.approx(0.25, abs=0.005)
    lr, _ = degrade(flat, 0, noise="poisson", sigma=0.1)  # peak 100 photons: std 0.1 * sqrt(0.25) = 0.05
    assert lr.std() == pytest.approx(0.05, rel=0.05) and lr.mean() == pytest.approx(0.25, abs=0.005)
    assert lr.min() >= 0 and lr.max() <= 1
    with pytest.raises(ValueError, match="noise must be one of"):
        degrade(flat, 0, noise="speckle")


# ------------------------------------------------------------------ network


def test_net_output_is_twice_the_input_and_starts_at_bicubic():
    torch.manual_seed(0)
    net = DnCNNSR()
    assert sum(p.numel() for p in net.parameters()) > 1e5
    x = torch.rand(2, 1, 32, 32)
    out = net(x)
    assert out.shape == (2, 1, 64, 64)
    # the residual's last conv is zero-initialised: the untrained net is the bicubic baseline
    assert torch.allclose(out, upsample(x, 2, "bicubic"), atol=1e-6)
    odd = net(torch.rand(1, 1, 37, 45))  # padded internally, cropped back
    assert odd.shape == (1, 1, 74, 90)
    assert DnCNNSR(base_channels=8, scale=4)(torch.rand(1, 1, 16, 16)).shape == (1, 1, 64, 64)
    assert DnCNNSR(base_channels=8, scale=1)(torch.rand(1, 1, 16, 16)).shape == (1, 1, 16, 16)
    with pytest.raises(ValueError, match="power of 2"):
        DnCNNSR(scale=3)


def test_loss_decreases_on_a_fixed_batch():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    hr = [ndimage.gaussian_filter(rng.random((64, 64)), 3.0) for _ in range(2)]
    hr = [(h - h.min()) / (h.max() - h.min()) for h in hr]
    pairs = [degrade(h, i, sigma=0.1) for i, h in enumerate(hr)]
    x = torch.from_numpy(np.stack([p[0] for p in pairs]))[:, None]
    y = torch.from_numpy(np.stack([p[1] for p in pairs]))[:, None]
    net = DnCNNSR(base_channels=8)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    losses = []
    for _ in range(15):
        opt.zero_grad()
        loss = mse_ssim_loss(net(x), y)
        loss.backward()
        opt.step()
        losses.append(float(loss))
    assert losses[-1] < 0.9 * losses[0], losses


def test_super_resolve_and_image_io(tmp_path):
    torch.manual_seed(0)
    net = DnCNNSR(base_channels=8)
    img = np.random.default_rng(0).random((20, 24)).astype(np.float32)
    out = super_resolve(net, img)
    assert out.shape == (40, 48) and out.min() >= 0 and out.max() <= 1
    assert to_image_dtype(np.array([0.0, 0.5, 1.0, 1.2]), np.uint8).tolist() == [0, 128, 255, 255]
    assert to_image_dtype(np.array([1.0]), np.uint16).tolist() == [65535]
    p16 = tmp_path / "s16.png"
    cv2.imwrite(str(p16), np.full((4, 4), 65535, np.uint16))
    arr, dtype = read_gray_slice(p16)
    assert dtype == np.uint16 and arr.max() == pytest.approx(1.0)
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a png")
    with pytest.raises(OrgansegInputError, match="bad.png"):
        read_gray_slice(bad)
    with pytest.raises(OrgansegInputError, match="missing.png"):
        read_gray_slice(tmp_path / "missing.png")
