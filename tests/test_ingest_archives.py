"""Ingest of archives as their owners wrote them: nothing lost, nothing double, edits, deletes, privacy."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import shapes as S
from backfire.ingest import ingest
from backfire.model import Deletion
from backfire.store import Store, open_store
from test_sources_real_shapes import mastodon_privacy, mastodon_py_replies, twarc_edits, v2_default_fields_page


def jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def texts(store: Store, campaign: str, **kw: Any) -> list[str]:
    return [p.text for p in store.posts(campaign, **kw)]


def test_csv_files_without_ids_do_not_take_each_others_ids(fresh_store: Store, tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    a.write_text("text,author\nProud #myNYPD,alice\nThank you #myNYPD,bob\n", encoding="utf-8")
    b.write_text("text,author\nKettled #myNYPD,carol\nBatons out #myNYPD,dan\n", encoding="utf-8")
    c.write_text("text,author\nA third file #myNYPD,erin\n", encoding="utf-8")
    assert ingest(fresh_store, [a], "c").added == 2
    assert ingest(fresh_store, [b], "c").added == 2
    assert ingest(fresh_store, [c], "c").added == 1
    assert sorted(texts(fresh_store, "c")) == sorted(["Proud #myNYPD", "Thank you #myNYPD", "Kettled #myNYPD",
                                                      "Batons out #myNYPD", "A third file #myNYPD"])
    copy = tmp_path / "copy-of-a.csv"  # the same rows under another name are the same posts
    copy.write_text(a.read_text(encoding="utf-8"), encoding="utf-8")
    report = ingest(fresh_store, [copy], "c")
    assert (report.added, report.duplicates) == (0, 2)


def test_repeated_rows_of_one_csv_are_all_kept(fresh_store: Store, tmp_path: Path) -> None:
    f = tmp_path / "rt.csv"
    f.write_text("text\nRT @critic: batons #myNYPD\nRT @critic: batons #myNYPD\n", encoding="utf-8")
    assert ingest(fresh_store, [f], "c").added == 2


def test_the_same_file_fills_a_second_campaign(fresh_store: Store, tmp_path: Path) -> None:
    f = jsonl(tmp_path / "s.jsonl", [S.v1_tweet(str(455000000000000500 + i), f"Post {i} #myNYPD") for i in range(5)])
    assert ingest(fresh_store, [f], "A").added == 5
    report = ingest(fresh_store, [f], "B")
    assert (report.added, report.resumed) == (5, 0)
    assert fresh_store.count_posts("B") == 5 and fresh_store.count_posts() == 5  # stored once, in both
    assert ingest(fresh_store, [f], "B").resumed == 5  # and B resumes on its own cursor


def test_placeholder_media_keeps_the_retweet(fresh_store: Store, tmp_path: Path) -> None:
    from test_sources_real_shapes import twarc_placeholder_media

    report = ingest(fresh_store, [jsonl(tmp_path / "flat.jsonl", twarc_placeholder_media())], "c")
    assert (report.added, report.quarantined) == (1, 0)


def test_mastodon_edits_keep_the_latest_version_and_the_history(fresh_store: Store, tmp_path: Path) -> None:
    first = S.status("112000000000000001", "<p>Proud of our officers #myNYPD</p>")
    edited = {**first, "content": "<p>Proud of our officers, mostly #myNYPD</p>",
              "edited_at": "2024-05-02T14:10:00.000Z"}
    f = jsonl(tmp_path / "stream.jsonl", [S.stream("update", first), S.stream("status.update", edited)])
    report = ingest(fresh_store, [f], "c")
    assert (report.added, report.edited) == (1, 1) and "1 edited" in report.summary()
    assert texts(fresh_store, "c") == ["Proud of our officers, mostly #myNYPD"]
    key = f"mastodon:{first['uri']}"
    assert [p.text for p in fresh_store.versions(key)] == ["Proud of our officers #myNYPD",
                                                           "Proud of our officers, mostly #myNYPD"]
    older = jsonl(tmp_path / "older.jsonl", [first])  # an older copy read later does not win
    ingest(fresh_store, [older], "c")
    assert texts(fresh_store, "c") == ["Proud of our officers, mostly #myNYPD"]


def test_twitter_v2_edits_are_one_post(fresh_store: Store, tmp_path: Path) -> None:
    report = ingest(fresh_store, [jsonl(tmp_path / "e.jsonl", twarc_edits())], "c")
    assert report.added == 1 and fresh_store.count_posts("c") == 1
    assert texts(fresh_store, "c") == ["Come meet your officers #myNYPD"]


def test_deletes_of_every_source_mark_posts_deleted(fresh_store: Store, tmp_path: Path) -> None:
    did = "did:plc:walker0000000000000000"
    status = S.status("112000000000000001", "<p>gone soon #myNYPD</p>")
    files = [
        jsonl(tmp_path / "m.jsonl", [S.stream("update", status), S.stream("delete", "112000000000000001")]),
        jsonl(tmp_path / "j.jsonl", [S.jet_post(did, "3kaaa", "gone soon #myNYPD"), S.jet_delete(did, "3kaaa")]),
        jsonl(tmp_path / "t.jsonl", [S.v1_tweet("455000000000000001", "gone soon #myNYPD"),
                                     S.v1_tweet("455000000000000002", "stays #myNYPD"),
                                     S.v1_delete("455000000000000001")]),
    ]
    report = ingest(fresh_store, files, "c")
    assert (report.added, report.deletions, report.deleted, report.quarantined) == (4, 3, 3, 0)
    assert "3 deletions read (3 stored posts marked deleted)" in report.summary()
    assert texts(fresh_store, "c") == ["stays #myNYPD"]  # exports, reports and analysis read this
    assert fresh_store.count_posts("c") == 1 and fresh_store.count_deleted("c") == 3
    assert len(texts(fresh_store, "c", include_deleted=True)) == 4


def test_a_deletion_read_before_its_post_still_applies(fresh_store: Store, tmp_path: Path) -> None:
    fresh_store.mark_deleted([Deletion(platform="twitter", id="455000000000000001")])
    ingest(fresh_store, [jsonl(tmp_path / "t.jsonl", [S.v1_tweet("455000000000000001", "late #myNYPD")])], "c")
    assert fresh_store.count_posts("c") == 0 and fresh_store.is_deleted("twitter:455000000000000001")


def test_mastodon_replies_link_to_their_parents_whatever_the_order(fresh_store: Store, tmp_path: Path) -> None:
    reply_file, parent_file = tmp_path / "reply.jsonl", tmp_path / "parent.jsonl"
    reply, parent = mastodon_py_replies()
    jsonl(reply_file, [reply])
    jsonl(parent_file, [parent])
    ingest(fresh_store, [reply_file], "c")  # the reply first, its parent in a later run
    ingest(fresh_store, [parent_file], "c")
    by_text = {p.text.split(" ")[0]: p for p in fresh_store.posts("c")}
    assert by_text["@org"].reply_to == by_text["Share"].id
    again = open_store(fresh_store.path)  # type: ignore[attr-defined]
    assert again.get_post(f"mastodon:{by_text['@org'].id}").reply_to == by_text["Share"].id  # type: ignore[union-attr]
    again.close()


def test_ingest_skips_private_statuses_and_opted_out_accounts(fresh_store: Store, tmp_path: Path) -> None:
    f = jsonl(tmp_path / "m.jsonl", mastodon_privacy())
    report = ingest(fresh_store, [f], "c")
    assert report.added == 2 and sum(report.skipped.values()) == 6
    assert "6 left out (4 accounts that opted out (#nobot, #nosearch or noindex); 1 " in report.summary()
    assert ingest(fresh_store, [f], "d", private=True).added == 8


def test_quarantine_lists_every_bad_record_the_summary_counts(fresh_store: Store, tmp_path: Path) -> None:
    f = jsonl(tmp_path / "page.jsonl", v2_default_fields_page())
    report = ingest(fresh_store, [f], "c")
    listed = list(fresh_store.quarantined("c"))
    assert report.quarantined == len(listed) == 10
    assert [(q.line, q.part) for q in listed] == [(1, i) for i in range(1, 11)]
    assert all(q.record_id and "'created_at'" in q.reason for q in listed)


def test_truncated_texts_are_flagged_and_counted(fresh_store: Store, tmp_path: Path) -> None:
    cut = S.v1_tweet("455000000000000002", "Kettled for hours at the rally and…", truncated=True)
    report = ingest(fresh_store, [jsonl(tmp_path / "t.jsonl", [cut])], "c")
    assert report.truncated == 1 and "1 with a truncated text" in report.summary()
    assert next(fresh_store.posts("c")).truncated


def test_a_csv_without_times_is_said_to_have_none(fresh_store: Store, tmp_path: Path) -> None:
    f = tmp_path / "u.csv"
    f.write_text("text\nProud #myNYPD\nKettled #myNYPD\n", encoding="utf-8")
    report = ingest(fresh_store, [f], "c")
    assert report.undated_files == [str(f)] and "has no times" in report.summary()
    assert texts(fresh_store, "c") == ["Proud #myNYPD", "Kettled #myNYPD"]


V1_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE posts (key TEXT PRIMARY KEY, platform TEXT NOT NULL, id TEXT NOT NULL, author TEXT NOT NULL,
    created_at TEXT NOT NULL, text TEXT NOT NULL, repost_of TEXT, reply_to TEXT, quote_of TEXT,
    data TEXT NOT NULL, raw TEXT);
CREATE TABLE campaign_posts (campaign TEXT NOT NULL, key TEXT NOT NULL REFERENCES posts(key),
    created_at TEXT NOT NULL, seq INTEGER NOT NULL, direct INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (campaign, key));
CREATE TABLE quarantine (campaign TEXT NOT NULL DEFAULT '', path TEXT NOT NULL, line INTEGER NOT NULL,
    reason TEXT NOT NULL, snippet TEXT NOT NULL, format TEXT, PRIMARY KEY (campaign, path, line));
INSERT INTO meta VALUES ('schema_version', '1');
"""


def test_a_store_of_the_previous_version_opens_and_keeps_its_rows(tmp_path: Path) -> None:
    from conftest import make_post

    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript(V1_SCHEMA)
    post = make_post(1)
    db.execute("INSERT INTO posts VALUES (?,?,?,?,?,?,?,?,?,?,?)",
               (post.key, "twitter", "1", "alice", "2014-04-22T18:01:00.000000Z", post.text, None, None, None,
                post.model_dump_json(exclude={"raw", "embedded", "edited_at", "aliases", "truncated", "undated"}),
                None))
    db.execute("INSERT INTO campaign_posts VALUES ('c', ?, '2014-04-22T18:01:00.000000Z', 1, 1)", (post.key,))
    db.execute("INSERT INTO quarantine VALUES ('c', 'f.jsonl', 3, 'missing field', '{}', 'twitter-v1')")
    db.commit()
    db.close()
    store = open_store(path)
    assert [p.id for p in store.posts("c")] == ["1"] and [q.line for q in store.quarantined("c")] == [3]
    store.add_posts([make_post(2)], "c")
    assert store.mark_deleted([Deletion(platform="twitter", id="1")]) == 1
    assert [p.id for p in store.posts("c")] == ["2"]
    store.close()
