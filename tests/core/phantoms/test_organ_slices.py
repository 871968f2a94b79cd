"""Tests for the phantom generators, the dataset writer, its CLI and the file helpers."""

import csv
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import cv2
import numpy as np
import pytest
from scipy import ndimage

from organseg_plugins.core.converters.cases import SPLITS
from organseg_plugins.core.io.atomic import atomic_imwrite_png, atomic_write_text
from organseg_plugins.core.io.images import read_binary_mask
from organseg_plugins.core.metrics.length import max_feret_diameter
from organseg_plugins.core.phantoms.organ_slices import (
    LIVER_META_COLUMNS,
    SPLEEN_META_COLUMNS,
    ct_liver,
    ultrasound_spleen,
    write_phantom_dataset,
)

REPO = Path(__file__).resolve().parents[3]
DEFAULT = {"num_spleen": 24, "num_liver": 24, "size": 256, "seed": 0}


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _meta(root: Path) -> list[dict]:
    with open(root / "meta.csv", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def default_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("phantom_a")
    summary = write_phantom_dataset(out, progress=False, **DEFAULT)
    return out, summary


# ------------------------------------------------------------------ determinism


def test_same_seed_gives_byte_identical_files(default_dir, tmp_path):
    a, _ = default_dir
    write_phantom_dataset(tmp_path, progress=False, **DEFAULT)
    ta, tb = _tree(a), _tree(tmp_path)
    assert len(ta) == 2 * 48 + 2 * 4 + 1  # images + masks, meta.csv + 3 COCO files per dataset, marker
    assert ta.keys() == tb.keys()
    for k in ta:
        assert ta[k] == tb[k], k


def test_different_seed_gives_different_images(default_dir, tmp_path):
    a, _ = default_dir
    write_phantom_dataset(tmp_path, num_spleen=6, num_liver=6, size=256, seed=1, progress=False)
    imgs_a = {v for k, v in _tree(a).items() if "/img_dir/" in k}
    imgs_b = {v for k, v in _tree(tmp_path).items() if "/img_dir/" in k}
    assert len(imgs_b) == 12
    assert not imgs_a & imgs_b


def test_generators_are_pure_functions_of_the_rng():
    for gen in (ultrasound_spleen, ct_liver):
        i1, m1, info1 = gen(np.random.default_rng(5), 128)
        i2, m2, info2 = gen(np.random.default_rng(5), 128)
        i3, _, _ = gen(np.random.default_rng(6), 128)
        assert np.array_equal(i1, i2) and np.array_equal(m1, m2) and info1 == info2
        assert not np.array_equal(i1, i3)


# ------------------------------------------------------------------ layout / consistency


@pytest.mark.parametrize("ds,group_col,cols", [("spleen_us", "patient_id", SPLEEN_META_COLUMNS), ("liver_ct", "case_id", LIVER_META_COLUMNS)])
def test_layout_masks_and_meta(default_dir, ds, group_col, cols):
    out, summary = default_dir
    root = out / ds
    with open(root / "meta.csv", newline="") as fh:
        assert fh.readline().strip() == ",".join(cols)
    rows = _meta(root)
    assert len(rows) == 24
    assert [r["filename"] for r in rows] == sorted(r["filename"] for r in rows)
    for sp in SPLITS:
        listed = {r["filename"] for r in rows if r["split"] == sp}
        assert listed, f"empty split {sp}"
        assert {p.name for p in (root / "img_dir" / sp).iterdir()} == listed
        assert {p.name for p in (root / "ann_dir" / sp).iterdir()} == listed
        assert summary["datasets"][ds]["split_images"][sp] == len(listed)
    # no patient/case in two splits
    splits_of = {}
    for r in rows:
        splits_of.setdefault(r[group_col], set()).add(r["split"])
    assert all(len(s) == 1 for s in splits_of.values())
    assert len(splits_of) >= 3
    sizes = Counter(r[group_col] for r in rows).values()
    if ds == "spleen_us":
        assert set(sizes) <= {1, 2} and 2 in sizes
    else:
        assert max(sizes) >= 3
        for cid in splits_of:  # consecutive slice indices within a case
            idx = sorted(int(r["slice_index"]) for r in rows if r["case_id"] == cid)
            assert idx == list(range(idx[0], idx[0] + len(idx)))
    for r in rows:
        img = cv2.imread(str(root / "img_dir" / r["split"] / r["filename"]), cv2.IMREAD_UNCHANGED)
        mask = read_binary_mask(root / "ann_dir" / r["split"] / r["filename"])
        assert img.dtype == np.uint8 and img.ndim == 2
        assert mask.dtype == np.uint8 and set(np.unique(mask)) == {0, 1}
        assert img.shape == mask.shape == (int(r["height"]), int(r["width"])) == (256, 256)
        assert float(r["spacing_mm"]) > 0


def test_small_counts_every_split_non_empty(tmp_path):
    for n in (3, 4, 6, 7):
        out = tmp_path / f"n{n}"
        s = write_phantom_dataset(out, num_spleen=n, num_liver=n, size=64, seed=n, progress=False)
        for ds in ("spleen_us", "liver_ct"):
            assert all(v > 0 for v in s["datasets"][ds]["split_images"].values()), (n, ds)
            assert sum(s["datasets"][ds]["split_images"].values()) == n
            rows = _meta(out / ds)
            key = "patient_id" if ds == "spleen_us" else "case_id"
            assert all(len({r["split"] for r in rows if r[key] == g}) == 1 for g in {r[key] for r in rows})
    with pytest.raises(ValueError, match=r"num_spleen must be 0 or >= 3 .*got 2"):
        write_phantom_dataset(tmp_path / "bad", num_spleen=2, num_liver=6, size=64, progress=False)


def test_default_split_is_roughly_60_20_20(default_dir):
    _, summary = default_dir
    for ds in ("spleen_us", "liver_ct"):
        g = summary["datasets"][ds]["split_groups"]
        assert g["train"] >= g["val"] and g["train"] >= g["test"] and g["train"] / sum(g.values()) >= 0.5


# ------------------------------------------------------------------ ground truth


def test_spleen_length_is_the_masks_feret_diameter(default_dir):
    out, _ = default_dir
    rows = _meta(out / "spleen_us")
    shapes = Counter(r["shape"] for r in rows)
    assert shapes["ellipse"] > 0 and shapes["crescent"] > 0
    for r in rows:
        mask = read_binary_mask(out / "spleen_us" / "ann_dir" / r["split"] / r["filename"])
        spacing, length = float(r["spacing_mm"]), float(r["length_mm"])
        assert 40 < length < 160
        assert max_feret_diameter(mask, spacing) == pytest.approx(length, rel=0.02), r["filename"]
        _, n = ndimage.label(mask, structure=np.ones((3, 3)))
        assert n == 1


@pytest.mark.parametrize("seed", range(12))
def test_spleen_generator_ground_truth_and_contrast(seed):
    img, mask, info = ultrasound_spleen(np.random.default_rng([99, seed]), 256)
    a, b = info["semi_axes_px"]
    assert a > b and a >= 0.25 * 256
    assert info["length_mm"] == pytest.approx(2 * a * info["spacing_mm"])
    assert max_feret_diameter(mask, info["spacing_mm"]) == pytest.approx(info["length_mm"], rel=0.02)
    assert info["shape"] in ("ellipse", "crescent")
    # learnable: organ brighter than a ring of tissue around it; dark outside the fan (corners)
    ring = ndimage.binary_dilation(mask, iterations=12) & ~ndimage.binary_dilation(mask, iterations=3)
    assert img[mask > 0].mean() > img[ring & (img > 0)].mean()
    assert img[:8, :8].max() < 10 and img[:8, -8:].max() < 10


@pytest.mark.parametrize("seed", range(8))
def test_liver_generator_parts_and_contrast(seed):
    for split in (False, True):
        img, mask, info = ct_liver(np.random.default_rng([7, seed]), 256, split=split)
        _, n = ndimage.label(mask, structure=np.ones((3, 3)))
        assert n == info["n_parts"] == (2 if split else 1)
        assert mask[:, :100].sum() > mask[:, 156:].sum()  # on the image left
        if split:
            # gap of several pixels between the parts
            lab, _ = ndimage.label(mask, structure=np.ones((3, 3)))
            d = ndimage.distance_transform_edt(lab != 1)
            assert d[lab == 2].min() >= 5
        # brighter than the non-liver soft tissue next to it
        ring = ndimage.binary_dilation(mask, iterations=8) & ~ndimage.binary_dilation(mask, iterations=2)
        soft = ring & (img > 80) & (img < 200)
        assert np.median(img[mask > 0]) > np.median(img[soft]) + 5
        assert img[0, 0] < 5  # air


def test_liver_split_slices(default_dir):
    out, _ = default_dir
    rows = _meta(out / "liver_ct")
    n_parts = [int(r["n_parts"]) for r in rows]
    assert set(n_parts) == {1, 2} and n_parts.count(2) == 6
    for r in rows:
        mask = read_binary_mask(out / "liver_ct" / "ann_dir" / r["split"] / r["filename"])
        _, n = ndimage.label(mask, structure=np.ones((3, 3)))
        assert n == int(r["n_parts"])


# ------------------------------------------------------------------ output-folder safety


def test_refuses_foreign_non_empty_folder(tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(ValueError, match="refusing"):
        write_phantom_dataset(tmp_path, num_spleen=3, num_liver=3, size=64, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["precious.txt"]


def test_rewrite_with_other_params_touches_only_our_files(tmp_path):
    out = tmp_path / "a"
    write_phantom_dataset(out, num_spleen=8, num_liver=8, size=64, seed=0, progress=False)
    extra = out / "spleen_us" / "notes.txt"
    extra.write_text("user file")
    write_phantom_dataset(out, num_spleen=4, num_liver=3, size=64, seed=2, progress=False)
    assert extra.read_text() == "user file"
    marker = json.loads((out / "phantom.json").read_text())
    assert marker["params"] == {"num_spleen": 4, "num_liver": 3, "size": 64, "seed": 2}
    tree = _tree(out)
    files = {k for k in tree if not k.endswith("notes.txt")}
    assert files == set(marker["files"])  # stale files of the first run are gone
    fresh = tmp_path / "b"
    write_phantom_dataset(fresh, num_spleen=4, num_liver=3, size=64, seed=2, progress=False)
    tf = _tree(fresh)
    assert set(tf) == files and all(tree[k] == v for k, v in tf.items())
    # same parameters again: allowed, identical result
    write_phantom_dataset(fresh, num_spleen=4, num_liver=3, size=64, seed=2, progress=False)
    assert _tree(fresh) == tf


# ------------------------------------------------------------------ CLI


def test_cli_help_and_run(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    script = REPO / "datasets_prep" / "make_phantoms.py"
    r = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True, env=env)
    assert r.returncode == 0 and "--num-spleen" in r.stdout
    out = tmp_path / "cli"
    args = ["--out", str(out), "--num-spleen", "3", "--num-liver", "4", "--size", "64", "--seed", "1", "--no-progress"]
    r = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert "spleen_us: 3 images" in r.stdout and "liver_ct: 4 images" in r.stdout
    assert len(_meta(out / "spleen_us")) == 3 and len(_meta(out / "liver_ct")) == 4  # the counts it printed
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "x").write_text("x")
    r = subprocess.run([sys.executable, str(script), "--out", str(tmp_path / "foreign")], capture_output=True, text=True, env=env)
    assert r.returncode == 2 and r.stderr.startswith(f"error: refusing to write into {tmp_path / 'foreign'}")


# ------------------------------------------------------------------ fileio


def test_read_binary_mask_errors_name_the_file(tmp_path):
    m = np.zeros((8, 8), np.uint8)
    m[2:5, 2:5] = 1
    good = tmp_path / "good_mask.png"
    atomic_imwrite_png(good, m)
    np.testing.assert_array_equal(read_binary_mask(good), m)

    p255 = tmp_path / "mask_0_255.png"
    atomic_imwrite_png(p255, m * 255)
    with pytest.raises(ValueError, match="a 0/255 mask: divide it by 255") as e:
        read_binary_mask(p255)
    assert "mask_0_255.png" in str(e.value) and "255" in str(e.value)

    p3 = tmp_path / "mask_0_3.png"
    atomic_imwrite_png(p3, m * 3)
    with pytest.raises(ValueError, match=r"\{0, 3\}") as e:
        read_binary_mask(p3)
    assert "mask_0_3.png" in str(e.value) and "0/255" not in str(e.value)

    with pytest.raises(ValueError, match="missing_mask.png"):
        read_binary_mask(tmp_path / "missing_mask.png")

    corrupt = tmp_path / "corrupt_mask.png"
    corrupt.write_bytes(np.random.default_rng(0).integers(0, 256, 500, dtype=np.uint8).tobytes())
    with pytest.raises(ValueError, match="corrupt_mask.png"):
        read_binary_mask(corrupt)

    empty = tmp_path / "empty_mask.png"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="empty_mask.png"):
        read_binary_mask(empty)

    rgb = tmp_path / "rgb_mask.png"
    atomic_imwrite_png(rgb, np.dstack([m, m, m]))
    with pytest.raises(ValueError, match="rgb_mask.png.*2-D"):
        read_binary_mask(rgb)


def test_atomic_writes_leave_no_temp_files(tmp_path):
    atomic_write_text(tmp_path / "sub" / "a.txt", "hello\n")
    atomic_write_text(tmp_path / "sub" / "a.txt", "world\n")
    assert (tmp_path / "sub" / "a.txt").read_text() == "world\n"
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["a.txt"]
    with pytest.raises(ValueError, match="PNG needs a uint8 or uint16 array, got float32"):
        atomic_imwrite_png(tmp_path / "bad.png", np.zeros((4, 4), np.float32))
    assert not (tmp_path / "bad.png").exists()


def test_ultrasound_image_of_a_given_mask():
    """The B-mode renderer of ultrasound_spleen applied to any square mask (used for the DeepSPV views);
    refactoring it out left ultrasound_spleen's output unchanged (same rng draws in the same order)."""
    from organseg_plugins.core.errors import OrgansegInputError
    from organseg_plugins.core.phantoms.organ_slices import ultrasound_image

    mask = np.zeros((48, 48), np.uint8)
    mask[16:32, 12:36] = 1
    img = ultrasound_image(np.random.default_rng(0), mask)
    assert img.shape == (48, 48) and img.dtype == np.uint8
    assert np.array_equal(img, ultrasound_image(np.random.default_rng(0), mask))
    assert img[mask > 0].mean() > img[:, :8].mean()
    with pytest.raises(OrgansegInputError, match=r"expected a square mask of >= 32 px, got shape \(16, 16\)"):
        ultrasound_image(np.random.default_rng(0), np.zeros((16, 16), np.uint8))
