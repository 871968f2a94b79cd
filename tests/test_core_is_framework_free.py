"""The core must import without any framework: checked in a fresh interpreter's sys.modules."""

import pkgutil
import subprocess
import sys

import organseg_plugins.core

FRAMEWORKS = ("mmengine", "mmseg", "mmcv", "detectron2")


def test_core_imports_no_framework():
    mods = ["organseg_plugins"] + [m.name for m in pkgutil.walk_packages(organseg_plugins.core.__path__,
                                                                         "organseg_plugins.core.")]
    assert {"organseg_plugins.core.io.dicom", "organseg_plugins.core.metrics.surface",
            "organseg_plugins.core.converters.kitti", "organseg_plugins.core.cli"} <= set(mods), mods
    code = (
        "import importlib, sys\n"
        f"for m in {mods!r}: importlib.import_module(m)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FRAMEWORKS!r})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "", f"the core imported framework modules: {out}"


def test_adapters_do_import_their_framework():
    # the same probe must see the framework when an adapter is imported (so the check above can fail)
    code = "import sys, organseg_plugins.mm; print('mmseg' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "True"
