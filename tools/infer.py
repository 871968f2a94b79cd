"""Segment new images with a trained model: PNG/JPEG, DICOM (a file or a series folder), NIfTI/NRRD/MetaImage.

    python tools/infer.py CONFIG CHECKPOINT INPUT... --out DIR [--batch-size 4] [--device cpu|cuda:0]
        [--precision auto|fp32|fp16|bf16] [--workers 1] [--window pancreas|liver|LO,HI] [--slide] [--flip-tta]
        [--mask-format auto|png] [--spacing MM [MM]] [--no-overlays] [--no-progress]

The model's input contract comes from its config (:mod:`organseg_plugins.core.inference.contract`): channels
(the test pipeline's ``LoadImageFromFile`` ``color_type``: 1 for the CT U-Nets, 3 for SegFormer and the
ultrasound models), colour order, resize, normalisation and padding (the ``data_preprocessor``), and the CT
window (the config's ``ct_window``, which the CT dataset bases set to the converters' default window;
``--window`` overrides it; a different window recorded in the training data's ``meta.csv`` is reported).
An input the model cannot take (a colour photo for a grey CT model) stops the run with one ``error:`` line
naming the file. Volumes (NIfTI, MetaImage, NRRD, DICOM series) are read in the canonical LPS orientation
and cut into the axial slices ``datasets_prep/ct_volumes_to_mmseg.py`` trains on; every segmentation model
here is a 2-D slice model.

Inputs are decoded and windowed in worker processes while the model runs on batches of slices (under
``torch.inference_mode()``, mixed precision on CUDA), and outputs are written in the background
(:func:`organseg_plugins.mm.inference.run_inference`); a progress bar shows the time left. Predictions are
mmseg's ``MMSegInferencer``'s on the same slices (see :mod:`organseg_plugins.mm.inference`).
Writes ``DIR/masks/`` (0/1 PNG per 2-D image or DICOM file; volumes (NIfTI, MetaImage, NRRD, a DICOM series
folder): ``<name>.nii.gz`` with the source affine, in the source's voxel order), ``DIR/overlays/`` (mask blended
on the image), and ``DIR/measurements.csv``: per image or slice the organ area (pixels, and mm^2 when the
spacing is known: DICOM PixelSpacing, NIfTI zooms), its length (mm, the project's measurement: maximum Feret
diameter) and, for volumes, a row with the volume (mL).
Exit status 0 on success, 2 on a user error printed as one ``error:`` line.
"""

from __future__ import annotations

import argparse

from organseg_plugins.core.cli import cli_main
from organseg_plugins.core.converters.ct_volumes import CT_WINDOWS


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("config")
    p.add_argument("checkpoint")
    p.add_argument("inputs", nargs="+", help="image files, DICOM files or series folders, NIfTI files")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--batch-size", type=int, default=4, help="slices per forward pass")
    p.add_argument("--device", default=None, help="cpu, cuda, cuda:0 ... (default: cuda if available)")
    p.add_argument("--precision", choices=["auto", "fp32", "fp16", "bf16"], default="auto",
                   help="auto: mixed precision on CUDA (bf16 where supported, else fp16), fp32 on CPU")
    p.add_argument("--workers", type=int, default=1, help="reader processes (0: read in the main process)")
    p.add_argument("--memory-format", choices=["auto", "channels_last", "contiguous"], default="auto",
                   help="auto: channels-last for convolutional networks (faster on CPU and GPU)")
    p.add_argument("--mask-format", choices=["auto", "png"], default="auto",
                   help="auto: a NIfTI mask per volume (NIfTI, MetaImage, NRRD, DICOM series), PNG for 2-D "
                   "images; png: PNG slices for all")
    p.add_argument("--spacing", type=float, nargs="+", default=None, metavar="MM",
                   help="pixel size (row [col]) in mm for inputs without one (PNG/JPEG)")
    p.add_argument("--window", default=None, metavar="NAME|LO,HI",
                   help=f"HU window of CT values: a name ({', '.join(CT_WINDOWS)}) or LO,HI in HU, e.g. "
                   "--window=-100,240 (default: the config's ct_window, else level 50 / width 400)")
    p.add_argument("--slide", action="store_true",
                   help="sliding-window inference at native resolution (training crop, 2/3 overlap) "
                   "for images larger than the training size")
    p.add_argument("--flip-tta", action="store_true",
                   help="average each slice with its horizontal mirror (2 forward passes: about twice the model time)")
    p.add_argument("--no-overlays", action="store_true")
    p.add_argument("--no-progress", action="store_true")
    args = p.parse_args(argv)
    if args.batch_size < 1:
        p.error("--batch-size must be >= 1")
    if args.workers < 0:
        p.error("--workers must be >= 0")
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


@cli_main
def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from organseg_plugins.mm.inference import InferenceOptions, run_inference

    result = run_inference(args.config, args.checkpoint, args.inputs, args.out, InferenceOptions(
        batch_size=args.batch_size, device=args.device, precision=args.precision, window=args.window,
        spacing=None if args.spacing is None else (args.spacing[0], args.spacing[-1]), workers=args.workers,
        slide=args.slide, flip_tta=args.flip_tta, memory_format=args.memory_format, overlays=not args.no_overlays,
        nifti_masks=args.mask_format == "auto", progress=not args.no_progress))
    print(result.summary())
    return 0


if __name__ == "__main__":
    main()
