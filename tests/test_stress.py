"""The stress benchmark at a small size (issue 31): two ingests, analyze, export, report and the dashboard on
one store at once, then kill -9 during ingest; every count exact."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_stress_benchmark_counts_are_exact() -> None:
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "stress.py"), "--posts", "4000", "--kills", "2"],
                       capture_output=True, text=True, timeout=580)
    assert r.returncode == 0, r.stdout + r.stderr[-3000:]
    assert "all counts exact" in r.stdout
