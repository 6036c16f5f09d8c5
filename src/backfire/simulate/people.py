"""Simulated accounts: unique handles and heavy-tailed follower counts.

>>> import random
>>> crowd = Crowd(random.Random(3))
>>> a = crowd.new("supporter")
>>> a.followers > 0 and a.handle != crowd.new("supporter").handle
True
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

_FIRST = ("jane", "mike", "sam", "ana", "dev", "lee", "maria", "tom", "kim", "omar", "zoe", "raj", "lucy",
          "ben", "nia", "carlos", "ivy", "jay", "mo", "tess", "luis", "amy", "kofi", "eli", "rosa")
_WORDS = ("sunny", "brooklyn", "coffee", "urban", "quiet", "river", "bronx", "jazz", "pixel", "tiny",
          "wild", "metro", "indie", "lunar", "salty", "bold", "night", "paper", "green", "rebel")
_NOUNS = ("fox", "runner", "writer", "mom", "dad", "nerd", "fan", "lens", "voice", "watch", "news",
          "notes", "beats", "cat", "baker", "cyclist", "reporter", "teacher", "kid", "critic")


@dataclass(frozen=True)
class Account:
    """A simulated account: its handle, its followers and its role in the scenario."""

    handle: str
    followers: int
    role: str


class Crowd:
    """Makes accounts with unique handles and lognormal follower counts with a Pareto tail."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.seen: set[str] = set()
        self.pools: dict[str, list[Account]] = {}

    def new(self, role: str, followers: int | None = None) -> Account:
        """A fresh account of `role` (its followers drawn unless given)."""
        account = Account(self._handle(), followers if followers is not None else self._followers(), role)
        self.pools.setdefault(role, []).append(account)
        return account

    def pick(self, role: str, reuse: float = 0.35) -> Account:
        """An account of `role`: an already active one with probability `reuse` (early accounts
        accumulate posts, rich-get-richer), else a newcomer."""
        pool = self.pools.get(role)
        if pool and self.rng.random() < reuse:
            return self.rng.choice(pool)
        return self.new(role)

    def _followers(self) -> int:
        """Lognormal body (median ~250) with a Pareto tail for the few big accounts."""
        if self.rng.random() < 0.02:
            return int(min(5e6, 5000 * self.rng.paretovariate(1.1)))
        return max(0, int(math.exp(self.rng.gauss(math.log(250), 1.5))))

    def _handle(self) -> str:
        rng = self.rng
        while True:
            style = rng.randrange(4)
            if style == 0:
                h = f"{rng.choice(_FIRST)}_{rng.choice(_NOUNS)}{rng.randint(1, 99)}"
            elif style == 1:
                h = f"{rng.choice(_WORDS)}{rng.choice(_NOUNS).capitalize()}"
            elif style == 2:
                h = f"{rng.choice(_FIRST).capitalize()}{rng.choice(_WORDS).capitalize()}{rng.randint(70, 2005)}"
            else:
                h = f"the{rng.choice(_WORDS)}{rng.choice(_NOUNS)}"
            if h.casefold() not in self.seen:
                self.seen.add(h.casefold())
                return h
