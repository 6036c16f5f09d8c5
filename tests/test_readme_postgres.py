"""The README's PostgreSQL example runs as written, against the test server, with the installed `backfire`."""

from __future__ import annotations

import csv
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from test_readme import backfire_exe

ROOT = Path(__file__).resolve().parent.parent
README_URL = "postgresql://backfire@127.0.0.1:5432/backfire"


def postgres_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- readme-postgres:start -->\n```sh\n(.*?)```", text, flags=re.S)
    assert block, "README lost its tested PostgreSQL example"
    return [line.split("  #")[0].strip() for line in block.group(1).splitlines() if line.strip()]


@pytest.mark.slow
def test_readme_postgres_example_runs(tmp_path: Path, postgres_url: str) -> None:
    exe = backfire_exe()
    env = {**os.environ, "BACKFIRE_CONFIG": str(tmp_path / "none.toml")}
    env.pop("BACKFIRE_DB", None)
    env.pop("BACKFIRE_STORE", None)
    commands = postgres_commands()
    assert any(README_URL in c for c in commands)
    for command in commands:
        argv = [postgres_url if a == README_URL else a for a in shlex.split(command)]
        assert argv[0] == "backfire"
        r = subprocess.run([exe, *argv[1:]], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, f"{command}\n{r.stderr[-3000:]}"
    assert not list(tmp_path.glob("*.db")), "no SQLite file: everything went to PostgreSQL"
    rows = list(csv.DictReader((tmp_path / "mynypd.csv").open(encoding="utf-8")))
    assert len(rows) == len((tmp_path / "mynypd.jsonl").read_text().splitlines())
    assert {"stance", "p_hostile"} <= set(rows[0])
