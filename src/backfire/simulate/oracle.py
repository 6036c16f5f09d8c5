"""Stand-in classifiers for simulated streams: verdicts drawn around the true labels, or the labels.

It errs like a real stance model: it misses `sarcasm_miss` of sarcastic hostile posts (praise over a
photo of force reads as praise), `hostile_miss` of plain hostile ones, and flags `false_hostile` of
friendly posts. Probabilities are spread, not 0/1. One verdict per distinct text (reposts inherit),
deterministic for a seed. Benchmarks and tests use it so the detector never sees the true labels.

`PerfectReader` returns the true labels themselves, read in context (an answer agreeing with a hostile
post is hostile): no classifier can do that; `benchmarks/detect --classifier truth` uses it to show what
the detector would do with a perfect one.

>>> from backfire.simulate import generate
>>> sim = generate("mynypd", seed=2, hours=3)
>>> oracle = NoisyClassifier(sim.labels, seed=2)
>>> 0.0 <= oracle.predict_one(sim.posts[0]).p_hostile <= 1.0
True
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from backfire.model import Campaign, Post, Stance, Verdict


class NoisyClassifier:
    """Verdicts around the truth with realistic confusion (see the module doc)."""

    name = "noisy-oracle"

    def __init__(self, labels: Mapping[str, Any], seed: int = 0, sarcasm_miss: float = 0.2,
                 hostile_miss: float = 0.08, false_hostile: float = 0.06) -> None:
        self.labels = labels
        self.seed = seed
        self.sarcasm_miss = sarcasm_miss
        self.hostile_miss = hostile_miss
        self.false_hostile = false_hostile

    def predict_one(self, post: Post, campaign: Campaign | None = None) -> Verdict:
        label = self.labels.get(post.id)
        stance = getattr(label, "stance", "neutral")
        sarcastic = bool(getattr(label, "sarcastic", False))
        rng = random.Random(f"{self.seed}:{post.text}")
        p = self._p_hostile(stance, sarcastic, rng)
        guess: Stance = "hostile" if p >= 0.5 else ("neutral" if stance == "neutral" else "support")
        return Verdict(post_id=post.id, stance=guess, p_hostile=round(p, 4), p_support=round(1 - p, 4),
                       sarcasm=0.8 if sarcastic and p >= 0.5 else 0.1, model=self.name)

    def predict_many(self, posts: Sequence[Post], campaign: Campaign | None = None) -> list[Verdict]:
        return [self.predict_one(p, campaign) for p in posts]

    def _p_hostile(self, stance: str, sarcastic: bool, rng: random.Random) -> float:
        if stance == "hostile":
            miss = self.sarcasm_miss if sarcastic else self.hostile_miss
            return rng.uniform(0.08, 0.45) if rng.random() < miss else rng.uniform(0.55, 0.95)
        if rng.random() < self.false_hostile:
            return rng.uniform(0.5, 0.8)
        return rng.uniform(0.02, 0.3) if stance == "support" else rng.uniform(0.05, 0.4)


class PerfectReader:
    """The true label of every post as a confident verdict (an upper bound, see the module doc).

    >>> from backfire.simulate import generate
    >>> sim = generate("mynypd", seed=2, hours=3)
    >>> reader = PerfectReader(sim.labels)
    >>> all((reader.predict_one(p).stance == "hostile") == (sim.labels[p.id].stance == "hostile")
    ...     for p in sim.posts)
    True
    """

    name = "perfect-reader"

    def __init__(self, labels: Mapping[str, Any], confidence: float = 0.97) -> None:
        self.labels = labels
        self.confidence = confidence

    def predict_one(self, post: Post, campaign: Campaign | None = None) -> Verdict:
        label = self.labels.get(post.id)
        stance: Stance = getattr(label, "stance", "neutral")
        sure, unsure = self.confidence, 1.0 - self.confidence
        p_hostile = sure if stance == "hostile" else unsure / 2
        p_support = sure if stance == "support" else unsure / 2
        return Verdict(post_id=post.id, stance=stance, p_hostile=p_hostile, p_support=p_support,
                       sarcasm=0.9 if getattr(label, "sarcastic", False) else 0.05, model=self.name)

    def predict_many(self, posts: Sequence[Post], campaign: Campaign | None = None) -> list[Verdict]:
        return [self.predict_one(p, campaign) for p in posts]
