"""Engine parts: hooks and optimizer-wrapper constructors."""

from .hooks import CheckFiniteLossHook, SegPredictionWriterHook
from .optimizers import MultiModuleOptimWrapperConstructor

__all__ = ["CheckFiniteLossHook", "MultiModuleOptimWrapperConstructor", "SegPredictionWriterHook"]
