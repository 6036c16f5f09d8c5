"""The store conformance suite, part 1: posts, edits, aliases, deletions, quarantine, verdicts, alarms,
cursors, gaps and labels. Every test runs against the SQLite store and the PostgreSQL store (`any_store`,
tests/conftest.py; the PostgreSQL server comes from tests/pg_server.py). Part 2 is
tests/test_store_conformance_views.py (curation, accounts, dashboard aggregates, search, concurrency).
"""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta

import pytest

from backfire.model import Alarm, Author, Campaign, Deletion, Post, Quarantined, Verdict
from backfire.store import Gap, Label, Store, open_store
from conftest import make_post

T0 = datetime(2014, 4, 22, 18, 0, tzinfo=UTC)


@pytest.fixture
def store(any_store: Store) -> Store:
    return any_store


def _ids(posts: object) -> list[str]:
    return [p.id for p in posts]  # type: ignore[attr-defined]


def test_same_posts_twice_are_stored_once(store: Store) -> None:
    first = store.add_posts([make_post(1), make_post(2)], "c")
    again = store.add_posts([make_post(2), make_post(3), make_post(3)], "c")
    assert (first.added, first.duplicates) == (2, 0)
    assert (again.added, again.duplicates) == (1, 2)
    assert store.count_posts() == 3 and store.count_posts("c") == 3 and store.count_posts("other") == 0


def test_a_post_belongs_to_several_campaigns(store: Store) -> None:
    store.add_posts([make_post(1)], "a")
    assert store.add_posts([make_post(1)], "b").added == 1
    assert store.count_posts() == 1 and _ids(store.posts("a")) == _ids(store.posts("b")) == ["1"]


def test_posts_come_back_in_time_order_with_raw(store: Store) -> None:
    store.add_posts([make_post(3), make_post(1), make_post(2)], "c")
    posts = list(store.posts("c"))
    assert _ids(posts) == ["1", "2", "3"]
    assert posts[0].raw == {"id_str": "1", "text": "Proud of our officers #myNYPD"}
    assert posts[0] == make_post(1)
    assert _ids(store.posts("c", since=T0 + timedelta(minutes=2))) == ["2", "3"]  # from `since` on
    assert store.get_post("twitter:2") == make_post(2) and store.get_post("twitter:9") is None


