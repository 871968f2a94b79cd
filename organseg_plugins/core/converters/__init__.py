"""Dataset converters: one module per source format or dataset, each with its CLI in ``datasets_prep/``.

* :mod:`.kitti` -- CVAT KITTI 1.0 exports (Sattari et al. 2025, the liver CT labels) -> COCO + mmseg layout;
* :mod:`.ct_volumes` -- CT volumes (NIH Pancreas-CT, Sliver07, MSD) -> windowed slices + per-slice meta.csv;
* :mod:`.dicom` -- per-case DICOM CT series (+ mask series or DICOM-SEG) -> windowed 8-bit PNG slices;
* :mod:`.spleen` -- spleen ultrasound images, masks and radiologist lengths (Karimi et al. 2025);
* :mod:`.busi`, :mod:`.tn3k`, :mod:`.ddti`, :mod:`.lesion_folder` -- ultrasound lesion sets (Liu et al. 2025,
  ARU-Net), written by :mod:`.lesion_pairs` (extra lesion masks OR-merged, 7:1:2 split stratified by class);
* :mod:`.masks_coco` -- binary mask folders <-> COCO instances;
* :mod:`.splits` -- seeded case-level splits and k folds, and laying out a flat folder by split;
* :mod:`.cases` and :mod:`.report` -- case ids / split assignment, and the per-file report and
  shared command-line options of every converter.

Shared file handling (reading, the one mask validator, atomic writes, CSV, COCO, the mmseg layout
writer) lives in :mod:`organseg_plugins.core.io`.
"""

from . import (
    busi,
    cases,
    ct_volumes,
    ddti,
    dicom,
    kitti,
    lesion_folder,
    lesion_pairs,
    masks_coco,
    report,
    spleen,
    splits,
    tn3k,
)
from .cases import SPLITS, case_id_from_name, parse_fractions, split_for_name
from .report import EXIT_HELP, ConversionReport, FileIssue, add_common_cli_args, print_summary, progress_iter

__all__ = [
    "EXIT_HELP", "SPLITS", "ConversionReport", "FileIssue", "add_common_cli_args", "busi", "case_id_from_name",
    "cases", "ct_volumes", "ddti", "dicom", "kitti", "lesion_folder", "lesion_pairs", "masks_coco", "parse_fractions",
    "print_summary", "progress_iter", "report", "spleen", "split_for_name", "splits", "tn3k",
]
