"""The SQLite store: idempotent upserts, time order, cursors committed with posts, quarantine, labels."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from backfire.model import Alarm, Campaign, Quarantined, Verdict
from backfire.store import Gap, Label, Store, open_store
from conftest import make_post


def test_same_posts_twice_are_stored_once(fresh_store: Store) -> None:
    posts = [make_post(i) for i in range(50)]
    first = fresh_store.add_posts(posts, "c")
    second = fresh_store.add_posts(posts, "c")
    assert (first.added, first.duplicates) == (50, 0)
    assert (second.added, second.duplicates) == (0, 50)
    assert fresh_store.count_posts("c") == 50


def test_posts_come_back_in_time_order_with_raw(fresh_store: Store) -> None:
    fresh_store.add_posts([make_post(3), make_post(1), make_post(2)], "c")
    back = list(fresh_store.posts("c"))
    assert [p.id for p in back] == ["1", "2", "3"]
    assert back[0].raw == {"id_str": "1", "text": "Proud of our officers #myNYPD"}
    assert back[0].media[0].alt == "officers at a parade"


def test_embedded_original_is_stored_and_becomes_direct_later(fresh_store: Store) -> None:
    original = make_post(1, author="org")
    repost = make_post(2, author="fan", repost_of="1").model_copy(update={"embedded": [original]})
    assert fresh_store.add_posts([repost], "c").added == 1
    assert fresh_store.count_posts("c") == 2
    assert fresh_store.count_posts("c", direct_only=True) == 1
    assert fresh_store.add_posts([original], "c").added == 1
    assert fresh_store.count_posts("c", direct_only=True) == 2


def test_cursor_is_committed_with_the_posts(fresh_store: Store) -> None:
    fresh_store.add_posts([make_post(1)], "c", cursor=("jetstream", "1700"))
    assert fresh_store.get_cursor("jetstream") == "1700"


def test_a_failed_batch_leaves_neither_posts_nor_cursor(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db")

    class FailOnLinks:
        """The real connection, except that linking posts to the campaign fails mid-transaction."""

        def __init__(self, db: sqlite3.Connection) -> None:
            self.db = db

        def executemany(self, sql: str, rows: object) -> object:
            if "campaign_posts" in sql:
                raise sqlite3.OperationalError("disk I/O error")
            return self.db.executemany(sql, rows)  # type: ignore[arg-type]

        def __getattr__(self, name: str) -> object:
            return getattr(self.db, name)

    real = store._db  # type: ignore[attr-defined]
    store._db = FailOnLinks(real)  # type: ignore[attr-defined]
    with pytest.raises(sqlite3.OperationalError):
        store.add_posts([make_post(1), make_post(2)], "c", cursor=("k", "v"))
    store._db = real  # type: ignore[attr-defined]
    assert store.count_posts() == 0  # the posts inserted before the failure were rolled back
    assert store.count_posts("c") == 0
    assert store.get_cursor("k") is None
    store.close()


def test_store_file_is_in_wal_mode(tmp_path: Path) -> None:
    open_store(tmp_path / "w.db").close()
    mode = sqlite3.connect(tmp_path / "w.db").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_quarantine_is_idempotent_and_listed(fresh_store: Store) -> None:
    bad = [Quarantined(path="a.jsonl", line=3, reason="invalid JSON", snippet="{oops")]
    assert fresh_store.add_quarantined(bad, "c") == 1
    assert fresh_store.add_quarantined(bad, "c") == 0
    assert [q.line for q in fresh_store.quarantined("c")] == [3]


def test_campaigns_verdicts_alarms_gaps_labels_round_trip(fresh_store: Store) -> None:
    camp = Campaign(name="c", tags=["#myNYPD"], owners=["@NYPDnews"], intent="photos with officers")
    fresh_store.save_campaign(camp)
    assert fresh_store.campaign("c") == camp
    assert camp.tags == ["myNYPD"] and camp.owners == ["NYPDnews"]
    v = Verdict(post_id="1", stance="hostile", p_hostile=0.9, sarcasm=0.7, sentiment=0.4)
    fresh_store.save_verdicts("c", [("twitter:1", v)])
    assert fresh_store.verdicts("c") == {"twitter:1": v}
    assert fresh_store.count_verdicts("c") == 1 and fresh_store.count_verdicts("other") == 0
    at = datetime(2014, 4, 22, 20, 5, tzinfo=UTC)
    alarm = Alarm(at=at, severity="warning", hostile_share=0.6, share_before=0.1, triggers=["x"])
    fresh_store.save_alarm("c", alarm)
    assert fresh_store.alarms("c") == [alarm]
    fresh_store.add_gap(Gap("jetstream", at, None, "cursor too old"))
    assert fresh_store.gaps()[0].reason == "cursor too old"
    fresh_store.add_label(Label("c", "twitter:1", "hostile", "rev", "mock praise", at))
    assert fresh_store.labels("c")[0].stance == "hostile"


def test_postgres_url_is_refused_clearly() -> None:
    with pytest.raises(NotImplementedError, match="PostgreSQL"):
        open_store("postgresql://localhost/backfire")
