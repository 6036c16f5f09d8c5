"""Many campaigns over one connection (loopback Jetstream replay and Mastodon fake): each campaign gets
exactly the posts it would get watched alone, its own alarm, its own cursor, and resumes on its own."""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from backfire.live import (
    Backoff,
    JetstreamSource,
    Lane,
    ManyWatcher,
    SharedJetstream,
    SharedMastodon,
    Watcher,
    pipeline_lane,
)
from backfire.live.base import WatchStats
from backfire.live.replay import JetstreamReplay, JetstreamScript, ListLog, MastodonFake, mastodon_status
from backfire.live.replay.campaigns import campaign_streams
from backfire.model import Campaign, Post
from backfire.store import Store, open_store
from backfire.understand import get_classifier

pytestmark = pytest.mark.timeout(120)

#: the hijacked campaign, the calm one, and one following both tags
CAMPAIGNS = {"nypd": ["myNYPD"], "sky": ["SkyLuxury"], "both": ["myNYPD", "skyluxury"]}
BOTH = 12  # hand-made posts carrying both tags


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> ListLog:
    # a #myNYPD hijack and a calm #SkyLuxury stream over the same four hours, and posts carrying both tags
    log, tags = campaign_streams(tmp_path_factory.mktemp("many-log"), [("mynypd", 2014, None),
                                 ("steady-critics", 1, "airline")], hours=4, shared=BOTH)
    assert tags == ["myNYPD", "SkyLuxury"]
    return log


def stored_once(store: Store) -> int:
    """How many posts the store file holds (each once, whatever the campaigns linking it)."""
    con = sqlite3.connect(store.path)  # type: ignore[attr-defined]
    try:
        return int(con.execute("SELECT COUNT(*) FROM posts").fetchone()[0])
    finally:
        con.close()


@pytest.fixture
def store(tmp_path: Path) -> Any:
    with open_store(tmp_path / "many.db") as s:
        yield s


def serve(log: ListLog, run: Callable[[str], Any],
          script: JetstreamScript | None = None) -> tuple[Any, JetstreamReplay]:
    async def scenario() -> tuple[Any, JetstreamReplay]:
        server = JetstreamReplay(log, script)
        url = await server.start()
        try:
            return await asyncio.wait_for(run(url), timeout=90), server
        finally:
            await server.stop()

    return asyncio.run(scenario())


def watch_many(log: ListLog, store: Store, lanes: list[Lane], script: JetstreamScript | None = None,
               **options: Any) -> tuple[WatchStats, JetstreamReplay]:
    options.setdefault("idle_exit", 1.0)
    options.setdefault("backoff", Backoff(base=0.05, cap=0.2, seed=1))

    async def run(url: str) -> WatchStats:
        source = SharedJetstream({lane.name: lane.campaign.tags for lane in lanes}, url)
        return await ManyWatcher(source, store, lanes, handle_signals=False, **options).run()

    return serve(log, run, script)


