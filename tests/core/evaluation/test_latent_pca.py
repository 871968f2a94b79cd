"""Latent PCA: hand cases for the scores and explained variance; the PNG figure."""

from __future__ import annotations

import numpy as np
import pytest

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.evaluation.latent_pca import latent_pca, plot_latent_pca


def test_points_on_a_line():
    # latents t * (3, 4) for t = -1, 0, 1: one component of length 5 |t| carries all the variance
    z = np.array([[-3.0, -4.0], [0.0, 0.0], [3.0, 4.0]])
    coords, explained = latent_pca(z)
    assert explained == pytest.approx([1.0, 0.0], abs=1e-12)
    assert coords[:, 0] == pytest.approx([-5.0, 0.0, 5.0])  # sign: largest loading (4/5) positive
    assert coords[:, 1] == pytest.approx([0.0, 0.0, 0.0], abs=1e-12)


def test_plot_and_bad_input(tmp_path):
    rng = np.random.default_rng(0)
    coords, explained = latent_pca(rng.normal(size=(20, 8)))
    out = plot_latent_pca(coords, rng.uniform(50, 1500, 20), tmp_path / "f" / "pca.png", explained)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(OrgansegInputError, match=r"expected an \(N, D\) array with N >= 2, got shape \(1, 4\)"):
        latent_pca(np.zeros((1, 4)))
    with pytest.raises(OrgansegInputError, match=r"\(20, 2\) scores for 3 volumes"):
        plot_latent_pca(coords, np.ones(3), tmp_path / "x.png")
