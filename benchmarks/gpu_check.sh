#!/usr/bin/env bash
# One command for every GPU check (see benchmarks/gpu_check.py). Run from the repository root:
#
#   bash benchmarks/gpu_check.sh [gpu_check.py args, e.g. --device cpu]
#
# Installs the carried wheels (.whl/: the project's transformers 4.x, tokenizers, huggingface_hub,
# hydra-core, omegaconf, antlr4, seqeval + scikit-learn, requests, ...) into $SITE without touching
# the image's packages, points XNER_DATA at the carried data (.gpudata/), and writes
# $OUT/gpu_check.log and $OUT/gpu_check.json.
#   PY=python3  SITE=/tmp/site  INSTALL=1 (0: $SITE is already populated)  OUT=./gpu_check_out
#   TIMEOUT=420 (seconds for the whole python script)
set -uo pipefail
cd "$(dirname "$0")/.."
if [ -z "${PY:-}" ]; then  # the GPU image's Python (torch + CUDA) when there, else python3 on PATH
  if [ -x /opt/torch/.venv/bin/python3 ]; then PY=/opt/torch/.venv/bin/python3; else PY=python3; fi
fi
SITE=${SITE:-/tmp/site}
OUT=${OUT:-$PWD/gpu_check_out}
mkdir -p "$OUT"
LOG="$OUT/gpu_check.log"
: > "$LOG"
rm -rf /tmp/xner-gpucheck
t0=$(date +%s)
if [ "${INSTALL:-1}" = 1 ]; then
  if "$PY" -m pip --version >/dev/null 2>&1; then
    if ! "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$SITE" \
        .whl/*.whl >>"$LOG" 2>&1; then
      echo "[gpu_check.sh] wheel install failed:" | tee -a "$LOG"; tail -20 "$LOG"
    fi
  else  # an image without pip: a wheel is a zip of the site-packages tree (scripts in *.data/ not needed)
    echo "[gpu_check.sh] no pip for $PY: unzipping the wheels into $SITE" | tee -a "$LOG"
    "$PY" -c 'import sys, zipfile; [zipfile.ZipFile(w).extractall(sys.argv[1]) for w in sys.argv[2:]]' \
      "$SITE" .whl/*.whl 2>&1 | tee -a "$LOG"
  fi
  echo "[gpu_check.sh] wheels installed into $SITE in $(( $(date +%s) - t0 ))s" | tee -a "$LOG"
fi
export PYTHONPATH="$SITE:$PWD${PYTHONPATH:+:$PYTHONPATH}"
if [ -d "$PWD/.gpudata" ]; then export XNER_DATA="$PWD/.gpudata"; fi
export WANDB_MODE=offline WANDB_SILENT=true
export XNER_HOME=${XNER_HOME:-/tmp/xner-home}
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
{ command -v nvidia-smi >/dev/null && nvidia-smi -L; "$PY" --version; } 2>&1 | tee -a "$LOG"
timeout -k 10 "${TIMEOUT:-420}" "$PY" benchmarks/gpu_check.py --out "$OUT" --work /tmp/xner-gpucheck "$@" 2>&1 \
  | tee -a "$LOG"
rc=${PIPESTATUS[0]}
echo "[gpu_check.sh] exit $rc after $(( $(date +%s) - t0 ))s; results in $OUT/gpu_check.json" | tee -a "$LOG"
exit "$rc"
