"""Segment new images with a trained model: PNG/JPEG, DICOM (a file or a series folder) and NIfTI inputs.

    python tools/infer.py CONFIG CHECKPOINT INPUT... --out DIR [--batch-size 8] [--device cpu|cuda:0]
        [--mask-format auto|png] [--window pancreas|LO,HI] [--no-overlays]

Volumes (NIfTI, MetaImage, NRRD, DICOM series) are read in the project's canonical LPS orientation and cut into
the same axial slices ``datasets_prep/ct_volumes_to_mmseg.py`` trains on (see
:mod:`organseg_plugins.core.inference.inputs`); DICOM files are recognised by content (UID names without
``.dcm``). Give the converter's HU window with ``--window`` so the grey values match training.
Writes ``DIR/masks/`` (0/1 PNG per image or slice; volume files: ``<name>.nii.gz`` with the source affine, in
the source's voxel order), ``DIR/overlays/`` (mask blended on the image), and ``DIR/measurements.csv``: per image or slice the
organ area (pixels, and mm^2 when the spacing is known: DICOM PixelSpacing, NIfTI zooms), its length (mm,
the project's measurement: maximum Feret diameter) and, for volumes, a row with the volume (mL).
The model runs through mmseg's inferencer (``OrganSegInferencer``, mmseg's ``MMSegInferencer`` with the
project's annotation loaders left out), so the config's test pipeline and its post-processing
(``model.postprocessor``, e.g. the spleen Pix2Pix config's ``OrganMaskPostProcessor``) apply as in testing.
Exit status 0 on success, 2 on a user error printed as one ``error:`` line.
"""

from __future__ import annotations

import argparse
import logging
import os.path as osp
import sys
import time

import numpy as np
from tqdm import tqdm

from organseg_plugins.core.cli import cli_main
from organseg_plugins.core.converters.ct_volumes import CT_WINDOWS
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.inference import MEASURE_COLUMNS, load_input, measure_rows, write_masks
from organseg_plugins.core.io.paths import check_output_dir
from organseg_plugins.core.io.tables import write_csv


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("config")
    p.add_argument("checkpoint")
    p.add_argument("inputs", nargs="+", help="image files, DICOM files or series folders, NIfTI files")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--device", default=None, help="cpu, cuda:0 ... (default: cuda if available)")
    p.add_argument("--mask-format", choices=["auto", "png"], default="auto",
                   help="auto: NIfTI masks for NIfTI inputs, PNG otherwise; png: PNG slices for all")
    p.add_argument("--spacing", type=float, nargs="+", default=None, metavar="MM",
                   help="pixel size (row [col]) in mm for inputs without one (PNG/JPEG)")
    p.add_argument("--window", default=None, metavar="NAME|LO,HI",
                   help=f"HU window of CT values: a name ({', '.join(CT_WINDOWS)}) or LO,HI in HU, e.g. "
                   "--window=-100,240 (default: level 50 / width 400)")
    p.add_argument("--no-overlays", action="store_true")
    p.add_argument("--no-progress", action="store_true")
    args = p.parse_args(argv)
    if args.batch_size < 1:
        p.error("--batch-size must be >= 1")
    if args.spacing is not None and (len(args.spacing) > 2 or min(args.spacing) <= 0):
        p.error("--spacing takes one or two positive sizes in mm: ROW [COL]")
    if args.window is not None:
        if args.window in CT_WINDOWS:
            args.window = CT_WINDOWS[args.window]
        else:
            try:
                lo, hi = (float(v) for v in args.window.split(","))
            except ValueError:
                p.error(f"--window {args.window!r}: give a name ({', '.join(CT_WINDOWS)}) or LO,HI in HU")
            if not lo < hi:
                p.error(f"--window {args.window!r}: LO must be below HI")
            args.window = (lo, hi)
    return args


def build_inferencer(config: str, checkpoint: str, device: str | None = None):
    """The project's ``OrganSegInferencer`` on ``config`` + ``checkpoint`` (files checked first)."""
    for path, what in ((config, "config"), (checkpoint, "checkpoint")):
        if not osp.isfile(path):
            raise FileNotFoundError(f"{what} not found: {path}")
    import torch
    from mmengine.logging import MMLogger

    from organseg_plugins.mm.apis import OrganSegInferencer

    MMLogger.get_current_instance().setLevel(logging.ERROR)
    if device is None:
        device = "cuda:0" if torch.cuda.is_available() else "cpu"
    inferencer = OrganSegInferencer(model=config, weights=checkpoint, device=device)
    inferencer.show_progress = False  # one progress bar: predict()'s, over every image and slice
    return inferencer


def predict(inferencer, images: list[np.ndarray], batch_size: int, progress: bool = True) -> list[np.ndarray]:
    """0/1 organ masks (any non-background class) of ``images``, ``batch_size`` at a time, at input size."""
    masks: list[np.ndarray] = []
    bar = tqdm(total=len(images), desc="infer", unit="img", disable=not progress)
    step = batch_size * 16  # one inferencer call batches internally; a call per batch costs its set-up each time
    for start in range(0, len(images), step):
        chunk = [img if img.ndim == 3 else np.repeat(img[..., None], 3, axis=2)
                 for img in images[start:start + step]]
        out = inferencer(chunk, batch_size=batch_size, return_datasamples=True)
        samples = out["predictions"] if isinstance(out, dict) else out
        samples = samples if isinstance(samples, list) else [samples]
        masks += [(s.pred_sem_seg.data[0].cpu().numpy() > 0).astype(np.uint8) for s in samples]
        bar.update(len(chunk))
    bar.close()
    return masks


@cli_main
def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    items = [load_input(p, args.window) for p in args.inputs]
    for item in items:
        for note in item.warnings:
            print(f"warning: {note}", file=sys.stderr)
    if args.spacing is not None:
        for item in items:
            if item.spacing is None:
                item.spacing = (args.spacing[0], args.spacing[-1])
    check_output_dir(args.out, args.inputs, overwrite=True)
    inferencer = build_inferencer(args.config, args.checkpoint, args.device)
    images = [s for item in items for s in item.slices]
    t0 = time.time()
    masks = predict(inferencer, images, args.batch_size, not args.no_progress)
    seconds = time.time() - t0
    rows, k = [], 0
    for item in items:
        mine = masks[k:k + len(item.slices)]
        k += len(item.slices)
        write_masks(item, mine, args.out, overlays=not args.no_overlays, nifti_masks=args.mask_format == "auto")
        rows += measure_rows(item, mine)
    if not rows:
        raise OrgansegInputError("no input slices")
    write_csv(osp.join(args.out, "measurements.csv"), MEASURE_COLUMNS, rows)
    print(f"{len(images)} image(s)/slice(s) of {len(items)} input(s) in {seconds:.2f}s -> {args.out} "
          "(masks/, overlays/, measurements.csv)")
    return 0


if __name__ == "__main__":
    main()
