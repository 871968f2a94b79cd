"""The real reference files (organseg_plugins.core.io.reference_data): the cache's contract, then what the files are.

The first tests use a small fake sdist (no network); the rest read the real files of the session fixture
``reference_data`` (fetched by tools/run_tests.sh, or by the fixture on a cold cache) once each with nibabel,
SimpleITK and pydicom and check facts measured on them.
"""

from __future__ import annotations

import io
import re
import subprocess
import tarfile
import urllib.request
from pathlib import Path

import nibabel as nib
import numpy as np
import pydicom
import pytest
import SimpleITK as sitk

from organseg_plugins.core.cli import EXIT_USER_ERROR
from organseg_plugins.core.io import reference_data as rd
from organseg_plugins.core.io.reference_data import (
    ARCHIVES,
    ReferenceArchive,
    ReferenceDataError,
    fetch,
    sha256_of,
)
from tests.conftest import run_tool


# ------------------------------------------------------------------------------------------- the cache
def _no_network(monkeypatch) -> None:
    def refuse(*_a, **_k):
        raise AssertionError("fetch went to the network on a warm cache")

    monkeypatch.setattr(rd, "download_sdist", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)


def _fake_sdist(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _fake_archive(sdist: Path, files: dict[str, str]) -> ReferenceArchive:
    return ReferenceArchive(name="fake", version="1.0", sha256=sha256_of(sdist), size=sdist.stat().st_size,
                            license="CC0-1.0", root="fake-1.0/data/", files=files)


def _serve(monkeypatch, sdist: Path, calls: list[str]) -> None:
    def download(archive, dest):
        calls.append(archive.spec)
        dest.mkdir(parents=True, exist_ok=True)
        out = dest / sdist.name
        out.write_bytes(sdist.read_bytes())
        return out

    monkeypatch.setattr(rd, "download_sdist", download)


def test_fetch_extracts_only_the_listed_members_once(tmp_path, monkeypatch):
    sdist = _fake_sdist(tmp_path / "fake-1.0.tar.gz", {
        "fake-1.0/setup.py": b"raise SystemExit('never run')",
        "fake-1.0/data/ct.nii.gz": b"ct" * 100,
        "fake-1.0/data/series/IM1": b"1", "fake-1.0/data/series/IM2": b"22",
        "fake-1.0/data/series/nested/IM3": b"not in the folder entry",
        "fake-1.0/data/unlisted.txt": b"x"})
    archive = _fake_archive(sdist, {"ct": "ct.nii.gz", "series": "series/"})
    calls: list[str] = []
    _serve(monkeypatch, sdist, calls)
    cache = tmp_path / "cache"

    paths = fetch(cache, archives=[archive])
    assert calls == ["fake==1.0"]
    assert paths == {"ct": cache / "fake-1.0" / "ct.nii.gz", "series": cache / "fake-1.0" / "series"}
    assert paths["ct"].read_bytes() == b"ct" * 100
    assert sorted(p.name for p in paths["series"].iterdir()) == ["IM1", "IM2"]
    kept = sorted(str(p.relative_to(cache)) for p in cache.rglob("*") if p.is_file())
    assert kept == ["fake-1.0/.organseg-reference-stamp", "fake-1.0/ct.nii.gz", "fake-1.0/series/IM1",
                    "fake-1.0/series/IM2"], kept  # no archive, no temporary folder left

    _no_network(monkeypatch)
    assert fetch(cache, archives=[archive]) == paths  # warm: the stamp is enough

    # a changed table (same archive, one more file) is a stale cache: fetched again and replaced
    more = _fake_archive(sdist, {"ct": "ct.nii.gz", "series": "series/", "extra": "unlisted.txt"})
    calls.clear()
    _serve(monkeypatch, sdist, calls)
    assert fetch(cache, archives=[more])["extra"].read_bytes() == b"x"
    assert calls == ["fake==1.0"]


def test_fetch_refuses_a_missing_member_and_leaves_no_cache(tmp_path, monkeypatch):
    sdist = _fake_sdist(tmp_path / "fake-1.0.tar.gz", {"fake-1.0/data/ct.nii.gz": b"ct"})
    archive = _fake_archive(sdist, {"ct": "ct.nii.gz", "seg": "seg.nii.gz", "series": "series/"})
    _serve(monkeypatch, sdist, [])
    with pytest.raises(ReferenceDataError, match=r"^fake==1\.0 sdist: members missing under fake-1\.0/data/: "
                                                 r"seg\.nii\.gz, series/$"):
        fetch(tmp_path / "cache", archives=[archive])
    assert list((tmp_path / "cache").iterdir()) == []


@pytest.mark.parametrize("archive", ARCHIVES, ids=lambda a: a.name)
def test_a_corrupted_archive_is_refused_before_extraction(archive, tmp_path, monkeypatch):
    bad = _fake_sdist(tmp_path / f"{archive.dirname}.tar.gz", {f"{archive.root}{rel.rstrip('/')}": b"tampered"
                                                                for rel in archive.files.values()})
    _serve(monkeypatch, bad, [])
    message = (rf"^{re.escape(archive.spec)} sdist: sha256 mismatch: expected {archive.sha256}, "
               rf"got {sha256_of(bad)}$")
    with pytest.raises(ReferenceDataError, match=message):
        fetch(tmp_path / "cache", archives=[archive])
    assert list((tmp_path / "cache").iterdir()) == []


def test_pip_download_hash_refusal_becomes_the_same_one_line_error(tmp_path, monkeypatch):
    archive = ARCHIVES[1]
    got = "0" * 64
    pip_output = ("ERROR: THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE. ...\n"
                  f"    pyradiomics==3.0.1 from https://example/pyradiomics-3.0.1.tar.gz:\n"
                  f"        Expected sha256 {archive.sha256}\n             Got        {got}\n")
    monkeypatch.setattr(subprocess, "run", lambda cmd, **_k: subprocess.CompletedProcess(cmd, 1, "", pip_output))
    with pytest.raises(ReferenceDataError, match=rf"^pyradiomics==3\.0\.1 sdist: sha256 mismatch: expected "
                                                 rf"{archive.sha256}, got {got}$"):
        rd.download_sdist(archive, tmp_path / "dl")  # no fallback download after a refused hash


def test_tool_failure_is_one_error_line_naming_the_archive(tmp_path):
    """The real tool in a subprocess, pip pointed at a local folder holding a tampered sdist of the pinned name
    and version (no index, no network): pip's hash check refuses it and the tool prints one ``error:`` line
    naming the archive, exit status 2, no traceback."""
    archive = ARCHIVES[0]
    links = tmp_path / "links"
    links.mkdir()
    _fake_sdist(links / f"{archive.dirname}.tar.gz", {f"{archive.dirname}/setup.py": b"raise SystemExit(1)"})
    proc = run_tool("tools/fetch_test_data.py", "--cache-dir", str(tmp_path / "cache"), check=False, timeout=300,
                    env={"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(links), "PIP_INDEX_URL": links.as_uri(),
                         "PIP_EXTRA_INDEX_URL": ""})
    assert proc.returncode == EXIT_USER_ERROR, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith(
        f"error: {archive.spec} sdist: sha256 mismatch: expected {archive.sha256}, got "), proc.stderr
    assert "Traceback" not in proc.stderr


def test_tool_is_quiet_on_a_warm_cache(reference_data):
    proc = run_tool("tools/fetch_test_data.py", timeout=120)
    assert proc.stdout == "" and proc.stderr == "", proc.stderr
    listed = run_tool("tools/fetch_test_data.py", "--list", timeout=120).stdout.splitlines()
    assert listed == [f"{key}\t{path}" for key, path in sorted(reference_data.items())]


def test_the_real_cache_is_warm_after_the_fixture(reference_data, monkeypatch):
    _no_network(monkeypatch)
    assert fetch() == reference_data
    for archive in ARCHIVES:
        stamp = reference_data[next(iter(archive.files))].parent / rd.STAMP_NAME
        assert archive.sha256 in stamp.read_text()


# ------------------------------------------------------------------------------------------- the files
#: Byte sizes inside the sha256-checked sdists.
SIZES = {"example_ct": 2_206_612, "example_seg_fast_force_split": 112_591, "example_seg_dicom": 89_531,
         "brain1_image": 2_023_786, "brain1_label": 7_517, "brain2_image": 1_737_246, "brain2_label": 6_394,
         "breast1_image": 78_730, "breast1_label": 710, "lung1_image": 12_548_518, "lung1_label": 24_999,
         "lung2_image": 17_817_709, "lung2_label": 33_427}


def test_every_file_is_there_with_its_size(reference_data):
    assert set(reference_data) == set(SIZES) | {"example_ct_dicom"}
    for key, size in SIZES.items():
        assert reference_data[key].stat().st_size == size, key
    series = sorted(reference_data["example_ct_dicom"].iterdir())
    assert len(series) == 20 and all(p.name.startswith("CT.1.3.12.2.1107.5.1.4.60064.") for p in series)
    assert all(150_000 < p.stat().st_size < 170_000 for p in series)


def _label_table(img: nib.Nifti1Image) -> dict[int, str]:
    """TotalSegmentator's label names, in the NIfTI header's (Caret XML) extension."""
    xml = b"".join(ext.get_content() for ext in img.header.extensions).decode()
    return {int(k): v for k, v in re.findall(r"<Label Key=\"(\d+)\"[^>]*><!\[CDATA\[([^\]]+)\]\]></Label>", xml)}


def _median_hu(ct: np.ndarray, seg: np.ndarray, label: int) -> float:
    return float(np.median(ct[seg == label]))


def test_totalsegmentator_nifti_ct_and_its_label_map(reference_data):
    ct = nib.load(reference_data["example_ct"])
    seg = nib.load(reference_data["example_seg_fast_force_split"])
    assert ct.shape == seg.shape == (122, 101, 112)
    assert ct.header.get_zooms() == pytest.approx((3.0, 3.0, 3.0))
    assert nib.aff2axcodes(ct.affine) == ("R", "A", "S")
    np.testing.assert_allclose(seg.affine, ct.affine, atol=1e-4)
    hu = np.asanyarray(ct.dataobj)
    assert hu.min() < -1000 and hu.max() > 1000  # air and bone in HU

    labels = np.asanyarray(seg.dataobj)
    assert seg.get_data_dtype() == np.uint8 and {0, 1, 5, 7} <= set(np.unique(labels).tolist())
    table = _label_table(seg)
    assert len(table) == 117 and (table[1], table[5], table[7]) == ("spleen", "liver", "pancreas")
    # the label map lies on the anatomy: soft-tissue HU in spleen and liver (the spleen is not on air mirrored)
    assert 20 < _median_hu(hu, labels, 1) < 120 and 20 < _median_hu(hu, labels, 5) < 120
    assert _median_hu(hu[:, ::-1], labels, 1) < 0


def test_totalsegmentator_dicom_series(reference_data):
    files = sorted(reference_data["example_ct_dicom"].iterdir())
    heads = [pydicom.dcmread(f, stop_before_pixels=True) for f in files]
    assert {h.Modality for h in heads} == {"CT"} and len({h.SeriesInstanceUID for h in heads}) == 1
    assert {(h.Rows, h.Columns) for h in heads} == {(512, 512)}
    assert {tuple(float(v) for v in h.PixelSpacing) for h in heads} == {(0.9765625, 0.9765625)}
    z = np.sort([float(h.ImagePositionPatient[2]) for h in heads])
    np.testing.assert_allclose(np.diff(z), 2.0)  # 2 mm apart (the slices are 3 mm thick)
    assert str(heads[0].file_meta.TransferSyntaxUID) == "1.2.840.10008.1.2.4.90"  # JPEG 2000 lossless

    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(reader.GetGDCMSeriesFileNames(str(reference_data["example_ct_dicom"])))
    vol = reader.Execute()
    assert vol.GetSize() == (512, 512, 20)
    assert vol.GetSpacing() == pytest.approx((0.9765625, 0.9765625, 2.0))
    assert vol.GetOrigin() == pytest.approx((-249.51171875, -437.51171875, -804.5))

    # pydicom decodes the JPEG 2000 pixels to what GDCM reads (after the rescale to HU)
    first = pydicom.dcmread(files[0])
    k = int(np.argmin(np.abs(z - float(first.ImagePositionPatient[2]))))
    hu = first.pixel_array.astype(np.int32) * int(first.RescaleSlope) + int(first.RescaleIntercept)
    np.testing.assert_array_equal(hu, sitk.GetArrayFromImage(vol)[k])


def test_totalsegmentator_dicom_label_map_is_the_series_space_with_y_flipped(reference_data):
    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(reader.GetGDCMSeriesFileNames(str(reference_data["example_ct_dicom"])))
    ct = reader.Execute()
    seg = sitk.ReadImage(str(reference_data["example_seg_dicom"]))
    assert seg.GetSize() == ct.GetSize() and seg.GetSpacing() == pytest.approx(ct.GetSpacing())
    assert seg.GetDirection() == pytest.approx((1, 0, 0, 0, -1, 0, 0, 0, 1))  # y stored anterior-first
    on_ct = sitk.GetArrayFromImage(sitk.Resample(seg, ct, sitk.Transform(), sitk.sitkNearestNeighbor, 0))
    stored = sitk.GetArrayFromImage(seg)
    np.testing.assert_array_equal(on_ct, stored[:, ::-1, :])  # same physical space: exactly a y flip

    hu = sitk.GetArrayFromImage(ct)
    assert {1, 5, 7} <= set(np.unique(on_ct).tolist())
    assert 40 < _median_hu(hu, on_ct, 1) < 150 and 40 < _median_hu(hu, on_ct, 5) < 150  # spleen, liver
    assert _median_hu(hu, stored, 1) < 0  # the stored order taken as the DICOM's puts the spleen on fat/air

    nii = nib.load(reference_data["example_seg_dicom"])
    assert nii.shape == (512, 512, 20) and nii.header.get_zooms() == pytest.approx((0.9765625, 0.9765625, 2.0))
    assert nib.aff2axcodes(nii.affine) == ("L", "A", "S")
    table = _label_table(nii)
    assert (table[1], table[5], table[7]) == ("spleen", "liver", "pancreas")


#: (image size x, y, z in SimpleITK order, spacing mm) of pyradiomics' cases, as measured.
RADIOMICS = {"brain1": ((256, 256, 25), (0.78125, 0.78125, 6.5)),
             "brain2": ((256, 256, 23), (0.78125, 0.78125, 6.5)),
             "breast1": ((45, 120, 21), (0.6641, 0.6641, 2.1)),
             "lung1": ((512, 512, 48), (0.5703, 0.5703, 5.0)),
             "lung2": ((512, 512, 61), (0.6270, 0.6270, 5.0))}


@pytest.mark.parametrize("case", sorted(RADIOMICS))
def test_pyradiomics_nrrd_image_label_pairs(reference_data, case):
    image = sitk.ReadImage(str(reference_data[f"{case}_image"]))
    label = sitk.ReadImage(str(reference_data[f"{case}_label"]))
    size, spacing = RADIOMICS[case]
    assert image.GetSize() == label.GetSize() == size
    assert image.GetSpacing() == pytest.approx(spacing, abs=1e-4)
    assert label.GetSpacing() == pytest.approx(image.GetSpacing())
    assert label.GetOrigin() == pytest.approx(image.GetOrigin())
    assert label.GetDirection() == pytest.approx(image.GetDirection())
    mask = sitk.GetArrayFromImage(label)
    assert set(np.unique(mask).tolist()) == {0, 1} and (mask == 1).sum() >= 100  # one lesion label
    pixels = sitk.GetArrayFromImage(image)
    if case.startswith("lung"):
        assert pixels.min() == -1024  # CT in HU
