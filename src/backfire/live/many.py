"""Watching many campaigns at once: one stream connection, each campaign with its own lane.

A `ManyWatcher` reads one shared source (`live.shared`: Jetstream for the union of the campaigns'
tags, or one Mastodon socket subscribed to all of them) and fans every decoded event out to one
`Lane` per campaign. Each lane has

- its own `Committer`: the campaign's posts are committed with the campaign's own cursor (stored
  under the key a single-campaign watch uses, so a campaign can move between the two forms), and a
  post two campaigns share is stored once and linked to both;
- its own posts hook, normally its own `Pipeline` (`pipeline_lane`): detector state, text cache,
  reviewer corrections and alert channels are the campaign's. The classifier's weights may be
  shared; its verdicts are not, since they depend on the campaign's tags, owners, intent and labels.

The connection resumes from the oldest of the lanes' cursors (a campaign new to the watch has none
and starts with the stream); a lane ahead of it sees the replayed stretch again, which its store
link and verdicts make harmless. Every lane's hook runs in one worker thread, in commit order.

>>> from backfire.model import Campaign
>>> Lane(Campaign(name="nypd", tags=["myNYPD"])).name
'nypd'
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from backfire.live.base import Decoded, PostsHook, WatchStats
from backfire.live.batch import Committer, RecentKeys
from backfire.live.runner import Watcher
from backfire.live.shared import SharedSource
from backfire.live.worker import HookWorker
from backfire.model import Campaign, Post, Quarantined
from backfire.store.base import Store

if TYPE_CHECKING:  # pragma: no cover
    from backfire.pipeline import AlarmHook, Pipeline
    from backfire.understand.base import Classifier
    from backfire.warn.base import Detector


@dataclass
class LaneStats:
    """One campaign's share of a watch: what was stored for it and what its pipeline made of it."""

    posts_stored: int = 0
    duplicates: int = 0
    commits: int = 0
    cursor: str | None = None
    pipeline_error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"posts_stored": self.posts_stored, "duplicates": self.duplicates, "commits": self.commits,
                "cursor": self.cursor, "pipeline_error": self.pipeline_error}


@dataclass
class Lane:
    """One campaign in a shared watch: the campaign, its posts hook (its pipeline), and its counts."""

    campaign: Campaign
    hook: PostsHook | None = None
    pipeline: Pipeline | None = None
    stats: LaneStats = field(default_factory=LaneStats)

    @property
    def name(self) -> str:
        return self.campaign.name

    def summary(self) -> dict[str, Any]:
        """The lane's counts with its pipeline's (posts judged, stances, alarms) as plain JSON values."""
        out = {"tags": list(self.campaign.tags), **self.stats.as_dict()}
        if self.pipeline is not None:
            out["pipeline"] = self.pipeline.counts.as_dict()
        return out


@dataclass
class ManyStats(WatchStats):
    """The counts of a shared watch: the stream's (events, malformed, reconnects, gaps) and each lane's."""

    lanes: list[Lane] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "campaigns": {lane.name: lane.summary() for lane in self.lanes}}

    def status_line(self) -> str:
        shown = [f"{lane.name} {lane.stats.posts_stored:,}{_alarms(lane)}" for lane in self.lanes[:6]]
        more = f" +{len(self.lanes) - 6} more" if len(self.lanes) > 6 else ""
        return f"{super().status_line()} · {', '.join(shown)}{more}"

    def summary(self) -> str:
        lines = [super().summary(), f"  campaigns        {len(self.lanes):,}"]
        width = max((len(lane.name) for lane in self.lanes), default=0)
        for lane in self.lanes:
            s = lane.stats
            judged = f" · {lane.pipeline.counts.posts:,} judged{_alarms(lane)}" if lane.pipeline else ""
            failed = f" · pipeline failed: {s.pipeline_error}" if s.pipeline_error else ""
            lines.append(f"    {lane.name:<{width}}  {s.posts_stored:,} stored · {s.duplicates:,} duplicates"
                         f"{judged}{failed} · cursor {s.cursor or '-'}")
        return "\n".join(lines)


def _alarms(lane: Lane) -> str:
    if lane.pipeline is None or not lane.pipeline.counts.alarms:
        return ""
    n = lane.pipeline.counts.alarms
    return f" ({n} alarm{'s' if n != 1 else ''})"


