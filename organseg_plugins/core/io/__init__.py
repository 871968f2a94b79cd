"""Files in and out, shared by datasets, converters, metrics and tools: one reader per format, one validator,
atomic writes.

No other module of the project opens an image, mask, DICOM, NIfTI/NRRD/MetaImage, COCO or CSV file itself:
they call the readers and writers here. Volumes come in one canonical orientation, LPS
(:mod:`.volumes`); DICOM is recognised by content (:mod:`.dicom`); the split names (:data:`SPLITS`) and the
image endings (:data:`IMAGE_EXTS`) are defined here once.
"""

from .atomic import atomic_imwrite_png, atomic_write_bytes, atomic_write_json, atomic_write_text, encode_png
from .coco import (
    annotation_from_mask,
    build_coco,
    coco_to_masks,
    mask_to_polygons,
    mask_to_rle,
    masks_to_coco,
    polygons_to_mask,
    rle_to_mask,
    segmentation_to_mask,
)
from .dicom import is_dicom_file, split_dicom_files
from .images import IMAGE_EXTS, MASK_IMAGE_EXTS, read_binary_mask, read_image_file
from .layout import SPLITS, MMSegLayoutWriter
from .masks import MASK_EXTS, MaskFile, mask_stem, read_mask, read_mask_file
from .paths import check_output_dir, list_files, require_dir, safe_stem
from .tables import csv_text, read_csv_rows, read_meta_csv, write_csv
from .validate import as_binary_mask, as_spacing, check_label_values, describe_values
from .volume_write import volume_affine_ras, write_dicom_series, write_metaimage, write_nifti
from .volumes import (
    CANONICAL_ORIENTATION,
    RAS_TO_LPS,
    VOLUME_EXTS,
    Volume,
    canonical,
    canonical_slice,
    check_same_geometry,
    is_hidden_junk,
    label_on_image_grid,
    read_dicom_image,
    read_dicom_series,
    read_label_volume,
    read_metaimage,
    read_nifti,
    read_sitk,
    read_volume,
    reorient,
    stack_slices,
    volume_stem,
)

__all__ = [
    "IMAGE_EXTS", "MASK_EXTS", "MASK_IMAGE_EXTS", "MMSegLayoutWriter", "MaskFile", "SPLITS", "annotation_from_mask",
    "as_binary_mask", "as_spacing", "atomic_imwrite_png", "atomic_write_bytes", "atomic_write_json",
    "atomic_write_text", "build_coco", "check_label_values", "check_output_dir", "coco_to_masks", "csv_text",
    "describe_values", "encode_png", "is_dicom_file", "list_files", "mask_stem", "mask_to_polygons", "mask_to_rle",
    "masks_to_coco", "polygons_to_mask", "read_binary_mask", "read_csv_rows", "read_image_file", "read_mask",
    "read_mask_file", "read_meta_csv", "require_dir", "rle_to_mask", "safe_stem", "segmentation_to_mask",
    "split_dicom_files", "write_csv",
    "CANONICAL_ORIENTATION", "RAS_TO_LPS", "VOLUME_EXTS", "Volume", "canonical", "canonical_slice", "check_same_geometry",
    "is_hidden_junk", "label_on_image_grid", "read_dicom_image", "read_dicom_series", "read_label_volume",
    "read_metaimage", "read_nifti", "read_sitk", "read_volume", "reorient", "stack_slices", "volume_affine_ras",
    "volume_stem", "write_dicom_series", "write_metaimage", "write_nifti",
]
