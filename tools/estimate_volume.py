#!/usr/bin/env python
"""Spleen volume (mL, with its 95% interval) from 2-D ultrasound images: segmentor -> mask -> RVAE (DeepSPV).

    # images -> any trained mmseg segmentor of this project -> mask -> RVAE
    python tools/estimate_volume.py RVAE_CONFIG RVAE_CKPT --images US_DIR --pixel-spacing 0.5 \\
        --seg-config SEG_CONFIG --seg-checkpoint SEG_CKPT --out volumes.csv
    # masks already segmented (0/1 PNGs); dual view: --transverse-images / --transverse-masks, same file names
    python tools/estimate_volume.py RVAE_CONFIG RVAE_CKPT --masks MASK_DIR --meta meta.csv --out volumes.csv

The mask is resampled onto the RVAE's canvas (the size of its test dataset, ``--view-spacing`` mm pixels,
default: the ``view_spacing_mm`` of the RVAE data's ``volumes.csv``), so the image's pixel spacing is needed:
``--pixel-spacing`` for all, or ``--meta`` (a CSV with ``filename`` and ``spacing_mm``). One CSV row per
image: ``volume_ml``, ``lower_ml``, ``upper_ml`` and ``status`` (``ok``, or the problem: unreadable image,
no spacing, empty mask); the run goes on and exits 1 if any image failed (Yuan et al. 2025, "DeepSPV: a deep
learning pipeline for 3D spleen volume estimation from 2D ultrasound images", Med Image Anal).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from organseg_plugins.core.cli import cli_main
from organseg_plugins.core.converters.spleen_views import mask_on_canvas
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io.images import IMAGE_EXTS, read_binary_mask, read_image_file
from organseg_plugins.core.io.paths import list_files, require_dir
from organseg_plugins.core.io.tables import read_csv_rows, write_csv
from organseg_plugins.core.io.view_table import VOLUME_TABLE, read_volume_table

COLUMNS = ("filename", "pixel_spacing_mm", "volume_ml", "lower_ml", "upper_ml", "status")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    p = argparse.ArgumentParser(description="Spleen volume from 2-D ultrasound images or masks (DeepSPV RVAE)")
    p.add_argument("rvae_config", help="config of the trained RVAE (configs/deepspv/rvae_*.py)")
    p.add_argument("rvae_checkpoint", help="its checkpoint")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--images", help="folder of coronal ultrasound images (needs --seg-config/--seg-checkpoint)")
    src.add_argument("--masks", help="folder of coronal 0/1 masks (already segmented)")
    p.add_argument("--transverse-images", help="dual view: folder of transverse images (same file names)")
    p.add_argument("--transverse-masks", help="dual view: folder of transverse masks (same file names)")
    p.add_argument("--seg-config", help="mmseg segmentor config")
    p.add_argument("--seg-checkpoint", help="segmentor checkpoint")
    p.add_argument("--pixel-spacing", type=float, help="pixel size (mm) of every image")
    p.add_argument("--meta", help="CSV with 'filename' and 'spacing_mm' per image (instead of --pixel-spacing)")
    p.add_argument("--view-spacing", type=float, help="RVAE canvas pixel size in mm (default: from its data)")
    p.add_argument("--out", required=True, help="CSV to write")
    return p.parse_args(argv)


def _build(config: str, checkpoint: str):
    from organseg_plugins.mm.apis import init_model

    return init_model(config, checkpoint)


class Segmentor:
    """An mmseg segmentor of this project run on image files (its test pipeline without annotations)."""

    def __init__(self, config: str, checkpoint: str) -> None:
        from mmcv.transforms import Compose

        self.cfg, self.model = _build(config, checkpoint)
        steps = [t for t in self.cfg.test_pipeline if "Annotation" not in t["type"]]
        self.pipeline = Compose(steps)

    def __call__(self, path: Path) -> np.ndarray:
        """The 0/1 mask of one image at its original size."""
        import torch
        from mmengine.dataset import pseudo_collate

        data = pseudo_collate([self.pipeline(dict(img_path=str(path)))])
        with torch.no_grad():
            sample = self.model.test_step(data)[0]
        return (sample.pred_sem_seg.data[0].cpu().numpy() > 0).astype(np.uint8)


def _spacings(args: argparse.Namespace) -> dict[str, float] | None:
    if args.meta is None:
        return None
    out = {}
    for i, r in enumerate(read_csv_rows(args.meta, required=("filename", "spacing_mm")), start=2):
        try:
            out[Path(r["filename"]).name] = float(r["spacing_mm"])
        except ValueError:
            raise OrgansegInputError(f"{args.meta} row {i}: spacing_mm is not a number: {r['spacing_mm']!r}") from None
    return out


@cli_main
def main(argv: list[str] | None = None) -> int:
    """Estimate the volumes; return the exit status (1 if some image failed)."""
    args = parse_args(argv)
    if args.images and not (args.seg_config and args.seg_checkpoint):
        raise OrgansegInputError("--images needs --seg-config and --seg-checkpoint (or give --masks)")
    if args.pixel_spacing is None and args.meta is None:
        raise OrgansegInputError("the RVAE needs the images' pixel spacing: give --pixel-spacing or --meta")
    import torch

    cfg, rvae = _build(args.rvae_config, args.rvae_checkpoint)
    if not hasattr(rvae, "num_samples"):
        raise OrgansegInputError(f"{args.rvae_config}: model {cfg.model.get('type')!r} is not the RVAE "
                                 "(type='RVAEVolumeModel')")
    ds = cfg.test_dataloader.dataset
    size, n_views = int(ds.get("size") or 128), len(ds.get("views", ("coronal",)))
    view_spacing = args.view_spacing
    if view_spacing is None:
        table = Path(ds.get("data_root", "")) / VOLUME_TABLE
        if not table.is_file():
            raise OrgansegInputError(f"pass --view-spacing: the RVAE's data table {table} is not there to read it")
        view_spacing = read_volume_table(table)[0]["view_spacing_mm"]
    second = args.transverse_images or args.transverse_masks
    if n_views == 2 and not second:
        raise OrgansegInputError(f"{args.rvae_config} is a dual-view RVAE: give --transverse-images or "
                                 "--transverse-masks")
    segment = Segmentor(args.seg_config, args.seg_checkpoint) if args.images else None
    folder = require_dir(args.images or args.masks, "input folder")
    files = list_files(folder, IMAGE_EXTS)
    if not files:
        raise OrgansegInputError(f"{folder}: no images ({', '.join(IMAGE_EXTS)})")
    spacings = _spacings(args)
    rows, failed = [], 0
    for f in files:
        row = dict(filename=f.name)
        try:
            sp = args.pixel_spacing if spacings is None else spacings.get(f.name)
            if sp is None:
                raise OrgansegInputError(f"{f}: no spacing_mm in {args.meta}")
            row["pixel_spacing_mm"] = f"{sp:g}"
            channels = []
            for view_dir in [None, second][:n_views]:
                path = f if view_dir is None else Path(view_dir) / f.name
                if segment is not None and (view_dir is None or args.transverse_images):
                    read_image_file(path)  # one clear error for an unreadable image
                    mask = segment(path)
                else:
                    mask = read_binary_mask(path)
                if not mask.any():
                    raise OrgansegInputError(f"{path}: the mask is empty (no spleen found)")
                channels.append(mask_on_canvas(mask, sp, size, view_spacing, source=str(path)))
            x = torch.from_numpy(np.stack(channels)[None].astype(np.float32))
            with torch.no_grad():
                res = rvae(inputs=x, mode="predict")[0]
            row.update(volume_ml=f"{res['pred_volume']:.2f}", lower_ml=f"{res['lower']:.2f}",
                       upper_ml=f"{res['upper']:.2f}", status="ok")
        except (OrgansegInputError, FileNotFoundError) as err:
            row["status"] = " ".join(str(err).split())
            failed += 1
        rows.append(row)
    write_csv(args.out, COLUMNS, rows)
    print(f"{len(rows) - failed} of {len(rows)} image(s) estimated -> {args.out}")
    for r in rows:
        if r["status"] != "ok":
            print(f"  {r['filename']}: {r['status']}")
    return 1 if failed else 0


if __name__ == "__main__":
    main()
