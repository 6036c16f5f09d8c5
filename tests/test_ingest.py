"""Archive ingest: idempotent, resumable, bad lines quarantined with their line numbers, streaming."""

from __future__ import annotations

import json
from pathlib import Path

from backfire.ingest import file_cursor_name, ingest
from backfire.store import Store


def v1(i: int, text: str = "Proud of our officers #myNYPD") -> str:
    return json.dumps({
        "id_str": str(1000 + i), "created_at": f"Tue Apr 22 18:{i % 60:02d}:00 +0000 2014", "text": text,
        "user": {"id_str": str(i), "screen_name": f"user{i}", "followers_count": 10 + i},
        "entities": {"hashtags": [{"text": "myNYPD", "indices": [22, 29]}], "user_mentions": [], "urls": []},
    })


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_ingesting_twice_stores_each_post_once(fresh_store: Store, tmp_path: Path) -> None:
    f = write_lines(tmp_path / "a.jsonl", [v1(i) for i in range(30)])
    first = ingest(fresh_store, [f], "c")
    second = ingest(fresh_store, [f], "c")
    assert first.added == 30 and second.added == 0
    assert fresh_store.count_posts("c") == 30


def test_bad_lines_interleaved_are_quarantined_and_good_ones_kept(fresh_store: Store, tmp_path: Path) -> None:
    lines = []
    for i in range(20):
        lines.append(v1(i))
        if i % 5 == 2:
            lines.append('{"id_str": "truncated", "text": "half a rec')
    f = write_lines(tmp_path / "mixed.jsonl", lines)
    report = ingest(fresh_store, [f], "c", batch_size=3)
    assert report.added == 20
    assert report.quarantined == 4
    bad_lines = [q.line for q in fresh_store.quarantined("c")]
    expected = [n for n, line in enumerate(lines, start=1) if "truncated" in line]
    assert bad_lines == expected
    assert report.summary() == "Ingested 20 posts, 4 quarantined (see backfire quarantine)"


def test_an_interrupted_ingest_resumes_from_its_cursor(fresh_store: Store, tmp_path: Path) -> None:
    f = write_lines(tmp_path / "a.jsonl", [v1(i) for i in range(40)])
    # pretend an earlier run committed the first 25 records of this exact file
    fresh_store.add_posts([], "c", cursor=(file_cursor_name(f, "c"), "25"))
    report = ingest(fresh_store, [f], "c", batch_size=10)
    assert report.resumed == 25
    assert report.added == 15
    assert fresh_store.get_cursor(file_cursor_name(f, "c")) == "40"


def test_a_changed_file_is_read_again(fresh_store: Store, tmp_path: Path) -> None:
    f = write_lines(tmp_path / "a.jsonl", [v1(i) for i in range(5)])
    ingest(fresh_store, [f], "c")
    write_lines(f, [v1(i) for i in range(8)])
    assert ingest(fresh_store, [f], "c").added == 3


def test_csv_ingest_keeps_input_order_and_ids(fresh_store: Store, tmp_path: Path) -> None:
    f = tmp_path / "p.csv"
    f.write_text("id,created_at,author,text\nc1,2014-04-22T18:00:00Z,alice,Proud #myNYPD\n"
                 "c2,2014-04-22T18:01:00Z,bob,Kettled again #myNYPD\n", encoding="utf-8")
    assert ingest(fresh_store, [f], "c").added == 2
    assert [p.id for p in fresh_store.posts("c")] == ["c1", "c2"]


def test_an_unreadable_file_is_reported_and_the_others_ingested(fresh_store: Store, tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\x01 this is not any archive format \xff\n")
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    good = write_lines(tmp_path / "good.jsonl", [v1(i) for i in range(3)])
    report = ingest(fresh_store, [junk, empty, good], "c")
    assert report.added == 3
    assert report.quarantined == 1
    assert [q.path for q in fresh_store.quarantined("c")] == [str(junk)]
