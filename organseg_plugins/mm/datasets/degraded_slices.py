"""(noisy low-resolution, clean high-resolution) CT slice pairs for DnCNN-SR (Sattari et al. 2025, Methods),
made on the fly from clean slices by :func:`organseg_plugins.core.transforms.degrade.degrade`."""

from __future__ import annotations

import os
import os.path as osp
from collections.abc import Sequence

import numpy as np
import torch
from mmengine.dataset import BaseDataset
from mmseg.registry import DATASETS

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io.gray_slices import read_gray_slice
from organseg_plugins.core.transforms.degrade import degrade


@DATASETS.register_module()
class DegradedSliceDataset(BaseDataset):
    """Clean grey slices from a folder, degraded on the fly into (noisy low-res input, clean high-res target).

    Reads every ``*img_suffix`` file of ``data_root/data_prefix['img_path']`` (e.g. the CT phantoms of
    ``datasets_prep/make_phantoms.py``: ``liver_ct/img_dir/{train,val,test}``, or the slices of
    ``datasets_prep/dicom_to_png.py``), optionally takes a ``crop_size`` crop (random position) and a
    random horizontal flip, and makes the pair with :func:`organseg_plugins.core.transforms.degrade.degrade`.
    With ``deterministic`` (default: ``test_mode``) sample ``i`` always uses ``default_rng([seed, i])``
    (identical val/test pairs in every epoch and run); otherwise each draw is fresh (seeded through numpy's
    global state, which mmengine seeds per worker).

    Args:
        data_root: Root folder.
        data_prefix: ``dict(img_path=...)``, the image folder relative to ``data_root``.
        img_suffix: File suffix of the slices.
        scale: Down-sampling factor of the input (the network's up-sampling factor).
        noise: ``"poisson"`` or ``"gaussian"``.
        sigma: Noise standard deviation at intensity 1 (see ``degrade``).
        crop_size: High-resolution crop (int or (h, w)), or ``None`` for the whole slice.
        random_flip: Horizontal flip with probability 0.5 (non-deterministic mode only).
        seed: Base seed of the deterministic mode.
        deterministic: Fixed pair per index (default: ``test_mode``).
        test_mode: mmengine's test mode.
        pipeline: Extra mmengine transforms applied to the result dict (default none).
        **kwargs: Other :class:`mmengine.dataset.BaseDataset` arguments.
    """

    METAINFO = dict(task="denoising+super-resolution")

    def __init__(self, data_root: str = "", data_prefix: dict | None = None, img_suffix: str = ".png",
                 scale: int = 2, noise: str = "poisson", sigma: float = 0.1,
                 crop_size: int | Sequence[int] | None = None, random_flip: bool = True, seed: int = 0,
                 deterministic: bool | None = None, test_mode: bool = False, pipeline: Sequence = (),
                 **kwargs) -> None:
        self.img_suffix, self.scale, self.noise, self.sigma = img_suffix, int(scale), noise, float(sigma)
        if crop_size is not None:
            crop_size = (int(crop_size), int(crop_size)) if np.isscalar(crop_size) else tuple(map(int, crop_size))
            if any(c % self.scale for c in crop_size):
                raise ValueError(f"crop_size {crop_size} must be a multiple of scale {self.scale}")
        self.crop_size = crop_size
        self.random_flip, self.seed = bool(random_flip), int(seed)
        self.deterministic = test_mode if deterministic is None else bool(deterministic)
        degrade(np.zeros((scale, scale), np.float32), 0, noise=noise, sigma=sigma, scale=scale)  # check the options
        super().__init__(data_root=data_root, data_prefix=data_prefix or dict(img_path=""), test_mode=test_mode,
                         pipeline=list(pipeline), **kwargs)

    def load_data_list(self) -> list[dict]:
        """List the slices of the image folder (sorted), with clear errors for a missing or empty folder."""
        folder = self.data_prefix.get("img_path", "")
        if not osp.isdir(folder):
            raise OrgansegInputError(
                f"{type(self).__name__}: image folder not found: {folder} (data_root={self.data_root!r}). "
                "Point data_root at your slices or generate phantoms with "
                "'python datasets_prep/make_phantoms.py --out data/phantom'.")
        names = sorted(n for n in os.listdir(folder) if n.endswith(self.img_suffix))
        if not names:
            raise OrgansegInputError(f"{type(self).__name__}: no '*{self.img_suffix}' images in {folder}")
        return [dict(img_path=osp.join(folder, n)) for n in names]

    def _rng(self, idx: int) -> np.random.Generator:
        if self.deterministic:
            return np.random.default_rng([self.seed, idx])
        return np.random.default_rng([int(np.random.randint(0, 2 ** 31 - 1)), idx])

    def prepare_data(self, idx: int) -> dict:
        """Read slice ``idx`` and return ``{"inputs": (1,h,w), "target": (1,H,W), "img_path", "sample_idx"}``."""
        info = self.get_data_info(idx)
        path = info["img_path"]
        clean, _ = read_gray_slice(path)
        rng = self._rng(idx)
        if self.crop_size is not None:
            ch, cw = self.crop_size
            h, w = clean.shape
            if h < ch or w < cw:
                raise OrgansegInputError(f"{path}: slice of size {h}x{w} is smaller than crop_size {ch}x{cw}")
            top, left = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
            clean = clean[top:top + ch, left:left + cw]
        if self.random_flip and not self.deterministic and rng.random() < 0.5:
            clean = clean[:, ::-1]
        if min(clean.shape) < self.scale:
            raise OrgansegInputError(f"{path}: slice of size {clean.shape} is smaller than the scale {self.scale}")
        lr, hr = degrade(clean, rng, noise=self.noise, sigma=self.sigma, scale=self.scale)
        results = dict(inputs=torch.from_numpy(lr)[None], target=torch.from_numpy(hr)[None], img_path=path,
                       sample_idx=info["sample_idx"])
        return self.pipeline(results)
