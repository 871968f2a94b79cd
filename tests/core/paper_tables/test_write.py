"""organseg_plugins.core.paper_tables.write: a layout's table from work dirs, written as .md/.csv/.tex."""

import pytest

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.paper_tables import layout_names
from organseg_plugins.core.paper_tables.write import layouts_text, load_runs, write_paper_table


def _d2_dir(root, name, rows):
    (root / name / "inference").mkdir(parents=True)
    lines = ["file_name,image_id,num_instances,MaskIoU,BoundaryIoU,TrimapIoU,Fmeasure,PixelF1"]
    lines += [",".join(map(str, r)) for r in rows]
    (root / name / "inference" / "organ_masks_per_image.csv").write_text("\n".join(lines) + "\n")
    return str(root / name)


def test_plain_work_dirs_named_by_methods(tmp_path):
    a = _d2_dir(tmp_path, "d2", [("x.png", 1, 1, 90.0, 60.0, 70.0, 80.0, 94.0)])
    b = _d2_dir(tmp_path, "d2b", [("x.png", 1, 1, 70.0, 40.0, 50.0, 60.0, 82.0)])
    assert [r.method for r in load_runs([a, b], ["Mask R-CNN", "U-Net"])] == ["Mask R-CNN", "U-Net"]
    calls = []
    written = write_paper_table([a, b], "liver_table6", ["Mask R-CNN", "U-Net"], out=str(tmp_path / "t"),
                                complexity=calls.append)
    assert calls == []  # liver_table6 has no params / FLOPs columns
    assert written.files == tuple(str(tmp_path / "t" / f"liver_table6.{e}") for e in ("md", "csv", "tex"))
    assert (tmp_path / "t" / "liver_table6.md").read_text() == written.markdown
    assert "| U-Net | 70.00 | 50.00 | 60.00 | 40.00 |" in written.markdown  # Mask, Trimap, F, Boundary IoU
    assert written.report().endswith(f"\nwritten: {tmp_path / 't' / 'liver_table6'}.{{md,csv,tex}}")


def test_complexity_hook_fills_the_spleen_columns(tmp_path):
    wd = tmp_path / "seg"
    (wd / "20250101_000000").mkdir(parents=True)
    (wd / "20250101_000000" / "20250101_000000.json").write_text('{"mIoU": 80.0, "IoU.spleen": 70.0}\n')

    def complexity(runs):
        for run in runs:
            run.extra.update(params_m=3.72, flops_g=6.74)

    written = write_paper_table([str(wd)], "spleen_table2", ["SegFormer-B0"], complexity=complexity)
    row = next(ln for ln in written.markdown.splitlines() if "| All |" in ln)
    assert row.endswith("| 3.72 | 6.74 |")  # the last two columns: Params (M), FLOPs (G)
    assert (wd / "spleen_table2.md").is_file()  # out defaults to the first work dir


def test_errors(tmp_path):
    a = _d2_dir(tmp_path, "d2", [("x.png", 1, 1, 90.0, 60.0, 70.0, 80.0, 94.0)])
    with pytest.raises(OrgansegInputError, match="unknown table layout 'nope'"):
        write_paper_table([a], "nope")
    with pytest.raises(OrgansegInputError, match="--reference: layout 'liver_table6' has no cross-method"):
        write_paper_table([a], "liver_table6", reference="x")
    with pytest.raises(OrgansegInputError, match=f"{tmp_path / 'none'}: work dir not found"):
        write_paper_table([str(tmp_path / "none")], "liver_table6")
    listed = dict(line.split(": ", 1) for line in layouts_text().splitlines())
    assert sorted(listed) == sorted(layout_names()) and listed["deepspv_mrva"].startswith("Yuan et al. 2025")
