"""Hooks: stop on a non-finite loss; write predicted masks (``tools/test.py --out``)."""

from .check_finite_loss_hook import CheckFiniteLossHook
from .prediction_writer_hook import SegPredictionWriterHook

__all__ = ["CheckFiniteLossHook", "SegPredictionWriterHook"]
