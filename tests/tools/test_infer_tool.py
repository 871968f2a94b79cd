"""tools/infer.py with a 3-channel model (SegFormer) and the 1-channel liver U-Net (Table 4) on PNG, a colour
photo, one DICOM file (pydicom's CT_small.dcm), a DICOM series folder (UID-named files), NIfTI and MetaImage
volumes (cut into slices by the tool); the inputs a model cannot take (a colour photo for the grey CT model, a
volume as a multi-page TIFF, a 4-D NIfTI, a multi-frame DICOM) as one ``error:`` line naming the file, exit 2;
and tools/analysis/speed_infer.py (the project's path against mmseg's MMSegInferencer, in one run)."""

from __future__ import annotations

import csv
import math
import re

import cv2
import nibabel as nib
import numpy as np
import pytest
from pydicom.data import get_testdata_file

from organseg_plugins.core.cli import EXIT_USER_ERROR
from organseg_plugins.core.io.atomic import atomic_imwrite_png
from organseg_plugins.core.io.images import read_image_file
from organseg_plugins.core.io.volume_write import volume_affine_ras, write_metaimage
from organseg_plugins.core.io.volumes import read_label_volume, read_volume
from organseg_plugins.core.metrics.length import max_feret_diameter
from tests.conftest import REPO, run_tool

CONFIG = "configs/spleen/segformer_b0_bcedice_phantom-spleen-128x128.py"  # 3 channels (colour)
LIVER = "configs/liver/unet_table4_1xb4-600it_phantom-liver-128x128.py"  # 1 channel (grey CT), ct_window


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """An untrained SegFormer-B0 checkpoint (seeded weights) of the phantom config: what training saves."""
    import torch
    from mmseg.apis import init_model

    torch.manual_seed(0)
    model = init_model(str(REPO / CONFIG), None, device="cpu")
    path = tmp_path_factory.mktemp("ckpt") / "b0.pth"
    torch.save({"state_dict": model.state_dict(),
                "meta": {"dataset_meta": {"classes": ("background", "spleen"),
                                          "palette": [[0, 0, 0], [255, 0, 0]]}}}, path)
    return path


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, phantom_root):
    import pydicom

    root = tmp_path_factory.mktemp("inputs")
    series = root / "series"
    series.mkdir()
    for i, z in enumerate((5.0, 0.0, 2.5)):  # files named by UID (no .dcm), not in slice order
        ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
        ds.ImagePositionPatient = [0.0, 0.0, z]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.SOPInstanceUID = f"1.2.826.0.1.3680043.2.1125.{i + 1}"
        ds.save_as(series / f"CT.{ds.SOPInstanceUID}")
    vol = np.full((64, 64, 2), -100, np.int16)
    vol[20:40, 16:48, :] = 60
    nib.save(nib.Nifti1Image(vol, np.diag([0.9, 0.8, 3.0, 1.0])), str(root / "ct.nii.gz"))
    png = next((phantom_root / "spleen_us" / "img_dir" / "test").glob("*.png"))
    grey_png = sorted((phantom_root / "liver_ct" / "img_dir" / "test").glob("*.png"))[0]
    rng = np.random.default_rng(0)  # a colour photo: smooth colour blobs, channels that differ
    photo = cv2.GaussianBlur(rng.integers(0, 256, (48, 64, 3), dtype=np.uint8), (0, 0), 4)
    atomic_imwrite_png(root / "photo.png", photo)
    write_metaimage(read_volume(root / "ct.nii.gz"), root / "ct_mha.mha")
    return {"png": png, "dcm": get_testdata_file("CT_small.dcm"), "series": series, "nii": root / "ct.nii.gz",
            "photo": root / "photo.png", "grey_png": grey_png, "mha": root / "ct_mha.mha"}


