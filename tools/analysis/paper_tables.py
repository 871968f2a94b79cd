"""Write a paper's table (Markdown, CSV, LaTeX) from finished runs: benchmark work roots or work dirs.

    python tools/analysis/paper_tables.py work_dirs/bench_spleen --layout spleen_table2 --out tables/
    python tools/analysis/paper_tables.py work_dirs/liver_d2 work_dirs/liver_unet --layout liver_table6 \\
        --methods "Mask R-CNN" "U-Net" --out tables/
    python tools/analysis/paper_tables.py work_dirs/bench_busi --layout aru_net_table4 --reference ARU-Net \
        --out tables/
    python tools/analysis/paper_tables.py work_dirs/bench_spleen_views --layout deepspv_mrva --out tables/
    python tools/analysis/paper_tables.py --list-layouts

Layouts (:mod:`organseg_plugins.core.paper_tables`): ``spleen_table2`` (Karimi et al. 2025, "Improving spleen
segmentation in ultrasound images using a hybrid deep learning framework", Sci Rep, Tables 2-3) and
``liver_table6`` (Sattari et al. 2025, "Liver margin segmentation in abdominal CT images using U-Net and
Detectron2", Sci Rep, Table 6) and ``ct_volume_tables`` (Lian, Sun and Li 2025, "Extracting organs of interest
from medical images based on convolutional neural network with auxiliary and refined constraints", Sci Rep,
Tables 1-2; from the jobs' ``per_volume.csv``), ``aru_net_table4`` (Liu et al. 2025, "Attention residual network
for medical ultrasound image segmentation", Sci Rep 15:22155, Table 4: two-class means, per-image lesion means and
the one-sided paired t-test p-values of the first method, or ``--reference``, against each baseline) and
``deepspv_mrva`` (Yuan et al. 2025, "DeepSPV: a deep learning pipeline for 3D spleen volume estimation from 2D
ultrasound images", Med Image Anal: MRVA and 95% interval coverage per view, from ``volume_per_case.csv``; a
run's view is the word single/dual in its method or config name). k-fold runs are mean +- std over folds; the pooled per-image means follow as a
table of their own. The spleen layout's params (M) / FLOPs (G) come from ``tools/analysis/complexity.py``'s
``analyse`` on each method's config at ``--shape`` (``--no-complexity`` leaves them blank).
Writes ``OUT/<layout>.md``, ``.csv`` and ``.tex`` and prints the Markdown.
Exit status 0 on success, 2 on a user error (e.g. a missing work dir) printed as one ``error:`` line.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import os.path as osp

from organseg_plugins.core.cli import cli_main
from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io.atomic import atomic_write_text
from organseg_plugins.core.paper_tables import (
    build_table,
    collect_runs,
    get_layout,
    layout_names,
    read_run,
    to_csv,
    to_latex,
    to_markdown,
)


def _complexity_module():
    path = osp.join(osp.dirname(osp.abspath(__file__)), "complexity.py")
    spec = importlib.util.spec_from_file_location("organseg_complexity_tool", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def add_complexity(runs, shape: tuple[int, int]) -> None:
    """Set ``run.extra["params_m"/"flops_g"]`` from the complexity tool (once per config)."""
    import logging

    from mmengine.logging import MMLogger

    MMLogger.get_current_instance().setLevel(logging.ERROR)
    tool = _complexity_module()
    cache: dict[str, dict] = {}
    for run in runs:
        if not run.config:
            continue
        if run.config not in cache:
            if not osp.isfile(run.config):
                raise OrgansegInputError(f"{run.work_dir}/job.json: config not found: {run.config}")
            cache[run.config] = tool.analyse([run.config], shape)[0]
        row = cache[run.config]
        run.extra["params_m"] = row[tool.PARAMS_COL]
        run.extra["flops_g"] = row[tool.STD_COL]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("work_dirs", nargs="*", help="benchmark work roots, job dirs or plain work dirs")
    p.add_argument("--layout", default="spleen_table2", help="table layout (see --list-layouts)")
    p.add_argument("--methods", nargs="+", default=None,
                   help="row order (method names of the benchmark), or one name per plain work dir")
    p.add_argument("--reference", default=None,
                   help="method the p-value columns test against the others (default: the first row)")
    p.add_argument("--out", default=None, help="output folder (default: the first work dir)")
    p.add_argument("--shape", type=int, nargs=2, default=[512, 512], help="input H W for params/FLOPs")
    p.add_argument("--no-complexity", action="store_true", help="leave params (M) / FLOPs (G) blank")
    p.add_argument("--list-layouts", action="store_true")
    args = p.parse_args(argv)
    if not args.list_layouts and not args.work_dirs:
        p.error("give at least one work dir")
    return args


@cli_main
def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list_layouts:
        for name in layout_names():
            print(f"{name}: {get_layout(name).title}")
        return 0
    layout = get_layout(args.layout)
    if args.reference is not None and layout.compare is None:
        raise OrgansegInputError(f"--reference: layout {layout.name!r} has no cross-method (p-value) columns")
    plain = [d for d in args.work_dirs if osp.isdir(d) and not any(
        osp.isfile(osp.join(d, x, y, "state.json")) for x in os.listdir(d) if osp.isdir(osp.join(d, x))
        for y in os.listdir(osp.join(d, x)) if osp.isdir(osp.join(d, x, y)))]
    if args.methods and len(plain) == len(args.work_dirs) and len(args.methods) == len(plain):
        runs = [read_run(d, m) for d, m in zip(args.work_dirs, args.methods, strict=True)]
    else:
        runs = collect_runs(args.work_dirs)
    if layout.needs_complexity and not args.no_complexity:
        add_complexity(runs, tuple(args.shape))
    table = build_table(layout, runs, args.methods, reference=args.reference)
    out = args.out or args.work_dirs[0]
    for ext, text in (("md", to_markdown(table)), ("csv", to_csv(table)), ("tex", to_latex(table))):
        atomic_write_text(osp.join(out, f"{layout.name}.{ext}"), text)
    print(to_markdown(table))
    print(f"written: {osp.join(out, layout.name)}.{{md,csv,tex}}")
    return 0


if __name__ == "__main__":
    main()
