"""Train and test every (method, fold, seed) job of a benchmark spec through the frameworks' own tools.

    python tools/benchmark.py SPEC.yaml                 # jobs one after another
    python tools/benchmark.py SPEC.yaml --jobs 2        # two jobs at a time on this machine
    python tools/benchmark.py SPEC.yaml --list          # the jobs, their index and state
    python tools/benchmark.py SPEC.yaml --only 3        # one job (a Slurm array task: tools/slurm_benchmark.sh)
    python tools/benchmark.py SPEC.yaml --commands      # print each job's train and test command

The spec format is documented in :mod:`organseg_plugins.core.benchmark.spec`. Each job gets
``<work_root>/<method>/fold<k>_seed<s>/`` (``train/``, ``test/``, ``train.log``, ``test.log``, ``state.json``);
a done job is skipped, a killed one resumes from its last checkpoint, a failed one is reported and the others
go on. Then: ``python tools/analysis/paper_tables.py WORK_ROOT --layout spleen_table2``.
Exit status 0 when every job is done, 1 when some failed, 2 on a user error (one ``error:`` line).
"""

from __future__ import annotations

import argparse
import os
import sys

from organseg_plugins.core.benchmark import (
    evaluation_command,
    fold_data_root,
    load_spec,
    plan_jobs,
    read_state,
    run_benchmark,
    train_command,
)
from organseg_plugins.core.cli import cli_main
from organseg_plugins.core.errors import OrgansegInputError


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("spec", help="benchmark spec (YAML)")
    p.add_argument("--jobs", type=int, default=1, help="jobs run in parallel on this machine")
    p.add_argument("--only", type=int, nargs="+", default=None, help="run only these job indices (see --list)")
    p.add_argument("--list", action="store_true", help="list the jobs and their state, run nothing")
    p.add_argument("--count", action="store_true", help="print the number of jobs (for a Slurm array)")
    p.add_argument("--commands", action="store_true", help="print each job's commands, run nothing")
    args = p.parse_args(argv)
    if args.jobs < 1:
        p.error("--jobs must be >= 1")
    return args


@cli_main
def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    spec = load_spec(args.spec)
    jobs = plan_jobs(spec)
    tools_dir = os.path.dirname(os.path.abspath(__file__))
    if args.count:
        print(len(jobs))
        return 0
    if args.list or args.commands:
        for i, job in enumerate(jobs):
            print(f"{i:3d}  {job.key:<40s} {read_state(job.work_dir)['state']}")
            if args.commands:
                root = fold_data_root(spec.data, job.fold, spec.work_root)
                ckpt = os.path.join(job.train_dir, "<last checkpoint>")
                try:
                    print("     " + " ".join(train_command(spec, job, root, tools_dir=tools_dir)))
                    print("     " + " ".join(evaluation_command(spec, job, root, ckpt, tools_dir=tools_dir)))
                except OrgansegInputError as exc:  # a {checkpoint:NAME} of a job not run yet
                    print(f"     (known once its dependency has run: {exc})")
        return 0
    print(f"{spec.path}: {len(jobs)} job(s) under {spec.work_root}, {args.jobs} at a time", flush=True)
    result = run_benchmark(spec, parallel=args.jobs, only=args.only, tools_dir=tools_dir,
                           log=lambda line: print(line, flush=True))
    print(f"done {len(result.done)}, skipped {len(result.skipped)}, failed {len(result.failed)}", flush=True)
    for key, msg in result.failed.items():
        print(f"failed: {key}: {msg}", file=sys.stderr, flush=True)
    return 1 if result.failed else 0


if __name__ == "__main__":
    main()
