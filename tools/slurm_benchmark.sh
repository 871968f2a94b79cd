#!/usr/bin/env bash
# Every job of a benchmark spec as one task of a Slurm array (each task: tools/benchmark.py SPEC --only INDEX,
# train then test; a done job is skipped, a killed one resumes, so resubmitting the array is safe).
#   bash tools/slurm_benchmark.sh PARTITION SPEC.yaml [sbatch options, e.g. --time=24:00:00]
# A method with ``after:`` waits inside its task for the same fold/seed of that method (its state.json), so
# keep the array's concurrency high enough (or submit a second array with --dependency=afterok:<first>).
set -euo pipefail
PARTITION=$1
SPEC=$2
GPUS_PER_TASK=${GPUS_PER_TASK:-1}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
PYTHON=${PYTHON:-python}
TOOLS="$(cd "$(dirname "$0")" && pwd)"
N=$("$PYTHON" "$TOOLS/benchmark.py" "$SPEC" --count)
if [ "$N" -lt 1 ]; then echo "error: $SPEC: no jobs" >&2; exit 2; fi
sbatch -p "$PARTITION" --job-name="bench-$(basename "$SPEC" .yaml)" --array=0-$((N - 1)) \
    --gres=gpu:"$GPUS_PER_TASK" --cpus-per-task="$CPUS_PER_TASK" --output="slurm-%A_%a.out" "${@:3}" \
    --wrap="PYTHONPATH=$TOOLS/..:\${PYTHONPATH:-} $PYTHON -u $TOOLS/benchmark.py $SPEC --only \$SLURM_ARRAY_TASK_ID"
