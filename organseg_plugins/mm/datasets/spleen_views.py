"""The spleen views + volumes dataset (``datasets_prep/spleen_views.py`` layout) for mmengine.

A sample is a plain dict for ``default_collate``: ``inputs`` ``(C, H, W)`` float 0/1 (the views in the order
of ``views``), ``volume`` (mL, float), ``measures`` (``{name: mm}`` from ``volumes.csv``: length, widths,
thickness) and ``name``; the volume models of :mod:`organseg_plugins.mm.models.volume_estimators` consume it.
"""

from __future__ import annotations

import os.path as osp
from collections.abc import Sequence

import cv2
import numpy as np
import torch
from mmengine.dataset import BaseDataset
from mmseg.registry import DATASETS

from organseg_plugins.core.converters.spleen_views import VIEW_NAMES
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io.images import read_binary_mask
from organseg_plugins.core.io.view_table import VOLUME_TABLE, read_volume_table
from organseg_plugins.core.metrics.spleen_views import MEASURE_NAMES

__all__ = ["SpleenViewsDataset"]


@DATASETS.register_module()
class SpleenViewsDataset(BaseDataset):
    """Mid-coronal / transverse spleen masks with their 3-D volumes.

    Args:
        data_root: folder with ``volumes.csv`` and one sub-folder per view.
        split: rows of ``volumes.csv`` used (``train``, ``val``, ``test``).
        views: view sub-folders stacked as channels, e.g. ``("coronal",)`` or ``("coronal", "transverse")``.
        size: views resized to ``size x size`` (bilinear, threshold 0.5) when they differ; None = as stored.
        flip_prob: probability of a left-right flip of all views together (training augmentation).
        ann_file: the table, relative to ``data_root``.
        test_mode: mmengine's test mode (no flips).
        **kwargs: other :class:`mmengine.dataset.BaseDataset` arguments.
    """

    METAINFO = dict(task="volume regression")

    def __init__(self, data_root: str = "", split: str = "train", views: Sequence[str] = ("coronal",),
                 size: int | None = None, flip_prob: float = 0.0, ann_file: str = VOLUME_TABLE,
                 test_mode: bool = False, **kwargs) -> None:
        bad = [v for v in views if v not in VIEW_NAMES]
        if bad or not views:
            raise OrgansegInputError(f"SpleenViewsDataset: views must be some of {VIEW_NAMES}, got {list(views)}")
        self.split, self.views, self.size = split, tuple(views), (int(size) if size else None)
        self.flip_prob = 0.0 if test_mode else float(flip_prob)
        super().__init__(data_root=data_root, ann_file=ann_file, test_mode=test_mode, **kwargs)

    def load_data_list(self) -> list[dict]:
        """Rows of the split, with the view paths checked to exist."""
        if not osp.isfile(self.ann_file):
            raise OrgansegInputError(
                f"SpleenViewsDataset: {self.ann_file} not found (data_root={self.data_root!r}); write it with "
                "'python datasets_prep/spleen_views.py --phantoms 400 --out data/phantom/spleen_views'")
        rows = read_volume_table(self.ann_file, self.split)
        if not rows:
            raise OrgansegInputError(f"{self.ann_file}: no rows of split {self.split!r}")
        out = []
        for r in rows:
            paths = [osp.join(self.data_root, v, f"{r['name']}.png") for v in self.views]
            for p in paths:
                if not osp.isfile(p):
                    raise OrgansegInputError(f"{self.ann_file}: view file of case {r['name']!r} not found: {p}")
            out.append(dict(name=r["name"], volume=float(r["volume_ml"]), view_paths=paths,
                            measures={k: float(r.get(k, float("nan"))) for k in MEASURE_NAMES}))
        return out

    def _read(self, path: str) -> np.ndarray:
        m = read_binary_mask(path).astype(np.float32)
        if self.size and m.shape != (self.size, self.size):
            m = (cv2.resize(m, (self.size, self.size), interpolation=cv2.INTER_LINEAR) >= 0.5).astype(np.float32)
        return m

    def prepare_data(self, idx: int) -> dict:
        """``{"inputs", "volume", "measures", "name"}`` of case ``idx``."""
        info = self.get_data_info(idx)
        views = np.stack([self._read(p) for p in info["view_paths"]])
        if self.flip_prob and np.random.random() < self.flip_prob:
            views = views[:, :, ::-1]
        return dict(inputs=torch.from_numpy(np.ascontiguousarray(views)),
                    volume=torch.tensor(info["volume"], dtype=torch.float32),
                    measures={k: torch.tensor(v, dtype=torch.float32) for k, v in info["measures"].items()},
                    name=info["name"])
