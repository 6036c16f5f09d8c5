"""Which store a command uses: `--db`/`--store` (a SQLite path or a postgresql:// URL), BACKFIRE_STORE,
BACKFIRE_DB, the config file's `store` or `db`; the whole CLI run against the PostgreSQL store; and the
URL's password never printed."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backfire import settings
from backfire.cli import app

CSV = ("id,created_at,author,text\n"
       "c1,2014-04-22T18:00:00Z,alice,Proud of our officers today #myNYPD\n"
       "c2,2014-04-22T18:01:00Z,bob,Baton charge #myNYPD\n"
       "c3,2014-04-22T18:02:00Z,carol,Such gentle crowd control from @NYPDnews #myNYPD\n")


def test_the_store_setting_wins_over_db_and_the_flag_over_both(monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:
    config = tmp_path / "backfire.toml"
    config.write_text('db = "from-config-db.db"\n', encoding="utf-8")
    monkeypatch.setenv("BACKFIRE_CONFIG", str(config))
    assert settings.DB.resolve(None) == "from-config-db.db"
    config.write_text('db = "from-config-db.db"\nstore = "postgresql://u@h/from-config"\n', encoding="utf-8")
    assert settings.DB.resolve(None) == "postgresql://u@h/from-config"
    monkeypatch.setenv("BACKFIRE_DB", "env-db.db")
    assert settings.DB.resolve(None) == "env-db.db"
    monkeypatch.setenv("BACKFIRE_STORE", "postgresql://u@h/env")
    assert settings.DB.resolve(None) == "postgresql://u@h/env"
    assert settings.DB.resolve("flag.db") == "flag.db"


def test_settings_show_the_store_url_without_its_password(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKFIRE_STORE", "postgresql://bf:hunter22@db.example.org:5432/backfire")
    r = runner.invoke(app, ["settings"])
    assert r.exit_code == 0, r.output
    assert "hunter22" not in r.output and "postgresql://bf:***@db.example.org:5432/backfire" in r.output


def test_the_cli_runs_on_the_postgresql_store(runner: CliRunner, tmp_path: Path, postgres_url: str) -> None:
    data = tmp_path / "posts.csv"
    data.write_text(CSV, encoding="utf-8")
    r = runner.invoke(app, ["ingest", str(data), "--campaign", "c", "--tag", "myNYPD", "--store", postgres_url])
    assert r.exit_code == 0, r.output
    assert "Ingested 3 posts" in r.output
    r = runner.invoke(app, ["ingest", str(data), "--campaign", "c", "--db", postgres_url])
    assert "Ingested 0 posts" in r.output
    out = tmp_path / "e.csv"
    r = runner.invoke(app, ["export", "c", "-o", str(out), "--format", "csv", "--store", postgres_url,
                            "--model", "baseline"])
    assert r.exit_code == 0, r.output
    assert [row["id"] for row in csv.DictReader(out.open(encoding="utf-8"))] == ["c1", "c2", "c3"]
    r = runner.invoke(app, ["analyze", "c", "--model", "baseline", "--json"], env={"BACKFIRE_STORE": postgres_url})
    assert r.exit_code == 0, r.output


def test_errors_name_the_store_without_its_password(runner: CliRunner, postgres_url: str) -> None:
    from urllib.parse import urlsplit

    user = urlsplit(postgres_url).username
    url = postgres_url.replace(f"{user}@", f"{user}:hunter22@", 1)  # the test server trusts loopback: ignored
    r = runner.invoke(app, ["export", "nope", "--store", url])
    assert r.exit_code == 2 and "No campaign named 'nope'" in r.output
    assert "hunter22" not in r.output and f"{user}:***@" in r.output.replace("\n", "")


def test_an_unreachable_store_is_one_line_and_exit_2_not_a_traceback(tmp_path: Path) -> None:
    import socket
    import subprocess
    import sys

    with socket.socket() as s:  # a loopback port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (tmp_path / "a.csv").write_text(CSV)
    url = f"postgresql://someone:hunter22@127.0.0.1:{port}/nowhere"
    r = subprocess.run([sys.executable, "-m", "backfire.cli", "ingest", str(tmp_path / "a.csv"), "--store", url],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and "cannot open the PostgreSQL store" in r.stderr
    assert "hunter22" not in r.stderr + r.stdout and "someone:***@" in r.stderr.replace("\n", "")
