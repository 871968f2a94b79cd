"""Model analysis, as mmseg's ``tools/analysis_tools`` and ``mmengine.analysis``: parameters and FLOPs
(:mod:`.complexity`) and the inference path's speed against mmseg's inferencer (:mod:`.infer_speed`)."""

from .complexity import add_run_complexity, analyse, complexity_table, count_model
from .infer_speed import InferSpeed, infer_speed

__all__ = ["InferSpeed", "add_run_complexity", "analyse", "complexity_table", "count_model", "infer_speed"]
