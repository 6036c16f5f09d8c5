"""Fit one `LinearHead`: logistic regression on (dense, sparse) features, calibrated out of fold.

Small sets: K-fold out-of-fold logits fit the calibration, then the head is refitted on everything.
Large sets: a seeded hold-out part fits the calibration and the head keeps the fit on the rest
(refitting 40,000+ rows would double the training time for little gain).
With a fine-tuned encoder, `calibrate_on` marks the rows whose labels the encoder never saw: only those
fit the calibration and the decision threshold (the others' features are too well separated to be
honest about confidence).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from backfire.training.metrics import best_f1_threshold
from backfire.understand.heads import LinearHead

LARGE = 10_000
#: Chooses a head's threshold from (calibrated probabilities of the calibration rows, their row numbers).
ThresholdRule = Callable[[np.ndarray, np.ndarray], float]


def _design(dense: np.ndarray, sparse: sp.csr_matrix | None) -> sp.csr_matrix | np.ndarray:
    if sparse is None:
        return dense
    return sp.hstack([sp.csr_matrix(dense), sparse], format="csr")


def _fit_lr(x: sp.csr_matrix | np.ndarray, y: np.ndarray, c: float, weights: np.ndarray | None) -> LogisticRegression:
    lr = LogisticRegression(C=c, max_iter=300, tol=1e-3, class_weight="balanced")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        lr.fit(x, y, sample_weight=weights)
    return lr


def _raw_logits(lr: LogisticRegression, x: sp.csr_matrix | np.ndarray) -> np.ndarray:
    z = lr.decision_function(x)
    return z[:, None] if z.ndim == 1 else z


def _calibrator(z: np.ndarray, y: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    cal = LogisticRegression(C=100.0, max_iter=1000)
    cal.fit(z, y)
    if k == 2:
        return cal.coef_.reshape(1, 1), cal.intercept_.reshape(1)
    return cal.coef_.T.copy(), cal.intercept_.copy()


def _folds(n: int, k: int, seed: int) -> list[np.ndarray]:
    order = np.random.default_rng(seed).permutation(n)
    return [order[i::k] for i in range(k)]


def _oof_logits(
    x: sp.csr_matrix | np.ndarray, y: np.ndarray, c: float, weights: np.ndarray | None, seed: int, k: int = 4
) -> np.ndarray:
    out: np.ndarray | None = None
    for fold in _folds(len(y), k, seed):
        train = np.setdiff1d(np.arange(len(y)), fold)
        lr = _fit_lr(x[train], y[train], c, None if weights is None else weights[train])
        z = _raw_logits(lr, x[fold])
        out = np.zeros((len(y), z.shape[1])) if out is None else out
        out[fold] = z
    assert out is not None
    return out


def kept_out(n: int, seed: int, calibrate_on: np.ndarray | None = None) -> np.ndarray:
    """The rows `fit_head` keeps out of a head's fit for its calibration: for a large set, its seeded
    hold-out part (or the `calibrate_on` rows); a small set fits on every row, so none."""
    if n <= LARGE:
        return np.zeros(0, dtype=np.int64)
    return _folds(n, 7, seed)[0] if calibrate_on is None else np.flatnonzero(calibrate_on)


def fit_head(
    name: str,
    classes: tuple[str, ...],
    dense: np.ndarray,
    sparse: sp.csr_matrix | None,
    y: np.ndarray,
    c: float = 1.0,
    seed: int = 0,
    weights: np.ndarray | None = None,
    calibrate_on: np.ndarray | None = None,
    refit: bool = False,
    threshold: ThresholdRule | None = None,
) -> LinearHead:
    """Train and calibrate a head for `classes` on features and integer labels `y` (see the module doc
    for `calibrate_on`, a boolean row mask).

    `refit`: for a large set, fit the shipped head again on every row once its hold-out fit has given
    the calibration (one more fit; the hold-out rows then also teach the head). `threshold(probs, rows)`
    chooses the head's threshold from the calibrated probabilities of the rows the calibration saw
    out of fit (default: a binary head's F1-optimal threshold)."""
    x = _design(dense, sparse)
    if len(y) > LARGE:
        cal_idx = kept_out(len(y), seed, calibrate_on)
        fit_idx = np.setdiff1d(np.arange(len(y)), cal_idx)
        lr = _fit_lr(x[fit_idx], y[fit_idx], c, None if weights is None else weights[fit_idx])
        z_cal, y_cal = _raw_logits(lr, x[cal_idx]), y[cal_idx]
        if refit:
            lr = _fit_lr(x, y, c, weights)
    else:
        cal_idx = np.arange(len(y)) if calibrate_on is None else np.flatnonzero(calibrate_on)
        z_cal, y_cal = _oof_logits(x, y, c, weights, seed)[cal_idx], y[cal_idx]
        lr = _fit_lr(x, y, c, weights)
    cal_w, cal_b = _calibrator(z_cal, y_cal, len(classes))
    coef = lr.coef_.T.astype(np.float16).astype(np.float32)  # what ships
    d = dense.shape[1]
    head = LinearHead(
        name=name, classes=classes, w_dense=coef[:d], w_sparse=coef[d:] if sparse is not None else None,
        bias=lr.intercept_.astype(np.float32), cal_w=cal_w, cal_b=cal_b,
    )
    if threshold is not None:
        head.threshold = threshold(head.calibrate(z_cal), cal_idx)
    elif head.binary:
        head.threshold = best_f1_threshold(y_cal, head.calibrate(z_cal)[:, 1])
    return head