def test_ties_keep_arrival_order_across_batches_and_pages(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    import backfire.store.pg.store as pg
    import backfire.store.sqlite as sq

    monkeypatch.setattr(sq, "PAGE", 3)
    monkeypatch.setattr(pg, "PAGE", 3)
    store.add_posts([make_post(i, minutes=0) for i in (5, 1, 4)], "c")
    store.add_posts([make_post(i, minutes=0) for i in (2, 0, 3, 6)], "c")
    assert _ids(store.posts("c")) == ["5", "1", "4", "2", "0", "3", "6"]


def test_embedded_original_is_stored_and_becomes_direct_later(store: Store) -> None:
    original = make_post(1, author="bob")
    retweet = make_post(2, repost_of="1").model_copy(update={"embedded": [original]})
    assert store.add_posts([retweet], "c").added == 1
    assert store.count_posts("c") == 2 and store.count_posts("c", direct_only=True) == 1
    assert _ids(store.posts("c", direct_only=True)) == ["2"]
    result = store.add_posts([original], "c")
    assert (result.added, result.duplicates) == (1, 0)
    assert store.count_posts("c", direct_only=True) == 2


def test_cursor_is_committed_with_the_posts(store: Store) -> None:
    store.add_posts([make_post(1)], "c", cursor=("jetstream", "1700"))
    assert store.get_cursor("jetstream") == "1700" and store.get_cursor("other") is None
    store.set_cursor("jetstream", "1800")
    assert store.get_cursor("jetstream") == "1800"


def test_a_failed_batch_leaves_neither_posts_nor_cursor(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    import backfire.store._posts as sq
    import backfire.store.pg._write as pg

    def fail(*args: object) -> None:
        raise OSError("disk I/O error")

    monkeypatch.setattr(sq, "_link", fail)
    monkeypatch.setattr(pg, "_link", fail)
    with pytest.raises(OSError):
        store.add_posts([make_post(1), make_post(2)], "c", cursor=("k", "v"))
    monkeypatch.undo()
    assert store.count_posts() == 0 and store.count_posts("c") == 0 and store.get_cursor("k") is None
    assert store.add_posts([make_post(1)], "c", cursor=("k", "v")).added == 1  # the store still works
    assert store.get_cursor("k") == "v"


def _edit(post: Post, text: str, minutes: int) -> Post:
    return post.model_copy(update={"text": text, "edited_at": post.created_at + timedelta(minutes=minutes)})


def test_a_later_version_replaces_the_post_and_every_version_is_kept(store: Store) -> None:
    first = make_post(1, text="Proud of our officers")
    store.add_posts([first], "c")
    assert store.search_posts("c", "proud")[0] == 1  # indexed before the edit
    store.save_verdicts("c", [("twitter:1", Verdict(post_id="1", stance="support", p_hostile=0.1))])
    result = store.add_posts([_edit(first, "edited twice", 9), _edit(first, "edited once", 5)], "c")
    assert result.edited == 1 and result.added == 0
    assert store.get_post("twitter:1").text == "edited twice"  # type: ignore[union-attr]
    assert [p.text for p in store.versions("twitter:1")] == ["Proud of our officers", "edited once", "edited twice"]
    assert store.verdicts("c") == {}  # the verdict of the old text is dropped
    assert store.search_posts("c", "twice")[0] == 1 and store.search_posts("c", "proud")[0] == 0  # re-indexed
    assert store.add_posts([first], "c").edited == 1  # seen in another version, but older: not brought back
    assert store.get_post("twitter:1").text == "edited twice"  # type: ignore[union-attr]
    assert store.versions("twitter:2") == []


def test_references_to_an_alias_point_at_the_post_id(store: Store) -> None:
    parent = make_post(1).model_copy(update={"platform": "mastodon", "aliases": ["local-1"]})
    early = make_post(2).model_copy(update={"platform": "mastodon", "reply_to": "local-1"})
    store.add_posts([early], "c")  # the alias is not known yet
    store.add_posts([parent], "c")
    assert store.get_post("mastodon:2").reply_to == "1"  # type: ignore[union-attr]
    late = make_post(3).model_copy(update={"platform": "mastodon", "quote_of": "local-1"})
    store.add_posts([late], "c")
    assert store.get_post("mastodon:3").quote_of == "1"  # type: ignore[union-attr]


def test_deletions_before_and_after_the_post(store: Store) -> None:
    store.add_posts([make_post(1), make_post(2)], "c")
    store.save_verdicts("c", [("twitter:1", Verdict(post_id="1", stance="hostile", p_hostile=0.9)),
                              ("twitter:2", Verdict(post_id="2", stance="hostile", p_hostile=0.9))])
    assert store.mark_deleted([Deletion(platform="twitter", id="1")], cursor=("d", "1")) == 1
    assert store.mark_deleted([Deletion(platform="twitter", id="1")]) == 0
    assert store.get_cursor("d") == "1"
    assert store.mark_deleted([Deletion(platform="twitter", id="3", at=T0)]) == 0  # not stored yet
    store.add_posts([make_post(3)], "c")
    assert store.is_deleted("twitter:1") and store.is_deleted("twitter:3") and not store.is_deleted("twitter:2")
    assert _ids(store.posts("c")) == ["2"] and _ids(store.posts("c", include_deleted=True)) == ["1", "2", "3"]
    assert store.count_posts("c") == 1 and store.count_posts() == 1 and store.count_posts(include_deleted=True) == 3
    assert store.count_deleted("c") == 2 and store.count_verdicts("c") == 1


def test_a_deletion_by_alias_marks_the_post(store: Store) -> None:
    post = make_post(1).model_copy(update={"platform": "mastodon", "aliases": ["local-1"]})
    store.add_posts([post], "c")
    assert store.mark_deleted([Deletion(platform="mastodon", id="local-1")]) == 1
    assert store.is_deleted("mastodon:1")


def test_quarantine_is_idempotent_and_listed(store: Store) -> None:
    bad = [Quarantined(path="a.jsonl", line=3, reason="invalid JSON", snippet="{oops"),
           Quarantined(path="a.jsonl", line=3, reason="bad post", snippet="{}", part=1, record_id="r1")]
    assert store.add_quarantined(bad, "c") == 2
    assert store.add_quarantined(bad, "c") == 0
    assert store.add_quarantined([Quarantined(path="b", line=1, reason="x")]) == 1
    assert [(q.line, q.part, q.record_id) for q in store.quarantined("c")] == [(3, 0, None), (3, 1, "r1")]
    assert [q.path for q in store.quarantined()] == ["a.jsonl", "a.jsonl", "b"]


def test_campaigns_verdicts_alarms_gaps_labels_round_trip(store: Store) -> None:
    camp = Campaign(name="c", tags=["#myNYPD"], owners=["@NYPDnews"], intent="photos with officers")
    store.save_campaign(camp)
    store.save_campaign(Campaign(name="a"))
    store.save_campaign(camp.model_copy(update={"intent": "changed"}))
    assert store.campaign("c").intent == "changed" and store.campaign("x") is None  # type: ignore[union-attr]
    assert [c.name for c in store.campaigns()] == ["a", "c"]
    v = Verdict(post_id="1", stance="hostile", p_hostile=0.9, sarcasm=0.7, sentiment=0.4)
    store.save_verdicts("c", [("twitter:1", v.model_copy(update={"p_hostile": 0.2})), ("twitter:1", v)])
    assert store.verdicts("c") == {"twitter:1": v}
    store.save_verdicts("c", [])
    assert store.count_verdicts("c") == 1 and store.count_verdicts("other") == 0
    late = Alarm(at=T0 + timedelta(hours=2), severity="critical", hostile_share=0.8, triggers=["y"])
    alarm = Alarm(at=T0, severity="warning", hostile_share=0.6, share_before=0.1, triggers=["x"])
    store.save_alarm("c", late)
    store.save_alarm("c", alarm)
    store.save_alarm("c", alarm)
    assert store.alarms("c") == [alarm, late] and store.alarms("x") == []
    store.add_gap(Gap("jetstream", T0, None, "cursor too old"))
    store.add_gap(Gap("mastodon", T0 - timedelta(hours=1), T0, "down"))
    store.add_gap(Gap("jetstream", T0, T0 + timedelta(minutes=5), "recovered"))
    assert [g.source for g in store.gaps()] == ["mastodon", "jetstream"]
    assert store.gaps("jetstream") == [Gap("jetstream", T0, T0 + timedelta(minutes=5), "recovered")]
    store.add_label(Label("c", "twitter:2", "hostile", "rev", "mock praise", T0))
    store.add_label(Label("c", "twitter:1", "support", "rev", "", T0))
    assert [(lb.post_key, lb.stance, lb.at) for lb in store.labels("c")] == [
        ("twitter:2", "hostile", T0), ("twitter:1", "support", T0)]


def test_unicode_and_odd_text_survive(store: Store) -> None:
    text = "Café «officers» 👮 \"quoted\" 'single' \\ back; DROP TABLE posts; -- %s %(x)s ?"
    post = make_post(1, text=text).model_copy(update={"author": Author(handle="Zoë")})
    store.add_posts([post], "c")
    assert store.get_post("twitter:1") == post


def test_nul_characters_survive_where_posts_are_read_back(store: Store) -> None:
    post = make_post(1, text="nul\x00inside").model_copy(update={"aliases": ["a1"], "raw": {"t": "x\x00y"}})
    reply = make_post(2, text="reply\x00").model_copy(update={"reply_to": "a1"})
    store.add_posts([reply], "c")
    store.add_posts([post], "c")  # its alias re-points the stored reply
    assert store.get_post("twitter:1") == post
    assert store.get_post("twitter:2").reply_to == "1" and store.get_post("twitter:2").text == "reply\x00"  # type: ignore[union-attr]


def test_a_store_pickles_as_its_location(store: Store) -> None:
    store.add_posts([make_post(1)], "c")
    other = pickle.loads(pickle.dumps(store))
    try:
        assert type(other) is type(store) and other.count_posts("c") == 1
        other.add_posts([make_post(2)], "c")
        assert store.count_posts("c") == 2
    finally:
        other.close()


def test_reopening_keeps_everything(store: Store) -> None:
    store.add_posts([make_post(1)], "c")
    again = open_store(getattr(store, "url", None) or store.path)  # type: ignore[attr-defined]
    try:
        assert _ids(again.posts("c")) == ["1"]
    finally:
        again.close()
