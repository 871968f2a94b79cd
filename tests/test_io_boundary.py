"""Every file the package, its tools and its converters read or writes goes through ``organseg_plugins/core/io``: no module outside it imports a
file-format library (nibabel, SimpleITK, pydicom, Pillow, imageio, tifffile) or calls OpenCV's/mmcv's file
decoders and encoders. The test parses each module (its imports and attribute calls), so it fails the day a
module opens a medical or image file on its own."""

from __future__ import annotations

import ast

import pytest

from tests.conftest import REPO

FORMAT_LIBS = {"nibabel", "SimpleITK", "pydicom", "PIL", "imageio", "tifffile"}
FILE_CALLS = {("cv2", "imread"), ("cv2", "imwrite"), ("cv2", "imdecode"), ("cv2", "imencode"),
              ("cv2", "imreadmulti"), ("mmcv", "imread"), ("mmcv", "imwrite"), ("mmcv", "imfrombytes")}
PACKAGE = REPO / "organseg_plugins"
OUTSIDE_IO = sorted(p for d in (PACKAGE, REPO / "tools", REPO / "datasets_prep") for p in d.rglob("*.py")
                    if "organseg_plugins/core/io/" not in p.relative_to(REPO).as_posix())


def file_access(path) -> list[str]:
    """``line: what`` for each format-library import and each file decode/encode call in one module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [f"{node.lineno}: import {a.name}" for a in node.names if a.name.split(".")[0] in FORMAT_LIBS]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and node.module.split(".")[0] in FORMAT_LIBS:
            found.append(f"{node.lineno}: from {node.module} import ...")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and (node.value.id, node.attr) in FILE_CALLS:
            found.append(f"{node.lineno}: {node.value.id}.{node.attr}")
    return found


def test_the_check_sees_file_access(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import cv2\nfrom pydicom import dcmread\nimport nibabel as nib\nx = cv2.imread('a.png')\n")
    assert file_access(bad) == ["2: from pydicom import ...", "3: import nibabel", "4: cv2.imread"]


@pytest.mark.parametrize("path", OUTSIDE_IO, ids=lambda p: p.relative_to(REPO).as_posix())
def test_no_module_outside_core_io_opens_files(path):
    assert file_access(path) == []
