"""Trained linear heads over (dense, sparse) features, with their calibration, saved as `.npz`.

A head is a logistic regression: logits = dense @ W_dense + sparse @ W_sparse + b. Its calibration is a
small affine map of those logits fitted on predictions the head did not train on (Platt scaling for
two classes, a multinomial map for more), so `proba` is a calibrated probability. `threshold` is the
calibrated probability of the positive class at which F1 on that same data peaks (binary heads).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

#: Where the shipped weights live (`backfire train` rebuilds them: `backfire.training`).
WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
#: The seed of the shipped weights: their hold-outs and training (`backfire train --seed`).
SEED = 13


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


@dataclass
class LinearHead:
    """One task's classifier. `classes` names the outputs; binary heads have one logit column."""

    name: str
    classes: tuple[str, ...]
    w_dense: np.ndarray
    w_sparse: np.ndarray | None
    bias: np.ndarray
    cal_w: np.ndarray
    cal_b: np.ndarray
    threshold: float = 0.5
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def binary(self) -> bool:
        return len(self.classes) == 2

    def logits(self, dense: np.ndarray, sparse: sp.csr_matrix | None) -> np.ndarray:
        z = dense @ self.w_dense.astype(np.float32) + self.bias
        if self.w_sparse is not None and sparse is not None:
            z = z + np.asarray(sparse @ self.w_sparse.astype(np.float32))
        return z

    def calibrate(self, z: np.ndarray) -> np.ndarray:
        """Calibrated class probabilities from raw logits: shape (n, len(classes))."""
        if self.binary:
            p = sigmoid(z[:, 0] * self.cal_w[0, 0] + self.cal_b[0])
            return np.stack([1 - p, p], axis=1)
        return softmax(z @ self.cal_w + self.cal_b)

    def proba(self, dense: np.ndarray, sparse: sp.csr_matrix | None) -> np.ndarray:
        return self.calibrate(self.logits(dense, sparse))

    def arrays(self) -> dict[str, np.ndarray]:
        """The head as named arrays for `save_heads`."""
        out: dict[str, np.ndarray] = {
            "w_dense": self.w_dense.astype(np.float16),
            "bias": self.bias.astype(np.float32),
            "cal_w": self.cal_w.astype(np.float32),
            "cal_b": self.cal_b.astype(np.float32),
            "threshold": np.array([self.threshold], dtype=np.float32),
            "classes": np.array(self.classes),
        }
        if self.w_sparse is not None:
            out["w_sparse"] = self.w_sparse.astype(np.float16)
        return {f"{self.name}.{k}": v for k, v in out.items()}


def save_heads(path: Path, heads: dict[str, LinearHead], extra: dict[str, np.ndarray]) -> None:
    """Write every head and `extra` arrays (e.g. the IDF vector) into one compressed `.npz`."""
    arrays: dict[str, np.ndarray] = dict(extra)
    for head in heads.values():
        arrays.update(head.arrays())
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        np.savez_compressed(fh, **arrays)  # type: ignore[arg-type]


def load_heads(path: Path) -> tuple[dict[str, LinearHead], dict[str, np.ndarray]]:
    """Read what `save_heads` wrote: the heads by name and the extra arrays."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    names = sorted({k.split(".", 1)[0] for k in arrays if k.endswith(".w_dense")})
    heads = {}
    for n in names:
        heads[n] = LinearHead(
            name=n,
            classes=tuple(str(c) for c in arrays[f"{n}.classes"]),
            w_dense=arrays[f"{n}.w_dense"].astype(np.float32),
            w_sparse=arrays[f"{n}.w_sparse"].astype(np.float32) if f"{n}.w_sparse" in arrays else None,
            bias=arrays[f"{n}.bias"],
            cal_w=arrays[f"{n}.cal_w"],
            cal_b=arrays[f"{n}.cal_b"],
            threshold=float(arrays[f"{n}.threshold"][0]),
        )
    extra = {k: v for k, v in arrays.items() if "." not in k}
    return heads, extra


def base_inputs(heads: dict[str, LinearHead], dense: np.ndarray, sparse: sp.csr_matrix) -> np.ndarray:
    """The generic heads' probabilities that the brand head stacks on (sentiment, sarcasm, offensive)."""
    sent = heads["sentiment"].proba(dense, sparse)
    sarc = heads["sarcasm"].proba(dense, sparse)[:, 1:]
    off = heads["offensive"].proba(dense, sparse)[:, 1:]
    return np.hstack([sent, sarc, off]).astype(np.float32)


def sarcasm_score(heads: dict[str, LinearHead], dense: np.ndarray, sparse: sp.csr_matrix) -> np.ndarray:
    """The product's sarcasm score: calibrated p shifted in logit space so the F1 threshold sits at 0.5."""
    head = heads["sarcasm"]
    p = np.clip(head.proba(dense, sparse)[:, 1], 1e-6, 1 - 1e-6)
    t = min(max(head.threshold, 1e-3), 1 - 1e-3)
    shift = np.log(t / (1 - t))
    return 1.0 / (1.0 + np.exp(-(np.log(p / (1 - p)) - shift)))
