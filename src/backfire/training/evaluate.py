"""Validation figures for trained heads, TweetEval-style, shared by `backfire train` and the benchmark."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

from backfire.training import data
from backfire.training.metrics import ece, f1_class, macro_f1, macro_recall, stance_scores
from backfire.understand.heads import LinearHead, base_inputs, sarcasm_score

Lookup = Callable[[list[str]], tuple[np.ndarray, sp.csr_matrix]]


def decide(head: LinearHead, dense: np.ndarray, sparse: sp.csr_matrix) -> np.ndarray:
    """Class decisions: the balanced-trained head's argmax (binary heads: calibrated p >= threshold)."""
    z = head.logits(dense, sparse)
    if head.binary:
        return (head.calibrate(z)[:, 1] >= head.threshold).astype(np.int64)
    return z.argmax(axis=1)


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


def hostile_figures(name: str, heads: dict[str, LinearHead], split: data.Split, get: Lookup) -> dict[str, float]:
    """Hostility toward the target of a negative / neutral / positive split, as the brand head reads it:
    macro-F1 of hostile vs not at the head's threshold, hostile F1, ROC AUC and ECE of `p_hostile`, and
    the three-class macro-F1 of the head's argmax."""
    from sklearn.metrics import roc_auc_score

    dense, sparse = get(split.texts)
    probs = heads["brand"].proba(np.hstack([dense, base_inputs(heads, dense, sparse)]), sparse)
    y = (split.labels == 0).astype(int)
    pred = (probs[:, 0] >= heads["brand"].threshold).astype(int)
    return {
        f"{name}_macro_f1": macro_f1(split.labels, probs.argmax(axis=1), 3),
        f"{name}_hostile_macro_f1": macro_f1(y, pred),
        f"{name}_hostile_f1": f1_class(y, pred, 1),
        f"{name}_hostile_auc": float(roc_auc_score(y, probs[:, 0])) if 0 < y.sum() < len(y) else float("nan"),
        f"{name}_hostile_ece": ece(y.astype(float), probs[:, 0]),
    }


def evaluate_heads(heads: dict[str, LinearHead], val: dict[str, data.Split], get: Lookup) -> dict[str, float]:
    """Score each head on its validation split; returns figure name -> value."""
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
    for name in ("brand", "topic"):
        if name in val:
            out |= hostile_figures(name, heads, val[name], get)
    calm = chatter_texts(val)
    dense, sparse = get(calm)
    probs = heads["brand"].proba(np.hstack([dense, base_inputs(heads, dense, sparse)]), sparse)
    out["brand_chatter_hostile"] = float((probs[:, 0] >= 0.5).mean()) if calm else 0.0
    return {k: round(float(v), 4) for k, v in out.items()}
