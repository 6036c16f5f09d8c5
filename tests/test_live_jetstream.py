"""Watching Jetstream against the loopback replay server: drops, stalls, bad frames, bursts, zstd."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import zstandard

from backfire.live import Backoff, JetstreamSource, Watcher, WatchError, WatchStats
from backfire.live.replay import JetstreamReplay, JetstreamScript, ListLog, SyntheticJetstream, read_jsonl
from backfire.store import Store, open_store

DATA = Path(__file__).parent / "data" / "live"
CAMPAIGN = "nypd"

pytestmark = pytest.mark.timeout(60)


def run_watch(
    log: Any,
    store: Store,
    script: JetstreamScript | None = None,
    *,
    source_options: dict[str, Any] | None = None,
    **options: Any,
) -> tuple[WatchStats, JetstreamReplay]:
    """Serve `log` on loopback and watch it into `store` until idle; return counts and the server."""

    async def scenario() -> tuple[WatchStats, JetstreamReplay]:
        server = JetstreamReplay(log, script)
        url = await server.start()
        try:
            source = JetstreamSource(["myNYPD"], CAMPAIGN, url, **(source_options or {}))
            options.setdefault("idle_exit", 1.0)
            options.setdefault("backoff", Backoff(base=0.05, cap=0.2, seed=1))
            watcher = Watcher(source, store, CAMPAIGN, handle_signals=False, **options)
            stats = await asyncio.wait_for(watcher.run(), timeout=45)
        finally:
            await server.stop()
        return stats, server

    return asyncio.run(scenario())


@pytest.fixture
def store(tmp_path: Path) -> Any:
    with open_store(tmp_path / "live.db") as s:
        yield s


def stored_ids(store: Store) -> list[str]:
    return sorted(p.id for p in store.posts(CAMPAIGN))


def test_recorded_events_are_filtered_by_tag_and_reposts_of_held_posts(store: Store) -> None:
    stats, server = run_watch(ListLog(read_jsonl(DATA / "jetstream_events.jsonl")), store)
    ids = stored_ids(store)
    rkeys = sorted(i.rsplit("/", 1)[1] for i in ids)
    assert rkeys == ["3m6post0001", "3m6post0002", "3m6post0003", "3m6post0013", "3m6post0014",
                     "3m6post0016", "3m6repost0006", "3m6repost0015"]
    # the like is not sent at all (wantedCollections); everything else is read
    assert server.queries[0]["wantedCollections"] == ["app.bsky.feed.post", "app.bsky.feed.repost"]
    assert stats.events == 15 and stats.skipped == 7 and stats.posts_stored == 8
    assert store.get_cursor("jetstream:nypd") == str(1763719200000000 + 16_000_000)


def test_disconnect_mid_stream_resumes_from_cursor_with_exact_counts(store: Store) -> None:
    log = SyntheticJetstream(3000, step_us=5000)
    stats, server = run_watch(log, store, JetstreamScript(drop_after=[700, 900]))
    assert server.connections == 3
    assert stats.reconnects == 2
    assert store.count_posts(CAMPAIGN) == log.kept_count() == stats.posts_stored
    # each reconnect asked for the committed cursor minus the safety margin, not from the start
    resumed = [int(q["cursor"][0]) for q in server.queries[1:]]
    assert log.time_us(0) < resumed[0] <= log.time_us(699) - 2_000_000
    assert resumed[0] < resumed[1] <= log.time_us(699 + 900) - 2_000_000
    assert store.get_cursor("jetstream:nypd") == str(log.time_us(2999))


def test_restart_resumes_where_the_last_run_committed(store: Store) -> None:
    log = SyntheticJetstream(2000, step_us=5000)
    first, _ = run_watch(log, store, max_events=800)
    assert first.stop_reason == "reached --max-events"
    assert store.count_posts(CAMPAIGN) == log.kept_count(800)
    second, server = run_watch(log, store)
    cursor = int(server.queries[0]["cursor"][0])
    assert cursor == log.time_us(799) - 2_000_000  # the safety margin
    assert store.count_posts(CAMPAIGN) == log.kept_count()
    assert first.posts_stored + second.posts_stored == log.kept_count()


def test_a_stalling_server_is_dropped_and_the_stream_resumed(store: Store) -> None:
    log = SyntheticJetstream(1500, step_us=5000)
    states: list[str] = []
    stats, server = run_watch(log, store, JetstreamScript(stall_after=400),
                              source_options={"stall_timeout": 0.5}, idle_exit=2.0,
                              reporter=lambda state, stats: states.append(state))
    assert server.connections >= 2 and stats.reconnects >= 1
    assert any("no data for 0.5 s" in s for s in states)
    assert int(server.queries[1]["cursor"][0]) == log.time_us(399) - 2_000_000
    assert store.count_posts(CAMPAIGN) == log.kept_count()


def test_malformed_frames_are_quarantined_and_their_neighbours_kept(store: Store) -> None:
    log = SyntheticJetstream(1000)
    stats, server = run_watch(log, store, JetstreamScript(malformed_every=50))
    assert server.malformed_sent == 20
    assert stats.malformed == 20
    assert store.count_posts(CAMPAIGN) == log.kept_count()
    quarantined = list(store.quarantined(CAMPAIGN))
    assert len(quarantined) == 20
    assert {q.format for q in quarantined} == {"jetstream"}
    assert any("no integer time_us" in q.reason for q in quarantined)
    assert any("not JSON" in q.reason for q in quarantined)


def test_a_burst_of_5000_events_per_second_is_stored_completely(store: Store) -> None:
    log = SyntheticJetstream(10_000, step_us=200)
    started = time.monotonic()
    stats, server = run_watch(log, store, JetstreamScript(rate=5000), idle_exit=1.0)
    elapsed = time.monotonic() - started
    assert server.sent == 10_000 and stats.events == 10_000
    assert store.count_posts(CAMPAIGN) == log.kept_count() == 7000
    assert elapsed < 10.0  # the burst takes 2 s to send and 1 s of idle ends the run


def test_zstd_frames_with_a_dictionary_trained_on_sample_events(store: Store, tmp_path: Path) -> None:
    log = SyntheticJetstream(1200)
    samples = [json.dumps(log.event(i)).encode() for i in range(0, 1200, 3)]
    dictionary = zstandard.train_dictionary(8192, samples).as_bytes()
    path = tmp_path / "zstd_dictionary"
    path.write_bytes(dictionary)
    stats, server = run_watch(log, store, JetstreamScript(dictionary=dictionary, malformed_every=100),
                              source_options={"compress": True, "dictionary": path})
    assert server.queries[0]["compress"] == ["true"]
    assert store.count_posts(CAMPAIGN) == log.kept_count()
    assert stats.malformed == 12


def test_compression_without_a_dictionary_is_refused_clearly() -> None:
    with pytest.raises(WatchError, match="zstd dictionary"):
        JetstreamSource(["myNYPD"], CAMPAIGN, compress=True)


def test_a_cursor_older_than_the_replay_window_records_a_gap(store: Store) -> None:
    log = SyntheticJetstream(30_000, step_us=1000)
    run_watch(log, store, max_events=1000)
    # meanwhile the server's window moved on: events 1000..19999 are gone
    stats, _ = run_watch(log, store, JetstreamScript(oldest=20_000), idle_exit=1.5)
    gaps = store.gaps("jetstream")
    assert len(gaps) == 1 and len(stats.gaps) == 1
    assert gaps[0].end is not None and gaps[0].start < gaps[0].end
    assert round((gaps[0].end - gaps[0].start).total_seconds()) == 19
    assert "replay window" in gaps[0].reason


def test_max_events_and_idle_exit_end_scripted_runs(store: Store) -> None:
    log = SyntheticJetstream(500)
    stats, _ = run_watch(log, store, max_events=120)
    assert stats.events == 120 and stats.stop_reason == "reached --max-events"
    stats, _ = run_watch(SyntheticJetstream(0), store, idle_exit=0.3)
    assert "idle-exit" in stats.stop_reason


def test_the_status_line_reports_reconnects(store: Store) -> None:
    states: list[str] = []
    run_watch(SyntheticJetstream(600), store, JetstreamScript(drop_after=[100]),
              reporter=lambda state, stats: states.append(state))
    assert any(s.startswith("connection lost") and "reconnecting in" in s for s in states)
    assert states[-1].startswith("stopped")


def test_a_first_run_can_start_back_in_time_with_since(store: Store) -> None:
    log = SyntheticJetstream(1000, step_us=5000)
    since = datetime.fromtimestamp(log.time_us(500) / 1_000_000, tz=UTC)
    _, server = run_watch(log, store, source_options={"since": since})
    assert int(server.queries[0]["cursor"][0]) == log.time_us(500)
    # events 500..999 are read; the reposts among them whose subject came before 500 are not held
    assert store.count_posts(CAMPAIGN) == log.kept_count() - log.kept_count(500)


def test_an_unforeseen_decoding_error_is_quarantined_not_fatal(store: Store) -> None:
    log = SyntheticJetstream(100)
    bad = log.time_us(10)

    class Fragile(JetstreamSource):
        def decode(self, frame: str | bytes, watcher: Any) -> Any:
            if str(bad) in str(frame):
                raise RuntimeError("mapping bug")
            return super().decode(frame, watcher)

    async def scenario() -> WatchStats:
        server = JetstreamReplay(log)
        url = await server.start()
        try:
            watcher = Watcher(Fragile(["myNYPD"], CAMPAIGN, url), store, CAMPAIGN, idle_exit=0.5,
                              handle_signals=False)
            return await asyncio.wait_for(watcher.run(), timeout=20)
        finally:
            await server.stop()

    stats = asyncio.run(scenario())
    assert stats.malformed == 1 and stats.events == 100
    # event 10 (a tagged post) is lost to the bug, and with it event 17, its repost
    assert store.count_posts(CAMPAIGN) == log.kept_count() - 2
    assert "RuntimeError: mapping bug" in next(iter(store.quarantined(CAMPAIGN))).reason


def test_a_slow_pipeline_runs_off_the_loop_with_a_bounded_backlog(store: Store) -> None:
    log = SyntheticJetstream(3000, step_us=5000)
    seen: list[str] = []
    backlogs: list[int] = []
    watchers: list[Watcher] = []

    def slow_pipeline(posts: list[Any]) -> None:
        time.sleep(0.05)  # a classifier slower than the stream
        seen.extend(p.id for p in posts)
        backlogs.append(watchers[0].worker.backlog if watchers and watchers[0].worker else 0)

    async def scenario() -> WatchStats:
        server = JetstreamReplay(log)
        url = await server.start()
        try:
            watcher = Watcher(JetstreamSource(["myNYPD"], CAMPAIGN, url), store, CAMPAIGN, idle_exit=1.0,
                              batch_size=50, on_posts=slow_pipeline, handle_signals=False)
            watchers.append(watcher)
            return await asyncio.wait_for(watcher.run(), timeout=40)
        finally:
            await server.stop()

    stats = asyncio.run(scenario())
    assert stats.reconnects == 0
    assert len(seen) == len(set(seen)) == store.count_posts(CAMPAIGN) == log.kept_count()
    assert seen == [p.id for p in store.posts(CAMPAIGN)]  # in commit order
    assert max(backlogs) <= 5
