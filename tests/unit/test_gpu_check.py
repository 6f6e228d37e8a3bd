"""``scripts/gpu-check.sh``: its CPU half runs here through the same entry points as on a GPU machine."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_gpu_check_cpu_half_prints_its_table() -> None:
    out = subprocess.run(["bash", str(ROOT / "scripts" / "gpu-check.sh"), "--devices", "cpu", "--scales", "1",
                          "--epochs", "5", "--months", "3"], capture_output=True, text=True, timeout=600, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    rows = [line for line in out.stdout.splitlines() if line.startswith("| x1 | cpu |")]
    assert len(rows) == 1, out.stdout
    train_s, auc, embed = re.match(r"\| x1 \| cpu \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \(3 month-ends\) \| – \|",
                                   rows[0]).groups()
    assert float(train_s) > 0 and 0.0 <= float(auc) <= 1.0 and float(embed) >= 0  # embedding 3 months may round to 0


def test_gpu_check_refuses_cuda_without_a_device() -> None:
    import torch

    if torch.cuda.is_available():
        return  # on a GPU machine cuda is a valid choice
    out = subprocess.run(["bash", str(ROOT / "scripts" / "gpu-check.sh"), "--devices", "cuda", "--scales", "1"],
                         capture_output=True, text=True, timeout=600, check=False)
    assert out.returncode == 2 and "no CUDA device is visible" in out.stderr
