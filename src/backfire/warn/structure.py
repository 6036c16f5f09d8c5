"""How clustered a calm stream's evidence is: the variance of its hostile share beyond independent posts.

A repost repeats its original's verdict, so a cascade is one verdict counted many times. If the
stream's evidence comes in clusters c (an original and its reposts) of weights W_c, made of posts of
weights w_i, the variance of the weighted hostile count is sum_c W_c^2 p(1 - p), where the detector's
threshold assumes sum_i w_i p(1 - p) (each weight unit an independent verdict). Their ratio,

    factor = sum_c W_c^2 / sum_i w_i,

is measured here on the calm stream the detector learns its baseline from, with the same memory (older
weight fades as new weight arrives). It is near 1 on a stream of independent posts (a dataset without
repost links, an export that drops retweets) and grows with the cascades a stream carries.

>>> s = Structure(prior=1.0, prior_weight=0.0)
>>> s.learn([("a", 1.0), ("b", 1.0)]); round(s.factor, 2)   # two independent posts
1.0
>>> s.learn([("a", 1.0), ("a", 1.0)]); round(s.factor, 2)   # "a" now weighs 3: (9 + 1) / 4
2.5
>>> busy = Structure(prior_weight=0.0, memory=10.0)
>>> busy.learn([(str(i), 1.0) for i in range(50)]); busy.learn([("x", 20.0)]); round(busy.factor, 2)
20.0
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from backfire.warn.reach import bound


class Structure:
    """Running `factor` (module doc) of the evidence `learn`ed, with a prior worth `prior_weight` units."""

    def __init__(self, prior: float = 1.0, prior_weight: float = 30.0, memory: float = 1500.0,
                 limit: int = 20_000) -> None:
        self.prior = prior
        self.prior_weight = prior_weight
        self.memory = memory
        self.limit = limit
        self.clusters: OrderedDict[str, float] = OrderedDict()  # weight learned per cluster (not faded)
        self.weight = 0.0  # sum_i w_i, faded
        self.squares = 0.0  # sum_c W_c^2, faded alike: each cluster's part of it counts with its age

    def learn(self, items: Iterable[tuple[str, float]]) -> None:
        """Take the calm evidence of one stretch of the stream: (cluster key, weight) per post."""
        items = list(items)
        incoming = sum(w for _, w in items)
        if self.weight > 0 and self.weight + incoming > self.memory:  # forget old weight as the baseline does
            keep = max(0.0, (self.memory - incoming) / self.weight)
            self.weight, self.squares = self.weight * keep, self.squares * keep
        for key, weight in items:
            old = self.clusters.pop(key, 0.0)
            self.clusters[key] = old + weight
            bound(self.clusters, self.limit)
            self.squares += (old + weight) ** 2 - old * old
            self.weight += weight

    @property
    def factor(self) -> float:
        """sum_c W_c^2 / sum_i w_i of the evidence learned, blended with the prior."""
        measured = self.squares / self.weight if self.weight > 0 else self.prior
        return (self.prior * self.prior_weight + measured * self.weight) / (self.prior_weight + self.weight)
