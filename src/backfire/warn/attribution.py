"""Who seeded the hostile reach: credit each original's author with the hostile reach of its cascade.

Every original, quote and reply becomes a root. A post's hostile reach (the audience it reaches, in
followers, times its probability of being hostile) is credited to its own author when it is a root, and to the author of
the root it reposts; quotes and replies also pass half of their reach to the author they answer.
Ranking favours the biggest seeds and, among them, the earliest: credit fades with how long after
the change began the root was posted. That `Board` names the baselines' "most amplified accounts"; our
detector ranks by `Threads` (below), which judges each original by its whole thread.

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
import re
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from backfire.model import Post
from backfire.warn.reach import bound


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
        bound(self.roots, self.limit)

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


@dataclass
class Thread:
    """An original post, the reach of its reposts and the verdicts of the answers (quotes, replies) it drew."""

    author: str
    at: datetime
    p: float  # the original's own p_hostile
    reach: float = 0.0  # the original's and its reposts' reach
    answers: float = 0.0  # sum of the answers' p_hostile
    count: int = 0  # number of answers
    sided: float = 0.0  # sum of the answers' p_hostile + p_support (the part of them that takes a side)
    carried: float = 0.0  # hostile mass of the answers themselves (reach times excess at the time)


class Threads:
    """Our detector's trigger board: which originals seeded the hostile reach, judged by their threads.

    A thread is an original with its reposts, quotes and replies (answers to answers belong to the same
    thread; an answer to a post never seen, such as the owner's, starts a thread of its own). A post
    without links that opens with @mentions answers the latest original of the first account they name
    that posted one in the last `answer_minutes` (`addressed`): on a stream without reply links (a CSV
    of tweets, a dataset of posts) that is how answers show. On simulated streams of real posts with
    their links cut (`benchmarks/detect --flat`), it put the true trigger first in 56 of 60 development
    hijacks instead of 45. A post addressed to an account that spoke hours ago ("@Apple my mac is slow"
    under a campaign launched in the morning) is a complaint of its own, and so is any unlinked post on
    a stream that links its answers: without both limits, campaigns known by their tag alone (whose
    owner's posts are not set aside) credited their owner's launch post with the trigger's complaint,
    and the true trigger came first in 37 of 53 development hijacks detected, with or without repost
    links; with them, 53 of 53 (cascaded) and 52 of 53 (`--flat`). A thread's
    hostility is its own p_hostile, or that blended with its answers' (the original worth `own_weight`
    answers) when this is higher: a sarcastic seed the classifier misreads still shows in the hostile
    agreement it draws. Answers count by the part of their verdict that takes a side (p_hostile +
    p_support): an answer read as taking none neither lifts nor dilutes its thread. Its credit is the
    reach of the original and its reposts times that hostility's excess over the calm baseline, plus
    what its answers reach. The detector gives each post's reach (`reach.py`): a repost's by log
    followers, the original's own by the square root of its followers, capped at 100,000. So one famous
    account's post does not outweigh a cascade, but on a stream without repost links, where the audience
    is the only sign of how far a post went, the bigger account seeds more. Each account's best thread
    counts, fading with its distance from the change point in either direction; ties go to the earliest.

    >>> from datetime import datetime, UTC
    >>> from backfire.model import Author, Post
    >>> board = Threads()
    >>> t = datetime(2014, 4, 22, 20, tzinfo=UTC)
    >>> board.record(Post(id="1", platform="x", author=Author(handle="a"), created_at=t, text="Such gentle"), 0.9, 1.0)
    >>> board.record(Post(id="2", platform="x", author=Author(handle="b"), created_at=t, text="x", repost_of="1"),
    ...              0.9, 2.0)   # the post it joined
    '1'
    >>> board.rank(t, 0.2), round(board.threads["1"].reach, 1)
    (['a'], 3.0)
    """

    def __init__(self, limit: int = 5000, fade_minutes: float = 60.0, lookback_minutes: float = 60.0,
                 own_weight: float = 5.0, answer_minutes: float = 60.0) -> None:
        self.limit = limit
        self.fade_minutes = fade_minutes
        self.lookback_minutes = lookback_minutes
        self.own_weight = own_weight
        self.answer_minutes = answer_minutes
        self.threads: OrderedDict[str, Thread] = OrderedDict()
        self.members: OrderedDict[str, str] = OrderedDict()  # answer id -> its thread's original
        self.latest: OrderedDict[str, str] = OrderedDict()  # author (lower case) -> their latest original
        self.linked = False  # whether the stream links answers (reply or quote ids): then words never do

    def record(self, post: Post, p_hostile: float, reach: float, base: float = 0.0,
               p_support: float | None = None) -> str | None:
        """Add `post` (its p_hostile, p_support and its author's reach) to its thread; `base` is the calm
        level. Without `p_support` the verdict takes a side entirely (p_support = 1 - p_hostile).
        Returns the id of the post it reposts or answers as the board reads it (its link, or for an
        unlinked post opening with @mentions the original it answers: `addressed`), None for an original."""
        if post.repost_of is not None:
            thread = self.threads.get(self.members.get(post.repost_of, post.repost_of))
            if thread is not None:
                thread.reach += reach
            return post.repost_of
        self.linked = self.linked or post.quote_of is not None or post.reply_to is not None
        parent = post.quote_of or post.reply_to or self.addressed(post)
        root = None if parent is None else self.members.get(parent, parent)
        thread = None if root is None else self.threads.get(root)
        if root is None or thread is None:  # an original, or an answer to a post never seen (the owner's)
            self.threads[post.id] = Thread(post.author.handle, post.created_at, p_hostile, reach)
            bound(self.threads, self.limit)
            self.latest.pop(post.author.handle.casefold(), None)
            self.latest[post.author.handle.casefold()] = post.id
            bound(self.latest, self.limit)
            return parent
        thread.answers += p_hostile
        thread.count += 1
        thread.sided += p_hostile + (1.0 - p_hostile if p_support is None else p_support)
        thread.carried += reach * _excess(p_hostile, base)
        self.members[post.id] = root
        bound(self.members, self.limit)
        return parent

    def addressed(self, post: Post) -> str | None:
        """The original a post without links answers by its words: the latest original of the first
        account its leading @mentions name that posted one ("@activist so true" on a stream without
        reply links, such as a CSV of tweets). None when no such account posted an original, and on a
        stream that links its answers: there a post without a link is not an answer, whatever it opens
        with ("@Apple my mac is slow" is a complaint of its own, not an answer to Apple's latest post)."""
        if post.repost_of is not None or self.linked:
            return None
        lead = _LEADING_MENTIONS.match(post.text)
        if lead is None:
            return None
        for handle in _MENTION.findall(lead.group(0)):
            original = self.latest.get(handle.rstrip(".").casefold())
            thread = None if original is None or original == post.id else self.threads.get(original)
            if thread is not None and post.created_at - thread.at <= timedelta(minutes=self.answer_minutes):
                return original
        return None

    def hostility(self, thread: Thread) -> float:
        """The thread's p_hostile: its original's, or its answers' blended in when they lift it. The
        answers count by the part of their verdict that takes a side: an answer read as taking none
        ("Saving this before they delete it") neither lifts nor dilutes the thread."""
        return max(thread.p, (self.own_weight * thread.p + thread.answers) / (self.own_weight + thread.sided))

    def credits(self, since: datetime, base: float, until: datetime | None = None) -> list[Credit]:
        """Every thread on the board from `since` (less `lookback_minutes`) to `until`: the hostile reach
        it seeded over the calm level `base` and that credit faded by its distance from `since` (the
        score `rank` orders accounts by). The one implementation of trigger attribution: the alarms
        rank with it, `backfire.explain` reports it for any campaign and window."""
        out = []
        for post_id, thread in self.threads.items():
            lag = (thread.at - since).total_seconds() / 60.0
            if lag < -self.lookback_minutes or (until is not None and thread.at > until):
                continue
            hostility = self.hostility(thread)
            credit = thread.reach * _excess(hostility, base) + thread.carried
            out.append(Credit(post_id, thread.author, thread.at, lag, thread.reach, hostility, thread.count,
                              credit, credit * math.exp(-abs(lag) / self.fade_minutes)))
        return out

    def rank(self, since: datetime, base: float, top: int = 5) -> list[str]:
        """Accounts ranked by the hostile reach their best thread seeded around `since`, over the calm
        level `base`."""
        return [c.author for c in best_per_account(self.credits(since, base))][:top]


@dataclass(frozen=True)
class Credit:
    """One thread's part in a hostile wave: its original post, when it came relative to the change
    (`lag`, minutes), the reach of the original and its reposts, its hostility (answers blended in),
    how many answers it drew, the hostile reach it seeded over the calm level (`credit`) and that credit
    faded by its distance from the change (`score`, what triggers are ranked by)."""

    post_id: str
    author: str
    at: datetime
    lag: float
    reach: float
    hostility: float
    answers: int
    credit: float
    score: float


def best_per_account(credits: list[Credit]) -> list[Credit]:
    """Each account's best-scoring thread, ranked by score (ties: the earliest first); zero scores left out."""
    best: dict[str, Credit] = {}
    first: dict[str, datetime] = {}
    for c in credits:
        if c.score > (best[c.author].score if c.author in best else 0.0):
            best[c.author] = c
        first.setdefault(c.author, c.at)
    return sorted(best.values(), key=lambda c: (-c.score, first[c.author]))


_LEADING_MENTIONS = re.compile(r"^\s*(?:@[\w.@-]+[:,]?\s+)+")
_MENTION = re.compile(r"@([\w.-]+(?:@[\w.-]+)?)")


def _excess(p: float, base: float) -> float:
    return max(0.0, p - base) / (1.0 - base) if base < 1.0 else 0.0
