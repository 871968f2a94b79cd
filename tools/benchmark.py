"""Train and test every (method, fold, seed) job of a benchmark spec through the frameworks' own tools.

    python tools/benchmark.py SPEC.yaml                 # prepare the data, run the jobs, write the tables
    python tools/benchmark.py benchmarks/aru_net_busi_table4.yaml --data ~/Downloads/Dataset_BUSI_with_GT
    python tools/benchmark.py SPEC.yaml --jobs 2        # two jobs at a time on this machine
    python tools/benchmark.py SPEC.yaml --list          # the jobs and their state, the prepare steps, the tables
    python tools/benchmark.py SPEC.yaml --commands      # each job's train and test command, run nothing
    python tools/benchmark.py SPEC.yaml --only 3        # one job (a Slurm array task: tools/slurm_benchmark.sh)
    python tools/benchmark.py SPEC.yaml --tables-only --cost   # (re)write the tables, with the cost columns

A paper's spec (``benchmarks/``) names the raw dataset folder as its variable ``data`` (``--data`` overrides it;
``--set NAME=VALUE`` any other variable), the converter step (``prepare``: run once, skipped when done), the
paper's split, every method with its config and the table layout (``table``), so one command goes from the
downloaded folder to the paper's table: ``<work_root>/tables/<name>.{md,csv,tex}``.
The spec format is documented in :mod:`organseg_plugins.core.benchmark.spec`. Each job gets
``<work_root>/<method>/fold<k>_seed<s>/`` (``train/``, ``test/``, ``train.log``, ``test.log``, ``state.json``,
``cost.json``: wall time, peak memory, device, test time per sample); a done job is skipped, a killed one
resumes from its last checkpoint, a failed one is reported and the others go on.

A part of a spec (a smoke run, a CPU try-out): ``--methods A B`` (and what they run ``after``), ``--folds 0``,
``--work-root DIR``, ``--cfg-options k=v ...`` for every mmseg job and ``--opts KEY VALUE ...`` for every
detectron2 job (after the spec's own options, e.g. ``--cfg-options train_cfg.max_iters=2``).
Exit status 0 when every job is done, 1 when some failed, 2 on a user error (one ``error:`` line).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from organseg_plugins.core.benchmark import (
    check_data,
    evaluation_command,
    fold_root_path,
    load_spec,
    plan_jobs,
    prepare_data,
    prepare_plan,
    read_state,
    run_benchmark,
    select,
    tables_dir,
    train_command,
    write_spec_tables,
)
from organseg_plugins.core.benchmark.spec import BenchmarkSpec
from organseg_plugins.core.cli import cli_main
from organseg_plugins.core.errors import OrgansegInputError


def _pairs(values: list[str] | None, flag: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise OrgansegInputError(f"{flag} {item!r}: expected KEY=VALUE")
        out[key] = value
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("spec", help="benchmark spec (YAML)")
    p.add_argument("--data", default=None, help="the raw dataset folder (the spec's variable 'data')")
    p.add_argument("--set", dest="variables", action="append", default=None, metavar="NAME=VALUE",
                   help="set a variable of the spec (repeatable), e.g. --set prepared=/scratch/busi")
    p.add_argument("--jobs", type=int, default=1, help="jobs run in parallel on this machine")
    p.add_argument("--only", type=int, nargs="+", default=None, help="run only these job indices (see --list)")
    p.add_argument("--methods", nargs="+", default=None, help="run only these methods (and what they run after)")
    p.add_argument("--folds", type=int, nargs="+", default=None, help="run only these folds")
    p.add_argument("--work-root", default=None, help="another work root than the spec's")
    p.add_argument("--cfg-options", nargs="+", default=None, metavar="KEY=VALUE",
                   help="options for every mmseg job, after the spec's (e.g. train_cfg.max_iters=2)")
    p.add_argument("--opts", nargs="+", default=None, metavar="KEY VALUE",
                   help="KEY VALUE pairs for every detectron2 job, after the spec's (e.g. SOLVER.MAX_ITER 2)")
    p.add_argument("--cost", action="store_true", help="add the cost columns to the tables")
    p.add_argument("--tables-only", action="store_true", help="write the tables from the finished jobs, run nothing")
    p.add_argument("--no-tables", action="store_true", help="do not write the tables after the jobs")
    p.add_argument("--list", action="store_true", help="list the jobs, prepare steps and tables, run nothing")
    p.add_argument("--count", action="store_true", help="print the number of jobs (for a Slurm array)")
    p.add_argument("--commands", action="store_true", help="print each job's commands, run nothing")
    args = p.parse_args(argv)
    if args.jobs < 1:
        p.error("--jobs must be >= 1")
    if args.opts and len(args.opts) % 2:
        p.error("--opts takes KEY VALUE pairs")
    return args


def _complexity_for(shape: tuple[int, int]) -> Callable:
    def fill(runs: list) -> None:  # mmseg is imported only for a table with params/FLOPs columns
        from organseg_plugins.mm.analysis.complexity import add_run_complexity

        add_run_complexity(runs, tuple(shape))

    return fill


def _show(spec: BenchmarkSpec, commands: bool, tools_dir: str) -> None:
    for i, job in enumerate(plan_jobs(spec)):
        print(f"{i:3d}  {job.key:<40s} {read_state(job.work_dir)['state']}")
        if commands:
            root = fold_root_path(spec.data, job.fold, spec.work_root)
            ckpt = os.path.join(job.train_dir, "<last checkpoint>")
            try:
                print("     " + " ".join(train_command(spec, job, root, tools_dir=tools_dir)))
                print("     " + " ".join(evaluation_command(spec, job, root, ckpt, tools_dir=tools_dir)))
            except OrgansegInputError as exc:  # a {checkpoint:NAME} of a job not run yet
                print(f"     (known once its dependency has run: {exc})")
    for step in prepare_plan(spec):
        print(f"prepare: {step.output} {step.state()}")
        if commands:
            print("     " + " ".join(step.command))
    for table in spec.tables:
        extra = f", reference {table.reference}" if table.reference else ""
        print(f"table: {os.path.join(tables_dir(spec), table.name)}.{{md,csv,tex}} (layout {table.layout}{extra}; "
              f"rows: {', '.join(table.methods)})")


def _write_tables(spec: BenchmarkSpec, cost: bool) -> None:
    for result in write_spec_tables(spec, _complexity_for, cost=cost):
        print(result.report(), flush=True)


@cli_main
def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    variables = _pairs(args.variables, "--set")
    if args.data is not None:
        variables["data"] = args.data
    spec = load_spec(args.spec, variables)
    opts = dict(zip(args.opts[::2], args.opts[1::2])) if args.opts else None
    spec = select(spec, methods=args.methods, folds=args.folds, work_root=args.work_root,
                  cfg_options=_pairs(args.cfg_options, "--cfg-options"), opts=opts)
    jobs = plan_jobs(spec)
    tools_dir = os.path.dirname(os.path.abspath(__file__))
    if args.count:
        print(len(jobs))
        return 0
    if args.list or args.commands:
        _show(spec, args.commands, tools_dir)
        return 0
    if args.tables_only:
        _write_tables(spec, args.cost)
        return 0
    prepare_data(spec, log=lambda line: print(line, flush=True))
    check_data(spec)
    print(f"{spec.path}: {len(jobs)} job(s) under {spec.work_root}, {args.jobs} at a time", flush=True)
    result = run_benchmark(spec, parallel=args.jobs, only=args.only, tools_dir=tools_dir,
                           log=lambda line: print(line, flush=True))
    print(f"done {len(result.done)}, skipped {len(result.skipped)}, failed {len(result.failed)}", flush=True)
    for key, msg in result.failed.items():
        print(f"failed: {key}: {msg}", file=sys.stderr, flush=True)
    if spec.tables and not args.no_tables:
        if args.only is not None:
            print(f"tables: not written by an --only run; when every job is done: python tools/benchmark.py "
                  f"{args.spec} --tables-only", flush=True)
        else:
            _write_tables(spec, args.cost)
    return 1 if result.failed else 0


if __name__ == "__main__":
    main()
