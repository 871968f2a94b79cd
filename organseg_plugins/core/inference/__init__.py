"""Inference on new images (framework-free parts of ``tools/infer.py``): the model's input contract, reading
inputs, writing masks and measurements."""

from .contract import (
    DEFAULT_WINDOW,
    InputContract,
    conform_image,
    conform_slices,
    contract_from_config,
    data_windows,
    window_mismatch,
)
from .inputs import InferenceInput, load_input, to_uint8
from .outputs import MEASURE_COLUMNS, OutputWriter, measure_rows, overlay, write_masks

__all__ = ["DEFAULT_WINDOW", "MEASURE_COLUMNS", "InferenceInput", "InputContract", "OutputWriter", "conform_image",
           "conform_slices", "contract_from_config", "data_windows", "load_input", "measure_rows", "overlay",
           "to_uint8", "window_mismatch", "write_masks"]
