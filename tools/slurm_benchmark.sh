#!/usr/bin/env bash
# Every job of a benchmark spec as one task of a Slurm array (each task: tools/benchmark.py SPEC --only INDEX,
# train then test; a done job is skipped, a killed one resumes, so resubmitting the array is safe).
#   bash tools/slurm_benchmark.sh PARTITION SPEC.yaml [sbatch options, e.g. --time=24:00:00]
# A method with ``after:`` waits inside its task for the same fold/seed of that method (its state.json), so
# keep the array's concurrency high enough (or submit a second array with --dependency=afterok:<first>).
# BENCH_ARGS go to every tools/benchmark.py call, e.g. BENCH_ARGS="--data /datasets/Dataset_BUSI_with_GT"; the
# first task to reach a spec's converter step runs it, the others wait for it (a file lock) and skip it.
# When every task is done: python tools/benchmark.py SPEC $BENCH_ARGS --tables-only
set -euo pipefail
PARTITION=$1
SPEC=$2
GPUS_PER_TASK=${GPUS_PER_TASK:-1}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
PYTHON=${PYTHON:-python}
TOOLS="$(cd "$(dirname "$0")" && pwd)"
BENCH_ARGS=${BENCH_ARGS:-}
# shellcheck disable=SC2086  # BENCH_ARGS is a list of words
N=$("$PYTHON" "$TOOLS/benchmark.py" "$SPEC" $BENCH_ARGS --count)
if [ "$N" -lt 1 ]; then echo "error: $SPEC: no jobs" >&2; exit 2; fi
sbatch -p "$PARTITION" --job-name="bench-$(basename "$SPEC" .yaml)" --array=0-$((N - 1)) \
    --gres=gpu:"$GPUS_PER_TASK" --cpus-per-task="$CPUS_PER_TASK" --output="slurm-%A_%a.out" "${@:3}" \
    --wrap="PYTHONPATH=$TOOLS/..:\${PYTHONPATH:-} $PYTHON -u $TOOLS/benchmark.py $SPEC $BENCH_ARGS --only \$SLURM_ARRAY_TASK_ID"
