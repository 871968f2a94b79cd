"""Files in and out, shared by datasets, converters, metrics and tools: one validator, atomic writes."""

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
from .images import IMAGE_EXTS, read_binary_mask, read_image_file
from .layout import MMSegLayoutWriter
from .paths import check_output_dir, list_files, require_dir, safe_stem
from .tables import csv_text, read_csv_rows, read_meta_csv, write_csv
from .validate import as_binary_mask, as_spacing, check_label_values, describe_values
from .volume_write import volume_affine_ras, write_dicom_series, write_metaimage, write_nifti
from .volumes import (
    RAS_TO_LPS,
    VOLUME_EXTS,
    Volume,
    check_same_geometry,
    is_hidden_junk,
    read_dicom_series,
    read_label_volume,
    read_metaimage,
    read_nifti,
    read_sitk,
    read_volume,
    volume_stem,
)

__all__ = [
    "IMAGE_EXTS", "MMSegLayoutWriter", "annotation_from_mask", "as_binary_mask", "as_spacing",
    "atomic_imwrite_png", "atomic_write_bytes", "atomic_write_json", "atomic_write_text", "build_coco",
    "check_label_values", "check_output_dir", "coco_to_masks", "csv_text", "describe_values", "encode_png",
    "list_files", "mask_to_polygons", "mask_to_rle", "masks_to_coco", "polygons_to_mask", "read_binary_mask",
    "read_csv_rows", "read_image_file", "read_meta_csv", "require_dir", "rle_to_mask", "safe_stem",
    "segmentation_to_mask", "write_csv",
    "RAS_TO_LPS", "VOLUME_EXTS", "Volume", "check_same_geometry", "is_hidden_junk", "read_dicom_series",
    "read_label_volume", "read_metaimage", "read_nifti", "read_sitk", "read_volume", "volume_affine_ras",
    "volume_stem", "write_dicom_series", "write_metaimage", "write_nifti",
]
