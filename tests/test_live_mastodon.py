"""Watching Mastodon hashtags against the loopback fake: stream, gap backfill, rate limits, opt-outs."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from backfire.live import Backoff, MastodonSource, Watcher, WatchError, WatchStats
from backfire.live.replay import MastodonFake, mastodon_status, read_jsonl
from backfire.live.timeline import snowflake_time
from backfire.store import Store, open_store

DATA = Path(__file__).parent / "data" / "live"
CAMPAIGN = "nypd"

pytestmark = pytest.mark.timeout(60)

Driver = Callable[[MastodonFake, Watcher], Awaitable[None]]


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait until `condition()` holds (fail after `timeout` seconds)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def run_watch(
    store: Store,
    drive: Driver,
    *,
    fake_options: dict[str, Any] | None = None,
    port: int = 0,
    tags: tuple[str, ...] = ("myNYPD",),
    source_options: dict[str, Any] | None = None,
    **options: Any,
) -> tuple[WatchStats, MastodonFake, list[str]]:
    """Run a watcher against a fresh fake while `drive` plays the instance's side; then stop it."""
    states: list[str] = []

    async def scenario() -> tuple[WatchStats, MastodonFake, list[str]]:
        fake = MastodonFake(**(fake_options or {}))
        base = await fake.start(port=port)
        source = MastodonSource(base, list(tags), CAMPAIGN, **(source_options or {}))
        watcher = Watcher(source, store, CAMPAIGN, handle_signals=False,
                          backoff=Backoff(base=0.05, cap=0.2, seed=1),
                          reporter=lambda state, stats: states.append(state), **options)
        task = asyncio.create_task(watcher.run())
        try:
            await drive(fake, watcher)
            watcher.stop("test over")
            stats = await asyncio.wait_for(task, timeout=20)
        finally:
            task.cancel()
            await fake.stop()
        return stats, fake, states

    return asyncio.run(scenario())


@pytest.fixture
def store(tmp_path: Path) -> Any:
    with open_store(tmp_path / "live.db") as s:
        yield s


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def statuses(start: int, stop: int, tag: str = "myNYPD") -> list[dict[str, Any]]:
    return [mastodon_status(n, tag) for n in range(start, stop)]


def test_recorded_stream_messages_opt_outs_and_non_status_events(store: Store) -> None:
    async def drive(fake: MastodonFake, watcher: Watcher) -> None:
        await until(lambda: fake.stream_connections == 1 and len(fake._streams) == 1)
        for message in read_jsonl(DATA / "mastodon_stream.jsonl"):
            fake.send_raw(json.dumps(message))
        await until(lambda: watcher.stats.events == 9)

    stats, _, _ = run_watch(store, drive)
    texts = sorted(p.text for p in store.posts(CAMPAIGN))
    assert len(texts) == 3 and any("Kettled again" in t for t in texts)
    assert stats.opted_out == 3  # #nobot, noindex, #nosearch; "#bots" is not an opt-out
    assert stats.skipped == 2  # the delete and filters_changed
    assert stats.duplicates == 1  # the status.update of a status already stored


def test_gap_after_a_reconnect_is_backfilled_from_the_hashtag_timeline(store: Store) -> None:
    async def drive(fake: MastodonFake, watcher: Watcher) -> None:
        await until(lambda: len(fake._streams) == 1)
        for s in statuses(0, 20):
            fake.publish(s)
        await until(lambda: watcher.stats.events == 20)
        await until(lambda: store.get_cursor(watcher.source.cursor_name) == statuses(19, 20)[0]["id"])
        fake.streaming_down = True
        fake.drop_streams()
        for s in statuses(20, 120):  # published while the stream is down
            fake.publish(s)
        await asyncio.sleep(0.3)
        fake.streaming_down = False
        await until(lambda: len(fake._streams) == 1)
        for s in statuses(120, 125):
            fake.publish(s)
        await until(lambda: store.count_posts(CAMPAIGN) == 125)

    stats, fake, _ = run_watch(store, drive)
    assert store.count_posts(CAMPAIGN) == 125
    assert stats.reconnects >= 1
    assert stats.backfilled >= 100
    first = fake.rest_requests[0]
    assert "min_id=" in first and "limit=40" in first
    assert store.get_cursor(f"mastodon:{fake.base_url.split('//')[1]}:{CAMPAIGN}") == statuses(124, 125)[0]["id"]


def test_a_restart_backfills_what_was_posted_while_the_watcher_was_down(store: Store) -> None:
    async def first(fake: MastodonFake, watcher: Watcher) -> None:
        await until(lambda: len(fake._streams) == 1)
        for s in statuses(0, 10):
            fake.publish(s)
        await until(lambda: watcher.stats.events == 10)

    port = free_port()
    run_watch(store, first, port=port)

    async def second(fake: MastodonFake, watcher: Watcher) -> None:
        for s in statuses(0, 95):  # the new fake holds everything posted so far
            fake.publish(s)
        await until(lambda: store.count_posts(CAMPAIGN) == 95)

    stats, fake, _ = run_watch(store, second, port=port)  # same instance address, so same cursor
    assert stats.posts_stored == 85
    assert len(fake.rest_requests) >= 3  # 85 statuses at 40 a page, then an empty page


