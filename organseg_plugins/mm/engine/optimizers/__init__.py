"""Optimizer-wrapper constructors: one optimizer per sub-module (generator / discriminators)."""

from .multi_module_constructor import MultiModuleOptimWrapperConstructor

__all__ = ["MultiModuleOptimWrapperConstructor"]
