"""Reviewer corrections: adapt a classifier to one campaign without retraining it.

Two corrections, both fitted in well under a second from the reviewers' labelled posts:
- a per-campaign head (with at least `min_labels` labels of two stances or more): a logistic regression
  stacked on the base model's probabilities and the MiniLM embedding, so the campaign's own vocabulary
  and topics count;
- nearest neighbours: a new post near labelled ones (cosine similarity at least `radius`) has its
  probabilities pulled toward their labels, and a post whose text matches a labelled one takes its label.
Works with any classifier that has `embed(texts)`.
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
        min_labels: int = 20,
        c: float = 1.0,
    ) -> None:
        kept = [(p, s) for p, s in examples if s in STANCES]
        pairs = [(post_text(p), s) for p, s in kept]
        self.base = base
        self.examples = len(pairs)
        self.k = k
        self.radius = radius
        self.weight = weight
        self.min_labels = min_labels
        self.c = c
        self.name = f"{getattr(base, 'name', 'classifier')}+adapted"
        self._exact = {normalise_text(t): s for t, s in pairs}
        self._labels = np.array([STANCES.index(s) for _, s in pairs], dtype=np.int64)
        self._emb = base.embed([t for t, _ in pairs]) if pairs else np.zeros((0, 384), dtype=np.float32)
        self._head = self._fit_head([p for p, _ in kept])

    def _fit_head(self, posts: list[Post]) -> Any:
        """The per-campaign stacked head, or None with too few labels or a single stance."""
        if len(posts) < self.min_labels or len(set(self._labels.tolist())) < 2:
            return None
        from sklearn.linear_model import LogisticRegression

        head = LogisticRegression(C=self.c, max_iter=1000)
        head.fit(_stack(self._emb, self.base.predict_many(posts)), self._labels)
        return head

    def __repr__(self) -> str:
        return (f"AdaptedClassifier(base={self.base!r}, examples={self.examples}, k={self.k}, "
                f"radius={self.radius}, weight={self.weight}, min_labels={self.min_labels}, c={self.c})")

    def predict_one(self, post: Post, campaign: Campaign | None = None) -> Verdict:
        return self.predict_many([post], campaign)[0]

    def predict_many(self, posts: Sequence[Post], campaign: Campaign | None = None) -> list[Verdict]:
        verdicts: list[Verdict] = self.base.predict_many(posts, campaign)
        if not self.examples or not posts:
            return verdicts
        emb = self.base.embed([post_text(p) for p in posts])
        if self._head is not None:
            verdicts = self._apply_head(posts, verdicts, emb, campaign)
        sims = emb @ self._emb.T
        return [self._adjust(p, v, sims[i], campaign) for i, (p, v) in enumerate(zip(posts, verdicts, strict=True))]

    def _apply_head(
        self, posts: Sequence[Post], verdicts: list[Verdict], emb: np.ndarray, campaign: Campaign | None
    ) -> list[Verdict]:
        proba = np.zeros((len(posts), 3))
        proba[:, self._head.classes_] = self._head.predict_proba(_stack(emb, verdicts))
        out = []
        for post, verdict, p in zip(posts, verdicts, proba, strict=True):
            if campaign is not None and campaign.is_owner(post.author.handle):
                out.append(verdict)
                continue
            note = "campaign head fitted on reviewer labels"
            out.append(verdict.model_copy(update={
                "stance": STANCES[int(p.argmax())], "p_hostile": float(p[0]), "p_support": float(p[2]),
                "reason": f"{verdict.reason}; {note}" if verdict.reason else note, "model": self.name,
            }))
        return out

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


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return float(np.log(p / (1 - p)))


def _stack(emb: np.ndarray, verdicts: Sequence[Verdict]) -> np.ndarray:
    """Per-campaign head inputs: the embedding next to the base model's stance and sarcasm logits."""
    base = np.array([[_logit(v.p_hostile), _logit(v.p_support), _logit(v.sarcasm)] for v in verdicts])
    return np.hstack([emb, base])


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
