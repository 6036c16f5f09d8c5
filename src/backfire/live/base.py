"""The vocabulary of live watching: decoded events, counts, and what a stream source provides."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from backfire.model import Post, Quarantined
from backfire.store.base import Gap

if TYPE_CHECKING:  # pragma: no cover
    from backfire.live.runner import Watcher

#: Called with each newly committed batch of posts (the processing pipeline hooks in here).
PostsHook = Callable[[list[Post]], Any]


class WatchError(Exception):
    """A problem the watcher cannot recover from by reconnecting (bad token, bad options)."""


class Malformed(Exception):
    """A frame that could not be decoded into an event; it is quarantined and counted."""


@dataclass
class Decoded:
    """One stream event after decoding: the posts it yields and the cursor it advances to.

    `cursor` is None when the event does not move the cursor. `skipped` marks events that were
    read but carry nothing for the campaign (other tags, deletes, identity events). A source shared
    by several campaigns (`live.shared`) names in `routes` the campaigns each post goes to (one
    entry per post); None means every campaign the watcher serves.
    """

    posts: list[Post] = field(default_factory=list)
    cursor: str | None = None
    skipped: bool = False
    opted_out: int = 0
    routes: list[frozenset[str]] | None = None


@dataclass
class WatchStats:
    """The running counts of one watch, printed as the summary at the end."""

    source: str
    events: int = 0
    posts_stored: int = 0
    duplicates: int = 0
    malformed: int = 0
    opted_out: int = 0
    skipped: int = 0
    reconnects: int = 0
    backfilled: int = 0
    rate_limit_waits: int = 0
    commits: int = 0
    gaps: list[Gap] = field(default_factory=list)
    stop_reason: str = ""
    started: float = field(default_factory=time.monotonic)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def as_dict(self) -> dict[str, Any]:
        """The counts as plain JSON-ready values."""
        return {
            "source": self.source,
            "events": self.events,
            "posts_stored": self.posts_stored,
            "duplicates": self.duplicates,
            "malformed": self.malformed,
            "opted_out": self.opted_out,
            "skipped": self.skipped,
            "reconnects": self.reconnects,
            "backfilled": self.backfilled,
            "rate_limit_waits": self.rate_limit_waits,
            "gaps": [_gap_dict(g) for g in self.gaps],
            "stop_reason": self.stop_reason,
            "seconds": round(self.elapsed, 1),
        }

    def status_line(self) -> str:
        """One short line of counts for the live status display."""
        return (
            f"{self.events:,} events · {self.posts_stored:,} posts stored · {self.duplicates:,} duplicates"
            f" · {self.malformed:,} malformed · {self.reconnects:,} reconnects"
        )

    def summary(self) -> str:
        """The end-of-run summary, one fact per line."""
        lines = [
            f"Watched {self.source} for {self.elapsed:,.0f} s ({self.stop_reason or 'stopped'}).",
            f"  events seen      {self.events:,}",
            f"  posts stored     {self.posts_stored:,}",
            f"  duplicates       {self.duplicates:,}",
            f"  skipped          {self.skipped:,} (other tags, deletes, other event kinds)",
            f"  malformed        {self.malformed:,} (quarantined)",
            f"  opted out        {self.opted_out:,} (#nobot / #nosearch / noindex accounts)",
            f"  backfilled       {self.backfilled:,}",
            f"  reconnects       {self.reconnects:,}",
            f"  rate-limit waits {self.rate_limit_waits:,}",
            f"  gaps             {len(self.gaps):,}",
        ]
        for g in self.gaps:
            end = g.end.isoformat() if g.end else "?"
            lines.append(f"    {g.start.isoformat()} .. {end}: {g.reason}")
        return "\n".join(lines)


def _gap_dict(gap: Gap) -> dict[str, Any]:
    end = gap.end.isoformat() if gap.end else None
    return {"source": gap.source, "start": gap.start.isoformat(), "end": end, "reason": gap.reason}


#: Receives the status text and the running counts a few times a second.
Reporter = Callable[[str, WatchStats], None]


class StreamSource(ABC):
    """A live platform stream: how to connect, resume, decode frames and catch up after a drop."""

    #: Short name of the platform stream (used for gaps and the summary).
    name: str = "stream"
    #: Seconds without any frame after which the connection is considered dead.
    stall_timeout: float = 30.0

    @property
    @abstractmethod
    def cursor_name(self) -> str:
        """The key under which this stream's cursor is stored."""

    @property
    @abstractmethod
    def display_url(self) -> str:
        """Where the stream comes from, safe to print (no tokens)."""

    @abstractmethod
    def stream_url(self, cursor: str | None) -> str:
        """The websocket URL to open, resuming from `cursor` when given."""

    @abstractmethod
    def decode(self, frame: str | bytes, watcher: Watcher) -> Decoded:
        """Turn one frame into an event; raise `Malformed` when it cannot be read."""

    async def prepare(self) -> None:
        """Find out what is needed before connecting (called before every connection attempt)."""
        return None

    def headers(self) -> dict[str, str]:
        """Extra HTTP headers for the websocket handshake."""
        return {}

    def resume_from(self, cursor: str | None) -> str | None:
        """The cursor to ask the server for, given the last committed one (a safety margin back)."""
        return cursor

    def connected(self, cursor: str | None) -> None:
        """Note that a connection opened resuming from `cursor`."""
        return None

    async def after_connect(self, ws: Any, watcher: Watcher) -> None:
        """Catch up after (re)connecting, before reading the stream (Mastodon backfills here)."""
        return None

    def check_gap(self, decoded: Decoded) -> Gap | None:
        """A gap revealed by this event (e.g. the server could not resume from our cursor)."""
        return None

    def merge_cursor(self, old: str | None, new: str) -> str:
        """The cursor after an event whose cursor is `new` (by default the latest one wins)."""
        return new

    def quarantine_record(self, frame: str | bytes, reason: str, cursor: str | None) -> Quarantined:
        """What to keep of a malformed frame: where it came (after which cursor) and its start."""
        snippet = frame[:300].decode("utf-8", "replace") if isinstance(frame, bytes) else frame[:300]
        return Quarantined(path=f"{self.name} after cursor {cursor or 'start'}", line=0,
                           reason=reason[:300], snippet=snippet, format=self.name)

    async def close(self) -> None:
        """Release what the source holds (HTTP clients)."""
        return None
