"""The store conformance suite, part 2: the curation queue and its log, drivers, explanations, accounts and
sessions, the dashboard's aggregates and search, change notification and concurrent writers. Every test
runs against the SQLite store and the PostgreSQL store (`any_store`, tests/conftest.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backfire.model import Deletion, Verdict
from backfire.store import AuditEntry, CurationItem, Store, User, open_store
from conftest import make_post, run_threads

T0 = datetime(2014, 4, 22, 18, 0, tzinfo=UTC)


@pytest.fixture
def store(any_store: Store) -> Store:
    return any_store


def _location(store: Store) -> str:
    return str(getattr(store, "url", None) or store.path)  # type: ignore[attr-defined]


def _item(key: str, state: str, risk: float, minutes: int = 0, by: str = "") -> CurationItem:
    at = T0 + timedelta(minutes=minutes)
    return CurationItem("c", key, state, f"why {key}", risk, at, at + timedelta(hours=1), by)


def test_curation_queue_and_its_audit_log(store: Store) -> None:
    assert store.set_curation([_item("t:1", "pending", 0.3), _item("t:2", "pending", 0.1, 5),
                               _item("t:3", "excluded", 0.1, 1)], "refresh") == 3
    store.set_curation([_item("t:1", "approved", 0.3, by="rev")], "decide")
    assert store.curation_item("c", "t:1") == _item("t:1", "approved", 0.3, by="rev")
    assert store.curation_item("c", "t:9") is None
    assert [i.key for i in store.curation_items("c")] == ["t:3", "t:2", "t:1"]  # risk, then time, then key
    assert [i.key for i in store.curation_items("c", ["pending", "approved"])] == ["t:2", "t:1"]
    assert [i.key for i in store.curation_items("c", limit=1, offset=1)] == ["t:2"]
    assert store.curation_items("c", []) == []
    assert store.curation_counts("c") == {"approved": 1, "pending": 1, "excluded": 1}
    assert store.curation_counts("x") == {}
    late = T0 + timedelta(days=1)
    store.log_curation(AuditEntry("c", "t:2", "ada", "note", "looked twice", late))
    log = store.curation_log("c")
    assert (log[0].action, log[0].actor) == ("note", "ada") and len(log) == 5
    assert [e.action for e in store.curation_log("c", "t:1")] == ["decide:approved", "refresh:pending"]
    assert len(store.curation_log("c", limit=2)) == 2 and store.curation_log("x") == []


def test_drivers_and_explanations_are_replaced(store: Store) -> None:
    store.set_drivers("c", [("amp", "amplifier", {"reach": 3}), ("trig", "trigger", {"share": 0.5}),
                            ("amp2", "amplifier", {})])
    assert store.drivers("c") == [("trig", "trigger", {"share": 0.5}), ("amp", "amplifier", {"reach": 3}),
                                  ("amp2", "amplifier", {})]
    store.set_drivers("c", [("b", "trigger", {})])
    assert store.drivers("c") == [("b", "trigger", {})] and store.drivers("x") == []
    assert store.explanation("c") is None
    store.save_explanation("c", T0, 10, {"explain": {"ok": True}, "pictures": {"a.svg": "<svg/>"}})
    store.save_explanation("c", T0 + timedelta(hours=1), 12, {"explain": {"n": "é"}})
    assert store.explanation("c") == (T0 + timedelta(hours=1), 12, {"explain": {"n": "é"}})


def test_users_and_sessions(store: Store) -> None:
    store.save_user(User("zed", "viewer", "$argon2id$z", T0))
    store.save_user(User("ada", "reviewer", "$argon2id$a", T0))
    store.save_user(User("ada", "admin", "$argon2id$b", T0))
    assert store.user("ada") == User("ada", "admin", "$argon2id$b", T0) and store.user("nobody") is None
    assert [u.name for u in store.users()] == ["ada", "zed"]
    store.save_session("tok1", "ada", "csrf1", T0 + timedelta(hours=1))
    store.save_session("tok2", "ada", "csrf2", T0 + timedelta(hours=1))
    store.save_session("tok3", "zed", "csrf3", T0 + timedelta(hours=1))
    assert store.session("tok1", T0) == ("ada", "csrf1")
    assert store.session("tok1", T0 + timedelta(hours=2)) is None  # expired
    store.end_sessions(token="tok1")
    assert store.session("tok1", T0) is None and store.session("tok2", T0) == ("ada", "csrf2")
    store.end_sessions(user="zed")
    assert store.session("tok3", T0) is None
    assert store.remove_user("ada") and not store.remove_user("ada")
    assert store.session("tok2", T0) is None and [u.name for u in store.users()] == ["zed"]


def _campaign(store: Store) -> None:
    """Six posts over an hour: two hostile (one a repost), one support, three unclassified, one deleted."""
    posts = [make_post(0, "Thank you officers"), make_post(10, "Gentle officers at the parade", author="Bob"),
             make_post(20, "Baton charge #myNYPD", author="carol"),
             make_post(30, "RT baton charge", author="dave", repost_of="20"),
             make_post(40, "officers again, gentle"), make_post(50, "deleted officers")]
    store.add_posts(posts, "c")
    store.add_posts([make_post(99, "another campaign's officers")], "other")
    verdict = {"0": "support", "20": "hostile", "30": "hostile"}
    store.save_verdicts("c", [(f"twitter:{i}", Verdict(post_id=i, stance=s, p_hostile=0.9 if s == "hostile" else 0.1))
                              for i, s in verdict.items()])
    store.mark_deleted([Deletion(platform="twitter", id="50")])


def test_dashboard_aggregates(store: Store) -> None:
    _campaign(store)
    assert store.stance_counts("c") == {"support": 1, "hostile": 2, "unclassified": 2, "reposts": 1}
    assert store.time_span("c") == (T0, T0 + timedelta(minutes=50))  # deleted posts included
    assert store.time_span("none") == (None, None)
    assert store.live_count("c") == 5
    assert store.time_at_rank("c", 0) == "2014-04-22T18:00:00.000000Z"
    assert store.time_at_rank("c", 0, descending=True) == "2014-04-22T18:40:00.000000Z"
    assert store.time_at_rank("c", 1) == "2014-04-22T18:10:00.000000Z" and store.time_at_rank("c", 9) is None
    t0 = int(T0.timestamp())
    bins = store.stance_bins("c", t0, 1200, "2014-04-22T18:00:00.000000Z", "2014-04-22T18:40:00.000000Z")
    assert sorted(bins) == [(0, "support", 1, 0), (0, "unclassified", 1, 0), (1, "hostile", 2, 1)]
    before, after, sample, rows = store.posts_outside("c", "2014-04-22T18:05:00.000000Z",
                                                      "2014-04-22T18:30:00.000000Z", limit=2)
    assert (before, after) == (1, 2)
    assert [tuple(r) for r in sample] == [("twitter:0", "2014-04-22T18:00:00.000000Z", "support"),
                                          ("twitter:30", "2014-04-22T18:30:00.000000Z", "hostile")]
    assert sorted(rows) == [("hostile", 1, 1), ("support", 1, 0), ("unclassified", 1, 0)]


def test_search(store: Store) -> None:
    _campaign(store)
    assert store.index_search() >= 0
    total, found = store.search_posts("c", "officers")
    assert total == 3 and [p.id for p, _ in found] == ["40", "10", "0"]  # newest first, deleted left out
    assert store.search_posts("c", "GENTLE officers")[0] == 2  # every word, any case, any order
    assert store.search_posts("c", "gentle OR baton")[0] == 0  # no operators: OR is a word
    assert store.search_posts("c", "bob")[0] == 1  # the author is searched too
    assert store.search_posts("c", "offic")[0] == 0  # whole words
    total, found = store.search_posts("c", stance="hostile")
    assert total == 2 and all(v is not None and v.stance == "hostile" for _, v in found)
    assert [p.id for p, v in store.search_posts("c", stance="unclassified")[1]] == ["40", "10"]
    assert [p.id for p, _ in store.search_posts("c", author="@bob")[1]] == ["10"]
    assert [p.id for p, _ in store.search_posts("c", since="2014-04-22T18:10:00.000000Z",
                                                until="2014-04-22T18:30:00.000000Z")[1]] == ["20", "10"]
    total, page = store.search_posts("c", limit=2, offset=1)
    assert total == 5 and [p.id for p, _ in page] == ["30", "20"]
    store.add_posts([make_post(60, "new officers later")], "c")  # posts stored after a search are found
    assert store.search_posts("c", "officers")[0] == 4
    store.add_posts([make_post(70, "Café crème for the Brigade"), make_post(71, "un cafe noir")], "c")
    assert store.search_posts("c", "cafe")[0] == 2 and store.search_posts("c", "CAFÉ")[0] == 2  # diacritics folded
    store.add_posts([make_post(80, "<script>alert(1)</script> see https://x.example.org/a_b well-known 3.5%")], "c")
    for word in ("script", "alert", "1", "example", "org", "b", "well", "known", "3", "well-known", "<script>"):
        assert store.search_posts("c", word)[0] == 1, word  # words split at punctuation, as FTS5 splits them


def test_posts_by_key(store: Store) -> None:
    _campaign(store)
    found = store.posts_by_key("c", ["twitter:20", "twitter:50", "twitter:404"])
    assert set(found) == {"twitter:20", "twitter:50"}
    post, verdict, deleted = found["twitter:20"]
    assert post.id == "20" and verdict is not None and verdict.stance == "hostile" and not deleted
    assert found["twitter:50"][1] is None and found["twitter:50"][2]
    assert store.posts_by_key("c", []) == {}


def test_another_connection_s_commit_changes_data_version(store: Store) -> None:
    version, own = store.data_version(), store.own_changes()
    other = open_store(_location(store))
    try:
        other.add_posts([make_post(1)], "c")
        assert store.data_version() != version
        assert store.own_changes() == own
    finally:
        other.close()
    store.add_posts([make_post(2)], "c")
    assert store.own_changes() > own


def test_concurrent_writers_keep_every_post_in_arrival_order(store: Store) -> None:
    location = _location(store)

    def write(worker: int) -> None:
        with open_store(location) as mine:
            for batch in range(5):
                mine.add_posts([make_post(worker * 1000 + batch * 10 + i, minutes=0) for i in range(10)], "c")

    assert run_threads(write, 4) == []
    ids = [int(p.id) for p in store.posts("c")]
    assert len(ids) == len(set(ids)) == 200
    for worker in range(4):  # each writer's posts keep its own arrival order
        mine = [i for i in ids if i // 1000 == worker]
        assert mine == sorted(mine)


def test_writers_of_the_same_posts_at_once_never_deadlock(store: Store) -> None:
    """Overlapping batches in different orders (an original retweeted in several files) from several
    connections: each post is stored once and every writer finishes."""
    import random

    location, results = _location(store), []
    originals = [make_post(i, author="orig") for i in range(200)]

    def write(worker: int) -> None:
        rng = random.Random(worker)
        with open_store(location) as mine:
            for batch in range(4):
                part = rng.sample(originals, 80)
                retweets = [make_post(10_000 + worker * 1000 + batch * 100 + n, repost_of=o.id)
                            .model_copy(update={"embedded": [o]}) for n, o in enumerate(part[:20])]
                results.append(mine.add_posts(part[20:] + retweets, "c"))

    assert run_threads(write, 4) == [] and len(results) == 16
    assert store.count_posts("c", direct_only=True) == len({p.key for p in store.posts("c", direct_only=True)})
    assert sum(r.added for r in results) == store.count_posts("c", direct_only=True)
    assert store.count_posts() == len({p.key for p in store.posts("c")})
