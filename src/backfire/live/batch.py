"""Batching and pacing for live streams: commit posts with their cursor, back off between retries.

>>> b = Backoff(base=1.0, cap=8.0, seed=1)
>>> [round(b.next(), 2) <= cap for cap in (1, 2, 4, 8, 8)]
[True, True, True, True, True]
>>> keys = RecentKeys(limit=2); keys.add("a"); keys.add("b"); keys.add("c"); "a" in keys, "c" in keys
(False, True)
"""

from __future__ import annotations

import random
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from backfire.live.base import Decoded, PostsHook
from backfire.model import Post, Quarantined
from backfire.store.base import Store


class Counts(Protocol):
    """The counters a committer keeps up to date (`WatchStats`, or one campaign's in `live.many`)."""

    posts_stored: int
    duplicates: int
    commits: int


class Sink(Protocol):
    """What the watcher hands decoded events to: one `Committer`, or a fan-out over campaigns."""

    cursor: str | None

    def start(self, cursor: str | None) -> None: ...

    def add(self, decoded: Decoded) -> None: ...

    def quarantine(self, item: Quarantined) -> None: ...

    def due(self) -> bool: ...

    def flush(self) -> None: ...


class Backoff:
    """Jittered exponential backoff: attempt n waits between half and all of min(cap, base * 2**n)."""

    def __init__(self, base: float = 0.5, cap: float = 60.0, seed: int | None = None) -> None:
        self.base = base
        self.cap = cap
        self.seed = seed
        self.attempt = 0
        self._random = random.Random(seed)

    def __repr__(self) -> str:
        return f"Backoff(base={self.base}, cap={self.cap}, seed={self.seed})"

    def next(self) -> float:
        """The delay before the next attempt (grows until `reset`)."""
        ceiling = min(self.cap, self.base * 2**self.attempt)
        self.attempt = min(self.attempt + 1, 32)
        return ceiling / 2 + self._random.uniform(0, ceiling / 2)

    def reset(self) -> None:
        """Start again from the base delay (after a connection that worked)."""
        self.attempt = 0


class RecentKeys:
    """A bounded set of recently seen post keys (oldest forgotten first), so memory stays flat."""

    def __init__(self, limit: int = 20_000) -> None:
        self.limit = limit
        self._keys: OrderedDict[str, None] = OrderedDict()

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, key: str) -> None:
        self._keys[key] = None
        self._keys.move_to_end(key)
        if len(self._keys) > self.limit:
            self._keys.popitem(last=False)


class Committer:
    """Collects decoded events and commits posts and cursor together, in batches.

    A batch is committed when it holds `batch_size` posts or is `batch_ms` old. Posts already seen
    in this session are dropped before storing (counted as duplicates); the store's own
    idempotency catches the rest (e.g. the safety margin replayed after a restart). Posts of events
    at or before the cursor the run started from (that margin) are handed to `on_posts` only when
    the campaign holds no verdict for them yet, so a restart judges no post twice.
    """

    def __init__(
        self,
        store: Store,
        campaign: str,
        cursor_name: str,
        stats: Counts,
        batch_size: int = 500,
        batch_ms: int = 500,
        on_posts: PostsHook | None = None,
        recent: RecentKeys | None = None,
        merge_cursor: Callable[[str | None, str], str] | None = None,
    ) -> None:
        self.store = store
        self.campaign = campaign
        self.cursor_name = cursor_name
        self.stats = stats
        self.batch_size = batch_size
        self.batch_ms = batch_ms
        self.on_posts = on_posts
        self.recent = recent if recent is not None else RecentKeys()
        self.merge_cursor = merge_cursor or (lambda old, new: new)
        self.cursor: str | None = None
        self._committed_cursor: str | None = None
        self._started_at: str | None = None
        self._replayed: set[str] = set()
        self._posts: list[Post] = []
        self._quarantined: list[Quarantined] = []
        self._malformed_here = 0
        self._opened: float | None = None

    def start(self, cursor: str | None) -> None:
        """Begin from the cursor the store holds."""
        self.cursor = self._committed_cursor = self._started_at = cursor

    def add(self, decoded: Decoded) -> None:
        """Take one event into the batch; commit when the batch is full."""
        replayed = self._replays(decoded.cursor)
        for post in decoded.posts:
            if post.key in self.recent:
                self.stats.duplicates += 1
                continue
            self.recent.add(post.key)
            self._posts.append(post)
            if replayed:
                self._replayed.add(post.key)
        if decoded.cursor is not None:
            self.cursor = self.merge_cursor(self.cursor, decoded.cursor)
            self._malformed_here = 0
        self._open()
        if len(self._posts) >= self.batch_size:
            self.flush()

    def quarantine(self, item: Quarantined) -> None:
        """Keep a malformed frame, numbered by its position after the last good cursor."""
        self._quarantined.append(item.model_copy(update={"line": self._malformed_here}))
        self._malformed_here += 1
        self._open()

    def due(self) -> bool:
        """True when the batch has waited `batch_ms` and has something to commit."""
        if self._opened is None:
            return False
        return (time.monotonic() - self._opened) * 1000 >= self.batch_ms

    def flush(self) -> None:
        """Commit the batch: quarantined frames, then posts and cursor in one transaction."""
        self._opened = None
        if self._quarantined:
            self.store.add_quarantined(self._quarantined, self.campaign)
            self._quarantined = []
        if not self._posts and self.cursor == self._committed_cursor:
            return
        posts, self._posts = self._posts, []
        judged = self._judged_already()
        cursor = (self.cursor_name, self.cursor) if self.cursor is not None else None
        result = self.store.add_posts(posts, self.campaign, cursor=cursor)
        self._committed_cursor = self.cursor
        self.stats.commits += 1
        self.stats.posts_stored += result.added
        self.stats.duplicates += result.duplicates
        fresh = [p for p in posts if p.key not in judged] if judged else posts
        if fresh and self.on_posts is not None:
            self.on_posts(fresh)

    def _replays(self, cursor: str | None) -> bool:
        """True for an event at or before the cursor this run started from (the resume margin)."""
        if self._started_at is None or cursor is None or self.on_posts is None:
            return False
        return self.merge_cursor(self._started_at, cursor) == self._started_at

    def _judged_already(self) -> set[str]:
        """Of the replayed posts in this batch, those the campaign already holds a verdict for."""
        if not self._replayed:
            return set()
        keys, self._replayed = sorted(self._replayed), set()
        held = self.store.posts_by_key(self.campaign, keys)
        return {key for key, (_, verdict, _) in held.items() if verdict is not None}

    def _open(self) -> None:
        if self._opened is None:
            self._opened = time.monotonic()
