"""PSNR and SSIM of DnCNN-SR outputs against the clean slices, next to the bicubic baseline (Sattari et al. 2025)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmseg.registry import METRICS
from torch import Tensor

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.metrics.image_quality import psnr, ssim
from organseg_plugins.core.models.dncnn_sr import upsample
from organseg_plugins.core.paper_tables.render import text_table


@METRICS.register_module()
class PSNRSSIMMetric(BaseMetric):
    """Mean PSNR (dB) and SSIM of the DnCNN-SR output and of the interpolated degraded input (the baseline).

    Reports ``psnr``, ``ssim`` (output vs clean target), ``psnr_<mode>``, ``ssim_<mode>`` (the input
    up-sampled with ``upsample_mode`` and clamped, vs the same target) and the gains ``psnr_gain``,
    ``ssim_gain`` (output minus baseline), per-image means (liver paper: "evaluation using PSNR and SSIM").

    Args:
        data_range: Intensity range of the images (1 for [0, 1]).
        upsample_mode: Interpolation of the baseline (``"bicubic"`` or ``"bilinear"``).
        crop_border: Pixels removed at each border before measuring (0 = whole image).
        collect_device: See :class:`mmengine.evaluator.BaseMetric`.
        prefix: See :class:`mmengine.evaluator.BaseMetric`.
    """

    default_prefix = None

    def __init__(self, data_range: float = 1.0, upsample_mode: str = "bicubic", crop_border: int = 0,
                 collect_device: str = "cpu", prefix: str | None = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if upsample_mode not in ("bicubic", "bilinear"):
            raise ValueError(f"upsample_mode must be 'bicubic' or 'bilinear', got {upsample_mode!r}")
        self.data_range, self.upsample_mode, self.crop_border = float(data_range), upsample_mode, int(crop_border)

    def _crop(self, t: Tensor) -> Tensor:
        b = self.crop_border
        return t[..., b:t.shape[-2] - b, b:t.shape[-1] - b] if b > 0 else t

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Measure each predicted image against its target."""
        for s in data_samples:
            if "target" not in s:
                raise OrgansegInputError(f"PSNRSSIMMetric: no clean target for {s.get('img_path', '?')}")
            pred, target, lr = (s[k].float().cpu()[None] for k in ("pred", "target", "inputs"))
            scale = target.shape[-1] // lr.shape[-1]
            base = upsample(lr, scale, self.upsample_mode).clamp(0.0, self.data_range)
            pred, target, base = self._crop(pred), self._crop(target), self._crop(base)
            self.results.append(dict(
                img_path=s.get("img_path", ""),
                psnr=float(psnr(pred, target, self.data_range)), ssim=float(ssim(pred, target, self.data_range)),
                psnr_base=float(psnr(base, target, self.data_range)),
                ssim_base=float(ssim(base, target, self.data_range))))

    def compute_metrics(self, results: list[dict]) -> dict[str, float]:
        """Average over images; print a table of output vs baseline."""
        if not results:
            raise OrgansegInputError("PSNRSSIMMetric: no images were evaluated")

        def mean(key: str) -> float:
            return float(np.mean([r[key] for r in results]))

        m = self.upsample_mode
        out = {"psnr": mean("psnr"), "ssim": mean("ssim"), f"psnr_{m}": mean("psnr_base"),
               f"ssim_{m}": mean("ssim_base")}
        out["psnr_gain"] = out["psnr"] - out[f"psnr_{m}"]
        out["ssim_gain"] = out["ssim"] - out[f"ssim_{m}"]
        table = text_table(["", "PSNR (dB)", "SSIM"], [
            ["DnCNN-SR output", f"{out['psnr']:.3f}", f"{out['ssim']:.4f}"],
            [f"{m} of degraded input", f"{out[f'psnr_{m}']:.3f}", f"{out[f'ssim_{m}']:.4f}"],
            ["gain", f"{out['psnr_gain']:+.3f}", f"{out['ssim_gain']:+.4f}"],
        ], align="lrr", frame=True)
        n_inf = sum(not math.isfinite(r["psnr"]) for r in results)
        note = f" ({n_inf} identical image(s): PSNR inf)" if n_inf else ""
        print_log(f"\n{len(results)} image(s){note}\n" + table, logger=MMLogger.get_current_instance())
        return out