@pytest.fixture(scope="module")
def expected(log: ListLog, tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    """What each campaign gets watched alone: the oracle a shared watch must match."""
    folder = tmp_path_factory.mktemp("alone")
    return {name: alone(log, folder, name) for name in CAMPAIGNS}


def alone(log: ListLog, folder: Path, name: str) -> set[str]:
    """The ids a single-campaign watch of `name` stores (into a store of its own)."""
    with open_store(folder / f"alone-{name}.db") as own:
        async def run(url: str) -> WatchStats:
            source = JetstreamSource(CAMPAIGNS[name], name, url)
            return await Watcher(source, own, name, handle_signals=False, idle_exit=1.0).run()

        serve(log, run)
        return {p.id for p in own.posts(name)}


def ids(store: Store, name: str) -> set[str]:
    return {p.id for p in store.posts(name)}


def recorded(lane: Lane, seen: Counter[str]) -> Lane:
    """`lane` with its hook counting every post it is handed."""
    hook = lane.hook
    assert hook is not None

    def count(posts: list[Post]) -> None:
        seen.update(p.key for p in posts)
        hook(posts)

    lane.hook = count
    return lane


def lanes_for(store: Store, seen: dict[str, Counter[str]] | None = None) -> list[Lane]:
    classifier = get_classifier("baseline")
    out = []
    for name, tags in CAMPAIGNS.items():
        lane = pipeline_lane(Campaign(name=name, tags=tags), store, classifier)
        out.append(recorded(lane, seen.setdefault(name, Counter())) if seen is not None else lane)
    return out


def test_each_campaign_gets_exactly_its_posts_its_own_alarm_and_cursor(
        log: ListLog, store: Store, expected: dict[str, set[str]]) -> None:
    seen: dict[str, Counter[str]] = {}
    lanes = lanes_for(store, seen)
    stats, server = watch_many(log, store, lanes)
    assert server.connections == 1  # one connection for the three campaigns
    for name in CAMPAIGNS:
        assert ids(store, name) == expected[name], name
        assert set(seen[name]) == {p.key for p in store.posts(name)}  # every post judged ...
        assert max(seen[name].values()) == 1  # ... once
        assert store.count_verdicts(name) == store.count_posts(name)
        assert store.get_cursor(f"jetstream:{name}") == str(log.event(len(log) - 1)["time_us"])
    assert expected["both"] == expected["nypd"] | expected["sky"]
    shared = expected["nypd"] & expected["sky"]
    assert len(shared) == BOTH  # the posts carrying both tags ...
    assert stored_once(store) == len(expected["both"])  # ... are stored once, linked to both campaigns
    assert store.alarms("nypd") and not store.alarms("sky")  # the hijack alarms, the calm campaign does not
    summary = stats.as_dict()["campaigns"]
    assert summary["nypd"]["posts_stored"] == len(expected["nypd"])
    assert summary["nypd"]["pipeline"]["alarms"] >= 1 and summary["sky"]["pipeline"]["alarms"] == 0
    assert stats.posts_stored == sum(len(v) for v in expected.values())


def test_a_restart_resumes_each_campaign_without_loss_or_duplication(
        log: ListLog, store: Store, expected: dict[str, set[str]]) -> None:
    seen: dict[str, Counter[str]] = {}
    first, _ = watch_many(log, store, lanes_for(store, seen), max_events=len(log) // 3)
    assert first.stop_reason == "reached --max-events"
    behind = int(store.get_cursor("jetstream:sky") or 0)
    # a run without the calm campaign leaves it behind the others (as a crash between commits would)
    others = [lane for lane in lanes_for(store, seen) if lane.name != "sky"]
    watch_many(log, store, others, max_events=len(log) // 3)
    assert int(store.get_cursor("jetstream:nypd") or 0) > behind == int(store.get_cursor("jetstream:sky") or 0)
    last, server = watch_many(log, store, lanes_for(store, seen))
    assert int(server.queries[0]["cursor"][0]) == behind - 2_000_000  # the oldest cursor, less the margin
    for name in CAMPAIGNS:
        assert ids(store, name) == expected[name], name
        assert set(seen[name]) == {p.key for p in store.posts(name)}
        assert max(seen[name].values()) == 1, name  # the replayed stretch was not judged again
        assert store.get_cursor(f"jetstream:{name}") == str(log.event(len(log) - 1)["time_us"])
    assert last.as_dict()["campaigns"]["nypd"]["duplicates"] > 0  # it did see that stretch again


def test_drops_and_a_gap_are_handled_once_for_every_campaign(
        log: ListLog, store: Store, expected: dict[str, set[str]]) -> None:
    lanes = [Lane(Campaign(name=name, tags=tags)) for name, tags in CAMPAIGNS.items()]
    stats, server = watch_many(log, store, lanes, JetstreamScript(drop_after=[900, 1500], malformed_every=500))
    assert server.connections == 3 and stats.reconnects == 2
    for name in CAMPAIGNS:
        assert ids(store, name) == expected[name], name
        assert len(list(store.quarantined(name))) == stats.malformed > 0
    # a later run whose cursor the server's replay window no longer reaches records one gap
    for name in CAMPAIGNS:
        store.set_cursor(f"jetstream:{name}", str(log.event(100)["time_us"]))
    stats, _ = watch_many(log, store, lanes, JetstreamScript(oldest=len(log) // 2))
    assert len(stats.gaps) == 1 and len(store.gaps("jetstream")) == 1


def test_a_new_campaign_joins_with_the_stream_and_keeps_the_others_cursors(log: ListLog, store: Store) -> None:
    watch_many(log, store, [Lane(Campaign(name="nypd", tags=["myNYPD"]))], max_events=500)
    before = store.get_cursor("jetstream:nypd")
    lanes = [Lane(Campaign(name=n, tags=t)) for n, t in CAMPAIGNS.items()]
    _, server = watch_many(log, store, lanes)
    assert int(server.queries[0]["cursor"][0]) == int(before or 0) - 2_000_000
    assert store.get_cursor("jetstream:sky") == str(log.event(len(log) - 1)["time_us"])


# -- Mastodon ---------------------------------------------------------------------------------------
def status(n: int, *tags: str) -> dict[str, Any]:
    s = mastodon_status(n, tags[0])
    s["tags"] = [{"name": t.lower(), "url": f"https://example.social/tags/{t.lower()}"} for t in tags]
    return s


def test_mastodon_one_socket_routes_statuses_and_backfills_each_campaign(store: Store) -> None:
    tags_of = {n: ("myNYPD",) if n % 3 == 0 else ("SkyLuxury",) if n % 3 == 1 else ("myNYPD", "SkyLuxury")
               for n in range(120)}

    async def until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while not condition():
            assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
            await asyncio.sleep(0.02)

    async def scenario() -> tuple[WatchStats, MastodonFake]:
        fake = MastodonFake()
        base = await fake.start()
        lanes = [Lane(Campaign(name=n, tags=t)) for n, t in CAMPAIGNS.items()]
        source = SharedMastodon(base, {lane.name: lane.campaign.tags for lane in lanes})
        watcher = ManyWatcher(source, store, lanes, handle_signals=False, backoff=Backoff(base=0.05, cap=0.2, seed=1))
        task = asyncio.create_task(watcher.run())
        try:
            await until(lambda: len(fake._streams) == 1)
            await asyncio.sleep(0.2)  # the subscription to the second tag
            for n in range(40):
                fake.publish(status(n, *tags_of[n]))
            fake.publish(status(500, "unrelated"))
            await until(lambda: store.count_posts("both") == 40)
            fake.streaming_down = True
            fake.drop_streams()
            for n in range(40, 120):  # published while the stream is down: backfilled per tag
                fake.publish(status(n, *tags_of[n]))
            await asyncio.sleep(0.3)
            fake.streaming_down = False
            await until(lambda: store.count_posts("both") == 120)
            await asyncio.sleep(0.6)  # a last commit of every campaign's cursor
            watcher.stop("test over")
            stats = await asyncio.wait_for(task, timeout=20)
        finally:
            task.cancel()
            await fake.stop()
        return stats, fake

    stats, fake = asyncio.run(scenario())
    assert fake.stream_connections == 2  # one socket for every campaign, reopened once
    assert stats.reconnects >= 1 and stats.backfilled >= 80
    want = {"nypd": {n for n, t in tags_of.items() if "myNYPD" in t},
            "sky": {n for n, t in tags_of.items() if "SkyLuxury" in t}, "both": set(tags_of)}
    for name, numbers in want.items():
        assert store.count_posts(name) == len(numbers), name
        host = fake.base_url.split("//")[1]
        assert store.get_cursor(f"mastodon:{host}:{name}") == status(119, "x")["id"]
    assert ids(store, "nypd") | ids(store, "sky") == ids(store, "both")
    assert len(ids(store, "nypd") & ids(store, "sky")) == 40
    assert stored_once(store) == 120  # a status two campaigns share is stored once
