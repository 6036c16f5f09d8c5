"""The scores the benchmark and `backfire train` print, computed the way TweetEval and SemEval do."""

from __future__ import annotations

import numpy as np


def recall_per_class(y: np.ndarray, pred: np.ndarray, k: int) -> np.ndarray:
    return np.array([(pred[y == c] == c).mean() if (y == c).any() else 0.0 for c in range(k)])


def f1_class(y: np.ndarray, pred: np.ndarray, c: int) -> float:
    """F1 of class `c`."""
    tp = float(((pred == c) & (y == c)).sum())
    fp = float(((pred == c) & (y != c)).sum())
    fn = float(((pred != c) & (y == c)).sum())
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


def macro_recall(y: np.ndarray, pred: np.ndarray, k: int = 3) -> float:
    """Mean recall over the classes (TweetEval sentiment)."""
    return float(recall_per_class(y, pred, k).mean())


def macro_f1(y: np.ndarray, pred: np.ndarray, k: int = 2) -> float:
    """Mean F1 over the classes (TweetEval offensive)."""
    return float(np.mean([f1_class(y, pred, c) for c in range(k)]))


def stance_f1(y: np.ndarray, pred: np.ndarray, against: int = 1, favor: int = 2) -> float:
    """Mean of the F1 of `against` and `favor` (SemEval-2016 task 6 / TweetEval stance)."""
    return (f1_class(y, pred, against) + f1_class(y, pred, favor)) / 2


def stance_scores(labels: list[np.ndarray], preds: list[np.ndarray]) -> tuple[float, float]:
    """(pooled over targets, mean of per-target) stance F1 for per-target labels and predictions."""
    pooled = stance_f1(np.concatenate(labels), np.concatenate(preds))
    return pooled, float(np.mean([stance_f1(y, p) for y, p in zip(labels, preds, strict=True)]))


def best_f1_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The probability threshold in [0.05, 0.95] at which F1 of the positive class peaks."""
    grid = np.linspace(0.05, 0.95, 91)
    scores = [f1_class(y, (p >= t).astype(int), 1) for t in grid]
    return float(grid[int(np.argmax(scores))])


def brier(y: np.ndarray, p: np.ndarray) -> float:
    """Brier score of binary probabilities `p` for labels `y`."""
    return float(np.mean((p - y) ** 2))


def ece(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error of binary probabilities over equal-width bins."""
    edges = np.linspace(0, 1, bins + 1)
    idx = np.clip(np.digitize(p, edges) - 1, 0, bins - 1)
    err = 0.0
    for b in range(bins):
        sel = idx == b
        if sel.any():
            err += sel.mean() * abs(p[sel].mean() - y[sel].mean())
    return float(err)
