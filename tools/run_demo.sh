#!/usr/bin/env bash
# The README's main job, on the embedded phantom data (the spleen paper's two phases, CPU schedule):
#   1. SegFormer-B0 + BCE-Dice from scratch through tools/train.py (phase 1);
#   2. the phase-1 checkpoint becomes the generator of the Pix2Pix refinement (phase 2);
#   3. tools/test.py on the test split: metrics table (per-class P/R/IoU/Dice, kappa, MPLE), per-image CSV,
#      overlay PNGs; training curves of both phases plotted.
#   bash tools/run_demo.sh             # work dir: work_dirs/demo (override with WORK_DIR=...)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash tools/setup_env.sh
PY="${ORGANSEG_VENV:-.venv}/bin/python"
W="${WORK_DIR:-work_dirs/demo}"
P1=configs/spleen/segformer_b0_bcedice_phantom-spleen-128x128.py
P2=configs/spleen/segformer_b0_pix2pix_phantom-spleen-128x128.py

"$PY" datasets_prep/make_phantoms.py --out data/phantom --seed 0 --num-spleen 96 --num-liver 24
"$PY" tools/train.py "$P1" --work-dir "$W/phase1"
CKPT1="$(cat "$W/phase1/last_checkpoint")"
"$PY" tools/train.py "$P2" --work-dir "$W/phase2" --cfg-options "load_from=$CKPT1"
CKPT2="$(cat "$W/phase2/last_checkpoint")"
"$PY" tools/test.py "$P2" "$CKPT2" --work-dir "$W/test" --show-dir "$W/overlays" \
  --cfg-options "test_evaluator.csv_file=$W/test/per_image.csv"
"$PY" tools/analysis/plot_curves.py "$W/phase1" --out "$W/phase1_curves.png"
"$PY" tools/analysis/plot_curves.py "$W/phase2" --out "$W/phase2_curves.png"
echo "[demo] phase-1 checkpoint: $CKPT1"
echo "[demo] phase-2 checkpoint: $CKPT2"
echo "[demo] per-image metrics:  $W/test/per_image.csv"
echo "[demo] overlays:           $W/overlays/vis_data/vis_image/"
echo "[demo] curves:             $W/phase1_curves.png $W/phase2_curves.png"
