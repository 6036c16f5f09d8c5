"""Ingest keeps each record's text as read (orjson parses JSON Lines; the store writes the line itself),
and what the speed-ups must not change: readers of `raw`, embedded originals, the json module's
leniency, the collector's state, originals that become direct later."""

from __future__ import annotations

import gc
import json
import sqlite3
from pathlib import Path

import pytest

from backfire.ingest import gc_paused, ingest
from backfire.model import Post, RawRecord
from backfire.sources import read_posts
from backfire.store import SQLiteStore

TWEET = {"id_str": "1", "created_at": "Tue Apr 22 18:02:11 +0000 2014", "text": "Proud #myNYPD",
         "user": {"id_str": "9", "screen_name": "fan"}, "lang": "en"}
RETWEET = {"id_str": "2", "created_at": "Tue Apr 22 18:03:11 +0000 2014", "text": "RT @fan: Proud #myNYPD",
           "user": {"id_str": "8", "screen_name": "rt"}, "retweeted_status": TWEET}


def _raw_column(db: Path, key: str) -> str:
    with sqlite3.connect(db) as con:
        return str(con.execute("SELECT raw FROM posts WHERE key = ?", (key,)).fetchone()[0])


def test_the_line_as_read_is_the_stored_raw_record(tmp_path: Path) -> None:
    line = '{"id_str": "1",   "created_at": "Tue Apr 22 18:02:11 +0000 2014", "text": "caf\\u00e9 \u00fc",' \
           ' "user": {"id_str": "9", "screen_name": "fan"}, "n": 1.50}'
    path = tmp_path / "a.jsonl"
    path.write_text(line + "\r\n", encoding="utf-8")
    store = SQLiteStore(tmp_path / "s.db")
    assert ingest(store, [path], "c", "twitter-v1").added == 1
    assert _raw_column(tmp_path / "s.db", "twitter:1") == line  # spacing, escapes and 1.50 as written
    post = store.get_post("twitter:1")
    assert post is not None and post.raw == json.loads(line)


def test_embedded_originals_keep_their_part_of_the_record(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps(RETWEET) + "\n", encoding="utf-8")
    store = SQLiteStore(tmp_path / "s.db")
    ingest(store, [path], "c", "twitter-v1")
    assert json.loads(_raw_column(tmp_path / "s.db", "twitter:1")) == TWEET
    assert json.loads(_raw_column(tmp_path / "s.db", "twitter:2")) == RETWEET


def test_what_only_the_json_module_reads_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    bom = "\ufeff" + json.dumps(TWEET)
    nan = json.dumps({**TWEET, "id_str": "3", "score": float("nan")})  # NaN: not JSON, read as before
    path.write_text(f"{bom}\n{nan}\n{{broken\n", encoding="utf-8")
    items = list(read_posts(path, "twitter-v1"))
    assert [getattr(i, "id", None) for i in items[:2]] == ["1", "3"]
    assert getattr(items[2], "reason", "").startswith("malformed JSON")


def test_array_elements_keep_their_text(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    element = '{ "id_str": "1", "created_at": "Tue Apr 22 18:02:11 +0000 2014", "text": "hi",\n' \
              '  "user": {"screen_name": "fan"} }'
    path.write_text(f"[\n{element},\n{json.dumps({**TWEET, 'id_str': '5'})}\n]\n", encoding="utf-8")
    posts = [p for p in read_posts(path, "twitter-v1") if isinstance(p, Post)]
    assert isinstance(posts[0].raw, RawRecord) and posts[0].raw.text == element


def test_a_changed_record_forgets_its_text() -> None:
    record = RawRecord({"a": 1}, '{"a": 1}')
    record["b"] = 2
    assert record.text is None
    record = RawRecord({"a": 1}, '{"a": 1}')
    record.setdefault("a", 5)
    assert record.text == '{"a": 1}'
    record.update(a=2)
    assert record.text is None


def test_an_original_seen_embedded_becomes_direct_in_a_later_batch(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps(RETWEET) + "\n" + json.dumps(TWEET) + "\n", encoding="utf-8")
    store = SQLiteStore(tmp_path / "s.db")
    report = ingest(store, [path], "c", "twitter-v1", batch_size=1)
    assert (report.added, report.duplicates) == (2, 0)
    assert store.count_posts("c", direct_only=True) == 2


def test_the_collector_is_left_as_it_was() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_paused():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
