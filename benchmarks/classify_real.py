"""Hostility toward a target on real labelled posts, read as `backfire classify` reads them.

`verdict_figures` scores the product's verdicts (stance hostile vs not, `p_hostile`) on each real set
whose labels say how a post feels about the organisation or target it talks about: the Apple hold-out
(complaints and praise addressed to a company), the topic-directed validation split (2016, 20 targets:
companies, products, people, events) and, as a stress set, TweetEval's `against Hillary` (political
stance, which sentiment says little about). VADER is read on the same posts. `cross_dataset` refits the
brand head on every source but one and reports it, with its own threshold, on the one left out.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from classify_support import compound, make_post
from sklearn.metrics import roc_auc_score

from backfire.training import data
from backfire.training.metrics import ece, f1_class, macro_f1


def hostile_sets(val: dict[str, data.Split]) -> dict[str, tuple[list[str], np.ndarray]]:
    """Real sets with a 0/1 `hostile toward the target` label, by name."""
    sets = {"apple": (val["brand"].texts, (val["brand"].labels == 0).astype(int))}
    if "topic" in val:
        sets["topic"] = (val["topic"].texts, (val["topic"].labels == 0).astype(int))
    h = val["stance_hillary"]
    sets["hillary_against"] = (h.texts, (h.labels == 1).astype(int))
    return sets


def _figures(y: np.ndarray, p: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    return {"hostile_macro_f1": round(macro_f1(y, pred), 4), "hostile_f1": round(f1_class(y, pred, 1), 4),
            "auc": round(float(roc_auc_score(y, p)), 4), "ece": round(ece(y.astype(float), p), 4),
            "read_hostile": int(pred.sum()), "hostile": int(y.sum()), "posts": len(y)}


def verdict_figures(clf: Any, val: dict[str, data.Split]) -> dict[str, dict[str, dict[str, float]]]:
    """For each real set: our verdicts' figures, and VADER's (compound <= -0.05 hostile)."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for name, (texts, y) in hostile_sets(val).items():
        verdicts = clf.predict_many([make_post(i, t) for i, t in enumerate(texts)])
        p = np.array([v.p_hostile for v in verdicts])
        pred = np.array([int(v.stance == "hostile") for v in verdicts])
        c = compound(texts)
        out[name] = {"ours": _figures(y, p, pred), "vader": _figures(y, (1 - c) / 2, (c <= -0.05).astype(int))}
    return out


def cross_dataset(clf: Any, corpus: Any, seed: int) -> dict[str, dict[str, float]]:
    """The brand head refit on all sources but one (Apple, topic-directed), its threshold chosen on its
    own calibration rows, reported on the left-out source's validation split."""
    import scipy.sparse as sp

    from backfire.training.fit import fit_head
    from backfire.training.train import hostile_threshold
    from backfire.understand.heads import base_inputs

    heads = clf.heads
    out: dict[str, dict[str, float]] = {}
    sources = {"apple": "brand", "topic": "topic"}
    if "topic" not in corpus.train:
        return out

    def stacked(texts: list[str]) -> tuple[np.ndarray, sp.csr_matrix]:
        parts = [clf.features(texts[i : i + 1024]) for i in range(0, len(texts), 1024)]
        dense = np.vstack([d for d, _ in parts])
        sparse = sp.vstack([s for _, s in parts], format="csr")
        return np.hstack([dense, base_inputs(heads, dense, sparse)]), sparse

    for left, key in sources.items():
        train = [corpus.train[k] for n, k in sources.items() if n != left]
        texts = [t for s in train for t in s.texts]
        y = np.concatenate([s.labels for s in train])
        x, sparse = stacked(texts)
        cal = data.holdout_mask(len(y), seed + 6, 0.25)
        head = fit_head("brand", train[0].classes, x, sparse, y, c=0.5, seed=seed, calibrate_on=cal)
        p_cal = head.proba(x[cal], sparse[cal])[:, 0]
        head.threshold = hostile_threshold(p_cal, (y[cal] == 0).astype(int), np.zeros(int(cal.sum())))
        test = corpus.val[key]
        xt, st = stacked(test.texts)
        p = head.proba(xt, st)[:, 0]
        yt = (test.labels == 0).astype(int)
        out[f"fit_without_{left}"] = {**_figures(yt, p, (p >= head.threshold).astype(int)),
                                      "threshold": round(head.threshold, 2)}
    return out
