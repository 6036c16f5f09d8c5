"""`backfire watch --campaigns FILE` as a process: per-campaign alerts, summary and cursors; kill -9 and
restart lose nothing for any campaign; clear refusals."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from backfire.cli import app
from backfire.live import JetstreamSource, Watcher
from backfire.live.replay import JetstreamReplay, JetstreamScript, ListLog, ServerThread
from backfire.live.replay.campaigns import campaign_streams
from backfire.store import open_store

pytestmark = pytest.mark.timeout(150)

CAMPAIGNS = {"nypd": ["myNYPD"], "sky": ["SkyLuxury"], "both": ["myNYPD", "SkyLuxury"]}


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> ListLog:
    log, _ = campaign_streams(tmp_path_factory.mktemp("log"), [("mynypd", 2014, None),
                              ("steady-critics", 1, "airline")], hours=4, shared=6)
    return log


@pytest.fixture(scope="module")
def expected(log: ListLog, tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    """How many posts each campaign stores when watched alone."""
    folder = tmp_path_factory.mktemp("alone")
    counts = {}
    for name, tags in CAMPAIGNS.items():
        with open_store(folder / f"{name}.db") as own:
            async def run(tags: list[str] = tags, name: str = name) -> None:
                server = JetstreamReplay(log)
                url = await server.start()
                try:
                    await Watcher(JetstreamSource(tags, name, url), own, name, handle_signals=False,
                                  idle_exit=1.0).run()
                finally:
                    await server.stop()

            asyncio.run(run())
            counts[name] = own.count_posts(name)
    return counts


class Hook:
    """A loopback webhook that records the JSON bodies posted to it."""

    def __init__(self) -> None:
        self.bodies: list[Any] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                outer.bodies.append(json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0)))))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()


@pytest.fixture
def hooks() -> Iterator[dict[str, Hook]]:
    made = {"nypd": Hook(), "sky": Hook()}
    yield made
    for hook in made.values():
        hook.server.shutdown()
        hook.server.server_close()


def campaigns_file(path: Path, hooks: dict[str, Hook] | None = None) -> Path:
    lines = []
    for name, tags in CAMPAIGNS.items():
        lines += ["[[campaign]]", f'name = "{name}"', f"tags = {json.dumps(tags)}"]
        if hooks and name in hooks:
            lines.append(f'webhook_url = "{hooks[name].url}"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def watch(url: str, db: Path, file: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "backfire.cli", "watch", "--source", "jetstream", "--campaigns", str(file),
            "--url", url, "--db", str(db), *extra]


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKFIRE_")}
    return {**env, "PYTHONUNBUFFERED": "1", "BACKFIRE_CONFIG": os.devnull}


def links(db: Path) -> dict[str, tuple[int, int]]:
    """(links, distinct posts) per campaign, as another reader sees the store right now."""
    if not db.exists():
        return {}
    con = sqlite3.connect(db, timeout=30)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "campaign_posts" not in tables:
            return {}
        rows = con.execute("SELECT campaign, COUNT(*), COUNT(DISTINCT key) FROM campaign_posts GROUP BY campaign")
        return {name: (int(n), int(d)) for name, n, d in rows}
    finally:
        con.close()


def test_each_campaign_alerts_on_its_own_channel_and_reports_its_own_counts(
        log: ListLog, expected: dict[str, int], hooks: dict[str, Hook], tmp_path: Path) -> None:
    db = tmp_path / "many.db"
    file = campaigns_file(tmp_path / "campaigns.toml", hooks)
    with ServerThread(JetstreamReplay(log)) as server:
        proc = subprocess.run(watch(server.url, db, file, "--idle-exit", "1.5", "--json", "--model", "baseline"),
                              capture_output=True, text=True, timeout=120, env=clean_env())
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["events"] == len(log)
    per = summary["campaigns"]
    assert {name: per[name]["posts_stored"] for name in CAMPAIGNS} == expected
    assert per["nypd"]["pipeline"]["alarms"] >= 1 and per["sky"]["pipeline"]["alarms"] == 0
    assert per["nypd"]["cursor"] == per["sky"]["cursor"] == str(log.event(len(log) - 1)["time_us"])
    assert hooks["nypd"].bodies and all(b["campaign"] == "nypd" for b in hooks["nypd"].bodies)
    assert hooks["sky"].bodies == []  # the calm campaign's channel heard nothing
    assert "hijack suspected on #myNYPD (campaign nypd)" in proc.stderr
    assert "campaigns        3" in proc.stderr and "nypd" in proc.stderr
    with open_store(db) as store:
        assert {c.name for c in store.campaigns()} >= set(CAMPAIGNS)
        for name in CAMPAIGNS:
            assert store.count_verdicts(name) == store.count_posts(name) == expected[name]


def test_kill_9_and_restart_lose_nothing_for_any_campaign(
        log: ListLog, expected: dict[str, int], tmp_path: Path) -> None:
    db = tmp_path / "many.db"
    file = campaigns_file(tmp_path / "campaigns.toml")
    with ServerThread(JetstreamReplay(log, JetstreamScript(rate=3000))) as server:
        proc = subprocess.Popen(watch(server.url, db, file, "--no-pipeline", "--batch-ms", "100"),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env())
        deadline = time.monotonic() + 60
        # (read only once the watcher has set the store up: WAL mode, the tables)
        while not Path(f"{db}-wal").exists() or sum(n for n, _ in links(db).values()) < 1500:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        partial = links(db)
        assert all(n == d for n, d in partial.values())
        assert sum(n for n, _ in partial.values()) < sum(expected.values())  # killed mid-stream
        done = subprocess.run(watch(server.url, db, file, "--no-pipeline", "--idle-exit", "1.5", "--json"),
                              capture_output=True, text=True, timeout=120, env=clean_env())
    assert done.returncode == 0, done.stderr
    final = links(db)
    assert {name: final[name] for name in CAMPAIGNS} == {name: (n, n) for name, n in expected.items()}
    summary = json.loads(done.stdout)["campaigns"]
    assert all(summary[name]["posts_stored"] == expected[name] - partial.get(name, (0, 0))[0] for name in CAMPAIGNS)


def test_the_campaigns_file_and_the_single_campaign_flags_are_clear_alternatives(tmp_path: Path) -> None:
    runner = CliRunner()
    file = campaigns_file(tmp_path / "campaigns.toml")
    base = ["watch", "--source", "jetstream", "--url", "ws://127.0.0.1:9/subscribe", "--db", str(tmp_path / "x.db")]
    both = runner.invoke(app, [*base, "--campaigns", str(file), "--tag", "myNYPD"])
    assert both.exit_code == 2 and "leave out --tag" in both.stderr
    neither = runner.invoke(app, base)
    assert neither.exit_code == 2 and "--campaigns FILE" in neither.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text('[[campaign]]\nname = "x"\ntags = ["a"]\nwebhook = "http://x"\n', encoding="utf-8")
    typo = runner.invoke(app, [*base, "--campaigns", str(bad)])
    assert typo.exit_code == 2 and "unknown settings webhook" in typo.stderr
    empty = tmp_path / "empty.json"
    empty.write_text('{"campaigns": []}', encoding="utf-8")
    assert runner.invoke(app, [*base, "--campaigns", str(empty)]).exit_code == 2
