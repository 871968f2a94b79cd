"""Denoise and super-resolve (x2) every slice of a folder with a trained DnCNN-SR (liver paper pre-processing).

    python tools/denoise.py CONFIG CHECKPOINT --input SLICES_DIR --output OUT_DIR [--scale-back]
        [--recursive] [--suffix .png] [--device cpu] [--no-progress] [--cfg-options k=v ...]

CONFIG is a DnCNN-SR config (e.g. configs/liver/dncnn-sr_1xb8-300it_phantom-ct-64to128.py) and
CHECKPOINT its trained weights (tools/train.py). Each grey slice (8 or 16 bit, e.g. from
datasets_prep/dicom_to_png.py) is read, scaled to [0, 1], passed through the network and written with
the same file name and bit depth under OUT_DIR (atomically), at ``scale`` x its size, or at its
original size with ``--scale-back`` (area down-sampling of the output: denoised slices for a
segmentation pipeline that expects the original resolution). OUT_DIR must differ from SLICES_DIR
(the input is never overwritten). A file that cannot be read is reported and skipped; the exit
status is then 1 (0 when every slice was written, 2 on a user error printed as one ``error: <message>``
line, see :mod:`organseg_plugins.core.cli`).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
from mmengine.config import DictAction

from organseg_plugins.core.cli import cli_main
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.inference.super_resolve import super_resolve
from organseg_plugins.core.io.atomic import atomic_imwrite_png
from organseg_plugins.core.io.gray_slices import read_gray_slice, to_image_dtype
from organseg_plugins.core.io.paths import check_output_dir
from organseg_plugins.mm.apis import init_model

_MAX_LISTED = 20


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description="Denoise + super-resolve a folder of CT slices with DnCNN-SR")
    parser.add_argument("config", help="DnCNN-SR config file")
    parser.add_argument("checkpoint", help="trained checkpoint (.pth)")
    parser.add_argument("--input", required=True, metavar="DIR", help="folder of grey slices")
    parser.add_argument("--output", required=True, metavar="DIR", help="output folder (not the input folder)")
    parser.add_argument("--scale-back", action="store_true",
                        help="resize the output back to the input size (denoising only, same resolution)")
    parser.add_argument("--suffix", default=".png", help="file suffix of the slices (default .png)")
    parser.add_argument("--recursive", action="store_true", help="also process sub-folders (mirrored in OUTPUT)")
    parser.add_argument("--device", default="cpu", help="torch device (default cpu)")
    parser.add_argument("--no-progress", action="store_true", help="disable the progress bar")
    parser.add_argument("--cfg-options", nargs="+", action=DictAction, help="override config settings, key=value")
    return parser.parse_args(argv)


def build_model(config: str, checkpoint: str, cfg_options: dict | None = None, device: str = "cpu"):
    """Build the config's DnCNN-SR model and load the checkpoint; return the network in eval mode."""
    cfg, model = init_model(config, checkpoint, cfg_options, device)
    if not hasattr(model, "net") or not hasattr(model.net, "scale"):
        raise OrgansegInputError(f"{config}: model {cfg.model.get('type')!r} is not a DnCNN-SR model "
                                 "(expected type='DnCNNSRModel')")
    return model.net


def list_slices(src: Path, suffix: str, recursive: bool) -> list[Path]:
    """Slices of ``src`` with ``suffix`` (case-insensitive), sorted."""
    pattern = "**/*" if recursive else "*"
    return sorted(p for p in src.glob(pattern) if p.is_file() and p.name.lower().endswith(suffix.lower()))


@cli_main
def main(argv: list[str] | None = None) -> int:
    """Process the folder; return the exit status."""
    from tqdm import tqdm

    args = parse_args(argv)
    src, dst = Path(args.input), Path(args.output)
    if not src.is_dir():
        raise OrgansegInputError(f"input folder not found: {src}")
    check_output_dir(dst, [src], overwrite=True)  # the one guard: never the input folder, inside it or around it
    files = list_slices(src, args.suffix, args.recursive)
    if args.recursive:  # never write into the tree being read, and never onto an input file
        files = [p for p in files if dst.resolve() not in p.resolve().parents]
    if not files:
        raise OrgansegInputError(f"no '*{args.suffix}' slices in {src}")
    net = build_model(args.config, args.checkpoint, args.cfg_options, args.device)
    scale = net.scale
    failed: list[tuple[Path, str]] = []
    written = 0
    shapes: set[tuple[tuple[int, int], tuple[int, int]]] = set()
    t0 = time.perf_counter()
    for path in tqdm(files, desc="DnCNN-SR", unit="slice", disable=args.no_progress):
        rel = path.relative_to(src)
        out_path = (dst / rel).with_suffix(".png")
        try:
            img, dtype = read_gray_slice(path)
        except OrgansegInputError as err:
            failed.append((path, str(err)))
            tqdm.write(f"error: {err}", file=sys.stderr)
            continue
        out = super_resolve(net, img, device=args.device)
        if args.scale_back:
            out = cv2.resize(out, (img.shape[1], img.shape[0]), interpolation=cv2.INTER_AREA)
        atomic_imwrite_png(out_path, to_image_dtype(out, dtype))
        shapes.add((img.shape, out.shape))
        written += 1
    dt = time.perf_counter() - t0
    sizes = ", ".join(f"{a[0]}x{a[1]} -> {b[0]}x{b[1]}" for a, b in sorted(shapes)) or "none"
    print(f"DnCNN-SR (x{scale}{', scaled back' if args.scale_back else ''}): {written} of {len(files)} slice(s) "
          f"written to {dst} in {dt:.1f} s ({sizes})")
    if failed:
        names = ", ".join(p.name for p, _ in failed[:_MAX_LISTED])
        more = f", ... ({len(failed) - _MAX_LISTED} more)" if len(failed) > _MAX_LISTED else ""
        print(f"error: {len(failed)} slice(s) could not be read and were skipped: {names}{more}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    main()
