"""The README's "Layout" drawing matches the package tree: every folder and file of ``organseg_plugins/`` is
drawn, one line each, and nothing drawn is missing (the drawing is what a newcomer reads to find a concept)."""

from __future__ import annotations

import re

from tests.conftest import REPO


def drawn_paths() -> list[str]:
    """Paths of the README's layout block under ``organseg_plugins/``: depth = leading spaces / 2."""
    text = (REPO / "README.md").read_text()
    block = re.search(r"^## Layout\n.*?^```\n(.*?)^```", text, re.S | re.M).group(1)
    paths, stack = [], []
    for line in block.splitlines():
        if not line.strip():
            continue
        depth = (len(line) - len(line.lstrip(" "))) // 2
        name = line.split()[0]
        stack[depth:] = [name.rstrip("/")]
        if stack[0] == "organseg_plugins":
            paths.append("/".join(stack) + ("/" if name.endswith("/") else ""))
    return paths


def tree_paths() -> set[str]:
    root = REPO / "organseg_plugins"
    out = {"organseg_plugins/"}
    for p in root.rglob("*"):
        if "__pycache__" in p.parts:
            continue
        rel = p.relative_to(REPO).as_posix()
        if p.is_dir():
            out.add(rel + "/")
        elif p.suffix == ".py":
            out.add(rel)
    return out


def test_readme_layout_draws_every_package_file_once():
    drawn = drawn_paths()
    assert len(drawn) == len(set(drawn)), sorted(p for p in drawn if drawn.count(p) > 1)
    tree = tree_paths()
    assert set(drawn) - tree == set(), "drawn in README but not in the package"
    assert tree - set(drawn) == set(), "in the package but not drawn in README's Layout"
    assert len(tree) > 150  # the drawing is of the whole package, not of a few top folders
