"""Principal components of RVAE latent means, and the scatter plot coloured by volume.

The interpretability figure of Yuan et al. 2025, "DeepSPV: a deep learning pipeline for 3D spleen volume
estimation from 2D ultrasound images" (Med Image Anal; arXiv 2411.11190): the latent means of the test cases
projected on their first two principal components, coloured by the reference volume (the first component
follows the volume when the latent encodes it).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike

from organseg_plugins.core.errors import OrgansegInputError

__all__ = ["latent_pca", "plot_latent_pca"]


def latent_pca(latents: ArrayLike, n_components: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Project ``(N, D)`` latents on their first principal components (SVD of the centred matrix).

    Signs are fixed so that each component's largest-magnitude loading is positive (deterministic output).

    Args:
        latents: ``(N, D)`` array, ``N >= 2``.
        n_components: number of components kept (<= min(N, D)).

    Returns:
        ``(coords, explained)``: ``(N, n_components)`` scores and the fraction of variance of each component.
    """
    x = np.asarray(latents, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2:
        raise OrgansegInputError(f"latent PCA: expected an (N, D) array with N >= 2, got shape {x.shape}")
    k = min(int(n_components), *x.shape)
    xc = x - x.mean(axis=0)
    _, s, vt = np.linalg.svd(xc, full_matrices=False)
    vt = vt[:k]
    vt *= np.sign(vt[np.arange(k), np.abs(vt).argmax(axis=1)])[:, None]
    total = float((s ** 2).sum())
    explained = (s[:k] ** 2) / total if total > 0 else np.zeros(k)
    return xc @ vt.T, explained


def plot_latent_pca(coords: ArrayLike, volumes: ArrayLike, path: str | os.PathLike,
                    explained: ArrayLike | None = None, title: str = "RVAE latent space") -> Path:
    """Scatter the first two PCA scores coloured by volume (mL) and save a PNG.

    Args:
        coords: ``(N, 2)`` scores from :func:`latent_pca`.
        volumes: ``(N,)`` reference volumes in mL.
        path: PNG file to write (folders created).
        explained: variance fractions of the two components (axis labels), optional.
        title: figure title.

    Returns:
        The path written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = np.asarray(coords, dtype=np.float64)
    v = np.asarray(volumes, dtype=np.float64).ravel()
    if c.ndim != 2 or c.shape[1] < 2 or c.shape[0] != v.size:
        raise OrgansegInputError(f"latent PCA plot: {c.shape} scores for {v.size} volumes")
    ev = [float(e) for e in explained] if explained is not None else [float("nan")] * 2
    fig, ax = plt.subplots(figsize=(5.0, 4.2), dpi=120)
    sc = ax.scatter(c[:, 0], c[:, 1], c=v, cmap="viridis", s=18)
    fig.colorbar(sc, ax=ax, label="volume (mL)")
    ax.set_xlabel(f"PC1 ({100 * ev[0]:.1f}% of variance)")
    ax.set_ylabel(f"PC2 ({100 * ev[1]:.1f}% of variance)")
    ax.set_title(title)
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    return out