def _rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_infer_png_dicom_series_nifti(checkpoint, inputs, tmp_path):
    """The 3-channel model: a grey PNG, a colour photo (taken as it is), a DICOM file, a series, a NIfTI volume."""
    out = tmp_path / "out"
    proc = run_tool("tools/infer.py", CONFIG, str(checkpoint), str(inputs["png"]), str(inputs["dcm"]),
                    str(inputs["series"]), str(inputs["nii"]), str(inputs["photo"]), "--out", str(out),
                    "--batch-size", "3", "--spacing", "0.5", "--device", "cpu")
    assert "8 image(s)/slice(s) of 5 input(s)" in proc.stdout  # 1 + 1 + 3 + 2 + 1
    assert "infer: 100%" in proc.stderr  # the progress bar
    rows = _rows(out / "measurements.csv")
    by_input = {}
    for r in rows:
        by_input.setdefault(r["input"], []).append(r)
    stem = inputs["png"].stem
    png_mask = read_image_file(out / "masks" / f"{stem}.png")
    assert set(np.unique(png_mask)) <= {0, 1}
    (png_row,) = by_input[stem]
    assert int(png_row["area_px"]) == int(png_mask.sum())
    assert float(png_row["area_mm2"]) == pytest.approx(png_mask.sum() * 0.25, abs=1e-3)  # --spacing 0.5
    assert read_image_file(out / "masks" / "photo.png").shape == (48, 64)  # colour is what this model takes
    dcm_mask = read_image_file(out / "masks" / "CT_small.png")
    (dcm_row,) = by_input["CT_small"]
    sp = 0.661468  # CT_small.dcm's PixelSpacing
    assert float(dcm_row["area_mm2"]) == pytest.approx(dcm_mask.sum() * sp * sp, rel=1e-4)
    assert float(dcm_row["length_mm"]) == pytest.approx(max_feret_diameter(dcm_mask, sp), abs=1e-3)
    series = by_input["series"]
    assert [r["slice"] for r in series] == ["0", "1", "2", "all"]
    # a series' mask is a NIfTI volume with the series' geometry (slices in z order whatever the file names)
    image = read_volume(inputs["series"])
    mask = read_label_volume(out / "masks" / "series.nii.gz", like=image)
    np.testing.assert_allclose(nib.load(str(out / "masks" / "series.nii.gz")).affine,
                               volume_affine_ras(image.to_storage()), atol=1e-4)
    assert mask.shape == (3, 128, 128) and [int(m.sum()) for m in mask.array] == [int(r["area_px"]) for r in series[:3]]
    assert float(series[-1]["volume_ml"]) == pytest.approx(mask.array.sum() * sp * sp * 2.5 / 1000, rel=1e-4)
    assert not list((out / "masks").glob("series_*.png"))
    nii = nib.load(str(out / "masks" / "ct.nii.gz"))
    np.testing.assert_allclose(nii.affine, np.diag([0.9, 0.8, 3.0, 1.0]), rtol=1e-6)  # the source geometry
    assert nii.shape == (64, 64, 2) and set(np.unique(np.asarray(nii.dataobj))) <= {0, 1}
    voxels = int(np.asarray(nii.dataobj).sum())
    assert float(by_input["ct"][-1]["volume_ml"]) == pytest.approx(voxels * 0.9 * 0.8 * 3.0 / 1000, rel=1e-4)
    assert len(list((out / "overlays").glob("*.png"))) == 8
    assert not math.isnan(float(dcm_row["length_mm"]))


@pytest.fixture(scope="module")
def liver_checkpoint(tmp_path_factory, inputs):
    """Untrained liver U-Net weights whose threshold sits at the median logit on the inputs below (so the masks
    hold both classes and a wrong window, channel or orientation changes them)."""
    from mmengine.config import Config

    from organseg_plugins.core.inference import conform_slices, contract_from_config, load_input
    from tests.mm.test_inference import balanced_checkpoint

    contract = contract_from_config(Config.fromfile(str(REPO / LIVER)), LIVER)
    slices = []
    for key in ("grey_png", "dcm", "series", "nii"):
        item = load_input(inputs[key], contract.ct_window)
        conform_slices(item, contract)
        slices += item.slices
    return balanced_checkpoint(LIVER, tmp_path_factory.mktemp("liver") / "unet.pth", slices)


def test_liver_unet_on_png_dicom_series_and_volumes(liver_checkpoint, inputs, tmp_path):
    """The 1-channel CT model through tools/infer.py: a grey PNG, a DICOM file, a series folder (UID names), NIfTI
    and MetaImage volumes given whole (cut into their axial slices by the tool). Every mask is the model's
    prediction on the slices load_input makes with the config's ct_window, in the model's one channel."""
    from mmengine.config import Config

    from organseg_plugins.core.inference import conform_slices, contract_from_config, load_input
    from organseg_plugins.mm.inference import Segmenter

    out = tmp_path / "out"
    keys = ("grey_png", "dcm", "series", "nii", "mha")
    proc = run_tool("tools/infer.py", LIVER, liver_checkpoint, *(str(inputs[k]) for k in keys), "--out", str(out),
                    "--batch-size", "1", "--device", "cpu", "--no-progress")
    assert "9 image(s)/slice(s) of 5 input(s)" in proc.stdout  # 1 + 1 + 3 + 2 + 2
    assert "warning:" not in proc.stderr  # the config's ct_window: no default-window note
    contract = contract_from_config(Config.fromfile(str(REPO / LIVER)), LIVER)
    assert contract.channels == 1 and contract.ct_window == (-160.0, 240.0)
    seg = Segmenter.from_files(str(REPO / LIVER), liver_checkpoint, "cpu")
    expected = {}
    for k in keys:
        item = load_input(inputs[k], contract.ct_window)
        conform_slices(item, contract)
        assert all(s.ndim == 2 and s.dtype == np.uint8 for s in item.slices)  # one grey channel
        expected[k] = [seg.predict([s])[0] for s in item.slices]
    written = {"grey_png": [read_image_file(out / "masks" / f"{inputs['grey_png'].stem}.png")],
               "dcm": [read_image_file(out / "masks" / "CT_small.png")]}
    for k, name in (("series", "series"), ("nii", "ct"), ("mha", "ct_mha")):
        image = read_volume(inputs[k])  # the mask overlays its volume: same grid, canonical slices
        mask = read_label_volume(out / "masks" / f"{name}.nii.gz", like=image)
        assert mask.shape == image.shape
        written[k] = list(mask.array)
    total = 0
    for k in keys:
        assert len(written[k]) == len(expected[k]), k
        for a, b in zip(written[k], expected[k], strict=True):
            np.testing.assert_array_equal(a, b, err_msg=k)
            total += int(b.sum())
    assert 0 < total < sum(m.size for k in keys for m in expected[k])  # both classes: the comparison can fail
    rows = _rows(out / "measurements.csv")
    assert [r["slice"] for r in rows if r["input"] == "ct_mha"] == ["0", "1", "all"]


