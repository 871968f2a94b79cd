"""organseg_plugins.core.paper_tables.aru_net: ARU-Net's Table 4 (Liu et al. 2025, Sci Rep 15:22155) with the
one-sided paired t-test of the reference method against each baseline."""

import re

import pytest
from scipy import stats

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.evaluation.paired_ttest import paired_ttest
from organseg_plugins.core.io.tables import write_csv
from organseg_plugins.core.paper_tables import (
    build_table,
    get_layout,
    read_run,
    to_csv,
    to_latex,
    to_markdown,
)
from organseg_plugins.core.paper_tables.aru_net import (
    aru_net_cell,
    aru_net_compare,
    aru_net_pooled,
    paired_ttest_table,
    ttest_markdown,
)

FIELDS = ("img_path", "class", "spacing", "iou", "dice", "precision", "recall")  # OrganSegMetric._write_csv
METRICS = {"aAcc": 96.0, "mPrecision": 90.0, "mRecall": 88.0, "mIoU": 84.0, "mDice": 91.0,
           "img_IoU.background": 97.0, "img_IoU.lesion": 70.0}


def _work_dir(root, name, ious, images=("a.png", "b.png", "c.png"), metrics=METRICS):
    wd = root / name
    (wd / "20250101_000000").mkdir(parents=True)
    (wd / "20250101_000000" / "20250101_000000.json").write_text(
        "{" + ", ".join(f'"{k}": {v}' for k, v in metrics.items()) + "}\n")
    rows = [dict(img_path=f"/data/img_dir/test/{im}", spacing="", iou=iou, dice=200 * iou / (100 + iou),
                 precision=90.0, recall=80.0 + i, **{"class": "lesion"}) for i, (im, iou) in enumerate(zip(images, ious))]
    write_csv(wd / "per_image.csv", FIELDS, rows)
    return read_run(wd, name)


def test_cells_by_hand(tmp_path):
    run = _work_dir(tmp_path, "ours", [80.0, 70.0, 90.0])
    assert aru_net_cell(run, "", "mIoU (%)") == 84.0 and aru_net_cell(run, "", "Accuracy (%)") == 96.0
    # per-image lesion IoU (80 + 70 + 90) / 3 = 80.00; recall (80 + 81 + 82) / 3 = 81.00
    assert aru_net_cell(run, "", "img IoU lesion (%)") == pytest.approx(80.0)
    assert aru_net_cell(run, "", "img Recall lesion (%)") == pytest.approx(81.0)
    assert aru_net_pooled([run])["images"] == 3.0


def test_logged_per_image_mean_without_csv(tmp_path):
    run = _work_dir(tmp_path, "ours", [80.0, 70.0, 90.0])
    run.per_image = []
    assert aru_net_cell(run, "", "img IoU lesion (%)") == 70.0  # img_IoU.lesion, background skipped
    assert aru_net_cell(run, "", "img Precision lesion (%)") is None


def test_p_value_equals_scipy(tmp_path):
    ours, base = [80.0, 70.0, 90.0], [70.0, 65.0, 80.0]
    a = _work_dir(tmp_path, "ours", ours)
    b = _work_dir(tmp_path, "base", base[::-1], images=("c.png", "b.png", "a.png"))  # other order: matched by name
    p = aru_net_compare([a], [b])
    # d = 10, 5, 10: mean 8.333, sd 2.887, t = 8.333 / (2.887 / sqrt 3) = 5.0, df 2
    assert p["p IoU (one-sided)"] == pytest.approx(stats.ttest_rel(ours, base, alternative="greater").pvalue)
    assert p["p IoU (one-sided)"] == pytest.approx(stats.t.sf(5.0, 2))
    dice = lambda v: [200 * x / (100 + x) for x in v]  # noqa: E731
    assert p["p Dice (one-sided)"] == pytest.approx(
        stats.ttest_rel(dice(ours), dice(base), alternative="greater").pvalue)
    table = build_table(get_layout("aru_net_table4"), [a, b])
    assert table.reference == "ours" and table.rows[0].cells["p IoU (one-sided)"] is None
    md = to_markdown(table)
    assert f"| {stats.t.sf(5.0, 2):.4f} |" in md.splitlines()[5] and "ours against each other method" in md
    assert "p IoU (one-sided) mean" in to_csv(table) and "\\pm" not in to_latex(table).split("midrule")[1][:40]


