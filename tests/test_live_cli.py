"""`backfire watch` as a process: kill -9 and restart lose nothing and store nothing twice; SIGTERM
commits and prints the summary; the pipeline runs on what is stored."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from backfire.live.replay import JetstreamReplay, JetstreamScript, ListLog, ServerThread, SyntheticJetstream, read_jsonl
from backfire.store import open_store

DATA = Path(__file__).parent / "data" / "live"
CAMPAIGN = "nypd"
CURSOR = f"jetstream:{CAMPAIGN}"

pytestmark = pytest.mark.timeout(90)


def watch_cmd(url: str, db: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "backfire.cli", "watch", "--source", "jetstream", "--tag", "myNYPD",
            "--campaign", CAMPAIGN, "--url", url, "--db", str(db), *extra]


def start(cmd: list[str]) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def committed(db: Path) -> tuple[int, int, str | None]:
    """(posts, distinct posts, cursor) as another reader sees the store right now."""
    if not db.exists():
        return 0, 0, None
    con = sqlite3.connect(db, timeout=30)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "cursors" not in tables:
            return 0, 0, None
        total, distinct = con.execute(
            "SELECT COUNT(*), COUNT(DISTINCT key) FROM campaign_posts WHERE campaign = ?", (CAMPAIGN,)
        ).fetchone()
        row = con.execute("SELECT value FROM cursors WHERE name = ?", (CURSOR,)).fetchone()
        return int(total), int(distinct), row[0] if row else None
    finally:
        con.close()


def wait_for_posts(db: Path, proc: subprocess.Popen[str], at_least: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while committed(db)[0] < at_least:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the watcher stored too little in time"
        time.sleep(0.05)


def consistent(log: SyntheticJetstream, db: Path) -> tuple[int, int]:
    """Posts stored are exactly those of the events up to the committed cursor, each once."""
    total, distinct, cursor = committed(db)
    assert total == distinct
    assert cursor is not None
    upto = log.index_at(int(cursor)) + 1
    assert total == log.kept_count(upto)
    return total, upto


def test_kill_9_and_restart_lose_nothing_and_store_nothing_twice(tmp_path: Path) -> None:
    log = SyntheticJetstream(20_000, step_us=1000)
    db = tmp_path / "watch.db"
    with ServerThread(JetstreamReplay(log, JetstreamScript(rate=4000))) as server:
        for at_least in (2_000, 6_000):
            proc = start(watch_cmd(server.url, db, "--no-pipeline", "--batch-ms", "100"))
            wait_for_posts(db, proc, at_least)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            consistent(log, db)  # whatever moment the kill hit, posts and cursor agree
        proc = start(watch_cmd(server.url, db, "--no-pipeline", "--idle-exit", "1.5", "--json"))
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    total, upto = consistent(log, db)
    assert upto == len(log) and total == log.kept_count() == 14_000
    summary = json.loads(out)
    assert summary["stop_reason"].startswith("no events for 1.5 s")
    assert server.server.connections == 3  # type: ignore[attr-defined]
    resumed = [int(q["cursor"][0]) for q in server.server.queries[1:]]  # type: ignore[attr-defined]
    assert all(c > log.time_us(0) for c in resumed)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_or_ctrl_c_commits_the_batch_and_prints_the_summary(tmp_path: Path, sig: signal.Signals) -> None:
    log = SyntheticJetstream(50_000, step_us=1000)
    db = tmp_path / "watch.db"
    with ServerThread(JetstreamReplay(log, JetstreamScript(rate=3000))) as server:
        proc = start(watch_cmd(server.url, db, "--no-pipeline", "--batch-size", "100000", "--batch-ms", "60000"))
        replay = server.server
        deadline = time.monotonic() + 30
        while replay.sent < 3000:  # type: ignore[attr-defined]  # connected: signal handlers are in place
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        assert committed(db)[0] == 0  # nothing due yet: one big batch is pending
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    total, _ = consistent(log, db)
    assert total > 1000
    assert f"received {sig.name}" in err and "posts stored" in err
    assert f"posts stored     {total:,}" in err


def test_watch_runs_the_pipeline_and_reports_max_events(tmp_path: Path) -> None:
    db = tmp_path / "watch.db"
    with ServerThread(JetstreamReplay(ListLog(read_jsonl(DATA / "jetstream_events.jsonl")))) as server:
        proc = start(watch_cmd(server.url, db, "--max-events", "15", "--json", "--model", "baseline"))
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    summary = json.loads(out)
    assert summary["events"] == 15 and summary["posts_stored"] == 8
    assert summary["stop_reason"] == "reached --max-events"
    with open_store(db) as store:
        assert store.count_posts(CAMPAIGN) == 8
        assert len(store.verdicts(CAMPAIGN)) == 8  # every stored post went through classification
        assert store.campaign(CAMPAIGN) is not None


def test_watch_refuses_compression_without_a_dictionary(tmp_path: Path) -> None:
    proc = subprocess.run(watch_cmd("ws://127.0.0.1:9/subscribe", tmp_path / "x.db", "--compress"),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "zstd dictionary" in proc.stderr


def test_watch_still_collects_when_the_pipeline_cannot_start(tmp_path: Path) -> None:
    db = tmp_path / "watch.db"
    with ServerThread(JetstreamReplay(ListLog(read_jsonl(DATA / "jetstream_events.jsonl")))) as server:
        proc = start(watch_cmd(server.url, db, "--max-events", "15", "--model", "no-such-model"))
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Collecting only" in err
    with open_store(db) as store:
        assert store.count_posts(CAMPAIGN) == 8