class FanOut:
    """The watcher's sink for a shared source: one `Committer` per lane, fed each event's posts for it."""

    def __init__(self, store: Store, lanes: Sequence[Lane], source: SharedSource, stats: ManyStats,
                 batch_size: int, batch_ms: int, submit: Callable[[tuple[Lane, list[Post]]], None] | None) -> None:
        self.store = store
        self.lanes = list(lanes)
        self.source = source
        self.stats = stats
        self.cursor: str | None = None
        self.committers: dict[str, Committer] = {}
        for lane in self.lanes:
            hook = _to_worker(submit, lane) if submit is not None and lane.hook is not None else None
            self.committers[lane.name] = Committer(
                store, lane.name, source.lane_cursor_name(lane.name), lane.stats, batch_size, batch_ms, hook,
                RecentKeys(), source.merge_cursor)

    def start(self, cursor: str | None = None) -> None:
        """Begin each lane from its stored cursor; the stream from the oldest of them."""
        oldest: str | None = None
        for lane in self.lanes:
            committer = self.committers[lane.name]
            stored = self.store.get_cursor(committer.cursor_name)
            committer.start(stored)
            lane.stats.cursor = stored
            if stored is not None:
                oldest = stored if oldest is None else self._older(oldest, stored)
        self.cursor = oldest

    def add(self, decoded: Decoded) -> None:
        """Give each lane the event's cursor and the posts routed to it."""
        mine: dict[str, list[Post]] = {lane.name: [] for lane in self.lanes}
        for i, post in enumerate(decoded.posts):
            names = decoded.routes[i] if decoded.routes is not None else mine.keys()
            for name in names:
                if name in mine:
                    mine[name].append(post)
        for lane in self.lanes:
            self.committers[lane.name].add(Decoded(posts=mine[lane.name], cursor=decoded.cursor))
        if decoded.cursor is not None:
            self.cursor = self.source.merge_cursor(self.cursor, decoded.cursor)
        if decoded.posts:  # a lane's batch may have filled and been committed
            self._count()

    def quarantine(self, item: Quarantined) -> None:
        """A malformed frame may have been any campaign's post: each campaign's quarantine keeps it."""
        for committer in self.committers.values():
            committer.quarantine(item)

    def due(self) -> bool:
        return any(c.due() for c in self.committers.values())

    def flush(self) -> None:
        """Commit every lane's batch, each with its own cursor, each in its own transaction."""
        for committer in self.committers.values():
            committer.flush()
        self._count()

    def _count(self) -> None:
        for lane in self.lanes:
            lane.stats.cursor = self.committers[lane.name].cursor
        self.stats.posts_stored = sum(lane.stats.posts_stored for lane in self.lanes)
        self.stats.duplicates = sum(lane.stats.duplicates for lane in self.lanes)
        self.stats.commits = sum(lane.stats.commits for lane in self.lanes)

    def _older(self, a: str, b: str) -> str:
        return a if self.source.merge_cursor(a, b) == b else b


def _to_worker(submit: Callable[[tuple[Lane, list[Post]]], None], lane: Lane) -> PostsHook:
    def hand_on(posts: list[Post]) -> None:
        submit((lane, posts))

    return hand_on


def _run_lane(job: tuple[Lane, list[Post]]) -> None:
    lane, posts = job
    if lane.hook is not None:
        lane.hook(posts)


class ManyWatcher(Watcher):
    """Watch one shared source into `store` for every lane (campaign) until stopped.

    Options are those of `Watcher` (batch size and age, `max_events`, `idle_exit`, backoff,
    reporter, signals); `max_events` counts the stream's events, not any one campaign's.
    """

    def __init__(self, source: SharedSource, store: Store, lanes: Sequence[Lane], **options: Any) -> None:
        if not lanes:
            raise ValueError("a shared watch needs at least one campaign")
        names = [lane.name for lane in lanes]
        if len(set(names)) != len(names):
            raise ValueError(f"campaign names must differ: {', '.join(names)}")
        options.pop("on_posts", None)
        super().__init__(source, store, "+".join(names), **options)
        self.lanes = list(lanes)
        self.stats = ManyStats(source=source.name, lanes=self.lanes)
        hooked = any(lane.hook is not None for lane in self.lanes)
        worker: HookWorker[tuple[Lane, list[Post]]] | None = (
            HookWorker(_run_lane, max_backlog=max(4, 2 * len(self.lanes))) if hooked else None)
        self.worker = worker
        self.fanout = FanOut(store, self.lanes, source, self.stats, self.batch_size, self.batch_ms,
                             worker.submit if worker is not None else None)
        self.committer = self.fanout

    def __repr__(self) -> str:
        return f"ManyWatcher(source={self.source!r}, campaigns={[lane.name for lane in self.lanes]!r})"

    @property
    def cursor(self) -> str | None:
        """Where the shared stream has got to (it starts from the oldest campaign's cursor)."""
        return self.fanout.cursor


def pipeline_lane(
    campaign: Campaign,
    store: Store,
    classifier: Classifier,
    detector: Detector | None = None,
    on_alarm: Iterable[AlarmHook] = (),
    on_failure: Callable[[Lane, Exception], None] | None = None,
) -> Lane:
    """A lane that runs each committed batch through the campaign's own `Pipeline` (classify with the
    campaign's corrections, detect, store verdicts and alarms, alert). When the pipeline fails the
    lane keeps collecting and says so once, through `on_failure`."""
    from backfire.pipeline import Pipeline

    pipe = Pipeline(campaign, classifier, detector, store=store, on_alarm=list(on_alarm))
    lane = Lane(campaign, pipeline=pipe)

    def process(posts: list[Post]) -> None:
        if lane.stats.pipeline_error is not None:
            return
        try:
            pipe.process(sorted(posts, key=lambda p: p.created_at))
        except Exception as exc:  # the posts are committed already; keep collecting, loudly
            lane.stats.pipeline_error = f"{type(exc).__name__}: {exc}"
            if on_failure is not None:
                on_failure(lane, exc)

    lane.hook = process
    return lane


def watch_many(source: SharedSource, store: Store, lanes: Sequence[Lane], **options: Any) -> ManyStats:
    """Run a `ManyWatcher` to completion in a fresh event loop (the library entry point)."""
    stats = asyncio.run(ManyWatcher(source, store, lanes, **options).run())
    assert isinstance(stats, ManyStats)
    return stats


__all__ = ["FanOut", "Lane", "LaneStats", "ManyStats", "ManyWatcher", "pipeline_lane", "watch_many"]
