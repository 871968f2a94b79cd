"""Inference at volume scale: the path of ``tools/infer.py`` (one call, :func:`run_inference`).

Three stages run at once:

* **read** (worker processes, a torch ``DataLoader`` over the inputs, ``workers``): each input is decoded
  (PNG, DICOM file or series, NIfTI/MetaImage/NRRD through :mod:`organseg_plugins.core.io`), windowed to 8 bits
  with the model's CT window and put in the model's channels
  (:func:`organseg_plugins.core.inference.contract.conform_slices`) while the model runs on the previous one;
* **segment** (this process, :class:`Segmenter`): slices of one size are batched (``batch_size``), the
  test pipeline's own ``Resize`` runs per slice, then on the batch tensor what mmseg's
  ``SegDataPreProcessor`` does per sample (channel flip, ``(x - mean) / std``, padding), one forward pass
  under ``torch.inference_mode()`` (mixed precision on CUDA: ``precision``, bf16 by default where the GPU
  has it, else fp16; fp32 on CPU), and mmseg's post-processing on the batch (padding cropped, logits
  resized to the input size, arg-max or sigmoid threshold, the model's ``postprocessor``);
* **write** (a background thread, :class:`~organseg_plugins.core.inference.outputs.OutputWriter`): masks,
  overlays and CSV rows slice by slice, the NIfTI mask and volume row when an input is complete.

The predictions equal mmseg's ``MMSegInferencer`` on the same slices (the same transforms, metainfo and
post-processing, batched): bit for bit with ``memory_format="contiguous"``; with ``channels_last`` (the
default for convolutional networks, about 1.7x faster for the U-Nets on CPU) up to float rounding (a pixel
can flip only where the probability is within rounding of the threshold). A segmentor whose ``predict``
is its own (not mmseg's ``EncoderDecoder`` one) runs through its ``predict`` on the batch instead.

Options: sliding-window inference (``slide=True``: no test-time resize, the training crop slides over the
native image with 2/3 overlap, mmseg's ``mode='slide'``) and horizontal-flip TTA (``flip_tta=True``: two
forward passes per slice, probabilities averaged as :class:`~organseg_plugins.mm.models.segmentors.tta.
OrganSegTTAModel` does). The input contract (channels, colour order, resize, normalisation, CT window) is the
config's: :mod:`organseg_plugins.core.inference.contract`.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from organseg_plugins.core.cli import USER_ERRORS
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.inference.contract import (
    DEFAULT_WINDOW,
    InputContract,
    conform_slices,
    contract_from_config,
    window_mismatch,
)
from organseg_plugins.core.inference.inputs import InferenceInput, load_input
from organseg_plugins.core.inference.outputs import MEASURE_COLUMNS, OutputWriter
from organseg_plugins.core.parallel import safe_start_method

__all__ = ["PRECISIONS", "InferenceOptions", "InferenceResult", "Segmenter", "read_inputs", "resolve_window",
           "run_inference"]

PRECISIONS = ("auto", "fp32", "fp16", "bf16")
MEMORY_FORMATS = ("auto", "channels_last", "contiguous")


# ------------------------------------------------------------------------------------------------
# the model
# ------------------------------------------------------------------------------------------------

def _autocast_dtype(precision: str, device: torch.device) -> torch.dtype | None:
    if precision not in PRECISIONS:
        raise OrgansegInputError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    if precision == "fp32" or (precision == "auto" and device.type != "cuda"):
        return None
    if precision == "auto":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if precision == "fp16" and device.type != "cuda":
        raise OrgansegInputError("--precision fp16 needs a CUDA device (on CPU use fp32 or bf16)")
    return torch.float16 if precision == "fp16" else torch.bfloat16


def _conv_share(model: torch.nn.Module) -> float:
    conv = sum(p.numel() for m in model.modules() if isinstance(m, torch.nn.Conv2d | torch.nn.ConvTranspose2d)
               for p in m.parameters(recurse=False))
    total = sum(p.numel() for p in model.parameters())
    return conv / total if total else 0.0


class Segmenter:
    """A segmentation model and its input contract: 8-bit slices in, 0/1 organ masks out (batched).

    Args:
        cfg: The model's config (mmengine ``Config``).
        model: The model (eval mode), from :func:`organseg_plugins.mm.apis.init_model`.
        device: Where it runs.
        precision: ``auto`` (CUDA: bf16 where supported, else fp16; CPU: fp32), ``fp32``, ``fp16`` (CUDA),
            ``bf16``.
        slide: Sliding-window inference at native resolution (the test pipeline's ``Resize`` is skipped).
        flip_tta: Average the prediction of each slice and its horizontal mirror (2 forward passes).
        memory_format: ``auto`` (channels-last when convolutions hold most weights), ``channels_last``,
            ``contiguous``.
        config: The config file (messages).

    Raises:
        OrgansegInputError: Not an image segmentation config; an option the model cannot take.
    """

    def __init__(self, cfg, model, device: str | torch.device = "cpu", precision: str = "auto",
                 slide: bool = False, flip_tta: bool = False, memory_format: str = "auto",
                 config: str = "the config") -> None:
        from mmengine.registry import init_default_scope
        from mmseg.models.segmentors import BaseSegmentor, EncoderDecoder

        from organseg_plugins.mm.models.segmentors.tta import segmentor_of

        self.contract: InputContract = contract_from_config(cfg, config)
        self.model = model
        self.device = torch.device(device)
        self.dtype = _autocast_dtype(precision, self.device)
        self.precision = "fp32" if self.dtype is None else {torch.bfloat16: "bf16", torch.float16: "fp16"}[self.dtype]
        try:
            self.seg = segmentor_of(model)
        except TypeError as exc:
            raise OrgansegInputError(f"{config}: {exc}") from None
        cls = type(self.seg)
        self.fast = (isinstance(self.seg, EncoderDecoder) and cls.predict is EncoderDecoder.predict
                     and cls.postprocess_result is BaseSegmentor.postprocess_result
                     and (model is self.seg or type(model).__name__ == "AdversarialSegmentor"))
        self.postprocessor = getattr(model, "postprocessor", None) if model is not self.seg else None
        self.flip_tta = bool(flip_tta)
        if self.flip_tta and not self.fast:
            raise OrgansegInputError(f"{config}: flip TTA needs an mmseg EncoderDecoder segmentor "
                                     f"(this model is a {cls.__name__} with its own predict)")
        self.slide = bool(slide)
        if self.slide:
            if self.contract.train_size is None:
                raise OrgansegInputError(f"{config}: sliding-window inference needs the training crop size "
                                         "(data_preprocessor size)")
            from mmengine.config import ConfigDict

            h, w = self.contract.train_size
            test_cfg = dict(self.seg.test_cfg or {})
            test_cfg.update(mode="slide", crop_size=(h, w), stride=(max(1, 2 * h // 3), max(1, 2 * w // 3)))
            self.seg.test_cfg = ConfigDict(test_cfg)
        if memory_format not in MEMORY_FORMATS:
            raise OrgansegInputError(f"memory format must be one of {MEMORY_FORMATS}, got {memory_format!r}")
        self.channels_last = memory_format == "channels_last" or (memory_format == "auto" and _conv_share(model) > 0.5)
        if self.channels_last:
            self.model.to(memory_format=torch.channels_last)
        init_default_scope(cfg.get("default_scope", "mmseg"))
        from mmseg.registry import TRANSFORMS

        steps = [s for s in self.contract.pipeline
                 if not (self.slide and str(s.get("type", "")).split(".")[-1] in ("Resize", "RandomResize"))]
        self.transforms = [TRANSFORMS.build(dict(s)) for s in steps]
        # normalisation and padding exactly as the model's own SegDataPreProcessor does them (its buffers)
        from mmseg.models.data_preprocessor import SegDataPreProcessor

        dp = getattr(model, "data_preprocessor", None)
        self.fast = self.fast and isinstance(dp, SegDataPreProcessor)
        self.data_preprocessor = dp
        normalize = bool(getattr(dp, "_enable_normalize", False))
        self.mean = dp.mean.view(1, -1, 1, 1).to(self.device) if normalize else None
        self.std = dp.std.view(1, -1, 1, 1).to(self.device) if normalize else None
        self.channel_flip = bool(getattr(dp, "channel_conversion", False))
        self.pad_val = getattr(dp, "pad_val", 0)
        self.test_cfg = getattr(dp, "test_cfg", None)
        self.forward_passes = 2 if self.flip_tta else 1
        self.model_seconds = 0.0

    @classmethod
    def from_files(cls, config: str, checkpoint: str | None, device: str | None = None, cfg_options: dict | None = None,
                   **kwargs) -> Segmenter:
        """Build the model of ``config`` + ``checkpoint`` (None: as initialised) on ``device`` (default: CUDA
        when available) and wrap it; ``kwargs`` as for the constructor."""
        from organseg_plugins.mm.apis import init_model

        if device is None:
            device = "cuda:0" if torch.cuda.is_available() else "cpu"
        cfg, model = init_model(config, checkpoint, cfg_options, device=device)
        return cls(cfg, model, device, config=config, **kwargs)

    def describe(self) -> str:
        """One line: the contract, device, precision, memory format, options."""
        extra = [f"{self.device}", self.precision, "channels-last" if self.channels_last else "contiguous"]
        if self.slide:
            extra.append(f"sliding window {tuple(self.seg.test_cfg.crop_size)}")
        if self.flip_tta:
            extra.append("flip TTA (2 forward passes per slice)")
        return f"{self.contract.describe()}; {', '.join(extra)}"

    # ---- pre-processing -----------------------------------------------------------------------
    def prepare(self, img: np.ndarray) -> tuple[np.ndarray, dict]:
        """The test pipeline's transforms (``Resize``) on one conformed slice: ``(image, metainfo)``."""
        results: dict[str, Any] = {"img": img, "img_path": None, "img_shape": img.shape[:2], "ori_shape": img.shape[:2]}
        for t in self.transforms:
            results = t(results)
            if results is None:
                raise OrgansegInputError(f"{self.contract.config}: a test pipeline step dropped the image")
        meta = {k: results[k] for k in ("img_path", "ori_shape", "img_shape", "scale_factor", "flip",
                                        "flip_direction") if k in results}
        return results["img"], meta

    def _batch(self, images: list[np.ndarray]) -> torch.Tensor:
        """``(N, C, h, w)`` float, as ``SegDataPreProcessor`` makes each sample (before padding)."""
        arr = np.stack(images)
        x = torch.from_numpy(arr).to(self.device, non_blocking=True)
        x = x[:, None] if x.ndim == 3 else x.permute(0, 3, 1, 2)
        if self.channel_flip and x.shape[1] == 3:
            x = x[:, [2, 1, 0]]
        x = x.float()
        if self.mean is not None:
            x = (x - self.mean) / self.std
        return x

    def _pad(self, x: torch.Tensor) -> tuple[torch.Tensor, tuple[int, int, int, int] | None]:
        import torch.nn.functional as F

        if not self.test_cfg:
            return x, None
        h, w = x.shape[-2:]
        size, div = self.test_cfg.get("size", None), self.test_cfg.get("size_divisor", None)
        if size is not None:
            ph, pw = max(size[-2] - h, 0), max(size[-1] - w, 0)
        elif div is not None and div > 1:
            ph, pw = (h + div - 1) // div * div - h, (w + div - 1) // div * div - w
        else:
            ph = pw = 0
        padding = (0, int(pw), 0, int(ph))
        return F.pad(x, padding, value=self.pad_val), padding

    # ---- forward and post-processing ----------------------------------------------------------
    def _forward(self, x: torch.Tensor, metas: list[dict]) -> torch.Tensor:
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        ctx = (torch.autocast(device_type=self.device.type, dtype=self.dtype) if self.dtype is not None
               else _nullcontext())
        with ctx:
            logits = self.seg.inference(x, metas)
        return logits.float()

    def _post_logits(self, logits: torch.Tensor, padding, ori_shape, flipped: bool) -> torch.Tensor:
        """mmseg's ``postprocess_result`` on the batch: crop the padding, un-flip, resize to the input."""
        from mmseg.models.utils import resize

        H, W = logits.shape[-2:]
        if padding is not None:
            left, right, top, bottom = padding
            logits = logits[:, :, top:H - bottom, left:W - right]
        if flipped:
            logits = logits.flip(dims=(3,))
        return resize(logits, size=tuple(int(v) for v in ori_shape), mode="bilinear",
                      align_corners=self.seg.align_corners, warning=False)

    def predict(self, images: Sequence[np.ndarray]) -> list[np.ndarray]:
        """0/1 organ masks (any non-background class) of conformed 8-bit slices of one size, in one batch.

        Args:
            images: ``HxW`` (1-channel models) or ``HxWx3`` BGR ``uint8`` slices of the same shape
                (:func:`~organseg_plugins.core.inference.contract.conform_slices`).

        Returns:
            One ``HxW`` ``uint8`` mask per slice.
        """
        if not images:
            return []
        if len({img.shape for img in images}) > 1:
            raise ValueError(f"Segmenter.predict takes slices of one size, got {sorted({i.shape for i in images})}")
        t0 = time.perf_counter()
        prepared = [self.prepare(img) for img in images]
        if not self.fast:
            labels = self._predict_generic(prepared)
            masks = (labels > 0).to(torch.uint8).cpu().numpy()
            self.model_seconds += time.perf_counter() - t0
            return [masks[i] for i in range(masks.shape[0])]
        with torch.inference_mode():
            x = self._batch([p[0] for p in prepared])
            ori = images[0].shape[:2]
            views = [(x, False), (x.flip(dims=(3,)), True)] if self.flip_tta else [(x, False)]
            probs = None
            for view, flipped in views:
                xin, padding = self._pad(view)
                metas = []
                for _, meta in prepared:
                    m = dict(meta, flip=flipped, flip_direction="horizontal" if flipped else None)
                    if padding is not None:  # what SegDataPreProcessor sets in test mode
                        m.update(img_padding_size=padding, pad_shape=xin.shape[-2:])
                    metas.append(m)
                logits = self._post_logits(self._forward(xin, metas), padding, ori, flipped)
                if logits.shape[1] > 1:
                    p = logits.softmax(dim=1) if self.flip_tta else logits
                else:
                    p = logits.sigmoid()
                probs = p if probs is None else probs + p
            assert probs is not None
            if probs.shape[1] > 1:
                labels = probs.argmax(dim=1)
            else:
                probs = probs / len(views)
                labels = (probs[:, 0] > self.seg.decode_head.threshold).to(torch.int64)
            if self.postprocessor is not None:
                labels = self._postprocess(labels, prepared)
            masks = (labels > 0).to(torch.uint8).cpu().numpy()
        self.model_seconds += time.perf_counter() - t0
        return [masks[i] for i in range(masks.shape[0])]

    def _postprocess(self, labels: torch.Tensor, prepared) -> torch.Tensor:
        from mmengine.structures import PixelData
        from mmseg.structures import SegDataSample

        samples = []
        for i, (_, meta) in enumerate(prepared):
            s = SegDataSample(metainfo=dict(meta))
            s.pred_sem_seg = PixelData(data=labels[i:i + 1].clone())
            samples.append(s)
        samples = self.postprocessor(samples)
        return torch.stack([s.pred_sem_seg.data[0] for s in samples])

    def _predict_generic(self, prepared) -> torch.Tensor:
        """The model's own ``test_step`` (its data_preprocessor and ``predict``) on the batch: class maps."""
        from mmseg.structures import SegDataSample

        inputs = [torch.from_numpy(np.ascontiguousarray(img[None] if img.ndim == 2 else img.transpose(2, 0, 1)))
                  for img, _ in prepared]
        samples = [SegDataSample(metainfo=dict(meta)) for _, meta in prepared]
        ctx = (torch.autocast(device_type=self.device.type, dtype=self.dtype) if self.dtype is not None
               else _nullcontext())
        with torch.inference_mode(), ctx:
            out = self.model.test_step({"inputs": inputs, "data_samples": samples})
        return torch.stack([s.pred_sem_seg.data[0] for s in out]).to(torch.int64)


class _nullcontext:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


# ------------------------------------------------------------------------------------------------
# reading in worker processes
# ------------------------------------------------------------------------------------------------

def resolve_window(contract: InputContract, explicit: Sequence[float] | None) -> tuple[tuple[float, float] | None, str]:
    """The CT window inference uses and where it comes from: ``--window`` (``explicit``), else the config's
    ``ct_window``, else ``(None, "default")`` (the default abdominal window, with a warning once used)."""
    if explicit is not None:
        lo, hi = (float(v) for v in explicit)
        return (lo, hi), "--window"
    if contract.ct_window is not None:
        return contract.ct_window, f"ct_window of {contract.config}"
    return None, "default"


def _pack(item: InferenceInput) -> tuple[InferenceInput, torch.Tensor]:
    """An input as sent from a reader process: the slices as one tensor (shared memory), the volume's geometry
    without its voxels (only its shape is kept, see :func:`_unpack`)."""
    stack = torch.from_numpy(np.stack(item.slices)) if item.slices else torch.zeros(0, dtype=torch.uint8)
    vol = item.volume
    light = replace(item, slices=[], volume=None if vol is None else replace(vol, array=None))
    if vol is not None:
        light.header = dict(item.header, volume_shape=vol.shape)
    return light, stack


def _unpack(light: InferenceInput, stack: torch.Tensor) -> InferenceInput:
    arr = stack.numpy()
    light.slices = [arr[k] for k in range(arr.shape[0])]
    if light.volume is not None:  # the writers need the volume's shape and geometry, not its values
        light.volume.array = np.broadcast_to(np.zeros((), np.uint8), light.header["volume_shape"])
    return light


class _Reader(torch.utils.data.Dataset):
    """Input ``i`` -> ``(i, (input, slices) or None, user error or None)`` (errors are returned, not raised, so
    a worker's error reaches the caller as the one line it is)."""

    def __init__(self, paths: Sequence[str], window: tuple[float, float] | None, contract: InputContract) -> None:
        self.paths, self.window, self.contract = list(paths), window, contract

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int):
        try:
            item = load_input(self.paths[i], self.window)
            conform_slices(item, self.contract)
            return i, _pack(item), None
        except USER_ERRORS as exc:
            return i, None, exc


