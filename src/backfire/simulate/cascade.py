"""Self-exciting repost cascades: each post spawns reposts, quotes and replies, which spawn more.

The number of direct offspring of a post grows with the square root of its author's followers and with a
lognormal "appeal" of the post; offspring are subcritical (mean below one per generation), so cascade
sizes are heavy-tailed but finite. This is the branching form of a Hawkes process.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from backfire.simulate.people import Account

MEDIAN_FOLLOWERS = 250.0


@dataclass
class Event:
    """One simulated post before it becomes a `Post`: minutes since launch, who, what, and its parent."""

    t: float
    author: Account
    kind: str
    text: str
    hostile: bool
    relation: str = "original"  # original | repost | quote | reply
    parent: int | None = None  # index of the reposted / quoted / replied-to event
    media: tuple[str, str] | None = None  # (url, alt text)
    index: int = field(default=-1)


@dataclass(frozen=True)
class Spread:
    """How far a cascade reaches: mean direct offspring at median followers, delays, depth."""

    mean_offspring: float = 0.55
    child_offspring: float = 0.22
    delay_median: float = 6.0
    delay_sigma: float = 1.0
    max_depth: int = 5
    max_size: int = 4000


#: Writes the text of a quote or reply to `parent`: returns (kind, text, hostile).
Responder = Callable[[Event, random.Random], tuple[str, str, bool]]
#: Picks the account that reposts or answers a post (hostile or not).
Picker = Callable[[bool], Account]


def offspring_count(followers: int, appeal: float, mean: float, rng: random.Random) -> int:
    """Poisson number of direct reposts/quotes/replies of one post."""
    lam = mean * appeal * math.sqrt(max(followers, 1) / MEDIAN_FOLLOWERS)
    return _poisson(min(lam, 3000.0), rng)


def grow(events: list[Event], root: int, appeal: float, rng: random.Random, spread: Spread,
         pick: Picker, respond: Responder, horizon: float, direct: int | None = None) -> None:
    """Append the cascade under `events[root]` to `events` (breadth first, stopping at `horizon`)."""
    frontier = [(root, 0, direct)]
    size = 0
    while frontier and size < spread.max_size:
        parent, depth, forced = frontier.pop()
        src = events[parent]
        # The post's own appeal drives its direct reposts; deeper generations spread on followers alone.
        mean, lift = (spread.mean_offspring, appeal) if depth == 0 else (spread.child_offspring, 1.0)
        n = forced if forced is not None else offspring_count(src.author.followers, lift, mean, rng)
        for _ in range(n):
            child = _child(events, parent, rng, spread, pick, respond)
            if child.t > horizon:
                continue
            events.append(child)
            size += 1
            if depth + 1 < spread.max_depth:
                frontier.append((len(events) - 1, depth + 1, None))


def _child(events: list[Event], parent: int, rng: random.Random, spread: Spread, pick: Picker,
           respond: Responder) -> Event:
    """One repost (82%), quote (6%) or reply (12%) of `events[parent]`, some minutes later."""
    src = events[parent]
    delay = math.exp(rng.gauss(math.log(spread.delay_median), spread.delay_sigma))
    t = src.t + min(delay, 600.0)
    # A repost of a repost points at the original, as on Twitter.
    target = src.parent if src.relation == "repost" and src.parent is not None else parent
    orig = events[target]
    roll = rng.random()
    if roll < 0.82:
        return Event(t, pick(orig.hostile), orig.kind, orig.text, orig.hostile, "repost", target, orig.media)
    kind, text, hostile = respond(orig, rng)
    relation = "quote" if roll < 0.88 else "reply"
    return Event(t, pick(hostile), kind, text, hostile, relation, target)


def _poisson(lam: float, rng: random.Random) -> int:
    """Knuth's method for small means, a rounded normal for large ones."""
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def poisson(lam: float, rng: random.Random) -> int:
    """A Poisson draw with mean `lam` from `rng` (deterministic for a seeded `rng`).

    >>> poisson(0.0, random.Random(0))
    0
    """
    return _poisson(lam, rng)