def test_reference_option(tmp_path):
    a = _work_dir(tmp_path, "ours", [80.0, 70.0, 90.0])
    b = _work_dir(tmp_path, "base", [70.0, 65.0, 80.0])
    table = build_table(get_layout("aru_net_table4"), [a, b], reference="base")
    assert table.rows[1].cells["p IoU (one-sided)"] is None
    assert table.rows[0].cells["p IoU (one-sided)"].mean == pytest.approx(1 - stats.t.sf(5.0, 2))
    with pytest.raises(OrgansegInputError, match="reference method 'nope'"):
        build_table(get_layout("aru_net_table4"), [a, b], reference="nope")


def test_unmatched_image_names_the_file(tmp_path):
    a = _work_dir(tmp_path, "ours", [80.0, 70.0, 90.0])
    b = _work_dir(tmp_path, "base", [70.0, 65.0], images=("a.png", "b.png"))
    with pytest.raises(OrgansegInputError, match=re.escape(str(tmp_path / "ours" / "per_image.csv"))) as err:
        build_table(get_layout("aru_net_table4"), [a, b])
    msg = str(err.value)
    assert "\n" not in msg and "c.png" in msg and str(tmp_path / "ours" / "per_image.csv") in msg


def test_duplicate_image_names_the_file(tmp_path):
    a = _work_dir(tmp_path, "ours", [80.0, 70.0], images=("a.png", "a.png"))
    b = _work_dir(tmp_path, "base", [70.0, 65.0], images=("a.png", "b.png"))
    with pytest.raises(OrgansegInputError, match=r"ours/per_image.csv: image 'a.png' listed twice"):
        aru_net_compare([a], [b])


def test_ttest_markdown():
    """The t-test table (moved here from tests/core/evaluation/test_paired_ttest.py with the function)."""
    x, y = [80.0, 70.0], [75.0, 71.0]
    table = ttest_markdown("ARU-Net", [("U-Net", paired_ttest(x, y))], "iou")
    assert table.splitlines()[2].startswith("| U-Net | 2 | 75.0000 | 73.0000 | +2.0000 |")
    head, rule = table.splitlines()[:2]
    assert head == "| ARU-Net vs | n | iou ARU-Net | iou baseline | mean diff | t | df | p (greater) |"
    assert rule == "|---|---:|---:|---:|---:|---:|---:|---:|"
    # d = 5, -1: mean 2, s_d = sqrt(18) -> t = 2 / (sqrt(18) / sqrt(2)) = 2/3; df 1; p = P(T_1 > 2/3)
    cells = [c.strip() for c in table.splitlines()[2].strip("|").split("|")]
    assert cells[5:7] == ["0.667", "1"] and float(cells[7]) == pytest.approx(stats.t.sf(2 / 3, 1), abs=1e-4)


def test_paired_ttest_table_from_csvs(tmp_path):
    a, b = [81.0, 70.5, 90.2, 66.0], [78.0, 71.0, 85.0, 60.0]
    for name, vals in (("aru", a), ("unet", b)):
        write_csv(tmp_path / f"{name}.csv", ("img_path", "class", "iou"),
                  [{"img_path": f"/d/img{i}.png", "class": "lesion", "iou": v} for i, v in enumerate(vals)])
    table = paired_ttest_table(tmp_path / "aru.csv", [tmp_path / "unet.csv"], "iou", cls="lesion")
    row = [c.strip() for c in table.splitlines()[2].strip("|").split("|")]
    ref = stats.ttest_rel(a, b, alternative="greater")
    assert row[0] == "unet" and row[1] == "4" and table.startswith("| aru vs |")  # names default to the stems
    assert float(row[5]) == pytest.approx(ref.statistic, abs=1e-3) and float(row[7]) == pytest.approx(ref.pvalue,
                                                                                                      abs=1e-4)
    with pytest.raises(OrgansegInputError, match=r"--names needs 2 names \(model \+ baselines\), got 1"):
        paired_ttest_table(tmp_path / "aru.csv", [tmp_path / "unet.csv"], names=["only"])