def _identity(x):
    return x


def _worker_init(_worker_id: int) -> None:
    import cv2

    cv2.setNumThreads(1)


def read_inputs(paths: Sequence[str], window: tuple[float, float] | None, contract: InputContract,
                workers: int = 1):
    """Iterate ``(index, input)`` over ``paths``, decoded, windowed and conformed to the model in ``workers``
    processes (0: in this process), in order, prefetching ahead of the consumer.

    Raises:
        OrgansegInputError: (from the iteration) an input's user error, its one line naming the file.
    """
    workers = max(0, int(workers))
    # forked readers only from a one-thread process: a fork copies the locks of torch's and OpenCV's pools
    loader = torch.utils.data.DataLoader(
        _Reader(paths, window, contract), batch_size=None, shuffle=False, num_workers=workers,
        collate_fn=_identity, worker_init_fn=_worker_init if workers else None,
        prefetch_factor=2 if workers else None, multiprocessing_context=safe_start_method() if workers else None)
    for i, packed, exc in loader:
        if exc is not None:
            raise exc
        yield i, _unpack(*packed)


# ------------------------------------------------------------------------------------------------
# the whole run
# ------------------------------------------------------------------------------------------------

@dataclass
class InferenceOptions:
    """Options of :func:`run_inference` (the flags of ``tools/infer.py``)."""

    batch_size: int = 4
    device: str | None = None
    precision: str = "auto"
    window: tuple[float, float] | None = None
    spacing: tuple[float, float] | None = None
    workers: int = 1
    slide: bool = False
    flip_tta: bool = False
    memory_format: str = "auto"
    overlays: bool = True
    nifti_masks: bool = True
    progress: bool = True


