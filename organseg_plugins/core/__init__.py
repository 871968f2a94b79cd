"""Framework-free core: never imports mmengine, mmseg or detectron2."""
