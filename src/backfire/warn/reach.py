"""How much evidence one post carries: its reach, what a repost adds, and how often its author spoke.

An original, quote or reply weighs its author's reach (log followers relative to a median account). A
repost repeats a verdict already counted, so it weighs only the audience it adds: a fraction of its
author's reach that shrinks as the same post is reposted again (its audiences overlap). An author's
post weighs 1/sqrt(n), n counting their recent posts (halving every two hours), so one busy account
cannot outvote a crowd.

Trigger attribution (`attribution.Threads`) credits a thread with the audience it reached. Its
reposts count by `reach`, but the original's (or answer's) own audience counts by `seed_reach`, the
square root of its followers relative to a median account: on a stream without repost links (a
dataset of posts, an export that drops retweets) the author's audience is the only sign of how far a
post went, and the logarithm flattens 100,000 followers to barely twice a median account's reach.

>>> reach(250), round(reach(100_000), 2), reach(None)
(1.0, 2.08, 1.0)
>>> seed_reach(250), round(seed_reach(100_000), 1), seed_reach(10**8), seed_reach(None)
(1.0, 20.0, 20.0, 1.0)
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any

from backfire.model import Post

MEDIAN_FOLLOWERS = 250


def reach(followers: int | None) -> float:
    """log10(1 + followers) relative to a median account, clipped to [0.25, 3]; unknown counts as 1."""
    if followers is None:
        return 1.0
    return min(3.0, max(0.25, math.log10(1 + followers) / math.log10(1 + MEDIAN_FOLLOWERS)))


def seed_reach(followers: int | None) -> float:
    """sqrt(followers) relative to a median account, clipped to [0.25, 20] (20: 100,000 followers; a
    bigger account's post does not spread proportionally further); unknown counts as 1."""
    if followers is None:
        return 1.0
    return min(20.0, max(0.25, math.sqrt((1 + followers) / (1 + MEDIAN_FOLLOWERS))))


class Bounded(OrderedDict[str, int]):
    """A counter that forgets its oldest keys beyond `limit` (keeps a watcher's state small)."""

    def __init__(self, limit: int = 20_000) -> None:
        super().__init__()
        self.limit = limit

    def bump(self, key: str) -> int:
        """Increment `key` and return its new count."""
        count = self.pop(key, 0) + 1
        self[key] = count
        if len(self) > self.limit:
            self.popitem(last=False)
        return count

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.limit, list(self.items())))


def bound(table: OrderedDict[Any, Any], limit: int) -> None:
    """Forget the oldest entry of `table` once it holds more than `limit` (call after each insert)."""
    if len(table) > limit:
        table.popitem(last=False)


def _rebuild(limit: int, items: list[tuple[str, int]]) -> Bounded:
    counter = Bounded(limit)
    counter.update(items)
    return counter


class Activity(OrderedDict[str, tuple[float, float]]):
    """How busy each author has been lately: a count of their posts that halves every `half_life`
    minutes, for the `limit` most recently active authors."""

    def __init__(self, half_life: float = 120.0, limit: int = 20_000) -> None:
        super().__init__()
        self.half_life = half_life
        self.limit = limit

    def bump(self, key: str, at: float) -> float:
        """Count one more post by `key` at `at` (minutes) and return the decayed count, at least 1."""
        level, last = self.pop(key, (0.0, at))
        level = level * 0.5 ** (max(0.0, at - last) / self.half_life) + 1.0
        self[key] = (level, at)
        if len(self) > self.limit:
            self.popitem(last=False)
        return level

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_activity, (self.half_life, self.limit, list(self.items())))


def _rebuild_activity(half_life: float, limit: int, items: list[tuple[str, tuple[float, float]]]) -> Activity:
    activity = Activity(half_life, limit)
    activity.update(items)
    return activity


class ReachWeights:
    """Evidence weight per post (see module doc). `repost_share` is the weight of a first repost
    relative to an original by the same account."""

    def __init__(self, repost_share: float = 0.5, author_half_life: float = 120.0, limit: int = 20_000) -> None:
        self.repost_share = repost_share
        self.author_half_life = author_half_life
        self.reposts = Bounded(limit)
        self.authors = Activity(author_half_life, limit)

    def weigh(self, post: Post) -> tuple[float, float]:
        """(evidence weight, audience) of `post`; call once per post, in stream order.

        The audience is the followers a post reaches (a median account when unknown), discounted for
        reposts like the evidence; it is what trigger attribution credits.
        """
        base = reach(post.author.followers)
        audience = float(MEDIAN_FOLLOWERS if post.author.followers is None else post.author.followers)
        if post.repost_of is not None:
            k = self.reposts.bump(post.repost_of)
            discount = self.repost_share / math.sqrt(k)
            base, audience = base * discount, audience * discount
        n = self.authors.bump(post.author.handle.casefold(), post.created_at.timestamp() / 60.0)
        return base / math.sqrt(n), audience

    def weight(self, post: Post) -> float:
        """The evidence weight of `post` alone (see `weigh`)."""
        return self.weigh(post)[0]