@dataclass
class InferenceResult:
    """What :func:`run_inference` did."""

    out_dir: str
    inputs: int
    slices: int
    seconds: float
    model_seconds: float
    forward_passes: int
    rows: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def slices_per_s(self) -> float:
        """Throughput, end to end."""
        return self.slices / self.seconds if self.seconds > 0 else float("inf")

    def summary(self) -> str:
        """The line ``tools/infer.py`` prints at the end."""
        tta = f", {self.forward_passes} forward passes per slice (flip TTA)" if self.forward_passes > 1 else ""
        return (f"{self.slices} image(s)/slice(s) of {self.inputs} input(s) in {self.seconds:.2f}s "
                f"({self.slices_per_s:.2f} slices/s; model {self.model_seconds:.2f}s{tta}) -> {self.out_dir} "
                "(masks/, overlays/, measurements.csv)")


def _note(warnings: list[str], text: str, echo: bool) -> None:
    warnings.append(text)
    if echo:
        print(f"warning: {text}", file=sys.stderr, flush=True)


def run_inference(config: str, checkpoint: str | None, inputs: Sequence[str | os.PathLike], out_dir: str | os.PathLike,
                  options: InferenceOptions | None = None, segmenter: Segmenter | None = None,
                  echo_warnings: bool = True, on_batch: Callable[[int], None] | None = None) -> InferenceResult:
    """Segment ``inputs`` with the model of ``config`` + ``checkpoint``; write masks, overlays and the CSV.

    Outputs (:mod:`organseg_plugins.core.inference.outputs`): ``OUT/masks/`` (0/1 PNG per image or slice; a
    volume file's mask as ``<name>.nii.gz`` with the source geometry), ``OUT/overlays/``,
    ``OUT/measurements.csv``. A progress bar over the slices shows the time left.

    Args:
        config: mmengine config file.
        checkpoint: ``.pth`` file (None: untrained weights, for speed checks).
        inputs: Image files, DICOM files or series folders, volume files.
        out_dir: Output folder (created; files of the same names replaced).
        options: :class:`InferenceOptions`.
        segmenter: A ready :class:`Segmenter` of ``config`` (skips building the model; speed checks).
        echo_warnings: Print each warning as a ``warning:`` line on stderr.
        on_batch: Called with the number of slices of each batch done (tests, progress hooks).

    Raises:
        OrgansegInputError: Missing files, a config that is not an image segmentation model, an input the
            model cannot take (one line naming the file).
    """
    from tqdm import tqdm

    from organseg_plugins.core.io.paths import check_output_dir
    from organseg_plugins.core.io.tables import write_csv

    opts = options or InferenceOptions()
    if opts.batch_size < 1:
        raise OrgansegInputError(f"batch size must be >= 1, got {opts.batch_size}")
    paths = [str(p) for p in inputs]
    if not paths:
        raise OrgansegInputError("no inputs")
    for p in paths:
        if not Path(p).exists():
            raise OrgansegInputError(f"{p}: input not found")
    if checkpoint is not None and not Path(checkpoint).is_file():
        raise OrgansegInputError(f"checkpoint not found: {checkpoint}")
    check_output_dir(out_dir, paths, overwrite=True)
    warnings: list[str] = []
    if segmenter is None:
        from organseg_plugins.mm.apis import load_mm_config

        contract = contract_from_config(load_mm_config(config), config)
    else:
        contract = segmenter.contract
    window, source = resolve_window(contract, opts.window)
    if opts.window is not None and contract.ct_window is not None and tuple(window) != tuple(contract.ct_window):
        _note(warnings, f"--window [{window[0]:g}, {window[1]:g}] overrides ct_window "
                        f"[{contract.ct_window[0]:g}, {contract.ct_window[1]:g}] of {config}", echo_warnings)
    if window is not None:
        note = window_mismatch(window, source, contract.data_meta)
        if note:
            _note(warnings, note, echo_warnings)
    t0 = time.perf_counter()
    reader = read_inputs(paths, window, contract, opts.workers)  # workers start now, while the model is built
    if segmenter is None:
        segmenter = Segmenter.from_files(config, checkpoint, opts.device, precision=opts.precision, slide=opts.slide,
                                         flip_tta=opts.flip_tta, memory_format=opts.memory_format)
    model_s0 = segmenter.model_seconds
    writer = OutputWriter(out_dir, overlays=opts.overlays, nifti_masks=opts.nifti_masks)
    bar = tqdm(total=len(paths), desc="infer", unit="slice", disable=not opts.progress, dynamic_ncols=True)
    pending: list[tuple[int, InferenceInput, int, np.ndarray]] = []
    n_slices = n_inputs = 0
    warned_default = False

    def flush() -> None:
        masks = segmenter.predict([p[3] for p in pending])
        for (i, item, k, _), m in zip(pending, masks, strict=True):
            writer.add(i, item, k, m)
        bar.update(len(pending))
        if on_batch is not None:
            on_batch(len(pending))
        pending.clear()

    try:
        for i, item in reader:
            n_inputs += 1
            for note in item.warnings:
                _note(warnings, note, echo_warnings)
            if "window" in item.header and window is None and not warned_default:
                warned_default = True
                _note(warnings, f"{item.source}: CT values windowed with the default window "
                                f"[{DEFAULT_WINDOW[0]:g}, {DEFAULT_WINDOW[1]:g}] HU: {config} names no ct_window "
                                "(give --window with the training data's window)", echo_warnings)
            if opts.spacing is not None and item.spacing is None:
                item.spacing = (float(opts.spacing[0]), float(opts.spacing[-1]))
            bar.total += len(item.slices) - 1
            bar.refresh()
            for k, img in enumerate(item.slices):
                if pending and (len(pending) >= opts.batch_size or pending[0][3].shape != img.shape):
                    flush()
                pending.append((i, item, k, img))
                n_slices += 1
        if pending:
            flush()
    finally:
        bar.close()
        rows = writer.close()
    if not rows:
        raise OrgansegInputError("no input slices")
    write_csv(Path(out_dir) / "measurements.csv", MEASURE_COLUMNS, rows)
    seconds = time.perf_counter() - t0
    return InferenceResult(str(out_dir), n_inputs, n_slices, seconds, segmenter.model_seconds - model_s0,
                           segmenter.forward_passes, rows, warnings)
