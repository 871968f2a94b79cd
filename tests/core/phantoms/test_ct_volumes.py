"""CT volume phantoms: deterministic, anisotropic, the organs where they should be, each layout readable."""

from __future__ import annotations

import numpy as np

from organseg_plugins.core.converters.ct_volumes import find_volume_cases
from organseg_plugins.core.io.volumes import check_same_geometry, read_label_volume, read_volume
from organseg_plugins.core.phantoms.ct_volumes import ct_volume_phantom, write_ct_volume_phantoms


def test_phantom_is_deterministic_and_anatomical():
    a, pa, la = ct_volume_phantom(1, seed=3)
    b, pb, lb = ct_volume_phantom(1, seed=3)
    np.testing.assert_array_equal(a.array, b.array)
    np.testing.assert_array_equal(pa, pb)
    assert not np.array_equal(ct_volume_phantom(2, seed=3)[1], pa)
    assert a.spacing == (2.5, 0.8, 0.8) and a.shape == (16, 64, 64)
    assert not (pa & la).any()
    # pancreas only over the central third of the 16 slices: zc = 18.75 mm, +- 16 * 2.5 / 6 = 6.67 mm
    # -> z in [12.08, 25.42] mm -> slices 5..10 (z = 12.5 ... 25)
    assert np.flatnonzero(pa.any(axis=(1, 2))).tolist() == list(range(5, 11))
    # thin and elongated: per slice, the x extent is several times the y extent
    zs = 8
    ys, xs = np.nonzero(pa[zs])
    assert (xs.max() - xs.min()) > 2.5 * (ys.max() - ys.min())
    assert la.sum() > 1.5 * pa.sum()  # the liver is the large organ (it spans most slices)
    hu = a.array
    assert hu[0, 0, 0] < -900 and np.median(hu[pa == 1]) > 80 and np.median(hu[la == 1]) > 40


def test_every_layout_reads_back(tmp_path):
    dirs = write_ct_volume_phantoms(tmp_path, num_cases=3, shape=(8, 32, 32))
    for name, d in dirs.items():
        kind, cases = find_volume_cases(d)
        assert kind == name and len(cases) == 3, (name, cases)
        img, lab = read_volume(cases[0].image), read_label_volume(cases[0].label)
        check_same_geometry(img, lab)
        assert img.shape == (8, 32, 32) and lab.array.any()
    assert [c.case_id for c in find_volume_cases(dirs["msd"])[1]] == ["pancreas_001", "pancreas_002", "pancreas_003"]


def test_one_layout_only_for_large_sets(tmp_path):
    dirs = write_ct_volume_phantoms(tmp_path, num_cases=2, shape=(4, 24, 24), layouts=("nih",), compresslevel=1)
    assert list(dirs) == ["nih"] and not (tmp_path / "msd").exists() and not (tmp_path / "sliver07").exists()
    kind, cases = find_volume_cases(dirs["nih"])
    assert kind == "nih" and [c.case_id for c in cases] == ["PANCREAS_0001", "PANCREAS_0002"]
    _, pan, _ = ct_volume_phantom(1, 0, (4, 24, 24))
    np.testing.assert_array_equal(read_label_volume(cases[1].label).array, pan)
