"""A model's input contract, read from its config: what ``tools/infer.py`` must feed it (framework-free).

A trained model expects the images its training pipeline made. Everything that decides them is in the
config (a plain mapping here: an mmengine ``Config`` or the dict of one), and :func:`contract_from_config`
reads it:

* **Channels** from the test pipeline's ``LoadImageFromFile``: ``color_type="grayscale"`` -> 1 channel
  (the CT U-Nets: liver Table 4, the constrained U-Nets), ``"color"`` (mmcv's default) -> 3 channels
  (SegFormer, ARU-Net and the ultrasound baselines); ``"unchanged"`` -> the length of the
  data_preprocessor's ``mean``. The ``mean``/``std`` lengths must agree (else the config is refused).
* **Colour order**: mmcv decodes colour files as BGR (``imdecode_backend`` cv2, pillow or turbojpeg;
  ``tifffile`` keeps RGB); the data_preprocessor's ``bgr_to_rgb`` then flips it. The project's readers
  return OpenCV's BGR order too, so the model sees the same order as in training.
* **Resize** from the test pipeline's ``Resize`` (``scale``, ``keep_ratio``); the mm layer runs the
  pipeline's own transform (:mod:`organseg_plugins.mm.inference`), so sizes and interpolation are mmcv's.
* **Normalisation and padding** from the model's ``data_preprocessor``: ``mean``, ``std``, ``pad_val``,
  ``size``/``test_cfg`` (``size_divisor`` or ``size``).
* **CT window** from the config variable ``ct_window = (lo, hi)`` (HU), set by the CT dataset bases
  (``configs/_base_/datasets/nih_pancreas_ct.py``: the converter's default ``pancreas`` window;
  ``liver_ct.py``: ``datasets_prep/dicom_to_png.py``'s default L 50 / W 400). Every converter records the
  window it used in the data's ``meta.csv`` (``window_lo_hu``/``window_hi_hu`` of
  ``ct_volumes_to_mmseg.py``, ``window_level``/``window_width`` of ``dicom_to_png.py``);
  :func:`data_windows` reads it back and :func:`window_mismatch` words a disagreement with the config.

Slices: every segmentation model of the project is a 2-D slice model. A volume (NIfTI, MetaImage, NRRD, a
DICOM series) is cut into its axial slices in the canonical LPS orientation (as the converters cut them
for training), windowed, and each slice is one model input; a 2-D image is one input. Refused, one line
naming the file: a colour image (channels that differ) for a 1-channel model (:func:`conform_slices`); a
volume whose slices are not 2-D grey images.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import OrgansegInputError
from ..io.dicom import DEFAULT_WINDOW_LEVEL, DEFAULT_WINDOW_WIDTH

__all__ = ["DEFAULT_WINDOW", "InputContract", "conform_image", "conform_slices", "contract_from_config",
           "data_windows", "window_mismatch"]

#: The window used when neither ``--window`` nor the config names one: level 50 / width 400 HU.
DEFAULT_WINDOW: tuple[float, float] = (DEFAULT_WINDOW_LEVEL - DEFAULT_WINDOW_WIDTH / 2,
                                       DEFAULT_WINDOW_LEVEL + DEFAULT_WINDOW_WIDTH / 2)

_LOADERS = ("LoadImageFromFile", "mmseg.LoadImageFromFile", "mmcv.LoadImageFromFile", "InferencerLoader")
_RGB_BACKENDS = ("tifffile",)  # mmcv.imfrombytes keeps the stored (RGB) order for these


@dataclass(frozen=True)
class InputContract:
    """What a model takes, as its config says (see the module docstring).

    Attributes:
        config: The config file (for messages).
        channels: 1 (grey) or 3 (colour).
        color_type: ``LoadImageFromFile.color_type`` of the test pipeline.
        imdecode_backend: ``LoadImageFromFile.imdecode_backend``.
        model_order: Channel order the network sees for 3 channels, ``"RGB"`` or ``"BGR"`` (``""`` for 1).
        bgr_to_rgb: The data_preprocessor flips the loaded channels.
        mean / std: Normalisation per channel (None: no normalisation).
        pad_val: Padding value of the data_preprocessor.
        resize: The test pipeline's ``Resize`` ``scale`` (``(w, h)`` as mmcv), or None.
        keep_ratio: ``Resize.keep_ratio``.
        pad_size: ``test_cfg.size`` of the data_preprocessor (pad every batch to it), or None.
        size_divisor: ``test_cfg.size_divisor`` (pad to a multiple), or None.
        train_size: The training crop ``(h, w)`` (data_preprocessor ``size``, else the resize), the
            sliding-window tile.
        ct_window: The config's ``ct_window`` ``(lo, hi)`` HU, or None.
        data_meta: The training data's ``meta.csv`` (``test_dataloader`` data_root + meta_file), or None.
        pipeline: The test pipeline steps (dicts) without loader, annotations and packing.
    """

    config: str
    channels: int
    color_type: str = "color"
    imdecode_backend: str = "cv2"
    model_order: str = "RGB"
    bgr_to_rgb: bool = False
    mean: tuple[float, ...] | None = None
    std: tuple[float, ...] | None = None
    pad_val: float = 0.0
    resize: tuple[int, int] | None = None
    keep_ratio: bool = False
    pad_size: tuple[int, int] | None = None
    size_divisor: int | None = None
    train_size: tuple[int, int] | None = None
    ct_window: tuple[float, float] | None = None
    data_meta: str | None = None
    pipeline: tuple[dict, ...] = field(default_factory=tuple)

    def describe(self) -> str:
        """One line: channels, order, resize, normalisation, window."""
        ch = "1-channel grey" if self.channels == 1 else f"3-channel {self.model_order}"
        size = (f"resize to {self.resize[0]}x{self.resize[1]}{' (aspect kept)' if self.keep_ratio else ''}"
                if self.resize else "native size")
        norm = (f"(x - {list(self.mean)}) / {list(self.std)}" if self.mean is not None and self.std is not None
                else "no normalisation")
        win = f"CT window [{self.ct_window[0]:g}, {self.ct_window[1]:g}] HU" if self.ct_window else "no ct_window"
        return f"{ch}, {size}, {norm}, {win}"


def _get(obj: Any, key: str, default: Any = None) -> Any:
    try:
        return obj.get(key, default)
    except AttributeError:
        return default


def _pair(value: Any, what: str, config: str) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise OrgansegInputError(f"{config}: {what} must be (lo, hi) in HU, got {value!r}") from None
    if not (np.isfinite(lo) and np.isfinite(hi)) or not lo < hi:
        raise OrgansegInputError(f"{config}: {what} must be finite with lo < hi, got {value!r}")
    return lo, hi


def _size(value: Any) -> tuple[int, int] | None:
    if value is None:
        return None
    if isinstance(value, int | float):
        return int(value), int(value)
    return int(value[0]), int(value[1])


def contract_from_config(cfg: Mapping, config: str | os.PathLike = "the config") -> InputContract:
    """Read a segmentation config's input contract (see the module docstring).

    Args:
        cfg: The config (mmengine ``Config`` or a plain dict of one).
        config: Its file, for messages.

    Raises:
        OrgansegInputError: No test pipeline with ``LoadImageFromFile`` (not an image segmentation config),
            an unknown ``color_type``, channel counts that disagree, a bad ``ct_window``.
    """
    name = str(config)
    loader_cfg = _get(cfg, "test_dataloader") or {}
    dataset = _get(loader_cfg, "dataset") or {}
    pipeline = list(_get(dataset, "pipeline") or _get(cfg, "test_pipeline") or [])
    loads = [s for s in pipeline if _get(s, "type") in _LOADERS]
    if not loads:
        raise OrgansegInputError(f"{name}: no LoadImageFromFile in the test pipeline: not an image segmentation "
                                 "config (tools/infer.py runs the segmentation models)")
    load = loads[0]
    color_type = str(_get(load, "color_type", "color"))
    backend = str(_get(load, "imdecode_backend", "cv2"))
    model = _get(cfg, "model") or {}
    dp = _get(model, "data_preprocessor") or _get(cfg, "data_preprocessor") or {}
    mean, std = _get(dp, "mean"), _get(dp, "std")
    mean = None if mean is None else tuple(float(v) for v in mean)
    std = None if std is None else tuple(float(v) for v in std)
    if color_type == "grayscale":
        channels = 1
    elif color_type == "color":
        channels = 3
    elif color_type == "unchanged":
        channels = len(mean) if mean is not None else 3
    else:
        raise OrgansegInputError(f"{name}: LoadImageFromFile color_type {color_type!r} is not one of "
                                 "'grayscale', 'color', 'unchanged'")
    for what, vals in (("mean", mean), ("std", std)):
        if vals is not None and len(vals) not in (1, channels):
            raise OrgansegInputError(f"{name}: data_preprocessor {what} has {len(vals)} values but the test "
                                     f"pipeline loads {channels}-channel images (color_type={color_type!r})")
    bgr_to_rgb = bool(_get(dp, "bgr_to_rgb", False) or _get(dp, "rgb_to_bgr", False))
    loaded = "RGB" if backend in _RGB_BACKENDS else "BGR"
    order = "" if channels == 1 else ({"RGB": "BGR", "BGR": "RGB"}[loaded] if bgr_to_rgb else loaded)
    resize, keep_ratio = None, False
    rest = []
    for step in pipeline:
        kind = str(_get(step, "type", ""))
        if kind in _LOADERS or "Annotation" in kind or kind.endswith("PackSegInputs"):
            continue
        rest.append(dict(step))
        if kind.split(".")[-1] == "Resize" and _get(step, "scale") is not None and resize is None:
            resize, keep_ratio = _size(_get(step, "scale")), bool(_get(step, "keep_ratio", False))
    test_cfg = _get(dp, "test_cfg") or {}
    window = _get(cfg, "ct_window")
    data_root, meta_file = _get(dataset, "data_root"), _get(dataset, "meta_file")
    data_meta = str(Path(data_root) / meta_file) if data_root and meta_file else None
    return InputContract(
        config=name, channels=channels, color_type=color_type, imdecode_backend=backend, model_order=order,
        bgr_to_rgb=bgr_to_rgb, mean=mean, std=std, pad_val=float(_get(dp, "pad_val", 0) or 0), resize=resize,
        keep_ratio=keep_ratio, pad_size=_size(_get(test_cfg, "size")), size_divisor=_get(test_cfg, "size_divisor"),
        train_size=_size(_get(dp, "size")) or (None if resize is None else (resize[1], resize[0])),
        ct_window=None if window is None else _pair(window, "ct_window", name), data_meta=data_meta,
        pipeline=tuple(rest))


# ------------------------------------------------------------------------------------------------
# images and slices -> the model's channels
# ------------------------------------------------------------------------------------------------

def conform_image(img: np.ndarray, contract: InputContract, source: str) -> np.ndarray:
    """One 8-bit slice (``HxW`` or ``HxWxC``, colour in BGR as OpenCV reads) in the model's channels.

    As mmcv's loader would give it: alpha dropped; grey repeated to 3 channels for a colour model; for a
    grey model, a colour image whose channels are equal is its first channel (what ``IMREAD_GRAYSCALE``
    gives), one whose channels differ is refused.

    Returns:
        ``HxW`` (1 channel) or ``HxWx3`` ``uint8`` (BGR as loaded; the model's order is applied on the batch).

    Raises:
        OrgansegInputError: A colour image for a grey model; not a 2-D image (one line naming ``source``).
    """
    if img.ndim == 3 and img.shape[2] in (1, 4):
        img = img[..., 0] if img.shape[2] == 1 else img[..., :3]
    if img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[2] != 3):
        raise OrgansegInputError(f"{source}: not a 2-D grey or colour image (array shape {img.shape}); "
                                 f"{contract.config} takes {contract.channels}-channel 2-D slices")
    if contract.channels == 1:
        if img.ndim == 3:
            if not (np.array_equal(img[..., 0], img[..., 1]) and np.array_equal(img[..., 0], img[..., 2])):
                raise OrgansegInputError(
                    f"{source}: colour image (RGB channels differ) but {contract.config} takes 1-channel grey "
                    f"input (test pipeline LoadImageFromFile color_type={contract.color_type!r}): give a grey "
                    "image, a DICOM file or series or a NIfTI volume")
            img = img[..., 0]
        return np.ascontiguousarray(img)
    return np.ascontiguousarray(np.repeat(img[..., None], 3, axis=2) if img.ndim == 2 else img)


def conform_slices(item: Any, contract: InputContract) -> None:
    """Put every slice of an :class:`~organseg_plugins.core.inference.inputs.InferenceInput` in the model's
    channels (:func:`conform_image`), in place.

    A non-8-bit 2-D image file (16-bit PNG/TIFF) is decoded again with the flag of the training loader
    (OpenCV's 8-bit ``IMREAD_COLOR``/``IMREAD_GRAYSCALE``), so the model sees what training saw.
    """
    slices = []
    for k, img in enumerate(item.slices):
        where = item.source if len(item.slices) == 1 else f"{item.source} (slice {k})"
        if img.dtype != np.uint8 and item.kind == "image":
            import cv2

            from ..io.images import read_image_file

            conform_image(img, contract, where)  # the checks (a colour image for a grey model)
            img = read_image_file(item.source, cv2.IMREAD_GRAYSCALE if contract.channels == 1 else cv2.IMREAD_COLOR)
        elif img.dtype != np.uint8:
            raise OrgansegInputError(f"{where}: {img.dtype} values after windowing (expected 8-bit)")
        slices.append(conform_image(img, contract, where))
    item.slices = slices


# ------------------------------------------------------------------------------------------------
# the training data's window
# ------------------------------------------------------------------------------------------------

def data_windows(meta_csv: str | os.PathLike) -> list[tuple[float, float]]:
    """The HU windows ``(lo, hi)`` a converter recorded in a ``meta.csv`` (sorted, each once).

    Columns ``window_lo_hu``/``window_hi_hu`` (``datasets_prep/ct_volumes_to_mmseg.py``) or
    ``window_level``/``window_width`` (``datasets_prep/dicom_to_png.py``); none of them (phantoms, KITTI
    exports): ``[]``. A missing or unreadable file gives ``[]`` too (the data may live elsewhere).
    """
    import csv

    path = Path(meta_csv)
    if not path.is_file():
        return []
    found: set[tuple[float, float]] = set()
    try:
        with path.open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                try:
                    if row.get("window_lo_hu") and row.get("window_hi_hu"):
                        found.add((float(row["window_lo_hu"]), float(row["window_hi_hu"])))
                    elif row.get("window_level") and row.get("window_width"):
                        lv, wd = float(row["window_level"]), float(row["window_width"])
                        found.add((lv - wd / 2, lv + wd / 2))
                except ValueError:
                    continue
    except (OSError, UnicodeDecodeError, csv.Error):
        return []
    return sorted(found)


def window_mismatch(window: Sequence[float], source: str, meta_csv: str | os.PathLike | None,
                    tol: float = 1e-6) -> str | None:
    """A one-line note when the training data's ``meta.csv`` records another window than ``window``.

    Args:
        window: The window inference uses ``(lo, hi)``.
        source: Where it comes from (``"ct_window of CONFIG"``, ``"--window"``).
        meta_csv: The data's ``meta.csv`` (None or missing: nothing to compare, None returned).
    """
    if meta_csv is None:
        return None
    found = data_windows(meta_csv)
    if not found:
        return None
    lo, hi = (float(v) for v in window)
    if any(abs(a - lo) <= tol and abs(b - hi) <= tol for a, b in found) and len(found) == 1:
        return None
    listed = ", ".join(f"[{a:g}, {b:g}]" for a, b in found[:4]) + (" ..." if len(found) > 4 else "")
    return (f"{meta_csv}: the training data was windowed with {listed} HU but {source} is "
            f"[{lo:g}, {hi:g}] HU; inference uses [{lo:g}, {hi:g}] (give --window to choose)")
