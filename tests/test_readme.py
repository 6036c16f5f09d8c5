"""The README's tour runs as written, in a fresh folder, with the installed `backfire` command."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- readme-example:start -->\n```sh\n(.*?)```", text, flags=re.S)
    assert block, "README lost its tested example block"
    return [line.split("  #")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def backfire_exe() -> str:
    local = Path(sys.executable).parent / "backfire"
    found = str(local) if local.exists() else shutil.which("backfire")
    if not found:
        pytest.skip("the backfire console script is not installed")
    return found


@pytest.mark.slow
def test_readme_tour_runs(tmp_path: Path) -> None:
    exe = backfire_exe()
    env = {**os.environ, "BACKFIRE_DB": str(tmp_path / "tour.db"), "BACKFIRE_CONFIG": str(tmp_path / "none.toml")}
    outputs = {}
    for command in readme_commands():
        argv = shlex.split(command)
        assert argv[0] == "backfire"
        r = subprocess.run([exe, *argv[1:]], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, f"{command}\n{r.stderr[-3000:]}"
        outputs[argv[1]] = r.stdout
    assert (tmp_path / "report" / "index.html").exists()
    assert (tmp_path / "mynypd.csv").stat().st_size > 0
    verdicts = (tmp_path / "verdicts.jsonl").read_text().splitlines()
    posts = (tmp_path / "mynypd.jsonl").read_text().splitlines()
    assert len(verdicts) == len(posts)
    detected = json.loads(outputs["detect"])
    assert detected["alarms"], "the simulated hijack should raise an alarm"
