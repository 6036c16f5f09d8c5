"""Who seeded the hostile reach: credit each original's author with the hostile reach of its cascade.

Every original, quote and reply becomes a root. A post's hostile reach (the audience it reaches, in
followers, times its probability of being hostile) is credited to its own author when it is a root, and to the author of
the root it reposts; quotes and replies also pass half of their reach to the author they answer.
Ranking favours the biggest seeds and, among them, the earliest: credit fades with how long after
the change began the root was posted.

>>> from datetime import datetime, UTC
>>> from backfire.model import Author, Post
>>> board = Board()
>>> t = datetime(2014, 4, 22, 20, tzinfo=UTC)
>>> post = Post(id="1", platform="x", author=Author(handle="a"), created_at=t, text="Such gentle")
>>> board.record(post, 0.9, 2.0)
>>> board.rank(t)
['a']
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from backfire.model import Post


@dataclass
class Root:
    """An original (or quote or reply) and the hostile reach credited to it so far."""

    author: str
    at: datetime
    credit: float


class Board:
    """Hostile reach per root post, bounded to the `limit` most recent roots."""

    def __init__(self, limit: int = 5000, fade_minutes: float = 60.0, lookback_minutes: float = 30.0) -> None:
        self.limit = limit
        self.fade_minutes = fade_minutes
        self.lookback_minutes = lookback_minutes
        self.roots: OrderedDict[str, Root] = OrderedDict()

    def record(self, post: Post, p_hostile: float, audience: float) -> None:
        """Credit `post`'s hostile reach (`audience * p_hostile`) to the root(s) it belongs to."""
        mass = audience * p_hostile
        if post.repost_of is not None:
            self._credit(post.repost_of, mass)
            return
        parent = post.quote_of or post.reply_to
        if parent is not None:
            self._credit(parent, 0.5 * mass)
        self.roots[post.id] = Root(post.author.handle, post.created_at, mass)
        if len(self.roots) > self.limit:
            self.roots.popitem(last=False)

    def _credit(self, post_id: str, mass: float) -> None:
        root = self.roots.get(post_id)
        if root is not None:
            root.credit += mass

    def rank(self, since: datetime, top: int = 5) -> list[str]:
        """Accounts ranked by the hostile reach they seeded from `since` (less a short lookback) on."""
        scores: dict[str, float] = {}
        first: dict[str, datetime] = {}
        for root in self.roots.values():
            lag = (root.at - since).total_seconds() / 60.0
            if lag < -self.lookback_minutes:
                continue
            fade = math.exp(-max(lag, 0.0) / self.fade_minutes)
            scores[root.author] = scores.get(root.author, 0.0) + root.credit * fade
            first.setdefault(root.author, root.at)
        ranked = sorted(scores, key=lambda a: (-scores[a], first[a]))
        return [a for a in ranked if scores[a] > 0][:top]
