"""organseg_plugins: organ-segmentation plugins for MMSegmentation 1.x and Detectron2.

Importing this package (the framework-free core) never imports mmengine, mmseg or detectron2;
the adapters live in :mod:`organseg_plugins.mm` and :mod:`organseg_plugins.d2`.
"""

__version__ = "0.1.0"