def test_backfill_waits_out_the_rate_limit_and_says_so(store: Store) -> None:
    """Two requests per second: paging 100 statuses (3 pages + 1 empty) must wait for the reset."""

    async def scenario() -> tuple[WatchStats, list[str]]:
        fake = MastodonFake(rate_limit=2, window_s=1.0)
        for s in statuses(0, 100):
            fake.publish(s)
        base = await fake.start()
        source = MastodonSource(base, ["myNYPD"], CAMPAIGN, margin_ms=0)
        store.add_posts([], CAMPAIGN, cursor=(source.cursor_name, str(int(statuses(0, 1)[0]["id"]) - 1)))
        states: list[str] = []
        watcher = Watcher(source, store, CAMPAIGN, handle_signals=False, idle_exit=0.8,
                          reporter=lambda state, stats: states.append(state))
        try:
            stats = await asyncio.wait_for(watcher.run(), timeout=30)
        finally:
            await fake.stop()
        return stats, states

    stats, states = asyncio.run(scenario())
    assert store.count_posts(CAMPAIGN) == 100
    assert stats.rate_limit_waits >= 1
    assert any(s.startswith("waiting for rate limit until ") for s in states)
    assert stats.stop_reason.startswith("no events")  # the waits did not count as idle time


async def _first_post_then_streaming_outage(fake: MastodonFake, store: Store) -> None:
    """One post arrives live, then the streaming API goes down (REST still answers)."""
    await until(lambda: len(fake._streams) == 1)
    fake.publish(statuses(0, 1)[0])
    await until(lambda: store.count_posts(CAMPAIGN) == 1)
    fake.streaming_down = True
    fake.drop_streams()


def test_a_429_is_retried_after_the_reset(store: Store) -> None:
    async def drive(fake: MastodonFake, watcher: Watcher) -> None:
        await _first_post_then_streaming_outage(fake, store)
        for s in statuses(1, 30):
            fake.publish(s)
        fake.force_429 = 1
        fake.retry_after_s = 0.7
        fake.streaming_down = False
        await until(lambda: store.count_posts(CAMPAIGN) == 30, timeout=20)

    stats, _, states = run_watch(store, drive)
    assert stats.rate_limit_waits >= 1
    assert any(s.startswith("waiting for rate limit until ") for s in states)
    assert store.count_posts(CAMPAIGN) == 30


def test_backfill_past_its_page_limit_records_a_gap(store: Store) -> None:
    async def drive(fake: MastodonFake, watcher: Watcher) -> None:
        await _first_post_then_streaming_outage(fake, store)
        for s in statuses(1, 200):
            fake.publish(s)
        fake.streaming_down = False
        await until(lambda: len(watcher.stats.gaps) == 1)

    run_watch(store, drive, source_options={"max_pages": 2, "page_limit": 40, "margin_ms": 0})
    assert store.count_posts(CAMPAIGN) == 81  # the first status and two pages of 40
    gaps = store.gaps("mastodon")
    assert len(gaps) == 1 and "stopped after 2 pages" in gaps[0].reason


def test_several_tags_on_one_socket_and_malformed_frames(store: Store) -> None:
    async def drive(fake: MastodonFake, watcher: Watcher) -> None:
        await until(lambda: len(fake._streams) == 1)
        await asyncio.sleep(0.2)  # the subscribe message for the second tag
        fake.publish(mastodon_status(1, "myNYPD"))
        fake.send_raw("{not json")
        fake.send_raw(json.dumps({"event": "update", "payload": "[]"}))
        fake.publish(mastodon_status(2, "NYPDprotest"))
        fake.publish(mastodon_status(3, "unrelated"))
        await until(lambda: watcher.stats.events == 4)

    stats, _, _ = run_watch(store, drive, tags=("myNYPD", "nypdprotest"))
    assert store.count_posts(CAMPAIGN) == 2
    assert stats.malformed == 2
    assert len(list(store.quarantined(CAMPAIGN))) == 2


def test_token_is_sent_and_a_refusal_is_a_clear_error(store: Store) -> None:
    async def drive(fake: MastodonFake, watcher: Watcher) -> None:
        await until(lambda: len(fake._streams) == 1)
        fake.publish(mastodon_status(1))
        await until(lambda: store.count_posts(CAMPAIGN) == 1)

    _, fake, _ = run_watch(store, drive, fake_options={"token": "s3cret"}, source_options={"token": "s3cret"})
    assert fake.instance_requests == 1  # where the streaming server lives was asked once
    with pytest.raises(WatchError, match="HTTP 401"):
        run_watch(store, lambda fake, watcher: asyncio.sleep(0.5), fake_options={"token": "s3cret"})


def test_a_first_run_with_since_backfills_the_tag_history(store: Store) -> None:
    since = snowflake_time(statuses(40, 41)[0]["id"])

    class Preloaded(MastodonFake):
        def __init__(self, **kw: Any) -> None:
            super().__init__(**kw)
            for s in statuses(0, 100):
                self.publish(s)

    async def scenario() -> WatchStats:
        fake = Preloaded()
        base = await fake.start()
        watcher = Watcher(MastodonSource(base, ["myNYPD"], CAMPAIGN, since=since), store, CAMPAIGN,
                          handle_signals=False, idle_exit=0.5)
        try:
            return await asyncio.wait_for(watcher.run(), timeout=20)
        finally:
            await fake.stop()

    stats = asyncio.run(scenario())
    assert store.count_posts(CAMPAIGN) == 60 and stats.backfilled == 60
