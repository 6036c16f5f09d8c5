"""Helpers of `benchmarks/classify`: VADER reference scores, synthetic streams, timing and memory."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

import numpy as np

from backfire.model import Author, Post
from backfire.training import data
from backfire.training.evaluate import chatter_texts
from backfire.training.metrics import ece, f1_class, macro_f1, macro_recall, stance_scores
from backfire.understand.cues import SARCASM_TAGS, clean_text, vader_scores


def compound(texts: Iterable[str]) -> np.ndarray:
    return np.array([vader_scores(clean_text(t))["compound"] for t in texts])


def vader_figures(val: dict[str, data.Split]) -> dict[str, float]:
    """VADER read the usual way: compound >= 0.05 positive / favor / support, <= -0.05 negative /
    against / hostile; <= -0.5 offensive; sarcastic only with a #sarcasm/#not tag."""
    out: dict[str, float] = {}
    c = compound(val["sentiment"].texts)
    pred = np.where(c >= 0.05, 2, np.where(c <= -0.05, 0, 1))
    out["sentiment_macro_recall"] = macro_recall(val["sentiment"].labels, pred)
    for name, key in (("irony", "irony_f1"), ("isarcasm", "isarcasm_f1"), ("figlang", "figlang_f1")):
        pred = np.array([int(bool(SARCASM_TAGS.search(t))) for t in val[name].texts])
        out[key] = f1_class(val[name].labels, pred, 1)
    c = compound(val["offensive"].texts)
    out["offensive_macro_f1"] = macro_f1(val["offensive"].labels, (c <= -0.5).astype(int))
    labels, preds = [], []
    for target in data.STANCE_TARGETS:
        s = val[f"stance_{target}"]
        c = compound(s.texts)
        labels.append(s.labels)
        preds.append(np.where(c >= 0.05, 2, np.where(c <= -0.05, 1, 0)))
    out["stance_f1"], out["stance_f1_per_target"] = stance_scores(labels, preds)
    for name in ("brand", "topic"):
        if name in val:
            out |= _vader_hostile(name, val[name])
    out["brand_chatter_hostile"] = float((compound(chatter_texts(val)) <= -0.05).mean())
    return {k: round(float(v), 4) for k, v in out.items()}


def _vader_hostile(name: str, s: data.Split) -> dict[str, float]:
    from sklearn.metrics import roc_auc_score

    c = compound(s.texts)
    y = (s.labels == 0).astype(int)
    return {
        f"{name}_macro_f1": macro_f1(s.labels, np.where(c <= -0.05, 0, np.where(c >= 0.05, 2, 1)), 3),
        f"{name}_hostile_macro_f1": macro_f1(y, (c <= -0.05).astype(int)),
        f"{name}_hostile_f1": f1_class(y, (c <= -0.05).astype(int), 1),
        f"{name}_hostile_auc": float(roc_auc_score(y, -c)),
        f"{name}_hostile_ece": ece(y.astype(float), (1 - c) / 2),
    }


def make_post(i: int, text: str, repost_of: str | None = None) -> Post:
    return Post(id=str(i), platform="bench", author=Author(handle=f"user{i % 997}"), text=text,
                created_at=datetime(2014, 4, 22, 18, tzinfo=UTC) + timedelta(seconds=i), repost_of=repost_of)


def distinct_stream(texts: list[str]) -> list[Post]:
    return [make_post(i, t) for i, t in enumerate(texts)]


def repost_stream(texts: list[str], n: int, share: float, seed: int = 7) -> list[Post]:
    """`n` posts of which `share` are reposts (empty text, `repost_of` set) of earlier originals."""
    rng = np.random.default_rng(seed)
    posts: list[Post] = []
    originals: list[str] = []
    fresh = iter(texts)
    for i in range(n):
        if originals and rng.random() < share:
            posts.append(make_post(i, "", repost_of=originals[int(rng.integers(len(originals)))]))
        else:
            posts.append(make_post(i, next(fresh)))
            originals.append(str(i))
    return posts


def rate(run: Callable[[], int]) -> float:
    """Items per second of `run` (which returns how many items it handled)."""
    start = time.perf_counter()
    count = run()
    return count / (time.perf_counter() - start)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
