"""The core must import without any framework: checked in a fresh interpreter's sys.modules."""

import pkgutil
import subprocess
import sys

import organseg_plugins.core

FRAMEWORKS = ("mmengine", "mmseg", "mmcv", "detectron2")


def test_core_imports_no_framework():
    mods = ["organseg_plugins"] + [f"organseg_plugins.core.{m.name}"
                                    for m in pkgutil.iter_modules(organseg_plugins.core.__path__)]
    assert len(mods) > 3, mods  # the core has real modules to check
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
