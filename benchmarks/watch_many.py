#!/usr/bin/env python
"""Watching many campaigns: one shared connection against one connection per campaign, and 1 campaign alone.

A loopback Jetstream replay (in this process) serves simulated campaigns on distinct tags (a #myNYPD
hijack and calm controls), merged into one stream. Each setup watches it into a fresh SQLite store
with every campaign's pipeline (the baseline classifier, the default detector):

- `1 campaign`: one watcher, one campaign;
- `N shared`: one `ManyWatcher`, one connection, N lanes;
- `N separate`: N `Watcher`s, N connections, in the same event loop (what N `watch` runs would do).

Printed: stream events read per second (each connection reads every event) and campaign posts stored
per second when the server sends as fast as it can, and the delay from the server sending an event to
the pipeline having judged its post (p50, p95, max) when it sends at `--rate` events/s.

    .venv/bin/python benchmarks/watch_many.py              # about 40 s
    .venv/bin/python benchmarks/watch_many.py --rate 2000 --hours 6
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from backfire.live import JetstreamSource, Lane, ManyWatcher, SharedJetstream, Watcher, pipeline_lane
from backfire.live.replay import JetstreamReplay, JetstreamScript, ListLog, ServerThread
from backfire.live.replay.campaigns import campaign_streams
from backfire.model import Campaign, Post
from backfire.pipeline import Pipeline
from backfire.store import Store, open_store
from backfire.understand import get_classifier
from backfire.understand.base import Classifier

SCENARIOS = [("mynypd", 2014, None), ("steady-critics", 1, "airline"), ("viral-success", 3, "food"),
             ("steady-critics", 2, "bank")]
IDLE = {"shared": 1.0, "separate": 3.0}  # N watchers in one loop: one may wait longer for its frames


class TimedLog:
    """The log the server replays, noting when each event is handed out to be sent."""

    def __init__(self, log: ListLog) -> None:
        self.log = log
        self.sent: dict[int, float] = {}

    def __len__(self) -> int:
        return len(self.log)

    def event(self, index: int) -> dict[str, Any]:
        event = self.log.event(index)
        self.sent[int(event["time_us"])] = time.monotonic()
        return event

    def index_at(self, time_us: int) -> int:
        return self.log.index_at(time_us)


class Judged:
    """Records, per post, when its pipeline had judged it."""

    def __init__(self) -> None:
        self.at: dict[str, tuple[float, int]] = {}

    def wrap(self, hook: Callable[[list[Post]], Any]) -> Callable[[list[Post]], Any]:
        def timed(posts: list[Post]) -> None:
            hook(posts)
            now = time.monotonic()
            for p in posts:
                self.at.setdefault(p.key, (now, int(p.created_at.timestamp() * 1_000_000)))

        return timed


def lanes(store: Store, campaigns: dict[str, list[str]], classifier: Classifier, judged: Judged) -> list[Lane]:
    out = []
    for name, tags in campaigns.items():
        lane = pipeline_lane(Campaign(name=name, tags=tags), store, classifier)
        assert lane.hook is not None
        lane.hook = judged.wrap(lane.hook)
        out.append(lane)
    return out


async def shared(url: str, store: Store, campaigns: dict[str, list[str]], classifier: Classifier,
                 judged: Judged) -> tuple[int, int]:
    source = SharedJetstream(campaigns, url)
    watcher = ManyWatcher(source, store, lanes(store, campaigns, classifier, judged), idle_exit=IDLE["shared"],
                          handle_signals=False)
    stats = await watcher.run()
    return stats.events, stats.posts_stored


async def separate(url: str, store: Store, campaigns: dict[str, list[str]], classifier: Classifier,
                   judged: Judged) -> tuple[int, int]:
    """N watchers, each with a store file of its own: one store would hand a campaign the reposts of
    posts another campaign's watcher stored (a single watch keeps a repost of any post the store holds)."""
    watchers = []
    for name, tags in campaigns.items():
        own = open_store(Path(str(store.path)).with_suffix(f".{name}.db"))
        pipe = Pipeline(Campaign(name=name, tags=tags), classifier, store=own)
        watchers.append(Watcher(JetstreamSource(tags, name, url), own, name, on_posts=judged.wrap(_runner(pipe)),
                                idle_exit=IDLE["separate"], handle_signals=False))
    results = await asyncio.gather(*(w.run() for w in watchers))
    stored = sum(w.store.count_posts(w.campaign) for w in watchers)
    for w in watchers:
        w.store.close()
    return sum(r.events for r in results) // len(watchers), stored


def _runner(pipe: Pipeline) -> Callable[[list[Post]], Any]:
    def process(posts: list[Post]) -> None:
        pipe.process(sorted(posts, key=lambda p: p.created_at))

    return process


def run(setup: str, log: ListLog, campaigns: dict[str, list[str]], classifier: Classifier, folder: Path,
        rate: float | None) -> dict[str, Any]:
    timed = TimedLog(log)
    judged = Judged()
    with open_store(folder / f"{setup.replace(' ', '-')}-{rate or 'max'}.db") as store, \
            ServerThread(JetstreamReplay(timed, JetstreamScript(rate=rate))) as server:
        started = time.monotonic()
        kind = "separate" if setup.endswith("separate") else "shared"
        body = separate if kind == "separate" else shared
        events, stored = asyncio.run(body(server.url, store, campaigns, classifier, judged))
        elapsed = time.monotonic() - started - IDLE[kind]
    delays = sorted(at - timed.sent[t] for at, t in judged.at.values() if t in timed.sent)
    return {"setup": setup, "events": events, "stored": stored, "seconds": elapsed,
            "events_s": events / elapsed, "posts_s": stored / elapsed, "delays": delays}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=4.0, help="length of each simulated campaign")
    parser.add_argument("--scale", type=float, default=1.0, help="volume of each simulated campaign")
    parser.add_argument("--rate", type=float, default=1000.0, help="events/s for the delay runs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        log, tags = campaign_streams(folder, SCENARIOS, hours=args.hours, scale=args.scale, shared=8)
        every = {f"c{k}-{tag}": [tag] for k, tag in enumerate(tags)}
        first = dict(list(every.items())[:1])
        classifier = get_classifier("baseline")
        n = len(every)
        print(f"{len(log):,} events, {n} campaigns ({', '.join('#' + t for t in tags)}); baseline classifier, "
              "each campaign its own pipeline; delay = server sent the event -> its post judged")
        print(f"{'setup':<14} {'events/s':>9} {'posts/s':>9} {'posts':>7}   delay at {args.rate:,.0f} events/s: "
              "p50 / p95 / max ms")
        for setup, campaigns in (("1 campaign", first), (f"{n} shared", every), (f"{n} separate", every)):
            fast = run(setup, log, campaigns, classifier, folder, None)
            d = run(setup, log, campaigns, classifier, folder, args.rate)["delays"]
            p50 = statistics.median(d) if d else float("nan")
            p95 = d[int(0.95 * (len(d) - 1))] if d else float("nan")
            print(f"{setup:<14} {fast['events_s']:>9,.0f} {fast['posts_s']:>9,.0f} {fast['stored']:>7,}   "
                  f"{p50 * 1000:,.0f} / {p95 * 1000:,.0f} / {max(d, default=0) * 1000:,.0f}")

if __name__ == "__main__":
    main()