BAD_FOR_CT = {
    "photo": "colour image \\(RGB channels differ\\) but .* takes 1-channel grey input",
    "stack": "multi-page TIFF \\(3 pages\\): a volume stored as an image stack",
    "nii4d": "expected a 3-D volume, got an array of shape",
}


@pytest.fixture(scope="module")
def bad_inputs(tmp_path_factory, inputs):
    root = tmp_path_factory.mktemp("bad")
    stack = root / "stack.tif"
    assert cv2.imwritemulti(str(stack), [np.full((16, 20), 40 * i, np.uint8) for i in range(3)])
    nib.save(nib.Nifti1Image(np.zeros((8, 8, 3, 2), np.int16), np.eye(4)), str(root / "nii4d.nii.gz"))
    return {"photo": inputs["photo"], "stack": stack, "nii4d": root / "nii4d.nii.gz"}


@pytest.mark.parametrize("kind", sorted(BAD_FOR_CT))
def test_liver_unet_refuses_what_it_cannot_take_in_one_line(liver_checkpoint, bad_inputs, kind, tmp_path):
    """A colour photo given to the grey CT model, a volume as a multi-page TIFF, a 4-D NIfTI: one error line naming
    the file, exit 2, no traceback."""
    bad = bad_inputs[kind]
    proc = run_tool("tools/infer.py", LIVER, liver_checkpoint, str(bad), "--out", str(tmp_path / "o"),
                    "--device", "cpu", "--no-progress", check=False)
    assert proc.returncode == EXIT_USER_ERROR, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and proc.stderr.strip().splitlines()[-1] == errors[0], proc.stderr[-3000:]
    assert re.match(rf"^error: {re.escape(str(bad))}: {BAD_FOR_CT[kind]}", errors[0]), errors[0]
    # anything else on stderr is a library's deprecation warning (mmseg's build_loss), not a second problem
    assert all("Warning" in line or line.startswith("  warnings.warn") for line in proc.stderr.strip().splitlines()
               if line not in errors), proc.stderr[-3000:]


def test_infer_missing_input(checkpoint, tmp_path):
    proc = run_tool("tools/infer.py", CONFIG, str(checkpoint), str(tmp_path / "none.png"), "--out",
                    str(tmp_path / "o"), check=False)
    assert proc.returncode == EXIT_USER_ERROR
    assert proc.stderr.strip() == f"error: {tmp_path / 'none.png'}: input not found"


@pytest.mark.slow
def test_speed_against_mmseg_inferencer(checkpoint, phantom_root):
    images = sorted((phantom_root / "spleen_us" / "img_dir" / "test").glob("*.png"))[:4]
    proc = run_tool("tools/analysis/speed_infer.py", CONFIG, str(checkpoint), *map(str, images), "--repeat", "2",
                    "--batch-size", "2", "--tolerance", "1.0", check=False)
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    assert "ratio (project / mmseg): " in proc.stdout
    ratio = float(proc.stdout.rsplit("ratio (project / mmseg): ", 1)[1].split()[0])
    assert 0 < ratio < 2.0  # a shared CPU is noisy; the README reports the measured ratio
    ours, theirs = (float(t) for t in re.search(r"tools/infer.py ([0-9.]+)s, MMSegInferencer ([0-9.]+)s",
                                                proc.stdout).groups())
    assert f"{len(images)} image(s), batch 2, best of 2" in proc.stdout
    assert ratio == pytest.approx(ours / theirs, abs=0.01)
    assert proc.returncode == (1 if ratio > 2.0 else 0)  # --tolerance 1.0
