"""organseg_plugins.core.inference.contract: the model's input contract from a config (plain dicts here),
slices put in the model's channels, the training data's window; and the background OutputWriter."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.inference import (
    DEFAULT_WINDOW,
    InferenceInput,
    OutputWriter,
    conform_image,
    conform_slices,
    contract_from_config,
    data_windows,
    load_input,
    measure_rows,
    window_mismatch,
    write_masks,
)
from organseg_plugins.core.io.atomic import atomic_imwrite_png


def _cfg(color_type=None, mean=(0.0,), std=(255.0,), bgr_to_rgb=False, resize=(128, 128), keep_ratio=True, **top):
    load = {"type": "LoadImageFromFile"} | ({} if color_type is None else {"color_type": color_type})
    pipeline = [load, {"type": "Resize", "scale": resize, "keep_ratio": keep_ratio},
                {"type": "LoadBinaryAnnotations"}, {"type": "PackSegInputs"}]
    dp = {"type": "SegDataPreProcessor", "mean": list(mean), "std": list(std), "bgr_to_rgb": bgr_to_rgb,
          "size": (128, 96), "test_cfg": {"size_divisor": 16}}
    return {"model": {"data_preprocessor": dp},
            "test_dataloader": {"dataset": {"data_root": "data/x", "meta_file": "meta.csv", "pipeline": pipeline}},
            **top}


def test_grey_ct_contract():
    c = contract_from_config(_cfg("grayscale", ct_window=(-100, 240)), "ct.py")
    assert (c.channels, c.model_order, c.mean, c.std) == (1, "", (0.0,), (255.0,))
    assert (c.resize, c.keep_ratio, c.size_divisor, c.train_size) == ((128, 128), True, 16, (128, 96))
    assert c.ct_window == (-100.0, 240.0) and c.data_meta.replace("\\", "/") == "data/x/meta.csv"
    assert [s["type"] for s in c.pipeline] == ["Resize"]  # loader, annotations and packing are the reader's
    assert "1-channel grey" in c.describe() and "[-100, 240] HU" in c.describe()


def test_colour_contract_and_order():
    c = contract_from_config(_cfg(None, mean=(1, 2, 3), std=(4, 5, 6), bgr_to_rgb=True), "rgb.py")
    assert (c.channels, c.model_order, c.ct_window) == (3, "RGB", None)
    assert contract_from_config(_cfg("color", mean=(1, 2, 3), std=(4, 5, 6)), "x").model_order == "BGR"
    unchanged = contract_from_config(_cfg("unchanged", mean=(0.0,), std=(1.0,)), "x")
    assert unchanged.channels == 1


def test_bad_configs():
    with pytest.raises(OrgansegInputError, match=r"^reg.py: no LoadImageFromFile in the test pipeline"):
        contract_from_config({"test_dataloader": {"dataset": {"pipeline": [{"type": "PackSegInputs"}]}}}, "reg.py")
    with pytest.raises(OrgansegInputError, match="mean has 3 values but the test pipeline loads 1-channel"):
        contract_from_config(_cfg("grayscale", mean=(1, 2, 3), std=(1, 1, 1)), "c.py")
    with pytest.raises(OrgansegInputError, match="ct_window must be finite with lo < hi"):
        contract_from_config(_cfg("grayscale", ct_window=(240, -100)), "c.py")
    with pytest.raises(OrgansegInputError, match="color_type 'rainbow'"):
        contract_from_config(_cfg("rainbow"), "c.py")


def test_conform_image_channels():
    grey = contract_from_config(_cfg("grayscale"), "ct.py")
    colour = contract_from_config(_cfg("color", mean=(0, 0, 0), std=(1, 1, 1)), "us.py")
    img = np.arange(12, dtype=np.uint8).reshape(3, 4)
    np.testing.assert_array_equal(conform_image(img, grey, "a.png"), img)
    rep = conform_image(img, colour, "a.png")
    assert rep.shape == (3, 4, 3) and all(np.array_equal(rep[..., c], img) for c in range(3))
    np.testing.assert_array_equal(conform_image(rep, grey, "a.png"), img)  # grey stored as RGB: exact
    rgba = np.dstack([rep, np.full((3, 4), 255, np.uint8)])
    np.testing.assert_array_equal(conform_image(rgba, colour, "a.png"), rep)  # alpha dropped, as cv2 loads it
    photo = rep.copy()
    photo[0, 0, 2] = 200
    with pytest.raises(OrgansegInputError, match=r"^a.png: colour image \(RGB channels differ\) but ct.py takes "
                                                 r"1-channel grey input"):
        conform_image(photo, grey, "a.png")
    np.testing.assert_array_equal(conform_image(photo, colour, "a.png"), photo)


def test_conform_slices_16bit_png_as_the_training_loader(tmp_path):
    import cv2

    img16 = (np.arange(20, dtype=np.uint16).reshape(4, 5) * 3000)
    cv2.imwrite(str(tmp_path / "a.png"), img16)
    item = load_input(tmp_path / "a.png")
    assert item.slices[0].dtype == np.uint16
    conform_slices(item, contract_from_config(_cfg("grayscale"), "ct.py"))
    np.testing.assert_array_equal(item.slices[0], cv2.imread(str(tmp_path / "a.png"), cv2.IMREAD_GRAYSCALE))


def _meta(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_data_windows_and_mismatch(tmp_path):
    vols = _meta(tmp_path / "v.csv", ["filename", "window_lo_hu", "window_hi_hu"], [["a", "-100", "240"]] * 2)
    dcm = _meta(tmp_path / "d.csv", ["filename", "window_level", "window_width"], [["a", "50", "400"], ["b", "60", "160"]])
    none = _meta(tmp_path / "n.csv", ["filename", "spacing_mm"], [["a", "0.7"]])
    assert data_windows(vols) == [(-100.0, 240.0)]
    assert data_windows(dcm) == [(-150.0, 250.0), (-20.0, 140.0)]
    assert data_windows(none) == [] and data_windows(tmp_path / "missing.csv") == []
    assert window_mismatch((-100, 240), "ct_window of c.py", vols) is None
    assert window_mismatch((-100, 240), "x", None) is None and window_mismatch((-100, 240), "x", none) is None
    note = window_mismatch((-100, 200), "ct_window of c.py", vols)
    assert note == (f"{vols}: the training data was windowed with [-100, 240] HU but ct_window of c.py is "
                    "[-100, 200] HU; inference uses [-100, 200] (give --window to choose)")
    assert "[-150, 250], [-20, 140]" in window_mismatch(DEFAULT_WINDOW, "--window", dcm)


def test_output_writer_writes_what_write_masks_writes(tmp_path):
    import nibabel as nib

    data = np.zeros((6, 8, 3), np.int16)
    nib.save(nib.Nifti1Image(data, np.diag([0.8, 0.7, 2.5, 1.0])), str(tmp_path / "v.nii.gz"))
    vol = load_input(tmp_path / "v.nii.gz")
    atomic_imwrite_png(tmp_path / "a.png", np.full((5, 6), 90, np.uint8))
    img = load_input(tmp_path / "a.png")
    img.spacing = (0.5, 0.5)
    rng = np.random.default_rng(0)
    vmasks = [(rng.random(s.shape) > 0.6).astype(np.uint8) for s in vol.slices]
    imask = [np.eye(5, 6, dtype=np.uint8)]
    write_masks(img, imask, tmp_path / "ref")
    write_masks(vol, vmasks, tmp_path / "ref")
    writer = OutputWriter(tmp_path / "bg")
    for k in (2, 0, 1):  # any order within an input
        writer.add(1, vol, k, vmasks[k])
    writer.add(0, img, 0, imask[0])
    rows = writer.close()
    assert rows == measure_rows(img, imask) + measure_rows(vol, vmasks)
    ref = sorted(p.relative_to(tmp_path / "ref") for p in (tmp_path / "ref").rglob("*.*"))
    assert sorted(p.relative_to(tmp_path / "bg") for p in (tmp_path / "bg").rglob("*.*")) == ref
    for rel in ref:
        assert (tmp_path / "ref" / rel).read_bytes() == (tmp_path / "bg" / rel).read_bytes(), rel


def test_output_writer_reports_its_error(tmp_path):
    item = InferenceInput("a", "a.png", "image", [np.zeros((4, 4), np.uint8)])
    (tmp_path / "masks").write_text("not a folder")
    writer = OutputWriter(tmp_path)
    writer.add(0, item, 0, np.zeros((4, 4), np.uint8))
    with pytest.raises(Exception):  # noqa: B017 - whatever the file system raises, in the caller's thread
        writer.close()


def test_load_input_refuses_volumes_it_cannot_slice_naming_the_file(tmp_path):
    """A volume is cut into slices when it comes with its geometry (NIfTI, NRRD, MetaImage, a DICOM series); as a
    multi-page TIFF, a 4-D NIfTI or a multi-frame DICOM it is refused in one message naming the file."""
    import cv2
    import nibabel as nib
    import pydicom
    from pydicom.data import get_testdata_file

    stack = tmp_path / "stack.tiff"
    assert cv2.imwritemulti(str(stack), [np.full((6, 7), 50 * i, np.uint8) for i in range(4)])
    with pytest.raises(OrgansegInputError, match=rf"^{stack}: multi-page TIFF \(4 pages\): a volume stored as an "
                                                 "image stack has no voxel geometry"):
        load_input(stack)
    one = tmp_path / "one.tif"
    cv2.imwrite(str(one), np.full((6, 7), 9, np.uint8))
    assert load_input(one).slices[0].shape == (6, 7)  # a one-page TIFF is an image
    nib.save(nib.Nifti1Image(np.zeros((5, 6, 3, 2), np.int16), np.eye(4)), str(tmp_path / "t.nii.gz"))
    with pytest.raises(OrgansegInputError, match=rf"^{tmp_path / 't.nii.gz'}: expected a 3-D volume, got an array"):
        load_input(tmp_path / "t.nii.gz")
    nib.save(nib.Nifti1Image(np.arange(60, dtype=np.int16).reshape(5, 4, 3), np.diag([0.7, 0.7, 2.0, 1.0])),
             str(tmp_path / "v.nii.gz"))
    vol = load_input(tmp_path / "v.nii.gz")
    assert vol.is_volume and len(vol.slices) == 3 and vol.slices[0].shape == (4, 5)  # axial (y, x) slices
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    ds.NumberOfFrames = 2
    ds.PixelData = ds.PixelData * 2
    ds.save_as(tmp_path / "multiframe")  # no .dcm: recognised by content
    with pytest.raises(OrgansegInputError, match=rf"^{tmp_path / 'multiframe'}: multi-frame DICOM is not supported"):
        load_input(tmp_path / "multiframe")


def test_a_slice_without_organ_is_measured_not_refused():
    """A trained model predicts no organ on most slices of a CT volume: area 0, no length, and the volume row."""
    item = InferenceInput("v", "v.nii.gz", "nifti", [np.zeros((6, 6), np.uint8)] * 2, (0.8, 0.8), 2.5)
    organ = np.zeros((6, 6), np.uint8)
    organ[1:3, 1:5] = 1
    rows = measure_rows(item, [np.zeros((6, 6), np.uint8), organ])
    assert [(r["slice"], r["area_px"], r["length_mm"]) for r in rows[:2]] == [(0, 0, ""), (1, 8, f"{0.8 * 10 ** 0.5:.4f}")]
    assert rows[0]["area_mm2"] == "0.0000" and rows[-1]["volume_ml"] == f"{8 * 0.64 * 2.5 / 1000:.4f}"
