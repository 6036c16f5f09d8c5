"""Validation figures for trained heads, TweetEval-style, shared by `backfire train` and the benchmark."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

from backfire.understand import data
from backfire.understand.heads import LinearHead
from backfire.understand.metrics import ece, f1_class, macro_f1, macro_recall, stance_scores

Lookup = Callable[[list[str]], tuple[np.ndarray, sp.csr_matrix]]


def decide(head: LinearHead, dense: np.ndarray, sparse: sp.csr_matrix) -> np.ndarray:
    """Class decisions: the balanced-trained head's argmax (binary heads: calibrated p >= threshold)."""
    z = head.logits(dense, sparse)
    if head.binary:
        return (head.calibrate(z)[:, 1] >= head.threshold).astype(np.int64)
    return z.argmax(axis=1)


def sarcasm_score(heads: dict[str, LinearHead], dense: np.ndarray, sparse: sp.csr_matrix) -> np.ndarray:
    """The product's sarcasm score: calibrated p shifted in logit space so the F1 threshold sits at 0.5."""
    head = heads["sarcasm"]
    p = np.clip(head.proba(dense, sparse)[:, 1], 1e-6, 1 - 1e-6)
    t = min(max(head.threshold, 1e-3), 1 - 1e-3)
    shift = np.log(t / (1 - t))
    return 1.0 / (1.0 + np.exp(-(np.log(p / (1 - p)) - shift)))


def _stance(heads: dict[str, LinearHead], val: dict[str, data.Split], get: Lookup) -> tuple[float, float]:
    """TweetEval's stance figure: the F1 of against and of favor, averaged, over the five targets'
    predictions pooled (as its evaluation script scores them); and the mean of the per-target figures,
    a harsher figure that small classes (climate has 2 `against` posts in val) swing."""
    labels, preds = [], []
    for target in data.STANCE_TARGETS:
        split = val[f"stance_{target}"]
        labels.append(split.labels)
        preds.append(decide(heads[f"stance_{target}"], *get(split.texts)))
    return stance_scores(labels, preds)


def chatter_texts(val: dict[str, data.Split]) -> list[str]:
    """The sentiment validation split's neutral and positive posts: everyday chatter, hostile to no one
    (`brand_chatter_hostile` is the share of them the brand head reads hostile)."""
    s = val["sentiment"]
    return [t for t, y in zip(s.texts, s.labels, strict=True) if s.classes[y] != "negative"]


def evaluate_heads(heads: dict[str, LinearHead], val: dict[str, data.Split], get: Lookup) -> dict[str, float]:
    """Score each head on its validation split; returns figure name -> value."""
    from backfire.understand.train import base_inputs

    out: dict[str, float] = {}
    s = val["sentiment"]
    out["sentiment_macro_recall"] = macro_recall(s.labels, decide(heads["sentiment"], *get(s.texts)))
    s = val["irony"]
    out["irony_f1"] = f1_class(s.labels, decide(heads["irony"], *get(s.texts)), 1)
    out["irony_f1_sarcasm_head"] = f1_class(s.labels, (sarcasm_score(heads, *get(s.texts)) >= 0.5).astype(int), 1)
    s = val["offensive"]
    z = heads["offensive"].logits(*get(s.texts))
    out["offensive_macro_f1"] = macro_f1(s.labels, (z[:, 0] > 0).astype(int))
    out["stance_f1"], out["stance_f1_per_target"] = _stance(heads, val, get)
    for name in ("isarcasm", "figlang"):
        s = val[name]
        out[f"{name}_f1"] = f1_class(s.labels, (sarcasm_score(heads, *get(s.texts)) >= 0.5).astype(int), 1)
    s = val["brand"]
    dense, sparse = get(s.texts)
    probs = heads["brand"].proba(np.hstack([dense, base_inputs(heads, dense, sparse)]), sparse)
    out["brand_macro_f1"] = macro_f1(s.labels, probs.argmax(axis=1), 3)
    out["brand_hostile_f1"] = f1_class((s.labels == 0).astype(int), (probs[:, 0] >= 0.5).astype(int), 1)
    out["brand_hostile_ece"] = ece((s.labels == 0).astype(float), probs[:, 0])
    calm = chatter_texts(val)
    dense, sparse = get(calm)
    probs = heads["brand"].proba(np.hstack([dense, base_inputs(heads, dense, sparse)]), sparse)
    out["brand_chatter_hostile"] = float((probs[:, 0] >= 0.5).mean()) if calm else 0.0
    return {k: round(float(v), 4) for k, v in out.items()}
