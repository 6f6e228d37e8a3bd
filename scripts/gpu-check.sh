#!/usr/bin/env bash
# CPU against CUDA, x1 and x20, training and backfill inference, one table (issue #19).
# On a machine with CUDA: bash scripts/gpu-check.sh            (both devices, both scales, 300 epochs)
# Anywhere: bash scripts/gpu-check.sh --devices cpu --scales 1 --epochs 5 --months 3
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
python=$(bash scripts/bootstrap.sh)
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
exec "$python" -m benchmarks.gpu_check "$@"
