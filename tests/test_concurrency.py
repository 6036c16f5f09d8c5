"""Readers and writers at once on one SQLite store (issue 31): a long read never blocks a later write of the
same connection, two writers number rows without clashing, and equal times come back in a stable order."""

from __future__ import annotations

import threading
from pathlib import Path

from backfire.model import Verdict
from backfire.store import open_store
from conftest import make_post


def _verdict() -> Verdict:
    return Verdict(post_id="x", stance="neutral", p_hostile=0.1, sarcasm=0.0, sentiment=0.0, sentiment_label="neutral")


def test_writing_while_iterating_posts_when_another_process_committed(tmp_path: Path) -> None:
    """analyze reads posts in pages and saves verdicts between them while ingest commits from another
    connection: the write must not try to upgrade the old read snapshot ('database is locked')."""
    path = tmp_path / "s.db"
    reader, writer = open_store(path), open_store(path)
    writer.add_posts([make_post(i) for i in range(5000)], "c")
    seen = 0
    for post in reader.posts("c"):
        seen += 1
        if seen == 10:
            writer.add_posts([make_post(100_000 + i) for i in range(10)], "c")
            reader.save_verdicts("c", [(post.key, _verdict())])
    assert seen >= 5000
    assert reader.count_verdicts("c") == 1


def test_two_writers_number_rows_without_clashing(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    a, b = open_store(path), open_store(path)
    a.add_posts([make_post(i, minutes=0) for i in range(0, 50)], "c")
    b.add_posts([make_post(i, minutes=0) for i in range(50, 100)], "c")
    a.add_posts([make_post(i, minutes=0) for i in range(100, 150)], "c")
    seqs = a._rows("SELECT seq FROM campaign_posts", ())  # type: ignore[attr-defined]
    assert len({s for (s,) in seqs}) == 150
    ids = [p.id for p in a.posts("c")]
    assert ids == [p.id for p in b.posts("c")]
    assert ids == [str(i) for i in range(150)]  # arrival order breaks the tie in time


def test_concurrent_ingest_and_analysis_threads_lose_nothing(tmp_path: Path) -> None:
    """Two writers, a reader that writes verdicts and a counter, each on its own connection, at once."""
    path = tmp_path / "s.db"
    open_store(path).add_posts([make_post(i) for i in range(2000)], "c")
    errors: list[BaseException] = []

    def ingest(start: int) -> None:
        store = open_store(path)
        for k in range(20):
            store.add_posts([make_post(start + k * 100 + i, minutes=i) for i in range(100)], "c")

    def analyze() -> None:
        store = open_store(path)
        for _ in range(3):
            batch = []
            for post in store.posts("c"):
                batch.append((post.key, _verdict()))
                if len(batch) == 500:
                    store.save_verdicts("c", batch)
                    batch = []
            store.save_verdicts("c", batch)

    def guarded(fn: object, *args: int) -> None:
        try:
            fn(*args)  # type: ignore[operator]
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(ingest, 10_000)),
               threading.Thread(target=guarded, args=(ingest, 20_000)),
               threading.Thread(target=guarded, args=(analyze,))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    store = open_store(path)
    assert store.count_posts("c") == 6000
    seqs = store._rows("SELECT COUNT(DISTINCT seq) FROM campaign_posts", ())  # type: ignore[attr-defined]
    assert seqs[0][0] == 6000


def test_a_store_whose_writers_clashed_is_renumbered_in_arrival_order(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "s.db"
    open_store(path).add_posts([make_post(i, minutes=0) for i in range(6)], "c")
    with sqlite3.connect(path) as db:  # what two concurrent ingests of an earlier version left behind
        db.execute("UPDATE campaign_posts SET seq = (rowid + 1) / 2")
        db.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    store = open_store(path)
    assert len({s for (s,) in store._rows("SELECT seq FROM campaign_posts", ())}) == 6  # type: ignore[attr-defined]
    assert [p.id for p in store.posts("c")] == [str(i) for i in range(6)]


def test_reading_in_pages_uses_the_time_index(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db")
    plan = store._rows(  # type: ignore[attr-defined]
        "EXPLAIN QUERY PLAN SELECT c.created_at, c.seq FROM campaign_posts c JOIN posts p ON p.key = c.key "
        "WHERE c.campaign = ? AND (c.created_at, c.seq) > (?, ?) ORDER BY c.created_at, c.seq LIMIT 10", ("c", "", -1))
    text = " ".join(str(r[-1]) for r in plan)
    assert "campaign_posts_time" in text and "TEMP B-TREE" not in text
