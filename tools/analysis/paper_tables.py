"""Write a paper's table (Markdown, CSV, LaTeX) from finished runs: benchmark work roots or work dirs.

    python tools/analysis/paper_tables.py work_dirs/bench_spleen --layout spleen_table2 --out tables/
    python tools/analysis/paper_tables.py work_dirs/liver_d2 work_dirs/liver_unet --layout liver_table6 \\
        --methods "Mask R-CNN" "U-Net" --out tables/
    python tools/analysis/paper_tables.py work_dirs/bench_busi --layout aru_net_table4 --reference ARU-Net \\
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
run's view is the word single/dual in its method or config name). k-fold runs are mean +- std over folds; the
pooled per-image means follow as a table of their own. The spleen layout's params (M) / FLOPs (G) come from
:func:`organseg_plugins.mm.analysis.complexity.add_run_complexity` on each method's config at ``--shape``
(``--no-complexity`` leaves them blank). ``--cost`` appends the cost columns of benchmark jobs (training
wall time, peak RSS, CUDA peak allocated, test time per image/volume/case, from each job's ``cost.json``;
:mod:`organseg_plugins.core.paper_tables.cost`) to any layout. The work is :func:`organseg_plugins.core.paper_tables.write.write_paper_table`.
Writes ``OUT/<layout>.md``, ``.csv`` and ``.tex`` and prints the Markdown.
Exit status 0 on success, 2 on a user error (e.g. a missing work dir) printed as one ``error:`` line.
"""

from __future__ import annotations

import argparse

from organseg_plugins.core.cli import cli_main
from organseg_plugins.core.paper_tables.records import RunRecord
from organseg_plugins.core.paper_tables.write import layouts_text, write_paper_table


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
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
    p.add_argument("--cost", action="store_true",
                   help="add the cost columns: train time, peak memory, test time per sample (benchmark jobs)")
    p.add_argument("--name", default=None, help="file stem of the outputs (default: the layout name)")
    p.add_argument("--list-layouts", action="store_true")
    args = p.parse_args(argv)
    if not args.list_layouts and not args.work_dirs:
        p.error("give at least one work dir")
    return args


@cli_main
def main(argv: list[str] | None = None) -> int:
    """Write the table and print it (or the layouts); return the exit status."""
    args = parse_args(argv)
    if args.list_layouts:
        print(layouts_text())
        return 0

    def complexity(runs: list[RunRecord]) -> None:  # mmseg is imported only when a layout has these columns
        from organseg_plugins.mm.analysis.complexity import add_run_complexity

        add_run_complexity(runs, tuple(args.shape))

    written = write_paper_table(args.work_dirs, args.layout, args.methods, args.reference, args.out,
                                complexity=None if args.no_complexity else complexity, cost=args.cost,
                                name=args.name)
    print(written.report())
    return 0


if __name__ == "__main__":
    main()
