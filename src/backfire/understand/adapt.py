"""Reviewer corrections: adapt a classifier to one campaign without retraining it.

The reviewers' labelled posts are embedded once. A new post near labelled ones (cosine similarity at
least `radius` in MiniLM space) has its stance probabilities pulled toward its neighbours' labels, the
more the closer and the more of them agree; a post that matches a labelled text exactly takes its label.
Everything else keeps the base verdict. Works with any classifier that has `embed(texts)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from backfire.model import Campaign, Post, Stance, Verdict, normalise_text
from backfire.understand.base import Classifier
from backfire.understand.stream import post_text

STANCES: tuple[Stance, ...] = ("hostile", "neutral", "support")


class AdaptedClassifier:
    """`base` corrected by reviewer labels: `examples` are (post, stance) pairs for one campaign.

    k: neighbours consulted. radius: least cosine similarity for a neighbour to count.
    weight: the most the neighbours can move the probabilities (0..1).
    """

    def __init__(
        self,
        base: Any,
        examples: Iterable[tuple[Post, str]],
        k: int = 7,
        radius: float = 0.7,
        weight: float = 0.8,
    ) -> None:
        pairs = [(post_text(p), s) for p, s in examples if s in STANCES]
        self.base = base
        self.examples = len(pairs)
        self.k = k
        self.radius = radius
        self.weight = weight
        self.name = f"{getattr(base, 'name', 'classifier')}+adapted"
        self._exact = {normalise_text(t): s for t, s in pairs}
        self._labels = np.array([STANCES.index(s) for _, s in pairs], dtype=np.int64)
        self._emb = base.embed([t for t, _ in pairs]) if pairs else np.zeros((0, 384), dtype=np.float32)

    def __repr__(self) -> str:
        return (f"AdaptedClassifier(base={self.base!r}, examples={self.examples}, k={self.k}, "
                f"radius={self.radius}, weight={self.weight})")

    def predict_one(self, post: Post, campaign: Campaign | None = None) -> Verdict:
        return self.predict_many([post], campaign)[0]

    def predict_many(self, posts: Sequence[Post], campaign: Campaign | None = None) -> list[Verdict]:
        verdicts: list[Verdict] = self.base.predict_many(posts, campaign)
        if not self.examples or not posts:
            return verdicts
        emb = self.base.embed([post_text(p) for p in posts])
        sims = emb @ self._emb.T
        return [self._adjust(p, v, sims[i], campaign) for i, (p, v) in enumerate(zip(posts, verdicts, strict=True))]

    def _adjust(self, post: Post, verdict: Verdict, sims: np.ndarray, campaign: Campaign | None) -> Verdict:
        if campaign is not None and campaign.is_owner(post.author.handle):
            return verdict
        exact = self._exact.get(normalise_text(post_text(post)))
        if exact is not None:
            return _with(verdict, exact, 1.0, "matches a reviewer-labelled post")
        order = np.argsort(-sims)[: self.k]
        near = order[sims[order] >= self.radius]
        if near.size == 0:
            return verdict
        votes = np.bincount(self._labels[near], weights=sims[near], minlength=3) / sims[near].sum()
        strength = self.weight * float(np.clip((sims[near].max() - self.radius) / (1 - self.radius), 0.2, 1.0))
        base = np.array([verdict.p_hostile, max(0.0, 1 - verdict.p_hostile - verdict.p_support), verdict.p_support])
        mixed = (1 - strength) * base + strength * votes
        stance = STANCES[int(mixed.argmax())]
        note = f"{near.size} similar reviewer-labelled posts"
        return verdict.model_copy(update={
            "stance": stance, "p_hostile": float(np.clip(mixed[0], 0, 1)), "p_support": float(np.clip(mixed[2], 0, 1)),
            "reason": f"{verdict.reason}; {note}" if verdict.reason else note, "model": self.name,
        })


def _with(verdict: Verdict, stance: str, confidence: float, note: str) -> Verdict:
    p_h = confidence if stance == "hostile" else (1 - confidence) / 2
    p_s = confidence if stance == "support" else (1 - confidence) / 2
    return verdict.model_copy(update={"stance": stance, "p_hostile": p_h, "p_support": p_s,
                                      "reason": note, "model": f"{verdict.model}+adapted"})


def adapt(classifier: Classifier, examples: Iterable[tuple[Post, str]], **options: Any) -> Classifier:
    """`classifier` corrected by reviewer labels, or unchanged if it cannot embed text or there are none."""
    pairs = list(examples)
    if not pairs or not hasattr(classifier, "embed"):
        return classifier
    return AdaptedClassifier(classifier, pairs, **options)
