"""Inference on new images (framework-free parts of ``tools/infer.py``): reading inputs, writing masks and
measurements."""

from .inputs import InferenceInput, load_input, to_uint8
from .outputs import MEASURE_COLUMNS, measure_rows, overlay, write_masks

__all__ = ["MEASURE_COLUMNS", "InferenceInput", "load_input", "measure_rows", "overlay",
           "to_uint8", "write_masks"]
